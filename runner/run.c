/*
 * run.c — the check runner's threads, queues and window (runner/runner.h).
 *
 * The owner thread fills window entries and hands each (entry, perspective)
 * pair to a worker through that worker's single-producer / single-consumer
 * queue; the perspectives of one check go to different workers. A worker
 * owns an engine worker (its own io_uring ring and its own sockets for
 * every perspective) and, when a perspective resolves iteratively, an
 * iterative resolver; it starts the check's kind (runner/kind_*.c), whose
 * questions go out as engine queries, and feeds every answer back to the
 * kind. A perspective's vote goes to the aggregator (mpic/aggregate.h); the
 * last arrival, on whichever worker thread, has the kind write the line and
 * publishes it with a release store of `done` (and, for the API, pushes the
 * entry onto the completion queue). Nothing between the threads takes a
 * lock: two atomics per check, and an eventfd each way to sleep on, written
 * once per batch, not per check. Nothing allocates per check once the
 * window has warmed up, except for inputs longer than any seen before.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/alloc.h"
#include "resolver/dnssec.h"
#include "runner/evidence.h"
#include "runner/run_int.h"

/* The calling worker thread's own shard (engine callbacks carry no more
 * than the query's user data). */
static __thread struct shard *S;

struct shard *vtg__run_self(void)
{
	return S;
}

/* ------------------------------------------------------ worker: queries */

/* One lookup of (entry idx, perspective p): to the upstream resolver (stub
 * mode) or to the iterative resolver. 0 or -EAGAIN. */
static int submit_lookup(struct shard *sh, unsigned idx, unsigned p, const uint8_t *qname,
			 uint16_t qtype)
{
	if (sh->r->cfg.persp[p].iterative)
		return vtg__iter_lookup(sh->iter, p, qname, qtype, ud_of(idx, p));
	return vtg__worker_submit(sh->w, p, -1, qname, qtype, ud_of(idx, p));
}

static int iter_send(void *tctx, const struct vtg_iter_query *q)
{
	struct shard *sh = tctx;
	struct vtg_submit sq = {
		.persp = q->persp,
		.upstream = -1,
		.dst = q->dst,
		.qname = q->qname,
		.qtype = q->qtype,
		.tries = q->tries,
		.rd = false,
		.do_bit = true,
		.case_random = q->case_random,
	};
	return vtg__worker_submit_ex(sh->w, &sq, (void *)(uintptr_t)(UD_ITER | q->token));
}

void vtg__run_ask(struct shard *sh, struct check *c, unsigned p)
{
	const uint8_t *qname;
	uint16_t qtype;
	unsigned idx = check_index(sh->r, c);
	c->ops->question(c, p, &qname, &qtype);
	if (submit_lookup(sh, idx, p, qname, qtype) == 0)
		return;
	if (sh->n_deferred < sh->deferred_cap)
		sh->deferred[sh->n_deferred++] = (uint32_t)(idx << 8 | p);
	else
		abort(); /* sized for every (check, perspective): cannot happen */
}

#define ITEMS_FIRST 64 /* a deferred list's first size (it doubles) */

