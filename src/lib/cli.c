/* cli.c - see cli.h */
#include "cli.h"
#include "err.h"
#include "output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_version(void)
{
	printf("%s (sos-reconcile) %s\n", err_progname(), SOSR_VERSION);
	out_close_stdout();
	exit(0);
}

void cli_help(const char *text)
{
	fputs(text, stdout);
	out_close_stdout();
	exit(0);
}

long long cli_number(const char *s, long long min, long long max, const char *opt)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || *s == ' ' || *s == '+')
		sosr_usage_error("%s: '%s' is not a whole number", opt, s);
	if (errno == ERANGE || v < min || v > max)
		sosr_usage_error("%s: '%s' is out of range %lld..%lld", opt, s, min, max);
	return v;
}

double cli_duration(const char *s, const char *opt)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *s == ' ' || *s == '+' || *s == '-' || errno == ERANGE || !isfinite(v) || v < 0)
		sosr_usage_error("%s: '%s' is not a duration (like 30s, 250ms, 48h)", opt, s);
	double mult = 1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mult = 1;
	else if (strcmp(end, "ms") == 0)
		mult = 0.001;
	else if (strcmp(end, "m") == 0)
		mult = 60;
	else if (strcmp(end, "h") == 0)
		mult = 3600;
	else if (strcmp(end, "d") == 0)
		mult = 86400;
	else
		sosr_usage_error("%s: '%s' has an unknown unit (use ms, s, m, h or d)", opt, s);
	return v * mult;
}
