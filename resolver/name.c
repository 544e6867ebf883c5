/*
 * name.c — uncompressed wire-name helpers (RFC 1035 3.1, RFC 4343, RFC 4034 6.1).
 *
 * Every function here takes a *valid* uncompressed wire name (labels of at
 * most 63 octets, total at most 255, ending in the root label): names come
 * from vtg__name_from_text() or vtg__name_unpack(), which enforce that.
 * Case is preserved in storage and ignored in comparison.
 */
#include <string.h>

#include "resolver/wire.h"

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

size_t vtg__name_len(const uint8_t *name)
{
	size_t off = 0;
	while (name[off] != 0)
		off += (size_t)name[off] + 1;
	return off + 1;
}

unsigned vtg__name_labels(const uint8_t *name)
{
	unsigned n = 0;
	for (size_t off = 0; name[off] != 0; off += (size_t)name[off] + 1)
		n++;
	return n;
}

const uint8_t *vtg__name_parent(const uint8_t *name)
{
	return name[0] == 0 ? name : name + name[0] + 1;
}

size_t vtg__name_lower(uint8_t *dst, const uint8_t *src)
{
	size_t len = vtg__name_len(src);
	size_t off = 0;
	while (src[off] != 0) {
		uint8_t l = src[off];
		dst[off] = l;
		for (size_t i = 1; i <= l; i++)
			dst[off + i] = lower(src[off + i]);
		off += (size_t)l + 1;
	}
	dst[off] = 0;
	return len;
}

bool vtg__name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t off = 0;
	for (;;) {
		if (a[off] != b[off])
			return false;
		uint8_t l = a[off];
		if (l == 0)
			return true;
		for (size_t i = 1; i <= l; i++)
			if (lower(a[off + i]) != lower(b[off + i]))
				return false;
		off += (size_t)l + 1;
	}
}

bool vtg__name_is_sub(const uint8_t *name, const uint8_t *ancestor)
{
	unsigned nl = vtg__name_labels(name), al = vtg__name_labels(ancestor);
	if (nl < al)
		return false;
	for (unsigned i = 0; i < nl - al; i++)
		name = vtg__name_parent(name);
	return vtg__name_equal(name, ancestor);
}

/* Offsets of each label, leftmost first; returns the label count. */
static unsigned label_offsets(const uint8_t *name, uint8_t offs[128])
{
	unsigned n = 0;
	for (size_t off = 0; name[off] != 0; off += (size_t)name[off] + 1)
		offs[n++] = (uint8_t)off;
	return n;
}

int vtg__name_cmp(const uint8_t *a, const uint8_t *b)
{
	/* RFC 4034 6.1: compare label by label from the rightmost, each label
	 * as a case-folded octet string, a shorter label sorting first. */
	uint8_t oa[128], ob[128];
	unsigned na = label_offsets(a, oa), nb = label_offsets(b, ob);
	while (na > 0 && nb > 0) {
		const uint8_t *la = a + oa[--na], *lb = b + ob[--nb];
		unsigned lena = la[0], lenb = lb[0];
		unsigned m = lena < lenb ? lena : lenb;
		for (unsigned i = 1; i <= m; i++) {
			uint8_t ca = lower(la[i]), cb = lower(lb[i]);
			if (ca != cb)
				return ca < cb ? -1 : 1;
		}
		if (lena != lenb)
			return lena < lenb ? -1 : 1;
	}
	if (na == nb)
		return 0;
	return na < nb ? -1 : 1;
}

