/*
 * dnssec.c — validation policy around ldns's DNSSEC primitives. See dnssec.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "resolver/dnssec.h"

struct vtg_dv_msg {
	ldns_pkt *pkt;
};

struct vtg_dv_keys {
	ldns_rr_list *rrs; /* owned: DNSKEYs or DS records */
};

/* RFC 8624: what a validator implements. 1 (RSA/MD5) must not be used. */
/* A record's TTL; one with the top bit set counts as 0 (RFC 2181 8; ldns
 * reads it raw). */
static uint32_t ttl_of(const ldns_rr *rr)
{
	uint32_t t = ldns_rr_ttl(rr);
	return t > VTG_DNS_TTL_MAX ? 0 : t;
}

static bool alg_supported(unsigned alg)
{
	switch (alg) {
	case 5: case 7: case 8: case 10: case 13: case 14: case 15: case 16:
		return true;
	default:
		return false;
	}
}

static bool alg_weak(unsigned alg)
{
	return alg == 5 || alg == 7; /* RSA/SHA-1, RSASHA1-NSEC3-SHA1 */
}

static bool alg_rsa(unsigned alg)
{
	return alg == 5 || alg == 7 || alg == 8 || alg == 10;
}

static bool digest_supported(unsigned d)
{
	return d == 1 || d == 2 || d == 4; /* SHA-1, SHA-256, SHA-384 */
}

static ldns_rdf *dname(const uint8_t *wire)
{
	ldns_rdf *r = ldns_dname_new_frm_data((uint16_t)vtg__name_len(wire), wire);
	if (r)
		ldns_dname2canonical(r);
	return r;
}

static bool dname_eq(const ldns_rdf *a, const ldns_rdf *b)
{
	return a && b && ldns_dname_compare(a, b) == 0;
}

struct vtg_dv_msg *vtg__dv_msg_open(const struct vtg_msg *m)
{
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, m->pkt, m->len) != LDNS_STATUS_OK)
		return NULL;
	struct vtg_dv_msg *dm = malloc(sizeof(*dm));
	if (!dm) {
		ldns_pkt_free(p);
		return NULL;
	}
	dm->pkt = p;
	/* canonical (lower-case) owners once, for comparisons and coverage */
	ldns_rr_list *secs[2] = {ldns_pkt_answer(p), ldns_pkt_authority(p)};
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < ldns_rr_list_rr_count(secs[s]); i++)
			ldns_dname2canonical(ldns_rr_owner(ldns_rr_list_rr(secs[s], i)));
	return dm;
}

void vtg__dv_msg_close(struct vtg_dv_msg *dm)
{
	if (!dm)
		return;
	ldns_pkt_free(dm->pkt);
	free(dm);
}

static ldns_rr_list *section(struct vtg_dv_msg *dm, enum vtg_section sec)
{
	switch (sec) {
	case VTG_SEC_ANSWER: return ldns_pkt_answer(dm->pkt);
	case VTG_SEC_AUTHORITY: return ldns_pkt_authority(dm->pkt);
	default: return ldns_pkt_additional(dm->pkt);
	}
}

static struct vtg_dv_keys *keys_new(void)
{
	struct vtg_dv_keys *k = calloc(1, sizeof(*k));
	if (k)
		k->rrs = ldns_rr_list_new();
	if (k && !k->rrs) {
		free(k);
		return NULL;
	}
	return k;
}

void vtg__dv_keys_free(struct vtg_dv_keys *k)
{
	if (!k)
		return;
	ldns_rr_list_deep_free(k->rrs);
	free(k);
}

struct vtg_dv_keys *vtg__dv_keys_from_msg(struct vtg_dv_msg *dm, enum vtg_section sec,
					  uint16_t type)
{
	struct vtg_dv_keys *k = keys_new();
	ldns_rr_list *l = section(dm, sec);
	for (size_t i = 0; k && i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *r = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_type(r) == type)
			ldns_rr_list_push_rr(k->rrs, ldns_rr_clone(r));
	}
	if (k && ldns_rr_list_rr_count(k->rrs) == 0) {
		vtg__dv_keys_free(k);
		k = NULL;
	}
	return k;
}

unsigned vtg__dv_keys_count(const struct vtg_dv_keys *k)
{
	return k ? (unsigned)ldns_rr_list_rr_count(k->rrs) : 0;
}

