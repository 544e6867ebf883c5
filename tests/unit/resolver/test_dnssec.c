/*
 * test_dnssec.c — the validator (resolver/dnssec.c) on real signed responses.
 *
 * The fixtures in tests/unit/resolver/dnssec/ are responses captured from the
 * local DNS world's NSD servers (ECDSA P-256 zones; secure.vtest with NSEC,
 * deep.vtest with NSEC3). Validation time is taken from the fixtures' own
 * RRSIG inception, so the tests do not depend on the day they run. Keys come
 * from the fixtures too: a zone's DNSKEY response serves as its own anchor,
 * as the root's does with a trust anchor file.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resolver/dnssec.h"
#include "resolver/wire.h"

struct fx {
	uint8_t buf[65536];
	size_t len;
	struct vtg_msg m;
	struct vtg_dv_msg *dm;
};

static void load(struct fx *f, const char *name)
{
	char path[1024];
	const char *src = getenv("VTG_SOURCE_DIR");
	snprintf(path, sizeof(path), "%s/tests/unit/resolver/dnssec/%s", src ? src : ".", name);
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp, "fixture %s", path);
	f->len = fread(f->buf, 1, sizeof(f->buf), fp);
	fclose(fp);
	cr_assert_eq(vtg__msg_parse(&f->m, f->buf, f->len), 0, "parse %s", name);
	f->dm = vtg__dv_msg_open(&f->m);
	cr_assert_not_null(f->dm);
}

static void reopen(struct fx *f)
{
	vtg__dv_msg_close(f->dm);
	cr_assert_eq(vtg__msg_parse(&f->m, f->buf, f->len), 0);
	f->dm = vtg__dv_msg_open(&f->m);
	cr_assert_not_null(f->dm);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Offset of the first RRSIG's RDATA (any section). */
static size_t first_rrsig(const struct fx *f)
{
	for (int sec = 0; sec < 3; sec++) {
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		vtg__rr_iter_init(&it, &f->m, (enum vtg_section)sec);
		while (vtg__rr_iter_next(&it, &rr) == 1)
			if (rr.type == VTG_TYPE_RRSIG)
				return rr.rdata_off;
	}
	cr_assert_fail("no RRSIG in the fixture");
	return 0;
}

/* A time inside the fixture's signature window. */
static time_t when(const struct fx *f)
{
	return (time_t)be32(f->buf + first_rrsig(f) + 12) + 7200; /* inception + 2 h */
}

static uint8_t *wire(const char *text)
{
	static uint8_t n[4][VTG_DNS_MAX_NAME];
	static int k;
	k = (k + 1) % 4;
	cr_assert_gt(vtg__name_from_text(n[k], text, strlen(text)), 0);
	return n[k];
}

/* The zone's keys, self-anchored, validated. */
static struct vtg_dv_keys *zone_keys(const char *fixture, const char *zone)
{
	struct fx f;
	load(&f, fixture);
	struct vtg_dv_keys *anchor = vtg__dv_keys_from_msg(f.dm, VTG_SEC_ANSWER, VTG_TYPE_DNSKEY);
	cr_assert_not_null(anchor);
	struct vtg_dv_keys *keys = NULL;
	struct vtg_dv_res r;
	vtg__dv_dnskey(f.dm, wire(zone), anchor, when(&f), &keys, &r);
	cr_assert_eq(r.status, VTG_DNSSEC_SECURE, "%s DNSKEY: %s", zone, r.why);
	cr_assert_not_null(keys);
	cr_assert_geq(vtg__dv_keys_count(keys), 1);
	vtg__dv_keys_free(anchor);
	vtg__dv_msg_close(f.dm);
	return keys;
}

Test(dnssec, dnskey_set_vouched_for_by_its_own_key_is_secure)
{
	struct vtg_dv_keys *k = zone_keys("secure-dnskey.bin", "secure.vtest");
	vtg__dv_keys_free(k);
}

