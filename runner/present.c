/*
 * present.c — see present.h.
 */
#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

#include "caa/caa.h"
#include "runner/present.h"
#include "resolver/lookup.h"

struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = 0;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_u(struct out *o, unsigned long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%lu", v);
	put(o, b, (size_t)n);
}

/* name inside RDATA at offset off; 0 on success with *next set */
static int put_name(struct out *o, const struct vtg_msg *m, size_t off, size_t *next)
{
	uint8_t name[VTG_DNS_MAX_NAME];
	char text[VTG_DNS_MAX_TEXT * 4 + 8];
	if (vtg__name_unpack(m->pkt, m->len, off, name, next) < 0)
		return VTG_EWIRE_RDATA;
	int n = vtg__name_to_text(name, text, sizeof(text), false);
	if (n < 0)
		return VTG_EWIRE_RDATA;
	put(o, text, (size_t)n);
	return 0;
}

static void put_generic(struct out *o, const uint8_t *rd, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	puts_(o, "\\# ");
	put_u(o, len);
	if (len)
		put(o, " ", 1);
	for (size_t i = 0; i < len; i++) {
		char h[2] = {hex[rd[i] >> 4], hex[rd[i] & 15]};
		put(o, h, 2);
	}
}

static void put_charstr(struct out *o, const uint8_t *s, size_t n)
{
	put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			put(o, e, 2);
		} else if (c < 0x20 || c > 0x7e) {
			char e[5];
			snprintf(e, sizeof(e), "\\%03u", c);
			put(o, e, 4);
		} else {
			put(o, (const char *)&c, 1);
		}
	}
	put(o, "\"", 1);
}

/*
 * The other types ldns knows (DS, DNSKEY, RRSIG, NSEC, NSEC3, SRV, TLSA,
 * SVCB, ...) in its presentation form: the RDATA behind a root owner as
 * one wire RR, parsed and printed field by field. Their names are never
 * compressed (RFC 3597 section 4, RFC 4034 section 6.2). Allocates; only
 * for types vantage does not render itself. 0 or VTG_EWIRE_RDATA.
 */
static int put_ldns(struct out *o, uint16_t type, const uint8_t *rd, size_t len)
{
	uint8_t w[11 + 65535];
	if (!ldns_rr_descript(type) || len > 65535)
		return VTG_EWIRE_RDATA;
	const uint8_t head[11] = {0, (uint8_t)(type >> 8), (uint8_t)type, 0, 1, 0, 0, 0, 0,
				  (uint8_t)(len >> 8), (uint8_t)len};
	memcpy(w, head, sizeof(head));
	memcpy(w + sizeof(head), rd, len);
	ldns_rr *rr = NULL;
	size_t pos = 0;
	if (ldns_wire2rr(&rr, w, sizeof(head) + len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		return VTG_EWIRE_RDATA;
	ldns_buffer *b = ldns_buffer_new(256);
	ldns_status st = b && pos == sizeof(head) + len ? LDNS_STATUS_OK : LDNS_STATUS_MEM_ERR;
	for (size_t i = 0; st == LDNS_STATUS_OK && i < ldns_rr_rd_count(rr); i++) {
		if (i)
			ldns_buffer_write_u8(b, ' ');
		st = ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i));
	}
	if (st == LDNS_STATUS_OK && ldns_buffer_status_ok(b))
		put(o, (const char *)ldns_buffer_begin(b), ldns_buffer_position(b));
	else
		st = LDNS_STATUS_ERR;
	ldns_buffer_free(b);
	ldns_rr_free(rr);
	return st == LDNS_STATUS_OK ? 0 : VTG_EWIRE_RDATA;
}

