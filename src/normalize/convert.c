/* convert.c - one raw record to one canonical record; see normalize.h */
#include "normalize.h"
#include "err.h"
#include "exitcodes.h"
#include "jsonscan.h"
#include "jsonw.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#define NAME_MAX_LEN 4096 /* cap on one hostname, domain or FQDN */

/* A string view of a scalar value: into json-c's memory or into num[]. */
struct val {
	const char *s;
	size_t len;
	char num[32];
};

void conv_init(struct conv *c)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->out, CANON_MAX_LINE);
	for (int i = 0; i < 3; i++)
		buf_init(&c->name[i], NAME_MAX_LEN);
	buf_init(&c->key, NAME_MAX_LEN + 32);
}

void conv_free(struct conv *c)
{
	ndjson_close(&c->pr);
	buf_free(&c->out);
	for (int i = 0; i < 3; i++)
		buf_free(&c->name[i]);
	buf_free(&c->key);
}

static int fail(struct conv *c, int code, const char *fmt, ...) SOSR_PRINTF(3, 4);

static int fail(struct conv *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	c->err_code = code;
	return -1;
}

/* Decimal text of V into OUT (at least 21 bytes); its length.  The hot
 * path formats an id per record: this is several times faster than
 * snprintf. */
static size_t fmt_i64(int64_t v, char *out)
{
	char tmp[24];
	size_t n = 0, len = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[len++] = '-';
	while (n)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The scalar O as text, trimmed of surrounding white space.  1 when there
 * is a non-empty value, 0 when absent/null/empty, -1 when it is no value
 * this tool can read exactly (an object, array or boolean, a number that
 * is not whole), with *WHY saying which, and 2 for a whole number json-c
 * cannot hold (beyond 64 bits: it saturates), whose digits the caller
 * takes from the line (TEXT_OF). */
#define TEXT_OF 2
static int scalar(struct json_object *o, struct val *v, const char **why)
{
	if (!o)
		return 0;
	switch (json_object_get_type(o)) {
	case json_type_string:
		v->s = json_object_get_string(o);
		v->len = (size_t)json_object_get_string_len(o);
		break;
	case json_type_int: {
		/* Ids above 2^63 are exact as unsigned; json-c saturates what
		 * is above 2^64 - 1 to that value and what is below -2^63 to
		 * that one: the text of those says which number it is, so
		 * that two ids never become one key. */
		int64_t i = json_object_get_int64(o);
		if (i == INT64_MAX && json_object_get_uint64(o) != (uint64_t)INT64_MAX) {
			uint64_t u = json_object_get_uint64(o);
			if (u == UINT64_MAX)
				return TEXT_OF;
			v->len = (size_t)snprintf(v->num, sizeof v->num, "%" PRIu64, u);
		} else if (i == INT64_MIN) {
			return TEXT_OF;
		} else {
			v->len = fmt_i64(i, v->num);
		}
		v->s = v->num;
		break;
	}
	case json_type_double: {
		double d = json_object_get_double(o);
		/* a whole number in int64's range only: casting anything else
		 * (1e400 is inf to json-c, NaN) is undefined behaviour */
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != (double)(int64_t)d) {
			*why = "a number that is not a whole number within 64 bits";
			return -1;
		}
		v->len = fmt_i64((int64_t)d, v->num);
		v->s = v->num;
		break;
	}
	case json_type_null:
		return 0;
	case json_type_boolean:
		*why = "a boolean, not a string or number";
		return -1;
	case json_type_object:
		*why = "an object, not a string or number";
		return -1;
	default:
		*why = "an array, not a string or number";
		return -1;
	}
	while (v->len && is_space(v->s[0])) {
		v->s++;
		v->len--;
	}
	while (v->len && is_space(v->s[v->len - 1]))
		v->len--;
	return v->len > 0;
}

/* Read field F: 1 present, 0 absent, -1 when the record's value cannot
 * be read (c->reason says why: the record becomes unidentified, the
 * stream goes on). */
