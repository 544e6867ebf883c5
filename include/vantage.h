/*
 * vantage.h — the one public header of vantage, a DNS/CAA resolver engine for
 * Certificate Authorities (RFC 8659 CAA, RFC 8657 parameters, CA/B Forum
 * Baseline Requirements 3.2.2.8 / 3.2.2.9 multi-perspective corroboration).
 *
 * Conventions (docs/architecture.md): every fallible function returns 0 or a negative
 * error (-errno, or a vantage code <= -1000 listed below); DNS and CAA outcomes
 * are never errors, they are data (decision, reason, rcode, DNSSEC state).
 * Handles are opaque. The header compiles as C and as C++.
 */
#ifndef VANTAGE_H
#define VANTAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VTG_VERSION_MAJOR 0
#define VTG_VERSION_MINOR 4
#define VTG_VERSION_PATCH 0
#define VTG_VERSION_STRING "0.4.0"
/* Compare with VTG_VERSION_NUMBER >= VTG_MAKE_VERSION(0, 1, 0). */
#define VTG_MAKE_VERSION(a, b, c) (((a) << 16) | ((b) << 8) | (c))
#define VTG_VERSION_NUMBER \
	VTG_MAKE_VERSION(VTG_VERSION_MAJOR, VTG_VERSION_MINOR, VTG_VERSION_PATCH)

#if defined(__GNUC__)
#define VTG_API __attribute__((visibility("default")))
#else
#define VTG_API
#endif

/*
 * Error space: 0 ok, -errno for system errors, vantage's own codes from -1000
 * down. Each code is distinct so a caller (and a test) can tell exactly which
 * rule an input broke.
 */
enum vtg_error {
	VTG_OK = 0,
	VTG_ERROR_BASE = -1000,

	/* DNS wire format (RFC 1035 section 4) */
	VTG_EWIRE_TRUNC = -1000,      /* message ends inside a field */
	VTG_EWIRE_PTR_LOOP = -1001,   /* compression pointers form a loop */
	VTG_EWIRE_PTR_FWD = -1002,    /* pointer not strictly backwards */
	VTG_EWIRE_LABEL_LEN = -1003,  /* label over 63 octets */
	VTG_EWIRE_NAME_LEN = -1004,   /* name over 255 octets */
	VTG_EWIRE_LABEL_TYPE = -1005, /* 0x40 / 0x80 label types (RFC 6891) */
	VTG_EWIRE_RDLEN = -1006,      /* RDLENGTH runs past the message end */
	VTG_EWIRE_COUNT = -1007,      /* a section count claims more records */
	VTG_EWIRE_TRAILING = -1008,   /* bytes after the last counted record */
	VTG_EWIRE_QDCOUNT = -1009,    /* response question count is not 1 */
	VTG_EWIRE_SPACE = -1010,      /* output buffer too small */
	VTG_EWIRE_NAME_SYNTAX = -1011,/* presentation name cannot be encoded */
	VTG_EWIRE_OPT = -1012,        /* malformed or misplaced OPT record */
	VTG_EWIRE_RDATA = -1013,      /* RDATA shorter than its type needs */
	VTG_EWIRE_HEADER = -1014,     /* message shorter than the 12-octet header */

	/* CAA RDATA (RFC 8659 section 4.1) */
	VTG_ECAA_SHORT = -1100,       /* RDATA shorter than flags + tag length */
	VTG_ECAA_TAG_EMPTY = -1101,   /* tag length 0 */
	VTG_ECAA_TAG_OVER = -1102,    /* tag length past the RDATA end */
	VTG_ECAA_VALUE = -1103,       /* issue value breaks the section 4.2 grammar */

	/* Input names (RFC 1035, RFC 5890; BR 7.1.2.7.12) */
	VTG_ENAME_EMPTY = -1200,
	VTG_ENAME_EMPTY_LABEL = -1201,
	VTG_ENAME_LABEL_LEN = -1202,
	VTG_ENAME_TOO_LONG = -1203,
	VTG_ENAME_CHAR = -1204,       /* not LDH after A-label conversion */
	VTG_ENAME_WILDCARD = -1205,   /* '*' other than one leftmost label */
	VTG_ENAME_IDNA = -1206,       /* U-label to A-label conversion failed */
	VTG_ENAME_HYPHEN = -1207,     /* label starts or ends with '-' */
	VTG_ENAME_UTF8 = -1208,       /* input is not valid UTF-8 */

