/*
 * faults.c - parse --fault specs and decide, per request, which fire.
 *
 * SPEC := KIND[:ARG][,rate=P][,nth=N][,after=N][,count=C][,jitter=D][,target=T]
 * The selectors given must all hold for the fault to fire (no selector:
 * every request); count caps how many times it fires in all.
 */
#include "faults.h"
#include "rng.h"
#include "buf.h"
#include "estate.h"
#include "err.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind {
	K_LATENCY, K_STALL, K_500, K_502, K_503, K_504, K_429, K_RATELIMIT,
	K_TRUNCATE, K_ERRORBODY, K_TOTAL, K_EXPIRE, K_AMPLIFY, K_SECONDARY,
};

static const char *const kind_names[] = {
	"latency", "stall", "500", "502", "503", "504", "429", "ratelimit",
	"truncate", "errorbody", "total", "expire", "amplify", "secondary",
};

struct fault {
	enum kind kind;
	double arg;             /* seconds (latency, stall, 429), delta (total), N (expire),
	                           bytes (amplify) */
	int arg_json;           /* truncate:json; amplify:SIZE:record */
	double jitter;
	double rate;            /* < 0: not given */
	long long nth, after, count; /* < 0: not given */
	long long fired;
	int targets;
};

static struct {
	pthread_mutex_t mu;
	struct fault *v;
	size_t n;
	struct prng rng;
	long long counter[16];  /* by target bit; [T_ALL] counts every request */
} F = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, { 1 }, { 0 } };

void faults_seed(uint64_t seed)
{
	F.rng.s = seed ^ 0xfa017ULL;
}

void faults_free(void)
{
	free(F.v);
	F.v = NULL;
	F.n = 0;
}

/* Duration "250ms", "2s", "1.5": seconds, or -1. */
static double duration(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0 || *s == '-' || *s == '+')
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "ms") == 0)
		return v / 1000;
	if (strcmp(end, "m") == 0)
		return v * 60;
	return -1;
}

/* Size "60M", "512K", "1000": bytes in 2..1G, or -1. */
static double size_arg(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || errno || v < 1 || *s == '+' || *s == ' ')
		return -1;
	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	if (*end || v < 2 || v > (1LL << 30))
		return -1;
	return (double)v;
}

static long long whole(const char *s, long long min)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end || errno || v < min || *s == '+' || *s == ' ')
		return LLONG_MIN;
	return v;
}

