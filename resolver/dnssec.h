/*
 * dnssec.h — DNSSEC validation primitives for the iterative resolver
 * (RFC 4033-4035, RFC 5155 NSEC3, RFC 6840 clarifications).
 *
 * The cryptography and the canonical forms are ldns's (which uses OpenSSL):
 * nothing here computes or checks a signature by hand. What is here is the
 * policy around it: which RRSIGs may vouch for an RRset (signer = the zone,
 * covered type, labels), which DNSKEYs a DS set admits, which algorithms
 * count (1 = RSA/MD5 never; 5, 7 and RSA keys under 2048 bits validate but
 * are reported as weak), and the NSEC / NSEC3 proofs of non-existence,
 * no-data, wildcard expansion and of an unsigned delegation.
 *
 * Everything works on one response message, parsed once by ldns
 * (vtg__dv_msg_open) and only for zones that are signed: unsigned zones
 * never reach this code. No socket is touched, so the fuzzer drives the
 * same paths as the engine.
 */
#ifndef VTG_RESOLVER_DNSSEC_H
#define VTG_RESOLVER_DNSSEC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "resolver/lookup.h"
#include "resolver/wire.h"

struct vtg_dv_msg;  /* one response, as ldns sees it */
struct vtg_dv_keys; /* a validated DNSKEY set (or a trust anchor) */

/* Result of a check: status, and for bogus a static reason string. */
struct vtg_dv_res {
	enum vtg_dnssec status;
	const char *why;       /* "bad-signature", "expired", "no-signature", ... */
	bool weak;             /* validated with SHA-1 or an RSA key < 2048 bits */
	bool wildcard;         /* the RRSIG says the RRset was expanded */
	uint32_t ttl;          /* min of the RRs' TTLs and the RRSIG's original TTL */
	uint8_t closest[VTG_DNS_MAX_NAME]; /* wildcard: the source's parent */
};

/* Parse m with ldns. NULL when ldns cannot read it (then the message is
 * treated as malformed for a signed zone). */
struct vtg_dv_msg *vtg__dv_msg_open(const struct vtg_msg *m);
void vtg__dv_msg_close(struct vtg_dv_msg *dm);

/*
 * A trust anchor file: DS and / or DNSKEY records in presentation form
 * (the format of /usr/share/dns/root.key and root.ds, and of the world's
 * root-anchor.ds). Returns NULL with err filled when the file holds no
 * usable anchor.
 */
struct vtg_dv_keys *vtg__dv_anchor_load(const char *path, uint8_t *owner_out,
					char *err, size_t errcap);
void vtg__dv_keys_free(struct vtg_dv_keys *k);
/* The DS or DNSKEY records of a message section as a key set (a trust
 * anchor given in-band: for tests and the fuzzer). NULL when none. */
struct vtg_dv_keys *vtg__dv_keys_from_msg(struct vtg_dv_msg *dm, enum vtg_section sec,
					  uint16_t type);
unsigned vtg__dv_keys_count(const struct vtg_dv_keys *k);
/* DS records of a secure referral, for the child's DNSKEY check. */
bool vtg__dv_keys_only_unsupported(const struct vtg_dv_keys *ds);

/*
 * Validate the RRset (owner, type) of section sec with the zone's keys;
 * RRSIGs must be made by `zone`. now is the validation time (seconds).
 */
void vtg__dv_rrset(struct vtg_dv_msg *dm, enum vtg_section sec, const uint8_t *owner,
		   uint16_t type, const uint8_t *zone, const struct vtg_dv_keys *keys,
		   time_t now, struct vtg_dv_res *res);

/*
 * The zone's DNSKEY RRset from the answer of a DNSKEY query: some key must
 * match a DS (or be an anchor DNSKEY) and sign the set. On success *out is
 * the validated key set (caller frees).
 */
void vtg__dv_dnskey(struct vtg_dv_msg *dm, const uint8_t *zone,
		    const struct vtg_dv_keys *ds_or_anchor, time_t now,
		    struct vtg_dv_keys **out, struct vtg_dv_res *res);

/*
 * The DS RRset of a referral (authority section), validated with the
 * parent's keys; on success *ds_out holds it.
 */
void vtg__dv_referral_ds(struct vtg_dv_msg *dm, const uint8_t *child, const uint8_t *parent,
			 const struct vtg_dv_keys *parent_keys, time_t now,
			 struct vtg_dv_keys **ds_out, struct vtg_dv_res *res);

enum vtg_dv_denial {
	VTG_DENY_NXDOMAIN,  /* qname does not exist */
	VTG_DENY_NODATA,    /* qname exists, no RRset of qtype */
	VTG_DENY_NO_DS,     /* qname is an unsigned delegation (qtype DS) */
	VTG_DENY_WILDCARD,  /* an expanded answer: no closer match exists */
};

/*
 * Prove a denial from the NSEC / NSEC3 records of the authority section,
 * each of whose RRsets must validate with the zone's keys. proof (may be
 * NULL) receives the owner of the record that proves it. For
 * VTG_DENY_WILDCARD, qtype carries the RRSIG's labels field instead (the
 * label count of the wildcard's closest encloser), so the next closer name
 * is known.
 */
void vtg__dv_denial(struct vtg_dv_msg *dm, enum vtg_dv_denial kind, const uint8_t *qname,
		    uint16_t qtype, const uint8_t *zone, const struct vtg_dv_keys *keys,
		    time_t now, struct vtg_insecure_proof *proof, struct vtg_dv_res *res);

#endif
