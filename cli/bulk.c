/*
 * bulk.c — `vantage caa`, `vantage dcv` and `vantage query`: the command
 * line of a run and its line input / output. Options become a run
 * configuration (runner/config.h) and the run's defaults; every input line
 * becomes one check of the runner (runner/runner.h), which works on many
 * at once; lines go out in input order as their checks finish, a summary
 * goes to stderr. The runner itself is the library's (docs/architecture.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "runner/runner.h"

#define PROGRESS_NS 250000000ull

/* What the command line asked for. */
struct cli {
	enum vtg_check_kind kind;
	struct vtg_config cfg;
	struct vtg_run_params p;
	char **issuers;
	int n_issuers;
	bool have_config, have_resolver, iterative, mode_given, dcv_method, progress;
	const char *root_hints, *trust_anchor;
	long cache_mb, timeout, retries, window, workers, min_remotes;
	bool x20;
	char **sans;
	int n_sans;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void bulk_usage(FILE *f, enum vtg_check_kind mode)
{
	if (mode == VTG_CHECK_DCV)
		fprintf(f,
			"usage: vantage dcv (--config FILE | --resolver ADDR[:PORT] ... | --iterative)\n"
			"                   --method dns-01|dns-account-01|dns-change|cname|persist|\n"
			"                            contact-email|contact-phone\n"
			"                   [--expect VALUE] [--label _LABEL] [--account-uri URI]\n"
			"                   [--ca DOMAIN[,DOMAIN...]] [--mode enforce|report-only|off]\n"
			"                   [--min-remotes N] [--root-hints FILE] [--trust-anchor FILE]\n"
			"                   [--timeout-ms N] [--retries N] [--window N] [--workers N]\n"
			"                   [--progress | --no-progress] [NAME ... | < 'name value' lines]\n"
			"Each input line is a name and, unless --expect gives one for all, the\n"
			"expected value (dns-01 / dns-account-01 digest, dns-change random value,\n"
			"cname target); persist takes --ca and --account-uri.\n");
	else if (mode == VTG_CHECK_CAA)
		fprintf(f,
			"usage: vantage caa (--config FILE | --resolver ADDR[:PORT] ... | --iterative)\n"
			"                   --ca DOMAIN[,DOMAIN...] [--account-uri URI] [--method M]\n"
			"                   [--compat LIST] [--recognised-tags LIST]\n"
			"                   [--root-hints FILE] [--trust-anchor FILE] [--qname-0x20]\n"
			"                   [--cache-mb N] [--lookup-failure-exception]\n"
			"                   [--mode enforce|report-only|off] [--min-remotes N]\n"
			"                   [--csr FILE | --cert FILE]  (the SAN dNSNames as input)\n"
			"                   [--timeout-ms N] [--retries N] [--window N] [--workers N]\n"
			"                   [--progress | --no-progress] [NAME ... | < names.txt]\n");
	else
		fprintf(f,
			"usage: vantage query [-t TYPE] (--config FILE | --resolver ADDR[:PORT] ... |\n"
			"                     --iterative [--root-hints FILE] [--trust-anchor FILE]\n"
			"                     [--qname-0x20] [--cache-mb N])\n"
			"                     [--timeout-ms N] [--retries N] [--window N] [--workers N]\n"
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
	return -EINVAL;
}

static const struct option bulk_opts[] = {
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
	{"workers", required_argument, NULL, 'w'},
	{"type", required_argument, NULL, 't'},
	{"progress", no_argument, NULL, 'P'},
	{"no-progress", no_argument, NULL, 'Q'},
	{"iterative", no_argument, NULL, 'I'},
	{"root-hints", required_argument, NULL, 'H'},
	{"trust-anchor", required_argument, NULL, 'A'},
	{"lookup-failure-exception", no_argument, NULL, 'X'},
	{"qname-0x20", no_argument, NULL, 'Z'},
	{"cache-mb", required_argument, NULL, 'M'},
	{"mode", required_argument, NULL, 'O'},
	{"expect", required_argument, NULL, 'E'},
	{"csr", required_argument, NULL, 'S'},
	{"cert", required_argument, NULL, 'Y'},
	{"label", required_argument, NULL, 'L'},
	{"min-remotes", required_argument, NULL, 'K'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* A number option in [lo, hi]; false with the message on stderr. */
static bool num_opt(const char *name, const char *arg, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		fprintf(stderr, "vantage: --%s is %ld to %ld\n", name, lo, hi);
		return false;
	}
	*out = v;
	return true;
}

/* The options of one kind of run that also name a file or a list. 0, 1
 * (not handled here), or -1 after a message on stderr. */
static int parse_check_opt(struct cli *cl, int o, const char *arg)
{
	enum vtg_check_kind k = cl->kind;
	switch (o) {
	case 'S':
	case 'Y':
		if (k == VTG_CHECK_QUERY)
			return 1;
		return vtg__read_sans(arg, o == 'S', &cl->sans, &cl->n_sans) < 0 ? -1 : 0;
	case 'E':
		if (k != VTG_CHECK_DCV)
			return 1;
		cl->p.dcv_expect = arg;
		return 0;
	case 'L':
		if (k != VTG_CHECK_DCV)
			return 1;
		cl->p.dcv.label = arg;
		return 0;
	case 'c':
		if (k == VTG_CHECK_QUERY || cl->issuers)
			return 1;
		cl->n_issuers = vtg__split_issuers(arg, &cl->issuers);
		return cl->n_issuers < 0 ? -1 : 0;
	case 'a':
		cl->p.pol.id.account_uri = arg;
		cl->p.dcv.account_uri = arg;
		return 0;
	case 'm':
		if (k != VTG_CHECK_DCV) {
			cl->p.pol.id.method = arg;
			return 0;
		}
		if (vtg__dcv_method_parse(arg, &cl->p.dcv.method) != 0) {
			fprintf(stderr, "vantage dcv: --method is dns-01, dns-account-01, dns-change, "
				"cname, persist, contact-email or contact-phone\n");
			return -1;
		}
		cl->dcv_method = true;
		return 0;
	case 'C':
		return vtg__parse_compat(arg, &cl->p.pol.id.compat) != 0 ? -1 : 0;
	case 'R':
		return vtg__parse_recognised(arg, &cl->p.pol.id.recognised) != 0 ? -1 : 0;
	case 'X':
		if (k != VTG_CHECK_CAA)
			return 1;
		cl->p.pol.failure_exception = true;
		return 0;
	case 't':
		if (k != VTG_CHECK_QUERY || parse_type(arg, &cl->p.qtype) != 0) {
			fprintf(stderr, "vantage: unknown query type '%s'\n", arg);
			return -1;
		}
		return 0;
	case 'O':
		if (k == VTG_CHECK_QUERY || vtg__mpic_mode_parse(arg, &cl->p.mpic) != 0) {
			fprintf(stderr, "vantage: --mode is enforce, report-only or off\n");
			return -1;
		}
		cl->mode_given = true;
		return 0;
	}
	return 1;
}

/* The run's settings. 0, or -1 after a message on stderr. */
static int parse_run_opt(struct cli *cl, int o, const char *arg)
{
	char err[512];
	switch (o) {
	case 'f':
		if (vtg__config_load(&cl->cfg, arg, err, sizeof(err)) != 0) {
			fprintf(stderr, "vantage: config: %s\n", err);
			return -1;
		}
		cl->have_config = true;
		return 0;
	case 'r':
		if (vtg__config_add_resolver(&cl->cfg, arg, err, sizeof(err)) != 0) {
			fprintf(stderr, "vantage: --resolver: %s\n", err);
			return -1;
		}
		cl->have_resolver = true;
		return 0;
	case 'T': return num_opt("timeout-ms", arg, 1, 600000, &cl->timeout) ? 0 : -1;
	case 'N': return num_opt("retries", arg, 0, 7, &cl->retries) ? 0 : -1;
	case 'W': return num_opt("window", arg, 1, VTG_RUN_MAX_WINDOW, &cl->window) ? 0 : -1;
	case 'w': return num_opt("workers", arg, 1, VTG_RUN_MAX_WORKERS, &cl->workers) ? 0 : -1;
	case 'M': return num_opt("cache-mb", arg, 1, 1 << 20, &cl->cache_mb) ? 0 : -1;
	case 'K':
		return num_opt("min-remotes", arg, 0, VTG_MAX_PERSPECTIVES - 1, &cl->min_remotes)
			       ? 0 : -1;
	case 'I': cl->iterative = true; return 0;
	case 'H': cl->root_hints = arg; return 0;
	case 'A': cl->trust_anchor = arg; return 0;
	case 'Z': cl->x20 = true; return 0;
	case 'P': cl->progress = true; return 0;
	case 'Q': cl->progress = false; return 0;
	}
	return parse_check_opt(cl, o, arg);
}

/* The options into cl. -1 to go on, else the exit code. */
static int parse_args(struct cli *cl, int argc, char **argv)
{
	optind = 1;
	int o;
	while ((o = getopt_long(argc, argv, "f:r:c:a:m:t:h", bulk_opts, NULL)) != -1) {
		if (o == 'h') {
			bulk_usage(stdout, cl->kind);
			return VTG_EXIT_OK;
		}
		int rc = o == '?' ? 1 : parse_run_opt(cl, o, optarg);
		if (rc < 0)
			return VTG_EXIT_USAGE;
		if (rc > 0) {
			bulk_usage(stderr, cl->kind);
			return VTG_EXIT_USAGE;
		}
	}
	return -1;
}

/* The perspectives and the run's defaults from the options. 0, or -1
 * after a message on stderr. */
static int settle(struct cli *cl)
{
	char err[512];
	if ((int)cl->have_config + (int)cl->have_resolver + (int)cl->iterative != 1) {
		fprintf(stderr, "vantage: give one of --config FILE, --resolver ADDR or "
			"--iterative\n");
		bulk_usage(stderr, cl->kind);
		return -1;
	}
	struct vtg_config *c = &cl->cfg;
	if (cl->iterative && vtg__config_add_iterative(c, err, sizeof(err)) != 0) {
		fprintf(stderr, "vantage: %s\n", err);
		return -1;
	}
	if (cl->root_hints)
		snprintf(c->iter.root_hints, sizeof(c->iter.root_hints), "%s", cl->root_hints);
	if (cl->trust_anchor)
		snprintf(c->iter.trust_anchor, sizeof(c->iter.trust_anchor), "%s",
			 cl->trust_anchor);
	if (cl->cache_mb)
		c->iter.cache_mb = (unsigned)cl->cache_mb;
	if (cl->x20)
		c->iter.case_random = true;
	if (c->persp[0].iterative && !strcmp(c->iter.trust_anchor, "none")) {
		fprintf(stderr, "vantage: the primary perspective must validate DNSSEC "
			"(BR 3.2.2.9 since 2026-03-15): --trust-anchor none is refused\n");
		return -1;
	}
	if (cl->kind == VTG_CHECK_CAA && !cl->issuers) {
		fprintf(stderr, "vantage caa: --ca is required\n");
		return -1;
	}
	if (cl->kind == VTG_CHECK_DCV && !cl->dcv_method) {
		fprintf(stderr, "vantage dcv: --method is required\n");
		return -1;
	}
	/* corroboration (BR 3.2.2.9): a config file's perspectives corroborate
	 * (enforce unless --mode says otherwise); --resolver / --iterative make
	 * a single-perspective run with nothing to corroborate */
	if (cl->kind == VTG_CHECK_QUERY)
		cl->p.mpic = VTG_MPIC_OFF;
	else if (!cl->mode_given)
		cl->p.mpic = cl->have_config ? VTG_MPIC_ENFORCE : VTG_MPIC_OFF;
	cl->p.pol.id.issuers = (const char *const *)cl->issuers;
	cl->p.pol.id.n_issuers = (size_t)(cl->n_issuers > 0 ? cl->n_issuers : 0);
	cl->p.dcv.issuers = cl->p.pol.id.issuers;
	cl->p.dcv.n_issuers = cl->p.pol.id.n_issuers;
	cl->p.check_dcv = cl->kind == VTG_CHECK_DCV;
	cl->p.window = (unsigned)cl->window;
	cl->p.workers = (unsigned)cl->workers;
	if (cl->timeout > 0)
		c->engine.timeout_ms = (unsigned)cl->timeout;
	if (cl->retries >= 0)
		c->engine.retries = (unsigned)cl->retries;
	return 0;
}

/* A DCV input line is "name [expected-value]": the check's name and value
 * (the run's --expect when the line has none). */
static void dcv_line(const char *s, size_t n, struct vtg_run_check *ck, char **vbuf,
		     size_t *vcap)
{
	size_t k = 0;
	while (k < n && s[k] != ' ' && s[k] != '\t')
		k++;
	size_t v = k;
	while (v < n && (s[v] == ' ' || s[v] == '\t'))
		v++;
	size_t e = n;
	while (e > v && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
		e--;
	ck->name_len = k;
	ck->expect = NULL;
	if (v < e && e - v + 1 <= *vcap) {
		memcpy(*vbuf, s + v, e - v);
		(*vbuf)[e - v] = 0;
		ck->expect = *vbuf;
	} else if (v < e) {
		char *nb = vtg__realloc(*vbuf, e - v + 1);
		if (!nb)
			return; /* the check reports the missing value */
		*vbuf = nb;
		*vcap = e - v + 1;
		memcpy(nb, s + v, e - v);
		nb[e - v] = 0;
		ck->expect = nb;
	}
}

/* The run's output and its position in the input. */
struct lines {
	struct vtg_run *run;
	enum vtg_check_kind kind;
	unsigned window;
	uint64_t next_seq, next_emit;
	struct vtg_json out;
	bool progress;
	uint64_t started_ns, last_progress_ns;
	char *vbuf;
	size_t vcap;
};

/* Write out, in input order, the lines whose checks are done. */
static void emit_ready(struct lines *l)
{
	while (l->next_emit < l->next_seq) {
		uint32_t id = (uint32_t)(l->next_emit % l->window);
		if (!vtg__run_done(l->run, id))
			break;
		const char *buf;
		size_t len;
		vtg__run_line(l->run, id, &buf, &len);
		vtg__json_put_lines(&l->out, buf, len);
		l->next_emit++;
	}
}

static void progress(struct lines *l, bool final)
{
	if (!l->progress)
		return;
	uint64_t t = now_ns();
	if (!final && t - l->last_progress_ns < PROGRESS_NS)
		return;
	l->last_progress_ns = t;
	double secs = (double)(t - l->started_ns) / 1e9;
	fprintf(stderr, "\r\033[K[vantage] %llu names read, %llu done, %.0f names/s",
		(unsigned long long)l->next_seq, (unsigned long long)l->next_emit,
		secs > 0 ? (double)l->next_emit / secs : 0.0);
	if (final)
		fputc('\n', stderr);
}

/* Queue input lines while the window has room. false at the end of the
 * input (or out of memory: *oom). */
static bool fill(struct lines *l, struct vtg_input *in, bool *oom)
{
	/* refill the window in batches (one wake-up per worker per batch) */
	const unsigned refill = l->window / 8 ? l->window / 8 : 1;
	unsigned room = l->window - (unsigned)(l->next_seq - l->next_emit);
	if (room < refill && l->next_seq != l->next_emit)
		return true;
	while (room-- > 0) {
		const char *s;
		size_t n;
		if (!vtg__input_next(in, &s, &n))
			return false;
		struct vtg_run_check ck = {.kind = l->kind, .name = s, .name_len = n};
		if (l->kind == VTG_CHECK_DCV)
			dcv_line(s, n, &ck, &l->vbuf, &l->vcap);
		if (vtg__run_submit(l->run, (uint32_t)(l->next_seq % l->window), &ck) != 0) {
			*oom = true;
			return false;
		}
		l->next_seq++;
	}
	return true;
}

/* Every input line through the run, lines out in order. The exit code. */
static int run_lines(struct lines *l, struct vtg_input *in)
{
	bool eof = false, oom = false;
	int fatal = 0;
	l->started_ns = now_ns();
	for (;;) {
		emit_ready(l);
		if (!eof)
			eof = !fill(l, in, &oom);
		if (eof)
			vtg__run_close(l->run);
		else
			vtg__run_kick(l->run);
		if (eof && l->next_emit == l->next_seq)
			break;
		if ((fatal = vtg__run_wait(l->run, 200)) != 0)
			break;
		progress(l, false);
	}
	progress(l, true);
	if (fatal) {
		/* the other workers finish what they hold; their lines are lost
		 * with the run, which stops with an error */
		fprintf(stderr, "vantage: io_uring: %s\n", strerror(-fatal));
		return VTG_EXIT_FAIL;
	}
	if (oom)
		fprintf(stderr, "vantage: out of memory\n");
	if (vtg__json_flush(&l->out) != 0) {
		fprintf(stderr, "vantage: writing output: %s\n", strerror(-l->out.err));
		return VTG_EXIT_FAIL;
	}
	vtg__run_join(l->run);
	vtg__run_summary(l->run, stderr, l->kind == VTG_CHECK_CAA   ? "caa"
					 : l->kind == VTG_CHECK_DCV ? "dcv" : "query",
			 l->kind, l->next_emit, (double)(now_ns() - l->started_ns) / 1e9);
	return oom ? VTG_EXIT_FAIL : VTG_EXIT_OK;
}

static int run_bulk(int argc, char **argv, enum vtg_check_kind kind)
{
	struct cli cl;
	memset(&cl, 0, sizeof(cl));
	cl.kind = kind;
	vtg__config_init(&cl.cfg);
	cl.p.pol.id.recognised = VTG_CAA_RECOGNISED_DEFAULT;
	cl.p.qtype = VTG_TYPE_CAA;
	cl.progress = isatty(STDERR_FILENO);
	cl.timeout = cl.retries = cl.min_remotes = -1;
	struct lines l;
	memset(&l, 0, sizeof(l));
	char err[512];
	int rc = parse_args(&cl, argc, argv);
	if (rc >= 0)
		goto out;
	rc = VTG_EXIT_USAGE;
	if (settle(&cl) != 0)
		goto out;
	if (cl.sans && optind < argc) {
		fprintf(stderr, "vantage: names come from --csr/--cert or the command line, "
			"not both\n");
		goto out;
	}
	int nrc = vtg__run_new(&l.run, &cl.cfg, &cl.p, cl.min_remotes, err, sizeof(err));
	if (nrc != 0) {
		fprintf(stderr, "vantage: %s\n", err);
		rc = nrc == -ENOMEM || nrc == -EMFILE ? VTG_EXIT_FAIL : VTG_EXIT_USAGE;
		goto out;
	}
	l.kind = kind;
	l.window = vtg__run_window(l.run);
	l.progress = cl.progress;
	struct vtg_input in;
	if (cl.sans)
		vtg__input_init(&in, cl.sans, 0, cl.n_sans);
	else
		vtg__input_init(&in, argv, optind, argc);
	rc = vtg__json_init(&l.out, STDOUT_FILENO) == 0 ? run_lines(&l, &in) : VTG_EXIT_FAIL;
	vtg__input_deinit(&in);
out:
	vtg__run_free(l.run);
	vtg__json_deinit(&l.out);
	vtg__free(l.vbuf);
	for (int i = 0; i < cl.n_sans; i++)
		vtg__free(cl.sans[i]);
	vtg__free(cl.sans);
	for (int i = 0; i < cl.n_issuers; i++)
		vtg__free(cl.issuers[i]);
	vtg__free(cl.issuers);
	return rc;
}

int vtg_cmd_caa(int argc, char **argv)
{
	return run_bulk(argc, argv, VTG_CHECK_CAA);
}

int vtg_cmd_dcv(int argc, char **argv)
{
	return run_bulk(argc, argv, VTG_CHECK_DCV);
}

int vtg_cmd_query(int argc, char **argv)
{
	return run_bulk(argc, argv, VTG_CHECK_QUERY);
}
