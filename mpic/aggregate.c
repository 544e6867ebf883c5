/*
 * aggregate.c — the lock-free corroboration aggregator. See aggregate.h.
 *
 * Per entry, one 64-bit word holds (generation << 32 | delivered mask): a
 * delivery claims its perspective's bit with a compare-and-swap that also
 * checks the generation, so a stale or duplicate delivery never touches the
 * slots. The vote is written after the claim and before the pending count
 * is decremented (acquire-release), so the last arrival's decrement makes
 * every vote visible to it. The completion queue is Vyukov's bounded array
 * queue; its capacity is at least max_checks, and an entry is queued at most
 * once per generation, so it never fills.
 */
#include <errno.h>
#include <string.h>

#include "common/alloc.h"
#include "mpic/aggregate.h"

struct cell {
	uint64_t seq;
	uint32_t val;
};

struct entry {
	uint64_t word;      /* atomic: gen << 32 | delivered mask */
	uint32_t pending;   /* atomic */
	uint32_t mask;      /* atomic: a stale delivery may read it while the
			     * entry is re-armed (its CAS then fails) */
	bool compare_seen;
	struct vtg_agg_check check;
};

struct vtg_agg {
	struct vtg_agg_cfg cfg;
	struct entry *e;
	struct cell *q;
	uint64_t qmask;
	uint64_t q_tail;    /* atomic, producers */
	uint64_t q_head;    /* the consumer's */
	uint64_t armed, finalised, stale, duplicate; /* atomic counters */
};

int vtg__agg_new(struct vtg_agg **out, const struct vtg_agg_cfg *cfg)
{
	if (!cfg->max_checks || cfg->max_checks > (1u << 30) || !cfg->n_persp ||
	    cfg->n_persp > VTG_AGG_MAX_PERSP)
		return -EINVAL;
	struct vtg_agg *a = vtg__calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	a->e = vtg__calloc(cfg->max_checks, sizeof(*a->e));
	uint64_t cap = 1;
	while (cap < cfg->max_checks)
		cap <<= 1;
	a->q = vtg__calloc(cap, sizeof(*a->q));
	if (!a->e || !a->q) {
		vtg__agg_free(a);
		return -ENOMEM;
	}
	a->qmask = cap - 1;
	for (uint64_t i = 0; i < cap; i++)
		a->q[i].seq = i;
	for (uint32_t i = 0; i < cfg->max_checks; i++)
		a->e[i].check.id = i;
	*out = a;
	return 0;
}

void vtg__agg_free(struct vtg_agg *a)
{
	if (!a)
		return;
	vtg__free(a->e);
	vtg__free(a->q);
	vtg__free(a);
}

uint64_t vtg__agg_arm(struct vtg_agg *a, uint32_t id, uint32_t persp_mask, bool compare_seen,
		      void *ctx)
{
	struct entry *e = &a->e[id];
	uint32_t all = a->cfg.n_persp >= 32 ? 0xffffffffu : (1u << a->cfg.n_persp) - 1;
	persp_mask &= all;
	persp_mask |= 1; /* the primary is always part of a check */
	uint32_t gen = (uint32_t)(__atomic_load_n(&e->word, __ATOMIC_RELAXED) >> 32) + 1;
	__atomic_store_n(&e->mask, persp_mask, __ATOMIC_RELAXED);
	e->compare_seen = compare_seen;
	e->check.gen = gen;
	e->check.ctx = ctx;
	e->check.n_persp = a->cfg.n_persp;
	memset(e->check.votes, 0, sizeof(e->check.votes));
	memset(e->check.corroborates, 0, sizeof(e->check.corroborates));
	memset(&e->check.q, 0, sizeof(e->check.q));
	__atomic_store_n(&e->pending, (uint32_t)__builtin_popcount(persp_mask), __ATOMIC_RELAXED);
	/* publishes everything above to the deliveries of this generation */
	__atomic_store_n(&e->word, (uint64_t)gen << 32, __ATOMIC_RELEASE);
	__atomic_fetch_add(&a->armed, 1, __ATOMIC_RELAXED);
	return (uint64_t)gen << 32 | id;
}

