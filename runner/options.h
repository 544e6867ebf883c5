/*
 * options.h — the one schema of the run settings: every key of the
 * perspectives file ([engine] and [perspective NAME], README.md
 * "Configuration") and every run setting of the command line, as one table
 * (modelled on Knot DNS's src/knot/conf/schema.c: name, type, range, default,
 * help). A command-line option and a configuration key with the same meaning
 * are the same entry, checked by the same code, so `--retries 9` and
 * `retries = 9` are refused with the same words.
 *
 * Messages: vtg__opt_set() writes the reason only ("is 1 to 600000, not
 * '0'"), never the key nor a command-line flag, so each caller frames it in
 * its own way: the configuration parser as "FILE:LINE: key: reason", the
 * command line as "--key: reason". The reason always names the allowed
 * range or words.
 *
 * The table is constant data: any thread may read it; vtg__opt_set()
 * writes only the configuration it is given.
 */
#ifndef VTG_RUNNER_OPTIONS_H
#define VTG_RUNNER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct vtg_config;

/* Which section of the perspectives file a key belongs to. [engine] keys
 * are also the run settings of the command line (--KEY VALUE). */
enum vtg_opt_section {
	VTG_OPT_SEC_ENGINE = 0,
	VTG_OPT_SEC_PERSP,
};

enum vtg_opt_type {
	VTG_OPT_BOOL = 0, /* yes/no/true/false/on/off/1/0, case-insensitive */
	VTG_OPT_UINT,     /* decimal digits only, min..max */
	VTG_OPT_STR,      /* free text, at most max characters */
	VTG_OPT_PATH,     /* a file (or namespace) path, at most max characters */
	VTG_OPT_ENUM,     /* one of words[], case-insensitive */
	VTG_OPT_ADDR,     /* IPv4 or IPv6 address with an optional port:
			   * ADDR, ADDR:PORT, [IPv6]:PORT (port default 53) */
	VTG_OPT_HOST,     /* IPv4 or IPv6 address, no port */
	VTG_OPT_COORDS,   /* LAT,LON in decimal degrees */
};

/* Entry flags. */
#define VTG_OPT_F_MULTI 0x1u /* repeatable: each occurrence adds a value */

/* The [engine] target of vtg__opt_set(); a perspective is its index. */
#define VTG_OPT_ENGINE (-1)

struct vtg_opt {
	const char *name;          /* the key, used verbatim in every message */
	enum vtg_opt_section section;
	enum vtg_opt_type type;
	unsigned min, max;         /* UINT: the range; STR/PATH: max length */
	const char *const *words;  /* ENUM: NULL-terminated word list */
	const char *def;           /* the default as a value; NULL: unset */
	const char *unset;         /* with def NULL: what unset means */
	const char *arg;           /* the value's name in help text: N, FILE... */
	const char *help;          /* one line, no trailing period */
	unsigned flags;            /* VTG_OPT_F_* */
};

/* Limits of values that have no natural bound elsewhere (each with its
 * reason); the others come from engine/engine.h. */
#define VTG_OPT_TIMEOUT_MS_MAX 600000u  /* 10 min: BR 3.2.2.8 lookups are seconds */
#define VTG_OPT_RETRIES_MAX 7u          /* timeout doubles per try: 2^7 x first */
#define VTG_OPT_SLOTS_MAX (1u << 24)    /* the worker caps its slots there (engine/ring.c) */
#define VTG_OPT_INFLIGHT_MAX (1u << 24) /* never more than the slots */
#define VTG_OPT_RATE_QPS_MAX 100000000u /* 1e8/s: beyond any NIC, catches typos */
#define VTG_OPT_WORKERS_MAX 64u         /* a 64-bit wake mask, one bit per worker */
#define VTG_OPT_WINDOW_MAX (1u << 22)   /* checks in flight; runner arrays are this long */
#define VTG_OPT_CACHE_MB_MAX (1u << 20) /* 1 TiB per perspective per worker */
#define VTG_OPT_CACHE_MB_DEFAULT 64u    /* holds the TLD + popular zone cuts */
#define VTG_OPT_UDP_SIZE_MIN 512u       /* RFC 6891 6.2.5: below 512 means 512 */
#define VTG_OPT_UDP_SIZE_MAX 65535u     /* RFC 6891 6.2.3: a 16-bit field */
#define VTG_OPT_SOCKETS_MAX 1024u       /* source ports per perspective per worker */
#define VTG_OPT_HTTP_MS_MAX 600000u     /* 10 min per hop: catches typos */
/* web validation per hop: Boulder's VA gives a whole validation 10 s, and a
 * connection that takes 5 s on a validation path is a dead server */
#define VTG_OPT_HTTP_CONNECT_MS_DEFAULT 5000u
#define VTG_OPT_HTTP_TIMEOUT_MS_DEFAULT 10000u
#define VTG_OPT_REMOTE_TIMEOUT_MS_DEFAULT 30000u /* an agent's answer: its own
				* DNS retries or a web check's redirects (ten
				* hops) fit, a dead agent does not hold a check
				* for long (early decision does not wait) */
#define VTG_OPT_PATH_MAX 255u           /* struct vtg_iter_settings path fields */

/* The whole table, in help order ([engine] entries first). */
extern const struct vtg_opt vtg__opt_table[];
extern const size_t vtg__opt_count;

/* The entry for key in section, or NULL. */
const struct vtg_opt *vtg__opt_find(enum vtg_opt_section section, const char *key);

/*
 * Check value against key's entry and store it in cfg: persp is
 * VTG_OPT_ENGINE for an [engine] key (a command-line run setting), or the
 * index of a perspective already in cfg for a [perspective] key. A BOOL
 * entry takes value NULL as "yes" (a command-line switch given alone);
 * every other type needs a value. Returns 0, or with the reason in err
 * (see the top of this file):
 *   -ENOENT  no such key in that section (or persp names no perspective)
 *   -EINVAL  the value does not parse (word, junk after a number, address)
 *   -ERANGE  a number out of range or a text longer than allowed
 *   -ENOSPC  a repeatable key given more often than it may be
 * On error cfg is unchanged.
 */
int vtg__opt_set(struct vtg_config *cfg, int persp, const char *key, const char *value,
		 char *err, size_t errcap);

/* The allowed values of o as text ("1 to 600000", "enforce, report-only or
 * off", "yes or no"...), as in the messages. Returns what snprintf returns. */
int vtg__opt_allowed(const struct vtg_opt *o, char *buf, size_t cap);

/*
 * Print one line per entry of section: prefix (e.g. "--" for the command
 * line, "" for the file's reference), the name, the arg ("[=BOOL]" for a
 * boolean with a prefix: a command-line switch), the help, the allowed
 * values and the default. For usage texts.
 */
void vtg__opt_print_help(FILE *f, enum vtg_opt_section section, const char *prefix);

/* The value parsers, exported for their tests and for callers that read
 * these types outside the table. 0 or -EINVAL / -ERANGE. */
int vtg__opt_parse_bool(const char *v, bool *out);
int vtg__opt_parse_uint(const char *v, unsigned min, unsigned max, unsigned *out);

#endif
