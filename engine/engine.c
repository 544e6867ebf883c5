/*
 * engine.c — the io_uring worker (see engine.h for the contract).
 *
 * Data path. Every perspective owns a pool of unconnected UDP sockets, each
 * with one multishot RECVMSG armed on a shared provided-buffer ring, so
 * receiving costs no SQE and no allocation per packet. Sends are SENDMSG
 * SQEs with IOSQE_CQE_SKIP_SUCCESS (no CQE unless they fail), prepared in
 * batches and submitted together with the wait in one io_uring_enter() per
 * loop iteration.
 *
 * Matching (RFC 5452): each query leaves from a random socket of its
 * perspective with a random ID; a datagram is accepted only when its
 * (socket, ID) names a waiting slot, its source address and port are the
 * upstream the query went to, QR=1, opcode QUERY, and the question (name,
 * type, class) is the one asked. Anything else is counted and dropped, and
 * the real query keeps waiting.
 *
 * Timeouts: one FIFO per try number (every entry in a list has the same
 * timeout, so deadlines are ordered), plus one for TCP. A retry picks a new
 * ID, a new socket and the next upstream, and doubles the timeout.
 *
 * TCP (RFC 7766): a TC=1 answer moves the query to TCP over the same ring
 * (connect, send with the 2-octet length, recv until the length is in),
 * using one of a fixed pool of 64 KiB buffers; queries wait for a buffer when
 * all are busy. A TCP query that times out completes at once; its slot stays
 * a zombie until the cancelled operation's CQE arrives, then the socket is
 * closed and the slot reused.
 *
 * user_data packs op (4 bits), index (28 bits) and the slot generation (32
 * bits), never a pointer: a late CQE for a reused slot is recognised and
 * ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "engine/engine.h"

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

enum op { OP_RECV = 1, OP_SEND, OP_TCP_CONN, OP_TCP_SEND, OP_TCP_RECV, OP_WAKE };

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

struct list {
	uint32_t head, tail;
};

struct slot {
	uint32_t gen;
	uint8_t state;
	uint8_t list_id;         /* which list the slot is on, 0xff none */
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
	struct vtg_msg msg;      /* parsed response handed to the callback */
};

#define TL_TCP MAX_TRIES

/* ---------------------------------------------------------------- utils */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t ud_pack(enum op op, uint32_t idx, uint32_t gen)
{
	return ((uint64_t)op << 60) | ((uint64_t)(idx & 0x0fffffff) << 32) | gen;
}

static enum op ud_op(uint64_t ud) { return (enum op)(ud >> 60); }
static uint32_t ud_idx(uint64_t ud) { return (uint32_t)(ud >> 32) & 0x0fffffff; }
static uint32_t ud_gen(uint64_t ud) { return (uint32_t)ud; }

static uint32_t rnd32(struct vtg_worker *w)
{
	if (w->rnd_pos + 4 > sizeof(w->rnd)) {
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
	uint32_t v;
	memcpy(&v, w->rnd + w->rnd_pos, 4);
	w->rnd_pos += 4;
	return v;
}

void vtg__engine_cfg_default(struct vtg_engine_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->timeout_ms = DEF_TIMEOUT_MS;
	cfg->retries = DEF_RETRIES;
	cfg->slots = DEF_SLOTS;
	cfg->upstream_inflight = DEF_UPSTREAM_INFLIGHT;
	cfg->udp_size = VTG_EDNS_UDP_DEFAULT;
	cfg->edns = true;
	cfg->do_bit = true;
	cfg->rd = true;
	cfg->ring_entries = DEF_RING;
}

int vtg__parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char host[128];
	unsigned port = 53;
	memset(ss, 0, sizeof(*ss));
	size_t len = strlen(s);
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e)
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = 0;
		if (e[1] == ':') {
			char *end;
			unsigned long p = strtoul(e + 2, &end, 10);
			if (*end || p == 0 || p > 65535)
				return -EINVAL;
			port = (unsigned)p;
		} else if (e[1]) {
			return -EINVAL;
		}
	} else {
		const char *c = strchr(s, ':');
		if (c && strchr(c + 1, ':'))
			c = NULL; /* bare IPv6 */
		if (c) {
			memcpy(host, s, (size_t)(c - s));
			host[c - s] = 0;
			char *end;
			unsigned long p = strtoul(c + 1, &end, 10);
			if (*end || p == 0 || p > 65535)
				return -EINVAL;
			port = (unsigned)p;
		} else {
			memcpy(host, s, len + 1);
		}
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -EINVAL;
}

