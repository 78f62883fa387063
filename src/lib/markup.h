/*
 * markup.h - text from outside (an inventory's hostname, an API's error
 * text) inside HTML and XML: report.html and report.junit.xml.
 *
 * A value is first made visible as report.txt shows it (text_visible,
 * text.h: control characters, NUL, bytes that are not UTF-8, bidi and
 * zero-width characters escaped as \n, \xNN, \uXXXX), which also keeps
 * out every character XML 1.0 forbids even as a reference; then the five
 * characters markup gives a meaning to are written as references:
 *
 *     &  &amp;     <  &lt;     >  &gt;     "  &quot;     '  &#39;
 *
 * so the result is safe in element content and in an attribute value
 * quoted either way: a hostname "<script>" shows as the text <script>,
 * and a value cannot end an attribute.  Nothing from outside is ever
 * written any other way.
 *
 * Functions return 0, or -1 when the buffer's cap is reached.
 */
#ifndef SOSR_MARKUP_H
#define SOSR_MARKUP_H

#include <stddef.h>

struct buf;

/* Append S (LEN bytes, NULs included) to B, made visible and escaped. */
int markup_text(struct buf *b, const char *s, size_t len);
/* The same for a C string. */
int markup_str(struct buf *b, const char *s);

#endif
