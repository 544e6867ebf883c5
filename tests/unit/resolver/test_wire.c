/*
 * test_wire.c — the DNS wire codec (RFC 1035 section 4, RFC 6891, RFC 8914):
 * query encoding byte for byte, parsing and iteration of hand-built
 * responses, every malformed input with its own error code, every truncated
 * prefix of a valid message rejected, and the whole message placed right
 * before a PROT_NONE page so that any over-read crashes (picohttpparser's
 * trick). Names: text <-> wire, escapes, limits, case-insensitive compare.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "resolver/wire.h"

/* ---- message builder ---- */

struct mb {
	uint8_t b[4096];
	size_t n;
};

static void put(struct mb *m, const void *p, size_t n)
{
	cr_assert_leq(m->n + n, sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct mb *m, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(m, x, 2);
}

static void put32(struct mb *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

static void hdr(struct mb *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		uint16_t ns, uint16_t ar)
{
	m->n = 0;
	put16(m, id);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

static void name(struct mb *m, const char *text)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	int l = vtg__name_from_text(w, text, strlen(text));
	cr_assert_gt(l, 0, "%s", text);
	put(m, w, (size_t)l);
}

static void ptr(struct mb *m, uint16_t off)
{
	put16(m, (uint16_t)(0xc000 | off));
}

static void rrhead(struct mb *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	put16(m, type);
	put16(m, VTG_CLASS_IN);
	put32(m, ttl);
	put16(m, rdlen);
}

static void caa_rdata(struct mb *m, uint8_t flags, const char *tag, const char *val)
{
	size_t tl = strlen(tag), vl = strlen(val);
	rrhead(m, VTG_TYPE_CAA, 3600, (uint16_t)(2 + tl + vl));
	uint8_t f[2] = {flags, (uint8_t)tl};
	put(m, f, 2);
	put(m, tag, tl);
	put(m, val, vl);
}

/* response to CAA www.Example.com: CNAME to cdn.example.net (compressed
 * owner), two CAA at the target, SOA in authority, OPT with DO */
static void sample(struct mb *m)
{
	hdr(m, 0xbeef, 0x8180, 1, 3, 1, 1);
	name(m, "www.Example.com");           /* offset 12 */
	put16(m, VTG_TYPE_CAA);
	put16(m, VTG_CLASS_IN);
	ptr(m, 12);
	size_t rdl = m->n + 8;
	rrhead(m, VTG_TYPE_CNAME, 300, 0);
	size_t target = m->n;
	put(m, "\x03" "cdn", 4);
	put(m, "\x07" "example\x03net", 12);
	put(m, "", 1);
	m->b[rdl] = 0;
	m->b[rdl + 1] = (uint8_t)(m->n - target);
	ptr(m, (uint16_t)target);
	caa_rdata(m, 0, "issue", "ca.example");
	ptr(m, (uint16_t)target);
	caa_rdata(m, 128, "tbs", "Unknown");
	ptr(m, (uint16_t)(target + 4));     /* example.net */
	size_t soa_rdl = m->n + 8;
	rrhead(m, VTG_TYPE_SOA, 3600, 0);
	size_t soa_start = m->n;
	put(m, "\x02ns", 3);
	ptr(m, (uint16_t)(target + 4));
	put(m, "\x01h", 2);
	ptr(m, (uint16_t)(target + 4));
	for (int i = 0; i < 5; i++)
		put32(m, (uint32_t)i + 1);
	m->b[soa_rdl + 1] = (uint8_t)(m->n - soa_start);
	put(m, "", 1);                        /* OPT owner: root */
	put16(m, VTG_TYPE_OPT);
	put16(m, 1232);
	put32(m, 0x00008000);                 /* DO */
	put16(m, 0);
}

/* ---- query encoding ---- */

Test(query, encodes_byte_exact_with_edns_do)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	cr_assert_eq(vtg__name_from_text(q, "Example.com", 11), 13);
	struct vtg_query_opts o = {.edns = true, .do_bit = true, .rd = true};
	int n = vtg__query_encode(buf, sizeof(buf), 0x1234, q, VTG_TYPE_CAA, &o);
	static const uint8_t want[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0x01, 0x01, 0, 1,
		0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0,
	};
	cr_assert_eq(n, (int)sizeof(want));
	cr_assert_arr_eq(buf, want, sizeof(want));
}

Test(query, no_opts_means_no_edns_no_rd)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "a.b", 3);
	int n = vtg__query_encode(buf, sizeof(buf), 7, q, VTG_TYPE_A, NULL);
	cr_assert_eq(n, 12 + 5 + 4);
	cr_assert_eq(buf[2], 0);
	cr_assert_eq(buf[11], 0); /* ARCOUNT */
}

