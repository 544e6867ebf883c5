/*
 * decide.c — what one non-empty relevant CAA RRset says about one CA
 * identity (RFC 8659 sections 3, 4.2, 4.3, 4.5; RFC 8657 sections 3-4 and
 * appendix A; BR 3.2.2.8; docs/rules.md sections 1, 5, 6).
 *
 * Order of the rules, each fail-closed:
 *   1. any structurally malformed RDATA => lookup failure (docs/rules.md section 1: the
 *      whole set is suspect; one RR is never silently dropped);
 *   2. any unknown tag with the critical flag => deny (RFC 8659 4.1);
 *   3. the restricting properties are the issuewild ones for a wildcard
 *      request when the set has any, else the issue ones (RFC 8659 4.3);
 *      none => no restriction;
 *   4. a property authorises when its value parses, its issuer is one of
 *      the CA's issuer domain names (exact name, no suffix match), and every
 *      RFC 8657 constraint it carries holds for the request. Properties are
 *      never combined (RFC 8657 appendix A); any one suffices (additive,
 *      RFC 8659 4.2).
 *
 * Invariants: no allocation, no I/O; the RRset is only read. The detail text
 * is empty for a permit and says why for every deny.
 */
#include <stdio.h>
#include <string.h>

#include "common/text.h"
#include "caa/caa.h"

/* RFC 8657 parameter tags; matched case-insensitively ([vantage], docs/rules.md section 6:
 * an "AccountURI=" must not be silently ignored, so fail closed). */
#define PARAM_ACCOUNTURI "accounturi"
#define PARAM_VALIDATIONMETHODS "validationmethods"

/* A tag shown in a detail line is cut here: 15 octets is the RFC 8659 4.1
 * SHOULD; a longer (unknown) tag is still identifiable by its first 63. */
#define DETAIL_TAG_MAX 63

/* Why one property did not authorise, worst news first for the detail:
 * a property that names this CA explains the deny better than one that
 * names somebody else. */
enum prop_verdict {
	PV_PASS = 0,
	PV_MALFORMED,      /* value breaks RFC 8659 4.2: empty issuer */
	PV_EMPTY,          /* no issuer: nobody may issue */
	PV_OTHER_ISSUER,   /* names another CA */
	PV_ACCT_DUP,       /* two accounturi parameters (docs/rules.md section 6) */
	PV_ACCT_NONE,      /* accounturi present, request has no account */
	PV_ACCT_MISMATCH,
	PV_VM_DUP,         /* two validationmethods parameters (docs/rules.md section 6) */
	PV_VM_INVALID,     /* empty list or a label outside the RFC 8657 4 ABNF */
	PV_VM_NONE,        /* validationmethods present, request has no method */
	PV_VM_EXCLUDES,
};

static uint8_t ascii_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

static bool eq_nocase(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (ascii_lower((uint8_t)a[i]) != ascii_lower((uint8_t)b[i]))
			return false;
	return true;
}

static bool issuer_listed(const struct vtg_caa_identity *id, const char *name,
			  size_t len)
{
	/* BR 3.2.2.8: the issuer domain names the CA discloses (CPS 4.2).
	 * Exact name equality, never a suffix match; ASCII case folded unless
	 * the Boulder byte-exact compat switch is on (docs/rules.md sections 3, 12). */
	bool exact = (id->compat & VTG_CAA_COMPAT_ISSUER_EXACT) != 0;
	for (size_t k = 0; k < id->n_issuers; k++) {
		const char *mine = id->issuers[k];
		if (mine == NULL)
			continue;
		size_t mlen = strlen(mine);
		if (exact ? (mlen == len && memcmp(mine, name, len) == 0)
			  : eq_nocase(mine, mlen, name, len))
			return true;
	}
	return false;
}

static bool is_method_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-';
}

/*
 * RFC 8657 4: value = [*(label ",") label], label = 1*(ALPHA / DIGIT / "-").
 * The whole list must be well formed before any label counts (Boulder does
 * the same); an empty list names no method. Labels compare case-sensitively:
 * ACME method names are exact tokens ("dns-01"), so "DNS-01" does not match
 * (fails closed).
 */
