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
	uint32_t published; /* atomic: votes written (early decision) */
	uint32_t decided;   /* atomic: gen of the decided attempt, 0 = none */
	bool early;
	uint32_t mask;      /* atomic: a stale delivery may read it while the
			     * entry is re-armed (its CAS then fails) */
	bool compare_seen;
	unsigned quorum;    /* this attempt's, 0: the rules' */
	struct vtg_agg_check check;
};

struct vtg_agg {
	struct vtg_agg_cfg cfg;
	struct entry *e;
	struct cell *q;
	uint64_t qmask;
	uint64_t q_tail;    /* atomic, producers */
	uint64_t q_head;    /* the consumer's */
	uint64_t armed, finalised, stale, duplicate, early; /* atomic counters */
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

uint64_t vtg__agg_arm(struct vtg_agg *a, uint32_t id, uint32_t persp_mask, unsigned flags,
		      void *ctx)
{
	return vtg__agg_arm_q(a, id, persp_mask, flags, 0, ctx);
}

uint64_t vtg__agg_arm_q(struct vtg_agg *a, uint32_t id, uint32_t persp_mask, unsigned flags,
			unsigned quorum, void *ctx)
{
	struct entry *e = &a->e[id];
	uint32_t all = a->cfg.n_persp >= 32 ? 0xffffffffu : (1u << a->cfg.n_persp) - 1;
	persp_mask &= all;
	persp_mask |= 1; /* the primary is always part of a check */
	uint32_t gen = (uint32_t)(__atomic_load_n(&e->word, __ATOMIC_RELAXED) >> 32) + 1;
	__atomic_store_n(&e->mask, persp_mask, __ATOMIC_RELAXED);
	e->compare_seen = flags & VTG_AGG_COMPARE_SEEN;
	e->early = flags & VTG_AGG_EARLY;
	e->quorum = quorum;
	__atomic_store_n(&e->published, 0, __ATOMIC_RELAXED);
	e->check.final_mask = 0;
	e->check.early = false;
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

/* Does remote p corroborate (its vote is in)? */
static bool corroborates(const struct entry *e, unsigned p)
{
	const struct vtg_agg_vote *prim = &e->check.votes[0];
	const struct vtg_agg_vote *v = &e->check.votes[p];
	bool corr = v->answered && v->positive;
	if (corr && e->compare_seen)
		corr = prim->seen && v->seen && !strcmp(prim->seen, v->seen);
	return corr;
}

/* The quorum over the remotes of the attempt, counting the votes in `in`
 * and taking every other remote as `others` (corroborating or not). */
static void eval(const struct vtg_agg *a, const struct entry *e, uint32_t in, bool others,
		 struct vtg_quorum_result *q)
{
	const struct vtg_agg_vote *prim = &e->check.votes[0];
	struct vtg_quorum_vote votes[VTG_AGG_MAX_PERSP];
	unsigned n = 0;
	uint32_t mask = __atomic_load_n(&e->mask, __ATOMIC_RELAXED);
	for (unsigned p = 1; p < e->check.n_persp; p++) {
		if (!(mask & (1u << p)))
			continue;
		votes[n].rir = a->cfg.rir[p];
		votes[n].corroborates = (in & (1u << p)) ? corroborates(e, p) : others;
		n++;
	}
	struct vtg_quorum_rules rules = a->cfg.rules;
	if (e->quorum)
		rules.quorum = e->quorum;
	vtg__quorum_eval(&rules, prim->answered && prim->positive, votes, n, q);
}

/* Early decision: with the votes in `in` (the primary's among them), is
 * the outcome certain whatever the rest say? */
static bool certain(const struct vtg_agg *a, const struct entry *e, uint32_t in)
{
	if (!(in & 1))
		return false;
	const struct vtg_agg_vote *prim = &e->check.votes[0];
	if (!(prim->answered && prim->positive))
		return true; /* nothing to corroborate */
	struct vtg_quorum_result q;
	eval(a, e, in, false, &q);
	if (q.quorum_met)
		return true; /* met even if every other remote fails */
	eval(a, e, in, true, &q);
	return !q.quorum_met; /* unreachable even if every other corroborates */
}

/* Finalise with the votes in `in`: the others count as not corroborating. */
static void finalise(struct vtg_agg *a, struct entry *e, uint32_t in)
{
	struct vtg_agg_check *c = &e->check;
	uint32_t mask = __atomic_load_n(&e->mask, __ATOMIC_RELAXED);
	c->final_mask = in & mask;
	c->early = c->final_mask != mask;
	for (unsigned p = 1; p < c->n_persp; p++)
		c->corroborates[p] = (c->final_mask & (1u << p)) && corroborates(e, p);
	eval(a, e, c->final_mask, false, &c->q);
	__atomic_fetch_add(&a->finalised, 1, __ATOMIC_RELAXED);
	if (c->early)
		__atomic_fetch_add(&a->early, 1, __ATOMIC_RELAXED);
	if (a->cfg.final)
		a->cfg.final(a->cfg.ud, c);
	if (a->cfg.completion_queue)
		push(a, c->id);
}

bool vtg__agg_decided(const struct vtg_agg *a, uint64_t token)
{
	uint32_t id = (uint32_t)token, gen = (uint32_t)(token >> 32);
	if (id >= a->cfg.max_checks)
		return false;
	return __atomic_load_n(&a->e[id].decided, __ATOMIC_ACQUIRE) == gen;
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
	int rc = 0;
	/* this slot is ours alone; a decided check never reads it */
	e->check.votes[p] = *v;
	uint32_t d = __atomic_load_n(&e->decided, __ATOMIC_ACQUIRE);
	if (e->early && d != gen) {
		/* publish the vote, then judge what is in so far; `decided` holds
		 * an older attempt's generation until this one is decided */
		uint32_t in = __atomic_or_fetch(&e->published, 1u << p, __ATOMIC_ACQ_REL);
		if (certain(a, e, in) &&
		    __atomic_compare_exchange_n(&e->decided, &d, gen, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			finalise(a, e, in);
			rc = 1;
		}
	}
	if (__atomic_fetch_sub(&e->pending, 1, __ATOMIC_ACQ_REL) != 1)
		return rc;
	/* the last arrival: every other delivery (its early attempt included)
	 * is over, so `decided` is settled */
	if (__atomic_load_n(&e->decided, __ATOMIC_ACQUIRE) != gen) {
		__atomic_store_n(&e->decided, gen, __ATOMIC_RELEASE);
		finalise(a, e, __atomic_load_n(&e->mask, __ATOMIC_RELAXED));
		rc = 1;
	}
	if (a->cfg.released)
		a->cfg.released(a->cfg.ud, id);
	return rc;
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
	st->early = __atomic_load_n(&a->early, __ATOMIC_RELAXED);
}
