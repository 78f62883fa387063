/*
 * github.c - the few endpoints of GitHub's REST API that sosr-alert's
 * GitHub target uses, under /github (the API URL is http://HOST:PORT/github,
 * as GitHub Enterprise's is https://HOST/api/v3):
 *
 *   GET   /github/repos/O/R/issues?labels=L&state=open|closed|all&per_page=N&page=P
 *   POST  /github/repos/O/R/issues                {title, body, labels}
 *   GET   /github/repos/O/R/issues/N/comments
 *   POST  /github/repos/O/R/issues/N/comments     {body}
 *   PATCH /github/repos/O/R/issues/N              {title, body, state, state_reason}
 *
 * as GitHub answers them: 401 {"message":"Bad credentials"} without the
 * token (Authorization: Bearer TOKEN, or "token TOKEN"), 404 {"message":
 * "Not Found"} for another repository or issue, 422 for a bad body, the
 * list newest first with a Link header (rel="next", "last", "first",
 * "prev") when there is more than one page; per_page defaults to 30 and is
 * capped by --github-per-page (GitHub's cap is 100).
 *
 * The issues live as long as the simulator, or, with --github-state FILE,
 * as long as the file: it is read at startup and rewritten after every
 * change, so a test that restarts the simulator each day (--day) meets
 * yesterday's issues.  Every change is also one line of the alerts log
 * (endpoint "github"), with the request's body.
 */
#include "api.h"
#include "buf.h"
#include "err.h"
#include "estate.h"
#include "exitcodes.h"
#include "fileio.h"
#include "jsondoc.h"
#include "rng.h"
#include "secret.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
	pthread_mutex_t mu;
	char repo[128];
	char *token;
	int per_page_max;
	char *state_path;
	struct json_object *state;   /* {"next": N, "issues": [...]} oldest first */
	char base[200];              /* http://127.0.0.1:PORT/github, for Link */
	int drop_labels;             /* the token may not set labels: dropped */
} G = { PTHREAD_MUTEX_INITIALIZER, "sos-team/compliance", NULL, 100, NULL, NULL, "", 0 };

void github_drop_labels(int on)
{
	G.drop_labels = on;
}

void github_configure(const char *repo, const char *token_file, int per_page_max, const char *state_path,
		      uint64_t seed)
{
	if (repo)
		snprintf(G.repo, sizeof G.repo, "%s", repo);
	if (per_page_max > 0)
		G.per_page_max = per_page_max;
	secret_free(G.token);
	G.token = NULL;
	if (token_file) {
		if (secret_from_file(token_file, "--github-token-file", &G.token) != 0)
			exit(SOSR_EXIT_USAGE);
	} else {
		struct prng r = { seed ^ 0x617b0bULL };
		char t[64];
		int n = snprintf(t, sizeof t, "ghp_");
		for (int i = 0; i < 18; i++)
			n += snprintf(t + n, sizeof t - (size_t)n, "%02x", (unsigned)(prng_next(&r) & 0xff));
		G.token = xstrdup(t);
	}
	json_object_put(G.state);
	G.state = NULL;
	free(G.state_path);
	G.state_path = state_path ? xstrdup(state_path) : NULL;
	if (state_path) {
		struct buf b = BUF_INIT(256u << 20);
		if (fileio_read_all(state_path, &b) == 0 && b.len) {
			char why[200];
			G.state = jsondoc_parse(b.data, b.len, why, sizeof why);
			if (!G.state || !jget_array(G.state, "issues") || jget_count(G.state, "format") != 1)
				sosr_die(SOSR_EXIT_DATA, "--github-state: '%s' is not a state file of the simulator: %s", state_path,
					 G.state ? "not format 1 with issues" : why);
		}
		buf_free(&b);
	}
	if (!G.state) {
		G.state = json_object_new_object();
		json_object_object_add(G.state, "format", json_object_new_int(1));
		json_object_object_add(G.state, "next", json_object_new_int(1));
		json_object_object_add(G.state, "issues", json_object_new_array());
	}
}

void github_set_base(const char *base)
{
	snprintf(G.base, sizeof G.base, "%s/github", base);
}

