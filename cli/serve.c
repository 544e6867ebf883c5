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
 * two RIRs); attempt i runs on cohort i. A check runs on one engine of the
 * public API whose perspectives are the primary and the cohort, made from
 * the file's own text ([engine] and the chosen [perspective] sections),
 * early decision on, with the request's quorum; engines are made on first
 * use and cached (ENGINES_MAX, least recently used evicted when idle).
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
/* cohort engines kept at once: each has its worker threads, rings and
 * sockets per perspective; a pool of 31 in cohorts of 5 has 6 cohorts per
 * target, and a busy coordinator sees every cohort set soon, so a few
 * dozen are warm; beyond, the least recently used idle one goes */
#define ENGINES_MAX 32
/* worker threads per cohort engine (unless the file sets workers): one
 * coordinator runs many engines, each serving one cohort's share */
#define ENGINE_WORKERS 1
/* checks in flight per cohort engine (unless the file sets window): the
 * requests a coordinator holds at once for one cohort */
#define ENGINE_WINDOW 256
/* attempts: each uses a fresh cohort of >= 2 remotes out of at most
 * VTG_COHORT_POOL_MAX */
#define ATTEMPTS_MAX (VTG_COHORT_POOL_MAX / 2)
/* --hash-secret-file: below 16 octets a secret is guessable, and the
 * cohorts with it; above 4 KiB it is no secret but a document */
#define SECRET_MIN 16
#define SECRET_MAX 4096
#define SECRET_RANDOM 32 /* without a file: 256 random bits */
/* the perspectives file, read whole to cut it into sections */
#define CONFIG_TEXT_MAX (1 << 20)
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

struct cached {
	uint32_t mask;       /* pool indices of the cohort */
	unsigned quorum;     /* 0: the table */
	struct vtg_engine *e;
	void *watch;
	unsigned inflight;
	uint64_t used;       /* a clock of uses, for the eviction */
};

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
	char *text;                         /* the file, cut in place below */
	const char *engine_text;            /* its [engine] lines */
	const char *persp_text[VTG_MAX_PERSPECTIVES]; /* each section, header included */
	unsigned pool;                      /* remotes: perspectives 1..pool */
	enum vtg_rir rir[VTG_COHORT_POOL_MAX];
	unsigned default_k, min_k;
	uint8_t secret[SECRET_MAX];
	size_t secret_len;
	char **ca;
	int n_ca;
	struct cached cache[ENGINES_MAX];
	uint64_t clock;
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
	struct cached *eng;
	struct vtg_json done[ATTEMPTS_MAX]; /* each finished attempt's perspectives */
	char *evidence[ATTEMPTS_MAX];
	size_t evidence_len[ATTEMPTS_MAX];
};

/* ---- the perspectives file cut into sections ---- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

/* Read path whole and cut it into its [engine] lines and one text per
 * [perspective] section, in file order (the order vtg__config_load gives
 * the perspectives): an engine's configuration is then the file's own
 * words, whatever keys a future version adds. 0 or -1 (said). */
static int split_config(struct serve *s, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vantage serve: --config %s: %s\n", path, strerror(errno));
		return -1;
	}
	char *buf = vtg__malloc(CONFIG_TEXT_MAX + 1);
	size_t n = buf ? fread(buf, 1, CONFIG_TEXT_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > CONFIG_TEXT_MAX) {
		fprintf(stderr, "vantage serve: --config %s: over %d octets\n", path, CONFIG_TEXT_MAX);
		vtg__free(buf);
		return -1;
	}
	buf[n] = 0;
	/* the engine's lines and the sections, each copied into s->text */
	s->text = vtg__malloc(2 * n + 128);
	if (!s->text) {
		vtg__free(buf);
		return -1;
	}
	char *eng = s->text, *out = s->text + n + 32;
	size_t el = (size_t)sprintf(eng, "[engine]\n");
	int sec = -2; /* -2 none, -1 engine, else a perspective */
	unsigned np = 0;
	char *line = buf, *next;
	for (; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char copy[1024];
		snprintf(copy, sizeof(copy), "%s", line);
		char *t = trim(copy);
		if (t[0] == '[') {
			char *name = trim(t + 1);
			if (!strncmp(name, "engine", 6) && trim(name + 6)[0] == ']') {
				sec = -1;
				continue;
			}
			if (np == VTG_MAX_PERSPECTIVES)
				break; /* vtg__config_load refuses the file */
			sec = (int)np;
			*out++ = 0;
			s->persp_text[np++] = out;
		} else if (sec == -1) {
			el += (size_t)sprintf(eng + el, "%s\n", line);
			continue;
		} else if (sec < 0) {
			continue;
		}
		out += sprintf(out, "%s\n", line);
	}
	*out = 0;
	s->engine_text = eng;
	vtg__free(buf);
	return 0;
}

/* The configuration of perspective 0 and the cohort mask. */
static char *cohort_text(const struct serve *s, uint32_t mask)
{
	size_t len = strlen(s->engine_text) + strlen(s->persp_text[0]) + 1;
	for (unsigned i = 0; i < s->pool; i++)
		if (mask & (1u << i))
			len += strlen(s->persp_text[i + 1]);
	char *t = vtg__malloc(len);
	if (!t)
		return NULL;
	char *p = t + sprintf(t, "%s%s", s->engine_text, s->persp_text[0]);
	for (unsigned i = 0; i < s->pool; i++)
		if (mask & (1u << i))
			p += sprintf(p, "%s", s->persp_text[i + 1]);
	return t;
}

