/*
 * soc2.h - the SOC 2 controls a run is evidence for, as the reports name
 * them (docs/CONFIG.md, "soc2").
 *
 * An auditor samples the job's output against controls of the AICPA's
 * Trust Services Criteria (2017, points of focus revised 2022); every
 * report (report.txt, report.json, report.html, report.junit.xml) names
 * the controls, the audit period the evidence is for, and where the raw
 * evidence is kept, so that a sample taken from any of them says what it
 * proves.  The configuration's "soc2" section replaces the defaults, which
 * are the two criteria an inventory reconciliation evidences:
 *
 *     CC6.1  the inventory of information assets is identified and managed
 *     CC7.1  unknown or unauthorized components are detected
 *
 * (paraphrased: the criteria's text is the AICPA's; the reports carry a
 * line a reader can check against it, not a quotation).
 *
 * A struct soc2_config owns its strings; soc2_free releases them.  Unset:
 * no controls (the defaults apply), NULL strings.
 */
#ifndef SOSR_SOC2_H
#define SOSR_SOC2_H

#include <stddef.h>

struct jd_ctx;
struct json_object;

#define SOC2_MAX_CONTROLS 32
#define SOC2_MAX_ID 32
#define SOC2_MAX_TEXT 300
#define SOC2_MAX_LOCATION 1000

struct soc2_control {
	const char *id;         /* "CC6.1" */
	const char *text;       /* one line: what the run evidences of it */
};

struct soc2_config {
	struct soc2_control *controls;  /* owned, NULL: the defaults */
	size_t n_controls;
	char *evidence_location;        /* NULL: the reports derive one */
	char *period_start, *period_end;/* "YYYY-MM-DD", both or neither */
};

/* The controls in force: the configured ones, else the defaults. */
const struct soc2_control *soc2_controls(const struct soc2_config *s, size_t *n);

/* Read the "soc2" object O of a configuration (dies through jd_fail on
 * any error, naming the key path). */
void soc2_load(const struct jd_ctx *x, struct json_object *o, struct soc2_config *s);
void soc2_free(struct soc2_config *s);

#endif
