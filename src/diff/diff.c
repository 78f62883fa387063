/*
 * sosr-diff - merge-join two sorted canonical streams into findings.
 *
 * The shape is join(1)'s: each side is read one group of equal keys at a
 * time, so memory holds only the current group of each side (capped by
 * --max-group) whatever the size of the inventories.  comm(1)'s
 * --check-order is always on: a key smaller than the one before is an
 * error naming file:line and both keys.
 *
 * Speed comes from the layout of canonical records (canon.h): keys are
 * compared as bytes, then the compared spans as bytes; only a pair whose
 * spans differ, and every record copied into the output, is parsed with
 * json-c (which also validates it).  Records that match byte for byte are
 * only framed, never parsed.
 *
 * Output: findings in key order (within a key, in the order of enum finding_type),
 * then the summary record as the last line (docs/FORMATS.md section 3).
 *
 * Identities (--identities, diff.identities; docs/FORMATS.md section 3,
 * "Identities").  With a kind's list longer than its key, the records left
 * unpaired on both sides by the merge-join (the would-be missing_in_sos,
 * missing_in_softlayer, pending and excluded records) are kept in memory,
 * and paired by each next identity of the list in turn: a value that one
 * leftover on each side carries pairs them, unless a strong identity both
 * carry disagrees; a value more candidates carry pairs nothing, and the
 * finding names them.  The cost is the leftovers' (a sort of them per
 * identity), never the inventory's.  Because a pair found at the end may
 * belong anywhere in key order, the findings of the merge-join are then
 * staged in an unlinked temporary file (in key order, each group with its
 * key) and merged with the leftovers' findings at the end.  Every finding
 * about a pair then says which identity made it and which identity and
 * compared fields agree.  The default lists are canon_default_identities();
 * with no list longer than its key (--no-fallback), the output is the same
 * bytes as before identities existed (format 1).
 */
#include "buf.h"
#include "canon.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "fileio.h"
#include "finding.h"
#include "jsonw.h"
#include "ndjson.h"
#include "output.h"
#include "timeutil.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#define DIFF_MAX_LINE (1u << 20)     /* a canonical record is small */
#define DEFAULT_MAX_GROUP 10000
#define GROUP_MAX_BYTES (256u << 20) /* cap on one group's bytes */
#define MAX_COMPARE 16
#define MAX_CANDIDATES 10       /* keys listed per side in an "unpaired" note */

static const char usage_text[] =
"usage: sosr-diff [OPTIONS] SOFTLAYER SOS\n"
"\n"
"Compare two canonical streams sorted by key (sosr-normalize output; '-' is\n"
"standard input, for one of them) and write the discrepancy records of\n"
"docs/FORMATS.md section 3, then a summary record as the last line.\n"
"\n"
"Options:\n"
"  --config FILE          the job's configuration: its \"diff\" section (grace,\n"
"                         compare, identities); flags win over it\n"
"  --compare KIND:F1,F2   fields compared for KIND (device or vlan), from its\n"
"                         compared span; repeatable, one per kind\n"
"                         (default device:private_ip,public_ip,datacenter\n"
"                         and vlan:datacenter,space)\n"
"  --grace DURATION       a SoftLayer device younger than this and not in SOS\n"
"                         is pending, not missing (default 48h)\n"
"  --now TIME             the current time, RFC 3339 (default: the clock);\n"
"                         for reproducible runs\n"
"  --identities KIND:I1,I2  the identities KIND (device or vlan) is paired\n"
"                         by, in order: the key's first, then the fallbacks\n"
"                         for the records the key left unpaired; repeatable,\n"
"                         one per kind (device: fqdn|id, then id, private_ip,\n"
"                         serial; vlan: router_number, then id). Default:\n"
"                         device:fqdn,id,private_ip,serial and\n"
"                         vlan:router_number,id\n"
"  --no-fallback          the key alone for the kinds --identities does not\n"
"                         name (device:fqdn, vlan:router_number): the format 1\n"
"                         stream of the diff before identities, byte for byte\n"
"  --fallback             the default identities for the kinds --identities\n"
"                         does not name, whatever the configuration says\n"
"  --max-group N          most records with one key on one side, 1..1000000\n"
"                         (default 10000)\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Exit status:\n"
"  0   no findings (pending and excluded records are not findings)\n"
"  1   findings\n"
"  2   usage error\n"
"  7   invalid input: malformed or unsorted stream, wrong source, group cap,\n"
"      leftovers' cap\n"
"  9   cannot read an input or write the output (or the scratch file of\n"
"      the identities in TMPDIR)\n"
"  10  out of memory or internal error\n";

/* One record of a group: its bytes live in the group's buffer (or, for a
 * leftover, in the leftovers' arena); P points at them. */
struct gline {
	const char *p;
	size_t off, len;
	unsigned long lineno;
	struct canon_frame f;   /* re-pointed after the buffer moves */
};

struct side {
	const char *label;          /* "softlayer" or "sos" */
	struct ndjson_reader r;
	struct buf gbuf, hbuf;      /* the group, and the held first line of the next */
	struct gline *g;            /* group lines */
	size_t n, alloc;
	struct gline held;
	int has_held, eof;
	unsigned long count[KIND_N];
};

/* A record left unpaired by the merge-join (identities on). */
struct left {
	struct side *s;
	struct gline g;             /* g.off: into D.arena */
	long pair;                  /* index of its partner on the other side, -1 */
	int by;                     /* the identity that paired it */
	uint32_t vo[IDENT_N + 1], vl[IDENT_N + 1]; /* values in D.vals (JSON text);
	                               [IDENT_N]: the datacenter of private_ip */
	size_t *notes, nnotes;      /* why an identity did not pair it */
};
#define NOVAL UINT32_MAX

/* An identity value that did not pair: too many candidates, or a strong
 * identity that disagrees. */
struct note {
	enum identity by;
	int conflict;               /* -1: ambiguous; else the identity that disagrees */
	size_t rep;                 /* a softlayer leftover carrying the value */
	size_t *sl, nsl, *so, nso;  /* the candidates */
};

struct leftovers {
	struct left *v;
	size_t n, alloc;
};

