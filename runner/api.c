/*
 * api.c — the public engine (include/vantage.h) over the runner: entries
 * from a free list instead of input order, completions from the
 * aggregator's queue, structured results, cancel, the event-loop fd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "runner/run_int.h"

struct vtg_engine {
	struct vtg_run *run;
	enum vtg_check_kind kind;    /* what vtg_submit runs */
	bool dcv_method;             /* the options named a DCV method */
	uint16_t qtype;              /* vtg_submit's QUERY type */
	uint32_t *free_ids;          /* entries not in flight (owner thread) */
	unsigned n_free;
	unsigned pending;            /* submitted, not yet returned */
	uint32_t *reap;              /* returned by the last poll: freed next */
	unsigned n_reap;
	uint32_t *cancelled;         /* withdrawn, completion not yet delivered */
	unsigned n_cancelled;
	char **issuers;              /* copies of the options' strings */
	size_t n_issuers;
	char *account_uri, *method, *dcv_label, *http_path;
	struct vtg_json cline;       /* a cancelled check's evidence line */
};

VTG_API const char *vtg_reason_str(int reason)
{
	switch (reason) {
	case VTG_REASON_DCV_PASS: return "pass";
	case VTG_REASON_DCV_NO_RECORD: return "no-record";
	case VTG_REASON_DCV_MISMATCH: return "mismatch";
	case VTG_REASON_DCV_LOOKUP_FAILURE: return "lookup-failure";
	case VTG_REASON_DCV_DNSSEC_BOGUS: return "dnssec-bogus";
	case VTG_REASON_DCV_NOT_CORROBORATED: return "not-corroborated";
	case VTG_REASON_DCV_INVALID: return "invalid-request";
	case VTG_REASON_DCV_HTTP_STATUS: return "http-status";
	case VTG_REASON_DCV_REDIRECT_REFUSED: return "redirect-refused";
	case VTG_REASON_DCV_TOO_MANY_REDIRECTS: return "too-many-redirects";
	case VTG_REASON_DCV_BODY_TOO_LARGE: return "body-too-large";
	case VTG_REASON_DCV_CONNECT_FAILURE: return "connect-failure";
	case VTG_REASON_DCV_TLS_FAILURE: return "tls-failure";
	case VTG_REASON_DCV_ALPN_REFUSED: return "alpn-refused";
	case VTG_REASON_DCV_BAD_CERTIFICATE: return "bad-certificate";
	case VTG_REASON_DCV_TIMEOUT: return "timeout";
	case VTG_REASON_DCV_NO_ADDRESS: return "no-address";
	case VTG_REASON_ANSWERED: return "answered";
	case VTG_REASON_QUERY_FAILED: return "query-failed";
	case VTG_REASON_INVALID_NAME: return "invalid-name";
	case VTG_REASON_CANCELLED: return "cancelled";
	default: break;
	}
	if (reason >= 0 && reason < 100)
		return vtg_caa_reason_str((enum vtg_caa_reason)reason);
	return "unknown";
}

/* ------------------------------------------------------ completions */


static void persp_results(const struct vtg_run *r, struct check *c,
			  const struct vtg_agg_check *ck)
{
	unsigned k = 0;
	for (unsigned p = 0; p < r->cfg.n_persp; p++) {
		if (!(c->mask & (1u << p)))
			continue; /* not one of the check's: not listed */
		const struct persp_out *o = &c->po[p];
		struct vtg_persp_result *x = &c->pres[k++];
		x->id = r->cfg.persp[p].id;
		x->rir = r->cfg.persp[p].rir;
		x->primary = p == 0;
		if (!(ck->final_mask & (1u << p))) {
			/* decided without it (early decision): still working, not
			 * read (its part is its worker's until the entry is freed) */
			memset(&x->answered, 0, sizeof(*x) - offsetof(struct vtg_persp_result,
								       answered));
			x->corroborates = 0;
			x->dnssec = VTG_DNSSEC_INDETERMINATE;
			x->rcode = VTG_RCODE_NO_RESPONSE;
			x->reason = "cancelled";
			continue;
		}
		x->answered = o->answered;
		x->positive = o->positive;
		x->corroborates = p == 0 ? -1 : ck->corroborates[p];
		x->dnssec = (enum vtg_dnssec)o->dnssec;
		x->rcode = o->rcode;
		x->failure = o->fail ? vtg__lookup_fail_str((enum vtg_lookup_fail)o->fail) : NULL;
		x->reason = o->reason;
		x->latency_ms = o->latency_ms;
	}
}

