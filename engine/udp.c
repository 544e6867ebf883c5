/*
 * udp.c — the data path: the loop that drives the ring, sending queries
 * over UDP and matching what comes back.
 *
 * Every perspective owns a pool of unconnected UDP sockets, each with one
 * multishot RECVMSG armed on a shared provided-buffer ring, so receiving
 * costs no SQE and no allocation per packet. Sends are SENDMSG SQEs with
 * IOSQE_CQE_SKIP_SUCCESS (no CQE unless they fail), prepared in batches and
 * submitted together with the wait in one io_uring_enter() per loop
 * iteration.
 *
 * Matching (RFC 5452): each query leaves from a random socket of its
 * perspective with a random ID; a datagram is accepted only when its
 * (socket, ID) names a waiting slot, its source address and port are the
 * upstream the query went to, QR=1, opcode QUERY, and the question (name,
 * type, class) is the one asked. Anything else is counted and dropped, and
 * the real query keeps waiting.
 *
 * Unreachable servers: the sockets have IP_RECVERR / IPV6_RECVERR, so an
 * ICMP destination unreachable (RFC 792, RFC 4443) for one of our queries
 * is queued on the socket's error queue and ends its multishot receive
 * with the error (-ECONNREFUSED, -EHOSTUNREACH, ...). Only then is the
 * queue drained, with plain non-blocking recvmsg(MSG_ERRQUEUE) calls: the
 * normal path costs nothing, a dead server costs one drain per error CQE.
 * An error is matched like a response: the (socket, ID) the ICMP quotes
 * must name a waiting slot whose destination is the quoted one (so an
 * off-path forger needs what forging an answer needs, and can only make
 * the lookup fail). The query then fails at once with VTG_FAIL_UNREACHABLE
 * (port; _HOST, _NET), or, in stub mode with more than one upstream and
 * tries left, goes to the next upstream at once.
 *
 * The loop lives here, with the datagram handler, so the per-datagram path
 * (CQE -> match -> complete) stays in one file and inlines as it did
 * before the engine was split.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <time.h> /* before linux/errqueue.h, which uses struct timespec */

#include <linux/errqueue.h>

#include "engine/engine_int.h"

#define ERRQ_DRAIN_MAX 256 /* errors read per error CQE; more re-raise the error */

void vtg__engine_rnd_refill(struct vtg_worker *w)
{
	size_t got = 0;
	while (got < sizeof(w->rnd)) {
		ssize_t n = getrandom(w->rnd + got, sizeof(w->rnd) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			abort(); /* no randomness: never send predictable IDs */
		}
		got += (size_t)n;
	}
	w->rnd_pos = 0;
}

/* 0x20 (draft-vixie-dnsext-dns0x20): flip the case of each letter of the
 * name in the query at random; the answer must echo it exactly. */
static void randomise_case(struct vtg_worker *w, struct slot *s)
{
	uint8_t *n = s->query + VTG_DNS_HEADER_LEN;
	uint32_t bits = 0;
	unsigned left = 0;
	for (unsigned pos = 0; n[pos]; pos += 1u + n[pos]) {
		for (unsigned k = 1; k <= n[pos]; k++) {
			uint8_t c = n[pos + k];
			if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z'))
				continue;
			if (left == 0) {
				bits = rnd32(w);
				left = 32;
			}
			n[pos + k] = (bits & 1) ? (uint8_t)(c | 0x20) : (uint8_t)(c & ~0x20);
			bits >>= 1;
			left--;
		}
	}
	memcpy(s->qname, n, vtg__name_len(n));
}

/* Put the query on the wire (first try or a retry). */
void vtg__engine_send_udp(struct vtg_worker *w, uint32_t i)
{
	struct slot *s = &w->slots[i];
	struct persp *p = &w->persp[s->persp];
	/* random socket of the pool and a random ID unused on it */
	uint32_t si;
	uint16_t id;
	do {
		uint32_t r = rnd32(w);
		si = p->first_sock + (r >> 16) % p->n_socks;
		id = (uint16_t)r;
	} while (h_find(w, hkey(si, id)) != NIL);
	s->sock = si;
	s->id = id;
	s->query[0] = (uint8_t)(id >> 8);
	s->query[1] = (uint8_t)id;
	if (s->case_random)
		randomise_case(w, s);
	h_put(w, hkey(si, id), i);
	s->iov[0].iov_base = s->query;
	s->iov[0].iov_len = s->qlen;
	memset(&s->mh, 0, sizeof(s->mh));
	s->mh.msg_name = (void *)s->dst;
	s->mh.msg_namelen = ss_len(s->dst);
	s->mh.msg_iov = s->iov;
	s->mh.msg_iovlen = 1;
	struct io_uring_sqe *sqe = sqe_get(w);
	if (!sqe) {
		s->send_err = -EBUSY; /* retried at the deadline */
	} else {
		io_uring_prep_sendmsg(sqe, w->socks[si].fd, &s->mh, 0);
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
		io_uring_sqe_set_data64(sqe, ud_pack(OP_SEND, i, s->gen));
	}
	if (s->tries == 0)
		s->first_ns = w->now;
	s->tries++;
	s->state = S_UDP;
	p->st.sent++;
	unsigned t = s->tries - 1;
	s->deadline_ns = w->now + timeout_for(w, s->tries);
	list_push(w, &w->tl[t], (uint8_t)t, i);
}

