/*
 * openmpic.c — the open-mpic JSON API (mpic/openmpic.h): requests decoded
 * through jansson into fixed-size structs, answers encoded with the
 * common/json.h writer.
 *
 * Invariants: the jansson tree lives only inside one decode call (every
 * return path frees it); the decoded struct holds copies, never pointers
 * into the body or the tree; the refusal text always names the field
 * (dotted path) so that the agent can hand it back to the caller as an
 * error_message. The method rules follow open-mpic-core's pydantic models
 * (common_domain/check_parameters.py): fields a model fixes with a Literal
 * may be sent, but only with that value.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mpic/openmpic.h"

/* ---- names ---- */

static const char *const method_names[] = {
	[VTG_OM_WEBSITE_CHANGE] = "website-change",
	[VTG_OM_DNS_CHANGE] = "dns-change",
	[VTG_OM_DNS_PERSISTENT] = "dns-persistent",
	[VTG_OM_ACME_HTTP_01] = "acme-http-01",
	[VTG_OM_ACME_DNS_01] = "acme-dns-01",
	[VTG_OM_ACME_TLS_ALPN_01] = "acme-tls-alpn-01",
	[VTG_OM_DNS_ACCOUNT_01] = "dns-account-01",
	[VTG_OM_CONTACT_EMAIL_CAA] = "contact-email-caa",
	[VTG_OM_CONTACT_EMAIL_TXT] = "contact-email-txt",
	[VTG_OM_CONTACT_PHONE_CAA] = "contact-phone-caa",
	[VTG_OM_CONTACT_PHONE_TXT] = "contact-phone-txt",
	[VTG_OM_IP_ADDRESS] = "ip-address",
	[VTG_OM_REVERSE_ADDRESS_LOOKUP] = "reverse-address-lookup",
};

static const char *const rrtype_names[] = {
	[VTG_OM_RR_NONE] = "", [VTG_OM_RR_A] = "A", [VTG_OM_RR_AAAA] = "AAAA",
	[VTG_OM_RR_CAA] = "CAA", [VTG_OM_RR_CNAME] = "CNAME", [VTG_OM_RR_TXT] = "TXT",
	[VTG_OM_RR_PTR] = "PTR",
};

const char *vtg__om_check_type_str(enum vtg_om_check_type t)
{
	return t == VTG_OM_CHECK_DCV ? "dcv" : "caa";
}

const char *vtg__om_method_str(enum vtg_om_method m)
{
	if ((unsigned)m > VTG_OM_METHOD_LAST)
		return "";
	return method_names[m];
}

int vtg__om_method_parse(const char *s, enum vtg_om_method *m)
{
	for (unsigned i = 0; i <= VTG_OM_METHOD_LAST; i++) {
		if (strcmp(s, method_names[i]) == 0) {
			*m = (enum vtg_om_method)i;
			return 0;
		}
	}
	return VTG_EOM_METHOD;
}

const char *vtg__om_rrtype_str(enum vtg_om_rrtype t)
{
	if ((unsigned)t > VTG_OM_RR_PTR)
		return "";
	return rrtype_names[t];
}

const char *vtg__om_error_type(int err)
{
	if (err == VTG_EOM_UNSUPPORTED || err == VTG_EOM_METHOD)
		return VTG_OM_ERR_DCV_PARAMETER;
	return VTG_OM_ERR_REQUEST_INVALID;
}

/* ---- decoding ---- */

struct dctx {
	char *err;
	size_t errcap;
};

__attribute__((format(printf, 4, 5)))
static int fail(struct dctx *c, int code, const char *path, const char *fmt, ...)
{
	if (c->errcap == 0)
		return code;
	int n = snprintf(c->err, c->errcap, "%s: ", path);
	if (n < 0 || (size_t)n >= c->errcap)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errcap - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

/* Does v nest more than limit containers (objects / arrays, v itself
 * included)? The recursion goes at most limit + 1 deep, whatever jansson
 * accepted. */
static int depth_over(const json_t *v, int limit)
{
	if (!json_is_object(v) && !json_is_array(v))
		return 0;
	if (limit <= 0)
		return 1;
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach((json_t *)v, k, m) {
			if (depth_over(m, limit - 1))
				return 1;
		}
	} else {
		size_t i;
		json_t *m;
		json_array_foreach(v, i, m) {
			if (depth_over(m, limit - 1))
				return 1;
		}
	}
	return 0;
}

/* The member key of obj; NULL when absent or null (open-mpic's optional
 * fields are all "X | None = default": null means the default). */
static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return (v && !json_is_null(v)) ? v : NULL;
}

#define PATH_MAX_TEXT 96

static void path_join(char out[PATH_MAX_TEXT], const char *parent, const char *key)
{
	if (parent[0])
		snprintf(out, PATH_MAX_TEXT, "%s.%s", parent, key);
	else
		snprintf(out, PATH_MAX_TEXT, "%s", key);
}

/* A string member into buf (cap octets, NUL included); maxlen is the
 * longest allowed. *present says whether it was there (and not null).
 * required: absent or null is VTG_EOM_FIELD. */
static int get_str(struct dctx *c, json_t *obj, const char *parent, const char *key, bool required,
		   char *buf, size_t maxlen, bool *present)
{
	char path[PATH_MAX_TEXT];
	path_join(path, parent, key);
	json_t *v = member(obj, key);
	if (present)
		*present = v != NULL;
	if (!v) {
		if (required)
			return fail(c, VTG_EOM_FIELD, path, "required");
		buf[0] = '\0';
		return 0;
	}
	if (!json_is_string(v))
		return fail(c, VTG_EOM_TYPE, path, "not a string");
	size_t n = json_string_length(v);
	if (n > maxlen)
		return fail(c, VTG_EOM_LONG, path, "%zu octets, at most %zu", n, maxlen);
	memcpy(buf, json_string_value(v), n);
	buf[n] = '\0';
	return 0;
}

