/*
 * openmpic.h — the open-mpic JSON API as pure logic: decoding the requests
 * of its perspective endpoints (POST /caa, POST /dcv) and of its coordinator
 * (POST /mpic), and encoding the answers. No sockets, no threads: `vantage
 * agent`, `vantage serve` and the runner's remote-perspective client call it
 * with a body in memory.
 *
 * The wire format is open-mpic's (the models of open-mpic-core-python 6.5.0,
 * commit 74114b5, and the OpenAPI file of open-mpic-specification 3.5.0,
 * commit 65f7409; tests/data/openmpic/README.md). Where the two disagree,
 * the core (what open-mpic deployments run) wins; the differences are listed
 * in tests/schema/openmpic_validate.py.
 *
 * Decoding goes through jansson (a strict RFC 8259 parser); the tree is freed
 * before the decoder returns, and the result is fixed-size buffers: nothing
 * in it points into the body or the tree. Versus open-mpic-core (pydantic,
 * lax mode) the decoder is stricter on purpose, never looser:
 *   - types are exact: "2" is not an integer, 1 is not a boolean, 2.0 is not
 *     an integer (pydantic coerces all three);
 *   - a duplicate key is refused (Python keeps the last one: two parsers of
 *     one body could disagree on what was asked);
 *   - strings are ASCII where DNS or URLs need them (a Unicode target must
 *     arrive as A-labels: the core converts with IDNA, vantage does not);
 *   - every string and list has a limit (below).
 * Unknown fields are ignored, as pydantic's default (extra="ignore") does:
 * an open-mpic client newer than this file still gets served.
 *
 * Encoding appends to a caller's common/json.h writer: its buffer is reused
 * across calls (no allocation in the steady state, unlike building a jansson
 * tree per answer), it never uses printf, and it replaces invalid UTF-8 (a
 * TXT record or a web page is arbitrary octets) by U+FFFD, where jansson's
 * json_string() would refuse the whole value.
 */
#ifndef VTG_MPIC_OPENMPIC_H
#define VTG_MPIC_OPENMPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vantage.h"
#include "caa/dcv.h"
#include "common/json.h"

/* ---- limits (each one is a refusal with VTG_EOM_TOO_BIG / _LONG / _DEPTH) ---- */
#define VTG_OM_BODY_MAX (64 * 1024) /* a request is < 2 KiB; bounds jansson's work and memory */
#define VTG_OM_DEPTH_MAX 8      /* nested objects / arrays, the body's own
				 * included; the deepest valid request has 3 (/mpic ->
				 * dcv_check_parameters -> http_headers); room
				 * for unknown fields, far below jansson's 2048 */
#define VTG_OM_NAME_MAX 253     /* a domain name in text, no trailing dot (RFC 1035 2.3.4) */
#define VTG_OM_TARGET_MAX 255   /* "*." + a 253-octet name; an IPv6 literal in
				 * brackets is at most 47 */
#define VTG_OM_TRACE_MAX 128    /* trace_identifier: a UUID is 36; echoed back, so bounded */
#define VTG_OM_VALUE_MAX VTG_DCV_VALUE_MAX /* challenge_value, key authorization
				 * (hash), token: what vantage's DCV request takes */
#define VTG_OM_PREFIX_MAX 63    /* dns_name_prefix: one label (RFC 1035 2.3.4) */
#define VTG_OM_PATH_MAX 255     /* http_token_path: one file name (NAME_MAX) */
#define VTG_OM_URI_MAX VTG_DCV_VALUE_MAX /* expected_account_uri */
#define VTG_OM_DOMAINS_MAX 16   /* caa_domains, issuer_domain_names: a CA has
				 * a handful of identifying domains */
#define VTG_OM_DIGEST 32        /* tls-alpn-01 key_authorization_hash: SHA-256 (RFC 8737 3) */

/* The endpoint a body came to (the perspective API). */
enum vtg_om_endpoint {
	VTG_OM_EP_CAA = 0, /* POST /caa */
	VTG_OM_EP_DCV,     /* POST /dcv */
};

enum vtg_om_check_type {
	VTG_OM_CHECK_CAA = 0, /* "caa" */
	VTG_OM_CHECK_DCV,     /* "dcv" */
};
/* "caa", "dcv" */
const char *vtg__om_check_type_str(enum vtg_om_check_type t);

