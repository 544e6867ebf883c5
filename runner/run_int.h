/*
 * run_int.h — the runner's private structures, shared by runner/run.c (the
 * threads, queues and window), the check kinds (runner/kind_*.c) and the
 * API (runner/api.c). Not installed; nothing outside runner/ includes it.
 */
#ifndef VTG_RUNNER_RUN_INT_H
#define VTG_RUNNER_RUN_INT_H

#include <pthread.h>
#include <time.h>

#include "caa/name.h"
#include "common/json.h"
#include "engine/engine.h"
#include "resolver/iter.h"
#include "resolver/stub.h"
#include "runner/runner.h"

#define FRAG_CAP 1024            /* initial size of a perspective's fragment */
#define RRTEXT_CAP (4 * 65536 + 1024) /* one RR in presentation form, \DDD escapes */
#define PERSP_REASON_MAX 160     /* a perspective's reason text (API) */

struct check;
struct shard;
struct vtg_om_check;

/*
 * A check kind: how a check starts, what each perspective's answer does to
 * it, and how its line is written. The engine's callbacks and the workers'
 * loop only ever call through this table.
 */
struct vtg_kind_ops {
	const char *cmd;          /* "caa", "dcv", "query" */
	enum vtg_check_kind kind;
	bool compare_seen;        /* DCV: remotes must see the primary's value */
	bool corroborated;        /* CAA, DCV: the quorum counts (not for a query) */
	/* owner thread, before the perspectives spread: parse the name; sets
	 * name_rc / nm.why when invalid */
	void (*prepare)(struct vtg_run *r, struct check *c);
	/* worker: the question perspective p asks now, or false when done */
	bool (*question)(const struct check *c, unsigned p, const uint8_t **qname,
			 uint16_t *qtype);
	/* worker: perspective p starts (the first question goes out after) */
	void (*start)(struct shard *sh, struct check *c, unsigned p);
	/* worker: a stub-mode response (NULL: converted to a lookup answer) */
	void (*stub)(struct shard *sh, struct check *c, unsigned p, const struct vtg_qresult *res);
	/* worker: a lookup answer for the current question */
	void (*answer)(struct shard *sh, struct check *c, unsigned p,
		       const struct vtg_lookup_answer *a);
	/* worker (the last perspective's): the line and the outcome */
	void (*line)(struct shard *sh, struct check *c, const struct vtg_agg_check *ck);
	/* the outcome key of a line (compact lines): decision, result, answered */
	void (*outcome)(struct vtg_json *j, bool positive);
	/* owner, a check that will not finish: its line's fields after the
	 * name, in the shape of an invalid name's line, reason interrupted */
	void (*interrupted)(const struct check *c, struct vtg_json *j);
};

extern const struct vtg_kind_ops vtg__kind_caa, vtg__kind_dcv, vtg__kind_query, vtg__kind_web;

/* kind_dcv.c: the DCV line's outcome key and interrupted line, which the
 * web kind shares (one line shape for every DCV method) */
void vtg__dcv_outcome_key(struct vtg_json *j, bool positive);
void vtg__dcv_interrupted(const struct check *c, struct vtg_json *j);
/* kind_dcv.c: a DCV line's name and method; an invalid check's whole line
 * (then true). */
bool vtg__dcv_line_head(struct shard *sh, struct check *c);
/* kind_dcv.c: the outcome after corroboration (c->positive, reason,
 * reason_code, corroborated) and the counters, from the primary's. */
void vtg__dcv_settle(struct shard *sh, struct check *c, const struct vtg_agg_check *ck,
		     bool primary_pass, int code, const char *reason);

/* A perspective's part of a check, for the API's completion. */
struct persp_out {
	bool answered, positive;
	uint8_t dnssec;           /* enum vtg_dnssec */
	uint8_t fail;             /* enum vtg_lookup_fail */
	uint16_t rcode;           /* VTG_RCODE_NONE when no response */
	float latency_ms;
	char reason[PERSP_REASON_MAX];
	char why_bogus[64];       /* with VTG_DNSSEC_BOGUS */
};

/* Check states (API cancel); the command only uses RUNNING -> FINISHED. */
enum { CK_IDLE = 0, CK_RUNNING, CK_CANCELLED, CK_FINISHED };

