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
 * Pages.  Every page is read with the strict scanner of jsonscan.h, never
 * built into json-c objects: a UTF-8 byte order mark at its start is
 * skipped (text.h), the rest must be one JSON document (as jsondoc_parse
 * requires), and each of its items becomes one raw record: the fetcher's
 * prefix, the item's bytes as the API sent them with the blanks outside
 * strings removed (jscan_compact: strings, escapes, numbers and duplicate
 * member names byte for byte), then "}" (pager_record).  So the raw
 * records are the API's objects verbatim, ids exact however large.  An
 * item is refused (the fetch fails, exit 5) when it is not an object, or
 * when sosr-normalize could not read its record: a line longer than
 * NDJSON_DEFAULT_MAX_LINE, nested deeper than NDJSON_MAX_DEPTH, or with
 * more than PAGER_MAX_RECORD_VALUES values (sosr-normalize builds every
 * value of a line with json-c, some 100 to 800 bytes each).
 *
 * Paging and the total.  With a page size P and a total T, the pages asked
 * for are those at offsets 0, P, 2P, ... up to floor(T / P) * P: the last
 * holds T mod P records, none when T is a whole number of pages, so that a
 * total one short is contradicted by a page that is not empty (one request
 * more than T / P pages).  A page holding more than P records is refused
 * at once (exit 5: a page of millions of "{}" never reaches the spool); a
 * page before the last holding fewer than P contradicts the total at once,
 * however large it claims to be, and the job is read again like any other
 * contradiction (a one-page glitch heals; a lying total fails as
 * incomplete after max_rereads more reads, in seconds, not at the time
 * budget).
 *
 * Memory.  The pager holds no page beyond the callback that reads it: the
 * bodies of the requests in flight are the engine's (at most
 * concurrency x max_response, http.h), the pager adds one record line
 * (at most NDJSON_DEFAULT_MAX_LINE) while writing a page and one while
 * printing, and a few words per page of index.  So a fetcher's peak RSS
 * is at most about concurrency x max_response + 2 x 16 MiB + 16 MiB
 * (libcurl, TLS, the program), whatever the server sends: 560 MiB with
 * the defaults (8 x 64 MiB), and about what the pages in flight take for
 * real pages (docs/RELIABILITY.md, "JSON amplification").
 *
 * Order.  Pages arrive in any order.  Each page's records are
 * written, as finished raw-record lines, to the job's spool: an unlinked
 * temporary file (in $TMPDIR, else /tmp), with a small index of where each
 * page sits.  When every page of a job is in, the job is verified (the
 * count of distinct records equals the total, the total did not change
 * between pages); a job that fails verification is read again from the
 * start (up to max_rereads times), then fails as incomplete.  Verified jobs
 * are copied to stdout in job order, pages in page order, and their spool
 * is closed.  So nothing is printed that was not verified, and the disk
 * holds at most the jobs not yet printed.
 *
 * Dedupe.  A job with dedupe_id set expects each record to be an object
 * with one member "id" that is a whole number of 0 or more (digits only:
 * an id of any size is compared exactly, as text, by length then bytes),
 * the pages sorted by id ascending (SoftLayer with an orderBy on id): a
 * record whose id is not above the last id kept is a duplicate (pages
 * overlapped) and is dropped; an id that goes down within a page means the
 * API did not sort, and the job is read again.  A record without such an
 * id, or with "id" twice, is refused (exit 5).
 *
 * Errors go through the fetcher's ops->fail, which prints the runbook
 * message and returns the exit code; the pager then stops everything and
 * pager_run returns that code.
 */
#ifndef SOSR_PAGER_H
#define SOSR_PAGER_H

#include "http.h"
#include "jsonscan.h"

struct pager;

/* Values one raw record may hold (every level): what sosr-normalize's
 * json-c may be asked to build for one line. */
#define PAGER_MAX_RECORD_VALUES 100000

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
	/* Read a 2xx response (pager_parse_body): *total and *items, the
	 * span in resp->body of an array of records or of one object (a bare
	 * object is a page of one).  -1 with MSG set when the body is not a
	 * good page; it is then retried as a 5xx. */
	int (*parse)(struct pager_job *job, struct http_request *req, const struct http_response *resp,
		     long long *total, struct jspan *items, char *msg, size_t msglen, void *user);
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
	double progress;        /* off a terminal, a progress line at most every
	                           this many seconds while pages come; 0: none */
	const char *total_name; /* "SoftLayer-Total-Items", "total": for messages */
	const char *empty_hint; /* what to say when a group is empty */
};

/* Check a response body with the scanner: one JSON array or object
 * (after a byte order mark, which is skipped), nothing but blanks after
 * it, strictly valid (jsonscan.h), at most JSONDOC_MAX_DEPTH deep.  0
 * with *ROOT its span in the body, or -1 with MSG set when the body is
 * empty, cut short or not JSON.  Costs no memory, whatever the body. */
int pager_parse_body(const struct http_response *resp, struct jspan *root, char *msg, size_t msglen);

/* The raw record of ITEM: PREFIX, ITEM compacted, "}" (no newline), in
 * LINE (reset first).  With ID not NULL, the item's "id" (its digits) in
 * *ID.  0, or -1 with WHY saying why the item cannot be a raw record (see
 * "Pages" and "Dedupe" above). */
int pager_record(struct buf *line, const char *prefix, struct jspan item, struct jspan *id,
		 char *why, size_t whylen);

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
