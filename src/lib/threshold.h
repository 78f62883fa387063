/*
 * threshold.h - the rules that decide when findings are significant.
 *
 * A rule names a finding class, a type with an optional kind
 * ("missing_in_sos.device", "mismatch" for both kinds, "unidentified",
 * which has no kind), and when it fires: from a count, from a share of the
 * inventory of that kind, either ("25,2%"), or never ("off").  The
 * defaults (docs/CONFIG.md, "thresholds"):
 *
 *     missing_in_sos.device        1         (an unmonitored machine)
 *     missing_in_sos.vlan          5 or 1%
 *     missing_in_softlayer.*      10 or 2%   (stale registrations)
 *     mismatch.*                  25 or 2%
 *     duplicate.*                  5 or 1%
 *     unidentified                 5 or 1%
 *
 * Rules come from the configuration's "thresholds" section (config.c reads
 * the JSON forms) and from sosr-render's --threshold flags (the text form
 * RULE=SPEC), in that order, each overriding what came before.  The parsers
 * here return a message instead of dying, so that each caller names its
 * own source: the option, or the file and key.
 */
#ifndef SOSR_THRESHOLD_H
#define SOSR_THRESHOLD_H

#include <stddef.h>
#include "finding.h"

/* A class is significant when its count is > 0 and reaches `count` (when
 * set) or `percent` of the inventory of its kind (when set). */
struct rule {
	int set_count, set_percent;
	long long count;
	double percent;
};

#define RULE_MAX_COUNT 1000000000LL

/* With history (sosr-track), two more rules: "new" fires on the findings
 * that are NEW or REOPENED today (off by default; its share is of every
 * record of the larger side), and "sla_days" on any finding open longer
 * than that many days ("aged"; 0: off).  Excepted findings count toward
 * no rule. */
struct thresholds {
	struct rule r[FT_NFINDINGS][KIND_N];
	struct rule new_findings;
	long sla_days;
};

#define SLA_MAX_DAYS 3650

void thresholds_default(struct thresholds *th);
/* A rule from a count (0: none) and a percentage (0: none). */
void rule_set(struct rule *r, long long count, double percent);
/* The class of a rule name ("mismatch.device", "mismatch"): 0 with *type
 * and *kind (-1: every kind) set, or -1.  "new" and "sla_days" are not
 * classes: see threshold_special. */
int rule_class(const char *name, size_t len, int *type, int *kind);
/* Set the rule of class (TYPE, KIND) in TH; KIND -1 sets every kind. */
void thresholds_set(struct thresholds *th, int type, int kind, const struct rule *r);
/* Set the rule NAME that is not a class ("new" with SPEC, "sla_days" with
 * a whole number of days or off): 1 when NAME is one, 0 when it is not,
 * -1 with WHY when SPEC is not good for it. */
int threshold_special(struct thresholds *th, const char *name, const char *spec, char *why,
		      size_t whylen);
/* SPEC is COUNT, PERCENT%, COUNT,PERCENT% or off.  0, or -1 with WHY. */
int rule_parse_spec(const char *spec, struct rule *r, char *why, size_t whylen);
/* "missing_in_sos.device", or "unidentified". */
const char *rule_name(int type, int kind, char *buf, size_t size);
/* "1", "2%", "25 or 2%", "off". */
void rule_describe(const struct rule *r, char *buf, size_t size);

/* The words of an unknown rule name, for both callers. */
#define RULE_NAMES_HINT "rules are missing_in_sos, missing_in_softlayer, mismatch, duplicate " \
	"(optionally .device or .vlan), unidentified, new and sla_days"

#endif
