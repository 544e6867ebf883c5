/*
 * remote.c — remote perspectives: a check's part for a perspective that
 * lives elsewhere goes to that perspective's agent (`vantage agent`, or any
 * server of open-mpic's perspective API) as an HTTPS POST of /caa or /dcv,
 * and the agent's answer is the perspective's vote.
 *
 * BR 3.2.2.9: the channel is authenticated and encrypted (https only, the
 * agent's certificate verified, the coordinator authenticated by a client
 * certificate or an API key: runner/config.c refuses anything less). Any
 * transport error, a TLS or authentication failure, a timeout, an HTTP
 * status other than 200, or an answer that does not decode is a
 * non-corroboration with that error as the perspective's evidence; the
 * agent's own evidence (its line, the "vantage" field of its answer) is
 * embedded in the perspective's fragment.
 *
 * The request is open-mpic's model of the check (mpic/openmpic.h): what an
 * open-mpic perspective can be asked. RFC 8657 parameters (account URI,
 * validation methods) are the agent's own configuration, not sent.
 *
 * Runs on the worker: the request goes out on the worker's ring through
 * the engine's agent requests (engine/web.h, libcurl keep-alive connections
 * from the perspective's namespace / interface / source).
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/json.h"
#include "engine/web.h"
#include "mpic/aggregate.h"
#include "mpic/openmpic.h"
#include "runner/run_int.h"

/* A check decided without a remote (early decision) withdraws the agent's
 * request once it has run this long. A healthy agent answers in a few ms:
 * withdrawing at once would close its kept-alive connection, and the next
 * check would pay a new TLS handshake (in bench/agents.sh that made the
 * coordinator spend most of its CPU in handshakes); a dead agent's request
 * still frees its entry long before remote-timeout-ms. */
#define REMOTE_CANCEL_GRACE_MS 500

/* The perspective's API key from its file: one line, white space trimmed. */
static int read_key(const char *path, char *out, size_t cap, char *err, size_t errcap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errcap, "api-key-file %s: %s", path, strerror(errno));
		return -errno;
	}
	char buf[VTG_AGENT_KEY_MAX + 2];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errcap, "api-key-file %s: %s", path, strerror(errno));
		return -EIO;
	}
	buf[n] = 0;
	size_t len = strcspn(buf, "\r\n");
	while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	buf[len] = 0;
	if (len == 0 || len > VTG_AGENT_KEY_MAX || (size_t)n > VTG_AGENT_KEY_MAX + 1) {
		snprintf(err, errcap, "api-key-file %s: %s", path,
			 len == 0 ? "empty" : "longer than 256 characters");
		return VTG_ECONFIG;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] < 0x21 || buf[i] > 0x7e) {
			snprintf(err, errcap, "api-key-file %s: not printable ASCII", path);
			return VTG_ECONFIG;
		}
	if (len >= cap)
		return VTG_ECONFIG;
	memcpy(out, buf, len + 1);
	return 0;
}

int vtg__remote_setup(struct vtg_run *r, char *err, size_t errcap)
{
	bool any = false;
	for (unsigned p = 0; p < r->cfg.n_persp; p++)
		any |= r->cfg.persp[p].remote;
	if (!any)
		return 0;
	r->api_keys = vtg__calloc(r->cfg.n_persp, sizeof(*r->api_keys));
	if (!r->api_keys) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	for (unsigned p = 0; p < r->cfg.n_persp; p++) {
		const struct vtg_persp_cfg *pc = &r->cfg.persp[p];
		if (!pc->remote || !pc->api_key_file[0])
			continue;
		char why[400];
		int rc = read_key(pc->api_key_file, r->api_keys[p], sizeof(r->api_keys[p]), why,
				  sizeof(why));
		if (rc != 0) {
			snprintf(err, errcap, "perspective %s: %s", pc->id, why);
			return rc < 0 && rc != VTG_ECONFIG ? VTG_ECONFIG : rc;
		}
	}
	return 0;
}

/* ------------------------------------------------- the request: encode */

static void hex(const uint8_t *d, size_t n, char *out)
{
	static const char X[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = X[d[i] >> 4];
		out[2 * i + 1] = X[d[i] & 15];
	}
	out[2 * n] = 0;
}

/* The open-mpic model of c, or a reason why an open-mpic perspective cannot
 * be asked it. */
