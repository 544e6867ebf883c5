/*
 * test_tlsalpn.c — tls-alpn-01 (RFC 8737 3, RFC 8738 6; caa/tlsalpn.h):
 * the SNI of names and IP targets, the ALPN protocol, and the certificate
 * check over challenge certificates built here with the OpenSSL API: one
 * that passes for a name, an IPv4 and an IPv6 target, and one breaking each
 * rule (subjectAltName absent, doubled, two entries, another name;
 * acmeIdentifier absent, doubled, not critical, not a 32-octet OCTET
 * STRING, another key authorization), every truncated prefix and trailing
 * garbage.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "caa/tlsalpn.h"
#include "vantage.h"

#define KA "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEY4SaQRk8"
#define KA_OFF "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEY4SaQRk9"

enum acme_mode {
	ACME_OK = 0,
	ACME_NONE,
	ACME_NOT_CRITICAL,
	ACME_SHORT,      /* OCTET STRING of 31 octets */
	ACME_LONG,       /* OCTET STRING of 33 octets */
	ACME_NOT_OCTET,  /* a UTF8String of 32 octets */
	ACME_BARE,       /* the 32 octets without the OCTET STRING wrapper */
	ACME_LONG_FORM,  /* BER long-form length 0x81 0x20: not DER */
	ACME_WRONG_LEN,  /* 34 octets as it should be, but the length octet
			  * says 31 (the last octet then trails the string) */
	ACME_TRAILING,   /* the OCTET STRING, then one octet more */
	ACME_TWICE,
};

struct spec {
	const char *san;      /* X509V3 conf form, e.g. "DNS:example.com"; NULL: none */
	bool san_twice;
	enum acme_mode acme;
	const char *keyauth;  /* digested into the acmeIdentifier (KA if NULL) */
};

static EVP_PKEY *key(void)
{
	static EVP_PKEY *k;
	if (k == NULL)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	cr_assert_not_null(k);
	return k;
}

static void add_acme(X509 *x, const struct spec *s)
{
	unsigned char md[32], val[64];
	unsigned int mdlen = 0;
	size_t len = 0;
	const char *ka = s->keyauth ? s->keyauth : KA;
	cr_assert_eq(EVP_Digest(ka, strlen(ka), md, &mdlen, EVP_sha256(), NULL), 1);
	cr_assert_eq(mdlen, 32u);
	switch (s->acme) {
	case ACME_SHORT:
		val[len++] = 0x04;
		val[len++] = 31;
		memcpy(val + len, md, 31);
		len += 31;
		break;
	case ACME_LONG:
		val[len++] = 0x04;
		val[len++] = 33;
		memcpy(val + len, md, 32);
		len += 32;
		val[len++] = 0;
		break;
	case ACME_NOT_OCTET:
		val[len++] = 0x0c;
		val[len++] = 32;
		memcpy(val + len, md, 32);
		len += 32;
		break;
	case ACME_BARE:
		memcpy(val, md, 32);
		len = 32;
		break;
	case ACME_WRONG_LEN:
		val[len++] = 0x04;
		val[len++] = 31;
		memcpy(val + len, md, 32);
		len += 32;
		break;
	case ACME_LONG_FORM:
		val[len++] = 0x04;
		val[len++] = 0x81;
		val[len++] = 32;
		memcpy(val + len, md, 32);
		len += 32;
		break;
	default:
		val[len++] = 0x04;
		val[len++] = 32;
		memcpy(val + len, md, 32);
		len += 32;
		if (s->acme == ACME_TRAILING)
			val[len++] = 0;
		break;
	}
	ASN1_OBJECT *obj = OBJ_txt2obj(VTG_TLSALPN_OID, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	cr_assert_not_null(obj);
	cr_assert_not_null(os);
	cr_assert_eq(ASN1_OCTET_STRING_set(os, val, (int)len), 1);
	int crit = s->acme == ACME_NOT_CRITICAL ? 0 : 1;
	for (int i = 0; i < (s->acme == ACME_TWICE ? 2 : 1); i++) {
		X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, crit, os);
		cr_assert_not_null(e);
		cr_assert_eq(X509_add_ext(x, e, -1), 1);
		X509_EXTENSION_free(e);
	}
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

/* A self-signed challenge certificate as DER (OPENSSL_free it). */
static int make_cert(const struct spec *s, unsigned char **der)
{
	X509 *x = X509_new();
	cr_assert_not_null(x);
	cr_assert_eq(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 7 * 86400);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"acme", -1, -1, 0);
	cr_assert_eq(X509_set_issuer_name(x, n), 1);
	cr_assert_eq(X509_set_pubkey(x, key()), 1);
	if (s->san != NULL) {
		for (int i = 0; i < (s->san_twice ? 2 : 1); i++) {
			X509_EXTENSION *e =
				X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, s->san);
			cr_assert_not_null(e, "%s", s->san);
			cr_assert_eq(X509_add_ext(x, e, -1), 1);
			X509_EXTENSION_free(e);
		}
	}
	if (s->acme != ACME_NONE)
		add_acme(x, s);
	cr_assert_gt(X509_sign(x, key(), EVP_sha256()), 0);
	*der = NULL;
	int len = i2d_X509(x, der);
	cr_assert_gt(len, 0);
	X509_free(x);
	return len;
}

