/*
 * replay.c — drives the iterative resolver (resolver/iter.c) through a
 * scripted scenario, with no socket and a virtual clock (the model is
 * Unbound's testbound and its testdata/ .rpl files).
 *
 * The script (format in tests/replay/README.md) declares the root hints, an
 * optional trust anchor, and ENTRY blocks that say what the network does
 * with a query matched by (server address, qname, qtype): an answer built
 * from zone-file lines with ldns, a timeout (virtual time advances by the
 * scenario's query timeout), or a transport failure. Steps start lookups,
 * run them to completion, move the clock, and check the outcome handed to
 * the done callback, the queries sent and the resolver's counters; a DCV
 * step makes a method's query (caa/dcv.h) and checks its answer too.
 *
 * Invariants checked on every run, whatever the script says: every lookup
 * started completes exactly once, no query is left without a response, and
 * a run sends at most RUN_QUERY_MAX queries. Any mismatch exits 1 with
 * "file:line: message"; CPU time per run (getrusage) is printed, never
 * asserted.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <ldns/ldns.h>

#include "caa/dcv.h"
#include "resolver/dnssec.h"
#include "resolver/iter.h"
#include "resolver/lookup.h"
#include "resolver/wire.h"

/* A run that sends more than this is a runaway (the resolver's own limits
 * are far below: VTG_ITER_WORK_MAX per lookup). */
#define RUN_QUERY_MAX 100000u
/* Nesting of INCLUDE files: enough for a shared zone file and no loops. */
#define INCLUDE_DEPTH_MAX 8
/* Default virtual start: 2026-06-01 00:00:00 UTC, inside the validity
 * window the DNSSEC fixtures were signed with (README). */
#define START_DEFAULT_S 1780272000ull
/* A timed-out query costs this much virtual time, all tries included
 * (the engine's default: 800 ms, then 1600 ms). */
#define TIMEOUT_MS_DEFAULT 2400u
#define LATENCY_MS_DEFAULT 10u
#define PERSP_MAX 8

/* ------------------------------------------------------------- script */

struct line {
	const char *file;
	unsigned no;
	char *text; /* comment stripped, trimmed */
};

static struct line *lines;
static size_t n_lines, cap_lines;
static char *files[64]; /* names of the files read, freed at the end */
static size_t n_files;

__attribute__((format(printf, 2, 3), noreturn)) static void die(const struct line *at,
								 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (at)
		fprintf(stderr, "%s:%u: ", at->file, at->no);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		die(NULL, "out of memory");
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die(NULL, "out of memory");
	return q;
}

/* Strip a ';' comment outside double quotes, and surrounding blanks. */
static char *clean(char *s)
{
	bool q = false;
	for (char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			q = !q;
		else if (*p == ';' && !q) {
			*p = 0;
			break;
		}
	}
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

static void load_file(const char *path, const struct line *from, int depth)
{
	if (depth > INCLUDE_DEPTH_MAX)
		die(from, "INCLUDE nested too deep");
	FILE *f = fopen(path, "r");
	if (!f)
		die(from, "cannot open %s: %s", path, strerror(errno));
	char *fname = xstrdup(path);
	if (n_files < sizeof(files) / sizeof(files[0]))
		files[n_files++] = fname;
	char buf[8192];
	unsigned no = 0;
	while (fgets(buf, sizeof(buf), f)) {
		no++;
		if (buf[0] == '#')
			continue;
		char *t = clean(buf);
		if (!*t)
			continue;
		if (strncmp(t, "INCLUDE", 7) == 0 && isspace((unsigned char)t[7])) {
			struct line at = {fname, no, t};
			char *arg = clean(t + 7);
			char sub[4096];
			if (arg[0] == '/') {
				snprintf(sub, sizeof(sub), "%s", arg);
			} else {
				const char *slash = strrchr(fname, '/');
				int dl = slash ? (int)(slash - fname) : 1;
				snprintf(sub, sizeof(sub), "%.*s/%s", dl, slash ? fname : ".", arg);
			}
			load_file(sub, &at, depth + 1);
			continue;
		}
		if (n_lines == cap_lines) {
			cap_lines = cap_lines ? 2 * cap_lines : 256;
			lines = xrealloc(lines, cap_lines * sizeof(*lines));
		}
		lines[n_lines++] = (struct line){fname, no, xstrdup(t)};
	}
	fclose(f);
}

/* Split into at most max blank-separated words (in place). */
static int words(char *s, char **w, int max)
{
	int n = 0;
	while (*s && n < max) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		w[n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = 0;
	}
	return n;
}

/* ------------------------------------------------------------ network */

enum fate { F_REPLY, F_TIMEOUT, F_FAIL };

struct entry {
	const struct line *at;
	char label[64];
	bool any_server;
	struct sockaddr_storage server;
	/* qname: any, exact, or the zone and below (pattern "*.zone.") */
	enum { QN_ANY, QN_EXACT, QN_BELOW } qmode;
	uint8_t qname[VTG_DNS_MAX_NAME];
	bool any_type;
	uint16_t qtype;
	unsigned times; /* usable this often; 0: always */
	unsigned used;
	enum fate fate;
	enum vtg_lookup_fail fail;
	uint16_t flags; /* AA TC RD RA AD CD */
	unsigned rcode;
	const struct line **sec[3];
	size_t nsec[3];
};

static struct entry **entries;
static size_t n_entries;

struct query {
	unsigned persp;
	struct sockaddr_storage dst;
	char dst_text[INET6_ADDRSTRLEN + 8];
	uint8_t qname[VTG_DNS_MAX_NAME];
	char qname_text[VTG_DNS_MAX_TEXT + 2];
	uint16_t qtype;
	uint8_t tries;
	uint64_t token;
	unsigned tx; /* transmissions reported */
	const struct entry *e;
};

static struct query *queries;
static size_t n_queries, cap_queries, q_next; /* q_next: first without a response */

/* ---------------------------------------------------------- the state */

struct result {
	const struct line *at;
	char name[VTG_DNS_MAX_TEXT + 2];
	uint16_t qtype;
	unsigned persp;
	unsigned done;
	enum vtg_lookup_fail fail;
	unsigned rcode;
	enum vtg_dnssec dnssec;
	enum vtg_dnssec zone_dnssec;
	char why[64];
	bool weak;
	unsigned tries, chain_len;
	bool has_proof;
	struct vtg_insecure_proof proof;
	bool has_target;
	char target[VTG_DNS_MAX_TEXT + 2];
	bool has_server;
	struct sockaddr_storage server;
	size_t n_rrs;
	uint8_t **rr;
	uint16_t *rr_len;
	uint32_t *rr_ttl;
	/* a DCV statement's lookup: the request, and the check of the answer
	 * (caa/dcv.h) made in the done callback */
	bool is_dcv;
	struct vtg_dcv_request dcv;
	char dcv_expect[VTG_DCV_VALUE_MAX + 1];
	struct vtg_dcv_result dcv_res;
};

static struct result *results;
static size_t n_results, cap_results, cur_result = SIZE_MAX;

static struct {
	uint64_t start_ms, now_ms; /* virtual: start + elapsed */
	unsigned timeout_ms, latency_ms, n_persp;
	struct vtg_iter_hints hints;
	struct vtg_dv_keys *anchor;
	struct vtg_iter_cfg cfg;
	struct vtg_iter *it;
	/* the last run (window) */
	size_t win_q0, win_q1;
	uint64_t win_t0, win_t1;
	struct vtg_iter_stats st0[PERSP_MAX], st1[PERSP_MAX];
	size_t pending_first; /* first result not yet run */
} S;

static const char *script;

static uint64_t vclock(void *ctx)
{
	(void)ctx;
	return S.start_ms + S.now_ms;
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	uint16_t port;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	}
	if (port == 53 || port == 0)
		snprintf(out, cap, "%s", a);
	else
		snprintf(out, cap, "%s#%u", a, port);
}

