/*
 * github.c - the GitHub issues target of sosr-alert (github.h).
 *
 * The REST API as GitHub serves it (and GitHub Enterprise Server under
 * https://HOST/api/v3):
 *   GET   /repos/O/R/issues?labels=L&state=open&per_page=100   (Link: rel="next")
 *   POST  /repos/O/R/issues                {title, body, labels}
 *   POST  /repos/O/R/issues/N/comments     {body}
 *   PATCH /repos/O/R/issues/N              {title, body} or {state: "closed", state_reason}
 * with "Accept: application/vnd.github+json", "X-GitHub-Api-Version" and
 * "Authorization: Bearer TOKEN".
 *
 * For each event kind a run knows one of three things: the condition
 * holds (with a fingerprint of what holds: the failing stage and exit, the
 * set of aged findings, the expired exceptions), it does not, or nothing
 * is known (an incomplete run reconciled nothing: it says nothing of aged
 * findings).  Then: holds and no issue is open: open one; holds and one is
 * open with another fingerprint: comment what changed and rewrite the
 * body; the same fingerprint: nothing; does not hold and one is open:
 * comment and close.  Issues with the same marker beyond the first (a
 * create retried after a lost answer, a hand-made copy) are closed as
 * duplicates of the first, so that one condition has one issue.
 */
#include "github.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "finding.h"
#include "http.h"
#include "jsondoc.h"
#include "secret.h"
#include "sha256.h"
#include "text.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GH_API_VERSION "2022-11-28"
#define GH_PER_PAGE 100
#define GH_MAX_PAGES 100        /* 10000 open issues with the label */
#define GH_MAX_ROWS 100         /* findings listed in a body */
#define GH_MAX_DUPS 16
#define GH_BODY_MAX 60000       /* GitHub refuses bodies over 65536 characters */
#define GH_RESP_CAP (64u << 20)

/* ---- one request at a time through the engine ------------------------- */

struct gh_call {
	int done;
	enum http_result result;
	long status;
	int rate_limited;
	struct buf body;
	char *next;             /* Link: rel="next", or NULL */
	char detail[512];
};

