/*
 * quorum.h — Multi-Perspective Issuance Corroboration rules (CA/B Baseline
 * Requirements 3.2.2.9, ballot SC-067; docs/rules.md section 10): the quorum over
 * the remote perspectives' results, the RIR-diversity rule, the phase-in of
 * the minimum number of remote perspectives, and the checks a perspective
 * configuration must pass before a run may corroborate anything.
 *
 * Pure logic: no I/O, no threads, no allocation. The aggregator
 * (mpic/aggregate.h) calls vtg__quorum_eval() once per check, on the thread
 * that delivers the check's last perspective result.
 */
#ifndef VTG_MPIC_QUORUM_H
#define VTG_MPIC_QUORUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define VTG_QUORUM_MAX_REMOTES 31   /* VTG_MAX_PERSPECTIVES minus the primary */
#define VTG_MPIC_MIN_DISTANCE_KM 500.0 /* BR 1.6.1 "distinct" (SC-083: between perspectives) */

/* The five Regional Internet Registries (BR 3.2.2.9 "RIR region"). */
enum vtg_rir {
	VTG_RIR_NONE = 0,
	VTG_RIR_ARIN,
	VTG_RIR_RIPE,
	VTG_RIR_APNIC,
	VTG_RIR_LACNIC,
	VTG_RIR_AFRINIC,
};
#define VTG_RIR_COUNT 6
/* "ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC"; "" for NONE */
const char *vtg__rir_str(enum vtg_rir r);
/* Case-insensitive; "RIPE" is accepted for "RIPE NCC". NONE when unknown. */
enum vtg_rir vtg__rir_parse(const char *s);

/* What the run does with the quorum (docs/rules.md section 0: enforce by default). */
enum vtg_mpic_mode {
	VTG_MPIC_ENFORCE = 0, /* non-corroboration denies (BR since 2025-09-15) */
	VTG_MPIC_REPORT_ONLY, /* the primary decides; non-corroboration reported */
	VTG_MPIC_OFF,         /* single-perspective run: nothing to corroborate */
};
const char *vtg__mpic_mode_str(enum vtg_mpic_mode m);
/* "enforce", "report-only", "off". 0 or -EINVAL. */
int vtg__mpic_mode_parse(const char *s, enum vtg_mpic_mode *m);

/* Non-corroborations allowed with n remote perspectives (BR 3.2.2.9 table):
 * 1 for 2..5 remotes, 2 for 6 or more; 0 below 2 (nothing may fail). */
unsigned vtg__quorum_allowed_failures(unsigned n_remote);

/* Remote perspectives required at time t (BR 3.2.2.9 phase-in): 2 from
 * 2025-03-15, 3 from 2026-03-15, 4 from 2026-06-15, 5 from 2026-12-15. 0
 * before 2025-03-15. */
unsigned vtg__mpic_min_remotes(time_t t);
/* Whether the corroborating remotes must span two RIR regions at time t
 * (from 2026-03-15). */
bool vtg__mpic_rir_rule(time_t t);

/* One remote perspective's contribution to a check. */
struct vtg_quorum_vote {
	enum vtg_rir rir;
	bool corroborates; /* CAA: it too found permission; DCV: same value seen */
};

struct vtg_quorum_rules {
	enum vtg_mpic_mode mode;
	bool rir_rule; /* require >= 2 distinct RIRs among the corroborating */
	unsigned quorum; /* remotes that must corroborate; 0: the BR 3.2.2.9
			  * table (n - vtg__quorum_allowed_failures(n)). An
			  * open-mpic coordinator's quorum_count; checked
			  * against the table by vtg__quorum_check */
};

/* The remotes that must corroborate out of n under rules (its quorum, or
 * the BR 3.2.2.9 table when 0). May exceed n: then nothing can pass. */
unsigned vtg__quorum_needed(const struct vtg_quorum_rules *rules, unsigned n);

/* Whether quorum (> 0) may be asked of n remotes: at least the BR 3.2.2.9
 * table's count (a CA may demand more, never less) and at most n. 0, or
 * -ERANGE with the reason in err. */
int vtg__quorum_check(unsigned quorum, unsigned n, char *err, size_t errcap);

struct vtg_quorum_result {
	bool primary_positive;   /* the primary's own result permits / passes */
	unsigned k, n;           /* corroborating remotes of n asked */
	unsigned allowed;        /* non-corroborations allowed for n (n - needed,
				  * 0 when needed > n) */
	unsigned needed;         /* vtg__quorum_needed(): n - allowed by default */
	unsigned rir_mask;       /* bit (1 << rir) per corroborating remote's RIR */
	unsigned n_rirs;         /* distinct RIRs among the corroborating */
	bool quorum_met;         /* k >= needed and (rir rule) n_rirs >= 2 */
	bool corroborated;       /* primary positive and quorum met */
	bool positive;           /* the final outcome: issue / DCV passes */
	bool reported;           /* report-only: positive although not corroborated */
	char why[96];            /* "" or why the quorum failed, e.g.
				  * "3/5 corroborated, 4 needed" */
};

/*
 * Decide one check. primary_positive: the primary perspective's result (a
 * CAA permission or a DCV pass; a prohibition / failure at the primary has
 * nothing to corroborate: the result is negative, with k counted anyway
 * for the evidence). votes: the n remote perspectives' results.
 */
void vtg__quorum_eval(const struct vtg_quorum_rules *rules, bool primary_positive,
		      const struct vtg_quorum_vote *votes, unsigned n,
		      struct vtg_quorum_result *out);

/* Great-circle distance in km between two (lat, lon) points in degrees. */
double vtg__distance_km(double lat1, double lon1, double lat2, double lon2);

/* A perspective as the configuration check sees it. */
struct vtg_mpic_persp {
	const char *id;
	enum vtg_rir rir;
	bool has_location;
	double lat, lon;
	bool validates;   /* resolves iteratively with a trust anchor */
};

/*
 * Check a perspective set before a corroborating run (mode ENFORCE or
 * REPORT_ONLY; OFF needs nothing). persp[0] is the primary. min_remotes:
 * the minimum to demand (vtg__mpic_min_remotes(now), or a test override).
 * Refuses, with the reason in err: fewer remotes than min_remotes, a remote
 * without an RIR label, remotes all in one RIR (when rir_rule), two
 * perspectives with coordinates closer than 500 km, and (ENFORCE, from
 * 2026-03-15, need_validation) a primary that does not validate DNSSEC.
 * 0 or VTG_ECONFIG.
 */
int vtg__mpic_check_config(const struct vtg_mpic_persp *persp, unsigned n,
			   enum vtg_mpic_mode mode, unsigned min_remotes, bool rir_rule,
			   bool need_validation, char *err, size_t errcap);

#endif
