/*
 * fuzz_web.c — libFuzzer target for the pure logic of HTTP validation
 * (caa/web.c): URL parsing, Location resolution, redirect chains, targets,
 * the http-01 / website-change URL builders, body verdicts and excerpts.
 *
 * Input layout: byte 0 selects the operation (mod 6), byte 1 a base URL or
 * method where one is needed; the rest is the operation's input:
 *   0  vtg__web_url_parse of the rest (as a C string: up to its first NUL)
 *   1  vtg__web_url_resolve of the rest, exact length (NULs included),
 *      against base[byte 1]
 *   2  a redirect chain from base[byte 1]: records of [status selector]
 *      [length][that many Location octets] until the input ends
 *   3  vtg__web_target_parse of the rest, then the URLs built for it
 *   4  the rest as an http-01 key authorization and a website-change file
 *   5  vtg__web_body_check and vtg__web_excerpt: byte 1 picks the method
 *      and the truncated flag, the rest up to the first NUL is the value,
 *      after it the body
 * Every input of variable length is copied to an exact-size heap buffer so
 * ASan sees any read past it. Besides "never crash", the target checks the
 * invariants callers rely on and traps when one breaks (a normalised URL
 * parses to itself; a followed redirect is on port 80 / 443; a refusal
 * leaves the chain as it was; the excerpt is printable ASCII).
 *
 * Built with tests/fuzz/replay_main.c it replays tests/fuzz/corpus/web.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caa/web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                        \
	do {                            \
		if (!(x))               \
			__builtin_trap(); \
	} while (0)

#define KA "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEY4SaQRk8"

static const char *const bases[] = {
	"http://example.com/.well-known/acme-challenge/tok",
	"https://example.com:443/a/b/c?q=1",
	"http://192.0.2.1/x",
	"http://[2001:db8::1]/a/",
	"https://www.example.org:8443/deep/path/file.html",
	"http://a_b.example./",
	"http://example.com/",
	"http://example.com/a/b/../c/./d?x#y",
};
#define N_BASES (sizeof(bases) / sizeof(bases[0]))

static const long statuses[] = {301, 302, 307, 308, 303, 300, 304, 200, 404, 399};
#define N_STATUSES (sizeof(statuses) / sizeof(statuses[0]))

static struct vtg_url u, v, w;

static bool why_ok(const char *why, size_t cap)
{
	return memchr(why, '\0', cap) != NULL;
}

/* The invariants of a successfully parsed URL. */
static void url_ok(const struct vtg_url *x)
{
	size_t n = strnlen(x->url, sizeof(x->url));
	CHECK(n > 0 && n < sizeof(x->url));
	CHECK(strncmp(x->url, x->https ? "https://" : "http://", x->https ? 8 : 7) == 0);
	CHECK(x->host[0] != '\0' && strnlen(x->host, sizeof(x->host)) < sizeof(x->host));
	for (const char *p = x->host; *p; p++)
		CHECK(!(*p >= 'A' && *p <= 'Z'));
	CHECK(x->host_is_ip == (x->family != 0));
	CHECK(x->port != 0);
	if (!x->port_explicit)
		CHECK(x->port == (x->https ? 443 : 80));
	CHECK(x->path[0] == '/');
	CHECK(strchr(x->url, '#') == NULL);
	for (const char *p = x->url; *p; p++)
		CHECK(*p > 0x20 && *p < 0x7f);
	/* normalisation is idempotent */
	char why[VTG_WEB_WHY_MAX];
	CHECK(vtg__web_url_parse(x->url, &w, why, sizeof(why)) == 0);
	CHECK(strcmp(w.url, x->url) == 0);
	CHECK(strcmp(w.host, x->host) == 0 && strcmp(w.path, x->path) == 0);
	CHECK(w.port == x->port && w.https == x->https);
}

static void base_url(uint8_t sel, struct vtg_url *out)
{
	char why[VTG_WEB_WHY_MAX];
	CHECK(vtg__web_url_parse(bases[sel % N_BASES], out, why, sizeof(why)) == 0);
}

static void op_parse(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	char why[VTG_WEB_WHY_MAX];
	if (s == NULL)
		return;
	memcpy(s, p, n);
	s[n] = '\0';
	int rc = vtg__web_url_parse(s, &u, why, sizeof(why));
	CHECK(why_ok(why, sizeof(why)));
	if (rc == 0)
		url_ok(&u);
	else
		CHECK(rc < 0 && u.url[0] == '\0' && why[0] != '\0');
	free(s);
}