/* open-mpic's validation_method values (DcvValidationMethod). */
enum vtg_om_method {
	VTG_OM_WEBSITE_CHANGE = 0,   /* website-change */
	VTG_OM_DNS_CHANGE,           /* dns-change */
	VTG_OM_DNS_PERSISTENT,       /* dns-persistent */
	VTG_OM_ACME_HTTP_01,         /* acme-http-01 */
	VTG_OM_ACME_DNS_01,          /* acme-dns-01 */
	VTG_OM_ACME_TLS_ALPN_01,     /* acme-tls-alpn-01 */
	VTG_OM_DNS_ACCOUNT_01,       /* dns-account-01 (no parameters model: refused) */
	VTG_OM_CONTACT_EMAIL_CAA,    /* contact-email-caa */
	VTG_OM_CONTACT_EMAIL_TXT,    /* contact-email-txt */
	VTG_OM_CONTACT_PHONE_CAA,    /* contact-phone-caa */
	VTG_OM_CONTACT_PHONE_TXT,    /* contact-phone-txt */
	VTG_OM_IP_ADDRESS,           /* ip-address */
	VTG_OM_REVERSE_ADDRESS_LOOKUP, /* reverse-address-lookup */
};
#define VTG_OM_METHOD_LAST VTG_OM_REVERSE_ADDRESS_LOOKUP
const char *vtg__om_method_str(enum vtg_om_method m);
/* Exact match. 0 or VTG_EOM_METHOD. */
int vtg__om_method_parse(const char *s, enum vtg_om_method *m);

/* open-mpic's dns_record_type (DnsRecordType). */
enum vtg_om_rrtype {
	VTG_OM_RR_NONE = 0, /* the method has no record type (web, tls-alpn) */
	VTG_OM_RR_A,
	VTG_OM_RR_AAAA,
	VTG_OM_RR_CAA,
	VTG_OM_RR_CNAME,
	VTG_OM_RR_TXT,
	VTG_OM_RR_PTR,
};
/* "", "A", "AAAA", "CAA", "CNAME", "TXT", "PTR" */
const char *vtg__om_rrtype_str(enum vtg_om_rrtype t);

enum vtg_om_target_kind {
	VTG_OM_TARGET_NAME = 0, /* LDH (and '_') labels; `wildcard` if it came as "*.name" */
	VTG_OM_TARGET_IPV4,     /* dotted quad */
	VTG_OM_TARGET_IPV6,     /* as inet_pton reads it; brackets removed */
};

/*
 * One check request (perspective /caa or /dcv body, or the check part of a
 * /mpic body). Strings are NUL-terminated; a has_* flag says whether an
 * optional field was present and not null.
 */
struct vtg_om_check {
	enum vtg_om_check_type type;
	/* domain_or_ip_target: a name without "*." (and without a trailing
	 * dot, which is refused as open-mpic's DomainOrIPTarget says), or an IP
	 * literal without brackets */
	char target[VTG_OM_TARGET_MAX + 1];
	enum vtg_om_target_kind target_kind;
	bool wildcard;
	bool has_trace;
	char trace[VTG_OM_TRACE_MAX + 1];

	/* CAA (caa_check_parameters; all optional) */
	bool smime;                /* certificate_type "s-mime" (default "tls-server") */
	bool allow_lookup_failure; /* the core's BR 3.2.2.8 carve-out flag */
	size_t n_caa_domains;      /* 0: the perspective's configured identities */
	char caa_domains[VTG_OM_DOMAINS_MAX][VTG_OM_NAME_MAX + 1];

	/* DCV (dcv_check_parameters) */
	enum vtg_om_method om_method;   /* as asked */
	enum vtg_dcv_method method;     /* what vantage runs for it */
	enum vtg_om_rrtype rrtype;      /* dns_record_type, given or the method's */
	char value[VTG_OM_VALUE_MAX + 1]; /* challenge_value; acme-http-01
				 * key_authorization; acme-dns-01 / tls-alpn-01
				 * key_authorization_hash as sent */
	char token[VTG_OM_VALUE_MAX + 1]; /* acme-http-01 token */
	bool has_prefix;                /* dns_name_prefix, non-empty */
	char prefix[VTG_OM_PREFIX_MAX + 1];
	char http_path[VTG_OM_PATH_MAX + 1]; /* website-change http_token_path */
	bool https;                     /* website-change url_scheme "https" */
	bool require_exact_match;       /* dns-change (default false: substring) */
	bool require_exact_case;        /* as the core's model fixes or defaults it */
	uint8_t digest[VTG_OM_DIGEST];  /* tls-alpn-01: key_authorization_hash in binary */
	char account_uri[VTG_OM_URI_MAX + 1]; /* dns-persistent */
	size_t n_issuers;
	char issuers[VTG_OM_DOMAINS_MAX][VTG_OM_NAME_MAX + 1];
};

