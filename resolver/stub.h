/*
 * stub.h — turning a recursive resolver's response into a lookup answer
 * (stub mode). The upstream did the resolution and the validation, so
 * (SPEC.md section 0): AD=1 means secure; SERVFAIL with a DNSSEC Extended
 * DNS Error (RFC 8914 info codes 1-12) means bogus; anything else is
 * insecure as judged by the upstream, and never carries a proof of
 * insecurity (the lookup-failure exception cannot apply in stub mode).
 *
 * The answer is read from the answer section following the CNAME chain from
 * the question name (RFC 1034 4.3.2; DNAME answers arrive with their
 * synthesised CNAME, RFC 6672 5.2), accepting only records owned by the
 * chain (RFC 2181 5.4.1) and dropping exact duplicates (RFC 2181 5). The
 * resulting rdata pointers point into the message: valid as long as it is.
 */
#ifndef VTG_RESOLVER_STUB_H
#define VTG_RESOLVER_STUB_H

#include "resolver/lookup.h"
#include "resolver/wire.h"

/* Largest RRset a response can carry: 65535 octets / 11 octets per RR. */
#define VTG_STUB_MAX_RRS 6000

struct vtg_stub_scratch {
	struct vtg_rdata rrs[VTG_STUB_MAX_RRS];
	uint8_t chain[VTG_CHAIN_MAX + 1][VTG_DNS_MAX_NAME];
};

/*
 * Fill ans from a matched response m to (qname, qtype). tries / latency are
 * the caller's. Returns 0; a response that cannot be read (a CNAME with
 * broken RDATA) yields fail = VTG_FAIL_MALFORMED, never an error.
 */
int vtg__stub_answer(const struct vtg_msg *m, const uint8_t *qname, uint16_t qtype,
		     struct vtg_stub_scratch *scratch, struct vtg_lookup_answer *ans);

/* Classify a response code into a lookup failure (NOERROR / NXDOMAIN:
 * VTG_FAIL_NONE). */
enum vtg_lookup_fail vtg__rcode_fail(unsigned rcode);

#endif