	/* Zone files and configuration */
	VTG_EZONE_PARSE = -1300,
	VTG_EZONE_NOSOA = -1301,
	VTG_ECONFIG = -1302,

	/* Lookups */
	VTG_ELOOKUP_LIMIT = -1400,    /* chain or work limit hit */

	/* DNS-based domain control validation requests (BR 3.2.2.4) */
	VTG_EDCV_LABEL = -1500,       /* label not "_" + LDH/underscore, or not allowed */
	VTG_EDCV_REQUEST = -1501,     /* a field the method needs is missing or too long */
	VTG_EDCV_METHOD = -1502,      /* unknown DCV method */
	VTG_EDCV_TARGET = -1503,      /* reverse-lookup: target not an IP literal */

	/* Web validation URLs and targets (http-01, website-change,
	 * tls-alpn-01; BR 3.2.2.4.18-.20, RFC 8555 8.3, RFC 8737) */
	VTG_EWEB_URL = -1600,         /* not a URL (libcurl refuses it) */
	VTG_EWEB_SCHEME = -1601,      /* scheme other than http / https */
	VTG_EWEB_USERINFO = -1602,    /* user name or password in the URL */
	VTG_EWEB_HOST = -1603,        /* host empty, not ASCII, percent-encoded,
				       * written in a form URL parsers disagree on,
				       * or neither a host name nor an IP literal */
	VTG_EWEB_PORT = -1604,        /* port 0, over 65535 or not digits */
	VTG_EWEB_TOO_LONG = -1605,    /* URL longer than VTG_WEB_URL_MAX - 1 */
	VTG_EWEB_LOCATION = -1606,    /* Location empty or with octets outside
				       * printable ASCII (controls, CR/LF, NUL,
				       * space, backslash, non-ASCII) */
	VTG_EWEB_TOKEN = -1607,       /* key authorization is not token.thumbprint
				       * in base64url (RFC 8555 8.1) */
	VTG_EWEB_FILE = -1608,        /* website-change file name not one safe
				       * path segment */
	VTG_EWEB_TARGET = -1609,      /* target neither an LDH host name nor an
				       * IPv4 / IPv6 literal */

	/* open-mpic JSON API requests (mpic/openmpic.h) */
	VTG_EOM_JSON = -1700,         /* not one JSON object (syntax, trailing
				       * data, NUL, duplicate key) */
	VTG_EOM_TOO_BIG = -1701,      /* body longer than VTG_OM_BODY_MAX */
	VTG_EOM_DEPTH = -1702,        /* nested deeper than VTG_OM_DEPTH_MAX */
	VTG_EOM_FIELD = -1703,        /* a required field is missing */
	VTG_EOM_TYPE = -1704,         /* a field has the wrong JSON type */
	VTG_EOM_VALUE = -1705,        /* a value the API does not allow */
	VTG_EOM_LONG = -1706,         /* a string or list over its limit */
	VTG_EOM_TARGET = -1707,       /* domain_or_ip_target neither a name nor
				       * an IP literal */
	VTG_EOM_METHOD = -1708,       /* unknown validation_method */
	VTG_EOM_UNSUPPORTED = -1709,  /* an open-mpic method or parameter
				       * vantage cannot run */
};

/* The text for any error this library returns (never NULL). */
VTG_API const char *vtg_strerror(int err);

/* Library version at run time, "MAJOR.MINOR.PATCH". */
VTG_API const char *vtg_version(void);

/* DNSSEC status of an answer (RFC 4033 section 5, RFC 4035 section 4.3). */
enum vtg_dnssec {
	VTG_DNSSEC_SECURE = 0,
	VTG_DNSSEC_INSECURE,
	VTG_DNSSEC_BOGUS,
	VTG_DNSSEC_INDETERMINATE,
};
VTG_API const char *vtg_dnssec_str(enum vtg_dnssec s);

