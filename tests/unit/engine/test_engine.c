/*
 * test_engine.c — the io_uring engine against a real DNS responder on
 * loopback (a thread in the test with real UDP and TCP sockets; no mocks).
 * The responder's behaviour is chosen by the query name's first label:
 *   ok        answer with one CAA record
 *   dropone   ignore the first query for the name, answer the retry
 *   drop      never answer (timeout after every retry)
 *   spoof     first a reply with a wrong ID, then one from another port,
 *             then one for another question, then the real answer
 *   garbage   a malformed datagram with the right ID first, then the answer
 *   tc        UDP: TC=1 and no records; TCP: 120 CAA records (> 1232 octets)
 *   tclie     as tc, but the UDP answer's ANCOUNT says 120 records that are
 *             not there (what some servers send when they truncate)
 *   servfail  SERVFAIL
 *   lower     answer with the question name folded to lower case (what a
 *             server that does not preserve case, or a forger, sends back)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/alloc.h"
#include "engine/engine.h"

struct responder {
	int udp, udp2, tcp;
	uint16_t port;
	pthread_t th;
	volatile int stop;
	char seen[64][64];
	unsigned n_seen;
	unsigned queries;
};

static struct responder R;

static size_t build_answer(const uint8_t *q, size_t qlen, uint8_t *out, unsigned rcode,
			   unsigned n_caa, bool tc, bool drop_edns)
{
	/* header + question copied from the query (question ends before OPT) */
	size_t off = 12;
	while (q[off] != 0)
		off += q[off] + 1;
	off += 1 + 4;
	(void)qlen;
	memcpy(out, q, off);
	out[2] = (uint8_t)(0x80 | 0x04 | (q[2] & 0x01) | (tc ? 0x02 : 0)); /* QR AA RD TC */
	out[3] = (uint8_t)(0x80 | rcode);                                   /* RA rcode */
	out[6] = (uint8_t)(n_caa >> 8);
	out[7] = (uint8_t)n_caa;
	out[8] = out[9] = 0;
	out[10] = out[11] = 0;
	(void)drop_edns;
	for (unsigned i = 0; i < n_caa; i++) {
		static const char val[] = "ca.example";
		uint8_t rd[64];
		size_t rl = 0;
		rd[rl++] = 0;
		rd[rl++] = 5;
		memcpy(rd + rl, "issue", 5);
		rl += 5;
		memcpy(rd + rl, val, sizeof(val) - 1);
		rl += sizeof(val) - 1;
		if (n_caa > 1)
			rd[rl++] = (uint8_t)('a' + i % 26); /* distinct records */
		uint8_t rr[10] = {0xc0, 0x0c, 0x01, 0x01, 0x00, 0x01, 0, 0, 0x0e, 0x10};
		memcpy(out + off, rr, 10);
		off += 10;
		out[off++] = (uint8_t)(rl >> 8);
		out[off++] = (uint8_t)rl;
		memcpy(out + off, rd, rl);
		off += rl;
	}
	return off;
}

static void first_label(const uint8_t *q, char *out)
{
	size_t l = q[12] < 63 ? q[12] : 63;
	for (size_t k = 0; k < l; k++) /* 0x20 randomises the case */
		out[k] = (char)(q[13 + k] | ((q[13 + k] >= 'A' && q[13 + k] <= 'Z') ? 0x20 : 0));
	out[l] = 0;
}

static bool seen_before(const uint8_t *q)
{
	char name[64];
	size_t l = q[12 + 1 + q[12]];
	/* key: first two labels */
	snprintf(name, sizeof(name), "%.*s.%.*s", q[12], q + 13, (int)l, q + 14 + q[12]);
	for (unsigned i = 0; i < R.n_seen; i++)
		if (!strcmp(R.seen[i], name))
			return true;
	if (R.n_seen < 64)
		strcpy(R.seen[R.n_seen++], name);
	return false;
}

static void serve_tcp(int c)
{
	uint8_t buf[2048], out[8192];
	size_t got = 0;
	while (got < 2 || got < 2u + (buf[0] << 8 | buf[1])) {
		ssize_t n = recv(c, buf + got, sizeof(buf) - got, 0);
		if (n <= 0)
			return;
		got += (size_t)n;
	}
	size_t qlen = (size_t)(buf[0] << 8 | buf[1]);
	size_t len = build_answer(buf + 2, qlen, out + 2, 0, 120, false, true);
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	send(c, out, len + 2, MSG_NOSIGNAL);
}