/* "ADDR" or "ADDR#PORT" (port 53 by default). */
static bool parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char a[INET6_ADDRSTRLEN + 8];
	snprintf(a, sizeof(a), "%s", s);
	unsigned port = 53;
	char *h = strchr(a, '#');
	if (h) {
		*h = 0;
		port = (unsigned)strtoul(h + 1, NULL, 10);
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return true;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return true;
	}
	return false;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0 && x->sin6_port == y->sin6_port;
}

static void name_wire(const struct line *at, const char *text, uint8_t *out)
{
	if (vtg__name_from_text(out, text, strlen(text)) <= 0)
		die(at, "bad domain name '%s'", text);
}

static uint16_t type_of(const struct line *at, const char *s)
{
	ldns_rr_type t = ldns_get_rr_type_by_name(s);
	if (t == 0) {
		if (strncasecmp(s, "TYPE", 4) == 0 && isdigit((unsigned char)s[4]))
			return (uint16_t)strtoul(s + 4, NULL, 10);
		die(at, "unknown RR type '%s'", s);
	}
	return (uint16_t)t;
}

static const char *type_text(uint16_t t)
{
	static char buf[4][16];
	static int k;
	k = (k + 1) % 4;
	return vtg__type_str(t, buf[k], sizeof(buf[k]));
}

/* Failure names: the enum's, lower case (stable whatever the presentation
 * strings of vtg__lookup_fail_str become). */
static const struct {
	const char *name;
	enum vtg_lookup_fail f;
} FAILS[] = {
	{"none", VTG_FAIL_NONE},
	{"timeout", VTG_FAIL_TIMEOUT},
	{"servfail", VTG_FAIL_SERVFAIL},
	{"refused", VTG_FAIL_REFUSED},
	{"notimp", VTG_FAIL_NOTIMP},
	{"formerr", VTG_FAIL_FORMERR},
	{"rcode", VTG_FAIL_RCODE},
	{"malformed", VTG_FAIL_MALFORMED},
	{"truncated", VTG_FAIL_TRUNCATED},
	{"cname_loop", VTG_FAIL_CNAME_LOOP},
	{"chain_limit", VTG_FAIL_CHAIN_LIMIT},
	{"referral_limit", VTG_FAIL_REFERRAL_LIMIT},
	{"work_limit", VTG_FAIL_WORK_LIMIT},
	{"tld_nxdomain", VTG_FAIL_TLD_NXDOMAIN},
	{"local", VTG_FAIL_LOCAL},
	{"truncated_tcp", VTG_FAIL_TRUNCATED_TCP},
	{"deadline", VTG_FAIL_DEADLINE},
	{"no_nameserver", VTG_FAIL_NO_NAMESERVER},
	{"ns_cycle", VTG_FAIL_NS_CYCLE},
	{"unreachable", VTG_FAIL_UNREACHABLE},
	{"unreachable_host", VTG_FAIL_UNREACHABLE_HOST},
	{"unreachable_net", VTG_FAIL_UNREACHABLE_NET},
};

static bool fail_of(const char *s, enum vtg_lookup_fail *f)
{
	for (size_t i = 0; i < sizeof(FAILS) / sizeof(FAILS[0]); i++)
		if (strcasecmp(s, FAILS[i].name) == 0) {
			*f = FAILS[i].f;
			return true;
		}
	return false;
}

static const char *fail_name(enum vtg_lookup_fail f)
{
	for (size_t i = 0; i < sizeof(FAILS) / sizeof(FAILS[0]); i++)
		if (FAILS[i].f == f)
			return FAILS[i].name;
	return "unknown";
}

static int rcode_of(const char *s)
{
	static const char *const R[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					"NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
					"NXRRSET", "NOTAUTH", "NOTZONE"};
	for (int i = 0; i < (int)(sizeof(R) / sizeof(R[0])); i++)
		if (strcasecmp(s, R[i]) == 0)
			return i;
	if (strncasecmp(s, "RCODE", 5) == 0 && isdigit((unsigned char)s[5]))
		return atoi(s + 5);
	return -1;
}

static const char *dnssec_name(enum vtg_dnssec d)
{
	switch (d) {
	case VTG_DNSSEC_SECURE: return "secure";
	case VTG_DNSSEC_INSECURE: return "insecure";
	case VTG_DNSSEC_BOGUS: return "bogus";
	case VTG_DNSSEC_INDETERMINATE: return "indeterminate";
	}
	return "unknown";
}

/* Replace every "{qname}" in src by the query's name. */
static void subst(const char *src, const char *qname, char *out, size_t cap)
{
	size_t o = 0;
	for (const char *p = src; *p && o + 1 < cap;) {
		if (strncmp(p, "{qname}", 7) == 0) {
			o += (size_t)snprintf(out + o, cap - o, "%s", qname);
			p += 7;
		} else {
			out[o++] = *p++;
		}
	}
	out[o < cap ? o : cap - 1] = 0;
}

static ldns_rr *rr_parse(const struct line *at, const char *text, const char *qname)
{
	char buf[16384];
	subst(text, qname, buf, sizeof(buf));
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, buf, 3600, NULL, NULL);
	if (st != LDNS_STATUS_OK)
		die(at, "RR does not parse (%s): %s", ldns_get_errorstr_by_id(st), buf);
	return rr;
}

/* --------------------------------------------------------- transport */

static int on_send(void *tctx, const struct vtg_iter_query *q)
{
	(void)tctx;
	if (n_queries == cap_queries) {
		cap_queries = cap_queries ? 2 * cap_queries : 1024;
		queries = xrealloc(queries, cap_queries * sizeof(*queries));
	}
	struct query *r = &queries[n_queries++];
	memset(r, 0, sizeof(*r));
	r->persp = q->persp;
	r->dst = *q->dst;
	addr_text(q->dst, r->dst_text, sizeof(r->dst_text));
	memcpy(r->qname, q->qname, vtg__name_len(q->qname));
	vtg__name_to_text(q->qname, r->qname_text, sizeof(r->qname_text), false);
	r->qtype = q->qtype;
	r->tries = q->tries ? q->tries : 1;
	r->token = q->token;
	return 0;
}