static void push(struct vtg_agg *a, uint32_t id)
{
	uint64_t pos = __atomic_load_n(&a->q_tail, __ATOMIC_RELAXED);
	for (;;) {
		struct cell *c = &a->q[pos & a->qmask];
		uint64_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		int64_t dif = (int64_t)(seq - pos);
		if (dif == 0) {
			if (__atomic_compare_exchange_n(&a->q_tail, &pos, pos + 1, true,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				c->val = id;
				__atomic_store_n(&c->seq, pos + 1, __ATOMIC_RELEASE);
				return;
			}
			/* pos was reloaded by the failed exchange */
		} else if (dif < 0) {
			/* full: cannot happen (capacity >= entries, one push per
			 * generation); a broken caller contract */
			__builtin_trap();
		} else {
			pos = __atomic_load_n(&a->q_tail, __ATOMIC_RELAXED);
		}
	}
}

bool vtg__agg_pop(struct vtg_agg *a, uint32_t *id)
{
	uint64_t pos = a->q_head;
	struct cell *c = &a->q[pos & a->qmask];
	uint64_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
	if ((int64_t)(seq - (pos + 1)) < 0)
		return false;
	*id = c->val;
	__atomic_store_n(&c->seq, pos + a->qmask + 1, __ATOMIC_RELEASE);
	a->q_head = pos + 1;
	return true;
}

static void finalise(struct vtg_agg *a, struct entry *e)
{
	struct vtg_agg_check *c = &e->check;
	struct vtg_quorum_vote votes[VTG_AGG_MAX_PERSP];
	unsigned n = 0;
	const struct vtg_agg_vote *prim = &c->votes[0];
	bool primary_positive = prim->answered && prim->positive;
	for (unsigned p = 1; p < c->n_persp; p++) {
		if (!(e->mask & (1u << p)))
			continue;
		const struct vtg_agg_vote *v = &c->votes[p];
		bool corr = v->answered && v->positive;
		if (corr && e->compare_seen)
			corr = prim->seen && v->seen && !strcmp(prim->seen, v->seen);
		c->corroborates[p] = corr;
		votes[n].rir = a->cfg.rir[p];
		votes[n].corroborates = corr;
		n++;
	}
	vtg__quorum_eval(&a->cfg.rules, primary_positive, votes, n, &c->q);
	__atomic_fetch_add(&a->finalised, 1, __ATOMIC_RELAXED);
	if (a->cfg.final)
		a->cfg.final(a->cfg.ud, c);
	if (a->cfg.completion_queue)
		push(a, c->id);
}

int vtg__agg_put(struct vtg_agg *a, uint64_t token, unsigned p, const struct vtg_agg_vote *v)
{
	uint32_t id = (uint32_t)token, gen = (uint32_t)(token >> 32);
	if (id >= a->cfg.max_checks || p >= a->cfg.n_persp)
		return -EINVAL;
	struct entry *e = &a->e[id];
	uint64_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
	for (;;) {
		if ((uint32_t)(w >> 32) != gen) {
			__atomic_fetch_add(&a->stale, 1, __ATOMIC_RELAXED);
			return -ESTALE;
		}
		if (!(__atomic_load_n(&e->mask, __ATOMIC_RELAXED) & (1u << p)))
			return -EINVAL;
		if (w & (1u << p)) {
			__atomic_fetch_add(&a->duplicate, 1, __ATOMIC_RELAXED);
			return -EALREADY;
		}
		if (__atomic_compare_exchange_n(&e->word, &w, w | (1u << p), false,
						__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
			break;
	}
	e->check.votes[p] = *v; /* this slot is ours alone now */
	if (__atomic_fetch_sub(&e->pending, 1, __ATOMIC_ACQ_REL) != 1)
		return 0;
	finalise(a, e);
	return 1;
}

const struct vtg_agg_check *vtg__agg_result(const struct vtg_agg *a, uint32_t id)
{
	return id < a->cfg.max_checks ? &a->e[id].check : NULL;
}

void vtg__agg_stats(const struct vtg_agg *a, struct vtg_agg_stats *st)
{
	st->armed = __atomic_load_n(&a->armed, __ATOMIC_RELAXED);
	st->finalised = __atomic_load_n(&a->finalised, __ATOMIC_RELAXED);
	st->stale = __atomic_load_n(&a->stale, __ATOMIC_RELAXED);
	st->duplicate = __atomic_load_n(&a->duplicate, __ATOMIC_RELAXED);
}
