/* http.c - see http.h */
#include "http.h"
#include "err.h"
#include "exitcodes.h"
#include "secret.h"
#include "sha256.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <json-c/json.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* One second, plus a margin: the server counts arrivals, which the network
 * may bunch up a little compared with our departures. */
#define RATE_WINDOW 1.05
#define MAX_HEADERS 64
#define MAX_HEADER_BYTES (64u << 10)

struct http_request {
	struct http_request *next;      /* queue link */
	struct http_request *inext, *iprev; /* in-flight list */
	char *url;
	char *method;
	struct curl_slist *headers;     /* loggable headers */
	char *auth;                     /* secret header line, or NULL */
	char *body;
	size_t body_len;
	char *cred;
	void *user;
	void (*free_user)(void *);
	http_done_fn done;              /* or NULL: the engine's */
	void *done_user;

	/* engine state */
	CURL *easy;
	struct curl_slist *all_headers; /* headers + auth, for curl only */
	struct http_response resp;
	struct buf hdrs;                /* raw response headers, last attempt */
	int retries_transient, retries_other;
	double first_start, not_before, attempt_start;
	int too_big;
};

struct cred_state {
	char *id;
	double *starts;                 /* ring of the last rate_limit starts */
	size_t head, count;
	double limit;                   /* current attempts a window: adapts */
	double cut_at;                  /* when the limit was last halved */
	struct cred_state *next;
};

struct http_engine {
	struct http_options o;
	http_done_fn done;
	void *user;
	CURLM *multi;
	struct http_request *queue, *queue_tail;
	struct http_request *inflight;
	int running;
	int aborted;
	double t0;
	uint64_t rng;
	struct cred_state *creds;
	double rate_floor;              /* the lowest limit a credential came to */
	unsigned long n_retries, n_requests;
	char *cainfo;
	int log_fd;                     /* the request log, or -1 */
};

void http_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		sosr_die(SOSR_EXIT_INTERNAL, "cannot initialize libcurl; check the libcurl installation");
}

void http_global_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- requests ---- */

struct http_request *http_request_new(const char *url)
{
	struct http_request *r = xcalloc(1, sizeof *r);
	r->url = xstrdup(url);
	r->method = xstrdup("GET");
	buf_init(&r->resp.body, 0);
	buf_init(&r->hdrs, MAX_HEADER_BYTES);
	return r;
}

void http_request_set_method(struct http_request *r, const char *method)
{
	free(r->method);
	r->method = xstrdup(method);
}

void http_request_add_header(struct http_request *r, const char *line)
{
	struct curl_slist *l = curl_slist_append(r->headers, line);
	if (!l)
		sosr_oom();
	r->headers = l;
}

void http_request_set_auth(struct http_request *r, const char *line)
{
	secret_free(r->auth);
	r->auth = line ? xstrdup(line) : NULL;
}

void http_request_set_body(struct http_request *r, const void *body, size_t len)
{
	free(r->body);
	r->body = xmalloc(len + 1);
	memcpy(r->body, body, len);
	r->body[len] = '\0';
	r->body_len = len;
}

void http_request_set_cred(struct http_request *r, const char *cred_id)
{
	free(r->cred);
	r->cred = cred_id ? xstrdup(cred_id) : NULL;
}

void http_request_set_user(struct http_request *r, void *user, void (*free_user)(void *))
{
	r->user = user;
	r->free_user = free_user;
}

void *http_request_user(const struct http_request *r) { return r->user; }

void http_request_set_done(struct http_request *r, http_done_fn done, void *user)
{
	r->done = done;
	r->done_user = user;
}
const char *http_request_url(const struct http_request *r) { return r->url; }

static void wipe_slist(struct curl_slist *l)
{
	/* all_headers holds a copy of the auth line: overwrite it too. */
	for (; l; l = l->next) {
		volatile char *p = l->data;
		while (p && *p)
			*p++ = '\0';
	}
}

static void request_free(struct http_request *r)
{
	if (!r)
		return;
	if (r->free_user)
		r->free_user(r->user);
	if (r->easy)
		curl_easy_cleanup(r->easy);
	wipe_slist(r->all_headers);
	curl_slist_free_all(r->all_headers);
	curl_slist_free_all(r->headers);
	secret_free(r->auth);
	free(r->url);
	free(r->method);
	free(r->body);
	free(r->cred);
	buf_free(&r->resp.body);
	buf_free(&r->hdrs);
	free(r);
}

