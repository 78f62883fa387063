/*
 * softlayer.c - the SoftLayer REST API, as specs/softlayer-api.md says it
 * behaves: credentials choose the account, objectMask selects properties,
 * objectFilter may sort by id, resultLimit pages, SoftLayer-Total-Items
 * gives the total, a page of one is a bare object, and a credential that
 * sends more than --rate-limit requests in one second gets the rate-limit
 * 500.
 *
 * Objects are built as json-c objects in one fixed property order (local
 * properties, always all of them, then the relational ones the mask names,
 * recursively), whatever order the mask names them in,
 * so the raw files written by --write-estate are byte-identical to what a
 * fetcher re-serializes from this API.
 */
#include "api.h"
#include "buf.h"
#include "estate.h"
#include "err.h"
#include "jsondoc.h"
#include "faults.h"
#include "secret.h"
#include "timeutil.h"

#include <ctype.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- object masks -------------------------------------------------- */

/* A mask is a tree: a node names a property; its children name the
 * sub-properties.  A node without children means "the local properties". */
struct mask {
	char *name;
	struct mask *kids;
	size_t nkids, cap;
};

#define MASK_MAX_DEPTH 16
#define MASK_MAX_NODES 4096

const char *const sl_full_mask[3] = {
	"mask[id,hostname,domain,fullyQualifiedDomainName,primaryIpAddress,primaryBackendIpAddress,"
	"globalIdentifier,serialNumber,manufacturerSerialNumber,provisionDate,hardwareStatus[status],datacenter[name]]",
	"mask[id,hostname,domain,fullyQualifiedDomainName,primaryIpAddress,primaryBackendIpAddress,"
	"globalIdentifier,uuid,createDate,provisionDate,status[keyName],powerState[keyName],datacenter[name]]",
	"mask[id,vlanNumber,name,networkSpace,fullyQualifiedName,podName,primaryRouter[hostname,datacenter[name]]]",
};

static struct mask *mask_child(const struct mask *m, const char *name)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->nkids; i++)
		if (strcmp(m->kids[i].name, name) == 0)
			return &m->kids[i];
	return NULL;
}

static struct mask *mask_add(struct mask *m, const char *name, size_t len)
{
	for (size_t i = 0; i < m->nkids; i++)
		if (strlen(m->kids[i].name) == len && memcmp(m->kids[i].name, name, len) == 0)
			return &m->kids[i];
	if (m->nkids == m->cap)
		m->kids = xrealloc(m->kids, (m->cap = m->cap ? m->cap * 2 : 8) * sizeof *m->kids);
	struct mask *k = &m->kids[m->nkids++];
	memset(k, 0, sizeof *k);
	k->name = xstrndup(name, len);
	return k;
}

static void mask_clear(struct mask *m)
{
	for (size_t i = 0; i < m->nkids; i++)
		mask_clear(&m->kids[i]);
	free(m->kids);
	free(m->name);
}

void mask_free(struct mask *m)
{
	if (m) {
		mask_clear(m);
		free(m);
	}
}

struct mparse {
	const char *p;
	const char *err;
	size_t nodes;
};

static void skip_ws(struct mparse *s)
{
	while (isspace((unsigned char)*s->p))
		s->p++;
}

static int is_name(int c)
{
	return isalnum(c) || c == '_';
}

/* Skip an optional type cast "(SoftLayer_Hardware_Server)". */
static int skip_cast(struct mparse *s)
{
	skip_ws(s);
	if (*s->p != '(')
		return 0;
	const char *q = strchr(s->p, ')');
	if (!q) {
		s->err = "unclosed '(' in the object mask";
		return -1;
	}
	s->p = q + 1;
	return 0;
}

static int parse_list(struct mparse *s, struct mask *m, int depth);

