/*
 * load.c - load an estate directory written by write.c (--estate DIR), or
 * written by hand (test/fixtures/fake-api/edge).
 *
 * Every field is checked, and a bad one is named (exit 7): by its key path
 * in estate.json, a JSON document read whole (fileio.h, jsondoc.h), and by
 * file:line in the NDJSON files, read as streams (ndjson.h), since they
 * hold a record per object and may be a gigabyte.  In both, a null member
 * is an absent one.  A file that cannot be read is exit 9.  Values that write.c does
 * not store (globalIdentifier, uuid, ...) are derived again (ids.c), so a
 * loaded estate serves what the generated one served.
 */
#include "estate.h"
#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "fileio.h"
#include "jsondoc.h"
#include "ndjson.h"
#include "timeutil.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the NDJSON files: a record a line, errors name file:line -------- */

static SOSR_NORETURN void load_fail(const struct ndjson_reader *rd, const char *what)
{
	sosr_die(SOSR_EXIT_DATA, "estate: %s:%lu: %s; check the estate file (see docs/SIMULATOR.md)",
		 rd->name, rd->lineno, what);
}

/* The member K of O; NULL when absent or null, which is an error when
 * REQUIRED. */
static struct json_object *member(const struct ndjson_reader *rd, struct json_object *o, const char *k, int required)
{
	struct json_object *v = jget(o, k);
	if (v && !json_object_is_type(v, json_type_null))
		return v;
	if (required) {
		char m[128];
		snprintf(m, sizeof m, "missing \"%s\"", k);
		load_fail(rd, m);
	}
	return NULL;
}

static const char *get_str(const struct ndjson_reader *rd, struct json_object *o, const char *k, int required)
{
	struct json_object *v = member(rd, o, k, required);
	if (v && !json_object_is_type(v, json_type_string)) {
		char m[128];
		snprintf(m, sizeof m, "\"%s\" is not a string", k);
		load_fail(rd, m);
	}
	return v ? json_object_get_string(v) : NULL;
}

