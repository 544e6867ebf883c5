/*
 * bulk.c — `vantage caa` and `vantage query`: many names through the io_uring
 * engine at once, one JSON line per input, in input order.
 *
 * A window of W name contexts is a ring indexed by input sequence number: a
 * name starts when its ring position is free (the name W places earlier has
 * been written out), so output order needs no sorting and memory is bounded.
 * Every perspective of a name runs its own CAA climb (caa/climb.h) whose
 * lookups go out as engine queries; the callback feeds the answer and submits
 * the next lookup, so the climbs of thousands of names share each batch of
 * sends. When a perspective's climb completes its part of the line is
 * rendered at once, while the response packet (which holds the relevant
 * RRset) is still valid; the line is assembled when every perspective is
 * done. Until corroboration lands, the top-level decision is the primary's
 * (the first perspective). Nothing here allocates per name once the window
 * has warmed up, except for inputs longer than any seen before.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/config.h"
#include "cli/present.h"
#include "common/alloc.h"
#include "resolver/stub.h"

#define DEF_WINDOW_NAMES 16384 /* names in flight, divided among perspectives */
#define MIN_WINDOW 256
#define PROGRESS_NS 250000000ull
#define FRAG_CAP 1024

enum mode { MODE_CAA, MODE_QUERY };

struct name_ctx {
	bool busy, done;
	unsigned pending;
	char *input;
	size_t input_len, input_cap;
	int name_rc;
	struct vtg_input_name nm;
	uint8_t qwire[VTG_DNS_MAX_NAME];
	time_t checked_at;
	struct vtg_caa_climb *climb;  /* one per perspective (caa) */
	struct vtg_json *frag;        /* one per perspective */
	struct vtg_json records;      /* primary's relevant RRset (caa) */
};

struct bulk {
	enum mode mode;
	struct vtg_config cfg;
	struct vtg_caa_policy pol;
	uint16_t qtype;
	struct vtg_worker *w;
	struct name_ctx *ctx;
	unsigned window;
	uint64_t next_seq, next_emit;
	uint32_t *deferred;     /* (ctx << 8 | persp) waiting for a slot */
	size_t n_deferred, deferred_cap;
	struct vtg_stub_scratch *scratch;
	struct vtg_json out;
	bool progress;
	uint64_t started_ns, last_progress_ns;
	unsigned long permits, denies, invalid, failures;
	bool local_error;
	char *rrtext;
};

static struct bulk *B; /* the callback's way back: one bulk run per process */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *ud_of(unsigned idx, unsigned persp)
{
	return (void *)(uintptr_t)(((uintptr_t)idx << 8) | persp);
}

static void defer(unsigned idx, unsigned p)
{
	if (B->n_deferred < B->deferred_cap)
		B->deferred[B->n_deferred++] = (uint32_t)(idx << 8 | p);
	else
		abort(); /* sized for every (name, perspective): cannot happen */
}

/* ------------------------------------------------------------ caa mode */

static void render_caa_persp(struct name_ctx *c, unsigned p)
{
	const struct vtg_caa_climb *cl = &c->climb[p];
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__json_kstr(f, "id", B->cfg.persp[p].id);
	if (B->cfg.persp[p].rir[0])
		vtg__json_kstr(f, "rir", B->cfg.persp[p].rir);
	vtg__json_kstr(f, "mode", B->cfg.persp[p].iterative ? "iterative" : "stub");
	vtg__emit_caa_verdict(f, cl);
	vtg__json_key(f, "records");
	if (p == 0) {
		vtg__json_reset(&c->records);
		vtg__emit_caa_records(&c->records, cl);
		vtg__json_raw(f, c->records.buf, c->records.len);
	} else {
		vtg__emit_caa_records(f, cl);
	}
	vtg__json_kstr(f, "dnssec", vtg_dnssec_str(cl->dnssec));
	vtg__json_key(f, "queries");
	vtg__emit_caa_queries(f, cl, true);
	vtg__json_obj_end(f);
}

