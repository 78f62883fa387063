/* config.c - see config.h */
#include "config.h"
#include "buf.h"
#include "canon.h"
#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "fileio.h"
#include "jsondoc.h"
#include "secret.h"
#include "text.h"

#include <json-c/json.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int config_valid_c_code(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > C_CODE_MAX || !(s[0] >= 'A' && s[0] <= 'Z'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= '0' && s[i] <= '9') && s[i] != '_')
			return 0;
	return 1;
}

int config_domain(char *d)
{
	size_t n = strlen(d);
	while (n && d[n - 1] == '.')
		d[--n] = '\0';
	for (char *p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return *d == '\0' || strpbrk(d, "/\" \t\r\n") ? -1 : 0;
}

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	struct fetch_config *f[] = { &c->sl.fetch, &c->sos.fetch };
	for (size_t i = 0; i < 2; i++) {
		f[i]->page_size = f[i]->concurrency = f[i]->rate_limit = -1;
		f[i]->timeout = -1;
		f[i]->allow_empty = f[i]->allow_insecure_http = -1;
	}
	c->alert.allow_insecure_http = -1;
	for (int t = 0; t < ALERT_N; t++)
		c->alert.target[t].post_daily = -1;
	for (int i = 0; i < GH_EVENT_N; i++)
		c->alert.github.event_on[i] = -1;
	for (int i = 0; i < TICKET_N; i++)
		c->tickets.severity[i] = -1;
	c->history.keep_days = c->history.drop_count = -1;
	c->history.drop_percent = -1;
	c->exceptions.max_days = -1;
	c->locker.push = -1;
	c->locker.push_retries = -1;
	c->norm.key_by_id = -1;
	c->norm.memory = -1;
	c->diff.grace = -1;
	thresholds_default(&c->thresholds);
}

/* ---- typed getters of this file's shapes, over jsondoc's ---- */

static char *str_dup(const struct jd_ctx *x, struct json_object *o, const char *path, const char *key)
{
	const char *s = jd_str(x, o, path, key, 0);
	return s ? xstrdup(s) : NULL;
}

static long get_int(const struct jd_ctx *x, struct json_object *o, const char *path, const char *key,
		    long min, long max)
{
	long long v;
	return jd_int(x, o, path, key, min, max, &v) ? (long)v : -1;
}

static double get_seconds(const struct jd_ctx *x, struct json_object *o, const char *path, const char *key)
{
	double d;
	if (!jd_number(x, o, path, key, 0, 86400, &d))
		return -1;
	return d;
}

/* An environment variable's name: the driver removes it from the stages
 * that must not see it, so it has to be one. */
