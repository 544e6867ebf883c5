/*
 * bulk.c — `vantage caa`, `vantage dcv` and `vantage query`: the command
 * line of a run and its line input / output. Options become a run
 * configuration (runner/config.h) and the run's defaults; every input line
 * becomes one check of the runner (runner/runner.h), which works on many
 * at once; lines go out in input order as their checks finish, a summary
 * goes to stderr. The runner itself is the library's (docs/architecture.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "runner/options.h"
#include "runner/runner.h"

#define DEF_GRACE_MS 2000 /* in-flight checks after SIGINT / SIGTERM */
#define MAX_GRACE_MS 600000
#define MAX_SETTINGS 64 /* schema flags on one command line */

/* What the command line asked for. */
struct cli {
	enum vtg_check_kind kind;
	struct vtg_config cfg;
	struct vtg_run_params p;
	char **issuers;
	int n_issuers;
	bool have_config, have_resolver, iterative, dcv_method, progress;
	/* schema flags, applied after --config (flags win over the file) */
	const struct vtg_opt *set[MAX_SETTINGS];
	const char *set_val[MAX_SETTINGS];
	unsigned n_set;
	char **sans;
	int n_sans;
	bool have_sans;
	const char *output;           /* -o FILE */
	uint16_t qtypes[VTG_LINES_MAX_TYPES]; /* query -t, repeatable */
	unsigned n_qtypes;
	unsigned grace_ms;            /* --grace-ms */
};

/* One option of the command's own (not a run setting): its help line. */
static void opt_line(FILE *f, const char *opt, const char *help)
{
	fprintf(f, "  %-34s %s\n", opt, help);
}

static void bulk_usage(FILE *f, enum vtg_check_kind mode)
{
	const char *cmd = mode == VTG_CHECK_CAA ? "caa" : mode == VTG_CHECK_DCV ? "dcv" : "query";
	fprintf(f, "usage: vantage %s (--config FILE | --resolver ADDR[:PORT]|FILE ... | --iterative)\n"
		   "                     [OPTION ...] [NAME ... | < input lines]\n", cmd);
	if (mode == VTG_CHECK_DCV)
		fprintf(f, "Each input line is a name and, unless --expect gives one for all, the\n"
			   "expected value (dns-01 / dns-account-01 digest, dns-change random value,\n"
			   "cname target); persist takes --ca and --account-uri. reverse-lookup takes\n"
			   "an IPv4 or IPv6 address and, optionally, the FQDN a PTR must name.\n"
			   "http-01 / website-change / tls-alpn-01 take a host name or an IP address\n"
			   "and the key authorization (token.thumbprint) or the random value.\n");
	fprintf(f, "One JSON line per input line on stdout, in input order, as soon as its check\n"
		   "is final; blank and # lines are skipped; a summary on stderr. Exit: 0 done,\n"
		   "1 the run could not finish, 2 usage or configuration, 3 no lookup got an\n"
		   "answer, 130 / 143 interrupted (every line read still gets its line).\n"
		   "Options (default in parentheses):\n");
	opt_line(f, "--config FILE", "perspectives file (vantage.conf(5))");
	opt_line(f, "-r, --resolver ADDR[:PORT]|FILE", "one stub perspective; a FILE lists "
		 "resolvers one per line (repeatable)");
	opt_line(f, "--iterative", "one perspective resolving from the root hints, validating");
	if (mode != VTG_CHECK_QUERY) {
		opt_line(f, "--ca DOMAIN[,DOMAIN...]", mode == VTG_CHECK_CAA
			 ? "the CA's issuer domain names (required)" : "issuer names (persist)");
		opt_line(f, "--account-uri URI", "RFC 8657 accounturi (none)");
	}
	if (mode == VTG_CHECK_CAA) {
		opt_line(f, "--method METHOD", "RFC 8657 validation method: http-01, dns-01, "
			 "tls-alpn-01, dns-account-01, ca-LABEL (none)");
		opt_line(f, "--compat LIST", "compatibility switches (none)");
		opt_line(f, "--recognised-tags LIST", "property tags processed (all known)");
		opt_line(f, "--csr FILE | --cert FILE", "the SAN dNSNames as input (one of them)");
	}
	if (mode == VTG_CHECK_DCV) {
		opt_line(f, "-m, --method METHOD", "dns-01, dns-account-01, dns-change, cname, "
			 "persist, contact-email, contact-phone, reverse-lookup, http-01, "
			 "website-change, tls-alpn-01 (required)");
		opt_line(f, "--expect VALUE", "the value for every name (per line)");
		opt_line(f, "--label _LABEL", "dns-change / cname label (the method's)");
		opt_line(f, "--http-path FILE", "website-change: the file under "
			 "/.well-known/pki-validation/ (required)");
		opt_line(f, "--scheme http|https", "website-change: how it is fetched (http)");
	}
	if (mode == VTG_CHECK_QUERY)
		opt_line(f, "-t, --type TYPE", "A, AAAA, DS, ..., TYPEnnn or a number; repeatable (A)");
	opt_line(f, "-o, --output FILE", "write the lines there (stdout)");
	opt_line(f, "--format full|compact", "compact: name, outcome, reason, quorum, and per "
		 "perspective id, outcome, reason (full)");
	opt_line(f, "--grace-ms N", "after SIGINT / SIGTERM, time for checks in flight (2000)");
	opt_line(f, "--progress | --no-progress", "progress on stderr (on a terminal)");
	opt_line(f, "-h, --help", "this text");
	fprintf(f, "Run settings (the same as the [engine] keys of a config file):\n");
	vtg__opt_print_help(f, VTG_OPT_SEC_ENGINE, "--");
}

