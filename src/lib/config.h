/*
 * config.h - the JSON configuration file of a C_Code job (docs/CONFIG.md),
 * and slcli's ~/.softlayer, as the fetchers read them.
 *
 * The file names secrets (the environment variable or file holding each),
 * never holds them.  Loading is strict: a key this module does not know in
 * the sections it reads ("softlayer", "sos", the top level) is an error, so
 * that a typo cannot silently disable a setting; the sections other stages
 * own ("normalize", "diff", "thresholds", "alert") must be objects and are
 * left to them.  Every error names the file, the key path and what is wrong
 * ("alc.json: softlayer.accounts[1].api_key_env: expected a string") and
 * exits with SOSR_EXIT_USAGE: a bad configuration is a usage error.
 *
 * A struct config owns all its strings; release it with config_free().
 * Unset values are NULL (strings) or -1 (numbers), so that the caller
 * applies its own precedence: flag, then environment, then file, then
 * default.
 */
#ifndef SOSR_CONFIG_H
#define SOSR_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_BYTES (1u << 20)

enum sl_auth { SL_AUTH_BASIC, SL_AUTH_APIKEY, SL_AUTH_BEARER };

struct sl_account {
	char *id;               /* the account id printed in raw records */
	enum sl_auth auth;
	char *username;         /* basic only */
	char *secret_env;       /* api_key_env or token_env */
	char *secret_file;      /* api_key_file or token_file */
};

struct sl_config {
	char *endpoint;
	long page_size, concurrency, rate_limit;
	double timeout;         /* seconds, -1 unset */
	struct sl_account *accounts;
	size_t n_accounts;
};

struct sos_config {
	char *url;
	char *token_env, *token_file;
	char *auth_header, *auth_scheme;
	char *devices_path, *vlans_path;
	char *c_code_param, *offset_param, *limit_param;
	char *total_field, *items_field;
	long page_size, concurrency, rate_limit;
	double timeout;
	int allow_empty;        /* -1 unset, 0, 1 */
};

struct config {
	char *path;             /* for messages */
	char *c_code;
	struct sl_config sl;
	struct sos_config sos;
};

/* Set every value to "unset". */
void config_init(struct config *c);
/* Load PATH into C (initialized here); dies with SOSR_EXIT_USAGE on any
 * error, naming the file and the key. */
void config_load(const char *path, struct config *c);
void config_free(struct config *c);

/* slcli's INI file (~/.softlayer): the [softlayer] section. */
struct slcli_file {
	char *username, *api_key, *endpoint_url;
	double timeout;         /* -1 unset */
};
/* 0 when read, 1 when the file does not exist; dies (SOSR_EXIT_USAGE) on
 * a file that exists but cannot be read or parsed.  api_key is a secret:
 * release the struct with slcli_free, which wipes it. */
int slcli_load(const char *path, struct slcli_file *f);
void slcli_free(struct slcli_file *f);

#endif
