/* fileio.c - see fileio.h */
#include "fileio.h"
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