static int field(const struct nopts *o, struct conv *c, enum profile p, enum mfield f,
		 struct json_object *data, struct val *v)
{
	const char *why = NULL;
	int r = scalar(map_get(&o->map, p, f, data), v, &why);
	if (r == TEXT_OF) {
		/* beyond 64 bits: the digits as the line has them */
		struct jspan t;
		r = -1;
		why = "a whole number beyond 64 bits that is not in the line as such";
		if (map_get_raw(&o->map, p, f, c->data, &t) && jscan_type(t) == JT_NUMBER) {
			v->s = t.p;
			v->len = t.len;
			r = 1;
		}
	}
	if (r < 0)
		snprintf(c->reason, sizeof c->reason, "field '%s' is %s (mapping %s.%s.%s)",
			 mfield_names[f], why, map_source_name(map_profile_source(p)), map_profile_type(p),
			 mfield_names[f]);
	return r;
}

/* The raw line as text, for what json-c does not keep: the digits of a
 * number beyond 64 bits, a member named twice.  Sets c->root and c->data
 * ("data" located from the root's members, which are short before it, its
 * end from the one pass over its own members that also looks for an
 * identity field of profile P named twice: the id, the names, the VLAN's
 * number and router).  json-c keeps the last of a name silently; such a
 * record is unidentified with the reason (c->ambiguous), its raw record
 * keeps both (docs/FORMATS.md, sections 1 and 2).  -1 when "data" is not
 * there once. */
static int raw_text(const struct nopts *o, struct conv *c, enum profile p, const char *line, size_t len)
{
	static const enum mfield device_ids[] = { MF_ID, MF_FQDN, MF_HOSTNAME, MF_DOMAIN };
	static const enum mfield vlan_ids[] = { MF_ID, MF_NUMBER, MF_ROUTER };
	int vl = map_profile_is_vlan(p), times, nd = 0;
	enum mfield f = MF_ID;
	c->root.p = line;
	c->root.len = len;
	while (c->root.len && is_space(c->root.p[0]))
		c->root.p++, c->root.len--;
	while (c->root.len && is_space(c->root.p[c->root.len - 1]))
		c->root.len--;
	c->ambiguous = 0;
	struct jiter it;
	struct jspan name, v;
	jscan_iter(&it, c->root);
	while (jscan_next_name(&it, &name)) {
		if (!jscan_name_is(name, "data", 4)) {
			jscan_skip_value(&it, &v);
			continue;
		}
		const char *end, *rend = c->root.p + c->root.len;
		struct jspan d = { it.p, (size_t)(rend - it.p) };
		int amb = map_ambiguous(&o->map, p, vl ? vlan_ids : device_ids, vl ? 3 : 4, d, &end, &f, &times);
		if (nd++ == 0) {
			c->data.p = it.p;
			c->data.len = (size_t)(end - it.p);
			c->ambiguous = amb;
		}
		it.p = end;
	}
	if (nd != 1)
		return fail(c, SOSR_EXIT_DATA, "record has the member 'data' %d times; check that the input "
			    "is raw records (docs/FORMATS.md section 1)", nd);
	if (c->ambiguous)
		snprintf(c->reason, sizeof c->reason, "field '%s' is named %d times in the record, so which "
			 "value is meant is not known (mapping %s.%s.%s)", mfield_names[f], times,
			 map_source_name(map_profile_source(p)), map_profile_type(p), mfield_names[f]);
	return 0;
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
}

