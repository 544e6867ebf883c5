/*
 * eval.c — `vantage eval`: the offline evaluator. Loads zone files into the
 * zone database (the loaded zones are the whole DNS, docs/rules.md section 0) and
 * runs the same CAA climb and decision the engine runs, one JSON line per
 * input name, in input order. A domain owner uses it to check a zone before
 * publishing it; the test suite uses it to run RFC 8659 cases end to end.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "resolver/zonedb.h"

static void eval_usage(FILE *f)
{
	fprintf(f,
		"usage: vantage eval --zone FILE [--zone FILE ...] --ca DOMAIN[,DOMAIN...]\n"
		"                    [--account-uri URI] [--method METHOD]\n"
		"                    [--compat LIST] [--recognised-tags LIST] [NAME ...]\n"
		"\n"
		"Evaluates CAA (RFC 8659, RFC 8657) for each NAME (or each line of stdin)\n"
		"against the loaded zone files and prints one JSON object per name.\n"
		"  --zone FILE            zone file in presentation format (repeatable)\n"
		"  --ca LIST              the CA's issuer domain names, comma separated\n"
		"  --account-uri URI      RFC 8657 accounturi of the requesting account\n"
		"  --method METHOD        RFC 8657 validation method (e.g. dns-01)\n"
		"  --compat LIST          flag1-critical, issuer-exact-case,\n"
		"                         tld-nxdomain-error, or boulder (all three)\n"
		"  --recognised-tags LIST property tags treated as known (default: issue,\n"
		"                         issuewild, iodef, issuemail, issuevmc,\n"
		"                         contactemail, contactphone)\n");
}

int vtg_cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{"zone", required_argument, NULL, 'z'},
		{"ca", required_argument, NULL, 'c'},
		{"account-uri", required_argument, NULL, 'a'},
		{"method", required_argument, NULL, 'm'},
		{"compat", required_argument, NULL, 'C'},
		{"recognised-tags", required_argument, NULL, 'R'},
		{"recognized-tags", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vtg_zonedb *db = NULL;
	struct vtg_caa_policy pol;
	memset(&pol, 0, sizeof(pol));
	pol.id.recognised = VTG_CAA_RECOGNISED_DEFAULT;
	char **issuers = NULL;
	int n_issuers = 0;
	int n_zones = 0;
	int rc = VTG_EXIT_USAGE;

	if (vtg__zonedb_new(&db) != 0) {
		fprintf(stderr, "vantage eval: out of memory\n");
		return VTG_EXIT_FAIL;
	}
	optind = 1;
	int o;
	while ((o = getopt_long(argc, argv, "z:c:a:m:h", opts, NULL)) != -1) {
		char err[512];
		switch (o) {
		case 'z':
			err[0] = 0;
			if (vtg__zonedb_load(db, optarg, NULL, err, sizeof(err)) != 0) {
				fprintf(stderr, "vantage eval: %s\n", err[0] ? err : optarg);
				goto out;
			}
			n_zones++;
			break;
		case 'c':
			if (issuers) {
				fprintf(stderr, "vantage eval: --ca given twice\n");
				goto out;
			}
			n_issuers = vtg__split_issuers(optarg, &issuers);
			if (n_issuers < 0)
				goto out;
			break;
		case 'a':
			pol.id.account_uri = optarg;
			break;
		case 'm':
			pol.id.method = optarg;
			break;
		case 'C':
			if (vtg__parse_compat(optarg, &pol.id.compat) != 0)
				goto out;
			break;
		case 'R':
			if (vtg__parse_recognised(optarg, &pol.id.recognised) != 0)
				goto out;
			break;
		case 'h':
			eval_usage(stdout);
			rc = VTG_EXIT_OK;
			goto out;
		default:
			eval_usage(stderr);
			goto out;
		}
	}
	if (n_zones == 0 || !issuers) {
		fprintf(stderr, "vantage eval: --zone and --ca are required\n");
		eval_usage(stderr);
		goto out;
	}
	pol.id.issuers = (const char *const *)issuers;
	pol.id.n_issuers = (size_t)n_issuers;

	struct vtg_json j;
	if (vtg__json_init(&j, STDOUT_FILENO) != 0) {
		rc = VTG_EXIT_FAIL;
		goto out;
	}
	struct vtg_input in;
	vtg__input_init(&in, argv, optind, argc);
	struct vtg_input_name nm;
	struct vtg_caa_climb *climb = vtg__malloc(sizeof(*climb));
	struct vtg_lookup_answer ans;
	unsigned long total = 0, permits = 0, invalid = 0;
	const char *s;
	size_t n;
	if (!climb) {
		rc = VTG_EXIT_FAIL;
		goto out_json;
	}
	while (vtg__input_next(&in, &s, &n)) {
		time_t now = time(NULL);
		int nrc = vtg__input_name_parse(&nm, s, n);
		total++;
		if (nrc != 0) {
			invalid++;
			vtg__emit_caa(&j, s, n, nrc, &nm, NULL, now);
			continue;
		}
		vtg__caa_climb_init(climb, &pol, nm.wire, nm.wildcard);
		vtg__caa_climb_run(climb, vtg__zonedb_lookup, db, &ans);
		if (vtg_caa_reason_permits(climb->reason))
			permits++;
		vtg__emit_caa(&j, s, n, 0, &nm, climb, now);
	}
	vtg__free(climb);
	rc = vtg__json_flush(&j) == 0 ? VTG_EXIT_OK : VTG_EXIT_FAIL;
	fprintf(stderr, "vantage eval: %lu names: %lu permit, %lu deny (%lu invalid); "
		"%zu zones, %zu records\n", total, permits, total - permits, invalid,
		vtg__zonedb_zones(db), vtg__zonedb_records(db));
out_json:
	vtg__input_deinit(&in);
	vtg__json_deinit(&j);
out:
	if (issuers) {
		for (int i = 0; i < n_issuers; i++)
			vtg__free(issuers[i]);
		vtg__free(issuers);
	}
	vtg__zonedb_free(db);
	return rc;
}
