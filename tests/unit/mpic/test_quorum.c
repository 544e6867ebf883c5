/*
 * test_quorum.c — the BR 3.2.2.9 quorum table for 2 to 8 remote
 * perspectives in enforce and report-only mode, the RIR rule, the phase-in
 * of the minimum number of remotes, and the configuration checks.
 */
#include <errno.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "mpic/quorum.h"
#include "vantage.h"

static const enum vtg_rir RIRS5[] = {VTG_RIR_ARIN, VTG_RIR_RIPE, VTG_RIR_APNIC, VTG_RIR_LACNIC,
				     VTG_RIR_AFRINIC};

/* n remotes spread over the five RIRs, the first `fail` not corroborating */
static void votes_of(struct vtg_quorum_vote *v, unsigned n, unsigned fail)
{
	for (unsigned i = 0; i < n; i++) {
		v[i].rir = RIRS5[i % 5];
		v[i].corroborates = i >= fail;
	}
}

/* The table of BR 3.2.2.9: allowed non-corroborations per remote count. */
Test(quorum, allowed_failures_table)
{
	static const unsigned want[] = {0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2};
	for (unsigned n = 0; n < sizeof(want) / sizeof(want[0]); n++)
		cr_assert_eq(vtg__quorum_allowed_failures(n), want[n], "n=%u", n);
}

struct qcase {
	unsigned n, fail;
	bool enforce_positive; /* primary permits; result in enforce mode */
};

/* every (n, failures) for 2..8 remotes: positive iff fail <= allowed */
Test(quorum, table_2_to_8_enforce_and_report_only)
{
	struct vtg_quorum_rules enf = {.mode = VTG_MPIC_ENFORCE, .rir_rule = true};
	struct vtg_quorum_rules rep = {.mode = VTG_MPIC_REPORT_ONLY, .rir_rule = true};
	for (unsigned n = 2; n <= 8; n++) {
		unsigned allowed = n <= 5 ? 1 : 2;
		for (unsigned fail = 0; fail <= n; fail++) {
			struct vtg_quorum_vote v[8];
			votes_of(v, n, fail);
			struct vtg_quorum_result r;
			vtg__quorum_eval(&enf, true, v, n, &r);
			unsigned k = n - fail;
			/* the corroborating remotes span >= 2 RIRs when k >= 2 */
			bool expect = fail <= allowed && k >= 2;
			cr_assert_eq(r.k, k);
			cr_assert_eq(r.n, n);
			cr_assert_eq(r.needed, n - allowed, "n=%u", n);
			cr_assert_eq(r.positive, expect, "enforce n=%u fail=%u", n, fail);
			cr_assert_eq(r.corroborated, expect);
			cr_assert_eq(r.reported, false);
			if (!expect)
				cr_assert_neq(r.why[0], 0);
			vtg__quorum_eval(&rep, true, v, n, &r);
			cr_assert_eq(r.positive, true, "report-only n=%u fail=%u", n, fail);
			cr_assert_eq(r.corroborated, expect);
			cr_assert_eq(r.reported, !expect, "report-only n=%u fail=%u", n, fail);
		}
	}
}

/* The hijack cases as a table: 5 remotes, 1 or 2 hijacked; 6 remotes,
 * 2 or 3 hijacked. */
Test(quorum, hijack_counts)
{
	struct vtg_quorum_rules enf = {.mode = VTG_MPIC_ENFORCE, .rir_rule = true};
	struct {
		unsigned n, hijacked;
		bool permit;
	} t[] = {{5, 1, true}, {5, 2, false}, {6, 2, true}, {6, 3, false}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct vtg_quorum_vote v[8];
		votes_of(v, t[i].n, t[i].hijacked);
		struct vtg_quorum_result r;
		vtg__quorum_eval(&enf, true, v, t[i].n, &r);
		cr_assert_eq(r.positive, t[i].permit, "case %zu", i);
	}
}

Test(quorum, primary_prohibition_has_nothing_to_corroborate)
{
	struct vtg_quorum_vote v[5];
	votes_of(v, 5, 0);
	struct vtg_quorum_result r;
	struct vtg_quorum_rules enf = {.mode = VTG_MPIC_ENFORCE, .rir_rule = true};
	vtg__quorum_eval(&enf, false, v, 5, &r);
	cr_assert_not(r.positive);
	cr_assert_not(r.corroborated);
	cr_assert(r.quorum_met); /* the remotes agree among themselves ... */
	struct vtg_quorum_rules rep = {.mode = VTG_MPIC_REPORT_ONLY, .rir_rule = true};
	vtg__quorum_eval(&rep, false, v, 5, &r);
	cr_assert_not(r.positive); /* ... but the primary decides first */
	cr_assert_not(r.reported);
}

