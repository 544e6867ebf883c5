/*
 * agent.c — `vantage agent`: one remote MPIC perspective behind HTTPS,
 * speaking open-mpic's perspective API (POST /caa, POST /dcv; GET /healthz).
 *
 * One thread, one libevent loop: libevent's evhttp parses HTTP (never a
 * parser of ours), bufferevent_openssl carries TLS over an SSL_CTX built
 * here (TLS 1.2+, mutual TLS when --client-ca is given), and ONE vantage
 * engine, made at start from --config through the public API only, runs
 * the checks: its descriptor (vtg_engine_fd) is an event of the loop, and
 * on readable vtg_poll hands back completions, each answered with
 * vtg__om_result_encode. Requests are decoded by vtg__om_check_decode.
 *
 * Hostile clients: every limit below is a named constant with its reason.
 * evhttp bounds the headers and the body and cuts idle connections; it has
 * no bound on the number of connections and no deadline for a whole request
 * (its timeouts are inactivity timeouts, which a client sending one byte a
 * second resets forever), so this file adds both, per connection, keyed by
 * the connection's SSL object (ex_data): a connection over the bound fails
 * its TLS handshake in the ClientHello callback; a connection that has not
 * delivered a whole request within REQUEST_DEADLINE_S of opening (or of its
 * last answer) is closed, unless a check of its is in flight.
 *
 * Invariants: a request handed to us is answered exactly once (by its
 * completion, by a refusal, or at shutdown); evhttp keeps a request whose
 * client went away alive until we answer it (evhttp_send_reply then frees
 * it), so a pending check never points at freed memory.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

#include "caa/dcv.h"
#include "cli/cli.h"
#include "common/alloc.h"
#include "common/json.h"
#include "mpic/openmpic.h"

/* ---- limits, each with its reason ---- */
/* open-mpic requests are < 2 KiB; the codec refuses more than this anyway,
 * evhttp refuses it before buffering it (413) */
#define BODY_MAX VTG_OM_BODY_MAX
/* request line + headers: an open-mpic client sends a handful (Host,
 * Content-Type, Content-Length, an API key); 8 KiB is nginx's default
 * large_client_header_buffers line size and stops a header flood early */
#define HEADERS_MAX (8 * 1024)
/* connections at once: each costs a TLS session and buffers (~50 KiB);
 * a coordinator keeps a few keep-alive connections per perspective */
#define CONNECTIONS_MAX 256
/* inactivity (evhttp read / write timeout): a coordinator sends its request
 * at once; a check never takes this long to answer (DNS: timeout-ms x
 * retries, seconds), the write side is our answer going out */
#define IDLE_TIMEOUT_S 10
/* a whole request (TLS handshake, headers, body) from connection open or
 * the previous answer: the inactivity timeout alone lets a client dripping
 * one byte a second hold a connection forever (slowloris) */
#define REQUEST_DEADLINE_S 10
/* after SIGTERM / SIGINT, how long checks in flight may still finish */
#define SHUTDOWN_GRACE_S 10
/* completions taken per vtg_poll */
#define POLL_BATCH 64
/* records_seen: a DCV RRset larger than this is no challenge (a TXT RRset
 * of 64 records overflows a DNS message already); the text of all of them */
#define RECORDS_MAX 64
#define RECORDS_TEXT_MAX (64 * 1024)
#define WEB_HOPS_MAX 16          /* response_history: the BR allows 10 redirects */
/* API key file: a key is a token, not a document */
#define API_KEY_MAX 512
#define API_KEY_MIN 16 /* shorter keys are guessable */

struct agent;

/* One TCP connection (lives as long as its SSL object). */
struct conn {
	struct agent *a;
	struct bufferevent *bev;
	struct event *deadline;
	unsigned busy;  /* requests of this connection in our hands */
	bool refused;   /* over CONNECTIONS_MAX: the handshake fails */
};

/* One request whose check is in the engine. */
struct pending {
	struct agent *a;
	struct evhttp_request *req;
	struct vtg_om_check chk;
	char client[64];
	const char *path; /* a string literal */
	uint64_t started_ns;
	struct pending *prev, *next;
};

struct agent {
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	SSL_CTX *ssl;
	struct vtg_engine *engine;
	struct event *engine_ev, *sig_term, *sig_int, *grace;
	struct vtg_json out;
	char **ca;           /* --ca: default issuer domain names */
	int n_ca;
	bool use_key;
	uint8_t key_hash[SHA256_DIGEST_LENGTH];
	unsigned n_conns;
	struct pending *pending; /* in flight, a list for the shutdown */
	unsigned n_pending;
	bool stopping;
};