bool vtg__dv_keys_only_unsupported(const struct vtg_dv_keys *ds)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(ds->rrs); i++) {
		ldns_rr *r = ldns_rr_list_rr(ds->rrs, i);
		if (ldns_rr_get_type(r) != LDNS_RR_TYPE_DS || ldns_rr_rd_count(r) < 4)
			continue;
		unsigned alg = ldns_rdf2native_int8(ldns_rr_rdf(r, 1));
		unsigned dig = ldns_rdf2native_int8(ldns_rr_rdf(r, 2));
		if (alg_supported(alg) && digest_supported(dig))
			return false;
	}
	return true;
}

struct vtg_dv_keys *vtg__dv_anchor_load(const char *path, uint8_t *owner_out, char *err,
					size_t errcap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errcap, "trust anchor %s: %s", path, strerror(errno));
		return NULL;
	}
	struct vtg_dv_keys *k = keys_new();
	ldns_rdf *owner = NULL;
	char line[8192];
	unsigned lineno = 0;
	while (k && fgets(line, sizeof(line), f)) {
		lineno++;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ';' || *p == '\n' || *p == '\0' || *p == '$')
			continue;
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, p, 3600, NULL, NULL) != LDNS_STATUS_OK) {
			snprintf(err, errcap, "trust anchor %s:%u: cannot read the record", path,
				 lineno);
			vtg__dv_keys_free(k);
			k = NULL;
			break;
		}
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t != LDNS_RR_TYPE_DS && t != LDNS_RR_TYPE_DNSKEY) {
			ldns_rr_free(rr);
			continue;
		}
		ldns_dname2canonical(ldns_rr_owner(rr));
		if (!owner)
			owner = ldns_rdf_clone(ldns_rr_owner(rr));
		else if (!dname_eq(owner, ldns_rr_owner(rr))) {
			snprintf(err, errcap, "trust anchor %s:%u: anchors for two names", path,
				 lineno);
			ldns_rr_free(rr);
			vtg__dv_keys_free(k);
			k = NULL;
			break;
		}
		ldns_rr_list_push_rr(k->rrs, rr);
	}
	fclose(f);
	if (k && ldns_rr_list_rr_count(k->rrs) == 0) {
		snprintf(err, errcap, "trust anchor %s: no DS or DNSKEY record", path);
		vtg__dv_keys_free(k);
		k = NULL;
	}
	if (k && owner_out) {
		size_t n = ldns_rdf_size(owner);
		memcpy(owner_out, ldns_rdf_data(owner), n);
	}
	ldns_rdf_deep_free(owner);
	return k;
}

/* The RRset (owner, type) of a section and the RRSIGs covering it (lists
 * of borrowed pointers). */
static void collect(struct vtg_dv_msg *dm, enum vtg_section sec, const ldns_rdf *owner,
		    uint16_t type, ldns_rr_list *set, ldns_rr_list *sigs)
{
	ldns_rr_list *l = section(dm, sec);
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *r = ldns_rr_list_rr(l, i);
		if (ldns_rr_get_class(r) != LDNS_RR_CLASS_IN || !dname_eq(ldns_rr_owner(r), owner))
			continue;
		ldns_rr_type t = ldns_rr_get_type(r);
		if (t == type)
			ldns_rr_list_push_rr(set, r);
		else if (t == LDNS_RR_TYPE_RRSIG && sigs && ldns_rr_rd_count(r) >= 9 &&
			 ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(r)) == type)
			ldns_rr_list_push_rr(sigs, r);
	}
}

static const char *why_of(ldns_status st)
{
	switch (st) {
	case LDNS_STATUS_CRYPTO_SIG_EXPIRED: return "signature-expired";
	case LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED: return "signature-not-yet-valid";
	case LDNS_STATUS_CRYPTO_EXPIRATION_BEFORE_INCEPTION: return "signature-window-invalid";
	case LDNS_STATUS_CRYPTO_NO_MATCHING_KEYTAG_DNSKEY: return "no-matching-dnskey";
	case LDNS_STATUS_CRYPTO_UNKNOWN_ALGO: return "unsupported-algorithm";
	default: return "bad-signature";
	}
}

