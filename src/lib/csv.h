/*
 * csv.h - fields of a CSV file (RFC 4180) that a spreadsheet opens safely:
 * the populations and findings an auditor samples from (sosr-csv).
 *
 * Records end in CRLF, as RFC 4180 says.  A field is written as it is,
 * or between double quotes (a quote inside doubled) when it holds a
 * comma, a quote, CR or LF, or begins or ends with a space (which some
 * tools trim).  Text is UTF-8, without a byte order mark.
 *
 * Formula injection (OWASP, "CSV Injection"): a spreadsheet runs a cell
 * that starts with =, +, -, or @ as a formula, and some also one that
 * starts with a tab or CR; a value from an inventory must never do that.
 * Such a value is written with a single quote before it ('=cmd|...), which
 * spreadsheets show as text.  So that the original can always be told
 * from the neutralised one, a value that itself starts with a single quote
 * gets one more: a reader recovers every value by removing one leading
 * single quote, when there is one.  Every other byte (UTF-8 included, and
 * control characters inside quotes) is kept, so a value round-trips.
 *
 * Functions return 0, or -1 when the buffer's cap is reached.
 */
#ifndef SOSR_CSV_H
#define SOSR_CSV_H

#include <stddef.h>

struct buf;

/* One field, LEN bytes of S, with a comma before it unless FIRST. */
int csv_field(struct buf *b, int first, const char *s, size_t len);
/* The same for a C string (NULL: an empty field). */
int csv_str(struct buf *b, int first, const char *s);
/* The end of a record: CRLF. */
int csv_end(struct buf *b);

#endif
