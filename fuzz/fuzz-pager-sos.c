/*
 * fuzz-pager-sos - libFuzzer harness for the page bodies of sosr-fetch-sos:
 * the input is the body of a 200 response.
 *
 * The fetcher is compiled into the harness (its main renamed away) so that
 * its static parse callback, sos_parse(), is the code under test with the
 * default contract (specs/sos-api.md: "total" and "items"): the shared
 * pager_parse_body(), the SOS error body (an object or a string under
 * "error"), the count and the list, all read with the scanner of
 * jsonscan.h.  An accepted page must have a count of 0 or more and an
 * items array; its items go through the pager's record writing
 * (pager_record) and are read back (fuzz-page.h).  The failure path's
 * sos_error_text() runs on every valid body too.
 */
// fuzz-sources: -Dmain=sosr_fetch_sos_main
#include "../src/fetch-sos/fetch-sos.c"
#include "fuzz-page.h"

#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_request *req;
static struct sos sos;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	req = http_request_new("https://sos.invalid/api/v1/inventory/devices?c_code=ALC&offset=0&limit=500");
	sos.total_field = "total";
	sos.items_field = "items";
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response resp;
	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	buf_init(&resp.body, 0);
	buf_add(&resp.body, data, size);

	long long total = -1;
	struct jspan items = { NULL, 0 }, root;
	char msg[512] = "";
	int rc = sos_parse(NULL, req, &resp, &total, &items, msg, sizeof msg, &sos);
	if (rc == 0) {
		if (total < 0 || jscan_type(items) != JT_ARRAY)
			abort();
		fuzz_check_page("{\"source\":\"sos\",\"c_code\":\"ALC\",\"type\":\"device\",\"data\":", items, 0);
	} else if (!msg[0] || !memchr(msg, '\0', sizeof msg)) {
		abort();        /* a refusal must say why */
	}
	char m[8];
	if (pager_parse_body(&resp, &root, m, sizeof m) == 0) {
		char et[400];
		sos_error_text(root, et, sizeof et);
		if (!memchr(et, '\0', sizeof et))
			abort();
	}
	buf_free(&resp.body);
	return 0;
}
