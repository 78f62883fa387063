/*
 * github.h - sosr-alert's GitHub issues target: one open issue per C_Code
 * and event kind (a failed run, findings aged past the SLA, an expired
 * exception), opened, commented on when it changed, closed when it cleared
 * (docs/FORMATS.md, "Alerts"; docs/RUNBOOK.md, "Escalation").
 *
 * An issue is found by the marker label (the first of alert.github.labels)
 * among the repository's open issues, and by the first line of its body,
 * the hidden marker "<!-- sos-reconcile:C_CODE:KIND -->".  Its second line,
 * "<!-- sos-reconcile:state FINGERPRINT SINCE -->", says what it last
 * reported, so that a run comments only when the condition changed.  Only
 * the first line counts: text that came from an API and is quoted in a
 * body can never pass for a marker.
 *
 * Every request goes through the alert's HTTP engine (its retries, its
 * budget; GitHub's rate limits as http.h describes), with the token in
 * the Authorization header only.
 */
#ifndef SOSR_ALERT_GITHUB_H
#define SOSR_ALERT_GITHUB_H

struct http_engine;
struct json_object;
struct github_config;

struct github_job {
	const struct github_config *cfg;
	const char *api_url;        /* without a trailing slash */
	const char *token;          /* NULL: not available (--dry-run only) */
	const char *token_name;     /* for messages: "GITHUB_TOKEN (alert.github.token_env)" */
	struct json_object *report; /* report.json */
	const char *c_code;
	int dry;                    /* print what would be done; read, never write */
	/* one call per action done or tried: KIND "github open", "github
	 * comment", "github close"; LABEL names the issue; ERROR when it
	 * failed; KIND NULL: an open issue that already says it (quiet) */
	void (*record)(void *user, const char *kind, const char *label, int ok, const char *error);
	void *user;
};

/* Do what the run says on JOB's repository, printing one line per action
 * on standard output; 0, or 1 when anything failed (reported). */
int github_escalate(struct http_engine *e, const struct github_job *job);

#endif