struct check {
	/* written by the owner before the entry is queued */
	const struct vtg_kind_ops *ops;
	char *input;                  /* name NUL expect NUL issuers... */
	size_t input_len, input_cap;
	const char *expect;           /* DCV: into input, or the run's */
	bool expect_digest;           /* tls-alpn-01: expect is SHA-256 in hex */
	uint32_t mask;                /* the perspectives it runs on (bit p) */
	void *user;
	uint32_t gen;                 /* API: submits of this entry so far */
	uint8_t state;                /* atomic: CK_* */
	bool parsed;                  /* prepared by the owner */
	uint64_t token;               /* the aggregator's, for this attempt */
	struct vtg_caa_policy pol;    /* CAA: the run's, or with own issuers */
	const char *iss[VTG_CHECK_MAX_ISSUERS];
	struct vtg_dcv_request dcv;   /* DCV: the run's, with this check's fields */
	uint16_t qtype;               /* QUERY */
	/* written by the workers; published by `done` (release) */
	bool done;
	bool busy;                    /* atomic: armed and not yet released by
				       * its last perspective (early decision) */
	int name_rc;
	struct vtg_input_name nm;
	uint8_t qwire[VTG_DNS_MAX_NAME]; /* QUERY: the name */
	time_t checked_at;
	struct vtg_caa_climb *climb;  /* CAA: one per perspective (lazily made) */
	struct vtg_dcv_result *dres;  /* DCV: one per perspective (lazily made) */
	struct web_check *web;        /* web DCV (kind_web.c, lazily made) */
	uint8_t dq[VTG_DNS_MAX_NAME]; /* DCV: the query the method makes */
	uint16_t dqtype;
	struct vtg_json *frag;        /* one per perspective */
	struct vtg_json records;      /* CAA: the primary's relevant RRset */
	struct vtg_json line;         /* the finished evidence line */
	/* the outcome (set with the line) */
	bool positive;
	int corroborated;             /* 1, 0, -1: nothing to corroborate */
	int reason_code;              /* enum vtg_caa_reason / enum vtg_reason */
	char reason[320];
	/* API only: structured results */
	struct persp_out *po;         /* one per perspective */
	uint8_t *rec;                 /* QUERY: the primary's records, packed */
	size_t rec_len, rec_cap;
	unsigned n_rec;
	struct vtg_record *recs;      /* unpacked at completion */
	unsigned recs_cap;
	char server[64];              /* the primary's answering server, or "" */
	struct vtg_persp_result *pres;/* the completion's array */
};

/* A worker's list of (entry << 8 | perspective) items waiting for a slot of
 * their kind, in arrival order; grows by doubling, then stays. */
struct vtg_items {
	uint32_t *v;
	size_t n, cap;
};

/* Append (c, p) to l. false: out of memory (l unchanged). */
bool vtg__items_push(struct vtg_items *l, const struct vtg_run *r, const struct check *c,
		     unsigned p);
/* Drop the first k items (the ones handled), keeping the order of the rest. */
void vtg__items_drop(struct vtg_items *l, size_t k);

/* One worker thread and what only it touches. */
struct shard {
	struct vtg_run *r;
	unsigned k;
	pthread_t th;
	bool started;
	struct vtg_worker *w;
	struct vtg_iter *iter;        /* iterative perspectives, or NULL */
	int efd;                      /* owner -> worker wake-ups */
	uint32_t *q;                  /* SPSC queue of (entry << 8 | perspective) */
	uint32_t qmask;
	uint32_t q_head, q_tail;      /* atomics: head the worker's, tail the owner's */
	uint32_t *deferred;           /* (entry << 8 | perspective) waiting for a slot */
	size_t n_deferred, deferred_cap;
	bool web_on;                  /* web requests enabled on w (kind_web.c) */
	struct vtg_items wdef;        /* waiting for a web slot (kind_web.c) */
	bool agent_on;                /* agent requests enabled on w (remote.c) */
	struct vtg_items adef;        /* waiting for an agent slot (remote.c) */
	struct vtg_json areq;         /* remote.c: a request body */
	char *aevid;                  /* remote.c: an agent's evidence, compact */
	struct vtg_om_check *aom;     /* remote.c: a request as open-mpic's model */
	struct vtg_stub_scratch *scratch;
	char *rrtext;                 /* RRTEXT_CAP */
	unsigned finished;            /* lines published since the last signal */
	unsigned signal_batch;        /* signal the owner every this many */
	unsigned long permits, denies, invalid, failures;
	unsigned long not_corroborated, reported; /* enforce denials; report-only */
	/* per perspective: results of checks with a valid name, and answered
	 * ones (this worker writes, the owner reads: relaxed atomics) */
	uint64_t results[VTG_MAX_PERSPECTIVES], answered[VTG_MAX_PERSPECTIVES];
	uint64_t n_pos, n_neg, n_fail; /* finished checks: positive, not, lookup failed */
	int init_rc, fatal;           /* worker set-up result; ring error */
	char err[512];
};

