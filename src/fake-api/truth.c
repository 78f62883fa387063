/*
 * truth.c - what a correct reconciliation of the estate must report.
 *
 * An independent, deliberately plain reimplementation of the semantics of
 * docs/FORMATS.md sections 2-4 over the estate's structured data (no JSON
 * parsing, no streaming): key every record, group equal keys, classify each
 * group, print the projection of section 4, sorted as `LC_ALL=C sort`
 * sorts.  It runs on generated and loaded estates alike, and on each day
 * days.c plays (skipping the records gone that day), where lifecycle.c
 * takes each finding's identity and a mismatch's values from it.
 *
 * The records' keys are sorted once and kept (struct truth_cache): a day
 * played changes a few thousand records of a million, so the next day's
 * truth merges the new keys into the sorted ones instead of sorting all
 * again; gone records are skipped.  Day 0's truth is the same code with
 * every record new.
 *
 * Assumptions it shares with the pipeline defaults: device key = FQDN,
 * compared fields private_ip, public_ip, datacenter (devices) and
 * datacenter, space (VLANs), grace 48 h against the estate's "now", and a
 * short SOS hostname without a domain gets the estate's first domain
 * ("<c_code>.example.com"; the generator never writes one).
 */
#include "estate.h"
#include "err.h"
#include "exitcodes.h"
#include "finding.h"
#include "jsonw.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRACE_SECONDS (48 * 3600)

struct ent {
	char *key;
	uint32_t idx;
};

/* One item: B's line (taken), and its identity. */
static struct truth_item *add_item(struct truth *t, struct buf *b, int type, int side, const char *kind,
				   const char *key)
{
	if (t->n == t->cap)
		t->v = xrealloc(t->v, (t->cap = t->cap ? t->cap * 2 : 1024) * sizeof *t->v);
	struct truth_item *it = &t->v[t->n++];
	it->line = buf_detach(b, NULL);
	it->type = type;
	it->side = side;
	it->kind = kind;
	it->key = xstrdup(key);
	it->values = NULL;
	return it;
}

/* Keys live in big blocks, freed all at once with the cache: a million
 * small allocations and frees cost more than the rest of the truth. */
struct arena {
	char **blocks;
	size_t nblocks, used, size;
};
#define ARENA_BLOCK (1u << 20)

static char *arena_copy(struct arena *a, const char *s, size_t n)
{
	if (!a->nblocks || a->used + n + 1 > a->size) {
		a->size = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
		a->blocks = xrealloc(a->blocks, (a->nblocks + 1) * sizeof *a->blocks);
		a->blocks[a->nblocks++] = xmalloc(a->size);
		a->used = 0;
	}
	char *d = a->blocks[a->nblocks - 1] + a->used;
	memcpy(d, s, n);
	d[n] = '\0';
	a->used += n + 1;
	return d;
}

static void add_lower(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_addch(b, (char)tolower((unsigned char)s[i]));
}

/* FORMATS.md 2: lowercase, trailing dot removed, a hostname with a dot is
 * already fully qualified.  Into B. */
static void fqdn_key(struct buf *b, const char *host, const char *domain, const char *fallback_domain)
{
	size_t hl = strlen(host);
	while (hl && host[hl - 1] == '.')
		hl--;
	buf_reset(b);
	buf_addstr(b, "device/");
	add_lower(b, host, hl);
	if (!memchr(host, '.', hl)) {
		const char *d = domain && *domain ? domain : fallback_domain;
		size_t dl = strlen(d);
		while (dl && d[dl - 1] == '.')
			dl--;
		buf_addch(b, '.');
		add_lower(b, d, dl);
	}
}

static void vlan_key(struct buf *b, const char *router, unsigned number)
{
	buf_reset(b);
	buf_addstr(b, "vlan/");
	add_lower(b, router, strlen(router));
	buf_printf(b, "/%u", number);
}

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct truth_item *)a)->line, ((const struct truth_item *)b)->line);
}

static void start(struct buf *b, int type, const char *kind, const char *key)
{
	buf_reset(b);
	buf_printf(b, "{\"type\":\"%s\",\"kind\":\"%s\",\"key\":", finding_type_names[type], kind);
	jsonw_str(b, key, strlen(key));
}

/* A compared value as sosr-diff writes it: a JSON string, or null. */
static void value_ip(struct buf *b, uint32_t ip)
{
	char s[16];
	if (!ip) {
		buf_addstr(b, "null");
		return;
	}
	fmt_ip(ip, s);
	buf_printf(b, "\"%s\"", s);
}

static void value_lower(struct buf *b, const char *s)
{
	if (!s) {
		buf_addstr(b, "null");
		return;
	}
	struct buf l = BUF_INIT(0);
	add_lower(&l, s, strlen(s));
	jsonw_str(b, l.data, l.len);
	buf_free(&l);
}