static int get_bool(struct dctx *c, json_t *obj, const char *parent, const char *key, bool dflt,
		    bool *out)
{
	char path[PATH_MAX_TEXT];
	path_join(path, parent, key);
	json_t *v = json_object_get(obj, key);
	if (!v) {
		*out = dflt;
		return 0;
	}
	/* the core's booleans are "bool = default", not Optional: null is an
	 * error there too */
	if (!json_is_boolean(v))
		return fail(c, VTG_EOM_TYPE, path, "not a boolean");
	*out = json_is_true(v);
	return 0;
}

/* An optional non-negative integer (orchestration counts). */
static int get_count(struct dctx *c, json_t *obj, const char *parent, const char *key, int min,
		     bool *has, int *out)
{
	char path[PATH_MAX_TEXT];
	path_join(path, parent, key);
	json_t *v = member(obj, key);
	*has = v != NULL;
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return fail(c, VTG_EOM_TYPE, path, "not an integer");
	json_int_t i = json_integer_value(v);
	if (i < min || i > INT_MAX)
		return fail(c, VTG_EOM_VALUE, path, "%lld out of range", (long long)i);
	*out = (int)i;
	return 0;
}

/* A field the core's model fixes with a Literal: absent, or exactly want. */
static int fixed_str(struct dctx *c, json_t *obj, const char *parent, const char *key,
		     const char *want)
{
	char path[PATH_MAX_TEXT];
	path_join(path, parent, key);
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_string(v))
		return fail(c, VTG_EOM_TYPE, path, "not a string");
	if (strcmp(json_string_value(v), want) != 0)
		return fail(c, VTG_EOM_VALUE, path, "must be \"%s\" for this method", want);
	return 0;
}

static int fixed_bool(struct dctx *c, json_t *obj, const char *parent, const char *key, bool want)
{
	bool b;
	int rc = get_bool(c, obj, parent, key, want, &b);
	if (rc)
		return rc;
	if (b != want) {
		char path[PATH_MAX_TEXT];
		path_join(path, parent, key);
		return fail(c, VTG_EOM_VALUE, path, "must be %s for this method",
			    want ? "true" : "false");
	}
	return 0;
}

static bool ldh_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_';
}

/* A domain name in text: labels of 1..63 LDH or '_' octets, at most
 * VTG_OM_NAME_MAX in all, no trailing dot, ASCII only. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s), lab = 0;
	if (n == 0 || n > VTG_OM_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return false;
			lab = 0;
		} else if (ldh_char(s[i])) {
			if (++lab > 63)
				return false;
		} else {
			return false;
		}
	}
	return lab > 0;
}

static bool ascii_only(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && s[n - m - 1] == '.' && strcasecmp(s + n - m, suffix) == 0;
}

static int decode_target(struct dctx *c, json_t *root, struct vtg_om_check *out)
{
	char raw[VTG_OM_TARGET_MAX + 1];
	int rc = get_str(c, root, "", "domain_or_ip_target", true, raw, VTG_OM_TARGET_MAX, NULL);
	if (rc)
		return rc;
	const char *path = "domain_or_ip_target";
	size_t n = strlen(raw);
	unsigned char addr[16];
	out->wildcard = false;
	/* "[v6]" as open-mpic-core's DomainEncoder accepts it */
	if (n >= 2 && raw[0] == '[' && raw[n - 1] == ']') {
		memcpy(out->target, raw + 1, n - 2);
		out->target[n - 2] = '\0';
		if (inet_pton(AF_INET6, out->target, addr) != 1)
			return fail(c, VTG_EOM_TARGET, path, "bracketed text is not an IPv6 literal");
		out->target_kind = VTG_OM_TARGET_IPV6;
		return 0;
	}
	memcpy(out->target, raw, n + 1);
	if (inet_pton(AF_INET, raw, addr) == 1) {
		out->target_kind = VTG_OM_TARGET_IPV4;
		return 0;
	}
	if (strchr(raw, ':')) {
		if (inet_pton(AF_INET6, raw, addr) != 1)
			return fail(c, VTG_EOM_TARGET, path, "not an IPv6 literal");
		out->target_kind = VTG_OM_TARGET_IPV6;
		return 0;
	}
	out->target_kind = VTG_OM_TARGET_NAME;
	if (!ascii_only(raw))
		return fail(c, VTG_EOM_TARGET, path,
			    "not ASCII: send an internationalised name as A-labels (xn--)");
	const char *name = raw;
	if (n >= 2 && raw[0] == '*' && raw[1] == '.') {
		out->wildcard = true;
		name += 2;
	}
	if (n > 0 && raw[n - 1] == '.')
		return fail(c, VTG_EOM_TARGET, path, "trailing dot (open-mpic targets have none)");
	if (!name_ok(name))
		return fail(c, VTG_EOM_TARGET, path, "not a domain name or an IP literal");
	memmove(out->target, name, strlen(name) + 1);
	return 0;
}

/* A list of domain names (caa_domains, issuer_domain_names). */
static int get_domains(struct dctx *c, json_t *obj, const char *parent, const char *key,
		       bool required, char dst[][VTG_OM_NAME_MAX + 1], size_t *n_out)
{
	char path[PATH_MAX_TEXT];
	path_join(path, parent, key);
	json_t *v = member(obj, key);
	*n_out = 0;
	if (!v)
		return required ? fail(c, VTG_EOM_FIELD, path, "required") : 0;
	if (!json_is_array(v))
		return fail(c, VTG_EOM_TYPE, path, "not a list");
	size_t n = json_array_size(v);
	if (n > VTG_OM_DOMAINS_MAX)
		return fail(c, VTG_EOM_LONG, path, "%zu names, at most %d", n, VTG_OM_DOMAINS_MAX);
	if (required && n == 0)
		return fail(c, VTG_EOM_VALUE, path, "empty");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_string(e))
			return fail(c, VTG_EOM_TYPE, path, "item %zu is not a string", i);
		const char *s = json_string_value(e);
		if (json_string_length(e) > VTG_OM_NAME_MAX)
			return fail(c, VTG_EOM_LONG, path, "item %zu longer than %d", i,
				    VTG_OM_NAME_MAX);
		if (!name_ok(s))
			return fail(c, VTG_EOM_VALUE, path, "item %zu is not a domain name", i);
		memcpy(dst[i], s, strlen(s) + 1);
	}
	*n_out = n;
	return 0;
}