Test(query, custom_udp_size_and_cd)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "a", 1);
	struct vtg_query_opts o = {.edns = true, .udp_size = 4096, .cd = true};
	int n = vtg__query_encode(buf, sizeof(buf), 7, q, VTG_TYPE_A, &o);
	cr_assert_gt(n, 0);
	cr_assert_eq(buf[3] & 0x10, 0x10);
	cr_assert_eq(buf[n - 8] << 8 | buf[n - 7], 4096);
	cr_assert_eq(buf[n - 4] & 0x80, 0); /* no DO */
}

Test(query, too_small_buffer)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[20];
	vtg__name_from_text(q, "example.com", 11);
	cr_assert_eq(vtg__query_encode(buf, sizeof(buf), 1, q, 1, NULL), VTG_EWIRE_SPACE);
}

Test(query, encoded_query_parses_back)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "_acme-challenge.Example.org", 27);
	struct vtg_query_opts o = {.do_bit = true};
	int n = vtg__query_encode(buf, sizeof(buf), 99, q, VTG_TYPE_TXT, &o);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, buf, (size_t)n), 0);
	cr_assert_eq(m.id, 99);
	cr_assert(m.has_opt);
	cr_assert(m.opt_do);
	cr_assert_eq(m.opt_udp, 1232);
	cr_assert(vtg__name_equal(m.qname, q));
	cr_assert_eq(m.qtype, VTG_TYPE_TXT);
}

/* ---- parsing ---- */

Test(msg, parses_sample_header_and_question)
{
	struct mb mb;
	sample(&mb);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, mb.b, mb.n), 0);
	cr_assert_eq(m.id, 0xbeef);
	cr_assert_eq(m.ancount, 3);
	cr_assert_eq(m.nscount, 1);
	cr_assert_eq(m.qtype, VTG_TYPE_CAA);
	char t[300];
	vtg__name_to_text(m.qname, t, sizeof(t), false);
	cr_assert_str_eq(t, "www.Example.com"); /* case preserved */
	cr_assert(m.has_opt);
	cr_assert(m.opt_do);
	cr_assert_eq(m.ede_code, -1);
	cr_assert_eq(vtg__msg_rcode(&m), VTG_RCODE_NOERROR);
}

Test(msg, iterates_answer_with_decompressed_owners)
{
	struct mb mb;
	sample(&mb);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, mb.b, mb.n), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	char t[300];
	vtg__rr_iter_init(&it, &m, VTG_SEC_ANSWER);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.type, VTG_TYPE_CNAME);
	cr_assert_eq(rr.ttl, 300);
	vtg__name_to_text(rr.owner, t, sizeof(t), false);
	cr_assert_str_eq(t, "www.Example.com");
	uint8_t target[VTG_DNS_MAX_NAME];
	size_t next;
	cr_assert_gt(vtg__name_unpack(m.pkt, m.len, rr.rdata_off, target, &next), 0);
	vtg__name_to_text(target, t, sizeof(t), false);
	cr_assert_str_eq(t, "cdn.example.net");
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.type, VTG_TYPE_CAA);
	vtg__name_to_text(rr.owner, t, sizeof(t), false);
	cr_assert_str_eq(t, "cdn.example.net");
	cr_assert_eq(rr.rdlen, 2 + 5 + 10);
	cr_assert_eq(memcmp(rr.rdata + 2, "issue", 5), 0);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.rdata[0], 128);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
}

