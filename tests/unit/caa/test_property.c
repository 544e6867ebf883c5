/*
 * test_property.c — CAA RDATA split (RFC 8659 4.1), the issue-value grammar
 * (RFC 8659 4.2, docs/rules.md section 3), parameter iteration and the presentation form
 * (RFC 1035 5.1, RFC 3597 5). Inputs are built byte by byte so every test
 * states exactly what was on the wire; parsers read from exact-size heap
 * copies so ASan catches any read past the end.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caa/caa.h"

#define RD_MAX 2048 /* room for a value well past 255 octets */

/* flags | taglen | tag | value, as RFC 8659 4.1 lays it out */
static size_t mk_n(uint8_t *out, uint8_t flags, const char *tag,
		   const char *value, size_t vlen)
{
	size_t tl = strlen(tag);
	out[0] = flags;
	out[1] = (uint8_t)tl;
	memcpy(out + 2, tag, tl);
	memcpy(out + 2 + tl, value, vlen);
	return 2 + tl + vlen;
}

static size_t mk(uint8_t *out, uint8_t flags, const char *tag, const char *value)
{
	return mk_n(out, flags, tag, value, strlen(value));
}

static uint8_t *exact_copy(const void *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	cr_assert_not_null(p);
	if (len)
		memcpy(p, src, len);
	return p;
}

static int parse(struct vtg_caa_prop *p, uint8_t flags, const char *tag,
		 const char *value, unsigned compat, unsigned recognised)
{
	static uint8_t rd[RD_MAX];
	size_t n = mk(rd, flags, tag, value);
	return vtg__caa_prop_parse(p, rd, n, compat, recognised);
}

/* ---- vtg__caa_prop_parse ---- */

Test(prop_parse, splits_flags_tag_value)
{
	uint8_t rd[64];
	size_t n = mk(rd, 0, "issue", "ca.example");
	struct vtg_caa_prop p;
	cr_assert_eq(vtg__caa_prop_parse(&p, rd, n, 0, 0), 0);
	cr_assert_eq(p.flags, 0);
	cr_assert(!p.critical);
	cr_assert_eq(p.tag, VTG_CAA_TAG_ISSUE);
	cr_assert_eq(p.tag_raw, rd + 2);
	cr_assert_eq(p.tag_len, 5);
	cr_assert_eq(p.value, rd + 7);
	cr_assert_eq(p.value_len, 10);
	cr_assert(memcmp(p.value, "ca.example", 10) == 0);
}

Test(prop_parse, flags_128_is_critical)
{
	struct vtg_caa_prop p;
	cr_assert_eq(parse(&p, 128, "tbs", "Unknown", 0, 0), 0);
	cr_assert(p.critical);
	cr_assert_eq(p.tag, VTG_CAA_TAG_UNKNOWN);
}

Test(prop_parse, flags_130_critical_reserved_bit_ignored)
{
	struct vtg_caa_prop p;
	cr_assert_eq(parse(&p, 130, "issue", "ca.example", 0, 0), 0);
	cr_assert(p.critical);
	cr_assert_eq(p.flags, 130);
	cr_assert_eq(p.tag, VTG_CAA_TAG_ISSUE);
}

Test(prop_parse, flags_1_not_critical_by_default)
{
	/* RFC 8659 4.1: reserved bits are ignored by processors */
	struct vtg_caa_prop p;
	cr_assert_eq(parse(&p, 1, "tbs", "x", 0, 0), 0);
	cr_assert(!p.critical);
}

Test(prop_parse, flags_1_critical_under_boulder_compat)
{
	struct vtg_caa_prop p;
	cr_assert_eq(parse(&p, 1, "tbs", "x", VTG_CAA_COMPAT_FLAG1_CRITICAL, 0), 0);
	cr_assert(p.critical);
	cr_assert_eq(parse(&p, 2, "tbs", "x", VTG_CAA_COMPAT_FLAG1_CRITICAL, 0), 0);
	cr_assert(!p.critical);
}