static int conn_idx = -1; /* SSL ex_data index of struct conn */

static uint64_t now_ns(int clock)
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
	c->a->n_conns--;
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

/* No whole request in time: close, unless a check of its is running (its
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
	struct agent *a = arg;
	SSL *ssl = SSL_new(a->ssl);
	struct conn *c = vtg__calloc(1, sizeof(*c));
	if (!ssl || !c)
		goto fail;
	c->a = a;
	c->deadline = evtimer_new(base, deadline_cb, c);
	if (!c->deadline)
		goto fail;
	c->bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
						BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev)
		goto fail;
	SSL_set_ex_data(ssl, conn_idx, c); /* from here the SSL owns c */
	a->n_conns++;
	c->refused = a->n_conns > CONNECTIONS_MAX || a->stopping;
	deadline_arm(c);
	return c->bev;
fail:
	/* evhttp cannot take "no": it would make a plain-text connection. A
	 * bufferevent whose SSL_new failed cannot be made either; abort is the
	 * honest answer to memory exhaustion here. */
	fprintf(stderr, "vantage agent: out of memory for a connection\n");
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

static void log_line(const char *client, const char *path, int status, const char *trace,
		     uint64_t started_ns)
{
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	double ms = (double)(now_ns(CLOCK_MONOTONIC) - started_ns) / 1e6;
	/* the trace identifier is the client's text: printable ASCII only */
	char tr[VTG_OM_TRACE_MAX + 1];
	size_t n = 0;
	for (const char *p = trace ? trace : ""; *p && n < VTG_OM_TRACE_MAX; p++)
		tr[n++] = (*p > 0x20 && *p < 0x7f) ? *p : '?';
	tr[n] = 0;
	fprintf(stderr, "%s %s %s %d %s %.1fms\n", ts, client, path, status, n ? tr : "-", ms);
}

static void client_of(struct evhttp_request *req, char *out, size_t cap)
{
	struct evhttp_connection *evc = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;
	if (evc)
		evhttp_connection_get_peer(evc, &addr, &port);
	snprintf(out, cap, "%s:%u", addr ? addr : "?", (unsigned)port);
}

/* Send j's text (or an empty body) with status; re-arm the deadline. */
static void reply(struct agent *a, struct evhttp_request *req, int status, const char *reason,
		  const struct vtg_json *j)
{
	struct conn *c = conn_of_req(req);
	if (c) {
		if (c->busy)
			c->busy--;
		deadline_arm(c);
	}
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", "application/json");
	if (a->stopping)
		evhttp_add_header(h, "Connection", "close");
	struct evbuffer *b = evbuffer_new();
	if (b && j && !j->err)
		evbuffer_add(b, j->buf, j->len);
	evhttp_send_reply(req, status, reason, b);
	if (b)
		evbuffer_free(b);
}

/* {"error": TYPE, "error_message": TEXT[, "validation_issues": [{"msg": TEXT}]]}:
 * the shape of open-mpic's coordinator for a refused request (its key, its
 * list of issues). */
static void reply_error(struct agent *a, struct evhttp_request *req, int status,
			const char *reason, const char *type, const char *msg, bool issue)
{
	struct vtg_json *j = &a->out;
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
	reply(a, req, status, reason, j);
}

/* ---- the completion as an open-mpic perspective answer ---- */

