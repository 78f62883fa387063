/*
 * render.h - the parts of sosr-render: the run it reports on, the counts it
 * read, the thresholds and verdict (verdict.c), and the two report writers
 * (text.c, json.c) with their spools (report.c).
 *
 * Ownership: struct run points into argv (except the failures, which it
 * owns); struct report owns the summary object, its raw line and the spool
 * files; report_free() releases them.
 */
#ifndef SOSR_RENDER_H
#define SOSR_RENDER_H

#include <stdio.h>

struct json_object;

#include "finding.h"
#include "jsondoc.h"
#include "threshold.h"

/* report.json's format (docs/FORMATS.md): 2 adds the history (sosr-track),
 * the excepted and lifecycle counts, and the rules new and sla_days. */
#define REPORT_FORMAT 2

#define MAX_FAILURES 16

struct failure {
	char *stage;
	int exit;
	char *message;
};

struct run {
	const char *c_code;        /* NULL: not given */
	const char *accounts;      /* comma-separated, NULL: not given */
	const char *started;       /* NULL: the summary's "now" */
	const char *alert_status;  /* NULL: not reported */
	const char *alert_detail;
	struct failure failures[MAX_FAILURES];
	int nfailures;             /* > 0: the run is incomplete */
	int suspect;               /* a failure is the drop guard's (exit 11) */
	int colour;
};

struct report {
	struct json_object *summary;  /* the summary record, NULL until read */
	char *summary_raw;            /* its line, verbatim */
	struct json_object *track;    /* its "track" member (sosr-track), borrowed; NULL */
	long long count[FT_N][KIND_N];
	/* with history (annotated by sosr-track): */
	long long excepted[FT_N][KIND_N];  /* findings an active exception covers */
	long long status[STATUS_N];        /* findings by lifecycle status */
	long long fresh;                   /* NEW or REOPENED, not excepted: rule "new" */
	long long aged;                    /* older than sla_days, not excepted */
	FILE *excepted_spool;              /* text: the excepted findings */
	int json;                     /* spool raw lines for the JSON report */
	FILE *spool[FT_N];          /* text: formatted lines per type */
	FILE *all;                    /* json: raw lines in stream order */
	long long spooled;
};

#define MAX_REASONS (FT_NFINDINGS * KIND_N + 2)

/* A rule that fired: a class (type, kind), or one of the history's:
 * REASON_NEW (the "new" rule) or REASON_AGED (sla_days). */
enum { REASON_CLASS, REASON_NEW, REASON_AGED };

struct reason {
	int what;
	int type, kind;
	long long count, base;
	struct rule rule;
};

struct verdict {
	int decided;          /* 0: incomplete run, nothing decided */
	int significant;
	struct reason reasons[MAX_REASONS]; /* the rules that fired, in order */
	int nreasons;
};

/* Parse RULE=SPEC (a --threshold argument) or die with a usage error. */
void thresholds_parse(struct thresholds *th, const char *arg);
/* The inventory a share of type T, kind K is measured against. */
long long inventory_base(const struct report *rep, int t, int k);
void verdict_decide(struct verdict *v, const struct thresholds *th,
		    const struct report *rep, int incomplete);
void report_init(struct report *rep, int json);
/* Count and spool one record of TYPE and KIND: formatted (text) or its
 * raw line (json); with history, its lifecycle counted against TH. */
void report_spool(struct report *rep, const struct thresholds *th, int type, int kind,
		  struct json_object *o, const char *line, size_t len);
/* 0, or -1 (reported) when the records read do not match the summary's
 * counts. */
int report_check_counts(const struct report *rep, const char *name);
/* Copy a spool to OUT. */
void report_copy_spool(FILE *spool, FILE *out);
void report_free(struct report *rep);

/* Text formatting of one finding into the text spool (text.c). */
void text_format_finding(FILE *spool, int type, struct json_object *o, const struct thresholds *th);
/* The rule name of a reason ("mismatch.device", "new", "sla_days"). */
const char *reason_rule(const struct reason *re, char *buf, size_t size);
void report_write_text(FILE *out, const struct run *run, const struct report *rep,
		       const struct thresholds *th, const struct verdict *v);
void report_write_json(FILE *out, const struct run *run, const struct report *rep,
		       const struct thresholds *th, const struct verdict *v);

#endif