/* B = lowercase of S with trailing dots removed. */
static int set_lower_name(struct buf *b, const char *s, size_t len)
{
	while (len && s[len - 1] == '.')
		len--;
	buf_reset(b);
	if (buf_add(b, s, len) < 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		b->data[i] = lower(b->data[i]);
	return 0;
}

/* ,"NAME":"escaped value" with NAME a literal: no strlen, one append. */
#define PUT_STR(out, name, s, n) \
	(buf_add((out), ",\"" name "\":", sizeof(",\"" name "\":") - 1) < 0 ? -1 : jsonw_str((out), (s), (n)))

/* Write ,"name":"lowercased value" */
static int put_lower(struct buf *out, const char *name, const struct val *v)
{
	char small[64];
	if (v->len <= sizeof small) {
		for (size_t i = 0; i < v->len; i++)
			small[i] = lower(v->s[i]);
		return jsonw_field_str(out, 0, name, small, v->len);
	}
	struct buf t = BUF_INIT(CANON_MAX_LINE);
	int r = set_lower_name(&t, v->s, v->len);
	if (r == 0)
		r = jsonw_field_str(out, 0, name, t.data ? t.data : "", t.len);
	buf_free(&t);
	return r;
}

/* IPv4 with optional leading zeros per octet ("010.001.002.003"). */
static int parse_ipv4(const char *s, size_t len, unsigned char out[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255)
			return -1;
		out[part] = (unsigned char)v;
		if (part < 3) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
	}
	return i == len ? 0 : -1;
}

/* Write ,"name":"canonical address"; text that is no address is written as
 * it came (lowercased), so that it shows up in a mismatch. */
static int put_ip(struct buf *out, const char *name, const struct val *v)
{
	char txt[INET6_ADDRSTRLEN + 1], in[64];
	unsigned char a4[4];
	unsigned char a6[16];
	if (parse_ipv4(v->s, v->len, a4) == 0) {
		size_t n = 0;
		for (int i = 0; i < 4; i++) {
			if (i)
				txt[n++] = '.';
			n += fmt_i64(a4[i], txt + n);
		}
		return jsonw_field_str(out, 0, name, txt, n);
	}
	if (v->len < sizeof in) {
		memcpy(in, v->s, v->len);
		in[v->len] = '\0';
		if (inet_pton(AF_INET6, in, a6) == 1 && inet_ntop(AF_INET6, a6, txt, sizeof txt))
			return jsonw_field_str(out, 0, name, txt, strlen(txt));
	}
	return put_lower(out, name, v);
}

/* Squeeze a vocabulary word: lowercase letters and digits only. */
static size_t squeeze(const struct val *v, char *w, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < v->len && n < cap; i++) {
		char ch = lower(v->s[i]);
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			w[n++] = ch;
	}
	w[n] = '\0';
	return n;
}

static const char *vocab(const struct val *v, const char *const table[][2])
{
	char w[40];
	if (v->len >= sizeof w)
		return "other";
	squeeze(v, w, sizeof w - 1);
	for (size_t i = 0; table[i][0]; i++)
		if (strcmp(table[i][0], w) == 0)
			return table[i][1];
	return "other";
}

static const char *const device_types[][2] = {
	{ "baremetal", "bare_metal" }, { "baremetalserver", "bare_metal" },
	{ "hardware", "bare_metal" }, { "server", "bare_metal" }, { "physical", "bare_metal" },
	{ "virtual", "virtual" }, { "virtualguest", "virtual" }, { "virtualserver", "virtual" },
	{ "virtualmachine", "virtual" }, { "vm", "virtual" }, { "vsi", "virtual" },
	{ "vs", "virtual" }, { "cci", "virtual" },
	{ NULL, NULL }
};

/* SoftLayer hardwareStatus/status keyName/powerState and SOS Status. */
static const char *const statuses[][2] = {
	{ "active", "active" }, { "deploy", "provisioning" }, { "deploy2", "provisioning" },
	{ "macwait", "provisioning" }, { "provisioning", "provisioning" },
	{ "reclaim", "reclaim" }, { "disconnected", "disconnected" }, { "halted", "halted" },
	{ "build", "build" }, { "live", "live" }, { "available", "available" },
	{ NULL, NULL }
};

static const char *const spaces[][2] = {
	{ "private", "private" }, { "public", "public" }, { NULL, NULL }
};

