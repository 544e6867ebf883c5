/*
 * tlsalpn.h — the pure logic of tls-alpn-01 (RFC 8737 section 3; IP
 * targets RFC 8738 section 6; BR 3.2.2.4.20 / 3.2.2.5.7): the SNI to send,
 * the ALPN protocol to offer and whether the certificate the server
 * presented passes. No socket and no TLS: the engine connects to port 443,
 * offers VTG_TLSALPN_ALPN_WIRE (TLS 1.2 or later, RFC 8737 3), checks the
 * negotiated protocol with vtg__tlsalpn_alpn_ok and hands the leaf
 * certificate's DER to vtg__tlsalpn_check. The certificate is a
 * self-signed challenge certificate: no chain is built or validated, only
 * its subjectAltName and acmeIdentifier extension are examined.
 *
 * OpenSSL parses the DER (d2i_X509): arbitrary octets are safe to pass.
 */
#ifndef VTG_CAA_TLSALPN_H
#define VTG_CAA_TLSALPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 8737 6.1: id-pe-acmeIdentifier, { id-pe 31 } */
#define VTG_TLSALPN_OID "1.3.6.1.5.5.7.1.31"
/* RFC 8737 6.2: the ALPN protocol ID */
#define VTG_TLSALPN_ALPN "acme-tls/1"
/* The same as an ALPN protocol list (RFC 7301 3.1: a length octet, then
 * the name), for SSL_set_alpn_protos; sizeof - 1 is its length. */
#define VTG_TLSALPN_ALPN_WIRE "\x0a" VTG_TLSALPN_ALPN
/* The SNI buffer: a host name (253 characters) or the longest reverse name,
 * IPv6's 32 nibbles + "ip6.arpa" (72 characters), + NUL. */
#define VTG_TLSALPN_SNI_MAX 254
/* The acmeIdentifier value: SHA-256 of the key authorization (RFC 8737 3) */
#define VTG_TLSALPN_DIGEST 32
/* Lower-case hex of a SHA-256 + NUL (the evidence's certificate hash). */
#define VTG_TLSALPN_HEX 65
/* The `why` texts of vtg__tlsalpn_check fit in this much. */
#define VTG_TLSALPN_WHY_MAX 256

/*
 * The server name to send: a host name as it is (lower-cased, without a
 * trailing dot), an IP literal as its reverse name without the trailing dot
 * (RFC 8738 6: "4.3.2.1.in-addr.arpa", "b.a.9.8...ip6.arpa"). Returns 0,
 * VTG_EWEB_TARGET (not a target, vtg__web_target_parse) or VTG_EWIRE_SPACE
 * (cap too small; out is then "" when cap > 0).
 */
int vtg__tlsalpn_sni(const char *target, char *out, size_t cap);

/* Was the protocol the server selected acme-tls/1 (exactly)? */
bool vtg__tlsalpn_alpn_ok(const unsigned char *proto, size_t len);

enum vtg_tlsalpn_verdict {
	VTG_TLSALPN_PASS = 0,
	VTG_TLSALPN_BAD_CERTIFICATE, /* why says which rule failed */
	VTG_TLSALPN_INVALID,         /* the request, not the certificate: target
				      * or key authorization unusable, or the
				      * digest could not be computed */
};

/* "pass", "bad-certificate", "invalid-request" */
const char *vtg__tlsalpn_verdict_str(enum vtg_tlsalpn_verdict v);

/*
 * Does the leaf certificate (der, der_len octets, exactly one DER
 * Certificate and nothing after it) pass for target and the key
 * authorization keyauth? RFC 8737 3, RFC 8738 6:
 *   - a subjectAltName extension (one, RFC 5280 4.2) with exactly one
 *     entry: for a host name the dNSName equal to it (ASCII case aside),
 *     for an IP target the iPAddress of the same address;
 *   - the id-pe-acmeIdentifier extension, once, marked critical, whose
 *     value is the DER of an OCTET STRING of exactly 32 octets equal to
 *     SHA-256(keyauth).
 * why receives "" on PASS, else one of: "unparsable", "no subjectAltName",
 * "2 subjectAltName extensions", "subjectAltName unparsable", "N
 * subjectAltName entries", "subjectAltName is not TARGET", "no
 * acmeIdentifier", "2 acmeIdentifier extensions", "acmeIdentifier not
 * critical", "acmeIdentifier not an OCTET STRING of 32 octets",
 * "acmeIdentifier mismatch", or for INVALID "bad target" / "no key
 * authorization" / "digest failed".
 */
enum vtg_tlsalpn_verdict vtg__tlsalpn_check(const uint8_t *der, size_t der_len, const char *target,
					    const char *keyauth, char *why, size_t whycap);

/* The same with the acmeIdentifier value given (SHA-256 of the key
 * authorization, as open-mpic's API sends it: mpic/openmpic.h) instead of the
 * key authorization. */
enum vtg_tlsalpn_verdict vtg__tlsalpn_check_digest(const uint8_t *der, size_t der_len,
						   const char *target,
						   const uint8_t md[VTG_TLSALPN_DIGEST], char *why,
						   size_t whycap);

/* SHA-256 of the octets (the certificate's DER as received) in lower-case
 * hex, for the evidence; "" if the digest fails. */
void vtg__tlsalpn_cert_sha256(const uint8_t *der, size_t len, char hex[VTG_TLSALPN_HEX]);

#endif