int faults_add(const char *spec, char *err, size_t errlen)
{
	struct fault f = { .rate = -1, .nth = -1, .after = -1, .count = -1, .targets = T_ALL };
	char *s = xstrdup(spec), *save = NULL;
	char *tok = strtok_r(s, ",", &save);
	int rc = -1;
	if (!tok) {
		snprintf(err, errlen, "empty fault");
		goto out;
	}
	char *arg = strchr(tok, ':');
	if (arg)
		*arg++ = '\0';
	size_t k;
	for (k = 0; k < sizeof kind_names / sizeof kind_names[0]; k++)
		if (strcmp(tok, kind_names[k]) == 0)
			break;
	if (k == sizeof kind_names / sizeof kind_names[0]) {
		snprintf(err, errlen, "unknown fault kind '%s' (latency, stall, 500, 502, 503, 504, 429, ratelimit, "
			 "truncate, errorbody, total, expire, amplify, secondary)", tok);
		goto out;
	}
	f.kind = (enum kind)k;
	/* Default arguments. */
	f.arg = f.kind == K_LATENCY ? 0.1 : f.kind == K_STALL ? 30 : (f.kind == K_429 || f.kind == K_SECONDARY) ? 1 : f.kind == K_TOTAL ? 1 : 0;
	if (arg) {
		long long v;
		switch (f.kind) {
		case K_LATENCY:
		case K_STALL:
			if ((f.arg = duration(arg)) < 0) {
				snprintf(err, errlen, "%s: '%s' is not a duration (like 250ms or 2s)", tok, arg);
				goto out;
			}
			break;
		case K_429:
		case K_SECONDARY:
			if (f.kind == K_SECONDARY && strcmp(arg, "none") == 0) {
				f.arg = -1; /* no Retry-After: the message says it */
				break;
			}
			if ((v = whole(arg, 0)) == LLONG_MIN || v > 3600) {
				snprintf(err, errlen, "%s: Retry-After '%s' is not a whole number of seconds 0..3600", tok, arg);
				goto out;
			}
			f.arg = (double)v;
			break;
		case K_TOTAL:
			if ((v = whole(arg, -1000000000LL)) == LLONG_MIN || v > 1000000000LL || v == 0) {
				snprintf(err, errlen, "total: '%s' is not a non-zero whole number", arg);
				goto out;
			}
			f.arg = (double)v;
			break;
		case K_EXPIRE:
			if ((v = whole(arg, 0)) == LLONG_MIN) {
				snprintf(err, errlen, "expire: '%s' is not a whole number of requests", arg);
				goto out;
			}
			f.after = v;
			break;
		case K_AMPLIFY: {
			char *rec = strchr(arg, ':');
			if (rec) {
				*rec++ = '\0';
				if (strcmp(rec, "record") != 0) {
					snprintf(err, errlen, "amplify: '%s' is not 'record'", rec);
					goto out;
				}
				f.arg_json = 1;
			}
			if ((f.arg = size_arg(arg)) < 0) {
				snprintf(err, errlen, "amplify: '%s' is not a size of 2 bytes to 1G (like 60M)", arg);
				goto out;
			}
			break;
		}
		case K_TRUNCATE:
			if (strcmp(arg, "json") == 0)
				f.arg_json = 1;
			else if (strcmp(arg, "length") != 0) {
				snprintf(err, errlen, "truncate: '%s' is not 'length' or 'json'", arg);
				goto out;
			}
			break;
		default:
			snprintf(err, errlen, "fault '%s' takes no ':' argument", tok);
			goto out;
		}
	}
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			snprintf(err, errlen, "'%s' is not NAME=VALUE", tok);
			goto out;
		}
		*eq++ = '\0';
		long long v;
		if (strcmp(tok, "rate") == 0) {
			char *end;
			errno = 0;
			f.rate = strtod(eq, &end);
			if (end == eq || *end || errno || !(f.rate >= 0 && f.rate <= 1)) {
				snprintf(err, errlen, "rate: '%s' is not a probability 0..1", eq);
				goto out;
			}
		} else if (strcmp(tok, "nth") == 0 || strcmp(tok, "after") == 0 || strcmp(tok, "count") == 0) {
			if ((v = whole(eq, strcmp(tok, "after") == 0 ? 0 : 1)) == LLONG_MIN) {
				snprintf(err, errlen, "%s: '%s' is not a %s whole number", tok, eq,
					 strcmp(tok, "after") == 0 ? "non-negative" : "positive");
				goto out;
			}
			*(tok[0] == 'n' ? &f.nth : tok[0] == 'a' ? &f.after : &f.count) = v;
		} else if (strcmp(tok, "jitter") == 0) {
			if ((f.jitter = duration(eq)) < 0) {
				snprintf(err, errlen, "jitter: '%s' is not a duration", eq);
				goto out;
			}
		} else if (strcmp(tok, "target") == 0) {
			if (strcmp(eq, "softlayer") == 0)
				f.targets = T_SOFTLAYER;
			else if (strcmp(eq, "sos") == 0)
				f.targets = T_SOS;
			else if (strcmp(eq, "alert") == 0)
				f.targets = T_ALERT;
			else if (strcmp(eq, "github") == 0)
				f.targets = T_GITHUB;
			else if (strcmp(eq, "all") == 0)
				f.targets = T_ALL;
			else {
				snprintf(err, errlen, "target: '%s' is not softlayer, sos, alert, github or all", eq);
				goto out;
			}
		} else {
			snprintf(err, errlen, "unknown setting '%s' (rate, nth, after, count, jitter, target)", tok);
			goto out;
		}
	}
	if (f.kind == K_AMPLIFY && !arg) {
		snprintf(err, errlen, "amplify needs the size of the page: amplify:SIZE (like 60M)");
		goto out;
	}
	if (f.kind == K_EXPIRE && f.after < 0) {
		snprintf(err, errlen, "expire needs the number of requests: expire:N or expire,after=N");
		goto out;
	}
	F.v = xrealloc(F.v, (F.n + 1) * sizeof *F.v);
	F.v[F.n++] = f;
	rc = 0;
