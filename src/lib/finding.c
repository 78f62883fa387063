/* finding.c - see finding.h */
#include "finding.h"
#include "buf.h"

#include <string.h>

const char *const kind_names[KIND_N] = { "device", "vlan", "unidentified" };

const char *const finding_type_names[FT_N] = {
	"missing_in_sos", "missing_in_softlayer", "mismatch", "duplicate",
	"unidentified", "pending", "excluded", "resolved",
};

const char *const finding_status_names[STATUS_N] = { "NEW", "RECURRING", "REOPENED" };

static const char *const titles[FT_N] = {
	"in SoftLayer, not in SOS: unmonitored",
	"in SOS, not in SoftLayer: stale registrations",
	"in both, compared fields differ",
	"key found more than once on one side: not matched",
	"record without an identity: cannot be matched",
	"in SoftLayer, not yet in SOS, within the grace period: informational",
	"in SOS as build or available, not in SoftLayer: informational",
	"open in the last complete run, gone today: informational",
};

static const char *const phrases[FT_N] = {
	"in SoftLayer but missing from SOS (unmonitored)",
	"in SOS but not in SoftLayer (stale registrations)",
	"with fields that differ between SoftLayer and SOS",
	"with a key found more than once on one side",
	"that cannot be identified",
	"in SoftLayer within the grace period",
	"in SOS as build or available",
	"resolved since the last run",
};

static int index_of(const char *const *names, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}

int kind_from_name(const char *s, size_t len)
{
	return index_of(kind_names, KIND_N, s, len);
}

int finding_type_from_name(const char *s, size_t len)
{
	return index_of(finding_type_names, FT_N, s, len);
}

int finding_status_from_name(const char *s, size_t len)
{
	return index_of(finding_status_names, STATUS_N, s, len);
}

const char *finding_type_title(enum finding_type t)
{
	return titles[t];
}

const char *finding_type_phrase(enum finding_type t)
{
	return phrases[t];
}

const char *finding_type_action(enum finding_type t)
{
	switch (t) {
	case FT_MISSING_IN_SOS:
		return "register the device in SOS for the C_Code, or find why it is not (wrong C_Code, "
		       "hostname typed differently)";
	case FT_MISSING_IN_SOFTLAYER:
		return "the machine was cancelled: retire its SOS record (or mark it Available)";
	case FT_MISMATCH: return "correct the SOS record's fields";
	case FT_DUPLICATE: return "remove the extra record: SOS lookups by hostname break on these";
	case FT_UNIDENTIFIED: return "fix the source record (a hostname, or a VLAN's number and router)";
	default: return "";
	}
}

int finding_anchor(struct buf *b, enum finding_type type, const char *finding, const char *side,
		   const char *key, size_t keylen)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *parts[4];
	size_t n = 0;
	if (type == FT_RESOLVED) {
		parts[n++] = "resolved";
		parts[n++] = finding ? finding : "?";
	} else {
		parts[n++] = finding_type_names[type];
	}
	if (side)
		parts[n++] = side;
	parts[n++] = key;
	for (size_t p = 0; p < n; p++) {
		if (p && buf_addch(b, '/') < 0)
			return -1;
		const char *s = parts[p];
		size_t len = p + 1 == n ? keylen : strlen(s);
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];
			int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				    c == '.' || c == '_' || c == '/' || c == ':' || c == '-';
			if (plain ? buf_addch(b, (char)c) < 0
				  : buf_add(b, (char[]){ '~', hex[c >> 4], hex[c & 15] }, 3) < 0)
				return -1;
		}
	}
	return 0;
}
