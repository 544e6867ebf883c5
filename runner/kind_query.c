/*
 * kind_query.c — the plain query kind: one question (any type, class IN)
 * per perspective. A stub-mode perspective reports the response as it came
 * (rcode, flags, answer section); an iterative one the validated RRset at
 * the end of the alias chain. Nothing is corroborated. For the API the
 * primary's records are also kept in wire and presentation form.
 */
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "runner/evidence.h"
#include "runner/present.h"
#include "runner/run_int.h"

/* Any octet outside ASCII: a U-label to convert (IDNA, as caa does). */
static bool has_non_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

static void query_prepare(struct vtg_run *r, struct check *c)
{
	(void)r;
	c->checked_at = time(NULL);
	c->parsed = true;
	c->name_rc = 0;
	if (has_non_ascii(c->input, c->input_len)) {
		/* the same IDN conversion as a CAA name (UTS #46, A-labels);
		 * ASCII names stay as given (underscores, any label) */
		c->name_rc = vtg__input_name_parse(&c->nm, c->input, c->input_len);
		if (c->name_rc == 0 && !c->nm.wildcard) {
			memcpy(c->qwire, c->nm.wire, c->nm.wire_len);
			return;
		}
		char why[sizeof(c->nm.why)];
		snprintf(why, sizeof(why), "%s", c->nm.wildcard ? "wildcard" : c->nm.why);
		c->name_rc = c->name_rc ? c->name_rc : VTG_ENAME_WILDCARD;
		snprintf(c->nm.why, sizeof(c->nm.why), "invalid-name: %.100s", why);
		return;
	}
	int l = c->input_len > 0 && c->input_len < 1024
			? vtg__name_from_text(c->qwire, c->input, c->input_len)
			: VTG_EWIRE_NAME_SYNTAX;
	if (l < 0) {
		c->name_rc = l;
		snprintf(c->nm.why, sizeof(c->nm.why), "invalid-name: %s", vtg_strerror(l));
	}
}

static bool query_question(const struct check *c, unsigned p, const uint8_t **qname,
			   uint16_t *qtype)
{
	(void)p;
	*qname = c->qwire;
	*qtype = c->qtype;
	return true;
}

static void query_start(struct shard *sh, struct check *c, unsigned p)
{
	vtg__run_ask(sh, c, p);
}

/* The packed form of one record (API): this header, the owner text and
 * its NUL, the RDATA, the presentation text and its NUL. */
struct rec_head {
	uint16_t type, rclass, rdlen, owner_len;
	uint32_t ttl, text_len;
};

/* The owner in presentation form with its trailing dot. */
static int owner_text(const uint8_t *owner, char *out, size_t cap)
{
	int l = vtg__name_to_text(owner, out, cap - 1, false);
	if (l < 0)
		return l;
	if (l == 0 || out[l - 1] != '.') {
		out[l++] = '.';
		out[l] = 0;
	}
	return l;
}

static void rec_add(struct check *c, const uint8_t *owner, uint16_t type, uint16_t rclass,
		    uint32_t ttl, const uint8_t *rd, uint16_t rdlen, const char *text, size_t tl)
{
	char on[VTG_DNS_MAX_TEXT + 8];
	int ol = owner_text(owner, on, sizeof(on));
	if (ol < 0)
		return;
	/* the record's text as the evidence line has it, with the owner
	 * fully qualified: "owner. TTL IN TYPE rdata" */
	const char *rest = memchr(text, ' ', tl);
	size_t rl = rest ? tl - (size_t)(rest - text) : 0;
	size_t xl = (size_t)ol + rl;
	struct rec_head h = {type, rclass, rdlen, (uint16_t)ol, ttl, (uint32_t)xl};
	size_t need = c->rec_len + sizeof(h) + (size_t)ol + 1 + rdlen + xl + 1;
	if (need > c->rec_cap) { /* grows to the largest answer seen, then stays */
		size_t cap = c->rec_cap ? c->rec_cap : 1024;
		while (cap < need)
			cap *= 2;
		uint8_t *n = vtg__realloc(c->rec, cap);
		if (!n)
			return; /* the record is left out; the JSON line still has it */
		c->rec = n;
		c->rec_cap = cap;
	}
	uint8_t *o = c->rec + c->rec_len;
	memcpy(o, &h, sizeof(h));
	o += sizeof(h);
	memcpy(o, on, (size_t)ol + 1);
	o += ol + 1;
	memcpy(o, rd, rdlen);
	o += rdlen;
	memcpy(o, on, (size_t)ol);
	if (rl)
		memcpy(o + ol, rest, rl);
	o[xl] = 0;
	c->rec_len = need;
	c->n_rec++;
}