/* A query type: any mnemonic ldns knows (A, DS, SVCB, ...), TYPEnnn or a
 * number. 0 or -EINVAL. */
static int parse_type(const char *s, uint16_t *t)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s >= '0' && *s <= '9' && !*end && v > 0 && v < 65536) {
		*t = (uint16_t)v;
		return 0;
	}
	ldns_rr_type lt = ldns_get_rr_type_by_name(s); /* TYPEnnn too; 0 unknown */
	if (lt == 0)
		return -EINVAL;
	*t = (uint16_t)lt;
	return 0;
}

/* The validation methods a CAA validationmethods parameter may name (RFC
 * 8657 section 4: the IANA ACME registry, or a CA's own "ca-" label). */
static bool method_known(const char *m)
{
	static const char *const acme[] = {"http-01", "dns-01", "tls-alpn-01",
					   "dns-account-01", NULL};
	for (size_t i = 0; acme[i]; i++)
		if (!strcmp(m, acme[i]))
			return true;
	if (strncmp(m, "ca-", 3) || !m[3])
		return false;
	for (const char *p = m; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

/* -r / --resolver: an address, or a file of them (one ADDR[:PORT] per
 * line, # comments) as massdns and zdns take. 0 or -EINVAL after a message. */
static int add_resolvers(struct cli *cl, const char *arg)
{
	char err[512];
	struct sockaddr_storage ss;
	if (vtg__parse_addr(arg, &ss) == 0 || access(arg, R_OK) != 0) {
		if (vtg__config_add_resolver(&cl->cfg, arg, err, sizeof(err)) != 0) {
			fprintf(stderr, "vantage: --resolver: %s\n", err);
			return -EINVAL;
		}
		return 0;
	}
	FILE *f = fopen(arg, "r");
	char line[512];
	int n = 0, ln = 0;
	while (f && fgets(line, sizeof(line), f)) {
		ln++;
		char *p = line + strspn(line, " \t");
		p[strcspn(p, " \t\r\n#")] = 0;
		if (!*p)
			continue;
		if (vtg__config_add_resolver(&cl->cfg, p, err, sizeof(err)) != 0) {
			fprintf(stderr, "vantage: %s:%d: %s\n", arg, ln, err);
			fclose(f);
			return -EINVAL;
		}
		n++;
	}
	if (f)
		fclose(f);
	if (n == 0) {
		fprintf(stderr, "vantage: %s: no resolver address\n", arg);
		return -EINVAL;
	}
	return 0;
}

/* The command's own options; the run settings (timeout-ms, retries, window,
 * workers, mode, ...) come from the options schema (runner/options.h), so
 * a flag and its configuration key are checked in one place. */
static const struct option cli_opts[] = {
	{"config", required_argument, NULL, 'f'},
	{"resolver", required_argument, NULL, 'r'},
	{"ca", required_argument, NULL, 'c'},
	{"account-uri", required_argument, NULL, 'a'},
	{"method", required_argument, NULL, 'm'},
	{"compat", required_argument, NULL, 'C'},
	{"recognised-tags", required_argument, NULL, 'R'},
	{"recognized-tags", required_argument, NULL, 'R'},
	{"type", required_argument, NULL, 't'},
	{"progress", no_argument, NULL, 'P'},
	{"no-progress", no_argument, NULL, 'Q'},
	{"iterative", no_argument, NULL, 'I'},
	{"expect", required_argument, NULL, 'E'},
	{"csr", required_argument, NULL, 'S'},
	{"cert", required_argument, NULL, 'Y'},
	{"label", required_argument, NULL, 'L'},
	{"http-path", required_argument, NULL, 'H'},
	{"scheme", required_argument, NULL, 'K'},
	{"output", required_argument, NULL, 'o'},
	{"resolvers", required_argument, NULL, 'F'},
	{"grace-ms", required_argument, NULL, 'G'},
	{"format", required_argument, NULL, 'D'},
	{"help", no_argument, NULL, 'h'},
};
#define N_CLI_OPTS (sizeof(cli_opts) / sizeof(cli_opts[0]))
#define OPT_SCHEMA 256 /* getopt value of schema entry i: OPT_SCHEMA + i */

/* The getopt table: the command's options, then every [engine] entry of
 * the schema (a boolean alone means yes: --qname-0x20). */
static struct option *long_opts(void)
{
	struct option *o = vtg__calloc(N_CLI_OPTS + vtg__opt_count + 1, sizeof(*o));
	if (!o)
		return NULL;
	memcpy(o, cli_opts, sizeof(cli_opts));
	size_t n = N_CLI_OPTS;
	for (size_t i = 0; i < vtg__opt_count; i++) {
		const struct vtg_opt *d = &vtg__opt_table[i];
		if (d->section != VTG_OPT_SEC_ENGINE)
			continue;
		o[n++] = (struct option){d->name, d->type == VTG_OPT_BOOL ? optional_argument
									 : required_argument,
					 NULL, OPT_SCHEMA + (int)i};
	}
	return o;
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
		if (cl->have_sans) {
			fprintf(stderr, "vantage: --csr and --cert are exclusive: one request or "
				"certificate per run\n");
			return -EINVAL;
		}
		cl->have_sans = true;
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
	case 'H':
		if (k != VTG_CHECK_DCV)
			return 1;
		cl->p.dcv.http_path = arg;
		return 0;
	case 'K':
		if (k != VTG_CHECK_DCV)
			return 1;
		if (strcmp(arg, "http") && strcmp(arg, "https")) {
			fprintf(stderr, "vantage dcv: --scheme is http or https, not '%s'\n", arg);
			return -EINVAL;
		}
		cl->p.dcv.https = !strcmp(arg, "https");
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
			if (!method_known(arg)) {
				fprintf(stderr, "vantage: --method '%s': not a validation method (RFC "
					"8657: http-01, dns-01, tls-alpn-01, dns-account-01, or a "
					"CA's own ca-LABEL)\n", arg);
				return -EINVAL;
			}
			cl->p.pol.id.method = arg;
			return 0;
		}
		if (vtg__dcv_method_parse(arg, &cl->p.dcv.method) != 0) {
			fprintf(stderr, "vantage dcv: --method is dns-01, dns-account-01, dns-change, "
				"cname, persist, contact-email, contact-phone, reverse-lookup, http-01, "
				"website-change or tls-alpn-01\n");
			return -EINVAL;
		}
		cl->dcv_method = true;
		return 0;
	case 'C':
		return vtg__parse_compat(arg, &cl->p.pol.id.compat) != 0 ? -1 : 0;
	case 'R':
		return vtg__parse_recognised(arg, &cl->p.pol.id.recognised) != 0 ? -1 : 0;
	case 't':
		if (k != VTG_CHECK_QUERY || cl->n_qtypes == VTG_LINES_MAX_TYPES ||
		    parse_type(arg, &cl->qtypes[cl->n_qtypes]) != 0) {
			fprintf(stderr, "vantage: unknown query type '%s' (or more than %d)\n", arg,
				VTG_LINES_MAX_TYPES);
			return -EINVAL;
		}
		cl->n_qtypes++;
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
			return -EINVAL;
		}
		cl->have_config = true;
		return 0;
	case 'r':
	case 'F':
		if (add_resolvers(cl, arg) != 0)
			return -EINVAL;
		cl->have_resolver = true;
		return 0;
	case 'o': cl->output = arg; return 0;
	case 'D':
		if (strcmp(arg, "full") && strcmp(arg, "compact")) {
			fprintf(stderr, "vantage: --format is full or compact\n");
			return -EINVAL;
		}
		cl->p.compact = !strcmp(arg, "compact");
		return 0;
	case 'G':
		if (vtg__opt_parse_uint(arg, 0, MAX_GRACE_MS, &cl->grace_ms) != 0) {
			fprintf(stderr, "vantage: --grace-ms: 0 to %u\n", MAX_GRACE_MS);
			return -EINVAL;
		}
		return 0;
	case 'I': cl->iterative = true; return 0;
	case 'P': cl->progress = true; return 0;
	case 'Q': cl->progress = false; return 0;
	}
	return parse_check_opt(cl, o, arg);
}