static int put_time(struct conv *c, const char *name, const struct val *v, unsigned long lineno)
{
	int64_t t;
	if (tu_parse_rfc3339(v->s, v->len, &t) < 0) {
		if (c->bad_time_count++ == 0)
			c->bad_time_line = lineno;
		return 0;
	}
	char utc[TU_UTC_LEN + 1];
	tu_format_utc(t, utc);
	return jsonw_field_str(&c->out, 0, name, utc, TU_UTC_LEN);
}

/* Provenance common to every kind: ,"source":..,"account"|"c_code":..,"id":.. */
static int put_provenance(struct conv *c, enum source src, struct json_object *root,
			  const struct val *id, int has_id)
{
	struct buf *out = &c->out;
	const char *pname = src == SRC_SOFTLAYER ? "account" : "c_code";
	struct json_object *po;
	struct val pv;
	if (PUT_STR(out, "source", map_source_name(src), strlen(map_source_name(src))) < 0)
		return -1;
	if (json_object_object_get_ex(root, pname, &po)) {
		const char *why = "a whole number beyond 64 bits";
		int r = scalar(po, &pv, &why);
		struct jspan t;
		if (r == TEXT_OF && jscan_member(c->root, pname, &t) == 1 && jscan_type(t) == JT_NUMBER) {
			pv.s = t.p;
			pv.len = t.len;
			r = 1;
		}
		if (r < 0 || r == TEXT_OF)
			return fail(c, SOSR_EXIT_DATA, "member '%s' is %s; check that the input is raw "
				    "records of sosr-fetch-*", pname, why);
		if (r > 0 && jsonw_field_str(out, 0, pname, pv.s, pv.len) < 0)
			return -1;
	}
	if (has_id && PUT_STR(out, "id", id->s, id->len) < 0)
		return -1;
	return 0;
}

/* Start the line: {"key":"KEY" (escaped), and remember the key's length. */
static int put_key(struct conv *c, const struct buf *kb)
{
	buf_reset(&c->out);
	if (buf_add(&c->out, "{\"key\":", 7) < 0 || jsonw_str(&c->out, kb->data, kb->len) < 0)
		return -1;
	c->key_len = c->out.len - 9;
	return 0;
}

static int unidentified(struct conv *c, enum source src, enum profile p, struct json_object *root,
			const struct val *id, int has_id, unsigned long lineno, const char *reason)
{
	struct buf *out = &c->out;
	char key[256];
	int n;
	if (has_id && id->len < 200)
		n = snprintf(key, sizeof key, "unidentified/%s/%s/%.*s", map_source_name(src),
			     map_profile_type(p), (int)id->len, id->s);
	else
		n = snprintf(key, sizeof key, "unidentified/%s/%s/line/%lu", map_source_name(src),
			     map_profile_type(p), lineno);
	struct buf *kb = &c->key;
	buf_reset(kb);
	if (buf_add(kb, key, (size_t)n) < 0 || put_key(c, kb) < 0)
		return -1;
	if (PUT_STR(out, "kind", "unidentified", 12) < 0 ||
	    PUT_STR(out, "reason", reason, strlen(reason)) < 0 ||
	    put_provenance(c, src, root, id, has_id) < 0 ||
	    PUT_STR(out, "raw_type", map_profile_type(p), strlen(map_profile_type(p))) < 0 ||
	    buf_addch(out, '}') < 0)
		return -1;
	return 0;
}

static int put_opt(struct buf *out, const char *name, const struct val *v, int has)
{
	return has ? jsonw_field_str(out, 0, name, v->s, v->len) : 0;
}

/* Read a field; a value that cannot be read makes the record unidentified
 * (the id is named when it was read). */
