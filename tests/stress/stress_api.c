/*
 * stress_api.c — the public API (include/vantage.h) under concurrency, for
 * ThreadSanitizer: a UDP DNS server thread on 127.0.0.1 answers A queries at
 * once ("a-*"), after a random 1..40 ms ("d-*"), or never ("x-*"); engines
 * (one stub perspective, 2 workers, window 64, 50 ms timeout, no retries)
 * are driven to a bounded total: submit until -EAGAIN, cancel ~10 % of
 * recent ids right after submitting (some race their completion), collect.
 *   1. poll mode: vtg_poll(e, out, max, 0) driven by poll() on vtg_engine_fd;
 *   2. callback mode: counted with atomics on the workers, recycled with
 *      vtg_poll(e, NULL, 0, 10);
 *   3. two engines at once, each in its own owner thread (poll mode).
 * Every submitted check must complete exactly once: cancelled when
 * vtg_cancel said 0, normal when it said -ENOENT, never both, never twice,
 * with its own id, user and name; vtg_cancel says only 0 / -ENOENT /
 * -EALREADY (a second cancel before any poll: -EALREADY); vtg_pending ends
 * at 0. Only the public header is used.
 *
 * A plain program (exit 0 / 1) so that CI also runs it under ThreadSanitizer
 * (scripts/test.sh builds the tsan preset for it); ctest runs it in every
 * build. Usage: stress_api [CHECKS]   (poll mode; callback and each of the
 * two engines get half)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vantage.h"

static int failures; /* atomic: owner threads of phase 3 both count */

#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "stress_api: %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                  \
			if (__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED) > 20) \
				exit(1);                                      \
		}                                                             \
	} while (0)

#define ST_WINDOW 64
#define ST_TIMEOUT_MS 50
#define ST_DELAY_MAX_MS 40  /* "d-" answers: mostly before the timeout */
#define ST_DELAYED 512      /* server's queue of late answers */
#define ST_RECENT 256       /* cancel targets: the last ids submitted */
#define ST_DEADLINE_MS 120000 /* a phase that runs longer has lost checks */

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

/* ---- the server ---------------------------------------------------------- */

struct late {
	long due;
	struct sockaddr_in to;
	size_t len;
	uint8_t pkt[512];
};

static struct {
	int fd;
	char addr[32];
	pthread_t th;
	int stop; /* atomic */
	struct late q[ST_DELAYED];
	unsigned nq;
	uint64_t answered, delayed, dropped;
} S;

/* The first octet of the question name's first label decides; the answer
 * copies header and question (ID, 0x20 case), drops OPT, adds one A record. */
static size_t respond(const uint8_t *q, size_t n, uint8_t *out, char *what)
{
	size_t off = 12;
	if (n <= 12 || q[off] == 0)
		return 0;
	*what = (char)(q[off + 1] | 0x20);
	while (off < n && q[off] != 0) {
		if (q[off] > 63)
			return 0;
		off += 1u + q[off];
	}
	if (off + 5 > n || off + 5 + 16 > 512)
		return 0;
	size_t qend = off + 5;
	memcpy(out, q, qend);
	out[2] = (uint8_t)(0x80 | 0x04 | (q[2] & 0x01)); /* QR AA RD */
	out[3] = 0x80;                                  /* RA, NOERROR */
	out[4] = 0, out[5] = 1, out[6] = 0, out[7] = 1;
	memset(out + 8, 0, 4);
	static const uint8_t rr[16] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2, 1};
	memcpy(out + qend, rr, sizeof(rr));
	return qend + sizeof(rr);
}

static void *server_main(void *arg)
{
	(void)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint8_t q[1500];
	struct pollfd pfd = {.fd = S.fd, .events = POLLIN};
	while (!__atomic_load_n(&S.stop, __ATOMIC_ACQUIRE)) {
		long now = now_ms(), wait = 20;
		for (unsigned i = 0; i < S.nq;) {
			if (S.q[i].due <= now) {
				sendto(S.fd, S.q[i].pkt, S.q[i].len, 0, (struct sockaddr *)&S.q[i].to,
				       sizeof(S.q[i].to));
				S.q[i] = S.q[--S.nq];
				continue;
			}
			if (S.q[i].due - now < wait)
				wait = S.q[i].due - now;
			i++;
		}
		if (poll(&pfd, 1, (int)wait) <= 0)
			continue;
		for (int burst = 0; burst < 64; burst++) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(S.fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from,
					     &fl);
			if (n <= 0)
				break;
			uint8_t out[512];
			char what = 0;
			size_t len = respond(q, (size_t)n, out, &what);
			if (!len || what == 'x') {
				S.dropped++;
			} else if (what == 'd' && S.nq < ST_DELAYED) {
				struct late *l = &S.q[S.nq++];
				l->due = now_ms() + 1 + (long)(rnd(&seed) % ST_DELAY_MAX_MS);
				l->to = from;
				l->len = len;
				memcpy(l->pkt, out, len);
				S.delayed++;
			} else {
				sendto(S.fd, out, len, 0, (struct sockaddr *)&from, fl);
				S.answered++;
			}
		}
	}
	return NULL;
}

