/*
 * dcv.c — DNS-based DCV record checks (BR 3.2.2.4; docs/rules.md section 11). See
 * dcv.h for the contract. Everything reads only inside the RDATA handed in:
 * a TXT RDATA is walked once for structure before any value is looked at,
 * a CNAME RDATA's name is checked label by label against its length, and a
 * malformed RR is a "bad-rdata" verdict, never a match. There is no message
 * here to resolve a compression pointer against: every lookup backend hands
 * out RDATA names uncompressed (lookup.h; stub mode through
 * vtg__rdata_uncompress), so a pointer is bad-rdata, never followed.
 *
 * Choices where the sources leave room (docs/rules.md sections 11, 12):
 * - persist: accounturi compared as exact octets (Boulder; open-mpic
 *   lowercases); parameter keys compared ASCII case-insensitively
 *   (persistUntil / persistuntil, servercert #675; Boulder lowercases keys);
 *   issuer names case-insensitively (docs/rules.md section 3); a second accounturi
 *   makes the record malformed and a second persistUntil makes it
 *   bad-persistuntil (ambiguous records fail closed); policy=wildcard is not
 *   required (the BR does not ask for it).
 * - contact-email: a pragmatic RFC 6532 3.2 addr-spec, see email_valid().
 * - contact-phone: RFC 3966 5.1.4 global-number-digits, see phone_canon().
 * - reverse-lookup (BR 3.2.2.5.3): the PTR RRs of the end of the alias
 *   chain (an RFC 2317 classless delegation is a CNAME the lookup already
 *   followed) are checked like a cname target; without an expected name
 *   every well-formed PTR passes and seen lists them, except a PTR to the
 *   root, which names no domain to validate.
 * - IP literals through inet_pton (pure text parsing, no socket): glibc
 *   refuses IPv4 octets with leading zeros, which other parsers read as
 *   octal, so "010.0.0.1" is refused rather than guessed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "caa/caa.h"
#include "caa/dcv.h"

#define ACCOUNT_HASH_OCTETS 10  /* BR 3.2.2.4.21: first 10 octets of SHA-256 */
#define EMAIL_MAX 254           /* RFC 5321 4.5.3.1.3 path 256 minus "<>" */
#define EMAIL_LOCAL_MAX 64      /* RFC 5321 4.5.3.1.1 */
#define PHONE_DIGITS_MAX 15     /* ITU-T E.164 section 6: at most 15 digits */
#define SEEN_ELEM_MAX 254       /* one element of a seen list: an address
				 * (EMAIL_MAX), a number, or a name's text
				 * with its dot (VTG_DNS_MAX_TEXT) */

static const char LABEL_ACME[] = "_acme-challenge";      /* RFC 8555 8.4 */
static const char LABEL_PERSIST[] = "_validation-persist"; /* BR 3.2.2.4.22 */
static const char LABEL_EMAIL[] = "_validation-contactemail"; /* BR A.2.1 */
static const char LABEL_PHONE[] = "_validation-contactphone"; /* BR A.2.2 */

const char *vtg__dcv_method_str(enum vtg_dcv_method m)
{
	switch (m) {
	case VTG_DCV_DNS01: return "dns-01";
	case VTG_DCV_ACCOUNT01: return "dns-account-01";
	case VTG_DCV_CHANGE: return "dns-change";
	case VTG_DCV_CNAME: return "cname";
	case VTG_DCV_PERSIST: return "persist";
	case VTG_DCV_CONTACT_EMAIL: return "contact-email";
	case VTG_DCV_CONTACT_PHONE: return "contact-phone";
	case VTG_DCV_REVERSE: return "reverse-lookup";
	case VTG_DCV_HTTP01: return "http-01";
	case VTG_DCV_WEBSITE_CHANGE: return "website-change";
	case VTG_DCV_TLSALPN01: return "tls-alpn-01";
	}
	return "unknown";
}

int vtg__dcv_method_parse(const char *s, enum vtg_dcv_method *m)
{
	if (s == NULL)
		return VTG_EDCV_METHOD;
	for (int i = VTG_DCV_DNS01; i <= VTG_DCV_METHOD_LAST; i++) {
		if (strcmp(s, vtg__dcv_method_str((enum vtg_dcv_method)i)) == 0) {
			*m = (enum vtg_dcv_method)i;
			return 0;
		}
	}
	return VTG_EDCV_METHOD;
}

bool vtg__dcv_method_web(enum vtg_dcv_method m)
{
	return m == VTG_DCV_HTTP01 || m == VTG_DCV_WEBSITE_CHANGE || m == VTG_DCV_TLSALPN01;
}

