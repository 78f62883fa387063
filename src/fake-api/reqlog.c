/* reqlog.c - see reqlog.h */
#include "reqlog.h"
#include "api.h"
#include "buf.h"
#include "jsonw.h"
#include "linelog.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static struct linelog rlog = LINELOG_INIT("request log");

void reqlog_open(const char *path)
{
	linelog_open(&rlog, path);
}

void reqlog_close(void)
{
	linelog_close(&rlog);
}

static long long ms_of(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The path, with the secret part of a webhook URL (after /slack/webhook/
 * or /webhook/) replaced: webhook URLs are secrets. */
static void add_path(struct buf *b, const char *path)
{
	static const char *const secret_prefix[] = { "/slack/webhook/", "/webhook/" };
	for (size_t i = 0; i < 2; i++) {
		size_t l = strlen(secret_prefix[i]);
		if (strncmp(path, secret_prefix[i], l) == 0 && path[l]) {
			struct buf t = BUF_INIT(0);
			buf_add(&t, path, l);
			buf_addstr(&t, "REDACTED");
			jsonw_field_str(b, 0, "path", t.data, t.len);
			buf_free(&t);
			return;
		}
	}
	jsonw_field_str(b, 0, "path", path, strlen(path));
}

void reqlog_write(const char *api, const struct request *q, const struct reply *r, size_t bytes,
		  const char *encoding, const char *fault)
{
	if (!rlog.fp)
		return;
	struct buf b = BUF_INIT(1 << 20), qs = BUF_INIT(1 << 20);
	buf_printf(&b, "{\"wall_ms\":%lld,\"mono_ms\":%lld", ms_of(CLOCK_REALTIME), ms_of(CLOCK_MONOTONIC));
	jsonw_field_str(&b, 0, "api", api, strlen(api));
	if (r && r->credential[0])
		jsonw_field_str(&b, 0, "credential", r->credential, strlen(r->credential));
	else
		buf_addstr(&b, ",\"credential\":null");
	jsonw_field_str(&b, 0, "method", q->method, strlen(q->method));
	add_path(&b, q->path);
	req_query(q, &qs);
	jsonw_field_str(&b, 0, "query", qs.data ? qs.data : "", qs.len);
	jsonw_field_int(&b, 0, "status", r ? r->status : 0);
	jsonw_field_int(&b, 0, "bytes", (long long)bytes);
	if (encoding)
		jsonw_field_str(&b, 0, "encoding", encoding, strlen(encoding));
	else
		buf_addstr(&b, ",\"encoding\":null");
	if (fault && *fault)
		jsonw_field_str(&b, 0, "fault", fault, strlen(fault));
	else
		buf_addstr(&b, ",\"fault\":null");
	buf_addstr(&b, "}\n");
	linelog_write(&rlog, b.data, b.len);
	buf_free(&b);
	buf_free(&qs);
}