void vtg__format_addr(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(buf, cap, "%s:%u", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(buf, cap, "[%s]:%u", host, port);
	} else {
		snprintf(buf, cap, "?");
	}
}

static socklen_t ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in);
}

static bool same_addr(const struct sockaddr_storage *a, const void *b, socklen_t blen)
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

static void list_push(struct vtg_worker *w, struct list *l, uint8_t id, uint32_t i)
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

static struct list *list_of(struct vtg_worker *w, struct slot *s)
{
	if (s->list_id <= MAX_TRIES)
		return &w->tl[s->list_id];
	if (s->list_id == 0xfe)
		return &w->tcp_wait;
	if (s->list_id >= 0x80 && s->list_id < 0xfe) {
		unsigned k = s->list_id - 0x80;
		return &w->persp[s->persp].up[k].pending;
	}
	return NULL;
}

static void list_unlink(struct vtg_worker *w, uint32_t i)
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
	s->list_id = 0xff;
}

/* ----------------------------------------------------------- id table */

static uint32_t hkey(uint32_t sock, uint16_t id)
{
	return ((sock << 16) | id) + 1; /* 0 marks an empty bucket */
}

static uint32_t hslot(uint32_t key, uint32_t mask)
{
	uint32_t h = key * 2654435761u; /* Knuth multiplicative */
	return (h ^ (h >> 15)) & mask;
}

static uint32_t h_find(struct vtg_worker *w, uint32_t key)
{
	for (uint32_t b = hslot(key, w->hmask);; b = (b + 1) & w->hmask) {
		if (w->hkey[b] == key)
			return w->hval[b];
		if (w->hkey[b] == 0)
			return NIL;
	}
}

static void h_put(struct vtg_worker *w, uint32_t key, uint32_t val)
{
	uint32_t b = hslot(key, w->hmask);
	while (w->hkey[b] != 0)
		b = (b + 1) & w->hmask;
	w->hkey[b] = key;
	w->hval[b] = val;
}

static void h_del(struct vtg_worker *w, uint32_t key)
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

/* ------------------------------------------------------------- sockets */

static int enter_ns(struct persp *p)
{
	if (p->nsfd < 0)
		return 0;
	if (setns(p->nsfd, CLONE_NEWNET) != 0)
		return -errno;
	return 1;
}

static void leave_ns(struct vtg_worker *w, int entered)
{
	if (entered > 0 && setns(w->orig_ns, CLONE_NEWNET) != 0)
		abort(); /* cannot get back: every later socket would be wrong */
}

