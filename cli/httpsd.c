/*
 * httpsd.c — the HTTPS server of `vantage agent` and `vantage serve`. See
 * httpsd.h.
 *
 * Hostile clients: every limit below is a named constant with its reason.
 * evhttp bounds the headers and the body and cuts idle connections; it has
 * no bound on the number of connections and no deadline for a whole request
 * (its timeouts are inactivity timeouts, which a client sending one byte a
 * second resets forever), so this file adds both, per connection, keyed by
 * the connection's SSL object (ex_data): a connection over the bound fails
 * its TLS handshake in the ClientHello callback; a connection that has not
 * delivered a whole request within REQUEST_DEADLINE_S of opening (or of its
 * last answer) is closed, unless a request of its is held.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include "cli/cli.h"
#include "cli/httpsd.h"
#include "common/alloc.h"
#include "mpic/openmpic.h"

/* ---- limits, each with its reason ---- */
/* request line + headers: an open-mpic client sends a handful (Host,
 * Content-Type, Content-Length, an API key); 8 KiB is nginx's default
 * large_client_header_buffers line size and stops a header flood early */
#define HEADERS_MAX (8 * 1024)
/* connections at once: each costs a TLS session and buffers (~50 KiB);
 * a coordinator keeps a few keep-alive connections per perspective */
#define CONNECTIONS_MAX 256
/* inactivity (evhttp read / write timeout): a client sends its request at
 * once; the write side is our answer going out */
#define IDLE_TIMEOUT_S 10
/* a whole request (TLS handshake, headers, body) from connection open or
 * the previous answer: the inactivity timeout alone lets a client dripping
 * one byte a second hold a connection forever (slowloris) */
#define REQUEST_DEADLINE_S 10
/* after SIGTERM / SIGINT, how long held requests may still be answered */
#define SHUTDOWN_GRACE_S 10
/* completions taken per vtg_poll */
#define POLL_BATCH 64
/* API key file: a key is a token, not a document */
#define API_KEY_MAX 512
#define API_KEY_MIN 16 /* shorter keys are guessable */
/* after the last answer, a moment for it to leave the output buffers */
#define FLUSH_US 200000

/* One TCP connection (lives as long as its SSL object). */
struct conn {
	struct vtg_httpsd *h;
	struct bufferevent *bev;
	struct event *deadline;
	unsigned busy;  /* requests of this connection held */
	bool refused;   /* over CONNECTIONS_MAX: the handshake fails */
};

struct vtg_httpsd {
	struct vtg_httpsd_cfg cfg;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	SSL_CTX *ssl;
	struct event *sig_term, *sig_int, *grace;
	struct vtg_json out;
	bool use_key;
	uint8_t key_hash[SHA256_DIGEST_LENGTH];
	unsigned n_conns;
	struct vtg_httpsd_req *held; /* a list for the drain */
	unsigned n_held;
	struct abandoned *abandoned; /* app states for cfg.release */
	bool stopping;
};

/* An app state of a request answered 503 at the end of the grace. */
struct abandoned {
	void *app;
	struct abandoned *next;
};

struct watch {
	struct vtg_httpsd *h;
	struct vtg_engine *e;
	struct event *ev;
	vtg_httpsd_done_fn done;
	void *ud;
};

static int conn_idx = -1; /* SSL ex_data index of struct conn */

uint64_t vtg__httpsd_now_ns(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- connections ---- */

/* The SSL object is freed with its bufferevent: the connection goes too. */
static void conn_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			 void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	struct conn *c = ptr;
	if (!c)
		return;
	c->h->n_conns--;
	if (c->deadline)
		event_free(c->deadline);
	vtg__free(c);
}

static struct conn *conn_of_req(struct evhttp_request *req)
{
	struct evhttp_connection *evc = evhttp_request_get_connection(req);
	if (!evc)
		return NULL; /* the client went away; the request is orphaned */
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evc);
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	return ssl ? SSL_get_ex_data(ssl, conn_idx) : NULL;
}

static void deadline_arm(struct conn *c)
{
	struct timeval tv = {REQUEST_DEADLINE_S, 0};
	event_add(c->deadline, &tv);
}

/* No whole request in time: close, unless a request of its is held (its
 * answer re-arms the deadline). */