struct vtg_run {
	struct vtg_config cfg;
	struct vtg_run_params p;
	struct vtg_agg *agg;          /* one entry per window position */
	struct check *ctx;
	unsigned window;
	unsigned n_shards;
	struct shard *shards;
	uint64_t woken;               /* owner: shards given work since the kick */
	unsigned spread;              /* owner: rotates the first perspective's shard */
	int main_efd;                 /* worker -> owner wake-ups */
	bool eof;                     /* atomic: no more checks will come */
	bool abort;                   /* atomic: workers stop at once */
	char (*api_keys)[257];        /* remote perspectives' API keys (remote.c),
				       * per perspective; NULL without remotes */
	pthread_barrier_t ready;      /* set-up only: every worker made */
	bool barrier;                 /* ready barrier initialised */
};

/* Engine user data: entry and perspective; iterative queries carry UD_ITER. */
#define UD_ITER (1ull << 63)
static inline void *ud_of(unsigned idx, unsigned persp)
{
	return (void *)(uintptr_t)(((uintptr_t)idx << 8) | persp);
}

/* Worker side, for the kinds: ask perspective p's current question (stub:
 * to its upstreams; iterative: through the resolver), or queue it until a
 * slot frees. */
void vtg__run_ask(struct shard *sh, struct check *c, unsigned p);
/* Perspective p is done with its part (fragment rendered): its vote to the
 * aggregator; the last perspective's delivery writes the line. */
void vtg__run_vote(struct shard *sh, struct check *c, unsigned p, bool answered,
		   bool positive, const char *seen);
/* A stub-mode result as a lookup answer for (qname, qtype). */
void vtg__run_stub_answer(struct shard *sh, const struct vtg_qresult *res,
			  const uint8_t *qname, uint16_t qtype, struct vtg_lookup_answer *ans);
/* Is c decided already (early decision: the perspective may stop)? */
bool vtg__run_decided(const struct shard *sh, const struct check *c);
/* The perspective's head of a fragment: id, rir, mode. */
void vtg__run_frag_head(const struct vtg_run *r, struct vtg_json *f, unsigned p);
/* The corroboration fields, the perspectives and the end of the line
 * (CAA and DCV). */
void vtg__run_emit_mpic(const struct vtg_run *r, struct vtg_json *j, const struct check *c,
			const struct vtg_agg_check *ck, bool primary_positive);
/* API: remember perspective p's structured result. */
void vtg__run_persp_out(const struct vtg_run *r, struct check *c, unsigned p, bool answered,
			bool positive, enum vtg_dnssec dnssec, unsigned rcode,
			enum vtg_lookup_fail fail, double latency_ms, const char *reason);

/* The calling worker's shard (engine callbacks carry only user data). */
struct shard *vtg__run_self(void);

/* kind_web.c: the entry's web state (once per entry, kept); 0 or -ENOMEM */
int vtg__kind_web_alloc(const struct vtg_run *r, struct check *c);
/* kind_web.c: start the requests that waited for a slot */
void vtg__kind_web_flush(struct shard *sh);

/* kind_web.c: enable web requests on the worker (once) */
int vtg__kind_web_enable(struct shard *sh);

/* remote.c: remote perspectives. Load their API keys (run set-up; 0 or
 * VTG_ECONFIG / -ENOMEM with the reason). */
int vtg__remote_setup(struct vtg_run *r, char *err, size_t errcap);
/* worker: perspective p of c is remote: send it to its agent */
void vtg__remote_start(struct shard *sh, struct check *c, unsigned p);
/* worker: send the requests that waited for an agent slot */
void vtg__remote_flush(struct shard *sh);
/* worker: withdraw the agent requests of checks decided without them */
void vtg__remote_cancel(struct shard *sh);
void vtg__remote_free_shard(struct shard *sh);

/* API: unpack the first n records kept for the completion (kind_query.c). */
void vtg__run_records(const struct check *c, struct vtg_record *out, unsigned n);

static inline unsigned check_index(const struct vtg_run *r, const struct check *c)
{
	return (unsigned)(c - r->ctx);
}

#endif
