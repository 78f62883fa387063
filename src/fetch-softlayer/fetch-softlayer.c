/*
 * sosr-fetch-softlayer - print the hardware, virtual guests and VLANs of
 * one or more SoftLayer accounts as raw records (docs/FORMATS.md, 1).
 *
 * Accounts come from the configuration file (each with its own
 * credentials, named by environment variable or file), or, without one,
 * from SL_USERNAME/SL_API_KEY, then ~/.softlayer, as slcli reads them, the
 * account id then asked of SoftLayer (resolve_accounts), which also checks
 * that each configured account's credentials belong to it.
 * Every (account, type) is a pager job (src/lib/pager.h): the first page
 * gives SoftLayer-Total-Items, the rest go in parallel through the HTTP
 * engine, sorted by id so that they can be deduped and checked.  The
 * lookups and the pages share one engine, so one rate limit per
 * credential, one retry count and one time budget cover the whole fetch.
 */
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "fetchopt.h"
#include "http.h"
#include "jsonscan.h"
#include "jsonw.h"
#include "output.h"
#include "pager.h"
#include "secret.h"
#include "text.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ENDPOINT "https://api.softlayer.com/rest/v3.1"
#define DEFAULT_PAGE_SIZE 100
#define DEFAULT_TIMEOUT 120
/* SoftLayer sends its rate-limit error as an HTTP 500 with this code: the
 * engine retries it as it retries a 429 (http.h, rate_limit_marker). */
#define SL_RATELIMIT_CODE "SoftLayer_Exception_WebService_RateLimitExceeded"

static const char usage_text[] =
"Usage: sosr-fetch-softlayer [OPTION]...\n"
"Print the hardware, virtual guests and VLANs of SoftLayer accounts as raw\n"
"records (NDJSON, one per line), ordered by account, type and id.  Nothing\n"
"is printed for a collection until it was read completely.\n"
"\n"
"Accounts come from --config FILE (softlayer.accounts, each naming the\n"
"variable or file holding its secret); without one, from SL_USERNAME and\n"
"SL_API_KEY (or SL_API_KEY_FILE), then from ~/.softlayer ([softlayer]:\n"
"username, api_key, endpoint_url, timeout), as slcli reads them, and the\n"
"account is the one SoftLayer says the credentials belong to\n"
"(SoftLayer_Account/getObject).  A configured account's credentials must\n"
"belong to it: SoftLayer is asked the same, once per account.\n"
"\n"
"Options:\n"
"  -c, --config FILE        the job's configuration file (docs/CONFIG.md)\n"
"  -a, --account ID         fetch only this account of the configuration\n"
"                           (repeatable); without a configuration, the\n"
"                           account the credentials must belong to\n"
"  -t, --types LIST         hardware,virtual_guest,vlan (the default: all)\n"
"  -e, --endpoint URL       REST endpoint (default " DEFAULT_ENDPOINT ")\n"
FETCHOPT_HELP("100", " per account", "120", "an account without devices or VLANs is fine")
"\n"
"Exit status:\n"
"  0  complete\n"
"  2  usage or configuration error, or credentials of another account than\n"
"     the configured one (without a configuration: than --account)\n"
"  3  credentials rejected (HTTP 401/403): check that account's API key\n"
"  4  network: DNS, connection or timeout; rerun first\n"
"  5  API error after retries, or a bad response\n"
"  6  incomplete: the records do not match SoftLayer-Total-Items, or none\n"
"  9  cannot write the output or the spool\n"
" 10  internal error\n";

enum { T_HARDWARE, T_GUEST, T_VLAN, N_TYPES };