static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct conn *c = arg;
	if (c->busy)
		return;
	void *cbarg = NULL;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
	/* evhttp's callback argument of its bufferevent is the connection;
	 * NULL once evhttp has let it go (the free is under way) */
	if (cbarg)
		evhttp_connection_free(cbarg);
}

/* evhttp asks for each accepted connection's bufferevent: TLS, accepting. */
static struct bufferevent *bev_cb(struct event_base *base, void *arg)
{
	struct vtg_httpsd *h = arg;
	SSL *ssl = SSL_new(h->ssl);
	struct conn *c = vtg__calloc(1, sizeof(*c));
	if (!ssl || !c)
		goto fail;
	c->h = h;
	c->deadline = evtimer_new(base, deadline_cb, c);
	if (!c->deadline)
		goto fail;
	c->bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
						BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev)
		goto fail;
	SSL_set_ex_data(ssl, conn_idx, c); /* from here the SSL owns c */
	h->n_conns++;
	c->refused = h->n_conns > CONNECTIONS_MAX || h->stopping;
	deadline_arm(c);
	return c->bev;
fail:
	/* evhttp cannot take "no": it would make a plain-text connection. A
	 * bufferevent whose SSL_new failed cannot be made either; abort is the
	 * honest answer to memory exhaustion here. */
	fprintf(stderr, "vantage %s: out of memory for a connection\n", h->cfg.name);
	abort();
}

/* Over the connection bound (or shutting down): refuse in the handshake. */
static int client_hello_cb(SSL *ssl, int *alert, void *arg)
{
	(void)arg;
	struct conn *c = SSL_get_ex_data(ssl, conn_idx);
	if (c && c->refused) {
		*alert = SSL_AD_HANDSHAKE_FAILURE;
		return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* ---- answers ---- */

static void log_line(const struct vtg_httpsd_req *r, int status)
{
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	double ms = (double)(vtg__httpsd_now_ns(CLOCK_MONOTONIC) - r->started_ns) / 1e6;
	/* the trace identifier is the client's text: printable ASCII only */
	char tr[VTG_OM_TRACE_MAX + 1];
	size_t n = 0;
	for (const char *p = r->trace ? r->trace : ""; *p && n < VTG_OM_TRACE_MAX; p++)
		tr[n++] = (*p > 0x20 && *p < 0x7f) ? *p : '?';
	tr[n] = 0;
	fprintf(stderr, "%s %s %s %d %s %.1fms\n", ts, r->client, r->path, status, n ? tr : "-",
		ms);
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return NULL; /* evhttp's own phrase */
	}
}

static void unhold(struct vtg_httpsd_req *r)
{
	struct vtg_httpsd *h = r->h;
	if (!r->held)
		return;
	if (r->prev)
		r->prev->next = r->next;
	else
		h->held = r->next;
	if (r->next)
		r->next->prev = r->prev;
	h->n_held--;
	r->held = false;
}

static void maybe_exit(struct vtg_httpsd *h)
{
	struct timeval flush = {0, FLUSH_US};
	if (h->stopping && h->n_held == 0)
		event_base_loopexit(h->base, &flush);
}

void vtg__httpsd_raw(struct vtg_httpsd_req *r, int status, const char *content_type,
		     const char *body, size_t len)
{
	struct vtg_httpsd *h = r->h;
	struct conn *c = conn_of_req(r->req);
	if (c) {
		if (r->held && c->busy)
			c->busy--;
		deadline_arm(c);
	}
	unhold(r);
	struct evkeyvalq *hd = evhttp_request_get_output_headers(r->req);
	evhttp_add_header(hd, "Content-Type", content_type);
	if (h->stopping)
		evhttp_add_header(hd, "Connection", "close");
	struct evbuffer *b = evbuffer_new();
	if (b && body)
		evbuffer_add(b, body, len);
	evhttp_send_reply(r->req, status, status_text(status), b);
	if (b)
		evbuffer_free(b);
	log_line(r, status);
	vtg__free(r);
	maybe_exit(h);
}

void vtg__httpsd_reply(struct vtg_httpsd_req *r, int status, const struct vtg_json *j)
{
	bool ok = j && !j->err;
	vtg__httpsd_raw(r, status, "application/json", ok ? j->buf : NULL, ok ? j->len : 0);
}

void vtg__httpsd_error(struct vtg_httpsd_req *r, int status, const char *type,
		       const char *msg, bool issue)
{
	struct vtg_json *j = &r->h->out;
	vtg__json_reset(j);
	vtg__json_obj_begin(j);
	vtg__json_kstr(j, "error", type);
	vtg__json_kstr(j, "error_message", msg);
	if (issue) {
		vtg__json_key(j, "validation_issues");
		vtg__json_arr_begin(j);
		vtg__json_obj_begin(j);
		vtg__json_kstr(j, "msg", msg);
		vtg__json_obj_end(j);
		vtg__json_arr_end(j);
	}
	vtg__json_obj_end(j);
	vtg__httpsd_reply(r, status, j);
}

struct vtg_json *vtg__httpsd_out(struct vtg_httpsd *h)
{
	return &h->out;
}

const char *vtg__httpsd_body(struct vtg_httpsd_req *r, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	*len = evbuffer_get_length(in);
	return *len ? (const char *)evbuffer_pullup(in, (ev_ssize_t)*len) : "";
}

void vtg__httpsd_hold(struct vtg_httpsd_req *r)
{
	struct vtg_httpsd *h = r->h;
	struct conn *c = conn_of_req(r->req);
	if (c)
		c->busy++;
	r->held = true;
	r->prev = NULL;
	r->next = h->held;
	if (h->held)
		h->held->prev = r;
	h->held = r;
	h->n_held++;
}

unsigned vtg__httpsd_held(const struct vtg_httpsd *h)
{
	return h->n_held;
}

bool vtg__httpsd_stopping(const struct vtg_httpsd *h)
{
	return h->stopping;
}

/* ---- engines in the loop ---- */

static void engine_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct watch *w = arg;
	struct vtg_completion out[POLL_BATCH];
	int n = vtg_poll(w->e, out, POLL_BATCH, 0);
	if (n < 0) {
		fprintf(stderr, "vantage %s: engine: %s\n", w->h->cfg.name, vtg_strerror(n));
		event_base_loopbreak(w->h->base);
		return;
	}
	for (int i = 0; i < n; i++)
		w->done(w->ud, &out[i]);
}