static int decode_caa_params(struct dctx *c, json_t *root, struct vtg_om_check *out)
{
	const char *p = "caa_check_parameters";
	json_t *v = member(root, p);
	if (!v)
		return 0;
	if (!json_is_object(v))
		return fail(c, VTG_EOM_TYPE, p, "not an object");
	char ct[16];
	bool has;
	int rc = get_str(c, v, p, "certificate_type", false, ct, sizeof(ct) - 1, &has);
	if (rc == VTG_EOM_LONG)
		rc = fail(c, VTG_EOM_VALUE, "caa_check_parameters.certificate_type",
			  "not tls-server or s-mime");
	if (rc)
		return rc;
	if (json_is_null(json_object_get(v, "certificate_type")))
		return fail(c, VTG_EOM_TYPE, "caa_check_parameters.certificate_type", "null");
	if (has && strcmp(ct, "s-mime") == 0)
		out->smime = true;
	else if (has && strcmp(ct, "tls-server") != 0)
		return fail(c, VTG_EOM_VALUE, "caa_check_parameters.certificate_type",
			    "not tls-server or s-mime");
	rc = get_domains(c, v, p, "caa_domains", false, out->caa_domains, &out->n_caa_domains);
	if (rc)
		return rc;
	return get_bool(c, v, p, "allow_lookup_failure", false, &out->allow_lookup_failure);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* An http_headers / match_regex that asks for something vantage does not
 * do: any non-empty value. */
static int refuse_nonempty(struct dctx *c, json_t *obj, const char *parent, const char *key,
			   bool object, const char *why)
{
	char path[PATH_MAX_TEXT];
	path_join(path, parent, key);
	json_t *v = member(obj, key);
	if (!v)
		return 0;
	if (object ? !json_is_object(v) : !json_is_string(v))
		return fail(c, VTG_EOM_TYPE, path, object ? "not an object" : "not a string");
	if (object ? json_object_size(v) == 0 : json_string_length(v) == 0)
		return 0;
	return fail(c, VTG_EOM_UNSUPPORTED, path, "%s", why);
}

static int decode_prefix(struct dctx *c, json_t *v, const char *p, struct vtg_om_check *out)
{
	int rc = get_str(c, v, p, "dns_name_prefix", false, out->prefix, VTG_OM_PREFIX_MAX,
			 &out->has_prefix);
	if (rc)
		return rc;
	if (out->prefix[0] == '\0') {
		out->has_prefix = false; /* "" is the name itself, as null */
		return 0;
	}
	for (const char *s = out->prefix; *s; s++)
		if (!ldh_char(*s))
			return fail(c, VTG_EOM_VALUE, "dcv_check_parameters.dns_name_prefix",
				    "not one label of letters, digits, '-' and '_'");
	return 0;
}

/* challenge_value (or another value field): required, not empty. An empty
 * challenge proves nothing; open-mpic-core refuses it for website-change
 * only, vantage for every method. */
static int get_value(struct dctx *c, json_t *v, const char *p, const char *key, char *buf)
{
	int rc = get_str(c, v, p, key, true, buf, VTG_OM_VALUE_MAX, NULL);
	if (rc)
		return rc;
	if (buf[0] == '\0') {
		char path[PATH_MAX_TEXT];
		path_join(path, p, key);
		return fail(c, VTG_EOM_VALUE, path, "empty");
	}
	return 0;
}

static int get_rrtype(struct dctx *c, json_t *v, const char *p, enum vtg_om_rrtype *out)
{
	char s[8];
	const char *path = "dcv_check_parameters.dns_record_type";
	int rc = get_str(c, v, p, "dns_record_type", true, s, sizeof(s) - 1, NULL);
	if (rc == VTG_EOM_LONG)
		return fail(c, VTG_EOM_VALUE, path, "not a record type open-mpic knows");
	if (rc)
		return rc;
	for (unsigned i = VTG_OM_RR_A; i <= VTG_OM_RR_PTR; i++) {
		if (strcmp(s, rrtype_names[i]) == 0) {
			*out = (enum vtg_om_rrtype)i;
			return 0;
		}
	}
	return fail(c, VTG_EOM_VALUE, path, "\"%s\" is not a record type open-mpic knows", s);
}

static int decode_dcv_params(struct dctx *c, json_t *root, const struct vtg_om_check *tgt,
			     struct vtg_om_check *out)
{
	const char *p = "dcv_check_parameters";
	json_t *v = member(root, p);
	if (!v)
		return fail(c, VTG_EOM_FIELD, p, "required");
	if (!json_is_object(v))
		return fail(c, VTG_EOM_TYPE, p, "not an object");
	char ms[32];
	int rc = get_str(c, v, p, "validation_method", true, ms, sizeof(ms) - 1, NULL);
	if (rc == VTG_EOM_LONG)
		return fail(c, VTG_EOM_METHOD, "dcv_check_parameters.validation_method",
			    "unknown method");
	if (rc)
		return rc;
	if (vtg__om_method_parse(ms, &out->om_method))
		return fail(c, VTG_EOM_METHOD, "dcv_check_parameters.validation_method",
			    "unknown method \"%s\"", ms);
	const char *mpath = "dcv_check_parameters.validation_method";
	bool b;

	switch (out->om_method) {
	case VTG_OM_WEBSITE_CHANGE: /* BR 3.2.2.4.18 */
		out->method = VTG_DCV_WEBSITE_CHANGE;
		if ((rc = get_value(c, v, p, "challenge_value", out->value)))
			return rc;
		if ((rc = get_str(c, v, p, "http_token_path", true, out->http_path,
				  VTG_OM_PATH_MAX, NULL)))
			return rc;
		if (out->http_path[0] == '\0')
			return fail(c, VTG_EOM_VALUE, "dcv_check_parameters.http_token_path",
				    "empty");
		char scheme[8];
		rc = get_str(c, v, p, "url_scheme", false, scheme, sizeof(scheme) - 1, &b);
		if (rc == VTG_EOM_LONG || (!rc && b && strcmp(scheme, "http") != 0 &&
					  strcmp(scheme, "https") != 0))
			return fail(c, VTG_EOM_VALUE, "dcv_check_parameters.url_scheme",
				    "not http or https");
		if (rc)
			return rc;
		out->https = b && strcmp(scheme, "https") == 0;
		if ((rc = refuse_nonempty(c, v, p, "http_headers", true,
					  "vantage sends its own fixed request headers")))
			return rc;
		if ((rc = refuse_nonempty(c, v, p, "match_regex", false,
					  "vantage does not match regular expressions")))
			return rc;
		/* false asks for a case-insensitive search; vantage's is exact,
		 * which passes a subset: stricter, never looser */
		return get_bool(c, v, p, "require_exact_case", true, &out->require_exact_case);

	case VTG_OM_DNS_CHANGE: /* BR 3.2.2.4.7 */
		if ((rc = get_value(c, v, p, "challenge_value", out->value)))
			return rc;
		if ((rc = decode_prefix(c, v, p, out)))
			return rc;
		if ((rc = get_rrtype(c, v, p, &out->rrtype)))
			return rc;
		if (out->rrtype == VTG_OM_RR_CAA)
			return fail(c, VTG_EOM_UNSUPPORTED, "dcv_check_parameters.dns_record_type",
				    "CAA: vantage checks dns-change in TXT and CNAME records only");
		if (out->rrtype != VTG_OM_RR_TXT && out->rrtype != VTG_OM_RR_CNAME)
			return fail(c, VTG_EOM_VALUE, "dcv_check_parameters.dns_record_type",
				    "dns-change takes CNAME, TXT or CAA");
		out->method = out->rrtype == VTG_OM_RR_TXT ? VTG_DCV_CHANGE : VTG_DCV_CNAME;
		/* both flags are kept as asked; vantage compares exactly and
		 * case-sensitively (TXT), which is stricter than either false */
		if ((rc = get_bool(c, v, p, "require_exact_match", false,
				   &out->require_exact_match)))
			return rc;
		if ((rc = get_bool(c, v, p, "require_exact_case", true, &out->require_exact_case)))
			return rc;
		if (out->rrtype != VTG_OM_RR_TXT)
			out->require_exact_case = false; /* as the core's model forces */
		return 0;

	case VTG_OM_DNS_PERSISTENT: /* BR 3.2.2.4.22 */
		out->method = VTG_DCV_PERSIST;
		out->rrtype = VTG_OM_RR_TXT;
		if ((rc = get_domains(c, v, p, "issuer_domain_names", true, out->issuers,
				      &out->n_issuers)))
			return rc;
		if ((rc = get_str(c, v, p, "expected_account_uri", true, out->account_uri,
				  VTG_OM_URI_MAX, NULL)))
			return rc;
		{
			/* a URI has a scheme (RFC 3986 3.1): ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
			const char *s = out->account_uri;
			size_t i = 0;
			while (ldh_char(s[i]) || s[i] == '+' || s[i] == '.')
				i++;
			if (i == 0 || s[i] != ':' || !((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
				return fail(c, VTG_EOM_VALUE,
					    "dcv_check_parameters.expected_account_uri",
					    "not a URI");
		}
		if ((rc = fixed_str(c, v, p, "dns_record_type", "TXT")) ||
		    (rc = fixed_str(c, v, p, "dns_name_prefix", "_validation-persist")))
			return rc;
		out->require_exact_case = false;
		return fixed_bool(c, v, p, "require_exact_case", false);

	case VTG_OM_ACME_HTTP_01: /* RFC 8555 8.3, BR 3.2.2.4.19 */
		out->method = VTG_DCV_HTTP01;
		if ((rc = get_value(c, v, p, "token", out->token)) ||
		    (rc = get_value(c, v, p, "key_authorization", out->value)))
			return rc;
		if ((rc = refuse_nonempty(c, v, p, "http_headers", true,
					  "vantage sends its own fixed request headers")))
			return rc;
		out->require_exact_case = true;
		return fixed_bool(c, v, p, "require_exact_case", true);

	case VTG_OM_ACME_DNS_01: /* RFC 8555 8.4, BR 3.2.2.4.7 */
		out->method = VTG_DCV_DNS01;
		out->rrtype = VTG_OM_RR_TXT;
		if ((rc = get_value(c, v, p, "key_authorization_hash", out->value)))
			return rc;
		if ((rc = fixed_str(c, v, p, "dns_record_type", "TXT")) ||
		    (rc = fixed_str(c, v, p, "dns_name_prefix", "_acme-challenge")))
			return rc;
		out->require_exact_case = true;
		return fixed_bool(c, v, p, "require_exact_case", true);

	case VTG_OM_ACME_TLS_ALPN_01: /* RFC 8737, BR 3.2.2.4.20 */
		out->method = VTG_DCV_TLSALPN01;
		if ((rc = get_value(c, v, p, "key_authorization_hash", out->value)))
			return rc;
		/* the core compares it with the certificate's acmeIdentifier
		 * as hex (dcv_tls_alpn_validator.py) */
		if (strlen(out->value) != 2 * VTG_OM_DIGEST)
			return fail(c, VTG_EOM_VALUE, "dcv_check_parameters.key_authorization_hash",
				    "not a SHA-256 digest in hex (64 digits)");
		for (unsigned i = 0; i < VTG_OM_DIGEST; i++) {
			int hi = hexval(out->value[2 * i]), lo = hexval(out->value[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return fail(c, VTG_EOM_VALUE,
					    "dcv_check_parameters.key_authorization_hash",
					    "not a SHA-256 digest in hex (64 digits)");
			out->digest[i] = (uint8_t)(hi << 4 | lo);
		}
		out->require_exact_case = false;
		return fixed_bool(c, v, p, "require_exact_case", false);

	case VTG_OM_CONTACT_EMAIL_TXT: /* BR 3.2.2.4.14 */
	case VTG_OM_CONTACT_PHONE_TXT: /* BR 3.2.2.4.16 */
		{
			bool email = out->om_method == VTG_OM_CONTACT_EMAIL_TXT;
			out->method = email ? VTG_DCV_CONTACT_EMAIL : VTG_DCV_CONTACT_PHONE;
			out->rrtype = VTG_OM_RR_TXT;
			if ((rc = get_value(c, v, p, "challenge_value", out->value)))
				return rc;
			if ((rc = fixed_str(c, v, p, "dns_record_type", "TXT")) ||
			    (rc = fixed_str(c, v, p, "dns_name_prefix",
					    email ? "_validation-contactemail"
						  : "_validation-contactphone")))
				return rc;
			out->require_exact_case = false;
			return fixed_bool(c, v, p, "require_exact_case", false);
		}

	case VTG_OM_REVERSE_ADDRESS_LOOKUP: /* BR 3.2.2.5.3 */
		out->method = VTG_DCV_REVERSE;
		out->rrtype = VTG_OM_RR_PTR;
		if ((rc = get_value(c, v, p, "challenge_value", out->value)))
			return rc;
		if ((rc = decode_prefix(c, v, p, out)))
			return rc;
		if (out->has_prefix)
			return fail(c, VTG_EOM_UNSUPPORTED, "dcv_check_parameters.dns_name_prefix",
				    "vantage queries the PTR of the reverse name itself");
		if ((rc = fixed_str(c, v, p, "dns_record_type", "PTR")))
			return rc;
		/* the core queries the target as given: its tests send the
		 * reverse name; vantage also takes the address */
		if (tgt->target_kind == VTG_OM_TARGET_NAME &&
		    (tgt->wildcard || (!ends_with_ci(tgt->target, "in-addr.arpa") &&
				       !ends_with_ci(tgt->target, "ip6.arpa"))))
			return fail(c, VTG_EOM_TARGET, "domain_or_ip_target",
				    "reverse-address-lookup needs an IP literal or a name under "
				    "in-addr.arpa / ip6.arpa");
		out->require_exact_case = false;
		return fixed_bool(c, v, p, "require_exact_case", false);

	case VTG_OM_CONTACT_EMAIL_CAA:
	case VTG_OM_CONTACT_PHONE_CAA:
		return fail(c, VTG_EOM_UNSUPPORTED, mpath,
			    "%s: vantage has no CAA contactemail / contactphone DCV (BR "
			    "3.2.2.4.13 / .15); use the TXT form", ms);
	case VTG_OM_IP_ADDRESS:
		return fail(c, VTG_EOM_UNSUPPORTED, mpath,
			    "ip-address: vantage has no A / AAAA record DCV method");
	case VTG_OM_DNS_ACCOUNT_01:
		return fail(c, VTG_EOM_METHOD, mpath,
			    "dns-account-01: open-mpic defines no parameters for it");
	}
	return fail(c, VTG_EOM_METHOD, mpath, "unknown method");
}

/* Parse the body into a tree (NULL and an error on refusal). */
static json_t *load_as(struct dctx *c, const char *body, size_t len, size_t max, int depth,
		       int *rc)
{
	if (len > max) {
		*rc = fail(c, VTG_EOM_TOO_BIG, "body", "%zu octets, at most %zu", len, max);
		return NULL;
	}
	json_error_t je;
	/* strict RFC 8259 (jansson's default), plus: a duplicate key is an
	 * error (two parsers of one body must not disagree), no \u0000 (no
	 * JSON_ALLOW_NUL), nothing after the value (no JSON_DISABLE_EOF_CHECK) */
	json_t *root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		*rc = fail(c, VTG_EOM_JSON, "body", "%s at octet %d", je.text, je.position);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		*rc = fail(c, VTG_EOM_JSON, "body", "not a JSON object");
		return NULL;
	}
	if (depth_over(root, depth)) {
		json_decref(root);
		*rc = fail(c, VTG_EOM_DEPTH, "body", "nested deeper than %d", depth);
		return NULL;
	}
	*rc = 0;
	return root;
}

static json_t *load(struct dctx *c, const char *body, size_t len, int *rc)
{
	return load_as(c, body, len, VTG_OM_BODY_MAX, VTG_OM_DEPTH_MAX, rc);
}

static int decode_common(struct dctx *c, json_t *root, enum vtg_om_check_type type,
			 struct vtg_om_check *out)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	int rc = decode_target(c, root, out);
	if (rc)
		return rc;
	if ((rc = get_str(c, root, "", "trace_identifier", false, out->trace, VTG_OM_TRACE_MAX,
			  &out->has_trace)))
		return rc;
	/* a wildcard CAA check is looked up at the base name, the flag says
	 * issuewild applies (RFC 8659 4.3) */
	if (type == VTG_OM_CHECK_CAA)
		return decode_caa_params(c, root, out);
	return decode_dcv_params(c, root, out, out);
}

int vtg__om_check_decode(const char *body, size_t len, enum vtg_om_endpoint ep,
			 struct vtg_om_check *out, char *err, size_t errcap)
{
	struct dctx c = {err, errcap};
	if (errcap)
		err[0] = '\0';
	int rc;
	json_t *root = load(&c, body, len, &rc);
	if (!root)
		return rc;
	rc = decode_common(&c, root, ep == VTG_OM_EP_DCV ? VTG_OM_CHECK_DCV : VTG_OM_CHECK_CAA,
			   out);
	json_decref(root);
	return rc;
}

int vtg__om_mpic_decode(const char *body, size_t len, struct vtg_om_mpic *out, char *err,
			size_t errcap)
{
	struct dctx c = {err, errcap};
	if (errcap)
		err[0] = '\0';
	int rc;
	json_t *root = load(&c, body, len, &rc);
	if (!root)
		return rc;
	char ct[8];
	enum vtg_om_check_type type = VTG_OM_CHECK_CAA;
	rc = get_str(&c, root, "", "check_type", true, ct, sizeof(ct) - 1, NULL);
	if (rc == VTG_EOM_LONG)
		rc = fail(&c, VTG_EOM_VALUE, "check_type", "not caa or dcv");
	else if (!rc && strcmp(ct, "dcv") == 0)
		type = VTG_OM_CHECK_DCV;
	else if (!rc && strcmp(ct, "caa") != 0)
		rc = fail(&c, VTG_EOM_VALUE, "check_type", "\"%s\" is not caa or dcv", ct);
	if (!rc)
		rc = decode_common(&c, root, type, &out->check);
	out->has_orch = false;
	memset(&out->orch, 0, sizeof(out->orch));
	json_t *o = rc ? NULL : member(root, "orchestration_parameters");
	if (o && !json_is_object(o))
		rc = fail(&c, VTG_EOM_TYPE, "orchestration_parameters", "not an object");
	if (o && !rc) {
		const char *p = "orchestration_parameters";
		struct vtg_om_orch *op = &out->orch;
		out->has_orch = true;
		if (!(rc = get_count(&c, o, p, "perspective_count", 0, &op->has_perspective_count,
				     &op->perspective_count)) &&
		    !(rc = get_count(&c, o, p, "quorum_count", 0, &op->has_quorum_count,
				     &op->quorum_count)) &&
		    !(rc = get_count(&c, o, p, "max_attempts", 0, &op->has_max_attempts,
				     &op->max_attempts)))
			/* "must be > 0" (mpic_orchestration_parameters.py) */
			rc = get_count(&c, o, p, "cohort_for_single_attempt", 1, &op->has_cohort,
				       &op->cohort_for_single_attempt);
	}
	json_decref(root);
	return rc;
}

/* ---- encoding ---- */

static void kint_null(struct vtg_json *j, const char *key, int v)
{
	vtg__json_key(j, key);
	if (v >= 0)
		vtg__json_int(j, v);
	else
		vtg__json_null(j);
}

static void kbool_null(struct vtg_json *j, const char *key, int v)
{
	vtg__json_key(j, key);
	if (v >= 0)
		vtg__json_bool(j, v != 0);
	else
		vtg__json_null(j);
}

static void kstrs(struct vtg_json *j, const char *key, const char *const *s, size_t n)
{
	vtg__json_key(j, key);
	if (!s) {
		vtg__json_null(j);
		return;
	}
	vtg__json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		vtg__json_str(j, s[i] ? s[i] : "");
	vtg__json_arr_end(j);
}

/* RFC 4648 4 base64 of at most VTG_OM_PAGE_MAX octets. */
#define B64_MAX (4 * ((VTG_OM_PAGE_MAX + 2) / 3))
static size_t base64(const uint8_t *in, size_t n, char out[B64_MAX + 1])
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? a[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

static bool method_http(enum vtg_om_method m)
{
	return m == VTG_OM_WEBSITE_CHANGE || m == VTG_OM_ACME_HTTP_01;
}

/* An evidence line as the next value, without its trailing white space. */
static void raw_trimmed(struct vtg_json *j, const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' ' || line[n - 1] == '\t' ||
			 line[n - 1] == '\r'))
		n--;
	vtg__json_raw(j, line, n);
}

int vtg__om_result_encode(const struct vtg_om_result *r, struct vtg_json *j)
{
	if ((unsigned)r->type > VTG_OM_CHECK_DCV ||
	    (r->type == VTG_OM_CHECK_DCV && (unsigned)r->method > VTG_OM_METHOD_LAST))
		return VTG_EOM_VALUE;
	vtg__json_obj_begin(j);
	vtg__json_kstr(j, "check_type", vtg__om_check_type_str(r->type));
	vtg__json_kbool(j, "check_passed", r->passed);
	vtg__json_kbool(j, "check_completed", r->completed);
	vtg__json_kint(j, "timestamp_ns", r->timestamp_ns);
	vtg__json_key(j, "errors");
	if (!r->errors || r->n_errors == 0) {
		vtg__json_null(j);
	} else {
		vtg__json_arr_begin(j);
		for (size_t i = 0; i < r->n_errors; i++) {
			vtg__json_obj_begin(j);
			vtg__json_kstr(j, "error_type", r->errors[i].type ? r->errors[i].type : "");
			vtg__json_kstr(j, "error_message",
				       r->errors[i].message ? r->errors[i].message : "");
			vtg__json_obj_end(j);
		}
		vtg__json_arr_end(j);
	}

	vtg__json_key(j, "details");
	vtg__json_obj_begin(j);
	if (r->type == VTG_OM_CHECK_CAA) {
		kbool_null(j, "caa_record_present", r->caa_present);
		vtg__json_kstr(j, "found_at", r->found_at);
		kstrs(j, "records_seen", r->records, r->n_records);
	} else if (method_http(r->method)) {
		vtg__json_kstr(j, "validation_method", vtg__om_method_str(r->method));
		vtg__json_key(j, "response_history");
		if (!r->hops) {
			vtg__json_null(j);
		} else {
			vtg__json_arr_begin(j);
			for (size_t i = 0; i < r->n_hops; i++) {
				/* the core's RedirectResponse says status_code / url,
				 * the spec response_status_code / response_url: both,
				 * each side ignores the other's */
				const char *u = r->hops[i].url ? r->hops[i].url : "";
				vtg__json_obj_begin(j);
				vtg__json_kint(j, "status_code", r->hops[i].status);
				vtg__json_kstr(j, "url", u);
				vtg__json_kint(j, "response_status_code", r->hops[i].status);
				vtg__json_kstr(j, "response_url", u);
				vtg__json_obj_end(j);
			}
			vtg__json_arr_end(j);
		}
		vtg__json_kstr(j, "response_url", r->response_url);
		kint_null(j, "response_status_code", r->status);
		vtg__json_key(j, "response_page");
		if (r->page) {
			char b64[B64_MAX + 1];
			size_t n = r->page_len < VTG_OM_PAGE_MAX ? r->page_len : VTG_OM_PAGE_MAX;
			vtg__json_strn(j, b64, base64(r->page, n, b64));
		} else {
			vtg__json_null(j);
		}
		vtg__json_kstr(j, "resolved_ip", r->resolved_ip);
	} else if (r->method == VTG_OM_ACME_TLS_ALPN_01) {
		vtg__json_kstr(j, "validation_method", vtg__om_method_str(r->method));
		vtg__json_kstr(j, "common_name", r->common_name);
	} else {
		vtg__json_kstr(j, "validation_method", vtg__om_method_str(r->method));
		kstrs(j, "records_seen", r->records, r->n_records);
		kint_null(j, "response_code", r->rcode);
		kbool_null(j, "ad_flag", r->ad_flag);
		vtg__json_kstr(j, "found_at", r->found_at);
		kstrs(j, "cname_chain", r->cname_chain, r->n_cname);
	}
	vtg__json_obj_end(j);

	if (r->evidence) {
		vtg__json_key(j, "vantage");
		raw_trimmed(j, r->evidence, r->evidence_len);
	}
	vtg__json_obj_end(j);
	return j->err;
}

static void encode_caa_params(const struct vtg_om_check *c, struct vtg_json *j)
{
	vtg__json_obj_begin(j);
	vtg__json_kstr(j, "certificate_type", c->smime ? "s-mime" : "tls-server");
	vtg__json_key(j, "caa_domains");
	if (c->n_caa_domains == 0) {
		vtg__json_null(j);
	} else {
		vtg__json_arr_begin(j);
		for (size_t i = 0; i < c->n_caa_domains; i++)
			vtg__json_str(j, c->caa_domains[i]);
		vtg__json_arr_end(j);
	}
	vtg__json_kbool(j, "allow_lookup_failure", c->allow_lookup_failure);
	vtg__json_obj_end(j);
}

/* The DCV parameters as the core's model dumps them (fixed fields included). */
static void encode_dcv_params(const struct vtg_om_check *c, struct vtg_json *j)
{
	vtg__json_obj_begin(j);
	vtg__json_kstr(j, "validation_method", vtg__om_method_str(c->om_method));
	switch (c->om_method) {
	case VTG_OM_WEBSITE_CHANGE:
		vtg__json_kstr(j, "challenge_value", c->value);
		vtg__json_kstr(j, "http_token_path", c->http_path);
		vtg__json_kstr(j, "url_scheme", c->https ? "https" : "http");
		vtg__json_kstr(j, "http_headers", NULL);
		vtg__json_kstr(j, "match_regex", NULL);
		break;
	case VTG_OM_ACME_HTTP_01:
		vtg__json_kstr(j, "token", c->token);
		vtg__json_kstr(j, "key_authorization", c->value);
		vtg__json_kstr(j, "http_headers", NULL);
		break;
	case VTG_OM_ACME_DNS_01:
		vtg__json_kstr(j, "key_authorization_hash", c->value);
		vtg__json_kstr(j, "dns_name_prefix", "_acme-challenge");
		break;
	case VTG_OM_ACME_TLS_ALPN_01:
		vtg__json_kstr(j, "key_authorization_hash", c->value);
		break;
	case VTG_OM_DNS_PERSISTENT:
		vtg__json_key(j, "issuer_domain_names");
		vtg__json_arr_begin(j);
		for (size_t i = 0; i < c->n_issuers; i++)
			vtg__json_str(j, c->issuers[i]);
		vtg__json_arr_end(j);
		vtg__json_kstr(j, "expected_account_uri", c->account_uri);
		vtg__json_kstr(j, "dns_name_prefix", "_validation-persist");
		break;
	case VTG_OM_CONTACT_EMAIL_TXT:
	case VTG_OM_CONTACT_PHONE_TXT:
		vtg__json_kstr(j, "challenge_value", c->value);
		vtg__json_kstr(j, "dns_name_prefix", c->om_method == VTG_OM_CONTACT_EMAIL_TXT
							     ? "_validation-contactemail"
							     : "_validation-contactphone");
		break;
	default: /* dns-change, reverse-address-lookup (the others never decode) */
		vtg__json_kstr(j, "challenge_value", c->value);
		vtg__json_kstr(j, "dns_name_prefix", c->has_prefix ? c->prefix : NULL);
		if (c->om_method == VTG_OM_DNS_CHANGE)
			vtg__json_kbool(j, "require_exact_match", c->require_exact_match);
		break;
	}
	if (c->rrtype != VTG_OM_RR_NONE)
		vtg__json_kstr(j, "dns_record_type", vtg__om_rrtype_str(c->rrtype));
	vtg__json_kbool(j, "require_exact_case", c->require_exact_case);
	vtg__json_obj_end(j);
}

int vtg__om_perspective_encode(const struct vtg_om_perspective *p, struct vtg_json *j)
{
	vtg__json_obj_begin(j);
	vtg__json_kstr(j, "perspective_code", p->code ? p->code : "");
	vtg__json_key(j, "check_response");
	int rc = vtg__om_result_encode(p->result, j);
	if (rc)
		return rc;
	vtg__json_obj_end(j);
	return j->err;
}

/* An attempt's perspectives: already encoded (json), or each in turn. */
/* domain_or_ip_target as asked: "*." back in front of a wildcard's name */
static void put_target(const struct vtg_om_check *c, struct vtg_json *j)
{
	vtg__json_key(j, "domain_or_ip_target");
	if (c->wildcard) {
		char t[VTG_OM_TARGET_MAX + 1];
		int n = snprintf(t, sizeof(t), "*.%s", c->target);
		vtg__json_strn(j, t, n > 0 && (size_t)n < sizeof(t) ? (size_t)n : 0);
	} else {
		vtg__json_str(j, c->target);
	}
}

static int encode_perspectives(const struct vtg_om_perspective *p, size_t n, const char *json,
			       size_t json_len, struct vtg_json *j)
{
	if (json) {
		vtg__json_raw(j, json, json_len);
		return 0;
	}
	vtg__json_arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		int rc = vtg__om_perspective_encode(&p[i], j);
		if (rc)
			return rc;
	}
	vtg__json_arr_end(j);
	return 0;
}