static const struct {
	const char *name, *method, *filter_root, *mask;
} types[N_TYPES] = {
	{ "hardware", "getHardware", "hardware",
	  "mask[id,hostname,domain,fullyQualifiedDomainName,primaryIpAddress,"
	  "primaryBackendIpAddress,globalIdentifier,serialNumber,manufacturerSerialNumber,"
	  "hardwareStatus[status],datacenter[name],provisionDate]" },
	{ "virtual_guest", "getVirtualGuests", "virtualGuests",
	  "mask[id,hostname,domain,fullyQualifiedDomainName,primaryIpAddress,"
	  "primaryBackendIpAddress,globalIdentifier,uuid,status[keyName],powerState[keyName],"
	  "datacenter[name],createDate,provisionDate]" },
	{ "vlan", "getNetworkVlans", "networkVlans",
	  "mask[id,vlanNumber,name,networkSpace,fullyQualifiedName,"
	  "primaryRouter[hostname,datacenter[name]],podName]" },
};

struct account {
	char *id;
	char *cred;             /* what the rate limit counts against, the
	                           lookup as the pages (http_request_set_cred) */
	char *auth;             /* the secret header line */
	char *secret_name;      /* where the secret came from, for messages */
	const char *secret_kind; /* "API key" or "token", for messages */
	char *user_name;        /* where the user name came from, or NULL */
};

struct job_info {
	struct account *acct;
	int type;
};

struct ctx {
	char *endpoint;
	const char *endpoint_from;  /* where it came from, for messages */
	struct account *accts;
	size_t n_accts;
};

/* Where the endpoint came from, for the messages of failed requests. */
static const char *ctx_endpoint_from = "the endpoint";

static struct http_request *sl_request(struct pager_job *job, long long offset, long long limit,
				       void *user)
{
	struct ctx *c = user;
	struct job_info *ji = job->user;
	int t = ji->type;
	char *mask = http_escape(types[t].mask);
	char filter[160];
	snprintf(filter, sizeof filter,
		 "{\"%s\":{\"id\":{\"operation\":\"orderBy\",\"options\":[{\"name\":\"sort\",\"value\":[\"ASC\"]}]}}}",
		 types[t].filter_root);
	char *efilter = http_escape(filter);
	struct buf url = BUF_INIT(0);
	buf_printf(&url, "%s/SoftLayer_Account/%s.json?objectMask=%s&objectFilter=%s&resultLimit=%lld,%lld",
		   c->endpoint, types[t].method, mask, efilter, offset, limit);
	free(mask);
	free(efilter);
	struct http_request *r = http_request_new(url.data);
	buf_free(&url);
	http_request_add_header(r, "Accept: application/json");
	http_request_set_auth(r, ji->acct->auth);
	http_request_set_cred(r, ji->acct->cred);
	return r;
}

/* The "error" and "code" of a SoftLayer error body as text (in MSG, 201
 * bytes, and CODE, 101), if it is one. */
static int sl_error_body(struct jspan o, char *msg, char *code)
{
	struct jspan e, c;
	if (jscan_type(o) != JT_OBJECT || !jscan_member(o, "error", &e))
		return 0;
	if (jscan_type(e) == JT_STRING)
		jscan_text(e, msg, 201);
	else
		snprintf(msg, 201, "(no message)");
	if (jscan_member(o, "code", &c) && jscan_type(c) == JT_STRING)
		jscan_text(c, code, 101);
	else
		snprintf(code, 101, "(no code)");
	return 1;
}

/* The request log's "api_error" of an answer not accepted (http.h). */
static void sl_api_error(const struct http_response *resp, char *code, size_t cn, char *msg, size_t mn)
{
	char m[8], em[201], ec[101];
	struct jspan o;
	if (resp->result == HTTP_E_TOOBIG || pager_parse_body(resp, &o, m, sizeof m) != 0 ||
	    !sl_error_body(o, em, ec))
		return;
	snprintf(msg, mn, "%s", em);
	if (strcmp(ec, "(no code)") != 0)
		snprintf(code, cn, "%s", ec);
}

