/*
 * iter.h — iterative resolution with DNSSEC validation, per perspective.
 *
 * A vtg_iter resolves (qname, qtype) lookups from root hints for any number
 * of perspectives, each with its own cache (never shared: BR 3.2.2.9 forbids
 * reusing one perspective's DNS results for another) and its own server RTT
 * table. It never touches a socket: it asks its transport to send a query
 * to a server address (the engine does that over the perspective's sockets)
 * and is fed the matched response or the failure. Completed lookups are
 * handed back through a callback as a vtg_lookup_answer, exactly what the
 * stub backend and the offline zone database produce, so the CAA climb and
 * the DCV checks run unchanged on top.
 *
 * What a lookup does: the answer from the cache if it is there (positive,
 * NXDOMAIN, NODATA per RFC 2308); else the deepest cached zone cut (root
 * hints at worst), its DNSKEY set if the zone is signed, then the question
 * to that zone's servers, lowest smoothed RTT first, each given
 * `server_tries` transmissions; referrals are followed (glue accepted only
 * in bailiwick; glue-less NS names resolved by a nested lookup), CNAME and
 * DNAME chased, and each RRset validated on arrival (dnssec.h) before it is
 * cached. Limits: VTG_CHAIN_MAX aliases, `max_referrals` referrals,
 * `max_depth` nested NS lookups, `max_work` queries per lookup; hitting one
 * fails the lookup with the limit named (VTG_FAIL_*_LIMIT / CNAME_LOOP).
 * Concurrent identical questions to the same zone are coalesced: one query
 * goes out and every waiter processes its answer.
 *
 * Memory: tasks come from a fixed pool; cache entries are allocated on
 * insertion (one per RRset, through jemalloc) and the cache is bounded by
 * `cache_bytes` per perspective with least-recently-used eviction.
 */
#ifndef VTG_RESOLVER_ITER_H
#define VTG_RESOLVER_ITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "resolver/limits.h"
#include "resolver/lookup.h"
#include "resolver/wire.h"

#define VTG_ROOT_HINTS_DEFAULT "/usr/share/dns/root.hints"
#define VTG_TRUST_ANCHOR_DEFAULT "/usr/share/dns/root.key"

/* Root hints: the root servers' addresses (port 53). */
#define VTG_ITER_HINTS_MAX 32
struct vtg_iter_hints {
	struct sockaddr_storage addr[VTG_ITER_HINTS_MAX];
	unsigned n;
};

/* Read a root hints file (A / AAAA records, zone-file syntax). 0, or
 * -errno / -EINVAL (no address) with err filled. */
int vtg__iter_hints_load(const char *path, struct vtg_iter_hints *out, char *err,
			 size_t errcap);

struct vtg_dv_keys;

/* The resolver's clock: wall time in milliseconds since the Unix epoch
 * (validity windows of signatures are wall time). Replay tests pass a
 * virtual clock. */
typedef uint64_t (*vtg_iter_clock_fn)(void *cctx);

struct vtg_iter_cfg {
	const struct vtg_iter_hints *hints; /* copied; at least one address */
	/* the root trust anchor (DS or DNSKEY set of "."): owned by the
	 * resolver from vtg__iter_new on, also when it fails; NULL: no
	 * validation (every answer is indeterminate) */
	struct vtg_dv_keys *anchor;
	vtg_iter_clock_fn clock;   /* required */
	void *clock_ctx;
	size_t cache_bytes;        /* per perspective; 0: 64 MiB */
	unsigned max_tasks;        /* lookups at once, nested ones included */
	unsigned server_tries;     /* transmissions per server; 0: VTG_ITER_SERVER_TRIES */
	unsigned max_referrals;    /* 0: VTG_ITER_REFERRALS_MAX */
	unsigned max_depth;        /* nested NS address lookups; 0: VTG_ITER_DEPTH_MAX */
	unsigned max_work;         /* queries per lookup; 0: VTG_ITER_WORK_MAX */
	unsigned deadline_ms;      /* per lookup; 0: VTG_ITER_DEADLINE_MS_DEFAULT */
	bool case_random;          /* 0x20 on every query */
};

/* A query the resolver wants on the wire. */
struct vtg_iter_query {
	unsigned persp;
	const struct sockaddr_storage *dst;
	const uint8_t *qname;
	uint16_t qtype;
	uint8_t tries;
	bool case_random;
	uint64_t token;            /* hand back with vtg__iter_response (bit 63 clear) */
};

/* 0: sent (exactly one vtg__iter_response will follow); -EAGAIN: no room
 * now, ask again later; other negative: this destination cannot be used. */
typedef int (*vtg_iter_send_fn)(void *tctx, const struct vtg_iter_query *q);
/* A lookup is complete. ans and what it points to are valid during the call. */
typedef void (*vtg_iter_done_fn)(void *ud, const struct vtg_lookup_answer *ans);

struct vtg_iter;

/* 0 with *out set, or -EINVAL (no clock, no usable root hint) / -ENOMEM,
 * with err filled. cfg->anchor is the resolver's from here on, also on
 * failure. */
int vtg__iter_new(struct vtg_iter **out, const struct vtg_iter_cfg *cfg, unsigned n_persp,
		  vtg_iter_send_fn send, void *tctx, vtg_iter_done_fn done, char *err,
		  size_t errcap);
void vtg__iter_free(struct vtg_iter *it);

/* Start a lookup. 0, or -EAGAIN when every task is busy, -EINVAL for a
 * perspective out of range (no callback for either). The
 * callback never runs from inside this call: from vtg__iter_poll or
 * vtg__iter_response. */
int vtg__iter_lookup(struct vtg_iter *it, unsigned persp, const uint8_t *qname,
		     uint16_t qtype, void *ud);

/* The transport's answer to a query (msg NULL when fail != NONE). */
void vtg__iter_response(struct vtg_iter *it, uint64_t token, enum vtg_lookup_fail fail,
			const struct vtg_msg *msg, unsigned tries, double latency_ms);

/* Run what is runnable: queued sends, steps, completions. */
void vtg__iter_poll(struct vtg_iter *it);

unsigned vtg__iter_active(const struct vtg_iter *it);   /* lookups not yet done */
unsigned vtg__iter_free_tasks(const struct vtg_iter *it);
bool vtg__iter_has_work(const struct vtg_iter *it);    /* poll would do something */

struct vtg_iter_stats {
	uint64_t lookups, queries, cache_hits, coalesced, referrals, nested;
	uint64_t validated, bogus, evictions, cache_entries, cache_bytes;
	uint64_t ns_skipped;     /* NS names not looked up (cycle, limit, known failure) */
	uint64_t held_down;      /* servers skipped as unresponsive */
	uint64_t limit_hits;     /* lookups failed by a limit (work, nested, deadline) */
};
void vtg__iter_stats(const struct vtg_iter *it, unsigned persp, struct vtg_iter_stats *st);

#endif
