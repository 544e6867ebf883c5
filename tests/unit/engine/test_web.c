/*
 * test_web.c — the engine's HTTP (libcurl on the ring) and TLS-ALPN
 * handshakes against real servers on loopback: a thread in the test accepts
 * TCP connections and answers by a canned script chosen by the listening
 * port's role (plain HTTP, HTTPS with a certificate made at test time, a
 * TLS server that negotiates acme-tls/1 or nothing, a server that never
 * answers). No mocks: real sockets, real io_uring, real TLS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/web.h"

enum role { R_HTTP, R_HTTPS, R_ALPN, R_NOALPN, R_SILENT, R_N };

struct server {
	int lfd[R_N];
	uint16_t port[R_N];
	pthread_t th;
	volatile int stop;
	SSL_CTX *ctx, *ctx_noalpn;
	X509 *cert;
	EVP_PKEY *key;
	unsigned conns;
};

static struct server S;

static X509 *make_cert(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"web.test", -1,
				   -1, 0);
	X509_set_issuer_name(x, n);
	X509V3_CTX c;
	X509V3_set_ctx(&c, x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &c, NID_subject_alt_name, "DNS:web.test");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, key, EVP_sha256());
	return x;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	static const unsigned char want[] = "\x0a" "acme-tls/1";
	if (SSL_select_next_proto((unsigned char **)out, outlen, want, 11, in, inlen) ==
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_OK;
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* read a request head (up to the blank line) from a plain or TLS stream */
static bool read_head(int fd, SSL *ssl, char *buf, size_t cap)
{
	size_t got = 0;
	while (got + 1 < cap) {
		int n = ssl ? SSL_read(ssl, buf + got, (int)(cap - 1 - got))
			    : (int)read(fd, buf + got, cap - 1 - got);
		if (n <= 0)
			return false;
		got += (size_t)n;
		buf[got] = 0;
		if (strstr(buf, "\r\n\r\n"))
			return true;
	}
	return false;
}

static void respond(int fd, SSL *ssl, const char *req)
{
	char out[4096];
	const char *path = strchr(req, ' ');
	path = path ? path + 1 : "/";
	int n;
	if (!strncmp(path, "/redirect ", 10)) {
		n = snprintf(out, sizeof(out), "HTTP/1.1 302 Found\r\nLocation: /there?x=1\r\n"
			     "Content-Length: 0\r\nConnection: close\r\n\r\n");
	} else if (!strncmp(path, "/big ", 5)) {
		char body[3000];
		memset(body, 'b', sizeof(body));
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			     "Connection: close\r\n\r\n%.*s", sizeof(body), (int)sizeof(body), body);
	} else if (!strncmp(path, "/host ", 6)) {
		const char *h = strstr(req, "\r\nHost: ");
		char host[128] = "";
		if (h)
			sscanf(h + 8, "%127[^\r]", host);
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			     "Connection: close\r\n\r\n%s", strlen(host), host);
	} else {
		n = snprintf(out, sizeof(out), "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n"
			     "Connection: close\r\n\r\nhello\n");
	}
	if (ssl)
		SSL_write(ssl, out, n);
	else if (write(fd, out, (size_t)n) < 0)
		return;
}

static void serve_one(enum role r, int fd)
{
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char req[2048];
	if (r == R_SILENT) {
		/* accept, read, never answer: the client must time out */
		while (!S.stop && read(fd, req, sizeof(req)) > 0)
			;
		close(fd);
		return;
	}
	SSL *ssl = NULL;
	if (r != R_HTTP) {
		ssl = SSL_new(r == R_ALPN ? S.ctx : S.ctx_noalpn);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) != 1) {
			ERR_clear_error();
			SSL_free(ssl);
			close(fd);
			return;
		}
	}
	if (r == R_HTTP || r == R_HTTPS) {
		if (read_head(fd, ssl, req, sizeof(req)))
			respond(fd, ssl, req);
	} else {
		/* TLS-ALPN: the client closes after the handshake */
		char b[16];
		SSL_read(ssl, b, sizeof(b));
	}
	if (ssl) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	close(fd);
}

struct conn {
	enum role r;
	int fd;
};

static void *conn_main(void *arg)
{
	struct conn c = *(struct conn *)arg;
	free(arg);
	serve_one(c.r, c.fd);
	return NULL;
}