bool vtg__dcv_method_sunsetting(enum vtg_dcv_method m)
{
	/* SC-090: SHOULD NOT from 2026-03-15; .16 MUST NOT from 2027-03-15,
	 * .14 from 2028-03-15 (docs/rules.md section 14) */
	return m == VTG_DCV_CONTACT_EMAIL || m == VTG_DCV_CONTACT_PHONE;
}

const char *vtg__dcv_outcome_str(enum vtg_dcv_outcome o)
{
	switch (o) {
	case VTG_DCV_PASS: return "pass";
	case VTG_DCV_NO_RECORD: return "no-record";
	case VTG_DCV_MISMATCH: return "mismatch";
	case VTG_DCV_LOOKUP_FAILURE: return "lookup-failure";
	case VTG_DCV_DNSSEC_BOGUS: return "dnssec-bogus";
	}
	return "lookup-failure";
}

const char *vtg__dcv_rr_str(enum vtg_dcv_rr r)
{
	switch (r) {
	case VTG_DCV_RR_MATCH: return "match";
	case VTG_DCV_RR_MISMATCH: return "mismatch";
	case VTG_DCV_RR_BAD_RDATA: return "bad-rdata";
	case VTG_DCV_RR_TOO_LONG: return "too-long";
	case VTG_DCV_RR_MALFORMED: return "malformed";
	case VTG_DCV_RR_WRONG_ISSUER: return "wrong-issuer";
	case VTG_DCV_RR_NO_ACCOUNTURI: return "no-accounturi";
	case VTG_DCV_RR_ACCOUNTURI_MISMATCH: return "accounturi-mismatch";
	case VTG_DCV_RR_BAD_PERSISTUNTIL: return "bad-persistuntil";
	case VTG_DCV_RR_EXPIRED: return "expired";
	case VTG_DCV_RR_NOT_EMAIL: return "not-email";
	case VTG_DCV_RR_NOT_PHONE: return "not-phone";
	}
	return "unknown";
}

/* ---- TXT RDATA (RFC 1035 3.3.14) ---- */

/* Length of the concatenated value, or VTG_EWIRE_RDATA when a string runs past the
 * RDATA or there is no string at all. */
static long txt_value_len(const uint8_t *rd, size_t len)
{
	if (rd == NULL || len == 0)
		return VTG_EWIRE_RDATA;
	size_t i = 0, total = 0;
	while (i < len) {
		size_t l = rd[i];
		if (l > len - i - 1)
			return VTG_EWIRE_RDATA;
		total += l;
		i += 1 + l;
	}
	return (long)total;
}

int vtg__txt_concat(const uint8_t *rdata, size_t len, char *out, size_t cap)
{
	if (cap > 0)
		out[0] = '\0';
	long total = txt_value_len(rdata, len);
	if (total < 0)
		return VTG_EWIRE_RDATA;
	if ((size_t)total >= cap)
		return VTG_EWIRE_SPACE;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 1 + (size_t)rdata[i]) {
		memcpy(out + o, rdata + i + 1, rdata[i]);
		o += rdata[i];
	}
	out[o] = '\0';
	return (int)o;
}

/* Exact octet comparison of the concatenated value with v, without
 * assembling it (the RDATA was checked by txt_value_len). */
static bool txt_equals(const uint8_t *rd, size_t len, const char *v, size_t vlen)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i += 1 + (size_t)rd[i]) {
		size_t l = rd[i];
		if (l > vlen - o || memcmp(rd + i + 1, v + o, l) != 0)
			return false;
		o += l;
	}
	return o == vlen;
}

/* ---- requests and query names ---- */

static bool label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* BR 3.2.2.4.7: "a Domain Label that begins with an underscore". vantage
 * takes exactly one label: "_" then 1-62 of LDH or "_" (no dot, no escapes). */
static int label_check(const char *label)
{
	size_t n = strnlen(label, VTG_DNS_MAX_LABEL + 1);
	if (n < 2 || n > VTG_DNS_MAX_LABEL || label[0] != '_')
		return VTG_EDCV_LABEL;
	for (size_t i = 1; i < n; i++)
		if (!label_char((unsigned char)label[i]))
			return VTG_EDCV_LABEL;
	return 0;
}

static bool value_ok(const char *v)
{
	if (v == NULL)
		return false;
	size_t n = strnlen(v, VTG_DCV_VALUE_MAX + 1);
	return n >= 1 && n <= VTG_DCV_VALUE_MAX;
}

