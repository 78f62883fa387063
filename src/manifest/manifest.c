/*
 * sosr-manifest - write the manifest of a run: what ran, how it ended, and
 * the sha256 of every file of the run (docs/FORMATS.md, "manifest.json").
 *
 *     sosr-manifest --status complete ... RUN_DIR > RUN_DIR/manifest.json.tmp
 *
 * The driver calls it last, on the finished files of the work directory,
 * into WORK/manifest.json, and publishes the run (sosr-publish swap) only
 * when it exited 0: a manifest is whole or absent.  Every file under RUN_DIR is listed (sorted by path in
 * byte order) except the manifest itself and names starting with '.', so
 * a file cannot be added to a run without appearing here.  Its inputs are
 * files and short flags, never an argument that grows with the estate (a
 * job with thousands of accounts once exceeded the kernel's limit on one
 * argument).
 */
#include "archive.h"
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "fileio.h"
#include "jsondoc.h"
#include "jsonw.h"
#include "output.h"
#include "sha256.h"
#include "subproc.h"
#include "timeutil.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#define MANIFEST_FORMAT 3
#define SIDE_FILE_MAX (1u << 20)
#define REPORT_MAX (512u << 20)

static const char usage_text[] =
"Usage: sosr-manifest [OPTIONS] RUN_DIR\n"
"Write the manifest of the run in RUN_DIR (docs/FORMATS.md, \"manifest.json\")\n"
"on standard output: the run's status, its stages, and the size and sha256\n"
"of every file under RUN_DIR (but names starting with '.' and the manifest).\n"
"\n"
"Options:\n"
"      --config FILE       the job's configuration: its name, sha256 and accounts\n"
"      --c-code CODE       the C_Code the run was for\n"
"      --started TIME      when the run started (UTC)\n"
"      --finished TIME     when it finished (UTC)\n"
"      --status STATUS     complete or incomplete\n"
"      --verdict VERDICT   significant, not_significant, incomplete or suspect\n"
"      --exit N            the run's exit status\n"
"      --complete SIDE     SIDE (softlayer or sos) was fetched completely;\n"
"                          repeatable\n"
"      --stages FILE       one line per stage run: NAME EXIT START END\n"
"                          (seconds since the epoch)\n"
"      --failures FILE     one line per failure: STAGE<TAB>EXIT<TAB>MESSAGE\n"
"      --alert STATUS      delivered, failed, not-configured or not-needed\n"
"      --alert-detail TEXT what was sent, or why it failed\n"
"      --demo              the run was against the built-in simulator\n"
"      --exceptions FILE   the exceptions file the run used: its sha256\n"
"                          (default: RUN_DIR/inputs/exceptions.json, if any)\n"
"      --now TIME          the reference time the stages were given (the grace\n"
"                          period, the lifecycle's ages), for a replay\n"
"      --accept-drop REASON  the drop guard was overridden, and why\n"
"      --history DIR       the archive: the previous run's manifest, whose\n"
"                          sha256 chains this one to it\n"

