/*
 * jsondoc.h - whole JSON documents: parse strictly, read a file, and get
 * typed members, leniently (for documents we wrote) or with key-path errors
 * (for documents a person wrote).
 *
 * A document is one JSON value with nothing but blanks after it, after a
 * UTF-8 byte order mark, which is skipped (text.h): valid as the strict
 * scanner of jsonscan.h says (RFC 8259: no single quotes, no NaN or
 * Infinity, no 01, no unescaped control characters, UTF-8 per RFC 3629),
 * at most JSONDOC_MAX_DEPTH deep, then built by json-c; a number too large
 * for a double is refused too (json-c would make it infinite).  The
 * configuration, a mapping file, a report read by sosr-alert and, through
 * the same scanner (pager_parse_body), every page an API sends refuse the
 * same things in the same words.
 *
 * Ownership follows json-c: what jsondoc_parse and jsondoc_load return is
 * the caller's (json_object_put it); what the getters return is borrowed
 * from the object they were given.
 *
 * Checked getters (jd_*) are for documents a person edits, where every
 * error must name the file, the key path and what is expected:
 *     "alc.json: softlayer.accounts[1].id: expected a string; check the
 *      configuration file (docs/CONFIG.md)"
 * They take a struct jd_ctx saying how to report (the file, the hint, the
 * exit code) and die on the first error: absent members are not errors
 * (the getter says "absent"), mistyped or out-of-range ones are.
 */
#ifndef SOSR_JSONDOC_H
#define SOSR_JSONDOC_H

#include <stddef.h>
#include "err.h"

struct json_object;

#define JSONDOC_MAX_DEPTH 32

/* Parse TEXT (LEN bytes, then a NUL, as a struct buf holds them) as one
 * JSON document.  The result is the caller's; NULL with WHY set to a phrase
 * ("invalid JSON at byte 12: unexpected character", "it ends in the middle
 * of the JSON value", "there is data after the JSON value", "a number is
 * NaN or Infinity", "it is empty"). */
struct json_object *jsondoc_parse(const char *text, size_t len, char *why, size_t whylen);

/* ---- lenient getters: NULL or -1 when absent or of another type ---- */

struct json_object *jget(struct json_object *o, const char *key);
const char *jget_str(struct json_object *o, const char *key);
struct json_object *jget_obj(struct json_object *o, const char *key);
struct json_object *jget_array(struct json_object *o, const char *key);
/* An integer member in [0, LLONG_MAX], or -1. */
long long jget_count(struct json_object *o, const char *key);

/* ---- checked getters, for files a person writes ---- */

struct jd_ctx {
	const char *file;       /* named first in every message */
	const char *hint;       /* appended: "check the configuration file (docs/CONFIG.md)" */
	int exit_code;          /* of every error (SOSR_EXIT_USAGE for a configuration) */
};

/* "FILE: PATH: MESSAGE; HINT", then exit with ctx->exit_code. */
void jd_fail(const struct jd_ctx *c, const char *path, const char *fmt, ...)
	SOSR_PRINTF(3, 4) SOSR_NORETURN;

/* Read PATH (at most CAP bytes) and parse it as an object: the root, the
 * caller's.  Every failure is reported through jd_fail, with the key path
 * "(file)". */
struct json_object *jd_load(const struct jd_ctx *c, const char *path, size_t cap);

/* PATH.KEY (or KEY at the top level, PATH ""), written into OUT. */
const char *jd_keypath(char *out, size_t size, const char *path, const char *key);

/* Every member of O must be one of ALLOWED (NULL-terminated); an unknown
 * key is an error ("unknown key", then the context's hint). */
void jd_only_keys(const struct jd_ctx *c, struct json_object *o, const char *path,
		  const char *const *allowed);

#define JD_EMPTY_OK 1   /* jd_str: "" is a value */

/* The member KEY of O at PATH, borrowed: NULL when absent; an error when it
 * has another type (or is "" without JD_EMPTY_OK, or holds a NUL byte). */
const char *jd_str(const struct jd_ctx *c, struct json_object *o, const char *path,
		   const char *key, int flags);
struct json_object *jd_obj(const struct jd_ctx *c, struct json_object *o, const char *path,
			   const char *key);
struct json_object *jd_array(const struct jd_ctx *c, struct json_object *o, const char *path,
			     const char *key);
/* 1 with *out set, 0 when absent; an error when not a whole number in
 * [MIN, MAX]. */
int jd_int(const struct jd_ctx *c, struct json_object *o, const char *path, const char *key,
	   long long min, long long max, long long *out);
/* 1 with *out set, 0 when absent; an error when not a number in (MIN, MAX]
 * (MIN itself is refused: "above MIN"). */
int jd_number(const struct jd_ctx *c, struct json_object *o, const char *path, const char *key,
	      double min, double max, double *out);
/* 1 with *out 0 or 1, 0 when absent; an error when not true or false. */
int jd_bool(const struct jd_ctx *c, struct json_object *o, const char *path, const char *key,
	    int *out);

#endif