static void *server_main(void *arg)
{
	(void)arg;
	/* the server's writes to clients that hung up must not kill the test;
	 * the engine (the test's own thread) must never raise SIGPIPE, so it is
	 * blocked only here, and in the connection threads made from here */
	sigset_t pipe;
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	struct pollfd pf[R_N];
	for (int i = 0; i < R_N; i++)
		pf[i] = (struct pollfd){.fd = S.lfd[i], .events = POLLIN};
	while (!S.stop) {
		if (poll(pf, R_N, 50) <= 0)
			continue;
		for (int i = 0; i < R_N; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			int fd = accept(S.lfd[i], NULL, NULL);
			if (fd < 0)
				continue;
			__atomic_fetch_add(&S.conns, 1, __ATOMIC_RELAXED);
			struct conn *c = malloc(sizeof(*c));
			c->r = (enum role)i;
			c->fd = fd;
			pthread_t t;
			pthread_create(&t, NULL, conn_main, c);
			pthread_detach(t);
		}
	}
	return NULL;
}

static void server_start(void)
{
	memset(&S, 0, sizeof(S));
	S.key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	S.cert = make_cert(S.key);
	S.ctx = SSL_CTX_new(TLS_server_method());
	S.ctx_noalpn = SSL_CTX_new(TLS_server_method());
	SSL_CTX *both[2] = {S.ctx, S.ctx_noalpn};
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(SSL_CTX_use_certificate(both[i], S.cert), 1);
		cr_assert_eq(SSL_CTX_use_PrivateKey(both[i], S.key), 1);
	}
	SSL_CTX_set_alpn_select_cb(S.ctx, alpn_select, NULL);
	for (int i = 0; i < R_N; i++) {
		S.lfd[i] = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		cr_assert_eq(bind(S.lfd[i], (struct sockaddr *)&a, sizeof(a)), 0);
		cr_assert_eq(listen(S.lfd[i], 256), 0);
		socklen_t l = sizeof(a);
		getsockname(S.lfd[i], (struct sockaddr *)&a, &l);
		S.port[i] = ntohs(a.sin_port);
	}
	pthread_create(&S.th, NULL, server_main, NULL);
}

static void server_stop(void)
{
	S.stop = 1;
	pthread_join(S.th, NULL);
	for (int i = 0; i < R_N; i++)
		close(S.lfd[i]);
	SSL_CTX_free(S.ctx);
	SSL_CTX_free(S.ctx_noalpn);
	X509_free(S.cert);
	EVP_PKEY_free(S.key);
}

/* ------------------------------------------------------------ the client */

#define MAXR 64
struct got {
	unsigned n_http, n_alpn;
	unsigned calls[MAXR];
	struct vtg_http_result h[MAXR];
	uint8_t body[MAXR][4096];
	char loc[MAXR][256];
	struct vtg_alpn_result a[MAXR];
	uint8_t der[MAXR][4096];
};
static struct got G;
static struct vtg_worker *W;

static void http_cb(void *ud, const struct vtg_http_result *r)
{
	unsigned i = (unsigned)(uintptr_t)ud;
	G.calls[i]++;
	G.n_http++;
	G.h[i] = *r;
	memcpy(G.body[i], r->body, r->body_len < 4096 ? r->body_len : 4096);
	G.h[i].body = G.body[i];
	if (r->location) {
		snprintf(G.loc[i], sizeof(G.loc[i]), "%.*s", (int)r->location_len, r->location);
		G.h[i].location = G.loc[i];
	}
	G.h[i].error = NULL;
}

static void alpn_cb(void *ud, const struct vtg_alpn_result *r)
{
	unsigned i = (unsigned)(uintptr_t)ud;
	G.calls[i]++;
	G.n_alpn++;
	G.a[i] = *r;
	if (r->der && r->der_len <= 4096) {
		memcpy(G.der[i], r->der, r->der_len);
		G.a[i].der = G.der[i];
	}
	G.a[i].error = NULL;
	G.a[i].tls_version = NULL;
}

static void dns_cb(void *ud, const struct vtg_qresult *res)
{
	(void)ud;
	(void)res;
}

