/*
 * config.c — read the perspectives file: INI-style sections
 *   [engine]            timeout-ms, retries, slots, rate-qps,
 *                       upstream-inflight, workers, udp-size, dnssec-ok,
 *                       root-hints, trust-anchor, cache-mb, qname-0x20
 *   [perspective ID]    rir, location, coordinates, netns, source,
 *                       interface, resolver (repeatable), mode, sockets
 * '#' and ';' start comments. The first perspective is the primary.
 * Every error names the file and line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/config.h"

static const char *const RIRS[] = {"ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC"};

void vtg__config_init(struct vtg_config *c)
{
	memset(c, 0, sizeof(*c));
	vtg__engine_cfg_default(&c->engine);
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

static int num(const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(v, &end, 10);
	if (errno || *end || end == v || x > max)
		return -1;
	*out = x;
	return 0;
}

int vtg__config_add_resolver(struct vtg_config *c, const char *addr, char *err,
			     size_t errcap)
{
	if (c->n_persp == 0) {
		c->n_persp = 1;
		memset(&c->persp[0], 0, sizeof(c->persp[0]));
		snprintf(c->persp[0].id, sizeof(c->persp[0].id), "local");
	}
	struct vtg_persp_cfg *p = &c->persp[c->n_persp - 1];
	if (p->n_upstreams >= VTG_MAX_UPSTREAMS) {
		snprintf(err, errcap, "at most %d resolvers per perspective", VTG_MAX_UPSTREAMS);
		return -1;
	}
	if (vtg__parse_addr(addr, &p->upstream[p->n_upstreams]) != 0) {
		snprintf(err, errcap, "bad resolver address '%s' (ADDR or ADDR:PORT)", addr);
		return -1;
	}
	p->n_upstreams++;
	return 0;
}

int vtg__config_add_iterative(struct vtg_config *c, char *err, size_t errcap)
{
	if (c->n_persp != 0) {
		snprintf(err, errcap, "--iterative makes the one perspective of a run without "
			 "--config or --resolver");
		return -1;
	}
	c->n_persp = 1;
	memset(&c->persp[0], 0, sizeof(c->persp[0]));
	snprintf(c->persp[0].id, sizeof(c->persp[0].id), "local");
	c->persp[0].iterative = true;
	return 0;
}

static int persp_key(struct vtg_persp_cfg *p, const char *k, const char *v,
		     char *why, size_t cap)
{
	unsigned long x;
	if (!strcmp(k, "rir")) {
		for (size_t i = 0; i < sizeof(RIRS) / sizeof(RIRS[0]); i++)
			if (!strcasecmp(v, RIRS[i])) {
				snprintf(p->rir, sizeof(p->rir), "%s", RIRS[i]);
				return 0;
			}
		snprintf(why, cap, "rir must be one of ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC");
		return -1;
	}
	if (!strcmp(k, "location")) {
		snprintf(p->location, sizeof(p->location), "%s", v);
		return 0;
	}
	if (!strcmp(k, "coordinates")) {
		double lat, lon;
		char extra;
		if (sscanf(v, "%lf , %lf %c", &lat, &lon, &extra) != 2 || lat < -90 ||
		    lat > 90 || lon < -180 || lon > 180) {
			snprintf(why, cap, "coordinates are 'LAT,LON' in degrees");
			return -1;
		}
		p->lat = lat;
		p->lon = lon;
		p->has_location = true;
		return 0;
	}
	if (!strcmp(k, "netns")) {
		if (strchr(v, '/'))
			snprintf(p->netns, sizeof(p->netns), "%s", v);
		else
			snprintf(p->netns, sizeof(p->netns), "/run/netns/%s", v);
		return 0;
	}
	if (!strcmp(k, "source")) {
		snprintf(p->source, sizeof(p->source), "%s", v);
		return 0;
	}
	if (!strcmp(k, "interface")) {
		if (strlen(v) >= sizeof(p->iface)) {
			snprintf(why, cap, "interface name too long");
			return -1;
		}
		snprintf(p->iface, sizeof(p->iface), "%s", v);
		return 0;
	}
	if (!strcmp(k, "resolver")) {
		if (p->n_upstreams >= VTG_MAX_UPSTREAMS) {
			snprintf(why, cap, "at most %d resolvers", VTG_MAX_UPSTREAMS);
			return -1;
		}
		if (vtg__parse_addr(v, &p->upstream[p->n_upstreams]) != 0) {
			snprintf(why, cap, "bad resolver address '%s'", v);
			return -1;
		}
		p->n_upstreams++;
		return 0;
	}
	if (!strcmp(k, "mode")) {
		if (!strcmp(v, "stub")) {
			p->iterative = false;
			return 0;
		}
		if (!strcmp(v, "iterative")) {
			p->iterative = true;
			return 0;
		}
		snprintf(why, cap, "mode is stub or iterative");
		return -1;
	}
	if (!strcmp(k, "sockets")) {
		if (num(v, 1024, &x) || x == 0) {
			snprintf(why, cap, "sockets is 1 to 1024");
			return -1;
		}
		p->sockets = (unsigned)x;
		return 0;
	}
	snprintf(why, cap, "unknown perspective key '%s'", k);
	return -1;
}

static bool yes(const char *v)
{
	return !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on");
}

/* 1: not an iteration key; 0: taken; -1: bad value */
static int iter_key(struct vtg_iter_settings *it, const char *k, const char *v, char *why,
		    size_t cap)
{
	unsigned long x;
	if (!strcmp(k, "root-hints") || !strcmp(k, "trust-anchor")) {
		char *dst = !strcmp(k, "root-hints") ? it->root_hints : it->trust_anchor;
		if (strlen(v) >= sizeof(it->root_hints)) {
			snprintf(why, cap, "%s: path too long", k);
			return -1;
		}
		strcpy(dst, v);
		return 0;
	}
	if (!strcmp(k, "cache-mb")) {
		if (num(v, 1u << 20, &x) || x == 0) {
			snprintf(why, cap, "cache-mb is 1 to 1048576");
			return -1;
		}
		it->cache_mb = (unsigned)x;
		return 0;
	}
	if (!strcmp(k, "qname-0x20")) {
		it->case_random = yes(v);
		return 0;
	}
	return 1;
}