/* Verify set with sigs made by zone; the core of every check. */
static void verify(const ldns_rr_list *set, const ldns_rr_list *sigs, const ldns_rdf *zone,
		   const ldns_rr_list *keys, time_t now, struct vtg_dv_res *res)
{
	res->status = VTG_DNSSEC_BOGUS;
	res->why = "no-signature";
	res->weak = false;
	res->wildcard = false;
	if (ldns_rr_list_rr_count(set) == 0) {
		res->why = "missing-rrset";
		return;
	}
	uint32_t ttl = UINT32_MAX;
	for (size_t i = 0; i < ldns_rr_list_rr_count(set); i++)
		if (ttl_of(ldns_rr_list_rr(set, i)) < ttl)
			ttl = ttl_of(ldns_rr_list_rr(set, i));
	ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(set, 0));
	unsigned owner_labels = ldns_dname_label_count(owner);
	if (ldns_dname_label_count(owner) > 0 && ldns_rdf_size(owner) > 2 &&
	    ldns_rdf_data(owner)[0] == 1 && ldns_rdf_data(owner)[1] == '*')
		owner_labels--; /* RFC 4035 5.3.2: a wildcard owner's "*" does not count */
	ldns_rr_list *good = ldns_rr_list_new();
	bool any_sig = false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
		ldns_rr *sig = ldns_rr_list_rr(sigs, i);
		unsigned alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
		if (!alg_supported(alg))
			continue; /* RFC 4035 5.3.1; RSA/MD5 never counts */
		if (!dname_eq(ldns_rr_rrsig_signame(sig), zone)) {
			res->why = "signer-not-zone";
			continue;
		}
		unsigned labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
		if (labels > owner_labels) {
			res->why = "rrsig-labels";
			continue;
		}
		any_sig = true;
		ldns_rr_list_free(good);
		good = ldns_rr_list_new();
		ldns_status st = ldns_verify_rrsig_keylist_time(set, sig, keys, now, good);
		if (st != LDNS_STATUS_OK) {
			res->why = why_of(st);
			continue;
		}
		res->status = VTG_DNSSEC_SECURE;
		res->why = NULL;
		res->weak = alg_weak(alg);
		for (size_t k = 0; k < ldns_rr_list_rr_count(good); k++) {
			ldns_rr *key = ldns_rr_list_rr(good, k);
			unsigned kalg = ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(key));
			if (alg_rsa(kalg) && ldns_rr_dnskey_key_size(key) < 2048)
				res->weak = true;
		}
		uint32_t ot = ldns_rdf2native_int32(ldns_rr_rrsig_origttl(sig));
		if (ot > VTG_DNS_TTL_MAX)
			ot = 0; /* RFC 2181 8 */
		if (ot < ttl)
			ttl = ot;
		uint32_t exp = ldns_rdf2native_int32(ldns_rr_rrsig_expiration(sig));
		if ((int32_t)(exp - (uint32_t)now) > 0 && exp - (uint32_t)now < ttl)
			ttl = exp - (uint32_t)now; /* RFC 4035 5.3.3 */
		if (labels < owner_labels) {
			/* expanded from the wildcard at the owner's `labels` suffix */
			res->wildcard = true;
			ldns_rdf *src = ldns_dname_clone_from(owner, (uint16_t)(owner_labels - labels));
			if (src) {
				memcpy(res->closest, ldns_rdf_data(src), ldns_rdf_size(src));
				ldns_rdf_deep_free(src);
			}
		}
		break;
	}
	if (!any_sig && ldns_rr_list_rr_count(sigs) > 0 &&
	    strcmp(res->why, "no-signature") == 0)
		res->why = "unsupported-algorithm";
	ldns_rr_list_free(good);
	res->ttl = ttl;
}

void vtg__dv_rrset(struct vtg_dv_msg *dm, enum vtg_section sec, const uint8_t *owner,
		   uint16_t type, const uint8_t *zone, const struct vtg_dv_keys *keys,
		   time_t now, struct vtg_dv_res *res)
{
	memset(res, 0, sizeof(*res));
	ldns_rdf *o = dname(owner), *z = dname(zone);
	ldns_rr_list *set = ldns_rr_list_new(), *sigs = ldns_rr_list_new();
	res->status = VTG_DNSSEC_BOGUS;
	res->why = "internal";
	if (o && z && set && sigs && keys) {
		collect(dm, sec, o, type, set, sigs);
		verify(set, sigs, z, keys->rrs, now, res);
	}
	ldns_rr_list_free(set);
	ldns_rr_list_free(sigs);
	ldns_rdf_deep_free(o);
	ldns_rdf_deep_free(z);
}

