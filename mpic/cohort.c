/*
 * cohort.c — per-target cohorts of remote perspectives. See cohort.h.
 *
 * The partition: Fisher-Yates shuffles of the pool drawn from the seed's
 * SHA-256 counter stream, each dealt into n = floor(pool / k) consecutive
 * cohorts, until one whose every cohort spans two RIRs (rejection
 * sampling: a uniform choice among the valid partitions). When
 * SHUFFLE_TRIES shuffles all fail, the first is repaired: a cohort all in
 * one RIR swaps one of its members with a perspective of another RIR,
 * taken first from the perspectives left over and then from another
 * cohort that keeps two RIRs without it; when no swap helps, one cohort
 * fewer is tried. tests/unit/mpic/test_cohort.c measures the spread of the
 * first cohort over 10,000 targets.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "mpic/cohort.h"

#define TARGET_MAX 255 /* a domain name in text or an IP literal: what is hashed */
/* shuffles tried before repairing one: a partition of a pool whose largest
 * RIR holds under half the perspectives is valid more often than not, so
 * 32 failures in a row mean valid partitions are rare (a lopsided pool) */
#define SHUFFLE_TRIES 32

int vtg__cohort_seed(const uint8_t *secret, size_t secret_len, const char *target,
		     uint8_t seed[VTG_COHORT_SEED])
{
	size_t n = target ? strlen(target) : 0;
	if (!secret || !secret_len || !n || n > TARGET_MAX)
		return -EINVAL;
	/* ASCII lowercase only: targets are A-labels or IP literals, and
	 * Example.COM and example.com are one target */
	char low[TARGET_MAX];
	for (size_t i = 0; i < n; i++)
		low[i] = (target[i] >= 'A' && target[i] <= 'Z') ? (char)(target[i] + 32) : target[i];
	unsigned len = 0;
	if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)low, n, seed, &len) ||
	    len != VTG_COHORT_SEED)
		return -EINVAL;
	return 0;
}

/* SHA-256 in counter mode over the seed: block i = SHA-256(seed || i). */
struct prng {
	uint8_t seed[VTG_COHORT_SEED];
	uint64_t counter;
	uint8_t block[SHA256_DIGEST_LENGTH];
	unsigned used; /* octets of block consumed */
};

static void prng_init(struct prng *g, const uint8_t seed[VTG_COHORT_SEED])
{
	memcpy(g->seed, seed, VTG_COHORT_SEED);
	g->counter = 0;
	g->used = sizeof(g->block);
}

