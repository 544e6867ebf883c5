/*
 * caa.h — CAA properties (RFC 8659 section 4, RFC 8657) and the issuance
 * decision over one relevant RRset (RFC 8659 sections 3-4; BR 3.2.2.8).
 *
 * Pure logic over RDATA bytes: no I/O, no allocation. Parsed properties and
 * parameters are views (pointer + length) into the caller's RDATA.
 * Tree climbing and lookup failures live in climb.h; this file decides what a
 * non-empty, well-formed relevant RRset says about one CA identity.
 */
#ifndef VTG_CAA_CAA_H
#define VTG_CAA_CAA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vantage.h"
#include "resolver/lookup.h"

#define VTG_CAA_FLAG_CRITICAL 0x80 /* RFC 8659 4.1: Issuer Critical Flag */
#define VTG_CAA_TAG_MAX 15         /* RFC 8659 4.1: tags SHOULD be <= 15 */

enum vtg_caa_tag {
	VTG_CAA_TAG_UNKNOWN = 0,
	VTG_CAA_TAG_ISSUE,
	VTG_CAA_TAG_ISSUEWILD,
	VTG_CAA_TAG_IODEF,
	VTG_CAA_TAG_ISSUEMAIL,
	VTG_CAA_TAG_ISSUEVMC,
	VTG_CAA_TAG_CONTACTEMAIL,
	VTG_CAA_TAG_CONTACTPHONE,
};

/* Compatibility switches (docs/rules.md section 12), all off by default. */
#define VTG_CAA_COMPAT_FLAG1_CRITICAL 0x01   /* Boulder: flags & 1 also critical */
#define VTG_CAA_COMPAT_ISSUER_EXACT 0x02     /* Boulder: issuer compared bytewise */
#define VTG_CAA_COMPAT_TLD_NXDOMAIN_FAIL 0x04 /* Boulder: NXDOMAIN at a TLD fails */

/* Bit (1u << VTG_CAA_TAG_x) per recognised tag; the default recognises all
 * of docs/rules.md section 2. A tag left out is treated as unknown. */
#define VTG_CAA_RECOGNISED_DEFAULT 0xfeu

struct vtg_caa_prop {
	uint8_t flags;
	bool critical;          /* flag 128 (or 1 under COMPAT_FLAG1_CRITICAL) */
	enum vtg_caa_tag tag;   /* after case folding; UNKNOWN when not matched */
	const uint8_t *tag_raw; /* as on the wire */
	uint8_t tag_len;
	const uint8_t *value;
	size_t value_len;
};

/*
 * Split CAA RDATA into flags, tag and value. A tag with characters outside
 * [A-Za-z0-9] or longer than 15 octets parses fine but is UNKNOWN. Returns 0,
 * VTG_ECAA_SHORT (< 2 octets), VTG_ECAA_TAG_EMPTY, or VTG_ECAA_TAG_OVER.
 * compat: VTG_CAA_COMPAT_* bits; recognised: VTG_CAA_RECOGNISED_* mask.
 */
int vtg__caa_prop_parse(struct vtg_caa_prop *p, const uint8_t *rdata,
			size_t len, unsigned compat, unsigned recognised);

/* A parameter of an issue / issuewild / issuemail value (RFC 8659 4.2). */
struct vtg_caa_param {
	const char *tag;
	size_t tag_len;
	const char *value;
	size_t value_len;
};

/* An issue-value (RFC 8659 4.2) as parsed: issuer (may be empty) and the
 * undecoded parameter list, to be walked with vtg__caa_param_next(). */
struct vtg_caa_issue {
	const char *issuer;  /* NULL / 0 when the value names no issuer */
	size_t issuer_len;
	const char *params;  /* start of the parameter list, or NULL */
	size_t params_len;
};

/*
 * Parse an issue-value against the section 4.2 ABNF. Returns 0 when the value
 * matches the grammar (including "" and ";"), VTG_ECAA_VALUE when it does not;
 * a caller then treats the property as an empty issuer (authorises nobody).
 */
int vtg__caa_issue_parse(struct vtg_caa_issue *out, const uint8_t *value,
			 size_t len);

/* Iterate the parameters of a successfully parsed issue-value: *pos starts at
 * 0; returns 1 with *p filled, 0 at the end. */
int vtg__caa_param_next(const struct vtg_caa_issue *is, size_t *pos,
			struct vtg_caa_param *p);

/* The CA asking: its issuer domain names (BR 3.2.2.8, CPS 4.2), and the
 * RFC 8657 inputs. NULL account_uri / method: a property that carries the
 * matching parameter cannot be satisfied (docs/rules.md section 0). */
struct vtg_caa_identity {
	const char *const *issuers;
	size_t n_issuers;
	const char *account_uri;
	const char *method;
	unsigned compat;     /* VTG_CAA_COMPAT_* */
	unsigned recognised; /* VTG_CAA_RECOGNISED_* mask; 0 = default */
};


/*
 * The decision over a non-empty relevant RRset (RFC 8659 sections 3, 4.2,
 * 4.3, 4.5; RFC 8657 sections 3-4; docs/rules.md section 5). Returns one of
 * VTG_CAA_NO_RESTRICTION, VTG_CAA_AUTHORIZED, VTG_CAA_NOT_AUTHORIZED,
 * VTG_CAA_CRITICAL_UNKNOWN, or VTG_CAA_LOOKUP_FAILURE when an RDATA is
 * structurally malformed (docs/rules.md section 1). A short human-readable detail
 * (e.g. the unknown critical tag, or which parameter failed) is written to
 * detail when detail_cap > 0.
 */
enum vtg_caa_reason vtg__caa_decide(const struct vtg_caa_identity *id,
				    bool wildcard,
				    const struct vtg_rdata *set, size_t n,
				    char *detail, size_t detail_cap);

/*
 * Presentation form of one CAA RDATA: `<flags> <tag> "<value>"`, the value
 * quoted with RFC 1035 5.1 escapes (\" \\ and \DDD for octets outside
 * printable ASCII). Malformed RDATA renders in RFC 3597 form
 * `\# <len> <hex>`. Returns the length written (NUL-terminated) or
 * VTG_EWIRE_SPACE.
 */
int vtg__caa_rdata_to_text(const uint8_t *rdata, size_t len, char *out,
			   size_t cap);

#endif