/* orchestration_parameters of a /mpic request (all optional). */
struct vtg_om_orch {
	bool has_perspective_count, has_quorum_count, has_max_attempts, has_cohort;
	int perspective_count;
	int quorum_count;
	int max_attempts;
	int cohort_for_single_attempt;
};

struct vtg_om_mpic {
	struct vtg_om_check check;
	bool has_orch; /* orchestration_parameters present and not null */
	struct vtg_om_orch orch;
};

/*
 * Decode a perspective request that came to endpoint ep. body[0..len) need
 * not be NUL-terminated. On error *out is unspecified and err (if errcap >
 * 0) holds a one-line reason naming the field, e.g.
 * "dcv_check_parameters.dns_record_type: CAA: vantage checks dns-change in
 * TXT and CNAME records only". Returns 0 or a VTG_EOM_* code.
 */
int vtg__om_check_decode(const char *body, size_t len, enum vtg_om_endpoint ep,
			 struct vtg_om_check *out, char *err, size_t errcap);

/* Decode a coordinator request (POST /mpic). Same contract. Orchestration
 * values are checked for type and sign only: whether a count fits the
 * configured perspectives is the coordinator's decision. */
int vtg__om_mpic_decode(const char *body, size_t len, struct vtg_om_mpic *out,
			char *err, size_t errcap);

/*
 * The open-mpic error_type for a decode refusal, as open-mpic-core names
 * them: "mpic_error:dcv_checker:parameter" for a DCV parameter vantage
 * refuses or cannot run (VTG_EOM_UNSUPPORTED, VTG_EOM_METHOD), else
 * "request-validation-failed" (the coordinator's validation failure key).
 */
const char *vtg__om_error_type(int err);

/* open-mpic-core's error types (ErrorMessages keys) that vantage emits. */
#define VTG_OM_ERR_CAA_LOOKUP "mpic_error:caa_checker:lookup"
#define VTG_OM_ERR_DCV_LOOKUP "mpic_error:dcv_checker:lookup"
#define VTG_OM_ERR_DCV_PARAMETER "mpic_error:dcv_checker:parameter"
#define VTG_OM_ERR_HTTP "mpic_error:http"
#define VTG_OM_ERR_REDIRECT "mpic_error:redirect:invalid"
#define VTG_OM_ERR_REMOTE_CHECK "mpic_error:coordinator:remote_check"
#define VTG_OM_ERR_COMMUNICATION "mpic_error:coordinator:communication"
#define VTG_OM_ERR_TOO_MANY_FAILED "mpic_error:coordinator:too_many_failed_perspectives"
#define VTG_OM_ERR_REQUEST_INVALID "request-validation-failed"

/* ---- encoding ---- */

#define VTG_OM_PAGE_MAX 100 /* response_page: the first 100 octets of the final
			     * page, base64 (open-mpic-core) */

struct vtg_om_error {
	const char *type;    /* one of VTG_OM_ERR_* */
	const char *message;
};

struct vtg_om_hop {          /* one HTTP response before the final one */
	const char *url;
	int status;
};

/*
 * What one perspective found, filled by the agent / runner from its result
 * (no runner type appears here). A NULL string or list pointer is JSON null;
 * -1 in a tri-state int is null. Fields the check type / method does not
 * report are ignored.
 */
struct vtg_om_result {
	enum vtg_om_check_type type;
	enum vtg_om_method method;  /* DCV: the method asked (the details shape) */
	bool completed;             /* check_completed */
	bool passed;                /* check_passed */
	int64_t timestamp_ns;       /* Unix time of the check, ns */
	const struct vtg_om_error *errors; /* NULL or n_errors == 0: null */
	size_t n_errors;

	/* CAA and DNS DCV details */
	const char *const *records; /* records_seen (presentation / TXT text) */
	size_t n_records;
	const char *found_at;       /* name without trailing dot */
	int caa_present;            /* CAA: caa_record_present; -1 null */
	int rcode;                  /* DNS: response_code; -1 null */
	int ad_flag;                /* DNS: ad_flag; -1 null */
	const char *const *cname_chain;
	size_t n_cname;

	/* HTTP DCV details (website-change, acme-http-01) */
	const struct vtg_om_hop *hops; /* response_history; NULL: null */
	size_t n_hops;
	const char *response_url;
	int status;                 /* response_status_code; -1 null */
	const uint8_t *page;        /* the final page; NULL: null. The first
				     * VTG_OM_PAGE_MAX octets go out in base64 */
	size_t page_len;
	const char *resolved_ip;    /* in the spec, not (yet) in the core */

