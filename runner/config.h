/*
 * config.h — the perspectives file (format in README.md, "Configuration").
 */
#ifndef VTG_RUNNER_CONFIG_H
#define VTG_RUNNER_CONFIG_H

#include <stdio.h>

#include "vantage.h"
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

/* Settings of the run ([engine] keys mode, min-remotes, window,
 * lookup-failure-exception; the command line sets the same keys). Each
 * has an "unset" value the runner replaces with its default. */
struct vtg_run_settings {
	enum vtg_mode mode;        /* VTG_MODE_DEFAULT: unset (enforce with a
				    * perspectives file, off with one resolver) */
	int min_remotes;           /* < 0: unset, the BR 3.2.2.9 minimum at the
				    * current date */
	unsigned quorum;           /* remotes that must corroborate; 0: unset
				    * (the BR 3.2.2.9 table) */
	unsigned window;           /* checks in flight; 0: unset (the runner's) */
	bool lookup_failure_exception; /* BR 3.2.2.8 exception, CAA only */
	bool early_decision;       /* a check is final once its outcome is certain */
	/* web validation (http-01, website-change, tls-alpn-01), per hop */
	unsigned http_connect_timeout_ms; /* TCP connect + TLS handshake */
	unsigned http_timeout_ms;         /* the whole request of one hop */
	/* remote perspectives: the whole request to the agent (its connect
	 * and TLS handshake take http_connect_timeout_ms at most) */
	unsigned remote_timeout_ms;
};

#define VTG_CONFIG_WHERE_MAX 288 /* a 256-character path, a colon, a line number */

struct vtg_config {
	struct vtg_engine_cfg engine;
	struct vtg_iter_settings iter;
	struct vtg_run_settings run;
	struct vtg_persp_cfg persp[VTG_MAX_PERSPECTIVES];
	unsigned n_persp;
	/* "FILE:LINE" of each perspective's section ("" when made otherwise),
	 * for errors found while starting it */
	char persp_where[VTG_MAX_PERSPECTIVES][VTG_CONFIG_WHERE_MAX];
};

void vtg__config_init(struct vtg_config *c);
/* Parse FILE into c (on top of what is there); every key goes through
 * the schema of runner/options.h. 0, or VTG_ECONFIG with "FILE:LINE: key:
 * reason" (or "FILE:LINE: reason" for a line that is not a key) in err, or
 * -errno when FILE cannot be opened. */
int vtg__config_load(struct vtg_config *c, const char *path, char *err, size_t errcap);
/* The same from an open stream; path only names it in messages. */
int vtg__config_load_fp(struct vtg_config *c, FILE *f, const char *path, char *err,
			size_t errcap);
/* Add the one iterative perspective of a run without a config file.
 * 0, or -EEXIST when c already has perspectives. */
int vtg__config_add_iterative(struct vtg_config *c, char *err, size_t errcap);
/* Add upstream addr ("ADDR[:PORT]", the schema's "resolver" key) to the
 * last perspective, making a stub perspective "local" first when there is
 * none. 0, or the code of vtg__opt_set() with its reason in err. */
int vtg__config_add_resolver(struct vtg_config *c, const char *addr, char *err,
			     size_t errcap);

#endif
