/*
 * text.c - the text report of sosr-render: what a person reads in a Jenkins
 * console or in _output/report.txt.
 *
 * Layout (docs/FORMATS.md, "report.txt"): a header (C_Code, time, sources
 * and their counts, status), the verdict and the rules that decided it, a
 * table of counts per type and kind, then the findings grouped by type in
 * the order of render.h, each group in key order (the stream's order).
 *
 * Plain text at most WIDTH columns: long lines are folded at a space (or
 * hard when there is none) with a deeper indent.  Values come from the
 * inventories and are not trusted: they are shown through text_visible
 * (text.h), so a hostile hostname can neither move the cursor of the
 * terminal that shows the report nor hide or reorder what a reader sees.  Colour (ANSI) only on the short lines the writer builds itself.
 */
#include "render.h"
#include "explain.h"

#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "output.h"
#include "text.h"

#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#define WIDTH 100
#define LINE_CAP (1u << 20)
#define MAX_DUP_LISTED 10

static const char *const sl_device[] = { "account", "id", "private_ip", "public_ip",
	"datacenter", "device_type", "status", "created", NULL };
static const char *const sl_vlan[] = { "account", "id", "datacenter", "space", "name", NULL };
static const char *const sos_device[] = { "c_code", "id", "private_ip", "public_ip",
	"datacenter", "device_type", "status", "application", "environment", "updated", NULL };
static const char *const sos_vlan[] = { "c_code", "id", "datacenter", "space", "name",
	"scan_zone", NULL };
static const char *const unident[] = { "source", "account", "c_code", "id", "raw_type", NULL };

static void add(struct buf *b, int rc)
{
	if (rc < 0)
		sosr_die(SOSR_EXIT_DATA, "a finding is longer than %u bytes of text; check the input", LINE_CAP);
}

/* Display width of S (UTF-8: continuation bytes take no column). */
static size_t columns(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* Byte length of the longest prefix of S within WIDTH columns. */
static size_t fit(const char *s, size_t n, size_t width)
{
	size_t c = 0, i = 0;
	while (i < n) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (c == width)
				break;
			c++;
		}
		i++;
	}
	return i;
}

/* Write LINE (no newline) folded at WIDTH columns; continuation lines are
 * indented by CONT spaces. */
static void emit(FILE *out, const char *line, size_t n, size_t cont)
{
	static const char spaces[] = "                    ";
	size_t indent = 0;
	for (;;) {
		size_t room = WIDTH - indent;
		if (columns(line, n) <= room) {
			out_write(out, line, n, "the report");
			out_write(out, "\n", 1, "the report");
			return;
		}
		size_t cut = fit(line, n, room);
		size_t brk = cut;
		while (brk > 0 && line[brk] != ' ')
			brk--;
		if (brk == 0)
			brk = cut; /* no space: a hard break */
		out_write(out, line, brk, "the report");
		out_write(out, "\n", 1, "the report");
		line += brk;
		n -= brk;
		while (n && *line == ' ') {
			line++;
			n--;
		}
		if (!n)
			return;
		indent = cont < sizeof spaces ? cont : sizeof spaces - 1;
		out_write(out, spaces, indent, "the report");
	}
}

static void emit_buf(FILE *out, struct buf *b, size_t cont)
{
	emit(out, b->data ? b->data : "", b->len, cont);
	buf_reset(b);
}

/* Text from outside (the inventories, a stage's error line), safe for a
 * terminal; QUOTE: quoted when it has spaces, is empty, or has a quote or
 * '=', so that name=value stays readable. */
static void put_text(struct buf *b, const char *s, size_t len, int quote)
{
	if (!quote) {
		add(b, text_visible(b, s, len));
		return;
	}
	add(b, buf_addch(b, '"'));
	for (size_t i = 0; i < len; i++) {
		/* a quote inside: \" (text_visible escapes the backslash) */
		size_t run = i;
		while (i < len && s[i] != '"')
			i++;
		add(b, text_visible(b, s + run, i - run));
		if (i < len)
			add(b, buf_addstr(b, "\\\""));
	}
	add(b, buf_addch(b, '"'));
}

