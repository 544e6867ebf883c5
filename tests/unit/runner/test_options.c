/*
 * test_options.c — the schema of the run settings (runner/options.h) and
 * the perspectives file read through it: every boolean word, both ends of
 * every range and one past, junk after numbers, unknown keys and sections,
 * messages that name FILE:LINE and the key and never a command-line flag,
 * defaults equal to vtg__config_init(), help for every entry, and the
 * configurations the repository ships still loading.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/config.h"
#include "runner/options.h"
#include "vantage.h"

#define STUB_PERSP "[perspective p0]\nresolver = 192.0.2.1\n"

/* Load text as file "t.conf"; the return code, err filled. */
static int load(struct vtg_config *c, const char *text, char *err, size_t cap)
{
	vtg__config_init(c);
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	cr_assert_not_null(f);
	err[0] = 0;
	int rc = vtg__config_load_fp(c, f, "t.conf", err, cap);
	fclose(f);
	return rc;
}

/* A fresh configuration with one empty perspective for [perspective] keys. */
static void with_persp(struct vtg_config *c)
{
	vtg__config_init(c);
	c->n_persp = 1;
	snprintf(c->persp[0].id, sizeof(c->persp[0].id), "p0");
}

static int target(const struct vtg_opt *o)
{
	return o->section == VTG_OPT_SEC_ENGINE ? VTG_OPT_ENGINE : 0;
}

static int set(struct vtg_config *c, const struct vtg_opt *o, const char *v, char *err,
	       size_t cap)
{
	err[0] = 0;
	return vtg__opt_set(c, target(o), o->name, v, err, cap);
}

/* A [engine] or [perspective] file with one line "name = value" on line 2. */
static void one_line(char *buf, size_t cap, const struct vtg_opt *o, const char *v)
{
	if (o->section == VTG_OPT_SEC_ENGINE)
		snprintf(buf, cap, "[engine]\n%s = %s\n" STUB_PERSP, o->name, v);
	else
		snprintf(buf, cap, "[perspective p0]\n%s = %s\nresolver = 192.0.2.1\n", o->name, v);
}

static void assert_line_error(const char *err, const struct vtg_opt *o)
{
	char want[128];
	snprintf(want, sizeof(want), "t.conf:2: %s: ", o->name);
	cr_assert(!strncmp(err, want, strlen(want)), "'%s' does not start with '%s'", err, want);
	cr_assert_null(strstr(err, "--"), "a flag in '%s'", err);
}

Test(options, help_and_shape_of_every_entry)
{
	cr_assert_gt(vtg__opt_count, 20);
	for (size_t i = 0; i < vtg__opt_count; i++) {
		const struct vtg_opt *o = &vtg__opt_table[i];
		cr_assert(o->name && *o->name, "entry %zu has no name", i);
		cr_assert(o->help && strlen(o->help) > 8, "%s: no help", o->name);
		cr_assert_null(strchr(o->help, '\n'), "%s: help is one line", o->name);
		cr_assert(o->arg && *o->arg, "%s: no argument name", o->name);
		cr_assert(o->def || (o->unset && *o->unset), "%s: neither default nor unset",
			  o->name);
		cr_assert_eq(vtg__opt_find(o->section, o->name), o, "%s: found twice", o->name);
		if (o->type == VTG_OPT_UINT)
			cr_assert_leq(o->min, o->max, "%s", o->name);
		if (o->type == VTG_OPT_ENUM)
			cr_assert(o->words && o->words[0] && o->words[1], "%s: words", o->name);
		if (o->type == VTG_OPT_STR || o->type == VTG_OPT_PATH)
			cr_assert_gt(o->max, 0, "%s", o->name);
		char allowed[200];
		cr_assert_gt(vtg__opt_allowed(o, allowed, sizeof(allowed)), 0);
		cr_assert_null(strstr(allowed, "--"), "%s", o->name);
	}
}