static bool entry_matches(const struct entry *e, const struct query *q)
{
	if (e->times && e->used >= e->times)
		return false;
	if (!e->any_server && !same_addr(&e->server, &q->dst))
		return false;
	if (!e->any_type && e->qtype != q->qtype)
		return false;
	switch (e->qmode) {
	case QN_ANY: return true;
	case QN_EXACT: return vtg__name_equal(e->qname, q->qname);
	case QN_BELOW:
		return vtg__name_is_sub(q->qname, e->qname);
	}
	return false;
}

static void respond(const struct line *at, struct query *q)
{
	struct entry *e = NULL;
	for (size_t i = 0; i < n_entries && !e; i++)
		if (entry_matches(entries[i], q))
			e = entries[i];
	if (!e)
		die(at, "no ENTRY matches query #%zu: %s %s %s", (size_t)(q - queries) + 1,
		    q->dst_text, q->qname_text, type_text(q->qtype));
	e->used++;
	q->e = e;
	if (e->fate == F_TIMEOUT) {
		q->tx = q->tries;
		S.now_ms += S.timeout_ms;
		vtg__iter_response(S.it, q->token, VTG_FAIL_TIMEOUT, NULL, q->tries,
				   (double)S.timeout_ms);
		return;
	}
	q->tx = 1;
	S.now_ms += S.latency_ms;
	if (e->fate == F_FAIL) {
		vtg__iter_response(S.it, q->token, e->fail, NULL, 1, (double)S.latency_ms);
		return;
	}
	ldns_pkt *p = ldns_pkt_new();
	if (!p)
		die(NULL, "out of memory");
	ldns_pkt_set_id(p, (uint16_t)(q - queries));
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, (e->flags & VTG_FLAG_AA) != 0);
	ldns_pkt_set_tc(p, (e->flags & VTG_FLAG_TC) != 0);
	ldns_pkt_set_rd(p, (e->flags & VTG_FLAG_RD) != 0);
	ldns_pkt_set_ra(p, (e->flags & VTG_FLAG_RA) != 0);
	ldns_pkt_set_ad(p, (e->flags & VTG_FLAG_AD) != 0);
	ldns_pkt_set_cd(p, (e->flags & VTG_FLAG_CD) != 0);
	ldns_pkt_set_rcode(p, (uint8_t)e->rcode);
	ldns_rr *qr = ldns_rr_new();
	ldns_rr_set_owner(qr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME,
						    vtg__name_len(q->qname), q->qname));
	ldns_rr_set_type(qr, (ldns_rr_type)q->qtype);
	ldns_rr_set_class(qr, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(qr, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, qr);
	static const ldns_pkt_section SEC[3] = {LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY,
						LDNS_SECTION_ADDITIONAL};
	char qn[VTG_DNS_MAX_TEXT + 4];
	snprintf(qn, sizeof(qn), "%s.", strcmp(q->qname_text, ".") ? q->qname_text : "");
	for (int s = 0; s < 3; s++)
		for (size_t i = 0; i < e->nsec[s]; i++)
			ldns_pkt_push_rr(p, SEC[s], rr_parse(e->sec[s][i], e->sec[s][i]->text, qn));
	uint8_t *wire = NULL;
	size_t len = 0;
	if (ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK)
		die(e->at, "ldns cannot encode the answer");
	ldns_pkt_free(p);
	struct vtg_msg m;
	int rc = vtg__msg_parse(&m, wire, len);
	if (rc != 0)
		die(e->at, "the answer built for %s %s does not parse (%d)", q->qname_text,
		    type_text(q->qtype), rc);
	vtg__iter_response(S.it, q->token, VTG_FAIL_NONE, &m, 1, (double)S.latency_ms);
	free(wire);
}

/* ------------------------------------------------------------ lookups */

static void on_done(void *ud, const struct vtg_lookup_answer *a)
{
	size_t i = (size_t)(uintptr_t)ud;
	if (i >= n_results)
		die(NULL, "done callback with an unknown lookup %zu", i);
	struct result *r = &results[i];
	if (++r->done > 1)
		die(r->at, "lookup %zu (%s %s) completed twice", i + 1, r->name,
		    type_text(r->qtype));
	r->fail = a->fail;
	r->rcode = a->rcode;
	r->dnssec = a->dnssec;
	r->zone_dnssec = vtg__lookup_zone_dnssec(a);
	snprintf(r->why, sizeof(r->why), "%s", a->why_bogus ? a->why_bogus : "");
	r->weak = a->dnssec_weak;
	r->tries = a->tries;
	r->chain_len = a->chain_len;
	r->has_proof = a->proof != NULL;
	if (a->proof)
		r->proof = *a->proof;
	/* the answering server, when named, is one the resolver asked */
	r->has_server = a->server != NULL;
	if (a->server) {
		r->server = *a->server;
		bool asked = false;
		for (size_t k = 0; k < n_queries && !asked; k++)
			asked = same_addr(&queries[k].dst, a->server);
		if (!asked) {
			char t[64];
			addr_text(a->server, t, sizeof(t));
			die(r->at, "lookup %zu (%s %s) names server %s, which was never asked",
			    i + 1, r->name, type_text(r->qtype), t);
		}
	}
	r->has_target = a->target != NULL;
	if (a->target)
		vtg__name_to_text(a->target, r->target, sizeof(r->target), true);
	if (r->is_dcv) {
		r->dcv.expect = r->dcv_expect[0] ? r->dcv_expect : NULL;
		int rc = vtg__dcv_check(&r->dcv, a, &r->dcv_res);
		if (rc != 0)
			die(r->at, "vtg__dcv_check: %d (%s)", rc, vtg_strerror(rc));
	}
	r->n_rrs = a->n_rrs;
	r->rr = xrealloc(NULL, a->n_rrs * sizeof(*r->rr));
	r->rr_len = xrealloc(NULL, a->n_rrs * sizeof(*r->rr_len));
	r->rr_ttl = xrealloc(NULL, a->n_rrs * sizeof(*r->rr_ttl));
	for (size_t k = 0; k < a->n_rrs; k++) {
		r->rr[k] = xrealloc(NULL, a->rrs[k].len);
		memcpy(r->rr[k], a->rrs[k].rdata, a->rrs[k].len);
		r->rr_len[k] = a->rrs[k].len;
		r->rr_ttl[k] = a->rrs[k].ttl;
	}
}