const char *github_token(void)
{
	return G.token;
}

const char *github_repo(void)
{
	return G.repo;
}

void github_fini(void)
{
	json_object_put(G.state);
	G.state = NULL;
	secret_free(G.token);
	G.token = NULL;
	free(G.state_path);
	G.state_path = NULL;
}

static void save(void)
{
	if (!G.state_path)
		return;
	const char *s = json_object_to_json_string_ext(G.state, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	write_file_atomic(G.state_path, s, strlen(s), 0600, "GitHub state file");
}

static const char *sget(struct json_object *o, const char *k)
{
	const char *s = jget_str(o, k);
	return s ? s : "";
}

static void message(struct reply *r, int status, const char *msg)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "documentation_url", json_object_new_string("https://docs.github.com/rest"));
	reply_json(r, status, o);
}

void github_unauthorized(struct reply *r)
{
	message(r, 401, "Bad credentials");
}

static void now_utc(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int authorized(const struct request *q)
{
	const char *h = req_header(q, "Authorization");
	if (!h || !G.token)
		return 0;
	const char *tok = NULL;
	if (strncmp(h, "Bearer ", 7) == 0)
		tok = h + 7;
	else if (strncmp(h, "token ", 6) == 0)
		tok = h + 6;
	return tok && strcmp(tok, G.token) == 0;
}

static struct json_object *parse_body(const struct request *q)
{
	if (!q->body_len)
		return NULL;
	char why[100];
	struct json_object *o = jsondoc_parse(q->body, q->body_len, why, sizeof why);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *issue_by_number(long long n)
{
	struct json_object *is = jget_array(G.state, "issues");
	for (size_t i = 0; i < json_object_array_length(is); i++) {
		struct json_object *x = json_object_array_get_idx(is, i);
		if (json_object_get_int64(jget(x, "number")) == n)
			return x;
	}
	return NULL;
}

/* The issue as the API shows it (comments as a count). */
static struct json_object *shown(struct json_object *x)
{
	struct json_object *o = json_object_new_object();
	json_object_object_foreach(x, k, v) {
		if (strcmp(k, "comment_list") == 0)
			continue;
		json_object_object_add(o, k, json_object_get(v));
	}
	struct json_object *cl = jget_array(x, "comment_list");
	json_object_object_add(o, "comments", json_object_new_int((int)(cl ? json_object_array_length(cl) : 0)));
	return o;
}

static int has_label(struct json_object *x, const char *want)
{
	struct json_object *ls = jget_array(x, "labels");
	for (size_t i = 0; ls && i < json_object_array_length(ls); i++)
		if (strcmp(sget(json_object_array_get_idx(ls, i), "name"), want) == 0)
			return 1;
	return 0;
}

/* labels=a,b: every one of them */
static int has_labels(struct json_object *x, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;
	int ok = 1;
	for (char *t = strtok_r(copy, ",", &save); t && ok; t = strtok_r(NULL, ",", &save))
		ok = has_label(x, t);
	free(copy);
	return ok;
}

static void list_issues(const struct request *q, const char *path_repo, struct reply *r)
{
	const char *labels = req_arg(q, "labels"), *state = req_arg(q, "state");
	const char *pp = req_arg(q, "per_page"), *pg = req_arg(q, "page");
	if (!state)
		state = "open";
	if (strcmp(state, "open") && strcmp(state, "closed") && strcmp(state, "all")) {
		message(r, 422, "Validation Failed: state");
		return;
	}
	long per = pp ? atol(pp) : 30, page = pg ? atol(pg) : 1;
	if (per < 1)
		per = 30;
	if (per > G.per_page_max)
		per = G.per_page_max;
	if (page < 1)
		page = 1;
	struct json_object *is = jget_array(G.state, "issues");
	struct json_object *match = json_object_new_array();
	/* newest first, as GitHub's default sort=created&direction=desc */
	for (size_t i = json_object_array_length(is); i-- > 0;) {
		struct json_object *x = json_object_array_get_idx(is, i);
		if (strcmp(state, "all") && strcmp(sget(x, "state"), state))
			continue;
		if (labels && *labels && !has_labels(x, labels))
			continue;
		json_object_array_add(match, json_object_get(x));
	}
	long total = (long)json_object_array_length(match);
	long last = total ? (total + per - 1) / per : 1;
	struct json_object *out = json_object_new_array();
	for (long i = (page - 1) * per; i < total && i < page * per; i++)
		json_object_array_add(out, shown(json_object_array_get_idx(match, (size_t)i)));
	json_object_put(match);
	if (last > 1) {
		struct buf l = BUF_INIT(0);
		struct buf qs = BUF_INIT(0);
		if (labels) {
			/* re-encode the labels for the link */
			struct buf le = BUF_INIT(0);
			for (const char *p = labels; *p; p++) {
				unsigned char c = (unsigned char)*p;
				if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				    strchr("-_.~", c))
					buf_addch(&le, (char)c);
				else
					buf_printf(&le, "%%%02X", c);
			}
			buf_printf(&qs, "labels=%s&", le.data ? le.data : "");
			buf_free(&le);
		}
		buf_printf(&qs, "state=%s&per_page=%ld", state, per);
		const char *rels[] = { "prev", "next", "first", "last" };
		long pages[] = { page - 1, page + 1, 1, last };
		for (int k = 0; k < 4; k++) {
			if ((k == 0 && page <= 1) || (k == 1 && page >= last) || (k == 2 && page <= 1) ||
			    (k == 3 && page >= last))
				continue;
			buf_printf(&l, "%s<%s/repos/%s/issues?%s&page=%ld>; rel=\"%s\"", l.len ? ", " : "", G.base,
				   path_repo, qs.data, pages[k], rels[k]);
		}
		if (l.len)
			snprintf(r->link, sizeof r->link, "%s", l.data);
		buf_free(&l);
		buf_free(&qs);
	}
	reply_json(r, 200, out);
}

static void create_issue(const struct request *q, struct reply *r)
{
	struct json_object *b = parse_body(q);
	const char *title = jget_str(b, "title");
	if (!b || !title || !*title) {
		json_object_put(b);
		message(r, 422, "Validation Failed: title is missing");
		return;
	}
	struct json_object *x = json_object_new_object();
	long long n = json_object_get_int64(jget(G.state, "next"));
	json_object_object_add(G.state, "next", json_object_new_int64(n + 1));
	char now[32], url[400];
	now_utc(now);
	json_object_object_add(x, "id", json_object_new_int64(1000000 + n));
	json_object_object_add(x, "number", json_object_new_int64(n));
	json_object_object_add(x, "title", json_object_new_string(title));
	const char *body = jget_str(b, "body");
	json_object_object_add(x, "body", body ? json_object_new_string(body) : NULL);
	json_object_object_add(x, "state", json_object_new_string("open"));
	json_object_object_add(x, "state_reason", NULL);
	struct json_object *ls = json_object_new_array(), *want = jget_array(b, "labels");
	/* GitHub drops the labels of a token without push access, silently */
	for (size_t i = 0; want && !G.drop_labels && i < json_object_array_length(want); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(want, i));
		struct json_object *l = json_object_new_object();
		json_object_object_add(l, "name", json_object_new_string(name ? name : ""));
		json_object_array_add(ls, l);
	}
	json_object_object_add(x, "labels", ls);
	json_object_object_add(x, "created_at", json_object_new_string(now));
	json_object_object_add(x, "updated_at", json_object_new_string(now));
	json_object_object_add(x, "closed_at", NULL);
	snprintf(url, sizeof url, "https://github.example.com/%s/issues/%lld", G.repo, n);
	json_object_object_add(x, "html_url", json_object_new_string(url));
	json_object_object_add(x, "comment_list", json_object_new_array());
	json_object_array_add(jget_array(G.state, "issues"), x);
	alerts_record("github", q->method, q->path, n, b);
	json_object_put(b);
	save();
	reply_json(r, 201, shown(x));
}

