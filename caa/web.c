/*
 * web.c — URLs, redirects and bodies of HTTP domain validation (web.h).
 *
 * Parsing and RFC 3986 reference resolution are libcurl's (curl_url_*): a
 * URL parser of our own is forbidden, and curl's is the one the HTTP client
 * uses, so the URL checked is the URL fetched. What this file adds around
 * curl is strictness where curl is lenient and rewrites silently:
 *   - every octet of the input is printable ASCII other than space and '\'
 *     (curl passes raw UTF-8 and percent-encodes spaces in relative
 *     references; WHATWG parsers read '\' as '/': a CA must not guess);
 *   - a scheme is followed by "//" (curl takes "http:/host" and "http:///x");
 *   - the authority holds no '@' (userinfo) and no '%' (curl decodes
 *     "ex%61mple.com" and accepts IPv6 zones);
 *   - the host curl reports is the host written, octet for octet up to case
 *     (curl rewrites "0x7f.1" and "127.1" to 127.0.0.1, "1.2.3" to 1.2.0.3);
 *   - the host is an IP literal or a name of [A-Za-z0-9_-] labels whose last
 *     label is not all digits (so that no parser can read it as IPv4).
 * Finding the authority for these checks is the RFC 3986 3.2 split only
 * (after "scheme://" or "//", up to the next '/', '?' or '#'); curl does
 * the parsing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/text.h"
#include "caa/web.h"

#define IP6_TEXT 46    /* INET6_ADDRSTRLEN, without <netinet/in.h>'s name */
#define WHY_VALUE 64   /* octets of a refused Location quoted in why */
#define SCHEME_SHOWN 16 /* octets of an unknown scheme quoted in why */
#define LABEL_MAX 63   /* RFC 1035 2.3.4 */
#define NAME_MAX_CHARS 253 /* RFC 1035 2.3.4, without the trailing dot */

static bool printable(uint8_t c)
{
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
}

/* The excerpt escaping (web.h) of at most max octets of p into out. */
static size_t escape(const uint8_t *p, size_t len, size_t max, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (cap == 0)
		return 0;
	if (p == NULL)
		len = 0;
	for (size_t i = 0; i < len && i < max; i++) {
		if (printable(p[i])) {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)p[i];
		} else {
			if (o + 4 >= cap)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
	}
	out[o] = '\0';
	return o;
}

size_t vtg__web_excerpt(const uint8_t *body, size_t len, char *out, size_t cap)
{
	return escape(body, len, VTG_WEB_EXCERPT, out, cap);
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool b64url(char c)
{
	return alpha(c) || digit(c) || c == '-' || c == '_';
}

/*
 * A host name: labels of 1-63 characters, at most 253 characters without
 * one trailing dot, the last label not all digits (RFC 3696 2: it would read
 * as an IPv4 address, and curl does read "1.2.3" as 1.2.0.3). strict: LDH
 * only, no hyphen at a label's ends (a certificate name, BR 7.1.2.7.12);
 * otherwise '_' and edge hyphens pass too (a redirect's host is a DNS name
 * to resolve, and Boulder follows them).
 */
static bool host_name_ok(const char *s, size_t len, bool strict)
{
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > NAME_MAX_CHARS)
		return false;
	size_t start = 0;
	bool numeric = true;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			size_t l = i - start;
			if (l == 0 || l > LABEL_MAX)
				return false;
			if (strict && (s[start] == '-' || s[i - 1] == '-'))
				return false;
			if (i == len && numeric)
				return false;
			start = i + 1;
			numeric = true;
			continue;
		}
		char c = s[i];
		if (!digit(c))
			numeric = false;
		if (!(alpha(c) || digit(c) || c == '-' || (!strict && c == '_')))
			return false;
	}
	return true;
}

