/*
 * fuzz_wire.c — the DNS message decoder (resolver/wire.c) over any bytes.
 *
 * Parses the input as a message; when it is accepted, walks every section,
 * decompresses the names inside the RDATA of NS, CNAME, DNAME, PTR, SOA and
 * MX, reads the rcode, and re-encodes the question as a query that must parse
 * back to the same name. Independently of the parse, decodes a name at every
 * offset. Invariants (abort() on breach, so libFuzzer reports them):
 *  - an accepted message iterates without error, exactly its counts;
 *  - RDATA and every name end inside the input;
 *  - for class IN, the RDATA names of those types decode and end inside
 *    their RDATA (vtg__msg_parse promises it);
 *  - a decoded name is a valid uncompressed name of at most 255 octets, and
 *    a failed decode leaves the root name, never a partial one.
 * Nothing may read outside the input: ASan in the libFuzzer build, and the
 * replayer (replay_main.c) hands over exact-size heap copies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Offsets tried for standalone name decoding: enough to cover the header,
 * the question and the first records of any seed without slowing runs. */
#define NAME_SCAN_MAX 512

static void check_name(const uint8_t *name, int len)
{
	if (len < 1 || len > VTG_DNS_MAX_NAME)
		abort();
	size_t off = 0;
	while (name[off] != 0) {
		if (name[off] > VTG_DNS_MAX_LABEL)
			abort();
		off += (size_t)name[off] + 1;
		if (off >= (size_t)len)
			abort();
	}
	if (off + 1 != (size_t)len || vtg__name_len(name) != (size_t)len)
		abort();
	char text[4 * VTG_DNS_MAX_NAME + 8];
	if (vtg__name_to_text(name, text, sizeof(text), true) < 0)
		abort();
}

/* Decode a name inside RDATA; when must_fit, it must succeed and end at or
 * before rd_end. Returns the offset after it, or 0 on failure. */
static size_t rdata_name(const uint8_t *data, size_t size, size_t off, size_t rd_end,
			 bool must_fit)
{
	uint8_t name[VTG_DNS_MAX_NAME];
	size_t next = 0;
	int rc = vtg__name_unpack(data, size, off, name, &next);
	if (rc < 0) {
		if (must_fit)
			abort();
		return 0;
	}
	check_name(name, rc);
	if (next > size || (must_fit && next > rd_end))
		abort();
	return next;
}

static void check_rdata(const uint8_t *data, size_t size, const struct vtg_rr *rr)
{
	bool in = rr->rclass == VTG_CLASS_IN;
	size_t end = rr->rdata_off + rr->rdlen;
	size_t next;
	switch (rr->type) {
	case VTG_TYPE_NS:
	case VTG_TYPE_CNAME:
	case VTG_TYPE_DNAME:
	case VTG_TYPE_PTR:
		next = rdata_name(data, size, rr->rdata_off, end, in);
		if (in && next != end)
			abort();
		break;
	case VTG_TYPE_MX:
		if (rr->rdlen < 2) {
			if (in)
				abort();
			break;
		}
		next = rdata_name(data, size, rr->rdata_off + 2, end, in);
		if (in && next != end)
			abort();
		break;
	case VTG_TYPE_SOA:
		next = rdata_name(data, size, rr->rdata_off, end, in);
		if (next)
			next = rdata_name(data, size, next, end, in);
		if (in && next + 20 != end)
			abort();
		break;
	default:
		break;
	}
}

static void check_question(const struct vtg_msg *m)
{
	uint8_t q[512];
	struct vtg_query_opts o = {.do_bit = m->id & 1, .rd = m->id & 2,
				   .cd = m->id & 4, .udp_size = m->opt_udp};
	int n = vtg__query_encode(q, sizeof(q), m->id, m->qname, m->qtype, &o);
	if (n < 0)
		abort(); /* a parsed qname is always encodable */
	struct vtg_msg back;
	if (vtg__msg_parse(&back, q, (size_t)n) != 0 || back.id != m->id ||
	    back.qtype != m->qtype || !vtg__name_equal(back.qname, m->qname) ||
	    memcmp(back.qname, m->qname, vtg__name_len(m->qname)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t scan = size < NAME_SCAN_MAX ? size : NAME_SCAN_MAX;
	for (size_t off = 0; off < scan; off++) {
		uint8_t name[VTG_DNS_MAX_NAME];
		size_t next = 0;
		int rc = vtg__name_unpack(data, size, off, name, &next);
		if (rc >= 0) {
			check_name(name, rc);
			if (next <= off || next > size)
				abort();
		} else if (rc < VTG_EWIRE_HEADER || rc > VTG_EWIRE_TRUNC || name[0] != 0) {
			abort(); /* only wire codes, and never a partial name */
		}
	}

	struct vtg_msg m;
	/* the question-only parse (truncated answers): a valid name or an
	 * error with the root name, never sections; and whatever the full
	 * parse accepts, it accepts too */
	int qrc = vtg__msg_parse_question(&m, data, size);
	if (qrc != 0 && (qrc < VTG_EWIRE_HEADER || qrc > VTG_EWIRE_TRUNC))
		abort();
	check_name(m.qname, (int)vtg__name_len(m.qname));
	if (m.sec_count[0] || m.sec_count[1] || m.sec_count[2])
		abort();
	int prc = vtg__msg_parse(&m, data, size);
	if (prc == 0 && (m.flags & VTG_FLAG_QR) && qrc != 0)
		abort();
	if (prc != 0) {
		if (prc < VTG_EWIRE_HEADER || prc > VTG_EWIRE_TRUNC || m.has_opt)
			abort();
		check_name(m.qname, (int)vtg__name_len(m.qname));
		for (int s = 0; s < 3; s++) {
			struct vtg_rr_iter it;
			struct vtg_rr rr;
			vtg__rr_iter_init(&it, &m, (enum vtg_section)s);
			if (vtg__rr_iter_next(&it, &rr) != 0)
				abort(); /* a rejected message iterates as empty */
		}
		return 0;
	}
	if (vtg__msg_rcode(&m) > 0xfff)
		abort();
	(void)vtg__rcode_str(vtg__msg_rcode(&m));
	check_name(m.qname, (int)vtg__name_len(m.qname));
	if (m.qdcount == 1)
		check_question(&m);
	unsigned opt_seen = 0;
	for (int s = 0; s < 3; s++) {
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		unsigned n = 0;
		int rc;
		vtg__rr_iter_init(&it, &m, (enum vtg_section)s);
		while ((rc = vtg__rr_iter_next(&it, &rr)) == 1) {
			n++;
			if (rr.rdata != data + rr.rdata_off || rr.rdata_off > size ||
			    rr.rdlen > size - rr.rdata_off)
				abort();
			check_name(rr.owner, (int)vtg__name_len(rr.owner));
			if (rr.type == VTG_TYPE_OPT) {
				if (s != VTG_SEC_ADDITIONAL || rr.owner[0] != 0)
					abort();
				opt_seen++;
			}
			char tb[16];
			(void)vtg__type_str(rr.type, tb, sizeof(tb));
			check_rdata(data, size, &rr);
		}
		if (rc != 0 || n != m.sec_count[s])
			abort(); /* a parsed message must iterate cleanly */
	}
	if (opt_seen != (m.has_opt ? 1u : 0u))
		abort();
	return 0;
}
