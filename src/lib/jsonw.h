/*
 * jsonw.h - write JSON text by hand, byte for byte.
 *
 * Canonical records must be byte-identical when their values are equal
 * (sosr-diff compares them as bytes), so they are not produced by
 * json_object_to_json_string, whose key order and escaping are not ours to
 * fix.  These helpers append to a struct buf with one escaping rule:
 * '"' and '\\' escaped, control characters as \b \f \n \r \t or \u00XX,
 * '/' and all other bytes (UTF-8 included) written as they are.  Input
 * strings are expected to be valid UTF-8 (the NDJSON reader checks).
 *
 * All functions return 0, or -1 when the buffer's cap is reached.
 */
#ifndef SOSR_JSONW_H
#define SOSR_JSONW_H

#include <stddef.h>
#include "buf.h"

/* "escaped string" with its quotes. */
int jsonw_str(struct buf *b, const char *s, size_t len);
/* ,"name":"value" or "name":"value" when first is nonzero. */
int jsonw_field_str(struct buf *b, int first, const char *name, const char *s, size_t len);
int jsonw_field_int(struct buf *b, int first, const char *name, long long v);
/* ,"name":RAW where RAW is already JSON text. */
int jsonw_field_raw(struct buf *b, int first, const char *name, const char *raw, size_t len);

struct json_object;

/* O as indented JSON text, the layout of jq's default output (two spaces a
 * level, "key": value, empty arrays and objects as [] and {}), members in
 * their insertion order, strings escaped as above; doubles as json-c
 * writes them (json_object_new_double_s fixes their text), so that a
 * document built in a fixed order is the same bytes every time.  For the
 * files people also read: the manifest. */
int jsonw_pretty(struct buf *b, struct json_object *o);

#endif
