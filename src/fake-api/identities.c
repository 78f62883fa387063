/*
 * identities.c - planted identity drift (--identity-cases N): records whose
 * key does not pair them, and the truth of how each must pair
 * (--identity-truth FILE; docs/SIMULATOR.md, "Identity cases").
 *
 * N of each case, on top of a generated estate (so that without the option
 * the estate is the same bytes as before it existed), drawn from their own
 * PRNG (the seed's), in this order:
 *   renamed           a SoftLayer device renamed; SOS has the old name and
 *                     the SoftLayer id: pairs by id, mismatch of fqdn
 *   short_name        SOS holds the short hostname and no domain, of a
 *                     device in the second domain (svc.): pairs by id
 *   mistyped_name     SOS's hostname has two letters swapped and no
 *                     SoftLayer id: pairs by private_ip in its datacenter
 *   changed_domain    a bare-metal server moved to the other domain; SOS
 *                     has the old name, no id and a stale private address:
 *                     pairs by serial, mismatch of fqdn and private_ip
 *   reused_ip         a new device got the private address of a
 *                     decommissioned one that SOS still holds, with the old
 *                     SoftLayer id: the ids disagree, no pair
 *   reused_ip_other_dc  the same address on a new device in one datacenter
 *                     and on a stale SOS record (no id) in another: no pair
 *   ambiguous_ip      a new device whose address two SOS records (no id)
 *                     in its datacenter hold: no pair, ambiguous
 *   renumbered_vlan   SOS holds a VLAN under another number, with its
 *                     SoftLayer id: pairs by id, mismatch of number
 * The planted addresses are in 172.16.0.0/12, which the generator never
 * uses, so no planted value meets a generated one by chance.
 */
#include "estate.h"
#include "rng.h"
#include "err.h"
#include "exitcodes.h"
#include "jsonw.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct idcase {
	const char *name;
	char *sl[1], *sos[2];
	int nsos;
	const char *matched_by;     /* NULL: no pair */
	const char *why;            /* no pair: conflict, other_datacenter, ambiguous */
};

static struct idcase *cases;
static size_t ncases;

static void add_case(const char *name, const char *sl, const char *s1, const char *s2, const char *by,
		     const char *why)
{
	cases = xrealloc(cases, (ncases + 1) * sizeof *cases);
	struct idcase *c = &cases[ncases++];
	c->name = name;
	c->sl[0] = xstrdup(sl);
	c->sos[0] = xstrdup(s1);
	c->sos[1] = s2 ? xstrdup(s2) : NULL;
	c->nsos = s2 ? 2 : 1;
	c->matched_by = by;
	c->why = why;
}