static void *responder_main(void *arg)
{
	(void)arg;
	uint8_t q[2048], out[8192];
	struct pollfd pfd[2] = {{R.udp, POLLIN, 0}, {R.tcp, POLLIN, 0}};
	while (!R.stop) {
		if (poll(pfd, 2, 50) <= 0)
			continue;
		if (pfd[1].revents & POLLIN) {
			int c = accept(R.tcp, NULL, NULL);
			if (c >= 0) {
				serve_tcp(c);
				close(c);
			}
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(R.udp, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n < 17)
			continue;
		__atomic_add_fetch(&R.queries, 1, __ATOMIC_SEQ_CST);
		char label[64];
		first_label(q, label);
		size_t len;
		if (!strcmp(label, "drop"))
			continue;
		if (!strcmp(label, "dropone") && !seen_before(q))
			continue;
		if (!strcmp(label, "servfail")) {
			len = build_answer(q, (size_t)n, out, 2, 0, false, true);
		} else if (!strcmp(label, "tc")) {
			len = build_answer(q, (size_t)n, out, 0, 0, true, true);
		} else if (!strcmp(label, "tclie")) {
			len = build_answer(q, (size_t)n, out, 0, 0, true, true);
			out[7] = 120; /* ANCOUNT lies: the records did not fit */
		} else {
			len = build_answer(q, (size_t)n, out, 0, 1, false, true);
		}
		if (!strcmp(label, "lower"))
			for (size_t k = 12; out[k] != 0; k += out[k] + 1u)
				for (size_t c = 1; c <= out[k]; c++)
					if (out[k + c] >= 'A' && out[k + c] <= 'Z')
						out[k + c] = (uint8_t)(out[k + c] | 0x20);
		if (!strcmp(label, "spoof")) {
			/* wrong ID */
			out[0] ^= 0x5a;
			sendto(R.udp, out, len, 0, (struct sockaddr *)&from, fl);
			out[0] ^= 0x5a;
			/* right ID, wrong source port */
			sendto(R.udp2, out, len, 0, (struct sockaddr *)&from, fl);
			/* right ID and port, other question type */
			size_t qt = 12;
			while (out[qt] != 0)
				qt += out[qt] + 1;
			out[qt + 2] ^= 0x01;
			sendto(R.udp, out, len, 0, (struct sockaddr *)&from, fl);
			out[qt + 2] ^= 0x01;
		}
		if (!strcmp(label, "garbage")) {
			uint8_t g[14];
			memcpy(g, out, 12); /* right ID, then a label running off the end */
			g[5] = 1;
			g[12] = 40;
			g[13] = 'x';
			sendto(R.udp, g, sizeof(g), 0, (struct sockaddr *)&from, fl);
		}
		sendto(R.udp, out, len, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static void responder_start(void)
{
	memset(&R, 0, sizeof(R));
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	R.udp = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_eq(bind(R.udp, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	getsockname(R.udp, (struct sockaddr *)&a, &al);
	R.port = ntohs(a.sin_port);
	R.tcp = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(R.tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	cr_assert_eq(bind(R.tcp, (struct sockaddr *)&a, sizeof(a)), 0, "tcp bind");
	cr_assert_eq(listen(R.tcp, 16), 0);
	R.udp2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in b = {.sin_family = AF_INET};
	b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(R.udp2, (struct sockaddr *)&b, sizeof(b));
	pthread_create(&R.th, NULL, responder_main, NULL);
}

static void responder_stop(void)
{
	R.stop = 1;
	pthread_join(R.th, NULL);
	close(R.udp);
	close(R.udp2);
	close(R.tcp);
}

struct got {
	unsigned n;
	enum vtg_lookup_fail fail;
	unsigned tries;
	bool tcp;
	unsigned ancount;
	unsigned rcode;
	uint16_t flags;
	uint8_t qname[VTG_DNS_MAX_NAME];
	bool has_server;
	struct sockaddr_storage server;
};

static struct got G[64];
static struct vtg_worker *W;

/* When set, the callback of query 0 first submits this direct query (to
 * slot 0's just-freed slot) and only then reads r->server. */
static const struct sockaddr_storage *resubmit_dst;

static void submit_from_cb(void)
{
	uint8_t name[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(name, "ok.again.example", 16), 0);
	struct vtg_submit q = {
		.persp = 0, .upstream = -1, .dst = resubmit_dst, .qname = name,
		.qtype = VTG_TYPE_CAA, .tries = 1,
	};
	resubmit_dst = NULL;
	cr_assert_eq(vtg__worker_submit_ex(W, &q, (void *)(uintptr_t)1), 0);
}

static void cb(void *ud, const struct vtg_qresult *r)
{
	struct got *g = &G[(uintptr_t)ud];
	if ((uintptr_t)ud == 0 && resubmit_dst)
		submit_from_cb();
	g->n++;
	g->has_server = r->server != NULL;
	if (r->server)
		g->server = *r->server;
	g->fail = r->fail;
	g->tries = r->tries;
	g->tcp = r->tcp;
	if (r->msg) {
		g->ancount = r->msg->ancount;
		g->rcode = vtg__msg_rcode(r->msg);
		g->flags = r->msg->flags;
		memcpy(g->qname, r->msg->qname, vtg__name_len(r->msg->qname));
	}
}


static void setup(void)
{
	responder_start();
	memset(G, 0, sizeof(G));
	struct vtg_engine_cfg cfg;
	vtg__engine_cfg_default(&cfg);
	cfg.timeout_ms = 150;
	cfg.retries = 2;
	cfg.slots = 64;
	struct vtg_persp_cfg p;
	memset(&p, 0, sizeof(p));
	strcpy(p.id, "lo");
	strcpy(p.source, "127.0.0.1");
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", R.port);
	cr_assert_eq(vtg__parse_addr(addr, &p.upstream[0]), 0);
	p.n_upstreams = 1;
	p.sockets = 4;
	char err[256];
	int rc = vtg__worker_new(&W, &cfg, &p, 1, cb, err, sizeof(err));
	cr_assert_eq(rc, 0, "worker: %s", err);
}

static void teardown(void)
{
	vtg__worker_free(W);
	responder_stop();
}

static void ask(unsigned i, const char *name)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(w, name, strlen(name)), 0);
	cr_assert_eq(vtg__worker_submit(W, 0, -1, w, VTG_TYPE_CAA, (void *)(uintptr_t)i), 0);
}

static void drain(void)
{
	for (int k = 0; k < 200 && vtg__worker_active(W) > 0; k++)
		cr_assert_geq(vtg__worker_run(W, 100), 0);
	cr_assert_eq(vtg__worker_active(W), 0, "queries still active");
}

TestSuite(engine, .init = setup, .fini = teardown, .timeout = 30);

Test(engine, answers_matched_response)
{
	ask(0, "ok.example");
	drain();
	cr_assert_eq(G[0].n, 1);
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	cr_assert_eq(G[0].tries, 1);
	cr_assert_eq(G[0].ancount, 1);
	const struct vtg_persp_stats *s = vtg__worker_stats(W, 0);
	cr_assert_eq(s->sent, 1);
	cr_assert_eq(s->received, 1);
}

Test(engine, many_queries_each_completed_once)
{
	char name[64];
	for (unsigned i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "ok.n%u.example", i);
		ask(i, name);
	}
	drain();
	for (unsigned i = 0; i < 40; i++) {
		cr_assert_eq(G[i].n, 1, "query %u completed %u times", i, G[i].n);
		cr_assert_eq(G[i].fail, VTG_FAIL_NONE);
	}
	cr_assert_eq(vtg__worker_free_slots(W), 64);
}

Test(engine, dropped_query_is_retried)
{
	ask(0, "dropone.example");
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	cr_assert_eq(G[0].tries, 2);
	cr_assert_eq(vtg__worker_stats(W, 0)->retried, 1);
}

Test(engine, dead_server_times_out_after_retries)
{
	ask(0, "drop.example");
	drain();
	cr_assert_eq(G[0].n, 1);
	cr_assert_eq(G[0].fail, VTG_FAIL_TIMEOUT);
	cr_assert_eq(G[0].tries, 3);
	cr_assert_eq(vtg__worker_stats(W, 0)->timed_out, 1);
	cr_assert_eq(vtg__worker_stats(W, 0)->retried, 2);
	cr_assert_eq(__atomic_load_n(&R.queries, __ATOMIC_SEQ_CST), 3);
}

Test(engine, spoofed_responses_are_dropped)
{
	ask(0, "spoof.example");
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	cr_assert_eq(G[0].tries, 1);
	const struct vtg_persp_stats *s = vtg__worker_stats(W, 0);
	/* wrong ID, wrong port, wrong question: three drops */
	cr_assert_eq(s->dropped_mismatch, 3, "dropped %llu", (unsigned long long)s->dropped_mismatch);
}

Test(engine, malformed_datagram_is_dropped_and_answer_used)
{
	ask(0, "garbage.example");
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	cr_assert_geq(vtg__worker_stats(W, 0)->dropped_mismatch, 1);
}

Test(engine, truncated_answer_retried_over_tcp)
{
	ask(0, "tc.example");
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	cr_assert(G[0].tcp);
	cr_assert_eq(G[0].ancount, 120);
	cr_assert_eq(vtg__worker_stats(W, 0)->tcp_fallbacks, 1);
}

Test(engine, truncated_answer_with_lying_counts_retried_over_tcp)
{
	ask(0, "tclie.example");
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	cr_assert(G[0].tcp);
	cr_assert_eq(G[0].ancount, 120);
	cr_assert_eq(vtg__worker_stats(W, 0)->tcp_fallbacks, 1);
	cr_assert_eq(vtg__worker_stats(W, 0)->dropped_mismatch, 0);
}

Test(engine, servfail_is_a_response)
{
	ask(0, "servfail.example");
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	cr_assert_eq(G[0].rcode, VTG_RCODE_SERVFAIL);
}

Test(engine, submit_beyond_slots_is_eagain)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	vtg__name_from_text(w, "drop.example", 12);
	for (unsigned i = 0; i < 64; i++)
		cr_assert_eq(vtg__worker_submit(W, 0, -1, w, VTG_TYPE_CAA, (void *)(uintptr_t)(i % 64)), 0);
	cr_assert_eq(vtg__worker_submit(W, 0, -1, w, VTG_TYPE_CAA, NULL), -EAGAIN);
	cr_assert_eq(vtg__worker_submit(W, 5, -1, w, VTG_TYPE_CAA, NULL), -EINVAL);
}

Test(engine, parse_addr_forms)
{
	struct sockaddr_storage ss;
	cr_assert_eq(vtg__parse_addr("198.18.0.1", &ss), 0);
	cr_assert_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 53);
	cr_assert_eq(vtg__parse_addr("198.18.0.1:5353", &ss), 0);
	cr_assert_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 5353);
	cr_assert_eq(vtg__parse_addr("[::1]:53", &ss), 0);
	cr_assert_eq(ss.ss_family, AF_INET6);
	cr_assert_eq(vtg__parse_addr("::1", &ss), 0);
	cr_assert_neq(vtg__parse_addr("198.18.0.1:0", &ss), 0);
	cr_assert_neq(vtg__parse_addr("nonsense", &ss), 0);
	cr_assert_neq(vtg__parse_addr("", &ss), 0);
}

Test(engine, steady_state_does_not_allocate)
{
	/* warm up, then 200 more queries (with a retry among them): the
	 * engine's per-query path must not touch the heap (docs/architecture.md section 3) */
	char name[64];
	for (unsigned i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "ok.w%u.example", i);
		ask(i % 64, name);
	}
	drain();
	uint64_t before = vtg__alloc_count();
	for (unsigned round = 0; round < 10; round++) {
		for (unsigned i = 0; i < 20; i++) {
			snprintf(name, sizeof(name), "%s.r%u.n%u.example",
				 i == 0 ? "dropone" : "ok", round, i);
			ask(i, name);
		}
		drain();
	}
	cr_assert_eq(vtg__alloc_count(), before, "the query path allocated %llu times",
		     (unsigned long long)(vtg__alloc_count() - before));
	cr_assert_geq(vtg__worker_stats(W, 0)->retried, 10);
}

