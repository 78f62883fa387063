/*
 * sosr-locker - the evidence locker: the archive as a git working tree,
 * one commit a run, pushed when configured.
 *
 *     sosr-locker check --config alc.json          # before the run fetches
 *     sosr-locker commit --config alc.json RUN     # after it is archived
 *
 * Git does the work and git's own configuration decides what the project
 * must never handle: the remote's URL and credentials, and signing
 * (commit.gpgsign).  This program only names a remote, never prints what
 * git says about a URL without removing its userinfo, and never lets git
 * prompt (GIT_TERMINAL_PROMPT=0: a Jenkins agent has no terminal).
 *
 * A push that is rejected because someone else pushed first is retried:
 * fetch, rebase the commits not yet pushed (each run adds a directory of
 * its own, so they rebase cleanly), push again, a bounded number of times.
 * A push that still fails leaves the commit in the working tree for the
 * next run to push, and exits 12.
 */
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "jsondoc.h"
#include "output.h"
#include "subproc.h"
#include "text.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

static const char usage_text[] =
"Usage: sosr-locker check --config FILE\n"
"       sosr-locker commit --config FILE RUN\n"
"The evidence locker (the configuration's locker section): the archive of\n"
"runs kept in a git working tree (docs/EVIDENCE.md).\n"
"\n"
"Commands:\n"
"  check        the locker may take a run: locker.repo is the top of a git\n"
"               working tree, on a branch, with nothing uncommitted, and\n"
"               locker.remote is one of its remotes when locker.push is set;\n"
"               run before anything is fetched\n"
"  commit RUN   commits RUN, a run of the archive in the working tree (the\n"
"               path sosr-publish archive printed), with its C_Code's latest\n"
"               link and the runs the retention removed, in one commit whose\n"
"               message names the C_Code, the date, the status, the verdict\n"
"               and the counts; with locker.push, pushes the branch to\n"
"               locker.remote, after fetching and rebasing when the push is\n"
"               rejected (locker.push_retries times)\n"
"\n"
"Options:\n"
"      --config FILE     the job's configuration (its locker section)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Exit status:\n"
"  0   done\n"
"  2   usage error, no locker in the configuration, or a working tree that\n"
"      cannot take a run (dirty, detached, not a git working tree)\n"
"  7   RUN is not a run of the archive in the working tree\n"
"  9   git could not be run, or a git command that must not fail failed\n"
"  12  the run is committed, but the push failed: the next run pushes it\n";

static const struct locker_config *L;
static const char *repo;         /* L->repo */
static const char *remote;       /* L->remote, or the default */
static char **git_env;           /* the environment git runs with */
static const char *identity[4];  /* -c user.name=... -c user.email=..., when git has none */

/* Git's words made fit for a log: userinfo taken out of every URL (a
 * remote URL may carry a token), controls escaped, and cut short. */
static void put_git_words(struct buf *to, const struct buf *from)
{
	const char *s = from->data ? from->data : "";
	size_t n = from->len;
	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	struct buf clean = BUF_INIT(0);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			buf_addstr(&clean, "; ");
			continue;
		}
		buf_addch(&clean, s[i]);
		if (s[i] == '/' && i >= 2 && s[i - 1] == '/' && s[i - 2] == ':') {
			/* scheme://[userinfo@]host: drop up to the last '@' before
			 * the host part ends */
			size_t end = i + 1;
			while (end < n && !strchr("/ \t\n'\"", s[end]))
				end++;
			const char *at = memrchr(s + i + 1, '@', end - (i + 1));
			if (at)
				i = (size_t)(at - s);
		}
	}
	if (clean.len > 600) {
		clean.len = 600;
		clean.data[600] = '\0';
		buf_addstr(&clean, "...");
	}
	text_visible(to, clean.data ? clean.data : "", clean.len);
	buf_free(&clean);
}

/* Run `git -C REPO [identity] ARGS...`; its exit status (-1 when git
 * cannot be run).  OUT and ERR may be NULL. */