static int open_socket(struct vtg_worker *w, struct persp *p, int type, int *out,
		       char *err, size_t errcap)
{
	int family = p->cfg.n_upstreams ? p->cfg.upstream[0].ss_family : AF_INET;
	int entered = enter_ns(p);
	if (entered < 0) {
		snprintf(err, errcap, "perspective %s: setns(%s): %s", p->cfg.id,
			 p->cfg.netns, strerror(-entered));
		return entered;
	}
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	int e = fd < 0 ? -errno : 0;
	leave_ns(w, entered);
	if (fd < 0) {
		snprintf(err, errcap, "perspective %s: socket: %s", p->cfg.id, strerror(-e));
		return e;
	}
	if (type == SOCK_DGRAM) {
		int sz = SOCK_RCVBUF;
		/* FORCE needs CAP_NET_ADMIN; fall back to the capped size */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if (p->cfg.iface[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->cfg.iface,
		       (socklen_t)strlen(p->cfg.iface)) != 0) {
		e = -errno;
		snprintf(err, errcap, "perspective %s: SO_BINDTODEVICE %s: %s", p->cfg.id,
			 p->cfg.iface, strerror(-e));
		close(fd);
		return e;
	}
	struct sockaddr_storage src;
	memset(&src, 0, sizeof(src));
	src.ss_family = (sa_family_t)family;
	if (p->cfg.source[0]) {
		char tmp[80];
		snprintf(tmp, sizeof(tmp), "%s%s%s", family == AF_INET6 ? "[" : "",
			 p->cfg.source, family == AF_INET6 ? "]:1" : ":1");
		if (vtg__parse_addr(tmp, &src) != 0) {
			snprintf(err, errcap, "perspective %s: bad source address '%s'",
				 p->cfg.id, p->cfg.source);
			close(fd);
			return -EINVAL;
		}
		((struct sockaddr_in *)&src)->sin_port = 0; /* same offset in v6 */
	}
	if (p->cfg.source[0] || type == SOCK_DGRAM) {
		/* port 0: the kernel picks a random ephemeral port (RFC 6056) */
		if (bind(fd, (struct sockaddr *)&src, ss_len(&src)) != 0) {
			e = -errno;
			snprintf(err, errcap, "perspective %s: bind %s: %s", p->cfg.id,
				 p->cfg.source[0] ? p->cfg.source : "any", strerror(-e));
			close(fd);
			return e;
		}
	}
	*out = fd;
	return 0;
}

/* ---------------------------------------------------------- the ring */

static struct io_uring_sqe *sqe_get(struct vtg_worker *w)
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

static void arm_recv(struct vtg_worker *w, uint32_t si)
{
	struct io_uring_sqe *sqe = sqe_get(w);
	if (!sqe)
		return; /* retried on the next loop through rearm list */
	io_uring_prep_recvmsg_multishot(sqe, w->socks[si].fd, &w->rtmpl, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RBUF_GROUP;
	io_uring_sqe_set_data64(sqe, ud_pack(OP_RECV, si, 0));
}

static void rbuf_return(struct vtg_worker *w, unsigned bid)
{
	io_uring_buf_ring_add(w->br, w->rbufs + (size_t)bid * RBUF_SIZE, RBUF_SIZE,
			      (unsigned short)bid, io_uring_buf_ring_mask(RBUF_COUNT), 0);
	io_uring_buf_ring_advance(w->br, 1);
}

/* ------------------------------------------------------------ lifecycle */

void vtg__worker_free(struct vtg_worker *w)
{
	if (!w)
		return;
	if (w->slots)
		for (uint32_t i = 0; i < w->n_slots; i++)
			if (w->slots[i].tcp_fd >= 0)
				close(w->slots[i].tcp_fd);
	if (w->ring_ok)
		io_uring_queue_exit(&w->ring);
	if (w->socks)
		for (uint32_t i = 0; i < w->n_socks; i++)
			if (w->socks[i].fd >= 0)
				close(w->socks[i].fd);
	if (w->persp)
		for (unsigned i = 0; i < w->n_persp; i++)
			if (w->persp[i].nsfd >= 0)
				close(w->persp[i].nsfd);
	if (w->orig_ns >= 0)
		close(w->orig_ns);
	if (w->br)
		munmap(w->br, w->br_size);
	vtg__free(w->rbufs);
	vtg__free(w->tcpbufs);
	vtg__free(w->hkey);
	vtg__free(w->hval);
	vtg__free(w->slots);
	vtg__free(w->socks);
	vtg__free(w->persp);
	vtg__free(w);
}

int vtg__worker_new(struct vtg_worker **out, const struct vtg_engine_cfg *cfg,
		    const struct vtg_persp_cfg *pc, unsigned n_persp,
		    vtg_query_cb_fn cb, char *err, size_t errcap)
{
	int rc;
	if (n_persp == 0 || n_persp > VTG_MAX_PERSPECTIVES) {
		snprintf(err, errcap, "need 1 to %d perspectives", VTG_MAX_PERSPECTIVES);
		return -EINVAL;
	}
	struct vtg_worker *w = vtg__calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->orig_ns = -1;
	w->wake_fd = -1;
	w->cfg = *cfg;
	if (w->cfg.slots == 0)
		w->cfg.slots = DEF_SLOTS;
	if (w->cfg.slots > (1u << 24))
		w->cfg.slots = 1u << 24;
	if (w->cfg.timeout_ms == 0)
		w->cfg.timeout_ms = DEF_TIMEOUT_MS;
	if (w->cfg.retries > MAX_TRIES - 1)
		w->cfg.retries = MAX_TRIES - 1;
	if (w->cfg.ring_entries == 0)
		w->cfg.ring_entries = DEF_RING;
	if (w->cfg.udp_size == 0)
		w->cfg.udp_size = VTG_EDNS_UDP_DEFAULT;
	w->cb = cb;
	w->rnd_pos = sizeof(w->rnd);
	w->n_persp = n_persp;
	w->persp = vtg__calloc(n_persp, sizeof(*w->persp));
	if (!w->persp) {
		rc = -ENOMEM;
		goto fail;
	}
	for (unsigned t = 0; t <= MAX_TRIES; t++)
		w->tl[t].head = w->tl[t].tail = NIL;
	w->tcp_wait.head = w->tcp_wait.tail = NIL;

	uint32_t total_socks = 0;
	for (unsigned i = 0; i < n_persp; i++) {
		struct persp *p = &w->persp[i];
		p->cfg = pc[i];
		p->nsfd = -1;
		if (p->cfg.n_upstreams == 0 && !p->cfg.iterative) {
			snprintf(err, errcap, "perspective %s has no upstream resolver",
				 p->cfg.id);
			rc = -EINVAL;
			goto fail;
		}
		if (p->cfg.sockets == 0)
			p->cfg.sockets = DEF_SOCKETS;
		for (unsigned u = 0; u <= DIRECT; u++) {
			p->up[u].pending.head = p->up[u].pending.tail = NIL;
			p->up[u].tokens = cfg->rate_qps ? cfg->rate_qps / 10.0 : 0;
		}
		p->first_sock = total_socks;
		p->n_socks = p->cfg.sockets;
		total_socks += p->cfg.sockets;
		if (p->cfg.netns[0]) {
			p->nsfd = open(p->cfg.netns, O_RDONLY | O_CLOEXEC);
			if (p->nsfd < 0) {
				rc = -errno;
				snprintf(err, errcap, "perspective %s: open %s: %s", p->cfg.id,
					 p->cfg.netns, strerror(errno));
				goto fail;
			}
		}
	}
	w->orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (w->orig_ns < 0) {
		rc = -errno;
		snprintf(err, errcap, "open /proc/self/ns/net: %s", strerror(errno));
		goto fail;
	}

	/* slots, free list */
	w->n_slots = w->cfg.slots;
	w->slots = vtg__calloc(w->n_slots, sizeof(*w->slots));
	uint32_t hsize = 1;
	while (hsize < 2 * w->n_slots)
		hsize <<= 1;
	w->hmask = hsize - 1;
	w->hkey = vtg__calloc(hsize, sizeof(uint32_t));
	w->hval = vtg__calloc(hsize, sizeof(uint32_t));
	if (!w->slots || !w->hkey || !w->hval) {
		rc = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < w->n_slots; i++) {
		struct slot *s = &w->slots[i];
		s->next = i + 1 < w->n_slots ? i + 1 : NIL;
		s->prev = NIL;
		s->list_id = 0xff;
		s->tcp_fd = -1;
		s->tcp_buf = -1;
	}
	w->free_head = 0;
	w->n_free = w->n_slots;

	/* ring */
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	params.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
	params.cq_entries = w->cfg.ring_entries * 4;
	params.flags |= IORING_SETUP_CQSIZE;
	rc = io_uring_queue_init_params(w->cfg.ring_entries, &w->ring, &params);
	if (rc < 0) {
		/* older kernels: plain flags */
		memset(&params, 0, sizeof(params));
		rc = io_uring_queue_init_params(w->cfg.ring_entries, &w->ring, &params);
	}
	if (rc < 0) {
		snprintf(err, errcap, "io_uring_queue_init: %s", strerror(-rc));
		goto fail;
	}
	w->ring_ok = true;

	/* provided buffer ring (liburing 2.3 has no io_uring_setup_buf_ring) */
	w->br_size = RBUF_COUNT * sizeof(struct io_uring_buf);
	w->br = mmap(NULL, w->br_size, PROT_READ | PROT_WRITE,
		     MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (w->br == MAP_FAILED) {
		w->br = NULL;
		rc = -errno;
		snprintf(err, errcap, "mmap buffer ring: %s", strerror(errno));
		goto fail;
	}
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)w->br;
	reg.ring_entries = RBUF_COUNT;
	reg.bgid = RBUF_GROUP;
	rc = io_uring_register_buf_ring(&w->ring, &reg, 0);
	if (rc < 0) {
		snprintf(err, errcap, "io_uring_register_buf_ring: %s", strerror(-rc));
		goto fail;
	}
	io_uring_buf_ring_init(w->br);
	w->rbufs = vtg__malloc((size_t)RBUF_COUNT * RBUF_SIZE);
	w->tcpbufs = vtg__malloc((size_t)TCP_BUFS * TCP_BUF_SIZE);
	if (!w->rbufs || !w->tcpbufs) {
		rc = -ENOMEM;
		goto fail;
	}
	for (unsigned b = 0; b < RBUF_COUNT; b++)
		io_uring_buf_ring_add(w->br, w->rbufs + (size_t)b * RBUF_SIZE, RBUF_SIZE,
				      (unsigned short)b, io_uring_buf_ring_mask(RBUF_COUNT),
				      (int)b);
	io_uring_buf_ring_advance(w->br, RBUF_COUNT);
	for (int b = 0; b < TCP_BUFS; b++)
		w->tcp_free[b] = b;
	w->n_tcp_free = TCP_BUFS;

	memset(&w->rtmpl, 0, sizeof(w->rtmpl));
	w->rtmpl.msg_namelen = sizeof(struct sockaddr_storage);

	/* sockets */
	w->n_socks = total_socks;
	w->socks = vtg__calloc(total_socks, sizeof(*w->socks));
	if (!w->socks) {
		rc = -ENOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < total_socks; i++)
		w->socks[i].fd = -1;
	for (unsigned i = 0; i < n_persp; i++) {
		struct persp *p = &w->persp[i];
		for (uint32_t k = 0; k < p->n_socks; k++) {
			uint32_t si = p->first_sock + k;
			rc = open_socket(w, p, SOCK_DGRAM, &w->socks[si].fd, err, errcap);
			if (rc < 0)
				goto fail;
			w->socks[si].persp = (uint16_t)i;
			arm_recv(w, si);
		}
	}
	io_uring_submit(&w->ring);
	w->enters++;
	*out = w;
	return 0;
fail:
	vtg__worker_free(w);
	return rc;
}

static int arm_wake(struct vtg_worker *w)
{
	struct io_uring_sqe *sqe = sqe_get(w);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, w->wake_fd, &w->wake_val, sizeof(w->wake_val), 0);
	io_uring_sqe_set_data64(sqe, ud_pack(OP_WAKE, 0, 0));
	return 0;
}

int vtg__worker_set_wake(struct vtg_worker *w, int efd)
{
	if (efd < 0 || w->wake_fd >= 0)
		return -EINVAL;
	w->wake_fd = efd;
	int rc = arm_wake(w);
	if (rc == 0) {
		io_uring_submit(&w->ring);
		w->enters++;
	}
	return rc;
}

unsigned vtg__worker_free_slots(const struct vtg_worker *w)
{
	return w->n_free;
}

unsigned vtg__worker_active(const struct vtg_worker *w)
{
	return w->n_active;
}

const struct vtg_persp_stats *vtg__worker_stats(const struct vtg_worker *w,
						unsigned persp)
{
	return persp < w->n_persp ? &w->persp[persp].st : NULL;
}

uint64_t vtg__worker_enters(const struct vtg_worker *w)
{
	return w->enters;
}

/* ------------------------------------------------------------ queries */

static uint64_t timeout_for(const struct vtg_worker *w, unsigned tries)
{
	uint64_t t = (uint64_t)w->cfg.timeout_ms * 1000000ull;
	for (unsigned i = 1; i < tries && i < 6; i++)
		t *= 2; /* exponential backoff */
	return t;
}

static void slot_release(struct vtg_worker *w, uint32_t i)
{
	struct slot *s = &w->slots[i];
	list_unlink(w, i);
	s->state = S_FREE;
	s->gen++;
	s->next = w->free_head;
	w->free_head = i;
	w->n_free++;
}

static void complete(struct vtg_worker *w, uint32_t i, enum vtg_lookup_fail fail,
		     const struct vtg_msg *msg, bool tcp, int local_err)
{
	struct slot *s = &w->slots[i];
	struct persp *p = &w->persp[s->persp];
	struct vtg_qresult r = {
		.fail = fail,
		.msg = msg,
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
	if (q->persp >= w->n_persp)
		return -EINVAL;
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
	list_push(w, &p->up[upstream].pending, (uint8_t)(0x80 + upstream), i);
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
static void send_udp(struct vtg_worker *w, uint32_t i)
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

static void dispatch(struct vtg_worker *w)
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
				send_udp(w, i);
			}
		}
	}
}

