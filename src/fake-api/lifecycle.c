/*
 * lifecycle.c - the lifecycle truth (--lifecycle-truth FILE): what
 * sosr-track must make of the daily runs of days 0..N, for every finding
 * open on day N and every one resolved that day (docs/FORMATS.md 4).
 *
 * A model of the ledger of docs/FORMATS.md 3b, kept apart from sosr-track
 * on purpose (no code shared, no JSON read): it is fed each day's truth
 * (truth.c, from the estate as days.c left it) and applies the rules as
 * the format states them.  Only a complete run moves the ledger: a day
 * named incomplete (--incomplete-days; a run that failed, or that the drop
 * guard refused and nobody accepted) is skipped, and the next complete
 * run is compared with the one before it.  Retention and the drop guard
 * use the defaults of src/lib/config.h, as a job without those settings.
 */
#include "estate.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "finding.h"
#include "jsonw.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_SECONDS 86400

static const char *const side_names[] = { "", "softlayer", "sos" };

/* One finding identity of the ledger. */
struct lent {
	char *id;               /* key, type and side: the identity, for sorting */
	int type, side;
	const char *kind;
	char *key;
	int open;               /* open at the last complete run; else resolved */
	int64_t first, last, resolved;
	long long runs;
	char *values;           /* an open mismatch's values (truth.h's form) */
};

struct ledger {
	struct lent *v;
	size_t n, cap;
};

/* A population count per source (softlayer, sos) and kind. */
struct pops {
	long long n[2][KIND_N];
};

struct lifecycle {
	struct ledger L;
	int have_run;           /* a complete run was fed */
	int day;                /* the last day fed */
	int64_t run, previous;  /* its time; the complete run before it (-1: none) */
	struct pops pop, prev_pop;
	int *complete;          /* the complete days fed, in order */
	size_t ncomplete, capcomplete;
	char **lines;           /* the last day's lines, unsorted */
	size_t nlines, caplines;
	long long count[STATUS_N], resolved;
};

static char *identity(const char *key, int type, int side)
{
	struct buf b = BUF_INIT(0);
	buf_printf(&b, "%s%c%d%c%d", key, 1, type, 1, side);
	return buf_detach(&b, NULL);
}

/* One finding of today: its identity and its truth. */
struct tent {
	char *id;
	const struct truth_item *it;
};

static int cmp_tent(const void *a, const void *b)
{
	return strcmp(((const struct tent *)a)->id, ((const struct tent *)b)->id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void push(struct ledger *l, const struct lent *e)
{
	if (l->n == l->cap)
		l->v = xrealloc(l->v, (l->cap = l->cap ? l->cap * 2 : 256) * sizeof *l->v);
	l->v[l->n++] = *e;
}

static void add_line(struct lifecycle *lc, struct buf *b)
{
	if (lc->nlines == lc->caplines)
		lc->lines = xrealloc(lc->lines, (lc->caplines = lc->caplines ? lc->caplines * 2 : 256) *
				     sizeof *lc->lines);
	lc->lines[lc->nlines++] = buf_detach(b, NULL);
}

static void time_field(struct buf *b, const char *name, int64_t t)
{
	char s[TU_UTC_LEN + 1];
	tu_format_utc(t, s);
	buf_printf(b, ",\"%s\":\"%s\"", name, s);
}

struct lifecycle *lifecycle_new(void)
{
	struct lifecycle *lc = xcalloc(1, sizeof *lc);
	lc->previous = -1;
	return lc;
}

/* The populations of the diff's summary (its "records"): devices with a
 * hostname, VLANs, and records without an identity, per source. */
static void populations(const struct estate *e, struct pops *p)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < e->nsl; i++)
		if (!e->sl[i].gone)
			p->n[0][e->sl[i].hostname && *e->sl[i].hostname ? KIND_DEVICE : KIND_UNIDENTIFIED]++;
	for (size_t i = 0; i < e->nslv; i++)
		p->n[0][KIND_VLAN] += !e->slv[i].gone;
	for (size_t i = 0; i < e->nsos; i++)
		if (!e->sos[i].gone)
			p->n[1][e->sos[i].hostname && *e->sos[i].hostname ? KIND_DEVICE : KIND_UNIDENTIFIED]++;
	for (size_t i = 0; i < e->nsosv; i++)
		p->n[1][KIND_VLAN] += !e->sosv[i].gone;
}

/* A mismatch's values as "FIELD\tSL\tSOS\n" lines: the line of FIELD in V,
 * or NULL. */