static struct {
	const char *compare[KIND_N][MAX_COMPARE];
	int ncompare[KIND_N];
	enum identity ident[KIND_N][CANON_MAX_IDENTITIES];
	int nident[KIND_N];
	int identities_on;          /* a list longer than its key */
	unsigned long matched_by[KIND_N][IDENT_N];
	struct buf *stage;          /* identities on: findings go here first */
	FILE *tmp;                  /* the staged findings of the merge-join */
	char tmpdir[4096];
	struct buf arena, vals;     /* the leftovers' lines and identity values */
	struct leftovers left[2];   /* softlayer, sos */
	struct note *notes;
	size_t nnotes, anotes;
	double grace;
	int64_t now;
	size_t max_group;
	unsigned long count[FT_N];
	unsigned long matched[KIND_N];
} D;

static void out(const void *p, size_t n)
{
	if (D.stage) {
		if (buf_add(D.stage, p, n) < 0)
			sosr_die(SOSR_EXIT_DATA, "the findings of one key exceed %u bytes; check the input",
				 GROUP_MAX_BYTES * 2);
		return;
	}
	out_write(stdout, p, n, "standard output");
}

static void outs(const char *s)
{
	out(s, strlen(s));
}

static struct buf scratch = BUF_INIT(DIFF_MAX_LINE);

static void out_jstr(const char *s, size_t n)
{
	buf_reset(&scratch);
	if (jsonw_str(&scratch, s, n) < 0)
		sosr_die(SOSR_EXIT_INTERNAL, "value longer than %u bytes", DIFF_MAX_LINE);
	out(scratch.data, scratch.len);
}

static const char *gdata(const struct side *s, const struct gline *l)
{
	(void)s;
	return l->p;
}

static void frame_or_die(struct side *s, const char *line, size_t len, unsigned long lineno,
			 struct canon_frame *f)
{
	const char *why;
	if (canon_frame(line, len, f, &why) < 0)
		sosr_die(SOSR_EXIT_DATA, "%s:%lu: %s; check that the input is sosr-normalize output",
			 s->r.name, lineno, why);
	if (f->source_len != strlen(s->label) || memcmp(f->source, s->label, f->source_len) != 0)
		sosr_die(SOSR_EXIT_DATA, "%s:%lu: a record of source '%.*s' in the %s input; "
			 "check the order of the operands (SOFTLAYER first, then SOS)",
			 s->r.name, lineno, (int)(f->source_len > 40 ? 40 : f->source_len), f->source,
			 s->label);
}

static int key_cmp(const struct canon_frame *a, const struct canon_frame *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);
	if (c)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

/* Read the next line into the held slot.  0 at end of stream. */
static int read_held(struct side *s)
{
	char *line;
	size_t len;
	int r = ndjson_next(&s->r, &line, &len);
	if (r < 0)
		ndjson_die(&s->r);
	if (r == 0) {
		s->eof = 1;
		s->has_held = 0;
		return 0;
	}
	buf_reset(&s->hbuf);
	if (buf_add(&s->hbuf, line, len) < 0)
		sosr_die(SOSR_EXIT_DATA, "%s:%lu: line longer than %u bytes", s->r.name,
			 s->r.lineno, DIFF_MAX_LINE);
	s->held.off = 0;
	s->held.p = s->hbuf.data;
	s->held.len = len;
	s->held.lineno = s->r.lineno;
	frame_or_die(s, s->hbuf.data, len, s->r.lineno, &s->held.f);
	s->count[s->held.f.kind]++;
	s->has_held = 1;
	return 1;
}

static void reframe(struct gline *l, const char *base)
{
	/* the frame's pointers follow the bytes when the buffer moves */
	const char *why;
	l->p = base + l->off;
	canon_frame(l->p, l->len, &l->f, &why);
}

/* Make the next group of S current: the held line and every following line
 * with the same key.  0 when the side is exhausted. */
static int next_group(struct side *s)
{
	s->n = 0;
	if (!s->has_held)
		return 0;
	/* the held line becomes the group's first: swap the buffers */
	struct buf t = s->gbuf;
	s->gbuf = s->hbuf;
	s->hbuf = t;
	s->g[0] = s->held;
	s->n = 1;
	for (;;) {
		if (!read_held(s))
			return 1;
		const struct canon_frame *first = &s->g[0].f;
		int c = key_cmp(&s->held.f, first);
		if (c > 0)
			return 1;
		if (c < 0)
			sosr_die(SOSR_EXIT_DATA, "%s:%lu: input is not sorted by key: '%.*s' comes after '%.*s'; "
				 "check that it is sosr-normalize output",
				 s->r.name, s->held.lineno,
				 (int)(s->held.f.key_len > 200 ? 200 : s->held.f.key_len), s->held.f.key,
				 (int)(first->key_len > 200 ? 200 : first->key_len), first->key);
		if (s->n == D.max_group)
			sosr_die(SOSR_EXIT_DATA, "%s:%lu: more than %zu records with the key '%.*s'; "
				 "check the input, or raise --max-group", s->r.name, s->held.lineno,
				 D.max_group, (int)(first->key_len > 200 ? 200 : first->key_len), first->key);
		if (s->n == s->alloc) {
			s->alloc *= 2;
			s->g = xrealloc(s->g, s->alloc * sizeof *s->g);
		}
		char *old = s->gbuf.data;
		size_t off = s->gbuf.len;
		if (buf_add(&s->gbuf, s->hbuf.data, s->held.len) < 0)
			sosr_die(SOSR_EXIT_DATA, "%s:%lu: the records with the key '%.*s' exceed %u bytes; "
				 "check the input", s->r.name, s->held.lineno,
				 (int)(first->key_len > 200 ? 200 : first->key_len), first->key, GROUP_MAX_BYTES);
		struct gline *l = &s->g[s->n++];
		*l = s->held;
		l->off = off;
		if (s->gbuf.data != old)
			for (size_t i = 0; i < s->n; i++)
				reframe(&s->g[i], s->gbuf.data);
		else
			reframe(l, s->gbuf.data);
	}
}

