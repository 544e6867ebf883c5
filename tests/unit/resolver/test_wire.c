/*
 * test_wire.c — the DNS wire codec (resolver/wire.c; RFC 1035 section 4,
 * RFC 6891, RFC 8914): query encoding byte for byte, parsing and iteration of
 * hand-built responses (CAA answer, CNAME chain with compression, NXDOMAIN
 * with SOA, referral with glue, SERVFAIL with EDE 6), name decompression,
 * every malformed input with its own error code, every truncated prefix of a
 * valid message rejected, and messages placed right before a PROT_NONE page
 * so that any over-read crashes (picohttpparser's trick). Also the
 * presentation <-> wire name helpers the codec relies on, and mnemonics.
 * TTLs with the top bit set read as 0 (RFC 2181 8); RDATA names of every
 * type that may carry them are decompressed against the message
 * (vtg__rdata_uncompress), bad ones with their own error code.
 */
#include <criterion/criterion.h>
#include <stdio.h>
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

static void put8(struct mb *m, uint8_t v)
{
	put(m, &v, 1);
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

static void ptr(struct mb *m, size_t off)
{
	put16(m, (uint16_t)(0xc000 | off));
}

static void question(struct mb *m, const char *qname, uint16_t qtype)
{
	name(m, qname);
	put16(m, qtype);
	put16(m, VTG_CLASS_IN);
}

static void rrhead_class(struct mb *m, uint16_t type, uint16_t rclass, uint32_t ttl,
			 uint16_t rdlen)
{
	put16(m, type);
	put16(m, rclass);
	put32(m, ttl);
	put16(m, rdlen);
}

static void rrhead(struct mb *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	rrhead_class(m, type, VTG_CLASS_IN, ttl, rdlen);
}

/* RDLENGTH written later: returns where to patch, and the RDATA start */
static size_t rrhead_open(struct mb *m, uint16_t type, uint32_t ttl)
{
	rrhead(m, type, ttl, 0);
	return m->n;
}

static void rr_close(struct mb *m, size_t rdata_start)
{
	size_t l = m->n - rdata_start;
	m->b[rdata_start - 2] = (uint8_t)(l >> 8);
	m->b[rdata_start - 1] = (uint8_t)l;
}

static void caa_rdata(struct mb *m, uint8_t flags, const char *tag, const char *val)
{
	size_t tl = strlen(tag), vl = strlen(val);
	rrhead(m, VTG_TYPE_CAA, 3600, (uint16_t)(2 + tl + vl));
	put8(m, flags);
	put8(m, (uint8_t)tl);
	put(m, tag, tl);
	put(m, val, vl);
}

static void opt_rr(struct mb *m, uint16_t udp, uint32_t ttl, const uint8_t *rd, uint16_t rdl)
{
	put8(m, 0); /* owner: root */
	put16(m, VTG_TYPE_OPT);
	put16(m, udp);
	put32(m, ttl);
	put16(m, rdl);
	if (rdl)
		put(m, rd, rdl);
}

static void text_of(const uint8_t *wire, char *out, size_t cap)
{
	cr_assert_geq(vtg__name_to_text(wire, out, cap, false), 0);
}

static int parse(struct vtg_msg *m, const struct mb *mb)
{
	return vtg__msg_parse(m, mb->b, mb->n);
}

/* ---- the valid messages every structural test reuses ---- */

/* A real-looking CAA answer for example.com, literally: header, question,
 * one CAA 0 issue "letsencrypt.org" with a pointer owner, OPT with DO. */
static const uint8_t caa_answer[] = {
	0xa1, 0xb2, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	/* question @12: example.com CAA IN */
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
	0x01, 0x01, 0x00, 0x01,
	/* answer: ptr 12, CAA IN 3600, rdlen 22 */
	0xc0, 0x0c, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x16,
	0x00, 0x05, 'i', 's', 's', 'u', 'e',
	'l', 'e', 't', 's', 'e', 'n', 'c', 'r', 'y', 'p', 't', '.', 'o', 'r', 'g',
	/* OPT: root, type 41, udp 1232, ext 0 ver 0 DO, rdlen 0 */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
};

/*
 * Response to CAA www.Example.com: CNAME to cdn.example.net, two CAA at the
 * target (owner a pointer into the CNAME RDATA), SOA in authority whose
 * MNAME / RNAME point into the CNAME RDATA (pointer to a name that is itself
 * reached through a pointer), OPT with DO in additional.
 */
struct sample_offs {
	size_t cname_target; /* "cdn.example.net" inside the CNAME RDATA */
	size_t soa_rdata;
};

static struct sample_offs sample(struct mb *m)
{
	struct sample_offs o;
	hdr(m, 0xbeef, 0x8180, 1, 3, 1, 1);
	question(m, "www.Example.com", VTG_TYPE_CAA); /* qname @12 */
	ptr(m, 12);
	size_t rd = rrhead_open(m, VTG_TYPE_CNAME, 300);
	o.cname_target = m->n;
	put(m, "\x03" "cdn" "\x07" "example" "\x03" "net", 16);
	put8(m, 0);
	rr_close(m, rd);
	ptr(m, o.cname_target);
	caa_rdata(m, 0, "issue", "ca.example");
	ptr(m, o.cname_target);
	caa_rdata(m, 128, "tbs", "Unknown");
	ptr(m, o.cname_target + 4); /* example.net */
	rd = rrhead_open(m, VTG_TYPE_SOA, 3600);
	o.soa_rdata = rd;
	put(m, "\x02ns", 3);
	ptr(m, o.cname_target + 4);
	put(m, "\x0ahostmaster", 11);
	ptr(m, rd); /* pointer to "ns" + pointer: hostmaster.ns.example.net */
	for (uint32_t i = 0; i < 5; i++)
		put32(m, 2024010100 + i);
	rr_close(m, rd);
	opt_rr(m, 1232, 0x00008000, NULL, 0);
	return o;
}

/* NXDOMAIN for nope.example.net CAA with the zone SOA in authority. */
static void nxdomain(struct mb *m)
{
	hdr(m, 0x0303, 0x8583, 1, 0, 1, 0); /* QR AA RD RA, rcode 3 */
	question(m, "nope.Example.net", VTG_TYPE_CAA);
	ptr(m, 12 + 5); /* Example.net */
	size_t rd = rrhead_open(m, VTG_TYPE_SOA, 900);
	put(m, "\x03ns1", 4);
	ptr(m, 17);
	put(m, "\x0ahostmaster", 11);
	ptr(m, 17);
	put32(m, 7);
	put32(m, 3600);
	put32(m, 600);
	put32(m, 86400);
	put32(m, 300);
	rr_close(m, rd);
}

/* SERVFAIL with extended rcode 0 and an EDE 6 (DNSSEC Bogus, RFC 8914 4.7)
 * carrying EXTRA-TEXT, after a padding option (RFC 7830, code 12). */
static void servfail_ede(struct mb *m)
{
	static const uint8_t rd[] = {
		0, 12, 0, 3, 0, 0, 0,                   /* padding */
		0, 15, 0, 8, 0, 6, 'b', 'o', 'g', 'u', 's', '!',
		0, 15, 0, 2, 0, 9,                      /* a second EDE: ignored */
	};
	hdr(m, 0x0404, 0x8182, 1, 0, 0, 1);
	question(m, "bogus.example", VTG_TYPE_CAA);
	opt_rr(m, 1232, 0x00008000, rd, sizeof(rd));
}

/* Referral-like response touching all three sections: MX in answer, NS in
 * authority, glue A and AAAA in additional, then OPT. */
static void referral(struct mb *m)
{
	hdr(m, 0x0606, 0x8000, 1, 1, 2, 3);
	question(m, "example.com", VTG_TYPE_MX);
	ptr(m, 12);
	size_t rd = rrhead_open(m, VTG_TYPE_MX, 300);
	put16(m, 10);
	put(m, "\x04mail", 5);
	ptr(m, 12);
	rr_close(m, rd);
	ptr(m, 12);
	rd = rrhead_open(m, VTG_TYPE_NS, 172800);
	size_t ns1 = m->n;
	put(m, "\x03NS1", 4);
	ptr(m, 12);
	rr_close(m, rd);
	ptr(m, 12);
	rd = rrhead_open(m, VTG_TYPE_NS, 172800);
	put(m, "\x03ns2", 4);
	ptr(m, 12);
	rr_close(m, rd);
	ptr(m, ns1);
	rrhead(m, VTG_TYPE_A, 172800, 4);
	put32(m, 0xc0000201);
	ptr(m, ns1);
	rrhead(m, VTG_TYPE_AAAA, 172800, 16);
	put32(m, 0x20010db8);
	put32(m, 0);
	put32(m, 0);
	put32(m, 0x53);
	opt_rr(m, 4096, 0, NULL, 0);
}

/*
 * Answer to "_dcv.Www.example.com CNAME" with one record of every type whose
 * RDATA holds names, each name compressed against an earlier one: the CNAME
 * target against the question name (what unbound sends), MX / SRV / DNAME
 * against the question, NS a bare pointer, SOA's MNAME a pointer into the
 * MX RDATA (a pointer to a name that itself ends in a pointer).
 */
#define CN_QNAME 12        /* "_dcv.Www.example.com" */
#define CN_WWW (12 + 5)    /* "Www.example.com" */
#define CN_EXAMPLE (12 + 9) /* "example.com" */
#define CN_COM (12 + 17)   /* "com" */

static void compressed_names(struct mb *m)
{
	hdr(m, 0x0707, 0x8180, 1, 7, 0, 0);
	question(m, "_dcv.Www.example.com", VTG_TYPE_CNAME);
	ptr(m, CN_QNAME);
	size_t rd = rrhead_open(m, VTG_TYPE_CNAME, 300);
	put(m, "\x03" "dcv" "\x02" "ca", 7);
	ptr(m, CN_EXAMPLE);
	rr_close(m, rd);
	ptr(m, CN_EXAMPLE);
	rd = rrhead_open(m, VTG_TYPE_MX, 300);
	put16(m, 10);
	size_t mail = m->n;
	put(m, "\x04" "mail", 5);
	ptr(m, CN_EXAMPLE);
	rr_close(m, rd);
	ptr(m, CN_EXAMPLE);
	rd = rrhead_open(m, VTG_TYPE_SRV, 300);
	put16(m, 1);
	put16(m, 2);
	put16(m, 443);
	put(m, "\x03" "sip", 4);
	ptr(m, CN_EXAMPLE);
	rr_close(m, rd);
	ptr(m, CN_EXAMPLE);
	rd = rrhead_open(m, VTG_TYPE_NS, 300);
	ptr(m, CN_WWW);
	rr_close(m, rd);
	ptr(m, CN_EXAMPLE);
	rd = rrhead_open(m, VTG_TYPE_SOA, 300);
	ptr(m, mail);
	put(m, "\x0a" "hostmaster", 11);
	ptr(m, CN_EXAMPLE);
	for (uint32_t i = 0; i < 5; i++)
		put32(m, 7 + i);
	rr_close(m, rd);
	ptr(m, CN_EXAMPLE);
	rd = rrhead_open(m, VTG_TYPE_PTR, 300);
	ptr(m, CN_QNAME);
	rr_close(m, rd);
	ptr(m, CN_EXAMPLE);
	rd = rrhead_open(m, VTG_TYPE_DNAME, 300);
	put(m, "\x03" "new", 4);
	ptr(m, CN_COM);
	rr_close(m, rd);
}

typedef void build_fn(struct mb *m);

static void build_caa(struct mb *m)
{
	m->n = 0;
	put(m, caa_answer, sizeof(caa_answer));
}

static void build_sample(struct mb *m)
{
	(void)sample(m);
}

static build_fn *const valid_msgs[] = {build_caa, build_sample, nxdomain, servfail_ede,
				       referral, compressed_names};
#define N_VALID (sizeof(valid_msgs) / sizeof(valid_msgs[0]))

/* ==== query encoding ==== */

Test(query, byte_exact_with_edns_do_rd)
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

Test(query, byte_exact_without_opts_no_edns_no_rd)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "a.b", 3);
	int n = vtg__query_encode(buf, sizeof(buf), 0xfffe, q, VTG_TYPE_A, NULL);
	static const uint8_t want[] = {
		0xff, 0xfe, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		1, 'a', 1, 'b', 0, 0, 1, 0, 1,
	};
	cr_assert_eq(n, (int)sizeof(want));
	cr_assert_arr_eq(buf, want, sizeof(want));
}

