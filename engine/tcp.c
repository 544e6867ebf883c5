/*
 * tcp.c — the TCP fallback (RFC 7766): a TC=1 answer (or one larger than a
 * receive buffer) moves the query to TCP over the same ring (connect, send
 * with the 2-octet length, recv until the length is in), using one of a
 * fixed pool of 64 KiB buffers; queries wait for a buffer when all are
 * busy. A TCP query that times out completes at once; its slot stays a
 * zombie until the cancelled operation's CQE arrives, then the socket is
 * closed and the slot reused.
 */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine_int.h"

void vtg__engine_tcp_fail(struct vtg_worker *w, uint32_t i, enum vtg_lookup_fail f)
{
	w->persp[w->slots[i].persp].st.tcp_failed++;
	vtg__engine_complete(w, i, f, NULL, true, 0);
}

static void tcp_start(struct vtg_worker *w, uint32_t i)
{
	struct slot *s = &w->slots[i];
	struct persp *p = &w->persp[s->persp];
	char err[160];
	s->tcp_buf = w->tcp_free[--w->n_tcp_free];
	s->tcp_got = 0;
	int fd;
	int rc = vtg__engine_open_socket(w, p, SOCK_STREAM, &fd, err, sizeof(err));
	s->state = S_TCP;
	s->deadline_ns = w->now + 2 * timeout_for(w, 1);
	list_push(w, &w->tl[TL_TCP], TL_TCP, i);
	if (rc < 0) {
		vtg__engine_complete(w, i, VTG_FAIL_LOCAL, NULL, true, rc);
		return;
	}
	s->tcp_fd = fd;
	struct io_uring_sqe *sqe = sqe_get(w);
	if (!sqe) {
		vtg__engine_tcp_fail(w, i, VTG_FAIL_LOCAL);
		return;
	}
	io_uring_prep_connect(sqe, fd, (const struct sockaddr *)s->dst, ss_len(s->dst));
	io_uring_sqe_set_data64(sqe, ud_pack(OP_TCP_CONN, i, s->gen));
	s->tcp_op_pending = true;
}

void vtg__engine_tcp_next_waiting(struct vtg_worker *w)
{
	while (w->n_tcp_free > 0 && w->tcp_wait.head != NIL) {
		uint32_t i = w->tcp_wait.head;
		list_unlink(w, i);
		tcp_start(w, i);
	}
}

void vtg__engine_to_tcp(struct vtg_worker *w, uint32_t i)
{
	struct slot *s = &w->slots[i];
	w->persp[s->persp].st.tcp_fallbacks++;
	h_del(w, hkey(s->sock, s->id));
	list_unlink(w, i);
	if (w->n_tcp_free == 0) {
		s->state = S_TCP_WAIT;
		list_push(w, &w->tcp_wait, LIST_TCP_WAIT, i);
		return;
	}
	tcp_start(w, i);
}

void vtg__engine_tcp_cqe(struct vtg_worker *w, enum op op, uint32_t i, int res)
{
	struct slot *s = &w->slots[i];
	s->tcp_op_pending = false;
	if (s->state == S_ZOMBIE) {
		close(s->tcp_fd);
		s->tcp_fd = -1;
		w->tcp_free[w->n_tcp_free++] = s->tcp_buf;
		s->tcp_buf = -1;
		slot_release(w, i);
		vtg__engine_tcp_next_waiting(w);
		return;
	}
	if (s->state != S_TCP)
		return;
	if (res < 0 || (op == OP_TCP_RECV && res == 0)) {
		vtg__engine_tcp_fail(w, i, VTG_FAIL_TRUNCATED);
		vtg__engine_tcp_next_waiting(w);
		return;
	}
	uint8_t *buf = w->tcpbufs + (size_t)s->tcp_buf * TCP_BUF_SIZE;
	struct io_uring_sqe *sqe;
	switch (op) {
	case OP_TCP_CONN:
		s->lenpfx[0] = (uint8_t)(s->qlen >> 8);
		s->lenpfx[1] = (uint8_t)s->qlen;
		s->iov[0].iov_base = s->lenpfx;
		s->iov[0].iov_len = 2;
		s->iov[1].iov_base = s->query;
		s->iov[1].iov_len = s->qlen;
		memset(&s->mh, 0, sizeof(s->mh));
		s->mh.msg_iov = s->iov;
		s->mh.msg_iovlen = 2;
		sqe = sqe_get(w);
		if (!sqe)
			break;
		io_uring_prep_sendmsg(sqe, s->tcp_fd, &s->mh, MSG_NOSIGNAL);
		io_uring_sqe_set_data64(sqe, ud_pack(OP_TCP_SEND, i, s->gen));
		s->tcp_op_pending = true;
		return;
	case OP_TCP_SEND:
		if (res != 2 + s->qlen)
			break;
		sqe = sqe_get(w);
		if (!sqe)
			break;
		io_uring_prep_recv(sqe, s->tcp_fd, buf, TCP_BUF_SIZE, 0);
		io_uring_sqe_set_data64(sqe, ud_pack(OP_TCP_RECV, i, s->gen));
		s->tcp_op_pending = true;
		return;
	case OP_TCP_RECV: {
		s->tcp_got += (uint32_t)res;
		if (s->tcp_got >= 2) {
			uint32_t want = 2u + ((uint32_t)buf[0] << 8 | buf[1]);
			if (s->tcp_got >= want) {
				int prc = vtg__msg_parse(&w->msg, buf + 2, want - 2);
				if (prc < 0 || w->msg.id != s->id || !vtg__engine_question_matches(s, &w->msg)) {
					if (prc >= 0)
						w->persp[s->persp].st.dropped_mismatch++;
					vtg__engine_tcp_fail(w, i, prc < 0 ? VTG_FAIL_MALFORMED
							       : VTG_FAIL_TRUNCATED);
				} else {
					w->persp[s->persp].st.received++;
					/* still truncated over TCP: a partial RRset
					 * (one that leaves out a restrictive CAA
					 * property) is never used (docs/rules.md section 8); a
					 * failure of this server */
					if (w->msg.flags & VTG_FLAG_TC)
						vtg__engine_tcp_fail(w, i, VTG_FAIL_TRUNCATED_TCP);
					else
						vtg__engine_complete(w, i, VTG_FAIL_NONE, &w->msg, true, 0);
				}
				vtg__engine_tcp_next_waiting(w);
				return;
			}
		}
		sqe = sqe_get(w);
		if (!sqe)
			break;
		io_uring_prep_recv(sqe, s->tcp_fd, buf + s->tcp_got,
				   TCP_BUF_SIZE - s->tcp_got, 0);
		io_uring_sqe_set_data64(sqe, ud_pack(OP_TCP_RECV, i, s->gen));
		s->tcp_op_pending = true;
		return;
	}
	default:
		break;
	}
	vtg__engine_tcp_fail(w, i, VTG_FAIL_TRUNCATED);
	vtg__engine_tcp_next_waiting(w);
}
