/*
 * wire.c — DNS message codec (RFC 1035 section 4, RFC 6891, RFC 8914).
 *
 * Invariants: every read goes through bounds checks against [pkt, pkt+len);
 * vtg__msg_parse() validates the whole message once (question, every RR of
 * every section, OPT placement, no trailing bytes), so vtg__rr_iter_next()
 * over a parsed message never fails and never re-validates more than names.
 * No allocation anywhere: names decompress into caller buffers.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "resolver/wire.h"

/* A compressed name can legitimately take at most 127 pointer hops (one per
 * label); anything above is a loop (RFC 1035 4.1.4 gives no limit, every
 * sane implementation has one). */
#define MAX_PTR_HOPS 127
#define RR_FIXED 10      /* type, class, ttl, rdlength */
#define EDE_OPTION 15    /* RFC 8914 */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int vtg__name_unpack(const uint8_t *pkt, size_t len, size_t off, uint8_t *out,
		     size_t *next)
{
	size_t w = 0;
	size_t pos = off;
	size_t after = 0;       /* where the in-place encoding ends */
	bool jumped = false;
	size_t limit = off;     /* pointers must point before this */
	unsigned hops = 0;
	for (;;) {
		if (pos >= len)
			return VTG_EWIRE_TRUNC;
		uint8_t l = pkt[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return VTG_EWIRE_TRUNC;
			size_t target = (size_t)(l & 0x3f) << 8 | pkt[pos + 1];
			if (!jumped)
				after = pos + 2;
			if (++hops > MAX_PTR_HOPS)
				return VTG_EWIRE_PTR_LOOP;
			/* strictly backwards from the label sequence that holds it:
			 * past the pointer itself is a forward pointer, between the
			 * sequence start and the pointer would loop */
			if (target >= pos)
				return target == pos ? VTG_EWIRE_PTR_LOOP : VTG_EWIRE_PTR_FWD;
			if (target >= limit)
				return VTG_EWIRE_PTR_LOOP;
			limit = target;
			pos = target;
			jumped = true;
			continue;
		}
		if ((l & 0xc0) != 0)
			return VTG_EWIRE_LABEL_TYPE; /* 0x40 extended, 0x80 reserved */
		if (l == 0) {
			if (w + 1 > VTG_DNS_MAX_NAME)
				return VTG_EWIRE_NAME_LEN;
			out[w++] = 0;
			if (!jumped)
				after = pos + 1;
			break;
		}
		if (pos + 1 + l > len)
			return VTG_EWIRE_TRUNC;
		if (w + 1 + l + 1 > VTG_DNS_MAX_NAME)
			return VTG_EWIRE_NAME_LEN;
		memcpy(out + w, pkt + pos, (size_t)l + 1);
		w += (size_t)l + 1;
		pos += (size_t)l + 1;
	}
	if (next)
		*next = after;
	return (int)w;
}

/* Skip a name without copying it, validating it the same way. */
static int name_skip(const uint8_t *pkt, size_t len, size_t off, size_t *next)
{
	uint8_t tmp[VTG_DNS_MAX_NAME];
	int rc = vtg__name_unpack(pkt, len, off, tmp, next);
	return rc < 0 ? rc : 0;
}

