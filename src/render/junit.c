/*
 * junit.c - report.junit.xml: the run as test results, for Jenkins' junit
 * step, so that the job's page shows which rules failed, for how many
 * findings, and their history across builds, where engineers already look.
 *
 * One <testsuite> for the run of one C_Code, inside <testsuites>; its
 * <properties> name the run and the SOC 2 controls it is evidence for.
 * Test cases:
 *   - "run" (classname sos-reconcile.<C_Code>): passes when the run is
 *     complete; an incomplete or suspect run has instead one <error> per
 *     failed stage, naming the stage, its exit status and meaning, its
 *     error line and the heading of docs/RUNBOOK.md that says what to
 *     check;
 *   - one per threshold rule (classname sos-reconcile.<C_Code>.rules, in
 *     the order of report.json's thresholds, then "new" and "sla_days"):
 *     a <failure> when the rule fired, with the reason and the keys of the
 *     findings that count toward it (the first JUNIT_MAX_KEYS, and how
 *     many there are); <skipped> when the rule is off, or the run
 *     reconciled nothing;
 *   - one per finding class (classname sos-reconcile.<C_Code>.findings,
 *     the five types of finding.h): a <failure> when a rule of the class
 *     fired.
 * The test names stay the same from run to run (Jenkins tracks a test by
 * classname and name): counts go into messages, never into names.
 *
 * Valid against the JUnit schema of Jenkins' xUnit plugin (junit-10.xsd;
 * test/fixtures/junit/ carries a schema written to it, and
 * test/outputs.bats validates with xmllint).  Text from outside goes
 * through markup_text (markup.h).  No time is measured: every testcase
 * has time="0", so the same input gives the same bytes.
 */
#include "render.h"

#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "markup.h"
#include "output.h"

#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#define DOC_CAP (16u << 20)

static void add(struct buf *b, int rc)
{
	if (rc < 0)
		sosr_die(SOSR_EXIT_INTERNAL, "the JUnit report is larger than %u bytes; this is a bug", DOC_CAP);
}

static void put(struct buf *b, const char *s)
{
	add(b, buf_addstr(b, s));
}

static void esc(struct buf *b, const char *s)
{
	add(b, markup_str(b, s ? s : ""));
}

const char *runbook_section(int code)
{
	/* the headings of docs/RUNBOOK.md (test/outputs.bats checks that
	 * each is there) */
	switch (code) {
	case SOSR_EXIT_USAGE: return "Exit 2: usage or configuration";
	case SOSR_EXIT_AUTH: return "Exit 3: credentials rejected (HTTP 401/403)";
	case SOSR_EXIT_NETWORK: return "Exit 4: a service unreachable";
	case SOSR_EXIT_API: return "Exit 5: API error after retries";
	case SOSR_EXIT_INCOMPLETE: return "Exit 6: incomplete fetch";
	case SOSR_EXIT_DATA: return "Exit 7: invalid data";
	case SOSR_EXIT_ALERT: return "Exit 8: the alert was not delivered";
	case SOSR_EXIT_IO: return "Exit 9: files";
	case SOSR_EXIT_SUSPECT: return "Exit 11: a suspect drop (SUSPECT)";
	case SOSR_EXIT_LOCKER: return "Exit 12: the evidence was not pushed";
	case 130:
	case 143: return "Exit 130 or 143: interrupted";
	default: return "Exit 10: internal error";
	}
}

static void property(struct buf *b, const char *name, const char *value)
{
	put(b, "<property name=\"");
	esc(b, name);
	put(b, "\" value=\"");
	esc(b, value);
	put(b, "\"/>\n");
}

/* The keys of L, one a line, and how many more there are. */
static void key_list(struct buf *b, const struct keylist *l)
{
	for (int i = 0; i < l->n; i++) {
		put(b, "  ");
		esc(b, l->key[i]);
		put(b, "\n");
	}
	if (l->total > l->n)
		add(b, buf_printf(b, "  ... and %lld more: report.html, report.json and csv/findings.csv list "
				  "them all\n", l->total - l->n));
}

static void testcase(struct buf *b, const char *c_code, const char *cls, const char *name)
{
	put(b, "<testcase classname=\"sos-reconcile.");
	esc(b, c_code);
	if (cls) {
		put(b, ".");
		put(b, cls);
	}
	put(b, "\" name=\"");
	esc(b, name);
	put(b, "\" time=\"0\"");
}

/* The reason (type T, kind K, or new or aged) fired in V, or NULL. */
static const struct reason *fired(const struct verdict *v, int what, int t, int k)
{
	for (int i = 0; i < v->nreasons; i++) {
		const struct reason *re = &v->reasons[i];
		if (re->what == what && (what != REASON_CLASS || (re->type == t && (k < 0 || re->kind == k))))
			return re;
	}
	return NULL;
}

