/*
 * fuzz_stub.c — stub mode's answer reader (resolver/stub.c) over any bytes:
 * the path every upstream response takes after the engine matched it.
 *
 * The input is parsed as a message; an accepted message with one question is
 * read as the answer to that question (and once more as the answer to the
 * same name for CAA, so chains ending in other types are read too).
 * Invariants (abort() on breach):
 *  - the reader never fails with an error code: bad data is a lookup
 *    failure in the answer, never a local fault;
 *  - at most VTG_STUB_MAX_RRS records, each RDATA inside the input, or,
 *    for a type whose RDATA holds names, a decompressed copy inside the
 *    scratch's canon buffer that vtg__rdata_uncompress accepts as canonical;
 *  - chain_len within VTG_CHAIN_MAX + 1, a target only when aliases were
 *    followed, and a bogus answer always carries its reason text;
 *  - a failed answer carries no records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/stub.h"
#include "resolver/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vtg_stub_scratch scratch;

static void read_as(const struct vtg_msg *m, const uint8_t *data, size_t size, uint16_t qtype)
{
	struct vtg_lookup_answer ans;
	memset(&ans, 0, sizeof(ans));
	if (vtg__stub_answer(m, m->qname, qtype, &scratch, &ans) != 0)
		abort();
	if (ans.n_rrs > VTG_STUB_MAX_RRS || ans.chain_len > VTG_CHAIN_MAX + 1)
		abort();
	if (ans.target && ans.chain_len == 0)
		abort();
	if (ans.dnssec == VTG_DNSSEC_BOGUS && !ans.why_bogus)
		abort();
	if (ans.fail != VTG_FAIL_NONE && ans.n_rrs != 0)
		abort();
	const uint8_t *canon = scratch.canon, *canon_end = canon + sizeof(scratch.canon);
	for (size_t i = 0; i < ans.n_rrs; i++) {
		const struct vtg_rdata *r = &ans.rrs[i];
		if (!vtg__rdata_has_names(qtype)) {
			if (r->rdata < data || r->rdata + r->len > data + size)
				abort();
			continue;
		}
		if (r->rdata < canon || r->rdata + r->len > canon_end)
			abort();
		/* decompressed means no pointer left: read as a message of its
		 * own, the copy decompresses to itself */
		struct vtg_msg own = {.pkt = r->rdata, .len = r->len};
		struct vtg_rr rr = {.type = qtype, .rclass = VTG_CLASS_IN, .rdlen = r->len,
				    .rdata = r->rdata, .rdata_off = 0};
		uint8_t again[VTG_RDATA_NAMES_MAX];
		int l = vtg__rdata_uncompress(&own, &rr, again, sizeof(again));
		if (l != (int)r->len || memcmp(again, r->rdata, r->len) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtg_msg m;
	if (vtg__msg_parse(&m, data, size) != 0 || m.qdcount != 1)
		return 0;
	read_as(&m, data, size, m.qtype);
	if (m.qtype != VTG_TYPE_CAA)
		read_as(&m, data, size, VTG_TYPE_CAA);
	return 0;
}
