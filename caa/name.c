/*
 * name.c — input name normalisation (see name.h). Pure ASCII names never
 * allocate; only names with non-ASCII octets or "xn--" labels go through
 * libidn2, which allocates its result (freed here at once).
 */
#include <idn2.h>
#include <stdio.h>
#include <string.h>

#include "caa/name.h"

static int fail(struct vtg_input_name *out, int err, const char *detail)
{
	const char *base = vtg_strerror(err);
	if (detail && *detail)
		snprintf(out->why, sizeof(out->why), "%s: %s", base, detail);
	else
		snprintf(out->why, sizeof(out->why), "%s", base);
	return err;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t l;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			l = 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			l = 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			l = 4;
		} else {
			return false;
		}
		if (i + l > n)
			return false;
		for (size_t k = 1; k < l; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		/* overlong 3/4-byte forms and surrogates */
		if (c == 0xe0 && s[i + 1] < 0xa0)
			return false;
		if (c == 0xed && s[i + 1] >= 0xa0)
			return false;
		if (c == 0xf0 && s[i + 1] < 0x90)
			return false;
		if (c == 0xf4 && s[i + 1] >= 0x90)
			return false;
		i += l;
	}
	return true;
}

/* A label "xn--..." must be a valid A-label: it decodes to a U-label that
 * encodes back to the same A-label (RFC 5891 5.4). */
static int check_alabel(const char *label, size_t len, char *detail, size_t cap)
{
	char tmp[VTG_DNS_MAX_LABEL + 1];
	memcpy(tmp, label, len);
	tmp[len] = 0;
	char *u = NULL, *back = NULL;
	int rc = idn2_to_unicode_8z8z(tmp, &u, 0);
	if (rc != IDN2_OK) {
		snprintf(detail, cap, "%s: %s", tmp, idn2_strerror(rc));
		return VTG_ENAME_IDNA;
	}
	rc = idn2_lookup_u8((const uint8_t *)u, (uint8_t **)&back, IDN2_NFC_INPUT);
	int res = 0;
	if (rc != IDN2_OK) {
		snprintf(detail, cap, "%s: %s", tmp, idn2_strerror(rc));
		res = VTG_ENAME_IDNA;
	} else if (strcmp(back, tmp) != 0) {
		snprintf(detail, cap, "%s: not a canonical A-label", tmp);
		res = VTG_ENAME_IDNA;
	}
	idn2_free(u);
	idn2_free(back);
	return res;
}

/* LDH rules on an ASCII, lowercase name without "*." */
static int check_ldh(const char *s, size_t n, char *detail, size_t cap)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			char c = s[i];
			bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
			if (!ok) {
				if (c == '*') {
					snprintf(detail, cap, "'*' inside the name");
					return VTG_ENAME_WILDCARD;
				}
				if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
					snprintf(detail, cap, "'%c'", c);
				else
					snprintf(detail, cap, "octet 0x%02x", (unsigned char)c);
				return VTG_ENAME_CHAR;
			}
			continue;
		}
		size_t l = i - start;
		if (l == 0)
			return VTG_ENAME_EMPTY_LABEL;
		if (l > VTG_DNS_MAX_LABEL) {
			snprintf(detail, cap, "%zu octets", l);
			return VTG_ENAME_LABEL_LEN;
		}
		if (s[start] == '-' || s[i - 1] == '-') {
			snprintf(detail, cap, "%.*s", (int)(l > 63 ? 63 : l), s + start);
			return VTG_ENAME_HYPHEN;
		}
		/* reserved LDH labels ("??--"): only valid A-labels (BR 7.1.2.7.12) */
		if (l >= 4 && s[start + 2] == '-' && s[start + 3] == '-') {
			if (s[start] != 'x' || s[start + 1] != 'n') {
				snprintf(detail, cap, "reserved label %.*s", (int)l, s + start);
				return VTG_ENAME_CHAR;
			}
			int rc = check_alabel(s + start, l, detail, cap);
			if (rc)
				return rc;
		}
		start = i + 1;
	}
	return 0;
}

int vtg__input_name_parse(struct vtg_input_name *out, const char *in, size_t len)
{
	char detail[96] = "";
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return fail(out, VTG_ENAME_EMPTY, NULL);
	if (!valid_utf8((const unsigned char *)in, len))
		return fail(out, VTG_ENAME_UTF8, NULL);
	if (len > 1 && in[len - 1] == '.')
		len--; /* one trailing dot: the absolute form of the same name */
	if (len == 1 && in[0] == '.')
		return fail(out, VTG_ENAME_EMPTY, "the root");

	bool wildcard = false;
	if (len >= 2 && in[0] == '*' && in[1] == '.') {
		wildcard = true;
		in += 2;
		len -= 2;
		if (len == 0)
			return fail(out, VTG_ENAME_WILDCARD, "nothing after '*.'");
	} else if (len == 1 && in[0] == '*') {
		return fail(out, VTG_ENAME_WILDCARD, "bare '*'");
	}

	bool ascii = true;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)in[i] >= 0x80 || in[i] == 0)
			ascii = false;
	char base[VTG_NAME_MAX_CHARS + 1];
	size_t blen;
	if (ascii) {
		if (len > VTG_NAME_MAX_CHARS - (wildcard ? 2 : 0))
			return fail(out, VTG_ENAME_TOO_LONG, NULL);
		for (size_t i = 0; i < len; i++) {
			char c = in[i];
			base[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		blen = len;
	} else {
		/* NUL inside the input cannot reach libidn2 */
		if (memchr(in, 0, len))
			return fail(out, VTG_ENAME_CHAR, "NUL octet");
		if (len > 1024)
			return fail(out, VTG_ENAME_TOO_LONG, NULL);
		char tmp[1025];
		memcpy(tmp, in, len);
		tmp[len] = 0;
		uint8_t *a = NULL;
		int rc = idn2_lookup_u8((const uint8_t *)tmp, &a,
					IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK)
			return fail(out, VTG_ENAME_IDNA, idn2_strerror(rc));
		blen = strlen((const char *)a);
		if (blen > VTG_NAME_MAX_CHARS - (wildcard ? 2 : 0)) {
			idn2_free(a);
			return fail(out, VTG_ENAME_TOO_LONG, NULL);
		}
		for (size_t i = 0; i < blen; i++) {
			char c = (char)a[i];
			base[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		idn2_free(a);
	}
	base[blen] = 0;
	int rc = check_ldh(base, blen, detail, sizeof(detail));
	if (rc)
		return fail(out, rc, detail);

	size_t o = 0;
	if (wildcard) {
		out->ascii[o++] = '*';
		out->ascii[o++] = '.';
	}
	memcpy(out->ascii + o, base, blen);
	out->ascii_len = o + blen;
	out->ascii[out->ascii_len] = 0;
	out->wildcard = wildcard;
	int wl = vtg__name_from_text(out->wire, base, blen);
	if (wl < 0)
		return fail(out, VTG_ENAME_TOO_LONG, NULL);
	out->wire_len = (size_t)wl;
	return 0;
}
