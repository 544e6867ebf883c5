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
#include "runner/runner.h"

#define VTG_EXIT_OK 0
#define VTG_EXIT_FAIL 1   /* decisions never set this; a run that could not finish does */
#define VTG_EXIT_USAGE 2  /* usage or configuration error (docs/rules.md section 0) */
#define VTG_EXIT_NOANSWER 3 /* lookups were made and none got an answer */

int vtg_cmd_eval(int argc, char **argv);
int vtg_cmd_caa(int argc, char **argv);
int vtg_cmd_query(int argc, char **argv);
int vtg_cmd_dcv(int argc, char **argv);
int vtg_cmd_agent(int argc, char **argv); /* cli/agent.c: exit 0 after SIGTERM */
int vtg_cmd_serve(int argc, char **argv); /* cli/serve.c: exit 0 after SIGTERM */
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
	/* vtg__input_try: stdin read as it comes, never waiting */
	char *buf;
	size_t off, len, bcap;
	bool eof;
};
#define VTG_INPUT_LINE_MAX (1u << 20) /* a longer line is cut there (it is no name) */
void vtg__input_init(struct vtg_input *in, char **argv, int first, int argc);
int vtg__input_next(struct vtg_input *in, const char **s, size_t *n);
/* The same without waiting for stdin: 1 (a line), 0 (end of input),
 * -EAGAIN (no whole line has arrived yet: poll vtg__input_fd), or -errno
 * (read error). The text is valid until the next call. */
int vtg__input_try(struct vtg_input *in, const char **s, size_t *n);
/* The descriptor to wait on for more input, or -1 (arguments, or ended). */
int vtg__input_fd(const struct vtg_input *in);
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

/* The line input / output of a caa / dcv / query run (cli/lines.c). */
#define VTG_LINES_MAX_TYPES 16 /* query -t, repeated: one check per name and type */
struct vtg_lines {
	/* set by the caller */
	struct vtg_run *run;
	enum vtg_check_kind kind;
	bool progress;               /* a progress line on stderr */
	unsigned grace_ms;           /* after SIGINT / SIGTERM */
	uint16_t qtypes[VTG_LINES_MAX_TYPES]; /* query: each name asked for each */
	unsigned n_qtypes;
	struct vtg_json out;         /* the output (its fd) */
	/* the run's position */
	unsigned window;
	uint64_t next_seq, next_emit, skipped, interrupted, total;
	uint64_t started_ns, flushed_ns, last_progress_ns, rate_ns, rate_done;
	uint32_t warned;             /* perspectives warned about (none answered) */
	char *vbuf;                  /* a DCV line's expected value */
	size_t vcap;
};
/* Every input line through the run, lines out in input order as their
 * checks finish; the summary on stderr. Returns the exit status: 0, 1 (the
 * run could not finish: output closed, input or ring error), 3 (no lookup
 * answered), 128 + signal (interrupted: every line read got its line). */
int vtg__lines_run(struct vtg_lines *l, struct vtg_input *in);

#endif