Test(dnssec, signed_caa_rrset_is_secure)
{
	struct vtg_dv_keys *k = zone_keys("secure-dnskey.bin", "secure.vtest");
	struct fx f;
	load(&f, "secure-caa.bin");
	struct vtg_dv_res r;
	vtg__dv_rrset(f.dm, VTG_SEC_ANSWER, wire("secure.vtest"), VTG_TYPE_CAA, wire("secure.vtest"),
		      k, when(&f), &r);
	cr_assert_eq(r.status, VTG_DNSSEC_SECURE, "%s", r.why);
	cr_assert_not(r.weak, "ECDSA P-256 is not weak");
	cr_assert_not(r.wildcard);
	cr_assert_gt(r.ttl, 0);
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(k);
}

Test(dnssec, tampered_rdata_is_bogus)
{
	struct vtg_dv_keys *k = zone_keys("secure-dnskey.bin", "secure.vtest");
	struct fx f;
	load(&f, "secure-caa.bin");
	/* change one octet of the first CAA record's value */
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, &f.m, VTG_SEC_ANSWER);
	while (vtg__rr_iter_next(&it, &rr) == 1 && rr.type != VTG_TYPE_CAA)
		;
	cr_assert_eq(rr.type, VTG_TYPE_CAA);
	f.buf[rr.rdata_off + rr.rdlen - 1] ^= 0x01;
	reopen(&f);
	struct vtg_dv_res r;
	vtg__dv_rrset(f.dm, VTG_SEC_ANSWER, wire("secure.vtest"), VTG_TYPE_CAA, wire("secure.vtest"),
		      k, when(&f), &r);
	cr_assert_eq(r.status, VTG_DNSSEC_BOGUS);
	cr_assert_str_eq(r.why, "bad-signature");
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(k);
}

Test(dnssec, signature_outside_its_window_is_bogus)
{
	struct vtg_dv_keys *k = zone_keys("secure-dnskey.bin", "secure.vtest");
	struct fx f;
	load(&f, "secure-caa.bin");
	time_t exp = (time_t)be32(f.buf + first_rrsig(&f) + 8);
	struct vtg_dv_res r;
	vtg__dv_rrset(f.dm, VTG_SEC_ANSWER, wire("secure.vtest"), VTG_TYPE_CAA, wire("secure.vtest"),
		      k, exp + 60, &r);
	cr_assert_eq(r.status, VTG_DNSSEC_BOGUS);
	cr_assert_str_eq(r.why, "signature-expired");
	time_t inc = (time_t)be32(f.buf + first_rrsig(&f) + 12);
	vtg__dv_rrset(f.dm, VTG_SEC_ANSWER, wire("secure.vtest"), VTG_TYPE_CAA, wire("secure.vtest"),
		      k, inc - 60, &r);
	cr_assert_eq(r.status, VTG_DNSSEC_BOGUS);
	cr_assert_str_eq(r.why, "signature-not-yet-valid");
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(k);
}

Test(dnssec, signature_by_another_zone_does_not_count)
{
	struct vtg_dv_keys *k = zone_keys("secure-dnskey.bin", "secure.vtest");
	struct fx f;
	load(&f, "secure-caa.bin");
	struct vtg_dv_res r;
	vtg__dv_rrset(f.dm, VTG_SEC_ANSWER, wire("secure.vtest"), VTG_TYPE_CAA, wire("vtest"), k,
		      when(&f), &r);
	cr_assert_eq(r.status, VTG_DNSSEC_BOGUS);
	cr_assert_str_eq(r.why, "signer-not-zone");
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(k);
}

Test(dnssec, rsa_md5_rrsig_never_counts)
{
	struct vtg_dv_keys *k = zone_keys("secure-dnskey.bin", "secure.vtest");
	struct fx f;
	load(&f, "secure-caa.bin");
	f.buf[first_rrsig(&f) + 2] = 1; /* algorithm 1: RSA/MD5 */
	reopen(&f);
	struct vtg_dv_res r;
	vtg__dv_rrset(f.dm, VTG_SEC_ANSWER, wire("secure.vtest"), VTG_TYPE_CAA, wire("secure.vtest"),
		      k, when(&f), &r);
	cr_assert_eq(r.status, VTG_DNSSEC_BOGUS);
	cr_assert_str_eq(r.why, "unsupported-algorithm");
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(k);
}

