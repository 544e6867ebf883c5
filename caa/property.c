/*
 * property.c — one CAA property at a time: split RDATA into flags, tag and
 * value (RFC 8659 section 4.1), check an issue / issuewild value against the
 * section 4.2 ABNF, walk its parameters, and render the RDATA in
 * presentation form (RFC 1035 section 5.1, RFC 3597 section 5).
 *
 * Invariants: pure functions over the caller's bytes. Nothing allocates,
 * nothing is copied: every parsed field is a view (pointer + length) into the
 * RDATA, valid as long as the caller keeps the RDATA. Every read is bounded
 * by the length passed in; no input is assumed NUL-terminated. Character
 * classes are spelled out instead of <ctype.h> so the locale can never widen
 * what "ALPHA" means.
 */
#include <limits.h>
#include <string.h>

#include "caa/caa.h"

/* RFC 8659 4.1: flags (1) + tag length (1) precede the tag. */
#define CAA_FIXED_OCTETS 2

/* Longest single-octet rendering: "\DDD" (RFC 1035 5.1). */
#define TEXT_ESC_OCTETS 4

/* The tags vantage knows (docs/rules.md section 2), matched case-insensitively
 * (RFC 8659 4.1). Each is at most VTG_CAA_TAG_MAX octets. */
static const struct {
	const char *name;
	enum vtg_caa_tag tag;
} known_tags[] = {
	{"issue", VTG_CAA_TAG_ISSUE},
	{"issuewild", VTG_CAA_TAG_ISSUEWILD},
	{"iodef", VTG_CAA_TAG_IODEF},
	{"issuemail", VTG_CAA_TAG_ISSUEMAIL},
	{"issuevmc", VTG_CAA_TAG_ISSUEVMC},
	{"contactemail", VTG_CAA_TAG_CONTACTEMAIL},
	{"contactphone", VTG_CAA_TAG_CONTACTPHONE},
};

