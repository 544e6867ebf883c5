/*
 * http.c — HTTP requests of web validation on the worker's ring (web.h):
 * libcurl's multi-socket interface, its sockets polled by io_uring, its
 * timer one of the loop's deadlines.
 *
 * Why libcurl: HTTP/1.1 framing (chunked bodies, header folding, status
 * lines), https through OpenSSL and URL handling are exactly what must not
 * be written by hand; its multi-socket API lets an external event loop (our
 * ring) own all waiting, so no thread and no poll() per request. libcurl
 * never resolves a name here: CURLOPT_CONNECT_TO pins the address the
 * perspective's own resolver gave (per request, unlike CURLOPT_RESOLVE,
 * which fills a cache the multi handle shares between perspectives), and
 * CURLOPT_OPENSOCKETFUNCTION opens the socket inside the perspective.
 *
 * Polls: one-shot IORING_OP_POLL_ADD per watched socket, tagged with the
 * socket record's index and generation; a changed interest removes the old
 * poll (its late completion has a stale generation) and adds a new one.
 *
 * Memory: the slots (an easy handle and a body buffer each) and the socket
 * records are made when web requests are enabled; libcurl allocates inside
 * itself per connection, which a TCP + TLS connection costs anyway.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "common/alloc.h"
#include "engine/engine_int.h"
#include "engine/web.h"

#define USER_AGENT "vantage/" "0.2" " (domain validation; BR 3.2.2.4)"

struct web_sock {
	int fd;
	short want;          /* POLLIN / POLLOUT libcurl asked for, 0 = none */
	bool armed;          /* a poll is in the kernel */
	bool used;
	uint32_t gen;        /* bumped whenever the kernel's poll goes stale */
	uint32_t next_free;
};

/* The first member of both slot kinds: what CURLINFO_PRIVATE points at. */
enum slot_tag { TAG_HTTP = 1, TAG_AGENT };

struct http_slot {
	uint8_t tag;         /* TAG_HTTP */
	struct vtg_worker *w;
	CURL *easy;
	bool busy;
	uint32_t next_free;
	void *ud;
	unsigned persp;
	struct sockaddr_storage addr;
	uint8_t *buf;
	size_t cap, len;
	bool truncated;
	bool tls_seen;
	char tls_version[16];
	char cert_sha256[65];
	char connect_to[96];
	struct curl_slist ct; /* one node, ours: no allocation per request */
	uint64_t start_ns;
	char errbuf[CURL_ERROR_SIZE];
};

/* A request to a remote perspective's agent (web.h). */
struct agent_slot {
	uint8_t tag;         /* TAG_AGENT */
	struct vtg_worker *w;
	CURL *easy;
	bool busy;
	uint32_t next_free;
	void *ud;
	unsigned persp;
	uint8_t *buf;        /* the answer: grown on demand up to
			      * VTG_AGENT_ANSWER_MAX, then kept */
	size_t cap, len;
	bool truncated;
	char *req;           /* VTG_AGENT_REQ_MAX: the body, ours until done */
	char url[VTG_REMOTE_URL_MAX + 16];
	char key_hdr[VTG_AGENT_KEY_MAX + 16];
	struct curl_slist hdr[3]; /* ours: no allocation per request */
	char errbuf[CURL_ERROR_SIZE];
	uint64_t start_ns;
};

