/*
 * test_openmpic.c — the open-mpic codec (mpic/openmpic.h): the requests of
 * open-mpic-core's test helpers and the spec's example decode
 * (tests/data/openmpic, sources in its README), every refusal returns its
 * code and names the field, and encoded answers re-parse (jansson) with the
 * field names and types of the core's models / the spec.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpic/openmpic.h"

static char *slurp(const char *name, size_t *len)
{
	const char *src = getenv("VTG_SOURCE_DIR");
	cr_assert_not_null(src, "ctest sets VTG_SOURCE_DIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/data/openmpic/%s", src, name);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s", path);
	static char buf[8192];
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static int dec_check(const char *body, enum vtg_om_endpoint ep, struct vtg_om_check *c,
		     char *err, size_t cap)
{
	return vtg__om_check_decode(body, strlen(body), ep, c, err, cap);
}

static int dec_fixture(const char *name, enum vtg_om_endpoint ep, struct vtg_om_check *c)
{
	size_t len;
	char *b = slurp(name, &len);
	char err[256];
	int rc = vtg__om_check_decode(b, len, ep, c, err, sizeof(err));
	if (rc)
		cr_log_info("%s: %s", name, err);
	return rc;
}

/* ---- the real requests ---- */

Test(openmpic, core_caa)
{
	static struct vtg_om_check c;
	cr_assert_eq(dec_fixture("caa_core.json", VTG_OM_EP_CAA, &c), 0);
	cr_assert_eq(c.type, VTG_OM_CHECK_CAA);
	cr_assert_str_eq(c.target, "example.com");
	cr_assert_eq(c.target_kind, VTG_OM_TARGET_NAME);
	cr_assert_not(c.has_trace);
	cr_assert_not(c.smime);
	cr_assert_eq(c.n_caa_domains, 1);
	cr_assert_str_eq(c.caa_domains[0], "ca1.com");
}