Test(prop_parse, tag_match_is_case_insensitive)
{
	uint8_t rd[64];
	size_t n = mk(rd, 0, "IsSuE", "ca.example");
	struct vtg_caa_prop p;
	cr_assert_eq(vtg__caa_prop_parse(&p, rd, n, 0, 0), 0);
	cr_assert_eq(p.tag, VTG_CAA_TAG_ISSUE);
	cr_assert(memcmp(p.tag_raw, "IsSuE", 5) == 0, "tag_raw keeps the wire form");
	cr_assert_eq(parse(&p, 0, "ISSUEWILD", ";", 0, 0), 0);
	cr_assert_eq(p.tag, VTG_CAA_TAG_ISSUEWILD);
}

Test(prop_parse, every_recognised_tag)
{
	static const struct { const char *t; enum vtg_caa_tag want; } tab[] = {
		{"issue", VTG_CAA_TAG_ISSUE},
		{"issuewild", VTG_CAA_TAG_ISSUEWILD},
		{"iodef", VTG_CAA_TAG_IODEF},
		{"issuemail", VTG_CAA_TAG_ISSUEMAIL},
		{"issuevmc", VTG_CAA_TAG_ISSUEVMC},
		{"contactemail", VTG_CAA_TAG_CONTACTEMAIL},
		{"contactphone", VTG_CAA_TAG_CONTACTPHONE},
		{"ContactPhone", VTG_CAA_TAG_CONTACTPHONE},
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct vtg_caa_prop p;
		cr_assert_eq(parse(&p, 0, tab[i].t, "v", 0, 0), 0);
		cr_assert_eq(p.tag, tab[i].want, "%s", tab[i].t);
	}
}

Test(prop_parse, reserved_auth_path_policy_are_unknown)
{
	static const char *const tags[] = {"auth", "path", "policy", "tbs", "issuer",
					   "issu", "issuewil"};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		struct vtg_caa_prop p;
		cr_assert_eq(parse(&p, 0, tags[i], "", 0, 0), 0);
		cr_assert_eq(p.tag, VTG_CAA_TAG_UNKNOWN, "%s", tags[i]);
	}
}

Test(prop_parse, hyphenated_tag_is_unknown_not_an_error)
{
	/* RFC 8659 4.1: tags are alphanumeric; [vantage] others are unknown */
	struct vtg_caa_prop p;
	cr_assert_eq(parse(&p, 0, "contact-email", "x@example.com", 0, 0), 0);
	cr_assert_eq(p.tag, VTG_CAA_TAG_UNKNOWN);
	cr_assert_eq(parse(&p, 0, "issue_", "ca.example", 0, 0), 0);
	cr_assert_eq(p.tag, VTG_CAA_TAG_UNKNOWN);
	cr_assert_eq(parse(&p, 0, "is sue", "ca.example", 0, 0), 0);
	cr_assert_eq(p.tag, VTG_CAA_TAG_UNKNOWN);
}

Test(prop_parse, sixteen_octet_tag_is_unknown)
{
	struct vtg_caa_prop p;
	cr_assert_eq(parse(&p, 0, "abcdefghijklmnop", "x", 0, 0), 0);
	cr_assert_eq(p.tag_len, 16);
	cr_assert_eq(p.tag, VTG_CAA_TAG_UNKNOWN);
	cr_assert_eq(parse(&p, 0, "abcdefghijklmno", "x", 0, 0), 0);
	cr_assert_eq(p.tag_len, 15);
	cr_assert_eq(p.tag, VTG_CAA_TAG_UNKNOWN);
}

Test(prop_parse, recognised_mask_filters_tags)
{
	struct vtg_caa_prop p;
	unsigned no_vmc = VTG_CAA_RECOGNISED_DEFAULT & ~(1u << VTG_CAA_TAG_ISSUEVMC);
	cr_assert_eq(parse(&p, 128, "issuevmc", "vmc.example", 0, no_vmc), 0);
	cr_assert_eq(p.tag, VTG_CAA_TAG_UNKNOWN, "open-mpic reading: not recognised");
	cr_assert_eq(parse(&p, 128, "issuevmc", "vmc.example", 0, 0), 0);
	cr_assert_eq(p.tag, VTG_CAA_TAG_ISSUEVMC, "0 means the default mask");
	cr_assert_eq(parse(&p, 0, "issue", "x", 0, no_vmc), 0);
	cr_assert_eq(p.tag, VTG_CAA_TAG_ISSUE);
}