static void make_iter(const struct line *at)
{
	if (S.it)
		return;
	if (S.hints.n == 0)
		die(at, "no HINT before the first lookup");
	S.cfg.hints = &S.hints;
	S.cfg.anchor = S.anchor;
	S.cfg.clock = vclock;
	char err[256];
	int rc = vtg__iter_new(&S.it, &S.cfg, S.n_persp, on_send, NULL, on_done, err,
			       sizeof(err));
	S.anchor = NULL; /* owned by the resolver now */
	if (rc < 0)
		die(at, "vtg__iter_new: %s", err);
}

/* A window (what CHECK counts) opens at the first START after a RUN. */
static void window_open(void)
{
	S.win_q0 = n_queries;
	S.win_t0 = S.now_ms;
	for (unsigned p = 0; p < S.n_persp; p++)
		vtg__iter_stats(S.it, p, &S.st0[p]);
}

/* A new result (the current one), not started yet. */
static struct result *result_new(const struct line *at)
{
	make_iter(at);
	if (n_results == cap_results) {
		cap_results = cap_results ? 2 * cap_results : 64;
		results = xrealloc(results, cap_results * sizeof(*results));
	}
	struct result *r = &results[n_results];
	memset(r, 0, sizeof(*r));
	r->at = at;
	return r;
}

static void result_start(const struct line *at, struct result *r, const uint8_t *qn)
{
	if (r->persp >= S.n_persp)
		die(at, "perspective %u out of range (CONFIG perspectives)", r->persp);
	if (S.pending_first == n_results)
		window_open();
	int rc = vtg__iter_lookup(S.it, r->persp, qn, r->qtype, (void *)(uintptr_t)n_results);
	if (rc != 0)
		die(at, "vtg__iter_lookup: %d", rc);
	cur_result = n_results++;
}

static void start(const struct line *at, char **w, int n)
{
	if (n < 3)
		die(at, "usage: %s NAME TYPE [persp=N]", w[0]);
	struct result *r = result_new(at);
	snprintf(r->name, sizeof(r->name), "%s", w[1]);
	r->qtype = type_of(at, w[2]);
	for (int i = 3; i < n; i++) {
		if (strncmp(w[i], "persp=", 6) == 0)
			r->persp = (unsigned)atoi(w[i] + 6);
		else
			die(at, "unknown option '%s'", w[i]);
	}
	uint8_t qn[VTG_DNS_MAX_NAME];
	name_wire(at, r->name, qn);
	result_start(at, r, qn);
}

/* DCV METHOD TARGET [expect=VALUE] [persp=N]: the query the method makes
 * for TARGET (reverse-lookup: an IP literal), started as a lookup whose
 * answer the done callback checks with vtg__dcv_check. */
static void dcv_start(const struct line *at, char **w, int n)
{
	if (n < 3)
		die(at, "usage: DCV METHOD TARGET [expect=VALUE] [persp=N]");
	struct result *r = result_new(at);
	r->is_dcv = true;
	if (vtg__dcv_method_parse(w[1], &r->dcv.method) != 0)
		die(at, "unknown DCV method '%s'", w[1]);
	for (int i = 3; i < n; i++) {
		if (strncmp(w[i], "persp=", 6) == 0)
			r->persp = (unsigned)atoi(w[i] + 6);
		else if (strncmp(w[i], "expect=", 7) == 0)
			snprintf(r->dcv_expect, sizeof(r->dcv_expect), "%s", w[i] + 7);
		else
			die(at, "unknown option '%s'", w[i]);
	}
	r->dcv.expect = r->dcv_expect[0] ? r->dcv_expect : NULL;
	uint8_t base[VTG_DNS_MAX_NAME], qn[VTG_DNS_MAX_NAME];
	if (r->dcv.method == VTG_DCV_REVERSE) {
		int rc = vtg__dcv_reverse_name(w[2], strlen(w[2]), base);
		if (rc < 0)
			die(at, "DCV %s: '%s': %s", w[1], w[2], vtg_strerror(rc));
	} else {
		name_wire(at, w[2], base);
	}
	int rc = vtg__dcv_query(&r->dcv, base, qn, &r->qtype);
	if (rc != 0)
		die(at, "DCV %s %s: %s (replay gives a method only its expected value)", w[1],
		    w[2], vtg_strerror(rc));
	if (vtg__name_to_text(qn, r->name, sizeof(r->name) - 1, true) < 0)
		die(at, "DCV %s %s: query name does not print", w[1], w[2]);
	strcat(r->name, ".");
	result_start(at, r, qn);
}

static void dump_queries(size_t from, size_t to);

static double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void run(const struct line *at)
{
	make_iter(at);
	if (S.pending_first == n_results)
		window_open(); /* a RUN without START */
	double c0 = cpu_ms();
	for (;;) {
		vtg__iter_poll(S.it);
		if (q_next == n_queries)
			break;
		if (n_queries - S.win_q0 > RUN_QUERY_MAX)
			die(at, "more than %u queries in one run: runaway", RUN_QUERY_MAX);
		respond(at, &queries[q_next++]);
	}
	double c1 = cpu_ms();
	S.win_q1 = n_queries;
	S.win_t1 = S.now_ms;
	for (unsigned p = 0; p < S.n_persp; p++)
		vtg__iter_stats(S.it, p, &S.st1[p]);
	size_t first = S.pending_first, n = n_results - first;
	for (size_t i = first; i < n_results; i++)
		if (results[i].done != 1)
			die(at, "lookup %zu (%s %s, line %u) never completed (%u active, "
				"no query outstanding)",
			    i + 1, results[i].name, type_text(results[i].qtype), results[i].at->no,
			    vtg__iter_active(S.it));
	if (vtg__iter_active(S.it) != 0)
		die(at, "%u lookups still active after the run", vtg__iter_active(S.it));
	S.pending_first = n_results;
	printf("%s:%u: RUN", at->file, at->no);
	for (size_t i = first; i < n_results; i++)
		printf(" [%s %s -> %s %s %s%s%s]", results[i].name, type_text(results[i].qtype),
		       fail_name(results[i].fail),
		       results[i].rcode == VTG_RCODE_NONE ? "-" : vtg__rcode_str(results[i].rcode),
		       dnssec_name(results[i].dnssec), results[i].is_dcv ? ", dcv " : "",
		       results[i].is_dcv ? vtg__dcv_outcome_str(results[i].dcv_res.outcome) : "");
	printf(": %zu queries, %.3f s virtual, cpu %.3f ms (%.3f ms per lookup)\n",
	       S.win_q1 - S.win_q0, (double)(S.win_t1 - S.win_t0) / 1e3, c1 - c0,
	       n ? (c1 - c0) / (double)n : 0.0);
	const char *v = getenv("VTG_REPLAY_VERBOSE");
	if (v && *v && *v != '0') {
		fflush(stdout);
		dump_queries(S.win_q0, S.win_q1);
	}
}

/* ------------------------------------------------------------- checks */

