/*
 * truth.c - what a correct reconciliation of the estate must report.
 *
 * An independent, deliberately plain reimplementation of the semantics of
 * docs/FORMATS.md sections 2-4 over the estate's structured data (no JSON
 * parsing, no streaming): key every record, group equal keys, classify each
 * group, print the projection of section 4, sorted as `LC_ALL=C sort`
 * sorts.  It runs on generated and loaded estates alike.
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

struct lines {
	char **v;
	size_t n, cap;
};

static void add_line(struct lines *l, struct buf *b)
{
	if (l->n == l->cap)
		l->v = xrealloc(l->v, (l->cap = l->cap ? l->cap * 2 : 1024) * sizeof *l->v);
	l->v[l->n++] = buf_detach(b, NULL);
}

static char *lowered(const char *s, size_t n)
{
	char *d = xstrndup(s, n);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* FORMATS.md 2: lowercase, trailing dot removed, a hostname with a dot is
 * already fully qualified. */
static char *fqdn_key(const char *host, const char *domain, const char *fallback_domain)
{
	size_t hl = strlen(host);
	while (hl && host[hl - 1] == '.')
		hl--;
	struct buf b = BUF_INIT(0);
	buf_addstr(&b, "device/");
	char *h = lowered(host, hl);
	buf_addstr(&b, h);
	free(h);
	if (!memchr(host, '.', hl)) {
		const char *d = domain && *domain ? domain : fallback_domain;
		size_t dl = strlen(d);
		while (dl && d[dl - 1] == '.')
			dl--;
		char *dd = lowered(d, dl);
		buf_addch(&b, '.');
		buf_addstr(&b, dd);
		free(dd);
	}
	return buf_detach(&b, NULL);
}

static char *vlan_key(const char *router, unsigned number)
{
	struct buf b = BUF_INIT(0);
	char *r = lowered(router, strlen(router));
	buf_printf(&b, "vlan/%s/%u", r, number);
	free(r);
	return buf_detach(&b, NULL);
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->key, ((const struct ent *)b)->key);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void start(struct buf *b, const char *type, const char *kind, const char *key)
{
	buf_reset(b);
	buf_printf(b, "{\"type\":\"%s\",\"kind\":\"%s\",\"key\":", type, kind);
	jsonw_str(b, key, strlen(key));
}

static int ci_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcasecmp(a, b) == 0;
}

/* One kind (device or vlan): merge the two sorted sides. */
static void merge(const struct estate *e, int vlan, struct ent *sl, size_t nsl, struct ent *so, size_t nso,
		  struct lines *out)
{
	struct buf b = BUF_INIT(0);
	const char *kind = vlan ? "vlan" : "device";
	qsort(sl, nsl, sizeof *sl, cmp_ent);
	qsort(so, nso, sizeof *so, cmp_ent);
	size_t i = 0, j = 0;
	while (i < nsl || j < nso) {
		const char *key;
		if (j >= nso || (i < nsl && strcmp(sl[i].key, so[j].key) <= 0))
			key = sl[i].key;
		else
			key = so[j].key;
		size_t a = 0, c = 0;
		while (i + a < nsl && strcmp(sl[i + a].key, key) == 0)
			a++;
		while (j + c < nso && strcmp(so[j + c].key, key) == 0)
			c++;
		if (a > 1 || c > 1) {
			/* A duplicated key is itself the finding; it is not matched. */
			if (a > 1) {
				start(&b, "duplicate", kind, key);
				buf_addstr(&b, ",\"side\":\"softlayer\"}");
				add_line(out, &b);
			}
			if (c > 1) {
				start(&b, "duplicate", kind, key);
				buf_addstr(&b, ",\"side\":\"sos\"}");
				add_line(out, &b);
			}
		} else if (a == 1 && c == 0) {
			int young = !vlan && e->now - e->sl[sl[i].idx].created < GRACE_SECONDS;
			start(&b, young ? "pending" : "missing_in_sos", kind, key);
			buf_addch(&b, '}');
			add_line(out, &b);
		} else if (a == 0 && c == 1) {
			int excl = !vlan && e->sos[so[j].idx].status != SOS_LIVE;
			start(&b, excl ? "excluded" : "missing_in_softlayer", kind, key);
			buf_addch(&b, '}');
			add_line(out, &b);
		} else {
			const char *fields[3];
			int nf = 0;
			if (!vlan) {
				const struct sl_dev *d = &e->sl[sl[i].idx];
				const struct sos_dev *s = &e->sos[so[j].idx];
				if (d->private_ip != s->ip_address)
					fields[nf++] = "private_ip";
				if (d->public_ip != s->public_ip)
					fields[nf++] = "public_ip";
				if (!ci_equal(d->datacenter, s->datacenter))
					fields[nf++] = "datacenter";
			} else {
				const struct sl_vlan *v = &e->slv[sl[i].idx];
				const struct sos_vlan *s = &e->sosv[so[j].idx];
				if (!ci_equal(v->datacenter, s->datacenter))
					fields[nf++] = "datacenter";
				if (v->space != s->space)
					fields[nf++] = "space";
			}
			if (nf) {
				start(&b, "mismatch", kind, key);
				buf_addstr(&b, ",\"fields\":[");
				for (int f = 0; f < nf; f++)
					buf_printf(&b, "%s\"%s\"", f ? "," : "", fields[f]);
				buf_addstr(&b, "]}");
				add_line(out, &b);
			}
		}
		i += a;
		j += c;
	}
	for (size_t k = 0; k < nsl; k++)
		free(sl[k].key);
	for (size_t k = 0; k < nso; k++)
		free(so[k].key);
	buf_free(&b);
}

