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
			return "dcv_check_parameters: dns-persistent: vantage takes no per-check "
			       "issuer or account URI yet";
		case VTG_DCV_WEBSITE_CHANGE:
			if (om->https)
				return "dcv_check_parameters.url_scheme: https: vantage fetches "
				       "http only";
			chk->dcv_http_path = om->http_path;
			break;
		case VTG_DCV_TLSALPN01:
			return "dcv_check_parameters: acme-tls-alpn-01: not run through the API yet";
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
	} else {
		r->response_url = jstr(ev, "url");
		r->resolved_ip = jstr(ev, "ip");
	}
}
