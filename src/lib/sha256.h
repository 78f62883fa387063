/*
 * sha256.h - SHA-256 (FIPS 180-4), for the evidence: the digest of every
 * file of a run in its manifest, and of every page an API sent.
 *
 * Streaming: init, update any number of times, final.  No allocation; a
 * context is a plain struct on the caller's stack.
 */
#ifndef SOSR_SHA256_H
#define SOSR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *p, size_t n);
/* The digest as 64 lowercase hex digits and a NUL. */
void sha256_final_hex(struct sha256 *c, char hex[SHA256_HEX_LEN + 1]);
/* The digest of the file PATH: 0, or -1 with errno set. */
int sha256_file(const char *path, char hex[SHA256_HEX_LEN + 1]);

#endif