static void op_resolve(uint8_t sel, const uint8_t *p, size_t n)
{
	char why[VTG_WEB_WHY_MAX];
	char *loc = malloc(n ? n : 1);
	if (loc == NULL)
		return;
	memcpy(loc, p, n);
	base_url(sel, &u);
	int rc = vtg__web_url_resolve(&u, loc, n, &v, why, sizeof(why));
	CHECK(why_ok(why, sizeof(why)));
	if (rc == 0) {
		url_ok(&v);
		/* nothing outside printable ASCII got through */
		for (size_t i = 0; i < n; i++)
			if (loc[i] != ' ' && loc[i] != '\t')
				CHECK(loc[i] > 0x20 && loc[i] < 0x7f && loc[i] != '\\');
	} else {
		CHECK(rc < 0 && v.url[0] == '\0' && why[0] != '\0');
	}
	free(loc);
}

static void op_chain(uint8_t sel, const uint8_t *p, size_t n)
{
	struct vtg_web_redirects st;
	char why[VTG_WEB_WHY_MAX];
	base_url(sel, &u);
	vtg__web_redirects_init(&st, &u);
	size_t off = 0;
	while (off + 2 <= n) {
		long status = statuses[p[off] % N_STATUSES];
		size_t len = p[off + 1];
		off += 2;
		if (len > n - off)
			len = n - off;
		char *loc = malloc(len ? len : 1);
		if (loc == NULL)
			return;
		memcpy(loc, p + off, len);
		off += len;
		struct vtg_web_redirects before = st;
		enum vtg_web_redirect_verdict r =
			vtg__web_redirect(&st, status, &u, loc, len, &v, why, sizeof(why));
		free(loc);
		CHECK(why_ok(why, sizeof(why)));
		CHECK(st.hops <= VTG_WEB_MAX_REDIRECTS);
		if (r == VTG_WEB_REDIRECT_FOLLOW) {
			CHECK(vtg__web_status_followable(status));
			CHECK(st.hops == before.hops + 1 && why[0] == '\0');
			CHECK(v.port == 80 || v.port == 443);
			url_ok(&v);
			u = v;
		} else {
			CHECK(r == VTG_WEB_REDIRECT_REFUSED || r == VTG_WEB_REDIRECT_TOO_MANY);
			CHECK(memcmp(&before, &st, sizeof(st)) == 0);
			CHECK(why[0] != '\0' && v.url[0] == '\0');
			if (r == VTG_WEB_REDIRECT_TOO_MANY)
				CHECK(st.hops == VTG_WEB_MAX_REDIRECTS);
			for (const char *c = why; *c; c++)
				CHECK(*c >= 0x20 && *c < 0x7f);
		}
	}
}

static void op_target(const uint8_t *p, size_t n)
{
	char host[VTG_WEB_HOST_MAX + 1];
	bool ip = false;
	int fam = -1;
	char *s = malloc(n ? n : 1);
	if (s == NULL)
		return;
	memcpy(s, p, n);
	int rc = vtg__web_target_parse(s, n, host, sizeof(host), &ip, &fam);
	free(s);
	if (rc != 0) {
		CHECK(rc == VTG_EWEB_TARGET);
		return;
	}
	CHECK(host[0] != '\0' && ip == (fam != 0));
	/* the canonical form is a fixed point */
	char again[VTG_WEB_HOST_MAX + 1];
	bool ip2;
	int fam2;
	CHECK(vtg__web_target_parse(host, strlen(host), again, sizeof(again), &ip2, &fam2) == 0);
	CHECK(strcmp(again, host) == 0 && ip2 == ip && fam2 == fam);
	/* every valid target makes valid URLs, on the host given */
	CHECK(vtg__web_http01_url(host, KA, &u) == 0);
	url_ok(&u);
	CHECK(strcmp(u.host, host) == 0 && u.port == 80 && !u.https);
	CHECK(vtg__web_change_url(host, true, "f.txt", &u) == 0);
	url_ok(&u);
	CHECK(strcmp(u.host, host) == 0 && u.port == 443 && u.https);
}