const char *http_request_header(const struct http_request *r, const char *name)
{
	/* hdrs holds "name: value\0" entries, back to back. */
	size_t nl = strlen(name);
	const char *p = r->hdrs.data, *end = p ? p + r->hdrs.len : NULL;
	while (p && p < end) {
		size_t l = strlen(p);
		if (l > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return v;
		}
		p += l + 1;
	}
	return NULL;
}

/* ---- messages ---- */

const char *http_result_name(enum http_result r)
{
	switch (r) {
	case HTTP_OK: return "ok";
	case HTTP_E_AUTH: return "credentials rejected";
	case HTTP_E_NOTFOUND: return "not found";
	case HTTP_E_STATUS: return "API error";
	case HTTP_E_BODY: return "bad response body";
	case HTTP_E_NETWORK: return "network failure";
	case HTTP_E_TOOBIG: return "response too large";
	case HTTP_E_BUDGET: return "time budget exhausted";
	case HTTP_E_REDIRECT: return "redirect";
	case HTTP_E_INTERNAL: return "internal error";
	case HTTP_E_TLS: return "certificate not trusted";
	}
	return "unknown";
}

int http_result_exit(enum http_result r)
{
	switch (r) {
	case HTTP_E_AUTH:
		return SOSR_EXIT_AUTH;
	case HTTP_E_NETWORK:
	case HTTP_E_BUDGET:
	case HTTP_E_TLS:
		return SOSR_EXIT_NETWORK;
	case HTTP_E_NOTFOUND:
	case HTTP_E_STATUS:
	case HTTP_E_BODY:
	case HTTP_E_TOOBIG:
	case HTTP_E_REDIRECT:
		return SOSR_EXIT_API;
	case HTTP_OK:
	case HTTP_E_INTERNAL:
		break;
	}
	return SOSR_EXIT_INTERNAL;
}

static void vlog(const struct http_engine *e, const char *fmt, ...) SOSR_PRINTF(2, 3);
static void vlog(const struct http_engine *e, const char *fmt, ...)
{
	if (!e->o.verbose)
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	sosr_info("http: %.2fs %s", tu_monotonic() - e->t0, line);
}

/* ---- base64 for Basic auth ---- */

char *http_basic_auth(const char *user, const char *secret)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t ul = strlen(user), sl = strlen(secret), n = ul + 1 + sl;
	unsigned char *raw = xmalloc(n);
	memcpy(raw, user, ul);
	raw[ul] = ':';
	memcpy(raw + ul + 1, secret, sl);
	static const char prefix[] = "Authorization: Basic ";
	size_t out_len = sizeof prefix - 1 + 4 * ((n + 2) / 3);
	char *out = xmalloc(out_len + 1), *o = out;
	memcpy(o, prefix, sizeof prefix - 1);
	o += sizeof prefix - 1;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)raw[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= raw[i + 2];
		*o++ = tbl[(v >> 18) & 63];
		*o++ = tbl[(v >> 12) & 63];
		*o++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? tbl[v & 63] : '=';
	}
	*o = '\0';
	volatile unsigned char *w = raw;
	for (size_t i = 0; i < n; i++)
		w[i] = 0;
	free(raw);
	return out;
}

/* ---- engine ---- */

struct http_engine *http_engine_new(const struct http_options *o, http_done_fn done, void *user)
{
	struct http_engine *e = xcalloc(1, sizeof *e);
	e->o = *o;
	if (e->o.concurrency < 1)
		e->o.concurrency = 1;
	if (e->o.rate_burst < 1)
		e->o.rate_burst = 1;
	if (e->o.max_response == 0)
		e->o.max_response = HTTP_DEFAULT_MAX_RESPONSE;
	e->done = done;
	e->user = user;
	e->multi = curl_multi_init();
	if (!e->multi)
		sosr_oom();
	/* Keep the multi handle from opening more connections than transfers
	 * we allow; connections are reused across requests. */
	CURLMcode mc = curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
					 (long)e->o.concurrency);
	if (mc != CURLM_OK)
		sosr_warn("http: cannot cap connections: %s", curl_multi_strerror(mc));
	e->t0 = tu_monotonic();
	e->rng = (uint64_t)o->seed * 0x9E3779B97F4A7C15ull + 1;
	e->rate_floor = e->o.rate_limit;
	/* The endpoint's own CA bundle first (a corporate CA for SOS must not
	 * replace the public ones for SoftLayer); else the variables libcurl
	 * does not read itself (the curl tool does), so that a site bundle
	 * works the way operators expect. */
	const char *ca = o->ca_file;
	if (!ca || !*ca)
		ca = getenv("CURL_CA_BUNDLE");
	if (!ca || !*ca)
		ca = getenv("SSL_CERT_FILE");
	if (ca && *ca)
		e->cainfo = xstrdup(ca);
	e->log_fd = -1;
	if (o->request_log) {
		e->log_fd = open(o->request_log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
		if (e->log_fd < 0)
			sosr_die_errno(SOSR_EXIT_IO, "cannot create the request log '%s'; check the directory",
				       o->request_log);
	}
	return e;
}

