/*
 * bulk.c — `vantage caa` and `vantage query`: many names through the io_uring
 * engine at once, one JSON line per input, in input order.
 *
 * Threads: the main thread reads the input and writes the output; W worker
 * threads (default one per core) each own an engine worker (its own
 * io_uring ring and its own sockets for every perspective) and do
 * everything else. A window of name contexts is a ring indexed by input
 * sequence number: the main thread fills the next free position and hands
 * its index to worker (seq mod W) through that worker's single-producer /
 * single-consumer queue; the worker resolves the name, renders its whole
 * JSON line into the context and publishes it with a release store of
 * `done`; the main thread writes lines out strictly in sequence as they
 * become done. So output order needs no sorting, memory is bounded, and
 * nothing between the threads takes a lock: two atomics per name, and an
 * eventfd each way to sleep on (written once per batch, not per name).
 *
 * Every perspective of a name runs its own CAA climb (caa/climb.h) whose
 * lookups go out as engine queries; the callback feeds the answer and submits
 * the next lookup, so the climbs of thousands of names share each batch of
 * sends. When a perspective's climb completes its part of the line is
 * rendered at once, while the response packet (which holds the relevant
 * RRset) is still valid; the line is assembled when every perspective is
 * done. Until corroboration lands, the top-level decision is the primary's
 * (the first perspective). Nothing here allocates per name once the window
 * has warmed up, except for inputs longer than any seen before.
 */
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "mpic/aggregate.h"
#include "runner/config.h"
#include "runner/present.h"
#include "common/alloc.h"
#include "caa/dcv.h"
#include "resolver/dnssec.h"
#include "resolver/iter.h"
#include "resolver/stub.h"

#define DEF_WINDOW_NAMES 16384 /* names in flight, divided among perspectives */
#define MIN_WINDOW 256
#define PROGRESS_NS 250000000ull
#define FRAG_CAP 1024
#define MAX_WORKERS 64

enum mode { MODE_CAA, MODE_QUERY, MODE_DCV };

struct name_ctx {
	/* written by the main thread before the index is queued */
	char *input;
	size_t input_len, input_cap;
	/* written by the owning worker; published by `done` (release) */
	bool done;
	bool parsed;                  /* name parsed by the main thread */
	void *user;                   /* API: the caller's pointer */
	/* the line's outcome, for API completions (set with the line) */
	bool positive;
	int corroborated;             /* 1, 0, -1: nothing to corroborate */
	char reason[320];
	uint64_t token;               /* the aggregator's, for this attempt */
	int name_rc;
	struct vtg_input_name nm;
	uint8_t qwire[VTG_DNS_MAX_NAME];
	time_t checked_at;
	struct vtg_caa_climb *climb;  /* one per perspective (caa) */
	struct vtg_json *frag;        /* one per perspective */
	struct vtg_json records;      /* primary's relevant RRset (caa) */
	/* dcv: the expected value (NUL-terminated, in input), the query */
	const char *expect;
	uint8_t dq[VTG_DNS_MAX_NAME];
	uint16_t dqtype;
	struct vtg_dcv_result *dres;  /* one per perspective */
	struct vtg_json line;         /* the finished output line */
};

/* One worker thread and what only it touches. */
struct shard {
	struct bulk *b;
	unsigned k;
	pthread_t th;
	bool started;
	struct vtg_worker *w;
	struct vtg_iter *iter;        /* iterative perspectives, or NULL */
	int efd;                      /* main -> worker wake-ups */
	uint32_t *q;                  /* SPSC queue of context indices */
	uint32_t qmask;
	uint32_t q_head, q_tail;      /* atomics: head the worker's, tail main's */
	uint32_t *deferred;           /* (ctx << 8 | persp) waiting for a slot */
	size_t n_deferred, deferred_cap;
	struct vtg_stub_scratch *scratch;
	char *rrtext;
	unsigned finished;            /* lines published since the last signal */
	unsigned signal_batch;        /* signal the main thread every this many */
	unsigned long permits, denies, invalid, failures;
	unsigned long not_corroborated, reported; /* enforce denials; report-only */
	int init_rc, fatal;           /* worker set-up result; ring error */
	char err[512];
};

struct bulk {
	enum mode mode;
	struct vtg_config cfg;
	struct vtg_caa_policy pol;
	enum vtg_mpic_mode mpic;      /* corroboration (caa, dcv); OFF for query */
	struct vtg_dcv_request dcv;   /* dcv: the run's method and parameters */
	const char *dcv_expect;       /* --expect: the value for every name */
	struct vtg_agg *agg;          /* one entry per window position */
	uint16_t qtype;
	struct name_ctx *ctx;
	unsigned window;
	unsigned n_shards;
	struct shard *shards;
	int main_efd;                 /* worker -> main wake-ups */
	bool eof;                     /* atomic: no more names will be queued */
	pthread_barrier_t ready;      /* set-up only: every worker made */
	uint64_t next_seq, next_emit;
	struct vtg_json out;
	bool progress;
	uint64_t started_ns, last_progress_ns;
	int out_fd;                   /* where the CLI writes lines */
	bool completion_queue;        /* API: finalised checks to vtg_poll */
	bool barrier;                 /* ready barrier initialised */
	vtg_complete_fn on_complete;  /* API: callback mode */
	void *on_complete_ud;
};

/* The calling worker thread's own shard; its run (shared, read-only for
 * the workers once they run) is S->b. No other state outside the handles. */
static __thread struct shard *S;
#define B (S->b)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *ud_of(unsigned idx, unsigned persp)
{
	return (void *)(uintptr_t)(((uintptr_t)idx << 8) | persp);
}

/* Engine queries made by the iterative resolver carry its token with this
 * bit set; the others carry ud_of(). */
#define UD_ITER (1ull << 63)

/* One lookup of (name ctx idx, perspective p): to the upstream resolver
 * (stub mode) or to the iterative resolver. 0 or -EAGAIN. */
