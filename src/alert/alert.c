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
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "fileio.h"
#include "finding.h"
#include "github.h"
#include "http.h"
#include "jsondoc.h"
#include "output.h"
#include "secret.h"
#include "text.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#define DEFAULT_PAGERDUTY_URL "https://events.pagerduty.com/v2/enqueue"
#define REPORT_CAP (512u << 20)    /* report.json with every finding */
#define SUMMARY_MAX 1024           /* PagerDuty's limit on payload.summary */
#define MAX_DELIVERIES 64
#define GITHUB_LIMIT_WAIT 60.0       /* GitHub: "wait at least one minute" */

static const char usage_text[] =
	"Usage: sosr-alert [--pagerduty] [--slack] [--webhook] [OPTIONS] REPORT\n"
	"       sosr-alert --config FILE [OPTIONS] REPORT\n"
	"Deliver the alert of a run described by REPORT (the report.json of\n"
	"sosr-render; '-' is standard input) to the targets named, and print one\n"
	"line per delivery on standard output.\n"
	"\n"
	"Targets (at least one, or those of the configuration's \"alert\"):\n"
	"      --pagerduty             PagerDuty Events API v2: trigger or resolve\n"
	"                              one incident per finding class; a failed run\n"
	"                              triggers its own incident\n"
	"      --slack                 a Slack incoming webhook: a short message when\n"
	"                              the run is significant or incomplete\n"
	"      --webhook               a generic webhook: the report without its\n"
	"                              findings, POSTed as JSON, for every run\n"
	"      --github                GitHub issues: one open issue per C_Code and\n"
	"                              event (a failed run, findings aged past the\n"
	"                              SLA, an expired exception), commented on when\n"
	"                              it changed, closed when it cleared\n"
	"\n"
	"Options:\n"
	"      --config FILE           the job's configuration: its \"alert\" section\n"
	"                              names the targets and their settings (flags\n"
	"                              win over it)\n"
	"      --summary FILE          write STATUS<TAB>DETAIL to FILE: delivered,\n"
	"                              failed or not-needed, and what was sent (for\n"
	"                              sos-reconcile)\n"
	"      --routing-key-env NAME  variable holding the PagerDuty routing key\n"
	"                              (default PAGERDUTY_ROUTING_KEY; or NAME_FILE)\n"
	"      --pagerduty-url URL     the Events API endpoint\n"
	"                              (default " DEFAULT_PAGERDUTY_URL ")\n"
	"      --slack-url-env NAME    variable holding the Slack webhook URL\n"
	"                              (default SLACK_WEBHOOK_URL; or NAME_FILE)\n"
	"      --webhook-url-env NAME  variable holding the webhook URL\n"
	"                              (default SOS_RECONCILE_WEBHOOK_URL; or NAME_FILE)\n"
	"      --github-token-env NAME variable holding the GitHub token\n"
	"                              (default GITHUB_TOKEN; or NAME_FILE)\n"
	"      --github-repository O/R the repository of the issues\n"
	"                              (alert.github.repository)\n"
	"      --github-api-url URL    the REST API (default " GITHUB_DEFAULT_API_URL ";\n"
	"                              GitHub Enterprise: https://HOST/api/v3)\n"
	"      --severity LEVEL        critical, error (default), warning or info\n"
	"      --source TEXT           PagerDuty payload.source (default\n"
	"                              sos-reconcile/C_CODE)\n"
	"      --timeout SECONDS       one attempt (default 30s)\n"
	"      --retries N             retries of a transient failure (default 4)\n"
	"      --budget SECONDS        time for all deliveries (default 5m)\n"
	"      --ca-file FILE          the CA bundle to trust for the targets\n"
	"      --allow-insecure-http   send to a plain http:// URL of another host (the\n"
	"                              key or token crosses the network unencrypted)\n"
	"      --dry-run               print what would be sent, routing key hidden,\n"
	"                              and send nothing (GitHub: the open issues are\n"
	"                              read when the token is there, nothing written)\n"
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


/* ---- the report ---------------------------------------------------------- */

static struct json_object *read_report(const char *path)
{
	struct buf b = BUF_INIT(REPORT_CAP);
	if (fileio_read_all(path, &b) < 0) {
		if (errno == EFBIG)
			sosr_die(SOSR_EXIT_DATA, "the report '%s' is larger than %u MiB; check that it is a report.json",
				 path, REPORT_CAP >> 20);
		sosr_die_errno(SOSR_EXIT_IO, "cannot read the report '%s'", path);
	}
	char why[200];
	struct json_object *o = b.data ? jsondoc_parse(b.data, b.len, why, sizeof why) : NULL;
	buf_free(&b);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		sosr_die(SOSR_EXIT_DATA, "the report '%s' is not one JSON object; check that it was written by sosr-render", path);
	}
	long long format = jget_count(o, "format");
	if (format < 1 || format > 4 || !jget_str(o, "status") || !jget(o, "verdict")) {
		json_object_put(o);
		sosr_die(SOSR_EXIT_DATA, "'%s' is not a report.json of format 1 to 4 (no format, status or verdict); "
			 "check that it was written by sosr-render", path);
	}
	return o;
}

