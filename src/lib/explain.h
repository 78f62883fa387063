/*
 * explain.h - a finding's match explanation in words, for the reports.
 *
 * sosr-diff with identities (docs/FORMATS.md section 3, "Identities")
 * writes, on every finding about a pair, which identity paired it
 * ("matched_by") and which identity and compared fields agree ("agree");
 * on a record no identity could pair, why each one did not ("unpaired");
 * on a duplicate, the records of the other side ("other_records").  These
 * functions put that into one line of plain text, the same words in
 * report.txt, report.html and csv/findings.csv:
 *
 *   paired by private_ip 10.1.2.3 in dal10; differ: fqdn; agree: id,
 *   datacenter; not on both sides: serial
 *   not paired by private_ip 10.1.2.6 in dal10: ambiguous, 1 candidate in
 *   SoftLayer (device/amb1...), 2 in SOS (device/ambx..., device/amby...)
 *
 * The text holds values from the inventories as they are: the caller makes
 * it safe for its medium (a terminal, HTML, CSV).  Each appends to B and
 * returns 0, or -1 when B's cap is reached; nothing is appended when the
 * finding has no explanation (a stream of format 1).
 */
#ifndef SOSR_EXPLAIN_H
#define SOSR_EXPLAIN_H

struct buf;
struct json_object;

/* The pair of FINDING (a mismatch or a duplicate): "paired by ...". */
int explain_pair(struct buf *b, struct json_object *finding);
/* Each of FINDING's "unpaired" notes, "; "-separated: "not paired by ...". */
int explain_unpaired(struct buf *b, struct json_object *finding);

#endif
