/* fetchopt.c - see fetchopt.h */
#include "fetchopt.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "pager.h"

#include <stddef.h>
#include <string.h>

void fetchopt_check_url(const char *url, const char *what, const char *secret_hint)
{
	const char *rest = NULL;
	if (strncmp(url, "https://", 8) == 0)
		rest = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		rest = url + 7;
	if (!rest || !*rest)
		sosr_usage_error("%s: expected an http:// or https:// URL", what);
	if (memchr(rest, '@', strcspn(rest, "/?#")))
		sosr_usage_error("%s: the URL must not carry credentials; %s", what, secret_hint);
	if (strchr(url, '?') || strchr(url, '#'))
		sosr_usage_error("%s: the URL must not have a query or fragment", what);
}

void fetchopt_init(struct fetchopt *o)
{
	o->page_size = -1;
	o->concurrency = -1;
	o->rate_limit = -1;
	o->timeout = -1;
	o->retries = 5;
	o->retry_wait = 0.5;
	o->budget = 1800;
	o->max_response = HTTP_DEFAULT_MAX_RESPONSE;
	o->allow_empty = -1;
	o->allow_insecure_http = -1;
	o->ca_file = NULL;
	o->request_log = NULL;
	o->progress = FETCHOPT_DEFAULT_PROGRESS;
	o->quiet = 0;
	o->verbose = 0;
}

int fetchopt_parse(int ch, const char *arg, struct fetchopt *o)
{
	switch (ch) {
	case 'p': o->page_size = (long)cli_number(arg, 2, 10000, "--page-size"); break;
	case 'j': o->concurrency = (long)cli_number(arg, 1, 64, "--concurrency"); break;
	case 'r': o->rate_limit = (long)cli_number(arg, 1, 1000, "--rate-limit"); break;
	case 'T':
		o->timeout = cli_duration(arg, FETCHOPT_MAX_TIMEOUT, "--timeout");
		if (o->timeout <= 0)
			sosr_usage_error("--timeout: must be more than 0");
		break;
	case FETCHOPT_RETRIES: o->retries = (long)cli_number(arg, 0, HTTP_MAX_RETRIES, "--retries"); break;
	case FETCHOPT_RETRY_WAIT: o->retry_wait = cli_duration(arg, FETCHOPT_MAX_RETRY_WAIT, "--retry-wait"); break;
	case FETCHOPT_MAX_RESPONSE:
		o->max_response = cli_number(arg, 1024, 1LL << 32, "--max-response");
		break;
	case FETCHOPT_BUDGET:
		o->budget = cli_duration(arg, FETCHOPT_MAX_BUDGET, "--budget");
		if (o->budget <= 0)
			sosr_usage_error("--budget: must be more than 0");
		break;
	case FETCHOPT_ALLOW_EMPTY: o->allow_empty = 1; break;
	case FETCHOPT_ALLOW_INSECURE: o->allow_insecure_http = 1; break;
	case FETCHOPT_CA_FILE: o->ca_file = arg; break;
	case FETCHOPT_PROGRESS: o->progress = cli_duration(arg, 86400.0, "--progress"); break;
	case FETCHOPT_REQUEST_LOG:
		if (!*arg)
			sosr_usage_error("--request-log: empty file name");
		o->request_log = arg;
		break;
	case 'q': o->quiet = 1; break;
	case 'v': o->verbose = 1; break;
	default:
		return 0;
	}
	return 1;
}

void fetchopt_config(struct fetchopt *o, const struct fetch_config *f)
{
	if (o->page_size < 0)
		o->page_size = f->page_size;
	if (o->concurrency < 0)
		o->concurrency = f->concurrency;
	if (o->rate_limit < 0)
		o->rate_limit = f->rate_limit;
	if (o->timeout < 0)
		o->timeout = f->timeout;
	if (o->allow_empty < 0)
		o->allow_empty = f->allow_empty > 0;
	if (o->allow_insecure_http < 0)
		o->allow_insecure_http = f->allow_insecure_http > 0;
	if (!o->ca_file)
		o->ca_file = f->ca_file;
}

void fetchopt_check_transport(const struct fetchopt *o, const char *url, const char *what,
			      const char *key)
{
	if (o->allow_insecure_http > 0 || !http_url_insecure(url))
		return;
	char *shown = http_url_for_message(url);
	sosr_usage_error("%s: '%s' is plain http:// to another host: the credential would cross the "
			 "network unencrypted; use https://, or --allow-insecure-http (%s) if the "
			 "network is trusted", what, shown, key);
}

void fetchopt_http(const struct fetchopt *o, double timeout, struct http_options *ho)
{
	http_options_default(ho);
	ho->concurrency = o->concurrency > 0 ? (int)o->concurrency : HTTP_DEFAULT_CONCURRENCY;
	ho->rate_limit = o->rate_limit > 0 ? (int)o->rate_limit : HTTP_DEFAULT_RATE_LIMIT;
	ho->rate_burst = ho->rate_limit < 10 ? ho->rate_limit : 10;
	ho->timeout = o->timeout > 0 ? o->timeout : timeout;
	/* one stalled or unreachable server should not use a whole long
	 * timeout before the retry */
	ho->low_speed_time = ho->timeout < 60 ? ho->timeout : 60;
	ho->connect_timeout = ho->timeout < 10 ? ho->timeout : 10;
	ho->retries = (int)o->retries;
	ho->retries_other = o->retries < 2 ? (int)o->retries : 2;
	ho->backoff = o->retry_wait;
	ho->budget = o->budget;
	ho->max_response = (size_t)o->max_response;
	ho->verbose = o->verbose;
	ho->user_agent = "sos-reconcile/" SOSR_VERSION;
	ho->ca_file = o->ca_file;
	ho->request_log = o->request_log;
}

void fetchopt_pager(const struct fetchopt *o, long page_size, struct pager_options *po)
{
	po->page_size = o->page_size > 0 ? o->page_size : page_size;
	po->allow_empty = o->allow_empty > 0;
	po->max_rereads = 2;
	po->quiet = o->quiet;
	po->progress = o->progress;
	po->verbose = o->verbose;
}
