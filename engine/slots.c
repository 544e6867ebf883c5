/*
 * slots.c — queries in slots: accepting them (per-upstream queues), the
 * in-flight and rate limits that decide when they go out, the timeouts with
 * retries and backoff, and completing them.
 *
 * Timeouts: one FIFO per try number (every entry in a list has the same
 * timeout, so deadlines are ordered), plus one for TCP. A retry picks a new
 * ID, a new socket and the next upstream, and doubles the timeout. A query
 * waiting for capacity sits on its upstream's pending list; the limits are
 * checked once per loop iteration (vtg__engine_dispatch).
 */
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine_int.h"

void vtg__engine_complete(struct vtg_worker *w, uint32_t i, enum vtg_lookup_fail fail,
			  const struct vtg_msg *msg, bool tcp, int local_err)
{
	struct slot *s = &w->slots[i];
	struct persp *p = &w->persp[s->persp];
	const struct sockaddr_storage *server = NULL;
	if (msg) {
		/* the answer came from dst: UDP matched its address and port,
		 * TCP connected to it. An upstream's address lives as long as
		 * the worker; a direct query's is the slot's, freed below */
		server = s->dst;
		if (s->dst == &s->dst_own) {
			w->res_server = s->dst_own;
			server = &w->res_server;
		}
	}
	struct vtg_qresult r = {
		.fail = fail,
		.msg = msg,
		.server = server,
		.tries = s->tries,
		.tcp = tcp,
		.latency_ms = (double)(w->now - s->first_ns) / 1e6,
		.local_err = local_err,
	};
	void *ud = s->ud;
	if (p->up[s->upstream].inflight > 0 && (s->state == S_UDP || s->state == S_TCP ||
						s->state == S_TCP_WAIT))
		p->up[s->upstream].inflight--;
	p->st.completed++;
	if (fail != VTG_FAIL_NONE)
		p->st.failed++;
	w->n_active--;
	w->completions++;
	if (s->state == S_UDP)
		h_del(w, hkey(s->sock, s->id));
	if (s->state == S_TCP && s->tcp_op_pending) {
		/* the kernel still owns a TCP op on this slot: zombie until it
		 * completes (shutdown makes that quick) */
		list_unlink(w, i);
		s->state = S_ZOMBIE;
		shutdown(s->tcp_fd, SHUT_RDWR);
	} else {
		if (s->tcp_fd >= 0) {
			close(s->tcp_fd);
			s->tcp_fd = -1;
		}
		if (s->tcp_buf >= 0) {
			w->tcp_free[w->n_tcp_free++] = s->tcp_buf;
			s->tcp_buf = -1;
		}
		slot_release(w, i);
	}
	w->cb(ud, &r);
}

int vtg__worker_submit_ex(struct vtg_worker *w, const struct vtg_submit *q, void *ud)
{
	if (q->persp >= w->n_persp || w->persp[q->persp].n_socks == 0)
		return -EINVAL; /* no such perspective, or an agent's (no DNS here) */
	struct persp *p = &w->persp[q->persp];
	int upstream = q->upstream;
	if (q->dst) {
		if (q->dst->ss_family != AF_INET && q->dst->ss_family != AF_INET6)
			return -EAFNOSUPPORT;
		int fam = p->cfg.n_upstreams ? p->cfg.upstream[0].ss_family : AF_INET;
		if (q->dst->ss_family != fam)
			return -EAFNOSUPPORT; /* the pool's sockets are of one family */
		upstream = DIRECT;
	} else if (upstream >= (int)p->cfg.n_upstreams || p->cfg.n_upstreams == 0) {
		return -EINVAL;
	}
	if (w->free_head == NIL)
		return -EAGAIN;
	uint32_t i = w->free_head;
	struct slot *s = &w->slots[i];
	struct vtg_query_opts qo = {
		.udp_size = w->cfg.udp_size,
		.edns = w->cfg.edns,
		.do_bit = q->do_bit,
		.rd = q->rd,
		.cd = q->cd,
	};
	int len = vtg__query_encode(s->query, sizeof(s->query), 0, q->qname, q->qtype, &qo);
	if (len < 0)
		return len;
	w->free_head = s->next;
	w->n_free--;
	w->n_active++;
	s->qlen = (uint16_t)len;
	memcpy(s->qname, q->qname, vtg__name_len(q->qname));
	s->qtype = q->qtype;
	s->persp = (uint16_t)q->persp;
	s->ud = ud;
	s->tries = 0;
	s->max_tries = q->tries ? q->tries : (uint8_t)(w->cfg.retries + 1);
	if (s->max_tries > MAX_TRIES)
		s->max_tries = MAX_TRIES;
	s->case_random = q->case_random;
	s->malformed_seen = false;
	s->send_err = 0;
	s->first_ns = 0;
	s->tcp_op_pending = false;
	if (upstream == DIRECT) {
		memcpy(&s->dst_own, q->dst, sizeof(s->dst_own));
		s->dst = &s->dst_own;
	} else {
		if (upstream < 0) {
			/* least loaded upstream, ties broken round robin */
			unsigned best = p->rr++ % p->cfg.n_upstreams;
			for (unsigned k = 0; k < p->cfg.n_upstreams; k++) {
				unsigned u = (best + k) % p->cfg.n_upstreams;
				if (p->up[u].inflight + (p->up[u].pending.head != NIL) <
				    p->up[best].inflight + (p->up[best].pending.head != NIL))
					best = u;
			}
			upstream = (int)best;
		}
		s->dst = &p->cfg.upstream[upstream];
	}
	s->upstream = (uint16_t)upstream;
	s->state = S_PENDING;
	list_push(w, &p->up[upstream].pending, (uint8_t)(LIST_PENDING + upstream), i);
	return 0;
}

