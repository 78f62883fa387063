/*
 * fuzz-pager-softlayer - libFuzzer harness for the page bodies of
 * sosr-fetch-softlayer: the input is the body of a 200 response.
 *
 * The fetcher is compiled into the harness (its main renamed away) so that
 * its static parse callback, sl_parse(), is the code under test: the
 * shared pager_parse_body() (a whole JSON array or object, nothing after
 * it), the SoftLayer error body, the list-or-bare-object check, and the
 * SoftLayer-Total-Items header.  The request is private to http.c, so the
 * header lookup is replaced at link time (-Wl,--wrap): an input that
 * starts with '#' carries the header's value on its first line, the body
 * after it; any other input is a body without the header.  The items of an
 * accepted page (the array, or the bare object SoftLayer returns for a
 * single item) go through the pager's record writing (pager_record, with
 * the dedupe id) and are read back (fuzz-page.h); an accepted page has a
 * count of 0 or more.  The failure path's sl_error_body() runs on every
 * valid body too.
 */
// fuzz-sources: -Dmain=sosr_fetch_softlayer_main -Wl,--wrap=http_request_header
#include "../src/fetch-softlayer/fetch-softlayer.c"
#include "fuzz-page.h"

#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_request *req;
static char *total_header;     /* the input's header value, or NULL */

const char *__wrap_http_request_header(const struct http_request *r, const char *name);
const char *__wrap_http_request_header(const struct http_request *r, const char *name)
{
	return strcasecmp(name, "SoftLayer-Total-Items") == 0 ? total_header : NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	req = http_request_new("https://api.softlayer.invalid/rest/v3.1/SoftLayer_Account/getHardware.json");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	total_header = NULL;
	if (size && data[0] == '#') {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t hl = nl ? (size_t)(nl - data) - 1 : size - 1;
		total_header = strndup((const char *)data + 1, hl);
		if (!total_header)
			abort();
		size_t skip = nl ? (size_t)(nl - data) + 1 : size;
		data += skip;
		size -= skip;
	}
	struct http_response resp;
	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	buf_init(&resp.body, 0);
	buf_add(&resp.body, data, size);

	long long total = -1;
	struct jspan items = { NULL, 0 }, root;
	char msg[512] = "";
	int rc = sl_parse(NULL, req, &resp, &total, &items, msg, sizeof msg, NULL);
	if (rc == 0) {
		if (total < 0 || !items.len || !total_header)
			abort();
		fuzz_check_page("{\"source\":\"softlayer\",\"account\":\"659397\",\"type\":\"hardware\",\"data\":",
				items, 1);
	} else if (!msg[0] || !memchr(msg, '\0', sizeof msg)) {
		abort();        /* a refusal must say why */
	}
	char m[8];
	if (pager_parse_body(&resp, &root, m, sizeof m) == 0) {
		char em[201], ec[101];
		if (sl_error_body(root, em, ec) && (!memchr(em, '\0', sizeof em) || !memchr(ec, '\0', sizeof ec)))
			abort();
	}
	buf_free(&resp.body);
	free(total_header);
	return 0;
}