static const char *strip_dot(const char *s, char *buf, size_t cap)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (n > 1 && s[n - 1] == '.')
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	return buf;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* DNS DCV records_seen: every record the primary perspective got (its
 * evidence's perspectives[0].records[].rr, "OWNER TTL CLASS TYPE RDATA"),
 * as open-mpic lists them: the RDATA, a TXT record of one string without
 * its quotes. Copied into buf; returns the count. */
static size_t dns_records(json_t *ev, const char **out, size_t max, char *buf, size_t cap)
{
	json_t *ps = json_object_get(ev, "perspectives");
	json_t *recs = json_object_get(json_array_get(ps, 0), "records"), *v;
	size_t i, n = 0, used = 0;
	json_array_foreach(recs, i, v) {
		const char *rr = jstr(v, "rr");
		if (!rr || n == max)
			continue;
		const char *p = rr, *type = NULL;
		for (int f = 0; f < 4 && *p; f++) { /* skip owner, TTL, class, type */
			if (f == 3)
				type = p;
			p += strcspn(p, " \t");
			p += strspn(p, " \t");
		}
		if (!*p)
			continue;
		size_t len = strlen(p);
		if (type && !strncmp(type, "TXT", 3) && len >= 2 && p[0] == '"' &&
		    p[len - 1] == '"' && !memchr(p + 1, '"', len - 2) && !memchr(p + 1, '\\', len - 2)) {
			p++;
			len -= 2;
		}
		if (used + len + 1 > cap)
			break;
		memcpy(buf + used, p, len);
		buf[used + len] = 0;
		out[n++] = buf + used;
		used += len + 1;
	}
	return n;
}

/* cname_chain: the aliases followed to the answer (the CNAME records
 * among the primary's, their targets without the trailing dot, in order),
 * as open-mpic-core lists them. Returns the count. */
static size_t cname_chain(json_t *ev, const char **out, size_t max, char *buf, size_t cap)
{
	json_t *ps = json_object_get(ev, "perspectives");
	json_t *recs = json_object_get(json_array_get(ps, 0), "records"), *v;
	size_t i, n = 0, used = 0;
	json_array_foreach(recs, i, v) {
		const char *rr = jstr(v, "rr");
		char owner[256], ttl[16], cls[16], type[16], target[256];
		if (!rr || n == max ||
		    sscanf(rr, "%255s %15s %15s %15s %255s", owner, ttl, cls, type, target) != 5 ||
		    strcmp(type, "CNAME") != 0)
			continue;
		size_t len = strlen(target);
		if (len > 1 && target[len - 1] == '.')
			target[--len] = 0;
		if (used + len + 1 > cap)
			break;
		memcpy(buf + used, target, len + 1);
		out[n++] = buf + used;
		used += len + 1;
	}
	return n;
}

/* HTTP details from the primary's hops (runner/kind_web.c's evidence):
 * response_history the hops before the last, response_url / status / page /
 * resolved_ip the last one's. The page is the hop's body excerpt (the body
 * as served for printable text; escapes otherwise), its first
 * VTG_OM_PAGE_MAX octets. */
static void web_details(json_t *ev, struct vtg_om_result *r, struct vtg_om_hop *hops,
			size_t max, uint8_t *page, size_t pagecap)
{
	json_t *ps = json_object_get(ev, "perspectives");
	json_t *arr = json_object_get(json_array_get(ps, 0), "hops");
	size_t n = json_array_size(arr);
	r->response_url = jstr(ev, "url");
	if (n == 0)
		return;
	json_t *last = json_array_get(arr, n - 1);
	size_t k = 0;
	for (size_t i = 0; i + 1 < n && k < max; i++) {
		json_t *h = json_array_get(arr, i);
		json_t *st = json_object_get(h, "status");
		hops[k].url = jstr(h, "url");
		hops[k].status = json_is_integer(st) ? (int)json_integer_value(st) : 0;
		k++;
	}
	r->hops = hops;
	r->n_hops = k;
	if (jstr(last, "url"))
		r->response_url = jstr(last, "url");
	json_t *st = json_object_get(last, "status");
	if (json_is_integer(st))
		r->status = (int)json_integer_value(st);
	const char *body = jstr(last, "body");
	if (body) {
		size_t len = strlen(body);
		if (len > pagecap)
			len = pagecap;
		memcpy(page, body, len);
		r->page = page;
		r->page_len = len;
	}
	/* "ADDR:PORT" or "[v6]:PORT" connected to: the address */
	const char *peer = jstr(last, "connected");
	static char ip[64];
	if (peer) {
		const char *b = peer[0] == '[' ? peer + 1 : peer;
		const char *e = peer[0] == '[' ? strchr(b, ']') : strrchr(b, ':');
		size_t len = e ? (size_t)(e - b) : strlen(b);
		if (len < sizeof(ip)) {
			memcpy(ip, b, len);
			ip[len] = 0;
			r->resolved_ip = ip;
		}
	}
}

static const char *error_type(const struct vtg_completion *c)
{
	if (c->kind == VTG_CHECK_CAA)
		return VTG_OM_ERR_CAA_LOOKUP;
	if (c->reason_code == VTG_REASON_DCV_REDIRECT_REFUSED ||
	    c->reason_code == VTG_REASON_DCV_TOO_MANY_REDIRECTS)
		return VTG_OM_ERR_REDIRECT;
	if (c->reason_code >= VTG_REASON_DCV_HTTP_STATUS && c->reason_code < VTG_REASON_ANSWERED)
		return VTG_OM_ERR_HTTP;
	return VTG_OM_ERR_DCV_LOOKUP;
}

static void answer(struct agent *a, struct pending *p, const struct vtg_completion *c)
{
	json_t *ev = json_loadb(c->json, c->json_len, 0, NULL);
	const struct vtg_persp_result *pr = c->n_perspectives ? &c->perspectives[0] : NULL;
	bool answered = pr ? pr->answered : false;
	bool web = p->chk.type == VTG_OM_CHECK_DCV && vtg__dcv_method_web(p->chk.method);
	struct vtg_om_result r = {
		.type = p->chk.type, .method = p->chk.om_method,
		.completed = answered, .passed = c->positive != 0,
		.timestamp_ns = (int64_t)now_ns(CLOCK_REALTIME),
		.caa_present = -1, .rcode = -1, .ad_flag = -1, .status = -1,
		.evidence = c->json, .evidence_len = c->json_len,
	};
	struct vtg_om_error err = {error_type(c), c->reason};
	if (!answered) {
		r.errors = &err;
		r.n_errors = 1;
	}
	char owner[VTG_OM_NAME_MAX + 2];
	static char rdbuf[RECORDS_TEXT_MAX], cnbuf[RECORDS_TEXT_MAX];
	static const char *cnames[RECORDS_MAX];
	static struct vtg_om_hop hops[WEB_HOPS_MAX];
	static uint8_t page[VTG_OM_PAGE_MAX];
	const char *recs[RECORDS_MAX];
	size_t n = 0;
	if (p->chk.type == VTG_OM_CHECK_CAA) {
		/* records: the relevant RRset in presentation form, null where
		 * it cannot be presented (skipped here) */
		json_t *arr = json_object_get(ev, "records"), *v;
		size_t i;
		json_array_foreach(arr, i, v) {
			if (json_is_string(v) && n < sizeof(recs) / sizeof(recs[0]))
				recs[n++] = json_string_value(v);
		}
		r.records = recs;
		r.n_records = n;
		r.caa_present = n > 0; /* a boolean for open-mpic, also after a failure */
		r.found_at = strip_dot(jstr(ev, "relevant_owner"), owner, sizeof(owner));
	} else if (!web) {
		n = dns_records(ev, recs, sizeof(recs) / sizeof(recs[0]), rdbuf, sizeof(rdbuf));
		const char *seen = jstr(ev, "seen");
		if (n == 0 && seen)
			recs[n++] = seen;
		r.records = recs;
		r.n_records = n;
		r.found_at = strip_dot(jstr(ev, "query"), owner, sizeof(owner));
		if (c->rcode != VTG_RCODE_NO_RESPONSE)
			r.rcode = (int)c->rcode;
		/* ad_flag: the answer was DNSSEC-validated (the primary's own
		 * validation, or its resolver's AD bit in stub mode) */
		const char *dnssec = jstr(ev, "dnssec");
		if (answered && dnssec)
			r.ad_flag = !strcmp(dnssec, "secure");
		r.cname_chain = cnames;
		r.n_cname = cname_chain(ev, cnames, sizeof(cnames) / sizeof(cnames[0]), cnbuf,
					sizeof(cnbuf));
	} else {
		web_details(ev, &r, hops, sizeof(hops) / sizeof(hops[0]), page, sizeof(page));
	}
	vtg__json_reset(&a->out);
	int rc = vtg__om_result_encode(&r, &a->out);
	if (rc == 0)
		reply(a, p->req, HTTP_OK, "OK", &a->out);
	else
		reply_error(a, p->req, HTTP_INTERNAL, "Internal Server Error",
			    "internal", "the answer could not be encoded", false);
	log_line(p->client, p->path, rc == 0 ? HTTP_OK : HTTP_INTERNAL,
		 p->chk.has_trace ? p->chk.trace : NULL, p->started_ns);
	json_decref(ev);
}

static void pending_unlink(struct agent *a, struct pending *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		a->pending = p->next;
	if (p->next)
		p->next->prev = p->prev;
	a->n_pending--;
}

static void maybe_exit(struct agent *a)
{
	/* a moment for the last answers to leave the output buffers */
	struct timeval flush = {0, 200000};
	if (a->stopping && a->n_pending == 0)
		event_base_loopexit(a->base, &flush);
}

static void engine_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct agent *a = arg;
	struct vtg_completion out[POLL_BATCH];
	int n = vtg_poll(a->engine, out, POLL_BATCH, 0);
	if (n < 0) {
		fprintf(stderr, "vantage agent: engine: %s\n", vtg_strerror(n));
		event_base_loopbreak(a->base);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct pending *p = out[i].user;
		pending_unlink(a, p);
		answer(a, p, &out[i]);
		vtg__free(p);
	}
	maybe_exit(a);
}