void http_engine_free(struct http_engine *e)
{
	if (!e)
		return;
	struct http_request *r = e->queue;
	while (r) {
		struct http_request *n = r->next;
		request_free(r);
		r = n;
	}
	/* Transfers still in flight after an abort. */
	while (e->inflight) {
		r = e->inflight;
		e->inflight = r->inext;
		curl_multi_remove_handle(e->multi, r->easy);
		request_free(r);
	}
	curl_multi_cleanup(e->multi);
	for (struct cred_state *c = e->creds, *n; c; c = n) {
		n = c->next;
		free(c->id);
		free(c->starts);
		free(c);
	}
	free(e->cainfo);
	if (e->log_fd >= 0 && close(e->log_fd) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot write the request log '%s'; check free space",
			       e->o.request_log);
	free(e);
}

const struct http_options *http_engine_options(const struct http_engine *e) { return &e->o; }
unsigned long http_retries(const struct http_engine *e) { return e->n_retries; }
unsigned long http_requests(const struct http_engine *e) { return e->n_requests; }
double http_elapsed(const struct http_engine *e) { return tu_monotonic() - e->t0; }
void http_abort(struct http_engine *e) { e->aborted = 1; }

/* Hand R's outcome to its callback, or to the engine's. */
static enum http_verdict call_done(struct http_engine *e, struct http_request *r)
{
	if (r->done)
		return r->done(e, r, &r->resp, r->done_user);
	return e->done(e, r, &r->resp, e->user);
}

void http_submit(struct http_engine *e, struct http_request *r)
{
	if (!r->done && !e->done)
		sosr_die(SOSR_EXIT_INTERNAL, "http: a request without a completion callback; this is a bug");
	r->next = NULL;
	r->not_before = 0;
	r->first_start = 0;
	if (e->queue_tail)
		e->queue_tail->next = r;
	else
		e->queue = r;
	e->queue_tail = r;
}

/* Requeue at the tail for a later attempt. */
static void requeue(struct http_engine *e, struct http_request *r, double not_before)
{
	r->next = NULL;
	r->not_before = not_before;
	if (e->queue_tail)
		e->queue_tail->next = r;
	else
		e->queue = r;
	e->queue_tail = r;
}

