/*
 * runner.h — the check runner: many checks (CAA, DNS domain-control, plain
 * queries) through the io_uring workers at once, each on every perspective,
 * corroborated by the aggregator, rendered as one JSON evidence line. The
 * `vantage` command and the public API (runner/api.c) both drive it through
 * this interface: one set-up path (vtg__run_new), one way in
 * (vtg__run_submit), one wait loop (vtg__run_wait).
 *
 * Threads: the owner (the command's main thread, or the API's caller)
 * submits and collects; W worker threads (one io_uring ring each) do the
 * rest. A check lives in one of `window` entries, chosen by the owner: the
 * command takes them in input order (id = sequence mod window) so lines
 * come out in order without sorting; the API keeps a free list. Nothing
 * between the threads takes a lock (docs/architecture.md).
 */
#ifndef VTG_RUNNER_RUNNER_H
#define VTG_RUNNER_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "caa/climb.h"
#include "caa/dcv.h"
#include "common/json.h"
#include "mpic/aggregate.h"
#include "runner/config.h"
#include "vantage.h"

#define VTG_RUN_MAX_WORKERS 64    /* worker threads of one run (a bit mask) */
#define VTG_RUN_DEF_WINDOW 16384  /* checks in flight, divided among perspectives */
#define VTG_RUN_MIN_WINDOW 256
#define VTG_RUN_WEB_WINDOW 4096   /* web DCV: requests in flight, divided among
				   * perspectives (2 workers x 256 web slots,
				   * x8 for the lookups and queueing around them) */
#define VTG_RUN_MIN_WEB_WINDOW 64
#define VTG_RUN_MAX_WINDOW (1u << 22) /* entry index fits 24 bits (ud packing) */
#define VTG_CHECK_MAX_ISSUERS 16  /* CA domain names given with one check */

struct vtg_run;

/* The defaults of a run; each check may override its kind's parameters. */
struct vtg_run_params {
	struct vtg_caa_policy pol;    /* CAA: issuers, account URI, method, ... */
	struct vtg_dcv_request dcv;   /* DCV: method, label, account URI, issuers */
	const char *dcv_expect;       /* DCV: the value for every check, or NULL */
	bool check_dcv;               /* the DCV defaults must be complete (a DCV run) */
	uint16_t qtype;               /* QUERY */
	enum vtg_mpic_mode mpic;      /* corroboration of CAA and DCV checks */
	unsigned window;              /* 0: VTG_RUN_DEF_WINDOW / perspectives */
	unsigned workers;             /* 0: the configuration's, else one per core */
	/* the API: finalised checks go to a completion queue (vtg__run_pop)
	 * with their structured results; else the owner reads lines in order */
	bool api;
	bool compact;                 /* lines: name, outcome, reason, quorum, and per
				       * perspective its id, outcome and reason */
	vtg_complete_fn on_complete;  /* API callback mode, on a worker thread */
	void *on_complete_ud;
};

/* One check. Strings are copied by vtg__run_submit. */
struct vtg_run_check {
	enum vtg_check_kind kind;
	const char *name;
	size_t name_len;
	const char *expect;           /* DCV: NULL = the run's dcv_expect */
	const char *const *issuers;   /* CAA: NULL = the run's */
	size_t n_issuers;
	enum vtg_dcv_method dcv_method; /* DCV, when has_dcv_method */
	bool has_dcv_method;
	const char *dcv_label;        /* DCV: NULL = the run's */
	const char *http_path;        /* website-change: NULL = the run's */
	const char *account_uri;      /* persist / dns-account-01: NULL = the run's */
	int scheme;                   /* website-change: 0 the run's, 1 http, 2 https */
	bool expect_digest;           /* tls-alpn-01: expect is SHA-256(key auth) in hex */
	uint32_t persp_mask;          /* the perspectives this check runs on (bit p:
				       * perspective p; the primary always); 0: all */
	unsigned quorum;              /* its remotes that must corroborate; 0: the run's */
	uint16_t qtype;               /* QUERY: 0 = the run's */
	void *user;
};

/*
 * Check the run's perspective set against BR 3.2.2.9 (unless mpic is OFF)
 * and the DCV defaults; then size the run, allocate everything, start the
 * workers and wait until each made its rings and sockets. cfg is copied.
 * min_remotes < 0: the BR minimum at the current date. 0, or with the
 * reason in err: VTG_ECONFIG (perspective set refused, a perspective
 * cannot be set up), a VTG_EDCV_* code, -ENOMEM / -EMFILE (resources).
 */
