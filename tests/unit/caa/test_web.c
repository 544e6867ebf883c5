/*
 * test_web.c — the pure logic of HTTP domain validation (caa/web.h):
 * URL parsing and Location resolution through libcurl with vantage's
 * strictness around it, the redirect rules of BR 3.2.2.4.18 / .19 as
 * Boulder applies them (status, scheme, port, loops, at most 10), the
 * validation targets and URLs of http-01 (RFC 8555 8.3, RFC 8738) and
 * website-change, the body verdicts and the evidence excerpt.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "caa/web.h"

static struct vtg_url u, v;
static char why[VTG_WEB_WHY_MAX];

static void parse_ok(const char *s)
{
	int rc = vtg__web_url_parse(s, &u, why, sizeof(why));
	cr_assert_eq(rc, 0, "%s: %d (%s: %s)", s, rc, vtg_strerror(rc), why);
}

/* ---- error codes ---- */

Test(web, error_codes_distinct_with_text)
{
	static const int codes[] = {
		VTG_EWEB_URL, VTG_EWEB_SCHEME, VTG_EWEB_USERINFO, VTG_EWEB_HOST,
		VTG_EWEB_PORT, VTG_EWEB_TOO_LONG, VTG_EWEB_LOCATION, VTG_EWEB_TOKEN,
		VTG_EWEB_FILE, VTG_EWEB_TARGET,
	};
	size_t n = sizeof(codes) / sizeof(codes[0]);
	for (size_t i = 0; i < n; i++) {
		cr_assert_leq(codes[i], VTG_ERROR_BASE);
		cr_assert_str_neq(vtg_strerror(codes[i]), "unknown error");
		for (size_t k = i + 1; k < n; k++)
			cr_assert_neq(codes[i], codes[k]);
	}
}

/* ---- URL parsing ---- */

struct url_ok {
	const char *in;
	const char *url;
	bool https;
	const char *host;
	int family;
	uint16_t port;
	bool explicit_port;
	const char *path;
};

