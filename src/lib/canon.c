/* canon.c - see canon.h */
#include "canon.h"

#include <stdio.h>
#include <string.h>

static const char *const device_span[] = {
	"fqdn", "hostname", "domain", "private_ip", "public_ip", "datacenter",
	"serial", "device_type", NULL
};
static const char *const vlan_span[] = {
	"number", "router", "datacenter", "space", "name", NULL
};
static const char *const unidentified_span[] = { "reason", NULL };

const char *const *canon_span_fields(enum item_kind kind)
{
	switch (kind) {
	case KIND_DEVICE: return device_span;
	case KIND_VLAN: return vlan_span;
	default: return unidentified_span;
	}
}

const char *canon_default_compare(enum item_kind kind)
{
	switch (kind) {
	case KIND_DEVICE: return "private_ip,public_ip,datacenter";
	case KIND_VLAN: return "datacenter,space";
	default: return "";
	}
}

int canon_compare_parse(enum item_kind kind, const char *list, const char **out, int max,
			char *why, size_t whylen)
{
	int n = 0;
	const char *p = list;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		const char *const *f = canon_span_fields(kind);
		for (; *f; f++)
			if (strlen(*f) == len && memcmp(*f, p, len) == 0)
				break;
		if (!*f) {
			snprintf(why, whylen, "'%.*s' is not a compared field of a %s (see docs/FORMATS.md section 2)",
				 (int)(len > 60 ? 60 : len), p, kind_names[kind]);
			return -1;
		}
		for (int i = 0; i < n; i++)
			if (out[i] == *f) {
				snprintf(why, whylen, "'%s' is listed twice", *f);
				return -1;
			}
		if (n == max) {
			snprintf(why, whylen, "more than %d fields", max);
			return -1;
		}
		out[n++] = *f;
		if (!comma)
			break;
		p = comma + 1;
	}
	return n;
}

const char *const identity_names[IDENT_N] = {
	"fqdn", "id", "private_ip", "serial", "router_number",
};

const char *canon_default_identities(enum item_kind kind)
{
	return kind == KIND_VLAN ? "router_number,id" : "fqdn,id,private_ip,serial";
}

const char *canon_key_identity(enum item_kind kind)
{
	return kind == KIND_VLAN ? "router_number" : "fqdn";
}

int canon_identity_strong(enum identity i)
{
	return i == IDENT_ID || i == IDENT_SERIAL;
}

static int identity_of_kind(enum item_kind kind, enum identity i)
{
	if (kind == KIND_VLAN)
		return i == IDENT_ROUTER_NUMBER || i == IDENT_ID;
	return i != IDENT_ROUTER_NUMBER;
}

int canon_identities_parse(enum item_kind kind, const char *list, enum identity *out, int max,
			   char *why, size_t whylen)
{
	int n = 0;
	const char *p = list;
	if (!*p) {
		snprintf(why, whylen, "an empty list; name at least the key's identity (%s)",
			 canon_key_identity(kind));
		return -1;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int id = -1;
		for (int i = 0; i < IDENT_N; i++)
			if (strlen(identity_names[i]) == len && memcmp(identity_names[i], p, len) == 0)
				id = i;
		if (id < 0 || !identity_of_kind(kind, (enum identity)id)) {
			snprintf(why, whylen, "'%.*s' is not an identity of a %s (%s)",
				 (int)(len > 60 ? 60 : len), p, kind_names[kind],
				 kind == KIND_VLAN ? "router_number, id" : "fqdn, id, private_ip, serial");
			return -1;
		}
		for (int i = 0; i < n; i++)
			if ((int)out[i] == id) {
				snprintf(why, whylen, "'%s' is listed twice", identity_names[id]);
				return -1;
			}
		if (n == 0 && !(kind == KIND_VLAN ? id == IDENT_ROUTER_NUMBER
						  : id == IDENT_FQDN || id == IDENT_ID)) {
			snprintf(why, whylen, "the first identity is the key's, %s",
				 kind == KIND_VLAN ? "router_number" : "fqdn (or id, with --device-key id)");
			return -1;
		}
		if (n == max) {
			snprintf(why, whylen, "more than %d identities", max);
			return -1;
		}
		out[n++] = (enum identity)id;
		if (!comma)
			break;
		p = comma + 1;
	}
	return n;
}

/* Whether NAME (LEN bytes, as written) may follow "source": not the
 * frame's members nor a compared field of KIND.  Most names are ruled in
 * by their length alone (a mask of the forbidden names' lengths). */
static int tail_name_ok(const char *name, size_t len, enum item_kind kind)
{
	static const char *const frame[] = { "key", "kind", "source", NULL };
	static unsigned long lengths[KIND_N];   /* bit n: a forbidden name of n bytes */
	if (!lengths[kind]) {
		for (const char *const *f = frame; *f; f++)
			lengths[kind] |= 1UL << strlen(*f);
		for (const char *const *f = canon_span_fields(kind); *f; f++)
			lengths[kind] |= 1UL << strlen(*f);
	}
	if (len >= 8 * sizeof lengths[0] || !(lengths[kind] >> len & 1))
		return 1;
	for (const char *const *f = frame; *f; f++)
		if (strlen(*f) == len && memcmp(*f, name, len) == 0)
			return 0;
	for (const char *const *f = canon_span_fields(kind); *f; f++)
		if (strlen(*f) == len && memcmp(*f, name, len) == 0)
			return 0;
	return 1;
}

/* The members after the source value, P up to END (the closing brace).
 * sosr-diff takes two records whose spans are equal bytes as equal
 * without parsing them, and json-c keeps the last of a member written
 * twice: so a compared field (or key, kind, source) written again after
 * "source" would be the value every other reader sees and the fast path
 * does not.  One pass over the tail, which is short (provenance and
 * extras), strings skipped with memchr (this runs on every line sosr-diff
 * reads); names are compared as written, so one with an escape (which
 * jsonw never writes) is refused rather than decoded. */
static int tail_ok(const char *p, const char *end, enum item_kind kind)
{
	int depth = 0;
	char last = '"';        /* the last byte outside a string: the source value's quote */
	while (p < end) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		for (const char *stop = q ? q : end; p < stop; p++) {
			char c = *p;
			if (c == '{' || c == '[')
				depth++;
			else if ((c == '}' || c == ']') && --depth < 0)
				return 0;
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
				last = c;
		}
		if (!q)
			break;
		/* the string: up to the first quote after an even run of
		 * backslashes */
		const char *s = q + 1, *e = s;
		for (;;) {
			e = memchr(e, '"', (size_t)(end - e));
			if (!e)
				return 0;
			const char *b = e;
			while (b > s && b[-1] == '\\')
				b--;
			if (((e - b) & 1) == 0)
				break;
			e++;
		}
		if (depth == 0 && last == ',' &&
		    (memchr(s, '\\', (size_t)(e - s)) || !tail_name_ok(s, (size_t)(e - s), kind)))
			return 0;
		last = '"';
		p = e + 1;
	}
	return 1;       /* brackets left open: json-c says so where it parses */
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
	int k = kq ? kind_from_name(kind, (size_t)(kq - kind)) : -1;
	if (k < 0) {
		*why = "not a canonical record: unknown kind (expected device, vlan or unidentified)";
		return -1;
	}
	f->kind = (enum item_kind)k;
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
	if (!tail_ok(sq + 1, end - 1, f->kind)) {
		*why = "not a canonical record: after \"source\", a member that belongs before it (key, kind, "
		       "source or a compared field), a member name with an escape, or a bracket closed that the tail did not open";
		return -1;
	}
	return 0;
}
