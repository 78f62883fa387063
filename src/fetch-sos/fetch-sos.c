/*
 * sosr-fetch-sos - print the SOS devices and VLANs of one C_Code as raw
 * records (docs/FORMATS.md, 1).
 *
 * The wire contract is specs/sos-api.md by default; every part of it (the
 * paths, the auth header and scheme, the paging parameters, the total and
 * items fields) can be changed in the configuration file, because the real
 * SOS API is not public.  Paging, completeness and ordering are the
 * pager's (src/lib/pager.h); records are printed in offset order, with no
 * dedupe: a duplicate in SOS is a finding for sosr-diff, not noise.
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

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PAGE_SIZE 500
#define DEFAULT_TIMEOUT 60

static const char usage_text[] =
"Usage: sosr-fetch-sos --c-code CODE [OPTION]...\n"
"Print the devices and VLANs that SOS holds for one C_Code as raw records\n"
"(NDJSON, one per line): devices, then VLANs, each in the order of the SOS\n"
"pages.  Nothing is printed for a collection until it was read completely.\n"
"\n"
"The base URL comes from --url, SOS_URL or sos.url of the configuration;\n"
"the token from SOS_TOKEN or SOS_TOKEN_FILE (or the variable or file that\n"
"sos.token_env or sos.token_file names), never from the command line.\n"
"\n"
"Options:\n"
"  -C, --c-code CODE        the customer code (like ALC or ALC_WAT); required\n"
"                           unless the configuration has c_code\n"
"  -u, --url URL            SOS base URL (overrides SOS_URL and sos.url)\n"
"  -c, --config FILE        the job's configuration file (docs/CONFIG.md)\n"
FETCHOPT_HELP("500", "", "60", "zero devices or zero VLANs is expected")
"\n"
"Exit status:\n"
"  0  complete\n"
"  2  usage or configuration error (no token, bad C_Code, ...)\n"
"  3  token rejected (HTTP 401/403): check that SOS_TOKEN is still valid\n"
"  4  network: DNS, connection or timeout; rerun first\n"
"  5  API error after retries, or a bad response\n"
"  6  incomplete: the records do not match the total, or none\n"
"  9  cannot write the output or the spool\n"
" 10  internal error\n";

struct sos {
	char *url, *c_code, *auth;
	const char *token_name;
	const char *paths[2];
	const char *c_code_param, *offset_param, *limit_param, *total_field, *items_field;
};

static const char *const type_names[2] = { "device", "vlan" };

static struct http_request *sos_request(struct pager_job *job, long long offset, long long limit,
					void *user)
{
	struct sos *s = user;
	int t = (int)(size_t)job->user;
	char *code = http_escape(s->c_code);
	struct buf url = BUF_INIT(0);
	buf_printf(&url, "%s%s?%s=%s&%s=%lld&%s=%lld", s->url, s->paths[t], s->c_code_param, code,
		   s->offset_param, offset, s->limit_param, limit);
	free(code);
	struct http_request *r = http_request_new(url.data);
	buf_free(&url);
	http_request_add_header(r, "Accept: application/json");
	http_request_set_auth(r, s->auth);
	http_request_set_cred(r, "sos");
	return r;
}

/* SOS's error body {"error":{"code":...,"message":...}} (or a plain
 * string), as text for a message; 0 when the body is not one. */
static int sos_error_text(struct jspan o, char *out, size_t n)
{
	struct jspan e, v;
	if (jscan_type(o) != JT_OBJECT || !jscan_member(o, "error", &e))
		return 0;
	char code[81] = "", msg[201] = "";
	if (jscan_type(e) == JT_OBJECT) {
		if (jscan_member(e, "code", &v) && jscan_type(v) == JT_STRING)
			jscan_text(v, code, sizeof code);
		if (jscan_member(e, "message", &v) && jscan_type(v) == JT_STRING)
			jscan_text(v, msg, sizeof msg);
	} else if (jscan_type(e) == JT_STRING) {
		jscan_text(e, msg, sizeof msg);
	}
	snprintf(out, n, "%s%s%s%s", msg, *code ? " (" : "", code, *code ? ")" : "");
	return 1;
}