Test(query, edns_without_do_uses_default_udp_1232)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "a", 1);
	struct vtg_query_opts o = {.edns = true};
	int n = vtg__query_encode(buf, sizeof(buf), 7, q, VTG_TYPE_A, &o);
	cr_assert_eq(n, 12 + 3 + 4 + 11);
	cr_assert_eq(buf[11], 1); /* ARCOUNT */
	cr_assert_eq(buf[n - 8] << 8 | buf[n - 7], VTG_EDNS_UDP_DEFAULT);
	cr_assert_eq(buf[n - 4], 0); /* DO clear */
	cr_assert_eq(buf[2], 0);     /* RD clear */
}

Test(query, do_bit_alone_implies_edns)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "a", 1);
	struct vtg_query_opts o = {.do_bit = true};
	int n = vtg__query_encode(buf, sizeof(buf), 7, q, VTG_TYPE_A, &o);
	cr_assert_eq(n, 12 + 3 + 4 + 11);
	cr_assert_eq(buf[n - 10] << 8 | buf[n - 9], VTG_TYPE_OPT);
	cr_assert_eq(buf[n - 4], 0x80);
}

Test(query, custom_udp_size)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "a", 1);
	struct vtg_query_opts o = {.edns = true, .udp_size = 4096};
	int n = vtg__query_encode(buf, sizeof(buf), 7, q, VTG_TYPE_A, &o);
	cr_assert_eq(buf[n - 8] << 8 | buf[n - 7], 4096);
}

Test(query, rd_and_cd_flags_table)
{
	static const struct {
		bool rd, cd;
		uint8_t flags_hi, flags_lo;
	} t[] = {
		{false, false, 0x00, 0x00},
		{true, false, 0x01, 0x00},
		{false, true, 0x00, 0x10},
		{true, true, 0x01, 0x10},
	};
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "a", 1);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct vtg_query_opts o = {.rd = t[i].rd, .cd = t[i].cd};
		int n = vtg__query_encode(buf, sizeof(buf), 7, q, VTG_TYPE_A, &o);
		cr_assert_eq(n, 12 + 3 + 4, "case %zu", i);
		cr_assert_eq(buf[2], t[i].flags_hi, "case %zu", i);
		cr_assert_eq(buf[3], t[i].flags_lo, "case %zu", i);
	}
}

Test(query, name_uncompressed_case_preserved)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	int l = vtg__name_from_text(q, "Ab.AB.ab.aB", 11);
	cr_assert_eq(l, 13);
	int n = vtg__query_encode(buf, sizeof(buf), 1, q, VTG_TYPE_CAA, NULL);
	cr_assert_eq(n, 12 + 13 + 4);
	cr_assert_arr_eq(buf + 12, q, 13); /* no pointers, same octets */
}

Test(query, root_qname)
{
	uint8_t root = 0, buf[64];
	int n = vtg__query_encode(buf, sizeof(buf), 1, &root, VTG_TYPE_NS, NULL);
	cr_assert_eq(n, 12 + 1 + 4);
	cr_assert_eq(buf[12], 0);
	cr_assert_eq(buf[14], VTG_TYPE_NS);
}

Test(query, every_short_buffer_is_space)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "example.com", 11);
	struct vtg_query_opts o = {.do_bit = true};
	int full = vtg__query_encode(buf, sizeof(buf), 1, q, VTG_TYPE_A, &o);
	cr_assert_eq(full, 12 + 13 + 4 + 11);
	for (size_t cap = 0; cap < (size_t)full; cap++)
		cr_assert_eq(vtg__query_encode(buf, cap, 1, q, VTG_TYPE_A, &o),
			     VTG_EWIRE_SPACE, "cap %zu", cap);
	cr_assert_eq(vtg__query_encode(buf, (size_t)full, 1, q, VTG_TYPE_A, &o), full);
}

Test(query, label_over_63_is_label_len)
{
	uint8_t q[VTG_DNS_MAX_NAME + 8] = {0}, buf[512];
	q[0] = 64; /* a raw qname with a 64-octet label */
	memset(q + 1, 'a', 64);
	cr_assert_eq(vtg__query_encode(buf, sizeof(buf), 1, q, VTG_TYPE_A, NULL),
		     VTG_EWIRE_LABEL_LEN);
	q[0] = 0xc0; /* a pointer is never a valid query name */
	cr_assert_eq(vtg__query_encode(buf, sizeof(buf), 1, q, VTG_TYPE_A, NULL),
		     VTG_EWIRE_LABEL_LEN);
}

Test(query, name_over_255_is_name_len)
{
	/* four 63-octet labels: 256 octets with the root */
	uint8_t q[300] = {0}, buf[512];
	for (int k = 0; k < 4; k++) {
		q[k * 64] = 63;
		memset(q + k * 64 + 1, 'x', 63);
	}
	cr_assert_eq(vtg__query_encode(buf, sizeof(buf), 1, q, VTG_TYPE_A, NULL),
		     VTG_EWIRE_NAME_LEN);
	q[3 * 64] = 61; /* 255 octets: fits */
	q[3 * 64 + 62] = 0;
	cr_assert_eq(vtg__query_encode(buf, sizeof(buf), 1, q, VTG_TYPE_A, NULL),
		     12 + 255 + 4);
}

Test(query, encoded_query_parses_back)
{
	uint8_t q[VTG_DNS_MAX_NAME], buf[512];
	vtg__name_from_text(q, "_acme-challenge.Example.org", 27);
	struct vtg_query_opts o = {.do_bit = true, .udp_size = 1400, .cd = true};
	int n = vtg__query_encode(buf, sizeof(buf), 99, q, VTG_TYPE_TXT, &o);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, buf, (size_t)n), 0);
	cr_assert_eq(m.id, 99);
	cr_assert_eq(m.flags, VTG_FLAG_CD);
	cr_assert(m.has_opt);
	cr_assert(m.opt_do);
	cr_assert_eq(m.opt_udp, 1400);
	cr_assert_arr_eq(m.qname, q, vtg__name_len(q));
	cr_assert_eq(m.qtype, VTG_TYPE_TXT);
	cr_assert_eq(m.qclass, VTG_CLASS_IN);
}