out:
	free(s);
	return rc;
}

static void add_name(struct fault_plan *p, const char *name)
{
	size_t l = strlen(p->names);
	snprintf(p->names + l, sizeof p->names - l, "%s%s", l ? "+" : "", name);
}

void faults_decide(int target, struct fault_plan *p)
{
	memset(p, 0, sizeof *p);
	pthread_mutex_lock(&F.mu);
	long long nt = ++F.counter[target], na = ++F.counter[T_ALL];
	for (size_t i = 0; i < F.n; i++) {
		struct fault *f = &F.v[i];
		if (!(f->targets & target))
			continue;
		long long n = f->targets == T_ALL ? na : nt;
		/* Draw even when another selector fails, so that one fault's
		 * decisions do not depend on another's. */
		int lucky = f->rate < 0 || prng_unit(&F.rng) < f->rate;
		if (!lucky || (f->nth >= 0 && n != f->nth) || (f->after >= 0 && n <= f->after) ||
		    (f->count >= 0 && f->fired >= f->count))
			continue;
		int taken = 1;
		switch (f->kind) {
		case K_LATENCY:
			p->delay += f->arg + (f->jitter > 0 ? prng_unit(&F.rng) * f->jitter : 0);
			break;
		case K_STALL:
			p->stall = 1;
			p->delay += f->arg;
			break;
		case K_TRUNCATE:
			if (p->truncate)
				taken = 0;
			else
				p->truncate = f->arg_json ? TRUNC_JSON : TRUNC_LENGTH;
			break;
		case K_TOTAL:
			p->total_delta += (long long)f->arg;
			break;
		case K_EXPIRE:
			if (p->expired)
				taken = 0;
			p->expired = 1;
			break;
		case K_AMPLIFY:
			if (p->amplify)
				taken = 0;
			else {
				p->amplify = (size_t)f->arg;
				p->amplify_record = f->arg_json;
			}
			break;
		default:
			/* The first error that fires replaces the answer. */
			if (p->status || p->error_body) {
				taken = 0;
				break;
			}
			if (f->kind == K_ERRORBODY) {
				p->error_body = 1;
			} else {
				static const int st[] = { [K_500] = 500, [K_502] = 502, [K_503] = 503, [K_504] = 504,
							  [K_429] = 429, [K_RATELIMIT] = 500, [K_SECONDARY] = 403 };
				p->status = st[f->kind];
				p->rate_limit = f->kind == K_RATELIMIT;
				p->secondary = f->kind == K_SECONDARY;
				if (f->kind == K_429 || f->kind == K_SECONDARY)
					p->retry_after = (int)f->arg;
			}
			break;
		}
		if (taken) {
			f->fired++;
			add_name(p, kind_names[f->kind]);
		}
	}
	pthread_mutex_unlock(&F.mu);
}

uint64_t faults_random(void)
{
	pthread_mutex_lock(&F.mu);
	uint64_t v = prng_next(&F.rng);
	pthread_mutex_unlock(&F.mu);
	return v;
}

void faults_amplify(struct buf *b, size_t bytes)
{
	/* "{}," three bytes a value: a page of 60M holds about 21 million */
	size_t n = bytes / 3 ? bytes / 3 : 1;
	static const char chunk[] = "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},";
	if (buf_reserve(b, n * 3) < 0)
		sosr_oom();
	for (size_t k = 0; k + 16 <= n - 1; k += 16)
		buf_add(b, chunk, sizeof chunk - 1);
	for (size_t k = (n - 1) / 16 * 16; k < n - 1; k++)
		buf_add(b, "{},", 3);
	buf_add(b, "{}", 2);
}
