/*
 * kind_dcv.c — the DNS domain-control check kind (BR 3.2.2.4.7 / .14 / .16
 * / .21 / .22, 3.2.2.5.3, caa/dcv.h): one query per perspective, made by
 * the method (reverse-lookup: PTR of the IP literal's reverse name);
 * the answer is checked and rendered record by record while it is valid; a
 * remote corroborates when it passed with the value the primary saw.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "runner/evidence.h"
#include "runner/present.h"
#include "runner/run_int.h"

/* "outcome" or "outcome: detail" (the detail may already start with it) */
static const char *dcv_reason(const struct vtg_dcv_result *r, char *buf, size_t cap)
{
	const char *o = vtg__dcv_outcome_str(r->outcome);
	size_t ol = strlen(o);
	if (!r->detail[0])
		return o;
	if (!strncmp(r->detail, o, ol) && (r->detail[ol] == ':' || !r->detail[ol]))
		return r->detail;
	snprintf(buf, cap, "%s: %s", o, r->detail);
	return buf;
}

static int reason_code(enum vtg_dcv_outcome o)
{
	switch (o) {
	case VTG_DCV_PASS: return VTG_REASON_DCV_PASS;
	case VTG_DCV_NO_RECORD: return VTG_REASON_DCV_NO_RECORD;
	case VTG_DCV_MISMATCH: return VTG_REASON_DCV_MISMATCH;
	case VTG_DCV_LOOKUP_FAILURE: return VTG_REASON_DCV_LOOKUP_FAILURE;
	case VTG_DCV_DNSSEC_BOGUS: return VTG_REASON_DCV_DNSSEC_BOGUS;
	}
	return VTG_REASON_DCV_LOOKUP_FAILURE;
}

/* reverse-lookup (BR 3.2.2.5.3): the target is an IP literal, not a name;
 * nm gets its reverse name (wire) and its canonical text (ascii, RFC 5952
 * for IPv6 as inet_ntop writes it). 0, or VTG_EDCV_TARGET with nm.why. */
static int reverse_target(struct check *c)
{
	memset(&c->nm, 0, sizeof(c->nm));
	size_t len = strnlen(c->input, c->input_len);
	int n = vtg__dcv_reverse_name(c->input, len, c->nm.wire);
	if (n < 0) {
		snprintf(c->nm.why, sizeof(c->nm.why), "invalid-request: %s", vtg_strerror(n));
		return n;
	}
	c->nm.wire_len = (size_t)n;
	char ip[VTG_DCV_IP_TEXT_MAX + 1];
	unsigned char a[16];
	memcpy(ip, c->input, len); /* vtg__dcv_reverse_name took it: len fits */
	ip[len] = '\0';
	int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, ip, a) != 1 || !inet_ntop(fam, a, c->nm.ascii, sizeof(c->nm.ascii)))
		snprintf(c->nm.ascii, sizeof(c->nm.ascii), "%s", ip);
	c->nm.ascii_len = strlen(c->nm.ascii);
	return 0;
}

/* The name, then the query its method makes (an invalid request makes the
 * check invalid, with the reason). */
static void dcv_prepare(struct vtg_run *r, struct check *c)
{
	c->checked_at = time(NULL);
	c->parsed = true;
	c->dcv.expect = c->expect;
	c->dcv.now = (int64_t)c->checked_at;
	if (c->dcv.method == VTG_DCV_REVERSE) {
		c->name_rc = reverse_target(c);
		if (c->name_rc != 0)
			return;
	} else {
		c->name_rc = vtg__input_name_parse(&c->nm, c->input, c->input_len);
	}
	if (c->name_rc != 0) { /* the reason as a CAA line has it: code, then words */
		char why[sizeof(c->nm.why)];
		memcpy(why, c->nm.why, sizeof(why));
		snprintf(c->nm.why, sizeof(c->nm.why), "invalid-name: %.100s", why);
		return;
	}
	int rc = vtg__dcv_query(&c->dcv, c->nm.wire, c->dq, &c->dqtype);
	if (rc != 0) {
		c->name_rc = rc;
		snprintf(c->nm.why, sizeof(c->nm.why), "invalid-request: %s%s", vtg_strerror(rc),
			 rc == VTG_EDCV_REQUEST && !c->expect && !r->p.dcv_expect
				 ? " (no expected value with the name or for the run)"
				 : "");
	}
}

