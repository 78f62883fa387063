/*
 * sosr-publish - the file-system side of a run: its output directory, its
 * publication in one step, and the archive of runs across days.
 *
 *     OUT=$(sosr-publish check _output)           # ours, or new, or empty
 *     sosr-publish holders ._output.lock          # who holds the lock
 *     WORK=$(sosr-publish prepare "$OUT")         # the previous run away, a work dir
 *     ... the run writes WORK, then WORK/manifest.json ...
 *     sosr-publish swap "$WORK" "$OUT"            # the whole run visible at once
 *     sosr-publish archive --history DIR "$OUT"   # kept across days
 *     sosr-publish latest --history DIR --c-code ALC   # the last complete run
 *
 * The driver holds the lock (beside the output directory: the one path the
 * swap does not move) between check and the end of the run.  What a reader
 * of the output directory sees is a whole run whose manifest verifies, or
 * no run (docs/FORMATS.md section 5); what a reader of the archive sees is
 * a whole run directory, and `latest` names a complete one (section 8).
 */
#include "archive.h"
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "fileio.h"
#include "gz.h"
#include "jsondoc.h"
#include "output.h"
#include "sha256.h"
#include "timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#define MARKER ".sos-reconcile"
#define ARCHIVE_FORMAT 1

static const char usage_text[] =
"Usage: sosr-publish check OUT\n"
"       sosr-publish holders LOCK\n"
"       sosr-publish prepare OUT\n"
"       sosr-publish swap WORK OUT\n"
"       sosr-publish archive --history DIR [--keep-days N] [--now TIME] RUN\n"
"       sosr-publish latest --history DIR --c-code CODE\n"
"The file-system side of a run of sos-reconcile (docs/FORMATS.md, sections 5\n"
"and 8).\n"
"\n"
"Commands:\n"
"  check OUT      OUT may be used: not a symbolic link, new, empty, or an output\n"
"                 directory of sos-reconcile (its " MARKER " marker); created when\n"
"                 missing; prints its absolute path\n"
"  holders LOCK   the processes that hold the lock file LOCK\n"
"  prepare OUT    sets the previous run in OUT aside in one step and removes it,\n"
"                 with what killed runs left beside OUT; creates the work\n"
"                 directory beside OUT and prints its path\n"
"  swap WORK OUT  flushes WORK to the disk and swaps it with OUT in one step\n"
"  archive RUN    stores the published run RUN under DIR/<C_Code>/<started>/,\n"
"                 raw files gzipped (reproducibly); points DIR/<C_Code>/latest\n"
"                 at it when it is complete; removes runs older than the\n"
"                 retention; prints the stored run's path\n"
"  latest         prints the path of the last complete run, or nothing\n"
"\n"
"Options:\n"
"      --history DIR  the archive (the configuration's history.dir)\n"
"      --c-code CODE  the C_Code (latest)\n"
"      --keep-days N  the retention (default 400)\n"
"      --now TIME     the time the retention is counted from (default: now)\n"
"  -h, --help         show this help and exit\n"
"  -V, --version      show the version and exit\n"
"\n"
"Exit status:\n"
"  0   done\n"
"  2   usage error, or OUT is not ours to empty\n"
"  7   a run or an archive that is not in its format\n"
"  9   cannot read or write a file or a directory\n"
"  10  internal error\n";

/* ---- paths ---- */

static char *path_join(const char *a, const char *b)
{
	struct buf p = BUF_INIT(0);
	buf_printf(&p, "%s/%s", a, b);
	return buf_detach(&p, NULL);
}

/* Remove PATH and everything under it; 0 or -1 with errno. */
static int remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *sub = path_join(path, e->d_name);
		rc = remove_tree(sub);
		free(sub);
	}
	closedir(d);
	return rc == 0 ? rmdir(path) : rc;
}

/* The names in DIR (but . and ..); the caller frees them.  NULL with errno
 * set when DIR cannot be read. */
