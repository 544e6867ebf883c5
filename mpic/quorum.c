/*
 * quorum.c — BR 3.2.2.9 quorum, RIR diversity, phase-in and configuration
 * checks. See quorum.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mpic/quorum.h"
#include "vantage.h"

static const char *const RIR_NAMES[VTG_RIR_COUNT] = {
	"", "ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC",
};

const char *vtg__rir_str(enum vtg_rir r)
{
	return (unsigned)r < VTG_RIR_COUNT ? RIR_NAMES[r] : "";
}

enum vtg_rir vtg__rir_parse(const char *s)
{
	for (unsigned i = 1; i < VTG_RIR_COUNT; i++)
		if (!strcasecmp(s, RIR_NAMES[i]))
			return (enum vtg_rir)i;
	if (!strcasecmp(s, "RIPE") || !strcasecmp(s, "RIPE-NCC") || !strcasecmp(s, "RIPENCC"))
		return VTG_RIR_RIPE;
	return VTG_RIR_NONE;
}

const char *vtg__mpic_mode_str(enum vtg_mpic_mode m)
{
	switch (m) {
	case VTG_MPIC_ENFORCE: return "enforce";
	case VTG_MPIC_REPORT_ONLY: return "report-only";
	case VTG_MPIC_OFF: return "off";
	}
	return "?";
}

int vtg__mpic_mode_parse(const char *s, enum vtg_mpic_mode *m)
{
	if (!strcmp(s, "enforce"))
		*m = VTG_MPIC_ENFORCE;
	else if (!strcmp(s, "report-only"))
		*m = VTG_MPIC_REPORT_ONLY;
	else if (!strcmp(s, "off"))
		*m = VTG_MPIC_OFF;
	else
		return -EINVAL;
	return 0;
}

unsigned vtg__quorum_allowed_failures(unsigned n_remote)
{
	if (n_remote < 2)
		return 0;
	return n_remote <= 5 ? 1 : 2;
}

unsigned vtg__quorum_needed(const struct vtg_quorum_rules *rules, unsigned n)
{
	if (rules->quorum)
		return rules->quorum;
	return n - vtg__quorum_allowed_failures(n);
}

int vtg__quorum_check(unsigned quorum, unsigned n, char *err, size_t errcap)
{
	unsigned table = n - vtg__quorum_allowed_failures(n);
	if (quorum > n) {
		snprintf(err, errcap, "quorum %u of %u remote perspective%s: it can never be met",
			 quorum, n, n == 1 ? "" : "s");
		return -ERANGE;
	}
	if (quorum < table) {
		snprintf(err, errcap, "quorum %u of %u remote perspectives: BR 3.2.2.9 needs at "
			 "least %u", quorum, n, table);
		return -ERANGE;
	}
	return 0;
}

/* 00:00:00 UTC of a calendar date, without the process's time zone. */
static time_t utc_day(int y, int m, int d)
{
	/* days from civil (H. Hinnant's algorithm) */
	y -= m <= 2;
	const int era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return ((time_t)era * 146097 + (time_t)doe - 719468) * 86400;
}

unsigned vtg__mpic_min_remotes(time_t t)
{
	if (t >= utc_day(2026, 12, 15))
		return 5;
	if (t >= utc_day(2026, 6, 15))
		return 4;
	if (t >= utc_day(2026, 3, 15))
		return 3;
	if (t >= utc_day(2025, 3, 15))
		return 2;
	return 0;
}

bool vtg__mpic_rir_rule(time_t t)
{
	return t >= utc_day(2026, 3, 15);
}