int vtg__run_new(struct vtg_run **out, const struct vtg_config *cfg,
		 const struct vtg_run_params *p, long min_remotes, char *err, size_t errcap);
/* Whether entry id may take a new check: its line is out and (early
 * decision) every perspective of its last check is done with it. */
bool vtg__run_released(const struct vtg_run *r, uint32_t id);
/* Stop the workers (in-flight checks are abandoned) and free everything. */
void vtg__run_free(struct vtg_run *r);

/* The corroboration of a run from the mode setting: DEFAULT is enforce
 * with a perspectives file, off with a single resolver. */
enum vtg_mpic_mode vtg__run_mpic_mode(enum vtg_mode m, bool have_file);

unsigned vtg__run_window(const struct vtg_run *r);
const struct vtg_config *vtg__run_config(const struct vtg_run *r);

/*
 * Start check ck in entry id (< window; the entry must be free: never used,
 * or its line taken / its completion popped). The workers are woken by the
 * next vtg__run_kick. 0, -EINVAL (kind unknown, no CA names for a CAA
 * check, more than VTG_CHECK_MAX_ISSUERS), -ENOMEM.
 */
int vtg__run_submit(struct vtg_run *r, uint32_t id, const struct vtg_run_check *ck);
/* Wake the workers given checks since the last kick (one write each). */
void vtg__run_kick(struct vtg_run *r);
/* No more checks will come: workers exit once they hold nothing. */
void vtg__run_close(struct vtg_run *r);
/* Wait for the workers to exit (after vtg__run_close). */
void vtg__run_join(struct vtg_run *r);

/*
 * The one wait loop: sleep until a worker signals finished checks, the
 * caller's descriptor extra_fd (-1: none) turns readable, a signal
 * arrives, or wait_ms passes (-1 or more than 200: 200 ms, the workers'
 * batching bound). 0, or the negative errno of a worker whose ring failed
 * (the run is then broken).
 */
int vtg__run_wait(struct vtg_run *r, int wait_ms, int extra_fd);
/* Stop the workers at their next turn, whatever they hold (an interrupted
 * run): checks not done never finish. Then vtg__run_join. */
void vtg__run_abort(struct vtg_run *r);
/* The line of a check in entry id that will not finish (interrupted):
 * its name and kind with reason `interrupted`, into j (owner thread; the
 * entry's own line is not touched). */
void vtg__run_interrupted_line(const struct vtg_run *r, uint32_t id, struct vtg_json *j);
/* Checks finished so far: positive (permit / pass / answered), not, and
 * those whose primary lookup failed (owner thread, while the run goes). */
void vtg__run_outcomes(const struct vtg_run *r, uint64_t *pos, uint64_t *neg, uint64_t *fail);
/* Perspective p so far: checks with a valid name that had its result, and
 * of those how many got an answer (owner thread, while the run goes). */
void vtg__run_persp_counts(const struct vtg_run *r, unsigned p, uint64_t *results,
			   uint64_t *answered);
/* The descriptor vtg__run_wait sleeps on (readable when checks finished). */
int vtg__run_fd(const struct vtg_run *r);

/* Command side: entry id's line is rendered (acquire); its text. */
bool vtg__run_done(const struct vtg_run *r, uint32_t id);
void vtg__run_line(const struct vtg_run *r, uint32_t id, const char **buf, size_t *len);

/* API side: the next finalised entry (completion order); false if none. */
bool vtg__run_pop(struct vtg_run *r, uint32_t *id);
/* The completion of finalised entry id (valid until it is submitted again). */
void vtg__run_completion(struct vtg_run *r, uint32_t id, struct vtg_completion *out);
/* API cancel: true when entry id was still running (it will not call the
 * callback; its entry still comes back through vtg__run_pop). */
bool vtg__run_cancel(struct vtg_run *r, uint32_t id);
bool vtg__run_cancelled(const struct vtg_run *r, uint32_t id);

/* The summary of a finished run on f: counts of kind's outcomes, time,
 * CPU, per-perspective counters. */
void vtg__run_summary(const struct vtg_run *r, FILE *f, const char *cmd,
		      enum vtg_check_kind kind, uint64_t lines, double secs);

#endif