Test(prop_parse, shorter_than_two_octets)
{
	struct vtg_caa_prop p;
	uint8_t one[1] = {0};
	cr_assert_eq(vtg__caa_prop_parse(&p, NULL, 0, 0, 0), VTG_ECAA_SHORT);
	cr_assert_eq(vtg__caa_prop_parse(&p, one, 1, 0, 0), VTG_ECAA_SHORT);
}

Test(prop_parse, tag_length_zero)
{
	static const uint8_t rd[] = {0x00, 0x00, 'x'};
	struct vtg_caa_prop p;
	cr_assert_eq(vtg__caa_prop_parse(&p, rd, sizeof(rd), 0, 0), VTG_ECAA_TAG_EMPTY);
	cr_assert_eq(vtg__caa_prop_parse(&p, rd, 2, 0, 0), VTG_ECAA_TAG_EMPTY);
}

Test(prop_parse, tag_length_past_the_end)
{
	static const uint8_t rd[] = {0x00, 0x06, 'i', 's', 's', 'u', 'e'};
	struct vtg_caa_prop p;
	cr_assert_eq(vtg__caa_prop_parse(&p, rd, sizeof(rd), 0, 0), VTG_ECAA_TAG_OVER);
	static const uint8_t rd2[] = {0x00, 0xff, 'a'};
	cr_assert_eq(vtg__caa_prop_parse(&p, rd2, sizeof(rd2), 0, 0), VTG_ECAA_TAG_OVER);
}

Test(prop_parse, empty_value)
{
	uint8_t rd[16];
	size_t n = mk(rd, 0, "issue", "");
	struct vtg_caa_prop p;
	cr_assert_eq(vtg__caa_prop_parse(&p, rd, n, 0, 0), 0);
	cr_assert_eq(p.value_len, 0);
	cr_assert_eq(p.tag, VTG_CAA_TAG_ISSUE);
}

Test(prop_parse, value_longer_than_255_octets)
{
	/* RFC 8659 4.1.1: the value is not a character-string */
	static uint8_t rd[RD_MAX];
	char v[700];
	memset(v, 'a', sizeof(v));
	size_t n = mk_n(rd, 0, "iodef", v, sizeof(v));
	struct vtg_caa_prop p;
	cr_assert_eq(vtg__caa_prop_parse(&p, rd, n, 0, 0), 0);
	cr_assert_eq(p.value_len, 700);
}

Test(prop_parse, every_truncated_prefix_fails_cleanly_or_shortens_value)
{
	uint8_t rd[64];
	size_t n = mk(rd, 0, "issue", "ca.example; a=b");
	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t *c = exact_copy(rd, cut);
		struct vtg_caa_prop p;
		int rc = vtg__caa_prop_parse(&p, c, cut, 0, 0);
		if (cut < 2)
			cr_assert_eq(rc, VTG_ECAA_SHORT, "cut %zu", cut);
		else if (cut < 7)
			cr_assert_eq(rc, VTG_ECAA_TAG_OVER, "cut %zu", cut);
		else
			cr_assert(rc == 0 && p.value_len == cut - 7, "cut %zu", cut);
		free(c);
	}
}

/* ---- vtg__caa_issue_parse ---- */

struct issue_case {
	const char *v;
	const char *issuer; /* NULL: no issuer */
	unsigned n_params;
};

static unsigned count_params(const struct vtg_caa_issue *is)
{
	size_t pos = 0;
	unsigned n = 0;
	struct vtg_caa_param prm;
	while (vtg__caa_param_next(is, &pos, &prm) == 1) {
		cr_assert_lt(n, 64u, "param_next does not terminate");
		n++;
	}
	return n;
}