/* Unpack the first n records kept for the completion. */
void vtg__run_records(const struct check *c, struct vtg_record *out, unsigned n)
{
	const uint8_t *o = c->rec;
	for (unsigned i = 0; i < n; i++) {
		struct rec_head h;
		memcpy(&h, o, sizeof(h));
		o += sizeof(h);
		out[i].owner = (const char *)o;
		o += h.owner_len + 1;
		out[i].type = h.type;
		out[i].rclass = h.rclass;
		out[i].ttl = h.ttl;
		out[i].rdata = o;
		out[i].rdlen = h.rdlen;
		o += h.rdlen;
		out[i].text = (const char *)o;
		o += h.text_len + 1;
	}
}

static void flags_json(struct vtg_json *f, uint16_t flags)
{
	static const struct { uint16_t bit; const char *name; } fl[] = {
		{VTG_FLAG_QR, "qr"}, {VTG_FLAG_AA, "aa"}, {VTG_FLAG_TC, "tc"},
		{VTG_FLAG_RD, "rd"}, {VTG_FLAG_RA, "ra"}, {VTG_FLAG_AD, "ad"},
		{VTG_FLAG_CD, "cd"},
	};
	vtg__json_key(f, "flags");
	vtg__json_arr_begin(f);
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (flags & fl[i].bit)
			vtg__json_str(f, fl[i].name);
	vtg__json_arr_end(f);
}

/* The answer section as the response had it; the primary's records kept
 * for the API. */
static void answers_json(struct shard *sh, struct check *c, unsigned p, struct vtg_json *f,
			 const struct vtg_msg *m)
{
	uint8_t rd[VTG_RDATA_NAMES_MAX];
	vtg__json_key(f, "answers");
	vtg__json_arr_begin(f);
	struct vtg_rr_iter it;
	struct vtg_rr rr;
	vtg__rr_iter_init(&it, m, VTG_SEC_ANSWER);
	while (vtg__rr_iter_next(&it, &rr) == 1) {
		int l = vtg__rr_to_text(m, &rr, sh->rrtext, RRTEXT_CAP);
		if (l < 0)
			continue;
		vtg__json_strn(f, sh->rrtext, (size_t)l);
		if (!c->po || p != 0)
			continue;
		const uint8_t *w = rr.rdata;
		int wl = rr.rdlen;
		if (vtg__rdata_has_names(rr.type)) {
			wl = vtg__rdata_uncompress(m, &rr, rd, sizeof(rd));
			w = rd;
		}
		if (wl >= 0)
			rec_add(c, rr.owner, rr.type, rr.rclass, rr.ttl, w, (uint16_t)wl,
				sh->rrtext, (size_t)l);
	}
	vtg__json_arr_end(f);
}