/* Check a parsed response against the slot's question (RFC 5452 9.1). */
bool vtg__engine_question_matches(const struct slot *s, const struct vtg_msg *m)
{
	if (!((m->flags & VTG_FLAG_QR) && VTG_OPCODE(m->flags) == 0 && m->qdcount == 1 &&
	      m->qtype == s->qtype && m->qclass == VTG_CLASS_IN))
		return false;
	if (s->case_random) /* 0x20: exactly the case we sent */
		return memcmp(m->qname, s->qname, vtg__name_len(s->qname)) == 0;
	return vtg__name_equal(m->qname, s->qname);
}

/* The query as encoded: header, question, then at most the OPT record. */
static bool query_has_opt(const struct slot *s)
{
	return s->qlen > VTG_DNS_HEADER_LEN && (s->query[10] | s->query[11]) != 0;
}

static void strip_opt(struct slot *s)
{
	size_t q = VTG_DNS_HEADER_LEN + vtg__name_len(s->query + VTG_DNS_HEADER_LEN) + 4;
	s->query[10] = 0;
	s->query[11] = 0;
	s->qlen = (uint16_t)q;
}

static void udp_datagram(struct vtg_worker *w, uint32_t si, const uint8_t *buf, int res)
{
	struct sock *sk = &w->socks[si];
	struct persp *p = &w->persp[sk->persp];
	struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate((void *)buf, res, &w->rtmpl);
	if (!o) {
		p->st.dropped_mismatch++;
		return;
	}
	const uint8_t *pl = io_uring_recvmsg_payload(o, &w->rtmpl);
	unsigned plen = io_uring_recvmsg_payload_length(o, res, &w->rtmpl);
	if (plen < VTG_DNS_HEADER_LEN) {
		p->st.dropped_mismatch++;
		return;
	}
	uint16_t id = (uint16_t)(pl[0] << 8 | pl[1]);
	uint32_t i = h_find(w, hkey(si, id));
	if (i == NIL) {
		p->st.dropped_mismatch++;
		return;
	}
	struct slot *s = &w->slots[i];
	socklen_t nl = o->namelen;
	if (nl > w->rtmpl.msg_namelen)
		nl = w->rtmpl.msg_namelen;
	if (s->state != S_UDP ||
	    !same_addr(s->dst, io_uring_recvmsg_name(o), nl)) {
		p->st.dropped_mismatch++;
		return;
	}
	bool trunc_local = (o->flags & MSG_TRUNC) != 0;
	if (trunc_local) {
		/* larger than our buffer: only TCP can give the whole answer */
		p->st.received++;
		vtg__engine_to_tcp(w, i);
		return;
	}
	int prc = vtg__msg_parse(&w->msg, pl, plen);
	if (prc < 0 && (pl[2] & 0x82) == 0x82) {
		/* QR and TC: a truncated answer may carry counts for the records
		 * that did not fit; only its question matters before TCP */
		prc = vtg__msg_parse_question(&w->msg, pl, plen);
	}
	if (prc < 0) {
		/* could be spoofed garbage: keep waiting, remember it */
		s->malformed_seen = true;
		p->st.dropped_mismatch++;
		return;
	}
	if (!vtg__engine_question_matches(s, &w->msg)) {
		p->st.dropped_mismatch++;
		return;
	}
	p->st.received++;
	unsigned rcode = vtg__msg_rcode(&w->msg);
	if ((rcode == VTG_RCODE_FORMERR || rcode == VTG_RCODE_NOTIMP) && query_has_opt(s) &&
	    s->tries < MAX_TRIES) {
		/* a server that does not know EDNS: once more without OPT
		 * (RFC 6891 7, docs/rules.md section 8) */
		strip_opt(s);
		p->st.edns_fallbacks++;
		h_del(w, hkey(s->sock, s->id));
		list_unlink(w, i);
		if (s->max_tries <= s->tries)
			s->max_tries = (uint8_t)(s->tries + 1);
		vtg__engine_send_udp(w, i);
		return;
	}
	if (w->msg.flags & VTG_FLAG_TC) {
		vtg__engine_to_tcp(w, i); /* a truncated answer is never used (docs/rules.md section 8) */
		return;
	}
	vtg__engine_complete(w, i, VTG_FAIL_NONE, &w->msg, false, 0);
}

