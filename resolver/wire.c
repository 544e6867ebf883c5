/*
 * wire.c — DNS wire codec: query encoding and a validating, zero-copy message
 * parser (RFC 1035 section 4, RFC 3597, RFC 6891 EDNS0, RFC 8914 EDE).
 *
 * Role: the only code that reads DNS messages. Everything above it (stub and
 * iterative resolution, CAA, the engine, the CLI) sees a struct vtg_msg that
 * has already passed vtg__msg_parse().
 *
 * Invariants:
 *  - Every read goes through a bounds-checked cursor over [pkt, pkt + len)
 *    whose first error sticks (the idea of Knot's wire_ctx): a run of reads
 *    needs one check at the end and can never step outside the buffer.
 *  - No allocation: names decompress into caller buffers of VTG_DNS_MAX_NAME.
 *  - A compression pointer must point strictly before the start of the label
 *    sequence that holds it, so every hop moves backwards and decoding ends
 *    after at most MAX_PTR_HOPS hops whatever the input.
 *  - vtg__msg_parse() walks every RR of every section once and rejects each
 *    kind of malformation with its own error code. After it succeeds,
 *    vtg__rr_iter_next() cannot fail, and for class IN records of the types
 *    whose RDATA holds names that may be compressed (NS, CNAME, SOA, PTR, MX;
 *    DNAME too) vtg__name_unpack() at rdata_off succeeds and ends inside the
 *    RDATA, which the RDATA fills exactly.
 *  - RDATA names are handed out uncompressed only by vtg__rdata_uncompress(),
 *    which checks the layout itself (SRV and non-IN classes are not checked
 *    by the parse), so every consumer decompresses them the same way.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "resolver/wire.h"

/*
 * Pointer hops allowed while decoding one name. A name has at most 127
 * labels (RFC 1035 2.3.4: 255 octets, two per one-octet label plus the root),
 * and a real compressor emits at most one pointer per label, so 127 hops never
 * reject a real name; a chain of pointers to pointers beyond that is treated
 * as a loop (RFC 1035 4.1.4 sets no limit, every implementation needs one).
 */
#define MAX_PTR_HOPS 127

/* Label type: the top two bits of the length octet (RFC 1035 4.1.4; 0x40 is
 * the extended label type of RFC 6891 section 5, 0x80 is reserved). */
#define LABEL_TYPE_MASK 0xc0
#define LABEL_NORMAL 0x00
#define LABEL_POINTER 0xc0

#define RR_FIXED_LEN 10   /* TYPE, CLASS, TTL, RDLENGTH (RFC 1035 4.1.3) */
#define QUESTION_FIXED 4  /* QTYPE, QCLASS (RFC 1035 4.1.2) */
#define OPT_RR_LEN 11     /* root owner + fixed part, empty RDATA (RFC 6891 6.1.2) */
#define OPT_DO_BIT 0x8000 /* in the low 16 bits of the OPT TTL (RFC 3225 3) */
#define EDNS_OPT_EDE 15   /* Extended DNS Error option code (RFC 8914 section 4) */
#define SOA_FIXED_LEN 20  /* SERIAL REFRESH RETRY EXPIRE MINIMUM (RFC 1035 3.3.13) */

/* ---- read cursor: bounds-checked, first error sticks ---- */

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off; /* always <= len */
	int err;    /* first error, 0 while every read fitted */
};

static inline void cur_init(struct cursor *c, const uint8_t *p, size_t len, size_t off)
{
	c->p = p;
	c->len = len;
	c->off = off <= len ? off : len;
	c->err = off <= len ? 0 : VTG_EWIRE_TRUNC;
}

/* True when n more octets are readable; otherwise records err (once). */
static inline bool cur_need(struct cursor *c, size_t n, int err)
{
	if (c->err)
		return false;
	if (n > c->len - c->off) {
		c->err = err;
		return false;
	}
	return true;
}

