/*
 * config.h — the perspectives file (format in README.md, "Configuration").
 */
#ifndef VTG_ENGINE_CONFIG_H
#define VTG_ENGINE_CONFIG_H

#include <stdio.h>

#include "engine/engine.h"

struct vtg_config {
	struct vtg_engine_cfg engine;
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
int vtg__config_add_resolver(struct vtg_config *c, const char *addr, char *err,
			     size_t errcap);

#endif
