/*
 * map.h - which raw field feeds which canonical field: the mapping
 * sosr-normalize applies, and `sosr-config check` loads to validate.
 *
 * The SOS wire format is not public and SoftLayer object masks vary, so the
 * raw-to-canonical mapping is data, not code: a JSON document
 *     { "softlayer": { "hardware": {...}, "virtual_guest": {...}, "vlan": {...} },
 *       "sos":       { "device": {...}, "vlan": {...} } }
 * where each profile maps a canonical field name to a path into the raw
 * object's "data" ("datacenter.name"), a list of paths tried in order (the
 * first present, non-null one wins), or null (the field is not read).  The
 * compiled-in defaults (map_default_json) follow specs/; a --map file
 * overlays them field by field, so it need only name what differs.
 * docs/man/sosr-normalize.1 documents the format.
 *
 * A struct mapping owns its path strings; map_free releases them.
 */
#ifndef SOSR_MAP_H
#define SOSR_MAP_H

#include <stddef.h>

#include "jsonscan.h"

struct json_object;

/* The canonical fields a profile can feed. */
enum mfield {
	MF_ID, MF_FQDN, MF_HOSTNAME, MF_DOMAIN, MF_PRIVATE_IP, MF_PUBLIC_IP,
	MF_DATACENTER, MF_SERIAL, MF_DEVICE_TYPE, MF_STATUS, MF_POWER_STATE,
	MF_CREATED, MF_APPLICATION, MF_ENVIRONMENT, MF_UPDATED,
	MF_NUMBER, MF_ROUTER, MF_SPACE, MF_NAME, MF_SCAN_ZONE,
	MF_N
};

/* The (source, raw type) pairs that normalize knows. */
enum profile {
	P_SL_HARDWARE, P_SL_GUEST, P_SL_VLAN, P_SOS_DEVICE, P_SOS_VLAN,
	P_N
};

enum source { SRC_SOFTLAYER, SRC_SOS };

#define MAP_MAX_ALT 4   /* alternatives for one field */
#define MAP_MAX_SEG 8   /* segments of one path */

struct map_path {
	int nseg;
	char *seg[MAP_MAX_SEG];
};

struct map_field {
	int nalt;       /* 0: the field is not read */
	struct map_path alt[MAP_MAX_ALT];
};

struct mapping {
	struct map_field f[P_N][MF_N];
};

extern const char *const mfield_names[MF_N];
extern const char map_default_json[];

/* Profile of (SOURCE, raw TYPE) or -1; its source and whether it is a VLAN. */
int map_profile(enum source src, const char *type, size_t len);
int map_profile_is_vlan(enum profile p);
enum source map_profile_source(enum profile p);
const char *map_profile_type(enum profile p);
const char *map_source_name(enum source s);

/* Load the defaults, then overlay PATH when not NULL.  Errors are fatal
 * (SOSR_EXIT_USAGE, naming the file and the key path). */
void map_load(struct mapping *m, const char *path);
void map_free(struct mapping *m);

/* The value of field F for the raw object DATA: borrowed from DATA, NULL
 * when no alternative is present and non-null. */
struct json_object *map_get(const struct mapping *m, enum profile p, enum mfield f,
			    struct json_object *data);

/* The same, read from DATA's raw text (a valid object, jsonscan.h): 1
 * with *VALUE the value's bytes as written, 0 when absent or null.  Where
 * map_get sees json-c's value (which has lost the digits of a whole number
 * beyond 64 bits), this sees the text.  A member named twice is taken at
 * its first occurrence (json-c keeps the last): ask map_ambiguous first. */
int map_get_raw(const struct mapping *m, enum profile p, enum mfield f, struct jspan data,
		struct jspan *value);

/* Is one of the N fields FIELDS ambiguous in DATA's raw text: a member on
 * the path of one of its alternatives named more than once in its object
 * (JSON allows it; json-c keeps the last one silently)?  1 with *WHICH the
 * field and *TIMES how often the member is named, else 0.  One pass over
 * DATA's members, then the few objects the longer paths go through.
 * DATA starts at the object's '{' and may run on past its closing brace
 * (to the end of the enclosing text): the pass stops at that brace and
 * sets *END after it, so that a caller who knows where the object starts
 * learns where it ends from the same pass. */
int map_ambiguous(const struct mapping *m, enum profile p, const enum mfield *fields, size_t n,
		  struct jspan data, const char **end, enum mfield *which, int *times);

#endif