int vtg__worker_submit(struct vtg_worker *w, unsigned persp, int upstream,
		       const uint8_t *qname, uint16_t qtype, void *ud)
{
	struct vtg_submit q = {
		.persp = persp,
		.upstream = upstream,
		.qname = qname,
		.qtype = qtype,
		.rd = w->cfg.rd,
		.do_bit = w->cfg.do_bit,
	};
	return vtg__worker_submit_ex(w, &q, ud);
}

void vtg__engine_dispatch(struct vtg_worker *w)
{
	for (unsigned pi = 0; pi < w->n_persp; pi++) {
		struct persp *p = &w->persp[pi];
		for (unsigned u = 0; u <= DIRECT; u++) {
			if (u == p->cfg.n_upstreams)
				u = DIRECT;
			struct upstream_state *us = &p->up[u];
			if (w->cfg.rate_qps) {
				double dt = (double)(w->now - us->last_ns) / 1e9;
				us->last_ns = w->now;
				us->tokens += dt * w->cfg.rate_qps;
				double burst = w->cfg.rate_qps / 10.0 + 1;
				if (us->tokens > burst)
					us->tokens = burst;
			}
			while (us->pending.head != NIL) {
				if (w->cfg.upstream_inflight &&
				    us->inflight >= w->cfg.upstream_inflight)
					break;
				if (u != DIRECT && w->cfg.rate_qps) {
					if (us->tokens < 1.0)
						break;
					us->tokens -= 1.0;
				}
				uint32_t i = us->pending.head;
				list_unlink(w, i);
				us->inflight++;
				vtg__engine_send_udp(w, i);
			}
		}
	}
}

/* ------------------------------------------------------------ timeouts */

void vtg__engine_expire(struct vtg_worker *w)
{
	for (unsigned t = 0; t <= MAX_TRIES; t++) {
		struct list *l = &w->tl[t];
		while (l->head != NIL && w->slots[l->head].deadline_ns <= w->now) {
			uint32_t i = l->head;
			struct slot *s = &w->slots[i];
			struct persp *p = &w->persp[s->persp];
			list_unlink(w, i);
			if (s->state == S_TCP) {
				p->st.timed_out++;
				vtg__engine_tcp_fail(w, i, VTG_FAIL_TRUNCATED);
				continue;
			}
			h_del(w, hkey(s->sock, s->id));
			if (s->tries < s->max_tries) {
				p->st.retried++;
				if (s->upstream != DIRECT) {
					/* the next upstream, if there is more than one */
					p->up[s->upstream].inflight--;
					s->upstream = (uint16_t)((s->upstream + 1) %
								 p->cfg.n_upstreams);
					s->dst = &p->cfg.upstream[s->upstream];
					p->up[s->upstream].inflight++;
				}
				vtg__engine_send_udp(w, i);
				continue;
			}
			p->st.timed_out++;
			enum vtg_lookup_fail f = VTG_FAIL_TIMEOUT;
			int le = 0;
			if (s->malformed_seen)
				f = VTG_FAIL_MALFORMED;
			else if (s->send_err) {
				f = VTG_FAIL_LOCAL;
				le = s->send_err;
			}
			vtg__engine_complete(w, i, f, NULL, false, le);
		}
	}
	vtg__engine_tcp_next_waiting(w);
}

uint64_t vtg__engine_next_deadline(const struct vtg_worker *w)
{
	uint64_t d = UINT64_MAX;
	for (unsigned t = 0; t <= MAX_TRIES; t++)
		if (w->tl[t].head != NIL && w->slots[w->tl[t].head].deadline_ns < d)
			d = w->slots[w->tl[t].head].deadline_ns;
	if (w->cfg.rate_qps) {
		/* pending work throttled by the token bucket: come back soon */
		for (unsigned pi = 0; pi < w->n_persp; pi++)
			for (unsigned u = 0; u <= DIRECT; u++)
				if (w->persp[pi].up[u].pending.head != NIL) {
					uint64_t soon = w->now + 1000000000ull / w->cfg.rate_qps + 1;
					if (soon < d)
						d = soon;
				}
	}
	return d;
}