/* The primary's DNSSEC state and why-bogus text, by kind. */
static void primary_dnssec(const struct check *c, struct vtg_completion *out)
{
	out->dnssec = (enum vtg_dnssec)c->po[0].dnssec;
	out->why_bogus = NULL;
	if (c->name_rc != 0) {
		out->dnssec = VTG_DNSSEC_INDETERMINATE;
	} else if (c->ops->kind == VTG_CHECK_CAA) {
		out->dnssec = c->climb[0].dnssec;
		if (out->dnssec == VTG_DNSSEC_BOGUS)
			out->why_bogus = c->climb[0].why_bogus;
	} else if (out->dnssec == VTG_DNSSEC_BOGUS) {
		out->why_bogus = c->po[0].why_bogus[0] ? c->po[0].why_bogus : "bogus";
	}
}

void vtg__run_completion(struct vtg_run *r, uint32_t id, struct vtg_completion *out)
{
	struct check *c = &r->ctx[id];
	const struct vtg_agg_check *ck = vtg__agg_result(r->agg, id);
	memset(out, 0, sizeof(*out));
	out->user = c->user;
	out->id = (uint64_t)c->gen << 32 | id;
	out->kind = c->ops->kind;
	out->name = c->input;
	out->positive = c->positive;
	out->reason = c->reason;
	out->reason_code = c->reason_code;
	out->corroborated = c->corroborated;
	out->quorum_k = c->ops->corroborated ? ck->q.k : 0;
	out->quorum_n = c->ops->corroborated ? ck->q.n : 0;
	primary_dnssec(c, out);
	persp_results(r, c, ck);
	out->perspectives = c->pres;
	out->n_perspectives = (unsigned)__builtin_popcount(c->mask);
	out->rcode = c->name_rc ? VTG_RCODE_NO_RESPONSE : c->po[0].rcode;
	out->failure = c->name_rc ? NULL : c->pres[0].failure;
	out->server = c->server[0] ? c->server : NULL;
	if (c->n_rec > c->recs_cap) { /* grows to the largest answer, then stays */
		struct vtg_record *n = vtg__realloc(c->recs, c->n_rec * sizeof(*n));
		if (n) {
			c->recs = n;
			c->recs_cap = c->n_rec;
		}
	}
	out->n_records = c->n_rec <= c->recs_cap ? c->n_rec : 0;
	vtg__run_records(c, c->recs, out->n_records);
	out->records = out->n_records ? c->recs : NULL;
	out->json = c->line.buf;
	out->json_len = c->line.len;
}