static const char *to_om(const struct vtg_run *r, const struct check *c, unsigned p,
			 struct vtg_om_check *om)
{
	memset(om, 0, sizeof(*om));
	const char *target = c->nm.ascii;
	if (c->ops->kind == VTG_CHECK_DCV && c->dcv.method == VTG_DCV_REVERSE)
		target = c->input; /* the IP literal as given */
	if (strncmp(target, "*.", 2) == 0) {
		om->wildcard = true;
		target += 2;
	}
	if (strlen(target) > VTG_OM_TARGET_MAX - 2)
		return "the name is too long for open-mpic's target";
	snprintf(om->target, sizeof(om->target), "%s", target);
	om->has_trace = true;
	snprintf(om->trace, sizeof(om->trace), "vantage-%016llx-%s",
		 (unsigned long long)c->token, r->cfg.persp[p].id);
	if (c->ops->kind == VTG_CHECK_CAA) {
		om->type = VTG_OM_CHECK_CAA;
		om->allow_lookup_failure = c->pol.failure_exception;
		const struct vtg_caa_identity *id = &c->pol.id;
		if (id->n_issuers > VTG_OM_DOMAINS_MAX)
			return "more issuer domain names than open-mpic's request takes";
		for (size_t i = 0; i < id->n_issuers; i++) {
			if (strlen(id->issuers[i]) > VTG_OM_NAME_MAX)
				return "an issuer domain name is too long";
			snprintf(om->caa_domains[i], sizeof(om->caa_domains[i]), "%s",
				 id->issuers[i]);
		}
		om->n_caa_domains = id->n_issuers;
		return NULL;
	}
	if (c->ops->kind != VTG_CHECK_DCV)
		return "a remote perspective runs CAA and DCV checks only";
	om->type = VTG_OM_CHECK_DCV;
	const struct vtg_dcv_request *d = &c->dcv;
	const char *expect = c->expect ? c->expect : "";
	if (strlen(expect) > VTG_OM_VALUE_MAX)
		return "the expected value is too long for open-mpic's request";
	snprintf(om->value, sizeof(om->value), "%s", expect);
	if (d->label && d->label[0]) {
		if (strlen(d->label) > VTG_OM_PREFIX_MAX)
			return "the label is too long";
		om->has_prefix = true;
		snprintf(om->prefix, sizeof(om->prefix), "%s", d->label);
	}
	om->method = d->method;
	switch (d->method) {
	case VTG_DCV_DNS01:
		om->om_method = VTG_OM_ACME_DNS_01;
		om->rrtype = VTG_OM_RR_TXT;
		om->require_exact_case = true;
		return NULL;
	case VTG_DCV_CHANGE:
	case VTG_DCV_CNAME:
		om->om_method = VTG_OM_DNS_CHANGE;
		om->rrtype = d->method == VTG_DCV_CHANGE ? VTG_OM_RR_TXT : VTG_OM_RR_CNAME;
		om->require_exact_match = true; /* vantage compares exactly */
		om->require_exact_case = d->method == VTG_DCV_CHANGE;
		return NULL;
	case VTG_DCV_CONTACT_EMAIL:
		om->om_method = VTG_OM_CONTACT_EMAIL_TXT;
		om->rrtype = VTG_OM_RR_TXT;
		om->has_prefix = false;
		return NULL;
	case VTG_DCV_CONTACT_PHONE:
		om->om_method = VTG_OM_CONTACT_PHONE_TXT;
		om->rrtype = VTG_OM_RR_TXT;
		om->has_prefix = false;
		return NULL;
	case VTG_DCV_REVERSE:
		om->om_method = VTG_OM_REVERSE_ADDRESS_LOOKUP;
		om->rrtype = VTG_OM_RR_PTR;
		om->has_prefix = false;
		if (!om->value[0])
			return "reverse-address-lookup needs the expected name (open-mpic's "
			       "challenge_value)";
		return NULL;
	case VTG_DCV_PERSIST:
		om->om_method = VTG_OM_DNS_PERSISTENT;
		om->rrtype = VTG_OM_RR_TXT;
		om->has_prefix = false;
		if (!d->account_uri || strlen(d->account_uri) > VTG_OM_URI_MAX ||
		    d->n_issuers > VTG_OM_DOMAINS_MAX)
			return "persist: the account URI or issuer names do not fit open-mpic's "
			       "request";
		snprintf(om->account_uri, sizeof(om->account_uri), "%s", d->account_uri);
		for (size_t i = 0; i < d->n_issuers; i++)
			snprintf(om->issuers[i], sizeof(om->issuers[i]), "%s", d->issuers[i]);
		om->n_issuers = d->n_issuers;
		return NULL;
	case VTG_DCV_HTTP01: {
		om->om_method = VTG_OM_ACME_HTTP_01;
		om->require_exact_case = true;
		/* the key authorization is "token.thumbprint" (RFC 8555 8.1) */
		size_t tl = strcspn(expect, ".");
		if (tl == 0 || expect[tl] != '.')
			return "http-01 needs the key authorization token.thumbprint";
		snprintf(om->token, sizeof(om->token), "%.*s", (int)tl, expect);
		return NULL;
	}
	case VTG_DCV_WEBSITE_CHANGE:
		om->om_method = VTG_OM_WEBSITE_CHANGE;
		om->require_exact_case = true;
		om->https = d->https;
		if (!d->http_path || strlen(d->http_path) > VTG_OM_PATH_MAX)
			return "website-change needs its file name";
		snprintf(om->http_path, sizeof(om->http_path), "%s", d->http_path);
		return NULL;
	case VTG_DCV_TLSALPN01: {
		/* open-mpic sends SHA-256(key authorization) in hex (RFC 8737 3) */
		om->om_method = VTG_OM_ACME_TLS_ALPN_01;
		uint8_t md[32];
		unsigned ml = 0;
		if (!EVP_Digest(expect, strlen(expect), md, &ml, EVP_sha256(), NULL) || ml != 32)
			return "SHA-256 failed";
		hex(md, 32, om->value);
		return NULL;
	}
	case VTG_DCV_ACCOUNT01:
		return "dns-account-01: open-mpic's perspective API has no such method";
	}
	return "unknown method";
}

