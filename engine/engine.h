/*
 * engine.h — the io_uring query engine: one ring per worker, perspectives as
 * pools of UDP sockets (bound to a source address, an interface, or opened
 * inside a network namespace), strict response matching, timeouts with
 * retries and backoff, TCP fallback on truncation, per-upstream in-flight and
 * rate limits.
 *
 * One vtg_worker is driven by one thread and is never touched by another:
 * no locks. The caller submits (perspective, upstream, qname, qtype) queries
 * into fixed slots and runs the loop; each accepted query completes exactly
 * once through the callback with either a matched, parsed response or a
 * failure (timeout after the last retry, an ICMP destination unreachable
 * quoting the query, TCP failure, local error). Nothing
 * on the per-query path allocates: slots, query buffers, the provided
 * receive-buffer ring and the TCP buffers are sized when the worker is made.
 */
#ifndef VTG_ENGINE_ENGINE_H
#define VTG_ENGINE_ENGINE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "resolver/lookup.h"
#include "resolver/wire.h"

#define VTG_MAX_PERSPECTIVES 32
#define VTG_MAX_UPSTREAMS 8      /* per perspective, stub mode */
#define VTG_PERSP_ID_MAX 32
#define VTG_REMOTE_URL_MAX 256   /* a remote perspective's agent: https://HOST:PORT */
#define VTG_PATH_MAX 256         /* a certificate, key or key file path */

struct vtg_persp_cfg {
	char id[VTG_PERSP_ID_MAX];
	char rir[16];            /* ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC */
	char location[64];       /* free text, optional */
	double lat, lon;         /* valid when has_location */
	bool has_location;
	char source[64];         /* source address to bind, "" = any */
	char iface[16];          /* SO_BINDTODEVICE, "" = none */
	char netns[256];         /* /run/netns/NAME, "" = current namespace */
	struct sockaddr_storage upstream[VTG_MAX_UPSTREAMS];
	unsigned n_upstreams;
	bool iterative;          /* resolve from root hints, no upstreams */
	unsigned sockets;        /* UDP socket pool size; 0 = default */
	/* mode = remote: an agent elsewhere (`vantage agent`, open-mpic's
	 * perspective API) checks for this perspective; the worker only makes
	 * HTTPS requests to it (engine/web.h), from the namespace / interface /
	 * source above. No UDP sockets, no upstreams. */
	bool remote;
	char url[VTG_REMOTE_URL_MAX];          /* https://HOST[:PORT], no path */
	char ca[VTG_PATH_MAX];                 /* CA file that verifies the agent
						* ("" = the system's) */
	char client_cert[VTG_PATH_MAX];        /* mutual TLS, PEM */
	char client_key[VTG_PATH_MAX];
	char api_key_file[VTG_PATH_MAX];       /* or an API key (x-api-key) */
};

struct vtg_engine_cfg {
	unsigned timeout_ms;       /* first try; later tries back off x2 */
	unsigned retries;          /* tries after the first */
	unsigned slots;            /* queries a worker holds at once */
	unsigned upstream_inflight;/* per upstream; 0 = slots */
	unsigned rate_qps;         /* per upstream; 0 = unlimited */
	uint16_t udp_size;         /* EDNS0 payload size advertised */
	bool edns;
	bool do_bit;
	bool rd;                   /* stub mode: recursion desired */
	unsigned ring_entries;
	unsigned workers;          /* worker threads of a bulk run; 0 = one per core */
};

void vtg__engine_cfg_default(struct vtg_engine_cfg *cfg);

/* Per-perspective counters (issue: sent, received, retried, timed out,
 * dropped-mismatch, TCP fallbacks). */
struct vtg_persp_stats {
	uint64_t sent, received, retried, timed_out, dropped_mismatch;
	uint64_t tcp_fallbacks, tcp_failed, send_errors, completed;
	uint64_t edns_fallbacks;   /* FORMERR / NOTIMP to EDNS: asked again without OPT */
	uint64_t unreachable;      /* ICMP unreachable errors matched to a query */
	uint64_t failed;           /* queries completed with a failure (any fail code) */
};

/* What a completed query reports. msg and server point into engine memory
 * that is reused after the callback returns: copy what must outlive it. */
struct vtg_qresult {
	enum vtg_lookup_fail fail; /* NONE when msg is a matched response */
	const struct vtg_msg *msg;
	/* the address the matched response came from (the upstream resolver in
	 * stub mode, the server dst of a direct query); NULL when msg is NULL */
	const struct sockaddr_storage *server;
	unsigned tries;
	bool tcp;
	double latency_ms;        /* from the first send to completion */
	int local_err;            /* with VTG_FAIL_LOCAL: the -errno */
};