static void caa_cb(void *ud, const struct vtg_qresult *r)
{
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct name_ctx *c = &B->ctx[idx];
	struct vtg_caa_climb *cl = &c->climb[p];
	const uint8_t *q = vtg__caa_climb_next(cl);
	struct vtg_lookup_answer ans;
	memset(&ans, 0, sizeof(ans));
	if (r->fail == VTG_FAIL_NONE) {
		vtg__stub_answer(r->msg, q, VTG_TYPE_CAA, B->scratch, &ans);
	} else {
		ans.fail = r->fail;
		ans.rcode = VTG_RCODE_NONE;
		ans.dnssec = VTG_DNSSEC_INDETERMINATE; /* nothing was seen */
		ans.ca_infra = r->fail == VTG_FAIL_LOCAL;
		if (r->fail == VTG_FAIL_LOCAL)
			B->local_error = true;
	}
	ans.tries = r->tries;
	ans.latency_ms = r->latency_ms;
	vtg__caa_climb_feed(cl, &ans);
	const uint8_t *next = vtg__caa_climb_next(cl);
	if (next) {
		if (vtg__worker_submit(B->w, p, -1, next, VTG_TYPE_CAA, ud) != 0)
			defer(idx, p);
		return;
	}
	render_caa_persp(c, p);
	if (--c->pending == 0)
		c->done = true;
}

static void write_caa_line(struct name_ctx *c)
{
	struct vtg_json *j = &B->out;
	if (c->name_rc != 0) {
		B->invalid++;
		B->denies++;
		vtg__emit_invalid(j, c->input, c->input_len, &c->nm);
		return;
	}
	const struct vtg_caa_climb *prim = &c->climb[0];
	if (vtg_caa_reason_permits(prim->reason))
		B->permits++;
	else
		B->denies++;
	if (prim->reason == VTG_CAA_LOOKUP_FAILURE)
		B->failures++;
	vtg__emit_caa_head(j, c->input, c->input_len, &c->nm, prim);
	vtg__json_key(j, "records");
	vtg__json_raw(j, c->records.buf, c->records.len);
	vtg__emit_caa_tail(j, prim, c->checked_at);
	vtg__json_kstr(j, "decided_by", B->cfg.persp[0].id);
	vtg__json_key(j, "perspectives");
	vtg__json_arr_begin(j);
	for (unsigned p = 0; p < B->cfg.n_persp; p++)
		vtg__json_raw(j, c->frag[p].buf, c->frag[p].len);
	vtg__json_arr_end(j);
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
}

/* ---------------------------------------------------------- query mode */

static void render_query_persp(struct name_ctx *c, unsigned p, const struct vtg_qresult *r)
{
	struct vtg_json *f = &c->frag[p];
	vtg__json_reset(f);
	vtg__json_obj_begin(f);
	vtg__json_kstr(f, "perspective", B->cfg.persp[p].id);
	if (r->fail == VTG_FAIL_NONE) {
		const struct vtg_msg *m = r->msg;
		vtg__json_kstr(f, "rcode", vtg__rcode_str(vtg__msg_rcode(m)));
		vtg__json_key(f, "flags");
		vtg__json_arr_begin(f);
		static const struct { uint16_t bit; const char *name; } fl[] = {
			{VTG_FLAG_QR, "qr"}, {VTG_FLAG_AA, "aa"}, {VTG_FLAG_TC, "tc"},
			{VTG_FLAG_RD, "rd"}, {VTG_FLAG_RA, "ra"}, {VTG_FLAG_AD, "ad"},
			{VTG_FLAG_CD, "cd"},
		};
		for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
			if (m->flags & fl[i].bit)
				vtg__json_str(f, fl[i].name);
		vtg__json_arr_end(f);
		vtg__json_key(f, "answers");
		vtg__json_arr_begin(f);
		struct vtg_rr_iter it;
		struct vtg_rr rr;
		vtg__rr_iter_init(&it, m, VTG_SEC_ANSWER);
		while (vtg__rr_iter_next(&it, &rr) == 1) {
			int l = vtg__rr_to_text(m, &rr, B->rrtext, 4 * 65536 + 1024);
			if (l >= 0)
				vtg__json_strn(f, B->rrtext, (size_t)l);
		}
		vtg__json_arr_end(f);
	} else {
		vtg__json_kstr(f, "rcode", NULL);
		vtg__json_kstr(f, "error", vtg__lookup_fail_str(r->fail));
		vtg__json_key(f, "answers");
		vtg__json_arr_begin(f);
		vtg__json_arr_end(f);
		if (r->fail == VTG_FAIL_LOCAL)
			B->local_error = true;
	}
	vtg__json_kbool(f, "tcp", r->tcp);
	vtg__json_kint(f, "tries", r->tries);
	vtg__json_key(f, "latency_ms");
	vtg__json_fixed(f, r->latency_ms, 3);
	vtg__json_obj_end(f);
}

