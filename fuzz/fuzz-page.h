/*
 * fuzz-page.h - what the two page-body harnesses check once a fetcher's
 * parse callback has accepted a page (fuzz-pager-softlayer.c,
 * fuzz-pager-sos.c).
 *
 * The pager (pager.c, write_page) turns every item of an accepted page into
 * one raw record line: the job's prefix, the item as json-c prints it
 * (PLAIN, NOSLASHESCAPE), "}".  The contract of docs/FORMATS.md section 1
 * is that this line is one line, and that sosr-normalize's strict reader
 * reads it back as the same item.  This header builds the line the same
 * way and checks exactly that: no '\n' and no NUL in it, strict parse
 * succeeds, "data" prints as the same bytes as the item.  Any failure aborts (a finding).
 */
#ifndef SOSR_FUZZ_PAGE_H
#define SOSR_FUZZ_PAGE_H

#include "buf.h"
#include "ndjson.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ndjson_reader fuzz_page_reader;
static int fuzz_page_reader_open;

static void fuzz_check_record(const char *prefix, struct json_object *item)
{
	if (!fuzz_page_reader_open) {
		static char empty[1];
		FILE *fp = fmemopen(empty, 1, "rb");
		if (!fp)
			abort();
		ndjson_open_fp(&fuzz_page_reader, fp, "fuzz", 1u << 24);
		fuzz_page_reader_open = 1;
	}
	size_t jl;
	const char *js = json_object_to_json_string_length(
		item, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &jl);
	if (!js)
		abort();
	struct buf line = BUF_INIT(0);
	buf_addstr(&line, prefix);
	buf_add(&line, js, jl);
	buf_add(&line, "}", 1);
	if (memchr(line.data, '\n', line.len) || memchr(line.data, '\0', line.len)) {
		fprintf(stderr, "fuzz: a raw record is not one line: %s\n", line.data);
		abort();
	}
	struct json_object *o = ndjson_parse(&fuzz_page_reader, line.data, line.len);
	if (!o) {
		fprintf(stderr, "fuzz: a raw record does not read back: %s: %s\n", fuzz_page_reader.err,
			line.data);
		abort();
	}
	/* the same item: printed again, the same bytes (json_object_equal
	 * would call NaN, which json-c reads, different from itself) */
	struct json_object *d;
	size_t dl = 0;
	const char *ds = json_object_object_get_ex(o, "data", &d)
		? json_object_to_json_string_length(d, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &dl)
		: NULL;
	if (!ds || dl != jl || memcmp(ds, js, jl) != 0) {
		fprintf(stderr, "fuzz: a raw record reads back as a different item: %s\n", line.data);
		abort();
	}
	json_object_put(o);
	buf_free(&line);
}

/* Every record of ITEMS (an array, or one object: a bare object page). */
static void fuzz_check_page(const char *prefix, struct json_object *items)
{
	if (json_object_is_type(items, json_type_array)) {
		size_t n = json_object_array_length(items);
		for (size_t k = 0; k < n; k++) {
			struct json_object *it = json_object_array_get_idx(items, k);
			if (json_object_is_type(it, json_type_object))
				fuzz_check_record(prefix, it);
		}
	} else if (json_object_is_type(items, json_type_object)) {
		fuzz_check_record(prefix, items);
	}
}

#endif