/* ------------------------------------------------------ ICMP errors */

/* An errno an ICMP error leaves on a socket (sk_err). */
static bool is_icmp_errno(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == EHOSTDOWN || e == ENETUNREACH ||
	       e == ENONET;
}

/* The failure an extended error stands for, or NONE (not an unreachable:
 * fragmentation needed, a local error, ...). Linux maps ICMP type / code
 * to ee_errno for both families (icmp_err_convert, icmpv6_err_convert). */
static enum vtg_lookup_fail unreach_of(const struct sock_extended_err *ee)
{
	if (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6 &&
	    ee->ee_origin != SO_EE_ORIGIN_LOCAL)
		return VTG_FAIL_NONE;
	switch (ee->ee_errno) {
	case ECONNREFUSED: return VTG_FAIL_UNREACHABLE;      /* port unreachable */
	case EHOSTUNREACH:
	case EHOSTDOWN: return VTG_FAIL_UNREACHABLE_HOST;
	case ENETUNREACH:
	case ENONET: return VTG_FAIL_UNREACHABLE_NET;
	}
	return VTG_FAIL_NONE;
}

/* One queued error on socket si: the query it quotes, if still waiting,
 * fails now (or tries the next upstream). */
static void udp_unreachable(struct vtg_worker *w, uint32_t si, const uint8_t *quoted,
			    size_t qlen, const struct sockaddr_storage *to, socklen_t tolen,
			    enum vtg_lookup_fail f)
{
	struct persp *p = &w->persp[w->socks[si].persp];
	if (qlen < 2)
		return;
	uint16_t id = (uint16_t)(quoted[0] << 8 | quoted[1]);
	uint32_t i = h_find(w, hkey(si, id));
	if (i == NIL)
		return;
	struct slot *s = &w->slots[i];
	if (s->state != S_UDP || !same_addr(s->dst, to, tolen))
		return;
	p->st.unreachable++;
	if (s->upstream != DIRECT && p->cfg.n_upstreams > 1 && s->tries < s->max_tries) {
		/* another upstream may be up: ask it now, as a retry would */
		h_del(w, hkey(s->sock, s->id));
		list_unlink(w, i);
		p->st.retried++;
		p->up[s->upstream].inflight--;
		s->upstream = (uint16_t)((s->upstream + 1) % p->cfg.n_upstreams);
		s->dst = &p->cfg.upstream[s->upstream];
		p->up[s->upstream].inflight++;
		vtg__engine_send_udp(w, i);
		return;
	}
	vtg__engine_complete(w, i, f, NULL, false, 0);
}

/* Read socket si's error queue (its receive ended with an error). */
static void udp_errqueue(struct vtg_worker *w, uint32_t si)
{
	int fd = w->socks[si].fd;
	for (unsigned n = 0; n < ERRQ_DRAIN_MAX; n++) {
		uint8_t quoted[QUERY_MAX];
		union {
			struct cmsghdr align;
			uint8_t buf[CMSG_SPACE(sizeof(struct sock_extended_err) +
					       sizeof(struct sockaddr_in6))];
		} ctl;
		struct sockaddr_storage to;
		struct iovec iov = {.iov_base = quoted, .iov_len = sizeof(quoted)};
		struct msghdr mh = {
			.msg_name = &to,
			.msg_namelen = sizeof(to),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		ssize_t got = recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN: drained */
		}
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (!((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)))
				continue;
			struct sock_extended_err ee;
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
			enum vtg_lookup_fail f = unreach_of(&ee);
			if (f != VTG_FAIL_NONE)
				udp_unreachable(w, si, quoted, (size_t)got, &to, mh.msg_namelen, f);
		}
	}
}

/* ---------------------------------------------------------------- loop */

/* nothing accepted is still running: DNS queries, HTTP requests, handshakes */
static inline bool idle(const struct vtg_worker *w)
{
	return w->n_active == 0 && vtg__engine_web_active(w) == 0;
}