static enum prop_verdict check_methods(const char *v, size_t len,
				       const char *method)
{
	if (len == 0)
		return PV_VM_INVALID;
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && is_method_char((uint8_t)v[i]))
			i++;
		if (i == start)
			return PV_VM_INVALID; /* empty label: ",," or leading "," */
		if (i < len && v[i] != ',')
			return PV_VM_INVALID;
		if (i < len && i + 1 == len)
			return PV_VM_INVALID; /* trailing "," */
		if (i < len)
			i++;
	}
	if (method == NULL)
		return PV_VM_NONE;
	size_t mlen = strlen(method);
	i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && v[i] != ',')
			i++;
		if (i - start == mlen && memcmp(v + start, method, mlen) == 0)
			return PV_PASS;
		i++;
	}
	return PV_VM_EXCLUDES;
}

/* RFC 8659 4.2 issuer match plus the RFC 8657 constraints of one property. */
static enum prop_verdict judge(const struct vtg_caa_identity *id,
			       const struct vtg_caa_prop *p)
{
	struct vtg_caa_issue is;
	/* RFC 8659 4.2: a value outside the grammar is an empty issuer */
	if (vtg__caa_issue_parse(&is, p->value, p->value_len) != 0)
		return PV_MALFORMED;
	if (is.issuer_len == 0)
		return PV_EMPTY;
	if (!issuer_listed(id, is.issuer, is.issuer_len))
		return PV_OTHER_ISSUER;

	const struct vtg_caa_param *acct = NULL, *vm = NULL;
	struct vtg_caa_param prm, acct_p, vm_p;
	unsigned n_acct = 0, n_vm = 0;
	size_t pos = 0;
	while (vtg__caa_param_next(&is, &pos, &prm) == 1) {
		/* Unknown parameters belong to their issuer and are ignored
		 * (RFC 8659 4.2; docs/rules.md section 3). */
		if (eq_nocase(prm.tag, prm.tag_len, PARAM_ACCOUNTURI,
			      strlen(PARAM_ACCOUNTURI))) {
			acct_p = prm;
			acct = &acct_p;
			n_acct++;
		} else if (eq_nocase(prm.tag, prm.tag_len, PARAM_VALIDATIONMETHODS,
				     strlen(PARAM_VALIDATIONMETHODS))) {
			vm_p = prm;
			vm = &vm_p;
			n_vm++;
		}
	}

	/* RFC 8657 3: one accounturi at most; exact string comparison
	 * (RFC 3986 6.2.1); no account from the caller cannot match
	 * (docs/rules.md section 0). */
	if (n_acct > 1)
		return PV_ACCT_DUP;
	if (acct != NULL) {
		if (id->account_uri == NULL)
			return PV_ACCT_NONE;
		if (strlen(id->account_uri) != acct->value_len ||
		    memcmp(id->account_uri, acct->value, acct->value_len) != 0)
			return PV_ACCT_MISMATCH;
	}
	/* RFC 8657 4; a second validationmethods is unsatisfiable (docs/rules.md section 6) */
	if (n_vm > 1)
		return PV_VM_DUP;
	if (vm != NULL)
		return check_methods(vm->value, vm->value_len, id->method);
	return PV_PASS;
}

/* Rank for choosing which failed property explains the deny. */
static int verdict_rank(enum prop_verdict v)
{
	switch (v) {
	case PV_PASS: return 0;
	case PV_EMPTY: return 1;
	case PV_MALFORMED: return 2;
	case PV_OTHER_ISSUER: return 3;
	default: return 4; /* named this CA, failed an RFC 8657 constraint */
	}
}

/* The wire tag for a detail line: printable ASCII kept, the rest \DDD. */
static void tag_text(const struct vtg_caa_prop *p, char *buf, size_t cap)
{
	size_t o = 0;
	size_t n = p->tag_len < DETAIL_TAG_MAX ? p->tag_len : DETAIL_TAG_MAX;
	for (size_t i = 0; i < n && o + 5 <= cap; i++) {
		uint8_t c = p->tag_raw[i];
		if (c > 0x20 && c < 0x7f && c != '\\' && c != '"') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = (char)('0' + c / 100);
			buf[o++] = (char)('0' + c / 10 % 10);
			buf[o++] = (char)('0' + c % 10);
		}
	}
	buf[o] = '\0';
}

