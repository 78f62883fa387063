/*
 * config.h - the JSON configuration file of a C_Code job (docs/CONFIG.md),
 * and slcli's ~/.softlayer, as the stages read them.
 *
 * One loader for every section: the top level ("c_code"), "softlayer" and
 * "sos" (the fetchers), "normalize", "diff", "thresholds", "alert",
 * "history", "exceptions" and "soc2" (the reports, soc2.h).
 * Every stage that has settings takes --config FILE and reads its section
 * from a struct config; flags win over the file, the file over the
 * defaults.  `sosr-config check` loads the whole file the same way, so a
 * file that passes the check is read without an error by every stage.
 *
 * The file names secrets (the environment variable or file holding each),
 * never holds them.  Loading is strict: a key this module does not know is
 * an error, so that a typo cannot silently disable a setting.  Every error
 * names the file, the key path and what is wrong
 * ("alc.json: softlayer.accounts[1].api_key_env: expected a non-empty
 * string; check the configuration file (docs/CONFIG.md)") and exits with
 * SOSR_EXIT_USAGE: a bad configuration is a usage error.
 *
 * A struct config owns all its strings; release it with config_free().
 * Unset values are NULL (strings) or -1 (numbers), so that the caller
 * applies its own precedence: flag, then environment, then file, then
 * default.  Paths in the file (normalize.map) are resolved against the
 * file's directory; secret files are taken as written (relative to the
 * job's working directory), as Jenkins hands them out.
 */
#ifndef SOSR_CONFIG_H
#define SOSR_CONFIG_H

#include <stddef.h>
#include "finding.h"
#include "soc2.h"
#include "threshold.h"

#define CONFIG_MAX_BYTES (1u << 20)

/* The C_Code rule, for every stage and the simulator. */
#define C_CODE_MAX 32
#define C_CODE_RULE "capital letters, digits and '_', starting with a letter, at most 32, like ALC_WAT"
int config_valid_c_code(const char *s);

enum sl_auth { SL_AUTH_BASIC, SL_AUTH_APIKEY, SL_AUTH_BEARER };

struct sl_account {
	char *id;               /* the account id printed in raw records */
	enum sl_auth auth;
	char *username;         /* basic only */
	char *secret_env;       /* api_key_env or token_env */
	char *secret_file;      /* api_key_file or token_file */
};

/* What both fetchers' sections say of fetching: the same keys, with the
 * same meaning as the fetchers' flags (fetchopt.h). */
struct fetch_config {
	long page_size, concurrency, rate_limit;
	double timeout;         /* seconds, -1 unset */
	int allow_empty;        /* -1 unset, 0, 1 */
	int allow_insecure_http;/* -1 unset, 0, 1: plain http:// to another host */
	char *ca_file;          /* the CA bundle for this endpoint, NULL: the system's */
};

struct sl_config {
	char *endpoint;
	struct fetch_config fetch;
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
	struct fetch_config fetch;
};

#define CONFIG_MAX_DOMAINS 64

struct normalize_config {
	char *default_domains[CONFIG_MAX_DOMAINS]; /* lowercased, no trailing dot */
	size_t n_default_domains;
	int key_by_id;          /* -1 unset, 0 fqdn, 1 id */
	char *map;              /* resolved against the file's directory */
	long long memory;       /* bytes, -1 unset (a size like "256M") */
};

/* sosr-normalize's memory budget (--memory, normalize.memory): above it,
 * sorted runs are spilled to TMPDIR.  Bounded below so that the fixed
 * buffers fit, above so that a typo is not silently "no limit". */
#define CONFIG_MIN_MEMORY (1LL << 20)   /* 1M */
#define CONFIG_MAX_MEMORY (1LL << 40)   /* 1T */

/* A device younger than the grace is pending, not missing: bounded, so a
 * typo cannot hide a missing machine for a year. */
#define CONFIG_MAX_GRACE (30 * 86400.0)

struct diff_config {
	double grace;           /* seconds, -1 unset */
	char *compare[KIND_N];  /* "private_ip,public_ip" (checked), NULL unset */
	char *identities[KIND_N]; /* "fqdn,id,private_ip" (checked), NULL unset */
};

/* The alert targets, in the order they are delivered.  Each has one
 * secret: PagerDuty's routing key (it travels in the event), the Slack and
 * webhook URLs (they carry their token); the configuration names it by
 * variable (KEY_env) or file (KEY_file), else the default variable. */
enum alert_target { ALERT_PAGERDUTY, ALERT_SLACK, ALERT_WEBHOOK, ALERT_GITHUB, ALERT_N };

struct alert_target_info {
	const char *name;          /* "pagerduty": the section and the flag */
	const char *secret_key;    /* "routing_key": KEY_env, KEY_file in the section */
	const char *default_env;   /* "PAGERDUTY_ROUTING_KEY" */
};
extern const struct alert_target_info alert_targets[ALERT_N];

/* A target is used when its section is present. */
struct alert_target_config {
	int on;
	char *secret_env, *secret_file;
	int post_daily;         /* slack, webhook: post every run, not only when
	                           the set of findings changed (-1 unset) */
};

