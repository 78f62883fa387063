/*
 * archive.h - the names of runs in the archive (docs/FORMATS.md section 8):
 * HISTORY/<C_Code>/<name>/, where a run's name is its reference time as a
 * stamp (2026-11-30T060000Z: the time the stages were given, the run's
 * start unless --now), then "-02", "-03" ... "-99" when a run of that time
 * is there already (a rerun of the same day, after a refused one: both
 * stay).  Names sort in the order of the runs, so the chain of manifests
 * follows the directory listing.
 */
#ifndef SOSR_ARCHIVE_H
#define SOSR_ARCHIVE_H

#include <stdint.h>
#include "timeutil.h"

#define ARCHIVE_NAME_MAX (TU_STAMP_LEN + 4)   /* the stamp, "-NN", NUL */

/* Whether NAME is the name of a run; *T (if not NULL) its time. */
int archive_is_run_name(const char *name, int64_t *t);
/* The name a run of time T gets in the C_Code directory CDIR: the first
 * of stamp, stamp-02 ... stamp-99 that is not taken.  0, or -1 when all
 * are (errno EEXIST). */
int archive_run_name(const char *cdir, int64_t t, char out[ARCHIVE_NAME_MAX]);
/* The newest run in CDIR whose name sorts before NAME, into OUT ("" when
 * there is none, or CDIR cannot be read). */
void archive_previous(const char *cdir, const char *name, char out[ARCHIVE_NAME_MAX]);

#endif