int vtg__web_target_parse(const char *s, size_t len, char *host_out, size_t cap, bool *is_ip,
			  int *family)
{
	char tmp[VTG_WEB_HOST_MAX + 1];
	char canon[VTG_WEB_HOST_MAX + 1];
	unsigned char addr[16];
	bool ip = false;
	int fam = 0;

	if (s == NULL || len == 0 || len > VTG_WEB_HOST_MAX || memchr(s, '\0', len) != NULL)
		return VTG_EWEB_TARGET;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	const char *inner = tmp;
	if (tmp[0] == '[') {
		/* RFC 3986 IP-literal form, as a URL or an SNI-less config may
		 * write it: the brackets are the URL's, not the address's */
		if (len < 3 || tmp[len - 1] != ']')
			return VTG_EWEB_TARGET;
		tmp[len - 1] = '\0';
		inner = tmp + 1;
		if (inet_pton(AF_INET6, inner, addr) != 1)
			return VTG_EWEB_TARGET;
		fam = AF_INET6;
	} else if (memchr(tmp, ':', len) != NULL) {
		if (inet_pton(AF_INET6, inner, addr) != 1)
			return VTG_EWEB_TARGET;
		fam = AF_INET6;
	} else if (inet_pton(AF_INET, inner, addr) == 1) {
		/* glibc accepts only the dotted quad of decimals here, no
		 * "0x7f.1" or "127.1" */
		fam = AF_INET;
	}
	if (fam != 0) {
		ip = true;
		if (inet_ntop(fam, addr, canon, sizeof(canon)) == NULL)
			return VTG_EWEB_TARGET;
	} else {
		if (!host_name_ok(tmp, len, true))
			return VTG_EWEB_TARGET;
		size_t n = (tmp[len - 1] == '.') ? len - 1 : len;
		for (size_t i = 0; i < n; i++)
			canon[i] = lower(tmp[i]);
		canon[n] = '\0';
	}
	size_t n = strlen(canon);
	if (host_out == NULL || n + 1 > cap) {
		if (host_out != NULL && cap > 0)
			host_out[0] = '\0';
		return VTG_EWIRE_SPACE;
	}
	memcpy(host_out, canon, n + 1);
	if (is_ip != NULL)
		*is_ip = ip;
	if (family != NULL)
		*family = fam;
	return 0;
}

/* ---- URL parsing around curl ---- */

enum ref_kind {
	REF_ABSOLUTE,  /* scheme ":" ... */
	REF_NETPATH,   /* "//" authority ... (scheme-relative) */
	REF_RELATIVE,  /* path, "?query" or "#fragment" relative to the base */
};

/*
 * The RFC 3986 3.1 scheme, if the text starts with one: ALPHA *( ALPHA /
 * DIGIT / "+" / "-" / "." ) ":". *slen receives its length.
 */
