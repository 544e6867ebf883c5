/*
 * dcv.h — DNS-based domain control validation record checks (BR 3.2.2.4;
 * docs/rules.md section 11) as pure logic: which name and type to query for a
 * method, and whether one lookup answer for it passes. No I/O, no
 * allocation; the engine driver (or a replay test) makes the query from
 * vtg__dcv_query() and hands the answer to vtg__dcv_check().
 *
 * Methods (the TXT value of one RR is its character-strings concatenated,
 * RFC 8555 8.4; several RRs may exist and any one of them may pass):
 *   dns-01          TXT  _acme-challenge.<name> == expect   (BR 3.2.2.4.7)
 *   dns-account-01  TXT  _<b32>._acme-challenge.<name> == expect (3.2.2.4.21)
 *   dns-change      TXT  [<label>.]<name> == expect         (3.2.2.4.7; TXT
 *                   only: the BR also allows the value in a CNAME or CAA
 *                   record, vantage checks TXT)
 *   cname           CNAME [<label>.]<name> -> expect (name comparison)
 *   persist         TXT  _validation-persist.<name>, issue-value grammar,
 *                   issuer listed, accounturi, persistUntil (3.2.2.4.22)
 *   contact-email   TXT  _validation-contactemail.<name>   (3.2.2.4.14)
 *   contact-phone   TXT  _validation-contactphone.<name>   (3.2.2.4.16)
 *   reverse-lookup  PTR  <reverse name of an IP literal> -> expect, or any
 *                   name when there is no expect        (BR 3.2.2.5.3)
 * The two contact methods are sunsetting (SC-090, docs/rules.md section 14).
 *
 * Comparisons of TXT values are exact octets (case-sensitive, no trimming).
 * `seen` in the result is canonical so that perspectives can be compared
 * bytewise for corroboration (BR 3.2.2.9): the matched value for the TXT
 * methods, the account URI for persist, the lower-case target with a
 * trailing dot for cname and for reverse-lookup with an expected name, and
 * the sorted, de-duplicated list (one per line) of the valid contacts for
 * the contact methods and of the PTR names (lower case, trailing dot) for
 * reverse-lookup without one. A list longer than the seen buffer keeps the
 * longest sorted prefix that fits, whatever the order the RRs came in.
 */
#ifndef VTG_CAA_DCV_H
#define VTG_CAA_DCV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vantage.h"
#include "resolver/lookup.h"
#include "resolver/wire.h"

#define VTG_DCV_SEEN_MAX 512     /* seen buffer, NUL included */
#define VTG_DCV_VALUE_MAX 511    /* expect / account_uri must fit in seen */
#define VTG_DCV_RR_MAX 32        /* per-RR verdicts kept; more RRs are still checked */
#define VTG_DCV_SCRATCH 4096     /* a persist / contact TXT value assembled from
				  * several strings; longer values are "too-long"
				  * (an address is <= 254 octets, RFC 5321
				  * 4.5.3.1.3; a persist record is an issuer, an
				  * account URI and a timestamp) */
#define VTG_DCV_ACCOUNT_LABEL 18 /* "_" + 16 base32 characters + NUL */
#define VTG_DCV_IP_TEXT_MAX 45   /* longest IP literal: IPv6 with an embedded
				  * IPv4 (RFC 4291 2.2; INET6_ADDRSTRLEN - 1) */

enum vtg_dcv_method {
	VTG_DCV_DNS01 = 0,
	VTG_DCV_ACCOUNT01,
	VTG_DCV_CHANGE,
	VTG_DCV_CNAME,
	VTG_DCV_PERSIST,
	VTG_DCV_CONTACT_EMAIL,
	VTG_DCV_CONTACT_PHONE,
	VTG_DCV_REVERSE,        /* PTR of an IP target's reverse name (3.2.2.5.3) */
	/* over HTTP / TLS (runner/kind_web.c, caa/web.h), not a DNS record */
	VTG_DCV_HTTP01,         /* RFC 8555 8.3, BR 3.2.2.4.19 / 3.2.2.5.6 */
	VTG_DCV_WEBSITE_CHANGE, /* BR 3.2.2.4.18 / 3.2.2.5.1 */
	VTG_DCV_TLSALPN01,      /* RFC 8737, BR 3.2.2.4.20 / 3.2.2.5.7 */
};
#define VTG_DCV_METHOD_LAST VTG_DCV_TLSALPN01