/* The verdict's reason naming class CLS, or NULL. */
static struct json_object *reason_for(struct json_object *report, const char *cls)
{
	struct json_object *reasons = jget_array(jget(report, "verdict"), "reasons");
	for (size_t i = 0; reasons && i < json_object_array_length(reasons); i++) {
		struct json_object *r = json_object_array_get_idx(reasons, i);
		const char *c = jget_str(r, "class");
		if (c && strcmp(c, cls) == 0)
			return r;
	}
	return NULL;
}

static long long class_total(struct json_object *report, const char *cls)
{
	struct json_object *c = jget(jget(report, "counts"), cls);
	return c ? jget_count(c, "total") : -1;
}

/* The first failure of an incomplete run, as "STAGE exited N (MEANING)". */
static void failure_text(struct json_object *report, struct buf *b)
{
	struct json_object *f = jget_array(report, "failures");
	struct json_object *f0 = f && json_object_array_length(f) ? json_object_array_get_idx(f, 0) : NULL;
	if (!f0) {
		buf_addstr(b, "a stage failed");
		return;
	}
	struct json_object *ex = jget(f0, "exit");
	buf_printf(b, "%s exited %lld (%s)", jget_str(f0, "stage") ? jget_str(f0, "stage") : "?",
		   ex && json_object_is_type(ex, json_type_int) ? (long long)json_object_get_int64(ex) : -1LL,
		   jget_str(f0, "meaning") ? jget_str(f0, "meaning") : "?");
}

/* ---- what is sent -------------------------------------------------------- */

/* A target: its entry in config.h's table, and how it is served (the table
 * of them, targets[], follows the builders). */
struct alert;
struct target {
	const struct alert_target_info *info;   /* name, secret, default variable */
	const char *default_url;                /* NULL: the secret is the URL */
	void (*build)(struct alert *a, const struct target *t);
	const char *(*hint)(long status);
};


/* One delivery: a body for one target, and how it went. */
struct delivery {
	const struct target *target;
	char kind[48];          /* "pagerduty trigger": counted in the summary */
	char label[200];        /* "pagerduty trigger sos-reconcile/ALC/mismatch" */
	struct json_object *body;
	int done, ok;
	long status;
	char detail[600];
	char error[1024];       /* the error line, when it was not delivered */
};

/* What the run says, for every target's builder. */
struct alert {
	struct json_object *report;
	struct json_object *history;    /* sosr-track's view, when it had history */
	const char *c_code, *severity, *source;
	int complete, significant;
	int changed;                    /* the set of findings changed since the last run */
	int post_daily[ALERT_N];        /* post even when nothing changed */
	struct delivery d[MAX_DELIVERIES];
	size_t n;
	int github_quiet;               /* open issues that already said it */
};

static struct delivery *add(struct alert *a, const struct target *t, const char *kind,
			    struct json_object *body, const char *label_fmt, ...) SOSR_PRINTF(5, 6);
static struct delivery *add(struct alert *a, const struct target *t, const char *kind,
			    struct json_object *body, const char *label_fmt, ...)
{
	if (a->n == MAX_DELIVERIES)
		sosr_die(SOSR_EXIT_INTERNAL, "more than %d deliveries; this is a bug", MAX_DELIVERIES);
	struct delivery *d = &a->d[a->n++];
	d->target = t;
	snprintf(d->kind, sizeof d->kind, "%s", kind);
	va_list ap;
	va_start(ap, label_fmt);
	vsnprintf(d->label, sizeof d->label, label_fmt, ap);
	va_end(ap);
	d->body = body;
	return d;
}

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

