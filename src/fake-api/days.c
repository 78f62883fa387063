/*
 * days.c - the days after day 0 (--day N, --drop-day): the estate as it
 * changes between one daily run and the next, so that a test can run a
 * week of daily reconciliations and check what sosr-track makes of them.
 *
 * Day 0 is the generated estate (generate.c), made for the time N days
 * before --now; each day after it is the day before changed by one step,
 * drawn from a PRNG seeded by the seed and the day alone, so day N is the
 * same whichever later day is asked for, and costs N steps.  A step does,
 * in this order (docs/SIMULATOR.md, "Days"):
 *   1. SOS registers devices still in their grace period (pending);
 *   2. some findings are fixed;
 *   3. some fixed on an earlier day come back (sosr-track: REOPENED);
 *   4. some mismatches change their values and stay the same finding;
 *   5. new findings are planted on clean devices and VLANs;
 *   6. devices and VLANs are decommissioned and new ones provisioned, on
 *      both sides;
 *   7. on the drop day, a share of one side's devices or VLANs goes at once.
 *
 * What to fix or break comes from the simulator's own knowledge of its
 * plants, a registry of them built from day 0 (classified by the SoftLayer
 * ids that SOS records and generation links them by) and kept up to date
 * by every step.  The truth of each day is not taken from the registry:
 * truth.c computes it from the estate, as for day 0, and lifecycle.c the
 * lifecycle from those truths.
 *
 * A record that leaves the estate is marked gone and stays in its array,
 * so that the registry's indexes stay valid (a fixed stale record comes
 * back by being unmarked); the caller compacts the estate at the end.
 * A step costs what it changes, a pass over the registry and a count of
 * the estate: the estate is never copied or sorted, so a million devices
 * stay seconds.
 */
#include "estate.h"
#include "rng.h"
#include "err.h"
#include "exitcodes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_SECONDS 86400
#define GRACE_SECONDS (48 * 3600)
#define NONE UINT32_MAX
/* SoftLayer's hardware ids are numbered from 1.1 million, its guests' from
 * 50 million (generate.c); the two never meet. */
#define GUEST_IDS 50000000u

/* What the registry knows is wrong with a device, a VLAN or an SOS record. */
enum pkind {
	K_MISSING_SOS,          /* a SoftLayer device with no SOS record (pending while young) */
	K_MISMATCH_PRIV, K_MISMATCH_PUB, K_MISMATCH_DC,
	K_DUP,                  /* SOS has a second record of the device */
	K_UNIDENTIFIED,         /* a SoftLayer device without a hostname, no SOS record */
	K_STALE,                /* an SOS-only Live record */
	KV_MISSING_SOS, KV_MISMATCH_DC, KV_MISMATCH_SPACE,
	KV_STALE,               /* an SOS-only VLAN */
	K_N
};
/* Relative weights of the kinds a step plants, as generate.c's. */
static const double plant_weight[K_N] = {
	[K_MISSING_SOS] = 3, [K_MISMATCH_PRIV] = 2, [K_MISMATCH_PUB] = 1, [K_MISMATCH_DC] = 1,
	[K_DUP] = 1, [K_UNIDENTIFIED] = 0.5, [K_STALE] = 2,
	[KV_MISSING_SOS] = 2, [KV_MISMATCH_DC] = 1, [KV_MISMATCH_SPACE] = 1, [KV_STALE] = 2,
};

enum pstate { PS_OPEN, PS_FIXED, PS_GONE };

struct plant {
	uint8_t kind, state;
	int touched;            /* the last day it was planted, fixed, broken again or changed */
	uint32_t sl;            /* SoftLayer device or VLAN; NONE for K_STALE, KV_STALE */
	uint32_t sos;           /* K_DUP: the second record; K_STALE, KV_STALE: the record */
};

/* (router, VLAN number) pairs in use, so a new VLAN gets a free number. */
struct vset {
	uint64_t *slot;         /* 0: empty */
	size_t cap, n;
};

struct days {
	struct estate *e;
	struct prng r;
	int day;
	double drift;
	struct plant *p;
	size_t np, capp;
	/* per SoftLayer device and VLAN: its SOS record and its plant (NONE) */
	uint32_t *sl_sos, *sl_plant, *slv_sos, *slv_plant;
	size_t cap_sl, cap_slv, cap_sos, cap_sosv;
	uint32_t next_id[2];    /* hardware, guests */
	uint32_t next_vid;
	uint32_t next_ip;       /* the counter of generate.c's private addresses */
	unsigned names;         /* hostnames made today */
	const char *domains[2];
	size_t routers_per;
	struct vset used;
	/* SoftLayer devices whose hostname changed today (truth.c's cache) */
	uint32_t *rekeyed;
	size_t nrekeyed, caprekeyed;
};

/* ---- small helpers ------------------------------------------------- */

static int chance(struct days *s, double p)
{
	return prng_unit(&s->r) < p;
}

/* SHARE of N rounded up: a step changes at least one of anything there is. */
static size_t share_of(size_t n, double share)
{
	if (!n)
		return 0;
	size_t k = (size_t)((double)n * share + 0.999999);
	return k ? k : 1;
}