Test(msg, iterates_authority_soa_with_pointer_to_pointer)
{
	struct mb mb;
	sample(&mb);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, mb.b, mb.n), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &m, VTG_SEC_AUTHORITY);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.type, VTG_TYPE_SOA);
	uint8_t mname[VTG_DNS_MAX_NAME];
	size_t next;
	cr_assert_gt(vtg__name_unpack(m.pkt, m.len, rr.rdata_off, mname, &next), 0);
	char t[300];
	vtg__name_to_text(mname, t, sizeof(t), true);
	cr_assert_str_eq(t, "ns.example.net");
	vtg__rr_iter_init(&it, &m, VTG_SEC_ADDITIONAL);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.type, VTG_TYPE_OPT);
}

Test(msg, ede_and_extended_rcode)
{
	struct mb mb;
	hdr(&mb, 1, 0x8182, 1, 0, 0, 1);
	name(&mb, "bogus.test");
	put16(&mb, VTG_TYPE_CAA);
	put16(&mb, 1);
	put(&mb, "", 1);
	put16(&mb, VTG_TYPE_OPT);
	put16(&mb, 1232);
	put32(&mb, 0x01008000); /* ext rcode 1 -> 16 + 2 */
	put16(&mb, 6 + 4);
	put16(&mb, 15);         /* EDE */
	put16(&mb, 2);
	put16(&mb, 6);          /* DNSSEC Bogus */
	put16(&mb, 10);         /* another option */
	put16(&mb, 0);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, mb.b, mb.n), 0);
	cr_assert_eq(m.ede_code, 6);
	cr_assert_eq(vtg__msg_rcode(&m), 16 + 2);
}

struct bad {
	const char *what;
	int err;
};

static void expect_err(struct mb *mb, int err)
{
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, mb->b, mb->n), err, "got %d (%s)",
		     vtg__msg_parse(&m, mb->b, mb->n), vtg_strerror(vtg__msg_parse(&m, mb->b, mb->n)));
}

Test(msg_err, short_header)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	mb.n = 11;
	expect_err(&mb, VTG_EWIRE_HEADER);
}

Test(msg_err, pointer_loop_to_itself)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	ptr(&mb, 12);
	put16(&mb, 1);
	put16(&mb, 1);
	expect_err(&mb, VTG_EWIRE_PTR_LOOP);
}

Test(msg_err, pointer_loop_between_two_names)
{
	/* question a -> ptr to answer owner which points back into itself */
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	name(&mb, "a.example");
	put16(&mb, 1);
	put16(&mb, 1);
	size_t owner = mb.n;
	put(&mb, "\x01x", 2);
	ptr(&mb, (uint16_t)owner); /* points at its own sequence */
	rrhead(&mb, 1, 1, 4);
	put32(&mb, 0);
	expect_err(&mb, VTG_EWIRE_PTR_LOOP);
}

Test(msg_err, forward_pointer)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	ptr(&mb, 40);
	put16(&mb, 1);
	put16(&mb, 1);
	for (int i = 0; i < 30; i++)
		put(&mb, "\0", 1);
	expect_err(&mb, VTG_EWIRE_PTR_FWD);
}

Test(msg_err, label_over_63)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	uint8_t l = 64;
	put(&mb, &l, 1);
	for (int i = 0; i < 64; i++)
		put(&mb, "a", 1);
	put(&mb, "", 1);
	put16(&mb, 1);
	put16(&mb, 1);
	expect_err(&mb, VTG_EWIRE_LABEL_TYPE); /* 64 = 0x40: an extended label type */
}

Test(msg_err, name_over_255_octets)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	for (int k = 0; k < 5; k++) {
		uint8_t l = 60;
		put(&mb, &l, 1);
		for (int i = 0; i < 60; i++)
			put(&mb, "a", 1);
	}
	put(&mb, "", 1);
	put16(&mb, 1);
	put16(&mb, 1);
	expect_err(&mb, VTG_EWIRE_NAME_LEN);
}

