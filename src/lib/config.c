/* config.c - see config.h */
#include "config.h"
#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "secret.h"

#include <json-c/json.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->sl.page_size = c->sl.concurrency = c->sl.rate_limit = -1;
	c->sl.timeout = -1;
	c->sos.page_size = c->sos.concurrency = c->sos.rate_limit = -1;
	c->sos.timeout = -1;
	c->sos.allow_empty = -1;
}

/* Read a whole small file; dies naming it. */
static char *slurp(const char *path, const char *what, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		sosr_die_errno(SOSR_EXIT_USAGE, "cannot open the %s '%s'", what, path);
	struct buf b = BUF_INIT(CONFIG_MAX_BYTES);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (buf_add(&b, chunk, n) < 0) {
			fclose(fp);
			sosr_die(SOSR_EXIT_USAGE, "the %s '%s' is larger than %u bytes; check that it is the right file",
				 what, path, CONFIG_MAX_BYTES);
		}
	if (ferror(fp)) {
		fclose(fp);
		sosr_die_errno(SOSR_EXIT_USAGE, "cannot read the %s '%s'", what, path);
	}
	fclose(fp);
	if (!b.data)
		buf_addstr(&b, "");
	*len = b.len;
	return buf_detach(&b, NULL);
}

/* ---- typed getters with key paths ---- */

struct ctx {
	const char *file;
};

static void bad(const struct ctx *x, const char *keypath, const char *what) SOSR_NORETURN;
static void bad(const struct ctx *x, const char *keypath, const char *what)
{
	sosr_die(SOSR_EXIT_USAGE, "%s: %s: %s; check the configuration file (docs/CONFIG.md)",
		 x->file, keypath, what);
}

static void check_keys(const struct ctx *x, struct json_object *o, const char *path,
		       const char *const *allowed)
{
	json_object_object_foreach(o, key, val) {
		(void)val;
		const char *const *a;
		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (!*a) {
			char kp[512];
			snprintf(kp, sizeof kp, "%s%s%s", path, *path ? "." : "", key);
			bad(x, kp, "unknown key");
		}
	}
}

static char *get_str_e(const struct ctx *x, struct json_object *o, const char *path, const char *key,
		       int empty_ok)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	char kp[512];
	snprintf(kp, sizeof kp, "%s.%s", path, key);
	if (!json_object_is_type(v, json_type_string))
		bad(x, kp, "expected a string");
	const char *s = json_object_get_string(v);
	if (!*s && !empty_ok)
		bad(x, kp, "expected a non-empty string");
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		bad(x, kp, "the string contains a NUL byte");
	return xstrdup(s);
}

static char *get_str(const struct ctx *x, struct json_object *o, const char *path, const char *key)
{
	return get_str_e(x, o, path, key, 0);
}

static long get_int(const struct ctx *x, struct json_object *o, const char *path, const char *key,
		    long min, long max)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	char kp[512], msg[128];
	snprintf(kp, sizeof kp, "%s.%s", path, key);
	if (!json_object_is_type(v, json_type_int))
		bad(x, kp, "expected a whole number");
	errno = 0;
	int64_t n = json_object_get_int64(v);
	if (errno || n < min || n > max) {
		snprintf(msg, sizeof msg, "out of range %ld..%ld", min, max);
		bad(x, kp, msg);
	}
	return (long)n;
}

static double get_seconds(const struct ctx *x, struct json_object *o, const char *path, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	char kp[512];
	snprintf(kp, sizeof kp, "%s.%s", path, key);
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		bad(x, kp, "expected a number of seconds");
	double d = json_object_get_double(v);
	if (!isfinite(d) || d <= 0 || d > 86400)
		bad(x, kp, "out of range (0, 86400] seconds");
	return d;
}

static int get_bool(const struct ctx *x, struct json_object *o, const char *path, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	char kp[512];
	snprintf(kp, sizeof kp, "%s.%s", path, key);
	if (!json_object_is_type(v, json_type_boolean))
		bad(x, kp, "expected true or false");
	return json_object_get_boolean(v) ? 1 : 0;
}

static struct json_object *get_obj(const struct ctx *x, struct json_object *o, const char *path,
				   const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	char kp[512];
	snprintf(kp, sizeof kp, "%s%s%s", path, *path ? "." : "", key);
	if (!json_object_is_type(v, json_type_object))
		bad(x, kp, "expected an object");
	return v;
}