/* All corroborating remotes in one RIR: quorum by count, not by region. */
Test(quorum, rir_rule_one_region_denies)
{
	for (unsigned n = 2; n <= 8; n++) {
		struct vtg_quorum_vote v[8];
		for (unsigned i = 0; i < n; i++) {
			v[i].rir = i == 0 ? VTG_RIR_RIPE : VTG_RIR_ARIN;
			v[i].corroborates = i != 0; /* the only RIPE one fails */
		}
		struct vtg_quorum_result r;
		struct vtg_quorum_rules enf = {.mode = VTG_MPIC_ENFORCE, .rir_rule = true};
		vtg__quorum_eval(&enf, true, v, n, &r);
		cr_assert_eq(r.n_rirs, 1, "n=%u", n);
		cr_assert_eq(r.rir_mask, 1u << VTG_RIR_ARIN);
		cr_assert_not(r.positive, "n=%u", n);
		cr_assert(strstr(r.why, "RIR"), "%s", r.why);
		struct vtg_quorum_rules rep = {.mode = VTG_MPIC_REPORT_ONLY, .rir_rule = true};
		vtg__quorum_eval(&rep, true, v, n, &r);
		cr_assert(r.positive);
		cr_assert(r.reported);
		/* before 2026-03-15 the RIR rule did not exist */
		struct vtg_quorum_rules old = {.mode = VTG_MPIC_ENFORCE, .rir_rule = false};
		vtg__quorum_eval(&old, true, v, n, &r);
		cr_assert(r.positive, "n=%u", n);
	}
}

Test(quorum, timeouts_are_non_corroborations)
{
	/* a vote that did not corroborate is never counted, whatever its RIR */
	struct vtg_quorum_vote v[6] = {
		{VTG_RIR_ARIN, true}, {VTG_RIR_RIPE, true}, {VTG_RIR_APNIC, true},
		{VTG_RIR_LACNIC, false}, {VTG_RIR_AFRINIC, false}, {VTG_RIR_ARIN, false},
	};
	struct vtg_quorum_result r;
	struct vtg_quorum_rules enf = {.mode = VTG_MPIC_ENFORCE, .rir_rule = true};
	vtg__quorum_eval(&enf, true, v, 6, &r);
	cr_assert_eq(r.k, 3);
	cr_assert_not(r.positive);
	cr_assert_str_eq(r.why, "3/6 corroborated, 4 needed");
}

Test(quorum, zero_remotes_never_corroborate)
{
	struct vtg_quorum_result r;
	struct vtg_quorum_rules enf = {.mode = VTG_MPIC_ENFORCE, .rir_rule = true};
	vtg__quorum_eval(&enf, true, NULL, 0, &r);
	cr_assert_not(r.positive);
	struct vtg_quorum_rules off = {.mode = VTG_MPIC_OFF};
	vtg__quorum_eval(&off, true, NULL, 0, &r);
	cr_assert(r.positive);
}

static time_t day(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	cr_assert_not_null(strptime(s, "%Y-%m-%d %H:%M:%S", &tm));
	return timegm(&tm);
}

Test(quorum, phase_in_minimum_remotes)
{
	cr_assert_eq(vtg__mpic_min_remotes(day("2025-03-14 23:59:59")), 0);
	cr_assert_eq(vtg__mpic_min_remotes(day("2025-03-15 00:00:00")), 2);
	cr_assert_eq(vtg__mpic_min_remotes(day("2026-03-14 23:59:59")), 2);
	cr_assert_eq(vtg__mpic_min_remotes(day("2026-03-15 00:00:00")), 3);
	cr_assert_eq(vtg__mpic_min_remotes(day("2026-06-14 23:59:59")), 3);
	cr_assert_eq(vtg__mpic_min_remotes(day("2026-06-15 00:00:00")), 4);
	cr_assert_eq(vtg__mpic_min_remotes(day("2026-12-14 23:59:59")), 4);
	cr_assert_eq(vtg__mpic_min_remotes(day("2026-12-15 00:00:00")), 5);
	cr_assert_eq(vtg__mpic_min_remotes(day("2030-01-01 00:00:00")), 5);
	cr_assert_not(vtg__mpic_rir_rule(day("2026-03-14 23:59:59")));
	cr_assert(vtg__mpic_rir_rule(day("2026-03-15 00:00:00")));
}