/* Parse record L of S (validating it as JSON); the caller puts it. */
static struct json_object *parse(struct side *s, const struct gline *l)
{
	struct json_object *o = ndjson_parse(&s->r, gdata(s, l), l->len);
	if (!o)
		sosr_die(s->r.err_code ? s->r.err_code : SOSR_EXIT_DATA, "%s:%lu: %s",
			 s->r.name, l->lineno, s->r.err);
	return o;
}

static void validate(struct side *s, const struct gline *l)
{
	json_object_put(parse(s, l));
}

/* {"type":"T","kind":"K","key":"KEY" */
static void head(enum finding_type t, const struct gline *l, const char *side)
{
	outs("{\"type\":\"");
	outs(finding_type_names[t]);
	if (side) {
		outs("\",\"side\":\"");
		outs(side);
	}
	outs("\",\"kind\":\"");
	outs(kind_names[l->f.kind]);
	outs("\",\"key\":\"");
	out(l->f.key, l->f.key_len);
	outs("\"");
	D.count[t]++;
}

static void member_record(const char *name, const struct side *s, const struct gline *l)
{
	outs(",\"");
	outs(name);
	outs("\":");
	out(gdata(s, l), l->len);
}

static const char *member_str(struct json_object *o, const char *name, size_t *len)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static void unidentified(struct side *s, const struct gline *l)
{
	struct json_object *o = parse(s, l);
	size_t rl = 0;
	const char *reason = member_str(o, "reason", &rl);
	head(FT_UNIDENTIFIED, l, s->label);
	outs(",\"reason\":");
	if (reason)
		out_jstr(reason, rl);
	else
		outs("null");
	member_record("record", s, l);
	outs("}\n");
	json_object_put(o);
}

/* ---- identities: the leftovers and why they did or did not pair ---- */

static struct left *left_at(int side, size_t i)
{
	return &D.left[side].v[i];
}

static int has_val(const struct left *x, enum identity id)
{
	return x->vl[id] != NOVAL;
}

static const char *val(const struct left *x, int slot)
{
	return D.vals.data + x->vo[slot];
}

/* The JSON text of value V (a string member of O, or "id"), into D.vals at
 * slot SLOT of X; absent or not a string: no value. */
static void keep_val(struct left *x, int slot, struct json_object *o, const char *member)
{
	struct json_object *v;
	x->vl[slot] = NOVAL;
	if (!json_object_object_get_ex(o, member, &v) || !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return;
	size_t at = D.vals.len;
	if (at > UINT32_MAX / 2)
		sosr_die(SOSR_EXIT_DATA, "the records left unpaired by their keys hold more than 2 GiB of "
			 "identity values; check the inputs (is one side nearly empty?), or pair by the "
			 "key alone (--no-fallback)");
	if (jsonw_str(&D.vals, json_object_get_string(v), (size_t)json_object_get_string_len(v)) < 0)
		sosr_oom();
	x->vo[slot] = (uint32_t)at;
	x->vl[slot] = (uint32_t)(D.vals.len - at);
}

/* Keep record L of S, unpaired by its key, for the identity passes.  It is
 * parsed here (and so validated) once; its bytes are copied. */
static void keep_left(struct side *s, const struct gline *l)
{
	int side = strcmp(s->label, "sos") == 0;
	struct leftovers *lv = &D.left[side];
	if (lv->n == lv->alloc) {
		lv->alloc = lv->alloc ? lv->alloc * 2 : 256;
		lv->v = xrealloc(lv->v, lv->alloc * sizeof *lv->v);
	}
	struct left *x = &lv->v[lv->n++];
	memset(x, 0, sizeof *x);
	x->s = s;
	x->g = *l;
	x->pair = -1;
	x->by = -1;
	x->g.off = D.arena.len;
	if (buf_add(&D.arena, gdata(s, l), l->len) < 0 || buf_addch(&D.arena, '\0') < 0)
		sosr_oom();
	struct json_object *o = parse(s, l);
	for (int i = 0; i <= IDENT_N; i++)
		x->vl[i] = NOVAL;
	if (l->f.kind == KIND_DEVICE) {
		keep_val(x, IDENT_FQDN, o, "fqdn");
		keep_val(x, IDENT_ID, o, "id");
		keep_val(x, IDENT_PRIVATE_IP, o, "private_ip");
		keep_val(x, IDENT_N, o, "datacenter");
		if (!has_val(x, IDENT_N))
			x->vl[IDENT_PRIVATE_IP] = NOVAL; /* an address is only known within a datacenter */
		keep_val(x, IDENT_SERIAL, o, "serial");
	} else {
		keep_val(x, IDENT_ID, o, "id");
		x->vo[IDENT_ROUTER_NUMBER] = (uint32_t)D.vals.len;
		if (buf_addch(&D.vals, '"') < 0 || buf_add(&D.vals, l->f.key, l->f.key_len) < 0 ||
		    buf_addch(&D.vals, '"') < 0)
			sosr_oom();
		x->vl[IDENT_ROUTER_NUMBER] = (uint32_t)(D.vals.len - x->vo[IDENT_ROUTER_NUMBER]);
	}
	json_object_put(o);
}

static int val_cmp(const struct left *a, const struct left *b, enum identity id)
{
	int slots[2] = { id, id == IDENT_PRIVATE_IP ? IDENT_N : -1 };
	for (int k = 0; k < 2 && slots[k] >= 0; k++) {
		int i = slots[k];
		size_t n = a->vl[i] < b->vl[i] ? a->vl[i] : b->vl[i];
		int c = memcmp(val(a, i), val(b, i), n);
		if (c)
			return c;
		if (a->vl[i] != b->vl[i])
			return a->vl[i] < b->vl[i] ? -1 : 1;
	}
	return 0;
}

static enum identity sort_by;
static const struct leftovers *sort_side;

static int cand_cmp(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = val_cmp(&sort_side->v[a], &sort_side->v[b], sort_by);
	return c ? c : (a > b) - (a < b);
}

/* The unpaired leftovers of SIDE of kind K carrying identity ID, sorted by
 * its value (then by key order). */
static size_t *candidates(int side, enum item_kind k, enum identity id, size_t *n)
{
	const struct leftovers *lv = &D.left[side];
	size_t *c = xmalloc((lv->n + 1) * sizeof *c), m = 0;
	for (size_t i = 0; i < lv->n; i++)
		if (lv->v[i].g.f.kind == k && lv->v[i].pair < 0 && has_val(&lv->v[i], id))
			c[m++] = i;
	sort_by = id;
	sort_side = lv;
	if (m > 1)
		qsort(c, m, sizeof *c, cand_cmp);
	*n = m;
	return c;
}

static void add_note(const size_t *a, size_t na, const size_t *b, size_t nb, enum identity by, int conflict)
{
	if (D.nnotes == D.anotes) {
		D.anotes = D.anotes ? D.anotes * 2 : 64;
		D.notes = xrealloc(D.notes, D.anotes * sizeof *D.notes);
	}
	size_t ni = D.nnotes++;
	struct note *nt = &D.notes[ni];
	nt->by = by;
	nt->conflict = conflict;
	nt->rep = a[0];
	nt->nsl = na;
	nt->nso = nb;
	nt->sl = xmalloc(na * sizeof *nt->sl);
	nt->so = xmalloc(nb * sizeof *nt->so);
	memcpy(nt->sl, a, na * sizeof *a);
	memcpy(nt->so, b, nb * sizeof *b);
	for (int side = 0; side < 2; side++) {
		const size_t *v = side ? b : a;
		size_t n = side ? nb : na;
		for (size_t i = 0; i < n; i++) {
			struct left *x = left_at(side, v[i]);
			x->notes = xrealloc(x->notes, (x->nnotes + 1) * sizeof *x->notes);
			x->notes[x->nnotes++] = ni;
		}
	}
}

/* A strong identity of K's list, other than BY, that both carry and that
 * differs: it vetoes the pair.  -1 when none. */
static int conflict(enum item_kind k, const struct left *a, const struct left *b, enum identity by)
{
	for (int i = 0; i < D.nident[k]; i++) {
		enum identity id = D.ident[k][i];
		if (id != by && canon_identity_strong(id) && has_val(a, id) && has_val(b, id) &&
		    val_cmp(a, b, id) != 0)
			return (int)id;
	}
	return -1;
}

/* Pair the leftovers of kind K by identity ID: one candidate a side pairs,
 * more pair nothing. */
static void identity_pass(enum item_kind k, enum identity id)
{
	size_t na, nb;
	size_t *a = candidates(0, k, id, &na), *b = candidates(1, k, id, &nb);
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		int c = val_cmp(left_at(0, a[i]), left_at(1, b[j]), id);
		size_t i2 = i + 1, j2 = j + 1;
		while (i2 < na && val_cmp(left_at(0, a[i2]), left_at(0, a[i]), id) == 0)
			i2++;
		while (j2 < nb && val_cmp(left_at(1, b[j2]), left_at(1, b[j]), id) == 0)
			j2++;
		if (c < 0) {
			i = i2;
			continue;
		}
		if (c > 0) {
			j = j2;
			continue;
		}
		if (i2 - i == 1 && j2 - j == 1) {
			struct left *x = left_at(0, a[i]), *y = left_at(1, b[j]);
			int veto = conflict(k, x, y, id);
			if (veto < 0) {
				x->pair = (long)b[j];
				y->pair = (long)a[i];
				x->by = y->by = (int)id;
			} else {
				add_note(a + i, 1, b + j, 1, id, veto);
			}
		} else {
			add_note(a + i, i2 - i, b + j, j2 - j, id, -1);
		}
		i = i2;
		j = j2;
	}
	free(a);
	free(b);
}

