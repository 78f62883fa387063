/* output.c - see output.h */
#include "output.h"
#include "err.h"
#include "exitcodes.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>

static char stdout_buf[1 << 16];

void out_init(void)
{
	signal(SIGPIPE, SIG_DFL);
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
}

static void die_write(const char *what, int e)
{
	if (e == EPIPE) {
		/* The reader went away: end the way a filter should. */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	errno = e;
	sosr_die_errno(SOSR_EXIT_IO, "cannot write %s; check free space on the output disk", what);
}

void out_check(FILE *fp, const char *what)
{
	if (ferror(fp))
		die_write(what, errno ? errno : EIO);
}

void out_write(FILE *fp, const void *p, size_t n, const char *what)
{
	if (n && fwrite(p, 1, n, fp) != n)
		die_write(what, errno ? errno : EIO);
}

void out_close_stdout(void)
{
	errno = 0;
	int bad = ferror(stdout);
	if (fflush(stdout) != 0 || bad)
		die_write("standard output", errno ? errno : EIO);
	if (fclose(stdout) != 0)
		die_write("standard output", errno ? errno : EIO);
}