/* The URL of rel="next" in a Link header, or NULL. */
static char *link_next(const char *link)
{
	const char *p = link;
	while (p && *p) {
		const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL;
		if (!gt)
			return NULL;
		const char *end = strchr(gt, ',');
		size_t seg = end ? (size_t)(end - gt) : strlen(gt);
		char params[256];
		snprintf(params, sizeof params, "%.*s", (int)(seg < 255 ? seg : 255), gt + 1);
		if (strstr(params, "rel=\"next\"") || strstr(params, "rel=next"))
			return xstrndup(lt + 1, (size_t)(gt - lt - 1));
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

static enum http_verdict gh_done(struct http_engine *e, struct http_request *req, struct http_response *resp,
				 void *user)
{
	(void)e;
	struct gh_call *c = user;
	c->done = 1;
	c->result = resp->result;
	c->status = resp->status;
	c->rate_limited = resp->rate_limited;
	snprintf(c->detail, sizeof c->detail, "%s", resp->detail);
	buf_reset(&c->body);
	if (resp->body.len && buf_add(&c->body, resp->body.data, resp->body.len) < 0)
		sosr_oom();
	free(c->next);
	const char *link = resp->result == HTTP_OK ? http_request_header(req, "Link") : NULL;
	c->next = link ? link_next(link) : NULL;
	return HTTP_ACCEPT;
}

struct gh {
	const struct github_job *job;
	const struct github_config *cfg;
	struct http_engine *e;
	char *auth;             /* "Authorization: Bearer ..." (a secret), or NULL */
	const char *label;      /* the marker label */
	char repo_url[600];     /* API/repos/O/R */
	int failed;
};

static void call_free(struct gh_call *c)
{
	buf_free(&c->body);
	free(c->next);
	memset(c, 0, sizeof *c);
}

/* METHOD URL with BODY (or NULL): 0 when GitHub accepted it. */
static int gh_call(struct gh *g, const char *method, const char *url, struct json_object *body, struct gh_call *c)
{
	call_free(c);
	buf_init(&c->body, GH_RESP_CAP);
	struct http_request *r = http_request_new(url);
	http_request_set_method(r, method);
	http_request_add_header(r, "Accept: application/vnd.github+json");
	http_request_add_header(r, "X-GitHub-Api-Version: " GH_API_VERSION);
	if (body) {
		const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
		http_request_add_header(r, "Content-Type: application/json");
		http_request_set_body(r, text, strlen(text));
	}
	if (g->auth)
		http_request_set_auth(r, g->auth);
	http_request_set_cred(r, "github");
	http_request_set_done(r, gh_done, c);
	http_submit(g->e, r);
	if (http_run(g->e) != 0 && !c->done)
		snprintf(c->detail, sizeof c->detail, "the HTTP engine failed");
	if (!c->done) {
		c->result = HTTP_E_BUDGET;
		if (!c->detail[0])
			snprintf(c->detail, sizeof c->detail, "the time budget ran out (--budget)");
	}
	return c->done && c->result == HTTP_OK ? 0 : -1;
}

/* GitHub's "message" in an error body, shown safely, or "". */
static void gh_message(const struct gh_call *c, char *out, size_t n)
{
	out[0] = '\0';
	if (!c->body.len)
		return;
	char why[64];
	struct json_object *o = jsondoc_parse(c->body.data, c->body.len, why, sizeof why);
	const char *m = jget_str(o, "message");
	if (m) {
		char shown[240];
		text_visible_into(shown, sizeof shown, m, strlen(m), 200);
		snprintf(out, n, ": %s", shown);
	}
	json_object_put(o);
}

/* Report the failure of C, done to WHAT ("list the open issues of"), and
 * fill ERR for the summary. */
static void gh_fail(struct gh *g, const char *what, const char *url, const struct gh_call *c, char *err, size_t n)
{
	const struct github_job *j = g->job;
	char *u = http_url_for_message(url);
	char msg[260];
	gh_message(c, msg, sizeof msg);
	const char *repo = g->cfg->repository;
	if (c->rate_limited)
		snprintf(err, n, "GitHub kept limiting the rate on %s (%s%s) through every retry; could not %s %s: "
			 "rerun later, or give the job a token of its own (the limits are per token)", u,
			 c->detail, msg, what, repo);
	else if (c->result == HTTP_E_AUTH && c->status == 401)
		snprintf(err, n, "HTTP 401 from GitHub on %s%s: the token in %s was rejected; could not %s %s: "
			 "check that the credential bound to it is a valid token that has not expired "
			 "(docs/jenkins.md)", u, msg, j->token_name, what, repo);
	else if (c->result == HTTP_E_AUTH)
		snprintf(err, n, "HTTP %ld from GitHub on %s%s: the token in %s may not %s %s "
			 "(alert.github.repository); it needs the permission Issues: read and write",
			 c->status, u, msg, j->token_name, what, repo);
	else if (c->result == HTTP_E_NOTFOUND)
		snprintf(err, n, "HTTP 404 from GitHub on %s: the repository %s (alert.github.repository) does "
			 "not exist at %s (alert.github.api_url), or the token in %s cannot see it (could not %s %s)",
			 u, repo, j->api_url, j->token_name, what, repo);
	else if (c->status == 410)
		snprintf(err, n, "HTTP 410 from GitHub on %s%s: issues are disabled in %s "
			 "(alert.github.repository); enable them, or name another repository", u, msg, repo);
	else if (c->status == 422)
		snprintf(err, n, "HTTP 422 from GitHub on %s%s: GitHub refused to %s %s; check "
			 "alert.github.labels", u, msg, what, repo);
	else if (c->result == HTTP_E_NETWORK || c->result == HTTP_E_TLS || c->result == HTTP_E_BUDGET)
		snprintf(err, n, "cannot reach GitHub at %s (alert.github.api_url) to %s %s: %s; check that the "
			 "agent reaches it (proxy, firewall, alert.ca_file)", j->api_url, what, repo, c->detail);
	else
		snprintf(err, n, "GitHub failed on %s to %s %s: %s%s; rerun later", u, what, repo, c->detail, msg);
	free(u);
	sosr_error("github: %s", err);
	g->failed = 1;
}

/* ---- what the run says ----------------------------------------------- */

enum { EV_UNKNOWN, EV_CLEAR, EV_HOLDS };

struct event {
	int kind;               /* enum gh_event */
	int cond;               /* EV_* */
	char fp[100];           /* what holds, no blanks */
	char since[40];         /* since when it holds */
	long long count;        /* aged findings, expired exceptions */
	char marker[120];       /* "<!-- sos-reconcile:ALC:aged -->" */
	struct buf title, body, change, clear;
	long long number;       /* the open issue, 0: none */
	char old_fp[100], old_since[40];
	long long dups[GH_MAX_DUPS];
	size_t ndups;
};

/* S for inline code in Markdown (and a table cell): made visible
 * (text.h), a backtick becomes a quote, '|' is escaped. */
static void md_code(struct buf *b, const char *s)
{
	struct buf v = BUF_INIT(0);
	text_visible(&v, s ? s : "", s ? strlen(s) : 0);
	buf_addch(b, '`');
	for (size_t i = 0; i < v.len; i++) {
		char c = v.data[i];
		if (c == '`')
			buf_addch(b, '\'');
		else if (c == '|')
			buf_addstr(b, "\\|");
		else
			buf_addch(b, c);
	}
	buf_addch(b, '`');
	buf_free(&v);
}

/* TEXT (lines) as a fenced block: each line made visible, a run of three
 * backticks broken. */
static void md_block(struct buf *b, const char *text)
{
	buf_addstr(b, "```text\n");
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		struct buf v = BUF_INIT(0);
		text_visible(&v, p, n);
		for (size_t i = 0; i < v.len; i++)
			buf_addch(b, v.data[i] == '`' ? '\'' : v.data[i]);
		buf_addch(b, '\n');
		buf_free(&v);
		p += n;
		if (*p)
			p++;
	}
	buf_addstr(b, "```\n");
}

static long long jint(struct json_object *o, const char *k, long long dflt)
{
	struct json_object *v = jget(o, k);
	return v && json_object_is_type(v, json_type_int) ? (long long)json_object_get_int64(v) : dflt;
}

static const char *jstr(struct json_object *o, const char *k, const char *dflt)
{
	const char *s = jget_str(o, k);
	return s ? s : dflt;
}

static void evidence(struct buf *b, struct json_object *report)
{
	const char *loc = jget_str(jget_obj(report, "soc2"), "evidence_location");
	buf_addstr(b, "**Evidence of this run:** ");
	md_code(b, loc ? loc : "_output/ of the job's workspace");
	buf_addstr(b, ": report.txt, report.json, report.html, run.log and manifest.json (the sha256 of every "
		      "file); the raw files and the request logs in raw/.\n");
}

static const char *footer =
	"\n---\nThis issue is kept by sos-reconcile (sosr-alert): a later run comments when the condition "
	"changes and closes the issue when it clears. Do not edit its first two lines.\n";

/* A failure matches the configured stages and exits. */
static int failure_matches(const struct github_config *g, const char *stage, long long code)
{
	int ok = g->n_stages == 0;
	for (size_t i = 0; i < g->n_stages && !ok; i++)
		ok = strcmp(g->stages[i], stage) == 0;
	if (!ok)
		return 0;
	if (g->n_exits == 0)
		return code >= SOSR_EXIT_USAGE;
	for (size_t i = 0; i < g->n_exits; i++)
		if (g->exits[i] == code)
			return 1;
	return 0;
}

static void decide_failed_run(const struct github_job *j, struct event *ev)
{
	struct json_object *r = j->report;
	const char *status = jstr(r, "status", "");
	if (strcmp(status, "complete") == 0) {
		ev->cond = EV_CLEAR;
		return;
	}
	struct json_object *fs = jget_array(r, "failures");
	struct json_object *f0 = fs && json_object_array_length(fs) ? json_object_array_get_idx(fs, 0) : NULL;
	const char *stage = jstr(f0, "stage", "run");
	long long code = jint(f0, "exit", SOSR_EXIT_INTERNAL);
	if (!failure_matches(j->cfg, stage, code))
		return; /* not an event this job escalates: leave any issue as it is */
	ev->cond = EV_HOLDS;
	char st[64];
	size_t k = 0;
	for (const char *p = stage; *p && k < sizeof st - 1; p++)
		st[k++] = *p == ' ' || *p == '\t' ? '-' : *p;
	st[k] = '\0';
	snprintf(ev->fp, sizeof ev->fp, "%s:%lld", st, code);
}

/* The aged findings of a complete run: "aged":true and no exception. */
static int is_aged(struct json_object *f)
{
	struct json_object *a = jget(f, "aged");
	return a && json_object_get_boolean(a) && !jget(f, "exception") && jget_str(f, "status");
}

static void decide_aged(const struct github_job *j, struct event *ev)
{
	struct json_object *r = j->report;
	if (strcmp(jstr(r, "status", ""), "complete") != 0 || !jget_obj(r, "history"))
		return; /* nothing reconciled, or no lifecycle: nothing known */
	struct json_object *fs = jget_array(r, "findings");
	struct sha256 h;
	sha256_init(&h);
	long long n = 0;
	const char *oldest = NULL;
	for (size_t i = 0; fs && i < json_object_array_length(fs); i++) {
		struct json_object *f = json_object_array_get_idx(fs, i);
		if (!is_aged(f))
			continue;
		n++;
		const char *parts[] = { jstr(f, "type", ""), jstr(f, "side", ""), jstr(f, "key", "") };
		for (size_t p = 0; p < 3; p++)
			sha256_update(&h, parts[p], strlen(parts[p]) + 1);
		const char *fsn = jget_str(f, "first_seen");
		if (fsn && (!oldest || strcmp(fsn, oldest) < 0))
			oldest = fsn;
	}
	char hex[SHA256_HEX_LEN + 1];
	sha256_final_hex(&h, hex);
	ev->count = n;
	if (!n) {
		ev->cond = EV_CLEAR;
		return;
	}
	ev->cond = EV_HOLDS;
	snprintf(ev->fp, sizeof ev->fp, "%lld:%.16s", n, hex);
	snprintf(ev->since, sizeof ev->since, "%.39s", oldest ? oldest : jstr(r, "started", "?"));
}

static void decide_expired(const struct github_job *j, struct event *ev)
{
	struct json_object *r = j->report;
	struct json_object *h = jget_obj(r, "history");
	if (strcmp(jstr(r, "status", ""), "complete") != 0 || !h)
		return;
	struct json_object *ex = jget_obj(h, "exceptions");
	struct json_object *exp = jget_array(ex, "expired");
	size_t n = exp ? json_object_array_length(exp) : 0;
	ev->count = (long long)n;
	if (!n) {
		ev->cond = EV_CLEAR;
		return;
	}
	ev->cond = EV_HOLDS;
	size_t k = 0;
	const char *oldest = NULL;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e1 = json_object_array_get_idx(exp, i);
		const char *id = jstr(e1, "id", "?");
		int w = snprintf(ev->fp + k, sizeof ev->fp - k, "%s%s", i ? "," : "", id);
		if (w < 0 || (size_t)w >= sizeof ev->fp - k) {
			/* many: their count and a digest */
			struct sha256 sh;
			sha256_init(&sh);
			for (size_t q = 0; q < n; q++) {
				const char *s = jstr(json_object_array_get_idx(exp, q), "id", "?");
				sha256_update(&sh, s, strlen(s) + 1);
			}
			char hex[SHA256_HEX_LEN + 1];
			sha256_final_hex(&sh, hex);
			snprintf(ev->fp, sizeof ev->fp, "%zu:%.16s", n, hex);
			break;
		}
		k += (size_t)w;
		const char *when = jget_str(e1, "expired");
		if (when && (!oldest || strcmp(when, oldest) < 0))
			oldest = when;
	}
	for (char *p = ev->fp; *p; p++)
		if (*p == ' ' || *p == '\t')
			*p = '_';
	snprintf(ev->since, sizeof ev->since, "%.39s", oldest ? oldest : jstr(r, "started", "?"));
}