static inline uint16_t cur_u16(struct cursor *c)
{
	if (!cur_need(c, 2, VTG_EWIRE_TRUNC))
		return 0;
	const uint8_t *q = c->p + c->off;
	c->off += 2;
	return (uint16_t)(q[0] << 8 | q[1]);
}

static inline uint32_t cur_u32(struct cursor *c)
{
	if (!cur_need(c, 4, VTG_EWIRE_TRUNC))
		return 0;
	const uint8_t *q = c->p + c->off;
	c->off += 4;
	return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

static inline void cur_skip(struct cursor *c, size_t n, int err)
{
	if (cur_need(c, n, err))
		c->off += n;
}

/* ---- write cursor for encoding: VTG_EWIRE_SPACE sticks ---- */

struct wcursor {
	uint8_t *p;
	size_t cap;
	size_t off;
	int err;
};

static inline void w_bytes(struct wcursor *w, const void *src, size_t n)
{
	if (w->err)
		return;
	if (n > w->cap - w->off) {
		w->err = VTG_EWIRE_SPACE;
		return;
	}
	memcpy(w->p + w->off, src, n);
	w->off += n;
}

static inline void w_u8(struct wcursor *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

static inline void w_u16(struct wcursor *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	w_bytes(w, b, 2);
}

/* ---- names ---- */

/*
 * Decode the possibly compressed name at pkt[off] (RFC 1035 4.1.4). out may
 * be NULL to validate and measure only. Returns the uncompressed wire length;
 * on error out may hold a partial name (name_walk() resets it).
 *
 * Pointer rules, each with its own code:
 *  - target after the pointer itself: VTG_EWIRE_PTR_FWD;
 *  - target inside the label sequence being read, the pointer itself
 *    included (following it would read the same octets forever), or more
 *    than MAX_PTR_HOPS hops: VTG_EWIRE_PTR_LOOP.
 * A length octet of 64..255 is never a long label on the wire: its top bits
 * make it a 0x40 / 0x80 label type (VTG_EWIRE_LABEL_TYPE) or a pointer.
 */
static int name_decode(const uint8_t *pkt, size_t len, size_t off, uint8_t *out,
		       size_t *next)
{
	size_t pos = off;     /* octet being read */
	size_t run = off;     /* start of the label sequence being read */
	size_t end = 0;       /* just past the in-place encoding, once known */
	bool jumped = false;
	unsigned hops = 0;
	size_t w = 0;         /* uncompressed length so far */

	for (;;) {
		if (pos >= len)
			return VTG_EWIRE_TRUNC;
		uint8_t l = pkt[pos];
		if ((l & LABEL_TYPE_MASK) == LABEL_POINTER) {
			if (len - pos < 2)
				return VTG_EWIRE_TRUNC;
			size_t target = (size_t)(l & ~LABEL_TYPE_MASK) << 8 | pkt[pos + 1];
			if (target > pos)
				return VTG_EWIRE_PTR_FWD;
			if (target >= run || ++hops > MAX_PTR_HOPS)
				return VTG_EWIRE_PTR_LOOP;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = run = target;
			continue;
		}
		if ((l & LABEL_TYPE_MASK) != LABEL_NORMAL)
			return VTG_EWIRE_LABEL_TYPE;
		if (l == 0)
			break;
		if (l > len - pos - 1)
			return VTG_EWIRE_TRUNC;
		/* keep room for the root label (RFC 1035 2.3.4: 255 in all) */
		if (w + 1 + l + 1 > VTG_DNS_MAX_NAME)
			return VTG_EWIRE_NAME_LEN;
		if (out)
			memcpy(out + w, pkt + pos, (size_t)l + 1);
		w += (size_t)l + 1;
		pos += (size_t)l + 1;
	}
	if (out)
		out[w] = 0;
	w++;
	if (!jumped)
		end = pos + 1;
	if (next)
		*next = end;
	return (int)w;
}

/* name_decode() that leaves out as the root name on error, so a caller that
 * ignores the return value never walks a partial, unterminated name; *next
 * is only written on success. */
static int name_walk(const uint8_t *pkt, size_t len, size_t off, uint8_t *out,
		     size_t *next)
{
	int rc = name_decode(pkt, len, off, out, next);
	if (rc < 0 && out)
		out[0] = 0;
	return rc;
}

int vtg__name_unpack(const uint8_t *pkt, size_t len, size_t off, uint8_t *out,
		     size_t *next)
{
	return name_walk(pkt, len, off, out, next);
}

/* Read a name at the cursor; out may be NULL. Returns its length or 0 on
 * error (recorded in the cursor). */
static size_t cur_name(struct cursor *c, uint8_t *out)
{
	if (c->err)
		return 0;
	size_t next;
	int rc = name_walk(c->p, c->len, c->off, out, &next);
	if (rc < 0) {
		c->err = rc;
		return 0;
	}
	c->off = next;
	return (size_t)rc;
}

/* Length of a caller-supplied uncompressed wire name, or an error. Reads
 * nothing past the 255th octet. */
static int qname_len(const uint8_t *name)
{
	size_t off = 0;
	for (;;) {
		uint8_t l = name[off];
		if (l == 0)
			return (int)off + 1;
		if (l > VTG_DNS_MAX_LABEL)
			return VTG_EWIRE_LABEL_LEN;
		if (off + 1 + l + 1 > VTG_DNS_MAX_NAME)
			return VTG_EWIRE_NAME_LEN;
		off += (size_t)l + 1;
	}
}

/* ---- query ---- */

int vtg__query_encode(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname,
		      uint16_t qtype, const struct vtg_query_opts *opts)
{
	int nl = qname_len(qname);
	if (nl < 0)
		return nl;
	bool edns = opts && (opts->edns || opts->do_bit);
	uint16_t flags = 0; /* QR=0, OPCODE=QUERY, RCODE=0 (RFC 1035 4.1.1) */
	if (opts && opts->rd)
		flags |= VTG_FLAG_RD;
	if (opts && opts->cd)
		flags |= VTG_FLAG_CD; /* RFC 4035 3.2.2 */

	struct wcursor w = {buf, cap, 0, 0};
	w_u16(&w, id);
	w_u16(&w, flags);
	w_u16(&w, 1);            /* QDCOUNT */
	w_u16(&w, 0);            /* ANCOUNT */
	w_u16(&w, 0);            /* NSCOUNT */
	w_u16(&w, edns ? 1 : 0); /* ARCOUNT */
	w_bytes(&w, qname, (size_t)nl); /* uncompressed, case as given */
	w_u16(&w, qtype);
	w_u16(&w, VTG_CLASS_IN);
	if (edns) {
		/* RFC 6891 6.1.2: owner root, TYPE OPT, CLASS = requestor's UDP
		 * payload size, TTL = extended RCODE 0, VERSION 0, DO | Z,
		 * RDLENGTH 0 */
		w_u8(&w, 0);
		w_u16(&w, VTG_TYPE_OPT);
		w_u16(&w, opts->udp_size ? opts->udp_size : VTG_EDNS_UDP_DEFAULT);
		w_u8(&w, 0);
		w_u8(&w, 0);
		w_u16(&w, opts->do_bit ? OPT_DO_BIT : 0);
		w_u16(&w, 0);
	}
	if (w.err)
		return w.err;
	return (int)w.off;
}

/* ---- messages ---- */

unsigned vtg__msg_rcode(const struct vtg_msg *m)
{
	/* RFC 6891 6.1.3: the OPT TTL holds the upper 8 bits of the 12-bit
	 * RCODE, the header the lower 4 */
	unsigned rc = VTG_RCODE(m->flags);
	if (m->has_opt)
		rc |= (unsigned)m->opt_ext_rcode << 4;
	return rc;
}

/*
 * The OPT pseudo-RR (RFC 6891 6.1): once, in the additional section, owner
 * the root (6.1.1: a second OPT makes the message malformed). Its option
 * list must tile the RDATA exactly; the first EDE option (RFC 8914 2) gives
 * ede_code and must hold at least the 2-octet INFO-CODE.
 */
static int opt_parse(struct vtg_msg *m, int sec, size_t owner_len, uint16_t rclass,
		     uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	if (sec != VTG_SEC_ADDITIONAL || m->has_opt || owner_len != 1)
		return VTG_EWIRE_OPT;
	m->has_opt = true;
	m->opt_udp = rclass; /* raw; RFC 6891 6.2.5 says treat < 512 as 512 */
	m->opt_ext_rcode = (uint8_t)(ttl >> 24);
	m->opt_version = (uint8_t)(ttl >> 16);
	m->opt_do = (ttl & OPT_DO_BIT) != 0;

	struct cursor c;
	cur_init(&c, rdata, rdlen, 0);
	while (c.off < c.len) {
		uint16_t code = cur_u16(&c);
		uint16_t olen = cur_u16(&c);
		size_t data = c.off;
		cur_skip(&c, olen, VTG_EWIRE_OPT);
		if (c.err)
			return VTG_EWIRE_OPT;
		if (code == EDNS_OPT_EDE && m->ede_code < 0) {
			if (olen < 2)
				return VTG_EWIRE_OPT;
			m->ede_code = rdata[data] << 8 | rdata[data + 1];
		}
	}
	return 0;
}

/* One name that must end inside the RDATA cursor; running off the RDATA is
 * VTG_EWIRE_RDATA, any other name error keeps its own code. */
static void rdata_name(struct cursor *c)
{
	cur_name(c, NULL);
	if (c->err == VTG_EWIRE_TRUNC)
		c->err = VTG_EWIRE_RDATA;
}

/*
 * Check the RDATA of class IN types whose layout the rest of vantage reads
 * directly (RFC 1035 3.3 and 3.4.1, RFC 3596 2.2, RFC 6672 2.1). The cursor
 * ends at the RDATA end, so names (pointers may reach back anywhere before
 * them) cannot spill past it. Other types and classes are opaque here:
 * their own parsers check them (CAA, DNSSEC through ldns).
 */
static int rdata_check(const uint8_t *pkt, size_t rdoff, uint16_t rdlen, uint16_t type,
		       uint16_t rclass)
{
	if (rclass != VTG_CLASS_IN)
		return 0;
	struct cursor c;
	cur_init(&c, pkt, rdoff + rdlen, rdoff);
	switch (type) {
	case VTG_TYPE_A:
		cur_skip(&c, 4, VTG_EWIRE_RDATA);
		break;
	case VTG_TYPE_AAAA:
		cur_skip(&c, 16, VTG_EWIRE_RDATA);
		break;
	case VTG_TYPE_NS:
	case VTG_TYPE_CNAME:
	case VTG_TYPE_PTR:
	case VTG_TYPE_DNAME:
		rdata_name(&c);
		break;
	case VTG_TYPE_MX:
		cur_skip(&c, 2, VTG_EWIRE_RDATA); /* PREFERENCE */
		rdata_name(&c);
		break;
	case VTG_TYPE_SOA:
		rdata_name(&c); /* MNAME */
		rdata_name(&c); /* RNAME */
		cur_skip(&c, SOA_FIXED_LEN, VTG_EWIRE_RDATA);
		break;
	default:
		return 0;
	}
	if (c.err)
		return c.err;
	if (c.off != c.len)
		return VTG_EWIRE_RDATA; /* octets left over inside the RDATA */
	return 0;
}

/* One RR at the cursor (RFC 1035 4.1.3), in section sec. */
static int rr_check(struct vtg_msg *m, struct cursor *c, int sec)
{
	size_t owner_len = cur_name(c, NULL);
	uint16_t type = cur_u16(c);
	uint16_t rclass = cur_u16(c);
	uint32_t ttl = cur_u32(c);
	uint16_t rdlen = cur_u16(c);
	size_t rdoff = c->off;
	cur_skip(c, rdlen, VTG_EWIRE_RDLEN);
	if (c->err)
		return c->err;
	if (type == VTG_TYPE_OPT)
		return opt_parse(m, sec, owner_len, rclass, ttl, c->p + rdoff, rdlen);
	return rdata_check(c->p, rdoff, rdlen, type, rclass);
}

static int msg_walk(struct vtg_msg *m, struct cursor *c)
{
	m->id = cur_u16(c);
	m->flags = cur_u16(c);
	m->qdcount = cur_u16(c);
	m->ancount = cur_u16(c);
	m->nscount = cur_u16(c);
	m->arcount = cur_u16(c);
	if (c->err)
		return c->err;

	/* RFC 1035 4.1.2 allows several questions, but in practice QDCOUNT is
	 * one (RFC 9619): a response to our queries must echo exactly one; a
	 * query may have none (a DNS COOKIE probe, RFC 7873 5.4) */
	bool response = (m->flags & VTG_FLAG_QR) != 0;
	if (response ? m->qdcount != 1 : m->qdcount > 1)
		return VTG_EWIRE_QDCOUNT;
	if (m->qdcount == 1) {
		if (c->off == c->len)
			return VTG_EWIRE_COUNT;
		cur_name(c, m->qname);
		m->qtype = cur_u16(c);
		m->qclass = cur_u16(c);
		if (c->err)
			return c->err;
	}

	const uint16_t counts[3] = {m->ancount, m->nscount, m->arcount};
	for (int s = VTG_SEC_ANSWER; s <= VTG_SEC_ADDITIONAL; s++) {
		m->sec_off[s] = c->off;
		m->sec_count[s] = counts[s];
		for (unsigned i = 0; i < counts[s]; i++) {
			/* ends cleanly between records: the count lied */
			if (c->off == c->len)
				return VTG_EWIRE_COUNT;
			int rc = rr_check(m, c, s);
			if (rc < 0)
				return rc;
		}
	}
	if (c->off != c->len)
		return VTG_EWIRE_TRAILING;
	return 0;
}

int vtg__msg_parse(struct vtg_msg *m, const uint8_t *pkt, size_t len)
{
	memset(m, 0, sizeof(*m)); /* qname = root, no OPT, empty sections */
	m->pkt = pkt;
	m->len = len;
	m->ede_code = -1;
	if (len < VTG_DNS_HEADER_LEN)
		return VTG_EWIRE_HEADER;
	struct cursor c;
	cur_init(&c, pkt, len, 0);
	int rc = msg_walk(m, &c);
	if (rc < 0) {
		/* header fields stay for logging; iterating yields nothing */
		for (int s = 0; s < 3; s++)
			m->sec_count[s] = 0;
		m->has_opt = false;
		m->ede_code = -1;
	}
	return rc;
}

int vtg__msg_parse_question(struct vtg_msg *m, const uint8_t *pkt, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->pkt = pkt;
	m->len = len;
	m->ede_code = -1;
	if (len < VTG_DNS_HEADER_LEN)
		return VTG_EWIRE_HEADER;
	struct cursor c;
	cur_init(&c, pkt, len, 0);
	m->id = cur_u16(&c);
	m->flags = cur_u16(&c);
	m->qdcount = cur_u16(&c);
	m->ancount = cur_u16(&c);
	m->nscount = cur_u16(&c);
	m->arcount = cur_u16(&c);
	if (m->qdcount != 1)
		return VTG_EWIRE_QDCOUNT;
	cur_name(&c, m->qname);
	m->qtype = cur_u16(&c);
	m->qclass = cur_u16(&c);
	if (c.err) {
		memset(m->qname, 0, sizeof(m->qname));
		return c.err;
	}
	for (int s = 0; s < 3; s++)
		m->sec_off[s] = c.off; /* the sections are not looked at: empty */
	return 0;
}

/* ---- iteration ---- */

void vtg__rr_iter_init(struct vtg_rr_iter *it, const struct vtg_msg *m,
		       enum vtg_section sec)
{
	it->m = m;
	if ((unsigned)sec > VTG_SEC_ADDITIONAL) {
		it->off = 0;
		it->left = 0;
		return;
	}
	it->off = m->sec_off[sec];
	it->left = m->sec_count[sec];
}

int vtg__rr_iter_next(struct vtg_rr_iter *it, struct vtg_rr *rr)
{
	if (it->left == 0)
		return 0;
	const struct vtg_msg *m = it->m;
	struct cursor c;
	cur_init(&c, m->pkt, m->len, it->off);
	cur_name(&c, rr->owner);
	rr->type = cur_u16(&c);
	rr->rclass = cur_u16(&c);
	rr->ttl = cur_u32(&c);
	rr->rdlen = cur_u16(&c);
	rr->rdata_off = c.off;
	cur_skip(&c, rr->rdlen, VTG_EWIRE_RDLEN);
	if (c.err) {
		it->left = 0; /* only reachable on a message that failed parsing */
		return c.err;
	}
	rr->rdata = m->pkt + rr->rdata_off;
	/* RFC 2181 8: the top bit set makes a TTL 0, for every reader alike
	 * (a TTL taken literally would keep 0xffffffff for 136 years); the
	 * OPT TTL field holds extended RCODE, version and flags instead */
	if (rr->ttl > VTG_DNS_TTL_MAX && rr->type != VTG_TYPE_OPT)
		rr->ttl = 0;
	it->off = c.off;
	it->left--;
	return 1;
}

/* ---- RDATA with its names uncompressed ---- */

bool vtg__rdata_has_names(uint16_t type)
{
	switch (type) {
	case VTG_TYPE_NS:
	case VTG_TYPE_CNAME:
	case VTG_TYPE_SOA:
	case VTG_TYPE_PTR:
	case VTG_TYPE_MX:
	case VTG_TYPE_DNAME:
	case VTG_TYPE_SRV:
		return true;
	default:
		return false;
	}
}

#define MX_FIXED_LEN 2  /* PREFERENCE before EXCHANGE (RFC 1035 3.3.9) */
#define SRV_FIXED_LEN 6 /* PRIORITY WEIGHT PORT before TARGET (RFC 2782) */

int vtg__rdata_uncompress(const struct vtg_msg *m, const struct vtg_rr *rr, uint8_t *out,
			  size_t cap)
{
	size_t pre = 0, post = 0; /* fixed octets before the names / after them */
	unsigned names = 1;
	switch (rr->type) {
	case VTG_TYPE_NS:
	case VTG_TYPE_CNAME:
	case VTG_TYPE_PTR:
	case VTG_TYPE_DNAME:
		break;
	case VTG_TYPE_MX:
		pre = MX_FIXED_LEN;
		break;
	case VTG_TYPE_SRV:
		pre = SRV_FIXED_LEN;
		break;
	case VTG_TYPE_SOA:
		names = 2; /* MNAME RNAME */
		post = SOA_FIXED_LEN;
		break;
	default:
		if (rr->rdlen > cap)
			return VTG_EWIRE_SPACE;
		memcpy(out, rr->rdata, rr->rdlen);
		return rr->rdlen;
	}
	/* the RDATA must lie inside the message (it does for an iterated RR;
	 * checked so that a hand-made rr cannot make this read outside) */
	size_t start = rr->rdata_off, end = start + rr->rdlen;
	if (start > m->len || rr->rdlen > m->len - start)
		return VTG_EWIRE_RDATA;
	if (rr->rdlen < pre)
		return VTG_EWIRE_RDATA;
	/* in-place labels are read only up to the RDATA end (pointers reach
	 * back anywhere before them): a name running past it is TRUNC there */
	struct wcursor w = {out, cap, 0, 0};
	w_bytes(&w, m->pkt + start, pre);
	size_t off = start + pre;
	for (unsigned i = 0; i < names; i++) {
		uint8_t n[VTG_DNS_MAX_NAME];
		size_t next;
		int l = name_walk(m->pkt, end, off, n, &next);
		if (l == VTG_EWIRE_TRUNC)
			return VTG_EWIRE_RDATA;
		if (l < 0)
			return l;
		w_bytes(&w, n, (size_t)l);
		off = next;
	}
	if (end - off != post)
		return VTG_EWIRE_RDATA; /* fixed part missing or octets left over */
	w_bytes(&w, m->pkt + off, post);
	if (w.err)
		return w.err;
	return (int)w.off;
}

/* ---- mnemonics ---- */

const char *vtg__rcode_str(unsigned rcode)
{
	/* IANA "DNS RCODEs" (RFC 1035, 2136, 6891, 8490, 8945, 2845, 2930,
	 * 4635, 7873). 16 is BADVERS in OPT context and BADSIG in TSIG; a
	 * resolver only sees the former. Values 12-15 are unassigned. */
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
		"RCODE12", "RCODE13", "RCODE14", "RCODE15", "BADVERS", "BADKEY",
		"BADTIME", "BADMODE", "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE",
	};
	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	/* 24..4095 are unassigned or private use and this call has no buffer
	 * to print the number into: a generic mnemonic, never a wrong one */
	return "RCODE";
}

const char *vtg__type_str(uint16_t type, char *buf, size_t cap)
{
	/* IANA "Resource Record (RR) TYPEs", sorted by value */
	static const struct {
		uint16_t type;
		const char *name;
	} types[] = {
		{1, "A"}, {2, "NS"}, {3, "MD"}, {4, "MF"}, {5, "CNAME"}, {6, "SOA"},
		{7, "MB"}, {8, "MG"}, {9, "MR"}, {10, "NULL"}, {11, "WKS"},
		{12, "PTR"}, {13, "HINFO"}, {14, "MINFO"}, {15, "MX"}, {16, "TXT"},
		{17, "RP"}, {18, "AFSDB"}, {19, "X25"}, {20, "ISDN"}, {21, "RT"},
		{22, "NSAP"}, {23, "NSAP-PTR"}, {24, "SIG"}, {25, "KEY"}, {26, "PX"},
		{27, "GPOS"}, {28, "AAAA"}, {29, "LOC"}, {30, "NXT"}, {33, "SRV"},
		{35, "NAPTR"}, {36, "KX"}, {37, "CERT"}, {38, "A6"}, {39, "DNAME"},
		{41, "OPT"}, {42, "APL"}, {43, "DS"}, {44, "SSHFP"}, {45, "IPSECKEY"},
		{46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"}, {49, "DHCID"},
		{50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"}, {53, "SMIMEA"},
		{55, "HIP"}, {59, "CDS"}, {60, "CDNSKEY"}, {61, "OPENPGPKEY"},
		{62, "CSYNC"}, {63, "ZONEMD"}, {64, "SVCB"}, {65, "HTTPS"},
		{99, "SPF"}, {104, "NID"}, {105, "L32"}, {106, "L64"}, {107, "LP"},
		{108, "EUI48"}, {109, "EUI64"}, {249, "TKEY"}, {250, "TSIG"},
		{251, "IXFR"}, {252, "AXFR"}, {253, "MAILB"}, {254, "MAILA"},
		{255, "ANY"}, {256, "URI"}, {257, "CAA"}, {258, "AVC"}, {259, "DOA"},
		{260, "AMTRELAY"}, {261, "RESINFO"}, {32768, "TA"}, {32769, "DLV"},
	};
	size_t lo = 0, hi = sizeof(types) / sizeof(types[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (types[mid].type == type)
			return types[mid].name;
		if (types[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* RFC 3597 section 5: unknown types as TYPE<decimal>. Without room for
	 * the whole text (at most "TYPE65535" + NUL) the generic mnemonic. */
	if (buf) {
		int n = snprintf(buf, cap, "TYPE%u", (unsigned)type);
		if (n > 0 && (size_t)n < cap)
			return buf;
	}
	return "TYPE";
}
