/*
 * sosr-track - the lifecycle of findings across runs (docs/FORMATS.md
 * section 3b).
 *
 *     sosr-diff ... | sosr-track --ledger prev/ledger.ndjson --ledger-out ledger.ndjson |
 *         sosr-render
 *
 * It reads a discrepancy stream (sosr-diff output) and the ledger of the
 * last complete run, both sorted by finding identity (key, type, side), and
 * merge-joins them as comm(1) would, one line of each at a time: a finding
 * of today's stream gets its status (NEW, RECURRING, REOPENED), first and
 * last seen, runs, age, and the exception that covers it; a finding of the
 * ledger that is gone today becomes a "resolved" record, in its place in
 * the identity order.  Memory holds one stream line and one ledger entry,
 * whatever the size of either; input out of order is refused with
 * FILE:LINE, like comm --check-order.
 *
 * Two passes over the stream.  The summary record is the stream's last
 * line, and three things need it before the first finding is written: the
 * run's time (its "now", unless --now), the ledger header (the run's
 * populations), and the drop guard, which must write nothing at all when
 * it fires.  So the first pass finds the last line (a regular file is read
 * twice; a pipe is copied to an unlinked spool file in TMPDIR as it is
 * read), and the second pass streams the findings out, each the diff's
 * line with the annotations appended before its closing brace: the diff's
 * bytes are never re-serialized.
 *
 * The new ledger is written as it goes into NEW.tmp and renamed over NEW
 * only after the whole stream went out (standard output flushed and
 * closed): a run that fails, or is refused, leaves the previous ledger in
 * force.  No clock is read: the same inputs and time give the same bytes.
 */
#include "track.h"

#include "cli.h"
#include "config.h"
#include "err.h"
#include "exceptions.h"
#include "exitcodes.h"
#include "jsondoc.h"
#include "jsonw.h"
#include "output.h"
#include "summary.h"
#include "timeutil.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#define DAY 86400
#define EXPIRING_DAYS 14
#define MAX_FIELDS LEDGER_MAX_FIELDS
#define MAX_REASON 1000
#define MAX_RUNS 1000000000LL

static const char usage_text[] =
"usage: sosr-track [OPTIONS] [FINDINGS]\n"
"\n"
"Track the findings of a discrepancy stream (sosr-diff output: FINDINGS, or\n"
"standard input when it is absent or '-') across runs: merge them with the\n"
"ledger of the last complete run and write the stream with each finding\n"
"annotated (NEW, RECURRING or REOPENED; first and last seen, runs, age, the\n"
"exception that covers it), the findings gone since as \"resolved\" records,\n"
"and the summary with what tracking found (docs/FORMATS.md section 3b).\n"
"\n"
"Options:\n"
"  --config FILE          the job's configuration: history.keep_days,\n"
"                         history.drop_guard, exceptions.file and max_days,\n"
"                         thresholds.sla_days, c_code; flags win over it\n"
"  --ledger FILE          the ledger of the last complete run (without one,\n"
"                         every finding is NEW)\n"
"  --ledger-out FILE      write the new ledger there (FILE.tmp, renamed into\n"
"                         place when the run went through)\n"
"  --exceptions FILE      the accepted risks (exceptions.json)\n"
"  --now TIME             the run's time, RFC 3339 (default: the summary's\n"
"                         \"now\"; no clock is read)\n"
"  --keep-days N          keep resolved findings in the ledger N days,\n"
"                         1..36500 (default 400)\n"
"  --sla-days N           a finding open more than N days is aged, 0..3650\n"
"                         (default 0: no SLA)\n"
"  --accept-drop REASON   let the run through although a population dropped\n"
"                         (the drop guard); the reason is recorded\n"
"  --c-code CODE          the C_Code written in the ledger (default: the\n"
"                         configuration's, else the previous ledger's)\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Exit status:\n"
"  0   tracked; no findings today\n"
"  1   tracked; findings today\n"
"  2   usage error, or a bad configuration or exceptions file\n"
"  7   invalid input: a stream that is not sosr-diff output, a bad ledger,\n"
"      either out of order (FILE:LINE)\n"
"  9   cannot read an input or write the output or the ledger\n"
"  10  out of memory or internal error\n"
"  11  suspect: a population dropped since the last complete run; nothing\n"
"      was written (see --accept-drop)\n";

enum status { ST_NEW, ST_RECURRING, ST_REOPENED, ST_N };
static const char *const status_names[ST_N] = { "NEW", "RECURRING", "REOPENED" };

/* The annotations of a finding that every line of its identity shares. */
struct annot {
	int status, excepted, aged, newly_aged;
};

struct drop {
	int source, kind;
	long long previous, current;
};

/* Every piece of state, in one place: the fuzz harness resets it. */
struct track_state {
	/* settings */
	int64_t now;
	int have_now;
	long keep_days, sla_days, drop_count;
	double drop_percent;
	const char *accept_drop;
	char *c_code;
	const char *findings_path, *ledger_path, *ledger_out_path;
	char *exceptions_path;
	long max_days;
	struct exceptions ex;
	int have_ex;