/* Why a CAA decision came out as it did (docs/rules.md section 0). */
enum vtg_caa_reason {
	VTG_CAA_NO_CAA = 0,          /* permit: no relevant RRset */
	VTG_CAA_NO_RESTRICTION,      /* permit: relevant set restricts nothing */
	VTG_CAA_AUTHORIZED,          /* permit: an issue/issuewild names the CA */
	VTG_CAA_NOT_AUTHORIZED,      /* deny */
	VTG_CAA_CRITICAL_UNKNOWN,    /* deny: unknown tag with the critical flag */
	VTG_CAA_LOOKUP_FAILURE,      /* deny: BR 3.2.2.8 */
	VTG_CAA_DNSSEC_BOGUS,        /* deny */
	VTG_CAA_FAILURE_PERMITTED,   /* permit: BR 3.2.2.8 exception, proven insecure */
	VTG_CAA_INVALID_NAME,        /* deny: the input is not a valid name */
	VTG_CAA_NOT_CORROBORATED,    /* deny: BR 3.2.2.9 quorum not met */
};
VTG_API const char *vtg_caa_reason_str(enum vtg_caa_reason r);
/* Nonzero when the reason permits issuance. */
VTG_API int vtg_caa_reason_permits(enum vtg_caa_reason r);


/* ------------------------------------------------------------------------
 * The embeddable engine: CAA checks, DNS domain-control checks and plain
 * DNS queries (any type, DNSSEC-validated where a perspective validates),
 * each run on the primary perspective and every remote one at once and,
 * for CAA and DCV, corroborated under BR 3.2.2.9, through the same io_uring
 * workers as the `vantage` command. One engine serves every kind: each
 * submit names its check.
 *
 * Threading contract: every function below is called by one thread at a
 * time (the owner). The engine runs its own worker threads (one io_uring
 * ring each). A check completes exactly once: through vtg_poll, or, when
 * on_complete is set, through that callback, called on a worker thread as
 * the check's last perspective result arrives (it must not block and must
 * not call back into the engine; the completion is valid during the call).
 * In callback mode vtg_poll(e, NULL, 0, ms) recycles finished checks
 * (vtg_submit and vtg_submit_check need a free entry; they also recycle by
 * themselves when none is free), delivers cancelled checks through the
 * callback on the calling thread, and returns how many it handled.
 * In poll mode the entries of the completions one vtg_poll returned are
 * reused from the next vtg_poll on (their pointers stay valid until then):
 * after a poll that emptied a full window, vtg_submit says -EAGAIN until
 * vtg_poll is called again (vtg_poll(e, out, max, 0) returns at once).
 * Nothing here is global: any number of engines may live in one process.
 *
 * Event loops: vtg_engine_fd() is a descriptor that becomes readable when
 * completions are ready (like libunbound's ub_fd); on readable, call
 * vtg_poll(e, out, max, 0). It stays readable while completions remain.
 * ------------------------------------------------------------------------ */

struct vtg_engine;

enum vtg_check_kind {
	VTG_CHECK_CAA = 0, /* RFC 8659 / BR 3.2.2.8 */
	VTG_CHECK_DCV,     /* BR 3.2.2.4 over DNS */
	VTG_CHECK_QUERY,   /* one DNS query: any type, class IN */
};

enum vtg_mode {
	VTG_MODE_DEFAULT = 0,  /* enforce with a config; off with one resolver */
	VTG_MODE_ENFORCE,      /* non-corroboration denies (BR since 2025-09-15) */
	VTG_MODE_REPORT_ONLY,  /* the primary decides; disagreement reported */
	VTG_MODE_OFF,          /* single perspective, nothing corroborated */
};

struct vtg_completion;
typedef void (*vtg_complete_fn)(void *ud, const struct vtg_completion *c);

struct vtg_options {
	/* perspectives: one of these three */
	const char *config_path;   /* a perspectives file (README "Configuration") */
	const char *config_text;   /* the same format, in memory */
	const char *resolver;      /* one stub perspective, "ADDR[:PORT]" */

