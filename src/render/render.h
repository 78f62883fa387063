/*
 * render.h - the parts of sosr-render: the run it reports on, the counts it
 * read, the thresholds and verdict (verdict.c), and the report writers
 * (text.c, report.c for JSON, html.c with its stylesheet and the trend of
 * trend.c, junit.c) with their spools (report.c).
 *
 * Ownership: struct run points into argv and the configuration (except the
 * failures, which it owns); struct report owns the summary object, its raw
 * line, the spool files and the keys kept for JUnit; report_free()
 * releases them.
 */
#ifndef SOSR_RENDER_H
#define SOSR_RENDER_H

#include <stdio.h>

struct buf;
struct json_object;

#include "finding.h"
#include "jsondoc.h"
#include "soc2.h"
#include "threshold.h"

/* report.json's format (docs/FORMATS.md): 2 adds the history (sosr-track),
 * the excepted and lifecycle counts, and the rules new and sla_days; 3 the
 * SOC 2 mapping (soc2); 4 the tickets of a run that failed because of an
 * API (tickets.c). */
#define REPORT_FORMAT 4
/* The formats of report.html (with report.css) and report.junit.xml. */
#define HTML_FORMAT 1
#define JUNIT_FORMAT 1

enum fmt { FMT_TEXT, FMT_JSON, FMT_HTML, FMT_JUNIT, FMT_CSS };

/* The HTML report lists at most this many rows of a type by default
 * (--html-rows): a page of a million rows opens in no browser, and
 * findings.csv and report.json hold them all. */
#define HTML_DEFAULT_ROWS 10000
/* JUnit names at most this many keys of a rule or class. */
#define JUNIT_MAX_KEYS 50
/* The trend: this many runs, today's the last. */
#define TREND_RUNS 30

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
	const char *now;           /* the reference time (--now); NULL: the
	                              summary's "now", else started */
	const char *alert_status;  /* NULL: not reported */
	const char *alert_detail;
	struct failure failures[MAX_FAILURES];
	int nfailures;             /* > 0: the run is incomplete */
	int suspect;               /* a failure is the drop guard's (exit 11) */
	int colour;
	const struct soc2_config *soc2;   /* the configuration's, never NULL */
	const char *history;       /* the archive (history.dir, --history); NULL */
	struct json_object *tickets; /* an incomplete run's ready-to-paste tickets
	                              (tickets.c), an array, or NULL */
};

struct tickets_config;
/* The tickets of RUN's failures that are an API's (an SOS ticket, a
 * SoftLayer support case), from the request logs in LOGDIR (NULL: none):
 * RUN->tickets, or NULL when there is none. */
void tickets_build(struct run *run, const struct tickets_config *tc, const char *logdir);

/* Keys kept for the JUnit report: the first JUNIT_MAX_KEYS, and how many
 * there were. */
struct keylist {
	char *key[JUNIT_MAX_KEYS];
	int n;
	long long total;
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
	enum fmt fmt;                 /* what the spools hold */
	FILE *spool[FT_N];          /* text, html: formatted lines per type */
	long long listed[FT_N];     /* html: rows spooled per type */
	long long html_rows;        /* html: at most this many of a type; 0: all */
	int life;                   /* html: finding rows have the lifecycle columns
	                               (decided by the first finding: tracked or not),
	                               -1 before it */
	FILE *all;                    /* json: raw lines in stream order */
	long long spooled;
	/* junit: keys of the findings that count (not excepted) */
	struct keylist keys[FT_NFINDINGS][KIND_N], class_keys[FT_NFINDINGS];
	struct keylist fresh_keys, aged_keys;
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
void report_init(struct report *rep, enum fmt fmt);
/* Count and spool one record of TYPE and KIND: formatted (text, html),
 * its raw line (json) or its key (junit); with history, its lifecycle
 * counted against TH. */
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

/* The fields of a record shown in the reports, for SIDE ("softlayer",
 * "sos") and the record's kind (text.c). */
const char *const *record_fields(const char *side, struct json_object *rec);
/* The heading of docs/RUNBOOK.md that says what to check after a stage
 * exited CODE (junit.c). */
const char *runbook_section(int code);

/* The run's start: --started, else the summary's "now"; NULL. */
const char *run_started(const struct run *run, const struct report *rep);
/* The run's reference time, by which the archive names it: --now, else
 * the summary's "now", else the start; NULL. */
const char *run_reference(const struct run *run, const struct report *rep);
/* Where the raw evidence of this run is (soc2.evidence_location, else
 * the archived run's directory, else _output/), into B. */
void soc2_location(struct buf *b, const struct run *run, const struct report *rep);

/* HTML (html.c): one finding's rows into the spool, the page, the
 * stylesheet. */
void html_format_finding(FILE *spool, int type, struct json_object *o, const struct thresholds *th,
			 int life);
void report_write_html(FILE *out, const struct run *run, const struct report *rep,
		       const struct thresholds *th, const struct verdict *v);
void report_write_css(FILE *out);

/* JUnit XML (junit.c). */
void report_write_junit(FILE *out, const struct run *run, const struct report *rep,
			const struct thresholds *th, const struct verdict *v);

/* The trend (trend.c): open findings per type over the archived runs of
 * the C_Code and this one. */
enum trend_state { TREND_COMPLETE, TREND_INCOMPLETE, TREND_SUSPECT, TREND_UNREADABLE };
struct trend_point {
	char stamp[32];            /* the archive's name of the run */
	enum trend_state state;
	long long count[FT_NFINDINGS];
};
/* The archived runs of HISTORY/C_CODE before BEFORE (a stamp), the last
 * MAX of them, oldest first, into PTS; their number.  A run whose report
 * cannot be read is a point TREND_UNREADABLE, with a warning. */
int trend_load(const char *history, const char *c_code, const char *before, struct trend_point *pts,
	       int max);
/* The SVG picture of N points (the last is today's) into B. */
void trend_svg(struct buf *b, const struct trend_point *pts, int n);

#endif
