/*
 * test_stub.c — reading a recursive resolver's response (stub mode,
 * docs/rules.md section 0): AD means secure, SERVFAIL with a DNSSEC EDE means
 * bogus, the CNAME chain is followed inside the answer section, only records
 * owned by the chain count (RFC 2181 5.4.1), duplicates collapse, loops and
 * over-long chains fail, two different CNAMEs at one owner are malformed
 * (RFC 2181 10.1), TTLs with the top bit set are 0 (RFC 2181 8), and RDATA
 * names arrive decompressed however the resolver compressed them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "resolver/stub.h"

struct mb {
	uint8_t b[16384];
	size_t n;
};

static void put(struct mb *m, const void *p, size_t n)
{
	cr_assert_leq(m->n + n, sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct mb *m, unsigned v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(m, x, 2);
}

static void nm(struct mb *m, const char *t)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	int l = vtg__name_from_text(w, t, strlen(t));
	cr_assert_gt(l, 0);
	put(m, w, (size_t)l);
}

static void start_q(struct mb *m, unsigned flags, unsigned an, unsigned ar, const char *q,
		    uint16_t qtype)
{
	m->n = 0;
	put16(m, 1);
	put16(m, flags);
	put16(m, 1);
	put16(m, an);
	put16(m, 0);
	put16(m, ar);
	nm(m, q);
	put16(m, qtype);
	put16(m, 1);
}

static void start(struct mb *m, unsigned flags, unsigned an, unsigned ar, const char *q)
{
	start_q(m, flags, an, ar, q, VTG_TYPE_CAA);
}

static void rr_caa(struct mb *m, const char *owner, const char *issuer)
{
	nm(m, owner);
	put16(m, VTG_TYPE_CAA);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, (unsigned)(2 + 5 + strlen(issuer)));
	put(m, "\x00\x05issue", 7);
	put(m, issuer, strlen(issuer));
}

static void rr_cname(struct mb *m, const char *owner, const char *target)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	int l = vtg__name_from_text(w, target, strlen(target));
	nm(m, owner);
	put16(m, VTG_TYPE_CNAME);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, (unsigned)l);
	put(m, w, (size_t)l);
}

static struct vtg_stub_scratch S;
static struct vtg_lookup_answer A;

static void read_answer_t(struct mb *m, const char *q, uint16_t qtype)
{
	struct vtg_msg msg;
	cr_assert_eq(vtg__msg_parse(&msg, m->b, m->n), 0);
	uint8_t w[VTG_DNS_MAX_NAME];
	vtg__name_from_text(w, q, strlen(q));
	memset(&A, 0, sizeof(A));
	cr_assert_eq(vtg__stub_answer(&msg, w, qtype, &S, &A), 0);
	/* a failed answer carries no records */
	if (A.fail != VTG_FAIL_NONE)
		cr_assert_eq(A.n_rrs, 0);
}

static void read_answer(struct mb *m, const char *q)
{
	read_answer_t(m, q, VTG_TYPE_CAA);
}

