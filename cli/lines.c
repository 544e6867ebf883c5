/*
 * lines.c — the line input / output of `vantage caa|dcv|query`: input
 * lines become checks of the runner as they arrive (stdin is never waited
 * on while lines are ready to go out), lines go out in input order as soon
 * as their checks are final (batched only while several are ready at
 * once), progress on a terminal, SIGINT / SIGTERM with a grace period, a
 * closed stdout, and the exit status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/alloc.h"
#include "common/clock.h"

#define PROGRESS_NS 250000000ull  /* a terminal's progress line at most 4 times a second */
#define FLUSH_NS 100000000ull     /* output waits at most 100 ms for more lines */
#define RATE_WINDOW_NS 5000000000ull /* progress shows the rate over the last 5 s */
#define FAIL_WARN_AFTER 100       /* results of a perspective before "none answered" */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* A DCV input line is "name [expected-value]": the check's name and value
 * (the run's --expect when the line has none). */
static void dcv_line(struct vtg_lines *l, const char *s, size_t n, struct vtg_run_check *ck)
{
	size_t k = 0;
	while (k < n && s[k] != ' ' && s[k] != '\t')
		k++;
	size_t v = k;
	while (v < n && (s[v] == ' ' || s[v] == '\t'))
		v++;
	size_t e = n;
	while (e > v && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
		e--;
	ck->name_len = k;
	ck->expect = NULL;
	if (v >= e)
		return;
	if (e - v + 1 > l->vcap) {
		char *nb = vtg__realloc(l->vbuf, e - v + 1);
		if (!nb)
			return; /* the check reports the missing value */
		l->vbuf = nb;
		l->vcap = e - v + 1;
	}
	memcpy(l->vbuf, s + v, e - v);
	l->vbuf[e - v] = 0;
	ck->expect = l->vbuf;
}

/* Lines whose checks are done, in input order, into the output buffer.
 * Written out at once while the window is not saturated (input trickling
 * in: each line as soon as its check is final); a busy bulk run batches
 * them (the buffer writes itself out when full) but never holds a line
 * longer than FLUSH_NS. */
static int emit_ready(struct vtg_lines *l)
{
	bool any = false;
	while (l->next_emit < l->next_seq) {
		uint32_t id = (uint32_t)(l->next_emit % l->window);
		if (!vtg__run_done(l->run, id))
			break;
		const char *buf;
		size_t len;
		vtg__run_line(l->run, id, &buf, &len);
		vtg__json_put_lines(&l->out, buf, len);
		l->next_emit++;
		any = true;
	}
	uint64_t t = vtg__mono_ns();
	bool busy = l->next_seq - l->next_emit >= l->window / 2;
	if (l->out.len && ((any && !busy) || t - l->flushed_ns >= FLUSH_NS)) {
		l->flushed_ns = t;
		return vtg__json_flush(&l->out);
	}
	return l->out.err;
}

static void progress(struct vtg_lines *l, bool final)
{
	if (!l->progress)
		return;
	uint64_t t = vtg__mono_ns();
	if (!final && t - l->last_progress_ns < PROGRESS_NS)
		return;
	l->last_progress_ns = t;
	if (t - l->rate_ns >= RATE_WINDOW_NS) { /* a new window for the rate */
		l->rate_ns = t;
		l->rate_done = l->next_emit;
	}
	double secs = (double)(t - l->rate_ns) / 1e9;
	double rate = secs > 0.5 ? (double)(l->next_emit - l->rate_done) / secs : 0.0;
	fprintf(stderr, "\r\033[K[vantage] %llu", (unsigned long long)l->next_emit);
	if (l->total)
		fprintf(stderr, " / %llu (%.0f %%)", (unsigned long long)l->total,
			100.0 * (double)(l->next_emit + l->skipped) / (double)l->total);
	uint64_t pos, neg, fails;
	vtg__run_outcomes(l->run, &pos, &neg, &fails);
	const char *yes = l->kind == VTG_CHECK_CAA ? "permit" : l->kind == VTG_CHECK_DCV ? "pass"
											  : "answered";
	const char *no = l->kind == VTG_CHECK_CAA ? "deny" : l->kind == VTG_CHECK_DCV ? "fail"
										       : "unanswered";
	fprintf(stderr, " done (%llu %s, %llu %s, %llu lookup failures), %llu read, %.0f names/s",
		(unsigned long long)pos, yes, (unsigned long long)neg, no,
		(unsigned long long)fails, (unsigned long long)l->next_seq, rate);
	if (l->total && rate > 0 && l->total > l->next_emit + l->skipped)
		fprintf(stderr, ", ETA %.0f s",
			(double)(l->total - l->next_emit - l->skipped) / rate);
	if (final)
		fputc('\n', stderr);
}

/* The next n entries may take checks: a check decided early keeps its entry
 * until its last perspective is done with it. */
static bool entries_free(const struct vtg_lines *l, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		if (!vtg__run_released(l->run, (uint32_t)((l->next_seq + k) % l->window)))
			return false;
	return true;
}

/* The window has room for a refill batch (or is empty). */
static bool wants_input(const struct vtg_lines *l)
{
	const unsigned refill = l->window / 8 ? l->window / 8 : 1;
	unsigned room = l->window - (unsigned)(l->next_seq - l->next_emit);
	unsigned per_line = l->n_qtypes ? l->n_qtypes : 1;
	return room >= per_line && (room >= refill || l->next_seq == l->next_emit) &&
	       entries_free(l, per_line);
}

/* Queue the input lines that have arrived while the window has room.
 * 1: more may come; 0: end of input; negative: read error / no memory. */
static int fill(struct vtg_lines *l, struct vtg_input *in)
{
	/* refill the window in batches (one wake-up per worker per batch) */
	if (!wants_input(l))
		return 1;
	unsigned room = l->window - (unsigned)(l->next_seq - l->next_emit);
	const unsigned per_line = l->n_qtypes ? l->n_qtypes : 1;
	while (room >= per_line && entries_free(l, per_line)) {
		const char *s;
		size_t n;
		int rc = vtg__input_try(in, &s, &n);
		if (rc <= 0)
			return rc == -EAGAIN ? 1 : rc;
		if (n == 0 || s[0] == '#') { /* blank and comment lines: counted */
			l->skipped++;
			continue;
		}
		struct vtg_run_check ck = {.kind = l->kind, .name = s, .name_len = n};
		if (l->kind == VTG_CHECK_DCV)
			dcv_line(l, s, n, &ck);
		for (unsigned t = 0; t < per_line; t++) {
			ck.qtype = l->n_qtypes ? l->qtypes[t] : 0;
			rc = vtg__run_submit(l->run, (uint32_t)(l->next_seq % l->window), &ck);
			if (rc != 0)
				return rc;
			l->next_seq++;
			room--;
		}
	}
	return 1;
}

/* One warning per perspective whose first results all came back without
 * an answer (a dead or unreachable upstream makes every line a failure). */
static void warn_dead(struct vtg_lines *l)
{
	const struct vtg_config *cfg = vtg__run_config(l->run);
	for (unsigned p = 0; p < cfg->n_persp; p++) {
		if (l->warned & (1u << p))
			continue;
		uint64_t results, answered;
		vtg__run_persp_counts(l->run, p, &results, &answered);
		if (answered) {
			l->warned |= 1u << p; /* it works: never warn */
			continue;
		}
		if (results < FAIL_WARN_AFTER)
			continue;
		l->warned |= 1u << p;
		char up[VTG_REMOTE_URL_MAX + 16] = "its root servers";
		if (cfg->persp[p].remote)
			snprintf(up, sizeof(up), "its agent %s", cfg->persp[p].url);
		else if (!cfg->persp[p].iterative && cfg->persp[p].n_upstreams)
			vtg__format_addr(&cfg->persp[p].upstream[0], up, sizeof(up));
		fprintf(stderr, "%svantage: warning: perspective %s: none of the first %u "
			"lookups got an answer from %s\n", l->progress ? "\r\033[K" : "",
			cfg->persp[p].id, FAIL_WARN_AFTER, up);
	}
}

/* Interrupted: the checks still in flight get grace_ms to finish, then a
 * line each with reason `interrupted`; nothing read is left without one. */
static void interrupt(struct vtg_lines *l)
{
	uint64_t until = vtg__mono_ns() + (uint64_t)l->grace_ms * 1000000ull;
	while (l->next_emit < l->next_seq && vtg__mono_ns() < until && emit_ready(l) == 0)
		if (vtg__run_wait(l->run, 100, -1) != 0)
			break;
	vtg__run_abort(l->run);
	vtg__run_join(l->run);
	struct vtg_json j;
	if (vtg__json_init_cap(&j, -1, 256) != 0)
		return;
	while (l->next_emit < l->next_seq && !l->out.err) {
		uint32_t id = (uint32_t)(l->next_emit % l->window);
		if (vtg__run_done(l->run, id)) {
			emit_ready(l);
			continue;
		}
		vtg__json_reset(&j);
		vtg__run_interrupted_line(l->run, id, &j);
		vtg__json_put_lines(&l->out, j.buf, j.len);
		l->interrupted++;
		l->next_emit++;
	}
	vtg__json_deinit(&j);
	vtg__json_flush(&l->out);
}

/* Lines of a regular file (for progress: done / total, ETA), read with
 * pread so the input position stays; 0 for anything else. */
static uint64_t count_lines(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	static char buf[1 << 16];
	uint64_t n = 0;
	off_t off = lseek(fd, 0, SEEK_CUR);
	ssize_t r;
	while (off >= 0 && (r = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + r - p))); p++)
			n++;
		off += r;
	}
	return n;
}

