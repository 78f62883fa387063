/* jsondoc.c - see jsondoc.h */
#include "jsondoc.h"
#include "buf.h"
#include "fileio.h"
#include "jsonscan.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

/* A number json-c reads as NaN or Infinity: the scanner refuses the words,
 * but a number too large for a double (1e400) is valid JSON that json-c
 * makes infinite. */
static int has_nonfinite(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_double:
		return !isfinite(json_object_get_double(o));
	case json_type_array: {
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++)
			if (has_nonfinite(json_object_array_get_idx(o, i)))
				return 1;
		return 0;
	}
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (has_nonfinite(v))
				return 1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

struct json_object *jsondoc_parse(const char *text, size_t len, char *why, size_t whylen)
{
	/* The scanner decides what is valid, in its words (a page of an API
	 * is read by it alone: pager.h); json-c then builds what it
	 * accepted, which it always can (jsonscan.h). */
	size_t bom = text_bom_len(text, len);
	struct jspan root;
	struct jscan_result res;
	if (jscan_document(text + bom, len - bom, JSONDOC_MAX_DEPTH, &root, &res) < 0) {
		jscan_describe(&res, bom, why, whylen);
		return NULL;
	}
	if (root.len > INT32_MAX - 1) {
		snprintf(why, whylen, "it is too large to parse");
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(JSONDOC_MAX_DEPTH);
	if (!tok)
		sosr_oom();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* the byte after the value ends it: a blank, or the NUL after the
	 * text (a number at the very end is whole, not a wait for more) */
	struct json_object *o = json_tokener_parse_ex(tok, root.p, (int)root.len + 1);
	enum json_tokener_error je = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (je != json_tokener_success) {
		json_object_put(o);
		snprintf(why, whylen, "json-c cannot read it (%s); this is a bug", json_tokener_error_desc(je));
		return NULL;
	}
	if (has_nonfinite(o)) {
		/* a number too large for a double (1e400) */
		snprintf(why, whylen, "a number is NaN or Infinity");
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* ---- lenient getters ---- */

struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v;
	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v)
		       ? v : NULL;
}

const char *jget_str(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

struct json_object *jget_obj(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);
	return v && json_object_is_type(v, json_type_object) ? v : NULL;
}

struct json_object *jget_array(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);
	return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

long long jget_count(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);
	if (!v || !json_object_is_type(v, json_type_int))
		return -1;
	int64_t n = json_object_get_int64(v);
	return n < 0 ? -1 : (long long)n;
}

/* ---- checked getters ---- */

void jd_fail(const struct jd_ctx *c, const char *path, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sosr_die(c->exit_code, "%s: %s: %s%s%s", c->file, path, msg, c->hint ? "; " : "",
		 c->hint ? c->hint : "");
}

struct json_object *jd_load(const struct jd_ctx *c, const char *path, size_t cap)
{
	struct buf b = BUF_INIT(cap);
	if (fileio_read_all(path, &b) < 0) {
		int e = errno;
		buf_free(&b);
		if (e == EFBIG)
			jd_fail(c, "(file)", "larger than %zu bytes; check that it is the right file", cap);
		jd_fail(c, "(file)", "cannot read it: %s", strerror(e));
	}
	char why[200];
	struct json_object *o = jsondoc_parse(b.data ? b.data : "", b.len, why, sizeof why);
	buf_free(&b);
	if (!o)
		jd_fail(c, "(file)", "not valid JSON: %s", why);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		jd_fail(c, "(top level)", "expected an object");
	}
	return o;
}

const char *jd_keypath(char *out, size_t size, const char *path, const char *key)
{
	snprintf(out, size, "%s%s%s", path, *path ? "." : "", key);
	return out;
}

void jd_only_keys(const struct jd_ctx *c, struct json_object *o, const char *path,
		  const char *const *allowed)
{
	json_object_object_foreach(o, key, val) {
		(void)val;
		const char *const *a;
		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (!*a) {
			char kp[512];
			jd_fail(c, jd_keypath(kp, sizeof kp, path, key),
				"unknown key");
		}
	}
}

/* The member, or NULL; KP gets its key path. */
static struct json_object *member(struct json_object *o, const char *path, const char *key,
				  char *kp, size_t kpsize)
{
	jd_keypath(kp, kpsize, path, key);
	return jget(o, key);
}

const char *jd_str(const struct jd_ctx *c, struct json_object *o, const char *path,
		   const char *key, int flags)
{
	char kp[512];
	struct json_object *v = member(o, path, key, kp, sizeof kp);
	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_string))
		jd_fail(c, kp, "expected a string");
	const char *s = json_object_get_string(v);
	if (!*s && !(flags & JD_EMPTY_OK))
		jd_fail(c, kp, "expected a non-empty string");
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		jd_fail(c, kp, "the string contains a NUL byte");
	return s;
}

/* The member KEY of O at PATH when it has TYPE, NULL when absent; an error
 * naming WHAT otherwise. */
static struct json_object *typed(const struct jd_ctx *c, struct json_object *o, const char *path,
				 const char *key, enum json_type type, const char *what)
{
	char kp[512];
	struct json_object *v = member(o, path, key, kp, sizeof kp);
	if (v && !json_object_is_type(v, type))
		jd_fail(c, kp, "expected %s", what);
	return v;
}

struct json_object *jd_obj(const struct jd_ctx *c, struct json_object *o, const char *path,
			   const char *key)
{
	return typed(c, o, path, key, json_type_object, "an object");
}

struct json_object *jd_array(const struct jd_ctx *c, struct json_object *o, const char *path,
			     const char *key)
{
	return typed(c, o, path, key, json_type_array, "an array");
}

int jd_int(const struct jd_ctx *c, struct json_object *o, const char *path, const char *key,
	   long long min, long long max, long long *out)
{
	char kp[512];
	struct json_object *v = member(o, path, key, kp, sizeof kp);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		jd_fail(c, kp, "expected a whole number");
	errno = 0;
	int64_t n = json_object_get_int64(v);
	if (errno || n < min || n > max)
		jd_fail(c, kp, "out of range %lld..%lld", min, max);
	*out = (long long)n;
	return 1;
}

int jd_number(const struct jd_ctx *c, struct json_object *o, const char *path, const char *key,
	      double min, double max, double *out)
{
	char kp[512];
	struct json_object *v = member(o, path, key, kp, sizeof kp);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		jd_fail(c, kp, "expected a number");
	double d = json_object_get_double(v);
	if (!isfinite(d) || d <= min || d > max)
		jd_fail(c, kp, "out of range (%g, %g]", min, max);
	*out = d;
	return 1;
}

int jd_bool(const struct jd_ctx *c, struct json_object *o, const char *path, const char *key,
	    int *out)
{
	char kp[512];
	struct json_object *v = member(o, path, key, kp, sizeof kp);
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		jd_fail(c, kp, "expected true or false");
	*out = json_object_get_boolean(v) ? 1 : 0;
	return 1;
}
