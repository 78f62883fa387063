/*
 * sosr-fake-api - a simulator of the SoftLayer REST API, the SOS inventory
 * API and the alert receivers, on a loopback address, so that tests,
 * benchmarks and the demo run without a network.
 *
 * main.c owns the command line, the MHD daemon and the glue: it routes a
 * request to its API's handler (softlayer.c, sos.c, alerts.c), applies the
 * faults decided by faults.c, delays answers without holding a pool thread
 * (suspend, then a timer thread resumes), and logs each answer (reqlog.c).
 * The estate (estate.h) is built before the daemon starts and is read-only
 * while it runs.  SIGTERM or SIGINT stop it cleanly (exit 0).
 */
#include "api.h"
#include "estate.h"
#include "faults.h"
#include "reqlog.h"
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "jsonw.h"
#include "output.h"
#include "timeutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#define UPLOAD_MAX (1u << 20)   /* largest POST body accepted */
#define POOL_THREADS 4

static const char usage_text[] =
	"Usage: sosr-fake-api [OPTION]...\n"
	"Simulate the SoftLayer REST API, the SOS inventory API and the alert\n"
	"receivers (PagerDuty, Slack, webhook) on a loopback address.\n"
	"\n"
	"Serving:\n"
	"  --listen ADDR:PORT      loopback address (default 127.0.0.1:0, a free\n"
	"                          port; [::1]:PORT for IPv6)\n"
	"  --port-file FILE        write the bound port there once listening\n"
	"  --credentials FILE      write endpoints and credentials (JSON, mode 0600)\n"
	"  --api-key-file FILE     the SoftLayer API keys, one a line, line i for\n"
	"                          account i, all distinct (default: derived\n"
	"                          from the seed)\n"
	"  --sos-token-file FILE   the SOS token (default: derived from the seed)\n"
	"  --sos-auth-header NAME  header carrying the SOS token (Authorization)\n"
	"  --sos-auth-scheme WORD  its scheme (Bearer; '' for a bare token)\n"
	"  --log FILE              one NDJSON line per request\n"
	"  --alerts-log FILE       one NDJSON line per alert body received (and per\n"
	"                          change made through the GitHub API)\n"
	"  --github-repository O/R the repository GitHub's API serves (default\n"
	"                          sos-team/compliance)\n"
	"  --github-token-file FILE  the GitHub token (default: derived from the seed)\n"
	"  --github-per-page N     the most issues a page holds, 1..100 (default 100)\n"
	"  --github-state FILE     keep the GitHub issues in FILE across restarts\n"
	"  --github-drop-labels    create issues without their labels (a token that\n"
	"                          may not set them: GitHub drops them silently)\n"
	"  --rate-limit N          SoftLayer requests per credential in any second,\n"
	"                          0..10000 (default 50; 0 disables)\n"
	"  --fault SPEC            inject a fault (repeatable):\n"
	"                          KIND[:ARG][,rate=P][,nth=N][,after=N][,count=C]\n"
	"                          [,jitter=D][,target=softlayer|sos|alert|github|all]\n"
	"                          KIND: latency[:D] stall[:D] 500 502 503 504\n"
	"                          429[:S] ratelimit truncate[:length|json]\n"
	"                          errorbody total[:DELTA] expire:N\n"
	"                          amplify:SIZE[:record] secondary[:S]\n"
	"  --no-serve              write the files asked for and exit\n"
	"\n"
	"Estate:\n"
	"  --seed N                seed of the estate and the faults (default 1)\n"
	"  --accounts K            SoftLayer accounts (default 2)\n"
	"  --devices N             devices across all accounts (default 200)\n"
	"  --vlans M               VLANs across all accounts (default 40)\n"
	"  --c-code CODE           the SOS C_Code (default ALC)\n"
	"  --drift FRACTION        share of planted discrepancies (default 0.02)\n"
	"  --now TIME              RFC 3339 time the dates are relative to\n"
	"                          (default: now)\n"
	"  --estate DIR            load an estate written by --write-estate\n"
	"  --write-estate DIR      write the estate and its raw streams (DIR/raw/)\n"
	"  --truth FILE            write the findings a correct reconciliation\n"
	"                          reports (docs/FORMATS.md section 4)\n"
	"  --no-fallback           the truths are those of sosr-diff --no-fallback\n"
	"                          (the key alone pairs; by default the identities\n"
	"                          after it pair the records it left, as sosr-diff does)\n"
	"  --identity-cases N      plant N of each identity case (renamed, short and\n"
	"                          mistyped names, changed domain, re-used and\n"
	"                          ambiguous addresses, renumbered VLAN), 0..1000000\n"
	"  --identity-truth FILE   write how each planted case must pair\n"
	"\n"
	"Days (a generated estate that changes from one daily run to the next):\n"
	"  --day N                 serve day N (default 0, the generated estate):\n"
	"                          day 0 is generated for --now minus N days, and\n"
	"                          each day after it changes the day before\n"
	"  --drop-day D[:SIDE:KIND:PERCENT]\n"
	"                          on day D, PERCENT of SIDE's KIND go at once\n"
	"                          (default both:device:20; SIDE softlayer, sos\n"
	"                          or both; KIND device or vlan)\n"
	"  --incomplete-days LIST  days before N whose run did not complete\n"
	"                          (comma-separated): the lifecycle skips them\n"
	"  --lifecycle-truth FILE  write what sosr-track must report for the\n"
	"                          daily runs of days 0..N (docs/FORMATS.md 4)\n"
	"\n"
	"  --help                  show this help and exit\n"
	"  --version               show the version and exit\n"
	"\n"
	"Exit status: 0 stopped by SIGTERM/SIGINT (or done, with --no-serve);\n"
	"2 usage error; 7 invalid estate files; 9 cannot read or write a file,\n"
	"or cannot listen on the address;\n"
	"10 out of memory or internal error.\n"
	"See sosr-fake-api(1) and docs/SIMULATOR.md.\n";