/* ---- requests ---- */

/* x-api-key: KEY or Authorization: Bearer KEY, compared in constant time
 * (as SHA-256 digests, so the length does not leak either). */
static bool key_ok(const struct agent *a, struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *k = evhttp_find_header(h, "x-api-key");
	if (!k) {
		const char *au = evhttp_find_header(h, "Authorization");
		if (au && strncasecmp(au, "Bearer ", 7) == 0)
			k = au + 7;
	}
	if (!k)
		return false;
	uint8_t d[SHA256_DIGEST_LENGTH];
	unsigned dl = 0;
	if (!EVP_Digest(k, strlen(k), d, &dl, EVP_sha256(), NULL))
		return false;
	return CRYPTO_memcmp(d, a->key_hash, sizeof(d)) == 0;
}

/* The check the engine runs for an open-mpic request, or a refusal text
 * for what the public API cannot ask per check. */
static const char *to_check(const struct agent *a, const struct vtg_om_check *om,
			    struct vtg_check *chk, char *name, size_t cap)
{
	memset(chk, 0, sizeof(*chk));
	if (om->type == VTG_OM_CHECK_CAA) {
		chk->kind = VTG_CHECK_CAA;
		/* issuewild applies to a wildcard (RFC 8659 4.3) */
		snprintf(name, cap, "%s%s", om->wildcard ? "*." : "", om->target);
		if (om->smime)
			return "caa_check_parameters.certificate_type: s-mime: this agent checks tls-server only";
		if (om->n_caa_domains) {
			static const char *doms[VTG_OM_DOMAINS_MAX];
			for (size_t i = 0; i < om->n_caa_domains; i++)
				doms[i] = om->caa_domains[i];
			chk->ca_domains = doms;
			chk->n_ca_domains = om->n_caa_domains;
		} else if (a->n_ca == 0) {
			return "caa_check_parameters.caa_domains: required (the agent has no --ca)";
		}
	} else {
		chk->kind = VTG_CHECK_DCV;
		snprintf(name, cap, "%s", om->target);
		chk->dcv_method = vtg__dcv_method_str(om->method);
		switch (om->method) {
		case VTG_DCV_PERSIST: {
			/* the request's issuer names and account URI (BR 3.2.2.4.22) */
			static const char *iss[VTG_OM_DOMAINS_MAX];
			for (size_t i = 0; i < om->n_issuers; i++)
				iss[i] = om->issuers[i];
			chk->ca_domains = iss;
			chk->n_ca_domains = om->n_issuers;
			chk->account_uri = om->account_uri;
			break;
		}
		case VTG_DCV_WEBSITE_CHANGE:
			chk->dcv_http_path = om->http_path;
			chk->dcv_scheme = om->https ? 2 : 1;
			break;
		case VTG_DCV_TLSALPN01:
			/* key_authorization_hash: the acmeIdentifier's value */
			chk->expect_is_digest = 1;
			break;
		default:
			break;
		}
		if (om->has_prefix)
			chk->dcv_label = om->prefix;
		chk->expect = om->value[0] ? om->value : NULL;
	}
	chk->name = name;
	return NULL;
}