/* Make room for NEED items in V (CAP of them now), doubling. */
#define GROW(v, cap, need)                                              \
	do {                                                            \
		if ((need) > (cap)) {                                   \
			size_t c_ = (cap) ? (cap) : 64;                 \
			while (c_ < (need))                             \
				c_ *= 2;                                \
			(v) = xrealloc((v), c_ * sizeof *(v));          \
			(cap) = c_;                                     \
		}                                                       \
	} while (0)

static uint64_t hash_router(const char *router, unsigned number)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *c = router; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	h = mix64(h ^ number);
	return h ? h : 1;
}

/* Whether (ROUTER, NUMBER) is taken, and take it.  Two pairs with one hash
 * count as one: a free number may be passed over, a taken one never given. */
static int vset_take(struct vset *v, const char *router, unsigned number)
{
	if (v->n * 2 >= v->cap) {
		size_t ncap = v->cap ? v->cap * 2 : 1024;
		uint64_t *ns = xcalloc(ncap, sizeof *ns);
		for (size_t i = 0; i < v->cap; i++)
			if (v->slot[i]) {
				size_t j = v->slot[i] & (ncap - 1);
				while (ns[j])
					j = (j + 1) & (ncap - 1);
				ns[j] = v->slot[i];
			}
		free(v->slot);
		v->slot = ns;
		v->cap = ncap;
	}
	uint64_t h = hash_router(router, number);
	size_t j = h & (v->cap - 1);
	while (v->slot[j]) {
		if (v->slot[j] == h)
			return 0;
		j = (j + 1) & (v->cap - 1);
	}
	v->slot[j] = h;
	v->n++;
	return 1;
}

/* ---- records -------------------------------------------------------- */

/* Device I's hostname changes: truth.c keys it again. */
static void rekey(struct days *s, uint32_t i)
{
	GROW(s->rekeyed, s->caprekeyed, s->nrekeyed + 1);
	s->rekeyed[s->nrekeyed++] = i;
}

static uint32_t add_plant(struct days *s, int kind, uint32_t sl, uint32_t sos)
{
	GROW(s->p, s->capp, s->np + 1);
	s->p[s->np] = (struct plant){ (uint8_t)kind, PS_OPEN, s->day, sl, sos };
	if (sl != NONE) {
		if (kind < KV_MISSING_SOS)
			s->sl_plant[sl] = (uint32_t)s->np;
		else
			s->slv_plant[sl] = (uint32_t)s->np;
	}
	return (uint32_t)s->np++;
}

static uint32_t new_sos(struct days *s)
{
	struct estate *e = s->e;
	GROW(e->sos, s->cap_sos, e->nsos + 1);
	memset(&e->sos[e->nsos], 0, sizeof *e->sos);
	return (uint32_t)e->nsos++;
}

static uint32_t new_sosv(struct days *s)
{
	struct estate *e = s->e;
	GROW(e->sosv, s->cap_sosv, e->nsosv + 1);
	memset(&e->sosv[e->nsosv], 0, sizeof *e->sosv);
	return (uint32_t)e->nsosv++;
}

/* SOS registers SoftLayer device I (at today's time): its record. */
static uint32_t register_device(struct days *s, uint32_t i)
{
	uint32_t j = new_sos(s);
	gen_sos_from_sl(s->e, &s->e->sos[j], &s->e->sl[i], &s->r);
	s->sl_sos[i] = j;
	return j;
}

static void register_vlan(struct days *s, uint32_t i)
{
	struct estate *e = s->e;
	uint32_t j = new_sosv(s);
	const struct sl_vlan *v = &e->slv[i];
	struct sos_vlan *o = &e->sosv[j];
	o->vlan_id = v->id;
	o->vlan_number = v->number;
	o->space = v->space;
	o->router = v->router;
	o->datacenter = v->datacenter;
	o->name = v->name ? xstrdup(v->name) : NULL;
	o->scan_zone = gen_scan_zone(e, o->datacenter, o->space);
	s->slv_sos[i] = j;
}

static void unregister_device(struct days *s, uint32_t i)
{
	if (s->sl_sos[i] != NONE)
		s->e->sos[s->sl_sos[i]].gone = 1;
	s->sl_sos[i] = NONE;
}

static void unregister_vlan(struct days *s, uint32_t i)
{
	if (s->slv_sos[i] != NONE)
		s->e->sosv[s->slv_sos[i]].gone = 1;
	s->slv_sos[i] = NONE;
}

/* A hostname no day has used: the role names of generate.c with the day
 * and a counter ("web-d3-007", "bm-dal10-d3-012"), which the generated
 * names ("web07", "bm-dal10-004") never take. */
static char *day_hostname(struct days *s, int hw, const char *dc)
{
	/* the role, and whether its names carry the datacenter */
	static const struct { const char *role; int dc; } roles[2][4] = {
		{ { "web", 0 }, { "api", 1 }, { "kube", 1 }, { "mq", 0 } },
		{ { "db", 0 }, { "etcd", 0 }, { "bm", 1 }, { "kube", 1 } },
	};
	int k = (int)prng_below(&s->r, 4);
	char name[96];
	snprintf(name, sizeof name, "%s%s%s-d%d-%03u", roles[hw != 0][k].role, roles[hw != 0][k].dc ? "-" : "",
		 roles[hw != 0][k].dc ? dc : "", s->day, ++s->names);
	return xstrdup(name);
}

/* A private address of generate.c's bijection of a counter onto 10/8. */
static uint32_t next_private_ip(struct days *s)
{
	return (10u << 24) | (uint32_t)(((uint64_t)(++s->next_ip) * 7919u) & 0xffffff);
}