static bool is_alpha(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_alnum(uint8_t c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* RFC 5234 B.1: WSP = SP / HTAB. Nothing else (no CR, LF, VT). */
static bool is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* RFC 8659 4.2: value = *(%x21-3A / %x3C-7E), printable ASCII but ";". */
static bool is_value_char(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

static uint8_t ascii_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

static enum vtg_caa_tag match_tag(const uint8_t *t, size_t len)
{
	/* RFC 8659 4.1: tags are [A-Za-z0-9] only, SHOULD be <= 15 octets;
	 * [vantage] anything else cannot name a known tag (docs/rules.md section 1). */
	if (len > VTG_CAA_TAG_MAX)
		return VTG_CAA_TAG_UNKNOWN;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(t[i]))
			return VTG_CAA_TAG_UNKNOWN;
	for (size_t k = 0; k < sizeof(known_tags) / sizeof(known_tags[0]); k++) {
		const char *n = known_tags[k].name;
		if (strlen(n) != len)
			continue;
		size_t i = 0;
		while (i < len && ascii_lower(t[i]) == (uint8_t)n[i])
			i++;
		if (i == len)
			return known_tags[k].tag;
	}
	return VTG_CAA_TAG_UNKNOWN;
}

int vtg__caa_prop_parse(struct vtg_caa_prop *p, const uint8_t *rdata,
			size_t len, unsigned compat, unsigned recognised)
{
	memset(p, 0, sizeof(*p));
	if (len < CAA_FIXED_OCTETS)
		return VTG_ECAA_SHORT;
	uint8_t flags = rdata[0];
	uint8_t tag_len = rdata[1];
	/* RFC 8659 4.1: the tag length MUST be at least 1 */
	if (tag_len == 0)
		return VTG_ECAA_TAG_EMPTY;
	if (tag_len > len - CAA_FIXED_OCTETS)
		return VTG_ECAA_TAG_OVER;

	p->flags = flags;
	/* RFC 8659 4.1: only bit 0 (128) is defined; processors ignore the
	 * reserved bits. Boulder also honours bit 7 (value 1): compat only. */
	p->critical = (flags & VTG_CAA_FLAG_CRITICAL) != 0 ||
		      ((compat & VTG_CAA_COMPAT_FLAG1_CRITICAL) && (flags & 0x01));
	p->tag_raw = rdata + CAA_FIXED_OCTETS;
	p->tag_len = tag_len;
	/* RFC 8659 4.1.1: the value is the rest of the RDATA, not a
	 * character-string: it may be empty and may exceed 255 octets */
	p->value = rdata + CAA_FIXED_OCTETS + tag_len;
	p->value_len = len - CAA_FIXED_OCTETS - tag_len;

	if (recognised == 0)
		recognised = VTG_CAA_RECOGNISED_DEFAULT;
	enum vtg_caa_tag t = match_tag(p->tag_raw, tag_len);
	if (t != VTG_CAA_TAG_UNKNOWN && (recognised & (1u << t)))
		p->tag = t;
	else
		p->tag = VTG_CAA_TAG_UNKNOWN;
	return 0;
}

static size_t skip_wsp(const uint8_t *s, size_t len, size_t i)
{
	while (i < len && is_wsp(s[i]))
		i++;
	return i;
}

/*
 * RFC 8659 4.2: label = (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT)), which is
 * also the shape of a parameter tag. Expects an alphanumeric at i; returns
 * the offset just past the last alphanumeric reachable through [A-Za-z0-9-],
 * so hyphens may sit inside ("xn--a") but a trailing hyphen is left
 * unconsumed for the caller to reject.
 */
static size_t scan_label(const uint8_t *s, size_t len, size_t i)
{
	size_t end = i + 1;
	for (i = i + 1; i < len && (is_alnum(s[i]) || s[i] == '-'); i++)
		if (is_alnum(s[i]))
			end = i + 1;
	return end;
}

int vtg__caa_issue_parse(struct vtg_caa_issue *out, const uint8_t *value,
			 size_t len)
{
	memset(out, 0, sizeof(*out));

	/* issue-value = *WSP [issuer-domain-name *WSP]
	 *               [";" *WSP [parameters *WSP]] */
	size_t i = skip_wsp(value, len, 0);
	if (i < len && is_alnum(value[i])) {
		/* issuer-domain-name = label *("." label): no empty label,
		 * no trailing dot, LDH only (so no U-labels) */
		size_t start = i;
		for (;;) {
			i = scan_label(value, len, i);
			if (i < len && value[i] == '.') {
				i++;
				if (i >= len || !is_alnum(value[i]))
					return VTG_ECAA_VALUE;
				continue;
			}
			break;
		}
		out->issuer = (const char *)value + start;
		out->issuer_len = i - start;
		i = skip_wsp(value, len, i);
	}
	if (i == len)
		return 0;
	if (value[i] != ';')
		goto bad;
	i = skip_wsp(value, len, i + 1);
	if (i == len)
		return 0;

	/* parameters = (parameter *WSP ";" *WSP parameters) / parameter */
	size_t params_start = i, params_end;
	for (;;) {
		/* parameter = tag *WSP "=" *WSP value */
		if (!is_alnum(value[i]))
			goto bad;
		i = scan_label(value, len, i);
		i = skip_wsp(value, len, i);
		if (i == len || value[i] != '=')
			goto bad;
		i = skip_wsp(value, len, i + 1);
		while (i < len && is_value_char(value[i]))
			i++;
		params_end = i;
		i = skip_wsp(value, len, i);
		if (i == len)
			break;
		if (value[i] != ';')
			goto bad; /* space or a non-ASCII octet inside a value */
		i = skip_wsp(value, len, i + 1);
		if (i == len)
			goto bad; /* a ";" must be followed by a parameter */
	}
	out->params = (const char *)value + params_start;
	out->params_len = params_end - params_start;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	return VTG_ECAA_VALUE;
}

int vtg__caa_param_next(const struct vtg_caa_issue *is, size_t *pos,
			struct vtg_caa_param *p)
{
	const uint8_t *s = (const uint8_t *)is->params;
	size_t n = is->params_len;
	size_t i = *pos;
	/* The list was checked by vtg__caa_issue_parse(); still, never read
	 * past it and always make progress, whatever the caller hands in. */
	if (s == NULL || i >= n || !is_alnum(s[i]))
		return 0;
	size_t tag_start = i;
	i = scan_label(s, n, i);
	size_t tag_end = i;
	i = skip_wsp(s, n, i);
	if (i >= n || s[i] != '=') {
		*pos = n;
		return 0;
	}
	i = skip_wsp(s, n, i + 1);
	size_t val_start = i;
	while (i < n && is_value_char(s[i]))
		i++;
	p->tag = (const char *)s + tag_start;
	p->tag_len = tag_end - tag_start;
	p->value = (const char *)s + val_start;
	p->value_len = i - val_start;
	i = skip_wsp(s, n, i);
	if (i < n && s[i] == ';')
		i = skip_wsp(s, n, i + 1);
	else
		i = n;
	*pos = i;
	return 1;
}

/* Bounded output: remembers overflow instead of writing past cap - 1. */
struct text_out {
	char *buf;
	size_t cap;
	size_t len;
	bool over;
};

static void put(struct text_out *o, const char *s, size_t n)
{
	if (o->over || o->cap == 0 || n > o->cap - 1 - o->len) {
		o->over = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_dec3(struct text_out *o, uint8_t c)
{
	char e[TEXT_ESC_OCTETS] = {'\\', (char)('0' + c / 100),
				   (char)('0' + c / 10 % 10), (char)('0' + c % 10)};
	put(o, e, sizeof(e));
}

/* Tag as an unquoted token: anything that could end or confuse the token
 * (space, quote, backslash, parentheses, semicolon) or is not printable
 * ASCII becomes \DDD; well-formed tags print unchanged. */
static void put_tag(struct text_out *o, const uint8_t *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = t[i];
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' ||
		    c == '(' || c == ')' || c == ';')
			put_dec3(o, c);
		else
			put(o, (const char *)&c, 1);
	}
}

/* Value as a quoted string (RFC 1035 5.1): \" and \\, \DDD outside
 * printable ASCII, everything else (space included) as is. */
static void put_quoted(struct text_out *o, const uint8_t *v, size_t n)
{
	put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			put(o, e, 2);
		} else if (c < 0x20 || c > 0x7e) {
			put_dec3(o, c);
		} else {
			put(o, (const char *)&c, 1);
		}
	}
	put(o, "\"", 1);
}

