/*
 * finding.h - the project's vocabulary: the kinds of inventory item, the
 * types of finding a reconciliation can make, and their names on the wire
 * and their words for people.
 *
 * Every stage that writes or reads findings (sosr-diff, sosr-render,
 * sosr-alert, and the configuration's threshold rules) takes the names and
 * the order from here, so that a new type or a renamed one is changed once.
 * docs/FORMATS.md section 3 is the contract the names are part of.
 *
 * The order of enum finding_type is the order of the text report's sections
 * and of findings within one key in the stream (sosr-diff writes them in
 * this order); the first FT_NFINDINGS types are findings, the rest are
 * informational records that never count towards significance.
 */
#ifndef SOSR_FINDING_H
#define SOSR_FINDING_H

#include <stddef.h>

/* What a record describes; "unidentified" records have no identity key. */
enum item_kind {
	KIND_DEVICE,
	KIND_VLAN,
	KIND_UNIDENTIFIED,
	KIND_N
};

enum finding_type {
	FT_MISSING_IN_SOS,       /* in SoftLayer, not in SOS: unmonitored */
	FT_MISSING_IN_SOFTLAYER, /* in SOS, not in SoftLayer: stale */
	FT_MISMATCH,             /* in both, compared fields differ */
	FT_DUPLICATE,            /* one key more than once on one side */
	FT_UNIDENTIFIED,         /* a record without an identity */
	FT_PENDING,              /* informational: within the grace period */
	FT_EXCLUDED,             /* informational: SOS build or available */
	FT_RESOLVED,             /* informational: open last run, gone today
	                            (sosr-track) */
	FT_N
};
#define FT_NFINDINGS FT_PENDING

/* The lifecycle status of a finding across runs (sosr-track). */
enum finding_status { STATUS_NEW, STATUS_RECURRING, STATUS_REOPENED, STATUS_N };
extern const char *const finding_status_names[STATUS_N]; /* "NEW", ... */
int finding_status_from_name(const char *s, size_t len);

/* "device", "vlan", "unidentified" */
extern const char *const kind_names[KIND_N];
/* "missing_in_sos", ... as in the stream */
extern const char *const finding_type_names[FT_N];

/* The index of a name (LEN bytes), or -1. */
int kind_from_name(const char *s, size_t len);
int finding_type_from_name(const char *s, size_t len);

/* The heading of a type's section in a report ("in SoftLayer, not in SOS:
 * unmonitored"). */
const char *finding_type_title(enum finding_type t);
/* A type as the predicate of "N records ..." in an alert ("in SoftLayer but
 * missing from SOS (unmonitored)"). */
const char *finding_type_phrase(enum finding_type t);
/* What to do about a finding of a type, in docs/RUNBOOK.md's words ("Exit
 * 1"), for the escalations; "" for the informational types. */
const char *finding_type_action(enum finding_type t);

struct buf;

/* The anchor of a finding: its identity (type, side when it has one, key;
 * for a resolved record "resolved" and the finding's type first) as one
 * string a link can name, report.html#ANCHOR, and findings.csv's "id".
 * The parts are joined by '/'; bytes other than ASCII letters, digits and
 * . _ / : - are written as ~XX (hex), '~' included, so that the anchor is
 * the same bytes in an HTML id, an href and a spreadsheet, and two
 * identities never share one:
 *     missing_in_sos/device/web01.alc.example.com
 *     duplicate/sos/device/db~20one.alc.example.com
 * TYPE is the record's type; FINDING the type a resolved record names
 * (NULL: "?"), SIDE NULL for the types without one; KEY is KEYLEN bytes.
 * 0, or -1 when B's cap is reached. */
int finding_anchor(struct buf *b, enum finding_type type, const char *finding, const char *side,
		   const char *key, size_t keylen);

#endif