/* The request log's "api_error" of an answer not accepted (http.h). */
static void sos_api_error(const struct http_response *resp, char *code, size_t cn, char *msg, size_t mn)
{
	char m[8];
	struct jspan o, e, v;
	if (resp->result == HTTP_E_TOOBIG || pager_parse_body(resp, &o, m, sizeof m) != 0 ||
	    jscan_type(o) != JT_OBJECT || !jscan_member(o, "error", &e))
		return;
	if (jscan_type(e) == JT_OBJECT) {
		if (jscan_member(e, "code", &v) && jscan_type(v) == JT_STRING)
			jscan_text(v, code, cn);
		if (jscan_member(e, "message", &v) && jscan_type(v) == JT_STRING)
			jscan_text(v, msg, mn);
	} else if (jscan_type(e) == JT_STRING) {
		jscan_text(e, msg, mn);
	}
}

static int sos_parse(struct pager_job *job, struct http_request *req, const struct http_response *resp,
		     long long *total, struct jspan *items, char *msg, size_t msglen, void *user)
{
	struct sos *s = user;
	struct jspan o, v;
	if (pager_parse_body(resp, &o, msg, msglen) < 0)
		return -1;
	char et[400];
	if (sos_error_text(o, et, sizeof et)) {
		snprintf(msg, msglen, "HTTP %ld with an error body: %s", resp->status, et);
		return -1;
	}
	if (jscan_type(o) != JT_OBJECT) {
		snprintf(msg, msglen, "HTTP %ld with a body that is not a JSON object", resp->status);
		return -1;
	}
	int c = jscan_member(o, s->total_field, &v);
	if (c != 1 || !jscan_is_digits(v)) {
		snprintf(msg, msglen, c > 1 ? "the page has the count \"%s\" %d times" :
			 "the page has no count \"%s\" (check sos.total_field)", s->total_field, c);
		return -1;
	}
	/* (a count of 19 digits or more is past any total the pager reads) */
	*total = v.len > 18 ? LLONG_MAX : strtoll(v.p, NULL, 10);
	c = jscan_member(o, s->items_field, &v);
	if (c != 1 || jscan_type(v) != JT_ARRAY) {
		snprintf(msg, msglen, c > 1 ? "the page has the list \"%s\" %d times" :
			 "the page has no list \"%s\" (check sos.items_field)", s->items_field, c);
		return -1;
	}
	*items = v;
	return 0;
}

