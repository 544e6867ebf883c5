/*
 * zonedb.c — the offline DNS: zone files read with ldns, copied into sorted
 * arrays, answered by binary search (contract and semantics: zonedb.h).
 *
 * Storage. Every record lives in one byte pool (owner names lowercased, RDATA
 * in uncompressed wire form, exactly the octets of the file's generic
 * `\# len hex` form when one was used) referenced by 32-bit offsets, so the
 * pool may move while it grows. Each zone keeps its records in one array
 * sorted by (RFC 4034 section 6.1 canonical owner order, type, load order):
 * an RRset is a contiguous run, all names below X follow X directly (so
 * "does anything exist at or below X" is one binary search), and within an
 * RRset the records keep the order of the file. Beside it each zone keeps an
 * array of struct vtg_rdata views, rebuilt after every load, which answers
 * point into directly. Zones are sorted by apex in the same order.
 *
 * Invariants: every zone has its SOA at the apex and only names at or below
 * it; no two records of a zone are identical (RFC 2181 section 5: duplicates
 * collapse); CNAME and DNAME RDATA are valid absolute wire names. ldns objects
 * exist only inside vtg__zonedb_load(). All allocation happens there; a load
 * that fails leaves the database exactly as it was. Lookups never allocate:
 * the alias chain is kept in name buffers inside the database, which is why
 * one database serves one lookup at a time.
 *
 * ldns: the file is read record by record with ldns_rr_new_frm_fp_l() rather
 * than ldns_zone_new_frm_fp_l(), whose error path frees its record list
 * shallowly (ldns 1.8.3 zone.c) and leaks every record read before the error,
 * and which silently skips a second SOA. The per-record reader's own quirks
 * (relative names without an origin, no word on whether a TTL was written,
 * line numbers) are handled at UNSET_ORIGIN, TTL_IMPLICIT and line_of().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ldns/ldns.h>

#include "common/alloc.h"
#include "resolver/wire.h"
#include "resolver/zonedb.h"

/* RFC 1035 section 5.1 has no default TTL; ldns and BIND use one hour when a
 * record has neither its own TTL, a $TTL (RFC 2308 section 4) nor an earlier
 * explicit TTL to inherit. */
#define ZONE_DEFAULT_TTL 3600u

/* Passed to ldns as the default TTL: ldns does not tell whether a record had
 * its own TTL, so one that comes back with this value had none. (A file that
 * writes TTL 4294967295 itself is treated as having none; RFC 2181 section 8
 * caps TTLs at 2^31 - 1 anyway.) */
#define TTL_IMPLICIT 0xffffffffu

/* RFC 6672 section 2.2 / RFC 2136 section 2.2: a DNAME substitution that
 * would exceed 255 octets is answered YXDOMAIN. Not in enum vtg_rcode. */
#define RCODE_YXDOMAIN 6u

/* Pool offsets are 32-bit to keep records small; 4 GiB of zone data is far
 * beyond any file `vantage eval` is meant for. */
#define POOL_MAX ((size_t)UINT32_MAX)

/* Initial sizes; everything doubles from there. */
#define POOL_INITIAL 4096u
#define RECS_INITIAL 64u
#define LDNS_BUF_INITIAL 512u

/* RFC 1035 section 2.3.4: at most 127 labels fit in 255 octets. */
#define MAX_LABELS 128

/*
 * Origin used while the file has named none (no $ORIGIN, no origin argument,
 * SOA not yet read). ldns would otherwise make a relative name absolute under
 * the root and resolve "@" to the previous owner, turning a file written for
 * `zone "shop.example"` into a root zone without a word. With this marker a
 * relative name ends in a label no real name has (it starts with a NUL
 * octet), and is reported. String literal: its terminating NUL is the root.
 */
static const uint8_t UNSET_ORIGIN[] = "\025\000vantage-origin-unset";

/* One record. Offsets into db->pool. */
struct zrec {
	uint32_t owner;
	uint32_t rdata;
	uint32_t ttl;
	uint32_t seq;   /* load order: keeps file order inside an RRset */
	uint16_t rdlen;
	uint16_t type;
};

struct zone {
	uint8_t apex[VTG_DNS_MAX_NAME]; /* lowercase wire */
	struct zrec *recs;              /* sorted, see the file comment */
	struct vtg_rdata *rd;           /* rd[i] views recs[i]'s RDATA */
	size_t n, cap;
};