static void identity_passes(void)
{
	/* the arena is complete: point the leftovers at their bytes */
	for (int side = 0; side < 2; side++)
		for (size_t i = 0; i < D.left[side].n; i++)
			reframe(&D.left[side].v[i].g, D.arena.data);
	for (int k = 0; k < KIND_UNIDENTIFIED; k++)
		for (int i = 1; i < D.nident[k]; i++)
			identity_pass((enum item_kind)k, D.ident[k][i]);
}

/* ,"unpaired":[...]: the identities that could not pair X. */
static void out_notes(const struct left *x)
{
	if (!x->nnotes)
		return;
	outs(",\"unpaired\":[");
	for (size_t n = 0; n < x->nnotes; n++) {
		const struct note *nt = &D.notes[x->notes[n]];
		const struct left *rep = left_at(0, nt->rep);
		outs(n ? ",{\"by\":\"" : "{\"by\":\"");
		outs(identity_names[nt->by]);
		outs("\",\"value\":");
		out(val(rep, nt->by), rep->vl[nt->by]);
		if (nt->by == IDENT_PRIVATE_IP) {
			outs(",\"datacenter\":");
			out(val(rep, IDENT_N), rep->vl[IDENT_N]);
		}
		if (nt->conflict < 0) {
			outs(",\"reason\":\"ambiguous\"");
		} else {
			outs(",\"reason\":\"conflict\",\"conflict\":\"");
			outs(identity_names[nt->conflict]);
			outs("\"");
		}
		char num[80];
		snprintf(num, sizeof num, ",\"count\":{\"softlayer\":%zu,\"sos\":%zu}", nt->nsl, nt->nso);
		outs(num);
		for (int side = 0; side < 2; side++) {
			outs(side ? ",\"sos\":[" : ",\"softlayer\":[");
			size_t cnt = side ? nt->nso : nt->nsl;
			const size_t *v = side ? nt->so : nt->sl;
			for (size_t i = 0; i < cnt && i < MAX_CANDIDATES; i++) {
				const struct left *c = left_at(side, v[i]);
				outs(i ? ",\"" : "\"");
				out(c->g.f.key, c->g.f.key_len);
				outs("\"");
			}
			outs("]");
		}
		outs("}");
	}
	outs("]");
}

/* ---- the findings ---- */

static void only_softlayer(struct side *s, const struct gline *l, const struct left *x)
{
	struct json_object *o = parse(s, l);
	size_t cl;
	const char *created = l->f.kind == KIND_DEVICE ? member_str(o, "created", &cl) : NULL;
	int64_t t;
	if (created && tu_parse_rfc3339(created, cl, &t) == 0 && (double)(D.now - t) < D.grace) {
		int64_t age = D.now - t;
		int64_t hours = age >= 0 ? age / 3600 : -((-age + 3599) / 3600);
		char num[32];
		head(FT_PENDING, l, NULL);
		snprintf(num, sizeof num, ",\"age_hours\":%" PRId64, hours);
		outs(num);
	} else {
		head(FT_MISSING_IN_SOS, l, NULL);
	}
	if (x)
		out_notes(x);
	member_record("softlayer", s, l);
	outs("}\n");
	json_object_put(o);
}