static char *env_name(const struct jd_ctx *x, struct json_object *o, const char *path, const char *key)
{
	char *s = str_dup(x, o, path, key);
	if (!s)
		return NULL;
	int ok = (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_';
	for (const char *p = s; *p && ok; p++)
		ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		     *p == '_';
	if (!ok) {
		char kp[512];
		free(s);
		jd_fail(x, jd_keypath(kp, sizeof kp, path, key),
			"expected the name of an environment variable (letters, digits and '_')");
	}
	return s;
}

/* PATH relative to the directory of the configuration file CFG. */
static char *beside(const char *cfg, const char *path)
{
	const char *slash = strrchr(cfg, '/');
	if (path[0] == '/' || !slash)
		return xstrdup(path);
	struct buf b = BUF_INIT(0);
	buf_printf(&b, "%.*s/%s", (int)(slash - cfg), cfg, path);
	return buf_detach(&b, NULL);
}

/* The keys both fetchers' sections have, of SECTION. */
static void load_fetch(const struct jd_ctx *x, struct json_object *o, const char *section,
		       struct fetch_config *f)
{
	f->page_size = get_int(x, o, section, "page_size", 2, 10000);
	f->concurrency = get_int(x, o, section, "concurrency", 1, 64);
	f->rate_limit = get_int(x, o, section, "rate_limit", 1, 1000);
	f->timeout = get_seconds(x, o, section, "timeout");
	int b;
	if (jd_bool(x, o, section, "allow_empty", &b))
		f->allow_empty = b;
	if (jd_bool(x, o, section, "allow_insecure_http", &b))
		f->allow_insecure_http = b;
	const char *ca = jd_str(x, o, section, "ca_file", 0);
	f->ca_file = ca ? beside(x->file, ca) : NULL;
}

/* ---- softlayer ---- */

static void load_account(const struct jd_ctx *x, struct json_object *o, size_t i, struct sl_account *a)
{
	static const char *const keys[] = { "id", "auth", "username", "api_key_env", "api_key_file",
					    "token_env", "token_file", NULL };
	char path[64], kp[128];
	snprintf(path, sizeof path, "softlayer.accounts[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		jd_fail(x, path, "expected an object");
	jd_only_keys(x, o, path, keys);
	a->id = str_dup(x, o, path, "id");
	if (!a->id)
		jd_fail(x, jd_keypath(kp, sizeof kp, path, "id"), "missing; every account needs its id");
	int ok = strlen(a->id) <= 32;
	for (const char *p = a->id; *p && ok; p++)
		ok = isalnum((unsigned char)*p) || *p == '-' || *p == '_';
	if (!ok)
		jd_fail(x, jd_keypath(kp, sizeof kp, path, "id"),
			"expected an account id: 1 to 32 letters, digits, '-' or '_'");
	const char *auth = jd_str(x, o, path, "auth", 0);
	a->auth = SL_AUTH_BASIC;
	if (auth) {
		if (strcmp(auth, "basic") == 0)
			a->auth = SL_AUTH_BASIC;
		else if (strcmp(auth, "apikey") == 0)
			a->auth = SL_AUTH_APIKEY;
		else if (strcmp(auth, "bearer") == 0)
			a->auth = SL_AUTH_BEARER;
		else
			jd_fail(x, jd_keypath(kp, sizeof kp, path, "auth"),
				"expected \"basic\", \"apikey\" or \"bearer\"");
	}
	a->username = str_dup(x, o, path, "username");
	char *ke = env_name(x, o, path, "api_key_env"), *kf = str_dup(x, o, path, "api_key_file");
	char *te = env_name(x, o, path, "token_env"), *tf = str_dup(x, o, path, "token_file");
	if (a->auth == SL_AUTH_BEARER) {
		if (ke || kf)
			jd_fail(x, jd_keypath(kp, sizeof kp, path, ke ? "api_key_env" : "api_key_file"),
				"not used with auth \"bearer\"; use token_env or token_file");
		a->secret_env = te;
		a->secret_file = tf;
	} else {
		if (te || tf)
			jd_fail(x, jd_keypath(kp, sizeof kp, path, te ? "token_env" : "token_file"),
				"only used with auth \"bearer\"; use api_key_env or api_key_file");
		a->secret_env = ke;
		a->secret_file = kf;
	}
	if (a->secret_env && a->secret_file)
		jd_fail(x, path, a->auth == SL_AUTH_BEARER ? "both token_env and token_file are set; set one"
							   : "both api_key_env and api_key_file are set; set one");
	if (!a->secret_env && !a->secret_file)
		jd_fail(x, path, "no credential: set %s", a->auth == SL_AUTH_BEARER
				 ? "token_env or token_file" : "api_key_env or api_key_file");
	if (a->auth == SL_AUTH_BASIC && !a->username)
		jd_fail(x, jd_keypath(kp, sizeof kp, path, "username"),
			"missing; auth \"basic\" needs the SoftLayer user name");
	if (a->auth != SL_AUTH_BASIC && a->username)
		jd_fail(x, jd_keypath(kp, sizeof kp, path, "username"), "only used with auth \"basic\"");
}

static void load_softlayer(const struct jd_ctx *x, struct json_object *o, struct sl_config *s)
{
	static const char *const keys[] = { "endpoint", "page_size", "concurrency", "rate_limit",
					    "timeout", "allow_empty", "allow_insecure_http", "ca_file",
					    "accounts", NULL };
	jd_only_keys(x, o, "softlayer", keys);
	s->endpoint = str_dup(x, o, "softlayer", "endpoint");
	load_fetch(x, o, "softlayer", &s->fetch);
	struct json_object *acc = jget(o, "accounts");
	if (!acc)
		return;
	if (!json_object_is_type(acc, json_type_array))
		jd_fail(x, "softlayer.accounts", "expected a non-empty array of accounts");
	size_t n = json_object_array_length(acc);
	if (n == 0)
		jd_fail(x, "softlayer.accounts", "empty; name at least one account");
	s->accounts = xcalloc(n, sizeof *s->accounts);
	s->n_accounts = n;
	for (size_t i = 0; i < n; i++)
		load_account(x, json_object_array_get_idx(acc, i), i, &s->accounts[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->accounts[i].id, s->accounts[j].id) == 0) {
				char kp[64];
				snprintf(kp, sizeof kp, "softlayer.accounts[%zu].id", i);
				jd_fail(x, kp, "the same account is listed twice");
			}
}

/* ---- sos ---- */

static void load_sos(const struct jd_ctx *x, struct json_object *o, struct sos_config *s)
{
	static const char *const keys[] = { "url", "token_env", "token_file", "auth_header",
					    "auth_scheme", "devices_path", "vlans_path",
					    "c_code_param", "offset_param", "limit_param",
					    "total_field", "items_field", "page_size",
					    "concurrency", "rate_limit", "timeout", "allow_empty",
					    "allow_insecure_http", "ca_file", NULL };
	jd_only_keys(x, o, "sos", keys);
	s->url = str_dup(x, o, "sos", "url");
	s->token_env = env_name(x, o, "sos", "token_env");
	s->token_file = str_dup(x, o, "sos", "token_file");
	if (s->token_env && s->token_file)
		jd_fail(x, "sos", "both token_env and token_file are set; set one");
	s->auth_header = str_dup(x, o, "sos", "auth_header");
	if (s->auth_header && s->auth_header[strcspn(s->auth_header, ": \t\r\n")])
		jd_fail(x, "sos.auth_header", "expected a header name (no ':' or blanks)");
	/* "" means the token alone, as API-key headers want it. */
	const char *scheme = jd_str(x, o, "sos", "auth_scheme", JD_EMPTY_OK);
	s->auth_scheme = scheme ? xstrdup(scheme) : NULL;
	if (s->auth_scheme && s->auth_scheme[strcspn(s->auth_scheme, ": \t\r\n")])
		jd_fail(x, "sos.auth_scheme", "expected one word such as \"Bearer\"");
	s->devices_path = str_dup(x, o, "sos", "devices_path");
	s->vlans_path = str_dup(x, o, "sos", "vlans_path");
	if (s->devices_path && s->devices_path[0] != '/')
		jd_fail(x, "sos.devices_path", "expected a path starting with '/'");
	if (s->vlans_path && s->vlans_path[0] != '/')
		jd_fail(x, "sos.vlans_path", "expected a path starting with '/'");
	s->c_code_param = str_dup(x, o, "sos", "c_code_param");
	s->offset_param = str_dup(x, o, "sos", "offset_param");
	s->limit_param = str_dup(x, o, "sos", "limit_param");
	s->total_field = str_dup(x, o, "sos", "total_field");
	s->items_field = str_dup(x, o, "sos", "items_field");
	load_fetch(x, o, "sos", &s->fetch);
}

/* ---- normalize ---- */


static void load_normalize(const struct jd_ctx *x, struct json_object *o, struct normalize_config *n)
{
	static const char *const keys[] = { "default_domains", "device_key", "map", "memory", NULL };
	jd_only_keys(x, o, "normalize", keys);
	struct json_object *dd = jget(o, "default_domains");
	if (dd) {
		const char *what = "expected an array of domain names";
		if (!json_object_is_type(dd, json_type_array))
			jd_fail(x, "normalize.default_domains", "%s", what);
		size_t len = json_object_array_length(dd);
		if (len > CONFIG_MAX_DOMAINS)
			jd_fail(x, "normalize.default_domains", "more than %d domains", CONFIG_MAX_DOMAINS);
		for (size_t i = 0; i < len; i++) {
			struct json_object *e = json_object_array_get_idx(dd, i);
			char kp[64];
			snprintf(kp, sizeof kp, "normalize.default_domains[%zu]", i);
			if (!json_object_is_type(e, json_type_string))
				jd_fail(x, kp, "%s", what);
			char *d = xstrdup(json_object_get_string(e));
			n->default_domains[n->n_default_domains++] = d;
			if (config_domain(d) < 0)
				jd_fail(x, kp, "'%.64s' is not a domain name", json_object_get_string(e));
		}
	}
	const char *key = jd_str(x, o, "normalize", "device_key", 0);
	if (key) {
		if (strcmp(key, "fqdn") == 0)
			n->key_by_id = 0;
		else if (strcmp(key, "id") == 0)
			n->key_by_id = 1;
		else
			jd_fail(x, "normalize.device_key", "expected \"fqdn\" or \"id\"");
	}
	const char *map = jd_str(x, o, "normalize", "map", 0);
	if (map)
		n->map = beside(x->file, map);
	const char *mem = jd_str(x, o, "normalize", "memory", 0);
	if (mem) {
		unsigned long long v;
		char lim[24];
		if (cli_parse_size(mem, &v) < 0)
			jd_fail(x, "normalize.memory", "expected a size like \"256M\" or \"1G\"");
		if (v < (unsigned long long)CONFIG_MIN_MEMORY)
			jd_fail(x, "normalize.memory", "less than %s, the least it takes",
				cli_format_size((unsigned long long)CONFIG_MIN_MEMORY, lim, sizeof lim));
		if (v > (unsigned long long)CONFIG_MAX_MEMORY)
			jd_fail(x, "normalize.memory", "more than %s, the most it takes",
				cli_format_size((unsigned long long)CONFIG_MAX_MEMORY, lim, sizeof lim));
		n->memory = (long long)v;
	}
}

/* ---- diff ---- */


/* V, at key path KP: a non-empty array of non-empty names without a comma,
 * as the comma list the stages' flags take (WHAT is the error's words). */
static struct buf name_list(const struct jd_ctx *x, struct json_object *v, const char *kp, const char *what)
{
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
		jd_fail(x, kp, "%s", what);
	struct buf list = BUF_INIT(0);
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string) || !json_object_get_string_len(e) ||
		    strchr(json_object_get_string(e), ','))
			jd_fail(x, kp, "%s", what);
		buf_printf(&list, "%s%s", i ? "," : "", json_object_get_string(e));
	}
	return list;
}
static void load_diff(const struct jd_ctx *x, struct json_object *o, struct diff_config *d)
{
	static const char *const keys[] = { "grace", "compare", "identities", NULL };
	static const char *const kinds[] = { "device", "vlan", NULL };
	jd_only_keys(x, o, "diff", keys);
	const char *grace = jd_str(x, o, "diff", "grace", 0);
	if (grace && cli_parse_duration(grace, &d->grace) < 0)
		jd_fail(x, "diff.grace", "expected a duration like \"48h\"");
	if (grace && d->grace > CONFIG_MAX_GRACE)
		jd_fail(x, "diff.grace", "more than 30d, the most it takes");
	struct json_object *ids = jd_obj(x, o, "diff", "identities");
	if (ids) {
		jd_only_keys(x, ids, "diff.identities", kinds);
		json_object_object_foreach(ids, k, v) {
			char kp[64];
			snprintf(kp, sizeof kp, "diff.identities.%s", k);
			struct buf list = name_list(x, v, kp, "expected an array of identity names");
			int kind = kind_from_name(k, strlen(k));
			enum identity idl[CANON_MAX_IDENTITIES];
			char why[200];
			if (canon_identities_parse((enum item_kind)kind, list.data, idl, CANON_MAX_IDENTITIES,
						   why, sizeof why) < 0) {
				buf_free(&list);
				jd_fail(x, kp, "%s", why);
			}
			d->identities[kind] = buf_detach(&list, NULL);
		}
	}
	struct json_object *cmp = jd_obj(x, o, "diff", "compare");
	if (!cmp)
		return;
	jd_only_keys(x, cmp, "diff.compare", kinds);
	json_object_object_foreach(cmp, k, v) {
		char kp[64];
		snprintf(kp, sizeof kp, "diff.compare.%s", k);
		struct buf list = name_list(x, v, kp, "expected an array of field names");
		int kind = kind_from_name(k, strlen(k));
		const char *fields[16];
		char why[200];
		if (canon_compare_parse((enum item_kind)kind, list.data, fields, 16, why, sizeof why) < 0)
			jd_fail(x, kp, "%s", why);
		d->compare[kind] = buf_detach(&list, NULL);
	}
}