Test(dnssec, broken_zone_signature_is_bogus)
{
	struct vtg_dv_keys *k = zone_keys("bogus-dnskey.bin", "bogus.vtest");
	struct fx f;
	load(&f, "bogus-caa.bin");
	struct vtg_dv_res r;
	vtg__dv_rrset(f.dm, VTG_SEC_ANSWER, wire("bogus.vtest"), VTG_TYPE_CAA, wire("bogus.vtest"),
		      k, when(&f), &r);
	cr_assert_eq(r.status, VTG_DNSSEC_BOGUS);
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(k);
}

static void denial(const char *fixture, const char *zone, const char *keysfx,
		   enum vtg_dv_denial kind, const char *qname, uint16_t qtype,
		   enum vtg_dnssec want, uint16_t proof_type)
{
	struct vtg_dv_keys *k = zone_keys(keysfx, zone);
	struct fx f;
	load(&f, fixture);
	struct vtg_insecure_proof p;
	memset(&p, 0, sizeof(p));
	struct vtg_dv_res r;
	vtg__dv_denial(f.dm, kind, wire(qname), qtype, wire(zone), k, when(&f), &p, &r);
	cr_assert_eq(r.status, want, "%s %s: status %d (%s)", fixture, qname, r.status,
		     r.why ? r.why : "");
	if (want == VTG_DNSSEC_SECURE) {
		cr_assert_eq(p.denial_type, proof_type);
		cr_assert_neq(p.denial_owner[0], 0);
	} else {
		cr_assert_not_null(r.why);
	}
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(k);
}

Test(dnssec, nsec_proves_nxdomain)
{
	denial("secure-nxdomain.bin", "secure.vtest", "secure-dnskey.bin", VTG_DENY_NXDOMAIN,
	       "nothere.secure.vtest", VTG_TYPE_CAA, VTG_DNSSEC_SECURE, VTG_TYPE_NSEC);
}

Test(dnssec, nxdomain_proof_is_not_a_nodata_proof)
{
	denial("secure-nxdomain.bin", "secure.vtest", "secure-dnskey.bin", VTG_DENY_NODATA,
	       "nothere.secure.vtest", VTG_TYPE_CAA, VTG_DNSSEC_BOGUS, 0);
}

Test(dnssec, nsec_proves_nodata)
{
	denial("secure-nodata.bin", "secure.vtest", "secure-dnskey.bin", VTG_DENY_NODATA,
	       "www.secure.vtest", VTG_TYPE_CAA, VTG_DNSSEC_SECURE, VTG_TYPE_NSEC);
}

Test(dnssec, nodata_proof_is_not_an_nxdomain_proof)
{
	denial("secure-nodata.bin", "secure.vtest", "secure-dnskey.bin", VTG_DENY_NXDOMAIN,
	       "www.secure.vtest", VTG_TYPE_CAA, VTG_DNSSEC_BOGUS, 0);
}

Test(dnssec, nodata_proof_does_not_cover_the_type_that_exists)
{
	/* www.secure.vtest has an A record: its NSEC cannot deny A */
	denial("secure-nodata.bin", "secure.vtest", "secure-dnskey.bin", VTG_DENY_NODATA,
	       "www.secure.vtest", VTG_TYPE_A, VTG_DNSSEC_BOGUS, 0);
}

Test(dnssec, nsec_proves_an_empty_non_terminal)
{
	denial("secure-ent.bin", "secure.vtest", "secure-dnskey.bin", VTG_DENY_NODATA,
	       "wild.secure.vtest", VTG_TYPE_CAA, VTG_DNSSEC_SECURE, VTG_TYPE_NSEC);
}

Test(dnssec, wildcard_expansion_is_marked_and_proven)
{
	struct vtg_dv_keys *k = zone_keys("secure-dnskey.bin", "secure.vtest");
	struct fx f;
	load(&f, "secure-wildcard.bin");
	struct vtg_dv_res r;
	vtg__dv_rrset(f.dm, VTG_SEC_ANSWER, wire("anything.wild.secure.vtest"), VTG_TYPE_CAA,
		      wire("secure.vtest"), k, when(&f), &r);
	cr_assert_eq(r.status, VTG_DNSSEC_SECURE, "%s", r.why);
	cr_assert(r.wildcard);
	unsigned labels = vtg__name_labels(r.closest);
	cr_assert_eq(labels, 3, "closest encloser wild.secure.vtest");
	struct vtg_dv_res d;
	vtg__dv_denial(f.dm, VTG_DENY_WILDCARD, wire("anything.wild.secure.vtest"),
		       (uint16_t)labels, wire("secure.vtest"), k, when(&f), NULL, &d);
	cr_assert_eq(d.status, VTG_DNSSEC_SECURE, "%s", d.why);
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(k);
}