struct vtg_zonedb {
	struct zone *zones; /* sorted by apex (canonical order) */
	size_t n_zones, cap_zones;
	uint8_t *pool;
	size_t pool_len, pool_cap;
	uint32_t seq;
	/* lookup scratch: the queried name and every alias target followed */
	uint8_t chain[VTG_CHAIN_MAX + 1][VTG_DNS_MAX_NAME];
	uint8_t next[VTG_DNS_MAX_NAME]; /* candidate for the next link */
	uint8_t wild[VTG_DNS_MAX_NAME]; /* "*." + closest encloser */
};

/* ---- small helpers ---- */

/* A valid absolute uncompressed wire name filling exactly len octets. */
static bool wire_name_ok(const uint8_t *p, size_t len)
{
	size_t off = 0;
	while (off < len) {
		uint8_t l = p[off];
		if (l == 0)
			return off + 1 == len && len <= VTG_DNS_MAX_NAME;
		if (l > VTG_DNS_MAX_LABEL)
			return false;
		off += (size_t)l + 1;
	}
	return false;
}

/* Offsets of each label of name, leftmost first, plus the root label's at
 * offs[n]; returns n (labels not counting the root). */
static unsigned label_offsets(const uint8_t *name, uint8_t offs[MAX_LABELS + 1])
{
	unsigned n = 0;
	size_t off = 0;
	while (name[off] != 0) {
		offs[n++] = (uint8_t)off;
		off += (size_t)name[off] + 1;
	}
	offs[n] = (uint8_t)off;
	return n;
}