int vtg__httpsd_watch(struct vtg_httpsd *h, struct vtg_engine *e, vtg_httpsd_done_fn done,
		      void *ud, void **watch)
{
	struct watch *w = vtg__calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct watch){.h = h, .e = e, .done = done, .ud = ud};
	w->ev = event_new(h->base, vtg_engine_fd(e), EV_READ | EV_PERSIST, engine_cb, w);
	if (!w->ev || event_add(w->ev, NULL)) {
		if (w->ev)
			event_free(w->ev);
		vtg__free(w);
		return -ENOMEM;
	}
	*watch = w;
	return 0;
}

void vtg__httpsd_unwatch(void *watch)
{
	struct watch *w = watch;
	if (!w)
		return;
	event_free(w->ev);
	vtg__free(w);
}

/* ---- requests ---- */

/* x-api-key: KEY or Authorization: Bearer KEY, compared in constant time
 * (as SHA-256 digests, so the length does not leak either). */
static bool key_ok(const struct vtg_httpsd *h, struct evhttp_request *req)
{
	struct evkeyvalq *hd = evhttp_request_get_input_headers(req);
	const char *k = evhttp_find_header(hd, "x-api-key");
	if (!k) {
		const char *au = evhttp_find_header(hd, "Authorization");
		if (au && strncasecmp(au, "Bearer ", 7) == 0)
			k = au + 7;
	}
	if (!k)
		return false;
	uint8_t d[SHA256_DIGEST_LENGTH];
	unsigned dl = 0;
	if (!EVP_Digest(k, strlen(k), d, &dl, EVP_sha256(), NULL))
		return false;
	return CRYPTO_memcmp(d, h->key_hash, sizeof(d)) == 0;
}

static void healthz(struct vtg_httpsd_req *r, void *ud)
{
	(void)ud;
	struct vtg_json *j = &r->h->out;
	vtg__json_reset(j);
	vtg__json_obj_begin(j);
	vtg__json_kstr(j, "status", "ok");
	vtg__json_obj_end(j);
	vtg__httpsd_reply(r, 200, j);
}