static int sl_parse(struct pager_job *job, struct http_request *req, const struct http_response *resp,
		    long long *total, struct jspan *items, char *msg, size_t msglen, void *user)
{
	struct jspan o;
	if (pager_parse_body(resp, &o, msg, msglen) < 0)
		return -1;
	char em[201], ec[101];
	if (sl_error_body(o, em, ec)) {
		snprintf(msg, msglen, "HTTP %ld with an error body: %s (%s)", resp->status, em, ec);
		return -1;
	}
	const char *h = http_request_header(req, "SoftLayer-Total-Items");
	if (!h) {
		snprintf(msg, msglen, "no SoftLayer-Total-Items header, so completeness cannot be checked");
		return -1;
	}
	char *endp;
	errno = 0;
	long long t = strtoll(h, &endp, 10);
	while (*endp == ' ' || *endp == '\t' || *endp == '\r')
		endp++;
	if (endp == h || *endp || errno || t < 0) {
		snprintf(msg, msglen, "a SoftLayer-Total-Items header that is not a count: '%.40s'", h);
		return -1;
	}
	*total = t;
	*items = o;
	return 0;
}

/* Report the final failure of a request of account A and return the exit
 * code (http_result_exit's).  WHAT says what the request was for
 * ("hardware"), OFFSET is the page's, or -1 for the account lookup
 * (resolve_accounts); A->id is NULL while the account of credentials
 * without a configuration is looked up. */
static int sl_report(const struct account *a, const char *what, long long offset,
		     struct http_request *req, const struct http_response *resp)
{
	char *url = http_url_for_message(http_request_url(req));
	char apimsg[400] = "", who[160];
	if (a->id)
		snprintf(who, sizeof who, "account %s", a->id);
	else
		snprintf(who, sizeof who, "the account of the credentials");
	if (resp->body.len && resp->result != HTTP_E_TOOBIG && resp->result != HTTP_E_BODY) {
		char m[8], em[201], ec[101];
		struct jspan o;
		if (pager_parse_body(resp, &o, m, sizeof m) == 0 && sl_error_body(o, em, ec))
			snprintf(apimsg, sizeof apimsg, ": %s (%s)", em, ec);
	}
	switch (resp->result) {
	case HTTP_E_AUTH:
		sosr_error("HTTP %ld from SoftLayer for %s on %s%s: the credentials were rejected; "
			   "check %s API key (%s) and user name%s%s%s", resp->status, who, url, apimsg,
			   a->id ? "that account's" : "the", a->secret_name, a->user_name ? " (" : "",
			   a->user_name ? a->user_name : "", a->user_name ? ")" : "");
		break;
	case HTTP_E_TLS:
		sosr_error("the certificate of SoftLayer for %s on %s was not trusted: %s; a rerun will "
			   "not help: check the CA bundle (softlayer.ca_file, --ca-file, CURL_CA_BUNDLE) "
			   "and that the endpoint is the right host", who, url, resp->detail);
		break;
	case HTTP_E_NETWORK:
	case HTTP_E_BUDGET:
		sosr_error("cannot reach SoftLayer for %s on %s: %s; it is the network path to the "
			   "service (DNS, proxy, firewall): a rerun is the first remedy for a blip",
			   who, url, resp->detail);
		break;
	case HTTP_E_NOTFOUND:
		sosr_error("HTTP 404 from SoftLayer for %s on %s%s; check the endpoint (%s)", who, url,
			   apimsg, ctx_endpoint_from);
		break;
	case HTTP_E_TOOBIG:
		if (offset >= 0)
			sosr_error("the response of SoftLayer for %s on %s (offset %lld) is too large: %s; "
				   "use a smaller --page-size or a larger --max-response", who, url,
				   offset, resp->detail);
		else
			sosr_error("the response of SoftLayer for %s on %s is too large: %s; check the "
				   "endpoint, or use a larger --max-response", who, url, resp->detail);
		break;
	case HTTP_E_REDIRECT:
		sosr_error("SoftLayer redirected the request for %s on %s (%s); redirects are not "
			   "followed with credentials: set the final URL with --endpoint", who,
			   url, resp->detail);
		break;
	case HTTP_E_STATUS:
	case HTTP_E_BODY:
		if (resp->rate_limited)
			sosr_error("SoftLayer kept refusing the rate for %s, %s on %s: %s%s; it limits the rate "
				   "below what the job asks even after slowing down: lower the rate limit "
				   "(softlayer.rate_limit, --rate-limit) and rerun", who, what, url,
				   resp->detail, apimsg);
		else if (offset >= 0)
			sosr_error("SoftLayer failed for %s, %s at offset %lld on %s: %s%s; if it persists, "
				   "check the service status and try a smaller --page-size", who, what,
				   offset, url, resp->detail, apimsg);
		else
			sosr_error("SoftLayer failed for %s, %s on %s: %s%s; if it persists, check the "
				   "service status and the endpoint", who, what, url, resp->detail, apimsg);
		break;
	default:
		sosr_error("internal error fetching %s on %s: %s", who, url, resp->detail);
		break;
	}
	free(url);
	return http_result_exit(resp->result);
}