/* A new SoftLayer device, provisioned 1-24 h before today's time (so
 * pending until SOS registers it, like generate.c's young devices). */
static uint32_t provision_device(struct days *s)
{
	struct estate *e = s->e;
	size_t was = s->cap_sl;
	GROW(e->sl, s->cap_sl, e->nsl + 1);
	if (s->cap_sl != was) {
		s->sl_sos = xrealloc(s->sl_sos, s->cap_sl * sizeof *s->sl_sos);
		s->sl_plant = xrealloc(s->sl_plant, s->cap_sl * sizeof *s->sl_plant);
	}
	uint32_t i = (uint32_t)e->nsl++;
	struct sl_dev *d = &e->sl[i];
	memset(d, 0, sizeof *d);
	s->sl_sos[i] = s->sl_plant[i] = NONE;
	int hw = prng_below(&s->r, 10) < 3;
	d->type = hw ? SL_HARDWARE : SL_GUEST;
	d->id = s->next_id[!hw];
	s->next_id[!hw] += 1 + (uint32_t)prng_below(&s->r, 40);
	d->account = (uint16_t)prng_below(&s->r, e->naccounts);
	d->datacenter = estate_intern(e, gen_datacenters[prng_below(&s->r, gen_ndatacenters)]);
	d->domain = s->domains[prng_below(&s->r, 10) == 0];
	d->hostname = day_hostname(s, hw, d->datacenter);
	d->status = estate_intern(e, "ACTIVE");
	d->halted = !hw && prng_below(&s->r, 20) == 0;
	d->serial = hw ? sl_serial_number(e->seed, d->id) : NULL;
	d->private_ip = next_private_ip(s);
	d->public_ip = prng_below(&s->r, 4) == 0 ? 0 : gen_public_ip(&s->r);
	d->created = e->now - 3600 - (int64_t)prng_below(&s->r, 23 * 3600);
	return i;
}

/* A new SOS-only Live record (a stale registration): a ghost device as
 * generate.c makes them. */
static uint32_t stale_record(struct days *s)
{
	struct estate *e = s->e;
	struct sl_dev ghost = { 0 };
	int hw = prng_below(&s->r, 2) == 0;
	ghost.type = hw ? SL_HARDWARE : SL_GUEST;
	ghost.id = s->next_id[!hw]++;
	ghost.datacenter = estate_intern(e, gen_datacenters[prng_below(&s->r, gen_ndatacenters)]);
	ghost.domain = s->domains[0];
	ghost.hostname = day_hostname(s, hw, ghost.datacenter);
	ghost.serial = hw ? sl_serial_number(e->seed, ghost.id) : NULL;
	ghost.private_ip = (10u << 24) | (0xfd0000u + (uint32_t)prng_below(&s->r, 65536));
	ghost.created = e->now - 30 * DAY_SECONDS;
	uint32_t j = new_sos(s);
	struct sos_dev *o = &e->sos[j];
	gen_sos_from_sl(e, o, &ghost, &s->r);
	o->status = SOS_LIVE;
	if (prng_below(&s->r, 3) == 0)
		o->softlayer_id = 0;
	free(ghost.hostname);
	free(ghost.serial);
	return j;
}

/* A new SoftLayer VLAN on a free (router, number); NONE when the routers
 * of the draw are full (the day then has one VLAN less). */
static uint32_t provision_vlan(struct days *s)
{
	struct estate *e = s->e;
	size_t dci = prng_below(&s->r, gen_ndatacenters);
	int pub = prng_below(&s->r, 3) == 0;
	size_t ri = prng_below(&s->r, s->routers_per);
	char router[64];
	unsigned number = 0;
	int found = 0;
	for (int tries = 0; tries < 256 && !found; tries++) {
		if (tries && tries % 32 == 0)
			ri = (ri + 1) % s->routers_per;
		snprintf(router, sizeof router, "%ccr%02zua.%s", pub ? 'f' : 'b', ri + 1, gen_datacenters[dci]);
		number = 800 + (unsigned)prng_below(&s->r, 3200);
		found = vset_take(&s->used, router, number);
	}
	if (!found)
		return NONE;
	size_t was = s->cap_slv;
	GROW(e->slv, s->cap_slv, e->nslv + 1);
	if (s->cap_slv != was) {
		s->slv_sos = xrealloc(s->slv_sos, s->cap_slv * sizeof *s->slv_sos);
		s->slv_plant = xrealloc(s->slv_plant, s->cap_slv * sizeof *s->slv_plant);
	}
	uint32_t i = (uint32_t)e->nslv++;
	const char *name = gen_vlan_names[pub][prng_below(&s->r, 4)];
	e->slv[i] = (struct sl_vlan){
		.id = s->next_vid, .account = (uint16_t)prng_below(&s->r, e->naccounts),
		.number = (uint16_t)number, .space = pub ? SPACE_PUBLIC : SPACE_PRIVATE,
		.router = estate_intern(e, router), .datacenter = estate_intern(e, gen_datacenters[dci]),
		.name = name ? xstrdup(name) : NULL,
	};
	s->next_vid += 1 + (uint32_t)prng_below(&s->r, 20);
	s->slv_sos[i] = s->slv_plant[i] = NONE;
	return i;
}