/* xorshift64*: jitter only, not security. */
static double jitter(struct http_engine *e)
{
	uint64_t x = e->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	e->rng = x;
	return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

static struct cred_state *cred_get(struct http_engine *e, const char *id)
{
	if (!id)
		id = "";
	for (struct cred_state *c = e->creds; c; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c;
	struct cred_state *c = xcalloc(1, sizeof *c);
	c->id = xstrdup(id);
	c->starts = xcalloc((size_t)(e->o.rate_limit > 0 ? e->o.rate_limit : 1), sizeof(double));
	c->limit = e->o.rate_limit;
	c->next = e->creds;
	e->creds = c;
	return c;
}

/* 0 when an attempt with this credential may start now, otherwise the time
 * at which it may. */
static double rate_wait_until(struct http_engine *e, struct cred_state *c, double now)
{
	if (e->o.rate_limit <= 0)
		return 0;
	size_t n = (size_t)e->o.rate_limit;          /* the ring's size */
	size_t lim = c->limit < 1 ? 1 : (size_t)c->limit;   /* the limit now */
	double until = 0;
	if (c->count >= lim) {
		/* The lim-th most recent start must be out of the window. */
		double oldest = c->starts[(c->head + c->count - lim) % n];
		if (oldest + RATE_WINDOW > now)
			until = oldest + RATE_WINDOW;
	}
	size_t b = (size_t)e->o.rate_burst;
	if (b > lim)
		b = lim;
	if (b < lim && c->count >= b) {
		/* Smooth bursts: the b-th previous start at least b/lim ago. */
		double prev = c->starts[(c->head + c->count - b) % n];
		double t = prev + (double)b * RATE_WINDOW / (double)lim;
		if (t > now && t > until)
			until = t;
	}
	return until;
}

/* The server said the rate was too high, or it took an attempt that
 * started at STARTED: adapt the credential's limit (see http.h, "Rate
 * limit").  The refusals of attempts that started before the last cut
 * were answers to the old rate: they do not cut again. */
static void rate_adapt(struct http_engine *e, struct cred_state *c, int limited, double started)
{
	if (e->o.rate_limit <= 0)
		return;
	double max = e->o.rate_limit, before = c->limit;
	if (limited && started < c->cut_at)
		return;
	if (limited) {
		c->limit = c->limit / 2 < 1 ? 1 : c->limit / 2;
		c->cut_at = tu_monotonic();
	} else
		c->limit = c->limit + 1 / c->limit > max ? max : c->limit + 1 / c->limit;
	if (c->limit < e->rate_floor)
		e->rate_floor = c->limit;
	if (limited && e->o.verbose)
		vlog(e, "the server limits the rate of credential %s: down from %.1f to %.1f attempts a second",
		     *c->id ? c->id : "-", before, c->limit);
}

double http_rate_floor(const struct http_engine *e)
{
	return e->rate_floor;
}

static void rate_record(struct http_engine *e, struct cred_state *c, double now)
{
	int lim = e->o.rate_limit;
	if (lim <= 0)
		return;
	size_t n = (size_t)lim;
	if (c->count < n) {
		c->starts[(c->head + c->count) % n] = now;
		c->count++;
	} else {
		c->starts[c->head] = now;
		c->head = (c->head + 1) % n;
	}
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct http_request *r = userp;
	size_t n = size * nmemb;
	if (buf_add(&r->resp.body, ptr, n) < 0) {
		r->too_big = 1;
		return 0;       /* CURLE_WRITE_ERROR ends the transfer */
	}
	return n;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct http_request *r = userp;
	size_t n = size * nmemb;
	/* A new status line (after a 100 Continue, say) starts over. */
	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
		buf_reset(&r->hdrs);
		return n;
	}
	size_t l = n;
	while (l && (ptr[l - 1] == '\n' || ptr[l - 1] == '\r' || ptr[l - 1] == ' '))
		l--;
	if (l == 0 || !memchr(ptr, ':', l) || memchr(ptr, '\0', l))
		return n;
	if (buf_add(&r->hdrs, ptr, l) < 0 || buf_addch(&r->hdrs, '\0') < 0)
		return 0;       /* absurd headers: fail the transfer */
	return n;
}

/* Set up the easy handle for the next attempt of R; -1 on a setup error
 * (reported in r->resp.detail). */
static int attempt_setup(struct http_engine *e, struct http_request *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	r->easy = curl_easy_init();
	if (!r->easy) {
		snprintf(r->resp.detail, sizeof r->resp.detail, "cannot create a libcurl handle");
		return -1;
	}
	buf_reset(&r->resp.body);
	r->resp.body.cap = e->o.max_response;
	buf_reset(&r->hdrs);
	r->too_big = 0;
	wipe_slist(r->all_headers);
	curl_slist_free_all(r->all_headers);
	r->all_headers = NULL;
	for (struct curl_slist *l = r->headers; l; l = l->next) {
		struct curl_slist *n = curl_slist_append(r->all_headers, l->data);
		if (!n)
			sosr_oom();
		r->all_headers = n;
	}
	if (r->auth) {
		struct curl_slist *n = curl_slist_append(r->all_headers, r->auth);
		if (!n)
			sosr_oom();
		r->all_headers = n;
	}

	CURL *h = r->easy;
	CURLcode c = CURLE_OK;
#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_URL, r->url);
	SET(CURLOPT_PRIVATE, (void *)r);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (e->cainfo)
		SET(CURLOPT_CAINFO, e->cainfo);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_HTTPHEADER, r->all_headers);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, (void *)r);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, (void *)r);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)e->o.max_response);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(e->o.connect_timeout * 1000));
	SET(CURLOPT_TIMEOUT_MS, (long)(e->o.timeout * 1000));
	if (e->o.low_speed_time > 0) {
		SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SET(CURLOPT_LOW_SPEED_TIME, (long)ceil(e->o.low_speed_time));
	}
	if (e->o.user_agent)
		SET(CURLOPT_USERAGENT, e->o.user_agent);
	if (strcmp(r->method, "GET") != 0)
		SET(CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		SET(CURLOPT_POSTFIELDS, r->body);
	}
#undef SET
	if (c != CURLE_OK) {
		snprintf(r->resp.detail, sizeof r->resp.detail, "cannot set up the transfer: %s",
			 curl_easy_strerror(c));
		return -1;
	}
	return 0;
}

