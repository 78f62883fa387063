/*
 * ndjson.h - read NDJSON streams line by line, strictly.
 *
 * A reader owns its FILE (unless it is stdin, "-") and a block buffer; the
 * line it returns points into that buffer and is valid until the next call.
 * Lines are returned without their '\n' and NUL-terminated.  There is no
 * fixed line length: a line may grow up to the reader's cap (a named
 * maximum, default NDJSON_DEFAULT_MAX_LINE), past which reading fails.
 *
 * The stream format (docs/FORMATS.md) is strict, and so is the reader:
 * every line ends in '\n' (a last line without one is a truncated stream),
 * no blank lines, no NUL bytes, and each line is exactly one JSON object in
 * valid UTF-8, nested at most NDJSON_MAX_DEPTH deep, with nothing after it.
 * As every reader of text (text.h): a UTF-8 byte order mark at the start
 * of the stream is skipped (one at the start of another line is refused
 * by ndjson_parse, naming it), and a line may end in "\r\n": the line
 * returned has neither.
 *
 * Functions return -1 on error and leave a message in r->err and the exit
 * code in r->err_code (SOSR_EXIT_DATA or SOSR_EXIT_IO); ndjson_die() prints
 * "PROG: error: FILE:LINE: MESSAGE" and exits with it.  Not thread-safe per
 * reader; readers are independent.
 *
 * Reading is done in large blocks and lines are found with memchr: this is
 * the hot loop of sosr-normalize and sosr-diff.
 */
#ifndef SOSR_NDJSON_H
#define SOSR_NDJSON_H

#include <stddef.h>
#include <stdio.h>

struct json_object;
struct json_tokener;

#define NDJSON_DEFAULT_MAX_LINE (16u << 20) /* 16 MiB a record */
#define NDJSON_MAX_DEPTH 32

struct ndjson_reader {
	FILE *fp;
	const char *name;       /* for messages: the path, or "(stdin)" */
	unsigned long lineno;   /* number of the line last returned, 1-based */
	size_t max_line;        /* cap on one line, without '\n' */
	char *blk;              /* block buffer */
	size_t blk_alloc, blk_start, blk_end;
	int eof, owns_fp;
	struct json_tokener *tok;
	char err[512];
	int err_code;
};

/* Open PATH ("-" is stdin).  -1 with r->err set when it cannot be opened. */
int ndjson_open(struct ndjson_reader *r, const char *path, size_t max_line);
/* Read from an already open stream (not closed by ndjson_close); NAME is
 * used in messages. */
void ndjson_open_fp(struct ndjson_reader *r, FILE *fp, const char *name, size_t max_line);
/* Next line: 1 with *line and *len set, 0 at end of stream, -1 on error. */
int ndjson_next(struct ndjson_reader *r, char **line, size_t *len);
/* Parse LINE (as returned by ndjson_next) as one JSON object; the result is
 * the caller's (json_object_put it).  NULL with r->err set on error. */
struct json_object *ndjson_parse(struct ndjson_reader *r, const char *line, size_t len);
/* Check LINE (NUL-terminated, len bytes) for the strict rules that need no
 * parse: no NUL bytes, not blank.  0 or -1 with r->err set. */
int ndjson_check_line(struct ndjson_reader *r, const char *line, size_t len);
/* Print r->err with file:line and exit with r->err_code. */
void ndjson_die(const struct ndjson_reader *r)
#if defined(__GNUC__)
	__attribute__((noreturn))
#endif
	;
void ndjson_close(struct ndjson_reader *r);

#endif
