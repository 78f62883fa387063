/* rng.c - see rng.h */
#include "rng.h"

#include <string.h>

uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t prng_next(struct prng *p)
{
	return mix64(p->s += 0x9e3779b97f4a7c15ULL);
}

uint64_t prng_below(struct prng *p, uint64_t n)
{
	return n ? prng_next(p) % n : 0;
}

double prng_unit(struct prng *p)
{
	return (double)(prng_next(p) >> 11) / 9007199254740992.0;
}

/* Swap SIZE bytes at A and B (distinct or equal), a chunk at a time. */
static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
	unsigned char t[64];
	if (a == b)
		return;
	while (size) {
		size_t n = size < sizeof t ? size : sizeof t;
		memcpy(t, a, n);
		memcpy(a, b, n);
		memcpy(b, t, n);
		a += n, b += n, size -= n;
	}
}

void prng_shuffle(struct prng *p, void *base, size_t n, size_t size)
{
	unsigned char *v = base;
	for (size_t i = n; i > 1; i--) {
		size_t j = prng_below(p, i);
		swap_bytes(v + (i - 1) * size, v + j * size, size);
	}
}