int vtg__om_mpic_encode(const struct vtg_om_mpic_result *m, struct vtg_json *j)
{
	const struct vtg_om_check *c = &m->request->check;
	if ((unsigned)c->type > VTG_OM_CHECK_DCV)
		return VTG_EOM_VALUE;
	vtg__json_obj_begin(j);
	vtg__json_kstr(j, "check_type", vtg__om_check_type_str(c->type));
	put_target(c, j);
	vtg__json_kstr(j, "trace_identifier", c->has_trace ? c->trace : NULL);
	vtg__json_kbool(j, "is_valid", m->is_valid);
	vtg__json_kbool(j, "mpic_completed", m->completed);

	vtg__json_key(j, "request_orchestration_parameters");
	if (!m->request->has_orch) {
		vtg__json_null(j);
	} else {
		const struct vtg_om_orch *o = &m->request->orch;
		vtg__json_obj_begin(j);
		kint_null(j, "perspective_count", o->has_perspective_count ? o->perspective_count : -1);
		kint_null(j, "quorum_count", o->has_quorum_count ? o->quorum_count : -1);
		kint_null(j, "max_attempts", o->has_max_attempts ? o->max_attempts : -1);
		kint_null(j, "cohort_for_single_attempt",
			  o->has_cohort ? o->cohort_for_single_attempt : -1);
		vtg__json_obj_end(j);
	}
	vtg__json_key(j, "actual_orchestration_parameters");
	vtg__json_obj_begin(j);
	vtg__json_kint(j, "perspective_count", m->perspective_count);
	vtg__json_kint(j, "quorum_count", m->quorum_count);
	vtg__json_kint(j, "attempt_count", m->attempt_count);
	vtg__json_obj_end(j);

	if (c->type == VTG_OM_CHECK_CAA) {
		vtg__json_key(j, "caa_check_parameters");
		encode_caa_params(c, j);
	} else {
		vtg__json_key(j, "dcv_check_parameters");
		encode_dcv_params(c, j);
	}
	vtg__json_key(j, "perspectives");
	int rc = encode_perspectives(m->perspectives, m->n_perspectives, m->perspectives_json,
				     m->perspectives_json_len, j);
	if (rc)
		return rc;
	vtg__json_key(j, "previous_attempt_results");
	if (!m->previous) {
		vtg__json_null(j);
	} else {
		vtg__json_arr_begin(j);
		for (size_t i = 0; i < m->n_previous; i++)
			if ((rc = encode_perspectives(m->previous[i].perspectives,
						      m->previous[i].n, m->previous[i].json,
						      m->previous[i].json_len, j)))
				return rc;
		vtg__json_arr_end(j);
	}
	if (m->n_evidence) {
		vtg__json_key(j, "vantage");
		vtg__json_arr_begin(j);
		for (size_t i = 0; i < m->n_evidence; i++)
			raw_trimmed(j, m->evidence[i].json, m->evidence[i].len);
		vtg__json_arr_end(j);
	}
	vtg__json_obj_end(j);
	return j->err;
}

