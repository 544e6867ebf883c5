/*
 * zonedb.h — an in-memory DNS made of zone files: the offline lookup backend.
 *
 * Used by `vantage eval` (a domain owner checks a zone before publishing it)
 * and by replay tests. Zone files in presentation format are read with ldns
 * (RFC 3597 generic `TYPEnnn \# len hex` records included) and copied into
 * the database's own sorted arrays; ldns objects do not outlive loading.
 *
 * Semantics (docs/rules.md section 0): the loaded zones are the whole DNS. A lookup
 * is answered by the closest enclosing loaded zone (longest apex match);
 * a name outside every zone does not exist (NXDOMAIN). Inside a zone:
 * DNAME at an ancestor rewrites (RFC 6672), an exact owner answers its RRset
 * or follows its CNAME, an existing name without the type (including an
 * empty non-terminal) is NODATA, a wildcard (RFC 4592) synthesises for names
 * that do not exist, everything else is NXDOMAIN. Delegations to zones that
 * are not loaded are not special: data is data. Aliases are followed across
 * zones up to VTG_CHAIN_MAX links; a loop or a longer chain is a failure.
 * Every answer's DNSSEC state is INSECURE (zone data carries no validation).
 */
#ifndef VTG_RESOLVER_ZONEDB_H
#define VTG_RESOLVER_ZONEDB_H

#include <stddef.h>
#include <stdint.h>

#include "resolver/lookup.h"

struct vtg_zonedb;

int vtg__zonedb_new(struct vtg_zonedb **out);
void vtg__zonedb_free(struct vtg_zonedb *db);

/*
 * Load one zone file. origin: the zone's name when the file has no $ORIGIN
 * (NULL: taken from the SOA owner). On error returns VTG_EZONE_PARSE or
 * VTG_EZONE_NOSOA (or -errno for the file) and writes "file:line: reason"
 * into err. Loading a second file for an apex already loaded merges its data.
 */
int vtg__zonedb_load(struct vtg_zonedb *db, const char *path,
		     const char *origin, char *err, size_t errcap);

/* Number of zones and records loaded. */
size_t vtg__zonedb_zones(const struct vtg_zonedb *db);
size_t vtg__zonedb_records(const struct vtg_zonedb *db);

/*
 * Answer (qname, qtype) as described above. Matches vtg_lookup_fn with the
 * db as ctx. ans->rrs / ans->target point into the db and stay valid until
 * the next lookup on it. rcode NOERROR with n_rrs 0 is NODATA. tries = 1.
 */
int vtg__zonedb_lookup(void *db, const uint8_t *qname, uint16_t qtype,
		       struct vtg_lookup_answer *ans);

#endif
