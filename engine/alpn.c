/*
 * alpn.c — TLS-ALPN-01 handshakes (RFC 8737) on the worker's ring (web.h):
 * a non-blocking TCP connect from the perspective's socket, then OpenSSL's
 * client handshake offering only "acme-tls/1" with the SNI the caller gives;
 * every WANT_READ / WANT_WRITE becomes a one-shot poll on the ring. The
 * result is the negotiated protocol and the peer's certificate; no
 * application data is exchanged (RFC 8737 section 3: the client closes after
 * the handshake).
 *
 * One SSL_CTX per worker (no certificate verification: the check is of the
 * certificate's content, caa/tlsalpn.c; TLS 1.2 or newer); one SSL per
 * handshake, made when it starts and freed when it ends.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "common/alloc.h"
#include "engine/engine_int.h"
#include "engine/web.h"

/* RFC 8737 section 6.2: the ALPN protocol ID, in wire form (length first) */
static const unsigned char ACME_TLS_1[] = "\x0a" "acme-tls/1";
#define ACME_TLS_1_LEN 11

enum hstate { H_FREE = 0, H_CONNECT, H_HANDSHAKE };

struct alpn_slot {
	uint8_t state;
	bool armed;
	uint32_t gen;
	uint32_t next_free;
	int fd;
	SSL *ssl;
	void *ud;
	short want;
	uint64_t start_ns, connected_ns, deadline_ns;
	char peer[64];
};

struct alpn {
	SSL_CTX *ctx;
	BIO_METHOD *bio;   /* the socket BIO, writing with MSG_NOSIGNAL */
	struct alpn_slot *s;
	unsigned n;
	uint32_t free_head;
	uint8_t *der;      /* VTG_WEB_CERT_MAX: the certificate handed back */
};

/*
 * OpenSSL's socket BIO writes with write(2): a peer that hung up raises
 * SIGPIPE, which kills a process that embeds the library and did not ignore
 * it. This BIO is the socket BIO with its write made by send(MSG_NOSIGNAL)
 * (what libcurl does for its own connections).
 */
static int nosig_write(BIO *b, const char *buf, int len)
{
	int fd = -1;
	BIO_get_fd(b, &fd);
	errno = 0;
	ssize_t n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);
	BIO_clear_retry_flags(b);
	if (n <= 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static BIO_METHOD *nosig_method(void)
{
	const BIO_METHOD *sock = BIO_s_socket();
	BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOCKET, "vantage socket");
	if (!m)
		return NULL;
	BIO_meth_set_write(m, nosig_write);
	BIO_meth_set_read(m, BIO_meth_get_read(sock));
	BIO_meth_set_puts(m, BIO_meth_get_puts(sock));
	BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(sock));
	BIO_meth_set_create(m, BIO_meth_get_create(sock));
	BIO_meth_set_destroy(m, BIO_meth_get_destroy(sock));
	return m;
}

static void arm(struct vtg_worker *w, struct alpn *a, struct alpn_slot *s, short want)
{
	struct io_uring_sqe *sqe = sqe_get(w);
	if (!sqe)
		return;
	s->want = want;
	io_uring_prep_poll_add(sqe, s->fd, (unsigned)want);
	io_uring_sqe_set_data64(sqe, ud_pack(OP_ALPN, (uint32_t)(s - a->s), s->gen));
	s->armed = true;
}

static void disarm(struct vtg_worker *w, struct alpn *a, struct alpn_slot *s)
{
	if (s->armed) {
		struct io_uring_sqe *sqe = sqe_get(w);
		if (sqe) {
			io_uring_prep_poll_remove(sqe, ud_pack(OP_ALPN, (uint32_t)(s - a->s),
							       s->gen));
			io_uring_sqe_set_data64(sqe, ud_pack(OP_NOP, 0, 0));
		}
		s->armed = false;
	}
	s->gen++;
}

static double ms_since(uint64_t from, uint64_t to)
{
	return to > from ? (double)(to - from) / 1e6 : 0;
}

/* End slot s with res (fail, error set by the caller), then free it. */
static void finish(struct vtg_worker *w, struct alpn *a, struct alpn_slot *s,
		   struct vtg_alpn_result *res)
{
	uint64_t now = vtg__mono_ns();
	snprintf(res->peer, sizeof(res->peer), "%s", s->peer);
	res->connect_ms = s->connected_ns ? ms_since(s->start_ns, s->connected_ns) : 0;
	if (res->fail == VTG_WEB_OK)
		res->tls_ms = ms_since(s->start_ns, now);
	disarm(w, a, s);
	void *ud = s->ud;
	w->completions++;
	(w->alpn_active)--;
	w->alpn_cb(ud, res);
	if (s->ssl) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	s->state = H_FREE;
	s->ud = NULL;
	s->next_free = a->free_head;
	a->free_head = (uint32_t)(s - a->s);
}

