/*
 * options.c — the schema of the run settings (see options.h) and the one
 * function that checks a value against it and stores it.
 *
 * Checking is generic (by type, from the table); storing is one switch on
 * the entry's id, the only place that knows which field a key fills. The
 * table's defaults are text so they print in help; a unit test sets every
 * default on a fresh configuration and checks nothing changes, which keeps
 * them equal to vtg__config_init() and vtg__engine_cfg_default().
 *
 * Messages never quote the value: it may be any bytes (a fuzzer's, or
 * "--5" from a command line), and the caller already shows where it was.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "resolver/iter.h"
#include "runner/config.h"
#include "runner/options.h"

/* Which field an entry stores (the table's order). */
enum opt_id {
	E_TIMEOUT_MS = 0,
	E_RETRIES,
	E_SLOTS,
	E_UPSTREAM_INFLIGHT,
	E_RATE_QPS,
	E_WORKERS,
	E_UDP_SIZE,
	E_DNSSEC_OK,
	E_ROOT_HINTS,
	E_TRUST_ANCHOR,
	E_CACHE_MB,
	E_QNAME_0X20,
	E_MODE,
	E_MIN_REMOTES,
	E_QUORUM,
	E_WINDOW,
	E_LOOKUP_FAILURE_EXCEPTION,
	E_EARLY_DECISION,
	E_HTTP_CONNECT_TIMEOUT,
	E_HTTP_TIMEOUT,
	E_REMOTE_TIMEOUT,
	P_RIR,
	P_LOCATION,
	P_COORDINATES,
	P_NETNS,
	P_SOURCE,
	P_INTERFACE,
	P_RESOLVER,
	P_MODE,
	P_SOCKETS,
	P_URL,
	P_CA,
	P_CLIENT_CERT,
	P_CLIENT_KEY,
	P_API_KEY_FILE,
	OPT_COUNT
};

/* The words of the enumerations, in the order of the values they store. */
static const char *const MPIC_MODES[] = {"enforce", "report-only", "off", NULL};
static const char *const RIRS[] = {"ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC", NULL};
static const char *const PERSP_MODES[] = {"stub", "iterative", "remote", NULL};

#define NETNS_DIR "/run/netns/" /* ip-netns(8): where a bare netns name lives */

#define PERSP_STR_MAX(field) ((unsigned)sizeof(((struct vtg_persp_cfg *)0)->field) - 1)