static int sos_fail(struct pager_job *job, long long offset, struct http_request *req,
		    const struct http_response *resp, void *user)
{
	struct sos *s = user;
	char *url = http_url_for_message(http_request_url(req));
	char apimsg[420] = "", et[400];
	if (resp->body.len && resp->result != HTTP_E_TOOBIG && resp->result != HTTP_E_BODY) {
		char m[8];
		struct jspan o;
		if (pager_parse_body(resp, &o, m, sizeof m) == 0 && sos_error_text(o, et, sizeof et))
			snprintf(apimsg, sizeof apimsg, ": %s", et);
	}
	switch (resp->result) {
	case HTTP_E_AUTH:
		if (resp->status == 403)
			sosr_error("HTTP 403 from SOS for C_Code %s on %s%s: the token has no access to this "
				   "C_Code; check that %s is still valid and is granted %s", s->c_code, url,
				   apimsg, s->token_name, s->c_code);
		else
			sosr_error("HTTP %ld from SOS for C_Code %s on %s%s: %s was rejected; check that it "
				   "is still valid", resp->status, s->c_code, url, apimsg, s->token_name);
		break;
	case HTTP_E_TLS:
		sosr_error("the certificate of SOS for C_Code %s on %s was not trusted: %s; a rerun will "
			   "not help: check the CA bundle (sos.ca_file, --ca-file, CURL_CA_BUNDLE) and "
			   "that SOS_URL is the right host", s->c_code, url, resp->detail);
		break;
	case HTTP_E_NETWORK:
	case HTTP_E_BUDGET:
		sosr_error("cannot reach SOS for C_Code %s on %s: %s; it is the network path to the service "
			   "(DNS, VPN, firewall to its port): a rerun is the first remedy for a blip",
			   s->c_code, url, resp->detail);
		break;
	case HTTP_E_NOTFOUND:
		sosr_error("HTTP 404 from SOS for C_Code %s on %s%s; check the C_Code and the SOS URL and "
			   "paths (SOS_URL, sos.devices_path, sos.vlans_path)", s->c_code, url, apimsg);
		break;
	case HTTP_E_TOOBIG:
		sosr_error("the response of SOS for C_Code %s on %s (offset %lld) is too large: %s; use a "
			   "smaller --page-size or a larger --max-response", s->c_code, url, offset,
			   resp->detail);
		break;
	case HTTP_E_REDIRECT:
		sosr_error("SOS redirected the request for C_Code %s on %s (%s); redirects are not followed "
			   "with a token: set the final URL in SOS_URL", s->c_code, url, resp->detail);
		break;
	case HTTP_E_STATUS:
	case HTTP_E_BODY:
		if (resp->rate_limited)
			sosr_error("SOS kept refusing the rate for C_Code %s, %ss at offset %lld on %s: %s%s; it "
				   "limits the rate below what the job asks even after slowing down: lower the "
				   "rate limit (sos.rate_limit, --rate-limit) and rerun", s->c_code,
				   type_names[(size_t)job->user], offset, url, resp->detail, apimsg);
		else
			sosr_error("SOS failed for C_Code %s, %ss at offset %lld on %s: %s%s; SOS outages are "
				   "common: a rerun is the first remedy, then check the service status",
				   s->c_code, type_names[(size_t)job->user], offset, url, resp->detail, apimsg);
		break;
	default:
		sosr_error("internal error fetching C_Code %s on %s: %s", s->c_code, url, resp->detail);
		break;
	}
	free(url);
	return http_result_exit(resp->result);
}

static void check_url(const char *url, const char *what)
{
	fetchopt_check_url(url, what, "put the token in SOS_TOKEN");
}