/* ==== parsing valid messages ==== */

Test(msg, caa_answer_literal)
{
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, caa_answer, sizeof(caa_answer)), 0);
	cr_assert_eq(m.pkt, caa_answer);
	cr_assert_eq(m.len, sizeof(caa_answer));
	cr_assert_eq(m.id, 0xa1b2);
	cr_assert_eq(m.flags, 0x8180);
	cr_assert_eq(m.qdcount, 1);
	cr_assert_eq(m.ancount, 1);
	cr_assert_eq(m.arcount, 1);
	cr_assert_eq(m.qtype, VTG_TYPE_CAA);
	cr_assert_eq(m.sec_off[VTG_SEC_ANSWER], 29);
	cr_assert_eq(m.sec_count[VTG_SEC_ANSWER], 1);
	cr_assert_eq(m.sec_off[VTG_SEC_ADDITIONAL], 29 + 34);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &m, VTG_SEC_ANSWER);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.type, VTG_TYPE_CAA);
	cr_assert_eq(rr.rclass, VTG_CLASS_IN);
	cr_assert_eq(rr.ttl, 3600);
	cr_assert_eq(rr.rdlen, 22);
	cr_assert_eq(rr.rdata, caa_answer + 41); /* zero-copy view */
	cr_assert_eq(rr.rdata_off, 41);
	cr_assert_eq(memcmp(rr.rdata + 7, "letsencrypt.org", 15), 0);
	cr_assert_arr_eq(rr.owner, caa_answer + 12, 13);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
}

Test(msg, sample_header_question_opt)
{
	struct mb mb;
	sample(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert_eq(m.id, 0xbeef);
	cr_assert_eq(m.ancount, 3);
	cr_assert_eq(m.nscount, 1);
	cr_assert_eq(m.arcount, 1);
	char t[300];
	text_of(m.qname, t, sizeof(t));
	cr_assert_str_eq(t, "www.Example.com"); /* case preserved */
	cr_assert(m.has_opt);
	cr_assert(m.opt_do);
	cr_assert_eq(m.opt_udp, 1232);
	cr_assert_eq(m.opt_version, 0);
	cr_assert_eq(m.ede_code, -1);
	cr_assert_eq(vtg__msg_rcode(&m), VTG_RCODE_NOERROR);
}

Test(msg, cname_chain_with_compression)
{
	struct mb mb;
	struct sample_offs o = sample(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	char t[300];
	vtg__rr_iter_init(&it, &m, VTG_SEC_ANSWER);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.type, VTG_TYPE_CNAME);
	cr_assert_eq(rr.ttl, 300);
	text_of(rr.owner, t, sizeof(t));
	cr_assert_str_eq(t, "www.Example.com");
	uint8_t target[VTG_DNS_MAX_NAME];
	size_t next = 0;
	cr_assert_eq(vtg__name_unpack(m.pkt, m.len, rr.rdata_off, target, &next), 17);
	cr_assert_eq(next, rr.rdata_off + rr.rdlen);
	cr_assert_eq(rr.rdata_off, o.cname_target);
	text_of(target, t, sizeof(t));
	cr_assert_str_eq(t, "cdn.example.net");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
		cr_assert_eq(rr.type, VTG_TYPE_CAA);
		cr_assert(vtg__name_equal(rr.owner, target)); /* owner via pointer */
	}
	cr_assert_eq(rr.rdata[0], 128);
	cr_assert_eq(memcmp(rr.rdata + 2, "tbs", 3), 0);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
}

Test(msg, nxdomain_with_soa_in_authority)
{
	struct mb mb;
	nxdomain(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert_eq(vtg__msg_rcode(&m), VTG_RCODE_NXDOMAIN);
	cr_assert(m.flags & VTG_FLAG_AA);
	cr_assert_not(m.has_opt);
	cr_assert_eq(m.sec_count[VTG_SEC_ANSWER], 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &m, VTG_SEC_AUTHORITY);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.type, VTG_TYPE_SOA);
	char t[300];
	text_of(rr.owner, t, sizeof(t));
	cr_assert_str_eq(t, "Example.net");
	uint8_t n1[VTG_DNS_MAX_NAME], n2[VTG_DNS_MAX_NAME];
	size_t next;
	cr_assert_gt(vtg__name_unpack(m.pkt, m.len, rr.rdata_off, n1, &next), 0);
	cr_assert_gt(vtg__name_unpack(m.pkt, m.len, next, n2, &next), 0);
	text_of(n1, t, sizeof(t));
	cr_assert_str_eq(t, "ns1.Example.net");
	text_of(n2, t, sizeof(t));
	cr_assert_str_eq(t, "hostmaster.Example.net");
	cr_assert_eq(next + 20, rr.rdata_off + rr.rdlen);
	const uint8_t *minimum = m.pkt + next + 16;
	cr_assert_eq(minimum[3], 44); /* 300 */
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
}

Test(msg, ede_6_dnssec_bogus)
{
	struct mb mb;
	servfail_ede(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert_eq(vtg__msg_rcode(&m), VTG_RCODE_SERVFAIL);
	cr_assert(m.has_opt);
	cr_assert_eq(m.ede_code, 6); /* the first EDE, not the later 9 */
}

Test(msg, ede_absent_is_minus_one)
{
	static const uint8_t cookie[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 1);
	question(&mb, "a.example", VTG_TYPE_A);
	opt_rr(&mb, 1232, 0, cookie, sizeof(cookie));
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert(m.has_opt);
	cr_assert_eq(m.ede_code, -1);
	cr_assert_not(m.opt_do);
}

Test(msg, ede_info_code_only_and_large_value)
{
	static const uint8_t ede[] = {0, 15, 0, 2, 0xff, 0xfe};
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 1);
	question(&mb, "a.example", VTG_TYPE_A);
	opt_rr(&mb, 1232, 0, ede, sizeof(ede));
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert_eq(m.ede_code, 0xfffe);
}

Test(msg, opt_extended_rcode_version_udp)
{
	struct mb mb;
	hdr(&mb, 1, 0x8182, 1, 0, 0, 1);
	question(&mb, "a.example", VTG_TYPE_A);
	opt_rr(&mb, 512, 0x01018000, NULL, 0); /* ext 1, version 1, DO */
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert_eq(m.opt_udp, 512);
	cr_assert_eq(m.opt_ext_rcode, 1);
	cr_assert_eq(m.opt_version, 1);
	cr_assert(m.opt_do);
	cr_assert_eq(vtg__msg_rcode(&m), 16 + 2);
	/* BADVERS = extended 1, header 0 (RFC 6891 6.1.3) */
	mb.b[3] = 0x80;
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert_eq(vtg__msg_rcode(&m), VTG_RCODE_BADVERS);
}

Test(msg, opt_owner_root_through_pointer_is_accepted)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 1);
	question(&mb, "a.example", VTG_TYPE_A);
	ptr(&mb, 12 + 10); /* the root label ending the qname */
	put16(&mb, VTG_TYPE_OPT);
	put16(&mb, 1232);
	put32(&mb, 0);
	put16(&mb, 0);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert(m.has_opt);
}

Test(msg, query_may_have_zero_or_one_question)
{
	struct mb mb;
	struct vtg_msg m;
	hdr(&mb, 1, 0x0000, 0, 0, 0, 0);
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert_eq(m.qname[0], 0);
	cr_assert_eq(m.qtype, 0);
	hdr(&mb, 1, 0x0100, 1, 0, 0, 0);
	question(&mb, "x", VTG_TYPE_CAA);
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert_eq(m.qtype, VTG_TYPE_CAA);
}

Test(msg, unknown_types_and_classes_are_opaque)
{
	/* RFC 3597: RDATA of an unknown type is opaque, and so is the RDATA
	 * of known types outside class IN (here a CH "CNAME" of one octet) */
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 2, 0, 0);
	question(&mb, "a.example", 65280);
	ptr(&mb, 12);
	rrhead(&mb, 65280, 1, 3);
	put(&mb, "\xc0\xff\x00", 3);
	ptr(&mb, 12);
	rrhead_class(&mb, VTG_TYPE_CNAME, 3, 1, 1);
	put8(&mb, 0xc0);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
}

Test(msg, empty_rdata_for_opaque_type)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	question(&mb, "a.example", VTG_TYPE_TXT);
	ptr(&mb, 12);
	rrhead(&mb, VTG_TYPE_CAA, 1, 0); /* CAA parser rejects it, not us */
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
}

/* ==== iteration ==== */

Test(iter, all_three_sections)
{
	struct mb mb;
	referral(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	static const uint16_t want[3][3] = {
		{VTG_TYPE_MX},
		{VTG_TYPE_NS, VTG_TYPE_NS},
		{VTG_TYPE_A, VTG_TYPE_AAAA, VTG_TYPE_OPT},
	};
	static const unsigned count[3] = {1, 2, 3};
	for (int s = 0; s < 3; s++) {
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		vtg__rr_iter_init(&it, &m, (enum vtg_section)s);
		for (unsigned i = 0; i < count[s]; i++) {
			cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1, "sec %d rr %u", s, i);
			cr_assert_eq(rr.type, want[s][i], "sec %d rr %u", s, i);
			cr_assert_eq(rr.rdata, m.pkt + rr.rdata_off);
		}
		cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
	}
}