	/* the stream */
	const char *name;               /* for messages: the path, or "(stdin)" */
	struct ndjson_reader r;
	int r_open;
	FILE *spool;
	unsigned long nlines;           /* the summary's line number */
	unsigned long first_summary;    /* the first line that looks like one */
	struct buf summary;             /* the summary line, verbatim */
	struct pops pop;
	long long sum_count[FT_N];      /* the summary's counts of each type */
	struct ident cur, prev;
	int have_prev;

	/* the ledgers */
	struct ledger_in L;
	int history;
	struct ledger_out W;
	int writing;
	struct drop drops[4];
	int ndrops;

	/* output */
	struct buf ann, vals, scratch_a, scratch_b, line;
	struct annot last;
	unsigned long count[FT_N];
	unsigned long st[ST_N], resolved, excepted, aged, newly_aged;
};

struct track_state T;

static void out(const void *p, size_t n)
{
	out_write(stdout, p, n, "standard output");
}

/* "FILE:LINE: MSG; check that the input is sosr-diff output", exit 7. */
static void rdie(unsigned long lineno, const char *fmt, ...) SOSR_PRINTF(2, 3) SOSR_NORETURN;

static void rdie(unsigned long lineno, const char *fmt, ...)
{
	char msg[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sosr_die(SOSR_EXIT_DATA, "%s:%lu: %s", T.name, lineno, msg);
}

/* ---- the first pass: the summary ---- */

static FILE *spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	struct buf b = BUF_INIT(0);
	buf_printf(&b, "%s/sosr-track.XXXXXX", dir);
	int fd = mkstemp(b.data);
	if (fd < 0)
		sosr_die(SOSR_EXIT_IO, "cannot create a spool file in '%s': %s; check TMPDIR and its "
			 "free space", dir, strerror(errno));
	unlink(b.data);
	buf_free(&b);
	FILE *fp = fdopen(fd, "w+");
	if (!fp)
		sosr_oom();
	return fp;
}

static long long need_count(unsigned long n, struct json_object *o, const char *name)
{
	long long v = o ? jget_count(o, name) : -1;
	if (v < 0)
		rdie(n, "the summary lacks the count \"%s\"; check that the input is sosr-diff output",
		     name);
	return v;
}

/* Check the summary (in T.summary, line N of R) and take what tracking
 * needs from it. */
static void read_summary(struct ndjson_reader *r, unsigned long n)
{
	struct json_object *o = ndjson_parse(r, T.summary.data, T.summary.len);
	if (!o)
		ndjson_die(r);
	const char *type = jget_str(o, "type");
	if (!type || strcmp(type, "summary") != 0) {
		char what[100];
		snprintf(what, sizeof what, type ? "a '%.40s' record" : "a record without a type", type);
		json_object_put(o);
		if (T.first_summary)
			rdie(T.first_summary + 1, "record after the summary line; the summary must be "
			     "the last line");
		rdie(n, "the last line is %s, not the summary: the stream was cut short (or is not "
		     "sosr-diff output); check that sosr-diff finished and exited 0 or 1", what);
	}
	long long format = jget_count(o, "format");
	if (!SUMMARY_FORMAT_OK(format)) {
		json_object_put(o);
		rdie(n, "summary of format %lld, this sosr-track reads formats 1 and 2; check the versions "
		     "of sosr-diff and sosr-track", format);
	}
	if (jget(o, "track")) {
		json_object_put(o);
		rdie(n, "the summary has a \"track\" member: this stream is sosr-track output; "
		     "sosr-track reads sosr-diff output (docs/FORMATS.md section 3)");
	}
	const char *now = jget_str(o, "now");
	int64_t t;
	if (!now || tu_parse_rfc3339(now, strlen(now), &t) < 0) {
		json_object_put(o);
		rdie(n, "the summary has no \"now\" time; check that the input is sosr-diff output");
	}
	if (!T.have_now)
		T.now = t;
	struct json_object *rec = jget_obj(o, "records");
	if (!rec || pops_parse(rec, &T.pop) < 0) {
		json_object_put(o);
		rdie(n, "the summary lacks the \"records\" counts (records.softlayer.device, ...); "
		     "check that the input is sosr-diff output");
	}
	struct json_object *f = jget_obj(o, "findings");
	for (int i = 0; i < FT_NFINDINGS; i++)
		T.sum_count[i] = need_count(n, f, finding_type_names[i]);
	T.sum_count[FT_PENDING] = need_count(n, o, "pending");
	T.sum_count[FT_EXCLUDED] = need_count(n, o, "excluded");
	json_object_put(o);
}

/* Read the stream to its end, keeping its last line; leave T.r ready to
 * read it again from the start. */