static char why[VTG_TLSALPN_WHY_MAX];

static enum vtg_tlsalpn_verdict check_spec(const struct spec *s, const char *target,
					   const char *keyauth)
{
	unsigned char *der = NULL;
	int len = make_cert(s, &der);
	memset(why, 'X', sizeof(why));
	enum vtg_tlsalpn_verdict r =
		vtg__tlsalpn_check(der, (size_t)len, target, keyauth, why, sizeof(why));
	OPENSSL_free(der);
	return r;
}

/* ---- passes ---- */

Test(tlsalpn, passes_for_a_name)
{
	struct spec s = {.san = "DNS:example.com"};
	cr_assert_eq(check_spec(&s, "example.com", KA), VTG_TLSALPN_PASS, "%s", why);
	cr_assert_str_eq(why, "");
	/* ASCII case is not significant in a name */
	struct spec s2 = {.san = "DNS:Example.COM"};
	cr_assert_eq(check_spec(&s2, "EXAMPLE.com.", KA), VTG_TLSALPN_PASS, "%s", why);
}

Test(tlsalpn, passes_for_ip_targets)
{
	struct spec s = {.san = "IP:192.0.2.1"};
	cr_assert_eq(check_spec(&s, "192.0.2.1", KA), VTG_TLSALPN_PASS, "%s", why);
	struct spec s6 = {.san = "IP:2001:db8::1"};
	cr_assert_eq(check_spec(&s6, "2001:DB8:0::1", KA), VTG_TLSALPN_PASS, "%s", why);
	cr_assert_eq(check_spec(&s6, "[2001:db8::1]", KA), VTG_TLSALPN_PASS, "%s", why);
}

/* ---- subjectAltName ---- */

static void bad(const struct spec *s, const char *target, const char *keyauth, const char *want)
{
	cr_assert_eq(check_spec(s, target, keyauth), VTG_TLSALPN_BAD_CERTIFICATE, "want %s", want);
	cr_assert_str_eq(why, want);
}

Test(tlsalpn, san_rules)
{
	bad(&(struct spec){.san = NULL}, "example.com", KA, "no subjectAltName");
	bad(&(struct spec){.san = "DNS:example.com, DNS:www.example.com"}, "example.com", KA,
	    "2 subjectAltName entries");
	bad(&(struct spec){.san = "DNS:example.com, IP:192.0.2.1"}, "192.0.2.1", KA,
	    "2 subjectAltName entries");
	bad(&(struct spec){.san = "DNS:example.com", .san_twice = true}, "example.com", KA,
	    "2 subjectAltName extensions");
	bad(&(struct spec){.san = "DNS:other.example"}, "example.com", KA,
	    "subjectAltName is not example.com");
	bad(&(struct spec){.san = "DNS:example.com."}, "example.com", KA,
	    "subjectAltName is not example.com");
	bad(&(struct spec){.san = "DNS:*.example.com"}, "www.example.com", KA,
	    "subjectAltName is not www.example.com");
	bad(&(struct spec){.san = "email:a@example.com"}, "example.com", KA,
	    "subjectAltName is not example.com");
	/* an IP target wants the iPAddress, not a name, not another address */
	bad(&(struct spec){.san = "DNS:1.2.0.192.in-addr.arpa"}, "192.0.2.1", KA,
	    "subjectAltName is not 192.0.2.1");
	bad(&(struct spec){.san = "IP:192.0.2.2"}, "192.0.2.1", KA,
	    "subjectAltName is not 192.0.2.1");
	bad(&(struct spec){.san = "IP:::ffff:192.0.2.1"}, "192.0.2.1", KA,
	    "subjectAltName is not 192.0.2.1");
	bad(&(struct spec){.san = "IP:192.0.2.1"}, "example.com", KA,
	    "subjectAltName is not example.com");
	bad(&(struct spec){.san = "DNS:example.com"}, "2001:db8::1", KA,
	    "subjectAltName is not 2001:db8::1");
}

/* ---- acmeIdentifier ---- */

