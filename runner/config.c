/*
 * config.c — read the perspectives file: INI-style sections
 *   [engine]            the run settings (timeout-ms, retries, mode, ...)
 *   [perspective ID]    rir, location, coordinates, netns, source,
 *                       interface, resolver (repeatable), mode, sockets
 * Which keys exist, their types, ranges and defaults are the schema of
 * runner/options.c; this file only reads lines and sections and checks what
 * spans keys (a stub perspective needs a resolver, ...). '#' and ';' start
 * comments. The first perspective is the primary. Every error names the
 * file and line, and the key when the line has one: "FILE:LINE: key: why".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/config.h"
#include "runner/options.h"

#define LINE_MAX_CHARS 1022 /* a line with its newline and NUL fills line[1024] */

void vtg__config_init(struct vtg_config *c)
{
	memset(c, 0, sizeof(*c));
	vtg__engine_cfg_default(&c->engine);
	c->iter.cache_mb = VTG_OPT_CACHE_MB_DEFAULT;
	c->run.mode = VTG_MODE_DEFAULT;
	c->run.min_remotes = -1;
	c->run.early_decision = true;
	c->run.http_connect_timeout_ms = VTG_OPT_HTTP_CONNECT_MS_DEFAULT;
	c->run.http_timeout_ms = VTG_OPT_HTTP_TIMEOUT_MS_DEFAULT;
	c->run.remote_timeout_ms = VTG_OPT_REMOTE_TIMEOUT_MS_DEFAULT;
}

/* A remote perspective's settings (BR 3.2.2.9: "all communications
 * between a remote Network Perspective and the CA MUST take place over an
 * authenticated and encrypted channel"): https only, the agent verified
 * (the system's CAs or `ca`), the coordinator authenticated by a client
 * certificate or an API key. The primary is the CA's own: never remote. */
static int remote_ok(const struct vtg_config *c, unsigned i, const char *path, char *err,
		     size_t errcap)
{
	const struct vtg_persp_cfg *p = &c->persp[i];
	const char *why = NULL;
	if (i == 0)
		why = "the primary perspective cannot be remote (it is the CA's own network "
		      "perspective, BR 3.2.2.9; list the agents after it)";
	else if (p->n_upstreams || p->iterative)
		why = "a remote perspective has no resolver (its agent resolves)";
	else if (!p->url[0])
		why = "mode = remote needs url = https://HOST:PORT";
	else if (strncmp(p->url, "https://", 8) != 0)
		why = "url must be https:// (BR 3.2.2.9: an encrypted channel)";
	else if (strchr(p->url + 8, '/') || strchr(p->url + 8, '?') || strchr(p->url + 8, '#'))
		why = "url is https://HOST[:PORT] without a path (the endpoints /caa and /dcv "
		      "are added)";
	else if (!p->api_key_file[0] && !(p->client_cert[0] && p->client_key[0]))
		why = "a remote perspective authenticates: client-cert and client-key, or "
		      "api-key-file";
	else if (!!p->client_cert[0] != !!p->client_key[0])
		why = "client-cert and client-key go together";
	if (!why)
		return 0;
	snprintf(err, errcap, "%s: perspective '%s': %s", path, p->id, why);
	return VTG_ECONFIG;
}

static char *strip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int vtg__config_add_resolver(struct vtg_config *c, const char *addr, char *err,
			     size_t errcap)
{
	bool made = false;
	if (c->n_persp == 0) {
		c->n_persp = 1;
		memset(&c->persp[0], 0, sizeof(c->persp[0]));
		snprintf(c->persp[0].id, sizeof(c->persp[0].id), "local");
		made = true;
	}
	int rc = vtg__opt_set(c, (int)c->n_persp - 1, "resolver", addr, err, errcap);
	if (rc != 0 && made)
		c->n_persp = 0;
	return rc;
}

int vtg__config_add_iterative(struct vtg_config *c, char *err, size_t errcap)
{
	if (c->n_persp != 0) {
		snprintf(err, errcap, "an iterative run without a perspectives file has one "
			 "perspective, and %u are already given", c->n_persp);
		return -EEXIST;
	}
	c->n_persp = 1;
	memset(&c->persp[0], 0, sizeof(c->persp[0]));
	snprintf(c->persp[0].id, sizeof(c->persp[0].id), "local");
	c->persp[0].iterative = true;
	return 0;
}

int vtg__config_load(struct vtg_config *c, const char *path, char *err, size_t errcap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, errcap, "%s: %s", path, strerror(e));
		return -e;
	}
	int rc = vtg__config_load_fp(c, f, path, err, errcap);
	fclose(f);
	return rc;
}