/* ---- thresholds ---- */

static void load_rule(const struct jd_ctx *x, const char *kp, struct json_object *v, struct rule *r)
{
	static const char *const keys[] = { "count", "percent", NULL };
	const char *any = "expected a count, {\"count\":N,\"percent\":P} or false";
	long long count = 0;
	double percent = 0;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		if (json_object_get_boolean(v))
			jd_fail(x, kp, "%s", any);
		break;
	case json_type_string:
		if (strcmp(json_object_get_string(v), "off") != 0)
			jd_fail(x, kp, "%s", any);
		break;
	case json_type_int:
		count = json_object_get_int64(v);
		if (count < 1 || count > RULE_MAX_COUNT)
			jd_fail(x, kp, "expected a whole number of findings, 1 or more");
		break;
	case json_type_double:
		jd_fail(x, kp, "expected a whole number of findings, 1 or more");
	case json_type_object: {
		jd_only_keys(x, v, kp, keys);
		if (!jget(v, "count") && !jget(v, "percent"))
			jd_fail(x, kp, "expected \"count\" or \"percent\"");
		struct json_object *c = jget(v, "count");
		if (c) {
			char ckp[200];
			snprintf(ckp, sizeof ckp, "%.180s.count", kp);
			if (!json_object_is_type(c, json_type_int) || json_object_get_int64(c) < 1 ||
			    json_object_get_int64(c) > RULE_MAX_COUNT)
				jd_fail(x, ckp, "expected a whole number, 1 or more");
			count = json_object_get_int64(c);
		}
		struct json_object *p = jget(v, "percent");
		if (p) {
			char pkp[200];
			snprintf(pkp, sizeof pkp, "%.180s.percent", kp);
			double d = json_object_get_double(p);
			if ((!json_object_is_type(p, json_type_int) && !json_object_is_type(p, json_type_double)) ||
			    !isfinite(d) || d <= 0 || d > 100)
				jd_fail(x, pkp, "expected a number above 0, at most 100");
			percent = d;
		}
		break;
	}
	default:
		jd_fail(x, kp, "%s", any);
	}
	rule_set(r, count, percent);
}