static uint32_t prng_u32(struct prng *g)
{
	if (g->used + 4 > sizeof(g->block)) {
		uint8_t in[VTG_COHORT_SEED + 8];
		memcpy(in, g->seed, VTG_COHORT_SEED);
		for (int i = 0; i < 8; i++)
			in[VTG_COHORT_SEED + i] = (uint8_t)(g->counter >> (56 - 8 * i));
		g->counter++;
		SHA256(in, sizeof(in), g->block);
		g->used = 0;
	}
	const uint8_t *b = g->block + g->used;
	g->used += 4;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Uniform in [0, n): rejection of the top partial range (no modulo bias). */
static unsigned prng_below(struct prng *g, unsigned n)
{
	uint32_t limit = UINT32_MAX - (uint32_t)((UINT32_MAX % n + 1) % n);
	uint32_t x;
	do
		x = prng_u32(g);
	while (x > limit);
	return x % n;
}

/* Distinct RIRs among perm[start .. start + k). */
static unsigned rirs_of(const uint8_t *perm, unsigned start, unsigned k, const enum vtg_rir *rir)
{
	unsigned mask = 0, n = 0;
	for (unsigned i = start; i < start + k; i++)
		if (!(mask & (1u << rir[perm[i]]))) {
			mask |= 1u << rir[perm[i]];
			n++;
		}
	return n;
}

/* Swap perm[a] and perm[b]. */
static void swap8(uint8_t *perm, unsigned a, unsigned b)
{
	uint8_t t = perm[a];
	perm[a] = perm[b];
	perm[b] = t;
}

/* Give cohort c (one RIR) a second RIR by one swap; false when none works.
 * Candidates: the leftovers first (no cohort loses anything), then the
 * members of other cohorts whose cohort keeps two RIRs after the swap. */
static bool repair(uint8_t *perm, unsigned pool, unsigned n, unsigned k, unsigned c,
		   const enum vtg_rir *rir)
{
	unsigned mine = c * k + k - 1; /* the member given away */
	enum vtg_rir r = rir[perm[mine]];
	for (unsigned j = n * k; j < pool; j++)
		if (rir[perm[j]] != r) {
			swap8(perm, mine, j);
			return true;
		}
	for (unsigned d = 0; d < n; d++) {
		if (d == c)
			continue;
		for (unsigned j = d * k; j < d * k + k; j++) {
			if (rir[perm[j]] == r)
				continue;
			swap8(perm, mine, j);
			if (rirs_of(perm, d * k, k, rir) >= 2)
				return true;
			swap8(perm, mine, j); /* d would lose its second RIR */
		}
	}
	return false;
}

/* One Fisher-Yates shuffle of perm[0..pool) from g. */
static void shuffle(struct prng *g, uint8_t *perm, unsigned pool)
{
	for (unsigned i = pool - 1; i > 0; i--)
		swap8(perm, i, prng_below(g, i + 1));
}

static bool all_span_two(const uint8_t *perm, unsigned n, unsigned k, const enum vtg_rir *rir)
{
	for (unsigned c = 0; c < n; c++)
		if (rirs_of(perm, c * k, k, rir) < 2)
			return false;
	return true;
}

int vtg__cohorts_make(const uint8_t seed[VTG_COHORT_SEED], const enum vtg_rir *rir,
		      unsigned pool, unsigned k, struct vtg_cohorts *out)
{
	if (k < 2 || k > pool || pool > VTG_COHORT_POOL_MAX)
		return -EINVAL;
	uint8_t perm[VTG_COHORT_POOL_MAX], first[VTG_COHORT_POOL_MAX];
	for (unsigned i = 0; i < pool; i++)
		perm[i] = (uint8_t)i;
	struct prng g;
	prng_init(&g, seed);
	for (unsigned n = pool / k; n > 0; n--) {
		/* rejection first: a shuffle whose every cohort spans two RIRs
		 * is a uniform draw among the valid partitions, so no
		 * perspective is favoured beyond what validity itself demands */
		bool ok = false;
		for (unsigned t = 0; t < SHUFFLE_TRIES && !ok; t++) {
			shuffle(&g, perm, pool);
			if (t == 0)
				memcpy(first, perm, pool);
			ok = all_span_two(perm, n, k, rir);
		}
		/* pools so lopsided that valid partitions are rare: repair */
		if (!ok) {
			memcpy(perm, first, pool);
			ok = true;
			for (unsigned c = 0; c < n && ok; c++)
				if (rirs_of(perm, c * k, k, rir) < 2)
					ok = repair(perm, pool, n, k, c, rir);
		}
		if (!ok)
			continue;
		/* each cohort in ascending pool order: one canonical set (the
		 * coordinator caches an engine per set) */
		for (unsigned c = 0; c < n; c++)
			for (unsigned i = c * k + 1; i < c * k + k; i++)
				for (unsigned j = i; j > c * k && perm[j - 1] > perm[j]; j--)
					swap8(perm, j - 1, j);
		memset(out, 0, sizeof(*out));
		out->k = k;
		out->n = n;
		memcpy(out->member, perm, pool);
		return 0;
	}
	return -ENOSPC;
}

uint32_t vtg__cohort_mask(const struct vtg_cohorts *cs, unsigned c)
{
	uint32_t m = 0;
	if (c >= cs->n)
		return 0;
	for (unsigned i = c * cs->k; i < c * cs->k + cs->k; i++)
		m |= 1u << cs->member[i];
	return m;
}
