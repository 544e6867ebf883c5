/*
 * main.c — the `vantage` command: dispatch to subcommands.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"vantage %s — DNS/CAA resolver engine for Certificate Authorities\n"
		"\n"
		"usage: vantage COMMAND [options]\n"
		"\n"
		"commands:\n"
		"  eval      evaluate CAA offline over zone files (RFC 8659 / 8657)\n"
		"  caa       bulk CAA checks through the engine, corroborated across\n"
		"            perspectives (BR 3.2.2.8 / 3.2.2.9)\n"
		"  dcv       bulk DNS domain control validation (dns-01, dns-account-01,\n"
		"            dns-change, cname, persist, contact), corroborated\n"
		"  query     bulk DNS lookups, one JSON line per name\n"
		"  lint-root check certificates against the Microsoft Root Program requirements\n"
		"  version   print the version\n"
		"\n"
		"Run 'vantage COMMAND --help' for a command's options.\n",
		vtg_version());
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return VTG_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "eval") == 0)
		return vtg_cmd_eval(argc - 1, argv + 1);
	if (strcmp(cmd, "caa") == 0)
		return vtg_cmd_caa(argc - 1, argv + 1);
	if (strcmp(cmd, "query") == 0)
		return vtg_cmd_query(argc - 1, argv + 1);
	if (strcmp(cmd, "dcv") == 0)
		return vtg_cmd_dcv(argc - 1, argv + 1);
	if (strcmp(cmd, "lint-root") == 0)
		return vtg_cmd_lint_root(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("vantage %s\n", vtg_version());
		return VTG_EXIT_OK;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return VTG_EXIT_OK;
	}
	fprintf(stderr, "vantage: unknown command '%s'\n", cmd);
	usage(stderr);
	return VTG_EXIT_USAGE;
}