int vtg__dcv_request_check(const struct vtg_dcv_request *rq)
{
	if (rq == NULL)
		return VTG_EDCV_REQUEST;
	enum vtg_dcv_method m = rq->method;
	if ((int)m < VTG_DCV_DNS01 || m > VTG_DCV_METHOD_LAST)
		return VTG_EDCV_METHOD;
	if (rq->label != NULL) {
		if (m != VTG_DCV_CHANGE && m != VTG_DCV_CNAME)
			return VTG_EDCV_LABEL;
		int rc = label_check(rq->label);
		if (rc < 0)
			return rc;
	}
	switch (m) {
	case VTG_DCV_ACCOUNT01:
		if (!value_ok(rq->account_uri))
			return VTG_EDCV_REQUEST;
		__attribute__((fallthrough));
	case VTG_DCV_DNS01:
	case VTG_DCV_CHANGE:
		if (!value_ok(rq->expect))
			return VTG_EDCV_REQUEST;
		break;
	case VTG_DCV_CNAME: {
		if (!value_ok(rq->expect))
			return VTG_EDCV_REQUEST;
		uint8_t w[VTG_DNS_MAX_NAME];
		int rc = vtg__name_from_text(w, rq->expect, strlen(rq->expect));
		if (rc < 0)
			return rc;
		break;
	}
	case VTG_DCV_PERSIST:
		if (!value_ok(rq->account_uri) || rq->issuers == NULL ||
		    rq->n_issuers == 0)
			return VTG_EDCV_REQUEST;
		for (size_t i = 0; i < rq->n_issuers; i++)
			if (rq->issuers[i] == NULL || rq->issuers[i][0] == '\0')
				return VTG_EDCV_REQUEST;
		break;
	case VTG_DCV_REVERSE: {       /* the expected name is optional */
		if (rq->expect == NULL)
			break;
		if (!value_ok(rq->expect))
			return VTG_EDCV_REQUEST; /* "" is not "any name" */
		uint8_t w[VTG_DNS_MAX_NAME];
		int rc = vtg__name_from_text(w, rq->expect, strlen(rq->expect));
		if (rc < 0)
			return rc;
		if (rc == 1)
			return VTG_EDCV_REQUEST; /* the root is no FQDN */
		break;
	}
	case VTG_DCV_CONTACT_EMAIL:
	case VTG_DCV_CONTACT_PHONE:
		break;
	case VTG_DCV_HTTP01:          /* the key authorization */
	case VTG_DCV_WEBSITE_CHANGE:  /* the random value */
	case VTG_DCV_TLSALPN01:       /* the key authorization */
		if (!value_ok(rq->expect))
			return VTG_EDCV_REQUEST;
		break;
	}
	return 0;
}

int vtg__dcv_account_label(const char *account_uri, char out[VTG_DCV_ACCOUNT_LABEL])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567"; /* RFC 4648 6 */
	out[0] = '\0';
	if (account_uri == NULL || account_uri[0] == '\0')
		return VTG_EDCV_REQUEST;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(account_uri, strlen(account_uri), md, &mdlen, EVP_sha256(),
		       NULL) != 1 || mdlen < ACCOUNT_HASH_OCTETS)
		return -EIO;
	/* 10 octets = 80 bits = 16 groups of 5 bits: no padding needed */
	size_t o = 0;
	out[o++] = '_';
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < ACCOUNT_HASH_OCTETS; i++) {
		acc = (acc << 8) | md[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32[(acc >> bits) & 0x1f];
		}
	}
	out[o] = '\0';
	return 0;
}

static int put_label(uint8_t *out, size_t *pos, const char *label)
{
	size_t l = strlen(label);
	if (l > VTG_DNS_MAX_LABEL)
		return VTG_EWIRE_LABEL_LEN;
	if (*pos + 1 + l > VTG_DNS_MAX_NAME)
		return VTG_EWIRE_NAME_LEN;
	out[(*pos)++] = (uint8_t)l;
	memcpy(out + *pos, label, l);
	*pos += l;
	return 0;
}

/* ---- reverse names (RFC 1035 3.5, RFC 3596 2.5) ---- */

/* "\x07in-addr\x04arpa\x00" and "\x03ip6\x04arpa\x00" */
static const uint8_t ARPA_V4[] = {7, 'i', 'n', '-', 'a', 'd', 'd', 'r', 4, 'a', 'r', 'p', 'a', 0};
static const uint8_t ARPA_V6[] = {3, 'i', 'p', '6', 4, 'a', 'r', 'p', 'a', 0};