static bool cmp(const char *op, long long a, long long b, const struct line *at)
{
	if (!strcmp(op, "==") || !strcmp(op, "="))
		return a == b;
	if (!strcmp(op, "!="))
		return a != b;
	if (!strcmp(op, "<="))
		return a <= b;
	if (!strcmp(op, "<"))
		return a < b;
	if (!strcmp(op, ">="))
		return a >= b;
	if (!strcmp(op, ">"))
		return a > b;
	die(at, "unknown operator '%s'", op);
}

static bool is_op(const char *s)
{
	return !strcmp(s, "==") || !strcmp(s, "=") || !strcmp(s, "!=") || !strcmp(s, "<=") ||
	       !strcmp(s, "<") || !strcmp(s, ">=") || !strcmp(s, ">");
}

static long long num(const struct line *at, const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 0);
	if (*s == 0 || *end)
		die(at, "not a number: '%s'", s);
	return v;
}

static struct result *current(const struct line *at)
{
	if (cur_result == SIZE_MAX)
		die(at, "EXPECT before any lookup");
	struct result *r = &results[cur_result];
	if (r->done != 1)
		die(at, "EXPECT on lookup %zu that has not run (RUN missing?)", cur_result + 1);
	return r;
}

static bool rr_present(const struct line *at, const struct result *r, const char *rdata)
{
	char text[8192];
	snprintf(text, sizeof(text), "x. 0 IN %s %s", type_text(r->qtype), rdata);
	ldns_rr *rr = rr_parse(at, text, "x.");
	ldns_buffer *b = ldns_buffer_new(512);
	if (ldns_rr_rdata2buffer_wire(b, rr) != LDNS_STATUS_OK)
		die(at, "cannot encode '%s'", rdata);
	bool found = false;
	for (size_t i = 0; i < r->n_rrs && !found; i++)
		found = r->rr_len[i] == ldns_buffer_position(b) &&
			memcmp(r->rr[i], ldns_buffer_begin(b), r->rr_len[i]) == 0;
	ldns_buffer_free(b);
	ldns_rr_free(rr);
	return found;
}

static void print_rrs(const struct result *r)
{
	for (size_t i = 0; i < r->n_rrs; i++) {
		ldns_rdf *rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, r->rr_len[i], r->rr[i]);
		char *s = rd ? ldns_rdf2str(rd) : NULL;
		fprintf(stderr, "    rr %zu: ttl %u, rdata %s\n", i + 1, r->rr_ttl[i], s ? s : "?");
		free(s);
		ldns_rdf_deep_free(rd);
	}
}

static void expect(const struct line *at, char **w, int n)
{
	struct result *r = current(at);
	if (n < 3)
		die(at, "usage: EXPECT KEY [OP] VALUE");
	const char *key = w[1];
	const char *op = "==";
	int vi = 2;
	if (is_op(w[2])) {
		op = w[2];
		vi = 3;
		if (n < 4)
			die(at, "EXPECT %s %s: value missing", key, op);
	}
	/* the value: the rest of the line, words joined back */
	char val[8192] = "";
	for (int i = vi; i < n; i++) {
		strncat(val, w[i], sizeof(val) - strlen(val) - 2);
		if (i + 1 < n)
			strcat(val, " ");
	}
	const char *ctx = r->name;
	bool ok;
	char got[512];
	if (!strcmp(key, "fail")) {
		snprintf(got, sizeof(got), "%s", fail_name(r->fail));
		ok = false;
		char alt[sizeof(val)];
		snprintf(alt, sizeof(alt), "%s", val);
		for (char *tok = strtok(alt, "|"); tok; tok = strtok(NULL, "|")) {
			enum vtg_lookup_fail f;
			if (!fail_of(tok, &f))
				die(at, "unknown failure '%s'", tok);
			ok |= f == r->fail;
		}
	} else if (!strcmp(key, "rcode")) {
		snprintf(got, sizeof(got), "%s",
			 r->rcode == VTG_RCODE_NONE ? "none" : vtg__rcode_str(r->rcode));
		if (!strcasecmp(val, "none")) {
			ok = r->rcode == VTG_RCODE_NONE;
		} else {
			int rc = rcode_of(val);
			if (rc < 0)
				die(at, "unknown rcode '%s'", val);
			ok = (unsigned)rc == r->rcode;
		}
	} else if (!strcmp(key, "dnssec")) {
		snprintf(got, sizeof(got), "%s", dnssec_name(r->dnssec));
		ok = false;
		char alt[sizeof(val)];
		snprintf(alt, sizeof(alt), "%s", val);
		for (char *tok = strtok(alt, "|"); tok; tok = strtok(NULL, "|"))
			ok |= !strcasecmp(tok, got);
	} else if (!strcmp(key, "zone_dnssec")) {
		snprintf(got, sizeof(got), "%s", dnssec_name(r->zone_dnssec));
		ok = false;
		char alt[sizeof(val)];
		snprintf(alt, sizeof(alt), "%s", val);
		for (char *tok = strtok(alt, "|"); tok; tok = strtok(NULL, "|"))
			ok |= !strcasecmp(tok, got);
	} else if (!strcmp(key, "why_bogus")) {
		snprintf(got, sizeof(got), "%s", r->why[0] ? r->why : "none");
		ok = !strcmp(val, got);
	} else if (!strcmp(key, "proof")) {
		snprintf(got, sizeof(got), "%s", r->has_proof ? "yes" : "no");
		ok = !strcmp(val, got);
	} else if (!strcmp(key, "proof.zone_cut") || !strcmp(key, "proof.denial_owner")) {
		const char *p = !strcmp(key, "proof.zone_cut") ? r->proof.zone_cut
							       : r->proof.denial_owner;
		snprintf(got, sizeof(got), "%s", r->has_proof ? p : "(no proof)");
		size_t vl = strlen(val);
		ok = r->has_proof && (!strcasecmp(val, p) ||
				      (vl > 1 && val[vl - 1] == '.' &&
				       strlen(p) == vl - 1 && !strncasecmp(val, p, vl - 1)));
	} else if (!strcmp(key, "proof.denial_type")) {
		snprintf(got, sizeof(got), "%s",
			 r->has_proof ? type_text(r->proof.denial_type) : "(no proof)");
		ok = r->has_proof && !strcasecmp(val, got);
	} else if (!strcmp(key, "weak")) {
		snprintf(got, sizeof(got), "%s", r->weak ? "yes" : "no");
		ok = !strcmp(val, got);
	} else if (!strcmp(key, "target")) {
		snprintf(got, sizeof(got), "%s", r->has_target ? r->target : "none");
		uint8_t a[VTG_DNS_MAX_NAME], b[VTG_DNS_MAX_NAME];
		ok = r->has_target ? (name_wire(at, val, a), name_wire(at, r->target, b),
				      vtg__name_equal(a, b))
				   : !strcmp(val, "none");
	} else if (!strcmp(key, "server")) {
		/* the server whose response gave the answer: ADDR[#PORT] or none */
		if (r->has_server)
			addr_text(&r->server, got, sizeof(got));
		else
			snprintf(got, sizeof(got), "none");
		struct sockaddr_storage want;
		if (!strcmp(val, "none"))
			ok = !r->has_server;
		else if (!parse_addr(val, &want))
			die(at, "EXPECT server: bad address '%s'", val);
		else
			ok = r->has_server && same_addr(&want, &r->server);
	} else if (!strncmp(key, "dcv", 3) && (!key[3] || key[3] == '.')) {
		if (!r->is_dcv)
			die(at, "EXPECT %s on lookup %s, which no DCV statement made", key, ctx);
		const struct vtg_dcv_result *d = &r->dcv_res;
		if (!strcmp(key, "dcv")) {
			snprintf(got, sizeof(got), "%s", vtg__dcv_outcome_str(d->outcome));
			ok = !strcmp(val, got);
		} else if (!strcmp(key, "dcv.seen")) {
			/* "\n" in the value separates the elements of a list */
			char want[sizeof(val)];
			size_t o = 0;
			for (const char *c = val; *c; c++) {
				if (c[0] == '\\' && c[1] == 'n')
					want[o++] = '\n', c++;
				else
					want[o++] = *c;
			}
			want[o] = 0;
			snprintf(got, sizeof(got), "%s", d->seen[0] ? d->seen : "none");
			ok = !strcmp(want, got);
		} else if (!strcmp(key, "dcv.detail")) {
			snprintf(got, sizeof(got), "%s", d->detail[0] ? d->detail : "none");
			ok = !strcmp(val, got);
		} else {
			die(at, "unknown EXPECT key '%s' (dcv, dcv.seen, dcv.detail)", key);
		}
	} else if (!strcmp(key, "rr")) {
		snprintf(got, sizeof(got), "%zu records", r->n_rrs);
		ok = rr_present(at, r, val);
	} else if (!strcmp(key, "no_rr")) {
		snprintf(got, sizeof(got), "%zu records", r->n_rrs);
		ok = !rr_present(at, r, val);
	} else {
		long long g;
		if (!strcmp(key, "rrs"))
			g = (long long)r->n_rrs;
		else if (!strcmp(key, "ttl")) {
			if (r->n_rrs == 0)
				die(at, "EXPECT ttl: lookup %s has no records", ctx);
			g = r->rr_ttl[0];
		} else if (!strcmp(key, "chain_len"))
			g = r->chain_len;
		else if (!strcmp(key, "tries"))
			g = r->tries;
		else
			die(at, "unknown EXPECT key '%s'", key);
		snprintf(got, sizeof(got), "%lld", g);
		ok = cmp(op, g, num(at, val), at);
	}
	if (!ok) {
		fprintf(stderr, "%s:%u: lookup %s %s (line %u): expected %s %s %s, got %s\n",
			at->file, at->no, r->name, type_text(r->qtype), r->at->no, key, op, val,
			got);
		fprintf(stderr, "  outcome: fail %s, rcode %s, dnssec %s, why_bogus %s, proof %s, "
				"%zu records, chain %u\n",
			fail_name(r->fail),
			r->rcode == VTG_RCODE_NONE ? "none" : vtg__rcode_str(r->rcode),
			dnssec_name(r->dnssec), r->why[0] ? r->why : "none",
			r->has_proof ? r->proof.zone_cut : "no", r->n_rrs, r->chain_len);
		if (r->is_dcv)
			fprintf(stderr, "  dcv %s: %s, seen '%s', detail '%s'\n",
				vtg__dcv_method_str(r->dcv.method),
				vtg__dcv_outcome_str(r->dcv_res.outcome), r->dcv_res.seen,
				r->dcv_res.detail);
		print_rrs(r);
		exit(1);
	}
}

