/*
 * report.c - the spools of sosr-render, the check of the stream against its
 * summary, and the JSON report (docs/FORMATS.md, "report.json").
 *
 * The JSON report is one document whose bytes depend only on the input and
 * the flags: members in a fixed order, written with jsonw.h; each finding
 * is the discrepancy record's line verbatim, one per line inside the
 * "findings" array, so `jq -c '.findings[]'` gives back the stream.
 */
#include "render.h"

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "jsonw.h"
#include "output.h"
#include "summary.h"
#include "timeutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

/* A report's header is small; this cap only stops a runaway. */
#define HEADER_CAP (4u << 20)

static FILE *spool_open(void)
{
	FILE *fp = tmpfile();
	if (!fp)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create a temporary spool file; check TMPDIR and its free space");
	return fp;
}

void report_init(struct report *rep, enum fmt fmt)
{
	memset(rep, 0, sizeof *rep);
	rep->fmt = fmt;
	rep->life = -1;
}

static void keep_key(struct keylist *l, const char *key)
{
	if (l->n < JUNIT_MAX_KEYS)
		l->key[l->n++] = xstrdup(key);
	l->total++;
}

void report_spool(struct report *rep, const struct thresholds *th, int type, int kind,
		  struct json_object *o, const char *line, size_t len)
{
	rep->count[type][kind]++;
	int excepted = type < FT_NFINDINGS && jget_obj(o, "exception") != NULL;
	if (excepted)
		rep->excepted[type][kind]++;
	const char *st = type < FT_NFINDINGS ? jget_str(o, "status") : NULL;
	int status = st ? finding_status_from_name(st, strlen(st)) : -1;
	int fresh = 0, aged = 0;
	if (status >= 0) {
		rep->status[status]++;
		fresh = !excepted && status != STATUS_RECURRING;
		rep->fresh += fresh;
		long long age = jget_count(o, "age_days");
		aged = !excepted && th->sla_days > 0 && age > th->sla_days;
		rep->aged += aged;
	}
	if (rep->fmt == FMT_JUNIT) {
		/* the keys a rule that fires names: those that count toward it */
		const char *key = jget_str(o, "key");
		if (type < FT_NFINDINGS && !excepted) {
			keep_key(&rep->keys[type][kind], key);
			keep_key(&rep->class_keys[type], key);
			if (fresh)
				keep_key(&rep->fresh_keys, key);
			if (aged)
				keep_key(&rep->aged_keys, key);
		}
	} else if (rep->fmt == FMT_HTML) {
		/* every type, its excepted findings included, in one table */
		if (!rep->spool[type])
			rep->spool[type] = spool_open();
		/* a stream is tracked (sosr-track) or not: its first finding says
		 * which columns every table of findings has */
		if (rep->life < 0 && type < FT_NFINDINGS)
			rep->life = st != NULL;
		if (!rep->html_rows || rep->listed[type] < rep->html_rows) {
			html_format_finding(rep->spool[type], type, o, th, rep->life > 0);
			out_check(rep->spool[type], "the spool file");
			rep->listed[type]++;
		}
	} else if (rep->fmt == FMT_JSON) {
		if (!rep->all)
			rep->all = spool_open();
		if (rep->spooled)
			out_write(rep->all, ",\n", 2, "the spool file");
		out_write(rep->all, line, len, "the spool file");
	} else {
		/* an excepted finding is listed in its own section */
		FILE **sp = excepted ? &rep->excepted_spool : &rep->spool[type];
		if (!*sp)
			*sp = spool_open();
		text_format_finding(*sp, type, o, th);
		out_check(*sp, "the spool file");
	}
	rep->spooled++;
}

int report_check_counts(const struct report *rep, const char *name)
{
	long long count[FT_N];
	char why[300];
	for (int t = 0; t < FT_N; t++) {
		count[t] = 0;
		for (int k = 0; k < KIND_N; k++)
			count[t] += rep->count[t][k];
	}
	if (summary_check_counts(rep->summary, count, why, sizeof why) < 0) {
		sosr_error("%s: %s", name, why);
		return -1;
	}
	return 0;
}