static void handle_cqe(struct vtg_worker *w, struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	enum op op = ud_op(ud);
	uint32_t idx = ud_idx(ud);
	if (op == OP_RECV) {
		if (cqe->flags & IORING_CQE_F_BUFFER) {
			unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
			if (cqe->res > 0)
				udp_datagram(w, idx, w->rbufs + (size_t)bid * RBUF_SIZE, cqe->res);
			rbuf_return(w, bid);
		}
		if (!(cqe->flags & IORING_CQE_F_MORE)) {
			/* multishot ended (-ENOBUFS when the ring ran dry, or an
			 * error from the error queue: an ICMP error): re-arm */
			if (cqe->res < 0 && cqe->res != -ENOBUFS && idx < w->n_socks)
				udp_errqueue(w, idx);
			vtg__engine_arm_recv(w, idx);
		}
		return;
	}
	if (op == OP_WEB || op == OP_ALPN) {
		vtg__engine_web_cqe(w, op, idx, ud_gen(ud), cqe->res);
		return;
	}
	if (op == OP_NOP)
		return;
	if (op == OP_WAKE) {
		w->woken = true;
		if (cqe->res < 0 && cqe->res != -EINTR && cqe->res != -EAGAIN)
			return; /* the fd is gone: stop listening */
		vtg__engine_arm_wake(w);
		return;
	}
	if (idx >= w->n_slots)
		return;
	struct slot *s = &w->slots[idx];
	if (s->gen != ud_gen(ud)) {
		return; /* a CQE for a slot that has moved on */
	}
	if (op == OP_SEND) {
		/* only failures post a CQE (IOSQE_CQE_SKIP_SUCCESS) */
		if (cqe->res < 0 && s->state == S_UDP && is_icmp_errno(-cqe->res)) {
			/* not this send's fault: another query's ICMP error was
			 * pending on the socket (IP_RECVERR sets sk_err, the next
			 * send returns it). Read the queue, then send again */
			udp_errqueue(w, s->sock);
			if (s->gen == ud_gen(cqe->user_data) && s->state == S_UDP) {
				struct persp *p = &w->persp[s->persp];
				h_del(w, hkey(s->sock, s->id));
				list_unlink(w, idx);
				s->tries--; /* it never left */
				p->st.sent--;
				vtg__engine_send_udp(w, idx);
			}
			return;
		}
		if (cqe->res < 0) {
			s->send_err = cqe->res;
			w->persp[s->persp].st.send_errors++;
		}
		return;
	}
	vtg__engine_tcp_cqe(w, op, idx, cqe->res);
}

int vtg__worker_run(struct vtg_worker *w, int wait_ms)
{
	w->now = vtg__mono_ns();
	const uint64_t start = w->now;
	w->completions = 0;
	w->woken = false;
	vtg__engine_expire(w);
	vtg__engine_dispatch(w);
	vtg__engine_web_timers(w);
	if (idle(w) && w->completions == 0 && w->wake_fd < 0) {
		io_uring_submit(&w->ring);
		return 0;
	}
	for (;;) {
		if (w->completions > 0 || w->woken) {
			/* flush what the callbacks prepared (sends) before returning */
			vtg__engine_dispatch(w);
			if (io_uring_sq_ready(&w->ring)) {
				io_uring_submit(&w->ring);
				w->enters++;
			}
			return 0;
		}
		uint64_t d = vtg__engine_next_deadline(w);
		uint64_t dw = vtg__engine_web_deadline(w);
		if (dw < d)
			d = dw;
		uint64_t wait_ns = d > w->now ? d - w->now : 0;
		if (wait_ms >= 0 && wait_ns > (uint64_t)wait_ms * 1000000ull)
			wait_ns = (uint64_t)wait_ms * 1000000ull;
		struct __kernel_timespec ts = {
			.tv_sec = (long long)(wait_ns / 1000000000ull),
			.tv_nsec = (long long)(wait_ns % 1000000000ull),
		};
		struct io_uring_cqe *cqe = NULL;
		int rc = io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts, NULL);
		w->enters++;
		if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY)
			return rc;
		w->now = vtg__mono_ns();
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&w->ring, head, cqe) {
			handle_cqe(w, cqe);
			seen++;
		}
		io_uring_cq_advance(&w->ring, seen);
		vtg__engine_expire(w);
		vtg__engine_dispatch(w);
		vtg__engine_web_timers(w);
		if (idle(w) && w->completions == 0 && w->wake_fd < 0)
			return 0;
		if (wait_ms >= 0 && w->completions == 0 && !w->woken &&
		    w->now - start >= (uint64_t)wait_ms * 1000000ull)
			return 0;
	}
}