/* ----------------------------------------------------------------- TCP */

static void tcp_fail(struct vtg_worker *w, uint32_t i, enum vtg_lookup_fail f)
{
	w->persp[w->slots[i].persp].st.tcp_failed++;
	complete(w, i, f, NULL, true, 0);
}

static void tcp_start(struct vtg_worker *w, uint32_t i)
{
	struct slot *s = &w->slots[i];
	struct persp *p = &w->persp[s->persp];
	char err[160];
	s->tcp_buf = w->tcp_free[--w->n_tcp_free];
	s->tcp_got = 0;
	int fd;
	int rc = open_socket(w, p, SOCK_STREAM, &fd, err, sizeof(err));
	s->state = S_TCP;
	s->deadline_ns = w->now + 2 * timeout_for(w, 1);
	list_push(w, &w->tl[TL_TCP], TL_TCP, i);
	if (rc < 0) {
		complete(w, i, VTG_FAIL_LOCAL, NULL, true, rc);
		return;
	}
	s->tcp_fd = fd;
	struct io_uring_sqe *sqe = sqe_get(w);
	if (!sqe) {
		tcp_fail(w, i, VTG_FAIL_LOCAL);
		return;
	}
	io_uring_prep_connect(sqe, fd, (const struct sockaddr *)s->dst, ss_len(s->dst));
	io_uring_sqe_set_data64(sqe, ud_pack(OP_TCP_CONN, i, s->gen));
	s->tcp_op_pending = true;
}

