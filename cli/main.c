/*
 * main.c — the `vantage` command: dispatch to subcommands, and
 * `vantage help-config`, the options schema (runner/options.h) as data:
 * one line per key of the perspectives file, tab-separated
 *   SECTION KEY TYPE ALLOWED DEFAULT
 * (SECTION engine or perspective; TYPE bool, uint, string, path, enum, addr,
 * host or coords, "+multi" when repeatable; ALLOWED and DEFAULT the very
 * words of the messages and of --help). tests/cli/test_man.sh checks
 * vantage.conf(5) against it, so the manual cannot drift from the table.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "runner/options.h"

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
		"  agent     a remote MPIC perspective: open-mpic's /caa and /dcv over HTTPS\n"
		"  serve     an MPIC coordinator: open-mpic's /mpic over HTTPS, per-target\n"
		"            cohorts of remote perspectives, /metrics\n"
		"  lint-root check certificates against the Microsoft Root Program requirements\n"
		"  help-config\n"
		"            list every configuration key, one per line: SECTION KEY\n"
		"            TYPE ALLOWED DEFAULT, tab-separated (vantage.conf(5))\n"
		"  version   print the version\n"
		"\n"
		"Run 'vantage COMMAND --help' for a command's options.\n",
		vtg_version());
}

static const char *type_word(enum vtg_opt_type t)
{
	switch (t) {
	case VTG_OPT_BOOL: return "bool";
	case VTG_OPT_UINT: return "uint";
	case VTG_OPT_STR: return "string";
	case VTG_OPT_PATH: return "path";
	case VTG_OPT_ENUM: return "enum";
	case VTG_OPT_ADDR: return "addr";
	case VTG_OPT_HOST: return "host";
	case VTG_OPT_COORDS: return "coords";
	}
	return "?";
}

/* The schema, one key per line, in table order ([engine] first). */
static int help_config(void)
{
	for (size_t i = 0; i < vtg__opt_count; i++) {
		const struct vtg_opt *o = &vtg__opt_table[i];
		char allowed[160];
		vtg__opt_allowed(o, allowed, sizeof(allowed));
		printf("%s\t%s\t%s%s\t%s\t%s\n",
		       o->section == VTG_OPT_SEC_ENGINE ? "engine" : "perspective", o->name,
		       type_word(o->type), o->flags & VTG_OPT_F_MULTI ? "+multi" : "", allowed,
		       o->def ? o->def : o->unset);
	}
	return fflush(stdout) == 0 ? VTG_EXIT_OK : VTG_EXIT_FAIL;
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
	if (strcmp(cmd, "agent") == 0)
		return vtg_cmd_agent(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return vtg_cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "lint-root") == 0)
		return vtg_cmd_lint_root(argc - 1, argv + 1);
	if (strcmp(cmd, "help-config") == 0) {
		if (argc == 2)
			return help_config();
		fprintf(stderr, "vantage help-config: takes no arguments\n");
		return VTG_EXIT_USAGE;
	}
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
