/*
 * test_zonedb.c — the offline DNS (resolver/zonedb.h) over the zone files in
 * tests/data/zones: loading (RFC 3597 generic records byte-exact, errors with
 * file:line, merging, out-of-zone data) and every lookup rule (exact answer,
 * NODATA, empty non-terminals, NXDOMAIN, closest enclosing zone, CNAME and
 * DNAME chains with their loop and length limits, RFC 4592 wildcards).
 * Fixtures are found through VTG_SOURCE_DIR (set by ctest), else ".".
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "resolver/wire.h"
#include "resolver/zonedb.h"

#define RCODE_YXDOMAIN 6

static struct vtg_zonedb *db;
static char errbuf[512];

static const char *zpath(const char *file)
{
	static char buf[4][1024];
	static unsigned turn;
	const char *root = getenv("VTG_SOURCE_DIR");
	char *out = buf[turn++ % 4];
	snprintf(out, sizeof(buf[0]), "%s/tests/data/zones/%s",
		 root && *root ? root : ".", file);
	return out;
}

static int load(const char *file, const char *origin)
{
	return vtg__zonedb_load(db, zpath(file), origin, errbuf, sizeof(errbuf));
}

static void load_ok(const char *file)
{
	int rc = load(file, NULL);
	cr_assert_eq(rc, 0, "%s: rc %d: %s", file, rc, errbuf);
}

/* The usual world: caa.test, its child sub.caa.test, other.test, chain.test */
static void setup_world(void)
{
	cr_assert_eq(vtg__zonedb_new(&db), 0);
	load_ok("caa.test.zone");
	load_ok("sub.caa.test.zone");
	load_ok("other.test.zone");
	load_ok("chain.test.zone");
}

static void setup_empty(void)
{
	cr_assert_eq(vtg__zonedb_new(&db), 0);
}

static void teardown(void)
{
	vtg__zonedb_free(db);
	db = NULL;
}

static struct vtg_lookup_answer q(const char *name, uint16_t qtype)
{
	uint8_t wire[VTG_DNS_MAX_NAME];
	struct vtg_lookup_answer ans;
	cr_assert_gt(vtg__name_from_text(wire, name, strlen(name)), 0, "%s", name);
	cr_assert_eq(vtg__zonedb_lookup(db, wire, qtype, &ans), 0);
	cr_assert_eq(ans.dnssec, VTG_DNSSEC_INSECURE);
	cr_assert_eq(ans.tries, 1u);
	return ans;
}

/* A CAA record "flags tag value" as RDATA. */
static size_t caa(uint8_t *out, unsigned flags, const char *tag, const char *val)
{
	size_t tl = strlen(tag), vl = strlen(val);
	out[0] = (uint8_t)flags;
	out[1] = (uint8_t)tl;
	memcpy(out + 2, tag, tl);
	memcpy(out + 2 + tl, val, vl);
	return 2 + tl + vl;
}

static void assert_rr(const struct vtg_rdata *rr, const uint8_t *want, size_t len)
{
	cr_assert_eq(rr->len, len, "RDATA length %u, want %zu", rr->len, len);
	cr_assert_eq(memcmp(rr->rdata, want, len), 0, "RDATA octets differ");
}

static void assert_issue(const struct vtg_lookup_answer *a, const char *issuer)
{
	uint8_t want[300];
	size_t n = caa(want, 0, "issue", issuer);
	cr_assert_eq(a->fail, VTG_FAIL_NONE);
	cr_assert_eq(a->rcode, VTG_RCODE_NOERROR);
	cr_assert_eq(a->n_rrs, 1u, "n_rrs %zu", a->n_rrs);
	assert_rr(&a->rrs[0], want, n);
}

static void assert_nodata(const struct vtg_lookup_answer *a)
{
	cr_assert_eq(a->fail, VTG_FAIL_NONE);
	cr_assert_eq(a->rcode, VTG_RCODE_NOERROR);
	cr_assert_eq(a->n_rrs, 0u);
}

static void assert_nxdomain(const struct vtg_lookup_answer *a)
{
	cr_assert_eq(a->fail, VTG_FAIL_NONE);
	cr_assert_eq(a->rcode, VTG_RCODE_NXDOMAIN, "rcode %u", a->rcode);
	cr_assert_eq(a->n_rrs, 0u);
}