static int sl_fail(struct pager_job *job, long long offset, struct http_request *req,
		   const struct http_response *resp, void *user)
{
	struct job_info *ji = job->user;
	return sl_report(ji->acct, types[ji->type].name, offset, req, resp);
}

/* ---- accounts and credentials ---- */

static char *bearer(const char *token)
{
	struct buf b = BUF_INIT(0);
	buf_printf(&b, "Authorization: Bearer %s", token);
	return buf_detach(&b, NULL);
}

static char *make_auth(enum sl_auth how, const char *user, const char *secret)
{
	switch (how) {
	case SL_AUTH_APIKEY:
		return http_basic_auth("apikey", secret);
	case SL_AUTH_BEARER:
		return bearer(secret);
	case SL_AUTH_BASIC:
	default:
		return http_basic_auth(user, secret);
	}
}

static void accounts_from_config(struct ctx *c, const struct config *cfg, char **sel, size_t nsel)
{
	const struct sl_config *s = &cfg->sl;
	if (s->n_accounts == 0)
		sosr_die(SOSR_EXIT_USAGE, "%s: softlayer.accounts: missing; list the accounts to fetch "
			 "(docs/CONFIG.md)", cfg->path);
	for (size_t k = 0; k < nsel; k++) {
		size_t i;
		for (i = 0; i < s->n_accounts; i++)
			if (strcmp(s->accounts[i].id, sel[k]) == 0)
				break;
		if (i == s->n_accounts)
			sosr_usage_error("--account: '%s' is not an account of %s", sel[k], cfg->path);
	}
	c->accts = xcalloc(s->n_accounts, sizeof *c->accts);
	for (size_t i = 0; i < s->n_accounts; i++) {
		const struct sl_account *a = &s->accounts[i];
		int wanted = nsel == 0;
		for (size_t k = 0; k < nsel; k++)
			wanted |= strcmp(sel[k], a->id) == 0;
		if (!wanted)
			continue;
		struct account *dst = &c->accts[c->n_accts++];
		dst->id = xstrdup(a->id);
		dst->cred = xstrdup(a->id);
		dst->secret_kind = a->auth == SL_AUTH_BEARER ? "token" : "API key";
		char *secret = NULL;
		int rc;
		if (a->secret_file) {
			dst->secret_name = xstrdup(a->secret_file);
			rc = secret_from_file(a->secret_file, a->id, &secret);
		} else {
			dst->secret_name = xstrdup(a->secret_env);
			/* Two accounts may name one variable (it is unset once
			 * read); resolve_accounts then refuses the one whose
			 * id the key does not belong to. */
			rc = 1;
			for (size_t j = 0; j + 1 < c->n_accts; j++)
				if (strcmp(c->accts[j].secret_name, a->secret_env) == 0) {
					rc = 2;
					dst->auth = xstrdup(c->accts[j].auth);
				}
			if (rc == 1)
				rc = secret_from_env(a->secret_env, &secret);
			else
				rc = 0;
			if (rc == 1)
				sosr_die(SOSR_EXIT_USAGE, "no credential for SoftLayer account %s: neither %s nor "
					 "%s_FILE is set; check the credential binding of the job",
					 a->id, a->secret_env, a->secret_env);
		}
		if (rc < 0)
			exit(SOSR_EXIT_USAGE);
		if (secret) {
			dst->auth = make_auth(a->auth, a->username, secret);
			secret_free(secret);
		}
	}
}