static void fail(struct vtg_worker *w, struct alpn *a, struct alpn_slot *s,
		 enum vtg_web_fail f, const char *why)
{
	struct vtg_alpn_result res;
	memset(&res, 0, sizeof(res));
	res.fail = f;
	res.error = why;
	finish(w, a, s, &res);
}

/* The handshake is done: what was negotiated, and the certificate. */
static void done(struct vtg_worker *w, struct alpn *a, struct alpn_slot *s)
{
	struct vtg_alpn_result res;
	memset(&res, 0, sizeof(res));
	res.fail = VTG_WEB_OK;
	res.error = "";
	const unsigned char *proto = NULL;
	unsigned plen = 0;
	SSL_get0_alpn_selected(s->ssl, &proto, &plen);
	res.acme_tls = plen == ACME_TLS_1_LEN - 1 && !memcmp(proto, ACME_TLS_1 + 1, plen);
	res.tls_version = SSL_get_version(s->ssl);
	X509 *x = SSL_get1_peer_certificate(s->ssl);
	if (x) {
		int l = i2d_X509(x, NULL);
		if (l > 0 && l <= VTG_WEB_CERT_MAX) {
			unsigned char *p = a->der;
			i2d_X509(x, &p);
			res.der = a->der;
			res.der_len = (size_t)l;
		} else {
			res.fail = VTG_WEB_TLS;
			res.error = "the certificate is larger than vantage keeps";
		}
		X509_free(x);
	}
	finish(w, a, s, &res);
}

/* Drive the handshake one step: done, failed, or wait on a poll. */
static void step(struct vtg_worker *w, struct alpn *a, struct alpn_slot *s)
{
	ERR_clear_error();
	int rc = SSL_do_handshake(s->ssl);
	if (rc == 1) {
		done(w, a, s);
		return;
	}
	int e = SSL_get_error(s->ssl, rc);
	if (e == SSL_ERROR_WANT_READ) {
		arm(w, a, s, POLLIN);
		return;
	}
	if (e == SSL_ERROR_WANT_WRITE) {
		arm(w, a, s, POLLOUT);
		return;
	}
	char why[VTG_WEB_ERR_MAX];
	unsigned long ee = ERR_peek_last_error();
	if (ee) {
		ERR_error_string_n(ee, why, sizeof(why));
	} else if (e == SSL_ERROR_SYSCALL) {
		snprintf(why, sizeof(why), "handshake: %s",
			 errno ? strerror(errno) : "connection closed by the server");
	} else {
		snprintf(why, sizeof(why), "handshake failed (SSL error %d)", e);
	}
	ERR_clear_error();
	fail(w, a, s, VTG_WEB_TLS, why);
}

void vtg__engine_alpn_cqe(struct vtg_worker *w, uint32_t idx, uint32_t gen, int res)
{
	struct alpn *a = w->alpn;
	if (!a || idx >= a->n)
		return;
	struct alpn_slot *s = &a->s[idx];
	if (s->state == H_FREE || s->gen != gen)
		return;
	s->armed = false;
	if (s->state == H_CONNECT) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (res < 0 || getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
			soerr = res < 0 ? -res : errno;
		if (soerr) {
			char why[VTG_WEB_ERR_MAX];
			snprintf(why, sizeof(why), "connect %s: %s", s->peer, strerror(soerr));
			fail(w, a, s, VTG_WEB_CONNECT, why);
			return;
		}
		s->connected_ns = vtg__mono_ns();
		s->state = H_HANDSHAKE;
	}
	step(w, a, s);
}

void vtg__engine_alpn_timers(struct vtg_worker *w)
{
	struct alpn *a = w->alpn;
	if (!a || w->alpn_active == 0)
		return;
	for (unsigned i = 0; i < a->n; i++) {
		struct alpn_slot *s = &a->s[i];
		if (s->state != H_FREE && s->deadline_ns <= w->now)
			fail(w, a, s, VTG_WEB_TIMEOUT,
			     s->state == H_CONNECT ? "connect timed out" : "TLS handshake timed out");
	}
}