/* A PagerDuty event; the routing key is added when it is sent. */
static struct json_object *pd_event(const struct alert *a, const char *action, const char *cls,
				    const char *summary)
{
	char key[200];
	snprintf(key, sizeof key, "sos-reconcile/%s/%s", a->c_code, cls);
	struct json_object *ev = json_object_new_object();
	addstr(ev, "event_action", action);
	addstr(ev, "dedup_key", key);
	if (strcmp(action, "trigger") == 0) {
		struct json_object *pl = json_object_new_object();
		char sum[SUMMARY_MAX + 1];
		snprintf(sum, sizeof sum, "%s", summary);
		addstr(pl, "summary", sum);
		addstr(pl, "source", a->source);
		addstr(pl, "severity", a->severity);
		addstr(pl, "component", a->c_code);
		addstr(pl, "group", "sos-reconcile");
		addstr(pl, "class", cls);
		struct json_object *cd = json_object_new_object();
		addstr(cd, "c_code", a->c_code);
		if (jget_str(a->report, "started"))
			addstr(cd, "started", jget_str(a->report, "started"));
		addstr(cd, "status", jget_str(a->report, "status"));
		if (jget(a->report, "counts"))
			json_object_object_add(cd, "counts", copy_of(jget(a->report, "counts")));
		if (jget(a->report, "failures"))
			json_object_object_add(cd, "failures", copy_of(jget(a->report, "failures")));
		struct json_object *r = reason_for(a->report, cls);
		if (r)
			json_object_object_add(cd, "rule", copy_of(r));
		json_object_object_add(pl, "custom_details", cd);
		json_object_object_add(ev, "payload", pl);
		addstr(ev, "client", "sos-reconcile");
	}
	return ev;
}

/* PagerDuty: a complete run triggers the classes its verdict names and
 * resolves the others and the run-failed incident; an incomplete run
 * triggers run-failed and resolves nothing (nothing is known fixed). */
static void build_pagerduty(struct alert *a, const struct target *t)
{
	struct buf s = BUF_INIT(4096);
	if (!a->complete) {
		buf_printf(&s, "sos-reconcile %s: the run is INCOMPLETE, nothing was reconciled: ", a->c_code);
		failure_text(a->report, &s);
		add(a, t, "pagerduty trigger", pd_event(a, "trigger", "run-failed", s.data),
		    "pagerduty trigger sos-reconcile/%s/run-failed", a->c_code);
		buf_free(&s);
		return;
	}
	for (int i = 0; i < FT_NFINDINGS; i++) {
		const char *cls = finding_type_names[i];
		struct json_object *r = reason_for(a->report, cls);
		const char *action = r ? "trigger" : "resolve";
		/* the class's total: a rule counts one kind only */
		long long n = class_total(a->report, cls);
		buf_reset(&s);
		buf_printf(&s, "sos-reconcile %s: %lld %s %s", a->c_code, n, n == 1 ? "record" : "records",
			   finding_type_phrase((enum finding_type)i));
		add(a, t, r ? "pagerduty trigger" : "pagerduty resolve", pd_event(a, action, cls, s.data),
		    "pagerduty %s sos-reconcile/%s/%s", action, a->c_code, cls);
	}
	/* with history, the new findings and the aged ones page on their
	 * own incidents */
	static const char *const more[][2] = {
		{ "new", "findings are new or reopened since the last run" },
		{ "aged", "findings are open longer than the SLA" },
	};
	for (size_t i = 0; a->history && i < 2; i++) {
		struct json_object *r = reason_for(a->report, more[i][0]);
		buf_reset(&s);
		buf_printf(&s, "sos-reconcile %s: %lld %s", a->c_code, r ? jget_count(r, "count") : 0LL, more[i][1]);
		add(a, t, r ? "pagerduty trigger" : "pagerduty resolve",
		    pd_event(a, r ? "trigger" : "resolve", more[i][0], s.data), "pagerduty %s sos-reconcile/%s/%s",
		    r ? "trigger" : "resolve", a->c_code, more[i][0]);
	}
	add(a, t, "pagerduty resolve", pd_event(a, "resolve", "run-failed", ""),
	    "pagerduty resolve sos-reconcile/%s/run-failed", a->c_code);
	buf_free(&s);
}

/* Slack and the webhook stay quiet on a day like the one before: with
 * history, a complete run posts only when the set of findings changed
 * (new, reopened, resolved, newly aged, an exception newly expired), unless
 * the target is set to post daily. */
static int quiet_today(const struct alert *a, const struct target *t)
{
	int i = (int)(t->info - alert_targets);
	return a->complete && a->history && !a->changed && !a->post_daily[i];
}