static void set_err(char *err, size_t errcap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errcap, const char *fmt, ...)
{
	if (err == NULL || errcap == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errcap, fmt, ap);
	va_end(ap);
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* ---- the pool ---- */

static int pool_reserve(struct vtg_zonedb *db, size_t more)
{
	if (more > POOL_MAX - db->pool_len)
		return -EFBIG;
	size_t need = db->pool_len + more;
	if (need <= db->pool_cap)
		return 0;
	size_t cap = db->pool_cap ? db->pool_cap : POOL_INITIAL;
	while (cap < need)
		cap = cap > POOL_MAX / 2 ? POOL_MAX : cap * 2;
	uint8_t *p = vtg__realloc(db->pool, cap);
	if (p == NULL)
		return -ENOMEM;
	db->pool = p;
	db->pool_cap = cap;
	return 0;
}

/* ---- sorting and searching one zone ---- */

static int rec_cmp_key(const uint8_t *pool, const struct zrec *a,
		       const struct zrec *b)
{
	int c = a->owner == b->owner ? 0 :
		vtg__name_cmp(pool + a->owner, pool + b->owner);
	if (c != 0)
		return c;
	return a->type < b->type ? -1 : a->type > b->type;
}

/* (owner, type, load order): the order lookups rely on. */
static int rec_cmp_order(const void *va, const void *vb, void *vpool)
{
	const struct zrec *a = va, *b = vb;
	int c = rec_cmp_key(vpool, a, b);
	return c != 0 ? c : cmp_u32(a->seq, b->seq);
}

/* (owner, type, RDATA octets, load order): identical records adjacent, the
 * first loaded first. */
static int rec_cmp_rdata(const void *va, const void *vb, void *vpool)
{
	const struct zrec *a = va, *b = vb;
	const uint8_t *pool = vpool;
	int c = rec_cmp_key(pool, a, b);
	if (c != 0)
		return c;
	size_t m = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	c = m ? memcmp(pool + a->rdata, pool + b->rdata, m) : 0;
	if (c != 0)
		return c;
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	return cmp_u32(a->seq, b->seq);
}

static bool rec_same(const uint8_t *pool, const struct zrec *a,
		     const struct zrec *b)
{
	return rec_cmp_key(pool, a, b) == 0 && a->rdlen == b->rdlen &&
	       (a->rdlen == 0 ||
		memcmp(pool + a->rdata, pool + b->rdata, a->rdlen) == 0);
}

/* Sort, drop duplicates (RFC 2181 section 5: an RRset holds each record
 * once; byte comparison, not RFC 4034 canonical RDATA), restore file order. */
static void zone_sort(struct zone *z, uint8_t *pool)
{
	if (z->n < 2)
		return;
	qsort_r(z->recs, z->n, sizeof(*z->recs), rec_cmp_rdata, pool);
	size_t w = 1;
	for (size_t i = 1; i < z->n; i++)
		if (!rec_same(pool, &z->recs[w - 1], &z->recs[i]))
			z->recs[w++] = z->recs[i];
	z->n = w;
	qsort_r(z->recs, z->n, sizeof(*z->recs), rec_cmp_order, pool);
}

/* First record whose (owner, type) is not below (name, type). */
static size_t lower_bound(const struct vtg_zonedb *db, const struct zone *z,
			  const uint8_t *name, uint16_t type)
{
	size_t lo = 0, hi = z->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct zrec *r = &z->recs[mid];
		int c = vtg__name_cmp(db->pool + r->owner, name);
		if (c < 0 || (c == 0 && r->type < type))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const uint8_t *owner_at(const struct vtg_zonedb *db,
			       const struct zone *z, size_t i)
{
	return db->pool + z->recs[i].owner;
}

/* The RRset (name, type): its first index and size (0 when absent). */
static size_t rrset_find(const struct vtg_zonedb *db, const struct zone *z,
			 const uint8_t *name, uint16_t type, size_t *first)
{
	size_t i = lower_bound(db, z, name, type), j = i;
	while (j < z->n && z->recs[j].type == type &&
	       vtg__name_equal(owner_at(db, z, j), name))
		j++;
	*first = i;
	return j - i;
}

/* Name holds records, or is an empty non-terminal (which exists, RFC 4592
 * section 2.2.2). Descendants sort right after a name. */
static bool name_exists(const struct vtg_zonedb *db, const struct zone *z,
			const uint8_t *name)
{
	size_t i = lower_bound(db, z, name, 0);
	return i < z->n && vtg__name_is_sub(owner_at(db, z, i), name);
}

/* Index of the zone with this apex, or where it would be inserted. */
static size_t zone_search(const struct vtg_zonedb *db, const uint8_t *apex,
			  bool *found)
{
	size_t lo = 0, hi = db->n_zones;
	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = vtg__name_cmp(db->zones[mid].apex, apex);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The closest enclosing zone: the longest apex that name is at or below. */
static const struct zone *zone_for(const struct vtg_zonedb *db,
				   const uint8_t *name)
{
	for (const uint8_t *s = name;; s = vtg__name_parent(s)) {
		bool found;
		size_t i = zone_search(db, s, &found);
		if (found)
			return &db->zones[i];
		if (s[0] == 0)
			return NULL;
	}
}

/* ---- loading ---- */

struct stage {
	struct zrec *r;
	size_t n, cap;
};

static int stage_push(struct stage *st, const struct zrec *r)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : RECS_INITIAL;
		struct zrec *p = vtg__realloc(st->r, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		st->r = p;
		st->cap = cap;
	}
	st->r[st->n++] = *r;
	return 0;
}

static int zone_reserve(struct zone *z, size_t more)
{
	size_t need = z->n + more;
	if (need <= z->cap)
		return 0;
	size_t cap = z->cap ? z->cap : RECS_INITIAL;
	while (cap < need)
		cap *= 2;
	struct zrec *r = vtg__realloc(z->recs, cap * sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	z->recs = r;
	struct vtg_rdata *v = vtg__realloc(z->rd, cap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM; /* recs grew, n did not: still consistent */
	z->rd = v;
	z->cap = cap;
	return 0;
}

/* After a load the pool may have moved: point every view at it again. */
static void views_refresh(struct vtg_zonedb *db)
{
	for (size_t zi = 0; zi < db->n_zones; zi++) {
		struct zone *z = &db->zones[zi];
		for (size_t i = 0; i < z->n; i++) {
			z->rd[i].rdata = db->pool + z->recs[i].rdata;
			z->rd[i].len = z->recs[i].rdlen;
			z->rd[i].ttl = z->recs[i].ttl;
		}
	}
}

/*
 * ldns counts a line when it has read its newline: after reading a record
 * (or failing on one) line_nr is the record's last line, except on a last
 * line without a newline, which it has not counted yet.
 */
static int line_of(FILE *fp, int line_nr)
{
	if (!feof(fp))
		return line_nr;
	if (fseek(fp, -1, SEEK_END) != 0) /* a pipe: keep ldns's count */
		return line_nr;
	int c = getc(fp);
	(void)getc(fp); /* fseek() cleared the end-of-file flag: set it again */
	return c == '\n' ? line_nr : line_nr + 1;
}

static bool has_unset_origin(const uint8_t *p, size_t len)
{
	return memmem(p, len, UNSET_ORIGIN, sizeof(UNSET_ORIGIN)) != NULL;
}

struct reader {
	struct vtg_zonedb *db;
	const char *path;
	char *err;
	size_t errcap;
	FILE *fp;
	int line_nr;
	ldns_rdf *origin, *prev;
	ldns_buffer *buf;
	struct stage st;
	bool have_soa;
	uint8_t soa_owner[VTG_DNS_MAX_NAME];
	bool have_dollar_ttl;
	uint32_t dollar_ttl;
	bool have_explicit_ttl;
	uint32_t last_explicit_ttl;
};

static bool origin_is_unset(const struct reader *rd)
{
	return rd->origin != NULL &&
	       ldns_rdf_size(rd->origin) == sizeof(UNSET_ORIGIN) &&
	       memcmp(ldns_rdf_data(rd->origin), UNSET_ORIGIN,
		      sizeof(UNSET_ORIGIN)) == 0;
}

/* The TTL a record without its own gets (ldns zone.c does the same). */
static uint32_t implicit_ttl(const struct reader *rd, const ldns_rr *rr,
			     const struct zrec *prev, const uint8_t *owner)
{
	const uint8_t *pool = rd->db->pool;
	/* RFC 4034 section 3: an RRSIG's TTL is its Original TTL field */
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && ldns_rr_rd_count(rr) >= 4 &&
	    ldns_rdf_get_type(ldns_rr_rdf(rr, 3)) == LDNS_RDF_TYPE_INT32)
		return ldns_rdf2native_int32(ldns_rr_rdf(rr, 3));
	/* RFC 2181 section 5.2: one TTL per RRset */
	if (prev != NULL && prev->type == ldns_rr_get_type(rr) &&
	    vtg__name_equal(pool + prev->owner, owner))
		return prev->ttl;
	if (rd->have_dollar_ttl)
		return rd->dollar_ttl; /* RFC 2308 section 4 */
	if (rd->have_explicit_ttl)
		return rd->last_explicit_ttl; /* RFC 1035 section 5.1 */
	return ZONE_DEFAULT_TTL;
}

/* Copy one parsed record into the pool and the stage. */
static int take_rr(struct reader *rd, ldns_rr *rr)
{
	struct vtg_zonedb *db = rd->db;
	int line = line_of(rd->fp, rd->line_nr);
	const ldns_rdf *own = ldns_rr_owner(rr);
	const uint8_t *owner = ldns_rdf_data(own);
	size_t olen = ldns_rdf_size(own);
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);

	if (!wire_name_ok(owner, olen)) {
		set_err(rd->err, rd->errcap, "%s:%d: bad owner name", rd->path, line);
		return VTG_EZONE_PARSE;
	}
	if (vtg__name_is_sub(owner, UNSET_ORIGIN)) {
		set_err(rd->err, rd->errcap,
			"%s:%d: relative owner name and no $ORIGIN (give the zone's origin)",
			rd->path, line);
		return VTG_EZONE_PARSE;
	}
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
		set_err(rd->err, rd->errcap, "%s:%d: class %u is not IN",
			rd->path, line, (unsigned)ldns_rr_get_class(rr));
		return VTG_EZONE_PARSE;
	}

	if (type == VTG_TYPE_SOA) {
		if (rd->have_soa) {
			/* A dump of an AXFR ends with the SOA again (RFC 5936
			 * section 2.2): skip it; another apex is another zone. */
			if (vtg__name_equal(owner, rd->soa_owner))
				return 0;
			set_err(rd->err, rd->errcap,
				"%s:%d: a second SOA for another zone (one zone per file)",
				rd->path, line);
			return VTG_EZONE_PARSE;
		}
		rd->have_soa = true;
		vtg__name_lower(rd->soa_owner, owner);
		/* as ldns_zone_new_frm_fp_l: without an origin, the SOA's
		 * owner is the origin for the rest of the file */
		if (origin_is_unset(rd)) {
			ldns_rdf *o = ldns_rdf_clone(own);
			if (o == NULL)
				return -ENOMEM;
			ldns_rdf_deep_free(rd->origin);
			rd->origin = o;
		}
	}

	ldns_buffer_clear(rd->buf);
	ldns_status s = ldns_rr_rdata2buffer_wire(rd->buf, rr);
	if (s != LDNS_STATUS_OK || !ldns_buffer_status_ok(rd->buf))
		return -ENOMEM;
	size_t rdlen = ldns_buffer_position(rd->buf);
	const uint8_t *rdata = ldns_buffer_begin(rd->buf);
	if (rdlen > UINT16_MAX) {
		set_err(rd->err, rd->errcap, "%s:%d: RDATA longer than 65535 octets",
			rd->path, line);
		return VTG_EZONE_PARSE;
	}
	if (has_unset_origin(rdata, rdlen)) {
		set_err(rd->err, rd->errcap,
			"%s:%d: relative name in RDATA and no $ORIGIN (give the zone's origin)",
			rd->path, line);
		return VTG_EZONE_PARSE;
	}
	/* lookups follow these without checking again */
	if ((type == VTG_TYPE_CNAME || type == VTG_TYPE_DNAME) &&
	    !wire_name_ok(rdata, rdlen)) {
		set_err(rd->err, rd->errcap, "%s:%d: %s RDATA is not one domain name",
			rd->path, line, type == VTG_TYPE_CNAME ? "CNAME" : "DNAME");
		return VTG_EZONE_PARSE;
	}

	struct zrec r = { .type = type, .rdlen = (uint16_t)rdlen, .seq = db->seq++ };
	struct zrec *prev = rd->st.n ? &rd->st.r[rd->st.n - 1] : NULL;

	r.ttl = ldns_rr_ttl(rr);
	if (r.ttl == TTL_IMPLICIT) {
		r.ttl = implicit_ttl(rd, rr, prev, owner);
	} else {
		rd->have_explicit_ttl = true;
		rd->last_explicit_ttl = r.ttl;
	}

	/* records of one owner usually follow each other: share the name */
	if (prev != NULL && vtg__name_equal(db->pool + prev->owner, owner)) {
		r.owner = prev->owner;
	} else {
		int rc = pool_reserve(db, olen);
		if (rc != 0)
			return rc;
		r.owner = (uint32_t)db->pool_len;
		vtg__name_lower(db->pool + db->pool_len, owner);
		db->pool_len += olen;
	}
	int rc = pool_reserve(db, rdlen);
	if (rc != 0)
		return rc;
	r.rdata = (uint32_t)db->pool_len;
	if (rdlen)
		memcpy(db->pool + db->pool_len, rdata, rdlen);
	db->pool_len += rdlen;
	return stage_push(&rd->st, &r);
}

/*
 * Read every record into the stage. ldns_rr_new_frm_fp_l() handles $ORIGIN
 * (replacing rd->origin), $TTL (writing the default TTL we pass) and RFC 3597
 * `\# len hex` for any type (converted through the type's wire parser, so
 * the octets come back unchanged from ldns_rr_rdata2buffer_wire()).
 */
static int read_file(struct reader *rd)
{
	while (!feof(rd->fp)) {
		ldns_rr *rr = NULL;
		uint32_t ttl = TTL_IMPLICIT;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, rd->fp, &ttl, &rd->origin,
						     &rd->prev, &rd->line_nr);
		if (ferror(rd->fp)) {
			int e = errno ? errno : EIO;
			if (rr != NULL)
				ldns_rr_free(rr);
			set_err(rd->err, rd->errcap, "%s: %s", rd->path, strerror(e));
			return -e;
		}
		switch (s) {
		case LDNS_STATUS_OK: {
			int rc = take_rr(rd, rr);
			ldns_rr_free(rr);
			if (rc == -ENOMEM || rc == -EFBIG)
				set_err(rd->err, rd->errcap, "%s: %s", rd->path,
					strerror(-rc));
			if (rc != 0)
				return rc;
			break;
		}
		case LDNS_STATUS_SYNTAX_EMPTY:
			break;
		case LDNS_STATUS_SYNTAX_TTL:
			rd->have_dollar_ttl = true;
			rd->dollar_ttl = ttl;
			break;
		case LDNS_STATUS_SYNTAX_ORIGIN:
			break;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			set_err(rd->err, rd->errcap, "%s:%d: $INCLUDE is not supported",
				rd->path, line_of(rd->fp, rd->line_nr));
			return VTG_EZONE_PARSE;
		case LDNS_STATUS_MEM_ERR:
			set_err(rd->err, rd->errcap, "%s: %s", rd->path, strerror(ENOMEM));
			return -ENOMEM;
		default: {
			const char *why = ldns_get_errorstr_by_id(s);
			set_err(rd->err, rd->errcap, "%s:%d: %s", rd->path,
				line_of(rd->fp, rd->line_nr),
				why ? why : "syntax error");
			return VTG_EZONE_PARSE;
		}
		}
	}
	return 0;
}

