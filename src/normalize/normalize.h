/*
 * normalize.h - raw record to canonical record (sosr-normalize internals).
 *
 * convert() turns one raw NDJSON line (docs/FORMATS.md section 1) into one
 * canonical line (section 2).  It is called from several threads at once:
 * everything it writes lives in the caller's struct conv; the options are
 * read-only after setup.
 */
#ifndef SOSR_NORMALIZE_H
#define SOSR_NORMALIZE_H

#include <stddef.h>

#include "buf.h"
#include "map.h"
#include "ndjson.h"

#define CANON_MAX_LINE (1u << 20) /* cap on one canonical line */

struct nopts {
	struct mapping map;
	const char **domains;   /* --default-domain, lowercased, no trailing dot */
	size_t ndomains;
	int key_by_id;          /* --device-key id */
	int source;             /* --source: SRC_* or -1 */
	const char *input_name; /* for messages */
};

/* One converter's scratch space (one per thread). */
struct conv {
	struct ndjson_reader pr;   /* only its tokener and err are used */
	struct buf out;            /* the canonical line, without '\n' */
	size_t key_len;            /* escaped key bytes, at out.data + 8 */
	struct buf name[3];        /* fqdn, hostname, domain being built */
	struct buf key;            /* the key before escaping */
	char err[600];             /* why convert() failed */
	char reason[300];          /* why a record is unidentified */
	struct jspan root, data;   /* the raw line and its "data", as text */
	int ambiguous;             /* an identity field named twice (reason says) */
	int err_code;
	/* timestamps that could not be read (omitted, reported once) */
	unsigned long bad_time_count, bad_time_line;
};

void conv_init(struct conv *c);
void conv_free(struct conv *c);

/* Convert LINE (LEN bytes, NUL-terminated) read at LINENO.  0 with the
 * canonical line in c->out, or -1 with c->err and c->err_code set. */
int convert(const struct nopts *o, struct conv *c, const char *line, size_t len,
	    unsigned long lineno);

#endif
