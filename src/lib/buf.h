/*
 * buf.h - a growable byte buffer with a cap, after curl's dynbuf.
 *
 * A struct buf owns its memory (free it with buf_free).  Its contents are
 * always NUL-terminated, so buf.data can be used as a C string when the
 * bytes contain no NUL.  Every buffer has a maximum size: appending past it
 * fails (returns -1 and leaves the buffer as it was) instead of eating the
 * machine's memory on a runaway response or record; the caller reports the
 * cap by name.  Allocation failure is fatal (sosr_oom).
 */
#ifndef SOSR_BUF_H
#define SOSR_BUF_H

#include <stddef.h>

struct buf {
	char *data;     /* NUL-terminated; NULL until the first append */
	size_t len;     /* bytes used, without the NUL */
	size_t alloc;   /* bytes allocated */
	size_t cap;     /* maximum len; 0 means SIZE_MAX/2 */
};

#define BUF_INIT(maxlen) { NULL, 0, 0, (maxlen) }

void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);
/* Empty the buffer, keep the allocation. */
void buf_reset(struct buf *b);
/* Allocate room for N more bytes now (0, or -1 past the cap), so that
 * appending them moves nothing: a buffer that will hold a secret reserves
 * its cap first, and no copy is left in freed memory by a reallocation. */
int buf_reserve(struct buf *b, size_t n);
/* Append; 0 on success, -1 when the cap would be exceeded. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Hand the contents to the caller (who frees them) and reset the buffer. */
char *buf_detach(struct buf *b, size_t *len);

#endif
