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

#define VTG_CHAIN_MAX 16 /* CNAME/DNAME links followed per lookup (docs/rules.md section 8) */

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
	/* an ICMP error (RFC 792 / RFC 4443 destination unreachable) quoting
	 * the query: the server cannot be reached, no need to wait out the
	 * timeouts. One code per kind so the evidence can name it and every
	 * layer that carries a fail code carries the kind too. */
	VTG_FAIL_UNREACHABLE,      /* port unreachable: nothing listens there */
	VTG_FAIL_UNREACHABLE_HOST, /* host unreachable (or no neighbour answers) */
	VTG_FAIL_UNREACHABLE_NET,  /* network unreachable (no route) */
};

/* "timeout", "servfail", "cname-loop", "cname-chain-limit",
 * "unreachable: port unreachable", ... */
const char *vtg__lookup_fail_str(enum vtg_lookup_fail f);

/* Is f one of the VTG_FAIL_UNREACHABLE kinds? */
static inline bool vtg__lookup_fail_unreachable(enum vtg_lookup_fail f)
{
	return f == VTG_FAIL_UNREACHABLE || f == VTG_FAIL_UNREACHABLE_HOST ||
	       f == VTG_FAIL_UNREACHABLE_NET;
}

/* The `dnssec` of a lookup that ended with fail: a failed lookup validated
 * nothing, so it is never Secure (nor Insecure) whatever its zone is; only
 * a Bogus verdict the validator reached stays. */
static inline enum vtg_dnssec vtg__lookup_fail_dnssec(enum vtg_lookup_fail f,
						       enum vtg_dnssec s)
{
	return f != VTG_FAIL_NONE && s != VTG_DNSSEC_BOGUS ? VTG_DNSSEC_INDETERMINATE : s;
}

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
	/* of this answer: what was validated. A failure is INDETERMINATE (or
	 * BOGUS), never SECURE: vtg__lookup_fail_dnssec */
	enum vtg_dnssec dnssec;
	/* the proven status of the zone cut the question went to (secure,
	 * insecure, bogus), valid only when zone_known: a failure in a signed
	 * zone is dnssec INDETERMINATE, zone_dnssec SECURE. A backend that
	 * cannot tell leaves zone_known false (memset): read it through
	 * vtg__lookup_zone_dnssec, which says INDETERMINATE then */
	enum vtg_dnssec zone_dnssec;
	bool zone_known;
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

static inline enum vtg_dnssec vtg__lookup_zone_dnssec(const struct vtg_lookup_answer *a)
{
	return a->zone_known ? a->zone_dnssec : VTG_DNSSEC_INDETERMINATE;
}

/* A server's address, compactly, for evidence kept past the answer
 * (fam 0: none). */
struct vtg_srv_addr {
	uint8_t fam;               /* 0, 4 or 6 */
	uint8_t addr[16];
	uint16_t port;             /* host order */
};

/* ss (NULL: none) -> a; a -> "198.18.0.1:53" / "[2001:db8::1]:53", the
 * text vtg__format_addr gives; the length, or -1 when a is none. */
void vtg__srv_addr_set(struct vtg_srv_addr *a, const struct sockaddr_storage *ss);
int vtg__srv_addr_text(const struct vtg_srv_addr *a, char *buf, size_t cap);

/* Synchronous lookup, as the offline evaluator and replay tests provide it.
 * Returns 0 with *ans filled (whose pointers stay valid until the next call
 * on the same ctx), or a negative error for a local fault. */
typedef int (*vtg_lookup_fn)(void *ctx, const uint8_t *qname, uint16_t qtype,
			     struct vtg_lookup_answer *ans);

#endif
