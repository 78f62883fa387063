/*
 * sosr-csv - the populations and the findings of a run as CSV, for the
 * auditor who samples from a spreadsheet (csv/softlayer.csv, csv/sos.csv,
 * csv/findings.csv in the run directory).
 *
 *     sosr-csv records softlayer.ndjson >csv/softlayer.csv
 *     sosr-csv records sos.ndjson >csv/sos.csv
 *     sosr-csv findings discrepancies.ndjson >csv/findings.csv
 *
 * `records` reads canonical records (docs/FORMATS.md, section 2) and
 * writes one row per record, every field in a fixed column; a member that
 * is not a field of a canonical record is refused (exit 7), because a
 * population with a column silently dropped is not the population.
 * `findings` reads a discrepancy or tracked findings stream (sections 3,
 * 3b) and writes one row per record but the summary, whose counts it
 * checks, as sosr-render does: the rows of each type are the counts of
 * report.json.  Rows are in the stream's order (key order), so the same
 * input gives the same bytes.  The file format (csv.h, docs/FORMATS.md
 * "csv/"): RFC 4180, UTF-8, a header row, CRLF, formula injection
 * neutralised.
 *
 * One line of input is parsed at a time (json-c), one row is written:
 * memory does not grow with the stream.
 */
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "csv.h"
#include "err.h"
#include "exitcodes.h"
#include "fileio.h"
#include "finding.h"
#include "jsondoc.h"
#include "ndjson.h"
#include "output.h"
#include "summary.h"
#include "explain.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#define ROW_CAP (64u << 20)

static const char usage_text[] =
	"Usage: sosr-csv [OPTIONS] records [FILE]\n"
	"       sosr-csv [OPTIONS] findings [FILE]\n"
"       sosr-csv [OPTIONS] --output-dir DIR SOFTLAYER SOS FINDINGS\n"
	"Write a run's canonical records (records: softlayer.ndjson, sos.ndjson) or its\n"
	"findings (findings: the stream of sosr-diff or sosr-track) as CSV on standard\n"
	"output, for a spreadsheet: RFC 4180, UTF-8, a header row, and every value that\n"
	"a spreadsheet would run as a formula (starting with = + - @, a tab or CR) or\n"
	"that starts with ' written with a ' before it (docs/FORMATS.md, \"csv/\").\n"
	"FILE is read, or standard input when it is absent or '-'.\n"
	"\n"
	"Options:\n"
	"      --config FILE  the job's configuration (checked; sosr-csv has no settings)\n"
"      --output-dir DIR  write DIR/softlayer.csv, DIR/sos.csv and\n"
"                     DIR/findings.csv from the three files (a run's csv/)\n"
	"  -h, --help         show this help and exit\n"
	"  -V, --version      show the version and exit\n"
	"\n"
	"Exit status:\n"
	"  0  the CSV was written\n"
	"  2  usage error\n"
	"  7  invalid input: not NDJSON, a field that is not a canonical record's, a\n"
	"     findings stream without its summary or whose counts do not add up\n"
	"  9  cannot read the input or write the CSV\n"
	"  10 internal error (out of memory)\n";

/* The columns of a population: identity, provenance, the compared fields,
 * then the rest (docs/FORMATS.md, section 2, every field of any kind). */
static const char *const record_columns[] = {
	"key", "kind", "source", "account", "c_code", "id", "fqdn", "hostname", "domain",
	"private_ip", "public_ip", "datacenter", "serial", "device_type", "number", "router",
	"space", "name", "status", "created", "updated", "application", "environment",
	"scan_zone", "reason", "raw_type", NULL,
};

static const char *const finding_columns[] = {
	"id", "type", "class", "kind", "key", "side", "status", "first_seen", "last_seen",
	"age_days", "runs", "aged", "exception", "exception_ticket", "exception_expires",
	"softlayer_account", "softlayer_id", "sos_c_code", "sos_id", "differences", "detail", NULL,
};

static void add(int rc)
{
	if (rc < 0)
		sosr_die(SOSR_EXIT_DATA, "a row is longer than %u bytes; check the input", ROW_CAP);
}

static void header(struct buf *b, const char *const *cols)
{
	for (size_t i = 0; cols[i]; i++)
		add(csv_str(b, i == 0, cols[i]));
	add(csv_end(b));
}

/* A scalar as the text of a cell: a string as it is, a number or a
 * boolean as JSON writes it, null or absent as an empty cell.  -1 for an
 * object or an array. */