static void first_pass(void)
{
	struct ndjson_reader r1;
	const char *path = T.findings_path;
	if (ndjson_open(&r1, path, 0) < 0)
		sosr_die(r1.err_code, "%s: %s; check the path of the discrepancy stream", path, r1.err);
	struct stat st;
	off_t start = ftello(r1.fp);
	int regular = fstat(fileno(r1.fp), &st) == 0 && S_ISREG(st.st_mode) && start >= 0;
	T.name = r1.name;
	if (!regular)
		T.spool = spool_open();
	buf_init(&T.summary, r1.max_line);
	char *line;
	size_t len;
	int rc;
	while ((rc = ndjson_next(&r1, &line, &len)) == 1) {
		if (T.spool && (fwrite(line, 1, len, T.spool) != len || putc('\n', T.spool) == EOF))
			sosr_die(SOSR_EXIT_IO, "cannot write the spool file: %s; check TMPDIR and its "
				 "free space", strerror(errno));
		/* a summary before the last line is named by the second pass */
		if (!T.first_summary && len > 17 && memcmp(line, "{\"type\":\"summary\"", 17) == 0)
			T.first_summary = r1.lineno;
		buf_reset(&T.summary);
		badd(&T.summary, line, len);
	}
	if (rc < 0)
		ndjson_die(&r1);
	T.nlines = r1.lineno;
	if (T.nlines == 0)
		sosr_die(SOSR_EXIT_DATA, "%s: the discrepancy stream is empty: it has no summary line; "
			 "check that sosr-diff ran and exited 0 or 1", r1.name);
	read_summary(&r1, T.nlines);
	const char *name = T.name;
	int is_stdin = !r1.owns_fp;
	ndjson_close(&r1);
	if (T.spool) {
		if (fflush(T.spool) != 0 || ferror(T.spool))
			sosr_die(SOSR_EXIT_IO, "cannot write the spool file: %s; check TMPDIR and its "
				 "free space", strerror(errno ? errno : EIO));
		if (fseeko(T.spool, 0, SEEK_SET) != 0)
			sosr_die(SOSR_EXIT_IO, "cannot read back the spool file: %s; check TMPDIR",
				 strerror(errno));
		ndjson_open_fp(&T.r, T.spool, name, 0);
	} else if (is_stdin) {
		if (fseeko(stdin, start, SEEK_SET) != 0)
			sosr_die(SOSR_EXIT_IO, "(stdin): cannot read it again: %s", strerror(errno));
		clearerr(stdin);
		ndjson_open_fp(&T.r, stdin, name, 0);
	} else if (ndjson_open(&T.r, path, 0) < 0) {
		sosr_die(T.r.err_code, "%s: %s; check the path of the discrepancy stream", path, T.r.err);
	}
	T.r_open = 1;
}

/* ---- the drop guard ---- */

static void drop_guard(void)
{
	static const char *const src[2] = { "softlayer", "sos" };
	/* unidentified records are not a population a source can lose: a drop
	 * there is a fix (docs/FORMATS.md 3b) */
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < KIND_UNIDENTIFIED; k++) {
			long long p = T.L.pop.n[s][k], c = T.pop.n[s][k], d = p - c;
			if (d > 0 && d >= T.drop_count && (double)d * 100.0 >= T.drop_percent * (double)p)
				T.drops[T.ndrops++] = (struct drop){ s, k, p, c };
		}
	if (!T.ndrops) {
		if (T.accept_drop)
			sosr_warn("--accept-drop: no population dropped since the last complete run; "
				  "nothing to accept");
		return;
	}
	char when[TU_UTC_LEN + 1];
	tu_format_utc(T.L.run, when);
	struct buf m = BUF_INIT(0);
	for (int i = 0; i < T.ndrops; i++) {
		const struct drop *d = &T.drops[i];
		buf_printf(&m, "%s%s.%s %lld -> %lld (-%.1f%%)", i ? ", " : "", src[d->source],
			   kind_names[d->kind], d->previous, d->current,
			   (double)(d->previous - d->current) * 100.0 / (double)d->previous);
	}
	if (T.accept_drop) {
		sosr_warn("accepted drop since the last complete run (%s): %s; reason: %s", when,
			  m.data, T.accept_drop);
		buf_free(&m);
		return;
	}
	sosr_error("suspect drop since the last complete run (%s, ledger '%s'): %s; a source is "
		   "probably broken (a partial export, a key that lost a permission): nothing was "
		   "written; check the sources, or rerun with --accept-drop REASON if the drop is real",
		   when, T.L.path, m.data);
	buf_free(&m);
	exit(SOSR_EXIT_SUSPECT);
}

/* ---- the merge ---- */

static int kept(const struct lentry *l)
{
	return T.now - l->resolved <= (int64_t)T.keep_days * DAY;
}

static void write_ledger(const struct ident *id, int kind, int state, int64_t first, int64_t last,
			 int64_t resolved, long long runs, const struct buf *values)
{
	if (!T.writing)
		return;
	struct lrec e = { id, kind, state, first, last, resolved, runs,
			  values ? values->data : NULL, values ? values->len : 0 };
	ledger_out_write(&T.W, &e);
}