static void setup(void)
{
	memset(&G, 0, sizeof(G));
	server_start();
	struct vtg_engine_cfg cfg;
	vtg__engine_cfg_default(&cfg);
	cfg.slots = 64;
	struct vtg_persp_cfg p;
	memset(&p, 0, sizeof(p));
	snprintf(p.id, sizeof(p.id), "p0");
	snprintf(p.source, sizeof(p.source), "127.0.0.1");
	p.iterative = true;
	p.sockets = 1;
	char err[256];
	cr_assert_eq(vtg__worker_new(&W, &cfg, &p, 1, dns_cb, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vtg__worker_set_web(W, 8, http_cb, alpn_cb, err, sizeof(err)), 0, "%s",
		     err);
}

static void teardown(void)
{
	vtg__worker_free(W);
	server_stop();
}

static struct sockaddr_storage addr_of(enum role r)
{
	struct sockaddr_storage ss;
	char a[32];
	snprintf(a, sizeof(a), "127.0.0.1:%u", S.port[r]);
	vtg__parse_addr(a, &ss);
	return ss;
}

static void run_until(unsigned total)
{
	for (int i = 0; i < 400 && G.n_http + G.n_alpn < total; i++)
		cr_assert_geq(vtg__worker_run(W, 50), 0);
	cr_assert_eq(G.n_http + G.n_alpn, total);
	cr_assert_eq(vtg__worker_active(W), 0);
}

static int get(unsigned i, enum role r, const char *path, size_t cap, unsigned timeout_ms)
{
	static char url[MAXR][128];
	struct sockaddr_storage a = addr_of(r);
	snprintf(url[i], sizeof(url[i]), "%s://web.test%s", r == R_HTTPS ? "https" : "http", path);
	struct vtg_http_req rq = {.persp = 0, .url = url[i], .addr = &a, .body_cap = cap,
				  .connect_timeout_ms = 1000, .timeout_ms = timeout_ms};
	return vtg__worker_http(W, &rq, (void *)(uintptr_t)i);
}

TestSuite(web, .init = setup, .fini = teardown, .timeout = 30);

Test(web, http_get_pinned_address_and_host)
{
	cr_assert_eq(get(0, R_HTTP, "/", 100, 2000), 0);
	cr_assert_eq(get(1, R_HTTP, "/host", 100, 2000), 0);
	run_until(2);
	cr_assert_eq(G.h[0].fail, VTG_WEB_OK);
	cr_assert_eq(G.h[0].status, 200);
	cr_assert_eq(G.h[0].body_len, 6);
	cr_assert_eq(memcmp(G.body[0], "hello\n", 6), 0);
	cr_assert_not(G.h[0].truncated);
	cr_assert_null(G.h[0].tls_version);
	char peer[64];
	snprintf(peer, sizeof(peer), "127.0.0.1:%u", S.port[R_HTTP]);
	cr_assert_str_eq(G.h[0].peer, peer);
	/* the name in the URL is the Host header; the address is the pinned one
	 * (web.test resolves nowhere) */
	cr_assert_eq(G.h[1].body_len, strlen("web.test"));
	cr_assert_eq(memcmp(G.body[1], "web.test", 8), 0);
	cr_assert_eq(G.calls[0], 1);
	cr_assert_eq(G.calls[1], 1);
}

Test(web, redirect_reported_not_followed)
{
	cr_assert_eq(get(0, R_HTTP, "/redirect", 100, 2000), 0);
	run_until(1);
	cr_assert_eq(G.h[0].status, 302);
	cr_assert_str_eq(G.loc[0], "/there?x=1");
	cr_assert_eq(S.conns, 1); /* one connection: nothing followed */
}

Test(web, body_capped)
{
	cr_assert_eq(get(0, R_HTTP, "/big", 100, 2000), 0);
	run_until(1);
	cr_assert_eq(G.h[0].fail, VTG_WEB_OK);
	cr_assert_eq(G.h[0].status, 200);
	cr_assert_eq(G.h[0].body_len, 100);
	cr_assert(G.h[0].truncated);
}

Test(web, refused_and_timeout)
{
	/* a port nobody listens on: bind one, close it */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	close(fd);
	struct sockaddr_storage dead;
	memcpy(&dead, &a, sizeof(a));
	struct vtg_http_req rq = {.persp = 0, .url = "http://web.test/", .addr = &dead,
				  .body_cap = 10, .connect_timeout_ms = 1000, .timeout_ms = 1000};
	cr_assert_eq(vtg__worker_http(W, &rq, (void *)(uintptr_t)0), 0);
	cr_assert_eq(get(1, R_SILENT, "/", 10, 300), 0);
	run_until(2);
	cr_assert_eq(G.h[0].fail, VTG_WEB_CONNECT, "%d", G.h[0].fail);
	cr_assert_eq(G.h[0].status, 0);
	cr_assert_eq(G.h[1].fail, VTG_WEB_TIMEOUT, "%d", G.h[1].fail);
	cr_assert_gt(G.h[1].total_ms, 250);
}

Test(web, https_self_signed_hash_reported)
{
	cr_assert_eq(get(0, R_HTTPS, "/", 100, 3000), 0);
	run_until(1);
	cr_assert_eq(G.h[0].fail, VTG_WEB_OK, "%d", G.h[0].fail);
	cr_assert_eq(G.h[0].status, 200);
	cr_assert_not_null(G.h[0].tls_version);
	unsigned char md[32];
	unsigned ml = 0;
	X509_digest(S.cert, EVP_sha256(), md, &ml);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	cr_assert_str_eq(G.h[0].cert_sha256, hex);
	cr_assert_gt(G.h[0].tls_ms, 0);
}

Test(web, tls_alpn_negotiated_and_refused)
{
	struct sockaddr_storage a = addr_of(R_ALPN), b = addr_of(R_NOALPN), c = addr_of(R_HTTP);
	struct vtg_alpn_req rq = {.persp = 0, .addr = &a, .sni = "web.test", .timeout_ms = 2000};
	cr_assert_eq(vtg__worker_alpn(W, &rq, (void *)(uintptr_t)0), 0);
	rq.addr = &b;
	cr_assert_eq(vtg__worker_alpn(W, &rq, (void *)(uintptr_t)1), 0);
	rq.addr = &c; /* plain HTTP: no TLS at all */
	rq.timeout_ms = 500;
	cr_assert_eq(vtg__worker_alpn(W, &rq, (void *)(uintptr_t)2), 0);
	run_until(3);
	cr_assert_eq(G.a[0].fail, VTG_WEB_OK);
	cr_assert(G.a[0].acme_tls);
	unsigned char *der = NULL;
	int l = i2d_X509(S.cert, &der);
	cr_assert_eq(G.a[0].der_len, (size_t)l);
	cr_assert_eq(memcmp(G.der[0], der, (size_t)l), 0);
	OPENSSL_free(der);
	/* no acme-tls/1 on offer at the server: a handshake without it */
	cr_assert_eq(G.a[1].fail, VTG_WEB_OK);
	cr_assert_not(G.a[1].acme_tls);
	cr_assert_neq(G.a[2].fail, VTG_WEB_OK);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(G.calls[i], 1);
}

Test(web, slots_full_then_all_complete_once)
{
	for (unsigned i = 0; i < 8; i++)
		cr_assert_eq(get(i, R_HTTP, "/", 100, 2000), 0);
	cr_assert_eq(get(8, R_HTTP, "/", 100, 2000), -EAGAIN);
	cr_assert_eq(vtg__worker_web_free(W), 0);
	run_until(8);
	/* and again: slots are reused */
	for (unsigned i = 8; i < 16; i++)
		cr_assert_eq(get(i, R_HTTP, "/", 100, 2000), 0);
	run_until(16);
	for (unsigned i = 0; i < 16; i++) {
		cr_assert_eq(G.calls[i], 1, "request %u", i);
		cr_assert_eq(G.h[i].status, 200, "request %u", i);
	}
}

Test(web, bad_requests_refused)
{
	struct sockaddr_storage a = addr_of(R_HTTP);
	struct vtg_http_req rq = {.persp = 1, .url = "http://web.test/", .addr = &a,
				  .body_cap = 10, .timeout_ms = 100};
	cr_assert_eq(vtg__worker_http(W, &rq, NULL), -EINVAL);
	rq.persp = 0;
	rq.body_cap = VTG_WEB_BUF_MAX + 1;
	cr_assert_eq(vtg__worker_http(W, &rq, NULL), -EINVAL);
	rq.body_cap = 10;
	rq.url = NULL;
	cr_assert_eq(vtg__worker_http(W, &rq, NULL), -EINVAL);
	cr_assert_eq(vtg__worker_active(W), 0);
}
