/*
 * kind_web.c — domain validation over HTTP and TLS (http-01, BR 3.2.2.4.19
 * / 3.2.2.5.6; website-change, 3.2.2.4.18 / 3.2.2.5.1; tls-alpn-01,
 * 3.2.2.4.20 / 3.2.2.5.7), from every perspective, corroborated (3.2.2.9).
 *
 * Each perspective does all of its own work (BR 3.2.2.9): it resolves the
 * host through its own resolver (AAAA, then A: the runner's lookups, stub or
 * iterative, DNSSEC-validated), connects from its own sockets to the address
 * it resolved (IPv6 first, IPv4 when that connect fails), and applies the
 * redirect rules (caa/web.h) hop by hop, resolving each new host again. The
 * judgement is pure logic: caa/web.c (URLs, redirects, bodies) and
 * caa/tlsalpn.c (the certificate); the sockets are the engine's (web.h).
 *
 * The perspective's fragment is written as it goes: its head, then one
 * object per hop (lookup, connection, status, TLS, timings), then the
 * outcome. A remote corroborates when it passed and saw the same challenge
 * as the primary (compare_seen: the key authorization, the random value, or
 * the key authorization whose digest the certificate carried).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "caa/tlsalpn.h"
#include "caa/web.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "engine/web.h"
#include "runner/evidence.h"
#include "runner/run_int.h"

_Static_assert(VTG_WEB_BODY_MAX <= VTG_WEB_BUF_MAX,
	       "the engine keeps every octet a body check may need");

enum { ST_AAAA = 0, ST_A, ST_FETCH, ST_DONE };

/* One perspective's progress through one check. */
struct web_state {
	uint8_t stage;
	bool has4, has6, tried6;
	bool lookup_failed;
	uint8_t dnssec;               /* enum vtg_dnssec of this hop's lookups */
	uint8_t lfail;                /* the failed lookup's enum vtg_lookup_fail */
	uint16_t lrcode;
	uint8_t a4[4], a6[16];
	struct vtg_web_redirects rd;
	uint8_t qname[VTG_DNS_MAX_NAME];
	char host[VTG_WEB_HOST_MAX + 1]; /* the hop's host, as looked up */
	uint16_t port;                /* the hop's port (from its URL) */
	uint64_t t0_ns, hop_ns;
	double dns_ms;
	/* the outcome */
	int code;                     /* enum vtg_reason */
	bool answered, positive;
	uint8_t final_dnssec;
	char reason[VTG_WEB_WHY_MAX + 64];
	char seen[VTG_DCV_SEEN_MAX];
	char url[VTG_WEB_URL_MAX];    /* the hop being fetched */
};

/* What every perspective of the check starts from (the owner's prepare). */
struct web_check {
	char url0[VTG_WEB_URL_MAX];   /* http-01 / website-change: the first URL */
	char host[VTG_WEB_HOST_MAX + 1];
	bool is_ip;
	int family;
	char sni[VTG_WEB_HOST_MAX + 1]; /* tls-alpn-01 (RFC 8738: reverse name) */
	uint16_t port0;               /* the first URL's port */
	struct vtg_web_redirects rd0; /* a chain started at the first URL */
	struct web_state st[];        /* one per perspective */
};

static double ms_since(uint64_t t)
{
	uint64_t n = vtg__mono_ns();
	return n > t ? (double)(n - t) / 1e6 : 0;
}

int vtg__kind_web_alloc(const struct vtg_run *r, struct check *c)
{
	if (c->web)
		return 0;
	c->web = vtg__calloc(1, sizeof(struct web_check) +
					r->cfg.n_persp * sizeof(struct web_state));
	return c->web ? 0 : -ENOMEM;
}

static struct web_state *state(struct check *c, unsigned p)
{
	return &c->web->st[p];
}

/* ------------------------------------------------------------- prepare */

static void invalid(struct check *c, const char *code, const char *detail)
{
	c->name_rc = VTG_EDCV_REQUEST;
	snprintf(c->nm.why, sizeof(c->nm.why), "%s: %.100s", code, detail);
}