static char **list_dir(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	size_t alloc = 16;
	char **v = xmalloc(alloc * sizeof *v);
	*n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			v = xrealloc(v, alloc * sizeof *v);
		}
		v[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* OUT's parent and its last component (OUT absolute, not "/"). */
static void split(const char *out, char **parent, const char **name)
{
	const char *slash = strrchr(out, '/');
	*parent = slash == out ? xstrdup("/") : xstrndup(out, (size_t)(slash - out));
	*name = slash + 1;
}

/* ---- check, holders, prepare, swap ---- */

static int cmd_check(const char *out)
{
	struct stat st;
	if (lstat(out, &st) == 0 && S_ISLNK(st.st_mode))
		sosr_usage_error("--output: '%s' is a symbolic link; give the directory it points to", out);
	/* mkdir -p */
	struct buf p = BUF_INIT(0);
	buf_addstr(&p, out);
	for (char *s = p.data + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p.data, 0777) < 0 && errno != EEXIST)
				sosr_die_errno(SOSR_EXIT_IO, "cannot create the output directory '%s'; check its parent "
					       "and permissions", out);
			*s = c;
			if (!c)
				break;
		}
	}
	buf_free(&p);
	char real[PATH_MAX];
	if (!realpath(out, real))
		sosr_die_errno(SOSR_EXIT_IO, "cannot resolve the output directory '%s'", out);
	if (strcmp(real, "/") == 0)
		sosr_usage_error("--output: '/' cannot be an output directory");
	/* Only a directory of ours is ever emptied: a new one, an empty one,
	 * one with the marker, or one a version before the marker left (its
	 * .lock). */
	char *marker = path_join(real, MARKER), *legacy = path_join(real, ".lock");
	size_t n;
	char **names = list_dir(real, &n);
	if (!names)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read the output directory '%s'", real);
	if (n && access(marker, F_OK) < 0 && access(legacy, F_OK) < 0)
		sosr_die(SOSR_EXIT_USAGE, "'%s' is not empty and not an output directory of sos-reconcile (no "
			 MARKER " in it); nothing was removed; choose a new or empty directory with --output", real);
	free_list(names, n);
	free(marker);
	free(legacy);
	printf("%s\n", real);
	return SOSR_EXIT_OK;
}

