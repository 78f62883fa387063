/*
 * exceptions.h - accepted risks: the findings a team has decided, with a
 * ticket and an approver, to live with until a date (docs/FORMATS.md,
 * "exceptions.json").
 *
 *     {"format": 1, "exceptions": [
 *       {"id": "EX-7", "type": "missing_in_sos", "key": "device/lab*.alc.example.com",
 *        "reason": "lab machines, not in scope", "ticket": "CHG0012345",
 *        "approved_by": "jane.doe", "approved_on": "2026-11-01", "expires": "2027-01-31"}]}
 *
 * Every field is required; `type` is a finding type (finding.h, the five
 * that count); `key` is a finding's key, exact, or a glob whose `*`
 * matches any run of characters (no other character is special); dates
 * are YYYY-MM-DD (midnight UTC) or RFC 3339; `expires` is after
 * `approved_on` and at most max_days later; ids are unique.  Errors name
 * the file, the entry and the field, as the configuration's do, and exit 2.
 *
 * An exception is active from approved_on until expires (excluded): a
 * finding it covers is "excepted" and counts toward no threshold.  An
 * expired one hides nothing.  The struct exceptions owns its strings.
 */
#ifndef SOSR_EXCEPTIONS_H
#define SOSR_EXCEPTIONS_H

#include <stddef.h>
#include <stdint.h>

#define EXCEPTIONS_MAX_BYTES (4u << 20)
#define EXCEPTIONS_MAX 10000

struct exception {
	char *id, *key, *reason, *ticket, *approved_by;
	int type;                       /* enum finding_type */
	int glob;                       /* key has a '*' */
	int64_t approved_on, expires;   /* seconds since the epoch, UTC */
	char approved_on_s[21], expires_s[21];  /* as UTC stamps */
	unsigned long matched;          /* findings it covered in this run */
};

struct exceptions {
	char *path;
	struct exception *e;
	size_t n;
};

/* Load PATH; MAX_DAYS bounds expires - approved_on.  Dies (exit 2) on any
 * error, naming the file, the entry and the field. */
void exceptions_load(const char *path, long max_days, struct exceptions *x);
void exceptions_free(struct exceptions *x);

/* The first exception active at NOW that covers a finding of TYPE with
 * KEY (LEN bytes), its matched count incremented; NULL when none. */
struct exception *exceptions_match(struct exceptions *x, int type, const char *key, size_t len,
				   int64_t now);

/* Whether KEY (LEN bytes) matches PATTERN, whose '*' matches any run of
 * bytes (none included). */
int exceptions_glob(const char *pattern, const char *key, size_t len);

#endif
