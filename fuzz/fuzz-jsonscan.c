/*
 * fuzz-jsonscan - libFuzzer harness for the strict JSON scanner
 * (src/lib/jsonscan.h) that the fetchers read every page with.
 *
 * The input is one JSON text.  Checked, against json-c in strict mode
 * with UTF-8 validation and the same depth (what jsondoc_parse and the
 * NDJSON reader use):
 * - validity: what the scanner accepts, json-c accepts; what json-c
 *   accepts and the scanner refuses is one of the documented differences
 *   (single quotes, NaN and Infinity, numbers like 01 or 1., unescaped
 *   control characters in strings, UTF-8 that RFC 3629 forbids), never
 *   anything else; the depth json-c refuses, the scanner refuses;
 * - compaction keeps the value: the compacted text is valid, as deep,
 *   with as many values, has no blank outside strings (compacting it
 *   again changes nothing) and json-c prints it as it prints the input;
 * - walking: an array's items are json-c's, one by one (each a whole
 *   value, printing as json-c's item); an object's members named as
 *   json-c names them are found (jscan_member), and a member named once
 *   prints as json-c's value; a string reads as json-c's, byte for byte
 *   (jscan_string), and its message form (jscan_text) is a C string that
 *   fits; a number of digits only is json-c's
 *   integer when it fits.
 */
#include "buf.h"
#include "jsonscan.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DEPTH 32

static void die(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz-jsonscan: %s: %.*s\n", what, (int)(size < 400 ? size : 400), (const char *)data);
	abort();
}

/* json-c's verdict, as jsondoc_parse took it: a value, then only blanks. */
static struct json_object *jsonc_parse(const char *text, size_t len, int *ok)
{
	struct json_tokener *tok = json_tokener_new_ex(DEPTH);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)len + 1);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	*ok = je == json_tokener_success;
	while (*ok && end < len && strchr(" \t\r\n", text[end]) && text[end])
		end++;
	if (*ok && end < len)
		*ok = 0;
	if (!*ok) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static const char *print(struct json_object *o, size_t *len)
{
	const char *s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
	if (!s) {
		*len = 4;
		s = "null";
	}
	return s;
}

/* V (a valid span) parses with json-c as O prints. */
static void same_value(struct jspan v, struct json_object *o, const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT(0);
	if (jscan_compact(v, &b) < 0)
		die("compact failed", data, size);
	int ok;
	struct json_object *c = jsonc_parse(b.data ? b.data : "", b.len, &ok);
	if (!ok)
		die("a compacted value does not parse", data, size);
	size_t l1, l2;
	const char *p1 = print(o, &l1);
	char *s1 = strndup(p1, l1);
	const char *p2 = print(c, &l2);
	if (l1 != l2 || memcmp(s1, p2, l1) != 0)
		die("a value is not json-c's", data, size);
	free(s1);
	json_object_put(c);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct jspan root;
	struct jscan_result res;
	int rc = jscan_document(text, size, DEPTH, &root, &res);
	char why[200];
	jscan_describe(&res, 0, why, sizeof why);
	if (!memchr(why, '\0', sizeof why))
		abort();
	int ok;
	struct json_object *o = jsonc_parse(text, size, &ok);
	if (rc == 0 && !ok)
		die("the scanner accepts what json-c refuses", data, size);
	if (rc < 0 && ok) {
		switch (res.error) {
		case JE_UTF8: case JE_CONTROL: case JE_NUMBER: case JE_QUOTE: case JE_NONFINITE:
			break;
		default:
			fprintf(stderr, "scanner: %s\n", why);
			die("the scanner refuses what json-c accepts, not for a documented difference", data, size);
		}
	}
	if (rc == 0) {
		/* compaction */
		struct buf b = BUF_INIT(0);
		if (jscan_compact(root, &b) < 0)
			abort();
		struct jspan r2;
		struct jscan_result res2;
		if (jscan_document(b.data ? b.data : "", b.len, DEPTH, &r2, &res2) != 0 ||
		    r2.len != b.len || res2.depth != res.depth || res2.values != res.values)
			die("a compacted text is not the same value", data, size);
		struct buf b2 = BUF_INIT(0);
		jscan_compact(r2, &b2);
		if (b2.len != b.len || memcmp(b2.data, b.data, b.len) != 0)
			die("compacting twice changes the text", data, size);
		buf_free(&b2);
		buf_free(&b);
		same_value(root, o, data, size);
		/* walking */
		enum jtype t = jscan_type(root);
		if (t == JT_ARRAY) {
			if (!json_object_is_type(o, json_type_array))
				die("an array is not json-c's", data, size);
			struct jiter it;
			struct jspan item;
			size_t n = 0, cap = json_object_array_length(o);
			jscan_iter(&it, root);
			while (jscan_next_item(&it, &item)) {
				size_t end;
				struct jscan_result ri;
				if (n >= cap || jscan_value(item.p, item.len, DEPTH, &end, &ri) != 0 || end != item.len)
					die("an item is not a whole value", data, size);
				same_value(item, json_object_array_get_idx(o, n), data, size);
				n++;
			}
			if (n != cap || jscan_count_items(root, (size_t)-1) != n)
				die("the items are not json-c's", data, size);
		} else if (t == JT_OBJECT) {
			if (!json_object_is_type(o, json_type_object))
				die("an object is not json-c's", data, size);
			/* (json-c's names are C strings: one with \u0000 is cut) */
			int nul = memmem(text, size, "\\u0000", 6) != NULL;
			json_object_object_foreach(o, k, v) {
				if (nul)
					break;
				struct jspan mv;
				int count = jscan_member(root, k, &mv);
				if (count < 1)
					die("a member is not found", data, size);
				if (count == 1)
					same_value(mv, v, data, size);
			}
		} else if (t == JT_STRING) {
			struct buf dec = BUF_INIT(0);
			jscan_string(root, &dec, (size_t)-1);
			const char *js = json_object_get_string(o);
			size_t jl = (size_t)json_object_get_string_len(o);
			if (dec.len != jl || (jl && memcmp(dec.data, js, jl) != 0))
				die("a string is not json-c's", data, size);
			buf_free(&dec);
			/* and the message form is whole and NUL-free */
			char out[256];
			size_t n = jscan_text(root, out, sizeof out);
			if (n != strlen(out) || n >= sizeof out)
				die("a string's message form is not a C string", data, size);
		} else if (t == JT_NUMBER && jscan_is_digits(root) && root.len < 19) {
			char num[32];
			snprintf(num, sizeof num, "%lld", (long long)json_object_get_int64(o));
			if (strlen(num) != root.len || memcmp(num, root.p, root.len) != 0)
				die("a whole number is not json-c's", data, size);
		}
	}
	json_object_put(o);
	free(text);
	return 0;
}
