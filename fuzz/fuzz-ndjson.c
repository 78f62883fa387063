/*
 * fuzz-ndjson - libFuzzer harness for the strict NDJSON reader (ndjson.h).
 *
 * The input is a whole stream: every line the reader returns is parsed;
 * errors end the stream, as they end a stage.  Properties checked: no
 * crash, no sanitizer report, no leak, and a returned line never contains
 * '\n' or NUL and never exceeds the cap.
 */
#include "ndjson.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)data, size, "rb");
	if (!fp)
		return 0;
	struct ndjson_reader r;
	const size_t cap = 4096;
	ndjson_open_fp(&r, fp, "fuzz", cap);
	char *line;
	size_t len;
	while (ndjson_next(&r, &line, &len) > 0) {
		if (len > cap || memchr(line, '\n', len) || memchr(line, '\0', len) || line[len] != '\0')
			abort();
		struct json_object *o = ndjson_parse(&r, line, len);
		if (!o)
			break;
		if (!json_object_is_type(o, json_type_object))
			abort();
		json_object_put(o);
	}
	ndjson_close(&r);
	fclose(fp);
	return 0;
}