static int submit_lookup(unsigned idx, unsigned p, const uint8_t *qname, uint16_t qtype)
{
	if (B->cfg.persp[p].iterative)
		return vtg__iter_lookup(S->iter, p, qname, qtype, ud_of(idx, p));
	return vtg__worker_submit(S->w, p, -1, qname, qtype, ud_of(idx, p));
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

static void defer(unsigned idx, unsigned p)
{
	if (S->n_deferred < S->deferred_cap)
		S->deferred[S->n_deferred++] = (uint32_t)(idx << 8 | p);
	else
		abort(); /* sized for every (name, perspective): cannot happen */
}

static void write_caa_line(struct name_ctx *c, const struct vtg_agg_check *ck);
static void write_query_line(struct name_ctx *c);
static void write_dcv_line(struct name_ctx *c, const struct vtg_agg_check *ck);

/* The last perspective of the name is in: render its line and publish it. */
static void finish_name(struct name_ctx *c, const struct vtg_agg_check *ck)
{
	vtg__json_reset(&c->line);
	if (B->mode == MODE_CAA)
		write_caa_line(c, ck);
	else if (B->mode == MODE_DCV)
		write_dcv_line(c, ck);
	else
		write_query_line(c);
	__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	S->finished++;
}

/* Perspective p is done with name idx (its fragment is rendered): deliver
 * its vote to the aggregator; the last arrival, on whichever worker thread,
 * finishes the line. */
static void persp_done_seen(unsigned idx, unsigned p, bool answered, bool positive,
			    const char *seen)
{
	struct name_ctx *c = &B->ctx[idx];
	struct vtg_agg_vote v = {.answered = answered, .positive = positive, .seen = seen};
	/* the last arrival's put runs on_final (the line) on this thread */
	int rc = vtg__agg_put(B->agg, c->token, p, &v);
	if (rc < 0)
		abort(); /* each (name, perspective) delivers exactly once */
}

static void persp_done(unsigned idx, unsigned p, bool answered, bool positive)
{
	persp_done_seen(idx, p, answered, positive, NULL);
}

static void caa_persp_done(unsigned idx, unsigned p)
{
	const struct vtg_caa_climb *cl = &B->ctx[idx].climb[p];
	bool answered = cl->reason != VTG_CAA_LOOKUP_FAILURE &&
			cl->reason != VTG_CAA_DNSSEC_BOGUS && cl->reason != VTG_CAA_INVALID_NAME;
	persp_done(idx, p, answered, vtg_caa_reason_permits(cl->reason));
}

/* ------------------------------------------------------------ caa mode */

static void render_caa_persp(struct name_ctx *c, unsigned p)
{
	const struct vtg_caa_climb *cl = &c->climb[p];
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__json_kstr(f, "id", B->cfg.persp[p].id);
	if (B->cfg.persp[p].rir[0])
		vtg__json_kstr(f, "rir", B->cfg.persp[p].rir);
	vtg__json_kstr(f, "mode", B->cfg.persp[p].iterative ? "iterative" : "stub");
	vtg__emit_caa_verdict(f, cl);
	vtg__json_key(f, "records");
	if (p == 0) {
		vtg__json_reset(&c->records);
		vtg__emit_caa_records(&c->records, cl);
		vtg__json_raw(f, c->records.buf, c->records.len);
	} else {
		vtg__emit_caa_records(f, cl);
	}
	vtg__json_kstr(f, "dnssec", vtg_dnssec_str(cl->dnssec));
	if (cl->dnssec == VTG_DNSSEC_BOGUS)
		vtg__json_kstr(f, "why_bogus", cl->why_bogus);
	if (cl->dnssec_weak)
		vtg__json_kbool(f, "dnssec_weak", true);
	vtg__json_key(f, "queries");
	vtg__emit_caa_queries(f, cl, true);
	vtg__json_obj_end(f);
}

/* A perspective's lookup for the name came back: feed its climb, and ask
 * the next question or render the perspective's result. */
static void caa_feed(unsigned idx, unsigned p, const struct vtg_lookup_answer *ans)
{
	struct name_ctx *c = &B->ctx[idx];
	struct vtg_caa_climb *cl = &c->climb[p];
	vtg__caa_climb_feed(cl, ans);
	const uint8_t *next = vtg__caa_climb_next(cl);
	if (next) {
		if (submit_lookup(idx, p, next, VTG_TYPE_CAA) != 0)
			defer(idx, p);
		return;
	}
	render_caa_persp(c, p);
	caa_persp_done(idx, p);
}

static bool iter_msg(void *ud, const struct vtg_qresult *r)
{
	if (!((uintptr_t)ud & UD_ITER))
		return false;
	vtg__iter_response(S->iter, (uint64_t)(uintptr_t)ud & ~UD_ITER, r->fail, r->msg,
			   r->tries, r->latency_ms);
	return true;
}

/* A stub-mode engine result as a lookup answer for (qname, qtype): the
 * matched response read by the stub resolver, or the failure. */
static void stub_answer_of(const struct vtg_qresult *r, const uint8_t *qname, uint16_t qtype,
			   struct vtg_lookup_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	if (r->fail == VTG_FAIL_NONE) {
		vtg__stub_answer(r->msg, qname, qtype, S->scratch, ans);
	} else {
		ans->fail = r->fail;
		ans->rcode = VTG_RCODE_NONE;
		ans->dnssec = VTG_DNSSEC_INDETERMINATE; /* nothing was seen */
		ans->ca_infra = r->fail == VTG_FAIL_LOCAL;
	}
	ans->tries = r->tries;
	ans->latency_ms = r->latency_ms;
}

static void caa_cb(void *ud, const struct vtg_qresult *r)
{
	if (iter_msg(ud, r))
		return;
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct name_ctx *c = &B->ctx[idx];
	struct vtg_lookup_answer ans;
	stub_answer_of(r, vtg__caa_climb_next(&c->climb[p]), VTG_TYPE_CAA, &ans);
	caa_feed(idx, p, &ans);
}

/* A fragment without its closing brace, then more keys, then the brace. */
static void frag_open(struct vtg_json *j, const struct vtg_json *f)
{
	vtg__json_raw(j, f->buf, f->len - 1);
}

/* The corroboration fields, the perspectives (with role and corroborates)
 * and the end of the line; shared by caa and dcv. */
static void emit_mpic(struct vtg_json *j, const struct name_ctx *c,
		      const struct vtg_agg_check *ck, bool primary_positive)
{
	const struct vtg_quorum_result *q = &ck->q;
	const bool mpic = B->mpic != VTG_MPIC_OFF;
	if (mpic) {
		/* BR 5.4.1 (2.7, 2.8): per perspective the result, and the
		 * quorum as k/n; the RIRs of the corroborating remotes */
		char qb[24];
		vtg__json_kstr(j, "mpic", vtg__mpic_mode_str(B->mpic));
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
		for (unsigned r = 1; r < VTG_RIR_COUNT; r++)
			if (q->rir_mask & (1u << r))
				vtg__json_str(j, vtg__rir_str((enum vtg_rir)r));
		vtg__json_arr_end(j);
		if (primary_positive && !q->quorum_met)
			vtg__json_kstr(j, "not_corroborated", q->why);
	}
	vtg__json_key(j, "perspectives");
	vtg__json_arr_begin(j);
	for (unsigned p = 0; p < B->cfg.n_persp; p++) {
		if (!mpic) {
			vtg__json_raw(j, c->frag[p].buf, c->frag[p].len);
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

static void write_caa_line(struct name_ctx *c, const struct vtg_agg_check *ck)
{
	struct vtg_json *j = &c->line;
	c->corroborated = -1;
	if (c->name_rc != 0) {
		S->invalid++;
		S->denies++;
		c->positive = false;
		snprintf(c->reason, sizeof(c->reason), "%s", c->nm.why);
		vtg__emit_invalid(j, c->input, c->input_len, &c->nm);
		return;
	}
	const struct vtg_caa_climb *prim = &c->climb[0];
	const struct vtg_quorum_result *q = &ck->q;
	const bool mpic = B->mpic != VTG_MPIC_OFF;
	enum vtg_caa_reason reason = prim->reason;
	const char *detail = prim->detail;
	bool primary_permits = vtg_caa_reason_permits(prim->reason);
	/* the aggregator applied the mode: enforce overrules a permission the
	 * remotes did not corroborate, report-only only reports it */
	if (primary_permits && !q->positive) {
		reason = VTG_CAA_NOT_CORROBORATED; /* BR 3.2.2.9 */
		detail = q->why;
		S->not_corroborated++;
	}
	S->reported += q->reported;
	c->positive = vtg_caa_reason_permits(reason);
	if (mpic && primary_permits)
		c->corroborated = q->corroborated;
	if (detail && *detail)
		snprintf(c->reason, sizeof(c->reason), "%s: %.300s", vtg_caa_reason_str(reason),
			 detail);
	else
		snprintf(c->reason, sizeof(c->reason), "%s", vtg_caa_reason_str(reason));
	if (c->positive)
		S->permits++;
	else
		S->denies++;
	if (prim->reason == VTG_CAA_LOOKUP_FAILURE)
		S->failures++;
	vtg__emit_caa_head_as(j, c->input, c->input_len, &c->nm, prim, reason, detail);
	vtg__json_key(j, "records");
	vtg__json_raw(j, c->records.buf, c->records.len);
	vtg__emit_caa_tail_as(j, prim, c->checked_at, reason);
	vtg__json_kstr(j, "decided_by", B->cfg.persp[0].id);
	emit_mpic(j, c, ck, primary_permits);
}

/* ------------------------------------------------------------ dcv mode */

/* "outcome" or "outcome: detail" (the detail may already start with it) */
static const char *dcv_reason(const struct vtg_dcv_result *r, char *buf, size_t cap)
{
	const char *o = vtg__dcv_outcome_str(r->outcome);
	size_t ol = strlen(o);
	if (!r->detail[0])
		return o;
	if (!strncmp(r->detail, o, ol) && (r->detail[ol] == ':' || !r->detail[ol]))
		return r->detail;
	snprintf(buf, cap, "%s: %s", o, r->detail);
	return buf;
}

static void dcv_request(const struct bulk *b, const struct name_ctx *c,
			struct vtg_dcv_request *rq)
{
	*rq = b->dcv;
	rq->expect = c->expect;
	rq->now = (int64_t)c->checked_at;
}

/* A perspective's answer for the DCV query: check it, render its part of
 * the line while the answer's records are valid, deliver the vote (a
 * remote corroborates when it passed with the value the primary saw). */
static void dcv_feed(unsigned idx, unsigned p, const struct vtg_lookup_answer *ans)
{
	struct name_ctx *c = &B->ctx[idx];
	struct vtg_dcv_result *r = &c->dres[p];
	struct vtg_dcv_request rq;
	dcv_request(B, c, &rq);
	vtg__dcv_check(&rq, ans, r);
	struct vtg_json *f = &c->frag[p];
	char tb[16];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__json_kstr(f, "id", B->cfg.persp[p].id);
	if (B->cfg.persp[p].rir[0])
		vtg__json_kstr(f, "rir", B->cfg.persp[p].rir);
	vtg__json_kstr(f, "mode", B->cfg.persp[p].iterative ? "iterative" : "stub");
	vtg__json_kstr(f, "result", r->outcome == VTG_DCV_PASS ? "pass" : "fail");
	char why[320];
	vtg__json_kstr(f, "reason", dcv_reason(r, why, sizeof(why)));
	vtg__json_kstr(f, "seen", r->seen[0] ? r->seen : NULL);
	vtg__json_kstr(f, "rcode", ans->rcode == VTG_RCODE_NONE ? NULL
							      : vtg__rcode_str(ans->rcode));
	if (ans->fail != VTG_FAIL_NONE)
		vtg__json_kstr(f, "failure", vtg__lookup_fail_str(ans->fail));
	vtg__json_kstr(f, "dnssec", vtg_dnssec_str(ans->dnssec));
	if (ans->dnssec == VTG_DNSSEC_BOGUS && ans->why_bogus)
		vtg__json_kstr(f, "why_bogus", ans->why_bogus);
	/* what was seen, record by record, with the verdict on each */
	vtg__json_key(f, "records");
	vtg__json_arr_begin(f);
	const uint8_t *owner = ans->target ? ans->target : c->dq;
	for (size_t i = 0; i < ans->n_rrs; i++) {
		vtg__json_obj_begin(f);
		int l = vtg__rdata_rr_text(owner, c->dqtype, &ans->rrs[i], S->rrtext,
					   4 * 65536 + 1024);
		vtg__json_key(f, "rr");
		if (l >= 0)
			vtg__json_strn(f, S->rrtext, (size_t)l);
		else
			vtg__json_null(f);
		if (i < VTG_DCV_RR_MAX && i < r->n_records)
			vtg__json_kstr(f, "verdict", vtg__dcv_rr_str((enum vtg_dcv_rr)r->rr[i]));
		vtg__json_obj_end(f);
	}
	vtg__json_arr_end(f);
	vtg__json_kint(f, "chain", ans->chain_len);
	vtg__json_kint(f, "tries", ans->tries);
	vtg__json_key(f, "latency_ms");
	vtg__json_fixed(f, ans->latency_ms, 3);
	(void)tb;
	vtg__json_obj_end(f);
	bool answered = r->outcome != VTG_DCV_LOOKUP_FAILURE && r->outcome != VTG_DCV_DNSSEC_BOGUS;
	persp_done_seen(idx, p, answered, r->outcome == VTG_DCV_PASS, r->seen);
}

static void dcv_cb(void *ud, const struct vtg_qresult *r)
{
	if (iter_msg(ud, r))
		return;
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct name_ctx *c = &B->ctx[idx];
	struct vtg_lookup_answer ans;
	stub_answer_of(r, c->dq, c->dqtype, &ans);
	dcv_feed(idx, p, &ans);
}

static void write_dcv_line(struct name_ctx *c, const struct vtg_agg_check *ck)
{
	struct vtg_json *j = &c->line;
	char tb[16], ts[24];
	vtg__json_obj_begin(j);
	vtg__json_key(j, "name");
	vtg__json_strn(j, c->input, strnlen(c->input, c->input_len));
	vtg__json_kstr(j, "method", vtg__dcv_method_str(B->dcv.method));
	c->corroborated = -1;
	if (c->name_rc != 0) {
		S->invalid++;
		S->denies++;
		c->positive = false;
		snprintf(c->reason, sizeof(c->reason), "%s", c->nm.why);
		vtg__json_kstr(j, "result", "fail");
		vtg__json_kstr(j, "reason", c->nm.why);
		vtg__json_obj_end(j);
		vtg__json_line_end(j);
		return;
	}
	const struct vtg_dcv_result *prim = &c->dres[0];
	const struct vtg_quorum_result *q = &ck->q;
	bool pass = prim->outcome == VTG_DCV_PASS;
	char why[320] = "", rb[320];
	const char *reason = dcv_reason(prim, rb, sizeof(rb));
	if (pass && !q->positive) { /* enforce: not corroborated */
		pass = false;
		snprintf(why, sizeof(why), "not-corroborated: %s", q->why);
		S->not_corroborated++;
	}
	S->reported += q->reported;
	c->positive = pass;
	if (B->mpic != VTG_MPIC_OFF && prim->outcome == VTG_DCV_PASS)
		c->corroborated = q->corroborated;
	snprintf(c->reason, sizeof(c->reason), "%s", why[0] ? why : reason);
	if (pass)
		S->permits++;
	else
		S->denies++;
	if (prim->outcome == VTG_DCV_LOOKUP_FAILURE)
		S->failures++;
	vtg__json_kstr(j, "ascii_name", c->nm.ascii);
	vtg__json_key(j, "query");
	{
		char qn[VTG_NAME_MAX_CHARS + 8];
		int l = vtg__name_to_text(c->dq, qn, sizeof(qn), false);
		if (l >= 0)
			vtg__json_strn(j, qn, (size_t)l);
		else
			vtg__json_null(j);
	}
	vtg__json_kstr(j, "qtype", vtg__type_str(c->dqtype, tb, sizeof(tb)));
	if (c->expect)
		vtg__json_kstr(j, "expect", c->expect);
	vtg__json_kstr(j, "result", pass ? "pass" : "fail");
	vtg__json_kstr(j, "reason", why[0] ? why : reason);
	vtg__json_kstr(j, "seen", prim->seen[0] ? prim->seen : NULL);
	vtg__json_kstr(j, "dnssec", vtg_dnssec_str(prim->dnssec));
	if (vtg__dcv_method_sunsetting(B->dcv.method))
		vtg__json_kstr(j, "sunsetting", "BR 3.2.2.4.14/.16: SHOULD NOT from 2026-03-15, "
				"MUST NOT from 2028-03-15 (SC-090)");
	vtg__rfc3339(c->checked_at, ts);
	vtg__json_kstr(j, "checked_at", ts);
	vtg__json_kstr(j, "decided_by", B->cfg.persp[0].id);
	emit_mpic(j, c, ck, prim->outcome == VTG_DCV_PASS);
}

/* ---------------------------------------------------------- query mode */

static void render_query_persp(struct name_ctx *c, unsigned p, const struct vtg_qresult *r)
{
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__json_kstr(f, "perspective", B->cfg.persp[p].id);
	if (r->fail == VTG_FAIL_NONE) {
		const struct vtg_msg *m = r->msg;
		vtg__json_kstr(f, "rcode", vtg__rcode_str(vtg__msg_rcode(m)));
		vtg__json_key(f, "flags");
		vtg__json_arr_begin(f);
		static const struct { uint16_t bit; const char *name; } fl[] = {
			{VTG_FLAG_QR, "qr"}, {VTG_FLAG_AA, "aa"}, {VTG_FLAG_TC, "tc"},
			{VTG_FLAG_RD, "rd"}, {VTG_FLAG_RA, "ra"}, {VTG_FLAG_AD, "ad"},
			{VTG_FLAG_CD, "cd"},
		};
		for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
			if (m->flags & fl[i].bit)
				vtg__json_str(f, fl[i].name);
		vtg__json_arr_end(f);
		vtg__json_key(f, "answers");
		vtg__json_arr_begin(f);
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		vtg__rr_iter_init(&it, m, VTG_SEC_ANSWER);
		while (vtg__rr_iter_next(&it, &rr) == 1) {
			int l = vtg__rr_to_text(m, &rr, S->rrtext, 4 * 65536 + 1024);
			if (l >= 0)
				vtg__json_strn(f, S->rrtext, (size_t)l);
		}
		vtg__json_arr_end(f);
	} else {
		vtg__json_kstr(f, "rcode", NULL);
		vtg__json_kstr(f, "error", vtg__lookup_fail_str(r->fail));
		vtg__json_key(f, "answers");
		vtg__json_arr_begin(f);
		vtg__json_arr_end(f);
	}
	vtg__json_kbool(f, "tcp", r->tcp);
	vtg__json_kint(f, "tries", r->tries);
	vtg__json_key(f, "latency_ms");
	vtg__json_fixed(f, r->latency_ms, 3);
	vtg__json_obj_end(f);
}

/* An iterative perspective's answer, in the same shape as a response's. */
static void render_query_ans(struct name_ctx *c, unsigned p, const struct vtg_lookup_answer *a)
{
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__json_kstr(f, "perspective", B->cfg.persp[p].id);
	if (a->fail == VTG_FAIL_NONE) {
		vtg__json_kstr(f, "rcode", vtg__rcode_str(a->rcode == VTG_RCODE_NONE
								 ? VTG_RCODE_NOERROR
								 : a->rcode));
		vtg__json_key(f, "flags");
		vtg__json_arr_begin(f);
		if (a->dnssec == VTG_DNSSEC_SECURE)
			vtg__json_str(f, "ad"); /* validated here, as AD means */
		vtg__json_arr_end(f);
		vtg__json_key(f, "answers");
		vtg__json_arr_begin(f);
		const uint8_t *owner = a->target ? a->target : c->qwire;
		for (size_t i = 0; i < a->n_rrs; i++) {
			int l = vtg__rdata_rr_text(owner, B->qtype, &a->rrs[i], S->rrtext,
						   4 * 65536 + 1024);
			if (l >= 0)
				vtg__json_strn(f, S->rrtext, (size_t)l);
		}
		vtg__json_arr_end(f);
	} else {
		vtg__json_kstr(f, "rcode", a->rcode == VTG_RCODE_NONE ? NULL
								     : vtg__rcode_str(a->rcode));
		vtg__json_kstr(f, "error", vtg__lookup_fail_str(a->fail));
		vtg__json_key(f, "answers");
		vtg__json_arr_begin(f);
		vtg__json_arr_end(f);
	}
	vtg__json_kstr(f, "dnssec", vtg_dnssec_str(a->dnssec));
	if (a->dnssec == VTG_DNSSEC_BOGUS && a->why_bogus)
		vtg__json_kstr(f, "why_bogus", a->why_bogus);
	vtg__json_kint(f, "tries", a->tries);
	vtg__json_key(f, "latency_ms");
	vtg__json_fixed(f, a->latency_ms, 3);
	vtg__json_obj_end(f);
}

/* The iterative resolver finished a lookup. */
static void iter_done(void *ud, const struct vtg_lookup_answer *a)
{
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	if (B->mode == MODE_CAA) {
		caa_feed(idx, p, a);
		return;
	}
	if (B->mode == MODE_DCV) {
		dcv_feed(idx, p, a);
		return;
	}
	struct name_ctx *c = &B->ctx[idx];
	render_query_ans(c, p, a);
	if (a->fail != VTG_FAIL_NONE && p == 0)
		S->failures++;
	persp_done(idx, p, a->fail == VTG_FAIL_NONE, a->fail == VTG_FAIL_NONE);
}

static void query_cb(void *ud, const struct vtg_qresult *r)
{
	if (iter_msg(ud, r))
		return;
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct name_ctx *c = &B->ctx[idx];
	render_query_persp(c, p, r);
	if (r->fail != VTG_FAIL_NONE && p == 0)
		S->failures++;
	persp_done(idx, p, r->fail == VTG_FAIL_NONE, r->fail == VTG_FAIL_NONE);
}

static void write_query_line(struct name_ctx *c)
{
	struct vtg_json *j = &c->line;
	char tb[16];
	vtg__json_obj_begin(j);
	vtg__json_key(j, "name");
	vtg__json_strn(j, c->input, c->input_len);
	vtg__json_kstr(j, "type", vtg__type_str(B->qtype, tb, sizeof(tb)));
	if (c->name_rc != 0) {
		S->invalid++;
		vtg__json_kstr(j, "rcode", NULL);
		vtg__json_kstr(j, "error", c->nm.why);
		vtg__json_key(j, "answers");
		vtg__json_arr_begin(j);
		vtg__json_arr_end(j);
	} else {
		/* the primary's fields at the top level, without its braces */
		const struct vtg_json *f = &c->frag[0];
		vtg__json_raw(j, f->buf + 1, f->len - 2);
		if (B->cfg.n_persp > 1) {
			vtg__json_key(j, "perspectives");
			vtg__json_arr_begin(j);
			for (unsigned p = 0; p < B->cfg.n_persp; p++)
				vtg__json_raw(j, c->frag[p].buf, c->frag[p].len);
			vtg__json_arr_end(j);
		}
	}
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
}

/* ------------------------------------------------------- worker side */

/* "name [expected-value]": the value (from the line, else --expect) is
 * NUL-terminated in place; the query name comes from the method. */
static void parse_dcv(struct bulk *b, struct name_ctx *c)
{
	char *s = c->input;
	size_t n = c->input_len, k = 0;
	s[n] = 0; /* the input buffer has room for it */
	while (k < n && s[k] != ' ' && s[k] != '\t')
		k++;
	size_t v = k;
	while (v < n && (s[v] == ' ' || s[v] == '\t'))
		v++;
	size_t e = n;
	while (e > v && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
		e--;
	s[e] = 0;
	c->expect = v < e ? s + v : b->dcv_expect;
	s[k] = 0;
	c->input_len = k;
	c->name_rc = vtg__input_name_parse(&c->nm, s, k);
	if (c->name_rc != 0)
		return;
	struct vtg_dcv_request rq;
	dcv_request(b, c, &rq);
	int rc = vtg__dcv_query(&rq, c->nm.wire, c->dq, &c->dqtype);
	if (rc != 0) {
		c->name_rc = rc;
		snprintf(c->nm.why, sizeof(c->nm.why), "invalid-request: %s%s", vtg_strerror(rc),
			 rc == VTG_EDCV_REQUEST && !c->expect ? " (no expected value on the line "
								"or in --expect)" : "");
	}
}

/* Parse the input of a name (on the main thread when the name's
 * perspectives are spread over several workers, else on its worker). */
static void parse_name(struct bulk *b, struct name_ctx *c)
{
	const char *s = c->input;
	size_t n = c->input_len;
	c->checked_at = time(NULL);
	if (b->mode == MODE_CAA) {
		c->name_rc = vtg__input_name_parse(&c->nm, s, n);
	} else if (b->mode == MODE_DCV) {
		parse_dcv(b, c);
	} else {
		c->name_rc = 0;
		int l = n > 0 && n < 1024 ? vtg__name_from_text(c->qwire, s, n)
					  : VTG_EWIRE_NAME_SYNTAX;
		if (l < 0) {
			c->name_rc = l;
			snprintf(c->nm.why, sizeof(c->nm.why), "invalid-name: %s",
				 vtg_strerror(l));
		}
	}
	c->parsed = true;
}

/* Start perspective p of a name the main thread queued: submit its first
 * lookup. An invalid name is done at once (every perspective delivers, the
 * last renders the line). */
static void start_item(uint32_t item)
{
	unsigned idx = item >> 8, p = item & 0xff;
	struct name_ctx *c = &B->ctx[idx];
	if (!c->parsed)
		parse_name(B, c);
	if (c->name_rc != 0) {
		persp_done(idx, p, false, false);
		return;
	}
	if (B->mode == MODE_DCV) {
		if (submit_lookup(idx, p, c->dq, c->dqtype) != 0)
			defer(idx, p);
		return;
	}
	const uint8_t *qname = B->mode == MODE_CAA ? c->nm.wire : c->qwire;
	if (B->mode == MODE_CAA) {
		vtg__caa_climb_init(&c->climb[p], &B->pol, qname, c->nm.wildcard);
		const uint8_t *q = vtg__caa_climb_next(&c->climb[p]);
		if (!q) { /* nothing to ask (cannot happen for a valid name) */
			render_caa_persp(c, p);
			caa_persp_done(idx, p);
			return;
		}
		qname = q;
	}
	if (submit_lookup(idx, p, qname, B->mode == MODE_CAA ? VTG_TYPE_CAA : B->qtype) != 0)
		defer(idx, p);
}

static void flush_deferred(void)
{
	size_t k = 0;
	for (size_t i = 0; i < S->n_deferred; i++) {
		uint32_t d = S->deferred[i];
		unsigned idx = d >> 8, p = d & 0xff;
		struct name_ctx *c = &B->ctx[idx];
		const uint8_t *q = B->mode == MODE_CAA   ? vtg__caa_climb_next(&c->climb[p])
				   : B->mode == MODE_DCV ? c->dq
							 : c->qwire;
		uint16_t t = B->mode == MODE_CAA ? VTG_TYPE_CAA
			     : B->mode == MODE_DCV ? c->dqtype : B->qtype;
		if (submit_lookup(idx, p, q, t) != 0)
			S->deferred[k++] = d;
	}
	S->n_deferred = k;
}

static bool q_pop(struct shard *sh, uint32_t *idx)
{
	uint32_t h = sh->q_head; /* only this thread writes it */
	if (h == __atomic_load_n(&sh->q_tail, __ATOMIC_ACQUIRE))
		return false;
	*idx = sh->q[h & sh->qmask];
	__atomic_store_n(&sh->q_head, h + 1, __ATOMIC_RELEASE);
	return true;
}

static void signal_fd(int fd)
{
	uint64_t one = 1;
	ssize_t r = write(fd, &one, sizeof(one));
	(void)r; /* an eventfd write only fails at a counter of 2^64-2 */
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

static void *worker_main(void *arg)
{
	struct shard *sh = arg;
	S = sh;
	sh->init_rc = vtg__worker_new(&sh->w, &B->cfg.engine, B->cfg.persp, B->cfg.n_persp,
				      B->mode == MODE_CAA   ? caa_cb
				      : B->mode == MODE_DCV ? dcv_cb
							    : query_cb,
				      sh->err,
				      sizeof(sh->err));
	if (sh->init_rc == 0) {
		sh->init_rc = vtg__worker_set_wake(sh->w, sh->efd);
		if (sh->init_rc != 0)
			snprintf(sh->err, sizeof(sh->err), "io_uring eventfd read: %s",
				 strerror(-sh->init_rc));
	}
	bool any_iter = false;
	for (unsigned p = 0; p < B->cfg.n_persp; p++)
		any_iter |= B->cfg.persp[p].iterative;
	if (sh->init_rc == 0 && any_iter) {
		const struct vtg_iter_settings *is = &B->cfg.iter;
		struct vtg_iter_hints hints;
		struct vtg_dv_keys *anchor = NULL;
		sh->init_rc = iter_inputs(is, &hints, &anchor, sh->err, sizeof(sh->err));
		struct vtg_iter_cfg ic = {
			.hints = &hints,
			.anchor = anchor,
			.clock = wall_ms,
			.cache_bytes = (size_t)(is->cache_mb ? is->cache_mb : 64) << 20,
			/* every name of the shard's window in every perspective,
			 * plus nested lookups */
			.max_tasks = (B->window / B->n_shards + 2) * B->cfg.n_persp * 5 / 4 + 64,
			.case_random = is->case_random,
		};
		if (sh->init_rc == 0)
			sh->init_rc = vtg__iter_new(&sh->iter, &ic, B->cfg.n_persp, iter_send, sh,
						    iter_done, sh->err, sizeof(sh->err));
	}
	pthread_barrier_wait(&B->ready);
	for (unsigned k = 0; k < B->n_shards; k++)
		if (__atomic_load_n(&B->shards[k].init_rc, __ATOMIC_ACQUIRE) != 0)
			return NULL; /* the run does not start */
	for (;;) {
		uint32_t item;
		while (sh->n_deferred == 0 && vtg__worker_free_slots(sh->w) >= 1 &&
		       (!sh->iter || vtg__iter_free_tasks(sh->iter) >= 1) && q_pop(sh, &item))
			start_item(item);
		if (sh->n_deferred)
			flush_deferred();
		if (sh->iter)
			vtg__iter_poll(sh->iter);
		/* tell the main thread in batches, and at once when this worker
		 * runs dry (then the main thread is what it waits for) */
		if (sh->finished &&
		    (sh->finished >= sh->signal_batch || vtg__worker_active(sh->w) == 0 ||
		     sh->q_head == __atomic_load_n(&sh->q_tail, __ATOMIC_ACQUIRE))) {
			sh->finished = 0;
			signal_fd(B->main_efd);
		}
		if (__atomic_load_n(&B->eof, __ATOMIC_ACQUIRE) &&
		    sh->q_head == __atomic_load_n(&sh->q_tail, __ATOMIC_ACQUIRE) &&
		    sh->n_deferred == 0 && vtg__worker_active(sh->w) == 0 &&
		    (!sh->iter || (vtg__iter_active(sh->iter) == 0 &&
				   !vtg__iter_has_work(sh->iter))))
			break;
		int wr = vtg__worker_run(sh->w, 200);
		if (wr < 0) {
			__atomic_store_n(&sh->fatal, wr, __ATOMIC_RELEASE);
			signal_fd(B->main_efd);
			break;
		}
	}
	return NULL;
}

/* --------------------------------------------------------- main side */

static void q_push(struct shard *sh, uint32_t idx)
{
	uint32_t t = sh->q_tail; /* only the main thread writes it */
	sh->q[t & sh->qmask] = idx; /* never full: a shard holds < window names */
	__atomic_store_n(&sh->q_tail, t + 1, __ATOMIC_RELEASE);
}

static void emit_ready(struct bulk *b)
{
	while (b->next_emit < b->next_seq) {
		struct name_ctx *c = &b->ctx[b->next_emit % b->window];
		if (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE))
			break;
		vtg__json_put_lines(&b->out, c->line.buf, c->line.len);
		b->next_emit++;
	}
}

/* Queue one input line; false when out of memory. */
static bool queue_name(struct bulk *b, const char *s, size_t n, uint64_t *woken)
{
	unsigned idx = (unsigned)(b->next_seq % b->window);
	struct name_ctx *c = &b->ctx[idx];
	if (n + 1 > c->input_cap) {
		char *ni = vtg__realloc(c->input, n + 1);
		if (!ni)
			return false;
		c->input = ni;
		c->input_cap = n + 1;
	}
	memcpy(c->input, s, n);
	c->input[n] = 0;
	c->input_len = n;
	c->done = false;
	c->parsed = false;
	const unsigned np = b->cfg.n_persp;
	if (np > 1)
		parse_name(b, c); /* once, before its perspectives spread out */
	/* the entry is free: its previous line was written out */
	c->token = vtg__agg_arm(b->agg, idx, ~0u, b->mode == MODE_DCV, NULL);
	/* the perspectives of a name go to different workers: the one that
	 * delivers the last result finishes the line */
	for (unsigned p = 0; p < np; p++) {
		unsigned k = (unsigned)((b->next_seq + p) % b->n_shards);
		q_push(&b->shards[k], idx << 8 | p);
		*woken |= 1ull << k;
	}
	b->next_seq++;
	return true;
}

static void progress(struct bulk *b, bool final)
{
	if (!b->progress)
		return;
	uint64_t t = now_ns();
	if (!final && t - b->last_progress_ns < PROGRESS_NS)
		return;
	b->last_progress_ns = t;
	double secs = (double)(t - b->started_ns) / 1e9;
	fprintf(stderr, "\r\033[K[vantage] %llu names read, %llu done, %.0f names/s",
		(unsigned long long)b->next_seq, (unsigned long long)b->next_emit,
		secs > 0 ? (double)b->next_emit / secs : 0.0);
	if (final)
		fputc('\n', stderr);
}

static void summary(struct bulk *b, const char *cmd)
{
	double secs = (double)(now_ns() - b->started_ns) / 1e9;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	unsigned long permits = 0, denies = 0, invalid = 0, failures = 0, notc = 0, reported = 0;
	unsigned long long enters = 0;
	for (unsigned k = 0; k < b->n_shards; k++) {
		const struct shard *sh = &b->shards[k];
		permits += sh->permits;
		denies += sh->denies;
		invalid += sh->invalid;
		failures += sh->failures;
		notc += sh->not_corroborated;
		reported += sh->reported;
		enters += vtg__worker_enters(sh->w);
	}
	if (b->mode == MODE_CAA)
		fprintf(stderr, "vantage %s: %llu names: %lu permit, %lu deny (%lu invalid, "
			"%lu lookup failures at the primary)", cmd,
			(unsigned long long)b->next_emit, permits, denies, invalid, failures);
	else if (b->mode == MODE_DCV)
		fprintf(stderr, "vantage %s: %llu names (%s): %lu pass, %lu fail (%lu invalid, "
			"%lu lookup failures at the primary)", cmd,
			(unsigned long long)b->next_emit, vtg__dcv_method_str(b->dcv.method),
			permits, denies, invalid, failures);
	else
		fprintf(stderr, "vantage %s: %llu names (%lu invalid, %lu without an answer "
			"at the primary)", cmd, (unsigned long long)b->next_emit, invalid,
			failures);
	fprintf(stderr, " in %.2f s (%.0f names/s), %u worker%s, cpu %.2f s, max rss %ld KiB, "
		"%llu ring enters\n", secs, secs > 0 ? (double)b->next_emit / secs : 0.0,
		b->n_shards, b->n_shards == 1 ? "" : "s", cpu, ru.ru_maxrss, enters);
	if (b->mpic != VTG_MPIC_OFF)
		fprintf(stderr, "  corroboration (%s, %u remote perspectives): %lu denied as "
			"not corroborated, %lu not corroborated but permitted (report-only)\n",
			vtg__mpic_mode_str(b->mpic), b->cfg.n_persp - 1, notc, reported);
	for (unsigned p = 0; p < b->cfg.n_persp; p++) {
		struct vtg_persp_stats t;
		memset(&t, 0, sizeof(t));
		for (unsigned k = 0; k < b->n_shards; k++) {
			const struct vtg_persp_stats *s = vtg__worker_stats(b->shards[k].w, p);
			t.sent += s->sent;
			t.received += s->received;
			t.retried += s->retried;
			t.timed_out += s->timed_out;
			t.dropped_mismatch += s->dropped_mismatch;
			t.tcp_fallbacks += s->tcp_fallbacks;
			t.tcp_failed += s->tcp_failed;
			t.send_errors += s->send_errors;
			t.edns_fallbacks += s->edns_fallbacks;
		}
		fprintf(stderr, "  perspective %s: sent %llu, received %llu, retried %llu, "
			"timed out %llu, dropped-mismatch %llu, tcp fallbacks %llu "
			"(failed %llu), send errors %llu, edns fallbacks %llu\n",
			b->cfg.persp[p].id,
			(unsigned long long)t.sent, (unsigned long long)t.received,
			(unsigned long long)t.retried, (unsigned long long)t.timed_out,
			(unsigned long long)t.dropped_mismatch,
			(unsigned long long)t.tcp_fallbacks, (unsigned long long)t.tcp_failed,
			(unsigned long long)t.send_errors, (unsigned long long)t.edns_fallbacks);
		if (!b->cfg.persp[p].iterative)
			continue;
		struct vtg_iter_stats is, sum;
		memset(&sum, 0, sizeof(sum));
		for (unsigned k = 0; k < b->n_shards; k++) {
			if (!b->shards[k].iter)
				continue;
			vtg__iter_stats(b->shards[k].iter, p, &is);
			sum.lookups += is.lookups;
			sum.queries += is.queries;
			sum.cache_hits += is.cache_hits;
			sum.coalesced += is.coalesced;
			sum.referrals += is.referrals;
			sum.nested += is.nested;
			sum.validated += is.validated;
			sum.bogus += is.bogus;
			sum.evictions += is.evictions;
			sum.cache_entries += is.cache_entries;
			sum.cache_bytes += is.cache_bytes;
			sum.ns_skipped += is.ns_skipped;
			sum.held_down += is.held_down;
			sum.limit_hits += is.limit_hits;
		}
		fprintf(stderr, "    iterative: %llu lookups, %llu queries, %llu cache hits, "
			"%llu coalesced, %llu referrals, %llu nested NS lookups, %llu validations "
			"(%llu bogus), cache %llu entries / %.1f MiB, %llu evicted, "
			"%llu NS names skipped, %llu held-down servers skipped, %llu limits hit\n",
			(unsigned long long)sum.lookups, (unsigned long long)sum.queries,
			(unsigned long long)sum.cache_hits, (unsigned long long)sum.coalesced,
			(unsigned long long)sum.referrals, (unsigned long long)sum.nested,
			(unsigned long long)sum.validated, (unsigned long long)sum.bogus,
			(unsigned long long)sum.cache_entries, (double)sum.cache_bytes / 1048576.0,
			(unsigned long long)sum.evictions, (unsigned long long)sum.ns_skipped,
			(unsigned long long)sum.held_down, (unsigned long long)sum.limit_hits);
	}
}

/* ------------------------------------------------------ set-up, tear-down */

/* The aggregator's finalise callback: the last perspective of a name is in
 * (on this worker thread); render the line and publish it. */
static void completion_of(const struct name_ctx *c, const struct vtg_agg_check *ck,
			  struct vtg_completion *out)
{
	out->user = c->user;
	out->name = c->input;
	out->positive = c->positive;
	out->reason = c->reason;
	out->corroborated = c->corroborated;
	out->quorum_k = ck->q.k;
	out->quorum_n = ck->q.n;
	out->json = c->line.buf;
	out->json_len = c->line.len && c->line.buf[c->line.len - 1] == '\n' ? c->line.len - 1
									    : c->line.len;
}

static void on_final(void *ud, const struct vtg_agg_check *ck)
{
	struct bulk *b = ud;
	struct name_ctx *c = &b->ctx[ck->id];
	finish_name(c, ck);
	if (b->on_complete) {
		struct vtg_completion cp;
		completion_of(c, ck, &cp);
		b->on_complete(b->on_complete_ud, &cp);
	}
}

/* Stop the workers (they finish what they hold) and free everything the
 * run holds; safe on a partly made run. */
static void runner_stop(struct bulk *b)
{
	unsigned np = b->cfg.n_persp;
	for (unsigned k = 0; k < b->n_shards; k++)
		if (b->shards[k].started) {
			__atomic_store_n(&b->eof, true, __ATOMIC_RELEASE);
			signal_fd(b->shards[k].efd);
			pthread_join(b->shards[k].th, NULL);
		}
	if (b->barrier)
		pthread_barrier_destroy(&b->ready);
	b->barrier = false;
	if (b->ctx)
		for (unsigned i = 0; i < b->window; i++) {
			struct name_ctx *c = &b->ctx[i];
			if (c->frag)
				for (unsigned p = 0; p < np; p++)
					vtg__json_deinit(&c->frag[p]);
			vtg__free(c->frag);
			vtg__free(c->climb);
			vtg__free(c->dres);
			vtg__json_deinit(&c->records);
			vtg__json_deinit(&c->line);
			vtg__free(c->input);
		}
	vtg__free(b->ctx);
	b->ctx = NULL;
	vtg__agg_free(b->agg);
	b->agg = NULL;
	if (b->shards)
		for (unsigned k = 0; k < b->n_shards; k++) {
			struct shard *sh = &b->shards[k];
			vtg__iter_free(sh->iter);
			vtg__worker_free(sh->w);
			if (sh->efd > 0)
				close(sh->efd);
			vtg__free(sh->q);
			vtg__free(sh->deferred);
			vtg__free(sh->scratch);
			vtg__free(sh->rrtext);
		}
	vtg__free(b->shards);
	b->shards = NULL;
	if (b->main_efd >= 0)
		close(b->main_efd);
	b->main_efd = -1;
	vtg__json_deinit(&b->out);
}

/*
 * Size the run (window, workers, per-worker limits), allocate everything,
 * start the worker threads and wait until each made its engine worker.
 * 0; -1 (resources) or -2 (a perspective cannot be set up) with the reason
 * in err, everything freed.
 */
static int runner_start(struct bulk *b, long window, long workers, char *err, size_t errcap)
{
	unsigned np = b->cfg.n_persp;
	b->window = window ? (unsigned)window : DEF_WINDOW_NAMES / np;
	if (!window && b->window < MIN_WINDOW)
		b->window = MIN_WINDOW;
	/* workers: --workers, else the config's, else one per core */
	if (workers > 0)
		b->cfg.engine.workers = (unsigned)workers;
	if (b->cfg.engine.workers == 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		b->cfg.engine.workers = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	b->n_shards = b->cfg.engine.workers < MAX_WORKERS ? b->cfg.engine.workers : MAX_WORKERS;
	if (b->n_shards > b->window)
		b->n_shards = b->window;
	/* each worker holds at most its share of the window (names go round
	 * robin); the per-upstream limits are shared out between the workers */
	unsigned share = (b->window + b->n_shards - 1) / b->n_shards;
	if (b->cfg.engine.slots < share * np && b->cfg.engine.slots < 65536)
		b->cfg.engine.slots = share * np < 65536 ? share * np : 65536;
	if (b->cfg.engine.upstream_inflight)
		b->cfg.engine.upstream_inflight =
			(b->cfg.engine.upstream_inflight + b->n_shards - 1) / b->n_shards;
	if (b->cfg.engine.rate_qps)
		b->cfg.engine.rate_qps = (b->cfg.engine.rate_qps + b->n_shards - 1) / b->n_shards;

	b->main_efd = -1;
	b->ctx = vtg__calloc(b->window, sizeof(*b->ctx));
	b->shards = vtg__calloc(b->n_shards, sizeof(*b->shards));
	if (!b->ctx || !b->shards || vtg__json_init(&b->out, b->out_fd) != 0)
		goto fail;
	for (unsigned i = 0; i < b->window; i++) {
		struct name_ctx *c = &b->ctx[i];
		c->frag = vtg__calloc(np, sizeof(*c->frag));
		if (!c->frag || vtg__json_init_cap(&c->line, -1, FRAG_CAP) != 0)
			goto fail;
		for (unsigned p = 0; p < np; p++)
			if (vtg__json_init_cap(&c->frag[p], -1, FRAG_CAP) != 0)
				goto fail;
		if (b->mode == MODE_DCV) {
			c->dres = vtg__calloc(np, sizeof(*c->dres));
			if (!c->dres)
				goto fail;
		}
		if (b->mode == MODE_CAA) {
			c->climb = vtg__calloc(np, sizeof(*c->climb));
			if (!c->climb || vtg__json_init_cap(&c->records, -1, 256) != 0)
				goto fail;
		}
	}
	uint32_t qcap = 1;
	while (qcap < (uint64_t)b->window * np)
		qcap <<= 1;
	for (unsigned k = 0; k < b->n_shards; k++) {
		struct shard *sh = &b->shards[k];
		sh->b = b;
		sh->k = k;
		sh->efd = eventfd(0, EFD_CLOEXEC);
		sh->q = vtg__calloc(qcap, sizeof(uint32_t));
		sh->qmask = qcap - 1;
		sh->deferred_cap = qcap; /* every item the shard can hold */
		sh->signal_batch = share / 8 ? share / 8 : 1;
		sh->deferred = vtg__calloc(sh->deferred_cap, sizeof(uint32_t));
		sh->scratch = vtg__malloc(sizeof(*sh->scratch));
		sh->rrtext = vtg__malloc(4 * 65536 + 1024);
		if (sh->efd < 0 || !sh->q || !sh->deferred || !sh->scratch || !sh->rrtext)
			goto fail;
	}
	b->main_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->main_efd < 0)
		goto fail;
	struct vtg_agg_cfg ac = {
		.max_checks = b->window,
		.n_persp = np,
		.rules = {.mode = b->mpic, .rir_rule = vtg__mpic_rir_rule(time(NULL))},
		.final = on_final,
		.ud = b,
		.completion_queue = b->completion_queue,
	};
	for (unsigned p = 0; p < np; p++)
		ac.rir[p] = vtg__rir_parse(b->cfg.persp[p].rir);
	if (vtg__agg_new(&b->agg, &ac) != 0)
		goto fail;

	/* start the workers; each makes its engine worker on its own thread */
	pthread_barrier_init(&b->ready, NULL, b->n_shards + 1);
	b->barrier = true;
	unsigned started = 0;
	for (; started < b->n_shards; started++) {
		struct shard *sh = &b->shards[started];
		if (pthread_create(&sh->th, NULL, worker_main, sh) != 0)
			break;
		sh->started = true;
	}
	if (started < b->n_shards) {
		/* cannot happen short of resource exhaustion; nobody waits for us */
		fprintf(stderr, "vantage: cannot start worker threads\n");
		abort();
	}
	pthread_barrier_wait(&b->ready);
	for (unsigned k = 0; k < b->n_shards; k++)
		if (b->shards[k].init_rc != 0) {
			snprintf(err, errcap, "engine: %.400s", b->shards[k].err);
			runner_stop(b);
			return -2; /* a perspective that cannot be set up */
		}
	return 0;
fail:
	snprintf(err, errcap, "out of memory (or file descriptors)");
	runner_stop(b);
	return -1;
}

/* The run's DCV method has what it needs (label, account URI, issuers);
 * the expected value comes per name unless the run gives one for all.
 * 0, or the vtg__dcv_request_check error with the reason in err. */
static int runner_check_dcv(const struct bulk *b, char *err, size_t errcap)
{
	struct vtg_dcv_request probe = b->dcv;
	probe.expect = b->dcv_expect ? b->dcv_expect : "x"; /* per line otherwise */
	int rc = vtg__dcv_request_check(&probe);
	if (rc != 0)
		snprintf(err, errcap, "%s: %s%s", vtg__dcv_method_str(b->dcv.method),
			 vtg_strerror(rc),
			 b->dcv.method == VTG_DCV_PERSIST     ? " (persist needs --ca and "
								"--account-uri)"
			 : b->dcv.method == VTG_DCV_ACCOUNT01 ? " (dns-account-01 needs "
								"--account-uri)"
							      : "");
	return rc;
}

/* The perspective set must allow corroboration (BR 3.2.2.9) unless the run
 * is single-perspective (mode off). 0, or -1 with the reason in err. */
static int runner_check_mpic(struct bulk *b, long min_remotes, char *err, size_t errcap)
{
	if (b->mpic != VTG_MPIC_OFF) {
		time_t now = time(NULL);
		struct vtg_mpic_persp mp[VTG_MAX_PERSPECTIVES];
		for (unsigned p = 0; p < b->cfg.n_persp; p++) {
			const struct vtg_persp_cfg *pc = &b->cfg.persp[p];
			mp[p] = (struct vtg_mpic_persp){
				.id = pc->id, .rir = vtg__rir_parse(pc->rir),
				.has_location = pc->has_location, .lat = pc->lat, .lon = pc->lon,
				.validates = pc->iterative && strcmp(b->cfg.iter.trust_anchor, "none"),
			};
		}
		unsigned min = min_remotes >= 0 ? (unsigned)min_remotes : vtg__mpic_min_remotes(now);
		if (vtg__mpic_check_config(mp, b->cfg.n_persp, b->mpic, min, vtg__mpic_rir_rule(now),
					   vtg__mpic_min_remotes(now) >= 3, err, errcap) != 0) {
			return -1;
		}
	}
	return 0;
}

static void bulk_usage(FILE *f, enum mode mode)
{
	if (mode == MODE_DCV)
		fprintf(f,
			"usage: vantage dcv (--config FILE | --resolver ADDR[:PORT] ... | --iterative)\n"
			"                   --method dns-01|dns-account-01|dns-change|cname|persist|\n"
			"                            contact-email|contact-phone\n"
			"                   [--expect VALUE] [--label _LABEL] [--account-uri URI]\n"
			"                   [--ca DOMAIN[,DOMAIN...]] [--mode enforce|report-only|off]\n"
			"                   [--min-remotes N] [--root-hints FILE] [--trust-anchor FILE]\n"
			"                   [--timeout-ms N] [--retries N] [--window N] [--workers N]\n"
			"                   [--progress | --no-progress] [NAME ... | < 'name value' lines]\n"
			"Each input line is a name and, unless --expect gives one for all, the\n"
			"expected value (dns-01 / dns-account-01 digest, dns-change random value,\n"
			"cname target); persist takes --ca and --account-uri.\n");
	else if (mode == MODE_CAA)
		fprintf(f,
			"usage: vantage caa (--config FILE | --resolver ADDR[:PORT] ... | --iterative)\n"
			"                   --ca DOMAIN[,DOMAIN...] [--account-uri URI] [--method M]\n"
			"                   [--compat LIST] [--recognised-tags LIST]\n"
			"                   [--root-hints FILE] [--trust-anchor FILE] [--qname-0x20]\n"
			"                   [--cache-mb N] [--lookup-failure-exception]\n"
			"                   [--mode enforce|report-only|off] [--min-remotes N]\n"
			"                   [--csr FILE | --cert FILE]  (the SAN dNSNames as input)\n"
			"                   [--timeout-ms N] [--retries N] [--window N] [--workers N]\n"
			"                   [--progress | --no-progress] [NAME ... | < names.txt]\n");
	else
		fprintf(f,
			"usage: vantage query [-t TYPE] (--config FILE | --resolver ADDR[:PORT] ... |\n"
			"                     --iterative [--root-hints FILE] [--trust-anchor FILE]\n"
			"                     [--qname-0x20] [--cache-mb N])\n"
			"                     [--timeout-ms N] [--retries N] [--window N] [--workers N]\n"
			"                     [--progress | --no-progress] [NAME ... | < names.txt]\n");
	fprintf(f, "One JSON line per input name on stdout, in input order; a summary on\n"
		   "stderr. The config file format is in README.md.\n");
}

static int parse_type(const char *s, uint16_t *t)
{
	static const struct { const char *n; uint16_t t; } types[] = {
		{"A", VTG_TYPE_A}, {"NS", VTG_TYPE_NS}, {"CNAME", VTG_TYPE_CNAME},
		{"SOA", VTG_TYPE_SOA}, {"PTR", VTG_TYPE_PTR}, {"MX", VTG_TYPE_MX},
		{"TXT", VTG_TYPE_TXT}, {"AAAA", VTG_TYPE_AAAA}, {"DNAME", VTG_TYPE_DNAME},
		{"DS", VTG_TYPE_DS}, {"DNSKEY", VTG_TYPE_DNSKEY}, {"CAA", VTG_TYPE_CAA},
		{"ANY", VTG_TYPE_ANY}, {"RRSIG", VTG_TYPE_RRSIG}, {"NSEC", VTG_TYPE_NSEC},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(s, types[i].n)) {
			*t = types[i].t;
			return 0;
		}
	if (!strncasecmp(s, "TYPE", 4)) {
		char *end;
		unsigned long v = strtoul(s + 4, &end, 10);
		if (!*end && end != s + 4 && v > 0 && v < 65536) {
			*t = (uint16_t)v;
			return 0;
		}
	}
	return -1;
}

/*
 * The SAN dNSNames of a CSR or a certificate (PEM or DER), so a CA can feed
 * the request it is about to sign. The names are appended to *names
 * (vtg__malloc'd strings). Returns the count, or -1 with the reason on
 * stderr (unreadable file, not a CSR / certificate, no dNSName).
 */
static int read_sans(const char *path, bool csr, char ***names, int *n)
{
	BIO *bio = BIO_new_file(path, "rb");
	if (!bio) {
		fprintf(stderr, "vantage: %s: %s\n", path, strerror(errno));
		return -1;
	}
	X509 *crt = NULL;
	X509_REQ *req = NULL;
	if (csr) {
		req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
		if (!req && BIO_reset(bio) == 0)
			req = d2i_X509_REQ_bio(bio, NULL);
	} else {
		crt = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (!crt && BIO_reset(bio) == 0)
			crt = d2i_X509_bio(bio, NULL);
	}
	BIO_free(bio);
	ERR_clear_error();
	if (!req && !crt) {
		fprintf(stderr, "vantage: %s: not a %s (PEM or DER)\n", path,
			csr ? "certificate request" : "certificate");
		return -1;
	}
	GENERAL_NAMES *gens = NULL;
	if (crt) {
		gens = X509_get_ext_d2i(crt, NID_subject_alt_name, NULL, NULL);
	} else {
		STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
		if (exts) {
			gens = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
			sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
		}
	}
	int added = 0;
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
		int len = ASN1_STRING_length(g->d.dNSName);
		char **nn = vtg__realloc(*names, (size_t)(*n + 1) * sizeof(char *));
		char *copy = vtg__malloc((size_t)len + 1);
		if (!nn || !copy) {
			vtg__free(copy);
			if (nn)
				*names = nn;
			added = -1;
			break;
		}
		*names = nn;
		memcpy(copy, d, (size_t)len); /* an embedded NUL makes the name invalid
					       * below, as the input checker reports */
		copy[len] = 0;
		(*names)[(*n)++] = copy;
		added++;
	}
	GENERAL_NAMES_free(gens);
	X509_free(crt);
	X509_REQ_free(req);
	if (added == 0)
		fprintf(stderr, "vantage: %s: no subjectAltName dNSName\n", path);
	return added > 0 ? added : -1;
}

static int run_bulk(int argc, char **argv, enum mode mode)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'f'},
		{"resolver", required_argument, NULL, 'r'},
		{"ca", required_argument, NULL, 'c'},
		{"account-uri", required_argument, NULL, 'a'},
		{"method", required_argument, NULL, 'm'},
		{"compat", required_argument, NULL, 'C'},
		{"recognised-tags", required_argument, NULL, 'R'},
		{"recognized-tags", required_argument, NULL, 'R'},
		{"timeout-ms", required_argument, NULL, 'T'},
		{"retries", required_argument, NULL, 'N'},
		{"window", required_argument, NULL, 'W'},
		{"workers", required_argument, NULL, 'w'},
		{"type", required_argument, NULL, 't'},
		{"progress", no_argument, NULL, 'P'},
		{"no-progress", no_argument, NULL, 'Q'},
		{"iterative", no_argument, NULL, 'I'},
		{"root-hints", required_argument, NULL, 'H'},
		{"trust-anchor", required_argument, NULL, 'A'},
		{"lookup-failure-exception", no_argument, NULL, 'X'},
		{"qname-0x20", no_argument, NULL, 'Z'},
		{"cache-mb", required_argument, NULL, 'M'},
		{"mode", required_argument, NULL, 'O'},
		{"expect", required_argument, NULL, 'E'},
		{"csr", required_argument, NULL, 'S'},
		{"cert", required_argument, NULL, 'Y'},
		{"label", required_argument, NULL, 'L'},
		{"min-remotes", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct bulk b;
	memset(&b, 0, sizeof(b));
	b.mode = mode;
	b.out_fd = STDOUT_FILENO;
	b.qtype = VTG_TYPE_CAA;
	vtg__config_init(&b.cfg);
	b.pol.id.recognised = VTG_CAA_RECOGNISED_DEFAULT;
	b.progress = isatty(STDERR_FILENO);
	char **issuers = NULL;
	int n_issuers = 0;
	bool have_config = false, have_resolver = false, iterative = false;
	const char *root_hints = NULL, *trust_anchor = NULL;
	long cache_mb = 0;
	bool x20 = false;
	long timeout = -1, retries = -1, window = 0, workers = 0, min_remotes = -1;
	bool mode_given = false, dcv_method = false;
	char **sans = NULL;
	int n_sans = 0;
	char err[512];
	int rc = VTG_EXIT_USAGE;
	optind = 1;
	int o;
	while ((o = getopt_long(argc, argv, "f:r:c:a:m:t:h", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			if (vtg__config_load(&b.cfg, optarg, err, sizeof(err)) != 0) {
				fprintf(stderr, "vantage: config: %s\n", err);
				goto out;
			}
			have_config = true;
			break;
		case 'r':
			if (vtg__config_add_resolver(&b.cfg, optarg, err, sizeof(err)) != 0) {
				fprintf(stderr, "vantage: --resolver: %s\n", err);
				goto out;
			}
			have_resolver = true;
			break;
		case 'S':
		case 'Y':
			if (mode == MODE_QUERY)
				goto bad_opt;
			if (read_sans(optarg, o == 'S', &sans, &n_sans) < 0)
				goto out;
			break;
		case 'E':
			if (mode != MODE_DCV)
				goto bad_opt;
			b.dcv_expect = optarg;
			break;
		case 'L':
			if (mode != MODE_DCV)
				goto bad_opt;
			b.dcv.label = optarg;
			break;
		case 'c':
			if (mode == MODE_QUERY || issuers)
				goto bad_opt;
			n_issuers = vtg__split_issuers(optarg, &issuers);
			if (n_issuers < 0)
				goto out;
			break;
		case 'a':
			b.pol.id.account_uri = optarg;
			b.dcv.account_uri = optarg;
			break;
		case 'm':
			if (mode == MODE_DCV) {
				if (vtg__dcv_method_parse(optarg, &b.dcv.method) != 0) {
					fprintf(stderr, "vantage dcv: --method is dns-01, "
						"dns-account-01, dns-change, cname, persist, "
						"contact-email or contact-phone\n");
					goto out;
				}
				dcv_method = true;
				break;
			}
			b.pol.id.method = optarg;
			break;
		case 'C':
			if (vtg__parse_compat(optarg, &b.pol.id.compat) != 0)
				goto out;
			break;
		case 'R':
			if (vtg__parse_recognised(optarg, &b.pol.id.recognised) != 0)
				goto out;
			break;
		case 'T':
			timeout = strtol(optarg, NULL, 10);
			if (timeout <= 0 || timeout > 600000) {
				fprintf(stderr, "vantage: --timeout-ms is 1 to 600000\n");
				goto out;
			}
			break;
		case 'N':
			retries = strtol(optarg, NULL, 10);
			if (retries < 0 || retries > 7) {
				fprintf(stderr, "vantage: --retries is 0 to 7\n");
				goto out;
			}
			break;
		case 'W':
			window = strtol(optarg, NULL, 10);
			if (window < 1 || window > (1 << 22)) {
				fprintf(stderr, "vantage: --window is 1 to 4194304\n");
				goto out;
			}
			break;
		case 'w':
			workers = strtol(optarg, NULL, 10);
			if (workers < 1 || workers > MAX_WORKERS) {
				fprintf(stderr, "vantage: --workers is 1 to %d\n", MAX_WORKERS);
				goto out;
			}
			break;
		case 't':
			if (mode != MODE_QUERY || parse_type(optarg, &b.qtype) != 0) {
				fprintf(stderr, "vantage: unknown query type '%s'\n", optarg);
				goto out;
			}
			break;
		case 'I':
			iterative = true;
			break;
		case 'H':
			root_hints = optarg;
			break;
		case 'A':
			trust_anchor = optarg;
			break;
		case 'X':
			if (mode != MODE_CAA)
				goto bad_opt;
			b.pol.failure_exception = true;
			break;
		case 'Z':
			x20 = true;
			break;
		case 'M':
			cache_mb = strtol(optarg, NULL, 10);
			if (cache_mb < 1 || cache_mb > (1 << 20)) {
				fprintf(stderr, "vantage: --cache-mb is 1 to 1048576\n");
				goto out;
			}
			break;
		case 'O':
			if (mode == MODE_QUERY || vtg__mpic_mode_parse(optarg, &b.mpic) != 0) {
				fprintf(stderr, "vantage: --mode is enforce, report-only or off\n");
				goto out;
			}
			mode_given = true;
			break;
		case 'K':
			min_remotes = strtol(optarg, NULL, 10);
			if (min_remotes < 0 || min_remotes >= VTG_MAX_PERSPECTIVES) {
				fprintf(stderr, "vantage: --min-remotes is 0 to %d\n",
					VTG_MAX_PERSPECTIVES - 1);
				goto out;
			}
			break;
		case 'P':
			b.progress = true;
			break;
		case 'Q':
			b.progress = false;
			break;
		case 'h':
			bulk_usage(stdout, mode);
			rc = VTG_EXIT_OK;
			goto out;
		default:
bad_opt:
			bulk_usage(stderr, mode);
			goto out;
		}
	}
	if ((int)have_config + (int)have_resolver + (int)iterative != 1) {
		fprintf(stderr, "vantage: give one of --config FILE, --resolver ADDR or "
			"--iterative\n");
		bulk_usage(stderr, mode);
		goto out;
	}
	if (iterative && vtg__config_add_iterative(&b.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "vantage: %s\n", err);
		goto out;
	}
	if (root_hints)
		snprintf(b.cfg.iter.root_hints, sizeof(b.cfg.iter.root_hints), "%s", root_hints);
	if (trust_anchor)
		snprintf(b.cfg.iter.trust_anchor, sizeof(b.cfg.iter.trust_anchor), "%s",
			 trust_anchor);
	if (cache_mb)
		b.cfg.iter.cache_mb = (unsigned)cache_mb;
	if (x20)
		b.cfg.iter.case_random = true;
	if (b.cfg.persp[0].iterative && !strcmp(b.cfg.iter.trust_anchor, "none")) {
		fprintf(stderr, "vantage: the primary perspective must validate DNSSEC "
			"(BR 3.2.2.9 since 2026-03-15): --trust-anchor none is refused\n");
		goto out;
	}
	if (mode == MODE_CAA && !issuers) {
		fprintf(stderr, "vantage caa: --ca is required\n");
		goto out;
	}
	/* corroboration (BR 3.2.2.9): a config file's perspectives corroborate
	 * (enforce unless --mode says otherwise); --resolver / --iterative make
	 * a single-perspective run with nothing to corroborate */
	if (mode == MODE_DCV) {
		if (!dcv_method) {
			fprintf(stderr, "vantage dcv: --method is required\n");
			goto out;
		}
		b.dcv.issuers = (const char *const *)issuers;
		b.dcv.n_issuers = (size_t)n_issuers;
		if (runner_check_dcv(&b, err, sizeof(err)) != 0) {
			fprintf(stderr, "vantage dcv: %s\n", err);
			goto out;
		}
	}
	if (mode == MODE_QUERY)
		b.mpic = VTG_MPIC_OFF;
	else if (!mode_given)
		b.mpic = have_config ? VTG_MPIC_ENFORCE : VTG_MPIC_OFF;
	if (runner_check_mpic(&b, min_remotes, err, sizeof(err)) != 0) {
		fprintf(stderr, "vantage: perspectives: %s\n", err);
		goto out;
	}
	b.pol.id.issuers = (const char *const *)issuers;
	b.pol.id.n_issuers = (size_t)n_issuers;
	if (timeout > 0)
		b.cfg.engine.timeout_ms = (unsigned)timeout;
	if (retries >= 0)
		b.cfg.engine.retries = (unsigned)retries;
	b.cfg.engine.rd = true; /* stub mode: the upstream recurses */

	rc = runner_start(&b, window, workers, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "vantage: %s\n", err);
		rc = rc == -2 ? VTG_EXIT_USAGE : VTG_EXIT_FAIL;
		goto out;
	}
	rc = VTG_EXIT_FAIL;

	struct vtg_input in;
	if (sans && optind < argc) {
		fprintf(stderr, "vantage: names come from --csr/--cert or the command line, "
			"not both\n");
		rc = VTG_EXIT_USAGE;
		goto out_join;
	}
	if (sans)
		vtg__input_init(&in, sans, 0, n_sans);
	else
		vtg__input_init(&in, argv, optind, argc);
	bool eof = false, oom = false;
	int fatal = 0;
	b.started_ns = now_ns();
	/* refill the window in batches (one wake-up per worker per batch) */
	const unsigned refill = b.window / 8 ? b.window / 8 : 1;
	for (;;) {
		emit_ready(&b);
		uint64_t woken = 0;
		unsigned room = b.window - (unsigned)(b.next_seq - b.next_emit);
		if (room < refill && b.next_seq != b.next_emit)
			room = 0;
		while (!eof && room-- > 0) {
			const char *s;
			size_t n;
			if (!vtg__input_next(&in, &s, &n)) {
				eof = true;
				break;
			}
			if (!queue_name(&b, s, n, &woken)) {
				oom = true;
				eof = true;
				break;
			}
		}
		if (eof && !__atomic_load_n(&b.eof, __ATOMIC_RELAXED)) {
			__atomic_store_n(&b.eof, true, __ATOMIC_RELEASE);
			woken = ~0ull; /* every worker must see it, idle ones too */
		}
		for (unsigned k = 0; k < b.n_shards; k++)
			if (woken & (1ull << k))
				signal_fd(b.shards[k].efd);
		if (eof && b.next_emit == b.next_seq)
			break;
		for (unsigned k = 0; k < b.n_shards; k++)
			if ((fatal = __atomic_load_n(&b.shards[k].fatal, __ATOMIC_ACQUIRE)) != 0)
				break;
		if (fatal)
			break;
		struct pollfd pfd = {.fd = b.main_efd, .events = POLLIN};
		if (poll(&pfd, 1, 200) > 0) {
			uint64_t v;
			ssize_t r = read(b.main_efd, &v, sizeof(v));
			(void)r;
		}
		progress(&b, false);
	}
	progress(&b, true);
	vtg__input_deinit(&in);
	if (fatal) {
		fprintf(stderr, "vantage: io_uring: %s\n", strerror(-fatal));
		/* the other workers finish what they hold; their lines are lost
		 * with the run, which stops with an error */
		__atomic_store_n(&b.eof, true, __ATOMIC_RELEASE);
		goto out_join;
	}
	if (oom)
		fprintf(stderr, "vantage: out of memory\n");
	if (vtg__json_flush(&b.out) != 0) {
		fprintf(stderr, "vantage: writing output: %s\n", strerror(-b.out.err));
		goto out_join;
	}
	for (unsigned k = 0; k < b.n_shards; k++) {
		pthread_join(b.shards[k].th, NULL);
		b.shards[k].started = false;
	}
	summary(&b, mode == MODE_CAA ? "caa" : mode == MODE_DCV ? "dcv" : "query");
	rc = oom ? VTG_EXIT_FAIL : VTG_EXIT_OK;
out_join:
	runner_stop(&b);
out:
	for (int i = 0; i < n_sans; i++)
		vtg__free(sans[i]);
	vtg__free(sans);
	if (issuers) {
		for (int i = 0; i < n_issuers; i++)
			vtg__free(issuers[i]);
		vtg__free(issuers);
	}
	return rc;
}

int vtg_cmd_caa(int argc, char **argv)
{
	return run_bulk(argc, argv, MODE_CAA);
}

int vtg_cmd_dcv(int argc, char **argv)
{
	return run_bulk(argc, argv, MODE_DCV);
}

int vtg_cmd_query(int argc, char **argv)
{
	return run_bulk(argc, argv, MODE_QUERY);
}

/* ------------------------------------------------- the embeddable engine */

struct vtg_engine {
	struct bulk b;
	uint32_t *free_ids;          /* entries not in flight (owner thread) */
	unsigned n_free;
	unsigned pending;            /* submitted, not yet returned */
	uint32_t *reap;              /* returned by the last poll: freed next */
	unsigned n_reap;
	char **issuers;              /* copies of the options' strings */
	int n_issuers;
	char *account_uri, *method, *dcv_label;
	char *line;                  /* "name expected" for a DCV submit */
	size_t line_cap;
};

static char *dupstr(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = vtg__malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

VTG_API void vtg_engine_free(struct vtg_engine *e)
{
	if (!e)
		return;
	runner_stop(&e->b);
	for (int i = 0; i < e->n_issuers; i++)
		vtg__free(e->issuers[i]);
	vtg__free(e->issuers);
	vtg__free(e->account_uri);
	vtg__free(e->method);
	vtg__free(e->dcv_label);
	vtg__free(e->free_ids);
	vtg__free(e->reap);
	vtg__free(e->line);
	vtg__free(e);
}

VTG_API int vtg_engine_new(struct vtg_engine **out, const struct vtg_options *opt, char *err,
			   size_t errcap)
{
	char dummy[8];
	if (!err) {
		err = dummy;
		errcap = sizeof(dummy);
	}
	*out = NULL;
	if (!opt || (!!opt->config_path + !!opt->config_text + !!opt->resolver) != 1) {
		snprintf(err, errcap, "give one of config_path, config_text or resolver");
		return -EINVAL;
	}
	struct vtg_engine *e = vtg__calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	struct bulk *b = &e->b;
	b->main_efd = -1;
	b->out_fd = -1;
	b->completion_queue = true;
	b->on_complete = opt->on_complete;
	b->on_complete_ud = opt->on_complete_ud;
	b->mode = opt->kind == VTG_CHECK_DCV ? MODE_DCV : MODE_CAA;
	vtg__config_init(&b->cfg);
	b->pol.id.recognised = VTG_CAA_RECOGNISED_DEFAULT;
	b->pol.failure_exception = opt->lookup_failure_exception != 0;
	int rc = -EINVAL;
	char cerr[400];
	if (opt->config_path) {
		if (vtg__config_load(&b->cfg, opt->config_path, cerr, sizeof(cerr)) != 0) {
			snprintf(err, errcap, "config: %s", cerr);
			goto fail;
		}
	} else if (opt->config_text) {
		FILE *f = fmemopen((void *)opt->config_text, strlen(opt->config_text), "r");
		if (!f || vtg__config_load_fp(&b->cfg, f, "(config_text)", cerr, sizeof(cerr)) != 0) {
			snprintf(err, errcap, "config: %s", f ? cerr : strerror(errno));
			if (f)
				fclose(f);
			goto fail;
		}
		fclose(f);
	} else if (vtg__config_add_resolver(&b->cfg, opt->resolver, cerr, sizeof(cerr)) != 0) {
		snprintf(err, errcap, "resolver: %s", cerr);
		goto fail;
	}
	/* the caller's strings are copied: the engine outlives the options */
	if (opt->n_ca_domains) {
		e->issuers = vtg__calloc(opt->n_ca_domains, sizeof(char *));
		if (!e->issuers)
			goto nomem;
		for (size_t i = 0; i < opt->n_ca_domains; i++) {
			if (!(e->issuers[i] = dupstr(opt->ca_domains[i])))
				goto nomem;
			e->n_issuers++;
		}
	}
	e->account_uri = dupstr(opt->account_uri);
	e->method = dupstr(opt->validation_method);
	e->dcv_label = dupstr(opt->dcv_label);
	if ((opt->account_uri && !e->account_uri) || (opt->validation_method && !e->method) ||
	    (opt->dcv_label && !e->dcv_label))
		goto nomem;
	b->pol.id.issuers = (const char *const *)e->issuers;
	b->pol.id.n_issuers = (size_t)e->n_issuers;
	b->pol.id.account_uri = e->account_uri;
	b->pol.id.method = e->method;
	if (b->mode == MODE_CAA && !e->n_issuers) {
		snprintf(err, errcap, "a CAA engine needs the CA's issuer domain names");
		goto fail;
	}
	if (b->mode == MODE_DCV) {
		if (!opt->dcv_method || vtg__dcv_method_parse(opt->dcv_method, &b->dcv.method) != 0) {
			snprintf(err, errcap, "dcv_method: dns-01, dns-account-01, dns-change, "
				 "cname, persist, contact-email or contact-phone");
			goto fail;
		}
		b->dcv.label = e->dcv_label;
		b->dcv.account_uri = e->account_uri;
		b->dcv.issuers = (const char *const *)e->issuers;
		b->dcv.n_issuers = (size_t)e->n_issuers;
		int drc = runner_check_dcv(b, cerr, sizeof(cerr));
		if (drc != 0) {
			snprintf(err, errcap, "dcv: %s", cerr);
			rc = drc;
			goto fail;
		}
	}
	switch (opt->mode) {
	case VTG_MODE_ENFORCE: b->mpic = VTG_MPIC_ENFORCE; break;
	case VTG_MODE_REPORT_ONLY: b->mpic = VTG_MPIC_REPORT_ONLY; break;
	case VTG_MODE_OFF: b->mpic = VTG_MPIC_OFF; break;
	default: b->mpic = opt->resolver ? VTG_MPIC_OFF : VTG_MPIC_ENFORCE; break;
	}
	if (runner_check_mpic(b, opt->min_remotes, cerr, sizeof(cerr)) != 0) {
		snprintf(err, errcap, "perspectives: %s", cerr);
		rc = VTG_ECONFIG;
		goto fail;
	}
	if (opt->timeout_ms)
		b->cfg.engine.timeout_ms = opt->timeout_ms;
	if (opt->retries)
		b->cfg.engine.retries = opt->retries;
	b->cfg.engine.rd = true;
	int src = runner_start(b, opt->window, opt->workers, cerr, sizeof(cerr));
	if (src != 0) {
		snprintf(err, errcap, "%s", cerr);
		rc = src == -2 ? VTG_ECONFIG : -ENOMEM;
		goto fail;
	}
	e->free_ids = vtg__calloc(b->window, sizeof(uint32_t));
	e->reap = vtg__calloc(b->window, sizeof(uint32_t));
	if (!e->free_ids || !e->reap)
		goto nomem;
	for (unsigned i = 0; i < b->window; i++)
		e->free_ids[e->n_free++] = b->window - 1 - i;
	*out = e;
	return 0;
nomem:
	snprintf(err, errcap, "out of memory");
	rc = -ENOMEM;
fail:
	vtg_engine_free(e);
	return rc;
}

/* Entries returned by the previous poll go back to the free list. */
static void recycle(struct vtg_engine *e)
{
	for (unsigned i = 0; i < e->n_reap; i++)
		e->free_ids[e->n_free++] = e->reap[i];
	e->n_reap = 0;
}

VTG_API int vtg_submit(struct vtg_engine *e, const char *name, const char *expect, void *user)
{
	struct bulk *b = &e->b;
	if (!name)
		return -EINVAL;
	if (!e->n_free && b->on_complete) {
		/* callback mode: reap what finished */
		recycle(e);
		uint32_t id;
		while (vtg__agg_pop(b->agg, &id)) {
			e->free_ids[e->n_free++] = id;
			e->pending--;
		}
	}
	if (!e->n_free)
		return -EAGAIN;
	const char *s = name;
	size_t n = strlen(name);
	if (b->mode == MODE_DCV && expect) {
		size_t need = n + 1 + strlen(expect) + 1;
		if (need > e->line_cap) {
			char *l = vtg__realloc(e->line, need);
			if (!l)
				return -ENOMEM;
			e->line = l;
			e->line_cap = need;
		}
		snprintf(e->line, need, "%s %s", name, expect);
		s = e->line;
		n = need - 1;
	}
	uint32_t idx = e->free_ids[e->n_free - 1];
	/* queue_name takes the window position from the sequence number */
	b->next_seq = idx;
	b->ctx[idx].user = user;
	uint64_t woken = 0;
	if (!queue_name(b, s, n, &woken))
		return -ENOMEM;
	e->n_free--;
	e->pending++;
	for (unsigned k = 0; k < b->n_shards; k++)
		if (woken & (1ull << k))
			signal_fd(b->shards[k].efd);
	return 0;
}

VTG_API int vtg_poll(struct vtg_engine *e, struct vtg_completion *out, unsigned max,
		     int timeout_ms)
{
	struct bulk *b = &e->b;
	recycle(e);
	if (b->on_complete) {
		out = NULL;
		max = b->window;
	}
	uint64_t until = timeout_ms > 0 ? now_ns() + (uint64_t)timeout_ms * 1000000ull : 0;
	for (;;) {
		unsigned got = 0;
		uint32_t id;
		while (got < max && vtg__agg_pop(b->agg, &id)) {
			if (out)
				completion_of(&b->ctx[id], vtg__agg_result(b->agg, id), &out[got]);
			e->reap[e->n_reap++] = id;
			e->pending--;
			got++;
		}
		if (got || timeout_ms == 0 || !e->pending || !max)
			return (int)got;
		int wait = -1;
		if (timeout_ms > 0) {
			uint64_t t = now_ns();
			if (t >= until)
				return 0;
			wait = (int)((until - t) / 1000000ull) + 1;
		}
		if (wait < 0 || wait > 200)
			wait = 200; /* workers signal in batches: look again soon */
		for (unsigned k = 0; k < b->n_shards; k++) {
			int f = __atomic_load_n(&b->shards[k].fatal, __ATOMIC_ACQUIRE);
			if (f)
				return f;
		}
		struct pollfd pfd = {.fd = b->main_efd, .events = POLLIN};
		if (poll(&pfd, 1, wait) > 0) {
			uint64_t v;
			ssize_t r = read(b->main_efd, &v, sizeof(v));
			(void)r;
		}
	}
}

VTG_API unsigned vtg_pending(const struct vtg_engine *e)
{
	return e->pending;
}
