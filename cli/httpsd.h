/*
 * httpsd.h — the HTTPS server shared by `vantage agent` and `vantage
 * serve`: one thread, one libevent loop, evhttp for HTTP/1.1 (never a parser
 * of ours), OpenSSL bufferevents for TLS 1.2+, clients authenticated by a
 * certificate under --client-ca (mutual TLS) or by an API key, the limits
 * against hostile clients (body, headers, connections, idle time, a
 * deadline per request), JSON error replies, one log line per request, the
 * public API's engines driven by their descriptors in the loop, and the
 * drain on SIGTERM / SIGINT (no new connections; requests in the
 * application's hands get SHUTDOWN_GRACE_S to be answered, then 503).
 *
 * Invariants: a request handed to a handler is answered exactly once (by
 * vtg__httpsd_reply / _error / _raw, which free it), by the handler at once
 * or later; a request held past the grace is answered 503 after the
 * application's abandon callback. evhttp keeps a request whose client went
 * away alive until it is answered, so a held request never points at freed
 * memory.
 */
#ifndef VTG_CLI_HTTPSD_H
#define VTG_CLI_HTTPSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/json.h"
#include "vantage.h"

struct evhttp_request;
struct vtg_httpsd;

/* One request in the application's hands. */
struct vtg_httpsd_req {
	struct vtg_httpsd *h;
	struct evhttp_request *req;
	const char *path;      /* the route's path (a string literal) */
	char client[64];       /* "ADDR:PORT" */
	uint64_t started_ns;   /* monotonic */
	const char *trace;     /* the client's trace identifier for the log, or NULL */
	void *app;             /* the application's state of a held request */
	bool held;
	struct vtg_httpsd_req *prev, *next; /* the held list */
};

typedef void (*vtg_httpsd_handler_fn)(struct vtg_httpsd_req *r, void *ud);

struct vtg_httpsd_route {
	const char *path;
	bool post;             /* POST (with a body) or GET */
	vtg_httpsd_handler_fn handler;
};

#define VTG_HTTPSD_ROUTES_MAX 8

struct vtg_httpsd_cfg {
	const char *name;      /* "agent", "serve": messages say "vantage NAME: " */
	const char *listen, *cert, *key, *client_ca, *api_key_file;
	size_t body_max;       /* larger bodies: 413 by evhttp */
	struct vtg_httpsd_route routes[VTG_HTTPSD_ROUTES_MAX]; /* GET /healthz is built in */
	unsigned n_routes;
	void *ud;              /* for the handlers and the callbacks */
	/* at the end of the grace, before the held request r is answered 503:
	 * r->app stays the application's (an engine may still complete its
	 * check until the loop ends) and is handed to release at
	 * vtg__httpsd_free, when no completion can come any more */
	void (*abandon)(struct vtg_httpsd_req *r, void *ud);
	void (*release)(void *app, void *ud);
};

/* Set up (TLS context, API key, event base, evhttp, signals); nothing is
 * bound yet. 0, or a VTG_EXIT_* status with the reason on stderr. */
int vtg__httpsd_new(struct vtg_httpsd **out, const struct vtg_httpsd_cfg *cfg);
/* Bind --listen and run until drained after a signal. A VTG_EXIT_* status. */
int vtg__httpsd_run(struct vtg_httpsd *h);
/* After run: the abandoned requests' app states go to cfg.release. */
void vtg__httpsd_free(struct vtg_httpsd *h);

/* Watch engine e: on readable, its completions go to done (c->user as
 * submitted). 0 or -ENOMEM. Unwatch before vtg_engine_free. */
typedef void (*vtg_httpsd_done_fn)(void *ud, const struct vtg_completion *c);
int vtg__httpsd_watch(struct vtg_httpsd *h, struct vtg_engine *e, vtg_httpsd_done_fn done,
		      void *ud, void **watch);
void vtg__httpsd_unwatch(void *watch);

/* Keep r for a later answer (a check in an engine): its connection's
 * request deadline waits for it, and the drain counts it. */
void vtg__httpsd_hold(struct vtg_httpsd_req *r);
unsigned vtg__httpsd_held(const struct vtg_httpsd *h);
bool vtg__httpsd_stopping(const struct vtg_httpsd *h);

/* The shared output writer for a reply body (reset it first). */
struct vtg_json *vtg__httpsd_out(struct vtg_httpsd *h);
/* Answer r with j's text as application/json, log, free r. */
void vtg__httpsd_reply(struct vtg_httpsd_req *r, int status, const struct vtg_json *j);
/* Answer with {"error": TYPE, "error_message": MSG[, "validation_issues":
 * [{"msg": MSG}]]}, open-mpic's shape for a refused request. */
void vtg__httpsd_error(struct vtg_httpsd_req *r, int status, const char *type,
		       const char *msg, bool issue);
/* Answer with body[0..len) of content_type. */
void vtg__httpsd_raw(struct vtg_httpsd_req *r, int status, const char *content_type,
		     const char *body, size_t len);
/* The request body (NUL-terminated copy not guaranteed; len set). */
const char *vtg__httpsd_body(struct vtg_httpsd_req *r, size_t *len);

/* Usage lines of the options every server takes. */
void vtg__httpsd_usage(FILE *f);

/* The command line of a server: the options every server takes, --ca, and
 * up to VTG_HTTPSD_EXTRA_MAX options of the command's own, each taking a
 * value (extra: their names, NULL-terminated; their values in extra[]). */
#define VTG_HTTPSD_EXTRA_MAX 4
struct vtg_httpsd_args {
	const char *config, *listen, *cert, *key, *client_ca, *api_key_file, *ca;
	const char *extra[VTG_HTTPSD_EXTRA_MAX];
};
/* 0: parsed and complete; 1: --help printed to stdout (exit 0); -1: a
 * usage error, said on stderr with the usage (exit 2). */
int vtg__httpsd_args(int argc, char **argv, const char *name, const char *const *extra,
		     struct vtg_httpsd_args *a, void (*usage)(FILE *f));

/* Monotonic / real time in ns. */
uint64_t vtg__httpsd_now_ns(int clock);

#endif
