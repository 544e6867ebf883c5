/*
 * kind_caa.c — the CAA check kind (RFC 8659, BR 3.2.2.8): every perspective
 * climbs the name's tree (caa/climb.h), its lookups going out as engine
 * queries; when a perspective's climb completes its part of the line is
 * rendered at once, while the answer that holds the relevant RRset is still
 * valid. The primary decides; the aggregator's quorum may overrule a
 * permission (enforce: not-corroborated).
 */
#include <stdio.h>
#include <string.h>

#include "runner/evidence.h"
#include "runner/run_int.h"

static void caa_prepare(struct vtg_run *r, struct check *c)
{
	(void)r;
	c->checked_at = time(NULL);
	c->name_rc = vtg__input_name_parse(&c->nm, c->input, c->input_len);
	c->parsed = true;
}

static bool caa_question(const struct check *c, unsigned p, const uint8_t **qname,
			 uint16_t *qtype)
{
	*qname = vtg__caa_climb_next(&c->climb[p]);
	*qtype = VTG_TYPE_CAA;
	return *qname != NULL;
}

static void render_persp(struct shard *sh, struct check *c, unsigned p)
{
	const struct vtg_run *r = sh->r;
	const struct vtg_caa_climb *cl = &c->climb[p];
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__run_frag_head(r, f, p);
	vtg__emit_source(f, r->cfg.persp[p].source);
	vtg__emit_caa_verdict(f, cl);
	vtg__json_key(f, "records");
	if (p == 0) {
		vtg__json_reset(&c->records);
		vtg__emit_caa_records(&c->records, cl);
		vtg__json_raw(f, c->records.buf, c->records.len);
	} else {
		vtg__emit_caa_records(f, cl);
	}
	vtg__json_kstr(f, "dnssec", vtg_dnssec_str(cl->dnssec));
	vtg__json_kstr(f, "zone_dnssec", vtg_dnssec_str(cl->zone_dnssec));
	if (cl->dnssec == VTG_DNSSEC_BOGUS)
		vtg__json_kstr(f, "why_bogus", cl->why_bogus);
	if (cl->dnssec_weak)
		vtg__json_kbool(f, "dnssec_weak", true);
	vtg__json_key(f, "queries");
	vtg__emit_caa_queries(f, cl, true);
	vtg__json_obj_end(f);
}

/* The climb of perspective p is over: its fragment, its vote. */
static void persp_done(struct shard *sh, struct check *c, unsigned p)
{
	const struct vtg_caa_climb *cl = &c->climb[p];
	render_persp(sh, c, p);
	bool answered = cl->reason != VTG_CAA_LOOKUP_FAILURE &&
			cl->reason != VTG_CAA_DNSSEC_BOGUS && cl->reason != VTG_CAA_INVALID_NAME;
	bool positive = vtg_caa_reason_permits(cl->reason);
	if (c->po) {
		const struct vtg_lookup_answer *a = cl->last;
		char why[PERSP_REASON_MAX];
		snprintf(why, sizeof(why), cl->detail[0] ? "%s: %s" : "%s",
			 vtg_caa_reason_str(cl->reason), cl->detail);
		vtg__run_persp_out(sh->r, c, p, answered, positive, cl->dnssec,
				   a ? a->rcode : VTG_RCODE_NONE, a ? a->fail : VTG_FAIL_NONE,
				   a ? a->latency_ms : 0, why);
	}
	vtg__run_vote(sh, c, p, answered, positive, NULL);
}

static void caa_start(struct shard *sh, struct check *c, unsigned p)
{
	vtg__caa_climb_init(&c->climb[p], &c->pol, c->nm.wire, c->nm.wildcard);
	if (!vtg__caa_climb_next(&c->climb[p])) { /* cannot happen for a valid name */
		persp_done(sh, c, p);
		return;
	}
	vtg__run_ask(sh, c, p);
}

