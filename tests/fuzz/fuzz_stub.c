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
 *  - at most VTG_STUB_MAX_RRS records, each RDATA inside the input;
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
	for (size_t i = 0; i < ans.n_rrs; i++) {
		const struct vtg_rdata *r = &ans.rrs[i];
		if (r->rdata < data || r->rdata + r->len > data + size)
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
