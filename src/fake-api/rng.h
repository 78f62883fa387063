/*
 * rng.h - the simulator's seeded randomness: a small PRNG (splitmix64) and
 * the stateless mix it is built on.
 *
 * Everything the simulator makes up comes from here, seeded from --seed:
 * the estate (generate.c), its default secrets (secrets.c), the values
 * derived from an id (ids.c), the faults and the rotation of unordered
 * SoftLayer pages (faults.c).  So the same seed gives the same bytes, and
 * the sequences are part of the output: changing a function here changes
 * every generated estate.
 *
 * Deterministic on purpose, hence not for secrets that must stay secret
 * (the simulator's are derived from the seed so that tests are
 * reproducible).  A struct prng is plain state with no lock: each user owns
 * its own (faults.c keeps its one behind a mutex).
 */
#ifndef SOSR_FAKE_RNG_H
#define SOSR_FAKE_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct prng {
	uint64_t s;
};

uint64_t prng_next(struct prng *p);
/* Uniform in [0, n) (0 when N is 0). */
uint64_t prng_below(struct prng *p, uint64_t n);
/* Uniform in [0, 1). */
double prng_unit(struct prng *p);
/* Shuffle the N items of SIZE bytes at BASE (Fisher-Yates, from the end:
 * item i-1 swaps with item prng_below(p, i), for i = N down to 2).
 * Inline so that the swap of a constant SIZE is a few moves: generation
 * shuffles millions of records. */
static inline void prng_shuffle(struct prng *p, void *base, size_t n, size_t size)
{
	unsigned char *v = base, t[128];
	for (size_t i = n; i > 1; i--) {
		unsigned char *a = v + (i - 1) * size, *b = v + prng_below(p, i) * size;
		if (a == b)
			continue; /* memcpy onto itself is undefined */
		for (size_t off = 0; off < size; off += sizeof t) {
			size_t k = size - off < sizeof t ? size - off : sizeof t;
			memcpy(t, a + off, k);
			memcpy(a + off, b + off, k);
			memcpy(b + off, t, k);
		}
	}
}

/* A stateless 64-bit mix (splitmix64's finalizer), for values derived from
 * a seed and an id without drawing from a PRNG. */
uint64_t mix64(uint64_t z);

#endif