static void mk(struct vtg_mpic_persp *p, unsigned n)
{
	static const char *ids[] = {"p0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"};
	for (unsigned i = 0; i < n; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].id = ids[i];
		p[i].rir = RIRS5[i % 5];
		p[i].validates = true;
	}
}

Test(quorum, config_refuses_fewer_remotes_than_the_date_minimum)
{
	struct vtg_mpic_persp p[8];
	char err[512];
	/* on 2026-12-15 five remotes are needed: four are refused */
	unsigned min = vtg__mpic_min_remotes(day("2026-12-15 00:00:00"));
	mk(p, 5);
	cr_assert_eq(vtg__mpic_check_config(p, 5, VTG_MPIC_ENFORCE, min, true, true, err,
					    sizeof(err)), VTG_ECONFIG);
	cr_assert(strstr(err, "4 remote perspectives"), "%s", err);
	cr_assert(strstr(err, "at least 5"), "%s", err);
	/* report-only is refused the same way: the minimum is not a mode */
	cr_assert_eq(vtg__mpic_check_config(p, 5, VTG_MPIC_REPORT_ONLY, min, true, true, err,
					    sizeof(err)), VTG_ECONFIG);
	mk(p, 6);
	cr_assert_eq(vtg__mpic_check_config(p, 6, VTG_MPIC_ENFORCE, min, true, true, err,
					    sizeof(err)), 0, "%s", err);
	/* the day before, four sufficed */
	min = vtg__mpic_min_remotes(day("2026-12-14 12:00:00"));
	cr_assert_eq(vtg__mpic_check_config(p, 5, VTG_MPIC_ENFORCE, min, true, true, err,
					    sizeof(err)), 0, "%s", err);
	/* a single-perspective run corroborates nothing and checks nothing */
	cr_assert_eq(vtg__mpic_check_config(p, 1, VTG_MPIC_OFF, 5, true, true, err,
					    sizeof(err)), 0);
	cr_assert_eq(vtg__mpic_check_config(p, 1, VTG_MPIC_ENFORCE, 5, true, true, err,
					    sizeof(err)), VTG_ECONFIG);
}

Test(quorum, config_refuses_one_rir_missing_rir_near_and_unvalidating_primary)
{
	struct vtg_mpic_persp p[8];
	char err[512];
	mk(p, 6);
	for (unsigned i = 1; i < 6; i++)
		p[i].rir = VTG_RIR_APNIC;
	cr_assert_eq(vtg__mpic_check_config(p, 6, VTG_MPIC_ENFORCE, 5, true, true, err,
					    sizeof(err)), VTG_ECONFIG);
	cr_assert(strstr(err, "one RIR region (APNIC)"), "%s", err);
	cr_assert_eq(vtg__mpic_check_config(p, 6, VTG_MPIC_ENFORCE, 5, false, true, err,
					    sizeof(err)), 0, "%s", err);

	mk(p, 6);
	p[3].rir = VTG_RIR_NONE;
	cr_assert_eq(vtg__mpic_check_config(p, 6, VTG_MPIC_ENFORCE, 5, true, true, err,
					    sizeof(err)), VTG_ECONFIG);
	cr_assert(strstr(err, "r3 has no RIR label"), "%s", err);

	/* Frankfurt and Amsterdam are ~360 km apart: refused; Frankfurt and
	 * Madrid ~1420 km: fine */
	mk(p, 6);
	p[1].has_location = p[2].has_location = true;
	p[1].lat = 50.11, p[1].lon = 8.68;
	p[2].lat = 52.37, p[2].lon = 4.90;
	cr_assert_eq(vtg__mpic_check_config(p, 6, VTG_MPIC_ENFORCE, 5, true, true, err,
					    sizeof(err)), VTG_ECONFIG);
	cr_assert(strstr(err, "r1 and r2"), "%s", err);
	cr_assert(strstr(err, "500 km"), "%s", err);
	p[2].lat = 40.42, p[2].lon = -3.70;
	cr_assert_eq(vtg__mpic_check_config(p, 6, VTG_MPIC_ENFORCE, 5, true, true, err,
					    sizeof(err)), 0, "%s", err);

	mk(p, 6);
	p[0].validates = false;
	cr_assert_eq(vtg__mpic_check_config(p, 6, VTG_MPIC_ENFORCE, 5, true, true, err,
					    sizeof(err)), VTG_ECONFIG);
	cr_assert(strstr(err, "does not validate"), "%s", err);
	cr_assert_eq(vtg__mpic_check_config(p, 6, VTG_MPIC_REPORT_ONLY, 5, true, true, err,
					    sizeof(err)), 0, "%s", err);
}

