/*
 * common.c — input iteration and option lists shared by the subcommands.
 * Output field conventions: docs/rules.md section 0 (one object per input,
 * in order; `name` echoes the input, `ascii_name` is the A-label form;
 * records in presentation form).
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caa/caa.h"
#include "caa/name.h"
#include "cli/cli.h"
#include "common/alloc.h"
#include "resolver/wire.h"


void vtg__input_init(struct vtg_input *in, char **argv, int first, int argc)
{
	memset(in, 0, sizeof(*in));
	in->argv = argv;
	in->i = first;
	in->argc = argc;
	in->in = first < argc ? NULL : stdin;
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && ((*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r' ||
			  (*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
	while (*n > 0 && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
		(*s)++;
		(*n)--;
	}
}

int vtg__input_next(struct vtg_input *in, const char **s, size_t *n)
{
	if (!in->in) {
		if (in->i >= in->argc)
			return 0;
		*s = in->argv[in->i++];
		*n = strlen(*s);
		trim(s, n);
		return 1;
	}
	ssize_t r = getline(&in->line, &in->cap, in->in);
	if (r < 0)
		return 0;
	*s = in->line;
	*n = (size_t)r;
	trim(s, n);
	return 1;
}

/* A whole line in the buffer: 1 with it, else 0. */
static int buffered_line(struct vtg_input *in, const char **s, size_t *n)
{
	char *start = in->buf + in->off;
	char *nl = memchr(start, '\n', in->len - in->off);
	size_t avail = in->len - in->off;
	if (!nl && !(in->eof && avail) && avail < VTG_INPUT_LINE_MAX)
		return 0;
	size_t l = nl ? (size_t)(nl - start) + 1 : avail < VTG_INPUT_LINE_MAX ? avail
									  : VTG_INPUT_LINE_MAX;
	*s = start;
	*n = l;
	in->off += l;
	trim(s, n);
	return 1;
}

int vtg__input_try(struct vtg_input *in, const char **s, size_t *n)
{
	if (!in->in)
		return vtg__input_next(in, s, n); /* arguments: never waits */
	for (;;) {
		if (in->buf && buffered_line(in, s, n))
			return 1;
		if (in->eof)
			return 0;
		if (in->off) {
			memmove(in->buf, in->buf + in->off, in->len - in->off);
			in->len -= in->off;
			in->off = 0;
		}
		if (in->len == in->bcap) {
			size_t cap = in->bcap ? in->bcap * 2 : 65536;
			char *b = vtg__realloc(in->buf, cap);
			if (!b)
				return -ENOMEM;
			in->buf = b;
			in->bcap = cap;
		}
		struct pollfd p = {.fd = fileno(in->in), .events = POLLIN};
		if (poll(&p, 1, 0) == 0)
			return -EAGAIN;
		ssize_t r = read(p.fd, in->buf + in->len, in->bcap - in->len);
		if (r < 0)
			return errno == EINTR || errno == EAGAIN ? -EAGAIN : -errno;
		if (r == 0)
			in->eof = true;
		in->len += (size_t)r;
	}
}

int vtg__input_fd(const struct vtg_input *in)
{
	return in->in && !in->eof ? fileno(in->in) : -1;
}

void vtg__input_deinit(struct vtg_input *in)
{
	free(in->line); /* allocated by getline() */
	in->line = NULL;
	vtg__free(in->buf);
	in->buf = NULL;
}

int vtg__split_issuers(const char *arg, char ***out)
{
	size_t cnt = 1;
	for (const char *p = arg; *p; p++)
		if (*p == ',')
			cnt++;
	char **v = vtg__calloc(cnt + 1, sizeof(char *));
	if (!v)
		return -EINVAL;
	int n = 0;
	const char *p = arg;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		while (len > 0 && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len > 0 && p[len - 1] == '.')
			len--; /* issuer names never carry the trailing dot */
		if (len > 0) {
			/* a host name (RFC 8659 4.2 issuer-domain-name): A-labels,
			 * LDH, no wildcard; a URL or any other text is refused */
			struct vtg_input_name nm;
			if (vtg__input_name_parse(&nm, p, len) != 0 || nm.wildcard) {
				fprintf(stderr, "vantage: --ca '%.*s': not a host name (%s)\n",
					(int)len, p, nm.wildcard ? "a wildcard" : nm.why);
				for (int i = 0; i < n; i++)
					vtg__free(v[i]);
				vtg__free(v);
				return -EINVAL;
			}
			char *d = vtg__strndup(nm.ascii, nm.ascii_len);
			if (!d)
				return -ENOMEM;
			v[n++] = d;
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (n == 0) {
		fprintf(stderr, "vantage: --ca needs at least one issuer domain name\n");
		vtg__free(v);
		return -EINVAL;
	}
	*out = v;
	return n;
}

/* Walk a comma list, calling fn per item; -1 on an unknown item. */
static int each_item(const char *arg, int (*fn)(const char *, size_t, unsigned *),
		     unsigned *acc)
{
	const char *p = arg;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > 0 && fn(p, len, acc) != 0)
			return -EINVAL;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

static bool item_is(const char *p, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(p, word, len) == 0;
}

static int compat_item(const char *p, size_t len, unsigned *acc)
{
	if (item_is(p, len, "flag1-critical"))
		*acc |= VTG_CAA_COMPAT_FLAG1_CRITICAL;
	else if (item_is(p, len, "issuer-exact-case"))
		*acc |= VTG_CAA_COMPAT_ISSUER_EXACT;
	else if (item_is(p, len, "tld-nxdomain-error"))
		*acc |= VTG_CAA_COMPAT_TLD_NXDOMAIN_FAIL;
	else if (item_is(p, len, "boulder"))
		*acc |= VTG_CAA_COMPAT_FLAG1_CRITICAL | VTG_CAA_COMPAT_ISSUER_EXACT |
			VTG_CAA_COMPAT_TLD_NXDOMAIN_FAIL;
	else {
		fprintf(stderr, "vantage: unknown --compat item '%.*s' (flag1-critical, "
			"issuer-exact-case, tld-nxdomain-error, boulder)\n", (int)len, p);
		return -EINVAL;
	}
	return 0;
}

int vtg__parse_compat(const char *arg, unsigned *compat)
{
	return each_item(arg, compat_item, compat);
}

static int tag_item(const char *p, size_t len, unsigned *acc)
{
	static const struct { const char *name; enum vtg_caa_tag tag; } tags[] = {
		{"issue", VTG_CAA_TAG_ISSUE}, {"issuewild", VTG_CAA_TAG_ISSUEWILD},
		{"iodef", VTG_CAA_TAG_IODEF}, {"issuemail", VTG_CAA_TAG_ISSUEMAIL},
		{"issuevmc", VTG_CAA_TAG_ISSUEVMC},
		{"contactemail", VTG_CAA_TAG_CONTACTEMAIL},
		{"contactphone", VTG_CAA_TAG_CONTACTPHONE},
	};
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (item_is(p, len, tags[i].name)) {
			*acc |= 1u << tags[i].tag;
			return 0;
		}
	fprintf(stderr, "vantage: --recognised-tags: '%.*s' is not a tag vantage "
		"implements\n", (int)len, p);
	return -EINVAL;
}

int vtg__parse_recognised(const char *arg, unsigned *mask)
{
	*mask = 0;
	if (each_item(arg, tag_item, mask) != 0)
		return -EINVAL;
	/* issue and issuewild are mandatory to process (BR 3.2.2.8) */
	*mask |= (1u << VTG_CAA_TAG_ISSUE) | (1u << VTG_CAA_TAG_ISSUEWILD);
	return 0;
}
