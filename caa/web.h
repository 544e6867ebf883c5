/*
 * web.h — the pure logic of domain validation over HTTP (http-01, RFC 8555
 * 8.3, BR 3.2.2.4.19 / 3.2.2.5.6; website-change, BR 3.2.2.4.18 / 3.2.2.5.1):
 * the URL to fetch, which redirects may be followed, whether a body passes,
 * and the evidence excerpt of a body. No socket, no HTTP client: the engine
 * fetches (with libcurl) and hands status, Location and body to these
 * functions; the replay tests and the fuzzers do the same without a network.
 *
 * URLs are parsed and resolved with libcurl's URL API (curl_url_*), the
 * parser the HTTP client itself uses, so that what is checked here is what
 * is fetched. Around it vantage is stricter than curl (curl accepts and
 * rewrites forms a CA should not guess at): a host must be ASCII, not
 * percent-encoded, and written as curl reports it (no "0x7f.1" for
 * 127.0.0.1, no "http:/host"); no user name or password; no IPv6 zone; a
 * Location holds printable ASCII without space or backslash only.
 *
 * A struct vtg_url is self-contained (no pointer into curl or the input) and
 * holds the normalised URL: scheme and host in lower case, an IP literal in
 * its inet_ntop form, no default port, no fragment. Two URLs are the same
 * resource for loop detection when their normalised forms are equal
 * (Boulder compares URL strings the same way).
 *
 * Allocation: curl_url() allocates a handle per parse, freed before return;
 * that is per HTTP hop, never per DNS packet.
 */
#ifndef VTG_CAA_WEB_H
#define VTG_CAA_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caa/dcv.h"

/* BR 3.2.2.4.18 / .19 allow redirects without a number; Boulder's VA follows
 * at most 10 and refuses the 11th, and so does vantage. */
#define VTG_WEB_MAX_REDIRECTS 10
/* A URL (NUL included) that does not fit is refused, never truncated. The
 * URLs of validation are short (host <= 253, a token or file name); 2048 is
 * the de facto limit of browsers and CDNs (2083 in old browsers), so a
 * longer Location is no real site's. */
#define VTG_WEB_URL_MAX 2048
/* RFC 1035 2.3.4: 253 characters of name + a trailing dot; an IPv6 literal
 * (at most 45 characters) fits as well. */
#define VTG_WEB_HOST_MAX 255
/* http-01: the body is read up to the expected key authorization + 128
 * octets; more is body-too-large. Boulder reads 128 octets in all (a key
 * authorization is about 87); the slack keeps its allowance for trailing
 * whitespace whatever the token length. */
#define VTG_WEB_BODY_SLACK 128
/* website-change: the file is one the applicant places for the CA, holding
 * the random value (BR 3.2.2.4.18); 16 KiB lets it sit in a small page yet
 * bounds the fixed read buffer each in-flight check holds (no malloc in
 * steady state) and what a hostile server can make every perspective read. */
#define VTG_WEB_BODY_MAX 16384
/* Evidence keeps the first 128 octets of a body (enough to show what a
 * server answered instead of the expected value). */
#define VTG_WEB_EXCERPT 128
/* The excerpt text: every octet may become "\xHH" (4 characters), + NUL. */
#define VTG_WEB_EXCERPT_CAP (VTG_WEB_EXCERPT * 4 + 1)
/* A website-change file name: one path segment; 255 is the name limit of
 * the common file systems the applicant stores it on. */
#define VTG_WEB_FILE_MAX 255
/* The `why` texts below fit in this much (longer ones are cut). */
#define VTG_WEB_WHY_MAX 256

#define VTG_WEB_HTTP01_PREFIX "/.well-known/acme-challenge/"  /* RFC 8555 8.3 */
#define VTG_WEB_CHANGE_PREFIX "/.well-known/pki-validation/"  /* BR 3.2.2.4.18 */

