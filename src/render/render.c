/*
 * sosr-render - turn a discrepancy stream into the report people read
 * (--format text), the report programs read (--format json), the page a
 * browser shows (--format html, with the stylesheet of --format css and a
 * trend drawn from the archive of runs) and the test results Jenkins
 * shows (--format junit), and decide whether the findings are significant.
 *
 *     sosr-diff softlayer.ndjson sos.ndjson | sosr-render --format text
 *
 * The input is the output of sosr-diff (docs/FORMATS.md, section 3): one
 * finding a line in key order, then the summary record as the last line.  A
 * stream without its summary, with a record after it, or whose records do
 * not add up to the summary's counts is refused (exit 7): a truncated
 * stream must never render as a short, clean-looking report.
 *
 * Memory does not grow with the stream: each finding is formatted as it is
 * read and spooled to an anonymous temporary file (one per finding type for
 * the text report, which groups by type; one for the JSON report), and the
 * spools are copied out after the header, which needs the summary.
 *
 * Significance (the verdict) is decided here, from the thresholds of
 * verdict.c; the exit status carries it: 0 not significant, 1 significant.
 * With --failure (an incomplete run) no stream is read and the report says
 * INCOMPLETE; the exit status is then 0 when the report was written.
 */
#include "render.h"

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "exitcodes.h"
#include "fileio.h"
#include "ndjson.h"
#include "output.h"
#include "summary.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

