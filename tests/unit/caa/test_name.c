/*
 * test_name.c — input names to A-label form (RFC 5890/5891 via libidn2,
 * BR 7.1.2.7.12, docs/rules.md section 8): what is accepted, normalised, and why
 * the rest is an invalid name.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "caa/name.h"

struct ok_case {
	const char *in;
	const char *ascii;
	bool wildcard;
};

static void check_ok(const struct ok_case *c)
{
	struct vtg_input_name nm;
	int rc = vtg__input_name_parse(&nm, c->in, strlen(c->in));
	cr_assert_eq(rc, 0, "%s: %s", c->in, nm.why);
	cr_assert_str_eq(nm.ascii, c->ascii);
	cr_assert_eq(nm.wildcard, c->wildcard);
	char back[256];
	cr_assert_geq(vtg__name_to_text(nm.wire, back, sizeof(back), false), 0);
	const char *base = c->wildcard ? c->ascii + 2 : c->ascii;
	cr_assert_str_eq(back, base);
}

Test(input_name, lowercases_and_strips_one_trailing_dot)
{
	static const struct ok_case c = {"WWW.Example.COM.", "www.example.com", false};
	check_ok(&c);
}

Test(input_name, wildcard_prefix)
{
	static const struct ok_case c = {"*.Example.com", "*.example.com", true};
	check_ok(&c);
}

Test(input_name, u_label_converted_to_a_label)
{
	static const struct ok_case c = {"b\xc3\xbc" "cher.example", "xn--bcher-kva.example", false};
	check_ok(&c);
}

Test(input_name, u_label_uppercase_is_mapped)
{
	/* UTS #46 mapping: "B\xc3\x9c" (BÜ) maps to "bü" */
	static const struct ok_case c = {"B\xc3\x9c" "CHER.example", "xn--bcher-kva.example", false};
	check_ok(&c);
}

Test(input_name, valid_a_label_kept)
{
	static const struct ok_case c = {"XN--BCHER-KVA.example", "xn--bcher-kva.example", false};
	check_ok(&c);
}

Test(input_name, wildcard_with_u_label)
{
	static const struct ok_case c = {"*.m\xc3\xbcnchen.example", "*.xn--mnchen-3ya.example", true};
	check_ok(&c);
}

Test(input_name, single_label_and_digits)
{
	static const struct ok_case c = {"123.example", "123.example", false};
	check_ok(&c);
	static const struct ok_case d = {"localhost", "localhost", false};
	check_ok(&d);
}

Test(input_name, max_length_253_ok_254_not)
{
	char buf[300];
	/* 63+1+63+1+63+1+61 = 253 */
	memset(buf, 'a', 253);
	buf[63] = buf[127] = buf[191] = '.';
	buf[253] = 0;
	struct vtg_input_name nm;
	cr_assert_eq(vtg__input_name_parse(&nm, buf, 253), 0, "%s", nm.why);
	buf[253] = 'a';
	buf[254] = 0;
	cr_assert_eq(vtg__input_name_parse(&nm, buf, 254), VTG_ENAME_TOO_LONG);
}

/* Criterion re-executes the test binary per worker (position-independent,
 * so addresses differ): parameters hold the text itself, not pointers. */
struct bad_case {
	char in[32];
	int err;
};

ParameterizedTestParameters(input_name, invalid)
{
	static struct bad_case cases[] = {
		{"", VTG_ENAME_EMPTY},
		{".", VTG_ENAME_EMPTY},
		{"a..example", VTG_ENAME_EMPTY_LABEL},
		{".example", VTG_ENAME_EMPTY_LABEL},
		{"example..", VTG_ENAME_EMPTY_LABEL},
		{"bad_name.example", VTG_ENAME_CHAR},
		{"_acme-challenge.example", VTG_ENAME_CHAR},
		{"sp ace.example", VTG_ENAME_CHAR},
		{"a/b.example", VTG_ENAME_CHAR},
		{"-lead.example", VTG_ENAME_HYPHEN},
		{"trail-.example", VTG_ENAME_HYPHEN},
		{"ab--cd.example", VTG_ENAME_CHAR},   /* reserved LDH label */
		{"xn--zz.example", VTG_ENAME_IDNA},   /* not a valid A-label */
		{"*", VTG_ENAME_WILDCARD},
		{"*.", VTG_ENAME_WILDCARD},
		{"*.*.example", VTG_ENAME_WILDCARD},
		{"www.*.example", VTG_ENAME_WILDCARD},
		{"w*.example", VTG_ENAME_WILDCARD},
		{"\xff\xfe.example", VTG_ENAME_UTF8},
		{"\xc0\xaf.example", VTG_ENAME_UTF8}, /* overlong */
		{"\xe2\x98\x83.example", VTG_ENAME_IDNA}, /* snowman: DISALLOWED */
	};
	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_case *c, input_name, invalid)
{
	struct vtg_input_name nm;
	int rc = vtg__input_name_parse(&nm, c->in, strlen(c->in));
	cr_assert_eq(rc, c->err, "'%s': got %d (%s), expected %d", c->in, rc, nm.why, c->err);
	cr_assert_neq(nm.why[0], 0);
}

Test(input_name, label_64_octets_rejected)
{
	char buf[80];
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".example");
	struct vtg_input_name nm;
	cr_assert_eq(vtg__input_name_parse(&nm, buf, strlen(buf)), VTG_ENAME_LABEL_LEN);
	cr_assert(strstr(nm.why, "64") != NULL, "%s", nm.why);
}

Test(input_name, embedded_nul_rejected)
{
	struct vtg_input_name nm;
	cr_assert_eq(vtg__input_name_parse(&nm, "a\0b.example", 11), VTG_ENAME_CHAR);
}

Test(input_name, huge_input_rejected_without_overflow)
{
	static char big[100000];
	memset(big, 'a', sizeof(big));
	struct vtg_input_name nm;
	cr_assert_eq(vtg__input_name_parse(&nm, big, sizeof(big)), VTG_ENAME_TOO_LONG);
	/* the same with non-ASCII content */
	for (size_t i = 0; i + 1 < sizeof(big); i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xbc;
	}
	cr_assert_eq(vtg__input_name_parse(&nm, big, sizeof(big)), VTG_ENAME_TOO_LONG);
}
