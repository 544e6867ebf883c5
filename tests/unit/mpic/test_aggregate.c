/*
 * test_aggregate.c — the lock-free corroboration aggregator: single-thread
 * semantics (quorum, DCV value comparison, stale and duplicate deliveries,
 * retries that never merge). The multi-threaded stress test is
 * tests/stress/stress_aggregate.c (a plain program, so that it also runs
 * under ThreadSanitizer, which Criterion's shared arena does not survive).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mpic/aggregate.h"

static struct vtg_agg_cfg cfg5(void)
{
	struct vtg_agg_cfg c;
	memset(&c, 0, sizeof(c));
	c.max_checks = 4;
	c.n_persp = 6; /* primary + 5 remotes */
	c.rir[0] = VTG_RIR_ARIN;
	c.rir[1] = VTG_RIR_ARIN;
	c.rir[2] = VTG_RIR_RIPE;
	c.rir[3] = VTG_RIR_APNIC;
	c.rir[4] = VTG_RIR_RIPE;
	c.rir[5] = VTG_RIR_LACNIC;
	c.rules.mode = VTG_MPIC_ENFORCE;
	c.rules.rir_rule = true;
	c.completion_queue = true;
	return c;
}

static const struct vtg_agg_vote YES = {.answered = true, .positive = true};
static const struct vtg_agg_vote NO = {.answered = true, .positive = false};
static const struct vtg_agg_vote TIMEOUT = {.answered = false};

Test(aggregate, last_arrival_finalises_once)
{
	struct vtg_agg_cfg c = cfg5();
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	uint64_t t = vtg__agg_arm(a, 2, ~0u, false, NULL);
	uint32_t id;
	for (unsigned p = 0; p < 5; p++) {
		cr_assert_eq(vtg__agg_put(a, t, p, p == 3 ? &TIMEOUT : &YES), 0);
		cr_assert_not(vtg__agg_pop(a, &id));
	}
	cr_assert_eq(vtg__agg_put(a, t, 5, &YES), 1);
	cr_assert(vtg__agg_pop(a, &id));
	cr_assert_eq(id, 2);
	cr_assert_not(vtg__agg_pop(a, &id));
	const struct vtg_agg_check *r = vtg__agg_result(a, 2);
	cr_assert_eq(r->q.k, 4);
	cr_assert_eq(r->q.n, 5);
	cr_assert(r->q.positive);
	cr_assert_not(r->corroborates[3]);
	/* after finalisation every further delivery is refused */
	cr_assert_eq(vtg__agg_put(a, t, 5, &YES), -EALREADY);
	struct vtg_agg_stats st;
	vtg__agg_stats(a, &st);
	cr_assert_eq(st.finalised, 1);
	cr_assert_eq(st.duplicate, 1);
	vtg__agg_free(a);
}

Test(aggregate, two_non_corroborating_of_five_deny_in_enforce)
{
	struct vtg_agg_cfg c = cfg5();
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	uint64_t t = vtg__agg_arm(a, 0, ~0u, false, NULL);
	const struct vtg_agg_vote *v[6] = {&YES, &NO, &YES, &TIMEOUT, &YES, &YES};
	for (unsigned p = 6; p-- > 0;)
		vtg__agg_put(a, t, p, v[p]);
	const struct vtg_agg_check *r = vtg__agg_result(a, 0);
	cr_assert_eq(r->q.k, 3);
	cr_assert_not(r->q.positive);
	cr_assert_str_eq(r->q.why, "3/5 corroborated, 4 needed");
	vtg__agg_free(a);
}

