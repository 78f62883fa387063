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
#include <strings.h>

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

/* ---- the fallback identities (sosr-diff --fallback) ----
 *
 * The records the key left alone on their side are paired, in the order
 * of the default identities (device: id, private_ip within a datacenter,
 * serial; VLAN: id), when exactly one such record on each side carries a
 * value and no strong identity (id, serial) both carry disagrees.  The
 * pair is one mismatch under the SoftLayer record's key, whose fields are
 * the key's (fqdn; router, number) when they differ, then the compared
 * ones. */

int truth_fallback = 1;

struct leftrec {
	uint32_t idx;
	const char *key;
	long pair;
};

struct leftset {
	struct leftrec *v;
	size_t n, cap;
};

static void left_add(struct leftset *l, uint32_t idx, const char *key)
{
	if (l->n == l->cap)
		l->v = xrealloc(l->v, (l->cap = l->cap ? l->cap * 2 : 64) * sizeof *l->v);
	l->v[l->n++] = (struct leftrec){ idx, key, -1 };
}

enum { FB_ID, FB_IP, FB_SERIAL };

/* Identity ID of a record: 0 when it has none; its value in *N and *S. */
static int fb_value(const struct estate *e, int vlan, int side, uint32_t idx, int id, uint64_t *n,
		    const char **s)
{
	*s = NULL;
	*n = 0;
	if (vlan) {
		*n = side ? e->sosv[idx].vlan_id : e->slv[idx].id;
		return id == FB_ID && *n;
	}
	const struct sl_dev *d = side ? NULL : &e->sl[idx];
	const struct sos_dev *o = side ? &e->sos[idx] : NULL;
	switch (id) {
	case FB_ID:
		*n = d ? d->id : o->softlayer_id;
		return *n != 0;
	case FB_IP:
		*n = d ? d->private_ip : o->ip_address;
		*s = d ? d->datacenter : o->datacenter;
		return *n && *s && **s;
	default:
		*s = d ? d->serial : o->serial;
		return *s && **s;
	}
}

static int fb_equal(uint64_t n1, const char *s1, uint64_t n2, const char *s2)
{
	return n1 == n2 && ((!s1 && !s2) || (s1 && s2 && strcasecmp(s1, s2) == 0));
}

static const struct estate *fb_e;
static const struct leftset *fb_l;
static int fb_vlan, fb_side, fb_id;

/* Positions in fb_l, by the value of identity fb_id, then position. */
static int fb_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	uint64_t n1, n2;
	const char *s1, *s2;
	fb_value(fb_e, fb_vlan, fb_side, fb_l->v[a].idx, fb_id, &n1, &s1);
	fb_value(fb_e, fb_vlan, fb_side, fb_l->v[b].idx, fb_id, &n2, &s2);
	if (n1 != n2)
		return n1 < n2 ? -1 : 1;
	int c = strcasecmp(s1 ? s1 : "", s2 ? s2 : "");
	return c ? c : (a > b) - (a < b);
}

/* The positions in L of the unpaired records of SIDE that carry ID, sorted
 * by its value; their estate indexes in the returned array. */
static uint32_t *fb_candidates(const struct estate *e, int vlan, int side, const struct leftset *l, int id,
			       size_t *n, uint32_t **pos)
{
	uint32_t *v = xmalloc((l->n + 1) * sizeof *v), *p = xmalloc((l->n + 1) * sizeof *p);
	size_t k = 0;
	uint64_t x;
	const char *s;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].pair < 0 && fb_value(e, vlan, side, l->v[i].idx, id, &x, &s))
			p[k++] = (uint32_t)i;
	fb_e = e;
	fb_l = l;
	fb_vlan = vlan;
	fb_side = side;
	fb_id = id;
	if (k > 1)
		qsort(p, k, sizeof *p, fb_cmp);
	for (size_t i = 0; i < k; i++)
		v[i] = l->v[p[i]].idx;
	*n = k;
	*pos = p;
	return v;
}

