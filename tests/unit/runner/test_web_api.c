/*
 * test_web_api.c — web validation (http-01, website-change, tls-alpn-01)
 * through the public API, end to end: the real engine resolves the target
 * through a DNS server thread and fetches from an HTTP server thread, both on
 * 127.0.0.1 inside a network namespace of the test's own (unshare: port 80
 * is the challenge's port, and this keeps the host's untouched). Needs root
 * (CI runs as root). No mocks: real sockets, io_uring, libcurl.
 *   DNS: NAME.api.test A 127.0.0.1 for any NAME, AAAA NODATA;
 *        v6.api.test also AAAA ::1 (nothing listens there: IPv4 after);
 *        v6only.api.test AAAA ::1 and no A; gone.api.test NXDOMAIN
 *   HTTP :80  /.well-known/acme-challenge/tokA     "tokA.thumb\n"
 *             /.well-known/acme-challenge/moved    302 -> /.well-known/acme-challenge/tokA
 *             /.well-known/acme-challenge/away     301 -> http://x.api.test:8080/...
 *             /.well-known/pki-validation/f.txt    "... RANDOM-42 ..."
 *             anything else                        404
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vantage.h"

static struct {
	int dns, http;
	uint16_t dns_port;
	pthread_t th;
	volatile int stop;
} S;

/* ---- DNS: copy the question, answer A 127.0.0.1 ----------------------- */

static void dns_reply(const uint8_t *q, size_t n, const struct sockaddr_in *from)
{
	if (n < 17)
		return;
	size_t off = 12;
	char name[256] = "";
	size_t nl = 0;
	while (off < n && q[off] != 0) {
		unsigned l = q[off];
		if (off + 1 + l > n || nl + l + 2 > sizeof(name))
			return;
		for (unsigned i = 0; i < l; i++)
			name[nl++] = (char)(q[off + 1 + i] | 0x20);
		name[nl++] = '.';
		off += 1 + l;
	}
	name[nl] = 0;
	off++;
	if (off + 4 > n)
		return;
	uint16_t qtype = (uint16_t)(q[off] << 8 | q[off + 1]);
	off += 4;
	uint8_t out[512];
	memcpy(out, q, off);
	out[2] = (uint8_t)(0x84 | (q[2] & 0x01));
	out[3] = 0x80;
	out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;
	size_t o = off;
	if (!strcmp(name, "gone.api.test.")) {
		out[3] |= 3; /* NXDOMAIN */
	} else if (qtype == 1 && strcmp(name, "v6only.api.test.")) {
		static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
		memcpy(out + o, rr, sizeof(rr));
		o += sizeof(rr);
		out[7] = 1;
	} else if (qtype == 28 && !strncmp(name, "v6", 2)) {
		static const uint8_t rr[] = {0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16,
					     0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
		memcpy(out + o, rr, sizeof(rr));
		o += sizeof(rr);
		out[7] = 1;
	}
	sendto(S.dns, out, o, 0, (const struct sockaddr *)from, sizeof(*from));
}

/* ---- HTTP: read the head, answer by path ------------------------------- */

static void http_one(int fd)
{
	char req[2048];
	size_t got = 0;
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got + 1 < sizeof(req)) {
		ssize_t r = read(fd, req + got, sizeof(req) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		req[got] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[got] = 0;
	char out[1024];
	int n;
	if (strstr(req, "GET /.well-known/acme-challenge/tokA "))
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n"
			     "Connection: close\r\n\r\ntokA.thumb\n");
	else if (strstr(req, "GET /.well-known/acme-challenge/moved "))
		n = snprintf(out, sizeof(out), "HTTP/1.1 302 Found\r\nLocation: "
			     "/.well-known/acme-challenge/tokA\r\nContent-Length: 0\r\n"
			     "Connection: close\r\n\r\n");
	else if (strstr(req, "GET /.well-known/acme-challenge/away "))
		n = snprintf(out, sizeof(out), "HTTP/1.1 301 Moved\r\nLocation: "
			     "http://x.api.test:8080/.well-known/acme-challenge/tokA\r\n"
			     "Content-Length: 0\r\nConnection: close\r\n\r\n");
	else if (strstr(req, "GET /.well-known/pki-validation/f.txt "))
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n"
			     "Connection: close\r\n\r\nhere is RANDOM-42 .\n");
	else
		n = snprintf(out, sizeof(out), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
			     "Connection: close\r\n\r\n");
	if (send(fd, out, (size_t)n, MSG_NOSIGNAL) < 0)
		return;
}