/* ----------------------------------------------------- the fragment */

static void frag_begin(struct shard *sh, struct check *c, unsigned p)
{
	const struct vtg_persp_cfg *pc = &sh->r->cfg.persp[p];
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	if (c->ops->kind == VTG_CHECK_QUERY) {
		vtg__json_kstr(f, "perspective", pc->id);
		vtg__json_kstr(f, "mode", "remote");
	} else {
		vtg__run_frag_head(sh->r, f, p);
	}
	vtg__json_kstr(f, "agent", pc->url);
}

/* A perspective that got no usable answer: non-corroborating, the error as
 * its evidence. */
static void remote_fail(struct shard *sh, struct check *c, unsigned p, const char *reason,
			enum vtg_lookup_fail fail, double ms)
{
	struct vtg_json *f = &c->frag[p];
	if (c->ops->kind != VTG_CHECK_QUERY)
		c->ops->outcome(f, false);
	vtg__json_kstr(f, "reason", reason);
	vtg__json_obj_end(f);
	if (c->po)
		vtg__run_persp_out(sh->r, c, p, false, false, VTG_DNSSEC_INDETERMINATE,
				   VTG_RCODE_NONE, fail, ms, reason);
	vtg__run_vote(sh, c, p, false, false, NULL);
}

/* ------------------------------------------------------ the answer */