void vtg__dv_dnskey(struct vtg_dv_msg *dm, const uint8_t *zone,
		    const struct vtg_dv_keys *anchor, time_t now, struct vtg_dv_keys **out,
		    struct vtg_dv_res *res)
{
	memset(res, 0, sizeof(*res));
	*out = NULL;
	res->status = VTG_DNSSEC_BOGUS;
	ldns_rdf *z = dname(zone);
	ldns_rr_list *set = ldns_rr_list_new(), *sigs = ldns_rr_list_new();
	ldns_rr_list *sep = ldns_rr_list_new();
	if (!z || !set || !sigs || !sep) {
		res->why = "internal";
		goto done;
	}
	collect(dm, VTG_SEC_ANSWER, z, LDNS_RR_TYPE_DNSKEY, set, sigs);
	if (ldns_rr_list_rr_count(set) == 0) {
		res->why = "missing-dnskey";
		goto done;
	}
	/* keys the parent's DS (or the anchor) vouches for */
	for (size_t i = 0; i < ldns_rr_list_rr_count(set); i++) {
		ldns_rr *key = ldns_rr_list_rr(set, i);
		if (ldns_rr_rd_count(key) < 4)
			continue;
		unsigned kalg = ldns_rdf2native_int8(ldns_rr_dnskey_algorithm(key));
		if (!alg_supported(kalg))
			continue;
		for (size_t j = 0; j < ldns_rr_list_rr_count(anchor->rrs); j++) {
			ldns_rr *a = ldns_rr_list_rr(anchor->rrs, j);
			bool match;
			if (ldns_rr_get_type(a) == LDNS_RR_TYPE_DS) {
				if (ldns_rr_rd_count(a) < 4 ||
				    !digest_supported(ldns_rdf2native_int8(ldns_rr_rdf(a, 2))))
					continue;
				match = ldns_rr_compare_ds(key, a);
			} else {
				match = ldns_rr_compare(key, a) == 0 ||
					(ldns_rr_rd_count(a) == 4 &&
					 ldns_rdf_compare(ldns_rr_rdf(a, 3), ldns_rr_rdf(key, 3)) == 0);
			}
			if (match) {
				ldns_rr_list_push_rr(sep, key);
				break;
			}
		}
	}
	if (ldns_rr_list_rr_count(sep) == 0) {
		res->why = "no-dnskey-matches-ds";
		goto done;
	}
	verify(set, sigs, z, sep, now, res);
	if (res->status != VTG_DNSSEC_SECURE)
		goto done;
	struct vtg_dv_keys *k = keys_new();
	if (!k) {
		res->status = VTG_DNSSEC_BOGUS;
		res->why = "internal";
		goto done;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(set); i++) {
		ldns_rr *key = ldns_rr_list_rr(set, i);
		/* zone keys only (RFC 4034 2.1.1: flags bit 7) */
		if (ldns_rr_rd_count(key) >= 4 &&
		    (ldns_rdf2native_int16(ldns_rr_rdf(key, 0)) & 0x0100))
			ldns_rr_list_push_rr(k->rrs, ldns_rr_clone(key));
	}
	*out = k;
done:
	ldns_rr_list_free(set);
	ldns_rr_list_free(sigs);
	ldns_rr_list_free(sep);
	ldns_rdf_deep_free(z);
}

