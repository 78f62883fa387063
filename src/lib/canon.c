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

/* The names that may not follow "source": the frame's and KIND's span
 * fields, with their lengths (built once; the stages are one thread). */
struct tail_names {
	unsigned long lengths;  /* bit n: a name of n bytes */
	int n;
	const char *name[24];
	size_t len[24];
};

static const struct tail_names *tail_names(enum item_kind kind)
{
	static struct tail_names t[KIND_N];
	static const char *const frame[] = { "key", "kind", "source", NULL };
	struct tail_names *tn = &t[kind];
	if (tn->n)
		return tn;
	for (int pass = 0; pass < 2; pass++)
		for (const char *const *f = pass ? canon_span_fields(kind) : frame; *f; f++)
			if (tn->n < (int)(sizeof tn->name / sizeof *tn->name)) {
				tn->name[tn->n] = *f;
				tn->len[tn->n] = strlen(*f);
				tn->lengths |= 1UL << tn->len[tn->n];
				tn->n++;
			}
	return tn;
}

/* Whether NAME (LEN bytes, as written) may follow "source".  Most names
 * are ruled in by their length alone. */
static int tail_name_ok(const struct tail_names *tn, const char *name, size_t len)
{
	if (len >= 8 * sizeof tn->lengths || !(tn->lengths >> len & 1))
		return 1;
	for (int i = 0; i < tn->n; i++)
		if (tn->len[i] == len && memcmp(tn->name[i], name, len) == 0)
			return 0;
	return 1;
}

/* The members after the source value, P up to END (the closing brace).
 * sosr-diff takes two records whose spans are equal bytes as equal
 * without parsing them, and json-c keeps the last of a member written
 * twice: so a compared field (or key, kind, source) written again after
 * "source" would be the value every other reader sees and the fast path
 * does not.  One pass over the tail, which is short (provenance and
 * extras); names are compared as written, so one with an escape (which
 * jsonw never writes) is refused rather than decoded.  This runs on every
 * line sosr-diff reads: one tight loop, a call only for a name whose
 * length is a forbidden one's. */
static int tail_ok(const char *p, const char *end, enum item_kind kind)
{
	/* Bytes that stop a scan: outside a string, a quote and the brackets;
	 * inside, a quote and a backslash.  '}' stops both, so that END (the
	 * line's closing brace) bounds the scans without a test per byte. */
	static const unsigned char stop_out[256] = { ['"'] = 1, ['{'] = 1, ['['] = 1, ['}'] = 1, [']'] = 1 };
	static const unsigned char stop_in[256] = { ['"'] = 1, ['\\'] = 1, ['}'] = 1 };
	const struct tail_names *tn = tail_names(kind);
	int depth = 0;
	for (;;) {
		while (!stop_out[(unsigned char)*p])
			p++;
		if (p >= end)
			return 1;       /* brackets left open: json-c says so where it parses */
		char c = *p++;
		if (c == '{' || c == '[') {
			depth++;
			continue;
		}
		if (c != '"') {
			if (--depth < 0)
				return 0;
			continue;
		}
		const char *s = p;
		int escaped = 0;
		for (;;) {
			while (!stop_in[(unsigned char)*p])
				p++;
			if (p >= end)
				return 0;
			if (*p == '"')
				break;
			if (*p == '\\') {
				escaped = 1;
				p++;
			}
			p++;
		}
		if (depth == 0) {
			/* a name: the string after a comma (blanks between) */
			const char *b = s - 2;
			while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
				b--;
			if (*b == ',' && (escaped || !tail_name_ok(tn, s, (size_t)(p - s))))
				return 0;
		}
		p++;
	}
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
