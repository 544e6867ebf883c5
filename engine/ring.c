/*
 * ring.c — a worker's life: making it (its ring, the provided-buffer ring
 * of receive buffers, the TCP buffers, the slots and the ID table, every
 * perspective's UDP socket pool with a multishot receive armed on each),
 * the wake eventfd, the counters, and freeing it.
 *
 * Everything the data path uses is sized here, once: nothing on the
 * per-query path allocates (see engine.h). The data path itself is in
 * udp.c (the loop, UDP), slots.c (slots, timers, limits) and tcp.c.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/alloc.h"
#include "engine/engine_int.h"

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

void vtg__engine_arm_recv(struct vtg_worker *w, uint32_t si)
{
	struct io_uring_sqe *sqe = sqe_get(w);
	if (!sqe)
		return; /* retried on the next loop through rearm list */
	io_uring_prep_recvmsg_multishot(sqe, w->socks[si].fd, &w->rtmpl, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = RBUF_GROUP;
	io_uring_sqe_set_data64(sqe, ud_pack(OP_RECV, si, 0));
}

/* ------------------------------------------------------------ lifecycle */

void vtg__worker_free(struct vtg_worker *w)
{
	if (!w)
		return;
	vtg__engine_web_free(w); /* first: libcurl's last callbacks use the ring */
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

/* The configuration with its zeros replaced by defaults and its limits
 * applied. */
static void cfg_normalise(struct vtg_worker *w, const struct vtg_engine_cfg *cfg)
{
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
}

/* Slots on the free list and the (socket, ID) table sized for them.
 * 0 or -ENOMEM. */
static int slots_init(struct vtg_worker *w)
{
	w->n_slots = w->cfg.slots;
	w->slots = vtg__calloc(w->n_slots, sizeof(*w->slots));
	if (!w->slots)
		return -ENOMEM;
	/* tcp_fd -1 before anything can fail: vtg__worker_free closes fds >= 0 */
	for (uint32_t i = 0; i < w->n_slots; i++) {
		struct slot *s = &w->slots[i];
		s->next = i + 1 < w->n_slots ? i + 1 : NIL;
		s->prev = NIL;
		s->list_id = LIST_NONE;
		s->tcp_fd = -1;
		s->tcp_buf = -1;
	}
	w->free_head = 0;
	w->n_free = w->n_slots;
	uint32_t hsize = 1;
	while (hsize < 2 * w->n_slots)
		hsize <<= 1;
	w->hmask = hsize - 1;
	w->hkey = vtg__calloc(hsize, sizeof(uint32_t));
	w->hval = vtg__calloc(hsize, sizeof(uint32_t));
	if (!w->hkey || !w->hval)
		return -ENOMEM;
	return 0;
}

/* The ring. 0 or the -errno of io_uring_queue_init_params, err filled. */
static int ring_init(struct vtg_worker *w, char *err, size_t errcap)
{
	struct io_uring_params params;
	memset(&params, 0, sizeof(params));
	params.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
	params.cq_entries = w->cfg.ring_entries * 4;
	params.flags |= IORING_SETUP_CQSIZE;
	int rc = io_uring_queue_init_params(w->cfg.ring_entries, &w->ring, &params);
	if (rc < 0) {
		/* older kernels: plain flags */
		memset(&params, 0, sizeof(params));
		rc = io_uring_queue_init_params(w->cfg.ring_entries, &w->ring, &params);
	}
	if (rc < 0) {
		snprintf(err, errcap, "io_uring_queue_init: %s", strerror(-rc));
		return rc;
	}
	w->ring_ok = true;
	return 0;
}

/* The provided-buffer ring of receive buffers, and the TCP buffers.
 * 0, -ENOMEM, or -errno (mmap, buffer ring registration) with err filled. */
static int bufs_init(struct vtg_worker *w, char *err, size_t errcap)
{
	/* provided buffer ring (liburing 2.3 has no io_uring_setup_buf_ring) */
	w->br_size = RBUF_COUNT * sizeof(struct io_uring_buf);
	w->br = mmap(NULL, w->br_size, PROT_READ | PROT_WRITE,
		     MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (w->br == MAP_FAILED) {
		w->br = NULL;
		int e = -errno;
		snprintf(err, errcap, "mmap buffer ring: %s", strerror(-e));
		return e;
	}
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)w->br;
	reg.ring_entries = RBUF_COUNT;
	reg.bgid = RBUF_GROUP;
	int rc = io_uring_register_buf_ring(&w->ring, &reg, 0);
	if (rc < 0) {
		snprintf(err, errcap, "io_uring_register_buf_ring: %s", strerror(-rc));
		return rc;
	}
	io_uring_buf_ring_init(w->br);
	w->rbufs = vtg__malloc((size_t)RBUF_COUNT * RBUF_SIZE);
	w->tcpbufs = vtg__malloc((size_t)TCP_BUFS * TCP_BUF_SIZE);
	if (!w->rbufs || !w->tcpbufs)
		return -ENOMEM;
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
	return 0;
}

/* Every perspective's UDP socket pool, each with its receive armed.
 * 0, -ENOMEM, or what vtg__engine_open_socket returns (err filled). */
static int socks_open(struct vtg_worker *w, uint32_t total_socks, char *err, size_t errcap)
{
	w->n_socks = total_socks;
	w->socks = vtg__calloc(total_socks, sizeof(*w->socks));
	if (!w->socks)
		return -ENOMEM;
	for (uint32_t i = 0; i < total_socks; i++)
		w->socks[i].fd = -1;
	for (unsigned i = 0; i < w->n_persp; i++) {
		struct persp *p = &w->persp[i];
		for (uint32_t k = 0; k < p->n_socks; k++) {
			uint32_t si = p->first_sock + k;
			int rc = vtg__engine_open_socket(w, p, SOCK_DGRAM, &w->socks[si].fd,
							 err, errcap);
			if (rc < 0)
				return rc;
			w->socks[si].persp = (uint16_t)i;
			vtg__engine_arm_recv(w, si);
		}
	}
	return 0;
}

/*
 * Returns 0 with *out set, or -EINVAL (no perspectives, too many, one
 * without an upstream, bad source address), -ENOMEM, or a -errno of the
 * kernel (namespace, socket, bind, io_uring set-up); err says which.
 */
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
	cfg_normalise(w, cfg);
	w->cb = cb;
	w->rnd_pos = sizeof(w->rnd);
	w->n_persp = n_persp;
	w->persp = vtg__calloc(n_persp, sizeof(*w->persp));
	if (!w->persp) {
		rc = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < n_persp; i++)
		w->persp[i].nsfd = -1; /* a later perspective's failure frees all */
	for (unsigned t = 0; t <= MAX_TRIES; t++)
		w->tl[t].head = w->tl[t].tail = NIL;
	w->tcp_wait.head = w->tcp_wait.tail = NIL;

	uint32_t total_socks = 0;
	rc = vtg__engine_persp_init(w, pc, n_persp, &total_socks, err, errcap);
	if (rc < 0)
		goto fail;
	w->orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (w->orig_ns < 0) {
		rc = -errno;
		snprintf(err, errcap, "open /proc/self/ns/net: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = slots_init(w)) < 0 || (rc = ring_init(w, err, errcap)) < 0 ||
	    (rc = bufs_init(w, err, errcap)) < 0 ||
	    (rc = socks_open(w, total_socks, err, errcap)) < 0)
		goto fail;
	io_uring_submit(&w->ring);
	w->enters++;
	*out = w;
	return 0;
fail:
	vtg__worker_free(w);
	return rc;
}

/* ----------------------------------------------------------------- wake */

int vtg__engine_arm_wake(struct vtg_worker *w)
{
	struct io_uring_sqe *sqe = sqe_get(w);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_read(sqe, w->wake_fd, &w->wake_val, sizeof(w->wake_val), 0);
	io_uring_sqe_set_data64(sqe, ud_pack(OP_WAKE, 0, 0));
	return 0;
}

/* 0, -EINVAL (efd < 0, or a wake fd is set already) or -EBUSY (SQ full). */
int vtg__worker_set_wake(struct vtg_worker *w, int efd)
{
	if (efd < 0 || w->wake_fd >= 0)
		return -EINVAL;
	w->wake_fd = efd;
	int rc = vtg__engine_arm_wake(w);
	if (rc == 0) {
		io_uring_submit(&w->ring);
		w->enters++;
	}
	return rc;
}

/* ------------------------------------------------------------- counters */

unsigned vtg__worker_free_slots(const struct vtg_worker *w)
{
	return w->n_free;
}

unsigned vtg__worker_active(const struct vtg_worker *w)
{
	return w->n_active + vtg__engine_web_active(w);
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
