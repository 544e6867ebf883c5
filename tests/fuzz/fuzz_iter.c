/*
 * fuzz_iter.c — the iterative resolver's step machine (resolver/iter.c)
 * fed arbitrary answers, with no socket and a virtual clock.
 *
 * Input layout (every field optional: a short input just times out):
 *   byte 0   flags: bit 0 validate (root trust anchor: the replay fixtures'
 *            DS), bit 1 0x20 case randomisation, bit 2 two perspectives,
 *            bit 3 a second round of the same lookups (cache paths) after
 *            the clock moved by byte 1 * 10 s, bits 4-5: lookups - 1
 *   byte 1   clock advance before the second round
 *   then per lookup one byte: name (low 4 bits, NAMES) and type (high 4
 *   bits, TYPES)
 *   then records, one per query in the order the queries are sent:
 *     kind byte K, delay byte D (virtual ms = D * 20), then by K % 4:
 *       0  a response: 12-byte header (id replaced, QR set, QDCOUNT 1),
 *          then the query's own question, then LEN (2 bytes) octets of
 *          sections; compression pointers may point at the question (12)
 *       1  a timeout (the query's tries)
 *       2  a transport failure: the next byte picks it (truncated over TCP,
 *          local, ...)
 *       3  a whole message as given: LEN (2 bytes) octets, question and all
 *     A message that does not parse is reported as malformed, as the
 *     engine does. When the input is used up every query times out.
 *
 * Invariants (abort() on breach): every lookup completes exactly once
 * (done count == lookups started, per round), nothing stays active, every
 * query gets exactly one response, and a round sends at most
 * QUERY_BOUND_PER_LOOKUP queries per lookup. ASan / UBSan catch the rest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "resolver/dnssec.h"
#include "resolver/iter.h"
#include "resolver/lookup.h"
#include "resolver/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* VTG_ITER_WORK_MAX queries per lookup (nested ones included) plus the one
 * same-server retry of an error rcode (BR 3.2.2.8) that may follow the
 * last counted query. */
#define QUERY_BOUND_PER_LOOKUP (VTG_ITER_WORK_MAX + 4)
#define LOOKUPS_MAX 4
#define PENDING_MAX 4096
#define START_MS 1780272000000ull /* 2026-06-01, inside the fixtures' window */
#define TIMEOUT_MS 2400u

static const char *const NAMES[16] = {
	"www.example.test.", "example.test.", "test.", ".",
	"a.b.c.example.test.", "www.secure.test.", "secure.test.", "www.insecure.test.",
	"ns1.test.", "www.example.net.", "x.evil.test.", "_acme-challenge.example.test.",
	"deep.a.b.c.d.e.f.g.example.test.", "www.a.dead.", "WwW.ExAmPlE.TeSt.", "net.",
};
static const uint16_t TYPES[16] = {
	VTG_TYPE_CAA, VTG_TYPE_A, VTG_TYPE_AAAA, VTG_TYPE_TXT, VTG_TYPE_CNAME, VTG_TYPE_DS,
	VTG_TYPE_DNSKEY, VTG_TYPE_NS, VTG_TYPE_SOA, VTG_TYPE_DNAME, VTG_TYPE_MX, VTG_TYPE_CAA,
	VTG_TYPE_CAA, VTG_TYPE_TXT, VTG_TYPE_A, VTG_TYPE_CAA,
};
static const enum vtg_lookup_fail TRANSPORT_FAILS[] = {
	VTG_FAIL_TRUNCATED_TCP, VTG_FAIL_TRUNCATED, VTG_FAIL_LOCAL, VTG_FAIL_TIMEOUT,
	VTG_FAIL_MALFORMED, VTG_FAIL_SERVFAIL,
};
/* The replay fixtures' root trust anchor (tests/replay/scenarios/dnssec). */
static const char ROOT_DS[] =
	". 86400 IN DS 41882 13 2 "
	"1373b0c14453a4dec2544b157539f4b74f2386952c81235fe65405d2ea743485";

struct pend {
	uint64_t token;
	uint8_t qname[VTG_DNS_MAX_NAME];
	uint16_t qtype;
	uint8_t tries;
};

static struct {
	const uint8_t *p, *end;
	uint64_t now_ms;
	struct pend q[PENDING_MAX];
	size_t head, tail;
	unsigned sent, done[LOOKUPS_MAX * 2];
	uint8_t buf[VTG_DNS_MAX_MSG];
} F;

static uint64_t clock_fn(void *ctx)
{
	(void)ctx;
	return START_MS + F.now_ms;
}