/* A schema flag: kept for after the loop; refused where it makes no
 * sense for the command. 0, or 1 (usage). */
static int schema_flag(struct cli *cl, const struct vtg_opt *d, const char *arg)
{
	if ((!strcmp(d->name, "mode") && cl->kind == VTG_CHECK_QUERY) ||
	    (!strcmp(d->name, "lookup-failure-exception") && cl->kind != VTG_CHECK_CAA) ||
	    cl->n_set == MAX_SETTINGS)
		return 1;
	cl->set[cl->n_set] = d;
	cl->set_val[cl->n_set++] = arg;
	return 0;
}

/* The options into cl. -1 to go on, else the exit code. */
static int parse_args(struct cli *cl, int argc, char **argv)
{
	struct option *opts = long_opts();
	if (!opts)
		return VTG_EXIT_FAIL;
	int o, rc = -1;
	optind = 1;
	while (rc < 0 && (o = getopt_long(argc, argv, "f:r:c:a:m:t:o:h", opts, NULL)) != -1) {
		if (o == 'h') {
			bulk_usage(stdout, cl->kind);
			rc = VTG_EXIT_OK;
			break;
		}
		int r = o == '?'	       ? 1
			: o >= OPT_SCHEMA ? schema_flag(cl, &vtg__opt_table[o - OPT_SCHEMA], optarg)
					  : parse_run_opt(cl, o, optarg);
		if (r > 0)
			bulk_usage(stderr, cl->kind);
		if (r != 0)
			rc = VTG_EXIT_USAGE;
	}
	vtg__free(opts);
	return rc;
}