Test(options, every_key_of_the_file_and_command_line_is_in_the_table)
{
	static const char *const engine[] = {
		"timeout-ms", "retries", "slots", "rate-qps", "upstream-inflight", "workers",
		"udp-size", "dnssec-ok", "root-hints", "trust-anchor", "cache-mb", "qname-0x20",
		"mode", "min-remotes", "quorum", "window", "lookup-failure-exception"};
	static const char *const persp[] = {"rir", "location", "coordinates", "netns",
					    "source", "interface", "resolver", "mode", "sockets"};
	for (size_t i = 0; i < sizeof(engine) / sizeof(engine[0]); i++)
		cr_assert_not_null(vtg__opt_find(VTG_OPT_SEC_ENGINE, engine[i]), "%s", engine[i]);
	for (size_t i = 0; i < sizeof(persp) / sizeof(persp[0]); i++)
		cr_assert_not_null(vtg__opt_find(VTG_OPT_SEC_PERSP, persp[i]), "%s", persp[i]);
	cr_assert_null(vtg__opt_find(VTG_OPT_SEC_ENGINE, "rir"));
	cr_assert_null(vtg__opt_find(VTG_OPT_SEC_ENGINE, "timeout"));
}

Test(options, print_help_one_line_per_entry)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	vtg__opt_print_help(f, VTG_OPT_SEC_ENGINE, "--");
	fclose(f);
	size_t lines = 0, want = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	for (size_t i = 0; i < vtg__opt_count; i++)
		want += vtg__opt_table[i].section == VTG_OPT_SEC_ENGINE;
	cr_assert_eq(lines, want);
	cr_assert_not_null(strstr(buf, "--timeout-ms MS"));
	cr_assert_not_null(strstr(buf, "1 to 600000; default 800"));
	free(buf);
}

/* Every default, set on a fresh configuration, changes nothing: the table
 * and vtg__config_init() / vtg__engine_cfg_default() agree. */
Test(options, defaults_equal_the_initial_configuration)
{
	for (size_t i = 0; i < vtg__opt_count; i++) {
		const struct vtg_opt *o = &vtg__opt_table[i];
		if (!o->def)
			continue;
		struct vtg_config fresh, c;
		char err[256];
		with_persp(&fresh);
		with_persp(&c);
		cr_assert_eq(set(&c, o, o->def, err, sizeof(err)), 0, "%s: %s", o->name, err);
		cr_assert(!memcmp(&fresh, &c, sizeof(c)), "%s = %s is not the initial value",
			  o->name, o->def);
	}
}

Test(options, unset_values_are_distinguishable)
{
	struct vtg_config c;
	vtg__config_init(&c);
	cr_assert_eq(c.run.mode, VTG_MODE_DEFAULT);
	cr_assert_lt(c.run.min_remotes, 0);
	cr_assert_eq(c.run.window, 0);
	cr_assert_eq(c.iter.root_hints[0], 0);
	cr_assert_eq(c.iter.trust_anchor[0], 0);
	char err[256];
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "min-remotes", "0", err, sizeof(err)), 0);
	cr_assert_eq(c.run.min_remotes, 0);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "mode", "report-only", err, sizeof(err)), 0);
	cr_assert_eq(c.run.mode, VTG_MODE_REPORT_ONLY);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "mode", "OFF", err, sizeof(err)), 0);
	cr_assert_eq(c.run.mode, VTG_MODE_OFF);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "mode", "enforce", err, sizeof(err)), 0);
	cr_assert_eq(c.run.mode, VTG_MODE_ENFORCE);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "window", "4096", err, sizeof(err)), 0);
	cr_assert_eq(c.run.window, 4096);
	cr_assert_eq(c.run.quorum, 0); /* unset: the BR 3.2.2.9 table */
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "quorum", "4", err, sizeof(err)), 0);
	cr_assert_eq(c.run.quorum, 4);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "quorum", "0", err, sizeof(err)), -ERANGE);
	cr_assert_eq(c.run.quorum, 4);
}

