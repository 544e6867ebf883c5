/*
 * test_decide.c — the issuance decision over one relevant CAA RRset
 * (RFC 8659 sections 3, 4.1-4.4; RFC 8657 sections 3, 4 and appendix A;
 * BR 3.2.2.8; docs/rules.md sections 1, 5, 6, 12). Every example of RFC 8659
 * section 4 is here with the owner names of the RFC; the rest pins down
 * vantage's choices where the sources are silent or disagree.
 *
 * The CA under test is "ca.example" unless a test says otherwise.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "caa/caa.h"

#define MAX_RR 8
#define RR_OCTETS 1024 /* values past 255 octets fit */

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
	s->rr[s->n].ttl = 3600;
	s->n++;
}

/* One CAA RR: flags | taglen | tag | value (RFC 8659 4.1). */
static void add(struct rrset *s, uint8_t flags, const char *tag, const char *value)
{
	uint8_t rd[RR_OCTETS];
	size_t tl = strlen(tag), vl = strlen(value);
	cr_assert_leq(2 + tl + vl, (size_t)RR_OCTETS);
	rd[0] = flags;
	rd[1] = (uint8_t)tl;
	memcpy(rd + 2, tag, tl);
	memcpy(rd + 2 + tl, value, vl);
	add_raw(s, rd, 2 + tl + vl);
}

static const char *const CA_EXAMPLE[] = {"ca.example"};

static struct vtg_caa_identity ca(const char *const *issuers, size_t n)
{
	struct vtg_caa_identity id = {
		.issuers = issuers,
		.n_issuers = n,
		.account_uri = NULL,
		.method = NULL,
		.compat = 0,
		.recognised = 0,
	};
	return id;
}

static struct vtg_caa_identity ca_example(void)
{
	return ca(CA_EXAMPLE, 1);
}

static char detail[256];

static enum vtg_caa_reason decide(const struct vtg_caa_identity *id, bool wild,
				  const struct rrset *s)
{
	memset(detail, 'X', sizeof(detail));
	return vtg__caa_decide(id, wild, s->rr, s->n, detail, sizeof(detail));
}

/* decide for the single issuer `name` */
static enum vtg_caa_reason decide_for(const char *name, bool wild,
				      const struct rrset *s)
{
	const char *const issuers[] = {name};
	struct vtg_caa_identity id = ca(issuers, 1);
	return decide(&id, wild, s);
}

#define DETAIL_HAS(str) \
	cr_assert(strstr(detail, (str)) != NULL, "detail '%s' lacks '%s'", detail, (str))

/* ---- RFC 8659 section 4 examples ---- */

Test(rfc8659_examples, s4_1_critical_unknown_tbs_forbids)
{
	/* crit.example.com: CAA 0 issue "ca1.example.net" + CAA 128 tbs "Unknown" */
	struct rrset s = {0};
	add(&s, 0, "issue", "ca1.example.net");
	add(&s, 128, "tbs", "Unknown");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_CRITICAL_UNKNOWN);
	cr_assert_str_eq(detail, "tag=tbs");
	cr_assert_eq(decide_for("ca1.example.net", true, &s), VTG_CAA_CRITICAL_UNKNOWN);
}

Test(rfc8659_examples, s4_1_same_set_without_critical_bit_authorises)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca1.example.net");
	add(&s, 0, "tbs", "Unknown");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_AUTHORIZED);
	cr_assert_str_eq(detail, "");
}

Test(rfc8659_examples, s4_2_certs_two_issuers)
{
	/* certs.example.com: only ca1.example.net or ca2.example.org */
	struct rrset s = {0};
	add(&s, 0, "issue", "ca1.example.net");
	add(&s, 0, "issue", "ca2.example.org");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide_for("ca2.example.org", false, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide_for("ca3.example.com", false, &s), VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("issuer not listed");
}

Test(rfc8659_examples, s4_2_nocerts_empty_issuer)
{
	/* nocerts.example.com: CAA 0 issue ";" */
	struct rrset s = {0};
	add(&s, 0, "issue", ";");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("empty issuer");
}

Test(rfc8659_examples, s4_2_malformed_value_forbids_but_is_no_failure)
{
	/* malformed.example.com: CAA 0 issue "%%%%%" */
	struct rrset s = {0};
	add(&s, 0, "issue", "%%%%%");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("malformed issue value");
}

Test(rfc8659_examples, s4_2_additive_empty_and_named_issuer)
{
	struct rrset s = {0};
	add(&s, 0, "issue", ";");
	add(&s, 0, "issue", "ca1.example.net");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide_for("ca2.example.org", false, &s), VTG_CAA_NOT_AUTHORIZED);
}