const struct vtg_opt vtg__opt_table[] = {
	[E_TIMEOUT_MS] = {
		.name = "timeout-ms", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 1, .max = VTG_OPT_TIMEOUT_MS_MAX, .def = "800", .arg = "MS",
		.help = "wait for the first try of a query; each retry doubles it"},
	[E_RETRIES] = {
		.name = "retries", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 0, .max = VTG_OPT_RETRIES_MAX, .def = "2", .arg = "N",
		.help = "tries of a query after the first"},
	[E_SLOTS] = {
		.name = "slots", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 0, .max = VTG_OPT_SLOTS_MAX, .def = "4096", .arg = "N",
		.help = "queries a worker holds at once (raised to its share of the window)"},
	[E_UPSTREAM_INFLIGHT] = {
		.name = "upstream-inflight", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 0, .max = VTG_OPT_INFLIGHT_MAX, .def = "256", .arg = "N",
		.help = "queries in flight per upstream resolver, 0 = only the window limits"},
	[E_RATE_QPS] = {
		.name = "rate-qps", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 0, .max = VTG_OPT_RATE_QPS_MAX, .def = "0", .arg = "N",
		.help = "queries per second per upstream resolver, 0 = no limit"},
	[E_WORKERS] = {
		.name = "workers", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 0, .max = VTG_OPT_WORKERS_MAX, .def = "0", .arg = "N",
		.help = "worker threads, one io_uring ring each, 0 = one per core"},
	[E_UDP_SIZE] = {
		.name = "udp-size", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = VTG_OPT_UDP_SIZE_MIN, .max = VTG_OPT_UDP_SIZE_MAX, .def = "1232",
		.arg = "BYTES", .help = "EDNS0 UDP payload size advertised (RFC 6891)"},
	[E_DNSSEC_OK] = {
		.name = "dnssec-ok", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_BOOL,
		.def = "yes", .arg = "BOOL",
		.help = "set the DO bit on stub queries (RFC 3225)"},
	[E_ROOT_HINTS] = {
		.name = "root-hints", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_PATH,
		.max = VTG_OPT_PATH_MAX, .arg = "FILE",
		.unset = VTG_ROOT_HINTS_DEFAULT,
		.help = "root hints of the iterative perspectives"},
	[E_TRUST_ANCHOR] = {
		.name = "trust-anchor", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_PATH,
		.max = VTG_OPT_PATH_MAX, .arg = "FILE",
		.unset = VTG_TRUST_ANCHOR_DEFAULT,
		.help = "root DS or DNSKEY records of the iterative perspectives; "
			"none = no DNSSEC validation"},
	[E_CACHE_MB] = {
		.name = "cache-mb", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 1, .max = VTG_OPT_CACHE_MB_MAX, .def = "64", .arg = "MB",
		.help = "cache of each iterative perspective in each worker"},
	[E_QNAME_0X20] = {
		.name = "qname-0x20", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_BOOL,
		.def = "no", .arg = "BOOL",
		.help = "randomise the case of iterative query names, checked on answers"},
	[E_MODE] = {
		.name = "mode", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_ENUM,
		.words = MPIC_MODES, .arg = "MODE",
		.unset = "enforce with a perspectives file, off with one resolver",
		.help = "corroboration of the remote perspectives (BR 3.2.2.9)"},
	[E_MIN_REMOTES] = {
		.name = "min-remotes", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 0, .max = VTG_MAX_PERSPECTIVES - 1, .arg = "N",
		.unset = "the BR 3.2.2.9 minimum at the current date",
		.help = "remote perspectives a run needs (for tests)"},
	[E_QUORUM] = {
		.name = "quorum", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 1, .max = VTG_MAX_PERSPECTIVES - 1, .arg = "N",
		.unset = "the BR 3.2.2.9 table: all remotes but 1 (2..5) or 2 (6 or more)",
		.help = "remote perspectives that must corroborate (at least the table's)"},
	[E_WINDOW] = {
		.name = "window", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 1, .max = VTG_OPT_WINDOW_MAX, .arg = "N",
		.unset = "16384 names shared among the perspectives, at least 256",
		.help = "checks in flight"},
	[E_EARLY_DECISION] = {
		.name = "early-decision", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_BOOL,
		.def = "yes", .arg = "BOOL",
		.help = "a corroborated check is final as soon as its outcome is certain; "
			"perspectives still working are listed as cancelled (no: wait for all)"},
	[E_HTTP_CONNECT_TIMEOUT] = {
		.name = "http-connect-timeout-ms", .section = VTG_OPT_SEC_ENGINE,
		.type = VTG_OPT_UINT, .min = 10, .max = VTG_OPT_HTTP_MS_MAX,
		.def = "5000", .arg = "MS",
		.help = "web validation: TCP connect and TLS handshake of one hop"},
	[E_HTTP_TIMEOUT] = {
		.name = "http-timeout-ms", .section = VTG_OPT_SEC_ENGINE, .type = VTG_OPT_UINT,
		.min = 10, .max = VTG_OPT_HTTP_MS_MAX,
		.def = "10000", .arg = "MS",
		.help = "web validation: the whole request of one hop (connect, TLS, "
			"headers, body)"},
	[E_REMOTE_TIMEOUT] = {
		.name = "remote-timeout-ms", .section = VTG_OPT_SEC_ENGINE,
		.type = VTG_OPT_UINT, .min = 10, .max = VTG_OPT_HTTP_MS_MAX,
		.def = "30000", .arg = "MS",
		.help = "remote perspectives: the whole request to the agent"},
	[E_LOOKUP_FAILURE_EXCEPTION] = {
		.name = "lookup-failure-exception", .section = VTG_OPT_SEC_ENGINE,
		.type = VTG_OPT_BOOL, .def = "no", .arg = "BOOL",
		.help = "permit on a lookup failure proven outside DNSSEC (BR 3.2.2.8), CAA only"},
	[P_RIR] = {
		.name = "rir", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_ENUM,
		.words = RIRS, .arg = "RIR", .unset = "none (a remote needs one)",
		.help = "Regional Internet Registry of the perspective (BR 3.2.2.9)"},
	[P_LOCATION] = {
		.name = "location", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_STR,
		.max = PERSP_STR_MAX(location), .arg = "TEXT", .unset = "none",
		.help = "where the perspective is, free text for the evidence"},
	[P_COORDINATES] = {
		.name = "coordinates", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_COORDS,
		.arg = "LAT,LON", .unset = "none (no distance check)",
		.help = "position, checked 500 km apart from the others (BR 1.6.1)"},
	[P_NETNS] = {
		.name = "netns", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_PATH,
		.max = PERSP_STR_MAX(netns), .arg = "NAME|PATH", .unset = "the current namespace",
		.help = "network namespace, a name under " NETNS_DIR " or a path"},
	[P_SOURCE] = {
		.name = "source", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_HOST,
		.max = PERSP_STR_MAX(source), .arg = "ADDR", .unset = "any",
		.help = "source address to bind"},
	[P_INTERFACE] = {
		.name = "interface", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_STR,
		.max = PERSP_STR_MAX(iface), .arg = "IFNAME", .unset = "none",
		.help = "device to bind with SO_BINDTODEVICE"},
	[P_RESOLVER] = {
		.name = "resolver", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_ADDR,
		.max = VTG_MAX_UPSTREAMS, .arg = "ADDR[:PORT]", .flags = VTG_OPT_F_MULTI,
		.unset = "none (stub mode needs one)",
		.help = "upstream resolver of a stub perspective, repeatable"},
	[P_MODE] = {
		.name = "mode", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_ENUM,
		.words = PERSP_MODES, .def = "stub", .arg = "MODE",
		.help = "stub (through its resolvers), iterative (from the root hints) or "
			"remote (an agent checks: url, ca, client-cert / api-key-file)"},
	[P_SOCKETS] = {
		.name = "sockets", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_UINT,
		.min = 1, .max = VTG_OPT_SOCKETS_MAX, .arg = "N",
		.unset = "the engine's 16",
		.help = "UDP sockets (source ports) of the perspective in each worker"},
	[P_URL] = {
		.name = "url", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_STR,
		.max = PERSP_STR_MAX(url), .arg = "https://HOST:PORT",
		.unset = "none (remote mode needs one)",
		.help = "remote: the agent (vantage agent, open-mpic's perspective API)"},
	[P_CA] = {
		.name = "ca", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_PATH,
		.max = PERSP_STR_MAX(ca), .arg = "FILE", .unset = "the system's CAs",
		.help = "remote: CA certificates (PEM) that verify the agent"},
	[P_CLIENT_CERT] = {
		.name = "client-cert", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_PATH,
		.max = PERSP_STR_MAX(client_cert), .arg = "FILE", .unset = "none",
		.help = "remote: client certificate (PEM) for mutual TLS"},
	[P_CLIENT_KEY] = {
		.name = "client-key", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_PATH,
		.max = PERSP_STR_MAX(client_key), .arg = "FILE", .unset = "none",
		.help = "remote: the client certificate's private key (PEM)"},
	[P_API_KEY_FILE] = {
		.name = "api-key-file", .section = VTG_OPT_SEC_PERSP, .type = VTG_OPT_PATH,
		.max = PERSP_STR_MAX(api_key_file), .arg = "FILE", .unset = "none",
		.help = "remote: a file holding the agent's API key (sent as x-api-key)"},
};