struct vtg_worker;

/* Called once per accepted query, on the worker's thread, from inside
 * vtg__worker_run(); may submit new queries. */
typedef void (*vtg_query_cb_fn)(void *ud, const struct vtg_qresult *res);

/* Make a worker with its own ring and its own sockets for every perspective
 * (opened inside the perspective's network namespace when one is given).
 * 0, or -EINVAL (no or too many perspectives, one without an upstream, a
 * bad source address), -ENOMEM, or the -errno of the kernel call that
 * failed (namespace, socket, bind, io_uring set-up); err receives a
 * readable reason on failure. */
int vtg__worker_new(struct vtg_worker **out, const struct vtg_engine_cfg *cfg,
		    const struct vtg_persp_cfg *persp, unsigned n_persp,
		    vtg_query_cb_fn cb, char *err, size_t errcap);
void vtg__worker_free(struct vtg_worker *w);

/*
 * Let another thread wake the worker: the ring keeps a read armed on the
 * eventfd efd (owned by the caller), and vtg__worker_run() returns as soon
 * as it completes, even with nothing in flight (then it waits for the wake
 * or wait_ms instead of returning at once). Another thread wakes the worker
 * by writing to efd; a write made before the worker sleeps is not lost. Call
 * on the worker's thread, before its first run. 0, -EINVAL (efd < 0, or a
 * wake fd is set already) or -EBUSY (the submission queue is full).
 */
int vtg__worker_set_wake(struct vtg_worker *w, int efd);

/* Free slots now (a submit succeeds while this is > 0). */
unsigned vtg__worker_free_slots(const struct vtg_worker *w);
/* Queries accepted and not yet completed, web requests (web.h) included. */
unsigned vtg__worker_active(const struct vtg_worker *w);

/*
 * Accept a query: perspective index, upstream index (stub mode) or -1 to let
 * the engine spread queries over the perspective's upstreams, qname wire.
 * Returns 0 (exactly one callback will follow) or, with no callback,
 * -EAGAIN (no free slot), -EINVAL, or another code of vtg__worker_submit_ex.
 */
int vtg__worker_submit(struct vtg_worker *w, unsigned persp, int upstream,
		       const uint8_t *qname, uint16_t qtype, void *ud);

/*
 * Run the loop: send what is due, wait for answers or the next deadline,
 * complete queries. Returns after at least one completion, on a wake (see
 * vtg__worker_set_wake), or when nothing is active and no wake fd is set
 * (0), or with the -errno of io_uring_enter() (other than -ETIME, -EINTR
 * and -EBUSY, which it waits through). wait_ms bounds the wait (-1:
 * until something completes).
 */
int vtg__worker_run(struct vtg_worker *w, int wait_ms);

/*
 * The general form: a query to one of the perspective's upstreams (dst NULL,
 * upstream as above) or straight to the server address dst (iterative mode:
 * an authoritative server), with its own header bits, number of tries
 * (0: the configuration's retries + 1) and optional 0x20 case randomisation
 * of the qname, checked on the answer. A perspective's direct queries share
 * one in-flight limit (upstream_inflight: what its authoritative servers see
 * at once from this worker); the rate limit is for upstream resolvers only.
 */
struct vtg_submit {
	unsigned persp;
	int upstream;
	const struct sockaddr_storage *dst;
	const uint8_t *qname;
	uint16_t qtype;
	uint8_t tries;
	bool rd, do_bit, cd;
	bool case_random;
};
/* 0 (exactly one callback will follow), or, with no callback: -EAGAIN (no
 * free slot), -EINVAL (perspective or upstream out of range),
 * -EAFNOSUPPORT (dst not IPv4 / IPv6, or not the family of the
 * perspective's sockets), or the VTG_EWIRE_* code of vtg__query_encode
 * (a qname that does not fit the query). */
int vtg__worker_submit_ex(struct vtg_worker *w, const struct vtg_submit *q, void *ud);

const struct vtg_persp_stats *vtg__worker_stats(const struct vtg_worker *w,
						unsigned persp);

/* Syscalls into the ring made so far (io_uring_enter), for the benchmarks. */
uint64_t vtg__worker_enters(const struct vtg_worker *w);

/* "198.18.0.1", "198.18.0.1:5353", "[::1]:53" -> sockaddr (port 53 default).
 * 0, or -EINVAL (not an address, a bad port). */
int vtg__parse_addr(const char *s, struct sockaddr_storage *ss);
void vtg__format_addr(const struct sockaddr_storage *ss, char *buf, size_t cap);

#endif