static double env_timeout(const char *name, const char *v)
{
	char *end;
	errno = 0;
	double t = strtod(v, &end);
	if (end == v || *end || errno || t < 0 || t > 86400)
		sosr_die(SOSR_EXIT_USAGE, "%s: '%.40s' is not a number of seconds; check the environment",
			 name, v);
	return t;
}

/* One account as slcli finds it, with the id ID (NULL: to be asked of
 * SoftLayer, resolve_accounts).  ENDPOINT and TIMEOUT are filled when the
 * source names them and they are still unset. */
static void account_from_env(struct ctx *c, const char *id, char **endpoint, const char **from,
			     double *timeout)
{
	char *key = NULL;
	const char *user = getenv("SL_USERNAME");
	struct account *a = c->accts = xcalloc(1, sizeof *c->accts);
	c->n_accts = 1;
	int rc = secret_from_env("SL_API_KEY", &key);
	if (rc < 0)
		exit(SOSR_EXIT_USAGE);
	if (rc == 0) {
		if (!user || !*user) {
			secret_free(key);
			sosr_die(SOSR_EXIT_USAGE, "SL_API_KEY is set but SL_USERNAME is not; set both "
				 "(or use a configuration file)");
		}
		a->auth = http_basic_auth(user, key);
		a->secret_name = xstrdup("SL_API_KEY");
		a->user_name = xstrdup("SL_USERNAME");
		secret_free(key);
		const char *ep = getenv("SL_ENDPOINT_URL");
		if (ep && *ep && !*endpoint) {
			*endpoint = xstrdup(ep);
			*from = "SL_ENDPOINT_URL";
		}
		const char *to = getenv("SL_TIMEOUT");
		if (to && *to && *timeout < 0)
			*timeout = env_timeout("SL_TIMEOUT", to);
	} else {
		const char *home = getenv("HOME");
		struct buf path = BUF_INIT(0);
		buf_printf(&path, "%s/.softlayer", home && *home ? home : ".");
		struct slcli_file f;
		if (slcli_load(path.data, &f) == 1)
			sosr_die(SOSR_EXIT_USAGE, "no SoftLayer credentials: no --config, SL_USERNAME/SL_API_KEY "
				 "unset and no %s; set one of them", path.data);
		if (!f.username || !f.api_key) {
			slcli_free(&f);
			sosr_die(SOSR_EXIT_USAGE, "%s: [softlayer] needs username and api_key; check the file",
				 path.data);
		}
		a->auth = http_basic_auth(f.username, f.api_key);
		a->secret_name = xstrdup("api_key in ~/.softlayer");
		a->user_name = xstrdup("username in ~/.softlayer");
		if (f.endpoint_url && !*endpoint) {
			*endpoint = xstrdup(f.endpoint_url);
			*from = "endpoint_url in ~/.softlayer";
		}
		if (f.timeout > 0 && *timeout < 0)
			*timeout = f.timeout;
		slcli_free(&f);
		buf_free(&path);
	}
	a->id = id ? xstrdup(id) : NULL;
	/* the id may be known only after the lookup: the rate limit counts
	 * the one credential by its source, from the first request on */
	a->cred = xstrdup(a->secret_name);
	a->secret_kind = "API key";
}

/* ---- the account of the credentials ---- */


struct lookup {
	struct account *acct;
	long long id;           /* the account's id, or -1 */
};

struct lookups {
	struct lookup *lk;
	int rc;                 /* the exit code of the first failure, or 0 */
};

/* getObject's answer: an object with a positive integer "id".  Anything
 * else is a bad body, retried as a 5xx would be.  The first request that
 * fails for good is reported and stops the others: one error, one code. */
