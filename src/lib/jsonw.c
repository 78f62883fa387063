/* jsonw.c - see jsonw.h */
#include "jsonw.h"

#include <stdio.h>
#include <string.h>

int jsonw_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	if (buf_addch(b, '"') < 0)
		return -1;
	size_t run = 0; /* start of the pending run of bytes that need no escape */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_add(b, s + run, i - run) < 0)
			return -1;
		run = i + 1;
		char esc[7] = { '\\', 0 };
		size_t n = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
			n = 6;
		}
		if (buf_add(b, esc, n) < 0)
			return -1;
	}
	/* s may be NULL when len is 0: NULL + 0 is undefined in C */
	if (run < len && buf_add(b, s + run, len - run) < 0)
		return -1;
	return buf_addch(b, '"');
}

static int field_name(struct buf *b, int first, const char *name)
{
	if (!first && buf_addch(b, ',') < 0)
		return -1;
	if (buf_addch(b, '"') < 0 || buf_addstr(b, name) < 0)
		return -1;
	return buf_add(b, "\":", 2);
}

int jsonw_field_str(struct buf *b, int first, const char *name, const char *s, size_t len)
{
	if (field_name(b, first, name) < 0)
		return -1;
	return jsonw_str(b, s, len);
}

int jsonw_field_int(struct buf *b, int first, const char *name, long long v)
{
	if (field_name(b, first, name) < 0)
		return -1;
	return buf_printf(b, "%lld", v);
}

int jsonw_field_raw(struct buf *b, int first, const char *name, const char *raw, size_t len)
{
	if (field_name(b, first, name) < 0)
		return -1;
	return buf_add(b, raw, len);
}
