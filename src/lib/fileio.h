/*
 * fileio.h - whole files: reads with a cap, for the small documents the
 * stages read at start (the configuration, a mapping, a report, a secret),
 * and writes that land whole or not at all, for the evidence.
 *
 * The cap is the buffer's (buf.h): a file larger than it is refused, never
 * read in part.  Messages are the caller's, because each names its own
 * file and what to check; the functions only say what failed, in errno.
 */
#ifndef SOSR_FILEIO_H
#define SOSR_FILEIO_H

#include <stddef.h>
#include <stdio.h>

struct buf;

/* Append all of PATH ("-" is standard input) to B.  0, or -1 with errno
 * set: the open or read error, or EFBIG when the file is larger than the
 * buffer's cap (B then holds what was read before the cap, for the caller
 * to wipe or free).  A caller that reads a secret reserves the whole cap in
 * B first (buf_reserve), so that no copy is left behind by a reallocation. */
int fileio_read_all(const char *path, struct buf *b);

/* Write LEN bytes of DATA to PATH as a whole: into PATH.tmp, flushed to
 * the disk (fsync), then renamed over PATH, so that PATH is the old file
 * or the new one, never a part.  0, or -1 with errno set (PATH.tmp is then
 * removed). */
int fileio_write_atomic(const char *path, const void *data, size_t len);

/* A scratch file nothing outlives: created in DIR (mkstemp), opened for
 * reading and writing, and unlinked at once, so that the system frees it
 * when it is closed or the process ends.  NULL with errno set.  (Opened
 * with fopen, which the fuzz harnesses track.) */
FILE *fileio_scratch(const char *dir);

/* The same for a file written as a stream: fileio_stream_open creates
 * DIR/.NAME.tmp for PATH (DIR/NAME; hidden, so that a reader listing DIR
 * never takes it for a report) and returns it for writing, or NULL with
 * errno set; fileio_stream_commit checks every write, flushes it to the
 * disk and renames it over PATH, closing F either way: 0, or -1 with
 * errno set and the temporary file removed.  TMP holds the temporary
 * name between the two (for messages); the caller frees it. */
FILE *fileio_stream_open(const char *path, char **tmp);
int fileio_stream_commit(FILE *f, const char *tmp, const char *path);

/* Swap the directories A and B in one step (renameat2 RENAME_EXCHANGE):
 * a reader of B sees its old contents or A's, never a mix.  Where the file
 * system cannot exchange, B is renamed aside (to B.old.PID), A to B, and
 * the old one back to A: a reader sees B's old contents, no B for an
 * instant, or A's.  0, or -1 with errno set and nothing moved. */
int fileio_exchange_dirs(const char *a, const char *b);

#endif