static void log_request(struct http_engine *e, struct http_request *r)
{
	if (!e->o.verbose)
		return;
	/* the query carries masks and paging; userinfo and a parameter that
	 * may hold a secret are cut (tokens belong in headers) */
	char *u = http_url_for_log(r->url);
	vlog(e, "%s %s (credential %s, attempt %d)%s", r->method, u,
	     r->cred ? r->cred : "-", r->resp.attempts,
	     r->auth ? " [Authorization: <redacted>]" : "");
	free(u);
}

static void inflight_add(struct http_engine *e, struct http_request *r)
{
	r->iprev = NULL;
	r->inext = e->inflight;
	if (e->inflight)
		e->inflight->iprev = r;
	e->inflight = r;
	e->running++;
}

static void inflight_del(struct http_engine *e, struct http_request *r)
{
	if (r->iprev)
		r->iprev->inext = r->inext;
	else
		e->inflight = r->inext;
	if (r->inext)
		r->inext->iprev = r->iprev;
	r->inext = r->iprev = NULL;
	e->running--;
}

/* Start every queued request that may start; returns the earliest time at
 * which a waiting one could (0 when none waits). */
static double start_ready(struct http_engine *e)
{
	double now = tu_monotonic(), wake = 0;
	struct http_request **pp = &e->queue, *prev = NULL;
	while (*pp && e->running < e->o.concurrency && !e->aborted) {
		struct http_request *r = *pp;
		double until = r->not_before > now ? r->not_before : 0;
		struct cred_state *c = cred_get(e, r->cred);
		if (!until)
			until = rate_wait_until(e, c, now);
		if (until) {
			if (!wake || until < wake)
				wake = until;
			prev = r;
			pp = &r->next;
			continue;
		}
		/* unlink */
		*pp = r->next;
		if (e->queue_tail == r)
			e->queue_tail = prev;
		r->next = NULL;
		if (!r->first_start)
			r->first_start = now;
		r->attempt_start = now;
		r->resp.attempts++;
		if (attempt_setup(e, r) < 0) {
			r->resp.result = HTTP_E_INTERNAL;
			call_done(e, r);
			request_free(r);
			continue;
		}
		CURLMcode mc = curl_multi_add_handle(e->multi, r->easy);
		if (mc != CURLM_OK) {
			snprintf(r->resp.detail, sizeof r->resp.detail,
				 "cannot start the transfer: %s", curl_multi_strerror(mc));
			r->resp.result = HTTP_E_INTERNAL;
			call_done(e, r);
			request_free(r);
			continue;
		}
		rate_record(e, c, now);
		inflight_add(e, r);
		e->n_requests++;
		log_request(e, r);
	}
	return wake;
}

/* Parse Retry-After: delta-seconds or an HTTP date; -1 when absent/bad. */
static double ratelimit_reset(const struct http_request *r);

static double retry_after(const struct http_request *r)
{
	const char *v = http_request_header(r, "Retry-After");
	if (!v || !*v)
		return ratelimit_reset(r);
	if (isdigit((unsigned char)*v)) {
		char *end;
		errno = 0;
		long s = strtol(v, &end, 10);
		if (errno || (*end && !isspace((unsigned char)*end)) || s < 0)
			return -1;
		return (double)s;
	}
	time_t t = curl_getdate(v, NULL);
	if (t < 0)
		return -1;
	double d = difftime(t, time(NULL));
	return d > 0 ? d : 0;
}

/* x-ratelimit-remaining 0 (GitHub's primary limit): the seconds until
 * x-ratelimit-reset (epoch seconds); -1 otherwise. */
static int ratelimit_exhausted(const struct http_request *r)
{
	const char *v = http_request_header(r, "x-ratelimit-remaining");
	return v && strcmp(v, "0") == 0;
}

static double ratelimit_reset(const struct http_request *r)
{
	if (!ratelimit_exhausted(r))
		return -1;
	const char *v = http_request_header(r, "x-ratelimit-reset");
	if (!v || !isdigit((unsigned char)*v))
		return -1;
	char *end;
	errno = 0;
	long long t = strtoll(v, &end, 10);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -1;
	double d = difftime((time_t)t, time(NULL));
	return d > 0 ? d : 0;
}

enum klass { K_DONE, K_TRANSIENT, K_OTHER };

/* Classify a finished attempt: is it final, or worth another try?  An
 * HTTP 500 with MARKER (or NULL) in its body is a rate limit. */
