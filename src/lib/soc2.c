/* soc2.c - see soc2.h */
#include "soc2.h"

#include "err.h"
#include "jsondoc.h"
#include "timeutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

/* The criteria an asset inventory reconciliation evidences, in our words
 * (2017 Trust Services Criteria, points of focus of 2022): CC6.1 asks
 * that logical access protects the information assets, and its first
 * point of focus is that they are identified, inventoried and managed;
 * CC7.1 asks for detection and monitoring procedures, one point of focus
 * of which is detecting unknown or unauthorized components. */
static const struct soc2_control defaults[] = {
	{ "CC6.1", "Information assets are identified and inventoried: every SoftLayer device and VLAN "
		   "of the C_Code is compared daily with the SOS inventory" },
	{ "CC7.1", "Unknown or unauthorized components are detected: devices and VLANs that SOS does "
		   "not monitor are reported, and alerted on when significant" },
};

const struct soc2_control *soc2_controls(const struct soc2_config *s, size_t *n)
{
	if (s && s->n_controls) {
		*n = s->n_controls;
		return s->controls;
	}
	*n = sizeof defaults / sizeof *defaults;
	return defaults;
}

/* A line of text a person wrote for the reports: no control characters
 * (they would break report.txt's layout and cannot be in XML), at most
 * MAX bytes. */
static const char *line_text(const struct jd_ctx *x, struct json_object *o, const char *path,
			     const char *key, size_t max)
{
	const char *s = jd_str(x, o, path, key, 0);
	if (!s)
		return NULL;
	char kp[128];
	jd_keypath(kp, sizeof kp, path, key);
	if (strlen(s) > max)
		jd_fail(x, kp, "longer than %zu bytes; the reports show it on one line", max);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			jd_fail(x, kp, "has a control character (byte 0x%02x); write it on one line", *p);
	return s;
}

static char *date_of(const struct jd_ctx *x, struct json_object *o, const char *key)
{
	const char *s = jd_str(x, o, "soc2.period", key, 0);
	char kp[64];
	jd_keypath(kp, sizeof kp, "soc2.period", key);
	if (!s)
		jd_fail(x, kp, "missing; the audit period has a start and an end (YYYY-MM-DD)");
	int64_t t;
	char stamp[32];
	snprintf(stamp, sizeof stamp, "%.10sT00:00:00Z", s);
	if (strlen(s) != 10 || tu_parse_rfc3339(stamp, strlen(stamp), &t) < 0)
		jd_fail(x, kp, "'%.40s' is not a date like 2026-01-01", s);
	return xstrdup(s);
}

void soc2_load(const struct jd_ctx *x, struct json_object *o, struct soc2_config *s)
{
	static const char *const keys[] = { "controls", "evidence_location", "period", NULL };
	static const char *const control_keys[] = { "id", "text", NULL };
	static const char *const period_keys[] = { "start", "end", NULL };
	jd_only_keys(x, o, "soc2", keys);
	struct json_object *a = jd_array(x, o, "soc2", "controls");
	if (a) {
		size_t n = json_object_array_length(a);
		if (n == 0)
			jd_fail(x, "soc2.controls", "empty; leave the key out for the defaults (CC6.1, CC7.1)");
		if (n > SOC2_MAX_CONTROLS)
			jd_fail(x, "soc2.controls", "more than %d controls", SOC2_MAX_CONTROLS);
		s->controls = xcalloc(n, sizeof *s->controls);
		for (size_t i = 0; i < n; i++) {
			char path[48];
			snprintf(path, sizeof path, "soc2.controls[%zu]", i);
			struct json_object *c = json_object_array_get_idx(a, i);
			if (!json_object_is_type(c, json_type_object))
				jd_fail(x, path, "expected an object like {\"id\": \"CC6.1\", \"text\": \"...\"}");
			jd_only_keys(x, c, path, control_keys);
			const char *id = line_text(x, c, path, "id", SOC2_MAX_ID);
			const char *text = line_text(x, c, path, "text", SOC2_MAX_TEXT);
			if (!id || !text)
				jd_fail(x, path, "a control needs an id and a text");
			for (size_t j = 0; j < i; j++)
				if (strcmp(s->controls[j].id, id) == 0)
					jd_fail(x, path, "the id '%s' is given twice", id);
			s->controls[i].id = xstrdup(id);
			s->controls[i].text = xstrdup(text);
			s->n_controls = i + 1;
		}
	}
	const char *loc = line_text(x, o, "soc2", "evidence_location", SOC2_MAX_LOCATION);
	if (loc)
		s->evidence_location = xstrdup(loc);
	struct json_object *p = jd_obj(x, o, "soc2", "period");
	if (p) {
		jd_only_keys(x, p, "soc2.period", period_keys);
		s->period_start = date_of(x, p, "start");
		s->period_end = date_of(x, p, "end");
		/* dates of one form compare as text */
		if (strcmp(s->period_start, s->period_end) > 0)
			jd_fail(x, "soc2.period", "the start %s is after the end %s", s->period_start,
				s->period_end);
	}
}

void soc2_free(struct soc2_config *s)
{
	for (size_t i = 0; i < s->n_controls; i++) {
		free((char *)s->controls[i].id);
		free((char *)s->controls[i].text);
	}
	free(s->controls);
	free(s->evidence_location);
	free(s->period_start);
	free(s->period_end);
	memset(s, 0, sizeof *s);
}
