/*
 * httpurl.c - the parts of http.h that need no libcurl: the engine's
 * default options and what is said of a URL (insecure, for messages, for
 * the request log).  Kept apart from http.c so that a program that only
 * checks options and URLs (sosr-config, through fetchopt.h) does not load
 * libcurl and its libraries: the driver runs it before the first request.
 */
#include "http.h"
#include "buf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void http_options_default(struct http_options *o)
{
	memset(o, 0, sizeof *o);
	o->concurrency = HTTP_DEFAULT_CONCURRENCY;
	o->rate_limit = HTTP_DEFAULT_RATE_LIMIT;
	o->rate_burst = 10;
	o->retries = 5;
	o->retries_other = 2;
	o->backoff = 0.5;
	o->backoff_max = 30;
	o->connect_timeout = 10;
	o->timeout = 120;
	o->low_speed_time = 60;
	o->budget = 1800;
	o->max_response = HTTP_DEFAULT_MAX_RESPONSE;
	o->seed = 1;
}

int http_url_insecure(const char *url)
{
	if (strncasecmp(url, "http://", 7) != 0)
		return 0;
	const char *h = url + 7;
	size_t n = strcspn(h, "/?#");
	const char *at = memchr(h, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	if (n && h[0] == '[')
		return !(n >= 5 && strncmp(h, "[::1]", 5) == 0);
	size_t hl = strcspn(h, ":/?#");
	if (hl > n)
		hl = n;
	if (hl == 9 && strncasecmp(h, "localhost", 9) == 0)
		return 0;
	/* 127.0.0.0/8, as dotted digits */
	if (hl >= 4 && strncmp(h, "127.", 4) == 0 && strspn(h, "0123456789.") >= hl)
		return 0;
	return 1;
}

char *http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = BUF_INIT(0);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_addch(&b, (char)*p);
		} else {
			char enc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			buf_add(&b, enc, 3);
		}
	}
	if (!b.data)
		buf_addstr(&b, "");
	return buf_detach(&b, NULL);
}

char *http_url_for_message(const char *url)
{
	/* scheme://[userinfo@]host/path?query -> scheme://host/path */
	struct buf b = BUF_INIT(0);
	const char *p = strstr(url, "://");
	const char *rest = url;
	if (p) {
		buf_add(&b, url, (size_t)(p + 3 - url));
		rest = p + 3;
		size_t hostlen = strcspn(rest, "/?#");
		const char *at = memchr(rest, '@', hostlen);
		if (at)
			rest = at + 1;
	}
	buf_add(&b, rest, strcspn(rest, "?#"));
	return buf_detach(&b, NULL);
}

/* Whether a query parameter's NAME (LEN bytes) looks like it holds a
 * secret. */
static int secret_param(const char *name, size_t len)
{
	static const char *const words[] = { "token", "key", "secret", "password", "passwd", "sig",
					     "auth", "credential", "session", NULL };
	char low[128];
	if (len >= sizeof low)
		return 1;       /* a name that long is not one of ours */
	for (size_t i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[len] = '\0';
	for (const char *const *w = words; *w; w++)
		if (strstr(low, *w))
			return 1;
	return 0;
}

char *http_url_for_log(const char *url)
{
	char *base = http_url_for_message(url);
	struct buf b = BUF_INIT(0);
	buf_addstr(&b, base);
	free(base);
	const char *q = strchr(url, '?');
	if (q) {
		const char *end = q + strcspn(q, "#");
		for (const char *p = q + 1; p <= end;) {
			size_t n = strcspn(p, "&#");
			if (p + n > end)
				n = (size_t)(end - p);
			const char *eq = memchr(p, '=', n);
			buf_addch(&b, p == q + 1 ? '?' : '&');
			if (eq && secret_param(p, (size_t)(eq - p))) {
				buf_add(&b, p, (size_t)(eq - p) + 1);
				buf_addstr(&b, "REDACTED");
			} else {
				buf_add(&b, p, n);
			}
			p += n + 1;
		}
	}
	return buf_detach(&b, NULL);
}
