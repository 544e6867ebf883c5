/*
 * wire.h — DNS wire codec (RFC 1035 section 4, RFC 6891 EDNS0).
 *
 * Zero-copy: a parsed message is a view over the caller's packet buffer; RRs
 * are iterated without allocating (owner names are decompressed into a
 * 255-octet buffer inside the iterator's output struct). vtg__msg_parse()
 * walks the whole message once and rejects anything malformed with a distinct
 * error code, so iteration over a parsed message cannot fail afterwards.
 * Never reads outside [pkt, pkt + len).
 *
 * Names here are uncompressed wire names (length-prefixed labels ending with
 * the root label 0) of at most VTG_DNS_MAX_NAME octets; their original case
 * is preserved, comparisons are ASCII case-insensitive (RFC 4343).
 */
#ifndef VTG_RESOLVER_WIRE_H
#define VTG_RESOLVER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vantage.h"

#define VTG_DNS_HEADER_LEN 12
#define VTG_DNS_MAX_NAME 255   /* RFC 1035 section 2.3.4: wire octets */
#define VTG_DNS_MAX_LABEL 63   /* RFC 1035 section 2.3.4 */
#define VTG_DNS_MAX_TEXT 254   /* 253 characters + NUL for a text name */
#define VTG_EDNS_UDP_DEFAULT 1232 /* DNS Flag Day 2020: no IP fragmentation */
#define VTG_DNS_MAX_MSG 65535  /* RFC 1035 section 4.2.2: TCP length field */
/* RFC 2181 section 8: a TTL is 0..2^31-1; one with the top bit set is
 * treated as 0 (vtg__rr_iter_next applies it) */
#define VTG_DNS_TTL_MAX 0x7fffffffu

enum vtg_rrtype {
	VTG_TYPE_A = 1,
	VTG_TYPE_NS = 2,
	VTG_TYPE_CNAME = 5,
	VTG_TYPE_SOA = 6,
	VTG_TYPE_PTR = 12,
	VTG_TYPE_MX = 15,
	VTG_TYPE_TXT = 16,
	VTG_TYPE_AAAA = 28,
	VTG_TYPE_SRV = 33,
	VTG_TYPE_DNAME = 39,
	VTG_TYPE_OPT = 41,
	VTG_TYPE_DS = 43,
	VTG_TYPE_RRSIG = 46,
	VTG_TYPE_NSEC = 47,
	VTG_TYPE_DNSKEY = 48,
	VTG_TYPE_NSEC3 = 50,
	VTG_TYPE_NSEC3PARAM = 51,
	VTG_TYPE_ANY = 255,
	VTG_TYPE_CAA = 257,
};
#define VTG_CLASS_IN 1

enum vtg_rcode {
	VTG_RCODE_NOERROR = 0,
	VTG_RCODE_FORMERR = 1,
	VTG_RCODE_SERVFAIL = 2,
	VTG_RCODE_NXDOMAIN = 3,
	VTG_RCODE_NOTIMP = 4,
	VTG_RCODE_REFUSED = 5,
	VTG_RCODE_BADVERS = 16, /* extended, RFC 6891 */
};

/* Header flag bits within the 16-bit flags word (RFC 1035 4.1.1, RFC 4035). */
#define VTG_FLAG_QR 0x8000
#define VTG_FLAG_AA 0x0400
#define VTG_FLAG_TC 0x0200
#define VTG_FLAG_RD 0x0100
#define VTG_FLAG_RA 0x0080
#define VTG_FLAG_AD 0x0020
#define VTG_FLAG_CD 0x0010
#define VTG_OPCODE(flags) (((flags) >> 11) & 0xf)
#define VTG_RCODE(flags) ((flags) & 0xf)

enum vtg_section { VTG_SEC_ANSWER = 0, VTG_SEC_AUTHORITY = 1, VTG_SEC_ADDITIONAL = 2 };

struct vtg_query_opts {
	uint16_t udp_size; /* EDNS0 UDP payload size; 0 means the default 1232 */
	bool edns;         /* add an OPT record */
	bool do_bit;       /* DNSSEC OK (RFC 3225); implies edns */
	bool rd;           /* recursion desired (stub mode) */
	bool cd;           /* checking disabled */
};