static int ci_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcasecmp(a, b) == 0;
}

/* One kind (device or vlan): merge the two sides, sorted by key. */
static void merge(const struct estate *e, int vlan, struct ent *sl, size_t nsl, struct ent *so, size_t nso,
		  struct truth *out)
{
	struct buf b = BUF_INIT(0);
	const char *kind = vlan ? "vlan" : "device";
	size_t i = 0, j = 0;
	while (i < nsl || j < nso) {
		/* the group of the smallest key: A records of SoftLayer, C of SOS
		 * (keys are long and share prefixes: compare each pair once) */
		const char *key;
		size_t a = 0, c = 0;
		int cmp = j >= nso ? -1 : i >= nsl ? 1 : strcmp(sl[i].key, so[j].key);
		if (cmp <= 0) {
			key = sl[i].key;
			a = 1;
			if (cmp == 0)
				c = 1;
		} else {
			key = so[j].key;
			c = 1;
		}
		while (a && i + a < nsl && strcmp(sl[i + a].key, key) == 0)
			a++;
		while (c && j + c < nso && strcmp(so[j + c].key, key) == 0)
			c++;
		if (a > 1 || c > 1) {
			/* A duplicated key is itself the finding; it is not matched. */
			if (a > 1) {
				start(&b, FT_DUPLICATE, kind, key);
				buf_addstr(&b, ",\"side\":\"softlayer\"}");
				add_item(out, &b, FT_DUPLICATE, TS_SOFTLAYER, kind, key);
			}
			if (c > 1) {
				start(&b, FT_DUPLICATE, kind, key);
				buf_addstr(&b, ",\"side\":\"sos\"}");
				add_item(out, &b, FT_DUPLICATE, TS_SOS, kind, key);
			}
		} else if (a == 1 && c == 0) {
			int young = !vlan && e->now - e->sl[sl[i].idx].created < GRACE_SECONDS;
			int type = young ? FT_PENDING : FT_MISSING_IN_SOS;
			start(&b, type, kind, key);
			buf_addch(&b, '}');
			add_item(out, &b, type, TS_NONE, kind, key);
		} else if (a == 0 && c == 1) {
			int excl = !vlan && e->sos[so[j].idx].status != SOS_LIVE;
			int type = excl ? FT_EXCLUDED : FT_MISSING_IN_SOFTLAYER;
			start(&b, type, kind, key);
			buf_addch(&b, '}');
			add_item(out, &b, type, TS_NONE, kind, key);
		} else {
			const char *fields[3];
			int nf = 0;
			struct buf vals = BUF_INIT(0);
			if (!vlan) {
				const struct sl_dev *d = &e->sl[sl[i].idx];
				const struct sos_dev *s = &e->sos[so[j].idx];
				if (d->private_ip != s->ip_address) {
					fields[nf++] = "private_ip";
					buf_addstr(&vals, "private_ip\t");
					value_ip(&vals, d->private_ip);
					buf_addch(&vals, '\t');
					value_ip(&vals, s->ip_address);
					buf_addch(&vals, '\n');
				}
				if (d->public_ip != s->public_ip) {
					fields[nf++] = "public_ip";
					buf_addstr(&vals, "public_ip\t");
					value_ip(&vals, d->public_ip);
					buf_addch(&vals, '\t');
					value_ip(&vals, s->public_ip);
					buf_addch(&vals, '\n');
				}
				if (!ci_equal(d->datacenter, s->datacenter)) {
					fields[nf++] = "datacenter";
					buf_addstr(&vals, "datacenter\t");
					value_lower(&vals, d->datacenter);
					buf_addch(&vals, '\t');
					value_lower(&vals, s->datacenter);
					buf_addch(&vals, '\n');
				}
			} else {
				const struct sl_vlan *v = &e->slv[sl[i].idx];
				const struct sos_vlan *s = &e->sosv[so[j].idx];
				if (!ci_equal(v->datacenter, s->datacenter)) {
					fields[nf++] = "datacenter";
					buf_addstr(&vals, "datacenter\t");
					value_lower(&vals, v->datacenter);
					buf_addch(&vals, '\t');
					value_lower(&vals, s->datacenter);
					buf_addch(&vals, '\n');
				}
				if (v->space != s->space) {
					fields[nf++] = "space";
					buf_printf(&vals, "space\t\"%s\"\t\"%s\"\n",
						   v->space == SPACE_PUBLIC ? "public" : "private",
						   s->space == SPACE_PUBLIC ? "public" : "private");
				}
			}
			if (nf) {
				start(&b, FT_MISMATCH, kind, key);
				buf_addstr(&b, ",\"fields\":[");
				for (int f = 0; f < nf; f++)
					buf_printf(&b, "%s\"%s\"", f ? "," : "", fields[f]);
				buf_addstr(&b, "]}");
				add_item(out, &b, FT_MISMATCH, TS_NONE, kind, key)->values = buf_detach(&vals, NULL);
			}
			buf_free(&vals);
		}
		i += a;
		j += c;
	}
	buf_free(&b);
}

