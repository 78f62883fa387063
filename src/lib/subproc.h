/*
 * subproc.h - run a program and capture what it writes, for the stages that
 * ask another program (the manifest asks each stage its version; the
 * locker drives git).
 *
 * The program is found on PATH (posix_spawnp), gets /dev/null as its
 * standard input, and runs with the environment ENVP (NULL: this
 * process's); its standard output and standard error are read together
 * with poll(2), so that neither pipe can fill and stall it, each up to its
 * buffer's cap (the rest is read and dropped: the child always finishes).
 */
#ifndef SOSR_SUBPROC_H
#define SOSR_SUBPROC_H

#include "buf.h"

/* Run ARGV[0] with ARGV and ENVP; its standard output into OUT and its
 * standard error into ERR (either may be NULL: discarded).  Returns its
 * exit status, 128 + N when killed by signal N, or -1 with errno set when
 * it could not be started (not on PATH: ENOENT). */
int subproc_capture(const char *const argv[], const char *const envp[], struct buf *out, struct buf *err);

#endif