void vtg__quorum_eval(const struct vtg_quorum_rules *rules, bool primary_positive,
		      const struct vtg_quorum_vote *votes, unsigned n,
		      struct vtg_quorum_result *out)
{
	memset(out, 0, sizeof(*out));
	out->primary_positive = primary_positive;
	out->n = n;
	for (unsigned i = 0; i < n; i++) {
		if (!votes[i].corroborates)
			continue;
		out->k++;
		if (votes[i].rir != VTG_RIR_NONE &&
		    !(out->rir_mask & (1u << votes[i].rir))) {
			out->rir_mask |= 1u << votes[i].rir;
			out->n_rirs++;
		}
	}
	out->needed = vtg__quorum_needed(rules, n);
	out->allowed = out->needed < n ? n - out->needed : 0;
	bool count_ok = n > 0 && out->k >= out->needed;
	bool rir_ok = !rules->rir_rule || out->n_rirs >= 2;
	out->quorum_met = count_ok && rir_ok;
	if (n == 0)
		snprintf(out->why, sizeof(out->why), "no remote perspective");
	else if (!count_ok)
		snprintf(out->why, sizeof(out->why), "%u/%u corroborated, %u needed", out->k, n,
			 out->needed);
	else if (!rir_ok)
		snprintf(out->why, sizeof(out->why),
			 "corroborating remotes in %u RIR region%s, 2 needed", out->n_rirs,
			 out->n_rirs == 1 ? "" : "s");
	out->corroborated = primary_positive && out->quorum_met;
	switch (rules->mode) {
	case VTG_MPIC_ENFORCE:
		out->positive = out->corroborated;
		break;
	case VTG_MPIC_REPORT_ONLY:
		out->positive = primary_positive;
		out->reported = primary_positive && !out->quorum_met;
		break;
	case VTG_MPIC_OFF:
		out->positive = primary_positive;
		break;
	}
}

double vtg__distance_km(double lat1, double lon1, double lat2, double lon2)
{
	const double r = 6371.0088; /* mean Earth radius, km (IUGG) */
	const double rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	if (a > 1)
		a = 1;
	return 2 * r * asin(sqrt(a));
}

int vtg__mpic_check_config(const struct vtg_mpic_persp *persp, unsigned n,
			   enum vtg_mpic_mode mode, unsigned min_remotes, bool rir_rule,
			   bool need_validation, char *err, size_t errcap)
{
	if (mode == VTG_MPIC_OFF)
		return 0;
	if (n == 0) {
		snprintf(err, errcap, "no perspectives");
		return VTG_ECONFIG;
	}
	unsigned remotes = n - 1;
	if (remotes < min_remotes) {
		snprintf(err, errcap,
			 "%u remote perspective%s, BR 3.2.2.9 requires at least %u at this date "
			 "(%s mode; mode = off for a run without corroboration, min-remotes "
			 "to override for testing)",
			 remotes, remotes == 1 ? "" : "s", min_remotes, vtg__mpic_mode_str(mode));
		return VTG_ECONFIG;
	}
	unsigned mask = 0, n_rirs = 0;
	for (unsigned i = 1; i < n; i++) {
		if (persp[i].rir == VTG_RIR_NONE) {
			snprintf(err, errcap,
				 "remote perspective %s has no RIR label (rir = ARIN, RIPE NCC, "
				 "APNIC, LACNIC or AFRINIC)",
				 persp[i].id);
			return VTG_ECONFIG;
		}
		if (!(mask & (1u << persp[i].rir))) {
			mask |= 1u << persp[i].rir;
			n_rirs++;
		}
	}
	if (rir_rule && remotes > 0 && n_rirs < 2) {
		snprintf(err, errcap,
			 "all %u remote perspectives are in one RIR region (%s); BR 3.2.2.9 "
			 "needs corroboration from at least two",
			 remotes, vtg__rir_str(persp[1].rir));
		return VTG_ECONFIG;
	}
	for (unsigned i = 0; i < n; i++) {
		if (!persp[i].has_location)
			continue;
		for (unsigned j = i + 1; j < n; j++) {
			if (!persp[j].has_location)
				continue;
			double d = vtg__distance_km(persp[i].lat, persp[i].lon, persp[j].lat,
						    persp[j].lon);
			if (d < VTG_MPIC_MIN_DISTANCE_KM) {
				snprintf(err, errcap,
					 "perspectives %s and %s are %.0f km apart; distinct "
					 "perspectives must be at least 500 km apart (BR 1.6.1)",
					 persp[i].id, persp[j].id, d);
				return VTG_ECONFIG;
			}
		}
	}
	if (mode == VTG_MPIC_ENFORCE && need_validation && !persp[0].validates) {
		snprintf(err, errcap,
			 "the primary perspective %s does not validate DNSSEC itself (BR 3.2.2.9 "
			 "since 2026-03-15: mode = iterative with a trust anchor)",
			 persp[0].id);
		return VTG_ECONFIG;
	}
	return 0;
}