Test(msg_err, name_over_255_via_pointers)
{
	/* a 250-octet name, then an answer owner adding labels in front via a
	 * pointer to it: each step legal, the sum too long */
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	for (int k = 0; k < 4; k++) {
		uint8_t l = 61;
		put(&mb, &l, 1);
		for (int i = 0; i < 61; i++)
			put(&mb, "b", 1);
	}
	put(&mb, "\x01z", 2);
	put(&mb, "", 1);
	put16(&mb, 1);
	put16(&mb, 1);
	put(&mb, "\x05" "hello", 6);
	ptr(&mb, 12);
	rrhead(&mb, 1, 1, 4);
	put32(&mb, 0);
	expect_err(&mb, VTG_EWIRE_NAME_LEN);
}

Test(msg_err, reserved_label_type_0x80)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	put(&mb, "\x80", 1);
	put16(&mb, 1);
	put16(&mb, 1);
	expect_err(&mb, VTG_EWIRE_LABEL_TYPE);
}

Test(msg_err, rdlength_past_end)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	name(&mb, "a.example");
	put16(&mb, 1);
	put16(&mb, 1);
	ptr(&mb, 12);
	rrhead(&mb, 1, 1, 200);
	put32(&mb, 0);
	expect_err(&mb, VTG_EWIRE_RDLEN);
}

Test(msg_err, count_claims_more_records)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 2, 0, 0);
	name(&mb, "a.example");
	put16(&mb, 1);
	put16(&mb, 1);
	ptr(&mb, 12);
	rrhead(&mb, 1, 1, 4);
	put32(&mb, 0);
	expect_err(&mb, VTG_EWIRE_COUNT);
}

Test(msg_err, trailing_bytes)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	name(&mb, "a.example");
	put16(&mb, 1);
	put16(&mb, 1);
	put(&mb, "junk", 4);
	expect_err(&mb, VTG_EWIRE_TRAILING);
}

Test(msg_err, response_without_question)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 0, 0, 0, 0);
	expect_err(&mb, VTG_EWIRE_QDCOUNT);
	hdr(&mb, 1, 0x8180, 2, 0, 0, 0);
	expect_err(&mb, VTG_EWIRE_QDCOUNT);
}

Test(msg_err, query_may_have_no_question)
{
	struct mb mb;
	hdr(&mb, 1, 0x0000, 0, 0, 0, 0);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, mb.b, mb.n), 0);
}

Test(msg_err, opt_in_answer_section)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	name(&mb, "a.example");
	put16(&mb, 1);
	put16(&mb, 1);
	put(&mb, "", 1);
	put16(&mb, VTG_TYPE_OPT);
	put16(&mb, 1232);
	put32(&mb, 0);
	put16(&mb, 0);
	expect_err(&mb, VTG_EWIRE_OPT);
}

Test(msg_err, two_opt_records)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 2);
	name(&mb, "a.example");
	put16(&mb, 1);
	put16(&mb, 1);
	for (int i = 0; i < 2; i++) {
		put(&mb, "", 1);
		put16(&mb, VTG_TYPE_OPT);
		put16(&mb, 1232);
		put32(&mb, 0);
		put16(&mb, 0);
	}
	expect_err(&mb, VTG_EWIRE_OPT);
}

Test(msg_err, opt_with_non_root_owner)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 1);
	name(&mb, "a.example");
	put16(&mb, 1);
	put16(&mb, 1);
	ptr(&mb, 12);
	put16(&mb, VTG_TYPE_OPT);
	put16(&mb, 1232);
	put32(&mb, 0);
	put16(&mb, 0);
	expect_err(&mb, VTG_EWIRE_OPT);
}

Test(msg_err, opt_option_past_rdata)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 1);
	name(&mb, "a.example");
	put16(&mb, 1);
	put16(&mb, 1);
	put(&mb, "", 1);
	put16(&mb, VTG_TYPE_OPT);
	put16(&mb, 1232);
	put32(&mb, 0);
	put16(&mb, 6);
	put16(&mb, 15);
	put16(&mb, 9); /* claims 9 octets, 2 present */
	put16(&mb, 6);
	expect_err(&mb, VTG_EWIRE_OPT);
}