static char *dev_key(const char *host, const char *domain)
{
	char k[600];
	snprintf(k, sizeof k, "device/%s%s%s", host, domain ? "." : "", domain ? domain : "");
	for (char *p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return xstrdup(k);
}

struct byid {
	uint32_t id;
	uint32_t idx;
};

static int cmp_byid(const void *a, const void *b)
{
	const struct byid *x = a, *y = b;
	return x->id != y->id ? (x->id > y->id) - (x->id < y->id) : (x->idx > y->idx) - (x->idx < y->idx);
}

/* The SOS record of SoftLayer device D when it is the only one with its id
 * and holds exactly what SoftLayer has (no generated plant on it); -1. */
static long clean_sos(const struct estate *e, const struct byid *v, size_t n, const struct sl_dev *d)
{
	struct byid key = { d->id, 0 };
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_byid(&v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= n || v[lo].id != d->id || (lo + 1 < n && v[lo + 1].id == d->id))
		return -1;
	const struct sos_dev *o = &e->sos[v[lo].idx];
	char fq[600];
	snprintf(fq, sizeof fq, "%s.%s", d->hostname, d->domain);
	if (!o->hostname || strcmp(o->hostname, fq) != 0 || o->ip_address != d->private_ip ||
	    o->public_ip != d->public_ip || !o->datacenter || strcasecmp(o->datacenter, d->datacenter) != 0 ||
	    o->status != SOS_LIVE || o->gone)
		return -1;
	return (long)v[lo].idx;
}

static struct sos_dev *new_sos(struct estate *e)
{
	e->sos = xrealloc(e->sos, (e->nsos + 1) * sizeof *e->sos);
	struct sos_dev *o = &e->sos[e->nsos++];
	memset(o, 0, sizeof *o);
	return o;
}

static struct sl_dev *new_sl(struct estate *e, uint32_t *next_id, struct prng *r, const char *host,
			     const char *dc, uint32_t ip)
{
	e->sl = xrealloc(e->sl, (e->nsl + 1) * sizeof *e->sl);
	struct sl_dev *d = &e->sl[e->nsl++];
	memset(d, 0, sizeof *d);
	d->id = (*next_id)++;
	d->account = (uint16_t)prng_below(r, e->naccounts);
	d->type = SL_GUEST;
	d->hostname = xstrdup(host);
	d->domain = e->sl[0].domain;
	d->datacenter = estate_intern(e, dc);
	d->status = estate_intern(e, "ACTIVE");
	d->private_ip = ip;
	d->created = e->now - 20 * 86400;
	return d;
}

/* A stale SOS registration of a device that no longer exists. */
static struct sos_dev *stale_sos(struct estate *e, const char *host, const char *dc, uint32_t ip, uint32_t id)
{
	struct sos_dev *o = new_sos(e);
	char fq[600];
	snprintf(fq, sizeof fq, "%s.%s", host, e->sl[0].domain);
	o->hostname = xstrdup(fq);
	o->domain = e->sl[0].domain;
	char *u = gen_upper(dc);
	o->datacenter = estate_intern(e, u);
	free(u);
	o->softlayer_id = id;
	o->ip_address = ip;
	o->status = SOS_LIVE;
	o->application = estate_intern(e, "web-frontend");
	o->environment = estate_intern(e, "prod");
	o->updated = e->now - 40 * 86400;
	return o;
}

void estate_plant_identities(struct estate *e, size_t n)
{
	if (!n)
		return;
	if (!e->nsl || !e->nslv)
		sosr_usage_error("--identity-cases: the estate has no devices or no VLANs to plant them on");
	struct prng r = { e->seed * 0x9e3779b97f4a7c15ULL + 14 };
	/* the SOS devices by SoftLayer id */
	struct byid *v = xmalloc((e->nsos + 1) * sizeof *v);
	size_t nv = 0;
	for (size_t i = 0; i < e->nsos; i++)
		if (e->sos[i].softlayer_id)
			v[nv++] = (struct byid){ e->sos[i].softlayer_id, (uint32_t)i };
	qsort(v, nv, sizeof *v, cmp_byid);
	uint32_t next_id = 0;
	for (size_t i = 0; i < e->nsl; i++)
		if (e->sl[i].id >= next_id)
			next_id = e->sl[i].id + 1;
	for (size_t i = 0; i < e->nsos; i++)
		if (e->sos[i].softlayer_id >= next_id)
			next_id = e->sos[i].softlayer_id + 1;
	next_id += 1000;
	/* the devices free of generated plants, in a drawn order */
	uint32_t *order = xmalloc(e->nsl * sizeof *order);
	for (size_t i = 0; i < e->nsl; i++)
		order[i] = (uint32_t)i;
	prng_shuffle(&r, order, e->nsl, sizeof *order);
	const char *second = NULL; /* the second domain (svc.) */
	for (size_t i = 0; i < e->nsl && !second; i++)
		if (e->sl[i].domain && strncmp(e->sl[i].domain, "svc.", 4) == 0)
			second = e->sl[i].domain;
	const char *first = e->sl[0].domain && strncmp(e->sl[0].domain, "svc.", 4) == 0 ? e->sl[0].domain + 4
											    : e->sl[0].domain;
	first = estate_intern(e, first);
	size_t at = 0;
	enum { RENAMED, SHORT, MISTYPED, DOMAIN, NCLEAN };
	for (int c = 0; c < NCLEAN; c++)
		for (size_t k = 0; k < n; k++) {
			struct sl_dev *d = NULL;
			long s = -1;
			for (; at < e->nsl; at++) {
				struct sl_dev *x = &e->sl[order[at]];
				if (!x->hostname || e->now - x->created < 3 * 86400)
					continue;
				if (c == SHORT && (!second || x->domain != second))
					continue;
				if (c == DOMAIN && (x->type != SL_HARDWARE || !x->serial || !second))
					continue;
				if ((s = clean_sos(e, v, nv, x)) >= 0) {
					d = x;
					at++;
					break;
				}
			}
			if (!d)
				sosr_usage_error("--identity-cases %zu: the estate has too few devices for them; "
						 "generate more with --devices", n);
			struct sos_dev *o = &e->sos[s];
			char *old = dev_key(d->hostname, d->domain);
			switch (c) {
			case RENAMED: {
				char h[600];
				snprintf(h, sizeof h, "%s-rn", d->hostname);
				free(d->hostname);
				d->hostname = xstrdup(h);
				char *nk = dev_key(d->hostname, d->domain);
				add_case("renamed", nk, old, NULL, "id", NULL);
				free(nk);
				break;
			}
			case SHORT: {
				free(o->hostname);
				o->hostname = xstrdup(d->hostname);
				o->domain = NULL;
				/* SOS's short name takes the first default domain */
				char *sk = dev_key(d->hostname, first);
				add_case("short_name", old, sk, NULL, "id", NULL);
				free(sk);
				break;
			}
			case MISTYPED: {
				char h[600];
				size_t hl = strlen(d->hostname);
				snprintf(h, sizeof h, "%s", d->hostname);
				if (hl >= 2 && h[0] != h[1]) {
					h[0] = d->hostname[1];
					h[1] = d->hostname[0];
				} else {
					snprintf(h, sizeof h, "%sx", d->hostname);
				}
				char fq[700];
				snprintf(fq, sizeof fq, "%s.%s", h, d->domain);
				free(o->hostname);
				o->hostname = xstrdup(fq);
				o->softlayer_id = 0;
				char *sk = dev_key(h, d->domain);
				add_case("mistyped_name", old, sk, NULL, "private_ip", NULL);
				free(sk);
				break;
			}
			case DOMAIN: {
				d->domain = d->domain == second ? first : second;
				o->softlayer_id = 0;
				o->ip_address = (172u << 24) | (17u << 16) | (uint32_t)(at & 0xffff);
				char *nk = dev_key(d->hostname, d->domain);
				add_case("changed_domain", nk, old, NULL, "serial", NULL);
				free(nk);
				break;
			}
			}
			free(old);
		}
	/* new devices meeting stale SOS records on an address */
	for (size_t k = 0; k < n; k++) {
		char h[64], g[64], g2[64];
		size_t di = prng_below(&r, gen_ndatacenters);
		const char *dc = gen_datacenters[di];
		const char *dc2 = gen_datacenters[(di + 1 + prng_below(&r, gen_ndatacenters - 1)) % gen_ndatacenters];
		uint32_t ip = (172u << 24) | (16u << 16) | (uint32_t)(k * 4 + 1);
		snprintf(h, sizeof h, "reuse%02zu", k + 1);
		snprintf(g, sizeof g, "decom%02zu", k + 1);
		new_sl(e, &next_id, &r, h, dc, ip);
		stale_sos(e, g, dc, ip, next_id++);
		char *a = dev_key(h, e->sl[0].domain), *b = dev_key(g, e->sl[0].domain);
		add_case("reused_ip", a, b, NULL, NULL, "conflict");
		free(a);
		free(b);

		ip = (172u << 24) | (16u << 16) | (uint32_t)(k * 4 + 2);
		snprintf(h, sizeof h, "newdc%02zu", k + 1);
		snprintf(g, sizeof g, "olddc%02zu", k + 1);
		new_sl(e, &next_id, &r, h, dc, ip);
		stale_sos(e, g, dc2, ip, 0);
		a = dev_key(h, e->sl[0].domain);
		b = dev_key(g, e->sl[0].domain);
		add_case("reused_ip_other_dc", a, b, NULL, NULL, "other_datacenter");
		free(a);
		free(b);

		ip = (172u << 24) | (16u << 16) | (uint32_t)(k * 4 + 3);
		snprintf(h, sizeof h, "ambig%02zu", k + 1);
		snprintf(g, sizeof g, "ambig%02zu-a", k + 1);
		snprintf(g2, sizeof g2, "ambig%02zu-b", k + 1);
		new_sl(e, &next_id, &r, h, dc, ip);
		stale_sos(e, g, dc, ip, 0);
		stale_sos(e, g2, dc, ip, 0);
		a = dev_key(h, e->sl[0].domain);
		b = dev_key(g, e->sl[0].domain);
		char *b2 = dev_key(g2, e->sl[0].domain);
		add_case("ambiguous_ip", a, b, b2, NULL, "ambiguous");
		free(a);
		free(b);
		free(b2);
	}
	/* VLANs SOS holds under another number */
	size_t vat = prng_below(&r, e->nslv);
	for (size_t k = 0; k < n; k++) {
		struct sos_vlan *s = NULL;
		const struct sl_vlan *sv = NULL;
		for (size_t tries = 0; tries < e->nslv && !s; tries++, vat = (vat + 1) % e->nslv) {
			sv = &e->slv[vat];
			for (size_t j = 0; j < e->nsosv; j++)
				if (e->sosv[j].vlan_id == sv->id && e->sosv[j].vlan_number == sv->number &&
				    e->sosv[j].router == sv->router && strcmp(e->sosv[j].datacenter, sv->datacenter) == 0 &&
				    e->sosv[j].space == sv->space) {
					s = &e->sosv[j];
					break;
				}
		}
		vat = (vat + 1) % e->nslv;
		if (!s)
			sosr_usage_error("--identity-cases %zu: the estate has too few VLANs for them; "
					 "generate more with --vlans", n);
		s->vlan_number = (uint16_t)(4000 + k); /* the generator numbers 800..3999 */
		char a[300], b[300];
		snprintf(a, sizeof a, "vlan/%s/%u", sv->router, (unsigned)sv->number);
		snprintf(b, sizeof b, "vlan/%s/%u", sv->router, (unsigned)s->vlan_number);
		add_case("renumbered_vlan", a, b, NULL, "id", NULL);
	}
	free(order);
	free(v);
	estate_index(e);
}

static void keylist(struct buf *b, char *const *k, int n)
{
	buf_addch(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			buf_addch(b, ',');
		jsonw_str(b, k[i], strlen(k[i]));
	}
	buf_addch(b, ']');
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void estate_write_identity_truth(const char *path)
{
	char **lines = xmalloc((ncases + 1) * sizeof *lines);
	struct buf b = BUF_INIT(0);
	for (size_t i = 0; i < ncases; i++) {
		const struct idcase *c = &cases[i];
		buf_reset(&b);
		buf_printf(&b, "{\"case\":\"%s\",\"kind\":\"%s\",\"softlayer\":", c->name,
			   strncmp(c->sl[0], "vlan/", 5) == 0 ? "vlan" : "device");
		keylist(&b, c->sl, 1);
		buf_addstr(&b, ",\"sos\":");
		keylist(&b, c->sos, c->nsos);
		if (c->matched_by)
			buf_printf(&b, ",\"matched_by\":\"%s\"}", c->matched_by);
		else
			buf_printf(&b, ",\"matched_by\":null,\"why\":\"%s\"}", c->why);
		lines[i] = buf_detach(&b, NULL);
	}
	if (ncases > 1)
		qsort(lines, ncases, sizeof *lines, cmp_line);
	for (size_t i = 0; i < ncases; i++) {
		buf_addstr(&b, lines[i]);
		buf_addch(&b, '\n');
		free(lines[i]);
	}
	free(lines);
	write_file_atomic(path, b.data ? b.data : "", b.len, 0666, "identity truth file");
	buf_free(&b);
	for (size_t i = 0; i < ncases; i++) {
		free(cases[i].sl[0]);
		free(cases[i].sos[0]);
		free(cases[i].sos[1]);
	}
	free(cases);
	cases = NULL;
	ncases = 0;
}
