/*
 * engine_int.h — what the engine's files share and nothing outside engine/
 * may include: the worker's layout, its limits, and the helpers every part
 * of the data path uses (user_data packing, randomness, addresses, the slot
 * lists, the (socket, ID) table).
 *
 * The helpers called per packet are static inline here, so splitting the
 * engine over files (ring.c, persp.c, slots.c, udp.c, tcp.c) changes no call
 * the compiler could inline before. Functions defined in one file and called
 * from another are vtg__engine_*; the per-datagram path (CQE -> match ->
 * complete) keeps its big steps in udp.c so they still inline into the loop.
 *
 * user_data packs op (4 bits), index (28 bits) and the slot generation (32
 * bits), never a pointer: a late CQE for a reused slot is recognised and
 * ignored.
 */
#ifndef VTG_ENGINE_ENGINE_INT_H
#define VTG_ENGINE_ENGINE_INT_H

#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/clock.h"
#include "engine/engine.h"
#include "engine/web.h"

#define DEF_TIMEOUT_MS 800      /* first try; unbound starts near 376 ms */
#define DEF_RETRIES 2           /* BR 3.2.2.8 exception needs >= 1 retry */
#define DEF_SLOTS 4096
#define DEF_UPSTREAM_INFLIGHT 256 /* measured: more overruns a server's socket buffer */
#define DEF_SOCKETS 16          /* per perspective: source-port spread */
#define DEF_RING 4096
#define MAX_TRIES 8
#define QUERY_MAX 300           /* 12 + 255 + 4 + 11 (OPT) octets */
#define RBUF_SIZE 2048          /* recvmsg_out + sockaddr + payload */
#define RBUF_COUNT 4096         /* power of two */
#define RBUF_GROUP 7
#define TCP_BUFS 32
#define TCP_BUF_SIZE (2 + 65535) /* RFC 1035 4.2.2 length prefix */
#define SOCK_RCVBUF (8 << 20)

enum op {
	OP_RECV = 1, OP_SEND, OP_TCP_CONN, OP_TCP_SEND, OP_TCP_RECV, OP_WAKE,
	OP_WEB,      /* a poll on a socket libcurl watches (http.c) */
	OP_ALPN,     /* a poll on a TLS-ALPN handshake's socket (alpn.c) */
	OP_NOP,      /* a poll removal's own completion: nothing to do */
};

enum state {
	S_FREE = 0,
	S_PENDING,   /* accepted, waiting for upstream capacity */
	S_UDP,       /* sent, waiting for the answer */
	S_TCP_WAIT,  /* truncated, waiting for a TCP buffer */
	S_TCP,       /* TCP exchange in progress */
	S_ZOMBIE,    /* completed; a TCP op is still in the kernel */
};

#define NIL UINT32_MAX
#define DIRECT VTG_MAX_UPSTREAMS /* the upstream index of direct queries */
#define TL_TCP MAX_TRIES         /* the timeout list of TCP exchanges */

/* slot->list_id: which list a slot is on */
#define LIST_NONE 0xff
#define LIST_TCP_WAIT 0xfe       /* waiting for a TCP buffer */
#define LIST_PENDING 0x80        /* + upstream index: waiting for capacity */

struct list {
	uint32_t head, tail;
};

struct slot {
	uint32_t gen;
	uint8_t state;
	uint8_t list_id;         /* which list the slot is on: LIST_* or a try */
	uint8_t tries;
	bool malformed_seen;
	uint16_t persp;
	uint16_t upstream;       /* index, or DIRECT: the query goes to dst */
	uint16_t id;
	uint16_t qtype;
	uint8_t max_tries;
	bool case_random;        /* 0x20: the echoed qname must match exactly */
	const struct sockaddr_storage *dst;
	struct sockaddr_storage dst_own;
	uint32_t sock;
	uint32_t prev, next;
	int send_err;
	uint64_t first_ns, deadline_ns;
	void *ud;
	uint8_t qname[VTG_DNS_MAX_NAME];
	uint16_t qlen;
	uint8_t lenpfx[2];
	uint8_t query[QUERY_MAX];
	struct msghdr mh;
	struct iovec iov[2];
	int tcp_fd;
	int tcp_buf;
	uint32_t tcp_got;
	bool tcp_op_pending;
};