int vtg__dcv_reverse_name(const char *ip, size_t len, uint8_t wire[VTG_DNS_MAX_NAME])
{
	static const char hex[] = "0123456789abcdef";
	char text[VTG_DCV_IP_TEXT_MAX + 1];
	if (ip == NULL || len == 0 || len > VTG_DCV_IP_TEXT_MAX || memchr(ip, '\0', len))
		return VTG_EDCV_TARGET;
	memcpy(text, ip, len);
	text[len] = '\0';
	uint8_t a[16];
	size_t o = 0;
	if (inet_pton(AF_INET, text, a) == 1) {
		for (int i = 3; i >= 0; i--) { /* decimal, no leading zeros */
			uint8_t *lab = wire + o++;
			if (a[i] >= 100)
				wire[o++] = (uint8_t)('0' + a[i] / 100);
			if (a[i] >= 10)
				wire[o++] = (uint8_t)('0' + a[i] / 10 % 10);
			wire[o++] = (uint8_t)('0' + a[i] % 10);
			*lab = (uint8_t)(wire + o - lab - 1);
		}
		memcpy(wire + o, ARPA_V4, sizeof(ARPA_V4));
		return (int)(o + sizeof(ARPA_V4));
	}
	if (inet_pton(AF_INET6, text, a) != 1)
		return VTG_EDCV_TARGET;
	for (int i = 15; i >= 0; i--) {
		wire[o++] = 1;
		wire[o++] = (uint8_t)hex[a[i] & 0xf];
		wire[o++] = 1;
		wire[o++] = (uint8_t)hex[a[i] >> 4];
	}
	memcpy(wire + o, ARPA_V6, sizeof(ARPA_V6));
	return (int)(o + sizeof(ARPA_V6));
}

int vtg__dcv_query(const struct vtg_dcv_request *rq, const uint8_t *name_wire,
		   uint8_t out[VTG_DNS_MAX_NAME], uint16_t *qtype)
{
	int rc = vtg__dcv_request_check(rq);
	if (rc < 0)
		return rc;
	const char *labels[2] = {NULL, NULL};
	char acct[VTG_DCV_ACCOUNT_LABEL];
	*qtype = VTG_TYPE_TXT;
	switch (rq->method) {
	case VTG_DCV_DNS01:
		labels[0] = LABEL_ACME;
		break;
	case VTG_DCV_ACCOUNT01:
		rc = vtg__dcv_account_label(rq->account_uri, acct);
		if (rc < 0)
			return rc;
		labels[0] = acct;
		labels[1] = LABEL_ACME;
		break;
	case VTG_DCV_CNAME:
		*qtype = VTG_TYPE_CNAME;
		__attribute__((fallthrough));
	case VTG_DCV_CHANGE:
		labels[0] = rq->label;
		break;
	case VTG_DCV_PERSIST:
		labels[0] = LABEL_PERSIST;
		break;
	case VTG_DCV_CONTACT_EMAIL:
		labels[0] = LABEL_EMAIL;
		break;
	case VTG_DCV_CONTACT_PHONE:
		labels[0] = LABEL_PHONE;
		break;
	case VTG_DCV_REVERSE:
		/* the reverse name itself: a base name here is a caller that
		 * forgot vtg__dcv_reverse_name */
		if (!vtg__name_is_sub(name_wire, ARPA_V4) &&
		    !vtg__name_is_sub(name_wire, ARPA_V6))
			return VTG_EDCV_TARGET;
		*qtype = VTG_TYPE_PTR;
		break;
	case VTG_DCV_HTTP01:
	case VTG_DCV_WEBSITE_CHANGE:
	case VTG_DCV_TLSALPN01:
		return VTG_EDCV_METHOD; /* not a DNS query */
	}
	size_t pos = 0;
	for (size_t i = 0; i < 2 && labels[i] != NULL; i++) {
		rc = put_label(out, &pos, labels[i]);
		if (rc < 0)
			return rc;
	}
	size_t nl = vtg__name_len(name_wire);
	if (nl > VTG_DNS_MAX_NAME - pos)
		return VTG_EWIRE_NAME_LEN; /* never truncate a qname */
	memcpy(out + pos, name_wire, nl);
	return 0;
}

/* ---- bounded detail text ---- */

/* Append a then b to the NUL-terminated buf, cutting what does not fit. */
static void append(char *buf, size_t cap, const char *a, const char *b)
{
	size_t used = strnlen(buf, cap);
	if (used + 1 >= cap)
		return;
	snprintf(buf + used, cap - used, "%s%s", a, b);
}

