/*
 * pager.h - fetch paged collections completely, in parallel, and print
 * them in a deterministic order: the part the two fetchers share.
 *
 * A job is one paged collection (a SoftLayer account's hardware, the SOS
 * devices of a C_Code).  The pager reads the first page of every job to
 * learn its total, then the remaining pages through the HTTP engine, all
 * jobs at once, up to the engine's concurrency (it keeps at most two
 * requests per transfer slot queued, so memory does not grow with the
 * number of pages).
 *
 * The engine.  The fetcher creates it (http_engine_new, with its options),
 * lends it to pager_new, and frees it after pager_free.  Before
 * pager_run the fetcher may run requests of its own on it (the SoftLayer
 * account lookups): the rate limit, the retries, the request count and the
 * time budget are then those of the whole fetch, with nothing to carry
 * over.  The pager's requests name their own completion callback
 * (http_request_set_done), so the engine needs no default one.  The closing
 * "done:" line counts the engine's requests, retries and seconds: every
 * request of the fetch.
 *
 * Order and memory.  Pages arrive in any order.  Each page's records are
 * written, as finished raw-record lines, to the job's spool: an unlinked
 * temporary file (in $TMPDIR, else /tmp), with a small index of where each
 * page sits.  When every page of a job is in, the job is verified (the
 * count of distinct records equals the total, the total did not change
 * between pages); a job that fails verification is read again from the
 * start (up to max_rereads times), then fails as incomplete.  Verified jobs
 * are copied to stdout in job order, pages in page order, and their spool
 * is closed.  So nothing is printed that was not verified, memory is
 * bounded by the pages in flight (plus a few words per page of index), and
 * the disk holds at most the jobs not yet printed.
 *
 * Dedupe.  A job with dedupe_id set expects each record to be an object
 * with an integer "id", the pages sorted by id ascending (SoftLayer with an
 * orderBy on id): a record whose id is not above the last id kept is a
 * duplicate (pages overlapped) and is dropped; an id that goes down within
 * a page means the API did not sort, and the job is read again.
 *
 * Errors go through the fetcher's ops->fail, which prints the runbook
 * message and returns the exit code; the pager then stops everything and
 * pager_run returns that code.
 */
#ifndef SOSR_PAGER_H
#define SOSR_PAGER_H

#include "http.h"

struct json_object;
struct pager;

struct pager_job {
	/* set by the fetcher (pager_add_job copies the strings) */
	char *label;            /* "account 659397 hardware" for messages */
	char *prefix;           /* the raw record up to and including "data": */
	int dedupe_id;
	int group;              /* jobs of one group are empty only together */
	void *user;
	/* the pager's */
	struct job_state *st;
};

struct pager_ops {
	/* A new request for LIMIT records from OFFSET of JOB (URL, auth and
	 * credential set). */
	struct http_request *(*request)(struct pager_job *job, long long offset, long long limit,
					void *user);
	/* Parse a 2xx response: *total and *items (an array, or one object,
	 * borrowed from *root, which the caller puts).  -1 with MSG set when
	 * the body is not a good page; it is then retried as a 5xx. */
	int (*parse)(struct pager_job *job, struct http_request *req, const struct http_response *resp,
		     long long *total, struct json_object **root, struct json_object **items,
		     char *msg, size_t msglen, void *user);
	/* Report the final failure of a request for the page at OFFSET of
	 * JOB; returns the exit code. */
	int (*fail)(struct pager_job *job, long long offset, struct http_request *req,
		    const struct http_response *resp, void *user);
};

struct pager_options {
	long page_size;
	int allow_empty;
	int max_rereads;        /* default 2 */
	int quiet, verbose;
	const char *total_name; /* "SoftLayer-Total-Items", "total": for messages */
	const char *empty_hint; /* what to say when a group is empty */
};

/* Parse a response body as one JSON array or object with nothing but
 * blanks after it (strict json-c, valid UTF-8: what sosr-normalize's reader
 * will require of the records); the result is the caller's.  NULL with MSG
 * set when the body is empty, cut short or not JSON. */
struct json_object *pager_parse_body(const struct http_response *resp, char *msg, size_t msglen);

/* A pager that sends its requests through E (borrowed: the caller frees it
 * after pager_free). */
struct pager *pager_new(struct http_engine *e, const struct pager_options *po,
			const struct pager_ops *ops, void *user);
struct pager_job *pager_add_job(struct pager *p, const char *label, const char *prefix,
				int dedupe_id, int group, void *user);
/* Fetch everything and print it; returns the exit code (0 when complete). */
int pager_run(struct pager *p);
void pager_free(struct pager *p);

#endif