static void tcp_next_waiting(struct vtg_worker *w)
{
	while (w->n_tcp_free > 0 && w->tcp_wait.head != NIL) {
		uint32_t i = w->tcp_wait.head;
		list_unlink(w, i);
		tcp_start(w, i);
	}
}

static void to_tcp(struct vtg_worker *w, uint32_t i)
{
	struct slot *s = &w->slots[i];
	w->persp[s->persp].st.tcp_fallbacks++;
	h_del(w, hkey(s->sock, s->id));
	list_unlink(w, i);
	if (w->n_tcp_free == 0) {
		s->state = S_TCP_WAIT;
		list_push(w, &w->tcp_wait, 0xfe, i);
		return;
	}
	tcp_start(w, i);
}

/* Check a parsed response against the slot's question (RFC 5452 9.1). */
static bool question_matches(const struct slot *s, const struct vtg_msg *m)
{
	if (!((m->flags & VTG_FLAG_QR) && VTG_OPCODE(m->flags) == 0 && m->qdcount == 1 &&
	      m->qtype == s->qtype && m->qclass == VTG_CLASS_IN))
		return false;
	if (s->case_random) /* 0x20: exactly the case we sent */
		return memcmp(m->qname, s->qname, vtg__name_len(s->qname)) == 0;
	return vtg__name_equal(m->qname, s->qname);
}