static int server_start(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	S.fd = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t al = sizeof(a);
	int big = 1 << 20;
	if (S.fd < 0 || bind(S.fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(S.fd, (struct sockaddr *)&a, &al) != 0)
		return -errno;
	setsockopt(S.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	snprintf(S.addr, sizeof(S.addr), "127.0.0.1:%u", ntohs(a.sin_port));
	return -pthread_create(&S.th, NULL, server_main, NULL);
}

static void server_stop(void)
{
	__atomic_store_n(&S.stop, 1, __ATOMIC_RELEASE);
	pthread_join(S.th, NULL);
	close(S.fd);
}

/* ---- one driver: an engine, its owner thread and its bookkeeping --------- */

/* per submitted check; the cb_* fields are written on worker threads */
struct slot {
	uint64_t id;          /* as vtg_submit_check returned (owner) */
	int cancel_rc;        /* first vtg_cancel's result, 1 if never cancelled */
	uint8_t normal;       /* completions, by kind (poll mode: owner) */
	uint8_t cancelled;
	uint8_t cb_normal;    /* callback mode: atomics */
	uint8_t cb_cancelled;
	uint64_t cb_id;       /* callback mode: the completion's id (atomic) */
	int cb_bad;           /* callback mode: wrong name / reason (atomic) */
};

struct driver {
	const char *label;
	int callback;
	uint32_t n;           /* checks to run */
	struct slot *s;
	uint64_t seed;
	struct vtg_engine *e;
	/* outcome counts */
	uint64_t cancel_ok, cancel_raced, cancel_stale, answered, failed, eagain, polls;
	double secs;
};

static void name_of(uint32_t seq, char *buf, size_t cap)
{
	static const char kind[10] = {'a', 'a', 'a', 'a', 'a', 'a', 'd', 'd', 'd', 'x'};
	snprintf(buf, cap, "%c-%u.stress.test", kind[seq % 10], seq);
}

/* What any completion must look like apart from who delivered it. */
static int completion_ok(const struct driver *d, const struct vtg_completion *c, uint32_t seq,
			 int cancelled)
{
	char name[64];
	name_of(seq, name, sizeof(name));
	if (!c->name || strcmp(c->name, name) != 0 || c->kind != VTG_CHECK_QUERY)
		return 0;
	if (cancelled)
		return c->positive == 0;
	if (c->reason_code == VTG_REASON_ANSWERED)
		return name[0] != 'x' && c->positive && c->rcode == 0;
	(void)d;
	return c->reason_code == VTG_REASON_QUERY_FAILED && !c->positive;
}

static void on_complete(void *ud, const struct vtg_completion *c)
{
	struct driver *d = ud;
	struct slot *sl = c->user;
	if (!sl || sl < d->s || sl >= d->s + d->n) {
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
		return;
	}
	uint32_t seq = (uint32_t)(sl - d->s);
	int canc = c->reason_code == VTG_REASON_CANCELLED;
	if (!completion_ok(d, c, seq, canc))
		__atomic_add_fetch(&sl->cb_bad, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&sl->cb_id, c->id, __ATOMIC_RELAXED);
	if (canc)
		__atomic_add_fetch(&sl->cb_cancelled, 1, __ATOMIC_ACQ_REL);
	else
		__atomic_add_fetch(&sl->cb_normal, 1, __ATOMIC_ACQ_REL);
}

/* poll mode: one completion returned by vtg_poll, on the owner thread */
static void take(struct driver *d, const struct vtg_completion *c)
{
	struct slot *sl = c->user;
	CHECK(sl && sl >= d->s && sl < d->s + d->n, "%s: completion with a foreign user %p",
	      d->label, c->user);
	if (!sl || sl < d->s || sl >= d->s + d->n)
		return;
	uint32_t seq = (uint32_t)(sl - d->s);
	int canc = c->reason_code == VTG_REASON_CANCELLED;
	CHECK(c->id == sl->id, "%s: check %u: id %#llx, submitted as %#llx", d->label, seq,
	      (unsigned long long)c->id, (unsigned long long)sl->id);
	CHECK(completion_ok(d, c, seq, canc), "%s: check %u (%s): reason %d %s", d->label, seq,
	      c->name ? c->name : "(null)", c->reason_code, c->reason ? c->reason : "(null)");
	CHECK(sl->normal + sl->cancelled == 0, "%s: check %u completes again (%s; had %u+%u)",
	      d->label, seq, canc ? "cancelled" : "normal", sl->normal, sl->cancelled);
	if (canc) {
		sl->cancelled++;
		CHECK(sl->cancel_rc == 0, "%s: check %u completes cancelled, vtg_cancel said %d",
		      d->label, seq, sl->cancel_rc);
	} else {
		sl->normal++;
		CHECK(sl->cancel_rc != 0, "%s: check %u cancelled (0) but completes normally (%s)",
		      d->label, seq, c->reason ? c->reason : "");
		if (c->reason_code == VTG_REASON_ANSWERED)
			d->answered++;
		else
			d->failed++;
	}
}

static int drain(struct driver *d)
{
	struct vtg_completion out[16];
	int got = vtg_poll(d->e, out, 16, 0);
	CHECK(got >= 0, "%s: vtg_poll: %s", d->label, vtg_strerror(got));
	for (int i = 0; i < got; i++)
		take(d, &out[i]);
	d->polls++;
	return got;
}

/* ~10 % of the batch just submitted [first, next) (in flight, or already
 * finished in a worker: the race), and now and then an older one of the
 * last ST_RECENT (mostly delivered: -ENOENT). */
static void cancel_some(struct driver *d, uint32_t first, uint32_t next)
{
	uint32_t lo = next > ST_RECENT ? next - ST_RECENT : 0;
	for (uint32_t k = first; k < next; k++) {
		if (rnd(&d->seed) % 10)
			continue;
		int fresh = rnd(&d->seed) % 8 != 0;
		uint32_t seq = fresh ? first + rnd(&d->seed) % (next - first)
				     : lo + rnd(&d->seed) % (next - lo);
		struct slot *sl = &d->s[seq];
		int rc = vtg_cancel(d->e, sl->id);
		CHECK(rc == 0 || rc == -ENOENT || rc == -EALREADY, "%s: vtg_cancel: %d", d->label, rc);
		if (sl->cancel_rc == 1) {
			CHECK(rc != -EALREADY, "%s: check %u: first cancel says -EALREADY", d->label,
			      seq);
			sl->cancel_rc = rc;
		} else {
			CHECK(rc != 0, "%s: check %u cancelled twice with 0 (first %d)", d->label, seq,
			      sl->cancel_rc);
		}
		if (rc == 0) {
			d->cancel_ok++;
			int again = vtg_cancel(d->e, sl->id);
			CHECK(again == -EALREADY, "%s: check %u: second cancel says %d", d->label, seq,
			      again);
		} else if (rc == -ENOENT) {
			if (fresh)
				d->cancel_raced++;
			else
				d->cancel_stale++;
		}
	}
}

static void run(struct driver *d)
{
	char name[64], err[256] = "";
	struct vtg_options o = {
		.resolver = S.addr, .kind = VTG_CHECK_QUERY, .qtype = 1, .workers = 2,
		.window = ST_WINDOW, .timeout_ms = ST_TIMEOUT_MS, .retries = 0,
	};
	if (d->callback) {
		o.on_complete = on_complete;
		o.on_complete_ud = d;
	}
	int rc = vtg_engine_new(&d->e, &o, err, sizeof(err));
	CHECK(rc == 0, "%s: vtg_engine_new: %s %s", d->label, vtg_strerror(rc), err);
	if (rc != 0)
		return;
	for (uint32_t i = 0; i < d->n; i++)
		d->s[i].cancel_rc = 1;
	long t0 = now_ms();
	struct pollfd pfd = {.fd = vtg_engine_fd(d->e), .events = POLLIN};
	uint32_t next = 0;
	for (;;) {
		uint32_t first = next;
		while (next < d->n) {
			name_of(next, name, sizeof(name));
			struct vtg_check chk = {.kind = VTG_CHECK_QUERY, .name = name, .qtype = 1};
			rc = vtg_submit_check(d->e, &chk, &d->s[next], &d->s[next].id);
			if (rc == -EAGAIN) {
				d->eagain++;
				break;
			}
			CHECK(rc == 0, "%s: vtg_submit_check %s: %s", d->label, name, vtg_strerror(rc));
			if (rc != 0)
				return;
			next++;
		}
		if (next > first) {
			/* now and then let the fast answers land first: the cancel
			 * then races the workers' finalisation */
			if (rnd(&d->seed) % 4 == 0)
				usleep(rnd(&d->seed) % 400);
			cancel_some(d, first, next);
		}
		if (next == d->n && vtg_pending(d->e) == 0)
			break;
		if (now_ms() - t0 > ST_DEADLINE_MS) {
			CHECK(0, "%s: %u checks still pending after %d ms", d->label,
			      vtg_pending(d->e), ST_DEADLINE_MS);
			break;
		}
		if (d->callback) {
			rc = vtg_poll(d->e, NULL, 0, 10);
			CHECK(rc >= 0, "%s: vtg_poll: %s", d->label, vtg_strerror(rc));
			d->polls++;
			continue;
		}
		if (poll(&pfd, 1, 100) > 0 || rc == -EAGAIN)
			while (drain(d) > 0)
				;
	}
	/* the cancelled checks' lookups run out: nothing more may come */
	long quiet = now_ms() + 3 * ST_TIMEOUT_MS;
	while (now_ms() < quiet) {
		if (d->callback)
			vtg_poll(d->e, NULL, 0, 10);
		else if (poll(&pfd, 1, 10) >= 0)
			drain(d);
	}
	CHECK(vtg_pending(d->e) == 0, "%s: vtg_pending %u at the end", d->label,
	      vtg_pending(d->e));
	vtg_engine_free(d->e);
	d->secs = (double)(now_ms() - t0) / 1000.0;
	if (!d->callback) {
		for (uint32_t i = 0; i < d->n; i++)
			CHECK(d->s[i].normal + d->s[i].cancelled == 1,
			      "%s: check %u completed %u+%u times", d->label, i, d->s[i].normal,
			      d->s[i].cancelled);
		return;
	}
	for (uint32_t i = 0; i < d->n; i++) {
		struct slot *sl = &d->s[i];
		unsigned nn = __atomic_load_n(&sl->cb_normal, __ATOMIC_ACQUIRE);
		unsigned nc = __atomic_load_n(&sl->cb_cancelled, __ATOMIC_ACQUIRE);
		CHECK(nn + nc == 1, "%s: check %u called back %u+%u times", d->label, i, nn, nc);
		CHECK(nc == (sl->cancel_rc == 0), "%s: check %u: cancel said %d, %u cancelled calls",
		      d->label, i, sl->cancel_rc, nc);
		CHECK(__atomic_load_n(&sl->cb_id, __ATOMIC_RELAXED) == sl->id,
		      "%s: check %u: callback id differs", d->label, i);
		CHECK(__atomic_load_n(&sl->cb_bad, __ATOMIC_RELAXED) == 0,
		      "%s: check %u: wrong name or reason in the callback", d->label, i);
	}
}

static void *owner_main(void *arg)
{
	run(arg);
	return NULL;
}

static struct driver *driver_new(const char *label, int callback, uint32_t n, uint64_t seed)
{
	struct driver *d = calloc(1, sizeof(*d));
	if (!d || !(d->s = calloc(n, sizeof(struct slot)))) {
		fprintf(stderr, "stress_api: out of memory\n");
		exit(1);
	}
	d->label = label, d->callback = callback, d->n = n, d->seed = seed;
	return d;
}

static void driver_free(struct driver *d)
{
	free(d->s);
	free(d);
}

static void summary(const struct driver *d, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %u in %.1fs (cancel: %llu ok, %llu raced, %llu stale)", d->label,
		 d->n, d->secs, (unsigned long long)d->cancel_ok, (unsigned long long)d->cancel_raced,
		 (unsigned long long)d->cancel_stale);
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000;
	if (n < 100)
		n = 100;
	int rc = server_start();
	if (rc != 0) {
		fprintf(stderr, "stress_api: server: %s\n", strerror(-rc));
		return 1;
	}
	char s1[160], s2[160], s3[160], s4[160];

	struct driver *p = driver_new("poll", 0, n, 0x1234567u);
	run(p);
	summary(p, s1, sizeof(s1));
	CHECK(p->answered > n / 2, "poll: only %llu of %u answered",
	      (unsigned long long)p->answered, n);

	struct driver *c = driver_new("callback", 1, n / 2, 0x89abcdefu);
	run(c);
	summary(c, s2, sizeof(s2));

	struct driver *a = driver_new("owner1", 0, n / 4, 0x2468aceu);
	struct driver *b = driver_new("owner2", 0, n / 4, 0x13579bdu);
	pthread_t ta, tb;
	if (pthread_create(&ta, NULL, owner_main, a) != 0 ||
	    pthread_create(&tb, NULL, owner_main, b) != 0) {
		fprintf(stderr, "stress_api: pthread_create failed\n");
		return 1;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	summary(a, s3, sizeof(s3));
	summary(b, s4, sizeof(s4));
	server_stop();

	int f = __atomic_load_n(&failures, __ATOMIC_RELAXED);
	printf("stress_api: %s; %s; %s; %s; server %llu/%llu/%llu now/late/dropped: %s\n", s1, s2,
	       s3, s4, (unsigned long long)S.answered, (unsigned long long)S.delayed,
	       (unsigned long long)S.dropped, f ? "FAILED" : "ok");
	driver_free(p);
	driver_free(c);
	driver_free(a);
	driver_free(b);
	return f ? 1 : 0;
}