Test(openmpic, core_website_change)
{
	static struct vtg_om_check c;
	cr_assert_eq(dec_fixture("dcv_website_change_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.om_method, VTG_OM_WEBSITE_CHANGE);
	cr_assert_eq(c.method, VTG_DCV_WEBSITE_CHANGE);
	cr_assert_str_eq(c.value, "challenge_111");
	cr_assert_str_eq(c.http_path, "token111_ca1.txt");
	cr_assert_not(c.https);
	cr_assert(c.require_exact_case);
}

Test(openmpic, core_dns_change_txt_and_cname)
{
	static struct vtg_om_check c;
	cr_assert_eq(dec_fixture("dcv_dns_change_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.method, VTG_DCV_CHANGE);
	cr_assert_eq(c.rrtype, VTG_OM_RR_TXT);
	cr_assert(c.has_prefix);
	cr_assert_str_eq(c.prefix, "_dnsauth");
	cr_assert_str_eq(c.value, "TXT_challenge_111.ca1.com.");
	cr_assert_not(c.require_exact_match);
	cr_assert(c.require_exact_case);
	cr_assert_eq(dec_fixture("dcv_dns_change_cname_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.method, VTG_DCV_CNAME);
	cr_assert_eq(c.rrtype, VTG_OM_RR_CNAME);
	cr_assert_not(c.require_exact_case);
}

Test(openmpic, core_persistent)
{
	static struct vtg_om_check c;
	cr_assert_eq(dec_fixture("dcv_dns_persistent_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.method, VTG_DCV_PERSIST);
	cr_assert_eq(c.n_issuers, 1);
	cr_assert_str_eq(c.issuers[0], "authority.example");
	cr_assert_str_eq(c.account_uri, "https://authority.example/acct/123");
}

Test(openmpic, core_acme_methods)
{
	static struct vtg_om_check c;
	cr_assert_eq(dec_fixture("dcv_acme_http_01_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.method, VTG_DCV_HTTP01);
	cr_assert_str_eq(c.token, "token111_ca1");
	cr_assert_str_eq(c.value, "challenge_111");
	cr_assert_eq(dec_fixture("dcv_acme_dns_01_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.method, VTG_DCV_DNS01);
	cr_assert_eq(c.rrtype, VTG_OM_RR_TXT);
	cr_assert_str_eq(c.value, "6368616c6c656e67655f313131");
	cr_assert_eq(dec_fixture("dcv_acme_tls_alpn_01_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.method, VTG_DCV_TLSALPN01);
	cr_assert_eq(strlen(c.value), 64);
	/* digest = the hex decoded */
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", c.digest[i]);
	cr_assert_str_eq(hex, c.value);
}

Test(openmpic, core_contact_and_reverse)
{
	static struct vtg_om_check c;
	cr_assert_eq(dec_fixture("dcv_contact_email_txt_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.method, VTG_DCV_CONTACT_EMAIL);
	cr_assert_str_eq(c.value, "validate.me@example.com");
	cr_assert_eq(dec_fixture("dcv_contact_phone_txt_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.method, VTG_DCV_CONTACT_PHONE);
	cr_assert_eq(dec_fixture("dcv_reverse_address_lookup_core.json", VTG_OM_EP_DCV, &c), 0);
	cr_assert_eq(c.method, VTG_DCV_REVERSE);
	cr_assert_eq(c.rrtype, VTG_OM_RR_PTR);
	cr_assert_str_eq(c.target, "192.0.2.1.in-addr.arpa");
	cr_assert_not(c.has_prefix);
}

Test(openmpic, core_unsupported_methods)
{
	static struct vtg_om_check c;
	cr_assert_eq(dec_fixture("dcv_contact_email_caa_core.json", VTG_OM_EP_DCV, &c),
		     VTG_EOM_UNSUPPORTED);
	cr_assert_eq(dec_fixture("dcv_ip_address_core.json", VTG_OM_EP_DCV, &c),
		     VTG_EOM_UNSUPPORTED);
	cr_assert_str_eq(vtg__om_error_type(VTG_EOM_UNSUPPORTED), "mpic_error:dcv_checker:parameter");
	cr_assert_str_eq(vtg__om_error_type(VTG_EOM_TYPE), "request-validation-failed");
}

Test(openmpic, mpic_requests)
{
	static struct vtg_om_mpic m;
	size_t len;
	char err[256];
	char *b = slurp("mpic_caa_spec_example.json", &len);
	cr_assert_eq(vtg__om_mpic_decode(b, len, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(m.check.type, VTG_OM_CHECK_CAA);
	cr_assert(m.check.has_trace);
	cr_assert_str_eq(m.check.trace, "ac2d0392-8699-4037-a0e0-0a6db1ff8b89");
	cr_assert_not(m.has_orch);
	b = slurp("mpic_caa_core.json", &len);
	cr_assert_eq(vtg__om_mpic_decode(b, len, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert(m.has_orch);
	cr_assert(m.orch.has_perspective_count && m.orch.perspective_count == 6);
	cr_assert(m.orch.has_quorum_count && m.orch.quorum_count == 4);
	cr_assert_not(m.orch.has_max_attempts);
	cr_assert_not(m.orch.has_cohort);
	b = slurp("mpic_dcv_dns_change_core.json", &len);
	cr_assert_eq(vtg__om_mpic_decode(b, len, &m, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(m.check.type, VTG_OM_CHECK_DCV);
	cr_assert_eq(m.check.method, VTG_DCV_CHANGE);
	cr_assert_str_eq(m.check.prefix, "test");
}

Test(openmpic, targets)
{
	static struct vtg_om_check c;
	char err[256];
	cr_assert_eq(dec_check("{\"domain_or_ip_target\":\"*.Example.com\"}", VTG_OM_EP_CAA, &c,
			       err, sizeof(err)), 0);
	cr_assert(c.wildcard);
	cr_assert_str_eq(c.target, "Example.com");
	cr_assert_eq(dec_check("{\"domain_or_ip_target\":\"[2001:db8::1]\"}", VTG_OM_EP_CAA, &c,
			       err, sizeof(err)), 0);
	cr_assert_eq(c.target_kind, VTG_OM_TARGET_IPV6);
	cr_assert_str_eq(c.target, "2001:db8::1");
	cr_assert_eq(dec_check("{\"domain_or_ip_target\":\"192.0.2.7\"}", VTG_OM_EP_CAA, &c, err,
			       sizeof(err)), 0);
	cr_assert_eq(c.target_kind, VTG_OM_TARGET_IPV4);
	cr_assert_eq(dec_check("{\"domain_or_ip_target\":\"xn--bcher-kva.example\"}",
			       VTG_OM_EP_CAA, &c, err, sizeof(err)), 0);
	/* unknown fields are ignored, as pydantic's default */
	cr_assert_eq(dec_check("{\"domain_or_ip_target\":\"a.example\",\"future\":{\"x\":[1]}}",
			       VTG_OM_EP_CAA, &c, err, sizeof(err)), 0);
	/* reverse-address-lookup also takes the address */
	cr_assert_eq(dec_check("{\"domain_or_ip_target\":\"192.0.2.1\",\"dcv_check_parameters\":"
			       "{\"validation_method\":\"reverse-address-lookup\","
			       "\"challenge_value\":\"host.example.\"}}",
			       VTG_OM_EP_DCV, &c, err, sizeof(err)), 0, "%s", err);
}

/* ---- refusals ---- */

struct refusal {
	const char *body;
	int want;
	const char *path; /* the field named in the message */
};

#define DCV(params) "{\"domain_or_ip_target\":\"example.com\",\"dcv_check_parameters\":" params "}"

static const struct refusal dcv_refusals[] = {
	{"", VTG_EOM_JSON, "body"},
	{"not json", VTG_EOM_JSON, "body"},
	{"[]", VTG_EOM_JSON, "body"},
	{"\"example.com\"", VTG_EOM_JSON, "body"},
	{"{\"domain_or_ip_target\":\"example.com\"} x", VTG_EOM_JSON, "body"},
	{"{\"domain_or_ip_target\":\"example.com\"}{}", VTG_EOM_JSON, "body"},
	{"{\"domain_or_ip_target\":\"a.example\",\"domain_or_ip_target\":\"b.example\"}",
	 VTG_EOM_JSON, "body"},
	{"{\"domain_or_ip_target\":\"a\\u0000b.example\"}", VTG_EOM_JSON, "body"},
	{"{\"domain_or_ip_target\":\"example.com\",}", VTG_EOM_JSON, "body"},
	{"{\"domain_or_ip_target\":\"example.com\",\"x\":[[[[[[[[[1]]]]]]]]]}", VTG_EOM_DEPTH,
	 "body"},
	{"{}", VTG_EOM_FIELD, "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":null}", VTG_EOM_FIELD, "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":7}", VTG_EOM_TYPE, "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":\"example.com.\"}", VTG_EOM_TARGET, "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":\"exa mple.com\"}", VTG_EOM_TARGET, "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":\"b\\u00fccher.example\"}", VTG_EOM_TARGET,
	 "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":\"[192.0.2.1]\"}", VTG_EOM_TARGET, "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":\"2001:db8::g\"}", VTG_EOM_TARGET, "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":\"a..example\"}", VTG_EOM_TARGET, "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":\"\"}", VTG_EOM_TARGET, "domain_or_ip_target"},
	{"{\"domain_or_ip_target\":\"example.com\",\"trace_identifier\":5}", VTG_EOM_TYPE,
	 "trace_identifier"},
	{"{\"domain_or_ip_target\":\"example.com\"}", VTG_EOM_FIELD, "dcv_check_parameters"},
	{DCV("[]"), VTG_EOM_TYPE, "dcv_check_parameters"},
	{DCV("{}"), VTG_EOM_FIELD, "validation_method"},
	{DCV("{\"validation_method\":\"http-01\"}"), VTG_EOM_METHOD, "validation_method"},
	{DCV("{\"validation_method\":\"dns-account-01\"}"), VTG_EOM_METHOD, "validation_method"},
	{DCV("{\"validation_method\":\"contact-phone-caa\",\"challenge_value\":\"1\"}"),
	 VTG_EOM_UNSUPPORTED, "validation_method"},
	{DCV("{\"validation_method\":\"dns-change\",\"challenge_value\":\"x\"}"), VTG_EOM_FIELD,
	 "dns_record_type"},
	{DCV("{\"validation_method\":\"dns-change\",\"challenge_value\":\"x\",\"dns_record_type\":\"CAA\"}"),
	 VTG_EOM_UNSUPPORTED, "dns_record_type"},
	{DCV("{\"validation_method\":\"dns-change\",\"challenge_value\":\"x\",\"dns_record_type\":\"A\"}"),
	 VTG_EOM_VALUE, "dns_record_type"},
	{DCV("{\"validation_method\":\"dns-change\",\"challenge_value\":\"x\",\"dns_record_type\":\"MX\"}"),
	 VTG_EOM_VALUE, "dns_record_type"},
	{DCV("{\"validation_method\":\"dns-change\",\"challenge_value\":\"\",\"dns_record_type\":\"TXT\"}"),
	 VTG_EOM_VALUE, "challenge_value"},
	{DCV("{\"validation_method\":\"dns-change\",\"challenge_value\":1,\"dns_record_type\":\"TXT\"}"),
	 VTG_EOM_TYPE, "challenge_value"},
	{DCV("{\"validation_method\":\"dns-change\",\"challenge_value\":\"x\",\"dns_record_type\":\"TXT\",\"require_exact_match\":\"true\"}"),
	 VTG_EOM_TYPE, "require_exact_match"},
	{DCV("{\"validation_method\":\"dns-change\",\"challenge_value\":\"x\",\"dns_record_type\":\"TXT\",\"require_exact_match\":1}"),
	 VTG_EOM_TYPE, "require_exact_match"},
	{DCV("{\"validation_method\":\"dns-change\",\"challenge_value\":\"x\",\"dns_record_type\":\"TXT\",\"dns_name_prefix\":\"a.b\"}"),
	 VTG_EOM_VALUE, "dns_name_prefix"},
	{DCV("{\"validation_method\":\"website-change\",\"challenge_value\":\"x\"}"), VTG_EOM_FIELD,
	 "http_token_path"},
	{DCV("{\"validation_method\":\"website-change\",\"challenge_value\":\"x\",\"http_token_path\":\"t\",\"url_scheme\":\"ftp\"}"),
	 VTG_EOM_VALUE, "url_scheme"},
	{DCV("{\"validation_method\":\"website-change\",\"challenge_value\":\"x\",\"http_token_path\":\"t\",\"match_regex\":\"^x\"}"),
	 VTG_EOM_UNSUPPORTED, "match_regex"},
	{DCV("{\"validation_method\":\"website-change\",\"challenge_value\":\"x\",\"http_token_path\":\"t\",\"http_headers\":{\"User-Agent\":\"ca\"}}"),
	 VTG_EOM_UNSUPPORTED, "http_headers"},
	{DCV("{\"validation_method\":\"acme-http-01\",\"token\":\"t\"}"), VTG_EOM_FIELD,
	 "key_authorization"},
	{DCV("{\"validation_method\":\"acme-http-01\",\"token\":\"t\",\"key_authorization\":\"k\",\"require_exact_case\":false}"),
	 VTG_EOM_VALUE, "require_exact_case"},
	{DCV("{\"validation_method\":\"acme-dns-01\",\"key_authorization_hash\":\"h\",\"dns_name_prefix\":\"_other\"}"),
	 VTG_EOM_VALUE, "dns_name_prefix"},
	{DCV("{\"validation_method\":\"acme-dns-01\",\"key_authorization_hash\":\"h\",\"dns_record_type\":\"CNAME\"}"),
	 VTG_EOM_VALUE, "dns_record_type"},
	{DCV("{\"validation_method\":\"acme-tls-alpn-01\",\"key_authorization_hash\":\"abcd\"}"),
	 VTG_EOM_VALUE, "key_authorization_hash"},
	{DCV("{\"validation_method\":\"dns-persistent\",\"issuer_domain_names\":[],\"expected_account_uri\":\"https://a/1\"}"),
	 VTG_EOM_VALUE, "issuer_domain_names"},
	{DCV("{\"validation_method\":\"dns-persistent\",\"issuer_domain_names\":[\"a.example\"],\"expected_account_uri\":\"no uri\"}"),
	 VTG_EOM_VALUE, "expected_account_uri"},
	{DCV("{\"validation_method\":\"dns-persistent\",\"issuer_domain_names\":\"a.example\",\"expected_account_uri\":\"https://a/1\"}"),
	 VTG_EOM_TYPE, "issuer_domain_names"},
	{DCV("{\"validation_method\":\"contact-email-txt\",\"challenge_value\":\"a@b\",\"dns_record_type\":\"CAA\"}"),
	 VTG_EOM_VALUE, "dns_record_type"},
	{DCV("{\"validation_method\":\"reverse-address-lookup\",\"challenge_value\":\"x.\",\"dns_name_prefix\":\"_p\"}"),
	 VTG_EOM_UNSUPPORTED, "dns_name_prefix"},
	{DCV("{\"validation_method\":\"reverse-address-lookup\",\"challenge_value\":\"x.\"}"),
	 VTG_EOM_TARGET, "domain_or_ip_target"},
};

Test(openmpic, dcv_refusals)
{
	static struct vtg_om_check c;
	for (size_t i = 0; i < sizeof(dcv_refusals) / sizeof(dcv_refusals[0]); i++) {
		const struct refusal *r = &dcv_refusals[i];
		char err[256];
		int rc = dec_check(r->body, VTG_OM_EP_DCV, &c, err, sizeof(err));
		cr_expect_eq(rc, r->want, "#%zu %s: got %d (%s), want %d", i, r->body, rc, err,
			     r->want);
		cr_expect(strstr(err, r->path) != NULL, "#%zu: \"%s\" does not name %s", i, err,
			  r->path);
	}
}

static const struct refusal caa_refusals[] = {
	{"{\"domain_or_ip_target\":\"e.example\",\"caa_check_parameters\":[]}", VTG_EOM_TYPE,
	 "caa_check_parameters"},
	{"{\"domain_or_ip_target\":\"e.example\",\"caa_check_parameters\":{\"certificate_type\":\"code-signing\"}}",
	 VTG_EOM_VALUE, "certificate_type"},
	{"{\"domain_or_ip_target\":\"e.example\",\"caa_check_parameters\":{\"certificate_type\":null}}",
	 VTG_EOM_TYPE, "certificate_type"},
	{"{\"domain_or_ip_target\":\"e.example\",\"caa_check_parameters\":{\"caa_domains\":\"ca.example\"}}",
	 VTG_EOM_TYPE, "caa_domains"},
	{"{\"domain_or_ip_target\":\"e.example\",\"caa_check_parameters\":{\"caa_domains\":[1]}}",
	 VTG_EOM_TYPE, "caa_domains"},
	{"{\"domain_or_ip_target\":\"e.example\",\"caa_check_parameters\":{\"caa_domains\":[\"not a name\"]}}",
	 VTG_EOM_VALUE, "caa_domains"},
	{"{\"domain_or_ip_target\":\"e.example\",\"caa_check_parameters\":{\"allow_lookup_failure\":null}}",
	 VTG_EOM_TYPE, "allow_lookup_failure"},
};

Test(openmpic, caa_refusals)
{
	static struct vtg_om_check c;
	for (size_t i = 0; i < sizeof(caa_refusals) / sizeof(caa_refusals[0]); i++) {
		const struct refusal *r = &caa_refusals[i];
		char err[256];
		int rc = dec_check(r->body, VTG_OM_EP_CAA, &c, err, sizeof(err));
		cr_expect_eq(rc, r->want, "#%zu: got %d (%s), want %d", i, rc, err, r->want);
		cr_expect(strstr(err, r->path) != NULL, "#%zu: \"%s\" does not name %s", i, err,
			  r->path);
	}
}

static const struct refusal mpic_refusals[] = {
	{"{\"domain_or_ip_target\":\"e.example\"}", VTG_EOM_FIELD, "check_type"},
	{"{\"domain_or_ip_target\":\"e.example\",\"check_type\":\"CAA\"}", VTG_EOM_VALUE,
	 "check_type"},
	{"{\"domain_or_ip_target\":\"e.example\",\"check_type\":\"dcv\"}", VTG_EOM_FIELD,
	 "dcv_check_parameters"},
	{"{\"domain_or_ip_target\":\"e.example\",\"check_type\":\"caa\",\"orchestration_parameters\":5}",
	 VTG_EOM_TYPE, "orchestration_parameters"},
	{"{\"domain_or_ip_target\":\"e.example\",\"check_type\":\"caa\",\"orchestration_parameters\":{\"perspective_count\":\"6\"}}",
	 VTG_EOM_TYPE, "perspective_count"},
	{"{\"domain_or_ip_target\":\"e.example\",\"check_type\":\"caa\",\"orchestration_parameters\":{\"quorum_count\":4.0}}",
	 VTG_EOM_TYPE, "quorum_count"},
	{"{\"domain_or_ip_target\":\"e.example\",\"check_type\":\"caa\",\"orchestration_parameters\":{\"max_attempts\":-1}}",
	 VTG_EOM_VALUE, "max_attempts"},
	{"{\"domain_or_ip_target\":\"e.example\",\"check_type\":\"caa\",\"orchestration_parameters\":{\"perspective_count\":4294967296}}",
	 VTG_EOM_VALUE, "perspective_count"},
	{"{\"domain_or_ip_target\":\"e.example\",\"check_type\":\"caa\",\"orchestration_parameters\":{\"cohort_for_single_attempt\":0}}",
	 VTG_EOM_VALUE, "cohort_for_single_attempt"},
	{"{\"domain_or_ip_target\":\"e.example\",\"check_type\":\"caa\",\"orchestration_parameters\":{\"perspective_count\":99999999999999999999999}}",
	 VTG_EOM_JSON, "body"},
};

Test(openmpic, mpic_refusals)
{
	static struct vtg_om_mpic m;
	for (size_t i = 0; i < sizeof(mpic_refusals) / sizeof(mpic_refusals[0]); i++) {
		const struct refusal *r = &mpic_refusals[i];
		char err[256];
		int rc = vtg__om_mpic_decode(r->body, strlen(r->body), &m, err, sizeof(err));
		cr_expect_eq(rc, r->want, "#%zu: got %d (%s), want %d", i, rc, err, r->want);
		cr_expect(strstr(err, r->path) != NULL, "#%zu: \"%s\" does not name %s", i, err,
			  r->path);
	}
}

Test(openmpic, limits)
{
	static struct vtg_om_check c;
	static char body[VTG_OM_BODY_MAX + 64];
	char err[256];
	/* a body one octet over the limit, whatever it holds */
	memset(body, ' ', sizeof(body));
	memcpy(body, "{\"domain_or_ip_target\":\"e.example\"}", 35);
	cr_assert_eq(vtg__om_check_decode(body, VTG_OM_BODY_MAX, VTG_OM_EP_CAA, &c, err,
					  sizeof(err)), 0, "%s", err);
	cr_assert_eq(vtg__om_check_decode(body, VTG_OM_BODY_MAX + 1, VTG_OM_EP_CAA, &c, err,
					  sizeof(err)), VTG_EOM_TOO_BIG);
	/* depth: exactly the limit passes, one more is refused */
	char deep[256];
	int d = VTG_OM_DEPTH_MAX; /* the root object is one level */
	int n = snprintf(deep, sizeof(deep), "{\"domain_or_ip_target\":\"e.example\",\"x\":");
	for (int i = 0; i < d - 1; i++)
		deep[n++] = '[';
	for (int i = 0; i < d - 1; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	cr_assert_eq(dec_check(deep, VTG_OM_EP_CAA, &c, err, sizeof(err)), 0, "%s", err);
	n = snprintf(deep, sizeof(deep), "{\"domain_or_ip_target\":\"e.example\",\"x\":");
	for (int i = 0; i < d; i++)
		deep[n++] = '[';
	for (int i = 0; i < d; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	cr_assert_eq(dec_check(deep, VTG_OM_EP_CAA, &c, err, sizeof(err)), VTG_EOM_DEPTH);
	/* strings */
	char big[2048];
	memset(big, 'a', sizeof(big));
	n = snprintf(big, sizeof(big), "{\"domain_or_ip_target\":\"e.example\",\"trace_identifier\":\"");
	memset(big + n, 'a', VTG_OM_TRACE_MAX + 1);
	strcpy(big + n + VTG_OM_TRACE_MAX + 1, "\"}");
	cr_assert_eq(dec_check(big, VTG_OM_EP_CAA, &c, err, sizeof(err)), VTG_EOM_LONG);
	cr_assert(strstr(err, "trace_identifier"));
	n = snprintf(big, sizeof(big), "{\"domain_or_ip_target\":\"e.example\",\"dcv_check_parameters\":{\"validation_method\":\"dns-change\",\"dns_record_type\":\"TXT\",\"challenge_value\":\"");
	memset(big + n, 'v', VTG_OM_VALUE_MAX + 1);
	strcpy(big + n + VTG_OM_VALUE_MAX + 1, "\"}}");
	cr_assert_eq(dec_check(big, VTG_OM_EP_DCV, &c, err, sizeof(err)), VTG_EOM_LONG);
	cr_assert(strstr(err, "challenge_value"));
	/* the longest value passes */
	strcpy(big + n + VTG_OM_VALUE_MAX, "\"}}");
	cr_assert_eq(dec_check(big, VTG_OM_EP_DCV, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(strlen(c.value), VTG_OM_VALUE_MAX);
	/* caa_domains: VTG_OM_DOMAINS_MAX + 1 names */
	n = snprintf(big, sizeof(big), "{\"domain_or_ip_target\":\"e.example\",\"caa_check_parameters\":{\"caa_domains\":[");
	for (int i = 0; i <= VTG_OM_DOMAINS_MAX; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "%s\"ca%d.example\"", i ? "," : "", i);
	strcpy(big + n, "]}}");
	cr_assert_eq(dec_check(big, VTG_OM_EP_CAA, &c, err, sizeof(err)), VTG_EOM_LONG);
	/* a 254-octet name is too long, 253 fits */
	char name[300];
	memset(name, 0, sizeof(name));
	for (int i = 0; i < 4; i++)
		memcpy(name + i * 64, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.", 64);
	name[253] = '\0'; /* 3 labels of 63 + dots + 61 octets = 253 */
	snprintf(big, sizeof(big), "{\"domain_or_ip_target\":\"%s\"}", name);
	cr_assert_eq(dec_check(big, VTG_OM_EP_CAA, &c, err, sizeof(err)), 0, "%s", err);
	name[253] = 'a';
	name[254] = '\0';
	snprintf(big, sizeof(big), "{\"domain_or_ip_target\":\"%s\"}", name);
	cr_assert_eq(dec_check(big, VTG_OM_EP_CAA, &c, err, sizeof(err)), VTG_EOM_TARGET);
}

/* Every strict prefix of a valid body is refused cleanly (house style). */
Test(openmpic, truncated_prefixes)
{
	static struct vtg_om_check c;
	size_t len;
	char *b = slurp("dcv_website_change_core.json", &len);
	while (len > 0 && (b[len - 1] == '\n' || b[len - 1] == ' '))
		len--;
	char *copy = malloc(len);
	for (size_t n = 0; n < len; n++) {
		memcpy(copy, b, n);
		char err[128];
		int rc = vtg__om_check_decode(copy, n, VTG_OM_EP_DCV, &c, err, sizeof(err));
		cr_assert_eq(rc, VTG_EOM_JSON, "prefix %zu: %d %s", n, rc, err);
	}
	free(copy);
}

/* ---- encoding ---- */

static json_t *encode_result(const struct vtg_om_result *r)
{
	struct vtg_json j;
	cr_assert_eq(vtg__json_init(&j, -1), 0);
	cr_assert_eq(vtg__om_result_encode(r, &j), 0);
	json_error_t je;
	json_t *v = json_loadb(j.buf, j.len, JSON_REJECT_DUPLICATES, &je);
	cr_assert_not_null(v, "%.*s: %s", (int)j.len, j.buf, je.text);
	vtg__json_deinit(&j);
	return v;
}

static void expect_keys(json_t *o, const char *const *keys)
{
	cr_assert(json_is_object(o));
	size_t n = 0;
	for (; keys[n]; n++)
		cr_expect_not_null(json_object_get(o, keys[n]), "missing %s", keys[n]);
	cr_expect_eq(json_object_size(o), n, "%zu keys, want %zu", json_object_size(o), n);
}

Test(openmpic, encode_caa)
{
	const char *recs[] = {"0 issue \"ca1.com\"", "0 iodef \"mailto:x@example.com\""};
	const char ev[] = "{\"kind\":\"caa\",\"decision\":\"permit\"}\n";
	struct vtg_om_result r = {
		.type = VTG_OM_CHECK_CAA, .completed = true, .passed = true,
		.timestamp_ns = 1725822089205545500LL, .records = recs, .n_records = 2,
		.found_at = "example.com", .caa_present = 1, .rcode = -1, .ad_flag = -1,
		.status = -1, .evidence = ev, .evidence_len = sizeof(ev) - 1,
	};
	json_t *v = encode_result(&r);
	static const char *const top[] = {"check_type", "check_passed", "check_completed",
					  "timestamp_ns", "errors", "details", "vantage", NULL};
	expect_keys(v, top);
	cr_assert_str_eq(json_string_value(json_object_get(v, "check_type")), "caa");
	cr_assert(json_is_true(json_object_get(v, "check_passed")));
	cr_assert(json_is_integer(json_object_get(v, "timestamp_ns")));
	cr_assert_eq(json_integer_value(json_object_get(v, "timestamp_ns")), 1725822089205545500LL);
	cr_assert(json_is_null(json_object_get(v, "errors")));
	json_t *d = json_object_get(v, "details");
	static const char *const dk[] = {"caa_record_present", "found_at", "records_seen", NULL};
	expect_keys(d, dk);
	cr_assert(json_is_true(json_object_get(d, "caa_record_present")));
	cr_assert_eq(json_array_size(json_object_get(d, "records_seen")), 2);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(d, "records_seen"), 0)),
			 recs[0]);
	/* the evidence went in verbatim, as an object */
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(v, "vantage"), "decision")),
			 "permit");
	json_decref(v);
}

Test(openmpic, encode_caa_lookup_error)
{
	struct vtg_om_error e = {VTG_OM_ERR_CAA_LOOKUP,
				 "There was an error looking up the CAA record: SERVFAIL"};
	struct vtg_om_result r = {
		.type = VTG_OM_CHECK_CAA, .errors = &e, .n_errors = 1, .caa_present = -1,
		.rcode = -1, .ad_flag = -1, .status = -1,
	};
	json_t *v = encode_result(&r);
	cr_assert_null(json_object_get(v, "vantage"));
	json_t *errs = json_object_get(v, "errors");
	cr_assert_eq(json_array_size(errs), 1);
	static const char *const ek[] = {"error_type", "error_message", NULL};
	expect_keys(json_array_get(errs, 0), ek);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(errs, 0), "error_type")),
			 "mpic_error:caa_checker:lookup");
	json_t *d = json_object_get(v, "details");
	cr_assert(json_is_null(json_object_get(d, "caa_record_present")));
	cr_assert(json_is_null(json_object_get(d, "records_seen")));
	json_decref(v);
}

Test(openmpic, encode_dns_dcv)
{
	const char *recs[] = {"TXT_challenge_111.ca1.com.", "bad \xff utf-8"};
	const char *chain[] = {"_dnsauth.example.com", "target.example.net"};
	struct vtg_om_result r = {
		.type = VTG_OM_CHECK_DCV, .method = VTG_OM_DNS_CHANGE, .completed = true,
		.passed = true, .timestamp_ns = 1, .records = recs, .n_records = 2,
		.found_at = "_dnsauth.example.com", .rcode = 0, .ad_flag = 0,
		.cname_chain = chain, .n_cname = 2, .status = -1, .caa_present = -1,
	};
	json_t *v = encode_result(&r);
	cr_assert_str_eq(json_string_value(json_object_get(v, "check_type")), "dcv");
	json_t *d = json_object_get(v, "details");
	static const char *const dk[] = {"validation_method", "records_seen", "response_code",
					 "ad_flag", "found_at", "cname_chain", NULL};
	expect_keys(d, dk);
	cr_assert_str_eq(json_string_value(json_object_get(d, "validation_method")), "dns-change");
	cr_assert_eq(json_integer_value(json_object_get(d, "response_code")), 0);
	cr_assert(json_is_false(json_object_get(d, "ad_flag")));
	cr_assert_eq(json_array_size(json_object_get(d, "cname_chain")), 2);
	/* invalid UTF-8 became U+FFFD, the value survived */
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(d, "records_seen"), 1)),
			 "bad \xef\xbf\xbd utf-8");
	json_decref(v);
}

Test(openmpic, encode_http_dcv)
{
	struct vtg_om_hop hops[] = {{"http://example.com/.well-known/pki-validation/t", 301}};
	const uint8_t page[150] = "challenge_111 and more";
	struct vtg_om_result r = {
		.type = VTG_OM_CHECK_DCV, .method = VTG_OM_WEBSITE_CHANGE, .completed = true,
		.passed = true, .timestamp_ns = 2, .hops = hops, .n_hops = 1,
		.response_url = "https://example.com/.well-known/pki-validation/t", .status = 200,
		.page = page, .page_len = sizeof(page), .resolved_ip = "192.0.2.1",
		.caa_present = -1, .rcode = -1, .ad_flag = -1,
	};
	json_t *v = encode_result(&r);
	json_t *d = json_object_get(v, "details");
	static const char *const dk[] = {"validation_method", "response_history", "response_url",
					 "response_status_code", "response_page", "resolved_ip",
					 NULL};
	expect_keys(d, dk);
	json_t *h = json_array_get(json_object_get(d, "response_history"), 0);
	static const char *const hk[] = {"status_code", "url", "response_status_code",
					 "response_url", NULL};
	expect_keys(h, hk);
	cr_assert_eq(json_integer_value(json_object_get(h, "status_code")), 301);
	cr_assert_eq(json_integer_value(json_object_get(d, "response_status_code")), 200);
	/* base64 of the first 100 octets: 136 characters, starting with
	 * base64("challenge_111") */
	const char *p = json_string_value(json_object_get(d, "response_page"));
	cr_assert_eq(strlen(p), 136);
	cr_assert(strncmp(p, "Y2hhbGxlbmdlXzExMS", 18) == 0, "%s", p);
	json_decref(v);
}

Test(openmpic, encode_tls_alpn_and_bad_method)
{
	struct vtg_om_result r = {
		.type = VTG_OM_CHECK_DCV, .method = VTG_OM_ACME_TLS_ALPN_01, .common_name = NULL,
		.caa_present = -1, .rcode = -1, .ad_flag = -1, .status = -1,
	};
	json_t *v = encode_result(&r);
	static const char *const dk[] = {"validation_method", "common_name", NULL};
	expect_keys(json_object_get(v, "details"), dk);
	json_decref(v);
	struct vtg_json j;
	vtg__json_init(&j, -1);
	r.method = (enum vtg_om_method)99;
	cr_assert_eq(vtg__om_result_encode(&r, &j), VTG_EOM_VALUE);
	vtg__json_deinit(&j);
}

Test(openmpic, encode_mpic_round_trip)
{
	static struct vtg_om_mpic m;
	size_t len;
	char err[256];
	char *b = slurp("mpic_dcv_dns_change_core.json", &len);
	cr_assert_eq(vtg__om_mpic_decode(b, len, &m, err, sizeof(err)), 0, "%s", err);
	const char *recs[] = {"test"};
	struct vtg_om_result r = {
		.type = VTG_OM_CHECK_DCV, .method = VTG_OM_DNS_CHANGE, .completed = true,
		.passed = true, .timestamp_ns = 3, .records = recs, .n_records = 1,
		.found_at = "test.test.example.com", .rcode = 0, .ad_flag = 1, .caa_present = -1,
		.status = -1,
	};
	struct vtg_om_perspective ps[] = {{"us-east-2", &r}, {"eu-west-2", &r}};
	struct vtg_om_attempt prev = {.perspectives = ps, .n = 1};
	struct vtg_om_mpic_result mr = {
		.request = &m, .completed = true, .is_valid = true, .perspective_count = 2,
		.quorum_count = 2, .attempt_count = 2, .perspectives = ps, .n_perspectives = 2,
		.previous = &prev, .n_previous = 1,
	};
	struct vtg_json j;
	vtg__json_init(&j, -1);
	cr_assert_eq(vtg__om_mpic_encode(&mr, &j), 0);
	json_error_t je;
	json_t *v = json_loadb(j.buf, j.len, JSON_REJECT_DUPLICATES, &je);
	cr_assert_not_null(v, "%s", je.text);
	static const char *const top[] = {"check_type", "domain_or_ip_target", "trace_identifier",
					  "is_valid", "mpic_completed",
					  "request_orchestration_parameters",
					  "actual_orchestration_parameters", "dcv_check_parameters",
					  "perspectives", "previous_attempt_results", NULL};
	expect_keys(v, top);
	cr_assert_str_eq(json_string_value(json_object_get(v, "domain_or_ip_target")),
			 "test.example.com");
	json_t *ro = json_object_get(v, "request_orchestration_parameters");
	cr_assert_eq(json_integer_value(json_object_get(ro, "perspective_count")), 6);
	cr_assert(json_is_null(json_object_get(ro, "max_attempts")));
	json_t *p0 = json_array_get(json_object_get(v, "perspectives"), 0);
	static const char *const pk[] = {"perspective_code", "check_response", NULL};
	expect_keys(p0, pk);
	cr_assert_eq(json_array_size(json_array_get(json_object_get(v, "previous_attempt_results"), 0)),
		     1);
	/* the echoed parameters decode again to the same request */
	json_t *dp = json_object_get(v, "dcv_check_parameters");
	json_t *req = json_pack("{s:s, s:O}", "domain_or_ip_target", "test.example.com",
				"dcv_check_parameters", dp);
	char *again = json_dumps(req, 0);
	static struct vtg_om_check c2;
	cr_assert_eq(vtg__om_check_decode(again, strlen(again), VTG_OM_EP_DCV, &c2, err,
					  sizeof(err)), 0, "%s: %s", again, err);
	cr_assert_eq(c2.method, m.check.method);
	cr_assert_str_eq(c2.value, m.check.value);
	cr_assert_str_eq(c2.prefix, m.check.prefix);
	cr_assert_eq(c2.require_exact_match, m.check.require_exact_match);
	free(again);
	json_decref(req);
	json_decref(v);
	vtg__json_deinit(&j);
}

/* Every method that decodes re-encodes parameters that decode again. */
Test(openmpic, every_method_params_round_trip)
{
	static const char *const fx[] = {
		"dcv_website_change_core.json", "dcv_dns_change_core.json",
		"dcv_dns_change_cname_core.json", "dcv_dns_persistent_core.json",
		"dcv_acme_http_01_core.json", "dcv_acme_dns_01_core.json",
		"dcv_acme_tls_alpn_01_core.json", "dcv_contact_email_txt_core.json",
		"dcv_contact_phone_txt_core.json", "dcv_reverse_address_lookup_core.json",
	};
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		static struct vtg_om_mpic m;
		cr_assert_eq(dec_fixture(fx[i], VTG_OM_EP_DCV, &m.check), 0, "%s", fx[i]);
		struct vtg_om_result r = {.type = VTG_OM_CHECK_DCV, .method = m.check.om_method,
					  .caa_present = -1, .rcode = -1, .ad_flag = -1,
					  .status = -1};
		struct vtg_om_perspective ps = {"p1", &r};
		struct vtg_om_mpic_result mr = {.request = &m, .perspectives = &ps,
						.n_perspectives = 1};
		struct vtg_json j;
		vtg__json_init(&j, -1);
		cr_assert_eq(vtg__om_mpic_encode(&mr, &j), 0);
		json_t *v = json_loadb(j.buf, j.len, 0, NULL);
		cr_assert_not_null(v);
		json_t *req = json_pack("{s:s, s:O}", "domain_or_ip_target",
					json_string_value(json_object_get(v, "domain_or_ip_target")),
					"dcv_check_parameters",
					json_object_get(v, "dcv_check_parameters"));
		char *again = json_dumps(req, 0);
		static struct vtg_om_check c2;
		char err[256];
		cr_expect_eq(vtg__om_check_decode(again, strlen(again), VTG_OM_EP_DCV, &c2, err,
						  sizeof(err)), 0, "%s: %s: %s", fx[i], again, err);
		cr_expect_eq(c2.method, m.check.method, "%s", fx[i]);
		cr_expect_str_eq(c2.value, m.check.value, "%s", fx[i]);
		free(again);
		json_decref(req);
		json_decref(v);
		vtg__json_deinit(&j);
	}
}

/* The coordinator's evidence lines: "vantage" is an array of the attempts'
 * objects, trailing newlines dropped; absent without lines. */
Test(openmpic, encode_mpic_evidence_lines)
{
	static struct vtg_om_mpic m;
	size_t len;
	char err[256];
	char *b = slurp("mpic_dcv_dns_change_core.json", &len);
	cr_assert_eq(vtg__om_mpic_decode(b, len, &m, err, sizeof(err)), 0, "%s", err);
	struct vtg_om_result r = {.type = VTG_OM_CHECK_DCV, .method = VTG_OM_DNS_CHANGE,
				  .caa_present = -1, .rcode = -1, .ad_flag = -1, .status = -1};
	struct vtg_om_perspective ps = {"p1", &r};
	struct vtg_om_evidence ev[] = {{"{\"attempt\":1}\n", 14}, {"{\"attempt\":2}", 13}};
	struct vtg_om_mpic_result mr = {.request = &m, .perspectives = &ps, .n_perspectives = 1,
					.evidence = ev, .n_evidence = 2};
	struct vtg_json j;
	vtg__json_init(&j, -1);
	cr_assert_eq(vtg__om_mpic_encode(&mr, &j), 0);
	json_t *v = json_loadb(j.buf, j.len, JSON_REJECT_DUPLICATES, NULL);
	cr_assert_not_null(v, "%.*s", (int)j.len, j.buf);
	json_t *va = json_object_get(v, "vantage");
	cr_assert_eq(json_array_size(va), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(va, 1), "attempt")), 2);
	json_decref(v);
	/* an attempt kept as text is the same as its results encoded */
	struct vtg_json pj;
	vtg__json_init(&pj, -1);
	vtg__json_arr_begin(&pj);
	cr_assert_eq(vtg__om_perspective_encode(&ps, &pj), 0);
	vtg__json_arr_end(&pj);
	char *as_results = strndup(j.buf, j.len);
	mr.perspectives = NULL;
	mr.n_perspectives = 0;
	mr.perspectives_json = pj.buf;
	mr.perspectives_json_len = pj.len;
	vtg__json_reset(&j);
	cr_assert_eq(vtg__om_mpic_encode(&mr, &j), 0);
	cr_assert_eq(strlen(as_results), j.len);
	/* timestamps are equal (the same r), so the texts are */
	cr_assert_eq(memcmp(as_results, j.buf, j.len), 0);
	free(as_results);
	vtg__json_reset(&j);
	mr.n_evidence = 0;
	cr_assert_eq(vtg__om_mpic_encode(&mr, &j), 0);
	v = json_loadb(j.buf, j.len, 0, NULL);
	cr_assert_null(json_object_get(v, "vantage"));
	json_decref(v);
	vtg__json_deinit(&pj);
	vtg__json_deinit(&j);
}

/* The remote perspective's request (vtg__om_check_encode) decodes back to
 * the same check, for every fixture's method and a wildcard CAA target. */
Test(openmpic, check_encode_round_trip)
{
	static const char *const fx[] = {
		"dcv_website_change_core.json", "dcv_dns_change_core.json",
		"dcv_dns_change_cname_core.json", "dcv_dns_persistent_core.json",
		"dcv_acme_http_01_core.json", "dcv_acme_dns_01_core.json",
		"dcv_acme_tls_alpn_01_core.json", "dcv_contact_email_txt_core.json",
		"dcv_contact_phone_txt_core.json", "dcv_reverse_address_lookup_core.json",
	};
	static struct vtg_om_check a, b;
	char err[256];
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		cr_assert_eq(dec_fixture(fx[i], VTG_OM_EP_DCV, &a), 0, "%s", fx[i]);
		struct vtg_json j;
		vtg__json_init(&j, -1);
		cr_assert_eq(vtg__om_check_encode(&a, &j), 0, "%s", fx[i]);
		cr_assert_eq(vtg__om_check_decode(j.buf, j.len, VTG_OM_EP_DCV, &b, err,
						  sizeof(err)), 0, "%s: %.*s: %s", fx[i],
			     (int)j.len, j.buf, err);
		cr_expect_eq(b.om_method, a.om_method, "%s", fx[i]);
		cr_expect_eq(b.method, a.method, "%s", fx[i]);
		cr_expect_eq(b.rrtype, a.rrtype, "%s", fx[i]);
		cr_expect_str_eq(b.value, a.value, "%s", fx[i]);
		cr_expect_str_eq(b.token, a.token, "%s", fx[i]);
		cr_expect_str_eq(b.http_path, a.http_path, "%s", fx[i]);
		cr_expect_eq(b.has_prefix, a.has_prefix, "%s", fx[i]);
		cr_expect_str_eq(b.prefix, a.prefix, "%s", fx[i]);
		cr_expect_eq(b.https, a.https, "%s", fx[i]);
		cr_expect_eq(b.n_issuers, a.n_issuers, "%s", fx[i]);
		cr_expect_str_eq(b.account_uri, a.account_uri, "%s", fx[i]);
		cr_expect_eq(memcmp(b.digest, a.digest, sizeof(a.digest)), 0, "%s", fx[i]);
		cr_expect_str_eq(b.target, a.target, "%s", fx[i]);
		vtg__json_deinit(&j);
	}
	const char *caa = "{\"domain_or_ip_target\":\"*.example.com\",\"trace_identifier\":\"t1\","
			  "\"caa_check_parameters\":{\"caa_domains\":[\"ca1.example\",\"ca2.example\"],"
			  "\"allow_lookup_failure\":true}}";
	cr_assert_eq(dec_check(caa, VTG_OM_EP_CAA, &a, err, sizeof(err)), 0, "%s", err);
	struct vtg_json j;
	vtg__json_init(&j, -1);
	cr_assert_eq(vtg__om_check_encode(&a, &j), 0);
	cr_assert_eq(vtg__om_check_decode(j.buf, j.len, VTG_OM_EP_CAA, &b, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect(b.wildcard);
	cr_expect_str_eq(b.target, "example.com");
	cr_expect_str_eq(b.trace, "t1");
	cr_expect_eq(b.n_caa_domains, 2);
	cr_expect_str_eq(b.caa_domains[1], "ca2.example");
	cr_expect(b.allow_lookup_failure);
	a.type = (enum vtg_om_check_type)7;
	vtg__json_reset(&j);
	cr_expect_eq(vtg__om_check_encode(&a, &j), VTG_EOM_VALUE);
	vtg__json_deinit(&j);
}

static int dec_answer(const char *body, enum vtg_om_check_type t, struct vtg_om_answer *a,
		      char *ev, size_t evcap, char *err)
{
	return vtg__om_answer_decode(body, strlen(body), t, a, ev, evcap, err, 256);
}

/* An agent's answer: the verdict, the first error, vantage's evidence kept
 * on one line; everything malformed refused with the field named. */
Test(openmpic, answer_decode)
{
	struct vtg_om_answer a;
	char err[256], ev[512];
	const char *ok = "{\"check_type\":\"dcv\",\"check_completed\":true,\"check_passed\":true,"
			 "\"errors\":null,\"timestamp_ns\":1765000000000000000,\"details\":{},"
			 "\"vantage\":{\n  \"result\": \"pass\",\n  \"reason\": \"pass\",\n"
			 "  \"seen\": \"a b\",\n  \"perspectives\": [ {\"id\": \"x\"} ]\n}}";
	cr_assert_eq(dec_answer(ok, VTG_OM_CHECK_DCV, &a, ev, sizeof(ev), err), 0, "%s", err);
	cr_expect(a.completed && a.passed);
	cr_expect_eq(a.timestamp_ns, 1765000000000000000LL);
	cr_expect_str_eq(a.reason, "pass");
	cr_expect(a.has_seen);
	cr_expect_str_eq(a.seen, "a b");
	cr_expect_eq(a.evidence_len, strlen(ev));
	cr_expect_null(strchr(ev, '\n'), "compact: %s", ev);
	cr_expect_str_eq(ev, "{\"result\":\"pass\",\"reason\":\"pass\",\"seen\":\"a b\","
			     "\"perspectives\":[{\"id\":\"x\"}]}");
	/* evidence that does not fit is left out, the verdict kept */
	cr_assert_eq(dec_answer(ok, VTG_OM_CHECK_DCV, &a, ev, 16, err), 0);
	cr_expect_eq(a.evidence_len, 0);
	cr_expect(a.passed);
	const char *fail = "{\"check_type\":\"caa\",\"check_completed\":false,\"check_passed\":false,"
			   "\"errors\":[{\"error_type\":\"mpic_error:caa_checker:lookup\","
			   "\"error_message\":\"timeout\"},{\"error_type\":\"x\",\"error_message\":\"y\"}]}";
	cr_assert_eq(dec_answer(fail, VTG_OM_CHECK_CAA, &a, ev, sizeof(ev), err), 0, "%s", err);
	cr_expect(!a.completed && !a.passed);
	cr_expect_eq(a.n_errors, 2);
	cr_expect_str_eq(a.error_type, "mpic_error:caa_checker:lookup");
	cr_expect_str_eq(a.error_message, "timeout");
	cr_expect_eq(a.evidence_len, 0);
	static const struct { const char *body; int rc; const char *field; } bad[] = {
		{"{\"check_type\":\"dcv\",\"check_completed\":true,\"check_passed\":true}",
		 VTG_EOM_VALUE, "check_type"},
		{"{\"check_type\":\"caa\",\"check_completed\":true}", VTG_EOM_TYPE, "check_passed"},
		{"{\"check_type\":\"caa\",\"check_completed\":1,\"check_passed\":true}",
		 VTG_EOM_TYPE, "check_completed"},
		{"{\"check_type\":\"caa\",\"check_completed\":true,\"check_passed\":\"true\"}",
		 VTG_EOM_TYPE, "check_passed"},
		{"{\"check_type\":\"caa\",\"check_completed\":true,\"check_passed\":true,"
		 "\"errors\":{}}", VTG_EOM_TYPE, "errors"},
		{"<html>502 Bad Gateway</html>", VTG_EOM_JSON, "body"},
		{"[true]", VTG_EOM_JSON, "body"},
		{"{\"check_type\":\"caa\",\"check_type\":\"caa\"}", VTG_EOM_JSON, "body"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_expect_eq(dec_answer(bad[i].body, VTG_OM_CHECK_CAA, &a, ev, sizeof(ev), err),
			     bad[i].rc, "%s", bad[i].body);
		cr_expect(!strncmp(err, bad[i].field, strlen(bad[i].field)), "%s: %s",
			  bad[i].body, err);
	}
	/* nested deeper than VTG_OM_ANSWER_DEPTH_MAX, and longer than the cap */
	static char deep[256];
	size_t n = (size_t)snprintf(deep, sizeof(deep), "{\"vantage\":");
	for (int i = 0; i < VTG_OM_ANSWER_DEPTH_MAX; i++)
		deep[n++] = '[';
	for (int i = 0; i < VTG_OM_ANSWER_DEPTH_MAX; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = 0;
	cr_expect_eq(dec_answer(deep, VTG_OM_CHECK_CAA, &a, ev, sizeof(ev), err), VTG_EOM_DEPTH);
	static char big[VTG_OM_ANSWER_MAX + 64];
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	cr_expect_eq(vtg__om_answer_decode(big, sizeof(big) - 1, VTG_OM_CHECK_CAA, &a, ev,
					   sizeof(ev), err, sizeof(err)), VTG_EOM_TOO_BIG);
}