Test(quorum, distance)
{
	/* Frankfurt - New York, about 6200 km */
	double d = vtg__distance_km(50.11, 8.68, 40.71, -74.01);
	cr_assert(d > 6150 && d < 6250, "%f", d);
	cr_assert_float_eq(vtg__distance_km(1, 2, 1, 2), 0.0, 1e-9);
}

Test(quorum, names)
{
	cr_assert_eq(vtg__rir_parse("ripe ncc"), VTG_RIR_RIPE);
	cr_assert_eq(vtg__rir_parse("RIPE"), VTG_RIR_RIPE);
	cr_assert_eq(vtg__rir_parse("afrinic"), VTG_RIR_AFRINIC);
	cr_assert_eq(vtg__rir_parse("IANA"), VTG_RIR_NONE);
	cr_assert_str_eq(vtg__rir_str(VTG_RIR_LACNIC), "LACNIC");
	enum vtg_mpic_mode m;
	cr_assert_eq(vtg__mpic_mode_parse("report-only", &m), 0);
	cr_assert_eq(m, VTG_MPIC_REPORT_ONLY);
	cr_assert_eq(vtg__mpic_mode_parse("enforced", &m), -EINVAL);
}

/* A configured quorum replaces the table's count, in both directions the
 * table allows (equal, stricter), and the check refuses the rest. */
Test(quorum, configured_quorum)
{
	struct vtg_quorum_vote v[6];
	struct vtg_quorum_result r;
	struct vtg_quorum_rules all5 = {.mode = VTG_MPIC_ENFORCE, .rir_rule = true, .quorum = 5};
	votes_of(v, 5, 1); /* 4 of 5: the table passes, quorum 5 does not */
	vtg__quorum_eval(&all5, true, v, 5, &r);
	cr_assert_not(r.positive);
	cr_assert_eq(r.needed, 5);
	cr_assert_eq(r.allowed, 0);
	cr_assert_str_eq(r.why, "4/5 corroborated, 5 needed");
	votes_of(v, 5, 0);
	vtg__quorum_eval(&all5, true, v, 5, &r);
	cr_assert(r.positive);
	/* 6 remotes: the table needs 4; quorum 5 refuses 4 corroborations */
	struct vtg_quorum_rules q5 = {.mode = VTG_MPIC_ENFORCE, .rir_rule = true, .quorum = 5};
	votes_of(v, 6, 2);
	vtg__quorum_eval(&q5, true, v, 6, &r);
	cr_assert_not(r.positive);
	struct vtg_quorum_rules table = {.mode = VTG_MPIC_ENFORCE, .rir_rule = true};
	vtg__quorum_eval(&table, true, v, 6, &r);
	cr_assert(r.positive);
	cr_assert_eq(vtg__quorum_needed(&table, 6), 4);
	cr_assert_eq(vtg__quorum_needed(&q5, 6), 5);
	/* a quorum above n can never be met */
	struct vtg_quorum_rules q7 = {.mode = VTG_MPIC_ENFORCE, .quorum = 7};
	votes_of(v, 6, 0);
	vtg__quorum_eval(&q7, true, v, 6, &r);
	cr_assert_not(r.quorum_met);
	cr_assert_eq(r.allowed, 0);
	char err[128];
	cr_assert_eq(vtg__quorum_check(4, 6, err, sizeof(err)), 0);
	cr_assert_eq(vtg__quorum_check(6, 6, err, sizeof(err)), 0);
	cr_assert_eq(vtg__quorum_check(3, 6, err, sizeof(err)), -ERANGE);
	cr_assert(strstr(err, "at least 4"), "%s", err);
	cr_assert_eq(vtg__quorum_check(7, 6, err, sizeof(err)), -ERANGE);
	cr_assert(strstr(err, "never"), "%s", err);
	cr_assert_eq(vtg__quorum_check(2, 3, err, sizeof(err)), 0);
	cr_assert_eq(vtg__quorum_check(1, 3, err, sizeof(err)), -ERANGE);
}