static void load_thresholds(const struct jd_ctx *x, struct json_object *o, struct thresholds *th)
{
	json_object_object_foreach(o, k, v) {
		char kp[160];
		snprintf(kp, sizeof kp, "thresholds.%.100s", k);
		if (strcmp(k, "sla_days") == 0) {
			/* a whole number of days, or false */
			long long d = 0;
			if (json_object_is_type(v, json_type_int))
				d = json_object_get_int64(v);
			else if (!json_object_is_type(v, json_type_boolean) || json_object_get_boolean(v))
				d = -1;
			if (d < 0 || d > SLA_MAX_DAYS)
				jd_fail(x, kp, "expected a whole number of days, 0..%d, or false", SLA_MAX_DAYS);
			th->sla_days = (long)d;
			continue;
		}
		struct rule r;
		load_rule(x, kp, v, &r);
		if (strcmp(k, "new") == 0) {
			th->new_findings = r;
			continue;
		}
		int type, kind;
		if (rule_class(k, strlen(k), &type, &kind) < 0)
			jd_fail(x, kp, "unknown rule; " RULE_NAMES_HINT);
		thresholds_set(th, type, kind, &r);
	}
}

/* ---- alert ---- */

const struct alert_target_info alert_targets[ALERT_N] = {
	{ "pagerduty", "routing_key", "PAGERDUTY_ROUTING_KEY" },
	{ "slack", "webhook_url", "SLACK_WEBHOOK_URL" },
	{ "webhook", "url", "SOS_RECONCILE_WEBHOOK_URL" },
	{ "github", "token", "GITHUB_TOKEN" },
};

const char *const gh_event_names[GH_EVENT_N] = { "failed-run", "aged", "expired-exception" };
const char *const gh_event_keys[GH_EVENT_N] = { "failed_run", "aged", "expired_exception" };

/* A GitHub label: 1 to 50 bytes, no comma (the list query separates
 * labels with commas), no control character. */
static int valid_label(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 50)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ',')
			return 0;
	return 1;
}

/* owner/name: letters, digits, '-', '_', '.', one slash. */
static int valid_repository(const char *s)
{
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/'))
		return 0;
	for (const char *p = s; *p; p++)
		if (p != slash && !isalnum((unsigned char)*p) && !strchr("-_.", *p))
			return 0;
	return strcmp(slash + 1, ".") && strcmp(slash + 1, "..");
}

