/*
 * test_dcv.c — DNS-based DCV record checks (BR 3.2.2.4.7, .14, .16, .21,
 * .22, 3.2.2.5.3; RFC 8555 8.4; docs/rules.md section 11): query names
 * (reverse names of IP literals too), TXT value assembly, the verdict over
 * one lookup answer per method, and the canonical "seen" value
 * corroboration compares, in any answer order even when it overflows. The cname check also over a stub-mode
 * answer whose CNAME target is compressed against the question name.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "caa/dcv.h"
#include "resolver/stub.h"

#define MAX_RR 8
#define RR_OCTETS 2048

struct rrset {
	uint8_t buf[MAX_RR][RR_OCTETS];
	struct vtg_rdata rr[MAX_RR];
	size_t n;
};

static void add_raw(struct rrset *s, const void *rd, size_t len)
{
	cr_assert_lt(s->n, (size_t)MAX_RR);
	cr_assert_leq(len, (size_t)RR_OCTETS);
	memcpy(s->buf[s->n], rd, len);
	s->rr[s->n].rdata = s->buf[s->n];
	s->rr[s->n].len = (uint16_t)len;
	s->rr[s->n].ttl = 300;
	s->n++;
}

/* One TXT RR from NULL-terminated character-strings (each < 256). */
static void add_txtv(struct rrset *s, const char *const *strs)
{
	uint8_t rd[RR_OCTETS];
	size_t o = 0;
	for (size_t i = 0; strs[i] != NULL; i++) {
		size_t l = strlen(strs[i]);
		cr_assert_lt(l, (size_t)256);
		cr_assert_leq(o + 1 + l, sizeof(rd));
		rd[o++] = (uint8_t)l;
		memcpy(rd + o, strs[i], l);
		o += l;
	}
	add_raw(s, rd, o);
}

static void add_txt(struct rrset *s, const char *v)
{
	const char *strs[] = {v, NULL};
	add_txtv(s, strs);
}

/* One CNAME RR: the target's wire form. */
static void add_cname(struct rrset *s, const char *target)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	int n = vtg__name_from_text(w, target, strlen(target));
	cr_assert_gt(n, 0);
	add_raw(s, w, (size_t)n);
}

static struct vtg_lookup_answer answer(const struct rrset *s)
{
	struct vtg_lookup_answer a;
	memset(&a, 0, sizeof(a));
	a.fail = VTG_FAIL_NONE;
	a.rcode = VTG_RCODE_NOERROR;
	a.dnssec = VTG_DNSSEC_INSECURE;
	a.rrs = s ? s->rr : NULL;
	a.n_rrs = s ? s->n : 0;
	a.tries = 1;
	return a;
}

static struct vtg_dcv_result res;

static enum vtg_dcv_outcome check(const struct vtg_dcv_request *rq,
				  const struct rrset *s)
{
	struct vtg_lookup_answer a = answer(s);
	memset(&res, 'X', sizeof(res));
	cr_assert_eq(vtg__dcv_check(rq, &a, &res), 0);
	return res.outcome;
}

#define DIGEST "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"

static struct vtg_dcv_request req(enum vtg_dcv_method m, const char *expect)
{
	struct vtg_dcv_request rq;
	memset(&rq, 0, sizeof(rq));
	rq.method = m;
	rq.expect = expect;
	return rq;
}

/* ---- names of methods and outcomes ---- */

Test(dcv, method_names_round_trip)
{
	static const char *const names[] = {"dns-01", "dns-account-01", "dns-change",
					    "cname", "persist", "contact-email",
					    "contact-phone", "reverse-lookup", "http-01",
					    "website-change", "tls-alpn-01"};
	cr_assert_eq(sizeof(names) / sizeof(names[0]), VTG_DCV_METHOD_LAST + 1u);
	for (int i = 0; i <= VTG_DCV_METHOD_LAST; i++) {
		enum vtg_dcv_method m = VTG_DCV_DNS01;
		cr_assert_str_eq(vtg__dcv_method_str((enum vtg_dcv_method)i), names[i]);
		cr_assert_eq(vtg__dcv_method_parse(names[i], &m), 0);
		cr_assert_eq((int)m, i);
	}
	enum vtg_dcv_method m;
	cr_assert_eq(vtg__dcv_method_parse("DNS-01", &m), VTG_EDCV_METHOD);
	cr_assert_eq(vtg__dcv_method_parse("http-02", &m), VTG_EDCV_METHOD);
	for (int i = 0; i <= VTG_DCV_METHOD_LAST; i++)
		cr_assert_eq(vtg__dcv_method_web((enum vtg_dcv_method)i),
			     i == VTG_DCV_HTTP01 || i == VTG_DCV_WEBSITE_CHANGE ||
				     i == VTG_DCV_TLSALPN01);
	cr_assert_eq(vtg__dcv_method_parse(NULL, &m), VTG_EDCV_METHOD);
}

Test(dcv, sunsetting_only_contact_methods)
{
	for (int i = VTG_DCV_DNS01; i <= VTG_DCV_METHOD_LAST; i++)
		cr_assert_eq(vtg__dcv_method_sunsetting((enum vtg_dcv_method)i),
			     i == VTG_DCV_CONTACT_EMAIL || i == VTG_DCV_CONTACT_PHONE,
			     "method %d", i);
}

Test(dcv, outcome_names)
{
	cr_assert_str_eq(vtg__dcv_outcome_str(VTG_DCV_PASS), "pass");
	cr_assert_str_eq(vtg__dcv_outcome_str(VTG_DCV_NO_RECORD), "no-record");
	cr_assert_str_eq(vtg__dcv_outcome_str(VTG_DCV_MISMATCH), "mismatch");
	cr_assert_str_eq(vtg__dcv_outcome_str(VTG_DCV_LOOKUP_FAILURE), "lookup-failure");
	cr_assert_str_eq(vtg__dcv_outcome_str(VTG_DCV_DNSSEC_BOGUS), "dnssec-bogus");
}

/* ---- TXT concatenation ---- */

struct concat_case {
	const uint8_t *rd;
	size_t len;
	int want;
	const char *text;
};