/* The target (a name, with IDN, or an IP literal), then the first URL or
 * the SNI; an unusable request makes the check invalid, with the reason. */
static void web_prepare(struct vtg_run *r, struct check *c)
{
	(void)r;
	struct web_check *w = c->web;
	c->checked_at = time(NULL);
	c->parsed = true;
	c->dcv.expect = c->expect;
	c->name_rc = 0;
	size_t len = strnlen(c->input, c->input_len);
	char lit[INET6_ADDRSTRLEN + 1]; /* a literal or nothing: names go below */
	bool is_ip = false;
	int fam = 0;
	if (vtg__web_target_parse(c->input, len, lit, sizeof(lit), &is_ip, &fam) == 0 && is_ip) {
		snprintf(w->host, sizeof(w->host), "%s", lit);
		snprintf(c->nm.ascii, sizeof(c->nm.ascii), "%s", lit);
		c->nm.ascii_len = strlen(lit);
	} else {
		c->name_rc = vtg__input_name_parse(&c->nm, c->input, len);
		if (c->name_rc != 0) {
			char why[sizeof(c->nm.why)];
			memcpy(why, c->nm.why, sizeof(why));
			snprintf(c->nm.why, sizeof(c->nm.why), "invalid-name: %.100s", why);
			return;
		}
		if (c->nm.wildcard) { /* BR 3.2.2.4.18 - .20: never for a wildcard */
			invalid(c, "invalid-name", "a web method cannot validate a wildcard name");
			return;
		}
		snprintf(w->host, sizeof(w->host), "%s", c->nm.ascii);
	}
	w->is_ip = is_ip;
	w->family = fam;
	int rc = vtg__dcv_request_check(&c->dcv);
	if (rc != 0) {
		invalid(c, "invalid-request", !c->expect ? "no expected value with the name or "
							  "for the run" : vtg_strerror(rc));
		return;
	}
	struct vtg_url u;
	switch (c->dcv.method) {
	case VTG_DCV_HTTP01:
		rc = vtg__web_http01_url(w->host, c->expect, &u);
		break;
	case VTG_DCV_WEBSITE_CHANGE:
		rc = c->dcv.http_path ? vtg__web_change_url(w->host, c->dcv.https,
							    c->dcv.http_path, &u)
				      : VTG_EWEB_FILE;
		break;
	case VTG_DCV_TLSALPN01:
		rc = vtg__tlsalpn_sni(w->host, w->sni, sizeof(w->sni));
		u.url[0] = 0;
		break;
	default:
		rc = VTG_EDCV_METHOD;
		break;
	}
	if (rc != 0) {
		invalid(c, "invalid-request",
			rc == VTG_EWEB_FILE && !c->dcv.http_path
				? "website-change needs the file name (--http-path)"
				: vtg_strerror(rc));
		return;
	}
	snprintf(w->url0, sizeof(w->url0), "%s", u.url);
	/* parsed once here, for every perspective */
	w->port0 = c->dcv.method == VTG_DCV_TLSALPN01 ? 443 : u.port;
	if (c->dcv.method != VTG_DCV_TLSALPN01)
		vtg__web_redirects_init(&w->rd0, &u);
	else
		memset(&w->rd0, 0, sizeof(w->rd0));
}

/* ------------------------------------------------------------ evidence */

/* the hop object: open it with what it asked for (the URL, or the SNI) */
static void hop_begin(struct check *c, unsigned p, const char *url)
{
	struct vtg_json *f = &c->frag[p];
	vtg__json_obj_begin(f);
	if (c->dcv.method == VTG_DCV_TLSALPN01)
		vtg__json_kstr(f, "sni", c->web->sni);
	else if (url && url[0])
		vtg__json_kstr(f, "url", url);
}

