/*
 * fuzz_tlsalpn.c — libFuzzer target for the tls-alpn-01 certificate check
 * (caa/tlsalpn.c) on arbitrary DER, and the SNI of its targets.
 *
 * Input layout: byte 0 selects the target and the key authorization (the
 * seed certificates are made for them); the rest is the certificate's DER,
 * copied to an exact-size heap buffer so ASan sees any read past it.
 * Besides "never crash", the target checks what callers rely on: the
 * verdict is one of the enum's, why is empty exactly on PASS and always
 * terminated, a PASS survives no appended octet, the certificate hash is
 * 64 lower-case hex digits.
 *
 * Built with tests/fuzz/replay_main.c it replays tests/fuzz/corpus/tlsalpn.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caa/tlsalpn.h"
#include "vantage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                        \
	do {                            \
		if (!(x))               \
			__builtin_trap(); \
	} while (0)

#define KA "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEY4SaQRk8"

static const char *const targets[] = {"example.com", "192.0.2.1", "2001:db8::1",
				      "www.example.com"};
#define N_TARGETS (sizeof(targets) / sizeof(targets[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *target = targets[data[0] % N_TARGETS];
	const char *keyauth = (data[0] & 0x80) ? "other.keyauth" : KA;
	size_t n = size - 1;
	uint8_t *der = malloc(n + 1);
	if (der == NULL)
		return 0;
	if (n)
		memcpy(der, data + 1, n);

	char why[VTG_TLSALPN_WHY_MAX];
	enum vtg_tlsalpn_verdict r = vtg__tlsalpn_check(der, n, target, keyauth, why, sizeof(why));
	CHECK(r == VTG_TLSALPN_PASS || r == VTG_TLSALPN_BAD_CERTIFICATE);
	CHECK(memchr(why, '\0', sizeof(why)) != NULL);
	CHECK((r == VTG_TLSALPN_PASS) == (why[0] == '\0'));
	if (r == VTG_TLSALPN_PASS) {
		/* one DER certificate and nothing after it */
		der[n] = 0;
		CHECK(vtg__tlsalpn_check(der, n + 1, target, keyauth, why, sizeof(why)) ==
		      VTG_TLSALPN_BAD_CERTIFICATE);
		/* and not for another target */
		const char *other = targets[(data[0] + 1) % N_TARGETS];
		CHECK(vtg__tlsalpn_check(der, n, other, keyauth, why, sizeof(why)) ==
		      VTG_TLSALPN_BAD_CERTIFICATE);
	}

	char hex[VTG_TLSALPN_HEX];
	vtg__tlsalpn_cert_sha256(der, n, hex);
	CHECK(strlen(hex) == 64);
	for (int i = 0; i < 64; i++)
		CHECK((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f'));

	char sni[VTG_TLSALPN_SNI_MAX];
	CHECK(vtg__tlsalpn_sni(target, sni, sizeof(sni)) == 0 && sni[0] != '\0');
	free(der);
	return 0;
}