/* "dns-01", "dns-account-01", "dns-change", "cname", "persist",
 * "contact-email", "contact-phone", "reverse-lookup", "http-01",
 * "website-change", "tls-alpn-01" */
const char *vtg__dcv_method_str(enum vtg_dcv_method m);

/* Inverse of vtg__dcv_method_str (exact, lower case). 0 or VTG_EDCV_METHOD. */
int vtg__dcv_method_parse(const char *s, enum vtg_dcv_method *m);

/* True for the methods validated over HTTP / TLS (http-01, website-change,
 * tls-alpn-01): runner/kind_web.c runs them, vtg__dcv_query refuses them. */
bool vtg__dcv_method_web(enum vtg_dcv_method m);

/* True for the methods SC-090 sunsets (contact-email, contact-phone). */
bool vtg__dcv_method_sunsetting(enum vtg_dcv_method m);

/*
 * What the CA asks. Fields a method does not use are ignored, except
 * `label`: a label given to a method that fixes its own name is rejected
 * (the caller evidently expects a different query name).
 */
struct vtg_dcv_request {
	enum vtg_dcv_method method;
	const char *expect;      /* dns-01 / account-01: the digest; dns-change:
				  * the random value; cname: the target name;
				  * reverse-lookup: the FQDN a PTR must name,
				  * or NULL for any */
	const char *label;       /* dns-change / cname: "_x" or NULL (the name) */
	const char *account_uri; /* dns-account-01 and persist */
	const char *const *issuers; /* persist: the CA's issuer domain names */
	size_t n_issuers;
	int64_t now;             /* persist: check time, Unix seconds */
	const char *http_path;   /* website-change: the file name under
				  * /.well-known/pki-validation/ */
	bool https;              /* website-change: fetch with https */
};

/*
 * The query to make: out receives the wire qname (prefix labels + the base
 * name, which the caller passes without any "*."), *qtype TXT, CNAME or
 * PTR. name_wire must be a valid uncompressed wire name; for
 * reverse-lookup it is the reverse name vtg__dcv_reverse_name made (the
 * query is PTR of it as it is). Returns 0, VTG_EWIRE_NAME_LEN when the
 * prefixed name would exceed 255 octets (never truncated), VTG_EDCV_LABEL
 * for a bad label, VTG_EDCV_REQUEST when the request lacks a field its
 * method needs (or a value is longer than VTG_DCV_VALUE_MAX), VTG_EWIRE_*
 * when a cname / reverse-lookup expected name does not encode,
 * VTG_EDCV_TARGET when a reverse-lookup name is not below in-addr.arpa or
 * ip6.arpa, or VTG_EDCV_METHOD (the web methods).
 */
int vtg__dcv_query(const struct vtg_dcv_request *rq, const uint8_t *name_wire,
		   uint8_t out[VTG_DNS_MAX_NAME], uint16_t *qtype);

/* The same request checks as vtg__dcv_query, without a name. */
int vtg__dcv_request_check(const struct vtg_dcv_request *rq);

/*
 * The reverse-lookup target: the IP literal ip[0..len) (not NUL-terminated;
 * dotted-quad IPv4 without leading zeros, or IPv6 text as inet_pton takes
 * it, RFC 4291 2.2; no brackets, zone index, prefix length, white space or
 * trailing dot) to its reverse name in wire form: the four octets in
 * reverse order under in-addr.arpa (RFC 1035 3.5), or the 32 nibbles in
 * reverse order, lower-case hex, under ip6.arpa (RFC 3596 2.5). Returns the
 * wire length, or VTG_EDCV_TARGET when ip is not such a literal.
 */
int vtg__dcv_reverse_name(const char *ip, size_t len, uint8_t wire[VTG_DNS_MAX_NAME]);

enum vtg_dcv_outcome {
	VTG_DCV_PASS = 0,
	VTG_DCV_NO_RECORD,      /* NXDOMAIN, or no RR of the type */
	VTG_DCV_MISMATCH,       /* records present, none passes */
	VTG_DCV_LOOKUP_FAILURE,
	VTG_DCV_DNSSEC_BOGUS,
};