/* ---- waking a worker from another thread (the bulk runner's hand-over) */

static void *write_later(void *arg)
{
	int fd = *(int *)arg;
	usleep(50 * 1000);
	uint64_t one = 1;
	cr_assert_eq(write(fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	return NULL;
}

/* wait_ms -1 means "until something happens": a lost wake-up would hang
 * here until the suite's timeout fails the test */
Test(engine, wake_written_before_the_wait_is_not_lost)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	cr_assert_geq(efd, 0);
	cr_assert_eq(vtg__worker_set_wake(W, efd), 0);
	cr_assert_eq(vtg__worker_set_wake(W, efd), -EINVAL, "only one wake fd");
	uint64_t one = 1;
	cr_assert_eq(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	cr_assert_eq(vtg__worker_run(W, -1), 0);
	/* the read is armed again: a second wake works too */
	pthread_t t;
	pthread_create(&t, NULL, write_later, &efd);
	cr_assert_eq(vtg__worker_run(W, -1), 0);
	pthread_join(t, NULL);
	vtg__worker_free(W);
	W = NULL;
	close(efd);
}

Test(engine, wake_interrupts_a_wait_with_queries_in_flight)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	cr_assert_eq(vtg__worker_set_wake(W, efd), 0);
	ask(0, "drop.example"); /* never answered: completes only after its retries */
	uint64_t one = 1;
	cr_assert_eq(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	/* without the wake, this returns only when the query has timed out */
	cr_assert_eq(vtg__worker_run(W, -1), 0);
	cr_assert_eq(vtg__worker_active(W), 1);
	cr_assert_eq(G[0].n, 0);
	drain();
	cr_assert_eq(G[0].n, 1);
	cr_assert_eq(G[0].fail, VTG_FAIL_TIMEOUT);
	vtg__worker_free(W);
	W = NULL;
	close(efd);
}

/* Iterative mode: queries straight to a server address, with their own
 * header bits and tries, and 0x20 case randomisation checked on answers. */
static void ask_direct(unsigned i, const char *name, uint8_t tries, bool rd, bool x20)
{
	uint8_t wn[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(wn, name, strlen(name)), 0);
	struct sockaddr_storage dst;
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", R.port);
	cr_assert_eq(vtg__parse_addr(addr, &dst), 0);
	struct vtg_submit q = {
		.persp = 0, .upstream = -1, .dst = &dst, .qname = wn,
		.qtype = VTG_TYPE_CAA, .tries = tries, .rd = rd, .do_bit = true,
		.case_random = x20,
	};
	cr_assert_eq(vtg__worker_submit_ex(W, &q, (void *)(uintptr_t)i), 0);
}

Test(engine, direct_query_goes_to_the_given_address_with_its_bits)
{
	ask_direct(0, "ok.direct.example", 0, false, false);
	ask_direct(1, "ok.recursive.example", 0, true, false);
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	cr_assert_eq(G[0].flags & VTG_FLAG_RD, 0, "RD must be clear on an iterative query");
	cr_assert_eq(G[1].fail, VTG_FAIL_NONE);
	cr_assert_neq(G[1].flags & VTG_FLAG_RD, 0);
}

Test(engine, direct_query_tries_as_asked)
{
	ask_direct(0, "drop.once.example", 1, false, false);
	ask_direct(1, "drop.twice.example", 2, false, false);
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_TIMEOUT);
	cr_assert_eq(G[0].tries, 1);
	cr_assert_eq(G[1].fail, VTG_FAIL_TIMEOUT);
	cr_assert_eq(G[1].tries, 2);
}

Test(engine, case_randomised_name_is_echoed_and_checked)
{
	static const char name[] =
		"ok.abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz.example";
	ask_direct(0, name, 0, false, true);
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	/* the letters came back in mixed case (2^-58 to be all lower) */
	bool upper = false;
	for (unsigned k = 0; k < vtg__name_len(G[0].qname); k++)
		upper |= G[0].qname[k] >= 'A' && G[0].qname[k] <= 'Z';
	cr_assert(upper, "qname case was not randomised");
}

Test(engine, case_mismatch_is_dropped_with_0x20)
{
	static const char name[] =
		"lower.abcdefghijklmnopqrstuvwxyz.abcdefghijklmnopqrstuvwxyz.example";
	ask_direct(0, name, 2, false, true);
	ask_direct(1, name, 2, false, false); /* without 0x20 the answer is fine */
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_TIMEOUT);
	cr_assert_eq(G[1].fail, VTG_FAIL_NONE);
	cr_assert_geq(vtg__worker_stats(W, 0)->dropped_mismatch, 2);
}