static void add_comment(const struct request *q, struct json_object *x, struct reply *r)
{
	struct json_object *b = parse_body(q);
	const char *body = jget_str(b, "body");
	if (!body || !*body) {
		json_object_put(b);
		message(r, 422, "Validation Failed: body is missing");
		return;
	}
	char now[32];
	now_utc(now);
	struct json_object *cl = jget_array(x, "comment_list");
	struct json_object *c = json_object_new_object();
	json_object_object_add(c, "id", json_object_new_int64(2000000 + (int64_t)json_object_array_length(cl)));
	json_object_object_add(c, "body", json_object_new_string(body));
	json_object_object_add(c, "created_at", json_object_new_string(now));
	json_object_array_add(cl, c);
	json_object_object_add(x, "updated_at", json_object_new_string(now));
	alerts_record("github", q->method, q->path, json_object_get_int64(jget(x, "number")), b);
	json_object_put(b);
	save();
	reply_json(r, 201, json_object_get(c));
}

static void patch_issue(const struct request *q, struct json_object *x, struct reply *r)
{
	struct json_object *b = parse_body(q);
	if (!b) {
		message(r, 422, "Validation Failed: the body is not a JSON object");
		return;
	}
	const char *state = jget_str(b, "state"), *reason = jget_str(b, "state_reason");
	if (state && strcmp(state, "open") && strcmp(state, "closed")) {
		json_object_put(b);
		message(r, 422, "Validation Failed: state");
		return;
	}
	char now[32];
	now_utc(now);
	const char *keys[] = { "title", "body" };
	for (int k = 0; k < 2; k++) {
		const char *v = jget_str(b, keys[k]);
		if (v)
			json_object_object_add(x, keys[k], json_object_new_string(v));
	}
	if (state) {
		json_object_object_add(x, "state", json_object_new_string(state));
		json_object_object_add(x, "closed_at", strcmp(state, "closed") ? NULL : json_object_new_string(now));
		json_object_object_add(x, "state_reason", strcmp(state, "closed") ? NULL :
				       json_object_new_string(reason ? reason : "completed"));
	}
	json_object_object_add(x, "updated_at", json_object_new_string(now));
	alerts_record("github", q->method, q->path, json_object_get_int64(jget(x, "number")), b);
	json_object_put(b);
	save();
	reply_json(r, 200, shown(x));
}

