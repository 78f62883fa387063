/*
 * fuzz-pager-softlayer - libFuzzer harness for the page bodies of
 * sosr-fetch-softlayer: the input is the body of a 200 response.
 *
 * The fetcher is compiled into the harness (its main renamed away) so that
 * its static parse callback, sl_parse(), is the code under test: the
 * shared pager_parse_body() (a whole JSON array or object, nothing after
 * it), then the SoftLayer error body and the list-or-bare-object check.
 * The harness cannot set response headers (the request is private to
 * http.c), so sl_parse stops at the missing SoftLayer-Total-Items header;
 * a body that got that far was accepted, and its items (the array, or the
 * bare object SoftLayer returns for a single item) go through the pager's
 * record writing and are read back (fuzz-page.h).  The failure path's
 * sl_error_body() runs on every body too.
 */
// fuzz-sources: -Dmain=sosr_fetch_softlayer_main
#include "../src/fetch-softlayer/fetch-softlayer.c"
#include "fuzz-page.h"

#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_request *req;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	req = http_request_new("https://api.softlayer.invalid/rest/v3.1/SoftLayer_Account/getHardware.json");
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
	struct json_object *root = NULL, *items = NULL;
	char msg[512] = "";
	int rc = sl_parse(NULL, req, &resp, &total, &root, &items, msg, sizeof msg, NULL);
	if (rc == 0 || !msg[0] || !memchr(msg, '\0', sizeof msg))
		abort();        /* no header: it cannot accept, and it must say why */
	if (root && strstr(msg, "SoftLayer-Total-Items"))
		fuzz_check_page("{\"source\":\"softlayer\",\"account\":\"659397\",\"type\":\"hardware\",\"data\":",
				root);
	if (root) {
		const char *em, *ec;
		if (sl_error_body(root, &em, &ec) && (!em || !ec))
			abort();
	}
	json_object_put(root);
	buf_free(&resp.body);
	return 0;
}
