/*
 * fuzz_wire.c — the DNS message decoder over any bytes: parse, walk every
 * section, decompress every name inside RDATA of the types that carry one,
 * and read the answer the way stub mode does. Invariants checked: a parsed
 * message iterates without error and exactly its counts; nothing reads
 * outside the input (ASan, and the replayer feeds exact-size copies).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/stub.h"
#include "resolver/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vtg_stub_scratch scratch;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtg_msg m;
	if (vtg__msg_parse(&m, data, size) != 0)
		return 0;
	(void)vtg__msg_rcode(&m);
	for (int s = 0; s < 3; s++) {
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		unsigned n = 0;
		int rc;
		vtg__rr_iter_init(&it, &m, (enum vtg_section)s);
		while ((rc = vtg__rr_iter_next(&it, &rr)) == 1) {
			n++;
			if (rr.rdata + rr.rdlen > data + size)
				abort();
			uint8_t name[VTG_DNS_MAX_NAME];
			size_t next;
			switch (rr.type) {
			case VTG_TYPE_NS:
			case VTG_TYPE_CNAME:
			case VTG_TYPE_DNAME:
			case VTG_TYPE_PTR:
			case VTG_TYPE_SOA:
				vtg__name_unpack(data, size, rr.rdata_off, name, &next);
				break;
			case VTG_TYPE_MX:
				if (rr.rdlen > 2)
					vtg__name_unpack(data, size, rr.rdata_off + 2, name, &next);
				break;
			default:
				break;
			}
			char text[4 * VTG_DNS_MAX_NAME + 8];
			if (vtg__name_to_text(rr.owner, text, sizeof(text), false) < 0)
				abort();
		}
		if (rc != 0 || n != m.sec_count[s])
			abort(); /* a parsed message must iterate cleanly */
	}
	if (m.qdcount == 1) {
		struct vtg_lookup_answer ans;
		memset(&ans, 0, sizeof(ans));
		vtg__stub_answer(&m, m.qname, m.qtype, &scratch, &ans);
		if (ans.n_rrs > VTG_STUB_MAX_RRS)
			abort();
	}
	return 0;
}