/* An SOS-only VLAN on a free (router, number). */
static void stale_vlan(struct days *s)
{
	uint32_t i = provision_vlan(s);
	if (i == NONE)
		return;
	/* made as a SoftLayer VLAN, registered, and the SoftLayer side gone:
	 * what a VLAN cancelled in SoftLayer and kept by SOS looks like */
	register_vlan(s, i);
	s->e->slv[i].gone = 1;
	uint32_t j = s->slv_sos[i];
	s->slv_sos[i] = NONE;
	add_plant(s, KV_STALE, NONE, j);
}

/* ---- wrong values ---------------------------------------------------- */

static const char *upper_dc(struct estate *e, const char *dc)
{
	char *u = gen_upper(dc);
	const char *r = estate_intern(e, u);
	free(u);
	return r;
}

/* A datacenter other than A and B (either may be NULL). */
static const char *other_dc(struct days *s, const char *a, const char *b)
{
	size_t k = prng_below(&s->r, gen_ndatacenters);
	for (size_t n = 0; n < gen_ndatacenters; n++, k = (k + 1) % gen_ndatacenters) {
		const char *dc = gen_datacenters[k];
		if ((!a || strcasecmp(dc, a) != 0) && (!b || strcasecmp(dc, b) != 0))
			return dc;
	}
	return "dal10";
}

/* Make the field of plant P's device wrong in SOS, with a value it has not
 * today (so a change of value is seen as one). */
static void break_field(struct days *s, const struct plant *p)
{
	struct estate *e = s->e;
	if (p->kind >= KV_MISSING_SOS) {
		const struct sl_vlan *v = &e->slv[p->sl];
		struct sos_vlan *o = &e->sosv[s->slv_sos[p->sl]];
		if (p->kind == KV_MISMATCH_DC)
			o->datacenter = estate_intern(e, other_dc(s, v->datacenter, o->datacenter));
		else
			o->space = !v->space;
		o->scan_zone = gen_scan_zone(e, o->datacenter, o->space);
		return;
	}
	const struct sl_dev *d = &e->sl[p->sl];
	struct sos_dev *o = &e->sos[s->sl_sos[p->sl]];
	uint32_t was;
	switch (p->kind) {
	case K_MISMATCH_PRIV:
		was = o->ip_address;
		o->ip_address = (10u << 24) | (0xff0000u + (uint32_t)prng_below(&s->r, 65536));
		while (o->ip_address == d->private_ip || o->ip_address == was)
			o->ip_address ^= 1 + (o->ip_address == was);
		break;
	case K_MISMATCH_PUB:
		was = o->public_ip;
		o->public_ip = gen_public_ip(&s->r);
		while (o->public_ip == d->public_ip || o->public_ip == was)
			o->public_ip ^= 1 + (o->public_ip == was);
		break;
	default:
		o->datacenter = upper_dc(e, other_dc(s, d->datacenter, o->datacenter));
		break;
	}
}

static void mend_field(struct days *s, const struct plant *p)
{
	struct estate *e = s->e;
	if (p->kind >= KV_MISSING_SOS) {
		const struct sl_vlan *v = &e->slv[p->sl];
		struct sos_vlan *o = &e->sosv[s->slv_sos[p->sl]];
		o->datacenter = v->datacenter;
		o->space = v->space;
		o->scan_zone = gen_scan_zone(e, o->datacenter, o->space);
		return;
	}
	const struct sl_dev *d = &e->sl[p->sl];
	struct sos_dev *o = &e->sos[s->sl_sos[p->sl]];
	o->ip_address = d->private_ip;
	o->public_ip = d->public_ip;
	o->datacenter = upper_dc(e, d->datacenter);
	o->updated = e->now;
}

/* ---- fix, break again, plant ---------------------------------------- */

static int is_mismatch(int kind)
{
	return (kind >= K_MISMATCH_PRIV && kind <= K_MISMATCH_DC) || kind == KV_MISMATCH_DC ||
	       kind == KV_MISMATCH_SPACE;
}

/* The finding of plant P goes away, the way an operator would fix it. */
static void fix(struct days *s, struct plant *p)
{
	struct estate *e = s->e;
	switch (p->kind) {
	case K_MISSING_SOS:
		register_device(s, p->sl);
		break;
	case K_DUP:
		e->sos[p->sos].gone = 1;
		break;
	case K_UNIDENTIFIED: {
		struct sl_dev *d = &e->sl[p->sl];
		d->hostname = day_hostname(s, d->type == SL_HARDWARE, d->datacenter);
		rekey(s, p->sl);
		register_device(s, p->sl);
		break;
	}
	case K_STALE:
		e->sos[p->sos].gone = 1;
		break;
	case KV_MISSING_SOS:
		register_vlan(s, p->sl);
		break;
	case KV_STALE:
		e->sosv[p->sos].gone = 1;
		break;
	default:
		mend_field(s, p);
		break;
	}
	p->state = PS_FIXED;
	p->touched = s->day;
}

/* A fixed finding comes back, as the same finding (same key, type, side):
 * the record removed again, the duplicate or the stale registration
 * restored, the field wrong again. */