Test(dnssec, nsec3_proves_nxdomain)
{
	denial("deep-nxdomain.bin", "deep.vtest", "deep-dnskey.bin", VTG_DENY_NXDOMAIN,
	       "x.y.deep.vtest", VTG_TYPE_CAA, VTG_DNSSEC_SECURE, VTG_TYPE_NSEC3);
}

Test(dnssec, nsec3_proves_nodata)
{
	denial("deep-nodata.bin", "deep.vtest", "deep-dnskey.bin", VTG_DENY_NODATA,
	       "a.b.c.deep.vtest", VTG_TYPE_CAA, VTG_DNSSEC_SECURE, VTG_TYPE_NSEC3);
}

Test(dnssec, nsec3_proves_an_empty_non_terminal)
{
	denial("deep-ent.bin", "deep.vtest", "deep-dnskey.bin", VTG_DENY_NODATA, "c.deep.vtest",
	       VTG_TYPE_CAA, VTG_DNSSEC_SECURE, VTG_TYPE_NSEC3);
}

Test(dnssec, nsec3_nodata_is_not_nxdomain)
{
	denial("deep-nodata.bin", "deep.vtest", "deep-dnskey.bin", VTG_DENY_NXDOMAIN,
	       "a.b.c.deep.vtest", VTG_TYPE_CAA, VTG_DNSSEC_BOGUS, 0);
}

Test(dnssec, secure_referral_carries_a_validated_ds)
{
	struct vtg_dv_keys *k = zone_keys("vtest-dnskey.bin", "vtest");
	struct fx f;
	load(&f, "vtest-referral-secure.bin");
	struct vtg_dv_keys *ds = NULL;
	struct vtg_dv_res r;
	vtg__dv_referral_ds(f.dm, wire("secure.vtest"), wire("vtest"), k, when(&f), &ds, &r);
	cr_assert_eq(r.status, VTG_DNSSEC_SECURE, "%s", r.why);
	cr_assert_not_null(ds);
	cr_assert_not(vtg__dv_keys_only_unsupported(ds));
	/* and that DS admits the child's keys, but not another zone's */
	struct fx kf;
	load(&kf, "secure-dnskey.bin");
	struct vtg_dv_keys *child = NULL;
	vtg__dv_dnskey(kf.dm, wire("secure.vtest"), ds, when(&kf), &child, &r);
	cr_assert_eq(r.status, VTG_DNSSEC_SECURE, "%s", r.why);
	vtg__dv_keys_free(child);
	struct fx bf;
	load(&bf, "bogus-dnskey.bin");
	child = NULL;
	vtg__dv_dnskey(bf.dm, wire("bogus.vtest"), ds, when(&bf), &child, &r);
	cr_assert_eq(r.status, VTG_DNSSEC_BOGUS);
	cr_assert_str_eq(r.why, "no-dnskey-matches-ds");
	cr_assert_null(child);
	vtg__dv_msg_close(bf.dm);
	vtg__dv_msg_close(kf.dm);
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(ds);
	vtg__dv_keys_free(k);
}

Test(dnssec, unsigned_delegation_is_proven_by_a_signed_nsec)
{
	struct vtg_dv_keys *k = zone_keys("vtest-dnskey.bin", "vtest");
	struct fx f;
	load(&f, "vtest-referral-insecure.bin");
	struct vtg_dv_keys *ds = NULL;
	struct vtg_dv_res r;
	vtg__dv_referral_ds(f.dm, wire("insecure.vtest"), wire("vtest"), k, when(&f), &ds, &r);
	cr_assert_eq(r.status, VTG_DNSSEC_INDETERMINATE, "no DS in the referral");
	cr_assert_null(ds);
	vtg__dv_msg_close(f.dm);
	vtg__dv_keys_free(k);
	denial("vtest-referral-insecure.bin", "vtest", "vtest-dnskey.bin", VTG_DENY_NO_DS,
	       "insecure.vtest", VTG_TYPE_DS, VTG_DNSSEC_SECURE, VTG_TYPE_NSEC);
	/* the same records do not prove that a signed child has no DS */
	denial("vtest-referral-insecure.bin", "vtest", "vtest-dnskey.bin", VTG_DENY_NO_DS,
	       "secure.vtest", VTG_TYPE_DS, VTG_DNSSEC_BOGUS, 0);
}

