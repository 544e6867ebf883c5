/*
 * fuzz_config.c — the perspectives file parser over any bytes: it either
 * accepts (every perspective has an id and at least one resolver) or names
 * the line that is wrong; it never crashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/config.h"

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
	for (unsigned i = 0; i < c.n_persp; i++)
		if (c.persp[i].id[0] == 0 || c.persp[i].n_upstreams == 0)
			abort();
	return 0;
}