static enum klass classify(struct http_request *r, CURLcode cc, const char *marker, int rl403)
{
	struct http_response *s = &r->resp;
	s->curl_code = (int)cc;
	if (r->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		s->result = HTTP_E_TOOBIG;
		snprintf(s->detail, sizeof s->detail, "the response is larger than the cap of %zu bytes",
			 r->resp.body.cap);
		return K_DONE;
	}
	if (cc != CURLE_OK) {
		s->result = HTTP_E_NETWORK;
		s->status = 0;
		snprintf(s->detail, sizeof s->detail, "%s (curl error %d)", curl_easy_strerror(cc), (int)cc);
		switch (cc) {
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
			/* a certificate problem: the same on every retry */
			s->result = HTTP_E_TLS;
			return K_DONE;
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_CONNECT:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_PARTIAL_FILE:
		case CURLE_RECV_ERROR:
		case CURLE_SEND_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
		case CURLE_BAD_CONTENT_ENCODING:
		case CURLE_SSL_CONNECT_ERROR:
			return K_TRANSIENT;
		default:
			/* TLS verification, unsupported protocol, bad URL: final */
			return K_DONE;
		}
	}
	long st = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &st);
	s->status = st;
	snprintf(s->detail, sizeof s->detail, "HTTP %ld", st);
	if (st >= 200 && st < 300) {
		s->result = HTTP_OK;
		return K_DONE;
	}
	if (st == 403 && rl403 && (http_request_header(r, "Retry-After") || ratelimit_exhausted(r) ||
				   (r->resp.body.data && strcasestr(r->resp.body.data, "rate limit")))) {
		s->result = HTTP_E_STATUS;
		snprintf(s->detail, sizeof s->detail, "HTTP 403 rate limit");
		s->rate_limited = 1;
		return K_TRANSIENT;
	}
	if (st == 401 || st == 403) {
		s->result = HTTP_E_AUTH;
		return K_DONE;
	}
	if (st == 404) {
		s->result = HTTP_E_NOTFOUND;
		return K_DONE;
	}
	if (st >= 300 && st < 400) {
		s->result = HTTP_E_REDIRECT;
		snprintf(s->detail, sizeof s->detail, "HTTP %ld redirect, not followed", st);
		return K_DONE;
	}
	s->result = HTTP_E_STATUS;
	if (st == 429) {
		s->rate_limited = 1;
		return K_TRANSIENT;
	}
	if (st == 408 || st == 502 || st == 503 || st == 504)
		return K_TRANSIENT;
	if (st == 500 && marker && *marker && r->resp.body.data && strstr(r->resp.body.data, marker)) {
		snprintf(s->detail, sizeof s->detail, "HTTP 500 %s", marker);
		s->rate_limited = 1;
		return K_TRANSIENT;
	}
	if (st >= 500)
		return K_OTHER;
	return K_DONE;
}

/* Schedule another attempt of R after a failure of class K, or return -1
 * when it has had its share (or the budget forbids). */
static int schedule_retry(struct http_engine *e, struct http_request *r, enum klass k)
{
	int *used = k == K_TRANSIENT ? &r->retries_transient : &r->retries_other;
	int max = k == K_TRANSIENT ? e->o.retries : e->o.retries_other;
	if (*used >= max)
		return -1;
	int n = r->retries_transient + r->retries_other; /* retries so far */
	double wait = e->o.backoff * pow(2.0, n);
	if (wait > e->o.backoff_max)
		wait = e->o.backoff_max;
	wait *= 0.5 + 0.5 * jitter(e);
	double ra = retry_after(r);
	double most = e->o.rate_limit_wait > 0 ? e->o.rate_limit_wait : e->o.backoff_max;
	int honoured = 0;
	if (ra >= 0) {
		/* The server knows better; an absurd value is capped. */
		wait = ra < most ? ra : most;
		honoured = 1;
	} else if (r->resp.rate_limited && r->resp.status == 403) {
		/* a rate limit that names no time (GitHub's secondary limit
		 * asks for a minute at least) */
		wait = most;
	}
	double now = tu_monotonic();
	if (e->o.budget > 0 && now + wait > e->t0 + e->o.budget) {
		size_t l = strlen(r->resp.detail);
		snprintf(r->resp.detail + l, sizeof r->resp.detail - l,
			 "; no time left in the budget of %.0f s to retry", e->o.budget);
		return -1;
	}
	(*used)++;
	e->n_retries++;
	if (e->o.verbose) {
		char *u = http_url_for_message(r->url);
		vlog(e, "retry %d of %s in %.2fs%s: %s", n + 1, u, wait,
		     honoured ? " (Retry-After)" : "", r->resp.detail);
		free(u);
	}
	/* The body is not wanted while the request waits: a request waiting
	 * for its retry holds no memory of its last answer, so that the
	 * bodies held are those of the transfers in flight (http.h). */
	buf_free(&r->resp.body);
	requeue(e, r, now + wait);
	return 0;
}

