/*
 * http.h - one HTTP engine for every stage, over the libcurl multi interface.
 *
 * The engine runs up to `concurrency` transfers at once (curl's
 * 10-at-a-time.c grown up), limits the request rate per credential, retries
 * transient failures with capped exponential backoff and jitter, honours
 * Retry-After, and classifies what finally happened so that a caller can map
 * it to an exit code (see exitcodes.h) and a runbook message.
 *
 * Ownership.  The caller fills a struct http_request with http_request_new()
 * and hands it to http_submit(); from then on the engine owns it, and frees
 * it after the completion callback returns.  Strings given to the request
 * setters are copied; the strings of struct http_options are borrowed and
 * must outlive the engine (they are string literals in practice).  The
 * response passed to the callback is borrowed: it is valid during the
 * callback only (steal the body with buf_detach if it must live longer).
 *
 * Callbacks.  The engine has a default completion callback
 * (http_engine_new); a request may name its own (http_request_set_done),
 * so that parts of a program that know nothing of each other share one
 * engine: sosr-fetch-softlayer's account lookups, then the pager's pages.
 *
 * One engine, several runs.  http_run may be called again after it
 * returned, with new requests submitted in between: the rate limit's record
 * of recent attempts, the statistics (http_requests, http_retries,
 * http_elapsed) and the time budget are the engine's, counted from
 * http_engine_new, so they cover every run.  A run that was aborted
 * (http_abort, or the budget ran out) leaves the engine aborted: a later
 * http_run returns at once.
 *
 * Secrets.  The credential goes in the request's auth header
 * (http_request_set_auth), never in the URL: the URL is printed in messages
 * and the verbose log, the auth header never is (the log shows
 * "Authorization: <redacted>"), and it is wiped when the request is freed.
 * libcurl's own CURLOPT_VERBOSE is never used, because it prints headers.
 * The verbose log shows the start (300 bytes) of a body that was not
 * accepted, as the service sent it.
 * Redirects are not followed: a 3xx is a final error, so a credential is
 * never sent to another host.
 *
 * Retries.  Retried, up to `retries` times: timeouts, DNS and connection
 * failures, a reset or truncated transfer, 408, 429, 502, 503, 504, and an
 * HTTP 500 whose body contains the caller's `rate_limit_marker` (an API's
 * rate-limit error, which some APIs send as a 500: sosr-fetch-softlayer
 * sets SoftLayer's SoftLayer_Exception_WebService_RateLimitExceeded); its
 * detail is then "HTTP 500 <marker>".  The engine knows no API.  Other 5xx, and 2xx
 * responses the caller rejects (http_done returns HTTP_RETRY), are retried
 * only `retries_other` times: they may be deterministic ("too much data").
 * 401, 403, 404 and other 4xx are never retried, except a 403 that says
 * it is a rate limit when `rate_limit_403` is set (GitHub: a secondary
 * limit's 403 with Retry-After or with "rate limit" in its message, or the
 * primary limit's 403 with x-ratelimit-remaining 0; one that names no time
 * waits rate_limit_wait).  The wait before attempt n
 * is min(backoff_max, backoff * 2^(n-1)) scaled by a jitter in [0.5, 1.0),
 * or Retry-After when the server sent one (delta-seconds or an HTTP date),
 * else, when x-ratelimit-remaining is 0, until x-ratelimit-reset (epoch
 * seconds), both capped by rate_limit_wait (backoff_max unless set); and a wait that would end past the
 * engine's time budget fails the request at once.
 *
 * Rate limit.  Each request names a credential (cred_id).  An attempt of a
 * request starts only when fewer than the credential's current limit of
 * attempts started in the last RATE_WINDOW (one second plus a margin for
 * the network's jitter), and no more than `rate_burst` of them back to back:
 * a sliding window, so that the rate is not exceeded in any second, however
 * the server counts.  The current limit starts at `rate_limit` and adapts
 * to the server (additive increase, multiplicative decrease): every answer
 * that says the rate was too high (a 429, or a 500 with the rate-limit
 * marker) halves it, down to one a second; every success adds one over the
 * limit, so it grows back by about one a second per second's worth of
 * successes, up to `rate_limit`.  A server whose real limit is below the
 * configured one is fetched completely, only slower.
 *
 * Memory.  A body is held only while its transfer is in flight and during
 * its completion callback (a request waiting for a retry holds none), so
 * the bodies in memory are at most concurrency x max_response, whatever
 * the servers send.
 *
 * Request log.  With `request_log`, every attempt is one line of NDJSON in
 * that file (created, or emptied; docs/FORMATS.md "Request log"): when it
 * started (UTC, milliseconds), the method, the URL for the log
 * (http_url_for_log), the credential's id, the attempt's number, the
 * HTTP status (0: none), what failed, the bytes of the body and the
 * sha256 of the body as received, the seconds it took, and, for an
 * answer not accepted, the API's error code and message when the caller's
 * `api_error` finds them in the body.  So that the
 * raw records can be traced to the pages they came from.  Never a header:
 * the credential is in one.  Each line is one write(2) to a file opened
 * O_APPEND: a killed fetcher leaves whole lines.  A line that cannot be
 * written ends the program (exit 9, naming the file).
 *
 * Not thread-safe: one engine per thread, driven by http_run().
 */