Test(aggregate, retry_never_merges_an_earlier_attempt)
{
	struct vtg_agg_cfg c = cfg5();
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	uint64_t t1 = vtg__agg_arm(a, 1, ~0u, false, NULL);
	for (unsigned p = 0; p < 6; p++)
		vtg__agg_put(a, t1, p, p >= 4 ? &NO : &YES);
	cr_assert_not(vtg__agg_result(a, 1)->q.positive);
	uint32_t id;
	cr_assert(vtg__agg_pop(a, &id));
	/* second attempt on the same entry: the first attempt's positive
	 * remotes do not count; a late result of attempt 1 is stale */
	uint64_t t2 = vtg__agg_arm(a, 1, ~0u, false, NULL);
	cr_assert_neq(t1, t2);
	cr_assert_eq(vtg__agg_put(a, t1, 2, &YES), -ESTALE);
	for (unsigned p = 0; p < 6; p++)
		vtg__agg_put(a, t2, p, p >= 1 && p <= 3 ? &TIMEOUT : &YES);
	const struct vtg_agg_check *r = vtg__agg_result(a, 1);
	cr_assert_eq(r->q.k, 2);
	cr_assert_not(r->q.positive);
	struct vtg_agg_stats st;
	vtg__agg_stats(a, &st);
	cr_assert_eq(st.stale, 1);
	cr_assert_eq(st.finalised, 2);
	vtg__agg_free(a);
}

Test(aggregate, dcv_remote_must_see_the_primarys_value)
{
	struct vtg_agg_cfg c = cfg5();
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	uint64_t t = vtg__agg_arm(a, 3, ~0u, true, NULL);
	struct vtg_agg_vote same = {true, true, "admin@example.com"};
	struct vtg_agg_vote other = {true, true, "evil@example.net"};
	vtg__agg_put(a, t, 0, &same);
	vtg__agg_put(a, t, 1, &same);
	vtg__agg_put(a, t, 2, &other);
	vtg__agg_put(a, t, 3, &other);
	vtg__agg_put(a, t, 4, &same);
	cr_assert_eq(vtg__agg_put(a, t, 5, &same), 1);
	const struct vtg_agg_check *r = vtg__agg_result(a, 3);
	cr_assert_eq(r->q.k, 3);
	cr_assert_not(r->corroborates[2]);
	cr_assert_not(r->q.positive);
	vtg__agg_free(a);
}

Test(aggregate, subset_of_perspectives)
{
	struct vtg_agg_cfg c = cfg5();
	c.rules.mode = VTG_MPIC_REPORT_ONLY;
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	/* primary + remotes 1, 2, 3 only: three results finalise */
	uint64_t t = vtg__agg_arm(a, 0, 0x0f, false, NULL);
	cr_assert_eq(vtg__agg_put(a, t, 5, &YES), -EINVAL);
	cr_assert_eq(vtg__agg_put(a, t, 0, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t, 1, &NO), 0);
	cr_assert_eq(vtg__agg_put(a, t, 2, &NO), 0);
	cr_assert_eq(vtg__agg_put(a, t, 3, &YES), 1);
	const struct vtg_agg_check *r = vtg__agg_result(a, 0);
	cr_assert_eq(r->q.n, 3);
	cr_assert_eq(r->q.k, 1);
	cr_assert(r->q.positive); /* report-only: the primary decides */
	cr_assert(r->q.reported);
	vtg__agg_free(a);
}

/* ---- early decision (VTG_AGG_EARLY) ------------------------------------ */

static uint32_t released_id = ~0u;
static unsigned released_n;
static void on_released(void *ud, uint32_t id)
{
	(void)ud;
	released_id = id;
	released_n++;
}

Test(aggregate, early_quorum_met_cancels_the_slowest)
{
	struct vtg_agg_cfg c = cfg5();
	c.released = on_released;
	released_n = 0;
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	uint64_t t = vtg__agg_arm(a, 1, ~0u, VTG_AGG_EARLY, NULL);
	uint32_t id;
	/* 5 remotes: 4 needed, two RIRs among them. Remote 3 (APNIC) hangs */
	cr_assert_eq(vtg__agg_put(a, t, 1, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t, 2, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t, 4, &YES), 0);
	cr_assert_not(vtg__agg_decided(a, t));
	/* the primary last of the fast ones: 3 corroborate, 4 needed, two left */
	cr_assert_eq(vtg__agg_put(a, t, 0, &YES), 0);
	cr_assert_not(vtg__agg_pop(a, &id));
	/* the fourth: met whatever remote 3 says */
	cr_assert_eq(vtg__agg_put(a, t, 5, &YES), 1);
	cr_assert(vtg__agg_decided(a, t));
	cr_assert(vtg__agg_pop(a, &id));
	cr_assert_eq(id, 1);
	const struct vtg_agg_check *r = vtg__agg_result(a, 1);
	cr_assert(r->early);
	cr_assert_eq(r->final_mask, 0x37); /* all but remote 3 */
	cr_assert_eq(r->q.k, 4);
	cr_assert_eq(r->q.n, 5);
	cr_assert(r->q.positive);
	cr_assert_not(r->corroborates[3]);
	/* not released while remote 3 still works on the entry */
	cr_assert_eq(released_n, 0);
	/* its late vote is taken (the entry's pending count), never read */
	cr_assert_eq(vtg__agg_put(a, t, 3, &NO), 0);
	cr_assert_eq(released_n, 1);
	cr_assert_eq(released_id, 1);
	cr_assert(r->q.positive);
	cr_assert_not(vtg__agg_pop(a, &id)); /* finalised once */
	struct vtg_agg_stats st;
	vtg__agg_stats(a, &st);
	cr_assert_eq(st.finalised, 1);
	cr_assert_eq(st.early, 1);
	vtg__agg_free(a);
}

