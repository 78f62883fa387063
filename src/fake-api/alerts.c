/*
 * alerts.c - the alert receiver: PagerDuty Events API v2, Slack incoming
 * webhooks and a generic webhook, so sosr-alert can be tested offline.
 *
 * Each body received is recorded (--alerts-log FILE) as one NDJSON line
 * {"endpoint","path","body"} and flushed.  The bodies are recorded as the
 * remote service receives them, routing keys included: that is how a test
 * proves the right key or webhook URL was used.  Keep the file in the
 * test's own directory.  (The request log, --log, redacts webhook paths.)
 */
#include "api.h"
#include "buf.h"
#include "jsondoc.h"
#include "jsonw.h"
#include "linelog.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct linelog alog = LINELOG_INIT("alerts log");
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* dedup_seq */
static unsigned long dedup_seq;

void alerts_open(const char *path)
{
	linelog_open(&alog, path);
}

void alerts_close(void)
{
	linelog_close(&alog);
}

static void record(const char *endpoint, const char *path, struct json_object *body, const char *text)
{
	if (!alog.fp)
		return;
	struct buf b = BUF_INIT(0);
	buf_addstr(&b, "{\"endpoint\":");
	jsonw_str(&b, endpoint, strlen(endpoint));
	jsonw_field_str(&b, 0, "path", path, strlen(path));
	if (body) {
		buf_addstr(&b, ",\"body\":");
		buf_addstr(&b, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		buf_addstr(&b, ",\"body\":null,\"body_text\":");
		jsonw_str(&b, text, strlen(text));
	}
	buf_addstr(&b, "}\n");
	linelog_write(&alog, b.data, b.len);
	buf_free(&b);
}

void alerts_record(const char *endpoint, const char *method, const char *path, long long number,
		   struct json_object *body)
{
	if (!alog.fp)
		return;
	struct buf b = BUF_INIT(0);
	buf_addstr(&b, "{\"endpoint\":");
	jsonw_str(&b, endpoint, strlen(endpoint));
	jsonw_field_str(&b, 0, "method", method, strlen(method));
	jsonw_field_str(&b, 0, "path", path, strlen(path));
	jsonw_field_int(&b, 0, "number", number);
	buf_addstr(&b, ",\"body\":");
	buf_addstr(&b, body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE) : "null");
	buf_addstr(&b, "}\n");
	linelog_write(&alog, b.data, b.len);
	buf_free(&b);
}

/* A string member that is not blank (PagerDuty refuses ""), or NULL. */
static const char *str_member(struct json_object *o, const char *k)
{
	const char *s = jget_str(o, k);
	return s && *s ? s : NULL;
}

static void pd_invalid(struct reply *r, const char *why)
{
	struct json_object *o = json_object_new_object(), *errs = json_object_new_array();
	json_object_object_add(o, "status", json_object_new_string("invalid event"));
	json_object_object_add(o, "message", json_object_new_string("Event object is invalid"));
	json_object_array_add(errs, json_object_new_string(why));
	json_object_object_add(o, "errors", errs);
	reply_json(r, 400, o);
}

/* Validate an Events API v2 event as PagerDuty does (the parts a client
 * can get wrong); answer 202 with the dedup key, or 400. */
static void pagerduty(struct json_object *ev, struct reply *r)
{
	if (!json_object_is_type(ev, json_type_object)) {
		pd_invalid(r, "Event must be a JSON object.");
		return;
	}
	const char *action = str_member(ev, "event_action");
	if (!str_member(ev, "routing_key")) {
		pd_invalid(r, "'routing_key' is missing or blank.");
		return;
	}
	if (!action || (strcmp(action, "trigger") && strcmp(action, "acknowledge") && strcmp(action, "resolve"))) {
		pd_invalid(r, "'event_action' must be one of trigger, acknowledge or resolve.");
		return;
	}
	const char *dedup = str_member(ev, "dedup_key");
	if (strcmp(action, "trigger") != 0 && !dedup) {
		pd_invalid(r, "'dedup_key' is required for acknowledge and resolve.");
		return;
	}
	if (strcmp(action, "trigger") == 0) {
		struct json_object *pl = jget_obj(ev, "payload");
		if (!pl) {
			pd_invalid(r, "'payload' is missing or not an object.");
			return;
		}
		static const char *const need[] = { "summary", "source", "severity" };
		for (size_t i = 0; i < 3; i++)
			if (!str_member(pl, need[i])) {
				char m[96];
				snprintf(m, sizeof m, "'payload.%s' is missing or blank.", need[i]);
				pd_invalid(r, m);
				return;
			}
		const char *sev = str_member(pl, "severity");
		if (strcmp(sev, "critical") && strcmp(sev, "error") && strcmp(sev, "warning") && strcmp(sev, "info")) {
			pd_invalid(r, "'payload.severity' must be one of critical, error, warning or info.");
			return;
		}
	}
	char gen[64];
	if (!dedup) {
		pthread_mutex_lock(&mu);
		unsigned long n = ++dedup_seq;
		pthread_mutex_unlock(&mu);
		snprintf(gen, sizeof gen, "sosr-fake-%08lu", n);
		dedup = gen;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("success"));
	json_object_object_add(o, "message", json_object_new_string("Event processed"));
	json_object_object_add(o, "dedup_key", json_object_new_string(dedup));
	reply_json(r, 202, o);
}

void alerts_handle(const struct request *q, struct reply *r)
{
	const char *endpoint;
	if (strcmp(q->path, "/pagerduty/v2/enqueue") == 0)
		endpoint = "pagerduty";
	else if (strncmp(q->path, "/slack/webhook/", 15) == 0 && q->path[15])
		endpoint = "slack";
	else if (strncmp(q->path, "/webhook/", 9) == 0 && q->path[9])
		endpoint = "webhook";
	else {
		reply_set(r, 404, "text/plain", "not found\n");
		return;
	}
	if (strcmp(q->method, "POST") != 0) {
		reply_set(r, 405, "text/plain", "method not allowed\n");
		return;
	}
	struct json_object *body = NULL;
	if (q->body_len) {
		struct json_tokener *tok = json_tokener_new();
		body = json_tokener_parse_ex(tok, q->body, (int)q->body_len);
		size_t end = body ? json_tokener_get_parse_end(tok) : 0;
		while (end < q->body_len && strchr(" \t\r\n", q->body[end]))
			end++; /* trailing white space is fine */
		if (body && end != q->body_len) {
			json_object_put(body);
			body = NULL;
		}
		json_tokener_free(tok);
	}
	/* Record what arrived, valid or not: the test wants to see it. */
	record(endpoint, q->path, body, q->body);
	if (endpoint[0] == 'p') {
		if (!body)
			pd_invalid(r, "Event must be valid JSON.");
		else
			pagerduty(body, r);
	} else if (endpoint[0] == 's') {
		if (!body || !json_object_is_type(body, json_type_object))
			reply_set(r, 400, "text/plain", "invalid_payload");
		else if (!str_member(body, "text") && !json_object_object_get_ex(body, "blocks", NULL))
			reply_set(r, 400, "text/plain", "no_text");
		else
			reply_set(r, 200, "text/plain", "ok");
	} else {
		reply_set(r, 200, "application/json", "{\"ok\":true}");
	}
	json_object_put(body);
}