Test(msg_err, truncated_inside_question)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	name(&mb, "a.example");
	put16(&mb, 1);
	expect_err(&mb, VTG_EWIRE_TRUNC);
}

Test(msg_err, every_truncated_prefix_fails)
{
	struct mb mb;
	sample(&mb);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, mb.b, mb.n), 0);
	for (size_t len = 0; len < mb.n; len++)
		cr_assert_lt(vtg__msg_parse(&m, mb.b, len), 0, "prefix %zu accepted", len);
}

Test(msg_err, every_prefix_before_guard_page_no_overread)
{
	struct mb mb;
	sample(&mb);
	long pg = sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	for (size_t len = 0; len <= mb.n; len++) {
		uint8_t *p = map + pg - len; /* the last byte touches the guard */
		memcpy(p, mb.b, len);
		struct vtg_msg m;
		int rc = vtg__msg_parse(&m, p, len);
		if (rc == 0) {
			struct vtg_rr_iter it;
			struct vtg_rr rr;
			for (int s = 0; s < 3; s++) {
				vtg__rr_iter_init(&it, &m, (enum vtg_section)s);
				while (vtg__rr_iter_next(&it, &rr) == 1)
					;
			}
		}
	}
	munmap(map, (size_t)pg * 2);
}

Test(msg_err, error_codes_are_distinct_and_named)
{
	int codes[] = {VTG_EWIRE_TRUNC, VTG_EWIRE_PTR_LOOP, VTG_EWIRE_PTR_FWD,
		       VTG_EWIRE_LABEL_LEN, VTG_EWIRE_NAME_LEN, VTG_EWIRE_LABEL_TYPE,
		       VTG_EWIRE_RDLEN, VTG_EWIRE_COUNT, VTG_EWIRE_TRAILING,
		       VTG_EWIRE_QDCOUNT, VTG_EWIRE_OPT, VTG_EWIRE_HEADER};
	size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_neq(vtg_strerror(codes[i]), "unknown error");
		for (size_t k = i + 1; k < n; k++)
			cr_assert_neq(codes[i], codes[k]);
	}
}

/* ---- names ---- */

Test(name, text_to_wire_and_back)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	char t[300];
	cr_assert_eq(vtg__name_from_text(w, "www.Example.COM.", 16), 17);
	cr_assert_eq(vtg__name_len(w), 17);
	cr_assert_eq(vtg__name_labels(w), 3);
	vtg__name_to_text(w, t, sizeof(t), false);
	cr_assert_str_eq(t, "www.Example.COM");
	vtg__name_to_text(w, t, sizeof(t), true);
	cr_assert_str_eq(t, "www.example.com");
}

Test(name, root)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	char t[8];
	cr_assert_eq(vtg__name_from_text(w, ".", 1), 1);
	vtg__name_to_text(w, t, sizeof(t), false);
	cr_assert_str_eq(t, ".");
	cr_assert_eq(vtg__name_parent(w), w);
}

Test(name, escapes_in_and_out)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	char t[300];
	int l = vtg__name_from_text(w, "a\\.b\\032c.ex", 12);
	cr_assert_gt(l, 0);
	cr_assert_eq(w[0], 5); /* "a.b c" */
	vtg__name_to_text(w, t, sizeof(t), false);
	cr_assert_str_eq(t, "a\\.b\\032c.ex");
}

Test(name, text_errors)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	char big[400];
	cr_assert_eq(vtg__name_from_text(w, "", 0), VTG_EWIRE_NAME_SYNTAX);
	cr_assert_eq(vtg__name_from_text(w, "a..b", 4), VTG_EWIRE_NAME_SYNTAX);
	cr_assert_eq(vtg__name_from_text(w, "a\\", 2), VTG_EWIRE_NAME_SYNTAX);
	cr_assert_eq(vtg__name_from_text(w, "a\\25", 4), VTG_EWIRE_NAME_SYNTAX);
	cr_assert_eq(vtg__name_from_text(w, "a\\999", 5), VTG_EWIRE_NAME_SYNTAX);
	memset(big, 'a', 64);
	cr_assert_eq(vtg__name_from_text(w, big, 64), VTG_EWIRE_LABEL_LEN);
	for (int i = 0; i < 300; i++)
		big[i] = (i % 10 == 9) ? '.' : 'a';
	cr_assert_eq(vtg__name_from_text(w, big, 300), VTG_EWIRE_NAME_LEN);
}

