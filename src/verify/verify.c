/*
 * sosr-verify - check that the evidence is what the job wrote: every file
 * of a run against its manifest, and the chain of runs of an archive.
 *
 *     sosr-verify _output                      # one run
 *     sosr-verify /var/lib/sos-reconcile       # the archive: every C_Code
 *     sosr-verify --max-age 26h --c-code ALC /var/lib/sos-reconcile
 *
 * A run verifies when every file its manifest lists is there with that
 * size and sha256 (a raw file of the archive is gzipped: what it holds is
 * hashed), and no other file is (but the manifest and names starting with
 * '.').  An archive verifies when every run does and each run's manifest
 * names the run before it, with that run's manifest's sha256 (format 3,
 * "previous"): an altered, removed or inserted run breaks the chain at a
 * place that is named.  The oldest run may name a predecessor that is gone
 * only when it is older than the retention (pruned).  With --max-age, the
 * latest complete run of each C_Code must have started within that time:
 * the check a monitor job runs, so that a day the daily job did not run is
 * noticed.
 */
#include "archive.h"
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "fileio.h"
#include "exitcodes.h"
#include "gz.h"
#include "jsondoc.h"
#include "output.h"
#include "sha256.h"
#include "timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

static const char usage_text[] =
"Usage: sosr-verify [--c-code CODE] [--max-age DURATION] [--keep-days N] PATH\n"
"Check the evidence in PATH: a run directory (its files against its\n"
"manifest), or an archive (history.dir: every run of every C_Code, and the\n"
"chain of manifests from each run to the one before it).\n"
"\n"
"Options:\n"
"      --c-code CODE     only this C_Code of an archive\n"
"      --max-age DURATION  the latest complete run of each C_Code must have\n"
"                        started within DURATION (like 26h): the evidence is\n"
"                        fresh\n"
"      --keep-days N     the archive's retention (default 400): the oldest run\n"
"                        may name a pruned predecessor only when that is older\n"
"      --now TIME        the time --max-age is measured from (default: now)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Exit status:\n"
"  0   everything verifies (and is fresh)\n"
"  1   everything verifies, but the latest complete run is older than --max-age\n"
"  2   usage error\n"
"  7   the evidence does not verify: the first break is named\n"
"  9   cannot read PATH\n";

static int breaks;      /* problems found */

static void broken(const char *fmt, ...) SOSR_PRINTF(1, 2);
static void broken(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sosr_error("%s", msg);
	breaks++;
}

static char *join(const char *a, const char *b)
{
	struct buf p = BUF_INIT(0);
	buf_printf(&p, "%s/%s", a, b);
	return buf_detach(&p, NULL);
}

static struct json_object *load_manifest(const char *dir)
{
	char *path = join(dir, "manifest.json");
	struct buf b = BUF_INIT(64u << 20);
	struct json_object *m = NULL;
	char why[200];
	if (fileio_read_all(path, &b) < 0)
		broken("%s: cannot read it: %s; a run without its manifest is not evidence", path, strerror(errno));
	else if (!(m = jsondoc_parse(b.data ? b.data : "", b.len, why, sizeof why)))
		broken("%s: not valid JSON: %s", path, why);
	buf_free(&b);
	free(path);
	return m;
}

/* The files under DIR (relative paths), but the manifest and dot names. */
static void walk(const char *root, const char *rel, struct json_object *seen)
{
	char *dir = *rel ? join(root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	if (!d)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || (!*rel && strcmp(e->d_name, "manifest.json") == 0))
			continue;
		char *sub = *rel ? join(rel, e->d_name) : xstrdup(e->d_name);
		char *full = join(root, sub);
		struct stat st;
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
			walk(root, sub, seen);
		else
			json_object_object_add(seen, sub, NULL);
		free(sub);
		free(full);
	}
	closedir(d);
	free(dir);
}

