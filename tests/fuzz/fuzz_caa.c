/*
 * fuzz_caa.c — libFuzzer target for the CAA property code (caa/property.c,
 * caa/decide.c): RDATA split, issue-value grammar, parameter walk,
 * presentation form, and the decision over a whole RRset.
 *
 * Input layout: byte 0 selects the identity and switches (bit 0 wildcard,
 * bit 1 caller has an account URI, bit 2 caller has a method, bit 3 Boulder
 * flag-1 compat, bit 4 byte-exact issuer compat, bit 5 issuevmc not
 * recognised); then up to FUZZ_MAX_RR records, each a 2-octet big-endian
 * length followed by that many RDATA octets (clamped to what is left).
 * Each record is copied to an exact-size heap buffer so ASan sees any read
 * past its end. Besides "never crash", the target checks the invariants the
 * callers rely on and traps when one breaks.
 *
 * Built with tests/fuzz/replay_main.c it replays tests/fuzz/corpus/caa.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caa/caa.h"

#define FUZZ_MAX_RR 16     /* a relevant set rarely holds more; keeps runs fast */
#define SMALL_TEXT 24      /* forces the VTG_EWIRE_SPACE path */
#define TEXT_PER_OCTET 4   /* "\DDD" (RFC 1035 5.1) is the widest rendering */
#define TEXT_SLACK 32      /* flags, spaces, quotes, "\# <len> " */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                        \
	do {                            \
		if (!(x))               \
			__builtin_trap(); \
	} while (0)

static void one_record(const uint8_t *rd, size_t len, unsigned compat,
		       unsigned recognised)
{
	struct vtg_caa_prop p;
	int rc = vtg__caa_prop_parse(&p, rd, len, compat, recognised);
	CHECK(rc == 0 || rc == VTG_ECAA_SHORT || rc == VTG_ECAA_TAG_EMPTY ||
	      rc == VTG_ECAA_TAG_OVER);
	if (rc == 0) {
		CHECK(p.tag_len >= 1);
		CHECK(2u + p.tag_len + p.value_len == len);
		CHECK(p.value == rd + 2 + p.tag_len);

		struct vtg_caa_issue is;
		int irc = vtg__caa_issue_parse(&is, p.value, p.value_len);
		CHECK(irc == 0 || irc == VTG_ECAA_VALUE);
		if (irc == 0) {
			const char *lo = (const char *)p.value;
			const char *hi = lo + p.value_len;
			if (is.issuer_len > 0)
				CHECK(is.issuer >= lo && is.issuer + is.issuer_len <= hi);
			if (is.params != NULL)
				CHECK(is.params >= lo && is.params + is.params_len <= hi);
			size_t pos = 0, count = 0;
			struct vtg_caa_param prm;
			while (vtg__caa_param_next(&is, &pos, &prm) == 1) {
				CHECK(prm.tag_len >= 1);
				CHECK(prm.tag >= is.params &&
				      prm.value + prm.value_len <= is.params + is.params_len);
				CHECK(++count <= p.value_len);
			}
		}
	}

	size_t big_cap = len * TEXT_PER_OCTET + TEXT_SLACK;
	char *big = malloc(big_cap);
	if (big != NULL) {
		int n = vtg__caa_rdata_to_text(rd, len, big, big_cap);
		CHECK(n >= 0 && (size_t)n == strlen(big));
		char small[SMALL_TEXT];
		int m = vtg__caa_rdata_to_text(rd, len, small, sizeof(small));
		if ((size_t)n < sizeof(small))
			CHECK(m == n && strcmp(small, big) == 0);
		else
			CHECK(m == VTG_EWIRE_SPACE && small[0] == '\0');
		free(big);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	static const char *const issuers[] = {"ca.example", "ca1.example.net"};
	unsigned compat = 0;
	if (sel & 0x08)
		compat |= VTG_CAA_COMPAT_FLAG1_CRITICAL;
	if (sel & 0x10)
		compat |= VTG_CAA_COMPAT_ISSUER_EXACT;
	unsigned recognised = (sel & 0x20)
		? (VTG_CAA_RECOGNISED_DEFAULT & ~(1u << VTG_CAA_TAG_ISSUEVMC))
		: 0;

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
		set[n].ttl = 3600;
		off += len;
		one_record(bufs[n], len, compat, recognised);
		n++;
	}

	/* every combination of the RFC 8657 inputs and both name kinds, with
	 * the selector's own choice among them */
	char detail[128];
	for (unsigned v = 0; v < 8; v++) {
		struct vtg_caa_identity id = {
			.issuers = issuers,
			.n_issuers = 2,
			.account_uri = (v & 2) ? "https://ca.example/acct/1" : NULL,
			.method = (v & 4) ? "dns-01" : NULL,
			.compat = compat,
			.recognised = recognised,
		};
		bool wild = (v & 1) != 0;
		if (v == 0) {
			wild = (sel & 0x01) != 0;
			id.account_uri = (sel & 0x02) ? "https://ca.example/acct/1" : NULL;
			id.method = (sel & 0x04) ? "http-01" : NULL;
		}
		enum vtg_caa_reason r = vtg__caa_decide(&id, wild, set, n, detail,
							 sizeof(detail));
		CHECK(r == VTG_CAA_NO_RESTRICTION || r == VTG_CAA_AUTHORIZED ||
		      r == VTG_CAA_NOT_AUTHORIZED || r == VTG_CAA_CRITICAL_UNKNOWN ||
		      r == VTG_CAA_LOOKUP_FAILURE);
		CHECK(strlen(detail) < sizeof(detail));
		/* a permit explains nothing, a deny always says why */
		if (r == VTG_CAA_AUTHORIZED || r == VTG_CAA_NO_RESTRICTION)
			CHECK(detail[0] == '\0');
		else
			CHECK(detail[0] != '\0');
		char tiny[4];
		CHECK(vtg__caa_decide(&id, wild, set, n, tiny, sizeof(tiny)) == r);
		CHECK(vtg__caa_decide(&id, wild, set, n, NULL, 0) == r);
	}

	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
	return 0;
}