void vtg__dv_referral_ds(struct vtg_dv_msg *dm, const uint8_t *child, const uint8_t *parent,
			 const struct vtg_dv_keys *parent_keys, time_t now,
			 struct vtg_dv_keys **ds_out, struct vtg_dv_res *res)
{
	memset(res, 0, sizeof(*res));
	*ds_out = NULL;
	ldns_rdf *c = dname(child), *z = dname(parent);
	ldns_rr_list *set = ldns_rr_list_new(), *sigs = ldns_rr_list_new();
	res->status = VTG_DNSSEC_INDETERMINATE;
	res->why = "no-ds";
	if (c && z && set && sigs) {
		collect(dm, VTG_SEC_AUTHORITY, c, LDNS_RR_TYPE_DS, set, sigs);
		if (ldns_rr_list_rr_count(set) > 0) {
			verify(set, sigs, z, parent_keys->rrs, now, res);
			if (res->status == VTG_DNSSEC_SECURE) {
				struct vtg_dv_keys *k = keys_new();
				for (size_t i = 0; k && i < ldns_rr_list_rr_count(set); i++)
					ldns_rr_list_push_rr(k->rrs,
							     ldns_rr_clone(ldns_rr_list_rr(set, i)));
				*ds_out = k;
				if (!k) {
					res->status = VTG_DNSSEC_BOGUS;
					res->why = "internal";
				}
			}
		}
	}
	ldns_rr_list_free(set);
	ldns_rr_list_free(sigs);
	ldns_rdf_deep_free(c);
	ldns_rdf_deep_free(z);
}

/* ---------------------------------------------------------------- denial */

struct denial_set {
	ldns_rr_list *nsec, *nsec3; /* validated records */
	bool any_bad;
	const char *bad_why;
	ldns_rdf *zone;
};

/* Every NSEC / NSEC3 RRset of the authority section that validates. */
static void denial_collect(struct vtg_dv_msg *dm, const ldns_rdf *zone,
			   const struct vtg_dv_keys *keys, time_t now, struct denial_set *ds)
{
	ldns_rr_list *auth = ldns_pkt_authority(dm->pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		ldns_rr *r = ldns_rr_list_rr(auth, i);
		ldns_rr_type t = ldns_rr_get_type(r);
		if (t != LDNS_RR_TYPE_NSEC && t != LDNS_RR_TYPE_NSEC3)
			continue;
		if (!ldns_dname_is_subdomain(ldns_rr_owner(r), zone) &&
		    !dname_eq(ldns_rr_owner(r), zone))
			continue;
		ldns_rr_list *set = ldns_rr_list_new(), *sigs = ldns_rr_list_new();
		ldns_rr_list_push_rr(set, r); /* one record per owner in practice */
		for (size_t j = 0; j < ldns_rr_list_rr_count(auth); j++) {
			ldns_rr *s = ldns_rr_list_rr(auth, j);
			if (ldns_rr_get_type(s) == LDNS_RR_TYPE_RRSIG && ldns_rr_rd_count(s) >= 9 &&
			    dname_eq(ldns_rr_owner(s), ldns_rr_owner(r)) &&
			    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(s)) == t)
				ldns_rr_list_push_rr(sigs, s);
		}
		struct vtg_dv_res res;
		memset(&res, 0, sizeof(res));
		verify(set, sigs, zone, keys->rrs, now, &res);
		if (res.status == VTG_DNSSEC_SECURE) {
			ldns_rr *c = ldns_rr_clone(r);
			ldns_rr2canonical(c);
			ldns_rr_list_push_rr(t == LDNS_RR_TYPE_NSEC ? ds->nsec : ds->nsec3, c);
		} else {
			ds->any_bad = true;
			ds->bad_why = res.why;
		}
		ldns_rr_list_free(set);
		ldns_rr_list_free(sigs);
	}
}

static bool bitmap_has(const ldns_rr *r, uint16_t type, bool nsec3)
{
	ldns_rdf *bm = nsec3 ? ldns_nsec3_bitmap(r) : ldns_nsec_get_bitmap(r);
	return bm && ldns_nsec_bitmap_covers_type(bm, type);
}

/* The ancestor of name with n labels (n <= labels of name). */
static ldns_rdf *ancestor(const ldns_rdf *name, unsigned n)
{
	unsigned have = ldns_dname_label_count(name);
	if (n > have)
		return NULL;
	return ldns_dname_clone_from(name, (uint16_t)(have - n));
}

static ldns_rdf *wildcard_of(const ldns_rdf *ce)
{
	ldns_rdf *w = ldns_dname_new_frm_str("*");
	if (w && ldns_dname_cat(w, ce) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(w);
		return NULL;
	}
	return w;
}

