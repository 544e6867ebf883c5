/*
 * climb.c — RFC 8659 section 3 tree climbing with the BR 3.2.2.8 lookup-
 * failure rule (docs/rules.md sections 4, 5, 9). See climb.h for the contract.
 */
#include <stdio.h>
#include <string.h>

#include "caa/climb.h"

const char *vtg__lookup_fail_str(enum vtg_lookup_fail f)
{
	switch (f) {
	case VTG_FAIL_NONE: return "none";
	case VTG_FAIL_TIMEOUT: return "timeout";
	case VTG_FAIL_SERVFAIL: return "servfail";
	case VTG_FAIL_REFUSED: return "refused";
	case VTG_FAIL_NOTIMP: return "notimp";
	case VTG_FAIL_FORMERR: return "formerr";
	case VTG_FAIL_RCODE: return "error-rcode";
	case VTG_FAIL_MALFORMED: return "malformed-response";
	case VTG_FAIL_TRUNCATED: return "truncated";
	case VTG_FAIL_CNAME_LOOP: return "cname-loop";
	case VTG_FAIL_CHAIN_LIMIT: return "cname-chain-limit";
	case VTG_FAIL_REFERRAL_LIMIT: return "referral-depth-limit";
	case VTG_FAIL_WORK_LIMIT: return "work-limit";
	case VTG_FAIL_TLD_NXDOMAIN: return "tld-nxdomain";
	case VTG_FAIL_LOCAL: return "local-error";
	case VTG_FAIL_TRUNCATED_TCP: return "truncated over tcp";
	case VTG_FAIL_DEADLINE: return "deadline";
	case VTG_FAIL_NO_NAMESERVER: return "no-usable-nameserver";
	case VTG_FAIL_NS_CYCLE: return "nameserver-cycle";
	case VTG_FAIL_UNREACHABLE: return "unreachable: port unreachable";
	case VTG_FAIL_UNREACHABLE_HOST: return "unreachable: host unreachable";
	case VTG_FAIL_UNREACHABLE_NET: return "unreachable: network unreachable";
	}
	return "unknown";
}

void vtg__caa_climb_init(struct vtg_caa_climb *c, const struct vtg_caa_policy *pol,
			 const uint8_t *name, bool wildcard)
{
	c->pol = pol;
	size_t len = vtg__name_len(name);
	memcpy(c->name, name, len);
	c->wildcard = wildcard;
	c->cur = 0;
	c->done = false;
	c->reason = VTG_CAA_NO_CAA;
	c->detail[0] = 0;
	c->relevant_off = -1;
	c->min_ttl = 0;
	c->last = NULL;
	c->dnssec = VTG_DNSSEC_SECURE;
	c->zone_dnssec = VTG_DNSSEC_SECURE;
	c->n_servers = 0;
	c->failure_permitted = false;
	c->why_bogus[0] = '\0';
	c->dnssec_weak = false;
	c->permitted_off = -1;
	memset(&c->proof, 0, sizeof(c->proof));
	c->n_steps = 0;
	/* RFC 8659 3: the root is never queried; a root input has no climb */
	if (name[0] == 0)
		c->done = true;
}

const uint8_t *vtg__caa_climb_next(const struct vtg_caa_climb *c)
{
	return c->done ? NULL : c->name + c->cur;
}

/* Order of weakness for the path summary: bogus < indeterminate < insecure
 * < secure. */
static int strength(enum vtg_dnssec s)
{
	switch (s) {
	case VTG_DNSSEC_BOGUS: return 0;
	case VTG_DNSSEC_INDETERMINATE: return 1;
	case VTG_DNSSEC_INSECURE: return 2;
	case VTG_DNSSEC_SECURE: return 3;
	}
	return 1;
}

static void finish(struct vtg_caa_climb *c, enum vtg_caa_reason r)
{
	c->reason = r;
	c->done = true;
}

static void name_at(const struct vtg_caa_climb *c, size_t off, char *buf, size_t cap)
{
	if (vtg__name_to_text(c->name + off, buf, cap, true) < 0)
		snprintf(buf, cap, "?");
}