static void hop_lookup(struct check *c, unsigned p)
{
	struct web_state *s = state(c, p);
	struct vtg_json *f = &c->frag[p];
	char a[INET6_ADDRSTRLEN];
	vtg__json_key(f, "addresses");
	vtg__json_arr_begin(f);
	if (s->has6 && inet_ntop(AF_INET6, s->a6, a, sizeof(a)))
		vtg__json_str(f, a);
	if (s->has4 && inet_ntop(AF_INET, s->a4, a, sizeof(a)))
		vtg__json_str(f, a);
	vtg__json_arr_end(f);
	vtg__json_kstr(f, "dnssec", vtg_dnssec_str((enum vtg_dnssec)s->dnssec));
	vtg__json_key(f, "lookup_ms");
	vtg__json_fixed(f, s->dns_ms, 3);
}

/* The perspective's outcome: close the hops, write the result, vote. */
static void finish(struct shard *sh, struct check *c, unsigned p, int code, bool answered,
		   const char *detail, const char *seen)
{
	struct web_state *s = state(c, p);
	struct vtg_json *f = &c->frag[p];
	s->stage = ST_DONE;
	s->code = code;
	s->answered = answered;
	s->positive = code == VTG_REASON_DCV_PASS;
	s->final_dnssec = s->dnssec;
	const char *name = vtg_reason_str(code);
	if (detail && detail[0])
		snprintf(s->reason, sizeof(s->reason), "%s: %s", name, detail);
	else
		snprintf(s->reason, sizeof(s->reason), "%s", name);
	snprintf(s->seen, sizeof(s->seen), "%s", s->positive && seen ? seen : "");
	vtg__json_arr_end(f); /* hops */
	vtg__json_kstr(f, "result", s->positive ? "pass" : "fail");
	vtg__json_kstr(f, "reason", s->reason);
	vtg__json_kstr(f, "seen", s->seen[0] ? s->seen : NULL);
	vtg__json_kint(f, "redirects", s->rd.hops);
	double ms = ms_since(s->t0_ns);
	vtg__json_key(f, "latency_ms");
	vtg__json_fixed(f, ms, 3);
	vtg__json_obj_end(f);
	if (c->po)
		vtg__run_persp_out(sh->r, c, p, answered, s->positive, (enum vtg_dnssec)s->dnssec,
				   s->lookup_failed ? s->lrcode : VTG_RCODE_NONE,
				   s->lookup_failed ? (enum vtg_lookup_fail)s->lfail : VTG_FAIL_NONE,
				   ms, s->reason);
	vtg__run_vote(sh, c, p, answered, s->positive, s->seen[0] ? s->seen : NULL);
}

/* ---------------------------------------------------------------- fetch */

static void fetch(struct shard *sh, struct check *c, unsigned p);

/* The host of the hop: a literal goes straight to the fetch, a name is
 * looked up (AAAA, then A) by this perspective. */
static void resolve_host(struct shard *sh, struct check *c, unsigned p, const char *host,
			 bool is_ip, int family)
{
	struct web_state *s = state(c, p);
	s->has4 = s->has6 = s->tried6 = false;
	s->lookup_failed = false;
	s->dnssec = VTG_DNSSEC_SECURE; /* lowered by each answer (dnssec_worse) */
	s->dns_ms = 0;
	s->hop_ns = vtg__mono_ns();
	snprintf(s->host, sizeof(s->host), "%s", host);
	if (is_ip) {
		if (family == AF_INET6)
			s->has6 = inet_pton(AF_INET6, host, s->a6) == 1;
		else
			s->has4 = inet_pton(AF_INET, host, s->a4) == 1;
		s->dnssec = VTG_DNSSEC_INDETERMINATE; /* nothing was looked up */
		fetch(sh, c, p);
		return;
	}
	if (vtg__name_from_text(s->qname, host, strlen(host)) < 0) {
		hop_begin(c, p, s->url);
		vtg__json_obj_end(&c->frag[p]);
		finish(sh, c, p, VTG_REASON_DCV_REDIRECT_REFUSED, true, "host is not a DNS name",
		       NULL);
		return;
	}
	s->stage = ST_AAAA;
	vtg__run_ask(sh, c, p);
}