static int rdata(struct out *o, const struct vtg_msg *m, const struct vtg_rr *rr)
{
	const uint8_t *rd = rr->rdata;
	size_t len = rr->rdlen, off = rr->rdata_off, end = off + len, next;
	char buf[INET6_ADDRSTRLEN];
	switch (rr->type) {
	case VTG_TYPE_A:
		if (len != 4 || !inet_ntop(AF_INET, rd, buf, sizeof(buf)))
			return VTG_EWIRE_RDATA;
		puts_(o, buf);
		return 0;
	case VTG_TYPE_AAAA:
		if (len != 16 || !inet_ntop(AF_INET6, rd, buf, sizeof(buf)))
			return VTG_EWIRE_RDATA;
		puts_(o, buf);
		return 0;
	case VTG_TYPE_NS:
	case VTG_TYPE_CNAME:
	case VTG_TYPE_DNAME:
	case VTG_TYPE_PTR:
		if (put_name(o, m, off, &next) || next != end)
			return VTG_EWIRE_RDATA;
		return 0;
	case VTG_TYPE_MX:
		if (len < 3)
			return VTG_EWIRE_RDATA;
		put_u(o, (unsigned long)(rd[0] << 8 | rd[1]));
		put(o, " ", 1);
		if (put_name(o, m, off + 2, &next) || next != end)
			return VTG_EWIRE_RDATA;
		return 0;
	case VTG_TYPE_SOA: {
		if (put_name(o, m, off, &next))
			return VTG_EWIRE_RDATA;
		put(o, " ", 1);
		if (put_name(o, m, next, &next) || next + 20 != end)
			return VTG_EWIRE_RDATA;
		const uint8_t *p = m->pkt + next;
		for (int i = 0; i < 5; i++) {
			put(o, " ", 1);
			put_u(o, (unsigned long)p[4 * i] << 24 | (unsigned long)p[4 * i + 1] << 16 |
				      (unsigned long)p[4 * i + 2] << 8 | p[4 * i + 3]);
		}
		return 0;
	}
	case VTG_TYPE_TXT: {
		size_t i = 0;
		if (len == 0)
			return VTG_EWIRE_RDATA;
		while (i < len) {
			size_t l = rd[i];
			if (i + 1 + l > len)
				return VTG_EWIRE_RDATA;
			if (i)
				put(o, " ", 1);
			put_charstr(o, rd + i + 1, l);
			i += 1 + l;
		}
		return 0;
	}
	case VTG_TYPE_CAA: {
		static _Thread_local char tmp[4 * 65536 + 64];
		if (len * 4 + 64 > sizeof(tmp))
			return VTG_EWIRE_RDATA;
		int n = vtg__caa_rdata_to_text(rd, len, tmp, sizeof(tmp));
		if (n < 0)
			return VTG_EWIRE_RDATA;
		put(o, tmp, (size_t)n);
		return 0;
	}
	default:
		if (put_ldns(o, rr->type, rd, len) != 0)
			put_generic(o, rd, len);
		return 0;
	}
}

int vtg__rr_to_text(const struct vtg_msg *m, const struct vtg_rr *rr, char *out,
		    size_t cap)
{
	struct out o = {out, 0, cap, false};
	char name[VTG_DNS_MAX_TEXT * 4 + 8];
	char tb[16];
	if (cap == 0)
		return VTG_EWIRE_SPACE;
	out[0] = 0;
	if (vtg__name_to_text(rr->owner, name, sizeof(name), true) < 0)
		return VTG_EWIRE_SPACE;
	puts_(&o, name);
	put(&o, " ", 1);
	put_u(&o, rr->ttl);
	puts_(&o, rr->rclass == VTG_CLASS_IN ? " IN " : " CLASS? ");
	puts_(&o, vtg__type_str(rr->type, tb, sizeof(tb)));
	put(&o, " ", 1);
	size_t mark = o.len;
	if (rdata(&o, m, rr) != 0) {
		o.len = mark;
		o.full = false;
		out[mark] = 0;
		put_generic(&o, rr->rdata, rr->rdlen);
	}
	return o.full ? VTG_EWIRE_SPACE : (int)o.len;
}

int vtg__rdata_rr_text(const uint8_t *owner, uint16_t type, const struct vtg_rdata *rd,
		       char *out, size_t cap)
{
	/* a message that is just the RDATA: its names have no pointers */
	struct vtg_msg m;
	memset(&m, 0, sizeof(m));
	m.pkt = rd->rdata;
	m.len = rd->len;
	struct vtg_rr rr;
	memset(&rr, 0, sizeof(rr));
	memcpy(rr.owner, owner, vtg__name_len(owner));
	rr.type = type;
	rr.rclass = VTG_CLASS_IN;
	rr.ttl = rd->ttl;
	rr.rdlen = rd->len;
	rr.rdata = rd->rdata;
	rr.rdata_off = 0;
	return vtg__rr_to_text(&m, &rr, out, cap);
}
