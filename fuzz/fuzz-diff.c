/*
 * fuzz-diff - libFuzzer harness for sosr-diff: two small canonical streams
 * through the real program.
 *
 * The input is the SoftLayer stream, a NUL byte, the SOS stream.  Both are
 * written to memfds and sosr-diff's main (renamed away; diff.c is compiled
 * into the harness so that its static state can be reset) runs on them
 * with a fixed --now, its standard output in a third memfd.  Bad input ends
 * in sosr_die(); fuzz-guard.h turns that exit into a return, and the
 * status must be 7 (invalid input): 10 would be the "this is a bug" path.
 * When the run returns, its status is 0 or 1, and every output line is a
 * strict JSON object, the last the summary.
 *
 * Every input runs twice: with the key alone (--no-fallback), and with the
 * default identities (the identity passes over the records the key left
 * unpaired, the staging of the merge-join's findings in a temporary file,
 * and their merge at the end); the same checks hold for both.
 *
 * The fast path.  diff compares the compared spans of a pair as bytes and
 * parses the records only when the spans differ.  For every pair of lines
 * (one per side, and each line with itself) that frame, parse and have
 * the same key, the harness checks that equal spans mean every compared
 * field parses equal: the fast path never says "equal" where the parsed
 * comparison finds a difference.
 */
// fuzz-sources: -Dmain=sosr_diff_main -Dexit=fuzz_exit -Dfopen=fuzz_fopen
#include "fuzz-guard.h"
#include "fuzz-memfd.h"
#include "../src/diff/diff.c"

#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 32

static int fd_sl, fd_so, fd_out;
static FILE *devnull;   /* stdout between runs */
static char path_sl[40], path_so[40];
static int status;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_guard_init();
	fd_sl = fuzz_memfd("sl", path_sl, sizeof path_sl);
	fd_so = fuzz_memfd("so", path_so, sizeof path_so);
	fd_out = fuzz_memfd("out", NULL, 0);
	devnull = stdout = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	return 0;
}

/* sosr-diff's standard output: the output memfd, emptied.  Opened outside
 * the guarded call (main closes it when it returns; after a die the
 * harness does). */
static void open_out(void)
{
	fuzz_stdout_to(fd_out);
}

/* One run of sosr-diff from a clean state; FALLBACK: with its default
 * identities, else --no-fallback. */
static int fallback;

static void run(void)
{
	memset(&D, 0, sizeof D);
	optind = 0;
	char *argv[] = { "sosr-diff", "--now", "2026-11-26T00:00:00Z", path_sl, path_so, NULL, NULL };
	if (!fallback) {
		argv[5] = argv[4];
		argv[4] = argv[3];
		argv[3] = "--no-fallback";
	}
	status = sosr_diff_main(fallback ? 5 : 6, argv);
	stdout = devnull;       /* main closed its stdout */
}

static void check_output(void)
{
	off_t n = lseek(fd_out, 0, SEEK_END);
	char *text = malloc((size_t)n + 1);
	if (!text || pread(fd_out, text, (size_t)n, 0) != n)
		abort();
	text[n] = '\0';
	if (n == 0 || text[n - 1] != '\n')
		abort();
	struct ndjson_reader r;
	FILE *fp = fmemopen(text, (size_t)n, "rb");
	ndjson_open_fp(&r, fp, "diff-output", 1u << 24);
	char *line;
	size_t len;
	int is_summary = 0;
	while (ndjson_next(&r, &line, &len) > 0) {
		struct json_object *o = ndjson_parse(&r, line, len), *t;
		if (!o) {
			fprintf(stderr, "fuzz-diff: output line is not JSON: %s: %s\n", r.err, line);
			abort();
		}
		is_summary = json_object_object_get_ex(o, "type", &t) &&
			     strcmp(json_object_get_string(t), "summary") == 0;
		json_object_put(o);
	}
	if (r.err[0] || !is_summary)
		abort();
	ndjson_close(&r);
	fclose(fp);
	free(text);
}

struct rec {
	const char *line;
	size_t len;
	struct canon_frame f;
	struct json_object *o;
};