static void load_github(const struct jd_ctx *x, struct json_object *sec, struct github_config *g)
{
	const char *p = "alert.github";
	g->repository = str_dup(x, sec, p, "repository");
	if (!g->repository)
		jd_fail(x, "alert.github.repository", "missing; the repository the issues go to, as owner/name");
	if (!valid_repository(g->repository))
		jd_fail(x, "alert.github.repository", "expected owner/name (letters, digits, '-', '_', '.')");
	g->api_url = str_dup(x, sec, p, "api_url");
	if (g->api_url) {
		if (strncmp(g->api_url, "https://", 8) != 0 && strncmp(g->api_url, "http://", 7) != 0)
			jd_fail(x, "alert.github.api_url", "expected an http(s) URL, like https://api.github.com "
				"or https://HOST/api/v3 for GitHub Enterprise");
		size_t n = strlen(g->api_url);
		while (n > 8 && g->api_url[n - 1] == '/')
			g->api_url[--n] = '\0';
		if (strchr(g->api_url, '?') || strchr(g->api_url, '#') || strchr(g->api_url, '@'))
			jd_fail(x, "alert.github.api_url", "expected a base URL without a query, a fragment or "
				"credentials (the token is named by token_env)");
	}
	struct json_object *labels = jd_array(x, sec, p, "labels");
	if (labels) {
		size_t n = json_object_array_length(labels);
		if (n == 0 || n > GITHUB_MAX_LABELS)
			jd_fail(x, "alert.github.labels", "expected 1 to %d labels (the first finds the issues)",
				GITHUB_MAX_LABELS);
		for (size_t i = 0; i < n; i++) {
			struct json_object *l = json_object_array_get_idx(labels, i);
			char kp[64];
			snprintf(kp, sizeof kp, "alert.github.labels[%zu]", i);
			if (!json_object_is_type(l, json_type_string) || !valid_label(json_object_get_string(l)))
				jd_fail(x, kp, "expected a label of 1 to 50 characters, no comma");
			g->labels[g->n_labels++] = xstrdup(json_object_get_string(l));
		}
	}
	struct json_object *ev = jd_obj(x, sec, p, "events");
	if (!ev)
		return;
	static const char *const ev_keys[] = { "failed_run", "aged", "expired_exception", NULL };
	jd_only_keys(x, ev, "alert.github.events", ev_keys);
	for (int i = 0; i < GH_EVENT_N; i++) {
		struct json_object *v = jget(ev, gh_event_keys[i]);
		char kp[64];
		snprintf(kp, sizeof kp, "alert.github.events.%s", gh_event_keys[i]);
		if (!v)
			continue;
		if (json_object_is_type(v, json_type_boolean)) {
			g->event_on[i] = json_object_get_boolean(v);
			continue;
		}
		if (i != GH_FAILED_RUN || !json_object_is_type(v, json_type_object))
			jd_fail(x, kp, i == GH_FAILED_RUN ? "expected true, false or {\"stages\": [...], \"exits\": [...]}"
				: "expected true or false");
		static const char *const fr_keys[] = { "stages", "exits", NULL };
		jd_only_keys(x, v, kp, fr_keys);
		g->event_on[i] = 1;
		struct json_object *st = jd_array(x, v, kp, "stages");
		for (size_t j = 0; st && j < json_object_array_length(st); j++) {
			struct json_object *s1 = json_object_array_get_idx(st, j);
			char k2[96];
			snprintf(k2, sizeof k2, "%s.stages[%zu]", kp, j);
			if (j >= GITHUB_MAX_STAGES || !json_object_is_type(s1, json_type_string) ||
			    !*json_object_get_string(s1))
				jd_fail(x, k2, "expected the name of a stage (like fetch-sos), at most %d",
					GITHUB_MAX_STAGES);
			g->stages[g->n_stages++] = xstrdup(json_object_get_string(s1));
		}
		struct json_object *ex = jd_array(x, v, kp, "exits");
		for (size_t j = 0; ex && j < json_object_array_length(ex); j++) {
			struct json_object *e1 = json_object_array_get_idx(ex, j);
			char k2[96];
			snprintf(k2, sizeof k2, "%s.exits[%zu]", kp, j);
			if (j >= GITHUB_MAX_EXITS || !json_object_is_type(e1, json_type_int) ||
			    json_object_get_int64(e1) < 2 || json_object_get_int64(e1) > 255)
				jd_fail(x, k2, "expected an exit status of a failed stage, 2 to 255 (docs/RUNBOOK.md)");
			g->exits[g->n_exits++] = (int)json_object_get_int64(e1);
		}
	}
}

