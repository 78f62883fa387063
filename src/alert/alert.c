/*
 * sosr-alert - deliver the alert of a run, from its report.json, to
 * PagerDuty (Events API v2), a Slack incoming webhook and/or a generic
 * webhook.
 *
 *     sosr-alert --pagerduty _output/report.json
 *
 * What is sent (docs/FORMATS.md, "Alerts"):
 * - PagerDuty, a complete run: for each finding class (missing_in_sos,
 *   missing_in_softlayer, mismatch, duplicate, unidentified) a `trigger`
 *   when the verdict names the class, else a `resolve`, with the dedup key
 *   "sos-reconcile/<C_Code>/<class>", which has no date and no count, so
 *   that the daily runs of one C_Code update one incident per class; and a
 *   `resolve` of the run-failure key.  An incomplete run: a `trigger` of
 *   "sos-reconcile/<C_Code>/run-failed", and never a resolve (nothing was
 *   reconciled, so nothing is known to be fixed).
 * - Slack: one short message when the run is significant or incomplete.
 * - The webhook: the report without its findings, for every run.
 *
 * Secrets (the routing key, the webhook URLs, which carry their token in
 * the path) come from the environment or NAME_FILE (secret.h), never from
 * argv, and are never printed: messages name the variable instead.  The
 * routing key travels in the event body, as the Events API requires; the
 * engine never logs bodies, and --dry-run shows them with the key hidden.  All
 * requests go through the shared HTTP engine (http.h), with its retries.
 * If anything is not delivered, the exit status is 8 after every target
 * was tried.
 */
#include "buf.h"
#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "http.h"
#include "output.h"
#include "secret.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#define DEFAULT_PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"
#define REPORT_CAP (512u << 20)    /* report.json with every finding */
#define SUMMARY_MAX 1024           /* PagerDuty's limit on payload.summary */
#define MAX_EVENTS 8

static const char usage_text[] =
	"Usage: sosr-alert [--pagerduty] [--slack] [--webhook] [OPTIONS] REPORT\n"
	"Deliver the alert of a run described by REPORT (the report.json of\n"
	"sosr-render; '-' is standard input) to the targets named, and print one\n"
	"line per delivery on standard output.\n"
	"\n"
	"Targets (at least one):\n"
	"      --pagerduty             PagerDuty Events API v2: trigger or resolve\n"
	"                              one incident per finding class; a failed run\n"
	"                              triggers its own incident\n"
	"      --slack                 a Slack incoming webhook: a short message when\n"
	"                              the run is significant or incomplete\n"
	"      --webhook               a generic webhook: the report without its\n"
	"                              findings, POSTed as JSON, for every run\n"
	"\n"
	"Options:\n"
	"      --routing-key-env NAME  variable holding the PagerDuty routing key\n"
	"                              (default PAGERDUTY_ROUTING_KEY; or NAME_FILE)\n"
	"      --pagerduty-url URL     the Events API endpoint\n"
	"                              (default " DEFAULT_PAGERDUTY_URL ")\n"
	"      --slack-url-env NAME    variable holding the Slack webhook URL\n"
	"                              (default SLACK_WEBHOOK_URL; or NAME_FILE)\n"
	"      --webhook-url-env NAME  variable holding the webhook URL\n"
	"                              (default SOS_RECONCILE_WEBHOOK_URL; or NAME_FILE)\n"
	"      --severity LEVEL        critical, error (default), warning or info\n"
	"      --source TEXT           PagerDuty payload.source (default\n"
	"                              sos-reconcile/C_CODE)\n"
	"      --timeout SECONDS       one attempt (default 30s)\n"
	"      --retries N             retries of a transient failure (default 4)\n"
	"      --budget SECONDS        time for all deliveries (default 5m)\n"
	"      --dry-run               print what would be sent, routing key hidden,\n"
	"                              and send nothing\n"
	"  -h, --help                  show this help and exit\n"
	"  -V, --version               show the version and exit\n"
	"\n"
	"Exit status:\n"
	"  0   every alert was delivered (or nothing needed sending)\n"
	"  2   usage error\n"
	"  7   REPORT is not a report of sosr-render\n"
	"  8   an alert was not delivered (the others were still tried)\n"
	"  9   cannot read REPORT or write the output\n"
	"  10  internal error\n";