static bool dcv_question(const struct check *c, unsigned p, const uint8_t **qname,
			 uint16_t *qtype)
{
	(void)p;
	*qname = c->dq;
	*qtype = c->dqtype;
	return true;
}

static void dcv_start(struct shard *sh, struct check *c, unsigned p)
{
	vtg__run_ask(sh, c, p);
}

/* what was seen, record by record, with the verdict on each */
static void render_records(struct shard *sh, struct vtg_json *f, const struct check *c,
			   const struct vtg_dcv_result *res, const struct vtg_lookup_answer *a)
{
	vtg__json_key(f, "records");
	vtg__json_arr_begin(f);
	const uint8_t *owner = a->target ? a->target : c->dq;
	for (size_t i = 0; i < a->n_rrs; i++) {
		vtg__json_obj_begin(f);
		int l = vtg__rdata_rr_text(owner, c->dqtype, &a->rrs[i], sh->rrtext, RRTEXT_CAP);
		vtg__json_key(f, "rr");
		if (l >= 0)
			vtg__json_strn(f, sh->rrtext, (size_t)l);
		else
			vtg__json_null(f);
		if (i < VTG_DCV_RR_MAX && i < res->n_records)
			vtg__json_kstr(f, "verdict", vtg__dcv_rr_str((enum vtg_dcv_rr)res->rr[i]));
		vtg__json_obj_end(f);
	}
	vtg__json_arr_end(f);
}

static void dcv_answer(struct shard *sh, struct check *c, unsigned p,
		       const struct vtg_lookup_answer *a)
{
	struct vtg_dcv_result *res = &c->dres[p];
	vtg__dcv_check(&c->dcv, a, res);
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__run_frag_head(sh->r, f, p);
	vtg__emit_source(f, sh->r->cfg.persp[p].source);
	vtg__json_kstr(f, "result", res->outcome == VTG_DCV_PASS ? "pass" : "fail");
	char why[320];
	const char *reason = dcv_reason(res, why, sizeof(why));
	vtg__json_kstr(f, "reason", reason);
	vtg__json_kstr(f, "seen", res->seen[0] ? res->seen : NULL);
	vtg__json_kstr(f, "rcode", a->rcode == VTG_RCODE_NONE ? NULL : vtg__rcode_str(a->rcode));
	if (a->fail != VTG_FAIL_NONE)
		vtg__json_kstr(f, "failure", vtg__lookup_fail_str(a->fail));
	vtg__json_kstr(f, "dnssec", vtg_dnssec_str(a->dnssec));
	vtg__json_kstr(f, "zone_dnssec", vtg_dnssec_str(vtg__lookup_zone_dnssec(a)));
	if (a->dnssec == VTG_DNSSEC_BOGUS && a->why_bogus)
		vtg__json_kstr(f, "why_bogus", a->why_bogus);
	vtg__emit_server(f, a->server);
	render_records(sh, f, c, res, a);
	vtg__json_kint(f, "chain", a->chain_len);
	vtg__json_kint(f, "tries", a->tries);
	vtg__json_key(f, "latency_ms");
	vtg__json_fixed(f, a->latency_ms, 3);
	vtg__json_obj_end(f);
	bool answered = res->outcome != VTG_DCV_LOOKUP_FAILURE &&
			res->outcome != VTG_DCV_DNSSEC_BOGUS;
	bool pass = res->outcome == VTG_DCV_PASS;
	if (c->po) {
		vtg__run_persp_out(sh->r, c, p, answered, pass, a->dnssec, a->rcode, a->fail,
				   a->latency_ms, reason);
		if (a->dnssec == VTG_DNSSEC_BOGUS && a->why_bogus)
			snprintf(c->po[p].why_bogus, sizeof(c->po[p].why_bogus), "%s", a->why_bogus);
	}
	vtg__run_vote(sh, c, p, answered, pass, res->seen);
}

