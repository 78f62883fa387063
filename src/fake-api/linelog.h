/*
 * linelog.h - a log file of NDJSON lines written by the server threads:
 * the request log (--log, reqlog.c) and the alerts log (--alerts-log,
 * alerts.c).
 *
 * Each line is written whole and flushed under the log's mutex, so lines
 * never interleave and a test can read the file while the simulator runs.
 * A failed write is reported and serving goes on (the log is the test's
 * evidence, not the answer); a log that cannot be created is fatal at
 * startup (exit 9).  WHAT names the log in messages ("request log").
 */
#ifndef SOSR_FAKE_LINELOG_H
#define SOSR_FAKE_LINELOG_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

struct linelog {
	pthread_mutex_t mu;
	FILE *fp;               /* NULL: not open, lines are dropped */
	char *path;
	const char *what;
};

#define LINELOG_INIT(what) { PTHREAD_MUTEX_INITIALIZER, NULL, NULL, (what) }

void linelog_open(struct linelog *l, const char *path);
void linelog_close(struct linelog *l);
/* Append LINE (LEN bytes, its '\n' included) and flush; nothing when the
 * log is not open. */
void linelog_write(struct linelog *l, const char *line, size_t len);

#endif
