/*
 * web.h — the engine's HTTP and TLS sockets for web domain validation
 * (http-01, website-change, tls-alpn-01; runner/kind_web.c decides, caa/web.h
 * and caa/tlsalpn.h judge).
 *
 * Both run on the worker's own io_uring ring, beside its DNS queries, from
 * the perspective's own sockets (its network namespace, interface and source
 * address, engine/persp.c), and both connect only to the address the caller
 * pins: the name was resolved by the perspective's own resolver, never by
 * libcurl or the host's resolv.conf (BR 3.2.2.9: no shared resolution).
 *
 * HTTP: libcurl's multi-socket interface. libcurl says which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION): each becomes a one-shot IORING_OP_POLL_ADD,
 * re-armed after curl_multi_socket_action(); its timer (CURLMOPT_TIMERFUNCTION)
 * is one more deadline of the worker's loop. One request is one hop: no
 * redirects followed (the caller applies the BR's redirect rules and asks
 * again), no connection reuse between requests, http and https only, TLS 1.2
 * or newer without certificate validation (the certificate's SHA-256 is
 * reported), the body read up to a cap.
 *
 * TLS-ALPN: OpenSSL on a non-blocking socket of the perspective, the
 * handshake driven by the same ring's polls; the result is the negotiated
 * ALPN protocol and the peer's certificate (DER), nothing is sent after the
 * handshake (RFC 8737 section 3).
 *
 * Every accepted request completes exactly once through the callback given to
 * vtg__worker_set_web(), on the worker's thread, from inside
 * vtg__worker_run(); a callback may start new requests.
 */
#ifndef VTG_ENGINE_WEB_H
#define VTG_ENGINE_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/engine.h"

#define VTG_WEB_SLOTS_DEFAULT 256   /* web requests a worker holds at once: each
				     * is a TCP connection (a file descriptor)
				     * and a body buffer */
#define VTG_WEB_BUF_MAX (16 * 1024) /* body bytes a request may keep: the largest
				     * cap a caller may ask for (website-change's,
				     * caa/web.h VTG_WEB_BODY_MAX); a buffer per
				     * slot, made when web requests are enabled */
#define VTG_WEB_CERT_MAX (16 * 1024) /* a leaf certificate (DER) kept for the
				      * tls-alpn-01 check; larger is a TLS
				      * failure */
#define VTG_WEB_ERR_MAX 256

enum vtg_web_fail {
	VTG_WEB_OK = 0,
	VTG_WEB_CONNECT,     /* refused, unreachable, reset before a response */
	VTG_WEB_TLS,         /* handshake failed (or TLS older than 1.2) */
	VTG_WEB_TIMEOUT,     /* connect, TLS or read took too long */
	VTG_WEB_PROTOCOL,    /* not HTTP: no or garbled response */
	VTG_WEB_LOCAL,       /* our side: socket, namespace, out of memory */
	VTG_WEB_CANCELLED,   /* withdrawn by the caller (agent requests) */
};

/* "ok", "connect", "tls", "timeout", "protocol", "local", "cancelled" */
const char *vtg__web_fail_str(enum vtg_web_fail f);

struct vtg_http_req {
	unsigned persp;
	const char *url;                       /* absolute http:// or https:// URL */
	const struct sockaddr_storage *addr;   /* connect here; port from the URL */
	size_t body_cap;                       /* keep at most this many octets;
						* more is reported as truncated
						* (<= VTG_WEB_BUF_MAX) */
	unsigned connect_timeout_ms;           /* TCP and TLS set-up */
	unsigned timeout_ms;                   /* the whole request */
};

struct vtg_http_result {
	enum vtg_web_fail fail;
	const char *error;          /* libcurl's message ("" when fine) */
	long status;                /* 0 without a response */
	const char *location;       /* the Location header as sent, or NULL */
	size_t location_len;
	const uint8_t *body;        /* the first body_len octets */
	size_t body_len;
	bool truncated;             /* the body went on past body_cap */
	const char *tls_version;    /* "TLSv1.3", or NULL without TLS */
	char cert_sha256[65];       /* the server certificate's, hex; "" none */
	char peer[64];              /* "ADDR:PORT" connected to (or tried) */
	double connect_ms, tls_ms, total_ms; /* from the start of the request */
};

struct vtg_alpn_req {
	unsigned persp;
	const struct sockaddr_storage *addr;   /* address and port (443) */
	const char *sni;                       /* server name (RFC 8737 / 8738) */
	unsigned timeout_ms;                   /* connect + handshake */
};

struct vtg_alpn_result {
	enum vtg_web_fail fail;
	const char *error;          /* what failed, "" when fine */
	bool acme_tls;              /* "acme-tls/1" was negotiated */
	const char *tls_version;
	const uint8_t *der;         /* the peer's certificate, or NULL */
	size_t der_len;
	char peer[64];
	double connect_ms, tls_ms;
};