static void load_alert(const struct jd_ctx *x, struct json_object *o, struct alert_config *a)
{
	static const char *const keys[] = { "pagerduty", "slack", "webhook", "github", "ca_file",
					    "allow_insecure_http", NULL };
	jd_only_keys(x, o, "alert", keys);
	int b;
	if (jd_bool(x, o, "alert", "allow_insecure_http", &b))
		a->allow_insecure_http = b;
	const char *ca = jd_str(x, o, "alert", "ca_file", 0);
	a->ca_file = ca ? beside(x->file, ca) : NULL;
	for (int t = 0; t < ALERT_N; t++) {
		const struct alert_target_info *ti = &alert_targets[t];
		struct json_object *sec = jd_obj(x, o, "alert", ti->name);
		if (!sec)
			continue;
		char path[32], env[32], file[32];
		snprintf(path, sizeof path, "alert.%s", ti->name);
		snprintf(env, sizeof env, "%s_env", ti->secret_key);
		snprintf(file, sizeof file, "%s_file", ti->secret_key);
		const char *pd_keys[] = { env, file, "url", "severity", "source", NULL };
		const char *other_keys[] = { env, file, "post", NULL };
		const char *gh_keys[] = { env, file, "repository", "api_url", "labels", "events", NULL };
		jd_only_keys(x, sec, path, t == ALERT_PAGERDUTY ? pd_keys : t == ALERT_GITHUB ? gh_keys : other_keys);
		a->target[t].on = 1;
		a->target[t].secret_env = env_name(x, sec, path, env);
		a->target[t].secret_file = str_dup(x, sec, path, file);
		if (a->target[t].secret_env && a->target[t].secret_file)
			jd_fail(x, path, "both %s and %s are set; set one", env, file);
		if (t == ALERT_GITHUB) {
			load_github(x, sec, &a->github);
			continue;
		}
		if (t != ALERT_PAGERDUTY) {
			const char *post = jd_str(x, sec, path, "post", 0);
			if (post && strcmp(post, "changes") && strcmp(post, "daily")) {
				char kp[64];
				jd_fail(x, jd_keypath(kp, sizeof kp, path, "post"),
					"expected \"changes\" or \"daily\"");
			}
			if (post)
				a->target[t].post_daily = strcmp(post, "daily") == 0;
			continue;
		}
		a->pagerduty_url = str_dup(x, sec, path, "url");
		if (a->pagerduty_url && strncmp(a->pagerduty_url, "https://", 8) != 0 &&
		    strncmp(a->pagerduty_url, "http://", 7) != 0)
			jd_fail(x, "alert.pagerduty.url", "expected an http(s) URL");
		a->severity = str_dup(x, sec, path, "severity");
		if (a->severity && strcmp(a->severity, "critical") && strcmp(a->severity, "error") &&
		    strcmp(a->severity, "warning") && strcmp(a->severity, "info"))
			jd_fail(x, "alert.pagerduty.severity", "expected critical, error, warning or info");
		a->source = str_dup(x, sec, path, "source");
	}
}

/* ---- tickets ---- */

static void load_tickets(const struct jd_ctx *x, struct json_object *o, struct tickets_config *tc)
{
	static const char *const keys[] = { "sos", "softlayer", NULL };
	static const char *const sys_keys[] = { "assignment_group", "severity", NULL };
	jd_only_keys(x, o, "tickets", keys);
	for (int i = 0; i < TICKET_N; i++) {
		const char *name = keys[i];
		char path[32];
		snprintf(path, sizeof path, "tickets.%s", name);
		struct json_object *v = jget(o, name);
		if (!v)
			continue;
		if (json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v)) {
			tc->off[i] = 1;
			continue;
		}
		v = jd_obj(x, o, "tickets", name);
		jd_only_keys(x, v, path, sys_keys);
		const char *g = jd_str(x, v, path, "assignment_group", 0);
		if (g) {
			for (const unsigned char *p = (const unsigned char *)g; *p; p++)
				if (*p < 0x20 || *p == 0x7f) {
					char kp[64];
					jd_fail(x, jd_keypath(kp, sizeof kp, path, "assignment_group"),
						"expected one line, no control characters");
				}
			if (strlen(g) > 100) {
				char kp[64];
				jd_fail(x, jd_keypath(kp, sizeof kp, path, "assignment_group"), "longer than 100 bytes");
			}
			tc->group[i] = xstrdup(g);
		}
		long long n;
		if (jd_int(x, v, path, "severity", 1, 4, &n))
			tc->severity[i] = (long)n;
	}
}

/* ---- history and exceptions ---- */

static void load_history(const struct jd_ctx *x, struct json_object *o, struct history_config *h)
{
	static const char *const keys[] = { "dir", "keep_days", "drop_guard", NULL };
	static const char *const guard_keys[] = { "percent", "count", NULL };
	jd_only_keys(x, o, "history", keys);
	/* with a locker, the archive is the locker's working tree (checked
	 * in config_load, which sees both sections) */
	const char *dir = jd_str(x, o, "history", "dir", 0);
	h->dir = dir ? beside(x->file, dir) : NULL;
	long long n;
	if (jd_int(x, o, "history", "keep_days", 1, 36500, &n))
		h->keep_days = (long)n;
	struct json_object *g = jd_obj(x, o, "history", "drop_guard");
	if (g) {
		jd_only_keys(x, g, "history.drop_guard", guard_keys);
		double d;
		if (jd_number(x, g, "history.drop_guard", "percent", 0, 100, &d))
			h->drop_percent = d;
		if (jd_int(x, g, "history.drop_guard", "count", 1, 100000000, &n))
			h->drop_count = (long)n;
	}
}

static void load_exceptions(const struct jd_ctx *x, struct json_object *o, struct exceptions_config *e)
{
	static const char *const keys[] = { "file", "max_days", NULL };
	jd_only_keys(x, o, "exceptions", keys);
	const char *file = jd_str(x, o, "exceptions", "file", 0);
	if (!file)
		jd_fail(x, "exceptions.file", "missing; the file of accepted risks");
	e->file = beside(x->file, file);
	long long n;
	if (jd_int(x, o, "exceptions", "max_days", 1, 3650, &n))
		e->max_days = (long)n;
}

static void load_locker(const struct jd_ctx *x, struct json_object *o, struct locker_config *l)
{
	static const char *const keys[] = { "repo", "push", "remote", "push_retries", NULL };
	jd_only_keys(x, o, "locker", keys);
	const char *repo = jd_str(x, o, "locker", "repo", 0);
	if (!repo)
		jd_fail(x, "locker.repo", "missing; the git working tree that keeps the evidence");
	l->repo = beside(x->file, repo);
	int b;
	if (jd_bool(x, o, "locker", "push", &b))
		l->push = b;
	const char *remote = jd_str(x, o, "locker", "remote", 0);
	/* a remote's name, never a URL: git's configuration holds the URL and
	 * its credentials, which the job must not see */
	if (remote && (!*remote || strpbrk(remote, ":/@ \t\r\n") || remote[0] == '-'))
		jd_fail(x, "locker.remote", "expected the name of a remote of the working tree (like "
			"origin), not a URL: git's configuration holds the URL");
	l->remote = remote ? xstrdup(remote) : NULL;
	long long n;
	if (jd_int(x, o, "locker", "push_retries", 0, 20, &n))
		l->push_retries = (long)n;
}