/* ---- what is written ------------------------------------------------- */

static void tickets_text(struct buf *b, struct json_object *report)
{
	struct json_object *t = jget_array(report, "tickets");
	for (size_t i = 0; t && i < json_object_array_length(t); i++) {
		struct json_object *t1 = json_object_array_get_idx(t, i);
		const char *text = jget_str(t1, "text");
		if (!text)
			continue;
		buf_printf(b, "\n### %s (ready to paste)\n\n", jstr(t1, "title", "Ticket"));
		md_block(b, text);
	}
}

static void failure_lines(struct buf *b, struct json_object *report)
{
	struct json_object *fs = jget_array(report, "failures");
	for (size_t i = 0; fs && i < json_object_array_length(fs); i++) {
		struct json_object *f = json_object_array_get_idx(fs, i);
		long long code = jint(f, "exit", SOSR_EXIT_INTERNAL);
		buf_addstr(b, i ? "| Then |" : "| Stage |");
		buf_addch(b, ' ');
		md_code(b, jstr(f, "stage", "?"));
		buf_printf(b, ", exit %lld (%s) |\n| Error | ", code, jstr(f, "meaning", exit_meaning((int)code)));
		md_code(b, jstr(f, "error", "(no error line)"));
		buf_addstr(b, " |\n");
	}
}

