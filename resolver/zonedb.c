/*
 * zonedb.c — the offline lookup backend (see zonedb.h for the semantics).
 *
 * Storage: every record's owner (lowercased wire name) and RDATA live in one
 * growing byte pool, addressed by offsets; each zone keeps an array of
 * records sorted in RFC 4034 6.1 canonical order of owner, then type, so an
 * RRset, an owner's existence and an empty non-terminal (a name whose
 * canonical successor is below it) are each one binary search. ldns parses
 * the files (presentation format, RFC 3597 generic records) and is done with
 * when loading returns. Lookups do not allocate: the answer's RDATA array
 * was sized at load time to the largest RRset.
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "resolver/wire.h"
#include "resolver/zonedb.h"

#define DEFAULT_TTL 3600 /* when a file has neither $TTL nor a TTL on a record */

struct rec {
	uint32_t owner;  /* pool offset of the lowercased wire owner */
	uint32_t rdata;  /* pool offset */
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
};

struct zone {
	uint8_t apex[VTG_DNS_MAX_NAME];
	unsigned apex_labels;
	struct rec *recs;
	size_t n, cap;
	bool sorted;
};

struct vtg_zonedb {
	struct zone *zones;
	size_t n_zones, cap_zones;
	uint8_t *pool;
	size_t pool_len, pool_cap;
	size_t n_records;
	struct vtg_rdata *scratch;   /* answer RRset */
	size_t scratch_cap;
	uint8_t chain[VTG_CHAIN_MAX + 2][VTG_DNS_MAX_NAME];
};

int vtg__zonedb_new(struct vtg_zonedb **out)
{
	struct vtg_zonedb *db = vtg__calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	*out = db;
	return 0;
}

void vtg__zonedb_free(struct vtg_zonedb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n_zones; i++)
		vtg__free(db->zones[i].recs);
	vtg__free(db->zones);
	vtg__free(db->pool);
	vtg__free(db->scratch);
	vtg__free(db);
}

size_t vtg__zonedb_zones(const struct vtg_zonedb *db)
{
	return db->n_zones;
}

size_t vtg__zonedb_records(const struct vtg_zonedb *db)
{
	return db->n_records;
}

static int pool_add(struct vtg_zonedb *db, const void *p, size_t n, uint32_t *off)
{
	if (db->pool_len + n > UINT32_MAX)
		return -ENOMEM;
	if (db->pool_len + n > db->pool_cap) {
		size_t cap = db->pool_cap ? db->pool_cap : 65536;
		while (cap < db->pool_len + n)
			cap *= 2;
		uint8_t *np = vtg__realloc(db->pool, cap);
		if (!np)
			return -ENOMEM;
		db->pool = np;
		db->pool_cap = cap;
	}
	memcpy(db->pool + db->pool_len, p, n);
	*off = (uint32_t)db->pool_len;
	db->pool_len += n;
	return 0;
}

static struct zone *zone_get(struct vtg_zonedb *db, const uint8_t *apex)
{
	for (size_t i = 0; i < db->n_zones; i++)
		if (vtg__name_equal(db->zones[i].apex, apex))
			return &db->zones[i];
	if (db->n_zones == db->cap_zones) {
		size_t cap = db->cap_zones ? db->cap_zones * 2 : 8;
		struct zone *nz = vtg__realloc(db->zones, cap * sizeof(*nz));
		if (!nz)
			return NULL;
		db->zones = nz;
		db->cap_zones = cap;
	}
	struct zone *z = &db->zones[db->n_zones++];
	memset(z, 0, sizeof(*z));
	vtg__name_lower(z->apex, apex);
	z->apex_labels = vtg__name_labels(apex);
	return z;
}