static void op_names(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s == NULL)
		return;
	memcpy(s, p, n);
	s[n] = '\0';
	int rc = vtg__web_http01_url("example.com", s, &u);
	if (rc == 0) {
		url_ok(&u);
		const char *dot = strchr(s, '.');
		CHECK(dot != NULL);
		size_t pl = sizeof(VTG_WEB_HTTP01_PREFIX) - 1;
		CHECK(strncmp(u.path, VTG_WEB_HTTP01_PREFIX, pl) == 0);
		CHECK(strlen(u.path + pl) == (size_t)(dot - s));
		CHECK(memcmp(u.path + pl, s, (size_t)(dot - s)) == 0);
	} else {
		CHECK(rc == VTG_EWEB_TOKEN || rc == VTG_EWEB_TOO_LONG);
	}
	rc = vtg__web_change_url("2001:db8::1", false, s, &u);
	if (rc == 0) {
		url_ok(&u);
		/* the file named is the file fetched */
		size_t pl = sizeof(VTG_WEB_CHANGE_PREFIX) - 1;
		CHECK(strncmp(u.path, VTG_WEB_CHANGE_PREFIX, pl) == 0);
		CHECK(strcmp(u.path + pl, s) == 0);
	} else {
		CHECK(rc == VTG_EWEB_FILE || rc == VTG_EWEB_TOO_LONG);
	}
	free(s);
}

static void op_body(uint8_t sel, const uint8_t *p, size_t n)
{
	static const enum vtg_dcv_method methods[] = {VTG_DCV_HTTP01, VTG_DCV_WEBSITE_CHANGE,
						      VTG_DCV_TLSALPN01};
	enum vtg_dcv_method m = methods[(sel & 3) % 3];
	bool truncated = (sel & 4) != 0;
	const uint8_t *nul = memchr(p, '\0', n);
	size_t vl = nul ? (size_t)(nul - p) : n;
	char *value = malloc(vl + 1);
	if (value == NULL)
		return;
	memcpy(value, p, vl);
	value[vl] = '\0';
	size_t bl = nul ? n - vl - 1 : 0;
	uint8_t *body = malloc(bl ? bl : 1);
	if (body == NULL) {
		free(value);
		return;
	}
	if (bl)
		memcpy(body, nul + 1, bl);

	enum vtg_web_body r = vtg__web_body_check(m, body, bl, truncated, value);
	size_t cap = vtg__web_body_cap(m, value);
	CHECK(r <= VTG_WEB_BODY_TOO_LARGE);
	if (truncated || bl > cap)
		CHECK(r == VTG_WEB_BODY_TOO_LARGE || m == VTG_DCV_TLSALPN01);
	if (r == VTG_WEB_BODY_PASS) {
		CHECK(m != VTG_DCV_TLSALPN01 && vl > 0 && bl >= vl && bl <= cap && !truncated);
		if (m == VTG_DCV_HTTP01) {
			CHECK(memcmp(body, value, vl) == 0);
			for (size_t i = vl; i < bl; i++)
				CHECK(body[i] == ' ' || body[i] == '\t' || body[i] == '\r' ||
				      body[i] == '\n');
		} else {
			CHECK(memmem(body, bl, value, vl) != NULL);
		}
	}

	char ex[VTG_WEB_EXCERPT_CAP];
	size_t el = vtg__web_excerpt(body, bl, ex, sizeof(ex));
	CHECK(el < sizeof(ex) && ex[el] == '\0' && strlen(ex) == el);
	for (size_t i = 0; i < el; i++)
		CHECK(ex[i] >= 0x20 && ex[i] < 0x7f && ex[i] != '"');
	char small[7];
	size_t sl = vtg__web_excerpt(body, bl, small, sizeof(small));
	CHECK(sl < sizeof(small) && sl <= el && memcmp(small, ex, sl) == 0);

	free(body);
	free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const uint8_t *rest = data + 2;
	size_t n = size - 2;
	switch (data[0] % 6) {
	case 0: op_parse(rest, n); break;
	case 1: op_resolve(data[1], rest, n); break;
	case 2: op_chain(data[1], rest, n); break;
	case 3: op_target(rest, n); break;
	case 4: op_names(rest, n); break;
	case 5: op_body(data[1], rest, n); break;
	}
	return 0;
}
