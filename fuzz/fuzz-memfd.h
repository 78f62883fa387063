/*
 * fuzz-memfd.h - in-memory files for the harnesses that run a stage's
 * main on its operands (fuzz-diff.c, fuzz-track.c): the input is written
 * into memfds the stage opens by their /proc path, and the stage's
 * standard output is another memfd the harness reads back.  Any failure
 * of the harness itself aborts.
 */
#ifndef SOSR_FUZZ_MEMFD_H
#define SOSR_FUZZ_MEMFD_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* A new memfd; its path in PATH (N bytes) unless PATH is NULL. */
static int fuzz_memfd(const char *name, char *path, size_t n)
{
	int fd = memfd_create(name, 0);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	if (path)
		snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

/* FD's contents become the N bytes at P. */
static void fuzz_put(int fd, const void *p, size_t n)
{
	if (ftruncate(fd, 0) < 0 || (n && pwrite(fd, p, n, 0) != (ssize_t)n))
		abort();
}

/* stdout becomes FD, emptied.  The dup shares the offset: it is rewound
 * too.  Called outside the guarded call: the stage's main closes stdout
 * when it returns; after a die the harness does. */
static void fuzz_stdout_to(int fd)
{
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	stdout = fdopen(dup(fd), "w");
	if (!stdout)
		abort();
}

#endif