Test(iter, owner_names_decompressed_case_preserved)
{
	struct mb mb;
	referral(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	char t[300];
	vtg__rr_iter_init(&it, &m, VTG_SEC_ADDITIONAL);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	text_of(rr.owner, t, sizeof(t));
	cr_assert_str_eq(t, "NS1.example.com"); /* through a pointer into NS RDATA */
	cr_assert_eq(rr.rdlen, 4);
	cr_assert_eq(rr.rdata[0], 192);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	text_of(rr.owner, t, sizeof(t));
	cr_assert_str_eq(t, "NS1.example.com");
	cr_assert_eq(rr.type, VTG_TYPE_AAAA);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.owner[0], 0); /* OPT: root */
	cr_assert_eq(rr.rclass, 4096);
}

Test(iter, rdata_names_decode_inside_rdata)
{
	struct mb mb;
	referral(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	uint8_t n[VTG_DNS_MAX_NAME];
	size_t next;
	char t[300];
	vtg__rr_iter_init(&it, &m, VTG_SEC_ANSWER);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.rdata[0] << 8 | rr.rdata[1], 10); /* MX preference */
	cr_assert_gt(vtg__name_unpack(m.pkt, m.len, rr.rdata_off + 2, n, &next), 0);
	cr_assert_eq(next, rr.rdata_off + rr.rdlen);
	text_of(n, t, sizeof(t));
	cr_assert_str_eq(t, "mail.example.com");
}

Test(iter, end_is_sticky)
{
	struct mb mb;
	nxdomain(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &m, VTG_SEC_ANSWER);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
	vtg__rr_iter_init(&it, &m, VTG_SEC_AUTHORITY);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
}

Test(iter, rejected_message_iterates_empty)
{
	struct mb mb;
	sample(&mb);
	put8(&mb, 0); /* trailing octet: rejected after all sections were read */
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), VTG_EWIRE_TRAILING);
	for (int s = 0; s < 3; s++) {
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		vtg__rr_iter_init(&it, &m, (enum vtg_section)s);
		cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
	}
}

/* ==== name decompression ==== */

Test(unpack, plain_name_and_next_offset)
{
	static const uint8_t p[] = {9, 9, 3, 'W', 'w', 'W', 2, 'e', 'X', 0, 7};
	uint8_t out[VTG_DNS_MAX_NAME];
	size_t next = 0;
	cr_assert_eq(vtg__name_unpack(p, sizeof(p), 2, out, &next), 8);
	cr_assert_eq(next, 10);
	cr_assert_arr_eq(out, p + 2, 8); /* case preserved */
	cr_assert_eq(vtg__name_unpack(p, sizeof(p), 2, out, NULL), 8); /* next optional */
}

Test(unpack, pointer_to_pointer)
{
	/* @0 "com", @5 "ex" -> @0, @10 "a" -> @5, @14 "b" -> @10 */
	static const uint8_t p[] = {3, 'c', 'o', 'm', 0,
				    2, 'e', 'x', 0xc0, 0,
				    1, 'a', 0xc0, 5,
				    1, 'B', 0xc0, 10, 0xee};
	uint8_t out[VTG_DNS_MAX_NAME];
	size_t next = 0;
	char t[64];
	cr_assert_eq(vtg__name_unpack(p, sizeof(p), 14, out, &next), 12);
	cr_assert_eq(next, 18); /* just past the first pointer */
	text_of(out, t, sizeof(t));
	cr_assert_str_eq(t, "B.a.ex.com");
}

Test(unpack, root_and_pointer_to_root)
{
	static const uint8_t p[] = {0, 0xc0, 0};
	uint8_t out[VTG_DNS_MAX_NAME];
	size_t next = 0;
	cr_assert_eq(vtg__name_unpack(p, sizeof(p), 0, out, &next), 1);
	cr_assert_eq(next, 1);
	cr_assert_eq(out[0], 0);
	cr_assert_eq(vtg__name_unpack(p, sizeof(p), 1, out, &next), 1);
	cr_assert_eq(next, 3);
}

Test(unpack, longest_name_255_then_256_rejected)
{
	/* 3 x 63-octet labels + a 61-octet label + root = 255 */
	uint8_t p[300];
	size_t o = 0;
	for (int k = 0; k < 4; k++) {
		uint8_t l = k < 3 ? 63 : 61;
		p[o++] = l;
		memset(p + o, 'a' + k, l);
		o += l;
	}
	p[o++] = 0;
	cr_assert_eq(o, 255);
	uint8_t out[VTG_DNS_MAX_NAME];
	size_t next;
	cr_assert_eq(vtg__name_unpack(p, o, 0, out, &next), 255);
	cr_assert_arr_eq(out, p, 255);
	p[192] = 62; /* one octet longer: 256 */
	memmove(p + 193 + 62, p + 193 + 61, 1);
	p[193 + 61] = 'z';
	cr_assert_eq(vtg__name_unpack(p, o + 1, 0, out, &next), VTG_EWIRE_NAME_LEN);
}

Test(unpack, hop_limit_127_allowed_128_is_loop)
{
	/* @0 root; then pointers, each to the one before: the pointer at
	 * 1 + 2k needs k + 1 hops */
	uint8_t p[1 + 2 * 130];
	p[0] = 0;
	for (int k = 0; k < 130; k++) {
		size_t at = 1 + 2 * (size_t)k, to = k ? at - 2 : 0;
		p[at] = (uint8_t)(0xc0 | to >> 8);
		p[at + 1] = (uint8_t)to;
	}
	uint8_t out[VTG_DNS_MAX_NAME];
	size_t next;
	cr_assert_eq(vtg__name_unpack(p, sizeof(p), 1 + 2 * 126, out, &next), 1); /* 127 */
	cr_assert_eq(next, 1 + 2 * 126 + 2);
	cr_assert_eq(vtg__name_unpack(p, sizeof(p), 1 + 2 * 127, out, &next),
		     VTG_EWIRE_PTR_LOOP); /* 128 */
}

Test(unpack, pointer_errors_table)
{
	static const struct {
		const char *what;
		uint8_t p[12];
		size_t len, off;
		int err;
	} t[] = {
		{"self pointer", {0, 0, 0xc0, 2}, 4, 2, VTG_EWIRE_PTR_LOOP},
		{"into own sequence", {1, 'a', 0xc0, 0}, 4, 0, VTG_EWIRE_PTR_LOOP},
		{"back into a jumped-to sequence", {1, 'a', 0xc0, 1, 1, 'b', 0xc0, 0}, 8, 4,
		 VTG_EWIRE_PTR_LOOP},
		{"forward", {0xc0, 3, 0, 0}, 4, 0, VTG_EWIRE_PTR_FWD},
		{"forward from a jump", {1, 'a', 0xc0, 6, 0xc0, 0, 0}, 7, 4, VTG_EWIRE_PTR_FWD},
		{"forward past the end", {0xc0, 0xff}, 2, 0, VTG_EWIRE_PTR_FWD},
		{"half a pointer", {0, 0xc0}, 2, 1, VTG_EWIRE_TRUNC},
		{"label past the end", {3, 'a', 'b'}, 3, 0, VTG_EWIRE_TRUNC},
		{"no root label", {1, 'a'}, 2, 0, VTG_EWIRE_TRUNC},
		{"offset at the end", {0}, 1, 1, VTG_EWIRE_TRUNC},
		{"offset past the end", {0}, 1, 5, VTG_EWIRE_TRUNC},
		{"0x40 extended label", {0x41, 2, 0}, 3, 0, VTG_EWIRE_LABEL_TYPE},
		{"0x80 reserved label", {0x81, 'a', 0}, 3, 0, VTG_EWIRE_LABEL_TYPE},
		{"0x7f label", {1, 'a', 0x7f}, 3, 0, VTG_EWIRE_LABEL_TYPE},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t out[VTG_DNS_MAX_NAME];
		size_t next = 12345;
		int rc = vtg__name_unpack(t[i].p, t[i].len, t[i].off, out, &next);
		cr_assert_eq(rc, t[i].err, "%s: got %d (%s)", t[i].what, rc, vtg_strerror(rc));
		cr_assert_eq(next, 12345, "%s: next written on error", t[i].what);
	}
}

Test(unpack, error_leaves_root_name_not_partial)
{
	/* two labels decoded, then a forward pointer */
	static const uint8_t p[] = {1, 'a', 1, 'b', 0xc0, 9, 0, 0, 0, 0};
	uint8_t out[VTG_DNS_MAX_NAME];
	memset(out, 0x3f, sizeof(out));
	cr_assert_eq(vtg__name_unpack(p, sizeof(p), 0, out, NULL), VTG_EWIRE_PTR_FWD);
	cr_assert_eq(out[0], 0);
}

/* ==== malformed messages: one distinct code each ==== */

static void expect_err(const struct mb *mb, int err)
{
	struct vtg_msg m;
	int rc = vtg__msg_parse(&m, mb->b, mb->n);
	cr_assert_eq(rc, err, "got %d (%s), want %d (%s)", rc, vtg_strerror(rc), err,
		     vtg_strerror(err));
}