static void assert_target(const struct vtg_lookup_answer *a, const char *name)
{
	uint8_t wire[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(wire, name, strlen(name)), 0);
	cr_assert_not_null(a->target);
	cr_assert(vtg__name_equal(a->target, wire), "target differs from %s", name);
}

/* ---- loading ---- */

TestSuite(load, .init = setup_empty, .fini = teardown);

Test(load, counts_zones_and_records)
{
	load_ok("caa.test.zone");
	cr_assert_eq(vtg__zonedb_zones(db), 1u);
	/* 35 records in the file, one of them a repeat */
	cr_assert_eq(vtg__zonedb_records(db), 34u);
	load_ok("other.test.zone");
	cr_assert_eq(vtg__zonedb_zones(db), 2u);
	cr_assert_eq(vtg__zonedb_records(db), 39u);
}

Test(load, missing_soa_is_an_error)
{
	cr_assert_eq(load("nosoa.test.zone", NULL), VTG_EZONE_NOSOA);
	cr_assert_not_null(strstr(errbuf, "nosoa.test.zone"), "%s", errbuf);
	cr_assert_eq(vtg__zonedb_zones(db), 0u);
}

Test(load, syntax_error_names_file_and_line)
{
	char want[1100];
	cr_assert_eq(load("syntax.test.zone", NULL), VTG_EZONE_PARSE);
	snprintf(want, sizeof(want), "%s:4: ", zpath("syntax.test.zone"));
	cr_assert_eq(strncmp(errbuf, want, strlen(want)), 0, "err '%s'", errbuf);
	cr_assert_gt(strlen(errbuf), strlen(want)); /* ldns's reason follows */
	cr_assert_eq(vtg__zonedb_records(db), 0u);
}

Test(load, missing_file_is_minus_errno)
{
	cr_assert_eq(load("does-not-exist.zone", NULL), -ENOENT);
	cr_assert_not_null(strstr(errbuf, "does-not-exist.zone"), "%s", errbuf);
}

Test(load, directory_is_minus_eisdir)
{
	cr_assert_eq(load("", NULL), -EISDIR);
}

