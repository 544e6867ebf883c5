/*
 * serve.c — `vantage serve`: an open-mpic-compatible MPIC coordinator
 * (POST /mpic, GET /metrics, GET /healthz) over the HTTPS server of
 * cli/httpsd.c.
 *
 * The perspectives file's first perspective is the coordinator's own
 * primary (the CA's network); the others are the pool of remote
 * perspectives (local namespaces or agents: to this file they are sections
 * of the file). A request's target picks its cohorts (mpic/cohort.c: keyed
 * by --hash-secret-file, deterministic per target, disjoint, each spanning
 * two RIRs); attempt i runs on cohort i. Every check runs on the one engine
 * of the public API made from the whole file, on the primary and its
 * cohort only (vtg_check.perspectives) with the request's quorum
 * (vtg_check.quorum), early decision on: each perspective keeps its own
 * sockets, connections to its agent and iterative cache from one request
 * to the next, whatever cohort it is in.
 *
 * vantage's semantics stay: a check is valid when the primary passes and
 * the cohort corroborates it (open-mpic's coordinator only counts remote
 * perspectives). An attempt that is not valid is retried on the next
 * cohort while max_attempts allows; the earlier attempts are reported in
 * previous_attempt_results and never counted in the last (BR 3.2.2.9: an
 * engine's aggregator only ever counts one attempt's results).
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cli/cli.h"
#include "cli/httpsd.h"
#include "cli/omcheck.h"
#include "common/alloc.h"
#include "mpic/cohort.h"
#include "mpic/openmpic.h"
#include "mpic/quorum.h"
#include "runner/config.h"

/* ---- limits and defaults, each with its reason ---- */
/* open-mpic requests are < 2 KiB; the codec refuses more than this anyway */
#define BODY_MAX VTG_OM_BODY_MAX
/* attempts: each uses a fresh cohort of >= 2 remotes out of at most
 * VTG_COHORT_POOL_MAX */
#define ATTEMPTS_MAX (VTG_COHORT_POOL_MAX / 2)
/* --hash-secret-file: below 16 octets a secret is guessable, and the
 * cohorts with it; above 4 KiB it is no secret but a document */
#define SECRET_MIN 16
#define SECRET_MAX 4096
#define SECRET_RANDOM 32 /* without a file: 256 random bits */
/* failure reasons kept per perspective for /metrics (a reason is a short
 * word such as "timeout"; an unbounded label set would grow forever) */
#define FAIL_KEYS_MAX 256
#define FAIL_REASON_MAX 32
/* latency histogram buckets, seconds (a DNS check takes ms; an agent's
 * answer over a WAN 100s of ms; a timed out one seconds) */