static void finish(struct http_engine *e, struct http_request *r)
{
	r->resp.seconds = tu_monotonic() - r->first_start;
	if (r->easy) {
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	call_done(e, r);
	request_free(r);
}

/* In verbose mode, the start of a body that was not accepted, so that an
 * operator can see what the service said (an error page behind a 200, a
 * changed contract).  Non-printable bytes are shown as '.'. */
static void log_body(struct http_engine *e, const struct http_request *r)
{
	if (!e->o.verbose || !r->resp.body.len)
		return;
	char ex[301];
	size_t n = r->resp.body.len < 300 ? r->resp.body.len : 300;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r->resp.body.data[i];
		ex[i] = c >= 0x20 && c < 0x7f ? (char)c : '.';
	}
	ex[n] = '\0';
	vlog(e, "body (%zu bytes)%s: %s", r->resp.body.len, n < r->resp.body.len ? ", first 300" : "", ex);
}

/* One line of the request log for the attempt of R that just ended;
 * ERROR what failed (NULL: nothing, the body was taken). */
static void log_attempt(struct http_engine *e, const struct http_request *r, const char *error)
{
	if (e->log_fd < 0)
		return;
	double took = tu_monotonic() - r->attempt_start;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double started = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - took;
	int64_t sec = (int64_t)started;
	char when[TU_UTC_LEN + 1];
	tu_format_utc(sec, when);
	char hex[SHA256_HEX_LEN + 1];
	struct sha256 sh;
	sha256_init(&sh);
	sha256_update(&sh, r->resp.body.data ? r->resp.body.data : "", r->resp.body.len);
	sha256_final_hex(&sh, hex);
	char *url = http_url_for_log(r->url);
	struct json_object *o = json_object_new_object();
	char stamp[TU_UTC_LEN + 8];
	/* 2026-11-30T06:00:00Z -> 2026-11-30T06:00:00.123Z */
	snprintf(stamp, sizeof stamp, "%.19s.%03dZ", when, (int)((started - (double)sec) * 1000.0) % 1000);
	json_object_object_add(o, "time", json_object_new_string(stamp));
	json_object_object_add(o, "method", json_object_new_string(r->method));
	json_object_object_add(o, "url", json_object_new_string(url));
	json_object_object_add(o, "credential", r->cred ? json_object_new_string(r->cred) : NULL);
	json_object_object_add(o, "attempt", json_object_new_int(r->resp.attempts));
	json_object_object_add(o, "status", json_object_new_int((int)r->resp.status));
	json_object_object_add(o, "error", error ? json_object_new_string(error) : NULL);
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)r->resp.body.len));
	json_object_object_add(o, "sha256", r->resp.status ? json_object_new_string(hex) : NULL);
	char secs[32];
	snprintf(secs, sizeof secs, "%.3f", took);
	json_object_object_add(o, "seconds", json_object_new_double_s(took, secs));
	if (error && e->o.api_error && r->resp.body.len) {
		char code[128] = "", msg[512] = "";
		e->o.api_error(&r->resp, code, sizeof code, msg, sizeof msg);
		if (*code || *msg) {
			struct json_object *ae = json_object_new_object();
			json_object_object_add(ae, "code", *code ? json_object_new_string(code) : NULL);
			json_object_object_add(ae, "message", *msg ? json_object_new_string(msg) : NULL);
			json_object_object_add(o, "api_error", ae);
		}
	}
	struct buf line = BUF_INIT(0);
	buf_addstr(&line, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	buf_addch(&line, '\n');
	json_object_put(o);
	free(url);
	size_t off = 0;
	while (off < line.len) {
		ssize_t n = write(e->log_fd, line.data + off, line.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			sosr_die_errno(SOSR_EXIT_IO, "cannot write the request log '%s'; check free space",
				       e->o.request_log);
		off += (size_t)n;
	}
	buf_free(&line);
}

static void handle_done(struct http_engine *e, CURL *h, CURLcode cc)
{
	struct http_request *r = NULL;
	curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&r);
	CURLMcode mc = curl_multi_remove_handle(e->multi, h);
	if (mc != CURLM_OK)
		sosr_warn("http: cannot remove a finished transfer: %s", curl_multi_strerror(mc));
	if (!r)
		return;
	inflight_del(e, r);
	r->resp.rate_limited = 0;
	enum klass k = classify(r, cc, e->o.rate_limit_marker, e->o.rate_limit_403);
	/* a 2xx is logged once its caller said whether it took the body */
	if (!(k == K_DONE && r->resp.result == HTTP_OK))
		log_attempt(e, r, r->resp.detail[0] ? r->resp.detail : http_result_name(r->resp.result));
	if (r->resp.rate_limited || r->resp.result == HTTP_OK)
		rate_adapt(e, cred_get(e, r->cred), r->resp.rate_limited, r->attempt_start);
	if (e->o.verbose) {
		char *u = http_url_for_message(r->url);
		const char *what = r->resp.detail[0] ? r->resp.detail : "2xx";
		vlog(e, "%s %s -> %s%s in %.3fs, %zu bytes", r->method, u,
		     r->resp.status ? "" : "failed: ", what, tu_monotonic() - r->attempt_start,
		     r->resp.body.len);
		free(u);
		if (r->resp.result != HTTP_OK && r->resp.result != HTTP_E_TOOBIG)
			log_body(e, r);
	}
	if (k == K_DONE && r->resp.result == HTTP_OK) {
		if (call_done(e, r) == HTTP_ACCEPT) {
			log_attempt(e, r, NULL);
			request_free(r);
			return;
		}
		if (!r->resp.detail[0])
			snprintf(r->resp.detail, sizeof r->resp.detail, "bad response body");
		log_attempt(e, r, r->resp.detail);
		/* The caller rejected the body: a 5xx in disguise. */
		log_body(e, r);
		r->resp.result = HTTP_E_BODY;
		if (!r->resp.detail[0])
			snprintf(r->resp.detail, sizeof r->resp.detail, "bad response body");
		k = K_OTHER;
		if (e->aborted) {
			request_free(r);
			return;
		}
	}
	if (k != K_DONE && schedule_retry(e, r, k) == 0)
		return;
	if (r->resp.attempts > 1) {
		size_t l = strlen(r->resp.detail);
		snprintf(r->resp.detail + l, sizeof r->resp.detail - l, " (after %d attempts)",
			 r->resp.attempts);
	}
	finish(e, r);
}

