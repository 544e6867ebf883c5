/*
 * evidence.c — pieces of the JSON evidence line of a CAA check (BR 5.4.1:
 * what was asked, what came back, the decision and why), shared by the
 * runner's CAA kind and `vantage eval`.
 */
#include <string.h>
#include <time.h>

#include "caa/caa.h"
#include "runner/evidence.h"
#include "resolver/wire.h"

#define CAA_VALID_MIN_S (8 * 3600) /* BR 3.2.2.8: max(TTL, 8 hours) */
/* \DDD per octet for a 65535-octet RDATA, plus flags, tag and quotes */
#define RR_TEXT_MAX (4 * 65536 + 64)

void vtg__rfc3339(time_t t, char *buf)
{
	/* a bulk run formats the same second thousands of times: keep the
	 * last two per thread (checked_at and valid_until alternate) */
	static __thread time_t last_t[2] = {-1, -1};
	static __thread char last_s[2][21];
	for (int k = 0; k < 2; k++)
		if (last_t[k] == t) {
			memcpy(buf, last_s[k], 21);
			return;
		}
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
	int k = last_t[0] <= last_t[1] ? 0 : 1; /* replace the older (or unused) */
	last_t[k] = t;
	memcpy(last_s[k], buf, 21);
}

static void emit_name(struct vtg_json *j, const uint8_t *wire)
{
	char text[VTG_DNS_MAX_TEXT + 8];
	if (vtg__name_to_text(wire, text, sizeof(text), true) < 0)
		vtg__json_null(j);
	else
		vtg__json_str(j, text);
}

static void emit_reason(struct vtg_json *j, enum vtg_caa_reason r, const char *detail)
{
	const char *code = vtg_caa_reason_str(r);
	if (!detail || !*detail) {
		vtg__json_kstr(j, "reason", code);
		return;
	}
	char buf[800];
	size_t cl = strlen(code), dl = strnlen(detail, sizeof(buf) - cl - 3);
	memcpy(buf, code, cl);
	memcpy(buf + cl, ": ", 2);
	memcpy(buf + cl + 2, detail, dl);
	vtg__json_key(j, "reason");
	vtg__json_strn(j, buf, cl + 2 + dl);
}

void vtg__emit_invalid(struct vtg_json *j, const char *input, size_t input_len,
		       const struct vtg_input_name *nm)
{
	vtg__json_obj_begin(j);
	vtg__json_key(j, "name");
	vtg__json_strn(j, input, input_len);
	vtg__json_key(j, "ascii_name");
	vtg__json_null(j);
	vtg__json_kstr(j, "decision", "deny");
	emit_reason(j, VTG_CAA_INVALID_NAME, nm->why);
	vtg__json_key(j, "relevant_owner");
	vtg__json_null(j);
	vtg__json_key(j, "records");
	vtg__json_arr_begin(j);
	vtg__json_arr_end(j);
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
}

void vtg__emit_caa_head(struct vtg_json *j, const char *input, size_t input_len,
			const struct vtg_input_name *nm, const struct vtg_caa_climb *c)
{
	vtg__emit_caa_head_as(j, input, input_len, nm, c, c->reason, c->detail);
}

void vtg__emit_caa_head_as(struct vtg_json *j, const char *input, size_t input_len,
			   const struct vtg_input_name *nm, const struct vtg_caa_climb *c,
			   enum vtg_caa_reason reason, const char *detail)
{
	vtg__json_obj_begin(j);
	vtg__json_key(j, "name");
	vtg__json_strn(j, input, input_len);
	vtg__json_kstr(j, "ascii_name", nm->ascii);
	vtg__json_kbool(j, "wildcard", nm->wildcard);
	vtg__json_kstr(j, "decision", vtg_caa_reason_permits(reason) ? "permit" : "deny");
	emit_reason(j, reason, detail);
	vtg__json_key(j, "relevant_owner");
	if (c->relevant_off >= 0)
		emit_name(j, c->name + c->relevant_off);
	else
		vtg__json_null(j);
}

void vtg__emit_caa_verdict(struct vtg_json *j, const struct vtg_caa_climb *c)
{
	bool permit = vtg_caa_reason_permits(c->reason);
	vtg__json_kstr(j, "decision", permit ? "permit" : "deny");
	emit_reason(j, c->reason, c->detail);
	vtg__json_key(j, "relevant_owner");
	if (c->relevant_off >= 0)
		emit_name(j, c->name + c->relevant_off);
	else
		vtg__json_null(j);
}

void vtg__emit_caa_records(struct vtg_json *j, const struct vtg_caa_climb *c)
{
	static _Thread_local char rrtext[RR_TEXT_MAX];
	vtg__json_arr_begin(j);
	size_t n;
	const struct vtg_rdata *rr = vtg__caa_climb_rrs(c, &n);
	for (size_t i = 0; i < n; i++) {
		int l = vtg__caa_rdata_to_text(rr[i].rdata, rr[i].len, rrtext,
					       sizeof(rrtext));
		if (l < 0)
			vtg__json_null(j);
		else
			vtg__json_strn(j, rrtext, (size_t)l);
	}
	vtg__json_arr_end(j);
}