static void agent_done(void *ud, const struct vtg_agent_result *res)
{
	struct shard *sh = vtg__run_self();
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct check *c = &sh->r->ctx[idx];
	struct vtg_json *f = &c->frag[p];
	char why[VTG_AGENT_KEY_MAX + 256];
	if (res->peer[0])
		vtg__json_kstr(f, "peer", res->peer);
	vtg__json_key(f, "latency_ms");
	vtg__json_fixed(f, res->total_ms, 3);
	vtg__json_kbool(f, "reused", res->reused);
	if (res->fail == VTG_WEB_CANCELLED) {
		/* decided without it (early decision): the line shows it as
		 * cancelled; the request is not left to run out its timeout */
		remote_fail(sh, c, p, "cancelled: decided without it", VTG_FAIL_NONE,
			    res->total_ms);
		return;
	}
	if (res->fail != VTG_WEB_OK) {
		/* BR 3.2.2.9: a perspective that cannot be reached does not
		 * corroborate; which failure it was is the evidence */
		snprintf(why, sizeof(why), "agent-failure: %s: %s", vtg__web_fail_str(res->fail),
			 res->error);
		remote_fail(sh, c, p, why,
			    res->fail == VTG_WEB_TIMEOUT ? VTG_FAIL_TIMEOUT : VTG_FAIL_LOCAL,
			    res->total_ms);
		return;
	}
	vtg__json_kint(f, "status", res->status);
	enum vtg_om_check_type type =
		c->ops->kind == VTG_CHECK_CAA ? VTG_OM_CHECK_CAA : VTG_OM_CHECK_DCV;
	if (res->status != 200) {
		/* the agent refused the request (auth, a bad request): its JSON
		 * error's message when it has one */
		char msg[200] = "";
		size_t n = res->body_len < sizeof(msg) - 1 ? res->body_len : sizeof(msg) - 1;
		for (size_t i = 0; i < n; i++) {
			char ch = (char)res->body[i];
			msg[i] = ch >= 0x20 && ch < 0x7f ? ch : ' ';
		}
		msg[n] = 0;
		snprintf(why, sizeof(why), "agent-refused: HTTP %ld: %s", res->status, msg);
		remote_fail(sh, c, p, why, VTG_FAIL_REFUSED, res->total_ms);
		return;
	}
	/* an answer to the check: decoded only now (an error page is not) */
	struct vtg_om_answer a;
	char derr[200] = "";
	int rc = vtg__om_answer_decode((const char *)res->body, res->body_len, type, &a,
				       sh->aevid, VTG_OM_ANSWER_MAX + 1, derr, sizeof(derr));
	if (rc != 0) {
		snprintf(why, sizeof(why), "agent-failure: undecodable answer: %s", derr);
		remote_fail(sh, c, p, why, VTG_FAIL_MALFORMED, res->total_ms);
		return;
	}
	bool positive = a.completed && a.passed;
	/* what corroborates a DCV primary: the value the agent saw (a vantage
	 * agent says; open-mpic's answer has only the verdict on the value
	 * sent, which is the primary's expected value) */
	const char *seen = NULL;
	if (positive && type == VTG_OM_CHECK_DCV && c->dres) {
		/* kept with the check: the aggregator compares it when the
		 * last perspective is in */
		snprintf(c->dres[p].seen, sizeof(c->dres[p].seen), "%s",
			 a.has_seen ? a.seen : (c->expect ? c->expect : ""));
		seen = c->dres[p].seen[0] ? c->dres[p].seen : NULL;
	}
	c->ops->outcome(f, positive);
	if (a.reason[0])
		snprintf(why, sizeof(why), "%s", a.reason);
	else if (a.n_errors)
		snprintf(why, sizeof(why), "%s: %s", a.error_type, a.error_message);
	else
		snprintf(why, sizeof(why), "%s", positive ? "pass" : "fail");
	vtg__json_kstr(f, "reason", why);
	vtg__json_kbool(f, "check_completed", a.completed);
	vtg__json_kbool(f, "check_passed", a.passed);
	if (type == VTG_OM_CHECK_DCV)
		vtg__json_kstr(f, "seen", seen);
	if (a.n_errors) {
		vtg__json_key(f, "errors");
		vtg__json_arr_begin(f);
		vtg__json_obj_begin(f);
		vtg__json_kstr(f, "error_type", a.error_type);
		vtg__json_kstr(f, "error_message", a.error_message);
		vtg__json_obj_end(f);
		vtg__json_arr_end(f);
	}
	if (a.evidence_len) {
		vtg__json_key(f, "evidence");
		vtg__json_raw(f, sh->aevid, a.evidence_len);
	}
	vtg__json_obj_end(f);
	if (c->po)
		vtg__run_persp_out(sh->r, c, p, a.completed, positive, VTG_DNSSEC_INDETERMINATE,
				   VTG_RCODE_NONE, a.completed ? VTG_FAIL_NONE : VTG_FAIL_LOCAL,
				   res->total_ms, why);
	vtg__run_vote(sh, c, p, a.completed, positive, seen);
}

/* ------------------------------------------------------- the start */

static int agent_on(struct shard *sh)
{
	if (sh->agent_on)
		return 0;
	char err[256];
	int rc = vtg__kind_web_enable(sh);
	if (rc == 0)
		rc = vtg__worker_set_agent(sh->w, agent_done, err, sizeof(err));
	if (rc == 0 && !sh->aevid) {
		sh->aevid = vtg__malloc(VTG_OM_ANSWER_MAX + 1);
		sh->aom = vtg__malloc(sizeof(*sh->aom));
		if (!sh->aevid || !sh->aom || vtg__json_init_cap(&sh->areq, -1, 4096) != 0)
			rc = -ENOMEM;
	}
	if (rc == 0)
		sh->agent_on = true;
	return rc;
}

