/*
 * secret.h - read API keys and tokens without ever exposing them.
 *
 * A secret comes from an environment variable NAME or from the file named
 * by its twin NAME_FILE (as Docker and Jenkins credentials hand them out),
 * never from argv, where any user of the machine can read it with ps.
 * Both set, an empty value, a value with a line break (CR or LF), or an
 * unreadable file is an error naming the variable (never the value).  After reading, both variables are removed
 * from the environment, so child processes do not inherit them.  A file's
 * single trailing newline ("\n" or "\r\n") is dropped, and a UTF-8 byte
 * order mark at its start skipped (text.h).
 *
 * The returned string is the caller's; release it with secret_free(), which
 * overwrites it first.  Nothing in this module prints a secret's value.
 */
#ifndef SOSR_SECRET_H
#define SOSR_SECRET_H

#define SECRET_MAX_LEN 65536

/* 0 and *out set; 1 when neither NAME nor NAME_FILE is set; -1 on error,
 * which has been reported with sosr_error (and a hint). */
int secret_from_env(const char *name, char **out);
/* Read a secret from a file PATH; NAME is used in messages. 0 or -1. */
int secret_from_file(const char *path, const char *name, char **out);
void secret_free(char *s);

/* Once a process holds a secret it makes no core file and cannot be
 * attached to or read through /proc by another process of the user
 * (RLIMIT_CORE 0, PR_SET_DUMPABLE 0).  The readers above call it; a
 * process that gets a secret another way calls it itself. */
void secret_protect_process(void);

struct buf;
/* Read all of the secret file PATH into OUT (initialised by the caller with
 * its cap), a byte order mark at its start skipped, for a caller that holds
 * several secrets in one file.  0, or -1
 * after reporting "cannot read the secret file for NAME 'PATH'" or that the
 * file is larger than the cap; OUT is then wiped and freed.  The caller
 * wipes OUT (memset) before freeing it. */
int secret_read_all(const char *path, const char *name, struct buf *out);

#endif