	enum vtg_check_kind kind;  /* what vtg_submit() runs */
	const char *const *ca_domains; /* the CA's issuer domain names (CAA,
				    * persist); a CAA check may give its own */
	size_t n_ca_domains;
	const char *account_uri;   /* RFC 8657 accounturi; dns-account-01, persist */
	const char *validation_method; /* RFC 8657 validationmethods (CAA) */
	const char *dcv_method;    /* DCV default: "dns-01", "dns-account-01",
				    * "dns-change", "cname", "persist",
				    * "contact-email", "contact-phone",
				    * "reverse-lookup", "http-01",
				    * "website-change", "tls-alpn-01" */
	const char *dcv_label;     /* dns-change / cname: "_label" or NULL */
	const char *dcv_http_path; /* website-change: the file name under
				    * /.well-known/pki-validation/ */
	int dcv_https;             /* website-change: fetch with https (0: http) */
	uint16_t qtype;            /* what vtg_submit() asks for a QUERY engine */
	enum vtg_mode mode;        /* corroboration of CAA and DCV; the perspective
				    * set is checked against it whatever the kind
				    * (a query-only engine on one perspective of a
				    * config file: VTG_MODE_OFF) */
	int min_remotes;           /* < 0: the BR minimum at the current date */
	int lookup_failure_exception; /* BR 3.2.2.8 exception (off by default) */
	unsigned workers;          /* 0: the config's, else one per core */
	unsigned window;           /* checks in flight; 0: default */
	unsigned timeout_ms, retries; /* 0: the config's / defaults */
	vtg_complete_fn on_complete; /* optional (see the contract above) */
	void *on_complete_ud;
	/* 0.4 (appended, so that the fields above keep their places) */
	unsigned quorum;           /* remote perspectives that must corroborate
				    * a check; 0: the config's `quorum`, else the
				    * BR 3.2.2.9 table (all but 1 of 2..5 remotes,
				    * all but 2 of 6 or more). Lower than the
				    * table or above the remotes: VTG_ECONFIG */
};

/* One check for vtg_submit_check(). The strings are copied at submit. */
struct vtg_check {
	enum vtg_check_kind kind;
	const char *name;          /* presentation form; U-labels allowed for CAA and
				    * DCV (converted to A-labels); a QUERY name is
				    * taken as it is (an unencodable one completes
				    * as VTG_REASON_INVALID_NAME); DCV
				    * reverse-lookup: an IPv4 or IPv6 literal (not
				    * one: VTG_REASON_DCV_INVALID) */
	/* CAA: the CA's issuer domain names for this check; NULL: the engine's */
	const char *const *ca_domains;
	size_t n_ca_domains;
	/* DCV: method (NULL: the engine's), expected value (NULL where the
	 * method takes none or, for reverse-lookup, to accept any PTR name),
	 * label for dns-change / cname (NULL: the engine's) */
	const char *dcv_method;
	const char *expect;
	const char *dcv_label;
	const char *dcv_http_path; /* website-change (NULL: the engine's) */
	/* 0.4: what open-mpic's perspective API asks per check (vantage agent) */
	const char *account_uri;   /* persist / dns-account-01 (NULL: the engine's);
				    * persist's issuer names are ca_domains */
	int dcv_scheme;            /* website-change: 0 the engine's, 1 http, 2 https */
	/* 0.4: the perspectives this check runs on, by their index in the
	 * perspectives file (bit i: the i-th section; the primary, bit 0, always
	 * runs), 0: all; and how many of its remotes must corroborate (0: the
	 * engine's rule). An MPIC coordinator's cohort and quorum_count, on one
	 * engine (vantage serve). A quorum below the BR 3.2.2.9 table or above
	 * the check's remotes: -EINVAL. */
	uint32_t perspectives;
	unsigned quorum;
	int expect_is_digest;      /* tls-alpn-01: expect is SHA-256 of the key
				    * authorization in hex (64 digits, open-mpic's
				    * key_authorization_hash), not the key
				    * authorization itself */
	/* QUERY: the type, by number (1 A, 28 AAAA, 257 CAA, ...) */
	uint16_t qtype;
};

/* Why a check came out as it did: the code the JSON line's "reason" starts
 * with. CAA checks use the enum vtg_caa_reason values (0..99). */