bool vtg__run_cancel(struct vtg_run *r, uint32_t id)
{
	uint8_t st = CK_RUNNING;
	return __atomic_compare_exchange_n(&r->ctx[id].state, &st, CK_CANCELLED, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

bool vtg__run_cancelled(const struct vtg_run *r, uint32_t id)
{
	return __atomic_load_n(&r->ctx[id].state, __ATOMIC_ACQUIRE) == CK_CANCELLED;
}

/* A withdrawn check's completion, built on the owner thread. */
static void cancelled_completion(struct vtg_engine *e, uint32_t id, struct vtg_completion *out)
{
	struct check *c = &e->run->ctx[id];
	memset(out, 0, sizeof(*out));
	out->user = c->user;
	out->id = (uint64_t)c->gen << 32 | id;
	out->kind = c->ops->kind;
	out->name = c->input;
	out->reason = vtg_reason_str(VTG_REASON_CANCELLED);
	out->reason_code = VTG_REASON_CANCELLED;
	out->dnssec = VTG_DNSSEC_INDETERMINATE;
	out->corroborated = -1;
	out->rcode = VTG_RCODE_NO_RESPONSE;
	struct vtg_json *j = &e->cline;
	vtg__json_reset(j);
	vtg__json_obj_begin(j);
	vtg__json_kstr(j, "name", c->input);
	vtg__json_kstr(j, "kind", c->ops->cmd);
	vtg__json_kstr(j, "reason", out->reason);
	vtg__json_obj_end(j);
	out->json = j->buf;
	out->json_len = j->len;
}

/* ------------------------------------------------------ the engine */

static char *dupstr(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = vtg__malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

VTG_API void vtg_engine_free(struct vtg_engine *e)
{
	if (!e)
		return;
	vtg__run_free(e->run);
	for (size_t i = 0; i < e->n_issuers; i++)
		vtg__free(e->issuers[i]);
	vtg__free(e->issuers);
	vtg__free(e->account_uri);
	vtg__free(e->method);
	vtg__free(e->dcv_label);
	vtg__free(e->http_path);
	vtg__free(e->free_ids);
	vtg__free(e->reap);
	vtg__free(e->cancelled);
	vtg__json_deinit(&e->cline);
	vtg__free(e);
}

/* The perspectives: a file, a text, or one resolver. */
static int load_config(struct vtg_config *cfg, const struct vtg_options *opt, char *err,
		       size_t errcap)
{
	char cerr[400];
	vtg__config_init(cfg);
	if (opt->config_path) {
		if (vtg__config_load(cfg, opt->config_path, cerr, sizeof(cerr)) != 0)
			goto bad;
	} else if (opt->config_text) {
		FILE *f = fmemopen((void *)opt->config_text, strlen(opt->config_text), "r");
		if (!f) {
			snprintf(err, errcap, "config: %s", strerror(errno));
			return -errno;
		}
		int rc = vtg__config_load_fp(cfg, f, "(config_text)", cerr, sizeof(cerr));
		fclose(f);
		if (rc != 0)
			goto bad;
	} else if (vtg__config_add_resolver(cfg, opt->resolver, cerr, sizeof(cerr)) != 0) {
		snprintf(err, errcap, "resolver: %s", cerr);
		return VTG_ECONFIG;
	}
	if (opt->timeout_ms)
		cfg->engine.timeout_ms = opt->timeout_ms;
	if (opt->retries)
		cfg->engine.retries = opt->retries;
	return 0;
bad:
	snprintf(err, errcap, "config: %s", cerr);
	return VTG_ECONFIG;
}

/* The caller's strings, copied (the engine outlives the options), and the
 * run's defaults from them. */
static int engine_params(struct vtg_engine *e, const struct vtg_options *opt,
			 struct vtg_run_params *p, char *err, size_t errcap)
{
	if (opt->n_ca_domains) {
		if (!(e->issuers = vtg__calloc(opt->n_ca_domains, sizeof(char *))))
			return -ENOMEM;
		for (size_t i = 0; i < opt->n_ca_domains; i++, e->n_issuers++)
			if (!(e->issuers[i] = dupstr(opt->ca_domains[i])))
				return -ENOMEM;
	}
	e->account_uri = dupstr(opt->account_uri);
	e->method = dupstr(opt->validation_method);
	e->dcv_label = dupstr(opt->dcv_label);
	e->http_path = dupstr(opt->dcv_http_path);
	if ((opt->account_uri && !e->account_uri) || (opt->validation_method && !e->method) ||
	    (opt->dcv_label && !e->dcv_label) || (opt->dcv_http_path && !e->http_path))
		return -ENOMEM;
	p->dcv.http_path = e->http_path;
	p->dcv.https = opt->dcv_https != 0;
	p->pol.id.recognised = VTG_CAA_RECOGNISED_DEFAULT;
	p->pol.failure_exception = opt->lookup_failure_exception != 0;
	p->pol.id.issuers = (const char *const *)e->issuers;
	p->pol.id.n_issuers = e->n_issuers;
	p->pol.id.account_uri = e->account_uri;
	p->pol.id.method = e->method;
	p->dcv.label = e->dcv_label;
	p->dcv.account_uri = e->account_uri;
	p->dcv.issuers = (const char *const *)e->issuers;
	p->dcv.n_issuers = e->n_issuers;
	p->qtype = opt->qtype;
	if (opt->dcv_method && vtg__dcv_method_parse(opt->dcv_method, &p->dcv.method) != 0) {
		snprintf(err, errcap, "dcv_method: dns-01, dns-account-01, dns-change, cname, "
			 "persist, contact-email, contact-phone or reverse-lookup");
		return VTG_EDCV_METHOD;
	}
	if (opt->kind == VTG_CHECK_DCV && !opt->dcv_method) {
		snprintf(err, errcap, "a DCV engine needs dcv_method");
		return -EINVAL;
	}
	p->check_dcv = opt->kind == VTG_CHECK_DCV;
	p->window = opt->window;
	p->workers = opt->workers;
	p->api = true;
	p->on_complete = opt->on_complete;
	p->on_complete_ud = opt->on_complete_ud;
	return 0;
}

VTG_API int vtg_engine_new(struct vtg_engine **out, const struct vtg_options *opt, char *err,
			   size_t errcap)
{
	char dummy[8];
	if (!err || !errcap) {
		err = dummy;
		errcap = sizeof(dummy);
	}
	*out = NULL;
	if (!opt || (!!opt->config_path + !!opt->config_text + !!opt->resolver) != 1) {
		snprintf(err, errcap, "give one of config_path, config_text or resolver");
		return -EINVAL;
	}
	if ((unsigned)opt->kind > VTG_CHECK_QUERY) {
		snprintf(err, errcap, "kind: unknown check kind %d", (int)opt->kind);
		return -EINVAL;
	}
	struct vtg_engine *e = vtg__calloc(1, sizeof(*e));
	struct vtg_config *cfg = vtg__malloc(sizeof(*cfg));
	struct vtg_run_params p;
	memset(&p, 0, sizeof(p));
	int rc = e && cfg ? 0 : -ENOMEM;
	if (rc == 0) {
		e->kind = opt->kind;
		e->dcv_method = opt->dcv_method != NULL;
		e->qtype = opt->qtype;
		rc = vtg__json_init_cap(&e->cline, -1, 256);
	}
	if (rc == 0)
		rc = engine_params(e, opt, &p, err, errcap);
	if (rc == 0)
		rc = load_config(cfg, opt, err, errcap);
	if (rc == 0) {
		/* the options win; the configuration's [engine] keys fill in */
		p.mpic = vtg__run_mpic_mode(opt->mode != VTG_MODE_DEFAULT ? opt->mode
									  : cfg->run.mode,
					    !opt->resolver);
		if (!p.window)
			p.window = cfg->run.window;
		if (opt->quorum)
			cfg->run.quorum = opt->quorum;
		p.pol.failure_exception |= cfg->run.lookup_failure_exception;
		rc = vtg__run_new(&e->run, cfg, &p,
				  opt->min_remotes >= 0 ? opt->min_remotes : cfg->run.min_remotes,
				  err, errcap);
	}
	vtg__free(cfg);
	if (rc == 0) {
		unsigned w = vtg__run_window(e->run);
		e->free_ids = vtg__calloc(w, sizeof(uint32_t));
		e->reap = vtg__calloc(w, sizeof(uint32_t));
		e->cancelled = vtg__calloc(w, sizeof(uint32_t));
		if (!e->free_ids || !e->reap || !e->cancelled)
			rc = -ENOMEM;
		for (unsigned i = 0; rc == 0 && i < w; i++)
			e->free_ids[e->n_free++] = w - 1 - i;
	}
	if (rc != 0) {
		if (rc == -ENOMEM)
			snprintf(err, errcap, "out of memory");
		vtg_engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

/* Entries returned by the previous poll go back to the free list. */
static void recycle(struct vtg_engine *e)
{
	unsigned k = 0;
	for (unsigned i = 0; i < e->n_reap; i++) {
		/* decided early, a perspective may still be at work on it */
		if (vtg__run_released(e->run, e->reap[i]))
			e->free_ids[e->n_free++] = e->reap[i];
		else
			e->reap[k++] = e->reap[i];
	}
	e->n_reap = k;
}

static unsigned collect(struct vtg_engine *e, struct vtg_completion *out, unsigned max);

VTG_API int vtg_submit_check(struct vtg_engine *e, const struct vtg_check *chk, void *user,
			     uint64_t *id)
{
	if (!e || !chk || !chk->name || (unsigned)chk->kind > VTG_CHECK_QUERY)
		return -EINVAL;
	struct vtg_run_check ck = {
		.kind = chk->kind, .name = chk->name, .name_len = strlen(chk->name),
		.expect = chk->expect, .issuers = chk->ca_domains, .n_issuers = chk->n_ca_domains,
		.dcv_label = chk->dcv_label, .http_path = chk->dcv_http_path,
		.account_uri = chk->account_uri, .scheme = chk->dcv_scheme,
		.expect_digest = chk->expect_is_digest != 0, .qtype = chk->qtype, .user = user,
		.persp_mask = chk->perspectives, .quorum = chk->quorum,
	};
	if (chk->kind == VTG_CHECK_DCV && chk->dcv_method) {
		int rc = vtg__dcv_method_parse(chk->dcv_method, &ck.dcv_method);
		if (rc != 0)
			return rc;
		ck.has_dcv_method = true;
	}
	if (chk->kind == VTG_CHECK_QUERY && !chk->qtype)
		return -EINVAL;
	if (chk->dcv_scheme < 0 || chk->dcv_scheme > 2)
		return -EINVAL;
	if (chk->kind == VTG_CHECK_DCV && !chk->dcv_method && !e->dcv_method)
		return VTG_EDCV_METHOD; /* neither the check nor the engine names one */
	if (!e->n_free && e->run->p.on_complete) {
		/* callback mode: completions live only during the callback, so
		 * what finished is free at once */
		collect(e, NULL, vtg__run_window(e->run) + e->n_cancelled);
		recycle(e);
	}
	if (!e->n_free)
		return -EAGAIN;
	uint32_t idx = e->free_ids[e->n_free - 1];
	int rc = vtg__run_submit(e->run, idx, &ck);
	if (rc != 0)
		return rc;
	e->n_free--;
	e->pending++;
	vtg__run_kick(e->run);
	if (id)
		*id = (uint64_t)e->run->ctx[idx].gen << 32 | idx;
	return 0;
}

VTG_API int vtg_submit(struct vtg_engine *e, const char *name, const char *expect, void *user)
{
	if (!e)
		return -EINVAL;
	struct vtg_check ck = {
		.kind = e->kind, .name = name, .expect = expect, .qtype = e->qtype,
	};
	return vtg_submit_check(e, &ck, user, NULL);
}

VTG_API int vtg_cancel(struct vtg_engine *e, uint64_t id)
{
	uint32_t idx = (uint32_t)id;
	if (!e || idx >= vtg__run_window(e->run))
		return -ENOENT;
	const struct check *c = &e->run->ctx[idx];
	if (c->gen != (uint32_t)(id >> 32))
		return -ENOENT;
	if (vtg__run_cancelled(e->run, idx))
		return -EALREADY;
	if (!vtg__run_cancel(e->run, idx))
		return -ENOENT; /* finished: its completion comes as usual */
	e->cancelled[e->n_cancelled++] = idx;
	uint64_t one = 1; /* the fd turns readable: a completion is ready */
	ssize_t n = write(vtg__run_fd(e->run), &one, sizeof(one));
	(void)n;
	return 0;
}

/* Cancelled checks first, then finished ones, up to max. */
static unsigned collect(struct vtg_engine *e, struct vtg_completion *out, unsigned max)
{
	unsigned got = 0;
	while (got < max && e->n_cancelled) {
		uint32_t id = e->cancelled[--e->n_cancelled];
		if (out)
			cancelled_completion(e, id, &out[got]);
		else if (e->run->p.on_complete) {
			struct vtg_completion cp;
			cancelled_completion(e, id, &cp);
			e->run->p.on_complete(e->run->p.on_complete_ud, &cp);
		}
		e->pending--;
		got++;
	}
	uint32_t id;
	while (got < max && vtg__run_pop(e->run, &id)) {
		if (vtg__run_cancelled(e->run, id)) {
			e->reap[e->n_reap++] = id; /* its completion went out already */
			continue;
		}
		if (out)
			vtg__run_completion(e->run, id, &out[got]);
		e->reap[e->n_reap++] = id;
		e->pending--;
		got++;
	}
	return got;
}

VTG_API int vtg_poll(struct vtg_engine *e, struct vtg_completion *out, unsigned max,
		     int timeout_ms)
{
	recycle(e);
	if (e->run->p.on_complete) {
		out = NULL;
		max = vtg__run_window(e->run) + e->n_cancelled;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		uint64_t v;
		ssize_t n = read(vtg__run_fd(e->run), &v, sizeof(v)); /* drain: EAGAIN when none */
		(void)n;
		unsigned got = collect(e, out, max);
		if (got == max && (e->n_cancelled || e->pending)) {
			uint64_t one = 1; /* more may be ready: stay readable */
			n = write(vtg__run_fd(e->run), &one, sizeof(one));
		}
		if (got || timeout_ms == 0 || !e->pending || !max)
			return (int)got;
		int wait = -1;
		if (timeout_ms > 0) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			long spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
			if (spent >= timeout_ms)
				return 0;
			wait = (int)(timeout_ms - spent);
		}
		int rc = vtg__run_wait(e->run, wait, -1);
		if (rc < 0)
			return rc;
	}
}

VTG_API int vtg_engine_fd(const struct vtg_engine *e)
{
	return vtg__run_fd(e->run);
}

VTG_API unsigned vtg_pending(const struct vtg_engine *e)
{
	return e->pending;
}