int vtg__name_from_text(uint8_t *out, const char *text, size_t len)
{
	if (len == 0)
		return VTG_EWIRE_NAME_SYNTAX;
	if (len == 1 && text[0] == '.') {
		out[0] = 0;
		return 1;
	}
	size_t w = 0;      /* write position */
	size_t lab = 0;    /* position of the current label's length octet */
	size_t i = 0;
	out[0] = 0;
	w = 1;
	while (i < len) {
		unsigned c = (unsigned char)text[i];
		if (c == '.') {
			size_t l = w - lab - 1;
			if (l == 0)
				return VTG_EWIRE_NAME_SYNTAX; /* empty label */
			out[lab] = (uint8_t)l;
			i++;
			if (i == len)
				break; /* one trailing dot: absolute name */
			if (w >= VTG_DNS_MAX_NAME)
				return VTG_EWIRE_NAME_LEN;
			lab = w;
			out[w++] = 0;
			continue;
		}
		if (c == '\\') {
			if (i + 1 >= len)
				return VTG_EWIRE_NAME_SYNTAX;
			unsigned d0 = (unsigned char)text[i + 1];
			if (d0 >= '0' && d0 <= '9') {
				if (i + 3 >= len) /* \DDD needs three digits */
					return VTG_EWIRE_NAME_SYNTAX;
				unsigned d1 = (unsigned char)text[i + 2];
				unsigned d2 = (unsigned char)text[i + 3];
				if (d1 < '0' || d1 > '9' || d2 < '0' || d2 > '9')
					return VTG_EWIRE_NAME_SYNTAX;
				unsigned v = (d0 - '0') * 100 + (d1 - '0') * 10 + (d2 - '0');
				if (v > 255)
					return VTG_EWIRE_NAME_SYNTAX;
				c = v;
				i += 4;
			} else {
				c = d0;
				i += 2;
			}
		} else {
			i++;
		}
		if (w - lab - 1 >= VTG_DNS_MAX_LABEL)
			return VTG_EWIRE_LABEL_LEN;
		if (w >= VTG_DNS_MAX_NAME - 1)
			return VTG_EWIRE_NAME_LEN;
		out[w++] = (uint8_t)c;
	}
	/* close the last label (a trailing dot already closed it: same value) */
	out[lab] = (uint8_t)(w - lab - 1);
	if (w >= VTG_DNS_MAX_NAME)
		return VTG_EWIRE_NAME_LEN;
	out[w++] = 0;
	return (int)w;
}

int vtg__name_to_text(const uint8_t *name, char *out, size_t cap, bool lw)
{
	size_t w = 0;
#define PUT(ch)                                  \
	do {                                     \
		if (w + 1 >= cap)                \
			return VTG_EWIRE_SPACE;  \
		out[w++] = (char)(ch);           \
	} while (0)
	if (cap == 0)
		return VTG_EWIRE_SPACE;
	if (name[0] == 0) {
		PUT('.');
		out[w] = 0;
		return (int)w;
	}
	for (size_t off = 0; name[off] != 0; off += (size_t)name[off] + 1) {
		if (off != 0)
			PUT('.');
		for (size_t i = 1; i <= name[off]; i++) {
			uint8_t c = name[off + i];
			if (lw)
				c = lower(c);
			bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*';
			if (plain) {
				PUT(c);
			} else if (c == '.' || c == '\\') {
				PUT('\\');
				PUT(c);
			} else {
				PUT('\\');
				PUT('0' + c / 100);
				PUT('0' + (c / 10) % 10);
				PUT('0' + c % 10);
			}
		}
	}
#undef PUT
	out[w] = 0;
	return (int)w;
}

int vtg__name_dname_subst(const uint8_t *name, const uint8_t *owner, const uint8_t *target,
			  uint8_t *out)
{
	unsigned nl = vtg__name_labels(name), ol = vtg__name_labels(owner);
	size_t prefix = 0;
	const uint8_t *p = name;
	for (unsigned i = 0; i < nl - ol; i++) {
		prefix += 1u + p[0];
		p += 1u + p[0];
	}
	size_t tl = vtg__name_len(target);
	if (prefix + tl > VTG_DNS_MAX_NAME)
		return VTG_EWIRE_NAME_LEN;
	memmove(out, name, prefix);
	memcpy(out + prefix, target, tl);
	return 0;
}