Test(stub, direct_answer_ad_is_secure)
{
	struct mb m;
	start(&m, 0x81a0, 1, 0, "a.example");
	rr_caa(&m, "A.Example", "ca.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.dnssec, VTG_DNSSEC_SECURE);
	cr_assert_eq(A.n_rrs, 1);
	cr_assert_eq(A.rrs[0].ttl, 300);
	cr_assert_null(A.target);
}

Test(stub, no_ad_is_insecure_without_proof)
{
	struct mb m;
	start(&m, 0x8180, 1, 0, "a.example");
	rr_caa(&m, "a.example", "ca.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.dnssec, VTG_DNSSEC_INSECURE);
	cr_assert_null(A.proof); /* stub mode can never prove Insecure */
}

Test(stub, cname_chain_followed_in_answer)
{
	struct mb m;
	start(&m, 0x8180, 3, 0, "a.example");
	rr_cname(&m, "a.example", "b.example");
	rr_cname(&m, "b.example", "c.other");
	rr_caa(&m, "c.other", "ca.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.n_rrs, 1);
	cr_assert_eq(A.chain_len, 2);
	char t[300];
	vtg__name_to_text(A.target, t, sizeof(t), true);
	cr_assert_str_eq(t, "c.other");
}

Test(stub, records_off_the_chain_are_ignored)
{
	/* RFC 2181 5.4.1: an answer RR for an unrelated owner is not data */
	struct mb m;
	start(&m, 0x8180, 2, 0, "a.example");
	rr_caa(&m, "evil.example", "evil-ca.example");
	rr_caa(&m, "a.example", "ca.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.n_rrs, 1);
	cr_assert_eq(memcmp(A.rrs[0].rdata + 7, "ca.example", 10), 0);
}

Test(stub, duplicates_collapse)
{
	struct mb m;
	start(&m, 0x8180, 3, 0, "a.example");
	rr_caa(&m, "a.example", "ca.example");
	rr_caa(&m, "a.example", "ca.example");
	rr_caa(&m, "a.example", "cb.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.n_rrs, 2);
}

Test(stub, cname_loop_fails)
{
	struct mb m;
	start(&m, 0x8180, 2, 0, "a.example");
	rr_cname(&m, "a.example", "b.example");
	rr_cname(&m, "b.example", "a.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.fail, VTG_FAIL_CNAME_LOOP);
}

Test(stub, chain_longer_than_16_fails)
{
	struct mb m;
	start(&m, 0x8180, 18, 0, "c0.example");
	char o[32], t[32];
	for (int i = 0; i < 18; i++) {
		snprintf(o, sizeof(o), "c%d.example", i);
		snprintf(t, sizeof(t), "c%d.example", i + 1);
		rr_cname(&m, o, t);
	}
	read_answer(&m, "c0.example");
	cr_assert_eq(A.fail, VTG_FAIL_CHAIN_LIMIT);
}

Test(stub, nxdomain_is_empty_not_failure)
{
	struct mb m;
	start(&m, 0x8183, 0, 0, "a.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.rcode, VTG_RCODE_NXDOMAIN);
	cr_assert_eq(A.n_rrs, 0);
}

static void servfail_with_ede(struct mb *m, int ede)
{
	start(m, 0x8182, 0, 1, "a.example");
	put(m, "", 1);
	put16(m, VTG_TYPE_OPT);
	put16(m, 1232);
	put16(m, 0);
	put16(m, 0x8000);
	if (ede < 0) {
		put16(m, 0);
		return;
	}
	put16(m, 6);
	put16(m, 15);
	put16(m, 2);
	put16(m, (unsigned)ede);
}

Test(stub, servfail_with_dnssec_ede_is_bogus)
{
	struct mb m;
	servfail_with_ede(&m, 7); /* signature expired */
	read_answer(&m, "a.example");
	cr_assert_eq(A.fail, VTG_FAIL_SERVFAIL);
	cr_assert_eq(A.dnssec, VTG_DNSSEC_BOGUS);
	cr_assert(strstr(A.why_bogus, "expired") != NULL);
}

Test(stub, plain_servfail_is_failure_not_bogus)
{
	struct mb m;
	servfail_with_ede(&m, -1);
	read_answer(&m, "a.example");
	cr_assert_eq(A.fail, VTG_FAIL_SERVFAIL);
	/* a failure validated nothing: indeterminate, never secure (issue 14) */
	cr_assert_eq(A.dnssec, VTG_DNSSEC_INDETERMINATE);
	cr_assert_eq(vtg__lookup_zone_dnssec(&A), VTG_DNSSEC_INDETERMINATE);
}

Test(stub, rcode_classes)
{
	cr_assert_eq(vtg__rcode_fail(VTG_RCODE_REFUSED), VTG_FAIL_REFUSED);
	cr_assert_eq(vtg__rcode_fail(VTG_RCODE_NOTIMP), VTG_FAIL_NOTIMP);
	cr_assert_eq(vtg__rcode_fail(VTG_RCODE_FORMERR), VTG_FAIL_FORMERR);
	cr_assert_eq(vtg__rcode_fail(9), VTG_FAIL_RCODE);
	cr_assert_eq(vtg__rcode_fail(VTG_RCODE_NXDOMAIN), VTG_FAIL_NONE);
}

/* ---- TTL (RFC 2181 8) ---- */

static void put32(struct mb *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

static void rr_caa_ttl(struct mb *m, const char *owner, const char *issuer, uint32_t ttl)
{
	nm(m, owner);
	put16(m, VTG_TYPE_CAA);
	put16(m, 1);
	put32(m, ttl);
	put16(m, (unsigned)(2 + 5 + strlen(issuer)));
	put(m, "\x00\x05issue", 7);
	put(m, issuer, strlen(issuer));
}

Test(stub, ttl_with_top_bit_set_is_zero)
{
	struct mb m;
	start(&m, 0x8180, 4, 0, "a.example");
	rr_caa_ttl(&m, "a.example", "ca1.example", 0xffffffff);
	rr_caa_ttl(&m, "a.example", "ca2.example", 0x80000000);
	rr_caa_ttl(&m, "a.example", "ca3.example", 0x7fffffff);
	rr_caa_ttl(&m, "a.example", "ca4.example", 86400);
	read_answer(&m, "a.example");
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.n_rrs, 4);
	cr_assert_eq(A.rrs[0].ttl, 0); /* not 136 years */
	cr_assert_eq(A.rrs[1].ttl, 0);
	cr_assert_eq(A.rrs[2].ttl, 0x7fffffffu);
	cr_assert_eq(A.rrs[3].ttl, 86400);
}

/* ---- one CNAME per owner (RFC 2181 10.1) ---- */

Test(stub, two_different_cnames_at_the_qname_are_malformed)
{
	/* in either order, whatever comes after */
	for (int order = 0; order < 2; order++) {
		struct mb m;
		start(&m, 0x8180, 4, 0, "a.example");
		rr_cname(&m, "a.example", order ? "c.example" : "b.example");
		rr_caa(&m, "b.example", "ca.example");
		rr_cname(&m, "A.EXAMPLE", order ? "b.example" : "c.example");
		rr_caa(&m, "c.example", "evil-ca.example");
		read_answer(&m, "a.example");
		cr_assert_eq(A.fail, VTG_FAIL_MALFORMED, "order %d", order);
		cr_assert_null(A.target);
	}
}

Test(stub, two_different_cnames_further_down_the_chain_are_malformed)
{
	struct mb m;
	start(&m, 0x8180, 4, 0, "a.example");
	rr_cname(&m, "a.example", "b.example");
	rr_cname(&m, "b.example", "c.example");
	rr_cname(&m, "b.example", "d.example");
	rr_caa(&m, "c.example", "ca.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.fail, VTG_FAIL_MALFORMED);
}

Test(stub, two_cnames_off_the_chain_are_not_looked_at)
{
	/* RFC 2181 5.4.1: not data for this answer */
	struct mb m;
	start(&m, 0x8180, 3, 0, "a.example");
	rr_cname(&m, "x.example", "b.example");
	rr_cname(&m, "x.example", "c.example");
	rr_caa(&m, "a.example", "ca.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.n_rrs, 1);
}

/* A CNAME whose target is one label then a pointer to off in the message. */
static void rr_cname_ptr(struct mb *m, const char *owner, const char *label, size_t off)
{
	size_t ll = strlen(label);
	nm(m, owner);
	put16(m, VTG_TYPE_CNAME);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, (unsigned)(1 + ll + 2));
	uint8_t l = (uint8_t)ll;
	put(m, &l, 1);
	put(m, label, ll);
	put16(m, 0xc000 | (unsigned)off);
}

/* offsets into the question name "a.example" at 12 */
#define Q_EXAMPLE (12 + 2)

Test(stub, duplicate_cnames_are_one_also_compressed_or_in_other_case)
{
	/* RFC 2181 5: the same record twice is one; compression and the case
	 * of the target do not make it another alias */
	struct mb m;
	start(&m, 0x8180, 4, 0, "a.example");
	rr_cname(&m, "a.example", "b.example");
	rr_cname(&m, "a.example", "b.example");
	rr_cname_ptr(&m, "a.example", "B", Q_EXAMPLE);
	rr_caa(&m, "b.example", "ca.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.chain_len, 1);
	cr_assert_eq(A.n_rrs, 1);
	char t[300];
	vtg__name_to_text(A.target, t, sizeof(t), true);
	cr_assert_str_eq(t, "b.example");
}

Test(stub, qtype_cname_two_different_is_malformed_duplicates_are_one)
{
	struct mb m;
	start_q(&m, 0x8180, 2, 0, "a.example", VTG_TYPE_CNAME);
	rr_cname(&m, "a.example", "b.example");
	rr_cname(&m, "a.example", "c.example");
	read_answer_t(&m, "a.example", VTG_TYPE_CNAME);
	cr_assert_eq(A.fail, VTG_FAIL_MALFORMED);

	start_q(&m, 0x8180, 3, 0, "a.example", VTG_TYPE_CNAME);
	rr_cname(&m, "a.example", "b.example");
	rr_cname_ptr(&m, "a.example", "b", Q_EXAMPLE);
	rr_cname(&m, "a.example", "B.Example");
	read_answer_t(&m, "a.example", VTG_TYPE_CNAME);
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.n_rrs, 1);
	cr_assert_eq(A.chain_len, 0);
}

/* ---- RDATA names decompressed ---- */

static bool in_message(const struct mb *m, const uint8_t *p)
{
	return p >= m->b && p < m->b + m->n;
}

Test(stub, cname_target_compressed_against_the_question)
{
	/* what unbound sends for "_dcv.www.example CNAME": the target
	 * "dcv.ca.example" as two labels and a pointer into the question */
	struct mb m;
	start_q(&m, 0x8180, 1, 0, "_dcv.www.example", VTG_TYPE_CNAME);
	nm(&m, "_dcv.www.example");
	put16(&m, VTG_TYPE_CNAME);
	put16(&m, 1);
	put32(&m, 300);
	put16(&m, 1 + 3 + 1 + 2 + 2);
	put(&m, "\x03" "dcv" "\x02" "ca", 7);
	put16(&m, 0xc000 | (12 + 5 + 4)); /* "example" in the question */
	read_answer_t(&m, "_dcv.www.example", VTG_TYPE_CNAME);
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.n_rrs, 1);
	uint8_t want[VTG_DNS_MAX_NAME];
	int wl = vtg__name_from_text(want, "dcv.ca.example", 14);
	cr_assert_eq(A.rrs[0].len, wl);
	cr_assert_eq(memcmp(A.rrs[0].rdata, want, (size_t)wl), 0);
	cr_assert_not(in_message(&m, A.rrs[0].rdata)); /* a copy in the scratch */
	cr_assert_eq(A.rrs[0].ttl, 300);
}

Test(stub, chain_link_compressed_against_the_question)
{
	struct mb m;
	start(&m, 0x8180, 2, 0, "a.example");
	rr_cname_ptr(&m, "a.example", "b", Q_EXAMPLE);
	rr_caa(&m, "b.example", "ca.example");
	read_answer(&m, "a.example");
	cr_assert_eq(A.n_rrs, 1);
	cr_assert_eq(A.chain_len, 1);
	char t[300];
	vtg__name_to_text(A.target, t, sizeof(t), true);
	cr_assert_str_eq(t, "b.example");
	/* CAA holds no names: zero-copy, into the message */
	cr_assert(in_message(&m, A.rrs[0].rdata));
}

/* RR header with RDLENGTH patched by rd_close(). */
static size_t rd_open(struct mb *m, const char *owner, uint16_t type)
{
	nm(m, owner);
	put16(m, type);
	put16(m, 1);
	put32(m, 60);
	put16(m, 0);
	return m->n;
}

static void rd_close(struct mb *m, size_t rd)
{
	size_t l = m->n - rd;
	m->b[rd - 2] = (uint8_t)(l >> 8);
	m->b[rd - 1] = (uint8_t)l;
}

static size_t want_rdata(uint8_t *out, const void *pre, size_t npre, const char *n1,
			 const char *n2, const void *post, size_t npost)
{
	size_t o = npre;
	memcpy(out, pre, npre);
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

static void assert_rdata(size_t i, const uint8_t *want, size_t wl)
{
	cr_assert_eq(A.rrs[i].len, wl, "record %zu: %u octets, want %zu", i, A.rrs[i].len, wl);
	cr_assert_eq(memcmp(A.rrs[i].rdata, want, wl), 0, "record %zu", i);
}

Test(stub, mx_with_compressed_names_and_canonical_duplicates)
{
	struct mb m;
	start_q(&m, 0x8180, 3, 0, "example.com", VTG_TYPE_MX);
	size_t rd = rd_open(&m, "example.com", VTG_TYPE_MX);
	put16(&m, 10);
	put(&m, "\x04" "mail", 5);
	put16(&m, 0xc000 | 12);
	rd_close(&m, rd);
	rd = rd_open(&m, "example.com", VTG_TYPE_MX);
	put16(&m, 10);
	nm(&m, "mail.example.com"); /* the same record uncompressed: a duplicate */
	rd_close(&m, rd);
	rd = rd_open(&m, "example.com", VTG_TYPE_MX);
	put16(&m, 20);
	put16(&m, 0xc000 | 12);
	rd_close(&m, rd);
	read_answer_t(&m, "example.com", VTG_TYPE_MX);
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.n_rrs, 2);
	uint8_t w[VTG_RDATA_NAMES_MAX];
	assert_rdata(0, w, want_rdata(w, "\x00\x0a", 2, "mail.example.com", NULL, "", 0));
	assert_rdata(1, w, want_rdata(w, "\x00\x14", 2, "example.com", NULL, "", 0));
}

Test(stub, srv_soa_ns_ptr_with_compressed_names)
{
	static const uint8_t fixed[20] = {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
					  0, 0, 0, 4, 0, 0, 0, 5};
	uint8_t w[VTG_RDATA_NAMES_MAX];
	struct mb m;

	start_q(&m, 0x8180, 1, 0, "_sip._tcp.example.com", VTG_TYPE_SRV);
	size_t rd = rd_open(&m, "_sip._tcp.example.com", VTG_TYPE_SRV);
	put(&m, "\x00\x01\x00\x02\x13\xc4" "\x03" "sip", 10);
	put16(&m, 0xc000 | (12 + 5 + 5)); /* "example.com" */
	rd_close(&m, rd);
	read_answer_t(&m, "_sip._tcp.example.com", VTG_TYPE_SRV);
	cr_assert_eq(A.n_rrs, 1);
	assert_rdata(0, w, want_rdata(w, "\x00\x01\x00\x02\x13\xc4", 6, "sip.example.com",
				      NULL, "", 0));

	start_q(&m, 0x8180, 1, 0, "example.com", VTG_TYPE_SOA);
	rd = rd_open(&m, "example.com", VTG_TYPE_SOA);
	size_t mname = m.n;
	put(&m, "\x02" "ns", 3);
	put16(&m, 0xc000 | 12);
	put(&m, "\x0a" "hostmaster", 11);
	put16(&m, 0xc000 | (unsigned)mname); /* to a name that ends in a pointer */
	put(&m, fixed, 20);
	rd_close(&m, rd);
	read_answer_t(&m, "example.com", VTG_TYPE_SOA);
	cr_assert_eq(A.n_rrs, 1);
	assert_rdata(0, w, want_rdata(w, "", 0, "ns.example.com", "hostmaster.ns.example.com",
				      fixed, 20));

	start_q(&m, 0x8180, 2, 0, "example.com", VTG_TYPE_NS);
	rd = rd_open(&m, "example.com", VTG_TYPE_NS);
	put(&m, "\x03" "ns1", 4);
	put16(&m, 0xc000 | 12);
	rd_close(&m, rd);
	rd = rd_open(&m, "example.com", VTG_TYPE_NS);
	put16(&m, 0xc000 | 12); /* the zone's own name */
	rd_close(&m, rd);
	read_answer_t(&m, "example.com", VTG_TYPE_NS);
	cr_assert_eq(A.n_rrs, 2);
	assert_rdata(0, w, want_rdata(w, "", 0, "ns1.example.com", NULL, "", 0));
	assert_rdata(1, w, want_rdata(w, "", 0, "example.com", NULL, "", 0));

	start_q(&m, 0x8180, 1, 0, "1.2.0.192.in-addr.arpa", VTG_TYPE_PTR);
	rd = rd_open(&m, "1.2.0.192.in-addr.arpa", VTG_TYPE_PTR);
	put(&m, "\x04" "host", 5);
	put16(&m, 0xc000 | (12 + 2 + 2 + 2 + 4)); /* "in-addr.arpa" */
	rd_close(&m, rd);
	read_answer_t(&m, "1.2.0.192.in-addr.arpa", VTG_TYPE_PTR);
	cr_assert_eq(A.n_rrs, 1);
	assert_rdata(0, w, want_rdata(w, "", 0, "host.in-addr.arpa", NULL, "", 0));
}

Test(stub, rdata_names_that_do_not_decompress_are_malformed)
{
	/* SRV is not checked by the parse: its names are first read here */
	static const struct {
		const char *what;
		uint8_t rd[12];
		size_t len;
	} t[] = {
		{"pointer loop inside the RDATA", {0, 1, 0, 2, 0, 80, 1, 'a', 0xc0, 0}, 10},
		{"pointer to itself", {0, 1, 0, 2, 0, 80, 0xc0, 0}, 8},
		{"forward pointer", {0, 1, 0, 2, 0, 80, 0xc0, 0xff}, 8},
		{"name past the RDATA", {0, 1, 0, 2, 0, 80, 3, 'a', 'b'}, 9},
		{"octet after the name", {0, 1, 0, 2, 0, 80, 0, 0}, 8},
		{"no fixed part", {0, 1}, 2},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mb m;
		start_q(&m, 0x8180, 2, 0, "a.example", VTG_TYPE_SRV);
		/* a good record first: the bad one fails the whole answer */
		size_t rd = rd_open(&m, "a.example", VTG_TYPE_SRV);
		put(&m, "\x00\x01\x00\x02\x00\x50", 6);
		put16(&m, 0xc000 | 12);
		rd_close(&m, rd);
		rd = rd_open(&m, "a.example", VTG_TYPE_SRV);
		uint8_t b[12];
		memcpy(b, t[i].rd, sizeof(b));
		if (b[6] == 1 && b[8] == 0xc0)
			b[9] = (uint8_t)(m.n + 6); /* to the "\1a" just before it */
		else if (b[6] == 0xc0 && b[7] == 0)
			b[7] = (uint8_t)(m.n + 6); /* to itself */
		put(&m, b, t[i].len);
		rd_close(&m, rd);
		cr_assert_lt(m.n, 256u);
		read_answer_t(&m, "a.example", VTG_TYPE_SRV);
		cr_assert_eq(A.fail, VTG_FAIL_MALFORMED, "%s", t[i].what);
	}
}

Test(stub, decompressed_rdata_beyond_the_canon_buffer_is_malformed)
{
	/* a 249-octet name in the question; each MX is a preference and a
	 * pointer to it (4 octets) that decompresses to 251: 261 distinct
	 * records fit in VTG_STUB_CANON_MAX, 262 do not */
	char q[256];
	snprintf(q, sizeof(q), "%.61s.%.61s.%.61s.%.61s",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		 "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
		 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	const size_t fit = VTG_STUB_CANON_MAX / (2 + 249);
	cr_assert_eq(fit, 261);
	for (size_t n = fit; n <= fit + 1; n++) {
		struct mb m;
		start_q(&m, 0x8180, (unsigned)n, 0, q, VTG_TYPE_MX);
		for (size_t i = 0; i < n; i++) {
			put16(&m, 0xc000 | 12);
			put16(&m, VTG_TYPE_MX);
			put16(&m, 1);
			put32(&m, 60);
			put16(&m, 4);
			put16(&m, (unsigned)i);
			put16(&m, 0xc000 | 12);
		}
		read_answer_t(&m, q, VTG_TYPE_MX);
		if (n == fit) {
			cr_assert_eq(A.fail, VTG_FAIL_NONE);
			cr_assert_eq(A.n_rrs, fit);
			cr_assert_eq(A.rrs[fit - 1].len, 2 + 249);
		} else {
			cr_assert_eq(A.fail, VTG_FAIL_MALFORMED);
		}
	}
}

/* ---- DNAME (RFC 6672): substituted by the stub when the resolver sent no
 * synthesised CNAME, checked against it when it did */
static void rr_dname(struct mb *m, const char *owner, const char *target)
{
	size_t rd = rd_open(m, owner, VTG_TYPE_DNAME);
	nm(m, target);
	rd_close(m, rd);
}

Test(stub, dname_without_cname_is_substituted)
{
	struct mb m;
	start(&m, 0x8180, 2, 0, "www.a.example");
	rr_dname(&m, "a.example", "b.other");
	rr_caa(&m, "www.b.other", "ca.example");
	read_answer(&m, "www.a.example");
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.n_rrs, 1);
	cr_assert_eq(A.chain_len, 1);
	char t[300];
	vtg__name_to_text(A.target, t, sizeof(t), true);
	cr_assert_str_eq(t, "www.b.other");
}

Test(stub, dname_alone_leads_to_no_data_at_the_target_not_at_the_name)
{
	struct mb m;
	start(&m, 0x8180, 1, 0, "www.a.example");
	rr_dname(&m, "a.example", "b.other");
	read_answer(&m, "www.a.example");
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.n_rrs, 0);
	cr_assert_eq(A.chain_len, 1, "the empty answer is the target's, reached by an alias");
}

Test(stub, dname_substitution_longer_than_255_is_malformed)
{
	/* qname 4 x 63-octet labels under a.example would overflow once the
	 * DNAME target (a long name) replaces a.example: a hostile resolver
	 * answering NOERROR with only the DNAME must not make the climb skip
	 * the name */
	char q[300], tgt[300];
	snprintf(q, sizeof(q), "%.60s.%.60s.%.60s.a.example",
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
		 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
	snprintf(tgt, sizeof(tgt), "%.60s.%.60s.other",
		 "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp",
		 "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq");
	struct mb m;
	start(&m, 0x8180, 1, 0, q);
	rr_dname(&m, "a.example", tgt);
	read_answer(&m, q);
	cr_assert_eq(A.fail, VTG_FAIL_MALFORMED);
}

Test(stub, synthesised_cname_must_agree_with_its_dname)
{
	struct mb m;
	start(&m, 0x8180, 3, 0, "www.a.example");
	rr_dname(&m, "a.example", "b.other");
	rr_cname(&m, "www.a.example", "www.b.other");
	rr_caa(&m, "www.b.other", "ca.example");
	read_answer(&m, "www.a.example");
	cr_assert_eq(A.fail, VTG_FAIL_NONE);
	cr_assert_eq(A.n_rrs, 1);

	start(&m, 0x8180, 3, 0, "www.a.example");
	rr_dname(&m, "a.example", "b.other");
	rr_cname(&m, "www.a.example", "www.evil.other");
	rr_caa(&m, "www.evil.other", "ca.example");
	read_answer(&m, "www.a.example");
	cr_assert_eq(A.fail, VTG_FAIL_MALFORMED);
}
