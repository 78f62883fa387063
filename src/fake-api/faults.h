/*
 * faults.h - fault injection: what goes wrong with which request.
 *
 * Faults are given on the command line (--fault SPEC, repeatable; the
 * syntax is in docs/SIMULATOR.md) and decided per request, in the order
 * given, from one seeded PRNG behind a mutex: the same seed and the same
 * request order give the same faults.  Requests are counted per API target
 * (softlayer, sos, alert, github) from 1; a fault with target "all" counts every
 * request.  faults_decide() is thread-safe.
 */
#ifndef SOSR_FAKE_FAULTS_H
#define SOSR_FAKE_FAULTS_H

#include <stddef.h>
#include <stdint.h>

enum target { T_SOFTLAYER = 1, T_SOS = 2, T_ALERT = 4, T_GITHUB = 8, T_ALL = 15 };

enum truncation { TRUNC_NONE, TRUNC_LENGTH, TRUNC_JSON };

/* What to do to one request. */
struct fault_plan {
	double delay;           /* seconds to wait before answering */
	int stall;              /* drop the connection after the delay, unanswered */
	int status;             /* replace the answer by this error status, or 0 */
	int rate_limit;         /* status 500 is the SoftLayer rate-limit error
	                           (for GitHub: a 403 of the primary limit) */
	int secondary;          /* GitHub's secondary rate limit: 403 with Retry-After */
	int error_body;         /* 200 whose body is an error */
	int retry_after;        /* seconds, for 429 */
	int truncate;           /* enum truncation */
	int expired;            /* the credential has expired: 401 */
	long long total_delta;  /* add to the advertised total */
	size_t amplify;         /* bytes of "{}" values a 200 page is made of, or 0 */
	int amplify_record;     /* ... in one record's member, not as the items */
	char names[128];        /* the faults that fired, "latency+503", for the log */
};

/* Parse and add one --fault SPEC; 0, or -1 with a message in ERR. */
int faults_add(const char *spec, char *err, size_t errlen);
void faults_seed(uint64_t seed);
/* Decide the faults of the next request to TARGET (one of T_*). */
void faults_decide(int target, struct fault_plan *p);
/* A random number from the same PRNG (for unordered SoftLayer pages). */
uint64_t faults_random(void);
struct buf;
/* Append to B the "{}" values of the amplify fault, comma-separated, about
 * BYTES bytes of them (at least one). */
void faults_amplify(struct buf *b, size_t bytes);
void faults_free(void);

#endif