static void build_failed_run(const struct github_job *j, struct event *ev)
{
	struct json_object *r = j->report;
	const char *started = jstr(r, "started", "?");
	struct json_object *fs = jget_array(r, "failures");
	struct json_object *f0 = fs && json_object_array_length(fs) ? json_object_array_get_idx(fs, 0) : NULL;
	const char *stage = jstr(f0, "stage", "run");
	long long code = jint(f0, "exit", SOSR_EXIT_INTERNAL);
	const char *meaning = jstr(f0, "meaning", exit_meaning((int)code));
	buf_printf(&ev->title, "sos-reconcile %s: the run fails: %s exited %lld (%s)", j->c_code, stage, code,
		   meaning);
	struct buf *b = &ev->body;
	buf_printf(b, "The daily sos-reconcile run of C_Code **%s** does not complete: nothing was reconciled, "
		      "so no report says whether a device is missing from SOS.\n\n", j->c_code);
	buf_printf(b, "| | |\n|---|---|\n| Failing since | %s |\n| Last failed run | started %s |\n",
		   ev->since, started);
	failure_lines(b, r);
	buf_printf(b, "\n**What to check** (docs/RUNBOOK.md, \"Exit %lld\"): %s.\n\n", code,
		   exit_runbook((int)code));
	evidence(b, r);
	tickets_text(b, r);
	buf_addstr(b, footer);
	/* the comment when the failure changed */
	char was[100];
	snprintf(was, sizeof was, "%.99s", ev->old_fp);
	char *colon = strrchr(was, ':');
	if (colon)
		*colon = '\0';
	buf_printf(&ev->change, "The failure changed (run started %s): now `%s` exits %lld (%s)", started, stage,
		   code, meaning);
	if (colon)
		buf_printf(&ev->change, "; it was `%s`, exit %s (%s)", was, colon + 1,
			   exit_meaning(atoi(colon + 1)));
	buf_printf(&ev->change, ".\n\n| | |\n|---|---|\n");
	failure_lines(&ev->change, r);
	buf_printf(&ev->change, "\n**What to check** (docs/RUNBOOK.md, \"Exit %lld\"): %s.\n\n", code,
		   exit_runbook((int)code));
	evidence(&ev->change, r);
	tickets_text(&ev->change, r);
	buf_printf(&ev->clear, "The run started %s completed: the failure is over (it was failing since %s). "
		   "Closing.\n", started, ev->old_since[0] ? ev->old_since : "the issue was opened");
}