static int zone_add(struct vtg_zonedb *db, struct zone *z, const uint8_t *owner,
		    uint16_t type, uint32_t ttl, const uint8_t *rd, size_t rdlen)
{
	if (rdlen > 65535)
		return VTG_EZONE_PARSE;
	if (z->n == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 64;
		struct rec *nr = vtg__realloc(z->recs, cap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		z->recs = nr;
		z->cap = cap;
	}
	uint8_t low[VTG_DNS_MAX_NAME];
	size_t ol = vtg__name_lower(low, owner);
	struct rec *r = &z->recs[z->n];
	int rc = pool_add(db, low, ol, &r->owner);
	if (rc == 0)
		rc = pool_add(db, rd, rdlen ? rdlen : 1, &r->rdata);
	if (rc)
		return rc;
	r->type = type;
	r->ttl = ttl;
	r->rdlen = (uint16_t)rdlen;
	z->n++;
	z->sorted = false;
	db->n_records++;
	return 0;
}

static int rec_cmp(const void *a, const void *b, void *ctx)
{
	const uint8_t *pool = ctx;
	const struct rec *x = a, *y = b;
	int c = vtg__name_cmp(pool + x->owner, pool + y->owner);
	if (c)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return 0;
}

/* Sort every zone and size the answer scratch to the largest RRset. */
static int finish(struct vtg_zonedb *db)
{
	size_t biggest = 1;
	for (size_t i = 0; i < db->n_zones; i++) {
		struct zone *z = &db->zones[i];
		if (!z->sorted) {
			qsort_r(z->recs, z->n, sizeof(struct rec), rec_cmp, db->pool);
			z->sorted = true;
		}
		size_t run = 0;
		for (size_t k = 0; k < z->n; k++) {
			if (k > 0 && rec_cmp(&z->recs[k - 1], &z->recs[k], db->pool) == 0)
				run++;
			else
				run = 1;
			if (run > biggest)
				biggest = run;
		}
	}
	if (biggest > db->scratch_cap) {
		struct vtg_rdata *ns = vtg__realloc(db->scratch, biggest * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		db->scratch = ns;
		db->scratch_cap = biggest;
	}
	return 0;
}

int vtg__zonedb_load(struct vtg_zonedb *db, const char *path, const char *origin,
		     char *err, size_t errcap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, errcap, "%s: %s", path, strerror(e));
		return -e;
	}
	ldns_rdf *orig = NULL;
	if (origin && ldns_str2rdf_dname(&orig, origin) != LDNS_STATUS_OK) {
		fclose(f);
		snprintf(err, errcap, "%s: bad origin '%s'", path, origin);
		return VTG_EZONE_PARSE;
	}
	ldns_zone *zf = NULL;
	int line = 1;
	ldns_status st = ldns_zone_new_frm_fp_l(&zf, f, orig, DEFAULT_TTL, LDNS_RR_CLASS_IN,
						&line);
	fclose(f);
	if (orig)
		ldns_rdf_deep_free(orig);
	if (st != LDNS_STATUS_OK) {
		snprintf(err, errcap, "%s:%d: %s", path, line, ldns_get_errorstr_by_id(st));
		return VTG_EZONE_PARSE;
	}
	ldns_rr *soa = ldns_zone_soa(zf);
	if (!soa) {
		ldns_zone_deep_free(zf);
		snprintf(err, errcap, "%s: no SOA record, so no zone apex", path);
		return VTG_EZONE_NOSOA;
	}
	int rc = 0;
	ldns_buffer *buf = ldns_buffer_new(4096);
	struct zone *z = NULL;
	const ldns_rdf *apex = ldns_rr_owner(soa);
	if (!buf || ldns_rdf_size(apex) > VTG_DNS_MAX_NAME ||
	    !(z = zone_get(db, ldns_rdf_data(apex)))) {
		rc = -ENOMEM;
		goto out;
	}
	ldns_rr_list *rrs = ldns_zone_rrs(zf);
	size_t n = ldns_rr_list_rr_count(rrs);
	for (size_t i = 0; i <= n && rc == 0; i++) {
		ldns_rr *rr = i < n ? ldns_rr_list_rr(rrs, i) : soa;
		const ldns_rdf *owner = ldns_rr_owner(rr);
		if (ldns_rdf_size(owner) > VTG_DNS_MAX_NAME) {
			rc = VTG_EZONE_PARSE;
			break;
		}
		uint8_t oname[VTG_DNS_MAX_NAME];
		memcpy(oname, ldns_rdf_data(owner), ldns_rdf_size(owner));
		if (!vtg__name_is_sub(oname, z->apex)) {
			char t[VTG_DNS_MAX_TEXT + 8];
			vtg__name_to_text(oname, t, sizeof(t), true);
			snprintf(err, errcap, "%s: record owner %s is outside the zone", path, t);
			rc = VTG_EZONE_PARSE;
			break;
		}
		ldns_buffer_clear(buf);
		if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK) {
			rc = VTG_EZONE_PARSE;
			break;
		}
		rc = zone_add(db, z, oname, (uint16_t)ldns_rr_get_type(rr), ldns_rr_ttl(rr),
			      ldns_buffer_begin(buf), ldns_buffer_position(buf));
	}
	if (rc == 0)
		rc = finish(db);
	if (rc != 0 && !err[0])
		snprintf(err, errcap, "%s: %s", path, vtg_strerror(rc));