void github_handle(const struct request *q, struct reply *r)
{
	if (!authorized(q)) {
		github_unauthorized(r);
		return;
	}
	static const char pre[] = "/github/repos/";
	if (strncmp(q->path, pre, sizeof pre - 1) != 0) {
		message(r, 404, "Not Found");
		return;
	}
	const char *rest = q->path + sizeof pre - 1;
	size_t rl = strlen(G.repo);
	if (strncmp(rest, G.repo, rl) != 0 || (rest[rl] != '/' && rest[rl] != '\0')) {
		message(r, 404, "Not Found");
		return;
	}
	const char *sub = rest + rl;
	pthread_mutex_lock(&G.mu);
	if (strcmp(sub, "/issues") == 0) {
		if (strcmp(q->method, "GET") == 0)
			list_issues(q, G.repo, r);
		else if (strcmp(q->method, "POST") == 0)
			create_issue(q, r);
		else
			message(r, 405, "Method Not Allowed");
	} else if (strncmp(sub, "/issues/", 8) == 0) {
		char *end;
		long long n = strtoll(sub + 8, &end, 10);
		struct json_object *x = end != sub + 8 ? issue_by_number(n) : NULL;
		if (!x) {
			message(r, 404, "Not Found");
		} else if (*end == '\0') {
			if (strcmp(q->method, "PATCH") == 0)
				patch_issue(q, x, r);
			else if (strcmp(q->method, "GET") == 0)
				reply_json(r, 200, shown(x));
			else
				message(r, 405, "Method Not Allowed");
		} else if (strcmp(end, "/comments") == 0) {
			if (strcmp(q->method, "POST") == 0)
				add_comment(q, x, r);
			else if (strcmp(q->method, "GET") == 0)
				reply_json(r, 200, json_object_get(jget_array(x, "comment_list")));
			else
				message(r, 405, "Method Not Allowed");
		} else {
			message(r, 404, "Not Found");
		}
	} else {
		message(r, 404, "Not Found");
	}
	pthread_mutex_unlock(&G.mu);
}