static void reason_text(struct buf *b, const struct reason *re, const struct thresholds *th)
{
	char name[64], desc[64];
	rule_describe(&re->rule, desc, sizeof desc);
	if (re->what == REASON_AGED)
		add(b, buf_printf(b, "sla_days: %lld finding%s open longer than the %ld-day SLA", re->count,
				  re->count == 1 ? "" : "s", th->sla_days));
	else
		add(b, buf_printf(b, "%s: %lld%s of %lld (%.1f%%) reached the threshold %s",
				  reason_rule(re, name, sizeof name), re->count,
				  re->what == REASON_NEW ? " new or reopened" : "", re->base,
				  re->base ? 100.0 * (double)re->count / (double)re->base : 100.0, desc));
}

struct tally {
	int tests, failures, errors, skipped;
};

/* One rule's testcase. */
static void rule_case(struct buf *b, struct tally *n, const struct run *run, const struct thresholds *th,
		      const struct verdict *v, const char *name, int off, const char *off_why,
		      const struct reason *re, const struct keylist *keys, const char *what)
{
	n->tests++;
	testcase(b, run->c_code, "rules", name);
	if (!v->decided || off) {
		n->skipped++;
		put(b, "><skipped message=\"");
		esc(b, !v->decided ? "not evaluated: the run reconciled nothing" : off_why);
		put(b, "\"/></testcase>\n");
		return;
	}
	if (!re) {
		if (!keys->total) {
			put(b, "/>\n");
			return;
		}
		add(b, buf_printf(b, "><system-out>%lld of the %s count toward the rule, below its threshold"
				  "</system-out></testcase>\n", keys->total, what));
		return;
	}
	n->failures++;
	put(b, "><failure type=\"significant\" message=\"");
	struct buf m = BUF_INIT(DOC_CAP);
	reason_text(&m, re, th);
	esc(b, m.data);
	buf_free(&m);
	add(b, buf_printf(b, "\">The %s that count toward the rule: %lld%s\n", what, keys->total,
			  keys->total > keys->n ? ", the first by key:" : ":"));
	key_list(b, keys);
	put(b, "</failure></testcase>\n");
}

static void write_cases(struct buf *b, struct tally *n, const struct run *run, const struct report *rep,
			const struct thresholds *th, const struct verdict *v)
{
	char name[64];
	/* the run itself */
	n->tests++;
	testcase(b, run->c_code, NULL, "run");
	if (v->decided) {
		put(b, "/>\n");
	} else {
		/* one error, the first failure's (it decided the exit status);
		 * the others in its text */
		n->errors++;
		const struct failure *f0 = &run->failures[0];
		put(b, "><error type=\"");
		put(b, run->suspect ? "suspect" : "incomplete");
		put(b, "\" message=\"");
		esc(b, f0->stage);
		add(b, buf_printf(b, " exited %d (%s): ", f0->exit, exit_meaning(f0->exit)));
		put(b, run->suspect ? "the run is SUSPECT, nothing is reported as missing"
				    : "the run is INCOMPLETE, nothing was reconciled");
		put(b, "\">");
		for (int i = 0; i < run->nfailures; i++) {
			const struct failure *f = &run->failures[i];
			esc(b, f->stage);
			add(b, buf_printf(b, " exited %d (%s):\n  ", f->exit, exit_meaning(f->exit)));
			esc(b, f->message);
			put(b, "\n  What to check: docs/RUNBOOK.md, &#8220;");
			esc(b, runbook_section(f->exit));
			put(b, "&#8221;\n");
		}
		put(b, "Every stage's messages are in run.log.\n</error>");
		put(b, "</testcase>\n");
	}
	/* the rules, in the order of report.json's thresholds */
	for (int t = 0; t < FT_NFINDINGS; t++)
		for (int k = 0; k < KIND_N; k++) {
			if ((t == FT_UNIDENTIFIED) != (k == KIND_UNIDENTIFIED))
				continue;
			const struct rule *r = &th->r[t][k];
			char what[80];
			snprintf(what, sizeof what, "%s findings", finding_type_names[t]);
			rule_case(b, n, run, th, v, rule_name(t, k, name, sizeof name),
				  !r->set_count && !r->set_percent, "the rule is off (thresholds)",
				  fired(v, REASON_CLASS, t, k), &rep->keys[t][k], what);
		}
	int history = rep->track && json_object_get_boolean(jget(rep->track, "history"));
	rule_case(b, n, run, th, v, "new", !history || (!th->new_findings.set_count && !th->new_findings.set_percent),
		  !history ? "no history: the findings are not tracked across runs (history.dir)"
			   : "the rule is off (thresholds.new)",
		  fired(v, REASON_NEW, 0, 0), &rep->fresh_keys, "new or reopened findings");
	rule_case(b, n, run, th, v, "sla_days", !history || th->sla_days <= 0,
		  !history ? "no history: the findings are not tracked across runs (history.dir)"
			   : "the rule is off (thresholds.sla_days)",
		  fired(v, REASON_AGED, 0, 0), &rep->aged_keys, "aged findings");
	/* the finding classes */
	for (int t = 0; t < FT_NFINDINGS; t++) {
		n->tests++;
		testcase(b, run->c_code, "findings", finding_type_names[t]);
		const struct keylist *keys = &rep->class_keys[t];
		if (!v->decided) {
			n->skipped++;
			put(b, "><skipped message=\"not evaluated: the run reconciled nothing\"/></testcase>\n");
			continue;
		}
		const struct reason *re = fired(v, REASON_CLASS, t, -1);
		if (!re) {
			if (keys->total)
				add(b, buf_printf(b, "><system-out>%lld finding%s (%s), below every threshold"
						  "</system-out></testcase>\n", keys->total, keys->total == 1 ? "" : "s",
						  finding_type_title((enum finding_type)t)));
			else
				put(b, "/>\n");
			continue;
		}
		n->failures++;
		add(b, buf_printf(b, "><failure type=\"significant\" message=\"%lld record%s %s: significant (",
				  keys->total, keys->total == 1 ? "" : "s", finding_type_phrase((enum finding_type)t)));
		for (int i = 0, first = 1; i < v->nreasons; i++)
			if (v->reasons[i].what == REASON_CLASS && v->reasons[i].type == t) {
				put(b, first ? "" : ", ");
				put(b, reason_rule(&v->reasons[i], name, sizeof name));
				first = 0;
			}
		add(b, buf_printf(b, ")\">%s; see report.html#%s:\n", finding_type_title((enum finding_type)t),
				  finding_type_names[t]));
		key_list(b, keys);
		put(b, "</failure></testcase>\n");
	}
}

