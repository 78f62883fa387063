/*
 * tickets.c - the ready-to-paste ticket of a run that failed because of an
 * API (docs/RUNBOOK.md, "Raising a ticket"): an SOS ticket when SOS
 * rejected the token, answered errors, returned a wrong count, or could not
 * be reached while SoftLayer could; a SoftLayer support case the same way
 * round.  Built from the failure (stage, exit, error line) and the last
 * failed attempt of the stage's request log (raw/SIDE.requests.ndjson,
 * docs/FORMATS.md "Request log"): its UTC time, method, URL (the log's,
 * without secrets), HTTP status or curl error, and the API's own error
 * (api_error).  Every value from outside goes through text_visible.
 *
 * The same input gives the same bytes: nothing here reads a clock.
 */
#include "render.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "jsondoc.h"
#include "text.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_LINE_MAX (64u << 10)

/* What a request log says: the last failed attempt, whether any attempt
 * got an answer, and the last line at all. */
struct reqlog {
	int present;
	int answered;                 /* some attempt had an HTTP status */
	struct json_object *failed;   /* the last line with an error, or NULL */
	struct json_object *last;     /* the last line */
};

static void reqlog_read(const char *dir, const char *side, struct reqlog *rl)
{
	memset(rl, 0, sizeof *rl);
	if (!dir)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.requests.ndjson", dir, side);
	FILE *fp = fopen(path, "r");
	if (!fp) {
		if (errno != ENOENT)
			sosr_warn("cannot read the request log '%s' (%s); the ticket has no request details", path,
				  strerror(errno));
		return;
	}
	rl->present = 1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if ((size_t)n > LOG_LINE_MAX)
			continue;
		char why[64];
		struct json_object *o = jsondoc_parse(line, (size_t)n, why, sizeof why);
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			continue;
		}
		struct json_object *st = jget(o, "status");
		if (st && json_object_get_int(st) > 0)
			rl->answered = 1;
		if (jget_str(o, "error")) {
			json_object_put(rl->failed);
			rl->failed = json_object_get(o);
		}
		json_object_put(rl->last);
		rl->last = o;
	}
	free(line);
	fclose(fp);
}

static void reqlog_free(struct reqlog *rl)
{
	json_object_put(rl->failed);
	json_object_put(rl->last);
}

/* S shown safely, appended to B */
static void vis(struct buf *b, const char *s)
{
	if (text_visible(b, s, strlen(s)) < 0)
		sosr_oom();
}

static const char *short_what(int code)
{
	switch (code) {
	case SOSR_EXIT_AUTH: return "rejected the job's credentials";
	case SOSR_EXIT_NETWORK: return "could not be reached";
	case SOSR_EXIT_API: return "kept answering errors";
	case SOSR_EXIT_INCOMPLETE: return "returned fewer or more records than it said it has";
	default: return "failed";
	}
}

static void field(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "%-18s ", name);
	vis(b, value);
	buf_addch(b, '\n');
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

