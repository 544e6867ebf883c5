/*
 * stub.c — see stub.h.
 */
#include <string.h>

#include "resolver/stub.h"

#define EDE_DNSSEC_FIRST 1  /* RFC 8914 4.2: Unsupported DNSKEY Algorithm */
#define EDE_DNSSEC_LAST 12  /* RFC 8914 4.13: NSEC Missing */

enum vtg_lookup_fail vtg__rcode_fail(unsigned rcode)
{
	switch (rcode) {
	case VTG_RCODE_NOERROR:
	case VTG_RCODE_NXDOMAIN:
		return VTG_FAIL_NONE;
	case VTG_RCODE_SERVFAIL: return VTG_FAIL_SERVFAIL;
	case VTG_RCODE_REFUSED: return VTG_FAIL_REFUSED;
	case VTG_RCODE_NOTIMP: return VTG_FAIL_NOTIMP;
	case VTG_RCODE_FORMERR: return VTG_FAIL_FORMERR;
	default: return VTG_FAIL_RCODE;
	}
}

static const char *ede_text(int code)
{
	/* RFC 8914 section 4 */
	static const char *const t[] = {
		[1] = "EDE 1: unsupported DNSKEY algorithm",
		[2] = "EDE 2: unsupported DS digest type",
		[3] = "EDE 3: stale answer",
		[4] = "EDE 4: forged answer",
		[5] = "EDE 5: DNSSEC indeterminate",
		[6] = "EDE 6: DNSSEC bogus",
		[7] = "EDE 7: signature expired",
		[8] = "EDE 8: signature not yet valid",
		[9] = "EDE 9: DNSKEY missing",
		[10] = "EDE 10: RRSIGs missing",
		[11] = "EDE 11: no zone key bit set",
		[12] = "EDE 12: NSEC missing",
	};
	if (code >= EDE_DNSSEC_FIRST && code <= EDE_DNSSEC_LAST && t[code])
		return t[code];
	return "validation failed upstream";
}

static bool dup_rdata(const struct vtg_rdata *rrs, size_t n, const uint8_t *rd, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (rrs[i].len == len && memcmp(rrs[i].rdata, rd, len) == 0)
			return true;
	return false;
}

/* The answer cannot be read: no records, no alias target. */
static int malformed(struct vtg_lookup_answer *ans)
{
	ans->fail = VTG_FAIL_MALFORMED;
	ans->dnssec = vtg__lookup_fail_dnssec(ans->fail, ans->dnssec);
	ans->n_rrs = 0;
	ans->chain_len = 0;
	ans->target = NULL;
	return 0;
}

void vtg__stub_dnssec(const struct vtg_msg *m, struct vtg_lookup_answer *ans)
{
	unsigned rcode = vtg__msg_rcode(m);
	ans->rcode = rcode;
	ans->fail = vtg__rcode_fail(rcode);
	ans->dnssec = (m->flags & VTG_FLAG_AD) ? VTG_DNSSEC_SECURE : VTG_DNSSEC_INSECURE;
	if (rcode == VTG_RCODE_SERVFAIL && m->ede_code >= EDE_DNSSEC_FIRST &&
	    m->ede_code <= EDE_DNSSEC_LAST && m->ede_code != 3 && m->ede_code != 5) {
		/* the upstream's validator judged the answer Bogus */
		ans->dnssec = VTG_DNSSEC_BOGUS;
		ans->why_bogus = ede_text(m->ede_code);
	} else if (m->ede_code == 5) {
		ans->dnssec = VTG_DNSSEC_INDETERMINATE;
	}
	/* what a stub can tell of the zone: the upstream's verdict on a
	 * response it answered (AD, no AD, Bogus by EDE); of a failed one,
	 * nothing but Bogus, and the failure itself validated nothing */
	ans->dnssec = vtg__lookup_fail_dnssec(ans->fail, ans->dnssec);
	ans->zone_dnssec = ans->dnssec;
	ans->zone_known = true;
}

int vtg__stub_answer(const struct vtg_msg *m, const uint8_t *qname, uint16_t qtype,
		     struct vtg_stub_scratch *sc, struct vtg_lookup_answer *ans)
{
	vtg__stub_dnssec(m, ans);
	ans->proof = NULL;
	ans->rrs = sc->rrs;
	ans->n_rrs = 0;
	ans->chain_len = 0;
	ans->target = NULL;
	if (ans->fail != VTG_FAIL_NONE)
		return 0;

	/* names in RDATA are handed out decompressed (lookup.h): a resolver
	 * may compress them against any earlier name, the question's included */
	const bool canon = vtg__rdata_has_names(qtype);

