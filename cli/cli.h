/*
 * cli.h — shared pieces of the `vantage` command: subcommand entry points,
 * input line reading, and the JSON rendering of a CAA result.
 */
#ifndef VTG_CLI_CLI_H
#define VTG_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "runner/evidence.h"

#define VTG_EXIT_OK 0
#define VTG_EXIT_FAIL 1   /* decisions never set this; a run that could not finish does */
#define VTG_EXIT_USAGE 2  /* usage or configuration error (docs/rules.md section 0) */

int vtg_cmd_eval(int argc, char **argv);
int vtg_cmd_caa(int argc, char **argv);
int vtg_cmd_query(int argc, char **argv);
int vtg_cmd_dcv(int argc, char **argv);
int vtg_cmd_lint_root(int argc, char **argv); /* exit 1: a check failed */

/* Iterate input names: argv[first..argc) when given, else stdin lines.
 * Each call yields one input (trailing CR/LF and surrounding blanks removed).
 * Returns 1 with the text and its length set, 0 at the end. */
struct vtg_input {
	char **argv;
	int i, argc;
	FILE *in;
	char *line;
	size_t cap;
};
void vtg__input_init(struct vtg_input *in, char **argv, int first, int argc);
int vtg__input_next(struct vtg_input *in, const char **s, size_t *n);
void vtg__input_deinit(struct vtg_input *in);

/* Parse "a,b,c" into a NULL-terminated array of lowercase strings (issuer
 * domain names). Returns the count, or -EINVAL with a message on stderr. */
int vtg__split_issuers(const char *arg, char ***out);

/* Parse --compat / --recognised-tags lists. 0, or -EINVAL with a message on stderr. */
int vtg__parse_compat(const char *arg, unsigned *compat);
int vtg__parse_recognised(const char *arg, unsigned *mask);

/* The SAN dNSNames of a CSR (csr) or a certificate, PEM or DER, appended
 * to *names (vtg__malloc'd strings, *n counts them). The count added, or
 * -errno / -EINVAL / -ENOMEM with the reason on stderr. */
int vtg__read_sans(const char *path, bool csr, char ***names, int *n);

#endif