static void rebreak(struct days *s, struct plant *p)
{
	struct estate *e = s->e;
	switch (p->kind) {
	case K_MISSING_SOS:
		unregister_device(s, p->sl);
		break;
	case K_DUP:
		e->sos[p->sos].gone = 0;
		break;
	case K_UNIDENTIFIED:
		free(e->sl[p->sl].hostname);
		e->sl[p->sl].hostname = NULL;
		rekey(s, p->sl);
		unregister_device(s, p->sl);
		break;
	case K_STALE:
		e->sos[p->sos].gone = 0;
		break;
	case KV_MISSING_SOS:
		unregister_vlan(s, p->sl);
		break;
	case KV_STALE:
		e->sosv[p->sos].gone = 0;
		break;
	default:
		break_field(s, p);
		break;
	}
	p->state = PS_OPEN;
	p->touched = s->day;
}

/* A clean, registered, alive device (or VLAN) at random; NONE after a
 * bounded search (an estate with few clean ones plants less). */
static uint32_t clean_device(struct days *s)
{
	struct estate *e = s->e;
	for (int tries = 0; e->nsl && tries < 64; tries++) {
		uint32_t i = (uint32_t)prng_below(&s->r, e->nsl);
		if (!e->sl[i].gone && e->sl[i].hostname && s->sl_plant[i] == NONE && s->sl_sos[i] != NONE)
			return i;
	}
	return NONE;
}

static uint32_t clean_vlan(struct days *s)
{
	struct estate *e = s->e;
	for (int tries = 0; e->nslv && tries < 64; tries++) {
		uint32_t i = (uint32_t)prng_below(&s->r, e->nslv);
		if (!e->slv[i].gone && s->slv_plant[i] == NONE && s->slv_sos[i] != NONE)
			return i;
	}
	return NONE;
}

static int draw_kind(struct days *s, int from, int to)
{
	double sum = 0;
	for (int k = from; k < to; k++)
		sum += plant_weight[k];
	double x = prng_unit(&s->r) * sum;
	for (int k = from; k < to - 1; k++) {
		if (x < plant_weight[k])
			return k;
		x -= plant_weight[k];
	}
	return to - 1;
}

static void plant_device(struct days *s)
{
	struct estate *e = s->e;
	int kind = draw_kind(s, K_MISSING_SOS, KV_MISSING_SOS);
	if (kind == K_STALE) {
		add_plant(s, K_STALE, NONE, stale_record(s));
		return;
	}
	uint32_t i = clean_device(s);
	if (i == NONE)
		return;
	uint32_t p = add_plant(s, kind, i, NONE);
	switch (kind) {
	case K_MISSING_SOS:
		unregister_device(s, i);
		break;
	case K_DUP: {
		/* the same machine registered twice: a second record */
		uint32_t j = new_sos(s);
		gen_sos_from_sl(e, &e->sos[j], &e->sl[i], &s->r);
		e->sos[j].ip_address = (10u << 24) | (0xfe0000u + (uint32_t)prng_below(&s->r, 65536));
		s->p[p].sos = j;
		break;
	}
	case K_UNIDENTIFIED:
		free(e->sl[i].hostname);
		e->sl[i].hostname = NULL;
		rekey(s, i);
		unregister_device(s, i);
		break;
	default:
		break_field(s, &s->p[p]);
		break;
	}
}

static void plant_vlan(struct days *s)
{
	int kind = draw_kind(s, KV_MISSING_SOS, K_N);
	if (kind == KV_STALE) {
		stale_vlan(s);
		return;
	}
	uint32_t i = clean_vlan(s);
	if (i == NONE)
		return;
	uint32_t p = add_plant(s, kind, i, NONE);
	if (kind == KV_MISSING_SOS)
		unregister_vlan(s, i);
	else
		break_field(s, &s->p[p]);
}

/* ---- decommission ------------------------------------------------------ */

/* Device I leaves SoftLayer, and its plant with it.  SOS forgets it too,
 * unless KEEP_SOS: then its record stays behind, a stale registration
 * (a new plant, when it is Live and so a finding). */
static void decommission(struct days *s, uint32_t i, int keep_sos)
{
	struct estate *e = s->e;
	uint32_t pi = s->sl_plant[i];
	if (pi != NONE) {
		struct plant *p = &s->p[pi];
		if (p->kind == K_DUP)
			e->sos[p->sos].gone = 1;
		p->state = PS_GONE;
		s->sl_plant[i] = NONE;
	}
	uint32_t j = s->sl_sos[i];
	if (keep_sos && j != NONE && e->sos[j].status == SOS_LIVE) {
		s->sl_sos[i] = NONE;
		add_plant(s, K_STALE, NONE, j);
	} else {
		unregister_device(s, i);
	}
	e->sl[i].gone = 1;
}

static void decommission_vlan(struct days *s, uint32_t i, int keep_sos)
{
	struct estate *e = s->e;
	uint32_t pi = s->slv_plant[i];
	if (pi != NONE) {
		s->p[pi].state = PS_GONE;
		s->slv_plant[i] = NONE;
	}
	uint32_t j = s->slv_sos[i];
	if (keep_sos && j != NONE) {
		s->slv_sos[i] = NONE;
		add_plant(s, KV_STALE, NONE, j);
	} else {
		unregister_vlan(s, i);
	}
	e->slv[i].gone = 1;
}

/* SOS loses device I's record (not SoftLayer's device): a missing_in_sos
 * finding, planted. */
static void sos_loses(struct days *s, uint32_t i)
{
	uint32_t pi = s->sl_plant[i];
	if (pi != NONE) {
		if (s->p[pi].kind == K_DUP)
			s->e->sos[s->p[pi].sos].gone = 1;
		s->p[pi].state = PS_GONE;
		s->sl_plant[i] = NONE;
	}
	unregister_device(s, i);
	add_plant(s, K_MISSING_SOS, i, NONE);
}

