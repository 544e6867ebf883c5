/*
 * tlsalpn.c — the tls-alpn-01 certificate check and SNI (tlsalpn.h).
 *
 * The certificate is hostile input: OpenSSL decodes it (d2i_X509, whose
 * decoder bounds every read by the length given), and this file only walks
 * the decoded extensions. The extensions are counted by hand rather than
 * through X509_get_ext_d2i, so that a second subjectAltName or
 * acmeIdentifier is named as such instead of looking absent. The
 * acmeIdentifier is found by its OID's DER octets, so no OpenSSL object
 * needs registering (OpenSSL 3.0 has no NID for it).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/text.h"
#include "caa/tlsalpn.h"
#include "caa/web.h"

/* 1.3.6.1.5.5.7.1.31 in DER, without tag and length (X.690 8.19) */
static const unsigned char acme_oid[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f};

/* The acmeIdentifier's extnValue: OCTET STRING (0x04), length 32, digest */
#define ACME_VALUE_LEN (2 + VTG_TLSALPN_DIGEST)

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int vtg__tlsalpn_sni(const char *target, char *out, size_t cap)
{
	char host[VTG_WEB_HOST_MAX + 1];
	char name[VTG_WEB_HOST_MAX + 1]; /* checked against cap at the end */
	unsigned char a[16];
	bool ip = false;
	int fam = 0;

	if (out != NULL && cap > 0)
		out[0] = '\0';
	if (target == NULL)
		return VTG_EWEB_TARGET;
	int rc = vtg__web_target_parse(target, strlen(target), host, sizeof(host), &ip, &fam);
	if (rc != 0)
		return rc == VTG_EWIRE_SPACE ? VTG_EWEB_TARGET : rc;
	if (!ip) {
		memcpy(name, host, strlen(host) + 1); /* <= 253 characters */
	} else if (fam == AF_INET) {
		if (inet_pton(AF_INET, host, a) != 1)
			return VTG_EWEB_TARGET;
		/* RFC 8738 6 (RFC 1035 3.5): the octets reversed */
		snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
	} else {
		static const char hex[] = "0123456789abcdef";
		size_t o = 0;
		if (inet_pton(AF_INET6, host, a) != 1)
			return VTG_EWEB_TARGET;
		/* RFC 8738 6 (RFC 3596 2.5): the 32 nibbles reversed */
		for (int i = 15; i >= 0; i--) {
			name[o++] = hex[a[i] & 15];
			name[o++] = '.';
			name[o++] = hex[a[i] >> 4];
			name[o++] = '.';
		}
		memcpy(name + o, "ip6.arpa", sizeof("ip6.arpa"));
	}
	size_t n = strlen(name);
	if (out == NULL || n + 1 > cap)
		return VTG_EWIRE_SPACE;
	memcpy(out, name, n + 1);
	return 0;
}

bool vtg__tlsalpn_alpn_ok(const unsigned char *proto, size_t len)
{
	return proto != NULL && len == sizeof(VTG_TLSALPN_ALPN) - 1 &&
	       memcmp(proto, VTG_TLSALPN_ALPN, len) == 0;
}

const char *vtg__tlsalpn_verdict_str(enum vtg_tlsalpn_verdict v)
{
	switch (v) {
	case VTG_TLSALPN_PASS: return "pass";
	case VTG_TLSALPN_BAD_CERTIFICATE: return "bad-certificate";
	case VTG_TLSALPN_INVALID: return "invalid-request";
	}
	return "unknown";
}

static bool is_acme_oid(const ASN1_OBJECT *obj)
{
	return obj != NULL && OBJ_length(obj) == sizeof(acme_oid) &&
	       memcmp(OBJ_get0_data(obj), acme_oid, sizeof(acme_oid)) == 0;
}

/* The one SAN entry names the target? */
static bool san_is_target(const GENERAL_NAME *gn, const char *host, bool ip, int fam)
{
	if (ip) {
		unsigned char a[16];
		size_t alen = fam == AF_INET ? 4 : 16;
		if (gn->type != GEN_IPADD || inet_pton(fam, host, a) != 1)
			return false;
		const ASN1_OCTET_STRING *s = gn->d.iPAddress;
		return s != NULL && (size_t)ASN1_STRING_length(s) == alen &&
		       memcmp(ASN1_STRING_get0_data(s), a, alen) == 0;
	}
	if (gn->type != GEN_DNS || gn->d.dNSName == NULL)
		return false;
	const ASN1_IA5STRING *s = gn->d.dNSName;
	size_t hl = strlen(host);
	if (ASN1_STRING_length(s) < 0 || (size_t)ASN1_STRING_length(s) != hl)
		return false;
	const unsigned char *d = ASN1_STRING_get0_data(s);
	for (size_t i = 0; i < hl; i++)
		if (lower((char)d[i]) != host[i]) /* host is lower-case already */
			return false;
	return true;
}

enum vtg_tlsalpn_verdict vtg__tlsalpn_check(const uint8_t *der, size_t der_len, const char *target,
					    const char *keyauth, char *why, size_t whycap)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	vtg__say(why, whycap, "%s", "");
	if (keyauth == NULL || keyauth[0] == '\0') {
		vtg__say(why, whycap, "no key authorization");
		return VTG_TLSALPN_INVALID;
	}
	if (EVP_Digest(keyauth, strlen(keyauth), md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != VTG_TLSALPN_DIGEST) {
		vtg__say(why, whycap, "digest failed");
		return VTG_TLSALPN_INVALID;
	}
	return vtg__tlsalpn_check_digest(der, der_len, target, md, why, whycap);
}