static void query_stub(struct shard *sh, struct check *c, unsigned p,
		       const struct vtg_qresult *res)
{
	struct vtg_json *f = &c->frag[p];
	unsigned rcode = VTG_RCODE_NONE;
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__json_kstr(f, "perspective", sh->r->cfg.persp[p].id);
	vtg__emit_source(f, sh->r->cfg.persp[p].source);
	/* the DNSSEC state as the stub reads it (AD, or the resolver's
	 * extended error for a bogus answer) */
	struct vtg_lookup_answer a;
	memset(&a, 0, sizeof(a));
	if (res->fail == VTG_FAIL_NONE)
		vtg__stub_dnssec(res->msg, &a); /* no record parsing: the lines have them */
	else
		a.dnssec = VTG_DNSSEC_INDETERMINATE; /* nothing was seen */
	if (res->fail == VTG_FAIL_NONE) {
		const struct vtg_msg *m = res->msg;
		rcode = vtg__msg_rcode(m);
		vtg__json_kstr(f, "rcode", vtg__rcode_str(rcode));
		flags_json(f, m->flags);
		answers_json(sh, c, p, f, m);
	} else {
		vtg__json_kstr(f, "rcode", NULL);
		vtg__json_kstr(f, "error", vtg__lookup_fail_str(res->fail));
		vtg__json_key(f, "answers");
		vtg__json_arr_begin(f);
		vtg__json_arr_end(f);
	}
	vtg__json_kstr(f, "dnssec", vtg_dnssec_str(a.dnssec));
	vtg__json_kstr(f, "zone_dnssec", vtg_dnssec_str(vtg__lookup_zone_dnssec(&a)));
	vtg__emit_server(f, res->server);
	vtg__json_kbool(f, "tcp", res->tcp);
	vtg__json_kint(f, "tries", res->tries);
	vtg__json_key(f, "latency_ms");
	vtg__json_fixed(f, res->latency_ms, 3);
	vtg__json_obj_end(f);
	bool ok = res->fail == VTG_FAIL_NONE;
	if (!ok && p == 0)
		sh->failures++;
	if (c->po) {
		vtg__run_persp_out(sh->r, c, p, ok, ok, a.dnssec, rcode, res->fail,
				   res->latency_ms,
				   ok ? vtg__rcode_str(rcode) : vtg__lookup_fail_str(res->fail));
		if (a.dnssec == VTG_DNSSEC_BOGUS && a.why_bogus)
			snprintf(c->po[p].why_bogus, sizeof(c->po[p].why_bogus), "%s", a.why_bogus);
	}
	vtg__run_vote(sh, c, p, ok, ok, NULL);
}

/* An iterative perspective's answer, in the same shape as a response's. */
static void query_answer(struct shard *sh, struct check *c, unsigned p,
			 const struct vtg_lookup_answer *a)
{
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__json_kstr(f, "perspective", sh->r->cfg.persp[p].id);
	vtg__emit_source(f, sh->r->cfg.persp[p].source);
	unsigned rcode = a->rcode == VTG_RCODE_NONE ? VTG_RCODE_NOERROR : a->rcode;
	if (a->fail == VTG_FAIL_NONE) {
		vtg__json_kstr(f, "rcode", vtg__rcode_str(rcode));
		flags_json(f, a->dnssec == VTG_DNSSEC_SECURE ? VTG_FLAG_AD : 0); /* validated here */
		vtg__json_key(f, "answers");
		vtg__json_arr_begin(f);
		const uint8_t *owner = a->target ? a->target : c->qwire;
		for (size_t i = 0; i < a->n_rrs; i++) {
			int l = vtg__rdata_rr_text(owner, c->qtype, &a->rrs[i], sh->rrtext,
						   RRTEXT_CAP);
			if (l < 0)
				continue;
			vtg__json_strn(f, sh->rrtext, (size_t)l);
			if (c->po && p == 0)
				rec_add(c, owner, c->qtype, 1, a->rrs[i].ttl, a->rrs[i].rdata,
					a->rrs[i].len, sh->rrtext, (size_t)l);
		}
		vtg__json_arr_end(f);
	} else {
		rcode = a->rcode;
		vtg__json_kstr(f, "rcode", a->rcode == VTG_RCODE_NONE ? NULL
								     : vtg__rcode_str(a->rcode));
		vtg__json_kstr(f, "error", vtg__lookup_fail_str(a->fail));
		vtg__json_key(f, "answers");
		vtg__json_arr_begin(f);
		vtg__json_arr_end(f);
	}
	vtg__json_kstr(f, "dnssec", vtg_dnssec_str(a->dnssec));
	vtg__json_kstr(f, "zone_dnssec", vtg_dnssec_str(vtg__lookup_zone_dnssec(a)));
	if (a->dnssec == VTG_DNSSEC_BOGUS && a->why_bogus)
		vtg__json_kstr(f, "why_bogus", a->why_bogus);
	vtg__emit_server(f, a->server);
	vtg__json_kint(f, "tries", a->tries);
	vtg__json_key(f, "latency_ms");
	vtg__json_fixed(f, a->latency_ms, 3);
	vtg__json_obj_end(f);
	bool ok = a->fail == VTG_FAIL_NONE;
	if (!ok && p == 0)
		sh->failures++;
	if (c->po) {
		vtg__run_persp_out(sh->r, c, p, ok, ok, a->dnssec, rcode, a->fail, a->latency_ms,
				   ok ? vtg__rcode_str(rcode) : vtg__lookup_fail_str(a->fail));
		if (a->dnssec == VTG_DNSSEC_BOGUS && a->why_bogus)
			snprintf(c->po[p].why_bogus, sizeof(c->po[p].why_bogus), "%s", a->why_bogus);
	}
	vtg__run_vote(sh, c, p, ok, ok, NULL);
}

