/* summary.c - see summary.h */
#include "summary.h"
#include "jsondoc.h"

#include <stdio.h>

int summary_check_counts(struct json_object *summary, const long long count[FT_N], char *why,
			 size_t whylen)
{
	struct json_object *findings = jget_obj(summary, "findings");
	struct json_object *track = jget_obj(summary, "track");
	for (int t = 0; t < FT_N; t++) {
		/* resolved records are sosr-track's: counted in its member */
		long long want = t < FT_NFINDINGS ? jget_count(findings, finding_type_names[t])
				 : t == FT_RESOLVED ? (track ? jget_count(track, "resolved") : 0)
				 : jget_count(summary, finding_type_names[t]);
		if (want < 0) {
			snprintf(why, whylen, "the summary line has no count of %s records; check that sosr-diff "
				 "and this stage are the same version", finding_type_names[t]);
			return -1;
		}
		if (want != count[t]) {
			snprintf(why, whylen, "the summary counts %lld %s records but the stream has %lld; "
				 "the stream was cut or edited, check the file", want, finding_type_names[t],
				 count[t]);
			return -1;
		}
	}
	return 0;
}