Test(issue_parse, valid_values_per_rfc8659_4_2_abnf)
{
	static const struct issue_case tab[] = {
		{"", NULL, 0},
		{";", NULL, 0},
		{" ; ", NULL, 0},
		{"\t;\t", NULL, 0},
		{"ca.example", "ca.example", 0},
		{"ca.example;", "ca.example", 0},
		{"  ca.example ; a = b", "ca.example", 1},
		{"; a=b", NULL, 1},
		{"ca.example; a=b=c", "ca.example", 1},
		{"ca.example; a-b=1", "ca.example", 1},
		{"ca.example; a=", "ca.example", 1},
		{"ca.example; a= ; b=c", "ca.example", 2},
		{"ca.example;a=1;b=2;c=3", "ca.example", 3},
		{"ca.example ; a=1 ;  b=2  ", "ca.example", 2},
		{"xn--bcher-kva.example", "xn--bcher-kva.example", 0},
		{"a--b.example", "a--b.example", 0},
		{"9.example", "9.example", 0},
		{"localhost", "localhost", 0},
		{"ca1.example.net; account=230123", "ca1.example.net", 1},
		{"ca.example; accounturi=https://ca.example/acct/1", "ca.example", 1},
		{"ca.example; x=!\"#$%&'()*+,-./:<=>?@[\\]^_`{|}~", "ca.example", 1},
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		size_t len = strlen(tab[i].v);
		uint8_t *c = exact_copy(tab[i].v, len);
		struct vtg_caa_issue is;
		cr_assert_eq(vtg__caa_issue_parse(&is, c, len), 0, "'%s'", tab[i].v);
		if (tab[i].issuer == NULL) {
			cr_assert_eq(is.issuer_len, 0, "'%s'", tab[i].v);
		} else {
			cr_assert_eq(is.issuer_len, strlen(tab[i].issuer), "'%s'", tab[i].v);
			cr_assert(memcmp(is.issuer, tab[i].issuer, is.issuer_len) == 0,
				  "'%s'", tab[i].v);
		}
		cr_assert_eq(count_params(&is), tab[i].n_params, "'%s'", tab[i].v);
		free(c);
	}
}

Test(issue_parse, invalid_values_per_rfc8659_4_2_abnf)
{
	static const char *const bad[] = {
		"%%%%%",                  /* RFC 8659 4.2's malformed example */
		"ca.example; a=b;",       /* trailing ";" after a parameter */
		"ca.example; a=b ; ",
		";;",
		"ca.example;;",
		"ca.example; a",          /* parameter without "=" */
		"ca.example; a b=c",
		"ca.example; =b",
		"ca.example; a=b c",      /* space inside a value */
		"ca.example; a=b\xc3\xa9", /* non-ASCII inside a value */
		"ca.example; a=\x7f",
		"ca.example; a_b=1",      /* "_" in a tag */
		"ca.example; -a=1",
		"ca.example; a-=1",
		"-ca.example",            /* label with a leading hyphen */
		"ca-.example",            /* label with a trailing hyphen */
		"ca.-example",
		"ca.example-",
		"ca.example.",            /* trailing dot */
		"ca..example",
		".ca.example",
		"b\303\274cher.example", /* U-label */
		"ca_1.example",
		"ca.example x",
		"ca example",
		"ca.example\r",           /* CR is not WSP */
		"ca.example\n; a=b",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i]);
		uint8_t *c = exact_copy(bad[i], len);
		struct vtg_caa_issue is;
		cr_assert_eq(vtg__caa_issue_parse(&is, c, len), VTG_ECAA_VALUE,
			     "'%s' should be invalid", bad[i]);
		free(c);
	}
}

Test(issue_parse, nul_octet_is_invalid_anywhere)
{
	static const char v1[] = "ca.example\0";
	static const char v2[] = "ca.exa\0mple";
	static const char v3[] = "ca.example; a=b\0";
	struct vtg_caa_issue is;
	cr_assert_eq(vtg__caa_issue_parse(&is, (const uint8_t *)v1, sizeof(v1) - 1),
		     VTG_ECAA_VALUE);
	cr_assert_eq(vtg__caa_issue_parse(&is, (const uint8_t *)v2, sizeof(v2) - 1),
		     VTG_ECAA_VALUE);
	cr_assert_eq(vtg__caa_issue_parse(&is, (const uint8_t *)v3, sizeof(v3) - 1),
		     VTG_ECAA_VALUE);
}