uint64_t vtg__engine_alpn_deadline(const struct vtg_worker *w)
{
	const struct alpn *a = w->alpn;
	uint64_t d = UINT64_MAX;
	if (!a || w->alpn_active == 0)
		return d;
	for (unsigned i = 0; i < a->n; i++)
		if (a->s[i].state != H_FREE && a->s[i].deadline_ns < d)
			d = a->s[i].deadline_ns;
	return d;
}

int vtg__worker_alpn(struct vtg_worker *w, const struct vtg_alpn_req *rq, void *ud)
{
	if (!w->alpn || !rq || !rq->addr || !rq->sni || rq->persp >= w->n_persp ||
	    (rq->addr->ss_family != AF_INET && rq->addr->ss_family != AF_INET6))
		return -EINVAL;
	struct alpn *a = w->alpn;
	if (a->free_head == NIL)
		return -EAGAIN;
	struct alpn_slot *s = &a->s[a->free_head];
	a->free_head = s->next_free;
	(w->alpn_active)++;
	s->state = H_CONNECT;
	s->ud = ud;
	s->armed = false;
	s->connected_ns = 0;
	s->start_ns = vtg__mono_ns();
	s->deadline_ns = s->start_ns + (uint64_t)rq->timeout_ms * 1000000ull;
	vtg__format_addr(rq->addr, s->peer, sizeof(s->peer));
	/* from here on every path completes through the callback */
	char err[VTG_WEB_ERR_MAX];
	int rc = vtg__engine_open_socket_family(w, &w->persp[rq->persp], rq->addr->ss_family,
						SOCK_STREAM, &s->fd, err, sizeof(err));
	if (rc < 0) {
		s->fd = -1;
		fail(w, a, s, VTG_WEB_LOCAL, err);
		return 0;
	}
	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	s->ssl = SSL_new(a->ctx);
	BIO *bio = s->ssl ? BIO_new(a->bio) : NULL;
	if (bio) {
		BIO_set_fd(bio, s->fd, BIO_NOCLOSE);
		SSL_set_bio(s->ssl, bio, bio); /* the SSL owns it now */
	}
	if (!s->ssl || !bio || SSL_set_tlsext_host_name(s->ssl, rq->sni) != 1) {
		fail(w, a, s, VTG_WEB_LOCAL, "TLS set-up failed");
		return 0;
	}
	SSL_set_connect_state(s->ssl);
	if (connect(s->fd, (const struct sockaddr *)rq->addr, ss_len(rq->addr)) == 0) {
		s->connected_ns = vtg__mono_ns();
		s->state = H_HANDSHAKE;
		step(w, a, s);
		return 0;
	}
	if (errno != EINPROGRESS) {
		snprintf(err, sizeof(err), "connect %s: %s", s->peer, strerror(errno));
		fail(w, a, s, VTG_WEB_CONNECT, err);
		return 0;
	}
	arm(w, a, s, POLLOUT);
	return 0;
}

int vtg__engine_alpn_init(struct vtg_worker *w, unsigned slots, vtg_alpn_cb_fn cb, char *err,
			  size_t errcap)
{
	struct alpn *a = vtg__calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	w->alpn = a;
	w->alpn_cb = cb;
	a->n = slots;
	a->s = vtg__calloc(slots, sizeof(*a->s));
	a->der = vtg__malloc(VTG_WEB_CERT_MAX);
	a->ctx = SSL_CTX_new(TLS_client_method());
	a->bio = nosig_method();
	if (!a->s || !a->der || !a->ctx || !a->bio) {
		snprintf(err, errcap, "TLS-ALPN: out of memory");
		return -ENOMEM;
	}
	SSL_CTX_set_min_proto_version(a->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(a->ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_set_alpn_protos(a->ctx, ACME_TLS_1, ACME_TLS_1_LEN) != 0) {
		snprintf(err, errcap, "TLS-ALPN: cannot offer acme-tls/1");
		return -EIO;
	}
	a->free_head = NIL;
	for (unsigned i = slots; i-- > 0;) {
		a->s[i].fd = -1;
		a->s[i].next_free = a->free_head;
		a->free_head = i;
	}
	return 0;
}

void vtg__engine_alpn_free(struct vtg_worker *w)
{
	struct alpn *a = w->alpn;
	if (!a)
		return;
	for (unsigned i = 0; a->s && i < a->n; i++) {
		if (a->s[i].ssl)
			SSL_free(a->s[i].ssl);
		if (a->s[i].fd >= 0)
			close(a->s[i].fd);
	}
	if (a->ctx)
		SSL_CTX_free(a->ctx);
	if (a->bio)
		BIO_meth_free(a->bio);
	vtg__free(a->s);
	vtg__free(a->der);
	vtg__free(a);
	w->alpn = NULL;
}
