/*
 * text.h - text that came from outside: shown to a person safely, and
 * read the same way by every reader.
 *
 * Shown.  A hostile or broken service can put into a value what a
 * terminal acts on or a reader cannot see: control characters and escape
 * sequences (that move the cursor, hide a line), NUL (that would cut a C
 * string short), bidirectional overrides (that show "gnp.exe" as
 * "exe.png"), zero-width characters (that make two different hostnames
 * look the same).  Every place that shows such text (report.txt, the
 * stages' messages in run.log and the console) writes it through
 * text_visible, which keeps printable UTF-8 as it is and escapes the rest:
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
 *
 * Read (issue 10, item 11).  One rule for every text the stages read (an
 * API's page, an NDJSON stream, a JSON document such as the configuration,
 * a mapping or a report, a secret file, ~/.softlayer):
 *
 * - A UTF-8 byte order mark (EF BB BF) at the very start is skipped, as
 *   RFC 8259 section 8.1 allows a reader to do: editors on Windows write
 *   one, and it carries no data (the raw records never held it: they are
 *   the API's objects, not its page).  One anywhere else is no blank: a
 *   JSON reader refuses it as "a byte order mark (BOM)" (TEXT_BOM_PHRASE),
 *   where a value was expected.
 * - A line may end in CRLF: the reader drops the CR with the LF (NDJSON
 *   lines, the line of a secret file, the lines of ~/.softlayer).  Inside
 *   JSON, CR is a blank anyway.
 *
 * docs/FORMATS.md ("Text") states the same for users.
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

#define TEXT_BOM_PHRASE "a byte order mark (BOM)"

/* 3 when S (LEN bytes) starts with a UTF-8 byte order mark, else 0: the
 * bytes a reader skips. */
size_t text_bom_len(const char *s, size_t len);

/* LEN, less one when the line S (without its LF) ends in a CR. */
size_t text_line_len(const char *s, size_t len);

#endif