Test(options, every_boolean_word_accepted_in_any_case)
{
	static const struct { const char *w; bool v; } words[] = {
		{"yes", true}, {"YES", true}, {"Yes", true}, {"true", true}, {"TRUE", true},
		{"on", true}, {"On", true}, {"1", true},
		{"no", false}, {"NO", false}, {"false", false}, {"False", false},
		{"off", false}, {"OFF", false}, {"0", false},
	};
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		bool b = !words[w].v;
		cr_assert_eq(vtg__opt_parse_bool(words[w].w, &b), 0, "%s", words[w].w);
		cr_assert_eq(b, words[w].v, "%s", words[w].w);
		for (size_t i = 0; i < vtg__opt_count; i++) {
			const struct vtg_opt *o = &vtg__opt_table[i];
			if (o->type != VTG_OPT_BOOL)
				continue;
			struct vtg_config c;
			char text[256], err[256];
			one_line(text, sizeof(text), o, words[w].w);
			cr_assert_eq(load(&c, text, err, sizeof(err)), 0, "%s = %s: %s", o->name,
				     words[w].w, err);
		}
	}
}

/* The bug that started it: dnssec-ok = on cleared the DO bit. */
Test(options, dnssec_ok_on_sets_the_do_bit)
{
	struct vtg_config c;
	char err[256];
	cr_assert_eq(load(&c, "[engine]\ndnssec-ok = no\n" STUB_PERSP, err, sizeof(err)), 0);
	cr_assert(!c.engine.do_bit);
	cr_assert_eq(load(&c, "[engine]\ndnssec-ok = off\ndnssec-ok = on\n" STUB_PERSP, err,
			  sizeof(err)), 0, "%s", err);
	cr_assert(c.engine.do_bit);
	cr_assert_eq(load(&c, "[engine]\nqname-0x20 = ON\nlookup-failure-exception = true\n"
			  STUB_PERSP, err, sizeof(err)), 0, "%s", err);
	cr_assert(c.iter.case_random);
	cr_assert(c.run.lookup_failure_exception);
}

Test(options, other_words_refused_as_booleans_with_file_and_line)
{
	static const char *const bad[] = {"maybe", "y", "n", "yess", "2", "-1", "enable",
					  "on off", "", "0x1", "--yes"};
	for (size_t i = 0; i < vtg__opt_count; i++) {
		const struct vtg_opt *o = &vtg__opt_table[i];
		if (o->type != VTG_OPT_BOOL)
			continue;
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			struct vtg_config c;
			char text[256], err[256];
			one_line(text, sizeof(text), o, bad[b]);
			cr_assert_eq(load(&c, text, err, sizeof(err)), VTG_ECONFIG, "%s = '%s'",
				     o->name, bad[b]);
			assert_line_error(err, o);
			cr_assert_not_null(strstr(err, "yes or no"), "%s", err);
			with_persp(&c);
			cr_assert_eq(set(&c, o, bad[b], err, sizeof(err)), -EINVAL);
		}
	}
}

/* A switch given alone on the command line is "yes"; other types need a value. */
Test(options, null_value_is_yes_for_booleans_only)
{
	struct vtg_config c;
	char err[256];
	vtg__config_init(&c);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "qname-0x20", NULL, err, sizeof(err)), 0);
	cr_assert(c.iter.case_random);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "retries", NULL, err, sizeof(err)),
		     -EINVAL);
	cr_assert_not_null(strstr(err, "needs a value"));
}

Test(options, every_range_at_both_ends_and_one_past)
{
	for (size_t i = 0; i < vtg__opt_count; i++) {
		const struct vtg_opt *o = &vtg__opt_table[i];
		if (o->type != VTG_OPT_UINT)
			continue;
		struct vtg_config c;
		char v[32], text[256], err[256], allowed[64];
		snprintf(allowed, sizeof(allowed), "%u to %u", o->min, o->max);
		unsigned ends[] = {o->min, o->max};
		for (size_t e = 0; e < 2; e++) {
			snprintf(v, sizeof(v), "%u", ends[e]);
			with_persp(&c);
			cr_assert_eq(set(&c, o, v, err, sizeof(err)), 0, "%s = %s: %s", o->name, v,
				     err);
			one_line(text, sizeof(text), o, v);
			cr_assert_eq(load(&c, text, err, sizeof(err)), 0, "%s = %s: %s", o->name,
				     v, err);
		}
		snprintf(v, sizeof(v), "%llu", (unsigned long long)o->max + 1);
		with_persp(&c);
		cr_assert_eq(set(&c, o, v, err, sizeof(err)), -ERANGE, "%s = %s", o->name, v);
		cr_assert_not_null(strstr(err, allowed), "'%s' lacks '%s'", err, allowed);
		cr_assert_null(strstr(err, "--"));
		one_line(text, sizeof(text), o, v);
		cr_assert_eq(load(&c, text, err, sizeof(err)), VTG_ECONFIG, "%s = %s", o->name, v);
		assert_line_error(err, o);
		if (o->min > 0) {
			snprintf(v, sizeof(v), "%u", o->min - 1);
			with_persp(&c);
			cr_assert_eq(set(&c, o, v, err, sizeof(err)), -ERANGE, "%s = %s", o->name, v);
			one_line(text, sizeof(text), o, v);
			cr_assert_eq(load(&c, text, err, sizeof(err)), VTG_ECONFIG, "%s = %s",
				     o->name, v);
			assert_line_error(err, o);
			cr_assert_not_null(strstr(err, allowed), "'%s' lacks '%s'", err, allowed);
		}
	}
}