"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Exit status:\n"
"  0   the manifest was written\n"
"  2   usage error\n"
"  7   a stages or failures file that is not in its format\n"
"  9   cannot read a file of the run or write the manifest\n"
"  10  internal error\n";

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/* Read a small side file (the driver's) whole. */
static char *slurp(const char *path, const char *what)
{
	struct buf b = BUF_INIT(SIDE_FILE_MAX);
	if (fileio_read_all(path, &b) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read the %s file '%s'", what, path);
	if (!b.data)
		buf_addstr(&b, "");
	return buf_detach(&b, NULL);
}

/* Seconds with three decimals, without trailing zeros, as a double whose
 * text is fixed (jq's way of printing the driver's old "%.3f"). */
static struct json_object *seconds(double s)
{
	char t[32];
	snprintf(t, sizeof t, "%.3f", s < 0 ? 0 : s);
	char *e = t + strlen(t) - 1;
	while (*e == '0')
		*e-- = '\0';
	if (*e == '.')
		*e = '\0';
	return json_object_new_double_s(strtod(t, NULL), t);
}

/* One line of the stages file, "NAME EXIT START END", as a stage. */
static struct json_object *stage_line(char *l, const char *path, unsigned long lineno)
{
	char name[64];
	int code;
	double t0, t1;
	if (sscanf(l, "%63s %d %lf %lf", name, &code, &t0, &t1) != 4)
		sosr_die(SOSR_EXIT_DATA, "%s:%lu: expected NAME EXIT START END; this is a bug of the driver",
			 path, lineno);
	struct json_object *s = json_object_new_object();
	json_object_object_add(s, "name", json_object_new_string(name));
	json_object_object_add(s, "exit", json_object_new_int(code));
	json_object_object_add(s, "seconds", seconds(t1 - t0));
	return s;
}

/* One line of the failures file, "STAGE<TAB>EXIT<TAB>MESSAGE". */
static struct json_object *failure_line(char *l, const char *path, unsigned long lineno)
{
	char *t1 = strchr(l, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	if (!t2)
		sosr_die(SOSR_EXIT_DATA, "%s:%lu: expected STAGE<TAB>EXIT<TAB>MESSAGE; this is a bug of the driver",
			 path, lineno);
	*t1 = *t2 = '\0';
	struct json_object *f = json_object_new_object();
	json_object_object_add(f, "stage", json_object_new_string(l));
	json_object_object_add(f, "exit", json_object_new_int(atoi(t1 + 1)));
	json_object_object_add(f, "error", json_object_new_string(t2 + 1));
	return f;
}

/* The lines of the side file PATH (none when NULL), each made an element
 * of the array by LINE. */
static struct json_object *lines(const char *path, const char *what,
				 struct json_object *(*line)(char *, const char *, unsigned long))
{
	struct json_object *a = json_object_new_array();
	if (!path)
		return a;
	char *text = slurp(path, what), *save = NULL;
	unsigned long lineno = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		json_object_array_add(a, line(l, path, ++lineno));
	free(text);
	return a;
}

/* ---- the files of the run ---- */

struct files {
	char **path;
	size_t n, alloc;
};

static void walk(const char *root, const char *rel, struct files *fs)
{
	struct buf dir = BUF_INIT(0);
	buf_printf(&dir, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(dir.data);
	if (!d)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read the run directory '%s'", dir.data);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!*rel && (strcmp(e->d_name, "manifest.json") == 0 ||
			      strcmp(e->d_name, "manifest.json.tmp") == 0))
			continue;
		struct buf r = BUF_INIT(0), full = BUF_INIT(0);
		buf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		buf_printf(&full, "%s/%s", root, r.data);
		struct stat st;
		if (lstat(full.data, &st) < 0)
			sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", full.data);
		if (S_ISDIR(st.st_mode)) {
			walk(root, r.data, fs);
			buf_free(&r);
		} else if (S_ISREG(st.st_mode)) {
			if (fs->n == fs->alloc) {
				fs->alloc = fs->alloc ? 2 * fs->alloc : 16;
				fs->path = xrealloc(fs->path, fs->alloc * sizeof *fs->path);
			}
			fs->path[fs->n++] = buf_detach(&r, NULL);
		} else {
			sosr_die(SOSR_EXIT_IO, "'%s' is neither a file nor a directory; a run directory holds "
				 "only files", full.data);
		}
		buf_free(&full);
	}
	closedir(d);
	buf_free(&dir);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct json_object *files(const char *root)
{
	struct files fs = { NULL, 0, 0 };
	walk(root, "", &fs);
	qsort(fs.path, fs.n, sizeof *fs.path, cmp_path);
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < fs.n; i++) {
		struct buf full = BUF_INIT(0);
		buf_printf(&full, "%s/%s", root, fs.path[i]);
		char hex[SHA256_HEX_LEN + 1];
		struct stat st;
		if (stat(full.data, &st) < 0 || sha256_file(full.data, hex) < 0)
			sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", full.data);
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "path", json_object_new_string(fs.path[i]));
		json_object_object_add(f, "bytes", json_object_new_int64((int64_t)st.st_size));
		json_object_object_add(f, "sha256", json_object_new_string(hex));
		json_object_array_add(a, f);
		buf_free(&full);
		free(fs.path[i]);
	}
	free(fs.path);
	return a;
}

/* Lines of ROOT/NAME, or NULL when it does not exist. */
static struct json_object *lines_of(const char *root, const char *name)
{
	struct buf p = BUF_INIT(0);
	buf_printf(&p, "%s/%s", root, name);
	FILE *fp = fopen(p.data, "rb");
	if (!fp) {
		if (errno != ENOENT)
			sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", p.data);
		buf_free(&p);
		return NULL;
	}
	char chunk[65536];
	size_t n;
	long long count = 0;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		for (char *c = chunk; (c = memchr(c, '\n', (size_t)(chunk + n - c))); c++)
			count++;
	if (ferror(fp))
		sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", p.data);
	fclose(fp);
	buf_free(&p);
	return json_object_new_int64(count);
}