static const char *field_line(const char *v, const char *field, size_t *len)
{
	size_t fl = strlen(field);
	for (const char *p = v; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > fl && memcmp(p, field, fl) == 0 && p[fl] == '\t') {
			*len = n;
			return p;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* "changed" of a recurring mismatch (FORMATS.md 3b): today's differing
 * fields whose values are not the last run's, then the last run's
 * differing fields that agree today; as a list of field names. */
static void changed(struct buf *b, const char *today, const char *last)
{
	int n = 0;
	for (int pass = 0; pass < 2; pass++) {
		const char *v = pass ? last : today, *other = pass ? today : last;
		for (const char *p = v; p && *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			size_t fl = strcspn(p, "\t");
			char field[64];
			snprintf(field, sizeof field, "%.*s", (int)fl, p);
			size_t olen = 0;
			const char *o = field_line(other, field, &olen);
			int differs = pass ? !o : !o || olen != len || memcmp(o, p, len) != 0;
			if (differs)
				buf_printf(b, "%s\"%s\"", n++ ? "," : ",\"changed\":[", field);
			p = nl ? nl + 1 : NULL;
		}
	}
	if (n)
		buf_addch(b, ']');
}

static void open_line(struct lifecycle *lc, const struct truth_item *it, int status, int64_t first,
		      long long runs, const char *last_values)
{
	struct buf b = BUF_INIT(0);
	buf_printf(&b, "{\"type\":\"%s\",\"kind\":\"%s\",\"key\":", finding_type_names[it->type], it->kind);
	jsonw_str(&b, it->key, strlen(it->key));
	if (it->side)
		buf_printf(&b, ",\"side\":\"%s\"", side_names[it->side]);
	buf_printf(&b, ",\"status\":\"%s\"", finding_status_names[status]);
	time_field(&b, "first_seen", first);
	time_field(&b, "last_seen", lc->run);
	buf_printf(&b, ",\"runs\":%lld,\"age_days\":%lld", runs, (long long)((lc->run - first) / DAY_SECONDS));
	if (status == STATUS_RECURRING && it->values && last_values)
		changed(&b, it->values, last_values);
	buf_addch(&b, '}');
	add_line(lc, &b);
	lc->count[status]++;
}

/* sosr-track's resolved record, byte for byte. */
static void resolved_line(struct lifecycle *lc, const struct lent *l)
{
	struct buf b = BUF_INIT(0);
	buf_printf(&b, "{\"type\":\"resolved\",\"finding\":\"%s\"", finding_type_names[l->type]);
	if (l->side)
		buf_printf(&b, ",\"side\":\"%s\"", side_names[l->side]);
	buf_printf(&b, ",\"kind\":\"%s\",\"key\":", l->kind);
	jsonw_str(&b, l->key, strlen(l->key));
	time_field(&b, "first_seen", l->first);
	time_field(&b, "last_seen", l->last);
	buf_printf(&b, ",\"runs\":%lld", l->runs);
	time_field(&b, "resolved", lc->run);
	buf_addch(&b, '}');
	add_line(lc, &b);
	lc->resolved++;
}

static void lent_free(struct lent *l)
{
	free(l->id);
	free(l->key);
	free(l->values);
}

void lifecycle_day(struct lifecycle *lc, const struct estate *e, const struct truth *t, int day, int complete)
{
	lc->day = day;
	if (!complete)
		return;
	for (size_t i = 0; i < lc->nlines; i++)
		free(lc->lines[i]);
	lc->nlines = 0;
	memset(lc->count, 0, sizeof lc->count);
	lc->resolved = 0;
	lc->previous = lc->have_run ? lc->run : -1;
	lc->run = e->now;
	lc->prev_pop = lc->pop;
	populations(e, &lc->pop);
	if (lc->ncomplete == lc->capcomplete)
		lc->complete = xrealloc(lc->complete, (lc->capcomplete = lc->capcomplete ? lc->capcomplete * 2 : 16) *
					sizeof *lc->complete);
	lc->complete[lc->ncomplete++] = day;

	/* today's findings, by identity; the lines of one identity are one
	 * finding */
	struct tent *today = xmalloc((t->n + 1) * sizeof *today);
	size_t ntoday = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].type < FT_NFINDINGS)
			today[ntoday++] = (struct tent){ identity(t->v[i].key, t->v[i].type, t->v[i].side), &t->v[i] };
	qsort(today, ntoday, sizeof *today, cmp_tent);

	/* the merge of the last complete run's ledger with today */
	struct ledger next = { 0 };
	const int64_t keep = (int64_t)HISTORY_DEFAULT_KEEP_DAYS * DAY_SECONDS;
	size_t a = 0, c = 0;
	while (a < lc->L.n || c < ntoday) {
		int cmp = a == lc->L.n ? 1 : c == ntoday ? -1 : strcmp(lc->L.v[a].id, today[c].id);
		if (cmp < 0) {
			/* in the ledger, not today */
			struct lent *l = &lc->L.v[a++];
			if (l->open) {
				resolved_line(lc, l);
				l->open = 0;
				l->resolved = lc->run;
				free(l->values);
				l->values = NULL;
			}
			if (lc->run - l->resolved <= keep)
				push(&next, l);
			else
				lent_free(l);
			continue;
		}
		const struct truth_item *it = today[c].it;
		struct lent *l = cmp == 0 ? &lc->L.v[a++] : NULL;
		if (l && !l->open && lc->run - l->resolved > keep) {
			lent_free(l);   /* resolved before the retention: as if never seen */
			l = NULL;
		}
		int status = !l ? STATUS_NEW : l->open ? STATUS_RECURRING : STATUS_REOPENED;
		int64_t first = l ? l->first : lc->run;
		long long runs = l ? l->runs + 1 : 1;
		open_line(lc, it, status, first, runs, l ? l->values : NULL);
		struct lent n = { today[c].id, it->type, it->side, it->kind, xstrdup(it->key), 1, first,
				  lc->run, 0, runs, it->values ? xstrdup(it->values) : NULL };
		if (l)
			lent_free(l);
		push(&next, &n);
		/* the other lines of this identity, if any */
		for (c++; c < ntoday && strcmp(today[c].id, n.id) == 0; c++)
			free(today[c].id);
	}
	free(today);
	free(lc->L.v);
	lc->L = next;
	lc->have_run = 1;
}