/* ---- persist (BR 3.2.2.4.22) ---- */

static bool eq_nocase(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

/* base-10 Unix seconds: one or more digits, no sign, fits in int64_t */
static bool parse_seconds(const char *s, size_t n, int64_t *out)
{
	if (n == 0)
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		int d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static enum vtg_dcv_rr persist_rr(const struct vtg_dcv_request *rq,
				  const char *val, size_t n)
{
	struct vtg_caa_issue is;
	if (vtg__caa_issue_parse(&is, (const uint8_t *)val, n) != 0)
		return VTG_DCV_RR_MALFORMED;
	bool listed = false;
	for (size_t i = 0; i < rq->n_issuers && is.issuer_len > 0; i++)
		if (eq_nocase(is.issuer, is.issuer_len, rq->issuers[i],
			      strlen(rq->issuers[i])))
			listed = true;
	if (!listed)
		return VTG_DCV_RR_WRONG_ISSUER;

	struct vtg_caa_param p;
	size_t pos = 0;
	const char *acct = NULL, *until = NULL;
	size_t acct_len = 0, until_len = 0;
	unsigned n_acct = 0, n_until = 0;
	while (vtg__caa_param_next(&is, &pos, &p) == 1) {
		if (eq_nocase(p.tag, p.tag_len, "accounturi", 10)) {
			acct = p.value;
			acct_len = p.value_len;
			n_acct++;
		} else if (eq_nocase(p.tag, p.tag_len, "persistuntil", 12)) {
			until = p.value;
			until_len = p.value_len;
			n_until++;
		}
		/* unknown parameters are ignored (BR 3.2.2.4.22) */
	}
	if (n_acct == 0)
		return VTG_DCV_RR_NO_ACCOUNTURI;
	if (n_acct > 1)
		return VTG_DCV_RR_MALFORMED;
	size_t want = strlen(rq->account_uri);
	if (acct_len != want || memcmp(acct, rq->account_uri, want) != 0)
		return VTG_DCV_RR_ACCOUNTURI_MISMATCH;
	if (n_until > 0) {
		int64_t t;
		if (n_until > 1 || !parse_seconds(until, until_len, &t))
			return VTG_DCV_RR_BAD_PERSISTUNTIL;
		if (rq->now > t)
			return VTG_DCV_RR_EXPIRED; /* equal is still fine */
	}
	return VTG_DCV_RR_MATCH;
}

/* ---- contacts (BR 3.2.2.4.14, 3.2.2.4.16) ---- */

/* Length of one well-formed UTF-8 sequence of 2-4 octets at s (no
 * overlongs, no surrogates, <= U+10FFFF), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t k;
	uint32_t min, cp;
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2, min = 0x80, cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3, min = 0x800, cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/* RFC 5322 3.2.3 atext */
static bool atext(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/*
 * Pragmatic RFC 6532 3.2 addr-spec (BR A.2.1: the whole RDATA, no padding):
 * local-part is a dot-atom (RFC 5322 atext plus UTF-8 non-ASCII, no empty
 * atom) or a non-empty quoted-string (qtext, SP, quoted-pairs, UTF-8); then
 * exactly one "@" outside quotes; the domain is at least two dot-separated
 * labels of LDH or UTF-8 non-ASCII, 1-63 octets, no hyphen at either end,
 * no trailing dot. Not accepted: domain literals, comments, folding white
 * space, display names ("Name <a@b>"), anything over 254 octets or a local
 * part over 64. Returns the offset of the "@", or 0 when not an address.
 */
static size_t email_valid(const uint8_t *s, size_t n)
{
	if (n < 5 || n > EMAIL_MAX)
		return 0;
	size_t i = 0, k;
	if (s[0] == '"') {
		i = 1;
		for (;;) {
			if (i >= n)
				return 0;
			uint8_t c = s[i];
			if (c == '"')
				break;
			if (c == '\\') {
				if (i + 1 >= n || !((s[i + 1] >= 0x20 && s[i + 1] <= 0x7e) ||
						    s[i + 1] == '\t'))
					return 0;
				i += 2;
			} else if (c >= 0x20 && c <= 0x7e) {
				i++;
			} else if (c >= 0x80 && (k = utf8_seq(s + i, n - i)) > 0) {
				i += k;
			} else {
				return 0;
			}
		}
		if (i == 1)
			return 0; /* "" */
		i++;
	} else {
		bool need_atom = true;
		while (i < n && s[i] != '@') {
			if (s[i] == '.') {
				if (need_atom)
					return 0;
				need_atom = true;
				i++;
			} else if (atext(s[i])) {
				need_atom = false;
				i++;
			} else if (s[i] >= 0x80 && (k = utf8_seq(s + i, n - i)) > 0) {
				need_atom = false;
				i += k;
			} else {
				return 0;
			}
		}
		if (need_atom)
			return 0; /* empty local part, or a dot before "@" */
	}
	if (i >= n || s[i] != '@' || i > EMAIL_LOCAL_MAX)
		return 0;
	size_t at = i++;
	unsigned labels = 0;
	while (i <= n) {
		size_t start = i;
		while (i < n && s[i] != '.') {
			uint8_t c = s[i];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-')
				i++;
			else if (c >= 0x80 && (k = utf8_seq(s + i, n - i)) > 0)
				i += k;
			else
				return 0;
		}
		size_t l = i - start;
		if (l == 0 || l > VTG_DNS_MAX_LABEL || s[start] == '-' || s[i - 1] == '-')
			return 0;
		labels++;
		if (i == n)
			break;
		i++; /* the dot; a trailing one leaves an empty label */
	}
	return labels >= 2 ? at : 0;
}

/* Canonical address: local part as is, domain ASCII-lowered. */
static size_t email_canon(const char *s, size_t n, size_t at, char *out)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (i > at && c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		out[i] = c;
	}
	return n;
}

/*
 * RFC 3966 5.1.4 global-number-digits: "+" then digits and the visual
 * separators "-" "." "(" ")", at least one digit; vantage also caps the
 * digits at E.164's 15. No "tel:" prefix, no parameters, no white space.
 * Visual separators carry no meaning (RFC 3966 section 3), so the canonical
 * form is "+" and the digits. Returns its length, or 0 when not a number.
 */
static size_t phone_canon(const char *s, size_t n, char *out)
{
	if (n < 2 || s[0] != '+')
		return 0;
	size_t o = 0;
	out[o++] = '+';
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9') {
			if (o > PHONE_DIGITS_MAX)
				return 0;
			out[o++] = c;
		} else if (c != '-' && c != '.' && c != '(' && c != ')') {
			return 0;
		}
	}
	return o > 1 ? o : 0;
}