/* The records of one side and kind, sorted by key (then index), gone
 * ones included (a record may come back); SEEN: the records keyed. */
struct klist {
	struct ent *v;
	size_t n, seen;
};

struct truth_cache {
	struct klist dev[2], vlan[2];      /* softlayer, sos */
	struct arena keys;
	struct buf scratch;
};

struct truth_cache *truth_cache_new(void)
{
	struct truth_cache *c = xcalloc(1, sizeof *c);
	buf_init(&c->scratch, 0);
	return c;
}

void truth_cache_free(struct truth_cache *c)
{
	if (!c)
		return;
	for (int s = 0; s < 2; s++) {
		free(c->dev[s].v);
		free(c->vlan[s].v);
	}
	for (size_t i = 0; i < c->keys.nblocks; i++)
		free(c->keys.blocks[i]);
	free(c->keys.blocks);
	buf_free(&c->scratch);
	free(c);
}

static void add_ent(struct truth_cache *c, struct ent **v, size_t *n, size_t *cap, uint32_t idx)
{
	if (*n == *cap)
		*v = xrealloc(*v, (*cap = *cap ? *cap * 2 : 256) * sizeof **v);
	(*v)[*n].key = arena_copy(&c->keys, c->scratch.data, c->scratch.len);
	(*v)[(*n)++].idx = idx;
}

/* The first entry of V[LO..N) not before X. */
static size_t lower_bound(const struct ent *v, size_t lo, size_t n, const struct ent *x)
{
	size_t hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_ent(&v[mid], x) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Merge ADD (N of them, sorted here) into L, leaving out L's entries whose
 * index DROP marks.  A day adds a few thousand to a million: each finds its
 * place by a binary search, and the runs between are copied whole. */
static void klist_merge(struct klist *l, struct ent *add, size_t n, const uint8_t *drop)
{
	if (!n && !drop)
		return;
	if (n > 1) /* add is NULL when empty: no qsort of NULL */
		qsort(add, n, sizeof *add, cmp_ent);
	struct ent *v = xmalloc((l->n + n + 1) * sizeof *v);
	size_t a = 0, k = 0;
	for (size_t b = 0; b <= n; b++) {
		size_t to = b < n ? lower_bound(l->v, a, l->n, &add[b]) : l->n;
		if (drop) {
			for (; a < to; a++)
				if (!drop[l->v[a].idx])
					v[k++] = l->v[a];
		} else {
			if (to > a) /* l->v is NULL before the first keys */
				memcpy(v + k, l->v + a, (to - a) * sizeof *v);
			k += to - a;
			a = to;
		}
		if (b < n)
			v[k++] = add[b];
	}
	free(l->v);
	l->v = v;
	l->n = k;
}

/* The keys of SoftLayer devices from index FROM on, and of those REKEYED
 * (their hostname changed since they were keyed). */
static void key_sl_devices(const struct estate *e, struct truth_cache *c, const char *fallback,
			   const uint32_t *rekeyed, size_t nrekeyed)
{
	struct klist *l = &c->dev[0];
	struct ent *add = NULL;
	size_t n = 0, cap = 0;
	uint8_t *drop = NULL;
	if (nrekeyed) {
		drop = xcalloc(l->seen + 1, 1);
		for (size_t r = 0; r < nrekeyed; r++)
			if (rekeyed[r] < l->seen && !drop[rekeyed[r]]) {
				const struct sl_dev *d = &e->sl[rekeyed[r]];
				drop[rekeyed[r]] = 1;
				if (d->hostname && *d->hostname) {
					fqdn_key(&c->scratch, d->hostname, d->domain, fallback);
					add_ent(c, &add, &n, &cap, rekeyed[r]);
				}
			}
	}
	for (size_t i = l->seen; i < e->nsl; i++) {
		const struct sl_dev *d = &e->sl[i];
		if (d->hostname && *d->hostname) {
			fqdn_key(&c->scratch, d->hostname, d->domain, fallback);
			add_ent(c, &add, &n, &cap, (uint32_t)i);
		}
	}
	l->seen = e->nsl;
	klist_merge(l, add, n, drop);
	free(add);
	free(drop);
}

static void key_sos_devices(const struct estate *e, struct truth_cache *c, const char *fallback)
{
	struct klist *l = &c->dev[1];
	struct ent *add = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = l->seen; i < e->nsos; i++) {
		const struct sos_dev *d = &e->sos[i];
		if (d->hostname && *d->hostname) {
			fqdn_key(&c->scratch, d->hostname, d->domain, fallback);
			add_ent(c, &add, &n, &cap, (uint32_t)i);
		}
	}
	l->seen = e->nsos;
	klist_merge(l, add, n, NULL);
	free(add);
}

