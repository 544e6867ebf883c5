/*
 * test_cohort.c — per-target cohorts (mpic/cohort.c): determinism per
 * target and secret, case-insensitive targets, disjoint cohorts spanning
 * two RIRs, refusals, and the spread of the first cohort over 10,000
 * targets (a chi-square bound, computed).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mpic/cohort.h"

static const uint8_t SECRET[] = "a coordinator's secret";
static const uint8_t OTHER[] = "another coordinator's secret";

/* 12 remotes over 4 RIRs, unevenly (5, 3, 2, 2) */
static const enum vtg_rir POOL12[] = {
	VTG_RIR_ARIN, VTG_RIR_ARIN, VTG_RIR_ARIN, VTG_RIR_ARIN, VTG_RIR_ARIN,
	VTG_RIR_RIPE, VTG_RIR_RIPE, VTG_RIR_RIPE, VTG_RIR_APNIC, VTG_RIR_APNIC,
	VTG_RIR_LACNIC, VTG_RIR_AFRINIC,
};
#define N12 (sizeof(POOL12) / sizeof(POOL12[0]))

static void make(const uint8_t *secret, size_t len, const char *target, const enum vtg_rir *rir,
		 unsigned pool, unsigned k, struct vtg_cohorts *out)
{
	uint8_t seed[VTG_COHORT_SEED];
	cr_assert_eq(vtg__cohort_seed(secret, len, target, seed), 0);
	cr_assert_eq(vtg__cohorts_make(seed, rir, pool, k, out), 0, "%s k=%u", target, k);
}

/* Disjoint, of size k, each in ascending order and spanning two RIRs. */
static void check_partition(const struct vtg_cohorts *cs, const enum vtg_rir *rir,
			    unsigned pool)
{
	uint32_t seen = 0;
	cr_assert_geq(cs->n, 1);
	cr_assert_leq(cs->n * cs->k, pool);
	for (unsigned c = 0; c < cs->n; c++) {
		uint32_t m = vtg__cohort_mask(cs, c);
		cr_assert_eq((unsigned)__builtin_popcount(m), cs->k, "cohort %u has %u", c,
			     (unsigned)__builtin_popcount(m));
		cr_assert_eq(seen & m, 0, "cohort %u shares a perspective", c);
		seen |= m;
		unsigned rirs = 0;
		for (unsigned i = 0; i < pool; i++)
			if (m & (1u << i))
				rirs |= 1u << rir[i];
		cr_assert_geq(__builtin_popcount(rirs), 2, "cohort %u in one RIR", c);
		for (unsigned i = c * cs->k + 1; i < c * cs->k + cs->k; i++)
			cr_assert_lt(cs->member[i - 1], cs->member[i]);
	}
}

Test(cohort, same_target_same_cohorts_any_case)
{
	struct vtg_cohorts a, b, c;
	make(SECRET, sizeof(SECRET), "shop.example", POOL12, N12, 3, &a);
	make(SECRET, sizeof(SECRET), "shop.example", POOL12, N12, 3, &b);
	make(SECRET, sizeof(SECRET), "SHOP.Example", POOL12, N12, 3, &c);
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);
	cr_assert_eq(memcmp(&a, &c, sizeof(a)), 0);
	cr_assert_eq(a.n, 4);
	check_partition(&a, POOL12, N12);
}

/* Over 200 targets, another secret gives another first cohort for most
 * (the chance that two random 3-sets of 12 agree is 1/220). */
Test(cohort, different_secrets_different_cohorts)
{
	unsigned same = 0;
	for (int t = 0; t < 200; t++) {
		char name[32];
		snprintf(name, sizeof(name), "n%d.example", t);
		struct vtg_cohorts a, b;
		make(SECRET, sizeof(SECRET), name, POOL12, N12, 3, &a);
		make(OTHER, sizeof(OTHER), name, POOL12, N12, 3, &b);
		same += vtg__cohort_mask(&a, 0) == vtg__cohort_mask(&b, 0);
	}
	cr_assert_lt(same, 10, "%u of 200 first cohorts equal under two secrets", same);
	/* and different targets under one secret differ as well */
	struct vtg_cohorts x, y;
	make(SECRET, sizeof(SECRET), "a.example", POOL12, N12, 4, &x);
	make(SECRET, sizeof(SECRET), "b.example", POOL12, N12, 4, &y);
	cr_assert_neq(memcmp(x.member, y.member, N12), 0);
}

/* Every cohort of every size over many targets: disjoint, two RIRs. */
Test(cohort, partitions_are_disjoint_and_span_two_rirs)
{
	for (unsigned k = 2; k <= N12; k++)
		for (int t = 0; t < 300; t++) {
			char name[32];
			snprintf(name, sizeof(name), "p%d.example", t);
			struct vtg_cohorts cs;
			make(SECRET, sizeof(SECRET), name, POOL12, N12, k, &cs);
			cr_assert_eq(cs.n, N12 / k, "k=%u: %u cohorts", k, cs.n);
			check_partition(&cs, POOL12, N12);
		}
}