Test(rfc8659_examples, s4_2_issuer_specific_parameter_ignored)
{
	/* example.com CAA 0 issue "ca1.example.net; account=230123" */
	struct rrset s = {0};
	add(&s, 0, "issue", "ca1.example.net; account=230123");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide_for("ca2.example.org", false, &s), VTG_CAA_NOT_AUTHORIZED);
}

Test(rfc8659_examples, s4_3_wild_issue_and_issuewild)
{
	/* wild.example.com: issue ca1.example.net, issuewild ca2.example.org */
	struct rrset s = {0};
	add(&s, 0, "issue", "ca1.example.net");
	add(&s, 0, "issuewild", "ca2.example.org");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide_for("ca2.example.org", false, &s), VTG_CAA_NOT_AUTHORIZED);
	cr_assert_eq(decide_for("ca2.example.org", true, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide_for("ca1.example.net", true, &s), VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("issuewild");
}

Test(rfc8659_examples, s4_3_wild2_issue_covers_wildcards)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca1.example.net");
	cr_assert_eq(decide_for("ca1.example.net", true, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide_for("ca2.example.org", true, &s), VTG_CAA_NOT_AUTHORIZED);
}

Test(rfc8659_examples, s4_3_wild3_issuewild_with_empty_issue)
{
	/* wildcards only, by ca2.example.org; nobody for the name itself */
	struct rrset s = {0};
	add(&s, 0, "issuewild", "ca2.example.org");
	add(&s, 0, "issue", ";");
	cr_assert_eq(decide_for("ca2.example.org", true, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide_for("ca2.example.org", false, &s), VTG_CAA_NOT_AUTHORIZED);
	cr_assert_eq(decide_for("ca1.example.net", true, &s), VTG_CAA_NOT_AUTHORIZED);
}

Test(rfc8659_examples, s4_3_wild3_issuewild_alone_leaves_names_open)
{
	struct rrset s = {0};
	add(&s, 0, "issuewild", "ca2.example.org");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_NO_RESTRICTION);
	cr_assert_str_eq(detail, "");
	cr_assert_eq(decide_for("ca1.example.net", true, &s), VTG_CAA_NOT_AUTHORIZED);
	cr_assert_eq(decide_for("ca2.example.org", true, &s), VTG_CAA_AUTHORIZED);
}

Test(rfc8659_examples, s4_4_report_issue_with_iodefs)
{
	/* report.example.com: issue ca1.example.net + two iodef */
	struct rrset s = {0};
	add(&s, 0, "issue", "ca1.example.net");
	add(&s, 0, "iodef", "mailto:security@example.com");
	add(&s, 0, "iodef", "https://iodef.example.com/");
	cr_assert_eq(decide_for("ca1.example.net", false, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide_for("ca.example", false, &s), VTG_CAA_NOT_AUTHORIZED);
}

/* ---- tags and flags (RFC 8659 4.1, BR 3.2.2.8, docs/rules.md sections 1-2, 12) ---- */

Test(tags, iodef_only_restricts_nothing)
{
	struct rrset s = {0};
	add(&s, 0, "iodef", "mailto:security@example.com");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NO_RESTRICTION);
	cr_assert_eq(decide(&id, true, &s), VTG_CAA_NO_RESTRICTION);
}

Test(tags, critical_recognised_tags_do_not_block)
{
	static const char *const tags[] = {"iodef", "contactemail", "contactphone",
					   "issuemail", "issuevmc"};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		struct rrset s = {0};
		add(&s, 128, tags[i], "x");
		add(&s, 0, "issue", "ca.example");
		struct vtg_caa_identity id = ca_example();
		cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED, "%s", tags[i]);
	}
}