static int send_fn(void *tctx, const struct vtg_iter_query *q)
{
	(void)tctx;
	if (F.tail - F.head >= PENDING_MAX)
		return -EAGAIN;
	struct pend *p = &F.q[F.tail++ % PENDING_MAX];
	p->token = q->token;
	memcpy(p->qname, q->qname, vtg__name_len(q->qname));
	p->qtype = q->qtype;
	p->tries = q->tries ? q->tries : 1;
	F.sent++;
	return 0;
}

static void done_fn(void *ud, const struct vtg_lookup_answer *a)
{
	size_t i = (size_t)(uintptr_t)ud;
	if (i >= LOOKUPS_MAX * 2 || ++F.done[i] != 1)
		abort();
	if (a->dnssec == VTG_DNSSEC_BOGUS && !a->why_bogus)
		abort();
	if (a->fail != VTG_FAIL_NONE && a->n_rrs != 0)
		abort();
	if (a->n_rrs && !a->rrs)
		abort();
	for (size_t k = 0; k < a->n_rrs; k++)
		if (a->rrs[k].len && !a->rrs[k].rdata)
			abort();
	if (a->chain_len > VTG_CHAIN_MAX)
		abort();
}

static int take(size_t n, const uint8_t **out)
{
	if ((size_t)(F.end - F.p) < n)
		return -1;
	*out = F.p;
	F.p += n;
	return 0;
}

static int byte(void)
{
	const uint8_t *b;
	return take(1, &b) ? -1 : b[0];
}

