/*
 * enospc-shim.c - LD_PRELOAD library that makes a directory behave like a
 * full disk, without privileges (test/write-failures.bats).
 *
 * Every file opened for writing under $ENOSPC_DIR is created as asked (so
 * names, O_EXCL and permissions behave as on a real disk whose directory
 * blocks are not yet exhausted), then the descriptor handed back is one on
 * /dev/full: every write to it fails with ENOSPC, as writes to a full file
 * system do.  Reading and everything outside the directory are untouched.
 *
 * $ENOSPC_SKIP=K lets the first K such opens through unharmed (counted
 * across all processes in $ENOSPC_COUNTER, a file outside the directory,
 * one byte appended per open), so a test can let a run fill the disk at
 * each of its writes in turn.
 *
 * Why opens and not write(): glibc's stdio writes through an internal
 * alias of write() that LD_PRELOAD cannot interpose, so the only portable
 * hook is where the descriptor is made.  Interposed: open, open64,
 * openat, openat64, creat, creat64, their fortified __*_2 forms, fopen,
 * fopen64, and mkstemp, mkostemp (whose open glibc makes internally: the
 * file is made, then its descriptor is replaced by one on /dev/full).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[PATH_MAX];
static size_t dirlen;
static int ready;

static void init(void)
{
	if (ready)
		return;
	ready = 1;
	const char *d = getenv("ENOSPC_DIR");
	if (d && *d && realpath(d, dir))
		dirlen = strlen(dir);
}

/* Whether PATH (relative to DIRFD) names something under the directory. */
static int under(int dirfd, const char *path)
{
	init();
	if (!dirlen || !path)
		return 0;
	char full[PATH_MAX * 2];
	if (path[0] == '/') {
		snprintf(full, sizeof full, "%s", path);
	} else {
		char base[PATH_MAX];
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

/* Whether this open should get /dev/full: the directory is "full" from
 * the (ENOSPC_SKIP+1)th open for writing on. */
static int full_now(void)
{
	const char *s = getenv("ENOSPC_SKIP"), *c = getenv("ENOSPC_COUNTER");
	long skip = s ? strtol(s, NULL, 10) : 0;
	if (skip <= 0 || !c)
		return 1;
	static int (*real_open)(const char *, int, ...);
	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	int fd = real_open(c, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return 1;
	struct stat st;
	int n = write(fd, "x", 1) == 1 && fstat(fd, &st) == 0 ? (int)st.st_size : INT_MAX;
	close(fd);
	return n > skip;
}

static int writing(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC));
}

typedef int (*openat_fn)(int, const char *, int, ...);

static int do_openat(const char *name, int dirfd, const char *path, int flags, mode_t mode)
{
	openat_fn real = (openat_fn)dlsym(RTLD_NEXT, name);
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (!writing(flags) || (flags & O_DIRECTORY) || !under(dirfd, path) || !full_now())
		return real(dirfd, path, flags, mode);
	int fd = real(dirfd, path, flags, mode);
	if (fd < 0)
		return fd;
	close(fd);
	int acc = (flags & O_ACCMODE) == O_RDWR ? O_RDWR : O_WRONLY;
	return real(AT_FDCWD, "/dev/full", acc | (flags & O_CLOEXEC), 0);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return do_openat("openat", dirfd, path, flags, m);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return do_openat("openat64", dirfd, path, flags, m);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return do_openat("openat", AT_FDCWD, path, flags, m);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return do_openat("openat64", AT_FDCWD, path, flags, m);
}

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags) { return do_openat("openat", AT_FDCWD, path, flags, 0); }
int __open64_2(const char *path, int flags);
int __open64_2(const char *path, int flags) { return do_openat("openat64", AT_FDCWD, path, flags, 0); }
int __openat_2(int dirfd, const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags) { return do_openat("openat", dirfd, path, flags, 0); }
int __openat64_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags) { return do_openat("openat64", dirfd, path, flags, 0); }

int creat(const char *path, mode_t mode)
{
	return do_openat("openat", AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int creat64(const char *path, mode_t mode)
{
	return do_openat("openat64", AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

static FILE *do_fopen(const char *name, const char *path, const char *mode)
{
	FILE *(*real)(const char *, const char *) =
		(FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, name);
	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	if (!strpbrk(mode, "wa+") || !under(AT_FDCWD, path) || !full_now())
		return real(path, mode);
	FILE *fp = real(path, mode);
	if (!fp)
		return NULL;
	fclose(fp);
	return real("/dev/full", mode);
}

FILE *fopen(const char *path, const char *mode) { return do_fopen("fopen", path, mode); }
FILE *fopen64(const char *path, const char *mode) { return do_fopen("fopen64", path, mode); }

/* mkstemp and friends open through glibc's internal open: let them make
 * the file, then put /dev/full under the same descriptor number. */
static int full_fd(const char *path, int fd)
{
	if (fd < 0 || !under(AT_FDCWD, path) || !full_now())
		return fd;
	openat_fn real = (openat_fn)dlsym(RTLD_NEXT, "openat");
	int f = real(AT_FDCWD, "/dev/full", O_RDWR, 0);
	if (f < 0)
		return fd;
	dup2(f, fd);
	close(f);
	return fd;
}

int mkstemp(char *tmpl)
{
	int (*real)(char *) = (int (*)(char *))dlsym(RTLD_NEXT, "mkstemp");
	return full_fd(tmpl, real(tmpl));
}

int mkstemp64(char *tmpl)
{
	int (*real)(char *) = (int (*)(char *))dlsym(RTLD_NEXT, "mkstemp64");
	return full_fd(tmpl, real(tmpl));
}

int mkostemp(char *tmpl, int flags)
{
	int (*real)(char *, int) = (int (*)(char *, int))dlsym(RTLD_NEXT, "mkostemp");
	return full_fd(tmpl, real(tmpl, flags));
}

int mkostemp64(char *tmpl, int flags)
{
	int (*real)(char *, int) = (int (*)(char *, int))dlsym(RTLD_NEXT, "mkostemp64");
	return full_fd(tmpl, real(tmpl, flags));
}