int vtg__config_load_fp(struct vtg_config *c, FILE *f, const char *path, char *err,
			size_t errcap)
{
	char line[LINE_MAX_CHARS + 2];
	unsigned lineno = 0;
	enum { NONE, ENGINE, PERSP } sec = NONE;
	int rc = 0;
	char why[200];
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		size_t ll = strlen(line);
		if (ll == sizeof(line) - 1 && line[ll - 1] != '\n') {
			snprintf(why, sizeof(why), "line longer than %d characters", LINE_MAX_CHARS);
			goto bad;
		}
		char *s = line;
		char *hash = strpbrk(s, "#;");
		if (hash)
			*hash = 0;
		s = strip(s);
		if (!*s)
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e || e[1]) {
				snprintf(why, sizeof(why), "bad section header");
				goto bad;
			}
			*e = 0;
			char *name = strip(s + 1);
			if (!strcmp(name, "engine")) {
				sec = ENGINE;
				continue;
			}
			if (!strncmp(name, "perspective", 11) && isspace((unsigned char)name[11])) {
				char *id = strip(name + 12);
				if (!*id || strlen(id) >= VTG_PERSP_ID_MAX) {
					snprintf(why, sizeof(why), "perspective id must be 1-%d characters",
						 VTG_PERSP_ID_MAX - 1);
					goto bad;
				}
				for (unsigned i = 0; i < c->n_persp; i++)
					if (!strcmp(c->persp[i].id, id)) {
						snprintf(why, sizeof(why), "perspective '%s' defined twice", id);
						goto bad;
					}
				if (c->n_persp >= VTG_MAX_PERSPECTIVES) {
					snprintf(why, sizeof(why), "at most %d perspectives",
						 VTG_MAX_PERSPECTIVES);
					goto bad;
				}
				snprintf(c->persp_where[c->n_persp], sizeof(c->persp_where[0]),
					 "%s:%u", path, lineno);
				struct vtg_persp_cfg *p = &c->persp[c->n_persp++];
				memset(p, 0, sizeof(*p));
				snprintf(p->id, sizeof(p->id), "%s", id);
				sec = PERSP;
				continue;
			}
			snprintf(why, sizeof(why), "unknown section [%s] ([engine] or "
				 "[perspective NAME])", name);
			goto bad;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(why, sizeof(why), "expected 'key = value'");
			goto bad;
		}
		*eq = 0;
		char *k = strip(s), *v = strip(eq + 1);
		if (sec == NONE) {
			snprintf(why, sizeof(why), "outside any section ([engine] or "
				 "[perspective NAME] first)");
			goto bad_key;
		}
		if (vtg__opt_set(c, sec == ENGINE ? VTG_OPT_ENGINE : (int)c->n_persp - 1, k, v,
				 why, sizeof(why)) != 0)
			goto bad_key;
		continue;
bad_key:
		snprintf(err, errcap, "%s:%u: %s: %s", path, lineno, k, why);
		rc = VTG_ECONFIG;
		break;
bad:
		snprintf(err, errcap, "%s:%u: %s", path, lineno, why);
		rc = VTG_ECONFIG;
		break;
	}
	if (rc == 0 && c->n_persp == 0) {
		snprintf(err, errcap, "%s: no [perspective ...] section", path);
		rc = VTG_ECONFIG;
	}
	for (unsigned i = 0; rc == 0 && i < c->n_persp; i++)
		if (c->persp[i].remote) {
			rc = remote_ok(c, i, path, err, errcap);
		} else if (c->persp[i].url[0] || c->persp[i].client_cert[0] ||
			   c->persp[i].client_key[0] || c->persp[i].api_key_file[0] ||
			   c->persp[i].ca[0]) {
			snprintf(err, errcap, "%s: perspective '%s': url, ca, client-cert, "
				 "client-key and api-key-file belong to mode = remote", path,
				 c->persp[i].id);
			rc = VTG_ECONFIG;
		} else if (c->persp[i].iterative && c->persp[i].n_upstreams > 0) {
			snprintf(err, errcap, "%s: perspective '%s' is iterative and has resolvers "
				 "(an iterative perspective resolves itself)", path, c->persp[i].id);
			rc = VTG_ECONFIG;
		} else if (!c->persp[i].iterative && c->persp[i].n_upstreams == 0) {
			snprintf(err, errcap, "%s: perspective '%s' has no resolver (stub mode "
				 "needs one; or mode = iterative)", path, c->persp[i].id);
			rc = VTG_ECONFIG;
		}
	/* BR 3.2.2.9 / SC-085: from 2026-03-15 the primary must validate */
	if (rc == 0 && c->persp[0].iterative && !strcmp(c->iter.trust_anchor, "none")) {
		snprintf(err, errcap, "%s: the primary perspective '%s' must validate DNSSEC "
			 "(trust-anchor = none is only allowed when the primary is not iterative)",
			 path, c->persp[0].id);
		rc = VTG_ECONFIG;
	}
	return rc;
}