Test(issue_parse, empty_value_has_no_issuer_and_no_params)
{
	struct vtg_caa_issue is;
	cr_assert_eq(vtg__caa_issue_parse(&is, (const uint8_t *)"", 0), 0);
	cr_assert_null(is.issuer);
	cr_assert_eq(is.issuer_len, 0);
	cr_assert_null(is.params);
	cr_assert_eq(is.params_len, 0);
	size_t pos = 0;
	struct vtg_caa_param prm;
	cr_assert_eq(vtg__caa_param_next(&is, &pos, &prm), 0);
}

Test(issue_parse, params_iterate_in_order_with_odd_spacing)
{
	const char *v = " ca.example\t;  accounturi = https://ca.example/a/1 ;"
			"validationmethods=dns-01,http-01 ;  e=  ";
	struct vtg_caa_issue is;
	cr_assert_eq(vtg__caa_issue_parse(&is, (const uint8_t *)v, strlen(v)), 0);
	static const char *const want[][2] = {
		{"accounturi", "https://ca.example/a/1"},
		{"validationmethods", "dns-01,http-01"},
		{"e", ""},
	};
	size_t pos = 0;
	struct vtg_caa_param prm;
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(vtg__caa_param_next(&is, &pos, &prm), 1, "param %zu", i);
		cr_assert_eq(prm.tag_len, strlen(want[i][0]));
		cr_assert(memcmp(prm.tag, want[i][0], prm.tag_len) == 0);
		cr_assert_eq(prm.value_len, strlen(want[i][1]), "param %zu", i);
		cr_assert(memcmp(prm.value, want[i][1], prm.value_len) == 0);
	}
	cr_assert_eq(vtg__caa_param_next(&is, &pos, &prm), 0);
	cr_assert_eq(vtg__caa_param_next(&is, &pos, &prm), 0, "stays at the end");
}

Test(issue_parse, param_value_may_hold_equals)
{
	const char *v = "ca.example; a=b=c";
	struct vtg_caa_issue is;
	cr_assert_eq(vtg__caa_issue_parse(&is, (const uint8_t *)v, strlen(v)), 0);
	size_t pos = 0;
	struct vtg_caa_param prm;
	cr_assert_eq(vtg__caa_param_next(&is, &pos, &prm), 1);
	cr_assert_eq(prm.tag_len, 1);
	cr_assert_eq(prm.value_len, 3);
	cr_assert(memcmp(prm.value, "b=c", 3) == 0);
}

Test(issue_parse, views_point_into_the_value)
{
	const char *v = "ca.example; a=b";
	struct vtg_caa_issue is;
	cr_assert_eq(vtg__caa_issue_parse(&is, (const uint8_t *)v, strlen(v)), 0);
	cr_assert_eq(is.issuer, v);
	cr_assert_eq(is.params, v + 12);
	cr_assert_eq(is.params_len, 3);
}

Test(issue_parse, every_prefix_is_read_in_bounds)
{
	const char *v = "  ca1.example.net ; accounturi=https://x/1; validationmethods=dns-01";
	size_t n = strlen(v);
	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t *c = exact_copy(v, cut);
		struct vtg_caa_issue is;
		int rc = vtg__caa_issue_parse(&is, c, cut);
		cr_assert(rc == 0 || rc == VTG_ECAA_VALUE);
		if (rc == 0)
			(void)count_params(&is);
		free(c);
	}
}

/* ---- vtg__caa_rdata_to_text ---- */

static void text_is(const uint8_t *rd, size_t n, const char *want)
{
	char out[RD_MAX * 4];
	uint8_t *c = exact_copy(rd, n);
	int l = vtg__caa_rdata_to_text(c, n, out, sizeof(out));
	free(c);
	cr_assert_eq(l, (int)strlen(want), "got '%s'", out);
	cr_assert_str_eq(out, want);
}

Test(rdata_to_text, plain_issue)
{
	uint8_t rd[64];
	text_is(rd, mk(rd, 0, "issue", "ca.example"), "0 issue \"ca.example\"");
}

Test(rdata_to_text, flags_and_wire_tag_case_kept)
{
	uint8_t rd[64];
	text_is(rd, mk(rd, 128, "tbs", "Unknown"), "128 tbs \"Unknown\"");
	text_is(rd, mk(rd, 255, "IsSuE", "ca.example"), "255 IsSuE \"ca.example\"");
}

