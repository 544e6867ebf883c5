/*
 * stress_aggregate.c — the aggregator under load: 8 worker threads deliver
 * 1M synthetic perspective results (200k checks of a primary and 4 remotes)
 * through 1024 recycled entries while the main thread arms checks and pops
 * completions. Every check must be finalised exactly once, with the quorum
 * its votes imply; duplicate deliveries (1 in 97) must be refused. Every
 * other check is armed for early decision (VTG_AGG_EARLY): it must reach
 * the same outcome, possibly before its last vote, and its entry is
 * recycled only once released (the last vote in), exactly once. The
 * perspectives of one check go to different threads, so the last arrival is
 * a different thread from check to check.
 *
 * A plain program (exit 0 / 1) so that CI also runs it under ThreadSanitizer
 * (scripts/test.sh builds the tsan preset for it); ctest runs it in every
 * build. Usage: stress_aggregate [CHECKS]
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpic/aggregate.h"

static int failures;

#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "stress_aggregate: %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                  \
			if (++failures > 20)                                  \
				exit(1);                                      \
		}                                                             \
	} while (0)


#define ST_THREADS 8
#define ST_PERSP 5          /* primary + 4 remotes */
static uint32_t ST_CHECKS = 200000; /* x 5 = 1M results */
#define ST_ENTRIES 1024
#define ST_QCAP 8192        /* > ST_ENTRIES * ST_PERSP: a queue never fills */

struct item {
	uint64_t token;
	uint32_t seq;
	uint8_t p;
};

struct spsc {
	struct item buf[ST_QCAP];
	uint32_t head, tail; /* atomics */
};

static struct vtg_agg *SA;
static struct spsc *SQ;
static uint8_t *final_count;   /* per check sequence, atomic */
static uint32_t *final_k;      /* k seen by the finalise callback */
static uint8_t done_feeding;   /* atomic */
static uint64_t dup_refused;   /* atomic */
static uint8_t *released;      /* per entry, atomic: the released callback */
static uint64_t n_released;    /* atomic */

static void st_released(void *ud, uint32_t id)
{
	(void)ud;
	CHECK(__atomic_exchange_n(&released[id], 1, __ATOMIC_ACQ_REL) == 0,
	      "entry %u released twice", id);
	__atomic_fetch_add(&n_released, 1, __ATOMIC_RELAXED);
}
static uint64_t bad_put;       /* atomic: unexpected put results (threads never assert) */

/* the synthetic vote of (seq, p): deterministic, about 1 in 7 negative */
static bool vote_of(uint32_t seq, unsigned p)
{
	uint32_t h = seq * 2654435761u ^ (p + 1) * 40503u;
	h ^= h >> 13;
	h *= 0x5bd1e995u;
	h ^= h >> 15;
	return h % 7 != 0;
}

static void st_final(void *ud, const struct vtg_agg_check *c)
{
	(void)ud;
	uint32_t seq = (uint32_t)(uintptr_t)c->ctx;
	__atomic_fetch_add(&final_count[seq], 1, __ATOMIC_RELAXED);
	__atomic_store_n(&final_k[seq], c->q.k, __ATOMIC_RELAXED);
}

static void *st_worker(void *arg)
{
	struct spsc *q = arg;
	for (;;) {
		uint32_t h = q->head;
		if (h == __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE)) {
			if (__atomic_load_n(&done_feeding, __ATOMIC_ACQUIRE) &&
			    h == __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE))
				return NULL;
			sched_yield();
			continue;
		}
		struct item it = q->buf[h % ST_QCAP];
		__atomic_store_n(&q->head, h + 1, __ATOMIC_RELEASE);
		struct vtg_agg_vote v = {.answered = true, .positive = vote_of(it.seq, it.p)};
		int r = vtg__agg_put(SA, it.token, it.p, &v);
		if (r != 0 && r != 1)
			__atomic_fetch_add(&bad_put, 1, __ATOMIC_RELAXED);
		/* now and then a duplicate delivery, which must be refused
		 * whether or not the check was finalised or re-armed meanwhile */
		if (it.seq % 97 == 0) {
			r = vtg__agg_put(SA, it.token, it.p, &v);
			if (r != -EALREADY && r != -ESTALE)
				__atomic_fetch_add(&bad_put, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&dup_refused, 1, __ATOMIC_RELAXED);
		}
	}
}