/*
 * A sorted, de-duplicated, newline-separated set of elements in seen.
 * Corroboration compares seen bytewise (BR 3.2.2.9), so a set that does not
 * fit must come out the same whatever order the RRs arrived in: it keeps
 * the longest sorted prefix that fits. `bound` is the smallest element left
 * out so far; every element kept sorts before it, and the kept ones plus
 * it do not fit, so anything from it on is left out too.
 */
struct seen_set {
	char *buf;
	size_t cap;
	bool bounded;
	size_t bound_len;
	char bound[SEEN_ELEM_MAX];
};

/* bytewise, a prefix first */
static int elem_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

static void seen_bound(struct seen_set *s, const char *v, size_t vl)
{
	s->bounded = true;
	s->bound_len = vl;
	memcpy(s->bound, v, vl);
}

static void seen_add(struct seen_set *s, const char *v, size_t vl)
{
	if (vl == 0 || vl > SEEN_ELEM_MAX ||
	    (s->bounded && elem_cmp(v, vl, s->bound, s->bound_len) >= 0))
		return;
	char *seen = s->buf;
	size_t used = strlen(seen);
	size_t p = 0; /* offset of the first element after v, or used */
	while (p < used) {
		const char *nl = memchr(seen + p, '\n', used - p);
		size_t q = nl ? (size_t)(nl - seen) : used;
		int c = elem_cmp(v, vl, seen + p, q - p);
		if (c == 0)
			return; /* already there */
		if (c < 0)
			break;
		p = nl ? q + 1 : used;
	}
	/* make room by leaving out the greatest elements, those after v */
	while (used + (used ? 1 : 0) + vl >= s->cap && p < used) {
		size_t ls = used;
		while (ls > 0 && seen[ls - 1] != '\n')
			ls--;
		seen_bound(s, seen + ls, used - ls);
		used = ls ? ls - 1 : 0;
		seen[used] = '\0';
	}
	if (used + (used ? 1 : 0) + vl >= s->cap) {
		seen_bound(s, v, vl); /* v itself does not fit */
		return;
	}
	if (p < used) {
		memmove(seen + p + vl + 1, seen + p, used - p + 1);
		memcpy(seen + p, v, vl);
		seen[p + vl] = '\n';
	} else if (used == 0) {
		memcpy(seen, v, vl);
		seen[vl] = '\0';
	} else {
		seen[used] = '\n';
		memcpy(seen + used + 1, v, vl);
		seen[used + 1 + vl] = '\0';
	}
}

