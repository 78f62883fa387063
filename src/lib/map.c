/* map.c - see map.h */
#include "map.h"
#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "jsondoc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#define MAP_FILE_MAX (1u << 20)

const char *const mfield_names[MF_N] = {
	"id", "fqdn", "hostname", "domain", "private_ip", "public_ip",
	"datacenter", "serial", "device_type", "status", "power_state",
	"created", "application", "environment", "updated",
	"number", "router", "space", "name", "scan_zone",
};

/* The defaults, after specs/softlayer-api.md and specs/sos-api.md.  Fields
 * not listed are not read (device_type of a SoftLayer record comes from its
 * raw type).  `sosr-normalize --print-map` prints this text. */
const char map_default_json[] =
"{\n"
"  \"softlayer\": {\n"
"    \"hardware\": {\n"
"      \"id\": \"id\", \"fqdn\": \"fullyQualifiedDomainName\",\n"
"      \"hostname\": \"hostname\", \"domain\": \"domain\",\n"
"      \"private_ip\": \"primaryBackendIpAddress\", \"public_ip\": \"primaryIpAddress\",\n"
"      \"datacenter\": \"datacenter.name\", \"serial\": \"serialNumber\",\n"
"      \"status\": \"hardwareStatus.status\", \"created\": \"provisionDate\"\n"
"    },\n"
"    \"virtual_guest\": {\n"
"      \"id\": \"id\", \"fqdn\": \"fullyQualifiedDomainName\",\n"
"      \"hostname\": \"hostname\", \"domain\": \"domain\",\n"
"      \"private_ip\": \"primaryBackendIpAddress\", \"public_ip\": \"primaryIpAddress\",\n"
"      \"datacenter\": \"datacenter.name\",\n"
"      \"status\": \"status.keyName\", \"power_state\": \"powerState.keyName\",\n"
"      \"created\": [\"createDate\", \"provisionDate\"]\n"
"    },\n"
"    \"vlan\": {\n"
"      \"id\": \"id\", \"number\": \"vlanNumber\", \"router\": \"primaryRouter.hostname\",\n"
"      \"datacenter\": \"primaryRouter.datacenter.name\", \"space\": \"networkSpace\",\n"
"      \"name\": \"name\"\n"
"    }\n"
"  },\n"
"  \"sos\": {\n"
"    \"device\": {\n"
"      \"id\": \"softlayer_id\", \"hostname\": \"hostname\", \"domain\": \"domain\",\n"
"      \"private_ip\": \"ip_address\", \"public_ip\": \"public_ip\",\n"
"      \"datacenter\": \"datacenter\", \"serial\": \"serial\",\n"
"      \"device_type\": \"device_type\", \"status\": \"status\",\n"
"      \"application\": \"application\", \"environment\": \"environment\",\n"
"      \"updated\": \"updated\"\n"
"    },\n"
"    \"vlan\": {\n"
"      \"id\": \"vlan_id\", \"number\": \"vlan_number\", \"router\": \"router\",\n"
"      \"datacenter\": \"datacenter\", \"space\": \"network_space\", \"name\": \"name\",\n"
"      \"scan_zone\": \"scan_zone\"\n"
"    }\n"
"  }\n"
"}\n";

static const char *const profile_types[P_N] = {
	"hardware", "virtual_guest", "vlan", "device", "vlan"
};

int map_profile(enum source src, const char *type, size_t len)
{
	int lo = src == SRC_SOFTLAYER ? P_SL_HARDWARE : P_SOS_DEVICE;
	int hi = src == SRC_SOFTLAYER ? P_SL_VLAN : P_SOS_VLAN;
	for (int p = lo; p <= hi; p++)
		if (strlen(profile_types[p]) == len && memcmp(profile_types[p], type, len) == 0)
			return p;
	return -1;
}

int map_profile_is_vlan(enum profile p)
{
	return p == P_SL_VLAN || p == P_SOS_VLAN;
}

enum source map_profile_source(enum profile p)
{
	return p <= P_SL_VLAN ? SRC_SOFTLAYER : SRC_SOS;
}

const char *map_profile_type(enum profile p)
{
	return profile_types[p];
}

const char *map_source_name(enum source s)
{
	return s == SRC_SOFTLAYER ? "softlayer" : "sos";
}