static void q_push(struct spsc *q, struct item it)
{
	uint32_t t = q->tail;
	while (t - __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) >= ST_QCAP)
		sched_yield();
	q->buf[t % ST_QCAP] = it;
	__atomic_store_n(&q->tail, t + 1, __ATOMIC_RELEASE);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		ST_CHECKS = (uint32_t)strtoul(argv[1], NULL, 10);
	struct vtg_agg_cfg c;
	memset(&c, 0, sizeof(c));
	c.max_checks = ST_ENTRIES;
	c.n_persp = ST_PERSP;
	for (unsigned p = 0; p < ST_PERSP; p++)
		c.rir[p] = (enum vtg_rir)(1 + p % 5);
	c.rules.mode = VTG_MPIC_ENFORCE;
	c.rules.rir_rule = true;
	c.final = st_final;
	c.released = st_released;
	c.completion_queue = true;
	CHECK(vtg__agg_new(&SA, &c) == 0, "agg_new");
	SQ = calloc(ST_THREADS, sizeof(*SQ));
	final_count = calloc(ST_CHECKS, 1);
	final_k = calloc(ST_CHECKS, sizeof(*final_k));
	uint32_t *entry_seq = calloc(ST_ENTRIES, sizeof(*entry_seq));
	uint32_t *free_ids = malloc(ST_ENTRIES * sizeof(*free_ids));
	uint32_t *lingering = malloc(ST_ENTRIES * sizeof(*lingering)); /* popped, not released */
	unsigned n_lingering = 0;
	released = calloc(ST_ENTRIES, 1);
	if (!SQ || !final_count || !final_k || !entry_seq || !free_ids || !lingering || !released)
		return 1;
	uint64_t n_early = 0;
	unsigned n_free = ST_ENTRIES;
	for (unsigned i = 0; i < ST_ENTRIES; i++)
		free_ids[i] = ST_ENTRIES - 1 - i;
	pthread_t th[ST_THREADS];
	for (unsigned i = 0; i < ST_THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, st_worker, &SQ[i]) == 0, "pthread_create");

	uint32_t next = 0, completed = 0;
	uint64_t popped = 0;
	while (completed < ST_CHECKS) {
		uint32_t id;
		while (vtg__agg_pop(SA, &id)) {
			popped++;
			uint32_t seq = entry_seq[id];
			const struct vtg_agg_check *r = vtg__agg_result(SA, id);
			CHECK((uint32_t)(uintptr_t)r->ctx == seq, "ctx of seq %u", seq);
			unsigned k = 0;
			for (unsigned p = 1; p < ST_PERSP; p++)
				k += vote_of(seq, p);
			if (r->early) { /* decided without some votes: they do not count */
				n_early++;
				CHECK(seq % 2 == 1, "seq %u decided early, not armed so", seq);
				CHECK(r->q.k <= k, "seq %u: early k %u > %u", seq, r->q.k, k);
			} else {
				CHECK(r->q.k == k, "seq %u: k %u, want %u", seq, r->q.k, k);
			}
			CHECK(r->q.positive == (vote_of(seq, 0) && k >= 3), "seq %u: outcome", seq);
			lingering[n_lingering++] = id;
			completed++;
		}
		/* an entry is armed again only once its last vote is in */
		for (unsigned i = 0; i < n_lingering;) {
			uint32_t lid = lingering[i];
			if (__atomic_load_n(&released[lid], __ATOMIC_ACQUIRE)) {
				__atomic_store_n(&released[lid], 0, __ATOMIC_RELAXED);
				free_ids[n_free++] = lid;
				lingering[i] = lingering[--n_lingering];
			} else {
				i++;
			}
		}
		while (n_free && next < ST_CHECKS) {
			uint32_t id2 = free_ids[--n_free];
			entry_seq[id2] = next;
			uint64_t tok = vtg__agg_arm(SA, id2, ~0u, next % 2 ? VTG_AGG_EARLY : 0,
						    (void *)(uintptr_t)next);
			/* the perspectives of one check go to different threads */
			for (unsigned p = 0; p < ST_PERSP; p++)
				q_push(&SQ[(next + p) % ST_THREADS],
				       (struct item){tok, next, (uint8_t)p});
			next++;
		}
		if (n_free == 0 || next == ST_CHECKS)
			sched_yield();
	}
	__atomic_store_n(&done_feeding, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < ST_THREADS; i++)
		pthread_join(th[i], NULL);
	uint32_t extra;
	CHECK(!vtg__agg_pop(SA, &extra), "a check completed twice");
	CHECK(bad_put == 0, "%llu unexpected put results", (unsigned long long)bad_put);
	CHECK(popped == ST_CHECKS, "popped %llu", (unsigned long long)popped);
	for (uint32_t s = 0; s < ST_CHECKS; s++)
		CHECK(final_count[s] == 1, "check %u finalised %u times", s, final_count[s]);
	struct vtg_agg_stats st;
	vtg__agg_stats(SA, &st);
	CHECK(st.armed == ST_CHECKS, "armed");
	CHECK(st.finalised == ST_CHECKS, "finalised %llu", (unsigned long long)st.finalised);
	CHECK(st.stale + st.duplicate == dup_refused, "refusals counted");
	CHECK(dup_refused > 0, "no duplicate was tried");
	CHECK(n_released == ST_CHECKS, "released %llu", (unsigned long long)n_released);
	CHECK(st.early == n_early && n_early > 0, "early %llu / %llu",
	      (unsigned long long)st.early, (unsigned long long)n_early);
	vtg__agg_free(SA);
	free(SQ);
	free(final_count);
	free(final_k);
	free(entry_seq);
	free(free_ids);
	free(lingering);
	free(released);
	printf("stress_aggregate: %u checks (%llu decided early), %llu results from %d threads, "
	       "%llu duplicates refused, %s\n",
	       ST_CHECKS, (unsigned long long)n_early, (unsigned long long)ST_CHECKS * ST_PERSP,
	       ST_THREADS, (unsigned long long)dup_refused, failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