#define GET(f, v) int has_##v = field(o, c, p, f, data, &v); \
	if (has_##v < 0) return unidentified(c, src, p, root, &id, has_id > 0, lineno, c->reason)

static int device(const struct nopts *o, struct conv *c, enum profile p, enum source src,
		  struct json_object *root, struct json_object *data, unsigned long lineno)
{
	struct val id, fq, host, dom, pip, pub, dc, serial, dtype, status, power, created, app, env, upd;
	if (c->ambiguous)
		return unidentified(c, src, p, root, &id, 0, lineno, c->reason);
	int has_id = field(o, c, p, MF_ID, data, &id);
	if (has_id < 0)
		return unidentified(c, src, p, root, &id, 0, lineno, c->reason);
	GET(MF_FQDN, fq);
	GET(MF_HOSTNAME, host);
	GET(MF_DOMAIN, dom);
	struct buf *bf = &c->name[0], *bh = &c->name[1], *bd = &c->name[2];
	int too_long = 0;
	/* The names: see docs/FORMATS.md ("a hostname that already contains a
	 * dot is taken as fully qualified"). */
	buf_reset(bf);
	buf_reset(bh);
	buf_reset(bd);
	if (has_host && set_lower_name(bh, host.s, host.len) < 0)
		too_long = 1;
	if (has_dom && set_lower_name(bd, dom.s, dom.len) < 0)
		too_long = 1;
	if (has_fq && set_lower_name(bf, fq.s, fq.len) < 0)
		too_long = 1;
	if (too_long) {
		snprintf(c->reason, sizeof c->reason, "hostname, domain or FQDN longer than %u bytes",
			 NAME_MAX_LEN);
		return unidentified(c, src, p, root, &id, has_id, lineno, c->reason);
	}
	if (bh->len && memchr(bh->data, '.', bh->len)) {
		if (!bf->len && buf_add(bf, bh->data, bh->len) < 0)
			too_long = 1;
		const char *dot = memchr(bh->data, '.', bh->len);
		size_t hl = (size_t)(dot - bh->data);
		buf_reset(bd);
		if (buf_add(bd, dot + 1, bh->len - hl - 1) < 0)
			too_long = 1;
		bh->len = hl;
		bh->data[hl] = '\0';
	} else if (!bf->len && bh->len) {
		const char *d = bd->len ? bd->data : NULL;
		size_t dl = bd->len;
		if (!d && o->ndomains) {
			d = o->domains[0];
			dl = strlen(d);
			if (buf_add(bd, d, dl) < 0)
				too_long = 1;
		}
		if (buf_add(bf, bh->data, bh->len) < 0 ||
		    (d && (buf_addch(bf, '.') < 0 || buf_add(bf, bd->data, bd->len) < 0)))
			too_long = 1;
	} else if (bf->len && !bh->len) {
		const char *dot = memchr(bf->data, '.', bf->len);
		size_t hl = dot ? (size_t)(dot - bf->data) : bf->len;
		if (buf_add(bh, bf->data, hl) < 0 ||
		    (dot && !bd->len && buf_add(bd, dot + 1, bf->len - hl - 1) < 0))
			too_long = 1;
	}
	if (too_long) {
		snprintf(c->reason, sizeof c->reason, "FQDN longer than %u bytes", NAME_MAX_LEN);
		return unidentified(c, src, p, root, &id, has_id, lineno, c->reason);
	}
	if (o->key_by_id ? !has_id : !bf->len)
		return unidentified(c, src, p, root, &id, has_id, lineno,
				    o->key_by_id ? "no id" : "no hostname");

	GET(MF_PRIVATE_IP, pip);
	GET(MF_PUBLIC_IP, pub);
	GET(MF_DATACENTER, dc);
	GET(MF_SERIAL, serial);
	GET(MF_DEVICE_TYPE, dtype);
	GET(MF_STATUS, status);
	GET(MF_POWER_STATE, power);
	GET(MF_CREATED, created);
	GET(MF_APPLICATION, app);
	GET(MF_ENVIRONMENT, env);
	GET(MF_UPDATED, upd);

	struct buf *out = &c->out, *kb = &c->key;
	buf_reset(kb);
	if ((o->key_by_id ? buf_add(kb, "device/id/", 10) < 0 || buf_add(kb, id.s, id.len) < 0
	     : buf_add(kb, "device/", 7) < 0 || buf_add(kb, bf->data, bf->len) < 0) ||
	    put_key(c, kb) < 0)
		return -1;
	if (buf_add(out, ",\"kind\":\"device\"", 16) < 0 ||
	    (bf->len && PUT_STR(out, "fqdn", bf->data, bf->len) < 0) ||
	    (bh->len && PUT_STR(out, "hostname", bh->data, bh->len) < 0) ||
	    (bd->len && PUT_STR(out, "domain", bd->data, bd->len) < 0) ||
	    (has_pip && put_ip(out, "private_ip", &pip) < 0) ||
	    (has_pub && put_ip(out, "public_ip", &pub) < 0) ||
	    (has_dc && put_lower(out, "datacenter", &dc) < 0) ||
	    put_opt(out, "serial", &serial, has_serial) < 0)
		return -1;
	const char *dt = NULL;
	if (has_dtype)
		dt = vocab(&dtype, device_types);
	else if (src == SRC_SOFTLAYER)
		dt = p == P_SL_HARDWARE ? "bare_metal" : "virtual";
	if (dt && PUT_STR(out, "device_type", dt, strlen(dt)) < 0)
		return -1;
	if (put_provenance(c, src, root, &id, has_id) < 0)
		return -1;
	if (has_status) {
		const char *st = vocab(&status, statuses);
		/* A guest that is ACTIVE but powered off is reported as halted. */
		if (has_power && strcmp(st, "active") == 0 && strcmp(vocab(&power, statuses), "halted") == 0)
			st = "halted";
		if (PUT_STR(out, "status", st, strlen(st)) < 0)
			return -1;
	}
	if ((has_created && put_time(c, "created", &created, lineno) < 0) ||
	    put_opt(out, "application", &app, has_app) < 0 ||
	    put_opt(out, "environment", &env, has_env) < 0 ||
	    (has_upd && put_time(c, "updated", &upd, lineno) < 0) ||
	    buf_addch(out, '}') < 0)
		return -1;
	return 0;
}

static int vlan(const struct nopts *o, struct conv *c, enum profile p, enum source src,
		struct json_object *root, struct json_object *data, unsigned long lineno)
{
	struct val id, num, router, dc, space, name, zone;
	if (c->ambiguous)
		return unidentified(c, src, p, root, &id, 0, lineno, c->reason);
	int has_id = field(o, c, p, MF_ID, data, &id);
	if (has_id < 0)
		return unidentified(c, src, p, root, &id, 0, lineno, c->reason);
	GET(MF_NUMBER, num);
	GET(MF_ROUTER, router);
	if (!has_num)
		return unidentified(c, src, p, root, &id, has_id, lineno, "no VLAN number");
	long long n = 0;
	for (size_t i = 0; i < num.len; i++) {
		if (num.s[i] < '0' || num.s[i] > '9' || n > 100000000)
			return unidentified(c, src, p, root, &id, has_id, lineno,
					    "VLAN number is not a whole number");
		n = n * 10 + (num.s[i] - '0');
	}
	if (!has_router)
		return unidentified(c, src, p, root, &id, has_id, lineno, "no router");
	GET(MF_DATACENTER, dc);
	GET(MF_SPACE, space);
	GET(MF_NAME, name);
	GET(MF_SCAN_ZONE, zone);
	struct buf *br = &c->name[0];
	if (set_lower_name(br, router.s, router.len) < 0) {
		snprintf(c->reason, sizeof c->reason, "router name longer than %u bytes", NAME_MAX_LEN);
		return unidentified(c, src, p, root, &id, has_id, lineno, c->reason);
	}
	struct buf *out = &c->out, *kb = &c->key;
	buf_reset(kb);
	if (buf_add(kb, "vlan/", 5) < 0 || buf_add(kb, br->data, br->len) < 0 ||
	    buf_printf(kb, "/%lld", n) < 0 || put_key(c, kb) < 0)
		return -1;
	if (buf_add(out, ",\"kind\":\"vlan\"", 14) < 0 ||
	    jsonw_field_int(out, 0, "number", n) < 0 ||
	    PUT_STR(out, "router", br->data, br->len) < 0 ||
	    (has_dc && put_lower(out, "datacenter", &dc) < 0))
		return -1;
	if (has_space) {
		const char *sp = vocab(&space, spaces);
		if (PUT_STR(out, "space", sp, strlen(sp)) < 0)
			return -1;
	}
	if (put_opt(out, "name", &name, has_name) < 0 ||
	    put_provenance(c, src, root, &id, has_id) < 0 ||
	    put_opt(out, "scan_zone", &zone, has_zone) < 0 ||
	    buf_addch(out, '}') < 0)
		return -1;
	return 0;
}

int convert(const struct nopts *o, struct conv *c, const char *line, size_t len,
	    unsigned long lineno)
{
	struct json_object *root = ndjson_parse(&c->pr, line, len);
	if (!root)
		return fail(c, c->pr.err_code, "%s", c->pr.err);
	int ret = -1;
	struct json_object *so, *to, *data;
	int src = -1;
	if (json_object_object_get_ex(root, "source", &so)) {
		const char *s = json_object_get_string(so);
		if (!json_object_is_type(so, json_type_string) ||
		    (strcmp(s, "softlayer") != 0 && strcmp(s, "sos") != 0)) {
			fail(c, SOSR_EXIT_DATA, "member 'source' is not \"softlayer\" or \"sos\"");
			goto out;
		}
		src = strcmp(s, "softlayer") == 0 ? SRC_SOFTLAYER : SRC_SOS;
		if (o->source >= 0 && src != o->source) {
			fail(c, SOSR_EXIT_DATA, "record source '%s' differs from --source '%s'; "
			     "check that the right file is being normalized", s,
			     map_source_name((enum source)o->source));
			goto out;
		}
	} else {
		src = o->source;
		if (src < 0) {
			fail(c, SOSR_EXIT_DATA, "record has no 'source' member; give --source");
			goto out;
		}
	}
	if (!json_object_object_get_ex(root, "type", &to) || !json_object_is_type(to, json_type_string)) {
		fail(c, SOSR_EXIT_DATA, "record has no string member 'type'; "
		     "check that the input is raw records (docs/FORMATS.md section 1)");
		goto out;
	}
	int p = map_profile((enum source)src, json_object_get_string(to),
			    (size_t)json_object_get_string_len(to));
	if (p < 0) {
		fail(c, SOSR_EXIT_DATA, "unknown record type '%s' for source '%s' (expected %s)",
		     json_object_get_string(to), map_source_name((enum source)src),
		     src == SRC_SOFTLAYER ? "hardware, virtual_guest or vlan" : "device or vlan");
		goto out;
	}
	if (!json_object_object_get_ex(root, "data", &data) || !json_object_is_type(data, json_type_object)) {
		fail(c, SOSR_EXIT_DATA, "record has no object member 'data'; "
		     "check that the input is raw records (docs/FORMATS.md section 1)");
		goto out;
	}
	if (raw_text(o, c, (enum profile)p, line, len) < 0)
		goto out;
	c->err_code = 0;
	if (map_profile_is_vlan((enum profile)p))
		ret = vlan(o, c, (enum profile)p, (enum source)src, root, data, lineno);
	else
		ret = device(o, c, (enum profile)p, (enum source)src, root, data, lineno);
	if (ret < 0 && c->err_code == 0) {
		/* a value too long for the canonical line: the record is
		 * unidentified, the stream goes on */
		struct val none;
		memset(&none, 0, sizeof none);
		snprintf(c->reason, sizeof c->reason, "a value makes the record longer than the "
			 "canonical cap of %u bytes", CANON_MAX_LINE);
		ret = unidentified(c, (enum source)src, (enum profile)p, root, &none, 0, lineno, c->reason);
	}
out:
	json_object_put(root);
	return ret;
}