static struct json_object *source(const char *root, const char *side, int complete)
{
	char raw[64];
	snprintf(raw, sizeof raw, "raw/%s.ndjson", side);
	char canon[64];
	snprintf(canon, sizeof canon, "%s.ndjson", side);
	struct json_object *s = json_object_new_object();
	json_object_object_add(s, "complete", json_object_new_boolean(complete));
	json_object_object_add(s, "raw_records", lines_of(root, raw));
	json_object_object_add(s, "records", lines_of(root, canon));
	return s;
}

/* The findings count of the run's report.json, when there is one. */
static struct json_object *findings(const char *root)
{
	struct buf p = BUF_INIT(0), b = BUF_INIT(REPORT_MAX);
	buf_printf(&p, "%s/report.json", root);
	struct json_object *n = NULL;
	if (fileio_read_all(p.data, &b) == 0 && b.data) {
		char why[200];
		struct json_object *r = jsondoc_parse(b.data, b.len, why, sizeof why);
		long long c = jget_count(jget_obj(r, "counts"), "findings");
		if (c >= 0)
			n = json_object_new_int64(c);
		json_object_put(r);
	}
	buf_free(&p);
	buf_free(&b);
	return n;
}

/* "NAME": sha256 of FILE, with its name; null without one. */
static struct json_object *file_digest(const char *path)
{
	struct json_object *o = json_object_new_object();
	if (!path) {
		json_object_put(o);
		return NULL;
	}
	const char *slash = strrchr(path, '/');
	char hex[SHA256_HEX_LEN + 1];
	json_object_object_add(o, "file", json_object_new_string(slash ? slash + 1 : path));
	json_object_object_add(o, "sha256", sha256_file(path, hex) == 0 ? json_object_new_string(hex) : NULL);
	return o;
}

/* The run before this one in the archive HISTORY/C_CODE (the newest run
 * whose name sorts before the name this run will get, whatever its
 * status, archive.h): its stamp and the sha256 of its manifest, the link
 * of the chain sosr-verify walks.  NULL without a history. */
static struct json_object *previous_run(const char *history, const char *c_code, const char *when,
					struct json_object **archive)
{
	*archive = NULL;
	if (!history || !c_code || !when)
		return NULL;
	int64_t t;
	if (tu_parse_rfc3339(when, strlen(when), &t) < 0)
		return NULL;
	struct buf dir = BUF_INIT(0);
	buf_printf(&dir, "%s/%s", history, c_code);
	char mine[ARCHIVE_NAME_MAX], best[ARCHIVE_NAME_MAX] = "";
	if (archive_run_name(dir.data, t, mine) == 0) {
		archive_previous(dir.data, mine, best);
		/* where the run goes: a replay of the published run draws the
		 * HTML report's trend from there */
		char *abs = realpath(history, NULL);
		*archive = json_object_new_object();
		json_object_object_add(*archive, "dir", json_object_new_string(abs ? abs : history));
		json_object_object_add(*archive, "name", json_object_new_string(mine));
		free(abs);
	}
	struct json_object *o = json_object_new_object();
	if (!*best) {
		json_object_object_add(o, "stamp", NULL);
		json_object_object_add(o, "sha256", NULL);
		json_object_object_add(o, "note", json_object_new_string("the first run of the archive"));
	} else {
		struct buf m = BUF_INIT(0);
		buf_printf(&m, "%s/%s/manifest.json", dir.data, best);
		char hex[SHA256_HEX_LEN + 1];
		if (sha256_file(m.data, hex) < 0)
			sosr_die_errno(SOSR_EXIT_IO, "cannot read the previous run's manifest '%s'; check the history",
				       m.data);
		json_object_object_add(o, "stamp", json_object_new_string(best));
		json_object_object_add(o, "sha256", json_object_new_string(hex));
		buf_free(&m);
	}
	buf_free(&dir);
	return o;
}

/* The version each stage says it is (a stale program on PATH shows
 * here), and of the libraries. */