Test(dcv, txt_concat_table)
{
	static const uint8_t one[] = {3, 'a', 'b', 'c'};
	static const uint8_t two[] = {2, 'a', 'b', 3, 'c', 'd', 'e'};
	static const uint8_t empty_str[] = {0};
	static const uint8_t empties[] = {0, 1, 'x', 0};
	static const uint8_t over[] = {4, 'a', 'b', 'c'};
	static const uint8_t over2[] = {1, 'a', 5, 'b'};
	const struct concat_case cases[] = {
		{one, sizeof(one), 3, "abc"},
		{two, sizeof(two), 5, "abcde"},
		{empty_str, sizeof(empty_str), 0, ""},
		{empties, sizeof(empties), 1, "x"},
		{over, sizeof(over), VTG_EWIRE_RDATA, ""},
		{over2, sizeof(over2), VTG_EWIRE_RDATA, ""},
		{one, 0, VTG_EWIRE_RDATA, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[16];
		memset(out, 'X', sizeof(out));
		int n = vtg__txt_concat(cases[i].rd, cases[i].len, out, sizeof(out));
		cr_assert_eq(n, cases[i].want, "case %zu: %d", i, n);
		cr_assert_str_eq(out, cases[i].text, "case %zu", i);
	}
}

Test(dcv, txt_concat_space)
{
	static const uint8_t two[] = {2, 'a', 'b', 3, 'c', 'd', 'e'};
	char out[5];
	cr_assert_eq(vtg__txt_concat(two, sizeof(two), out, sizeof(out)), VTG_EWIRE_SPACE);
	cr_assert_str_eq(out, "");
	char fit[6];
	cr_assert_eq(vtg__txt_concat(two, sizeof(two), fit, sizeof(fit)), 5);
	cr_assert_str_eq(fit, "abcde");
}

/* every truncated prefix of a two-string RDATA fails cleanly or is a
 * shorter well-formed RDATA */
Test(dcv, txt_concat_prefixes)
{
	static const uint8_t two[] = {2, 'a', 'b', 3, 'c', 'd', 'e'};
	for (size_t len = 0; len < sizeof(two); len++) {
		char out[16];
		int n = vtg__txt_concat(two, len, out, sizeof(out));
		if (len == 3)
			cr_assert_eq(n, 2);
		else
			cr_assert_eq(n, VTG_EWIRE_RDATA, "len %zu", len);
	}
}

/* ---- query names ---- */

static void query_text(const struct vtg_dcv_request *rq, const char *base,
		       int want_rc, const char *want_name, uint16_t want_type)
{
	uint8_t w[VTG_DNS_MAX_NAME], q[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(w, base, strlen(base)), 0);
	uint16_t qt = 0;
	int rc = vtg__dcv_query(rq, w, q, &qt);
	cr_assert_eq(rc, want_rc, "%s %s: rc %d", vtg__dcv_method_str(rq->method),
		     base, rc);
	if (rc == 0) {
		char t[VTG_DNS_MAX_TEXT + 8];
		cr_assert_geq(vtg__name_to_text(q, t, sizeof(t), false), 0);
		cr_assert_str_eq(t, want_name);
		cr_assert_eq(qt, want_type);
	}
}

Test(dcv, query_names_per_method)
{
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, DIGEST);
	query_text(&rq, "www.Example.com", 0, "_acme-challenge.www.Example.com",
		   VTG_TYPE_TXT);

	rq = req(VTG_DCV_ACCOUNT01, DIGEST);
	rq.account_uri = "https://example.com/acme/acct/ExampleAccount";
	query_text(&rq, "example.com", 0,
		   "_ujmmovf2vn55tgye._acme-challenge.example.com", VTG_TYPE_TXT);

	rq = req(VTG_DCV_CHANGE, "rnd");
	query_text(&rq, "example.com", 0, "example.com", VTG_TYPE_TXT);
	rq.label = "_vtg-dcv";
	query_text(&rq, "example.com", 0, "_vtg-dcv.example.com", VTG_TYPE_TXT);

	rq = req(VTG_DCV_CNAME, "dcv.ca.example");
	query_text(&rq, "example.com", 0, "example.com", VTG_TYPE_CNAME);
	rq.label = "_dcv";
	query_text(&rq, "example.com", 0, "_dcv.example.com", VTG_TYPE_CNAME);

	static const char *const iss[] = {"ca.example"};
	rq = req(VTG_DCV_PERSIST, NULL);
	rq.account_uri = "https://ca.example/acct/1";
	rq.issuers = iss;
	rq.n_issuers = 1;
	query_text(&rq, "example.com", 0, "_validation-persist.example.com",
		   VTG_TYPE_TXT);

	rq = req(VTG_DCV_CONTACT_EMAIL, NULL);
	query_text(&rq, "example.com", 0, "_validation-contactemail.example.com",
		   VTG_TYPE_TXT);
	rq = req(VTG_DCV_CONTACT_PHONE, NULL);
	query_text(&rq, "example.com", 0, "_validation-contactphone.example.com",
		   VTG_TYPE_TXT);
}

Test(dcv, dns_change_label_rules)
{
	struct {
		const char *label;
		int rc;
	} cases[] = {
		{"_vtg-dcv", 0},
		{"_a", 0},
		{"__x_y", 0},
		{"vtg-dcv", VTG_EDCV_LABEL},  /* not underscore-prefixed */
		{"_", VTG_EDCV_LABEL},        /* nothing after the underscore */
		{"", VTG_EDCV_LABEL},
		{"_a.b", VTG_EDCV_LABEL},     /* two labels */
		{"_a b", VTG_EDCV_LABEL},
		{"_\xc3\xa9", VTG_EDCV_LABEL},
		{"_12345678901234567890123456789012345678901234567890123456789012", 0}, /* 63 */
		{"_123456789012345678901234567890123456789012345678901234567890123",
		 VTG_EDCV_LABEL},             /* 64 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vtg_dcv_request rq = req(VTG_DCV_CHANGE, "rnd");
		rq.label = cases[i].label;
		cr_assert_eq(vtg__dcv_request_check(&rq), cases[i].rc, "label '%s'",
			     cases[i].label);
		rq.method = VTG_DCV_CNAME;
		rq.expect = "t.example";
		cr_assert_eq(vtg__dcv_request_check(&rq), cases[i].rc, "cname label '%s'",
			     cases[i].label);
	}
}

Test(dcv, label_refused_where_the_method_fixes_the_name)
{
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, DIGEST);
	rq.label = "_x";
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_LABEL);
	rq = req(VTG_DCV_CONTACT_EMAIL, NULL);
	rq.label = "_x";
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_LABEL);
}

Test(dcv, request_fields_required)
{
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, NULL);
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_REQUEST);
	rq.expect = "";
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_REQUEST);
	rq = req(VTG_DCV_ACCOUNT01, DIGEST);
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_REQUEST);
	rq = req(VTG_DCV_PERSIST, NULL);
	rq.account_uri = "https://ca.example/acct/1";
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_REQUEST); /* no issuers */
	rq = req(VTG_DCV_CNAME, "a..b");
	cr_assert_lt(vtg__dcv_request_check(&rq), 0);
	rq = req((enum vtg_dcv_method)99, DIGEST);
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_METHOD);
	char big[VTG_DCV_VALUE_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rq = req(VTG_DCV_DNS01, big);
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_REQUEST);
	big[VTG_DCV_VALUE_MAX] = '\0';
	cr_assert_eq(vtg__dcv_request_check(&rq), 0);
}

/* A base name of 240 octets: the name itself fits, a 16-octet prefix
 * ("_acme-challenge" = 1 + 15) would make 256 octets. */
Test(dcv, query_prefix_overflow_is_an_error)
{
	char text[VTG_DNS_MAX_TEXT];
	/* 3 labels of 63 + 1 label of 47: 4*1 + 3*63 + 47 + root = 241 octets */
	size_t o = 0;
	for (int l = 0; l < 4; l++) {
		size_t n = l < 3 ? 63 : 47;
		memset(text + o, 'a' + l, n);
		o += n;
		text[o++] = '.';
	}
	text[--o] = '\0';
	uint8_t w[VTG_DNS_MAX_NAME], q[VTG_DNS_MAX_NAME];
	int wl = vtg__name_from_text(w, text, strlen(text));
	cr_assert_eq(wl, 241);
	uint16_t qt;
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, DIGEST);
	memset(q, 0xee, sizeof(q));
	cr_assert_eq(vtg__dcv_query(&rq, w, q, &qt), VTG_EWIRE_NAME_LEN);
	/* "_x" (3 octets) still fits: 244 */
	rq = req(VTG_DCV_CHANGE, "rnd");
	rq.label = "_x";
	cr_assert_eq(vtg__dcv_query(&rq, w, q, &qt), 0);
	cr_assert_eq(vtg__name_len(q), 244);
	/* 14 octets of label: exactly 255 fits */
	rq.label = "_abcdefghijkl";
	cr_assert_eq(vtg__dcv_query(&rq, w, q, &qt), 0);
	cr_assert_eq(vtg__name_len(q), 255);
	rq.label = "_abcdefghijklm";
	cr_assert_eq(vtg__dcv_query(&rq, w, q, &qt), VTG_EWIRE_NAME_LEN);
	/* account-01 adds 18 + 16 octets */
	rq = req(VTG_DCV_ACCOUNT01, DIGEST);
	rq.account_uri = "https://ca.example/acct/1";
	cr_assert_eq(vtg__dcv_query(&rq, w, q, &qt), VTG_EWIRE_NAME_LEN);
}