static void query_cb(void *ud, const struct vtg_qresult *r)
{
	unsigned idx = (unsigned)((uintptr_t)ud >> 8), p = (unsigned)((uintptr_t)ud & 0xff);
	struct name_ctx *c = &B->ctx[idx];
	render_query_persp(c, p, r);
	if (r->fail != VTG_FAIL_NONE && p == 0)
		B->failures++;
	if (--c->pending == 0)
		c->done = true;
}

static void write_query_line(struct name_ctx *c)
{
	struct vtg_json *j = &B->out;
	char tb[16];
	vtg__json_obj_begin(j);
	vtg__json_key(j, "name");
	vtg__json_strn(j, c->input, c->input_len);
	vtg__json_kstr(j, "type", vtg__type_str(B->qtype, tb, sizeof(tb)));
	if (c->name_rc != 0) {
		B->invalid++;
		vtg__json_kstr(j, "rcode", NULL);
		vtg__json_kstr(j, "error", c->nm.why);
		vtg__json_key(j, "answers");
		vtg__json_arr_begin(j);
		vtg__json_arr_end(j);
	} else {
		/* the primary's fields at the top level, without its braces */
		const struct vtg_json *f = &c->frag[0];
		vtg__json_raw(j, f->buf + 1, f->len - 2);
		if (B->cfg.n_persp > 1) {
			vtg__json_key(j, "perspectives");
			vtg__json_arr_begin(j);
			for (unsigned p = 0; p < B->cfg.n_persp; p++)
				vtg__json_raw(j, c->frag[p].buf, c->frag[p].len);
			vtg__json_arr_end(j);
		}
	}
	vtg__json_obj_end(j);
	vtg__json_line_end(j);
}

/* -------------------------------------------------------------- driver */

static int start_name(const char *s, size_t n)
{
	unsigned idx = (unsigned)(B->next_seq % B->window);
	struct name_ctx *c = &B->ctx[idx];
	B->next_seq++;
	c->busy = true;
	c->done = false;
	if (n > c->input_cap) {
		char *ni = vtg__realloc(c->input, n);
		if (!ni)
			return -ENOMEM;
		c->input = ni;
		c->input_cap = n;
	}
	memcpy(c->input, s, n);
	c->input_len = n;
	c->checked_at = time(NULL);
	c->pending = B->cfg.n_persp;
	const uint8_t *qname;
	if (B->mode == MODE_CAA) {
		c->name_rc = vtg__input_name_parse(&c->nm, s, n);
		qname = c->nm.wire;
	} else {
		c->name_rc = 0;
		int l = n > 0 && n < 1024 ? vtg__name_from_text(c->qwire, s, n)
					  : VTG_EWIRE_NAME_SYNTAX;
		if (l < 0) {
			c->name_rc = l;
			snprintf(c->nm.why, sizeof(c->nm.why), "invalid-name: %s",
				 vtg_strerror(l));
		}
		qname = c->qwire;
	}
	if (c->name_rc != 0) {
		c->pending = 0;
		c->done = true;
		return 0;
	}
	for (unsigned p = 0; p < B->cfg.n_persp; p++) {
		if (B->mode == MODE_CAA) {
			vtg__caa_climb_init(&c->climb[p], &B->pol, qname, c->nm.wildcard);
			const uint8_t *q = vtg__caa_climb_next(&c->climb[p]);
			if (!q) { /* nothing to ask (cannot happen for a valid name) */
				render_caa_persp(c, p);
				if (--c->pending == 0)
					c->done = true;
				continue;
			}
			qname = q;
		}
		if (vtg__worker_submit(B->w, p, -1, qname,
				       B->mode == MODE_CAA ? VTG_TYPE_CAA : B->qtype,
				       ud_of(idx, p)) != 0)
			defer(idx, p);
	}
	return 0;
}