static void pops_json(struct buf *b, const struct pops *p)
{
	static const char *const src[2] = { "softlayer", "sos" };
	buf_addch(b, '{');
	for (int s = 0; s < 2; s++) {
		buf_printf(b, "%s\"%s\":{", s ? "," : "", src[s]);
		for (int k = 0; k < KIND_N; k++)
			buf_printf(b, "%s\"%s\":%lld", k ? "," : "", kind_names[k], p->n[s][k]);
		buf_addch(b, '}');
	}
	buf_addch(b, '}');
}

void lifecycle_write(struct lifecycle *lc, const char *path)
{
	struct buf b = BUF_INIT(0);
	char s[TU_UTC_LEN + 1];
	buf_printf(&b, "{\"format\":1,\"day\":%d", lc->day);
	tu_format_utc(lc->run, s);
	buf_printf(&b, ",\"run\":\"%s\"", s);
	if (lc->previous >= 0)
		time_field(&b, "previous", lc->previous);
	else
		buf_addstr(&b, ",\"previous\":null");
	buf_addstr(&b, ",\"complete_days\":[");
	for (size_t i = 0; i < lc->ncomplete; i++)
		buf_printf(&b, "%s%d", i ? "," : "", lc->complete[i]);
	buf_addstr(&b, "],\"records\":");
	pops_json(&b, &lc->pop);
	/* the drop guard with its defaults, against the previous complete run */
	buf_addstr(&b, ",\"drop\":[");
	int nd = 0;
	static const char *const src[2] = { "softlayer", "sos" };
	for (int so = 0; lc->previous >= 0 && so < 2; so++)
		for (int k = 0; k < KIND_UNIDENTIFIED; k++) {
			long long p = lc->prev_pop.n[so][k], cur = lc->pop.n[so][k], d = p - cur;
			if (d > 0 && d >= HISTORY_DEFAULT_DROP_COUNT &&
			    (double)d * 100.0 >= HISTORY_DEFAULT_DROP_PERCENT * (double)p)
				buf_printf(&b, "%s{\"population\":\"%s.%s\",\"previous\":%lld,\"current\":%lld}",
					   nd++ ? "," : "", src[so], kind_names[k], p, cur);
		}
	buf_printf(&b, "],\"findings\":%lld,\"new\":%lld,\"recurring\":%lld,\"reopened\":%lld,\"resolved\":%lld}\n",
		   lc->count[STATUS_NEW] + lc->count[STATUS_RECURRING] + lc->count[STATUS_REOPENED],
		   lc->count[STATUS_NEW], lc->count[STATUS_RECURRING], lc->count[STATUS_REOPENED], lc->resolved);
	if (lc->nlines > 1) /* lc->lines is NULL when empty: no qsort of NULL */
		qsort(lc->lines, lc->nlines, sizeof *lc->lines, cmp_str);
	for (size_t i = 0; i < lc->nlines; i++) {
		buf_addstr(&b, lc->lines[i]);
		buf_addch(&b, '\n');
	}
	write_file_atomic(path, b.data, b.len, 0666, "lifecycle truth file");
	buf_free(&b);
}

void lifecycle_free(struct lifecycle *lc)
{
	for (size_t i = 0; i < lc->L.n; i++)
		lent_free(&lc->L.v[i]);
	free(lc->L.v);
	for (size_t i = 0; i < lc->nlines; i++)
		free(lc->lines[i]);
	free(lc->lines);
	free(lc->complete);
	free(lc);
}