/* The schema flags, through the schema's checks. 0, or -1 after a message
 * on stderr. */
static int apply_flags(struct cli *cl)
{
	char err[256];
	for (unsigned i = 0; i < cl->n_set; i++) {
		const struct vtg_opt *d = cl->set[i];
		if (vtg__opt_set(&cl->cfg, VTG_OPT_ENGINE, d->name, cl->set_val[i], err,
				 sizeof(err)) != 0) {
			fprintf(stderr, "vantage: --%s: %s\n", d->name, err);
			return -EINVAL;
		}
	}
	return 0;
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
		return -EINVAL;
	}
	struct vtg_config *c = &cl->cfg;
	if (cl->iterative && vtg__config_add_iterative(c, err, sizeof(err)) != 0) {
		fprintf(stderr, "vantage: %s\n", err);
		return -EINVAL;
	}
	if (apply_flags(cl) != 0)
		return -EINVAL;
	if (c->persp[0].iterative && !strcmp(c->iter.trust_anchor, "none")) {
		fprintf(stderr, "vantage: the primary perspective must validate DNSSEC "
			"(BR 3.2.2.9 since 2026-03-15): --trust-anchor none is refused\n");
		return -EINVAL;
	}
	if (cl->kind == VTG_CHECK_CAA && !cl->issuers) {
		fprintf(stderr, "vantage caa: --ca is required\n");
		return -EINVAL;
	}
	if (cl->kind == VTG_CHECK_DCV && !cl->dcv_method) {
		fprintf(stderr, "vantage dcv: --method is required\n");
		return -EINVAL;
	}
	if (cl->kind == VTG_CHECK_DCV && cl->p.dcv.method == VTG_DCV_WEBSITE_CHANGE &&
	    !cl->p.dcv.http_path) {
		fprintf(stderr, "vantage dcv: website-change needs --http-path FILE (the file "
			"under /.well-known/pki-validation/)\n");
		return -EINVAL;
	}
	if (cl->kind == VTG_CHECK_DCV && (cl->p.dcv.http_path || cl->p.dcv.https) &&
	    cl->p.dcv.method != VTG_DCV_WEBSITE_CHANGE) {
		fprintf(stderr, "vantage dcv: --http-path and --scheme are for website-change\n");
		return -EINVAL;
	}
	/* corroboration (BR 3.2.2.9): a config file's perspectives corroborate
	 * (enforce unless --mode says otherwise); --resolver / --iterative make
	 * a single-perspective run with nothing to corroborate */
	if (cl->kind == VTG_CHECK_QUERY)
		cl->p.mpic = VTG_MPIC_OFF;
	else
		cl->p.mpic = vtg__run_mpic_mode(c->run.mode, cl->have_config);
	cl->p.pol.failure_exception = c->run.lookup_failure_exception;
	cl->p.pol.id.issuers = (const char *const *)cl->issuers;
	cl->p.pol.id.n_issuers = (size_t)(cl->n_issuers > 0 ? cl->n_issuers : 0);
	cl->p.dcv.issuers = cl->p.pol.id.issuers;
	cl->p.dcv.n_issuers = cl->p.pol.id.n_issuers;
	cl->p.check_dcv = cl->kind == VTG_CHECK_DCV;
	cl->p.window = c->run.window;
	return 0;
}

