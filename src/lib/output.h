/*
 * output.h - checked output for filters, after sbase's fshut and git's
 * check_pipe.
 *
 * A filter's output is evidence: a write that fails (full disk, quota, I/O
 * error) must fail the program, never leave a silently truncated file.  And
 * a reader that stops early (`sosr-diff ... | head`) must end the filter
 * quietly: it dies by SIGPIPE, which the driver treats as benign (141).
 *
 * out_init() restores the default SIGPIPE action (a parent such as a Jenkins
 * agent may have ignored it) and gives stdout a large buffer.
 * out_check() tests a stream for a sticky write error and dies on one;
 * out_close_stdout() flushes and closes stdout and dies on any error; call it
 * before exiting with success.
 */
#ifndef SOSR_OUTPUT_H
#define SOSR_OUTPUT_H

#include <stdio.h>

void out_init(void);
/* Die (SIGPIPE on EPIPE, else SOSR_EXIT_IO naming WHAT) if FP has an error. */
void out_check(FILE *fp, const char *what);
/* fflush + fclose stdout with the same rules. */
void out_close_stdout(void);
/* Write all of P to FP or die naming WHAT. */
void out_write(FILE *fp, const void *p, size_t n, const char *what);

#endif