/* A pool too lopsided for floor(pool/k) cohorts: fewer, still valid. 6
 * ARIN and 1 RIPE make one cohort of 3 with two RIRs, not two. */
Test(cohort, lopsided_pool_fewer_cohorts)
{
	static const enum vtg_rir p[] = {VTG_RIR_ARIN, VTG_RIR_ARIN, VTG_RIR_ARIN, VTG_RIR_ARIN,
					 VTG_RIR_ARIN, VTG_RIR_ARIN, VTG_RIR_RIPE};
	for (int t = 0; t < 100; t++) {
		char name[32];
		snprintf(name, sizeof(name), "l%d.example", t);
		struct vtg_cohorts cs;
		make(SECRET, sizeof(SECRET), name, p, 7, 3, &cs);
		cr_assert_eq(cs.n, 1);
		check_partition(&cs, p, 7);
	}
}

Test(cohort, refusals)
{
	uint8_t seed[VTG_COHORT_SEED];
	struct vtg_cohorts cs;
	cr_assert_eq(vtg__cohort_seed(SECRET, sizeof(SECRET), "x.example", seed), 0);
	cr_assert_eq(vtg__cohorts_make(seed, POOL12, N12, N12 + 1, &cs), -EINVAL, "k > pool");
	cr_assert_eq(vtg__cohorts_make(seed, POOL12, N12, 1, &cs), -EINVAL, "k = 1");
	cr_assert_eq(vtg__cohorts_make(seed, POOL12, N12, 0, &cs), -EINVAL, "k = 0");
	static const enum vtg_rir one[] = {VTG_RIR_ARIN, VTG_RIR_ARIN, VTG_RIR_ARIN};
	cr_assert_eq(vtg__cohorts_make(seed, one, 3, 2, &cs), -ENOSPC, "one RIR");
	cr_assert_eq(vtg__cohort_seed(SECRET, 0, "x.example", seed), -EINVAL, "no secret");
	cr_assert_eq(vtg__cohort_seed(SECRET, sizeof(SECRET), "", seed), -EINVAL, "no target");
	cr_assert_eq(vtg__cohort_mask(&(struct vtg_cohorts){.k = 2, .n = 1}, 1), 0);
}

/*
 * Evenness: over 10,000 targets each perspective of a balanced pool (8
 * remotes, 4 RIRs, 2 each) lands in the first cohort of 4 with probability
 * 1/2. Chi-square of the 8 counts against 5,000 each, over 7 degrees of
 * freedom: the 0.999 quantile is 24.32, so a fair shuffle fails this one
 * time in a thousand and this seed set is fixed (deterministic). A biased
 * choice (one perspective at 0.54) gives about 36 and fails. Also the
 * uneven 12-pool at k = 3 (a fifth of its shuffles are invalid and
 * rejected) within a max/min ratio.
 */
Test(cohort, first_cohort_spread_over_10000_targets)
{
	static const enum vtg_rir p8[] = {VTG_RIR_ARIN, VTG_RIR_ARIN, VTG_RIR_RIPE, VTG_RIR_RIPE,
					  VTG_RIR_APNIC, VTG_RIR_APNIC, VTG_RIR_LACNIC,
					  VTG_RIR_LACNIC};
	enum { TARGETS = 10000 };
	unsigned cnt8[8] = {0}, cnt12[N12] = {0};
	for (int t = 0; t < TARGETS; t++) {
		char name[32];
		snprintf(name, sizeof(name), "t%d.example", t);
		struct vtg_cohorts cs;
		make(SECRET, sizeof(SECRET), name, p8, 8, 4, &cs);
		for (unsigned i = 0; i < 4; i++)
			cnt8[cs.member[i]]++;
		make(SECRET, sizeof(SECRET), name, POOL12, N12, 3, &cs);
		for (unsigned i = 0; i < 3; i++)
			cnt12[cs.member[i]]++;
	}
	double expect = TARGETS * 4.0 / 8, chi2 = 0;
	for (unsigned i = 0; i < 8; i++)
		chi2 += (cnt8[i] - expect) * (cnt8[i] - expect) / expect;
	cr_assert_lt(chi2, 24.32, "chi-square %.2f over 7 df", chi2);
	unsigned lo = TARGETS, hi = 0;
	for (unsigned i = 0; i < N12; i++) {
		lo = cnt12[i] < lo ? cnt12[i] : lo;
		hi = cnt12[i] > hi ? cnt12[i] : hi;
	}
	/* 2,500 each if no RIR mattered (sd ~ 43, so noise alone keeps the
	 * ratio near 1.07); validity favours the rare RIRs a little. A
	 * greedy repair instead of rejection measured 1.13 here */
	cr_assert_lt((double)hi / lo, 1.10, "12-pool first cohort: min %u max %u", lo, hi);
}
