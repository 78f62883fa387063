/*
 * envdump-shim.c - LD_PRELOAD library that writes a process's environment,
 * as it is when the process exits, to the file named by $ENVDUMP, one
 * variable a line (test/http.bats).  A secret read from the environment
 * (src/lib/secret.c) must be gone from it by then: whatever the process
 * starts inherits what is left.  /proc/PID/environ cannot tell: it shows
 * the environment the process was started with.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static char dump_path[4096];

/* Taken at the start: the program may change its environment. */
__attribute__((constructor)) static void envdump_init(void)
{
	const char *p = getenv("ENVDUMP");
	if (p && strlen(p) < sizeof dump_path)
		strcpy(dump_path, p);
}

__attribute__((destructor)) static void envdump_fini(void)
{
	if (!dump_path[0])
		return;
	FILE *f = fopen(dump_path, "w");
	if (!f)
		return;
	for (char **e = environ; e && *e; e++)
		fprintf(f, "%s\n", *e);
	fclose(f);
}