static void flush_deferred(void)
{
	size_t k = 0;
	for (size_t i = 0; i < B->n_deferred; i++) {
		uint32_t d = B->deferred[i];
		unsigned idx = d >> 8, p = d & 0xff;
		struct name_ctx *c = &B->ctx[idx];
		const uint8_t *q = B->mode == MODE_CAA ? vtg__caa_climb_next(&c->climb[p])
						       : c->qwire;
		uint16_t t = B->mode == MODE_CAA ? VTG_TYPE_CAA : B->qtype;
		if (vtg__worker_free_slots(B->w) == 0 ||
		    vtg__worker_submit(B->w, p, -1, q, t, ud_of(idx, p)) != 0)
			B->deferred[k++] = d;
	}
	B->n_deferred = k;
}

static void emit_ready(void)
{
	while (B->next_emit < B->next_seq) {
		struct name_ctx *c = &B->ctx[B->next_emit % B->window];
		if (!c->done)
			break;
		if (B->mode == MODE_CAA)
			write_caa_line(c);
		else
			write_query_line(c);
		c->busy = false;
		B->next_emit++;
	}
}

static void progress(bool final)
{
	if (!B->progress)
		return;
	uint64_t t = now_ns();
	if (!final && t - B->last_progress_ns < PROGRESS_NS)
		return;
	B->last_progress_ns = t;
	double secs = (double)(t - B->started_ns) / 1e9;
	fprintf(stderr, "\r\033[K[vantage] %llu names read, %llu done, %.0f names/s",
		(unsigned long long)B->next_seq, (unsigned long long)B->next_emit,
		secs > 0 ? (double)B->next_emit / secs : 0.0);
	if (final)
		fputc('\n', stderr);
}

static void summary(const char *cmd)
{
	double secs = (double)(now_ns() - B->started_ns) / 1e9;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	if (B->mode == MODE_CAA)
		fprintf(stderr, "vantage %s: %llu names: %lu permit, %lu deny (%lu invalid, "
			"%lu lookup failures at the primary)", cmd,
			(unsigned long long)B->next_emit, B->permits, B->denies, B->invalid,
			B->failures);
	else
		fprintf(stderr, "vantage %s: %llu names (%lu invalid, %lu without an answer "
			"at the primary)", cmd, (unsigned long long)B->next_emit, B->invalid,
			B->failures);
	fprintf(stderr, " in %.2f s (%.0f names/s), cpu %.2f s, max rss %ld KiB, "
		"%llu ring enters\n", secs, secs > 0 ? (double)B->next_emit / secs : 0.0,
		cpu, ru.ru_maxrss, (unsigned long long)vtg__worker_enters(B->w));
	for (unsigned p = 0; p < B->cfg.n_persp; p++) {
		const struct vtg_persp_stats *s = vtg__worker_stats(B->w, p);
		fprintf(stderr, "  perspective %s: sent %llu, received %llu, retried %llu, "
			"timed out %llu, dropped-mismatch %llu, tcp fallbacks %llu "
			"(failed %llu), send errors %llu\n", B->cfg.persp[p].id,
			(unsigned long long)s->sent, (unsigned long long)s->received,
			(unsigned long long)s->retried, (unsigned long long)s->timed_out,
			(unsigned long long)s->dropped_mismatch,
			(unsigned long long)s->tcp_fallbacks, (unsigned long long)s->tcp_failed,
			(unsigned long long)s->send_errors);
	}
}