void report_copy_spool(FILE *spool, FILE *out)
{
	if (!spool)
		return;
	if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot read back the spool file; check TMPDIR");
	char chunk[1 << 16];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, spool)) > 0)
		out_write(out, chunk, n, "standard output");
	if (ferror(spool))
		sosr_die_errno(SOSR_EXIT_IO, "cannot read back the spool file; check TMPDIR");
}

void report_free(struct report *rep)
{
	if (rep->summary)
		json_object_put(rep->summary);
	free(rep->summary_raw);
	for (int t = 0; t < FT_N; t++)
		if (rep->spool[t])
			fclose(rep->spool[t]);
	if (rep->all)
		fclose(rep->all);
	if (rep->excepted_spool)
		fclose(rep->excepted_spool);
	struct keylist *lists[] = { &rep->fresh_keys, &rep->aged_keys };
	for (int t = 0; t < FT_NFINDINGS; t++) {
		for (int k = 0; k < KIND_N; k++)
			for (int i = 0; i < rep->keys[t][k].n; i++)
				free(rep->keys[t][k].key[i]);
		for (int i = 0; i < rep->class_keys[t].n; i++)
			free(rep->class_keys[t].key[i]);
	}
	for (size_t l = 0; l < 2; l++)
		for (int i = 0; i < lists[l]->n; i++)
			free(lists[l]->key[i]);
	memset(rep, 0, sizeof *rep);
}

static void add(struct buf *b, int rc)
{
	if (rc < 0)
		sosr_die(SOSR_EXIT_INTERNAL, "the report header is larger than %u bytes; this is a bug",
			 HEADER_CAP);
}

static void json_string(struct buf *b, const char *s)
{
	add(b, jsonw_str(b, s, strlen(s)));
}

/* "name":{"count":N,"percent":P} or "name":null when off. */
static void json_rule(struct buf *b, const struct rule *r)
{
	if (!r->set_count && !r->set_percent) {
		add(b, buf_addstr(b, "null"));
		return;
	}
	add(b, buf_addch(b, '{'));
	if (r->set_count)
		add(b, buf_printf(b, "\"count\":%lld", r->count));
	if (r->set_percent)
		add(b, buf_printf(b, "%s\"percent\":%.10g", r->set_count ? "," : "", r->percent));
	add(b, buf_addch(b, '}'));
}

static void json_accounts(struct buf *b, const char *list)
{
	add(b, buf_addch(b, '['));
	const char *p = list;
	int first = 1;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n) {
			if (!first)
				add(b, buf_addch(b, ','));
			add(b, jsonw_str(b, p, n));
			first = 0;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	add(b, buf_addch(b, ']'));
}

const char *run_started(const struct run *run, const struct report *rep)
{
	return run->started ? run->started : jget_str(rep->summary, "now");
}

const char *run_reference(const struct run *run, const struct report *rep)
{
	if (run->now)
		return run->now;
	if (jget_str(rep->summary, "now"))
		return jget_str(rep->summary, "now");
	return run->started;
}

void soc2_location(struct buf *b, const struct run *run, const struct report *rep)
{
	const char *started = run_reference(run, rep);
	int64_t t;
	if (run->soc2->evidence_location) {
		buf_addstr(b, run->soc2->evidence_location);
	} else if (run->history && run->c_code && started &&
		   tu_parse_rfc3339(started, strlen(started), &t) == 0) {
		/* where sosr-publish archive keeps this run */
		char stamp[TU_STAMP_LEN + 1];
		tu_format_stamp(t, stamp);
		/* named within the archive, not by its path: a replay on another
		 * machine (a clone of the locker) must write the same words */
		buf_printf(b, "the archive (history.dir): %s/%s/ (this run: raw/*.ndjson.gz, manifest.json)",
			   run->c_code, stamp);
	} else {
		buf_addstr(b, "_output/ of this run (raw/, manifest.json); no archive is configured (history.dir)");
	}
}