/* Every file of the run in DIR against its manifest M. */
static void verify_run(const char *dir, struct json_object *m)
{
	struct json_object *files = jget_array(m, "files");
	if (!files) {
		broken("%s/manifest.json: no list of files; check that it is a manifest of sos-reconcile", dir);
		return;
	}
	struct json_object *seen = json_object_new_object();
	walk(dir, "", seen);
	for (size_t i = 0; i < json_object_array_length(files); i++) {
		struct json_object *f = json_object_array_get_idx(files, i);
		const char *path = jget_str(f, "path"), *want = jget_str(f, "sha256");
		long long bytes = jget_count(f, "bytes");
		if (!path || !want || bytes < 0) {
			broken("%s/manifest.json: files[%zu] is not {path, bytes, sha256}", dir, i);
			continue;
		}
		char hex[SHA256_HEX_LEN + 1];
		long long have = -1;
		char *full = join(dir, path);
		struct buf gzname = BUF_INIT(0);
		buf_printf(&gzname, "%s.gz", path);
		struct stat st;
		if (stat(full, &st) == 0) {
			json_object_object_del(seen, path);
			have = (long long)st.st_size;
			if (sha256_file(full, hex) < 0)
				sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", full);
		} else {
			char *gz = join(dir, gzname.data);
			if (stat(gz, &st) == 0) {
				json_object_object_del(seen, gzname.data);
				if (gz_sha256(gz, hex, &have) < 0)
					broken("%s: not a whole gzip file: %s", gz, strerror(errno));
			}
			free(gz);
		}
		if (have < 0 && !json_object_object_get_ex(seen, gzname.data, NULL))
			broken("%s: %s is missing (the manifest lists it)", dir, path);
		else if (have >= 0 && (have != bytes || strcmp(hex, want) != 0))
			broken("%s: %s differs from the manifest (%lld bytes, sha256 %.12s..., the manifest says "
			       "%lld bytes, %.12s...): it was altered", dir, path, have, hex, bytes, want);
		buf_free(&gzname);
		free(full);
	}
	json_object_object_foreach(seen, extra, v) {
		(void)v;
		broken("%s: %s is not in the manifest: a file was added to the run", dir, extra);
	}
	json_object_put(seen);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct freshness {
	double max_age;         /* seconds, 0: not asked */
	int64_t now;
	int stale;
};

/* The runs of one C_Code in CDIR, oldest first, and their chain. */
static void verify_code(const char *cdir, const char *code, long keep_days, struct freshness *fr)
{
	DIR *d = opendir(cdir);
	if (!d)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", cdir);
	char **runs = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (archive_is_run_name(e->d_name, NULL)) {
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 32;
				runs = xrealloc(runs, alloc * sizeof *runs);
			}
			runs[n++] = xstrdup(e->d_name);
		}
	closedir(d);
	qsort(runs, n, sizeof *runs, cmp_str);
	int before = breaks;
	char prev_sha[SHA256_HEX_LEN + 1] = "";
	const char *latest_complete = NULL;
	int64_t latest_started = 0, newest = 0;
	if (n)
		archive_is_run_name(runs[n - 1], &newest);
	for (size_t i = 0; i < n; i++) {
		char *dir = join(cdir, runs[i]);
		struct json_object *m = load_manifest(dir);
		if (m) {
			verify_run(dir, m);
			struct json_object *p = jget(m, "previous");
			const char *pst = jget_str(p, "stamp"), *psha = jget_str(p, "sha256");
			if (i > 0 && (!pst || strcmp(pst, runs[i - 1]) != 0)) {
				if (pst && strcmp(pst, runs[i - 1]) > 0)
					broken("%s: the run before it, %s, is missing from the archive (%s names it)",
					       code, pst, runs[i]);
				else
					broken("%s: %s names %s as the run before it, but the archive has %s there: "
					       "a run was inserted or its manifest replaced", code, runs[i],
					       pst ? pst : "none", runs[i - 1]);
			} else if (i > 0 && (!psha || strcmp(psha, prev_sha) != 0)) {
				broken("%s: the manifest of %s does not have the sha256 %s names for it: it was "
				       "altered", code, runs[i - 1], runs[i]);
			} else if (i == 0 && pst) {
				int64_t t;
				if (!archive_is_run_name(pst, &t) || newest - t <= (int64_t)keep_days * 86400)
					broken("%s: the run before %s, %s, is missing from the archive, and it is not "
					       "older than the retention of %ld days", code, runs[i], pst, keep_days);
			}
			const char *status = jget_str(m, "status"), *started = jget_str(m, "started");
			int64_t t;
			if (status && !strcmp(status, "complete") && started &&
			    tu_parse_rfc3339(started, strlen(started), &t) == 0) {
				latest_complete = runs[i];
				latest_started = t;
			}
			json_object_put(m);
		}
		char *mp = join(dir, "manifest.json");
		if (sha256_file(mp, prev_sha) < 0)
			prev_sha[0] = '\0';
		free(mp);
		free(dir);
	}
	/* latest names the last complete run */
	char *link = join(cdir, "latest"), target[64];
	ssize_t tl = readlink(link, target, sizeof target - 1);
	target[tl > 0 ? tl : 0] = '\0';
	if (latest_complete && strcmp(target, latest_complete) != 0)
		broken("%s: latest points at '%s', but the last complete run is %s", code, target, latest_complete);
	free(link);
	if (breaks == before)
		printf("%s: %zu run%s and %s chain verify%s%s\n", code, n, n == 1 ? "" : "s",
		       n == 1 ? "its" : "their", n ? ", from " : "", n ? runs[0] : "");
	if (fr->max_age > 0) {
		if (!latest_complete || (double)(fr->now - latest_started) > fr->max_age) {
			sosr_error("%s: the latest complete run %s%s is older than --max-age: the evidence is stale; "
				   "check that the daily job runs", code, latest_complete ? "started " : "(none)",
				   latest_complete ? latest_complete : "");
			fr->stale = 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(runs[i]);
	free(runs);
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	enum { O_C_CODE = 256, O_MAX_AGE, O_KEEP, O_NOW };
	static const struct option longopts[] = {
		{ "c-code", required_argument, NULL, O_C_CODE },
		{ "max-age", required_argument, NULL, O_MAX_AGE },
		{ "keep-days", required_argument, NULL, O_KEEP },
		{ "now", required_argument, NULL, O_NOW },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *only = NULL;
	long keep_days = HISTORY_DEFAULT_KEEP_DAYS;
	struct freshness fr = { 0, (int64_t)time(NULL), 0 };
	int ch;
	while ((ch = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (ch) {
		case O_C_CODE:
			if (!config_valid_c_code(optarg))
				sosr_usage_error("--c-code: '%.40s' is not a C_Code (" C_CODE_RULE ")", optarg);
			only = optarg;
			break;
		case O_MAX_AGE: fr.max_age = cli_duration(optarg, 3650 * 86400.0, "--max-age"); break;
		case O_KEEP: keep_days = (long)cli_number(optarg, 1, 36500, "--keep-days"); break;
		case O_NOW: fr.now = (int64_t)cli_time(optarg, "--now"); break;
		case 'h': cli_help(usage_text);
		case 'V': cli_version();
		}
	}
	if (argc - optind != 1)
		sosr_usage_error("expected one operand, a run directory or an archive");
	const char *path = argv[optind];
	char *mp = join(path, "manifest.json");
	if (access(mp, F_OK) == 0) {
		/* one run */
		struct json_object *m = load_manifest(path);
		if (m) {
			verify_run(path, m);
			json_object_put(m);
		}
		if (!breaks)
			printf("%s: every file verifies against the manifest\n", path);
	} else {
		DIR *d = opendir(path);
		if (!d)
			sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'; check the path", path);
		/* C_Codes in name order: the same archive, the same words */
		char **codes = NULL;
		size_t ncodes = 0;
		struct dirent *e;
		while ((e = readdir(d)))
			if (config_valid_c_code(e->d_name) && (!only || strcmp(only, e->d_name) == 0)) {
				codes = xrealloc(codes, (ncodes + 1) * sizeof *codes);
				codes[ncodes++] = xstrdup(e->d_name);
			}
		closedir(d);
		qsort(codes, ncodes, sizeof *codes, cmp_str);
		for (size_t i = 0; i < ncodes; i++) {
			char *cdir = join(path, codes[i]);
			verify_code(cdir, codes[i], keep_days, &fr);
			free(cdir);
			free(codes[i]);
		}
		free(codes);
		if (!ncodes)
			broken("%s: no run directory and no C_Code of an archive in it%s%s", path,
			       only ? " for " : "", only ? only : "");
	}
	free(mp);
	out_close_stdout();
	if (breaks)
		return SOSR_EXIT_DATA;
	return fr.stale ? SOSR_EXIT_FINDINGS : SOSR_EXIT_OK;
}