static void request_cb(struct evhttp_request *req, void *arg)
{
	struct vtg_httpsd *h = arg;
	struct vtg_httpsd_req *r = vtg__calloc(1, sizeof(*r));
	if (!r) {
		evhttp_send_error(req, 503, "Service Unavailable");
		return;
	}
	r->h = h;
	r->req = req;
	r->started_ns = vtg__httpsd_now_ns(CLOCK_MONOTONIC);
	r->path = "?";
	struct evhttp_connection *evc = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;
	if (evc)
		evhttp_connection_get_peer(evc, &addr, &port);
	snprintf(r->client, sizeof(r->client), "%s:%u", addr ? addr : "?", (unsigned)port);

	const char *uri = evhttp_request_get_uri(req);
	static const struct vtg_httpsd_route health = {"/healthz", false, healthz};
	const struct vtg_httpsd_route *route = strcmp(uri, health.path) ? NULL : &health;
	for (unsigned i = 0; !route && i < h->cfg.n_routes; i++)
		if (!strcmp(uri, h->cfg.routes[i].path))
			route = &h->cfg.routes[i];
	if (route)
		r->path = route->path;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	if (h->use_key && !key_ok(h, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer");
		vtg__httpsd_error(r, 401, "unauthorized",
				  "a valid API key is required (x-api-key or Authorization: Bearer)",
				  false);
	} else if (!route) {
		vtg__httpsd_error(r, 404, "not-found", "no such endpoint", false);
	} else if (route->post ? m != EVHTTP_REQ_POST : m != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
				  route->post ? "POST" : "GET");
		vtg__httpsd_error(r, 405, "method-not-allowed", route->post ? "use POST" : "use GET",
				  false);
	} else if (h->stopping) {
		vtg__httpsd_error(r, 503, "stopping", "the server is shutting down", false);
	} else {
		route->handler(r, h->cfg.ud);
	}
}

/* ---- shutdown ---- */

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct vtg_httpsd *h = arg;
	fprintf(stderr, "vantage %s: %u checks still in flight after %d s: answered 503\n",
		h->cfg.name, h->n_held, SHUTDOWN_GRACE_S);
	while (h->held) {
		struct vtg_httpsd_req *r = h->held;
		if (h->cfg.abandon)
			h->cfg.abandon(r, h->cfg.ud);
		struct abandoned *ab = vtg__malloc(sizeof(*ab));
		if (ab) { /* else it leaks: the process is ending anyway */
			*ab = (struct abandoned){r->app, h->abandoned};
			h->abandoned = ab;
		}
		vtg__httpsd_error(r, 503, "stopping",
				  "the server shut down before the check finished", false);
	}
	struct timeval flush = {0, FLUSH_US};
	event_base_loopexit(h->base, &flush);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct vtg_httpsd *h = arg;
	if (h->stopping)
		return;
	h->stopping = true;
	fprintf(stderr, "vantage %s: %s: no new connections, %u checks in flight\n", h->cfg.name,
		sig == SIGTERM ? "SIGTERM" : "SIGINT", h->n_held);
	if (h->bound) {
		evhttp_del_accept_socket(h->http, h->bound);
		h->bound = NULL;
	}
	struct timeval tv = {SHUTDOWN_GRACE_S, 0};
	evtimer_add(h->grace, &tv);
	maybe_exit(h);
}

/* ---- setup ---- */

static void ssl_errors(const char *name, const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof(buf));
	fprintf(stderr, "vantage %s: %s: %s\n", name, what, e ? buf : "failed");
}