Test(tags, issuemail_and_issuevmc_never_restrict_tls)
{
	struct rrset s = {0};
	add(&s, 0, "issuemail", ";");
	add(&s, 0, "issuevmc", "other.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NO_RESTRICTION);
}

Test(tags, critical_issuevmc_blocks_when_not_recognised)
{
	/* open-mpic's reading (docs/rules.md section 12), as a configuration */
	struct rrset s = {0};
	add(&s, 128, "issuevmc", "vmc.example");
	add(&s, 0, "issue", "ca.example");
	struct vtg_caa_identity id = ca_example();
	id.recognised = VTG_CAA_RECOGNISED_DEFAULT & ~(1u << VTG_CAA_TAG_ISSUEVMC);
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_CRITICAL_UNKNOWN);
	cr_assert_str_eq(detail, "tag=issuevmc");
}

Test(tags, critical_reserved_auth_blocks)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example");
	add(&s, 128, "auth", "x");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_CRITICAL_UNKNOWN);
	cr_assert_str_eq(detail, "tag=auth");
}

Test(tags, flags_130_unknown_is_critical)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example");
	add(&s, 130, "tbs", "x");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_CRITICAL_UNKNOWN);
}

Test(tags, flags_1_unknown_ignored_by_default)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example");
	add(&s, 1, "tbs", "x");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(tags, flags_1_unknown_blocks_under_boulder_compat)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example");
	add(&s, 1, "tbs", "x");
	struct vtg_caa_identity id = ca_example();
	id.compat = VTG_CAA_COMPAT_FLAG1_CRITICAL;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_CRITICAL_UNKNOWN);
}

Test(tags, flags_128_on_issue_is_just_issue)
{
	struct rrset s = {0};
	add(&s, 128, "issue", "ca.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(tags, mixed_case_tag_is_issue)
{
	struct rrset s = {0};
	add(&s, 0, "IsSuE", "ca.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
	struct rrset s2 = {0};
	add(&s2, 0, "ISSUE", "other.example");
	cr_assert_eq(decide(&id, false, &s2), VTG_CAA_NOT_AUTHORIZED);
}

Test(tags, hyphenated_tag_ignored_when_not_critical)
{
	struct rrset s = {0};
	add(&s, 0, "contact-email", "x@example.com");
	add(&s, 0, "issue", "ca.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
	struct rrset only = {0};
	add(&only, 0, "contact-email", "x@example.com");
	cr_assert_eq(decide(&id, false, &only), VTG_CAA_NO_RESTRICTION);
}

Test(tags, hyphenated_tag_critical_denies)
{
	struct rrset s = {0};
	add(&s, 128, "contact-email", "x@example.com");
	add(&s, 0, "issue", "ca.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_CRITICAL_UNKNOWN);
	cr_assert_str_eq(detail, "tag=contact-email");
}

Test(tags, sixteen_octet_tag_unknown)
{
	struct rrset s = {0};
	add(&s, 0, "issueissueissuex", "ca.example");
	add(&s, 0, "issue", "ca.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
	struct rrset c = {0};
	add(&c, 128, "issueissueissuex", "ca.example");
	add(&c, 0, "issue", "ca.example");
	cr_assert_eq(decide(&id, false, &c), VTG_CAA_CRITICAL_UNKNOWN);
	cr_assert_str_eq(detail, "tag=issueissueissuex");
}

Test(tags, critical_tag_with_odd_octets_shown_escaped)
{
	struct rrset s = {0};
	add(&s, 128, "a\x01 b", "x");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_CRITICAL_UNKNOWN);
	cr_assert_str_eq(detail, "tag=a\\001\\032b");
}

/* ---- malformed RDATA (docs/rules.md section 1: fail closed) ---- */

Test(malformed, tag_length_zero_is_lookup_failure)
{
	static const uint8_t bad[] = {0x00, 0x00, 'x'};
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example");
	add_raw(&s, bad, sizeof(bad));
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_LOOKUP_FAILURE);
	cr_assert(strncmp(detail, "malformed-caa-rdata", 19) == 0, "%s", detail);
}

Test(malformed, tag_length_over_is_lookup_failure)
{
	static const uint8_t bad[] = {0x00, 0x09, 'i', 's', 's', 'u', 'e'};
	struct rrset s = {0};
	add_raw(&s, bad, sizeof(bad));
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_LOOKUP_FAILURE);
	DETAIL_HAS("malformed-caa-rdata");
}

Test(malformed, short_rdata_is_lookup_failure)
{
	static const uint8_t bad[] = {0x80};
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example");
	add_raw(&s, bad, sizeof(bad));
	add_raw(&s, bad, 0);
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_LOOKUP_FAILURE);
}

Test(malformed, outranks_critical_unknown)
{
	static const uint8_t bad[] = {0x00, 0x00};
	struct rrset s = {0};
	add(&s, 128, "tbs", "x");
	add_raw(&s, bad, sizeof(bad));
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_LOOKUP_FAILURE);
}

/* ---- issuer matching (RFC 8659 4.2, BR 3.2.2.8, docs/rules.md sections 3, 12) ---- */

Test(issuer, case_insensitive_by_default)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "CA.Example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(issuer, byte_exact_under_boulder_compat)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "CA.Example");
	struct vtg_caa_identity id = ca_example();
	id.compat = VTG_CAA_COMPAT_ISSUER_EXACT;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	struct rrset s2 = {0};
	add(&s2, 0, "issue", "ca.example");
	cr_assert_eq(decide(&id, false, &s2), VTG_CAA_AUTHORIZED);
}