static void set_proof(struct vtg_insecure_proof *p, const ldns_rr *r, uint16_t type)
{
	if (!p)
		return;
	char *s = ldns_rdf2str(ldns_rr_owner(r));
	if (s) {
		size_t n = strlen(s);
		if (n > 1 && s[n - 1] == '.')
			s[n - 1] = '\0';
		snprintf(p->denial_owner, sizeof(p->denial_owner), "%s", s);
		free(s);
	}
	p->denial_type = type;
}

/* --- NSEC (RFC 4035 5.4) */

static const ldns_rr *nsec_match(const ldns_rr_list *l, const ldns_rdf *n)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (dname_eq(ldns_rr_owner(ldns_rr_list_rr(l, i)), n))
			return ldns_rr_list_rr(l, i);
	return NULL;
}

static const ldns_rr *nsec_cover(const ldns_rr_list *l, const ldns_rdf *n)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *r = ldns_rr_list_rr(l, i);
		if (!dname_eq(ldns_rr_owner(r), n) && ldns_nsec_covers_name(r, n))
			return r;
	}
	return NULL;
}

/* Labels shared by a and b from the root. */
static unsigned common_labels(const ldns_rdf *a, const ldns_rdf *b)
{
	unsigned la = ldns_dname_label_count(a), lb = ldns_dname_label_count(b);
	unsigned n = la < lb ? la : lb;
	for (; n > 0; n--) {
		ldns_rdf *x = ancestor(a, n), *y = ancestor(b, n);
		bool eq = dname_eq(x, y);
		ldns_rdf_deep_free(x);
		ldns_rdf_deep_free(y);
		if (eq)
			return n;
	}
	return 0;
}

static bool nsec_prove(const struct denial_set *ds, enum vtg_dv_denial kind, const ldns_rdf *q,
		       uint16_t qtype, struct vtg_insecure_proof *proof)
{
	const ldns_rr_list *l = ds->nsec;
	const ldns_rr *m = nsec_match(l, q);
	switch (kind) {
	case VTG_DENY_NO_DS:
		/* RFC 6840 4.4: a delegation's NSEC: NS, no DS, no SOA */
		if (m && bitmap_has(m, LDNS_RR_TYPE_NS, false) &&
		    !bitmap_has(m, LDNS_RR_TYPE_DS, false) && !bitmap_has(m, LDNS_RR_TYPE_SOA, false)) {
			set_proof(proof, m, VTG_TYPE_NSEC);
			return true;
		}
		return false;
	case VTG_DENY_NODATA:
		if (m && !bitmap_has(m, qtype, false) && !bitmap_has(m, LDNS_RR_TYPE_CNAME, false)) {
			set_proof(proof, m, VTG_TYPE_NSEC);
			return true;
		}
		if (!m) {
			const ldns_rr *c = nsec_cover(l, q);
			if (!c)
				return false;
			/* an empty non-terminal (RFC 4035 3.1.3.2): covered, and the
			 * next name is below it */
			if (ldns_dname_is_subdomain(ldns_rr_rdf(c, 0), q)) {
				set_proof(proof, c, VTG_TYPE_NSEC);
				return true;
			}
			/* wildcard no-data (RFC 4035 3.1.3.4): qname covered, and
			 * the wildcard at the closest encloser lacks the type */
			unsigned ce = common_labels(ldns_rr_owner(c), q);
			unsigned ce2 = common_labels(ldns_rr_rdf(c, 0), q);
			ldns_rdf *cen = ancestor(q, ce > ce2 ? ce : ce2);
			ldns_rdf *w = cen ? wildcard_of(cen) : NULL;
			const ldns_rr *wm = w ? nsec_match(l, w) : NULL;
			bool ok = wm && !bitmap_has(wm, qtype, false) &&
				  !bitmap_has(wm, LDNS_RR_TYPE_CNAME, false);
			ldns_rdf_deep_free(cen);
			ldns_rdf_deep_free(w);
			if (ok)
				set_proof(proof, wm, VTG_TYPE_NSEC);
			return ok;
		}
		return false;
	case VTG_DENY_WILDCARD: {
		const ldns_rr *c = nsec_cover(l, q);
		if (c)
			set_proof(proof, c, VTG_TYPE_NSEC);
		return c != NULL;
	}
	case VTG_DENY_NXDOMAIN: {
		if (m)
			return false; /* the name exists */
		const ldns_rr *c = nsec_cover(l, q);
		if (!c)
			return false;
		unsigned ce = common_labels(ldns_rr_owner(c), q);
		unsigned ce2 = common_labels(ldns_rr_rdf(c, 0), q);
		ldns_rdf *cen = ancestor(q, ce > ce2 ? ce : ce2);
		ldns_rdf *w = cen ? wildcard_of(cen) : NULL;
		bool ok = w && !nsec_match(l, w) &&
			  (ldns_nsec_covers_name(c, w) || nsec_cover(l, w));
		ldns_rdf_deep_free(cen);
		ldns_rdf_deep_free(w);
		if (ok)
			set_proof(proof, c, VTG_TYPE_NSEC);
		return ok;
	}
	}
	return false;
}