static SSL_CTX *tls_ctx(const char *name, const char *cert, const char *key,
			const char *client_ca)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		ssl_errors(name, "SSL_CTX_new");
		return NULL;
	}
	/* TLS 1.2 and later only (BR 6.1.x deployments, RFC 8996 retires 1.0 / 1.1) */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_errors(name, cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_errors(name, key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_errors(name, "--key does not match --cert");
		goto fail;
	}
	if (client_ca) {
		if (SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
			ssl_errors(name, client_ca);
			goto fail;
		}
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
		if (names)
			SSL_CTX_set_client_CA_list(ctx, names);
		/* no certificate, one from another CA, an expired one: the
		 * handshake fails (OpenSSL's chain verification) */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		/* a client resuming a session (libcurl does, the coordinator's
		 * connections to its agents) needs a session id context when
		 * clients are verified; without one OpenSSL fails the handshake
		 * with an internal_error alert */
		static const unsigned char SID_CTX[] = "vantage-httpsd";
		SSL_CTX_set_session_id_context(ctx, SID_CTX, sizeof(SID_CTX) - 1);
	}
	SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static int read_key(struct vtg_httpsd *h, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vantage %s: --api-key-file %s: %s\n", h->cfg.name, path,
			strerror(errno));
		return -1;
	}
	char buf[API_KEY_MAX + 2];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = 0;
	int rc = 0;
	if (n > API_KEY_MAX || n < API_KEY_MIN || strpbrk(buf, "\r\n \t")) {
		fprintf(stderr, "vantage %s: --api-key-file %s: want one line of %d to %d "
				"characters without blanks\n", h->cfg.name, path, API_KEY_MIN,
			API_KEY_MAX);
		rc = -1;
	} else {
		unsigned dl = 0;
		if (!EVP_Digest(buf, n, h->key_hash, &dl, EVP_sha256(), NULL))
			rc = -1;
		h->use_key = true;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static int split_listen(const char *arg, char *host, size_t cap, unsigned *port)
{
	const char *colon = strrchr(arg, ':');
	if (!colon || colon == arg)
		return -1;
	size_t n = (size_t)(colon - arg);
	const char *hs = arg;
	if (arg[0] == '[' && colon[-1] == ']') {
		hs++;
		n -= 2;
	}
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (n == 0 || n >= cap || *end || !colon[1] || p == 0 || p > 65535)
		return -1;
	memcpy(host, hs, n);
	host[n] = 0;
	*port = (unsigned)p;
	return 0;
}

void vtg__httpsd_usage(FILE *f)
{
	fprintf(f, "  %-34s %s\n", "--config FILE", "perspectives file (vantage.conf(5))");
	fprintf(f, "  %-34s %s\n", "--listen ADDR:PORT", "address to serve on ([v6]:port for IPv6)");
	fprintf(f, "  %-34s %s\n", "--cert FILE", "server certificate chain, PEM");
	fprintf(f, "  %-34s %s\n", "--key FILE", "its private key, PEM");
	fprintf(f, "  %-34s %s\n", "--client-ca FILE", "clients authenticate with a certificate "
		"issued under these CAs (mutual TLS)");
	fprintf(f, "  %-34s %s\n", "--api-key-file FILE", "clients authenticate with this key "
		"(x-api-key or Authorization: Bearer)");
}

int vtg__httpsd_args(int argc, char **argv, const char *name, const char *const *extra,
		     struct vtg_httpsd_args *a, void (*usage)(FILE *f))
{
	enum { O_CONFIG = 256, O_LISTEN, O_CERT, O_KEY, O_CLIENT_CA, O_API_KEY, O_CA, O_EXTRA };
	struct option opts[8 + VTG_HTTPSD_EXTRA_MAX + 1] = {
		{"config", required_argument, NULL, O_CONFIG},
		{"listen", required_argument, NULL, O_LISTEN},
		{"cert", required_argument, NULL, O_CERT},
		{"key", required_argument, NULL, O_KEY},
		{"client-ca", required_argument, NULL, O_CLIENT_CA},
		{"api-key-file", required_argument, NULL, O_API_KEY},
		{"ca", required_argument, NULL, O_CA},
		{"help", no_argument, NULL, 'h'},
	};
	unsigned n = 8;
	for (unsigned i = 0; extra && extra[i] && i < VTG_HTTPSD_EXTRA_MAX; i++)
		opts[n++] = (struct option){extra[i], required_argument, NULL, O_EXTRA + (int)i};
	opts[n] = (struct option){NULL, 0, NULL, 0};
	memset(a, 0, sizeof(*a));
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case O_CONFIG: a->config = optarg; break;
		case O_LISTEN: a->listen = optarg; break;
		case O_CERT: a->cert = optarg; break;
		case O_KEY: a->key = optarg; break;
		case O_CLIENT_CA: a->client_ca = optarg; break;
		case O_API_KEY: a->api_key_file = optarg; break;
		case O_CA: a->ca = optarg; break;
		case 'h': usage(stdout); return 1;
		default:
			if (o >= O_EXTRA && o < O_EXTRA + VTG_HTTPSD_EXTRA_MAX) {
				a->extra[o - O_EXTRA] = optarg;
				break;
			}
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc || !a->config || !a->listen || !a->cert || !a->key ||
	    !a->client_ca == !a->api_key_file) {
		fprintf(stderr, "vantage %s: --config, --listen, --cert, --key and one of "
				"--client-ca / --api-key-file are required\n", name);
		usage(stderr);
		return -1;
	}
	return 0;
}

