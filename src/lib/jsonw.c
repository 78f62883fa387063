/* jsonw.c - see jsonw.h */
#include "jsonw.h"

#include <stdio.h>
#include <json-c/json.h>
#include <string.h>

int jsonw_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	if (buf_addch(b, '"') < 0)
		return -1;
	size_t run = 0; /* start of the pending run of bytes that need no escape */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_add(b, s + run, i - run) < 0)
			return -1;
		run = i + 1;
		char esc[7] = { '\\', 0 };
		size_t n = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
			n = 6;
		}
		if (buf_add(b, esc, n) < 0)
			return -1;
	}
	/* s may be NULL when len is 0: NULL + 0 is undefined in C */
	if (run < len && buf_add(b, s + run, len - run) < 0)
		return -1;
	return buf_addch(b, '"');
}

static int field_name(struct buf *b, int first, const char *name)
{
	if (!first && buf_addch(b, ',') < 0)
		return -1;
	if (buf_addch(b, '"') < 0 || buf_addstr(b, name) < 0)
		return -1;
	return buf_add(b, "\":", 2);
}

int jsonw_field_str(struct buf *b, int first, const char *name, const char *s, size_t len)
{
	if (field_name(b, first, name) < 0)
		return -1;
	return jsonw_str(b, s, len);
}

int jsonw_field_int(struct buf *b, int first, const char *name, long long v)
{
	if (field_name(b, first, name) < 0)
		return -1;
	return buf_printf(b, "%lld", v);
}

int jsonw_field_raw(struct buf *b, int first, const char *name, const char *raw, size_t len)
{
	if (field_name(b, first, name) < 0)
		return -1;
	return buf_add(b, raw, len);
}

static int indent(struct buf *b, int depth)
{
	if (buf_addch(b, '\n') < 0)
		return -1;
	for (int i = 0; i < depth; i++)
		if (buf_add(b, "  ", 2) < 0)
			return -1;
	return 0;
}

static int pretty(struct buf *b, struct json_object *o, int depth)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return buf_addstr(b, "null");
	case json_type_boolean:
		return buf_addstr(b, json_object_get_boolean(o) ? "true" : "false");
	case json_type_int:
		return buf_printf(b, "%lld", (long long)json_object_get_int64(o));
	case json_type_double:
		return buf_addstr(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	case json_type_string:
		return jsonw_str(b, json_object_get_string(o), (size_t)json_object_get_string_len(o));
	case json_type_array: {
		size_t n = json_object_array_length(o);
		if (n == 0)
			return buf_addstr(b, "[]");
		if (buf_addch(b, '[') < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if ((i && buf_addch(b, ',') < 0) || indent(b, depth + 1) < 0 ||
			    pretty(b, json_object_array_get_idx(o, i), depth + 1) < 0)
				return -1;
		if (indent(b, depth) < 0)
			return -1;
		return buf_addch(b, ']');
	}
	case json_type_object: {
		if (json_object_object_length(o) == 0)
			return buf_addstr(b, "{}");
		if (buf_addch(b, '{') < 0)
			return -1;
		int first = 1;
		json_object_object_foreach(o, k, v) {
			if ((!first && buf_addch(b, ',') < 0) || indent(b, depth + 1) < 0 ||
			    jsonw_str(b, k, strlen(k)) < 0 || buf_add(b, ": ", 2) < 0 ||
			    pretty(b, v, depth + 1) < 0)
				return -1;
			first = 0;
		}
		if (indent(b, depth) < 0)
			return -1;
		return buf_addch(b, '}');
	}
	}
	return -1;
}

int jsonw_pretty(struct buf *b, struct json_object *o)
{
	return pretty(b, o, 0);
}