out:
	ldns_buffer_free(buf);
	ldns_zone_deep_free(zf);
	return rc;
}

/* ------------------------------------------------------------- lookup */

/* First record with (owner, type) >= (name, type). */
static size_t lower_bound(const struct vtg_zonedb *db, const struct zone *z,
			  const uint8_t *name, uint16_t type)
{
	size_t lo = 0, hi = z->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rec *r = &z->recs[mid];
		int c = vtg__name_cmp(db->pool + r->owner, name);
		if (c < 0 || (c == 0 && r->type < type))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The RRset (first index, count) of (name, type); count 0 when absent. */
static size_t rrset(const struct vtg_zonedb *db, const struct zone *z,
		    const uint8_t *name, uint16_t type, size_t *first)
{
	size_t i = lower_bound(db, z, name, type), k = i;
	while (k < z->n && z->recs[k].type == type &&
	       vtg__name_equal(db->pool + z->recs[k].owner, name))
		k++;
	*first = i;
	return k - i;
}

/* 2: owner with data, 1: empty non-terminal, 0: does not exist. */
static int exists(const struct vtg_zonedb *db, const struct zone *z, const uint8_t *name)
{
	size_t i = lower_bound(db, z, name, 0);
	if (i >= z->n)
		return 0;
	const uint8_t *o = db->pool + z->recs[i].owner;
	if (vtg__name_equal(o, name))
		return 2;
	return vtg__name_is_sub(o, name) ? 1 : 0;
}

static const struct zone *closest_zone(const struct vtg_zonedb *db, const uint8_t *name)
{
	const struct zone *best = NULL;
	for (size_t i = 0; i < db->n_zones; i++) {
		const struct zone *z = &db->zones[i];
		if ((!best || z->apex_labels > best->apex_labels) &&
		    vtg__name_is_sub(name, z->apex))
			best = z;
	}
	return best;
}

static void answer_set(struct vtg_zonedb *db, const struct zone *z, size_t first,
		       size_t count, struct vtg_lookup_answer *ans)
{
	for (size_t k = 0; k < count; k++) {
		const struct rec *r = &z->recs[first + k];
		db->scratch[k].rdata = db->pool + r->rdata;
		db->scratch[k].len = r->rdlen;
		db->scratch[k].ttl = r->ttl;
	}
	ans->rrs = db->scratch;
	ans->n_rrs = count;
}

/* Copy the first RDATA name of rec (CNAME / DNAME target) into out. */
static bool rdata_name(const struct vtg_zonedb *db, const struct rec *r, uint8_t *out)
{
	uint8_t tmp[VTG_DNS_MAX_NAME];
	size_t next;
	if (vtg__name_unpack(db->pool + r->rdata, r->rdlen, 0, tmp, &next) < 0 ||
	    next != r->rdlen)
		return false;
	vtg__name_lower(out, tmp);
	return true;
}

/* Replace the suffix `owner` of name by `target` (RFC 6672 2.2). */
static int dname_rewrite(const uint8_t *name, const uint8_t *owner,
			 const uint8_t *target, uint8_t *out)
{
	size_t nl = vtg__name_len(name), ol = vtg__name_len(owner);
	size_t tl = vtg__name_len(target);
	size_t prefix = nl - ol;
	if (prefix + tl > VTG_DNS_MAX_NAME)
		return -1;
	memmove(out, name, prefix);
	memcpy(out + prefix, target, tl);
	return 0;
}

int vtg__zonedb_lookup(void *ctx, const uint8_t *qname, uint16_t qtype,
		       struct vtg_lookup_answer *ans)
{
	struct vtg_zonedb *db = ctx;
	memset(ans, 0, sizeof(*ans));
	ans->dnssec = VTG_DNSSEC_INSECURE;
	ans->tries = 1;
	ans->rrs = db->scratch;
	unsigned links = 0;
	vtg__name_lower(db->chain[0], qname);
	const uint8_t *cur = db->chain[0];

	for (;;) {
		const uint8_t *next = NULL;
		const struct zone *z = closest_zone(db, cur);
		if (!z) {
			ans->rcode = VTG_RCODE_NXDOMAIN; /* outside every zone */
			break;
		}
		/* DNAME at a proper ancestor, from the apex down (RFC 6672 2.3) */
		unsigned cl = vtg__name_labels(cur);
		for (unsigned depth = z->apex_labels; depth < cl && !next; depth++) {
			const uint8_t *anc = cur;
			for (unsigned k = 0; k < cl - depth; k++)
				anc = vtg__name_parent(anc);
			size_t first;
			if (rrset(db, z, anc, VTG_TYPE_DNAME, &first) > 0) {
				uint8_t target[VTG_DNS_MAX_NAME];
				if (links + 1 >= VTG_CHAIN_MAX + 2 ||
				    !rdata_name(db, &z->recs[first], target)) {
					ans->fail = VTG_FAIL_MALFORMED;
					ans->rcode = VTG_RCODE_SERVFAIL;
					goto out;
				}
				if (dname_rewrite(cur, anc, target, db->chain[links + 1]) != 0) {
					ans->fail = VTG_FAIL_RCODE;
					ans->rcode = 6; /* YXDOMAIN: RFC 6672 2.2 */
					goto out;
				}
				next = db->chain[links + 1];
			}
			/* names below a delegation's owner (an NS set that is
			 * not the apex) belong to the child: data is data here */
		}
		if (!next) {
			const uint8_t *owner = cur;
			int ex = exists(db, z, cur);
			uint8_t wild[VTG_DNS_MAX_NAME];
			if (ex == 0) {
				/* RFC 4592 4.1: closest encloser, then its wildcard */
				const uint8_t *ce = vtg__name_parent(cur);
				while (vtg__name_labels(ce) > z->apex_labels && exists(db, z, ce) == 0)
					ce = vtg__name_parent(ce);
				size_t cel = vtg__name_len(ce);
				if (cel + 2 <= VTG_DNS_MAX_NAME) {
					wild[0] = 1;
					wild[1] = '*';
					memcpy(wild + 2, ce, cel);
					if (exists(db, z, wild) == 2) {
						owner = wild;
						ex = 2;
					}
				}
				if (ex == 0) {
					ans->rcode = VTG_RCODE_NXDOMAIN;
					break;
				}
			}
			ans->rcode = VTG_RCODE_NOERROR;
			if (ex == 1)
				break; /* empty non-terminal: NODATA */
			size_t first, cnt = rrset(db, z, owner, qtype, &first);
			if (cnt > 0) {
				answer_set(db, z, first, cnt, ans);
				break;
			}
			if (qtype != VTG_TYPE_CNAME &&
			    rrset(db, z, owner, VTG_TYPE_CNAME, &first) > 0) {
				if (links + 1 >= VTG_CHAIN_MAX + 2 ||
				    !rdata_name(db, &z->recs[first], db->chain[links + 1])) {
					ans->fail = VTG_FAIL_MALFORMED;
					ans->rcode = VTG_RCODE_SERVFAIL;
					goto out;
				}
				next = db->chain[links + 1];
			} else {
				break; /* NODATA */
			}
		}
		/* follow one link */
		for (unsigned k = 0; k <= links; k++)
			if (vtg__name_equal(db->chain[k], next)) {
				ans->fail = VTG_FAIL_CNAME_LOOP;
				ans->rcode = VTG_RCODE_SERVFAIL;
				links++;
				goto out;
			}
		links++;
		if (links > VTG_CHAIN_MAX) {
			ans->fail = VTG_FAIL_CHAIN_LIMIT;
			ans->rcode = VTG_RCODE_SERVFAIL;
			goto out;
		}
		cur = next;
	}
	ans->target = links ? cur : NULL;
out:
	ans->chain_len = links;
	return 0;
}