/* A ledger entry with no finding today: resolved now, kept, or pruned. */
static void retire(const struct lentry *l)
{
	if (l->state == L_RESOLVED) {
		if (kept(l))
			write_ledger(&l->id, l->kind, L_RESOLVED, l->first_seen, l->last_seen,
				     l->resolved, l->runs, NULL);
		return;
	}
	struct buf *b = &T.line;
	char num[48];
	buf_reset(b);
	badds(b, "{\"type\":\"resolved\",\"finding\":\"");
	badds(b, finding_type_names[l->id.type]);
	if (l->id.side) {
		badds(b, "\",\"side\":\"");
		badds(b, side_names[l->id.side]);
	}
	badds(b, "\",\"kind\":\"");
	badds(b, kind_names[l->kind]);
	badds(b, "\",\"key\":\"");
	badd(b, l->id.key.data, l->id.key.len);
	badds(b, "\",\"first_seen\":");
	time_text(b, l->first_seen);
	badds(b, ",\"last_seen\":");
	time_text(b, l->last_seen);
	snprintf(num, sizeof num, ",\"runs\":%lld,\"resolved\":", l->runs);
	badds(b, num);
	time_text(b, T.now);
	badds(b, "}\n");
	out(b->data, b->len);
	T.resolved++;
	write_ledger(&l->id, l->kind, L_RESOLVED, l->first_seen, l->last_seen, T.now, l->runs, NULL);
}

/* Retire every ledger entry before ID (NULL: all of them). */
static void flush_ledger(const struct ident *id)
{
	if (!T.history)
		return;
	while (T.L.have_cur && (!id || ident_cmp(&T.L.cur.id, id) < 0)) {
		retire(&T.L.cur);
		ledger_next(&T.L);
	}
}

static int same_value(struct json_object *a, struct json_object *b)
{
	buf_reset(&T.scratch_a);
	buf_reset(&T.scratch_b);
	value_text(&T.scratch_a, a);
	value_text(&T.scratch_b, b);
	return T.scratch_a.len == T.scratch_b.len &&
	       memcmp(T.scratch_a.data, T.scratch_b.data, T.scratch_a.len) == 0;
}

static void change_entry(struct buf *b, int *n, const char *field, struct json_object *sl,
			 struct json_object *so, struct json_object *was)
{
	badds(b, (*n)++ ? ",{\"field\":" : ",\"changed\":[{\"field\":");
	bjstr(b, field, strlen(field));
	badds(b, ",\"softlayer\":");
	value_text(b, sl);
	badds(b, ",\"sos\":");
	value_text(b, so);
	badds(b, ",\"was\":");
	if (was) {
		badds(b, "{\"softlayer\":");
		value_text(b, jget(was, "softlayer"));
		badds(b, ",\"sos\":");
		value_text(b, jget(was, "sos"));
		badds(b, "}}");
	} else {
		badds(b, "null}");
	}
}

/* The mismatch's "fields", checked: an array of {"field":NAME,...} with
 * distinct names. */
static struct json_object *mismatch_fields(struct json_object *o)
{
	struct json_object *fields = jget_array(o, "fields");
	if (!fields)
		rdie(T.r.lineno, "a mismatch without its \"fields\" array; check that the input is "
		     "sosr-diff output");
	size_t n = json_object_array_length(fields);
	if (n > MAX_FIELDS)
		rdie(T.r.lineno, "a mismatch with more than %d fields", MAX_FIELDS);
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(fields, i);
		const char *name = json_object_is_type(f, json_type_object) ? jget_str(f, "field") : NULL;
		if (!name || strlen(name) != (size_t)json_object_get_string_len(jget(f, "field")))
			rdie(T.r.lineno, "fields[%zu] is not {\"field\":NAME,\"softlayer\":...,"
			     "\"sos\":...}", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(name, jget_str(json_object_array_get_idx(fields, j), "field")) == 0)
				rdie(T.r.lineno, "the field '%.64s' is listed twice in \"fields\"", name);
	}
	return fields;
}

static int in_fields(struct json_object *fields, const char *name)
{
	size_t n = json_object_array_length(fields);
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, jget_str(json_object_array_get_idx(fields, i), "field")) == 0)
			return 1;
	return 0;
}

/* "changed" of a recurring mismatch: today's differing fields whose values
 * are not yesterday's, then yesterday's differing fields that agree today. */
static void changed(struct buf *b, struct json_object *o, struct json_object *fields,
		    struct json_object *values)
{
	int n = 0;
	size_t nf = json_object_array_length(fields);
	for (size_t i = 0; i < nf; i++) {
		struct json_object *f = json_object_array_get_idx(fields, i);
		const char *name = jget_str(f, "field");
		struct json_object *sl = jget(f, "softlayer"), *so = jget(f, "sos");
		struct json_object *was = jget_obj(values, name);
		if (was && same_value(sl, jget(was, "softlayer")) && same_value(so, jget(was, "sos")))
			continue;
		change_entry(b, &n, name, sl, so, was);
	}
	struct json_object *rsl = jget_obj(o, "softlayer"), *rso = jget_obj(o, "sos");
	json_object_object_foreach(values, name, was) {
		if (in_fields(fields, name))
			continue;
		change_entry(b, &n, name, rsl ? jget(rsl, name) : NULL, rso ? jget(rso, name) : NULL,
			     was);
	}
	if (n)
		badds(b, "]");
}