	/* TLS-ALPN DCV details */
	const char *common_name;

	/* vantage's own evidence line (one JSON object, as the runner wrote
	 * it; trailing white space is dropped), inserted verbatim as the
	 * extra field "vantage". NULL: no such field. open-mpic's models ignore
	 * unknown fields, so open-mpic clients are unaffected. */
	const char *evidence;
	size_t evidence_len;
};

/* Append one perspective response (CaaCheckResponse / DcvCheckResponse) to
 * j as the next value. Returns 0, VTG_EOM_VALUE (a method or type out of
 * range) or the writer's sticky error (-ENOMEM). */
int vtg__om_result_encode(const struct vtg_om_result *r, struct vtg_json *j);

struct vtg_om_perspective {
	const char *code;               /* perspective_code */
	const struct vtg_om_result *result;
};

struct vtg_om_attempt {
	const struct vtg_om_perspective *perspectives;
	size_t n;
	/* or the attempt's array already encoded (vtg__om_perspective_encode
	 * per entry, between array brackets): used when not NULL. A
	 * coordinator keeps an attempt as text, not as results that point into
	 * evidence it would have to keep */
	const char *json;
	size_t json_len;
};

/* Append one {perspective_code, check_response} as the next value. Same
 * returns as vtg__om_result_encode. */
int vtg__om_perspective_encode(const struct vtg_om_perspective *p, struct vtg_json *j);

/* One evidence line (a JSON object; trailing white space is dropped). */
struct vtg_om_evidence {
	const char *json;
	size_t len;
};

/* The coordinator's answer to one /mpic request. */
struct vtg_om_mpic_result {
	const struct vtg_om_mpic *request;  /* echoed: target, trace, parameters */
	bool completed;                     /* mpic_completed */
	bool is_valid;
	int perspective_count;              /* actual_orchestration_parameters */
	int quorum_count;
	int attempt_count;
	const struct vtg_om_perspective *perspectives; /* the last attempt */
	size_t n_perspectives;
	const char *perspectives_json;      /* or it encoded (as vtg_om_attempt) */
	size_t perspectives_json_len;
	const struct vtg_om_attempt *previous; /* NULL: null */
	size_t n_previous;
	/* vantage's evidence line of each attempt, in attempt order (the last
	 * is the attempt in `perspectives`), as the extra field "vantage": an
	 * array of the lines' objects. n_evidence 0: no such field. */
	const struct vtg_om_evidence *evidence;
	size_t n_evidence;
};

/* Append one MpicCaaResponse / MpicDcvResponse to j. Same returns. */
int vtg__om_mpic_encode(const struct vtg_om_mpic_result *m, struct vtg_json *j);

/* ---- a remote perspective's client (runner/remote.c) ---- */

#define VTG_OM_ANSWER_MAX (64 * 1024) /* an agent's answer, its evidence line
				       * included (engine/web.h
				       * VTG_AGENT_ANSWER_MAX) */
#define VTG_OM_ANSWER_DEPTH_MAX 16    /* answer -> vantage -> perspectives ->
				       * a perspective -> records / hops -> one:
				       * 6 in vantage's own; room for more */

/* Append the perspective request for c (POST /caa or /dcv) to j: what
 * vtg__om_check_decode reads back as c. 0, VTG_EOM_VALUE or the writer's
 * error. */
int vtg__om_check_encode(const struct vtg_om_check *c, struct vtg_json *j);

/* What a perspective answered, as far as the coordinator counts it. */
struct vtg_om_answer {
	bool completed, passed;       /* check_completed, check_passed */
	int64_t timestamp_ns;
	size_t n_errors;
	char error_type[64];          /* the first error, cut */
	char error_message[256];
	/* from the extra field "vantage" (a vantage agent's evidence line) */
	char reason[256];             /* its "reason", or "" */
	char seen[VTG_DCV_SEEN_MAX];  /* DCV: its "seen" (what corroborates), or "" */
	bool has_seen;
	size_t evidence_len;          /* the compact evidence written, 0: none */
};

/*
 * Decode a perspective's answer to a check of type (CaaCheckResponse /
 * DcvCheckResponse). The "vantage" field, when there, is written compact
 * (no white space outside strings: one line) into evidence (evidence_cap
 * octets, NUL-terminated); one that does not fit is left out. Returns 0 or
 * a VTG_EOM_* code with the reason in err.
 */
int vtg__om_answer_decode(const char *body, size_t len, enum vtg_om_check_type type,
			  struct vtg_om_answer *out, char *evidence, size_t evidence_cap,
			  char *err, size_t errcap);

#endif