static void sos_loses_vlan(struct days *s, uint32_t i)
{
	uint32_t pi = s->slv_plant[i];
	if (pi != NONE) {
		s->p[pi].state = PS_GONE;
		s->slv_plant[i] = NONE;
	}
	unregister_vlan(s, i);
	add_plant(s, KV_MISSING_SOS, i, NONE);
}

/* K distinct items at random out of the N in V (a partial shuffle): they
 * end up in V[0..K). */
static void pick(struct days *s, uint32_t *v, size_t n, size_t k)
{
	for (size_t a = 0; a < k && a < n; a++) {
		size_t b = a + prng_below(&s->r, n - a);
		uint32_t t = v[a];
		v[a] = v[b];
		v[b] = t;
	}
}

/* The drop day: PERCENT of a side's devices or VLANs go at once. */
static void mass_drop(struct days *s, const struct day_params *dp)
{
	struct estate *e = s->e;
	int vlan = dp->drop_kind == DROP_VLAN;
	size_t n = vlan ? e->nslv : e->nsl, na = 0, pop = 0;
	uint32_t *v = xmalloc((n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		int alive = vlan ? !e->slv[i].gone : !e->sl[i].gone && e->sl[i].hostname;
		int in_sos = (vlan ? s->slv_sos[i] : s->sl_sos[i]) != NONE;
		if (!alive)
			continue;
		pop++;
		/* SOS can only lose what it has */
		if (dp->drop_side != DROP_SOS || in_sos)
			v[na++] = (uint32_t)i;
	}
	if (dp->drop_side == DROP_SOS) {
		pop = 0;
		if (vlan) {
			for (size_t j = 0; j < e->nsosv; j++)
				pop += !e->sosv[j].gone;
		} else {
			for (size_t j = 0; j < e->nsos; j++)
				pop += !e->sos[j].gone && e->sos[j].hostname;
		}
	}
	size_t k = (size_t)((double)pop * dp->drop_percent / 100.0 + 0.5);
	if (k > na)
		k = na;
	pick(s, v, na, k);
	for (size_t a = 0; a < k; a++) {
		if (dp->drop_side == DROP_SOS && vlan)
			sos_loses_vlan(s, v[a]);
		else if (dp->drop_side == DROP_SOS)
			sos_loses(s, v[a]);
		else if (vlan)
			decommission_vlan(s, v[a], dp->drop_side == DROP_SOFTLAYER);
		else
			decommission(s, v[a], dp->drop_side == DROP_SOFTLAYER);
	}
	free(v);
}

/* ---- one day ----------------------------------------------------------- */

/* The open (or fixed) plants that today's step may act on, shuffled. */
static size_t candidates(struct days *s, uint32_t *v, int state)
{
	size_t n = 0;
	for (size_t i = 0; i < s->np; i++)
		if (s->p[i].state == state && s->p[i].touched < s->day)
			v[n++] = (uint32_t)i;
	return n;
}

static void step(struct days *s, const struct day_params *dp)
{
	struct estate *e = s->e;
	s->names = 0;

	/* 1. SOS registers most devices within their grace period: a young
	 * unregistered device is registered with chance 0.6 a day, so most
	 * are by the time they are 48 h old; the rest become missing_in_sos.
	 * One registered in time was never a finding: the device is clean, and
	 * nothing of it can come back. */
	for (size_t i = 0; i < s->np; i++) {
		struct plant *p = &s->p[i];
		if (p->state == PS_OPEN && p->kind == K_MISSING_SOS && p->touched < s->day &&
		    e->now - e->sl[p->sl].created < GRACE_SECONDS && chance(s, 0.6)) {
			register_device(s, p->sl);
			p->state = PS_GONE;
			s->sl_plant[p->sl] = NONE;
		}
	}

	uint32_t *v = xmalloc((s->np + 1) * sizeof *v);
	/* 2. fixes: 15 % of the open findings */
	size_t n = candidates(s, v, PS_OPEN), k = share_of(n, 0.15);
	pick(s, v, n, k);
	for (size_t a = 0; a < k && a < n; a++)
		fix(s, &s->p[v[a]]);

	/* 3. a quarter of those fixed on an earlier day come back */
	n = candidates(s, v, PS_FIXED);
	k = share_of(n, 0.25);
	pick(s, v, n, k);
	for (size_t a = 0; a < k && a < n; a++)
		rebreak(s, &s->p[v[a]]);

	/* 4. a quarter of the open mismatches change their values (a VLAN's
	 * space has one wrong value only, so it cannot) */
	for (size_t i = 0; i < s->np; i++) {
		struct plant *p = &s->p[i];
		if (p->state == PS_OPEN && p->touched < s->day && is_mismatch(p->kind) &&
		    p->kind != KV_MISMATCH_SPACE && chance(s, 0.25)) {
			break_field(s, p);
			p->touched = s->day;
		}
	}
	free(v);

	/* the populations of today, before devices come and go */
	size_t ndev = 0, nvl = 0;
	for (size_t i = 0; i < e->nsl; i++)
		ndev += !e->sl[i].gone;
	for (size_t i = 0; i < e->nslv; i++)
		nvl += !e->slv[i].gone;

	/* 5. new findings: a tenth of --drift's share a day */
	if (s->drift > 0) {
		size_t nd = share_of(ndev, s->drift * 0.1), nv = share_of(nvl, s->drift * 0.1);
		for (size_t a = 0; a < nd; a++)
			plant_device(s);
		for (size_t a = 0; a < nv; a++)
			plant_vlan(s);
	}

	/* 6. decommissions (0.4 % a day; with drift, 30 % of the clean ones
	 * leave their SOS record behind) and provisioning (0.5 %; with drift,
	 * a quarter not registered today) */
	size_t rm = share_of(ndev, 0.004);
	for (size_t a = 0; a < rm; a++) {
		for (int tries = 0; tries < 64; tries++) {
			uint32_t i = (uint32_t)prng_below(&s->r, e->nsl);
			if (e->sl[i].gone)
				continue;
			decommission(s, i, s->drift > 0 && s->sl_plant[i] == NONE && chance(s, 0.3));
			break;
		}
	}
	size_t add = share_of(ndev, 0.005);
	for (size_t a = 0; a < add; a++) {
		uint32_t i = provision_device(s);
		if (s->drift > 0 && chance(s, 0.25))
			add_plant(s, K_MISSING_SOS, i, NONE);
		else
			register_device(s, i);
	}
	rm = share_of(nvl, 0.004);
	for (size_t a = 0; a < rm; a++) {
		for (int tries = 0; tries < 64; tries++) {
			uint32_t i = (uint32_t)prng_below(&s->r, e->nslv);
			if (e->slv[i].gone)
				continue;
			decommission_vlan(s, i, s->drift > 0 && s->slv_plant[i] == NONE && chance(s, 0.25));
			break;
		}
	}
	add = share_of(nvl, 0.005);
	for (size_t a = 0; a < add; a++) {
		uint32_t i = provision_vlan(s);
		if (i != NONE)
			register_vlan(s, i);
	}

	/* 7. the drop day */
	if (s->day == dp->drop_day)
		mass_drop(s, dp);
}

/* ---- day 0: what the registry knows ------------------------------------ */

struct link {
	uint32_t id, idx;
};

static int cmp_link(const void *a, const void *b)
{
	const struct link *x = a, *y = b;
	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The first link with ID in V (sorted), or N. */
static size_t find_link(const struct link *v, size_t n, uint32_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The plants of the generated estate, found in it as generation links its
 * records: an SOS record names its SoftLayer device's id (softlayer_id),
 * an SOS VLAN its SoftLayer VLAN's (vlan_id). */
static void classify(struct days *s)
{
	struct estate *e = s->e;
	size_t nl = 0;
	struct link *l = xmalloc((e->nsos + 1) * sizeof *l);
	uint8_t *linked = xcalloc(e->nsos + 1, 1);
	for (size_t j = 0; j < e->nsos; j++)
		if (e->sos[j].softlayer_id)
			l[nl++] = (struct link){ e->sos[j].softlayer_id, (uint32_t)j };
	qsort(l, nl, sizeof *l, cmp_link);
	for (size_t i = 0; i < e->nsl; i++) {
		const struct sl_dev *d = &e->sl[i];
		size_t a = find_link(l, nl, d->id), c = 0;
		uint32_t recs[2] = { NONE, NONE };
		for (; a < nl && l[a].id == d->id; a++, c++) {
			if (c < 2)
				recs[c] = l[a].idx;
			linked[l[a].idx] = 1;
		}
		s->sl_sos[i] = s->sl_plant[i] = NONE;
		if (!d->hostname) {
			add_plant(s, K_UNIDENTIFIED, (uint32_t)i, NONE);
			continue;
		}
		if (!c) {
			add_plant(s, K_MISSING_SOS, (uint32_t)i, NONE);
			continue;
		}
		/* the first record is the one with the device's address */
		if (c > 1 && e->sos[recs[0]].ip_address != d->private_ip) {
			uint32_t t = recs[0];
			recs[0] = recs[1];
			recs[1] = t;
		}
		s->sl_sos[i] = recs[0];
		const struct sos_dev *o = &e->sos[recs[0]];
		if (c > 1)
			add_plant(s, K_DUP, (uint32_t)i, recs[1]);
		else if (o->ip_address != d->private_ip)
			add_plant(s, K_MISMATCH_PRIV, (uint32_t)i, NONE);
		else if (o->public_ip != d->public_ip)
			add_plant(s, K_MISMATCH_PUB, (uint32_t)i, NONE);
		else if (strcasecmp(o->datacenter, d->datacenter) != 0)
			add_plant(s, K_MISMATCH_DC, (uint32_t)i, NONE);
	}
	/* SOS records of no SoftLayer device: stale when Live (Build and
	 * Available ones are excluded, not findings, and are left alone) */
	for (size_t j = 0; j < e->nsos; j++)
		if (!linked[j] && e->sos[j].status == SOS_LIVE)
			add_plant(s, K_STALE, NONE, (uint32_t)j);
	free(linked);

	nl = 0;
	l = xrealloc(l, (e->nsosv + 1) * sizeof *l);
	linked = xcalloc(e->nsosv + 1, 1);
	for (size_t j = 0; j < e->nsosv; j++)
		l[nl++] = (struct link){ e->sosv[j].vlan_id, (uint32_t)j };
	qsort(l, nl, sizeof *l, cmp_link);
	for (size_t i = 0; i < e->nslv; i++) {
		const struct sl_vlan *v = &e->slv[i];
		size_t a = find_link(l, nl, v->id);
		s->slv_sos[i] = s->slv_plant[i] = NONE;
		if (a == nl || l[a].id != v->id) {
			add_plant(s, KV_MISSING_SOS, (uint32_t)i, NONE);
			continue;
		}
		uint32_t j = l[a].idx;
		linked[j] = 1;
		s->slv_sos[i] = j;
		if (strcasecmp(e->sosv[j].datacenter, v->datacenter) != 0)
			add_plant(s, KV_MISMATCH_DC, (uint32_t)i, NONE);
		else if (e->sosv[j].space != v->space)
			add_plant(s, KV_MISMATCH_SPACE, (uint32_t)i, NONE);
	}
	for (size_t j = 0; j < e->nsosv; j++)
		if (!linked[j])
			add_plant(s, KV_STALE, NONE, (uint32_t)j);
	free(linked);
	free(l);
}

static void begin(struct days *s, struct estate *e, const struct gen_params *g)
{
	memset(s, 0, sizeof *s);
	s->e = e;
	s->drift = g->drift;
	s->cap_sl = e->nsl + 1;
	s->cap_slv = e->nslv + 1;
	/* generation allocates at least this much */
	s->cap_sos = e->nsos;
	s->cap_sosv = e->nsosv;
	e->sl = xrealloc(e->sl, s->cap_sl * sizeof *e->sl);
	e->slv = xrealloc(e->slv, s->cap_slv * sizeof *e->slv);
	s->sl_sos = xmalloc(s->cap_sl * sizeof *s->sl_sos);
	s->sl_plant = xmalloc(s->cap_sl * sizeof *s->sl_plant);
	s->slv_sos = xmalloc(s->cap_slv * sizeof *s->slv_sos);
	s->slv_plant = xmalloc(s->cap_slv * sizeof *s->slv_plant);

	char dom0[256], dom1[sizeof dom0 + 4];
	snprintf(dom0, sizeof dom0, "%s.example.com", e->c_code);
	c_code_dns(dom0);
	snprintf(dom1, sizeof dom1, "svc.%s", dom0);
	s->domains[0] = estate_intern(e, dom0);
	s->domains[1] = estate_intern(e, dom1);

	uint32_t maxid[2] = { 1100000, GUEST_IDS }, maxv = 1300000;
	for (size_t i = 0; i < e->nsl; i++) {
		uint32_t id = e->sl[i].id;
		if (id >= maxid[id >= GUEST_IDS])
			maxid[id >= GUEST_IDS] = id;
	}
	for (size_t j = 0; j < e->nsos; j++) {
		uint32_t id = e->sos[j].softlayer_id;
		if (id >= maxid[id >= GUEST_IDS])
			maxid[id >= GUEST_IDS] = id;
	}
	s->next_id[0] = maxid[0] + 1;
	s->next_id[1] = maxid[1] + 1;
	for (size_t i = 0; i < e->nslv; i++)
		if (e->slv[i].id > maxv)
			maxv = e->slv[i].id;
	for (size_t j = 0; j < e->nsosv; j++)
		if (e->sosv[j].vlan_id > maxv)
			maxv = e->sosv[j].vlan_id;
	s->next_vid = maxv + 1;
	s->next_ip = (uint32_t)e->nsl;
	/* the routers generation numbers VLANs on (generate.c) */
	s->routers_per = (e->nslv + e->nsosv) / (gen_ndatacenters * 2 * 3200) + 2;
	for (size_t i = 0; i < e->nslv; i++)
		vset_take(&s->used, e->slv[i].router, e->slv[i].number);
	for (size_t j = 0; j < e->nsosv; j++)
		vset_take(&s->used, e->sosv[j].router, e->sosv[j].vlan_number);
	classify(s);
}

static void end(struct days *s)
{
	free(s->p);
	free(s->sl_sos);
	free(s->sl_plant);
	free(s->slv_sos);
	free(s->slv_plant);
	free(s->used.slot);
	free(s->rekeyed);
}

struct lifecycle *estate_play_days(struct estate *e, const struct gen_params *g, const struct day_params *dp)
{
	struct days s;
	begin(&s, e, g);
	int64_t t0 = e->now;
	struct lifecycle *lc = dp->lifecycle_path ? lifecycle_new() : NULL;
	struct truth_cache *cache = lc ? truth_cache_new() : NULL;
	for (int d = 0; d <= dp->day; d++) {
		s.nrekeyed = 0;
		if (d > 0) {
			s.day = d;
			e->now = t0 + (int64_t)d * DAY_SECONDS;
			/* each day its own stream: day D is the same whatever day
			 * is asked for after it */
			s.r.s = mix64(e->seed * 0x9e3779b97f4a7c15ULL + (uint64_t)d * 0xd1b54a32d192ed03ULL + 7);
			step(&s, dp);
		}
		if (lc) {
			struct truth t;
			truth_compute_cached(e, cache, s.rekeyed, s.nrekeyed, &t);
			lifecycle_day(lc, e, &t, d, !(dp->incomplete && dp->incomplete[d]));
			truth_free(&t);
		}
	}
	truth_cache_free(cache);
	end(&s);
	estate_compact(e);
	estate_index(e);
	return lc;
}