/* Slack: one short message when the run is significant or incomplete. */
static void build_slack(struct alert *a, const struct target *t)
{
	if (a->complete && !a->significant) {
		printf("slack: nothing to send (the run is complete and not significant)\n");
		return;
	}
	if (quiet_today(a, t)) {
		printf("slack: nothing to send (nothing changed since the last run)\n");
		return;
	}
	struct buf b = BUF_INIT(8192);
	if (!a->complete) {
		buf_printf(&b, ":x: sos-reconcile %s: the run is INCOMPLETE, nothing was reconciled: ", a->c_code);
		failure_text(a->report, &b);
		buf_addstr(&b, ". See the job's report.txt and docs/RUNBOOK.md.");
	} else {
		buf_printf(&b, ":warning: sos-reconcile %s: significant discrepancies between SoftLayer and SOS:",
			   a->c_code);
		for (int i = 0; i < FT_NFINDINGS; i++) {
			long long n = class_total(a->report, finding_type_names[i]);
			if (n > 0)
				buf_printf(&b, "\n- %s: %lld%s", finding_type_names[i], n,
					   reason_for(a->report, finding_type_names[i]) ? " (significant)" : "");
		}
		buf_addstr(&b, "\nSee the job's report.txt.");
	}
	struct json_object *body = json_object_new_object();
	addstr(body, "text", b.data);
	buf_free(&b);
	add(a, t, "slack message", body, "slack message");
}

/* The webhook: the report without its findings, for every run. */
static void build_webhook(struct alert *a, const struct target *t)
{
	if (quiet_today(a, t)) {
		printf("webhook: nothing to send (nothing changed since the last run)\n");
		return;
	}
	struct json_object *body = copy_of(a->report);
	json_object_object_del(body, "findings");
	add(a, t, "webhook report", body, "webhook report summary");
}

/* GitHub: a conversation, not one POST (github.c, after the others). */
static void build_github(struct alert *a, const struct target *t)
{
	(void)a;
	(void)t;
}

static const char *hint_pagerduty(long status)
{
	if (status == 400)
		return "PagerDuty refused the event; check the routing key the job's credential binding gives";
	if (status == 401 || status == 403 || status == 404)
		return "check the routing key and the PagerDuty URL";
	if (status >= 500 || status == 429)
		return "the service is failing or throttling; rerun the job later";
	return "check that the PagerDuty URL is reachable from the job (proxy, firewall); rerun";
}

static const char *hint_webhook(long status)
{
	if (status == 401 || status == 403 || status == 404)
		return "the webhook URL was refused; check that it is current (it may have been revoked)";
	if (status >= 500 || status == 429)
		return "the service is failing or throttling; rerun the job later";
	return "check that the webhook host is reachable from the job (proxy, firewall); rerun";
}

/*
 * The targets.  Each has its secret (the routing key, a URL with its
 * token), read from SECRET_ENV (or SECRET_ENV_FILE, or the configuration's
 * file) only when it has something to send.  The PagerDuty key travels in
 * the body and the URL is public; the Slack and webhook URLs are the
 * secret, so their messages name the variable, never the URL.
 */
/* In the order of enum alert_target (config.h). */
static const struct target targets[ALERT_N] = {
	{ &alert_targets[ALERT_PAGERDUTY], DEFAULT_PAGERDUTY_URL, build_pagerduty, hint_pagerduty },
	{ &alert_targets[ALERT_SLACK], NULL, build_slack, hint_webhook },
	{ &alert_targets[ALERT_WEBHOOK], NULL, build_webhook, hint_webhook },
	{ &alert_targets[ALERT_GITHUB], NULL, build_github, hint_webhook },
};

/* A target as this run uses it: on, its secret's variable or file, its URL. */
struct use {
	int on;
	const char *env, *file, *url;
	char file_key[48];
	char *secret, *url_msg;
	int secret_failed;
};

/* ---- delivery ------------------------------------------------------------ */

static enum http_verdict on_done(struct http_engine *e, struct http_request *req,
				 struct http_response *resp, void *user)
{
	(void)e;
	(void)user;
	struct delivery *d = http_request_user(req);
	d->ok = resp->result == HTTP_OK;
	d->status = resp->status;
	if (!d->ok) {
		snprintf(d->detail, sizeof d->detail, "%s: %s", http_result_name(resp->result),
			 resp->detail[0] ? resp->detail : "no detail");
		/* PagerDuty says why it refused an event: keep its errors,
		 * which never echo the routing key. */
		if (d->target == &targets[ALERT_PAGERDUTY] && resp->status == 400 && resp->body.len) {
			char why[200];
			struct json_object *o = jsondoc_parse(resp->body.data, resp->body.len, why, sizeof why);
			struct json_object *errs = jget_array(o, "errors");
			if (errs && json_object_array_length(errs)) {
				/* PagerDuty's text, made visible (text.h) */
				struct json_object *e0 = json_object_array_get_idx(errs, 0);
				char shown[200];
				text_visible_into(shown, sizeof shown, json_object_get_string(e0),
						  json_object_is_type(e0, json_type_string)
							  ? (size_t)json_object_get_string_len(e0)
							  : strlen(json_object_get_string(e0)), 180);
				size_t l = strlen(d->detail);
				snprintf(d->detail + l, sizeof d->detail - l, " (%s)", shown);
			}
			json_object_put(o);
		}
	}
	d->done = 1;
	return HTTP_ACCEPT;
}