struct vtg_web {
	CURLM *multi;
	vtg_http_cb_fn http_cb;
	vtg_agent_cb_fn agent_cb;
	struct agent_slot *as; /* NULL until agent requests are enabled */
	CURLSH *share;         /* TLS sessions shared by the agent slots: a new
				* connection to an agent resumes (no certificate
				* exchange, no signatures) */
	unsigned n_as, as_active;
	uint32_t as_free;
	struct http_slot *hs;
	unsigned n_hs, hs_active;
	uint32_t hs_free;
	struct web_sock *socks;
	unsigned n_socks;
	uint32_t socks_free;
	uint64_t timer_ns;   /* libcurl's timer, UINT64_MAX: none */
	bool in_action;      /* inside curl_multi_socket_action */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *vtg__web_fail_str(enum vtg_web_fail f)
{
	switch (f) {
	case VTG_WEB_OK: return "ok";
	case VTG_WEB_CONNECT: return "connect";
	case VTG_WEB_TLS: return "tls";
	case VTG_WEB_TIMEOUT: return "timeout";
	case VTG_WEB_PROTOCOL: return "protocol";
	case VTG_WEB_LOCAL: return "local";
	case VTG_WEB_CANCELLED: return "cancelled";
	}
	return "local";
}

/* ------------------------------------------------------------- polls */

static void poll_arm(struct vtg_worker *w, struct web_sock *s)
{
	struct io_uring_sqe *sqe = sqe_get(w);
	if (!sqe)
		return; /* the ring is broken: the request times out */
	io_uring_prep_poll_add(sqe, s->fd, (unsigned)s->want);
	io_uring_sqe_set_data64(sqe, ud_pack(OP_WEB, (uint32_t)(s - w->web->socks), s->gen));
	s->armed = true;
}

/* Withdraw s's poll: its completion (-ECANCELED) will carry a stale gen. */
static void poll_disarm(struct vtg_worker *w, struct web_sock *s)
{
	if (s->armed) {
		struct io_uring_sqe *sqe = sqe_get(w);
		if (sqe) {
			io_uring_prep_poll_remove(sqe, ud_pack(OP_WEB,
							       (uint32_t)(s - w->web->socks),
							       s->gen));
			io_uring_sqe_set_data64(sqe, ud_pack(OP_NOP, 0, 0));
		}
		s->armed = false;
	}
	s->gen++;
}

/* CURLMOPT_SOCKETFUNCTION: what libcurl wants to wait for on fd. */
static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	(void)easy;
	struct vtg_worker *w = userp;
	struct vtg_web *web = w->web;
	struct web_sock *s = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			poll_disarm(w, s);
			s->used = false;
			s->want = 0;
			s->next_free = web->socks_free;
			web->socks_free = (uint32_t)(s - web->socks);
			curl_multi_assign(web->multi, fd, NULL);
		}
		return 0;
	}
	if (!s) {
		if (web->socks_free == NIL)
			return -1; /* cannot happen: two records per slot */
		s = &web->socks[web->socks_free];
		web->socks_free = s->next_free;
		s->used = true;
		s->armed = false;
		s->fd = fd;
		s->want = 0;
		curl_multi_assign(web->multi, fd, s);
	}
	short want = (short)(((what & CURL_POLL_IN) ? POLLIN : 0) |
			     ((what & CURL_POLL_OUT) ? POLLOUT : 0));
	if (s->armed && want == s->want)
		return 0;
	if (s->armed)
		poll_disarm(w, s);
	s->want = want;
	if (want)
		poll_arm(w, s);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct vtg_worker *w = userp;
	w->web->timer_ns = timeout_ms < 0 ? UINT64_MAX
					  : vtg__mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	return 0;
}

/* -------------------------------------------------- per-request callbacks */

/* CURLOPT_OPENSOCKETFUNCTION: the perspective's socket, and only to the
 * address the caller pinned (CONNECT_TO makes libcurl connect there; this
 * refuses anything else should that ever change). */
static curl_socket_t open_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_slot *h = clientp;
	struct vtg_worker *w = h->w;
	(void)purpose;
	if (a->family != h->addr.ss_family ||
	    !same_addr(&h->addr, &a->addr, a->addrlen)) {
		snprintf(h->errbuf, sizeof(h->errbuf), "refusing to connect to an address "
			 "the perspective did not resolve");
		return CURL_SOCKET_BAD;
	}
	int fd = -1;
	char err[160];
	int rc = vtg__engine_open_socket_family(w, &w->persp[h->persp], a->family, SOCK_STREAM,
						&fd, err, sizeof(err));
	if (rc < 0) {
		snprintf(h->errbuf, sizeof(h->errbuf), "%s", err);
		return CURL_SOCKET_BAD;
	}
	return fd;
}

static int close_cb(void *clientp, curl_socket_t fd)
{
	(void)clientp;
	return close(fd);
}

static size_t write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct http_slot *h = userp;
	size_t len = size * n;
	size_t room = h->cap - h->len;
	if (len > room) {
		memcpy(h->buf + h->len, data, room);
		h->len += room;
		h->truncated = true;
		return 0; /* stop reading: CURLE_WRITE_ERROR, which is not a failure */
	}
	memcpy(h->buf + h->len, data, len);
	h->len += len;
	return len;
}

