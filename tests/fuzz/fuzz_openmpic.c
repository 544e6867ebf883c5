/*
 * fuzz_openmpic.c — libFuzzer target for the open-mpic decoders
 * (mpic/openmpic.c): byte 0 picks the endpoint (mod 4: /caa, /dcv, /mpic, or
 * an agent's answer as a remote perspective reads it), the rest is the body, copied to an exact-size heap buffer so ASan sees any
 * read past it. Besides "never crash", it checks what callers rely on and
 * traps when one breaks: a refusal is a VTG_EOM_* code with a message; an
 * accepted request's strings are NUL-terminated within their buffers; and
 * the /mpic answer encoded for it is JSON that jansson parses; a perspective
 * request re-encoded (what a coordinator sends its agents) decodes again to
 * the same check; an answer's evidence is one line of JSON.
 *
 * Built with tests/fuzz/replay_main.c it replays tests/fuzz/corpus/openmpic.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpic/openmpic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                        \
	do {                            \
		if (!(x))               \
			__builtin_trap(); \
	} while (0)

static struct vtg_om_mpic m;
static struct vtg_om_check again;

/* An agent's answer, as runner/remote.c reads it. */
static void answer(const char *body, size_t n, enum vtg_om_check_type t)
{
	static char ev[VTG_OM_ANSWER_MAX + 1];
	struct vtg_om_answer a;
	char err[256];
	int rc = vtg__om_answer_decode(body, n, t, &a, ev, sizeof(ev), err, sizeof(err));
	if (rc) {
		CHECK(rc <= VTG_EOM_JSON && rc >= VTG_EOM_UNSUPPORTED);
		CHECK(err[0] != '\0');
		return;
	}
	CHECK(memchr(a.reason, '\0', sizeof(a.reason)) && memchr(a.seen, '\0', sizeof(a.seen)));
	if (a.evidence_len) {
		CHECK(strlen(ev) == a.evidence_len && !memchr(ev, '\n', a.evidence_len));
		json_t *v = json_loadb(ev, a.evidence_len, JSON_REJECT_DUPLICATES, NULL);
		CHECK(v != NULL);
		json_decref(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned op = data[0] % 4;
	size_t n = size - 1;
	char *body = malloc(n ? n : 1);
	if (!body)
		return 0;
	memcpy(body, data + 1, n);
	char err[256];
	int rc;
	if (op == 3) {
		answer(body, n, (data[0] >> 2) & 1 ? VTG_OM_CHECK_DCV : VTG_OM_CHECK_CAA);
		free(body);
		return 0;
	}
	if (op == 2) {
		rc = vtg__om_mpic_decode(body, n, &m, err, sizeof(err));
	} else {
		rc = vtg__om_check_decode(body, n, op ? VTG_OM_EP_DCV : VTG_OM_EP_CAA, &m.check,
					  err, sizeof(err));
		m.has_orch = false;
	}
	free(body);
	if (rc) {
		CHECK(rc <= VTG_EOM_JSON && rc >= VTG_EOM_UNSUPPORTED);
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
		return 0;
	}
	const struct vtg_om_check *c = &m.check;
	CHECK(memchr(c->target, '\0', sizeof(c->target)) && c->target[0]);
	CHECK(memchr(c->value, '\0', sizeof(c->value)));
	CHECK(c->n_caa_domains <= VTG_OM_DOMAINS_MAX && c->n_issuers <= VTG_OM_DOMAINS_MAX);

	const char *recs[] = {"a", "\xff"};
	struct vtg_om_result r = {.type = c->type, .method = c->om_method, .records = recs,
				  .n_records = 2, .caa_present = -1, .rcode = -1, .ad_flag = -1,
				  .status = -1};
	struct vtg_om_perspective p = {"p", &r};
	struct vtg_om_mpic_result mr = {.request = &m, .perspectives = &p, .n_perspectives = 1};
	struct vtg_json j;
	if (vtg__json_init(&j, -1))
		return 0;
	if (vtg__om_mpic_encode(&mr, &j) == 0) {
		json_t *v = json_loadb(j.buf, j.len, JSON_REJECT_DUPLICATES, NULL);
		CHECK(v != NULL);
		json_decref(v);
	}
	if (op != 2) { /* re-encoded, it decodes to the same check */
		vtg__json_reset(&j);
		CHECK(vtg__om_check_encode(c, &j) == 0);
		CHECK(vtg__om_check_decode(j.buf, j.len, op ? VTG_OM_EP_DCV : VTG_OM_EP_CAA,
					   &again, err, sizeof(err)) == 0);
		CHECK(again.type == c->type && again.method == c->method &&
		      again.wildcard == c->wildcard && !strcmp(again.target, c->target) &&
		      !strcmp(again.value, c->value));
	}
	vtg__json_deinit(&j);
	return 0;
}
