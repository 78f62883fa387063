/*
 * kill-shim.c - LD_PRELOAD library that kills a run at its Kth change of
 * the file tree, as a Jenkins abort or an OOM kill would (test/publish.bats).
 *
 * Every rename, renameat, renameat2, unlink, unlinkat and rmdir of a path
 * under $KILL_DIR is counted across all processes (one byte appended to
 * $KILL_COUNTER, a file outside the directory, per call).  The call that
 * makes the count reach $KILL_AT is not made: the process SIGKILLs the
 * driver (every ancestor that is sos-reconcile: the driver and the
 * subshells it runs a stage in) and then itself.  Without $KILL_AT the calls are only counted, so a
 * test can learn how many steps a run takes and then kill it at each.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether PATH (relative to DIRFD) names something under $KILL_DIR. */
static int under(int dirfd, const char *path)
{
	static char dir[PATH_MAX];
	static size_t dirlen;
	static int ready;
	if (!ready) {
		ready = 1;
		const char *d = getenv("KILL_DIR");
		if (d && *d && realpath(d, dir))
			dirlen = strlen(dir);
	}
	if (!dirlen || !path)
		return 0;
	char base[PATH_MAX], full[PATH_MAX * 2];
	if (path[0] == '/') {
		snprintf(full, sizeof full, "%s", path);
	} else {
		if (dirfd == AT_FDCWD) {
			if (!getcwd(base, sizeof base))
				return 0;
		} else {
			char link[64];
			snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
			ssize_t n = readlink(link, base, sizeof base - 1);
			if (n < 0)
				return 0;
			base[n] = '\0';
		}
		snprintf(full, sizeof full, "%s/%s", base, path);
	}
	return strncmp(full, dir, dirlen) == 0 && (full[dirlen] == '/' || full[dirlen] == '\0');
}

/* The parent of PID, from /proc/PID/stat ("PID (COMM) STATE PPID ..."),
 * or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *close_paren = strrchr(buf, ')');
	int ppid = 0;
	if (!close_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

/* Whether PID runs the driver: an argument that is sos-reconcile. */
static int is_driver(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1) {
		buf[n] = '\0';
		const char *slash = strrchr(buf + i, '/');
		if (strcmp(slash ? slash + 1 : buf + i, "sos-reconcile") == 0)
			return 1;
	}
	return 0;
}

/* Kill the run: the outermost driver first, so that nothing of it sees a
 * stage die and goes on. */
static void kill_run(void)
{
	pid_t chain[64];
	int n = 0;
	for (pid_t p = getppid(); p > 1 && n < 64 && is_driver(p); p = parent_of(p))
		chain[n++] = p;
	if (!n)
		chain[n++] = getppid();
	while (n--)
		kill(chain[n], SIGKILL);
	raise(SIGKILL);
}

/* Count one step; at the chosen one, kill the run. */
static void step(int dirfd, const char *path)
{
	const char *c = getenv("KILL_COUNTER"), *at = getenv("KILL_AT");
	if (!c || !under(dirfd, path))
		return;
	int fd = open(c, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	struct stat st;
	long n = write(fd, "x", 1) == 1 && fstat(fd, &st) == 0 ? (long)st.st_size : -1;
	close(fd);
	if (at && n == strtol(at, NULL, 10))
		kill_run();
}

#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))

int rename(const char *a, const char *b)
{
	step(AT_FDCWD, b);
	return REAL("rename", int (*)(const char *, const char *))(a, b);
}

int renameat(int fa, const char *a, int fb, const char *b)
{
	step(fb, b);
	return REAL("renameat", int (*)(int, const char *, int, const char *))(fa, a, fb, b);
}

int renameat2(int fa, const char *a, int fb, const char *b, unsigned flags)
{
	step(fb, b);
	return REAL("renameat2", int (*)(int, const char *, int, const char *, unsigned))(fa, a, fb, b, flags);
}

int unlink(const char *p)
{
	step(AT_FDCWD, p);
	return REAL("unlink", int (*)(const char *))(p);
}

int unlinkat(int fd, const char *p, int flags)
{
	step(fd, p);
	return REAL("unlinkat", int (*)(int, const char *, int))(fd, p, flags);
}

int rmdir(const char *p)
{
	step(AT_FDCWD, p);
	return REAL("rmdir", int (*)(const char *))(p);
}