static void aged_table(struct buf *b, struct json_object *report)
{
	struct json_object *fs = jget_array(report, "findings");
	long long listed = 0, total = 0;
	int seen[FT_N] = { 0 };
	buf_addstr(b, "| Finding | Key | Open since | Age (days) | Runs | Status |\n|---|---|---|---|---|---|\n");
	for (size_t i = 0; fs && i < json_object_array_length(fs); i++) {
		struct json_object *f = json_object_array_get_idx(fs, i);
		if (!is_aged(f))
			continue;
		total++;
		const char *type = jstr(f, "type", "?");
		int t = finding_type_from_name(type, strlen(type));
		if (t >= 0)
			seen[t] = 1;
		if (listed >= GH_MAX_ROWS)
			continue;
		listed++;
		buf_printf(b, "| %s %s%s%s | ", type, jstr(f, "kind", ""), jget_str(f, "side") ? " on " : "",
			   jstr(f, "side", ""));
		md_code(b, jstr(f, "key", "?"));
		buf_printf(b, " | %s | %lld | %lld | %s |\n", jstr(f, "first_seen", "?"), jint(f, "age_days", -1),
			   jint(f, "runs", -1), jstr(f, "status", "?"));
	}
	if (total > listed)
		buf_printf(b, "\nand %lld more: every one is in report.json and csv/findings.csv.\n", total - listed);
	buf_addstr(b, "\n**What to do** (docs/RUNBOOK.md, \"Exit 1\"):\n");
	for (int t = 0; t < FT_NFINDINGS; t++)
		if (seen[t])
			buf_printf(b, "- `%s`: %s.\n", finding_type_names[t], finding_type_action((enum finding_type)t));
	buf_addstr(b, "\nOr, for a risk that is accepted, an exception with its ticket and approval "
		      "(docs/CONFIG.md, `exceptions`).\n\n");
}

static void build_aged(const struct github_job *j, struct event *ev)
{
	struct json_object *r = j->report;
	long long sla = jint(jget_obj(r, "thresholds"), "sla_days", 0);
	const char *started = jstr(r, "started", "?");
	buf_printf(&ev->title, "sos-reconcile %s: %lld finding%s open longer than the SLA of %lld days", j->c_code,
		   ev->count, ev->count == 1 ? "" : "s", sla);
	struct buf *b = &ev->body;
	buf_printf(b, "%lld finding%s of C_Code **%s** %s been open longer than the SLA (thresholds.sla_days: "
		      "%lld days), the oldest since %s (run started %s).\n\n", ev->count, ev->count == 1 ? "" : "s",
		   j->c_code, ev->count == 1 ? "has" : "have", sla, ev->since, started);
	aged_table(b, r);
	evidence(b, r);
	buf_addstr(b, footer);
	long long was = ev->old_fp[0] ? atoll(ev->old_fp) : 0;
	struct json_object *h = jget_obj(r, "history");
	buf_printf(&ev->change, "The findings aged past the SLA changed (run started %s): now %lld, was %lld; "
		   "%lld newly aged since the last run.\n\n", started, ev->count, was, jint(h, "newly_aged", 0));
	aged_table(&ev->change, r);
	evidence(&ev->change, r);
	buf_printf(&ev->clear, "No finding is open longer than the SLA any more (run started %s): they were "
		   "fixed, resolved or covered by an exception. Closing.\n", started);
}

static void build_expired(const struct github_job *j, struct event *ev)
{
	struct json_object *r = j->report;
	const char *started = jstr(r, "started", "?");
	struct json_object *ex = jget_obj(jget_obj(r, "history"), "exceptions");
	buf_printf(&ev->title, "sos-reconcile %s: %lld exception%s expired", j->c_code, ev->count,
		   ev->count == 1 ? "" : "s");
	struct buf tbl = BUF_INIT(0);
	buf_addstr(&tbl, "| Exception | Expired |\n|---|---|\n");
	struct json_object *exp = jget_array(ex, "expired");
	for (size_t i = 0; exp && i < json_object_array_length(exp) && i < GH_MAX_ROWS; i++) {
		struct json_object *e1 = json_object_array_get_idx(exp, i);
		buf_addstr(&tbl, "| ");
		md_code(&tbl, jstr(e1, "id", "?"));
		buf_printf(&tbl, " | %s |\n", jstr(e1, "expired", "?"));
	}
	buf_addstr(&tbl, "\n**What to do** (docs/CONFIG.md, `exceptions`): renew the exception (a new `expires`, "
			 "approved again, with its ticket) or, once its finding is fixed, remove it from the file. "
			 "Until then the findings it covered count toward the thresholds again.\n\n");
	struct buf *b = &ev->body;
	buf_printf(b, "%lld accepted risk%s in the exceptions file of C_Code **%s** (", ev->count,
		   ev->count == 1 ? "" : "s", j->c_code);
	md_code(b, jstr(ex, "file", "exceptions.json"));
	buf_printf(b, ") expired, the first on %s (run started %s).\n\n", ev->since, started);
	buf_add(b, tbl.data, tbl.len);
	evidence(b, r);
	buf_addstr(b, footer);
	buf_printf(&ev->change, "The expired exceptions changed (run started %s): now %lld.\n\n", started,
		   ev->count);
	buf_add(&ev->change, tbl.data, tbl.len);
	buf_printf(&ev->clear, "No exception of the file has expired any more (run started %s): renewed or "
		   "removed. Closing.\n", started);
	buf_free(&tbl);
}

