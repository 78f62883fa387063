/* exceptions.c - see exceptions.h */
#include "exceptions.h"
#include "err.h"
#include "exitcodes.h"
#include "finding.h"
#include "jsondoc.h"
#include "timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#define HINT "check the exceptions file (docs/FORMATS.md, \"exceptions.json\")"

/* A date: YYYY-MM-DD (midnight UTC) or RFC 3339. */
static int parse_date(const char *s, int64_t *t)
{
	size_t n = strlen(s);
	if (n == 10) {
		char full[32];
		snprintf(full, sizeof full, "%sT00:00:00Z", s);
		return tu_parse_rfc3339(full, strlen(full), t);
	}
	return tu_parse_rfc3339(s, n, t);
}

static const char *need(const struct jd_ctx *c, struct json_object *o, const char *path, const char *key)
{
	const char *s = jd_str(c, o, path, key, 0);
	if (!s) {
		char kp[96];
		jd_fail(c, jd_keypath(kp, sizeof kp, path, key), "missing; every exception needs it");
	}
	return s;
}

static void load_one(const struct jd_ctx *c, struct json_object *o, size_t i, long max_days,
		     struct exception *e)
{
	static const char *const keys[] = { "id", "type", "key", "reason", "ticket", "approved_by",
					    "approved_on", "expires", NULL };
	char path[48], kp[96];
	snprintf(path, sizeof path, "exceptions[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		jd_fail(c, path, "expected an object");
	jd_only_keys(c, o, path, keys);
	e->id = xstrdup(need(c, o, path, "id"));
	const char *type = need(c, o, path, "type");
	e->type = finding_type_from_name(type, strlen(type));
	if (e->type < 0 || e->type >= FT_NFINDINGS)
		jd_fail(c, jd_keypath(kp, sizeof kp, path, "type"),
			"'%.40s' is not a finding type (missing_in_sos, missing_in_softlayer, mismatch, "
			"duplicate, unidentified)", type);
	e->key = xstrdup(need(c, o, path, "key"));
	e->glob = strchr(e->key, '*') != NULL;
	e->reason = xstrdup(need(c, o, path, "reason"));
	e->ticket = xstrdup(need(c, o, path, "ticket"));
	e->approved_by = xstrdup(need(c, o, path, "approved_by"));
	const char *from = need(c, o, path, "approved_on"), *to = need(c, o, path, "expires");
	if (parse_date(from, &e->approved_on) < 0)
		jd_fail(c, jd_keypath(kp, sizeof kp, path, "approved_on"),
			"'%.40s' is not a date like 2026-11-01", from);
	if (parse_date(to, &e->expires) < 0)
		jd_fail(c, jd_keypath(kp, sizeof kp, path, "expires"), "'%.40s' is not a date like 2027-01-31", to);
	if (e->expires <= e->approved_on)
		jd_fail(c, jd_keypath(kp, sizeof kp, path, "expires"), "'%s' is not after approved_on '%s'", to,
			from);
	if (e->expires - e->approved_on > (int64_t)max_days * 86400)
		jd_fail(c, jd_keypath(kp, sizeof kp, path, "expires"),
			"more than %ld days after approved_on (exceptions.max_days); an accepted risk is "
			"reviewed at least that often", max_days);
	tu_format_utc(e->approved_on, e->approved_on_s);
	tu_format_utc(e->expires, e->expires_s);
}

void exceptions_load(const char *path, long max_days, struct exceptions *x)
{
	memset(x, 0, sizeof *x);
	x->path = xstrdup(path);
	struct jd_ctx c = { x->path, HINT, SOSR_EXIT_USAGE };
	struct json_object *root = jd_load(&c, path, EXCEPTIONS_MAX_BYTES);
	static const char *const keys[] = { "format", "exceptions", NULL };
	jd_only_keys(&c, root, "", keys);
	long long format;
	if (!jd_int(&c, root, "", "format", 1, 1, &format))
		jd_fail(&c, "format", "missing; this version reads format 1");
	struct json_object *list = jd_array(&c, root, "", "exceptions");
	if (!list)
		jd_fail(&c, "exceptions", "missing; an array of exceptions (it may be empty)");
	size_t n = json_object_array_length(list);
	if (n > EXCEPTIONS_MAX)
		jd_fail(&c, "exceptions", "more than %d entries", EXCEPTIONS_MAX);
	x->e = xcalloc(n ? n : 1, sizeof *x->e);
	for (size_t i = 0; i < n; i++) {
		load_one(&c, json_object_array_get_idx(list, i), i, max_days, &x->e[i]);
		x->n++;
		for (size_t j = 0; j < i; j++)
			if (strcmp(x->e[j].id, x->e[i].id) == 0) {
				char kp[48];
				snprintf(kp, sizeof kp, "exceptions[%zu].id", i);
				jd_fail(&c, kp, "'%.40s' is the id of exceptions[%zu] too; ids are unique",
					x->e[i].id, j);
			}
	}
	json_object_put(root);
}

void exceptions_free(struct exceptions *x)
{
	for (size_t i = 0; i < x->n; i++) {
		struct exception *e = &x->e[i];
		free(e->id);
		free(e->key);
		free(e->reason);
		free(e->ticket);
		free(e->approved_by);
	}
	free(x->e);
	free(x->path);
	memset(x, 0, sizeof *x);
}

int exceptions_glob(const char *p, const char *s, size_t len)
{
	/* the classic match of '*': on a mismatch, let the last star take
	 * one byte more and try again from there */
	const char *star = NULL;        /* the pattern after the last star */
	size_t i = 0, star_i = 0;       /* where that star's match ends */
	while (i < len) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			star = p;
			star_i = i;
		} else if (*p && *p == s[i]) {
			p++;
			i++;
		} else if (star) {
			p = star;
			i = ++star_i;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

struct exception *exceptions_match(struct exceptions *x, int type, const char *key, size_t len,
				   int64_t now)
{
	for (size_t i = 0; i < x->n; i++) {
		struct exception *e = &x->e[i];
		if (e->type != type || now < e->approved_on || now >= e->expires)
			continue;
		int hit = e->glob ? exceptions_glob(e->key, key, len)
				  : strlen(e->key) == len && memcmp(e->key, key, len) == 0;
		if (hit) {
			e->matched++;
			return e;
		}
	}
	return NULL;
}