Test(options, command_line_ranges_of_before)
{
	struct vtg_config c;
	char err[256];
	vtg__config_init(&c);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "timeout-ms", "0", err, sizeof(err)),
		     -ERANGE);
	cr_assert_str_eq(err, "out of range (1 to 600000)");
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "timeout-ms", "600000", err, sizeof(err)),
		     0);
	cr_assert_eq(c.engine.timeout_ms, 600000);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "retries", "8", err, sizeof(err)), -ERANGE);
	cr_assert_str_eq(err, "out of range (0 to 7)");
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "min-remotes", "32", err, sizeof(err)),
		     -ERANGE);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "window", "4194305", err, sizeof(err)),
		     -ERANGE);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "cache-mb", "0", err, sizeof(err)),
		     -ERANGE);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "workers", "65", err, sizeof(err)),
		     -ERANGE);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "mode", "enforcing", err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "not one of enforce, report-only or off");
}

Test(options, junk_around_numbers_refused)
{
	static const char *const bad[] = {"5ms", "5 ", " 5", "+5", "-1", "-0", "0x10", "5.0",
					  "1e3", "", "five", "5,0", "99999999999999999999999",
					  "--5", "5\t"};
	const struct vtg_opt *o = vtg__opt_find(VTG_OPT_SEC_ENGINE, "retries");
	for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
		struct vtg_config c;
		char err[256];
		unsigned u = 42;
		vtg__config_init(&c);
		int rc = set(&c, o, bad[b], err, sizeof(err));
		cr_assert(rc == -EINVAL || rc == -ERANGE, "retries = '%s': %d", bad[b], rc);
		cr_assert_eq(c.engine.retries, 2, "'%s' changed the value", bad[b]);
		cr_assert_null(strstr(err, "--"), "'%s': %s", bad[b], err);
		cr_assert_neq(vtg__opt_parse_uint(bad[b], 0, 100000, &u), 0, "'%s'", bad[b]);
		cr_assert_eq(u, 42);
	}
	/* in the file: the value is stripped, the rest is junk */
	static const char *const file_bad[] = {"5ms", "+5", "-1", "0x10", "5 5", "1e3"};
	for (size_t b = 0; b < sizeof(file_bad) / sizeof(file_bad[0]); b++) {
		struct vtg_config c;
		char text[256], err[256];
		one_line(text, sizeof(text), o, file_bad[b]);
		cr_assert_eq(load(&c, text, err, sizeof(err)), VTG_ECONFIG, "'%s'", file_bad[b]);
		assert_line_error(err, o);
		cr_assert_not_null(strstr(err, "0 to 7"), "%s", err);
	}
	unsigned u;
	cr_assert_eq(vtg__opt_parse_uint("007", 0, 7, &u), 0);
	cr_assert_eq(u, 7);
}

