/*
 * verdict.c - the significance verdict of sosr-render, from the threshold
 * rules of src/lib/threshold.h (defaults, the configuration's, then the
 * --threshold flags).
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

void thresholds_parse(struct thresholds *th, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		sosr_usage_error("--threshold: '%s' is not RULE=SPEC (like mismatch=25,2%%)", arg);
	size_t n = (size_t)(eq - arg);
	char name[32], why[200];
	snprintf(name, sizeof name, "%.*s", (int)(n < 31 ? n : 31), arg);
	int special = n < 31 ? threshold_special(th, name, eq + 1, why, sizeof why) : 0;
	if (special < 0)
		sosr_usage_error("--threshold: %s: %s", name, why);
	if (special)
		return;
	int t, k;
	if (rule_class(arg, n, &t, &k) < 0)
		sosr_usage_error("--threshold: '%.*s' is not a rule; " RULE_NAMES_HINT, (int)n, arg);
	struct rule r;
	if (rule_parse_spec(eq + 1, &r, why, sizeof why) < 0)
		sosr_usage_error("--threshold: %s", why);
	thresholds_set(th, t, k, &r);
}

/* Sum of a side's record counts, or the count of one kind. */
static long long side_records(const struct report *rep, const char *side, int kind)
{
	struct json_object *recs = jget_obj(jget_obj(rep->summary, "records"), side);
	if (kind >= 0)
		return jget_count(recs, kind_names[kind]) > 0 ? jget_count(recs, kind_names[kind]) : 0;
	long long n = 0;
	for (int i = 0; i < KIND_N; i++)
		if (jget_count(recs, kind_names[i]) > 0)
			n += jget_count(recs, kind_names[i]);
	return n;
}

long long inventory_base(const struct report *rep, int t, int k)
{
	int kind = t == FT_UNIDENTIFIED ? -1 : k;
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
	for (int t = 0; t < FT_NFINDINGS; t++) {
		for (int k = 0; k < KIND_N; k++) {
			const struct rule *r = &th->r[t][k];
			/* an excepted finding is an accepted risk: it counts not */
			long long n = rep->count[t][k] - rep->excepted[t][k];
			if (n == 0 || (!r->set_count && !r->set_percent))
				continue;
			long long base = inventory_base(rep, t, k);
			int fired = (r->set_count && n >= r->count) ||
				    (r->set_percent && (double)n * 100.0 >= r->percent * (double)base);
			if (!fired)
				continue;
			struct reason *re = &v->reasons[v->nreasons++];
			re->what = REASON_CLASS;
			re->type = t;
			re->kind = k;
			re->count = n;
			re->base = base;
			re->rule = *r;
			v->significant = 1;
		}
	}
	/* with history: the new findings, and the ones older than the SLA */
	const struct rule *r = &th->new_findings;
	long long all = inventory_base(rep, FT_UNIDENTIFIED, KIND_UNIDENTIFIED);
	if (rep->fresh && ((r->set_count && rep->fresh >= r->count) ||
			   (r->set_percent && (double)rep->fresh * 100.0 >= r->percent * (double)all))) {
		struct reason *re = &v->reasons[v->nreasons++];
		*re = (struct reason){ .what = REASON_NEW, .count = rep->fresh, .base = all, .rule = *r };
		v->significant = 1;
	}
	if (rep->aged) {
		struct reason *re = &v->reasons[v->nreasons++];
		*re = (struct reason){ .what = REASON_AGED, .count = rep->aged, .base = all };
		v->significant = 1;
	}
}

const char *reason_rule(const struct reason *re, char *buf, size_t size)
{
	if (re->what == REASON_NEW)
		snprintf(buf, size, "new");
	else if (re->what == REASON_AGED)
		snprintf(buf, size, "sla_days");
	else
		rule_name(re->type, re->kind, buf, size);
	return buf;
}
