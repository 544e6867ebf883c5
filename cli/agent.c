/*
 * agent.c — `vantage agent`: one remote MPIC perspective behind HTTPS,
 * speaking open-mpic's perspective API (POST /caa, POST /dcv; GET /healthz).
 *
 * The server (TLS, authentication, limits, connections, the drain on
 * SIGTERM) is cli/httpsd.c, shared with `vantage serve`. ONE vantage
 * engine, made at start from --config through the public API only, runs
 * the checks: its descriptor is an event of the server's loop, and each
 * completion is answered with vtg__om_result_encode. Requests are decoded
 * by vtg__om_check_decode.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/httpsd.h"
#include "cli/omcheck.h"
#include "common/alloc.h"
#include "mpic/openmpic.h"

/* open-mpic requests are < 2 KiB; the codec refuses more than this anyway,
 * evhttp refuses it before buffering it (413) */
#define BODY_MAX VTG_OM_BODY_MAX

struct agent {
	struct vtg_httpsd *h;
	struct vtg_engine *engine;
	void *watch;
	char **ca;           /* --ca: default issuer domain names */
	int n_ca;
	struct vtg_omc_scratch scratch;
};

/* One request whose check is in the engine. */
struct pending {
	struct vtg_httpsd_req *r;
	struct vtg_om_check chk;
};

/* A completion: the answer of its request. */
static void done_cb(void *ud, const struct vtg_completion *c)
{
	struct agent *a = ud;
	struct pending *p = c->user;
	if (!p->r)
		return; /* abandoned at the end of the grace: freed at exit */
	json_t *ev = json_loadb(c->json, c->json_len, 0, NULL);
	struct vtg_om_result r;
	vtg__omc_result(&p->chk, c, 0, ev, true, &a->scratch, &r);
	struct vtg_json *out = vtg__httpsd_out(a->h);
	vtg__json_reset(out);
	if (vtg__om_result_encode(&r, out) == 0)
		vtg__httpsd_reply(p->r, 200, out);
	else
		vtg__httpsd_error(p->r, 500, "internal", "the answer could not be encoded", false);
	json_decref(ev);
	vtg__free(p);
}

static void abandon_cb(struct vtg_httpsd_req *r, void *ud)
{
	(void)ud;
	struct pending *p = r->app;
	p->r = NULL; /* the engine may still complete it: released at exit */
}

static void release_cb(void *app, void *ud)
{
	(void)ud;
	vtg__free(app);
}

static void check_request(struct vtg_httpsd_req *r, struct agent *a, enum vtg_om_endpoint ep)
{
	size_t len;
	const char *body = vtg__httpsd_body(r, &len);
	struct pending *p = vtg__calloc(1, sizeof(*p));
	if (!p) {
		vtg__httpsd_error(r, 503, "internal", "out of memory", false);
		return;
	}
	char err[256] = "";
	int rc = vtg__om_check_decode(body, len, ep, &p->chk, err, sizeof(err));
	if (rc != 0) {
		vtg__httpsd_error(r, 400, vtg__om_error_type(rc), err, true);
		vtg__free(p);
		return;
	}
	r->trace = p->chk.has_trace ? p->chk.trace : NULL;
	struct vtg_check chk;
	char name[VTG_OM_TARGET_MAX + 3];
	const char *doms[VTG_OM_DOMAINS_MAX];
	const char *why = vtg__omc_to_check(&p->chk, a->n_ca, &chk, name, sizeof(name), doms);
	if (why) {
		vtg__httpsd_error(r, 400,
				  p->chk.type == VTG_OM_CHECK_DCV ? VTG_OM_ERR_DCV_PARAMETER
								 : VTG_OM_ERR_REQUEST_INVALID,
				  why, true);
		vtg__free(p);
		return;
	}
	rc = vtg_submit_check(a->engine, &chk, p, NULL);
	if (rc != 0) {
		bool busy = rc == -EAGAIN;
		vtg__httpsd_error(r, busy ? 503 : 400, busy ? "busy" : VTG_OM_ERR_REQUEST_INVALID,
				  vtg_strerror(rc), !busy);
		vtg__free(p);
		return;
	}
	p->r = r;
	r->app = p;
	vtg__httpsd_hold(r);
}

static void caa_cb(struct vtg_httpsd_req *r, void *ud)
{
	check_request(r, ud, VTG_OM_EP_CAA);
}

static void dcv_cb(struct vtg_httpsd_req *r, void *ud)
{
	check_request(r, ud, VTG_OM_EP_DCV);
}

static void agent_usage(FILE *f)
{
	fprintf(f,
		"usage: vantage agent --config FILE --listen ADDR:PORT --cert FILE --key FILE\n"
		"                     (--client-ca FILE | --api-key-file FILE) [--ca DOMAIN,...]\n"
		"A remote MPIC perspective: open-mpic's perspective API (POST /caa, POST /dcv,\n"
		"GET /healthz) over HTTPS (TLS 1.2+), each check run by an engine made from\n"
		"--config. One log line per request on stderr. SIGTERM / SIGINT: no new\n"
		"connections, checks in flight finish (up to 10 s), exit 0.\n"
		"Options:\n");
	vtg__httpsd_usage(f);
	fprintf(f, "  %-34s %s\n", "--ca DOMAIN[,DOMAIN...]", "issuer domain names for a /caa "
		"request without caa_domains (none)");
	fprintf(f, "  %-34s %s\n", "-h, --help", "this text");
}

int vtg_cmd_agent(int argc, char **argv)
{
	struct vtg_httpsd_args args;
	int prc = vtg__httpsd_args(argc, argv, "agent", NULL, &args, agent_usage);
	if (prc)
		return prc > 0 ? VTG_EXIT_OK : VTG_EXIT_USAGE;
	static struct agent a; /* static: the callbacks' state for the process */
	if (args.ca && (a.n_ca = vtg__split_issuers(args.ca, &a.ca)) < 0)
		return VTG_EXIT_USAGE;
	struct vtg_httpsd_cfg hc = {
		.name = "agent", .listen = args.listen, .cert = args.cert, .key = args.key,
		.client_ca = args.client_ca, .api_key_file = args.api_key_file,
		.body_max = BODY_MAX,
		.routes = {{"/caa", true, caa_cb}, {"/dcv", true, dcv_cb}},
		.n_routes = 2, .ud = &a, .abandon = abandon_cb,
		.release = release_cb,
	};
	int status = vtg__httpsd_new(&a.h, &hc);
	if (status)
		goto out;
	struct vtg_options eo = {
		.config_path = args.config, .kind = VTG_CHECK_CAA,
		.ca_domains = (const char *const *)a.ca, .n_ca_domains = a.n_ca > 0 ? (size_t)a.n_ca : 0,
	};
	char err[512] = "";
	int rc = vtg_engine_new(&a.engine, &eo, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vantage agent: %s: %s\n", args.config, err[0] ? err : vtg_strerror(rc));
		status = VTG_EXIT_USAGE;
		goto out;
	}
	status = VTG_EXIT_FAIL;
	if (vtg__httpsd_watch(a.h, a.engine, done_cb, &a, &a.watch))
		goto out;
	status = vtg__httpsd_run(a.h);
out:
	vtg__httpsd_unwatch(a.watch);
	vtg__httpsd_free(a.h); /* before the engine: held requests' connections close */
	if (a.engine)
		vtg_engine_free(a.engine);
	for (int i = 0; i < a.n_ca; i++)
		vtg__free(a.ca[i]);
	vtg__free(a.ca);
	return status;
}
