/* api_world.c — one engine, every kind, the world's perspectives: the checks
 * given on the command line run through a single vantage engine (CAA, DCV
 * and plain queries side by side, corroborated under BR 3.2.2.9 where the
 * kind is corroborated), and each completion prints as one line for
 * tests/integration/test_api.sh:
 *   KIND NAME positive=P reason=R dnssec=D quorum=K/N persp=M records=C
 * R is the reason's code name (the text up to its detail).
 * usage: api_world CONFIG (caa NAME CA-DOMAIN | dcv NAME TOKEN | query NAME QTYPE)...
 * DCV checks are dns-01. exit 0 when all completed, 2 on usage or engine errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vantage.h>

static const char *const kinds[] = {"caa", "dcv", "query"};

int main(int argc, char **argv)
{
	if (argc < 5 || (argc - 2) % 3 != 0) {
		fprintf(stderr, "usage: %s CONFIG (caa NAME CA | dcv NAME TOKEN | query NAME QTYPE)...\n",
			argv[0]);
		return 2;
	}
	size_t n = (size_t)(argc - 2) / 3;
	struct vtg_check *chk = calloc(n, sizeof(*chk));
	if (!chk)
		return 2;
	for (size_t i = 0; i < n; i++) {
		char **a = argv + 2 + 3 * i;
		chk[i].name = a[1];
		if (!strcmp(a[0], "caa")) {
			chk[i].kind = VTG_CHECK_CAA;
			chk[i].ca_domains = (const char *const *)&a[2];
			chk[i].n_ca_domains = 1;
		} else if (!strcmp(a[0], "dcv")) {
			chk[i].kind = VTG_CHECK_DCV;
			chk[i].expect = a[2];
		} else if (!strcmp(a[0], "query")) {
			chk[i].kind = VTG_CHECK_QUERY;
			chk[i].qtype = (uint16_t)atoi(a[2]);
		} else {
			fprintf(stderr, "%s: not caa, dcv or query\n", a[0]);
			return 2;
		}
	}
	/* the engine's defaults: no CA names (each CAA check brings its own) */
	struct vtg_options opt = {
		.config_path = argv[1], .kind = VTG_CHECK_CAA, .dcv_method = "dns-01",
		.mode = VTG_MODE_ENFORCE, .min_remotes = -1,
	};
	char err[512];
	struct vtg_engine *e;
	if (vtg_engine_new(&e, &opt, err, sizeof(err)) != 0) {
		fprintf(stderr, "vantage %s: %s\n", vtg_version(), err);
		return 2;
	}
	size_t next = 0;
	int rc = 0;
	while (next < n || vtg_pending(e) > 0) {
		while (next < n) {
			int r = vtg_submit_check(e, &chk[next], NULL, NULL);
			if (r == -EAGAIN)
				break;
			if (r < 0) {
				fprintf(stderr, "%s: %s\n", chk[next].name, vtg_strerror(r));
				rc = 2;
				goto out;
			}
			next++;
		}
		struct vtg_completion c[8];
		int got = vtg_poll(e, c, 8, 1000);
		if (got < 0) {
			fprintf(stderr, "vtg_poll: %s\n", vtg_strerror(got));
			rc = 2;
			goto out;
		}
		for (int i = 0; i < got; i++) {
			const struct vtg_completion *x = &c[i];
			const char *reason = x->kind == VTG_CHECK_CAA
						     ? vtg_caa_reason_str((enum vtg_caa_reason)x->reason_code)
						     : vtg_reason_str(x->reason_code);
			printf("%s %s positive=%d reason=%s dnssec=%s quorum=%u/%u persp=%u records=%u\n",
			       kinds[x->kind], x->name, x->positive, reason, vtg_dnssec_str(x->dnssec),
			       x->quorum_k, x->quorum_n, x->n_perspectives, x->n_records);
		}
		fflush(stdout);
	}
out:
	vtg_engine_free(e);
	free(chk);
	return rc;
}
