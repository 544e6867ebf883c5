/*
 * lookup.h — the lookup interface between resolution and the CAA / DCV core.
 *
 * A lookup backend (the offline zone database, the stub resolver over the
 * engine, later the iterative resolver) answers "what is at (qname, qtype)
 * after following aliases" with one vtg_lookup_answer. The core never sees a
 * socket: it consumes these answers (caa/climb.h), so replay tests and the
 * offline evaluator drive exactly the code the engine drives.
 *
 * A DNS outcome is data: a failure is described by `fail`, never by a
 * negative return code.
 */
#ifndef VTG_RESOLVER_LOOKUP_H
#define VTG_RESOLVER_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vantage.h"

struct sockaddr_storage; /* <sys/socket.h>: the core needs no socket header */

#define VTG_CHAIN_MAX 16 /* CNAME/DNAME links followed per lookup (SPEC.md 12) */

/* One record's RDATA as on the wire (names in it uncompressed). */
struct vtg_rdata {
	const uint8_t *rdata;
	uint16_t len;
	uint32_t ttl;
};

/* Why a lookup failed (BR 3.2.2.8 lists what counts as a failure). */
enum vtg_lookup_fail {
	VTG_FAIL_NONE = 0,
	VTG_FAIL_TIMEOUT,
	VTG_FAIL_SERVFAIL,
	VTG_FAIL_REFUSED,
	VTG_FAIL_NOTIMP,
	VTG_FAIL_FORMERR,
	VTG_FAIL_RCODE,        /* any other error rcode */
	VTG_FAIL_MALFORMED,    /* response or record could not be parsed */
	VTG_FAIL_TRUNCATED,    /* TC=1 and TCP could not repair it */
	VTG_FAIL_CNAME_LOOP,
	VTG_FAIL_CHAIN_LIMIT,  /* more than VTG_CHAIN_MAX aliases */
	VTG_FAIL_REFERRAL_LIMIT,
	VTG_FAIL_WORK_LIMIT,
	VTG_FAIL_TLD_NXDOMAIN, /* compat switch: NXDOMAIN at a TLD */
	VTG_FAIL_LOCAL,        /* inside our own infrastructure (socket, quota) */
	VTG_FAIL_TRUNCATED_TCP,/* the TCP answer still had TC=1: never used (SPEC 8) */
	VTG_FAIL_DEADLINE,     /* the lookup's overall deadline passed (iterative) */
	VTG_FAIL_NO_NAMESERVER,/* no NS name of the delegation has a usable address */
	VTG_FAIL_NS_CYCLE,     /* the NS names need themselves (glue-less, in zone) */
};

/* "timeout", "servfail", "cname-loop", "cname-chain-limit", ... */
const char *vtg__lookup_fail_str(enum vtg_lookup_fail f);

/* The validator's proof that a name is Insecure (RFC 4035 section 4.3): the
 * zone cut whose signed NSEC / NSEC3 shows no DS. Text names. */
struct vtg_insecure_proof {
	char zone_cut[256];
	char denial_owner[256];
	uint16_t denial_type; /* NSEC or NSEC3 */
};

#define VTG_RCODE_NONE 0xffff /* no response was received */

struct vtg_lookup_answer {
	enum vtg_lookup_fail fail; /* NONE: rcode is NOERROR or NXDOMAIN */
	unsigned rcode;            /* last rcode seen, or VTG_RCODE_NONE */
	enum vtg_dnssec dnssec;
	const char *why_bogus;     /* when dnssec == BOGUS */
	bool dnssec_weak;          /* validated with SHA-1 or RSA < 2048 bits */
	unsigned tries;            /* transmissions made; >= 2 means retried */
	bool ca_infra;             /* failure inside the CA's own infrastructure */
	const struct vtg_insecure_proof *proof; /* or NULL */
	const struct vtg_rdata *rrs; /* RRset of qtype at the end of the chain */
	size_t n_rrs;
	unsigned chain_len;        /* aliases followed */
	const uint8_t *target;     /* wire name at the end of the chain, or NULL */
	double latency_ms;
	/* the server whose response gave this answer (for a failure: the one
	 * whose error rcode is `rcode`), or NULL when no server's response
	 * did (timeout, limit, an offline backend); valid as long as the rest */
	const struct sockaddr_storage *server;
};

/* Synchronous lookup, as the offline evaluator and replay tests provide it.
 * Returns 0 with *ans filled (whose pointers stay valid until the next call
 * on the same ctx), or a negative error for a local fault. */
typedef int (*vtg_lookup_fn)(void *ctx, const uint8_t *qname, uint16_t qtype,
			     struct vtg_lookup_answer *ans);

#endif