static const double LAT_BUCKETS[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define N_BUCKETS (sizeof(LAT_BUCKETS) / sizeof(LAT_BUCKETS[0]))

enum outcome { OUT_VALID = 0, OUT_INVALID, OUT_ERROR, OUT_COUNT };
static const char *const OUTCOME[] = {"valid", "invalid", "error"};
#define METHODS (VTG_OM_METHOD_LAST + 2) /* the DCV methods, then caa */

struct metrics {
	uint64_t checks[METHODS][OUT_COUNT];
	uint64_t attempts;
	uint64_t lat_bucket[VTG_MAX_PERSPECTIVES][N_BUCKETS];
	uint64_t lat_count[VTG_MAX_PERSPECTIVES];
	double lat_sum[VTG_MAX_PERSPECTIVES];
	struct {
		unsigned persp;
		char reason[FAIL_REASON_MAX];
		uint64_t n;
	} fail[FAIL_KEYS_MAX];
	unsigned n_fail;
};

struct serve {
	struct vtg_httpsd *h;
	struct vtg_config cfg;
	struct vtg_engine *e;               /* every perspective of the file */
	void *watch;                        /* e's fd in the server's loop */
	unsigned pool;                      /* remotes: perspectives 1..pool */
	enum vtg_rir rir[VTG_COHORT_POOL_MAX];
	unsigned default_k, min_k;
	uint8_t secret[SECRET_MAX];
	size_t secret_len;
	char **ca;
	int n_ca;
	unsigned in_flight;
	struct metrics m;
	struct vtg_omc_scratch scratch;
	struct vtg_json text_out;           /* /metrics */
};

/* One /mpic request through its attempts. */
struct mpic {
	struct serve *s;
	struct vtg_httpsd_req *r;           /* NULL: abandoned at shutdown */
	struct vtg_om_mpic m;
	struct vtg_check chk;
	char name[VTG_OM_TARGET_MAX + 3];
	const char *doms[VTG_OM_DOMAINS_MAX];
	struct vtg_cohorts cs;
	unsigned k, quorum, quorum_eff, first, attempts, n_done;
	struct vtg_json done[ATTEMPTS_MAX]; /* each finished attempt's perspectives */
	char *evidence[ATTEMPTS_MAX];
	size_t evidence_len[ATTEMPTS_MAX];
};

/* ---- the perspectives file cut into sections ---- */

static void done_cb(void *ud, const struct vtg_completion *c);

/* ---- metrics ---- */

static unsigned method_index(const struct vtg_om_check *c)
{
	return c->type == VTG_OM_CHECK_CAA ? METHODS - 1 : (unsigned)c->om_method;
}

static const char *method_label(unsigned i)
{
	return i == METHODS - 1 ? "caa" : vtg__om_method_str((enum vtg_om_method)i);
}

/* The perspective's index in the file (a completion lists only its check's). */
static unsigned file_index(const struct serve *s, const char *id)
{
	for (unsigned i = 0; i < s->cfg.n_persp; i++)
		if (!strcmp(s->cfg.persp[i].id, id))
			return i;
	return 0;
}

static void count_failure(struct metrics *m, unsigned persp, const char *reason)
{
	char r[FAIL_REASON_MAX];
	/* the reason's code: the text before ':' (details vary per check) */
	size_t n = strcspn(reason, ": ");
	snprintf(r, sizeof(r), "%.*s", (int)n, reason);
	for (unsigned i = 0; i < m->n_fail; i++)
		if (m->fail[i].persp == persp && !strcmp(m->fail[i].reason, r)) {
			m->fail[i].n++;
			return;
		}
	if (m->n_fail == FAIL_KEYS_MAX)
		snprintf(r, sizeof(r), "other");
	for (unsigned i = 0; i < m->n_fail; i++)
		if (m->fail[i].persp == persp && !strcmp(m->fail[i].reason, r)) {
			m->fail[i].n++;
			return;
		}
	if (m->n_fail == FAIL_KEYS_MAX)
		return;
	m->fail[m->n_fail].persp = persp;
	snprintf(m->fail[m->n_fail].reason, sizeof(m->fail[0].reason), "%s", r);
	m->fail[m->n_fail++].n = 1;
}

static void count_perspectives(struct serve *s, const struct vtg_completion *c)
{
	for (unsigned p = 0; p < c->n_perspectives; p++) {
		const struct vtg_persp_result *pr = &c->perspectives[p];
		unsigned i = file_index(s, pr->id);
		bool cancelled = pr->reason && !strncmp(pr->reason, "cancelled", 9);
		if (!cancelled) {
			double sec = pr->latency_ms / 1000.0;
			for (unsigned b = 0; b < N_BUCKETS; b++)
				if (sec <= LAT_BUCKETS[b])
					s->m.lat_bucket[i][b]++;
			s->m.lat_count[i]++;
			s->m.lat_sum[i] += sec;
		}
		if (!pr->answered)
			count_failure(&s->m, i, pr->failure ? pr->failure
					  : cancelled ? "cancelled" : "no-answer");
		else if (!pr->primary && !pr->corroborates && !cancelled)
			count_failure(&s->m, i, "not-corroborating");
	}
}

/* A label value: backslash, quote and newline escaped (text format 0.0.4). */
static void label(struct vtg_json *j, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			vtg__json_put_lines(j, "\\", 1);
		if (*v == '\n')
			vtg__json_put_lines(j, "\\n", 2);
		else
			vtg__json_put_lines(j, v, 1);
	}
}

static void put(struct vtg_json *j, const char *s)
{
	vtg__json_put_lines(j, s, strlen(s));
}