Test(load, failed_load_leaves_db_unchanged)
{
	load_ok("caa.test.zone");
	size_t before = vtg__zonedb_records(db);
	cr_assert_eq(load("syntax.test.zone", NULL), VTG_EZONE_PARSE);
	cr_assert_eq(load("nosoa.test.zone", NULL), VTG_EZONE_NOSOA);
	cr_assert_eq(vtg__zonedb_zones(db), 1u);
	cr_assert_eq(vtg__zonedb_records(db), before);
	struct vtg_lookup_answer a = q("caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.n_rrs, 2u);
}

Test(load, two_files_with_one_apex_merge)
{
	load_ok("merge-a.test.zone");
	load_ok("merge-b.test.zone");
	cr_assert_eq(vtg__zonedb_zones(db), 1u);
	/* SOA, NS, a, both (once), b */
	cr_assert_eq(vtg__zonedb_records(db), 5u);
}

Test(load, relative_names_need_an_origin)
{
	cr_assert_eq(load("noorigin.zone", NULL), VTG_EZONE_PARSE);
	cr_assert_not_null(strstr(errbuf, "noorigin.zone:3: relative"), "%s", errbuf);
	cr_assert_eq(load("noorigin.zone", "noorigin.test"), 0, "%s", errbuf);
	struct vtg_lookup_answer a = q("www.noorigin.test", VTG_TYPE_CAA);
	assert_issue(&a, "www.example");
}

Test(load, out_of_zone_data_is_ignored)
{
	load_ok("outofzone.test.zone");
	cr_assert_eq(vtg__zonedb_records(db), 2u);
	struct vtg_lookup_answer a = q("stray.elsewhere.test", VTG_TYPE_CAA);
	assert_nxdomain(&a);
}

Test(load, second_soa_for_another_apex_is_an_error)
{
	char want[1100];
	cr_assert_eq(load("twosoa.test.zone", NULL), VTG_EZONE_PARSE);
	snprintf(want, sizeof(want), "%s:5: ", zpath("twosoa.test.zone"));
	cr_assert_eq(strncmp(errbuf, want, strlen(want)), 0, "err '%s'", errbuf);
}

Test(load, ttl_from_record_and_from_dollar_ttl)
{
	load_ok("caa.test.zone");
	struct vtg_lookup_answer a = q("ttl.caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.n_rrs, 1u);
	cr_assert_eq(a.rrs[0].ttl, 60u);
	a = q("caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.rrs[0].ttl, 3600u);
}

/* ---- RFC 3597 generic records come through byte for byte ---- */

TestSuite(generic, .init = setup_world, .fini = teardown);

Test(generic, hyphenated_tag)
{
	static const uint8_t want[] = "\x00\x0d" "contact-email" "x";
	struct vtg_lookup_answer a = q("hyphen.caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.n_rrs, 1u);
	assert_rr(&a.rrs[0], want, sizeof(want) - 1);
}

Test(generic, zero_length_tag)
{
	static const uint8_t want[] = { 0x00, 0x00, 'x' };
	struct vtg_lookup_answer a = q("zerotag.caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.n_rrs, 1u);
	assert_rr(&a.rrs[0], want, sizeof(want));
}

Test(generic, upper_case_tag_kept)
{
	static const uint8_t want[] = "\x00\x05" "IsSuE" "ca.example";
	struct vtg_lookup_answer a = q("mixed.caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.n_rrs, 1u);
	assert_rr(&a.rrs[0], want, sizeof(want) - 1);
}

/* ---- lookups ---- */

TestSuite(lookup, .init = setup_world, .fini = teardown);

Test(lookup, exact_answer_in_file_order)
{
	uint8_t want[300];
	struct vtg_lookup_answer a = q("caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.fail, VTG_FAIL_NONE);
	cr_assert_eq(a.rcode, VTG_RCODE_NOERROR);
	cr_assert_eq(a.n_rrs, 2u);
	cr_assert_eq(a.chain_len, 0u);
	cr_assert_null(a.target);
	assert_rr(&a.rrs[0], want, caa(want, 0, "issue", "ca.example"));
	assert_rr(&a.rrs[1], want,
		  caa(want, 0, "iodef", "mailto:security@caa.test"));
}

Test(lookup, qname_case_does_not_matter)
{
	struct vtg_lookup_answer a = q("CaA.TeSt.", VTG_TYPE_CAA);
	cr_assert_eq(a.n_rrs, 2u);
	a = q("PARENT.caa.TEST", VTG_TYPE_CAA);
	assert_issue(&a, "parent-ca.example");
}

Test(lookup, existing_name_without_the_type_is_nodata)
{
	struct vtg_lookup_answer a = q("www.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
	a = q("x.y.parent.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
}

Test(lookup, empty_non_terminal_is_nodata)
{
	struct vtg_lookup_answer a = q("b.c.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
	a = q("c.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
	a = q("y.parent.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
}

Test(lookup, missing_name_is_nxdomain)
{
	struct vtg_lookup_answer a = q("nothing.caa.test", VTG_TYPE_CAA);
	assert_nxdomain(&a);
	cr_assert_null(a.target);
	a = q("below.www.caa.test", VTG_TYPE_CAA);
	assert_nxdomain(&a);
	a = q("d.a.b.c.caa.test", VTG_TYPE_CAA);
	assert_nxdomain(&a);
}

Test(lookup, outside_every_zone_is_nxdomain)
{
	struct vtg_lookup_answer a = q("www.nowhere.example", VTG_TYPE_CAA);
	assert_nxdomain(&a);
	a = q("test", VTG_TYPE_CAA); /* the parent of every loaded apex */
	assert_nxdomain(&a);
}

Test(load, empty_db_lookup_is_nxdomain)
{
	struct vtg_lookup_answer a = q("caa.test", VTG_TYPE_CAA);
	assert_nxdomain(&a);
}

Test(lookup, closest_enclosing_zone_answers)
{
	/* caa.test holds www.sub as well, but the child zone is closer */
	struct vtg_lookup_answer a = q("www.sub.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "child-ca.example");
	a = q("sub.caa.test", VTG_TYPE_SOA);
	cr_assert_eq(a.n_rrs, 1u);
	cr_assert_eq(a.rrs[0].ttl, 600u);
	a = q("nothing.sub.caa.test", VTG_TYPE_CAA);
	assert_nxdomain(&a);
}

Test(lookup, cname_into_another_zone)
{
	struct vtg_lookup_answer a = q("alias.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "other-ca.example");
	cr_assert_eq(a.chain_len, 1u);
	assert_target(&a, "www.other.test");
}

Test(lookup, cname_query_returns_the_cname)
{
	static const uint8_t want[] = "\3www\5other\4test";
	struct vtg_lookup_answer a = q("alias.caa.test", VTG_TYPE_CNAME);
	cr_assert_eq(a.n_rrs, 1u);
	cr_assert_eq(a.chain_len, 0u);
	assert_rr(&a.rrs[0], want, sizeof(want)); /* uncompressed, root included */
}

Test(lookup, chain_ending_in_nxdomain_or_nodata)
{
	/* RFC 6604: the rcode describes the last name of the chain */
	struct vtg_lookup_answer a = q("dangling.caa.test", VTG_TYPE_CAA);
	assert_nxdomain(&a);
	cr_assert_eq(a.chain_len, 1u);
	assert_target(&a, "gone.other.test");
	a = q("tonodata.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
	cr_assert_eq(a.chain_len, 1u);
	assert_target(&a, "www.caa.test");
}

Test(lookup, cname_loop_fails)
{
	struct vtg_lookup_answer a = q("loop1.caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.fail, VTG_FAIL_CNAME_LOOP);
	cr_assert_eq(a.rcode, VTG_RCODE_SERVFAIL);
	cr_assert_eq(a.n_rrs, 0u);
	a = q("self.caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.fail, VTG_FAIL_CNAME_LOOP);
}

Test(lookup, chain_of_16_links_is_followed)
{
	struct vtg_lookup_answer a = q("c1.chain.test", VTG_TYPE_CAA);
	assert_issue(&a, "end.example");
	cr_assert_eq(a.chain_len, (unsigned)VTG_CHAIN_MAX);
	assert_target(&a, "c17.chain.test");
}

Test(lookup, chain_of_17_links_fails)
{
	struct vtg_lookup_answer a = q("c0.chain.test", VTG_TYPE_CAA);
	cr_assert_eq(a.fail, VTG_FAIL_CHAIN_LIMIT);
	cr_assert_eq(a.rcode, VTG_RCODE_SERVFAIL);
	cr_assert_eq(a.n_rrs, 0u);
}

Test(lookup, dname_rewrites_names_below_its_owner)
{
	struct vtg_lookup_answer a = q("x.dn.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "x-other.example");
	cr_assert_eq(a.chain_len, 1u);
	assert_target(&a, "x.other.test");
	a = q("a.b.dn.caa.test", VTG_TYPE_CAA);
	assert_nxdomain(&a);
	assert_target(&a, "a.b.other.test");
}

Test(lookup, dname_owner_keeps_its_own_data)
{
	struct vtg_lookup_answer a = q("dn.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "dname-owner.example");
	cr_assert_eq(a.chain_len, 0u);
	cr_assert_null(a.target);
}

Test(lookup, dname_result_over_255_octets_is_yxdomain)
{
	char name[300];
	/* 63-octet label: 64 + 204 octets of target = 268 */
	snprintf(name, sizeof(name), "%.*s.yx.caa.test", 63,
		 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
	struct vtg_lookup_answer a = q(name, VTG_TYPE_CAA);
	cr_assert_eq(a.fail, VTG_FAIL_RCODE);
	cr_assert_eq(a.rcode, (unsigned)RCODE_YXDOMAIN);
	/* 50-octet label: 51 + 204 = 255 octets exactly still fits */
	snprintf(name, sizeof(name), "%.*s.yx.caa.test", 50,
		 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
	a = q(name, VTG_TYPE_CAA);
	assert_nxdomain(&a);
	cr_assert_eq(a.chain_len, 1u);
	cr_assert_eq(vtg__name_len(a.target), 255u);
}

Test(lookup, dname_loop_fails)
{
	struct vtg_lookup_answer a = q("x.dloop1.caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.fail, VTG_FAIL_CNAME_LOOP);
	cr_assert_eq(a.rcode, VTG_RCODE_SERVFAIL);
}

Test(lookup, wildcard_synthesises_for_missing_names)
{
	struct vtg_lookup_answer a = q("foo.wild.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "wild-ca.example");
	cr_assert_eq(a.chain_len, 0u);
	/* a wildcard stands for any number of labels (RFC 4592) */
	a = q("a.b.wild.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "wild-ca.example");
	/* the wildcard owner has no A: NODATA, not NXDOMAIN */
	a = q("foo.wild.caa.test", VTG_TYPE_A);
	assert_nodata(&a);
	/* asking for the wildcard name itself is an exact match */
	a = q("*.wild.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "wild-ca.example");
}

Test(lookup, wildcard_does_not_apply_to_existing_names)
{
	struct vtg_lookup_answer a = q("exists.wild.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
	/* ent.wild is an empty non-terminal: it exists */
	a = q("ent.wild.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
	/* below it the closest encloser is ent.wild, which has no wildcard */
	a = q("z.ent.wild.caa.test", VTG_TYPE_CAA);
	assert_nxdomain(&a);
	/* the parent of the wildcard is not covered by it */
	a = q("wild.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
}

Test(lookup, empty_non_terminal_wildcard_gives_nodata)
{
	/* RFC 4592 section 4.9: the source of synthesis exists but is empty */
	struct vtg_lookup_answer a = q("foo.entwild.caa.test", VTG_TYPE_CAA);
	assert_nodata(&a);
	a = q("sub.*.entwild.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "below-wildcard.example");
}

Test(lookup, wildcard_cname_is_followed)
{
	struct vtg_lookup_answer a = q("anything.walias.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "other-ca.example");
	cr_assert_eq(a.chain_len, 1u);
	assert_target(&a, "www.other.test");
}

Test(lookup, duplicate_records_collapse)
{
	struct vtg_lookup_answer a = q("dup.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "dup.example");
}

Test(load, merged_zone_answers_from_both_files)
{
	load_ok("merge-a.test.zone");
	load_ok("merge-b.test.zone");
	struct vtg_lookup_answer a = q("a.merge.test", VTG_TYPE_CAA);
	assert_issue(&a, "a.example");
	a = q("b.merge.test", VTG_TYPE_CAA);
	assert_issue(&a, "b.example");
	a = q("both.merge.test", VTG_TYPE_CAA);
	assert_issue(&a, "both.example");
	a = q("merge.test", VTG_TYPE_SOA);
	cr_assert_eq(a.n_rrs, 1u); /* the first file's SOA (serial 1) */
	const uint8_t *r = a.rrs[0].rdata;
	size_t n = a.rrs[0].len;
	cr_assert_eq(r[n - 20], 0);
	cr_assert_eq(r[n - 17], 1);
}

Test(lookup, lookups_do_not_allocate)
{
	uint64_t before = vtg__alloc_count();
	q("caa.test", VTG_TYPE_CAA);
	q("c1.chain.test", VTG_TYPE_CAA);
	q("x.dn.caa.test", VTG_TYPE_CAA);
	q("foo.wild.caa.test", VTG_TYPE_CAA);
	q("loop1.caa.test", VTG_TYPE_CAA);
	q("www.nowhere.example", VTG_TYPE_CAA);
	cr_assert_eq(vtg__alloc_count(), before);
}

Test(lookup, answers_stay_right_after_another_load)
{
	/* a later load grows (and moves) the pool: the views must follow */
	load_ok("merge-a.test.zone");
	load_ok("merge-b.test.zone");
	struct vtg_lookup_answer a = q("alias.caa.test", VTG_TYPE_CAA);
	assert_issue(&a, "other-ca.example");
	a = q("zerotag.caa.test", VTG_TYPE_CAA);
	cr_assert_eq(a.n_rrs, 1u);
	assert_rr(&a.rrs[0], (const uint8_t *)"\0\0x", 3);
}
