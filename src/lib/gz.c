/* gz.c - see gz.h */
#include "gz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define GZ_LEVEL 6
#define CHUNK 65536

int gz_compress_file(const char *src, const char *dst)
{
	FILE *in = fopen(src, "rb");
	if (!in)
		return -1;
	int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		int e = errno;
		fclose(in);
		errno = e;
		return -1;
	}
	z_stream z;
	memset(&z, 0, sizeof z);
	/* 15 + 16: a gzip wrapper; the header says nothing of when or where */
	int err = deflateInit2(&z, GZ_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK ? 0 : ENOMEM;
	gz_header h;
	memset(&h, 0, sizeof h);
	h.os = 255;
	if (!err && deflateSetHeader(&z, &h) != Z_OK)
		err = EINVAL;
	static unsigned char ibuf[CHUNK], obuf[CHUNK];
	int flush = Z_NO_FLUSH;
	while (!err && flush != Z_FINISH) {
		size_t n = fread(ibuf, 1, sizeof ibuf, in);
		if (ferror(in)) {
			err = EIO;
			break;
		}
		flush = feof(in) ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = ibuf;
		z.avail_in = (uInt)n;
		do {
			z.next_out = obuf;
			z.avail_out = sizeof obuf;
			if (deflate(&z, flush) == Z_STREAM_ERROR) {
				err = EINVAL;
				break;
			}
			size_t have = sizeof obuf - z.avail_out;
			for (size_t off = 0; off < have && !err;) {
				ssize_t w = write(fd, obuf + off, have - off);
				if (w < 0 && errno != EINTR)
					err = errno;
				else if (w > 0)
					off += (size_t)w;
			}
		} while (!err && z.avail_out == 0);
	}
	deflateEnd(&z);
	fclose(in);
	if (!err && fsync(fd) < 0)
		err = errno;
	if (close(fd) < 0 && !err)
		err = errno;
	if (err) {
		unlink(dst);
		errno = err;
		return -1;
	}
	return 0;
}

int gz_sha256(const char *path, char hex[SHA256_HEX_LEN + 1], long long *bytes)
{
	FILE *in = fopen(path, "rb");
	if (!in)
		return -1;
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		fclose(in);
		errno = ENOMEM;
		return -1;
	}
	struct sha256 c;
	sha256_init(&c);
	static unsigned char ibuf[CHUNK], obuf[CHUNK];
	int rc = Z_OK, err = 0;
	*bytes = 0;
	while (rc != Z_STREAM_END && !err) {
		size_t n = fread(ibuf, 1, sizeof ibuf, in);
		if (ferror(in)) {
			err = EIO;
			break;
		}
		if (n == 0) {
			err = EINVAL;   /* the stream ended before the gzip did */
			break;
		}
		z.next_in = ibuf;
		z.avail_in = (uInt)n;
		while (z.avail_in && rc != Z_STREAM_END) {
			z.next_out = obuf;
			z.avail_out = sizeof obuf;
			rc = inflate(&z, Z_NO_FLUSH);
			if (rc != Z_OK && rc != Z_STREAM_END) {
				err = EINVAL;
				break;
			}
			size_t have = sizeof obuf - z.avail_out;
			sha256_update(&c, obuf, have);
			*bytes += (long long)have;
		}
		/* one member, nothing after it */
		if (rc == Z_STREAM_END && (z.avail_in || fgetc(in) != EOF))
			err = EINVAL;
	}
	inflateEnd(&z);
	fclose(in);
	if (err) {
		errno = err;
		return -1;
	}
	sha256_final_hex(&c, hex);
	return 0;
}