/* ---- dns-account-01 label (BR 3.2.2.4.21) ---- */

Test(dcv, account_label_known_vectors)
{
	/* printf %s URL | openssl dgst -sha256 -binary | head -c 10 | base32 |
	 *   tr -d = | tr A-Z a-z */
	char out[VTG_DCV_ACCOUNT_LABEL];
	cr_assert_eq(vtg__dcv_account_label("https://example.com/acme/acct/ExampleAccount",
					    out), 0);
	cr_assert_str_eq(out, "_ujmmovf2vn55tgye");
	cr_assert_eq(vtg__dcv_account_label("https://ca.example/acct/1", out), 0);
	cr_assert_str_eq(out, "_55hp4m7ugx3qoywf");
	cr_assert_eq(strlen(out), 17u);
	cr_assert_eq(vtg__dcv_account_label("", out), VTG_EDCV_REQUEST);
	cr_assert_eq(vtg__dcv_account_label(NULL, out), VTG_EDCV_REQUEST);
}

/* ---- dns-01 / TXT matching ---- */

Test(dcv, dns01_match_among_several)
{
	struct rrset s = {0};
	add_txt(&s, "some-other-token");
	add_txt(&s, "v=spf1 -all");
	add_txt(&s, DIGEST);
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, DIGEST);
	cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
	cr_assert_eq(res.matched, 2);
	cr_assert_eq(res.n_records, 3u);
	cr_assert_str_eq(res.seen, DIGEST);
	cr_assert_str_eq(res.detail, "");
	cr_assert_eq(res.rr[0], VTG_DCV_RR_MISMATCH);
	cr_assert_eq(res.rr[2], VTG_DCV_RR_MATCH);
}

Test(dcv, dns01_multi_string_concatenated)
{
	struct rrset s = {0};
	const char *parts[] = {"LoqXcYV8q5ONbJQx", "bmR7SCTNo3tiAXDf", "owyjxAjEuX0", NULL};
	add_txtv(&s, parts);
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, DIGEST);
	cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
	cr_assert_str_eq(res.seen, DIGEST);
}

Test(dcv, dns01_exact_no_case_folding_no_trim)
{
	static const char *const bad[] = {
		"loqxcyv8q5onbjqxbmr7sctno3tiaxdfowyjxajeux0", /* case */
		" " DIGEST,                                   /* padding */
		DIGEST " ",
		DIGEST "X",
		"LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX",  /* prefix */
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rrset s = {0};
		add_txt(&s, bad[i]);
		struct vtg_dcv_request rq = req(VTG_DCV_DNS01, DIGEST);
		cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH, "'%s'", bad[i]);
		cr_assert_str_eq(res.seen, "");
		cr_assert_eq(res.matched, -1);
		cr_assert_str_eq(res.detail, "dns-01: mismatch");
	}
	/* a string split does not change the value, a NUL inside does */
	struct rrset s = {0};
	uint8_t rd[64] = {2, 'a', 'b', 1, 0};
	add_raw(&s, rd, 5);
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, "ab");
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
}

Test(dcv, no_record_and_nxdomain)
{
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, DIGEST);
	cr_assert_eq(check(&rq, NULL), VTG_DCV_NO_RECORD);
	cr_assert_str_eq(res.detail, "no-record: no data");
	cr_assert_eq(res.n_records, 0u);

	struct vtg_lookup_answer a = answer(NULL);
	a.rcode = VTG_RCODE_NXDOMAIN;
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_NO_RECORD);
	cr_assert_str_eq(res.detail, "no-record: nxdomain");
	cr_assert_str_eq(res.seen, "");
	cr_assert_eq(res.matched, -1);
}

Test(dcv, lookup_failures_named)
{
	struct {
		enum vtg_lookup_fail f;
		unsigned rcode;
		const char *detail;
	} cases[] = {
		{VTG_FAIL_TIMEOUT, VTG_RCODE_NONE, "lookup-failure: timeout"},
		{VTG_FAIL_SERVFAIL, VTG_RCODE_SERVFAIL, "lookup-failure: servfail"},
		{VTG_FAIL_CHAIN_LIMIT, VTG_RCODE_NOERROR, "lookup-failure: cname-chain-limit"},
		{VTG_FAIL_NONE, VTG_RCODE_REFUSED, "lookup-failure: error-rcode"},
	};
	struct rrset s = {0};
	add_txt(&s, DIGEST); /* records never rescue a failed lookup */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vtg_dcv_request rq = req(VTG_DCV_DNS01, DIGEST);
		struct vtg_lookup_answer a = answer(&s);
		a.fail = cases[i].f;
		a.rcode = cases[i].rcode;
		cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
		cr_assert_eq(res.outcome, VTG_DCV_LOOKUP_FAILURE, "case %zu", i);
		cr_assert_str_eq(res.detail, cases[i].detail);
		cr_assert_str_eq(res.seen, "");
	}
}

Test(dcv, bogus_denies_even_with_a_match)
{
	struct rrset s = {0};
	add_txt(&s, DIGEST);
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, DIGEST);
	struct vtg_lookup_answer a = answer(&s);
	a.dnssec = VTG_DNSSEC_BOGUS;
	a.why_bogus = "signature expired";
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_DNSSEC_BOGUS);
	cr_assert_str_eq(res.detail, "dnssec-bogus: signature expired");
	cr_assert_eq(res.dnssec, VTG_DNSSEC_BOGUS);
	/* bogus wins over a failure too */
	a.fail = VTG_FAIL_SERVFAIL;
	a.why_bogus = NULL;
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_DNSSEC_BOGUS);
	cr_assert_str_eq(res.detail, "dnssec-bogus: validation failed");
}

Test(dcv, malformed_txt_never_matches_nor_crashes)
{
	struct rrset s = {0};
	/* the first string claims 60 octets; the value would match if read */
	uint8_t rd[64];
	rd[0] = 60;
	memcpy(rd + 1, "ab", 2);
	add_raw(&s, rd, 3);
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, "ab");
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "dns-01: bad-rdata");
	cr_assert_eq(res.rr[0], VTG_DCV_RR_BAD_RDATA);
	add_txt(&s, "ab");
	cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
	cr_assert_eq(res.matched, 1);
	/* empty RDATA is no TXT at all */
	struct rrset e = {0};
	add_raw(&e, rd, 0);
	cr_assert_eq(check(&rq, &e), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "dns-01: bad-rdata");
}

Test(dcv, account01_and_change_match_like_dns01)
{
	struct rrset s = {0};
	add_txt(&s, "nope");
	add_txt(&s, "r4nd0m-Value");
	struct vtg_dcv_request rq = req(VTG_DCV_CHANGE, "r4nd0m-Value");
	rq.label = "_vtg-dcv";
	cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
	cr_assert_str_eq(res.seen, "r4nd0m-Value");
	rq.expect = "r4nd0m-value";
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "dns-change: mismatch, mismatch");

	rq = req(VTG_DCV_ACCOUNT01, "r4nd0m-Value");
	rq.account_uri = "https://ca.example/acct/1";
	cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
}

Test(dcv, invalid_request_never_passes)
{
	struct rrset s = {0};
	add_txt(&s, "rnd");
	struct vtg_dcv_request rq = req(VTG_DCV_CHANGE, "rnd");
	rq.label = "nounderscore";
	struct vtg_lookup_answer a = answer(&s);
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), VTG_EDCV_LABEL);
	cr_assert_eq(res.outcome, VTG_DCV_MISMATCH);
	cr_assert_eq(strncmp(res.detail, "invalid-request: ", 17), 0);
}

/* ---- cname ---- */