/* --- NSEC3 (RFC 5155 8) */

static ldns_rdf *nsec3_hash(const ldns_rr *param, const ldns_rdf *name, const ldns_rdf *zone)
{
	ldns_rdf *h = ldns_nsec3_hash_name_frm_nsec3(param, name);
	if (!h)
		return NULL;
	if (ldns_dname_cat(h, zone) != LDNS_STATUS_OK) {
		ldns_rdf_deep_free(h);
		return NULL;
	}
	ldns_dname2canonical(h);
	return h;
}

static const ldns_rr *nsec3_find(const ldns_rr_list *l, const ldns_rdf *name,
				 const ldns_rdf *zone, bool cover)
{
	if (ldns_rr_list_rr_count(l) == 0)
		return NULL;
	ldns_rdf *h = nsec3_hash(ldns_rr_list_rr(l, 0), name, zone);
	const ldns_rr *found = NULL;
	for (size_t i = 0; h && i < ldns_rr_list_rr_count(l) && !found; i++) {
		ldns_rr *r = ldns_rr_list_rr(l, i);
		bool eq = dname_eq(ldns_rr_owner(r), h);
		if (cover ? (!eq && ldns_nsec_covers_name(r, h)) : eq)
			found = r;
	}
	ldns_rdf_deep_free(h);
	return found;
}

/* Closest encloser proof (RFC 5155 8.3): the longest ancestor of q with a
 * matching NSEC3, and the next closer name covered. true with *labels =
 * the closest encloser's label count; false when there is no proof (q
 * itself matches, or nothing covers the next closer name). */
static bool nsec3_closest(const ldns_rr_list *l, const ldns_rdf *q, const ldns_rdf *zone,
			  const ldns_rr **nc_cover, unsigned *labels)
{
	unsigned ql = ldns_dname_label_count(q), zl = ldns_dname_label_count(zone);
	for (unsigned n = ql; n >= zl && n > 0; n--) {
		ldns_rdf *a = ancestor(q, n);
		const ldns_rr *m = a ? nsec3_find(l, a, zone, false) : NULL;
		ldns_rdf_deep_free(a);
		if (!m)
			continue;
		if (n == ql)
			return false; /* q itself exists */
		ldns_rdf *nc = ancestor(q, n + 1);
		const ldns_rr *c = nc ? nsec3_find(l, nc, zone, true) : NULL;
		ldns_rdf_deep_free(nc);
		if (!c)
			return false;
		*nc_cover = c;
		*labels = n;
		return true;
	}
	return false;
}