enum { OPT_PD = 256, OPT_SLACK, OPT_HOOK, OPT_RK_ENV, OPT_PD_URL, OPT_SLACK_ENV,
       OPT_HOOK_ENV, OPT_SEVERITY, OPT_SOURCE, OPT_TIMEOUT, OPT_RETRIES, OPT_BUDGET,
       OPT_DRY_RUN };

static const struct option longopts[] = {
	{ "pagerduty", no_argument, NULL, OPT_PD },
	{ "slack", no_argument, NULL, OPT_SLACK },
	{ "webhook", no_argument, NULL, OPT_HOOK },
	{ "routing-key-env", required_argument, NULL, OPT_RK_ENV },
	{ "pagerduty-url", required_argument, NULL, OPT_PD_URL },
	{ "slack-url-env", required_argument, NULL, OPT_SLACK_ENV },
	{ "webhook-url-env", required_argument, NULL, OPT_HOOK_ENV },
	{ "severity", required_argument, NULL, OPT_SEVERITY },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "budget", required_argument, NULL, OPT_BUDGET },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char *const classes[] = {
	"missing_in_sos", "missing_in_softlayer", "mismatch", "duplicate", "unidentified",
};
#define NCLASSES (sizeof classes / sizeof classes[0])

static const char *const class_text[] = {
	"in SoftLayer but missing from SOS (unmonitored)",
	"in SOS but not in SoftLayer (stale registrations)",
	"with fields that differ between SoftLayer and SOS",
	"with a key found more than once on one side",
	"that cannot be identified",
};

/* One delivery: what it is for the output line, and whether it worked. */
struct delivery {
	char label[160];      /* "pagerduty trigger sos-reconcile/ALC/mismatch" */
	const char *target;   /* "pagerduty", "slack", "webhook" */
	const char *secret_name; /* the variable, for messages */
	char *url_msg;        /* the URL as it may be printed, or NULL */
	int done, ok;
	long status;
	char detail[600];
};

struct run {
	struct delivery *d;
	size_t n;
};

/* ---- the report -------------------------------------------------------- */

static struct json_object *member(struct json_object *o, const char *k)
{
	struct json_object *v;
	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *member_str(struct json_object *o, const char *k)
{
	struct json_object *v = member(o, k);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static long long member_int(struct json_object *o, const char *k)
{
	struct json_object *v = member(o, k);
	return v && json_object_is_type(v, json_type_int) ? (long long)json_object_get_int64(v) : -1;
}

static struct json_object *read_report(const char *path)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!fp)
		sosr_die_errno(SOSR_EXIT_IO, "cannot open the report '%s'; check the path", path);
	struct buf b = BUF_INIT(REPORT_CAP);
	char chunk[1 << 16];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (buf_add(&b, chunk, n) < 0)
			sosr_die(SOSR_EXIT_DATA, "the report '%s' is larger than %u MiB; check that it is a report.json",
				 path, REPORT_CAP >> 20);
	if (ferror(fp))
		sosr_die_errno(SOSR_EXIT_IO, "cannot read the report '%s'", path);
	if (fp != stdin)
		fclose(fp);
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		sosr_oom();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *o = b.len ? json_tokener_parse_ex(tok, b.data, (int)b.len) : NULL;
	size_t end = o ? json_tokener_get_parse_end(tok) : 0;
	while (o && end < b.len && strchr(" \t\r\n", b.data[end]))
		end++;
	if (!o || end != b.len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		sosr_die(SOSR_EXIT_DATA, "the report '%s' is not one JSON object; check that it was written by sosr-render", path);
	}
	json_tokener_free(tok);
	buf_free(&b);
	if (member_int(o, "format") != 1 || !member_str(o, "status") || !member(o, "verdict"))
		sosr_die(SOSR_EXIT_DATA, "'%s' is not a report.json of format 1 (no format, status or verdict); "
			 "check that it was written by sosr-render", path);
	return o;
}