/* Move the staged records into the zone of the file's SOA. Every allocation
 * comes before the first change, so a failure changes nothing. */
static int commit(struct reader *rd)
{
	struct vtg_zonedb *db = rd->db;
	const uint8_t *apex = rd->soa_owner;
	bool found;
	size_t zi = zone_search(db, apex, &found);
	size_t more = 0;
	for (size_t i = 0; i < rd->st.n; i++)
		if (vtg__name_is_sub(db->pool + rd->st.r[i].owner, apex))
			more++;

	struct zone fresh = { 0 };
	struct zone *z = found ? &db->zones[zi] : &fresh;
	if (!found && db->n_zones == db->cap_zones) {
		size_t cap = db->cap_zones ? db->cap_zones * 2 : 4;
		struct zone *p = vtg__realloc(db->zones, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		db->zones = p;
		db->cap_zones = cap;
	}
	if (zone_reserve(z, more) != 0) {
		vtg__free(fresh.recs);
		vtg__free(fresh.rd);
		return -ENOMEM;
	}

	for (size_t i = 0; i < rd->st.n; i++) {
		const struct zrec *r = &rd->st.r[i];
		/* data outside the zone is ignored, as BIND, NSD and Knot do */
		if (!vtg__name_is_sub(db->pool + r->owner, apex))
			continue;
		/* merging into a loaded zone: its SOA stays the only one */
		if (found && r->type == VTG_TYPE_SOA)
			continue;
		z->recs[z->n++] = *r;
	}
	if (!found) {
		memcpy(fresh.apex, apex, vtg__name_len(apex));
		memmove(&db->zones[zi + 1], &db->zones[zi],
			(db->n_zones - zi) * sizeof(*db->zones));
		db->zones[zi] = fresh;
		db->n_zones++;
		z = &db->zones[zi];
	}
	zone_sort(z, db->pool);
	views_refresh(db);
	return 0;
}

static ldns_rdf *origin_rdf(const char *origin)
{
	uint8_t wire[VTG_DNS_MAX_NAME];
	int len;
	if (origin == NULL)
		return ldns_dname_new_frm_data(sizeof(UNSET_ORIGIN), UNSET_ORIGIN);
	len = vtg__name_from_text(wire, origin, strlen(origin));
	if (len < 0)
		return NULL;
	return ldns_dname_new_frm_data((uint16_t)len, wire);
}

int vtg__zonedb_load(struct vtg_zonedb *db, const char *path,
		     const char *origin, char *err, size_t errcap)
{
	struct reader rd = {
		.db = db, .path = path, .err = err, .errcap = errcap,
	};
	size_t pool_mark = db->pool_len;
	uint32_t seq_mark = db->seq;
	struct stat sb;
	int rc;

	set_err(err, errcap, "%s", "");
	rd.fp = fopen(path, "re");
	if (rd.fp == NULL) {
		rc = -errno;
		set_err(err, errcap, "%s: %s", path, strerror(-rc));
		return rc;
	}
	/* fopen() opens a directory; reading it fails with EISDIR */
	if (fstat(fileno(rd.fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fclose(rd.fp);
		set_err(err, errcap, "%s: %s", path, strerror(EISDIR));
		return -EISDIR;
	}
	rd.origin = origin_rdf(origin);
	if (rd.origin == NULL) {
		fclose(rd.fp);
		set_err(err, errcap, "%s: bad origin '%s'", path, origin ? origin : "");
		return origin ? VTG_EZONE_PARSE : -ENOMEM;
	}
	rd.buf = ldns_buffer_new(LDNS_BUF_INITIAL);
	if (rd.buf == NULL) {
		rc = -ENOMEM;
		set_err(err, errcap, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}

	rc = read_file(&rd);
	if (rc == 0 && !rd.have_soa) {
		set_err(err, errcap, "%s: no SOA record", path);
		rc = VTG_EZONE_NOSOA;
	}
	if (rc == 0) {
		rc = commit(&rd);
		if (rc != 0)
			set_err(err, errcap, "%s: %s", path, strerror(-rc));
	}
out:
	if (rc != 0) {
		/* nothing staged reached a zone: forget its pool space */
		db->pool_len = pool_mark;
		db->seq = seq_mark;
	}
	vtg__free(rd.st.r);
	if (rd.buf != NULL)
		ldns_buffer_free(rd.buf);
	if (rd.origin != NULL) /* NULL after a $ORIGIN ldns could not parse */
		ldns_rdf_deep_free(rd.origin);
	if (rd.prev != NULL)
		ldns_rdf_deep_free(rd.prev);
	fclose(rd.fp);
	return rc;
}

/* ---- the database ---- */

int vtg__zonedb_new(struct vtg_zonedb **out)
{
	struct vtg_zonedb *db = vtg__calloc(1, sizeof(*db));
	if (db == NULL)
		return -ENOMEM;
	*out = db;
	return 0;
}

void vtg__zonedb_free(struct vtg_zonedb *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n_zones; i++) {
		vtg__free(db->zones[i].recs);
		vtg__free(db->zones[i].rd);
	}
	vtg__free(db->zones);
	vtg__free(db->pool);
	vtg__free(db);
}

size_t vtg__zonedb_zones(const struct vtg_zonedb *db)
{
	return db->n_zones;
}

size_t vtg__zonedb_records(const struct vtg_zonedb *db)
{
	size_t n = 0;
	for (size_t i = 0; i < db->n_zones; i++)
		n += db->zones[i].n;
	return n;
}

/* ---- lookup ---- */

enum step {
	STEP_ANSWER,   /* ans->rrs / n_rrs set */
	STEP_NODATA,
	STEP_NXDOMAIN,
	STEP_ALIAS,    /* db->next holds the name to restart with */
	STEP_YXDOMAIN,
};

/* The data at owner (an existing name, or the wildcard standing in for one,
 * RFC 4592 section 3.3.1): the RRset of qtype, else its CNAME followed
 * (RFC 1034 section 4.3.2 step 3a), else NODATA. */
static enum step answer_at(struct vtg_zonedb *db, const struct zone *z,
			   const uint8_t *owner, uint16_t qtype,
			   struct vtg_lookup_answer *ans)
{
	size_t first, n = rrset_find(db, z, owner, qtype, &first);
	if (n > 0) {
		ans->rrs = &z->rd[first];
		ans->n_rrs = n;
		return STEP_ANSWER;
	}
	if (qtype != VTG_TYPE_CNAME &&
	    rrset_find(db, z, owner, VTG_TYPE_CNAME, &first) > 0) {
		vtg__name_lower(db->next, z->rd[first].rdata);
		return STEP_ALIAS;
	}
	return STEP_NODATA;
}

/* One step of RFC 1034 section 4.3.2 inside zone z for qname (lowercase). */
static enum step zone_step(struct vtg_zonedb *db, const struct zone *z,
			   const uint8_t *qname, uint16_t qtype,
			   struct vtg_lookup_answer *ans)
{
	uint8_t offs[MAX_LABELS + 1];
	unsigned nq = label_offsets(qname, offs);
	unsigned na = vtg__name_labels(z->apex);
	size_t first;

	/* RFC 6672 section 2.2: a DNAME at a proper ancestor, from the apex
	 * down, replaces that ancestor's part of qname by the DNAME target. */
	for (unsigned k = na; k < nq; k++) {
		const uint8_t *anc = qname + offs[nq - k];
		if (rrset_find(db, z, anc, VTG_TYPE_DNAME, &first) == 0)
			continue;
		const struct vtg_rdata *t = &z->rd[first];
		size_t plen = offs[nq - k];
		if (plen + t->len > VTG_DNS_MAX_NAME)
			return STEP_YXDOMAIN;
		memcpy(db->next, qname, plen);
		vtg__name_lower(db->next + plen, t->rdata);
		return STEP_ALIAS;
	}

	size_t i = lower_bound(db, z, qname, 0);
	if (i < z->n && vtg__name_equal(owner_at(db, z, i), qname))
		return answer_at(db, z, qname, qtype, ans);
	/* an empty non-terminal exists and has no data: NODATA */
	if (i < z->n && vtg__name_is_sub(owner_at(db, z, i), qname))
		return STEP_NODATA;

	/* RFC 4592 section 3.3.1: the closest encloser is the longest
	 * existing ancestor (the apex always exists: its SOA); its wildcard
	 * child, if it exists, answers for qname. qname is not the apex
	 * here, so nq > na and the loop below cannot wrap. */
	const uint8_t *ce = z->apex;
	for (unsigned k = nq - 1; k > na; k--) {
		const uint8_t *anc = qname + offs[nq - k];
		if (name_exists(db, z, anc)) {
			ce = anc;
			break;
		}
	}
	size_t celen = vtg__name_len(ce);
	if (celen + 2 > VTG_DNS_MAX_NAME)
		return STEP_NXDOMAIN; /* "*." + ce cannot be a name */
	db->wild[0] = 1;
	db->wild[1] = '*';
	memcpy(db->wild + 2, ce, celen);
	i = lower_bound(db, z, db->wild, 0);
	if (i < z->n && vtg__name_equal(owner_at(db, z, i), db->wild))
		return answer_at(db, z, db->wild, qtype, ans);
	/* RFC 4592 section 4.9: a wildcard that is only an empty
	 * non-terminal is still the source of synthesis: NODATA */
	if (i < z->n && vtg__name_is_sub(owner_at(db, z, i), db->wild))
		return STEP_NODATA;
	return STEP_NXDOMAIN;
}

static bool chain_seen(const struct vtg_zonedb *db, unsigned links,
		       const uint8_t *name)
{
	for (unsigned i = 0; i <= links; i++)
		if (vtg__name_equal(db->chain[i], name))
			return true;
	return false;
}

/*
 * RFC 1034 section 4.3.2 over the loaded zones, restarting at each alias.
 * chain[0] is qname, chain[k] the name reached after k links; target is the
 * last of them (also when the chain fails: the loop's last new name, the
 * 16th link's target, or the name a DNAME could not be applied to).
 */
int vtg__zonedb_lookup(void *ctx, const uint8_t *qname, uint16_t qtype,
		       struct vtg_lookup_answer *ans)
{
	struct vtg_zonedb *db = ctx;
	unsigned links = 0;

	memset(ans, 0, sizeof(*ans));
	ans->fail = VTG_FAIL_NONE;
	ans->rcode = VTG_RCODE_NOERROR;
	ans->dnssec = VTG_DNSSEC_INSECURE; /* zone data carries no proof */
	ans->tries = 1;
	vtg__name_lower(db->chain[0], qname);

	for (;;) {
		const uint8_t *cur = db->chain[links];
		const struct zone *z = zone_for(db, cur);
		if (z == NULL) {
			/* docs/rules.md section 0: the loaded zones are the whole DNS */
			ans->rcode = VTG_RCODE_NXDOMAIN;
			break;
		}
		enum step st = zone_step(db, z, cur, qtype, ans);
		if (st == STEP_ANSWER || st == STEP_NODATA)
			break;
		if (st == STEP_NXDOMAIN) {
			/* RFC 6604: the rcode describes the last name of the chain */
			ans->rcode = VTG_RCODE_NXDOMAIN;
			break;
		}
		if (st == STEP_YXDOMAIN) {
			ans->rcode = RCODE_YXDOMAIN;
			ans->fail = VTG_FAIL_RCODE;
			break;
		}
		/* STEP_ALIAS (docs/rules.md section 8: a loop or an over-long chain
		 * is a failure) */
		if (chain_seen(db, links, db->next)) {
			ans->fail = VTG_FAIL_CNAME_LOOP;
			ans->rcode = VTG_RCODE_SERVFAIL;
			break;
		}
		if (links == VTG_CHAIN_MAX) {
			ans->fail = VTG_FAIL_CHAIN_LIMIT;
			ans->rcode = VTG_RCODE_SERVFAIL;
			break;
		}
		links++;
		memcpy(db->chain[links], db->next, vtg__name_len(db->next));
	}
	ans->chain_len = links;
	ans->target = links ? db->chain[links] : NULL;
	return 0;
}