static void check_request(struct agent *a, struct evhttp_request *req, enum vtg_om_endpoint ep,
			  const char *path, const char *client, uint64_t started)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	struct pending *p = vtg__calloc(1, sizeof(*p));
	if (!p) {
		reply_error(a, req, 503, "Service Unavailable", "internal", "out of memory", false);
		log_line(client, path, 503, NULL, started);
		return;
	}
	char err[256] = "";
	const char *body = len ? (const char *)evbuffer_pullup(in, (ev_ssize_t)len) : "";
	int rc = vtg__om_check_decode(body, len, ep, &p->chk, err, sizeof(err));
	const char *trace = rc == 0 && p->chk.has_trace ? p->chk.trace : NULL;
	if (rc != 0) {
		reply_error(a, req, HTTP_BADREQUEST, "Bad Request", vtg__om_error_type(rc), err, true);
		log_line(client, path, HTTP_BADREQUEST, NULL, started);
		vtg__free(p);
		return;
	}
	struct vtg_check chk;
	char name[VTG_OM_TARGET_MAX + 3];
	const char *why = to_check(a, &p->chk, &chk, name, sizeof(name));
	if (why) {
		reply_error(a, req, HTTP_BADREQUEST, "Bad Request",
			    p->chk.type == VTG_OM_CHECK_DCV ? VTG_OM_ERR_DCV_PARAMETER
							   : VTG_OM_ERR_REQUEST_INVALID,
			    why, true);
		log_line(client, path, HTTP_BADREQUEST, trace, started);
		vtg__free(p);
		return;
	}
	rc = vtg_submit_check(a->engine, &chk, p, NULL);
	if (rc != 0) {
		bool busy = rc == -EAGAIN;
		reply_error(a, req, busy ? 503 : HTTP_BADREQUEST,
			    busy ? "Service Unavailable" : "Bad Request",
			    busy ? "busy" : VTG_OM_ERR_REQUEST_INVALID, vtg_strerror(rc), !busy);
		log_line(client, path, busy ? 503 : HTTP_BADREQUEST, trace, started);
		vtg__free(p);
		return;
	}
	struct conn *c = conn_of_req(req);
	if (c)
		c->busy++;
	p->a = a;
	p->req = req;
	p->started_ns = started;
	snprintf(p->client, sizeof(p->client), "%s", client);
	p->path = path;
	p->next = a->pending;
	if (a->pending)
		a->pending->prev = p;
	a->pending = p;
	a->n_pending++;
}