/* The body as sent: the marker, the state, the text; capped. */
static void full_body(struct buf *out, const struct event *ev, const char *text)
{
	buf_printf(out, "%s\n<!-- sos-reconcile:state %s %s -->\n", ev->marker, ev->fp, ev->since);
	size_t n = strlen(text);
	if (n > GH_BODY_MAX) {
		/* cut at a line */
		while (n > 0 && (n > GH_BODY_MAX || text[n - 1] != '\n'))
			n--;
		buf_add(out, text, n);
		buf_addstr(out, "\n(cut: the rest is in the run's report.json)\n");
	} else {
		buf_add(out, text, n);
	}
}

/* ---- the open issues ------------------------------------------------- */

/* Does BODY start with the line MARKER?  Then the state line after it. */
static int body_is(const char *body, const char *marker, struct event *ev)
{
	size_t m = strlen(marker);
	if (strncmp(body, marker, m) != 0)
		return 0;
	const char *p = body + m;
	if (*p == '\r')
		p++;
	if (*p != '\n')
		return 0;
	p++;
	static const char st[] = "<!-- sos-reconcile:state ";
	if (strncmp(p, st, sizeof st - 1) == 0) {
		p += sizeof st - 1;
		size_t a = strcspn(p, " \r\n");
		snprintf(ev->old_fp, sizeof ev->old_fp, "%.*s", (int)a, p);
		p += a;
		if (*p == ' ') {
			p++;
			size_t b = strcspn(p, " \r\n");
			snprintf(ev->old_since, sizeof ev->old_since, "%.*s", (int)b, p);
			if (strcmp(ev->old_since, "-->") == 0)
				ev->old_since[0] = '\0';
		}
	}
	return 1;
}

/* Read every open issue with the marker label, page by page; 0, or -1
 * (reported). */
static int list_issues(struct gh *g, struct event *evs)
{
	char *label = http_escape(g->label);
	struct buf url = BUF_INIT(0);
	buf_printf(&url, "%s/issues?labels=%s&state=open&per_page=%d", g->repo_url, label, GH_PER_PAGE);
	free(label);
	struct gh_call c = { 0 };
	int rc = 0;
	for (int page = 0; page < GH_MAX_PAGES; page++) {
		char err[1200];
		if (gh_call(g, "GET", url.data, NULL, &c) < 0) {
			gh_fail(g, "list the open issues of", url.data, &c, err, sizeof err);
			g->job->record(g->job->user, "github list", "github list", 0, err);
			rc = -1;
			break;
		}
		char why[120];
		struct json_object *arr = jsondoc_parse(c.body.data ? c.body.data : "", c.body.len, why, sizeof why);
		if (!arr || !json_object_is_type(arr, json_type_array)) {
			json_object_put(arr);
			char *u = http_url_for_message(url.data);
			snprintf(err, sizeof err, "GitHub's answer on %s is not a list of issues; check "
				 "alert.github.api_url (%s; for GitHub Enterprise https://HOST/api/v3)", u,
				 g->job->api_url);
			free(u);
			sosr_error("github: %s", err);
			g->failed = 1;
			g->job->record(g->job->user, "github list", "github list", 0, err);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *is = json_object_array_get_idx(arr, i);
			if (jget(is, "pull_request"))
				continue;
			const char *body = jget_str(is, "body");
			long long num = jint(is, "number", 0);
			if (!body || num <= 0)
				continue;
			for (int k = 0; k < GH_EVENT_N; k++) {
				struct event probe = { 0 };
				if (!body_is(body, evs[k].marker, &probe))
					continue;
				/* the oldest is the issue; the others duplicates */
				if (!evs[k].number || num < evs[k].number) {
					if (evs[k].number && evs[k].ndups < GH_MAX_DUPS)
						evs[k].dups[evs[k].ndups++] = evs[k].number;
					evs[k].number = num;
					memcpy(evs[k].old_fp, probe.old_fp, sizeof probe.old_fp);
					memcpy(evs[k].old_since, probe.old_since, sizeof probe.old_since);
				} else if (evs[k].ndups < GH_MAX_DUPS) {
					evs[k].dups[evs[k].ndups++] = num;
				}
			}
		}
		json_object_put(arr);
		if (!c.next)
			break;
		/* the token goes to the API's own host only */
		size_t al = strlen(g->job->api_url);
		if (strncmp(c.next, g->job->api_url, al) != 0 || c.next[al] != '/') {
			char *u = http_url_for_message(c.next);
			snprintf(err, sizeof err, "GitHub's next page is on another host (%s), not under %s "
				 "(alert.github.api_url); the token is not sent there", u, g->job->api_url);
			free(u);
			sosr_error("github: %s", err);
			g->failed = 1;
			g->job->record(g->job->user, "github list", "github list", 0, err);
			rc = -1;
			break;
		}
		buf_reset(&url);
		buf_addstr(&url, c.next);
	}
	call_free(&c);
	buf_free(&url);
	return rc;
}

