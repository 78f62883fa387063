/*
 * canon.h - the layout of canonical records, shared by the stage that
 * writes them (sosr-normalize) and the one that reads them (sosr-diff).
 *
 * docs/FORMATS.md section 2 is the contract; this module is its table form.
 * A canonical line is
 *     {"key":"KEY","kind":"KIND"SPAN,"source":"SOURCE"...}
 * where SPAN is the run of compared fields (",\"fqdn\":...") in the fixed
 * order of canon_span_fields(kind).  sosr-diff reads the frame of every line
 * with canon_frame() without parsing JSON: the key and the span as byte
 * ranges.  This works because normalize writes every string with jsonw.h,
 * where a '"' inside a string is always written as '\"': the byte sequences
 * "\",\"kind\":\"" and ",\"source\":" cannot occur inside a string, so their
 * first occurrences are the members themselves.
 *
 * Nothing here allocates; the views point into the caller's line.
 */
#ifndef SOSR_CANON_H
#define SOSR_CANON_H

#include <stddef.h>
#include "finding.h"

/* The fields of the compared span of KIND, in layout order, NULL-terminated. */
const char *const *canon_span_fields(enum item_kind kind);
/* The default --compare list of KIND ("private_ip,public_ip,datacenter"). */
const char *canon_default_compare(enum item_kind kind);
/* Parse LIST, a comma-separated list of compared fields of KIND (device or
 * vlan), into OUT (at most MAX, pointing into canon_span_fields(KIND)):
 * the count (0 for "": nothing compared), or -1 with WHY set (a field that is not in the span, or one
 * listed twice). */
int canon_compare_parse(enum item_kind kind, const char *list, const char **out, int max,
			char *why, size_t whylen);

/* Identities: the ways a record of one side can be paired with a record of
 * the other (docs/FORMATS.md section 3, "Identities").  The first identity
 * of a kind's list is the one its key is made of (device: fqdn, or id with
 * sosr-normalize --device-key id; VLAN: router_number); sosr-diff pairs by
 * it in its streaming merge-join, then pairs the records left over on both
 * sides by each next identity of the list, in order.
 *   fqdn           the "fqdn" member
 *   id             the SoftLayer id: "id" of the provenance (SOS carries it
 *                  as softlayer_id, a VLAN's as vlan_id, when it has it)
 *   private_ip     "private_ip" within one "datacenter" (both required)
 *   serial         "serial" (SoftLayer hardware and SOS carry it)
 *   router_number  "router" and "number": a VLAN's key
 * id and serial are strong: a pair by another identity is refused when both
 * records carry a strong identity of the list and it differs. */
enum identity { IDENT_FQDN, IDENT_ID, IDENT_PRIVATE_IP, IDENT_SERIAL, IDENT_ROUTER_NUMBER, IDENT_N };
extern const char *const identity_names[IDENT_N];
#define CANON_MAX_IDENTITIES IDENT_N
/* The identities of KIND by default, fallback pairing on
 * ("fqdn,id,private_ip,serial", "router_number,id"), and with it off (the
 * key alone, --no-fallback). */
const char *canon_default_identities(enum item_kind kind);
const char *canon_key_identity(enum item_kind kind);
/* Parse LIST (comma-separated identity names of KIND) into OUT (at most
 * MAX): the count, or -1 with WHY set (an unknown name, one not of KIND,
 * one listed twice, an empty list, a first one that is not a key). */
int canon_identities_parse(enum item_kind kind, const char *list, enum identity *out, int max,
			   char *why, size_t whylen);
/* Whether identity I vetoes a pair by another one when both records
 * carry it and it differs. */
int canon_identity_strong(enum identity i);

/* The frame of one canonical line, as byte ranges into it. */
struct canon_frame {
	const char *key;      /* the key as written (JSON-escaped), no quotes */
	size_t key_len;
	enum item_kind kind;
	const char *span;     /* the compared span: from after the kind member */
	size_t span_len;      /*   to before ",\"source\":" (may be empty) */
	const char *source;   /* the source value, no quotes ("softlayer") */
	size_t source_len;
};

/* Read the frame of LINE (LEN bytes).  0, or -1 with *why set to a static
 * message saying which part of the layout is wrong.  It checks the layout
 * only (prefix, kind, key prefix "KIND/", source member, closing brace), not
 * that the line is valid JSON: callers parse the lines they copy out. */
int canon_frame(const char *line, size_t len, struct canon_frame *f, const char **why);

#endif