/* The lines of one stream that frame and parse (strict JSON objects). */
static size_t records(char *s, size_t n, struct rec *out, struct ndjson_reader *r)
{
	size_t k = 0;
	char *p = s, *end = s + n;
	while (p < end && k < MAX_LINES) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *why;
		struct rec *x = &out[k];
		x->line = p;
		x->len = len;
		if (canon_frame(p, len, &x->f, &why) == 0 && x->f.kind != KIND_UNIDENTIFIED) {
			char save = p[len];
			p[len] = '\0';
			x->o = ndjson_parse(r, p, len);
			p[len] = save;
			if (x->o)
				k++;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return k;
}

/* Whether compared member NAME is laid out as canonical records lay it
 * out: absent, or once and inside the compared span.  A '"' inside a JSON
 * string is always escaped, so "NAME": can only be a member name. */
static int in_layout(const struct rec *x, const char *name)
{
	char pat[80];
	int n = snprintf(pat, sizeof pat, "\"%s\":", name);
	const char *p = memmem(x->line, x->len, pat, (size_t)n);
	if (!p)
		return 1;
	if (memmem(p + n, x->len - (size_t)(p + n - x->line), pat, (size_t)n))
		return 0;
	return p > x->f.span && p < x->f.span + x->f.span_len;
}

static void check_pair(const struct rec *a, const struct rec *b)
{
	if (a->f.kind != b->f.kind || a->f.key_len != b->f.key_len ||
	    memcmp(a->f.key, b->f.key, a->f.key_len) != 0)
		return;
	if (a->f.span_len != b->f.span_len || memcmp(a->f.span, b->f.span, a->f.span_len) != 0)
		return;
	/* The fast path is sound for the layout of canonical records: a
	 * compared member twice (the span holds the first, json-c keeps the
	 * last), or after "source" (outside the span), is out of contract, and
	 * sosr-diff does not check it.  Reported in docs/RELIABILITY.md. */
	for (int i = 0; i < D.ncompare[a->f.kind]; i++)
		if (!in_layout(a, D.compare[a->f.kind][i]) || !in_layout(b, D.compare[a->f.kind][i]))
			return;
	for (int i = 0; i < D.ncompare[a->f.kind]; i++) {
		struct json_object *va = NULL, *vb = NULL;
		json_object_object_get_ex(a->o, D.compare[a->f.kind][i], &va);
		json_object_object_get_ex(b->o, D.compare[a->f.kind][i], &vb);
		if (json_object_is_type(va, json_type_null))
			va = NULL;
		if (json_object_is_type(vb, json_type_null))
			vb = NULL;
		if (!same_value(va, vb)) {
			fprintf(stderr, "fuzz-diff: equal spans, different '%s':\n  %.*s\n  %.*s\n",
				D.compare[a->f.kind][i], (int)a->len, a->line, (int)b->len, b->line);
			abort();
		}
	}
}

static void check_fast_path(const uint8_t *data, size_t size, size_t cut)
{
	/* the default compare lists, as main sets them */
	memset(&D, 0, sizeof D);
	for (int k = 0; k < KIND_UNIDENTIFIED; k++) {
		char spec[128];
		snprintf(spec, sizeof spec, "%s:%s", kind_names[k],
			 canon_default_compare((enum item_kind)k));
		set_compare(spec);
	}
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	static struct rec a[MAX_LINES], b[MAX_LINES];
	struct ndjson_reader r;
	static char empty[1];
	FILE *fp = fmemopen(empty, 1, "rb");
	ndjson_open_fp(&r, fp, "fuzz-check", 1u << 24);
	size_t na = records(copy, cut, a, &r);
	size_t nb = cut < size ? records(copy + cut + 1, size - cut - 1, b, &r) : 0;
	for (size_t i = 0; i < na; i++) {
		check_pair(&a[i], &a[i]);
		for (size_t j = 0; j < nb; j++)
			check_pair(&a[i], &b[j]);
	}
	for (size_t j = 0; j < nb; j++)
		check_pair(&b[j], &b[j]);
	for (size_t i = 0; i < na; i++)
		json_object_put(a[i].o);
	for (size_t j = 0; j < nb; j++)
		json_object_put(b[j].o);
	ndjson_close(&r);
	fclose(fp);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t cut = nul ? (size_t)(nul - data) : size;
	fuzz_put(fd_sl, data, cut);
	fuzz_put(fd_so, nul ? nul + 1 : data, nul ? size - cut - 1 : 0);

	for (fallback = 0; fallback < 2; fallback++) {
		open_out();
		if (FUZZ_GUARDED(open_out(), run())) {
			/* the blocks of the run were freed: so was scratch's */
			scratch = (struct buf)BUF_INIT(DIFF_MAX_LINE);
			fclose(stdout);
			stdout = devnull;
			if (fuzz_status != SOSR_EXIT_DATA) {
				fprintf(stderr, "fuzz-diff: refused with exit %d, not 7 (%s)\n", fuzz_status,
					fallback ? "the default identities" : "--no-fallback");
				abort();
			}
		} else {
			if (status != 0 && status != 1)
				abort();
			check_output();
		}
	}
	check_fast_path(data, size, cut);
	return 0;
}
