/*
 * text.h - text that came from outside (an API's error message, an
 * inventory's hostname), made safe to show to a person.
 *
 * A hostile or broken service can put into a value what a terminal acts
 * on or a reader cannot see: control characters and escape sequences (that
 * move the cursor, hide a line), NUL (that would cut a C string short),
 * bidirectional overrides (that show "gnp.exe" as "exe.png"), zero-width
 * characters (that make two different hostnames look the same).  Every
 * place that shows such text (report.txt, the stages' messages in run.log
 * and the console) writes it through text_visible, which keeps printable
 * UTF-8 as it is and escapes the rest:
 *
 *     \\            a backslash, so that every escape below is unambiguous
 *     \n \r \t      those controls
 *     \xNN          other C0 controls, DEL, NUL, and bytes that are not UTF-8
 *     \uXXXX        C1 controls, bidi controls (U+061C, U+200E-200F,
 *                   U+202A-202E, U+2066-2069), zero-width and invisible
 *                   characters (U+200B-200D, U+2060-2064, U+FEFF), and the
 *                   line and paragraph separators (U+2028, U+2029)
 *
 * Stored evidence (raw and canonical records, report.json) keeps values
 * as they are; only what is shown is escaped.
 */
#ifndef SOSR_TEXT_H
#define SOSR_TEXT_H

#include <stddef.h>

struct buf;

/* Append S (LEN bytes, NULs included) to B, escaped as above.  0, or -1
 * when B's cap is reached. */
int text_visible(struct buf *b, const char *s, size_t len);

/* The same into OUT (SIZE bytes, NUL-terminated), at most MAX bytes of the
 * escaped text: longer text is cut between two characters and ends in
 * "...".  For API texts quoted in a message. */
void text_visible_into(char *out, size_t size, const char *s, size_t len, size_t max);

#endif