static void query_line(struct shard *sh, struct check *c, const struct vtg_agg_check *ck)
{
	const struct vtg_run *r = sh->r;
	struct vtg_json *j = &c->line;
	char tb[16];
	c->corroborated = -1;
	vtg__json_obj_begin(j);
	vtg__json_key(j, "name");
	vtg__json_strn(j, c->input, c->input_len);
	vtg__json_kstr(j, "type", vtg__type_str(c->qtype, tb, sizeof(tb)));
	if (c->name_rc != 0) {
		sh->invalid++;
		c->positive = false;
		c->reason_code = VTG_REASON_INVALID_NAME;
		snprintf(c->reason, sizeof(c->reason), "%s", c->nm.why);
		vtg__json_kstr(j, "rcode", NULL);
		vtg__json_kstr(j, "error", c->nm.why);
		vtg__json_key(j, "answers");
		vtg__json_arr_begin(j);
		vtg__json_arr_end(j);
	} else {
		c->positive = ck->votes[0].answered;
		c->reason_code = c->positive ? VTG_REASON_ANSWERED : VTG_REASON_QUERY_FAILED;
		if (c->po)
			snprintf(c->reason, sizeof(c->reason), "%s: %s",
				 vtg_reason_str(c->reason_code), c->po[0].reason);
		else
			snprintf(c->reason, sizeof(c->reason), "%s",
				 vtg_reason_str(c->reason_code));
		/* the primary's fields at the top level, without its braces */
		const struct vtg_json *f = &c->frag[0];
		vtg__json_raw(j, f->buf + 1, f->len - 2);
		if (r->cfg.n_persp > 1) {
			vtg__json_key(j, "perspectives");
			vtg__json_arr_begin(j);
			for (unsigned p = 0; p < r->cfg.n_persp; p++)
				if (c->mask & (1u << p))
					vtg__json_raw(j, c->frag[p].buf, c->frag[p].len);
			vtg__json_arr_end(j);
		}
	}
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
}

static void query_outcome(struct vtg_json *j, bool positive)
{
	vtg__json_kbool(j, "answered", positive);
}

static void query_interrupted(const struct check *c, struct vtg_json *j)
{
	char tb[16];
	vtg__json_kstr(j, "type", vtg__type_str(c->qtype, tb, sizeof(tb)));
	vtg__json_kstr(j, "rcode", NULL);
	vtg__json_kstr(j, "error", "interrupted");
	vtg__json_key(j, "answers");
	vtg__json_arr_begin(j);
	vtg__json_arr_end(j);
}

const struct vtg_kind_ops vtg__kind_query = {
	.cmd = "query",
	.kind = VTG_CHECK_QUERY,
	.compare_seen = false,
	.corroborated = false,
	.prepare = query_prepare,
	.question = query_question,
	.start = query_start,
	.stub = query_stub,
	.answer = query_answer,
	.line = query_line,
	.outcome = query_outcome,
	.interrupted = query_interrupted,
};
