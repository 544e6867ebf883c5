/*
 * config.h — the perspectives file (format in README.md, "Configuration").
 */
#ifndef VTG_RUNNER_CONFIG_H
#define VTG_RUNNER_CONFIG_H

#include <stdio.h>

#include "engine/engine.h"

/* Settings of the iterative perspectives ([engine] keys root-hints,
 * trust-anchor, cache-mb, qname-0x20). Empty paths mean the defaults of
 * resolver/iter.h; trust-anchor "none" turns validation off. */
struct vtg_iter_settings {
	char root_hints[256];
	char trust_anchor[256];
	unsigned cache_mb;
	bool case_random;
};

struct vtg_config {
	struct vtg_engine_cfg engine;
	struct vtg_iter_settings iter;
	struct vtg_persp_cfg persp[VTG_MAX_PERSPECTIVES];
	unsigned n_persp;
};

void vtg__config_init(struct vtg_config *c);
/* Parse FILE into c (on top of what is there). 0, or -1 with "FILE:LINE:
 * reason" in err. */
int vtg__config_load(struct vtg_config *c, const char *path, char *err, size_t errcap);
/* The same from an open stream; path only names it in messages. */
int vtg__config_load_fp(struct vtg_config *c, FILE *f, const char *path, char *err,
			size_t errcap);
/* Add a stub perspective named id with upstream addr ("ADDR[:PORT]"), or
 * add an upstream to the last one when same_persp. */
/* Add the one iterative perspective of a run without a config file. */
int vtg__config_add_iterative(struct vtg_config *c, char *err, size_t errcap);
int vtg__config_add_resolver(struct vtg_config *c, const char *addr, char *err,
			     size_t errcap);

#endif
