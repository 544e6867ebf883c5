/*
 * openmpic_samples.c — prints answers encoded by mpic/openmpic.c, one per
 * line as "SCHEMA<TAB>JSON", for tests/schema/openmpic_validate.py to check
 * against the open-mpic OpenAPI component named SCHEMA
 * (tests/cli/test_openmpic_schema.sh). The requests echoed in the /mpic
 * answers are decoded from literal bodies, so the samples are what the
 * codec makes of real input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpic/openmpic.h"

static struct vtg_json j;

static void emit(const char *schema)
{
	if (j.err) {
		fprintf(stderr, "openmpic_samples: %s: encoding failed (%d)\n", schema, j.err);
		exit(1);
	}
	printf("%s\t%.*s\n", schema, (int)j.len, j.buf);
	vtg__json_reset(&j);
}

static void result(const char *schema, const struct vtg_om_result *r)
{
	if (vtg__om_result_encode(r, &j)) {
		fprintf(stderr, "openmpic_samples: %s refused\n", schema);
		exit(1);
	}
	emit(schema);
}

static void mpic(const char *body, const struct vtg_om_result *r)
{
	static struct vtg_om_mpic m;
	char err[256];
	if (vtg__om_mpic_decode(body, strlen(body), &m, err, sizeof(err))) {
		fprintf(stderr, "openmpic_samples: %s: %s\n", body, err);
		exit(1);
	}
	struct vtg_om_perspective ps[] = {{"us-east-2", r}, {"eu-west-2", r}};
	struct vtg_om_attempt prev = {.perspectives = ps, .n = 2};
	struct vtg_om_mpic_result mr = {
		.request = &m, .completed = true, .is_valid = r->passed, .perspective_count = 2,
		.quorum_count = 2, .attempt_count = 2, .perspectives = ps, .n_perspectives = 2,
		.previous = &prev, .n_previous = 1,
	};
	if (vtg__om_mpic_encode(&mr, &j)) {
		fprintf(stderr, "openmpic_samples: mpic refused\n");
		exit(1);
	}
	emit(m.check.type == VTG_OM_CHECK_CAA ? "CAAResponse" : "DCVResponse");
}

int main(void)
{
	if (vtg__json_init(&j, -1))
		return 1;
	const char *caa_recs[] = {"0 issue \"ca1.com\""};
	const char ev[] = "{\"kind\":\"caa\",\"decision\":\"permit\"}";
	struct vtg_om_result caa = {
		.type = VTG_OM_CHECK_CAA, .completed = true, .passed = true,
		.timestamp_ns = 1725822089205545500LL, .records = caa_recs, .n_records = 1,
		.found_at = "example.com", .caa_present = 1, .rcode = -1, .ad_flag = -1,
		.status = -1, .evidence = ev, .evidence_len = sizeof(ev) - 1,
	};
	result("CheckResponseCAA", &caa);
	struct vtg_om_error e = {VTG_OM_ERR_CAA_LOOKUP, "There was an error looking up the CAA record: SERVFAIL"};
	struct vtg_om_result caa_err = {
		.type = VTG_OM_CHECK_CAA, .timestamp_ns = 1, .errors = &e, .n_errors = 1,
		.caa_present = 0, .rcode = -1, .ad_flag = -1, .status = -1,
	};
	result("CheckResponseCAA", &caa_err);

	const char *recs[] = {"test", "bad \xff"};
	const char *chain[] = {"alias.example.com"};
	struct vtg_om_result dns = {
		.type = VTG_OM_CHECK_DCV, .method = VTG_OM_DNS_CHANGE, .completed = true,
		.passed = true, .timestamp_ns = 2, .records = recs, .n_records = 2,
		.found_at = "test.test.example.com", .rcode = 0, .ad_flag = 1,
		.cname_chain = chain, .n_cname = 1, .caa_present = -1, .status = -1,
	};
	result("CheckResponseDCV", &dns);
	struct vtg_om_error de = {VTG_OM_ERR_DCV_LOOKUP, "There was an error looking up the DCV record. Error type: NXDOMAIN, Error message: no such name"};
	struct vtg_om_result dns_err = {
		.type = VTG_OM_CHECK_DCV, .method = VTG_OM_ACME_DNS_01, .completed = true,
		.timestamp_ns = 3, .errors = &de, .n_errors = 1, .rcode = 3, .ad_flag = 0,
		.caa_present = -1, .status = -1,
	};
	result("CheckResponseDCV", &dns_err);
	struct vtg_om_hop hops[] = {{"http://example.com/.well-known/pki-validation/p", 301}};
	const uint8_t page[] = "challenge_111\n";
	struct vtg_om_result http = {
		.type = VTG_OM_CHECK_DCV, .method = VTG_OM_WEBSITE_CHANGE, .completed = true,
		.passed = true, .timestamp_ns = 4, .hops = hops, .n_hops = 1,
		.response_url = "https://example.com/.well-known/pki-validation/p", .status = 200,
		.page = page, .page_len = sizeof(page) - 1, .resolved_ip = "192.0.2.1",
		.caa_present = -1, .rcode = -1, .ad_flag = -1,
	};
	result("CheckResponseDCV", &http);
	struct vtg_om_result tls = {
		.type = VTG_OM_CHECK_DCV, .method = VTG_OM_ACME_TLS_ALPN_01, .completed = true,
		.passed = true, .timestamp_ns = 5, .common_name = "example.com",
		.caa_present = -1, .rcode = -1, .ad_flag = -1, .status = -1,
	};
	result("CheckResponseDCV", &tls);

	mpic("{\"check_type\":\"caa\",\"domain_or_ip_target\":\"example.com\","
	     "\"trace_identifier\":\"ac2d0392-8699-4037-a0e0-0a6db1ff8b89\"}", &caa);
	mpic("{\"check_type\":\"caa\",\"domain_or_ip_target\":\"*.example.com\","
	     "\"orchestration_parameters\":{\"perspective_count\":6,\"quorum_count\":4},"
	     "\"caa_check_parameters\":{\"certificate_type\":\"s-mime\",\"caa_domains\":[\"ca1.com\"]}}",
	     &caa);
	mpic("{\"check_type\":\"dcv\",\"domain_or_ip_target\":\"test.example.com\","
	     "\"dcv_check_parameters\":{\"validation_method\":\"dns-change\",\"challenge_value\":\"test\","
	     "\"dns_name_prefix\":\"test\",\"dns_record_type\":\"TXT\"}}", &dns);
	mpic("{\"check_type\":\"dcv\",\"domain_or_ip_target\":\"example.com\","
	     "\"dcv_check_parameters\":{\"validation_method\":\"website-change\",\"challenge_value\":\"c\","
	     "\"http_token_path\":\"p\",\"url_scheme\":\"https\"}}", &http);
	mpic("{\"check_type\":\"dcv\",\"domain_or_ip_target\":\"example.com\","
	     "\"dcv_check_parameters\":{\"validation_method\":\"acme-http-01\",\"token\":\"t\","
	     "\"key_authorization\":\"t.k\"}}", &http);
	mpic("{\"check_type\":\"dcv\",\"domain_or_ip_target\":\"example.com\","
	     "\"dcv_check_parameters\":{\"validation_method\":\"acme-dns-01\",\"key_authorization_hash\":\"h\"}}",
	     &dns_err);
	mpic("{\"check_type\":\"dcv\",\"domain_or_ip_target\":\"example.com\","
	     "\"dcv_check_parameters\":{\"validation_method\":\"acme-tls-alpn-01\",\"key_authorization_hash\":"
	     "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}", &tls);
	mpic("{\"check_type\":\"dcv\",\"domain_or_ip_target\":\"example.com\","
	     "\"dcv_check_parameters\":{\"validation_method\":\"contact-email-txt\",\"challenge_value\":\"a@example.com\"}}",
	     &dns);
	mpic("{\"check_type\":\"dcv\",\"domain_or_ip_target\":\"example.com\","
	     "\"dcv_check_parameters\":{\"validation_method\":\"contact-phone-txt\",\"challenge_value\":\"555\"}}",
	     &dns);
	mpic("{\"check_type\":\"dcv\",\"domain_or_ip_target\":\"192.0.2.1\","
	     "\"dcv_check_parameters\":{\"validation_method\":\"reverse-address-lookup\",\"challenge_value\":\"host.example.\"}}",
	     &dns);
	vtg__json_deinit(&j);
	return 0;
}