bool vtg__items_push(struct vtg_items *l, const struct vtg_run *r, const struct check *c,
		     unsigned p)
{
	if (l->n >= l->cap) {
		size_t cap = l->cap ? l->cap * 2 : ITEMS_FIRST;
		uint32_t *v = vtg__realloc(l->v, cap * sizeof(*v));
		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (uint32_t)(check_index(r, c) << 8 | p);
	return true;
}

void vtg__items_drop(struct vtg_items *l, size_t k)
{
	memmove(l->v, l->v + k, (l->n - k) * sizeof(*l->v));
	l->n -= k;
}

static void flush_deferred(struct shard *sh)
{
	size_t k = 0;
	for (size_t i = 0; i < sh->n_deferred; i++) {
		uint32_t d = sh->deferred[i];
		unsigned idx = d >> 8, p = d & 0xff;
		struct check *c = &sh->r->ctx[idx];
		const uint8_t *qname;
		uint16_t qtype;
		c->ops->question(c, p, &qname, &qtype);
		if (submit_lookup(sh, idx, p, qname, qtype) != 0)
			sh->deferred[k++] = d;
	}
	sh->n_deferred = k;
}

void vtg__run_stub_answer(struct shard *sh, const struct vtg_qresult *res,
			  const uint8_t *qname, uint16_t qtype, struct vtg_lookup_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	if (res->fail == VTG_FAIL_NONE) {
		vtg__stub_answer(res->msg, qname, qtype, sh->scratch, ans);
	} else {
		ans->fail = res->fail;
		ans->rcode = VTG_RCODE_NONE;
		ans->dnssec = VTG_DNSSEC_INDETERMINATE; /* nothing was seen */
		ans->ca_infra = res->fail == VTG_FAIL_LOCAL;
	}
	ans->tries = res->tries;
	ans->latency_ms = res->latency_ms;
	ans->server = res->server;
}

/* API: the address of the server that gave the primary's (last) answer. */
static void server_of(struct check *c, const struct sockaddr_storage *ss)
{
	if (ss)
		vtg__format_addr(ss, c->server, sizeof(c->server));
	else
		c->server[0] = 0;
}

/* The engine's callback: an iterative resolver's query goes back to it;
 * a stub-mode answer goes to the check's kind. */
static void run_cb(void *ud, const struct vtg_qresult *res)
{
	struct shard *sh = S;
	if ((uintptr_t)ud & UD_ITER) {
		vtg__iter_response(sh->iter, (uint64_t)(uintptr_t)ud & ~UD_ITER, res->fail,
				   res->msg, res->tries, res->latency_ms);
		return;
	}
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct check *c = &sh->r->ctx[idx];
	if (p == 0 && c->po)
		server_of(c, res->server);
	if (c->ops->stub) {
		c->ops->stub(sh, c, p, res);
		return;
	}
	const uint8_t *qname;
	uint16_t qtype;
	struct vtg_lookup_answer ans;
	c->ops->question(c, p, &qname, &qtype);
	vtg__run_stub_answer(sh, res, qname, qtype, &ans);
	c->ops->answer(sh, c, p, &ans);
}

/* The iterative resolver finished a lookup. */
static void iter_done(void *ud, const struct vtg_lookup_answer *a)
{
	struct shard *sh = S;
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct check *c = &sh->r->ctx[idx];
	if (p == 0 && c->po)
		server_of(c, a->server);
	c->ops->answer(sh, c, p, a);
}

/* ------------------------------------------------ worker: the outcome */

void vtg__run_vote(struct shard *sh, struct check *c, unsigned p, bool answered,
		   bool positive, const char *seen)
{
	struct vtg_agg_vote v = {.answered = answered, .positive = positive, .seen = seen};
	if (c->name_rc == 0) {
		__atomic_store_n(&sh->results[p], sh->results[p] + 1, __ATOMIC_RELAXED);
		if (answered)
			__atomic_store_n(&sh->answered[p], sh->answered[p] + 1, __ATOMIC_RELAXED);
	}
	/* the last arrival's put runs on_final (the line) on this thread */
	if (vtg__agg_put(sh->r->agg, c->token, p, &v) < 0)
		abort(); /* each (check, perspective) delivers exactly once */
}

/* --format compact: the line again, short (the full one was rendered for
 * the outcome and the counters). */
static void compact_line(const struct vtg_run *r, struct check *c,
			 const struct vtg_agg_check *ck)
{
	struct vtg_json *j = &c->line;
	char qb[24], tb[16];
	vtg__json_reset(j);
	vtg__json_obj_begin(j);
	vtg__json_key(j, "name");
	vtg__json_strn(j, c->input, strnlen(c->input, c->input_len));
	if (c->ops->kind == VTG_CHECK_QUERY)
		vtg__json_kstr(j, "type", vtg__type_str(c->qtype, tb, sizeof(tb)));
	c->ops->outcome(j, c->positive);
	vtg__json_kstr(j, "reason", c->reason);
	if (r->p.mpic != VTG_MPIC_OFF && c->ops->corroborated && c->name_rc == 0) {
		snprintf(qb, sizeof(qb), "%u/%u", ck->q.k, ck->q.n);
		vtg__json_kstr(j, "quorum", qb);
	}
	if (c->name_rc == 0) {
		vtg__json_key(j, "perspectives");
		vtg__json_arr_begin(j);
		for (unsigned p = 0; p < r->cfg.n_persp; p++) {
			if (!(c->mask & (1u << p)))
				continue;
			vtg__json_obj_begin(j);
			vtg__json_kstr(j, "id", r->cfg.persp[p].id);
			if (ck->final_mask & (1u << p)) {
				c->ops->outcome(j, c->po[p].positive);
				vtg__json_kstr(j, "reason", c->po[p].reason);
			} else {
				c->ops->outcome(j, false);
				vtg__json_kstr(j, "reason", "cancelled");
			}
			vtg__json_obj_end(j);
		}
		vtg__json_arr_end(j);
	}
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
}

/* The aggregator's finalise callback, on the worker of the last arrival:
 * the line, the API's callback, then publish. */
static void on_final(void *ud, const struct vtg_agg_check *ck)
{
	struct vtg_run *r = ud;
	struct check *c = &r->ctx[ck->id];
	vtg__json_reset(&c->line);
	c->ops->line(S, c, ck);
	if (r->p.compact)
		compact_line(r, c, ck);
	/* for the owner's progress line: single writer, relaxed */
	struct shard *sh = S;
	if (c->positive)
		__atomic_store_n(&sh->n_pos, sh->n_pos + 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&sh->n_neg, sh->n_neg + 1, __ATOMIC_RELAXED);
	if (c->name_rc == 0 && !ck->votes[0].answered)
		__atomic_store_n(&sh->n_fail, sh->n_fail + 1, __ATOMIC_RELAXED);
	if (r->p.api) {
		/* one JSON object as a C string, without the line's newline */
		if (c->line.len && c->line.buf[c->line.len - 1] == '\n')
			c->line.buf[--c->line.len] = 0;
		uint8_t st = CK_RUNNING;
		bool mine = __atomic_compare_exchange_n(&c->state, &st, CK_FINISHED, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		if (mine && r->p.on_complete) {
			struct vtg_completion cp;
			vtg__run_completion(r, ck->id, &cp);
			r->p.on_complete(r->p.on_complete_ud, &cp);
		}
	}
	__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	S->finished++;
}

/* The aggregator: the last perspective of entry id delivered (after the
 * line when decided early). The owner may reuse it now; tell it when the
 * line went out before (it may be waiting for this entry). */
static void on_released(void *ud, uint32_t id)
{
	struct vtg_run *r = ud;
	struct check *c = &r->ctx[id];
	bool was_early = vtg__agg_result(r->agg, id)->early;
	__atomic_store_n(&c->busy, false, __ATOMIC_RELEASE);
	if (was_early)
		S->finished++;
}

bool vtg__run_released(const struct vtg_run *r, uint32_t id)
{
	return id < r->window && !__atomic_load_n(&r->ctx[id].busy, __ATOMIC_ACQUIRE);
}

bool vtg__run_decided(const struct shard *sh, const struct check *c)
{
	return vtg__agg_decided(sh->r->agg, c->token);
}

void vtg__run_frag_head(const struct vtg_run *r, struct vtg_json *f, unsigned p)
{
	vtg__json_kstr(f, "id", r->cfg.persp[p].id);
	if (r->cfg.persp[p].rir[0])
		vtg__json_kstr(f, "rir", r->cfg.persp[p].rir);
	vtg__json_kstr(f, "mode", r->cfg.persp[p].remote      ? "remote"
				  : r->cfg.persp[p].iterative ? "iterative"
							      : "stub");
}

void vtg__run_persp_out(const struct vtg_run *r, struct check *c, unsigned p, bool answered,
			bool positive, enum vtg_dnssec dnssec, unsigned rcode,
			enum vtg_lookup_fail fail, double latency_ms, const char *reason)
{
	(void)r;
	struct persp_out *o = &c->po[p];
	o->answered = answered;
	o->positive = positive;
	o->dnssec = (uint8_t)dnssec;
	o->fail = (uint8_t)fail;
	o->rcode = (uint16_t)rcode;
	o->latency_ms = (float)latency_ms;
	snprintf(o->reason, sizeof(o->reason), "%s", reason ? reason : "");
	o->why_bogus[0] = 0;
}

/* A fragment without its closing brace, then more keys, then the brace. */
static void frag_open(struct vtg_json *j, const struct vtg_json *f)
{
	vtg__json_raw(j, f->buf, f->len - 1);
}

static void emit_quorum(const struct vtg_run *r, struct vtg_json *j,
			const struct vtg_quorum_result *q, bool primary_positive)
{
	/* BR 5.4.1 (2.7, 2.8): per perspective the result, and the quorum as
	 * k/n; the RIRs of the corroborating remotes */
	char qb[24];
	vtg__json_kstr(j, "mpic", vtg__mpic_mode_str(r->p.mpic));
	vtg__json_key(j, "corroborated");
	if (primary_positive)
		vtg__json_bool(j, q->corroborated);
	else
		vtg__json_null(j); /* a prohibition / failure: nothing to corroborate */
	snprintf(qb, sizeof(qb), "%u/%u", q->k, q->n);
	vtg__json_kstr(j, "quorum", qb);
	vtg__json_kint(j, "quorum_needed", q->needed);
	vtg__json_key(j, "rirs");
	vtg__json_arr_begin(j);
	for (unsigned k = 1; k < VTG_RIR_COUNT; k++)
		if (q->rir_mask & (1u << k))
			vtg__json_str(j, vtg__rir_str((enum vtg_rir)k));
	vtg__json_arr_end(j);
	if (primary_positive && !q->quorum_met)
		vtg__json_kstr(j, "not_corroborated", q->why);
}

void vtg__run_emit_mpic(const struct vtg_run *r, struct vtg_json *j, const struct check *c,
			const struct vtg_agg_check *ck, bool primary_positive)
{
	const bool mpic = r->p.mpic != VTG_MPIC_OFF;
	if (mpic)
		emit_quorum(r, j, &ck->q, primary_positive);
	vtg__json_key(j, "perspectives");
	vtg__json_arr_begin(j);
	for (unsigned p = 0; p < r->cfg.n_persp; p++) {
		if (!(c->mask & (1u << p)))
			continue; /* not asked: another cohort's */
		if (!mpic) {
			vtg__json_raw(j, c->frag[p].buf, c->frag[p].len);
			continue;
		}
		if (!(ck->final_mask & (1u << p))) {
			/* decided without it: still working (its fragment is its
			 * worker's until the entry is released) */
			vtg__json_obj_begin(j);
			vtg__run_frag_head(r, j, p);
			vtg__emit_source(j, r->cfg.persp[p].source);
			vtg__json_kbool(j, "cancelled", true);
			vtg__json_kstr(j, "reason", "cancelled: decided without it");
			vtg__json_kstr(j, "role", "remote");
			vtg__json_kbool(j, "corroborates", false);
			vtg__json_obj_end(j);
			continue;
		}
		frag_open(j, &c->frag[p]);
		vtg__json_kstr(j, "role", p == 0 ? "primary" : "remote");
		if (p > 0)
			vtg__json_kbool(j, "corroborates", ck->corroborates[p]);
		vtg__json_obj_end(j);
	}
	vtg__json_arr_end(j);
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
}

/* ------------------------------------------------------- worker: loop */

/* Start perspective p of a check the owner queued. An invalid name is
 * done at once (every perspective delivers, the last renders the line). */
static void start_item(struct shard *sh, uint32_t item)
{
	unsigned idx = item >> 8, p = item & 0xff;
	struct check *c = &sh->r->ctx[idx];
	if (!c->parsed)
		c->ops->prepare(sh->r, c); /* one perspective: parsed here */
	if (c->name_rc != 0 || vtg__run_decided(sh, c)) {
		/* invalid, or decided without this perspective: nothing to ask */
		vtg__run_vote(sh, c, p, false, false, NULL);
		return;
	}
	if (sh->r->cfg.persp[p].remote)
		vtg__remote_start(sh, c, p); /* its agent checks (remote.c) */
	else
		c->ops->start(sh, c, p);
}

static bool q_pop(struct shard *sh, uint32_t *item)
{
	uint32_t h = sh->q_head; /* only this thread writes it */
	if (h == __atomic_load_n(&sh->q_tail, __ATOMIC_ACQUIRE))
		return false;
	*item = sh->q[h & sh->qmask];
	__atomic_store_n(&sh->q_head, h + 1, __ATOMIC_RELEASE);
	return true;
}

static void signal_fd(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));
	(void)n; /* an eventfd write only fails at a counter of 2^64-2 */
}