static bool web_question(const struct check *c, unsigned p, const uint8_t **qname,
			 uint16_t *qtype)
{
	const struct web_state *s = &c->web->st[p];
	*qname = s->qname;
	*qtype = s->stage == ST_AAAA ? VTG_TYPE_AAAA : VTG_TYPE_A;
	return true;
}

/* Web requests on this worker: enabled at its first web check. */
static void http_done(void *ud, const struct vtg_http_result *res);
static void alpn_done(void *ud, const struct vtg_alpn_result *res);

int vtg__kind_web_enable(struct shard *sh)
{
	if (sh->web_on)
		return 0;
	char err[256];
	int rc = vtg__worker_set_web(sh->w, 0, http_done, alpn_done, err, sizeof(err));
	if (rc == 0)
		sh->web_on = true;
	return rc;
}

static void web_start(struct shard *sh, struct check *c, unsigned p)
{
	struct web_state *s = state(c, p);
	struct web_check *w = c->web;
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__run_frag_head(sh->r, f, p);
	vtg__emit_source(f, sh->r->cfg.persp[p].source);
	vtg__json_key(f, "hops");
	vtg__json_arr_begin(f);
	s->t0_ns = vtg__mono_ns();
	s->code = 0;
	s->reason[0] = s->seen[0] = 0;
	memcpy(s->url, w->url0, strlen(w->url0) + 1); /* both VTG_WEB_URL_MAX */
	s->rd = w->rd0;
	s->port = w->port0;
	if (vtg__kind_web_enable(sh) != 0) {
		finish(sh, c, p, VTG_REASON_DCV_CONNECT_FAILURE, false,
		       "local: web requests unavailable", NULL);
		return;
	}
	resolve_host(sh, c, p, w->host, w->is_ip, w->family);
}

/* The hop's DNSSEC status over its lookups: secure only if every one was;
 * bogus wins, then indeterminate, then insecure. */
static enum vtg_dnssec dnssec_worse(enum vtg_dnssec x, enum vtg_dnssec y)
{
	static const uint8_t rank[] = {
		[VTG_DNSSEC_SECURE] = 0, [VTG_DNSSEC_INSECURE] = 1,
		[VTG_DNSSEC_INDETERMINATE] = 2, [VTG_DNSSEC_BOGUS] = 3,
	};
	return rank[y] > rank[x] ? y : x;
}

static void web_answer(struct shard *sh, struct check *c, unsigned p,
		       const struct vtg_lookup_answer *a)
{
	struct web_state *s = state(c, p);
	s->dnssec = (uint8_t)dnssec_worse((enum vtg_dnssec)s->dnssec, a->dnssec);
	if (a->fail != VTG_FAIL_NONE) {
		s->lookup_failed = true;
		s->lfail = (uint8_t)a->fail;
		s->lrcode = (uint16_t)a->rcode;
	}
	for (size_t i = 0; i < a->n_rrs; i++) {
		const struct vtg_rdata *rr = &a->rrs[i];
		if (s->stage == ST_AAAA && rr->len == 16 && !s->has6) {
			memcpy(s->a6, rr->rdata, 16);
			s->has6 = true;
		} else if (s->stage == ST_A && rr->len == 4 && !s->has4) {
			memcpy(s->a4, rr->rdata, 4);
			s->has4 = true;
		}
	}
	if (s->stage == ST_AAAA) {
		s->stage = ST_A;
		vtg__run_ask(sh, c, p);
		return;
	}
	s->dns_ms = ms_since(s->hop_ns);
	s->stage = ST_FETCH;
	if (s->dnssec == VTG_DNSSEC_BOGUS) {
		hop_begin(c, p, s->url);
		hop_lookup(c, p);
		vtg__json_obj_end(&c->frag[p]);
		finish(sh, c, p, VTG_REASON_DCV_DNSSEC_BOGUS, false,
		       a->why_bogus ? a->why_bogus : NULL, NULL);
		return;
	}
	if (!s->has4 && !s->has6) {
		hop_begin(c, p, s->url);
		hop_lookup(c, p);
		vtg__json_obj_end(&c->frag[p]);
		if (s->lookup_failed)
			finish(sh, c, p, VTG_REASON_DCV_LOOKUP_FAILURE, false,
			       vtg__lookup_fail_str((enum vtg_lookup_fail)s->lfail), NULL);
		else
			finish(sh, c, p, VTG_REASON_DCV_NO_ADDRESS, true, s->host, NULL);
		return;
	}
	fetch(sh, c, p);
}