/* The TLS facts, while the connection is alive: the first header line. */
static void tls_facts(struct http_slot *h)
{
	h->tls_seen = true;
	const struct curl_tlssessioninfo *ti = NULL;
	if (curl_easy_getinfo(h->easy, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
	    ti->backend != CURLSSLBACKEND_OPENSSL || !ti->internals)
		return;
	SSL *ssl = ti->internals;
	snprintf(h->tls_version, sizeof(h->tls_version), "%s", SSL_get_version(ssl));
	X509 *x = SSL_get1_peer_certificate(ssl);
	if (!x)
		return;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1 && mdlen == 32)
		for (unsigned i = 0; i < 32; i++)
			snprintf(h->cert_sha256 + 2 * i, 3, "%02x", md[i]);
	X509_free(x);
}

static size_t header_cb(char *data, size_t size, size_t n, void *userp)
{
	struct http_slot *h = userp;
	if (!h->tls_seen)
		tls_facts(h);
	(void)data;
	return size * n;
}

/* ---------------------------------------------------------- completion */

static enum vtg_web_fail fail_of(CURLcode rc, const struct http_slot *h, long connect_us)
{
	switch (rc) {
	case CURLE_OK:
		return VTG_WEB_OK;
	case CURLE_WRITE_ERROR:
		return h->truncated ? VTG_WEB_OK : VTG_WEB_LOCAL;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
		return VTG_WEB_CONNECT;
	case CURLE_RECV_ERROR:
		return connect_us > 0 ? VTG_WEB_PROTOCOL : VTG_WEB_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return VTG_WEB_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_USE_SSL_FAILED:
		return VTG_WEB_TLS;
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_PARTIAL_FILE:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return VTG_WEB_PROTOCOL;
	case CURLE_OUT_OF_MEMORY:
	default:
		return VTG_WEB_LOCAL;
	}
}

static double ms_of(CURL *e, CURLINFO what)
{
	curl_off_t us = 0;
	if (curl_easy_getinfo(e, what, &us) != CURLE_OK)
		return 0;
	return (double)us / 1000.0;
}

/* "ADDR:PORT" (or "[v6]:PORT") the transfer connected to; false if none. */
static bool peer_of(CURL *e, char *buf, size_t cap)
{
	char *ip = NULL;
	long port = 0;
	if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) != CURLE_OK || !ip || !ip[0])
		return false;
	curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &port);
	snprintf(buf, cap, strchr(ip, ':') ? "[%s]:%ld" : "%s:%ld", ip, port);
	return true;
}

static void slot_free(struct vtg_web *web, struct http_slot *h)
{
	h->busy = false;
	h->ud = NULL;
	h->next_free = web->hs_free;
	web->hs_free = (uint32_t)(h - web->hs);
	web->hs_active--;
}