static const char *body_text(struct json_object *body)
{
	return json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void submit(struct http_engine *e, struct delivery *d, const char *url)
{
	const char *text = body_text(d->body);
	struct http_request *r = http_request_new(url);
	http_request_set_method(r, "POST");
	http_request_add_header(r, "Content-Type: application/json");
	http_request_set_body(r, text, strlen(text));
	http_request_set_cred(r, d->target->info->name);
	http_request_set_user(r, d, NULL);
	http_submit(e, r);
}

/* Read a target's secret, or say why it cannot be served. */
static void read_secret(const struct target *t, struct use *u)
{
	int rc;
	if (u->file) {
		rc = secret_from_file(u->file, u->env, &u->secret);
	} else {
		rc = secret_from_env(u->env, &u->secret);
		if (rc == 1)
			sosr_error("%s: neither %s nor %s_FILE is set; check the job's credential binding "
				   "(the alert is not delivered)", t->info->name, u->env, u->env);
	}
	u->secret_failed = rc != 0;
}

/* The summary line for the driver: STATUS<TAB>DETAIL, where DETAIL counts
 * the deliveries by kind ("pagerduty resolve x2, slack message x1"). */
static void write_summary(const char *path, const struct alert *a, int failed)
{
	struct buf b = BUF_INIT(0);
	if (failed) {
		/* the first error: a secret that could not be read, else the
		 * first delivery that failed */
		const char *why = "a secret of a target could not be read; see the run's log";
		for (size_t i = a->n; i-- > 0;)
			if (!a->d[i].ok && a->d[i].error[0])
				why = a->d[i].error;
		buf_printf(&b, "failed\t%s", why);
	} else if (a->n == 0 && a->github_quiet) {
		buf_printf(&b, "not-needed\tnothing to send: the open GitHub issue%s already say%s it",
			   a->github_quiet > 1 ? "s" : "", a->github_quiet > 1 ? "" : "s");
	} else if (a->n == 0) {
		buf_addstr(&b, "not-needed\tnothing to send: the run is complete and not significant");
	} else {
		buf_addstr(&b, "delivered\t");
		/* kinds in byte order, each once, with its count */
		const char *last = "";
		for (;;) {
			const char *next = NULL;
			size_t count = 0;
			for (size_t i = 0; i < a->n; i++) {
				const char *k = a->d[i].kind;
				if (strcmp(k, last) > 0 && (!next || strcmp(k, next) < 0))
					next = k;
			}
			if (!next)
				break;
			for (size_t i = 0; i < a->n; i++)
				count += strcmp(a->d[i].kind, next) == 0;
			buf_printf(&b, "%s%s x%zu", *last ? ", " : "", next, count);
			last = next;
		}
	}
	buf_addch(&b, '\n');
	FILE *fp = fopen(path, "w");
	if (!fp || fwrite(b.data, 1, b.len, fp) != b.len || fclose(fp) != 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot write the summary file '%s'", path);
	buf_free(&b);
}

/* Print what would be sent, the routing key hidden (it is added only when
 * an event is sent). */
static void print_dry(const struct alert *a)
{
	for (size_t i = 0; i < a->n; i++) {
		struct json_object *shown = copy_of(a->d[i].body);
		if (a->d[i].target == &targets[ALERT_PAGERDUTY])
			addstr(shown, "routing_key", "<redacted>");
		printf("%s %s\n", a->d[i].label, body_text(shown));
		json_object_put(shown);
	}
}

/* Read the secrets of the targets that have something to send, send every
 * delivery, print one line for each; 1 when anything was not delivered. */
static int deliver(struct alert *a, struct use *use, struct http_engine *e, int allow_insecure)
{
	int failed = 0;
	for (int t = 0; t < ALERT_N; t++)
		for (size_t i = 0; i < a->n; i++)
			if (a->d[i].target == &targets[t]) {
				read_secret(&targets[t], &use[t]);
				failed |= use[t].secret_failed;
				break;
			}
	for (size_t i = 0; i < a->n; i++) {
		struct delivery *d = &a->d[i];
		struct use *u = &use[d->target - targets];
		const char *url = d->target->default_url ? u->url : u->secret;
		if (!u->secret) {
			snprintf(d->detail, sizeof d->detail, "not sent: %s is not available", u->env);
		} else if (!allow_insecure && http_url_insecure(url)) {
			/* the routing key or the URL's token would cross the
			 * network unencrypted */
			snprintf(d->detail, sizeof d->detail, "not sent: the URL%s%s is plain http:// to another "
				 "host; use https://, or alert.allow_insecure_http (--allow-insecure-http) if "
				 "the network is trusted", d->target->default_url ? "" : " in ",
				 d->target->default_url ? "" : u->env);
		} else if (d->target->default_url) {
			/* the secret goes into the body; the URL is public */
			addstr(d->body, "routing_key", u->secret);
			if (!u->url_msg)
				u->url_msg = http_url_for_message(u->url);
			submit(e, d, u->url);
		} else {
			submit(e, d, u->secret);
		}
	}
	int rc = a->n ? http_run(e) : 0;
	for (size_t i = 0; i < a->n; i++) {
		struct delivery *d = &a->d[i];
		struct use *u = &use[d->target - targets];
		if (d->ok) {
			printf("%s: delivered (HTTP %ld)\n", d->label, d->status);
			continue;
		}
		failed = 1;
		if (d->done || rc != 0)
			/* Name the endpoint: the PagerDuty URL, or the variable
			 * that holds a webhook URL (a secret). */
			snprintf(d->error, sizeof d->error, "%s: not delivered to %s%s: %s; %s", d->label,
				 u->url_msg ? u->url_msg : "the URL in ", u->url_msg ? "" : u->env,
				 d->detail[0] ? d->detail : "the transfer did not finish",
				 d->target->hint(d->status));
		else
			snprintf(d->error, sizeof d->error, "%s: %s", d->label, d->detail);
		sosr_error("%s", d->error);
	}
	for (int t = 0; t < ALERT_N; t++) {
		secret_free(use[t].secret);
		free(use[t].url_msg);
	}
	return failed;
}

/* github.h's record: an action of the GitHub target, as a delivery (for
 * the summary and the exit status). */
static void record_github(void *user, const char *kind, const char *label, int ok, const char *error)
{
	struct alert *a = user;
	if (!kind) {
		a->github_quiet++;
		return;
	}
	struct delivery *d = add(a, &targets[ALERT_GITHUB], kind, NULL, "%s", label);
	d->done = 1;
	d->ok = ok;
	if (error)
		snprintf(d->error, sizeof d->error, "%s: %s", label, error);
}

/* The GitHub target: its token (not needed to print a dry run), then the
 * conversation (github.c).  1 when anything failed. */
static int run_github(struct alert *a, struct use *u, const struct github_config *ghc, const char *api_url,
		      struct http_engine *e, int dry, int allow_insecure)
{
	const struct target *t = &targets[ALERT_GITHUB];
	char name[160];
	if (u->file)
		snprintf(name, sizeof name, "%s", u->file_key);
	else
		snprintf(name, sizeof name, "%s (alert.github.token_env)", u->env);
	if (!allow_insecure && http_url_insecure(api_url)) {
		char err[1400];
		snprintf(err, sizeof err, "not sent: the GitHub API URL %s (alert.github.api_url) is plain http:// "
			 "to another host; use https://, or alert.allow_insecure_http if the network is trusted",
			 api_url);
		sosr_error("github: %s", err);
		record_github(a, "github", "github", 0, err);
		return 1;
	}
	if (dry) {
		if (u->file)
			(void)(secret_from_file(u->file, u->env, &u->secret) != 0);
		else if (secret_from_env(u->env, &u->secret) != 0)
			u->secret = NULL;
	} else {
		read_secret(t, u);
		if (u->secret_failed) {
			char err[300];
			snprintf(err, sizeof err, "the token in %s could not be read; nothing was done on GitHub", name);
			record_github(a, "github", "github", 0, err);
			return 1;
		}
	}
	struct github_job j = { ghc, api_url, u->secret, name, a->report, a->c_code, dry, record_github, a };
	int rc = github_escalate(e, &j);
	secret_free(u->secret);
	u->secret = NULL;
	return rc;
}

static int valid_severity(const char *s)
{
	return !strcmp(s, "critical") || !strcmp(s, "error") || !strcmp(s, "warning") || !strcmp(s, "info");
}

/* The configuration names the targets (unless flags did) and fills what
 * the flags left unset; then every target's secret gets its name. */
static void use_config(const struct alert_config *ac, int any_flag, struct use *use,
		       const char **pd_url, const char **severity, const char **source)
{
	for (int t = 0; t < ALERT_N; t++) {
		const struct alert_target_config *tc = &ac->target[t];
		if (!any_flag)
			use[t].on = tc->on;
		if (!use[t].env && !tc->secret_file)
			use[t].env = tc->secret_env;
		if (!use[t].env)
			use[t].file = tc->secret_file;
	}
	if (!*pd_url)
		*pd_url = ac->pagerduty_url;
	if (!*severity)
		*severity = ac->severity;
	if (!*source)
		*source = ac->source;
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	enum { OPT_TARGET = 256, OPT_ENV = OPT_TARGET + ALERT_N, OPT_PD_URL = OPT_ENV + ALERT_N, OPT_SEVERITY,
	       OPT_SOURCE, OPT_TIMEOUT, OPT_RETRIES, OPT_BUDGET, OPT_DRY_RUN, OPT_CONFIG, OPT_SUMMARY,
	       OPT_CA_FILE, OPT_INSECURE, OPT_GH_REPO, OPT_GH_API };
	static const struct option longopts[] = {
		{ "pagerduty", no_argument, NULL, OPT_TARGET + ALERT_PAGERDUTY },
		{ "slack", no_argument, NULL, OPT_TARGET + ALERT_SLACK },
		{ "webhook", no_argument, NULL, OPT_TARGET + ALERT_WEBHOOK },
		{ "github", no_argument, NULL, OPT_TARGET + ALERT_GITHUB },
		{ "github-token-env", required_argument, NULL, OPT_ENV + ALERT_GITHUB },
		{ "github-repository", required_argument, NULL, OPT_GH_REPO },
		{ "github-api-url", required_argument, NULL, OPT_GH_API },
		{ "routing-key-env", required_argument, NULL, OPT_ENV + ALERT_PAGERDUTY },
		{ "slack-url-env", required_argument, NULL, OPT_ENV + ALERT_SLACK },
		{ "webhook-url-env", required_argument, NULL, OPT_ENV + ALERT_WEBHOOK },
		{ "pagerduty-url", required_argument, NULL, OPT_PD_URL },
		{ "severity", required_argument, NULL, OPT_SEVERITY },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "budget", required_argument, NULL, OPT_BUDGET },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "summary", required_argument, NULL, OPT_SUMMARY },
		{ "ca-file", required_argument, NULL, OPT_CA_FILE },
		{ "allow-insecure-http", no_argument, NULL, OPT_INSECURE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct use use[ALERT_N] = { { 0 } };
	const char *pd_url = NULL, *severity = NULL, *source = NULL;
	const char *config_path = NULL, *summary_path = NULL, *gh_repo = NULL, *gh_api = NULL;
	int dry = 0, any_flag = 0, insecure = -1, c;
	struct http_options ho;
	http_options_default(&ho);
	ho.timeout = 30;
	ho.retries = 4;
	ho.budget = 300;
	ho.concurrency = 4;

	while ((c = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		if (c >= OPT_TARGET && c < OPT_TARGET + ALERT_N) {
			use[c - OPT_TARGET].on = any_flag = 1;
			continue;
		}
		if (c >= OPT_ENV && c < OPT_ENV + ALERT_N) {
			use[c - OPT_ENV].env = optarg;
			continue;
		}
		switch (c) {
		case OPT_PD_URL:
			if (strncmp(optarg, "https://", 8) && strncmp(optarg, "http://", 7))
				sosr_usage_error("--pagerduty-url: '%s' is not an http(s) URL", optarg);
			pd_url = optarg;
			break;
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
		case OPT_TIMEOUT: ho.timeout = cli_duration(optarg, 600, "--timeout"); break;
		case OPT_RETRIES: ho.retries = (int)cli_number(optarg, 0, HTTP_MAX_RETRIES, "--retries"); break;
		case OPT_BUDGET: ho.budget = cli_duration(optarg, 3600, "--budget"); break;
		case OPT_DRY_RUN: dry = 1; break;
		case OPT_CONFIG: config_path = optarg; break;
		case OPT_SUMMARY: summary_path = optarg; break;
		case OPT_CA_FILE: ho.ca_file = optarg; break;
		case OPT_INSECURE: insecure = 1; break;
		case OPT_GH_REPO:
			if (!strchr(optarg, '/') || strchr(optarg, '/') != strrchr(optarg, '/') || optarg[0] == '/' ||
			    !strchr(optarg, '/')[1])
				sosr_usage_error("--github-repository: '%s' is not owner/name", optarg);
			gh_repo = optarg;
			break;
		case OPT_GH_API:
			if (strncmp(optarg, "https://", 8) && strncmp(optarg, "http://", 7))
				sosr_usage_error("--github-api-url: '%s' is not an http(s) URL", optarg);
			gh_api = optarg;
			break;
		case 'h': cli_help(usage_text);
		case 'V': cli_version();
		}
	}
	if (argc - optind != 1)
		sosr_usage_error(argc - optind ? "one REPORT operand is expected" : "the REPORT operand is missing");
	if (ho.timeout <= 0)
		sosr_usage_error("--timeout: must be above 0");

	struct config cfg;
	config_init(&cfg);
	if (config_path) {
		config_load(config_path, &cfg);
		use_config(&cfg.alert, any_flag, use, &pd_url, &severity, &source);
		if (!ho.ca_file)
			ho.ca_file = cfg.alert.ca_file;
		if (insecure < 0)
			insecure = cfg.alert.allow_insecure_http;
	}
	int any = 0;
	for (int t = 0; t < ALERT_N; t++) {
		any |= use[t].on;
		/* the name of the secret in messages: its variable, or the key
		 * of its file */
		if (!use[t].env && use[t].file)
			snprintf(use[t].file_key, sizeof use[t].file_key, "alert.%s.%s_file",
				 alert_targets[t].name, alert_targets[t].secret_key);
		if (!use[t].env)
			use[t].env = use[t].file ? use[t].file_key : alert_targets[t].default_env;
	}
	use[ALERT_PAGERDUTY].url = pd_url ? pd_url : DEFAULT_PAGERDUTY_URL;
	if (!any && config_path)
		sosr_usage_error("%s: no alert target; configure alert.pagerduty, alert.slack, alert.webhook or "
				 "alert.github", config_path);
	if (!any)
		sosr_usage_error("no target; give --pagerduty, --slack, --webhook and/or --github");
	/* GitHub: the repository and the API, flags over the file */
	struct github_config ghc = cfg.alert.github;
	if (gh_repo)
		ghc.repository = (char *)gh_repo;
	if (use[ALERT_GITHUB].on && !ghc.repository)
		sosr_usage_error("--github: no repository; set alert.github.repository or --github-repository");
	char gh_api_buf[1024];
	snprintf(gh_api_buf, sizeof gh_api_buf, "%s",
		 gh_api ? gh_api : ghc.api_url ? ghc.api_url : GITHUB_DEFAULT_API_URL);
	for (size_t l = strlen(gh_api_buf); l > 8 && gh_api_buf[l - 1] == '/'; l--)
		gh_api_buf[l - 1] = '\0';
	if (!config_path)
		for (int k = 0; k < GH_EVENT_N; k++)
			ghc.event_on[k] = -1;

	struct alert a = { 0 };
	a.report = read_report(argv[optind]);
	a.c_code = jget_str(a.report, "c_code") ? jget_str(a.report, "c_code") : "unknown";
	a.complete = strcmp(jget_str(a.report, "status"), "complete") == 0;
	const char *result = jget_str(jget(a.report, "verdict"), "result");
	a.significant = a.complete && result && strcmp(result, "significant") == 0;
	/* what changed since the last run, as sosr-track counted it */
	struct json_object *h = jget_obj(a.report, "history");
	if (h && json_object_get_boolean(jget(h, "history")) && jget_str(h, "previous")) {
		a.history = h;
		struct json_object *newly = jget_array(jget_obj(h, "exceptions"), "newly_expired");
		a.changed = jget_count(h, "new") > 0 || jget_count(h, "reopened") > 0 ||
			    jget_count(h, "resolved") > 0 || jget_count(h, "newly_aged") > 0 ||
			    (newly && json_object_array_length(newly) > 0);
	}
	for (int t = 0; t < ALERT_N; t++)
		a.post_daily[t] = cfg.alert.target[t].post_daily > 0;
	a.severity = severity ? severity : "error";
	char source_buf[160];
	snprintf(source_buf, sizeof source_buf, "sos-reconcile/%s", a.c_code);
	a.source = source ? source : source_buf;

	/* Every body first, then the secrets of the targets that send, then
	 * the requests. */
	for (int t = 0; t < ALERT_N; t++)
		if (use[t].on)
			targets[t].build(&a, &targets[t]);
	int failed = 0;
	http_global_init();
	/* GitHub's secondary rate limits answer 403 with Retry-After (often
	 * 60) or with no time, which means "a minute at least" */
	ho.rate_limit_403 = 1;
	ho.rate_limit_wait = ho.backoff_max > GITHUB_LIMIT_WAIT ? ho.backoff_max : GITHUB_LIMIT_WAIT;
	struct http_engine *e = http_engine_new(&ho, on_done, NULL);
	if (dry)
		print_dry(&a);
	else
		failed = deliver(&a, use, e, insecure > 0);
	if (use[ALERT_GITHUB].on)
		failed |= run_github(&a, &use[ALERT_GITHUB], &ghc, gh_api_buf, e, dry, insecure > 0);
	http_engine_free(e);
	http_global_cleanup();
	if (summary_path && !dry)
		write_summary(summary_path, &a, failed);
	out_close_stdout();
	for (size_t i = 0; i < a.n; i++)
		json_object_put(a.d[i].body);
	json_object_put(a.report);
	config_free(&cfg);
	return failed ? SOSR_EXIT_ALERT : SOSR_EXIT_OK;
}