static int64_t get_int(const struct ndjson_reader *rd, struct json_object *o, const char *k, int64_t min, int64_t max, int required)
{
	struct json_object *v = member(rd, o, k, required);
	if (!v)
		return 0;
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

/* ---- estate.json: one JSON document ---------------------------------- */

#define ESTATE_JSON_MAX (16u << 20) /* 65535 accounts fit in a quarter of it */

/* A string member that must be there. */
static const char *need_str(const struct jd_ctx *c, struct json_object *o, const char *path, const char *key)
{
	const char *s = jd_str(c, o, path, key, 0);
	if (!s) {
		char kp[256];
		jd_fail(c, jd_keypath(kp, sizeof kp, path, key), "missing");
	}
	return s;
}

/*
 * estate.json, the estate's header: its C_Code, the other C_Codes SOS
 * knows, its "now", its seed and its accounts.  A document (it may be
 * written by hand over several lines), so an error names the key path:
 * "estate: DIR/estate.json: accounts[1].id: expected a string; check ...".
 */
static void load_meta(struct estate *e, const char *path)
{
	struct buf b = BUF_INIT(ESTATE_JSON_MAX);
	if (fileio_read_all(path, &b) != 0) {
		if (errno == EFBIG)
			sosr_die(SOSR_EXIT_DATA, "estate: %s: larger than %u bytes; check --estate (a directory written by "
				 "--write-estate)", path, ESTATE_JSON_MAX);
		sosr_die(SOSR_EXIT_IO, "estate: %s: cannot read: %s; check --estate (a directory written by "
			 "--write-estate)", path, strerror(errno));
	}
	char file[PATH_MAX + 16], why[200];
	snprintf(file, sizeof file, "estate: %s", path);
	const struct jd_ctx c = { file, "check the estate file (see docs/SIMULATOR.md)", SOSR_EXIT_DATA };
	struct json_object *meta = jsondoc_parse(b.data ? b.data : "", b.len, why, sizeof why);
	buf_free(&b);
	if (!meta)
		jd_fail(&c, "(file)", "not valid JSON: %s", why);
	if (!json_object_is_type(meta, json_type_object))
		jd_fail(&c, "(top level)", "expected an object");

	long long v;
	if (!jd_int(&c, meta, "", "format", LLONG_MIN, LLONG_MAX, &v))
		jd_fail(&c, "format", "missing");
	if (v != 1)
		jd_fail(&c, "format", "%lld is unknown; this simulator reads format 1", v);
	e->c_code = xstrdup(need_str(&c, meta, "", "c_code"));
	const char *now = need_str(&c, meta, "", "now");
	if (tu_parse_rfc3339(now, strlen(now), &e->now) != 0)
		jd_fail(&c, "now", "not an RFC 3339 time");
	if (jd_int(&c, meta, "", "seed", 0, INT64_MAX, &v))
		e->seed = (uint64_t)v;

	char kp[64];
	struct json_object *oc = jd_array(&c, meta, "", "other_c_codes");
	e->n_other = oc ? json_object_array_length(oc) : 0;
	e->other_c_codes = xcalloc(e->n_other + 1, sizeof *e->other_c_codes);
	for (size_t i = 0; i < e->n_other; i++) {
		struct json_object *s = json_object_array_get_idx(oc, i);
		snprintf(kp, sizeof kp, "other_c_codes[%zu]", i);
		if (!json_object_is_type(s, json_type_string))
			jd_fail(&c, kp, "expected a string");
		e->other_c_codes[i] = xstrdup(json_object_get_string(s));
	}

	struct json_object *acs = jd_array(&c, meta, "", "accounts");
	if (!acs || json_object_array_length(acs) == 0 || json_object_array_length(acs) > 65535)
		jd_fail(&c, "accounts", "expected an array of 1 to 65535 accounts");
	e->naccounts = json_object_array_length(acs);
	e->accounts = xcalloc(e->naccounts, sizeof *e->accounts);
	for (size_t a = 0; a < e->naccounts; a++) {
		struct json_object *ac = json_object_array_get_idx(acs, a);
		snprintf(kp, sizeof kp, "accounts[%zu]", a);
		if (!json_object_is_type(ac, json_type_object))
			jd_fail(&c, kp, "expected an object");
		e->accounts[a].id = xstrdup(need_str(&c, ac, kp, "id"));
		e->accounts[a].username = xstrdup(need_str(&c, ac, kp, "username"));
		const char *au = jd_str(&c, ac, kp, "auth", 0);
		if (au && strcmp(au, "basic") != 0 && strcmp(au, "apikey") != 0) {
			char akp[80];
			jd_fail(&c, jd_keypath(akp, sizeof akp, kp, "auth"), "expected \"basic\" or \"apikey\"");
		}
		e->accounts[a].auth = au && strcmp(au, "apikey") == 0 ? AUTH_APIKEY : AUTH_BASIC;
		int first = account_index(e, e->accounts[a].id);
		if (first != (int)a) {
			char ikp[80];
			jd_fail(&c, jd_keypath(ikp, sizeof ikp, kp, "id"), "the same id as accounts[%d]", first);
		}
	}
	json_object_put(meta);
}

/* ---- softlayer.ndjson and sos.ndjson ---------------------------------- */

/* An optional string member, copied (xstrdup) or interned; NULL when absent. */
static char *opt_dup(const struct ndjson_reader *rd, struct json_object *o, const char *k)
{
	const char *s = get_str(rd, o, k, 0);
	return s ? xstrdup(s) : NULL;
}

static const char *opt_intern(struct estate *e, const struct ndjson_reader *rd, struct json_object *o, const char *k)
{
	const char *s = get_str(rd, o, k, 0);
	return s ? estate_intern(e, s) : NULL;
}

/* The capacities of the estate's arrays while they grow. */
struct caps {
	size_t sl, slv, sos, sosv;
};

/* One line of softlayer.ndjson: a device or a VLAN of an account. */
static void sl_record(struct estate *e, const struct ndjson_reader *rd, struct json_object *o, struct caps *cap)
{
	int a = account_index(e, get_str(rd, o, "account", 1));
	if (a < 0)
		load_fail(rd, "\"account\" is not in estate.json");
	const char *type = get_str(rd, o, "type", 1);
	if (strcmp(type, "vlan") == 0) {
		GROW(e->slv, e->nslv, cap->slv);
		struct sl_vlan *v = &e->slv[e->nslv++];
		memset(v, 0, sizeof *v);
		v->account = (uint16_t)a;
		v->id = (uint32_t)get_int(rd, o, "id", 1, UINT32_MAX, 1);
		v->number = (uint16_t)get_int(rd, o, "number", 1, 4095, 1);
		v->router = estate_intern(e, get_str(rd, o, "router", 1));
		v->datacenter = estate_intern(e, get_str(rd, o, "datacenter", 1));
		v->space = (uint8_t)get_enum(rd, o, "space", spaces, 1);
		v->name = opt_dup(rd, o, "name");
	} else if (strcmp(type, "hardware") == 0 || strcmp(type, "virtual_guest") == 0) {
		GROW(e->sl, e->nsl, cap->sl);
		struct sl_dev *d = &e->sl[e->nsl++];
		memset(d, 0, sizeof *d);
		d->account = (uint16_t)a;
		d->type = type[0] == 'h' ? SL_HARDWARE : SL_GUEST;
		d->id = (uint32_t)get_int(rd, o, "id", 1, UINT32_MAX, 1);
		d->hostname = opt_dup(rd, o, "hostname");
		d->domain = estate_intern(e, get_str(rd, o, "domain", 1));
		d->private_ip = get_ip(rd, o, "private_ip");
		d->public_ip = get_ip(rd, o, "public_ip");
		d->datacenter = estate_intern(e, get_str(rd, o, "datacenter", 1));
		d->serial = opt_dup(rd, o, "serial");
		d->status = estate_intern(e, get_str(rd, o, "status", 1));
		d->halted = get_enum(rd, o, "power", powers, 0) == 1;
		d->created = get_time(rd, o, "created");
	} else {
		load_fail(rd, "\"type\" is not hardware, virtual_guest or vlan");
	}
}

/* One line of sos.ndjson: {"type":"device"|"vlan","item":<the API item>}. */
static void sos_record(struct estate *e, const struct ndjson_reader *rd, struct json_object *o, struct caps *cap)
{
	const char *type = get_str(rd, o, "type", 1);
	struct json_object *it = jget_obj(o, "item");
	if (!it)
		load_fail(rd, "missing \"item\" object");
	if (strcmp(type, "device") == 0) {
		GROW(e->sos, e->nsos, cap->sos);
		struct sos_dev *d = &e->sos[e->nsos++];
		memset(d, 0, sizeof *d);
		d->hostname = opt_dup(rd, it, "hostname");
		d->domain = opt_intern(e, rd, it, "domain");
		d->ip_address = get_ip(rd, it, "ip_address");
		d->public_ip = get_ip(rd, it, "public_ip");
		d->datacenter = opt_intern(e, rd, it, "datacenter");
		d->serial = opt_dup(rd, it, "serial");
		d->softlayer_id = (uint32_t)get_int(rd, it, "softlayer_id", 1, UINT32_MAX, 0);
		d->bare_metal = get_enum(rd, it, "device_type", device_types, 1) == 1;
		d->application = opt_intern(e, rd, it, "application");
		d->environment = opt_intern(e, rd, it, "environment");
		d->status = (uint8_t)get_enum(rd, it, "status", statuses, 1);
		d->updated = get_time(rd, it, "updated");
	} else if (strcmp(type, "vlan") == 0) {
		GROW(e->sosv, e->nsosv, cap->sosv);
		struct sos_vlan *v = &e->sosv[e->nsosv++];
		memset(v, 0, sizeof *v);
		v->vlan_id = (uint32_t)get_int(rd, it, "vlan_id", 1, UINT32_MAX, 0);
		v->vlan_number = (uint16_t)get_int(rd, it, "vlan_number", 1, 4095, 1);
		v->router = estate_intern(e, get_str(rd, it, "router", 1));
		v->datacenter = opt_intern(e, rd, it, "datacenter");
		v->space = (uint8_t)get_enum(rd, it, "network_space", spaces, 1);
		v->name = opt_dup(rd, it, "name");
		v->scan_zone = opt_intern(e, rd, it, "scan_zone");
	} else {
		load_fail(rd, "\"type\" is not device or vlan");
	}
}

typedef void record_fn(struct estate *e, const struct ndjson_reader *rd, struct json_object *o, struct caps *cap);

/* Every line of the NDJSON file PATH, through RECORD. */
static void load_records(struct estate *e, const char *path, record_fn *record, struct caps *cap)
{
	struct ndjson_reader rd;
	char *line;
	size_t len;
	int rc;
	if (ndjson_open(&rd, path, NDJSON_DEFAULT_MAX_LINE) != 0)
		sosr_die(SOSR_EXIT_IO, "estate: %s: %s; check --estate (a directory written by --write-estate)", path, rd.err);
	while ((rc = ndjson_next(&rd, &line, &len)) > 0) {
		struct json_object *o = ndjson_parse(&rd, line, len);
		if (!o)
			ndjson_die(&rd);
		record(e, &rd, o, cap);
		json_object_put(o);
	}
	if (rc < 0)
		ndjson_die(&rd);
	ndjson_close(&rd);
}

void estate_load(struct estate *e, const char *dir)
{
	memset(e, 0, sizeof *e);
	size_t n = strlen(dir) + 32;
	char *path = xmalloc(n);
	struct caps cap = { 0, 0, 0, 0 };
	snprintf(path, n, "%s/estate.json", dir);
	load_meta(e, path);
	snprintf(path, n, "%s/softlayer.ndjson", dir);
	load_records(e, path, sl_record, &cap);
	snprintf(path, n, "%s/sos.ndjson", dir);
	load_records(e, path, sos_record, &cap);
	free(path);
	estate_index(e);
}