static void load_account(const struct ctx *x, struct json_object *o, size_t i, struct sl_account *a)
{
	static const char *const keys[] = { "id", "auth", "username", "api_key_env", "api_key_file",
					    "token_env", "token_file", NULL };
	char path[64];
	snprintf(path, sizeof path, "softlayer.accounts[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		bad(x, path, "expected an object");
	check_keys(x, o, path, keys);
	char kp[128];
	a->id = get_str(x, o, path, "id");
	if (!a->id) {
		snprintf(kp, sizeof kp, "%s.id", path);
		bad(x, kp, "missing; every account needs its id");
	}
	for (const char *p = a->id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
			snprintf(kp, sizeof kp, "%s.id", path);
			bad(x, kp, "expected letters, digits, '-' or '_'");
		}
	char *auth = get_str(x, o, path, "auth");
	a->auth = SL_AUTH_BASIC;
	if (auth) {
		if (strcmp(auth, "basic") == 0)
			a->auth = SL_AUTH_BASIC;
		else if (strcmp(auth, "apikey") == 0)
			a->auth = SL_AUTH_APIKEY;
		else if (strcmp(auth, "bearer") == 0)
			a->auth = SL_AUTH_BEARER;
		else {
			free(auth);
			snprintf(kp, sizeof kp, "%s.auth", path);
			bad(x, kp, "expected \"basic\", \"apikey\" or \"bearer\"");
		}
		free(auth);
	}
	a->username = get_str(x, o, path, "username");
	char *ke = get_str(x, o, path, "api_key_env"), *kf = get_str(x, o, path, "api_key_file");
	char *te = get_str(x, o, path, "token_env"), *tf = get_str(x, o, path, "token_file");
	const char *want = a->auth == SL_AUTH_BEARER ? "token_env or token_file"
						     : "api_key_env or api_key_file";
	if (a->auth == SL_AUTH_BEARER) {
		if (ke || kf) {
			snprintf(kp, sizeof kp, "%s.%s", path, ke ? "api_key_env" : "api_key_file");
			bad(x, kp, "not used with auth \"bearer\"; use token_env or token_file");
		}
		a->secret_env = te;
		a->secret_file = tf;
	} else {
		if (te || tf) {
			snprintf(kp, sizeof kp, "%s.%s", path, te ? "token_env" : "token_file");
			bad(x, kp, "only used with auth \"bearer\"; use api_key_env or api_key_file");
		}
		a->secret_env = ke;
		a->secret_file = kf;
	}
	if (a->secret_env && a->secret_file) {
		snprintf(kp, sizeof kp, "%s", path);
		bad(x, kp, a->auth == SL_AUTH_BEARER ? "both token_env and token_file are set; set one"
						     : "both api_key_env and api_key_file are set; set one");
	}
	if (!a->secret_env && !a->secret_file) {
		char msg[128];
		snprintf(msg, sizeof msg, "no credential: set %s", want);
		bad(x, path, msg);
	}
	if (a->auth == SL_AUTH_BASIC && !a->username) {
		snprintf(kp, sizeof kp, "%s.username", path);
		bad(x, kp, "missing; auth \"basic\" needs the SoftLayer user name");
	}
	if (a->auth != SL_AUTH_BASIC && a->username) {
		snprintf(kp, sizeof kp, "%s.username", path);
		bad(x, kp, "only used with auth \"basic\"");
	}
}

static void load_softlayer(const struct ctx *x, struct json_object *o, struct sl_config *s)
{
	static const char *const keys[] = { "endpoint", "page_size", "concurrency", "rate_limit",
					    "timeout", "accounts", NULL };
	check_keys(x, o, "softlayer", keys);
	s->endpoint = get_str(x, o, "softlayer", "endpoint");
	s->page_size = get_int(x, o, "softlayer", "page_size", 2, 10000);
	s->concurrency = get_int(x, o, "softlayer", "concurrency", 1, 64);
	s->rate_limit = get_int(x, o, "softlayer", "rate_limit", 1, 1000);
	s->timeout = get_seconds(x, o, "softlayer", "timeout");
	struct json_object *acc;
	if (!json_object_object_get_ex(o, "accounts", &acc))
		return;
	if (!json_object_is_type(acc, json_type_array))
		bad(x, "softlayer.accounts", "expected an array of accounts");
	size_t n = json_object_array_length(acc);
	if (n == 0)
		bad(x, "softlayer.accounts", "empty; name at least one account");
	s->accounts = xcalloc(n, sizeof *s->accounts);
	s->n_accounts = n;
	for (size_t i = 0; i < n; i++)
		load_account(x, json_object_array_get_idx(acc, i), i, &s->accounts[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->accounts[i].id, s->accounts[j].id) == 0) {
				char kp[64];
				snprintf(kp, sizeof kp, "softlayer.accounts[%zu].id", i);
				bad(x, kp, "the same account is listed twice");
			}
}

static void load_sos(const struct ctx *x, struct json_object *o, struct sos_config *s)
{
	static const char *const keys[] = { "url", "token_env", "token_file", "auth_header",
					    "auth_scheme", "devices_path", "vlans_path",
					    "c_code_param", "offset_param", "limit_param",
					    "total_field", "items_field", "page_size",
					    "concurrency", "rate_limit", "timeout", "allow_empty",
					    NULL };
	check_keys(x, o, "sos", keys);
	s->url = get_str(x, o, "sos", "url");
	s->token_env = get_str(x, o, "sos", "token_env");
	s->token_file = get_str(x, o, "sos", "token_file");
	if (s->token_env && s->token_file)
		bad(x, "sos", "both token_env and token_file are set; set one");
	s->auth_header = get_str(x, o, "sos", "auth_header");
	if (s->auth_header && s->auth_header[strcspn(s->auth_header, ": \t\r\n")])
		bad(x, "sos.auth_header", "expected a header name (no ':' or blanks)");
	/* "" means the token alone, as API-key headers want it. */
	s->auth_scheme = get_str_e(x, o, "sos", "auth_scheme", 1);
	if (s->auth_scheme && s->auth_scheme[strcspn(s->auth_scheme, ": \t\r\n")])
		bad(x, "sos.auth_scheme", "expected one word such as \"Bearer\"");
	s->devices_path = get_str(x, o, "sos", "devices_path");
	s->vlans_path = get_str(x, o, "sos", "vlans_path");
	if (s->devices_path && s->devices_path[0] != '/')
		bad(x, "sos.devices_path", "expected a path starting with '/'");
	if (s->vlans_path && s->vlans_path[0] != '/')
		bad(x, "sos.vlans_path", "expected a path starting with '/'");
	s->c_code_param = get_str(x, o, "sos", "c_code_param");
	s->offset_param = get_str(x, o, "sos", "offset_param");
	s->limit_param = get_str(x, o, "sos", "limit_param");
	s->total_field = get_str(x, o, "sos", "total_field");
	s->items_field = get_str(x, o, "sos", "items_field");
	s->page_size = get_int(x, o, "sos", "page_size", 2, 10000);
	s->concurrency = get_int(x, o, "sos", "concurrency", 1, 64);
	s->rate_limit = get_int(x, o, "sos", "rate_limit", 1, 1000);
	s->timeout = get_seconds(x, o, "sos", "timeout");
	s->allow_empty = get_bool(x, o, "sos", "allow_empty");
}

void config_load(const char *path, struct config *c)
{
	config_init(c);
	c->path = xstrdup(path);
	struct ctx x = { c->path };
	size_t len;
	char *text = slurp(path, "configuration file", &len);
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		sosr_oom();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *root = json_tokener_parse_ex(tok, text, (int)len + 1);
	enum json_tokener_error je = json_tokener_get_error(tok);
	if (!root || je != json_tokener_success) {
		char msg[256];
		snprintf(msg, sizeof msg, "not valid JSON near byte %zu: %s",
			 json_tokener_get_parse_end(tok), json_tokener_error_desc(je));
		json_tokener_free(tok);
		json_object_put(root);
		free(text);
		bad(&x, "(file)", msg);
	}
	json_tokener_free(tok);
	free(text);
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		bad(&x, "(top level)", "expected an object");
	}
	static const char *const keys[] = { "c_code", "softlayer", "sos", "normalize", "diff",
					    "thresholds", "alert", NULL };
	check_keys(&x, root, "", keys);
	struct json_object *v;
	if (json_object_object_get_ex(root, "c_code", &v)) {
		if (!json_object_is_type(v, json_type_string))
			bad(&x, "c_code", "expected a string");
		c->c_code = xstrdup(json_object_get_string(v));
	}
	/* Sections owned by other stages: only their shape is ours to check. */
	static const char *const others[] = { "normalize", "diff", "thresholds", "alert", NULL };
	for (const char *const *k = others; *k; k++)
		get_obj(&x, root, "", *k);
	struct json_object *sl = get_obj(&x, root, "", "softlayer");
	if (sl)
		load_softlayer(&x, sl, &c->sl);
	struct json_object *sos = get_obj(&x, root, "", "sos");
	if (sos)
		load_sos(&x, sos, &c->sos);
	json_object_put(root);
}

