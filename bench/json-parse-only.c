/*
 * json-parse-only - the ceiling for sosr-normalize in `make bench`.
 *
 * Reads NDJSON with the project's strict reader and parses every line with
 * json-c exactly as sosr-normalize does (ndjson_parse: one reused tokener,
 * strict mode, UTF-8 validation), frees the object, and prints the number
 * of lines.  No mapping, no output, no sort: whatever sosr-normalize spends
 * beyond this is its own cost.
 *
 * usage: json-parse-only [FILE]
 */
#include "err.h"
#include "exitcodes.h"
#include "ndjson.h"
#include "output.h"

#include <stdio.h>
#include <json-c/json.h>

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	if (argc > 2)
		sosr_usage_error("usage: json-parse-only [FILE]");
	struct ndjson_reader r;
	const char *path = argc == 2 ? argv[1] : "-";
	if (ndjson_open(&r, path, 0) < 0)
		sosr_die(r.err_code, "cannot read '%s': %s", path, r.err);
	char *line;
	size_t len;
	int got;
	unsigned long n = 0;
	while ((got = ndjson_next(&r, &line, &len)) == 1) {
		struct json_object *o = ndjson_parse(&r, line, len);
		if (!o)
			ndjson_die(&r);
		json_object_put(o);
		n++;
	}
	if (got < 0)
		ndjson_die(&r);
	ndjson_close(&r);
	printf("%lu\n", n);
	out_close_stdout();
	return 0;
}