Test(dcv, cname_match_case_and_trailing_dot)
{
	static const char *const expects[] = {"dcv.CA.example", "dcv.ca.example.",
					      "DCV.CA.EXAMPLE."};
	for (size_t i = 0; i < 3; i++) {
		struct rrset s = {0};
		add_cname(&s, "Dcv.Ca.Example.");
		struct vtg_dcv_request rq = req(VTG_DCV_CNAME, expects[i]);
		rq.label = "_dcv";
		cr_assert_eq(check(&rq, &s), VTG_DCV_PASS, "%s", expects[i]);
		cr_assert_str_eq(res.seen, "dcv.ca.example.");
		cr_assert_eq(res.matched, 0);
	}
}

Test(dcv, cname_mismatch_names_the_target)
{
	struct rrset s = {0};
	add_cname(&s, "other.example");
	struct vtg_dcv_request rq = req(VTG_DCV_CNAME, "dcv.ca.example");
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.seen, "");
	cr_assert_str_eq(res.detail, "cname: mismatch (points to other.example.)");
	/* a parent or child of the target is not the target */
	struct rrset p = {0};
	add_cname(&p, "ca.example");
	add_cname(&p, "x.dcv.ca.example");
	cr_assert_eq(check(&rq, &p), VTG_DCV_MISMATCH);
}

Test(dcv, cname_bad_rdata)
{
	static uint8_t cases[][67] = {
		{3, 'd', 'c', 'v'},        /* no root label */
		{0xc0, 0x0c},              /* compression pointer */
		{1, 'a', 0, 0},            /* trailing octet */
		{0},                       /* 64-octet label, filled below */
	};
	static const size_t lens[] = {4, 2, 4, 66};
	cases[3][0] = 64; /* label over 63 octets (RFC 1035 2.3.4) */
	memset(cases[3] + 1, 'a', 64);
	cases[3][65] = 0;
	for (size_t i = 0; i < 4; i++) {
		struct rrset s = {0};
		add_raw(&s, cases[i], lens[i]);
		struct vtg_dcv_request rq = req(VTG_DCV_CNAME, "a");
		cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH, "case %zu", i);
		cr_assert_str_eq(res.detail, "cname: bad-rdata");
	}
}

/*
 * A stub-mode response to the cname query as unbound sends it: the target
 * "<label>.ca.example" as labels and a compression pointer into the
 * question name (to its "example"), read by the stub resolver. The check
 * sees the decompressed name (lookup.h), never the pointer.
 */
static struct vtg_stub_scratch stub_scratch;

static void unbound_cname(const char *qname_text, const char *label, uint8_t *pkt,
			  size_t *len, uint8_t qw[VTG_DNS_MAX_NAME])
{
	struct vtg_dcv_request rq = req(VTG_DCV_CNAME, "dcv.ca.example");
	rq.label = "_dcv";
	uint8_t base[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(base, qname_text, strlen(qname_text)), 0);
	uint16_t qtype = 0;
	cr_assert_eq(vtg__dcv_query(&rq, base, qw, &qtype), 0);
	cr_assert_eq(qtype, VTG_TYPE_CNAME);
	size_t ql = vtg__name_len(qw), n = 0;
	static const uint8_t head[12] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
	memcpy(pkt, head, 12);
	n = 12;
	memcpy(pkt + n, qw, ql); /* "_dcv.a.example" at 12, "example" at 19 */
	n += ql;
	static const uint8_t qtail[4] = {0, VTG_TYPE_CNAME, 0, 1};
	memcpy(pkt + n, qtail, 4);
	n += 4;
	size_t ll = strlen(label);
	const uint8_t rr[10] = {0xc0, 12, 0, VTG_TYPE_CNAME, 0, 1, 0, 0, 1, 44};
	memcpy(pkt + n, rr, 10);
	n += 10;
	pkt[n++] = 0;
	pkt[n++] = (uint8_t)(1 + ll + 3 + 2); /* RDLENGTH */
	pkt[n++] = (uint8_t)ll;
	memcpy(pkt + n, label, ll);
	n += ll;
	memcpy(pkt + n, "\x02" "ca", 3);
	n += 3;
	pkt[n++] = 0xc0;
	pkt[n++] = (uint8_t)(12 + 5 + 2);
	*len = n;
}

static enum vtg_dcv_outcome check_stub(const char *label, struct vtg_lookup_answer *a)
{
	static uint8_t pkt[512];
	size_t len;
	uint8_t qw[VTG_DNS_MAX_NAME];
	unbound_cname("a.example", label, pkt, &len, qw);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, pkt, len), 0);
	memset(a, 0, sizeof(*a));
	cr_assert_eq(vtg__stub_answer(&m, qw, VTG_TYPE_CNAME, &stub_scratch, a), 0);
	cr_assert_eq(a->fail, VTG_FAIL_NONE);
	cr_assert_eq(a->n_rrs, 1);
	struct vtg_dcv_request rq = req(VTG_DCV_CNAME, "dcv.ca.example");
	rq.label = "_dcv";
	memset(&res, 'X', sizeof(res));
	cr_assert_eq(vtg__dcv_check(&rq, a, &res), 0);
	return res.outcome;
}

Test(dcv, cname_compressed_against_the_question_passes_through_stub)
{
	struct vtg_lookup_answer a;
	cr_assert_eq(check_stub("dcv", &a), VTG_DCV_PASS, "%s", res.detail);
	cr_assert_str_eq(res.seen, "dcv.ca.example.");
	cr_assert_eq(res.matched, 0);
	cr_assert_eq(res.rr[0], VTG_DCV_RR_MATCH);
}

Test(dcv, cname_compressed_mismatch_names_the_whole_target)
{
	struct vtg_lookup_answer a;
	cr_assert_eq(check_stub("other", &a), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "cname: mismatch (points to other.ca.example.)");
}

Test(dcv, cname_rdata_straight_from_the_message_would_be_bad_rdata)
{
	/* why the stub answer decompresses: the RDATA as it sits in the
	 * message holds a pointer, meaningless without the message */
	static uint8_t pkt[512];
	size_t len;
	uint8_t qw[VTG_DNS_MAX_NAME];
	unbound_cname("a.example", "dcv", pkt, &len, qw);
	struct rrset s = {0};
	add_raw(&s, pkt + len - 9, 9); /* "\3dcv\2ca" + pointer */
	struct vtg_dcv_request rq = req(VTG_DCV_CNAME, "dcv.ca.example");
	rq.label = "_dcv";
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "cname: bad-rdata");
}

/* ---- persist (BR 3.2.2.4.22) ---- */

static const char *const ISSUERS[] = {"ca.example", "ca2.example.net"};
#define ACCT "https://ca.example/acct/1234"
#define NOW 1700000000

static struct vtg_dcv_request persist_req(void)
{
	struct vtg_dcv_request rq = req(VTG_DCV_PERSIST, NULL);
	rq.account_uri = ACCT;
	rq.issuers = ISSUERS;
	rq.n_issuers = 2;
	rq.now = NOW;
	return rq;
}

struct persist_case {
	const char *value;
	enum vtg_dcv_rr want;
};

