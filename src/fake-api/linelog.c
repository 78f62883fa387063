/* linelog.c - see linelog.h */
#include "linelog.h"
#include "err.h"
#include "exitcodes.h"

#include <stdlib.h>

void linelog_open(struct linelog *l, const char *path)
{
	l->fp = fopen(path, "w");
	if (!l->fp)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create the %s '%s'; check that its directory is writable", l->what,
			       path);
	l->path = xstrdup(path);
}

void linelog_close(struct linelog *l)
{
	if (l->fp && fclose(l->fp) != 0)
		sosr_error_errno("cannot write the %s '%s'", l->what, l->path);
	l->fp = NULL;
	free(l->path);
	l->path = NULL;
}

void linelog_write(struct linelog *l, const char *line, size_t len)
{
	if (!l->fp)
		return;
	pthread_mutex_lock(&l->mu);
	if (fwrite(line, 1, len, l->fp) != len || fflush(l->fp) != 0)
		sosr_error_errno("cannot write the %s '%s'; check free space", l->what, l->path);
	pthread_mutex_unlock(&l->mu);
}
