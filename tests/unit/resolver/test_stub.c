/*
 * test_stub.c — reading a recursive resolver's response (stub mode,
 * SPEC.md section 0): AD means secure, SERVFAIL with a DNSSEC EDE means
 * bogus, the CNAME chain is followed inside the answer section, only records
 * owned by the chain count (RFC 2181 5.4.1), duplicates collapse, loops and
 * over-long chains fail.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "resolver/stub.h"

struct mb {
	uint8_t b[4096];
	size_t n;
};

static void put(struct mb *m, const void *p, size_t n)
{
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

static void start(struct mb *m, unsigned flags, unsigned an, unsigned ar, const char *q)
{
	m->n = 0;
	put16(m, 1);
	put16(m, flags);
	put16(m, 1);
	put16(m, an);
	put16(m, 0);
	put16(m, ar);
	nm(m, q);
	put16(m, VTG_TYPE_CAA);
	put16(m, 1);
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

static void read_answer(struct mb *m, const char *q)
{
	struct vtg_msg msg;
	cr_assert_eq(vtg__msg_parse(&msg, m->b, m->n), 0);
	uint8_t w[VTG_DNS_MAX_NAME];
	vtg__name_from_text(w, q, strlen(q));
	memset(&A, 0, sizeof(A));
	cr_assert_eq(vtg__stub_answer(&msg, w, VTG_TYPE_CAA, &S, &A), 0);
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
	cr_assert_eq(A.dnssec, VTG_DNSSEC_INSECURE);
}

Test(stub, rcode_classes)
{
	cr_assert_eq(vtg__rcode_fail(VTG_RCODE_REFUSED), VTG_FAIL_REFUSED);
	cr_assert_eq(vtg__rcode_fail(VTG_RCODE_NOTIMP), VTG_FAIL_NOTIMP);
	cr_assert_eq(vtg__rcode_fail(VTG_RCODE_FORMERR), VTG_FAIL_FORMERR);
	cr_assert_eq(vtg__rcode_fail(9), VTG_FAIL_RCODE);
	cr_assert_eq(vtg__rcode_fail(VTG_RCODE_NXDOMAIN), VTG_FAIL_NONE);
}
