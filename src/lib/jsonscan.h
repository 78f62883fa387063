/*
 * jsonscan.h - a strict JSON scanner that allocates nothing: validate a
 * text, walk an array's items and an object's members, find a member,
 * read a string, compact a value.
 *
 * Why.  json-c builds an object for every value it parses, about 800 bytes
 * for an empty "{}": a 60 MiB page of "{},{},..." costs some 16 GB.  The
 * fetchers read every page an API sends with this scanner instead, whose
 * memory does not depend on the text (a fixed stack of JSCAN_MAX_DEPTH
 * bits), and write each record as the bytes the API sent (pager.h).
 *
 * Valid means RFC 8259, strictly: one value (no BOM: callers skip one at
 * the start with textenc.h), whitespace only space, tab, CR and LF; strings
 * of valid UTF-8 (RFC 3629: no overlong forms, no encoded surrogates,
 * nothing above U+10FFFF) with the control characters U+0000..U+001F
 * escaped and only the escapes \" \\ \/ \b \f \n \r \t \uXXXX (a \u escape
 * of a lone surrogate is accepted, as by json-c, and read as U+FFFD);
 * numbers -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? of any length; no
 * NaN or Infinity; at most MAX_DEPTH levels, counted as json-c counts them
 * (a scalar is one level, a container one more than its deepest value).
 * json-c (strict mode, UTF-8 checked) accepts everything this scanner
 * accepts, and a few things it refuses: single-quoted strings, NaN and
 * Infinity, numbers like 01, -01 and 1., unescaped control characters in
 * strings, and UTF-8 that RFC 3629 forbids; fuzz/fuzz-jsonscan.c checks
 * that those are the only differences.
 *
 * A struct jspan is a value's bytes within a text the caller owns (a
 * string's span includes its quotes).  The walking functions (jscan_iter,
 * jscan_next_item, jscan_next_member, jscan_member, jscan_compact) expect
 * a span that jscan_document or jscan_value accepted: on other bytes they
 * stay within the span and end early, but say nothing useful.
 *
 * Thread-safe: no state outside the caller's structures.
 */
#ifndef SOSR_JSONSCAN_H
#define SOSR_JSONSCAN_H

#include <stddef.h>

struct buf;

#define JSCAN_MAX_DEPTH 256     /* the largest max_depth a caller may ask for */

struct jspan {
	const char *p;
	size_t len;
};

enum jtype { JT_NONE, JT_OBJECT, JT_ARRAY, JT_STRING, JT_NUMBER, JT_TRUE, JT_FALSE, JT_NULL };

/* Why a text is not valid (the kinds json-c may accept are marked). */
enum jscan_error {
	JE_OK,
	JE_EMPTY,       /* only blanks */
	JE_TRUNCATED,   /* the text ends inside the value */
	JE_SYNTAX,      /* an unexpected byte (what says which) */
	JE_AFTER,       /* something after the value */
	JE_DEPTH,       /* nested deeper than max_depth */
	JE_ESCAPE,      /* a bad escape in a string */
	JE_UTF8,        /* invalid UTF-8 (json-c accepts some: overlong, surrogates) */
	JE_CONTROL,     /* an unescaped control character in a string (json-c accepts) */
	JE_NUMBER,      /* a malformed number (json-c accepts 01, -01, 1.) */
	JE_QUOTE,       /* a single-quoted string (json-c accepts some) */
	JE_NONFINITE,   /* NaN or Infinity (json-c accepts them) */
	JE_BOM,         /* a byte order mark where a value was expected */
};

struct jscan_result {
	enum jscan_error error;
	size_t at;              /* offset of the offending byte in the text */
	const char *what;       /* a phrase for JE_SYNTAX and the others */
	int depth;              /* levels of the value (json-c's count) */
	int max_depth;          /* the limit it was scanned with */
	size_t values;          /* values in it, at every level, itself included */
};