#ifndef SOSR_HTTP_H
#define SOSR_HTTP_H

#include <stddef.h>
#include "buf.h"

#define HTTP_DEFAULT_CONCURRENCY 8
#define HTTP_DEFAULT_RATE_LIMIT 50
#define HTTP_DEFAULT_MAX_RESPONSE (64u << 20)   /* 64 MiB a response */
#define HTTP_MAX_RETRIES 20                      /* the most --retries of any stage */

/* What happened to a request, finally. */
enum http_result {
	HTTP_OK = 0,        /* a 2xx the caller accepted */
	HTTP_E_AUTH,        /* 401 or 403: credentials rejected */
	HTTP_E_NOTFOUND,    /* 404 */
	HTTP_E_STATUS,      /* another non-2xx status, after the retries it deserved */
	HTTP_E_BODY,        /* 2xx whose body the caller rejected, after retries */
	HTTP_E_NETWORK,     /* DNS, connect, TLS, reset or timeout, after retries */
	HTTP_E_TOOBIG,      /* the response exceeded max_response */
	HTTP_E_BUDGET,      /* the engine's total time budget ran out */
	HTTP_E_REDIRECT,    /* a 3xx: never followed */
	HTTP_E_INTERNAL,    /* a libcurl setup error: a bug or out of memory */
	HTTP_E_TLS,         /* the server's certificate was not trusted: no retry */
};

struct http_engine;
struct http_request;

/* The outcome of the last attempt of a request, for the callback. */
struct http_response {
	enum http_result result;
	long status;            /* HTTP status of the last attempt, 0 if none */
	struct buf body;        /* its body (capped by max_response) */
	int attempts;           /* attempts made, 1 when no retry */
	int rate_limited;       /* the last attempt was refused for its rate
	                           (429, or a 500 with the rate-limit marker) */
	int curl_code;          /* CURLcode of the last attempt */
	double seconds;         /* total time since the first attempt started */
	char detail[512];       /* human text of what failed; no secrets */
};

/* Returned by the completion callback. */
enum http_verdict {
	HTTP_ACCEPT = 0,        /* done with it: the engine frees the request */
	HTTP_RETRY,             /* a 2xx with a bad body: retry (as a 5xx would
	                           be); set resp->detail to say why */
};

/*
 * Called once per request, when it is final (resp->result tells how), and
 * also for every 2xx attempt (resp->result == HTTP_OK), which the callback
 * may reject with HTTP_RETRY after writing the reason into detail (it is a
 * writable buffer the engine owns).  When the retries for bad bodies are
 * exhausted, the callback is called a last time with HTTP_E_BODY and that
 * reason.  The callback may submit new requests, or abort the engine.
 */
typedef enum http_verdict (*http_done_fn)(struct http_engine *e, struct http_request *req,
					  struct http_response *resp, void *user);

struct http_options {
	int concurrency;        /* transfers in flight, >= 1 */
	int rate_limit;         /* attempts per second per credential, 0 = none */
	int rate_burst;         /* back-to-back attempts per credential, >= 1 */
	int retries;            /* retries of transient failures */
	int retries_other;      /* retries of other 5xx and rejected bodies */
	double backoff;         /* first wait, seconds */
	double backoff_max;     /* cap of one wait, seconds (Retry-After too) */
	double connect_timeout; /* seconds */
	double timeout;         /* seconds, one attempt, whole transfer */
	double low_speed_time;  /* seconds under 1 byte/s that abort an attempt */
	double budget;          /* seconds for everything, from http_engine_new
	                           (every run); 0 = no budget */
	size_t max_response;    /* bytes of one response body */
	unsigned long seed;     /* jitter PRNG seed */
	int verbose;            /* log every attempt and retry on stderr */
	const char *user_agent; /* or NULL: libcurl's none */
	const char *rate_limit_marker; /* an HTTP 500 whose body contains it is
	                           a rate limit, retried as a 429; NULL: none */
	const char *ca_file;    /* CA bundle of this engine's endpoint; NULL: from
	                           CURL_CA_BUNDLE or SSL_CERT_FILE, else libcurl's */
	const char *request_log; /* NDJSON file of every attempt (below); NULL: none */
	int rate_limit_403;     /* a 403 with Retry-After, or with
	                           x-ratelimit-remaining 0, is a rate limit
	                           (GitHub's primary and secondary limits):
	                           retried as a 429 (below) */
	double rate_limit_wait; /* the longest wait a server's own time is
	                           honoured for, and the wait of a 403 rate
	                           limit that names none, seconds; 0 =
	                           backoff_max */
	/* The API's own words for an answer that was not accepted, for the
	 * request log's "api_error" (the engine knows no API): fill CODE and
	 * MSG (NUL-terminated, may stay empty) from RESP's body; NULL: none. */
	void (*api_error)(const struct http_response *resp, char *code, size_t code_size,
			  char *msg, size_t msg_size);
};

