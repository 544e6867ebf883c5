/*
 * common.c — input iteration, option lists and the JSON rendering of a CAA
 * result shared by the subcommands. Output field conventions: SPEC.md
 * section 0 (one object per input, in order; `name` echoes the input,
 * `ascii_name` is the A-label form; records in presentation form).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "caa/caa.h"
#include "cli/cli.h"
#include "common/alloc.h"
#include "resolver/wire.h"

#define CAA_VALID_MIN_S (8 * 3600) /* BR 3.2.2.8: max(TTL, 8 hours) */
/* \DDD per octet for a 65535-octet RDATA, plus flags, tag and quotes */
#define RR_TEXT_MAX (4 * 65536 + 64)

void vtg__input_init(struct vtg_input *in, char **argv, int first, int argc)
{
	memset(in, 0, sizeof(*in));
	in->argv = argv;
	in->i = first;
	in->argc = argc;
	in->in = first < argc ? NULL : stdin;
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && ((*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r' ||
			  (*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
	while (*n > 0 && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
		(*s)++;
		(*n)--;
	}
}

int vtg__input_next(struct vtg_input *in, const char **s, size_t *n)
{
	if (!in->in) {
		if (in->i >= in->argc)
			return 0;
		*s = in->argv[in->i++];
		*n = strlen(*s);
		trim(s, n);
		return 1;
	}
	ssize_t r = getline(&in->line, &in->cap, in->in);
	if (r < 0)
		return 0;
	*s = in->line;
	*n = (size_t)r;
	trim(s, n);
	return 1;
}

void vtg__input_deinit(struct vtg_input *in)
{
	free(in->line); /* allocated by getline() */
	in->line = NULL;
}

int vtg__split_issuers(const char *arg, char ***out)
{
	size_t cnt = 1;
	for (const char *p = arg; *p; p++)
		if (*p == ',')
			cnt++;
	char **v = vtg__calloc(cnt + 1, sizeof(char *));
	if (!v)
		return -1;
	int n = 0;
	const char *p = arg;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len > 0 && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len > 0 && p[len - 1] == '.')
			len--; /* issuer names never carry the trailing dot */
		if (len > 0) {
			char *d = vtg__strndup(p, len);
			if (!d)
				return -1;
			for (size_t k = 0; k < len; k++)
				d[k] = (char)tolower((unsigned char)d[k]);
			v[n++] = d;
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (n == 0) {
		fprintf(stderr, "vantage: --ca needs at least one issuer domain name\n");
		vtg__free(v);
		return -1;
	}
	*out = v;
	return n;
}

/* Walk a comma list, calling fn per item; -1 on an unknown item. */
static int each_item(const char *arg, int (*fn)(const char *, size_t, unsigned *),
		     unsigned *acc)
{
	const char *p = arg;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > 0 && fn(p, len, acc) != 0)
			return -1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static bool item_is(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(p, word, len) == 0;
}

static int compat_item(const char *p, size_t len, unsigned *acc)
{
	if (item_is(p, len, "flag1-critical"))
		*acc |= VTG_CAA_COMPAT_FLAG1_CRITICAL;
	else if (item_is(p, len, "issuer-exact-case"))
		*acc |= VTG_CAA_COMPAT_ISSUER_EXACT;
	else if (item_is(p, len, "tld-nxdomain-error"))
		*acc |= VTG_CAA_COMPAT_TLD_NXDOMAIN_FAIL;
	else if (item_is(p, len, "boulder"))
		*acc |= VTG_CAA_COMPAT_FLAG1_CRITICAL | VTG_CAA_COMPAT_ISSUER_EXACT |
			VTG_CAA_COMPAT_TLD_NXDOMAIN_FAIL;
	else {
		fprintf(stderr, "vantage: unknown --compat item '%.*s' (flag1-critical, "
			"issuer-exact-case, tld-nxdomain-error, boulder)\n", (int)len, p);
		return -1;
	}
	return 0;
}

int vtg__parse_compat(const char *arg, unsigned *compat)
{
	return each_item(arg, compat_item, compat);
}

static int tag_item(const char *p, size_t len, unsigned *acc)
{
	static const struct { const char *name; enum vtg_caa_tag tag; } tags[] = {
		{"issue", VTG_CAA_TAG_ISSUE}, {"issuewild", VTG_CAA_TAG_ISSUEWILD},
		{"iodef", VTG_CAA_TAG_IODEF}, {"issuemail", VTG_CAA_TAG_ISSUEMAIL},
		{"issuevmc", VTG_CAA_TAG_ISSUEVMC},
		{"contactemail", VTG_CAA_TAG_CONTACTEMAIL},
		{"contactphone", VTG_CAA_TAG_CONTACTPHONE},
	};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (item_is(p, len, tags[i].name)) {
			*acc |= 1u << tags[i].tag;
			return 0;
		}
	fprintf(stderr, "vantage: --recognised-tags: '%.*s' is not a tag vantage "
		"implements\n", (int)len, p);
	return -1;
}

int vtg__parse_recognised(const char *arg, unsigned *mask)
{
	*mask = 0;
	if (each_item(arg, tag_item, mask) != 0)
		return -1;
	/* issue and issuewild are mandatory to process (BR 3.2.2.8) */
	*mask |= (1u << VTG_CAA_TAG_ISSUE) | (1u << VTG_CAA_TAG_ISSUEWILD);
	return 0;
}

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