static enum http_verdict lookup_done(struct http_engine *e, struct http_request *req,
				     struct http_response *resp, void *user)
{
	struct lookups *ls = user;
	struct lookup *lk = http_request_user(req);
	if (resp->result != HTTP_OK) {
		/* a configured account is named by its id in the message */
		ls->rc = sl_report(lk->acct, lk->acct->id ? "asking which account its credentials "
				   "belong to" : "asking which account they belong to", -1, req, resp);
		http_abort(e);
		return HTTP_ACCEPT;
	}
	char msg[400] = "", em[201], ec[101];
	struct jspan o, id;
	if (pager_parse_body(resp, &o, msg, sizeof msg) < 0)
		;       /* MSG says why */
	else if (sl_error_body(o, em, ec))
		snprintf(msg, sizeof msg, "HTTP %ld with an error body: %s (%s)", resp->status, em, ec);
	else if (jscan_type(o) != JT_OBJECT || jscan_member(o, "id", &id) != 1 || !jscan_is_digits(id) ||
		 id.len > 18 || strtoll(id.p, NULL, 10) <= 0)
		snprintf(msg, sizeof msg, "HTTP %ld with a body that is not an account (an object "
			 "with one positive integer \"id\")", resp->status);
	else
		lk->id = strtoll(id.p, NULL, 10);
	if (lk->id < 0) {
		snprintf(resp->detail, sizeof resp->detail, "%s", msg);
		return HTTP_RETRY;
	}
	return HTTP_ACCEPT;
}

/*
 * Ask SoftLayer which account each account's credentials belong to
 * (SoftLayer_Account/getObject with mask[id] answers for the account of
 * the credentials; getHardware and the others name no account either, so
 * the key alone decides whose devices are read).  All at once, through
 * the fetch's engine E, which the pages use next: its retries, rate limit
 * per credential, timeouts and budget count the lookups too.
 *
 * Without a configuration (CFG_PATH NULL, one account), the credentials
 * do not say which account they belong to, and every record carries the
 * account id: the answer is the id, and --account, when given, must be
 * the same.  With one, every account's answer must be its configured id:
 * the key of another account in its variable would print that account's
 * devices under this id, and this account's machines would vanish from the
 * evidence.  Returns 0, or the exit code of a failure (reported).
 */
static int resolve_accounts(struct ctx *c, const char *cfg_path, struct http_engine *e, int quiet)
{
	struct lookups ls = { xcalloc(c->n_accts, sizeof *ls.lk), 0 };
	char *mask = http_escape("mask[id]");
	struct buf url = BUF_INIT(0);
	buf_printf(&url, "%s/SoftLayer_Account/getObject.json?objectMask=%s", c->endpoint, mask);
	free(mask);
	for (size_t i = 0; i < c->n_accts; i++) {
		struct account *a = &c->accts[i];
		ls.lk[i].acct = a;
		ls.lk[i].id = -1;
		struct http_request *r = http_request_new(url.data);
		http_request_add_header(r, "Accept: application/json");
		http_request_set_auth(r, a->auth);
		/* counted against the credential's rate, as the pages are */
		http_request_set_cred(r, a->cred);
		http_request_set_user(r, &ls.lk[i], NULL);
		http_request_set_done(r, lookup_done, &ls);
		http_submit(e, r);
	}
	char *shown = http_url_for_message(url.data);
	buf_free(&url);
	int rc = http_run(e);
	if (rc < 0)
		rc = SOSR_EXIT_INTERNAL;
	else if (ls.rc)
		rc = ls.rc;
	/* every account of another key is named (a swapped pair shows as
	 * such), then the fetch stops */
	int wrong = 0;
	for (size_t i = 0; i < c->n_accts && !rc; i++) {
		struct account *a = &c->accts[i];
		long long id = ls.lk[i].id;
		char got[32];
		snprintf(got, sizeof got, "%lld", id);
		if (id < 0) {
			sosr_error("no answer from SoftLayer on %s, asking which account the credentials "
				   "belong to; this is a bug", shown);
			rc = SOSR_EXIT_INTERNAL;
		} else if (cfg_path && strcmp(a->id, got) != 0) {
			sosr_error("the %s in %s (account %s of %s) belongs to account %s; check the "
				   "credential binding of the job", a->secret_kind, a->secret_name, a->id,
				   cfg_path, got);
			wrong = 1;
		} else if (a->id && strcmp(a->id, got) != 0) {
			sosr_error("--account %s: the credentials (%s) belong to SoftLayer account %s (%s); "
				   "check --account, or use the credentials of account %s", a->id,
				   a->secret_name, got, shown, a->id);
			rc = SOSR_EXIT_USAGE;
		} else if (!a->id) {
			a->id = xstrdup(got);
			if (!quiet)
				sosr_info("the credentials belong to account %s", got);
		}
	}
	free(shown);
	free(ls.lk);
	return rc ? rc : wrong ? SOSR_EXIT_USAGE : 0;
}