static void *server_main(void *arg)
{
	(void)arg;
	struct pollfd pf[2] = {{.fd = S.dns, .events = POLLIN}, {.fd = S.http, .events = POLLIN}};
	while (!S.stop) {
		if (poll(pf, 2, 50) <= 0)
			continue;
		if (pf[0].revents & POLLIN) {
			uint8_t q[512];
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(S.dns, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
			if (r > 0)
				dns_reply(q, (size_t)r, &from);
		}
		if (pf[1].revents & POLLIN) {
			int fd = accept(S.http, NULL, NULL);
			if (fd >= 0) {
				http_one(fd);
				close(fd);
			}
		}
	}
	return NULL;
}

static void setup(void)
{
	/* a namespace of our own (the test's process only), its lo up */
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s (needs root)",
		     strerror(errno));
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	cr_assert_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	S.dns = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_eq(bind(S.dns, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t l = sizeof(a);
	getsockname(S.dns, (struct sockaddr *)&a, &l);
	S.dns_port = ntohs(a.sin_port);
	S.http = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(80);
	cr_assert_eq(bind(S.http, (struct sockaddr *)&a, sizeof(a)), 0, "bind :80: %s",
		     strerror(errno));
	cr_assert_eq(listen(S.http, 64), 0);
	S.stop = 0;
	pthread_create(&S.th, NULL, server_main, NULL);
}

static void teardown(void)
{
	S.stop = 1;
	pthread_join(S.th, NULL);
	close(S.dns);
	close(S.http);
}

TestSuite(web_api, .init = setup, .fini = teardown, .timeout = 60);

static struct vtg_engine *engine(const char *method, const char *path)
{
	char res[32], err[256];
	snprintf(res, sizeof(res), "127.0.0.1:%u", S.dns_port);
	struct vtg_options o = {
		.resolver = res,
		.kind = VTG_CHECK_DCV,
		.dcv_method = method,
		.dcv_http_path = path,
		.timeout_ms = 500,
		.retries = 1,
	};
	struct vtg_engine *e = NULL;
	cr_assert_eq(vtg_engine_new(&e, &o, err, sizeof(err)), 0, "%s", err);
	return e;
}

struct out {
	int positive, code, n_persp;
	char reason[256];
	char json[8192];
};

/* submit checks, wait for all, keep each completion by its index */
static void run(struct vtg_engine *e, const struct vtg_check *ck, unsigned n, struct out *o)
{
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(vtg_submit_check(e, &ck[i], (void *)(uintptr_t)i, NULL), 0, "check %u", i);
	unsigned got = 0;
	for (int spin = 0; spin < 200 && got < n; spin++) {
		struct vtg_completion c[8];
		int k = vtg_poll(e, c, 8, 100);
		cr_assert_geq(k, 0);
		for (int j = 0; j < k; j++, got++) {
			struct out *x = &o[(uintptr_t)c[j].user];
			x->positive = c[j].positive;
			x->code = c[j].reason_code;
			x->n_persp = (int)c[j].n_perspectives;
			snprintf(x->reason, sizeof(x->reason), "%s", c[j].reason);
			snprintf(x->json, sizeof(x->json), "%s", c[j].json);
		}
	}
	cr_assert_eq(got, n);
}

Test(web_api, http01_by_name_ip_redirect_and_failures)
{
	struct vtg_engine *e = engine("http-01", NULL);
	struct vtg_check ck[] = {
		{.kind = VTG_CHECK_DCV, .name = "www.api.test", .expect = "tokA.thumb"},
		{.kind = VTG_CHECK_DCV, .name = "127.0.0.1", .expect = "tokA.thumb"},
		{.kind = VTG_CHECK_DCV, .name = "www.api.test", .expect = "tokA.other"},
		{.kind = VTG_CHECK_DCV, .name = "www.api.test", .expect = "moved.x"},
		{.kind = VTG_CHECK_DCV, .name = "www.api.test", .expect = "away.x"},
		{.kind = VTG_CHECK_DCV, .name = "www.api.test", .expect = "nothere.x"},
		{.kind = VTG_CHECK_DCV, .name = "gone.api.test", .expect = "tokA.thumb"},
		{.kind = VTG_CHECK_DCV, .name = "www.api.test", .expect = "bad/token.x"},
		{.kind = VTG_CHECK_DCV, .name = "v6.api.test", .expect = "tokA.thumb"},
		{.kind = VTG_CHECK_DCV, .name = "v6only.api.test", .expect = "tokA.thumb"},
	};
	struct out o[10];
	memset(o, 0, sizeof(o));
	run(e, ck, 10, o);
	cr_assert_eq(o[0].positive, 1, "%s", o[0].reason);
	cr_assert_eq(o[0].code, VTG_REASON_DCV_PASS);
	cr_assert(strstr(o[0].json, "\"connected\":\"127.0.0.1:80\""), "%s", o[0].json);
	cr_assert_eq(o[1].positive, 1, "%s", o[1].reason);
	cr_assert(strstr(o[1].json, "\"ip\":\"127.0.0.1\""));
	cr_assert_eq(o[2].code, VTG_REASON_DCV_MISMATCH, "%s", o[2].reason);
	/* moved: the token is "moved", the redirect leads to tokA's body, which
	 * is not this key authorization */
	cr_assert_eq(o[3].code, VTG_REASON_DCV_MISMATCH, "%s", o[3].reason);
	cr_assert(strstr(o[3].json, "\"redirects\":1"), "%s", o[3].json);
	cr_assert_eq(o[4].code, VTG_REASON_DCV_REDIRECT_REFUSED, "%s", o[4].reason);
	cr_assert_str_eq(o[4].reason, "redirect-refused: port 8080");
	cr_assert_eq(o[5].code, VTG_REASON_DCV_HTTP_STATUS);
	cr_assert_str_eq(o[5].reason, "http-status: 404");
	cr_assert_eq(o[6].code, VTG_REASON_DCV_NO_ADDRESS, "%s", o[6].reason);
	cr_assert_eq(o[7].code, VTG_REASON_DCV_INVALID, "%s", o[7].reason);
	cr_assert_str_eq(vtg_reason_str(VTG_REASON_DCV_REDIRECT_REFUSED), "redirect-refused");
	/* IPv6 first: refused at [::1]:80, then the same hop over IPv4 */
	cr_assert_eq(o[8].positive, 1, "%s", o[8].reason);
	cr_assert(strstr(o[8].json, "\"addresses\":[\"::1\",\"127.0.0.1\"]"), "%s", o[8].json);
	const char *t6 = strstr(o[8].json, "\"tried\":\"[::1]:80\"");
	const char *c4 = strstr(o[8].json, "\"connected\":\"127.0.0.1:80\"");
	cr_assert(t6 && c4 && t6 < c4, "%s", o[8].json);
	cr_assert_eq(o[9].code, VTG_REASON_DCV_CONNECT_FAILURE, "%s", o[9].reason);
	cr_assert(strstr(o[9].json, "\"tried\":\"[::1]:80\""), "%s", o[9].json);
	vtg_engine_free(e);
}

Test(web_api, website_change_and_tls_alpn_per_check)
{
	/* the engine's method is http-01; each check names its own */
	struct vtg_engine *e = engine("http-01", NULL);
	struct vtg_check ck[] = {
		{.kind = VTG_CHECK_DCV, .name = "www.api.test", .dcv_method = "website-change",
		 .dcv_http_path = "f.txt", .expect = "RANDOM-42"},
		{.kind = VTG_CHECK_DCV, .name = "www.api.test", .dcv_method = "website-change",
		 .dcv_http_path = "f.txt", .expect = "RANDOM-43"},
		{.kind = VTG_CHECK_DCV, .name = "www.api.test", .dcv_method = "website-change",
		 .expect = "RANDOM-42"},
		{.kind = VTG_CHECK_DCV, .name = "127.0.0.1", .dcv_method = "tls-alpn-01",
		 .expect = "tokA.thumb"},
	};
	struct out o[4];
	memset(o, 0, sizeof(o));
	run(e, ck, 4, o);
	cr_assert_eq(o[0].positive, 1, "%s", o[0].reason);
	cr_assert(strstr(o[0].json, "/.well-known/pki-validation/f.txt"));
	cr_assert_eq(o[1].code, VTG_REASON_DCV_MISMATCH, "%s", o[1].reason);
	/* no file name: the request is invalid, said so */
	cr_assert_eq(o[2].code, VTG_REASON_DCV_INVALID, "%s", o[2].reason);
	cr_assert(strstr(o[2].reason, "http-path"), "%s", o[2].reason);
	/* nothing listens on 443 here */
	cr_assert_eq(o[3].code, VTG_REASON_DCV_CONNECT_FAILURE, "%s", o[3].reason);
	cr_assert(strstr(o[3].json, "\"sni\":\"1.0.0.127.in-addr.arpa\""), "%s", o[3].json);
	vtg_engine_free(e);
}
