/* canon.c - see canon.h */
#include "canon.h"

#include <string.h>

const char *const canon_kind_names[CANON_NKINDS] = { "device", "vlan", "unidentified" };

static const char *const device_span[] = {
	"fqdn", "hostname", "domain", "private_ip", "public_ip", "datacenter",
	"serial", "device_type", NULL
};
static const char *const vlan_span[] = {
	"number", "router", "datacenter", "space", "name", NULL
};
static const char *const unidentified_span[] = { "reason", NULL };

const char *const *canon_span_fields(enum canon_kind kind)
{
	switch (kind) {
	case CANON_DEVICE: return device_span;
	case CANON_VLAN: return vlan_span;
	default: return unidentified_span;
	}
}

const char *canon_default_compare(enum canon_kind kind)
{
	switch (kind) {
	case CANON_DEVICE: return "private_ip,public_ip,datacenter";
	case CANON_VLAN: return "datacenter,space";
	default: return "";
	}
}

int canon_kind_from_name(const char *s, size_t len)
{
	for (int k = 0; k < CANON_NKINDS; k++)
		if (strlen(canon_kind_names[k]) == len && memcmp(canon_kind_names[k], s, len) == 0)
			return k;
	return -1;
}

#define KEY_OPEN "{\"key\":\""
#define KIND_SEP "\",\"kind\":\""
#define SOURCE_SEP ",\"source\":\""

int canon_frame(const char *line, size_t len, struct canon_frame *f, const char **why)
{
	const char *end = line + len;
	if (len < sizeof KEY_OPEN || memcmp(line, KEY_OPEN, sizeof KEY_OPEN - 1) != 0) {
		*why = "not a canonical record: it does not start with {\"key\":";
		return -1;
	}
	f->key = line + sizeof KEY_OPEN - 1;
	const char *ks = memmem(f->key, (size_t)(end - f->key), KIND_SEP, sizeof KIND_SEP - 1);
	if (!ks) {
		*why = "not a canonical record: no \"kind\" member after the key";
		return -1;
	}
	f->key_len = (size_t)(ks - f->key);
	const char *kind = ks + sizeof KIND_SEP - 1;
	const char *kq = memchr(kind, '"', (size_t)(end - kind));
	int k = kq ? canon_kind_from_name(kind, (size_t)(kq - kind)) : -1;
	if (k < 0) {
		*why = "not a canonical record: unknown kind (expected device, vlan or unidentified)";
		return -1;
	}
	f->kind = (enum canon_kind)k;
	size_t kl = (size_t)(kq - kind);
	if (f->key_len <= kl || memcmp(f->key, kind, kl) != 0 || f->key[kl] != '/') {
		*why = "not a canonical record: the key does not start with its kind and '/'";
		return -1;
	}
	f->span = kq + 1;
	const char *ss = memmem(f->span, (size_t)(end - f->span), SOURCE_SEP, sizeof SOURCE_SEP - 1);
	if (!ss) {
		*why = "not a canonical record: no \"source\" member";
		return -1;
	}
	f->span_len = (size_t)(ss - f->span);
	f->source = ss + sizeof SOURCE_SEP - 1;
	const char *sq = memchr(f->source, '"', (size_t)(end - f->source));
	if (!sq || end[-1] != '}') {
		*why = "not a canonical record: truncated after \"source\"";
		return -1;
	}
	f->source_len = (size_t)(sq - f->source);
	return 0;
}
