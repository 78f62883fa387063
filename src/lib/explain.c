/* explain.c - see explain.h */
#include "explain.h"
#include "buf.h"
#include "jsondoc.h"

#include <string.h>
#include <json-c/json.h>

/* A value as text: a string bare, anything else as JSON. */
static int value(struct buf *b, struct json_object *v)
{
	if (!v)
		return buf_addstr(b, "null");
	if (json_object_is_type(v, json_type_string))
		return buf_add(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
	return buf_addstr(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* The value of identity BY in record REC: "10.1.2.3 in dal10", "101". */
static int identity_value(struct buf *b, const char *by, struct json_object *rec)
{
	if (!rec)
		return 0;
	if (strcmp(by, "router_number") == 0)
		return buf_addch(b, ' ') || value(b, jget(rec, "router")) || buf_addch(b, '/') ||
		       value(b, jget(rec, "number")) ? -1 : 0;
	struct json_object *v = jget(rec, by);
	if (!v)
		return 0;
	if (buf_addch(b, ' ') < 0 || value(b, v) < 0)
		return -1;
	if (strcmp(by, "private_ip") == 0)
		return buf_addstr(b, " in ") || value(b, jget(rec, "datacenter")) ? -1 : 0;
	return 0;
}

int explain_pair(struct buf *b, struct json_object *o)
{
	const char *by = jget_str(o, "matched_by");
	if (!by)
		return 0;
	struct json_object *rec = jget_obj(o, "softlayer");
	if (!rec) { /* a duplicate: its records */
		struct json_object *recs = jget_array(o, "records");
		rec = recs && json_object_array_length(recs) ? json_object_array_get_idx(recs, 0) : NULL;
	}
	if (buf_addstr(b, "paired by ") < 0 || buf_addstr(b, by) < 0 || identity_value(b, by, rec) < 0)
		return -1;
	struct json_object *agree = jget_obj(o, "agree");
	if (!agree)
		return 0;
	static const char *const heads[3] = { "; differ: ", "; agree: ", "; not on both sides: " };
	for (int want = 0; want < 3; want++) {
		int n = 0;
		json_object_object_foreach(agree, name, v) {
			int state = !v ? 2 : json_object_get_boolean(v) ? 1 : 0;
			if (state != want)
				continue;
			if (buf_addstr(b, n++ ? ", " : heads[want]) < 0 || buf_addstr(b, name) < 0)
				return -1;
		}
	}
	return 0;
}

/* "KEY, KEY, ..." of a candidate list, and how many there are. */
static int keys(struct buf *b, struct json_object *list, long long count, const char *where)
{
	size_t n = list ? json_object_array_length(list) : 0;
	if (buf_printf(b, "%lld in %s", count, where) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (buf_addstr(b, i ? ", " : " (") < 0 || value(b, json_object_array_get_idx(list, i)) < 0)
			return -1;
	if ((long long)n < count && buf_printf(b, "%s... %lld more", n ? ", " : " (", count - (long long)n) < 0)
		return -1;
	return count ? buf_addch(b, ')') : 0;
}

int explain_unpaired(struct buf *b, struct json_object *o)
{
	struct json_object *notes = jget_array(o, "unpaired");
	for (size_t i = 0; notes && i < json_object_array_length(notes); i++) {
		struct json_object *nt = json_object_array_get_idx(notes, i), *cnt = jget_obj(nt, "count");
		const char *by = jget_str(nt, "by"), *reason = jget_str(nt, "reason");
		if (buf_addstr(b, i ? "; not paired by " : "not paired by ") < 0 ||
		    buf_addstr(b, by ? by : "?") < 0 || buf_addch(b, ' ') < 0 || value(b, jget(nt, "value")) < 0)
			return -1;
		if (jget(nt, "datacenter") && (buf_addstr(b, " in ") < 0 || value(b, jget(nt, "datacenter")) < 0))
			return -1;
		if (reason && strcmp(reason, "conflict") == 0) {
			if (buf_addstr(b, ": ") < 0 || value(b, jget(nt, "conflict")) < 0 ||
			    buf_addstr(b, " differs, ") < 0)
				return -1;
		} else if (buf_addstr(b, ": ambiguous, ") < 0) {
			return -1;
		}
		if (keys(b, jget_array(nt, "softlayer"), jget_count(cnt, "softlayer"), "SoftLayer") < 0 ||
		    buf_addstr(b, ", ") < 0 || keys(b, jget_array(nt, "sos"), jget_count(cnt, "sos"), "SOS") < 0)
			return -1;
	}
	return 0;
}
