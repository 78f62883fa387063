/*
 * sosr-config - check a job's configuration without touching the network,
 * and tell the driver what it needs to know of it.
 *
 *     sosr-config check alc.json          # a pre-merge check of a config change
 *     sosr-config vars alc.json           # the driver's: C_Code, accounts, secrets
 *     sosr-config flags --now T ...       # the driver's: its own flags' values
 *
 * `check` loads the file exactly as every stage does (src/lib/config.c),
 * then what the file names: the mapping file and the exceptions file must
 * load, and the file must describe a whole job (SoftLayer accounts, a
 * C_Code).  A file that passes
 * is read without an error by every stage.  `vars` does the same checks
 * and prints, one per line, NAME TAB VALUE (docs/FORMATS.md, "sosr-config
 * vars"): the C_Code in force, the account ids, and for each stage that
 * reads secrets the environment variables it reads, so that the driver
 * gives each stage only its own (the values are never read here).
 * `flags` validates the values of the driver's flags that it passes on to
 * the stages, with the stages' own rules, so that a bad flag fails before
 * anything is written.
 */
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exceptions.h"
#include "exitcodes.h"
#include "fileio.h"
#include "fetchopt.h"
#include "map.h"
#include "output.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_text[] =
"Usage: sosr-config check [--c-code CODE] FILE\n"
"       sosr-config vars [--c-code CODE] [--inputs DIR] FILE\n"
"       sosr-config flags [--c-code CODE] [--now TIME] [--retries N] [--retry-wait S]\n"
"                         [--umask MODE]\n"
"Check the configuration FILE of a C_Code job (docs/CONFIG.md) as every\n"
"stage reads it, without touching the network.\n"
"\n"
"Commands:\n"
"  check                   load every section and the mapping file it names,\n"
"                          check that it describes a whole job, print a summary\n"
"  vars                    the same checks; print what the driver needs, one\n"
"                          NAME<TAB>VALUE a line (docs/FORMATS.md)\n"
"  flags                   check the values of the driver's flags only\n"
"\n"
"Options:\n"
"      --inputs DIR        vars: also copy the file, and the mapping and\n"
"                          exceptions files it names, into DIR (config.json,\n"
"                          map.json, exceptions.json): what a replay of the\n"
"                          run reads\n"
"\n"
"Options:\n"
"      --c-code CODE       the C_Code the job runs for (overrides \"c_code\")\n"
"      --now TIME          flags: an RFC 3339 time\n"
"      --retries N         flags: retries, 0..20\n"
"      --retry-wait S      flags: a duration like 0.5s\n"
"      --umask MODE        flags: an octal file mode mask like 027\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status:\n"
"  0   the configuration (or the flags) can be used\n"
"  2   usage or configuration error (the message names the file and the key)\n"
"  9   cannot write the output\n"
"  10  internal error\n";

/* Names a stage reads a secret from: NAME, and NAME_FILE by secret.h.  As
 * many as the accounts (a job may have thousands). */
struct names {
	const char **v;
	size_t n, alloc;
};

static void add_name(struct names *s, const char *name)
{
	if (!name)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return;
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 16;
		s->v = xrealloc(s->v, s->alloc * sizeof *s->v);
	}
	s->v[s->n++] = name;
}

static void print_names(const char *key, const struct names *s)
{
	printf("%s\t", key);
	for (size_t i = 0; i < s->n; i++)
		printf("%s%s", i ? " " : "", s->v[i]);
	putchar('\n');
}

/* The configured alert targets, SEP between them, NONE when there are none. */
static void print_targets(const struct config *c, const char *sep, const char *none)
{
	int n = 0;
	for (int t = 0; t < ALERT_N; t++)
		if (c->alert.target[t].on)
			printf("%s%s", n++ ? sep : "", alert_targets[t].name);
	if (!n)
		fputs(none, stdout);
}

