/*
 * stub.h — turning a recursive resolver's response into a lookup answer
 * (stub mode). The upstream did the resolution and the validation, so
 * (docs/rules.md section 0): AD=1 means secure; SERVFAIL with a DNSSEC Extended
 * DNS Error (RFC 8914 info codes 1-12) means bogus; anything else is
 * insecure as judged by the upstream, and never carries a proof of
 * insecurity (the lookup-failure exception cannot apply in stub mode).
 *
 * The answer is read from the answer section following the CNAME chain from
 * the question name (RFC 1034 4.3.2; DNAME answers arrive with their
 * synthesised CNAME, RFC 6672 5.2), accepting only records owned by the
 * chain (RFC 2181 5.4.1) and dropping exact duplicates (RFC 2181 5). Two
 * different CNAME records at one owner of the chain make the answer
 * malformed (RFC 2181 10.1: an alias has one target), as does a record of a
 * type whose RDATA holds names when they do not decompress.
 *
 * RDATA is handed out as lookup.h promises, names uncompressed: for the
 * types of vtg__rdata_has_names it is a decompressed copy in the scratch's
 * canon buffer, for the others it points into the message. Either way it is
 * valid as long as both the message and the scratch are (until the next
 * call with the same scratch). TTLs are as vtg__rr_iter_next reads them
 * (RFC 2181 8: top bit set means 0).
 */
#ifndef VTG_RESOLVER_STUB_H
#define VTG_RESOLVER_STUB_H

#include "resolver/lookup.h"
#include "resolver/wire.h"

/* Largest RRset a response can carry: 65535 octets / 11 octets per RR. */
#define VTG_STUB_MAX_RRS 6000

/*
 * Room for the decompressed RDATA of one answer RRset. Compression is
 * optional (RFC 1035 4.1.4), so an RRset a server can send at all fits
 * uncompressed in one 65535-octet message; an answer whose decompressed
 * RDATA would not is refused as malformed instead of growing the buffer
 * (compression pointers can expand ~4 octets of message into 255).
 */
#define VTG_STUB_CANON_MAX VTG_DNS_MAX_MSG

/* Preallocated by its owner (one per worker), reused by every answer. */
struct vtg_stub_scratch {
	struct vtg_rdata rrs[VTG_STUB_MAX_RRS];
	uint8_t chain[VTG_CHAIN_MAX + 1][VTG_DNS_MAX_NAME];
	uint8_t canon[VTG_STUB_CANON_MAX]; /* decompressed RDATA of rrs[] */
};

/* Only what the header and the OPT record tell (rcode, failure, the
 * upstream's DNSSEC verdict: AD, Bogus by EDE, zone_dnssec): the part of
 * vtg__stub_answer that needs no record parsing. */
void vtg__stub_dnssec(const struct vtg_msg *m, struct vtg_lookup_answer *ans);

/*
 * Fill ans from a matched response m to (qname, qtype). tries / latency are
 * the caller's. Returns 0; a response that cannot be read (RDATA whose
 * names do not decompress, two different CNAMEs at one owner, more
 * decompressed RDATA than VTG_STUB_CANON_MAX) yields fail =
 * VTG_FAIL_MALFORMED with no records, never an error.
 */
int vtg__stub_answer(const struct vtg_msg *m, const uint8_t *qname, uint16_t qtype,
		     struct vtg_stub_scratch *scratch, struct vtg_lookup_answer *ans);

/* Classify a response code into a lookup failure (NOERROR / NXDOMAIN:
 * VTG_FAIL_NONE). */
enum vtg_lookup_fail vtg__rcode_fail(unsigned rcode);

#endif