/* Send perspective p's request; false: no slot (the caller keeps it). */
static bool send_request(struct shard *sh, struct check *c, unsigned p)
{
	const struct vtg_run *r = sh->r;
	const struct vtg_persp_cfg *pc = &r->cfg.persp[p];
	char url[VTG_REMOTE_URL_MAX + 8];
	snprintf(url, sizeof(url), "%s/%s", pc->url,
		 c->ops->kind == VTG_CHECK_CAA ? "caa" : "dcv");
	struct vtg_agent_req rq = {
		.persp = p,
		.url = url,
		.body = sh->areq.buf,
		.body_len = sh->areq.len,
		.ca = pc->ca,
		.client_cert = pc->client_cert,
		.client_key = pc->client_key,
		.api_key = r->api_keys && r->api_keys[p][0] ? r->api_keys[p] : NULL,
		.connect_timeout_ms = r->cfg.run.http_connect_timeout_ms,
		.timeout_ms = r->cfg.run.remote_timeout_ms,
	};
	int rc = vtg__worker_agent(sh->w, &rq, ud_of(check_index(r, c), p));
	if (rc == -EAGAIN)
		return false;
	if (rc != 0) {
		char why[128];
		snprintf(why, sizeof(why), "agent-failure: local: %s", strerror(-rc));
		remote_fail(sh, c, p, why, VTG_FAIL_LOCAL, 0);
	}
	return true;
}

/* Encode c's request for p into sh->areq; false with the perspective
 * failed (fragment and vote done) when it cannot be asked. */
static bool encode(struct shard *sh, struct check *c, unsigned p)
{
	const char *why = to_om(sh->r, c, p, sh->aom);
	vtg__json_reset(&sh->areq);
	if (!why && vtg__om_check_encode(sh->aom, &sh->areq) != 0)
		why = "the request does not encode";
	if (!why && sh->areq.len > VTG_AGENT_REQ_MAX)
		why = "the request is too long";
	if (!why)
		return true;
	char buf[200];
	snprintf(buf, sizeof(buf), "agent-failure: local: %s", why);
	remote_fail(sh, c, p, buf, VTG_FAIL_LOCAL, 0);
	return false;
}

void vtg__remote_start(struct shard *sh, struct check *c, unsigned p)
{
	frag_begin(sh, c, p);
	int rc = agent_on(sh);
	if (rc != 0) {
		char why[128];
		snprintf(why, sizeof(why), "agent-failure: local: %s", strerror(-rc));
		remote_fail(sh, c, p, why, VTG_FAIL_LOCAL, 0);
		return;
	}
	if (sh->adef.n) { /* keep the order: behind those waiting */
		if (!vtg__items_push(&sh->adef, sh->r, c, p))
			remote_fail(sh, c, p, "agent-failure: local: out of memory",
				    VTG_FAIL_LOCAL, 0);
		return;
	}
	if (!encode(sh, c, p))
		return;
	if (!send_request(sh, c, p) && !vtg__items_push(&sh->adef, sh->r, c, p))
		remote_fail(sh, c, p, "agent-failure: local: out of memory", VTG_FAIL_LOCAL, 0);
}

void vtg__remote_flush(struct shard *sh)
{
	size_t i = 0;
	while (i < sh->adef.n && vtg__worker_agent_free(sh->w) > 0) {
		uint32_t item = sh->adef.v[i++];
		struct check *c = &sh->r->ctx[item >> 8];
		unsigned p = item & 0xff;
		if (vtg__run_decided(sh, c)) {
			/* decided while it waited: nothing to ask */
			remote_fail(sh, c, p, "cancelled: decided without it", VTG_FAIL_NONE, 0);
			continue;
		}
		if (encode(sh, c, p) && !send_request(sh, c, p)) {
			i--; /* no slot after all: keep it */
			break;
		}
	}
	vtg__items_drop(&sh->adef, i);
}

static bool decided_ud(void *ud, void *arg)
{
	struct shard *sh = arg;
	struct check *c = &sh->r->ctx[(uintptr_t)ud >> 8];
	return vtg__run_decided(sh, c);
}

void vtg__remote_cancel(struct shard *sh)
{
	vtg__worker_agent_cancel(sh->w, REMOTE_CANCEL_GRACE_MS, decided_ud, sh);
}

void vtg__remote_free_shard(struct shard *sh)
{
	vtg__free(sh->adef.v);
	vtg__free(sh->aevid);
	vtg__free(sh->aom);
	if (sh->agent_on)
		vtg__json_deinit(&sh->areq);
	sh->adef.v = NULL;
	sh->aevid = NULL;
	sh->aom = NULL;
}