enum {
	OPT_LISTEN = 256, OPT_PORT_FILE, OPT_CREDENTIALS, OPT_API_KEY_FILE, OPT_SOS_TOKEN_FILE, OPT_LOG,
	OPT_ALERTS_LOG, OPT_RATE_LIMIT, OPT_FAULT, OPT_NO_SERVE, OPT_SEED, OPT_ACCOUNTS, OPT_DEVICES,
	OPT_VLANS, OPT_C_CODE, OPT_DRIFT, OPT_NOW, OPT_ESTATE, OPT_WRITE_ESTATE, OPT_TRUTH, OPT_HELP,
	OPT_VERSION, OPT_SOS_AUTH_HEADER, OPT_SOS_AUTH_SCHEME, OPT_DAY, OPT_DROP_DAY, OPT_INCOMPLETE_DAYS,
	OPT_LIFECYCLE_TRUTH, OPT_NO_FALLBACK, OPT_IDENTITY_CASES, OPT_IDENTITY_TRUTH,
	OPT_GH_REPO, OPT_GH_TOKEN_FILE, OPT_GH_PER_PAGE, OPT_GH_STATE, OPT_GH_DROP_LABELS,
};

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port-file", required_argument, NULL, OPT_PORT_FILE },
	{ "credentials", required_argument, NULL, OPT_CREDENTIALS },
	{ "api-key-file", required_argument, NULL, OPT_API_KEY_FILE },
	{ "sos-token-file", required_argument, NULL, OPT_SOS_TOKEN_FILE },
	{ "sos-auth-header", required_argument, NULL, OPT_SOS_AUTH_HEADER },
	{ "sos-auth-scheme", required_argument, NULL, OPT_SOS_AUTH_SCHEME },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "alerts-log", required_argument, NULL, OPT_ALERTS_LOG },
	{ "rate-limit", required_argument, NULL, OPT_RATE_LIMIT },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "no-serve", no_argument, NULL, OPT_NO_SERVE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "accounts", required_argument, NULL, OPT_ACCOUNTS },
	{ "devices", required_argument, NULL, OPT_DEVICES },
	{ "vlans", required_argument, NULL, OPT_VLANS },
	{ "c-code", required_argument, NULL, OPT_C_CODE },
	{ "drift", required_argument, NULL, OPT_DRIFT },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "estate", required_argument, NULL, OPT_ESTATE },
	{ "write-estate", required_argument, NULL, OPT_WRITE_ESTATE },
	{ "truth", required_argument, NULL, OPT_TRUTH },
	{ "day", required_argument, NULL, OPT_DAY },
	{ "drop-day", required_argument, NULL, OPT_DROP_DAY },
	{ "incomplete-days", required_argument, NULL, OPT_INCOMPLETE_DAYS },
	{ "lifecycle-truth", required_argument, NULL, OPT_LIFECYCLE_TRUTH },
	{ "no-fallback", no_argument, NULL, OPT_NO_FALLBACK },
	{ "identity-cases", required_argument, NULL, OPT_IDENTITY_CASES },
	{ "identity-truth", required_argument, NULL, OPT_IDENTITY_TRUTH },
	{ "github-repository", required_argument, NULL, OPT_GH_REPO },
	{ "github-token-file", required_argument, NULL, OPT_GH_TOKEN_FILE },
	{ "github-per-page", required_argument, NULL, OPT_GH_PER_PAGE },
	{ "github-state", required_argument, NULL, OPT_GH_STATE },
	{ "github-drop-labels", no_argument, NULL, OPT_GH_DROP_LABELS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static struct estate E;
static atomic_int shutting_down;

/* ---- request helpers (api.h) ------------------------------------------ */

void reply_set(struct reply *r, int status, const char *content_type, const char *body)
{
	free(r->body);
	r->status = status;
	r->content_type = content_type;
	r->len = strlen(body);
	r->body = xstrdup(body);
}

void reply_buf(struct reply *r, int status, struct buf *b)
{
	free(r->body);
	r->status = status;
	r->content_type = "application/json";
	r->body = buf_detach(b, &r->len);
}

void reply_json(struct reply *r, int status, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	reply_set(r, status, "application/json", s);
	json_object_put(o);
}

const char *req_arg(const struct request *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(const struct request *q, const char *name)
{
	return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct buf *b = cls;
	(void)kind;
	if (b->len)
		buf_addch(b, '&');
	buf_addstr(b, key);
	if (value) {
		buf_addch(b, '=');
		buf_addstr(b, value);
	}
	return MHD_YES;
}

void req_query(const struct request *q, struct buf *b)
{
	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, add_query_arg, b);
}

/* ---- delayed answers: suspend, and a timer thread resumes ----------- */

struct waiter {
	struct MHD_Connection *conn;
	double wake;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct waiter *v;
	size_t n, cap;
	int stop;
	pthread_t th;
} T = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0, 0 };