/* ---- actions --------------------------------------------------------- */

static struct json_object *jobj_str(const char *k, const char *v)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, k, json_object_new_string(v));
	return o;
}

/* One write: METHOD on URL with BODY (owned); in a dry run printed.  DONE
 * says what happened ("commented"); the action is recorded (for the
 * summary) when it failed or when it is the last step (LAST). */
static int act(struct gh *g, const char *kind, const char *label, const char *what, const char *method,
	       const char *url, struct json_object *body, const char *done, int last)
{
	const struct github_job *j = g->job;
	if (j->dry) {
		printf("%s: would be %s: %s %s\n", label, done, method,
		       json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(body);
		return 0;
	}
	struct gh_call c = { 0 };
	int rc = gh_call(g, method, url, body, &c);
	json_object_put(body);
	if (rc < 0) {
		char err[1200];
		gh_fail(g, what, url, &c, err, sizeof err);
		j->record(j->user, kind, label, 0, err);
	} else {
		char why[64];
		struct json_object *o = jsondoc_parse(c.body.data ? c.body.data : "", c.body.len, why, sizeof why);
		long long num = jint(o, "number", 0);
		/* GitHub drops the labels a token may not set, silently: an
		 * issue without the marker label is not found by the next run */
		int labelled = strcmp(done, "opened") != 0;
		struct json_object *ls = jget_array(o, "labels");
		for (size_t i = 0; ls && i < json_object_array_length(ls) && !labelled; i++) {
			struct json_object *l = json_object_array_get_idx(ls, i);
			const char *name = json_object_is_type(l, json_type_string) ? json_object_get_string(l)
										  : jget_str(l, "name");
			labelled = name && strcmp(name, g->label) == 0;
		}
		json_object_put(o);
		if (num > 0 && strcmp(done, "opened") == 0)
			printf("%s: opened issue #%lld (HTTP %ld)\n", label, num, c.status);
		else
			printf("%s: %s (HTTP %ld)\n", label, done, c.status);
		if (!labelled) {
			char err[600];
			snprintf(err, sizeof err, "GitHub opened issue #%lld in %s without the label '%s' (the first of "
				 "alert.github.labels): the token in %s may not set labels (it needs Issues: write, "
				 "or push access), and the next run would not find the issue; add the label by hand "
				 "and fix the token's permission", num, g->cfg->repository, g->label, j->token_name);
			sosr_error("github: %s", err);
			g->failed = 1;
			j->record(j->user, kind, label, 0, err);
		} else if (last) {
			j->record(j->user, kind, label, 1, NULL);
		}
	}
	call_free(&c);
	return rc;
}

static int comment(struct gh *g, const char *kind, const char *label, long long num, const char *text)
{
	char url[700], what[64];
	snprintf(url, sizeof url, "%s/issues/%lld/comments", g->repo_url, num);
	snprintf(what, sizeof what, "comment on issue #%lld of", num);
	return act(g, kind, label, what, "POST", url, jobj_str("body", text), "commented", 0);
}

static int patch(struct gh *g, const char *kind, const char *label, long long num, struct json_object *body,
		 const char *done)
{
	char url[700], what[64];
	snprintf(url, sizeof url, "%s/issues/%lld", g->repo_url, num);
	snprintf(what, sizeof what, "update issue #%lld of", num);
	return act(g, kind, label, what, "PATCH", url, body, done, 1);
}

static struct json_object *closing(const char *reason)
{
	struct json_object *o = jobj_str("state", "closed");
	json_object_object_add(o, "state_reason", json_object_new_string(reason));
	return o;
}

static void handle(struct gh *g, struct event *ev)
{
	const struct github_job *j = g->job;
	char name[160], label[220];
	snprintf(name, sizeof name, "sos-reconcile/%s/%s", j->c_code, gh_event_names[ev->kind]);
	/* duplicates first: one condition, one issue */
	for (size_t i = 0; i < ev->ndups; i++) {
		char text[200];
		snprintf(label, sizeof label, "github close #%lld %s (duplicate)", ev->dups[i], name);
		snprintf(text, sizeof text, "A duplicate of #%lld, which sos-reconcile keeps for this condition. "
			 "Closing.", ev->number);
		if (comment(g, "github close", label, ev->dups[i], text) == 0)
			patch(g, "github close", label, ev->dups[i], closing("not_planned"), "closed");
	}
	if (ev->cond == EV_UNKNOWN) {
		if (ev->number)
			printf("github: %s: issue #%lld left as it is (this run cannot tell)\n", name, ev->number);
		return;
	}
	if (ev->cond == EV_CLEAR) {
		if (!ev->number)
			return;
		snprintf(label, sizeof label, "github close #%lld %s", ev->number, name);
		struct buf t = BUF_INIT(0);
		buf_printf(&t, "%s\n%s", ev->marker, ev->clear.data ? ev->clear.data : "");
		if (comment(g, "github close", label, ev->number, t.data) == 0)
			patch(g, "github close", label, ev->number, closing("completed"), "closed");
		buf_free(&t);
		return;
	}
	if (ev->number && strcmp(ev->old_fp, ev->fp) == 0) {
		printf("github: %s: issue #%lld is open and nothing changed; quiet\n", name, ev->number);
		j->record(j->user, NULL, name, 1, NULL);
		return;
	}
	struct buf body = BUF_INIT(0);
	full_body(&body, ev, ev->body.data ? ev->body.data : "");
	if (!ev->number) {
		snprintf(label, sizeof label, "github open %s", name);
		char url[700];
		snprintf(url, sizeof url, "%s/issues", g->repo_url);
		struct json_object *o = jobj_str("title", ev->title.data);
		json_object_object_add(o, "body", json_object_new_string(body.data));
		struct json_object *ls = json_object_new_array();
		for (size_t i = 0; i < (g->cfg->n_labels ? g->cfg->n_labels : 1); i++)
			json_object_array_add(ls, json_object_new_string(g->cfg->n_labels ? g->cfg->labels[i]
								   : GITHUB_DEFAULT_LABEL));
		json_object_object_add(o, "labels", ls);
		act(g, "github open", label, "open an issue in", "POST", url, o, "opened", 1);
	} else {
		snprintf(label, sizeof label, "github comment #%lld %s", ev->number, name);
		struct buf t = BUF_INIT(0);
		buf_printf(&t, "%s\n%s", ev->marker, ev->change.data ? ev->change.data : "");
		if (comment(g, "github comment", label, ev->number, t.data) == 0) {
			struct json_object *o = jobj_str("title", ev->title.data);
			json_object_object_add(o, "body", json_object_new_string(body.data));
			patch(g, "github comment", label, ev->number, o, "updated");
		}
		buf_free(&t);
	}
	buf_free(&body);
}

int github_escalate(struct http_engine *e, const struct github_job *j)
{
	struct gh g = { 0 };
	g.job = j;
	g.cfg = j->cfg;
	g.e = e;
	g.label = j->cfg->n_labels ? j->cfg->labels[0] : GITHUB_DEFAULT_LABEL;
	snprintf(g.repo_url, sizeof g.repo_url, "%s/repos/%s", j->api_url, j->cfg->repository);
	struct event evs[GH_EVENT_N];
	memset(evs, 0, sizeof evs);
	int any = 0;
	for (int k = 0; k < GH_EVENT_N; k++) {
		struct event *ev = &evs[k];
		ev->kind = k;
		snprintf(ev->marker, sizeof ev->marker, "<!-- sos-reconcile:%s:%s -->", j->c_code, gh_event_names[k]);
		if (j->cfg->event_on[k] == 0)
			continue;
		if (k == GH_FAILED_RUN)
			decide_failed_run(j, ev);
		else if (k == GH_AGED)
			decide_aged(j, ev);
		else
			decide_expired(j, ev);
		any |= ev->cond != EV_UNKNOWN;
	}
	if (!any) {
		printf("github: nothing to do (this run tells nothing the configured events follow)\n");
		return 0;
	}
	if (j->token) {
		struct buf a = BUF_INIT(0);
		buf_reserve(&a, strlen(j->token) + 40);
		buf_printf(&a, "Authorization: Bearer %s", j->token);
		g.auth = buf_detach(&a, NULL);
	}
	int listed = -1;
	if (j->token)
		listed = list_issues(&g, evs);
	else
		printf("github: %s is not available: the open issues cannot be read; what would be done if none "
		       "is open:\n", j->token_name);
	if (listed == 0 || (!j->token && j->dry)) {
		for (int k = 0; k < GH_EVENT_N; k++) {
			struct event *ev = &evs[k];
			if (k == GH_FAILED_RUN && ev->cond == EV_HOLDS)
				snprintf(ev->since, sizeof ev->since, "%.39s",
					 ev->number && ev->old_since[0] ? ev->old_since : jstr(j->report, "started", "?"));
			if (ev->cond == EV_HOLDS || ev->cond == EV_CLEAR) {
				if (k == GH_FAILED_RUN)
					build_failed_run(j, ev);
				else if (k == GH_AGED)
					build_aged(j, ev);
				else
					build_expired(j, ev);
			}
			handle(&g, ev);
		}
	}
	for (int k = 0; k < GH_EVENT_N; k++) {
		buf_free(&evs[k].title);
		buf_free(&evs[k].body);
		buf_free(&evs[k].change);
		buf_free(&evs[k].clear);
	}
	secret_free(g.auth);
	return g.failed;
}