void report_write_json(FILE *out, const struct run *run, const struct report *rep,
		       const struct thresholds *th, const struct verdict *v)
{
	struct buf b = BUF_INIT(HEADER_CAP);
	char name[64];
	const char *started = run->started ? run->started : jget_str(rep->summary, "now");

	add(&b, buf_printf(&b, "{\"format\":%d,\"report\":\"sos-reconcile\",\"version\":\"%s\"",
			   REPORT_FORMAT, SOSR_VERSION));
	if (run->c_code)
		add(&b, jsonw_field_str(&b, 0, "c_code", run->c_code, strlen(run->c_code)));
	if (run->accounts) {
		add(&b, buf_addstr(&b, ",\"accounts\":"));
		json_accounts(&b, run->accounts);
	}
	if (started)
		add(&b, jsonw_field_str(&b, 0, "started", started, strlen(started)));
	add(&b, buf_printf(&b, ",\"status\":\"%s\"", v->decided ? "complete" : run->suspect ? "suspect" : "incomplete"));
	if (run->nfailures) {
		add(&b, buf_addstr(&b, ",\"failures\":["));
		for (int i = 0; i < run->nfailures; i++) {
			const struct failure *f = &run->failures[i];
			add(&b, buf_addstr(&b, i ? ",{" : "{"));
			add(&b, jsonw_field_str(&b, 1, "stage", f->stage, strlen(f->stage)));
			add(&b, jsonw_field_int(&b, 0, "exit", f->exit));
			add(&b, buf_addstr(&b, ",\"meaning\":"));
			json_string(&b, exit_meaning(f->exit));
			add(&b, jsonw_field_str(&b, 0, "error", f->message, strlen(f->message)));
			add(&b, buf_addch(&b, '}'));
		}
		add(&b, buf_addch(&b, ']'));
	}
	if (run->tickets) {
		add(&b, buf_addstr(&b, ",\"tickets\":"));
		add(&b, buf_addstr(&b, json_object_to_json_string_ext(run->tickets, JSON_C_TO_STRING_PLAIN |
								       JSON_C_TO_STRING_NOSLASHESCAPE)));
	}

	add(&b, buf_addstr(&b, ",\n\"verdict\":{\"result\":"));
	if (!v->decided)
		add(&b, buf_printf(&b, "\"%s\",\"significant\":null", run->suspect ? "suspect" : "incomplete"));
	else
		add(&b, buf_printf(&b, "\"%s\",\"significant\":%s",
				   v->significant ? "significant" : "not_significant",
				   v->significant ? "true" : "false"));
	add(&b, buf_addstr(&b, ",\"reasons\":["));
	for (int i = 0; i < v->nreasons; i++) {
		const struct reason *re = &v->reasons[i];
		const char *cls = re->what == REASON_NEW ? "new" : re->what == REASON_AGED ? "aged"
			: finding_type_names[re->type];
		add(&b, buf_printf(&b, "%s{\"rule\":\"%s\",\"class\":\"%s\",\"count\":%lld,\"inventory\":%lld,\"threshold\":",
				   i ? "," : "", reason_rule(re, name, sizeof name), cls, re->count, re->base));
		if (re->what == REASON_AGED)
			add(&b, buf_printf(&b, "{\"sla_days\":%ld}", th->sla_days));
		else
			json_rule(&b, &re->rule);
		add(&b, buf_addch(&b, '}'));
	}
	add(&b, buf_addstr(&b, "]}"));

	add(&b, buf_addstr(&b, ",\n\"thresholds\":{"));
	int first = 1;
	for (int t = 0; t < FT_NFINDINGS; t++)
		for (int k = 0; k < KIND_N; k++) {
			/* unidentified has one rule; the others one per device/vlan */
			if ((t == FT_UNIDENTIFIED) != (k == KIND_UNIDENTIFIED))
				continue;
			add(&b, buf_printf(&b, "%s\"%s\":", first ? "" : ",", rule_name(t, k, name, sizeof name)));
			json_rule(&b, &th->r[t][k]);
			first = 0;
		}
	add(&b, buf_addstr(&b, ",\"new\":"));
	json_rule(&b, &th->new_findings);
	add(&b, buf_printf(&b, ",\"sla_days\":%ld}", th->sla_days));

	/* the controls this run is evidence for (soc2.h) */
	add(&b, buf_addstr(&b, ",\n\"soc2\":{\"controls\":["));
	size_t nc;
	const struct soc2_control *ctl = soc2_controls(run->soc2, &nc);
	for (size_t i = 0; i < nc; i++) {
		add(&b, buf_addstr(&b, i ? ",{" : "{"));
		add(&b, jsonw_field_str(&b, 1, "id", ctl[i].id, strlen(ctl[i].id)));
		add(&b, jsonw_field_str(&b, 0, "text", ctl[i].text, strlen(ctl[i].text)));
		add(&b, buf_addch(&b, '}'));
	}
	add(&b, buf_addstr(&b, "],\"period\":"));
	if (run->soc2->period_start) {
		add(&b, buf_addch(&b, '{'));
		add(&b, jsonw_field_str(&b, 1, "start", run->soc2->period_start, strlen(run->soc2->period_start)));
		add(&b, jsonw_field_str(&b, 0, "end", run->soc2->period_end, strlen(run->soc2->period_end)));
		add(&b, buf_addch(&b, '}'));
	} else {
		add(&b, buf_addstr(&b, "null"));
	}
	struct buf loc = BUF_INIT(0);
	soc2_location(&loc, run, rep);
	add(&b, jsonw_field_str(&b, 0, "evidence_location", loc.data, loc.len));
	buf_free(&loc);
	add(&b, buf_addch(&b, '}'));

	/* what sosr-track said of the run, as it said it; null without it */
	add(&b, buf_addstr(&b, ",\n\"history\":"));
	add(&b, buf_addstr(&b, rep->track ? json_object_to_json_string_ext(rep->track, JSON_C_TO_STRING_PLAIN |
									    JSON_C_TO_STRING_NOSLASHESCAPE)
					  : "null"));

	if (run->alert_status) {
		add(&b, buf_addstr(&b, ",\n\"alert\":{"));
		add(&b, jsonw_field_str(&b, 1, "status", run->alert_status, strlen(run->alert_status)));
		if (run->alert_detail)
			add(&b, jsonw_field_str(&b, 0, "detail", run->alert_detail, strlen(run->alert_detail)));
		add(&b, buf_addch(&b, '}'));
	}

	if (v->decided) {
		add(&b, buf_addstr(&b, ",\n\"counts\":{"));
		long long total = 0;
		for (int t = 0; t < FT_N; t++) {
			long long sum = 0;
			add(&b, buf_printf(&b, "%s\"%s\":{", t ? "," : "", finding_type_names[t]));
			for (int k = 0; k < KIND_N; k++) {
				add(&b, buf_printf(&b, "%s\"%s\":%lld", k ? "," : "", kind_names[k], rep->count[t][k]));
				sum += rep->count[t][k];
			}
			add(&b, buf_printf(&b, ",\"total\":%lld}", sum));
			if (t < FT_NFINDINGS)
				total += sum;
		}
		add(&b, buf_printf(&b, ",\"findings\":%lld", total));
		long long exc = 0;
		add(&b, buf_addstr(&b, ",\"excepted\":{"));
		for (int t = 0; t < FT_NFINDINGS; t++) {
			long long sum = 0;
			for (int k = 0; k < KIND_N; k++)
				sum += rep->excepted[t][k];
			add(&b, buf_printf(&b, "\"%s\":%lld,", finding_type_names[t], sum));
			exc += sum;
		}
		add(&b, buf_printf(&b, "\"total\":%lld}", exc));
		add(&b, buf_printf(&b, ",\"lifecycle\":{\"new\":%lld,\"recurring\":%lld,\"reopened\":%lld,"
				   "\"aged\":%lld}}", rep->status[STATUS_NEW], rep->status[STATUS_RECURRING],
				   rep->status[STATUS_REOPENED], rep->aged));
		add(&b, buf_addstr(&b, ",\n\"summary\":"));
		add(&b, buf_add(&b, rep->summary_raw, strlen(rep->summary_raw)));
		add(&b, buf_addstr(&b, ",\n\"findings\":["));
		if (rep->spooled)
			add(&b, buf_addch(&b, '\n'));
	}
	out_write(out, b.data, b.len, "standard output");
	buf_reset(&b);
	if (v->decided) {
		report_copy_spool(rep->all, out);
		add(&b, buf_addstr(&b, rep->spooled ? "\n]" : "]"));
	}
	add(&b, buf_addstr(&b, "}\n"));
	out_write(out, b.data, b.len, "standard output");
	buf_free(&b);
}
