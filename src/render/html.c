/*
 * html.c - report.html, the page a person opens from Jenkins (publishHTML)
 * or from the archive, and report.css, its stylesheet.
 *
 * The page must be readable under the Content-Security-Policy Jenkins
 * serves archived and published files with ("sandbox; default-src 'none';
 * img-src 'self'; style-src 'self';"): so no script at all, no inline
 * style (no <style>, no style="" attribute, in the SVG either: the trend
 * uses presentation attributes such as fill and stroke, which are not
 * styles), nothing fetched from elsewhere; the look comes from report.css
 * beside it (same origin: style-src 'self'), and the page reads the same
 * without it.  Semantic HTML: one table per finding type, with caption,
 * column and row headers, so that a screen reader and a copy into a
 * spreadsheet both work.
 *
 * Every value from an inventory or an API goes through markup_text
 * (markup.h): made visible as in report.txt, then escaped, so that a
 * hostname "<script>" is text.  Each finding's row carries its anchor
 * (finding_anchor, finding.h) as its id, so that a ticket can link to
 * report.html#missing_in_sos/device/web01.alc.example.com.
 *
 * Layout (docs/FORMATS.md, "report.html"): the run's header, the verdict,
 * the counts, the trend, the SOC 2 controls, the files of the run, then
 * one section per type in the order of finding.h with the rows spooled
 * while the stream was read, then the exceptions to look at.  The same
 * input (stream, flags, configuration, archive) gives the same bytes: no
 * clock, no locale, no random id.
 */
#include "render.h"
#include "explain.h"

#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "markup.h"
#include "output.h"
#include "timeutil.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#define CHUNK_CAP (64u << 20)
#define MAX_DUP_LISTED 10

static void add(struct buf *b, int rc)
{
	if (rc < 0)
		sosr_die(SOSR_EXIT_DATA, "a finding is longer than %u bytes of HTML; check the input", CHUNK_CAP);
}

static void put(struct buf *b, const char *s)
{
	add(b, buf_addstr(b, s));
}

static void esc(struct buf *b, const char *s)
{
	add(b, markup_str(b, s ? s : ""));
}

static void flush(FILE *out, struct buf *b)
{
	out_write(out, b->data ? b->data : "", b->len, "the report");
	buf_reset(b);
}

/* A JSON value as text: strings escaped, absent as "absent", others as
 * their JSON (numbers). */