static int git(struct buf *out, struct buf *err, const char *const args[])
{
	const char *argv[32];
	size_t n = 0;
	argv[n++] = "git";
	argv[n++] = "-C";
	argv[n++] = repo;
	for (size_t i = 0; i < 4 && identity[i]; i++)
		argv[n++] = identity[i];
	for (size_t i = 0; args[i]; i++) {
		if (n == sizeof argv / sizeof *argv - 1)
			sosr_die(SOSR_EXIT_INTERNAL, "too many arguments for git");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	int rc = subproc_capture(argv, (const char *const *)git_env, out, err);
	if (rc < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot run git; check that git is installed and on PATH");
	return rc;
}

/* A git command that must succeed: else exit 9 with git's words. */
static void git_must(const char *what, struct buf *out, const char *const args[])
{
	struct buf err = BUF_INIT(64 << 10);
	if (git(out, &err, args) != 0) {
		struct buf words = BUF_INIT(0);
		put_git_words(&words, &err);
		sosr_die(SOSR_EXIT_IO, "locker %s: %s failed: %s", repo, what, words.data ? words.data : "");
	}
	buf_free(&err);
}

/* The environment of git: this one's (HOME, SSH_AUTH_SOCK, GIT_* and
 * git's configuration decide credentials and signing), never prompting,
 * and in English, because a rejected push is told apart by its words. */
static void make_git_env(void)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	git_env = xcalloc(n + 4, sizeof *git_env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "GIT_TERMINAL_PROMPT=", 20) && strncmp(environ[i], "LC_ALL=", 7) &&
		    strncmp(environ[i], "LANGUAGE=", 9))
			git_env[k++] = environ[i];
	git_env[k++] = (char *)"GIT_TERMINAL_PROMPT=0";
	git_env[k++] = (char *)"LC_ALL=C";
	git_env[k] = NULL;
}

/* A commit needs an identity; a Jenkins agent's git often has none, and
 * the job must not fail on it: then the commits are sos-reconcile's. */
static void choose_identity(void)
{
	const char *name[] = { "config", "user.email", NULL };
	if (git(NULL, NULL, name) == 0)
		return;
	static char email[HOST_NAME_MAX + 32];
	char host[HOST_NAME_MAX + 1] = "localhost";
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	snprintf(email, sizeof email, "user.email=sos-reconcile@%s", host);
	identity[0] = "-c";
	identity[1] = "user.name=sos-reconcile";
	identity[2] = "-c";
	identity[3] = email;
}