static void free_accounts(struct ctx *c)
{
	for (size_t i = 0; i < c->n_accts; i++) {
		free(c->accts[i].id);
		free(c->accts[i].cred);
		secret_free(c->accts[i].auth);
		free(c->accts[i].secret_name);
		free(c->accts[i].user_name);
	}
	free(c->accts);
	c->accts = NULL;
	c->n_accts = 0;
}

/* slcli setup writes the XML-RPC endpoint (.../xmlrpc/v3.1/); this tool
 * speaks REST, whose form of a SoftLayer endpoint is the same URL with
 * /rest/ in its place.  Said once, naming where the URL came from. */
static void rest_form(char **endpoint, const char *from)
{
	char *x = strstr(*endpoint, "/xmlrpc/");
	if (!x && (x = strstr(*endpoint, "/xmlrpc")) && x[7] != '\0')
		x = NULL;
	if (!x)
		return;
	struct buf b = BUF_INIT(0);
	buf_printf(&b, "%.*s/rest%s", (int)(x - *endpoint), *endpoint, x + 7);
	sosr_info("%s is the XML-RPC endpoint %s (as slcli setup writes it); using its REST form %s",
		  from, *endpoint, b.data);
	free(*endpoint);
	*endpoint = buf_detach(&b, NULL);
}