Test(msg_err, header_shorter_than_12)
{
	struct mb mb;
	sample(&mb);
	for (size_t len = 0; len < VTG_DNS_HEADER_LEN; len++) {
		struct vtg_msg m;
		cr_assert_eq(vtg__msg_parse(&m, mb.b, len), VTG_EWIRE_HEADER, "len %zu", len);
		cr_assert_eq(m.ede_code, -1);
	}
}

Test(msg_err, truncated_inside_question)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	name(&mb, "a.example");
	put16(&mb, 1);
	expect_err(&mb, VTG_EWIRE_TRUNC);
}

Test(msg_err, truncated_inside_rr_fixed_part)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	question(&mb, "a.example", VTG_TYPE_A);
	ptr(&mb, 12);
	put16(&mb, VTG_TYPE_A);
	put16(&mb, VTG_CLASS_IN);
	put16(&mb, 0); /* TTL cut in half */
	expect_err(&mb, VTG_EWIRE_TRUNC);
}

Test(msg_err, failed_question_leaves_root_qname_and_no_opt)
{
	struct mb mb;
	hdr(&mb, 7, 0x8180, 1, 0, 0, 0);
	put(&mb, "\x03" "abc" "\x02" "de", 7); /* no root label: truncated */
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), VTG_EWIRE_TRUNC);
	cr_assert_eq(m.id, 7); /* header kept for logging */
	cr_assert_eq(m.qname[0], 0);
	cr_assert_not(m.has_opt);
	cr_assert_eq(m.ede_code, -1);
	servfail_ede(&mb);
	mb.b[11] = 2; /* ARCOUNT 2: the OPT parsed, then the count lied */
	cr_assert_eq(parse(&m, &mb), VTG_EWIRE_COUNT);
	cr_assert_not(m.has_opt);
	cr_assert_eq(m.ede_code, -1);
}

Test(msg_err, pointer_loop)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	question(&mb, "a.example", VTG_TYPE_A);
	size_t owner = mb.n;
	put(&mb, "\x01x", 2);
	ptr(&mb, owner); /* back to the start of its own sequence */
	rrhead(&mb, VTG_TYPE_A, 1, 4);
	put32(&mb, 0);
	expect_err(&mb, VTG_EWIRE_PTR_LOOP);
}

Test(msg_err, pointer_to_itself_in_question)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	ptr(&mb, 12);
	put16(&mb, 1);
	put16(&mb, 1);
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
		put8(&mb, 0);
	expect_err(&mb, VTG_EWIRE_PTR_FWD);
}

Test(msg_err, label_length_64_is_extended_label_type)
{
	/* 64 = 0x40: on the wire a "long label" is the RFC 6891 section 5
	 * extended label type; LABEL_LEN is for names we are given. */
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	put8(&mb, 64);
	for (int i = 0; i < 64; i++)
		put8(&mb, 'a');
	put8(&mb, 0);
	put16(&mb, 1);
	put16(&mb, 1);
	expect_err(&mb, VTG_EWIRE_LABEL_TYPE);
}

Test(msg_err, reserved_label_type_0x80_in_owner)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	question(&mb, "a.example", VTG_TYPE_A);
	put8(&mb, 0x80);
	put8(&mb, 0);
	rrhead(&mb, VTG_TYPE_A, 1, 4);
	put32(&mb, 0);
	expect_err(&mb, VTG_EWIRE_LABEL_TYPE);
}

Test(msg_err, name_over_255_octets_in_place)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	for (int k = 0; k < 5; k++) {
		put8(&mb, 60);
		for (int i = 0; i < 60; i++)
			put8(&mb, 'a');
	}
	put8(&mb, 0);
	put16(&mb, 1);
	put16(&mb, 1);
	expect_err(&mb, VTG_EWIRE_NAME_LEN);
}

Test(msg_err, name_over_255_via_pointer)
{
	/* a 250-octet qname, then an answer owner adding a label in front of
	 * it through a pointer: each part legal, the sum 256 octets */
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	for (int k = 0; k < 4; k++) {
		put8(&mb, 61);
		for (int i = 0; i < 61; i++)
			put8(&mb, 'b');
	}
	put(&mb, "\x01z", 2);
	put8(&mb, 0);
	put16(&mb, 1);
	put16(&mb, 1);
	size_t owner = mb.n;
	put(&mb, "\x04" "hell", 5);
	ptr(&mb, 12);
	rrhead(&mb, VTG_TYPE_A, 1, 4);
	put32(&mb, 0);
	expect_err(&mb, VTG_EWIRE_NAME_LEN);
	mb.b[owner] = 3; /* "hel": 255 octets, fine; drop the last 'l' */
	memmove(mb.b + owner + 4, mb.b + owner + 5, mb.n - (owner + 5));
	mb.n--;
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
}

Test(msg_err, rdlength_past_end)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
	question(&mb, "a.example", VTG_TYPE_TXT);
	ptr(&mb, 12);
	rrhead(&mb, VTG_TYPE_TXT, 1, 200);
	put32(&mb, 0);
	expect_err(&mb, VTG_EWIRE_RDLEN);
}

Test(msg_err, count_claims_more_answers)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 2, 0, 0);
	question(&mb, "a.example", VTG_TYPE_A);
	ptr(&mb, 12);
	rrhead(&mb, VTG_TYPE_A, 1, 4);
	put32(&mb, 0);
	expect_err(&mb, VTG_EWIRE_COUNT);
}

Test(msg_err, count_claims_additional_records)
{
	struct mb mb;
	nxdomain(&mb);
	mb.b[11] = 1; /* ARCOUNT 1, nothing after the authority SOA */
	expect_err(&mb, VTG_EWIRE_COUNT);
}

Test(msg_err, count_claims_a_question)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	expect_err(&mb, VTG_EWIRE_COUNT);
}

Test(msg_err, trailing_bytes)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 0);
	question(&mb, "a.example", VTG_TYPE_A);
	put(&mb, "junk", 4);
	expect_err(&mb, VTG_EWIRE_TRAILING);
}

Test(msg_err, response_question_count_not_one)
{
	static const uint16_t bad[] = {0, 2, 0xffff};
	struct mb mb;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hdr(&mb, 1, 0x8180, bad[i], 0, 0, 0);
		question(&mb, "a.example", VTG_TYPE_A);
		expect_err(&mb, VTG_EWIRE_QDCOUNT);
	}
}

Test(msg_err, query_with_two_questions)
{
	struct mb mb;
	hdr(&mb, 1, 0x0100, 2, 0, 0, 0);
	question(&mb, "a.example", VTG_TYPE_A);
	question(&mb, "b.example", VTG_TYPE_A);
	expect_err(&mb, VTG_EWIRE_QDCOUNT);
}

Test(msg_err, opt_in_answer_or_authority)
{
	for (int sec = 0; sec < 2; sec++) {
		struct mb mb;
		hdr(&mb, 1, 0x8180, 1, sec == 0, sec == 1, 0);
		question(&mb, "a.example", VTG_TYPE_A);
		opt_rr(&mb, 1232, 0, NULL, 0);
		expect_err(&mb, VTG_EWIRE_OPT);
	}
}

Test(msg_err, two_opt_records)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 2);
	question(&mb, "a.example", VTG_TYPE_A);
	opt_rr(&mb, 1232, 0, NULL, 0);
	opt_rr(&mb, 1232, 0, NULL, 0);
	expect_err(&mb, VTG_EWIRE_OPT);
}

Test(msg_err, opt_owner_not_root)
{
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 1);
	question(&mb, "a.example", VTG_TYPE_A);
	ptr(&mb, 12);
	put16(&mb, VTG_TYPE_OPT);
	put16(&mb, 1232);
	put32(&mb, 0);
	put16(&mb, 0);
	expect_err(&mb, VTG_EWIRE_OPT);
}

Test(msg_err, opt_option_list_malformed_table)
{
	static const struct {
		const char *what;
		uint8_t rd[8];
		uint16_t len;
	} t[] = {
		{"option runs past RDATA", {0, 15, 0, 9, 0, 6}, 6},
		{"half an option header", {0, 10, 0}, 3},
		{"one stray octet", {0}, 1},
		{"EDE without INFO-CODE", {0, 15, 0, 1, 6}, 5},
		{"empty EDE", {0, 15, 0, 0}, 4},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mb mb;
		hdr(&mb, 1, 0x8180, 1, 0, 0, 1);
		question(&mb, "a.example", VTG_TYPE_A);
		opt_rr(&mb, 1232, 0, t[i].rd, t[i].len);
		struct vtg_msg m;
		int rc = parse(&m, &mb);
		cr_assert_eq(rc, VTG_EWIRE_OPT, "%s: %d", t[i].what, rc);
	}
}