/* Defaults: concurrency 8, 50/s burst 10, 5 retries (2 other), backoff
 * 0.5 s capped at 30 s, connect 10 s, timeout 120 s, low speed 60 s,
 * budget 1800 s, 64 MiB, no user agent, no rate-limit marker. */
void http_options_default(struct http_options *o);

/* libcurl's global init; call once at the start of main. */
void http_global_init(void);
void http_global_cleanup(void);

/* An engine with options O (copied) and the default completion callback
 * DONE with USER; DONE may be NULL when every request names its own
 * (http_request_set_done).  The budget's clock starts now.  Free it with
 * http_engine_free, which drops what is still queued or in flight. */
struct http_engine *http_engine_new(const struct http_options *o, http_done_fn done, void *user);
void http_engine_free(struct http_engine *e);
/* The engine's options as it applies them (concurrency and rate_burst at
 * least 1, max_response set). */
const struct http_options *http_engine_options(const struct http_engine *e);

/* A GET of URL (copied); see the setters below. */
struct http_request *http_request_new(const char *url);
void http_request_set_method(struct http_request *r, const char *method);
/* A header line "Name: value" that is not secret (it is logged). */
void http_request_add_header(struct http_request *r, const char *line);
/* The secret header line ("Authorization: Bearer ..."); copied, wiped when
 * the request is freed, never logged. */
void http_request_set_auth(struct http_request *r, const char *line);
/* A request body (copied), for POST and PUT. */
void http_request_set_body(struct http_request *r, const void *body, size_t len);
/* The credential that the rate limit counts against (copied). */
void http_request_set_cred(struct http_request *r, const char *cred_id);
/* Anything of the caller's; FREE_USER (if not NULL) is called on it when
 * the engine frees the request, also when it is dropped by an abort. */
void http_request_set_user(struct http_request *r, void *user, void (*free_user)(void *));
void *http_request_user(const struct http_request *r);
/* The completion callback of this request, called with USER instead of
 * the engine's default callback and its user pointer. */
void http_request_set_done(struct http_request *r, http_done_fn done, void *user);
const char *http_request_url(const struct http_request *r);
/* A response header of the last attempt (name case-insensitive), without
 * leading or trailing blanks, or NULL; valid during the callback. */
const char *http_request_header(const struct http_request *r, const char *name);

/* Queue a request; the engine owns it from now on.  A request with no
 * callback on an engine with no default is a bug: the program exits 10. */
void http_submit(struct http_engine *e, struct http_request *r);
/* Run until every request is done or the engine is aborted.  0, or -1 on a
 * libcurl multi error (reported).  May be called again (see above). */
int http_run(struct http_engine *e);
/* Stop: http_run returns after the callback in progress; requests still
 * queued or in flight are dropped without a callback.  For good: the
 * engine stays aborted. */
void http_abort(struct http_engine *e);

/* The lowest current rate limit any credential came down to, attempts a
 * second (rate_limit when the server never limited the rate). */
double http_rate_floor(const struct http_engine *e);
/* Statistics since http_engine_new, every run, for progress lines: retries
 * scheduled, attempts started, seconds elapsed. */
unsigned long http_retries(const struct http_engine *e);
unsigned long http_requests(const struct http_engine *e);
double http_elapsed(const struct http_engine *e);

/* "Authorization: Basic base64(user:secret)", a string for
 * http_request_set_auth; free it with secret_free(). */
char *http_basic_auth(const char *user, const char *secret);
/* The text of a result, for messages ("network failure"). */
const char *http_result_name(enum http_result r);
/* The exit status (exitcodes.h) of a request that finally failed with R:
 * SOSR_EXIT_AUTH for HTTP_E_AUTH; SOSR_EXIT_NETWORK for HTTP_E_NETWORK and
 * HTTP_E_BUDGET; SOSR_EXIT_API for HTTP_E_NOTFOUND, HTTP_E_STATUS,
 * HTTP_E_BODY, HTTP_E_TOOBIG and HTTP_E_REDIRECT; SOSR_EXIT_INTERNAL for
 * HTTP_E_INTERNAL, and for HTTP_OK, which is no failure (asking is a bug).
 * Every fetcher maps results with it; only the wording is the caller's. */
int http_result_exit(enum http_result r);
/* S percent-encoded for a query value (RFC 3986 unreserved kept); the
 * caller frees it. */
char *http_escape(const char *s);
/* Whether URL is plain http:// to a host other than this machine (not
 * 127.0.0.0/8, ::1 or localhost): a credential sent there crosses the
 * network unencrypted. */
int http_url_insecure(const char *url);
/* A URL without userinfo and without its query string, for messages. */
char *http_url_for_message(const char *url);
/* A URL without userinfo, its query kept but the value of every parameter
 * whose name looks like it holds a secret (token, key, secret, password,
 * passwd, signature, sig, auth, credential, session: any case, anywhere in
 * the name) replaced by REDACTED: for the logs, which need the paging. */
char *http_url_for_log(const char *url);

#endif