static void dump_queries(size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		fprintf(stderr, "    #%zu %s %s %s -> %s\n", i + 1, queries[i].dst_text,
			queries[i].qname_text, type_text(queries[i].qtype),
			queries[i].e ? (queries[i].e->fate == F_TIMEOUT ? "timeout"
					: queries[i].e->fate == F_FAIL ? fail_name(queries[i].e->fail)
								       : "reply")
				     : "?");
}

/* Queries of [from, to) sent to the address, or the most any got. */
static long long per_server(size_t from, size_t to, const struct sockaddr_storage *only)
{
	long long best = 0;
	for (size_t i = from; i < to; i++) {
		const struct sockaddr_storage *a = only ? only : &queries[i].dst;
		bool seen_before = false;
		for (size_t k = from; k < i && !only; k++)
			seen_before |= same_addr(&queries[k].dst, a);
		if (seen_before)
			continue;
		long long c = 0;
		for (size_t k = from; k < to; k++)
			c += same_addr(&queries[k].dst, a);
		if (c > best)
			best = c;
		if (only)
			break;
	}
	return best;
}

static uint64_t stat_of(const struct line *at, const struct vtg_iter_stats *st, const char *n)
{
#define F(x) if (!strcmp(n, #x)) return st->x
	F(lookups); F(queries); F(cache_hits); F(coalesced); F(referrals); F(nested);
	F(validated); F(bogus); F(evictions); F(cache_entries); F(cache_bytes);
	F(ns_skipped); F(held_down); F(limit_hits);
#undef F
	die(at, "unknown stat '%s'", n);
}

static void check(const struct line *at, char **w, int n)
{
	if (n != 4)
		die(at, "usage: CHECK COUNTER OP VALUE");
	const char *c = w[1];
	bool total = strncmp(c, "total.", 6) == 0;
	const char *k = total ? c + 6 : c;
	size_t from = total ? 0 : S.win_q0, to = total ? n_queries : S.win_q1;
	long long g;
	if (!strcmp(k, "queries")) {
		g = (long long)(to - from);
	} else if (!strncmp(k, "queries@", 8)) {
		struct sockaddr_storage a;
		if (!parse_addr(k + 8, &a))
			die(at, "bad address in '%s'", c);
		g = per_server(from, to, &a);
	} else if (!strcmp(k, "max_per_server")) {
		g = per_server(from, to, NULL);
	} else if (!strcmp(k, "transmissions")) {
		g = 0;
		for (size_t i = from; i < to; i++)
			g += queries[i].tx;
	} else if (!strcmp(k, "elapsed_ms")) {
		g = (long long)(total ? S.now_ms : S.win_t1 - S.win_t0);
	} else if (!strncmp(k, "stat.", 5)) {
		g = 0;
		for (unsigned p = 0; p < S.n_persp && S.it; p++) {
			struct vtg_iter_stats now;
			vtg__iter_stats(S.it, p, &now);
			g += (long long)stat_of(at, total ? &now : &S.st1[p], k + 5);
			if (!total)
				g -= (long long)stat_of(at, &S.st0[p], k + 5);
		}
	} else if (!strncmp(k, "used.", 5)) {
		const struct entry *e = NULL;
		for (size_t i = 0; i < n_entries && !e; i++)
			if (!strcmp(entries[i]->label, k + 5))
				e = entries[i];
		if (!e)
			die(at, "no ENTRY labelled '%s'", k + 5);
		g = e->used;
	} else {
		die(at, "unknown counter '%s'", c);
	}
	if (!cmp(w[2], g, num(at, w[3]), at)) {
		fprintf(stderr, "%s:%u: expected %s %s %s, got %lld; the queries%s:\n", at->file,
			at->no, c, w[2], w[3], g, total ? "" : " of the last run");
		dump_queries(from, to);
		exit(1);
	}
}