/* "pass", "no-record", "mismatch", "lookup-failure", "dnssec-bogus" */
const char *vtg__dcv_outcome_str(enum vtg_dcv_outcome o);

/* Why one RR did or did not pass. */
enum vtg_dcv_rr {
	VTG_DCV_RR_MATCH = 0,
	VTG_DCV_RR_MISMATCH,         /* well-formed, other value / target
				      * (reverse-lookup without an expected
				      * name: a PTR to the root, no FQDN) */
	VTG_DCV_RR_BAD_RDATA,        /* TXT string or CNAME / PTR name runs past RDATA,
				      * or the name holds a compression pointer
				      * (answers carry names uncompressed,
				      * lookup.h: the backend broke that) */
	VTG_DCV_RR_TOO_LONG,         /* value over VTG_DCV_SCRATCH octets;
				      * reverse-lookup: a PTR name whose text
				      * is over 253 characters (escapes) */
	VTG_DCV_RR_MALFORMED,        /* persist: breaks the issue-value grammar */
	VTG_DCV_RR_WRONG_ISSUER,     /* persist: issuer absent or not the CA's */
	VTG_DCV_RR_NO_ACCOUNTURI,    /* persist */
	VTG_DCV_RR_ACCOUNTURI_MISMATCH, /* persist */
	VTG_DCV_RR_BAD_PERSISTUNTIL, /* persist: not base-10 digits, overflow,
				      * or given twice */
	VTG_DCV_RR_EXPIRED,          /* persist: now > persistUntil */
	VTG_DCV_RR_NOT_EMAIL,        /* contact-email */
	VTG_DCV_RR_NOT_PHONE,        /* contact-phone */
};

/* "match", "mismatch", "bad-rdata", "too-long", "malformed", "wrong-issuer",
 * "no-accounturi", "accounturi-mismatch", "bad-persistuntil", "expired",
 * "not-email", "not-phone" */
const char *vtg__dcv_rr_str(enum vtg_dcv_rr r);

struct vtg_dcv_result {
	enum vtg_dcv_outcome outcome;
	enum vtg_dnssec dnssec;  /* of the answer, for the BR 5.4.1 record */
	char detail[256];        /* "" on pass; e.g. "persist: accounturi-mismatch",
				  * "lookup-failure: timeout" */
	char seen[VTG_DCV_SEEN_MAX]; /* canonical observed value, "" when none */
	unsigned n_records;      /* RRs examined */
	int matched;             /* index of the (first) passing RR, or -1 */
	uint8_t rr[VTG_DCV_RR_MAX]; /* enum vtg_dcv_rr of RR i < n_records */
};

/*
 * Evaluate one lookup answer for the query vtg__dcv_query made. Bogus ->
 * DNSSEC_BOGUS; ans->fail (or an rcode other than NOERROR / NXDOMAIN) ->
 * LOOKUP_FAILURE with the failure named; NXDOMAIN or no RRs -> NO_RECORD;
 * otherwise PASS when some RR passes, else MISMATCH with every RR's reason
 * in detail (as many as fit). Returns 0, or the vtg__dcv_request_check
 * error for an invalid request; out then says MISMATCH with the error in
 * detail (never PASS).
 */
int vtg__dcv_check(const struct vtg_dcv_request *rq,
		   const struct vtg_lookup_answer *ans, struct vtg_dcv_result *out);

/*
 * One TXT RDATA's character-strings concatenated into out (NUL-terminated;
 * octets are copied as they are, NUL included). Returns the value length,
 * VTG_EWIRE_RDATA when a string length runs past the RDATA or the RDATA is
 * empty (RFC 1035 3.3.14: one or more strings), or VTG_EWIRE_SPACE when
 * out cannot hold value + NUL (out[0] is then "" when cap > 0).
 */
int vtg__txt_concat(const uint8_t *rdata, size_t len, char *out, size_t cap);

/*
 * The dns-account-01 label (BR 3.2.2.4.21): "_" followed by the lower-case
 * RFC 4648 base32 (no padding) of the first 10 octets of
 * SHA-256(account_uri), 16 characters; NUL-terminated. Returns 0,
 * VTG_EDCV_REQUEST (NULL or empty URI) or -EIO (digest failure).
 */
int vtg__dcv_account_label(const char *account_uri, char out[VTG_DCV_ACCOUNT_LABEL]);

#endif