void config_free(struct config *c)
{
	free(c->path);
	free(c->c_code);
	free(c->sl.endpoint);
	for (size_t i = 0; i < c->sl.n_accounts; i++) {
		struct sl_account *a = &c->sl.accounts[i];
		free(a->id);
		free(a->username);
		free(a->secret_env);
		free(a->secret_file);
	}
	free(c->sl.accounts);
	struct sos_config *s = &c->sos;
	char **strs[] = { &s->url, &s->token_env, &s->token_file, &s->auth_header, &s->auth_scheme,
			  &s->devices_path, &s->vlans_path, &s->c_code_param, &s->offset_param,
			  &s->limit_param, &s->total_field, &s->items_field };
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
		free(*strs[i]);
	config_init(c);
}

/* ---- ~/.softlayer ---- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t l = strlen(s);
	while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
		s[--l] = '\0';
	return s;
}

int slcli_load(const char *path, struct slcli_file *f)
{
	memset(f, 0, sizeof *f);
	f->timeout = -1;
	FILE *probe = fopen(path, "rb");
	if (!probe) {
		if (errno == ENOENT)
			return 1;
		sosr_die_errno(SOSR_EXIT_USAGE, "cannot open the SoftLayer configuration '%s'", path);
	}
	fclose(probe);
	size_t len;
	char *text = slurp(path, "SoftLayer configuration", &len);
	if (memchr(text, '\0', len)) {
		secret_free(text);
		sosr_die(SOSR_EXIT_USAGE, "%s: not a text file; check that it is an slcli configuration", path);
	}
	/* Python's configparser: "key = value" or "key: value", '#' and ';'
	 * comments, section names in brackets.  Only [softlayer] matters. */
	int in_section = 0;
	unsigned long lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *l = trim(line);
		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			char *end = strchr(l, ']');
			if (!end) {
				secret_free(text);
				sosr_die(SOSR_EXIT_USAGE, "%s: a section header without ']'; check the file", path);
			}
			*end = '\0';
			in_section = strcmp(trim(l + 1), "softlayer") == 0;
			continue;
		}
		if (!in_section)
			continue;
		size_t k = strcspn(l, "=:");
		if (!l[k])
			continue;
		l[k] = '\0';
		char *key = trim(l), *val = trim(l + k + 1);
		char **dst = NULL;
		if (strcmp(key, "username") == 0)
			dst = &f->username;
		else if (strcmp(key, "api_key") == 0)
			dst = &f->api_key;
		else if (strcmp(key, "endpoint_url") == 0)
			dst = &f->endpoint_url;
		else if (strcmp(key, "timeout") == 0) {
			char *end;
			errno = 0;
			double t = strtod(val, &end);
			if (end == val || *end || errno || !isfinite(t) || t < 0) {
				/* val points into text: copy it before text is wiped */
				char shown[41];
				snprintf(shown, sizeof shown, "%s", val);
				secret_free(text);
				sosr_die(SOSR_EXIT_USAGE, "%s: softlayer.timeout: '%s' is not a number of seconds; check the file",
					 path, shown);
			}
			f->timeout = t > 0 ? t : -1;   /* slcli: 0 is no timeout */
		}
		if (dst && *val) {
			if (dst == &f->api_key)
				secret_free(*dst);
			else
				free(*dst);
			*dst = xstrdup(val);
		}
	}
	secret_free(text);
	return 0;
}

void slcli_free(struct slcli_file *f)
{
	free(f->username);
	secret_free(f->api_key);
	free(f->endpoint_url);
	memset(f, 0, sizeof *f);
	f->timeout = -1;
}
