/*
 * ids.c - the identifiers of SoftLayer objects that are derived from the
 * estate's seed and the object's id rather than drawn or stored.
 *
 * A hardware serialNumber is assigned once at generation (and then stored,
 * so a loaded estate keeps it); globalIdentifier, the guests' uuid and
 * manufacturerSerialNumber are computed whenever an object is served, so
 * they cost no memory and need not be in the estate files.  Each is a
 * stateless mix of (seed, id): the same in every answer and every run.
 */
#include "estate.h"
#include "rng.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

void sl_global_identifier(const struct estate *e, uint32_t id, char out[40])
{
	uint64_t a = mix64(e->seed ^ ((uint64_t)id << 1)), b = mix64(a + id);
	snprintf(out, 40, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		 (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
		 (unsigned long long)(b & 0xffffffffffffULL));
}

void sl_manufacturer_serial(const struct estate *e, uint32_t id, char out[16])
{
	static const char al[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	uint64_t h = mix64(e->seed * 31 + id + 7);
	memcpy(out, "MXQ", 3);
	for (int i = 3; i < 10; i++) {
		out[i] = al[h % 34];
		h /= 34;
	}
	out[10] = '\0';
}

char *sl_serial_number(uint64_t seed, uint32_t id)
{
	static const char al[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char s[16];
	uint64_t h = mix64(seed * 131 + id);
	memcpy(s, "SL0", 3);
	for (int i = 3; i < 8; i++) {
		s[i] = al[h % 36];
		h /= 36;
	}
	s[8] = '\0';
	return xstrdup(s);
}