/* BR 3.2.2.8: a failure may count as permission only when (1) it is outside
 * the CA's infrastructure, (2) the lookup was retried at least once, and
 * (3) the validator proved the domain Insecure (RFC 4035 4.3): the zone
 * cut's proven status with the proof itself (the failed lookup's own
 * `dnssec` is indeterminate). Indeterminate never qualifies (docs/rules.md
 * section 9). */
static bool exception_applies(const struct vtg_caa_policy *pol,
			      const struct vtg_lookup_answer *a)
{
	return pol->failure_exception && !a->ca_infra && a->tries >= 2 &&
	       vtg__lookup_zone_dnssec(a) == VTG_DNSSEC_INSECURE && a->proof != NULL;
}

/* The index of the answer's server in the climb's table (added when new). */
static uint8_t server_index(struct vtg_caa_climb *c, const struct sockaddr_storage *ss)
{
	if (!ss)
		return VTG_CLIMB_NO_SERVER;
	struct vtg_srv_addr a;
	vtg__srv_addr_set(&a, ss);
	if (a.fam == 0)
		return VTG_CLIMB_NO_SERVER;
	for (unsigned i = 0; i < c->n_servers; i++)
		if (memcmp(&c->servers[i], &a, sizeof(a)) == 0)
			return (uint8_t)i;
	if (c->n_servers >= VTG_CLIMB_MAX_SERVERS)
		return VTG_CLIMB_NO_SERVER;
	c->servers[c->n_servers] = a;
	return (uint8_t)c->n_servers++;
}

const struct vtg_srv_addr *vtg__caa_climb_server(const struct vtg_caa_climb *c, unsigned i)
{
	if (i >= c->n_steps || c->steps[i].server == VTG_CLIMB_NO_SERVER)
		return NULL;
	return &c->servers[c->steps[i].server];
}

