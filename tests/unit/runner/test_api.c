/*
 * test_api.c — the public API (include/vantage.h) end to end, through the
 * real engine, against a DNS server thread on 127.0.0.1 (a random port, real
 * UDP; no mocks). Only the public header is used: what an embedder can do,
 * this test does. The server answers from a fixed table of hand-made wire
 * records (names compared case-insensitively: the engine randomises case,
 * RFC draft 0x20); a name in the table asked for another type gets NODATA,
 * any other name NXDOMAIN, and a name whose first label is "drop" never gets
 * an answer (timeouts, cancellation).
 *   a.api.test                       A    192.0.2.1, TTL 300
 *   caa.api.test                     CAA  0 issue "ca.example"
 *   _acme-challenge.dcv.api.test     TXT  "token-123"
 *   1.2.0.192.in-addr.arpa           PTR  host.api.test.
 *   <2001:db8::1 in ip6.arpa>        PTR  HOST.api.test.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vantage.h"

/* ---- the server -------------------------------------------------------- */

struct rr {
	const char *owner;
	uint16_t type;
	uint32_t ttl;
	const char *rdata; /* wire form */
	uint16_t rdlen;
};

static const struct rr table[] = {
	{"a.api.test", 1, 300, "\xc0\x00\x02\x01", 4},
	{"caa.api.test", 257, 3600, "\x00\x05issueca.example", 17},
	{"_acme-challenge.dcv.api.test", 16, 60, "\x09token-123", 10},
	{"1.2.0.192.in-addr.arpa", 12, 300, "\x04host\x03" "api\x04test\x00", 15},
	{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", 12, 300,
	 "\x04HOST\x03" "api\x04test\x00", 15},
};

static struct {
	int fd;
	uint16_t port;
	char addr[32]; /* "127.0.0.1:PORT", what completion.server must say */
	pthread_t th;
	volatile int stop;
} S;

/* The question name of q as lower-case dotted text (no trailing dot); the
 * offset just past QTYPE/QCLASS, or 0 when the query is malformed. */
static size_t question(const uint8_t *q, size_t len, char *name, size_t cap, uint16_t *qtype)
{
	size_t off = 12, n = 0;
	while (off < len && q[off] != 0) {
		size_t l = q[off];
		if (l > 63 || off + 1 + l >= len || n + l + 2 > cap)
			return 0;
		if (n)
			name[n++] = '.';
		for (size_t k = 0; k < l; k++) {
			uint8_t c = q[off + 1 + k];
			name[n++] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
		}
		off += 1 + l;
	}
	name[n] = 0;
	if (off + 5 > len)
		return 0;
	*qtype = (uint16_t)(q[off + 1] << 8 | q[off + 2]);
	return off + 5;
}

/* header and question copied from the query (so ID, case and question
 * match), then the answer; OPT and everything after the question dropped */
static size_t answer(const uint8_t *q, size_t qend, uint8_t *out, unsigned rcode,
		     const struct rr *rr)
{
	memcpy(out, q, qend);
	out[2] = (uint8_t)(0x80 | 0x04 | (q[2] & 0x01)); /* QR AA RD */
	out[3] = (uint8_t)(0x80 | rcode);               /* RA */
	out[4] = 0, out[5] = 1;
	out[6] = 0, out[7] = rr ? 1 : 0;
	memset(out + 8, 0, 4);
	size_t off = qend;
	if (rr) {
		const uint8_t head[10] = {0xc0, 0x0c, (uint8_t)(rr->type >> 8), (uint8_t)rr->type, 0, 1,
					  (uint8_t)(rr->ttl >> 24), (uint8_t)(rr->ttl >> 16),
					  (uint8_t)(rr->ttl >> 8), (uint8_t)rr->ttl};
		memcpy(out + off, head, 10);
		off += 10;
		out[off++] = (uint8_t)(rr->rdlen >> 8);
		out[off++] = (uint8_t)rr->rdlen;
		memcpy(out + off, rr->rdata, rr->rdlen);
		off += rr->rdlen;
	}
	return off;
}

