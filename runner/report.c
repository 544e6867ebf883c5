/*
 * report.c — the summary of a run (stderr of the command): outcomes, time,
 * CPU, and every perspective's engine and resolver counters.
 */
#include <string.h>
#include <sys/resource.h>

#include "runner/run_int.h"

static void outcomes(const struct vtg_run *r, FILE *f, const char *cmd,
		     enum vtg_check_kind kind, uint64_t lines)
{
	unsigned long permits = 0, denies = 0, invalid = 0, failures = 0;
	for (unsigned k = 0; k < r->n_shards; k++) {
		const struct shard *sh = &r->shards[k];
		permits += sh->permits;
		denies += sh->denies;
		invalid += sh->invalid;
		failures += sh->failures;
	}
	if (kind == VTG_CHECK_CAA)
		fprintf(f, "vantage %s: %llu names: %lu permit, %lu deny (%lu invalid, "
			"%lu lookup failures at the primary)", cmd, (unsigned long long)lines,
			permits, denies, invalid, failures);
	else if (kind == VTG_CHECK_DCV)
		fprintf(f, "vantage %s: %llu names (%s): %lu pass, %lu fail (%lu invalid, "
			"%lu lookup failures at the primary)", cmd, (unsigned long long)lines,
			vtg__dcv_method_str(r->p.dcv.method), permits, denies, invalid, failures);
	else
		fprintf(f, "vantage %s: %llu names (%lu invalid, %lu without an answer "
			"at the primary)", cmd, (unsigned long long)lines, invalid, failures);
}

/* A remote perspective: its agent's answers (no DNS here). */
static void remote_line(const struct vtg_run *r, FILE *f, unsigned p)
{
	uint64_t results = 0, answered = 0;
	vtg__run_persp_counts(r, p, &results, &answered);
	fprintf(f, "  perspective %s (remote, %s): %llu checks, %llu answered by the agent, "
		"%llu failed or cancelled\n", r->cfg.persp[p].id, r->cfg.persp[p].url,
		(unsigned long long)results, (unsigned long long)answered,
		(unsigned long long)(results - answered));
}

static void engine_line(const struct vtg_run *r, FILE *f, unsigned p)
{
	if (r->cfg.persp[p].remote) {
		remote_line(r, f, p);
		return;
	}
	struct vtg_persp_stats t;
	memset(&t, 0, sizeof(t));
	for (unsigned k = 0; k < r->n_shards; k++) {
		const struct vtg_persp_stats *s = vtg__worker_stats(r->shards[k].w, p);
		t.sent += s->sent;
		t.received += s->received;
		t.retried += s->retried;
		t.timed_out += s->timed_out;
		t.dropped_mismatch += s->dropped_mismatch;
		t.tcp_fallbacks += s->tcp_fallbacks;
		t.tcp_failed += s->tcp_failed;
		t.send_errors += s->send_errors;
		t.edns_fallbacks += s->edns_fallbacks;
	}
	fprintf(f, "  perspective %s: sent %llu, received %llu, retried %llu, "
		"timed out %llu, dropped-mismatch %llu, tcp fallbacks %llu "
		"(failed %llu), send errors %llu, edns fallbacks %llu\n",
		r->cfg.persp[p].id, (unsigned long long)t.sent, (unsigned long long)t.received,
		(unsigned long long)t.retried, (unsigned long long)t.timed_out,
		(unsigned long long)t.dropped_mismatch, (unsigned long long)t.tcp_fallbacks,
		(unsigned long long)t.tcp_failed, (unsigned long long)t.send_errors,
		(unsigned long long)t.edns_fallbacks);
}

static void iter_line(const struct vtg_run *r, FILE *f, unsigned p)
{
	struct vtg_iter_stats is, sum;
	memset(&sum, 0, sizeof(sum));
	for (unsigned k = 0; k < r->n_shards; k++) {
		if (!r->shards[k].iter)
			continue;
		vtg__iter_stats(r->shards[k].iter, p, &is);
		sum.lookups += is.lookups;
		sum.queries += is.queries;
		sum.cache_hits += is.cache_hits;
		sum.coalesced += is.coalesced;
		sum.referrals += is.referrals;
		sum.nested += is.nested;
		sum.validated += is.validated;
		sum.bogus += is.bogus;
		sum.evictions += is.evictions;
		sum.cache_entries += is.cache_entries;
		sum.cache_bytes += is.cache_bytes;
		sum.ns_skipped += is.ns_skipped;
		sum.held_down += is.held_down;
		sum.limit_hits += is.limit_hits;
	}
	fprintf(f, "    iterative: %llu lookups, %llu queries, %llu cache hits, "
		"%llu coalesced, %llu referrals, %llu nested NS lookups, %llu validations "
		"(%llu bogus), cache %llu entries / %.1f MiB, %llu evicted, "
		"%llu NS names skipped, %llu held-down servers skipped, %llu limits hit\n",
		(unsigned long long)sum.lookups, (unsigned long long)sum.queries,
		(unsigned long long)sum.cache_hits, (unsigned long long)sum.coalesced,
		(unsigned long long)sum.referrals, (unsigned long long)sum.nested,
		(unsigned long long)sum.validated, (unsigned long long)sum.bogus,
		(unsigned long long)sum.cache_entries, (double)sum.cache_bytes / 1048576.0,
		(unsigned long long)sum.evictions, (unsigned long long)sum.ns_skipped,
		(unsigned long long)sum.held_down, (unsigned long long)sum.limit_hits);
}

void vtg__run_summary(const struct vtg_run *r, FILE *f, const char *cmd,
		      enum vtg_check_kind kind, uint64_t lines, double secs)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	unsigned long notc = 0, reported = 0;
	unsigned long long enters = 0;
	for (unsigned k = 0; k < r->n_shards; k++) {
		notc += r->shards[k].not_corroborated;
		reported += r->shards[k].reported;
		enters += vtg__worker_enters(r->shards[k].w);
	}
	outcomes(r, f, cmd, kind, lines);
	fprintf(f, " in %.2f s (%.0f names/s), %u worker%s, cpu %.2f s, max rss %ld KiB, "
		"%llu ring enters\n", secs, secs > 0 ? (double)lines / secs : 0.0, r->n_shards,
		r->n_shards == 1 ? "" : "s", cpu, ru.ru_maxrss, enters);
	if (r->p.mpic != VTG_MPIC_OFF)
		fprintf(f, "  corroboration (%s, %u remote perspectives): %lu denied as "
			"not corroborated, %lu not corroborated but permitted (report-only)\n",
			vtg__mpic_mode_str(r->p.mpic), r->cfg.n_persp - 1, notc, reported);
	for (unsigned p = 0; p < r->cfg.n_persp; p++) {
		engine_line(r, f, p);
		if (r->cfg.persp[p].iterative)
			iter_line(r, f, p);
	}
}