int vtg__httpsd_new(struct vtg_httpsd **out, const struct vtg_httpsd_cfg *cfg)
{
	*out = NULL;
	char host[128];
	unsigned port;
	if (split_listen(cfg->listen, host, sizeof(host), &port)) {
		fprintf(stderr, "vantage %s: --listen %s: want ADDR:PORT\n", cfg->name, cfg->listen);
		return VTG_EXIT_USAGE;
	}
	struct vtg_httpsd *h = vtg__calloc(1, sizeof(*h));
	if (!h)
		return VTG_EXIT_FAIL;
	h->cfg = *cfg;
	*out = h;
	if (cfg->api_key_file && read_key(h, cfg->api_key_file))
		return VTG_EXIT_USAGE;
	if (conn_idx < 0)
		conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_free_cb);
	if (conn_idx < 0 || vtg__json_init(&h->out, -1))
		return VTG_EXIT_FAIL;
	h->ssl = tls_ctx(cfg->name, cfg->cert, cfg->key, cfg->client_ca);
	if (!h->ssl)
		return VTG_EXIT_USAGE;
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer is an error return */
	h->base = event_base_new();
	h->http = h->base ? evhttp_new(h->base) : NULL;
	if (!h->http)
		return VTG_EXIT_FAIL;
	h->sig_term = evsignal_new(h->base, SIGTERM, signal_cb, h);
	h->sig_int = evsignal_new(h->base, SIGINT, signal_cb, h);
	h->grace = evtimer_new(h->base, grace_cb, h);
	if (!h->sig_term || !h->sig_int || !h->grace || event_add(h->sig_term, NULL) ||
	    event_add(h->sig_int, NULL))
		return VTG_EXIT_FAIL;
	evhttp_set_bevcb(h->http, bev_cb, h);
	evhttp_set_gencb(h->http, request_cb, h);
	evhttp_set_max_body_size(h->http, cfg->body_max);
	evhttp_set_max_headers_size(h->http, HEADERS_MAX);
	evhttp_set_timeout(h->http, IDLE_TIMEOUT_S);
	/* every method reaches request_cb, which answers 405 in JSON */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
					    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
					    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	return 0;
}

int vtg__httpsd_run(struct vtg_httpsd *h)
{
	char host[128];
	unsigned port;
	if (split_listen(h->cfg.listen, host, sizeof(host), &port))
		return VTG_EXIT_USAGE;
	h->bound = evhttp_bind_socket_with_handle(h->http, host, (ev_uint16_t)port);
	if (!h->bound) {
		fprintf(stderr, "vantage %s: --listen %s: %s\n", h->cfg.name, h->cfg.listen,
			strerror(errno));
		return VTG_EXIT_FAIL;
	}
	/* answers go out at once: without TCP_NODELAY (inherited by accepted
	 * sockets on Linux) Nagle holds a short answer's last segment until
	 * the client's delayed ACK, 40 ms on a kept-alive connection */
	int one = 1;
	setsockopt(evhttp_bound_socket_get_fd(h->bound), IPPROTO_TCP, TCP_NODELAY, &one,
		   sizeof(one));
	fprintf(stderr, "vantage %s: listening on %s (%s)\n", h->cfg.name, h->cfg.listen,
		h->cfg.client_ca ? "client certificates" : "API key");
	return event_base_dispatch(h->base) == 0 ? VTG_EXIT_OK : VTG_EXIT_FAIL;
}

void vtg__httpsd_free(struct vtg_httpsd *h)
{
	if (!h)
		return;
	if (h->http)
		evhttp_free(h->http); /* closes the connections: the conns go with their SSL */
	if (h->sig_term)
		event_free(h->sig_term);
	if (h->sig_int)
		event_free(h->sig_int);
	if (h->grace)
		event_free(h->grace);
	if (h->base)
		event_base_free(h->base);
	if (h->ssl)
		SSL_CTX_free(h->ssl);
	while (h->abandoned) {
		struct abandoned *ab = h->abandoned;
		h->abandoned = ab->next;
		if (h->cfg.release)
			h->cfg.release(ab->app, h->cfg.ud);
		vtg__free(ab);
	}
	vtg__json_deinit(&h->out);
	vtg__free(h);
}
