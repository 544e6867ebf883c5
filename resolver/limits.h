/*
 * limits.h — every limit of the iterative resolver, with its reason, in one
 * place (model: Knot Resolver's lib/defines.h). README.md "Limits of the
 * iterative resolver" lists them for users; each one that fails a lookup
 * names itself in the reason (`lookup-failure: work-limit`, ...).
 *
 * They bound what one lookup may cost whatever the servers answer: the
 * NXNS / NRDelegation family of attacks (a referral to hundreds of NS names
 * without glue, NS names that need each other) and referrals to many dead
 * servers must cost a small, fixed amount of work, packets and time.
 */
#ifndef VTG_RESOLVER_LIMITS_H
#define VTG_RESOLVER_LIMITS_H

/* Transmissions to one server for one question: one retry (BR 3.2.2.8's
 * failure exception needs a lookup "retried at least once"). */
#define VTG_ITER_SERVER_TRIES 2
/* Referrals followed per lookup: the deepest real delegation chains are
 * about 10 (root, TLD, registry levels, customer zones); 24 leaves room. */
#define VTG_ITER_REFERRALS_MAX 24
/* Nested NS-address lookups inside each other (glue-less delegations whose
 * NS names are themselves under glue-less delegations). */
#define VTG_ITER_DEPTH_MAX 4
/* Queries sent per lookup, nested ones included (Unbound's max-sent-count
 * is 32 per query, Knot Resolver's 100 per request). */
#define VTG_ITER_WORK_MAX 96
/* Nested NS-address lookups started per lookup, at every depth together
 * (Knot Resolver and Unbound bound the same after NXNS, CVE-2020-12662 /
 * CVE-2020-12667): without it one referral of 400 glue-less names started
 * a million of them. */
#define VTG_ITER_NESTED_MAX 16
/* NS names of one delegation whose addresses are looked up (glue-less),
 * those already known to fail included, before the delegation counts as
 * unreachable (BIND resolves a few per referral since CVE-2020-8616). */
#define VTG_ITER_NS_RESOLVE_MAX 5
/* NS names of one delegation examined for addresses at all: a referral of
 * 400 names costs what one of 20 does. */
#define VTG_ITER_NS_SCAN_MAX 20
/* Server addresses kept per zone and lookup (13 root servers fit with their
 * IPv4 addresses; more adds nothing but retries). */
#define VTG_ITER_SERVERS_MAX 12
/* A server that did not answer (after its tries) is not asked again by any
 * lookup of the perspective for this long; one answer clears it, and when
 * every server of a zone is held down one is asked once per lookup as the
 * last resort (Unbound's infra cache keeps such hosts 900 s). */
#define VTG_ITER_HOLDDOWN_MS 30000u
/* An NS name whose address could not be found is not looked up again for
 * this long (seconds). */
#define VTG_ITER_NSFAIL_TTL 60u
/* Overall deadline of one lookup, from its start: past it the lookup fails
 * at its next step (so at most one server's tries later). */
#define VTG_ITER_DEADLINE_MS_DEFAULT 15000u
/* Cache TTL caps (seconds): positive answers a day, negative answers an
 * hour (RFC 2308 5 suggests 1-3 hours), bogus results a minute (RFC 4035
 * 4.7: bogus data is not kept long). */
#define VTG_ITER_TTL_MAX 86400u
#define VTG_ITER_NEG_TTL_MAX 3600u
#define VTG_ITER_BOGUS_TTL 60u

#endif