/* The "values" of today's mismatch, for tomorrow's "changed". */
static void mismatch_values(struct buf *b, struct json_object *fields)
{
	size_t nf = json_object_array_length(fields);
	badds(b, "{");
	for (size_t i = 0; i < nf; i++) {
		struct json_object *f = json_object_array_get_idx(fields, i);
		const char *name = jget_str(f, "field");
		if (i)
			badds(b, ",");
		bjstr(b, name, strlen(name));
		badds(b, ":{\"softlayer\":");
		value_text(b, jget(f, "softlayer"));
		badds(b, ",\"sos\":");
		value_text(b, jget(f, "sos"));
		badds(b, "}");
	}
	badds(b, "}");
}

/* The annotations of a finding of today (T.cur), into T.ann and T.last;
 * its line in the new ledger; the matching ledger entry consumed. */
static void annotate(struct json_object *o, int type, int kind, const char *key, size_t keylen)
{
	struct lentry *l = NULL;
	int matched = T.history && T.L.have_cur && ident_cmp(&T.L.cur.id, &T.cur) == 0;
	if (matched) {
		l = &T.L.cur;
		if (l->state == L_RESOLVED && !kept(l))
			l = NULL;       /* resolved before the retention: as if never seen */
	}
	struct annot a = { ST_NEW, 0, 0, 0 };
	int64_t first = T.now;
	long long runs = 1;
	if (l) {
		a.status = l->state == L_OPEN ? ST_RECURRING : ST_REOPENED;
		first = l->first_seen;
		runs = l->runs < MAX_RUNS ? l->runs + 1 : MAX_RUNS;
	}
	int64_t age = (T.now - first) / DAY;
	if (T.sla_days > 0 && age > T.sla_days) {
		a.aged = 1;
		a.newly_aged = !(a.status == ST_RECURRING && (T.L.run - first) / DAY > T.sla_days);
	}
	struct json_object *fields = type == FT_MISMATCH ? mismatch_fields(o) : NULL;

	struct buf *b = &T.ann;
	char num[80];
	buf_reset(b);
	badds(b, ",\"status\":\"");
	badds(b, status_names[a.status]);
	badds(b, "\",\"first_seen\":");
	time_text(b, first);
	badds(b, ",\"last_seen\":");
	time_text(b, T.now);
	snprintf(num, sizeof num, ",\"runs\":%lld,\"age_days\":%" PRId64, runs, age);
	badds(b, num);
	if (T.sla_days > 0)
		badds(b, a.aged ? ",\"aged\":true" : ",\"aged\":false");
	if (fields && l && a.status == ST_RECURRING && l->values)
		changed(b, o, fields, l->values);
	struct exception *e = T.have_ex ? exceptions_match(&T.ex, type, key, keylen, T.now) : NULL;
	if (e) {
		a.excepted = 1;
		badds(b, ",\"exception\":{\"id\":");
		bjstr(b, e->id, strlen(e->id));
		badds(b, ",\"ticket\":");
		bjstr(b, e->ticket, strlen(e->ticket));
		badds(b, ",\"expires\":");
		time_text(b, e->expires);
		badds(b, "}");
	}
	T.last = a;

	buf_reset(&T.vals);
	if (fields)
		mismatch_values(&T.vals, fields);
	write_ledger(&T.cur, kind, L_OPEN, first, T.now, 0, runs, fields ? &T.vals : NULL);
	if (matched)
		ledger_next(&T.L);
}

static const char *const annotation_names[] = {
	"status", "first_seen", "last_seen", "runs", "age_days", "aged", "changed", "exception", NULL
};

