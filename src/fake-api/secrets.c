/*
 * secrets.c - the estate's secrets: each account's API key and IAM token,
 * and the SOS token; derived from the seed, or read from files
 * (--api-key-file, --sos-token-file); and the credentials file that hands
 * them, with the endpoints, to a test (--credentials).
 *
 * Secrets never reach argv, a log or an error message: the key file's
 * errors name the file and the line, never a key.  The buffers of this
 * file that held one are wiped before they are freed, and the strings with
 * secret_free (secret.h); json-c's copies in the credentials file's
 * objects are not, which is acceptable for a simulator's test secrets.
 */
#include "api.h"
#include "estate.h"
#include "rng.h"
#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "secret.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *hex_secret(struct prng *r, size_t nbytes, const char *prefix)
{
	size_t pl = strlen(prefix);
	char *s = xmalloc(pl + nbytes * 2 + 1);
	memcpy(s, prefix, pl);
	for (size_t i = 0; i < nbytes; i++)
		snprintf(s + pl + 2 * i, 3, "%02x", (unsigned)(prng_next(r) & 0xff));
	return s;
}

#define API_KEY_FILE_MAX (4u << 20)

static void key_file_error(struct buf *b, const char *path, size_t line, const char *what)
{
	if (b->data)
		memset(b->data, 0, b->len);
	buf_free(b);
	if (line)
		sosr_error("--api-key-file '%s', line %zu: %s; put one key a line, line i for "
			   "account i (docs/SIMULATOR.md)", path, line, what);
	else
		sosr_error("--api-key-file '%s': %s; put one key a line, line i for account i "
			   "(docs/SIMULATOR.md)", path, what);
	exit(SOSR_EXIT_USAGE);
}

/*
 * The keys of --api-key-file: one a line, line i for account i, exactly
 * one line per account, none empty, none twice.  Each account needs its
 * own key because an "apikey" account (Basic with the literal user
 * "apikey") is found by its key alone.  KEYS[a] gets account a's key (the
 * caller's, secret_free it).  Dies naming the file and the line, never a
 * key.
 */
static void read_api_keys(const char *path, char **keys, size_t naccounts)
{
	struct buf b = BUF_INIT(API_KEY_FILE_MAX);
	if (secret_read_all(path, "--api-key-file", &b) < 0)
		exit(SOSR_EXIT_USAGE);
	if (b.len == 0)
		key_file_error(&b, path, 0, "empty");
	if (memchr(b.data, '\0', b.len))
		key_file_error(&b, path, 0, "not text (a NUL byte)");
	size_t nlines = 0;
	for (char *p = b.data, *end = b.data + b.len; p < end; nlines++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		p = nl ? nl + 1 : end;
	}
	if (nlines != naccounts) {
		char what[120];
		snprintf(what, sizeof what, "%zu key%s for %zu account%s", nlines, nlines == 1 ? "" : "s",
			 naccounts, naccounts == 1 ? "" : "s");
		key_file_error(&b, path, 0, what);
	}
	size_t line = 0;
	for (char *p = b.data, *end = b.data + b.len; p < end; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (len == 0 || len > SECRET_MAX_LEN) {
			for (size_t k = 0; k < line; k++)
				secret_free(keys[k]);
			key_file_error(&b, path, line + 1, len ? "a key longer than 64 KiB" : "empty");
		}
		keys[line] = xstrndup(p, len);
		for (size_t k = 0; k < line; k++)
			if (strcmp(keys[k], keys[line]) == 0) {
				char what[120];
				snprintf(what, sizeof what, "the same key as line %zu; each account needs its own", k + 1);
				for (size_t j = 0; j <= line; j++)
					secret_free(keys[j]);
				key_file_error(&b, path, line + 1, what);
			}
		p = nl ? nl + 1 : end;
	}
	memset(b.data, 0, b.len);
	buf_free(&b);
}

void estate_set_secrets(struct estate *e, const char *api_key_file, const char *sos_token_file)
{
	/* Derived from the seed: a simulator's secrets are not secret, but they
	 * are fresh per seed so that a test cannot pass by accident. */
	struct prng r = { e->seed ^ 0x5ec12e7ULL };
	char **keys = NULL;
	if (api_key_file) {
		keys = xcalloc(e->naccounts, sizeof *keys);
		read_api_keys(api_key_file, keys, e->naccounts);
	}
	for (size_t a = 0; a < e->naccounts; a++) {
		struct account *ac = &e->accounts[a];
		secret_free(ac->api_key);
		secret_free(ac->token);
		ac->api_key = keys ? keys[a] : hex_secret(&r, 32, "");
		ac->token = hex_secret(&r, 24, "sl-iam-");
	}
	free(keys);
	secret_free(e->sos_token);
	if (sos_token_file) {
		if (secret_from_file(sos_token_file, "--sos-token-file", &e->sos_token) != 0)
			exit(SOSR_EXIT_USAGE);
	} else {
		e->sos_token = hex_secret(&r, 24, "sos-");
	}
}

void estate_write_credentials(const struct estate *e, const char *path, const char *base)
{
	struct json_object *o = json_object_new_object(), *sl = json_object_new_object(), *acs = json_object_new_array();
	char url[256];
	snprintf(url, sizeof url, "%s/rest/v3.1", base);
	json_object_object_add(sl, "endpoint", json_object_new_string(url));
	for (size_t a = 0; a < e->naccounts; a++) {
		const struct account *ac = &e->accounts[a];
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "id", json_object_new_string(ac->id));
		json_object_object_add(j, "username", json_object_new_string(ac->username));
		json_object_object_add(j, "api_key", json_object_new_string(ac->api_key));
		json_object_object_add(j, "auth", json_object_new_string(ac->auth == AUTH_APIKEY ? "apikey" : "basic"));
		json_object_object_add(j, "token", json_object_new_string(ac->token));
		json_object_array_add(acs, j);
	}
	json_object_object_add(sl, "accounts", acs);
	json_object_object_add(o, "softlayer", sl);
	struct json_object *sos = json_object_new_object();
	json_object_object_add(sos, "url", json_object_new_string(base));
	json_object_object_add(sos, "token", json_object_new_string(e->sos_token));
	json_object_object_add(sos, "c_code", json_object_new_string(e->c_code));
	json_object_object_add(o, "sos", sos);
	struct json_object *al = json_object_new_object();
	snprintf(url, sizeof url, "%s/pagerduty/v2/enqueue", base);
	json_object_object_add(al, "pagerduty_url", json_object_new_string(url));
	snprintf(url, sizeof url, "%s/slack/webhook/T0000/B0000/fake", base);
	json_object_object_add(al, "slack_url", json_object_new_string(url));
	snprintf(url, sizeof url, "%s/webhook/sosr", base);
	json_object_object_add(al, "webhook_url", json_object_new_string(url));
	json_object_object_add(o, "alerts", al);
	struct json_object *gh = json_object_new_object();
	snprintf(url, sizeof url, "%s/github", base);
	json_object_object_add(gh, "api_url", json_object_new_string(url));
	json_object_object_add(gh, "repository", json_object_new_string(github_repo()));
	json_object_object_add(gh, "token", json_object_new_string(github_token()));
	json_object_object_add(o, "github", gh);
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct buf b = BUF_INIT(0);
	buf_addstr(&b, s);
	buf_addch(&b, '\n');
	json_object_put(o);
	write_file_atomic(path, b.data, b.len, 0600, "credentials file");
	/* The buffer held secrets. */
	memset(b.data, 0, b.len);
	buf_free(&b);
}