static struct json_object *versions(void)
{
	static const char *const progs[] = { "sos-reconcile", "sosr-config", "sosr-fetch-softlayer",
					     "sosr-fetch-sos", "sosr-normalize", "sosr-diff", "sosr-track",
					     "sosr-render", "sosr-csv", "sosr-alert", "sosr-manifest", "sosr-publish",
					     "sosr-verify", "sosr-locker", NULL };
	struct json_object *v = json_object_new_object();
	/* nothing of this process's environment but PATH: it may hold
	 * secrets, and --version needs none */
	struct buf path = BUF_INIT(0);
	buf_printf(&path, "PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	const char *envp[] = { path.data, NULL };
	for (const char *const *p = progs; *p; p++) {
		const char *argv[] = { *p, "--version", NULL };
		struct buf said = BUF_INIT(256);
		char out[256] = "";
		if (subproc_capture(argv, envp, &said, NULL) == 0 && said.data)
			snprintf(out, sizeof out, "%s", said.data);
		buf_free(&said);
		/* "PROG (sos-reconcile) VERSION" */
		char *ver = strrchr(out, ' ');
		out[strcspn(out, "\n")] = '\0';
		json_object_object_add(v, *p, ver && ver[1] ? json_object_new_string(ver + 1) : NULL);
	}
	buf_free(&path);
	json_object_object_add(v, "libcurl", json_object_new_string(curl_version_info(CURLVERSION_NOW)->version));
	json_object_object_add(v, "json-c", json_object_new_string(json_c_version()));
	return v;
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	enum { O_CONFIG = 256, O_C_CODE, O_STARTED, O_FINISHED, O_STATUS, O_VERDICT, O_EXIT,
	       O_COMPLETE, O_STAGES, O_FAILURES, O_ALERT, O_ALERT_DETAIL, O_DEMO, O_HISTORY, O_EXCEPTIONS,
	       O_NOW, O_ACCEPT_DROP };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "c-code", required_argument, NULL, O_C_CODE },
		{ "started", required_argument, NULL, O_STARTED },
		{ "finished", required_argument, NULL, O_FINISHED },
		{ "status", required_argument, NULL, O_STATUS },
		{ "verdict", required_argument, NULL, O_VERDICT },
		{ "exit", required_argument, NULL, O_EXIT },
		{ "complete", required_argument, NULL, O_COMPLETE },
		{ "stages", required_argument, NULL, O_STAGES },
		{ "failures", required_argument, NULL, O_FAILURES },
		{ "alert", required_argument, NULL, O_ALERT },
		{ "alert-detail", required_argument, NULL, O_ALERT_DETAIL },
		{ "demo", no_argument, NULL, O_DEMO },
		{ "history", required_argument, NULL, O_HISTORY },
		{ "exceptions", required_argument, NULL, O_EXCEPTIONS },
		{ "now", required_argument, NULL, O_NOW },
		{ "accept-drop", required_argument, NULL, O_ACCEPT_DROP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *c_code = NULL, *started = NULL, *finished = NULL;
	const char *status = "incomplete", *verdict = "incomplete", *stages_path = NULL;
	const char *failures_path = NULL, *alert = "not-configured", *alert_detail = NULL;
	const char *history = NULL, *exceptions = NULL, *now = NULL, *accept_drop = NULL;
	int exit_code = SOSR_EXIT_INTERNAL, demo = 0, sl_complete = 0, sos_complete = 0, ch;
	while ((ch = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (ch) {
		case O_CONFIG: config_path = optarg; break;
		case O_C_CODE: c_code = optarg; break;
		case O_STARTED: started = optarg; break;
		case O_FINISHED: finished = optarg; break;
		case O_STATUS:
			if (strcmp(optarg, "complete") && strcmp(optarg, "incomplete"))
				sosr_usage_error("--status: '%s' is not complete or incomplete", optarg);
			status = optarg;
			break;
		case O_VERDICT:
			if (strcmp(optarg, "significant") && strcmp(optarg, "not_significant") &&
			    strcmp(optarg, "incomplete") && strcmp(optarg, "suspect"))
				sosr_usage_error("--verdict: '%s' is not significant, not_significant, incomplete or suspect",
						 optarg);
			verdict = optarg;
			break;
		case O_EXIT: exit_code = (int)cli_number(optarg, 0, 255, "--exit"); break;
		case O_COMPLETE:
			if (strcmp(optarg, "softlayer") == 0)
				sl_complete = 1;
			else if (strcmp(optarg, "sos") == 0)
				sos_complete = 1;
			else
				sosr_usage_error("--complete: '%s' is not softlayer or sos", optarg);
			break;
		case O_STAGES: stages_path = optarg; break;
		case O_FAILURES: failures_path = optarg; break;
		case O_ALERT: alert = optarg; break;
		case O_ALERT_DETAIL: alert_detail = optarg; break;
		case O_DEMO: demo = 1; break;
		case O_HISTORY: history = optarg; break;
		case O_EXCEPTIONS: exceptions = optarg; break;
		case O_NOW: cli_time(optarg, "--now"); now = optarg; break;
		case O_ACCEPT_DROP: accept_drop = optarg; break;
		case 'h': cli_help(usage_text);
		case 'V': cli_version();
		}
	}
	if (argc - optind != 1)
		sosr_usage_error("expected one operand, the run directory");
	const char *root = argv[optind];

	/* The configuration as far as it can be read: a run that failed on
	 * its configuration still names the file and its digest. */
	struct json_object *cfg = json_object_new_object(), *accounts = json_object_new_array();
	if (config_path) {
		const char *slash = strrchr(config_path, '/');
		json_object_object_add(cfg, "file", json_object_new_string(slash ? slash + 1 : config_path));
		char hex[SHA256_HEX_LEN + 1];
		json_object_object_add(cfg, "sha256", sha256_file(config_path, hex) == 0
							      ? json_object_new_string(hex) : NULL);
		struct buf b = BUF_INIT(CONFIG_MAX_BYTES);
		if (fileio_read_all(config_path, &b) == 0 && b.data) {
			char why[200];
			struct json_object *o = jsondoc_parse(b.data, b.len, why, sizeof why);
			struct json_object *acc = jget_array(jget_obj(o, "softlayer"), "accounts");
			for (size_t i = 0; acc && i < json_object_array_length(acc); i++) {
				const char *id = jget_str(json_object_array_get_idx(acc, i), "id");
				if (id)
					json_object_array_add(accounts, json_object_new_string(id));
			}
			json_object_put(o);
		}
		buf_free(&b);
	} else {
		json_object_object_add(cfg, "file", json_object_new_string("none"));
		json_object_object_add(cfg, "sha256", NULL);
	}

	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "format", json_object_new_int(MANIFEST_FORMAT));
	json_object_object_add(m, "tool", json_object_new_string("sos-reconcile"));
	json_object_object_add(m, "version", json_object_new_string(SOSR_VERSION));
	json_object_object_add(m, "c_code", str_or_null(c_code));
	json_object_object_add(m, "accounts", accounts);
	json_object_object_add(m, "started", str_or_null(started));
	json_object_object_add(m, "finished", str_or_null(finished));
	json_object_object_add(m, "now", str_or_null(now));
	json_object_object_add(m, "accept_drop", str_or_null(accept_drop));
	json_object_object_add(m, "status", json_object_new_string(status));
	json_object_object_add(m, "verdict", json_object_new_string(verdict));
	json_object_object_add(m, "exit", json_object_new_int(exit_code));
	json_object_object_add(m, "findings", findings(root));
	json_object_object_add(m, "demo", json_object_new_boolean(demo));
	json_object_object_add(m, "config", cfg);
	/* the exceptions the run used: the file given, else the copy in the
	 * run's inputs/ (sosr-config vars --inputs) */
	struct buf copied = BUF_INIT(0);
	buf_printf(&copied, "%s/inputs/exceptions.json", root);
	if (!exceptions && access(copied.data, F_OK) == 0)
		exceptions = copied.data;
	json_object_object_add(m, "exceptions", file_digest(exceptions));
	struct json_object *archive;
	json_object_object_add(m, "previous", previous_run(history, c_code, now ? now : started, &archive));
	json_object_object_add(m, "archive", archive);
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	json_object_object_add(m, "host", json_object_new_string(host));
	json_object_object_add(m, "versions", versions());
	json_object_object_add(m, "stages", lines(stages_path, "stages", stage_line));
	struct json_object *src = json_object_new_object();
	json_object_object_add(src, "softlayer", source(root, "softlayer", sl_complete));
	json_object_object_add(src, "sos", source(root, "sos", sos_complete));
	json_object_object_add(m, "sources", src);
	json_object_object_add(m, "failures", lines(failures_path, "failures", failure_line));
	struct json_object *al = json_object_new_object();
	json_object_object_add(al, "status", json_object_new_string(alert));
	json_object_object_add(al, "detail", str_or_null(alert_detail));
	json_object_object_add(m, "alert", al);
	json_object_object_add(m, "files", files(root));
	buf_free(&copied);

	struct buf out = BUF_INIT(0);
	if (jsonw_pretty(&out, m) < 0 || buf_addch(&out, '\n') < 0)
		sosr_die(SOSR_EXIT_INTERNAL, "cannot format the manifest");
	out_write(stdout, out.data, out.len, "standard output");
	out_close_stdout();
	buf_free(&out);
	json_object_put(m);
	return SOSR_EXIT_OK;
}