static void only_sos(struct side *s, const struct gline *l, const struct left *x)
{
	struct json_object *o = parse(s, l);
	size_t sl;
	const char *st = member_str(o, "status", &sl);
	if (st && ((sl == 5 && memcmp(st, "build", 5) == 0) || (sl == 9 && memcmp(st, "available", 9) == 0))) {
		head(FT_EXCLUDED, l, NULL);
		outs(",\"status\":");
		out_jstr(st, sl);
	} else {
		head(FT_MISSING_IN_SOFTLAYER, l, NULL);
	}
	if (x)
		out_notes(x);
	member_record("sos", s, l);
	outs("}\n");
	json_object_put(o);
}

static void out_matched_by(enum item_kind k, int by)
{
	outs(",\"matched_by\":\"");
	outs(identity_names[by >= 0 ? by : (int)D.ident[k][0]]);
	outs("\"");
}

/* S's group is a duplicate; O is the other side's group (identities on:
 * every record of both is shown). */
static void duplicate(struct side *s, struct side *o)
{
	for (size_t i = 0; i < s->n; i++)
		validate(s, &s->g[i]);
	char num[64];
	head(FT_DUPLICATE, &s->g[0], s->label);
	if (D.identities_on)
		out_matched_by(s->g[0].f.kind, -1);
	snprintf(num, sizeof num, ",\"count\":%zu,\"other_count\":%zu,\"records\":[", s->n, o->n);
	outs(num);
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			outs(",");
		out(gdata(s, &s->g[i]), s->g[i].len);
	}
	outs("]");
	if (D.identities_on) {
		outs(",\"other_records\":[");
		for (size_t i = 0; i < o->n; i++) {
			validate(o, &o->g[i]);
			if (i)
				outs(",");
			out(gdata(o, &o->g[i]), o->g[i].len);
		}
		outs("]");
	}
	outs("}\n");
}

static int same_value(struct json_object *a, struct json_object *b)
{
	if (!a || !b)
		return a == b;
	if (json_object_get_type(a) != json_object_get_type(b))
		return 0;
	if (json_object_is_type(a, json_type_string))
		return json_object_get_string_len(a) == json_object_get_string_len(b) &&
		       memcmp(json_object_get_string(a), json_object_get_string(b),
			      (size_t)json_object_get_string_len(a)) == 0;
	if (json_object_is_type(a, json_type_int))
		return json_object_get_int64(a) == json_object_get_int64(b);
	return json_object_equal(a, b);
}

