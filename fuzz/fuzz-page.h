/*
 * fuzz-page.h - what the two page-body harnesses check once a fetcher's
 * parse callback has accepted a page (fuzz-pager-softlayer.c,
 * fuzz-pager-sos.c).
 *
 * The pager (pager.c, write_page) turns every item of an accepted page into
 * one raw record line with pager_record: the job's prefix, the item's bytes
 * as the API sent them with the blanks outside strings removed, "}".  The
 * contract of docs/FORMATS.md section 1 is that this line is one line, that
 * sosr-normalize's strict reader reads it back, and that its "data" is the
 * item: json-c prints the "data" it reads back exactly as it prints the
 * item parsed on its own.  A record that pager_record refuses (the fetch
 * then fails, exit 5) must say why; with the dedupe id asked for, the id
 * it gives is digits, and they are the "id" of the record read back.  Any
 * failure aborts (a finding).
 */
#ifndef SOSR_FUZZ_PAGE_H
#define SOSR_FUZZ_PAGE_H

#include "buf.h"
#include "jsondoc.h"
#include "jsonscan.h"
#include "ndjson.h"
#include "pager.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ndjson_reader fuzz_page_reader;
static int fuzz_page_reader_open;

static void fuzz_check_record(const char *prefix, struct jspan item, int dedupe)
{
	if (!fuzz_page_reader_open) {
		static char empty[1];
		FILE *fp = fmemopen(empty, 1, "rb");
		if (!fp)
			abort();
		ndjson_open_fp(&fuzz_page_reader, fp, "fuzz", 1u << 24);
		fuzz_page_reader_open = 1;
	}
	struct buf line = BUF_INIT(0);
	struct jspan id = { NULL, 0 };
	char why[300] = "";
	if (pager_record(&line, prefix, item, dedupe ? &id : NULL, why, sizeof why) < 0) {
		if (!why[0] || !memchr(why, '\0', sizeof why))
			abort();        /* a refusal must say why */
		buf_free(&line);
		return;
	}
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
	/* the item on its own, as json-c reads it (a number too large for a
	 * double is valid JSON, kept as written: json-c prints it so too) */
	struct buf alone = BUF_INIT(0);
	buf_add(&alone, item.p, item.len);
	struct json_tokener *tok = json_tokener_new_ex(JSONDOC_MAX_DEPTH);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *it = json_tokener_parse_ex(tok, alone.data, (int)alone.len + 1);
	json_tokener_free(tok);
	struct json_object *d;
	if (!it || !json_object_object_get_ex(o, "data", &d)) {
		fprintf(stderr, "fuzz: an item does not read alone: %s\n", alone.data);
		abort();
	}
	size_t l1, l2;
	const char *p1 = json_object_to_json_string_length(it, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &l1);
	char *s1 = strndup(p1, l1);
	const char *p2 = json_object_to_json_string_length(d, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &l2);
	if (!s1 || l1 != l2 || memcmp(s1, p2, l1) != 0) {
		fprintf(stderr, "fuzz: a raw record reads back as a different item: %s\n", line.data);
		abort();
	}
	if (dedupe) {
		struct json_object *iv;
		if (!jscan_is_digits(id) || !json_object_object_get_ex(d, "id", &iv) ||
		    !json_object_is_type(iv, json_type_int))
			abort();
		if (id.len < 19) {
			char num[32];
			snprintf(num, sizeof num, "%lld", (long long)json_object_get_int64(iv));
			if (strlen(num) != id.len || memcmp(num, id.p, id.len) != 0)
				abort();
		}
	}
	free(s1);
	json_object_put(it);
	json_object_put(o);
	buf_free(&alone);
	buf_free(&line);
}

/* Every record of ITEMS (an array, or one object: a bare object page). */
static void fuzz_check_page(const char *prefix, struct jspan items, int dedupe)
{
	if (jscan_type(items) == JT_ARRAY) {
		struct jiter iter;
		struct jspan item;
		jscan_iter(&iter, items);
		while (jscan_next_item(&iter, &item))
			fuzz_check_record(prefix, item, dedupe);
	} else {
		fuzz_check_record(prefix, items, dedupe);
	}
}

#endif
