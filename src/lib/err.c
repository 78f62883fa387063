/* err.c - see err.h */
#include "err.h"
#include "exitcodes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *progname = "sosr";

void err_init(const char *argv0)
{
	if (argv0 && *argv0) {
		const char *slash = strrchr(argv0, '/');
		progname = slash ? slash + 1 : argv0;
	}
}

const char *err_progname(void) { return progname; }

static void vreport(const char *level, const char *fmt, va_list ap, int errnum)
{
	/* Build the line first and write it at once, so that lines of parallel
	 * stages sharing one stderr (the driver's run.log) do not interleave. */
	char line[4096];
	int n = snprintf(line, sizeof line, "%s: %s%s", progname, level, *level ? " " : "");
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof line) {
		int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
		if (m > 0)
			n += m;
	}
	if ((size_t)n >= sizeof line - 1)
		n = sizeof line - 2;
	if (errnum) {
		int m = snprintf(line + n, sizeof line - n, ": %s", strerror(errnum));
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof line - 1)
			n = sizeof line - 2;
	}
	line[n++] = '\n';
	line[n] = '\0';
	fputs(line, stderr);
	fflush(stderr);
}

void sosr_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error:", fmt, ap, 0);
	va_end(ap);
}

void sosr_error_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vreport("error:", fmt, ap, e);
	va_end(ap);
}

void sosr_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning:", fmt, ap, 0);
	va_end(ap);
}

void sosr_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("", fmt, ap, 0);
	va_end(ap);
}

void sosr_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error:", fmt, ap, 0);
	va_end(ap);
	exit(code);
}

void sosr_die_errno(int code, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vreport("error:", fmt, ap, e);
	va_end(ap);
	exit(code);
}

void sosr_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error:", fmt, ap, 0);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(SOSR_EXIT_USAGE);
}

void sosr_oom(void)
{
	/* No allocation here: write a fixed message. */
	fputs(progname, stderr);
	fputs(": error: out of memory; check the memory limit of the job\n", stderr);
	exit(SOSR_EXIT_INTERNAL);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		sosr_oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		sosr_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		sosr_oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		sosr_oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);
	if (!p)
		sosr_oom();
	return p;
}