/* EXPECT_QUERIES ... END: the exact queries of the last run. */
static size_t expect_queries(size_t i)
{
	const struct line *at = &lines[i];
	size_t k = S.win_q0;
	for (i++; i < n_lines && strcmp(lines[i].text, "END"); i++) {
		char buf[1024], *w[4];
		snprintf(buf, sizeof(buf), "%s", lines[i].text);
		if (words(buf, w, 4) != 3)
			die(&lines[i], "expected: SERVER QNAME QTYPE");
		if (k >= S.win_q1) {
			fprintf(stderr, "%s:%u: query missing: %s %s %s; the run sent:\n",
				lines[i].file, lines[i].no, w[0], w[1], w[2]);
			dump_queries(S.win_q0, S.win_q1);
			exit(1);
		}
		struct sockaddr_storage a;
		uint8_t qn[VTG_DNS_MAX_NAME];
		bool any = !strcmp(w[0], "*");
		if (!any && !parse_addr(w[0], &a))
			die(&lines[i], "bad address '%s'", w[0]);
		name_wire(&lines[i], w[1], qn);
		const struct query *q = &queries[k];
		if ((!any && !same_addr(&a, &q->dst)) || !vtg__name_equal(qn, q->qname) ||
		    type_of(&lines[i], w[2]) != q->qtype) {
			fprintf(stderr, "%s:%u: query #%zu of the run is %s %s %s, expected %s %s %s;"
					" the run sent:\n",
				lines[i].file, lines[i].no, k - S.win_q0 + 1, q->dst_text,
				q->qname_text, type_text(q->qtype), w[0], w[1], w[2]);
			dump_queries(S.win_q0, S.win_q1);
			exit(1);
		}
		k++;
	}
	if (i >= n_lines)
		die(at, "EXPECT_QUERIES without END");
	if (k != S.win_q1) {
		fprintf(stderr, "%s:%u: the run sent %zu queries, the list has %zu:\n",
			lines[i].file, lines[i].no, S.win_q1 - S.win_q0, k - S.win_q0);
		dump_queries(S.win_q0, S.win_q1);
		exit(1);
	}
	return i;
}

/* ENTRY SERVER QNAME QTYPE [label=L] [times=N], then the fate and sections,
 * up to END. */
static size_t entry(size_t i)
{
	const struct line *at = &lines[i];
	char *buf = xstrdup(at->text), *w[8];
	int n = words(buf, w, 8);
	if (n < 4)
		die(at, "usage: ENTRY SERVER QNAME QTYPE [label=L] [times=N]");
	struct entry *e = calloc(1, sizeof(*e));
	if (!e)
		die(NULL, "out of memory");
	e->at = at;
	e->any_server = !strcmp(w[1], "*");
	if (!e->any_server && !parse_addr(w[1], &e->server))
		die(at, "bad server address '%s'", w[1]);
	if (!strcmp(w[2], "*")) {
		e->qmode = QN_ANY;
	} else if (!strncmp(w[2], "*.", 2)) {
		e->qmode = QN_BELOW;
		name_wire(at, w[2] + 2, e->qname);
	} else {
		e->qmode = QN_EXACT;
		name_wire(at, w[2], e->qname);
	}
	e->any_type = !strcmp(w[3], "*");
	if (!e->any_type)
		e->qtype = type_of(at, w[3]);
	for (int k = 4; k < n; k++) {
		if (!strncmp(w[k], "label=", 6))
			snprintf(e->label, sizeof(e->label), "%s", w[k] + 6);
		else if (!strncmp(w[k], "times=", 6))
			e->times = (unsigned)num(at, w[k] + 6);
		else
			die(at, "unknown ENTRY option '%s'", w[k]);
	}
	free(buf);
	bool have_fate = false;
	int sec = -1;
	for (i++; i < n_lines && strcmp(lines[i].text, "END"); i++) {
		const struct line *l = &lines[i];
		char *b2 = xstrdup(l->text), *v[16];
		int m = words(b2, v, 16);
		if (!strcmp(v[0], "REPLY") || !strcmp(v[0], "TIMEOUT") || !strcmp(v[0], "FAIL")) {
			if (have_fate)
				die(l, "a second fate in one ENTRY");
			have_fate = true;
			if (!strcmp(v[0], "TIMEOUT")) {
				e->fate = F_TIMEOUT;
			} else if (!strcmp(v[0], "FAIL")) {
				e->fate = F_FAIL;
				if (m != 2 || !fail_of(v[1], &e->fail) || e->fail == VTG_FAIL_NONE)
					die(l, "usage: FAIL FAILURE (timeout, truncated_tcp, local, ...)");
			} else {
				e->fate = F_REPLY;
				for (int k = 1; k < m; k++) {
					int rc;
					if (!strcmp(v[k], "AA")) e->flags |= VTG_FLAG_AA;
					else if (!strcmp(v[k], "TC")) e->flags |= VTG_FLAG_TC;
					else if (!strcmp(v[k], "RD")) e->flags |= VTG_FLAG_RD;
					else if (!strcmp(v[k], "RA")) e->flags |= VTG_FLAG_RA;
					else if (!strcmp(v[k], "AD")) e->flags |= VTG_FLAG_AD;
					else if (!strcmp(v[k], "CD")) e->flags |= VTG_FLAG_CD;
					else if ((rc = rcode_of(v[k])) >= 0 && rc < 16) e->rcode = (unsigned)rc;
					else die(l, "unknown REPLY word '%s'", v[k]);
				}
			}
		} else if (m == 1 && !strcmp(v[0], "ANSWER")) {
			sec = 0;
		} else if (m == 1 && !strcmp(v[0], "AUTHORITY")) {
			sec = 1;
		} else if (m == 1 && !strcmp(v[0], "ADDITIONAL")) {
			sec = 2;
		} else {
			if (sec < 0)
				die(l, "a record outside ANSWER / AUTHORITY / ADDITIONAL");
			ldns_rr_free(rr_parse(l, l->text, "example."));
			e->sec[sec] = xrealloc(e->sec[sec], (e->nsec[sec] + 1) * sizeof(*e->sec[sec]));
			e->sec[sec][e->nsec[sec]++] = l;
		}
		free(b2);
	}
	if (i >= n_lines)
		die(at, "ENTRY without END");
	if (!have_fate)
		die(at, "ENTRY without REPLY, TIMEOUT or FAIL");
	if (e->fate != F_REPLY && (e->nsec[0] || e->nsec[1] || e->nsec[2]))
		die(at, "records in an ENTRY that does not REPLY");
	entries = xrealloc(entries, (n_entries + 1) * sizeof(*entries));
	entries[n_entries++] = e;
	return i;
}

