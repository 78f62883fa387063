/*
 * fileio.h - whole-file reads with a cap, for the small documents the
 * stages read at start (the configuration, a mapping, a report, a secret).
 *
 * The cap is the buffer's (buf.h): a file larger than it is refused, never
 * read in part.  Messages are the caller's, because each names its own
 * file and what to check; the functions only say what failed, in errno.
 */
#ifndef SOSR_FILEIO_H
#define SOSR_FILEIO_H

struct buf;

/* Append all of PATH ("-" is standard input) to B.  0, or -1 with errno
 * set: the open or read error, or EFBIG when the file is larger than the
 * buffer's cap (B then holds what was read before the cap, for the caller
 * to wipe or free).  A caller that reads a secret reserves the whole cap in
 * B first (buf_reserve), so that no copy is left behind by a reallocation. */
int fileio_read_all(const char *path, struct buf *b);

#endif