static int cmd_holders(const char *lock)
{
	struct stat st;
	if (stat(lock, &st) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read the lock '%s'", lock);
	FILE *fp = fopen("/proc/locks", "r");
	if (!fp)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read /proc/locks");
	char line[512];
	int any = 0;
	while (fgets(line, sizeof line, fp)) {
		/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:12345 0 EOF" */
		char kind[16], dev[64];
		long pid;
		unsigned long long ino;
		char *colon = strchr(line, ':');
		if (!colon || sscanf(colon + 1, "%15s %*s %*s %ld %63s", kind, &pid, dev) != 3 ||
		    strcmp(kind, "FLOCK") != 0)
			continue;
		char *last = strrchr(dev, ':');
		if (!last || sscanf(last + 1, "%llu", &ino) != 1 || ino != (unsigned long long)st.st_ino)
			continue;
		char cmdpath[64], args[256] = "";
		snprintf(cmdpath, sizeof cmdpath, "/proc/%ld/cmdline", pid);
		FILE *c = fopen(cmdpath, "r");
		if (c) {
			size_t r = fread(args, 1, sizeof args - 1, c);
			fclose(c);
			for (size_t i = 0; i + 1 < r; i++)
				if (!args[i])
					args[i] = ' ';
			args[r] = '\0';
		}
		printf("%sprocess %ld (%.60s)", any++ ? ", " : "", pid, args);
	}
	fclose(fp);
	if (!any)
		printf("held by a process this user cannot see");
	putchar('\n');
	return SOSR_EXIT_OK;
}

static int cmd_prepare(const char *out)
{
	char *parent;
	const char *name;
	split(out, &parent, &name);
	/* The previous run goes aside in one step (a reader sees it whole,
	 * or no run), then away. */
	struct buf aside = BUF_INIT(0), prefix_run = BUF_INIT(0), prefix_old = BUF_INIT(0);
	buf_printf(&aside, "%s/.%s.old.%ld", parent, name, (long)getpid());
	if (rename(out, aside.data) < 0 && errno != ENOENT)
		sosr_die_errno(SOSR_EXIT_IO, "cannot clear the output directory '%s'; check the permissions of '%s'",
			       out, parent);
	char *marker = path_join(out, MARKER);
	int fd;
	if (mkdir(out, 0777) < 0 || (fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0 || close(fd) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create the output directory '%s'", out);
	/* what this run set aside, and what killed runs left */
	buf_printf(&prefix_run, ".%s.run.", name);
	buf_printf(&prefix_old, ".%s.old.", name);
	size_t n;
	char **names = list_dir(parent, &n);
	for (size_t i = 0; i < n; i++)
		if (!strncmp(names[i], prefix_run.data, prefix_run.len) ||
		    !strncmp(names[i], prefix_old.data, prefix_old.len)) {
			char *p = path_join(parent, names[i]);
			/* A stage orphaned by a killed run may still be writing
			 * in its work directory; what it leaves is hidden and
			 * removed by the next run, so only permissions are
			 * fatal here. */
			if (remove_tree(p) < 0) {
				if (errno != ENOTEMPTY && errno != EEXIST)
					sosr_die_errno(SOSR_EXIT_IO, "cannot remove '%s'; check its permissions", p);
				sosr_warn("'%s' of a killed run is still being written (a stage of that run is "
					  "still running?); it is left for the next run to remove", p);
			}
			free(p);
		}
	free_list(names, n);
	/* the work directory */
	struct buf work = BUF_INIT(0);
	buf_printf(&work, "%s/.%s.run.XXXXXX", parent, name);
	if (!mkdtemp(work.data))
		sosr_die_errno(SOSR_EXIT_IO, "cannot create a work directory beside '%s'; check free space and "
			       "permissions", out);
	char *raw = path_join(work.data, "raw"), *wmarker = path_join(work.data, MARKER);
	if (mkdir(raw, 0777) < 0 || (fd = open(wmarker, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0 || close(fd) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot prepare the work directory '%s'", work.data);
	printf("%s\n", work.data);
	free(raw);
	free(wmarker);
	free(marker);
	free(parent);
	buf_free(&work);
	buf_free(&aside);
	buf_free(&prefix_run);
	buf_free(&prefix_old);
	return SOSR_EXIT_OK;
}

static int cmd_swap(const char *work, const char *out)
{
	/* the run on the disk before it is shown */
	int fd = open(work, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || syncfs(fd) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot flush the run '%s' to the disk", work);
	close(fd);
	if (fileio_exchange_dirs(work, out) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot publish the run into '%s' (from '%s'); check that both are "
			       "on one file system and writable", out, work);
	return SOSR_EXIT_OK;
}

/* ---- the archive ---- */

/* The manifest of the run in DIR: its started stamp, C_Code and status. */
static struct json_object *read_manifest(const char *dir)
{
	char *path = path_join(dir, "manifest.json");
	struct jd_ctx c = { path, "check that it is a run directory of sos-reconcile", SOSR_EXIT_DATA };
	struct json_object *m = jd_load(&c, path, 64u << 20);
	free(path);
	return m;
}

/* The archive's name of the run whose manifest is M (manifest sha256
 * SHA) in CDIR (archive.h): the name it already has when the same run is
 * archived again (the same manifest), else the next free one for its
 * reference time ("now"; "started" in a manifest without it). */
static void name_of(const char *cdir, struct json_object *m, const char *sha, const char *run,
		    char out[ARCHIVE_NAME_MAX])
{
	const char *when = jget_str(m, "now") ? jget_str(m, "now") : jget_str(m, "started");
	int64_t t;
	if (!when || tu_parse_rfc3339(when, strlen(when), &t) < 0)
		sosr_die(SOSR_EXIT_DATA, "%s/manifest.json: no time; check that it is a run of sos-reconcile", run);
	char stamp[TU_STAMP_LEN + 1];
	tu_format_stamp(t, stamp);
	for (int i = 1; i < 100; i++) {
		struct buf p = BUF_INIT(0);
		if (i == 1)
			buf_printf(&p, "%s/%s/manifest.json", cdir, stamp);
		else
			buf_printf(&p, "%s/%s-%02d/manifest.json", cdir, stamp, i);
		char hex[SHA256_HEX_LEN + 1];
		int same = sha256_file(p.data, hex) == 0 && strcmp(hex, sha) == 0;
		buf_free(&p);
		if (same) {
			if (i == 1)
				snprintf(out, ARCHIVE_NAME_MAX, "%s", stamp);
			else
				snprintf(out, ARCHIVE_NAME_MAX, "%s-%02d", stamp, i);
			return;
		}
	}
	if (archive_run_name(cdir, t, out) < 0)
		sosr_die(SOSR_EXIT_IO, "%s: 99 runs of the time %s are archived already; check the job's --now", cdir,
			 stamp);
}

/* Copy the run's files from SRC (relative REL) into DST, raw/ gzipped. */
static void copy_run(const char *src, const char *dst, const char *rel)
{
	char *from = *rel ? path_join(src, rel) : xstrdup(src);
	char *to = *rel ? path_join(dst, rel) : xstrdup(dst);
	if (*rel && mkdir(to, 0777) < 0 && errno != EEXIST)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create '%s'", to);
	size_t n;
	char **names = list_dir(from, &n);
	if (!names)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read the run directory '%s'", from);
	for (size_t i = 0; i < n; i++) {
		if (names[i][0] == '.')
			continue;
		char *f = path_join(from, names[i]), *sub = *rel ? path_join(rel, names[i]) : xstrdup(names[i]);
		struct stat st;
		if (lstat(f, &st) < 0)
			sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", f);
		if (S_ISDIR(st.st_mode)) {
			copy_run(src, dst, sub);
		} else if (S_ISREG(st.st_mode)) {
			int gz = strncmp(sub, "raw/", 4) == 0;
			struct buf t = BUF_INIT(0);
			buf_printf(&t, "%s/%s%s", dst, sub, gz ? ".gz" : "");
			int rc;
			if (gz) {
				rc = gz_compress_file(f, t.data);
			} else {
				struct buf data = BUF_INIT(0);
				rc = fileio_read_all(f, &data);
				if (rc == 0)
					rc = fileio_write_atomic(t.data, data.data ? data.data : "", data.len);
				buf_free(&data);
			}
			if (rc < 0)
				sosr_die_errno(SOSR_EXIT_IO, "cannot store '%s' in the archive as '%s'; check free space",
					       f, t.data);
			buf_free(&t);
		}
		free(f);
		free(sub);
	}
	free_list(names, n);
	free(from);
	free(to);
}

static void point_latest(const char *cdir, const char *stamp)
{
	char *link = path_join(cdir, "latest"), *tmp = path_join(cdir, ".latest.tmp");
	unlink(tmp);
	if (symlink(stamp, tmp) < 0 || rename(tmp, link) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot point '%s' at '%s'", link, stamp);
	free(link);
	free(tmp);
}

/* The stamp `latest` points at, or NULL. */
static char *latest_of(const char *cdir)
{
	char *link = path_join(cdir, "latest");
	char target[256];
	ssize_t n = readlink(link, target, sizeof target - 1);
	free(link);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	return strchr(target, '/') ? NULL : xstrdup(target);
}

static void prune(const char *cdir, long keep_days, int64_t now)
{
	char *keep = latest_of(cdir);
	size_t n;
	char **names = list_dir(cdir, &n);
	for (size_t i = 0; i < n; i++) {
		int64_t t;
		if (!archive_is_run_name(names[i], &t) || (keep && strcmp(keep, names[i]) == 0) || now - t <= (int64_t)keep_days * 86400)
			continue;
		char *p = path_join(cdir, names[i]);
		if (remove_tree(p) < 0)
			sosr_die_errno(SOSR_EXIT_IO, "cannot prune the run '%s' from the archive", p);
		free(p);
	}
	free_list(names, n);
	free(keep);
}

static int cmd_archive(const char *history, const char *run, long keep_days, int64_t now)
{
	struct json_object *m = read_manifest(run);
	const char *c_code = jget_str(m, "c_code"), *status = jget_str(m, "status");
	if (!c_code || !config_valid_c_code(c_code))
		sosr_die(SOSR_EXIT_DATA, "%s/manifest.json: no C_Code; a run that failed before its configuration "
			 "was read is not archived", run);
	char *cdir = path_join(history, c_code), *mpath = path_join(run, "manifest.json");
	if (mkdir(history, 0777) < 0 && errno != EEXIST)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create the history directory '%s'", history);
	if (mkdir(cdir, 0777) < 0 && errno != EEXIST)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create '%s'", cdir);
	char sha[SHA256_HEX_LEN + 1], stamp[ARCHIVE_NAME_MAX];
	if (sha256_file(mpath, sha) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read '%s'", mpath);
	free(mpath);
	name_of(cdir, m, sha, run, stamp);
	char *final = path_join(cdir, stamp);
	struct buf tmp = BUF_INIT(0);
	buf_printf(&tmp, "%s/.tmp.%s.%ld", cdir, stamp, (long)getpid());
	remove_tree(tmp.data);
	if (mkdir(tmp.data, 0777) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create '%s'", tmp.data);
	copy_run(run, tmp.data, "");
	/* whole, then in place: a crash leaves a .tmp, never a half run */
	int fd = open(tmp.data, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || syncfs(fd) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot flush '%s' to the disk", tmp.data);
	close(fd);
	if (remove_tree(final) < 0 || rename(tmp.data, final) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot store the run as '%s'", final);
	/* latest moves forward only: a run archived again, or late, is not
	 * the last one */
	char *current = latest_of(cdir);
	if (status && strcmp(status, "complete") == 0 && (!current || strcmp(stamp, current) >= 0))
		point_latest(cdir, stamp);
	free(current);
	prune(cdir, keep_days, now);
	printf("%s\n", final);
	json_object_put(m);
	free(cdir);
	free(final);
	buf_free(&tmp);
	return SOSR_EXIT_OK;
}

static int cmd_latest(const char *history, const char *c_code)
{
	char *cdir = path_join(history, c_code);
	char *stamp = latest_of(cdir);
	if (stamp) {
		char *p = path_join(cdir, stamp);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			printf("%s\n", p);
		free(p);
	}
	free(stamp);
	free(cdir);
	return SOSR_EXIT_OK;
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	enum { O_HISTORY = 256, O_C_CODE, O_KEEP, O_NOW };
	static const struct option longopts[] = {
		{ "history", required_argument, NULL, O_HISTORY },
		{ "c-code", required_argument, NULL, O_C_CODE },
		{ "keep-days", required_argument, NULL, O_KEEP },
		{ "now", required_argument, NULL, O_NOW },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *history = NULL, *c_code = NULL;
	long keep_days = HISTORY_DEFAULT_KEEP_DAYS;
	int64_t now = (int64_t)time(NULL);
	int ch;
	while ((ch = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (ch) {
		case O_HISTORY: history = optarg; break;
		case O_C_CODE:
			if (!config_valid_c_code(optarg))
				sosr_usage_error("--c-code: '%.40s' is not a C_Code (" C_CODE_RULE ")", optarg);
			c_code = optarg;
			break;
		case O_KEEP: keep_days = (long)cli_number(optarg, 1, 36500, "--keep-days"); break;
		case O_NOW: now = (int64_t)cli_time(optarg, "--now"); break;
		case 'h': cli_help(usage_text);
		case 'V': cli_version();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		sosr_usage_error("a command is required: check, holders, prepare, swap, archive or latest");
	const char *cmd = argv[0];
	int want = !strcmp(cmd, "swap") ? 2 : !strcmp(cmd, "latest") ? 0 : 1;
	if (strcmp(cmd, "check") && strcmp(cmd, "holders") && strcmp(cmd, "prepare") && strcmp(cmd, "swap") &&
	    strcmp(cmd, "archive") && strcmp(cmd, "latest"))
		sosr_usage_error("'%s' is not a command; use check, holders, prepare, swap, archive or latest", cmd);
	if (argc - 1 != want)
		sosr_usage_error("%s: expected %d operand%s", cmd, want, want == 1 ? "" : "s");
	if ((!strcmp(cmd, "archive") || !strcmp(cmd, "latest")) && !history)
		sosr_usage_error("%s: --history DIR is required", cmd);
	if (!strcmp(cmd, "latest") && !c_code)
		sosr_usage_error("latest: --c-code CODE is required");
	int rc;
	if (!strcmp(cmd, "check"))
		rc = cmd_check(argv[1]);
	else if (!strcmp(cmd, "holders"))
		rc = cmd_holders(argv[1]);
	else if (!strcmp(cmd, "prepare"))
		rc = cmd_prepare(argv[1]);
	else if (!strcmp(cmd, "swap"))
		rc = cmd_swap(argv[1], argv[2]);
	else if (!strcmp(cmd, "archive"))
		rc = cmd_archive(history, argv[1], keep_days, now);
	else
		rc = cmd_latest(history, c_code);
	out_close_stdout();
	return rc;
}