Test(dcv, persist_table)
{
	const struct persist_case cases[] = {
		{"ca.example; accounturi=" ACCT, VTG_DCV_RR_MATCH},
		{"CA.Example; accounturi=" ACCT, VTG_DCV_RR_MATCH},
		{"ca2.example.net;accounturi=" ACCT, VTG_DCV_RR_MATCH},
		{"  ca.example ; accounturi = " ACCT " ", VTG_DCV_RR_MATCH},
		{"ca.example; AccountURI=" ACCT, VTG_DCV_RR_MATCH},
		{"ca.example; policy=wildcard; accounturi=" ACCT "; x-y=z",
		 VTG_DCV_RR_MATCH},                                  /* unknown ignored */
		{"other.example; accounturi=" ACCT, VTG_DCV_RR_WRONG_ISSUER},
		{"sub.ca.example; accounturi=" ACCT, VTG_DCV_RR_WRONG_ISSUER},
		{"; accounturi=" ACCT, VTG_DCV_RR_WRONG_ISSUER},     /* no issuer */
		{"ca.example", VTG_DCV_RR_NO_ACCOUNTURI},
		{"ca.example; persistUntil=1800000000", VTG_DCV_RR_NO_ACCOUNTURI},
		{"ca.example; accounturi=https://ca.example/acct/12345",
		 VTG_DCV_RR_ACCOUNTURI_MISMATCH},
		{"ca.example; accounturi=HTTPS://ca.example/acct/1234",
		 VTG_DCV_RR_ACCOUNTURI_MISMATCH},                    /* exact (Boulder) */
		{"ca.example; accounturi=", VTG_DCV_RR_ACCOUNTURI_MISMATCH},
		{"ca.example; accounturi=" ACCT "; accounturi=" ACCT, VTG_DCV_RR_MALFORMED},
		{"ca.example; accounturi=" ACCT "; persistUntil=1699999999",
		 VTG_DCV_RR_EXPIRED},                                /* past */
		{"ca.example; accounturi=" ACCT "; persistUntil=1700000000",
		 VTG_DCV_RR_MATCH},                                  /* equal */
		{"ca.example; accounturi=" ACCT "; persistUntil=1700000001",
		 VTG_DCV_RR_MATCH},                                  /* future */
		{"ca.example; accounturi=" ACCT "; persistuntil=1699999999",
		 VTG_DCV_RR_EXPIRED},                                /* key case */
		{"ca.example; accounturi=" ACCT "; PERSISTUNTIL=1800000000",
		 VTG_DCV_RR_MATCH},
		{"ca.example; accounturi=" ACCT "; persistUntil=soon",
		 VTG_DCV_RR_BAD_PERSISTUNTIL},
		{"ca.example; accounturi=" ACCT "; persistUntil=", VTG_DCV_RR_BAD_PERSISTUNTIL},
		{"ca.example; accounturi=" ACCT "; persistUntil=-1", VTG_DCV_RR_BAD_PERSISTUNTIL},
		{"ca.example; accounturi=" ACCT "; persistUntil=+1800000000",
		 VTG_DCV_RR_BAD_PERSISTUNTIL},
		{"ca.example; accounturi=" ACCT "; persistUntil=99999999999999999999",
		 VTG_DCV_RR_BAD_PERSISTUNTIL},                       /* overflow */
		{"ca.example; accounturi=" ACCT "; persistUntil=1800000000; persistUntil=1",
		 VTG_DCV_RR_BAD_PERSISTUNTIL},                       /* twice */
		{"ca.example; accounturi=" ACCT ";", VTG_DCV_RR_MALFORMED}, /* grammar */
		{"ca.example.; accounturi=" ACCT, VTG_DCV_RR_MALFORMED},
		{"ca.example; accounturi " ACCT, VTG_DCV_RR_MALFORMED},
		{"ca_example; accounturi=" ACCT, VTG_DCV_RR_MALFORMED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rrset s = {0};
		add_txt(&s, cases[i].value);
		struct vtg_dcv_request rq = persist_req();
		enum vtg_dcv_outcome o = check(&rq, &s);
		cr_assert_eq(res.rr[0], cases[i].want, "'%s': got %s", cases[i].value,
			     vtg__dcv_rr_str((enum vtg_dcv_rr)res.rr[0]));
		if (cases[i].want == VTG_DCV_RR_MATCH) {
			cr_assert_eq(o, VTG_DCV_PASS);
			cr_assert_str_eq(res.seen, ACCT);
		} else {
			char want[256];
			snprintf(want, sizeof(want), "persist: %s",
				 vtg__dcv_rr_str(cases[i].want));
			cr_assert_eq(o, VTG_DCV_MISMATCH);
			cr_assert_str_eq(res.detail, want, "'%s'", cases[i].value);
			cr_assert_str_eq(res.seen, "");
		}
	}
}

Test(dcv, persist_reasons_per_rr_and_any_usable_passes)
{
	struct rrset s = {0};
	add_txt(&s, "other.example; accounturi=" ACCT);
	add_txt(&s, "ca.example; accounturi=" ACCT "; persistUntil=1");
	add_txt(&s, "ca.example; accounturi=https://ca.example/acct/9");
	struct vtg_dcv_request rq = persist_req();
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "persist: wrong-issuer, expired, accounturi-mismatch");
	cr_assert_eq(res.n_records, 3u);
	const char *parts[] = {"ca.example; account", "uri=" ACCT, NULL};
	add_txtv(&s, parts); /* split across strings */
	cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
	cr_assert_eq(res.matched, 3);
	cr_assert_str_eq(res.seen, ACCT);
	cr_assert_str_eq(res.detail, "");
}

Test(dcv, persist_too_long_value)
{
	struct rrset s = {0};
	/* 17 strings of 255 = 4335 octets > VTG_DCV_SCRATCH */
	char str[256];
	memset(str, 'a', 255);
	str[255] = '\0';
	const char *parts[9];
	for (int i = 0; i < 8; i++)
		parts[i] = str;
	parts[8] = NULL;
	add_txtv(&s, parts); /* 2040 octets: fits the scratch */
	struct vtg_dcv_request rq = persist_req();
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
	cr_assert_eq(res.rr[0], VTG_DCV_RR_WRONG_ISSUER); /* "aaa..." is an issuer */
	/* build one RDATA of 17 x 255 by hand */
	static uint8_t big[17 * 256];
	for (int i = 0; i < 17; i++) {
		big[i * 256] = 255;
		memset(big + i * 256 + 1, 'a', 255);
	}
	struct vtg_rdata r = {.rdata = big, .len = sizeof(big), .ttl = 1};
	struct vtg_lookup_answer a = answer(NULL);
	a.rrs = &r;
	a.n_rrs = 1;
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "persist: too-long");
}

/* ---- contacts (BR 3.2.2.4.14, 3.2.2.4.16) ---- */

struct contact_case {
	const char *value;
	bool valid;
	const char *canon;
};

