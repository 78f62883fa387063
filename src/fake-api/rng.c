/* rng.c - see rng.h */
#include "rng.h"

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
