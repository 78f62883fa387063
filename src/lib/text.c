/* text.c - see text.h */
#include "text.h"
#include "buf.h"

#include <stdint.h>
#include <string.h>

/* Whether code point C is invisible or reorders text. */
static int hidden(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9F) || c == 0x061C || (c >= 0x200B && c <= 0x200F) ||
	       (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029 || c == 0xFEFF;
}

/* The length of the well-formed UTF-8 sequence at P (N bytes left), with
 * its code point, or 0 when it is not one. */
static size_t utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		c = p[0] & 0x1F;
		min = 0x80;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		c = p[0] & 0x0F;
		min = 0x800;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

int text_visible(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7F) {
			if ((c == '\\' && buf_addch(b, '\\') < 0) || buf_addch(b, (char)c) < 0)
				return -1;
			i++;
			continue;
		}
		if (c == '\n' || c == '\r' || c == '\t') {
			char e[2] = { '\\', c == '\n' ? 'n' : c == '\r' ? 'r' : 't' };
			if (buf_add(b, e, 2) < 0)
				return -1;
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = c >= 0x80 ? utf8(p + i, len - i, &cp) : 0;
		if (!n) {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
			if (buf_add(b, e, 4) < 0)
				return -1;
			i++;
			continue;
		}
		if (hidden(cp)) {
			char e[6] = { '\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15],
				      hex[cp & 15] };
			if (buf_add(b, e, 6) < 0)
				return -1;
		} else if (buf_add(b, s + i, n) < 0) {
			return -1;
		}
		i += n;
	}
	return 0;
}

void text_visible_into(char *out, size_t size, const char *s, size_t len, size_t max)
{
	if (!size)
		return;
	if (max > size - 1)
		max = size - 1;
	struct buf b = BUF_INIT(0);
	text_visible(&b, s, len);
	size_t n = b.len;
	if (n > max) {
		/* cut before max - 3, not inside an escape nor a character */
		n = max >= 3 ? max - 3 : 0;
		size_t esc = n;
		while (esc > 0 && n - esc < 6 && b.data[esc - 1] != '\\')
			esc--;
		if (esc > 0 && n - esc < 6)
			n = esc - 1;
		while (n > 0 && ((unsigned char)b.data[n] & 0xC0) == 0x80)
			n--;
		memcpy(out, b.data, n);
		memcpy(out + n, "...", 4);
	} else {
		memcpy(out, b.data ? b.data : "", n);
		out[n] = '\0';
	}
	buf_free(&b);
}

size_t text_bom_len(const char *s, size_t len)
{
	return len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

size_t text_line_len(const char *s, size_t len)
{
	return len && s[len - 1] == '\r' ? len - 1 : len;
}