/* The address to connect to now: IPv6 first, IPv4 after it failed. */
static void addr_now(const struct web_state *s, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (s->has6 && !s->tried6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, s->a6, 16);
		a->sin6_port = htons(port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, s->a4, 4);
		a->sin_port = htons(port);
	}
}

/* 0 started, -EAGAIN no slot (deferred by the caller), else a local error */
static int request(struct shard *sh, struct check *c, unsigned p)
{
	struct web_state *s = state(c, p);
	const struct vtg_config *cfg = &sh->r->cfg;
	struct sockaddr_storage ss;
	void *ud = ud_of(check_index(sh->r, c), p);
	if (c->dcv.method == VTG_DCV_TLSALPN01) {
		addr_now(s, 443, &ss); /* RFC 8737 section 3: port 443 */
		struct vtg_alpn_req rq = {
			.persp = p,
			.addr = &ss,
			.sni = c->web->sni,
			.timeout_ms = cfg->run.http_connect_timeout_ms,
		};
		return vtg__worker_alpn(sh->w, &rq, ud);
	}
	addr_now(s, s->port, &ss);
	struct vtg_http_req rq = {
		.persp = p,
		.url = s->url,
		.addr = &ss,
		.body_cap = vtg__web_body_cap(c->dcv.method, c->expect),
		.connect_timeout_ms = cfg->run.http_connect_timeout_ms,
		.timeout_ms = cfg->run.http_timeout_ms,
	};
	return vtg__worker_http(sh->w, &rq, ud);
}

static void fetch(struct shard *sh, struct check *c, unsigned p)
{
	if (vtg__run_decided(sh, c)) {
		/* decided without it (early decision): no connection; the
		 * fragment is never read, the vote only releases the entry */
		state(c, p)->stage = ST_DONE;
		vtg__run_vote(sh, c, p, false, false, NULL);
		return;
	}
	state(c, p)->stage = ST_FETCH;
	int rc = request(sh, c, p);
	if (rc == 0)
		return;
	if (rc == -EAGAIN && vtg__items_push(&sh->wdef, sh->r, c, p))
		return;
	hop_begin(c, p, state(c, p)->url);
	vtg__json_obj_end(&c->frag[p]);
	finish(sh, c, p, VTG_REASON_DCV_CONNECT_FAILURE, false, "local: cannot start the request",
	       NULL);
}

void vtg__kind_web_flush(struct shard *sh)
{
	/* requests deferred while this runs (an IPv4 retry) go after n */
	size_t n = sh->wdef.n, i;
	for (i = 0; i < n; i++) {
		uint32_t d = sh->wdef.v[i];
		struct check *c = &sh->r->ctx[d >> 8];
		unsigned p = d & 0xff;
		int rc = request(sh, c, p);
		if (rc == -EAGAIN)
			break; /* full again: the rest waits, in order */
		if (rc != 0) {
			hop_begin(c, p, state(c, p)->url);
			vtg__json_obj_end(&c->frag[p]);
			finish(sh, c, p, VTG_REASON_DCV_CONNECT_FAILURE, false,
			       "local: cannot start the request", NULL);
		}
	}
	vtg__items_drop(&sh->wdef, i);
}

/* ---------------------------------------------------------- the results */