static void timer_add(struct MHD_Connection *c, double delay)
{
	pthread_mutex_lock(&T.mu);
	if (T.n == T.cap)
		T.v = xrealloc(T.v, (T.cap = T.cap ? T.cap * 2 : 64) * sizeof *T.v);
	T.v[T.n].conn = c;
	T.v[T.n++].wake = tu_monotonic() + delay;
	pthread_cond_signal(&T.cv);
	pthread_mutex_unlock(&T.mu);
}

static void *timer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&T.mu);
	for (;;) {
		double now = tu_monotonic(), next = now + 3600;
		for (size_t i = 0; i < T.n;) {
			if (T.stop || T.v[i].wake <= now) {
				MHD_resume_connection(T.v[i].conn);
				T.v[i] = T.v[--T.n];
			} else {
				if (T.v[i].wake < next)
					next = T.v[i].wake;
				i++;
			}
		}
		if (T.stop)
			break;
		/* CLOCK_MONOTONIC deadline: the condition variable uses it. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		double d = next - tu_monotonic();
		if (d < 0)
			d = 0;
		ts.tv_sec += (time_t)d;
		ts.tv_nsec += (long)((d - (double)(time_t)d) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&T.cv, &T.mu, &ts);
	}
	pthread_mutex_unlock(&T.mu);
	return NULL;
}

static void timer_start(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&T.cv);
	pthread_cond_init(&T.cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&T.th, NULL, timer_main, NULL) != 0)
		sosr_die(SOSR_EXIT_INTERNAL, "cannot start the timer thread");
}

static void timer_stop(void)
{
	pthread_mutex_lock(&T.mu);
	T.stop = 1;
	pthread_cond_signal(&T.cv);
	pthread_mutex_unlock(&T.mu);
	pthread_join(T.th, NULL);
	free(T.v);
}

/* ---- connections ------------------------------------------------------ */

struct conn_ctx {
	struct buf upload;
	int too_big;
	int waiting;            /* suspended; the answer is ready in reply */
	const char *api;
	struct request q;
	struct reply reply;
	struct fault_plan plan;
};

/* A truncated body: declare the full length, send half, then fail the
 * connection, so the client sees fewer bytes than Content-Length. */
struct trunc {
	char *body;
	size_t send;
};

static ssize_t trunc_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct trunc *t = cls;
	if (pos >= t->send)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	size_t n = t->send - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(out, t->body + pos, n);
	return (ssize_t)n;
}

static void trunc_free(void *cls)
{
	struct trunc *t = cls;
	free(t->body);
	free(t);
}

/* ---- gzip ----------------------------------------------------------- */

/* The fastest level: the simulator serves benchmarks, and JSON shrinks
 * several times over even so. */
#define GZIP_LEVEL Z_BEST_SPEED

/* Does an Accept-Encoding value take gzip (RFC 9110, 12.5.3)?  A list of
 * codings, each with an optional ";q=" weight: "gzip" (or "x-gzip") with
 * a weight above 0, or else "*" with one; "gzip;q=0" refuses it even when
 * "*" is there.  No header: no coding. */
