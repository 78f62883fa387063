/*
 * estate.c - generate, load and write the simulated estate.
 *
 * Generation plants a share (--drift) of discrepancies of every kind the
 * reconciliation must find or must not report (see docs/SIMULATOR.md); the
 * truth file is then computed from the estate itself by truth.c, so a
 * loaded or hand-edited estate has a correct truth too.
 */
#include "estate.h"
#include "api.h"
#include "rng.h"
#include "err.h"
#include "exitcodes.h"
#include "jsonw.h"
#include "ndjson.h"
#include "secret.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- string pool --------------------------------------------------- */

struct strpool {
	char **slot;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

const char *estate_intern(struct estate *e, const char *s)
{
	struct strpool *p = e->pool;
	if (!p)
		p = e->pool = xcalloc(1, sizeof *p);
	if (p->n * 2 >= p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 256;
		char **ns = xcalloc(ncap, sizeof *ns);
		for (size_t i = 0; i < p->cap; i++)
			if (p->slot[i]) {
				size_t j = hash_str(p->slot[i]) & (ncap - 1);
				while (ns[j])
					j = (j + 1) & (ncap - 1);
				ns[j] = p->slot[i];
			}
		free(p->slot);
		p->slot = ns;
		p->cap = ncap;
	}
	size_t j = hash_str(s) & (p->cap - 1);
	while (p->slot[j]) {
		if (strcmp(p->slot[j], s) == 0)
			return p->slot[j];
		j = (j + 1) & (p->cap - 1);
	}
	p->slot[j] = xstrdup(s);
	p->n++;
	return p->slot[j];
}

/* ---- formatting helpers -------------------------------------------- */

void fmt_ip(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

int parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

void sl_global_identifier(const struct estate *e, uint32_t id, char out[40])
{
	uint64_t a = mix64(e->seed ^ ((uint64_t)id << 1)), b = mix64(a + id);
	snprintf(out, 40, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		 (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
		 (unsigned long long)(b & 0xffffffffffffULL));
}

void sl_manufacturer_serial(const struct estate *e, uint32_t id, char out[16])
{
	static const char al[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	uint64_t h = mix64(e->seed * 31 + id + 7);
	memcpy(out, "MXQ", 3);
	for (int i = 3; i < 10; i++) {
		out[i] = al[h % 34];
		h /= 34;
	}
	out[10] = '\0';
}

static char *make_serial(uint64_t seed, uint32_t id)
{
	static const char al[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char s[16];
	uint64_t h = mix64(seed * 131 + id);
	memcpy(s, "SL0", 3);
	for (int i = 3; i < 8; i++) {
		s[i] = al[h % 36];
		h /= 36;
	}
	s[8] = '\0';
	return xstrdup(s);
}

static char *lower_dup(const char *s)
{
	char *d = xstrdup(s);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static char *upper_dup(const char *s)
{
	char *d = xstrdup(s);
	for (char *p = d; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return d;
}

void write_file_atomic(const char *path, const void *data, size_t len, int mode, const char *what)
{
	size_t n = strlen(path) + 8;
	char *tmp = xmalloc(n);
	snprintf(tmp, n, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!fp)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create the %s '%s'; check that its directory exists and is writable",
			       what, tmp);
	if ((len && fwrite(data, 1, len, fp) != len) | (fclose(fp) != 0))
		sosr_die_errno(SOSR_EXIT_IO, "cannot write the %s '%s'; check free space", what, tmp);
	if (rename(tmp, path) != 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot rename '%s' to '%s'", tmp, path);
	free(tmp);
}

/* ---- generation ---------------------------------------------------- */

static const char *const datacenters[] = {
	"dal10", "dal12", "dal13", "wdc04", "wdc07", "fra02", "lon06", "tok02", "syd05", "che01",
};
#define NDC (sizeof datacenters / sizeof datacenters[0])

/* What generation does to one SoftLayer device (or VLAN). */
enum plant {
	P_NONE, P_MISSING_SOS, P_PENDING, P_MISMATCH_PRIV, P_MISMATCH_PUB, P_MISMATCH_DC,
	P_DUP_SOS, P_SHORT, P_UPPER, P_UNIDENTIFIED,
	P_DEV_KINDS,
	/* SOS-only devices, not tied to a SoftLayer device */
	P_MISSING_SL = P_DEV_KINDS, P_EXCLUDED,
	P_ALL_DEV_KINDS,
};
/* Relative weights of the kinds in the drift budget. */
static const double dev_weight[P_ALL_DEV_KINDS] = {
	[P_MISSING_SOS] = 3, [P_PENDING] = 1, [P_MISMATCH_PRIV] = 2, [P_MISMATCH_PUB] = 1,
	[P_MISMATCH_DC] = 1, [P_DUP_SOS] = 1, [P_SHORT] = 2, [P_UPPER] = 2, [P_UNIDENTIFIED] = 0.5,
	[P_MISSING_SL] = 2, [P_EXCLUDED] = 1,
};
enum vplant { V_NONE, V_MISSING_SOS, V_MISMATCH_DC, V_MISMATCH_SPACE, V_KINDS, V_MISSING_SL = V_KINDS, V_ALL };
static const double vlan_weight[V_ALL] = {
	[V_MISSING_SOS] = 2, [V_MISMATCH_DC] = 1, [V_MISMATCH_SPACE] = 1, [V_MISSING_SL] = 2,
};

/* Split a budget of D planted items between kinds by weight; at least one
 * of each when the estate is big enough to hold them. */
static void split_budget(size_t *count, const double *w, int from, int to, double budget, int at_least_one)
{
	double sum = 0;
	for (int k = from; k < to; k++)
		sum += w[k];
	for (int k = from; k < to; k++) {
		count[k] = (size_t)(budget * w[k] / sum + 0.5);
		if (at_least_one && count[k] == 0)
			count[k] = 1;
	}
}

/* Hostnames: a role prefix and a per-role counter, so every generated
 * name is unique and names look like the estates operators know. */
struct namer {
	unsigned n[8];
};

static char *make_hostname(struct namer *nm, struct prng *r, int hw, const char *dc)
{
	char s[96];
	int role = (int)prng_below(r, 4) + (hw ? 0 : 4);
	unsigned c = ++nm->n[role];
	switch (role) {
	case 0: snprintf(s, sizeof s, "db%02u", c); break;
	case 1: snprintf(s, sizeof s, "etcd-%02u", c); break;
	case 2: snprintf(s, sizeof s, "bm-%s-%03u", dc, c); break;
	case 3: snprintf(s, sizeof s, "kube-%s-cr%06x-w%u", dc,
			 (unsigned)((((c - 1) / 8 + 1) * 2654435761u) & 0xffffff), (c - 1) % 8 + 1); break;
	case 4: snprintf(s, sizeof s, "web%02u", c); break;
	case 5: snprintf(s, sizeof s, "api-%s-%02u", dc, c); break;
	case 6: snprintf(s, sizeof s, "kube-%s-vs%06x-w%u", dc,
			 (unsigned)((((c - 1) / 8 + 1) * 2246822519u) & 0xffffff), (c - 1) % 8 + 1); break;
	default: snprintf(s, sizeof s, "mq%02u", c); break;
	}
	return xstrdup(s);
}

static uint32_t public_ip_for(struct prng *r)
{
	return (169u << 24) | ((uint32_t)(44 + prng_below(r, 20)) << 16) | (uint32_t)prng_below(r, 65536);
}

static const char *const applications[] = { "armada-etcd", "armada-worker", "logging", "billing-db", "web-frontend", "mq-broker" };
static const char *const environments[] = { "prod", "prod", "prod", "stage", "dev" };

static void sos_from_sl(struct estate *e, struct sos_dev *o, const struct sl_dev *d, struct prng *r)
{
	char fq[512];
	memset(o, 0, sizeof *o);
	snprintf(fq, sizeof fq, "%s.%s", d->hostname, d->domain);
	o->hostname = xstrdup(fq);
	o->domain = d->domain;
	char *dcu = upper_dup(d->datacenter);
	o->datacenter = estate_intern(e, dcu);
	free(dcu);
	o->serial = d->serial ? xstrdup(d->serial) : NULL;
	o->softlayer_id = d->id;
	o->ip_address = d->private_ip;
	o->public_ip = d->public_ip;
	o->bare_metal = d->type == SL_HARDWARE;
	o->status = e->now - d->created < 48 * 3600 ? SOS_BUILD : SOS_LIVE;
	o->application = estate_intern(e, applications[prng_below(r, 6)]);
	o->environment = estate_intern(e, environments[prng_below(r, 5)]);
	o->updated = e->now - (int64_t)prng_below(r, 7 * 86400);
	if (o->updated < d->created)
		o->updated = d->created + 600;
}

/* Which of N items carry a planted discrepancy: COUNT[k] items of kind k,
 * for k in [FROM, TO), at places chosen by a shuffle; 0 means none.  The
 * caller frees the result. */
static uint8_t *plant_kinds(size_t n, const size_t *count, int from, int to, struct prng *r)
{
	uint8_t *plant = xcalloc(n ? n : 1, 1);
	uint32_t *perm = xmalloc((n ? n : 1) * sizeof *perm);
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	prng_shuffle(r, perm, n, sizeof *perm);
	size_t at = 0;
	for (int k = from; k < to; k++)
		for (size_t c = 0; c < count[k] && at < n; c++)
			plant[perm[at++]] = (uint8_t)k;
	free(perm);
	return plant;
}

static void build_indexes(struct estate *e);

void estate_generate(struct estate *e, const struct gen_params *p)
{
	struct prng r = { p->seed * 0x2545f4914f6cdd1dULL + 1 };
	memset(e, 0, sizeof *e);
	e->seed = p->seed;
	e->now = p->now;
	e->c_code = xstrdup(p->c_code);
	/* One sibling C_Code is known to SOS but not readable with this token. */
	e->other_c_codes = xcalloc(1, sizeof *e->other_c_codes);
	e->other_c_codes[0] = xstrdup(strcmp(p->c_code, "ALC_WAT") == 0 ? "ALC" : "ALC_WAT");
	e->n_other = 1;

	char *cc = lower_dup(p->c_code);
	for (char *q = cc; *q; q++)
		if (*q == '_')
			*q = '-';
	char dom0[256], dom1[256];
	snprintf(dom0, sizeof dom0, "%s.example.com", cc);
	snprintf(dom1, sizeof dom1, "svc.%s.example.com", cc);
	free(cc);
	const char *domains[2] = { estate_intern(e, dom0), estate_intern(e, dom1) };

	e->naccounts = p->accounts;
	e->accounts = xcalloc(p->accounts, sizeof *e->accounts);
	for (size_t i = 0; i < p->accounts; i++) {
		char s[32];
		snprintf(s, sizeof s, "%zu", 1000001 + i);
		e->accounts[i].id = xstrdup(s);
		snprintf(s, sizeof s, "SL%zu", 1000001 + i);
		e->accounts[i].username = xstrdup(s);
		e->accounts[i].auth = i % 2 ? AUTH_APIKEY : AUTH_BASIC;
	}

	/* Decide which devices carry which planted discrepancy. */
	size_t n = p->devices;
	size_t dcount[P_ALL_DEV_KINDS] = { 0 };
	if (p->drift > 0)
		split_budget(dcount, dev_weight, P_MISSING_SOS, P_ALL_DEV_KINDS, p->drift * (double)n, n >= 50);
	/* Both excluded statuses, Build and Available, when there is room. */
	if (p->drift > 0 && n >= 50 && dcount[P_EXCLUDED] < 2)
		dcount[P_EXCLUDED] = 2;
	uint8_t *plant = plant_kinds(n, dcount, P_MISSING_SOS, P_DEV_KINDS, &r);

	struct namer nm = { { 0 } };
	e->nsl = n;
	e->sl = xcalloc(n ? n : 1, sizeof *e->sl);
	uint32_t next_id[2] = { 1100000 + (uint32_t)prng_below(&r, 50000), 50000000 + (uint32_t)prng_below(&r, 900000) };
	const char *st_active = estate_intern(e, "ACTIVE");
	for (size_t i = 0; i < n; i++) {
		struct sl_dev *d = &e->sl[i];
		int hw = plant[i] == P_UNIDENTIFIED || prng_below(&r, 10) < 3;
		d->type = hw ? SL_HARDWARE : SL_GUEST;
		d->id = next_id[!hw];
		next_id[!hw] += 1 + (uint32_t)prng_below(&r, 40);
		d->account = (uint16_t)prng_below(&r, p->accounts);
		d->datacenter = estate_intern(e, datacenters[prng_below(&r, NDC)]);
		d->domain = domains[prng_below(&r, 10) == 0];
		d->hostname = make_hostname(&nm, &r, hw, d->datacenter);
		d->status = st_active;
		d->halted = !hw && prng_below(&r, 20) == 0;
		d->serial = hw ? make_serial(p->seed, d->id) : NULL;
		/* A bijection of i onto 10.0.0.0/8 keeps private addresses unique. */
		d->private_ip = (10u << 24) | (uint32_t)(((uint64_t)(i + 1) * 7919u) & 0xffffff);
		d->public_ip = prng_below(&r, 4) == 0 ? 0 : public_ip_for(&r);
		/* Young devices are 1-24 h old, the others 10 days to 3 years, so a
		 * diff run within hours of --now classifies them the same way. */
		int young = plant[i] == P_PENDING || prng_below(&r, 100) == 0;
		if (young)
			d->created = p->now - 3600 - (int64_t)prng_below(&r, 23 * 3600);
		else
			d->created = p->now - 10 * 86400 - (int64_t)prng_below(&r, 3 * 365 * 86400LL);
		if (plant[i] == P_UNIDENTIFIED) {
			free(d->hostname);
			d->hostname = NULL;
		}
	}

	/* SOS devices: one per identified SoftLayer device, with the plants. */
	size_t sos_cap = n + dcount[P_DUP_SOS] + dcount[P_MISSING_SL] + dcount[P_EXCLUDED] + 1;
	e->sos = xcalloc(sos_cap, sizeof *e->sos);
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		struct sl_dev *d = &e->sl[i];
		if (plant[i] == P_MISSING_SOS || plant[i] == P_PENDING || plant[i] == P_UNIDENTIFIED)
			continue;
		struct sos_dev *o = &e->sos[ns++];
		sos_from_sl(e, o, d, &r);
		switch (plant[i]) {
		case P_MISMATCH_PRIV:
			o->ip_address = (10u << 24) | (0xff0000u + (uint32_t)prng_below(&r, 65536));
			break;
		case P_MISMATCH_PUB:
			o->public_ip = public_ip_for(&r);
			if (o->public_ip == d->public_ip)
				o->public_ip ^= 1;
			break;
		case P_MISMATCH_DC: {
			const char *other = datacenters[prng_below(&r, NDC)];
			if (strcmp(other, d->datacenter) == 0)
				other = strcmp(other, "dal10") ? "dal10" : "wdc04";
			char *u = upper_dup(other);
			o->datacenter = estate_intern(e, u);
			free(u);
			break;
		}
		case P_SHORT:
			free(o->hostname);
			o->hostname = xstrdup(d->hostname);
			break;
		case P_UPPER: {
			char *u = upper_dup(o->hostname);
			free(o->hostname);
			o->hostname = u;
			break;
		}
		case P_DUP_SOS: {
			/* The same machine registered twice: a second record. */
			struct sos_dev *o2 = &e->sos[ns++];
			sos_from_sl(e, o2, d, &r);
			o2->ip_address = (10u << 24) | (0xfe0000u + (uint32_t)prng_below(&r, 65536));
			break;
		}
		default:
			break;
		}
	}
	/* SOS-only records: stale registrations, and builds/cancellations. */
	for (int k = P_MISSING_SL; k <= P_EXCLUDED; k++)
		for (size_t c = 0; c < dcount[k]; c++) {
			struct sl_dev ghost = { 0 };
			int hw = prng_below(&r, 2) == 0;
			ghost.type = hw ? SL_HARDWARE : SL_GUEST;
			ghost.id = next_id[!hw]++;
			ghost.datacenter = estate_intern(e, datacenters[prng_below(&r, NDC)]);
			ghost.domain = domains[0];
			ghost.hostname = make_hostname(&nm, &r, hw, ghost.datacenter);
			ghost.serial = hw ? make_serial(p->seed, ghost.id) : NULL;
			ghost.private_ip = (10u << 24) | (0xfd0000u + (uint32_t)prng_below(&r, 65536));
			ghost.created = p->now - 30 * 86400;
			struct sos_dev *o = &e->sos[ns++];
			sos_from_sl(e, o, &ghost, &r);
			o->status = k == P_MISSING_SL ? SOS_LIVE : (c % 2 ? SOS_AVAILABLE : SOS_BUILD);
			if (c % 3 == 2)
				o->softlayer_id = 0;
			free(ghost.hostname);
			free(ghost.serial);
		}
	e->nsos = ns;
	/* SOS keeps its own order, not SoftLayer's. */
	prng_shuffle(&r, e->sos, ns, sizeof *e->sos);
	free(plant);

	/* VLANs. */
	size_t m = p->vlans;
	size_t vcount[V_ALL] = { 0 };
	if (p->drift > 0)
		split_budget(vcount, vlan_weight, V_MISSING_SOS, V_ALL, p->drift * (double)m, m >= 8);
	uint8_t *vplant = plant_kinds(m, vcount, V_MISSING_SOS, V_KINDS, &r);
	/* Routers: bcrNNa (private) and fcrNNa (public) per datacenter, up to
	 * 3200 VLAN numbers each (800 + k*13 mod 3200 is a bijection). */
	size_t nvl_total = m + vcount[V_MISSING_SL];
	size_t routers_per = (nvl_total / (NDC * 2 * 3200)) + 2;
	if (routers_per > 99)
		sosr_die(SOSR_EXIT_USAGE, "--vlans %zu is more than the simulator can number; use at most %d",
			 m, 99 * 2 * 3200 * (int)NDC - 1);
	unsigned *rcount = xcalloc(NDC * 2 * routers_per, sizeof *rcount);
	e->nslv = m;
	e->slv = xcalloc(m ? m : 1, sizeof *e->slv);
	e->sosv = xcalloc(nvl_total + 1, sizeof *e->sosv);
	size_t nsv = 0;
	uint32_t vid = 1300000 + (uint32_t)prng_below(&r, 100000);
	static const char *const vnames[2][4] = { { "prod-backend", "kube-private", "mgmt", NULL },
						  { "prod-frontend", "kube-public", "edge", NULL } };
	for (size_t i = 0; i < nvl_total; i++) {
		size_t dci = prng_below(&r, NDC);
		int pub = prng_below(&r, 3) == 0;
		size_t ri = prng_below(&r, routers_per);
		unsigned *rc = &rcount[(dci * 2 + (size_t)pub) * routers_per + ri];
		while (*rc >= 3200) { /* this router is full: take the next one */
			ri = (ri + 1) % routers_per;
			rc = &rcount[(dci * 2 + (size_t)pub) * routers_per + ri];
		}
		char router[64];
		snprintf(router, sizeof router, "%ccr%02zua.%s", pub ? 'f' : 'b', ri + 1, datacenters[dci]);
		/* Each router starts its numbering somewhere else. */
		unsigned start = (unsigned)(mix64(e->seed + (uint64_t)(rc - rcount)) % 3200);
		uint16_t number = (uint16_t)(800 + ((*rc)++ * 13u + start) % 3200);
		const char *vname = vnames[pub][prng_below(&r, 4)];
		struct sl_vlan v = {
			.id = vid, .account = (uint16_t)prng_below(&r, p->accounts), .number = number,
			.space = pub ? SPACE_PUBLIC : SPACE_PRIVATE, .router = estate_intern(e, router),
			.datacenter = estate_intern(e, datacenters[dci]),
		};
		vid += 1 + (uint32_t)prng_below(&r, 20);
		int plant_v = i < m ? vplant[i] : V_MISSING_SL;
		if (i < m) {
			v.name = vname ? xstrdup(vname) : NULL;
			e->slv[i] = v;
		}
		if (plant_v == V_MISSING_SOS)
			continue;
		struct sos_vlan *s = &e->sosv[nsv++];
		s->vlan_id = v.id;
		s->vlan_number = v.number;
		s->space = v.space;
		s->router = v.router;
		s->datacenter = v.datacenter;
		s->name = vname ? xstrdup(vname) : NULL;
		if (plant_v == V_MISMATCH_DC)
			s->datacenter = estate_intern(e, datacenters[(dci + 1) % NDC]);
		if (plant_v == V_MISMATCH_SPACE)
			s->space = !v.space;
		char zone[128];
		char *ccu = upper_dup(p->c_code), *dcu = upper_dup(s->datacenter);
		snprintf(zone, sizeof zone, "%s-%s-%s", ccu, dcu, s->space == SPACE_PUBLIC ? "PUBLIC" : "PRIVATE");
		free(ccu);
		free(dcu);
		s->scan_zone = estate_intern(e, zone);
	}
	e->nsosv = nsv;
	free(rcount);
	free(vplant);
	build_indexes(e);
}

/* ---- per-account indexes ------------------------------------------- */

static int cmp_u32_sl(const void *a, const void *b, void *ctx)
{
	const struct estate *e = ctx;
	uint32_t x = e->sl[*(const uint32_t *)a].id, y = e->sl[*(const uint32_t *)b].id;
	return (x > y) - (x < y);
}

static int cmp_u32_slv(const void *a, const void *b, void *ctx)
{
	const struct estate *e = ctx;
	uint32_t x = e->slv[*(const uint32_t *)a].id, y = e->slv[*(const uint32_t *)b].id;
	return (x > y) - (x < y);
}

static void check_unique(const struct estate *e, const uint32_t *v, size_t n, int vlan, const char *acct)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t a = vlan ? e->slv[v[i - 1]].id : e->sl[v[i - 1]].id;
		uint32_t b = vlan ? e->slv[v[i]].id : e->sl[v[i]].id;
		if (a == b)
			sosr_die(SOSR_EXIT_DATA, "estate: account %s has two %s with id %u; check the estate files",
				 acct, vlan ? "VLANs" : "devices of one type", a);
	}
}

static void build_indexes(struct estate *e)
{
	for (size_t a = 0; a < e->naccounts; a++) {
		struct account *ac = &e->accounts[a];
		free(ac->hw);
		free(ac->vg);
		free(ac->vl);
		ac->nhw = ac->nvg = ac->nvl = 0;
		ac->hw = ac->vg = ac->vl = NULL;
	}
	size_t *chw = xcalloc(e->naccounts, sizeof *chw), *cvg = xcalloc(e->naccounts, sizeof *cvg),
	       *cvl = xcalloc(e->naccounts, sizeof *cvl);
	for (size_t i = 0; i < e->nsl; i++)
		(e->sl[i].type == SL_HARDWARE ? chw : cvg)[e->sl[i].account]++;
	for (size_t i = 0; i < e->nslv; i++)
		cvl[e->slv[i].account]++;
	for (size_t a = 0; a < e->naccounts; a++) {
		e->accounts[a].hw = xmalloc((chw[a] + 1) * sizeof(uint32_t));
		e->accounts[a].vg = xmalloc((cvg[a] + 1) * sizeof(uint32_t));
		e->accounts[a].vl = xmalloc((cvl[a] + 1) * sizeof(uint32_t));
	}
	for (size_t i = 0; i < e->nsl; i++) {
		struct account *ac = &e->accounts[e->sl[i].account];
		if (e->sl[i].type == SL_HARDWARE)
			ac->hw[ac->nhw++] = (uint32_t)i;
		else
			ac->vg[ac->nvg++] = (uint32_t)i;
	}
	for (size_t i = 0; i < e->nslv; i++) {
		struct account *ac = &e->accounts[e->slv[i].account];
		ac->vl[ac->nvl++] = (uint32_t)i;
	}
	for (size_t a = 0; a < e->naccounts; a++) {
		struct account *ac = &e->accounts[a];
		qsort_r(ac->hw, ac->nhw, sizeof(uint32_t), cmp_u32_sl, e);
		qsort_r(ac->vg, ac->nvg, sizeof(uint32_t), cmp_u32_sl, e);
		qsort_r(ac->vl, ac->nvl, sizeof(uint32_t), cmp_u32_slv, e);
		check_unique(e, ac->hw, ac->nhw, 0, ac->id);
		check_unique(e, ac->vg, ac->nvg, 0, ac->id);
		check_unique(e, ac->vl, ac->nvl, 1, ac->id);
	}
	free(chw);
	free(cvg);
	free(cvl);
}

/* ---- secrets ------------------------------------------------------- */

static char *hex_secret(struct prng *r, size_t nbytes, const char *prefix)
{
	size_t pl = strlen(prefix);
	char *s = xmalloc(pl + nbytes * 2 + 1);
	memcpy(s, prefix, pl);
	for (size_t i = 0; i < nbytes; i++)
		snprintf(s + pl + 2 * i, 3, "%02x", (unsigned)(prng_next(r) & 0xff));
	return s;
}

#define API_KEY_FILE_MAX (4u << 20)

static void key_file_error(struct buf *b, const char *path, size_t line, const char *what)
{
	if (b->data)
		memset(b->data, 0, b->len);
	buf_free(b);
	if (line)
		sosr_error("--api-key-file '%s', line %zu: %s; put one key a line, line i for "
			   "account i (docs/SIMULATOR.md)", path, line, what);
	else
		sosr_error("--api-key-file '%s': %s; put one key a line, line i for account i "
			   "(docs/SIMULATOR.md)", path, what);
	exit(SOSR_EXIT_USAGE);
}

/*
 * The keys of --api-key-file: one a line, line i for account i, exactly
 * one line per account, none empty, none twice.  Each account needs its
 * own key because an "apikey" account (Basic with the literal user
 * "apikey") is found by its key alone.  KEYS[a] gets account a's key (the
 * caller's, secret_free it).  Dies naming the file and the line, never a
 * key.
 */
static void read_api_keys(const char *path, char **keys, size_t naccounts)
{
	struct buf b = BUF_INIT(API_KEY_FILE_MAX);
	if (secret_read_all(path, "--api-key-file", &b) < 0)
		exit(SOSR_EXIT_USAGE);
	if (b.len == 0)
		key_file_error(&b, path, 0, "empty");
	if (memchr(b.data, '\0', b.len))
		key_file_error(&b, path, 0, "not text (a NUL byte)");
	size_t nlines = 0;
	for (char *p = b.data, *end = b.data + b.len; p < end; nlines++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	if (nlines != naccounts) {
		char what[120];
		snprintf(what, sizeof what, "%zu key%s for %zu account%s", nlines, nlines == 1 ? "" : "s",
			 naccounts, naccounts == 1 ? "" : "s");
		key_file_error(&b, path, 0, what);
	}
	size_t line = 0;
	for (char *p = b.data, *end = b.data + b.len; p < end; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (len == 0 || len > SECRET_MAX_LEN) {
			for (size_t k = 0; k < line; k++)
				secret_free(keys[k]);
			key_file_error(&b, path, line + 1, len ? "a key longer than 64 KiB" : "empty");
		}
		keys[line] = xstrndup(p, len);
		for (size_t k = 0; k < line; k++)
			if (strcmp(keys[k], keys[line]) == 0) {
				char what[120];
				snprintf(what, sizeof what, "the same key as line %zu; each account needs its own", k + 1);
				for (size_t j = 0; j <= line; j++)
					secret_free(keys[j]);
				key_file_error(&b, path, line + 1, what);
			}
		p = nl ? nl + 1 : end;
	}
	memset(b.data, 0, b.len);
	buf_free(&b);
}

void estate_set_secrets(struct estate *e, const char *api_key_file, const char *sos_token_file)
{
	/* Derived from the seed: a simulator's secrets are not secret, but they
	 * are fresh per seed so that a test cannot pass by accident. */
	struct prng r = { e->seed ^ 0x5ec12e7ULL };
	char **keys = NULL;
	if (api_key_file) {
		keys = xcalloc(e->naccounts, sizeof *keys);
		read_api_keys(api_key_file, keys, e->naccounts);
	}
	for (size_t a = 0; a < e->naccounts; a++) {
		struct account *ac = &e->accounts[a];
		secret_free(ac->api_key);
		secret_free(ac->token);
		ac->api_key = keys ? keys[a] : hex_secret(&r, 32, "");
		ac->token = hex_secret(&r, 24, "sl-iam-");
	}
	free(keys);
	secret_free(e->sos_token);
	if (sos_token_file) {
		if (secret_from_file(sos_token_file, "--sos-token-file", &e->sos_token) != 0)
			exit(SOSR_EXIT_USAGE);
	} else {
		e->sos_token = hex_secret(&r, 24, "sos-");
	}
}

/* ---- write --------------------------------------------------------- */

/* An output file written to PATH.tmp and renamed into place when whole. */
struct outfile {
	FILE *fp;
	char *tmp, *path;
};

static void out_open(struct outfile *o, const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 8;
	o->path = xmalloc(n);
	o->tmp = xmalloc(n + 4);
	snprintf(o->path, n, "%s/%s", dir, name);
	snprintf(o->tmp, n + 4, "%s.tmp", o->path);
	o->fp = fopen(o->tmp, "wb");
	if (!o->fp)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create '%s'; check that the directory is writable", o->tmp);
	setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
}

static void out_commit(struct outfile *o)
{
	if (ferror(o->fp) | (fclose(o->fp) != 0))
		sosr_die_errno(SOSR_EXIT_IO, "cannot write '%s'; check free space", o->tmp);
	if (rename(o->tmp, o->path) != 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot rename '%s' to '%s'", o->tmp, o->path);
	free(o->tmp);
	free(o->path);
}

static void put_json_line(FILE *fp, const char *prefix, struct json_object *o, const char *suffix)
{
	fputs(prefix, fp);
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), fp);
	fputs(suffix, fp);
	json_object_put(o);
}

static void mkdir_p(const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create the directory '%s'", dir);
}

/* The estate's own files: what --estate DIR loads. */
static void write_model(const struct estate *e, const char *dir)
{
	struct json_object *meta = json_object_new_object();
	json_object_object_add(meta, "format", json_object_new_int(1));
	json_object_object_add(meta, "c_code", json_object_new_string(e->c_code));
	struct json_object *oc = json_object_new_array();
	for (size_t i = 0; i < e->n_other; i++)
		json_object_array_add(oc, json_object_new_string(e->other_c_codes[i]));
	json_object_object_add(meta, "other_c_codes", oc);
	char t[TU_UTC_LEN + 1];
	tu_format_utc(e->now, t);
	json_object_object_add(meta, "now", json_object_new_string(t));
	json_object_object_add(meta, "seed", json_object_new_int64((int64_t)e->seed));
	struct json_object *acs = json_object_new_array();
	for (size_t a = 0; a < e->naccounts; a++) {
		struct json_object *ac = json_object_new_object();
		json_object_object_add(ac, "id", json_object_new_string(e->accounts[a].id));
		json_object_object_add(ac, "username", json_object_new_string(e->accounts[a].username));
		json_object_object_add(ac, "auth", json_object_new_string(e->accounts[a].auth == AUTH_APIKEY ? "apikey" : "basic"));
		json_object_array_add(acs, ac);
	}
	json_object_object_add(meta, "accounts", acs);
	struct outfile of;
	out_open(&of, dir, "estate.json");
	put_json_line(of.fp, "", meta, "\n");
	out_commit(&of);

	out_open(&of, dir, "softlayer.ndjson");
	FILE *fp = of.fp;
	char ip[16];
	for (size_t i = 0; i < e->nsl; i++) {
		const struct sl_dev *d = &e->sl[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "account", json_object_new_string(e->accounts[d->account].id));
		json_object_object_add(o, "type", json_object_new_string(d->type == SL_HARDWARE ? "hardware" : "virtual_guest"));
		json_object_object_add(o, "id", json_object_new_int64(d->id));
		json_object_object_add(o, "hostname", d->hostname ? json_object_new_string(d->hostname) : NULL);
		json_object_object_add(o, "domain", json_object_new_string(d->domain));
		if (d->private_ip) {
			fmt_ip(d->private_ip, ip);
			json_object_object_add(o, "private_ip", json_object_new_string(ip));
		}
		if (d->public_ip) {
			fmt_ip(d->public_ip, ip);
			json_object_object_add(o, "public_ip", json_object_new_string(ip));
		}
		json_object_object_add(o, "datacenter", json_object_new_string(d->datacenter));
		if (d->serial)
			json_object_object_add(o, "serial", json_object_new_string(d->serial));
		json_object_object_add(o, "status", json_object_new_string(d->status));
		if (d->type == SL_GUEST)
			json_object_object_add(o, "power", json_object_new_string(d->halted ? "HALTED" : "RUNNING"));
		tu_format_utc(d->created, t);
		json_object_object_add(o, "created", json_object_new_string(t));
		put_json_line(fp, "", o, "\n");
	}
	for (size_t i = 0; i < e->nslv; i++) {
		const struct sl_vlan *v = &e->slv[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "account", json_object_new_string(e->accounts[v->account].id));
		json_object_object_add(o, "type", json_object_new_string("vlan"));
		json_object_object_add(o, "id", json_object_new_int64(v->id));
		json_object_object_add(o, "number", json_object_new_int(v->number));
		json_object_object_add(o, "router", json_object_new_string(v->router));
		json_object_object_add(o, "datacenter", json_object_new_string(v->datacenter));
		json_object_object_add(o, "space", json_object_new_string(v->space == SPACE_PUBLIC ? "PUBLIC" : "PRIVATE"));
		if (v->name)
			json_object_object_add(o, "name", json_object_new_string(v->name));
		put_json_line(fp, "", o, "\n");
	}
	out_commit(&of);

	out_open(&of, dir, "sos.ndjson");
	fp = of.fp;
	for (size_t i = 0; i < e->nsos; i++)
		put_json_line(fp, "{\"type\":\"device\",\"item\":", sos_device_json(e, (uint32_t)i), "}\n");
	for (size_t i = 0; i < e->nsosv; i++)
		put_json_line(fp, "{\"type\":\"vlan\",\"item\":", sos_vlan_json(e, (uint32_t)i), "}\n");
	out_commit(&of);
}

/* The raw streams exactly as the fetchers print them (FORMATS.md 1). */
static void write_raw(const struct estate *e, const char *dir)
{
	struct mask *full[3];
	for (int k = 0; k < 3; k++) {
		const char *err;
		full[k] = mask_parse(sl_full_mask[k], &err);
		if (!full[k])
			sosr_die(SOSR_EXIT_INTERNAL, "bug: the full object mask does not parse: %s", err);
	}
	struct outfile of;
	out_open(&of, dir, "softlayer.ndjson");
	FILE *fp = of.fp;
	struct buf pre = BUF_INIT(0);
	for (size_t a = 0; a < e->naccounts; a++) {
		const struct account *ac = &e->accounts[a];
		static const char *const tn[3] = { "hardware", "virtual_guest", "vlan" };
		const uint32_t *idx[3] = { ac->hw, ac->vg, ac->vl };
		size_t cnt[3] = { ac->nhw, ac->nvg, ac->nvl };
		for (int k = 0; k < 3; k++) {
			buf_reset(&pre);
			buf_addstr(&pre, "{\"source\":\"softlayer\",\"account\":");
			jsonw_str(&pre, ac->id, strlen(ac->id));
			buf_printf(&pre, ",\"type\":\"%s\",\"data\":", tn[k]);
			for (size_t i = 0; i < cnt[k]; i++) {
				struct json_object *o = k == 0 ? sl_hardware_json(e, idx[k][i], full[k])
					: k == 1 ? sl_guest_json(e, idx[k][i], full[k]) : sl_vlan_json(e, idx[k][i], full[k]);
				put_json_line(fp, pre.data, o, "}\n");
			}
		}
	}
	out_commit(&of);
	out_open(&of, dir, "sos.ndjson");
	fp = of.fp;
	buf_reset(&pre);
	buf_addstr(&pre, "{\"source\":\"sos\",\"c_code\":");
	jsonw_str(&pre, e->c_code, strlen(e->c_code));
	size_t mark = pre.len;
	buf_addstr(&pre, ",\"type\":\"device\",\"data\":");
	for (size_t i = 0; i < e->nsos; i++)
		put_json_line(fp, pre.data, sos_device_json(e, (uint32_t)i), "}\n");
	pre.len = mark;
	pre.data[mark] = '\0';
	buf_addstr(&pre, ",\"type\":\"vlan\",\"data\":");
	for (size_t i = 0; i < e->nsosv; i++)
		put_json_line(fp, pre.data, sos_vlan_json(e, (uint32_t)i), "}\n");
	out_commit(&of);
	buf_free(&pre);
	for (int k = 0; k < 3; k++)
		mask_free(full[k]);
}

void estate_write(const struct estate *e, const char *dir)
{
	mkdir_p(dir);
	size_t n = strlen(dir) + 8;
	char *raw = xmalloc(n);
	snprintf(raw, n, "%s/raw", dir);
	mkdir_p(raw);
	write_model(e, dir);
	write_raw(e, raw);
	free(raw);
}

/* ---- load ---------------------------------------------------------- */

struct loader {
	struct ndjson_reader rd;
	struct json_object *o;
};

static SOSR_NORETURN void load_fail(const struct ndjson_reader *rd, const char *what)
{
	sosr_die(SOSR_EXIT_DATA, "estate: %s:%lu: %s; check the estate file (see docs/SIMULATOR.md)",
		 rd->name, rd->lineno, what);
}

static const char *get_str(const struct ndjson_reader *rd, struct json_object *o, const char *k, int required)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null)) {
		if (required) {
			char m[128];
			snprintf(m, sizeof m, "missing \"%s\"", k);
			load_fail(rd, m);
		}
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		char m[128];
		snprintf(m, sizeof m, "\"%s\" is not a string", k);
		load_fail(rd, m);
	}
	return json_object_get_string(v);
}

static int64_t get_int(const struct ndjson_reader *rd, struct json_object *o, const char *k, int64_t min, int64_t max, int required)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null)) {
		if (required) {
			char m[128];
			snprintf(m, sizeof m, "missing \"%s\"", k);
			load_fail(rd, m);
		}
		return 0;
	}
	int64_t x = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || x < min || x > max) {
		char m[160];
		snprintf(m, sizeof m, "\"%s\" is not a whole number in %lld..%lld", k, (long long)min, (long long)max);
		load_fail(rd, m);
	}
	return x;
}