/* 64 hex digits into 32 octets; false if it is not that. */
static bool digest_hex(const char *s, uint8_t md[VTG_TLSALPN_DIGEST])
{
	if (!s || strlen(s) != 2 * VTG_TLSALPN_DIGEST)
		return false;
	for (unsigned i = 0; i < 2 * VTG_TLSALPN_DIGEST; i++) {
		char ch = s[i];
		int v = ch >= '0' && ch <= '9' ? ch - '0'
			: (ch | 0x20) >= 'a' && (ch | 0x20) <= 'f' ? (ch | 0x20) - 'a' + 10
								   : -1;
		if (v < 0)
			return false;
		if (i % 2 == 0)
			md[i / 2] = (uint8_t)(v << 4);
		else
			md[i / 2] |= (uint8_t)v;
	}
	return true;
}


static int fail_code(enum vtg_web_fail f)
{
	switch (f) {
	case VTG_WEB_OK: return VTG_REASON_DCV_PASS;
	case VTG_WEB_TLS: return VTG_REASON_DCV_TLS_FAILURE;
	case VTG_WEB_TIMEOUT: return VTG_REASON_DCV_TIMEOUT;
	case VTG_WEB_PROTOCOL: return VTG_REASON_DCV_HTTP_STATUS;
	case VTG_WEB_CONNECT:
	case VTG_WEB_LOCAL:
	case VTG_WEB_CANCELLED: return VTG_REASON_DCV_CONNECT_FAILURE;
	}
	return VTG_REASON_DCV_CONNECT_FAILURE;
}

/* A hop's head (HTTP or TLS-ALPN): its URL and lookups, the address
 * connected to or (a failure) the one tried, and the failure. */
static void hop_open(struct check *c, unsigned p, const char *url, enum vtg_web_fail fail,
		     const char *error, const char *peer)
{
	struct vtg_json *f = &c->frag[p];
	hop_begin(c, p, url);
	hop_lookup(c, p);
	vtg__json_kstr(f, fail == VTG_WEB_OK ? "connected" : "tried", peer[0] ? peer : NULL);
	if (fail != VTG_WEB_OK) {
		vtg__json_kstr(f, "failure", vtg__web_fail_str(fail));
		vtg__json_kstr(f, "error", error);
	}
}

static void hop_http(struct check *c, unsigned p, const struct vtg_http_result *res,
		     const char *excerpt)
{
	struct vtg_json *f = &c->frag[p];
	hop_open(c, p, state(c, p)->url, res->fail, res->error, res->peer);
	if (res->status)
		vtg__json_kint(f, "status", res->status);
	if (res->location) {
		char loc[VTG_WEB_EXCERPT_CAP];
		vtg__web_excerpt((const uint8_t *)res->location, res->location_len, loc,
				 sizeof(loc));
		vtg__json_kstr(f, "location", loc);
	}
	if (res->tls_version) {
		vtg__json_kstr(f, "tls", res->tls_version);
		vtg__json_kstr(f, "cert_sha256", res->cert_sha256[0] ? res->cert_sha256 : NULL);
	}
	if (excerpt) {
		vtg__json_kstr(f, "body", excerpt);
		vtg__json_kint(f, "body_octets", (long long)res->body_len);
		if (res->truncated)
			vtg__json_kbool(f, "body_truncated", true);
	}
	vtg__json_key(f, "connect_ms");
	vtg__json_fixed(f, res->connect_ms, 3);
	if (res->tls_version) {
		vtg__json_key(f, "tls_ms");
		vtg__json_fixed(f, res->tls_ms, 3);
	}
	vtg__json_key(f, "total_ms");
	vtg__json_fixed(f, res->total_ms, 3);
	vtg__json_obj_end(f);
}