static void finish(struct vtg_worker *w, struct http_slot *h, CURLcode rc)
{
	struct vtg_web *web = w->web;
	struct vtg_http_result res;
	memset(&res, 0, sizeof(res));
	curl_off_t connect_us = 0;
	curl_easy_getinfo(h->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
	res.fail = fail_of(rc, h, (long)connect_us);
	if (res.fail == VTG_WEB_TIMEOUT && connect_us > 0 && h->tls_version[0] == 0 &&
	    !strncmp(h->errbuf, "SSL", 3))
		res.fail = VTG_WEB_TLS;
	res.error = res.fail == VTG_WEB_OK ? "" : (h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &res.status);
	struct curl_header *loc = NULL;
	if (res.status >= 300 && res.status < 400 &&
	    curl_easy_header(h->easy, "Location", 0, CURLH_HEADER, -1, &loc) == CURLHE_OK &&
	    loc && loc->value) {
		res.location = loc->value;
		res.location_len = strlen(loc->value);
	}
	res.body = h->buf;
	res.body_len = h->len;
	res.truncated = h->truncated;
	res.tls_version = h->tls_version[0] ? h->tls_version : NULL;
	memcpy(res.cert_sha256, h->cert_sha256, sizeof(res.cert_sha256));
	if (!peer_of(h->easy, res.peer, sizeof(res.peer)))
		vtg__format_addr(&h->addr, res.peer, sizeof(res.peer)); /* the one tried */
	res.connect_ms = ms_of(h->easy, CURLINFO_CONNECT_TIME_T);
	res.tls_ms = ms_of(h->easy, CURLINFO_APPCONNECT_TIME_T);
	res.total_ms = ms_of(h->easy, CURLINFO_TOTAL_TIME_T);
	void *ud = h->ud;
	curl_multi_remove_handle(web->multi, h->easy);
	w->completions++;
	web->http_cb(ud, &res);
	/* the result pointed into the slot: free it only now */
	slot_free(web, h);
}

static void agent_finish(struct vtg_worker *w, struct agent_slot *a, CURLcode rc);

/* Hand libcurl an event (or its timer), then complete what finished. */
static void action(struct vtg_worker *w, curl_socket_t fd, int ev)
{
	struct vtg_web *web = w->web;
	int running = 0;
	web->in_action = true;
	curl_multi_socket_action(web->multi, fd, ev, &running);
	web->in_action = false;
	CURLMsg *m;
	int left = 0;
	while ((m = curl_multi_info_read(web->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		char *priv = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		if (!priv)
			continue;
		if (*(const uint8_t *)priv == TAG_AGENT) {
			struct agent_slot *a = (struct agent_slot *)(void *)priv;
			if (a->busy)
				agent_finish(w, a, m->data.result);
			continue;
		}
		struct http_slot *h = (struct http_slot *)(void *)priv;
		if (h->busy)
			finish(w, h, m->data.result);
	}
}

/* ------------------------------------------------------------ the loop */

void vtg__engine_web_cqe(struct vtg_worker *w, enum op op, uint32_t idx, uint32_t gen,
			 int res)
{
	struct vtg_web *web = w->web;
	if (op == OP_ALPN) {
		vtg__engine_alpn_cqe(w, idx, gen, res);
		return;
	}
	if (!web)
		return;
	if (idx >= web->n_socks)
		return;
	struct web_sock *s = &web->socks[idx];
	if (!s->used || s->gen != gen)
		return; /* withdrawn */
	s->armed = false;
	int ev = 0;
	if (res < 0)
		ev = CURL_CSELECT_ERR;
	else {
		if (res & POLLIN)
			ev |= CURL_CSELECT_IN;
		if (res & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (res & (POLLERR | POLLHUP))
			ev |= CURL_CSELECT_ERR | ((s->want & POLLIN) ? CURL_CSELECT_IN : 0);
	}
	int fd = s->fd;
	action(w, fd, ev);
	/* still watched and not re-armed by libcurl's callback: arm again */
	if (s->used && s->fd == fd && !s->armed && s->want)
		poll_arm(w, s);
}

void vtg__engine_web_timers(struct vtg_worker *w)
{
	struct vtg_web *web = w->web;
	if (!web)
		return;
	if (web->timer_ns <= w->now) {
		web->timer_ns = UINT64_MAX;
		action(w, CURL_SOCKET_TIMEOUT, 0);
	}
	vtg__engine_alpn_timers(w);
}

uint64_t vtg__engine_web_deadline(const struct vtg_worker *w)
{
	if (!w->web)
		return UINT64_MAX;
	uint64_t a = vtg__engine_alpn_deadline(w);
	return w->web->timer_ns < a ? w->web->timer_ns : a;
}

unsigned vtg__engine_web_active(const struct vtg_worker *w)
{
	return (w->web ? w->web->hs_active + w->web->as_active : 0) + w->alpn_active;
}

unsigned vtg__worker_web_free(const struct vtg_worker *w)
{
	return w->web ? w->web->n_hs - w->web->hs_active : 0;
}

/* ------------------------------------------------------------ start */

/* The options every request of a slot has: set once, when the slot is made
 * (libcurl keeps an easy handle's options from one transfer to the next). */
static bool setopts_fixed(struct http_slot *h)
{
	CURL *e = h->easy;
	bool ok = true;
#define SET(opt, val) ok = ok && curl_easy_setopt(e, opt, val) == CURLE_OK
	SET(CURLOPT_CONNECT_TO, &h->ct);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);  /* the caller applies the BR's rules */
	SET(CURLOPT_FORBID_REUSE, 1L);    /* each check its own connection */
	SET(CURLOPT_FRESH_CONNECT, 1L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* BR 3.2.2.4.18 / .19: the certificate is not what is validated; a
	 * self-signed one must not fail the check (its hash is evidence) */
	SET(CURLOPT_SSL_VERIFYPEER, 0L);
	SET(CURLOPT_SSL_VERIFYHOST, 0L);
	SET(CURLOPT_USERAGENT, USER_AGENT);
	SET(CURLOPT_ACCEPT_ENCODING, NULL); /* identity: the body as served */
	SET(CURLOPT_OPENSOCKETFUNCTION, open_cb);
	SET(CURLOPT_OPENSOCKETDATA, h);
	SET(CURLOPT_CLOSESOCKETFUNCTION, close_cb);
	SET(CURLOPT_CLOSESOCKETDATA, h);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, h);
	SET(CURLOPT_HEADERFUNCTION, header_cb);
	SET(CURLOPT_HEADERDATA, h);
	SET(CURLOPT_ERRORBUFFER, h->errbuf);
	SET(CURLOPT_PRIVATE, (char *)h);
#undef SET
	return ok;
}

/* What differs per request: the URL, the pinned address, the timeouts. */
static bool setopts(struct http_slot *h, const struct vtg_http_req *rq, unsigned port)
{
	CURL *e = h->easy;
	char ip[INET6_ADDRSTRLEN];
	const void *src = rq->addr->ss_family == AF_INET6
				  ? (const void *)&((const struct sockaddr_in6 *)rq->addr)->sin6_addr
				  : (const void *)&((const struct sockaddr_in *)rq->addr)->sin_addr;
	if (!inet_ntop(rq->addr->ss_family, src, ip, sizeof(ip)))
		return false;
	/* "::ADDR:PORT": any host and port of the URL goes to ADDR:PORT (the
	 * list node is ours and fixed: CONNECT_TO was set to it once) */
	snprintf(h->connect_to, sizeof(h->connect_to),
		 rq->addr->ss_family == AF_INET6 ? "::[%s]:%u" : "::%s:%u", ip, port);
	bool ok = true;
#define SET(opt, val) ok = ok && curl_easy_setopt(e, opt, val) == CURLE_OK
	SET(CURLOPT_URL, rq->url);
	SET(CURLOPT_CONNECT_TO, &h->ct); /* read again: the text changed */
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)rq->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, (long)rq->timeout_ms);
#undef SET
	return ok;
}

int vtg__worker_http(struct vtg_worker *w, const struct vtg_http_req *rq, void *ud)
{
	struct vtg_web *web = w->web;
	if (!web || !rq || !rq->url || !rq->addr || rq->persp >= w->n_persp ||
	    rq->body_cap > VTG_WEB_BUF_MAX ||
	    (rq->addr->ss_family != AF_INET && rq->addr->ss_family != AF_INET6))
		return -EINVAL;
	if (web->hs_free == NIL)
		return -EAGAIN;
	unsigned port = ntohs(((const struct sockaddr_in *)rq->addr)->sin_port);
	if (port == 0)
		port = strncmp(rq->url, "https:", 6) == 0 ? 443 : 80;
	struct http_slot *h = &web->hs[web->hs_free];
	h->persp = rq->persp;
	h->addr = *rq->addr;
	((struct sockaddr_in *)&h->addr)->sin_port = htons((uint16_t)port); /* same offset in v6 */
	h->cap = rq->body_cap;
	h->len = 0;
	h->truncated = false;
	h->tls_seen = false;
	h->tls_version[0] = 0;
	h->cert_sha256[0] = 0;
	h->errbuf[0] = 0;
	if (!setopts(h, rq, port))
		return -EINVAL;
	if (curl_multi_add_handle(web->multi, h->easy) != CURLM_OK)
		return -ENOMEM;
	web->hs_free = h->next_free;
	h->busy = true;
	h->ud = ud;
	h->start_ns = vtg__mono_ns();
	web->hs_active++;
	return 0;
}

/* ------------------------------------------------------------ set-up */

int vtg__worker_set_web(struct vtg_worker *w, unsigned slots, vtg_http_cb_fn http_cb,
			vtg_alpn_cb_fn alpn_cb, char *err, size_t errcap)
{
	if (w->web)
		return -EALREADY;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		snprintf(err, errcap, "libcurl: %s", curl_easy_strerror(curl_init_rc));
		return -EIO;
	}
	if (slots == 0)
		slots = VTG_WEB_SLOTS_DEFAULT;
	struct vtg_web *web = vtg__calloc(1, sizeof(*web));
	if (!web)
		return -ENOMEM;
	w->web = web;
	web->http_cb = http_cb;
	web->timer_ns = UINT64_MAX;
	web->n_hs = slots;
	/* a connection each (agent requests' too), and slack while one
	 * closes as the next opens */
	web->n_socks = 2 * (slots + VTG_AGENT_SLOTS) + 8;
	web->hs = vtg__calloc(slots, sizeof(*web->hs));
	web->socks = vtg__calloc(web->n_socks, sizeof(*web->socks));
	web->multi = curl_multi_init();
	if (!web->hs || !web->socks || !web->multi)
		goto nomem;
	web->hs_free = NIL;
	for (unsigned i = slots; i-- > 0;) {
		struct http_slot *h = &web->hs[i];
		h->tag = TAG_HTTP;
		h->w = w;
		h->easy = curl_easy_init();
		h->buf = vtg__malloc(VTG_WEB_BUF_MAX);
		h->ct.data = h->connect_to;
		h->ct.next = NULL;
		if (!h->easy || !h->buf || !setopts_fixed(h))
			goto nomem;
		h->next_free = web->hs_free;
		web->hs_free = i;
	}
	web->socks_free = NIL;
	for (unsigned i = web->n_socks; i-- > 0;) {
		web->socks[i].fd = -1;
		web->socks[i].next_free = web->socks_free;
		web->socks_free = i;
	}
	curl_multi_setopt(web->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(web->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(web->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(web->multi, CURLMOPT_TIMERDATA, w);
	int rc = vtg__engine_alpn_init(w, slots, alpn_cb, err, errcap);
	if (rc < 0) {
		vtg__engine_web_free(w);
		return rc;
	}
	return 0;
nomem:
	vtg__engine_web_free(w);
	snprintf(err, errcap, "web requests: out of memory");
	return -ENOMEM;
}

void vtg__engine_web_free(struct vtg_worker *w)
{
	struct vtg_web *web = w->web;
	if (!web)
		return;
	vtg__engine_alpn_free(w);
	for (unsigned i = 0; web->as && i < web->n_as; i++) {
		struct agent_slot *a = &web->as[i];
		if (a->busy && web->multi)
			curl_multi_remove_handle(web->multi, a->easy);
		if (a->easy)
			curl_easy_cleanup(a->easy);
		vtg__free(a->buf);
		vtg__free(a->req);
	}
	vtg__free(web->as);
	for (unsigned i = 0; web->hs && i < web->n_hs; i++) {
		struct http_slot *h = &web->hs[i];
		if (h->busy && web->multi)
			curl_multi_remove_handle(web->multi, h->easy);
		if (h->easy)
			curl_easy_cleanup(h->easy);
		vtg__free(h->buf);
	}
	if (web->multi)
		curl_multi_cleanup(web->multi);
	if (web->share)
		curl_share_cleanup(web->share); /* after every handle and connection */
	vtg__free(web->hs);
	vtg__free(web->socks);
	vtg__free(web);
	w->web = NULL;
}

/* ------------------------------------------------------- agent requests */

/* CURLOPT_OPENSOCKETFUNCTION: the remote perspective's path to its agent
 * (namespace, interface, source address); any address libcurl resolved. */
static curl_socket_t agent_open_cb(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct agent_slot *s = clientp;
	struct vtg_worker *w = s->w;
	(void)purpose;
	int fd = -1;
	char err[160];
	if (vtg__engine_open_socket_family(w, &w->persp[s->persp], a->family, SOCK_STREAM, &fd,
					   err, sizeof(err)) < 0) {
		snprintf(s->errbuf, sizeof(s->errbuf), "%s", err);
		return CURL_SOCKET_BAD;
	}
	return fd;
}

static size_t agent_write_cb(char *data, size_t size, size_t n, void *userp)
{
	struct agent_slot *s = userp;
	size_t len = size * n;
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + len && cap < VTG_AGENT_ANSWER_MAX)
			cap *= 2;
		if (cap > VTG_AGENT_ANSWER_MAX)
			cap = VTG_AGENT_ANSWER_MAX;
		if (cap > s->cap) {
			uint8_t *nb = vtg__realloc(s->buf, cap);
			if (!nb)
				return 0;
			s->buf = nb;
			s->cap = cap;
		}
		if (s->len + len > s->cap) {
			s->truncated = true;
			return 0; /* CURLE_WRITE_ERROR: an answer this long is refused */
		}
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return len;
}

static void agent_finish(struct vtg_worker *w, struct agent_slot *a, CURLcode rc)
{
	struct vtg_web *web = w->web;
	struct vtg_agent_result res;
	memset(&res, 0, sizeof(res));
	switch (rc) {
	case CURLE_OK:
		res.fail = VTG_WEB_OK;
		break;
	case CURLE_WRITE_ERROR:
		res.fail = a->truncated ? VTG_WEB_PROTOCOL : VTG_WEB_LOCAL;
		if (a->truncated)
			snprintf(a->errbuf, sizeof(a->errbuf), "answer longer than %u octets",
				 VTG_AGENT_ANSWER_MAX);
		break;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		res.fail = VTG_WEB_LOCAL; /* our certificate, key or CA file */
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		res.fail = VTG_WEB_TLS;
		break;
	default: {
		curl_off_t connect_us = 0;
		curl_easy_getinfo(a->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
		struct http_slot probe = {.truncated = false};
		res.fail = fail_of(rc, &probe, (long)connect_us);
		break;
	}
	}
	res.error = res.fail == VTG_WEB_OK ? "" : (a->errbuf[0] ? a->errbuf : curl_easy_strerror(rc));
	curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &res.status);
	res.body = a->buf;
	res.body_len = a->len;
	res.truncated = a->truncated;
	long conns = 0;
	if (curl_easy_getinfo(a->easy, CURLINFO_NUM_CONNECTS, &conns) == CURLE_OK)
		res.reused = rc == CURLE_OK && conns == 0;
	peer_of(a->easy, res.peer, sizeof(res.peer));
	res.total_ms = ms_of(a->easy, CURLINFO_TOTAL_TIME_T);
	void *ud = a->ud;
	curl_multi_remove_handle(web->multi, a->easy);
	w->completions++;
	web->agent_cb(ud, &res);
	a->busy = false;
	a->ud = NULL;
	a->next_free = web->as_free;
	web->as_free = (uint32_t)(a - web->as);
	web->as_active--;
}

/* The options every agent request has (set once per slot). */
static bool agent_setopts_fixed(struct agent_slot *a)
{
	CURL *e = a->easy;
	bool ok = true;
#define SET(opt, val) ok = ok && curl_easy_setopt(e, opt, val) == CURLE_OK
	SET(CURLOPT_PROTOCOLS_STR, "https"); /* BR 3.2.2.9: encrypted and authenticated */
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_TCP_NODELAY, 1L);
	SET(CURLOPT_USERAGENT, USER_AGENT);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_HTTPHEADER, &a->hdr[0]);
	SET(CURLOPT_OPENSOCKETFUNCTION, agent_open_cb);
	SET(CURLOPT_OPENSOCKETDATA, a);
	SET(CURLOPT_CLOSESOCKETFUNCTION, close_cb);
	SET(CURLOPT_CLOSESOCKETDATA, a);
	SET(CURLOPT_WRITEFUNCTION, agent_write_cb);
	SET(CURLOPT_WRITEDATA, a);
	SET(CURLOPT_ERRORBUFFER, a->errbuf);
	SET(CURLOPT_PRIVATE, (char *)a);
#undef SET
	return ok;
}