/* Is CLASS named by one of the verdict's reasons? */
static struct json_object *reason_for(struct json_object *report, const char *cls)
{
	struct json_object *reasons = member(member(report, "verdict"), "reasons");
	if (!reasons || !json_object_is_type(reasons, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(reasons); i++) {
		struct json_object *r = json_object_array_get_idx(reasons, i);
		const char *c = member_str(r, "class");
		if (c && strcmp(c, cls) == 0)
			return r;
	}
	return NULL;
}

static long long class_total(struct json_object *report, const char *cls)
{
	return member_int(member(member(report, "counts"), cls), "total");
}

/* The first failure of an incomplete run, as "STAGE exited N (MEANING)". */
static void failure_text(struct json_object *report, struct buf *b)
{
	struct json_object *f = member(report, "failures");
	struct json_object *f0 = f && json_object_is_type(f, json_type_array) &&
				 json_object_array_length(f) ? json_object_array_get_idx(f, 0) : NULL;
	if (!f0) {
		buf_addstr(b, "a stage failed");
		return;
	}
	buf_printf(b, "%s exited %lld (%s)", member_str(f0, "stage") ? member_str(f0, "stage") : "?",
		   member_int(f0, "exit"), member_str(f0, "meaning") ? member_str(f0, "meaning") : "?");
}

/* ---- payloads ---------------------------------------------------------- */

static void addstr(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static struct json_object *copy_of(struct json_object *v)
{
	struct json_object *c = NULL;
	if (v && json_object_deep_copy(v, &c, NULL) != 0)
		sosr_oom();
	return c;
}

/* A PagerDuty event; the routing key is added by the caller. */
static struct json_object *pd_event(struct json_object *report, const char *c_code,
				    const char *action, const char *cls, const char *summary,
				    const char *severity, const char *source)
{
	char key[200];
	snprintf(key, sizeof key, "sos-reconcile/%s/%s", c_code, cls);
	struct json_object *ev = json_object_new_object();
	addstr(ev, "event_action", action);
	addstr(ev, "dedup_key", key);
	if (strcmp(action, "trigger") == 0) {
		struct json_object *pl = json_object_new_object();
		char sum[SUMMARY_MAX + 1];
		snprintf(sum, sizeof sum, "%s", summary);
		addstr(pl, "summary", sum);
		addstr(pl, "source", source);
		addstr(pl, "severity", severity);
		addstr(pl, "component", c_code);
		addstr(pl, "group", "sos-reconcile");
		addstr(pl, "class", cls);
		struct json_object *cd = json_object_new_object();
		addstr(cd, "c_code", c_code);
		if (member_str(report, "started"))
			addstr(cd, "started", member_str(report, "started"));
		addstr(cd, "status", member_str(report, "status"));
		if (member(report, "counts"))
			json_object_object_add(cd, "counts", copy_of(member(report, "counts")));
		if (member(report, "failures"))
			json_object_object_add(cd, "failures", copy_of(member(report, "failures")));
		struct json_object *r = reason_for(report, cls);
		if (r)
			json_object_object_add(cd, "rule", copy_of(r));
		json_object_object_add(pl, "custom_details", cd);
		json_object_object_add(ev, "payload", pl);
		addstr(ev, "client", "sos-reconcile");
	}
	return ev;
}

static void summary_of_class(struct buf *b, struct json_object *report, const char *c_code, size_t i)
{
	struct json_object *r = reason_for(report, classes[i]);
	long long n = r ? member_int(r, "count") : class_total(report, classes[i]);
	buf_printf(b, "sos-reconcile %s: %lld %s %s", c_code, n, n == 1 ? "record" : "records",
		   class_text[i]);
}

static void slack_text(struct buf *b, struct json_object *report, const char *c_code)
{
	if (strcmp(member_str(report, "status"), "complete") != 0) {
		buf_printf(b, ":x: sos-reconcile %s: the run is INCOMPLETE, nothing was reconciled: ", c_code);
		failure_text(report, b);
		buf_addstr(b, ". See the job's report.txt and docs/RUNBOOK.md.");
		return;
	}
	buf_printf(b, ":warning: sos-reconcile %s: significant discrepancies between SoftLayer and SOS:", c_code);
	for (size_t i = 0; i < NCLASSES; i++) {
		long long n = class_total(report, classes[i]);
		if (n > 0)
			buf_printf(b, "\n- %s: %lld%s", classes[i], n,
				   reason_for(report, classes[i]) ? " (significant)" : "");
	}
	buf_addstr(b, "\nSee the job's report.txt.");
}

/* ---- delivery ---------------------------------------------------------- */

static enum http_verdict on_done(struct http_engine *e, struct http_request *req,
				 struct http_response *resp, void *user)
{
	(void)e;
	(void)user;
	struct delivery *d = http_request_user(req);
	if (resp->result == HTTP_OK) {
		d->ok = 1;
		d->status = resp->status;
	} else {
		d->ok = 0;
		d->status = resp->status;
		snprintf(d->detail, sizeof d->detail, "%s: %s", http_result_name(resp->result),
			 resp->detail[0] ? resp->detail : "no detail");
		/* PagerDuty says why it refused an event: keep its errors,
		 * which never echo the routing key. */
		if (strcmp(d->target, "pagerduty") == 0 && resp->status == 400 && resp->body.len) {
			struct json_object *o = json_tokener_parse(resp->body.data);
			struct json_object *errs = member(o, "errors");
			if (errs && json_object_is_type(errs, json_type_array) && json_object_array_length(errs)) {
				size_t l = strlen(d->detail);
				snprintf(d->detail + l, sizeof d->detail - l, " (%s)",
					 json_object_get_string(json_object_array_get_idx(errs, 0)));
			}
			json_object_put(o);
		}
	}
	d->done = 1;
	return HTTP_ACCEPT;
}

static void submit(struct http_engine *e, struct delivery *d, const char *url,
		   struct json_object *body)
{
	const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct http_request *r = http_request_new(url);
	http_request_set_method(r, "POST");
	http_request_add_header(r, "Content-Type: application/json");
	http_request_set_body(r, text, strlen(text));
	http_request_set_cred(r, d->target);
	http_request_set_user(r, d, NULL);
	http_submit(e, r);
}

/* The body as --dry-run shows it: the routing key hidden. */
static void print_dry(const char *label, struct json_object *body)
{
	struct json_object *c = copy_of(body);
	if (member(c, "routing_key"))
		addstr(c, "routing_key", "<redacted>");
	printf("%s %s\n", label, json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(c);
}

/* Read a secret or record why the target cannot be served. */
static char *need_secret(const char *name, const char *target, int *failed)
{
	char *s = NULL;
	int rc = secret_from_env(name, &s);
	if (rc == 1)
		sosr_error("%s: neither %s nor %s_FILE is set; check the job's credential binding "
			   "(the alert is not delivered)", target, name, name);
	if (rc != 0) {
		*failed = 1;
		return NULL;
	}
	return s;
}

/* What the operator checks first, from what failed. */
static const char *hint(const struct delivery *d)
{
	int pdy = strcmp(d->target, "pagerduty") == 0;
	if (d->status == 400 && pdy)
		return "PagerDuty refused the event; check the routing key the job's credential binding gives";
	if (d->status == 401 || d->status == 403 || d->status == 404)
		return pdy ? "check the routing key and the PagerDuty URL"
			   : "the webhook URL was refused; check that it is current (it may have been revoked)";
	if (d->status >= 500 || d->status == 429)
		return "the service is failing or throttling; rerun the job later";
	return pdy ? "check that the PagerDuty URL is reachable from the job (proxy, firewall); rerun"
		   : "check that the webhook host is reachable from the job (proxy, firewall); rerun";
}

static int valid_severity(const char *s)
{
	return !strcmp(s, "critical") || !strcmp(s, "error") || !strcmp(s, "warning") || !strcmp(s, "info");
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();

	int pd = 0, slack = 0, hook = 0, dry = 0;
	const char *rk_env = "PAGERDUTY_ROUTING_KEY", *pd_url = DEFAULT_PAGERDUTY_URL;
	const char *slack_env = "SLACK_WEBHOOK_URL", *hook_env = "SOS_RECONCILE_WEBHOOK_URL";
	const char *severity = "error", *source = NULL;
	struct http_options ho;
	http_options_default(&ho);
	ho.timeout = 30;
	ho.retries = 4;
	ho.budget = 300;
	ho.concurrency = 4;

	int c;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PD: pd = 1; break;
		case OPT_SLACK: slack = 1; break;
		case OPT_HOOK: hook = 1; break;
		case OPT_RK_ENV: rk_env = optarg; break;
		case OPT_PD_URL:
			if (strncmp(optarg, "https://", 8) && strncmp(optarg, "http://", 7))
				sosr_usage_error("--pagerduty-url: '%s' is not an http(s) URL", optarg);
			pd_url = optarg;
			break;
		case OPT_SLACK_ENV: slack_env = optarg; break;
		case OPT_HOOK_ENV: hook_env = optarg; break;
		case OPT_SEVERITY:
			if (!valid_severity(optarg))
				sosr_usage_error("--severity: '%s' is not critical, error, warning or info", optarg);
			severity = optarg;
			break;
		case OPT_SOURCE:
			if (!*optarg)
				sosr_usage_error("--source: empty");
			source = optarg;
			break;
		case OPT_TIMEOUT: ho.timeout = cli_duration(optarg, "--timeout"); break;
		case OPT_RETRIES: ho.retries = (int)cli_number(optarg, 0, 20, "--retries"); break;
		case OPT_BUDGET: ho.budget = cli_duration(optarg, "--budget"); break;
		case OPT_DRY_RUN: dry = 1; break;
		case 'h': cli_help(usage_text);
		case 'V': cli_version();
		default:
			fprintf(stderr, "Try 'sosr-alert --help' for more information.\n");
			exit(SOSR_EXIT_USAGE);
		}
	}
	if (argc - optind != 1)
		sosr_usage_error(argc - optind ? "one REPORT operand is expected" : "the REPORT operand is missing");
	if (!pd && !slack && !hook)
		sosr_usage_error("no target; give --pagerduty, --slack and/or --webhook");
	if (ho.timeout <= 0)
		sosr_usage_error("--timeout: must be above 0");
	const char *path = argv[optind];

	struct json_object *report = read_report(path);
	const char *c_code = member_str(report, "c_code") ? member_str(report, "c_code") : "unknown";
	int complete = strcmp(member_str(report, "status"), "complete") == 0;
	const char *result = member_str(member(report, "verdict"), "result");
	int significant = complete && result && strcmp(result, "significant") == 0;
	char source_buf[160];
	if (!source) {
		snprintf(source_buf, sizeof source_buf, "sos-reconcile/%s", c_code);
		source = source_buf;
	}

	/* Build every body first, then read the secrets, then send. */
	struct json_object *bodies[MAX_EVENTS + 2];
	struct delivery deliveries[MAX_EVENTS + 2];
	memset(deliveries, 0, sizeof deliveries);
	size_t nd = 0;
	int failed = 0;

	if (pd) {
		if (!complete) {
			struct buf s = BUF_INIT(4096);
			buf_printf(&s, "sos-reconcile %s: the run is INCOMPLETE, nothing was reconciled: ", c_code);
			failure_text(report, &s);
			bodies[nd] = pd_event(report, c_code, "trigger", "run-failed", s.data, severity, source);
			snprintf(deliveries[nd].label, sizeof deliveries[nd].label,
				 "pagerduty trigger sos-reconcile/%s/run-failed", c_code);
			deliveries[nd++].target = "pagerduty";
			buf_free(&s);
		} else {
			for (size_t i = 0; i < NCLASSES; i++) {
				int trig = reason_for(report, classes[i]) != NULL;
				struct buf s = BUF_INIT(4096);
				summary_of_class(&s, report, c_code, i);
				bodies[nd] = pd_event(report, c_code, trig ? "trigger" : "resolve", classes[i],
						      s.data, severity, source);
				snprintf(deliveries[nd].label, sizeof deliveries[nd].label,
					 "pagerduty %s sos-reconcile/%s/%s", trig ? "trigger" : "resolve",
					 c_code, classes[i]);
				deliveries[nd++].target = "pagerduty";
				buf_free(&s);
			}
			bodies[nd] = pd_event(report, c_code, "resolve", "run-failed", "", severity, source);
			snprintf(deliveries[nd].label, sizeof deliveries[nd].label,
				 "pagerduty resolve sos-reconcile/%s/run-failed", c_code);
			deliveries[nd++].target = "pagerduty";
		}
	}
	size_t slack_i = nd;
	if (slack) {
		if (significant || !complete) {
			struct buf s = BUF_INIT(8192);
			slack_text(&s, report, c_code);
			bodies[nd] = json_object_new_object();
			addstr(bodies[nd], "text", s.data);
			buf_free(&s);
			snprintf(deliveries[nd].label, sizeof deliveries[nd].label, "slack message");
			deliveries[nd++].target = "slack";
		} else {
			printf("slack: nothing to send (the run is complete and not significant)\n");
		}
	}
	size_t hook_i = nd;
	if (hook) {
		bodies[nd] = copy_of(report);
		json_object_object_del(bodies[nd], "findings");
		snprintf(deliveries[nd].label, sizeof deliveries[nd].label, "webhook report summary");
		deliveries[nd++].target = "webhook";
	}
	json_object_put(report);

	if (dry) {
		for (size_t i = 0; i < nd; i++) {
			print_dry(deliveries[i].label, bodies[i]);
			json_object_put(bodies[i]);
		}
		out_close_stdout();
		return SOSR_EXIT_OK;
	}

	char *routing_key = NULL, *slack_url = NULL, *hook_url = NULL;
	if (pd && nd > 0)
		routing_key = need_secret(rk_env, "pagerduty", &failed);
	if (slack && slack_i < hook_i)
		slack_url = need_secret(slack_env, "slack", &failed);
	if (hook)
		hook_url = need_secret(hook_env, "webhook", &failed);

	http_global_init();
	struct http_engine *e = http_engine_new(&ho, on_done, NULL);
	for (size_t i = 0; i < nd; i++) {
		struct delivery *d = &deliveries[i];
		const char *url = NULL;
		if (strcmp(d->target, "pagerduty") == 0) {
			d->secret_name = rk_env;
			if (routing_key) {
				addstr(bodies[i], "routing_key", routing_key);
				url = pd_url;
				d->url_msg = http_url_for_message(pd_url);
			}
		} else if (strcmp(d->target, "slack") == 0) {
			d->secret_name = slack_env;
			url = slack_url;
		} else {
			d->secret_name = hook_env;
			url = hook_url;
		}
		if (url)
			submit(e, d, url, bodies[i]);
		else
			snprintf(d->detail, sizeof d->detail, "not sent: %s is not available", d->secret_name);
		json_object_put(bodies[i]);
	}
	int rc = http_run(e);
	http_engine_free(e);
	http_global_cleanup();
	secret_free(routing_key);
	secret_free(slack_url);
	secret_free(hook_url);

	for (size_t i = 0; i < nd; i++) {
		struct delivery *d = &deliveries[i];
		if (d->ok) {
			printf("%s: delivered (HTTP %ld)\n", d->label, d->status);
		} else {
			failed = 1;
			if (d->done || rc != 0) {
				/* Name the endpoint: the PagerDuty URL, or the variable
				 * that holds a webhook URL (the URL is a secret). */
				sosr_error("%s: not delivered to %s%s: %s; %s", d->label,
					   d->url_msg ? d->url_msg : "the URL in ",
					   d->url_msg ? "" : d->secret_name,
					   d->detail[0] ? d->detail : "the transfer did not finish",
					   hint(d));
			} else {
				sosr_error("%s: %s", d->label, d->detail);
			}
		}
		free(d->url_msg);
	}
	out_close_stdout();
	return failed ? SOSR_EXIT_ALERT : SOSR_EXIT_OK;
}