	/* follow the CNAME chain inside the answer section */
	unsigned links = 0;
	memcpy(sc->chain[0], qname, vtg__name_len(qname));
	const uint8_t *cur = sc->chain[0];
	for (;;) {
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		const uint8_t *next = NULL;
		/* a DNAME above cur: the name it redirects cur to (RFC 6672) */
		uint8_t dsub[VTG_DNS_MAX_NAME];
		bool have_dsub = false;
		int rc;
		size_t n = 0, used = 0;
		vtg__rr_iter_init(&it, m, VTG_SEC_ANSWER);
		while ((rc = vtg__rr_iter_next(&it, &rr)) == 1) {
			if (rr.rclass == VTG_CLASS_IN && rr.type == VTG_TYPE_DNAME &&
			    qtype != VTG_TYPE_CNAME && qtype != VTG_TYPE_DNAME &&
			    vtg__name_is_sub(cur, rr.owner) && !vtg__name_equal(cur, rr.owner)) {
				uint8_t target[VTG_DNS_MAX_NAME], sub[VTG_DNS_MAX_NAME];
				if (vtg__rdata_uncompress(m, &rr, target, sizeof(target)) < 0 ||
				    vtg__name_dname_subst(cur, rr.owner, target, sub) < 0)
					return malformed(ans); /* includes an over-long result */
				if (have_dsub && !vtg__name_equal(dsub, sub))
					return malformed(ans); /* two redirections */
				memcpy(dsub, sub, vtg__name_len(sub));
				have_dsub = true;
				continue;
			}
			if (rr.rclass != VTG_CLASS_IN || !vtg__name_equal(rr.owner, cur))
				continue;
			if (rr.type == qtype) {
				if (n >= VTG_STUB_MAX_RRS)
					continue;
				const uint8_t *rd = rr.rdata;
				size_t len = rr.rdlen;
				if (canon) {
					/* VTG_EWIRE_SPACE too: see VTG_STUB_CANON_MAX */
					int l = vtg__rdata_uncompress(m, &rr, sc->canon + used,
								      sizeof(sc->canon) - used);
					if (l < 0)
						return malformed(ans);
					rd = sc->canon + used;
					len = (size_t)l;
				}
				if (qtype == VTG_TYPE_CNAME && n > 0) {
					/* RFC 2181 10.1: one CNAME per owner; the
					 * same target again is a duplicate */
					if (!vtg__name_equal(sc->rrs[0].rdata, rd))
						return malformed(ans);
					continue;
				}
				if (dup_rdata(sc->rrs, n, rd, len))
					continue; /* RFC 2181 5 */
				sc->rrs[n].rdata = rd;
				sc->rrs[n].len = (uint16_t)len;
				sc->rrs[n].ttl = rr.ttl;
				n++;
				if (canon)
					used += len;
			} else if (rr.type == VTG_TYPE_CNAME && qtype != VTG_TYPE_CNAME) {
				if (links >= VTG_CHAIN_MAX) {
					ans->fail = VTG_FAIL_CHAIN_LIMIT;
					ans->dnssec = vtg__lookup_fail_dnssec(ans->fail,
									      ans->dnssec);
					return 0;
				}
				uint8_t target[VTG_DNS_MAX_NAME];
				if (vtg__rdata_uncompress(m, &rr, target, sizeof(target)) < 0)
					return malformed(ans);
				if (!next) {
					memcpy(sc->chain[links + 1], target, vtg__name_len(target));
					next = sc->chain[links + 1];
				} else if (!vtg__name_equal(next, target)) {
					/* RFC 2181 10.1: an alias with two targets; following
					 * either would be a guess */
					return malformed(ans);
				}
			}
		}
		if (rc < 0)
			return malformed(ans);
		if (have_dsub) {
			/* the synthesised CNAME must agree with its DNAME (RFC 6672
			 * 5.3.1, docs/rules.md section 8); without one, substitute ourselves */
			if (next && !vtg__name_equal(next, dsub))
				return malformed(ans);
			if (!next && n == 0) {
				if (links >= VTG_CHAIN_MAX) {
					ans->fail = VTG_FAIL_CHAIN_LIMIT;
					ans->dnssec = vtg__lookup_fail_dnssec(ans->fail,
									      ans->dnssec);
					return 0;
				}
				memcpy(sc->chain[links + 1], dsub, vtg__name_len(dsub));
				next = sc->chain[links + 1];
			}
		}
		if (n > 0) {
			ans->n_rrs = n;
			break;
		}
		if (!next)
			break;
		for (unsigned k = 0; k <= links; k++)
			if (vtg__name_equal(sc->chain[k], next)) {
				ans->fail = VTG_FAIL_CNAME_LOOP;
				ans->dnssec = vtg__lookup_fail_dnssec(ans->fail, ans->dnssec);
				ans->chain_len = links + 1;
				return 0;
			}
		links++;
		cur = next;
	}
	ans->chain_len = links;
	ans->target = links ? cur : NULL;
	return 0;
}