int vtg__worker_set_agent(struct vtg_worker *w, vtg_agent_cb_fn cb, char *err, size_t errcap)
{
	struct vtg_web *web = w->web;
	if (!web) {
		snprintf(err, errcap, "agent requests: web requests not enabled");
		return -EINVAL;
	}
	if (web->as)
		return -EALREADY;
	web->as = vtg__calloc(VTG_AGENT_SLOTS, sizeof(*web->as));
	if (!web->as)
		goto nomem;
	web->n_as = VTG_AGENT_SLOTS;
	web->agent_cb = cb;
	/* keep idle connections: libcurl's default cache (four per request
	 * in flight) closed the connections of agents not asked at that
	 * moment, and the next check paid a handshake again; the agents'
	 * share of the slots shifts, so room for four per slot (measured in
	 * bench/agents.sh: a third of the new connections of one per slot) */
	curl_multi_setopt(web->multi, CURLMOPT_MAXCONNECTS, (long)VTG_AGENT_SLOTS * 4);
	/* one thread uses it (the worker's): no lock callbacks */
	web->share = curl_share_init();
	if (!web->share ||
	    curl_share_setopt(web->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
		goto nomem;
	web->as_free = NIL;
	for (unsigned i = VTG_AGENT_SLOTS; i-- > 0;) {
		struct agent_slot *a = &web->as[i];
		a->tag = TAG_AGENT;
		a->w = w;
		a->easy = curl_easy_init();
		a->req = vtg__malloc(VTG_AGENT_REQ_MAX);
		a->hdr[0].data = (char *)"Content-Type: application/json";
		a->hdr[0].next = &a->hdr[1];
		a->hdr[1].data = (char *)"Expect:"; /* no 100-continue round trip */
		a->hdr[1].next = NULL;
		a->hdr[2].data = a->key_hdr;
		a->hdr[2].next = NULL;
		if (!a->easy || !a->req || !agent_setopts_fixed(a) ||
		    curl_easy_setopt(a->easy, CURLOPT_SHARE, web->share) != CURLE_OK)
			goto nomem;
		a->next_free = web->as_free;
		web->as_free = i;
	}
	return 0;
nomem:
	snprintf(err, errcap, "agent requests: out of memory");
	return -ENOMEM;
}

unsigned vtg__worker_agent_cancel(struct vtg_worker *w, unsigned min_age_ms,
				  bool (*drop)(void *ud, void *arg), void *arg)
{
	struct vtg_web *web = w->web;
	unsigned n = 0;
	uint64_t now = vtg__mono_ns(), min_age = (uint64_t)min_age_ms * 1000000ull;
	for (unsigned i = 0; web && web->as && i < web->n_as; i++) {
		struct agent_slot *a = &web->as[i];
		if (!a->busy || now - a->start_ns < min_age || !drop(a->ud, arg))
			continue;
		struct vtg_agent_result res;
		memset(&res, 0, sizeof(res));
		res.fail = VTG_WEB_CANCELLED;
		res.error = "withdrawn";
		/* removing the handle closes its connection unless libcurl can
		 * keep it (a request still being sent or read cannot be) */
		curl_multi_remove_handle(web->multi, a->easy);
		void *ud = a->ud;
		w->completions++;
		web->agent_cb(ud, &res);
		a->busy = false;
		a->ud = NULL;
		a->next_free = web->as_free;
		web->as_free = i;
		web->as_active--;
		n++;
	}
	return n;
}

unsigned vtg__worker_agent_free(const struct vtg_worker *w)
{
	return w->web && w->web->as ? w->web->n_as - w->web->as_active : 0;
}

int vtg__worker_agent(struct vtg_worker *w, const struct vtg_agent_req *rq, void *ud)
{
	struct vtg_web *web = w->web;
	if (!web || !web->as || !rq || !rq->url || rq->persp >= w->n_persp ||
	    !w->persp[rq->persp].cfg.remote || strncmp(rq->url, "https://", 8) != 0 ||
	    strlen(rq->url) >= sizeof(web->as[0].url) || rq->body_len > VTG_AGENT_REQ_MAX ||
	    (rq->api_key && strlen(rq->api_key) > VTG_AGENT_KEY_MAX))
		return -EINVAL;
	if (web->as_free == NIL)
		return -EAGAIN;
	struct agent_slot *a = &web->as[web->as_free];
	a->persp = rq->persp;
	a->len = 0;
	a->truncated = false;
	a->errbuf[0] = 0;
	memcpy(a->req, rq->body, rq->body_len);
	snprintf(a->url, sizeof(a->url), "%s", rq->url);
	a->hdr[1].next = NULL;
	if (rq->api_key && rq->api_key[0]) {
		snprintf(a->key_hdr, sizeof(a->key_hdr), "x-api-key: %s", rq->api_key);
		a->hdr[1].next = &a->hdr[2];
	}
	CURL *e = a->easy;
	bool ok = true;
#define SET(opt, val) ok = ok && curl_easy_setopt(e, opt, val) == CURLE_OK
	SET(CURLOPT_URL, a->url);
	SET(CURLOPT_POSTFIELDS, a->req);
	SET(CURLOPT_POSTFIELDSIZE, (long)rq->body_len);
	SET(CURLOPT_HTTPHEADER, &a->hdr[0]); /* read again: the list changed */
	SET(CURLOPT_CAINFO, rq->ca && rq->ca[0] ? rq->ca : NULL);
	SET(CURLOPT_SSLCERT, rq->client_cert && rq->client_cert[0] ? rq->client_cert : NULL);
	SET(CURLOPT_SSLKEY, rq->client_key && rq->client_key[0] ? rq->client_key : NULL);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)rq->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, (long)rq->timeout_ms);
#undef SET
	if (!ok)
		return -EINVAL;
	if (curl_multi_add_handle(web->multi, e) != CURLM_OK)
		return -ENOMEM;
	web->as_free = a->next_free;
	a->busy = true;
	a->ud = ud;
	a->start_ns = vtg__mono_ns();
	web->as_active++;
	return 0;
}