static struct vtg_dv_keys *anchor_new(void)
{
	ldns_rr *rr = NULL;
	if (ldns_rr_new_frm_str(&rr, ROOT_DS, 0, NULL, NULL) != LDNS_STATUS_OK)
		abort();
	ldns_pkt *p = ldns_pkt_new();
	ldns_pkt_set_qr(p, true);
	ldns_rr *q = ldns_rr_new();
	ldns_rr_set_owner(q, ldns_dname_new_frm_str("."));
	ldns_rr_set_type(q, LDNS_RR_TYPE_DS);
	ldns_rr_set_class(q, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(q, true);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
	uint8_t *wire = NULL;
	size_t len = 0;
	if (ldns_pkt2wire(&wire, p, &len) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(p);
	struct vtg_msg m;
	if (vtg__msg_parse(&m, wire, len) != 0)
		abort();
	struct vtg_dv_msg *dm = vtg__dv_msg_open(&m);
	struct vtg_dv_keys *k = dm ? vtg__dv_keys_from_msg(dm, VTG_SEC_ANSWER, VTG_TYPE_DS) : NULL;
	vtg__dv_msg_close(dm);
	free(wire);
	if (!k)
		abort();
	return k;
}

/* Answer the oldest outstanding query from the next input record. */
static void respond(struct vtg_iter *it)
{
	struct pend q = F.q[F.head++ % PENDING_MAX];
	int kind = byte(), delay = byte();
	if (kind < 0 || delay < 0) {
		F.p = F.end;
		F.now_ms += TIMEOUT_MS;
		vtg__iter_response(it, q.token, VTG_FAIL_TIMEOUT, NULL, q.tries, TIMEOUT_MS);
		return;
	}
	F.now_ms += (uint64_t)delay * 20;
	const uint8_t *b;
	struct vtg_msg m;
	switch (kind % 4) {
	case 0: {
		const uint8_t *hdr, *lenb, *body;
		if (take(12, &hdr) || take(2, &lenb)) {
			F.p = F.end;
			break;
		}
		size_t blen = (size_t)lenb[0] << 8 | lenb[1];
		if ((size_t)(F.end - F.p) < blen)
			blen = (size_t)(F.end - F.p);
		take(blen, &body);
		size_t ql = vtg__name_len(q.qname);
		size_t len = 12 + ql + 4 + blen;
		if (len > sizeof(F.buf))
			break;
		memcpy(F.buf, hdr, 12);
		F.buf[0] = 0;
		F.buf[1] = 0;
		F.buf[2] |= 0x80; /* QR */
		F.buf[4] = 0;
		F.buf[5] = 1;
		memcpy(F.buf + 12, q.qname, ql);
		F.buf[12 + ql] = (uint8_t)(q.qtype >> 8);
		F.buf[13 + ql] = (uint8_t)q.qtype;
		F.buf[14 + ql] = 0;
		F.buf[15 + ql] = VTG_CLASS_IN;
		memcpy(F.buf + 16 + ql, body, blen);
		if (vtg__msg_parse(&m, F.buf, len) == 0) {
			vtg__iter_response(it, q.token, VTG_FAIL_NONE, &m, 1, delay * 20.0);
			return;
		}
		vtg__iter_response(it, q.token, VTG_FAIL_MALFORMED, NULL, 1, delay * 20.0);
		return;
	}
	case 1:
		F.now_ms += TIMEOUT_MS;
		vtg__iter_response(it, q.token, VTG_FAIL_TIMEOUT, NULL, q.tries, TIMEOUT_MS);
		return;
	case 2: {
		int f = byte();
		enum vtg_lookup_fail fail =
			TRANSPORT_FAILS[(f < 0 ? 0 : (unsigned)f) %
					(sizeof(TRANSPORT_FAILS) / sizeof(TRANSPORT_FAILS[0]))];
		vtg__iter_response(it, q.token, fail, NULL, 1, delay * 20.0);
		return;
	}
	case 3: {
		const uint8_t *lenb;
		if (take(2, &lenb))
			break;
		size_t len = (size_t)lenb[0] << 8 | lenb[1];
		if ((size_t)(F.end - F.p) < len)
			len = (size_t)(F.end - F.p);
		take(len, &b);
		memcpy(F.buf, b, len);
		if (vtg__msg_parse(&m, F.buf, len) == 0) {
			vtg__iter_response(it, q.token, VTG_FAIL_NONE, &m, 1, delay * 20.0);
			return;
		}
		vtg__iter_response(it, q.token, VTG_FAIL_MALFORMED, NULL, 1, delay * 20.0);
		return;
	}
	}
	/* a record cut short: a timeout */
	F.now_ms += TIMEOUT_MS;
	vtg__iter_response(it, q.token, VTG_FAIL_TIMEOUT, NULL, q.tries, TIMEOUT_MS);
}

static void round_run(struct vtg_iter *it, const uint8_t *sel, unsigned n, unsigned n_persp,
		      unsigned first)
{
	unsigned sent0 = F.sent;
	for (unsigned i = 0; i < n; i++) {
		uint8_t qn[VTG_DNS_MAX_NAME];
		const char *name = NAMES[sel[i] & 0xf];
		if (vtg__name_from_text(qn, name, strlen(name)) <= 0)
			abort();
		if (vtg__iter_lookup(it, i % n_persp, qn, TYPES[sel[i] >> 4],
				     (void *)(uintptr_t)(first + i)) != 0)
			abort();
	}
	for (unsigned guard = 0;; guard++) {
		vtg__iter_poll(it);
		if (F.head == F.tail)
			break;
		if (F.sent - sent0 > n * QUERY_BOUND_PER_LOOKUP || guard > 100000)
			abort(); /* more queries than the work limit allows */
		respond(it);
	}
	for (unsigned i = 0; i < n; i++)
		if (F.done[first + i] != 1)
			abort(); /* a lookup never completed */
	if (vtg__iter_active(it) != 0 || vtg__iter_has_work(it))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memset(&F, 0, offsetof(__typeof__(F), buf));
	F.p = data;
	F.end = data + size;
	int flags = byte(), adv = byte();
	if (flags < 0)
		return 0;
	unsigned n = 1 + ((unsigned)flags >> 4 & 3);
	const uint8_t *sel;
	if (take(n, &sel))
		return 0;
	struct vtg_iter_hints hints;
	memset(&hints, 0, sizeof(hints));
	static const char *const ROOTS[] = {"198.41.0.4", "199.9.14.201", "2001:503:ba3e::2:30"};
	for (unsigned i = 0; i < 3; i++) {
		if (i < 2) {
			struct sockaddr_in *s = (struct sockaddr_in *)&hints.addr[i];
			s->sin_family = AF_INET;
			s->sin_port = htons(53);
			inet_pton(AF_INET, ROOTS[i], &s->sin_addr);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&hints.addr[i];
			s->sin6_family = AF_INET6;
			s->sin6_port = htons(53);
			inet_pton(AF_INET6, ROOTS[i], &s->sin6_addr);
		}
	}
	hints.n = 3;
	unsigned n_persp = (flags & 4) ? 2 : 1;
	struct vtg_iter_cfg cfg = {
		.hints = &hints,
		.anchor = (flags & 1) ? anchor_new() : NULL,
		.clock = clock_fn,
		.cache_bytes = 1u << 20,
		.max_tasks = 64,
		.case_random = (flags & 2) != 0,
	};
	struct vtg_iter *it = NULL;
	char err[128];
	if (vtg__iter_new(&it, &cfg, n_persp, send_fn, NULL, done_fn, err, sizeof(err)) != 0)
		abort();
	round_run(it, sel, n, n_persp, 0);
	if (flags & 8) {
		F.now_ms += (uint64_t)(adv < 0 ? 0 : adv) * 10000;
		round_run(it, sel, n, n_persp, LOOKUPS_MAX);
	}
	vtg__iter_free(it);
	return 0;
}
