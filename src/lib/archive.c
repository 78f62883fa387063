/* archive.c - see archive.h */
#include "archive.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int archive_is_run_name(const char *name, int64_t *t)
{
	char stamp[TU_STAMP_LEN + 1];
	size_t n = strlen(name);
	if (n != TU_STAMP_LEN && !(n == TU_STAMP_LEN + 3 && name[TU_STAMP_LEN] == '-' &&
				   name[TU_STAMP_LEN + 1] >= '0' && name[TU_STAMP_LEN + 1] <= '9' &&
				   name[TU_STAMP_LEN + 2] >= '0' && name[TU_STAMP_LEN + 2] <= '9' &&
				   strcmp(name + TU_STAMP_LEN + 1, "02") >= 0))
		return 0;
	memcpy(stamp, name, TU_STAMP_LEN);
	stamp[TU_STAMP_LEN] = '\0';
	int64_t when;
	if (tu_parse_stamp(stamp, &when) < 0)
		return 0;
	if (t)
		*t = when;
	return 1;
}

int archive_run_name(const char *cdir, int64_t t, char out[ARCHIVE_NAME_MAX])
{
	char stamp[TU_STAMP_LEN + 1];
	tu_format_stamp(t, stamp);
	for (int i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(out, ARCHIVE_NAME_MAX, "%s", stamp);
		else
			snprintf(out, ARCHIVE_NAME_MAX, "%s-%02d", stamp, i);
		char path[4096];
		struct stat st;
		if (snprintf(path, sizeof path, "%s/%s", cdir, out) >= (int)sizeof path)
			break;
		if (lstat(path, &st) < 0 && errno == ENOENT)
			return 0;
	}
	errno = EEXIST;
	return -1;
}

void archive_previous(const char *cdir, const char *name, char out[ARCHIVE_NAME_MAX])
{
	out[0] = '\0';
	DIR *d = opendir(cdir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (archive_is_run_name(e->d_name, NULL) && strcmp(e->d_name, name) < 0 &&
		    strcmp(e->d_name, out) > 0)
			memcpy(out, e->d_name, strlen(e->d_name) + 1);   /* a run name fits */
	closedir(d);
}
