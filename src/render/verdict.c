/*
 * verdict.c - thresholds and the significance verdict of sosr-render.
 *
 * Defaults (docs/CONFIG.md, "thresholds"): a device in SoftLayer that is
 * missing from SOS is an unmonitored machine, so one is significant.  The
 * other classes are significant from a count or from a share of the
 * inventory of their kind, whichever is reached first:
 *
 *     missing_in_sos.vlan          5 or 1%
 *     missing_in_softlayer.*      10 or 2%   (stale registrations)
 *     mismatch.*                  25 or 2%
 *     duplicate.*                  5 or 1%
 *     unidentified                 5 or 1%
 *
 * The inventory of a kind is the larger of the two sides' record counts of
 * that kind (for unidentified: of all records of a side), so that a share
 * means the same whichever side is short.  Pending and excluded records are
 * informational and have no rule.
 */
#include "render.h"

#include "cli.h"
#include "err.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

static void set(struct rule *r, long long count, double percent)
{
	r->set_count = count > 0;
	r->count = count;
	r->set_percent = percent > 0;
	r->percent = percent;
}

void thresholds_default(struct thresholds *th)
{
	memset(th, 0, sizeof *th);
	for (int k = 0; k < NKINDS; k++) {
		set(&th->r[T_MISSING_IN_SOS][k], 5, 1);
		set(&th->r[T_MISSING_IN_SOFTLAYER][k], 10, 2);
		set(&th->r[T_MISMATCH][k], 25, 2);
		set(&th->r[T_DUPLICATE][k], 5, 1);
		set(&th->r[T_UNIDENTIFIED][k], 5, 1);
	}
	set(&th->r[T_MISSING_IN_SOS][K_DEVICE], 1, 0);
}

const char *rule_name(int type, int kind, char *buf, size_t size)
{
	if (type == T_UNIDENTIFIED)
		snprintf(buf, size, "%s", finding_types[type]);
	else
		snprintf(buf, size, "%s.%s", finding_types[type], finding_kinds[kind]);
	return buf;
}

void rule_describe(const struct rule *r, char *buf, size_t size)
{
	if (r->set_count && r->set_percent)
		snprintf(buf, size, "%lld or %g%%", r->count, r->percent);
	else if (r->set_count)
		snprintf(buf, size, "%lld", r->count);
	else if (r->set_percent)
		snprintf(buf, size, "%g%%", r->percent);
	else
		snprintf(buf, size, "off");
}

/* A percentage in (0, 100], written without a sign or exponent. */
static double parse_percent(const char *s, size_t n, const char *arg)
{
	char *tmp = xstrndup(s, n);
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	int bad = end == tmp || *end || errno || !isfinite(v) || v <= 0 || v > 100 ||
		  strpbrk(tmp, "+-eExXnNiI ");
	free(tmp);
	if (bad)
		sosr_usage_error("--threshold: '%s': the share must be a percentage above 0 and at most 100, like 2%%", arg);
	return v;
}

/* SPEC is COUNT, PERCENT%, COUNT,PERCENT% or off. */
static void parse_spec(struct rule *r, const char *spec, const char *arg)
{
	if (strcmp(spec, "off") == 0) {
		set(r, 0, 0);
		return;
	}
	long long count = 0;
	double percent = 0;
	const char *comma = strchr(spec, ',');
	const char *pct = spec;
	if (comma || !strchr(spec, '%')) {
		size_t n = comma ? (size_t)(comma - spec) : strlen(spec);
		char *tmp = xstrndup(spec, n);
		count = cli_number(tmp, 1, 1000000000, "--threshold");
		free(tmp);
		pct = comma ? comma + 1 : NULL;
	}
	if (pct) {
		size_t n = strlen(pct);
		if (n < 2 || pct[n - 1] != '%')
			sosr_usage_error("--threshold: '%s' is not RULE=COUNT, RULE=PERCENT%%, RULE=COUNT,PERCENT%% or RULE=off", arg);
		percent = parse_percent(pct, n - 1, arg);
	}
	set(r, count, percent);
}

void thresholds_parse(struct thresholds *th, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		sosr_usage_error("--threshold: '%s' is not RULE=SPEC (like mismatch=25,2%%)", arg);
	size_t n = (size_t)(eq - arg);
	char *name = xstrndup(arg, n);
	char *dot = strchr(name, '.');
	if (dot)
		*dot = '\0';
	int t = type_index(name);
	int k = dot ? kind_index(dot + 1) : -1;
	int bad = t < 0 || t >= NFINDING || (dot && (k < 0 || t == T_UNIDENTIFIED));
	free(name);
	if (bad)
		sosr_usage_error("--threshold: '%.*s' is not a rule; rules are missing_in_sos, "
				 "missing_in_softlayer, mismatch, duplicate (each optionally .device or .vlan) "
				 "and unidentified", (int)n, arg);
	struct rule r;
	parse_spec(&r, eq + 1, arg);
	for (int i = 0; i < NKINDS; i++)
		if (k < 0 || i == k)
			th->r[t][i] = r;
}

/* Sum of a side's record counts, or the count of one kind. */
static long long side_records(const struct report *rep, const char *side, int kind)
{
	struct json_object *recs = jobj(jobj(rep->summary, "records"), side);
	if (kind >= 0)
		return jcount(recs, finding_kinds[kind]) > 0 ? jcount(recs, finding_kinds[kind]) : 0;
	long long n = 0;
	for (int i = 0; i < NKINDS; i++)
		if (jcount(recs, finding_kinds[i]) > 0)
			n += jcount(recs, finding_kinds[i]);
	return n;
}

long long inventory_base(const struct report *rep, int t, int k)
{
	int kind = t == T_UNIDENTIFIED ? -1 : k;
	long long a = side_records(rep, "softlayer", kind);
	long long b = side_records(rep, "sos", kind);
	return a > b ? a : b;
}

void verdict_decide(struct verdict *v, const struct thresholds *th,
		    const struct report *rep, int incomplete)
{
	memset(v, 0, sizeof *v);
	if (incomplete)
		return;
	v->decided = 1;
	for (int t = 0; t < NFINDING; t++) {
		for (int k = 0; k < NKINDS; k++) {
			const struct rule *r = &th->r[t][k];
			long long n = rep->count[t][k];
			if (n == 0 || (!r->set_count && !r->set_percent))
				continue;
			long long base = inventory_base(rep, t, k);
			int fired = (r->set_count && n >= r->count) ||
				    (r->set_percent && (double)n * 100.0 >= r->percent * (double)base);
			if (!fired)
				continue;
			struct reason *re = &v->reasons[v->nreasons++];
			re->type = t;
			re->kind = k;
			re->count = n;
			re->base = base;
			re->rule = *r;
			v->significant = 1;
		}
	}
}

const char *exit_meaning(int code)
{
	switch (code) {
	case 0: return "ok";
	case 1: return "findings";
	case 2: return "usage or configuration error";
	case 3: return "credentials rejected";
	case 4: return "service unreachable";
	case 5: return "API error";
	case 6: return "incomplete fetch";
	case 7: return "invalid data";
	case 8: return "alert not delivered";
	case 9: return "file I/O error";
	case 10: return "internal error";
	case 141: return "killed by SIGPIPE";
	default: return code > 128 ? "killed by a signal" : "unknown exit status";
	}
}