Test(msg_err, rdata_malformed_table)
{
	/* RDATA of class IN types whose layout vantage reads directly */
	static const struct {
		const char *what;
		uint16_t type;
		uint8_t rd[32];
		uint16_t len;
		int err;
	} t[] = {
		{"A of 3 octets", VTG_TYPE_A, {1, 2, 3}, 3, VTG_EWIRE_RDATA},
		{"A of 5 octets", VTG_TYPE_A, {1, 2, 3, 4, 5}, 5, VTG_EWIRE_RDATA},
		{"AAAA of 4 octets", VTG_TYPE_AAAA, {1, 2, 3, 4}, 4, VTG_EWIRE_RDATA},
		{"empty CNAME", VTG_TYPE_CNAME, {0}, 0, VTG_EWIRE_RDATA},
		{"CNAME name past RDATA", VTG_TYPE_CNAME, {3, 'a', 'b', 'c', 0}, 4,
		 VTG_EWIRE_RDATA},
		{"CNAME with octets after the name", VTG_TYPE_CNAME, {1, 'a', 0, 0}, 4,
		 VTG_EWIRE_RDATA},
		{"NS pointer loop keeps its code", VTG_TYPE_NS, {1, 'a', 0xc0, 0x27}, 4,
		 VTG_EWIRE_PTR_LOOP},
		{"PTR forward pointer keeps its code", VTG_TYPE_PTR, {0xc0, 0xff}, 2,
		 VTG_EWIRE_PTR_FWD},
		{"DNAME bad label type", VTG_TYPE_DNAME, {0x40, 0}, 2, VTG_EWIRE_LABEL_TYPE},
		{"MX without preference", VTG_TYPE_MX, {0}, 1, VTG_EWIRE_RDATA},
		{"MX name past RDATA", VTG_TYPE_MX, {0, 10, 1, 'a', 0}, 4, VTG_EWIRE_RDATA},
		{"SOA without counters", VTG_TYPE_SOA, {0, 0, 1, 2, 3, 4}, 6, VTG_EWIRE_RDATA},
		{"SOA with one octet extra", VTG_TYPE_SOA, {0, 0}, 23, VTG_EWIRE_RDATA},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mb mb;
		hdr(&mb, 1, 0x8180, 1, 1, 0, 0);
		question(&mb, "a.example", t[i].type); /* 15 octets: RDATA @27 + 12 */
		ptr(&mb, 12);
		rrhead(&mb, t[i].type, 1, t[i].len);
		cr_assert_eq(mb.n, 39);
		put(&mb, t[i].rd, t[i].len);
		struct vtg_msg m;
		int rc = parse(&m, &mb);
		cr_assert_eq(rc, t[i].err, "%s: got %d (%s)", t[i].what, rc, vtg_strerror(rc));
	}
}

Test(msg_err, error_codes_are_distinct_and_named)
{
	static const int codes[] = {
		VTG_EWIRE_TRUNC, VTG_EWIRE_PTR_LOOP, VTG_EWIRE_PTR_FWD,
		VTG_EWIRE_LABEL_LEN, VTG_EWIRE_NAME_LEN, VTG_EWIRE_LABEL_TYPE,
		VTG_EWIRE_RDLEN, VTG_EWIRE_COUNT, VTG_EWIRE_TRAILING,
		VTG_EWIRE_QDCOUNT, VTG_EWIRE_SPACE, VTG_EWIRE_OPT, VTG_EWIRE_RDATA,
		VTG_EWIRE_HEADER,
	};
	size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(codes[i], 0);
		cr_assert_str_neq(vtg_strerror(codes[i]), "unknown error");
		for (size_t k = i + 1; k < n; k++)
			cr_assert_neq(codes[i], codes[k]);
	}
}

/* ==== truncation and over-reads ==== */

Test(prefix, every_truncated_prefix_fails)
{
	for (size_t v = 0; v < N_VALID; v++) {
		struct mb mb;
		valid_msgs[v](&mb);
		struct vtg_msg m;
		cr_assert_eq(parse(&m, &mb), 0, "message %zu", v);
		for (size_t len = 0; len < mb.n; len++) {
			int rc = vtg__msg_parse(&m, mb.b, len);
			cr_assert_lt(rc, 0, "message %zu prefix %zu accepted", v, len);
			cr_assert_geq(rc, VTG_EWIRE_HEADER, "message %zu prefix %zu: %d", v, len, rc);
		}
	}
}

/* Two pages, the second PROT_NONE: data copied to end at the boundary. */
static uint8_t *guard_map(size_t *pg)
{
	*pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, *pg * 2, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(mprotect(map + *pg, *pg, PROT_NONE), 0);
	return map;
}

static void walk_all(const struct vtg_msg *m)
{
	for (int s = 0; s < 3; s++) {
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		int rc;
		vtg__rr_iter_init(&it, m, (enum vtg_section)s);
		while ((rc = vtg__rr_iter_next(&it, &rr)) == 1) {
			uint8_t n[VTG_DNS_MAX_NAME];
			static uint8_t canon[VTG_DNS_MAX_MSG];
			size_t next;
			if (rr.type == VTG_TYPE_CNAME || rr.type == VTG_TYPE_NS ||
			    rr.type == VTG_TYPE_SOA)
				cr_assert_gt(vtg__name_unpack(m->pkt, m->len, rr.rdata_off, n,
							      &next), 0);
			cr_assert_geq(vtg__rdata_uncompress(m, &rr, canon, sizeof(canon)), 0);
		}
		cr_assert_eq(rc, 0);
	}
}

Test(prefix, every_prefix_before_guard_page)
{
	size_t pg;
	uint8_t *map = guard_map(&pg);
	for (size_t v = 0; v < N_VALID; v++) {
		struct mb mb;
		valid_msgs[v](&mb);
		for (size_t len = 0; len <= mb.n; len++) {
			uint8_t *p = map + pg - len; /* the last byte touches the guard */
			memcpy(p, mb.b, len);
			struct vtg_msg m;
			int rc = vtg__msg_parse(&m, p, len);
			cr_assert_eq(rc == 0, len == mb.n, "message %zu len %zu: %d", v, len, rc);
			if (rc == 0)
				walk_all(&m);
		}
	}
	munmap(map, pg * 2);
}

Test(prefix, name_unpack_every_offset_before_guard_page)
{
	size_t pg;
	uint8_t *map = guard_map(&pg);
	for (size_t v = 0; v < N_VALID; v++) {
		struct mb mb;
		valid_msgs[v](&mb);
		for (size_t len = 0; len <= mb.n; len++) {
			uint8_t *p = map + pg - len;
			memcpy(p, mb.b, len);
			for (size_t off = 0; off <= len; off++) {
				uint8_t out[VTG_DNS_MAX_NAME];
				size_t next = 0;
				int rc = vtg__name_unpack(p, len, off, out, &next);
				if (rc > 0) {
					cr_assert_leq(next, len);
					cr_assert_eq(vtg__name_len(out), (size_t)rc);
				}
			}
		}
	}
	munmap(map, pg * 2);
}

/* ==== names: presentation <-> wire helpers the codec relies on ==== */

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

/* ==== mnemonics ==== */