Test(aggregate, early_unreachable_quorum_and_negative_primary)
{
	struct vtg_agg_cfg c = cfg5();
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	/* two remotes fail (1 allowed of 5): the quorum cannot be met */
	uint64_t t = vtg__agg_arm(a, 0, ~0u, VTG_AGG_EARLY, NULL);
	cr_assert_eq(vtg__agg_put(a, t, 0, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t, 2, &NO), 0);
	cr_assert_eq(vtg__agg_put(a, t, 4, &TIMEOUT), 1);
	const struct vtg_agg_check *r = vtg__agg_result(a, 0);
	cr_assert(r->early);
	cr_assert_not(r->q.positive);
	cr_assert_eq(r->q.k, 0);
	cr_assert_str_eq(r->q.why, "0/5 corroborated, 4 needed");
	for (unsigned p = 1; p <= 5; p++)
		if (p != 2 && p != 4)
			cr_assert_eq(vtg__agg_put(a, t, p, &YES), 0);
	cr_assert_not(r->q.positive);
	/* a primary that does not permit decides alone */
	uint64_t t2 = vtg__agg_arm(a, 2, ~0u, VTG_AGG_EARLY, NULL);
	cr_assert_eq(vtg__agg_put(a, t2, 3, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t2, 0, &NO), 1);
	r = vtg__agg_result(a, 2);
	cr_assert_eq(r->final_mask, 0x09);
	cr_assert_not(r->q.positive);
	/* the RIR rule: four ARIN-only corroborations cannot pass it */
	struct vtg_agg_cfg c2 = cfg5();
	for (unsigned p = 0; p < 6; p++)
		c2.rir[p] = p == 5 ? VTG_RIR_RIPE : VTG_RIR_ARIN;
	struct vtg_agg *b;
	cr_assert_eq(vtg__agg_new(&b, &c2), 0);
	uint64_t t3 = vtg__agg_arm(b, 0, ~0u, VTG_AGG_EARLY, NULL);
	cr_assert_eq(vtg__agg_put(b, t3, 0, &YES), 0);
	for (unsigned p = 1; p <= 4; p++)
		cr_assert_eq(vtg__agg_put(b, t3, p, &YES), 0, "remote %u", p); /* RIPE pending */
	cr_assert_eq(vtg__agg_put(b, t3, 5, &NO), 1);
	cr_assert_not(vtg__agg_result(b, 0)->q.positive);
	cr_assert_not(vtg__agg_result(b, 0)->early);
	vtg__agg_free(b);
	vtg__agg_free(a);
}

Test(aggregate, without_early_the_last_decides_and_retries_never_merge)
{
	struct vtg_agg_cfg c = cfg5();
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	uint64_t t = vtg__agg_arm(a, 0, ~0u, 0, NULL);
	cr_assert_eq(vtg__agg_put(a, t, 0, &NO), 0); /* would decide early */
	cr_assert_not(vtg__agg_decided(a, t));
	for (unsigned p = 1; p < 5; p++)
		cr_assert_eq(vtg__agg_put(a, t, p, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t, 5, &YES), 1);
	cr_assert_not(vtg__agg_result(a, 0)->early);
	/* an early-decided attempt, then a retry: the old token is stale and the
	 * new attempt is undecided */
	uint64_t t1 = vtg__agg_arm(a, 0, ~0u, VTG_AGG_EARLY, NULL);
	cr_assert_eq(vtg__agg_put(a, t1, 0, &NO), 1);
	uint64_t t2 = vtg__agg_arm(a, 0, ~0u, VTG_AGG_EARLY, NULL);
	cr_assert_not(vtg__agg_decided(a, t2));
	cr_assert_eq(vtg__agg_put(a, t1, 3, &YES), -ESTALE);
	cr_assert_eq(vtg__agg_put(a, t2, 0, &YES), 0);
	vtg__agg_free(a);
}