/*
 * Encode a query for (qname, qtype, IN) into buf. Returns the message length,
 * or VTG_EWIRE_SPACE when cap is too small, VTG_EWIRE_NAME_LEN / _LABEL_LEN on
 * a bad qname.
 */
int vtg__query_encode(uint8_t *buf, size_t cap, uint16_t id,
		      const uint8_t *qname, uint16_t qtype,
		      const struct vtg_query_opts *opts);

/* ---- names ---- */

/*
 * Presentation name ("www.Example.com", trailing dot optional, "." = root,
 * RFC 1035 5.1 escapes \X and \DDD) to wire form in out[VTG_DNS_MAX_NAME].
 * Returns the wire length or an error.
 */
int vtg__name_from_text(uint8_t *out, const char *text, size_t len);

/*
 * Wire name to presentation text without the trailing dot ("." for the root).
 * Octets outside LDH plus '_' and '*' are escaped as \DDD, '.' inside a label
 * as "\.". lower: fold ASCII to lower case. Returns the text length (NUL
 * written), or VTG_EWIRE_SPACE.
 */
int vtg__name_to_text(const uint8_t *name, char *out, size_t cap, bool lower);

/* Length of a valid uncompressed wire name, including the root label. */
size_t vtg__name_len(const uint8_t *name);

/* Number of labels, not counting the root. */
unsigned vtg__name_labels(const uint8_t *name);

/* ASCII case-insensitive equality of two wire names (RFC 4343). */
bool vtg__name_equal(const uint8_t *a, const uint8_t *b);

/* True when name is equal to or below ancestor. */
bool vtg__name_is_sub(const uint8_t *name, const uint8_t *ancestor);

/* DNAME substitution (RFC 6672 2.2): the labels of name below owner (name
 * must be below it), then target, into out[VTG_DNS_MAX_NAME] (out may be
 * name). 0, or VTG_EWIRE_NAME_LEN when the result would be longer than 255
 * octets (a server answers YXDOMAIN then). */
int vtg__name_dname_subst(const uint8_t *name, const uint8_t *owner, const uint8_t *target,
			  uint8_t *out);

/* RFC 4034 section 6.1 canonical order; <0, 0, >0. */
int vtg__name_cmp(const uint8_t *a, const uint8_t *b);

/* Pointer to the parent inside the same buffer (skip first label); the root
 * returns itself. */
const uint8_t *vtg__name_parent(const uint8_t *name);

/* Copy with ASCII lowered; returns the length. */
size_t vtg__name_lower(uint8_t *dst, const uint8_t *src);

/*
 * Decompress the name at pkt[off] into out[VTG_DNS_MAX_NAME]. *next receives
 * the offset just past the name's in-place encoding. Pointers must point
 * strictly backwards (before the start of the label sequence that holds them)
 * and a hop limit stops loops. Returns the wire length or an error.
 */
int vtg__name_unpack(const uint8_t *pkt, size_t len, size_t off, uint8_t *out,
		     size_t *next);

/* ---- messages ---- */

struct vtg_msg {
	const uint8_t *pkt;
	size_t len;
	uint16_t id;
	uint16_t flags;
	uint16_t qdcount, ancount, nscount, arcount;
	uint8_t qname[VTG_DNS_MAX_NAME]; /* as sent back, case preserved */
	uint16_t qtype, qclass;
	size_t sec_off[3];   /* offset of the first RR of each section */
	uint16_t sec_count[3];
	/* EDNS0 (RFC 6891), from the OPT record in the additional section */
	bool has_opt;
	uint16_t opt_udp;
	uint8_t opt_ext_rcode; /* upper 8 bits of the 12-bit rcode */
	uint8_t opt_version;
	bool opt_do;
	int ede_code;  /* first Extended DNS Error (RFC 8914) info code, or -1 */
};

/* The full 12-bit rcode (header rcode + OPT extension). */
unsigned vtg__msg_rcode(const struct vtg_msg *m);

/*
 * Parse and validate a whole message: header, question (exactly one when
 * QDCOUNT says one; a response with QDCOUNT != 1 is VTG_EWIRE_QDCOUNT), every
 * RR of every section (names, RDLENGTH, counts), at most one OPT record which
 * must be in the additional section with owner root, and no trailing bytes.
 */
