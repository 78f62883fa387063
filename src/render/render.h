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

/* Record types, in the order the text report groups them; the first
 * NFINDING are findings, the rest informational (never significant). */
enum { T_MISSING_IN_SOS, T_MISSING_IN_SOFTLAYER, T_MISMATCH, T_DUPLICATE,
       T_UNIDENTIFIED, T_PENDING, T_EXCLUDED, NTYPES };
#define NFINDING 5
enum { K_DEVICE, K_VLAN, K_UNIDENTIFIED, NKINDS };

extern const char *const finding_types[NTYPES];
extern const char *const finding_kinds[NKINDS];
int type_index(const char *s);
int kind_index(const char *s);

/* Borrowed members of a json-c object; NULL / -1 when absent or mistyped. */
const char *jstr(struct json_object *o, const char *name);
long long jcount(struct json_object *o, const char *name);
struct json_object *jobj(struct json_object *o, const char *name);

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
	int colour;
};

struct report {
	struct json_object *summary;  /* the summary record, NULL until read */
	char *summary_raw;            /* its line, verbatim */
	long long count[NTYPES][NKINDS];
	int json;                     /* spool raw lines for the JSON report */
	FILE *spool[NTYPES];          /* text: formatted lines per type */
	FILE *all;                    /* json: raw lines in stream order */
	long long spooled;
};

/* One threshold rule per (finding type, kind).  A class is significant when
 * its count is > 0 and reaches `count` (when set) or `percent` of the
 * inventory of that kind (when set). */
struct rule {
	int set_count, set_percent;
	long long count;
	double percent;
};

struct thresholds {
	struct rule r[NFINDING][NKINDS];
};

#define MAX_REASONS (NFINDING * NKINDS)

struct reason {
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

/* Name of a rule: "missing_in_sos.device", or "unidentified". */
const char *rule_name(int type, int kind, char *buf, size_t size);
void thresholds_default(struct thresholds *th);
/* Parse RULE=SPEC (a --threshold argument) or die with a usage error. */
void thresholds_parse(struct thresholds *th, const char *arg);
/* The inventory a share of type T, kind K is measured against. */
long long inventory_base(const struct report *rep, int t, int k);
void verdict_decide(struct verdict *v, const struct thresholds *th,
		    const struct report *rep, int incomplete);
/* "1", "2%", "25 or 2%", "off". */
void rule_describe(const struct rule *r, char *buf, size_t size);

void report_init(struct report *rep, int json);
/* Spool one finding: formatted (text) or its raw line (json). */
void report_spool(struct report *rep, const struct run *run, int type,
		  struct json_object *o, const char *line, size_t len);
/* 0, or -1 (reported) when the records read do not match the summary's
 * counts. */
int report_check_counts(const struct report *rep, const char *name);
/* Copy a spool to OUT. */
void report_copy_spool(FILE *spool, FILE *out);
void report_free(struct report *rep);

/* Text formatting of one finding into the text spool (text.c). */
void text_format_finding(FILE *spool, int type, struct json_object *o);
void report_write_text(FILE *out, const struct run *run, const struct report *rep,
		       const struct thresholds *th, const struct verdict *v);
void report_write_json(FILE *out, const struct run *run, const struct report *rep,
		       const struct thresholds *th, const struct verdict *v);

/* Exit-code meaning for the reports ("auth", "network", ...). */
const char *exit_meaning(int code);

#endif