static void http_done(void *ud, const struct vtg_http_result *res)
{
	struct shard *sh = vtg__run_self();
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct check *c = &sh->r->ctx[idx];
	struct web_state *s = state(c, p);
	/* IPv6 did not connect (refused, unreachable, timed out before a
	 * response), IPv4 there: the same hop again over IPv4 */
	if ((res->fail == VTG_WEB_CONNECT || (res->fail == VTG_WEB_TIMEOUT && !res->status &&
					       res->connect_ms == 0)) &&
	    s->has6 && !s->tried6 && s->has4) {
		hop_http(c, p, res, NULL);
		s->tried6 = true;
		fetch(sh, c, p);
		return;
	}
	bool redirect = res->fail == VTG_WEB_OK && vtg__web_status_redirect(res->status);
	char excerpt[VTG_WEB_EXCERPT_CAP];
	const char *ex = NULL;
	if (res->fail == VTG_WEB_OK && !redirect) {
		vtg__web_excerpt(res->body, res->body_len, excerpt, sizeof(excerpt));
		ex = excerpt;
	}
	hop_http(c, p, res, ex);
	char why[VTG_WEB_WHY_MAX];
	if (res->fail == VTG_WEB_PROTOCOL) {
		snprintf(why, sizeof(why), "no valid HTTP response (%s)", res->error);
		finish(sh, c, p, fail_code(res->fail), false, why, NULL);
		return;
	}
	if (res->fail != VTG_WEB_OK) {
		finish(sh, c, p, fail_code(res->fail), false, res->error, NULL);
		return;
	}
	if (redirect) {
		struct vtg_url cur, next;
		vtg__web_url_parse(s->url, &cur, NULL, 0);
		enum vtg_web_redirect_verdict v =
			vtg__web_redirect(&s->rd, res->status, &cur, res->location,
					  res->location_len, &next, why, sizeof(why));
		if (v == VTG_WEB_REDIRECT_TOO_MANY) {
			finish(sh, c, p, VTG_REASON_DCV_TOO_MANY_REDIRECTS, true, why, NULL);
			return;
		}
		if (v != VTG_WEB_REDIRECT_FOLLOW) {
			finish(sh, c, p, VTG_REASON_DCV_REDIRECT_REFUSED, true, why, NULL);
			return;
		}
		snprintf(s->url, sizeof(s->url), "%s", next.url);
		s->port = next.port;
		if (vtg__run_decided(sh, c)) { /* decided without it: stop here */
			s->stage = ST_DONE;
			vtg__run_vote(sh, c, p, false, false, NULL);
			return;
		}
		/* every hop's host is resolved again by this perspective */
		resolve_host(sh, c, p, next.host, next.host_is_ip, next.family);
		return;
	}
	if (!vtg__web_status_ok(res->status)) {
		snprintf(why, sizeof(why), "%ld", res->status);
		finish(sh, c, p, VTG_REASON_DCV_HTTP_STATUS, true, why, NULL);
		return;
	}
	enum vtg_web_body b = vtg__web_body_check(c->dcv.method, res->body, res->body_len,
						  res->truncated, c->expect);
	if (b == VTG_WEB_BODY_PASS)
		finish(sh, c, p, VTG_REASON_DCV_PASS, true, NULL, c->expect);
	else if (b == VTG_WEB_BODY_TOO_LARGE)
		finish(sh, c, p, VTG_REASON_DCV_BODY_TOO_LARGE, true, NULL, NULL);
	else
		finish(sh, c, p, VTG_REASON_DCV_MISMATCH, true, NULL, NULL);
}

