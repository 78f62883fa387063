/* threshold.c - see threshold.h */
#include "threshold.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_count(const char *s, size_t len, long long *out);

void rule_set(struct rule *r, long long count, double percent)
{
	r->set_count = count > 0;
	r->count = count;
	r->set_percent = percent > 0;
	r->percent = percent;
}

void thresholds_default(struct thresholds *th)
{
	memset(th, 0, sizeof *th);
	for (int k = 0; k < KIND_N; k++) {
		rule_set(&th->r[FT_MISSING_IN_SOS][k], 5, 1);
		rule_set(&th->r[FT_MISSING_IN_SOFTLAYER][k], 10, 2);
		rule_set(&th->r[FT_MISMATCH][k], 25, 2);
		rule_set(&th->r[FT_DUPLICATE][k], 5, 1);
		rule_set(&th->r[FT_UNIDENTIFIED][k], 5, 1);
	}
	rule_set(&th->r[FT_MISSING_IN_SOS][KIND_DEVICE], 1, 0);
	rule_set(&th->new_findings, 0, 0);
	th->sla_days = 0;
}

int threshold_special(struct thresholds *th, const char *name, const char *spec, char *why,
		      size_t whylen)
{
	if (strcmp(name, "new") == 0)
		return rule_parse_spec(spec, &th->new_findings, why, whylen) < 0 ? -1 : 1;
	if (strcmp(name, "sla_days") != 0)
		return 0;
	if (strcmp(spec, "off") == 0) {
		th->sla_days = 0;
		return 1;
	}
	long long d;
	if (parse_count(spec, strlen(spec), &d) < 0 || d > SLA_MAX_DAYS) {
		snprintf(why, whylen, "'%.40s' is not a whole number of days in 1..%d, or off", spec,
			 SLA_MAX_DAYS);
		return -1;
	}
	th->sla_days = (long)d;
	return 1;
}

int rule_class(const char *name, size_t len, int *type, int *kind)
{
	const char *dot = memchr(name, '.', len);
	size_t tl = dot ? (size_t)(dot - name) : len;
	int t = finding_type_from_name(name, tl);
	int k = dot ? kind_from_name(dot + 1, len - tl - 1) : -1;
	if (t < 0 || t >= FT_NFINDINGS || (dot && (k < 0 || k == KIND_UNIDENTIFIED || t == FT_UNIDENTIFIED)))
		return -1;
	*type = t;
	*kind = k;
	return 0;
}

void thresholds_set(struct thresholds *th, int type, int kind, const struct rule *r)
{
	for (int i = 0; i < KIND_N; i++)
		if (kind < 0 || i == kind)
			th->r[type][i] = *r;
}

/* A whole number in 1..RULE_MAX_COUNT, LEN bytes of S: 0, -1 when it is
 * not a number, -2 when it is out of range. */
static int parse_count(const char *s, size_t len, long long *out)
{
	char tmp[24];
	if (len == 0 || len >= sizeof tmp)
		return len ? -2 : -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (tmp[i] < '0' || tmp[i] > '9')
			return -1;
	errno = 0;
	long long v = strtoll(tmp, NULL, 10);
	if (errno || v < 1 || v > RULE_MAX_COUNT)
		return -2;
	*out = v;
	return 0;
}

/* A percentage in (0, 100], written without a sign or exponent. */
static int parse_percent(const char *s, size_t len, double *out)
{
	char tmp[32];
	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (strpbrk(tmp, "+-eExXnNiI "))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (end == tmp || *end || errno || !isfinite(v) || v <= 0 || v > 100)
		return -1;
	*out = v;
	return 0;
}

int rule_parse_spec(const char *spec, struct rule *r, char *why, size_t whylen)
{
	if (strcmp(spec, "off") == 0) {
		rule_set(r, 0, 0);
		return 0;
	}
	long long count = 0;
	double percent = 0;
	const char *comma = strchr(spec, ',');
	const char *pct = spec;
	if (comma || !strchr(spec, '%')) {
		size_t n = comma ? (size_t)(comma - spec) : strlen(spec);
		int rc = parse_count(spec, n, &count);
		if (rc < 0) {
			int shown = (int)(n > 40 ? 40 : n);
			if (rc == -1)
				snprintf(why, whylen, "'%.*s' is not a whole number", shown, spec);
			else
				snprintf(why, whylen, "'%.*s' is out of range 1..%lld", shown, spec, RULE_MAX_COUNT);
			return -1;
		}
		pct = comma ? comma + 1 : NULL;
	}
	if (pct) {
		size_t n = strlen(pct);
		if (n < 2 || pct[n - 1] != '%') {
			snprintf(why, whylen, "'%.40s' is not COUNT, PERCENT%%, COUNT,PERCENT%% or off", spec);
			return -1;
		}
		if (parse_percent(pct, n - 1, &percent) < 0) {
			snprintf(why, whylen, "'%.40s': the share must be a percentage above 0 and at most 100, like 2%%",
				 spec);
			return -1;
		}
	}
	rule_set(r, count, percent);
	return 0;
}

const char *rule_name(int type, int kind, char *buf, size_t size)
{
	if (type == FT_UNIDENTIFIED)
		snprintf(buf, size, "%s", finding_type_names[type]);
	else
		snprintf(buf, size, "%s.%s", finding_type_names[type], kind_names[kind]);
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