static void putf(struct vtg_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct vtg_json *j, const char *fmt, ...)
{
	char b[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n > 0)
		vtg__json_put_lines(j, b, (size_t)n < sizeof(b) ? (size_t)n : sizeof(b) - 1);
}

static void metrics_cb(struct vtg_httpsd_req *r, void *ud)
{
	struct serve *s = ud;
	struct vtg_json *j = &s->text_out;
	struct metrics *m = &s->m;
	vtg__json_reset(j);
	put(j, "# HELP vantage_checks_total MPIC checks answered, by kind, method and outcome.\n"
	       "# TYPE vantage_checks_total counter\n");
	for (unsigned i = 0; i < METHODS; i++)
		for (unsigned o = 0; o < OUT_COUNT; o++)
			if (m->checks[i][o] || i == METHODS - 1)
				putf(j, "vantage_checks_total{kind=\"%s\",method=\"%s\",outcome=\"%s\"} "
				     "%llu\n", i == METHODS - 1 ? "caa" : "dcv", method_label(i),
				     OUTCOME[o], (unsigned long long)m->checks[i][o]);
	put(j, "# HELP vantage_attempts_total Attempts run (one cohort each).\n"
	       "# TYPE vantage_attempts_total counter\n");
	putf(j, "vantage_attempts_total %llu\n", (unsigned long long)m->attempts);
	put(j, "# HELP vantage_checks_in_flight MPIC requests being checked now.\n"
	       "# TYPE vantage_checks_in_flight gauge\n");
	putf(j, "vantage_checks_in_flight %u\n", s->in_flight);
	put(j, "# HELP vantage_perspective_latency_seconds Time of a perspective's part of a "
	       "check.\n# TYPE vantage_perspective_latency_seconds histogram\n");
	for (unsigned p = 0; p < s->cfg.n_persp; p++) {
		for (unsigned b = 0; b <= N_BUCKETS; b++) {
			put(j, "vantage_perspective_latency_seconds_bucket{perspective=\"");
			label(j, s->cfg.persp[p].id);
			if (b < N_BUCKETS)
				putf(j, "\",le=\"%g\"} %llu\n", LAT_BUCKETS[b],
				     (unsigned long long)m->lat_bucket[p][b]);
			else
				putf(j, "\",le=\"+Inf\"} %llu\n", (unsigned long long)m->lat_count[p]);
		}
		put(j, "vantage_perspective_latency_seconds_sum{perspective=\"");
		label(j, s->cfg.persp[p].id);
		putf(j, "\"} %.6f\n", m->lat_sum[p]);
		put(j, "vantage_perspective_latency_seconds_count{perspective=\"");
		label(j, s->cfg.persp[p].id);
		putf(j, "\"} %llu\n", (unsigned long long)m->lat_count[p]);
	}
	put(j, "# HELP vantage_perspective_failures_total A perspective without an answer, or "
	       "a remote not corroborating, by reason.\n"
	       "# TYPE vantage_perspective_failures_total counter\n");
	for (unsigned i = 0; i < m->n_fail; i++) {
		put(j, "vantage_perspective_failures_total{perspective=\"");
		label(j, s->cfg.persp[m->fail[i].persp].id);
		put(j, "\",reason=\"");
		label(j, m->fail[i].reason);
		putf(j, "\"} %llu\n", (unsigned long long)m->fail[i].n);
	}
	vtg__httpsd_raw(r, j->err ? 500 : 200, "text/plain; version=0.0.4; charset=utf-8", j->buf,
			j->err ? 0 : j->len);
}

/* ---- /mpic ---- */

static void mpic_free(struct mpic *q)
{
	for (unsigned i = 0; i < ATTEMPTS_MAX; i++) {
		vtg__json_deinit(&q->done[i]);
		vtg__free(q->evidence[i]);
	}
	vtg__free(q);
}

/* Start attempt q->n_done on cohort q->first + q->n_done. 0, or with the
 * reason in err: -EBUSY / -EAGAIN (no engine or entry free: try later),
 * else an engine that could not be made or a refused submit. */