/* Which fields make sense for a VLAN profile; the rest are device fields. */
static int field_allowed(enum profile p, int f)
{
	int vlan_field = f == MF_ID || f == MF_NUMBER || f == MF_ROUTER || f == MF_DATACENTER ||
			 f == MF_SPACE || f == MF_NAME || f == MF_SCAN_ZONE;
	int device_field = f != MF_NUMBER && f != MF_ROUTER && f != MF_SPACE && f != MF_NAME &&
			   f != MF_SCAN_ZONE;
	return map_profile_is_vlan(p) ? vlan_field : device_field;
}

static void clear_field(struct map_field *mf)
{
	for (int a = 0; a < mf->nalt; a++)
		for (int s = 0; s < mf->alt[a].nseg; s++)
			free(mf->alt[a].seg[s]);
	mf->nalt = 0;
}

#define MAP_HINT "check the mapping file (see sosr-normalize(1))"

static void bad(const char *file, const char *where, const char *what)
{
	struct jd_ctx x = { file, MAP_HINT, SOSR_EXIT_USAGE };
	jd_fail(&x, where, "%s", what);
}

static void set_path(struct map_path *mp, const char *s, const char *file, const char *where)
{
	mp->nseg = 0;
	const char *p = s;
	if (*s == '\0')
		bad(file, where, "empty path");
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0)
			bad(file, where, "empty segment in path");
		if (mp->nseg == MAP_MAX_SEG)
			bad(file, where, "path has too many segments");
		mp->seg[mp->nseg++] = xstrndup(p, n);
		if (!dot)
			break;
		p = dot + 1;
	}
}

static void overlay(struct mapping *m, struct json_object *root, const char *file)
{
	char where[256];
	if (!json_object_is_type(root, json_type_object))
		bad(file, "(top)", "expected an object with \"softlayer\" and/or \"sos\"");
	json_object_object_foreach(root, sname, sobj) {
		enum source src;
		if (strcmp(sname, "softlayer") == 0)
			src = SRC_SOFTLAYER;
		else if (strcmp(sname, "sos") == 0)
			src = SRC_SOS;
		else if (strcmp(sname, "format") == 0)
			continue;
		else {
			snprintf(where, sizeof where, "%s", sname);
			bad(file, where, "unknown source (expected softlayer or sos)");
		}
		if (!json_object_is_type(sobj, json_type_object)) {
			snprintf(where, sizeof where, "%s", sname);
			bad(file, where, "expected an object of record types");
		}
		json_object_object_foreach(sobj, tname, tobj) {
			int p = map_profile(src, tname, strlen(tname));
			snprintf(where, sizeof where, "%s.%s", sname, tname);
			if (p < 0)
				bad(file, where, src == SRC_SOFTLAYER
				    ? "unknown record type (expected hardware, virtual_guest or vlan)"
				    : "unknown record type (expected device or vlan)");
			if (!json_object_is_type(tobj, json_type_object))
				bad(file, where, "expected an object of canonical fields");
			json_object_object_foreach(tobj, fname, fobj) {
				int f;
				for (f = 0; f < MF_N; f++)
					if (strcmp(mfield_names[f], fname) == 0)
						break;
				snprintf(where, sizeof where, "%s.%s.%s", sname, tname, fname);
				if (f == MF_N || !field_allowed((enum profile)p, f))
					bad(file, where, "unknown canonical field for this record type");
				struct map_field *mf = &m->f[p][f];
				clear_field(mf);
				if (fobj == NULL)
					continue;
				if (json_object_is_type(fobj, json_type_string)) {
					set_path(&mf->alt[0], json_object_get_string(fobj), file, where);
					mf->nalt = 1;
				} else if (json_object_is_type(fobj, json_type_array)) {
					size_t n = json_object_array_length(fobj);
					if (n == 0 || n > MAP_MAX_ALT)
						bad(file, where, "expected 1 to 4 paths");
					for (size_t i = 0; i < n; i++) {
						struct json_object *e = json_object_array_get_idx(fobj, i);
						if (!json_object_is_type(e, json_type_string))
							bad(file, where, "expected a list of path strings");
						set_path(&mf->alt[i], json_object_get_string(e), file, where);
						mf->nalt = (int)i + 1;
					}
				} else {
					bad(file, where, "expected a path string, a list of paths, or null");
				}
			}
		}
	}
}

