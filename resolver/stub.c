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

static bool dup_rdata(const struct vtg_rdata *rrs, size_t n, const struct vtg_rr *rr)
{
	for (size_t i = 0; i < n; i++)
		if (rrs[i].len == rr->rdlen && memcmp(rrs[i].rdata, rr->rdata, rr->rdlen) == 0)
			return true;
	return false;
}

int vtg__stub_answer(const struct vtg_msg *m, const uint8_t *qname, uint16_t qtype,
		     struct vtg_stub_scratch *sc, struct vtg_lookup_answer *ans)
{
	unsigned rcode = vtg__msg_rcode(m);
	ans->rcode = rcode;
	ans->fail = vtg__rcode_fail(rcode);
	ans->dnssec = (m->flags & VTG_FLAG_AD) ? VTG_DNSSEC_SECURE : VTG_DNSSEC_INSECURE;
	ans->proof = NULL;
	ans->rrs = sc->rrs;
	ans->n_rrs = 0;
	ans->chain_len = 0;
	ans->target = NULL;
	if (rcode == VTG_RCODE_SERVFAIL && m->ede_code >= EDE_DNSSEC_FIRST &&
	    m->ede_code <= EDE_DNSSEC_LAST && m->ede_code != 3 && m->ede_code != 5) {
		/* the upstream's validator judged the answer Bogus */
		ans->dnssec = VTG_DNSSEC_BOGUS;
		ans->why_bogus = ede_text(m->ede_code);
	} else if (m->ede_code == 5) {
		ans->dnssec = VTG_DNSSEC_INDETERMINATE;
	}
	if (ans->fail != VTG_FAIL_NONE)
		return 0;

	/* follow the CNAME chain inside the answer section */
	unsigned links = 0;
	memcpy(sc->chain[0], qname, vtg__name_len(qname));
	const uint8_t *cur = sc->chain[0];
	for (;;) {
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		const uint8_t *next = NULL;
		int rc;
		size_t n = 0;
		vtg__rr_iter_init(&it, m, VTG_SEC_ANSWER);
		while ((rc = vtg__rr_iter_next(&it, &rr)) == 1) {
			if (rr.rclass != VTG_CLASS_IN || !vtg__name_equal(rr.owner, cur))
				continue;
			if (rr.type == qtype) {
				if (n < VTG_STUB_MAX_RRS && !dup_rdata(sc->rrs, n, &rr)) {
					sc->rrs[n].rdata = rr.rdata;
					sc->rrs[n].len = rr.rdlen;
					sc->rrs[n].ttl = rr.ttl;
					n++;
				}
			} else if (rr.type == VTG_TYPE_CNAME && qtype != VTG_TYPE_CNAME &&
				   !next) {
				if (links >= VTG_CHAIN_MAX) {
					ans->fail = VTG_FAIL_CHAIN_LIMIT;
					return 0;
				}
				size_t after;
				if (vtg__name_unpack(m->pkt, m->len, rr.rdata_off,
						     sc->chain[links + 1], &after) < 0 ||
				    after != rr.rdata_off + rr.rdlen) {
					ans->fail = VTG_FAIL_MALFORMED;
					return 0;
				}
				next = sc->chain[links + 1];
			}
		}
		if (rc < 0) {
			ans->fail = VTG_FAIL_MALFORMED;
			return 0;
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