static void request_cb(struct evhttp_request *req, void *arg)
{
	struct agent *a = arg;
	uint64_t started = now_ns(CLOCK_MONOTONIC);
	char client[64];
	client_of(req, client, sizeof(client));
	const char *uri = evhttp_request_get_uri(req);
	const char *path = "?";
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	enum vtg_om_endpoint ep = VTG_OM_EP_CAA;
	bool check = false;
	if (strcmp(uri, "/caa") == 0) {
		path = "/caa";
		check = true;
	} else if (strcmp(uri, "/dcv") == 0) {
		path = "/dcv";
		ep = VTG_OM_EP_DCV;
		check = true;
	} else if (strcmp(uri, "/healthz") == 0) {
		path = "/healthz";
	}
	int status;
	if (a->use_key && !key_ok(a, req)) {
		status = 401;
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
				  "Bearer");
		reply_error(a, req, status, "Unauthorized", "unauthorized",
			    "a valid API key is required (x-api-key or Authorization: Bearer)",
			    false);
	} else if (!strcmp(path, "?")) {
		status = HTTP_NOTFOUND;
		reply_error(a, req, status, "Not Found", "not-found", "no such endpoint", false);
	} else if (check ? m != EVHTTP_REQ_POST : m != EVHTTP_REQ_GET) {
		status = HTTP_BADMETHOD;
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
				  check ? "POST" : "GET");
		reply_error(a, req, status, "Method Not Allowed", "method-not-allowed",
			    check ? "use POST" : "use GET", false);
	} else if (a->stopping) {
		status = 503;
		reply_error(a, req, status, "Service Unavailable", "stopping",
			    "the agent is shutting down", false);
	} else if (check) {
		check_request(a, req, ep, path, client, started);
		return; /* logs itself */
	} else {
		status = HTTP_OK;
		vtg__json_reset(&a->out);
		vtg__json_obj_begin(&a->out);
		vtg__json_kstr(&a->out, "status", "ok");
		vtg__json_obj_end(&a->out);
		reply(a, req, status, "OK", &a->out);
	}
	log_line(client, path, status, NULL, started);
}

/* ---- shutdown ---- */

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct agent *a = arg;
	fprintf(stderr, "vantage agent: %u checks still in flight after %d s: answered 503\n",
		a->n_pending, SHUTDOWN_GRACE_S);
	while (a->pending) {
		struct pending *p = a->pending;
		pending_unlink(a, p);
		reply_error(a, p->req, 503, "Service Unavailable", "stopping",
			    "the agent shut down before the check finished", false);
		log_line(p->client, p->path, 503, p->chk.has_trace ? p->chk.trace : NULL,
			 p->started_ns);
		vtg__free(p);
	}
	struct timeval flush = {0, 200000};
	event_base_loopexit(a->base, &flush);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct agent *a = arg;
	if (a->stopping)
		return;
	a->stopping = true;
	fprintf(stderr, "vantage agent: %s: no new connections, %u checks in flight\n",
		sig == SIGTERM ? "SIGTERM" : "SIGINT", a->n_pending);
	if (a->bound) {
		evhttp_del_accept_socket(a->http, a->bound);
		a->bound = NULL;
	}
	struct timeval tv = {SHUTDOWN_GRACE_S, 0};
	evtimer_add(a->grace, &tv);
	maybe_exit(a);
}

