/*
 * fuzz-normalize - libFuzzer harness for sosr-normalize's record mapping:
 * convert() (src/normalize/normalize.h), one raw record line to one
 * canonical line or a refusal, with the default mapping and one default
 * domain, keyed by fqdn and by id.
 *
 * The input is a few raw record lines (split at '\n', as the stage's reader
 * splits them).  For every line that converts, the canonical line must be
 * what sosr-diff relies on (canon.h): one line, strict JSON, a frame that
 * canon_frame() reads, the key bytes where convert() says they are, the
 * key written as jsonw.h writes the parsed key (diff compares keys as
 * bytes), the source of the raw record; and converting the same line again
 * gives the same bytes (no state leaks from one record to the next).  A
 * refusal must carry a message and a data or internal exit code.
 */
// fuzz-sources: src/normalize/convert.c
#include "canon.h"
#include "exitcodes.h"
#include "jsonw.h"
#include "../src/normalize/normalize.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES 64

static struct nopts opts;
static struct conv cv;
static struct ndjson_reader check;
static const char *domains[] = { "alc.example.com" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	map_load(&opts.map, NULL);
	opts.domains = domains;
	opts.ndomains = 1;
	opts.source = -1;
	opts.input_name = "fuzz";
	conv_init(&cv);
	static char empty[1];
	FILE *fp = fmemopen(empty, 1, "rb");
	if (!fp)
		abort();
	ndjson_open_fp(&check, fp, "fuzz-check", 1u << 24);
	return 0;
}

static void fail(const char *what, const char *line, const struct buf *out)
{
	fprintf(stderr, "fuzz-normalize: %s\n  raw: %s\n  canonical: %.*s\n", what, line,
		(int)out->len, out->data ? out->data : "");
	abort();
}

static void check_canonical(const char *line, const struct buf *out, size_t key_len)
{
	if (memchr(out->data, '\n', out->len) || memchr(out->data, '\0', out->len))
		fail("the canonical line is not one line", line, out);
	struct canon_frame f;
	const char *why;
	if (canon_frame(out->data, out->len, &f, &why) < 0)
		fail(why, line, out);
	if (f.key != out->data + 8 || f.key_len != key_len)
		fail("the frame's key is not where convert() says", line, out);
	struct json_object *o = ndjson_parse(&check, out->data, out->len);
	if (!o)
		fail(check.err, line, out);
	struct json_object *k, *s;
	if (!json_object_object_get_ex(o, "key", &k) || !json_object_is_type(k, json_type_string) ||
	    !json_object_object_get_ex(o, "source", &s) || !json_object_is_type(s, json_type_string))
		fail("no string key or source", line, out);
	struct buf esc = BUF_INIT(0);
	jsonw_str(&esc, json_object_get_string(k), (size_t)json_object_get_string_len(k));
	/* jsonw_str writes the quotes */
	if (esc.len != f.key_len + 2 || memcmp(esc.data + 1, f.key, f.key_len) != 0)
		fail("the key bytes are not jsonw's writing of the key", line, out);
	if (f.source_len != (size_t)json_object_get_string_len(s) ||
	    memcmp(f.source, json_object_get_string(s), f.source_len) != 0)
		fail("the frame's source is not the record's source", line, out);
	buf_free(&esc);
	json_object_put(o);
}

static void one(const char *line, size_t len)
{
	for (int by_id = 0; by_id < 2; by_id++) {
		opts.key_by_id = by_id;
		if (convert(&opts, &cv, line, len, 1) < 0) {
			if (!cv.err[0] || (cv.err_code != SOSR_EXIT_DATA && cv.err_code != SOSR_EXIT_INTERNAL))
				fail("a refusal without a message or with an odd code", line, &cv.out);
			continue;
		}
		check_canonical(line, &cv.out, cv.key_len);
		struct buf first = BUF_INIT(0);
		buf_add(&first, cv.out.data, cv.out.len);
		if (convert(&opts, &cv, line, len, 1) < 0 || cv.out.len != first.len ||
		    memcmp(cv.out.data, first.data, first.len) != 0)
			fail("converting the same line twice differs", line, &first);
		buf_free(&first);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	char *p = copy, *end = copy + size;
	for (int n = 0; p <= end && n < MAX_LINES; n++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		p[len] = '\0';
		if (len && !memchr(p, '\0', len))
			one(p, len);
		if (!nl)
			break;
		p = nl + 1;
	}
	free(copy);
	return 0;
}