int vtg__msg_parse(struct vtg_msg *m, const uint8_t *pkt, size_t len);

/*
 * Parse only the header and the one question, leaving every section empty
 * (iteration yields nothing). For truncated responses (TC=1), whose records
 * are never used and whose counts may describe what did not fit: the
 * question is enough to match the response to its query before retrying
 * over TCP.
 */
int vtg__msg_parse_question(struct vtg_msg *m, const uint8_t *pkt, size_t len);

struct vtg_rr {
	uint8_t owner[VTG_DNS_MAX_NAME];
	uint16_t type, rclass;
	uint32_t ttl;         /* <= VTG_DNS_TTL_MAX, except for OPT (raw) */
	uint16_t rdlen;
	const uint8_t *rdata; /* points into the packet */
	size_t rdata_off;     /* offset of rdata in the packet (for names) */
};

struct vtg_rr_iter {
	const struct vtg_msg *m;
	size_t off;
	unsigned left;
};

void vtg__rr_iter_init(struct vtg_rr_iter *it, const struct vtg_msg *m,
		       enum vtg_section sec);
/*
 * 1 and *rr filled, 0 at the end of the section, or a negative error.
 * rr->ttl is as RFC 2181 section 8 says to read it: a TTL with the top bit
 * set (> VTG_DNS_TTL_MAX) is 0. An OPT record's TTL field is not a TTL
 * (extended RCODE, version, flags; RFC 6891 6.1.3) and is left raw.
 */
int vtg__rr_iter_next(struct vtg_rr_iter *it, struct vtg_rr *rr);

/*
 * Largest uncompressed RDATA vtg__rdata_uncompress writes for a type whose
 * RDATA holds names: an SOA, two names and the 20-octet fixed part
 * (RFC 1035 3.3.13); MX (2 + 255) and SRV (6 + 255) are smaller.
 */
#define VTG_RDATA_NAMES_MAX (2 * VTG_DNS_MAX_NAME + 20)

/*
 * True for the types whose RDATA holds domain names that may arrive
 * compressed and that vtg__rdata_uncompress rewrites: NS, CNAME, SOA, PTR,
 * MX (RFC 1035 3.3, compression allowed by 4.1.4; RFC 3597 section 4
 * requires receivers to decompress them), DNAME (RFC 6672 2.5: senders must
 * not compress, receivers should decompress) and SRV (RFC 3597 4: RFC 2052
 * mandated compression and such senders survive; RFC 2782 forbids it).
 */
bool vtg__rdata_has_names(uint16_t type);

/*
 * The RDATA of rr, a record of the message m (as vtg__rr_iter_next gives
 * it), in uncompressed form into out[cap]: for the types of
 * vtg__rdata_has_names every name is decompressed against m (case as
 * received, not lowered), the other fields copied; any other type is
 * copied as it is. Does not rely on vtg__msg_parse having checked the
 * RDATA (it does not check SRV, nor any class but IN): the layout is
 * checked here, by type whatever the class. Reads only [m->pkt, RDATA end).
 *
 * Returns the length written, or:
 *   VTG_EWIRE_SPACE      out cannot hold it (VTG_RDATA_NAMES_MAX always
 *                        suffices for a name type, rr->rdlen for another);
 *   VTG_EWIRE_RDATA      the fields do not tile the RDATA exactly (a name
 *                        runs past it, a fixed part is missing, octets are
 *                        left over);
 *   VTG_EWIRE_PTR_LOOP, VTG_EWIRE_PTR_FWD, VTG_EWIRE_LABEL_TYPE,
 *   VTG_EWIRE_NAME_LEN   a name in it does not decompress (vtg__name_unpack).
 * out holds nothing usable after an error.
 */
int vtg__rdata_uncompress(const struct vtg_msg *m, const struct vtg_rr *rr, uint8_t *out,
			  size_t cap);

/* Mnemonics for output ("NOERROR", "CAA"); unknown values as "RCODE23" /
 * "TYPE65280" written into buf when given. */
const char *vtg__rcode_str(unsigned rcode);
const char *vtg__type_str(uint16_t type, char *buf, size_t cap);

#endif