static void fb_pass(const struct estate *e, int vlan, struct leftset *L, int id)
{
	size_t na, nb;
	uint32_t *pa, *pb;
	uint32_t *a = fb_candidates(e, vlan, 0, &L[0], id, &na, &pa);
	uint32_t *b = fb_candidates(e, vlan, 1, &L[1], id, &nb, &pb);
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		uint64_t n1, n2;
		const char *s1, *s2;
		fb_value(e, vlan, 0, a[i], id, &n1, &s1);
		fb_value(e, vlan, 1, b[j], id, &n2, &s2);
		size_t i2 = i + 1, j2 = j + 1;
		for (;; i2++) {
			uint64_t m;
			const char *t;
			if (i2 >= na || (fb_value(e, vlan, 0, a[i2], id, &m, &t), !fb_equal(m, t, n1, s1)))
				break;
		}
		for (;; j2++) {
			uint64_t m;
			const char *t;
			if (j2 >= nb || (fb_value(e, vlan, 1, b[j2], id, &m, &t), !fb_equal(m, t, n2, s2)))
				break;
		}
		int c = n1 != n2 ? (n1 < n2 ? -1 : 1) : strcasecmp(s1 ? s1 : "", s2 ? s2 : "");
		if (c < 0) {
			i = i2;
			continue;
		}
		if (c > 0) {
			j = j2;
			continue;
		}
		if (i2 - i == 1 && j2 - j == 1) {
			/* a strong identity both carry that differs refuses it */
			int veto = 0;
			for (int k = FB_ID; k <= (vlan ? FB_ID : FB_SERIAL); k++) {
				uint64_t m1, m2;
				const char *t1, *t2;
				if (k == FB_IP || k == id)
					continue;
				if (fb_value(e, vlan, 0, a[i], k, &m1, &t1) && fb_value(e, vlan, 1, b[j], k, &m2, &t2) &&
				    !fb_equal(m1, t1, m2, t2))
					veto = 1;
			}
			if (!veto) {
				L[0].v[pa[i]].pair = (long)pb[j];
				L[1].v[pb[j]].pair = (long)pa[i];
			}
		}
		i = i2;
		j = j2;
	}
	free(a);
	free(b);
	free(pa);
	free(pb);
}

static void field_value(struct buf *names, struct buf *vals, int *nf, const char *name, const char *sl,
			const char *so)
{
	buf_printf(names, "%s\"%s\"", (*nf)++ ? "," : "", name);
	buf_printf(vals, "%s\t%s\t%s\n", name, sl, so);
}

static void str_json(struct buf *b, const char *s)
{
	buf_reset(b);
	if (s)
		jsonw_str(b, s, strlen(s));
	else
		buf_addstr(b, "null");
}

