/*
 * aggregate.h — the corroboration aggregator: the meeting point of the
 * perspectives' results for one check (a CAA check of one name, or a DCV
 * check), and the only engine code that crosses threads.
 *
 * A check lives in one of max_checks fixed entries. The thread that submits
 * it arms the entry (vtg__agg_arm), which hands out a token carrying the
 * entry and a generation. Every perspective's result is then delivered by
 * whichever worker thread produced it (vtg__agg_put): it writes its own slot
 * (written once: a second write for the same perspective is refused and
 * counted) and decrements the entry's pending count with an atomic
 * acquire-release operation. The delivery that brings the count to zero —
 * the last arrival — evaluates the BR 3.2.2.9 quorum (mpic/quorum.h) over
 * the slots, calls the finalise callback on its own thread and pushes the
 * entry onto the completion queue, a bounded lock-free multi-producer /
 * single-consumer queue (Vyukov's array queue with per-cell sequence
 * numbers). No mutex anywhere; no allocation after vtg__agg_new.
 *
 * Early decision (VTG_AGG_EARLY): a check is final as soon as its outcome
 * is certain, whatever the perspectives still working would say: the
 * primary's result is in and either it does not permit (nothing to
 * corroborate), or the remotes in so far meet the quorum even if every
 * other fails, or they cannot meet it even if every other corroborates
 * (Boulder's VA decides the same way). Each delivery publishes its vote
 * (release) and, while the check is undecided, evaluates the votes
 * published so far; the one whose compare-and-swap sets `decided` finalises
 * with that set (final_mask: the others count as not corroborating and are
 * "cancelled" in the evidence). Later deliveries still claim their slot and
 * count down, but are never read. The entry is released (the `released`
 * callback, then it may be armed again) only by the last delivery, so
 * whoever still writes its perspective's part of a check is done with it.
 *
 * Retries never merge: re-arming an entry starts a new generation, and a
 * result carrying an older generation's token is refused (counted as
 * stale), so an attempt's quorum only ever counts that attempt's results
 * (BR 3.2.2.9: "MUST NOT merge corroborations from earlier attempts").
 *
 * Threading contract: arm an entry only when it is free (never armed, or
 * its completion was popped / its finalise callback returned and the owner
 * released it); any thread may put; exactly one thread pops.
 */
#ifndef VTG_MPIC_AGGREGATE_H
#define VTG_MPIC_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "mpic/quorum.h"

#define VTG_AGG_MAX_PERSP 32

/* One perspective's result for a check. */
struct vtg_agg_vote {
	bool answered;   /* a result was obtained (no timeout / error) */
	bool positive;   /* CAA: permission to issue; DCV: the value was found */
	const char *seen;/* DCV: canonical value observed, or NULL; the string
			  * must stay valid until the check is finalised */
};

/* The finalised check: handed to the callback and kept in the entry until
 * it is armed again. */
struct vtg_agg_check {
	uint32_t id;
	uint32_t gen;
	void *ctx;                     /* the caller's, from vtg__agg_arm */
	unsigned n_persp;
	uint32_t final_mask;           /* the perspectives whose votes were
					* counted; the others of the attempt were
					* still working (early decision) */
	bool early;                    /* decided before every vote was in */
	struct vtg_agg_vote votes[VTG_AGG_MAX_PERSP]; /* [0] = primary */
	bool corroborates[VTG_AGG_MAX_PERSP];         /* per remote (index as votes) */
	struct vtg_quorum_result q;
};

typedef void (*vtg_agg_final_fn)(void *ud, const struct vtg_agg_check *c);
typedef void (*vtg_agg_released_fn)(void *ud, uint32_t id);

/* vtg__agg_arm flags */
#define VTG_AGG_COMPARE_SEEN 1u /* a remote corroborates only when its `seen`
				 * equals the primary's (DCV: the same value) */
#define VTG_AGG_EARLY 2u        /* decide as soon as the outcome is certain */

struct vtg_agg_cfg {
	uint32_t max_checks;             /* entries (checks in flight) */
	unsigned n_persp;                /* primary + remotes, <= VTG_AGG_MAX_PERSP */
	enum vtg_rir rir[VTG_AGG_MAX_PERSP]; /* per perspective; [0] = primary */
	struct vtg_quorum_rules rules;
	vtg_agg_final_fn final;          /* optional: called by the deciding arrival */
	vtg_agg_released_fn released;    /* optional: called by the last arrival,
					  * after final (same thread when not early) */
	void *ud;
	bool completion_queue;           /* push finalised ids for vtg__agg_pop */
};

struct vtg_agg;

struct vtg_agg_stats {
	uint64_t armed, finalised, stale, duplicate;
	uint64_t early;   /* finalised before every vote was in */
};

int vtg__agg_new(struct vtg_agg **out, const struct vtg_agg_cfg *cfg);
void vtg__agg_free(struct vtg_agg *a);

/* Start an attempt of check id (< max_checks) with the perspectives whose
 * bit is set in persp_mask (bit 0: the primary, which must be set). With
 * VTG_AGG_COMPARE_SEEN in flags a remote corroborates only when its `seen`
 * equals the primary's (DCV: the same value observed); otherwise a positive
 * remote corroborates (CAA: permission, whatever its RRset). VTG_AGG_EARLY:
 * decide as soon as certain (above). Returns the token for vtg__agg_put. */
uint64_t vtg__agg_arm(struct vtg_agg *a, uint32_t id, uint32_t persp_mask, unsigned flags,
		      void *ctx);
/* The same with this attempt's own quorum (the remotes that must
 * corroborate; 0: the configured rules'), e.g. an open-mpic coordinator's
 * quorum_count for a cohort (the caller checked it: vtg__quorum_check). */
uint64_t vtg__agg_arm_q(struct vtg_agg *a, uint32_t id, uint32_t persp_mask, unsigned flags,
			unsigned quorum, void *ctx);

/* Whether the attempt of token is decided already (a perspective still
 * working may stop: its vote will not be read). Any thread. */
bool vtg__agg_decided(const struct vtg_agg *a, uint64_t token);

/* Deliver perspective p's result for the attempt of token. Returns 1 when
 * this delivery finalised the check, 0 when others are still pending, or a
 * negative error: -ESTALE (the token's attempt is over or was re-armed),
 * -EALREADY (this perspective already delivered), -EINVAL. Any thread. */
int vtg__agg_put(struct vtg_agg *a, uint64_t token, unsigned p, const struct vtg_agg_vote *v);

/* The single consumer: the next finalised check id, in completion order.
 * true with *id set, false when none is ready. */
bool vtg__agg_pop(struct vtg_agg *a, uint32_t *id);

/* The finalised result of entry id (valid from its finalisation until it
 * is armed again). */
const struct vtg_agg_check *vtg__agg_result(const struct vtg_agg *a, uint32_t id);

void vtg__agg_stats(const struct vtg_agg *a, struct vtg_agg_stats *st);

static inline uint32_t vtg__agg_token_id(uint64_t token)
{
	return (uint32_t)token;
}

#endif