void vtg__dcv_settle(struct shard *sh, struct check *c, const struct vtg_agg_check *ck,
		     bool primary_pass, int code, const char *reason)
{
	const struct vtg_quorum_result *q = &ck->q;
	bool pass = primary_pass;
	c->reason_code = code;
	if (pass && !q->positive) { /* enforce: not corroborated */
		pass = false;
		snprintf(c->reason, sizeof(c->reason), "not-corroborated: %s", q->why);
		c->reason_code = VTG_REASON_DCV_NOT_CORROBORATED;
		sh->not_corroborated++;
	} else {
		snprintf(c->reason, sizeof(c->reason), "%s", reason);
	}
	sh->reported += q->reported;
	c->positive = pass;
	if (sh->r->p.mpic != VTG_MPIC_OFF && primary_pass)
		c->corroborated = q->corroborated;
	if (pass)
		sh->permits++;
	else
		sh->denies++;
	if (code == VTG_REASON_DCV_LOOKUP_FAILURE)
		sh->failures++;
}

bool vtg__dcv_line_head(struct shard *sh, struct check *c)
{
	struct vtg_json *j = &c->line;
	vtg__json_obj_begin(j);
	vtg__json_key(j, "name");
	vtg__json_strn(j, c->input, strnlen(c->input, c->input_len));
	vtg__json_kstr(j, "method", vtg__dcv_method_str(c->dcv.method));
	c->corroborated = -1;
	if (c->name_rc == 0)
		return false;
	sh->invalid++;
	sh->denies++;
	c->positive = false;
	c->reason_code = VTG_REASON_DCV_INVALID;
	snprintf(c->reason, sizeof(c->reason), "%s", c->nm.why);
	vtg__json_kstr(j, "result", "fail");
	vtg__json_kstr(j, "reason", c->nm.why);
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
	return true;
}

static void dcv_line(struct shard *sh, struct check *c, const struct vtg_agg_check *ck)
{
	const struct vtg_run *r = sh->r;
	struct vtg_json *j = &c->line;
	char tb[16], ts[24];
	if (vtg__dcv_line_head(sh, c))
		return; /* invalid: the whole line */
	const struct vtg_dcv_result *prim = &c->dres[0];
	char rb[320];
	vtg__dcv_settle(sh, c, ck, prim->outcome == VTG_DCV_PASS, reason_code(prim->outcome),
			dcv_reason(prim, rb, sizeof(rb)));
	const char *why = c->reason;
	vtg__json_kstr(j, "ascii_name", c->nm.ascii);
	vtg__json_key(j, "query");
	char qn[VTG_NAME_MAX_CHARS + 8];
	int l = vtg__name_to_text(c->dq, qn, sizeof(qn), false);
	if (l >= 0)
		vtg__json_strn(j, qn, (size_t)l);
	else
		vtg__json_null(j);
	vtg__json_kstr(j, "qtype", vtg__type_str(c->dqtype, tb, sizeof(tb)));
	if (c->expect)
		vtg__json_kstr(j, "expect", c->expect);
	vtg__json_kstr(j, "result", c->positive ? "pass" : "fail");
	vtg__json_kstr(j, "reason", why);
	vtg__json_kstr(j, "seen", prim->seen[0] ? prim->seen : NULL);
	vtg__json_kstr(j, "dnssec", vtg_dnssec_str(prim->dnssec));
	if (vtg__dcv_method_sunsetting(c->dcv.method))
		vtg__json_kstr(j, "sunsetting", "BR 3.2.2.4.14/.16: SHOULD NOT from 2026-03-15, "
				"MUST NOT from 2028-03-15 (SC-090)");
	vtg__rfc3339(c->checked_at, ts);
	vtg__json_kstr(j, "checked_at", ts);
	vtg__json_kstr(j, "decided_by", r->cfg.persp[0].id);
	vtg__run_emit_mpic(r, j, c, ck, prim->outcome == VTG_DCV_PASS);
}

void vtg__dcv_outcome_key(struct vtg_json *j, bool positive)
{
	vtg__json_kstr(j, "result", positive ? "pass" : "fail");
}

void vtg__dcv_interrupted(const struct check *c, struct vtg_json *j)
{
	vtg__json_kstr(j, "method", vtg__dcv_method_str(c->dcv.method));
	vtg__json_kstr(j, "result", "fail");
	vtg__json_kstr(j, "reason", "interrupted");
}

const struct vtg_kind_ops vtg__kind_dcv = {
	.cmd = "dcv",
	.kind = VTG_CHECK_DCV,
	.compare_seen = true,
	.corroborated = true,
	.prepare = dcv_prepare,
	.question = dcv_question,
	.start = dcv_start,
	.stub = NULL,
	.answer = dcv_answer,
	.line = dcv_line,
	.outcome = vtg__dcv_outcome_key,
	.interrupted = vtg__dcv_interrupted,
};