enum vtg_reason {
	/* DCV (BR 3.2.2.4) */
	VTG_REASON_DCV_PASS = 100,
	VTG_REASON_DCV_NO_RECORD,      /* NXDOMAIN, or no record of the type */
	VTG_REASON_DCV_MISMATCH,       /* records present, none carries the value */
	VTG_REASON_DCV_LOOKUP_FAILURE,
	VTG_REASON_DCV_DNSSEC_BOGUS,
	VTG_REASON_DCV_NOT_CORROBORATED, /* BR 3.2.2.9 quorum not met */
	VTG_REASON_DCV_INVALID,        /* the name or the request is invalid */
	/* DCV over HTTP / TLS (http-01, website-change, tls-alpn-01) */
	VTG_REASON_DCV_HTTP_STATUS = 120, /* final status not 2xx */
	VTG_REASON_DCV_REDIRECT_REFUSED, /* status, scheme, port or URL not allowed */
	VTG_REASON_DCV_TOO_MANY_REDIRECTS, /* more than 10 */
	VTG_REASON_DCV_BODY_TOO_LARGE,
	VTG_REASON_DCV_CONNECT_FAILURE,
	VTG_REASON_DCV_TLS_FAILURE,
	VTG_REASON_DCV_ALPN_REFUSED,   /* tls-alpn-01: acme-tls/1 not negotiated */
	VTG_REASON_DCV_BAD_CERTIFICATE,/* tls-alpn-01: SAN / acmeIdentifier wrong */
	VTG_REASON_DCV_TIMEOUT,
	VTG_REASON_DCV_NO_ADDRESS,     /* the name has no A / AAAA */
	/* QUERY */
	VTG_REASON_ANSWERED = 200,     /* a response came back (any rcode) */
	VTG_REASON_QUERY_FAILED,       /* no usable response: see failure */
	VTG_REASON_INVALID_NAME,       /* the name cannot be encoded */
	/* any kind */
	VTG_REASON_CANCELLED = 300,    /* withdrawn by vtg_cancel() */
};
/* The text of any reason code, CAA's included ("authorized", "pass",
 * "no-record", "answered", "cancelled", ...). */
VTG_API const char *vtg_reason_str(int reason);

#define VTG_RCODE_NO_RESPONSE 0xffff  /* no response was received */

/* A resource record of a query's answer (stub: the response's answer
 * section, CNAMEs and signatures included; iterative: the RRset of the
 * type at the end of the alias chain). */
struct vtg_record {
	const char *owner;         /* presentation form, trailing dot */
	uint16_t type, rclass;
	uint32_t ttl;
	const uint8_t *rdata;      /* wire form, names uncompressed */
	uint16_t rdlen;
	const char *text;          /* the whole record in presentation form */
};

/* One perspective's part of a check. */
struct vtg_persp_result {
	const char *id;            /* the perspective's id in the configuration */
	const char *rir;           /* its RIR, or "" */
	int primary;               /* 1 for the primary perspective */
	int answered;              /* a result was obtained (no lookup failure) */
	int positive;              /* CAA permits / DCV passed / query answered */
	int corroborates;          /* remote: counts for the quorum; -1 primary */
	enum vtg_dnssec dnssec;
	unsigned rcode;            /* last rcode seen, or VTG_RCODE_NO_RESPONSE */
	const char *failure;       /* "timeout", "servfail", ... or NULL */
	const char *reason;        /* this perspective's reason text; "cancelled"
				    * when the check was decided without it (early
				    * decision: answered, positive, corroborates
				    * 0; its evidence is {"cancelled": true}) */
	double latency_ms;
};

/* A finished check. Pointers are valid until the next vtg_poll (or during
 * the callback). */