void map_load(struct mapping *m, const char *path)
{
	memset(m, 0, sizeof *m);
	char why[200];
	struct json_object *def = jsondoc_parse(map_default_json, strlen(map_default_json), why, sizeof why);
	if (!def)
		bad("(defaults)", "(file)", why);
	overlay(m, def, "(defaults)");
	json_object_put(def);
	if (!path)
		return;
	struct jd_ctx x = { path, MAP_HINT, SOSR_EXIT_USAGE };
	struct json_object *o = jd_load(&x, path, MAP_FILE_MAX);
	overlay(m, o, path);
	json_object_put(o);
}

void map_free(struct mapping *m)
{
	for (int p = 0; p < P_N; p++)
		for (int f = 0; f < MF_N; f++)
			clear_field(&m->f[p][f]);
}

struct json_object *map_get(const struct mapping *m, enum profile p, enum mfield f,
			    struct json_object *data)
{
	const struct map_field *mf = &m->f[p][f];
	for (int a = 0; a < mf->nalt; a++) {
		struct json_object *o = data;
		const struct map_path *mp = &mf->alt[a];
		int s;
		for (s = 0; s < mp->nseg; s++) {
			if (!json_object_is_type(o, json_type_object) ||
			    !json_object_object_get_ex(o, mp->seg[s], &o) || o == NULL)
				break;
		}
		if (s == mp->nseg && o != NULL)
			return o;
	}
	return NULL;
}

int map_get_raw(const struct mapping *m, enum profile p, enum mfield f, struct jspan data,
		struct jspan *value)
{
	const struct map_field *mf = &m->f[p][f];
	for (int a = 0; a < mf->nalt; a++) {
		struct jspan v = data;
		const struct map_path *mp = &mf->alt[a];
		int s;
		for (s = 0; s < mp->nseg; s++)
			if (jscan_type(v) != JT_OBJECT || !jscan_member(v, mp->seg[s], &v) ||
			    jscan_type(v) == JT_NULL)
				break;
		if (s == mp->nseg) {
			*value = v;
			return 1;
		}
	}
	return 0;
}

#define MAX_NEEDLES (MF_N * MAP_MAX_ALT)

int map_ambiguous(const struct mapping *m, enum profile p, const enum mfield *fields, size_t n,
		  struct jspan data, const char **end, enum mfield *which, int *times)
{
	struct needle {
		const struct map_path *path;
		size_t len0;            /* of its first segment */
		enum mfield f;
		int count;
		struct jspan v;         /* the first member named so */
	} nd[MAX_NEEDLES];
	size_t nn = 0;
	for (size_t i = 0; i < n; i++) {
		const struct map_field *mf = &m->f[p][fields[i]];
		for (int a = 0; a < mf->nalt && nn < MAX_NEEDLES; a++) {
			if (mf->alt[a].nseg < 1)
				continue;
			nd[nn].path = &mf->alt[a];
			nd[nn].len0 = strlen(mf->alt[a].seg[0]);
			nd[nn].f = fields[i];
			nd[nn].count = 0;
			nn++;
		}
	}
	*end = data.p + data.len;
	if (jscan_type(data) != JT_OBJECT)
		return 0;
	/* the members of DATA, once: a name without escapes (the common
	 * case) is compared as bytes */
	struct jiter it;
	struct jspan name, val;
	jscan_iter(&it, data);
	while (jscan_next_member(&it, &name, &val)) {
		int plain = !memchr(name.p, '\\', name.len);
		for (size_t k = 0; k < nn; k++) {
			const char *seg = nd[k].path->seg[0];
			if (plain ? name.len - 2 == nd[k].len0 && memcmp(name.p + 1, seg, nd[k].len0) == 0
				  : jscan_name_is(name, seg, nd[k].len0))
				if (nd[k].count++ == 0)
					nd[k].v = val;
		}
	}
	const char *stop = jscan_iter_stop(&it);
	if (stop < data.p + data.len)
		*end = stop + 1;
	for (size_t k = 0; k < nn; k++) {
		int c = nd[k].count;
		struct jspan v = nd[k].v;
		for (int s = 1; c == 1 && s < nd[k].path->nseg && jscan_type(v) == JT_OBJECT; s++)
			c = jscan_member(v, nd[k].path->seg[s], &v);
		if (c > 1) {
			*which = nd[k].f;
			*times = c;
			return 1;
		}
	}
	return 0;
}