Test(name, max_length_253_text_fits_255_wire)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	char t[300];
	memset(t, 'a', 253);
	t[63] = t[127] = t[191] = '.';
	cr_assert_eq(vtg__name_from_text(w, t, 253), 255);
	t[253] = 'a';
	cr_assert_eq(vtg__name_from_text(w, t, 254), VTG_EWIRE_NAME_LEN);
}

Test(name, compare_case_insensitive_preserving)
{
	uint8_t a[VTG_DNS_MAX_NAME], b[VTG_DNS_MAX_NAME], low[VTG_DNS_MAX_NAME];
	vtg__name_from_text(a, "WwW.ExAmPlE.com", 15);
	vtg__name_from_text(b, "www.example.COM", 15);
	cr_assert(vtg__name_equal(a, b));
	cr_assert_eq(vtg__name_cmp(a, b), 0);
	cr_assert_eq(a[1], 'W'); /* stored as given */
	vtg__name_lower(low, a);
	cr_assert_eq(low[1], 'w');
	vtg__name_from_text(b, "www.example.co", 14);
	cr_assert_not(vtg__name_equal(a, b));
}

Test(name, canonical_order_rfc4034)
{
	/* RFC 4034 6.1 example order */
	static const char *order[] = {"example", "a.example", "yljkjljk.a.example",
				      "Z.a.example", "zABC.a.EXAMPLE", "z.example",
				      "\\001.z.example", "*.z.example", "\\200.z.example"};
	uint8_t x[VTG_DNS_MAX_NAME], y[VTG_DNS_MAX_NAME];
	for (size_t i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
		vtg__name_from_text(x, order[i], strlen(order[i]));
		vtg__name_from_text(y, order[i + 1], strlen(order[i + 1]));
		cr_assert_lt(vtg__name_cmp(x, y), 0, "%s < %s", order[i], order[i + 1]);
		cr_assert_gt(vtg__name_cmp(y, x), 0);
	}
}

Test(name, subdomain_and_parent)
{
	uint8_t a[VTG_DNS_MAX_NAME], b[VTG_DNS_MAX_NAME];
	vtg__name_from_text(a, "x.y.Example.com", 15);
	vtg__name_from_text(b, "example.COM", 11);
	cr_assert(vtg__name_is_sub(a, b));
	cr_assert(vtg__name_is_sub(b, b));
	cr_assert_not(vtg__name_is_sub(b, a));
	const uint8_t *p = vtg__name_parent(vtg__name_parent(a));
	cr_assert(vtg__name_equal(p, b));
	uint8_t c[VTG_DNS_MAX_NAME];
	vtg__name_from_text(c, "ample.com", 9);
	cr_assert_not(vtg__name_is_sub(b, c)); /* label boundary, not suffix */
}

Test(name, to_text_buffer_too_small)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	char t[5];
	vtg__name_from_text(w, "example.com", 11);
	cr_assert_eq(vtg__name_to_text(w, t, sizeof(t), false), VTG_EWIRE_SPACE);
}

/* ---- mnemonics ---- */

Test(mnemonic, rcodes_and_types)
{
	char b[16];
	cr_assert_str_eq(vtg__rcode_str(0), "NOERROR");
	cr_assert_str_eq(vtg__rcode_str(2), "SERVFAIL");
	cr_assert_str_eq(vtg__rcode_str(3), "NXDOMAIN");
	cr_assert_str_eq(vtg__rcode_str(5), "REFUSED");
	cr_assert_str_eq(vtg__rcode_str(16), "BADVERS");
	cr_assert_str_eq(vtg__type_str(257, b, sizeof(b)), "CAA");
	cr_assert_str_eq(vtg__type_str(16, b, sizeof(b)), "TXT");
	cr_assert_str_eq(vtg__type_str(65280, b, sizeof(b)), "TYPE65280");
}
