/*
 * exitcodes.h - the exit status of every sos-reconcile program, in one place.
 *
 * diff(1)-style: 0 means "ran, nothing to report", 1 means "ran, found
 * something", 2 and above mean trouble, one code per cause, so that Jenkins
 * (1 -> UNSTABLE, >=2 -> FAILURE) and an operator reading a console can tell
 * the causes apart without parsing text.  The driver passes a failing stage's
 * code through, so the codes are shared by every program; each tool's --help
 * and man page list the subset it can return.
 *
 * 141 (128 + SIGPIPE) is not listed: a filter whose reader went away exits by
 * SIGPIPE on purpose (see output.h) and the driver treats it as benign.
 */
#ifndef SOSR_EXITCODES_H
#define SOSR_EXITCODES_H

enum sosr_exit {
	SOSR_EXIT_OK         = 0,  /* complete; no findings / nothing significant */
	SOSR_EXIT_FINDINGS   = 1,  /* complete; findings (diff) or significant ones (driver) */
	SOSR_EXIT_USAGE      = 2,  /* bad flag, operand or configuration */
	SOSR_EXIT_AUTH       = 3,  /* credentials rejected (HTTP 401/403) */
	SOSR_EXIT_NETWORK    = 4,  /* DNS, connect, TLS or timeout: service unreachable */
	SOSR_EXIT_API        = 5,  /* API error that persisted after retries, or a bad body */
	SOSR_EXIT_INCOMPLETE = 6,  /* fetched fewer/more records than the API said it has */
	SOSR_EXIT_DATA       = 7,  /* invalid input data: malformed NDJSON, unsorted stream */
	SOSR_EXIT_ALERT      = 8,  /* the alert could not be delivered */
	SOSR_EXIT_IO         = 9,  /* cannot read or write a file (full disk, permissions) */
	SOSR_EXIT_INTERNAL   = 10, /* out of memory or a bug */
	SOSR_EXIT_SUSPECT    = 11, /* a population dropped sharply since the last
	                              complete run: probably a broken source */
	SOSR_EXIT_LOCKER     = 12, /* the run is archived and committed in the
	                              evidence locker, but the push failed */
};

/* The meaning of an exit status in a few words, for reports and alerts
 * ("credentials rejected"); also statuses no program returns on purpose
 * (141, SIGPIPE; above 128, a signal). */
const char *exit_meaning(int code);

/* What to check first for a failure with CODE, in docs/RUNBOOK.md's words
 * (one sentence, no trailing period), for the escalations (a GitHub issue,
 * the ticket text); "" for 0 and 1. */
const char *exit_runbook(int code);

#endif