struct vtg_url {
	char url[VTG_WEB_URL_MAX];        /* normalised absolute URL */
	bool https;                       /* scheme https (else http) */
	char host[VTG_WEB_HOST_MAX + 1];  /* lower case; an IP literal in
					   * inet_ntop form, IPv6 without brackets */
	bool host_is_ip;
	int family;                       /* AF_INET / AF_INET6 for an IP, else 0 */
	uint16_t port;                    /* the explicit port, else 80 / 443 */
	bool port_explicit;               /* the URL named a port (even 80 / 443) */
	char path[VTG_WEB_URL_MAX];       /* path + "?query" (no fragment), "/"
					   * at least */
};

/*
 * Parse an absolute http or https URL into u (the fragment, if any, is
 * dropped). Returns 0, or VTG_EWEB_URL, _SCHEME, _USERINFO, _HOST, _PORT,
 * _TOO_LONG, -ENOMEM (curl could not allocate); on error *u is zeroed and,
 * when why is not NULL, why receives a short detail naming the offending
 * part ("scheme ftp", "port 0", "userinfo", "host ex%61mple.com").
 */
int vtg__web_url_parse(const char *s, struct vtg_url *u, char *why, size_t whycap);

/*
 * Resolve a Location header value against base (RFC 3986 section 5, by
 * libcurl) into out. The value is exactly loc_len octets (it need not be
 * NUL-terminated; a NUL inside is refused); surrounding spaces and tabs
 * (RFC 9110 OWS) are ignored. It may be absolute, scheme-relative
 * ("//host/p") or relative ("../x", "?q"). Returns 0 or the codes of
 * vtg__web_url_parse plus VTG_EWEB_LOCATION; why as there.
 */
int vtg__web_url_resolve(const struct vtg_url *base, const char *location, size_t loc_len,
			 struct vtg_url *out, char *why, size_t whycap);

/*
 * Redirects (BR 3.2.2.4.18 / .19, as Boulder's VA applies them): follow only
 * 301, 302, 307 and 308; to an http or https URL on port 80 or 443 (explicit
 * or implied, in either scheme); never to a URL already visited in this
 * chain; at most VTG_WEB_MAX_REDIRECTS of them.
 */
enum vtg_web_redirect_verdict {
	VTG_WEB_REDIRECT_FOLLOW = 0, /* next is the URL to fetch */
	VTG_WEB_REDIRECT_REFUSED,    /* a rule above is broken: why says which */
	VTG_WEB_REDIRECT_TOO_MANY,   /* the (VTG_WEB_MAX_REDIRECTS + 1)-th */
};

/* "follow", "redirect-refused", "too-many-redirects" */
const char *vtg__web_redirect_str(enum vtg_web_redirect_verdict v);

/* The state of one chain: no allocation. A URL is remembered as the 64-bit
 * FNV-1a hash of its normalised form: a collision can only refuse a chain
 * as a loop (never let a loop through), and only the site's operator, whose
 * validation that would fail, chooses the URLs. */
struct vtg_web_redirects {
	unsigned hops;                                  /* redirects followed */
	unsigned n_seen;
	uint64_t seen[VTG_WEB_MAX_REDIRECTS + 1];       /* the start + each hop */
};

/* Start a chain at the URL first fetched. */
void vtg__web_redirects_init(struct vtg_web_redirects *st, const struct vtg_url *start);

/*
 * The response to cur had status and (when present) a Location of loc_len
 * octets (location NULL or loc_len 0: none). FOLLOW fills next and counts
 * the hop; REFUSED and TOO_MANY leave st as it was and write why: "status
 * 303", "no location", "scheme ftp", "port 8080", "loop: http://a/x", "bad
 * location: ..." (the error text and the value, escaped as in
 * vtg__web_excerpt), "too many redirects (10 followed)". Call it for 3xx
 * responses (vtg__web_status_redirect); any other status is REFUSED too.
 */
enum vtg_web_redirect_verdict vtg__web_redirect(struct vtg_web_redirects *st, long status,
						const struct vtg_url *cur, const char *location,
						size_t loc_len, struct vtg_url *next, char *why,
						size_t whycap);

/* 300..399: the response redirects (followed or refused), its body is not
 * the answer. */