Test(dcv, contact_email_table)
{
	const struct contact_case cases[] = {
		{"hostmaster@example.com", true, "hostmaster@example.com"},
		{"Host.Master+dcv@Example.COM", true, "Host.Master+dcv@example.com"},
		{"\"john doe\"@example.com", true, "\"john doe\"@example.com"},
		{"\"a@b\"@example.com", true, "\"a@b\"@example.com"}, /* quoted @ */
		{"j\xc3\xb6rg@b\xc3\xbc" "cher.example", true,
		 "j\xc3\xb6rg@b\xc3\xbc" "cher.example"},            /* RFC 6532 */
		{"a@b.c", true, "a@b.c"},
		{" hostmaster@example.com", false, NULL},            /* padding */
		{"hostmaster@example.com ", false, NULL},
		{"hostmaster@example.com\n", false, NULL},
		{"a@b@example.com", false, NULL},                    /* two @ */
		{"John <john@example.com>", false, NULL},            /* display name */
		{"<john@example.com>", false, NULL},
		{"john@example", false, NULL},                       /* no dot */
		{"john@example.com.", false, NULL},
		{"@example.com", false, NULL},
		{"john@", false, NULL},
		{"john.@example.com", false, NULL},
		{".john@example.com", false, NULL},
		{"jo..hn@example.com", false, NULL},
		{"john@-example.com", false, NULL},
		{"john@exa_mple.com", false, NULL},
		{"john@[192.0.2.1]", false, NULL},                   /* domain literal */
		{"john(comment)@example.com", false, NULL},
		{"\"\"@example.com", false, NULL},
		{"j\xc3@example.com", false, NULL},                  /* bad UTF-8 */
		{"mailto:john@example.com", false, NULL},
		{"john@example..com", false, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rrset s = {0};
		add_txt(&s, cases[i].value);
		struct vtg_dcv_request rq = req(VTG_DCV_CONTACT_EMAIL, NULL);
		enum vtg_dcv_outcome o = check(&rq, &s);
		if (cases[i].valid) {
			cr_assert_eq(o, VTG_DCV_PASS, "'%s'", cases[i].value);
			cr_assert_str_eq(res.seen, cases[i].canon);
		} else {
			cr_assert_eq(o, VTG_DCV_MISMATCH, "'%s'", cases[i].value);
			cr_assert_str_eq(res.detail, "contact-email: not-email");
			cr_assert_str_eq(res.seen, "");
		}
	}
}

Test(dcv, contact_email_length_limits)
{
	char v[300];
	/* local part of 64 is fine, 65 is not (RFC 5321 4.5.3.1.1) */
	memset(v, 'l', 64);
	strcpy(v + 64, "@example.com");
	struct rrset s = {0};
	add_txt(&s, v);
	struct vtg_dcv_request rq = req(VTG_DCV_CONTACT_EMAIL, NULL);
	cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
	memset(v, 'l', 65);
	strcpy(v + 65, "@example.com");
	struct rrset t = {0};
	add_txt(&t, v);
	cr_assert_eq(check(&rq, &t), VTG_DCV_MISMATCH);
}

Test(dcv, contact_email_lists_every_valid_contact_sorted)
{
	struct rrset s = {0};
	add_txt(&s, "zed@example.com");
	add_txt(&s, "not an address");
	add_txt(&s, "amy@Example.com");
	add_txt(&s, "zed@EXAMPLE.com"); /* same contact, other case */
	const char *parts[] = {"bob@exa", "mple.com", NULL};
	add_txtv(&s, parts);
	struct vtg_dcv_request rq = req(VTG_DCV_CONTACT_EMAIL, NULL);
	cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
	cr_assert_eq(res.matched, 0);
	cr_assert_str_eq(res.seen, "amy@example.com\nbob@example.com\nzed@example.com");
	cr_assert_eq(res.rr[1], VTG_DCV_RR_NOT_EMAIL);
	/* the same set in another answer order gives the same seen */
	struct rrset r = {0};
	add_txt(&r, "bob@example.com");
	add_txt(&r, "amy@example.com");
	add_txt(&r, "zed@example.com");
	char first[VTG_DCV_SEEN_MAX];
	strcpy(first, res.seen);
	cr_assert_eq(check(&rq, &r), VTG_DCV_PASS);
	cr_assert_str_eq(res.seen, first);
}

Test(dcv, contact_phone_table)
{
	const struct contact_case cases[] = {
		{"+1-555-0100", true, "+15550100"},
		{"+44(0)20.7946.0000", true, "+4402079460000"},
		{"+15550100", true, "+15550100"},
		{"+123456789012345", true, "+123456789012345"},   /* 15 digits */
		{"+1234567890123456", false, NULL},               /* 16 */
		{"15550100", false, NULL},                        /* no "+" */
		{"+", false, NULL},
		{"+-.()", false, NULL},
		{" +15550100", false, NULL},
		{"+1 555 0100", false, NULL},
		{"tel:+15550100", false, NULL},
		{"+15550100;ext=1", false, NULL},
		{"+1555O100", false, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rrset s = {0};
		add_txt(&s, cases[i].value);
		struct vtg_dcv_request rq = req(VTG_DCV_CONTACT_PHONE, NULL);
		enum vtg_dcv_outcome o = check(&rq, &s);
		if (cases[i].valid) {
			cr_assert_eq(o, VTG_DCV_PASS, "'%s'", cases[i].value);
			cr_assert_str_eq(res.seen, cases[i].canon);
		} else {
			cr_assert_eq(o, VTG_DCV_MISMATCH, "'%s'", cases[i].value);
			cr_assert_str_eq(res.detail, "contact-phone: not-phone");
		}
	}
}

Test(dcv, detail_lists_at_most_rr_max)
{
	static struct vtg_rdata rrs[VTG_DCV_RR_MAX + 3];
	static const uint8_t rd[] = {1, 'x'};
	for (size_t i = 0; i < VTG_DCV_RR_MAX + 3; i++)
		rrs[i] = (struct vtg_rdata){.rdata = rd, .len = 2, .ttl = 1};
	struct vtg_lookup_answer a = answer(NULL);
	a.rrs = rrs;
	a.n_rrs = VTG_DCV_RR_MAX + 3;
	struct vtg_dcv_request rq = req(VTG_DCV_DNS01, "y");
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_MISMATCH);
	cr_assert_eq(res.n_records, VTG_DCV_RR_MAX + 3u);
	cr_assert_lt(strlen(res.detail), sizeof(res.detail));
	/* the last RR may pass even beyond the per-RR table */
	static const uint8_t yes[] = {1, 'y'};
	rrs[VTG_DCV_RR_MAX + 2].rdata = yes;
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_PASS);
	cr_assert_eq(res.matched, VTG_DCV_RR_MAX + 2);
}

/* ---- seen lists longer than the seen buffer ---- */

/* An address of exactly len octets (len >= 26) whose local part starts
 * with c: "<c>xx...@" then 60-octet labels of 'y' and a ".com" ending. */
static void long_email(char c, size_t len, char *out)
{
	size_t o = 0;
	out[o++] = c;
	while (o < 20)
		out[o++] = 'x';
	out[o++] = '@';
	size_t dom = len - o - 4; /* before ".com" */
	size_t lab = 0;
	for (size_t i = 0; i < dom; i++) {
		bool dot = lab == 60 && i + 1 < dom;
		out[o++] = dot ? '.' : 'y';
		lab = dot ? 0 : lab + 1;
	}
	memcpy(out + o, ".com", 5);
}

/*
 * Corroboration compares seen bytewise (BR 3.2.2.9): two perspectives that
 * get the same RRset in different orders must report the same list even
 * when it overflows. Sorted: a (200) + b (240) + c (50) fit in 511
 * characters (492 with the newlines), d (30) does not; inserted in the
 * order d, a, b, c a first-come list would keep d and drop c.
 */
Test(dcv, seen_overflow_keeps_the_sorted_prefix_in_any_order)
{
	static const char firsts[] = {'a', 'b', 'c', 'd'};
	static const size_t lens[] = {200, 240, 50, 30};
	char addr[4][256];
	for (int i = 0; i < 4; i++) {
		long_email(firsts[i], lens[i], addr[i]);
		cr_assert_eq(strlen(addr[i]), lens[i]);
	}
	char want[4 * 256];
	snprintf(want, sizeof(want), "%s\n%s\n%s", addr[0], addr[1], addr[2]);
	cr_assert_lt(strlen(want), (size_t)VTG_DCV_SEEN_MAX);
	static const int orders[][4] = {
		{0, 1, 2, 3}, {3, 0, 1, 2}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 3, 1, 0}, {0, 3, 2, 1},
	};
	for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
		struct rrset s = {0};
		for (int i = 0; i < 4; i++)
			add_txt(&s, addr[orders[k][i]]);
		add_txt(&s, addr[orders[k][0]]); /* a duplicate changes nothing */
		struct vtg_dcv_request rq = req(VTG_DCV_CONTACT_EMAIL, NULL);
		cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
		cr_assert_str_eq(res.seen, want, "order %zu", k);
	}
	/* without the big ones, the small ones all fit */
	struct rrset t = {0};
	add_txt(&t, addr[3]);
	add_txt(&t, addr[2]);
	struct vtg_dcv_request rq = req(VTG_DCV_CONTACT_EMAIL, NULL);
	cr_assert_eq(check(&rq, &t), VTG_DCV_PASS);
	snprintf(want, sizeof(want), "%s\n%s", addr[2], addr[3]);
	cr_assert_str_eq(res.seen, want);
}

/* ---- reverse-lookup (BR 3.2.2.5.3) ---- */

