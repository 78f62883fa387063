/* csv.c - see csv.h */
#include "csv.h"
#include "buf.h"

#include <string.h>

int csv_field(struct buf *b, int first, const char *s, size_t len)
{
	if (!first && buf_addch(b, ',') < 0)
		return -1;
	if (len == 0)
		return 0;
	int neutralise = strchr("=+-@\t\r'", s[0]) != NULL && s[0] != '\0';
	int quote = s[0] == ' ' || s[len - 1] == ' ';
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (quote && buf_addch(b, '"') < 0)
		return -1;
	if (neutralise && buf_addch(b, '\'') < 0)
		return -1;
	if (!quote)
		return buf_add(b, s, len);
	size_t run = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '"') {
			if (buf_add(b, s + run, i + 1 - run) < 0)
				return -1;
			run = i; /* the quote again */
		}
	if (buf_add(b, s + run, len - run) < 0)
		return -1;
	return buf_addch(b, '"');
}

int csv_str(struct buf *b, int first, const char *s)
{
	return csv_field(b, first, s ? s : "", s ? strlen(s) : 0);
}

int csv_end(struct buf *b)
{
	return buf_add(b, "\r\n", 2);
}