/* GitHub issues (alert.github): one open issue per C_Code and event kind,
 * found by the marker label (the first of labels) and a hidden line of its
 * body.  The token is the target's secret (token_env, token_file). */
#define GITHUB_DEFAULT_API_URL "https://api.github.com"
#define GITHUB_DEFAULT_LABEL "sos-reconcile"
#define GITHUB_MAX_LABELS 10
#define GITHUB_MAX_STAGES 16
#define GITHUB_MAX_EXITS 16

/* The events that open an issue; each is one issue per C_Code. */
enum gh_event { GH_FAILED_RUN, GH_AGED, GH_EXPIRED_EXCEPTION, GH_EVENT_N };
/* "failed-run", "aged", "expired-exception": the marker's word */
extern const char *const gh_event_names[GH_EVENT_N];
/* "failed_run", ...: the key in alert.github.events */
extern const char *const gh_event_keys[GH_EVENT_N];

struct github_config {
	char *repository;       /* "owner/name"; required with the section */
	char *api_url;          /* NULL: GITHUB_DEFAULT_API_URL */
	char *labels[GITHUB_MAX_LABELS]; /* the first is the marker label */
	size_t n_labels;        /* 0: { GITHUB_DEFAULT_LABEL } */
	int event_on[GH_EVENT_N]; /* -1 unset (on), 0, 1 */
	char *stages[GITHUB_MAX_STAGES]; /* failed_run.stages; none: any stage */
	size_t n_stages;
	int exits[GITHUB_MAX_EXITS];     /* failed_run.exits; none: any code >= 2 */
	size_t n_exits;
};

struct alert_config {
	struct alert_target_config target[ALERT_N];
	struct github_config github;
	char *pagerduty_url, *severity, *source;
	char *ca_file;
	int allow_insecure_http;        /* -1 unset, 0, 1 */
};

/* Where runs are kept across days (sosr-publish archive, sosr-track):
 * without a directory, every run is an island. */
#define HISTORY_DEFAULT_KEEP_DAYS 400   /* a 12-month audit period, and margin */
#define HISTORY_DEFAULT_DROP_PERCENT 10.0
#define HISTORY_DEFAULT_DROP_COUNT 50

struct history_config {
	char *dir;              /* resolved against the file's directory; NULL: none */
	long keep_days;         /* -1 unset */
	double drop_percent;    /* the drop guard: a drop of this share and */
	long drop_count;        /* this count of a population; -1 unset */
};

#define EXCEPTIONS_DEFAULT_MAX_DAYS 365

struct exceptions_config {
	char *file;             /* resolved against the file's directory; NULL: none */
	long max_days;          /* the longest an exception may run; -1 unset */
};

/* The evidence locker: the archive as a git working tree, one commit a
 * run (sosr-locker).  Git's own configuration decides signing and
 * credentials; the project never handles either. */
#define LOCKER_DEFAULT_REMOTE "origin"
#define LOCKER_DEFAULT_PUSH_RETRIES 3

struct locker_config {
	char *repo;             /* the working tree, resolved against the file's
	                           directory; NULL: no locker */
	int push;               /* push each run's commit; -1 unset (no) */
	char *remote;           /* the remote pushed to; NULL: "origin" */
	long push_retries;      /* fetch, rebase and push again after a rejected
	                           push; -1 unset */
};

/* The ticket text of a failure that is the API's (tickets): an SOS
 * ticket, or a SoftLayer support case; the runbook's values by default. */
enum ticket_system { TICKET_SOS, TICKET_SOFTLAYER, TICKET_N };
#define TICKET_DEFAULT_SOS_GROUP "SOS API"
#define TICKET_DEFAULT_SOFTLAYER_GROUP "IBM Cloud Support (SoftLayer)"
#define TICKET_DEFAULT_SEVERITY 2

struct tickets_config {
	char *group[TICKET_N];  /* assignment_group; NULL: the default */
	long severity[TICKET_N];/* 1..4; -1: the default */
	int off[TICKET_N];      /* "sos": false */
};

struct config {
	char *path;             /* for messages */
	char *c_code;
	struct sl_config sl;
	struct sos_config sos;
	struct normalize_config norm;
	struct diff_config diff;
	struct thresholds thresholds;   /* the defaults, overridden by the file */
	struct alert_config alert;
	struct history_config history;
	struct exceptions_config exceptions;
	struct locker_config locker;
	struct tickets_config tickets;
	struct soc2_config soc2;          /* the reports' SOC 2 mapping (soc2.h) */
};

/* Set every value to "unset". */
void config_init(struct config *c);
/* Load PATH into C (initialized here); dies with SOSR_EXIT_USAGE on any
 * error, naming the file and the key. */
void config_load(const char *path, struct config *c);
/* What a whole job needs beyond a loadable file: the SoftLayer accounts,
 * and a C_Code (from the file, or C_CODE when not NULL).  Dies like
 * config_load. */
void config_check_job(const struct config *c, const char *c_code);
void config_free(struct config *c);

/* A default domain as normalize uses it: lowercased, trailing dots
 * removed, in place.  0, or -1 when it is not a domain name. */
int config_domain(char *d);

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