static void fallback(const struct estate *e, int vlan, struct leftset *L, struct truth *out)
{
	const char *kind = vlan ? "vlan" : "device";
	if (vlan) {
		fb_pass(e, vlan, L, FB_ID);
	} else {
		fb_pass(e, vlan, L, FB_ID);
		fb_pass(e, vlan, L, FB_IP);
		fb_pass(e, vlan, L, FB_SERIAL);
	}
	struct buf b = BUF_INIT(0), names = BUF_INIT(0), vals = BUF_INIT(0), x = BUF_INIT(0),
		   y = BUF_INIT(0);
	for (size_t i = 0; i < L[0].n; i++) {
		const struct leftrec *r = &L[0].v[i];
		if (r->pair < 0) {
			int young = !vlan && e->now - e->sl[r->idx].created < GRACE_SECONDS;
			int type = young ? FT_PENDING : FT_MISSING_IN_SOS;
			start(&b, type, kind, r->key);
			buf_addch(&b, '}');
			add_item(out, &b, type, TS_NONE, kind, r->key);
			continue;
		}
		const struct leftrec *q = &L[1].v[r->pair];
		int nf = 0;
		buf_reset(&names);
		buf_reset(&vals);
		if (!vlan) {
			const struct sl_dev *d = &e->sl[r->idx];
			const struct sos_dev *o = &e->sos[q->idx];
			if (strcmp(r->key, q->key) != 0) {
				str_json(&x, r->key + 7);
				str_json(&y, q->key + 7);
				field_value(&names, &vals, &nf, "fqdn", x.data, y.data);
			}
			if (d->private_ip != o->ip_address) {
				buf_reset(&x);
				buf_reset(&y);
				value_ip(&x, d->private_ip);
				value_ip(&y, o->ip_address);
				field_value(&names, &vals, &nf, "private_ip", x.data, y.data);
			}
			if (d->public_ip != o->public_ip) {
				buf_reset(&x);
				buf_reset(&y);
				value_ip(&x, d->public_ip);
				value_ip(&y, o->public_ip);
				field_value(&names, &vals, &nf, "public_ip", x.data, y.data);
			}
			if (!ci_equal(d->datacenter, o->datacenter)) {
				buf_reset(&x);
				buf_reset(&y);
				value_lower(&x, d->datacenter);
				value_lower(&y, o->datacenter);
				field_value(&names, &vals, &nf, "datacenter", x.data, y.data);
			}
		} else {
			const struct sl_vlan *v = &e->slv[r->idx];
			const struct sos_vlan *o = &e->sosv[q->idx];
			if (!ci_equal(v->router, o->router)) {
				buf_reset(&x);
				buf_reset(&y);
				value_lower(&x, v->router);
				value_lower(&y, o->router);
				field_value(&names, &vals, &nf, "router", x.data, y.data);
			}
			if (v->number != o->vlan_number) {
				buf_reset(&x);
				buf_reset(&y);
				buf_printf(&x, "%u", (unsigned)v->number);
				buf_printf(&y, "%u", (unsigned)o->vlan_number);
				field_value(&names, &vals, &nf, "number", x.data, y.data);
			}
			if (!ci_equal(v->datacenter, o->datacenter)) {
				buf_reset(&x);
				buf_reset(&y);
				value_lower(&x, v->datacenter);
				value_lower(&y, o->datacenter);
				field_value(&names, &vals, &nf, "datacenter", x.data, y.data);
			}
			if (v->space != o->space)
				field_value(&names, &vals, &nf, "space", v->space == SPACE_PUBLIC ? "\"public\"" : "\"private\"",
					    o->space == SPACE_PUBLIC ? "\"public\"" : "\"private\"");
		}
		if (nf) {
			start(&b, FT_MISMATCH, kind, r->key);
			buf_addstr(&b, ",\"fields\":[");
			buf_add(&b, names.data, names.len);
			buf_addstr(&b, "]}");
			add_item(out, &b, FT_MISMATCH, TS_NONE, kind, r->key)->values = buf_detach(&vals, NULL);
		}
	}
	for (size_t j = 0; j < L[1].n; j++) {
		const struct leftrec *r = &L[1].v[j];
		if (r->pair >= 0)
			continue;
		int excl = !vlan && e->sos[r->idx].status != SOS_LIVE;
		int type = excl ? FT_EXCLUDED : FT_MISSING_IN_SOFTLAYER;
		start(&b, type, kind, r->key);
		buf_addch(&b, '}');
		add_item(out, &b, type, TS_NONE, kind, r->key);
	}
	buf_free(&b);
	buf_free(&names);
	buf_free(&vals);
	buf_free(&x);
	buf_free(&y);
	free(L[0].v);
	free(L[1].v);
}

/* One kind (device or vlan): merge the two sides, sorted by key. */
static void merge(const struct estate *e, int vlan, struct ent *sl, size_t nsl, struct ent *so, size_t nso,
		  struct truth *out)
{
	struct leftset L[2] = { { 0 } };
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
		} else if (a == 1 && c == 0 && truth_fallback) {
			left_add(&L[0], sl[i].idx, key);
		} else if (a == 0 && c == 1 && truth_fallback) {
			left_add(&L[1], so[j].idx, key);
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
	if (truth_fallback)
		fallback(e, vlan, L, out);
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