static int attempt_start(struct mpic *q, char *err, size_t errcap)
{
	struct serve *s = q->s;
	/* pool index i is the file's perspective i + 1; the primary always */
	uint32_t cohort = vtg__cohort_mask(&q->cs, q->first + q->n_done);
	q->chk.perspectives = 1u | cohort << 1;
	q->chk.quorum = q->quorum_eff; /* the request's, or the table's for k */
	int rc = vtg_submit_check(s->e, &q->chk, q, NULL);
	if (rc != 0) {
		snprintf(err, errcap, "%s", vtg_strerror(rc));
		return rc;
	}
	s->m.attempts++;
	return 0;
}

static void answer(struct mpic *q, bool valid)
{
	struct serve *s = q->s;
	struct vtg_om_attempt prev[ATTEMPTS_MAX];
	struct vtg_om_evidence ev[ATTEMPTS_MAX];
	unsigned last = q->n_done - 1;
	for (unsigned i = 0; i < q->n_done; i++) {
		prev[i] = (struct vtg_om_attempt){.json = q->done[i].buf, .json_len = q->done[i].len};
		ev[i] = (struct vtg_om_evidence){q->evidence[i], q->evidence_len[i]};
	}
	struct vtg_om_mpic_result mr = {
		.request = &q->m, .completed = true, .is_valid = valid,
		.perspective_count = (int)q->k, .quorum_count = (int)q->quorum_eff,
		.attempt_count = (int)q->n_done,
		.perspectives_json = q->done[last].buf, .perspectives_json_len = q->done[last].len,
		.previous = last ? prev : NULL, .n_previous = last,
		.evidence = ev, .n_evidence = q->n_done,
	};
	s->m.checks[method_index(&q->m.check)][valid ? OUT_VALID : OUT_INVALID]++;
	struct vtg_json *out = vtg__httpsd_out(s->h);
	vtg__json_reset(out);
	if (vtg__om_mpic_encode(&mr, out) == 0)
		vtg__httpsd_reply(q->r, 200, out);
	else
		vtg__httpsd_error(q->r, 500, "internal", "the answer could not be encoded", false);
}

/* A refusal after the request was held (a later attempt could not start). */
static void fail(struct mpic *q, const char *why)
{
	q->s->m.checks[method_index(&q->m.check)][OUT_ERROR]++;
	vtg__httpsd_error(q->r, 503, "mpic_error:coordinator:attempt", why, false);
}

static void done_cb(void *ud, const struct vtg_completion *c)
{
	struct serve *s = ud;
	struct mpic *q = c->user;
	if (!q->r)
		return; /* abandoned at the end of the grace: freed at exit */
	count_perspectives(s, c);
	/* the attempt as text: its perspectives, the primary first */
	struct vtg_json *j = &q->done[q->n_done];
	json_t *ev = json_loadb(c->json, c->json_len, 0, NULL);
	int rc = vtg__json_init(j, -1);
	vtg__json_arr_begin(j);
	for (unsigned p = 0; rc == 0 && p < c->n_perspectives; p++) {
		struct vtg_om_result res;
		vtg__omc_result(&q->m.check, c, p, ev, false, &s->scratch, &res);
		struct vtg_om_perspective op = {c->perspectives[p].id, &res};
		rc = vtg__om_perspective_encode(&op, j);
	}
	vtg__json_arr_end(j);
	json_decref(ev);
	q->evidence[q->n_done] = vtg__malloc(c->json_len + 1);
	if (q->evidence[q->n_done]) {
		memcpy(q->evidence[q->n_done], c->json, c->json_len);
		q->evidence_len[q->n_done] = c->json_len;
	}
	q->n_done++;
	if (rc != 0 || j->err || !q->evidence[q->n_done - 1]) {
		s->in_flight--;
		fail(q, "the attempt's answer could not be kept");
		mpic_free(q);
		return;
	}
	/* vantage's rule: the primary passed and the cohort corroborated */
	bool valid = c->positive && c->corroborated == 1;
	if (!valid && q->n_done < q->attempts && !vtg__httpsd_stopping(s->h)) {
		char err[512];
		if (attempt_start(q, err, sizeof(err)) == 0)
			return;
		fprintf(stderr, "vantage serve: attempt %u: %s\n", q->n_done + 1, err);
	}
	s->in_flight--;
	answer(q, valid);
	mpic_free(q);
}

