/*
 * cohort.h — choosing the remote perspectives of an MPIC attempt (BR
 * 3.2.2.9) for `vantage serve`, as pure logic: no I/O, no allocation.
 *
 * The pool of remote perspectives is partitioned into cohorts of k, a
 * different partition per target: deterministic (the same target always
 * gets the same cohorts, so a retry of an issuance is checked from the same
 * places and an applicant cannot shop for a friendlier set by resubmitting)
 * and unpredictable to anyone without the coordinator's secret (an attacker
 * cannot know which networks to hijack). The seed is HMAC-SHA256(secret,
 * lowercased target), as open-mpic seeds its shuffle with a hash of the
 * secret and the lowercased target; the shuffle draws from SHA-256 in
 * counter mode over the seed (a PRNG whose output an outsider cannot tell
 * from random without the secret). Each cohort spans at least two RIRs (BR
 * 3.2.2.9: the corroborating remotes must, so a cohort that cannot is
 * useless); the cohorts of one target are disjoint, so attempt i (cohort
 * i) never reuses a perspective of an earlier attempt.
 */
#ifndef VTG_MPIC_COHORT_H
#define VTG_MPIC_COHORT_H

#include <stddef.h>
#include <stdint.h>

#include "mpic/quorum.h"

/* Remote perspectives in a pool: every perspective of a config but the
 * primary (VTG_MAX_PERSPECTIVES - 1). */
#define VTG_COHORT_POOL_MAX VTG_QUORUM_MAX_REMOTES
#define VTG_COHORT_SEED 32 /* SHA-256 */

struct vtg_cohorts {
	unsigned k;        /* perspectives per cohort */
	unsigned n;        /* cohorts: floor(pool / k), fewer when the RIR rule
			    * cannot be met by that many */
	/* cohort c is member[c * k .. c * k + k - 1], pool indices in
	 * ascending order; the rest of the pool (the last pool - n * k
	 * entries) is in no cohort */
	uint8_t member[VTG_COHORT_POOL_MAX];
};

/* seed = HMAC-SHA256(secret, ASCII-lowercased target). 0 or -EINVAL. */
int vtg__cohort_seed(const uint8_t *secret, size_t secret_len, const char *target,
		     uint8_t seed[VTG_COHORT_SEED]);

/*
 * Partition the pool (rir[i] for pool index i; the caller's order must be
 * stable, e.g. the configuration's) into cohorts of k for seed. Returns 0
 * with out filled; -EINVAL when k < 2 (one perspective spans one RIR) or
 * k > pool or pool > VTG_COHORT_POOL_MAX; -ENOSPC when not one cohort of k
 * spanning two RIRs can be made (every remote in one RIR).
 */
int vtg__cohorts_make(const uint8_t seed[VTG_COHORT_SEED], const enum vtg_rir *rir,
		      unsigned pool, unsigned k, struct vtg_cohorts *out);

/* The pool indices of cohort c as a bit mask (bit i: pool index i). */
uint32_t vtg__cohort_mask(const struct vtg_cohorts *cs, unsigned c);

#endif