bool vtg__web_status_redirect(long status);
/* 301, 302, 307, 308: the statuses BR 3.2.2.4.18 lets a CA follow. */
bool vtg__web_status_followable(long status);
/* 200..299: a body to check (issue 15 and the BR: a 2xx status with the
 * file's content; Boulder's VA is stricter and wants exactly 200). */
bool vtg__web_status_ok(long status);

/*
 * A validation target: an IPv4 literal, an IPv6 literal (with or without
 * brackets) or a host name of LDH labels (A-labels already: IDN conversion
 * is the caller's; one trailing dot is dropped; no wildcard, which none of
 * the web methods may validate, BR 3.2.2.4.18 - .20). host_out receives the
 * canonical form (inet_ntop, or the lower-cased name), *is_ip and *family
 * (AF_INET, AF_INET6, or 0 for a name) are set. len is exact (a NUL inside
 * is refused). Returns 0, VTG_EWEB_TARGET, or VTG_EWIRE_SPACE when cap is
 * too small.
 */
int vtg__web_target_parse(const char *s, size_t len, char *host_out, size_t cap, bool *is_ip,
			  int *family);

/*
 * http-01 (RFC 8555 8.3; IP targets RFC 8738): http://TARGET/.well-known/
 * acme-challenge/TOKEN on port 80, TOKEN the part of the key authorization
 * before its first '.'. keyauth must be token "." thumbprint, both
 * non-empty base64url ([A-Za-z0-9_-], RFC 8555 8.1). An IPv6 target is
 * bracketed in the URL. Returns 0, VTG_EWEB_TARGET, VTG_EWEB_TOKEN,
 * VTG_EWEB_TOO_LONG or a vtg__web_url_parse code.
 */
int vtg__web_http01_url(const char *target, const char *keyauth, struct vtg_url *out);

/*
 * website-change (BR 3.2.2.4.18): SCHEME://TARGET/.well-known/pki-validation/
 * FILE. FILE is one non-empty path segment of at most VTG_WEB_FILE_MAX
 * characters of RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), not
 * "." or "..": no '/', '?', '#', '%', space or control, so the URL fetched
 * is exactly the file named. The Random Value never goes into the URL (it
 * is looked for in the body). Returns 0, VTG_EWEB_TARGET, VTG_EWEB_FILE or a
 * vtg__web_url_parse code.
 */
int vtg__web_change_url(const char *target, bool https, const char *file, struct vtg_url *out);

enum vtg_web_body {
	VTG_WEB_BODY_PASS = 0,
	VTG_WEB_BODY_MISMATCH,
	VTG_WEB_BODY_TOO_LARGE,
};

/* "pass", "mismatch", "body-too-large" */
const char *vtg__web_body_str(enum vtg_web_body b);

/*
 * The most body octets that may be read: http-01 strlen(value) +
 * VTG_WEB_BODY_SLACK, website-change VTG_WEB_BODY_MAX, 0 for any other
 * method. The client reads at most cap + 1 octets and says whether it
 * stopped there (truncated).
 */
size_t vtg__web_body_cap(enum vtg_dcv_method m, const char *value);

/*
 * Does the body pass? More than vtg__web_body_cap octets (len over the cap,
 * or truncated) is TOO_LARGE. http-01 (RFC 8555 8.3, as Boulder): trailing
 * spaces, tabs, CRs and LFs removed, the rest equals value (the key
 * authorization) exactly. website-change (BR 3.2.2.4.18): value (the Random
 * Value or Request Token) occurs anywhere in the body. An empty or NULL
 * value, or another method, never passes (MISMATCH).
 */
enum vtg_web_body vtg__web_body_check(enum vtg_dcv_method m, const uint8_t *body, size_t len,
				      bool truncated, const char *value);

/*
 * Evidence: the first VTG_WEB_EXCERPT octets of body as printable ASCII,
 * every other octet (and '"' and '\\', so that the text is unambiguous and
 * needs no JSON escaping) written \xHH. Always NUL-terminated when cap > 0;
 * an escape that does not fit whole is left out. Returns the length written.
 */
size_t vtg__web_excerpt(const uint8_t *body, size_t len, char *out, size_t cap);

#endif