/* item := name ('.' name)* [cast] ['[' list ']'] */
static int parse_item(struct mparse *s, struct mask *m, int depth)
{
	skip_ws(s);
	struct mask *at = m;
	for (;;) {
		const char *b = s->p;
		while (is_name((unsigned char)*s->p))
			s->p++;
		if (s->p == b) {
			s->err = "expected a property name in the object mask";
			return -1;
		}
		if (++s->nodes > MASK_MAX_NODES) {
			s->err = "the object mask is too large";
			return -1;
		}
		at = mask_add(at, b, (size_t)(s->p - b));
		skip_ws(s);
		if (*s->p != '.')
			break;
		s->p++;
		if (++depth > MASK_MAX_DEPTH) {
			s->err = "the object mask is nested too deep";
			return -1;
		}
	}
	if (skip_cast(s) < 0)
		return -1;
	skip_ws(s);
	if (*s->p == '[') {
		s->p++;
		if (depth + 1 > MASK_MAX_DEPTH) {
			s->err = "the object mask is nested too deep";
			return -1;
		}
		if (parse_list(s, at, depth + 1) < 0)
			return -1;
		skip_ws(s);
		if (*s->p != ']') {
			s->err = "expected ']' in the object mask";
			return -1;
		}
		s->p++;
	}
	return 0;
}

static int parse_list(struct mparse *s, struct mask *m, int depth)
{
	for (;;) {
		if (parse_item(s, m, depth) < 0)
			return -1;
		skip_ws(s);
		if (*s->p != ',')
			return 0;
		s->p++;
	}
}

/* Accepts "mask[...]", "mask(Type)[...]", "mask.a.b" and a bare list
 * "id,hostname".  NULL and *err on a syntax error. */
struct mask *mask_parse(const char *str, const char **err)
{
	struct mparse s = { str, NULL, 0 };
	struct mask *root = xcalloc(1, sizeof *root);
	root->name = xstrdup("");
	skip_ws(&s);
	if (strncmp(s.p, "mask", 4) == 0 && !is_name((unsigned char)s.p[4])) {
		s.p += 4;
		if (skip_cast(&s) < 0)
			goto fail;
		skip_ws(&s);
		if (*s.p == '[') {
			s.p++;
			skip_ws(&s);
			if (*s.p != ']' && parse_list(&s, root, 1) < 0)
				goto fail;
			skip_ws(&s);
			if (*s.p != ']') {
				s.err = "expected ']' in the object mask";
				goto fail;
			}
			s.p++;
		} else if (*s.p == '.') {
			s.p++;
			if (parse_item(&s, root, 1) < 0)
				goto fail;
		} else {
			s.err = "expected '[' after 'mask'";
			goto fail;
		}
	} else if (*s.p) {
		if (parse_list(&s, root, 1) < 0)
			goto fail;
	}
	skip_ws(&s);
	if (*s.p) {
		s.err = "unexpected text after the object mask";
		goto fail;
	}
	return root;
fail:
	*err = s.err;
	mask_free(root);
	return NULL;
}

/* ---- objects --------------------------------------------------------- */

/* Local properties are always returned, whatever the mask names: slcli
 * relies on it (its "vlan list" mask names no "id" and prints the ids), so
 * the real API behaves so.  The mask only adds relational properties. */
static int want_local(const struct mask *m, const char *p)
{
	(void)m;
	(void)p;
	return 1;
}

/* Relational property P: only when named. */
static const struct mask *want_rel(const struct mask *m, const char *p)
{
	return m && m->nkids ? mask_child(m, p) : NULL;
}