void estate_write_truth(const struct estate *e, const char *path)
{
	struct lines out = { 0 };
	struct buf b = BUF_INIT(0);
	char fallback[256];
	snprintf(fallback, sizeof fallback, "%s.example.com", e->c_code);
	c_code_dns(fallback);

	struct ent *sl = xmalloc((e->nsl + 1) * sizeof *sl), *so = xmalloc((e->nsos + 1) * sizeof *so);
	size_t nsl = 0, nso = 0;
	for (size_t i = 0; i < e->nsl; i++) {
		const struct sl_dev *d = &e->sl[i];
		if (!d->hostname || !*d->hostname) {
			char key[96];
			snprintf(key, sizeof key, "unidentified/softlayer/%s/%u",
				 d->type == SL_HARDWARE ? "hardware" : "virtual_guest", d->id);
			start(&b, "unidentified", "unidentified", key);
			buf_addstr(&b, ",\"side\":\"softlayer\"}");
			add_line(&out, &b);
			continue;
		}
		sl[nsl].key = fqdn_key(d->hostname, d->domain, fallback);
		sl[nsl++].idx = (uint32_t)i;
	}
	for (size_t i = 0; i < e->nsos; i++) {
		const struct sos_dev *d = &e->sos[i];
		if (!d->hostname || !*d->hostname) {
			/* SOS devices come first in raw/sos.ndjson: line i+1. */
			char key[96];
			if (d->softlayer_id)
				snprintf(key, sizeof key, "unidentified/sos/device/%u", d->softlayer_id);
			else
				snprintf(key, sizeof key, "unidentified/sos/device/line/%zu", i + 1);
			start(&b, "unidentified", "unidentified", key);
			buf_addstr(&b, ",\"side\":\"sos\"}");
			add_line(&out, &b);
			continue;
		}
		so[nso].key = fqdn_key(d->hostname, d->domain, fallback);
		so[nso++].idx = (uint32_t)i;
	}
	merge(e, 0, sl, nsl, so, nso, &out);
	free(sl);
	free(so);

	sl = xmalloc((e->nslv + 1) * sizeof *sl);
	so = xmalloc((e->nsosv + 1) * sizeof *so);
	for (size_t i = 0; i < e->nslv; i++) {
		sl[i].key = vlan_key(e->slv[i].router, e->slv[i].number);
		sl[i].idx = (uint32_t)i;
	}
	for (size_t i = 0; i < e->nsosv; i++) {
		so[i].key = vlan_key(e->sosv[i].router, e->sosv[i].vlan_number);
		so[i].idx = (uint32_t)i;
	}
	merge(e, 1, sl, e->nslv, so, e->nsosv, &out);
	free(sl);
	free(so);

	qsort(out.v, out.n, sizeof *out.v, cmp_line);
	buf_reset(&b);
	for (size_t i = 0; i < out.n; i++) {
		buf_addstr(&b, out.v[i]);
		buf_addch(&b, '\n');
		free(out.v[i]);
	}
	free(out.v);
	write_file_atomic(path, b.data ? b.data : "", b.len, 0666, "truth file");
	buf_free(&b);
}
