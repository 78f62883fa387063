/*
 * err.h - one way to report errors, for every program of the project.
 *
 * Every line has the shape
 *     PROG: error: WHAT FAILED [on WHAT]: DETAIL[; HINT]
 * (or "warning:"), lowercase, no trailing period, the subject quoted, so that
 * a search of a Jenkins console for "error" finds it and the operator learns
 * what to check.  The hint is part of the message text by convention:
 * "...; check that SOS_TOKEN is still valid".
 *
 * Secrets must never be passed to these functions: callers format URLs
 * without credentials (see http.h) and never print a secret's value.
 *
 * sosr_die*() do not return.  The program name is set once by err_init().
 */
#ifndef SOSR_ERR_H
#define SOSR_ERR_H

#include <stdarg.h>

#if defined(__GNUC__)
#define SOSR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SOSR_NORETURN __attribute__((noreturn))
#else
#define SOSR_PRINTF(f, a)
#define SOSR_NORETURN
#endif

/* Set the program name from argv[0] (its basename); call first in main(). */
void err_init(const char *argv0);
const char *err_progname(void);

/* "PROG: error: MSG" on stderr. */
void sosr_error(const char *fmt, ...) SOSR_PRINTF(1, 2);
/* "PROG: error: MSG: strerror(errno)" on stderr; errno read at entry. */
void sosr_error_errno(const char *fmt, ...) SOSR_PRINTF(1, 2);
/* "PROG: warning: MSG" on stderr. */
void sosr_warn(const char *fmt, ...) SOSR_PRINTF(1, 2);
/* "PROG: MSG" on stderr: progress and information lines. */
void sosr_info(const char *fmt, ...) SOSR_PRINTF(1, 2);

/* Print an error and exit with CODE (see exitcodes.h). */
void sosr_die(int code, const char *fmt, ...) SOSR_PRINTF(2, 3) SOSR_NORETURN;
void sosr_die_errno(int code, const char *fmt, ...) SOSR_PRINTF(2, 3) SOSR_NORETURN;

/* Usage error: message, then "Try 'PROG --help'", exit SOSR_EXIT_USAGE. */
void sosr_usage_error(const char *fmt, ...) SOSR_PRINTF(1, 2) SOSR_NORETURN;

/* Out of memory: the one place that reports it (exit SOSR_EXIT_INTERNAL). */
void sosr_oom(void) SOSR_NORETURN;

/* Allocation wrappers that never return NULL. */
#include <stddef.h>
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