Test(tlsalpn, acme_identifier_rules)
{
	const char *san = "DNS:example.com";
	bad(&(struct spec){.san = san, .acme = ACME_NONE}, "example.com", KA, "no acmeIdentifier");
	bad(&(struct spec){.san = san, .acme = ACME_TWICE}, "example.com", KA,
	    "2 acmeIdentifier extensions");
	bad(&(struct spec){.san = san, .acme = ACME_NOT_CRITICAL}, "example.com", KA,
	    "acmeIdentifier not critical");
	static const enum acme_mode shape[] = {ACME_SHORT, ACME_LONG, ACME_NOT_OCTET, ACME_BARE,
					       ACME_LONG_FORM, ACME_WRONG_LEN, ACME_TRAILING};
	for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++)
		bad(&(struct spec){.san = san, .acme = shape[i]}, "example.com", KA,
		    "acmeIdentifier not an OCTET STRING of 32 octets");
	/* the key authorization off by one character */
	bad(&(struct spec){.san = san}, "example.com", KA_OFF, "acmeIdentifier mismatch");
	bad(&(struct spec){.san = san, .keyauth = KA_OFF}, "example.com", KA,
	    "acmeIdentifier mismatch");
	/* a digest of the token alone is not the key authorization's */
	bad(&(struct spec){.san = san, .keyauth = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"},
	    "example.com", KA, "acmeIdentifier mismatch");
}

/* ---- hostile DER ---- */

Test(tlsalpn, truncated_and_garbage_unparsable)
{
	unsigned char *der = NULL;
	int len = make_cert(&(struct spec){.san = "DNS:example.com"}, &der);
	cr_assert_eq(vtg__tlsalpn_check(der, (size_t)len, "example.com", KA, why, sizeof(why)),
		     VTG_TLSALPN_PASS);
	/* every proper prefix, each in an exact-size copy (ASan sees over-reads) */
	for (int i = 0; i < len; i++) {
		unsigned char *cut = malloc(i ? (size_t)i : 1);
		memcpy(cut, der, (size_t)i);
		cr_assert_eq(vtg__tlsalpn_check(i ? cut : NULL, (size_t)i, "example.com", KA, why,
						sizeof(why)),
			     VTG_TLSALPN_BAD_CERTIFICATE, "prefix %d", i);
		cr_assert_str_eq(why, "unparsable", "prefix %d", i);
		free(cut);
	}
	/* one octet after the certificate */
	unsigned char *more = malloc((size_t)len + 1);
	memcpy(more, der, (size_t)len);
	more[len] = 0;
	cr_assert_eq(vtg__tlsalpn_check(more, (size_t)len + 1, "example.com", KA, why, sizeof(why)),
		     VTG_TLSALPN_BAD_CERTIFICATE);
	cr_assert_str_eq(why, "unparsable");
	/* a flipped octet in the signed part: no chain validation, so this
	 * passes or fails on the extensions alone, and never crashes */
	for (int i = 0; i < len; i += 7) {
		memcpy(more, der, (size_t)len);
		more[i] ^= 0xff;
		enum vtg_tlsalpn_verdict r =
			vtg__tlsalpn_check(more, (size_t)len, "example.com", KA, why, sizeof(why));
		cr_assert(r == VTG_TLSALPN_PASS || r == VTG_TLSALPN_BAD_CERTIFICATE);
	}
	free(more);
	OPENSSL_free(der);

	static const unsigned char junk[] = {0x30, 0x82, 0xff, 0xff, 0x30, 0x03, 0x02, 0x01, 0x01};
	cr_assert_eq(vtg__tlsalpn_check(junk, sizeof(junk), "example.com", KA, why, sizeof(why)),
		     VTG_TLSALPN_BAD_CERTIFICATE);
	cr_assert_str_eq(why, "unparsable");
	cr_assert_eq(vtg__tlsalpn_check((const uint8_t *)"hello", 5, "example.com", KA, NULL, 0),
		     VTG_TLSALPN_BAD_CERTIFICATE);
}

Test(tlsalpn, invalid_requests)
{
	unsigned char *der = NULL;
	int len = make_cert(&(struct spec){.san = "DNS:example.com"}, &der);
	cr_assert_eq(vtg__tlsalpn_check(der, (size_t)len, "*.example.com", KA, why, sizeof(why)),
		     VTG_TLSALPN_INVALID);
	cr_assert_str_eq(why, "bad target");
	cr_assert_eq(vtg__tlsalpn_check(der, (size_t)len, NULL, KA, why, sizeof(why)),
		     VTG_TLSALPN_INVALID);
	cr_assert_eq(vtg__tlsalpn_check(der, (size_t)len, "example.com", "", why, sizeof(why)),
		     VTG_TLSALPN_INVALID);
	cr_assert_str_eq(why, "no key authorization");
	cr_assert_eq(vtg__tlsalpn_check(der, (size_t)len, "example.com", NULL, why, sizeof(why)),
		     VTG_TLSALPN_INVALID);
	OPENSSL_free(der);
	cr_assert_str_eq(vtg__tlsalpn_verdict_str(VTG_TLSALPN_PASS), "pass");
	cr_assert_str_eq(vtg__tlsalpn_verdict_str(VTG_TLSALPN_BAD_CERTIFICATE), "bad-certificate");
	cr_assert_str_eq(vtg__tlsalpn_verdict_str(VTG_TLSALPN_INVALID), "invalid-request");
}