/* The iterative resolver's clock: wall time (signature validity windows). */
static uint64_t wall_ms(void *cctx)
{
	(void)cctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Root hints and the trust anchor from the files the settings name. 0 or
 * a negative code with err filled. */
static int iter_inputs(const struct vtg_iter_settings *is, struct vtg_iter_hints *hints,
		       struct vtg_dv_keys **anchor, char *err, size_t errcap)
{
	int rc = vtg__iter_hints_load(is->root_hints[0] ? is->root_hints
						       : VTG_ROOT_HINTS_DEFAULT,
				      hints, err, errcap);
	if (rc < 0)
		return rc;
	*anchor = NULL;
	if (!strcmp(is->trust_anchor, "none"))
		return 0;
	const char *ta = is->trust_anchor[0] ? is->trust_anchor : VTG_TRUST_ANCHOR_DEFAULT;
	uint8_t owner[VTG_DNS_MAX_NAME];
	*anchor = vtg__dv_anchor_load(ta, owner, err, errcap);
	if (!*anchor)
		return -EINVAL;
	if (owner[0] != 0) {
		vtg__dv_keys_free(*anchor);
		*anchor = NULL;
		snprintf(err, errcap, "trust anchor %s: only a root anchor is supported", ta);
		return -EINVAL;
	}
	return 0;
}

/* The worker's engine worker, its wake-up read, and its iterative
 * resolver when a perspective resolves iteratively. 0 or a negative code
 * with sh->err filled. */
static int worker_init(struct shard *sh)
{
	const struct vtg_run *r = sh->r;
	int rc = vtg__worker_new(&sh->w, &r->cfg.engine, r->cfg.persp, r->cfg.n_persp, run_cb,
				 sh->err, sizeof(sh->err));
	if (rc != 0)
		return rc;
	rc = vtg__worker_set_wake(sh->w, sh->efd);
	if (rc != 0) {
		snprintf(sh->err, sizeof(sh->err), "io_uring eventfd read: %s", strerror(-rc));
		return rc;
	}
	bool any_iter = false;
	for (unsigned p = 0; p < r->cfg.n_persp; p++)
		any_iter |= r->cfg.persp[p].iterative;
	if (!any_iter)
		return 0;
	const struct vtg_iter_settings *is = &r->cfg.iter;
	struct vtg_iter_hints hints;
	struct vtg_dv_keys *anchor = NULL;
	rc = iter_inputs(is, &hints, &anchor, sh->err, sizeof(sh->err));
	if (rc != 0)
		return rc;
	struct vtg_iter_cfg ic = {
		.hints = &hints,
		.anchor = anchor,
		.clock = wall_ms,
		.cache_bytes = (size_t)(is->cache_mb ? is->cache_mb : 64) << 20,
		/* every check of the shard's window in every perspective, plus
		 * nested lookups */
		.max_tasks = (r->window / r->n_shards + 2) * r->cfg.n_persp * 5 / 4 + 64,
		.case_random = is->case_random,
	};
	return vtg__iter_new(&sh->iter, &ic, r->cfg.n_persp, iter_send, sh, iter_done, sh->err,
			     sizeof(sh->err));
}

/* Nothing queued, deferred, in flight or pending in the resolver. */
static bool worker_idle(const struct shard *sh)
{
	return sh->q_head == __atomic_load_n(&sh->q_tail, __ATOMIC_ACQUIRE) &&
	       sh->n_deferred == 0 && sh->wdef.n == 0 && sh->adef.n == 0 &&
	       vtg__worker_active(sh->w) == 0 &&
	       (!sh->iter || (vtg__iter_active(sh->iter) == 0 && !vtg__iter_has_work(sh->iter)));
}

static void worker_loop(struct shard *sh)
{
	struct vtg_run *r = sh->r;
	for (;;) {
		uint32_t item;
		while (sh->n_deferred == 0 && vtg__worker_free_slots(sh->w) >= 1 &&
		       (!sh->iter || vtg__iter_free_tasks(sh->iter) >= 1) && q_pop(sh, &item))
			start_item(sh, item);
		if (sh->n_deferred)
			flush_deferred(sh);
		if (sh->wdef.n)
			vtg__kind_web_flush(sh);
		if (sh->adef.n)
			vtg__remote_flush(sh);
		if (sh->agent_on && r->cfg.run.early_decision)
			vtg__remote_cancel(sh);
		if (sh->iter)
			vtg__iter_poll(sh->iter);
		/* tell the owner in batches, and at once when this worker runs
		 * dry (then the owner is what it waits for) */
		if (sh->finished &&
		    (sh->finished >= sh->signal_batch || vtg__worker_active(sh->w) == 0 ||
		     sh->q_head == __atomic_load_n(&sh->q_tail, __ATOMIC_ACQUIRE))) {
			sh->finished = 0;
			signal_fd(r->main_efd);
		}
		if (__atomic_load_n(&r->eof, __ATOMIC_ACQUIRE) && worker_idle(sh))
			break;
		if (__atomic_load_n(&r->abort, __ATOMIC_ACQUIRE))
			break;
		int wr = vtg__worker_run(sh->w, 200);
		if (wr < 0) {
			__atomic_store_n(&sh->fatal, wr, __ATOMIC_RELEASE);
			signal_fd(r->main_efd);
			break;
		}
	}
}

static void *worker_main(void *arg)
{
	struct shard *sh = arg;
	struct vtg_run *r = sh->r;
	S = sh;
	__atomic_store_n(&sh->init_rc, worker_init(sh), __ATOMIC_RELEASE);
	pthread_barrier_wait(&r->ready);
	for (unsigned k = 0; k < r->n_shards; k++)
		if (__atomic_load_n(&r->shards[k].init_rc, __ATOMIC_ACQUIRE) != 0)
			return NULL; /* the run does not start */
	worker_loop(sh);
	return NULL;
}

/* --------------------------------------------------------- owner side */

static void q_push(struct shard *sh, uint32_t item)
{
	uint32_t t = sh->q_tail; /* only the owner writes it */
	sh->q[t & sh->qmask] = item; /* never full: a shard holds < window items */
	__atomic_store_n(&sh->q_tail, t + 1, __ATOMIC_RELEASE);
}

static const struct vtg_kind_ops *kind_ops(const struct vtg_run *r,
					  const struct vtg_run_check *ck)
{
	enum vtg_dcv_method m = ck->has_dcv_method ? ck->dcv_method : r->p.dcv.method;
	switch (ck->kind) {
	case VTG_CHECK_CAA: return &vtg__kind_caa;
	case VTG_CHECK_DCV: return vtg__dcv_method_web(m) ? &vtg__kind_web : &vtg__kind_dcv;
	case VTG_CHECK_QUERY: return &vtg__kind_query;
	}
	return NULL;
}

/* The per-perspective state a kind needs, made the first time an entry
 * runs that kind (then kept: no allocation in steady state). */
static int check_arrays(struct vtg_run *r, struct check *c, const struct vtg_kind_ops *ops)
{
	unsigned np = r->cfg.n_persp;
	enum vtg_check_kind k = ops->kind;
	if (ops == &vtg__kind_web && vtg__kind_web_alloc(r, c) != 0)
		return -ENOMEM;
	if (k == VTG_CHECK_CAA && !c->climb) {
		c->climb = vtg__calloc(np, sizeof(*c->climb));
		if (!c->climb || vtg__json_init_cap(&c->records, -1, 256) != 0)
			return -ENOMEM;
	}
	if (k == VTG_CHECK_DCV && !c->dres && !(c->dres = vtg__calloc(np, sizeof(*c->dres))))
		return -ENOMEM;
	if ((r->p.api || r->p.compact) && !c->po) {
		c->po = vtg__calloc(np, sizeof(*c->po));
		c->pres = vtg__calloc(np, sizeof(*c->pres));
		if (!c->po || !c->pres)
			return -ENOMEM;
	}
	return 0;
}

/* Copy the check's strings into the entry's buffer (grown to the longest
 * seen): the name, then the expected value, the label, the issuers. */
static int check_strings(struct check *c, const struct vtg_run_check *ck)
{
	size_t need = ck->name_len + 1;
	need += ck->expect ? strlen(ck->expect) + 1 : 0;
	need += ck->dcv_label ? strlen(ck->dcv_label) + 1 : 0;
	need += ck->http_path ? strlen(ck->http_path) + 1 : 0;
	need += ck->account_uri ? strlen(ck->account_uri) + 1 : 0;
	for (size_t i = 0; i < ck->n_issuers; i++)
		need += strlen(ck->issuers[i]) + 1;
	if (need > c->input_cap) {
		char *n = vtg__realloc(c->input, need);
		if (!n)
			return -ENOMEM;
		c->input = n;
		c->input_cap = need;
	}
	char *o = c->input;
	memcpy(o, ck->name, ck->name_len);
	o[ck->name_len] = 0;
	c->input_len = ck->name_len;
	o += ck->name_len + 1;
	c->expect = NULL;
	if (ck->expect) {
		c->expect = strcpy(o, ck->expect);
		o += strlen(o) + 1;
	}
	if (ck->dcv_label) {
		c->dcv.label = strcpy(o, ck->dcv_label);
		o += strlen(o) + 1;
	}
	if (ck->account_uri) {
		c->dcv.account_uri = strcpy(o, ck->account_uri);
		o += strlen(o) + 1;
	}
	if (ck->http_path) {
		c->dcv.http_path = strcpy(o, ck->http_path);
		o += strlen(o) + 1;
	}
	for (size_t i = 0; i < ck->n_issuers; i++) {
		c->iss[i] = strcpy(o, ck->issuers[i]);
		o += strlen(o) + 1;
	}
	return 0;
}

/* The kind's parameters: the run's, overridden by the check's. */
static int check_params(struct vtg_run *r, struct check *c, const struct vtg_run_check *ck)
{
	c->pol = r->p.pol;
	c->dcv = r->p.dcv;
	c->qtype = ck->qtype ? ck->qtype : r->p.qtype;
	if (ck->n_issuers > VTG_CHECK_MAX_ISSUERS || (ck->n_issuers && !ck->issuers))
		return -EINVAL;
	int rc = check_strings(c, ck);
	if (rc != 0)
		return rc;
	if (ck->n_issuers) {
		c->pol.id.issuers = c->iss;
		c->pol.id.n_issuers = ck->n_issuers;
		c->dcv.issuers = c->iss;
		c->dcv.n_issuers = ck->n_issuers;
	}
	if (ck->has_dcv_method)
		c->dcv.method = ck->dcv_method;
	if (ck->scheme)
		c->dcv.https = ck->scheme == 2;
	c->expect_digest = ck->expect_digest;
	if (!c->expect)
		c->expect = r->p.dcv_expect;
	if (ck->kind == VTG_CHECK_CAA && c->pol.id.n_issuers == 0)
		return -EINVAL;
	if (ck->kind == VTG_CHECK_QUERY && c->qtype == 0)
		return -EINVAL;
	return 0;
}

int vtg__run_submit(struct vtg_run *r, uint32_t id, const struct vtg_run_check *ck)
{
	const struct vtg_kind_ops *ops = kind_ops(r, ck);
	if (!ops || id >= r->window || !ck->name)
		return -EINVAL;
	struct check *c = &r->ctx[id];
	if (__atomic_load_n(&c->busy, __ATOMIC_ACQUIRE))
		return -EBUSY; /* decided early, a perspective still at work */
	int rc = check_arrays(r, c, ops);
	if (rc == 0)
		rc = check_params(r, c, ck);
	if (rc != 0)
		return rc;
	c->ops = ops;
	c->user = ck->user;
	c->done = false;
	c->parsed = false;
	c->name_rc = 0;
	if (c->po)
		memset(c->po, 0, r->cfg.n_persp * sizeof(*c->po));
	if (r->p.api) {
		c->rec_len = 0;
		c->n_rec = 0;
		c->server[0] = 0;
		c->gen++;
		__atomic_store_n(&c->state, CK_RUNNING, __ATOMIC_RELEASE);
	}
	const unsigned np = r->cfg.n_persp;
	const uint32_t all = np >= 32 ? 0xffffffffu : (1u << np) - 1;
	c->mask = ck->persp_mask ? ((ck->persp_mask & all) | 1u) : all;
	const unsigned n_asked = (unsigned)__builtin_popcount(c->mask);
	if (ck->quorum) {
		char why[128];
		if (!ops->corroborated || vtg__quorum_check(ck->quorum, n_asked - 1, why,
							    sizeof(why)) != 0)
			return -EINVAL;
	}
	if (n_asked > 1)
		ops->prepare(r, c); /* once, before its perspectives spread out */
	/* the entry is free: its previous line was taken, its last perspective
	 * released it. Corroborated kinds are decided as soon as certain */
	bool early = ops->corroborated && r->p.mpic != VTG_MPIC_OFF && n_asked > 1 &&
		     r->cfg.run.early_decision;
	__atomic_store_n(&c->busy, true, __ATOMIC_RELAXED);
	c->token = vtg__agg_arm_q(r->agg, id, c->mask,
				  (ops->compare_seen ? VTG_AGG_COMPARE_SEEN : 0) |
					  (early ? VTG_AGG_EARLY : 0),
				  ck->quorum, NULL);
	/* the perspectives of a check go to different workers: the one that
	 * delivers the last result finishes the line */
	for (unsigned p = 0; p < np; p++) {
		if (!(c->mask & (1u << p)))
			continue; /* not of this check's perspectives */
		unsigned k = (r->spread + p) % r->n_shards;
		q_push(&r->shards[k], id << 8 | p);
		r->woken |= 1ull << k;
	}
	r->spread = (r->spread + 1) % r->n_shards;
	return 0;
}

void vtg__run_kick(struct vtg_run *r)
{
	for (unsigned k = 0; r->shards && k < r->n_shards; k++)
		if (r->woken & (1ull << k))
			signal_fd(r->shards[k].efd);
	r->woken = 0;
}

void vtg__run_close(struct vtg_run *r)
{
	if (__atomic_load_n(&r->eof, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&r->eof, true, __ATOMIC_RELEASE);
	r->woken = ~0ull; /* every worker must see it, idle ones too */
	vtg__run_kick(r);
}

void vtg__run_join(struct vtg_run *r)
{
	for (unsigned k = 0; r->shards && k < r->n_shards; k++)
		if (r->shards[k].started) {
			pthread_join(r->shards[k].th, NULL);
			r->shards[k].started = false;
		}
}

int vtg__run_wait(struct vtg_run *r, int wait_ms, int extra_fd)
{
	for (unsigned k = 0; k < r->n_shards; k++) {
		int f = __atomic_load_n(&r->shards[k].fatal, __ATOMIC_ACQUIRE);
		if (f)
			return f;
	}
	if (wait_ms < 0 || wait_ms > 200)
		wait_ms = 200; /* workers signal in batches: look again soon */
	struct pollfd pfd[2] = {{.fd = r->main_efd, .events = POLLIN},
				{.fd = extra_fd, .events = POLLIN}};
	if (poll(pfd, extra_fd >= 0 ? 2 : 1, wait_ms) > 0 && (pfd[0].revents & POLLIN)) {
		uint64_t v;
		ssize_t n = read(r->main_efd, &v, sizeof(v));
		(void)n;
	}
	return 0;
}

void vtg__run_abort(struct vtg_run *r)
{
	__atomic_store_n(&r->abort, true, __ATOMIC_RELEASE);
	r->woken = ~0ull;
	vtg__run_kick(r);
}

void vtg__run_interrupted_line(const struct vtg_run *r, uint32_t id, struct vtg_json *j)
{
	const struct check *c = &r->ctx[id];
	vtg__json_obj_begin(j);
	vtg__json_key(j, "name");
	vtg__json_strn(j, c->input, strnlen(c->input, c->input_len));
	c->ops->interrupted(c, j);
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
}

void vtg__run_outcomes(const struct vtg_run *r, uint64_t *pos, uint64_t *neg, uint64_t *fail)
{
	*pos = *neg = *fail = 0;
	for (unsigned k = 0; k < r->n_shards; k++) {
		*pos += __atomic_load_n(&r->shards[k].n_pos, __ATOMIC_RELAXED);
		*neg += __atomic_load_n(&r->shards[k].n_neg, __ATOMIC_RELAXED);
		*fail += __atomic_load_n(&r->shards[k].n_fail, __ATOMIC_RELAXED);
	}
}

void vtg__run_persp_counts(const struct vtg_run *r, unsigned p, uint64_t *results,
			   uint64_t *answered)
{
	*results = *answered = 0;
	for (unsigned k = 0; k < r->n_shards; k++) {
		*results += __atomic_load_n(&r->shards[k].results[p], __ATOMIC_RELAXED);
		*answered += __atomic_load_n(&r->shards[k].answered[p], __ATOMIC_RELAXED);
	}
}

int vtg__run_fd(const struct vtg_run *r)
{
	return r->main_efd;
}

bool vtg__run_done(const struct vtg_run *r, uint32_t id)
{
	return __atomic_load_n(&r->ctx[id].done, __ATOMIC_ACQUIRE);
}

void vtg__run_line(const struct vtg_run *r, uint32_t id, const char **buf, size_t *len)
{
	*buf = r->ctx[id].line.buf;
	*len = r->ctx[id].line.len;
}

bool vtg__run_pop(struct vtg_run *r, uint32_t *id)
{
	return vtg__agg_pop(r->agg, id);
}

enum vtg_mpic_mode vtg__run_mpic_mode(enum vtg_mode m, bool have_file)
{
	switch (m) {
	case VTG_MODE_ENFORCE: return VTG_MPIC_ENFORCE;
	case VTG_MODE_REPORT_ONLY: return VTG_MPIC_REPORT_ONLY;
	case VTG_MODE_OFF: return VTG_MPIC_OFF;
	case VTG_MODE_DEFAULT: break;
	}
	return have_file ? VTG_MPIC_ENFORCE : VTG_MPIC_OFF;
}

unsigned vtg__run_window(const struct vtg_run *r)
{
	return r->window;
}

const struct vtg_config *vtg__run_config(const struct vtg_run *r)
{
	return &r->cfg;
}

/* ------------------------------------------------- set-up, tear-down */

void vtg__run_free(struct vtg_run *r)
{
	if (!r)
		return;
	vtg__run_close(r);
	vtg__run_join(r);
	if (r->barrier)
		pthread_barrier_destroy(&r->ready);
	for (unsigned i = 0; r->ctx && i < r->window; i++) {
		struct check *c = &r->ctx[i];
		for (unsigned p = 0; c->frag && p < r->cfg.n_persp; p++)
			vtg__json_deinit(&c->frag[p]);
		vtg__free(c->frag);
		vtg__free(c->climb);
		vtg__free(c->dres);
		vtg__free(c->web);
		vtg__free(c->po);
		vtg__free(c->pres);
		vtg__free(c->rec);
		vtg__free(c->recs);
		vtg__json_deinit(&c->records);
		vtg__json_deinit(&c->line);
		vtg__free(c->input);
	}
	vtg__free(r->ctx);
	vtg__agg_free(r->agg);
	for (unsigned k = 0; r->shards && k < r->n_shards; k++) {
		struct shard *sh = &r->shards[k];
		vtg__iter_free(sh->iter);
		vtg__worker_free(sh->w);
		if (sh->efd >= 0)
			close(sh->efd);
		vtg__free(sh->q);
		vtg__free(sh->deferred);
		vtg__free(sh->wdef.v);
		vtg__remote_free_shard(sh);
		vtg__free(sh->scratch);
		vtg__free(sh->rrtext);
	}
	vtg__free(r->shards);
	vtg__free(r->api_keys);
	if (r->main_efd >= 0)
		close(r->main_efd);
	vtg__free(r);
}

/* The window and the workers; the per-upstream limits shared out. */
static void run_size(struct vtg_run *r)
{
	unsigned np = r->cfg.n_persp;
	r->window = r->p.window ? r->p.window : VTG_RUN_DEF_WINDOW / np;
	if (!r->p.window && r->window < VTG_RUN_MIN_WINDOW)
		r->window = VTG_RUN_MIN_WINDOW;
	/* web checks hold a connection per perspective and a few KiB of state
	 * each: a smaller default window (the workers' web slots bound what
	 * runs at once anyway) */
	if (!r->p.window && r->p.check_dcv && vtg__dcv_method_web(r->p.dcv.method)) {
		r->window = VTG_RUN_WEB_WINDOW / np;
		if (r->window < VTG_RUN_MIN_WEB_WINDOW)
			r->window = VTG_RUN_MIN_WEB_WINDOW;
	}
	if (r->p.workers > 0)
		r->cfg.engine.workers = r->p.workers;
	if (r->cfg.engine.workers == 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		r->cfg.engine.workers = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	r->n_shards = r->cfg.engine.workers < VTG_RUN_MAX_WORKERS ? r->cfg.engine.workers
								  : VTG_RUN_MAX_WORKERS;
	if (r->n_shards > r->window)
		r->n_shards = r->window;
	/* each worker holds at most its share of the window (checks go round
	 * robin); the per-upstream limits are shared out between the workers */
	unsigned share = (r->window + r->n_shards - 1) / r->n_shards;
	if (r->cfg.engine.slots < share * np && r->cfg.engine.slots < 65536)
		r->cfg.engine.slots = share * np < 65536 ? share * np : 65536;
	if (r->cfg.engine.upstream_inflight)
		r->cfg.engine.upstream_inflight =
			(r->cfg.engine.upstream_inflight + r->n_shards - 1) / r->n_shards;
	if (r->cfg.engine.rate_qps)
		r->cfg.engine.rate_qps = (r->cfg.engine.rate_qps + r->n_shards - 1) / r->n_shards;
}

/* The entries, the shards' queues and buffers, the aggregator. */
static int run_alloc(struct vtg_run *r)
{
	unsigned np = r->cfg.n_persp;
	r->ctx = vtg__calloc(r->window, sizeof(*r->ctx));
	r->shards = vtg__calloc(r->n_shards, sizeof(*r->shards));
	if (!r->ctx || !r->shards)
		return -ENOMEM;
	for (unsigned k = 0; k < r->n_shards; k++)
		r->shards[k].efd = -1;
	for (unsigned i = 0; i < r->window; i++) {
		struct check *c = &r->ctx[i];
		c->frag = vtg__calloc(np, sizeof(*c->frag));
		if (!c->frag || vtg__json_init_cap(&c->line, -1, FRAG_CAP) != 0)
			return -ENOMEM;
		for (unsigned p = 0; p < np; p++)
			if (vtg__json_init_cap(&c->frag[p], -1, FRAG_CAP) != 0)
				return -ENOMEM;
	}
	uint32_t qcap = 1;
	while (qcap < (uint64_t)r->window * np)
		qcap <<= 1;
	unsigned share = (r->window + r->n_shards - 1) / r->n_shards;
	for (unsigned k = 0; k < r->n_shards; k++) {
		struct shard *sh = &r->shards[k];
		sh->r = r;
		sh->k = k;
		sh->efd = eventfd(0, EFD_CLOEXEC);
		sh->q = vtg__calloc(qcap, sizeof(uint32_t));
		sh->qmask = qcap - 1;
		sh->deferred_cap = qcap; /* every item the shard can hold */
		/* the API signals every round (latency); the command in batches */
		sh->signal_batch = r->p.api ? 1 : share / 8 ? share / 8 : 1;
		sh->deferred = vtg__calloc(sh->deferred_cap, sizeof(uint32_t));
		sh->scratch = vtg__malloc(sizeof(*sh->scratch));
		sh->rrtext = vtg__malloc(RRTEXT_CAP);
		if (sh->efd < 0)
			return -errno;
		if (!sh->q || !sh->deferred || !sh->scratch || !sh->rrtext)
			return -ENOMEM;
	}
	r->main_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->main_efd < 0)
		return -errno;
	struct vtg_agg_cfg ac = {
		.max_checks = r->window,
		.n_persp = np,
		.rules = {.mode = r->p.mpic, .rir_rule = vtg__mpic_rir_rule(time(NULL)),
			  .quorum = r->cfg.run.quorum},
		.final = on_final,
		.released = on_released,
		.ud = r,
		.completion_queue = r->p.api,
	};
	for (unsigned p = 0; p < np; p++)
		ac.rir[p] = vtg__rir_parse(r->cfg.persp[p].rir);
	return vtg__agg_new(&r->agg, &ac) != 0 ? -ENOMEM : 0;
}

/* Start the workers; each makes its engine worker on its own thread.
 * 0, or VTG_ECONFIG with the first worker's reason in err. */
static int run_threads(struct vtg_run *r, char *err, size_t errcap)
{
	pthread_barrier_init(&r->ready, NULL, r->n_shards + 1);
	r->barrier = true;
	for (unsigned k = 0; k < r->n_shards; k++) {
		struct shard *sh = &r->shards[k];
		if (pthread_create(&sh->th, NULL, worker_main, sh) != 0)
			abort(); /* short of resource exhaustion; nobody waits for us */
		sh->started = true;
	}
	pthread_barrier_wait(&r->ready);
	for (unsigned k = 0; k < r->n_shards; k++)
		if (r->shards[k].init_rc != 0) {
			/* name the perspective's section when the reason names it */
			const char *where = "";
			for (unsigned p = 0; p < r->cfg.n_persp; p++) {
				char tag[VTG_PERSP_ID_MAX + 16];
				snprintf(tag, sizeof(tag), "perspective %s:", r->cfg.persp[p].id);
				if (strstr(r->shards[k].err, tag) && r->cfg.persp_where[p][0])
					where = r->cfg.persp_where[p];
			}
			snprintf(err, errcap, "%s%s%.400s", where, *where ? ": " : "engine: ",
				 r->shards[k].err);
			return VTG_ECONFIG; /* a perspective that cannot be set up */
		}
	return 0;
}

/* The run's DCV method has what it needs (label, account URI, issuers);
 * the expected value comes per check unless the run gives one for all. */
static int run_check_dcv(const struct vtg_run_params *p, char *err, size_t errcap)
{
	struct vtg_dcv_request probe = p->dcv;
	probe.expect = p->dcv_expect ? p->dcv_expect : "x"; /* per check otherwise */
	int rc = vtg__dcv_request_check(&probe);
	if (rc != 0)
		snprintf(err, errcap, "%s: %s%s", vtg__dcv_method_str(p->dcv.method),
			 vtg_strerror(rc),
			 p->dcv.method == VTG_DCV_PERSIST     ? " (persist needs the CA's domain "
								"names and an account URI)"
			 : p->dcv.method == VTG_DCV_ACCOUNT01 ? " (dns-account-01 needs an "
								"account URI)"
							      : "");
	return rc;
}

/* The perspective set must allow corroboration (BR 3.2.2.9) unless the run
 * is single-perspective (mode off). 0, or VTG_ECONFIG with the reason. */
static int run_check_mpic(const struct vtg_run *r, long min_remotes, char *err, size_t errcap)
{
	if (r->p.mpic == VTG_MPIC_OFF)
		return 0;
	time_t now = time(NULL);
	struct vtg_mpic_persp mp[VTG_MAX_PERSPECTIVES];
	for (unsigned p = 0; p < r->cfg.n_persp; p++) {
		const struct vtg_persp_cfg *pc = &r->cfg.persp[p];
		mp[p] = (struct vtg_mpic_persp){
			.id = pc->id, .rir = vtg__rir_parse(pc->rir),
			.has_location = pc->has_location, .lat = pc->lat, .lon = pc->lon,
			.validates = pc->iterative && strcmp(r->cfg.iter.trust_anchor, "none"),
		};
	}
	unsigned min = min_remotes >= 0 ? (unsigned)min_remotes : vtg__mpic_min_remotes(now);
	int rc = vtg__mpic_check_config(mp, r->cfg.n_persp, r->p.mpic, min,
					vtg__mpic_rir_rule(now), vtg__mpic_min_remotes(now) >= 3,
					err, errcap);
	if (rc == 0 && r->cfg.run.quorum &&
	    vtg__quorum_check(r->cfg.run.quorum, r->cfg.n_persp - 1, err, errcap) != 0)
		rc = VTG_ECONFIG;
	if (rc != 0) {
		char why[400];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errcap, "perspectives: %s", why);
	}
	return rc;
}

int vtg__run_new(struct vtg_run **out, const struct vtg_config *cfg,
		 const struct vtg_run_params *p, long min_remotes, char *err, size_t errcap)
{
	*out = NULL;
	struct vtg_run *r = vtg__calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	r->cfg = *cfg;
	r->p = *p;
	r->main_efd = -1;
	r->cfg.engine.rd = true; /* stub mode: the upstream recurses */
	int rc = 0;
	if (r->p.check_dcv)
		rc = run_check_dcv(&r->p, err, errcap);
	if (rc == 0)
		rc = run_check_mpic(r, min_remotes, err, errcap);
	if (rc == 0)
		rc = vtg__remote_setup(r, err, errcap);
	if (rc != 0) {
		vtg__free(r->api_keys);
		vtg__free(r);
		return rc;
	}
	run_size(r);
	rc = run_alloc(r);
	if (rc != 0) {
		snprintf(err, errcap, "%s", rc == -ENOMEM ? "out of memory" : strerror(-rc));
		vtg__run_free(r);
		return rc;
	}
	rc = run_threads(r, err, errcap);
	if (rc != 0) {
		vtg__run_free(r);
		return rc;
	}
	*out = r;
	return 0;
}