static void key_vlans(const struct estate *e, struct truth_cache *c)
{
	for (int side = 0; side < 2; side++) {
		struct klist *l = &c->vlan[side];
		size_t total = side ? e->nsosv : e->nslv;
		struct ent *add = NULL;
		size_t n = 0, cap = 0;
		for (size_t i = l->seen; i < total; i++) {
			if (side)
				vlan_key(&c->scratch, e->sosv[i].router, e->sosv[i].vlan_number);
			else
				vlan_key(&c->scratch, e->slv[i].router, e->slv[i].number);
			add_ent(c, &add, &n, &cap, (uint32_t)i);
		}
		l->seen = total;
		klist_merge(l, add, n, NULL);
		free(add);
	}
}

/* The entries of L whose records are here today. */
static struct ent *alive(const struct klist *l, const struct estate *e, int vlan, int side, size_t *n)
{
	struct ent *v = xmalloc((l->n + 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		uint32_t x = l->v[i].idx;
		int gone = vlan ? (side ? e->sosv[x].gone : e->slv[x].gone) : (side ? e->sos[x].gone : e->sl[x].gone);
		if (!gone)
			v[k++] = l->v[i];
	}
	*n = k;
	return v;
}

void truth_compute_cached(const struct estate *e, struct truth_cache *cache, const uint32_t *rekeyed,
			  size_t nrekeyed, struct truth *t)
{
	struct truth *out = t;
	struct buf b = BUF_INIT(0);
	char fallback[256];
	memset(t, 0, sizeof *t);
	snprintf(fallback, sizeof fallback, "%s.example.com", e->c_code);
	c_code_dns(fallback);

	for (size_t i = 0; i < e->nsl; i++) {
		const struct sl_dev *d = &e->sl[i];
		if (d->gone || (d->hostname && *d->hostname))
			continue;
		char key[96];
		snprintf(key, sizeof key, "unidentified/softlayer/%s/%u",
			 d->type == SL_HARDWARE ? "hardware" : "virtual_guest", d->id);
		start(&b, FT_UNIDENTIFIED, "unidentified", key);
		buf_addstr(&b, ",\"side\":\"softlayer\"}");
		add_item(out, &b, FT_UNIDENTIFIED, TS_SOFTLAYER, "unidentified", key);
	}
	size_t line = 0;
	for (size_t i = 0; i < e->nsos; i++) {
		const struct sos_dev *d = &e->sos[i];
		if (d->gone)
			continue;
		line++;
		if (d->hostname && *d->hostname)
			continue;
		/* SOS devices come first in raw/sos.ndjson: this line. */
		char key[96];
		if (d->softlayer_id)
			snprintf(key, sizeof key, "unidentified/sos/device/%u", d->softlayer_id);
		else
			snprintf(key, sizeof key, "unidentified/sos/device/line/%zu", line);
		start(&b, FT_UNIDENTIFIED, "unidentified", key);
		buf_addstr(&b, ",\"side\":\"sos\"}");
		add_item(out, &b, FT_UNIDENTIFIED, TS_SOS, "unidentified", key);
	}
	buf_free(&b);

	key_sl_devices(e, cache, fallback, rekeyed, nrekeyed);
	key_sos_devices(e, cache, fallback);
	key_vlans(e, cache);
	for (int vlan = 0; vlan < 2; vlan++) {
		size_t nsl, nso;
		struct klist *l = vlan ? cache->vlan : cache->dev;
		struct ent *sl = alive(&l[0], e, vlan, 0, &nsl), *so = alive(&l[1], e, vlan, 1, &nso);
		merge(e, vlan, sl, nsl, so, nso, out);
		free(sl);
		free(so);
	}
	if (t->n > 1) /* t->v is NULL when empty: no qsort of NULL */
		qsort(t->v, t->n, sizeof *t->v, cmp_item);
}

void truth_compute(const struct estate *e, struct truth *t)
{
	struct truth_cache *c = truth_cache_new();
	truth_compute_cached(e, c, NULL, 0, t);
	truth_cache_free(c);
}

void truth_free(struct truth *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].line);
		free(t->v[i].key);
		free(t->v[i].values);
	}
	free(t->v);
	memset(t, 0, sizeof *t);
}

void estate_write_truth(const struct estate *e, const char *path)
{
	struct truth t;
	struct buf b = BUF_INIT(0);
	truth_compute(e, &t);
	for (size_t i = 0; i < t.n; i++) {
		buf_addstr(&b, t.v[i].line);
		buf_addch(&b, '\n');
	}
	truth_free(&t);
	write_file_atomic(path, b.data ? b.data : "", b.len, 0666, "truth file");
	buf_free(&b);
}
