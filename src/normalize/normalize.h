/*
 * normalize.h - sosr-normalize internals: the conversion of one record
 * (convert.c) and the sort within a memory budget (sort.c).
 *
 * convert() turns one raw NDJSON line (docs/FORMATS.md section 1) into one
 * canonical line (section 2).  It is called from several threads at once:
 * everything it writes lives in the caller's struct conv; the options are
 * read-only after setup.
 *
 * The sort.  Canonical lines are ordered by key (the escaped key's bytes,
 * a shorter key first), then by the whole line, so that the output is the
 * same bytes whatever the thread schedule and whatever the budget: two
 * lines that compare equal are equal bytes, so any merge of sorted sets
 * gives the same output.  A worker sorts the lines it holds (sort_recs)
 * and, when they reach its share of the budget, writes them as one sorted
 * run to its spill file (spill_run): an unlinked temporary file in
 * $TMPDIR, else /tmp, that nothing outlives.  At the end a struct merger
 * merges the workers' in-memory lines and the runs, reading each run
 * through a bounded buffer; when there are more runs than the merge takes
 * at once (its fan-in), groups of runs are first merged into longer runs,
 * as sort(1) does.
 *
 * Run file format (private to one process, never kept): runs back to back,
 * each a sequence of records [uint32 len][uint32 key_len][len bytes of the
 * line, its '\n' included], host byte order; a struct run says where a run
 * starts and how many bytes it has.
 */
#ifndef SOSR_NORMALIZE_H
#define SOSR_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "map.h"
#include "ndjson.h"
#include "err.h"

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

/* ---- sort.c ---- */

/* A canonical line held in memory; p0/p1 cache key bytes for the sort. */
struct rec {
	uint64_t p0, p1;
	const char *line;      /* "{"key":"...}\n" */
	uint32_t len;          /* with the '\n' */
	uint32_t key_len;      /* escaped key bytes, at line + 8 */
};

/* Fill R for LINE (LEN bytes with the '\n'; its key of KEY_LEN bytes). */
void rec_set(struct rec *r, const char *line, uint32_t len, uint32_t key_len);
/* The order of the output: -1, 0 (equal bytes) or 1. */
int rec_cmp(const struct rec *x, const struct rec *y);
/* Sort R[0..N) in that order (it rewrites p0/p1). */
void sort_recs(struct rec *r, size_t n);

/* A sorted run in a spill file. */
struct run {
	int fd;                /* the spill file's (not owned) */
	off_t off, len;        /* where it starts, its bytes */
};

/* A spill file and the runs written to it; one writer at a time. */
struct spill {
	int fd;                /* -1 until the first run */
	off_t end;             /* bytes written */
	char *wbuf;            /* write buffer, wcap bytes */
	size_t wcap, wlen;
	struct run *runs;
	size_t nruns, aruns;
	int err;               /* errno of the first failure, 0 when none */
	int err_create;        /* that failure was making the file */
};

/* The directory of spill files: $TMPDIR, else /tmp. */
const char *spill_dir(void);
/* An empty spill, with a write buffer of WCAP bytes. */
void spill_init(struct spill *s, size_t wcap);
/* Release S and close its file (which the system then frees). */
void spill_free(struct spill *s);
/* Write the N records of R (sorted) as one run, making the file first if
 * need be.  0, or -1 with s->err set (the spill is then unusable). */
int spill_run(struct spill *s, const struct rec *r, size_t n);
/* No more runs will be written to S: release its write buffer (its runs
 * stay readable). */
void spill_close_writing(struct spill *s);
/* Run-by-run writing, for a merge: begin, add each record, end. */
void spill_begin(struct spill *s);
int spill_add(struct spill *s, const struct rec *r);
int spill_end(struct spill *s);
/* Report S's failure (exit SOSR_EXIT_IO, naming the directory). */
void spill_die(const struct spill *s) SOSR_NORETURN;

/* A merge of sorted sources: records in memory, runs in spill files. */
struct merger;
/* A merger whose runs are read through buffers of RBUF bytes (grown for a
 * record longer than that). */
struct merger *merger_new(size_t rbuf);
void merger_add_mem(struct merger *m, const struct rec *r, size_t n);
void merger_add_run(struct merger *m, const struct run *run);
/* The next record in order, valid until the next call; NULL at the end.
 * A run that cannot be read back is fatal (exit SOSR_EXIT_IO). */
const struct rec *merger_next(struct merger *m);
void merger_free(struct merger *m);

#endif
