/*
 * reqlog.h - the request log (--log FILE): one NDJSON line per request,
 * written and flushed under a mutex as each answer is queued, so a test can
 * read it while the simulator runs.  It records who asked (an account id or
 * "sos", never a secret), what, the answer, and the faults injected.
 */
#ifndef SOSR_FAKE_REQLOG_H
#define SOSR_FAKE_REQLOG_H

#include <stddef.h>

struct request;
struct reply;

void reqlog_open(const char *path);
void reqlog_close(void);
/* API is "softlayer", "sos", "alert" or "other"; BYTES the body bytes sent
 * (compressed, when ENCODING is "gzip"; ENCODING NULL: as is); FAULT may be
 * "" (none). */
void reqlog_write(const char *api, const struct request *q, const struct reply *r, size_t bytes,
		  const char *encoding, const char *fault);

#endif