/* ---- SNI, ALPN, evidence hash ---- */

Test(tlsalpn, sni)
{
	char out[VTG_TLSALPN_SNI_MAX];
	cr_assert_eq(vtg__tlsalpn_sni("Example.COM.", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "example.com");
	cr_assert_eq(vtg__tlsalpn_sni("192.0.2.1", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "1.2.0.192.in-addr.arpa");
	cr_assert_eq(vtg__tlsalpn_sni("4.3.2.1", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "1.2.3.4.in-addr.arpa");
	/* RFC 3596 2.5's example address */
	cr_assert_eq(vtg__tlsalpn_sni("2001:db8::567:89ab", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	cr_assert_eq(vtg__tlsalpn_sni("[::1]", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
	cr_assert_eq(strlen(out), 72u);

	cr_assert_eq(vtg__tlsalpn_sni("*.example.com", out, sizeof(out)), VTG_EWEB_TARGET);
	cr_assert_str_eq(out, "");
	cr_assert_eq(vtg__tlsalpn_sni("1.2.3", out, sizeof(out)), VTG_EWEB_TARGET);
	cr_assert_eq(vtg__tlsalpn_sni(NULL, out, sizeof(out)), VTG_EWEB_TARGET);
	cr_assert_eq(vtg__tlsalpn_sni("192.0.2.1", out, 22), VTG_EWIRE_SPACE);
	cr_assert_str_eq(out, "");
	cr_assert_eq(vtg__tlsalpn_sni("192.0.2.1", out, 23), 0);
}

Test(tlsalpn, alpn_protocol)
{
	cr_assert_eq(sizeof(VTG_TLSALPN_ALPN_WIRE) - 1, 11u);
	cr_assert_eq(VTG_TLSALPN_ALPN_WIRE[0], 10);
	cr_assert(vtg__tlsalpn_alpn_ok((const unsigned char *)"acme-tls/1", 10));
	cr_assert_not(vtg__tlsalpn_alpn_ok((const unsigned char *)"acme-tls/1", 9));
	cr_assert_not(vtg__tlsalpn_alpn_ok((const unsigned char *)"acme-tls/10", 11));
	cr_assert_not(vtg__tlsalpn_alpn_ok((const unsigned char *)"http/1.1", 8));
	cr_assert_not(vtg__tlsalpn_alpn_ok((const unsigned char *)"ACME-TLS/1", 10));
	cr_assert_not(vtg__tlsalpn_alpn_ok(NULL, 0));
}

Test(tlsalpn, cert_sha256_hex)
{
	char hex[VTG_TLSALPN_HEX];
	vtg__tlsalpn_cert_sha256((const uint8_t *)"abc", 3, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	vtg__tlsalpn_cert_sha256(NULL, 0, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	vtg__tlsalpn_cert_sha256(NULL, 5, hex);
	cr_assert_str_eq(hex, "");
}

/* open-mpic sends the acmeIdentifier value, not the key authorization */
Test(tlsalpn, digest_given)
{
	struct spec s = {.san = "DNS:example.com"};
	unsigned char *der = NULL;
	int len = make_cert(&s, &der);
	uint8_t md[VTG_TLSALPN_DIGEST];
	unsigned mdlen = 0;
	cr_assert_eq(EVP_Digest(KA, strlen(KA), md, &mdlen, EVP_sha256(), NULL), 1);
	cr_assert_eq(vtg__tlsalpn_check_digest(der, (size_t)len, "example.com", md, why,
					       sizeof(why)),
		     VTG_TLSALPN_PASS, "%s", why);
	md[31] ^= 1;
	cr_assert_eq(vtg__tlsalpn_check_digest(der, (size_t)len, "example.com", md, why,
					       sizeof(why)),
		     VTG_TLSALPN_BAD_CERTIFICATE);
	cr_assert_str_eq(why, "acmeIdentifier mismatch");
	cr_assert_eq(vtg__tlsalpn_check_digest(der, (size_t)len, "not a target!", md, why,
					       sizeof(why)),
		     VTG_TLSALPN_INVALID);
	OPENSSL_free(der);
}
