/*
 * gz.h - gzip files, reproducibly, for the archive's raw records.
 *
 * The archive keeps raw files compressed (they are most of a run's bytes).
 * Evidence must be the same bytes for the same input: the gzip header
 * carries no time, no name and a fixed OS byte (255, unknown), and the
 * level is fixed, so one file compresses to one byte string on every
 * machine with the same zlib.  The manifest's digests are of the
 * uncompressed files; gz_sha256 recomputes one from the archive.
 */
#ifndef SOSR_GZ_H
#define SOSR_GZ_H

#include "sha256.h"

/* Compress SRC into DST (created, 0666 & ~umask, flushed to the disk).
 * 0, or -1 with errno set (DST removed). */
int gz_compress_file(const char *src, const char *dst);
/* The sha256 and the size of what the gzip file PATH holds.  0, or -1
 * with errno set (EINVAL: not a whole gzip file). */
int gz_sha256(const char *path, char hex[SHA256_HEX_LEN + 1], long long *bytes);

#endif