static void put_val_len(struct buf *b, const char *s, size_t len)
{
	int quote = !len || memchr(s, ' ', len) || memchr(s, '"', len) || memchr(s, '=', len);
	put_text(b, s, len, quote);
}

static void put_val(struct buf *b, const char *s)
{
	put_val_len(b, s, strlen(s));
}

static void put_plain(struct buf *b, const char *s)
{
	put_text(b, s, strlen(s), 0);
}

static void emit_str(FILE *out, const char *s, size_t cont)
{
	emit(out, s, strlen(s), cont);
}

/* A JSON value as text: strings bare, others as JSON (null, numbers). */
static void put_json(struct buf *b, struct json_object *v)
{
	if (!v)
		add(b, buf_addstr(b, "null"));
	else if (json_object_is_type(v, json_type_string))
		/* the length, not strlen: a value may hold a NUL, shown */
		put_val_len(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
	else
		put_val(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void pair(struct buf *b, const char *name, struct json_object *v)
{
	if (b->len && b->data[b->len - 1] != ' ')
		add(b, buf_addch(b, ' '));
	add(b, buf_addstr(b, name));
	add(b, buf_addch(b, '='));
	put_json(b, v);
}

/* name=value for each of FIELDS present in REC. */
static void pairs(struct buf *b, struct json_object *rec, const char *const *fields)
{
	struct json_object *v;
	for (; *fields; fields++)
		if (rec && json_object_object_get_ex(rec, *fields, &v))
			pair(b, *fields, v);
}

const char *const *record_fields(const char *side, struct json_object *rec)
{
	const char *kind = jget_str(rec, "kind");
	if (kind && strcmp(kind, "unidentified") == 0)
		return unident;
	int vlan = kind && strcmp(kind, "vlan") == 0;
	if (strcmp(side, "sos") == 0)
		return vlan ? sos_vlan : sos_device;
	return vlan ? sl_vlan : sl_device;
}

static void side_pairs(struct buf *b, struct json_object *o, const char *side)
{
	struct json_object *rec = jget_obj(o, side);
	pairs(b, rec, record_fields(side, rec));
}

/* The day of a UTC stamp ("2026-11-20T06:00:00Z" as "2026-11-20"). */
static void put_day(struct buf *b, const char *stamp)
{
	if (stamp)
		put_text(b, stamp, strlen(stamp) < 10 ? strlen(stamp) : 10, 0);
	else
		add(b, buf_addch(b, '?'));
}

/* The lifecycle of a finding (sosr-track's annotations), one line:
 * "NEW", "RECURRING, open 34 days since 2026-10-20, 12 runs", the SLA, the
 * values that changed, and the exception that covers it. */
static void put_lifecycle(FILE *spool, struct buf *b, struct json_object *o, const struct thresholds *th)
{
	const char *st = jget_str(o, "status");
	if (!st)
		return;
	long long age = jget_count(o, "age_days"), runs = jget_count(o, "runs");
	add(b, buf_addstr(b, "      "));
	put_plain(b, st);
	if (strcmp(st, "NEW") != 0) {
		add(b, buf_printf(b, ", open %lld day%s since ", age, age == 1 ? "" : "s"));
		put_day(b, jget_str(o, "first_seen"));
		add(b, buf_printf(b, ", %lld runs", runs));
	}
	if (th->sla_days > 0 && age > th->sla_days)
		add(b, buf_printf(b, "; AGED: open longer than the %ld-day SLA", th->sla_days));
	emit_buf(spool, b, 10);
	struct json_object *ch = jget_array(o, "changed");
	for (size_t i = 0; ch && i < json_object_array_length(ch); i++) {
		struct json_object *c = json_object_array_get_idx(ch, i), *was = jget_obj(c, "was");
		add(b, buf_addstr(b, "      changed since the last run: "));
		put_val(b, jget_str(c, "field") ? jget_str(c, "field") : "?");
		add(b, buf_addstr(b, " was softlayer="));
		put_json(b, jget(was, "softlayer"));
		add(b, buf_addstr(b, " sos="));
		put_json(b, jget(was, "sos"));
		emit_buf(spool, b, 10);
	}
	struct json_object *ex = jget_obj(o, "exception");
	if (ex) {
		add(b, buf_addstr(b, "      excepted by "));
		put_val(b, jget_str(ex, "id") ? jget_str(ex, "id") : "?");
		add(b, buf_addstr(b, " (ticket "));
		put_plain(b, jget_str(ex, "ticket") ? jget_str(ex, "ticket") : "?");
		add(b, buf_addstr(b, ") until "));
		put_day(b, jget_str(ex, "expires"));
		emit_buf(spool, b, 10);
	}
}

/* A resolved finding: what it was, for how long, since when. */
static void put_resolved(struct buf *b, struct json_object *o)
{
	struct json_object *v;
	pair(b, "finding", jget(o, "finding"));
	if (json_object_object_get_ex(o, "side", &v))
		pair(b, "side", v);
	add(b, buf_addstr(b, " first seen "));
	put_day(b, jget_str(o, "first_seen"));
	add(b, buf_addstr(b, ", last seen "));
	put_day(b, jget_str(o, "last_seen"));
	add(b, buf_printf(b, ", %lld runs; resolved ", jget_count(o, "runs")));
	put_plain(b, jget_str(o, "resolved") ? jget_str(o, "resolved") : "?");
}

void text_format_finding(FILE *spool, int type, struct json_object *o, const struct thresholds *th)
{
	struct buf b = BUF_INIT(LINE_CAP);
	struct json_object *v;
	const char *side = jget_str(o, "side");

	add(&b, buf_addstr(&b, "  "));
	put_val(&b, jget_str(o, "key"));
	emit_buf(spool, &b, 6);
	/* an excluded record's "status" is SOS's, not a lifecycle */
	if (type < FT_NFINDINGS)
		put_lifecycle(spool, &b, o, th);
	/* the match explanation (sosr-diff with identities) */
	struct buf ex = BUF_INIT(LINE_CAP);
	if (explain_pair(&ex, o) == 0 && ex.len) {
		add(&b, buf_addstr(&b, "      "));
		put_text(&b, ex.data, ex.len, 0);
		emit_buf(spool, &b, 10);
	}
	buf_reset(&ex);
	if (explain_unpaired(&ex, o) == 0 && ex.len) {
		add(&b, buf_addstr(&b, "      "));
		put_text(&b, ex.data, ex.len, 0);
		emit_buf(spool, &b, 10);
	}
	buf_free(&ex);
	add(&b, buf_addstr(&b, "      "));
	switch (type) {
	case FT_RESOLVED:
		put_resolved(&b, o);
		break;
	case FT_MISSING_IN_SOS:
	case FT_PENDING:
		if (type == FT_PENDING && json_object_object_get_ex(o, "age_hours", &v))
			pair(&b, "age_hours", v);
		side_pairs(&b, o, "softlayer");
		break;
	case FT_MISSING_IN_SOFTLAYER:
	case FT_EXCLUDED:
		side_pairs(&b, o, "sos");
		break;
	case FT_MISMATCH: {
		struct json_object *fields;
		if (json_object_object_get_ex(o, "fields", &fields) &&
		    json_object_is_type(fields, json_type_array)) {
			size_t n = json_object_array_length(fields);
			for (size_t i = 0; i < n; i++) {
				struct json_object *f = json_object_array_get_idx(fields, i);
				const char *name = jget_str(f, "field");
				struct json_object *sl = NULL, *sos = NULL;
				json_object_object_get_ex(f, "softlayer", &sl);
				json_object_object_get_ex(f, "sos", &sos);
				put_val(&b, name ? name : "?");
				add(&b, buf_addstr(&b, ": softlayer="));
				put_json(&b, sl);
				add(&b, buf_addstr(&b, " sos="));
				put_json(&b, sos);
				emit_buf(spool, &b, 10);
				add(&b, buf_addstr(&b, "      "));
			}
		}
		add(&b, buf_addstr(&b, "softlayer:"));
		pairs(&b, jget_obj(o, "softlayer"), (const char *const[]){ "account", "id", NULL });
		add(&b, buf_addstr(&b, "  sos:"));
		pairs(&b, jget_obj(o, "sos"), (const char *const[]){ "c_code", "id", NULL });
		break;
	}
	case FT_DUPLICATE: {
		pair(&b, "side", json_object_object_get_ex(o, "side", &v) ? v : NULL);
		if (json_object_object_get_ex(o, "count", &v))
			pair(&b, "count", v);
		if (json_object_object_get_ex(o, "other_count", &v))
			pair(&b, "other_count", v);
		struct json_object *recs;
		if (json_object_object_get_ex(o, "records", &recs) &&
		    json_object_is_type(recs, json_type_array)) {
			size_t n = json_object_array_length(recs);
			for (size_t i = 0; i < n && i < MAX_DUP_LISTED; i++) {
				emit_buf(spool, &b, 10);
				struct json_object *rec = json_object_array_get_idx(recs, i);
				add(&b, buf_addstr(&b, "      - "));
				pairs(&b, rec, record_fields(side ? side : "softlayer", rec));
			}
			if (n > MAX_DUP_LISTED) {
				emit_buf(spool, &b, 10);
				add(&b, buf_printf(&b, "      ... and %zu more (see report.json)", n - MAX_DUP_LISTED));
			}
		}
		const char *other = side && strcmp(side, "sos") == 0 ? "softlayer" : "sos";
		if (json_object_object_get_ex(o, "other_records", &recs) &&
		    json_object_is_type(recs, json_type_array) && json_object_array_length(recs)) {
			size_t n = json_object_array_length(recs);
			emit_buf(spool, &b, 10);
			add(&b, buf_printf(&b, "      on the other side (%s):", other));
			for (size_t i = 0; i < n && i < MAX_DUP_LISTED; i++) {
				emit_buf(spool, &b, 10);
				struct json_object *rec = json_object_array_get_idx(recs, i);
				add(&b, buf_addstr(&b, "      - "));
				pairs(&b, rec, record_fields(other, rec));
			}
			if (n > MAX_DUP_LISTED) {
				emit_buf(spool, &b, 10);
				add(&b, buf_printf(&b, "      ... and %zu more (see report.json)", n - MAX_DUP_LISTED));
			}
		}
		break;
	}
	case FT_UNIDENTIFIED:
		pair(&b, "side", json_object_object_get_ex(o, "side", &v) ? v : NULL);
		if (json_object_object_get_ex(o, "reason", &v))
			pair(&b, "reason", v);
		pairs(&b, jget_obj(o, "record"), unident);
		break;
	default:
		break;
	}
	emit_buf(spool, &b, 10);
	buf_free(&b);
}

/* Colour only where the writer controls the whole line. */
#define BOLD "\033[1m"
#define RED "\033[1;31m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

static void styled(FILE *out, const struct run *run, const char *style, const char *s)
{
	if (run->colour)
		fprintf(out, "%s%s%s\n", style, s, RESET);
	else
		fprintf(out, "%s\n", s);
}

static void kv(FILE *out, struct buf *b, const char *label, const char *value)
{
	add(b, buf_printf(b, "%-11s", label));
	put_plain(b, value);
	emit_buf(out, b, 11);
}

static void source_line(FILE *out, struct buf *b, const struct report *rep, const char *label,
			const char *side)
{
	struct json_object *rec = jget_obj(jget_obj(rep->summary, "records"), side);
	add(b, buf_printf(b, "%-11s%-10s %lld devices, %lld VLANs, %lld unidentified", label, side,
			  jget_count(rec, "device") > 0 ? jget_count(rec, "device") : 0,
			  jget_count(rec, "vlan") > 0 ? jget_count(rec, "vlan") : 0,
			  jget_count(rec, "unidentified") > 0 ? jget_count(rec, "unidentified") : 0));
	emit_buf(out, b, 22);
}

/* "Accounts   659397, 1000001" from the comma-separated list. */
static void accounts_line(FILE *out, struct buf *b, const char *accounts)
{
	add(b, buf_printf(b, "%-11s", "Accounts"));
	for (const char *p = accounts; *p; p++) {
		if (*p == ',')
			add(b, buf_addstr(b, ", "));
		else
			add(b, text_visible(b, p, 1));
	}
	emit_buf(out, b, 11);
}

/* What the run knows of the days before it (sosr-track's summary). */
static void history_line(FILE *out, struct buf *b, const struct report *rep)
{
	struct json_object *t = rep->track;
	add(b, buf_printf(b, "%-11s", "History"));
	if (!t) {
		add(b, buf_addstr(b, "not tracked: the findings are sosr-diff's, without their lifecycle"));
	} else if (!json_object_get_boolean(jget(t, "history"))) {
		add(b, buf_addstr(b, "none: no history directory is configured (history.dir), so every "
				  "finding is NEW and nothing is resolved"));
	} else if (!jget_str(t, "previous")) {
		add(b, buf_addstr(b, "the first run in the history: every finding is NEW"));
	} else {
		add(b, buf_addstr(b, "since the run of "));
		put_plain(b, jget_str(t, "previous"));
		add(b, buf_printf(b, ": %lld new, %lld recurring, %lld reopened, %lld resolved",
				  jget_count(t, "new"), jget_count(t, "recurring"), jget_count(t, "reopened"),
				  jget_count(t, "resolved")));
	}
	if (t && jget_count(t, "excepted") > 0)
		add(b, buf_printf(b, "; %lld excepted", jget_count(t, "excepted")));
	emit_buf(out, b, 11);
}

/* A drop of a population let through with --accept-drop: the operator's
 * reason and the counts, beside the findings they explain (track.drop). */
static void drop_line(FILE *out, struct buf *b, const struct report *rep)
{
	struct json_object *d = rep->track ? jget_obj(rep->track, "drop") : NULL;
	if (!d)
		return;
	add(b, buf_printf(b, "%-11saccepted: ", "Drop"));
	put_plain(b, jget_str(d, "reason") ? jget_str(d, "reason") : "(no reason)");
	struct json_object *pops = jget_array(d, "populations");
	size_t n = pops ? json_object_array_length(pops) : 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(pops, i);
		add(b, buf_addstr(b, i ? ", " : " ("));
		put_plain(b, jget_str(p, "population") ? jget_str(p, "population") : "?");
		add(b, buf_printf(b, " %lld -> %lld", jget_count(p, "previous"), jget_count(p, "current")));
	}
	if (n)
		add(b, buf_addch(b, ')'));
	emit_buf(out, b, 11);
}

/* The SOC 2 controls this run is evidence for, the audit period and
 * where the raw evidence is (soc2.h). */
static void soc2_lines(FILE *out, const struct run *run, const struct report *rep, struct buf *b)
{
	size_t n;
	const struct soc2_control *c = soc2_controls(run->soc2, &n);
	for (size_t i = 0; i < n; i++) {
		add(b, buf_printf(b, "%-11s", i ? "" : "SOC 2"));
		put_plain(b, c[i].id);
		add(b, buf_addch(b, ' '));
		put_plain(b, c[i].text);
		emit_buf(out, b, 11 + strlen(c[i].id) + 1);
	}
	const char *started = run_started(run, rep);
	add(b, buf_printf(b, "%-11s", "Period"));
	if (run->soc2->period_start) {
		add(b, buf_addstr(b, "audit period "));
		put_plain(b, run->soc2->period_start);
		add(b, buf_addstr(b, " to "));
		put_plain(b, run->soc2->period_end);
	} else {
		add(b, buf_addstr(b, "audit period not configured (soc2.period)"));
	}
	add(b, buf_addstr(b, "; this run is evidence of "));
	put_plain(b, started ? started : "(time not given)");
	emit_buf(out, b, 11);
	add(b, buf_printf(b, "%-11s", "Evidence"));
	struct buf loc = BUF_INIT(0);
	soc2_location(&loc, run, rep);
	put_plain(b, loc.data);
	buf_free(&loc);
	emit_buf(out, b, 11);
}

static void write_header(FILE *out, const struct run *run, const struct report *rep,
			 const struct verdict *v, struct buf *b)
{
	const char *started = run->started ? run->started : jget_str(rep->summary, "now");
	styled(out, run, BOLD, "sos-reconcile report");
	fputs("==================================================\n", out);
	kv(out, b, "C_Code", run->c_code ? run->c_code : "(not given)");
	kv(out, b, "Started", started ? started : "(not given)");
	if (run->colour)
		fprintf(out, "%-11s%s%s%s\n", "Status", v->decided ? GREEN : RED,
			v->decided ? "complete" : run->suspect ? "SUSPECT" : "INCOMPLETE", RESET);
	else
		fprintf(out, "%-11s%s\n", "Status", v->decided ? "complete" : run->suspect ? "SUSPECT" : "INCOMPLETE");
	if (run->accounts)
		accounts_line(out, b, run->accounts);
	if (v->decided) {
		source_line(out, b, rep, "Sources", "softlayer");
		source_line(out, b, rep, "", "sos");
		struct json_object *m = jget_obj(rep->summary, "matched");
		add(b, buf_printf(b, "%-11s%lld devices, %lld VLANs", "Matched",
				  jget_count(m, "device") > 0 ? jget_count(m, "device") : 0,
				  jget_count(m, "vlan") > 0 ? jget_count(m, "vlan") : 0));
		emit_buf(out, b, 11);
		/* the grace in use, always: it decides what is missing */
		struct json_object *g = jget(rep->summary, "grace_hours");
		if (g && (json_object_is_type(g, json_type_int) || json_object_is_type(g, json_type_double)))
			add(b, buf_printf(b, "%-11s%g hours for new devices to appear in SOS", "Grace",
					  json_object_get_double(g)));
		else
			add(b, buf_printf(b, "%-11sunknown (the summary does not say it)", "Grace"));
		emit_buf(out, b, 11);
	}
	if (v->decided) {
		history_line(out, b, rep);
		drop_line(out, b, rep);
	}
	if (run->alert_status) {
		add(b, buf_printf(b, "%-11s", "Alert"));
		put_plain(b, strcmp(run->alert_status, "failed") == 0 ? "NOT DELIVERED" : run->alert_status);
		if (run->alert_detail) {
			add(b, buf_addstr(b, ": "));
			put_plain(b, run->alert_detail);
		}
		emit_buf(out, b, 11);
	}
	soc2_lines(out, run, rep, b);
	fputc('\n', out);
}

static void write_verdict(FILE *out, const struct run *run, const struct thresholds *th,
			  const struct verdict *v, struct buf *b)
{
	char name[64], desc[64];
	if (!v->decided) {
		if (run->suspect) {
			styled(out, run, RED, "VERDICT: SUSPECT - a population dropped sharply since the last run");
			emit_str(out, "  A source is probably broken: nothing is reported as missing and the history "
				 "is kept as it was. If the drop is real (a decommission), rerun with --accept-drop "
				 "REASON.", 4);
		} else
			styled(out, run, RED, "VERDICT: INCOMPLETE - nothing was reconciled; this run is not clean");
		emit_str(out, "  No finding is reported from partial data. What failed:", 4);
		for (int i = 0; i < run->nfailures; i++) {
			const struct failure *f = &run->failures[i];
			add(b, buf_addstr(b, "  "));
			put_plain(b, f->stage);
			add(b, buf_printf(b, " exited %d (%s):", f->exit, exit_meaning(f->exit)));
			emit_buf(out, b, 6);
			add(b, buf_addstr(b, "    "));
			put_plain(b, f->message);
			emit_buf(out, b, 6);
		}
		emit_str(out, "  See run.log for every stage's messages, and docs/RUNBOOK.md for what to check.", 4);
		return;
	}
	if (v->significant) {
		styled(out, run, RED, "VERDICT: SIGNIFICANT");
		for (int i = 0; i < v->nreasons; i++) {
			const struct reason *re = &v->reasons[i];
			rule_describe(&re->rule, desc, sizeof desc);
			if (re->what == REASON_AGED)
				add(b, buf_printf(b, "  sla_days: %lld finding%s open longer than the %ld-day SLA (aged)",
						  re->count, re->count == 1 ? "" : "s", th->sla_days));
			else
				add(b, buf_printf(b, "  %s: %lld%s of %lld (%.1f%%) reached the threshold %s",
						  reason_rule(re, name, sizeof name), re->count,
						  re->what == REASON_NEW ? " new or reopened" : "", re->base,
						  re->base ? 100.0 * (double)re->count / (double)re->base : 100.0,
						  desc));
			emit_buf(out, b, 4);
		}
	} else {
		styled(out, run, GREEN, "VERDICT: not significant");
		emit_str(out, "  No finding class reached its threshold (see report.json for the thresholds).", 4);
	}
}

static void write_counts(FILE *out, const struct report *rep)
{
	fprintf(out, "\n%-28s%10s%10s%14s%10s\n", "Counts", "device", "vlan", "unidentified", "total");
	for (int t = 0; t < FT_N; t++) {
		long long sum = 0;
		for (int k = 0; k < KIND_N; k++)
			sum += rep->count[t][k];
		char label[64];
		snprintf(label, sizeof label, "%s%s", finding_type_names[t], t >= FT_NFINDINGS ? " (info)" : "");
		fprintf(out, "  %-26s%10lld%10lld%14lld%10lld\n", label, rep->count[t][KIND_DEVICE],
			rep->count[t][KIND_VLAN], rep->count[t][KIND_UNIDENTIFIED], sum);
	}
}

/* The exceptions the run saw expire, or that matched nothing, or will
 * expire soon: so stale acceptances get cleaned up. */
static void write_exceptions(FILE *out, const struct run *run, const struct report *rep, struct buf *b)
{
	struct json_object *ex = jget_obj(rep->track, "exceptions");
	static const char *const lists[][2] = {
		{ "expired", "expired exceptions: they hide nothing any more" },
		{ "unused", "unused exceptions: they covered no finding in this run" },
		{ "expiring", "exceptions expiring within 14 days" },
	};
	for (size_t l = 0; ex && l < 3; l++) {
		struct json_object *a = jget_array(ex, lists[l][0]);
		size_t n = a ? json_object_array_length(a) : 0;
		if (!n)
			continue;
		char title[128];
		snprintf(title, sizeof title, "%s (%zu)", lists[l][1], n);
		fputc('\n', out);
		styled(out, run, BOLD, title);
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			const char *id = json_object_is_type(e, json_type_string) ? json_object_get_string(e)
										 : jget_str(e, "id");
			const char *when = jget_str(e, l == 0 ? "expired" : "expires");
			add(b, buf_addstr(b, "  "));
			put_val(b, id ? id : "?");
			if (when) {
				add(b, buf_addstr(b, l == 0 ? " expired " : " expires "));
				put_plain(b, when);
			}
			emit_buf(out, b, 4);
		}
	}
}

void report_write_text(FILE *out, const struct run *run, const struct report *rep,
		       const struct thresholds *th, const struct verdict *v)
{
	struct buf b = BUF_INIT(LINE_CAP);
	write_header(out, run, rep, v, &b);
	write_verdict(out, run, th, v, &b);
	if (v->decided) {
		write_counts(out, rep);
		for (int t = 0; t < FT_N; t++) {
			long long sum = 0;
			for (int k = 0; k < KIND_N; k++)
				sum += rep->count[t][k];
			if (!sum)
				continue;
			char title[160];
			long long exc = 0;
			for (int k = 0; k < KIND_N; k++)
				exc += rep->excepted[t][k];
			if (sum == exc)
				continue;
			snprintf(title, sizeof title, "%s (%lld): %s", finding_type_names[t], sum - exc,
				 finding_type_title((enum finding_type)t));
			fputc('\n', out);
			styled(out, run, BOLD, title);
			report_copy_spool(rep->spool[t], out);
		}
		if (rep->excepted_spool) {
			fputc('\n', out);
			styled(out, run, BOLD, "excepted: accepted risks, listed and not counted toward any rule");
			report_copy_spool(rep->excepted_spool, out);
		}
		write_exceptions(out, run, rep, &b);
	}
	/* the ready-to-paste tickets end the report, and so the console */
	for (size_t i = 0; run->tickets && i < json_object_array_length(run->tickets); i++) {
		const char *t = jget_str(json_object_array_get_idx(run->tickets, i), "text");
		fputc('\n', out);
		for (const char *p = t ? t : ""; *p;) {
			size_t n = strcspn(p, "\n");
			emit(out, p, n, 4);
			p += n;
			if (*p)
				p++;
		}
	}
	out_check(out, "standard output");
	buf_free(&b);
}