Test(dnssec, trust_anchor_files)
{
	char path[] = "/tmp/vtg-anchor-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fprintf(f, "; the root's KSK\n. 3600 IN DS 20326 8 2 "
		   "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n");
	fclose(f);
	char err[256];
	uint8_t owner[VTG_DNS_MAX_NAME];
	struct vtg_dv_keys *k = vtg__dv_anchor_load(path, owner, err, sizeof(err));
	cr_assert_not_null(k, "%s", err);
	cr_assert_eq(vtg__dv_keys_count(k), 1);
	cr_assert_eq(owner[0], 0, "the root");
	vtg__dv_keys_free(k);
	f = fopen(path, "w");
	fprintf(f, ". IN DS this is not a DS record\n");
	fclose(f);
	cr_assert_null(vtg__dv_anchor_load(path, owner, err, sizeof(err)));
	cr_assert(strstr(err, ":1:"), "names the line: %s", err);
	f = fopen(path, "w");
	fprintf(f, "; nothing\n");
	fclose(f);
	cr_assert_null(vtg__dv_anchor_load(path, owner, err, sizeof(err)));
	cr_assert(strstr(err, "no DS or DNSKEY"), "%s", err);
	unlink(path);
	cr_assert_null(vtg__dv_anchor_load("/nonexistent/anchor", owner, err, sizeof(err)));
}

Test(dnssec, unparsable_message_is_refused)
{
	struct vtg_msg m;
	memset(&m, 0, sizeof(m));
	static const uint8_t junk[12] = {0, 1, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0};
	m.pkt = junk;
	m.len = sizeof(junk); /* a question that is not there */
	cr_assert_null(vtg__dv_msg_open(&m));
}

/* ---- every algorithm the issue names, and the weak ones ----------------
 * A zone key of the given algorithm and size is made with ldns at test time,
 * a DNSKEY set and a CAA set are signed with it (ldns_sign_public), and the
 * response carrying them is validated like any other. */
#include <ldns/ldns.h>

struct signed_msg {
	uint8_t *wire;
	size_t len;
};

static void make_signed(ldns_signing_algorithm alg, uint16_t bits, time_t now,
			struct signed_msg *out)
{
	ldns_key *k = ldns_key_new_frm_algorithm(alg, bits);
	cr_assert_not_null(k, "key of algorithm %d", (int)alg);
	ldns_key_set_pubkey_owner(k, ldns_dname_new_frm_str("example."));
	ldns_key_set_flags(k, 257);
	ldns_key_set_inception(k, (uint32_t)(now - 3600));
	ldns_key_set_expiration(k, (uint32_t)(now + 86400));
	ldns_key_list *kl = ldns_key_list_new();
	ldns_key_list_push_key(kl, k);
	ldns_rr *dk = ldns_key2rr(k);
	ldns_key_set_keytag(k, ldns_calc_keytag(dk)); /* the tag of the flags set above */
	ldns_rr_list *keys = ldns_rr_list_new();
	ldns_rr_list_push_rr(keys, dk);
	ldns_rr *caa = NULL;
	cr_assert_eq(ldns_rr_new_frm_str(&caa, "example. 3600 IN CAA 0 issue \"ca.example\"",
					 3600, NULL, NULL), LDNS_STATUS_OK);
	ldns_rr_list *caas = ldns_rr_list_new();
	ldns_rr_list_push_rr(caas, caa);
	ldns_rr_list *ksig = ldns_sign_public(keys, kl);
	ldns_rr_list *csig = ldns_sign_public(caas, kl);
	cr_assert_not_null(ksig);
	cr_assert_not_null(csig);
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str("example."), LDNS_RR_TYPE_DNSKEY,
					 LDNS_RR_CLASS_IN, 0);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, true);
	ldns_pkt_push_rr_list(p, LDNS_SECTION_ANSWER, keys);
	ldns_pkt_push_rr_list(p, LDNS_SECTION_ANSWER, ksig);
	ldns_pkt_push_rr_list(p, LDNS_SECTION_ANSWER, caas);
	ldns_pkt_push_rr_list(p, LDNS_SECTION_ANSWER, csig);
	cr_assert_eq(ldns_pkt2wire(&out->wire, p, &out->len), LDNS_STATUS_OK);
	ldns_pkt_free(p); /* the records went into the packet */
	ldns_rr_list_free(keys);
	ldns_rr_list_free(caas);
	ldns_rr_list_free(ksig);
	ldns_rr_list_free(csig);
	ldns_key_set_pubkey_owner(k, NULL); /* the DNSKEY record shares it (ldns_key2rr) */
	ldns_key_list_free(kl);             /* frees the key too */
}

