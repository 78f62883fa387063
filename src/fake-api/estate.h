/*
 * estate.h - the simulated estate: SoftLayer accounts with their hardware,
 * virtual guests and VLANs, and the SOS inventory of one C_Code; and the
 * manual of the files that make, keep and write it.
 *
 * An estate is built once at startup (generated from a seed, or loaded from
 * a directory written by estate_write) and is read-only afterwards, so the
 * HTTP handler threads share it without locks.  It owns all its memory;
 * strings that repeat (domains, datacenters, routers, applications) are
 * interned in the estate's string pool and must not be freed one by one.
 *
 * Per account, the indexes of its hardware, guests and VLANs are kept
 * sorted by id, so a page at any offset costs the same (no scan).
 *
 * Values derived from an id (globalIdentifier, uuid, manufacturer serial,
 * fullyQualifiedName, podName) are not stored: see ids.c and softlayer.c.
 *
 * One job a file, in the order of a run:
 *   generate.c  build an estate from a seed, with planted discrepancies
 *   load.c      or read one from a directory (--estate DIR)
 *   estate.c    the estate in memory: string pool, per-account indexes,
 *               release; IPv4 addresses and C_Codes as text
 *   ids.c       identifiers derived from the seed and an id
 *   secrets.c   API keys and tokens (derived, or from files) and the
 *               credentials file
 *   write.c     the estate directory and its raw streams (--write-estate);
 *               atomic file writes
 *   truth.c     the findings a correct reconciliation reports (--truth)
 *   days.c      the days after day 0: the estate changing day by day (--day,
 *               --drop-day)
 *   lifecycle.c what sosr-track must make of the runs of days 0..N
 *               (--lifecycle-truth)
 * The seeded randomness they draw from is rng.h; serving is api.h.
 *
 * While days are played (days.c) a record that leaves the estate is only
 * marked "gone", so that the indexes days.c keeps into the arrays stay
 * valid; truth.c skips gone records, and estate_compact removes them before
 * the estate is indexed, written or served.  Nothing else ever sees one.
 */
#ifndef SOSR_FAKE_ESTATE_H
#define SOSR_FAKE_ESTATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

enum sl_type { SL_HARDWARE, SL_GUEST };
enum sos_status { SOS_LIVE, SOS_BUILD, SOS_AVAILABLE };
enum space { SPACE_PRIVATE, SPACE_PUBLIC };
enum auth_kind { AUTH_BASIC, AUTH_APIKEY };

struct sl_dev {
	uint32_t id;
	uint16_t account;           /* index into estate.accounts */
	uint8_t type;               /* enum sl_type */
	uint8_t halted;             /* guests: powerState HALTED */
	uint8_t gone;               /* removed on a played day (days.c) */
	char *hostname;             /* NULL: the API returns null (unidentified) */
	const char *domain;         /* interned */
	const char *datacenter;     /* interned, lower case ("dal10") */
	const char *status;         /* interned: ACTIVE, DEPLOY, ... */
	char *serial;               /* hardware serialNumber; NULL for guests */
	uint32_t private_ip;        /* IPv4, host order; 0 = absent */
	uint32_t public_ip;         /* 0 = absent (private-only) */
	int64_t created;            /* provisionDate (hw), createDate (guest) */
};

struct sl_vlan {
	uint32_t id;
	uint16_t account;
	uint16_t number;
	uint8_t space;              /* enum space */
	uint8_t gone;
	const char *router;         /* interned, "bcr01a.dal10" */
	const char *datacenter;     /* interned */
	char *name;                 /* NULL: no name */
};

struct sos_dev {
	char *hostname;             /* NULL: absent */
	const char *domain;         /* NULL: absent */
	const char *datacenter;     /* as SOS writes it ("DAL10") */
	char *serial;               /* NULL: absent */
	uint32_t softlayer_id;      /* 0: absent */
	uint32_t ip_address, public_ip;
	uint8_t bare_metal;
	uint8_t status;             /* enum sos_status */
	uint8_t gone;
	const char *application, *environment;
	int64_t updated;
};

struct sos_vlan {
	uint32_t vlan_id;
	uint16_t vlan_number;
	uint8_t space;
	uint8_t gone;
	const char *router, *datacenter, *scan_zone;
	char *name;
};

struct account {
	char *id;                   /* "1000001" */
	char *username;             /* "SL1000001" */
	char *api_key;              /* secret */
	char *token;                /* secret: accepted as a Bearer token */
	int auth;                   /* enum auth_kind: what the credentials file advertises */
	uint32_t *hw, *vg, *vl;     /* indexes into estate arrays, by id ascending */
	size_t nhw, nvg, nvl;
};