static void put_uint(struct text_out *o, size_t v)
{
	char d[24];
	size_t n = sizeof(d);
	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(o, d + n, sizeof(d) - n);
}

/* RFC 3597 5: \# <length> <hex>, lowercase, one word; "\# 0" when empty. */
static void put_generic(struct text_out *o, const uint8_t *rd, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	put(o, "\\# ", 3);
	put_uint(o, len);
	if (len == 0)
		return;
	put(o, " ", 1);
	for (size_t i = 0; i < len; i++) {
		char h[2] = {hex[rd[i] >> 4], hex[rd[i] & 0x0f]};
		put(o, h, 2);
	}
}

int vtg__caa_rdata_to_text(const uint8_t *rdata, size_t len, char *out,
			   size_t cap)
{
	struct text_out o = {.buf = out, .cap = cap, .len = 0, .over = false};
	struct vtg_caa_prop p;
	if (vtg__caa_prop_parse(&p, rdata, len, 0, 0) != 0) {
		put_generic(&o, rdata, len);
	} else {
		put_uint(&o, p.flags);
		put(&o, " ", 1);
		put_tag(&o, p.tag_raw, p.tag_len);
		put(&o, " ", 1);
		put_quoted(&o, p.value, p.value_len);
	}
	if (o.over || o.len > INT_MAX) {
		if (cap > 0)
			out[0] = '\0';
		return VTG_EWIRE_SPACE;
	}
	out[o.len] = '\0';
	return (int)o.len;
}