static int engine_key(struct vtg_engine_cfg *e, const char *k, const char *v,
		      char *why, size_t cap)
{
	unsigned long x;
	struct { const char *name; unsigned *field; unsigned long max; } u[] = {
		{"timeout-ms", &e->timeout_ms, 600000},
		{"retries", &e->retries, 7},
		{"slots", &e->slots, 1u << 24},
		{"rate-qps", &e->rate_qps, 100000000},
		{"upstream-inflight", &e->upstream_inflight, 1u << 24},
		{"workers", &e->workers, 64},
	};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (!strcmp(k, u[i].name)) {
			if (num(v, u[i].max, &x)) {
				snprintf(why, cap, "%s must be a number up to %lu", k, u[i].max);
				return -1;
			}
			*u[i].field = (unsigned)x;
			return 0;
		}
	if (!strcmp(k, "udp-size")) {
		if (num(v, 65535, &x) || x < 512) {
			snprintf(why, cap, "udp-size is 512 to 65535");
			return -1;
		}
		e->udp_size = (uint16_t)x;
		return 0;
	}
	if (!strcmp(k, "dnssec-ok")) {
		e->do_bit = !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1");
		return 0;
	}
	snprintf(why, cap, "unknown engine key '%s'", k);
	return -1;
}

int vtg__config_load(struct vtg_config *c, const char *path, char *err, size_t errcap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = vtg__config_load_fp(c, f, path, err, errcap);
	fclose(f);
	return rc;
}

int vtg__config_load_fp(struct vtg_config *c, FILE *f, const char *path, char *err,
			size_t errcap)
{
	char line[1024];
	unsigned lineno = 0;
	enum { NONE, ENGINE, PERSP } sec = NONE;
	int rc = 0;
	char why[200];
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		size_t ll = strlen(line);
		if (ll == sizeof(line) - 1 && line[ll - 1] != '\n') {
			snprintf(why, sizeof(why), "line longer than %zu characters", sizeof(line) - 2);
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
				struct vtg_persp_cfg *p = &c->persp[c->n_persp++];
				memset(p, 0, sizeof(*p));
				snprintf(p->id, sizeof(p->id), "%s", id);
				sec = PERSP;
				continue;
			}
			snprintf(why, sizeof(why), "unknown section [%s]", name);
			goto bad;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(why, sizeof(why), "expected 'key = value'");
			goto bad;
		}
		*eq = 0;
		char *k = strip(s), *v = strip(eq + 1);
		if (sec == ENGINE) {
			int ik = iter_key(&c->iter, k, v, why, sizeof(why));
			if (ik < 0 || (ik > 0 && engine_key(&c->engine, k, v, why, sizeof(why))))
				goto bad;
		} else if (sec == PERSP) {
			if (persp_key(&c->persp[c->n_persp - 1], k, v, why, sizeof(why)))
				goto bad;
		} else {
			snprintf(why, sizeof(why), "'%s' outside any section", k);
			goto bad;
		}
		continue;
bad:
		snprintf(err, errcap, "%s:%u: %s", path, lineno, why);
		rc = -1;
		break;
	}
	if (rc == 0 && c->n_persp == 0) {
		snprintf(err, errcap, "%s: no [perspective ...] section", path);
		rc = -1;
	}
	for (unsigned i = 0; rc == 0 && i < c->n_persp; i++)
		if (c->persp[i].iterative && c->persp[i].n_upstreams > 0) {
			snprintf(err, errcap, "%s: perspective '%s' is iterative and has resolvers "
				 "(an iterative perspective resolves itself)", path, c->persp[i].id);
			rc = -1;
		} else if (!c->persp[i].iterative && c->persp[i].n_upstreams == 0) {
			snprintf(err, errcap, "%s: perspective '%s' has no resolver (stub mode "
				 "needs one; or mode = iterative)", path, c->persp[i].id);
			rc = -1;
		}
	/* BR 3.2.2.9 / SC-085: from 2026-03-15 the primary must validate */
	if (rc == 0 && c->persp[0].iterative && !strcmp(c->iter.trust_anchor, "none")) {
		snprintf(err, errcap, "%s: the primary perspective '%s' must validate DNSSEC "
			 "(trust-anchor = none is only allowed when the primary is not iterative)",
			 path, c->persp[0].id);
		rc = -1;
	}
	return rc;
}