int vtg__query_encode(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname,
		      uint16_t qtype, const struct vtg_query_opts *opts)
{
	/* validate the name as we measure it */
	size_t nl = 0;
	for (;;) {
		uint8_t l = qname[nl];
		if (l == 0) {
			nl++;
			break;
		}
		if (l > VTG_DNS_MAX_LABEL)
			return VTG_EWIRE_LABEL_LEN;
		nl += (size_t)l + 1;
		if (nl + 1 > VTG_DNS_MAX_NAME)
			return VTG_EWIRE_NAME_LEN;
	}
	bool edns = opts && (opts->edns || opts->do_bit);
	size_t need = VTG_DNS_HEADER_LEN + nl + 4 + (edns ? 11 : 0);
	if (need > cap)
		return VTG_EWIRE_SPACE;
	uint16_t flags = 0;
	if (opts && opts->rd)
		flags |= VTG_FLAG_RD;
	if (opts && opts->cd)
		flags |= VTG_FLAG_CD;
	wr16(buf, id);
	wr16(buf + 2, flags);
	wr16(buf + 4, 1);
	wr16(buf + 6, 0);
	wr16(buf + 8, 0);
	wr16(buf + 10, edns ? 1 : 0);
	memcpy(buf + VTG_DNS_HEADER_LEN, qname, nl);
	size_t o = VTG_DNS_HEADER_LEN + nl;
	wr16(buf + o, qtype);
	wr16(buf + o + 2, VTG_CLASS_IN);
	o += 4;
	if (edns) {
		/* RFC 6891 6.1.2: root owner, type OPT, class = UDP size,
		 * TTL = ext-rcode | version | DO | Z, empty RDATA */
		buf[o++] = 0;
		wr16(buf + o, VTG_TYPE_OPT);
		wr16(buf + o + 2, opts->udp_size ? opts->udp_size : VTG_EDNS_UDP_DEFAULT);
		buf[o + 4] = 0;
		buf[o + 5] = 0;
		buf[o + 6] = opts->do_bit ? 0x80 : 0;
		buf[o + 7] = 0;
		wr16(buf + o + 8, 0);
		o += 10;
	}
	return (int)o;
}

unsigned vtg__msg_rcode(const struct vtg_msg *m)
{
	unsigned rc = VTG_RCODE(m->flags);
	if (m->has_opt)
		rc |= (unsigned)m->opt_ext_rcode << 4;
	return rc;
}

static int parse_opt(struct vtg_msg *m, const uint8_t *owner_start, size_t rr_off,
		     const uint8_t *pkt, size_t rdoff, uint16_t rdlen)
{
	(void)rr_off;
	if (m->has_opt || *owner_start != 0)
		return VTG_EWIRE_OPT;
	const uint8_t *fixed = owner_start + 1;
	m->has_opt = true;
	m->opt_udp = rd16(fixed + 2);
	m->opt_ext_rcode = fixed[4];
	m->opt_version = fixed[5];
	m->opt_do = (fixed[6] & 0x80) != 0;
	size_t p = 0;
	while (p < rdlen) {
		if (p + 4 > rdlen)
			return VTG_EWIRE_OPT;
		uint16_t code = rd16(pkt + rdoff + p);
		uint16_t olen = rd16(pkt + rdoff + p + 2);
		if (p + 4 + olen > rdlen)
			return VTG_EWIRE_OPT;
		if (code == EDE_OPTION && m->ede_code < 0) {
			if (olen < 2)
				return VTG_EWIRE_OPT;
			m->ede_code = rd16(pkt + rdoff + p + 4);
		}
		p += 4u + olen;
	}
	return 0;
}