static char *trimmed(struct buf *b)
{
	char *s = b->data ? b->data : (char *)"";
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* The branch checked out; dies on a detached head. */
static char *current_branch(void)
{
	struct buf out = BUF_INIT(4096);
	const char *args[] = { "symbolic-ref", "-q", "--short", "HEAD", NULL };
	if (git(&out, NULL, args) != 0)
		sosr_die(SOSR_EXIT_USAGE, "locker %s: the working tree is on a detached HEAD; check out the "
			 "branch the evidence is kept on (git -C %s switch BRANCH)", repo, repo);
	char *b = xstrdup(trimmed(&out));
	buf_free(&out);
	return b;
}

/* Everything `check` checks; the branch. */
static char *check_tree(void)
{
	struct stat st;
	if (stat(repo, &st) < 0 || !S_ISDIR(st.st_mode))
		sosr_die(SOSR_EXIT_USAGE, "locker.repo '%s' is not a directory; clone the evidence repository "
			 "there first (docs/jenkins.md)", repo);
	struct buf top = BUF_INIT(PATH_MAX);
	const char *toplevel[] = { "rev-parse", "--show-toplevel", NULL };
	if (git(&top, NULL, toplevel) != 0)
		sosr_die(SOSR_EXIT_USAGE, "locker.repo '%s' is not a git working tree; clone the evidence "
			 "repository there (docs/jenkins.md)", repo);
	char *real = realpath(repo, NULL);
	if (!real || strcmp(real, trimmed(&top)) != 0)
		sosr_die(SOSR_EXIT_USAGE, "locker.repo '%s' is inside the working tree '%s', not its top; set "
			 "locker.repo to the top and history.dir to the directory under it", repo, trimmed(&top));
	free(real);
	buf_free(&top);
	char *branch = current_branch();
	/* what a failed or foreign hand left: the run would commit it, or
	 * the rebase of a rejected push would stop on it */
	struct buf st_out = BUF_INIT(1 << 20);
	const char *status[] = { "status", "--porcelain", "--untracked-files=all", "--", ".",
				 ":(exclude,glob)**/.tmp.*/**", ":(exclude,glob)**/.latest.tmp", NULL };
	git_must("git status", &st_out, status);
	if (st_out.len) {
		struct buf words = BUF_INIT(0);
		put_git_words(&words, &st_out);
		sosr_die(SOSR_EXIT_USAGE, "locker %s: the working tree has changes that are not committed (%s); "
			 "commit or remove them before the next run (git -C %s status)", repo, words.data, repo);
	}
	buf_free(&st_out);
	if (L->push == 1) {
		struct buf key = BUF_INIT(0);
		buf_printf(&key, "remote.%s.url", remote);
		const char *url[] = { "config", "--get", key.data, NULL };
		/* the URL is read into a buffer that is dropped: never printed */
		struct buf dropped = BUF_INIT(4096);
		if (git(&dropped, NULL, url) != 0)
			sosr_die(SOSR_EXIT_USAGE, "locker %s: locker.remote '%s' is not a remote of the working "
				 "tree; check locker.remote (git -C %s remote -v)", repo, remote, repo);
		buf_free(&dropped);
		buf_free(&key);
	}
	return branch;
}

static int cmd_check(void)
{
	char *branch = check_tree();
	printf("locker %s: on branch %s, clean%s%s\n", repo, branch, L->push == 1 ? ", pushes to " : "",
	       L->push == 1 ? remote : "");
	free(branch);
	return SOSR_EXIT_OK;
}

/* "ALC 2026-11-30: complete, significant; 89 findings (3 new, 2 resolved)"
 * and a body with the stamp, the exit status and the manifest's sha256. */
static void commit_message(struct buf *msg, const char *run, const char *stamp)
{
	struct buf path = BUF_INIT(0);
	buf_printf(&path, "%s/manifest.json", run);
	struct jd_ctx c = { path.data, "check that RUN is a run that sosr-publish archive stored",
			    SOSR_EXIT_DATA };
	struct json_object *m = jd_load(&c, path.data, 64u << 20);
	/* the day the run is for: its reference time (the start, unless the
	 * job was given --now) */
	const char *code = jget_str(m, "c_code"), *started = jget_str(m, "now") ? jget_str(m, "now")
								      : jget_str(m, "started");
	const char *status = jget_str(m, "status"), *verdict = jget_str(m, "verdict");
	if (!code || !started || strlen(started) < 10 || !status)
		sosr_die(SOSR_EXIT_DATA, "%s: no c_code, started or status; check that RUN is a run of "
			 "sos-reconcile", path.data);
	buf_printf(msg, "%s %.10s: %s", code, started, status);
	if (verdict && strcmp(verdict, status) != 0)
		buf_printf(msg, ", %s", verdict);
	long long findings = jget_count(m, "findings");
	if (findings >= 0)
		buf_printf(msg, "; %lld finding%s", findings, findings == 1 ? "" : "s");
	/* the lifecycle's counts, when the report has them */
	buf_reset(&path);
	buf_printf(&path, "%s/report.json", run);
	struct json_object *r = NULL, *h;
	if (access(path.data, F_OK) == 0) {
		struct jd_ctx rc = { path.data, "check the run's report", SOSR_EXIT_DATA };
		r = jd_load(&rc, path.data, 256u << 20);
	}
	if ((h = jget(r, "history")) && json_object_get_boolean(jget(h, "history")) && jget_str(h, "previous"))
		buf_printf(msg, " (%lld new, %lld resolved)", jget_count(h, "new"), jget_count(h, "resolved"));
	buf_printf(msg, "\n\nRun %s of C_Code %s, exit %lld", stamp, code, jget_count(m, "exit"));
	if (jget_count(m, "exit") >= 0)
		buf_printf(msg, " (%s)", exit_meaning((int)jget_count(m, "exit")));
	buf_addstr(msg, ".\n");
	json_object_put(r);
	json_object_put(m);
	buf_free(&path);
}

/* RUN's place in the working tree: "ALC/2026-11-30T060000Z". */
static char *run_in_tree(const char *run)
{
	char *top = realpath(repo, NULL), *real = realpath(run, NULL);
	if (!top || !real)
		sosr_die_errno(SOSR_EXIT_DATA, "cannot resolve '%s'", real ? repo : run);
	size_t n = strlen(top);
	if (strncmp(real, top, n) != 0 || real[n] != '/')
		sosr_die(SOSR_EXIT_DATA, "'%s' is not in the locker's working tree '%s'; check history.dir", run,
			 repo);
	char *rel = xstrdup(real + n + 1);
	free(top);
	free(real);
	return rel;
}

/* Whether PUSH's answer says the remote moved on (someone else pushed):
 * then fetching and rebasing can help; for anything else it cannot. */
static int push_was_rejected(const struct buf *out, const struct buf *err)
{
	const char *o = out->data ? out->data : "", *e = err->data ? err->data : "";
	return strstr(o, "[rejected]") || strstr(o, "(fetch first)") || strstr(o, "(non-fast-forward)") ||
	       strstr(e, "[rejected]") || strstr(e, "(fetch first)") || strstr(e, "non-fast-forward");
}

/* Push BRANCH, rebasing after a rejection; 0, or -1 with WHY set. */
static int push(const char *branch, struct buf *why)
{
	struct buf refspec = BUF_INIT(0);
	buf_printf(&refspec, "HEAD:refs/heads/%s", branch);
	long retries = L->push_retries >= 0 ? L->push_retries : LOCKER_DEFAULT_PUSH_RETRIES;
	int rc = -1;
	for (long attempt = 0;; attempt++) {
		struct buf out = BUF_INIT(64 << 10), err = BUF_INIT(64 << 10);
		const char *p[] = { "push", "--porcelain", remote, refspec.data, NULL };
		int st = git(&out, &err, p);
		if (st == 0) {
			rc = 0;
		} else {
			buf_reset(why);
			put_git_words(why, err.len ? &err : &out);
		}
		int rejected = st != 0 && push_was_rejected(&out, &err);
		buf_free(&out);
		buf_free(&err);
		if (st == 0 || !rejected)
			break;
		if (attempt == retries) {
			buf_printf(why, " (rejected %ld time%s: the remote keeps moving)", retries + 1,
				   retries ? "s" : "");
			break;
		}
		sosr_info("locker %s: the push was rejected (someone else pushed); fetching and rebasing",
			  repo);
		struct buf ferr = BUF_INIT(64 << 10);
		const char *fetch[] = { "fetch", "-q", remote, branch, NULL };
		if (git(NULL, &ferr, fetch) != 0) {
			buf_reset(why);
			buf_addstr(why, "the fetch after a rejected push failed: ");
			put_git_words(why, &ferr);
			buf_free(&ferr);
			break;
		}
		buf_free(&ferr);
		struct buf rerr = BUF_INIT(64 << 10);
		const char *rebase[] = { "rebase", "-q", "FETCH_HEAD", NULL };
		if (git(NULL, &rerr, rebase) != 0) {
			const char *abort_[] = { "rebase", "--abort", NULL };
			git(NULL, NULL, abort_);
			buf_reset(why);
			buf_addstr(why, "the rebase onto the remote's branch stopped (someone changed the same "
				   "files): ");
			put_git_words(why, &rerr);
			buf_free(&rerr);
			break;
		}
		buf_free(&rerr);
	}
	buf_free(&refspec);
	return rc;
}

static int cmd_commit(const char *run)
{
	char *branch = current_branch();
	char *rel = run_in_tree(run);
	char *slash = strrchr(rel, '/');
	if (!slash)
		sosr_die(SOSR_EXIT_DATA, "'%s' is not a run of the archive (HISTORY/C_CODE/STAMP)", run);
	const char *stamp = slash + 1;
	char *code_dir = xstrndup(rel, (size_t)(slash - rel));
	struct buf msg = BUF_INIT(0);
	commit_message(&msg, run, stamp);

	/* the C_Code's directory as a whole: the run, latest, and the runs the
	 * retention removed; never what a crashed archive left (.tmp.*) */
	struct buf ex1 = BUF_INIT(0), ex2 = BUF_INIT(0);
	buf_printf(&ex1, ":(exclude,glob)%s/.tmp.*/**", code_dir);
	buf_printf(&ex2, ":(exclude,glob)%s/.latest.tmp", code_dir);
	const char *add[] = { "add", "-A", "--", code_dir, ex1.data, ex2.data, NULL };
	git_must("git add", NULL, add);
	const char *staged[] = { "diff", "--cached", "--quiet", NULL };
	int changes = git(NULL, NULL, staged) != 0;
	if (changes) {
		const char *commit[] = { "commit", "-q", "-m", msg.data, NULL };
		git_must("git commit", NULL, commit);
	}
	struct buf head = BUF_INIT(256);
	const char *rev[] = { "rev-parse", "--short=12", "HEAD", NULL };
	git_must("git rev-parse", &head, rev);
	const char *first_line = msg.data;
	int line_len = (int)strcspn(first_line, "\n");
	if (changes)
		printf("locker %s: committed %s as %s: %.*s\n", repo, rel, trimmed(&head), line_len, first_line);
	else
		printf("locker %s: %s is already committed (%s)\n", repo, rel, trimmed(&head));
	int rc = SOSR_EXIT_OK;
	if (L->push == 1) {
		struct buf why = BUF_INIT(0);
		if (push(branch, &why) == 0) {
			printf("locker %s: pushed %s to %s\n", repo, branch, remote);
		} else {
			sosr_error("locker %s: the push of %s to %s failed: %s; the run is committed in the working "
				   "tree (%s) and the next run pushes it; check the remote and the agent's git "
				   "credentials (RUNBOOK.md, 'The evidence was not pushed')", repo, branch, remote,
				   why.data ? why.data : "", trimmed(&head));
			rc = SOSR_EXIT_LOCKER;
		}
		buf_free(&why);
	}
	buf_free(&head);
	buf_free(&ex1);
	buf_free(&ex2);
	buf_free(&msg);
	free(code_dir);
	free(rel);
	free(branch);
	return rc;
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	enum { O_CONFIG = 256 };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL;
	int ch;
	while ((ch = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (ch) {
		case O_CONFIG: config_path = optarg; break;
		case 'h': cli_help(usage_text);
		case 'V': cli_version();
		}
	}
	if (optind >= argc)
		sosr_usage_error("a command is required: check or commit");
	const char *cmd = argv[optind++];
	int is_commit = strcmp(cmd, "commit") == 0;
	if (!is_commit && strcmp(cmd, "check") != 0)
		sosr_usage_error("'%s' is not a command; use check or commit", cmd);
	if (argc - optind != is_commit)
		sosr_usage_error(is_commit ? "commit: expected one operand, the archived run" :
			     "check: expected no operand");
	if (!config_path)
		sosr_usage_error("--config FILE is required: the locker is the configuration's locker section");
	struct config cfg;
	config_load(config_path, &cfg);
	if (!cfg.locker.repo)
		sosr_usage_error("%s: no locker section; nothing to do (docs/CONFIG.md, locker)", config_path);
	L = &cfg.locker;
	repo = L->repo;
	remote = L->remote ? L->remote : LOCKER_DEFAULT_REMOTE;
	make_git_env();
	choose_identity();
	int rc = is_commit ? cmd_commit(argv[optind]) : cmd_check();
	free(git_env);
	config_free(&cfg);
	out_close_stdout();
	return rc;
}