static void tcp_cqe(struct vtg_worker *w, enum op op, uint32_t i, int res)
{
	struct slot *s = &w->slots[i];
	s->tcp_op_pending = false;
	if (s->state == S_ZOMBIE) {
		close(s->tcp_fd);
		s->tcp_fd = -1;
		w->tcp_free[w->n_tcp_free++] = s->tcp_buf;
		s->tcp_buf = -1;
		slot_release(w, i);
		tcp_next_waiting(w);
		return;
	}
	if (s->state != S_TCP)
		return;
	if (res < 0 || (op == OP_TCP_RECV && res == 0)) {
		tcp_fail(w, i, VTG_FAIL_TRUNCATED);
		tcp_next_waiting(w);
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
				if (prc < 0 || w->msg.id != s->id || !question_matches(s, &w->msg)) {
					if (prc >= 0)
						w->persp[s->persp].st.dropped_mismatch++;
					tcp_fail(w, i, prc < 0 ? VTG_FAIL_MALFORMED
							       : VTG_FAIL_TRUNCATED);
				} else {
					w->persp[s->persp].st.received++;
					/* still truncated over TCP: a partial RRset
					 * (one that leaves out a restrictive CAA
					 * property) is never used (SPEC.md 8); a
					 * failure of this server */
					if (w->msg.flags & VTG_FLAG_TC)
						tcp_fail(w, i, VTG_FAIL_TRUNCATED_TCP);
					else
						complete(w, i, VTG_FAIL_NONE, &w->msg, true, 0);
				}
				tcp_next_waiting(w);
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
	tcp_fail(w, i, VTG_FAIL_TRUNCATED);
	tcp_next_waiting(w);
}

/* ----------------------------------------------------------------- UDP */

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
		to_tcp(w, i);
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
	if (!question_matches(s, &w->msg)) {
		p->st.dropped_mismatch++;
		return;
	}
	p->st.received++;
	unsigned rcode = vtg__msg_rcode(&w->msg);
	if ((rcode == VTG_RCODE_FORMERR || rcode == VTG_RCODE_NOTIMP) && query_has_opt(s) &&
	    s->tries < MAX_TRIES) {
		/* a server that does not know EDNS: once more without OPT
		 * (RFC 6891 7, SPEC.md 8) */
		strip_opt(s);
		p->st.edns_fallbacks++;
		h_del(w, hkey(s->sock, s->id));
		list_unlink(w, i);
		if (s->max_tries <= s->tries)
			s->max_tries = (uint8_t)(s->tries + 1);
		send_udp(w, i);
		return;
	}
	if (w->msg.flags & VTG_FLAG_TC) {
		to_tcp(w, i); /* a truncated answer is never used (SPEC.md 8) */
		return;
	}
	complete(w, i, VTG_FAIL_NONE, &w->msg, false, 0);
}

