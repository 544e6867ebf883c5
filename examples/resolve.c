/* resolve.c — vantage as a DNS resolver backend: plain queries (any type,
 * DNSSEC-validated where the perspective validates) through one engine, driven
 * from the program's own poll() loop on vtg_engine_fd(), the way an event loop
 * (libev, libuv, a server's epoll) would embed it. Never blocks in vtg_poll;
 * when the engine's window is full (-EAGAIN) the rest is submitted after the
 * next completions. Results print in input order, whatever order they finish in:
 *   NAME TYPE RCODE DNSSEC N        (RCODE, or the failure such as "timeout")
 *     <N answer records in presentation form>
 * usage: resolve (--resolver ADDR[:PORT] | --config FILE) NAME TYPE [NAME TYPE ...]
 * exit:  0 every pair got a response, 1 some did not, 2 usage or engine error
 * build: cc resolve.c $(pkg-config --cflags --libs vantage) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strcasecmp, poll */
#endif
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <vantage.h>

static const struct {
	const char *name;
	uint16_t type;
} types[] = {
	{"A", 1},       {"NS", 2},       {"CNAME", 5},   {"SOA", 6},     {"PTR", 12},
	{"HINFO", 13},  {"MX", 15},      {"TXT", 16},    {"AAAA", 28},   {"LOC", 29},
	{"SRV", 33},    {"NAPTR", 35},   {"DNAME", 39},  {"DS", 43},     {"SSHFP", 44},
	{"RRSIG", 46},  {"NSEC", 47},    {"DNSKEY", 48}, {"NSEC3", 50},  {"NSEC3PARAM", 51},
	{"TLSA", 52},   {"CDS", 59},     {"CDNSKEY", 60}, {"SVCB", 64},  {"HTTPS", 65},
	{"ANY", 255},   {"URI", 256},    {"CAA", 257},
};

/* RFC 1035 section 4.1.1, RFC 2136 section 2.2 */
static const char *const rcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
				     "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
				     "NOTZONE"};

/* one NAME TYPE pair: its output, kept until the pairs before it are printed */
struct pair {
	const char *name;
	char type[16];
	uint16_t qtype;
	char *out; /* NULL until it completes */
	int answered;
};

static int parse_type(const char *s, uint16_t *out, char *canon, size_t cap)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(s, types[i].name)) {
			*out = types[i].type;
			snprintf(canon, cap, "%s", types[i].name);
			return 0;
		}
	char *end;
	if (strncasecmp(s, "TYPE", 4) != 0 || s[4] < '0' || s[4] > '9')
		return -1;
	unsigned long v = strtoul(s + 4, &end, 10); /* RFC 3597 section 5 */
	if (*end || v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	snprintf(canon, cap, "TYPE%lu", v);
	return 0;
}

/* Copy what we print out of the completion: its pointers die at the next vtg_poll. */
static void record(struct pair *p, const struct vtg_completion *c)
{
	char rc[16];
	const char *status = rc;
	if (c->rcode == VTG_RCODE_NO_RESPONSE)
		status = c->failure ? c->failure : vtg_reason_str(c->reason_code);
	else if (c->rcode < sizeof(rcodes) / sizeof(rcodes[0]))
		status = rcodes[c->rcode];
	else
		snprintf(rc, sizeof(rc), "RCODE%u", c->rcode);
	size_t len;
	FILE *f = open_memstream(&p->out, &len);
	if (!f) {
		perror("open_memstream");
		exit(2);
	}
	fprintf(f, "%s %s %s %s %u\n", p->name, p->type, status, vtg_dnssec_str(c->dnssec),
		c->n_records);
	for (unsigned i = 0; i < c->n_records; i++)
		fprintf(f, "  %s\n", c->records[i].text);
	fclose(f);
	p->answered = c->rcode != VTG_RCODE_NO_RESPONSE;
}

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s (--resolver ADDR[:PORT] | --config FILE) NAME TYPE [NAME TYPE ...]\n",
		argv0);
	return 2;
}

int main(int argc, char **argv)
{
	/* mode off: a query is not corroborated, and a one-perspective config is fine */
	struct vtg_options opt = {.kind = VTG_CHECK_QUERY, .mode = VTG_MODE_OFF};
	if (argc < 5 || (argc - 3) % 2 != 0)
		return usage(argv[0]);
	if (!strcmp(argv[1], "--resolver"))
		opt.resolver = argv[2];
	else if (!strcmp(argv[1], "--config"))
		opt.config_path = argv[2];
	else
		return usage(argv[0]);

	size_t n = (size_t)(argc - 3) / 2;
	struct pair *pairs = calloc(n, sizeof(*pairs));
	if (!pairs)
		return 2;
	for (size_t i = 0; i < n; i++) {
		pairs[i].name = argv[3 + 2 * i];
		if (parse_type(argv[4 + 2 * i], &pairs[i].qtype, pairs[i].type,
			       sizeof(pairs[i].type)) != 0) {
			fprintf(stderr, "%s: unknown type\n", argv[4 + 2 * i]);
			free(pairs);
			return usage(argv[0]);
		}
	}

	char err[512];
	struct vtg_engine *e;
	if (vtg_engine_new(&e, &opt, err, sizeof(err)) != 0) {
		fprintf(stderr, "vantage %s: %s\n", vtg_version(), err);
		free(pairs);
		return 2;
	}
	int status = 0;
	size_t submitted = 0, printed = 0;
	struct pollfd pfd = {.fd = vtg_engine_fd(e), .events = POLLIN};
	while (printed < n) {
		/* submit until done or the window is full; -EAGAIN resolves itself
		 * once vtg_poll has returned some completions */
		while (submitted < n) {
			struct vtg_check chk = {.kind = VTG_CHECK_QUERY,
						.name = pairs[submitted].name,
						.qtype = pairs[submitted].qtype};
			int r = vtg_submit_check(e, &chk, &pairs[submitted], NULL);
			if (r == -EAGAIN)
				break;
			if (r < 0) {
				fprintf(stderr, "%s: %s\n", pairs[submitted].name, vtg_strerror(r));
				status = 2;
				goto out;
			}
			submitted++;
		}
		/* this is where an embedder's event loop waits on its other descriptors too */
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			status = 2;
			goto out;
		}
		struct vtg_completion c[16];
		int got = vtg_poll(e, c, 16, 0);
		if (got < 0) {
			fprintf(stderr, "vtg_poll: %s\n", vtg_strerror(got));
			status = 2;
			goto out;
		}
		for (int i = 0; i < got; i++)
			record(c[i].user, &c[i]);
		for (; printed < n && pairs[printed].out; printed++) {
			fputs(pairs[printed].out, stdout);
			if (!pairs[printed].answered)
				status = 1;
		}
		fflush(stdout);
	}
out:
	vtg_engine_free(e);
	for (size_t i = 0; i < n; i++)
		free(pairs[i].out);
	free(pairs);
	return status;
}