/* The main loop: read, submit, wait, write. 0, or the error that ended it
 * (a worker's ring, the output, the input), or 1 on a signal. */
static int loop(struct vtg_lines *l, struct vtg_input *in)
{
	bool eof = false;
	for (;;) {
		if (emit_ready(l) != 0)
			return l->out.err;
		if (got_signal)
			return 1;
		if (!eof) {
			int rc = fill(l, in);
			if (rc < 0)
				return rc;
			eof = rc == 0;
		}
		if (eof)
			vtg__run_close(l->run);
		else
			vtg__run_kick(l->run);
		if (eof && l->next_emit == l->next_seq)
			return 0;
		/* wait on stdin only when fill() would read: a regular file is
		 * always readable, so polling it with a full window would spin */
		int rc = vtg__run_wait(l->run, 100, !eof && wants_input(l) ? vtg__input_fd(in) : -1);
		if (rc != 0)
			return rc;
		progress(l, false);
		warn_dead(l);
	}
}

/* What the summary adds for the command, and the exit status. */
static int finish(struct vtg_lines *l, int rc)
{
	const char *cmd = l->kind == VTG_CHECK_CAA ? "caa" : l->kind == VTG_CHECK_DCV ? "dcv"
										     : "query";
	vtg__run_summary(l->run, stderr, cmd, l->kind, l->next_emit,
			 (double)(vtg__mono_ns() - l->started_ns) / 1e9);
	if (l->skipped)
		fprintf(stderr, "  %llu blank or comment lines skipped\n",
			(unsigned long long)l->skipped);
	if (l->interrupted)
		fprintf(stderr, "  %llu checks interrupted\n", (unsigned long long)l->interrupted);
	if (got_signal)
		return 128 + got_signal;
	if (rc != 0)
		return VTG_EXIT_FAIL;
	/* nothing answered anywhere: the resolvers are down or unreachable */
	const struct vtg_config *cfg = vtg__run_config(l->run);
	uint64_t results = 0, answered = 0;
	for (unsigned p = 0; p < cfg->n_persp; p++) {
		uint64_t r, a;
		vtg__run_persp_counts(l->run, p, &r, &a);
		results += r;
		answered += a;
	}
	if (results && !answered) {
		fprintf(stderr, "vantage: no lookup got an answer (exit 3)\n");
		return VTG_EXIT_NOANSWER;
	}
	return VTG_EXIT_OK;
}