static int accepts_gzip(const char *h)
{
	int gzip = -1, star = -1;
	const char *p = h;
	while (p && *p) {
		p += strspn(p, " \t,");
		if (!*p)
			break;
		const char *name = p;
		size_t nl = strcspn(p, " \t;,");
		p += nl;
		double q = 1;
		while (*p && *p != ',') {
			p += strspn(p, " \t;");
			if ((*p == 'q' || *p == 'Q') && p[1] == '=')
				q = strtod(p + 2, NULL);
			p += strcspn(p, ";,");
		}
		if ((nl == 4 && strncasecmp(name, "gzip", 4) == 0) || (nl == 6 && strncasecmp(name, "x-gzip", 6) == 0))
			gzip = q > 0;
		else if (nl == 1 && *name == '*')
			star = q > 0;
	}
	return gzip >= 0 ? gzip : star > 0;
}

/* BODY compressed as one gzip member (deflateInit2 with windowBits 15+16
 * writes the gzip header and trailer): a new buffer in *OUT, or -1 when
 * zlib fails (the body then goes out as it is). */
static int gzip_body(const char *body, size_t len, char **out, size_t *outlen)
{
	if (len > UINT_MAX / 2)
		return -1;
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong bound = deflateBound(&z, (uLong)len);
	char *buf = xmalloc(bound);
	z.next_in = (Bytef *)(uintptr_t)body;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

/* The APIs' JSON answers may be compressed; the alert receivers' and the
 * proxy pages (502-504) are not, as the real services' are not known to
 * be. */
static int compressible(const struct conn_ctx *c)
{
	const struct reply *r = &c->reply;
	return (strcmp(c->api, "softlayer") == 0 || strcmp(c->api, "sos") == 0) &&
	       (!r->content_type || strcmp(r->content_type, "application/json") == 0);
}

static enum MHD_Result send_reply(struct conn_ctx *c)
{
	struct reply *r = &c->reply;
	struct MHD_Response *resp;
	int vary = compressible(c), gz = 0;
	if (vary && r->len && accepts_gzip(req_header(&c->q, "Accept-Encoding"))) {
		char *z;
		size_t zl;
		if (gzip_body(r->body, r->len, &z, &zl) == 0) {
			free(r->body);
			r->body = z;
			r->len = zl;
			gz = 1;
		}
	}
	/* From here on the body is what goes on the wire: the truncation
	 * faults cut the compressed bytes, and the log counts them. */
	size_t bytes = r->len;
	if (c->plan.truncate == TRUNC_LENGTH && r->len >= 2) {
		struct trunc *t = xmalloc(sizeof *t);
		t->body = r->body;
		t->send = r->len / 2;
		bytes = t->send;
		resp = MHD_create_response_from_callback(r->len, 4096, trunc_read, t, trunc_free);
		r->body = NULL;
	} else {
		if (c->plan.truncate == TRUNC_JSON && r->len >= 2)
			r->len /= 2, bytes = r->len;
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
		r->body = NULL;
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r->content_type ? r->content_type : "application/json");
	if (gz)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	if (vary)
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	if (r->total >= 0 && strcmp(c->api, "softlayer") == 0) {
		char s[32];
		snprintf(s, sizeof s, "%lld", r->total);
		MHD_add_response_header(resp, "SoftLayer-Total-Items", s);
	}
	if (r->retry_after >= 0) {
		char s[32];
		snprintf(s, sizeof s, "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", s);
	}
	if (r->ratelimit_reset > 0) {
		char s[32];
		snprintf(s, sizeof s, "%lld", r->ratelimit_reset);
		MHD_add_response_header(resp, "x-ratelimit-limit", "5000");
		MHD_add_response_header(resp, "x-ratelimit-remaining", "0");
		MHD_add_response_header(resp, "x-ratelimit-reset", s);
	}
	if (r->link[0])
		MHD_add_response_header(resp, "Link", r->link);
	reqlog_write(c->api, &c->q, r, bytes, gz ? "gzip" : NULL, c->plan.names);
	enum MHD_Result ret = MHD_queue_response(c->q.conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The answer a fault gives instead of the API's. */
static void fault_reply(const struct conn_ctx *c, struct reply *r)
{
	const struct fault_plan *p = &c->plan;
	int sl = strcmp(c->api, "softlayer") == 0, sos = strcmp(c->api, "sos") == 0;
	if (strcmp(c->api, "github") == 0 && !p->error_body) {
		/* GitHub's answers: its rate limits are 403s (docs.github.com,
		 * "Rate limits for the REST API") */
		if (p->secondary) {
			reply_set(r, 403, "application/json", "{\"message\":\"You have exceeded a secondary rate limit. "
				  "Please wait a few minutes before you try again.\",\"documentation_url\":"
				  "\"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api\"}");
			r->retry_after = p->retry_after;
		} else if (p->rate_limit) {
			reply_set(r, 403, "application/json", "{\"message\":\"API rate limit exceeded for user ID 1.\","
				  "\"documentation_url\":\"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api\"}");
			r->ratelimit_reset = (long long)time(NULL) + 1;
		} else if (p->status == 429) {
			reply_set(r, 429, "application/json", "{\"message\":\"Too Many Requests\"}");
			r->retry_after = p->retry_after;
		} else if (p->status == 500) {
			reply_set(r, 500, "application/json", "{\"message\":\"Server Error\"}");
		} else {
			char s[160];
			snprintf(s, sizeof s, "<html><body><h1>%d</h1></body></html>\n", p->status);
			reply_set(r, p->status, "text/html", s);
		}
		return;
	}
	if (p->error_body) {
		reply_set(r, 200, "application/json", sos ? "{\"error\":{\"code\":\"internal\",\"message\":\"Internal Error\"}}"
			  : "{\"error\":\"Internal Error\",\"code\":\"SoftLayer_Exception_Public\"}");
	} else if (p->rate_limit && sos) {
		/* SOS's rate limit is its 429 (specs/sos-api.md), here without
		 * Retry-After */
		reply_set(r, 429, "application/json", "{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many requests\"}}");
	} else if (p->rate_limit) {
		reply_set(r, 500, "application/json",
			  "{\"error\":\"Rate limit of 50 requests for every 1 second(s) exceeded.\","
			  "\"code\":\"SoftLayer_Exception_WebService_RateLimitExceeded\"}");
	} else if (p->status == 429) {
		reply_set(r, 429, "application/json", sl ? "{\"error\":\"Too Many Requests\",\"code\":\"SoftLayer_Exception_Public\"}"
			  : "{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many requests\"}}");
		r->retry_after = p->retry_after;
	} else if (p->status == 500) {
		reply_set(r, 500, "application/json", sos ? "{\"error\":{\"code\":\"internal\",\"message\":\"Internal Server Error\"}}"
			  : "{\"error\":\"Internal Error\",\"code\":\"SoftLayer_Exception_Public\"}");
	} else {
		/* 502-504 come from a proxy in front of the API: HTML, not JSON. */
		char s[160];
		const char *what = p->status == 502 ? "Bad Gateway" : p->status == 503 ? "Service Unavailable" : "Gateway Timeout";
		snprintf(s, sizeof s, "<html><body><h1>%d %s</h1></body></html>\n", p->status, what);
		reply_set(r, p->status, "text/html", s);
	}
}

static void route(struct conn_ctx *c, const char *url)
{
	int target;
	if (strncmp(url, "/rest/", 6) == 0)
		c->api = "softlayer", target = T_SOFTLAYER;
	else if (strncmp(url, "/api/", 5) == 0)
		c->api = "sos", target = T_SOS;
	else if (strncmp(url, "/pagerduty/", 11) == 0 || strncmp(url, "/slack/", 7) == 0 || strncmp(url, "/webhook/", 9) == 0)
		c->api = "alert", target = T_ALERT;
	else if (strncmp(url, "/github/", 8) == 0)
		c->api = "github", target = T_GITHUB;
	else
		c->api = "other", target = 0;
	if (target)
		faults_decide(target, &c->plan);
	c->q.total_delta = c->plan.total_delta;
	c->q.amplify = c->plan.amplify;
	c->q.amplify_record = c->plan.amplify_record;
	c->q.shuffle = target == T_SOFTLAYER ? faults_random() : 0;
	struct reply *r = &c->reply;
	r->total = -1;
	r->retry_after = -1;
	r->ratelimit_reset = 0;
	r->link[0] = '\0';
	if (c->too_big) {
		reply_set(r, 413, "text/plain", "request body too large\n");
	} else if (c->plan.status || c->plan.error_body) {
		fault_reply(c, r);
	} else if (c->plan.expired) {
		if (target == T_SOFTLAYER)
			softlayer_unauthorized(r);
		else if (target == T_SOS)
			reply_set(r, 401, "application/json", "{\"error\":{\"code\":\"token_expired\",\"message\":\"token has expired\"}}");
		else if (target == T_GITHUB)
			github_unauthorized(r);
		else
			reply_set(r, 401, "application/json", "{\"error\":\"unauthorized\"}");
	} else if (target == T_SOFTLAYER) {
		softlayer_handle(&E, &c->q, r);
	} else if (target == T_SOS) {
		sos_handle(&E, &c->q, r);
	} else if (target == T_ALERT) {
		alerts_handle(&c->q, r);
	} else if (target == T_GITHUB) {
		github_handle(&c->q, r);
	} else {
		reply_set(r, 404, "text/plain", "not found\n");
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	struct conn_ctx *c = *con_cls;
	if (!c) {
		c = xcalloc(1, sizeof *c);
		buf_init(&c->upload, UPLOAD_MAX);
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!c->too_big && buf_add(&c->upload, upload_data, *upload_size) < 0)
			c->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (c->waiting) {
		/* Resumed by the timer. */
		if (atomic_load(&shutting_down) || c->plan.stall) {
			reqlog_write(c->api, &c->q, NULL, 0, NULL, c->plan.names);
			return MHD_NO; /* close without an answer */
		}
		return send_reply(c);
	}
	c->q.conn = conn;
	c->q.method = method;
	c->q.path = url;
	c->q.body = c->upload.data ? c->upload.data : "";
	c->q.body_len = c->upload.len;
	route(c, url);
	if (c->plan.delay > 0 && !atomic_load(&shutting_down)) {
		c->waiting = 1;
		MHD_suspend_connection(conn);
		timer_add(conn, c->plan.delay);
		return MHD_YES;
	}
	if (c->plan.stall)
		return MHD_NO;
	return send_reply(c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	struct conn_ctx *c = *con_cls;
	if (c) {
		buf_free(&c->upload);
		free(c->reply.body);
		free(c);
		*con_cls = NULL;
	}
}

/* ---- days ------------------------------------------------------------- */

#define MAX_DAY 3650

/* --drop-day D[:SIDE:KIND:PERCENT] */
static void parse_drop_day(const char *arg, struct day_params *dp)
{
	char *copy = xstrdup(arg), *save = NULL;
	char *f[5] = { NULL };
	int n = 0;
	for (char *t = strtok_r(copy, ":", &save); t && n < 5; t = strtok_r(NULL, ":", &save))
		f[n++] = t;
	if ((n != 1 && n != 4) || arg[strlen(arg) - 1] == ':' || strstr(arg, "::"))
		sosr_usage_error("--drop-day: '%s' is not D or D:SIDE:KIND:PERCENT (like 3:sos:device:25)", arg);
	dp->drop_day = (int)cli_number(f[0], 1, MAX_DAY, "--drop-day");
	dp->drop_side = DROP_BOTH;
	dp->drop_kind = DROP_DEVICE;
	dp->drop_percent = 20;
	if (n == 4) {
		if (strcmp(f[1], "both") == 0)
			dp->drop_side = DROP_BOTH;
		else if (strcmp(f[1], "softlayer") == 0)
			dp->drop_side = DROP_SOFTLAYER;
		else if (strcmp(f[1], "sos") == 0)
			dp->drop_side = DROP_SOS;
		else
			sosr_usage_error("--drop-day: side '%s' is not softlayer, sos or both", f[1]);
		if (strcmp(f[2], "device") == 0)
			dp->drop_kind = DROP_DEVICE;
		else if (strcmp(f[2], "vlan") == 0)
			dp->drop_kind = DROP_VLAN;
		else
			sosr_usage_error("--drop-day: kind '%s' is not device or vlan", f[2]);
		char *end;
		errno = 0;
		dp->drop_percent = strtod(f[3], &end);
		if (end == f[3] || *end || errno || !(dp->drop_percent > 0 && dp->drop_percent <= 100))
			sosr_usage_error("--drop-day: '%s' is not a percentage above 0, at most 100", f[3]);
	}
	free(copy);
}

/* --incomplete-days LIST: a flag per day, 0..MAX_DAY. */
static void parse_days(const char *arg, unsigned char *flags)
{
	char *copy = xstrdup(arg), *save = NULL;
	if (!*arg || arg[strlen(arg) - 1] == ',' || *arg == ',' || strstr(arg, ",,"))
		sosr_usage_error("--incomplete-days: '%s' is not a comma-separated list of days", arg);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
		flags[cli_number(t, 0, MAX_DAY, "--incomplete-days")] = 1;
	free(copy);
}

/* ---- startup files ---------------------------------------------------- */

static void write_port_file(const char *path, unsigned port)
{
	char s[16];
	int n = snprintf(s, sizeof s, "%u\n", port);
	write_file_atomic(path, s, (size_t)n, 0666, "port file");
}

/* ADDR:PORT with a loopback address; fills SA and says whether it is v6. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, int *v6)
{
	const char *colon = strrchr(s, ':');
	if (!colon)
		sosr_usage_error("--listen: '%s' is not ADDR:PORT", s);
	long long port = cli_number(colon + 1, 0, 65535, "--listen port");
	char host[64];
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof host)
		sosr_usage_error("--listen: '%s' is not ADDR:PORT", s);
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof *ss);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1 || !IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			sosr_usage_error("--listen: '%s' is not a loopback address; the simulator listens on 127.0.0.0/8 or [::1] only", s);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*v6 = 1;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1 || (ntohl(a->sin_addr.s_addr) >> 24) != 127)
			sosr_usage_error("--listen: '%s' is not a loopback address; the simulator listens on 127.0.0.0/8 or [::1] only", s);
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*v6 = 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	const char *listen_s = "127.0.0.1:0", *port_file = NULL, *cred_file = NULL, *api_key_file = NULL,
		   *sos_token_file = NULL, *log_file = NULL, *alerts_file = NULL, *estate_dir = NULL,
		   *write_dir = NULL, *truth_file = NULL, *identity_truth = NULL, *gh_repo = NULL,
		   *gh_token_file = NULL, *gh_state = NULL;
	size_t identity_cases = 0;
	int gh_per_page = 100;
	int no_serve = 0, rate_limit = 50, gen_flag = 0, days_flag = 0;
	static unsigned char incomplete[MAX_DAY + 1];
	struct day_params dp = { .day = 0, .drop_day = -1, .incomplete = incomplete };
	struct gen_params gp = { .seed = 1, .accounts = 2, .devices = 200, .vlans = 40, .c_code = "ALC",
				 .drift = 0.02, .now = (int64_t)time(NULL) };
	int opt;
	char errbuf[256];
	while ((opt = cli_getopt(argc, argv, "", longopts)) != -1) {
		switch (opt) {
		case OPT_LISTEN: listen_s = optarg; break;
		case OPT_PORT_FILE: port_file = optarg; break;
		case OPT_CREDENTIALS: cred_file = optarg; break;
		case OPT_API_KEY_FILE: api_key_file = optarg; break;
		case OPT_SOS_TOKEN_FILE: sos_token_file = optarg; break;
		case OPT_SOS_AUTH_HEADER:
			if (!*optarg || optarg[strcspn(optarg, ": \t\r\n")])
				sosr_usage_error("--sos-auth-header: '%s' is not a header name", optarg);
			sos_configure(optarg, NULL);
			break;
		case OPT_SOS_AUTH_SCHEME:
			if (optarg[strcspn(optarg, ": \t\r\n")])
				sosr_usage_error("--sos-auth-scheme: '%s' is not one word", optarg);
			sos_configure(NULL, optarg);
			break;
		case OPT_LOG: log_file = optarg; break;
		case OPT_ALERTS_LOG: alerts_file = optarg; break;
		case OPT_RATE_LIMIT: rate_limit = (int)cli_number(optarg, 0, 10000, "--rate-limit"); break;
		case OPT_FAULT:
			if (faults_add(optarg, errbuf, sizeof errbuf) != 0)
				sosr_usage_error("--fault '%s': %s", optarg, errbuf);
			break;
		case OPT_NO_SERVE: no_serve = 1; break;
		case OPT_SEED: gp.seed = (uint64_t)cli_number(optarg, 0, INT64_MAX, "--seed"); gen_flag = 1; break;
		case OPT_ACCOUNTS: gp.accounts = (size_t)cli_number(optarg, 1, 1000, "--accounts"); gen_flag = 1; break;
		case OPT_DEVICES: gp.devices = (size_t)cli_number(optarg, 0, 5000000, "--devices"); gen_flag = 1; break;
		case OPT_VLANS: gp.vlans = (size_t)cli_number(optarg, 0, 500000, "--vlans"); gen_flag = 1; break;
		case OPT_C_CODE:
			if (!config_valid_c_code(optarg))
				sosr_usage_error("--c-code: '%s' is not a C_Code (" C_CODE_RULE ")", optarg);
			gp.c_code = optarg;
			gen_flag = 1;
			break;
		case OPT_DRIFT: {
			char *end;
			errno = 0;
			gp.drift = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(gp.drift >= 0 && gp.drift <= 0.5))
				sosr_usage_error("--drift: '%s' is not a fraction from 0 to 0.5", optarg);
			gen_flag = 1;
			break;
		}
		case OPT_NOW:
			gp.now = (int64_t)cli_time(optarg, "--now");
			gen_flag = 1;
			break;
		case OPT_ESTATE: estate_dir = optarg; break;
		case OPT_WRITE_ESTATE: write_dir = optarg; break;
		case OPT_TRUTH: truth_file = optarg; break;
		case OPT_DAY: dp.day = (int)cli_number(optarg, 0, MAX_DAY, "--day"); days_flag = 1; break;
		case OPT_DROP_DAY: parse_drop_day(optarg, &dp); days_flag = 1; break;
		case OPT_INCOMPLETE_DAYS: parse_days(optarg, incomplete); days_flag = 1; break;
		case OPT_LIFECYCLE_TRUTH: dp.lifecycle_path = optarg; days_flag = 1; break;
		case OPT_NO_FALLBACK: truth_fallback = 0; break;
		case OPT_IDENTITY_CASES:
			identity_cases = (size_t)cli_number(optarg, 0, 1000000, "--identity-cases");
			gen_flag = 1;
			break;
		case OPT_IDENTITY_TRUTH: identity_truth = optarg; break;
		case OPT_GH_REPO: {
			const char *sl = strchr(optarg, '/');
			if (!sl || sl == optarg || !sl[1] || strchr(sl + 1, '/') || strlen(optarg) > 100)
				sosr_usage_error("--github-repository: '%s' is not owner/name", optarg);
			gh_repo = optarg;
			break;
		}
		case OPT_GH_TOKEN_FILE: gh_token_file = optarg; break;
		case OPT_GH_PER_PAGE: gh_per_page = (int)cli_number(optarg, 1, 100, "--github-per-page"); break;
		case OPT_GH_STATE: gh_state = optarg; break;
		case OPT_GH_DROP_LABELS: github_drop_labels(1); break;
		case OPT_HELP: cli_help(usage_text);
		case OPT_VERSION: cli_version();
		}
	}
	if (optind < argc)
		sosr_usage_error("unexpected operand '%s'", argv[optind]);
	if (estate_dir && gen_flag)
		sosr_usage_error("--estate loads an estate; it cannot be combined with --seed, --accounts, --devices, "
				 "--vlans, --c-code, --drift, --now or --identity-cases");
	if (estate_dir && days_flag)
		sosr_usage_error("--estate loads an estate; --day, --drop-day, --incomplete-days and --lifecycle-truth "
				 "play the days of a generated one");
	for (int d = dp.day; d <= MAX_DAY; d++)
		if (incomplete[d])
			sosr_usage_error("--incomplete-days: day %d is not before --day %d (the run of the day served "
					 "is the one the truths are for)", d, dp.day);
	if (identity_truth && !identity_cases)
		sosr_usage_error("--identity-truth: the truth of the cases --identity-cases N plants; add it");
	if (no_serve && !write_dir && !truth_file && !dp.lifecycle_path && !identity_truth)
		sosr_usage_error("--no-serve: nothing to do; add --write-estate DIR, --truth FILE or --lifecycle-truth FILE");
	if (no_serve && (cred_file || port_file || log_file || alerts_file))
		sosr_usage_error("--no-serve: --credentials, --port-file, --log and --alerts-log need a server");
	struct sockaddr_storage ss;
	int v6 = 0;
	parse_listen(listen_s, &ss, &v6);

	struct lifecycle *lc = NULL;
	if (estate_dir) {
		estate_load(&E, estate_dir);
	} else if (dp.day > 0 || dp.lifecycle_path) {
		/* day 0 is the estate of --now minus N days; the days bring it
		 * back to --now */
		gp.now -= (int64_t)dp.day * 86400;
		estate_generate(&E, &gp);
		estate_plant_identities(&E, identity_cases);
		lc = estate_play_days(&E, &gp, &dp);
	} else {
		estate_generate(&E, &gp);
		estate_plant_identities(&E, identity_cases);
	}
	if (identity_truth)
		estate_write_identity_truth(identity_truth);
	estate_set_secrets(&E, api_key_file, sos_token_file);
	if (write_dir)
		estate_write(&E, write_dir);
	if (truth_file)
		estate_write_truth(&E, truth_file);
	if (lc) {
		lifecycle_write(lc, dp.lifecycle_path);
		lifecycle_free(lc);
	}
	if (no_serve) {
		estate_free(&E);
		faults_free();
		out_close_stdout();
		return SOSR_EXIT_OK;
	}

	faults_seed(E.seed);
	github_configure(gh_repo, gh_token_file, gh_per_page, gh_state, E.seed);
	softlayer_init(rate_limit, E.naccounts);
	if (log_file)
		reqlog_open(log_file);
	if (alerts_file)
		alerts_open(alerts_file);

	/* Signals are taken by sigwait below; every thread inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	timer_start();
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME;
	if (v6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POOL_THREADS,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		MHD_OPTION_END);
	if (!d)
		sosr_die(SOSR_EXIT_IO, "cannot listen on '%s'; check that the port is free", listen_s);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : 0;
	char base[96];
	char host[64];
	if (v6)
		snprintf(host, sizeof host, "[::1]");
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
	snprintf(base, sizeof base, "http://%s:%u", host, port);
	github_set_base(base);
	if (cred_file)
		estate_write_credentials(&E, cred_file, base);
	/* The port file comes last: a test that sees it may read the rest. */
	if (port_file)
		write_port_file(port_file, port);
	sosr_info("listening on %s (%zu accounts, %zu SoftLayer devices, %zu VLANs; SOS %s: %zu devices, %zu VLANs)",
		  base, E.naccounts, E.nsl, E.nslv, E.c_code, E.nsos, E.nsosv);

	int sig = 0;
	sigwait(&sigs, &sig);
	atomic_store(&shutting_down, 1);
	timer_stop();
	MHD_stop_daemon(d);
	reqlog_close();
	alerts_close();
	github_fini();
	softlayer_fini();
	faults_free();
	estate_free(&E);
	out_close_stdout();
	return SOSR_EXIT_OK;
}