/* ------------------------------------------------------------ timeouts */

static void expire(struct vtg_worker *w)
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
				tcp_fail(w, i, VTG_FAIL_TRUNCATED);
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
				send_udp(w, i);
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
			complete(w, i, f, NULL, false, le);
		}
	}
	tcp_next_waiting(w);
}

static uint64_t next_deadline(const struct vtg_worker *w)
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

/* ---------------------------------------------------------------- loop */

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
			/* multishot ended (-ENOBUFS when the ring ran dry): re-arm */
			arm_recv(w, idx);
		}
		return;
	}
	if (op == OP_WAKE) {
		w->woken = true;
		if (cqe->res < 0 && cqe->res != -EINTR && cqe->res != -EAGAIN)
			return; /* the fd is gone: stop listening */
		arm_wake(w);
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
		if (cqe->res < 0) {
			s->send_err = cqe->res;
			w->persp[s->persp].st.send_errors++;
		}
		return;
	}
	tcp_cqe(w, op, idx, cqe->res);
}

int vtg__worker_run(struct vtg_worker *w, int wait_ms)
{
	w->now = mono_ns();
	const uint64_t start = w->now;
	w->completions = 0;
	w->woken = false;
	expire(w);
	dispatch(w);
	if (w->n_active == 0 && w->wake_fd < 0) {
		io_uring_submit(&w->ring);
		return 0;
	}
	for (;;) {
		if (w->completions > 0 || w->woken) {
			/* flush what the callbacks prepared (sends) before returning */
			dispatch(w);
			if (io_uring_sq_ready(&w->ring)) {
				io_uring_submit(&w->ring);
				w->enters++;
			}
			return 0;
		}
		uint64_t d = next_deadline(w);
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
		w->now = mono_ns();
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&w->ring, head, cqe) {
			handle_cqe(w, cqe);
			seen++;
		}
		io_uring_cq_advance(&w->ring, seen);
		expire(w);
		dispatch(w);
		if (w->n_active == 0 && w->completions == 0 && w->wake_fd < 0)
			return 0;
		if (wait_ms >= 0 && w->completions == 0 && !w->woken &&
		    w->now - start >= (uint64_t)wait_ms * 1000000ull)
			return 0;
	}
}
