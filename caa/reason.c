/*
 * reason.c — the names of the CAA decision reasons (the "reason" field of a
 * result) and which of them permit issuance (RFC 8659 section 3: no CAA, no
 * restriction on the CA, authorised) plus failure-permitted, a lookup failure
 * that the conditions of BR 3.2.2.8 allow to be treated as permission.
 * Pure functions of the public enum: no state, no I/O.
 */
#include "vantage.h"

const char *vtg_caa_reason_str(enum vtg_caa_reason r)
{
	switch (r) {
	case VTG_CAA_NO_CAA: return "no-caa";
	case VTG_CAA_NO_RESTRICTION: return "no-restriction";
	case VTG_CAA_AUTHORIZED: return "authorized";
	case VTG_CAA_NOT_AUTHORIZED: return "not-authorized";
	case VTG_CAA_CRITICAL_UNKNOWN: return "critical-unknown";
	case VTG_CAA_LOOKUP_FAILURE: return "lookup-failure";
	case VTG_CAA_DNSSEC_BOGUS: return "dnssec-bogus";
	case VTG_CAA_FAILURE_PERMITTED: return "failure-permitted";
	case VTG_CAA_INVALID_NAME: return "invalid-name";
	case VTG_CAA_NOT_CORROBORATED: return "not-corroborated";
	}
	return "lookup-failure";
}

int vtg_caa_reason_permits(enum vtg_caa_reason r)
{
	return r == VTG_CAA_NO_CAA || r == VTG_CAA_NO_RESTRICTION ||
	       r == VTG_CAA_AUTHORIZED || r == VTG_CAA_FAILURE_PERMITTED;
}