static const char usage_text[] =
	"Usage: sosr-render [OPTIONS] [FILE]\n"
	"       sosr-render [OPTIONS] --failure STAGE:CODE:MESSAGE...\n"
	"Render the discrepancy stream of sosr-diff (FILE, or standard input when\n"
	"FILE is absent or '-') as a report on standard output, and decide whether\n"
	"the findings are significant.\n"
	"\n"
	"Options:\n"
	"      --config FILE         the job's configuration: its thresholds, C_Code\n"
	"                            and SoftLayer accounts (flags win over it)\n"
	"  -f, --format FORMAT       text (default), json, html, junit, or css (the\n"
	"                            stylesheet report.html links to; reads no\n"
	"                            stream); docs/FORMATS.md\n"
	"  -t, --threshold RULE=SPEC when a finding class is significant; SPEC is\n"
	"                            COUNT, PERCENT%, COUNT,PERCENT% or off; RULE is\n"
	"                            TYPE or TYPE.KIND (e.g. mismatch.device=25,2%);\n"
	"                            repeatable, see sosr-render(1) for the defaults\n"
	"      --c-code CODE         the C_Code, for the header\n"
	"      --accounts LIST       the SoftLayer account ids, comma-separated\n"
	"      --started TIME        when the run started (UTC); default: the\n"
	"                            summary's \"now\"\n"
	"      --now TIME            the run's reference time, which names it in the\n"
	"                            archive; default: the summary's \"now\", else\n"
	"                            --started\n"
	"      --failure STAGE:CODE:MESSAGE\n"
	"                            the run is incomplete: STAGE exited with CODE,\n"
	"                            MESSAGE is its error; no stream is read;\n"
	"                            repeatable\n"
	"      --request-logs DIR    with --failure: the fetchers' request logs\n"
	"                            (DIR/softlayer.requests.ndjson, DIR/sos.requests\n"
	"                            .ndjson), for the ready-to-paste ticket of a\n"
	"                            failure that is the API's (config: tickets)\n"
	"      --alert STATUS        delivered, failed, not-configured or not-needed\n"
	"      --alert-detail TEXT   what was sent, or why it failed\n"
	"      --history DIR         the archive of runs (history.dir) the trend of\n"
	"                            the HTML report is drawn from\n"
	"      --html-rows N         list at most N findings of a type in the HTML\n"
	"                            report (default 10000; 0: all)\n"
	"      --output-dir DIR      write every report into DIR instead, from one\n"
	"                            read of the stream: report.json, report.txt,\n"
	"                            report.html, report.junit.xml and report.css\n"
	"      --color WHEN          auto (default: only on a terminal, never with\n"
	"                            NO_COLOR), always or never\n"
	"  -h, --help                show this help and exit\n"
	"  -V, --version             show the version and exit\n"
	"\n"
	"Exit status:\n"
	"  0  report written; nothing significant (or the run is incomplete)\n"
	"  1  report written; significant findings\n"
	"  2  usage error\n"
	"  7  invalid input: not NDJSON, no summary line, counts that do not add up\n"
	"  9  cannot read the input or write the report\n"
	"  10 internal error (out of memory)\n";

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'K' },
	{ "format", required_argument, NULL, 'f' },
	{ "threshold", required_argument, NULL, 't' },
	{ "c-code", required_argument, NULL, 'c' },
	{ "accounts", required_argument, NULL, 'a' },
	{ "started", required_argument, NULL, 's' },
	{ "now", required_argument, NULL, 'N' },
	{ "failure", required_argument, NULL, 'F' },
	{ "request-logs", required_argument, NULL, 'L' },
	{ "alert", required_argument, NULL, 'A' },
	{ "alert-detail", required_argument, NULL, 'D' },
	{ "history", required_argument, NULL, 'H' },
	{ "html-rows", required_argument, NULL, 'R' },
	{ "output-dir", required_argument, NULL, 'O' },
	{ "color", required_argument, NULL, 'C' },
	{ "colour", required_argument, NULL, 'C' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Parse "STAGE:CODE:MESSAGE". */
static void add_failure(struct run *run, const char *arg)
{
	const char *c1 = strchr(arg, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || c1 == arg)
		sosr_usage_error("--failure: '%s' is not STAGE:CODE:MESSAGE", arg);
	if (run->nfailures == MAX_FAILURES)
		sosr_usage_error("--failure: more than %d failures", MAX_FAILURES);
	char *code = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
	struct failure *f = &run->failures[run->nfailures++];
	f->exit = (int)cli_number(code, 0, 255, "--failure");
	free(code);
	f->stage = xstrndup(arg, (size_t)(c1 - arg));
	f->message = xstrdup(c2 + 1);
	if (f->exit == SOSR_EXIT_SUSPECT)
		run->suspect = 1;
}

/* The status of the alert, as the driver reports it after sosr-alert ran. */
static const char *const alert_statuses[] = {
	"delivered", "failed", "not-configured", "not-needed", NULL,
};

static int use_colour(const char *when)
{
	if (strcmp(when, "always") == 0)
		return 1;
	if (strcmp(when, "never") == 0)
		return 0;
	if (strcmp(when, "auto") != 0)
		sosr_usage_error("--color: '%s' is not auto, always or never", when);
	/* https://no-color.org: present and not empty disables colour. */
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return 0;
	return isatty(STDOUT_FILENO);
}

/* Check one record's shape and count it; returns its type index. */
static int classify(struct ndjson_reader *r, struct json_object *o, int *kind)
{
	const char *type = jget_str(o, "type");
	if (!type) {
		snprintf(r->err, sizeof r->err, "record has no \"type\" string; check that the input is the output of sosr-diff");
		return -1;
	}
	int t = finding_type_from_name(type, strlen(type));
	if (t < 0) {
		snprintf(r->err, sizeof r->err, "unknown record type '%.64s'; check that sosr-diff and sosr-render are the same version", type);
		return -1;
	}
	const char *k = jget_str(o, "kind");
	const char *key = jget_str(o, "key");
	if (!k || !key) {
		snprintf(r->err, sizeof r->err, "%s record without \"kind\" or \"key\"; check that the input is the output of sosr-diff", type);
		return -1;
	}
	*kind = kind_from_name(k, strlen(k));
	if (*kind < 0) {
		snprintf(r->err, sizeof r->err, "unknown kind '%.64s' in a %s record", k, type);
		return -1;
	}
	return t;
}

/* Report a stream error as "PROG: error: FILE:LINE: MESSAGE" and exit with
 * its code, after releasing what was read (so that a leak checker sees a
 * clean exit on every path). */
static void stream_die(struct ndjson_reader *r, struct report *reps, int nreps, struct json_object *o)
{
	int code = r->err_code ? r->err_code : SOSR_EXIT_DATA;
	sosr_error("%s:%lu: %s", r->name, r->lineno, r->err);
	json_object_put(o);
	for (int i = 0; i < nreps; i++)
		report_free(&reps[i]);
	ndjson_close(r);
	exit(code);
}

/* Read the stream to its summary, spooling every finding into each of
 * the NREPS reports (one a format: one pass makes them all). */
static void read_stream(const char *path, const struct thresholds *th, struct report *reps, int nreps)
{
	struct report *rep = &reps[0];
	struct ndjson_reader r;
	if (ndjson_open(&r, path, 0) < 0) {
		/* r.err is "cannot open: REASON", as sosr-normalize and sosr-diff say it */
		sosr_error("%s: %s; check the path of the discrepancy stream", path, r.err);
		ndjson_close(&r);
		exit(r.err_code);
	}
	char *line;
	size_t len;
	int rc;
	while ((rc = ndjson_next(&r, &line, &len)) == 1) {
		if (rep->summary) {
			snprintf(r.err, sizeof r.err, "record after the summary line; the summary must be the last line");
			r.err_code = SOSR_EXIT_DATA;
			stream_die(&r, reps, nreps, NULL);
		}
		struct json_object *o = ndjson_parse(&r, line, len);
		if (!o)
			stream_die(&r, reps, nreps, NULL);
		const char *type = jget_str(o, "type");
		if (type && strcmp(type, "summary") == 0) {
			if (!SUMMARY_FORMAT_OK(jget_count(o, "format"))) {
				snprintf(r.err, sizeof r.err, "summary of format %lld, this sosr-render reads formats 1 and 2; check the versions of sosr-diff and sosr-render",
					 jget_count(o, "format"));
				r.err_code = SOSR_EXIT_DATA;
				stream_die(&r, reps, nreps, o);
			}
			for (int i = 0; i < nreps; i++) {
				reps[i].summary = i ? json_object_get(o) : o;
				reps[i].summary_raw = xstrndup(line, len);
				reps[i].track = jget_obj(o, "track");
			}
			continue;
		}
		int kind;
		int t = classify(&r, o, &kind);
		if (t < 0) {
			r.err_code = SOSR_EXIT_DATA;
			stream_die(&r, reps, nreps, o);
		}
		for (int i = 0; i < nreps; i++)
			report_spool(&reps[i], th, t, kind, o, line, len);
		json_object_put(o);
	}
	if (rc < 0)
		stream_die(&r, reps, nreps, NULL);
	if (!rep->summary) {
		sosr_error("%s: no summary line at the end of the discrepancy stream (%lu lines): it was cut short; "
			   "check that sosr-diff finished and exited 0 or 1", r.name, r.lineno);
		for (int i = 0; i < nreps; i++)
			report_free(&reps[i]);
		ndjson_close(&r);
		exit(SOSR_EXIT_DATA);
	}
	ndjson_close(&r);
	if (report_check_counts(rep, path[0] == '-' && path[1] == '\0' ? "(stdin)" : path) < 0) {
		for (int i = 0; i < nreps; i++)
			report_free(&reps[i]);
		exit(SOSR_EXIT_DATA);
	}
}

/* --output-dir: every report of the run, each written whole under a
 * temporary name and renamed into DIR, with the same data and verdict. */
static const struct {
	enum fmt fmt;
	const char *name;
} dir_reports[] = {
	{ FMT_JSON, "report.json" }, { FMT_TEXT, "report.txt" }, { FMT_HTML, "report.html" },
	{ FMT_JUNIT, "report.junit.xml" }, { FMT_CSS, "report.css" },
};
#define N_DIR_REPORTS ((int)(sizeof dir_reports / sizeof *dir_reports))
#define N_STREAM_REPORTS (N_DIR_REPORTS - 1)    /* all but the stylesheet */

static void write_report(const char *dir, int i, const struct run *run, const struct report *rep,
			 const struct thresholds *th, const struct verdict *v)
{
	struct buf path = BUF_INIT(0);
	buf_printf(&path, "%s/%s", dir, dir_reports[i].name);
	char *tmp;
	FILE *f = fileio_stream_open(path.data, &tmp);
	if (!f)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create '%s'; check the directory and free space", tmp);
	switch (dir_reports[i].fmt) {
	case FMT_JSON: report_write_json(f, run, rep, th, v); break;
	case FMT_TEXT: report_write_text(f, run, rep, th, v); break;
	case FMT_HTML: report_write_html(f, run, rep, th, v); break;
	case FMT_JUNIT: report_write_junit(f, run, rep, th, v); break;
	case FMT_CSS: report_write_css(f); break;
	}
	if (fileio_stream_commit(f, tmp, path.data) < 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot write '%s'; check free space", path.data);
	free(tmp);
	buf_free(&path);
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();

	struct run run;
	memset(&run, 0, sizeof run);
	enum fmt fmt = FMT_TEXT;
	int fmt_given = 0;
	const char *colour = "auto", *output_dir = NULL;
	const char *history = NULL, *request_logs = NULL;
	long long html_rows = HTML_DEFAULT_ROWS;
	/* --threshold flags apply over the configuration's rules, whatever
	 * the order on the command line: kept until the file is read */
	const char *config_path = NULL;
	char **rules = xcalloc((size_t)argc, sizeof *rules);
	int nrules = 0;

	int c;
	while ((c = cli_getopt(argc, argv, "f:t:hV", longopts)) != -1) {
		switch (c) {
		case 'K':
			config_path = optarg;
			break;
		case 'f':
			fmt_given = 1;
			if (strcmp(optarg, "text") == 0)
				fmt = FMT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else if (strcmp(optarg, "html") == 0)
				fmt = FMT_HTML;
			else if (strcmp(optarg, "junit") == 0)
				fmt = FMT_JUNIT;
			else if (strcmp(optarg, "css") == 0)
				fmt = FMT_CSS;
			else
				sosr_usage_error("--format: '%s' is not text, json, html, junit or css", optarg);
			break;
		case 't':
			rules[nrules++] = optarg;
			break;
		case 'c':
			if (!*optarg)
				sosr_usage_error("--c-code: empty");
			run.c_code = optarg;
			break;
		case 'a':
			run.accounts = optarg;
			break;
		case 's':
			run.started = optarg;
			break;
		case 'N':
			cli_time(optarg, "--now");
			run.now = optarg;
			break;
		case 'F':
			add_failure(&run, optarg);
			break;
		case 'L':
			if (!*optarg)
				sosr_usage_error("--request-logs: empty directory name");
			request_logs = optarg;
			break;
		case 'A': {
			int ok = 0;
			for (int i = 0; alert_statuses[i]; i++)
				ok |= strcmp(optarg, alert_statuses[i]) == 0;
			if (!ok)
				sosr_usage_error("--alert: '%s' is not delivered, failed, not-configured or not-needed", optarg);
			run.alert_status = optarg;
			break;
		}
		case 'D':
			run.alert_detail = optarg;
			break;
		case 'H':
			if (!*optarg)
				sosr_usage_error("--history: empty directory name");
			history = optarg;
			break;
		case 'R':
			html_rows = cli_number(optarg, 0, RULE_MAX_COUNT, "--html-rows");
			break;
		case 'C':
			colour = optarg;
			break;
		case 'O':
			if (!*optarg)
				sosr_usage_error("--output-dir: empty directory name");
			output_dir = optarg;
			break;
		case 'h':
			cli_help(usage_text);
		case 'V':
			cli_version();
		}
	}
	struct config cfg;
	config_init(&cfg);
	if (config_path)
		config_load(config_path, &cfg);
	struct thresholds th = cfg.thresholds;
	for (int i = 0; i < nrules; i++)
		thresholds_parse(&th, rules[i]);
	free(rules);
	if (!run.c_code)
		run.c_code = cfg.c_code;
	run.soc2 = &cfg.soc2;
	run.history = history ? history : cfg.history.dir;
	struct buf accounts = BUF_INIT(0);
	if (!run.accounts && cfg.sl.n_accounts) {
		for (size_t i = 0; i < cfg.sl.n_accounts; i++)
			buf_printf(&accounts, "%s%s", i ? "," : "", cfg.sl.accounts[i].id);
		run.accounts = accounts.data;
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		sosr_usage_error("too many operands; sosr-render reads one stream");
	if (run.nfailures && argc == 1)
		sosr_usage_error("'%s': an incomplete run (--failure) has no discrepancy stream to read", argv[0]);
	if (output_dir && fmt_given)
		sosr_usage_error("--format and --output-dir: the directory gets every format");
	if (fmt == FMT_CSS && !output_dir) {
		/* the same bytes for every run: the page's look is not evidence */
		if (argc == 1)
			sosr_usage_error("'%s': --format css reads no stream", argv[0]);
		report_write_css(stdout);
		out_close_stdout();
		config_free(&cfg);
		buf_free(&accounts);
		return SOSR_EXIT_OK;
	}
	/* a file is never coloured: only a terminal is */
	run.colour = fmt == FMT_TEXT && !output_dir && use_colour(colour);

	struct report reps[N_DIR_REPORTS];
	int nreps = output_dir ? N_STREAM_REPORTS : 1;
	for (int i = 0; i < nreps; i++) {
		report_init(&reps[i], output_dir ? dir_reports[i].fmt : fmt);
		reps[i].html_rows = html_rows;
	}
	if (!run.nfailures)
		read_stream(argc == 1 ? argv[0] : "-", &th, reps, nreps);
	else
		tickets_build(&run, &cfg.tickets, request_logs);
	struct verdict v;
	verdict_decide(&v, &th, &reps[0], run.nfailures > 0);

	if (output_dir) {
		for (int i = 0; i < N_DIR_REPORTS; i++)
			write_report(output_dir, i, &run, &reps[i < nreps ? i : 0], &th, &v);
	} else if (fmt == FMT_JSON) {
		report_write_json(stdout, &run, &reps[0], &th, &v);
	} else if (fmt == FMT_HTML) {
		report_write_html(stdout, &run, &reps[0], &th, &v);
	} else if (fmt == FMT_JUNIT) {
		report_write_junit(stdout, &run, &reps[0], &th, &v);
	} else {
		report_write_text(stdout, &run, &reps[0], &th, &v);
	}
	out_close_stdout();

	int code = v.significant ? SOSR_EXIT_FINDINGS : SOSR_EXIT_OK;
	for (int i = 0; i < nreps; i++)
		report_free(&reps[i]);
	buf_free(&accounts);
	config_free(&cfg);
	for (int i = 0; i < run.nfailures; i++) {
		free(run.failures[i].stage);
		free(run.failures[i].message);
	}
	json_object_put(run.tickets);
	return code;
}