const size_t vtg__opt_count = sizeof(vtg__opt_table) / sizeof(vtg__opt_table[0]);
_Static_assert(sizeof(vtg__opt_table) / sizeof(vtg__opt_table[0]) == OPT_COUNT,
	       "one table entry per opt_id");

static const char *const SECTION_NAME[] = {
	[VTG_OPT_SEC_ENGINE] = "[engine]",
	[VTG_OPT_SEC_PERSP] = "[perspective]",
};

const struct vtg_opt *vtg__opt_find(enum vtg_opt_section section, const char *key)
{
	for (size_t i = 0; i < OPT_COUNT; i++)
		if (vtg__opt_table[i].section == section && !strcmp(vtg__opt_table[i].name, key))
			return &vtg__opt_table[i];
	return NULL;
}

int vtg__opt_parse_bool(const char *v, bool *out)
{
	static const char *const YES[] = {"yes", "true", "on", "1"};
	static const char *const NO[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < sizeof(YES) / sizeof(YES[0]); i++) {
		if (!strcasecmp(v, YES[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, NO[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int vtg__opt_parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	if (!*v)
		return -EINVAL;
	uint64_t x = 0;
	bool over = false;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL; /* sign, space, hex, unit: all refused */
		if (!over) {
			x = x * 10 + (uint64_t)(*p - '0');
			over = x > max; /* stop growing once past: no overflow */
		}
	}
	if (over || x < min)
		return -ERANGE;
	*out = (unsigned)x;
	return 0;
}

static int enum_index(const struct vtg_opt *o, const char *v)
{
	for (int i = 0; o->words[i]; i++)
		if (!strcasecmp(v, o->words[i]))
			return i;
	return -ENOENT;
}

int vtg__opt_allowed(const struct vtg_opt *o, char *buf, size_t cap)
{
	switch (o->type) {
	case VTG_OPT_BOOL:
		return snprintf(buf, cap, "yes or no; also true/false, on/off, 1/0");
	case VTG_OPT_UINT:
		return snprintf(buf, cap, "%u to %u", o->min, o->max);
	case VTG_OPT_STR:
	case VTG_OPT_PATH:
		return snprintf(buf, cap, "at most %u characters", o->max);
	case VTG_OPT_ENUM: {
		size_t n = 0, len = 0;
		while (o->words[n])
			n++;
		if (cap)
			buf[0] = 0;
		for (size_t i = 0; i < n; i++) {
			const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
			int w = snprintf(buf + (len < cap ? len : cap), len < cap ? cap - len : 0,
					 "%s%s", sep, o->words[i]);
			len += (size_t)(w > 0 ? w : 0);
		}
		return (int)len;
	}
	case VTG_OPT_ADDR:
		return snprintf(buf, cap, "ADDR, ADDR:PORT or [IPv6]:PORT");
	case VTG_OPT_HOST:
		return snprintf(buf, cap, "an IPv4 or IPv6 address");
	case VTG_OPT_COORDS:
		return snprintf(buf, cap, "LAT,LON in degrees, -90 to 90 and -180 to 180");
	}
	return snprintf(buf, cap, "?");
}

/* A value once checked, before it is stored. */
struct value {
	bool b;
	unsigned u;
	int word;
	const char *s;
	struct sockaddr_storage addr;
	double lat, lon;
};

static int parse_coords(const char *v, double *lat, double *lon)
{
	char extra;
	if (sscanf(v, "%lf , %lf %c", lat, lon, &extra) != 2)
		return -EINVAL;
	/* written so that NaN fails too */
	if (!(*lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180))
		return -ERANGE;
	return 0;
}

/* Check v against o; the reason in err. */
static int check(const struct vtg_opt *o, const char *v, struct value *out, char *err,
		 size_t errcap)
{
	char allowed[160];
	vtg__opt_allowed(o, allowed, sizeof(allowed));
	int rc;
	switch (o->type) {
	case VTG_OPT_BOOL:
		if (vtg__opt_parse_bool(v, &out->b) != 0) {
			snprintf(err, errcap, "not a boolean (%s)", allowed);
			return -EINVAL;
		}
		return 0;
	case VTG_OPT_UINT:
		rc = vtg__opt_parse_uint(v, o->min, o->max, &out->u);
		if (rc == -EINVAL)
			snprintf(err, errcap, "not a decimal number (%s)", allowed);
		else if (rc)
			snprintf(err, errcap, "out of range (%s)", allowed);
		return rc;
	case VTG_OPT_STR:
	case VTG_OPT_PATH:
		if (strlen(v) > o->max) {
			snprintf(err, errcap, "longer than %u characters", o->max);
			return -ERANGE;
		}
		out->s = v;
		return 0;
	case VTG_OPT_ENUM:
		if ((out->word = enum_index(o, v)) < 0) {
			snprintf(err, errcap, "not one of %s", allowed);
			return -EINVAL;
		}
		return 0;
	case VTG_OPT_ADDR:
		if (vtg__parse_addr(v, &out->addr) != 0) {
			snprintf(err, errcap, "not an address (%s)", allowed);
			return -EINVAL;
		}
		return 0;
	case VTG_OPT_HOST: {
		unsigned char a[sizeof(struct in6_addr)];
		if (strlen(v) > o->max ||
		    (inet_pton(AF_INET, v, a) != 1 && inet_pton(AF_INET6, v, a) != 1)) {
			snprintf(err, errcap, "not %s", allowed);
			return -EINVAL;
		}
		out->s = v;
		return 0;
	}
	case VTG_OPT_COORDS:
		rc = parse_coords(v, &out->lat, &out->lon);
		if (rc)
			snprintf(err, errcap, "not %s", allowed);
		return rc;
	}
	snprintf(err, errcap, "no parser for this type");
	return -EINVAL;
}

static void copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s); /* check() bounded the length */
}

static int store_engine(struct vtg_config *c, enum opt_id id, const struct value *v)
{
	struct vtg_engine_cfg *e = &c->engine;
	switch (id) {
	case E_TIMEOUT_MS: e->timeout_ms = v->u; break;
	case E_RETRIES: e->retries = v->u; break;
	case E_SLOTS: e->slots = v->u; break;
	case E_UPSTREAM_INFLIGHT: e->upstream_inflight = v->u; break;
	case E_RATE_QPS: e->rate_qps = v->u; break;
	case E_WORKERS: e->workers = v->u; break;
	case E_UDP_SIZE: e->udp_size = (uint16_t)v->u; break;
	case E_DNSSEC_OK: e->do_bit = v->b; break;
	case E_ROOT_HINTS: copy(c->iter.root_hints, sizeof(c->iter.root_hints), v->s); break;
	case E_TRUST_ANCHOR: copy(c->iter.trust_anchor, sizeof(c->iter.trust_anchor), v->s); break;
	case E_CACHE_MB: c->iter.cache_mb = v->u; break;
	case E_QNAME_0X20: c->iter.case_random = v->b; break;
	case E_MODE:
		c->run.mode = v->word == 0 ? VTG_MODE_ENFORCE
			    : v->word == 1 ? VTG_MODE_REPORT_ONLY : VTG_MODE_OFF;
		break;
	case E_MIN_REMOTES: c->run.min_remotes = (int)v->u; break;
	case E_QUORUM: c->run.quorum = v->u; break;
	case E_WINDOW: c->run.window = v->u; break;
	case E_EARLY_DECISION: c->run.early_decision = v->b; break;
	case E_HTTP_CONNECT_TIMEOUT: c->run.http_connect_timeout_ms = (unsigned)v->u; break;
	case E_HTTP_TIMEOUT: c->run.http_timeout_ms = (unsigned)v->u; break;
	case E_REMOTE_TIMEOUT: c->run.remote_timeout_ms = (unsigned)v->u; break;
	case E_LOOKUP_FAILURE_EXCEPTION: c->run.lookup_failure_exception = v->b; break;
	default: return -ENOENT;
	}
	return 0;
}

static int store_persp(struct vtg_persp_cfg *p, const struct vtg_opt *o, enum opt_id id,
		       const struct value *v, char *err, size_t errcap)
{
	switch (id) {
	case P_RIR: copy(p->rir, sizeof(p->rir), RIRS[v->word]); break;
	case P_LOCATION: copy(p->location, sizeof(p->location), v->s); break;
	case P_COORDINATES:
		p->lat = v->lat;
		p->lon = v->lon;
		p->has_location = true;
		break;
	case P_NETNS:
		if (!*v->s || strchr(v->s, '/')) {
			copy(p->netns, sizeof(p->netns), v->s);
		} else if (strlen(NETNS_DIR) + strlen(v->s) > o->max) {
			snprintf(err, errcap, "longer than %u characters with " NETNS_DIR
				 " before it", o->max);
			return -ERANGE;
		} else {
			snprintf(p->netns, sizeof(p->netns), NETNS_DIR "%s", v->s);
		}
		break;
	case P_SOURCE: copy(p->source, sizeof(p->source), v->s); break;
	case P_INTERFACE: copy(p->iface, sizeof(p->iface), v->s); break;
	case P_RESOLVER:
		if (p->n_upstreams >= o->max) {
			snprintf(err, errcap, "at most %u per perspective", o->max);
			return -ENOSPC;
		}
		p->upstream[p->n_upstreams++] = v->addr;
		break;
	case P_MODE:
		p->iterative = v->word == 1;
		p->remote = v->word == 2;
		break;
	case P_SOCKETS: p->sockets = v->u; break;
	case P_URL: copy(p->url, sizeof(p->url), v->s); break;
	case P_CA: copy(p->ca, sizeof(p->ca), v->s); break;
	case P_CLIENT_CERT: copy(p->client_cert, sizeof(p->client_cert), v->s); break;
	case P_CLIENT_KEY: copy(p->client_key, sizeof(p->client_key), v->s); break;
	case P_API_KEY_FILE: copy(p->api_key_file, sizeof(p->api_key_file), v->s); break;
	default: return -ENOENT;
	}
	return 0;
}

int vtg__opt_set(struct vtg_config *cfg, int persp, const char *key, const char *value,
		 char *err, size_t errcap)
{
	enum vtg_opt_section sec = persp == VTG_OPT_ENGINE ? VTG_OPT_SEC_ENGINE : VTG_OPT_SEC_PERSP;
	const struct vtg_opt *o = vtg__opt_find(sec, key);
	if (!o) {
		enum vtg_opt_section other = sec == VTG_OPT_SEC_ENGINE ? VTG_OPT_SEC_PERSP
								       : VTG_OPT_SEC_ENGINE;
		if (vtg__opt_find(other, key))
			snprintf(err, errcap, "belongs in %s, not in %s", SECTION_NAME[other],
				 SECTION_NAME[sec]);
		else
			snprintf(err, errcap, "unknown key in %s", SECTION_NAME[sec]);
		return -ENOENT;
	}
	if (persp != VTG_OPT_ENGINE && (persp < 0 || (unsigned)persp >= cfg->n_persp)) {
		snprintf(err, errcap, "no perspective %d to set it on", persp);
		return -ENOENT;
	}
	if (!value) {
		if (o->type != VTG_OPT_BOOL) {
			snprintf(err, errcap, "needs a value");
			return -EINVAL;
		}
		value = "yes"; /* a command-line switch given alone */
	}
	struct value v;
	memset(&v, 0, sizeof(v));
	int rc = check(o, value, &v, err, errcap);
	if (rc)
		return rc;
	enum opt_id id = (enum opt_id)(o - vtg__opt_table);
	if (sec == VTG_OPT_SEC_ENGINE)
		return store_engine(cfg, id, &v);
	return store_persp(&cfg->persp[persp], o, id, &v, err, errcap);
}

void vtg__opt_print_help(FILE *f, enum vtg_opt_section section, const char *prefix)
{
	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct vtg_opt *o = &vtg__opt_table[i];
		if (o->section != section)
			continue;
		char allowed[160], left[64];
		vtg__opt_allowed(o, allowed, sizeof(allowed));
		/* on the command line a switch alone means yes: --KEY[=BOOL] */
		if (o->type == VTG_OPT_BOOL && *prefix)
			snprintf(left, sizeof(left), "%s%s[=%s]", prefix, o->name, o->arg);
		else
			snprintf(left, sizeof(left), "%s%s %s", prefix, o->name, o->arg);
		fprintf(f, "  %-34s %s (%s; default %s)\n", left, o->help, allowed,
			o->def ? o->def : o->unset);
	}
}