Test(mnemonic, rcode_table)
{
	static const struct {
		unsigned rcode;
		const char *name;
	} t[] = {
		{0, "NOERROR"}, {1, "FORMERR"}, {2, "SERVFAIL"}, {3, "NXDOMAIN"},
		{4, "NOTIMP"}, {5, "REFUSED"}, {6, "YXDOMAIN"}, {7, "YXRRSET"},
		{8, "NXRRSET"}, {9, "NOTAUTH"}, {10, "NOTZONE"}, {11, "DSOTYPENI"},
		{12, "RCODE12"}, {15, "RCODE15"}, {16, "BADVERS"}, {23, "BADCOOKIE"},
		{24, "RCODE"}, {4095, "RCODE"}, {1u << 20, "RCODE"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_assert_str_eq(vtg__rcode_str(t[i].rcode), t[i].name, "rcode %u",
				 t[i].rcode);
}

Test(mnemonic, type_table)
{
	static const struct {
		uint16_t type;
		const char *name;
	} t[] = {
		{1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"}, {12, "PTR"}, {15, "MX"},
		{16, "TXT"}, {28, "AAAA"}, {33, "SRV"}, {39, "DNAME"}, {41, "OPT"},
		{43, "DS"}, {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"}, {50, "NSEC3"},
		{51, "NSEC3PARAM"}, {52, "TLSA"}, {64, "SVCB"}, {65, "HTTPS"},
		{255, "ANY"}, {257, "CAA"}, {32769, "DLV"},
	};
	char b[16];
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_assert_str_eq(vtg__type_str(t[i].type, b, sizeof(b)), t[i].name, "type %u",
				 t[i].type);
}

Test(mnemonic, unknown_type_rfc3597)
{
	char b[16];
	cr_assert_eq(vtg__type_str(65280, b, sizeof(b)), b);
	cr_assert_str_eq(b, "TYPE65280");
	cr_assert_str_eq(vtg__type_str(0, b, sizeof(b)), "TYPE0");
	cr_assert_str_eq(vtg__type_str(65535, b, 10), "TYPE65535"); /* exact fit */
	cr_assert_str_eq(vtg__type_str(65535, b, 9), "TYPE");       /* no room */
	cr_assert_str_eq(vtg__type_str(65535, NULL, 0), "TYPE");
}

/* ---- question-only parse (truncated answers) ---- */

Test(msg_question, truncated_answer_with_lying_counts_keeps_its_question)
{
	struct mb mb;
	struct vtg_msg m;
	hdr(&mb, 0x1234, 0x8380, 1, 120, 0, 1); /* QR TC RD RA; 120 answers claimed */
	question(&mb, "Big.Example", VTG_TYPE_CAA);
	put(&mb, "\xc0\x0c\x01", 3); /* a record cut off mid-way */
	cr_assert_lt(vtg__msg_parse(&m, mb.b, mb.n), 0);
	cr_assert_eq(vtg__msg_parse_question(&m, mb.b, mb.n), 0);
	cr_assert_eq(m.id, 0x1234);
	cr_assert(m.flags & VTG_FLAG_TC);
	cr_assert_eq(m.qtype, VTG_TYPE_CAA);
	cr_assert_eq(m.qclass, VTG_CLASS_IN);
	char t[1024];
	text_of(m.qname, t, sizeof(t));
	cr_assert_str_eq(t, "Big.Example");
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	for (int s = VTG_SEC_ANSWER; s <= VTG_SEC_ADDITIONAL; s++) {
		vtg__rr_iter_init(&it, &m, (enum vtg_section)s);
		cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0, "section %d must be empty", s);
	}
}

Test(msg_question, broken_question_is_still_an_error)
{
	struct mb mb;
	struct vtg_msg m;
	hdr(&mb, 1, 0x8380, 1, 0, 0, 0);
	put(&mb, "\x05" "ab", 3); /* label runs off the end */
	cr_assert_lt(vtg__msg_parse_question(&m, mb.b, mb.n), 0);
	hdr(&mb, 1, 0x8380, 2, 0, 0, 0);
	question(&mb, "a.example", VTG_TYPE_A);
	question(&mb, "b.example", VTG_TYPE_A);
	cr_assert_eq(vtg__msg_parse_question(&m, mb.b, mb.n), VTG_EWIRE_QDCOUNT);
	cr_assert_eq(vtg__msg_parse_question(&m, mb.b, 11), VTG_EWIRE_HEADER);
}

/* ==== TTL (RFC 2181 section 8) ==== */

Test(ttl, top_bit_set_reads_as_zero_in_every_section)
{
	static const struct {
		uint32_t wire, read;
	} t[] = {
		{0, 0}, {1, 1}, {300, 300}, {0x7fffffff, 0x7fffffff},
		{0x80000000, 0}, {0x80000001, 0}, {0xfffffffe, 0}, {0xffffffff, 0},
	};
	const size_t nt = sizeof(t) / sizeof(t[0]);
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, (uint16_t)nt, 1, 1);
	question(&mb, "a.example", VTG_TYPE_A);
	for (size_t i = 0; i < nt; i++) {
		ptr(&mb, 12);
		rrhead(&mb, VTG_TYPE_A, t[i].wire, 4);
		put32(&mb, 0xc0000200 + (uint32_t)i);
	}
	ptr(&mb, 12);
	size_t rd = rrhead_open(&mb, VTG_TYPE_SOA, 0xffffffff);
	ptr(&mb, 12);
	ptr(&mb, 12);
	for (int k = 0; k < 5; k++)
		put32(&mb, 1);
	rr_close(&mb, rd);
	ptr(&mb, 12);
	rrhead(&mb, VTG_TYPE_A, 0x80000000, 4);
	put32(&mb, 1);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &m, VTG_SEC_ANSWER);
	for (size_t i = 0; i < nt; i++) {
		cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
		cr_assert_eq(rr.ttl, t[i].read, "TTL %#x read as %u", t[i].wire, rr.ttl);
	}
	vtg__rr_iter_init(&it, &m, VTG_SEC_AUTHORITY);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.ttl, 0);
	vtg__rr_iter_init(&it, &m, VTG_SEC_ADDITIONAL);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.ttl, 0);
}

Test(ttl, opt_ttl_field_is_not_a_ttl_and_stays_raw)
{
	/* RFC 6891 6.1.3: extended RCODE 0x80 sets the top bit of the field */
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 0, 0, 1);
	question(&mb, "a.example", VTG_TYPE_A);
	opt_rr(&mb, 1232, 0x80008000, NULL, 0);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	cr_assert_eq(m.opt_ext_rcode, 0x80);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &m, VTG_SEC_ADDITIONAL);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.type, VTG_TYPE_OPT);
	cr_assert_eq(rr.ttl, 0x80008000u);
}

/* ==== RDATA names uncompressed ==== */

Test(uncompress, has_names_table)
{
	static const uint16_t yes[] = {VTG_TYPE_NS, VTG_TYPE_CNAME, VTG_TYPE_SOA, VTG_TYPE_PTR,
				       VTG_TYPE_MX, VTG_TYPE_DNAME, VTG_TYPE_SRV};
	static const uint16_t no[] = {VTG_TYPE_A, VTG_TYPE_AAAA, VTG_TYPE_TXT, VTG_TYPE_CAA,
				      VTG_TYPE_OPT, VTG_TYPE_RRSIG, VTG_TYPE_NSEC, 0, 65535};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_assert(vtg__rdata_has_names(yes[i]), "type %u", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_assert_not(vtg__rdata_has_names(no[i]), "type %u", no[i]);
}

/* expected: fixed octets before, presentation names, fixed octets after */
static size_t expect_rdata(uint8_t *out, const void *pre, size_t npre, const char *n1,
			   const char *n2, const void *post, size_t npost)
{
	size_t o = 0;
	memcpy(out, pre, npre);
	o += npre;
	const char *names[] = {n1, n2};
	for (int i = 0; i < 2; i++) {
		if (!names[i])
			continue;
		int l = vtg__name_from_text(out + o, names[i], strlen(names[i]));
		cr_assert_gt(l, 0);
		o += (size_t)l;
	}
	memcpy(out + o, post, npost);
	return o + npost;
}

Test(uncompress, every_name_type_decompressed_against_the_message)
{
	struct mb mb;
	compressed_names(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	uint8_t soa_fixed[20];
	for (int i = 0; i < 5; i++) {
		uint32_t v = 7 + (uint32_t)i;
		soa_fixed[4 * i] = (uint8_t)(v >> 24);
		soa_fixed[4 * i + 1] = (uint8_t)(v >> 16);
		soa_fixed[4 * i + 2] = (uint8_t)(v >> 8);
		soa_fixed[4 * i + 3] = (uint8_t)v;
	}
	uint8_t want[7][VTG_RDATA_NAMES_MAX];
	size_t wl[7];
	wl[0] = expect_rdata(want[0], "", 0, "dcv.ca.example.com", NULL, "", 0);
	wl[1] = expect_rdata(want[1], "\x00\x0a", 2, "mail.example.com", NULL, "", 0);
	wl[2] = expect_rdata(want[2], "\x00\x01\x00\x02\x01\xbb", 6, "sip.example.com", NULL,
			     "", 0);
	wl[3] = expect_rdata(want[3], "", 0, "Www.example.com", NULL, "", 0);
	wl[4] = expect_rdata(want[4], "", 0, "mail.example.com", "hostmaster.example.com",
			     soa_fixed, 20);
	wl[5] = expect_rdata(want[5], "", 0, "_dcv.Www.example.com", NULL, "", 0);
	wl[6] = expect_rdata(want[6], "", 0, "new.com", NULL, "", 0);
	static const uint16_t types[7] = {VTG_TYPE_CNAME, VTG_TYPE_MX, VTG_TYPE_SRV,
					  VTG_TYPE_NS, VTG_TYPE_SOA, VTG_TYPE_PTR,
					  VTG_TYPE_DNAME};
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &m, VTG_SEC_ANSWER);
	for (int i = 0; i < 7; i++) {
		cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
		cr_assert_eq(rr.type, types[i]);
		cr_assert(vtg__rdata_has_names(rr.type));
		uint8_t out[VTG_RDATA_NAMES_MAX];
		int l = vtg__rdata_uncompress(&m, &rr, out, sizeof(out));
		cr_assert_eq(l, (int)wl[i], "record %d: %d (%s)", i, l, vtg_strerror(l));
		cr_assert_eq(memcmp(out, want[i], wl[i]), 0, "record %d", i);
		/* the compressed form really was shorter: pointers were followed */
		cr_assert_lt(rr.rdlen, (uint16_t)l, "record %d", i);
		/* every cap short of the length is VTG_EWIRE_SPACE */
		for (size_t cap = 0; cap < wl[i]; cap++)
			cr_assert_eq(vtg__rdata_uncompress(&m, &rr, out, cap), VTG_EWIRE_SPACE,
				     "record %d cap %zu", i, cap);
	}
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 0);
}

Test(uncompress, the_sample_soa_pointer_to_pointer)
{
	struct mb mb;
	sample(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &m, VTG_SEC_AUTHORITY);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(rr.type, VTG_TYPE_SOA);
	uint8_t out[VTG_RDATA_NAMES_MAX], want[VTG_RDATA_NAMES_MAX];
	size_t wl = expect_rdata(want, "", 0, "ns.example.net", "hostmaster.ns.example.net",
				 rr.rdata + rr.rdlen - 20, 20);
	cr_assert_eq(vtg__rdata_uncompress(&m, &rr, out, sizeof(out)), (int)wl);
	cr_assert_eq(memcmp(out, want, wl), 0);
}

