/* ndjson.c - see ndjson.h */
#include "ndjson.h"
#include "err.h"
#include "exitcodes.h"
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#define BLOCK (1u << 20)

static int fail(struct ndjson_reader *r, int code, const char *fmt, ...)
	SOSR_PRINTF(3, 4);

static int fail(struct ndjson_reader *r, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	r->err_code = code;
	return -1;
}

int ndjson_open(struct ndjson_reader *r, const char *path, size_t max_line)
{
	memset(r, 0, sizeof *r);
	r->max_line = max_line ? max_line : NDJSON_DEFAULT_MAX_LINE;
	if (strcmp(path, "-") == 0) {
		r->fp = stdin;
		r->name = "(stdin)";
	} else {
		r->fp = fopen(path, "rb");
		r->name = path;
		if (!r->fp)
			return fail(r, SOSR_EXIT_IO, "cannot open: %s", strerror(errno));
		r->owns_fp = 1;
	}
	r->blk_alloc = BLOCK;
	r->blk = xmalloc(r->blk_alloc + 1);
	return 0;
}

void ndjson_open_fp(struct ndjson_reader *r, FILE *fp, const char *name, size_t max_line)
{
	memset(r, 0, sizeof *r);
	r->max_line = max_line ? max_line : NDJSON_DEFAULT_MAX_LINE;
	r->fp = fp;
	r->name = name;
	r->blk_alloc = BLOCK;
	r->blk = xmalloc(r->blk_alloc + 1);
}

int ndjson_check_line(struct ndjson_reader *r, const char *line, size_t len)
{
	if (len == 0)
		return fail(r, SOSR_EXIT_DATA, "blank line; NDJSON has one JSON object on every line");
	if (memchr(line, '\0', len))
		return fail(r, SOSR_EXIT_DATA, "NUL byte in line; check that the input is NDJSON text");
	return 0;
}

int ndjson_next(struct ndjson_reader *r, char **line, size_t *len)
{
	for (;;) {
		char *start = r->blk + r->blk_start;
		size_t avail = r->blk_end - r->blk_start;
		char *nl = avail ? memchr(start, '\n', avail) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - start);
			r->lineno++;
			r->blk_start += n + 1;
			/* a BOM at the start of the stream is skipped, a CR
			 * before the LF dropped with it (text.h) */
			if (r->lineno == 1) {
				size_t b = text_bom_len(start, n);
				start += b;
				n -= b;
			}
			n = text_line_len(start, n);
			if (n > r->max_line)
				return fail(r, SOSR_EXIT_DATA, "line longer than the cap of %zu bytes", r->max_line);
			start[n] = '\0';
			if (ndjson_check_line(r, start, n) < 0)
				return -1;
			*line = start;
			*len = n;
			return 1;
		}
		if (avail > r->max_line + 1) {  /* (+1: a CR may end it) */
			r->lineno++;
			return fail(r, SOSR_EXIT_DATA, "line longer than the cap of %zu bytes", r->max_line);
		}
		if (r->eof) {
			if (avail == 0)
				return 0;
			r->lineno++;
			return fail(r, SOSR_EXIT_DATA,
				    "last line has no newline: the stream was cut short; "
				    "check that the stage writing it finished");
		}
		/* Move the partial line to the front, grow if it fills the block. */
		if (r->blk_start > 0) {
			memmove(r->blk, start, avail);
			r->blk_start = 0;
			r->blk_end = avail;
		}
		if (r->blk_end == r->blk_alloc) {
			r->blk_alloc *= 2;
			r->blk = xrealloc(r->blk, r->blk_alloc + 1);
		}
		size_t got = fread(r->blk + r->blk_end, 1, r->blk_alloc - r->blk_end, r->fp);
		r->blk_end += got;
		if (got == 0) {
			if (ferror(r->fp))
				return fail(r, SOSR_EXIT_IO, "read error: %s", strerror(errno));
			r->eof = 1;
		}
	}
}

/* json-c accepts single-quoted strings even in strict mode; JSON does not.
 * Only lines that contain an apostrophe at all pay for this scan. */
static long single_quote_outside_string(const char *line, size_t len)
{
	if (!memchr(line, '\'', len))
		return -1;
	int in_str = 0;
	for (size_t i = 0; i < len; i++) {
		char c = line[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '\'') {
			return (long)i;
		}
	}
	return -1;
}

struct json_object *ndjson_parse(struct ndjson_reader *r, const char *line, size_t len)
{
	if (text_bom_len(line, len)) {
		fail(r, SOSR_EXIT_DATA, "%s at the start of the line: only the start of a stream may have one; "
		     "check how the stream was put together", TEXT_BOM_PHRASE);
		return NULL;
	}
	long q = single_quote_outside_string(line, len);
	if (q >= 0) {
		fail(r, SOSR_EXIT_DATA, "invalid JSON at byte %ld: single-quoted string", q + 1);
		return NULL;
	}
	if (!r->tok) {
		r->tok = json_tokener_new_ex(NDJSON_MAX_DEPTH);
		if (!r->tok)
			sosr_oom();
		json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	}
	json_tokener_reset(r->tok);
	struct json_object *o = json_tokener_parse_ex(r->tok, line, (int)len);
	enum json_tokener_error e = json_tokener_get_error(r->tok);
	if (!o) {
		/* json_tokener_reset() keeps a pending \ud800-style high
		 * surrogate: a line cut after one would put U+FFFD into the next
		 * line parsed.  A fresh tokener after an error keeps every parse
		 * independent of the lines before it. */
		size_t at = json_tokener_get_parse_end(r->tok) + 1;
		json_tokener_free(r->tok);
		r->tok = NULL;
		if (e == json_tokener_continue || e == json_tokener_success)
			fail(r, SOSR_EXIT_DATA, "truncated JSON object");
		else if (e == json_tokener_error_depth)
			fail(r, SOSR_EXIT_DATA, "JSON nested deeper than %d levels", NDJSON_MAX_DEPTH);
		else
			fail(r, SOSR_EXIT_DATA, "invalid JSON at byte %zu: %s", at,
			     json_tokener_error_desc(e));
		return NULL;
	}
	size_t end = json_tokener_get_parse_end(r->tok);
	for (; end < len; end++)
		if (!strchr(" \t\r", line[end]))
			break;
	if (end < len) {
		json_object_put(o);
		fail(r, SOSR_EXIT_DATA, "unexpected data after the JSON object at byte %zu", end + 1);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		fail(r, SOSR_EXIT_DATA, "line is JSON but not an object");
		return NULL;
	}
	return o;
}

void ndjson_die(const struct ndjson_reader *r)
{
	sosr_die(r->err_code ? r->err_code : SOSR_EXIT_DATA, "%s:%lu: %s",
		 r->name, r->lineno, r->err);
}

void ndjson_close(struct ndjson_reader *r)
{
	if (r->owns_fp && r->fp)
		fclose(r->fp);
	r->fp = NULL;
	if (r->tok)
		json_tokener_free(r->tok);
	r->tok = NULL;
	free(r->blk);
	r->blk = NULL;
}