typedef void (*vtg_http_cb_fn)(void *ud, const struct vtg_http_result *res);
typedef void (*vtg_alpn_cb_fn)(void *ud, const struct vtg_alpn_result *res);

/*
 * Requests to remote perspectives' agents (runner/remote.c): HTTPS POSTs of
 * open-mpic check requests on the same multi handle, but with everything a
 * web validation request must not have: the agent's certificate verified
 * against the perspective's CA and its host, a client certificate or an API
 * key, and keep-alive connections reused from one check to the next (a TLS
 * handshake per check would cost more than the check). Sockets come from the
 * perspective's namespace / interface / source (the path to the agent);
 * libcurl resolves the URL's host itself (the coordinator's own resolver:
 * the agent is the CA's infrastructure, not a validation target).
 */
#define VTG_AGENT_SLOTS 64            /* agent requests a worker holds at once
				       * (all remotes together): bounds the
				       * connections a coordinator worker keeps
				       * open to its agents (each agent accepts
				       * 256) */
#define VTG_AGENT_REQ_MAX (16 * 1024) /* a check request body: < 2 KiB in
				       * practice (16 issuer domains of 253
				       * octets at most) */
#define VTG_AGENT_ANSWER_MAX (64 * 1024) /* an agent's answer (its evidence
				       * line included; a web check with ten
				       * redirect hops is ~12 KiB); more is a
				       * protocol failure */
#define VTG_AGENT_KEY_MAX 256         /* an API key */

struct vtg_agent_req {
	unsigned persp;            /* the remote perspective (its path to the agent) */
	const char *url;           /* the endpoint: https://HOST:PORT/caa or /dcv */
	const char *body;          /* JSON, copied at submit */
	size_t body_len;           /* <= VTG_AGENT_REQ_MAX */
	const char *ca;            /* CA file, NULL or "": the system's */
	const char *client_cert;   /* PEM files, or NULL */
	const char *client_key;
	const char *api_key;       /* sent as x-api-key, or NULL */
	unsigned connect_timeout_ms;
	unsigned timeout_ms;       /* the whole request */
};

struct vtg_agent_result {
	enum vtg_web_fail fail;    /* TLS: handshake or verification failed */
	const char *error;         /* libcurl's message ("" when fine) */
	long status;               /* 0 without a response */
	const uint8_t *body;       /* the answer (valid during the callback) */
	size_t body_len;
	bool truncated;            /* longer than VTG_AGENT_ANSWER_MAX */
	bool reused;               /* went over a kept-alive connection */
	char peer[64];
	double total_ms;
};

typedef void (*vtg_agent_cb_fn)(void *ud, const struct vtg_agent_result *res);

/*
 * Enable agent requests on w (web requests must be enabled first: they share
 * the multi handle). 0, -EALREADY, -EINVAL (web not enabled), -ENOMEM.
 */
int vtg__worker_set_agent(struct vtg_worker *w, vtg_agent_cb_fn cb, char *err, size_t errcap);

/* Free agent slots now. */
unsigned vtg__worker_agent_free(const struct vtg_worker *w);

/* Withdraw the agent requests in flight for at least min_age_ms whose ud
 * `drop` says to (a check decided without them): each completes now,
 * through the callback, as VTG_WEB_CANCELLED. A withdrawn request closes
 * its connection. Returns how many. */
unsigned vtg__worker_agent_cancel(struct vtg_worker *w, unsigned min_age_ms,
				  bool (*drop)(void *ud, void *arg), void *arg);

/* Start one agent request. 0 (exactly one callback follows), or with no
 * callback: -EAGAIN (no free slot), -EINVAL (not enabled, perspective not
 * remote, URL not https, body too long), -ENOMEM. */
int vtg__worker_agent(struct vtg_worker *w, const struct vtg_agent_req *rq, void *ud);

/*
 * Enable web requests on w: `slots` requests at once (0: the default), the
 * callbacks for their completions. Call on the worker's thread before the
 * first request. 0, -EALREADY, -ENOMEM, or -EIO (libcurl could not be set
 * up; err says why).
 */
int vtg__worker_set_web(struct vtg_worker *w, unsigned slots, vtg_http_cb_fn http_cb,
			vtg_alpn_cb_fn alpn_cb, char *err, size_t errcap);

/* Free web slots now. */
unsigned vtg__worker_web_free(const struct vtg_worker *w);

/*
 * Start one HTTP request. 0 (exactly one callback follows), or with no
 * callback: -EAGAIN (no free slot), -EINVAL (perspective, URL, address or
 * cap out of range, web not enabled), -ENOMEM.
 */
int vtg__worker_http(struct vtg_worker *w, const struct vtg_http_req *rq, void *ud);

/* Start one TLS-ALPN handshake. Returns as vtg__worker_http. */
int vtg__worker_alpn(struct vtg_worker *w, const struct vtg_alpn_req *rq, void *ud);

#endif