static void value(struct buf *b, struct json_object *v)
{
	if (!v || json_object_is_type(v, json_type_null))
		put(b, "<span class=\"absent\">absent</span>");
	else if (json_object_is_type(v, json_type_string))
		add(b, markup_text(b, json_object_get_string(v), (size_t)json_object_get_string_len(v)));
	else
		esc(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* A time stamp as its day, the whole stamp in datetime. */
static void day(struct buf *b, const char *stamp)
{
	if (!stamp) {
		put(b, "");
		return;
	}
	put(b, "<time datetime=\"");
	esc(b, stamp);
	put(b, "\">");
	add(b, markup_text(b, stamp, strlen(stamp) < 10 ? strlen(stamp) : 10));
	put(b, "</time>");
}

/* A record's fields as a description list. */
static void record(struct buf *b, struct json_object *rec, const char *side)
{
	if (!rec) {
		put(b, "<td></td>");
		return;
	}
	put(b, "<td><dl class=\"rec\">");
	struct json_object *v;
	for (const char *const *f = record_fields(side, rec); *f; f++)
		if (json_object_object_get_ex(rec, *f, &v)) {
			put(b, "<dt>");
			put(b, *f);
			put(b, "</dt><dd>");
			value(b, v);
			put(b, "</dd>");
		}
	put(b, "</dl></td>");
}

static void num_cell(struct buf *b, long long n)
{
	if (n < 0)
		put(b, "<td class=\"num\"></td>");
	else
		add(b, buf_printf(b, "<td class=\"num\">%lld</td>", n));
}

/* <tr id="ANCHOR" class="..."><th scope="row"><a href="#ANCHOR">KEY</a></th> */
static void row_start(struct buf *b, int type, struct json_object *o, int rowspan, const char *cls)
{
	const char *key = jget_str(o, "key");
	const char *side = jget_str(o, "side");
	struct buf a = BUF_INIT(CHUNK_CAP);
	add(&a, finding_anchor(&a, (enum finding_type)type, jget_str(o, "finding"), side, key, strlen(key)));
	put(b, "<tr id=\"");
	esc(b, a.data);
	put(b, "\" class=\"");
	put(b, cls);
	put(b, "\"><th scope=\"row\"");
	if (rowspan > 1)
		add(b, buf_printf(b, " rowspan=\"%d\"", rowspan));
	put(b, "><a href=\"#");
	esc(b, a.data);
	put(b, "\">");
	add(b, markup_text(b, key, strlen(key)));
	put(b, "</a>");
	/* the match explanation of sosr-diff with identities (none in format 1) */
	buf_reset(&a);
	add(&a, explain_pair(&a, o));
	size_t paired = a.len;
	if (paired)
		add(&a, buf_addstr(&a, "; "));
	add(&a, explain_unpaired(&a, o));
	if (paired && a.len == paired + 2)
		a.len = paired;
	if (a.len) {
		put(b, "<br><small class=\"explain\">");
		add(b, markup_text(b, a.data, a.len));
		put(b, "</small>");
	}
	put(b, "</th>");
	buf_free(&a);
}

/* The lifecycle cells of a finding: status, first seen, age, runs, and the
 * exception; ROWSPAN for a mismatch of several fields. */
static void lifecycle(struct buf *b, struct json_object *o, const struct thresholds *th, int rowspan,
		      int life)
{
	char rs[32] = "";
	if (!life)
		return;
	if (rowspan > 1)
		snprintf(rs, sizeof rs, " rowspan=\"%d\"", rowspan);
	const char *st = jget_str(o, "status");
	long long age = jget_count(o, "age_days");
	add(b, buf_printf(b, "<td%s>", rs));
	if (st) {
		put(b, "<span class=\"st\">");
		esc(b, st);
		put(b, "</span>");
	}
	if (th->sla_days > 0 && age > th->sla_days && !jget_obj(o, "exception"))
		put(b, " <strong class=\"aged\">aged</strong>");
	put(b, "</td>");
	add(b, buf_printf(b, "<td%s>", rs));
	day(b, jget_str(o, "first_seen"));
	put(b, "</td>");
	add(b, buf_printf(b, "<td class=\"num\"%s>", rs));
	if (age >= 0)
		add(b, buf_printf(b, "%lld", age));
	put(b, "</td>");
	add(b, buf_printf(b, "<td class=\"num\"%s>", rs));
	if (jget_count(o, "runs") >= 0)
		add(b, buf_printf(b, "%lld", jget_count(o, "runs")));
	put(b, "</td>");
	add(b, buf_printf(b, "<td%s>", rs));
	struct json_object *ex = jget_obj(o, "exception");
	if (ex) {
		put(b, "<span class=\"exc\">");
		esc(b, jget_str(ex, "id") ? jget_str(ex, "id") : "?");
		put(b, "</span> ticket ");
		esc(b, jget_str(ex, "ticket") ? jget_str(ex, "ticket") : "?");
		put(b, ", until ");
		day(b, jget_str(ex, "expires"));
	}
	put(b, "</td>");
}

/* The value a changed mismatch field had in the last run, for SIDE. */
static struct json_object *was_value(struct json_object *o, const char *field, const char *side, int *found)
{
	struct json_object *ch = jget_array(o, "changed");
	*found = 0;
	for (size_t i = 0; ch && i < json_object_array_length(ch); i++) {
		struct json_object *c = json_object_array_get_idx(ch, i);
		const char *f = jget_str(c, "field");
		struct json_object *was = jget_obj(c, "was"), *v = NULL;
		if (f && field && strcmp(f, field) == 0 && was) {
			*found = json_object_object_get_ex(was, side, &v);
			return v;
		}
	}
	return NULL;
}

static void mismatch_cells(struct buf *b, struct json_object *o, struct json_object *f)
{
	const char *name = jget_str(f, "field");
	static const char *const sides[] = { "softlayer", "sos" };
	put(b, "<td>");
	esc(b, name ? name : "?");
	put(b, "</td>");
	for (int s = 0; s < 2; s++) {
		struct json_object *v = NULL;
		json_object_object_get_ex(f, sides[s], &v);
		put(b, "<td>");
		value(b, v);
		int found;
		struct json_object *was = was_value(o, name, sides[s], &found);
		if (found) {
			put(b, " <span class=\"was\">(was ");
			value(b, was);
			put(b, ")</span>");
		}
		put(b, "</td>");
	}
}

void html_format_finding(FILE *spool, int type, struct json_object *o, const struct thresholds *th,
			 int life)
{
	struct buf b = BUF_INIT(CHUNK_CAP);
	struct json_object *v;
	int excepted = type < FT_NFINDINGS && jget_obj(o, "exception");
	const char *cls = excepted ? "excepted" : "";
	switch (type) {
	case FT_MISSING_IN_SOS:
	case FT_MISSING_IN_SOFTLAYER: {
		const char *side = type == FT_MISSING_IN_SOS ? "softlayer" : "sos";
		row_start(&b, type, o, 1, cls);
		put(&b, "<td>");
		esc(&b, jget_str(o, "kind"));
		put(&b, "</td>");
		lifecycle(&b, o, th, 1, life);
		record(&b, jget_obj(o, side), side);
		put(&b, "</tr>\n");
		break;
	}
	case FT_MISMATCH: {
		struct json_object *fields = jget_array(o, "fields");
		int n = fields ? (int)json_object_array_length(fields) : 0;
		row_start(&b, type, o, n, cls);
		if (n > 1)
			add(&b, buf_printf(&b, "<td rowspan=\"%d\">", n));
		else
			put(&b, "<td>");
		esc(&b, jget_str(o, "kind"));
		put(&b, "</td>");
		lifecycle(&b, o, th, n, life);
		if (n == 0)
			put(&b, "<td></td><td></td><td></td>");
		for (int i = 0; i < n; i++) {
			if (i)
				put(&b, "<tr>");
			mismatch_cells(&b, o, json_object_array_get_idx(fields, (size_t)i));
			put(&b, "</tr>\n");
		}
		if (n == 0)
			put(&b, "</tr>\n");
		break;
	}
	case FT_DUPLICATE: {
		const char *side = jget_str(o, "side") ? jget_str(o, "side") : "softlayer";
		row_start(&b, type, o, 1, cls);
		put(&b, "<td>");
		esc(&b, jget_str(o, "kind"));
		put(&b, "</td>");
		lifecycle(&b, o, th, 1, life);
		put(&b, "<td>");
		esc(&b, side);
		put(&b, "</td>");
		num_cell(&b, jget_count(o, "count"));
		num_cell(&b, jget_count(o, "other_count"));
		put(&b, "<td><ol class=\"dups\">");
		struct json_object *recs = jget_array(o, "records");
		size_t n = recs ? json_object_array_length(recs) : 0;
		for (size_t i = 0; i < n && i < MAX_DUP_LISTED; i++) {
			struct json_object *rec = json_object_array_get_idx(recs, i);
			put(&b, "<li><dl class=\"rec\">");
			for (const char *const *f = record_fields(side, rec); *f; f++)
				if (json_object_object_get_ex(rec, *f, &v)) {
					put(&b, "<dt>");
					put(&b, *f);
					put(&b, "</dt><dd>");
					value(&b, v);
					put(&b, "</dd>");
				}
			put(&b, "</dl></li>");
		}
		put(&b, "</ol>");
		if (n > MAX_DUP_LISTED)
			add(&b, buf_printf(&b, "<p>and %zu more (report.json)</p>", n - MAX_DUP_LISTED));
		put(&b, "</td></tr>\n");
		break;
	}
	case FT_UNIDENTIFIED:
		row_start(&b, type, o, 1, cls);
		put(&b, "<td>");
		esc(&b, jget_str(o, "kind"));
		put(&b, "</td>");
		lifecycle(&b, o, th, 1, life);
		put(&b, "<td>");
		esc(&b, jget_str(o, "side"));
		put(&b, "</td><td>");
		value(&b, jget(o, "reason"));
		put(&b, "</td>");
		record(&b, jget_obj(o, "record"), "softlayer");
		put(&b, "</tr>\n");
		break;
	case FT_PENDING:
		row_start(&b, type, o, 1, "");
		put(&b, "<td>");
		esc(&b, jget_str(o, "kind"));
		put(&b, "</td>");
		num_cell(&b, jget_count(o, "age_hours"));
		record(&b, jget_obj(o, "softlayer"), "softlayer");
		put(&b, "</tr>\n");
		break;
	case FT_EXCLUDED:
		row_start(&b, type, o, 1, "");
		put(&b, "<td>");
		esc(&b, jget_str(o, "kind"));
		put(&b, "</td><td>");
		value(&b, jget(o, "status"));
		put(&b, "</td>");
		record(&b, jget_obj(o, "sos"), "sos");
		put(&b, "</tr>\n");
		break;
	case FT_RESOLVED:
		row_start(&b, type, o, 1, "");
		put(&b, "<td>");
		esc(&b, jget_str(o, "finding"));
		put(&b, "</td><td>");
		esc(&b, jget_str(o, "kind"));
		put(&b, "</td><td>");
		esc(&b, jget_str(o, "side"));
		put(&b, "</td><td>");
		day(&b, jget_str(o, "first_seen"));
		put(&b, "</td><td>");
		day(&b, jget_str(o, "last_seen"));
		put(&b, "</td>");
		num_cell(&b, jget_count(o, "runs"));
		put(&b, "<td>");
		day(&b, jget_str(o, "resolved"));
		put(&b, "</td></tr>\n");
		break;
	default:
		break;
	}
	flush(spool, &b);
	buf_free(&b);
}

/* The column headers of each type's table, after the key (and, for the
 * five finding types, Kind and the lifecycle columns of a tracked stream). */
#define KIND_COL "<th scope=\"col\">Kind</th>"
#define LIFE_COLS "<th scope=\"col\">Status</th><th scope=\"col\">First seen</th>" \
	"<th scope=\"col\">Age (days)</th><th scope=\"col\">Runs</th><th scope=\"col\">Exception</th>"
static const char *const heads[FT_N] = {
	"<th scope=\"col\">SoftLayer record</th>",
	"<th scope=\"col\">SOS record</th>",
	"<th scope=\"col\">Field</th><th scope=\"col\">SoftLayer</th><th scope=\"col\">SOS</th>",
	"<th scope=\"col\">Side</th><th scope=\"col\">Records</th><th scope=\"col\">Other side</th>"
	"<th scope=\"col\">Records</th>",
	"<th scope=\"col\">Side</th><th scope=\"col\">Reason</th><th scope=\"col\">Record</th>",
	KIND_COL "<th scope=\"col\">Age (hours)</th><th scope=\"col\">SoftLayer record</th>",
	KIND_COL "<th scope=\"col\">SOS status</th><th scope=\"col\">SOS record</th>",
	"<th scope=\"col\">Finding</th><th scope=\"col\">Kind</th><th scope=\"col\">Side</th>"
	"<th scope=\"col\">First seen</th><th scope=\"col\">Last seen</th><th scope=\"col\">Runs</th>"
	"<th scope=\"col\">Resolved</th>",
};

static long long type_total(const struct report *rep, int t, const long long (*c)[KIND_N])
{
	long long n = 0;
	for (int k = 0; k < KIND_N; k++)
		n += c[t][k];
	return n;
}

static const char *state_word(const struct run *run, const struct verdict *v)
{
	if (!v->decided)
		return run->suspect ? "SUSPECT" : "INCOMPLETE";
	return v->significant ? "SIGNIFICANT" : "not significant";
}

static const char *state_class(const struct run *run, const struct verdict *v)
{
	if (!v->decided)
		return run->suspect ? "suspect" : "incomplete";
	return v->significant ? "significant" : "clean";
}

static void meta(struct buf *b, const char *dt, const char *dd_raw)
{
	put(b, "<dt>");
	put(b, dt);
	put(b, "</dt><dd>");
	put(b, dd_raw ? dd_raw : "");
	put(b, "</dd>\n");
}

static void write_head(struct buf *b, const struct run *run, const struct report *rep,
		       const struct verdict *v)
{
	const char *started = run_started(run, rep);
	put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	add(b, buf_printf(b, "<meta name=\"generator\" content=\"sos-reconcile %s, report.html format %d\">\n",
			  SOSR_VERSION, HTML_FORMAT));
	put(b, "<title>sos-reconcile ");
	esc(b, run->c_code ? run->c_code : "(no C_Code)");
	put(b, " ");
	esc(b, started ? started : "");
	put(b, ": ");
	put(b, state_word(run, v));
	put(b, "</title>\n<link rel=\"stylesheet\" href=\"report.css\">\n</head>\n");
	add(b, buf_printf(b, "<body class=\"%s\">\n<header>\n<h1>sos-reconcile report: ", state_class(run, v)));
	esc(b, run->c_code ? run->c_code : "(no C_Code)");
	put(b, "</h1>\n");
	add(b, buf_printf(b, "<p class=\"banner %s\"><a href=\"#verdict\">", state_class(run, v)));
	if (!v->decided && run->suspect)
		put(b, "SUSPECT: a population dropped sharply since the last run; nothing is reported as missing");
	else if (!v->decided)
		put(b, "INCOMPLETE: nothing was reconciled; this run is not clean");
	else
		add(b, buf_printf(b, "VERDICT: %s", state_word(run, v)));
	put(b, "</a></p>\n<dl class=\"meta\">\n");
	struct buf d = BUF_INIT(CHUNK_CAP);
	esc(&d, run->c_code ? run->c_code : "(not given)");
	meta(b, "C_Code", d.data);
	buf_reset(&d);
	if (started) {
		put(&d, "<time datetime=\"");
		esc(&d, started);
		put(&d, "\">");
		esc(&d, started);
		put(&d, "</time>");
	} else {
		put(&d, "(not given)");
	}
	meta(b, "Started", d.data);
	buf_reset(&d);
	add(b, buf_printf(b, "<dt>Status</dt><dd class=\"%s\">%s</dd>\n", state_class(run, v),
			  v->decided ? "complete" : run->suspect ? "SUSPECT" : "INCOMPLETE"));
	if (run->accounts) {
		for (const char *p = run->accounts; *p;) {
			size_t n = strcspn(p, ",");
			if (n) {
				if (d.len)
					put(&d, ", ");
				add(&d, markup_text(&d, p, n));
			}
			p += n + (p[n] == ',');
		}
		meta(b, "Accounts", d.data ? d.data : "");
		buf_reset(&d);
	}
	if (v->decided) {
		static const char *const sides[] = { "softlayer", "sos" };
		static const char *const labels[] = { "SoftLayer", "SOS" };
		for (int s = 0; s < 2; s++) {
			struct json_object *rec = jget_obj(jget_obj(rep->summary, "records"), sides[s]);
			long long c[KIND_N];
			for (int k = 0; k < KIND_N; k++)
				c[k] = jget_count(rec, kind_names[k]) > 0 ? jget_count(rec, kind_names[k]) : 0;
			add(&d, buf_printf(&d, "%lld devices, %lld VLANs, %lld unidentified",
					   c[KIND_DEVICE], c[KIND_VLAN], c[KIND_UNIDENTIFIED]));
			meta(b, labels[s], d.data);
			buf_reset(&d);
		}
		struct json_object *m = jget_obj(rep->summary, "matched");
		add(&d, buf_printf(&d, "%lld devices, %lld VLANs",
				   jget_count(m, "device") > 0 ? jget_count(m, "device") : 0,
				   jget_count(m, "vlan") > 0 ? jget_count(m, "vlan") : 0));
		meta(b, "Matched", d.data);
		buf_reset(&d);
		struct json_object *g = jget(rep->summary, "grace_hours");
		if (g && (json_object_is_type(g, json_type_int) || json_object_is_type(g, json_type_double)))
			add(&d, buf_printf(&d, "%g hours for new devices to appear in SOS", json_object_get_double(g)));
		else
			put(&d, "unknown (the summary does not say it)");
		meta(b, "Grace", d.data);
		buf_reset(&d);
		struct json_object *t = rep->track;
		if (!t)
			put(&d, "not tracked: the findings are sosr-diff's, without their lifecycle");
		else if (!json_object_get_boolean(jget(t, "history")))
			put(&d, "none: no history directory is configured (history.dir), so every finding is NEW");
		else if (!jget_str(t, "previous"))
			put(&d, "the first run in the history: every finding is NEW");
		else {
			put(&d, "since the run of ");
			esc(&d, jget_str(t, "previous"));
			add(&d, buf_printf(&d, ": <strong>%lld new</strong>, %lld recurring, %lld reopened, "
					   "<strong>%lld resolved</strong>", jget_count(t, "new"),
					   jget_count(t, "recurring"), jget_count(t, "reopened"),
					   jget_count(t, "resolved")));
		}
		if (t && jget_count(t, "excepted") > 0)
			add(&d, buf_printf(&d, "; %lld excepted", jget_count(t, "excepted")));
		meta(b, "History", d.data);
		buf_reset(&d);
	}
	if (run->alert_status) {
		esc(&d, strcmp(run->alert_status, "failed") == 0 ? "NOT DELIVERED" : run->alert_status);
		if (run->alert_detail) {
			put(&d, ": ");
			esc(&d, run->alert_detail);
		}
		meta(b, "Alert", d.data);
		buf_reset(&d);
	}
	buf_free(&d);
	put(b, "</dl>\n<nav aria-label=\"sections\"><ul>\n<li><a href=\"#verdict\">Verdict</a></li>\n");
	if (v->decided)
		put(b, "<li><a href=\"#counts\">Counts</a></li>\n");
	put(b, "<li><a href=\"#trend\">Trend</a></li>\n<li><a href=\"#soc2\">SOC 2</a></li>\n"
	       "<li><a href=\"#files\">Files</a></li>\n");
	for (int t = 0; v->decided && t < FT_N; t++)
		if (type_total(rep, t, rep->count))
			add(b, buf_printf(b, "<li><a href=\"#%s\">%s (%lld)</a></li>\n", finding_type_names[t],
					  finding_type_names[t], type_total(rep, t, rep->count)));
	put(b, "</ul></nav>\n</header>\n<main>\n");
}

static void write_verdict(struct buf *b, const struct run *run, const struct thresholds *th,
			  const struct verdict *v)
{
	char name[64], desc[64];
	add(b, buf_printf(b, "<section id=\"verdict\" class=\"verdict %s\">\n<h2>Verdict: %s</h2>\n",
			  state_class(run, v), state_word(run, v)));
	if (!v->decided) {
		if (run->suspect)
			put(b, "<p>A source is probably broken: nothing is reported as missing and the history is "
			       "kept as it was. If the drop is real (a decommission), rerun with "
			       "<code>--accept-drop REASON</code>.</p>\n");
		put(b, "<p>No finding is reported from partial data. What failed:</p>\n"
		       "<table class=\"failures\">\n<thead><tr><th scope=\"col\">Stage</th><th scope=\"col\">Exit</th>"
		       "<th scope=\"col\">Meaning</th><th scope=\"col\">Error</th><th scope=\"col\">What to check</th>"
		       "</tr></thead>\n<tbody>\n");
		for (int i = 0; i < run->nfailures; i++) {
			const struct failure *f = &run->failures[i];
			put(b, "<tr><th scope=\"row\">");
			esc(b, f->stage);
			add(b, buf_printf(b, "</th><td class=\"num\">%d</td><td>", f->exit));
			esc(b, exit_meaning(f->exit));
			put(b, "</td><td><code>");
			esc(b, f->message);
			put(b, "</code></td><td>docs/RUNBOOK.md, &#8220;");
			esc(b, runbook_section(f->exit));
			put(b, "&#8221;</td></tr>\n");
		}
		put(b, "</tbody>\n</table>\n<p>See <a href=\"run.log\">run.log</a> for every stage's messages.</p>\n");
		for (size_t i = 0; run->tickets && i < json_object_array_length(run->tickets); i++) {
			struct json_object *t = json_object_array_get_idx(run->tickets, i);
			put(b, "<h3>");
			esc(b, jget_str(t, "title") ? jget_str(t, "title") : "Ticket");
			put(b, ": ready to paste</h3>\n<pre class=\"ticket\">");
			esc(b, jget_str(t, "text") ? jget_str(t, "text") : "");
			put(b, "</pre>\n");
		}
		put(b, "</section>\n");
		return;
	}
	if (!v->significant) {
		put(b, "<p>No finding class reached its threshold (the thresholds are in "
		       "<a href=\"report.json\">report.json</a>).</p>\n</section>\n");
		return;
	}
	put(b, "<p>The rules that fired, the first one decided:</p>\n<ul class=\"reasons\">\n");
	for (int i = 0; i < v->nreasons; i++) {
		const struct reason *re = &v->reasons[i];
		rule_describe(&re->rule, desc, sizeof desc);
		put(b, "<li><code>");
		put(b, reason_rule(re, name, sizeof name));
		put(b, "</code>: ");
		if (re->what == REASON_AGED)
			add(b, buf_printf(b, "%lld finding%s open longer than the %ld-day SLA (aged)", re->count,
					  re->count == 1 ? "" : "s", th->sla_days));
		else
			add(b, buf_printf(b, "%lld%s of %lld (%.1f%%) reached the threshold %s", re->count,
					  re->what == REASON_NEW ? " new or reopened" : "", re->base,
					  re->base ? 100.0 * (double)re->count / (double)re->base : 100.0, desc));
		if (re->what == REASON_CLASS)
			add(b, buf_printf(b, " (<a href=\"#%s\">%s</a>)", finding_type_names[re->type],
					  finding_type_names[re->type]));
		put(b, "</li>\n");
	}
	put(b, "</ul>\n</section>\n");
}

static void write_counts(struct buf *b, const struct report *rep)
{
	put(b, "<section id=\"counts\">\n<h2>Counts</h2>\n<table class=\"counts\">\n"
	       "<caption>Findings and informational records by type and kind</caption>\n"
	       "<thead><tr><th scope=\"col\">Type</th><th scope=\"col\">device</th><th scope=\"col\">vlan</th>"
	       "<th scope=\"col\">unidentified</th><th scope=\"col\">total</th><th scope=\"col\">excepted</th>"
	       "</tr></thead>\n<tbody>\n");
	long long total = 0, exc_total = 0;
	for (int t = 0; t < FT_N; t++) {
		long long sum = type_total(rep, t, rep->count), exc = type_total(rep, t, rep->excepted);
		add(b, buf_printf(b, "<tr%s><th scope=\"row\">", t >= FT_NFINDINGS ? " class=\"info\"" : ""));
		if (sum)
			add(b, buf_printf(b, "<a href=\"#%s\">%s</a>", finding_type_names[t], finding_type_names[t]));
		else
			put(b, finding_type_names[t]);
		if (t >= FT_NFINDINGS)
			put(b, " <small>(informational)</small>");
		put(b, "</th>");
		for (int k = 0; k < KIND_N; k++)
			num_cell(b, rep->count[t][k]);
		num_cell(b, sum);
		if (t < FT_NFINDINGS)
			num_cell(b, exc);
		else
			put(b, "<td></td>");
		put(b, "</tr>\n");
		if (t < FT_NFINDINGS) {
			total += sum;
			exc_total += exc;
		}
	}
	add(b, buf_printf(b, "</tbody>\n<tfoot><tr><th scope=\"row\">findings</th><td></td><td></td><td></td>"
			  "<td class=\"num\">%lld</td><td class=\"num\">%lld</td></tr></tfoot>\n</table>\n", total,
			  exc_total));
	if (rep->track)
		add(b, buf_printf(b, "<p class=\"lifecycle\">Lifecycle: %lld new, %lld recurring, %lld reopened, "
				  "%lld resolved since the last complete run; %lld aged.</p>\n",
				  rep->status[STATUS_NEW], rep->status[STATUS_RECURRING],
				  rep->status[STATUS_REOPENED], type_total(rep, FT_RESOLVED, rep->count), rep->aged));
	put(b, "</section>\n");
}

/* The archive's name of the run that started at STARTED, or "". */
static void stamp_of(const char *started, char out[TU_STAMP_LEN + 1])
{
	int64_t t;
	out[0] = '\0';
	if (started && tu_parse_rfc3339(started, strlen(started), &t) == 0)
		tu_format_stamp(t, out);
}

static void write_trend(struct buf *b, const struct run *run, const struct report *rep,
			const struct verdict *v)
{
	put(b, "<section id=\"trend\">\n<h2>Trend</h2>\n");
	char stamp[TU_STAMP_LEN + 1];
	stamp_of(run_reference(run, rep), stamp);
	if (!run->history || !run->c_code || !stamp[0]) {
		put(b, run->history ? "<p>No trend: the run's C_Code or start time is not known.</p>\n"
				    : "<p>No trend: no archive of runs is configured (<code>history.dir</code>).</p>\n");
		put(b, "</section>\n");
		return;
	}
	struct trend_point pts[TREND_RUNS];
	int n = trend_load(run->history, run->c_code, stamp, pts, TREND_RUNS - 1);
	struct trend_point *today = &pts[n++];
	memset(today, 0, sizeof *today);
	snprintf(today->stamp, sizeof today->stamp, "%s", stamp);
	today->state = v->decided ? TREND_COMPLETE : run->suspect ? TREND_SUSPECT : TREND_INCOMPLETE;
	for (int t = 0; v->decided && t < FT_NFINDINGS; t++)
		today->count[t] = type_total(rep, t, rep->count);
	if (n < 2) {
		/* the archive by its name, not its path: the page must be the
		 * same bytes when a replay reads a copy of the archive */
		put(b, "<p>No earlier run of this C_Code in the archive (<code>history.dir</code>) yet: the trend "
		       "starts with the next run.</p>\n</section>\n");
		return;
	}
	add(b, buf_printf(b, "<p>Open findings per type over the last %d runs (the archive's, and this one "
			  "last); a gap is a run that was not complete.</p>\n<figure>\n", n));
	trend_svg(b, pts, n);
	put(b, "<figcaption>Open findings per type, by run (UTC)</figcaption>\n</figure>\n"
	       "<details>\n<summary>The numbers</summary>\n<table class=\"trend-data\">\n"
	       "<thead><tr><th scope=\"col\">Run</th>");
	for (int t = 0; t < FT_NFINDINGS; t++)
		add(b, buf_printf(b, "<th scope=\"col\">%s</th>", finding_type_names[t]));
	put(b, "</tr></thead>\n<tbody>\n");
	static const char *const states[] = { "", "incomplete", "suspect", "unreadable" };
	for (int i = 0; i < n; i++) {
		put(b, "<tr><th scope=\"row\">");
		esc(b, pts[i].stamp);
		put(b, "</th>");
		for (int t = 0; t < FT_NFINDINGS; t++)
			if (pts[i].state == TREND_COMPLETE)
				num_cell(b, pts[i].count[t]);
			else
				add(b, buf_printf(b, "<td>%s</td>", states[pts[i].state]));
		put(b, "</tr>\n");
	}
	put(b, "</tbody>\n</table>\n</details>\n</section>\n");
}

static void write_soc2(struct buf *b, const struct run *run, const struct report *rep)
{
	put(b, "<section id=\"soc2\">\n<h2>SOC 2</h2>\n<p>This run is evidence for these controls of the Trust "
	       "Services Criteria:</p>\n<dl class=\"controls\">\n");
	size_t n;
	const struct soc2_control *c = soc2_controls(run->soc2, &n);
	for (size_t i = 0; i < n; i++) {
		put(b, "<dt>");
		esc(b, c[i].id);
		put(b, "</dt><dd>");
		esc(b, c[i].text);
		put(b, "</dd>\n");
	}
	put(b, "</dl>\n<dl class=\"meta\">\n<dt>Audit period</dt><dd>");
	if (run->soc2->period_start) {
		esc(b, run->soc2->period_start);
		put(b, " to ");
		esc(b, run->soc2->period_end);
	} else {
		put(b, "not configured (<code>soc2.period</code>)");
	}
	put(b, "</dd>\n<dt>Evidence of</dt><dd>");
	const char *started = run_started(run, rep);
	esc(b, started ? started : "(time not given)");
	put(b, "</dd>\n<dt>Raw evidence</dt><dd>");
	struct buf loc = BUF_INIT(0);
	soc2_location(&loc, run, rep);
	esc(b, loc.data);
	buf_free(&loc);
	put(b, "</dd>\n</dl>\n</section>\n");
}

static void write_files(struct buf *b, const struct verdict *v)
{
	static const char *const complete[][2] = {
		{ "report.txt", "the text report" },
		{ "report.json", "the report for programs, every finding" },
		{ "report.junit.xml", "the rules and finding classes as test results" },
		{ "csv/findings.csv", "every finding, for a spreadsheet" },
		{ "csv/softlayer.csv", "the SoftLayer population" },
		{ "csv/sos.csv", "the SOS population" },
		{ "discrepancies.ndjson", "the findings stream" },
		{ "manifest.json", "the run: stages, sources, sha256 of every file" },
		{ "run.log", "every stage's messages" },
	};
	put(b, "<section id=\"files\">\n<h2>Files of this run</h2>\n<ul>\n");
	for (size_t i = 0; i < sizeof complete / sizeof *complete; i++) {
		/* an incomplete run has no findings: only what it has */
		if (!v->decided && i != 0 && i != 1 && i != 2 && i != 7 && i != 8)
			continue;
		add(b, buf_printf(b, "<li><a href=\"%s\">%s</a>: %s</li>\n", complete[i][0], complete[i][0],
				  complete[i][1]));
	}
	put(b, "</ul>\n</section>\n");
}

static void write_exceptions(struct buf *b, const struct report *rep)
{
	struct json_object *ex = jget_obj(rep->track, "exceptions");
	static const char *const lists[][2] = {
		{ "expired", "Expired exceptions: they hide nothing any more" },
		{ "unused", "Unused exceptions: they covered no finding in this run" },
		{ "expiring", "Exceptions expiring within 14 days" },
	};
	int any = 0;
	for (size_t l = 0; ex && l < 3; l++) {
		struct json_object *a = jget_array(ex, lists[l][0]);
		size_t n = a ? json_object_array_length(a) : 0;
		if (!n)
			continue;
		if (!any++)
			put(b, "<section id=\"exceptions\">\n<h2>Exceptions to look at</h2>\n");
		add(b, buf_printf(b, "<h3>%s (%zu)</h3>\n<ul>\n", lists[l][1], n));
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(a, i);
			const char *id = json_object_is_type(e, json_type_string) ? json_object_get_string(e)
										 : jget_str(e, "id");
			const char *when = jget_str(e, l == 0 ? "expired" : "expires");
			put(b, "<li>");
			esc(b, id ? id : "?");
			if (when) {
				put(b, l == 0 ? " expired " : " expires ");
				esc(b, when);
			}
			put(b, "</li>\n");
		}
		put(b, "</ul>\n");
	}
	if (any)
		put(b, "</section>\n");
}

void report_write_html(FILE *out, const struct run *run, const struct report *rep,
		       const struct thresholds *th, const struct verdict *v)
{
	struct buf b = BUF_INIT(CHUNK_CAP);
	write_head(&b, run, rep, v);
	write_verdict(&b, run, th, v);
	if (v->decided)
		write_counts(&b, rep);
	write_trend(&b, run, rep, v);
	write_soc2(&b, run, rep);
	write_files(&b, v);
	flush(out, &b);
	for (int t = 0; v->decided && t < FT_N; t++) {
		long long sum = type_total(rep, t, rep->count);
		if (!sum)
			continue;
		long long exc = type_total(rep, t, rep->excepted);
		add(&b, buf_printf(&b, "<section id=\"%s\" class=\"findings%s\">\n<h2>%s (%lld", finding_type_names[t],
				   t >= FT_NFINDINGS ? " info" : "", finding_type_names[t], sum));
		if (exc)
			add(&b, buf_printf(&b, ", %lld excepted", exc));
		add(&b, buf_printf(&b, ")</h2>\n<table>\n<caption>%s", finding_type_title((enum finding_type)t)));
		if (rep->listed[t] < sum)
			add(&b, buf_printf(&b, "; the first %lld by key (all are in <a href=\"csv/findings.csv\">"
					   "csv/findings.csv</a> and <a href=\"report.json\">report.json</a>)",
					   rep->listed[t]));
		put(&b, "</caption>\n<thead><tr><th scope=\"col\">Key</th>");
		if (t < FT_NFINDINGS) {
			put(&b, KIND_COL);
			if (rep->life > 0)
				put(&b, LIFE_COLS);
		}
		put(&b, heads[t]);
		put(&b, "</tr></thead>\n<tbody>\n");
		flush(out, &b);
		report_copy_spool(rep->spool[t], out);
		put(&b, "</tbody>\n</table>\n</section>\n");
	}
	if (v->decided)
		write_exceptions(&b, rep);
	add(&b, buf_printf(&b, "</main>\n<footer><p>Written by sosr-render %s (sos-reconcile), report.html format "
			   "%d; see docs/FORMATS.md.</p></footer>\n</body>\n</html>\n", SOSR_VERSION, HTML_FORMAT));
	flush(out, &b);
	out_check(out, "standard output");
	buf_free(&b);
}