void report_write_junit(FILE *out, const struct run *run, const struct report *rep,
			const struct thresholds *th, const struct verdict *v)
{
	struct buf cases = BUF_INIT(DOC_CAP), b = BUF_INIT(DOC_CAP);
	struct tally n = { 0, 0, 0, 0 };
	struct run r = *run;
	if (!r.c_code)
		r.c_code = "UNKNOWN";
	write_cases(&cases, &n, &r, rep, th, v);

	const char *started = run_started(run, rep);
	add(&b, buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			   "<!-- sos-reconcile report.junit.xml format %d (docs/FORMATS.md) -->\n"
			   "<testsuites name=\"sos-reconcile\" tests=\"%d\" failures=\"%d\" errors=\"%d\">\n",
			   JUNIT_FORMAT, n.tests, n.failures, n.errors));
	put(&b, "<testsuite name=\"sos-reconcile.");
	esc(&b, r.c_code);
	add(&b, buf_printf(&b, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"0\"", n.tests,
			   n.failures, n.errors, n.skipped));
	if (started) {
		/* Ant's form, which the junit plugin reads: no zone (it is UTC) */
		put(&b, " timestamp=\"");
		add(&b, markup_text(&b, started, strlen(started) == 20 && started[19] == 'Z' ? 19 : strlen(started)));
		put(&b, "\"");
	}
	put(&b, ">\n<properties>\n");
	property(&b, "c_code", r.c_code);
	if (started)
		property(&b, "started", started);
	if (run->accounts)
		property(&b, "accounts", run->accounts);
	property(&b, "status", v->decided ? "complete" : run->suspect ? "suspect" : "incomplete");
	property(&b, "verdict", !v->decided ? (run->suspect ? "suspect" : "incomplete")
				: v->significant ? "significant" : "not_significant");
	size_t nc;
	const struct soc2_control *c = soc2_controls(run->soc2, &nc);
	for (size_t i = 0; i < nc; i++) {
		struct buf name = BUF_INIT(0);
		buf_printf(&name, "soc2.control.%s", c[i].id);
		property(&b, name.data, c[i].text);
		buf_free(&name);
	}
	if (run->soc2->period_start) {
		struct buf p = BUF_INIT(0);
		buf_printf(&p, "%s to %s", run->soc2->period_start, run->soc2->period_end);
		property(&b, "soc2.period", p.data);
		buf_free(&p);
	}
	struct buf loc = BUF_INIT(0);
	soc2_location(&loc, run, rep);
	property(&b, "soc2.evidence_location", loc.data);
	buf_free(&loc);
	property(&b, "version", SOSR_VERSION);
	put(&b, "</properties>\n");
	out_write(out, b.data, b.len, "standard output");
	out_write(out, cases.data ? cases.data : "", cases.len, "standard output");
	out_write(out, "</testsuite>\n</testsuites>\n", 27, "standard output");
	out_check(out, "standard output");
	buf_free(&b);
	buf_free(&cases);
}