int vtg__lines_run(struct vtg_lines *l, struct vtg_input *in)
{
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, old_pipe;
	sigemptyset(&sa.sa_mask); /* no SA_RESTART: poll returns at once */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigaction(SIGPIPE, &ign, &old_pipe); /* a closed stdout is EPIPE, handled */
	if (l->progress && in->in)
		l->total = count_lines(fileno(in->in));
	l->window = vtg__run_window(l->run);
	l->started_ns = l->flushed_ns = l->rate_ns = vtg__mono_ns();
	int rc = loop(l, in);
	if (rc == 1)
		interrupt(l);
	progress(l, true);
	if (rc < 0 && l->out.err) {
		fprintf(stderr, "vantage: writing output: %s: stopped\n", strerror(-l->out.err));
		vtg__run_abort(l->run);
	} else if (rc < 0) {
		/* a worker's ring or the input failed: what was read still
		 * gets its line */
		fprintf(stderr, "vantage: %s\n", strerror(-rc));
		interrupt(l);
	} else if (rc == 0 && vtg__json_flush(&l->out) != 0) {
		fprintf(stderr, "vantage: writing output: %s\n", strerror(-l->out.err));
		rc = l->out.err;
	}
	vtg__run_join(l->run);
	rc = finish(l, rc == 1 ? 0 : rc);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	return rc;
}