static bool has_scheme(const char *s, size_t len, size_t *slen)
{
	if (len == 0 || !alpha(s[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];
		if (c == ':') {
			*slen = i;
			return true;
		}
		if (!(alpha(c) || digit(c) || c == '+' || c == '-' || c == '.'))
			return false;
	}
	return false;
}

static bool scheme_is(const char *s, size_t len, const char *want)
{
	if (strlen(want) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (lower(s[i]) != want[i])
			return false;
	return true;
}

static int curl_code(CURLUcode rc)
{
	switch (rc) {
	case CURLUE_OK: return 0;
	case CURLUE_OUT_OF_MEMORY: return -ENOMEM;
	case CURLUE_BAD_PORT_NUMBER: return VTG_EWEB_PORT;
	case CURLUE_UNSUPPORTED_SCHEME: return VTG_EWEB_SCHEME;
	case CURLUE_USER_NOT_ALLOWED: return VTG_EWEB_USERINFO;
	case CURLUE_NO_HOST:
	case CURLUE_BAD_HOSTNAME:
	case CURLUE_BAD_IPV6: return VTG_EWEB_HOST;
	default: return VTG_EWEB_URL;
	}
}

/* Does the part rc names exist? (curl returns CURLUE_NO_<PART> when not.) */
static bool part_present(CURLU *h, CURLUPart part)
{
	char *v = NULL;
	CURLUcode rc = curl_url_get(h, part, &v, 0);
	curl_free(v);
	return rc == CURLUE_OK;
}

/* A curl-allocated string copied into out[cap] and freed; false when it
 * does not fit. */
static bool take(char *v, char *out, size_t cap)
{
	size_t n = strlen(v);
	bool ok = n < cap;
	if (ok)
		memcpy(out, v, n + 1);
	curl_free(v);
	return ok;
}

/*
 * The host curl parsed (hs: as curl reports it) written the same way in the
 * authority lit[0..llen)? An IP-literal compares as addresses (a newer curl
 * may print an IPv6 address in its canonical form), a name or IPv4 address
 * as text, case aside.
 */
static bool host_written(const char *hs, const char *lit, size_t llen)
{
	size_t hlen = strlen(hs);
	if (hs[0] == '[') {
		char a[IP6_TEXT], b[IP6_TEXT];
		unsigned char x[16], y[16];
		const char *close = memchr(lit, ']', llen);
		if (llen < 2 || lit[0] != '[' || close == NULL || hlen < 2)
			return false;
		size_t al = (size_t)(close - lit) - 1, bl = hlen - 2;
		if (al >= sizeof(a) || bl >= sizeof(b))
			return false;
		memcpy(a, lit + 1, al);
		a[al] = '\0';
		memcpy(b, hs + 1, bl);
		b[bl] = '\0';
		if (inet_pton(AF_INET6, a, x) != 1 || inet_pton(AF_INET6, b, y) != 1)
			return false;
		/* after "]" only ":port" (or the authority's end) */
		size_t rest = llen - (size_t)(close - lit) - 1;
		return memcmp(x, y, 16) == 0 && (rest == 0 || close[1] == ':');
	}
	const char *colon = memchr(lit, ':', llen);
	size_t nl = colon ? (size_t)(colon - lit) : llen;
	if (nl != hlen)
		return false;
	for (size_t i = 0; i < nl; i++)
		if (lower(lit[i]) != lower(hs[i]))
			return false;
	return true;
}

/*
 * The common path of vtg__web_url_parse and vtg__web_url_resolve: text is
 * len octets (len < VTG_WEB_URL_MAX), base NULL for an absolute URL. bad is
 * the code for an octet outside the allowed set outside the authority.
 */
static int parse(const struct vtg_url *base, const char *text, size_t len, int bad,
		 struct vtg_url *u, char *why, size_t whycap)
{
	char buf[VTG_WEB_URL_MAX];
	size_t slen = 0, as = 0, ae = 0;
	enum ref_kind kind;

	if (has_scheme(text, len, &slen)) {
		kind = REF_ABSOLUTE;
		if (!scheme_is(text, slen, "http") && !scheme_is(text, slen, "https")) {
			char shown[SCHEME_SHOWN * 4 + 1];
			escape((const uint8_t *)text, slen, SCHEME_SHOWN, shown, sizeof(shown));
			vtg__say(why, whycap, "scheme %s", shown);
			return VTG_EWEB_SCHEME;
		}
		if (len < slen + 3 || text[slen + 1] != '/' || text[slen + 2] != '/') {
			vtg__say(why, whycap, "no \"//\" after the scheme");
			return VTG_EWEB_URL;
		}
		as = slen + 3;
	} else if (len >= 2 && text[0] == '/' && text[1] == '/') {
		kind = REF_NETPATH;
		as = 2;
	} else {
		kind = REF_RELATIVE;
	}
	if (kind != REF_ABSOLUTE && base == NULL) {
		vtg__say(why, whycap, "not an absolute URL");
		return VTG_EWEB_URL;
	}
	if (kind != REF_RELATIVE) {
		/* RFC 3986 3.2: the authority ends at the next '/', '?' or '#' */
		ae = as;
		while (ae < len && text[ae] != '/' && text[ae] != '?' && text[ae] != '#')
			ae++;
	}

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)text[i];
		bool in_auth = kind != REF_RELATIVE && i >= as && i < ae;
		if (c > 0x20 && c < 0x7f && c != '\\')
			continue;
		vtg__say(why, whycap, "%soctet 0x%02x at %zu", in_auth ? "host: " : "", (unsigned)c, i);
		return in_auth ? VTG_EWEB_HOST : bad;
	}
	if (kind == REF_RELATIVE && text[0] == '#') {
		/* RFC 3986 5.2.2: a fragment-only reference is the base
		 * document itself; curl 7.88 resolves it against the base's
		 * directory instead, so it is done here (the fragment goes) */
		*u = *base;
		return 0;
	}
	if (kind != REF_RELATIVE) {
		if (memchr(text + as, '@', ae - as) != NULL) {
			vtg__say(why, whycap, "userinfo");
			return VTG_EWEB_USERINFO;
		}
		if (memchr(text + as, '%', ae - as) != NULL) {
			vtg__say(why, whycap, "percent-encoded host or zone");
			return VTG_EWEB_HOST;
		}
		if (ae == as) {
			vtg__say(why, whycap, "empty host");
			return VTG_EWEB_HOST;
		}
	}
	memcpy(buf, text, len);
	buf[len] = '\0';

	CURLU *h = curl_url();
	if (h == NULL) {
		vtg__say(why, whycap, "out of memory");
		return -ENOMEM;
	}
	int err = 0;
	char *v = NULL;
	char host[VTG_WEB_HOST_MAX + 3]; /* as curl reports it, brackets included */
	CURLUcode rc = CURLUE_OK;
	if (base != NULL)
		rc = curl_url_set(h, CURLUPART_URL, base->url, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_set(h, CURLUPART_URL, buf, 0);
	if (rc != CURLUE_OK) {
		err = curl_code(rc);
		vtg__say(why, whycap, "%s", curl_url_strerror(rc));
		goto out;
	}

	/* the scheme of the result (a relative reference keeps the base's) */
	if (curl_url_get(h, CURLUPART_SCHEME, &v, 0) != CURLUE_OK) {
		err = VTG_EWEB_URL;
		vtg__say(why, whycap, "no scheme");
		goto out;
	}
	u->https = strcmp(v, "https") == 0;
	if (!u->https && strcmp(v, "http") != 0) {
		err = VTG_EWEB_SCHEME;
		vtg__say(why, whycap, "scheme %.*s", SCHEME_SHOWN, v);
		curl_free(v);
		goto out;
	}
	curl_free(v);
	v = NULL;

	if (part_present(h, CURLUPART_USER) || part_present(h, CURLUPART_PASSWORD) ||
	    part_present(h, CURLUPART_OPTIONS)) {
		err = VTG_EWEB_USERINFO;
		vtg__say(why, whycap, "userinfo");
		goto out;
	}
	if (part_present(h, CURLUPART_ZONEID)) {
		err = VTG_EWEB_HOST;
		vtg__say(why, whycap, "IPv6 zone");
		goto out;
	}
	rc = curl_url_get(h, CURLUPART_HOST, &v, 0);
	if (rc != CURLUE_OK || !take(v, host, sizeof(host)) || host[0] == '\0') {
		err = VTG_EWEB_HOST;
		vtg__say(why, whycap, "empty or overlong host");
		goto out;
	}
	v = NULL;
	if (kind != REF_RELATIVE && !host_written(host, text + as, ae - as)) {
		char shown[WHY_VALUE * 4 + 1];
		escape((const uint8_t *)text + as, ae - as, WHY_VALUE, shown, sizeof(shown));
		err = VTG_EWEB_HOST;
		vtg__say(why, whycap, "host %s not read as written", shown);
		goto out;
	}

	unsigned char addr[16];
	size_t hl = strlen(host);
	if (host[0] == '[') {
		char inner[IP6_TEXT];
		if (hl < 3 || hl - 2 >= sizeof(inner) || host[hl - 1] != ']') {
			err = VTG_EWEB_HOST;
			vtg__say(why, whycap, "bad IPv6 literal");
			goto out;
		}
		memcpy(inner, host + 1, hl - 2);
		inner[hl - 2] = '\0';
		if (inet_pton(AF_INET6, inner, addr) != 1) {
			err = VTG_EWEB_HOST;
			vtg__say(why, whycap, "bad IPv6 literal");
			goto out;
		}
		u->family = AF_INET6;
	} else if (inet_pton(AF_INET, host, addr) == 1) {
		u->family = AF_INET;
	} else if (!host_name_ok(host, hl, false)) {
		char shown[WHY_VALUE * 4 + 1];
		escape((const uint8_t *)host, hl, WHY_VALUE, shown, sizeof(shown));
		err = VTG_EWEB_HOST;
		vtg__say(why, whycap, "host %s", shown);
		goto out;
	}
	u->host_is_ip = u->family != 0;
	if (u->host_is_ip) {
		if (inet_ntop(u->family, addr, u->host, sizeof(u->host)) == NULL) {
			err = VTG_EWEB_HOST;
			vtg__say(why, whycap, "bad IP literal");
			goto out;
		}
	} else {
		for (size_t i = 0; i <= hl; i++)
			u->host[i] = lower(host[i]);
	}

	/* the canonical host back into the URL, so that equal resources have
	 * equal normalised URLs */
	if (u->family == AF_INET6)
		snprintf(host, sizeof(host), "[%s]", u->host);
	else
		memcpy(host, u->host, strlen(u->host) + 1);
	rc = curl_url_set(h, CURLUPART_HOST, host, 0);
	if (rc != CURLUE_OK) {
		err = curl_code(rc);
		vtg__say(why, whycap, "%s", curl_url_strerror(rc));
		goto out;
	}

	rc = curl_url_get(h, CURLUPART_PORT, &v, 0);
	if (rc == CURLUE_OK) {
		/* curl has checked it is decimal and at most 65535 */
		unsigned long p = strtoul(v, NULL, 10);
		curl_free(v);
		v = NULL;
		if (p == 0 || p > 65535) {
			err = VTG_EWEB_PORT;
			vtg__say(why, whycap, "port %lu", p);
			goto out;
		}
		u->port = (uint16_t)p;
		u->port_explicit = true;
	} else {
		u->port = u->https ? 443 : 80;
	}

	/* RFC 9110 4.2.5 (and 7.1: a fragment is never sent): dropped */
	rc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(h, CURLUPART_URL, &v, CURLU_NO_DEFAULT_PORT);
	if (rc != CURLUE_OK) {
		err = curl_code(rc);
		vtg__say(why, whycap, "%s", curl_url_strerror(rc));
		goto out;
	}
	if (!take(v, u->url, sizeof(u->url))) {
		err = VTG_EWEB_TOO_LONG;
		vtg__say(why, whycap, "URL over %d octets", VTG_WEB_URL_MAX - 1);
		goto out;
	}
	v = NULL;
	if (curl_url_get(h, CURLUPART_PATH, &v, 0) != CURLUE_OK || !take(v, u->path, sizeof(u->path))) {
		err = VTG_EWEB_TOO_LONG;
		vtg__say(why, whycap, "path over %d octets", VTG_WEB_URL_MAX - 1);
		goto out;
	}
	v = NULL;
	if (curl_url_get(h, CURLUPART_QUERY, &v, 0) == CURLUE_OK) {
		size_t pl = strlen(u->path), ql = strlen(v);
		bool fits = pl + 1 + ql < sizeof(u->path);
		if (ql > 0 && fits) {
			u->path[pl] = '?';
			memcpy(u->path + pl + 1, v, ql + 1);
		}
		curl_free(v);
		v = NULL;
		if (ql > 0 && !fits) {
			err = VTG_EWEB_TOO_LONG;
			vtg__say(why, whycap, "path over %d octets", VTG_WEB_URL_MAX - 1);
			goto out;
		}
	}
	if (u->path[0] != '/') {
		err = VTG_EWEB_URL;
		vtg__say(why, whycap, "path does not start with /");
		goto out;
	}
out:
	curl_url_cleanup(h);
	return err;
}

int vtg__web_url_parse(const char *s, struct vtg_url *u, char *why, size_t whycap)
{
	vtg__say(why, whycap, "%s", "");
	if (u == NULL)
		return -EINVAL;
	memset(u, 0, sizeof(*u));
	if (s == NULL) {
		vtg__say(why, whycap, "no URL");
		return VTG_EWEB_URL;
	}
	size_t len = strnlen(s, VTG_WEB_URL_MAX);
	if (len >= VTG_WEB_URL_MAX) {
		vtg__say(why, whycap, "URL over %d octets", VTG_WEB_URL_MAX - 1);
		return VTG_EWEB_TOO_LONG;
	}
	int rc = parse(NULL, s, len, VTG_EWEB_URL, u, why, whycap);
	if (rc != 0)
		memset(u, 0, sizeof(*u));
	return rc;
}

static bool ows(char c)
{
	return c == ' ' || c == '\t';
}

int vtg__web_url_resolve(const struct vtg_url *base, const char *location, size_t loc_len,
			 struct vtg_url *out, char *why, size_t whycap)
{
	vtg__say(why, whycap, "%s", "");
	if (out == NULL || base == NULL || base->url[0] == '\0')
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (location == NULL)
		loc_len = 0;
	/* RFC 9110 5.5: a field value has no leading or trailing whitespace;
	 * a parser excludes it */
	while (loc_len > 0 && ows(location[0])) {
		location++;
		loc_len--;
	}
	while (loc_len > 0 && ows(location[loc_len - 1]))
		loc_len--;
	if (loc_len == 0) {
		vtg__say(why, whycap, "empty");
		return VTG_EWEB_LOCATION;
	}
	if (loc_len >= VTG_WEB_URL_MAX) {
		vtg__say(why, whycap, "over %d octets", VTG_WEB_URL_MAX - 1);
		return VTG_EWEB_TOO_LONG;
	}
	int rc = parse(base, location, loc_len, VTG_EWEB_LOCATION, out, why, whycap);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- redirects ---- */

/* FNV-1a, 64 bits (web.h says why a hash suffices). */
static uint64_t url_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

const char *vtg__web_redirect_str(enum vtg_web_redirect_verdict v)
{
	switch (v) {
	case VTG_WEB_REDIRECT_FOLLOW: return "follow";
	case VTG_WEB_REDIRECT_REFUSED: return "redirect-refused";
	case VTG_WEB_REDIRECT_TOO_MANY: return "too-many-redirects";
	}
	return "unknown";
}

void vtg__web_redirects_init(struct vtg_web_redirects *st, const struct vtg_url *start)
{
	memset(st, 0, sizeof(*st));
	if (start != NULL && start->url[0] != '\0')
		st->seen[st->n_seen++] = url_hash(start->url);
}

bool vtg__web_status_redirect(long status)
{
	return status >= 300 && status <= 399;
}

bool vtg__web_status_followable(long status)
{
	/* BR 3.2.2.4.18: 301, 302 or 307 (RFC 7231 6.4), or 308 (RFC 7538);
	 * not 300 (a choice), 303 (see other: a different resource), 304 */
	return status == 301 || status == 302 || status == 307 || status == 308;
}

bool vtg__web_status_ok(long status)
{
	return status >= 200 && status <= 299;
}

enum vtg_web_redirect_verdict vtg__web_redirect(struct vtg_web_redirects *st, long status,
						const struct vtg_url *cur, const char *location,
						size_t loc_len, struct vtg_url *next, char *why,
						size_t whycap)
{
	char detail[VTG_WEB_WHY_MAX];

	vtg__say(why, whycap, "%s", "");
	memset(next, 0, sizeof(*next));
	if (!vtg__web_status_followable(status)) {
		vtg__say(why, whycap, "status %ld", status);
		return VTG_WEB_REDIRECT_REFUSED;
	}
	if (st->hops >= VTG_WEB_MAX_REDIRECTS) {
		vtg__say(why, whycap, "too many redirects (%u followed)", st->hops);
		return VTG_WEB_REDIRECT_TOO_MANY;
	}
	if (location == NULL || loc_len == 0) {
		vtg__say(why, whycap, "no location");
		return VTG_WEB_REDIRECT_REFUSED;
	}
	int rc = vtg__web_url_resolve(cur, location, loc_len, next, detail, sizeof(detail));
	if (rc == VTG_EWEB_SCHEME) {
		vtg__say(why, whycap, "%s", detail);
		return VTG_WEB_REDIRECT_REFUSED;
	}
	if (rc != 0) {
		char shown[WHY_VALUE * 4 + 1];
		escape((const uint8_t *)location, loc_len, WHY_VALUE, shown, sizeof(shown));
		vtg__say(why, whycap, "bad location: %s (%s)", shown, detail);
		return VTG_WEB_REDIRECT_REFUSED;
	}
	/* BR 3.2.2.4.18: "Authorized Ports"; Boulder (and vantage) only 80 and
	 * 443, in either scheme */
	if (next->port != 80 && next->port != 443) {
		vtg__say(why, whycap, "port %u", (unsigned)next->port);
		memset(next, 0, sizeof(*next));
		return VTG_WEB_REDIRECT_REFUSED;
	}
	uint64_t hsh = url_hash(next->url);
	for (unsigned i = 0; i < st->n_seen; i++) {
		if (st->seen[i] == hsh) {
			vtg__say(why, whycap, "loop: %s", next->url);
			memset(next, 0, sizeof(*next));
			return VTG_WEB_REDIRECT_REFUSED;
		}
	}
	if (st->n_seen < sizeof(st->seen) / sizeof(st->seen[0]))
		st->seen[st->n_seen++] = hsh;
	st->hops++;
	return VTG_WEB_REDIRECT_FOLLOW;
}

/* ---- validation URLs ---- */

int vtg__web_http01_url(const char *target, const char *keyauth, struct vtg_url *out)
{
	char host[VTG_WEB_HOST_MAX + 1];
	char buf[VTG_WEB_URL_MAX];
	bool ip = false;
	int fam = 0;

	if (out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (target == NULL)
		return VTG_EWEB_TARGET;
	int rc = vtg__web_target_parse(target, strlen(target), host, sizeof(host), &ip, &fam);
	if (rc != 0)
		return VTG_EWEB_TARGET;
	/* RFC 8555 8.1: keyAuthorization = token || '.' || base64url(thumbprint) */
	if (keyauth == NULL)
		return VTG_EWEB_TOKEN;
	const char *dot = strchr(keyauth, '.');
	if (dot == NULL || dot == keyauth || dot[1] == '\0')
		return VTG_EWEB_TOKEN;
	for (const char *p = keyauth; p < dot; p++)
		if (!b64url(*p))
			return VTG_EWEB_TOKEN;
	for (const char *p = dot + 1; *p != '\0'; p++)
		if (!b64url(*p))
			return VTG_EWEB_TOKEN;
	int n = snprintf(buf, sizeof(buf), "http://%s%s%s" VTG_WEB_HTTP01_PREFIX "%.*s",
			 fam == AF_INET6 ? "[" : "", host, fam == AF_INET6 ? "]" : "",
			 (int)(dot - keyauth), keyauth);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return VTG_EWEB_TOO_LONG;
	return vtg__web_url_parse(buf, out, NULL, 0);
}

static bool file_char(char c)
{
	/* RFC 3986 2.3 unreserved */
	return alpha(c) || digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int vtg__web_change_url(const char *target, bool https, const char *file, struct vtg_url *out)
{
	char host[VTG_WEB_HOST_MAX + 1];
	char buf[VTG_WEB_URL_MAX];
	bool ip = false;
	int fam = 0;

	if (out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (target == NULL)
		return VTG_EWEB_TARGET;
	int rc = vtg__web_target_parse(target, strlen(target), host, sizeof(host), &ip, &fam);
	if (rc != 0)
		return VTG_EWEB_TARGET;
	if (file == NULL)
		return VTG_EWEB_FILE;
	size_t fl = strnlen(file, VTG_WEB_FILE_MAX + 1);
	/* "." and ".." are dot segments: curl would remove them (RFC 3986
	 * 5.2.4) and fetch the directory or its parent instead of a file */
	if (fl == 0 || fl > VTG_WEB_FILE_MAX || strcmp(file, ".") == 0 || strcmp(file, "..") == 0)
		return VTG_EWEB_FILE;
	for (size_t i = 0; i < fl; i++)
		if (!file_char(file[i]))
			return VTG_EWEB_FILE;
	int n = snprintf(buf, sizeof(buf), "%s://%s%s%s" VTG_WEB_CHANGE_PREFIX "%s",
			 https ? "https" : "http", fam == AF_INET6 ? "[" : "", host,
			 fam == AF_INET6 ? "]" : "", file);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return VTG_EWEB_TOO_LONG;
	return vtg__web_url_parse(buf, out, NULL, 0);
}

/* ---- bodies ---- */

const char *vtg__web_body_str(enum vtg_web_body b)
{
	switch (b) {
	case VTG_WEB_BODY_PASS: return "pass";
	case VTG_WEB_BODY_MISMATCH: return "mismatch";
	case VTG_WEB_BODY_TOO_LARGE: return "body-too-large";
	}
	return "unknown";
}

size_t vtg__web_body_cap(enum vtg_dcv_method m, const char *value)
{
	switch (m) {
	case VTG_DCV_HTTP01:
		return (value != NULL ? strlen(value) : 0) + VTG_WEB_BODY_SLACK;
	case VTG_DCV_WEBSITE_CHANGE:
		return VTG_WEB_BODY_MAX;
	default:
		return 0;
	}
}

static bool trailing_ws(uint8_t c)
{
	/* Boulder's cutset "\n\r\t " (RFC 8555 8.3 leaves whitespace open) */
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum vtg_web_body vtg__web_body_check(enum vtg_dcv_method m, const uint8_t *body, size_t len,
				      bool truncated, const char *value)
{
	if (m != VTG_DCV_HTTP01 && m != VTG_DCV_WEBSITE_CHANGE)
		return VTG_WEB_BODY_MISMATCH;
	if (truncated || len > vtg__web_body_cap(m, value))
		return VTG_WEB_BODY_TOO_LARGE;
	if (value == NULL || value[0] == '\0' || (body == NULL && len > 0))
		return VTG_WEB_BODY_MISMATCH;
	size_t vl = strlen(value);
	if (m == VTG_DCV_HTTP01) {
		while (len > 0 && trailing_ws(body[len - 1]))
			len--;
		return (len == vl && memcmp(body, value, vl) == 0) ? VTG_WEB_BODY_PASS
								  : VTG_WEB_BODY_MISMATCH;
	}
	if (len < vl)
		return VTG_WEB_BODY_MISMATCH;
	return memmem(body, len, value, vl) != NULL ? VTG_WEB_BODY_PASS : VTG_WEB_BODY_MISMATCH;
}