static int scalar(struct buf *b, int first, struct json_object *v)
{
	if (!v || json_object_is_type(v, json_type_null)) {
		add(csv_field(b, first, "", 0));
	} else if (json_object_is_type(v, json_type_string)) {
		add(csv_field(b, first, json_object_get_string(v), (size_t)json_object_get_string_len(v)));
	} else if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ||
		   json_object_is_type(v, json_type_boolean)) {
		add(csv_str(b, first, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)));
	} else {
		return -1;
	}
	return 0;
}

static void die_at(struct ndjson_reader *r, struct json_object *o, const char *msg)
{
	snprintf(r->err, sizeof r->err, "%s", msg);
	r->err_code = SOSR_EXIT_DATA;
	json_object_put(o);
	ndjson_die(r);
}

/* ---- records ---- */

static void record_row(struct ndjson_reader *r, struct json_object *o, struct buf *b)
{
	char msg[300];
	json_object_object_foreach(o, name, val) {
		size_t i = 0;
		while (record_columns[i] && strcmp(record_columns[i], name) != 0)
			i++;
		if (!record_columns[i]) {
			snprintf(msg, sizeof msg, "'%.64s' is not a field of a canonical record (docs/FORMATS.md, "
				 "section 2); check that the input is sosr-normalize's output, of the same version",
				 name);
			die_at(r, o, msg);
		}
		(void)val;
	}
	if (!jget_str(o, "key") || !jget_str(o, "kind") || !jget_str(o, "source"))
		die_at(r, o, "a record without \"key\", \"kind\" or \"source\"; check that the input is "
			     "sosr-normalize's output");
	for (size_t i = 0; record_columns[i]; i++)
		if (scalar(b, i == 0, jget(o, record_columns[i])) < 0) {
			snprintf(msg, sizeof msg, "the field '%s' is an object or an array, not a value; check "
				 "that the input is sosr-normalize's output", record_columns[i]);
			die_at(r, o, msg);
		}
	add(csv_end(b));
}

/* ---- findings ---- */

/* "name: softlayer X, sos Y; ..." of a mismatch's fields. */
static void differences(struct buf *d, struct json_object *o)
{
	struct json_object *fields = jget_array(o, "fields");
	for (size_t i = 0; fields && i < json_object_array_length(fields); i++) {
		struct json_object *f = json_object_array_get_idx(fields, i);
		static const char *const sides[] = { "softlayer", "sos" };
		add(buf_printf(d, "%s%s:", i ? "; " : "", jget_str(f, "field") ? jget_str(f, "field") : "?"));
		for (int s = 0; s < 2; s++) {
			struct json_object *v = jget(f, sides[s]);
			add(buf_printf(d, "%s %s ", s ? "," : "", sides[s]));
			if (!v || json_object_is_type(v, json_type_null))
				add(buf_addstr(d, "absent"));
			else if (json_object_is_type(v, json_type_string))
				add(buf_add(d, json_object_get_string(v), (size_t)json_object_get_string_len(v)));
			else
				add(buf_addstr(d, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)));
		}
	}
}

static void value_text(struct buf *d, struct json_object *v)
{
	if (!v || json_object_is_type(v, json_type_null))
		add(buf_addstr(d, "absent"));
	else if (json_object_is_type(v, json_type_string))
		add(buf_add(d, json_object_get_string(v), (size_t)json_object_get_string_len(v)));
	else
		add(buf_addstr(d, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)));
}

static void detail(struct buf *d, int type, struct json_object *o)
{
	switch (type) {
	case FT_DUPLICATE:
		add(buf_printf(d, "%lld records on %s, %lld on the other side", jget_count(o, "count"),
			       jget_str(o, "side") ? jget_str(o, "side") : "?",
			       jget_count(o, "other_count") > 0 ? jget_count(o, "other_count") : 0));
		break;
	case FT_UNIDENTIFIED:
		add(buf_addstr(d, "reason: "));
		value_text(d, jget(o, "reason"));
		break;
	case FT_PENDING:
		add(buf_printf(d, "%lld hours old, within the grace period", jget_count(o, "age_hours")));
		break;
	case FT_EXCLUDED:
		add(buf_addstr(d, "SOS status "));
		value_text(d, jget(o, "status"));
		break;
	case FT_RESOLVED:
		add(buf_addstr(d, "was "));
		value_text(d, jget(o, "finding"));
		add(buf_addstr(d, "; resolved "));
		value_text(d, jget(o, "resolved"));
		break;
	default:
		break;
	}
	/* the match explanation of sosr-diff with identities (none in format 1) */
	struct buf ex = BUF_INIT(ROW_CAP);
	add(explain_pair(&ex, o));
	add(explain_unpaired(&ex, o));
	if (ex.len) {
		add(buf_addstr(d, d->len ? "; " : ""));
		add(buf_add(d, ex.data, ex.len));
	}
	buf_free(&ex);
	struct json_object *ch = jget_array(o, "changed");
	for (size_t i = 0; ch && i < json_object_array_length(ch); i++) {
		struct json_object *c = json_object_array_get_idx(ch, i), *was = jget_obj(c, "was");
		add(buf_addstr(d, d->len ? "; changed since the last run: " : "changed since the last run: "));
		value_text(d, jget(c, "field"));
		add(buf_addstr(d, " was softlayer "));
		value_text(d, jget(was, "softlayer"));
		add(buf_addstr(d, ", sos "));
		value_text(d, jget(was, "sos"));
	}
}