struct strpool;

struct estate {
	char *c_code;
	char **other_c_codes;       /* known C_Codes the token may not read (403) */
	size_t n_other;
	int64_t now;
	uint64_t seed;
	struct account *accounts;
	size_t naccounts;
	struct sl_dev *sl;
	size_t nsl;
	struct sl_vlan *slv;
	size_t nslv;
	struct sos_dev *sos;
	size_t nsos;
	struct sos_vlan *sosv;
	size_t nsosv;
	char *sos_token;            /* secret */
	struct strpool *pool;
};

/* ---- generate.c ---- */

struct gen_params {
	uint64_t seed;
	size_t accounts, devices, vlans;
	const char *c_code;
	double drift;
	int64_t now;
};

/* Generate an estate; dies on a usage problem (too many VLANs, ...). */
void estate_generate(struct estate *e, const struct gen_params *p);

/* The pieces of generation that days.c makes new records with, so that a
 * device added on day 5 looks like one of day 0. */
extern const char *const gen_datacenters[];
extern const size_t gen_ndatacenters;
/* VLAN names by space (private, public); NULL: unnamed. */
extern const char *const gen_vlan_names[2][4];
struct prng;
/* SOS's record of SoftLayer device D, as SOS registers it at E->now
 * (status Build while the device is younger than 48 h). */
void gen_sos_from_sl(struct estate *e, struct sos_dev *o, const struct sl_dev *d, struct prng *r);
/* A public address in 169.44-63.x.x. */
uint32_t gen_public_ip(struct prng *r);
/* A copy of S in upper case (the caller frees it). */
char *gen_upper(const char *s);
/* SOS's scan zone of a VLAN: "<C_CODE>-<DC>-PUBLIC|PRIVATE", interned. */
const char *gen_scan_zone(struct estate *e, const char *datacenter, int space);

/* ---- identities.c ---- */

/* Plant N of each identity case (docs/SIMULATOR.md, "Identity cases") on
 * a generated estate, and re-index it; dies (usage) when it is too small. */
void estate_plant_identities(struct estate *e, size_t n);
/* Write how each planted case must pair (docs/FORMATS.md section 4). */
void estate_write_identity_truth(const char *path);

/* ---- days.c ---- */

enum drop_side { DROP_BOTH, DROP_SOFTLAYER, DROP_SOS };
enum drop_kind { DROP_DEVICE, DROP_VLAN };

struct day_params {
	int day;                    /* the day served: 0 is the generated estate */
	int drop_day;               /* the day of the mass drop; -1: none */
	int drop_side;              /* enum drop_side */
	int drop_kind;              /* enum drop_kind */
	double drop_percent;        /* of the side's population of that kind */
	const unsigned char *incomplete; /* [day]: that day's run did not complete
	                               (for the lifecycle truth); NULL: none */
	const char *lifecycle_path; /* --lifecycle-truth FILE, or NULL */
};

/* Play days 1..P->day on E, generated for day 0 at E->now - day x 24 h
 * (each day's E->now a day later, the last one the time asked for); then
 * compact and index E.  With P->lifecycle_path, the lifecycle of the days'
 * runs, for lifecycle_write (else NULL).  Day 0 with no lifecycle truth
 * does not need it: day 0 is the generated estate, byte for byte. */
struct lifecycle *estate_play_days(struct estate *e, const struct gen_params *g, const struct day_params *p);

/* ---- lifecycle.c ---- */

struct lifecycle;
struct truth;
/* The model of sosr-track's ledger, fed one day at a time. */
struct lifecycle *lifecycle_new(void);
/* Day DAY's findings (TRUTH, of E at E->now) and populations;
 * COMPLETE: its run completed, so it moves the ledger. */
void lifecycle_day(struct lifecycle *lc, const struct estate *e, const struct truth *t, int day, int complete);
/* Write the lifecycle truth of the last day fed (docs/FORMATS.md 4). */
void lifecycle_write(struct lifecycle *lc, const char *path);
void lifecycle_free(struct lifecycle *lc);

/* ---- load.c ---- */

/* Load DIR (the layout of estate_write); dies with file:line on bad data
 * (exit 7), or when a file cannot be read (exit 9). */
void estate_load(struct estate *e, const char *dir);

/* ---- estate.c ---- */