static uint32_t get_ip(const struct ndjson_reader *rd, struct json_object *o, const char *k)
{
	const char *s = get_str(rd, o, k, 0);
	uint32_t ip = 0;
	if (s && parse_ip(s, &ip) != 0) {
		char m[128];
		snprintf(m, sizeof m, "\"%s\" is not an IPv4 address", k);
		load_fail(rd, m);
	}
	return ip;
}

static int64_t get_time(const struct ndjson_reader *rd, struct json_object *o, const char *k)
{
	const char *s = get_str(rd, o, k, 1);
	int64_t t;
	if (tu_parse_rfc3339(s, strlen(s), &t) != 0) {
		char m[128];
		snprintf(m, sizeof m, "\"%s\" is not an RFC 3339 time", k);
		load_fail(rd, m);
	}
	return t;
}

/* The index of the value of K in the NULL-terminated list V (-1 when
 * absent and optional); anything else is an error naming the values. */
static const char *const spaces[] = { "PRIVATE", "PUBLIC", NULL };
static const char *const powers[] = { "RUNNING", "HALTED", NULL };
static const char *const device_types[] = { "Virtual Server", "Bare Metal", NULL };
static const char *const statuses[] = { "Live", "Build", "Available", NULL }; /* enum sos_status */

static int get_enum(const struct ndjson_reader *rd, struct json_object *o, const char *k, const char *const *v,
		    int required)
{
	const char *s = get_str(rd, o, k, required);
	if (!s)
		return -1;
	struct buf m = BUF_INIT(0);
	for (int i = 0; v[i]; i++) {
		if (strcmp(s, v[i]) == 0) {
			buf_free(&m);
			return i;
		}
		buf_printf(&m, "%s\"%s\"", i ? ", " : "", v[i]);
	}
	char msg[256];
	snprintf(msg, sizeof msg, "\"%s\" must be one of %s", k, m.data);
	buf_free(&m);
	load_fail(rd, msg);
}