Test(issuer, no_suffix_match_either_way)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "sub.ca.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	struct rrset s2 = {0};
	add(&s2, 0, "issue", "ca.example");
	cr_assert_eq(decide_for("sub.ca.example", false, &s2), VTG_CAA_NOT_AUTHORIZED);
	cr_assert_eq(decide_for("a.example", false, &s2), VTG_CAA_NOT_AUTHORIZED);
}

Test(issuer, trailing_dot_is_malformed)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example.");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("malformed");
}

Test(issuer, u_label_is_malformed)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "b\303\274cher.example");
	const char *const issuers[] = {"b\303\274cher.example", "xn--bcher-kva.example"};
	struct vtg_caa_identity id = ca(issuers, 2);
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
}

Test(issuer, any_of_several_configured_names)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca2.example");
	const char *const issuers[] = {"ca1.example", "ca2.example"};
	struct vtg_caa_identity id = ca(issuers, 2);
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(issuer, parameters_and_odd_spacing)
{
	struct rrset s = {0};
	add(&s, 0, "issue", " \tca.example \t;  foo = bar ;x=y=z\t ");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(issuer, trailing_semicolon_after_parameter_is_malformed)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example; foo=bar;");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
}

Test(issuer, value_over_255_octets)
{
	char v[600];
	int n = snprintf(v, sizeof(v), "ca.example; note=");
	memset(v + n, 'a', 400);
	v[n + 400] = '\0';
	struct rrset s = {0};
	add(&s, 0, "issue", v);
	cr_assert_gt(s.rr[0].len, 255);
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(issuer, issuewild_ignored_for_non_wildcard)
{
	struct rrset s = {0};
	add(&s, 0, "issuewild", ";");
	add(&s, 0, "issue", "ca.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
	cr_assert_eq(decide(&id, true, &s), VTG_CAA_NOT_AUTHORIZED, "issuewild \";\" forbids wildcards");
	DETAIL_HAS("issuewild");
}

/* ---- accounturi (RFC 8657 3, docs/rules.md sections 0, 6) ---- */

#define ACCT1 "https://ca.example/acct/1"
#define ACCT2 "https://ca.example/acct/2"

Test(accounturi, matching_account_authorises)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example; accounturi=" ACCT1);
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT1;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(accounturi, other_account_denies)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example; accounturi=" ACCT1);
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT2;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("accounturi mismatch");
}

Test(accounturi, exact_string_compare)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example; accounturi=https://CA.example/acct/1");
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT1;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	id.account_uri = ACCT1 "/";
	struct rrset s2 = {0};
	add(&s2, 0, "issue", "ca.example; accounturi=" ACCT1);
	cr_assert_eq(decide(&id, false, &s2), VTG_CAA_NOT_AUTHORIZED);
}

