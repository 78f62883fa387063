/*
 * cli.h - the common parts of every program's command line.
 *
 * Numbers, durations and sizes from the command line are validated, never
 * atoi'd:
 * a value that is not a number, out of range, or with trailing junk is a
 * usage error naming the option ("--concurrency: '0' is out of range 1..64").
 */
#ifndef SOSR_CLI_H
#define SOSR_CLI_H

#include <stddef.h>

#ifndef SOSR_VERSION
#define SOSR_VERSION "0.0.0-unknown"
#endif

/* Print "PROG (sos-reconcile) VERSION" on stdout, close it checked, exit 0. */
void cli_version(void)
#if defined(__GNUC__)
	__attribute__((noreturn))
#endif
	;
/* Print TEXT on stdout, close it checked, exit 0. */
void cli_help(const char *text)
#if defined(__GNUC__)
	__attribute__((noreturn))
#endif
	;

struct option;

/* getopt_long with the project's one answer to a bad option: an unknown
 * option ("unknown option '--colour'") or a missing value ("option '--map'
 * needs a value") is a usage error with the "Try 'PROG --help'" line, exit
 * 2; it never returns '?' or ':'.  SHORTOPTS and LONGOPTS as for
 * getopt_long (without a leading ':'). */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Integer in [min, max] or a usage error naming OPT. */
long long cli_number(const char *s, long long min, long long max, const char *opt);
/* An RFC 3339 time (timeutil.h) as seconds since the epoch, or a usage
 * error naming OPT ("--now: 'yesterday' is not an RFC 3339 time like
 * 2026-11-26T06:00:00Z"). */
long long cli_time(const char *s, const char *opt);
/* Non-negative decimal number of seconds, with an optional unit suffix
 * ms, s, m, h, d ("1.5s", "48h", "250ms"), at most MAX seconds (every
 * duration has an upper bound: a typo must not make a wait of a year);
 * returns seconds, usage error naming OPT otherwise. */
double cli_duration(const char *s, double max, const char *opt);
/* The same without dying: 0 with *out in seconds, -1 when S is not a
 * number, -2 when its unit is unknown. */
int cli_parse_duration(const char *s, double *out);

/* A size in bytes: a whole number with an optional binary unit K, M, G or
 * T (KiB, MiB, GiB, TiB; "KiB" etc. also read), like "64M", "1G", "512K";
 * no unit is bytes.  At least MIN and at most MAX bytes (both named in the
 * message in the largest unit they are whole in); usage error naming OPT
 * otherwise ("--memory: '10K' is less than 1M, the least it takes"). */
unsigned long long cli_size(const char *s, unsigned long long min, unsigned long long max,
			    const char *opt);
/* The same without dying: 0 with *out in bytes, -1 when S is not a whole
 * number (or overflows), -2 when its unit is unknown. */
int cli_parse_size(const char *s, unsigned long long *out);
/* SIZE in the largest binary unit it is a whole number of ("256M",
 * "1536K", "100"), into OUT (at least 24 bytes); returns OUT. */
const char *cli_format_size(unsigned long long size, char *out, size_t outlen);

#endif