/* qresult.server: the address the matched response came from. */
static void assert_server_is(const struct got *g, const char *want)
{
	struct sockaddr_storage ss;
	cr_assert_eq(vtg__parse_addr(want, &ss), 0);
	cr_assert(g->has_server, "no server reported");
	const struct sockaddr_in *a = (const struct sockaddr_in *)&g->server;
	const struct sockaddr_in *b = (const struct sockaddr_in *)&ss;
	cr_assert_eq(a->sin_family, AF_INET);
	cr_assert_eq(a->sin_port, b->sin_port);
	cr_assert_eq(a->sin_addr.s_addr, b->sin_addr.s_addr);
}

Test(engine, result_names_the_server_that_answered)
{
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", R.port);
	ask(0, "ok.example");            /* stub: the upstream */
	ask(1, "tc.example");            /* answered over TCP */
	ask(2, "servfail.example");      /* an error rcode is still a response */
	ask(3, "drop.example");          /* nothing answered */
	ask_direct(4, "ok.direct.example", 0, false, false);
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	assert_server_is(&G[0], addr);
	cr_assert(G[1].tcp);
	assert_server_is(&G[1], addr);
	assert_server_is(&G[2], addr);
	cr_assert_eq(G[3].fail, VTG_FAIL_TIMEOUT);
	cr_assert_not(G[3].has_server);
	assert_server_is(&G[4], addr);
}