/* The ticket of failure F against SYSTEM, from its request log RL. */
static struct json_object *ticket(const struct run *run, const struct tickets_config *tc, int system,
				  const struct failure *f, const struct reqlog *rl)
{
	int sos = system == TICKET_SOS;
	const char *api = sos ? "SOS API" : "SoftLayer API";
	const char *group = tc && tc->group[system] ? tc->group[system]
				: sos ? TICKET_DEFAULT_SOS_GROUP : TICKET_DEFAULT_SOFTLAYER_GROUP;
	long sev = tc && tc->severity[system] > 0 ? tc->severity[system] : TICKET_DEFAULT_SEVERITY;
	const char *c_code = run->c_code ? run->c_code : "(not given)";
	struct json_object *line = rl->failed ? rl->failed : rl->last;
	const char *time = jget_str(line, "time"), *method = jget_str(line, "method"), *url = jget_str(line, "url");
	const char *err = rl->failed ? jget_str(line, "error") : NULL;
	const char *account = !sos ? jget_str(line, "credential") : NULL;
	long status = line && jget(line, "status") ? (long)json_object_get_int(jget(line, "status")) : 0;
	struct json_object *ae = jget_obj(line, "api_error");
	const char *api_code = jget_str(ae, "code"), *api_msg = jget_str(ae, "message");
	int curl = -1;
	const char *ce = err ? strstr(err, "(curl error ") : NULL;
	if (ce)
		curl = atoi(ce + 12);

	struct buf summary = BUF_INIT(0);
	buf_printf(&summary, "sos-reconcile %s: the %s %s", c_code, api, short_what(f->exit));
	if (status)
		buf_printf(&summary, " (HTTP %ld)", status);
	else if (curl >= 0)
		buf_printf(&summary, " (curl error %d)", curl);

	struct buf t = BUF_INIT(0);
	buf_printf(&t, "==== %s: ready to paste ====\n", sos ? "SOS ticket" : "SoftLayer support case");
	field(&t, "Assignment group:", group);
	buf_printf(&t, "%-18s %ld\n", "Severity:", sev);
	field(&t, "C_Code:", c_code);
	if (!sos)
		field(&t, "Account:", account ? account : "(unknown: no request log)");
	field(&t, "Short description:", summary.data);
	buf_addstr(&t, "Description:\n");
	buf_printf(&t, "  The daily SoftLayer/SOS reconciliation (sos-reconcile) of C_Code %s failed because the "
		       "%s %s; nothing was reconciled.\n", c_code, api, short_what(f->exit));
	buf_addstr(&t, "  Time of the failing request (UTC): ");
	vis(&t, time ? time : "(unknown: no request log)");
	buf_addstr(&t, "\n  Request: ");
	if (method) {
		vis(&t, method);
		buf_addch(&t, ' ');
	}
	vis(&t, url ? url : "(unknown: no request log)");
	if (status)
		buf_printf(&t, "\n  HTTP status: %ld", status);
	else if (err)
		buf_addstr(&t, "\n  HTTP status: none (no answer)");
	if (err && !status) {
		buf_addstr(&t, "\n  Transfer error: ");
		vis(&t, err);
	}
	if (api_msg || api_code) {
		buf_addstr(&t, "\n  Error from the API: ");
		vis(&t, api_msg ? api_msg : "(no message)");
		if (api_code) {
			buf_addstr(&t, sos ? " (code " : "\n  SoftLayer error code: ");
			vis(&t, api_code);
			if (sos)
				buf_addch(&t, ')');
		}
	} else if (!sos && status) {
		buf_addstr(&t, "\n  SoftLayer error code: (none in the answer)");
	}
	if (line && jget(line, "attempt"))
		buf_printf(&t, "\n  Attempts: %d (with the job's retries)", json_object_get_int(jget(line, "attempt")));
	buf_addstr(&t, "\n  Error of the job: ");
	vis(&t, f->message);
	buf_printf(&t, "\n  Evidence: the run's raw/%s.requests.ndjson, run.log and manifest.json\n",
		   sos ? "sos" : "softlayer");
	buf_addstr(&t, "==== end of the ticket ====\n");

	struct json_object *o = json_object_new_object();
	add_str(o, "system", sos ? "sos" : "softlayer");
	add_str(o, "title", sos ? "SOS ticket" : "SoftLayer support case");
	add_str(o, "assignment_group", group);
	json_object_object_add(o, "severity", json_object_new_int((int)sev));
	add_str(o, "c_code", run->c_code);
	if (!sos)
		add_str(o, "account", account);
	add_str(o, "summary", summary.data);
	add_str(o, "stage", f->stage);
	json_object_object_add(o, "exit", json_object_new_int(f->exit));
	add_str(o, "time", time);
	add_str(o, "method", method);
	add_str(o, "url", url);
	json_object_object_add(o, "status", status ? json_object_new_int((int)status) : NULL);
	json_object_object_add(o, "curl_error", curl >= 0 ? json_object_new_int(curl) : NULL);
	add_str(o, "api_error_code", api_code);
	add_str(o, "api_error", api_msg);
	add_str(o, "error", f->message);
	add_str(o, "text", t.data);
	buf_free(&summary);
	buf_free(&t);
	return o;
}

void tickets_build(struct run *run, const struct tickets_config *tc, const char *logdir)
{
	struct reqlog sl, sos;
	reqlog_read(logdir, "softlayer", &sl);
	reqlog_read(logdir, "sos", &sos);
	struct json_object *arr = NULL;
	int done[TICKET_N] = { 0 };
	for (int i = 0; i < run->nfailures; i++) {
		const struct failure *f = &run->failures[i];
		int system;
		if (strcmp(f->stage, "fetch-sos") == 0)
			system = TICKET_SOS;
		else if (strcmp(f->stage, "fetch-softlayer") == 0)
			system = TICKET_SOFTLAYER;
		else
			continue;
		if (done[system] || (tc && tc->off[system]))
			continue;
		const struct reqlog *own = system == TICKET_SOS ? &sos : &sl;
		const struct reqlog *other = system == TICKET_SOS ? &sl : &sos;
		int api_fault = f->exit == SOSR_EXIT_AUTH || f->exit == SOSR_EXIT_API || f->exit == SOSR_EXIT_INCOMPLETE ||
				/* unreachable, while the other API answered: not our network */
				(f->exit == SOSR_EXIT_NETWORK && other->answered);
		if (!api_fault)
			continue;
		if (!arr)
			arr = json_object_new_array();
		json_object_array_add(arr, ticket(run, tc, system, f, own));
		done[system] = 1;
	}
	reqlog_free(&sl);
	reqlog_free(&sos);
	run->tickets = arr;
}