Test(accounturi, no_caller_account_cannot_satisfy)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example; accounturi=" ACCT1);
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("no account");
}

Test(accounturi, absent_parameter_allows_any_account)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example");
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT2;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(accounturi, mixed_case_parameter_tag_still_binds)
{
	/* [vantage] parameter tags case-insensitive (docs/rules.md section 6); Boulder would
	 * ignore "AccountURI" and authorise any account (fail open) */
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example; AccountURI=" ACCT1);
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT2;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	id.account_uri = NULL;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	id.account_uri = ACCT1;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(accounturi, two_parameters_unsatisfiable)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example; accounturi=" ACCT1 "; accounturi=" ACCT1);
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT1;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("more than one accounturi");
}

Test(accounturi, other_issuers_property_does_not_bind_us)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "other.example; accounturi=https://other.example/a/9");
	add(&s, 0, "issue", "ca.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
}

Test(accounturi, our_account_under_other_issuer_denies)
{
	/* RFC 8657 3: the issuer must still match */
	struct rrset s = {0};
	add(&s, 0, "issue", "other.example; accounturi=" ACCT1);
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT1;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("issuer not listed");
}

Test(accounturi, applies_to_issuewild_too)
{
	struct rrset s = {0};
	add(&s, 0, "issuewild", "ca.example; accounturi=" ACCT1);
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT2;
	cr_assert_eq(decide(&id, true, &s), VTG_CAA_NOT_AUTHORIZED);
	id.account_uri = ACCT1;
	cr_assert_eq(decide(&id, true, &s), VTG_CAA_AUTHORIZED);
}

/* ---- validationmethods (RFC 8657 4, docs/rules.md section 6) ---- */

static enum vtg_caa_reason with_method(const char *value, const char *method)
{
	struct rrset s = {0};
	add(&s, 0, "issue", value);
	struct vtg_caa_identity id = ca_example();
	id.method = method;
	return decide(&id, false, &s);
}

Test(validationmethods, listed_method_authorises)
{
	cr_assert_eq(with_method("ca.example; validationmethods=dns-01,http-01", "dns-01"),
		     VTG_CAA_AUTHORIZED);
	cr_assert_eq(with_method("ca.example; validationmethods=dns-01,http-01", "http-01"),
		     VTG_CAA_AUTHORIZED);
	cr_assert_eq(with_method("ca.example; validationmethods=tls-alpn-01", "tls-alpn-01"),
		     VTG_CAA_AUTHORIZED);
}