Test(engine, direct_server_survives_a_submit_from_the_callback)
{
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", R.port);
	struct sockaddr_storage other;
	cr_assert_eq(vtg__parse_addr("127.0.0.2:9", &other), 0);
	resubmit_dst = &other;
	ask_direct(0, "ok.direct.example", 0, false, false);
	drain();
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE);
	cr_assert_eq(G[1].n, 1, "the query submitted from the callback completed");
	assert_server_is(&G[0], addr); /* not the reused slot's 127.0.0.2 */
	cr_assert_not(G[1].has_server);
}

/* ---- issue 14: unreachable servers fail at once (ICMP, IP_RECVERR) ---- */

/* A loopback UDP port nothing listens on (bound, read, closed). */
static uint16_t closed_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t l = sizeof(a);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A worker of one perspective whose upstreams are the given ports on
 * 127.0.0.1, with a 5 s timeout: an answer before it is not a timeout. */
static struct vtg_worker *unreach_worker_t(const uint16_t *ports, unsigned n,
					  unsigned timeout_ms)
{
	struct vtg_engine_cfg cfg;
	vtg__engine_cfg_default(&cfg);
	cfg.timeout_ms = timeout_ms;
	cfg.retries = 2;
	cfg.slots = 16;
	struct vtg_persp_cfg p;
	memset(&p, 0, sizeof(p));
	strcpy(p.id, "lo");
	for (unsigned i = 0; i < n; i++) {
		char addr[32];
		snprintf(addr, sizeof(addr), "127.0.0.1:%u", ports[i]);
		cr_assert_eq(vtg__parse_addr(addr, &p.upstream[i]), 0);
	}
	p.n_upstreams = n;
	p.sockets = 2;
	char err[256];
	struct vtg_worker *w = NULL;
	cr_assert_eq(vtg__worker_new(&w, &cfg, &p, 1, cb, err, sizeof(err)), 0, "%s", err);
	return w;
}