static void alpn_done(void *ud, const struct vtg_alpn_result *res)
{
	struct shard *sh = vtg__run_self();
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct check *c = &sh->r->ctx[idx];
	struct web_state *s = state(c, p);
	struct vtg_json *f = &c->frag[p];
	char hex[65] = "";
	if (res->der)
		vtg__tlsalpn_cert_sha256(res->der, res->der_len, hex);
	hop_open(c, p, NULL, res->fail, res->error, res->peer);
	if (res->fail == VTG_WEB_OK) {
		vtg__json_kstr(f, "alpn", res->acme_tls ? "acme-tls/1" : NULL);
		vtg__json_kstr(f, "tls", res->tls_version);
		vtg__json_kstr(f, "cert_sha256", hex[0] ? hex : NULL);
	}
	vtg__json_key(f, "connect_ms");
	vtg__json_fixed(f, res->connect_ms, 3);
	vtg__json_key(f, "tls_ms");
	vtg__json_fixed(f, res->tls_ms, 3);
	vtg__json_obj_end(f);
	if ((res->fail == VTG_WEB_CONNECT ||
	     (res->fail == VTG_WEB_TIMEOUT && res->connect_ms == 0)) &&
	    s->has6 && !s->tried6 && s->has4) {
		s->tried6 = true;
		fetch(sh, c, p);
		return;
	}
	if (res->fail != VTG_WEB_OK) {
		finish(sh, c, p, fail_code(res->fail), false, res->error, NULL);
		return;
	}
	if (!res->acme_tls) {
		finish(sh, c, p, VTG_REASON_DCV_ALPN_REFUSED, true,
		       "the server did not negotiate acme-tls/1", NULL);
		return;
	}
	if (!res->der) {
		finish(sh, c, p, VTG_REASON_DCV_BAD_CERTIFICATE, true, "no certificate", NULL);
		return;
	}
	char why[VTG_WEB_WHY_MAX];
	enum vtg_tlsalpn_verdict v;
	if (c->expect_digest) {
		/* open-mpic's key_authorization_hash: the acmeIdentifier's value */
		uint8_t md[VTG_TLSALPN_DIGEST];
		if (!digest_hex(c->expect, md)) {
			finish(sh, c, p, VTG_REASON_DCV_BAD_CERTIFICATE, true,
			       "the expected digest is not SHA-256 in hex (64 digits)", NULL);
			return;
		}
		v = vtg__tlsalpn_check_digest(res->der, res->der_len, c->web->host, md, why,
					      sizeof(why));
	} else {
		v = vtg__tlsalpn_check(res->der, res->der_len, c->web->host, c->expect, why,
				       sizeof(why));
	}
	if (v == VTG_TLSALPN_PASS)
		finish(sh, c, p, VTG_REASON_DCV_PASS, true, NULL, c->expect);
	else
		finish(sh, c, p, VTG_REASON_DCV_BAD_CERTIFICATE, true, why, NULL);
}

/* ------------------------------------------------------------ the line */

static void web_line(struct shard *sh, struct check *c, const struct vtg_agg_check *ck)
{
	const struct vtg_run *r = sh->r;
	struct vtg_json *j = &c->line;
	char ts[24];
	if (vtg__dcv_line_head(sh, c))
		return; /* invalid: the whole line */
	const struct web_state *prim = state(c, 0);
	vtg__dcv_settle(sh, c, ck, prim->positive, prim->code, prim->reason);
	vtg__json_kstr(j, c->web->is_ip ? "ip" : "ascii_name", c->web->host);
	if (c->dcv.method == VTG_DCV_TLSALPN01)
		vtg__json_kstr(j, "sni", c->web->sni);
	else
		vtg__json_kstr(j, "url", c->web->url0);
	vtg__json_kstr(j, "expect", c->expect);
	vtg__json_kstr(j, "result", c->positive ? "pass" : "fail");
	vtg__json_kstr(j, "reason", c->reason);
	vtg__json_kstr(j, "seen", prim->seen[0] ? prim->seen : NULL);
	vtg__json_kstr(j, "dnssec", c->web->is_ip ? NULL
						   : vtg_dnssec_str((enum vtg_dnssec)prim->final_dnssec));
	vtg__rfc3339(c->checked_at, ts);
	vtg__json_kstr(j, "checked_at", ts);
	vtg__json_kstr(j, "decided_by", r->cfg.persp[0].id);
	vtg__run_emit_mpic(r, j, c, ck, prim->positive);
}

const struct vtg_kind_ops vtg__kind_web = {
	.cmd = "dcv",
	.kind = VTG_CHECK_DCV,
	.compare_seen = true,
	.corroborated = true,
	.prepare = web_prepare,
	.question = web_question,
	.start = web_start,
	.stub = NULL,
	.answer = web_answer,
	.line = web_line,
	.outcome = vtg__dcv_outcome_key, /* the same line shape as DNS DCV */
	.interrupted = vtg__dcv_interrupted,
};