static void bulk_usage(FILE *f, enum mode mode)
{
	if (mode == MODE_CAA)
		fprintf(f,
			"usage: vantage caa (--config FILE | --resolver ADDR[:PORT] ...)\n"
			"                   --ca DOMAIN[,DOMAIN...] [--account-uri URI] [--method M]\n"
			"                   [--compat LIST] [--recognised-tags LIST]\n"
			"                   [--timeout-ms N] [--retries N] [--window N]\n"
			"                   [--progress | --no-progress] [NAME ... | < names.txt]\n");
	else
		fprintf(f,
			"usage: vantage query [-t TYPE] (--config FILE | --resolver ADDR[:PORT] ...)\n"
			"                     [--timeout-ms N] [--retries N] [--window N]\n"
			"                     [--progress | --no-progress] [NAME ... | < names.txt]\n");
	fprintf(f, "One JSON line per input name on stdout, in input order; a summary on\n"
		   "stderr. The config file format is in README.md.\n");
}

static int parse_type(const char *s, uint16_t *t)
{
	static const struct { const char *n; uint16_t t; } types[] = {
		{"A", VTG_TYPE_A}, {"NS", VTG_TYPE_NS}, {"CNAME", VTG_TYPE_CNAME},
		{"SOA", VTG_TYPE_SOA}, {"PTR", VTG_TYPE_PTR}, {"MX", VTG_TYPE_MX},
		{"TXT", VTG_TYPE_TXT}, {"AAAA", VTG_TYPE_AAAA}, {"DNAME", VTG_TYPE_DNAME},
		{"DS", VTG_TYPE_DS}, {"DNSKEY", VTG_TYPE_DNSKEY}, {"CAA", VTG_TYPE_CAA},
		{"ANY", VTG_TYPE_ANY}, {"RRSIG", VTG_TYPE_RRSIG}, {"NSEC", VTG_TYPE_NSEC},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(s, types[i].n)) {
			*t = types[i].t;
			return 0;
		}
	if (!strncasecmp(s, "TYPE", 4)) {
		char *end;
		unsigned long v = strtoul(s + 4, &end, 10);
		if (!*end && end != s + 4 && v > 0 && v < 65536) {
			*t = (uint16_t)v;
			return 0;
		}
	}
	return -1;
}