static void out_value(struct json_object *v)
{
	if (!v) {
		outs("null");
	} else if (json_object_is_type(v, json_type_string)) {
		out_jstr(json_object_get_string(v), (size_t)json_object_get_string_len(v));
	} else if (json_object_is_type(v, json_type_int)) {
		char num[32];
		snprintf(num, sizeof num, "%" PRId64, json_object_get_int64(v));
		outs(num);
	} else {
		outs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
}

static struct json_object *member(struct json_object *o, const char *name)
{
	struct json_object *v = NULL;
	json_object_object_get_ex(o, name, &v);
	return json_object_is_type(v, json_type_null) ? NULL : v;
}

/* The fields an identity is made of: one, or router and number. */
static int identity_fields(enum identity id, const char **f)
{
	if (id == IDENT_ROUTER_NUMBER) {
		f[0] = "router";
		f[1] = "number";
		return 2;
	}
	f[0] = identity_names[id];
	return 1;
}

/* The fields of the explanation of a pair of kind K, in order: those of
 * its identities, then its compared fields; each once.  Into F (at most
 * MAX); the count.  NIDENT: how many come from the identities. */
static int explained_fields(enum item_kind k, const char **f, int max, int *nident)
{
	int n = 0;
	for (int i = 0; i < D.nident[k]; i++) {
		const char *g[2];
		int m = identity_fields(D.ident[k][i], g);
		for (int j = 0; j < m && n < max; j++)
			f[n++] = g[j];
	}
	*nident = n;
	for (int i = 0; i < D.ncompare[k] && n < max; i++) {
		int seen = 0;
		for (int j = 0; j < n; j++)
			seen |= strcmp(f[j], D.compare[k][i]) == 0;
		if (!seen)
			f[n++] = D.compare[k][i];
	}
	return n;
}

/* One record on each side paired: by their key (BY -1), or by identity BY
 * (a fallback pair, LA's key).  A fallback pair always parses and lists
 * the identity fields both carry that differ, before the compared ones. */
static void pair(struct side *a, const struct gline *la, struct side *b, const struct gline *lb, int by)
{
	enum item_kind k = la->f.kind;
	D.matched[k]++;
	if (D.identities_on)
		D.matched_by[k][by >= 0 ? by : (int)D.ident[k][0]]++;
	if (by < 0 && la->f.span_len == lb->f.span_len && memcmp(la->f.span, lb->f.span, la->f.span_len) == 0)
		return; /* the fast path: no compared field can differ */
	struct json_object *oa = parse(a, la), *ob = parse(b, lb);
	const char *fields[2 * IDENT_N + MAX_COMPARE];
	int nident = 0, nf;
	if (D.identities_on) {
		nf = explained_fields(k, fields, (int)(sizeof fields / sizeof *fields), &nident);
	} else {
		nf = D.ncompare[k];
		memcpy(fields, D.compare[k], (size_t)nf * sizeof *fields);
	}
	int ndiff = 0;
	for (int i = 0; i < nf; i++) {
		struct json_object *va = member(oa, fields[i]), *vb = member(ob, fields[i]);
		int compared = 0;
		for (int j = 0; j < D.ncompare[k]; j++)
			compared |= D.compare[k][j] == fields[i] || strcmp(D.compare[k][j], fields[i]) == 0;
		if (i < nident && !compared) {
			/* an identity field differs only when both carry it, and
			 * only a fallback pair reports it */
			if (by < 0 || !va || !vb || same_value(va, vb))
				continue;
		} else if (!compared || same_value(va, vb)) {
			continue;
		}
		if (ndiff++ == 0) {
			head(FT_MISMATCH, la, NULL);
			if (D.identities_on)
				out_matched_by(k, by);
			outs(",\"fields\":[");
		} else {
			outs(",");
		}
		outs("{\"field\":\"");
		outs(fields[i]);
		outs("\",\"softlayer\":");
		out_value(va);
		outs(",\"sos\":");
		out_value(vb);
		outs("}");
	}
	if (ndiff) {
		outs("]");
		if (D.identities_on) {
			outs(",\"agree\":{");
			for (int i = 0; i < nf; i++) {
				struct json_object *va = member(oa, fields[i]), *vb = member(ob, fields[i]);
				outs(i ? ",\"" : "\"");
				outs(fields[i]);
				outs(!va || !vb ? "\":null" : same_value(va, vb) ? "\":true" : "\":false");
			}
			outs("}");
		}
		member_record("softlayer", a, la);
		member_record("sos", b, lb);
		outs("}\n");
	}
	json_object_put(oa);
	json_object_put(ob);
}

/* All the findings of one key: SL has sl->n records, SOS has so->n.  With
 * identities on, a record alone with its key is kept for the identity
 * passes instead. */
static void key_group(struct side *sl, struct side *so)
{
	const struct gline *first = sl->n ? &sl->g[0] : &so->g[0];
	if (first->f.kind == KIND_UNIDENTIFIED) {
		for (size_t i = 0; i < sl->n; i++)
			unidentified(sl, &sl->g[i]);
		for (size_t i = 0; i < so->n; i++)
			unidentified(so, &so->g[i]);
		return;
	}
	if (sl->n && so->n && sl->g[0].f.kind != so->g[0].f.kind)
		sosr_die(SOSR_EXIT_INTERNAL, "%s:%lu: the key is of kind %s here and %s in %s; "
			 "this is a bug", sl->r.name, sl->g[0].lineno, kind_names[sl->g[0].f.kind],
			 kind_names[so->g[0].f.kind], so->r.name);
	if (sl->n > 1 || so->n > 1) {
		if (sl->n > 1)
			duplicate(sl, so);
		if (so->n > 1)
			duplicate(so, sl);
	} else if (sl->n && so->n) {
		pair(sl, &sl->g[0], so, &so->g[0], -1);
	} else if (D.identities_on) {
		keep_left(sl->n ? sl : so, sl->n ? &sl->g[0] : &so->g[0]);
	} else if (sl->n) {
		only_softlayer(sl, &sl->g[0], NULL);
	} else {
		only_sos(so, &so->g[0], NULL);
	}
}

/* ---- staging: the merge-join's findings wait in a temporary file ---- */

static void tmp_fail(void)
{
	sosr_die(SOSR_EXIT_IO, "cannot write a temporary file in '%s': %s; check the space and "
		 "permissions of TMPDIR", D.tmpdir, strerror(errno));
}

static void tmp_open(void)
{
	const char *dir = getenv("TMPDIR");
	snprintf(D.tmpdir, sizeof D.tmpdir, "%s", dir && *dir ? dir : "/tmp");
	D.tmp = fileio_scratch(D.tmpdir);
	if (!D.tmp)
		tmp_fail();
}

/* The findings staged for the group of KEY: [u32 key_len][u32 len][key][findings]. */
static void stage_flush(const struct canon_frame *f)
{
	if (!D.stage->len)
		return;
	uint32_t h[2] = { (uint32_t)f->key_len, (uint32_t)D.stage->len };
	if (fwrite(h, sizeof h, 1, D.tmp) != 1 || fwrite(f->key, 1, f->key_len, D.tmp) != f->key_len ||
	    fwrite(D.stage->data, 1, D.stage->len, D.tmp) != D.stage->len)
		tmp_fail();
	buf_reset(D.stage);
}

/* The next staged group: 1 with its key and findings in KEY and BODY. */
static int stage_next(struct buf *key, struct buf *body)
{
	uint32_t h[2];
	size_t r = fread(h, sizeof h, 1, D.tmp);
	if (r != 1) {
		if (ferror(D.tmp))
			sosr_die(SOSR_EXIT_IO, "cannot read back the temporary file in '%s'; check TMPDIR",
				 D.tmpdir);
		return 0;
	}
	buf_reset(key);
	buf_reset(body);
	if (buf_reserve(key, h[0]) < 0 || buf_reserve(body, h[1]) < 0)
		sosr_oom();
	if (fread(key->data, 1, h[0], D.tmp) != h[0] || fread(body->data, 1, h[1], D.tmp) != h[1])
		sosr_die(SOSR_EXIT_IO, "cannot read back the temporary file in '%s'; check TMPDIR",
			 D.tmpdir);
	key->len = h[0];
	body->len = h[1];
	return 1;
}

static int bytes_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);
	return c ? c : (na > nb) - (na < nb);
}

/* The end of a run with identities on: pair the leftovers, then write the
 * staged findings and the leftovers' in key order. */