/* One line of the stream (not the summary). */
static void record(const char *line, size_t len)
{
	unsigned long n = T.r.lineno;
	struct json_object *o = ndjson_parse(&T.r, line, len);
	if (!o)
		ndjson_die(&T.r);
	const char *type = jget_str(o, "type");
	if (!type)
		rdie(n, "a record without a \"type\" string; check that the input is sosr-diff output");
	int t = finding_type_from_name(type, strlen(type));
	/* "resolved" is in the vocabulary (the reports list them) but only
	 * sosr-track writes it: sosr-diff output never has one. */
	if (t == FT_RESOLVED)
		rdie(n, "a \"resolved\" record: this stream is sosr-track output; sosr-track "
		     "reads sosr-diff output (docs/FORMATS.md section 3)");
	if (t < 0) {
		if (strcmp(type, "summary") == 0)
			rdie(n + 1, "record after the summary line; the summary must be the last line");
		rdie(n, "unknown record type '%.64s'; check that sosr-diff and sosr-track are the same "
		     "version", type);
	}
	const char *kind = jget_str(o, "kind"), *key = jget_str(o, "key");
	if (!kind || !key)
		rdie(n, "%s record without \"kind\" or \"key\"; check that the input is sosr-diff "
		     "output", type);
	int k = kind_from_name(kind, strlen(kind));
	if (k < 0)
		rdie(n, "unknown kind '%.64s' in a %s record", kind, type);
	struct json_object *side = jget(o, "side");
	int sd = side && json_object_is_type(side, json_type_string)
			 ? side_from_name(json_object_get_string(side)) : side ? -1 : SIDE_NONE;
	int sided = t == FT_DUPLICATE || t == FT_UNIDENTIFIED;
	if (sd < 0 || (sided && sd == SIDE_NONE) || (!sided && sd != SIDE_NONE))
		rdie(n, sided ? "a %s record needs \"side\": \"softlayer\" or \"sos\""
			      : "a %s record has no \"side\"", type);
	size_t keylen = (size_t)json_object_get_string_len(jget(o, "key"));
	T.cur.type = t;
	T.cur.side = sd;
	ident_set_key(&T.cur, key, keylen);
	int c = T.have_prev ? ident_cmp(&T.prev, &T.cur) : -1;
	if (c > 0)
		rdie(n, "the stream is not in finding order: '%.200s' (%s) comes after '%.200s' (%s); "
		     "check that it is sosr-diff output", T.cur.key.data, type, T.prev.key.data,
		     finding_type_names[T.prev.type]);
	T.count[t]++;
	if (t >= FT_NFINDINGS) {
		/* pending and excluded pass through */
		flush_ledger(&T.cur);
		out(line, len);
		out("\n", 1);
	} else {
		for (int i = 0; annotation_names[i]; i++)
			if (json_object_object_get_ex(o, annotation_names[i], NULL))
				rdie(n, "the %s record has a \"%s\" member already: this stream is "
				     "sosr-track output; sosr-track reads sosr-diff output",
				     type, annotation_names[i]);
		/* one identity on several lines (two unidentified records of one
		 * side with one key) is one finding: annotated once */
		if (c != 0) {
			flush_ledger(&T.cur);
			annotate(o, t, k, key, keylen);
		}
		T.st[T.last.status]++;
		T.excepted += (unsigned long)T.last.excepted;
		T.aged += (unsigned long)T.last.aged;
		T.newly_aged += (unsigned long)T.last.newly_aged;
		size_t end = len;
		while (end && line[end - 1] != '}')
			end--;          /* blanks after the object: dropped */
		out(line, end - 1);
		out(T.ann.data, T.ann.len);
		out("}\n", 2);
	}
	json_object_put(o);
	struct ident tmp = T.prev;
	T.prev = T.cur;
	T.cur = tmp;
	T.have_prev = 1;
}

static void second_pass(void)
{
	char *line;
	size_t len;
	int rc;
	while ((rc = ndjson_next(&T.r, &line, &len)) == 1) {
		if (T.r.lineno < T.nlines) {
			record(line, len);
			continue;
		}
		if (T.r.lineno > T.nlines || len != T.summary.len || memcmp(line, T.summary.data, len) != 0)
			rdie(T.r.lineno, "the stream changed while it was read; check that nothing "
			     "writes it");
	}
	if (rc < 0)
		ndjson_die(&T.r);
	if (T.r.lineno != T.nlines)
		rdie(T.r.lineno, "the stream changed while it was read; check that nothing writes it");
	flush_ledger(NULL);
	for (int t = 0; t < FT_N; t++)
		if ((long long)T.count[t] != T.sum_count[t])
			sosr_die(SOSR_EXIT_DATA, "%s: the summary counts %lld %s records but the stream "
				 "has %lu; the stream was cut or edited, check the file", T.name,
				 T.sum_count[t], finding_type_names[t], T.count[t]);
}

/* ---- the summary ---- */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void exceptions_summary(struct buf *b)
{
	if (!T.have_ex) {
		badds(b, ",\"exceptions\":null");
		return;
	}
	const struct exceptions *x = &T.ex;
	char num[48];
	int n;
	unsigned long active = 0;
	badds(b, ",\"exceptions\":{\"file\":");
	const char *file = base_name(x->path);
	bjstr(b, file, strlen(file));
	for (size_t i = 0; i < x->n; i++)
		active += T.now >= x->e[i].approved_on && T.now < x->e[i].expires;
	snprintf(num, sizeof num, ",\"active\":%lu,\"expired\":[", active);
	badds(b, num);
	n = 0;
	for (size_t i = 0; i < x->n; i++)
		if (x->e[i].expires <= T.now) {
			badds(b, n++ ? ",{\"id\":" : "{\"id\":");
			bjstr(b, x->e[i].id, strlen(x->e[i].id));
			badds(b, ",\"expired\":");
			time_text(b, x->e[i].expires);
			badds(b, "}");
		}
	badds(b, "],\"newly_expired\":[");
	n = 0;
	for (size_t i = 0; i < x->n; i++)
		if (T.history && x->e[i].expires <= T.now && x->e[i].expires > T.L.run) {
			if (n++)
				badds(b, ",");
			bjstr(b, x->e[i].id, strlen(x->e[i].id));
		}
	badds(b, "],\"unused\":[");
	n = 0;
	for (size_t i = 0; i < x->n; i++)
		if (T.now >= x->e[i].approved_on && T.now < x->e[i].expires && !x->e[i].matched) {
			if (n++)
				badds(b, ",");
			bjstr(b, x->e[i].id, strlen(x->e[i].id));
		}
	badds(b, "],\"expiring\":[");
	n = 0;
	for (size_t i = 0; i < x->n; i++)
		if (T.now >= x->e[i].approved_on && T.now < x->e[i].expires &&
		    x->e[i].expires - T.now <= (int64_t)EXPIRING_DAYS * DAY) {
			badds(b, n++ ? ",{\"id\":" : "{\"id\":");
			bjstr(b, x->e[i].id, strlen(x->e[i].id));
			badds(b, ",\"expires\":");
			time_text(b, x->e[i].expires);
			badds(b, "}");
		}
	badds(b, "]}");
}