static int run_bulk(int argc, char **argv, enum mode mode)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'f'},
		{"resolver", required_argument, NULL, 'r'},
		{"ca", required_argument, NULL, 'c'},
		{"account-uri", required_argument, NULL, 'a'},
		{"method", required_argument, NULL, 'm'},
		{"compat", required_argument, NULL, 'C'},
		{"recognised-tags", required_argument, NULL, 'R'},
		{"recognized-tags", required_argument, NULL, 'R'},
		{"timeout-ms", required_argument, NULL, 'T'},
		{"retries", required_argument, NULL, 'N'},
		{"window", required_argument, NULL, 'W'},
		{"type", required_argument, NULL, 't'},
		{"progress", no_argument, NULL, 'P'},
		{"no-progress", no_argument, NULL, 'Q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct bulk b;
	memset(&b, 0, sizeof(b));
	B = &b;
	b.mode = mode;
	b.qtype = VTG_TYPE_CAA;
	vtg__config_init(&b.cfg);
	b.pol.id.recognised = VTG_CAA_RECOGNISED_DEFAULT;
	b.progress = isatty(STDERR_FILENO);
	char **issuers = NULL;
	int n_issuers = 0;
	bool have_config = false, have_resolver = false;
	long timeout = -1, retries = -1, window = 0;
	char err[512];
	int rc = VTG_EXIT_USAGE;
	optind = 1;
	int o;
	while ((o = getopt_long(argc, argv, "f:r:c:a:m:t:h", opts, NULL)) != -1) {
		switch (o) {
		case 'f':
			if (vtg__config_load(&b.cfg, optarg, err, sizeof(err)) != 0) {
				fprintf(stderr, "vantage: config: %s\n", err);
				goto out;
			}
			have_config = true;
			break;
		case 'r':
			if (vtg__config_add_resolver(&b.cfg, optarg, err, sizeof(err)) != 0) {
				fprintf(stderr, "vantage: --resolver: %s\n", err);
				goto out;
			}
			have_resolver = true;
			break;
		case 'c':
			if (mode != MODE_CAA || issuers)
				goto bad_opt;
			n_issuers = vtg__split_issuers(optarg, &issuers);
			if (n_issuers < 0)
				goto out;
			break;
		case 'a':
			b.pol.id.account_uri = optarg;
			break;
		case 'm':
			b.pol.id.method = optarg;
			break;
		case 'C':
			if (vtg__parse_compat(optarg, &b.pol.id.compat) != 0)
				goto out;
			break;
		case 'R':
			if (vtg__parse_recognised(optarg, &b.pol.id.recognised) != 0)
				goto out;
			break;
		case 'T':
			timeout = strtol(optarg, NULL, 10);
			if (timeout <= 0 || timeout > 600000) {
				fprintf(stderr, "vantage: --timeout-ms is 1 to 600000\n");
				goto out;
			}
			break;
		case 'N':
			retries = strtol(optarg, NULL, 10);
			if (retries < 0 || retries > 7) {
				fprintf(stderr, "vantage: --retries is 0 to 7\n");
				goto out;
			}
			break;
		case 'W':
			window = strtol(optarg, NULL, 10);
			if (window < 1 || window > (1 << 22)) {
				fprintf(stderr, "vantage: --window is 1 to 4194304\n");
				goto out;
			}
			break;
		case 't':
			if (mode != MODE_QUERY || parse_type(optarg, &b.qtype) != 0) {
				fprintf(stderr, "vantage: unknown query type '%s'\n", optarg);
				goto out;
			}
			break;
		case 'P':
			b.progress = true;
			break;
		case 'Q':
			b.progress = false;
			break;
		case 'h':
			bulk_usage(stdout, mode);
			rc = VTG_EXIT_OK;
			goto out;
		default:
bad_opt:
			bulk_usage(stderr, mode);
			goto out;
		}
	}
	if (have_config == have_resolver) {
		fprintf(stderr, "vantage: give either --config FILE or --resolver ADDR\n");
		bulk_usage(stderr, mode);
		goto out;
	}
	if (mode == MODE_CAA && !issuers) {
		fprintf(stderr, "vantage caa: --ca is required\n");
		goto out;
	}
	b.pol.id.issuers = (const char *const *)issuers;
	b.pol.id.n_issuers = (size_t)n_issuers;
	if (timeout > 0)
		b.cfg.engine.timeout_ms = (unsigned)timeout;
	if (retries >= 0)
		b.cfg.engine.retries = (unsigned)retries;
	b.cfg.engine.rd = true; /* stub mode: the upstream recurses */

	unsigned np = b.cfg.n_persp;
	b.window = window ? (unsigned)window : DEF_WINDOW_NAMES / np;
	if (!window && b.window < MIN_WINDOW)
		b.window = MIN_WINDOW;
	if (b.cfg.engine.slots < b.window * np && b.cfg.engine.slots < 65536)
		b.cfg.engine.slots = b.window * np < 65536 ? b.window * np : 65536;

	rc = VTG_EXIT_FAIL;
	if (vtg__worker_new(&b.w, &b.cfg.engine, b.cfg.persp, np,
			    mode == MODE_CAA ? caa_cb : query_cb, err, sizeof(err)) != 0) {
		fprintf(stderr, "vantage: engine: %s\n", err);
		rc = VTG_EXIT_USAGE; /* a perspective that cannot be set up is a config error */
		goto out;
	}
	b.ctx = vtg__calloc(b.window, sizeof(*b.ctx));
	b.deferred_cap = (size_t)b.window * np;
	b.deferred = vtg__calloc(b.deferred_cap, sizeof(uint32_t));
	b.scratch = vtg__malloc(sizeof(*b.scratch));
	b.rrtext = vtg__malloc(4 * 65536 + 1024);
	if (!b.ctx || !b.deferred || !b.scratch || !b.rrtext ||
	    vtg__json_init(&b.out, STDOUT_FILENO) != 0)
		goto out_free;
	for (unsigned i = 0; i < b.window; i++) {
		struct name_ctx *c = &b.ctx[i];
		c->frag = vtg__calloc(np, sizeof(*c->frag));
		if (!c->frag)
			goto out_free;
		for (unsigned p = 0; p < np; p++)
			if (vtg__json_init_cap(&c->frag[p], -1, FRAG_CAP) != 0)
				goto out_free;
		if (mode == MODE_CAA) {
			c->climb = vtg__calloc(np, sizeof(*c->climb));
			if (!c->climb || vtg__json_init_cap(&c->records, -1, 256) != 0)
				goto out_free;
		}
	}

	struct vtg_input in;
	vtg__input_init(&in, argv, optind, argc);
	bool eof = false;
	b.started_ns = now_ns();
	for (;;) {
		while (!eof && b.n_deferred == 0 && b.next_seq - b.next_emit < b.window &&
		       vtg__worker_free_slots(b.w) >= np) {
			const char *s;
			size_t n;
			if (!vtg__input_next(&in, &s, &n)) {
				eof = true;
				break;
			}
			if (start_name(s, n) != 0) {
				fprintf(stderr, "vantage: out of memory\n");
				goto out_input;
			}
		}
		if (b.n_deferred)
			flush_deferred();
		emit_ready();
		if (eof && b.next_emit == b.next_seq)
			break;
		int wr = vtg__worker_run(b.w, 200);
		if (wr < 0) {
			fprintf(stderr, "vantage: io_uring: %s\n", strerror(-wr));
			goto out_input;
		}
		progress(false);
	}
	progress(true);
	if (vtg__json_flush(&b.out) != 0) {
		fprintf(stderr, "vantage: writing output: %s\n", strerror(-b.out.err));
		goto out_input;
	}
	summary(mode == MODE_CAA ? "caa" : "query");
	rc = VTG_EXIT_OK;
out_input:
	vtg__input_deinit(&in);
out_free:
	if (b.ctx)
		for (unsigned i = 0; i < b.window; i++) {
			struct name_ctx *c = &b.ctx[i];
			if (c->frag)
				for (unsigned p = 0; p < np; p++)
					vtg__json_deinit(&c->frag[p]);
			vtg__free(c->frag);
			vtg__free(c->climb);
			vtg__json_deinit(&c->records);
			vtg__free(c->input);
		}
	vtg__free(b.ctx);
	vtg__free(b.deferred);
	vtg__free(b.scratch);
	vtg__free(b.rrtext);
	vtg__json_deinit(&b.out);
	vtg__worker_free(b.w);
out:
	if (issuers) {
		for (int i = 0; i < n_issuers; i++)
			vtg__free(issuers[i]);
		vtg__free(issuers);
	}
	B = NULL;
	return rc;
}

int vtg_cmd_caa(int argc, char **argv)
{
	return run_bulk(argc, argv, MODE_CAA);
}

int vtg_cmd_query(int argc, char **argv)
{
	return run_bulk(argc, argv, MODE_QUERY);
}