static void explain(char *detail, size_t cap, const char *tagname,
		    enum prop_verdict v, const struct vtg_caa_identity *id)
{
	switch (v) {
	case PV_PASS:
		break;
	case PV_MALFORMED:
		vtg__say(detail, cap, "%s: malformed %s value", tagname, tagname);
		break;
	case PV_EMPTY:
		vtg__say(detail, cap, "%s: empty issuer, no CA may issue", tagname);
		break;
	case PV_OTHER_ISSUER:
		vtg__say(detail, cap, "%s: issuer not listed", tagname);
		break;
	case PV_ACCT_DUP:
		vtg__say(detail, cap, "%s: more than one accounturi", tagname);
		break;
	case PV_ACCT_NONE:
		vtg__say(detail, cap, "%s: accounturi required, no account given",
			   tagname);
		break;
	case PV_ACCT_MISMATCH:
		vtg__say(detail, cap, "%s: accounturi mismatch", tagname);
		break;
	case PV_VM_DUP:
		vtg__say(detail, cap, "%s: more than one validationmethods", tagname);
		break;
	case PV_VM_INVALID:
		vtg__say(detail, cap, "%s: malformed validationmethods", tagname);
		break;
	case PV_VM_NONE:
		vtg__say(detail, cap, "%s: validationmethods required, no method given",
			   tagname);
		break;
	case PV_VM_EXCLUDES:
		vtg__say(detail, cap, "%s: validationmethods excludes %s", tagname,
			   id->method);
		break;
	}
}

enum vtg_caa_reason vtg__caa_decide(const struct vtg_caa_identity *id,
				    bool wildcard,
				    const struct vtg_rdata *set, size_t n,
				    char *detail, size_t detail_cap)
{
	struct vtg_caa_prop p;
	if (detail != NULL && detail_cap > 0)
		detail[0] = '\0';

	/* docs/rules.md section 1: one malformed RR poisons the set (fail closed) */
	for (size_t i = 0; i < n; i++) {
		int rc = vtg__caa_prop_parse(&p, set[i].rdata, set[i].len,
					     id->compat, id->recognised);
		if (rc != 0) {
			vtg__say(detail, detail_cap,
				   "malformed-caa-rdata: record %zu of %zu: %s",
				   i + 1, n, vtg_strerror(rc));
			return VTG_CAA_LOOKUP_FAILURE;
		}
	}

	/* RFC 8659 4.1, BR 3.2.2.8: an unrecognised critical tag forbids
	 * issuance; a critical tag vantage recognises (iodef, contactemail,
	 * ...) does not. */
	bool has_wild = false;
	for (size_t i = 0; i < n; i++) {
		(void)vtg__caa_prop_parse(&p, set[i].rdata, set[i].len,
					  id->compat, id->recognised);
		if (p.tag == VTG_CAA_TAG_UNKNOWN && p.critical) {
			char t[DETAIL_TAG_MAX * 4 + 1];
			tag_text(&p, t, sizeof(t));
			vtg__say(detail, detail_cap, "tag=%s", t);
			return VTG_CAA_CRITICAL_UNKNOWN;
		}
		if (p.tag == VTG_CAA_TAG_ISSUEWILD)
			has_wild = true;
	}

	/* RFC 8659 4.3: issuewild is ignored for a non-wildcard name, and
	 * replaces issue for a wildcard one as soon as one is present. */
	enum vtg_caa_tag want = (wildcard && has_wild) ? VTG_CAA_TAG_ISSUEWILD
						       : VTG_CAA_TAG_ISSUE;
	const char *tagname = want == VTG_CAA_TAG_ISSUEWILD ? "issuewild" : "issue";

	size_t n_props = 0;
	enum prop_verdict worst = PV_PASS;
	for (size_t i = 0; i < n; i++) {
		(void)vtg__caa_prop_parse(&p, set[i].rdata, set[i].len,
					  id->compat, id->recognised);
		if (p.tag != want)
			continue;
		n_props++;
		enum prop_verdict v = judge(id, &p);
		if (v == PV_PASS) {
			if (detail != NULL && detail_cap > 0)
				detail[0] = '\0';
			return VTG_CAA_AUTHORIZED;
		}
		/* the first property of the most telling kind explains it */
		if (verdict_rank(v) > verdict_rank(worst))
			worst = v;
	}
	if (n_props == 0)
		return VTG_CAA_NO_RESTRICTION; /* e.g. only iodef (RFC 8659 3) */
	explain(detail, detail_cap, tagname, worst, id);
	return VTG_CAA_NOT_AUTHORIZED;
}
