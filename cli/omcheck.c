/*
 * omcheck.c — open-mpic requests to public-API checks, completions to
 * open-mpic perspective answers. See omcheck.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "caa/dcv.h"
#include "cli/omcheck.h"

const char *vtg__omc_to_check(const struct vtg_om_check *om, int n_default_ca,
			      struct vtg_check *chk, char *name, size_t cap, const char **doms)
{
	memset(chk, 0, sizeof(*chk));
	if (om->type == VTG_OM_CHECK_CAA) {
		chk->kind = VTG_CHECK_CAA;
		/* issuewild applies to a wildcard (RFC 8659 4.3) */
		snprintf(name, cap, "%s%s", om->wildcard ? "*." : "", om->target);
		if (om->smime)
			return "caa_check_parameters.certificate_type: s-mime: vantage checks "
			       "tls-server only";
		if (om->n_caa_domains) {
			for (size_t i = 0; i < om->n_caa_domains; i++)
				doms[i] = om->caa_domains[i];
			chk->ca_domains = doms;
			chk->n_ca_domains = om->n_caa_domains;
		} else if (n_default_ca <= 0) {
			return "caa_check_parameters.caa_domains: required (the server has no --ca)";
		}
	} else {
		chk->kind = VTG_CHECK_DCV;
		snprintf(name, cap, "%s", om->target);
		chk->dcv_method = vtg__dcv_method_str(om->method);
		switch (om->method) {
		case VTG_DCV_PERSIST:
			/* the request's issuer names and account URI (BR 3.2.2.4.22) */
			for (size_t i = 0; i < om->n_issuers; i++)
				doms[i] = om->issuers[i];
			chk->ca_domains = doms;
			chk->n_ca_domains = om->n_issuers;
			chk->account_uri = om->account_uri;
			break;
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

/* DNS DCV records_seen: every record the perspective got (its evidence's
 * records[].rr, "OWNER TTL CLASS TYPE RDATA"), as open-mpic lists them: the
 * RDATA, a TXT record of one string without its quotes. Copied into buf;
 * returns the count. */
static size_t dns_records(json_t *pe, const char **out, size_t max, char *buf, size_t cap)
{
	json_t *recs = json_object_get(pe, "records"), *v;
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
 * among the perspective's, their targets without the trailing dot, in
 * order), as open-mpic-core lists them. Returns the count. */
static size_t cname_chain(json_t *pe, const char **out, size_t max, char *buf, size_t cap)
{
	json_t *recs = json_object_get(pe, "records"), *v;
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

/* HTTP details from the perspective's hops (runner/kind_web.c's evidence):
 * response_history the hops before the last, response_url / status / page /
 * resolved_ip the last one's. The page is the hop's body excerpt (the body
 * as served for printable text; escapes otherwise), its first
 * VTG_OM_PAGE_MAX octets. */
static void web_details(json_t *ev, json_t *pe, struct vtg_om_result *r,
			struct vtg_omc_scratch *s)
{
	json_t *arr = json_object_get(pe, "hops");
	size_t n = json_array_size(arr);
	r->response_url = jstr(ev, "url");
	if (n == 0)
		return;
	json_t *last = json_array_get(arr, n - 1);
	size_t k = 0;
	for (size_t i = 0; i + 1 < n && k < VTG_OMC_HOPS_MAX; i++) {
		json_t *h = json_array_get(arr, i);
		json_t *st = json_object_get(h, "status");
		s->hops[k].url = jstr(h, "url");
		s->hops[k].status = json_is_integer(st) ? (int)json_integer_value(st) : 0;
		k++;
	}
	r->hops = s->hops;
	r->n_hops = k;
	if (jstr(last, "url"))
		r->response_url = jstr(last, "url");
	json_t *st = json_object_get(last, "status");
	if (json_is_integer(st))
		r->status = (int)json_integer_value(st);
	const char *body = jstr(last, "body");
	if (body) {
		size_t len = strlen(body);
		if (len > sizeof(s->page))
			len = sizeof(s->page);
		memcpy(s->page, body, len);
		r->page = s->page;
		r->page_len = len;
	}
	/* "ADDR:PORT" or "[v6]:PORT" connected to: the address */
	const char *peer = jstr(last, "connected");
	if (peer) {
		const char *b = peer[0] == '[' ? peer + 1 : peer;
		const char *e = peer[0] == '[' ? strchr(b, ']') : strrchr(b, ':');
		size_t len = e ? (size_t)(e - b) : strlen(b);
		if (len < sizeof(s->ip)) {
			memcpy(s->ip, b, len);
			s->ip[len] = 0;
			r->resolved_ip = s->ip;
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

void vtg__omc_result(const struct vtg_om_check *om, const struct vtg_completion *c, unsigned p,
		     json_t *ev, bool with_evidence, struct vtg_omc_scratch *s,
		     struct vtg_om_result *r)
{
	const struct vtg_persp_result *pr = p < c->n_perspectives ? &c->perspectives[p] : NULL;
	/* p's part of the evidence; the top level when there is none (one
	 * perspective, mode off: the same values) */
	json_t *pe = json_array_get(json_object_get(ev, "perspectives"), p);
	if (!pe)
		pe = ev;
	/* a remote perspective's part embeds its agent's evidence line: the
	 * details are there (its own perspective's part, else its top level) */
	json_t *agent = json_object_get(pe, "evidence");
	if (json_is_object(agent)) {
		ev = agent;
		pe = json_array_get(json_object_get(agent, "perspectives"), 0);
		if (!pe)
			pe = agent;
	}
	bool answered = pr ? pr->answered : false;
	bool web = om->type == VTG_OM_CHECK_DCV && vtg__dcv_method_web(om->method);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	*r = (struct vtg_om_result){
		.type = om->type, .method = om->om_method,
		.completed = answered,
		/* one perspective: the check's outcome; several: this one's */
		.passed = c->n_perspectives <= 1 ? c->positive != 0 : pr && pr->positive,
		.timestamp_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
		.caa_present = -1, .rcode = -1, .ad_flag = -1, .status = -1,
	};
	if (with_evidence) {
		r->evidence = c->json;
		r->evidence_len = c->json_len;
	}
	s->err = (struct vtg_om_error){error_type(c), pr && pr->reason ? pr->reason : c->reason};
	if (!answered) {
		r->errors = &s->err;
		r->n_errors = 1;
	}
	size_t n = 0;
	if (om->type == VTG_OM_CHECK_CAA) {
		/* records: the relevant RRset in presentation form, null where
		 * it cannot be presented (skipped here) */
		json_t *arr = json_object_get(pe, "records"), *v;
		size_t i;
		json_array_foreach(arr, i, v) {
			if (json_is_string(v) && n < VTG_OMC_RECORDS_MAX)
				s->recs[n++] = json_string_value(v);
		}
		r->records = s->recs;
		r->n_records = n;
		r->caa_present = n > 0; /* a boolean for open-mpic, also after a failure */
		r->found_at = strip_dot(jstr(pe, "relevant_owner"), s->owner, sizeof(s->owner));
	} else if (!web) {
		n = dns_records(pe, s->recs, VTG_OMC_RECORDS_MAX, s->rdbuf, sizeof(s->rdbuf));
		const char *seen = jstr(pe, "seen");
		if (n == 0 && seen)
			s->recs[n++] = seen;
		r->records = s->recs;
		r->n_records = n;
		r->found_at = strip_dot(jstr(ev, "query"), s->owner, sizeof(s->owner));
		unsigned rcode = pr ? pr->rcode : c->rcode;
		if (rcode != VTG_RCODE_NO_RESPONSE)
			r->rcode = (int)rcode;
		/* ad_flag: the answer was DNSSEC-validated (the perspective's own
		 * validation, or its resolver's AD bit in stub mode) */
		const char *dnssec = jstr(pe, "dnssec");
		if (answered && dnssec)
			r->ad_flag = !strcmp(dnssec, "secure");
		r->cname_chain = s->cnames;
		r->n_cname = cname_chain(pe, s->cnames, VTG_OMC_RECORDS_MAX, s->cnbuf,
					 sizeof(s->cnbuf));
	} else {
		web_details(ev, pe, r, s);
	}
}