static void add_str(struct json_object *o, const struct mask *m, const char *k, const char *v)
{
	if (want_local(m, k))
		json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void add_int(struct json_object *o, const struct mask *m, const char *k, int64_t v)
{
	if (want_local(m, k))
		json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_ip(struct json_object *o, const struct mask *m, const char *k, uint32_t ip)
{
	char s[16];
	if (ip && want_local(m, k)) {
		fmt_ip(ip, s);
		json_object_object_add(o, k, json_object_new_string(s));
	}
}

/* SoftLayer writes its dates in its own zone, -06:00 all year round:
 * "2026-11-20T01:51:56-06:00". */
static void add_time(struct json_object *o, const struct mask *m, const char *k, int64_t t)
{
	char s[TU_UTC_LEN + 6];
	if (want_local(m, k)) {
		tu_format_utc(t - 6 * 3600, s);
		memcpy(s + TU_UTC_LEN - 1, "-06:00", 7); /* over the Z */
		json_object_object_add(o, k, json_object_new_string(s));
	}
}

static const char *const dc_long[][2] = {
	{ "dal", "Dallas" }, { "wdc", "Washington" }, { "fra", "Frankfurt" }, { "lon", "London" },
	{ "tok", "Tokyo" }, { "syd", "Sydney" }, { "che", "Chennai" },
};

static uint32_t dc_id(const char *dc)
{
	uint32_t h = 0;
	for (; *dc; dc++)
		h = h * 31 + (unsigned char)*dc;
	return 100000 + h % 900000;
}

static struct json_object *datacenter_json(const char *dc, const struct mask *m)
{
	struct json_object *o = json_object_new_object();
	add_int(o, m, "id", dc_id(dc));
	add_str(o, m, "name", dc);
	if (want_local(m, "longName")) {
		char s[64];
		const char *city = "Datacenter";
		for (size_t i = 0; i < sizeof dc_long / sizeof dc_long[0]; i++)
			if (strncmp(dc, dc_long[i][0], 3) == 0)
				city = dc_long[i][1];
		snprintf(s, sizeof s, "%s %s", city, dc + strcspn(dc, "0123456789"));
		json_object_object_add(o, "longName", json_object_new_string(s));
	}
	return o;
}

static void add_fqdn(struct json_object *o, const struct mask *m, const struct sl_dev *d)
{
	if (!want_local(m, "fullyQualifiedDomainName"))
		return;
	if (!d->hostname) {
		json_object_object_add(o, "fullyQualifiedDomainName", NULL);
		return;
	}
	size_t n = strlen(d->hostname) + strlen(d->domain) + 2;
	char *s = xmalloc(n);
	snprintf(s, n, "%s.%s", d->hostname, d->domain);
	json_object_object_add(o, "fullyQualifiedDomainName", json_object_new_string(s));
	free(s);
}

static void add_common(struct json_object *o, const struct estate *e, const struct sl_dev *d, const struct mask *m)
{
	add_int(o, m, "id", d->id);
	add_int(o, m, "accountId", strtoll(e->accounts[d->account].id, NULL, 10));
	add_str(o, m, "hostname", d->hostname);
	add_str(o, m, "domain", d->domain);
	add_fqdn(o, m, d);
	add_ip(o, m, "primaryIpAddress", d->public_ip);
	add_ip(o, m, "primaryBackendIpAddress", d->private_ip);
	if (want_local(m, "globalIdentifier")) {
		char g[40];
		sl_global_identifier(e, d->id, g);
		json_object_object_add(o, "globalIdentifier", json_object_new_string(g));
	}
}

/* The estate has no tags; slcli indexes tagReferences when it asks. */
static void add_tags(struct json_object *o, const struct mask *m)
{
	if (want_rel(m, "tagReferences"))
		json_object_object_add(o, "tagReferences", json_object_new_array());
}

static const char *const hw_status_ids[][2] = {
	{ "ACTIVE", "5" }, { "DEPLOY", "6" }, { "DEPLOY2", "7" }, { "MACWAIT", "8" }, { "RECLAIM", "9" },
};

struct json_object *sl_hardware_json(const struct estate *e, uint32_t idx, const struct mask *m)
{
	const struct sl_dev *d = &e->sl[idx];
	struct json_object *o = json_object_new_object();
	const struct mask *r;
	add_common(o, e, d, m);
	add_str(o, m, "serialNumber", d->serial);
	if (want_local(m, "manufacturerSerialNumber")) {
		char s[16];
		sl_manufacturer_serial(e, d->id, s);
		json_object_object_add(o, "manufacturerSerialNumber", json_object_new_string(s));
	}
	add_time(o, m, "provisionDate", d->created);
	if ((r = want_rel(m, "hardwareStatus"))) {
		struct json_object *s = json_object_new_object();
		const char *sid = "5";
		for (size_t i = 0; i < sizeof hw_status_ids / sizeof hw_status_ids[0]; i++)
			if (strcmp(d->status, hw_status_ids[i][0]) == 0)
				sid = hw_status_ids[i][1];
		add_int(s, r, "id", strtol(sid, NULL, 10));
		add_str(s, r, "status", d->status);
		json_object_object_add(o, "hardwareStatus", s);
	}
	if ((r = want_rel(m, "datacenter")))
		json_object_object_add(o, "datacenter", datacenter_json(d->datacenter, r));
	add_tags(o, m);
	return o;
}

static struct json_object *keyname_json(const char *key, const struct mask *m)
{
	struct json_object *o = json_object_new_object();
	char name[32];
	snprintf(name, sizeof name, "%s", key);
	for (char *p = name + 1; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	add_str(o, m, "keyName", key);
	add_str(o, m, "name", name);
	return o;
}

struct json_object *sl_guest_json(const struct estate *e, uint32_t idx, const struct mask *m)
{
	const struct sl_dev *d = &e->sl[idx];
	struct json_object *o = json_object_new_object();
	const struct mask *r;
	add_common(o, e, d, m);
	if (want_local(m, "uuid")) {
		char g[40];
		sl_global_identifier(e, d->id ^ 0x5a5a5a5au, g);
		json_object_object_add(o, "uuid", json_object_new_string(g));
	}
	add_time(o, m, "createDate", d->created);
	add_time(o, m, "provisionDate", d->created + 420);
	if ((r = want_rel(m, "status")))
		json_object_object_add(o, "status", keyname_json(d->status, r));
	if ((r = want_rel(m, "powerState")))
		json_object_object_add(o, "powerState", keyname_json(d->halted ? "HALTED" : "RUNNING", r));
	if ((r = want_rel(m, "datacenter")))
		json_object_object_add(o, "datacenter", datacenter_json(d->datacenter, r));
	add_tags(o, m);
	return o;
}

struct json_object *sl_vlan_json(const struct estate *e, uint32_t idx, const struct mask *m)
{
	const struct sl_vlan *v = &e->slv[idx];
	struct json_object *o = json_object_new_object();
	const struct mask *r;
	char s[160];
	add_int(o, m, "id", v->id);
	add_int(o, m, "accountId", strtoll(e->accounts[v->account].id, NULL, 10));
	add_int(o, m, "vlanNumber", v->number);
	if (v->name)
		add_str(o, m, "name", v->name);
	add_str(o, m, "networkSpace", v->space == SPACE_PUBLIC ? "PUBLIC" : "PRIVATE");
	/* "bcr01a.dal10" -> "dal10.bcr01.1632" */
	const char *dot = strchr(v->router, '.');
	size_t rl = dot ? (size_t)(dot - v->router) : strlen(v->router);
	if (rl && isalpha((unsigned char)v->router[rl - 1]))
		rl--;
	snprintf(s, sizeof s, "%s.%.*s.%u", v->datacenter, (int)rl, v->router, v->number);
	add_str(o, m, "fullyQualifiedName", s);
	snprintf(s, sizeof s, "%s.pod%02u", v->datacenter, (unsigned)(v->router[rl > 0 ? rl - 1 : 0] - '0') % 10 + 1);
	add_str(o, m, "podName", s);
	if ((r = want_rel(m, "primaryRouter"))) {
		struct json_object *ro = json_object_new_object();
		const struct mask *rr;
		add_int(ro, r, "id", dc_id(v->router));
		add_str(ro, r, "hostname", v->router);
		add_str(ro, r, "fullyQualifiedDomainName", v->router);
		if ((rr = want_rel(r, "datacenter")))
			json_object_object_add(ro, "datacenter", datacenter_json(v->datacenter, rr));
		json_object_object_add(o, "primaryRouter", ro);
	}
	add_tags(o, m);
	return o;
}

/* The account of the credentials (SoftLayer_Account/getObject): a few
 * local properties derived from the id and the C_Code, and the counts
 * `slcli account summary` asks for, when the mask names them.  No
 * SoftLayer-Total-Items: it is one object, not a list. */
struct json_object *sl_account_json(const struct estate *e, size_t a, const struct mask *m)
{
	const struct account *ac = &e->accounts[a];
	struct json_object *o = json_object_new_object();
	char s[160], cc[40];
	snprintf(cc, sizeof cc, "%s", e->c_code);
	c_code_dns(cc);
	add_int(o, m, "id", strtoll(ac->id, NULL, 10));
	add_int(o, m, "accountStatusId", 1001);
	add_int(o, m, "brandId", 2);
	snprintf(s, sizeof s, "%s Simulated %s", e->c_code, ac->id);
	add_str(o, m, "companyName", s);
	add_str(o, m, "country", "US");
	snprintf(s, sizeof s, "sl%s@%s.example.com", ac->id, cc);
	add_str(o, m, "email", s);
	add_str(o, m, "firstName", "Compliance");
	add_str(o, m, "lastName", ac->username);
	/* Relational counts: only when named. */
	const struct {
		const char *name;
		size_t n;
	} counts[] = { { "hardwareCount", ac->nhw }, { "virtualGuestCount", ac->nvg },
		       { "networkVlanCount", ac->nvl } };
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
		if (want_rel(m, counts[i].name))
			json_object_object_add(o, counts[i].name, json_object_new_int64((int64_t)counts[i].n));
	add_tags(o, m);
	return o;
}

/* ---- authentication and rate limit ---------------------------------- */

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 into a NUL-terminated string; NULL if invalid. */
static char *b64decode(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 1);
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		int v = b64val((unsigned char)s[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	if (memchr(out, '\0', o)) {
		free(out);
		return NULL;
	}
	return out;
}

void softlayer_unauthorized(struct reply *r)
{
	reply_set(r, 401, "application/json", "{\"error\":\"Access Denied. \",\"code\":\"SoftLayer_Exception_Public\"}");
}

int softlayer_auth(const struct estate *e, const struct request *q, struct reply *r)
{
	const char *h = req_header(q, "Authorization");
	int found = -1;
	if (h && strncasecmp(h, "Basic ", 6) == 0) {
		char *up = b64decode(h + 6 + strspn(h + 6, " "));
		char *colon = up ? strchr(up, ':') : NULL;
		if (colon) {
			*colon = '\0';
			const char *user = up, *key = colon + 1;
			for (size_t a = 0; a < e->naccounts && found < 0; a++)
				if (strcmp(key, e->accounts[a].api_key) == 0 &&
				    (strcmp(user, e->accounts[a].username) == 0 || strcmp(user, "apikey") == 0))
					found = (int)a;
		}
		if (up)
			secret_free(up);
	} else if (h && strncasecmp(h, "Bearer ", 7) == 0) {
		const char *t = h + 7 + strspn(h + 7, " ");
		for (size_t a = 0; a < e->naccounts && found < 0; a++)
			if (strcmp(t, e->accounts[a].token) == 0)
				found = (int)a;
	}
	if (found < 0)
		softlayer_unauthorized(r);
	else
		snprintf(r->credential, sizeof r->credential, "%s", e->accounts[found].id);
	return found;
}

/* Per account, the times of its last N accepted requests (a ring,
 * allocated on the account's first request): when the oldest of them is
 * less than a second old, one more is over the limit. */
static struct {
	pthread_mutex_t mu;
	int limit;
	size_t naccounts;
	double **ring;
	size_t *head, *count;
} rl = { PTHREAD_MUTEX_INITIALIZER, 0, 0, NULL, NULL, NULL };

void softlayer_init(int rate_limit, size_t naccounts)
{
	rl.limit = rate_limit;
	rl.naccounts = naccounts;
	if (rate_limit > 0) {
		rl.ring = xcalloc(naccounts, sizeof *rl.ring);
		rl.head = xcalloc(naccounts, sizeof *rl.head);
		rl.count = xcalloc(naccounts, sizeof *rl.count);
	}
}

void softlayer_fini(void)
{
	for (size_t a = 0; rl.ring && a < rl.naccounts; a++)
		free(rl.ring[a]);
	free(rl.ring);
	free(rl.head);
	free(rl.count);
	rl.ring = NULL;
	rl.head = rl.count = NULL;
}

/* 1 when account A is over the limit (the request is not counted). */
static int over_limit(size_t a)
{
	if (rl.limit <= 0)
		return 0;
	double now = tu_monotonic();
	int over = 0;
	pthread_mutex_lock(&rl.mu);
	if (!rl.ring[a])
		rl.ring[a] = xcalloc((size_t)rl.limit, sizeof **rl.ring);
	double *ring = rl.ring[a];
	if (rl.count[a] == (size_t)rl.limit && now - ring[rl.head[a]] < 1.0) {
		over = 1;
	} else {
		ring[rl.head[a]] = now;
		rl.head[a] = (rl.head[a] + 1) % (size_t)rl.limit;
		if (rl.count[a] < (size_t)rl.limit)
			rl.count[a]++;
	}
	pthread_mutex_unlock(&rl.mu);
	return over;
}

/* ---- the handler ------------------------------------------------------ */

static void sl_error(struct reply *r, int status, const char *msg, const char *code)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(msg));
	json_object_object_add(o, "code", json_object_new_string(code));
	reply_json(r, status, o);
}

/* The request's objectMask in *M (NULL: none given), or -1 with the API's
 * 500 in R when it does not parse. */
static int request_mask(const struct request *q, struct reply *r, struct mask **m)
{
	const char *ms = req_arg(q, "objectMask"), *err = NULL;
	*m = NULL;
	if (ms && *ms && !(*m = mask_parse(ms, &err))) {
		char msg[200];
		snprintf(msg, sizeof msg, "Unable to parse object mask: %s", err);
		sl_error(r, 500, msg, "SoftLayer_Exception_Public");
		return -1;
	}
	return 0;
}

/* objectFilter: only {"<prop>":{"id":{"operation":"orderBy","options":
 * [{"name":"sort","value":["ASC"|"DESC"]}]}}} matters; anything else,
 * malformed included, is ignored as the real API often does.
 * Returns 1 ASC, -1 DESC, 0 unordered. */
static int filter_order(const char *filter, const char *prop)
{
	if (!filter)
		return 0;
	struct json_object *f = json_tokener_parse(filter);
	struct json_object *id = jget_obj(jget_obj(f, prop), "id");
	const char *op = jget_str(id, "operation");
	struct json_object *opts = jget_array(id, "options");
	int order = 0;
	if (op && strcmp(op, "orderBy") == 0 && opts) {
		for (size_t i = 0; i < json_object_array_length(opts); i++) {
			struct json_object *opt = json_object_array_get_idx(opts, i);
			const char *name = jget_str(opt, "name");
			struct json_object *val = jget_array(opt, "value");
			if (name && strcmp(name, "sort") == 0 && val && json_object_array_length(val) > 0) {
				const char *v = json_object_get_string(json_object_array_get_idx(val, 0));
				if (v && strcasecmp(v, "ASC") == 0)
					order = 1;
				else if (v && strcasecmp(v, "DESC") == 0)
					order = -1;
			}
		}
	}
	json_object_put(f);
	return order;
}

/* "OFFSET,LIMIT" or "LIMIT"; 0 or -1. */
static int parse_limit(const char *s, unsigned long long *off, unsigned long long *lim)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	unsigned long long a = strtoull(s, &end, 10);
	if (*end == '\0') {
		*off = 0;
		*lim = a;
		return a > 0 && a < 1000000000ULL ? 0 : -1;
	}
	if (*end != ',' || !isdigit((unsigned char)end[1]))
		return -1;
	unsigned long long b = strtoull(end + 1, &end, 10);
	if (*end != '\0' || a > 4000000000ULL || b == 0 || b >= 1000000000ULL)
		return -1;
	*off = a;
	*lim = b;
	return 0;
}

/* Largest page the simulator serves in one response, like the real API's
 * "too much data" 500s. */
#define SL_MAX_PAGE 100000

void softlayer_handle(const struct estate *e, const struct request *q, struct reply *r)
{
	const char *path = q->path;
	if (strncmp(path, "/rest/v3.1/", 11) == 0)
		path += 11;
	else if (strncmp(path, "/rest/v3/", 9) == 0)
		path += 9;
	else {
		sl_error(r, 404, "Service does not exist", "SoftLayer_Exception_ObjectNotFound");
		return;
	}
	int a = softlayer_auth(e, q, r);
	if (a < 0)
		return;
	if (over_limit((size_t)a)) {
		sl_error(r, 500, "Rate limit of 50 requests for every 1 second(s) exceeded.",
			 "SoftLayer_Exception_WebService_RateLimitExceeded");
		return;
	}
	if (strcmp(q->method, "GET") != 0) {
		sl_error(r, 405, "Method not allowed by the simulator", "SoftLayer_Exception_Public");
		return;
	}
	if (strcmp(path, "SoftLayer_Network_Pod/getAllObjects.json") == 0 ||
	    strcmp(path, "SoftLayer_Network_Pod/getAllObjects") == 0) {
		reply_set(r, 200, "application/json", "[]");
		r->total = 0;
		return;
	}
	const struct account *ac = &e->accounts[a];
	if (strcmp(path, "SoftLayer_Account/getObject.json") == 0 || strcmp(path, "SoftLayer_Account/getObject") == 0) {
		struct mask *m;
		if (request_mask(q, r, &m) != 0)
			return;
		reply_json(r, 200, sl_account_json(e, (size_t)a, m));
		mask_free(m);
		return;
	}
	const uint32_t *idx;
	size_t n;
	int kind;
	const char *prop;
	if (strcmp(path, "SoftLayer_Account/getHardware.json") == 0 || strcmp(path, "SoftLayer_Account/getHardware") == 0) {
		idx = ac->hw, n = ac->nhw, kind = 0, prop = "hardware";
	} else if (strcmp(path, "SoftLayer_Account/getVirtualGuests.json") == 0 ||
		   strcmp(path, "SoftLayer_Account/getVirtualGuests") == 0) {
		idx = ac->vg, n = ac->nvg, kind = 1, prop = "virtualGuests";
	} else if (strcmp(path, "SoftLayer_Account/getNetworkVlans.json") == 0 ||
		   strcmp(path, "SoftLayer_Account/getNetworkVlans") == 0) {
		idx = ac->vl, n = ac->nvl, kind = 2, prop = "networkVlans";
	} else {
		char msg[256];
		const char *slash = strchr(path, '/');
		snprintf(msg, sizeof msg, "Function (\"%.100s\") is not a valid method for this service.",
			 slash ? slash + 1 : path);
		sl_error(r, 404, msg, "SoftLayer_Exception_ObjectNotFound");
		return;
	}

	struct mask *m;
	if (request_mask(q, r, &m) != 0)
		return;
	unsigned long long off = 0, lim = n;
	const char *rls = req_arg(q, "resultLimit");
	int limited = rls != NULL;
	if (rls && parse_limit(rls, &off, &lim) != 0) {
		mask_free(m);
		sl_error(r, 500, "Invalid resultLimit: expected OFFSET,LIMIT or LIMIT", "SoftLayer_Exception_Public");
		return;
	}
	if (!limited && n > SL_MAX_PAGE) {
		mask_free(m);
		sl_error(r, 500, "Internal Error", "SoftLayer_Exception_Public");
		return;
	}
	if (lim > SL_MAX_PAGE)
		lim = SL_MAX_PAGE;
	int order = filter_order(req_arg(q, "objectFilter"), prop);
	/* Without an orderBy on id the order varies between calls: a rotation
	 * by a per-request random amount, so unordered paging can repeat and
	 * miss items, as the real API's can. */
	size_t rot = n ? (size_t)(q->shuffle % n) : 0;
	struct json_object *arr = json_object_new_array();
	size_t got = 0;
	for (unsigned long long p = off; p < n && got < lim; p++, got++) {
		size_t pos = order > 0 ? (size_t)p : order < 0 ? n - 1 - (size_t)p : ((size_t)p + rot) % n;
		uint32_t i = idx[pos];
		struct json_object *o = kind == 0 ? sl_hardware_json(e, i, m)
			: kind == 1 ? sl_guest_json(e, i, m) : sl_vlan_json(e, i, m);
		json_object_array_add(arr, o);
	}
	mask_free(m);
	r->total = (long long)n + q->total_delta;
	if (r->total < 0)
		r->total = 0;
	if (q->amplify) {
		/* the amplify fault: the true total, a page of "{}" (or one
		 * record holding them) */
		json_object_put(arr);
		struct buf b = BUF_INIT(0);
		buf_addstr(&b, q->amplify_record ? "[{\"id\":1,\"x\":[" : "[");
		faults_amplify(&b, q->amplify);
		buf_addstr(&b, q->amplify_record ? "]}]" : "]");
		reply_buf(r, 200, &b);
		return;
	}
	if (limited && lim == 1 && got == 1) {
		/* A page of one is the object itself, not an array of one. */
		struct json_object *one = json_object_get(json_object_array_get_idx(arr, 0));
		json_object_put(arr);
		reply_json(r, 200, one);
	} else {
		reply_json(r, 200, arr);
	}
}