/* The reverse name of ip as text (no trailing dot), or "" with *rc < 0. */
static const char *reverse_text(const char *ip, size_t len, int *rc)
{
	static char t[VTG_DNS_MAX_TEXT];
	uint8_t w[VTG_DNS_MAX_NAME];
	memset(w, 0xee, sizeof(w));
	t[0] = '\0';
	*rc = vtg__dcv_reverse_name(ip, len, w);
	if (*rc > 0) {
		cr_assert_eq((size_t)*rc, vtg__name_len(w), "%s: length", ip);
		cr_assert_geq(vtg__name_to_text(w, t, sizeof(t), false), 0);
	}
	return t;
}

Test(dcv, reverse_name_ipv4)
{
	struct {
		const char *ip, *name;
	} cases[] = {
		{"192.0.2.1", "1.2.0.192.in-addr.arpa"},
		{"198.51.100.42", "42.100.51.198.in-addr.arpa"},
		{"0.0.0.0", "0.0.0.0.in-addr.arpa"},
		{"255.255.255.255", "255.255.255.255.in-addr.arpa"},
		{"10.0.0.1", "1.0.0.10.in-addr.arpa"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;
		const char *t = reverse_text(cases[i].ip, strlen(cases[i].ip), &rc);
		cr_assert_gt(rc, 0, "%s: rc %d", cases[i].ip, rc);
		cr_assert_str_eq(t, cases[i].name);
	}
	/* len counts, not the NUL: the rest of an input line is not read */
	int rc;
	cr_assert_str_eq(reverse_text("192.0.2.1 host.example", 9, &rc),
			 "1.2.0.192.in-addr.arpa");
}

Test(dcv, reverse_name_ipv6_full_nibbles)
{
	struct {
		const char *ip, *name;
	} cases[] = {
		{"2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
		{"2001:DB8:0:0:0:0:0:1",
		 "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
		{"::", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
		{"fe80::abcd:ef01",
		 "1.0.f.e.d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa"},
		/* IPv4-mapped: still an IPv6 address, its ip6.arpa name */
		{"::ffff:192.0.2.1",
		 "1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
		{"0000:0000:0000:0000:0000:ffff:192.000.002.001", ""}, /* leading zeros */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;
		const char *t = reverse_text(cases[i].ip, strlen(cases[i].ip), &rc);
		if (!cases[i].name[0]) {
			cr_assert_eq(rc, VTG_EDCV_TARGET, "%s", cases[i].ip);
			continue;
		}
		cr_assert_gt(rc, 0, "%s: rc %d", cases[i].ip, rc);
		cr_assert_str_eq(t, cases[i].name, "%s", cases[i].ip);
		/* 32 one-nibble labels, then ip6 and arpa: 32 * 2 + 4 + 5 + 1 */
		cr_assert_eq(rc, 74);
	}
}

Test(dcv, reverse_name_refuses_what_is_no_ip_literal)
{
	static const char *const bad[] = {
		"", "example.com", "1.2.0.192.in-addr.arpa", "192.0.2", "192.0.2.1.",
		"192.0.2.256", "010.0.0.1", "192.0.2.1/32", " 192.0.2.1", "192.0.2.1 ",
		"0x7f.0.0.1", "3221225985", "2001:db8::1%eth0", "[2001:db8::1]",
		"2001:db8::1/64", "2001:db8:::1", "2001:db8::g", "1:2:3:4:5:6:7:8:9",
		"xn--bcher-kva.example", "*.example.com", "192.0.2.1\n",
		/* 46 characters: longer than any literal */
		"0000:0000:0000:0000:0000:ffff:192.000.002.0001",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		reverse_text(bad[i], strlen(bad[i]), &rc);
		cr_assert_eq(rc, VTG_EDCV_TARGET, "'%s': rc %d", bad[i], rc);
	}
	uint8_t w[VTG_DNS_MAX_NAME];
	/* a NUL inside the text, NULL */
	cr_assert_eq(vtg__dcv_reverse_name("192.0.2.1\0x", 11, w), VTG_EDCV_TARGET);
	cr_assert_eq(vtg__dcv_reverse_name(NULL, 0, w), VTG_EDCV_TARGET);
}

Test(dcv, reverse_query_is_ptr_of_the_reverse_name)
{
	uint8_t w[VTG_DNS_MAX_NAME], q[VTG_DNS_MAX_NAME];
	int n = vtg__dcv_reverse_name("192.0.2.1", 9, w);
	cr_assert_gt(n, 0);
	uint16_t qt = 0;
	struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, NULL);
	cr_assert_eq(vtg__dcv_query(&rq, w, q, &qt), 0);
	cr_assert_eq(qt, VTG_TYPE_PTR);
	cr_assert_eq(memcmp(q, w, (size_t)n), 0);
	rq.expect = "host.example.test";
	query_text(&rq, "2.0.192.in-addr.arpa", 0, "2.0.192.in-addr.arpa", VTG_TYPE_PTR);
	query_text(&rq, "b.d.0.1.0.0.2.IP6.ARPA", 0, "b.d.0.1.0.0.2.IP6.ARPA", VTG_TYPE_PTR);
	/* the base name (a caller that forgot the reverse name) is refused */
	query_text(&rq, "example.com", VTG_EDCV_TARGET, NULL, 0);
	query_text(&rq, "arpa", VTG_EDCV_TARGET, NULL, 0);
}

Test(dcv, reverse_request_expect_optional_but_a_name)
{
	struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, NULL);
	cr_assert_eq(vtg__dcv_request_check(&rq), 0);
	rq.expect = "host.example.test.";
	cr_assert_eq(vtg__dcv_request_check(&rq), 0);
	rq.expect = ""; /* not "any name": an empty value is a caller's slip */
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_REQUEST);
	rq.expect = ".";
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_REQUEST);
	rq.expect = "a..b";
	cr_assert_lt(vtg__dcv_request_check(&rq), 0);
	rq.expect = "host.example.test";
	rq.label = "_x";
	cr_assert_eq(vtg__dcv_request_check(&rq), VTG_EDCV_LABEL);
}

static void add_ptr(struct rrset *s, const char *target)
{
	add_cname(s, target); /* the same RDATA: one uncompressed name */
}

Test(dcv, reverse_match_case_and_trailing_dot)
{
	static const char *const expects[] = {"host.example.test", "host.example.test.",
					      "HOST.Example.TEST", "Host.Example.Test."};
	for (size_t i = 0; i < 4; i++) {
		struct rrset s = {0};
		add_ptr(&s, "other.example.test.");
		add_ptr(&s, "HOST.example.TEST.");
		struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, expects[i]);
		cr_assert_eq(check(&rq, &s), VTG_DCV_PASS, "%s", expects[i]);
		cr_assert_str_eq(res.seen, "host.example.test.");
		cr_assert_str_eq(res.detail, "");
		cr_assert_eq(res.matched, 1);
		cr_assert_eq(res.rr[0], VTG_DCV_RR_MISMATCH);
		cr_assert_eq(res.rr[1], VTG_DCV_RR_MATCH);
	}
}

Test(dcv, reverse_mismatch_names_what_the_ptr_points_to)
{
	struct rrset s = {0};
	add_ptr(&s, "Other.Example.test.");
	add_ptr(&s, "example.test."); /* a parent is not the name */
	add_ptr(&s, "x.host.example.test."); /* nor a child */
	struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, "host.example.test");
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.seen, "");
	cr_assert_eq(res.matched, -1);
	cr_assert_str_eq(res.detail, "reverse-lookup: mismatch, mismatch, mismatch "
				     "(points to other.example.test.)");
}

