/*
 * text.h - what every reader of text does the same way: the byte order
 * mark and CRLF line ends (issue 10, item 11).
 *
 * One rule for every text the stages read (an API's page, an NDJSON
 * stream, a JSON document such as the configuration, a mapping or a
 * report, a secret file, ~/.softlayer):
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

#define TEXT_BOM_PHRASE "a byte order mark (BOM)"

/* 3 when S (LEN bytes) starts with a UTF-8 byte order mark, else 0: the
 * bytes a reader skips. */
size_t text_bom_len(const char *s, size_t len);

/* LEN, less one when the line S (without its LF) ends in a CR. */
size_t text_line_len(const char *s, size_t len);

#endif