/* Copy FROM to DIR/NAME, for the run's inputs/. */
static void copy_input(const char *from, const char *dir, const char *name)
{
	struct buf data = BUF_INIT(0), to = BUF_INIT(0);
	buf_printf(&to, "%s/%s", dir, name);
	if (fileio_read_all(from, &data) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", from);
	if (fileio_write_atomic(to.data, data.data ? data.data : "", data.len) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot write '%s'; check free space", to.data);
	buf_free(&data);
	buf_free(&to);
}

/* What a replay recomputes the run from, as the stages read it: the
 * configuration's bytes and the files it names. */
static void copy_inputs(const struct config *c, const char *dir)
{
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create '%s'", dir);
	copy_input(c->path, dir, "config.json");
	if (c->norm.map)
		copy_input(c->norm.map, dir, "map.json");
	if (c->exceptions.file)
		copy_input(c->exceptions.file, dir, "exceptions.json");
}

/* The variables each stage reads, as the stages decide them: the fetchers
 * take SL_API_KEY and SOS_TOKEN before the configured ones, the alert the
 * default names of its targets. */
static void print_vars(const struct config *c, const char *c_code)
{
	printf("c_code\t%s\n", c_code ? c_code : c->c_code);
	printf("accounts\t");
	for (size_t i = 0; i < c->sl.n_accounts; i++)
		printf("%s%s", i ? "," : "", c->sl.accounts[i].id);
	putchar('\n');

	struct names sl = { NULL, 0, 0 }, sos = { NULL, 0, 0 }, alert = { NULL, 0, 0 };
	add_name(&sl, "SL_API_KEY");
	for (size_t i = 0; i < c->sl.n_accounts; i++)
		add_name(&sl, c->sl.accounts[i].secret_env);
	add_name(&sos, "SOS_TOKEN");
	add_name(&sos, c->sos.token_env);
	for (int t = 0; t < ALERT_N; t++) {
		const struct alert_target_config *a = &c->alert.target[t];
		if (a->on && !a->secret_file)
			add_name(&alert, a->secret_env ? a->secret_env : alert_targets[t].default_env);
	}
	print_names("secrets.fetch-softlayer", &sl);
	print_names("secrets.fetch-sos", &sos);
	print_names("secrets.alert", &alert);
	printf("alert\t");
	print_targets(c, " ", "");
	putchar('\n');
	printf("history\t%s\n", c->history.dir ? c->history.dir : "");
	printf("keep_days\t%ld\n", c->history.keep_days > 0 ? c->history.keep_days : HISTORY_DEFAULT_KEEP_DAYS);
	printf("exceptions\t%s\n", c->exceptions.file ? c->exceptions.file : "");
	printf("locker\t%s\n", c->locker.repo ? c->locker.repo : "");
	printf("map\t%s\n", c->norm.map ? c->norm.map : "");
	free(sl.v);
	free(sos.v);
	free(alert.v);
}

static void print_summary(const struct config *c, const char *c_code)
{
	printf("%s: ok: C_Code %s, %zu SoftLayer account%s, alert ", c->path,
	       c_code ? c_code : c->c_code, c->sl.n_accounts, c->sl.n_accounts == 1 ? "" : "s");
	print_targets(c, ", ", "not configured");
	putchar('\n');
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	enum { O_C_CODE = 256, O_NOW, O_RETRIES, O_RETRY_WAIT, O_UMASK, O_INPUTS };
	static const struct option longopts[] = {
		{ "c-code", required_argument, NULL, O_C_CODE },
		{ "now", required_argument, NULL, O_NOW },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "retry-wait", required_argument, NULL, O_RETRY_WAIT },
		{ "umask", required_argument, NULL, O_UMASK },
		{ "inputs", required_argument, NULL, O_INPUTS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *c_code = NULL, *inputs = NULL;
	int have_run_flags = 0, ch;
	struct fetchopt fo;
	fetchopt_init(&fo);
	while ((ch = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (ch) {
		case O_C_CODE:
			if (!config_valid_c_code(optarg))
				sosr_usage_error("--c-code: '%.40s' is not a C_Code (" C_CODE_RULE ")", optarg);
			c_code = optarg;
			break;
		case O_NOW:
			cli_time(optarg, "--now");
			have_run_flags = 1;
			break;
		case O_RETRIES:
			fetchopt_parse(FETCHOPT_RETRIES, optarg, &fo);
			have_run_flags = 1;
			break;
		case O_RETRY_WAIT:
			fetchopt_parse(FETCHOPT_RETRY_WAIT, optarg, &fo);
			have_run_flags = 1;
			break;
		case O_UMASK: {
			/* octal, and the owner keeps reading and writing what
			 * the run writes */
			char *end;
			long m = strtol(optarg, &end, 8);
			if (!*optarg || *end || m < 0 || m > 0777 || (m & 0600))
				sosr_usage_error("--umask: '%s' is not an octal mask that lets the owner read and "
						 "write (like 027 or 077)", optarg);
			have_run_flags = 1;
			break;
		}
		case O_INPUTS:
			if (!*optarg)
				sosr_usage_error("--inputs: empty directory name");
			inputs = optarg;
			break;
		case 'h':
			cli_help(usage_text);
		case 'V':
			cli_version();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		sosr_usage_error("a command is required: check, vars or flags");
	const char *cmd = argv[0];
	if (strcmp(cmd, "flags") == 0) {
		if (argc > 1)
			sosr_usage_error("flags: unexpected operand '%s'", argv[1]);
		out_close_stdout();
		return SOSR_EXIT_OK;
	}
	int vars = strcmp(cmd, "vars") == 0;
	if (!vars && strcmp(cmd, "check") != 0)
		sosr_usage_error("'%s' is not a command; use check, vars or flags", cmd);
	if (have_run_flags)
		sosr_usage_error("--now, --retries, --retry-wait and --umask belong to the flags command");
	if (argc != 2)
		sosr_usage_error("%s: expected one FILE, the job's configuration", cmd);
	if (inputs && !vars)
		sosr_usage_error("--inputs belongs to the vars command");

	struct config cfg;
	config_load(argv[1], &cfg);
	config_check_job(&cfg, c_code);
	struct mapping map;
	map_load(&map, cfg.norm.map);
	map_free(&map);
	if (cfg.exceptions.file) {
		struct exceptions ex;
		exceptions_load(cfg.exceptions.file, cfg.exceptions.max_days > 0 ? cfg.exceptions.max_days
										: EXCEPTIONS_DEFAULT_MAX_DAYS, &ex);
		exceptions_free(&ex);
	}
	if (inputs)
		copy_inputs(&cfg, inputs);
	if (vars)
		print_vars(&cfg, c_code);
	else
		print_summary(&cfg, c_code);
	config_free(&cfg);
	out_close_stdout();
	return SOSR_EXIT_OK;
}