static void finish_identities(void)
{
	identity_passes();
	D.stage = NULL;
	fflush(D.tmp);
	if (ferror(D.tmp))
		tmp_fail();
	rewind(D.tmp);
	struct buf key = BUF_INIT(0), body = BUF_INIT(0);
	int have = stage_next(&key, &body);
	size_t i = 0, j = 0;
	struct leftovers *L = &D.left[0], *S = &D.left[1];
	for (;;) {
		while (j < S->n && S->v[j].pair >= 0)
			j++;
		const struct canon_frame *fl = i < L->n ? &L->v[i].g.f : NULL;
		const struct canon_frame *fs = j < S->n ? &S->v[j].g.f : NULL;
		/* the smallest key of the three; keys never repeat across them */
		int pick = -1;
		const char *k = NULL;
		size_t kl = 0;
		if (have) {
			pick = 0;
			k = key.data;
			kl = key.len;
		}
		if (fl && (pick < 0 || bytes_cmp(fl->key, fl->key_len, k, kl) < 0)) {
			pick = 1;
			k = fl->key;
			kl = fl->key_len;
		}
		if (fs && (pick < 0 || bytes_cmp(fs->key, fs->key_len, k, kl) < 0))
			pick = 2;
		if (pick < 0)
			break;
		if (pick == 0) {
			out(body.data, body.len);
			have = stage_next(&key, &body);
		} else if (pick == 1) {
			struct left *x = &L->v[i++];
			if (x->pair >= 0) {
				struct left *y = &S->v[x->pair];
				pair(x->s, &x->g, y->s, &y->g, x->by);
			} else {
				only_softlayer(x->s, &x->g, x);
			}
		} else {
			struct left *y = &S->v[j++];
			only_sos(y->s, &y->g, y);
		}
	}
	buf_free(&key);
	buf_free(&body);
	fclose(D.tmp);
	D.tmp = NULL;
	for (int side = 0; side < 2; side++) {
		for (size_t x = 0; x < D.left[side].n; x++)
			free(D.left[side].v[x].notes);
		free(D.left[side].v);
	}
	for (size_t n = 0; n < D.nnotes; n++) {
		free(D.notes[n].sl);
		free(D.notes[n].so);
	}
	free(D.notes);
	buf_free(&D.arena);
	buf_free(&D.vals);
}

/* --identities KIND:I1,I2 (or the config's list for KIND). */
static void set_identities_list(int k, const char *list, const char *what)
{
	char why[200];
	int n = canon_identities_parse((enum item_kind)k, list, D.ident[k], CANON_MAX_IDENTITIES, why, sizeof why);
	if (n < 0)
		sosr_usage_error("%s: %s", what, why);
	D.nident[k] = n;
}

static void set_identities(const char *spec)
{
	const char *colon = strchr(spec, ':');
	int k = colon ? kind_from_name(spec, (size_t)(colon - spec)) : -1;
	if (k < 0 || k == KIND_UNIDENTIFIED)
		sosr_usage_error("--identities: '%s' is not KIND:IDENTITY,... with KIND device or vlan", spec);
	set_identities_list(k, colon + 1, "--identities");
}

/* --compare KIND:F1,F2 (or the config's list for KIND). */
static void set_compare_list(int k, const char *list, const char *what)
{
	char why[200];
	int n = canon_compare_parse((enum item_kind)k, list, D.compare[k], MAX_COMPARE, why, sizeof why);
	if (n < 0)
		sosr_usage_error("%s: %s", what, why);
	D.ncompare[k] = n;
}

static void set_compare(const char *spec)
{
	const char *colon = strchr(spec, ':');
	int k = colon ? kind_from_name(spec, (size_t)(colon - spec)) : -1;
	if (k < 0 || k == KIND_UNIDENTIFIED)
		sosr_usage_error("--compare: '%s' is not KIND:FIELD,... with KIND device or vlan", spec);
	set_compare_list(k, colon + 1, "--compare");
}

static void summary(const struct side *sl, const struct side *so)
{
	char t[TU_UTC_LEN + 1], num[64];
	tu_format_utc(D.now, t);
	outs(D.identities_on ? "{\"type\":\"summary\",\"format\":2,\"now\":\""
			     : "{\"type\":\"summary\",\"format\":1,\"now\":\"");
	outs(t);
	snprintf(num, sizeof num, "\",\"grace_hours\":%.10g", D.grace / 3600);
	outs(num);
	outs(",\"compare\":{");
	for (int k = 0; k < KIND_UNIDENTIFIED; k++) {
		outs(k ? ",\"" : "\"");
		outs(kind_names[k]);
		outs("\":[");
		for (int i = 0; i < D.ncompare[k]; i++) {
			outs(i ? ",\"" : "\"");
			outs(D.compare[k][i]);
			outs("\"");
		}
		outs("]");
	}
	if (D.identities_on) {
		outs("},\"identities\":{");
		for (int k = 0; k < KIND_UNIDENTIFIED; k++) {
			outs(k ? ",\"" : "\"");
			outs(kind_names[k]);
			outs("\":[");
			for (int i = 0; i < D.nident[k]; i++) {
				outs(i ? ",\"" : "\"");
				outs(identity_names[D.ident[k][i]]);
				outs("\"");
			}
			outs("]");
		}
	}
	outs("},\"records\":{");
	const struct side *sides[2] = { sl, so };
	for (int s = 0; s < 2; s++) {
		outs(s ? ",\"" : "\"");
		outs(sides[s]->label);
		outs("\":{");
		for (int k = 0; k < KIND_N; k++) {
			snprintf(num, sizeof num, "%s\"%s\":%lu", k ? "," : "", kind_names[k],
				 sides[s]->count[k]);
			outs(num);
		}
		outs("}");
	}
	snprintf(num, sizeof num, "},\"matched\":{\"device\":%lu,\"vlan\":%lu}",
		 D.matched[KIND_DEVICE], D.matched[KIND_VLAN]);
	outs(num);
	if (D.identities_on) {
		outs(",\"matched_by\":{");
		for (int k = 0; k < KIND_UNIDENTIFIED; k++) {
			outs(k ? ",\"" : "\"");
			outs(kind_names[k]);
			outs("\":{");
			for (int i = 0; i < D.nident[k]; i++) {
				snprintf(num, sizeof num, "%s\"%s\":%lu", i ? "," : "",
					 identity_names[D.ident[k][i]], D.matched_by[k][D.ident[k][i]]);
				outs(num);
			}
			outs("}");
		}
		outs("}");
	}
	outs(",\"findings\":{");
	for (int f = 0; f < FT_NFINDINGS; f++) {
		snprintf(num, sizeof num, "%s\"%s\":%lu", f ? "," : "", finding_type_names[f], D.count[f]);
		outs(num);
	}
	snprintf(num, sizeof num, "},\"excluded\":%lu,\"pending\":%lu}\n", D.count[FT_EXCLUDED],
		 D.count[FT_PENDING]);
	outs(num);
}