struct sock {
	int fd;
	uint16_t persp;
};

struct upstream_state {
	unsigned inflight;
	double tokens;
	uint64_t last_ns;
	struct list pending;
};

struct persp {
	struct vtg_persp_cfg cfg;
	uint32_t first_sock, n_socks;
	int nsfd;                /* namespace fd, -1 = ours */
	unsigned rr;             /* round robin over upstreams */
	struct upstream_state up[VTG_MAX_UPSTREAMS + 1]; /* + DIRECT */
	struct vtg_persp_stats st;
};

struct vtg_worker {
	struct io_uring ring;
	bool ring_ok;
	struct vtg_engine_cfg cfg;
	vtg_query_cb_fn cb;
	struct persp *persp;
	unsigned n_persp;
	struct sock *socks;
	uint32_t n_socks;
	struct slot *slots;
	uint32_t n_slots;
	uint32_t free_head;
	unsigned n_free, n_active;
	/* (sock, id) -> slot, open addressing with linear probing */
	uint32_t *hkey, *hval;
	uint32_t hmask;
	/* timeout lists: one per try, and one for TCP */
	struct list tl[MAX_TRIES + 1];
	struct list tcp_wait;
	/* receive buffers */
	struct io_uring_buf_ring *br;
	size_t br_size;
	uint8_t *rbufs;
	struct msghdr rtmpl;
	/* TCP buffers */
	uint8_t *tcpbufs;
	int tcp_free[TCP_BUFS];
	int n_tcp_free;
	int orig_ns;
	/* randomness, refilled from getrandom() in blocks */
	uint8_t rnd[4096];
	size_t rnd_pos;
	uint64_t now;
	uint64_t enters;
	unsigned completions;
	int wake_fd;             /* eventfd another thread writes, or -1 */
	uint64_t wake_val;
	bool woken;
	struct vtg_web *web;     /* HTTP requests (engine/web.h, http.c), or NULL */
	struct alpn *alpn;       /* TLS-ALPN handshakes (alpn.c), or NULL */
	unsigned alpn_active;
	vtg_alpn_cb_fn alpn_cb;
	struct vtg_msg msg;      /* parsed response handed to the callback */
	/* a direct query's server handed to the callback: the slot's own copy
	 * may be reused by a submit from inside the callback */
	struct sockaddr_storage res_server;
};

/* ---------------------------------------------------------------- utils */

static inline uint64_t ud_pack(enum op op, uint32_t idx, uint32_t gen)
{
	return ((uint64_t)op << 60) | ((uint64_t)(idx & 0x0fffffff) << 32) | gen;
}

static inline enum op ud_op(uint64_t ud) { return (enum op)(ud >> 60); }
static inline uint32_t ud_idx(uint64_t ud) { return (uint32_t)(ud >> 32) & 0x0fffffff; }
static inline uint32_t ud_gen(uint64_t ud) { return (uint32_t)ud; }

/* Refill w->rnd from getrandom(); aborts when the kernel has no randomness
 * (never send predictable IDs). */
void vtg__engine_rnd_refill(struct vtg_worker *w);

static inline uint32_t rnd32(struct vtg_worker *w)
{
	if (w->rnd_pos + 4 > sizeof(w->rnd))
		vtg__engine_rnd_refill(w);
	uint32_t v;
	memcpy(&v, w->rnd + w->rnd_pos, 4);
	w->rnd_pos += 4;
	return v;
}

static inline socklen_t ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

static inline bool same_addr(const struct sockaddr_storage *a, const void *b, socklen_t blen)
{
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = b;
		return blen >= sizeof(*y) && y->sin_family == AF_INET &&
		       x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = b;
		return blen >= sizeof(*y) && y->sin6_family == AF_INET6 &&
		       x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return false;
}

/* ---------------------------------------------------------------- lists */

