/*
 * errors.c — the one error space (0, -errno, vantage codes <= -1000), the
 * version string and the name of the DNSSEC state. Every code has a text;
 * unknown negative values fall back to strerror(-err). The CAA reason names
 * live with the CAA logic (caa/reason.c): common/ holds no CAA knowledge.
 */
#include <string.h>

#include "vantage.h"

const char *vtg_strerror(int err)
{
	switch (err) {
	case VTG_OK: return "ok";
	case VTG_EWIRE_TRUNC: return "message truncated inside a field";
	case VTG_EWIRE_PTR_LOOP: return "compression pointer loop";
	case VTG_EWIRE_PTR_FWD: return "compression pointer does not point backwards";
	case VTG_EWIRE_LABEL_LEN: return "label longer than 63 octets";
	case VTG_EWIRE_NAME_LEN: return "name longer than 255 octets";
	case VTG_EWIRE_LABEL_TYPE: return "unsupported label type";
	case VTG_EWIRE_RDLEN: return "RDLENGTH runs past the end of the message";
	case VTG_EWIRE_COUNT: return "section count larger than the records present";
	case VTG_EWIRE_TRAILING: return "trailing data after the last record";
	case VTG_EWIRE_QDCOUNT: return "response question count is not 1";
	case VTG_EWIRE_SPACE: return "output buffer too small";
	case VTG_EWIRE_NAME_SYNTAX: return "name cannot be encoded";
	case VTG_EWIRE_OPT: return "malformed or misplaced OPT record";
	case VTG_EWIRE_RDATA: return "RDATA too short for its type";
	case VTG_EWIRE_HEADER: return "message shorter than the DNS header";
	case VTG_ECAA_SHORT: return "CAA RDATA shorter than flags and tag length";
	case VTG_ECAA_TAG_EMPTY: return "CAA tag length is 0";
	case VTG_ECAA_TAG_OVER: return "CAA tag runs past the RDATA";
	case VTG_ECAA_VALUE: return "CAA issue value does not match RFC 8659 4.2";
	case VTG_ENAME_EMPTY: return "empty name";
	case VTG_ENAME_EMPTY_LABEL: return "empty label";
	case VTG_ENAME_LABEL_LEN: return "label longer than 63 octets";
	case VTG_ENAME_TOO_LONG: return "name longer than 253 characters";
	case VTG_ENAME_CHAR: return "character not allowed in a host name";
	case VTG_ENAME_WILDCARD: return "wildcard other than one leftmost label";
	case VTG_ENAME_IDNA: return "IDNA conversion failed";
	case VTG_ENAME_HYPHEN: return "label begins or ends with a hyphen";
	case VTG_ENAME_UTF8: return "invalid UTF-8";
	case VTG_EZONE_PARSE: return "zone file parse error";
	case VTG_EZONE_NOSOA: return "zone has no SOA record";
	case VTG_ECONFIG: return "configuration error";
	case VTG_ELOOKUP_LIMIT: return "lookup limit reached";
	case VTG_EDCV_LABEL: return "DCV label must be one underscore-prefixed label";
	case VTG_EDCV_REQUEST: return "DCV request lacks a field its method needs";
	case VTG_EDCV_METHOD: return "unknown DCV method";
	case VTG_EDCV_TARGET: return "DCV target is not an IPv4 or IPv6 address literal";
	case VTG_EWEB_URL: return "not a URL";
	case VTG_EWEB_SCHEME: return "URL scheme is not http or https";
	case VTG_EWEB_USERINFO: return "URL carries a user name or password";
	case VTG_EWEB_HOST: return "URL host is not an ASCII host name or IP literal";
	case VTG_EWEB_PORT: return "URL port is not a number from 1 to 65535";
	case VTG_EWEB_TOO_LONG: return "URL too long";
	case VTG_EWEB_LOCATION: return "Location is empty or holds octets outside printable ASCII";
	case VTG_EWEB_TOKEN: return "key authorization is not token.thumbprint in base64url";
	case VTG_EWEB_FILE: return "validation file name is not one safe path segment";
	case VTG_EWEB_TARGET: return "target is neither a host name nor an IP literal";
	case VTG_EOM_JSON: return "open-mpic request is not one JSON object";
	case VTG_EOM_TOO_BIG: return "open-mpic request body too large";
	case VTG_EOM_DEPTH: return "open-mpic request nested too deeply";
	case VTG_EOM_FIELD: return "open-mpic request lacks a required field";
	case VTG_EOM_TYPE: return "open-mpic request field has the wrong type";
	case VTG_EOM_VALUE: return "open-mpic request field has a value the API does not allow";
	case VTG_EOM_LONG: return "open-mpic request string or list too long";
	case VTG_EOM_TARGET: return "open-mpic target is neither a domain name nor an IP literal";
	case VTG_EOM_METHOD: return "unknown open-mpic validation method";
	case VTG_EOM_UNSUPPORTED: return "open-mpic method or parameter vantage cannot run";
	default: break;
	}
	if (err < 0 && err > VTG_ERROR_BASE)
		return strerror(-err);
	return "unknown error";
}

const char *vtg_version(void)
{
	return VTG_VERSION_STRING;
}

const char *vtg_dnssec_str(enum vtg_dnssec s)
{
	switch (s) {
	case VTG_DNSSEC_SECURE: return "secure";
	case VTG_DNSSEC_INSECURE: return "insecure";
	case VTG_DNSSEC_BOGUS: return "bogus";
	case VTG_DNSSEC_INDETERMINATE: return "indeterminate";
	}
	return "indeterminate";
}