void vtg__emit_caa_tail(struct vtg_json *j, const struct vtg_caa_climb *c,
			time_t checked_at)
{
	vtg__emit_caa_tail_as(j, c, checked_at, c->reason);
}

void vtg__emit_caa_tail_as(struct vtg_json *j, const struct vtg_caa_climb *c,
			   time_t checked_at, enum vtg_caa_reason reason)
{
	char ts[24];
	vtg__json_kstr(j, "dnssec", vtg_dnssec_str(c->dnssec));
	vtg__json_kstr(j, "zone_dnssec", vtg_dnssec_str(c->zone_dnssec));
	vtg__rfc3339(checked_at, ts);
	vtg__json_kstr(j, "checked_at", ts);
	vtg__json_key(j, "valid_until");
	if (!vtg_caa_reason_permits(reason) && reason != VTG_CAA_NOT_AUTHORIZED &&
	    reason != VTG_CAA_CRITICAL_UNKNOWN) {
		vtg__json_null(j); /* nothing to rely on after a failure */
	} else {
		uint32_t ttl = vtg__caa_climb_min_ttl(c);
		time_t until = checked_at + (ttl > CAA_VALID_MIN_S ? ttl : CAA_VALID_MIN_S);
		vtg__rfc3339(until, ts);
		vtg__json_str(j, ts);
	}
	if (c->failure_permitted) {
		vtg__json_key(j, "failure_permitted");
		vtg__json_obj_begin(j);
		vtg__json_key(j, "at");
		emit_name(j, c->name + c->permitted_off);
		vtg__json_kstr(j, "zone_cut", c->proof.zone_cut);
		vtg__json_kstr(j, "denial_owner", c->proof.denial_owner);
		char tb[16];
		vtg__json_kstr(j, "denial_type", vtg__type_str(c->proof.denial_type, tb, sizeof(tb)));
		vtg__json_obj_end(j);
	}
}

/* "ADDR:PORT" of the server that answered, or null. */
static void emit_server(struct vtg_json *j, const struct vtg_srv_addr *a)
{
	char buf[64];
	int l = a ? vtg__srv_addr_text(a, buf, sizeof(buf)) : -1;
	if (l < 0)
		vtg__json_null(j);
	else
		vtg__json_strn(j, buf, (size_t)l);
}

void vtg__emit_source(struct vtg_json *j, const char *configured)
{
	vtg__json_kstr(j, "source", configured && *configured ? configured : NULL);
}

void vtg__emit_server(struct vtg_json *j, const struct sockaddr_storage *ss)
{
	struct vtg_srv_addr a;
	vtg__srv_addr_set(&a, ss);
	vtg__json_key(j, "server");
	emit_server(j, &a);
}

void vtg__emit_caa_queries(struct vtg_json *j, const struct vtg_caa_climb *c,
			   bool with_latency)
{
	vtg__json_arr_begin(j);
	for (unsigned i = 0; i < c->n_steps; i++) {
		const struct vtg_caa_step *s = &c->steps[i];
		vtg__json_obj_begin(j);
		vtg__json_key(j, "qname");
		emit_name(j, c->name + s->name_off);
		if (s->rcode == VTG_RCODE_NONE)
			vtg__json_kstr(j, "rcode", NULL);
		else
			vtg__json_kstr(j, "rcode", vtg__rcode_str(s->rcode));
		vtg__json_kint(j, "answers", s->n_rrs);
		if (s->chain_len)
			vtg__json_kint(j, "aliases", s->chain_len);
		if (s->fail)
			vtg__json_kstr(j, "failure", vtg__lookup_fail_str(s->fail));
		if (s->failure_permitted)
			vtg__json_kbool(j, "failure_permitted", true);
		vtg__json_kstr(j, "dnssec", vtg_dnssec_str(s->dnssec));
		vtg__json_kstr(j, "zone_dnssec", vtg_dnssec_str(s->zone_dnssec));
		vtg__json_key(j, "server");
		emit_server(j, vtg__caa_climb_server(c, i));
		vtg__json_kint(j, "tries", s->tries);
		if (with_latency) {
			vtg__json_key(j, "latency_ms");
			vtg__json_fixed(j, s->latency_ms, 3);
		}
		vtg__json_obj_end(j);
	}
	vtg__json_arr_end(j);
}

void vtg__emit_caa(struct vtg_json *j, const char *input, size_t input_len,
		   int name_rc, const struct vtg_input_name *nm,
		   const struct vtg_caa_climb *c, time_t checked_at)
{
	if (name_rc != 0) {
		vtg__emit_invalid(j, input, input_len, nm);
		return;
	}
	vtg__emit_caa_head(j, input, input_len, nm, c);
	vtg__json_key(j, "records");
	vtg__emit_caa_records(j, c);
	vtg__emit_caa_tail(j, c, checked_at);
	vtg__json_key(j, "queries");
	vtg__emit_caa_queries(j, c, false);
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
}