Test(url, parse_normalises)
{
	static const struct url_ok t[] = {
		{"http://example.com", "http://example.com/", false, "example.com", 0, 80, false, "/"},
		{"HTTP://Example.COM/A?b#c", "http://example.com/A?b", false, "example.com", 0, 80,
		 false, "/A?b"},
		{"https://example.com:443/x", "https://example.com/x", true, "example.com", 0, 443,
		 true, "/x"},
		{"http://example.com:80/x", "http://example.com/x", false, "example.com", 0, 80, true,
		 "/x"},
		{"http://example.com:8080/", "http://example.com:8080/", false, "example.com", 0, 8080,
		 true, "/"},
		{"https://example.com:80/", "https://example.com:80/", true, "example.com", 0, 80, true,
		 "/"},
		{"http://192.0.2.1/p", "http://192.0.2.1/p", false, "192.0.2.1", AF_INET, 80, false,
		 "/p"},
		{"http://[2001:DB8:0:0::1]/x", "http://[2001:db8::1]/x", false, "2001:db8::1",
		 AF_INET6, 80, false, "/x"},
		{"http://[::FFFF:1.2.3.4]:443/x", "http://[::ffff:1.2.3.4]:443/x", false,
		 "::ffff:1.2.3.4", AF_INET6, 443, true, "/x"},
		{"http://a_b.example/", "http://a_b.example/", false, "a_b.example", 0, 80, false, "/"},
		{"http://example.com./", "http://example.com./", false, "example.com.", 0, 80, false,
		 "/"},
		{"http://example.com/?", "http://example.com/", false, "example.com", 0, 80, false, "/"},
		{"http://example.com/%7e?a=%41", "http://example.com/%7e?a=%41", false, "example.com",
		 0, 80, false, "/%7e?a=%41"},
		{"http://example.com/../../x/./y", "http://example.com/x/y", false, "example.com", 0,
		 80, false, "/x/y"},
		{"http://example.com#frag", "http://example.com/", false, "example.com", 0, 80, false,
		 "/"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		parse_ok(t[i].in);
		cr_assert_str_eq(u.url, t[i].url, "%s", t[i].in);
		cr_assert_eq(u.https, t[i].https, "%s", t[i].in);
		cr_assert_str_eq(u.host, t[i].host, "%s", t[i].in);
		cr_assert_eq(u.host_is_ip, t[i].family != 0, "%s", t[i].in);
		cr_assert_eq(u.family, t[i].family, "%s", t[i].in);
		cr_assert_eq(u.port, t[i].port, "%s", t[i].in);
		cr_assert_eq(u.port_explicit, t[i].explicit_port, "%s", t[i].in);
		cr_assert_str_eq(u.path, t[i].path, "%s", t[i].in);
		cr_assert_str_eq(why, "", "%s", t[i].in);
		/* the normalised URL parses to itself */
		char again[VTG_WEB_URL_MAX];
		memcpy(again, u.url, sizeof(again));
		parse_ok(again);
		cr_assert_str_eq(u.url, again);
	}
}

struct url_bad {
	const char *in;
	int err;
	const char *why; /* a prefix of the detail, or NULL */
};

Test(url, parse_refuses)
{
	static const struct url_bad t[] = {
		{"ftp://a.example/b", VTG_EWEB_SCHEME, "scheme ftp"},
		{"file:///etc/passwd", VTG_EWEB_SCHEME, "scheme file"},
		{"gopher://a.example/", VTG_EWEB_SCHEME, "scheme gopher"},
		{"javascript:alert(1)", VTG_EWEB_SCHEME, "scheme javascript"},
		{"http://u:p@a.example/", VTG_EWEB_USERINFO, "userinfo"},
		{"http://u@a.example/", VTG_EWEB_USERINFO, "userinfo"},
		{"http://@a.example/", VTG_EWEB_USERINFO, "userinfo"},
		{"http://", VTG_EWEB_HOST, "empty host"},
		{"http:///x", VTG_EWEB_HOST, "empty host"},
		{"http://:80/", VTG_EWEB_HOST, NULL},
		{"http:/a.example/b", VTG_EWEB_URL, NULL},
		{"http:a.example/b", VTG_EWEB_URL, NULL},
		{"example.com/x", VTG_EWEB_URL, "not an absolute URL"},
		{"//a.example/x", VTG_EWEB_URL, "not an absolute URL"},
		{"", VTG_EWEB_URL, NULL},
		/* hosts: strict, never guessed */
		{"http://ex%61mple.com/", VTG_EWEB_HOST, "percent"},
		{"http://ex\xc3\xa4mple.com/", VTG_EWEB_HOST, "host: octet 0xc3"},
		{"http://0x7f.1/", VTG_EWEB_HOST, "host 0x7f.1"},
		{"http://127.1/", VTG_EWEB_HOST, NULL},
		{"http://1.2.3/", VTG_EWEB_HOST, NULL},
		{"http://999.1.1.1/", VTG_EWEB_HOST, NULL},
		{"http://a.1/", VTG_EWEB_HOST, NULL},
		{"http://a..b/", VTG_EWEB_HOST, NULL},
		{"http://[fe80::1%25eth0]/", VTG_EWEB_HOST, NULL},
		{"http://[::1/", VTG_EWEB_HOST, NULL},
		{"http://a\\b.example/", VTG_EWEB_HOST, NULL},
		{"http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example/",
		 VTG_EWEB_HOST, NULL},
		/* ports */
		{"http://a.example:0/", VTG_EWEB_PORT, "port 0"},
		{"http://a.example:65536/", VTG_EWEB_PORT, NULL},
		{"http://a.example:x/", VTG_EWEB_PORT, NULL},
		{"http://a.example:-1/", VTG_EWEB_PORT, NULL},
		/* octets outside printable ASCII, space and backslash */
		{"http://a.example/ b", VTG_EWEB_URL, "octet 0x20 at 17"},
		{"http://a.example/\tb", VTG_EWEB_URL, NULL},
		{"http://a.example/\r\nb", VTG_EWEB_URL, NULL},
		{"http://a.example/\\b", VTG_EWEB_URL, NULL},
		{"http://a.example/\xff", VTG_EWEB_URL, NULL},
		{"http://a.example/\x7f", VTG_EWEB_URL, NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&u, 'X', sizeof(u));
		int rc = vtg__web_url_parse(t[i].in, &u, why, sizeof(why));
		cr_assert_eq(rc, t[i].err, "%s: got %d (%s: %s), want %d", t[i].in, rc,
			     vtg_strerror(rc), why, t[i].err);
		cr_assert_neq(why[0], '\0', "%s: a detail", t[i].in);
		if (t[i].why != NULL)
			cr_assert_eq(strncmp(why, t[i].why, strlen(t[i].why)), 0, "%s: why '%s'",
				     t[i].in, why);
		cr_assert_eq(u.url[0], '\0', "%s: zeroed on error", t[i].in);
		cr_assert_eq(u.port, 0);
	}
	cr_assert_eq(vtg__web_url_parse(NULL, &u, why, sizeof(why)), VTG_EWEB_URL);
	cr_assert_eq(vtg__web_url_parse(NULL, &u, NULL, 0), VTG_EWEB_URL);
}

Test(url, too_long_refused_not_truncated)
{
	static char big[VTG_WEB_URL_MAX + 64];
	memset(big, 0, sizeof(big));
	strcpy(big, "http://a.example/");
	size_t l = strlen(big);
	/* exactly VTG_WEB_URL_MAX - 1 octets fits */
	memset(big + l, 'x', VTG_WEB_URL_MAX - 1 - l);
	parse_ok(big);
	cr_assert_eq(strlen(u.url), (size_t)VTG_WEB_URL_MAX - 1);
	big[VTG_WEB_URL_MAX - 1] = 'x';
	cr_assert_eq(vtg__web_url_parse(big, &u, why, sizeof(why)), VTG_EWEB_TOO_LONG);
	memset(big + l, 'x', sizeof(big) - l - 1);
	cr_assert_eq(vtg__web_url_parse(big, &u, why, sizeof(why)), VTG_EWEB_TOO_LONG);
}

/* ---- Location resolution ---- */

static int resolve(const char *base, const char *loc, size_t len)
{
	parse_ok(base);
	return vtg__web_url_resolve(&u, loc, len, &v, why, sizeof(why));
}

struct res_ok {
	const char *base;
	const char *loc;
	const char *url;
};

Test(location, resolves_rfc3986_references)
{
	static const struct res_ok t[] = {
		{"http://base.example/a/b/c?z", "../x", "http://base.example/a/x"},
		{"http://base.example/a/b/c?z", "x", "http://base.example/a/b/x"},
		{"http://base.example/a/b/c?z", "./x/../y", "http://base.example/a/b/y"},
		{"http://base.example/a/b/c?z", "//other.example/p", "http://other.example/p"},
		{"https://base.example/a", "//other.example/p", "https://other.example/p"},
		{"http://base.example/a/b/c?z", "/abs?q", "http://base.example/abs?q"},
		{"http://base.example/a/b/c?z", "?q2", "http://base.example/a/b/c?q2"},
		{"http://base.example/a/b/c?z", "#frag", "http://base.example/a/b/c?z"},
		{"http://base.example/a/b/c?z", "https://x.example/y#f", "https://x.example/y"},
		{"http://base.example/a/b/c?z", " \thttps://x.example/y \t", "https://x.example/y"},
		{"http://base.example/a", "HTTPS://X.Example:443/Y", "https://x.example/Y"},
		{"http://base.example/a", "//[2001:db8::1]/p", "http://[2001:db8::1]/p"},
		{"http://base.example/a", "//192.0.2.7:8080/p", "http://192.0.2.7:8080/p"},
		{"http://[2001:db8::1]/a/b", "c", "http://[2001:db8::1]/a/c"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = resolve(t[i].base, t[i].loc, strlen(t[i].loc));
		cr_assert_eq(rc, 0, "%s + %s: %d (%s)", t[i].base, t[i].loc, rc, why);
		cr_assert_str_eq(v.url, t[i].url, "%s + %s", t[i].base, t[i].loc);
	}
}

Test(location, length_is_exact)
{
	/* the octets after loc_len are not the Location's */
	cr_assert_eq(resolve("http://base.example/a/b/c", "../xGARBAGE\r\n", 4), 0);
	cr_assert_str_eq(v.url, "http://base.example/a/x");
	cr_assert_eq(resolve("http://base.example/a/b/c", "/x", 0), VTG_EWEB_LOCATION);
}

struct res_bad {
	const char *loc;
	size_t len; /* 0: strlen */
	int err;
};

Test(location, refuses_garbage)
{
	static const struct res_bad t[] = {
		{"", 0, VTG_EWEB_LOCATION},
		{" \t ", 0, VTG_EWEB_LOCATION},
		{"x y", 0, VTG_EWEB_LOCATION},
		{"/a b", 0, VTG_EWEB_LOCATION},
		{"http://a.example/x\r\nSet-Cookie: a=b", 0, VTG_EWEB_LOCATION},
		{"/x\r\n", 0, VTG_EWEB_LOCATION},
		{"/x\n", 0, VTG_EWEB_LOCATION},
		{"/x\0y", 4, VTG_EWEB_LOCATION},
		{"\0", 1, VTG_EWEB_LOCATION},
		{"\\\\evil.example/x", 0, VTG_EWEB_LOCATION},
		{"/\\evil.example/x", 0, VTG_EWEB_LOCATION},
		{"/\xc3\xa4", 0, VTG_EWEB_LOCATION},
		{"ftp://a.example/", 0, VTG_EWEB_SCHEME},
		{"data:text/plain,x", 0, VTG_EWEB_SCHEME},
		{"//u@h.example/", 0, VTG_EWEB_USERINFO},
		{"///x", 0, VTG_EWEB_HOST},
		{"//h%2eexample/", 0, VTG_EWEB_HOST},
		{"//h\xc3\xa4.example/", 0, VTG_EWEB_HOST},
		{"http:/x", 0, VTG_EWEB_URL},
		{"//h.example:0/", 0, VTG_EWEB_PORT},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len = t[i].len ? t[i].len : strlen(t[i].loc);
		memset(&v, 'X', sizeof(v));
		int rc = resolve("http://base.example/a/b", t[i].loc, len);
		cr_assert_eq(rc, t[i].err, "case %zu: got %d (%s), want %d", i, rc, why, t[i].err);
		cr_assert_neq(why[0], '\0');
		cr_assert_eq(v.url[0], '\0', "case %zu: zeroed", i);
	}
	static char big[VTG_WEB_URL_MAX + 1];
	memset(big, 'x', sizeof(big));
	cr_assert_eq(resolve("http://base.example/a/b", big, sizeof(big)), VTG_EWEB_TOO_LONG);
	/* short, but too long once resolved against a long base path */
	static char longbase[VTG_WEB_URL_MAX];
	strcpy(longbase, "http://base.example/");
	memset(longbase + 20, 'p', VTG_WEB_URL_MAX - 23);
	longbase[VTG_WEB_URL_MAX - 3] = '/';
	longbase[VTG_WEB_URL_MAX - 2] = '\0';
	cr_assert_eq(resolve(longbase, "x", 1), 0);
	cr_assert_eq(resolve(longbase, "xy", 2), VTG_EWEB_TOO_LONG);
}

/* ---- redirects ---- */

static struct vtg_web_redirects st;

static enum vtg_web_redirect_verdict hop(long status, const char *loc)
{
	struct vtg_url cur = u;
	enum vtg_web_redirect_verdict r =
		vtg__web_redirect(&st, status, &cur, loc, loc ? strlen(loc) : 0, &u, why, sizeof(why));
	if (r != VTG_WEB_REDIRECT_FOLLOW)
		u = cur;
	return r;
}

static void start(const char *url)
{
	parse_ok(url);
	vtg__web_redirects_init(&st, &u);
}

Test(redirect, followable_statuses_only)
{
	static const long yes[] = {301, 302, 307, 308};
	for (size_t i = 0; i < 4; i++) {
		start("http://a.example/x");
		cr_assert_eq(hop(yes[i], "/y"), VTG_WEB_REDIRECT_FOLLOW, "%ld", yes[i]);
		cr_assert_str_eq(u.url, "http://a.example/y");
		cr_assert_eq(st.hops, 1u);
		cr_assert_str_eq(why, "");
	}
	static const long no[] = {303, 300, 304, 305, 306, 309, 399, 200, 404, 0, -1};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		start("http://a.example/x");
		cr_assert_eq(hop(no[i], "/y"), VTG_WEB_REDIRECT_REFUSED, "%ld", no[i]);
		char want[32];
		snprintf(want, sizeof(want), "status %ld", no[i]);
		cr_assert_str_eq(why, want);
		cr_assert_eq(st.hops, 0u);
	}
	cr_assert(vtg__web_status_redirect(303));
	cr_assert(vtg__web_status_redirect(300));
	cr_assert_not(vtg__web_status_redirect(200));
	cr_assert_not(vtg__web_status_redirect(400));
	cr_assert(vtg__web_status_ok(200));
	cr_assert(vtg__web_status_ok(204));
	cr_assert_not(vtg__web_status_ok(301));
	cr_assert_not(vtg__web_status_followable(303));
	cr_assert_str_eq(vtg__web_redirect_str(VTG_WEB_REDIRECT_REFUSED), "redirect-refused");
	cr_assert_str_eq(vtg__web_redirect_str(VTG_WEB_REDIRECT_TOO_MANY), "too-many-redirects");
	cr_assert_str_eq(vtg__web_redirect_str(VTG_WEB_REDIRECT_FOLLOW), "follow");
}

Test(redirect, ports_80_and_443_only)
{
	start("http://a.example/x");
	cr_assert_eq(hop(302, "http://b.example:8080/y"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "port 8080");
	cr_assert_eq(hop(302, "https://b.example:8443/y"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "port 8443");
	cr_assert_eq(hop(302, "//b.example:22/y"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "port 22");
	cr_assert_eq(st.hops, 0u);
	/* explicit 80 / 443 are fine, in either scheme (as Boulder) */
	cr_assert_eq(hop(302, "http://b.example:443/y"), VTG_WEB_REDIRECT_FOLLOW, "%s", why);
	cr_assert_eq(u.port, 443);
	cr_assert_eq(hop(302, "https://c.example:443/y"), VTG_WEB_REDIRECT_FOLLOW, "%s", why);
	cr_assert_str_eq(u.url, "https://c.example/y");
	cr_assert_eq(hop(302, "http://d.example:80/y"), VTG_WEB_REDIRECT_FOLLOW, "%s", why);
	cr_assert_eq(hop(302, "https://e.example:80/y"), VTG_WEB_REDIRECT_FOLLOW, "%s", why);
	cr_assert_eq(hop(302, "https://f.example/"), VTG_WEB_REDIRECT_FOLLOW, "%s", why);
	cr_assert_eq(u.port, 443);
	cr_assert_eq(st.hops, 5u);
}

Test(redirect, http_and_https_schemes_only)
{
	start("http://a.example/x");
	cr_assert_eq(hop(301, "ftp://a.example/x"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "scheme ftp");
	cr_assert_eq(hop(301, "file:///etc/passwd"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "scheme file");
	cr_assert_eq(hop(301, "https://a.example/x"), VTG_WEB_REDIRECT_FOLLOW);
	cr_assert(u.https);
	/* a downgrade is not refused (BR and Boulder allow it) */
	cr_assert_eq(hop(301, "http://a.example/y"), VTG_WEB_REDIRECT_FOLLOW);
	cr_assert_not(u.https);
}

Test(redirect, loops_refused)
{
	start("http://a.example/x");
	cr_assert_eq(hop(302, "http://b.example/y"), VTG_WEB_REDIRECT_FOLLOW);
	cr_assert_eq(hop(302, "http://a.example/x"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "loop: http://a.example/x");
	cr_assert_eq(st.hops, 1u);

	/* to itself */
	start("http://a.example/x");
	cr_assert_eq(hop(307, "/x"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "loop: http://a.example/x");
	cr_assert_eq(hop(307, "#again"), VTG_WEB_REDIRECT_REFUSED);

	/* the same resource written differently is the same URL */
	start("http://a.example/x");
	cr_assert_eq(hop(302, "https://b.example/"), VTG_WEB_REDIRECT_FOLLOW);
	cr_assert_eq(hop(302, "HTTP://A.EXAMPLE:80/x#frag"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "loop: http://a.example/x");

	/* a -> b -> c -> b */
	start("http://a.example/");
	cr_assert_eq(hop(302, "http://b.example/"), VTG_WEB_REDIRECT_FOLLOW);
	cr_assert_eq(hop(302, "http://c.example/"), VTG_WEB_REDIRECT_FOLLOW);
	cr_assert_eq(hop(302, "http://b.example/"), VTG_WEB_REDIRECT_REFUSED);

	/* not a loop: other query, other scheme */
	start("http://a.example/x");
	cr_assert_eq(hop(302, "/x?1"), VTG_WEB_REDIRECT_FOLLOW);
	cr_assert_eq(hop(302, "https://a.example/x"), VTG_WEB_REDIRECT_FOLLOW);
}

Test(redirect, ten_followed_eleventh_refused)
{
	start("http://a.example/0");
	for (int i = 1; i <= VTG_WEB_MAX_REDIRECTS; i++) {
		char loc[32];
		snprintf(loc, sizeof(loc), "/%d", i);
		cr_assert_eq(hop(301, loc), VTG_WEB_REDIRECT_FOLLOW, "hop %d: %s", i, why);
		cr_assert_eq(st.hops, (unsigned)i);
	}
	cr_assert_eq(VTG_WEB_MAX_REDIRECTS, 10);
	cr_assert_eq(hop(301, "/11"), VTG_WEB_REDIRECT_TOO_MANY);
	cr_assert_str_eq(why, "too many redirects (10 followed)");
	cr_assert_eq(st.hops, 10u);
	cr_assert_str_eq(u.url, "http://a.example/10");
}

Test(redirect, bad_locations_refused)
{
	start("http://a.example/x");
	cr_assert_eq(hop(302, NULL), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "no location");
	cr_assert_eq(hop(302, ""), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_str_eq(why, "no location");
	cr_assert_eq(hop(302, "  "), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_eq(strncmp(why, "bad location: ", 14), 0, "%s", why);
	cr_assert_eq(hop(302, "/y\r\nX-Evil: 1"), VTG_WEB_REDIRECT_REFUSED);
	/* the value is quoted escaped: no CR / LF reaches the evidence */
	cr_assert_eq(strncmp(why, "bad location: /y\\x0d\\x0aX-Evil: 1 (", 35), 0, "%s", why);
	cr_assert_eq(hop(302, "/a b"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_eq(hop(302, "http://u@b.example/"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_eq(hop(302, "http://0x7f.1/"), VTG_WEB_REDIRECT_REFUSED);
	cr_assert_eq(strncmp(why, "bad location: ", 14), 0, "%s", why);
	cr_assert_eq(st.hops, 0u);
	/* surrounding whitespace is not part of the value */
	cr_assert_eq(hop(302, " /y\t"), VTG_WEB_REDIRECT_FOLLOW, "%s", why);
	cr_assert_str_eq(u.url, "http://a.example/y");
}

/* ---- targets ---- */

struct target_ok {
	const char *in;
	const char *out;
	int family;
};

Test(target, parses_names_and_literals)
{
	static const struct target_ok t[] = {
		{"example.com", "example.com", 0},
		{"WWW.Example.COM.", "www.example.com", 0},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", 0},
		{"a-b.c0.example", "a-b.c0.example", 0},
		{"192.0.2.1", "192.0.2.1", AF_INET},
		{"2001:DB8:0::1", "2001:db8::1", AF_INET6},
		{"[2001:db8::1]", "2001:db8::1", AF_INET6},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.1", AF_INET6},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[VTG_WEB_HOST_MAX + 1];
		bool ip = true;
		int fam = -1;
		int rc = vtg__web_target_parse(t[i].in, strlen(t[i].in), out, sizeof(out), &ip, &fam);
		cr_assert_eq(rc, 0, "%s: %d", t[i].in, rc);
		cr_assert_str_eq(out, t[i].out);
		cr_assert_eq(ip, t[i].family != 0);
		cr_assert_eq(fam, t[i].family);
	}
}

Test(target, refuses)
{
	static const char *const t[] = {
		"", "*.example.com", "-a.example", "a-.example", "a_b.example", "a..b", ".a",
		"a.example..", "1.2.3", "01.2.3.4", "256.1.1.1", "192.0.2.1.", "a.123",
		"[192.0.2.1]", "[2001:db8::1", "2001:db8::1]", "fe80::1%eth0", "ex ample.com",
		"ex\xc3\xa4mple.com", "example.com/x", "example.com:80", "a@b.example",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char out[VTG_WEB_HOST_MAX + 1];
		bool ip;
		int fam;
		cr_assert_eq(vtg__web_target_parse(t[i], strlen(t[i]), out, sizeof(out), &ip, &fam),
			     VTG_EWEB_TARGET, "%s", t[i]);
	}
	char out[VTG_WEB_HOST_MAX + 1];
	bool ip;
	int fam;
	/* a NUL inside the exact length */
	cr_assert_eq(vtg__web_target_parse("a.example\0b", 11, out, sizeof(out), &ip, &fam),
		     VTG_EWEB_TARGET);
	/* a name of 254 characters without its dot */
	char name[300];
	memset(name, 0, sizeof(name));
	for (int i = 0; i < 4; i++)
		memcpy(name + i * 64, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.", 64);
	name[253] = '\0';
	name[252] = 'a';
	cr_assert_eq(strlen(name), 253u);
	cr_assert_eq(vtg__web_target_parse(name, 253, out, sizeof(out), &ip, &fam), 0);
	name[253] = 'a';
	cr_assert_eq(vtg__web_target_parse(name, 254, out, sizeof(out), &ip, &fam), VTG_EWEB_TARGET);
	/* the output must fit */
	cr_assert_eq(vtg__web_target_parse("example.com", 11, out, 11, &ip, &fam), VTG_EWIRE_SPACE);
	cr_assert_str_eq(out, "");
	cr_assert_eq(vtg__web_target_parse("example.com", 11, out, 12, &ip, &fam), 0);
}

/* ---- validation URLs ---- */

#define TOKEN "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define THUMB "nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEY4SaQRk8"
#define KA TOKEN "." THUMB

Test(http01, url_for_names_and_ips)
{
	cr_assert_eq(vtg__web_http01_url("Example.COM", KA, &u), 0);
	cr_assert_str_eq(u.url, "http://example.com/.well-known/acme-challenge/" TOKEN);
	cr_assert_str_eq(u.path, "/.well-known/acme-challenge/" TOKEN);
	cr_assert_eq(u.port, 80);
	cr_assert_not(u.https);
	cr_assert_str_eq(u.host, "example.com");

	cr_assert_eq(vtg__web_http01_url("192.0.2.1", KA, &u), 0);
	cr_assert_str_eq(u.url, "http://192.0.2.1/.well-known/acme-challenge/" TOKEN);
	cr_assert(u.host_is_ip);

	/* RFC 8738 3 + RFC 3986 3.2.2: an IPv6 literal is bracketed */
	cr_assert_eq(vtg__web_http01_url("2001:db8::1", KA, &u), 0);
	cr_assert_str_eq(u.url, "http://[2001:db8::1]/.well-known/acme-challenge/" TOKEN);
	cr_assert_str_eq(u.host, "2001:db8::1");
	cr_assert_eq(u.family, AF_INET6);
}

Test(http01, token_must_be_base64url)
{
	static const char *const bad[] = {
		"a/b." THUMB, "a+b." THUMB, "a=." THUMB, "." THUMB, TOKEN, TOKEN ".",
		"../x." THUMB, "a b." THUMB, "a%2f." THUMB, TOKEN ".a+b", TOKEN ".a.b", "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vtg__web_http01_url("example.com", bad[i], &u), VTG_EWEB_TOKEN, "%s",
			     bad[i]);
	cr_assert_eq(vtg__web_http01_url("example.com", NULL, &u), VTG_EWEB_TOKEN);
	cr_assert_eq(vtg__web_http01_url("*.example.com", KA, &u), VTG_EWEB_TARGET);
	cr_assert_eq(vtg__web_http01_url("a b", KA, &u), VTG_EWEB_TARGET);
	cr_assert_eq(vtg__web_http01_url(NULL, KA, &u), VTG_EWEB_TARGET);
	cr_assert_eq(vtg__web_http01_url("example.com", "A_-z9.b", &u), 0);
	cr_assert_str_eq(u.path, "/.well-known/acme-challenge/A_-z9");
	/* a token too long for the URL is refused, not cut */
	static char longka[VTG_WEB_URL_MAX + 8];
	memset(longka, 'a', sizeof(longka));
	longka[VTG_WEB_URL_MAX] = '.';
	longka[VTG_WEB_URL_MAX + 1] = 'b';
	longka[VTG_WEB_URL_MAX + 2] = '\0';
	cr_assert_eq(vtg__web_http01_url("example.com", longka, &u), VTG_EWEB_TOO_LONG);
}

Test(change, url_and_file_names)
{
	cr_assert_eq(vtg__web_change_url("example.com", true, "fileauth.txt", &u), 0);
	cr_assert_str_eq(u.url, "https://example.com/.well-known/pki-validation/fileauth.txt");
	cr_assert_eq(u.port, 443);
	cr_assert_eq(vtg__web_change_url("example.com", false, "a-b_c.d~e", &u), 0);
	cr_assert_str_eq(u.url, "http://example.com/.well-known/pki-validation/a-b_c.d~e");
	cr_assert_eq(u.port, 80);
	cr_assert_eq(vtg__web_change_url("2001:db8::1", false, "f", &u), 0);
	cr_assert_str_eq(u.url, "http://[2001:db8::1]/.well-known/pki-validation/f");

	static const char *const bad[] = {
		"", ".", "..", "a/b", "../x", "a?b", "a#b", "a%2fb", "a b", "a\tb", "a\nb",
		"a\\b", "\xc3\xa4", "a+b", "a;b",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vtg__web_change_url("example.com", true, bad[i], &u), VTG_EWEB_FILE,
			     "'%s'", bad[i]);
	cr_assert_eq(vtg__web_change_url("example.com", true, NULL, &u), VTG_EWEB_FILE);
	char f[VTG_WEB_FILE_MAX + 2];
	memset(f, 'f', sizeof(f));
	f[VTG_WEB_FILE_MAX] = '\0';
	cr_assert_eq(vtg__web_change_url("example.com", true, f, &u), 0);
	f[VTG_WEB_FILE_MAX] = 'f';
	f[VTG_WEB_FILE_MAX + 1] = '\0';
	cr_assert_eq(vtg__web_change_url("example.com", true, f, &u), VTG_EWEB_FILE);
	cr_assert_eq(vtg__web_change_url("-x.example", true, "f", &u), VTG_EWEB_TARGET);
}

/* ---- bodies ---- */

static enum vtg_web_body body(enum vtg_dcv_method m, const char *b, size_t len, const char *val)
{
	return vtg__web_body_check(m, (const uint8_t *)b, len, false, val);
}

Test(body, http01_trailing_whitespace_then_exact)
{
	const enum vtg_dcv_method m = VTG_DCV_HTTP01;
	cr_assert_eq(body(m, KA, strlen(KA), KA), VTG_WEB_BODY_PASS);
	cr_assert_eq(body(m, KA "\r\n", strlen(KA) + 2, KA), VTG_WEB_BODY_PASS);
	cr_assert_eq(body(m, KA " \t\r\n\n ", strlen(KA) + 6, KA), VTG_WEB_BODY_PASS);
	cr_assert_eq(body(m, KA " x", strlen(KA) + 2, KA), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, " " KA, strlen(KA) + 1, KA), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, "\n" KA, strlen(KA) + 1, KA), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, KA "\v", strlen(KA) + 1, KA), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, KA "\0", strlen(KA) + 1, KA), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, TOKEN, strlen(TOKEN), KA), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, KA, strlen(KA) - 1, KA), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, "", 0, KA), VTG_WEB_BODY_MISMATCH);
	/* case matters: the key authorization is base64url */
	char lowered[sizeof(KA)];
	memcpy(lowered, KA, sizeof(KA));
	lowered[0] = 'E';
	cr_assert_eq(body(m, lowered, strlen(KA), KA), VTG_WEB_BODY_MISMATCH);
	/* an empty expectation never passes, even against an empty body */
	cr_assert_eq(body(m, "", 0, ""), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, "", 0, NULL), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, "\r\n", 2, ""), VTG_WEB_BODY_MISMATCH);
}

Test(body, http01_size_cap)
{
	const enum vtg_dcv_method m = VTG_DCV_HTTP01;
	size_t cap = vtg__web_body_cap(m, KA);
	cr_assert_eq(cap, strlen(KA) + VTG_WEB_BODY_SLACK);
	cr_assert_eq(VTG_WEB_BODY_SLACK, 128);
	static char b[1024];
	memset(b, ' ', sizeof(b));
	memcpy(b, KA, strlen(KA));
	/* KA + 128 octets of whitespace: at the cap, passes */
	cr_assert_eq(body(m, b, cap, KA), VTG_WEB_BODY_PASS);
	/* KA + 129: too large, whatever they are */
	cr_assert_eq(body(m, b, cap + 1, KA), VTG_WEB_BODY_TOO_LARGE);
	/* the client stopped reading at cap + 1 */
	cr_assert_eq(vtg__web_body_check(m, (const uint8_t *)b, cap, true, KA),
		     VTG_WEB_BODY_TOO_LARGE);
	cr_assert_eq(vtg__web_body_check(m, (const uint8_t *)KA, strlen(KA), true, KA),
		     VTG_WEB_BODY_TOO_LARGE);
}

Test(body, website_change_contains)
{
	const enum vtg_dcv_method m = VTG_DCV_WEBSITE_CHANGE;
	const char *rv = "r4nd0m-V4lue";
	cr_assert_eq(body(m, "r4nd0m-V4lue", 12, rv), VTG_WEB_BODY_PASS);
	const char *page = "<html><body>token: r4nd0m-V4lue\n</body></html>";
	cr_assert_eq(body(m, page, strlen(page), rv), VTG_WEB_BODY_PASS);
	cr_assert_eq(body(m, page, strlen(page) - 30, rv), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, "r4nd0m-v4lue", 12, rv), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, "r4nd0m-V4lu", 11, rv), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, "nothing here", 12, rv), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, "", 0, rv), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(m, "abc", 3, ""), VTG_WEB_BODY_MISMATCH);
	/* binary around the value is fine */
	cr_assert_eq(body(m, "\0\xffr4nd0m-V4lue\0", 15, rv), VTG_WEB_BODY_PASS);

	cr_assert_eq(vtg__web_body_cap(m, rv), (size_t)VTG_WEB_BODY_MAX);
	static char big[VTG_WEB_BODY_MAX + 1];
	memset(big, 'x', sizeof(big));
	memcpy(big + VTG_WEB_BODY_MAX - 12, rv, 12);
	cr_assert_eq(body(m, big, VTG_WEB_BODY_MAX, rv), VTG_WEB_BODY_PASS);
	cr_assert_eq(body(m, big, VTG_WEB_BODY_MAX + 1, rv), VTG_WEB_BODY_TOO_LARGE);
	memcpy(big, rv, 12);
	cr_assert_eq(vtg__web_body_check(m, (const uint8_t *)big, 100, true, rv),
		     VTG_WEB_BODY_TOO_LARGE);
}

Test(body, other_methods_never_pass)
{
	cr_assert_eq(vtg__web_body_cap(VTG_DCV_TLSALPN01, KA), 0u);
	cr_assert_eq(vtg__web_body_cap(VTG_DCV_DNS01, KA), 0u);
	cr_assert_eq(body(VTG_DCV_DNS01, KA, strlen(KA), KA), VTG_WEB_BODY_MISMATCH);
	cr_assert_eq(body(VTG_DCV_TLSALPN01, KA, strlen(KA), KA), VTG_WEB_BODY_MISMATCH);
	cr_assert_str_eq(vtg__web_body_str(VTG_WEB_BODY_PASS), "pass");
	cr_assert_str_eq(vtg__web_body_str(VTG_WEB_BODY_MISMATCH), "mismatch");
	cr_assert_str_eq(vtg__web_body_str(VTG_WEB_BODY_TOO_LARGE), "body-too-large");
}

/* ---- evidence ---- */

Test(excerpt, escapes_and_bounds)
{
	char out[VTG_WEB_EXCERPT_CAP];
	size_t n = vtg__web_excerpt((const uint8_t *)"ok <b>\0\"\\\xff\r\n~", 13, out, sizeof(out));
	cr_assert_str_eq(out, "ok <b>\\x00\\x22\\x5c\\xff\\x0d\\x0a~");
	cr_assert_eq(n, strlen(out));

	/* only the first VTG_WEB_EXCERPT octets */
	uint8_t big[300];
	memset(big, 'a', sizeof(big));
	n = vtg__web_excerpt(big, sizeof(big), out, sizeof(out));
	cr_assert_eq(n, (size_t)VTG_WEB_EXCERPT);
	/* all escaped: exactly fills the cap */
	memset(big, 0x01, sizeof(big));
	n = vtg__web_excerpt(big, sizeof(big), out, sizeof(out));
	cr_assert_eq(n, (size_t)VTG_WEB_EXCERPT * 4);
	cr_assert_eq(n + 1, sizeof(out));
	for (size_t i = 0; i < n; i++)
		cr_assert(out[i] >= 0x20 && out[i] < 0x7f);

	/* a small buffer: no half escape */
	n = vtg__web_excerpt((const uint8_t *)"ab\x01", 3, out, 5);
	cr_assert_str_eq(out, "ab");
	cr_assert_eq(n, 2u);
	n = vtg__web_excerpt((const uint8_t *)"ab", 2, out, 1);
	cr_assert_str_eq(out, "");
	cr_assert_eq(vtg__web_excerpt(NULL, 10, out, sizeof(out)), 0u);
	cr_assert_eq(vtg__web_excerpt(big, 10, out, 0), 0u);
}
