/*
 * summary.h - the last line of a discrepancy or tracked findings stream
 * (docs/FORMATS.md, sections 3 and 3b): its format, and whether the
 * records read add up to its counts.
 *
 * A stage that reads the stream to its end (sosr-render, sosr-csv) trusts
 * nothing it has not checked against the summary: a stream cut short, or
 * edited, must never give a short, clean-looking report or population.
 */
#ifndef SOSR_SUMMARY_H
#define SOSR_SUMMARY_H

#include <stddef.h>
#include "finding.h"

struct json_object;

/* The summary formats this code reads: 1, and 2 (sosr-diff with
 * identities: matched_by, agree, unpaired, other_records; "identities" and
 * "matched_by" in the summary). */
#define SUMMARY_FORMAT_MIN 1
#define SUMMARY_FORMAT 2
#define SUMMARY_FORMAT_OK(f) ((f) >= SUMMARY_FORMAT_MIN && (f) <= SUMMARY_FORMAT)

/* 0 when COUNT[t] (the records of each type read before the summary)
 * equals what SUMMARY says (findings.<type>, pending, excluded, and
 * track.resolved); -1 with WHY ("the summary counts 1 missing_in_sos
 * records but the stream has 0; the stream was cut or edited, check the
 * file"). */
int summary_check_counts(struct json_object *summary, const long long count[FT_N], char *why,
			 size_t whylen);

#endif