static inline void list_push(struct vtg_worker *w, struct list *l, uint8_t id, uint32_t i)
{
	struct slot *s = &w->slots[i];
	s->list_id = id;
	s->next = NIL;
	s->prev = l->tail;
	if (l->tail != NIL)
		w->slots[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

static inline struct list *list_of(struct vtg_worker *w, struct slot *s)
{
	if (s->list_id <= MAX_TRIES)
		return &w->tl[s->list_id];
	if (s->list_id == LIST_TCP_WAIT)
		return &w->tcp_wait;
	if (s->list_id >= LIST_PENDING && s->list_id < LIST_TCP_WAIT) {
		unsigned k = s->list_id - LIST_PENDING;
		return &w->persp[s->persp].up[k].pending;
	}
	return NULL;
}

static inline void list_unlink(struct vtg_worker *w, uint32_t i)
{
	struct slot *s = &w->slots[i];
	struct list *l = list_of(w, s);
	if (!l)
		return;
	if (s->prev != NIL)
		w->slots[s->prev].next = s->next;
	else
		l->head = s->next;
	if (s->next != NIL)
		w->slots[s->next].prev = s->prev;
	else
		l->tail = s->prev;
	s->prev = s->next = NIL;
	s->list_id = LIST_NONE;
}

/* ----------------------------------------------------------- id table */

static inline uint32_t hkey(uint32_t sock, uint16_t id)
{
	return ((sock << 16) | id) + 1; /* 0 marks an empty bucket */
}

static inline uint32_t hslot(uint32_t key, uint32_t mask)
{
	uint32_t h = key * 2654435761u; /* Knuth multiplicative */
	return (h ^ (h >> 15)) & mask;
}

static inline uint32_t h_find(struct vtg_worker *w, uint32_t key)
{
	for (uint32_t b = hslot(key, w->hmask);; b = (b + 1) & w->hmask) {
		if (w->hkey[b] == key)
			return w->hval[b];
		if (w->hkey[b] == 0)
			return NIL;
	}
}

static inline void h_put(struct vtg_worker *w, uint32_t key, uint32_t val)
{
	uint32_t b = hslot(key, w->hmask);
	while (w->hkey[b] != 0)
		b = (b + 1) & w->hmask;
	w->hkey[b] = key;
	w->hval[b] = val;
}

static inline void h_del(struct vtg_worker *w, uint32_t key)
{
	uint32_t b = hslot(key, w->hmask);
	while (w->hkey[b] != key) {
		if (w->hkey[b] == 0)
			return;
		b = (b + 1) & w->hmask;
	}
	/* backward-shift deletion keeps probe chains intact */
	uint32_t hole = b;
	for (uint32_t j = (hole + 1) & w->hmask; w->hkey[j] != 0; j = (j + 1) & w->hmask) {
		uint32_t home = hslot(w->hkey[j], w->hmask);
		bool move = (j > hole) ? (home <= hole || home > j)
				       : (home <= hole && home > j);
		if (move) {
			w->hkey[hole] = w->hkey[j];
			w->hval[hole] = w->hval[j];
			hole = j;
		}
	}
	w->hkey[hole] = 0;
}

/* ---------------------------------------------------------- the ring */

static inline struct io_uring_sqe *sqe_get(struct vtg_worker *w)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&w->ring);
	if (!sqe) {
		/* SQ full: hand what we have to the kernel, then retry */
		io_uring_submit(&w->ring);
		w->enters++;
		sqe = io_uring_get_sqe(&w->ring);
	}
	return sqe;
}

/* Give receive buffer bid back to the provided-buffer ring. */
static inline void rbuf_return(struct vtg_worker *w, unsigned bid)
{
	io_uring_buf_ring_add(w->br, w->rbufs + (size_t)bid * RBUF_SIZE, RBUF_SIZE,
			      (unsigned short)bid, io_uring_buf_ring_mask(RBUF_COUNT), 0);
	io_uring_buf_ring_advance(w->br, 1);
}

/* Timeout of try number `tries` (1-based): doubles per retry, capped. */
static inline uint64_t timeout_for(const struct vtg_worker *w, unsigned tries)
{
	uint64_t t = (uint64_t)w->cfg.timeout_ms * 1000000ull;
	for (unsigned i = 1; i < tries && i < 6; i++)
		t *= 2; /* exponential backoff */
	return t;
}