/* ---- setup ---- */

static void ssl_errors(const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof(buf));
	fprintf(stderr, "vantage agent: %s: %s\n", what, e ? buf : "failed");
}

static SSL_CTX *tls_ctx(const char *cert, const char *key, const char *client_ca)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		ssl_errors("SSL_CTX_new");
		return NULL;
	}
	/* TLS 1.2 and later only (BR 6.1.x deployments, RFC 8996 retires 1.0 / 1.1) */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_errors(cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_errors(key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_errors("--key does not match --cert");
		goto fail;
	}
	if (client_ca) {
		if (SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
			ssl_errors(client_ca);
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
		static const unsigned char SID_CTX[] = "vantage-agent";
		SSL_CTX_set_session_id_context(ctx, SID_CTX, sizeof(SID_CTX) - 1);
	}
	SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

static int read_key(struct agent *a, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vantage agent: --api-key-file %s: %s\n", path, strerror(errno));
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
		fprintf(stderr, "vantage agent: --api-key-file %s: want one line of %d to %d "
				"characters without blanks\n", path, API_KEY_MIN, API_KEY_MAX);
		rc = -1;
	} else {
		unsigned dl = 0;
		if (!EVP_Digest(buf, n, a->key_hash, &dl, EVP_sha256(), NULL))
			rc = -1;
		a->use_key = true;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static void agent_usage(FILE *f)
{
	fprintf(f,
		"usage: vantage agent --config FILE --listen ADDR:PORT --cert FILE --key FILE\n"
		"                     (--client-ca FILE | --api-key-file FILE) [--ca DOMAIN,...]\n"
		"A remote MPIC perspective: open-mpic's perspective API (POST /caa, POST /dcv,\n"
		"GET /healthz) over HTTPS (TLS 1.2+), each check run by an engine made from\n"
		"--config. One log line per request on stderr. SIGTERM / SIGINT: no new\n"
		"connections, checks in flight finish (up to %d s), exit 0.\n"
		"Options:\n", SHUTDOWN_GRACE_S);
	fprintf(f, "  %-34s %s\n", "--config FILE", "perspectives file (vantage.conf(5))");
	fprintf(f, "  %-34s %s\n", "--listen ADDR:PORT", "address to serve on ([v6]:port for IPv6)");
	fprintf(f, "  %-34s %s\n", "--cert FILE", "server certificate chain, PEM");
	fprintf(f, "  %-34s %s\n", "--key FILE", "its private key, PEM");
	fprintf(f, "  %-34s %s\n", "--client-ca FILE", "clients authenticate with a certificate "
		"issued under these CAs (mutual TLS)");
	fprintf(f, "  %-34s %s\n", "--api-key-file FILE", "clients authenticate with this key "
		"(x-api-key or Authorization: Bearer)");
	fprintf(f, "  %-34s %s\n", "--ca DOMAIN[,DOMAIN...]", "issuer domain names for a /caa "
		"request without caa_domains (none)");
	fprintf(f, "  %-34s %s\n", "-h, --help", "this text");
}

static int split_listen(const char *arg, char *host, size_t cap, unsigned *port)
{
	const char *colon = strrchr(arg, ':');
	if (!colon || colon == arg)
		return -1;
	size_t n = (size_t)(colon - arg);
	const char *h = arg;
	if (arg[0] == '[' && colon[-1] == ']') {
		h++;
		n -= 2;
	}
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (n == 0 || n >= cap || *end || !colon[1] || p == 0 || p > 65535)
		return -1;
	memcpy(host, h, n);
	host[n] = 0;
	*port = (unsigned)p;
	return 0;
}

int vtg_cmd_agent(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'f'},
		{"listen", required_argument, NULL, 'l'},
		{"cert", required_argument, NULL, 'c'},
		{"key", required_argument, NULL, 'k'},
		{"client-ca", required_argument, NULL, 'A'},
		{"api-key-file", required_argument, NULL, 'K'},
		{"ca", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *listen_on = NULL, *cert = NULL, *key = NULL,
		   *client_ca = NULL, *key_file = NULL, *ca = NULL;
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'f': config = optarg; break;
		case 'l': listen_on = optarg; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'A': client_ca = optarg; break;
		case 'K': key_file = optarg; break;
		case 'i': ca = optarg; break;
		case 'h': agent_usage(stdout); return VTG_EXIT_OK;
		default: agent_usage(stderr); return VTG_EXIT_USAGE;
		}
	}
	if (optind < argc || !config || !listen_on || !cert || !key || !client_ca == !key_file) {
		fprintf(stderr, "vantage agent: --config, --listen, --cert, --key and one of "
				"--client-ca / --api-key-file are required\n");
		agent_usage(stderr);
		return VTG_EXIT_USAGE;
	}
	char host[128];
	unsigned port;
	if (split_listen(listen_on, host, sizeof(host), &port)) {
		fprintf(stderr, "vantage agent: --listen %s: want ADDR:PORT\n", listen_on);
		return VTG_EXIT_USAGE;
	}
	static struct agent a; /* static: the callbacks' state for the process */
	int status = VTG_EXIT_USAGE;
	if (ca && (a.n_ca = vtg__split_issuers(ca, &a.ca)) < 0)
		return VTG_EXIT_USAGE;
	if (key_file && read_key(&a, key_file))
		return VTG_EXIT_USAGE;
	conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_free_cb);
	if (conn_idx < 0 || vtg__json_init(&a.out, -1))
		return VTG_EXIT_FAIL;
	a.ssl = tls_ctx(cert, key, client_ca);
	if (!a.ssl)
		goto out;

	struct vtg_options eo = {
		.config_path = config, .kind = VTG_CHECK_CAA,
		.ca_domains = (const char *const *)a.ca, .n_ca_domains = a.n_ca > 0 ? (size_t)a.n_ca : 0,
	};
	char err[512] = "";
	int rc = vtg_engine_new(&a.engine, &eo, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vantage agent: %s: %s\n", config, err[0] ? err : vtg_strerror(rc));
		goto out;
	}
	status = VTG_EXIT_FAIL;
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer is an error return */
	a.base = event_base_new();
	a.http = a.base ? evhttp_new(a.base) : NULL;
	if (!a.http)
		goto out;
	a.engine_ev = event_new(a.base, vtg_engine_fd(a.engine), EV_READ | EV_PERSIST, engine_cb, &a);
	a.sig_term = evsignal_new(a.base, SIGTERM, signal_cb, &a);
	a.sig_int = evsignal_new(a.base, SIGINT, signal_cb, &a);
	a.grace = evtimer_new(a.base, grace_cb, &a);
	if (!a.engine_ev || !a.sig_term || !a.sig_int || !a.grace || event_add(a.engine_ev, NULL) ||
	    event_add(a.sig_term, NULL) || event_add(a.sig_int, NULL))
		goto out;
	evhttp_set_bevcb(a.http, bev_cb, &a);
	evhttp_set_gencb(a.http, request_cb, &a);
	evhttp_set_max_body_size(a.http, BODY_MAX);
	evhttp_set_max_headers_size(a.http, HEADERS_MAX);
	evhttp_set_timeout(a.http, IDLE_TIMEOUT_S);
	/* every method reaches request_cb, which answers 405 in JSON */
	evhttp_set_allowed_methods(a.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
					   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
					   EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	a.bound = evhttp_bind_socket_with_handle(a.http, host, (ev_uint16_t)port);
	if (!a.bound) {
		fprintf(stderr, "vantage agent: --listen %s: %s\n", listen_on, strerror(errno));
		goto out;
	}
	/* answers go out at once: without TCP_NODELAY (inherited by accepted
	 * sockets on Linux) Nagle holds a short answer's last segment until
	 * the coordinator's delayed ACK, 40 ms on a kept-alive connection */
	int one = 1;
	setsockopt(evhttp_bound_socket_get_fd(a.bound), IPPROTO_TCP, TCP_NODELAY, &one,
		   sizeof(one));
	fprintf(stderr, "vantage agent: listening on %s (%s)\n", listen_on,
		client_ca ? "client certificates" : "API key");
	if (event_base_dispatch(a.base) == 0)
		status = VTG_EXIT_OK;
out:
	if (a.http)
		evhttp_free(a.http); /* closes the connections: the conns go with their SSL */
	if (a.engine_ev)
		event_free(a.engine_ev);
	if (a.sig_term)
		event_free(a.sig_term);
	if (a.sig_int)
		event_free(a.sig_int);
	if (a.grace)
		event_free(a.grace);
	if (a.base)
		event_base_free(a.base);
	if (a.engine)
		vtg_engine_free(a.engine);
	if (a.ssl)
		SSL_CTX_free(a.ssl);
	vtg__json_deinit(&a.out);
	for (int i = 0; i < a.n_ca; i++)
		vtg__free(a.ca[i]);
	vtg__free(a.ca);
	return status;
}