Test(options, unknown_keys_and_sections_refused)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{"[engine]\ntimeout = 5\n" STUB_PERSP, "t.conf:2: timeout: unknown key in [engine]"},
		{"[engine]\nrir = ARIN\n" STUB_PERSP,
		 "t.conf:2: rir: belongs in [perspective], not in [engine]"},
		{STUB_PERSP "retries = 1\n",
		 "t.conf:3: retries: belongs in [engine], not in [perspective]"},
		{STUB_PERSP "color = blue\n", "t.conf:3: color: unknown key in [perspective]"},
		{"[server]\n" STUB_PERSP, "t.conf:1: unknown section [server]"},
		{"[perspective]\nresolver = 192.0.2.1\n", "t.conf:1: unknown section [perspective]"},
		{"retries = 1\n" STUB_PERSP, "t.conf:1: retries: outside any section"},
		{"[engine]\nretries\n" STUB_PERSP, "t.conf:2: expected 'key = value'"},
		{"[engine]\n--retries = 1\n" STUB_PERSP, "t.conf:2: --retries: unknown key"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vtg_config c;
		char err[256];
		cr_assert_eq(load(&c, cases[i].text, err, sizeof(err)), VTG_ECONFIG, "%s",
			     cases[i].text);
		cr_assert(!strncmp(err, cases[i].want, strlen(cases[i].want)), "'%s' is not '%s'",
			  err, cases[i].want);
	}
	struct vtg_config c;
	char err[256];
	vtg__config_init(&c);
	cr_assert_eq(vtg__opt_set(&c, VTG_OPT_ENGINE, "no-such-key", "1", err, sizeof(err)),
		     -ENOENT);
	cr_assert_eq(vtg__opt_set(&c, 0, "rir", "ARIN", err, sizeof(err)), -ENOENT,
		     "no perspective 0 yet");
}

/* Whatever the bad value, the reason never carries a command-line flag. */
Test(options, no_message_contains_a_flag)
{
	static const char *const bad[] = {"", "--", "--x", "-5", "zzz", "99999999999999",
					  "1,2,3", "[::1", "x--y"};
	char huge[400];
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = 0;
	for (size_t i = 0; i < vtg__opt_count; i++) {
		const struct vtg_opt *o = &vtg__opt_table[i];
		for (size_t b = 0; b <= sizeof(bad) / sizeof(bad[0]); b++) {
			const char *v = b < sizeof(bad) / sizeof(bad[0]) ? bad[b] : huge;
			struct vtg_config c;
			char err[256];
			with_persp(&c);
			if (set(&c, o, v, err, sizeof(err)) == 0)
				continue;
			cr_assert(err[0], "%s = '%s': no reason", o->name, v);
			cr_assert_null(strstr(err, "--"), "%s = '%s': %s", o->name, v, err);
		}
	}
}