Test(uncompress, other_types_are_copied_as_they_are)
{
	struct mb mb;
	build_caa(&mb);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &m, VTG_SEC_ANSWER);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	uint8_t out[64];
	cr_assert_eq(vtg__rdata_uncompress(&m, &rr, out, sizeof(out)), rr.rdlen);
	cr_assert_eq(memcmp(out, rr.rdata, rr.rdlen), 0);
	cr_assert_eq(vtg__rdata_uncompress(&m, &rr, out, rr.rdlen - 1u), VTG_EWIRE_SPACE);
}

/* One RR of (type, class) with the given RDATA after "a.example" (the RDATA
 * starts at offset 39), parsed; returns the RR. */
static void one_rr(struct mb *mb, struct vtg_msg *m, struct vtg_rr *rr, uint16_t type,
		   uint16_t rclass, const uint8_t *rd, uint16_t len)
{
	hdr(mb, 1, 0x8180, 1, 1, 0, 0);
	question(mb, "a.example", type);
	ptr(mb, 12);
	rrhead_class(mb, type, rclass, 1, len);
	cr_assert_eq(mb->n, 39);
	put(mb, rd, len);
	cr_assert_eq(parse(m, mb), 0);
	struct vtg_rr_iter it;
	vtg__rr_iter_init(&it, m, VTG_SEC_ANSWER);
	cr_assert_eq(vtg__rr_iter_next(&it, rr), 1);
}

Test(uncompress, malformed_rdata_table)
{
	/* SRV and classes other than IN pass vtg__msg_parse unchecked: the
	 * layout is checked by vtg__rdata_uncompress itself */
	static const struct {
		const char *what;
		uint16_t type, rclass;
		uint8_t rd[16];
		uint16_t len;
		int ret;
	} t[] = {
		{"SRV uncompressed", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187, 1, 'a', 0}, 9, 9},
		{"SRV root target", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187, 0}, 7, 7},
		{"SRV empty", VTG_TYPE_SRV, 1, {0}, 0, VTG_EWIRE_RDATA},
		{"SRV fixed part only", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187}, 6, VTG_EWIRE_RDATA},
		{"SRV short fixed part", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1}, 5, VTG_EWIRE_RDATA},
		{"SRV name past RDATA", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187, 3, 'a', 'b', 'c', 0},
		 10, VTG_EWIRE_RDATA},
		{"SRV octet after the name", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187, 1, 'a', 0, 0},
		 10, VTG_EWIRE_RDATA},
		{"SRV pointer to itself", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187, 0xc0, 45}, 8,
		 VTG_EWIRE_PTR_LOOP},
		{"SRV pointer into its own labels", VTG_TYPE_SRV, 1,
		 {0, 1, 0, 2, 1, 187, 1, 'a', 0xc0, 45}, 10, VTG_EWIRE_PTR_LOOP},
		{"SRV forward pointer", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187, 0xc0, 0xff}, 8,
		 VTG_EWIRE_PTR_FWD},
		{"SRV extended label type", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187, 0x40, 0}, 8,
		 VTG_EWIRE_LABEL_TYPE},
		{"SRV reserved label type", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187, 0x80, 0}, 8,
		 VTG_EWIRE_LABEL_TYPE},
		{"SRV pointer to the question", VTG_TYPE_SRV, 1, {0, 1, 0, 2, 1, 187, 0xc0, 12},
		 8, 6 + 11},
		{"CH CNAME pointer to itself", VTG_TYPE_CNAME, 3, {0xc0, 39}, 2,
		 VTG_EWIRE_PTR_LOOP},
		{"CH CNAME pointer to the question", VTG_TYPE_CNAME, 3, {0xc0, 12}, 2, 11},
		{"CH MX no preference", VTG_TYPE_MX, 3, {0}, 1, VTG_EWIRE_RDATA},
		{"CH SOA without counters", VTG_TYPE_SOA, 3, {0, 0, 1, 2}, 4, VTG_EWIRE_RDATA},
		{"CH PTR empty", VTG_TYPE_PTR, 3, {0}, 0, VTG_EWIRE_RDATA},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mb mb;
		struct vtg_msg m;
		struct vtg_rr rr;
		one_rr(&mb, &m, &rr, t[i].type, t[i].rclass, t[i].rd, t[i].len);
		uint8_t out[VTG_RDATA_NAMES_MAX];
		int rc = vtg__rdata_uncompress(&m, &rr, out, sizeof(out));
		cr_assert_eq(rc, t[i].ret, "%s: got %d (%s)", t[i].what, rc, vtg_strerror(rc));
	}
}

Test(uncompress, names_over_255_octets_and_the_largest_soa)
{
	/* a 249-octet question name; a pointer to it after one more label of
	 * 5 octets gives 255 octets, of 6 gives 256 */
	char q[256];
	snprintf(q, sizeof(q), "%.61s.%.61s.%.61s.%.61s",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		 "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
		 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	uint8_t qw[VTG_DNS_MAX_NAME];
	cr_assert_eq(vtg__name_from_text(qw, q, strlen(q)), 249);
	struct mb mb;
	hdr(&mb, 1, 0x8180, 1, 3, 0, 0);
	question(&mb, q, VTG_TYPE_SRV);
	/* SRV to a 255-octet name */
	ptr(&mb, 12);
	size_t rd = rrhead_open(&mb, VTG_TYPE_SRV, 1);
	put(&mb, "\x00\x01\x00\x02\x01\xbb" "\x05" "abcde", 12);
	ptr(&mb, 12);
	rr_close(&mb, rd);
	/* SRV to a 256-octet name */
	ptr(&mb, 12);
	rd = rrhead_open(&mb, VTG_TYPE_SRV, 1);
	put(&mb, "\x00\x01\x00\x02\x01\xbb" "\x06" "abcdef", 13);
	ptr(&mb, 12);
	rr_close(&mb, rd);
	/* SOA whose two names are 255 octets each: VTG_RDATA_NAMES_MAX */
	ptr(&mb, 12);
	rd = rrhead_open(&mb, VTG_TYPE_SOA, 1);
	put(&mb, "\x05" "abcde", 6);
	ptr(&mb, 12);
	put(&mb, "\x05" "fghij", 6);
	ptr(&mb, 12);
	for (int k = 0; k < 5; k++)
		put32(&mb, 1);
	rr_close(&mb, rd);
	struct vtg_msg m;
	cr_assert_eq(parse(&m, &mb), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	uint8_t out[VTG_RDATA_NAMES_MAX];
	vtg__rr_iter_init(&it, &m, VTG_SEC_ANSWER);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(vtg__rdata_uncompress(&m, &rr, out, sizeof(out)), 6 + 255);
	cr_assert_eq(memcmp(out + 6 + 6, qw, 249), 0);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(vtg__rdata_uncompress(&m, &rr, out, sizeof(out)), VTG_EWIRE_NAME_LEN);
	cr_assert_eq(vtg__rr_iter_next(&it, &rr), 1);
	cr_assert_eq(vtg__rdata_uncompress(&m, &rr, out, sizeof(out)), VTG_RDATA_NAMES_MAX);
	cr_assert_eq(vtg__rdata_uncompress(&m, &rr, out, VTG_RDATA_NAMES_MAX - 1),
		     VTG_EWIRE_SPACE);
}

Test(uncompress, record_outside_its_message_is_rdata_error)
{
	/* a hand-made rr must not make it read outside the message */
	struct mb mb;
	struct vtg_msg m;
	struct vtg_rr rr;
	one_rr(&mb, &m, &rr, VTG_TYPE_CNAME, 1, (const uint8_t *)"\x01" "a\0", 3);
	uint8_t out[VTG_RDATA_NAMES_MAX];
	struct vtg_rr bad = rr;
	bad.rdata_off = m.len + 1;
	cr_assert_eq(vtg__rdata_uncompress(&m, &bad, out, sizeof(out)), VTG_EWIRE_RDATA);
	bad = rr;
	bad.rdlen = 4; /* one octet past the end */
	cr_assert_eq(vtg__rdata_uncompress(&m, &bad, out, sizeof(out)), VTG_EWIRE_RDATA);
	cr_assert_eq(vtg__rdata_uncompress(&m, &rr, out, sizeof(out)), 3);
}

Test(uncompress, every_prefix_of_rdata_before_guard_page)
{
	/* the RDATA ends where the mapping does: a read past it crashes */
	struct mb mb;
	compressed_names(&mb);
	size_t pg;
	uint8_t *map = guard_map(&pg);
	struct vtg_msg full;
	cr_assert_eq(parse(&full, &mb), 0);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &full, VTG_SEC_ANSWER);
	while (vtg__rr_iter_next(&it, &rr) == 1) {
		size_t end = rr.rdata_off + rr.rdlen;
		for (size_t cut = 0; cut <= rr.rdlen; cut++) {
			uint8_t *p = map + pg - (end - cut);
			memcpy(p, mb.b, end - cut);
			struct vtg_msg m = full;
			m.pkt = p;
			m.len = end - cut;
			struct vtg_rr r = rr;
			r.rdata = p + rr.rdata_off;
			r.rdlen = (uint16_t)(rr.rdlen - cut);
			uint8_t out[VTG_RDATA_NAMES_MAX];
			int rc = vtg__rdata_uncompress(&m, &r, out, sizeof(out));
			if (cut == 0)
				cr_assert_gt(rc, 0);
			else
				cr_assert_lt(rc, 0, "type %u cut %zu", rr.type, cut);
		}
	}
	munmap(map, pg * 2);
}
