/*
 * sos.c - the SOS inventory API, as the contract of specs/sos-api.md
 * describes it: Bearer token, c_code/offset/limit paging, a JSON envelope
 * with "total", and errors as {"error":{"code","message"}}.
 *
 * Items come in the estate's order (stable between calls, unlike
 * SoftLayer's unordered pages), their fields in the spec's order; absent
 * values are omitted.
 */
#include "api.h"
#include "buf.h"
#include "estate.h"
#include "err.h"
#include "timeutil.h"
#include "faults.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The header carrying the token and its scheme (--sos-auth-header,
 * --sos-auth-scheme; an empty scheme: the header is the bare token). */
static const char *auth_header = "Authorization";
static const char *auth_scheme = "Bearer";

void sos_configure(const char *header, const char *scheme)
{
	if (header)
		auth_header = header;
	if (scheme)
		auth_scheme = scheme;
}

#define SOS_DEFAULT_LIMIT 500
#define SOS_MAX_LIMIT 10000

static void opt_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static void opt_ip(struct json_object *o, const char *k, uint32_t ip)
{
	char s[16];
	if (ip) {
		fmt_ip(ip, s);
		json_object_object_add(o, k, json_object_new_string(s));
	}
}

struct json_object *sos_device_json(const struct estate *e, uint32_t idx)
{
	static const char *const status[] = { "Live", "Build", "Available" };
	const struct sos_dev *d = &e->sos[idx];
	struct json_object *o = json_object_new_object();
	char t[TU_UTC_LEN + 1];
	opt_str(o, "hostname", d->hostname);
	opt_str(o, "domain", d->domain);
	opt_ip(o, "ip_address", d->ip_address);
	opt_ip(o, "public_ip", d->public_ip);
	opt_str(o, "datacenter", d->datacenter);
	opt_str(o, "serial", d->serial);
	if (d->softlayer_id)
		json_object_object_add(o, "softlayer_id", json_object_new_int64(d->softlayer_id));
	json_object_object_add(o, "device_type", json_object_new_string(d->bare_metal ? "Bare Metal" : "Virtual Server"));
	json_object_object_add(o, "c_code", json_object_new_string(e->c_code));
	opt_str(o, "application", d->application);
	opt_str(o, "environment", d->environment);
	json_object_object_add(o, "status", json_object_new_string(status[d->status % 3]));
	tu_format_utc(d->updated, t);
	json_object_object_add(o, "updated", json_object_new_string(t));
	return o;
}

struct json_object *sos_vlan_json(const struct estate *e, uint32_t idx)
{
	const struct sos_vlan *v = &e->sosv[idx];
	struct json_object *o = json_object_new_object();
	if (v->vlan_id)
		json_object_object_add(o, "vlan_id", json_object_new_int64(v->vlan_id));
	json_object_object_add(o, "vlan_number", json_object_new_int(v->vlan_number));
	opt_str(o, "router", v->router);
	opt_str(o, "datacenter", v->datacenter);
	json_object_object_add(o, "network_space", json_object_new_string(v->space == SPACE_PUBLIC ? "PUBLIC" : "PRIVATE"));
	opt_str(o, "name", v->name);
	opt_str(o, "scan_zone", v->scan_zone);
	json_object_object_add(o, "c_code", json_object_new_string(e->c_code));
	return o;
}

static void sos_error(struct reply *r, int status, const char *code, const char *msg)
{
	struct json_object *o = json_object_new_object(), *in = json_object_new_object();
	json_object_object_add(in, "code", json_object_new_string(code));
	json_object_object_add(in, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", in);
	reply_json(r, status, o);
}

void sos_unauthorized(struct reply *r, const char *why)
{
	sos_error(r, 401, "unauthorized", why);
}

/* A non-negative decimal below MAX; -1 when not. */
static long long param_num(const char *s, long long max)
{
	if (!s || !*s)
		return -1;
	long long v = 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

void sos_handle(const struct estate *e, const struct request *q, struct reply *r)
{
	int devices;
	if (strcmp(q->path, "/api/v1/inventory/devices") == 0)
		devices = 1;
	else if (strcmp(q->path, "/api/v1/inventory/vlans") == 0)
		devices = 0;
	else {
		sos_error(r, 404, "not_found", "no such endpoint");
		return;
	}
	const char *h = req_header(q, auth_header);
	if (!h) {
		sos_unauthorized(r, "missing token");
		return;
	}
	size_t sl = strlen(auth_scheme);
	if (sl) {
		if (strncasecmp(h, auth_scheme, sl) != 0 || h[sl] != ' ') {
			sos_unauthorized(r, "invalid or expired token");
			return;
		}
		h += sl + strspn(h + sl, " ");
	}
	if (strcmp(h, e->sos_token) != 0) {
		sos_unauthorized(r, "invalid or expired token");
		return;
	}
	snprintf(r->credential, sizeof r->credential, "sos");
	if (strcmp(q->method, "GET") != 0) {
		sos_error(r, 405, "method_not_allowed", "only GET is supported");
		return;
	}
	const char *cc = req_arg(q, "c_code");
	if (!cc || !*cc) {
		sos_error(r, 400, "bad_request", "missing parameter c_code");
		return;
	}
	if (strcmp(cc, e->c_code) != 0) {
		for (size_t i = 0; i < e->n_other; i++)
			if (strcmp(cc, e->other_c_codes[i]) == 0) {
				sos_error(r, 403, "forbidden", "token has no access to this C_Code");
				return;
			}
		sos_error(r, 404, "unknown_c_code", "unknown C_Code");
		return;
	}
	const char *os = req_arg(q, "offset"), *ls = req_arg(q, "limit");
	long long off = os ? param_num(os, 1LL << 40) : 0;
	long long lim = ls ? param_num(ls, SOS_MAX_LIMIT) : SOS_DEFAULT_LIMIT;
	if (off < 0) {
		sos_error(r, 400, "bad_request", "offset must be a non-negative integer");
		return;
	}
	if (lim < 1) {
		sos_error(r, 400, "bad_request", "limit must be an integer from 1 to 10000");
		return;
	}
	size_t n = devices ? e->nsos : e->nsosv;
	long long total = (long long)n + q->total_delta;
	if (q->amplify) {
		/* the amplify fault: the true total, items of "{}" (or one
		 * record holding them) */
		struct buf b = BUF_INIT(0);
		buf_printf(&b, "{\"c_code\":\"%s\",\"total\":%lld,\"offset\":%lld,\"limit\":%lld,\"items\":[%s",
			   e->c_code, total < 0 ? 0 : total, off, lim,
			   q->amplify_record ? "{\"hostname\":\"amplified\",\"x\":[" : "");
		faults_amplify(&b, q->amplify);
		buf_addstr(&b, q->amplify_record ? "]}]}" : "]}");
		reply_buf(r, 200, &b);
		return;
	}
	struct json_object *o = json_object_new_object(), *items = json_object_new_array();
	json_object_object_add(o, "c_code", json_object_new_string(e->c_code));
	json_object_object_add(o, "total", json_object_new_int64(total < 0 ? 0 : total));
	json_object_object_add(o, "offset", json_object_new_int64(off));
	json_object_object_add(o, "limit", json_object_new_int64(lim));
	for (long long i = off; i < (long long)n && i < off + lim; i++)
		json_object_array_add(items, devices ? sos_device_json(e, (uint32_t)i) : sos_vlan_json(e, (uint32_t)i));
	json_object_object_add(o, "items", items);
	reply_json(r, 200, o);
}