static void abandon_cb(struct vtg_httpsd_req *r, void *ud)
{
	struct serve *s = ud;
	struct mpic *q = r->app;
	q->r = NULL; /* its engine may still complete it: released at exit */
	s->in_flight--;
}

static void release_cb(void *app, void *ud)
{
	(void)ud;
	mpic_free(app);
}

/* The request's orchestration against the pool; NULL or a refusal text. */
static const char *orchestrate(struct serve *s, struct mpic *q, char *why, size_t cap)
{
	const struct vtg_om_orch *o = &q->m.orch;
	bool has = q->m.has_orch;
	q->k = has && o->has_perspective_count ? (unsigned)o->perspective_count : s->default_k;
	if (q->k > s->pool) {
		snprintf(why, cap, "orchestration_parameters.perspective_count: %u, more than the "
			 "%u remote perspectives", q->k, s->pool);
		return why;
	}
	if (q->k < 2 || q->k < s->min_k) {
		snprintf(why, cap, "orchestration_parameters.perspective_count: %u, fewer than the "
			 "%u remote perspectives BR 3.2.2.9 requires at this date (min-remotes "
			 "in the file lowers it for tests)", q->k, s->min_k < 2 ? 2 : s->min_k);
		return why;
	}
	struct vtg_quorum_rules table = {0};
	q->quorum = 0;
	q->quorum_eff = vtg__quorum_needed(&table, q->k);
	if (has && o->has_quorum_count) {
		char t[200];
		if (vtg__quorum_check((unsigned)o->quorum_count, q->k, t, sizeof(t)) != 0) {
			snprintf(why, cap, "orchestration_parameters.quorum_count: %s", t);
			return why;
		}
		q->quorum = q->quorum_eff = (unsigned)o->quorum_count;
	}
	uint8_t seed[VTG_COHORT_SEED];
	int rc = vtg__cohort_seed(s->secret, s->secret_len, q->m.check.target, seed);
	if (rc == 0)
		rc = vtg__cohorts_make(seed, s->rir, s->pool, q->k, &q->cs);
	if (rc != 0) {
		snprintf(why, cap, "orchestration_parameters.perspective_count: %u: no cohort of %u "
			 "remote perspectives spanning two RIRs can be made from the %u configured",
			 q->k, q->k, s->pool);
		return why;
	}
	q->attempts = 1;
	if (has && o->has_cohort) {
		if (o->cohort_for_single_attempt < 1 ||
		    (unsigned)o->cohort_for_single_attempt > q->cs.n) {
			snprintf(why, cap, "orchestration_parameters.cohort_for_single_attempt: 1 to "
				 "%u", q->cs.n);
			return why;
		}
		q->first = (unsigned)o->cohort_for_single_attempt - 1;
	} else if (has && o->has_max_attempts && o->max_attempts > 0) {
		/* a fresh cohort per attempt: never more attempts than cohorts */
		q->attempts = (unsigned)o->max_attempts < q->cs.n ? (unsigned)o->max_attempts
								  : q->cs.n;
	}
	return NULL;
}