int vtg__msg_parse(struct vtg_msg *m, const uint8_t *pkt, size_t len)
{
	memset(m, 0, offsetof(struct vtg_msg, qname));
	m->qname[0] = 0;
	m->qtype = m->qclass = 0;
	m->has_opt = false;
	m->opt_udp = 0;
	m->opt_ext_rcode = 0;
	m->opt_version = 0;
	m->opt_do = false;
	m->ede_code = -1;
	m->pkt = pkt;
	m->len = len;
	if (len < VTG_DNS_HEADER_LEN)
		return VTG_EWIRE_HEADER;
	m->id = rd16(pkt);
	m->flags = rd16(pkt + 2);
	m->qdcount = rd16(pkt + 4);
	m->ancount = rd16(pkt + 6);
	m->nscount = rd16(pkt + 8);
	m->arcount = rd16(pkt + 10);
	size_t off = VTG_DNS_HEADER_LEN;
	if ((m->flags & VTG_FLAG_QR) ? m->qdcount != 1 : m->qdcount > 1)
		return VTG_EWIRE_QDCOUNT;
	if (m->qdcount == 1) {
		int rc = vtg__name_unpack(pkt, len, off, m->qname, &off);
		if (rc < 0)
			return rc;
		if (off + 4 > len)
			return VTG_EWIRE_TRUNC;
		m->qtype = rd16(pkt + off);
		m->qclass = rd16(pkt + off + 2);
		off += 4;
	}
	const uint16_t counts[3] = {m->ancount, m->nscount, m->arcount};
	for (int s = 0; s < 3; s++) {
		m->sec_off[s] = off;
		m->sec_count[s] = counts[s];
		for (unsigned i = 0; i < counts[s]; i++) {
			if (off == len)
				return VTG_EWIRE_COUNT; /* the count promised more */
			size_t owner = off;
			int rc = name_skip(pkt, len, off, &off);
			if (rc < 0)
				return rc;
			if (off + RR_FIXED > len)
				return VTG_EWIRE_TRUNC;
			uint16_t type = rd16(pkt + off);
			uint16_t rdlen = rd16(pkt + off + 8);
			size_t rdoff = off + RR_FIXED;
			if (rdoff + rdlen > len)
				return VTG_EWIRE_RDLEN;
			if (type == VTG_TYPE_OPT) {
				if (s != VTG_SEC_ADDITIONAL)
					return VTG_EWIRE_OPT;
				if (off != owner + 1)
					return VTG_EWIRE_OPT; /* owner must be the root, uncompressed */
				rc = parse_opt(m, pkt + owner, owner, pkt, rdoff, rdlen);
				if (rc < 0)
					return rc;
			}
			off = rdoff + rdlen;
		}
	}
	if (off != len)
		return VTG_EWIRE_TRAILING;
	return 0;
}

void vtg__rr_iter_init(struct vtg_rr_iter *it, const struct vtg_msg *m,
		       enum vtg_section sec)
{
	it->m = m;
	it->off = m->sec_off[sec];
	it->left = m->sec_count[sec];
}

int vtg__rr_iter_next(struct vtg_rr_iter *it, struct vtg_rr *rr)
{
	if (it->left == 0)
		return 0;
	const struct vtg_msg *m = it->m;
	size_t off;
	int rc = vtg__name_unpack(m->pkt, m->len, it->off, rr->owner, &off);
	if (rc < 0)
		return rc;
	if (off + RR_FIXED > m->len)
		return VTG_EWIRE_TRUNC;
	const uint8_t *p = m->pkt + off;
	rr->type = rd16(p);
	rr->rclass = rd16(p + 2);
	rr->ttl = rd32(p + 4);
	rr->rdlen = rd16(p + 8);
	rr->rdata_off = off + RR_FIXED;
	if (rr->rdata_off + rr->rdlen > m->len)
		return VTG_EWIRE_RDLEN;
	rr->rdata = m->pkt + rr->rdata_off;
	it->off = rr->rdata_off + rr->rdlen;
	it->left--;
	return 1;
}

const char *vtg__rcode_str(unsigned rcode)
{
	/* IANA DNS RCODEs registry (RFC 1035, 2136, 6891, 8945) */
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
		"RCODE12", "RCODE13", "RCODE14", "RCODE15", "BADVERS", "BADKEY",
		"BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE",
	};
	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return "RCODE-UNASSIGNED";
}

const char *vtg__type_str(uint16_t type, char *buf, size_t cap)
{
	static const struct { uint16_t t; const char *n; } types[] = {
		{1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"}, {12, "PTR"}, {13, "HINFO"},
		{15, "MX"}, {16, "TXT"}, {28, "AAAA"}, {33, "SRV"}, {35, "NAPTR"},
		{39, "DNAME"}, {41, "OPT"}, {43, "DS"}, {46, "RRSIG"}, {47, "NSEC"},
		{48, "DNSKEY"}, {50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"},
		{59, "CDS"}, {60, "CDNSKEY"}, {64, "SVCB"}, {65, "HTTPS"}, {99, "SPF"},
		{255, "ANY"}, {256, "URI"}, {257, "CAA"},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].t == type)
			return types[i].n;
	if (buf && cap) {
		snprintf(buf, cap, "TYPE%u", type); /* RFC 3597 section 5 */
		return buf;
	}
	return "TYPE?";
}
