/*
 * climb.h — the relevant-RRset search of RFC 8659 section 3 as a step machine
 * (Knot Resolver's produce / consume shape): the climb says which name to
 * look up next, the driver (offline zone database, stub resolver over the
 * engine, a replay test) answers it, the climb consumes the answer. It never
 * does I/O, so a driver can run thousands of climbs side by side and batch
 * their queries.
 *
 * Rules (docs/rules.md sections 4, 5, 9): start at the name (the base of "*.X"),
 * go one label up after each empty answer, stop at the first non-empty CAA
 * RRset, never query the root. Aliases are the lookup's business (the answer
 * is the RRset at the end of the chain); the climb continues from the
 * original name's parent. A Bogus answer denies; a failure denies unless the
 * BR 3.2.2.8 exception is on and all three of its conditions hold, in which
 * case the failure counts as an empty answer at that name.
 *
 * Lifetime: the climb keeps a pointer to the last answer fed (the one on
 * which it completed: it holds the relevant RRset). vtg__caa_climb_rrs()
 * reads through it, so call it while that answer is still valid (the engine
 * driver renders the records in the completing callback); everything else
 * in the result (reason, owner, TTL, steps) is held by the climb itself.
 */
#ifndef VTG_CAA_CLIMB_H
#define VTG_CAA_CLIMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caa/caa.h"
#include "resolver/lookup.h"
#include "resolver/wire.h"

#define VTG_CLIMB_MAX_STEPS 128 /* a 255-octet name has at most 127 labels */
/* distinct servers a climb remembers for its evidence: a climb asks one
 * zone per label at most, and few names have more than a handful; a step
 * whose server does not fit says none (VTG_CLIMB_NO_SERVER) */
#define VTG_CLIMB_MAX_SERVERS 16
#define VTG_CLIMB_NO_SERVER 0xff

struct vtg_caa_policy {
	struct vtg_caa_identity id;
	bool failure_exception; /* BR 3.2.2.8 lookup-failure exception; off by default */
};

/* One lookup the climb made: the evidence BR 5.4.1 asks to keep. */
struct vtg_caa_step {
	uint8_t name_off;        /* queried name = climb->name + name_off */
	uint8_t dnssec;          /* enum vtg_dnssec: never SECURE for a failure */
	uint8_t zone_dnssec;     /* enum vtg_dnssec: the zone cut's proven status */
	uint8_t server;          /* index into climb->servers, or VTG_CLIMB_NO_SERVER */
	uint8_t fail;            /* enum vtg_lookup_fail */
	uint8_t tries;
	uint16_t rcode;
	uint16_t n_rrs;
	uint8_t chain_len;
	bool failure_permitted;  /* counted as empty under the exception */
	float latency_ms;
};

struct vtg_caa_climb {
	const struct vtg_caa_policy *pol;
	uint8_t name[VTG_DNS_MAX_NAME];
	bool wildcard;
	size_t cur;               /* offset of the next name to query */
	bool done;
	enum vtg_caa_reason reason;
	char detail[640]; /* two names of 253 characters and some words */
	int relevant_off;         /* offset of the relevant owner, -1: none */
	uint32_t min_ttl;         /* smallest TTL of the relevant set */
	const struct vtg_lookup_answer *last; /* the answer the climb ended on */
	enum vtg_dnssec dnssec;   /* the weakest status seen on the path (a
				   * failed lookup is indeterminate, never secure) */
	enum vtg_dnssec zone_dnssec; /* the weakest proven zone status on the path */
	char why_bogus[64];       /* the validator's reason, when bogus */
	bool dnssec_weak;         /* a weak algorithm or key on the path */
	bool failure_permitted;
	int permitted_off;        /* where the first accepted failure was */
	struct vtg_insecure_proof proof;
	unsigned n_steps;
	struct vtg_caa_step steps[VTG_CLIMB_MAX_STEPS];
	unsigned n_servers;
	struct vtg_srv_addr servers[VTG_CLIMB_MAX_SERVERS];
};

/* name: wire form of X (for "*.X" pass X and wildcard = true). */
void vtg__caa_climb_init(struct vtg_caa_climb *c, const struct vtg_caa_policy *pol,
			 const uint8_t *name, bool wildcard);

/* The next name to look up (CAA, class IN), or NULL when the climb is done. */
const uint8_t *vtg__caa_climb_next(const struct vtg_caa_climb *c);

/* Consume the answer for the name vtg__caa_climb_next() returned. */
void vtg__caa_climb_feed(struct vtg_caa_climb *c, const struct vtg_lookup_answer *ans);

/*
 * Drive a climb to completion with a synchronous lookup. *ans receives each
 * answer in turn and holds the last one afterwards. Returns 0, or the lookup
 * function's negative error (the climb then ends as a lookup failure inside
 * our own infrastructure).
 */
int vtg__caa_climb_run(struct vtg_caa_climb *c, vtg_lookup_fn fn, void *ctx,
		       struct vtg_lookup_answer *ans);

/* Relevant RRset after a completed climb (NULL / 0 when none); valid only
 * while the last answer fed is. */
const struct vtg_rdata *vtg__caa_climb_rrs(const struct vtg_caa_climb *c, size_t *n);

/* The server that answered step i, or NULL when none did (a timeout, an
 * offline backend). */
const struct vtg_srv_addr *vtg__caa_climb_server(const struct vtg_caa_climb *c, unsigned i);

/* Minimum TTL of the relevant set, or 0 when there is none. */
uint32_t vtg__caa_climb_min_ttl(const struct vtg_caa_climb *c);

#endif