/* ---- the remote perspective's side: the request out, the answer in ---- */

int vtg__om_check_encode(const struct vtg_om_check *c, struct vtg_json *j)
{
	if ((unsigned)c->type > VTG_OM_CHECK_DCV ||
	    (c->type == VTG_OM_CHECK_DCV && (unsigned)c->om_method > VTG_OM_METHOD_LAST))
		return VTG_EOM_VALUE;
	vtg__json_obj_begin(j);
	put_target(c, j);
	if (c->has_trace)
		vtg__json_kstr(j, "trace_identifier", c->trace);
	if (c->type == VTG_OM_CHECK_CAA) {
		vtg__json_key(j, "caa_check_parameters");
		encode_caa_params(c, j);
	} else {
		vtg__json_key(j, "dcv_check_parameters");
		encode_dcv_params(c, j);
	}
	vtg__json_obj_end(j);
	return j->err;
}

/* Copy a string member (when it is one) into buf, cut to cap - 1 octets. */
static void copy_str(json_t *obj, const char *key, char *buf, size_t cap)
{
	json_t *v = json_object_get(obj, key);
	buf[0] = '\0';
	if (json_is_string(v))
		snprintf(buf, cap, "%s", json_string_value(v));
}

int vtg__om_answer_decode(const char *body, size_t len, enum vtg_om_check_type type,
			  struct vtg_om_answer *out, char *evidence, size_t evidence_cap,
			  char *err, size_t errcap)
{
	struct dctx c = {err, errcap};
	memset(out, 0, sizeof(*out));
	int rc;
	json_t *root = load_as(&c, body, len, VTG_OM_ANSWER_MAX, VTG_OM_ANSWER_DEPTH_MAX, &rc);
	if (!root)
		return rc;
	json_t *v = json_object_get(root, "check_type");
	if (!json_is_string(v) || strcmp(json_string_value(v), vtg__om_check_type_str(type)) != 0) {
		rc = fail(&c, VTG_EOM_VALUE, "check_type", "not \"%s\"",
			  vtg__om_check_type_str(type));
		goto out;
	}
	v = json_object_get(root, "check_completed");
	json_t *pv = json_object_get(root, "check_passed");
	if (!json_is_boolean(v) || !json_is_boolean(pv)) {
		rc = fail(&c, VTG_EOM_TYPE, json_is_boolean(v) ? "check_passed" : "check_completed",
			  "not a boolean");
		goto out;
	}
	out->completed = json_is_true(v);
	out->passed = json_is_true(pv);
	v = json_object_get(root, "timestamp_ns");
	if (json_is_integer(v))
		out->timestamp_ns = json_integer_value(v);
	v = json_object_get(root, "errors");
	if (json_is_array(v)) {
		out->n_errors = json_array_size(v);
		json_t *e = json_array_get(v, 0);
		if (json_is_object(e)) {
			copy_str(e, "error_type", out->error_type, sizeof(out->error_type));
			copy_str(e, "error_message", out->error_message,
				 sizeof(out->error_message));
		}
	} else if (v && !json_is_null(v)) {
		rc = fail(&c, VTG_EOM_TYPE, "errors", "not a list");
		goto out;
	}
	v = json_object_get(root, "vantage");
	if (json_is_object(v)) {
		/* vantage's own evidence: kept compact (one JSON line), and its
		 * outcome words for the coordinator's fragment */
		copy_str(v, "reason", out->reason, sizeof(out->reason));
		copy_str(v, "seen", out->seen, sizeof(out->seen));
		out->has_seen = out->seen[0] != '\0';
		if (evidence && evidence_cap) {
			size_t n = json_dumpb(v, evidence, evidence_cap, JSON_COMPACT);
			if (n > 0 && n < evidence_cap) {
				evidence[n] = '\0';
				out->evidence_len = n;
			}
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}