/* Back to the free list; the generation bump makes late CQEs stale. */
static inline void slot_release(struct vtg_worker *w, uint32_t i)
{
	struct slot *s = &w->slots[i];
	list_unlink(w, i);
	s->state = S_FREE;
	s->gen++;
	s->next = w->free_head;
	w->free_head = i;
	w->n_free++;
}

/* ------------------------------------------------ across the engine's files */

/* persp.c: a socket of perspective p (its namespace, interface, source
 * address; UDP sockets bound to a random port). 0 with *out set, or -errno /
 * -EINVAL (bad source address) with err filled. */
int vtg__engine_open_socket(struct vtg_worker *w, struct persp *p, int type, int *out,
			    char *err, size_t errcap);
/* persp.c: set up the perspectives of a new worker (configuration, socket
 * ranges, namespace fds). 0, or -EINVAL / -errno with err filled. */
int vtg__engine_persp_init(struct vtg_worker *w, const struct vtg_persp_cfg *pc,
			   unsigned n_persp, uint32_t *total_socks, char *err, size_t errcap);

/* ring.c: arm the multishot receive of socket si (no SQE: left unarmed). */
void vtg__engine_arm_recv(struct vtg_worker *w, uint32_t si);
/* ring.c: arm the read of the wake eventfd. 0 or -EBUSY (SQ full). */
int vtg__engine_arm_wake(struct vtg_worker *w);

/* slots.c: complete slot i (exactly once per accepted query) and call back. */
void vtg__engine_complete(struct vtg_worker *w, uint32_t i, enum vtg_lookup_fail fail,
			  const struct vtg_msg *msg, bool tcp, int local_err);
/* slots.c: send what the in-flight and rate limits allow. */
void vtg__engine_dispatch(struct vtg_worker *w);
/* slots.c: retry or fail what is past its deadline. */
void vtg__engine_expire(struct vtg_worker *w);
/* slots.c: the earliest deadline (UINT64_MAX: none). */
uint64_t vtg__engine_next_deadline(const struct vtg_worker *w);

/* udp.c: put slot i's query on the wire (first try or a retry). */
void vtg__engine_send_udp(struct vtg_worker *w, uint32_t i);
/* udp.c: does the parsed response m answer slot s's question (RFC 5452 9.1)? */
bool vtg__engine_question_matches(const struct slot *s, const struct vtg_msg *m);

/* tcp.c: the TCP fallback (RFC 7766). */
void vtg__engine_to_tcp(struct vtg_worker *w, uint32_t i);
void vtg__engine_tcp_cqe(struct vtg_worker *w, enum op op, uint32_t i, int res);
void vtg__engine_tcp_fail(struct vtg_worker *w, uint32_t i, enum vtg_lookup_fail f);
void vtg__engine_tcp_next_waiting(struct vtg_worker *w);

/* http.c / alpn.c: the web half of the loop (NULL-safe: no web, nothing) */
struct vtg_web;
void vtg__engine_web_cqe(struct vtg_worker *w, enum op op, uint32_t idx, uint32_t gen,
			 int res);
/* run what is due (libcurl's timer, handshake deadlines) */
void vtg__engine_web_timers(struct vtg_worker *w);
/* the earliest web deadline (UINT64_MAX: none) */
uint64_t vtg__engine_web_deadline(const struct vtg_worker *w);
/* requests accepted and not yet completed */
unsigned vtg__engine_web_active(const struct vtg_worker *w);
void vtg__engine_web_free(struct vtg_worker *w);
/* alpn.c, called by http.c */
void vtg__engine_alpn_cqe(struct vtg_worker *w, uint32_t idx, uint32_t gen, int res);
void vtg__engine_alpn_timers(struct vtg_worker *w);
uint64_t vtg__engine_alpn_deadline(const struct vtg_worker *w);
int vtg__engine_alpn_init(struct vtg_worker *w, unsigned slots, vtg_alpn_cb_fn cb, char *err,
			  size_t errcap);
void vtg__engine_alpn_free(struct vtg_worker *w);

/* persp.c: a socket of perspective p of the given family (web requests:
 * the family of the address they connect to). As vtg__engine_open_socket. */
int vtg__engine_open_socket_family(struct vtg_worker *w, struct persp *p, int family,
				   int type, int *out, char *err, size_t errcap);

#endif
