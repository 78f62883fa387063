/* cli.c - see cli.h */
#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "output.h"
#include "timeutil.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_version(void)
{
	printf("%s (sos-reconcile) %s\n", err_progname(), SOSR_VERSION);
	out_close_stdout();
	exit(SOSR_EXIT_OK);
}

void cli_help(const char *text)
{
	fputs(text, stdout);
	out_close_stdout();
	exit(SOSR_EXIT_OK);
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

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	/* A leading ':' makes getopt tell a missing value (':') from an
	 * unknown option ('?'); opterr 0 keeps its own messages quiet. */
	char opts[128];
	snprintf(opts, sizeof opts, ":%s", shortopts);
	opterr = 0;
	int before = optind;
	int ch = getopt_long(argc, argv, opts, longopts, NULL);
	if (ch != '?' && ch != ':')
		return ch;
	/* The element getopt stopped at: the option as the user wrote it. */
	const char *arg = optind > before && optind - 1 < argc ? argv[optind - 1] : argv[before];
	char shown[64];
	if (optopt && !(arg[0] == '-' && arg[1] == '-'))
		snprintf(shown, sizeof shown, "-%c", optopt);
	else
		snprintf(shown, sizeof shown, "%.*s", (int)strcspn(arg, "="), arg);
	if (ch == ':')
		sosr_usage_error("option '%s' needs a value", shown);
	sosr_usage_error("unknown option '%s'", shown);
}

long long cli_time(const char *s, const char *opt)
{
	int64_t t;
	if (tu_parse_rfc3339(s, strlen(s), &t) < 0)
		sosr_usage_error("%s: '%s' is not an RFC 3339 time like 2026-11-26T06:00:00Z", opt, s);
	return (long long)t;
}

int cli_parse_duration(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *s == ' ' || *s == '+' || *s == '-' || errno == ERANGE || !isfinite(v) || v < 0)
		return -1;
	double mult;
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
		return -2;
	*out = v * mult;
	return 0;
}

int cli_parse_size(const char *s, unsigned long long *out)
{
	static const struct { const char *unit; unsigned shift; } units[] = {
		{ "", 0 }, { "K", 10 }, { "M", 20 }, { "G", 30 }, { "T", 40 },
		{ "KiB", 10 }, { "MiB", 20 }, { "GiB", 30 }, { "TiB", 40 },
	};
	char *end;
	if (!(*s >= '0' && *s <= '9'))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE || (*end && !(*end >= 'A' && *end <= 'Z') && !(*end >= 'a' && *end <= 'z')))
		return -1;      /* "1.5G", "1 G": not a whole number */
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (strcmp(end, units[i].unit) == 0) {
			if (units[i].shift && v > (~0ULL >> units[i].shift))
				return -1;
			*out = v << units[i].shift;
			return 0;
		}
	return -2;
}

const char *cli_format_size(unsigned long long size, char *out, size_t outlen)
{
	static const char units[] = "KMGT";
	int u = -1;
	while (u < 3 && size && size % 1024 == 0) {
		size /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, outlen, "%llu", size);
	else
		snprintf(out, outlen, "%llu%c", size, units[u]);
	return out;
}

unsigned long long cli_size(const char *s, unsigned long long min, unsigned long long max,
			    const char *opt)
{
	unsigned long long v;
	char a[24];
	int rc = cli_parse_size(s, &v);
	if (rc == -2)
		sosr_usage_error("%s: '%s' has an unknown unit (use K, M, G or T, like 256M)", opt, s);
	if (rc < 0)
		sosr_usage_error("%s: '%s' is not a size (like 256M or 1G)", opt, s);
	if (v < min)
		sosr_usage_error("%s: '%s' is less than %s, the least it takes", opt, s,
				 cli_format_size(min, a, sizeof a));
	if (v > max)
		sosr_usage_error("%s: '%s' is more than %s, the most it takes", opt, s,
				 cli_format_size(max, a, sizeof a));
	return v;
}

double cli_duration(const char *s, double max, const char *opt)
{
	double v;
	int rc = cli_parse_duration(s, &v);
	if (rc == -2)
		sosr_usage_error("%s: '%s' has an unknown unit (use ms, s, m, h or d)", opt, s);
	if (rc < 0)
		sosr_usage_error("%s: '%s' is not a duration (like 30s, 250ms, 48h)", opt, s);
	if (v > max) {
		/* the bound in the largest unit it is whole in */
		static const struct { double secs; const char *unit; } units[] = {
			{ 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" },
		};
		size_t u = 0;
		while (u + 1 < sizeof units / sizeof *units && fmod(max, units[u].secs) != 0)
			u++;
		sosr_usage_error("%s: '%s' is more than %g%s, the most it takes", opt, s,
				 max / units[u].secs, units[u].unit);
	}
	return v;
}