enum vtg_tlsalpn_verdict vtg__tlsalpn_check_digest(const uint8_t *der, size_t der_len,
						   const char *target,
						   const uint8_t md[VTG_TLSALPN_DIGEST], char *why,
						   size_t whycap)
{
	char host[VTG_WEB_HOST_MAX + 1];
	bool ip = false;
	int fam = 0;
	enum vtg_tlsalpn_verdict verdict = VTG_TLSALPN_BAD_CERTIFICATE;

	vtg__say(why, whycap, "%s", "");
	if (target == NULL ||
	    vtg__web_target_parse(target, strlen(target), host, sizeof(host), &ip, &fam) != 0) {
		vtg__say(why, whycap, "bad target");
		return VTG_TLSALPN_INVALID;
	}

	/* d2i takes a long; one DER Certificate and nothing after it */
	if (der == NULL || der_len == 0 || der_len > (size_t)0x7fffffff) {
		vtg__say(why, whycap, "unparsable");
		return VTG_TLSALPN_BAD_CERTIFICATE;
	}
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)der_len);
	if (x == NULL || p != der + der_len) {
		vtg__say(why, whycap, "unparsable");
		X509_free(x);
		return VTG_TLSALPN_BAD_CERTIFICATE;
	}

	const X509_EXTENSION *san = NULL, *acme = NULL;
	int n_san = 0, n_acme = 0;
	int n_ext = X509_get_ext_count(x);
	for (int i = 0; i < n_ext; i++) {
		const X509_EXTENSION *e = X509_get_ext(x, i);
		const ASN1_OBJECT *obj = e ? X509_EXTENSION_get_object((X509_EXTENSION *)e) : NULL;
		if (obj == NULL)
			continue;
		if (OBJ_obj2nid(obj) == NID_subject_alt_name) {
			n_san++;
			san = e;
		} else if (is_acme_oid(obj)) {
			n_acme++;
			acme = e;
		}
	}

	/* RFC 8737 3: exactly one subjectAltName entry, the identifier */
	if (n_san == 0) {
		vtg__say(why, whycap, "no subjectAltName");
		goto out;
	}
	if (n_san > 1) {
		/* RFC 5280 4.2: an extension appears at most once */
		vtg__say(why, whycap, "%d subjectAltName extensions", n_san);
		goto out;
	}
	GENERAL_NAMES *names = X509V3_EXT_d2i((X509_EXTENSION *)san);
	if (names == NULL) {
		vtg__say(why, whycap, "subjectAltName unparsable");
		goto out;
	}
	int n_names = sk_GENERAL_NAME_num(names);
	if (n_names != 1) {
		vtg__say(why, whycap, "%d subjectAltName entries", n_names);
		GENERAL_NAMES_free(names);
		goto out;
	}
	bool match = san_is_target(sk_GENERAL_NAME_value(names, 0), host, ip, fam);
	GENERAL_NAMES_free(names);
	if (!match) {
		vtg__say(why, whycap, "subjectAltName is not %s", host);
		goto out;
	}

	/* RFC 8737 3: the critical acmeIdentifier holding SHA-256(keyauth) */
	if (n_acme == 0) {
		vtg__say(why, whycap, "no acmeIdentifier");
		goto out;
	}
	if (n_acme > 1) {
		vtg__say(why, whycap, "%d acmeIdentifier extensions", n_acme);
		goto out;
	}
	if (X509_EXTENSION_get_critical(acme) != 1) {
		vtg__say(why, whycap, "acmeIdentifier not critical");
		goto out;
	}
	const ASN1_OCTET_STRING *val = X509_EXTENSION_get_data((X509_EXTENSION *)acme);
	const unsigned char *v = val ? ASN1_STRING_get0_data(val) : NULL;
	/* RFC 8737 3: Authorization ::= OCTET STRING (SIZE (32)), DER: tag 4,
	 * length 32 in short form, the digest, nothing after it */
	if (v == NULL || ASN1_STRING_length(val) != ACME_VALUE_LEN || v[0] != 0x04 ||
	    v[1] != VTG_TLSALPN_DIGEST) {
		vtg__say(why, whycap, "acmeIdentifier not an OCTET STRING of 32 octets");
		goto out;
	}
	if (CRYPTO_memcmp(v + 2, md, VTG_TLSALPN_DIGEST) != 0) {
		vtg__say(why, whycap, "acmeIdentifier mismatch");
		goto out;
	}
	verdict = VTG_TLSALPN_PASS;
out:
	X509_free(x);
	return verdict;
}

void vtg__tlsalpn_cert_sha256(const uint8_t *der, size_t len, char hex[VTG_TLSALPN_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	hex[0] = '\0';
	if (der == NULL && len > 0)
		return;
	if (EVP_Digest(der ? (const void *)der : "", len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != VTG_TLSALPN_DIGEST)
		return;
	for (unsigned i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * mdlen] = '\0';
}