static void mpic_cb(struct vtg_httpsd_req *r, void *ud)
{
	struct serve *s = ud;
	size_t len;
	const char *body = vtg__httpsd_body(r, &len);
	struct mpic *q = vtg__calloc(1, sizeof(*q));
	if (!q) {
		vtg__httpsd_error(r, 503, "internal", "out of memory", false);
		return;
	}
	q->s = s;
	char err[512] = "";
	int rc = vtg__om_mpic_decode(body, len, &q->m, err, sizeof(err));
	if (rc != 0) {
		vtg__httpsd_error(r, 400, vtg__om_error_type(rc), err, true);
		mpic_free(q);
		return;
	}
	r->trace = q->m.check.has_trace ? q->m.check.trace : NULL;
	const char *why = vtg__omc_to_check(&q->m.check, s->n_ca, &q->chk, q->name, sizeof(q->name),
					    q->doms);
	if (!why)
		why = orchestrate(s, q, err, sizeof(err));
	if (why) {
		vtg__httpsd_error(r, 400,
				  q->m.check.type == VTG_OM_CHECK_DCV && why != err
					  ? VTG_OM_ERR_DCV_PARAMETER
					  : VTG_OM_ERR_REQUEST_INVALID,
				  why, true);
		mpic_free(q);
		return;
	}
	rc = attempt_start(q, err, sizeof(err));
	if (rc != 0) {
		/* busy: come back later; anything else is the coordinator's own
		 * failure, not the request's */
		bool busy = rc == -EAGAIN || rc == -EBUSY;
		fprintf(stderr, "vantage serve: %s\n", err);
		s->m.checks[method_index(&q->m.check)][OUT_ERROR]++;
		vtg__httpsd_error(r, busy ? 503 : 500, busy ? "busy" : "mpic_error:coordinator:cohort",
				  err, false);
		mpic_free(q);
		return;
	}
	q->r = r;
	r->app = q;
	s->in_flight++;
	vtg__httpsd_hold(r);
}

/* ---- setup ---- */