static void check_endpoint(const char *url, const char *what)
{
	fetchopt_check_url(url, what, "use the configuration's api_key_env or SL_API_KEY");
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "account", required_argument, NULL, 'a' },
		{ "types", required_argument, NULL, 't' },
		{ "endpoint", required_argument, NULL, 'e' },
		FETCHOPT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *types_arg = NULL;
	char *endpoint = NULL;
	const char *endpoint_from = NULL;
	char **sel = NULL;
	size_t nsel = 0;
	struct fetchopt fo;
	fetchopt_init(&fo);
	int ch;
	while ((ch = cli_getopt(argc, argv, "c:a:t:e:" FETCHOPT_SHORTOPTS "hV", opts)) != -1) {
		if (fetchopt_parse(ch, optarg, &fo))
			continue;
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'a':
			sel = xrealloc(sel, (nsel + 1) * sizeof *sel);
			sel[nsel++] = optarg;
			break;
		case 't': types_arg = optarg; break;
		case 'e':
			free(endpoint);
			endpoint = xstrdup(optarg);
			endpoint_from = "--endpoint";
			check_endpoint(endpoint, "--endpoint");
			break;
		case 'h': cli_help(usage_text);
		case 'V': cli_version();
		}
	}
	if (optind < argc)
		sosr_usage_error("unexpected operand '%s'", argv[optind]);

	int want[N_TYPES] = { 1, 1, 1 };
	if (types_arg) {
		memset(want, 0, sizeof want);
		char *list = xstrdup(types_arg), *save = NULL;
		int any = 0;
		for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			int k;
			for (k = 0; k < N_TYPES; k++)
				if (strcmp(t, types[k].name) == 0)
					break;
			if (k == N_TYPES) {
				sosr_usage_error("--types: unknown type '%s' (use hardware, virtual_guest, vlan)", t);
			}
			want[k] = 1;
			any = 1;
		}
		free(list);
		if (!any)
			sosr_usage_error("--types: name at least one of hardware, virtual_guest, vlan");
	}

	struct config cfg;
	config_init(&cfg);
	struct ctx c = { 0 };
	c.endpoint_from = endpoint_from;
	if (config_path) {
		config_load(config_path, &cfg);
		accounts_from_config(&c, &cfg, sel, nsel);
		if (!endpoint && cfg.sl.endpoint) {
			check_endpoint(cfg.sl.endpoint, "softlayer.endpoint");
			endpoint = xstrdup(cfg.sl.endpoint);
			c.endpoint_from = "softlayer.endpoint";
		}
		fetchopt_config(&fo, &cfg.sl.fetch);
	} else {
		if (nsel > 1)
			sosr_usage_error("--account: only one without --config");
		double t = -1;
		char *ep = NULL;
		const char *ep_from = NULL;
		account_from_env(&c, nsel ? sel[0] : NULL, &ep, &ep_from, &t);
		if (!endpoint && ep) {
			check_endpoint(ep, ep_from);
			endpoint = ep;
			c.endpoint_from = ep_from;
		} else {
			free(ep);
		}
		if (fo.timeout < 0)
			fo.timeout = t;
	}
	if (!endpoint) {
		endpoint = xstrdup(DEFAULT_ENDPOINT);
		c.endpoint_from = "the default endpoint";
	}
	size_t el = strlen(endpoint);
	while (el > 8 && endpoint[el - 1] == '/')
		endpoint[--el] = '\0';
	rest_form(&endpoint, c.endpoint_from);
	c.endpoint = endpoint;
	ctx_endpoint_from = c.endpoint_from;
	fetchopt_check_transport(&fo, endpoint, "the SoftLayer endpoint", "softlayer.allow_insecure_http");

	http_global_init();
	struct http_options ho;
	fetchopt_http(&fo, DEFAULT_TIMEOUT, &ho);
	ho.rate_limit_marker = SL_RATELIMIT_CODE;
	ho.api_error = sl_api_error;
	/* One engine for the whole fetch: the lookups, then the pages. */
	struct http_engine *e = http_engine_new(&ho, NULL, NULL);

	/* Whose keys are these: one request per account before the pages. */
	int lrc = resolve_accounts(&c, config_path ? cfg.path : NULL, e, fo.quiet);
	if (lrc) {
		http_engine_free(e);
		free_accounts(&c);
		free(endpoint);
		free(sel);
		config_free(&cfg);
		http_global_cleanup();
		exit(lrc);
	}

	struct pager_options po = { 0 };
	fetchopt_pager(&fo, DEFAULT_PAGE_SIZE, &po);
	po.total_name = "SoftLayer-Total-Items";
	po.empty_hint = "check that the account id and its credentials match";
	static const struct pager_ops ops = { sl_request, sl_parse, sl_fail };
	struct pager *p = pager_new(e, &po, &ops, &c);
	struct job_info *infos = xcalloc(c.n_accts * N_TYPES, sizeof *infos);
	for (size_t i = 0; i < c.n_accts; i++)
		for (int t = 0; t < N_TYPES; t++) {
			if (!want[t])
				continue;
			struct job_info *ji = &infos[i * N_TYPES + t];
			ji->acct = &c.accts[i];
			ji->type = t;
			struct buf label = BUF_INIT(0), prefix = BUF_INIT(0);
			buf_printf(&label, "account %s %s", c.accts[i].id, types[t].name);
			buf_addstr(&prefix, "{\"source\":\"softlayer\",");
			jsonw_field_str(&prefix, 1, "account", c.accts[i].id, strlen(c.accts[i].id));
			jsonw_field_str(&prefix, 0, "type", types[t].name, strlen(types[t].name));
			buf_addstr(&prefix, ",\"data\":");
			/* devices (hardware and guests) and VLANs are each empty
			 * only together */
			pager_add_job(p, label.data, prefix.data, 1, (int)i * 2 + (t == T_VLAN), ji);
			buf_free(&label);
			buf_free(&prefix);
		}
	int rc = pager_run(p);
	pager_free(p);
	http_engine_free(e);
	free(infos);
	free_accounts(&c);
	free(endpoint);
	free(sel);
	config_free(&cfg);
	http_global_cleanup();
	if (rc != 0)
		exit(rc);
	out_close_stdout();
	return 0;
}