static struct vtg_worker *unreach_worker(const uint16_t *ports, unsigned n)
{
	return unreach_worker_t(ports, n, 5000);
}

static void run_until_done(struct vtg_worker *w)
{
	for (int k = 0; k < 200 && vtg__worker_active(w) > 0; k++)
		cr_assert_geq(vtg__worker_run(w, 100), 0);
}

TestSuite(unreach, .timeout = 30);

Test(unreach, closed_port_fails_at_once_as_unreachable)
{
	memset(G, 0, sizeof(G));
	uint16_t port = closed_port();
	struct vtg_worker *w = unreach_worker(&port, 1);
	uint8_t name[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(name, "ok.example", 10), 0);
	double t0 = now_ms();
	cr_assert_eq(vtg__worker_submit(w, 0, -1, name, VTG_TYPE_CAA, (void *)0), 0);
	run_until_done(w);
	double ms = now_ms() - t0;
	cr_assert_eq(G[0].n, 1);
	cr_assert_eq(G[0].fail, VTG_FAIL_UNREACHABLE, "fail %d", G[0].fail);
	cr_assert_eq(G[0].tries, 1);
	cr_assert_not(G[0].has_server);
	const struct vtg_persp_stats *s = vtg__worker_stats(w, 0);
	cr_assert_eq(s->unreachable, 1);
	cr_assert_eq(s->failed, 1);
	cr_assert_eq(s->timed_out, 0);
	fprintf(stderr, "unreachable (port) after %.3f ms with a 5000 ms timeout\n", ms);
	vtg__worker_free(w);
}

