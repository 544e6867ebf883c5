/*
 * fuzz_dcv.c — libFuzzer target for the DCV record checks (caa/dcv.c):
 * TXT RDATA assembly (vtg__txt_concat) and the verdict over a whole answer
 * (vtg__dcv_check) for every DNS method: TXT matching, CNAME / PTR RDATA
 * names, the persist issue-value path, the e-mail / phone validators and
 * the reverse-lookup name list; and the IP-literal parser of reverse-lookup
 * (vtg__dcv_reverse_name) over each record's octets taken as text.
 *
 * Input layout: byte 0 selects the method (its low 3 bits: the eight DNS
 * methods, dns-01 .. reverse-lookup) and the answer's shape
 * (bit 3 NXDOMAIN, bit 4 bogus, bit 5 a lookup failure, bit 6 a second
 * expected value); then up to FUZZ_MAX_RR records, each a 2-octet
 * big-endian length followed by that many RDATA octets (clamped to what is
 * left). Each record is copied to an exact-size heap buffer so ASan sees
 * any read past its end. Besides "never crash", the target checks the
 * invariants callers rely on and traps when one breaks.
 *
 * Built with tests/fuzz/replay_main.c it replays tests/fuzz/corpus/dcv.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "caa/dcv.h"

#define FUZZ_MAX_RR 16 /* more RRs add nothing the per-RR loop does not do */
#define SMALL_TEXT 8   /* forces the VTG_EWIRE_SPACE path */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                        \
	do {                            \
		if (!(x))               \
			__builtin_trap(); \
	} while (0)

static void one_txt(const uint8_t *rd, size_t len)
{
	char *big = malloc(len + 1);
	if (big == NULL)
		return;
	int n = vtg__txt_concat(rd, len, big, len + 1);
	CHECK(n >= 0 || n == VTG_EWIRE_RDATA);
	if (n >= 0) {
		CHECK((size_t)n < len); /* at least one length octet */
		CHECK(big[n] == '\0');
		char small[SMALL_TEXT];
		int m = vtg__txt_concat(rd, len, small, sizeof(small));
		if ((size_t)n < sizeof(small))
			CHECK(m == n && memcmp(small, big, (size_t)n + 1) == 0);
		else
			CHECK(m == VTG_EWIRE_SPACE && small[0] == '\0');
	}
	free(big);
}

/* The record's octets as an IP literal: either refused, or a reverse name
 * of the right shape under the right tree that inet_pton agrees with, and
 * one the reverse-lookup query accepts. */