Test(dcv, reverse_no_record)
{
	struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, "host.example.test");
	cr_assert_eq(check(&rq, NULL), VTG_DCV_NO_RECORD);
	cr_assert_str_eq(res.detail, "no-record: no data");
	struct vtg_lookup_answer a = answer(NULL);
	a.rcode = VTG_RCODE_NXDOMAIN;
	rq.expect = NULL;
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_NO_RECORD);
	cr_assert_str_eq(res.detail, "no-record: nxdomain");
	cr_assert_str_eq(res.seen, "");
	/* a failure stays a failure, bogus stays bogus, with or without PTRs */
	struct rrset s = {0};
	add_ptr(&s, "host.example.test.");
	a = answer(&s);
	a.fail = VTG_FAIL_TIMEOUT;
	a.rcode = VTG_RCODE_NONE;
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_LOOKUP_FAILURE);
	a = answer(&s);
	a.dnssec = VTG_DNSSEC_BOGUS;
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_DNSSEC_BOGUS);
}

/* RFC 2317 classless delegation: 1.2.0.192.in-addr.arpa is a CNAME to
 * 1.0/25.2.0.192.in-addr.arpa; the lookup followed it and hands over the
 * PTR RRs of the end of the chain, which are what the check reads. */
Test(dcv, reverse_after_a_classless_cname)
{
	struct rrset s = {0};
	add_ptr(&s, "host.example.test.");
	uint8_t end[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(end, "1.0/25.2.0.192.in-addr.arpa", 27), 0);
	struct vtg_lookup_answer a = answer(&s);
	a.chain_len = 1;
	a.target = end;
	struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, "host.example.test");
	cr_assert_eq(vtg__dcv_check(&rq, &a, &res), 0);
	cr_assert_eq(res.outcome, VTG_DCV_PASS);
	cr_assert_str_eq(res.seen, "host.example.test.");
}

Test(dcv, reverse_without_value_lists_sorted_names)
{
	static const char *const names[] = {"b.example.test.", "A.Example.test",
					    "c.example.test.", "a.example.test."};
	static const int orders[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}};
	for (size_t k = 0; k < 3; k++) {
		struct rrset s = {0};
		for (int i = 0; i < 4; i++)
			add_ptr(&s, names[orders[k][i]]);
		struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, NULL);
		cr_assert_eq(check(&rq, &s), VTG_DCV_PASS, "order %zu", k);
		cr_assert_str_eq(res.seen, "a.example.test.\nb.example.test.\nc.example.test.",
				 "order %zu", k);
		cr_assert_str_eq(res.detail, "");
		cr_assert_eq(res.matched, 0);
		for (int i = 0; i < 4; i++)
			cr_assert_eq(res.rr[i], VTG_DCV_RR_MATCH);
	}
	/* one PTR: that name */
	struct rrset one = {0};
	add_ptr(&one, "Host.Example.Test");
	struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, NULL);
	cr_assert_eq(check(&rq, &one), VTG_DCV_PASS);
	cr_assert_str_eq(res.seen, "host.example.test.");
}

Test(dcv, reverse_without_value_root_names_nothing)
{
	struct rrset s = {0};
	add_ptr(&s, ".");
	struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, NULL);
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "reverse-lookup: mismatch");
	cr_assert_str_eq(res.seen, "");
	add_ptr(&s, "host.example.test.");
	cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
	cr_assert_eq(res.matched, 1);
	cr_assert_str_eq(res.seen, "host.example.test.");
}

Test(dcv, reverse_bad_rdata_never_passes)
{
	static uint8_t cases[][67] = {
		{4, 'h', 'o', 's', 't'},          /* no root label */
		{0xc0, 0x0c},                     /* compression pointer */
		{4, 'h', 'o', 's', 't', 0, 0},    /* trailing octet */
		{0},                              /* 64-octet label, filled below */
	};
	static const size_t lens[] = {5, 2, 7, 66};
	cases[3][0] = 64;
	memset(cases[3] + 1, 'a', 64);
	cases[3][65] = 0;
	for (size_t i = 0; i < 4; i++) {
		struct rrset s = {0};
		add_raw(&s, cases[i], lens[i]);
		/* the first RR would name "host." if read past its RDATA */
		struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, "host");
		cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH, "case %zu", i);
		cr_assert_str_eq(res.detail, "reverse-lookup: bad-rdata");
		cr_assert_eq(res.rr[0], VTG_DCV_RR_BAD_RDATA);
		rq.expect = NULL;
		cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH, "case %zu, no value", i);
		cr_assert_str_eq(res.detail, "reverse-lookup: bad-rdata");
		cr_assert_str_eq(res.seen, "");
		/* a good PTR beside it still passes, the bad one is no part of seen */
		add_ptr(&s, "host.");
		cr_assert_eq(check(&rq, &s), VTG_DCV_PASS, "case %zu + good", i);
		cr_assert_str_eq(res.seen, "host.");
		cr_assert_eq(res.rr[0], VTG_DCV_RR_BAD_RDATA);
	}
	/* empty RDATA */
	struct rrset e = {0};
	add_raw(&e, cases[0], 0);
	struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, NULL);
	cr_assert_eq(check(&rq, &e), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "reverse-lookup: bad-rdata");
}

/* A name of 4 labels of 63 octets of 0x01: 4 * 64 + 1 = 257 > 255, so 3
 * labels of 63 and one of 61: 255 octets, each octet "\001" in text. */
Test(dcv, reverse_name_text_over_a_host_name_is_too_long)
{
	uint8_t rd[VTG_DNS_MAX_NAME];
	size_t o = 0;
	for (int l = 0; l < 4; l++) {
		size_t n = l < 3 ? 63 : 61;
		rd[o++] = (uint8_t)n;
		memset(rd + o, 1, n);
		o += n;
	}
	rd[o++] = 0;
	cr_assert_eq(o, 255u);
	struct rrset s = {0};
	add_raw(&s, rd, o);
	struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, NULL);
	cr_assert_eq(check(&rq, &s), VTG_DCV_MISMATCH);
	cr_assert_str_eq(res.detail, "reverse-lookup: too-long");
	/* the longest LDH name (253 characters) is fine and listed whole */
	char t[VTG_DNS_MAX_TEXT];
	o = 0;
	for (int l = 0; l < 4; l++) {
		size_t n = l < 3 ? 63 : 61;
		memset(t + o, 'a' + l, n);
		o += n;
		t[o++] = '.';
	}
	t[--o] = '\0';
	cr_assert_eq(strlen(t), 253u);
	struct rrset h = {0};
	add_ptr(&h, t);
	cr_assert_eq(check(&rq, &h), VTG_DCV_PASS);
	cr_assert_eq(strlen(res.seen), 254u);
	cr_assert_eq(strncmp(res.seen, t, 253), 0);
}

/* Long PTR names overflow seen: the sorted prefix, in any answer order. */
Test(dcv, reverse_seen_overflow_in_any_order)
{
	char names[4][VTG_DNS_MAX_TEXT];
	for (int k = 0; k < 4; k++) { /* 4 * 63 + 3 dots - 2 = 253 characters */
		size_t o = 0;
		for (int l = 0; l < 4; l++) {
			size_t n = l < 3 ? 63 : 61;
			memset(names[k] + o, 'x', n);
			names[k][o] = (char)('a' + k);
			o += n;
			names[k][o++] = '.';
		}
		names[k][--o] = '\0';
	}
	static const int orders[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 3, 0, 1}};
	char first[VTG_DCV_SEEN_MAX] = "";
	for (size_t k = 0; k < 3; k++) {
		struct rrset s = {0};
		for (int i = 0; i < 4; i++)
			add_ptr(&s, names[orders[k][i]]);
		struct vtg_dcv_request rq = req(VTG_DCV_REVERSE, NULL);
		cr_assert_eq(check(&rq, &s), VTG_DCV_PASS);
		/* 254 + 1 + 254 = 509 fits; a third does not */
		cr_assert_eq(strlen(res.seen), 509u, "order %zu", k);
		cr_assert_eq(res.seen[0], 'a');
		cr_assert_eq(res.seen[255], 'b');
		if (k == 0)
			strcpy(first, res.seen);
		cr_assert_str_eq(res.seen, first, "order %zu", k);
	}
}