static void *server_main(void *arg)
{
	(void)arg;
	uint8_t q[1500], out[1500];
	struct pollfd pfd = {.fd = S.fd, .events = POLLIN};
	while (!S.stop) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(S.fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		char name[256];
		uint16_t qtype;
		size_t qend = n > 12 ? question(q, (size_t)n, name, sizeof(name), &qtype) : 0;
		if (qend == 0 || !strncmp(name, "drop", 4))
			continue;
		const struct rr *hit = NULL;
		int exists = 0;
		for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			if (!strcmp(table[i].owner, name)) {
				exists = 1;
				if (table[i].type == qtype)
					hit = &table[i];
			}
		size_t len = answer(q, qend, out, exists ? 0 : 3, hit);
		sendto(S.fd, out, len, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static void server_start(void)
{
	memset(&S, 0, sizeof(S));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	S.fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(S.fd, 0);
	cr_assert_eq(bind(S.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	cr_assert_eq(getsockname(S.fd, (struct sockaddr *)&a, &al), 0);
	S.port = ntohs(a.sin_port);
	snprintf(S.addr, sizeof(S.addr), "127.0.0.1:%u", S.port);
	cr_assert_eq(pthread_create(&S.th, NULL, server_main, NULL), 0);
}

static void server_stop(void)
{
	S.stop = 1;
	pthread_join(S.th, NULL);
	close(S.fd);
}

TestSuite(api, .init = server_start, .fini = server_stop, .timeout = 30);

/* ---- helpers ------------------------------------------------------------ */

static const char *const CA[] = {"ca.example"};

static struct vtg_options opts(void)
{
	struct vtg_options o = {.resolver = S.addr, .timeout_ms = 200, .retries = 1};
	return o;
}

static struct vtg_engine *engine(const struct vtg_options *o)
{
	struct vtg_engine *e = NULL;
	char err[256] = "";
	int rc = vtg_engine_new(&e, o, err, sizeof(err));
	cr_assert_eq(rc, 0, "vtg_engine_new: %d %s", rc, err);
	cr_assert_not_null(e);
	return e;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint64_t submit(struct vtg_engine *e, const struct vtg_check *chk, void *user)
{
	uint64_t id = 0;
	int rc = vtg_submit_check(e, chk, user, &id);
	cr_assert_eq(rc, 0, "submit %s: %s", chk->name ? chk->name : "(null)", vtg_strerror(rc));
	return id;
}

static uint64_t query(struct vtg_engine *e, const char *name, uint16_t qtype, void *user)
{
	struct vtg_check chk = {.kind = VTG_CHECK_QUERY, .name = name, .qtype = qtype};
	return submit(e, &chk, user);
}

typedef void check_fn(const struct vtg_completion *c);

/* vtg_poll until want completions arrived (or ms passed); each is checked at
 * once, since its pointers only live until the next vtg_poll */
static unsigned collect(struct vtg_engine *e, unsigned want, int ms, check_fn *check)
{
	unsigned got = 0;
	long end = now_ms() + ms;
	while (got < want && now_ms() < end) {
		struct vtg_completion c[8];
		int n = vtg_poll(e, c, 8, 50);
		cr_assert_geq(n, 0, "vtg_poll: %s", vtg_strerror(n));
		for (int i = 0; i < n; i++)
			check(&c[i]);
		got += (unsigned)n;
	}
	return got;
}

static int starts_with(const char *s, const char *prefix)
{
	return s && prefix && !strncmp(s, prefix, strlen(prefix));
}

/* what every completion of a one-resolver engine carries */
static void common_fields(const struct vtg_completion *c)
{
	cr_assert_not_null(c->name);
	cr_assert_not_null(c->reason);
	if (c->kind == VTG_CHECK_CAA)
		cr_assert(starts_with(c->reason, vtg_caa_reason_str(c->reason_code)),
			  "reason '%s' vs code %d", c->reason, c->reason_code);
	else
		cr_assert(starts_with(c->reason, vtg_reason_str(c->reason_code)),
			  "reason '%s' vs code %d", c->reason, c->reason_code);
	cr_assert_eq(c->n_perspectives, 1);
	cr_assert_not_null(c->perspectives);
	cr_assert_eq(c->perspectives[0].primary, 1);
	cr_assert_not_null(c->perspectives[0].id);
	cr_assert_not_null(c->perspectives[0].reason);
	if (c->dnssec != VTG_DNSSEC_BOGUS)
		cr_assert_null(c->why_bogus);
	cr_assert_not_null(c->json);
	cr_assert_eq(c->json_len, strlen(c->json));
	cr_assert_eq(c->json[0], '{');
}

/* ---- every kind through one engine ------------------------------------- */

enum { U_CAA, U_DCV, U_A, U_NX, U_N };
static int users[U_N];
static unsigned seen[U_N];

static void check_kinds(const struct vtg_completion *c)
{
	common_fields(c);
	int u = (int)((int *)c->user - users);
	cr_assert(u >= 0 && u < U_N);
	seen[u]++;
	switch (u) {
	case U_CAA:
		cr_assert_eq(c->kind, VTG_CHECK_CAA);
		cr_assert_str_eq(c->name, "caa.api.test");
		cr_assert_eq(c->reason_code, VTG_CAA_AUTHORIZED, "%s", c->reason);
		cr_assert_eq(c->positive, 1);
		cr_assert(vtg_caa_reason_permits(c->reason_code));
		cr_assert_eq(c->rcode, 0);
		break;
	case U_DCV:
		cr_assert_eq(c->kind, VTG_CHECK_DCV);
		cr_assert_str_eq(c->name, "dcv.api.test");
		cr_assert_eq(c->reason_code, VTG_REASON_DCV_PASS, "%s", c->reason);
		cr_assert_str_eq(vtg_reason_str(c->reason_code), "pass");
		cr_assert_eq(c->positive, 1);
		cr_assert_eq(c->rcode, 0);
		break;
	case U_A:
		cr_assert_eq(c->kind, VTG_CHECK_QUERY);
		cr_assert_str_eq(c->name, "a.api.test");
		cr_assert_eq(c->reason_code, VTG_REASON_ANSWERED, "%s", c->reason);
		cr_assert_eq(c->positive, 1);
		cr_assert_eq(c->rcode, 0);
		cr_assert_null(c->failure);
		cr_assert_str_eq(c->server, S.addr);
		cr_assert_eq(c->n_records, 1);
		const struct vtg_record *r = &c->records[0];
		cr_assert(!strcasecmp(r->owner, "a.api.test."), "owner %s", r->owner);
		cr_assert_eq(r->type, 1);
		cr_assert_eq(r->rclass, 1);
		cr_assert_eq(r->ttl, 300);
		cr_assert_eq(r->rdlen, 4);
		cr_assert_arr_eq(r->rdata, "\xc0\x00\x02\x01", 4);
		cr_assert(!strncasecmp(r->text, "a.api.test.", 11), "text %s", r->text);
		cr_assert_not_null(strstr(r->text, "300"), "text %s", r->text);
		cr_assert_not_null(strstr(r->text, "192.0.2.1"), "text %s", r->text);
		cr_assert_eq(c->perspectives[0].rcode, 0);
		cr_assert_eq(c->perspectives[0].answered, 1);
		cr_assert_eq(c->perspectives[0].positive, 1);
		break;
	case U_NX:
		cr_assert_eq(c->kind, VTG_CHECK_QUERY);
		cr_assert_eq(c->reason_code, VTG_REASON_ANSWERED, "%s", c->reason);
		cr_assert_eq(c->positive, 1, "a response is a positive query");
		cr_assert_eq(c->rcode, 3);
		cr_assert_eq(c->n_records, 0);
		cr_assert_str_eq(c->server, S.addr);
		break;
	}
}

Test(api, every_kind_through_one_engine)
{
	struct vtg_options o = opts(); /* no CA names, no DCV defaults, kind CAA */
	struct vtg_engine *e = engine(&o);
	struct vtg_check caa = {.kind = VTG_CHECK_CAA, .name = "caa.api.test",
				.ca_domains = CA, .n_ca_domains = 1};
	struct vtg_check dcv = {.kind = VTG_CHECK_DCV, .name = "dcv.api.test",
				.dcv_method = "dns-01", .expect = "token-123"};
	uint64_t ids[U_N];
	ids[U_CAA] = submit(e, &caa, &users[U_CAA]);
	ids[U_DCV] = submit(e, &dcv, &users[U_DCV]);
	ids[U_A] = query(e, "a.api.test", 1, &users[U_A]);
	ids[U_NX] = query(e, "nx.api.test", 1, &users[U_NX]);
	for (int i = 0; i < U_N; i++)
		for (int j = 0; j < i; j++)
			cr_assert_neq(ids[i], ids[j], "ids are distinct");
	cr_assert_eq(vtg_pending(e), U_N);
	cr_assert_eq(collect(e, U_N, 5000, check_kinds), U_N);
	for (int i = 0; i < U_N; i++)
		cr_assert_eq(seen[i], 1, "check %d completed %u times", i, seen[i]);
	cr_assert_eq(vtg_pending(e), 0);
	vtg_engine_free(e);
}

static void check_dcv_mismatch(const struct vtg_completion *c)
{
	common_fields(c);
	cr_assert_eq(c->reason_code, VTG_REASON_DCV_MISMATCH, "%s", c->reason);
	cr_assert_eq(c->positive, 0);
}

Test(api, dcv_wrong_value_is_a_mismatch_not_an_error)
{
	struct vtg_options o = opts();
	o.kind = VTG_CHECK_DCV;
	o.dcv_method = "dns-01";
	struct vtg_engine *e = engine(&o);
	cr_assert_eq(vtg_submit(e, "dcv.api.test", "token-999", NULL), 0);
	cr_assert_eq(collect(e, 1, 5000, check_dcv_mismatch), 1);
	vtg_engine_free(e);
}

/* ---- reverse-lookup (BR 3.2.2.5.3) -------------------------------------- */

enum { R_V4, R_V6_ANY, R_OTHER, R_NXDOMAIN, R_NOT_IP, R_N };
static int rusers[R_N];
static unsigned rseen[R_N];

static void has_json(const struct vtg_completion *c, const char *want)
{
	cr_assert_not_null(strstr(c->json, want), "%s not in %s", want, c->json);
}

static void check_reverse(const struct vtg_completion *c)
{
	common_fields(c);
	int u = (int)((int *)c->user - rusers);
	cr_assert(u >= 0 && u < R_N);
	rseen[u]++;
	cr_assert_eq(c->kind, VTG_CHECK_DCV);
	switch (u) {
	case R_V4: /* the expected name in another case, no trailing dot */
		cr_assert_str_eq(c->name, "192.0.2.1");
		cr_assert_eq(c->reason_code, VTG_REASON_DCV_PASS, "%s", c->reason);
		cr_assert_eq(c->positive, 1);
		has_json(c, "\"query\":\"1.2.0.192.in-addr.arpa\"");
		has_json(c, "\"qtype\":\"PTR\"");
		has_json(c, "\"seen\":\"host.api.test.\"");
		break;
	case R_V6_ANY: /* no expected name: the names seen; name as given */
		cr_assert_str_eq(c->name, "2001:DB8:0::1");
		cr_assert_eq(c->reason_code, VTG_REASON_DCV_PASS, "%s", c->reason);
		has_json(c, "\"name\":\"2001:DB8:0::1\"");
		has_json(c, "\"ascii_name\":\"2001:db8::1\"");
		has_json(c, "\"query\":\"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
			    ".ip6.arpa\"");
		has_json(c, "\"seen\":\"host.api.test.\"");
		break;
	case R_OTHER:
		cr_assert_eq(c->reason_code, VTG_REASON_DCV_MISMATCH, "%s", c->reason);
		cr_assert_eq(c->positive, 0);
		cr_assert_not_null(strstr(c->reason, "(points to host.api.test.)"), "%s", c->reason);
		break;
	case R_NXDOMAIN:
		cr_assert_eq(c->reason_code, VTG_REASON_DCV_NO_RECORD, "%s", c->reason);
		cr_assert_eq(c->rcode, 3);
		break;
	case R_NOT_IP: /* invalid, with the reason; no query made */
		cr_assert_eq(c->reason_code, VTG_REASON_DCV_INVALID, "%s", c->reason);
		cr_assert(starts_with(c->reason, "invalid-request: DCV target is not an IPv4 or "
						 "IPv6 address literal"), "%s", c->reason);
		cr_assert_eq(c->positive, 0);
		break;
	}
}

Test(api, dcv_reverse_lookup)
{
	struct vtg_options o = opts();
	o.kind = VTG_CHECK_DCV;
	o.dcv_method = "reverse-lookup";
	struct vtg_engine *e = engine(&o);
	struct vtg_check chk[R_N] = {
		[R_V4] = {.kind = VTG_CHECK_DCV, .name = "192.0.2.1", .expect = "Host.API.test"},
		[R_V6_ANY] = {.kind = VTG_CHECK_DCV, .name = "2001:DB8:0::1"},
		[R_OTHER] = {.kind = VTG_CHECK_DCV, .name = "192.0.2.1", .expect = "other.api.test."},
		[R_NXDOMAIN] = {.kind = VTG_CHECK_DCV, .name = "192.0.2.2"},
		[R_NOT_IP] = {.kind = VTG_CHECK_DCV, .name = "host.api.test"},
	};
	for (int i = 0; i < R_N; i++)
		submit(e, &chk[i], &rusers[i]);
	cr_assert_eq(collect(e, R_N, 5000, check_reverse), R_N);
	for (int i = 0; i < R_N; i++)
		cr_assert_eq(rseen[i], 1, "check %d completed %u times", i, rseen[i]);
	vtg_engine_free(e);
}

static void check_timeout(const struct vtg_completion *c)
{
	common_fields(c);
	cr_assert_eq(c->reason_code, VTG_REASON_QUERY_FAILED, "%s", c->reason);
	cr_assert_eq(c->positive, 0);
	cr_assert_eq(c->rcode, VTG_RCODE_NO_RESPONSE);
	cr_assert_str_eq(c->failure, "timeout");
	cr_assert_eq(c->n_records, 0);
	cr_assert_eq(c->perspectives[0].answered, 0);
	cr_assert_eq(c->perspectives[0].rcode, VTG_RCODE_NO_RESPONSE);
}

Test(api, unanswered_query_fails_with_timeout)
{
	struct vtg_options o = opts();
	o.timeout_ms = 100;
	struct vtg_engine *e = engine(&o);
	query(e, "drop.api.test", 1, NULL);
	cr_assert_eq(collect(e, 1, 5000, check_timeout), 1);
	vtg_engine_free(e);
}

static void check_invalid(const struct vtg_completion *c)
{
	common_fields(c);
	cr_assert_eq(c->reason_code, VTG_REASON_INVALID_NAME, "%s", c->reason);
	cr_assert_eq(c->positive, 0);
	cr_assert_str_eq(c->name, "bad..name.test");
}

Test(api, invalid_name_completes_as_invalid)
{
	struct vtg_options o = opts();
	struct vtg_engine *e = engine(&o);
	query(e, "bad..name.test", 1, NULL);
	cr_assert_eq(collect(e, 1, 5000, check_invalid), 1);
	vtg_engine_free(e);
}

/* ---- the descriptor-driven loop ----------------------------------------- */

Test(api, engine_fd_drives_the_loop)
{
	struct vtg_options o = opts();
	struct vtg_engine *e = engine(&o);
	int fd = vtg_engine_fd(e);
	cr_assert_geq(fd, 0);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	cr_assert_eq(poll(&pfd, 1, 0), 0, "readable before anything was submitted");
	query(e, "a.api.test", 1, &users[U_A]);
	query(e, "nx.api.test", 1, &users[U_NX]);
	unsigned got = 0;
	long end = now_ms() + 5000;
	while (got < 2 && now_ms() < end) {
		int r = poll(&pfd, 1, 1000);
		cr_assert_geq(r, 0);
		if (r == 0)
			continue;
		cr_assert(pfd.revents & POLLIN);
		struct vtg_completion c[4];
		int n = vtg_poll(e, c, 4, 0);
		cr_assert_gt(n, 0, "the fd was readable, so a completion is ready");
		for (int i = 0; i < n; i++)
			check_kinds(&c[i]);
		got += (unsigned)n;
	}
	cr_assert_eq(got, 2);
	cr_assert_eq(poll(&pfd, 1, 0), 0, "still readable with nothing left");
	vtg_engine_free(e);
}

Test(api, engine_fd_stays_readable_while_completions_remain)
{
	struct vtg_options o = opts();
	struct vtg_engine *e = engine(&o);
	struct pollfd pfd = {.fd = vtg_engine_fd(e), .events = POLLIN};
	query(e, "a.api.test", 1, &users[U_A]);
	query(e, "a.api.test", 1, &users[U_A]);
	struct vtg_completion c[1];
	unsigned got = 0;
	long end = now_ms() + 5000;
	while (got < 2 && now_ms() < end) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		int n = vtg_poll(e, c, 1, 0); /* one at a time: the rest stays ready */
		cr_assert_geq(n, 0);
		got += (unsigned)n;
	}
	cr_assert_eq(got, 2);
	vtg_engine_free(e);
}

/* ---- cancellation -------------------------------------------------------- */

static uint64_t cancelled_id;
static unsigned cancelled_n;

static void check_cancelled(const struct vtg_completion *c)
{
	cancelled_n++;
	cr_assert_eq(c->id, cancelled_id);
	cr_assert_eq(c->reason_code, VTG_REASON_CANCELLED, "%s", c->reason);
	cr_assert(starts_with(c->reason, vtg_reason_str(VTG_REASON_CANCELLED)));
	cr_assert_str_eq(vtg_reason_str(VTG_REASON_CANCELLED), "cancelled");
	cr_assert_eq(c->positive, 0);
	cr_assert_str_eq(c->name, "drop.api.test");
}

Test(api, cancel_completes_once_as_cancelled)
{
	struct vtg_options o = opts();
	o.timeout_ms = 300; /* the lookups run out in about 600 ms, after the cancel */
	struct vtg_engine *e = engine(&o);
	cancelled_id = query(e, "drop.api.test", 1, NULL);
	cr_assert_eq(vtg_cancel(e, cancelled_id), 0);
	cr_assert_eq(vtg_cancel(e, cancelled_id), -EALREADY);
	cr_assert_eq(vtg_cancel(e, cancelled_id + 1000), -ENOENT);
	cr_assert_eq(collect(e, 1, 5000, check_cancelled), 1);
	/* the withdrawn lookups time out in the workers: no second completion */
	cr_assert_eq(collect(e, 1, 1500, check_cancelled), 0);
	cr_assert_eq(cancelled_n, 1);
	cr_assert_eq(vtg_pending(e), 0);
	vtg_engine_free(e);
}

Test(api, cancel_of_unknown_id)
{
	struct vtg_options o = opts();
	struct vtg_engine *e = engine(&o);
	cr_assert_eq(vtg_cancel(e, 12345), -ENOENT);
	vtg_engine_free(e);
}

/* ---- callback mode ------------------------------------------------------- */

#define CB_N 6
static unsigned cb_calls[CB_N];
static int cb_reason[CB_N];
static int cb_user[CB_N];
static int cb_wrong; /* a worker thread must not cr_assert: count, check later */

static void on_complete(void *ud, const struct vtg_completion *c)
{
	int u = (int)((int *)c->user - cb_user);
	if (ud != (void *)cb_calls || u < 0 || u >= CB_N) {
		__atomic_add_fetch(&cb_wrong, 1, __ATOMIC_SEQ_CST);
		return;
	}
	__atomic_store_n(&cb_reason[u], c->reason_code, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&cb_calls[u], 1, __ATOMIC_SEQ_CST);
}

static unsigned cb_total(void)
{
	unsigned t = 0;
	for (int i = 0; i < CB_N; i++)
		t += __atomic_load_n(&cb_calls[i], __ATOMIC_SEQ_CST);
	return t;
}

Test(api, callback_mode_calls_once_per_check)
{
	struct vtg_options o = opts();
	o.timeout_ms = 300;
	o.on_complete = on_complete;
	o.on_complete_ud = cb_calls;
	struct vtg_engine *e = engine(&o);
	query(e, "a.api.test", 1, &cb_user[0]);
	query(e, "nx.api.test", 1, &cb_user[1]);
	query(e, "a.api.test", 28, &cb_user[2]); /* NODATA */
	struct vtg_check caa = {.kind = VTG_CHECK_CAA, .name = "caa.api.test",
				.ca_domains = CA, .n_ca_domains = 1};
	submit(e, &caa, &cb_user[3]);
	uint64_t id = query(e, "drop.api.test", 1, &cb_user[4]);
	cr_assert_eq(vtg_cancel(e, id), 0); /* delivered through the callback too */
	long end = now_ms() + 5000;
	while (cb_total() < 5 && now_ms() < end)
		cr_assert_geq(vtg_poll(e, NULL, 0, 50), 0);
	/* keep recycling past the cancelled lookups' timeout: nothing repeats */
	end = now_ms() + 1000;
	while (now_ms() < end)
		cr_assert_geq(vtg_poll(e, NULL, 0, 50), 0);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(cb_calls[i], 1, "check %d: %u calls", i, cb_calls[i]);
	cr_assert_eq(cb_calls[5], 0);
	cr_assert_eq(cb_wrong, 0, "a completion with the wrong ud or user");
	cr_assert_eq(cb_reason[0], VTG_REASON_ANSWERED);
	cr_assert_eq(cb_reason[1], VTG_REASON_ANSWERED);
	cr_assert_eq(cb_reason[2], VTG_REASON_ANSWERED);
	cr_assert_eq(cb_reason[3], VTG_CAA_AUTHORIZED);
	cr_assert_eq(cb_reason[4], VTG_REASON_CANCELLED);
	cr_assert_eq(vtg_pending(e), 0);
	vtg_engine_free(e);
}

/* ---- back-pressure -------------------------------------------------------- */

static void check_any(const struct vtg_completion *c)
{
	common_fields(c);
}

Test(api, full_window_says_eagain_until_polled)
{
	struct vtg_options o = opts();
	o.window = 2;
	struct vtg_engine *e = engine(&o);
	query(e, "a.api.test", 1, NULL);
	query(e, "nx.api.test", 1, NULL);
	struct vtg_check third = {.kind = VTG_CHECK_QUERY, .name = "a.api.test", .qtype = 16};
	/* the two finish quickly, but stay unreaped until vtg_poll returns them */
	usleep(100 * 1000);
	cr_assert_eq(vtg_submit_check(e, &third, NULL, NULL), -EAGAIN);
	cr_assert_eq(vtg_pending(e), 2);
	cr_assert_eq(collect(e, 2, 5000, check_any), 2);
	/* the returned completions stay valid until the next vtg_poll, so
	 * their entries come back only then */
	cr_assert_eq(vtg_submit_check(e, &third, NULL, NULL), -EAGAIN);
	struct vtg_completion none[1];
	cr_assert_eq(vtg_poll(e, none, 1, 0), 0);
	cr_assert_eq(vtg_submit_check(e, &third, NULL, NULL), 0);
	cr_assert_eq(vtg_submit_check(e, &third, NULL, NULL), 0);
	cr_assert_eq(vtg_submit_check(e, &third, NULL, NULL), -EAGAIN);
	cr_assert_eq(collect(e, 2, 5000, check_any), 2);
	cr_assert_eq(vtg_pending(e), 0);
	vtg_engine_free(e);
}

/* ---- two engines at once --------------------------------------------------- */

static int tag_a[3], tag_b[3];
static uint64_t ids_a[3], ids_b[3];
static unsigned got_a, got_b;

static void check_engine_a(const struct vtg_completion *c)
{
	int u = (int)((int *)c->user - tag_a);
	cr_assert(u >= 0 && u < 3, "engine A got a completion that is not its own");
	cr_assert_eq(c->id, ids_a[u]);
	cr_assert_str_eq(c->name, "a.api.test");
	got_a++;
}

static void check_engine_b(const struct vtg_completion *c)
{
	int u = (int)((int *)c->user - tag_b);
	cr_assert(u >= 0 && u < 3, "engine B got a completion that is not its own");
	cr_assert_eq(c->id, ids_b[u]);
	cr_assert_str_eq(c->name, "nx.api.test");
	cr_assert_eq(c->rcode, 3);
	got_b++;
}

Test(api, two_engines_each_see_only_their_own)
{
	struct vtg_options o = opts();
	struct vtg_engine *a = engine(&o);
	struct vtg_engine *b = engine(&o);
	cr_assert_neq(vtg_engine_fd(a), vtg_engine_fd(b));
	for (int i = 0; i < 3; i++) {
		ids_a[i] = query(a, "a.api.test", 1, &tag_a[i]);
		ids_b[i] = query(b, "nx.api.test", 1, &tag_b[i]);
	}
	cr_assert_eq(vtg_pending(a), 3);
	cr_assert_eq(vtg_pending(b), 3);
	cr_assert_eq(collect(b, 3, 5000, check_engine_b), 3);
	cr_assert_eq(vtg_pending(a), 3, "polling B reaped nothing of A");
	cr_assert_eq(collect(a, 3, 5000, check_engine_a), 3);
	cr_assert_eq(collect(a, 1, 300, check_engine_a), 0);
	cr_assert_eq(collect(b, 1, 300, check_engine_b), 0);
	cr_assert_eq(got_a, 3);
	cr_assert_eq(got_b, 3);
	vtg_engine_free(a);
	/* B outlives A */
	ids_b[0] = query(b, "nx.api.test", 1, &tag_b[0]);
	cr_assert_eq(collect(b, 1, 5000, check_engine_b), 1);
	vtg_engine_free(b);
}

/* ---- refused submits: no completion follows ------------------------------- */

Test(api, bad_submits_are_refused)
{
	struct vtg_options o = opts(); /* no CA names of its own */
	struct vtg_engine *e = engine(&o);
	uint64_t id = 77;
	struct vtg_check c = {.kind = VTG_CHECK_QUERY, .name = NULL, .qtype = 1};
	cr_assert_eq(vtg_submit_check(e, &c, NULL, &id), -EINVAL, "NULL name");
	c = (struct vtg_check){.kind = (enum vtg_check_kind)99, .name = "a.api.test", .qtype = 1};
	cr_assert_eq(vtg_submit_check(e, &c, NULL, &id), -EINVAL, "kind 99");
	c = (struct vtg_check){.kind = VTG_CHECK_QUERY, .name = "a.api.test", .qtype = 0};
	cr_assert_eq(vtg_submit_check(e, &c, NULL, &id), -EINVAL, "query type 0");
	c = (struct vtg_check){.kind = VTG_CHECK_CAA, .name = "caa.api.test"};
	cr_assert_eq(vtg_submit_check(e, &c, NULL, &id), -EINVAL, "CAA without CA names");
	c = (struct vtg_check){.kind = VTG_CHECK_DCV, .name = "dcv.api.test",
			       .dcv_method = "bogus", .expect = "token-123"};
	cr_assert_eq(vtg_submit_check(e, &c, NULL, &id), VTG_EDCV_METHOD, "unknown DCV method");
	cr_assert_eq(vtg_submit(e, "caa.api.test", NULL, NULL), -EINVAL,
		     "vtg_submit of the engine's kind (CAA) without CA names");
	cr_assert_eq(vtg_pending(e), 0);
	cr_assert_eq(collect(e, 1, 300, check_any), 0, "a refused submit never completes");
	vtg_engine_free(e);
}

Test(api, engine_ca_names_serve_checks_without_their_own)
{
	struct vtg_options o = opts();
	o.ca_domains = CA;
	o.n_ca_domains = 1;
	struct vtg_engine *e = engine(&o);
	cr_assert_eq(vtg_submit(e, "caa.api.test", NULL, &users[U_CAA]), 0);
	cr_assert_eq(collect(e, 1, 5000, check_kinds), 1);
	vtg_engine_free(e);
}

/* ---- refused engines ------------------------------------------------------- */

static void refused(const struct vtg_options *o, int want, const char *what)
{
	struct vtg_engine *e = NULL;
	char err[256] = "";
	int rc = vtg_engine_new(&e, o, err, sizeof(err));
	cr_assert_eq(rc, want, "%s: %d (%s)", what, rc, err);
	cr_assert_neq(err[0], 0, "%s: a reason is given", what);
	cr_assert_null(strstr(err, "--"), "%s: the library speaks of options, not flags: %s", what,
		       err);
}

Test(api, engine_new_refuses_contradictions)
{
	struct vtg_options o = {.kind = VTG_CHECK_QUERY, .qtype = 1};
	refused(&o, -EINVAL, "no perspectives at all");
	o.resolver = "127.0.0.1:53";
	o.config_text = "[perspective p0]\nresolver = 127.0.0.1\n";
	refused(&o, -EINVAL, "resolver and config_text");
}

/* The quorum option: below the BR 3.2.2.9 table, or above the remotes, the
 * engine is refused before any perspective starts (report-only, so the
 * primary need not validate; min_remotes 0 for a 3-remote test set). */
Test(api, engine_new_refuses_a_quorum_the_table_forbids)
{
	struct vtg_options o = {.kind = VTG_CHECK_CAA, .mode = VTG_MODE_REPORT_ONLY,
				.min_remotes = 0, .quorum = 1};
	o.config_text = "[perspective p0]\nresolver = 127.0.0.1\n"
			"[perspective a]\nrir = ARIN\nresolver = 127.0.0.1\n"
			"[perspective b]\nrir = RIPE\nresolver = 127.0.0.1\n"
			"[perspective c]\nrir = APNIC\nresolver = 127.0.0.1\n";
	refused(&o, VTG_ECONFIG, "quorum 1 of 3");
	o.quorum = 4;
	refused(&o, VTG_ECONFIG, "quorum 4 of 3");
}

Test(api, strings_for_every_code)
{
	cr_assert_str_eq(vtg_version(), VTG_VERSION_STRING);
	cr_assert_str_eq(vtg_reason_str(VTG_REASON_ANSWERED), "answered");
	cr_assert_str_eq(vtg_dnssec_str(VTG_DNSSEC_SECURE), "secure");
	cr_assert_str_eq(vtg_dnssec_str(VTG_DNSSEC_BOGUS), "bogus");
	for (int r = VTG_REASON_DCV_PASS; r <= VTG_REASON_DCV_INVALID; r++)
		cr_assert_not_null(vtg_reason_str(r));
	cr_assert_not_null(vtg_strerror(VTG_EDCV_METHOD));
}

/* A check on some of the engine's perspectives (0.4: vtg_check.perspectives
 * and quorum, an MPIC coordinator's cohort): only they run, only they are
 * listed, the quorum counts over them; a quorum out of their range is
 * refused at submit. */
static void check_cohort(const struct vtg_completion *c)
{
	cr_assert_eq(c->n_perspectives, 3, "the primary and the cohort's two");
	cr_assert_str_eq(c->perspectives[0].id, "p0");
	cr_assert_str_eq(c->perspectives[1].id, "b");
	cr_assert_str_eq(c->perspectives[2].id, "d");
	cr_assert_eq(c->quorum_n, 2);
	cr_assert_eq(c->quorum_k, 2);
	cr_assert_eq(c->corroborated, 1);
	cr_assert_null(strstr(c->json, "\"id\":\"a\""), "a was not asked: %s", c->json);
	cr_assert_not_null(strstr(c->json, "\"quorum\":\"2/2\""), "%s", c->json);
	cr_assert_not_null(strstr(c->json, "\"quorum_needed\":2"), "%s", c->json);
}

Test(api, check_on_a_cohort_with_its_quorum)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "[perspective p0]\nresolver = %s\n"
		 "[perspective a]\nrir = ARIN\nresolver = %s\n"
		 "[perspective b]\nrir = RIPE NCC\nresolver = %s\n"
		 "[perspective c]\nrir = APNIC\nresolver = %s\n"
		 "[perspective d]\nrir = LACNIC\nresolver = %s\n",
		 S.addr, S.addr, S.addr, S.addr, S.addr);
	struct vtg_options o = {.config_text = text, .kind = VTG_CHECK_CAA,
				.mode = VTG_MODE_REPORT_ONLY, .min_remotes = 0,
				.ca_domains = CA, .n_ca_domains = 1, .timeout_ms = 200};
	struct vtg_engine *e = engine(&o);
	struct vtg_check chk = {.kind = VTG_CHECK_CAA, .name = "caa.api.test",
				.perspectives = 1u << 2 | 1u << 4, .quorum = 2};
	submit(e, &chk, NULL);
	cr_assert_eq(collect(e, 1, 5000, check_cohort), 1);
	chk.quorum = 3; /* more than its two remotes */
	cr_assert_eq(vtg_submit_check(e, &chk, NULL, NULL), -EINVAL);
	vtg_engine_free(e);
}