/* S's copy in the estate's pool (added on first use): owned by the
 * estate, valid until estate_free. */
const char *estate_intern(struct estate *e, const char *s);
/* Build the per-account indexes, sorted by id, from the arrays; dies
 * (exit 7) when an account has two objects of one type with the same id.
 * Generation and loading call it last. */
void estate_index(struct estate *e);
/* Remove the records marked gone (days.c), keeping the order of the
 * others; the indexes must be rebuilt after it (estate_index). */
void estate_compact(struct estate *e);
void estate_free(struct estate *e);
/* A C_Code, or a name made from one, in the form of a DNS name, in place:
 * lower case, '_' as '-' ("ALC_WAT.example.com" -> "alc-wat.example.com"),
 * as in the generated domains and the account's e-mail address. */
void c_code_dns(char *s);
/* An IPv4 address (host order) as dotted text, and back (0 or -1). */
void fmt_ip(uint32_t ip, char out[16]);
int parse_ip(const char *s, uint32_t *out);

/* ---- ids.c ---- */

/* globalIdentifier of object ID (and, with a mixed id, a guest's uuid):
 * a version-4-shaped UUID. */
void sl_global_identifier(const struct estate *e, uint32_t id, char out[40]);
/* manufacturerSerialNumber: "MXQ" and 7 characters. */
void sl_manufacturer_serial(const struct estate *e, uint32_t id, char out[16]);
/* A hardware serialNumber ("SL0" and 5 characters), the caller's to free;
 * assigned at generation, stored from then on. */
char *sl_serial_number(uint64_t seed, uint32_t id);

/* ---- secrets.c ---- */

/* Set the secrets: from the files when given (NULL: derived from the
 * seed).  A bad file is a usage error (exit 2) naming the file, never a
 * secret. */
void estate_set_secrets(struct estate *e, const char *api_key_file, const char *sos_token_file);
/* Write the credentials file (docs/SIMULATOR.md, "Credentials file"), mode
 * 0600, for a server answering at BASE ("http://127.0.0.1:PORT"). */
void estate_write_credentials(const struct estate *e, const char *path, const char *base);

/* ---- write.c ---- */

/* Write DIR: estate.json, softlayer.ndjson, sos.ndjson, raw/softlayer.ndjson,
 * raw/sos.ndjson.  Dies on I/O errors. */
void estate_write(const struct estate *e, const char *dir);
/* Write a file atomically (PATH.tmp created with MODE, then renamed);
 * dies on error naming WHAT. */
void write_file_atomic(const char *path, const void *data, size_t len, int mode, const char *what);

/* ---- truth.c ---- */

/* The findings and informational records of the estate as the truth file
 * has them: one item a line, sorted as `LC_ALL=C sort` sorts the lines. */
enum truth_side { TS_NONE, TS_SOFTLAYER, TS_SOS };
struct truth_item {
	char *line;                 /* the line of docs/FORMATS.md 4, no newline */
	int type;                   /* enum finding_type (finding.h) */
	int side;                   /* enum truth_side: duplicate, unidentified */
	const char *kind;           /* "device", "vlan", "unidentified" */
	char *key;
	/* mismatches: the differing fields' values as sosr-diff writes them,
	 * "FIELD\tSOFTLAYER\tSOS\n" a field in compare order, a value as its
	 * JSON text (null when absent); else NULL */
	char *values;
};
struct truth {
	struct truth_item *v;
	size_t n, cap;
};
/* Whether the truth is that of sosr-diff with its default identities
 * (docs/FORMATS.md section 3; 1, the default), or of the key alone (0,
 * sosr-diff --no-fallback): set before computing one. */
extern int truth_fallback;
/* Compute the truth of E (gone records are not in it). */
void truth_compute(const struct estate *e, struct truth *t);
void truth_free(struct truth *t);
/* The same, day after day: the cache keeps the records' keys sorted, so a
 * day costs what it changed (and a pass), not a sort of the estate.  The
 * keys of the records it has seen must not change, but for the SoftLayer
 * devices in REKEYED (their hostname set, changed or removed since);
 * records are only added at the end of the arrays, or marked gone. */
struct truth_cache;
struct truth_cache *truth_cache_new(void);
void truth_compute_cached(const struct estate *e, struct truth_cache *c, const uint32_t *rekeyed,
			  size_t nrekeyed, struct truth *t);
void truth_cache_free(struct truth_cache *c);
/* Write the truth file (docs/FORMATS.md section 4). */
void estate_write_truth(const struct estate *e, const char *path);

#endif
