/* secret.c - see secret.h */
#include "secret.h"
#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "text.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void secret_protect_process(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	/* No core file, and no ptrace or /proc/PID/mem by another process of
	 * the same user: the memory holds a secret. */
	struct rlimit none = { 0, 0 };
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int secret_read_all(const char *path, const char *name, struct buf *out)
{
	secret_protect_process();
	if (buf_reserve(out, out->cap) < 0)
		sosr_oom();
	if (fileio_read_all(path, out) == 0) {
		/* a BOM at the start is no part of the secret (text.h); moved
		 * within the buffer, so no copy is left elsewhere */
		size_t b = out->data ? text_bom_len(out->data, out->len) : 0;
		if (b) {
			memmove(out->data, out->data + b, out->len - b);
			memset(out->data + out->len - b, 0, b);
			out->len -= b;
		}
		return 0;
	}
	if (errno == EFBIG)
		sosr_error("the secret file for %s '%s' is larger than %zu bytes; check that it holds only the secret",
			   name, path, out->cap);
	else
		sosr_error_errno("cannot read the secret file for %s '%s'", name, path);
	if (out->data)
		memset(out->data, 0, out->len);
	buf_free(out);
	return -1;
}

int secret_from_file(const char *path, const char *name, char **out)
{
	struct buf b = BUF_INIT(SECRET_MAX_LEN);
	if (secret_read_all(path, name, &b) < 0)
		return -1;
	if (b.len && b.data[b.len - 1] == '\n') {
		b.data[--b.len] = '\0';
		if (text_line_len(b.data, b.len) < b.len)
			b.data[--b.len] = '\0';
	}
	if (b.len == 0 || memchr(b.data, '\0', b.len) || memchr(b.data, '\n', b.len)) {
		sosr_error("the secret file for %s '%s' is %s; check that it holds the secret on one line",
			   name, path, b.len == 0 ? "empty" : "not one line of text");
		if (b.data)
			memset(b.data, 0, b.len);
		buf_free(&b);
		return -1;
	}
	*out = buf_detach(&b, NULL);
	return 0;
}

int secret_from_env(const char *name, char **out)
{
	size_t nl = strlen(name);
	char *file_var = xmalloc(nl + 6);
	memcpy(file_var, name, nl);
	memcpy(file_var + nl, "_FILE", 6);
	const char *val = getenv(name);
	const char *path = getenv(file_var);
	int rc;
	if (val && path) {
		sosr_error("both %s and %s are set; set only one of them", name, file_var);
		rc = -1;
	} else if (val) {
		secret_protect_process();
		if (*val == '\0') {
			sosr_error("%s is set but empty; check the credential binding of the job", name);
			rc = -1;
		} else if (strpbrk(val, "\r\n")) {
			/* a header line would be cut in two, or a stray line of a
			 * file pasted in: refused, as from a file */
			sosr_error("%s holds a line break (CR or LF); check the credential binding of the "
				   "job (the secret must be one line)", name);
			rc = -1;
		} else {
			*out = xstrdup(val);
			rc = 0;
		}
	} else if (path) {
		if (*path == '\0') {
			sosr_error("%s is set but empty; it should name a file holding the secret", file_var);
			rc = -1;
		} else {
			rc = secret_from_file(path, name, out);
		}
	} else {
		rc = 1;
	}
	/* Children (curl, jq, the alert stage) must not inherit the secret. */
	unsetenv(name);
	unsetenv(file_var);
	free(file_var);
	return rc;
}

void secret_free(char *s)
{
	if (!s)
		return;
	volatile char *p = s;
	while (*p)
		*p++ = '\0';
	free(s);
}