static const char *pick(const char *a, const char *b)
{
	return a ? a : b;
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	static const struct option opts[] = {
		{ "c-code", required_argument, NULL, 'C' },
		{ "url", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		FETCHOPT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *c_code = NULL, *url_arg = NULL;
	struct fetchopt fo;
	fetchopt_init(&fo);
	int ch;
	while ((ch = cli_getopt(argc, argv, "C:u:c:" FETCHOPT_SHORTOPTS "hV", opts)) != -1) {
		if (fetchopt_parse(ch, optarg, &fo))
			continue;
		switch (ch) {
		case 'C': c_code = optarg; break;
		case 'u': url_arg = optarg; check_url(optarg, "--url"); break;
		case 'c': config_path = optarg; break;
		case 'h': cli_help(usage_text);
		case 'V': cli_version();
		}
	}
	if (optind < argc)
		sosr_usage_error("unexpected operand '%s'", argv[optind]);

	struct config cfg;
	config_init(&cfg);
	if (config_path)
		config_load(config_path, &cfg);
	const struct sos_config *sc = &cfg.sos;
	if (!c_code)
		c_code = cfg.c_code;
	if (!c_code)
		sosr_usage_error("--c-code: required (like ALC or ALC_WAT)");
	if (!config_valid_c_code(c_code))
		sosr_usage_error("--c-code: '%.40s' is not a C_Code (" C_CODE_RULE ")", c_code);

	struct sos s = { 0 };
	s.c_code = xstrdup(c_code);
	const char *env_url = getenv("SOS_URL");
	const char *url = url_arg ? url_arg : env_url && *env_url ? env_url : sc->url;
	if (!url)
		sosr_usage_error("no SOS URL: set SOS_URL (or --url, or sos.url in the configuration)");
	check_url(url, url == url_arg ? "--url" : url == env_url ? "SOS_URL" : "sos.url");
	s.url = xstrdup(url);
	fetchopt_config(&fo, &sc->fetch);
	fetchopt_check_transport(&fo, url, url == url_arg ? "--url" : url == env_url ? "SOS_URL" : "sos.url",
				 "sos.allow_insecure_http");
	size_t ul = strlen(s.url);
	while (ul > 8 && s.url[ul - 1] == '/')
		s.url[--ul] = '\0';

	/* The token: SOS_TOKEN(_FILE) first, then what the config names. */
	char *token = NULL;
	s.token_name = "SOS_TOKEN";
	int rc = secret_from_env("SOS_TOKEN", &token);
	if (rc == 1 && sc->token_env && strcmp(sc->token_env, "SOS_TOKEN") != 0) {
		s.token_name = sc->token_env;
		rc = secret_from_env(sc->token_env, &token);
	} else if (rc == 1 && sc->token_file) {
		s.token_name = "the token in sos.token_file";
		rc = secret_from_file(sc->token_file, "sos.token_file", &token);
	}
	if (rc < 0)
		exit(SOSR_EXIT_USAGE);
	if (rc == 1)
		sosr_die(SOSR_EXIT_USAGE, "no SOS token: %s (or %s_FILE) is not set; check the credential "
			 "binding of the job", s.token_name, s.token_name);
	const char *hname = pick(sc->auth_header, "Authorization");
	const char *scheme = pick(sc->auth_scheme, "Bearer");
	struct buf auth = BUF_INIT(0);
	buf_printf(&auth, "%s: %s%s%s", hname, scheme, *scheme ? " " : "", token);
	secret_free(token);
	s.auth = buf_detach(&auth, NULL);
	s.paths[0] = pick(sc->devices_path, "/api/v1/inventory/devices");
	s.paths[1] = pick(sc->vlans_path, "/api/v1/inventory/vlans");
	s.c_code_param = pick(sc->c_code_param, "c_code");
	s.offset_param = pick(sc->offset_param, "offset");
	s.limit_param = pick(sc->limit_param, "limit");
	s.total_field = pick(sc->total_field, "total");
	s.items_field = pick(sc->items_field, "items");

	http_global_init();
	struct http_options ho;
	fetchopt_http(&fo, DEFAULT_TIMEOUT, &ho);
	ho.api_error = sos_api_error;
	struct http_engine *e = http_engine_new(&ho, NULL, NULL);

	struct pager_options po = { 0 };
	fetchopt_pager(&fo, DEFAULT_PAGE_SIZE, &po);
	po.total_name = s.total_field;
	po.empty_hint = "check the C_Code";
	static const struct pager_ops ops = { sos_request, sos_parse, sos_fail };
	struct pager *p = pager_new(e, &po, &ops, &s);
	for (size_t t = 0; t < 2; t++) {
		struct buf label = BUF_INIT(0), prefix = BUF_INIT(0);
		buf_printf(&label, "C_Code %s %ss", s.c_code, type_names[t]);
		buf_addstr(&prefix, "{\"source\":\"sos\",");
		jsonw_field_str(&prefix, 1, "c_code", s.c_code, strlen(s.c_code));
		jsonw_field_str(&prefix, 0, "type", type_names[t], strlen(type_names[t]));
		buf_addstr(&prefix, ",\"data\":");
		pager_add_job(p, label.data, prefix.data, 0, (int)t, (void *)t);
		buf_free(&label);
		buf_free(&prefix);
	}
	rc = pager_run(p);
	pager_free(p);
	http_engine_free(e);
	secret_free(s.auth);
	free(s.url);
	free(s.c_code);
	config_free(&cfg);
	http_global_cleanup();
	if (rc != 0)
		exit(rc);
	out_close_stdout();
	return 0;
}