Test(options, perspective_values)
{
	struct vtg_config c;
	char err[256];
	cr_assert_eq(load(&c,
			  "[perspective p0]\nrir = ripe ncc\ncoordinates = 39.04, -77.49\n"
			  "netns = vtg-p0\nsource = 2001:db8::1\ninterface = veth-p0\n"
			  "mode = ITERATIVE\nsockets = 1024\nlocation = Ashburn, US\n"
			  "[perspective p1]\nnetns = /proc/1/ns/net\nresolver = 192.0.2.1:5353\n"
			  "resolver = [2001:db8::53]:53\nresolver = 2001:db8::54\nmode = stub\n",
			  err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.n_persp, 2);
	cr_assert_str_eq(c.persp[0].rir, "RIPE NCC");
	cr_assert(c.persp[0].has_location);
	cr_assert_float_eq(c.persp[0].lon, -77.49, 1e-9);
	cr_assert_str_eq(c.persp[0].netns, "/run/netns/vtg-p0");
	cr_assert_str_eq(c.persp[0].source, "2001:db8::1");
	cr_assert_str_eq(c.persp[0].iface, "veth-p0");
	cr_assert(c.persp[0].iterative);
	cr_assert_eq(c.persp[0].sockets, 1024);
	cr_assert_str_eq(c.persp[0].location, "Ashburn, US");
	cr_assert_str_eq(c.persp[1].netns, "/proc/1/ns/net");
	cr_assert_eq(c.persp[1].n_upstreams, 3);
	cr_assert(!c.persp[1].iterative);

	static const struct { const char *line; const char *want; int rc; } bad[] = {
		{"rir = MARS", "rir: not one of ARIN, RIPE NCC, APNIC, LACNIC or AFRINIC", -EINVAL},
		{"coordinates = 91,0", "coordinates: not LAT,LON", -ERANGE},
		{"coordinates = nan,0", "coordinates: not LAT,LON", -ERANGE},
		{"coordinates = 1,2,3", "coordinates: not LAT,LON", -EINVAL},
		{"source = host.example", "source: not an IPv4 or IPv6 address", -EINVAL},
		{"source = 192.0.2.1:53", "source: not an IPv4 or IPv6 address", -EINVAL},
		{"interface = a-very-long-ifname", "interface: longer than 15 characters", -ERANGE},
		{"resolver = nonsense", "resolver: not an address (ADDR, ADDR:PORT", -EINVAL},
		{"resolver = 192.0.2.1:0", "resolver: not an address", -EINVAL},
		{"mode = recursive", "mode: not one of stub, iterative or remote", -EINVAL},
		{"sockets = 0", "sockets: out of range (1 to 1024)", -ERANGE},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256], want[160];
		snprintf(text, sizeof(text), "[perspective p0]\n%s\nresolver = 192.0.2.1\n",
			 bad[i].line);
		snprintf(want, sizeof(want), "t.conf:2: %s", bad[i].want);
		cr_assert_eq(load(&c, text, err, sizeof(err)), VTG_ECONFIG, "%s", bad[i].line);
		cr_assert(!strncmp(err, want, strlen(want)), "'%s' is not '%s'", err, want);
		with_persp(&c);
		char *eq = strchr(bad[i].line, '=');
		char key[32];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - bad[i].line - 1), bad[i].line);
		cr_assert_eq(vtg__opt_set(&c, 0, key, eq + 2, err, sizeof(err)), bad[i].rc, "%s",
			     bad[i].line);
	}
}

Test(options, resolvers_up_to_the_limit)
{
	struct vtg_config c;
	char err[256];
	with_persp(&c);
	for (unsigned i = 0; i < VTG_MAX_UPSTREAMS; i++)
		cr_assert_eq(vtg__opt_set(&c, 0, "resolver", "192.0.2.1", err, sizeof(err)), 0);
	cr_assert_eq(vtg__opt_set(&c, 0, "resolver", "192.0.2.1", err, sizeof(err)), -ENOSPC);
	cr_assert_str_eq(err, "at most 8 per perspective");
	cr_assert_eq(c.persp[0].n_upstreams, VTG_MAX_UPSTREAMS);

	/* the command line's --resolver goes through the same entry */
	vtg__config_init(&c);
	cr_assert_eq(vtg__config_add_resolver(&c, "192.0.2.1:5300", err, sizeof(err)), 0);
	cr_assert_eq(c.n_persp, 1);
	cr_assert_str_eq(c.persp[0].id, "local");
	cr_assert_eq(vtg__config_add_resolver(&c, "bogus", err, sizeof(err)), -EINVAL);
	cr_assert_null(strstr(err, "--"));
	vtg__config_init(&c);
	cr_assert_neq(vtg__config_add_resolver(&c, "bogus", err, sizeof(err)), 0);
	cr_assert_eq(c.n_persp, 0, "a refused first resolver leaves no perspective");
	cr_assert_eq(vtg__config_add_iterative(&c, err, sizeof(err)), 0);
	cr_assert_eq(vtg__config_add_iterative(&c, err, sizeof(err)), -EEXIST);
	cr_assert_null(strstr(err, "--"));
}

Test(options, string_lengths)
{
	struct vtg_config c;
	char err[256], v[300];
	const struct vtg_opt *o = vtg__opt_find(VTG_OPT_SEC_ENGINE, "root-hints");
	memset(v, 'a', VTG_OPT_PATH_MAX);
	v[VTG_OPT_PATH_MAX] = 0;
	vtg__config_init(&c);
	cr_assert_eq(set(&c, o, v, err, sizeof(err)), 0);
	cr_assert_eq(strlen(c.iter.root_hints), VTG_OPT_PATH_MAX);
	v[VTG_OPT_PATH_MAX] = 'a';
	v[VTG_OPT_PATH_MAX + 1] = 0;
	cr_assert_eq(set(&c, o, v, err, sizeof(err)), -ERANGE);
	cr_assert_str_eq(err, "longer than 255 characters");
	/* netns: the name with /run/netns/ before it must fit */
	with_persp(&c);
	memset(v, 'n', 250);
	v[250] = 0;
	cr_assert_eq(vtg__opt_set(&c, 0, "netns", v, err, sizeof(err)), -ERANGE);
	cr_assert_eq(c.persp[0].netns[0], 0);
	cr_assert_eq(vtg__opt_set(&c, 0, "netns", "", err, sizeof(err)), 0);
	cr_assert_eq(c.persp[0].netns[0], 0, "empty: the current namespace");
}