/* Early decision counts with the configured quorum, not the table: with
 * quorum 5 of 5, four corroborations are not yet certain, and one
 * non-corroboration already makes the quorum unreachable. */
Test(aggregate, early_decision_uses_the_configured_quorum)
{
	struct vtg_agg_cfg c = cfg5();
	c.rules.quorum = 5;
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	uint64_t t = vtg__agg_arm(a, 0, ~0u, VTG_AGG_EARLY, NULL);
	cr_assert_eq(vtg__agg_put(a, t, 0, &YES), 0);
	for (unsigned p = 1; p <= 4; p++)
		cr_assert_eq(vtg__agg_put(a, t, p, &YES), 0, "remote %u", p);
	cr_assert_not(vtg__agg_decided(a, t)); /* the table (4) would have decided */
	cr_assert_eq(vtg__agg_put(a, t, 5, &YES), 1);
	cr_assert(vtg__agg_result(a, 0)->q.positive);
	cr_assert_eq(vtg__agg_result(a, 0)->q.needed, 5);
	uint64_t t2 = vtg__agg_arm(a, 1, ~0u, VTG_AGG_EARLY, NULL);
	cr_assert_eq(vtg__agg_put(a, t2, 0, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t2, 3, &NO), 1); /* unreachable at once */
	const struct vtg_agg_check *r = vtg__agg_result(a, 1);
	cr_assert(r->early);
	cr_assert_not(r->q.positive);
	cr_assert_str_eq(r->q.why, "0/5 corroborated, 5 needed");
	vtg__agg_free(a);
}

/* An attempt's own cohort and quorum (vtg__agg_arm_q, vantage serve): the
 * quorum counts over the attempt's remotes only, and the next attempt of
 * the same entry goes back to the rules' table. */
Test(aggregate, attempt_quorum_over_its_cohort)
{
	struct vtg_agg_cfg c = cfg5();
	struct vtg_agg *a;
	cr_assert_eq(vtg__agg_new(&a, &c), 0);
	/* primary + remotes 2, 3, 4 with quorum 3: all three must corroborate */
	uint64_t t = vtg__agg_arm_q(a, 0, 0x1d, VTG_AGG_EARLY, 3, NULL);
	cr_assert_eq(vtg__agg_put(a, t, 1, &YES), -EINVAL); /* not in the cohort */
	cr_assert_eq(vtg__agg_put(a, t, 0, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t, 2, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t, 3, &YES), 0);
	cr_assert_not(vtg__agg_decided(a, t)); /* the table's 2 of 3 would decide */
	cr_assert_eq(vtg__agg_put(a, t, 4, &NO), 1);
	const struct vtg_agg_check *r = vtg__agg_result(a, 0);
	cr_assert_eq(r->q.n, 3);
	cr_assert_eq(r->q.k, 2);
	cr_assert_eq(r->q.needed, 3);
	cr_assert_not(r->q.positive);
	/* re-armed without a quorum: the table again (2 of 3) */
	t = vtg__agg_arm_q(a, 0, 0x1d, VTG_AGG_EARLY, 0, NULL);
	cr_assert_eq(vtg__agg_put(a, t, 0, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t, 2, &YES), 0);
	cr_assert_eq(vtg__agg_put(a, t, 3, &YES), 1); /* decided: 2 of 3, two RIRs */
	cr_assert(vtg__agg_result(a, 0)->q.positive);
	cr_assert_eq(vtg__agg_result(a, 0)->q.needed, 2);
	cr_assert_eq(vtg__agg_put(a, t, 4, &NO), 0); /* the last, not read */
	vtg__agg_free(a);
}