Test(rdata_to_text, empty_value_quoted)
{
	uint8_t rd[64];
	text_is(rd, mk(rd, 0, "issue", ""), "0 issue \"\"");
	text_is(rd, mk(rd, 0, "issue", ";"), "0 issue \";\"");
}

Test(rdata_to_text, value_escapes_rfc1035_5_1)
{
	uint8_t rd[64];
	static const char v[] = "a\"b\\c d\x00\n\x1f\x7f\x80\xff~";
	size_t n = mk_n(rd, 0, "iodef", v, sizeof(v) - 1);
	text_is(rd, n, "0 iodef \"a\\\"b\\\\c d\\000\\010\\031\\127\\128\\255~\"");
}

Test(rdata_to_text, tag_octets_outside_printable_escaped)
{
	uint8_t rd[64];
	text_is(rd, mk(rd, 0, "a b", "x"), "0 a\\032b \"x\"");
	text_is(rd, mk(rd, 0, "t\x01\xff", "x"), "0 t\\001\\255 \"x\"");
	text_is(rd, mk(rd, 0, "contact-email", "x"), "0 contact-email \"x\"");
	text_is(rd, mk(rd, 0, "a\"\\;", "x"), "0 a\\034\\092\\059 \"x\"");
}

Test(rdata_to_text, malformed_in_rfc3597_form)
{
	static const uint8_t tag0[] = {0x00, 0x00, 0x78};
	text_is(tag0, sizeof(tag0), "\\# 3 000078");
	static const uint8_t over[] = {0x80, 0x09, 'A', 0xff};
	text_is(over, sizeof(over), "\\# 4 800941ff");
	static const uint8_t one[] = {0x80};
	text_is(one, sizeof(one), "\\# 1 80");
	text_is(NULL, 0, "\\# 0");
}

Test(rdata_to_text, value_over_255_octets)
{
	static uint8_t rd[RD_MAX];
	/* NUL-terminated: gcc -O2 folds snprintf's result assuming %s data
	 * ends inside its array, even with a precision */
	char v[301];
	memset(v, 'z', 300);
	v[300] = 0;
	size_t n = mk_n(rd, 0, "issue", v, 300);
	char want[400];
	int w = snprintf(want, sizeof(want), "0 issue \"%.*s\"", 300, v);
	cr_assert_eq(w, 310);
	text_is(rd, n, want);
}

Test(rdata_to_text, exact_fit_and_one_short)
{
	uint8_t rd[64];
	size_t n = mk(rd, 0, "issue", "ca.example");
	const char *want = "0 issue \"ca.example\"";
	size_t wl = strlen(want);
	char *out = malloc(wl + 1);
	cr_assert_eq(vtg__caa_rdata_to_text(rd, n, out, wl + 1), (int)wl);
	cr_assert_str_eq(out, want);
	free(out);
	for (size_t cap = 1; cap <= wl; cap++) {
		out = malloc(cap);
		memset(out, 'X', cap);
		cr_assert_eq(vtg__caa_rdata_to_text(rd, n, out, cap), VTG_EWIRE_SPACE,
			     "cap %zu", cap);
		cr_assert_eq(out[0], '\0', "cap %zu: always NUL-terminated", cap);
		free(out);
	}
	char dummy = 'X';
	cr_assert_eq(vtg__caa_rdata_to_text(rd, n, &dummy, 0), VTG_EWIRE_SPACE);
	cr_assert_eq(dummy, 'X', "cap 0 writes nothing");
}

Test(rdata_to_text, escapes_count_against_the_buffer)
{
	uint8_t rd[16];
	static const char v[] = "\xff";
	size_t n = mk_n(rd, 0, "a", v, 1);
	char out[16];
	/* "0 a \"\\255\"" is 10 characters */
	cr_assert_eq(vtg__caa_rdata_to_text(rd, n, out, 11), 10);
	cr_assert_eq(vtg__caa_rdata_to_text(rd, n, out, 10), VTG_EWIRE_SPACE);
	static const uint8_t bad[] = {0x00, 0x00};
	cr_assert_eq(vtg__caa_rdata_to_text(bad, 2, out, 10), 9); /* \# 2 0000 */
	cr_assert_eq(vtg__caa_rdata_to_text(bad, 2, out, 9), VTG_EWIRE_SPACE);
}