/* The ids of a side's record(s): one record, or a duplicate's records. */
static void side_ids(struct buf *b, struct json_object *o, const char *side, const char *owner)
{
	struct buf a = BUF_INIT(ROW_CAP), i = BUF_INIT(ROW_CAP);
	struct json_object *recs = NULL, *one = jget_obj(o, side);
	const char *s = jget_str(o, "side");
	if (!one && s && strcmp(s, side) == 0) {
		one = jget_obj(o, "record"); /* unidentified */
		recs = jget_array(o, "records"); /* duplicate */
	}
	size_t n = recs ? json_object_array_length(recs) : one ? 1 : 0;
	for (size_t k = 0; k < n; k++) {
		struct json_object *rec = recs ? json_object_array_get_idx(recs, k) : one;
		const char *ov = jget_str(rec, owner), *id = jget_str(rec, "id");
		/* a duplicate's records share the owner, mostly: each once */
		if (ov && !(a.len && strcmp(a.data, ov) == 0)) {
			if (a.len)
				add(buf_addch(&a, ' '));
			add(buf_addstr(&a, ov));
		}
		if (id) {
			if (i.len)
				add(buf_addch(&i, ' '));
			add(buf_addstr(&i, id));
		}
	}
	add(csv_field(b, 0, a.data ? a.data : "", a.len));
	add(csv_field(b, 0, i.data ? i.data : "", i.len));
	buf_free(&a);
	buf_free(&i);
}

static void finding_row(struct json_object *o, int type, struct buf *b)
{
	const char *key = jget_str(o, "key"), *side = jget_str(o, "side");
	struct buf id = BUF_INIT(ROW_CAP), d = BUF_INIT(ROW_CAP);
	add(finding_anchor(&id, (enum finding_type)type, jget_str(o, "finding"), side, key, strlen(key)));
	add(csv_field(b, 1, id.data, id.len));
	add(csv_str(b, 0, finding_type_names[type]));
	add(csv_str(b, 0, type < FT_NFINDINGS ? "finding" : "informational"));
	add(csv_str(b, 0, jget_str(o, "kind")));
	add(csv_field(b, 0, key, strlen(key)));
	add(csv_str(b, 0, side));
	int life = type < FT_NFINDINGS || type == FT_RESOLVED;
	static const char *const lifecycle[] = { "status", "first_seen", "last_seen", "age_days", "runs",
						 "aged", NULL };
	for (size_t i = 0; lifecycle[i]; i++)
		/* an excluded record's "status" is SOS's, shown in detail */
		scalar(b, 0, life ? jget(o, lifecycle[i]) : NULL);
	struct json_object *ex = jget_obj(o, "exception");
	add(csv_str(b, 0, jget_str(ex, "id")));
	add(csv_str(b, 0, jget_str(ex, "ticket")));
	add(csv_str(b, 0, jget_str(ex, "expires")));
	side_ids(b, o, "softlayer", "account");
	side_ids(b, o, "sos", "c_code");
	if (type == FT_MISMATCH)
		differences(&d, o);
	add(csv_field(b, 0, d.data ? d.data : "", d.len));
	buf_reset(&d);
	detail(&d, type, o);
	add(csv_field(b, 0, d.data ? d.data : "", d.len));
	add(csv_end(b));
	buf_free(&id);
	buf_free(&d);
}

/* ---- main ---- */

