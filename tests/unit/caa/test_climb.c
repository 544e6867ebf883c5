/*
 * test_climb.c — RFC 8659 section 3 tree climbing and the BR 3.2.2.8
 * lookup-failure rule, driven by a scripted lookup (no zone files, no
 * sockets): each test lists what the "DNS" answers per name; unlisted names
 * are NXDOMAIN. The test also checks exactly which names were queried.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "caa/climb.h"
#include "caa/name.h"

#define MAXR 8

struct script_entry {
	const char *qname;
	enum vtg_lookup_fail fail;
	unsigned rcode;
	enum vtg_dnssec dnssec;
	unsigned tries;
	bool ca_infra;
	bool proof;
	const char *caa[MAXR]; /* "flags tag value" shorthand, NULL-terminated */
	unsigned chain_len;
};

struct script {
	const struct script_entry *e;
	size_t n;
	char queried[32][256];
	unsigned n_queried;
	uint8_t rdbuf[MAXR][300];
	struct vtg_rdata rr[MAXR];
	struct vtg_insecure_proof proof;
};

/* "0 issue ca.example" -> RDATA */
static uint16_t mk_rdata(uint8_t *out, const char *spec)
{
	unsigned flags = 0;
	char tag[32];
	int off = 0;
	cr_assert_eq(sscanf(spec, "%u %31s %n", &flags, tag, &off), 2);
	const char *val = spec + off;
	size_t tl = strlen(tag), vl = strlen(val);
	out[0] = (uint8_t)flags;
	out[1] = (uint8_t)tl;
	memcpy(out + 2, tag, tl);
	memcpy(out + 2 + tl, val, vl);
	return (uint16_t)(2 + tl + vl);
}

static int script_lookup(void *ctx, const uint8_t *qname, uint16_t qtype,
			 struct vtg_lookup_answer *ans)
{
	struct script *s = ctx;
	cr_assert_eq(qtype, VTG_TYPE_CAA);
	char text[256];
	cr_assert_geq(vtg__name_to_text(qname, text, sizeof(text), true), 0);
	cr_assert_lt(s->n_queried, 32);
	strcpy(s->queried[s->n_queried++], text);
	memset(ans, 0, sizeof(*ans));
	ans->rcode = VTG_RCODE_NXDOMAIN;
	ans->dnssec = VTG_DNSSEC_INSECURE;
	ans->tries = 1;
	for (size_t i = 0; i < s->n; i++) {
		const struct script_entry *e = &s->e[i];
		if (strcmp(e->qname, text) != 0)
			continue;
		ans->fail = e->fail;
		ans->rcode = e->rcode;
		/* e->dnssec is the zone's status, as an iterative backend
		 * proves it; a failed lookup's own is indeterminate */
		ans->zone_dnssec = e->dnssec;
		ans->zone_known = true;
		ans->dnssec = vtg__lookup_fail_dnssec(e->fail, e->dnssec);
		ans->tries = e->tries ? e->tries : 1;
		ans->ca_infra = e->ca_infra;
		ans->chain_len = e->chain_len;
		if (e->proof) {
			strcpy(s->proof.zone_cut, "insecure.test");
			strcpy(s->proof.denial_owner, "insecure.test");
			s->proof.denial_type = VTG_TYPE_NSEC;
			ans->proof = &s->proof;
		}
		size_t n = 0;
		while (n < MAXR && e->caa[n]) {
			s->rr[n].len = mk_rdata(s->rdbuf[n], e->caa[n]);
			s->rr[n].rdata = s->rdbuf[n];
			s->rr[n].ttl = 3600;
			n++;
		}
		ans->rrs = s->rr;
		ans->n_rrs = n;
		break;
	}
	return 0;
}

static const char *ca_names[] = {"ca.example"};

struct run {
	struct vtg_caa_climb c;
	struct script s;
	struct vtg_lookup_answer ans;
	struct vtg_caa_policy pol;
};

static struct run R;

