/*
 * track.h - the parts of sosr-track: finding identities, the ledger of the
 * last complete run (read in ledger.c, one entry at a time) and the new one
 * (written streaming into NEW.tmp, renamed into place at the end).
 *
 * docs/FORMATS.md section 3b is the contract.  A finding's identity is its
 * key, then its type (in the order of finding.h), then its side (none,
 * softlayer, sos); the key is compared as the bytes jsonw.h writes for it,
 * which are the bytes sosr-normalize wrote and sosr-diff copied, so that
 * this order is the order of the discrepancy stream.
 *
 * Memory does not grow with the streams: the stream side holds one line,
 * the ledger side one parsed entry (struct lentry); both are compared by
 * identity and the smaller one is retired.
 *
 * All the state lives in the one struct track_state T (track.c), so that
 * the fuzz harness (fuzz/fuzz-track.c) can reset it between runs.
 */
#ifndef SOSR_TRACK_H
#define SOSR_TRACK_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "finding.h"
#include "ndjson.h"

struct json_object;

#define LEDGER_MAX_LINE (4u << 20)      /* one finding's entry: small */
#define TRACK_MAX_OUT (64u << 20)       /* the annotations of one finding */
#define LEDGER_MAX_FIELDS 64            /* differing fields of one mismatch */

enum side { SIDE_NONE, SIDE_SOFTLAYER, SIDE_SOS, SIDE_N };
extern const char *const side_names[SIDE_N];    /* "", "softlayer", "sos" */

/* A finding's identity.  KEY holds the key escaped as jsonw_str writes it,
 * without the quotes. */
struct ident {
	struct buf key;
	int type;               /* enum finding_type */
	int side;               /* enum side */
};

/* Order of identities: key bytes (a shorter prefix first), type, side. */
int ident_cmp(const struct ident *a, const struct ident *b);
/* Set ID's key from the unescaped KEY (LEN bytes); dies past the cap. */
void ident_set_key(struct ident *id, const char *key, size_t len);
/* The side named S (NULL: none): its enum, or -1. */
int side_from_name(const char *s);

/* The populations of a run: the diff summary's "records", [source][kind],
 * source 0 softlayer, 1 sos. */
struct pops {
	long long n[2][KIND_N];
};

enum lstate { L_OPEN, L_RESOLVED };

/* One line of a ledger, parsed and checked. */
struct lentry {
	struct ident id;
	int kind;
	int state;              /* enum lstate */
	int64_t first_seen, last_seen, resolved;
	long long runs;
	struct json_object *obj;        /* the parsed line, owned */
	struct json_object *values;     /* borrowed from obj; NULL when absent */
};

/* The previous ledger, read in identity order. */
struct ledger_in {
	const char *path;
	struct ndjson_reader r;
	int opened;
	char c_code[40];        /* "" when the header says null */
	int64_t run;
	long long keep_days;
	struct pops pop;
	struct lentry cur, prev;        /* prev: only its identity, for the order */
	int have_cur, have_prev;
};

/* Open PATH and read its header; dies (exit 9 cannot read, 7 not a
 * ledger) with words saying to check the history directory. */
void ledger_open(struct ledger_in *L, const char *path);
/* Make the next entry current: 1, or 0 at the end.  Dies on a bad or
 * unsorted entry (exit 7, naming FILE:LINE). */
int ledger_next(struct ledger_in *L);
void ledger_close(struct ledger_in *L);

/* The new ledger: written to PATH.tmp, renamed over PATH by commit. */
struct ledger_out {
	char *path, *tmp;
	FILE *fp;
	struct buf line;
	int committed;
};

/* What one ledger line says; VALUES is the JSON text of the "values"
 * member, or NULL. */
struct lrec {
	const struct ident *id;
	int kind;
	int state;
	int64_t first_seen, last_seen, resolved;
	long long runs;
	const char *values;
	size_t values_len;
};

void ledger_out_open(struct ledger_out *W, const char *path);
void ledger_out_header(struct ledger_out *W, const char *c_code, int64_t run, long keep_days,
		       const struct pops *p);
void ledger_out_write(struct ledger_out *W, const struct lrec *e);
/* Flush, fsync and close PATH.tmp: every write error shows here. */
void ledger_out_finish(struct ledger_out *W);
/* Rename PATH.tmp over PATH (after ledger_out_finish). */
void ledger_out_commit(struct ledger_out *W);
/* Both die (exit 9, PATH.tmp removed) on failure. */
/* Remove PATH.tmp (a run that failed writes no ledger). */
void ledger_out_abort(struct ledger_out *W);
void ledger_out_free(struct ledger_out *W);

/* Append the JSON text of V (NULL is null) as sosr-diff writes values:
 * strings by jsonw, integers in decimal, the rest as json-c writes them. */
void value_text(struct buf *b, struct json_object *v);
/* Append "YYYY-MM-DDTHH:MM:SSZ" with its quotes. */
void time_text(struct buf *b, int64_t t);
/* A buf_add that dies (internal error) past the cap. */
void badd(struct buf *b, const void *p, size_t n);
void badds(struct buf *b, const char *s);
/* jsonw_str that dies past the cap. */
void bjstr(struct buf *b, const char *s, size_t len);

/* "records" of a diff summary or a ledger header:
 * {"softlayer":{"device":N,"vlan":N,"unidentified":N},"sos":{...}}.
 * 0, or -1 when a count is missing. */
int pops_parse(struct json_object *records, struct pops *p);

#endif