#define GROW(arr, n, cap) do { if ((n) == (cap)) { (cap) = (cap) ? (cap) * 2 : 1024; \
	(arr) = xrealloc((arr), (cap) * sizeof *(arr)); } } while (0)

static int account_index(const struct estate *e, const char *id)
{
	for (size_t a = 0; a < e->naccounts; a++)
		if (strcmp(e->accounts[a].id, id) == 0)
			return (int)a;
	return -1;
}

void estate_load(struct estate *e, const char *dir)
{
	memset(e, 0, sizeof *e);
	size_t n = strlen(dir) + 32;
	char *path = xmalloc(n);
	struct ndjson_reader rd;
	char *line;
	size_t len;

	snprintf(path, n, "%s/estate.json", dir);
	if (ndjson_open(&rd, path, NDJSON_DEFAULT_MAX_LINE) != 0)
		sosr_die(SOSR_EXIT_IO, "estate: %s: %s; check --estate (a directory written by --write-estate)", path, rd.err);
	int rc = ndjson_next(&rd, &line, &len);
	if (rc < 0)
		ndjson_die(&rd);
	if (rc == 0)
		load_fail(&rd, "empty file");
	struct json_object *meta = ndjson_parse(&rd, line, len);
	if (!meta)
		ndjson_die(&rd);
	if (get_int(&rd, meta, "format", 1, 1, 1) != 1)
		load_fail(&rd, "unknown format");
	e->c_code = xstrdup(get_str(&rd, meta, "c_code", 1));
	const char *now = get_str(&rd, meta, "now", 1);
	if (tu_parse_rfc3339(now, strlen(now), &e->now) != 0)
		load_fail(&rd, "\"now\" is not an RFC 3339 time");
	e->seed = (uint64_t)get_int(&rd, meta, "seed", 0, INT64_MAX, 0);
	struct json_object *oc, *acs;
	if (json_object_object_get_ex(meta, "other_c_codes", &oc) && json_object_is_type(oc, json_type_array)) {
		e->n_other = json_object_array_length(oc);
		e->other_c_codes = xcalloc(e->n_other + 1, sizeof *e->other_c_codes);
		for (size_t i = 0; i < e->n_other; i++)
			e->other_c_codes[i] = xstrdup(json_object_get_string(json_object_array_get_idx(oc, i)));
	}
	if (!json_object_object_get_ex(meta, "accounts", &acs) || !json_object_is_type(acs, json_type_array) ||
	    json_object_array_length(acs) == 0 || json_object_array_length(acs) > 65535)
		load_fail(&rd, "\"accounts\" must be an array of 1 to 65535 accounts");
	e->naccounts = json_object_array_length(acs);
	e->accounts = xcalloc(e->naccounts, sizeof *e->accounts);
	for (size_t a = 0; a < e->naccounts; a++) {
		struct json_object *ac = json_object_array_get_idx(acs, a);
		if (!json_object_is_type(ac, json_type_object))
			load_fail(&rd, "an account is not an object");
		e->accounts[a].id = xstrdup(get_str(&rd, ac, "id", 1));
		e->accounts[a].username = xstrdup(get_str(&rd, ac, "username", 1));
		const char *au = get_str(&rd, ac, "auth", 0);
		e->accounts[a].auth = au && strcmp(au, "apikey") == 0 ? AUTH_APIKEY : AUTH_BASIC;
		if (account_index(e, e->accounts[a].id) != (int)a)
			load_fail(&rd, "two accounts have the same id");
	}
	json_object_put(meta);
	ndjson_close(&rd);

	size_t cap_sl = 0, cap_slv = 0, cap_sos = 0, cap_sosv = 0;
	snprintf(path, n, "%s/softlayer.ndjson", dir);
	if (ndjson_open(&rd, path, NDJSON_DEFAULT_MAX_LINE) != 0)
		sosr_die(SOSR_EXIT_IO, "estate: %s: %s; check --estate (a directory written by --write-estate)", path, rd.err);
	while ((rc = ndjson_next(&rd, &line, &len)) > 0) {
		struct json_object *o = ndjson_parse(&rd, line, len);
		if (!o)
			ndjson_die(&rd);
		int a = account_index(e, get_str(&rd, o, "account", 1));
		if (a < 0)
			load_fail(&rd, "\"account\" is not in estate.json");
		const char *type = get_str(&rd, o, "type", 1);
		if (strcmp(type, "vlan") == 0) {
			GROW(e->slv, e->nslv, cap_slv);
			struct sl_vlan *v = &e->slv[e->nslv++];
			memset(v, 0, sizeof *v);
			v->account = (uint16_t)a;
			v->id = (uint32_t)get_int(&rd, o, "id", 1, UINT32_MAX, 1);
			v->number = (uint16_t)get_int(&rd, o, "number", 1, 4095, 1);
			v->router = estate_intern(e, get_str(&rd, o, "router", 1));
			v->datacenter = estate_intern(e, get_str(&rd, o, "datacenter", 1));
			v->space = (uint8_t)get_enum(&rd, o, "space", spaces, 1);
			const char *nm = get_str(&rd, o, "name", 0);
			v->name = nm ? xstrdup(nm) : NULL;
		} else if (strcmp(type, "hardware") == 0 || strcmp(type, "virtual_guest") == 0) {
			GROW(e->sl, e->nsl, cap_sl);
			struct sl_dev *d = &e->sl[e->nsl++];
			memset(d, 0, sizeof *d);
			d->account = (uint16_t)a;
			d->type = type[0] == 'h' ? SL_HARDWARE : SL_GUEST;
			d->id = (uint32_t)get_int(&rd, o, "id", 1, UINT32_MAX, 1);
			const char *h = get_str(&rd, o, "hostname", 0);
			d->hostname = h ? xstrdup(h) : NULL;
			d->domain = estate_intern(e, get_str(&rd, o, "domain", 1));
			d->private_ip = get_ip(&rd, o, "private_ip");
			d->public_ip = get_ip(&rd, o, "public_ip");
			d->datacenter = estate_intern(e, get_str(&rd, o, "datacenter", 1));
			const char *se = get_str(&rd, o, "serial", 0);
			d->serial = se ? xstrdup(se) : NULL;
			d->status = estate_intern(e, get_str(&rd, o, "status", 1));
			d->halted = get_enum(&rd, o, "power", powers, 0) == 1;
			d->created = get_time(&rd, o, "created");
		} else {
			load_fail(&rd, "\"type\" is not hardware, virtual_guest or vlan");
		}
		json_object_put(o);
	}
	if (rc < 0)
		ndjson_die(&rd);
	ndjson_close(&rd);

	snprintf(path, n, "%s/sos.ndjson", dir);
	if (ndjson_open(&rd, path, NDJSON_DEFAULT_MAX_LINE) != 0)
		sosr_die(SOSR_EXIT_IO, "estate: %s: %s; check --estate (a directory written by --write-estate)", path, rd.err);
	while ((rc = ndjson_next(&rd, &line, &len)) > 0) {
		struct json_object *o = ndjson_parse(&rd, line, len), *it;
		if (!o)
			ndjson_die(&rd);
		const char *type = get_str(&rd, o, "type", 1);
		if (!json_object_object_get_ex(o, "item", &it) || !json_object_is_type(it, json_type_object))
			load_fail(&rd, "missing \"item\" object");
		if (strcmp(type, "device") == 0) {
			GROW(e->sos, e->nsos, cap_sos);
			struct sos_dev *d = &e->sos[e->nsos++];
			memset(d, 0, sizeof *d);
			const char *s;
			d->hostname = (s = get_str(&rd, it, "hostname", 0)) ? xstrdup(s) : NULL;
			d->domain = (s = get_str(&rd, it, "domain", 0)) ? estate_intern(e, s) : NULL;
			d->ip_address = get_ip(&rd, it, "ip_address");
			d->public_ip = get_ip(&rd, it, "public_ip");
			d->datacenter = (s = get_str(&rd, it, "datacenter", 0)) ? estate_intern(e, s) : NULL;
			d->serial = (s = get_str(&rd, it, "serial", 0)) ? xstrdup(s) : NULL;
			d->softlayer_id = (uint32_t)get_int(&rd, it, "softlayer_id", 1, UINT32_MAX, 0);
			d->bare_metal = get_enum(&rd, it, "device_type", device_types, 1) == 1;
			d->application = (s = get_str(&rd, it, "application", 0)) ? estate_intern(e, s) : NULL;
			d->environment = (s = get_str(&rd, it, "environment", 0)) ? estate_intern(e, s) : NULL;
			d->status = (uint8_t)get_enum(&rd, it, "status", statuses, 1);
			d->updated = get_time(&rd, it, "updated");
		} else if (strcmp(type, "vlan") == 0) {
			GROW(e->sosv, e->nsosv, cap_sosv);
			struct sos_vlan *v = &e->sosv[e->nsosv++];
			memset(v, 0, sizeof *v);
			const char *s;
			v->vlan_id = (uint32_t)get_int(&rd, it, "vlan_id", 1, UINT32_MAX, 0);
			v->vlan_number = (uint16_t)get_int(&rd, it, "vlan_number", 1, 4095, 1);
			v->router = estate_intern(e, get_str(&rd, it, "router", 1));
			v->datacenter = (s = get_str(&rd, it, "datacenter", 0)) ? estate_intern(e, s) : NULL;
			v->space = (uint8_t)get_enum(&rd, it, "network_space", spaces, 1);
			v->name = (s = get_str(&rd, it, "name", 0)) ? xstrdup(s) : NULL;
			v->scan_zone = (s = get_str(&rd, it, "scan_zone", 0)) ? estate_intern(e, s) : NULL;
		} else {
			load_fail(&rd, "\"type\" is not device or vlan");
		}
		json_object_put(o);
	}
	if (rc < 0)
		ndjson_die(&rd);
	ndjson_close(&rd);
	free(path);
	build_indexes(e);
}