static void check_alg(ldns_signing_algorithm alg, uint16_t bits, enum vtg_dnssec want,
		      bool weak)
{
	time_t now = time(NULL);
	struct signed_msg sm;
	make_signed(alg, bits, now, &sm);
	struct vtg_msg m;
	cr_assert_eq(vtg__msg_parse(&m, sm.wire, sm.len), 0);
	struct vtg_dv_msg *dm = vtg__dv_msg_open(&m);
	cr_assert_not_null(dm);
	struct vtg_dv_keys *anchor = vtg__dv_keys_from_msg(dm, VTG_SEC_ANSWER, VTG_TYPE_DNSKEY);
	struct vtg_dv_keys *keys = NULL;
	struct vtg_dv_res r;
	vtg__dv_dnskey(dm, wire("example"), anchor, now, &keys, &r);
	cr_assert_eq(r.status, want, "algorithm %d/%u: DNSKEY status %d (%s)", (int)alg, bits,
		     r.status, r.why ? r.why : "");
	if (want == VTG_DNSSEC_SECURE) {
		cr_assert_eq(r.weak, weak, "algorithm %d/%u: weak %d", (int)alg, bits, r.weak);
		vtg__dv_rrset(dm, VTG_SEC_ANSWER, wire("example"), VTG_TYPE_CAA, wire("example"), keys,
			      now, &r);
		cr_assert_eq(r.status, VTG_DNSSEC_SECURE, "algorithm %d: CAA %s", (int)alg, r.why);
		cr_assert_eq(r.weak, weak);
	}
	vtg__dv_keys_free(keys);
	vtg__dv_keys_free(anchor);
	vtg__dv_msg_close(dm);
	free(sm.wire);
}

Test(dnssec, rsasha256_2048_secure, .timeout = 60)
{
	check_alg(LDNS_SIGN_RSASHA256, 2048, VTG_DNSSEC_SECURE, false);
}
Test(dnssec, rsasha512_2048_secure, .timeout = 60)
{
	check_alg(LDNS_SIGN_RSASHA512, 2048, VTG_DNSSEC_SECURE, false);
}
Test(dnssec, ecdsa_p256_secure)
{
	check_alg(LDNS_SIGN_ECDSAP256SHA256, 256, VTG_DNSSEC_SECURE, false);
}
Test(dnssec, ecdsa_p384_secure)
{
	check_alg(LDNS_SIGN_ECDSAP384SHA384, 384, VTG_DNSSEC_SECURE, false);
}
Test(dnssec, ed25519_secure)
{
	check_alg(LDNS_SIGN_ED25519, 256, VTG_DNSSEC_SECURE, false);
}
Test(dnssec, ed448_secure)
{
	check_alg(LDNS_SIGN_ED448, 456, VTG_DNSSEC_SECURE, false);
}
Test(dnssec, rsasha1_validates_and_is_weak, .timeout = 60)
{
	check_alg(LDNS_SIGN_RSASHA1, 2048, VTG_DNSSEC_SECURE, true);
}
Test(dnssec, rsasha1_nsec3_validates_and_is_weak, .timeout = 60)
{
	check_alg(LDNS_SIGN_RSASHA1_NSEC3, 2048, VTG_DNSSEC_SECURE, true);
}
Test(dnssec, rsa_1024_validates_and_is_weak, .timeout = 60)
{
	check_alg(LDNS_SIGN_RSASHA256, 1024, VTG_DNSSEC_SECURE, true);
}