/* ---- CNAME RDATA ---- */

/* The RDATA is exactly one uncompressed wire name. */
static bool cname_rdata_ok(const uint8_t *rd, size_t len)
{
	if (rd == NULL)
		return false;
	size_t i = 0;
	while (i < len && i < VTG_DNS_MAX_NAME) {
		size_t l = rd[i];
		if (l == 0)
			return i + 1 == len;
		if (l > VTG_DNS_MAX_LABEL)
			return false; /* includes compression pointers */
		i += 1 + l;
	}
	return false;
}

static void cname_text(const uint8_t *name, char *out, size_t cap)
{
	int n = vtg__name_to_text(name, out, cap - 1, true);
	if (n < 0) {
		out[0] = '\0';
		return;
	}
	if (!(n == 1 && out[0] == '.')) {
		out[n] = '.';
		out[n + 1] = '\0';
	}
}

/* A PTR name as seen has it: lower case with the trailing dot ("." for the
 * root) into out; the length, or -1 when the text (escapes included) is
 * longer than the 253 characters of a host name (RFC 1035 2.3.4), which
 * makes the RR "too-long": every name seen lists fits in it whole. */
static int ptr_text(const uint8_t *name, char out[SEEN_ELEM_MAX + 1])
{
	int n = vtg__name_to_text(name, out, VTG_DNS_MAX_TEXT, true);
	if (n < 0)
		return -1;
	if (!(n == 1 && out[0] == '.')) {
		out[n++] = '.';
		out[n] = '\0';
	}
	return n;
}

/* ---- the check ---- */