Test(validationmethods, unlisted_method_denies)
{
	cr_assert_eq(with_method("ca.example; validationmethods=dns-01,http-01",
				 "tls-alpn-01"), VTG_CAA_NOT_AUTHORIZED);
	cr_assert_str_eq(detail, "issue: validationmethods excludes tls-alpn-01");
	cr_assert_eq(with_method("ca.example; validationmethods=http-01", "dns-01"),
		     VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("validationmethods excludes dns-01");
}

Test(validationmethods, no_caller_method_cannot_satisfy)
{
	cr_assert_eq(with_method("ca.example; validationmethods=dns-01", NULL),
		     VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("no method");
}

Test(validationmethods, empty_list_unsatisfiable)
{
	cr_assert_eq(with_method("ca.example; validationmethods=", "dns-01"),
		     VTG_CAA_NOT_AUTHORIZED);
	cr_assert_eq(with_method("ca.example; validationmethods= ", "dns-01"),
		     VTG_CAA_NOT_AUTHORIZED);
}

Test(validationmethods, invalid_label_spoils_the_list)
{
	static const char *const bad[] = {
		"ca.example; validationmethods=dns-01,,http-01",
		"ca.example; validationmethods=dns-01,",
		"ca.example; validationmethods=,dns-01",
		"ca.example; validationmethods=dns_01,dns-01",
		"ca.example; validationmethods=dns-01,http/01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(with_method(bad[i], "dns-01"), VTG_CAA_NOT_AUTHORIZED, "%s",
			     bad[i]);
		DETAIL_HAS("malformed validationmethods");
	}
}

Test(validationmethods, unknown_well_formed_labels_skipped)
{
	cr_assert_eq(with_method("ca.example; validationmethods=ca-phone,dns-01",
				 "dns-01"), VTG_CAA_AUTHORIZED);
	cr_assert_eq(with_method("ca.example; validationmethods=-x-,dns-01",
				 "dns-01"), VTG_CAA_AUTHORIZED);
}

Test(validationmethods, method_compare_is_case_sensitive)
{
	cr_assert_eq(with_method("ca.example; validationmethods=DNS-01", "dns-01"),
		     VTG_CAA_NOT_AUTHORIZED);
	cr_assert_eq(with_method("ca.example; ValidationMethods=dns-01", "dns-01"),
		     VTG_CAA_AUTHORIZED, "the parameter tag itself is case-insensitive");
}

Test(validationmethods, two_parameters_unsatisfiable)
{
	cr_assert_eq(with_method("ca.example; validationmethods=dns-01; "
				 "validationmethods=dns-01", "dns-01"),
		     VTG_CAA_NOT_AUTHORIZED);
	DETAIL_HAS("more than one validationmethods");
}

Test(validationmethods, both_parameters_must_hold)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example; accounturi=" ACCT1 "; validationmethods=dns-01");
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT1;
	id.method = "dns-01";
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
	id.method = "http-01";
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	id.method = "dns-01";
	id.account_uri = ACCT2;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
}

Test(validationmethods, rfc8657_appendix_a_properties_never_combined)
{
	/* account A may use dns-01, account B http-01; A via http-01 may not */
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example; accounturi=" ACCT1 "; validationmethods=dns-01");
	add(&s, 0, "issue", "ca.example; accounturi=" ACCT2 "; validationmethods=http-01");
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT1;
	id.method = "dns-01";
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
	id.account_uri = ACCT2;
	id.method = "http-01";
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
	id.account_uri = ACCT1;
	id.method = "http-01";
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	id.account_uri = ACCT2;
	id.method = "dns-01";
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
}

/* ---- the detail text ---- */

Test(detail, permit_leaves_detail_empty)
{
	struct rrset s = {0};
	add(&s, 0, "issue", "ca.example");
	struct vtg_caa_identity id = ca_example();
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_AUTHORIZED);
	cr_assert_str_eq(detail, "");
}

Test(detail, property_naming_us_explains_the_deny)
{
	/* another CA's property and an empty one must not hide why ours failed */
	struct rrset s = {0};
	add(&s, 0, "issue", "other.example");
	add(&s, 0, "issue", "ca.example; accounturi=" ACCT1);
	add(&s, 0, "issue", ";");
	struct vtg_caa_identity id = ca_example();
	id.account_uri = ACCT2;
	cr_assert_eq(decide(&id, false, &s), VTG_CAA_NOT_AUTHORIZED);
	cr_assert_str_eq(detail, "issue: accounturi mismatch");
}

Test(detail, small_or_absent_buffer_is_safe)
{
	struct rrset s = {0};
	add(&s, 128, "tbs", "x");
	struct vtg_caa_identity id = ca_example();
	char tiny[4] = "zzz";
	cr_assert_eq(vtg__caa_decide(&id, false, s.rr, s.n, tiny, sizeof(tiny)),
		     VTG_CAA_CRITICAL_UNKNOWN);
	cr_assert_str_eq(tiny, "tag");
	cr_assert_eq(vtg__caa_decide(&id, false, s.rr, s.n, NULL, 0),
		     VTG_CAA_CRITICAL_UNKNOWN);
}