static void caa_answer(struct shard *sh, struct check *c, unsigned p,
		       const struct vtg_lookup_answer *a)
{
	struct vtg_caa_climb *cl = &c->climb[p];
	vtg__caa_climb_feed(cl, a);
	if (vtg__caa_climb_next(cl)) {
		if (vtg__run_decided(sh, c)) { /* decided without it: stop climbing */
			vtg__run_vote(sh, c, p, false, false, NULL);
			return;
		}
		vtg__run_ask(sh, c, p);
		return;
	}
	persp_done(sh, c, p);
}

static void caa_line(struct shard *sh, struct check *c, const struct vtg_agg_check *ck)
{
	const struct vtg_run *r = sh->r;
	struct vtg_json *j = &c->line;
	c->corroborated = -1;
	if (c->name_rc != 0) {
		sh->invalid++;
		sh->denies++;
		c->positive = false;
		c->reason_code = VTG_CAA_INVALID_NAME;
		snprintf(c->reason, sizeof(c->reason), "%s: %s", vtg_caa_reason_str(VTG_CAA_INVALID_NAME),
			 c->nm.why); /* as the line says it */
		vtg__emit_invalid(j, c->input, c->input_len, &c->nm);
		return;
	}
	const struct vtg_caa_climb *prim = &c->climb[0];
	const struct vtg_quorum_result *q = &ck->q;
	enum vtg_caa_reason reason = prim->reason;
	const char *detail = prim->detail;
	bool primary_permits = vtg_caa_reason_permits(prim->reason);
	/* the aggregator applied the mode: enforce overrules a permission the
	 * remotes did not corroborate, report-only only reports it */
	if (primary_permits && !q->positive) {
		reason = VTG_CAA_NOT_CORROBORATED; /* BR 3.2.2.9 */
		detail = q->why;
		sh->not_corroborated++;
	}
	sh->reported += q->reported;
	c->positive = vtg_caa_reason_permits(reason);
	c->reason_code = (int)reason;
	if (r->p.mpic != VTG_MPIC_OFF && primary_permits)
		c->corroborated = q->corroborated;
	if (detail && *detail)
		snprintf(c->reason, sizeof(c->reason), "%s: %.300s", vtg_caa_reason_str(reason),
			 detail);
	else
		snprintf(c->reason, sizeof(c->reason), "%s", vtg_caa_reason_str(reason));
	if (c->positive)
		sh->permits++;
	else
		sh->denies++;
	if (prim->reason == VTG_CAA_LOOKUP_FAILURE)
		sh->failures++;
	vtg__emit_caa_head_as(j, c->input, c->input_len, &c->nm, prim, reason, detail);
	vtg__json_key(j, "records");
	vtg__json_raw(j, c->records.buf, c->records.len);
	vtg__emit_caa_tail_as(j, prim, c->checked_at, reason);
	vtg__json_kstr(j, "decided_by", r->cfg.persp[0].id);
	vtg__run_emit_mpic(r, j, c, ck, primary_permits);
}

static void caa_outcome(struct vtg_json *j, bool positive)
{
	vtg__json_kstr(j, "decision", positive ? "permit" : "deny");
}

static void caa_interrupted(const struct check *c, struct vtg_json *j)
{
	(void)c;
	vtg__json_kstr(j, "ascii_name", NULL);
	vtg__json_kstr(j, "decision", "deny");
	vtg__json_kstr(j, "reason", "interrupted");
	vtg__json_kstr(j, "relevant_owner", NULL);
	vtg__json_key(j, "records");
	vtg__json_arr_begin(j);
	vtg__json_arr_end(j);
}

const struct vtg_kind_ops vtg__kind_caa = {
	.cmd = "caa",
	.kind = VTG_CHECK_CAA,
	.compare_seen = false,
	.corroborated = true,
	.prepare = caa_prepare,
	.question = caa_question,
	.start = caa_start,
	.stub = NULL,
	.answer = caa_answer,
	.line = caa_line,
	.outcome = caa_outcome,
	.interrupted = caa_interrupted,
};