struct vtg_completion {
	void *user;                /* as given to vtg_submit / vtg_submit_check */
	uint64_t id;               /* as vtg_submit_check returned */
	enum vtg_check_kind kind;
	const char *name;          /* the name as submitted */
	int positive;              /* CAA: issuance permitted; DCV: passed (after
				    * corroboration in enforce mode); QUERY: the
				    * primary got a response */
	const char *reason;        /* "authorized", "not-authorized: ...",
				    * "not-corroborated: 3/5 corroborated, 4 needed",
				    * "pass", "mismatch: ...", "answered", ... */
	int reason_code;           /* enum vtg_caa_reason or enum vtg_reason */
	enum vtg_dnssec dnssec;    /* the primary's; indeterminate without a response */
	const char *why_bogus;     /* with VTG_DNSSEC_BOGUS, else NULL */
	int corroborated;          /* 1, 0, or -1 (nothing to corroborate / off;
				    * always -1 for QUERY) */
	unsigned quorum_k, quorum_n; /* corroborating remotes of n asked (0/0
				    * for QUERY, which is never corroborated) */
	const struct vtg_persp_result *perspectives; /* [0] = the primary */
	unsigned n_perspectives;
	/* QUERY (the primary's answer; rcode also for CAA and DCV) */
	unsigned rcode;            /* VTG_RCODE_NO_RESPONSE when no response */
	const char *failure;       /* "timeout", ... or NULL */
	const char *server;        /* "ADDR:PORT" of the server that gave the
				    * primary's (last) answer: the upstream resolver
				    * (stub), the authoritative server (iterative);
				    * NULL when none answered */
	const struct vtg_record *records; /* QUERY only; CAA and DCV keep their
				    * records in json */
	unsigned n_records;
	const char *json;          /* the whole evidence as one JSON object, the
				    * line `vantage caa|dcv|query` writes */
	size_t json_len;
};

/* Make an engine and start its workers. *out is NULL on failure.
 * timeout_ms / retries of 0 keep the configuration's values (a config file
 * may set retries = 0). 0, or a negative error with the
 * reason in err: -EINVAL (options contradict), VTG_ECONFIG (configuration
 * or perspective set refused, a perspective cannot be set up),
 * VTG_EDCV_METHOD / VTG_EDCV_REQUEST / VTG_EDCV_LABEL (DCV defaults),
 * -ENOMEM. */
VTG_API int vtg_engine_new(struct vtg_engine **out, const struct vtg_options *opt,
			   char *err, size_t errcap);
/* Queue one check. 0 with *id set (when id is not NULL): exactly one
 * completion follows. -EAGAIN: every entry is in flight or unreaped (poll,
 * then retry). -EINVAL: no name, unknown kind, qtype 0 for a query, a CAA
 * check with no CA domain names. VTG_EDCV_METHOD: unknown DCV method, or
 * none given by the check or the engine.
 * -ENOMEM. An invalid name is not an error: it completes as invalid. */
VTG_API int vtg_submit_check(struct vtg_engine *e, const struct vtg_check *chk, void *user,
			     uint64_t *id);
/* The options' kind for name (DCV: with its expected value, or NULL where
 * the method takes none; QUERY: the options' qtype). As vtg_submit_check. */
VTG_API int vtg_submit(struct vtg_engine *e, const char *name, const char *expect,
		       void *user);
/* Withdraw a submitted check. 0: it completes exactly once, as cancelled
 * (reason VTG_REASON_CANCELLED, positive 0), from the next vtg_poll (the
 * fd turns readable); the lookups already sent run out in the workers and
 * are ignored. -ENOENT: no such check in flight (it may have finished: its
 * completion is delivered as usual). -EALREADY: cancelled before (until
 * its entry is reused by a later submit). */
VTG_API int vtg_cancel(struct vtg_engine *e, uint64_t id);
/* Up to max finished checks into out, waiting up to timeout_ms (-1: until
 * one is ready, 0: not at all). Returns the count, or a negative error
 * (-errno of a failed worker ring). */
VTG_API int vtg_poll(struct vtg_engine *e, struct vtg_completion *out, unsigned max,
		     int timeout_ms);
/* Readable while completions are ready (see above); owned by the engine. */
VTG_API int vtg_engine_fd(const struct vtg_engine *e);
/* Checks submitted and not yet completed (poll mode: returned by vtg_poll;
 * callback mode: called back, or delivered as cancelled). */
VTG_API unsigned vtg_pending(const struct vtg_engine *e);
/* Stop the workers (in-flight checks are abandoned) and free everything. */
VTG_API void vtg_engine_free(struct vtg_engine *e);

#ifdef __cplusplus
}
#endif
#endif /* VANTAGE_H */