/* The kernel rate-limits ICMP errors per destination (icmp_ratelimit,
 * a burst of about 6, then one a second; loopback included on recent
 * kernels): a query whose error was not sent waits for its timeout and
 * its retry. Every query still completes exactly once. */
Test(unreach, many_queries_to_a_closed_port_all_fail_once)
{
	memset(G, 0, sizeof(G));
	uint16_t port = closed_port();
	struct vtg_worker *w = unreach_worker_t(&port, 1, 100);
	char text[64];
	uint8_t name[VTG_DNS_MAX_NAME];
	for (unsigned i = 0; i < 12; i++) {
		snprintf(text, sizeof(text), "n%u.example", i);
		cr_assert_gt(vtg__name_from_text(name, text, strlen(text)), 0);
		cr_assert_eq(vtg__worker_submit(w, 0, -1, name, VTG_TYPE_CAA,
						 (void *)(uintptr_t)i), 0);
	}
	run_until_done(w);
	unsigned unreach = 0;
	for (unsigned i = 0; i < 12; i++) {
		cr_assert_eq(G[i].n, 1, "query %u completed %u times", i, G[i].n);
		cr_assert(G[i].fail == VTG_FAIL_UNREACHABLE || G[i].fail == VTG_FAIL_TIMEOUT,
			  "query %u: fail %d", i, G[i].fail);
		unreach += G[i].fail == VTG_FAIL_UNREACHABLE;
	}
	cr_assert_geq(unreach, 1);
	cr_assert_eq(vtg__worker_stats(w, 0)->unreachable, unreach);
	cr_assert_eq(vtg__worker_free_slots(w), 16);
	vtg__worker_free(w);
}

Test(unreach, direct_query_to_a_closed_port_is_unreachable)
{
	memset(G, 0, sizeof(G));
	uint16_t port = closed_port();
	struct vtg_worker *w = unreach_worker(&port, 1);
	struct sockaddr_storage dst;
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", closed_port());
	cr_assert_eq(vtg__parse_addr(addr, &dst), 0);
	uint8_t name[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(name, "ok.example", 10), 0);
	struct vtg_submit q = {
		.persp = 0, .upstream = -1, .dst = &dst, .qname = name,
		.qtype = VTG_TYPE_CAA, .tries = 2,
	};
	cr_assert_eq(vtg__worker_submit_ex(w, &q, (void *)0), 0);
	run_until_done(w);
	cr_assert_eq(G[0].n, 1);
	cr_assert_eq(G[0].fail, VTG_FAIL_UNREACHABLE);
	vtg__worker_free(w);
}

Test(unreach, a_closed_upstream_hands_the_query_to_the_next_at_once)
{
	memset(G, 0, sizeof(G));
	responder_start();
	uint16_t ports[2] = {closed_port(), R.port};
	struct vtg_worker *w = unreach_worker(ports, 2);
	uint8_t name[VTG_DNS_MAX_NAME];
	cr_assert_gt(vtg__name_from_text(name, "ok.example", 10), 0);
	double t0 = now_ms();
	cr_assert_eq(vtg__worker_submit(w, 0, 0, name, VTG_TYPE_CAA, (void *)0), 0);
	run_until_done(w);
	double ms = now_ms() - t0;
	cr_assert_eq(G[0].n, 1);
	cr_assert_eq(G[0].fail, VTG_FAIL_NONE, "fail %d", G[0].fail);
	cr_assert_eq(G[0].tries, 2);
	cr_assert_lt(ms, 4000, "waited %.0f ms: the timeout, not the ICMP error", ms);
	cr_assert_eq(vtg__worker_stats(w, 0)->unreachable, 1);
	vtg__worker_free(w);
	responder_stop();
}

Test(unreach, failure_texts)
{
	cr_assert_str_eq(vtg__lookup_fail_str(VTG_FAIL_UNREACHABLE), "unreachable: port unreachable");
	cr_assert_str_eq(vtg__lookup_fail_str(VTG_FAIL_UNREACHABLE_HOST),
			 "unreachable: host unreachable");
	cr_assert_str_eq(vtg__lookup_fail_str(VTG_FAIL_UNREACHABLE_NET),
			 "unreachable: network unreachable");
	cr_assert(vtg__lookup_fail_unreachable(VTG_FAIL_UNREACHABLE_NET));
	cr_assert_not(vtg__lookup_fail_unreachable(VTG_FAIL_TIMEOUT));
}