/* Where the lines go: stdout, or -o FILE. */
static int open_output(const struct cli *cl)
{
	if (!cl->output)
		return STDOUT_FILENO;
	int fd = open(cl->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "vantage: --output %s: %s\n", cl->output, strerror(errno));
	return fd;
}

static int run_bulk(int argc, char **argv, enum vtg_check_kind kind)
{
	struct cli cl;
	memset(&cl, 0, sizeof(cl));
	cl.kind = kind;
	vtg__config_init(&cl.cfg);
	cl.p.pol.id.recognised = VTG_CAA_RECOGNISED_DEFAULT;
	cl.p.qtype = VTG_TYPE_A;
	cl.progress = isatty(STDERR_FILENO);
	cl.grace_ms = DEF_GRACE_MS;
	struct vtg_lines l;
	memset(&l, 0, sizeof(l));
	int out_fd = -1;
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
	if ((out_fd = open_output(&cl)) < 0)
		goto out;
	int nrc = vtg__run_new(&l.run, &cl.cfg, &cl.p, cl.cfg.run.min_remotes, err, sizeof(err));
	if (nrc != 0) {
		fprintf(stderr, "vantage: %s\n", err);
		rc = nrc == -ENOMEM || nrc == -EMFILE ? VTG_EXIT_FAIL : VTG_EXIT_USAGE;
		goto out;
	}
	l.kind = kind;
	l.progress = cl.progress;
	if (cl.n_qtypes > vtg__run_window(l.run)) {
		fprintf(stderr, "vantage: --window must hold one name's %u types\n", cl.n_qtypes);
		goto out;
	}
	if (kind == VTG_CHECK_QUERY) {
		memcpy(l.qtypes, cl.qtypes, sizeof(l.qtypes));
		l.n_qtypes = cl.n_qtypes;
		if (!l.n_qtypes)
			l.qtypes[l.n_qtypes++] = VTG_TYPE_A; /* as dig and zdns */
	}
	l.grace_ms = cl.grace_ms;
	struct vtg_input in;
	if (cl.sans)
		vtg__input_init(&in, cl.sans, 0, cl.n_sans);
	else
		vtg__input_init(&in, argv, optind, argc);
	rc = vtg__json_init(&l.out, out_fd) == 0 ? vtg__lines_run(&l, &in) : VTG_EXIT_FAIL;
	vtg__input_deinit(&in);
out:
	vtg__run_free(l.run);
	vtg__json_deinit(&l.out);
	vtg__free(l.vbuf);
	if (out_fd > STDOUT_FILENO)
		close(out_fd);
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
