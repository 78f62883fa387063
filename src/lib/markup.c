/* markup.c - see markup.h */
#include "markup.h"
#include "buf.h"
#include "text.h"

#include <string.h>

/* Escape the bytes of S (already visible: no control characters) into B. */
static int escape(struct buf *b, const char *s, size_t len)
{
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		const char *ref;
		switch (s[i]) {
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		case '\'': ref = "&#39;"; break;
		default: continue;
		}
		if (buf_add(b, s + run, i - run) < 0 || buf_addstr(b, ref) < 0)
			return -1;
		run = i + 1;
	}
	return buf_add(b, s + run, len - run);
}

int markup_text(struct buf *b, const char *s, size_t len)
{
	/* most values need no escape at all: copy them as they are */
	size_t i = 0;
	while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F && s[i] != '\\' &&
	       !strchr("&<>\"'", s[i]))
		i++;
	if (i == len)
		return buf_add(b, s, len);
	struct buf v = BUF_INIT(b->cap);
	int rc = text_visible(&v, s, len);
	if (rc == 0)
		rc = escape(b, v.data ? v.data : "", v.len);
	buf_free(&v);
	return rc;
}

int markup_str(struct buf *b, const char *s)
{
	return markup_text(b, s, strlen(s));
}