static int read_secret(struct serve *s, const char *path)
{
	if (!path) {
		if (RAND_bytes(s->secret, SECRET_RANDOM) != 1)
			return -1;
		s->secret_len = SECRET_RANDOM;
		fprintf(stderr, "vantage serve: no --hash-secret-file: a random secret; the "
				"cohorts of a target change when the coordinator restarts (and differ "
				"between replicas)\n");
		return 0;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "vantage serve: --hash-secret-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t buf[SECRET_MAX + 1];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	int rc = 0;
	if (n < SECRET_MIN || n > SECRET_MAX) {
		fprintf(stderr, "vantage serve: --hash-secret-file %s: want %d to %d octets\n", path,
			SECRET_MIN, SECRET_MAX);
		rc = -1;
	} else {
		memcpy(s->secret, buf, n);
		s->secret_len = n;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* The file as a whole: parsed (every key through the schema), remotes
 * labelled with an RIR, and the engine of all its perspectives made, so
 * that a perspective that cannot start, two closer than 500 km or a primary
 * that must validate and does not are refused at start, not at the first
 * request. The minimum number of remotes is serve's to apply per cohort
 * (orchestrate). 0 or -1 (said). */
static int check_config(struct serve *s, const char *path)
{
	char err[512] = "";
	vtg__config_init(&s->cfg);
	if (vtg__config_load(&s->cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "vantage serve: %s\n", err);
		return -1;
	}
	if (s->cfg.n_persp < 3) {
		fprintf(stderr, "vantage serve: %s: a primary and at least two remote perspectives "
				"are needed (cohorts of two or more)\n", path);
		return -1;
	}
	s->pool = s->cfg.n_persp - 1;
	for (unsigned i = 0; i < s->pool; i++) {
		s->rir[i] = vtg__rir_parse(s->cfg.persp[i + 1].rir);
		if (s->rir[i] == VTG_RIR_NONE) {
			fprintf(stderr, "vantage serve: %s: %s: remote perspective %s has no rir\n",
				path, s->cfg.persp_where[i + 1], s->cfg.persp[i + 1].id);
			return -1;
		}
	}
	struct vtg_options eo = {.config_path = path, .kind = VTG_CHECK_CAA, .min_remotes = 0,
				 .ca_domains = (const char *const *)s->ca,
				 .n_ca_domains = s->n_ca > 0 ? (size_t)s->n_ca : 0};
	int rc = vtg_engine_new(&s->e, &eo, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "vantage serve: %s: %s\n", path, err[0] ? err : vtg_strerror(rc));
		return -1;
	}
	return 0;
}

static void serve_usage(FILE *f)
{
	fprintf(f,
		"usage: vantage serve --config FILE --listen ADDR:PORT --cert FILE --key FILE\n"
		"                     (--client-ca FILE | --api-key-file FILE)\n"
		"                     [--hash-secret-file FILE] [--perspective-count N] [--ca DOMAIN,...]\n"
		"An MPIC coordinator: open-mpic's coordinator API (POST /mpic, GET /metrics,\n"
		"GET /healthz) over HTTPS. The first perspective of --config is the primary,\n"
		"the others the pool of remote perspectives; each target gets its cohorts\n"
		"(keyed by the secret), each attempt a fresh one. SIGTERM / SIGINT: no new\n"
		"connections, checks in flight finish (up to 10 s), exit 0.\n"
		"Options:\n");
	vtg__httpsd_usage(f);
	fprintf(f, "  %-34s %s\n", "--hash-secret-file FILE", "the cohort key (16 to 4096 "
		"octets; default random at start)");
	fprintf(f, "  %-34s %s\n", "--perspective-count N", "remote perspectives per cohort "
		"without orchestration_parameters (the BR minimum at the date)");
	fprintf(f, "  %-34s %s\n", "--ca DOMAIN[,DOMAIN...]", "issuer domain names for a caa "
		"request without caa_domains (none)");
	fprintf(f, "  %-34s %s\n", "-h, --help", "this text");
}

int vtg_cmd_serve(int argc, char **argv)
{
	static const char *const extra[] = {"hash-secret-file", "perspective-count", NULL};
	struct vtg_httpsd_args args;
	int prc = vtg__httpsd_args(argc, argv, "serve", extra, &args, serve_usage);
	if (prc)
		return prc > 0 ? VTG_EXIT_OK : VTG_EXIT_USAGE;
	static struct serve s; /* static: the callbacks' state for the process */
	int status = VTG_EXIT_USAGE;
	if (args.ca && (s.n_ca = vtg__split_issuers(args.ca, &s.ca)) < 0)
		goto out;
	if (read_secret(&s, args.extra[0]) || check_config(&s, args.config))
		goto out;
	int mr = s.cfg.run.min_remotes >= 0 ? s.cfg.run.min_remotes
					    : (int)vtg__mpic_min_remotes(time(NULL));
	s.min_k = mr < 2 ? 2 : (unsigned)mr;
	s.default_k = s.min_k;
	if (args.extra[1]) {
		char *end;
		unsigned long v = strtoul(args.extra[1], &end, 10);
		if (*end || !args.extra[1][0] || v < 2 || v > VTG_COHORT_POOL_MAX) {
			fprintf(stderr, "vantage serve: --perspective-count: 2 to %d\n",
				VTG_COHORT_POOL_MAX);
			goto out;
		}
		s.default_k = (unsigned)v;
	}
	if (s.default_k > s.pool || s.default_k < s.min_k) {
		fprintf(stderr, "vantage serve: %s: %u remote perspectives; cohorts of %u need %u "
				"to %u (BR 3.2.2.9 minimum %u at this date; min-remotes lowers it)\n",
			args.config, s.pool, s.default_k, s.min_k, s.pool, s.min_k);
		goto out;
	}
	struct vtg_httpsd_cfg hc = {
		.name = "serve", .listen = args.listen, .cert = args.cert, .key = args.key,
		.client_ca = args.client_ca, .api_key_file = args.api_key_file,
		.body_max = BODY_MAX,
		.routes = {{"/mpic", true, mpic_cb}, {"/metrics", false, metrics_cb}},
		.n_routes = 2, .ud = &s, .abandon = abandon_cb,
		.release = release_cb,
	};
	if ((status = vtg__httpsd_new(&s.h, &hc)) != 0)
		goto out;
	status = VTG_EXIT_FAIL;
	if (vtg__json_init(&s.text_out, -1) ||
	    vtg__httpsd_watch(s.h, s.e, done_cb, &s, &s.watch))
		goto out;
	fprintf(stderr, "vantage serve: primary %s, %u remote perspectives, cohorts of %u by "
			"default\n", s.cfg.persp[0].id, s.pool, s.default_k);
	status = vtg__httpsd_run(s.h);
out:
	vtg__httpsd_unwatch(s.watch);
	if (s.e)
		vtg_engine_free(s.e);
	vtg__httpsd_free(s.h);
	vtg__json_deinit(&s.text_out);
	for (int i = 0; i < s.n_ca; i++)
		vtg__free(s.ca[i]);
	vtg__free(s.ca);
	OPENSSL_cleanse(s.secret, sizeof(s.secret));
	return status;
}