void estate_free(struct estate *e)
{
	for (size_t a = 0; a < e->naccounts; a++) {
		struct account *ac = &e->accounts[a];
		free(ac->id);
		free(ac->username);
		secret_free(ac->api_key);
		secret_free(ac->token);
		free(ac->hw);
		free(ac->vg);
		free(ac->vl);
	}
	free(e->accounts);
	for (size_t i = 0; i < e->nsl; i++) {
		free(e->sl[i].hostname);
		free(e->sl[i].serial);
	}
	free(e->sl);
	for (size_t i = 0; i < e->nslv; i++)
		free(e->slv[i].name);
	free(e->slv);
	for (size_t i = 0; i < e->nsos; i++) {
		free(e->sos[i].hostname);
		free(e->sos[i].serial);
	}
	free(e->sos);
	for (size_t i = 0; i < e->nsosv; i++)
		free(e->sosv[i].name);
	free(e->sosv);
	for (size_t i = 0; i < e->n_other; i++)
		free(e->other_c_codes[i]);
	free(e->other_c_codes);
	free(e->c_code);
	secret_free(e->sos_token);
	if (e->pool) {
		for (size_t i = 0; i < e->pool->cap; i++)
			free(e->pool->slot[i]);
		free(e->pool->slot);
		free(e->pool);
	}
	memset(e, 0, sizeof *e);
}
