/*
 * api.h - the simulator's HTTP side: one request in, one reply out.
 *
 * main.c turns an MHD connection into a struct request, asks faults.c what
 * to inject, calls the handler of the API the path belongs to (softlayer.c,
 * sos.c, alerts.c), and queues the struct reply.  Handlers run on MHD's
 * pool threads at the same time: they only read the estate and the request,
 * and write their reply; shared mutable state (rate limits, the PRNG, the
 * logs) sits behind mutexes in the modules that own it.
 *
 * A reply owns its body (malloc'd, freed by main.c after queueing).
 */
#ifndef SOSR_FAKE_API_H
#define SOSR_FAKE_API_H

#include <stddef.h>
#include <stdint.h>

struct estate;
struct json_object;
struct MHD_Connection;

struct request {
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const char *body;           /* POST body, NUL-terminated (may be "") */
	size_t body_len;
	long long total_delta;      /* fault "total": add to the advertised total */
	size_t amplify;             /* fault "amplify": bytes of "{}" values a page is
	                               made of (0: none) */
	int amplify_record;         /* ... in one record (amplify:SIZE:record) */
	uint64_t shuffle;           /* random value for unordered SoftLayer paging */
};

struct reply {
	int status;
	char *body;                 /* owned */
	size_t len;
	const char *content_type;
	long long total;            /* SoftLayer-Total-Items when >= 0 */
	int retry_after;            /* Retry-After seconds when >= 0 */
	long long ratelimit_reset;  /* > 0: x-ratelimit-remaining 0 and this
	                               x-ratelimit-reset (GitHub's primary limit) */
	char link[1024];            /* a Link header, or "" */
	char credential[32];        /* account id, "sos", or "" (logged, never a secret) */
};

void reply_set(struct reply *r, int status, const char *content_type, const char *body);
/* Take ownership of the json-c object: serialize (plain, no '/' escape), put it. */
void reply_json(struct reply *r, int status, struct json_object *o);
struct buf;
/* Take B's contents as a JSON body (B is left empty): for a body too large
 * to copy, or not built by json-c. */
void reply_buf(struct reply *r, int status, struct buf *b);

/* Request helpers over MHD. */
const char *req_arg(const struct request *q, const char *name);
const char *req_header(const struct request *q, const char *name);
/* The query as "k=v&k=v" (decoded values, in arrival order), appended to B. */
void req_query(const struct request *q, struct buf *b);

/* softlayer.c */
struct mask;
struct mask *mask_parse(const char *s, const char **err);
void mask_free(struct mask *m);
/* The mask a fetcher uses to get everything the raw files hold. */
extern const char *const sl_full_mask[3];
struct json_object *sl_hardware_json(const struct estate *e, uint32_t idx, const struct mask *m);
struct json_object *sl_guest_json(const struct estate *e, uint32_t idx, const struct mask *m);
struct json_object *sl_vlan_json(const struct estate *e, uint32_t idx, const struct mask *m);
struct json_object *sl_account_json(const struct estate *e, size_t account, const struct mask *m);
void softlayer_init(int rate_limit, size_t naccounts);
void softlayer_fini(void);
/* Authenticate: the account index, or -1 (401 already in the reply). */
int softlayer_auth(const struct estate *e, const struct request *q, struct reply *r);
void softlayer_unauthorized(struct reply *r);
void softlayer_handle(const struct estate *e, const struct request *q, struct reply *r);

/* sos.c */
struct json_object *sos_device_json(const struct estate *e, uint32_t idx);
struct json_object *sos_vlan_json(const struct estate *e, uint32_t idx);
void sos_unauthorized(struct reply *r, const char *why);
/* Where the token is expected (default "Authorization", "Bearer"). */
void sos_configure(const char *header, const char *scheme);
void sos_handle(const struct estate *e, const struct request *q, struct reply *r);

/* alerts.c */
void alerts_open(const char *path);
void alerts_close(void);
void alerts_handle(const struct request *q, struct reply *r);
/* One line of the alerts log for a change made on an API (GitHub):
 * {"endpoint","method","path","number","body"}. */
void alerts_record(const char *endpoint, const char *method, const char *path, long long number,
		   struct json_object *body);

/* github.c: GitHub's issues API under /github */
void github_configure(const char *repo, const char *token_file, int per_page_max, const char *state_path,
		      uint64_t seed);
void github_set_base(const char *base);
/* Create issues without their labels, as GitHub does for a token that may
 * not set them. */
void github_drop_labels(int on);
const char *github_token(void);
const char *github_repo(void);
void github_unauthorized(struct reply *r);
void github_handle(const struct request *q, struct reply *r);
void github_fini(void);

#endif