static void drop_summary(struct buf *b)
{
	static const char *const src[2] = { "softlayer", "sos" };
	if (!T.ndrops) {
		badds(b, ",\"drop\":null");
		return;
	}
	char num[160];
	badds(b, ",\"drop\":{\"reason\":");
	bjstr(b, T.accept_drop, strlen(T.accept_drop));
	badds(b, ",\"populations\":[");
	for (int i = 0; i < T.ndrops; i++) {
		const struct drop *d = &T.drops[i];
		snprintf(num, sizeof num, "%s{\"population\":\"%s.%s\",\"previous\":%lld,\"current\":%lld}",
			 i ? "," : "", src[d->source], kind_names[d->kind], d->previous, d->current);
		badds(b, num);
	}
	badds(b, "]}");
}

static void write_summary(void)
{
	struct buf *b = &T.line;
	char num[300];
	buf_reset(b);
	size_t end = T.summary.len;
	while (end && T.summary.data[end - 1] != '}')
		end--;
	badd(b, T.summary.data, end - 1);
	badds(b, ",\"track\":{\"format\":1,\"run\":");
	time_text(b, T.now);
	badds(b, T.history ? ",\"history\":true,\"previous\":" : ",\"history\":false,\"previous\":null");
	if (T.history)
		time_text(b, T.L.run);
	snprintf(num, sizeof num, ",\"new\":%lu,\"recurring\":%lu,\"reopened\":%lu,\"resolved\":%lu,"
		 "\"excepted\":%lu,\"aged\":%lu,\"newly_aged\":%lu,\"sla_days\":%ld",
		 T.st[ST_NEW], T.st[ST_RECURRING], T.st[ST_REOPENED], T.resolved, T.excepted, T.aged,
		 T.newly_aged, T.sla_days);
	badds(b, num);
	exceptions_summary(b);
	drop_summary(b);
	badds(b, "}}\n");
	out(b->data, b->len);
}

/* ---- main ---- */

static void cleanup(void)
{
	/* a run that dies leaves no NEW.tmp behind */
	if (T.writing)
		ledger_out_abort(&T.W);
}

static void check_reason(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		sosr_usage_error("--accept-drop: empty; say why the drop is real");
	if (n > MAX_REASON)
		sosr_usage_error("--accept-drop: longer than %d bytes", MAX_REASON);
	/* the reason goes into JSON: it must be text */
	struct buf b = BUF_INIT(0);
	bjstr(&b, s, n);
	char why[200];
	struct json_object *o = jsondoc_parse(b.data, b.len, why, sizeof why);
	buf_free(&b);
	if (!o)
		sosr_usage_error("--accept-drop: the reason is not UTF-8 text");
	json_object_put(o);
}