static void climb(const char *name, const struct script_entry *e, size_t n,
		  bool exception, unsigned compat)
{
	memset(&R, 0, sizeof(R));
	R.pol.id.issuers = ca_names;
	R.pol.id.n_issuers = 1;
	R.pol.id.compat = compat;
	R.pol.failure_exception = exception;
	R.s.e = e;
	R.s.n = n;
	struct vtg_input_name nm;
	cr_assert_eq(vtg__input_name_parse(&nm, name, strlen(name)), 0, "%s", nm.why);
	vtg__caa_climb_init(&R.c, &R.pol, nm.wire, nm.wildcard);
	cr_assert_eq(vtg__caa_climb_run(&R.c, script_lookup, &R.s, &R.ans), 0);
	cr_assert(R.c.done);
}

static void expect_queries(const char *const *q, unsigned n)
{
	cr_assert_eq(R.s.n_queried, n, "queried %u names, expected %u",
		     R.s.n_queried, n);
	for (unsigned i = 0; i < n; i++)
		cr_assert_str_eq(R.s.queried[i], q[i]);
}

static void expect_owner(const char *owner)
{
	if (!owner) {
		cr_assert_eq(R.c.relevant_off, -1);
		return;
	}
	cr_assert_geq(R.c.relevant_off, 0);
	char t[256];
	vtg__name_to_text(R.c.name + R.c.relevant_off, t, sizeof(t), true);
	cr_assert_str_eq(t, owner);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NOERR VTG_RCODE_NOERROR
#define INS VTG_DNSSEC_INSECURE

Test(climb, no_caa_anywhere_climbs_to_tld_never_root)
{
	climb("a.b.example.com", NULL, 0, false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_NO_CAA);
	static const char *q[] = {"a.b.example.com", "b.example.com", "example.com", "com"};
	expect_queries(q, N(q));
	expect_owner(NULL);
}

Test(climb, stops_at_first_nonempty_set)
{
	static const struct script_entry e[] = {
		{"example.com", 0, NOERR, INS, 0, 0, 0, {"0 issue ca.example"}, 0},
		{"com", 0, NOERR, INS, 0, 0, 0, {"0 issue other.example"}, 0},
	};
	climb("www.example.com", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_AUTHORIZED);
	static const char *q[] = {"www.example.com", "example.com"};
	expect_queries(q, N(q));
	expect_owner("example.com");
}

Test(climb, empty_non_terminals_are_climbed_through)
{
	/* b.example.com exists only as an ENT: NODATA, keep going */
	static const struct script_entry e[] = {
		{"a.b.example.com", 0, NOERR, INS, 0, 0, 0, {NULL}, 0},
		{"b.example.com", 0, NOERR, INS, 0, 0, 0, {NULL}, 0},
		{"example.com", 0, NOERR, INS, 0, 0, 0, {"0 issue other.example"}, 0},
	};
	climb("a.b.example.com", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_NOT_AUTHORIZED);
	expect_owner("example.com");
	cr_assert_eq(R.s.n_queried, 3);
}

Test(climb, wildcard_starts_at_base_name)
{
	static const struct script_entry e[] = {
		{"example.com", 0, NOERR, INS, 0, 0, 0,
		 {"0 issue ca.example", "0 issuewild ;"}, 0},
	};
	climb("*.example.com", e, N(e), false, 0);
	static const char *q[] = {"example.com"};
	expect_queries(q, N(q));
	cr_assert_eq(R.c.reason, VTG_CAA_NOT_AUTHORIZED);
	cr_assert(R.c.wildcard);
}

Test(climb, relevant_owner_is_climbed_name_not_alias_target)
{
	static const struct script_entry e[] = {
		{"www.example.com", 0, NOERR, INS, 0, 0, 0, {"0 issue ca.example"}, 1},
	};
	climb("www.example.com", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_AUTHORIZED);
	expect_owner("www.example.com");
	cr_assert_eq(R.c.steps[0].chain_len, 1);
}

Test(climb, servfail_below_set_denies)
{
	static const struct script_entry e[] = {
		{"servfail.present.test", VTG_FAIL_SERVFAIL, 2, INS, 2, 0, 0, {NULL}, 0},
		{"present.test", 0, NOERR, INS, 0, 0, 0, {"0 issue ca.example"}, 0},
	};
	climb("servfail.present.test", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert(strstr(R.c.detail, "servfail") != NULL, "%s", R.c.detail);
	cr_assert_eq(R.s.n_queried, 1);
	expect_owner(NULL);
}

Test(climb, failure_above_found_set_is_irrelevant)
{
	/* present.servfail.test permits although servfail.test would fail */
	static const struct script_entry e[] = {
		{"present.servfail.test", 0, NOERR, INS, 0, 0, 0, {"0 issue ca.example"}, 0},
		{"servfail.test", VTG_FAIL_SERVFAIL, 2, INS, 2, 0, 0, {NULL}, 0},
	};
	climb("present.servfail.test", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_AUTHORIZED);
	cr_assert_eq(R.s.n_queried, 1);
}

Test(climb, timeout_denies_by_default_even_when_proven_insecure)
{
	static const struct script_entry e[] = {
		{"x.insecure.test", VTG_FAIL_TIMEOUT, 0, INS, 3, 0, 1, {NULL}, 0},
	};
	climb("x.insecure.test", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert(strstr(R.c.detail, "timeout at x.insecure.test") != NULL, "%s", R.c.detail);
}

Test(climb, exception_permits_with_all_three_conditions)
{
	static const struct script_entry e[] = {
		{"x.insecure.test", VTG_FAIL_SERVFAIL, 2, INS, 2, 0, 1, {NULL}, 0},
	};
	climb("x.insecure.test", e, N(e), true, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_FAILURE_PERMITTED);
	cr_assert(R.c.failure_permitted);
	cr_assert_str_eq(R.c.proof.zone_cut, "insecure.test");
	cr_assert(R.c.steps[0].failure_permitted);
	static const char *q[] = {"x.insecure.test", "insecure.test", "test"};
	expect_queries(q, N(q));
}

Test(climb, exception_keeps_climbing_and_parent_set_applies)
{
	/* docs/rules.md section 9: an accepted failure is an empty answer at that name only */
	static const struct script_entry e[] = {
		{"x.insecure.test", VTG_FAIL_SERVFAIL, 2, INS, 2, 0, 1, {NULL}, 0},
		{"insecure.test", 0, NOERR, INS, 0, 0, 0, {"0 issue other.example"}, 0},
	};
	climb("x.insecure.test", e, N(e), true, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_NOT_AUTHORIZED);
	cr_assert(R.c.failure_permitted);
	expect_owner("insecure.test");
}

Test(climb, exception_needs_a_retry)
{
	static const struct script_entry e[] = {
		{"x.insecure.test", VTG_FAIL_TIMEOUT, 0, INS, 1, 0, 1, {NULL}, 0},
	};
	climb("x.insecure.test", e, N(e), true, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert(strstr(R.c.detail, "not retried") != NULL, "%s", R.c.detail);
}

Test(climb, exception_needs_the_validators_proof)
{
	/* insecure as judged by an upstream (stub mode) carries no proof */
	static const struct script_entry e[] = {
		{"x.insecure.test", VTG_FAIL_SERVFAIL, 2, INS, 2, 0, 0, {NULL}, 0},
	};
	climb("x.insecure.test", e, N(e), true, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
}

Test(climb, exception_never_inside_ca_infrastructure)
{
	static const struct script_entry e[] = {
		{"x.insecure.test", VTG_FAIL_LOCAL, 0, INS, 2, 1, 1, {NULL}, 0},
	};
	climb("x.insecure.test", e, N(e), true, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
}

Test(climb, exception_never_for_secure_zone)
{
	static const struct script_entry e[] = {
		{"servfail.signed.test", VTG_FAIL_SERVFAIL, 2, VTG_DNSSEC_SECURE, 2, 0, 1, {NULL}, 0},
	};
	climb("servfail.signed.test", e, N(e), true, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
}

Test(climb, exception_never_for_indeterminate)
{
	static const struct script_entry e[] = {
		{"x.island.test", VTG_FAIL_SERVFAIL, 2, VTG_DNSSEC_INDETERMINATE, 2, 0, 1, {NULL}, 0},
	};
	climb("x.island.test", e, N(e), true, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert_eq(R.c.dnssec, VTG_DNSSEC_INDETERMINATE);
}

Test(climb, bogus_denies_even_with_permitting_records)
{
	static const struct script_entry e[] = {
		{"bogus.test", 0, NOERR, VTG_DNSSEC_BOGUS, 1, 0, 0, {"0 issue ca.example"}, 0},
	};
	climb("www.bogus.test", e, N(e), true, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_DNSSEC_BOGUS);
	cr_assert_eq(R.c.dnssec, VTG_DNSSEC_BOGUS);
	expect_owner(NULL);
}

Test(climb, bogus_empty_answer_denies)
{
	static const struct script_entry e[] = {
		{"www.bogus.test", 0, VTG_RCODE_NXDOMAIN, VTG_DNSSEC_BOGUS, 1, 0, 0, {NULL}, 0},
	};
	climb("www.bogus.test", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_DNSSEC_BOGUS);
}

Test(climb, secure_path_reports_secure)
{
	static const struct script_entry e[] = {
		{"www.signed.test", 0, VTG_RCODE_NXDOMAIN, VTG_DNSSEC_SECURE, 1, 0, 0, {NULL}, 0},
		{"signed.test", 0, NOERR, VTG_DNSSEC_SECURE, 1, 0, 0, {"0 issue ca.example"}, 0},
	};
	climb("www.signed.test", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_AUTHORIZED);
	cr_assert_eq(R.c.dnssec, VTG_DNSSEC_SECURE);
}

Test(climb, tld_nxdomain_is_empty_by_default)
{
	climb("www.removed-tld", NULL, 0, false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_NO_CAA);
}

Test(climb, tld_nxdomain_fails_under_compat)
{
	climb("www.removed-tld", NULL, 0, false, VTG_CAA_COMPAT_TLD_NXDOMAIN_FAIL);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert(strstr(R.c.detail, "tld-nxdomain") != NULL, "%s", R.c.detail);
}

Test(climb, only_noncritical_unknown_terminates_climb)
{
	/* BR ballot 219: a set without restricting properties still ends the climb */
	static const struct script_entry e[] = {
		{"example.com", 0, NOERR, INS, 0, 0, 0, {"0 iodef mailto:x@example.com"}, 0},
		{"com", 0, NOERR, INS, 0, 0, 0, {"0 issue other.example"}, 0},
	};
	climb("example.com", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_NO_RESTRICTION);
	expect_owner("example.com");
	cr_assert_eq(R.s.n_queried, 1);
}

Test(climb, refused_rcode_without_fail_kind_is_still_failure)
{
	static const struct script_entry e[] = {
		{"example.com", 0, VTG_RCODE_REFUSED, INS, 2, 0, 0, {NULL}, 0},
	};
	climb("example.com", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
}

Test(climb, cname_loop_is_failure_with_named_limit)
{
	static const struct script_entry e[] = {
		{"loop.example.com", VTG_FAIL_CNAME_LOOP, 2, INS, 1, 0, 0, {NULL}, 2},
	};
	climb("loop.example.com", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert(strncmp(R.c.detail, "cname-loop", 10) == 0, "%s", R.c.detail);
}

Test(climb, evidence_records_every_step)
{
	static const struct script_entry e[] = {
		{"b.example.com", 0, NOERR, INS, 2, 0, 0, {NULL}, 0},
		{"example.com", 0, NOERR, VTG_DNSSEC_SECURE, 1, 0, 0, {"0 issue ca.example"}, 0},
	};
	climb("a.b.example.com", e, N(e), false, 0);
	cr_assert_eq(R.c.n_steps, 3);
	cr_assert_eq(R.c.steps[0].rcode, VTG_RCODE_NXDOMAIN);
	cr_assert_eq(R.c.steps[1].tries, 2);
	cr_assert_eq(R.c.steps[2].n_rrs, 1);
	cr_assert_eq(R.c.dnssec, VTG_DNSSEC_INSECURE); /* weakest on the path */
}

static int failing_lookup(void *ctx, const uint8_t *qname, uint16_t qtype,
			  struct vtg_lookup_answer *ans)
{
	(void)ctx;
	(void)qname;
	(void)qtype;
	(void)ans;
	return -ENOBUFS;
}

Test(climb, local_lookup_error_is_failure_in_ca_infra)
{
	/* our own fault never qualifies for the exception (BR 3.2.2.8 (1)) */
	struct vtg_caa_climb c;
	struct vtg_caa_policy pol = {.id = {.issuers = ca_names, .n_issuers = 1}};
	pol.failure_exception = true;
	uint8_t w[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(w, "example.com", 11), 0);
	vtg__caa_climb_init(&c, &pol, w, false);
	struct vtg_lookup_answer ans;
	cr_assert_eq(vtg__caa_climb_run(&c, failing_lookup, NULL, &ans), -ENOBUFS);
	cr_assert(c.done);
	cr_assert_eq(c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert(strstr(c.detail, "local-error") != NULL, "%s", c.detail);
}

Test(climb, root_input_is_never_queried)
{
	struct vtg_caa_climb c;
	struct vtg_caa_policy pol = {.id = {.issuers = ca_names, .n_issuers = 1}};
	uint8_t root[1] = {0};
	vtg__caa_climb_init(&c, &pol, root, false);
	cr_assert_null(vtg__caa_climb_next(&c));
}

/* ---- issue 14: a failure never reports secure ---- */

static struct vtg_lookup_answer RAW;
static int raw_lookup(void *ctx, const uint8_t *qname, uint16_t qtype,
		      struct vtg_lookup_answer *ans)
{
	(void)ctx;
	(void)qname;
	(void)qtype;
	*ans = RAW;
	return 0;
}

static void raw_climb(const char *name, const struct vtg_caa_policy *pol)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	cr_assert_geq(vtg__name_from_text(w, name, strlen(name)), 0);
	struct vtg_lookup_answer last;
	cr_assert_eq(vtg__caa_climb_run(&R.c, raw_lookup, NULL, &last), 0);
	(void)pol;
}

Test(climb, failure_in_a_signed_zone_is_indeterminate_with_zone_secure)
{
	static const struct script_entry e[] = {
		{"x.secure.test", VTG_FAIL_TIMEOUT, 0, VTG_DNSSEC_SECURE, 3, 0, 0, {NULL}, 0},
	};
	climb("x.secure.test", e, N(e), false, 0);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert_eq(R.c.dnssec, VTG_DNSSEC_INDETERMINATE);
	cr_assert_eq(R.c.zone_dnssec, VTG_DNSSEC_SECURE);
	cr_assert_eq(R.c.steps[0].dnssec, VTG_DNSSEC_INDETERMINATE);
	cr_assert_eq(R.c.steps[0].zone_dnssec, VTG_DNSSEC_SECURE);
}

Test(climb, a_backend_claiming_secure_for_a_failure_is_not_believed)
{
	static struct vtg_caa_policy pol;
	memset(&pol, 0, sizeof(pol));
	memset(&RAW, 0, sizeof(RAW));
	RAW.fail = VTG_FAIL_SERVFAIL;
	RAW.rcode = VTG_RCODE_SERVFAIL;
	RAW.dnssec = VTG_DNSSEC_SECURE; /* wrong: nothing was validated */
	RAW.tries = 2;
	uint8_t w[VTG_DNS_MAX_NAME];
	cr_assert_geq(vtg__name_from_text(w, "a.example", 9), 0);
	vtg__caa_climb_init(&R.c, &pol, w, false);
	raw_climb("a.example", &pol);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert_eq(R.c.dnssec, VTG_DNSSEC_INDETERMINATE);
	cr_assert_eq(R.c.steps[0].dnssec, VTG_DNSSEC_INDETERMINATE);
	/* the backend said nothing about the zone */
	cr_assert_eq(R.c.zone_dnssec, VTG_DNSSEC_INDETERMINATE);
	cr_assert_null(vtg__caa_climb_server(&R.c, 0));
}

Test(climb, an_error_rcode_the_backend_did_not_classify_is_not_secure)
{
	static struct vtg_caa_policy pol;
	memset(&pol, 0, sizeof(pol));
	memset(&RAW, 0, sizeof(RAW));
	RAW.rcode = VTG_RCODE_REFUSED;
	RAW.dnssec = VTG_DNSSEC_SECURE;
	uint8_t w[VTG_DNS_MAX_NAME];
	cr_assert_geq(vtg__name_from_text(w, "a.example", 9), 0);
	vtg__caa_climb_init(&R.c, &pol, w, false);
	raw_climb("a.example", &pol);
	cr_assert_eq(R.c.dnssec, VTG_DNSSEC_INDETERMINATE);
}

Test(climb, exception_needs_the_zone_proven_not_just_an_insecure_label)
{
	/* a backend that says "insecure" and hands a proof but does not know
	 * the zone (zone_known false): no exception */
	static struct vtg_caa_policy pol;
	static struct vtg_insecure_proof pr = {"example", "example", VTG_TYPE_NSEC};
	memset(&pol, 0, sizeof(pol));
	pol.failure_exception = true;
	memset(&RAW, 0, sizeof(RAW));
	RAW.fail = VTG_FAIL_SERVFAIL;
	RAW.rcode = VTG_RCODE_SERVFAIL;
	RAW.dnssec = VTG_DNSSEC_INSECURE;
	RAW.tries = 2;
	RAW.proof = &pr;
	uint8_t w[VTG_DNS_MAX_NAME];
	cr_assert_geq(vtg__name_from_text(w, "a.example", 9), 0);
	vtg__caa_climb_init(&R.c, &pol, w, false);
	raw_climb("a.example", &pol);
	cr_assert_eq(R.c.reason, VTG_CAA_LOOKUP_FAILURE);
	cr_assert_not(R.c.failure_permitted);
}

Test(climb, each_step_names_its_server)
{
	static struct vtg_caa_policy pol;
	static struct sockaddr_storage ss;
	memset(&pol, 0, sizeof(pol));
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(5353);
	a4->sin_addr.s_addr = htonl(0xc6120001); /* 198.18.0.1 */
	memset(&RAW, 0, sizeof(RAW));
	RAW.rcode = VTG_RCODE_NXDOMAIN;
	RAW.dnssec = VTG_DNSSEC_INSECURE;
	RAW.server = &ss;
	uint8_t w[VTG_DNS_MAX_NAME];
	cr_assert_geq(vtg__name_from_text(w, "a.b.example", 11), 0);
	vtg__caa_climb_init(&R.c, &pol, w, false);
	raw_climb("a.b.example", &pol);
	cr_assert_eq(R.c.n_steps, 3);
	cr_assert_eq(R.c.n_servers, 1);
	char buf[64];
	for (unsigned i = 0; i < 3; i++) {
		const struct vtg_srv_addr *sa = vtg__caa_climb_server(&R.c, i);
		cr_assert_not_null(sa);
		cr_assert_gt(vtg__srv_addr_text(sa, buf, sizeof(buf)), 0);
		cr_assert_str_eq(buf, "198.18.0.1:5353");
	}
}