/* Has the engine's total time budget run out? */
static int budget_spent(const struct http_engine *e)
{
	return e->o.budget > 0 && tu_monotonic() >= e->t0 + e->o.budget;
}

int http_run(struct http_engine *e)
{
	while (!e->aborted && (e->queue || e->running)) {
		if (budget_spent(e)) {
			/* Fail the first request we hold, which stops the
			 * caller; the rest are dropped by http_engine_free. */
			struct http_request *r = e->queue;
			if (r) {
				e->queue = r->next;
				if (!e->queue)
					e->queue_tail = NULL;
			} else if ((r = e->inflight)) {
				curl_multi_remove_handle(e->multi, r->easy);
				inflight_del(e, r);
			}
			if (r) {
				r->resp.result = HTTP_E_BUDGET;
				snprintf(r->resp.detail, sizeof r->resp.detail,
					 "the time budget of %.0f s ran out", e->o.budget);
				if (!r->first_start)
					r->first_start = tu_monotonic();
				finish(e, r);
			}
			e->aborted = 1;
			break;
		}
		double wake = start_ready(e);
		int still = 0;
		CURLMcode mc = curl_multi_perform(e->multi, &still);
		if (mc != CURLM_OK) {
			sosr_error("http: libcurl multi error: %s; this is a bug", curl_multi_strerror(mc));
			return -1;
		}
		CURLMsg *m;
		int left;
		while (!e->aborted && (m = curl_multi_info_read(e->multi, &left)))
			if (m->msg == CURLMSG_DONE)
				handle_done(e, m->easy_handle, m->data.result);
		if (e->aborted)
			break;
		/* Requests may have been queued or freed by callbacks: start
		 * what can start before sleeping. */
		wake = start_ready(e);
		long tmo = -1;
		mc = curl_multi_timeout(e->multi, &tmo);
		if (mc != CURLM_OK) {
			sosr_error("http: libcurl multi error: %s; this is a bug", curl_multi_strerror(mc));
			return -1;
		}
		if (tmo < 0 || tmo > 1000)
			tmo = 1000;
		if (wake > 0) {
			long w = (long)ceil((wake - tu_monotonic()) * 1000);
			if (w < 0)
				w = 0;
			if (w < tmo)
				tmo = w;
		}
		if (e->running == 0 && !e->queue)
			break;
		mc = curl_multi_poll(e->multi, NULL, 0, (int)tmo, NULL);
		if (mc != CURLM_OK) {
			sosr_error("http: libcurl multi error: %s; this is a bug", curl_multi_strerror(mc));
			return -1;
		}
	}
	return 0;
}