static void one_ip(const uint8_t *rd, size_t len)
{
	uint8_t w[VTG_DNS_MAX_NAME];
	int n = vtg__dcv_reverse_name((const char *)rd, len, w);
	CHECK(n > 0 || n == VTG_EDCV_TARGET);
	if (n < 0)
		return;
	CHECK(len > 0 && len <= VTG_DCV_IP_TEXT_MAX && memchr(rd, 0, len) == NULL);
	CHECK((size_t)n == vtg__name_len(w));
	char text[VTG_DCV_IP_TEXT_MAX + 1];
	memcpy(text, rd, len);
	text[len] = '\0';
	uint8_t a[16];
	unsigned labels = vtg__name_labels(w);
	if (inet_pton(AF_INET, text, a) == 1)
		CHECK(labels == 6 && n <= 30);
	else
		CHECK(inet_pton(AF_INET6, text, a) == 1 && labels == 34 && n == 74);
	struct vtg_dcv_request rq = {.method = VTG_DCV_REVERSE};
	uint8_t q[VTG_DNS_MAX_NAME];
	uint16_t qt = 0;
	CHECK(vtg__dcv_query(&rq, w, q, &qt) == 0 && qt == VTG_TYPE_PTR);
	CHECK(memcmp(q, w, (size_t)n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	static const char *const issuers[] = {"ca.example", "ca2.example.net"};
	static const char *const expects[8][2] = {
		{"abc", "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"},
		{"abc", "xyz"},
		{"rnd", "r4nd0m"},
		{"t.example", "dcv.ca.example."},
		{NULL, NULL},
		{NULL, NULL},
		{NULL, NULL},
		{NULL, "Host.Example.test"}, /* reverse-lookup: any name, or this */
	};
	_Static_assert(VTG_DCV_REVERSE == 7, "the low 3 bits reach every DNS method");
	struct vtg_dcv_request rq = {
		.method = (enum vtg_dcv_method)(sel & 7),
		.account_uri = "https://ca.example/acct/1",
		.issuers = issuers,
		.n_issuers = 2,
		.now = 1700000000,
	};
	rq.expect = expects[rq.method][(sel >> 6) & 1];
	if (rq.method == VTG_DCV_CHANGE || rq.method == VTG_DCV_CNAME)
		rq.label = (sel & 0x80) ? "_vtg-dcv" : NULL;

	uint8_t *bufs[FUZZ_MAX_RR];
	struct vtg_rdata set[FUZZ_MAX_RR];
	size_t n = 0, off = 1;
	while (n < FUZZ_MAX_RR && off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		bufs[n] = malloc(len ? len : 1);
		if (bufs[n] == NULL)
			break;
		if (len)
			memcpy(bufs[n], data + off, len);
		set[n].rdata = bufs[n];
		set[n].len = (uint16_t)len;
		set[n].ttl = 300;
		off += len;
		one_txt(bufs[n], len);
		one_ip(bufs[n], len);
		n++;
	}

	struct vtg_lookup_answer a;
	memset(&a, 0, sizeof(a));
	a.rcode = (sel & 0x08) ? VTG_RCODE_NXDOMAIN : VTG_RCODE_NOERROR;
	a.dnssec = (sel & 0x10) ? VTG_DNSSEC_BOGUS : VTG_DNSSEC_SECURE;
	a.fail = (sel & 0x20) ? VTG_FAIL_TIMEOUT : VTG_FAIL_NONE;
	a.rrs = set;
	a.n_rrs = n;

	struct vtg_dcv_result r;
	CHECK(vtg__dcv_check(&rq, &a, &r) == 0);
	CHECK(r.outcome <= VTG_DCV_DNSSEC_BOGUS);
	CHECK(strlen(r.detail) < sizeof(r.detail));
	CHECK(strlen(r.seen) < sizeof(r.seen));
	if (sel & 0x10)
		CHECK(r.outcome == VTG_DCV_DNSSEC_BOGUS);
	else if (sel & 0x20)
		CHECK(r.outcome == VTG_DCV_LOOKUP_FAILURE);
	else if ((sel & 0x08) || n == 0)
		CHECK(r.outcome == VTG_DCV_NO_RECORD);
	else
		CHECK(r.n_records == n);
	if (r.outcome == VTG_DCV_PASS) {
		/* a pass says nothing more and always names what it saw */
		CHECK(r.matched >= 0 && (size_t)r.matched < n);
		CHECK(r.rr[r.matched] == VTG_DCV_RR_MATCH);
		CHECK(r.detail[0] == '\0' && r.seen[0] != '\0');
		if (rq.method <= VTG_DCV_CHANGE)
			CHECK(strcmp(r.seen, rq.expect) == 0);
		if (rq.method == VTG_DCV_PERSIST)
			CHECK(strcmp(r.seen, rq.account_uri) == 0);
		if (rq.method == VTG_DCV_REVERSE && rq.expect)
			CHECK(strcmp(r.seen, "host.example.test.") == 0);
		if (rq.method == VTG_DCV_REVERSE) { /* names, each with its dot */
			size_t sl = strlen(r.seen);
			CHECK(r.seen[sl - 1] == '.');
			for (size_t k = 0; k < sl; k++)
				if (r.seen[k] == '\n')
					CHECK(k > 0 && r.seen[k - 1] == '.' && k + 1 < sl);
		}
	} else {
		CHECK(r.matched == -1 && r.detail[0] != '\0' && r.seen[0] == '\0');
		for (size_t i = 0; i < r.n_records && i < VTG_DCV_RR_MAX; i++)
			CHECK(r.rr[i] != VTG_DCV_RR_MATCH);
	}

	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	return 0;
}
