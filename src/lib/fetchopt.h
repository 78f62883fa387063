/*
 * fetchopt.h - the command-line options the two fetchers share, in one
 * place: sosr-fetch-softlayer and sosr-fetch-sos both page a REST API
 * through the HTTP engine (http.h) and the pager (pager.h), and take the
 * same options to tune them (page size, concurrency, rate limit, timeout,
 * retries, retry wait, max response, budget, allow-empty, quiet, verbose),
 * with the same names, ranges, messages and --help lines.
 *
 * A fetcher owns its main: it puts FETCHOPT_LONGOPTS among its own
 * `struct option` entries and FETCHOPT_SHORTOPTS in its optstring, lets
 * fetchopt_parse() take the options it knows, fills what the command line
 * left unset from its section of the configuration (fetchopt_config), and
 * gets the engine's and the pager's options from fetchopt_http() and
 * fetchopt_pager().  What differs between the fetchers (the default page
 * size and timeout, what the rate limit is counted per, what --allow-empty
 * means) is a parameter.  Nothing here allocates.
 */
#ifndef SOSR_FETCHOPT_H
#define SOSR_FETCHOPT_H

#include <getopt.h>

struct http_options;
struct pager_options;
struct fetch_config;

#define FETCHOPT_DEFAULT_PROGRESS 30.0   /* seconds between progress lines */

/* Upper bounds of the durations, seconds. */
#define FETCHOPT_MAX_TIMEOUT 3600.0     /* one request */
#define FETCHOPT_MAX_RETRY_WAIT 300.0   /* the first wait before a retry */
#define FETCHOPT_MAX_BUDGET 86400.0     /* the whole fetch */

struct fetchopt {
	long page_size;         /* -1: not given */
	long concurrency;       /* -1: not given */
	long rate_limit;        /* -1: not given */
	double timeout;         /* seconds, -1: not given */
	long retries;           /* 5 */
	double retry_wait;      /* 0.5 s */
	double budget;          /* 1800 s */
	long long max_response; /* HTTP_DEFAULT_MAX_RESPONSE */
	int allow_empty;        /* -1: not given, 1 */
	int allow_insecure_http;/* -1: not given, 1 */
	const char *ca_file;    /* NULL: not given */
	const char *request_log;/* NULL: none */
	double progress;        /* seconds between progress lines off a terminal */
	int quiet, verbose;
};

/* getopt values of the long-only options; a fetcher's own long-only
 * options start at FETCHOPT_OWN. */
enum {
	FETCHOPT_RETRIES = 1, FETCHOPT_RETRY_WAIT, FETCHOPT_MAX_RESPONSE, FETCHOPT_BUDGET,
	FETCHOPT_ALLOW_EMPTY, FETCHOPT_ALLOW_INSECURE, FETCHOPT_CA_FILE, FETCHOPT_REQUEST_LOG,
	FETCHOPT_PROGRESS, FETCHOPT_OWN
};

#define FETCHOPT_SHORTOPTS "p:j:r:T:qv"

#define FETCHOPT_LONGOPTS \
	{ "page-size", required_argument, NULL, 'p' }, \
	{ "concurrency", required_argument, NULL, 'j' }, \
	{ "rate-limit", required_argument, NULL, 'r' }, \
	{ "timeout", required_argument, NULL, 'T' }, \
	{ "retries", required_argument, NULL, FETCHOPT_RETRIES }, \
	{ "retry-wait", required_argument, NULL, FETCHOPT_RETRY_WAIT }, \
	{ "max-response", required_argument, NULL, FETCHOPT_MAX_RESPONSE }, \
	{ "budget", required_argument, NULL, FETCHOPT_BUDGET }, \
	{ "allow-empty", no_argument, NULL, FETCHOPT_ALLOW_EMPTY }, \
	{ "allow-insecure-http", no_argument, NULL, FETCHOPT_ALLOW_INSECURE }, \
	{ "ca-file", required_argument, NULL, FETCHOPT_CA_FILE }, \
	{ "request-log", required_argument, NULL, FETCHOPT_REQUEST_LOG }, \
	{ "progress", required_argument, NULL, FETCHOPT_PROGRESS }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }

/*
 * The --help lines of the shared options, and of --help and --version,
 * which follow them.  PAGE and TIMEOUT are the fetcher's defaults (string
 * literals: "100", "120"), RATE_PER what the rate is counted per (""
 * or " per account"), EMPTY the text of --allow-empty.
 */
#define FETCHOPT_HELP(PAGE, RATE_PER, TIMEOUT, EMPTY) \
"  -p, --page-size N        records per request, 2..10000 (default " PAGE ")\n" \
"  -j, --concurrency N      requests in flight, 1..64 (default 8)\n" \
"  -r, --rate-limit N       requests per second" RATE_PER " (default 50)\n" \
"  -T, --timeout S          seconds for one request (default " TIMEOUT ")\n" \
"      --retries N          retries of a transient failure (default 5)\n" \
"      --retry-wait S       first wait before a retry (default 0.5s)\n" \
"      --max-response BYTES cap on one response body (default 64 MiB)\n" \
"      --budget S           time for the whole fetch (default 30m)\n" \
"      --allow-empty        " EMPTY "\n" \
"      --ca-file FILE       the CA bundle to trust for this endpoint\n" \
"      --request-log FILE   every HTTP exchange as a line of NDJSON in FILE\n" \
"                           (docs/FORMATS.md; no header, no secret)\n" \
"      --allow-insecure-http  plain http:// to a host other than this one\n" \
"                           (the credential crosses the network unencrypted)\n" \
"      --progress S         off a terminal, a progress line every S while\n" \
"                           pages come (default 30s; 0: none)\n" \
"  -q, --quiet              no progress lines\n" \
"  -v, --verbose            log every request and retry (no secrets)\n" \
"  -h, --help               show this help\n" \
"  -V, --version            show the version\n"

/* Check URL, named WHAT in messages ("--endpoint", "SOS_URL"): http:// or
 * https://, a host, no query or fragment, and no userinfo (a credential
 * in a URL would be printed in messages and logs: SECRET_HINT says where
 * it belongs instead).  A usage error (exit 2) otherwise. */
void fetchopt_check_url(const char *url, const char *what, const char *secret_hint);

/* Every value unset, or at its default. */
void fetchopt_init(struct fetchopt *o);
/* Take option CH (getopt_long's return) with its argument ARG: 1 when it
 * is a shared option (validated, stored; a bad value is a usage error that
 * exits 2), 0 when it is not, for the fetcher to handle. */
int fetchopt_parse(int ch, const char *arg, struct fetchopt *o);
/* Fill what the command line left unset from the configuration's section
 * (softlayer or sos). */
void fetchopt_config(struct fetchopt *o, const struct fetch_config *f);
/* Refuse (usage error, exit 2) a plain http:// URL to a host other than
 * this machine, unless --allow-insecure-http or the section's
 * allow_insecure_http said so: the credential would cross the network
 * unencrypted.  WHAT names the URL's source, KEY the config key. */
void fetchopt_check_transport(const struct fetchopt *o, const char *url, const char *what,
			      const char *key);
/* The engine's options (http_options_default, then these values);
 * TIMEOUT is the fetcher's default for one request, in seconds. */
void fetchopt_http(const struct fetchopt *o, double timeout, struct http_options *ho);
/* The pager's options that come from the command line (page size, with
 * PAGE_SIZE its default, allow-empty, quiet, verbose) and its re-read
 * count; the fetcher sets total_name and empty_hint. */
void fetchopt_pager(const struct fetchopt *o, long page_size, struct pager_options *po);

#endif
