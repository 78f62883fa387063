/* fileio.c - see fileio.h */
#include "fileio.h"
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fileio_read_all(const char *path, struct buf *b)
{
	int is_stdin = strcmp(path, "-") == 0;
	FILE *fp = is_stdin ? stdin : fopen(path, "rb");
	if (!fp)
		return -1;
	char chunk[16384];
	size_t n;
	int err = 0;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (buf_add(b, chunk, n) < 0) {
			err = EFBIG;
			break;
		}
	if (!err && ferror(fp))
		err = errno ? errno : EIO;
	if (!is_stdin)
		fclose(fp);
	/* the chunk may have held a secret */
	memset(chunk, 0, sizeof chunk);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

int fileio_write_atomic(const char *path, const void *data, size_t len)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 5);
	if (!tmp)
		return -1;
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".tmp", 5);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	const char *p = data;
	size_t left = len;
	int err = 0;
	while (left && !err) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno != EINTR)
			err = errno;
		else if (w > 0) {
			p += w;
			left -= (size_t)w;
		}
	}
	if (!err && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err) {
		unlink(tmp);
		free(tmp);
		errno = err;
		return -1;
	}
	free(tmp);
	return 0;
}

FILE *fileio_stream_open(const char *path, char **tmp)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	struct buf t = BUF_INIT(0);
	buf_printf(&t, "%.*s.%s.tmp", (int)dirlen, path, path + dirlen);
	*tmp = t.data;
	return fopen(t.data, "we");
}

int fileio_stream_commit(FILE *f, const char *tmp, const char *path)
{
	int bad = ferror(f) | fflush(f);
	int err = bad ? (errno ? errno : EIO) : 0;
	if (!err && fsync(fileno(f)) < 0)
		err = errno;
	if (fclose(f) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err) {
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

int fileio_exchange_dirs(const char *a, const char *b)
{
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	char aside[4096];
	if (snprintf(aside, sizeof aside, "%s.old.%ld", b, (long)getpid()) >= (int)sizeof aside) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (rename(b, aside) < 0)
		return -1;
	if (rename(a, b) < 0) {
		int e = errno;
		rename(aside, b);
		errno = e;
		return -1;
	}
	return rename(aside, a);
}

FILE *fileio_scratch(const char *dir)
{
	size_t n = strlen(dir) + sizeof "/sosr-scratch.XXXXXX";
	char *path = malloc(n);
	if (!path)
		return NULL;
	snprintf(path, n, "%s/sosr-scratch.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	FILE *fp = fopen(path, "w+b");
	int e = errno;
	unlink(path);
	close(fd);
	free(path);
	errno = e;
	return fp;
}