int vtg__dcv_check(const struct vtg_dcv_request *rq,
		   const struct vtg_lookup_answer *ans, struct vtg_dcv_result *out)
{
	memset(out, 0, sizeof(*out));
	out->matched = -1;
	out->dnssec = ans->dnssec;
	int rc = vtg__dcv_request_check(rq);
	if (rc < 0) {
		out->outcome = VTG_DCV_MISMATCH;
		snprintf(out->detail, sizeof(out->detail), "invalid-request: %s",
			 vtg_strerror(rc));
		return rc;
	}
	const char *mname = vtg__dcv_method_str(rq->method);

	if (ans->dnssec == VTG_DNSSEC_BOGUS) {
		out->outcome = VTG_DCV_DNSSEC_BOGUS;
		snprintf(out->detail, sizeof(out->detail), "dnssec-bogus: %s",
			 ans->why_bogus ? ans->why_bogus : "validation failed");
		return 0;
	}
	enum vtg_lookup_fail fail = ans->fail;
	if (fail == VTG_FAIL_NONE && ans->rcode != VTG_RCODE_NOERROR &&
	    ans->rcode != VTG_RCODE_NXDOMAIN)
		fail = VTG_FAIL_RCODE; /* a backend that forgot to classify */
	if (fail != VTG_FAIL_NONE) {
		out->outcome = VTG_DCV_LOOKUP_FAILURE;
		snprintf(out->detail, sizeof(out->detail), "lookup-failure: %s",
			 vtg__lookup_fail_str(fail));
		return 0;
	}
	if (ans->rcode == VTG_RCODE_NXDOMAIN) {
		out->outcome = VTG_DCV_NO_RECORD;
		snprintf(out->detail, sizeof(out->detail), "no-record: nxdomain");
		return 0;
	}
	if (ans->n_rrs == 0 || ans->rrs == NULL) {
		out->outcome = VTG_DCV_NO_RECORD;
		snprintf(out->detail, sizeof(out->detail), "no-record: no data");
		return 0;
	}

	/* cname and reverse-lookup compare a name in the RDATA; reverse-lookup
	 * without an expected name takes any */
	bool names = rq->method == VTG_DCV_CNAME || rq->method == VTG_DCV_REVERSE;
	bool any_name = rq->method == VTG_DCV_REVERSE && rq->expect == NULL;
	uint8_t target[VTG_DNS_MAX_NAME];
	if (names && !any_name &&
	    vtg__name_from_text(target, rq->expect, strlen(rq->expect)) < 0) {
		/* vtg__dcv_request_check encoded it already; never PASS */
		out->outcome = VTG_DCV_MISMATCH;
		snprintf(out->detail, sizeof(out->detail), "invalid-request");
		return VTG_EDCV_REQUEST;
	}
	size_t elen = rq->expect ? strlen(rq->expect) : 0;
	char scratch[VTG_DCV_SCRATCH + 1];
	char canon[SEEN_ELEM_MAX + 1];
	int first_cname_miss = -1;
	struct seen_set set = {.buf = out->seen, .cap = sizeof(out->seen)};

	out->n_records = (unsigned)ans->n_rrs;
	for (size_t i = 0; i < ans->n_rrs; i++) {
		const uint8_t *rd = ans->rrs[i].rdata;
		size_t len = ans->rrs[i].len;
		enum vtg_dcv_rr v = VTG_DCV_RR_MISMATCH;
		long vlen = names ? 0 : txt_value_len(rd, len);
		int tl = 0;

		if (!names && vlen < 0) {
			v = VTG_DCV_RR_BAD_RDATA;
		} else if (names) {
			if (!cname_rdata_ok(rd, len)) {
				v = VTG_DCV_RR_BAD_RDATA;
			} else if (rq->method == VTG_DCV_REVERSE &&
				   (tl = ptr_text(rd, canon)) < 0) {
				v = VTG_DCV_RR_TOO_LONG;
			} else if (any_name) {
				if (rd[0] != 0) { /* the root names no FQDN */
					v = VTG_DCV_RR_MATCH;
					seen_add(&set, canon, (size_t)tl);
				}
			} else if (vtg__name_equal(rd, target)) {
				v = VTG_DCV_RR_MATCH;
			} else if (first_cname_miss < 0) {
				first_cname_miss = (int)i;
			}
			if (v == VTG_DCV_RR_MATCH && !any_name && out->matched < 0)
				cname_text(rd, out->seen, sizeof(out->seen));
		} else if (rq->method == VTG_DCV_DNS01 || rq->method == VTG_DCV_ACCOUNT01 ||
			   rq->method == VTG_DCV_CHANGE) {
			if (txt_equals(rd, len, rq->expect, elen)) {
				v = VTG_DCV_RR_MATCH;
				if (out->matched < 0)
					snprintf(out->seen, sizeof(out->seen), "%s",
						 rq->expect);
			}
		} else {
			int n = vtg__txt_concat(rd, len, scratch, sizeof(scratch));
			if (n < 0) {
				v = n == VTG_EWIRE_SPACE ? VTG_DCV_RR_TOO_LONG
							 : VTG_DCV_RR_BAD_RDATA;
			} else if (rq->method == VTG_DCV_PERSIST) {
				v = persist_rr(rq, scratch, (size_t)n);
				if (v == VTG_DCV_RR_MATCH && out->matched < 0)
					snprintf(out->seen, sizeof(out->seen), "%s",
						 rq->account_uri);
			} else if (rq->method == VTG_DCV_CONTACT_EMAIL) {
				size_t at = email_valid((const uint8_t *)scratch,
							(size_t)n);
				v = VTG_DCV_RR_NOT_EMAIL;
				if (at > 0) {
					size_t cl = email_canon(scratch, (size_t)n, at, canon);
					seen_add(&set, canon, cl);
					v = VTG_DCV_RR_MATCH;
				}
			} else {
				size_t cl = phone_canon(scratch, (size_t)n, canon);
				v = VTG_DCV_RR_NOT_PHONE;
				if (cl > 0) {
					seen_add(&set, canon, cl);
					v = VTG_DCV_RR_MATCH;
				}
			}
		}
		if (i < VTG_DCV_RR_MAX)
			out->rr[i] = (uint8_t)v;
		if (v == VTG_DCV_RR_MATCH && out->matched < 0)
			out->matched = (int)i;
	}

	if (out->matched >= 0) {
		out->outcome = VTG_DCV_PASS;
		return 0;
	}
	out->outcome = VTG_DCV_MISMATCH;
	snprintf(out->detail, sizeof(out->detail), "%s: ", mname);
	size_t shown = ans->n_rrs < VTG_DCV_RR_MAX ? ans->n_rrs : VTG_DCV_RR_MAX;
	for (size_t i = 0; i < shown; i++)
		append(out->detail, sizeof(out->detail), i ? ", " : "",
		       vtg__dcv_rr_str((enum vtg_dcv_rr)out->rr[i]));
	if (shown < ans->n_rrs)
		append(out->detail, sizeof(out->detail), ", ...", "");
	if (first_cname_miss >= 0) {
		char t[VTG_DNS_MAX_TEXT + 2];
		cname_text(ans->rrs[first_cname_miss].rdata, t, sizeof(t));
		append(out->detail, sizeof(out->detail), " (points to ", t);
		append(out->detail, sizeof(out->detail), ")", "");
	}
	return 0;
}