static void run(const char *path, int findings, FILE *out, const char *out_name)
{
	struct ndjson_reader r;
	if (ndjson_open(&r, path, 0) < 0) {
		sosr_error("%s: %s; check the path of the %s", path, r.err,
			   findings ? "findings stream" : "canonical records");
		int code = r.err_code;
		ndjson_close(&r);
		exit(code);
	}
	struct buf b = BUF_INIT(ROW_CAP);
	header(&b, findings ? finding_columns : record_columns);
	struct json_object *summary = NULL;
	long long count[FT_N] = { 0 };
	char *line;
	size_t len;
	int rc;
	while ((rc = ndjson_next(&r, &line, &len)) == 1) {
		if (summary)
			die_at(&r, summary, "record after the summary line; the summary must be the last line");
		struct json_object *o = ndjson_parse(&r, line, len);
		if (!o)
			ndjson_die(&r);
		if (!findings) {
			record_row(&r, o, &b);
		} else {
			const char *type = jget_str(o, "type");
			if (type && strcmp(type, "summary") == 0) {
				if (!SUMMARY_FORMAT_OK(jget_count(o, "format")))
					die_at(&r, o, "a summary of another format; check the versions of sosr-diff "
						      "and sosr-csv");
				summary = o;
				continue;
			}
			int t = type ? finding_type_from_name(type, strlen(type)) : -1;
			if (t < 0 || !jget_str(o, "key") || !jget_str(o, "kind"))
				die_at(&r, o, "not a record of a findings stream (no known \"type\", or no \"kind\" or "
					      "\"key\"); check that the input is sosr-diff's or sosr-track's output");
			count[t]++;
			finding_row(o, t, &b);
		}
		json_object_put(o);
		if (b.len >= (1u << 16)) {
			out_write(out, b.data, b.len, out_name);
			buf_reset(&b);
		}
	}
	if (rc < 0)
		ndjson_die(&r);
	if (findings) {
		char why[300];
		int bad = 0;
		if (!summary) {
			sosr_error("%s: no summary line at the end of the findings stream (%lu lines): it was cut "
				   "short; check that sosr-diff (or sosr-track) finished", r.name, r.lineno);
			bad = 1;
		} else if (summary_check_counts(summary, count, why, sizeof why) < 0) {
			sosr_error("%s: %s", r.name, why);
			bad = 1;
		}
		json_object_put(summary);
		if (bad) {
			/* released first, so that a leak checker sees a clean exit */
			ndjson_close(&r);
			buf_free(&b);
			exit(SOSR_EXIT_DATA);
		}
	}
	ndjson_close(&r);
	out_write(out, b.data ? b.data : "", b.len, out_name);
	buf_free(&b);
}

/* --output-dir: the three files of csv/, each written whole under a
 * temporary name and renamed into DIR. */
static void run_dir(const char *dir, char **operands)
{
	static const char *const names[3] = { "softlayer.csv", "sos.csv", "findings.csv" };
	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create '%s'; check the directory above it", dir);
	for (int i = 0; i < 3; i++) {
		struct buf path = BUF_INIT(0);
		buf_printf(&path, "%s/%s", dir, names[i]);
		char *tmp;
		FILE *f = fileio_stream_open(path.data, &tmp);
		if (!f)
			sosr_die_errno(SOSR_EXIT_IO, "cannot create '%s'; check free space", tmp);
		run(operands[i], i == 2, f, path.data);
		if (fileio_stream_commit(f, tmp, path.data) < 0)
			sosr_die_errno(SOSR_EXIT_IO, "cannot write '%s'; check free space", path.data);
		free(tmp);
		buf_free(&path);
	}
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'K' },
		{ "output-dir", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL, *output_dir = NULL;
	int c;
	while ((c = cli_getopt(argc, argv, "hV", longopts)) != -1) {
		switch (c) {
		case 'K':
			config_path = optarg;
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
	if (config_path) {
		struct config cfg;
		config_load(config_path, &cfg);
		config_free(&cfg);
	}
	argc -= optind;
	argv += optind;
	if (output_dir) {
		if (argc != 3)
			sosr_usage_error("--output-dir: expected three files: softlayer.ndjson, sos.ndjson and the "
					 "findings stream");
		run_dir(output_dir, argv);
		out_close_stdout();
		return SOSR_EXIT_OK;
	}
	if (argc < 1)
		sosr_usage_error("a command is required: records or findings");
	int findings = strcmp(argv[0], "findings") == 0;
	if (!findings && strcmp(argv[0], "records") != 0)
		sosr_usage_error("'%s' is not a command; use records or findings", argv[0]);
	if (argc > 2)
		sosr_usage_error("too many operands; sosr-csv reads one file");
	run(argc == 2 ? argv[1] : "-", findings, stdout, "standard output");
	out_close_stdout();
	return SOSR_EXIT_OK;
}
