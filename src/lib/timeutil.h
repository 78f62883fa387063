/*
 * timeutil.h - RFC 3339 timestamps to and from seconds since the epoch, UTC.
 *
 * Inventories write dates in many shapes ("2016-11-07T01:51:56-06:00",
 * "2026-11-25T04:12:00Z", "2026-11-25 04:12:00"); canonical records carry
 * one: "YYYY-MM-DDTHH:MM:SSZ" in UTC (docs/FORMATS.md).  The conversion is
 * done here with proleptic Gregorian arithmetic instead of timegm()/TZ, so
 * it is the same on every machine and never reads the local time zone.
 * Fractions of a second are accepted and dropped (truncated).
 * Used by sosr-normalize (created, updated) and sosr-diff (--now, grace).
 * The monotonic clock of every stage is here too.
 */
#ifndef SOSR_TIMEUTIL_H
#define SOSR_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define TU_UTC_LEN 20 /* strlen("2026-11-26T00:00:00Z") */

/* Parse S (LEN bytes, not necessarily NUL-terminated):
 *   YYYY-MM-DD[T| ]HH:MM:SS[.fraction][Z|z|+HH:MM|-HH:MM|+HHMM|-HHMM]
 * A missing offset means UTC.  Fields are range-checked (month 1..12, day
 * within the month, hour 0..23, minute 0..59, second 0..60).
 * 0 and *out set (seconds since 1970-01-01T00:00:00Z), or -1. */
int tu_parse_rfc3339(const char *s, size_t len, int64_t *out);

/* Write T as "YYYY-MM-DDTHH:MM:SSZ" and a NUL into OUT (TU_UTC_LEN + 1
 * bytes).  Years outside 0..9999 are clamped into that range. */
void tu_format_utc(int64_t t, char out[TU_UTC_LEN + 1]);

/* The archive's name of a run: its UTC start as "YYYY-MM-DDTHHMMSSZ" (no
 * colons, for every file system; sorted by name is sorted by time). */
#define TU_STAMP_LEN 18
void tu_format_stamp(int64_t t, char out[TU_STAMP_LEN + 1]);
/* 0 with *t, or -1 when S is not a stamp. */
int tu_parse_stamp(const char *s, int64_t *t);

/* Seconds on the monotonic clock (CLOCK_MONOTONIC): for durations and
 * deadlines, which must not jump when the wall clock is set. */
double tu_monotonic(void);

#endif