/* PATH with "." segments, repeated and trailing slashes removed and "x/.."
 * folded (path.Clean's rules), so that two ways of writing a directory
 * compare equal; the caller frees it. */
static char *path_clean(const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	const char **seg = xcalloc(strlen(path) / 2 + 2, sizeof *seg);
	size_t n = 0;
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (!strcmp(t, "."))
			continue;
		if (!strcmp(t, "..") && n && strcmp(seg[n - 1], ".."))
			n--;
		else if (!(strcmp(t, "..") == 0 && path[0] == '/' && n == 0))
			seg[n++] = t;
	}
	struct buf b = BUF_INIT(0);
	if (path[0] == '/')
		buf_addch(&b, '/');
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? "/" : "", seg[i]);
	if (!b.len)
		buf_addch(&b, '.');
	free(seg);
	free(copy);
	return buf_detach(&b, NULL);
}

/* The archive inside the locker: history.dir is the working tree, or a
 * directory under it, compared as written (both resolved the same way). */
static void check_history_in_locker(const struct jd_ctx *x, struct config *c, int has_history)
{
	if (!c->locker.repo) {
		if (has_history && !c->history.dir)
			jd_fail(x, "history.dir", "missing; the directory where runs are kept");
		return;
	}
	if (!c->history.dir) {
		c->history.dir = xstrdup(c->locker.repo);
		return;
	}
	char *repo = path_clean(c->locker.repo), *dir = path_clean(c->history.dir);
	size_t n = strlen(repo);
	int inside = strcmp(repo, ".") == 0 ? dir[0] != '/' && strncmp(dir, "../", 3) && strcmp(dir, "..")
		     : strncmp(dir, repo, n) == 0 && (dir[n] == '\0' || dir[n] == '/' || repo[n - 1] == '/');
	free(repo);
	free(dir);
	if (!inside)
		jd_fail(x, "history.dir", "outside locker.repo; the archive must be in the locker's working "
			"tree (leave history.dir out to use the tree itself)");
}

/* ---- the file ---- */

#define HINT "check the configuration file (docs/CONFIG.md)"

void config_load(const char *path, struct config *c)
{
	config_init(c);
	c->path = xstrdup(path);
	struct jd_ctx x = { c->path, HINT, SOSR_EXIT_USAGE };
	struct json_object *root = jd_load(&x, path, CONFIG_MAX_BYTES);
	static const char *const keys[] = { "c_code", "softlayer", "sos", "normalize", "diff",
					    "thresholds", "alert", "history", "exceptions", "locker", "soc2",
					    "tickets", NULL };
	jd_only_keys(&x, root, "", keys);
	const char *cc = jd_str(&x, root, "", "c_code", JD_EMPTY_OK);
	if (cc && !config_valid_c_code(cc))
		jd_fail(&x, "c_code", "expected a C_Code (" C_CODE_RULE ")");
	c->c_code = cc ? xstrdup(cc) : NULL;
	struct json_object *v;
	if ((v = jd_obj(&x, root, "", "softlayer")))
		load_softlayer(&x, v, &c->sl);
	if ((v = jd_obj(&x, root, "", "sos")))
		load_sos(&x, v, &c->sos);
	if ((v = jd_obj(&x, root, "", "normalize")))
		load_normalize(&x, v, &c->norm);
	if ((v = jd_obj(&x, root, "", "diff")))
		load_diff(&x, v, &c->diff);
	if ((v = jd_obj(&x, root, "", "thresholds")))
		load_thresholds(&x, v, &c->thresholds);
	if ((v = jd_obj(&x, root, "", "alert")))
		load_alert(&x, v, &c->alert);
	int has_history = (v = jd_obj(&x, root, "", "history")) != NULL;
	if (has_history)
		load_history(&x, v, &c->history);
	if ((v = jd_obj(&x, root, "", "exceptions")))
		load_exceptions(&x, v, &c->exceptions);
	if ((v = jd_obj(&x, root, "", "locker")))
		load_locker(&x, v, &c->locker);
	check_history_in_locker(&x, c, has_history);
	if ((v = jd_obj(&x, root, "", "soc2")))
		soc2_load(&x, v, &c->soc2);
	if (jget(root, "tickets"))
		load_tickets(&x, jd_obj(&x, root, "", "tickets"), &c->tickets);
	json_object_put(root);
}

void config_check_job(const struct config *c, const char *c_code)
{
	struct jd_ctx x = { c->path, HINT, SOSR_EXIT_USAGE };
	if (c->sl.n_accounts == 0)
		jd_fail(&x, "softlayer", "missing; the job needs the SoftLayer accounts (softlayer.accounts)");
	if (!c_code && !c->c_code)
		jd_fail(&x, "c_code", "missing; set it in the file or pass --c-code");
}

