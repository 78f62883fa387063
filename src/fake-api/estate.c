/*
 * estate.c - the estate in memory: the string pool its records intern
 * into, the per-account indexes by id that paging reads, and its release;
 * and the text forms of its values: IPv4 addresses (stored as numbers) and
 * the DNS form of a C_Code.
 *
 * What generate.c and load.c build ends here: both fill the arrays, then
 * call estate_index, so a generated and a loaded estate are served by the
 * same indexes.
 */
#include "estate.h"
#include "err.h"
#include "exitcodes.h"
#include "secret.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- IPv4 addresses ------------------------------------------------ */

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

/* ---- names -------------------------------------------------------- */

void c_code_dns(char *s)
{
	for (; *s; s++)
		*s = *s == '_' ? '-' : (char)tolower((unsigned char)*s);
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

void estate_index(struct estate *e)
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

/* ---- the records gone on played days --------------------------------- */

void estate_compact(struct estate *e)
{
	size_t k = 0;
	for (size_t i = 0; i < e->nsl; i++) {
		if (e->sl[i].gone) {
			free(e->sl[i].hostname);
			free(e->sl[i].serial);
		} else {
			e->sl[k++] = e->sl[i];
		}
	}
	e->nsl = k;
	k = 0;
	for (size_t i = 0; i < e->nslv; i++) {
		if (e->slv[i].gone)
			free(e->slv[i].name);
		else
			e->slv[k++] = e->slv[i];
	}
	e->nslv = k;
	k = 0;
	for (size_t i = 0; i < e->nsos; i++) {
		if (e->sos[i].gone) {
			free(e->sos[i].hostname);
			free(e->sos[i].serial);
		} else {
			e->sos[k++] = e->sos[i];
		}
	}
	e->nsos = k;
	k = 0;
	for (size_t i = 0; i < e->nsosv; i++) {
		if (e->sosv[i].gone)
			free(e->sosv[i].name);
		else
			e->sosv[k++] = e->sosv[i];
	}
	e->nsosv = k;
}

/* ---- release ------------------------------------------------------- */

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