void vtg__caa_climb_feed(struct vtg_caa_climb *c, const struct vtg_lookup_answer *a)
{
	if (c->done)
		return;
	char where[VTG_DNS_MAX_TEXT + 2];
	c->last = a;
	enum vtg_lookup_fail fail = a->fail;
	if (fail == VTG_FAIL_NONE && a->rcode != VTG_RCODE_NOERROR &&
	    a->rcode != VTG_RCODE_NXDOMAIN)
		fail = VTG_FAIL_RCODE; /* a backend that forgot to classify */
	if (fail == VTG_FAIL_NONE && a->rcode == VTG_RCODE_NXDOMAIN &&
	    (c->pol->id.compat & VTG_CAA_COMPAT_TLD_NXDOMAIN_FAIL) &&
	    vtg__name_labels(c->name + c->cur) == 1)
		fail = VTG_FAIL_TLD_NXDOMAIN; /* Boulder: refuse removed TLDs */
	/* a failure validated nothing: it never makes the path look secure,
	 * whatever its backend said (the zone's status is zone_dnssec) */
	enum vtg_dnssec ds = vtg__lookup_fail_dnssec(fail, a->dnssec);
	enum vtg_dnssec zs = vtg__lookup_zone_dnssec(a);
	if (c->n_steps < VTG_CLIMB_MAX_STEPS) {
		struct vtg_caa_step *s = &c->steps[c->n_steps++];
		s->name_off = (uint8_t)c->cur;
		s->dnssec = (uint8_t)ds;
		s->zone_dnssec = (uint8_t)zs;
		s->server = server_index(c, a->server);
		s->fail = (uint8_t)a->fail;
		s->tries = (uint8_t)(a->tries > 255 ? 255 : a->tries);
		s->rcode = (uint16_t)a->rcode;
		s->n_rrs = (uint16_t)(a->n_rrs > 65535 ? 65535 : a->n_rrs);
		s->chain_len = (uint8_t)(a->chain_len > 255 ? 255 : a->chain_len);
		s->failure_permitted = false;
		s->latency_ms = (float)a->latency_ms;
	}
	if (strength(ds) < strength(c->dnssec))
		c->dnssec = ds;
	if (strength(zs) < strength(c->zone_dnssec))
		c->zone_dnssec = zs;
	if (a->dnssec_weak)
		c->dnssec_weak = true;
	if (a->dnssec == VTG_DNSSEC_BOGUS)
		snprintf(c->why_bogus, sizeof(c->why_bogus), "%s",
			 a->why_bogus ? a->why_bogus : "validation failed");

	/* Bogus anywhere on the path, alias targets included, denies. */
	if (a->dnssec == VTG_DNSSEC_BOGUS) {
		name_at(c, c->cur, where, sizeof(where));
		snprintf(c->detail, sizeof(c->detail), "%s at %s",
			 a->why_bogus ? a->why_bogus : "validation failed", where);
		finish(c, VTG_CAA_DNSSEC_BOGUS);
		return;
	}

	if (fail != VTG_FAIL_NONE) {
		name_at(c, c->cur, where, sizeof(where));
		if (exception_applies(c->pol, a)) {
			if (!c->failure_permitted) {
				c->failure_permitted = true;
				c->permitted_off = (int)c->cur;
				c->proof = *a->proof;
			}
			c->steps[c->n_steps - 1].failure_permitted = true;
			/* counts as an empty answer at this name: keep climbing */
		} else {
			snprintf(c->detail, sizeof(c->detail), "%s at %s%s",
				 vtg__lookup_fail_str(fail), where,
				 a->tries >= 2 ? "" : " (not retried)");
			finish(c, VTG_CAA_LOOKUP_FAILURE);
			return;
		}
	} else if (a->n_rrs > 0) {
		c->relevant_off = (int)c->cur;
		c->min_ttl = a->rrs[0].ttl;
		for (size_t i = 1; i < a->n_rrs; i++)
			if (a->rrs[i].ttl < c->min_ttl)
				c->min_ttl = a->rrs[i].ttl;
		enum vtg_caa_reason r = vtg__caa_decide(&c->pol->id, c->wildcard,
							 a->rrs, a->n_rrs, c->detail,
							 sizeof(c->detail));
		if (r == VTG_CAA_LOOKUP_FAILURE) {
			/* malformed RDATA in the relevant set (docs/rules.md section 1) */
			c->relevant_off = -1;
		}
		finish(c, r);
		return;
	}

	/* empty here: one label up, never the root (RFC 8659 3) */
	const uint8_t *cur = c->name + c->cur;
	const uint8_t *parent = vtg__name_parent(cur);
	if (parent[0] == 0) {
		if (c->failure_permitted) {
			name_at(c, (size_t)c->permitted_off, where, sizeof(where));
			snprintf(c->detail, sizeof(c->detail),
				 "failure at %s, insecure below %s", where,
				 c->proof.zone_cut);
			finish(c, VTG_CAA_FAILURE_PERMITTED);
		} else {
			finish(c, VTG_CAA_NO_CAA);
		}
		return;
	}
	c->cur = (size_t)(parent - c->name);
}

int vtg__caa_climb_run(struct vtg_caa_climb *c, vtg_lookup_fn fn, void *ctx,
		       struct vtg_lookup_answer *ans)
{
	const uint8_t *q;
	while ((q = vtg__caa_climb_next(c)) != NULL) {
		memset(ans, 0, sizeof(*ans));
		int rc = fn(ctx, q, VTG_TYPE_CAA, ans);
		if (rc < 0) {
			memset(ans, 0, sizeof(*ans));
			ans->fail = VTG_FAIL_LOCAL;
			ans->ca_infra = true;
			ans->rcode = VTG_RCODE_SERVFAIL;
			ans->dnssec = VTG_DNSSEC_INDETERMINATE;
			vtg__caa_climb_feed(c, ans);
			snprintf(c->detail, sizeof(c->detail), "local-error: %s",
				 vtg_strerror(rc));
			return rc;
		}
		vtg__caa_climb_feed(c, ans);
	}
	return 0;
}

const struct vtg_rdata *vtg__caa_climb_rrs(const struct vtg_caa_climb *c, size_t *n)
{
	if (c->relevant_off < 0 || !c->last) {
		*n = 0;
		return NULL;
	}
	*n = c->last->n_rrs;
	return c->last->rrs;
}

uint32_t vtg__caa_climb_min_ttl(const struct vtg_caa_climb *c)
{
	return c->relevant_off >= 0 ? c->min_ttl : 0;
}