/* TEXT (LEN bytes) as one JSON document: blanks, one value, blanks, the
 * end.  0 with *ROOT set (and RES's depth and values), or -1 with RES
 * saying why.  MAX_DEPTH is 1..JSCAN_MAX_DEPTH. */
int jscan_document(const char *text, size_t len, int max_depth, struct jspan *root,
		   struct jscan_result *res);
/* One value starting at TEXT[0] (no blanks before it), followed by
 * anything: 0 with *END the offset after it, or -1. */
int jscan_value(const char *text, size_t len, int max_depth, size_t *end, struct jscan_result *res);
/* RES as a phrase, in jsondoc.h's words: "it is empty", "it ends in the
 * middle of the JSON value", "there is data after the JSON value, at byte
 * N", "a number is NaN or Infinity", "invalid JSON at byte N: WHAT".
 * Bytes are counted from 1, plus BASE (a BOM the caller skipped). */
void jscan_describe(const struct jscan_result *res, size_t base, char *why, size_t whylen);

/* The type of a valid value, by its first byte. */
enum jtype jscan_type(struct jspan v);

/* Walk the items of an array or the members of an object. */
struct jiter {
	const char *p, *end;
	int started;
};
void jscan_iter(struct jiter *it, struct jspan container);
/* 1 with *ITEM set, 0 after the last. */
int jscan_next_item(struct jiter *it, struct jspan *item);
/* 1 with *NAME (the raw string, quotes included) and *VALUE set, 0 after
 * the last. */
int jscan_next_member(struct jiter *it, struct jspan *name, struct jspan *value);
/* The same in two steps, for a caller that descends into a value instead
 * of skipping it: jscan_next_name leaves the walk at the value (it->p),
 * which the caller then skips with jscan_skip_value or walks itself,
 * moving it->p past it. */
int jscan_next_name(struct jiter *it, struct jspan *name);
void jscan_skip_value(struct jiter *it, struct jspan *value);
/* Where a walk stopped: after the last item or member, the container's
 * closing bracket.  A container given with a span that runs on past its
 * end (its start known, its end not) is walked correctly up to that
 * bracket: its length is then jscan_iter_stop(it) + 1 - start. */
const char *jscan_iter_stop(const struct jiter *it);
/* Is the string NAME, decoded, the KEYLEN bytes of KEY? */
int jscan_name_is(struct jspan name, const char *key, size_t keylen);
/* How many members of the object OBJ are named KEY (0, 1, or more: JSON
 * does not forbid a name twice); *VALUE is the first one's value (the
 * empty span when there is none). */
int jscan_member(struct jspan obj, const char *key, struct jspan *value);
/* The items of the array ARR, counting stops after STOP (so that a caller
 * with a bound pays for no more). */
size_t jscan_count_items(struct jspan arr, size_t stop);

/* The string STR decoded as it is (escapes resolved, \u0000 a NUL byte)
 * and appended to OUT, until OUT holds MAX bytes or more.  0, or -1 when
 * OUT's cap is reached. */
int jscan_string(struct jspan str, struct buf *out, size_t max);
/* The string STR decoded into OUT (OUTSIZE bytes, NUL-terminated) for a
 * message, made visible as text.h says (controls, NUL, bidi and
 * zero-width characters escaped; cut short with "..."). The length
 * written. */
size_t jscan_text(struct jspan str, char *out, size_t outsize);
/* Append V to B without the blanks outside its strings: strings, escapes
 * and numbers byte for byte.  0, or -1 when B's cap is reached (B then
 * holds part of it). */
int jscan_compact(struct jspan v, struct buf *b);
/* Is V a number written as digits only (a whole number, not negative,
 * without fraction or exponent)? */
int jscan_is_digits(struct jspan v);
/* Two digit strings (no leading zeros) compared as numbers: by length,
 * then bytes.  <0, 0, >0. */
int jscan_cmp_digits(const char *a, size_t alen, const char *b, size_t blen);

#endif
