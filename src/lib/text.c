/* text.c - see text.h */
#include "text.h"

#include <string.h>

size_t text_bom_len(const char *s, size_t len)
{
	return len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

size_t text_line_len(const char *s, size_t len)
{
	return len && s[len - 1] == '\r' ? len - 1 : len;
}