static bool nsec3_prove(const struct denial_set *ds, enum vtg_dv_denial kind, const ldns_rdf *q,
			uint16_t qtype, const ldns_rdf *zone, struct vtg_insecure_proof *proof)
{
	const ldns_rr_list *l = ds->nsec3;
	switch (kind) {
	case VTG_DENY_NO_DS: {
		const ldns_rr *m = nsec3_find(l, q, zone, false);
		if (m) {
			if (bitmap_has(m, LDNS_RR_TYPE_NS, true) && !bitmap_has(m, LDNS_RR_TYPE_DS, true) &&
			    !bitmap_has(m, LDNS_RR_TYPE_SOA, true)) {
				set_proof(proof, m, VTG_TYPE_NSEC3);
				return true;
			}
			return false;
		}
		/* opt-out (RFC 5155 6, 8.6): the next closer name is covered by
		 * an NSEC3 with the opt-out flag */
		const ldns_rr *c = NULL;
		unsigned ce;
		if (nsec3_closest(l, q, zone, &c, &ce) && c && ldns_nsec3_optout(c)) {
			set_proof(proof, c, VTG_TYPE_NSEC3);
			return true;
		}
		return false;
	}
	case VTG_DENY_NODATA: {
		const ldns_rr *m = nsec3_find(l, q, zone, false);
		if (m && !bitmap_has(m, qtype, true) && !bitmap_has(m, LDNS_RR_TYPE_CNAME, true)) {
			set_proof(proof, m, VTG_TYPE_NSEC3);
			return true;
		}
		if (!m) {
			/* wildcard no-data (RFC 5155 8.7) */
			const ldns_rr *c = NULL;
			unsigned ce;
			if (!nsec3_closest(l, q, zone, &c, &ce))
				return false;
			ldns_rdf *cen = ancestor(q, ce);
			ldns_rdf *w = cen ? wildcard_of(cen) : NULL;
			const ldns_rr *wm = w ? nsec3_find(l, w, zone, false) : NULL;
			bool ok = wm && !bitmap_has(wm, qtype, true) &&
				  !bitmap_has(wm, LDNS_RR_TYPE_CNAME, true);
			ldns_rdf_deep_free(cen);
			ldns_rdf_deep_free(w);
			if (ok)
				set_proof(proof, wm, VTG_TYPE_NSEC3);
			return ok;
		}
		return false;
	}
	case VTG_DENY_WILDCARD: {
		/* RFC 5155 8.8: the next closer name is covered */
		return false; /* handled by the caller with the source's labels */
	}
	case VTG_DENY_NXDOMAIN: {
		const ldns_rr *c = NULL;
		unsigned ce;
		if (!nsec3_closest(l, q, zone, &c, &ce))
			return false;
		ldns_rdf *cen = ancestor(q, ce);
		ldns_rdf *w = cen ? wildcard_of(cen) : NULL;
		bool ok = w && nsec3_find(l, w, zone, true) != NULL;
		ldns_rdf_deep_free(cen);
		ldns_rdf_deep_free(w);
		if (ok)
			set_proof(proof, c, VTG_TYPE_NSEC3);
		return ok;
	}
	}
	return false;
}

void vtg__dv_denial(struct vtg_dv_msg *dm, enum vtg_dv_denial kind, const uint8_t *qname,
		    uint16_t qtype, const uint8_t *zone, const struct vtg_dv_keys *keys,
		    time_t now, struct vtg_insecure_proof *proof, struct vtg_dv_res *res)
{
	memset(res, 0, sizeof(*res));
	res->status = VTG_DNSSEC_BOGUS;
	res->why = "no-denial-proof";
	ldns_rdf *q = dname(qname), *z = dname(zone);
	struct denial_set ds = {.nsec = ldns_rr_list_new(), .nsec3 = ldns_rr_list_new(), .zone = z};
	if (!q || !z || !ds.nsec || !ds.nsec3 || !keys) {
		res->why = "internal";
		goto done;
	}
	denial_collect(dm, z, keys, now, &ds);
	bool ok = false;
	if (kind == VTG_DENY_WILDCARD && ldns_rr_list_rr_count(ds.nsec3) > 0) {
		/* the next closer name of the expansion is covered */
		unsigned cl = qtype; /* the closest encloser's labels (see dnssec.h) */
		ldns_rdf *nc = ancestor(q, cl + 1);
		const ldns_rr *c = nc ? nsec3_find(ds.nsec3, nc, z, true) : NULL;
		ldns_rdf_deep_free(nc);
		if (c) {
			set_proof(proof, c, VTG_TYPE_NSEC3);
			ok = true;
		}
	} else if (kind == VTG_DENY_WILDCARD) {
		ok = nsec_prove(&ds, kind, q, qtype, proof);
	} else {
		ok = nsec_prove(&ds, kind, q, qtype, proof) ||
		     nsec3_prove(&ds, kind, q, qtype, z, proof);
	}
	if (ok) {
		res->status = VTG_DNSSEC_SECURE;
		res->why = NULL;
	} else if (ds.any_bad) {
		res->why = ds.bad_why ? ds.bad_why : "bad-signature";
	}
done:
	ldns_rr_list_deep_free(ds.nsec);
	ldns_rr_list_deep_free(ds.nsec3);
	ldns_rdf_deep_free(q);
	ldns_rdf_deep_free(z);
}