void config_free(struct config *c)
{
	free(c->path);
	free(c->c_code);
	free(c->sl.endpoint);
	for (size_t i = 0; i < c->sl.n_accounts; i++) {
		struct sl_account *a = &c->sl.accounts[i];
		free(a->id);
		free(a->username);
		free(a->secret_env);
		free(a->secret_file);
	}
	free(c->sl.accounts);
	struct sos_config *s = &c->sos;
	struct alert_config *a = &c->alert;
	char **strs[] = { &s->url, &s->token_env, &s->token_file, &s->auth_header, &s->auth_scheme,
			  &s->devices_path, &s->vlans_path, &s->c_code_param, &s->offset_param,
			  &s->limit_param, &s->total_field, &s->items_field, &c->norm.map,
			  &a->pagerduty_url, &a->severity, &a->source, &a->ca_file,
			  &c->sl.fetch.ca_file, &c->sos.fetch.ca_file, &c->history.dir,
			  &c->exceptions.file, &c->locker.repo, &c->locker.remote };
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
		free(*strs[i]);
	for (int t = 0; t < ALERT_N; t++) {
		free(a->target[t].secret_env);
		free(a->target[t].secret_file);
	}
	free(a->github.repository);
	free(a->github.api_url);
	for (size_t i = 0; i < a->github.n_labels; i++)
		free(a->github.labels[i]);
	for (size_t i = 0; i < a->github.n_stages; i++)
		free(a->github.stages[i]);
	for (int i = 0; i < TICKET_N; i++)
		free(c->tickets.group[i]);
	for (size_t i = 0; i < c->norm.n_default_domains; i++)
		free(c->norm.default_domains[i]);
	for (int k = 0; k < KIND_N; k++) {
		free(c->diff.compare[k]);
		free(c->diff.identities[k]);
	}
	soc2_free(&c->soc2);
	config_init(c);
}

/* ---- ~/.softlayer ---- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t l = strlen(s);
	while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
		s[--l] = '\0';
	return s;
}

/* Wipe and free the text of ~/.softlayer (strtok_r has put NULs into it). */
static void wipe(struct buf *b)
{
	if (b->data)
		memset(b->data, 0, b->len);
	buf_free(b);
}

int slcli_load(const char *path, struct slcli_file *f)
{
	memset(f, 0, sizeof *f);
	f->timeout = -1;
	/* The file holds the API key: read it into room reserved at once, so
	 * that no reallocation leaves a copy behind. */
	secret_protect_process();
	struct buf b = BUF_INIT(CONFIG_MAX_BYTES);
	if (buf_reserve(&b, b.cap) < 0)
		sosr_oom();
	if (fileio_read_all(path, &b) < 0) {
		int e = errno;
		wipe(&b);
		if (e == ENOENT)
			return 1;
		if (e == EFBIG)
			sosr_die(SOSR_EXIT_USAGE, "the SoftLayer configuration '%s' is larger than %u bytes; "
				 "check that it is the right file", path, CONFIG_MAX_BYTES);
		errno = e;
		sosr_die_errno(SOSR_EXIT_USAGE, "cannot read the SoftLayer configuration '%s'", path);
	}
	/* a BOM at the start is skipped, lines may end in CRLF (trim drops
	 * the CR): text.h */
	size_t bom = b.data ? text_bom_len(b.data, b.len) : 0;
	size_t len = b.len - bom;
	char *text = b.data ? b.data + bom : b.data;
	if (text && memchr(text, '\0', len)) {
		wipe(&b);
		sosr_die(SOSR_EXIT_USAGE, "%s: not a text file; check that it is an slcli configuration", path);
	}
	/* Python's configparser: "key = value" or "key: value", '#' and ';'
	 * comments, section names in brackets.  Only [softlayer] matters. */
	int in_section = 0;
	unsigned long lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *l = trim(line);
		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			char *end = strchr(l, ']');
			if (!end) {
				wipe(&b);
				sosr_die(SOSR_EXIT_USAGE, "%s: a section header without ']'; check the file", path);
			}
			*end = '\0';
			in_section = strcmp(trim(l + 1), "softlayer") == 0;
			continue;
		}
		if (!in_section)
			continue;
		size_t k = strcspn(l, "=:");
		if (!l[k])
			continue;
		l[k] = '\0';
		char *key = trim(l), *val = trim(l + k + 1);
		char **dst = NULL;
		/* configparser lowercases option names: "Username =" is
		 * "username" to slcli */
		if (strcasecmp(key, "username") == 0)
			dst = &f->username;
		else if (strcasecmp(key, "api_key") == 0)
			dst = &f->api_key;
		else if (strcasecmp(key, "endpoint_url") == 0)
			dst = &f->endpoint_url;
		else if (strcasecmp(key, "timeout") == 0) {
			char *end;
			errno = 0;
			double t = strtod(val, &end);
			if (end == val || *end || errno || !isfinite(t) || t < 0) {
				/* val points into text: copy it before text is wiped */
				char shown[41];
				snprintf(shown, sizeof shown, "%s", val);
				wipe(&b);
				sosr_die(SOSR_EXIT_USAGE, "%s: softlayer.timeout: '%s' is not a number of seconds; check the file",
					 path, shown);
			}
			f->timeout = t > 0 ? t : -1;   /* slcli: 0 is no timeout */
		}
		if (dst && *val) {
			if (dst == &f->api_key)
				secret_free(*dst);
			else
				free(*dst);
			*dst = xstrdup(val);
		}
	}
	wipe(&b);
	return 0;
}

void slcli_free(struct slcli_file *f)
{
	free(f->username);
	secret_free(f->api_key);
	free(f->endpoint_url);
	memset(f, 0, sizeof *f);
	f->timeout = -1;
}