/* ---- cohort engines ---- */

static void done_cb(void *ud, const struct vtg_completion *c);

static void engine_drop(struct cached *ce)
{
	vtg__httpsd_unwatch(ce->watch);
	if (ce->e)
		vtg_engine_free(ce->e);
	memset(ce, 0, sizeof(*ce));
}

/* The engine of (mask, quorum): cached, or made (evicting the least
 * recently used idle one when full). NULL with the reason in err and *rc:
 * -EBUSY (every engine has checks in flight) or the vtg_engine_new error. */
static struct cached *engine_for(struct serve *s, uint32_t mask, unsigned quorum, unsigned k,
				 int *rcp, char *err, size_t errcap)
{
	struct cached *free_slot = NULL, *lru = NULL;
	for (unsigned i = 0; i < ENGINES_MAX; i++) {
		struct cached *ce = &s->cache[i];
		if (ce->e && ce->mask == mask && ce->quorum == quorum) {
			ce->used = ++s->clock;
			return ce;
		}
		if (!ce->e && !free_slot)
			free_slot = ce;
		if (ce->e && !ce->inflight && !vtg_pending(ce->e) && (!lru || ce->used < lru->used))
			lru = ce;
	}
	if (!free_slot && lru) {
		engine_drop(lru);
		free_slot = lru;
	}
	if (!free_slot) {
		snprintf(err, errcap, "every cohort engine is busy");
		*rcp = -EBUSY;
		return NULL;
	}
	char *text = cohort_text(s, mask);
	if (!text) {
		snprintf(err, errcap, "out of memory");
		*rcp = -ENOMEM;
		return NULL;
	}
	struct vtg_options eo = {
		.config_text = text, .kind = VTG_CHECK_CAA,
		.ca_domains = (const char *const *)s->ca,
		.n_ca_domains = s->n_ca > 0 ? (size_t)s->n_ca : 0,
		/* serve checked k against the minimum (the BR's, or the file's
		 * min-remotes); the engine holds exactly the cohort */
		.min_remotes = (int)k,
		.quorum = quorum,
		.workers = s->cfg.engine.workers ? 0 : ENGINE_WORKERS,
		.window = s->cfg.run.window ? 0 : ENGINE_WINDOW,
	};
	int rc = vtg_engine_new(&free_slot->e, &eo, err, errcap);
	vtg__free(text);
	if (rc == 0 && vtg__httpsd_watch(s->h, free_slot->e, done_cb, s, &free_slot->watch))
		rc = -ENOMEM;
	if (rc != 0) {
		engine_drop(free_slot);
		*rcp = rc;
		return NULL;
	}
	free_slot->mask = mask;
	free_slot->quorum = quorum;
	free_slot->used = ++s->clock;
	return free_slot;
}

/* ---- metrics ---- */

static unsigned method_index(const struct vtg_om_check *c)
{
	return c->type == VTG_OM_CHECK_CAA ? METHODS - 1 : (unsigned)c->om_method;
}

static const char *method_label(unsigned i)
{
	return i == METHODS - 1 ? "caa" : vtg__om_method_str((enum vtg_om_method)i);
}

/* The perspective's index in the file (p of a cohort engine's completion). */
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
	uint32_t mask = vtg__cohort_mask(&q->cs, q->first + q->n_done);
	int rc = 0;
	q->eng = engine_for(s, mask, q->quorum, q->k, &rc, err, errcap);
	if (!q->eng)
		return rc;
	rc = vtg_submit_check(q->eng->e, &q->chk, q, NULL);
	if (rc != 0) {
		snprintf(err, errcap, "%s", vtg_strerror(rc));
		return rc;
	}
	q->eng->inflight++;
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
	q->eng->inflight--;
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
		 * failure (a cohort engine that cannot start), not the request's */
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
 * labelled with an RIR, and one engine of all its perspectives made and
 * freed, so that a perspective that cannot start, two closer than 500 km
 * or a primary that must validate and does not are refused at start, not
 * at the first request. 0 or -1 (said). */
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
	struct vtg_engine *e = NULL;
	struct vtg_options eo = {.config_path = path, .kind = VTG_CHECK_CAA, .min_remotes = 0,
				 .workers = 1, .window = 1};
	int rc = vtg_engine_new(&e, &eo, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "vantage serve: %s: %s\n", path, err[0] ? err : vtg_strerror(rc));
		return -1;
	}
	vtg_engine_free(e);
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
	if (read_secret(&s, args.extra[0]) || check_config(&s, args.config) ||
	    split_config(&s, args.config))
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
	if (vtg__json_init(&s.text_out, -1))
		goto out;
	fprintf(stderr, "vantage serve: primary %s, %u remote perspectives, cohorts of %u by "
			"default\n", s.cfg.persp[0].id, s.pool, s.default_k);
	status = vtg__httpsd_run(s.h);
out:
	for (unsigned i = 0; i < ENGINES_MAX; i++)
		if (s.cache[i].e)
			engine_drop(&s.cache[i]);
	vtg__httpsd_free(s.h);
	vtg__json_deinit(&s.text_out);
	vtg__free(s.text);
	for (int i = 0; i < s.n_ca; i++)
		vtg__free(s.ca[i]);
	vtg__free(s.ca);
	OPENSSL_cleanse(s.secret, sizeof(s.secret));
	return status;
}
