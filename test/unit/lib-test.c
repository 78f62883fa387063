/*
 * lib-test - drive the modules of src/lib/ from test/lib.bats.
 *
 * Each subcommand exercises one module the way a stage uses it, so that the
 * behaviours every stage relies on (strict NDJSON, checked output, secrets,
 * validated numbers, byte-exact JSON strings) are tested once, here, rather
 * than only through the stages.  Not installed.
 */
#include "buf.h"
#include "cli.h"
#include "err.h"
#include "exitcodes.h"
#include "http.h"
#include "jsonscan.h"
#include "jsonw.h"
#include "ndjson.h"
#include "output.h"
#include "secret.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_ndjson(int argc, char **argv)
{
	struct ndjson_reader r;
	size_t cap = argc > 3 ? (size_t)cli_number(argv[3], 1, 1 << 30, "max-line") : 0;
	if (ndjson_open(&r, argv[2], cap) < 0)
		ndjson_die(&r);
	char *line;
	size_t len;
	int rc;
	while ((rc = ndjson_next(&r, &line, &len)) > 0) {
		struct json_object *o = ndjson_parse(&r, line, len);
		if (!o)
			ndjson_die(&r);
		printf("%lu %d\n", r.lineno, json_object_object_length(o));
		json_object_put(o);
	}
	if (rc < 0)
		ndjson_die(&r);
	ndjson_close(&r);
	return 0;
}

/* TEXT (one JSON string) read by jsonscan.h and by json-c (as
 * sosr-normalize reads it): each as hex bytes, one line each. */
static int cmd_jscan_string(const char *text)
{
	struct jspan root;
	struct jscan_result res;
	struct buf b = BUF_INIT(0);
	if (jscan_document(text, strlen(text), 32, &root, &res) != 0 || jscan_type(root) != JT_STRING)
		sosr_die(SOSR_EXIT_DATA, "not one JSON string: %s", text);
	jscan_string(root, &b, 1 << 20);
	struct json_object *o = json_tokener_parse(text);
	const char *sides[2] = { b.data ? b.data : "", o ? json_object_get_string(o) : "" };
	size_t lens[2] = { b.len, o ? (size_t)json_object_get_string_len(o) : 0 };
	for (int i = 0; i < 2; i++) {
		printf("%s", i ? "json-c:" : "jsonscan:");
		for (size_t k = 0; k < lens[i]; k++)
			printf(" %02x", (unsigned char)sides[i][k]);
		putchar('\n');
	}
	json_object_put(o);
	buf_free(&b);
	return 0;
}

static int cmd_secret(int argc, char **argv)
{
	char *s = NULL;
	int rc = secret_from_env(argv[2], &s);
	if (rc < 0)
		return SOSR_EXIT_USAGE;
	if (rc == 1) {
		printf("unset\n");
		return 0;
	}
	/* Print the length and whether the environment was cleared, never the
	 * value: tests compare the length with the canary's. */
	char file_var[256];
	snprintf(file_var, sizeof file_var, "%s_FILE", argv[2]);
	printf("len=%zu env=%s\n", strlen(s),
	       getenv(argv[2]) || getenv(file_var) ? "kept" : "cleared");
	secret_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	err_init(argv[0]);
	out_init();
	if (argc < 2)
		sosr_usage_error("usage: lib-test ndjson|secret|number|duration|jsonw|write ARGS");
	const char *cmd = argv[1];
	int rc = 0;
	if (strcmp(cmd, "ndjson") == 0 && argc >= 3) {
		rc = cmd_ndjson(argc, argv);
	} else if (strcmp(cmd, "jscan-string") == 0 && argc == 3) {
		rc = cmd_jscan_string(argv[2]);
	} else if (strcmp(cmd, "secret") == 0 && argc == 3) {
		rc = cmd_secret(argc, argv);
	} else if (strcmp(cmd, "number") == 0 && argc == 5) {
		long long lo = strtoll(argv[3], NULL, 10), hi = strtoll(argv[4], NULL, 10);
		printf("%lld\n", cli_number(argv[2], lo, hi, "--number"));
	} else if (strcmp(cmd, "duration") == 0 && argc == 3) {
		printf("%g\n", cli_duration(argv[2], 86400 * 365.0, "--duration"));
	} else if (strcmp(cmd, "jsonw") == 0 && argc == 3) {
		struct buf b = BUF_INIT(0);
		jsonw_str(&b, argv[2], strlen(argv[2]));
		printf("%s\n", b.data);
		buf_free(&b);
	} else if (strcmp(cmd, "url-for-log") == 0 && argc == 3) {
		char *u = http_url_for_log(argv[2]), *m = http_url_for_message(argv[2]);
		printf("%s\n%s\n", u, m);
		free(u);
		free(m);
	} else if (strcmp(cmd, "buf-cap") == 0 && argc == 4) {
		/* Append argv[3] to a buffer capped at argv[2] bytes. */
		struct buf b = BUF_INIT((size_t)cli_number(argv[2], 1, 1 << 20, "cap"));
		int r1 = buf_addstr(&b, argv[3]);
		printf("%s len=%zu\n", r1 < 0 ? "capped" : "ok", b.len);
		buf_free(&b);
	} else if (strcmp(cmd, "write") == 0 && argc == 3) {
		/* Write N lines to stdout, checked, as a filter does. */
		long long n = cli_number(argv[2], 0, 1LL << 40, "count");
		for (long long i = 0; i < n; i++) {
			fputs("{\"line\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n", stdout);
			if ((i & 1023) == 0)
				out_check(stdout, "standard output");
		}
	} else {
		sosr_usage_error("unknown subcommand or wrong arguments: '%s'", cmd);
	}
	out_close_stdout();
	return rc;
}