static uint64_t parse_time_s(const struct line *at, const char *s)
{
	if (strlen(s) == 14) { /* YYYYMMDDhhmmss, as in RRSIG */
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		if (sscanf(s, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
			die(at, "bad time '%s'", s);
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		return (uint64_t)timegm(&tm);
	}
	return (uint64_t)num(at, s);
}

static void config(const struct line *at, char **w, int n)
{
	if (n != 3)
		die(at, "usage: CONFIG KEY VALUE");
	if (S.it && strcmp(w[1], "timeout_ms") && strcmp(w[1], "latency_ms"))
		die(at, "CONFIG %s after the resolver started", w[1]);
	const char *k = w[1], *v = w[2];
	if (!strcmp(k, "start")) {
		S.start_ms = parse_time_s(at, v) * 1000;
	} else if (!strcmp(k, "timeout_ms")) {
		S.timeout_ms = (unsigned)num(at, v);
	} else if (!strcmp(k, "latency_ms")) {
		S.latency_ms = (unsigned)num(at, v);
	} else if (!strcmp(k, "perspectives")) {
		S.n_persp = (unsigned)num(at, v);
		if (S.n_persp < 1 || S.n_persp > PERSP_MAX)
			die(at, "1 to %d perspectives", PERSP_MAX);
	} else if (!strcmp(k, "anchor")) {
		char path[4096];
		const char *slash = strrchr(at->file, '/');
		if (v[0] == '/' || !slash)
			snprintf(path, sizeof(path), "%s", v);
		else
			snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - at->file), at->file, v);
		uint8_t owner[VTG_DNS_MAX_NAME];
		char err[256];
		vtg__dv_keys_free(S.anchor);
		S.anchor = vtg__dv_anchor_load(path, owner, err, sizeof(err));
		if (!S.anchor)
			die(at, "trust anchor %s: %s", path, err);
	} else if (!strcmp(k, "server_tries")) {
		S.cfg.server_tries = (unsigned)num(at, v);
	} else if (!strcmp(k, "max_work")) {
		S.cfg.max_work = (unsigned)num(at, v);
	} else if (!strcmp(k, "max_referrals")) {
		S.cfg.max_referrals = (unsigned)num(at, v);
	} else if (!strcmp(k, "max_depth")) {
		S.cfg.max_depth = (unsigned)num(at, v);
	} else if (!strcmp(k, "max_tasks")) {
		S.cfg.max_tasks = (unsigned)num(at, v);
	} else if (!strcmp(k, "deadline_ms")) {
		S.cfg.deadline_ms = (unsigned)num(at, v);
	} else if (!strcmp(k, "cache_bytes")) {
		S.cfg.cache_bytes = (size_t)num(at, v);
	} else {
		die(at, "unknown CONFIG key '%s'", k);
	}
}

static void execute(void)
{
	for (size_t i = 0; i < n_lines; i++) {
		const struct line *at = &lines[i];
		char *buf = xstrdup(at->text), *w[32];
		int n = words(buf, w, 32);
		const char *c = w[0];
		if (!strcmp(c, "ENTRY")) {
			i = entry(i);
		} else if (!strcmp(c, "EXPECT_QUERIES")) {
			i = expect_queries(i);
		} else if (!strcmp(c, "CONFIG")) {
			config(at, w, n);
		} else if (!strcmp(c, "HINT")) {
			if (n != 2 || S.hints.n >= VTG_ITER_HINTS_MAX ||
			    !parse_addr(w[1], &S.hints.addr[S.hints.n]))
				die(at, "usage: HINT ADDRESS[#PORT] (at most %d)", VTG_ITER_HINTS_MAX);
			if (S.it)
				die(at, "HINT after the resolver started");
			S.hints.n++;
		} else if (!strcmp(c, "START")) {
			start(at, w, n);
		} else if (!strcmp(c, "RUN")) {
			run(at);
		} else if (!strcmp(c, "LOOKUP")) {
			start(at, w, n);
			run(at);
		} else if (!strcmp(c, "DCV")) {
			dcv_start(at, w, n);
			run(at);
		} else if (!strcmp(c, "RESULT")) {
			long long k = n == 2 ? num(at, w[1]) : 0;
			if (k < 1 || (size_t)k > n_results)
				die(at, "usage: RESULT N (1 .. %zu)", n_results);
			cur_result = (size_t)k - 1;
		} else if (!strcmp(c, "ADVANCE")) {
			if (n != 2)
				die(at, "usage: ADVANCE SECONDS | MSms");
			size_t l = strlen(w[1]);
			if (l > 2 && !strcmp(w[1] + l - 2, "ms")) {
				w[1][l - 2] = 0;
				S.now_ms += (uint64_t)num(at, w[1]);
			} else {
				S.now_ms += (uint64_t)num(at, w[1]) * 1000;
			}
		} else if (!strcmp(c, "EXPECT")) {
			expect(at, w, n);
		} else if (!strcmp(c, "CHECK")) {
			check(at, w, n);
		} else if (!strcmp(c, "SCENARIO")) {
			printf("%s: %s\n", script, at->text + 8 + strspn(at->text + 8, " \t"));
		} else {
			die(at, "unknown statement '%s'", c);
		}
		free(buf);
	}
	if (S.pending_first != n_results)
		die(&lines[n_lines - 1], "lookups STARTed but never RUN");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SCENARIO.rpl\n", argv[0]);
		return 2;
	}
	script = argv[1];
	S.start_ms = START_DEFAULT_S * 1000;
	S.timeout_ms = TIMEOUT_MS_DEFAULT;
	S.latency_ms = LATENCY_MS_DEFAULT;
	S.n_persp = 1;
	load_file(script, NULL, 0);
	if (n_lines == 0)
		die(NULL, "%s: empty scenario", script);
	execute();
	size_t nq = n_queries, nr = n_results;
	vtg__iter_free(S.it);
	vtg__dv_keys_free(S.anchor);
	for (size_t i = 0; i < n_results; i++) {
		for (size_t k = 0; k < results[i].n_rrs; k++)
			free(results[i].rr[k]);
		free(results[i].rr);
		free(results[i].rr_len);
		free(results[i].rr_ttl);
	}
	free(results);
	for (size_t i = 0; i < n_entries; i++) {
		for (int s = 0; s < 3; s++)
			free(entries[i]->sec[s]);
		free(entries[i]);
	}
	free(entries);
	free(queries);
	for (size_t i = 0; i < n_lines; i++)
		free(lines[i].text);
	free(lines);
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	printf("PASS %s: %zu lookups, %zu queries\n", script, nr, nq);
	return 0;
}