static void side_open(struct side *s, const char *label, const char *path)
{
	memset(s, 0, sizeof *s);
	s->label = label;
	buf_init(&s->gbuf, GROUP_MAX_BYTES);
	buf_init(&s->hbuf, DIFF_MAX_LINE);
	s->alloc = 16;
	s->g = xmalloc(s->alloc * sizeof *s->g);
	if (ndjson_open(&s->r, path, DIFF_MAX_LINE) < 0)
		sosr_die(s->r.err_code, "cannot read the %s input '%s': %s; check the path",
			 label, path, s->r.err);
	read_held(s);
}

static void side_close(struct side *s)
{
	ndjson_close(&s->r);
	buf_free(&s->gbuf);
	buf_free(&s->hbuf);
	free(s->g);
}

int main(int argc, char **argv)
{
	enum { O_COMPARE = 256, O_GRACE, O_NOW, O_MAX_GROUP, O_CONFIG, O_IDENTITIES, O_FALLBACK,
	       O_NO_FALLBACK };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "compare", required_argument, NULL, O_COMPARE },
		{ "grace", required_argument, NULL, O_GRACE },
		{ "now", required_argument, NULL, O_NOW },
		{ "max-group", required_argument, NULL, O_MAX_GROUP },
		{ "identities", required_argument, NULL, O_IDENTITIES },
		{ "fallback", no_argument, NULL, O_FALLBACK },
		{ "no-fallback", no_argument, NULL, O_NO_FALLBACK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, have_now = 0, have_grace = 0;
	int have_compare[KIND_N] = { 0 }, have_ident[KIND_N] = { 0 }, fallback_flag = 0;
	const char *config_path = NULL;

	err_init(argv[0]);
	out_init();
	D.grace = 48 * 3600;
	D.max_group = DEFAULT_MAX_GROUP;
	for (int k = 0; k < KIND_UNIDENTIFIED; k++) {
		set_compare_list(k, canon_default_compare((enum item_kind)k), "--compare");
		set_identities_list(k, canon_default_identities((enum item_kind)k), "--identities");
	}
	while ((ch = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (ch) {
		case O_CONFIG:
			config_path = optarg;
			break;
		case O_COMPARE:
			set_compare(optarg);
			have_compare[kind_from_name(optarg, strcspn(optarg, ":"))] = 1;
			break;
		case O_GRACE:
			D.grace = cli_duration(optarg, CONFIG_MAX_GRACE, "--grace");
			have_grace = 1;
			break;
		case O_NOW:
			D.now = (int64_t)cli_time(optarg, "--now");
			have_now = 1;
			break;
		case O_MAX_GROUP:
			D.max_group = (size_t)cli_number(optarg, 1, 1000000, "--max-group");
			break;
		case O_IDENTITIES:
			set_identities(optarg);
			have_ident[kind_from_name(optarg, strcspn(optarg, ":"))] = 1;
			break;
		case O_FALLBACK:
		case O_NO_FALLBACK:
			/* after the loop: --identities wins whatever the order */
			fallback_flag = ch == O_FALLBACK ? 1 : -1;
			break;
		case 'h':
			cli_help(usage_text);
		case 'V':
			cli_version();
		}
	}
	argc -= optind;
	argv += optind;
	for (int k = 0; k < KIND_UNIDENTIFIED && fallback_flag; k++)
		if (!have_ident[k]) {
			set_identities_list(k, fallback_flag > 0 ? canon_default_identities((enum item_kind)k)
								 : canon_key_identity((enum item_kind)k),
					    fallback_flag > 0 ? "--fallback" : "--no-fallback");
			have_ident[k] = 1;
		}
	if (config_path) {
		/* the file fills what the flags left unset */
		struct config cfg;
		config_load(config_path, &cfg);
		if (!have_grace && cfg.diff.grace >= 0)
			D.grace = cfg.diff.grace;
		for (int k = 0; k < KIND_UNIDENTIFIED; k++)
			if (!have_compare[k] && cfg.diff.compare[k])
				set_compare_list(k, cfg.diff.compare[k], "diff.compare");
		for (int k = 0; k < KIND_UNIDENTIFIED; k++)
			if (!have_ident[k] && cfg.diff.identities[k])
				set_identities_list(k, cfg.diff.identities[k], "diff.identities");
		config_free(&cfg);
	}
	if (argc != 2)
		sosr_usage_error("expected two operands, SOFTLAYER and SOS; got %d", argc);
	if (strcmp(argv[0], "-") == 0 && strcmp(argv[1], "-") == 0)
		sosr_usage_error("only one of SOFTLAYER and SOS can be '-' (standard input)");
	if (!have_now)
		D.now = (int64_t)time(NULL);

	for (int k = 0; k < KIND_UNIDENTIFIED; k++)
		if (D.nident[k] > 1)
			D.identities_on = 1;
	static struct buf stage;
	if (D.identities_on) {
		buf_init(&stage, GROUP_MAX_BYTES * 2u);
		buf_init(&D.arena, 0);
		buf_init(&D.vals, 0);
		D.stage = &stage;
		tmp_open();
	}

	static struct side sl, so;
	side_open(&sl, "softlayer", argv[0]);
	side_open(&so, "sos", argv[1]);
	int more_sl = next_group(&sl), more_so = next_group(&so);
	while (more_sl || more_so) {
		int c = !more_sl ? 1 : !more_so ? -1 : key_cmp(&sl.g[0].f, &so.g[0].f);
		size_t nsl = sl.n, nso = so.n;
		if (c > 0)
			sl.n = 0;
		if (c < 0)
			so.n = 0;
		key_group(&sl, &so);
		if (D.stage)
			stage_flush(c <= 0 ? &sl.g[0].f : &so.g[0].f);
		sl.n = nsl;
		so.n = nso;
		if (c <= 0)
			more_sl = next_group(&sl);
		if (c >= 0)
			more_so = next_group(&so);
	}
	if (D.identities_on) {
		finish_identities();
		buf_free(&stage);
	}
	summary(&sl, &so);
	out_close_stdout();
	side_close(&sl);
	side_close(&so);
	buf_free(&scratch);

	unsigned long findings = 0;
	for (int f = 0; f < FT_NFINDINGS; f++)
		findings += D.count[f];
	return findings ? SOSR_EXIT_FINDINGS : SOSR_EXIT_OK;
}
