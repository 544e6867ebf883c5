/*
 * fuzz_dnssec.c — the validator's input paths (resolver/dnssec.c) over any
 * bytes: RRSIG, DNSKEY, DS, NSEC and NSEC3 records as ldns parses them from
 * a response, and every check the iterative resolver makes on them.
 *
 * The input is a DNS message. Its own DNSKEY (answer) and DS (authority)
 * records serve as trust anchors, so inputs built from real signed
 * responses reach the signature checks; then every RRset of the answer and
 * authority sections is validated, the DS of each delegation in the
 * authority section is checked, and every kind of denial is asked for the
 * question. Invariants (abort() on breach):
 *  - a status is one of the four, and a bogus one always says why;
 *  - a secure DNSKEY check hands back a non-empty key set, a failed one none;
 *  - nothing reads outside the input (the sanitizer builds check that).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolver/dnssec.h"
#include "resolver/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct vtg_dv_res *r)
{
	if (r->status > VTG_DNSSEC_INDETERMINATE)
		abort();
	if (r->status == VTG_DNSSEC_BOGUS && !r->why)
		abort();
}

/* A fixed validation time inside the world's signature windows would make
 * replays time-dependent; take "now" and also a time far in the past, so
 * both the in-window and the expired paths run. */
static const time_t TIMES[2] = {1700000000, 0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtg_msg m;
	if (vtg__msg_parse(&m, data, size) != 0 || m.qdcount != 1)
		return 0;
	struct vtg_dv_msg *dm = vtg__dv_msg_open(&m);
	if (!dm)
		return 0;
	struct vtg_dv_keys *anchor = vtg__dv_keys_from_msg(dm, VTG_SEC_ANSWER, VTG_TYPE_DNSKEY);
	struct vtg_dv_keys *ds = vtg__dv_keys_from_msg(dm, VTG_SEC_AUTHORITY, VTG_TYPE_DS);
	time_t when[2] = {time(NULL), TIMES[0]};
	for (int ti = 0; ti < 2; ti++) {
		time_t now = when[ti];
		struct vtg_dv_res r;
		struct vtg_dv_keys *keys = NULL;
		/* the zone's keys: the question name's DNSKEY set, vouched for by
		 * itself (as a root anchor would be) and by the DS records */
		const struct vtg_dv_keys *anchors[2] = {anchor, ds};
		for (int a = 0; a < 2; a++) {
			if (!anchors[a])
				continue;
			struct vtg_dv_keys *k = NULL;
			vtg__dv_dnskey(dm, m.qname, anchors[a], now, &k, &r);
			check(&r);
			if ((r.status == VTG_DNSSEC_SECURE) != (k != NULL))
				abort();
			if (k && vtg__dv_keys_count(k) == 0 && r.status == VTG_DNSSEC_SECURE) {
				/* a DNSKEY set of non-zone keys only: allowed, empty */
			}
			if (!keys)
				keys = k;
			else
				vtg__dv_keys_free(k);
		}
		const struct vtg_dv_keys *use = keys ? keys : anchor;
		if (use) {
			for (int sec = VTG_SEC_ANSWER; sec <= VTG_SEC_AUTHORITY; sec++) {
				struct vtg_rr_iter it;
				struct vtg_rr rr;
				vtg__rr_iter_init(&it, &m, (enum vtg_section)sec);
				unsigned n = 0;
				while (vtg__rr_iter_next(&it, &rr) == 1 && n++ < 64) {
					if (rr.type == VTG_TYPE_RRSIG)
						continue;
					vtg__dv_rrset(dm, (enum vtg_section)sec, rr.owner, rr.type, m.qname,
						      use, now, &r);
					check(&r);
					if (sec == VTG_SEC_AUTHORITY && rr.type == VTG_TYPE_NS) {
						struct vtg_dv_keys *d = NULL;
						vtg__dv_referral_ds(dm, rr.owner, m.qname, use, now, &d, &r);
						check(&r);
						if ((r.status == VTG_DNSSEC_SECURE) != (d != NULL))
							abort();
						vtg__dv_keys_free(d);
					}
				}
			}
			/* every denial the resolver asks for, of the question */
			const uint8_t *zone = m.qname;
			uint8_t parent[VTG_DNS_MAX_NAME];
			if (m.qname[0]) {
				const uint8_t *p = vtg__name_parent(m.qname);
				memcpy(parent, p, vtg__name_len(p));
				zone = parent;
			}
			for (int kind = VTG_DENY_NXDOMAIN; kind <= VTG_DENY_WILDCARD; kind++) {
				struct vtg_insecure_proof proof;
				memset(&proof, 0, sizeof(proof));
				uint16_t t = kind == VTG_DENY_WILDCARD ? (uint16_t)vtg__name_labels(zone)
								       : m.qtype;
				vtg__dv_denial(dm, (enum vtg_dv_denial)kind, m.qname, t, zone, use, now,
					       &proof, &r);
				check(&r);
				if (r.status == VTG_DNSSEC_SECURE && !proof.denial_type &&
				    kind != VTG_DENY_WILDCARD)
					abort(); /* a proof names its record */
			}
		}
		vtg__dv_keys_free(keys);
	}
	vtg__dv_keys_free(anchor);
	vtg__dv_keys_free(ds);
	vtg__dv_msg_close(dm);
	return 0;
}