int main(int argc, char **argv)
{
	enum { O_CONFIG = 256, O_LEDGER, O_LEDGER_OUT, O_EXCEPTIONS, O_NOW, O_KEEP_DAYS,
	       O_SLA_DAYS, O_ACCEPT_DROP, O_C_CODE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "ledger", required_argument, NULL, O_LEDGER },
		{ "ledger-out", required_argument, NULL, O_LEDGER_OUT },
		{ "exceptions", required_argument, NULL, O_EXCEPTIONS },
		{ "now", required_argument, NULL, O_NOW },
		{ "keep-days", required_argument, NULL, O_KEEP_DAYS },
		{ "sla-days", required_argument, NULL, O_SLA_DAYS },
		{ "accept-drop", required_argument, NULL, O_ACCEPT_DROP },
		{ "c-code", required_argument, NULL, O_C_CODE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static int registered;
	const char *config_path = NULL, *exceptions_flag = NULL, *c_code_flag = NULL;
	long keep_days = -1, sla_days = -1;
	int ch;

	err_init(argv[0]);
	out_init();
	if (!registered++)
		atexit(cleanup);
	while ((ch = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (ch) {
		case O_CONFIG:
			config_path = optarg;
			break;
		case O_LEDGER:
			T.ledger_path = optarg;
			break;
		case O_LEDGER_OUT:
			T.ledger_out_path = optarg;
			break;
		case O_EXCEPTIONS:
			exceptions_flag = optarg;
			break;
		case O_NOW:
			T.now = (int64_t)cli_time(optarg, "--now");
			T.have_now = 1;
			break;
		case O_KEEP_DAYS:
			keep_days = (long)cli_number(optarg, 1, 36500, "--keep-days");
			break;
		case O_SLA_DAYS:
			sla_days = (long)cli_number(optarg, 0, SLA_MAX_DAYS, "--sla-days");
			break;
		case O_ACCEPT_DROP:
			check_reason(optarg);
			T.accept_drop = optarg;
			break;
		case O_C_CODE:
			if (!config_valid_c_code(optarg))
				sosr_usage_error("--c-code: '%s' is not a C_Code (" C_CODE_RULE ")", optarg);
			c_code_flag = optarg;
			break;
		case 'h':
			cli_help(usage_text);
		case 'V':
			cli_version();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		sosr_usage_error("too many operands; sosr-track reads one discrepancy stream");
	T.findings_path = argc ? argv[0] : "-";
	if (T.ledger_out_path && T.ledger_out_path[0] == '\0')
		sosr_usage_error("--ledger-out: empty");

	/* flags, then the file, then the defaults */
	struct config cfg;
	config_init(&cfg);
	if (config_path)
		config_load(config_path, &cfg);
	T.keep_days = keep_days > 0 ? keep_days
		    : cfg.history.keep_days > 0 ? cfg.history.keep_days : HISTORY_DEFAULT_KEEP_DAYS;
	T.sla_days = sla_days >= 0 ? sla_days : cfg.thresholds.sla_days;
	T.drop_percent = cfg.history.drop_percent > 0 ? cfg.history.drop_percent
						      : HISTORY_DEFAULT_DROP_PERCENT;
	T.drop_count = cfg.history.drop_count > 0 ? cfg.history.drop_count : HISTORY_DEFAULT_DROP_COUNT;
	T.max_days = cfg.exceptions.max_days > 0 ? cfg.exceptions.max_days : EXCEPTIONS_DEFAULT_MAX_DAYS;
	const char *cc = c_code_flag ? c_code_flag : cfg.c_code;
	T.c_code = cc ? xstrdup(cc) : NULL;
	const char *exf = exceptions_flag ? exceptions_flag : cfg.exceptions.file;
	T.exceptions_path = exf ? xstrdup(exf) : NULL;
	config_free(&cfg);
	if (T.exceptions_path) {
		exceptions_load(T.exceptions_path, T.max_days, &T.ex);
		T.have_ex = 1;
	}

	buf_init(&T.cur.key, NDJSON_DEFAULT_MAX_LINE);
	buf_init(&T.prev.key, NDJSON_DEFAULT_MAX_LINE);
	buf_init(&T.ann, TRACK_MAX_OUT);
	buf_init(&T.vals, TRACK_MAX_OUT);
	buf_init(&T.line, TRACK_MAX_OUT);
	buf_init(&T.scratch_a, TRACK_MAX_OUT);
	buf_init(&T.scratch_b, TRACK_MAX_OUT);

	first_pass();
	if (T.ledger_path) {
		ledger_open(&T.L, T.ledger_path);
		T.history = 1;
		char a[TU_UTC_LEN + 1], b[TU_UTC_LEN + 1];
		tu_format_utc(T.L.run, a);
		tu_format_utc(T.now, b);
		if (T.L.run > T.now)
			sosr_die(SOSR_EXIT_DATA, "ledger '%s' was written by a run at %s, after this run's "
				 "time %s; check --now and the history directory", T.ledger_path, a, b);
		if (T.c_code && T.L.c_code[0] && strcmp(T.c_code, T.L.c_code) != 0)
			sosr_die(SOSR_EXIT_DATA, "ledger '%s' is the ledger of C_Code %s, this run is "
				 "%s's; check the history directory", T.ledger_path, T.L.c_code, T.c_code);
		if (!T.c_code && T.L.c_code[0])
			T.c_code = xstrdup(T.L.c_code);
		drop_guard();
	} else if (T.accept_drop) {
		sosr_warn("--accept-drop: no ledger, so no drop to accept");
	}
	if (T.ledger_out_path) {
		ledger_out_open(&T.W, T.ledger_out_path);
		T.writing = 1;
		ledger_out_header(&T.W, T.c_code, T.now, T.keep_days, &T.pop);
	}

	second_pass();
	/* a ledger that cannot be written fails the run before the summary
	 * line, without which the stream is refused downstream; the rename
	 * waits until the whole stream is out */
	if (T.writing)
		ledger_out_finish(&T.W);
	write_summary();
	out_close_stdout();
	if (T.writing)
		ledger_out_commit(&T.W);

	unsigned long findings = 0;
	for (int t = 0; t < FT_NFINDINGS; t++)
		findings += T.count[t];

	ledger_out_free(&T.W);
	T.writing = 0;
	ledger_close(&T.L);
	ndjson_close(&T.r);
	if (T.spool)
		fclose(T.spool);
	if (T.have_ex)
		exceptions_free(&T.ex);
	free(T.c_code);
	free(T.exceptions_path);
	struct buf *bufs[] = { &T.summary, &T.cur.key, &T.prev.key, &T.ann, &T.vals, &T.line,
			       &T.scratch_a, &T.scratch_b };
	for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
		buf_free(bufs[i]);
	return findings ? SOSR_EXIT_FINDINGS : SOSR_EXIT_OK;
}