/* The README's example and examples/world.conf load with their meaning
 * (and a file with every [engine] key). */
Test(options, shipped_configurations_load)
{
	struct vtg_config c;
	char err[256];
	cr_assert_eq(load(&c,
		"[engine]\ntimeout-ms = 800          # first try\nretries = 2\nslots = 16384\n"
		"upstream-inflight = 256\nrate-qps = 0\nworkers = 0\nudp-size = 1232\n"
		"dnssec-ok = yes\nroot-hints = /usr/share/dns/root.hints\n"
		"trust-anchor = /usr/share/dns/root.key   # DS or DNSKEY records\n"
		"cache-mb = 64 ; per perspective\nqname-0x20 = no\nmode = enforce\n"
		"min-remotes = 2\nwindow = 1024\n"
		"[perspective primary]\nrir = ARIN\nlocation = Ashburn, US\n"
		"coordinates = 39.04,-77.49\nnetns = vtg-p0\nsource = 198.18.10.2\n"
		"interface = veth-p0\nmode = stub\nresolver = 198.18.10.1\nsockets = 16\n"
		"[perspective remote-1]\nrir = RIPE NCC\nnetns = vtg-r1\nresolver = 198.18.11.1\n",
		err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.engine.slots, 16384);
	cr_assert_eq(c.engine.timeout_ms, 800);
	cr_assert_eq(c.iter.cache_mb, 64);
	cr_assert_eq(c.run.min_remotes, 2);
	cr_assert_eq(c.run.window, 1024);
	cr_assert_eq(c.run.mode, VTG_MODE_ENFORCE);
	cr_assert_str_eq(c.iter.trust_anchor, "/usr/share/dns/root.key");

	const char *src = getenv("VTG_SOURCE_DIR");
	cr_assert_not_null(src, "ctest sets VTG_SOURCE_DIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/examples/world.conf", src);
	vtg__config_init(&c);
	cr_assert_eq(vtg__config_load(&c, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c.n_persp, 7);
	cr_assert(c.persp[0].iterative);
	cr_assert_str_eq(c.persp[2].rir, "RIPE NCC");

	/* the example of README.md "Configuration file", as written there */
	snprintf(path, sizeof(path), "%s/README.md", src);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	static char readme[1 << 17];
	size_t n = fread(readme, 1, sizeof(readme) - 1, f);
	fclose(f);
	readme[n] = 0;
	char *start = strstr(readme, "```ini\n# perspectives.conf");
	cr_assert_not_null(start, "README example not found");
	start += strlen("```ini\n");
	char *end = strstr(start, "```");
	cr_assert_not_null(end);
	*end = 0;
	cr_assert_eq(load(&c, start, err, sizeof(err)), 0, "README: %s", err);
	cr_assert_eq(c.n_persp, 3);
	cr_assert(c.persp[2].remote);
	cr_assert_str_eq(c.persp[2].url, "https://agent-fra.ca.example:8443");
	cr_assert_str_eq(c.persp[2].client_key, "/etc/vantage/coordinator.key");
	cr_assert_eq(c.run.remote_timeout_ms, 30000);
	cr_assert_eq(c.run.mode, VTG_MODE_ENFORCE);
	cr_assert_eq(c.engine.slots, 16384);
	cr_assert_str_eq(c.persp[0].netns, "/run/netns/vtg-p0");
	vtg__config_init(&c);
	cr_assert_eq(vtg__config_load(&c, "/nonexistent/x.conf", err, sizeof(err)), -ENOENT);
}
