/*
 * fuzz_config.c — the perspectives file parser over any bytes: it either
 * accepts (every perspective has an id; a stub one at least one resolver,
 * an iterative one none; every value within its schema range) or names
 * the file (and line) that is wrong; it never crashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/config.h"
#include "runner/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	struct vtg_config c;
	char err[256] = "";
	vtg__config_init(&c);
	int rc = vtg__config_load_fp(&c, f, "fuzz.conf", err, sizeof(err));
	fclose(f);
	if (rc != 0) {
		if (strncmp(err, "fuzz.conf", 9) != 0)
			abort(); /* every error names the file */
		return 0;
	}
	if (c.n_persp == 0 || c.n_persp > VTG_MAX_PERSPECTIVES)
		abort();
	for (unsigned i = 0; i < c.n_persp; i++) {
		const struct vtg_persp_cfg *p = &c.persp[i];
		if (p->id[0] == 0 || p->n_upstreams > VTG_MAX_UPSTREAMS)
			abort();
		if (p->iterative ? p->n_upstreams != 0 : p->n_upstreams == 0)
			abort();
		if (p->sockets > VTG_OPT_SOCKETS_MAX)
			abort();
	}
	/* the schema's ranges hold for whatever was accepted */
	const struct vtg_engine_cfg *e = &c.engine;
	if (e->timeout_ms < 1 || e->timeout_ms > VTG_OPT_TIMEOUT_MS_MAX ||
	    e->retries > VTG_OPT_RETRIES_MAX || e->udp_size < VTG_OPT_UDP_SIZE_MIN ||
	    e->workers > VTG_OPT_WORKERS_MAX || c.iter.cache_mb < 1 ||
	    c.iter.cache_mb > VTG_OPT_CACHE_MB_MAX || c.run.window > VTG_OPT_WINDOW_MAX ||
	    c.run.min_remotes < -1 || c.run.min_remotes >= VTG_MAX_PERSPECTIVES)
		abort();
	return 0;
}
