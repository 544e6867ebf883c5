/*
 * stress_web.c — web validation (http-01, website-change, tls-alpn-01)
 * through the public API under concurrency, for ThreadSanitizer. A web
 * check's three perspectives run on different worker threads, each doing
 * its own DNS lookups (the runner) and its own HTTP or TLS connection
 * (engine/http.c: libcurl on the worker's ring; engine/alpn.c: OpenSSL),
 * and the last one's thread writes the line (the aggregator); this drives
 * many of them at once, with cancels racing their completion.
 *
 * The process makes a network namespace of its own (unshare: port 80 is the
 * challenge's port, and the host's stays untouched), brings lo up, and
 * serves on 127.0.0.1:
 *   DNS (a thread, UDP, ephemeral port): NAME.web.test A 127.0.0.1, AAAA
 *       NODATA; a name whose first label starts "x-" is never answered
 *   HTTP :80 and TLS :443 (a thread, one poll loop, any number of
 *       connections; half the responses wait 1-20 ms so completions
 *       interleave):
 *       /.well-known/acme-challenge/okT    200 "okT.thumb\n"
 *       /.well-known/acme-challenge/reT    302 -> /.well-known/acme-challenge/okT
 *       /.well-known/acme-challenge/slT    never answered (the client times out)
 *       /.well-known/pki-validation/okN.txt  200 "here is RANDOM-N .\n"
 *       anything else                       404
 *       :443 reads the ClientHello and answers with a plain HTTP 400 (a
 *       handshake that fails in OpenSSL on the worker)
 * Engines: 3 stub perspectives (ARIN primary, RIPE NCC and APNIC remotes)
 * through that DNS server, report-only corroboration with min-remotes = 2
 * (enforce refuses a primary that does not validate DNSSEC itself, and
 * report-only computes the same quorum), 2 workers, window 32 (so -EAGAIN
 * and entry reuse happen all the time). The check of sequence number s is
 * of class MIX[s % 20]: http-01 by name and by the IP literal 127.0.0.1
 * (pass, 2/2 corroborated), a redirect to another token (mismatch, one
 * redirect followed), a 404, a name never answered (lookup-failure), a
 * response never sent (timeout), website-change with a per-check file name
 * (pass and mismatch), tls-alpn-01 against the :443 listener (tls-failure).
 * Phases as in stress_api.c: poll mode, callback mode, then two engines at
 * once in two owner threads; after each submit burst ~10 % of the recent
 * ids are cancelled, some racing their completion.
 *
 * Every submitted check must complete exactly once, with its own id, user,
 * name and the outcome its class implies, or as cancelled exactly when
 * vtg_cancel said 0; vtg_pending ends at 0; and under ThreadSanitizer
 * nothing is reported (CI runs it in the tsan build: scripts/test.sh).
 * Needs root (CI is root); without a namespace it fails, it does not skip.
 * Usage: stress_web [CHECKS]   (poll mode; callback gets half, each of the
 * two engines a quarter; default 1500, so 3000 checks in all)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vantage.h"

static int failures; /* atomic: worker and owner threads count */

#define CHECK(cond, ...)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "stress_web: %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                  \
			if (__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED) > 20) \
				exit(1);                                      \
		}                                                             \
	} while (0)

#define ST_WINDOW 32
#define ST_DNS_TIMEOUT_MS 200   /* first try; one retry at 400 */
#define ST_HTTP_CONNECT_MS 500
#define ST_HTTP_MS 1000         /* the "sl" responses never come: this long */
#define ST_DELAY_MAX_MS 20      /* a delayed HTTP response waits 1..20 ms */
#define ST_CONNS 1024           /* the HTTP server's connections at once */
#define ST_RECENT 128           /* cancel targets: the last ids submitted */
#define ST_DEADLINE_MS 120000   /* a phase that runs longer has lost checks */
#define ST_QUIET_MS 300         /* after the last completion: nothing more comes */

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

/* ---- the namespace -------------------------------------------------------- */

static int netns_own(void)
{
	if (unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "stress_web: unshare(CLONE_NEWNET): %s (needs root or "
			"CAP_SYS_ADMIN; CI runs as root)\n", strerror(errno));
		return -1;
	}
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		fprintf(stderr, "stress_web: lo flags: %s\n", strerror(errno));
		return -1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		fprintf(stderr, "stress_web: lo up: %s\n", strerror(errno));
		return -1;
	}
	close(s);
	return 0;
}

/* ---- DNS ------------------------------------------------------------------ */

static struct {
	int fd;
	uint16_t port;
	pthread_t th;
	int stop; /* atomic */
	uint64_t answered, dropped;
} D;

/* Copy the header and question, drop OPT; A 127.0.0.1 for *.web.test,
 * NODATA for any other type, NXDOMAIN outside web.test; 0: no answer. */
static size_t dns_reply(const uint8_t *q, size_t n, uint8_t *out)
{
	if (n < 17)
		return 0;
	size_t off = 12;
	char name[256];
	size_t nl = 0;
	while (off < n && q[off] != 0) {
		unsigned l = q[off];
		if (l > 63 || off + 1 + l > n || nl + l + 2 > sizeof(name))
			return 0;
		for (unsigned i = 0; i < l; i++)
			name[nl++] = (char)(q[off + 1 + i] | 0x20);
		name[nl++] = '.';
		off += 1 + l;
	}
	name[nl] = 0;
	off++;
	if (off + 4 > n || off + 4 + 16 > 512)
		return 0;
	if (!strncmp(name, "x-", 2))
		return 0;
	uint16_t qtype = (uint16_t)(q[off] << 8 | q[off + 1]);
	off += 4;
	memcpy(out, q, off);
	out[2] = (uint8_t)(0x84 | (q[2] & 0x01)); /* QR AA RD */
	out[3] = 0x80;                            /* RA, NOERROR */
	memset(out + 6, 0, 6);
	size_t o = off;
	if (nl < 10 || strcmp(name + nl - 10, ".web.test.") != 0) {
		out[3] |= 3;
	} else if (qtype == 1) {
		static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
		memcpy(out + o, rr, sizeof(rr));
		o += sizeof(rr);
		out[7] = 1;
	}
	return o;
}

static void *dns_main(void *arg)
{
	(void)arg;
	struct pollfd pfd = {.fd = D.fd, .events = POLLIN};
	while (!__atomic_load_n(&D.stop, __ATOMIC_ACQUIRE)) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		for (int burst = 0; burst < 64; burst++) {
			uint8_t q[1500], out[512];
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(D.fd, q, sizeof(q), MSG_DONTWAIT,
					     (struct sockaddr *)&from, &fl);
			if (r <= 0)
				break;
			size_t len = dns_reply(q, (size_t)r, out);
			if (!len) {
				D.dropped++;
				continue;
			}
			sendto(D.fd, out, len, 0, (struct sockaddr *)&from, fl);
			D.answered++;
		}
	}
	return NULL;
}

/* ---- HTTP and TLS: one poll loop ------------------------------------------ */

enum cstate { CS_FREE = 0, CS_READ, CS_WAIT, CS_WRITE, CS_HOLD };

struct conn {
	int fd;
	uint8_t state;
	bool tls;          /* accepted on :443 */
	size_t got, outlen, sent;
	long due;          /* CS_WAIT: when the response goes out */
	char req[8192];    /* a request head, or a ClientHello record */
	char out[512];
};

static struct {
	int l80, l443;
	pthread_t th;
	int stop; /* atomic */
	struct conn *c;    /* ST_CONNS */
	uint64_t seed;
	uint64_t accepted, responses, delayed, held, refused, max_open;
} H;

static int http_listen(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons(port)};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4096) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->state = CS_FREE;
}

#define ACME "/.well-known/acme-challenge/"
#define PKI "/.well-known/pki-validation/"

/* The response to a complete request head; CS_HOLD for one never sent. */
static void http_answer(struct conn *c)
{
	char path[256] = "";
	if (sscanf(c->req, "GET %255s HTTP/1.1", path) != 1)
		path[0] = 0;
	const char *tok = !strncmp(path, ACME, strlen(ACME)) ? path + strlen(ACME) : NULL;
	const char *file = !strncmp(path, PKI, strlen(PKI)) ? path + strlen(PKI) : NULL;
	int n;
	if (tok && !strncmp(tok, "sl", 2)) {
		c->state = CS_HOLD;
		H.held++;
		return;
	}
	if (tok && !strncmp(tok, "ok", 2))
		n = snprintf(c->out, sizeof(c->out), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
			     "Connection: close\r\n\r\n%s.thumb\n", strlen(tok) + 7, tok);
	else if (tok && !strncmp(tok, "re", 2))
		n = snprintf(c->out, sizeof(c->out), "HTTP/1.1 302 Found\r\nLocation: " ACME
			     "ok%s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", tok + 2);
	else if (file && !strncmp(file, "ok", 2) && strlen(file) > 6 &&
		 !strcmp(file + strlen(file) - 4, ".txt")) {
		char body[128];
		int bl = snprintf(body, sizeof(body), "here is RANDOM-%.*s .\n",
				  (int)(strlen(file) - 6), file + 2);
		n = snprintf(c->out, sizeof(c->out), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
			     "Connection: close\r\n\r\n%s", bl, body);
	} else
		n = snprintf(c->out, sizeof(c->out), "HTTP/1.1 404 Not Found\r\n"
			     "Content-Length: 0\r\nConnection: close\r\n\r\n");
	c->outlen = (size_t)n;
}

/* Read what is there; once the request (or the ClientHello) is whole, the
 * response is decided and scheduled. */
static void conn_read(struct conn *c)
{
	for (;;) {
		ssize_t r = read(c->fd, c->req + c->got, sizeof(c->req) - 1 - c->got);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c); /* the client went away (a timeout, a cancel) */
			return;
		}
		if (r < 0)
			return;
		if (c->state == CS_HOLD)
			continue; /* discard: only the close matters */
		c->got += (size_t)r;
		c->req[c->got] = 0;
		bool whole;
		if (c->tls) {
			/* one TLS record (0x16 handshake), read to its end so the
			 * close does not reset what the client has still to read */
			const uint8_t *b = (const uint8_t *)c->req;
			if (b[0] != 0x16) {
				conn_close(c);
				return;
			}
			whole = c->got >= 5 && c->got >= 5u + (size_t)(b[3] << 8 | b[4]);
		} else {
			whole = strstr(c->req, "\r\n\r\n") != NULL;
		}
		if (!whole) {
			if (c->got + 1 >= sizeof(c->req))
				conn_close(c);
			continue;
		}
		if (c->tls)
			c->outlen = (size_t)snprintf(c->out, sizeof(c->out),
						     "HTTP/1.1 400 Bad Request\r\n"
						     "Content-Length: 0\r\n\r\n");
		else
			http_answer(c);
		if (c->state == CS_HOLD)
			continue;
		c->sent = 0;
		if (rnd(&H.seed) % 2) {
			c->state = CS_WAIT;
			c->due = now_ms() + 1 + (long)(rnd(&H.seed) % ST_DELAY_MAX_MS);
			H.delayed++;
		} else {
			c->state = CS_WRITE;
		}
		return;
	}
}

static void conn_write(struct conn *c)
{
	while (c->sent < c->outlen) {
		ssize_t r = send(c->fd, c->out + c->sent, c->outlen - c->sent, MSG_NOSIGNAL);
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			conn_close(c);
			return;
		}
		c->sent += (size_t)r;
	}
	H.responses++;
	conn_close(c);
}

static void http_accept(int lfd, bool tls)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct conn *c = NULL;
		for (unsigned i = 0; i < ST_CONNS && !c; i++)
			if (H.c[i].state == CS_FREE)
				c = &H.c[i];
		if (!c) {
			H.refused++;
			close(fd);
			continue;
		}
		memset(c, 0, offsetof(struct conn, req));
		c->fd = fd;
		c->tls = tls;
		c->state = CS_READ;
		H.accepted++;
	}
}

static void *http_main(void *arg)
{
	(void)arg;
	static struct pollfd pf[ST_CONNS + 2];
	static unsigned who[ST_CONNS + 2];
	while (!__atomic_load_n(&H.stop, __ATOMIC_ACQUIRE)) {
		long now = now_ms(), wait = 50;
		unsigned n = 2, open = 0;
		pf[0] = (struct pollfd){.fd = H.l80, .events = POLLIN};
		pf[1] = (struct pollfd){.fd = H.l443, .events = POLLIN};
		for (unsigned i = 0; i < ST_CONNS; i++) {
			struct conn *c = &H.c[i];
			if (c->state == CS_FREE)
				continue;
			open++;
			if (c->state == CS_WAIT) {
				if (c->due > now) {
					if (c->due - now < wait)
						wait = c->due - now;
					continue;
				}
				c->state = CS_WRITE;
			}
			pf[n] = (struct pollfd){.fd = c->fd,
						.events = c->state == CS_WRITE ? POLLOUT : POLLIN};
			who[n++] = i;
		}
		if (open > H.max_open)
			H.max_open = open;
		if (poll(pf, n, (int)wait) <= 0)
			continue;
		for (unsigned k = 2; k < n; k++) {
			struct conn *c = &H.c[who[k]];
			if (!pf[k].revents)
				continue;
			if (c->state == CS_WRITE)
				conn_write(c);
			else
				conn_read(c);
			if (c->state == CS_WRITE)
				conn_write(c);
		}
		if (pf[0].revents & POLLIN)
			http_accept(H.l80, false);
		if (pf[1].revents & POLLIN)
			http_accept(H.l443, true);
	}
	for (unsigned i = 0; i < ST_CONNS; i++)
		if (H.c[i].state != CS_FREE)
			conn_close(&H.c[i]);
	return NULL;
}

static int servers_start(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int big = 1 << 20;
	D.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (D.fd < 0 || bind(D.fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(D.fd, (struct sockaddr *)&a, &al) != 0) {
		fprintf(stderr, "stress_web: DNS socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(D.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	D.port = ntohs(a.sin_port);
	H.l80 = http_listen(80);
	H.l443 = http_listen(443);
	if (H.l80 < 0 || H.l443 < 0) {
		fprintf(stderr, "stress_web: listen on 127.0.0.1:80 / :443: %s\n",
			strerror(-(H.l80 < 0 ? H.l80 : H.l443)));
		return -1;
	}
	H.c = calloc(ST_CONNS, sizeof(struct conn));
	if (!H.c)
		return -1;
	for (unsigned i = 0; i < ST_CONNS; i++)
		H.c[i].fd = -1;
	H.seed = 0x5bd1e995u;
	if (pthread_create(&D.th, NULL, dns_main, NULL) != 0 ||
	    pthread_create(&H.th, NULL, http_main, NULL) != 0) {
		fprintf(stderr, "stress_web: pthread_create failed\n");
		return -1;
	}
	return 0;
}

static void servers_stop(void)
{
	__atomic_store_n(&D.stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&H.stop, 1, __ATOMIC_RELEASE);
	pthread_join(D.th, NULL);
	pthread_join(H.th, NULL);
	close(D.fd);
	close(H.l80);
	close(H.l443);
	free(H.c);
}

/* ---- the checks: class by sequence number --------------------------------- */

enum cls {
	K_PASS,        /* http-01 by name: pass, 2/2 */
	K_IP,          /* http-01 at 127.0.0.1: pass, 2/2 */
	K_REDIRECT,    /* 302 to another token: mismatch after one redirect */
	K_404,         /* http-status: 404 */
	K_NODNS,       /* the name is never answered: lookup-failure */
	K_SLOW,        /* the response never comes: timeout */
	K_CHANGE,      /* website-change, the file per check: pass, 2/2 */
	K_CHANGE_BAD,  /* website-change, another random value: mismatch */
	K_ALPN,        /* tls-alpn-01 against a plain-text :443: tls-failure */
	K_COUNT
};

static const uint8_t MIX[20] = {
	K_PASS, K_PASS, K_IP, K_REDIRECT, K_PASS, K_404, K_CHANGE, K_PASS, K_ALPN, K_IP,
	K_PASS, K_REDIRECT, K_NODNS, K_CHANGE_BAD, K_PASS, K_404, K_CHANGE, K_ALPN, K_SLOW, K_PASS,
};

static const char *const CLS_NAME[K_COUNT] = {
	"pass", "ip", "redirect", "404", "nodns", "slow", "change", "change-bad", "alpn",
};

static enum cls cls_of(uint32_t seq)
{
	return (enum cls)MIX[seq % 20];
}

struct check_text {
	char name[64], expect[64], path[64];
};

/* The check of sequence number seq (its strings in t). */
static struct vtg_check check_of(uint32_t seq, struct check_text *t)
{
	struct vtg_check k = {.kind = VTG_CHECK_DCV, .name = t->name, .expect = t->expect};
	enum cls c = cls_of(seq);
	snprintf(t->name, sizeof(t->name), "%s%u.web.test", c == K_NODNS ? "x-" : "w", seq);
	const char *tok = c == K_REDIRECT ? "re" : c == K_404 ? "nf" : c == K_SLOW ? "sl" : "ok";
	snprintf(t->expect, sizeof(t->expect), "%s%u.thumb", tok, seq);
	switch (c) {
	case K_IP:
		snprintf(t->name, sizeof(t->name), "127.0.0.1");
		break;
	case K_CHANGE:
	case K_CHANGE_BAD:
		k.dcv_method = "website-change";
		snprintf(t->path, sizeof(t->path), "ok%u.txt", seq);
		k.dcv_http_path = t->path;
		snprintf(t->expect, sizeof(t->expect), "RANDOM-%s%u", c == K_CHANGE ? "" : "n",
			 seq);
		break;
	case K_ALPN:
		k.dcv_method = "tls-alpn-01";
		break;
	default:
		break;
	}
	return k;
}

/* What a completion of check seq must be; NULL when it is, else why not
 * (a static text: safe on any thread). */
static const char *outcome_wrong(uint32_t seq, const struct vtg_completion *c, int cancelled)
{
	struct check_text t;
	check_of(seq, &t);
	if (!c->name || strcmp(c->name, t.name) != 0)
		return "wrong name";
	if (c->kind != VTG_CHECK_DCV)
		return "wrong kind";
	if (!c->json || !c->reason)
		return "no json or reason";
	if (cancelled)
		return c->positive ? "cancelled but positive" : NULL;
	if (c->n_perspectives != 3 || !c->perspectives)
		return "not 3 perspectives";
	enum cls k = cls_of(seq);
	if (k == K_PASS || k == K_IP || k == K_CHANGE) {
		if (!c->positive || c->reason_code != VTG_REASON_DCV_PASS)
			return "should pass";
		if (c->corroborated != 1 || c->quorum_k != 2 || c->quorum_n != 2)
			return "pass not corroborated 2/2";
		for (unsigned p = 0; p < 3; p++)
			if (!c->perspectives[p].positive || !c->perspectives[p].answered)
				return "a perspective did not pass";
		if (!strstr(c->json, "\"connected\":\"127.0.0.1:80\""))
			return "no connection to 127.0.0.1:80 in the evidence";
		if (k == K_IP && !strstr(c->json, "\"ip\":\"127.0.0.1\""))
			return "IP target not in the evidence";
		return NULL;
	}
	if (c->positive)
		return "positive but should fail";
	if (c->corroborated != -1)
		return "a failed primary corroborated";
	switch (k) {
	case K_REDIRECT:
		if (c->reason_code != VTG_REASON_DCV_MISMATCH)
			return "redirect: not a mismatch";
		if (!strstr(c->json, "\"redirects\":1"))
			return "redirect: not one redirect followed";
		return NULL;
	case K_404:
		if (c->reason_code != VTG_REASON_DCV_HTTP_STATUS ||
		    strcmp(c->reason, "http-status: 404") != 0)
			return "404: not http-status: 404";
		return NULL;
	case K_NODNS:
		if (c->reason_code != VTG_REASON_DCV_LOOKUP_FAILURE)
			return "unanswered name: not lookup-failure";
		if (!c->failure || strcmp(c->failure, "timeout") != 0)
			return "unanswered name: failure not timeout";
		return NULL;
	case K_SLOW:
		return c->reason_code == VTG_REASON_DCV_TIMEOUT ? NULL : "slow: not timeout";
	case K_CHANGE_BAD:
		return c->reason_code == VTG_REASON_DCV_MISMATCH ? NULL
								 : "website-change: not a mismatch";
	case K_ALPN:
		return c->reason_code == VTG_REASON_DCV_TLS_FAILURE ? NULL
								    : "tls-alpn-01: not tls-failure";
	default:
		return "unknown class";
	}
}

/* ---- one driver: an engine, its owner thread and its bookkeeping --------- */

struct slot {
	uint64_t id;          /* as vtg_submit_check returned (owner) */
	int cancel_rc;        /* first vtg_cancel's result, 1 if never cancelled */
	uint8_t normal;       /* completions, by kind (poll mode: owner) */
	uint8_t cancelled;
	uint8_t cb_normal;    /* callback mode: atomics */
	uint8_t cb_cancelled;
	uint64_t cb_id;       /* callback mode: the completion's id (atomic) */
	const char *cb_bad;   /* callback mode: why the completion is wrong (atomic) */
	int cb_code;          /* callback mode: its reason code (atomic) */
};

struct driver {
	const char *label;
	int callback;
	uint32_t n;           /* checks to run */
	struct slot *s;
	uint64_t seed;
	struct vtg_engine *e;
	uint64_t cancel_ok, cancel_raced, cancel_stale, eagain, polls;
	uint64_t by_cls[K_COUNT]; /* normal completions per class */
	double secs;
};

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
	const char *bad = outcome_wrong(seq, c, canc);
	if (bad) {
		__atomic_store_n(&sl->cb_bad, bad, __ATOMIC_RELAXED);
		__atomic_store_n(&sl->cb_code, c->reason_code, __ATOMIC_RELAXED);
	}
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
	const char *bad = outcome_wrong(seq, c, canc);
	CHECK(c->id == sl->id, "%s: check %u: id %#llx, submitted as %#llx", d->label, seq,
	      (unsigned long long)c->id, (unsigned long long)sl->id);
	CHECK(!bad, "%s: check %u (%s, %s): %s; reason %d \"%s\"; %s", d->label, seq,
	      CLS_NAME[cls_of(seq)], c->name ? c->name : "(null)", bad ? bad : "",
	      c->reason_code, c->reason ? c->reason : "(null)", c->json ? c->json : "");
	CHECK(sl->normal + sl->cancelled == 0, "%s: check %u completes again (%s; had %u+%u)",
	      d->label, seq, canc ? "cancelled" : "normal", sl->normal, sl->cancelled);
	if (canc) {
		sl->cancelled++;
		CHECK(sl->cancel_rc == 0, "%s: check %u completes cancelled, vtg_cancel said %d",
		      d->label, seq, sl->cancel_rc);
	} else {
		sl->normal++;
		d->by_cls[cls_of(seq)]++;
		CHECK(sl->cancel_rc != 0, "%s: check %u cancelled (0) but completes normally (%s)",
		      d->label, seq, c->reason ? c->reason : "");
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

static char config[1024];

static void config_make(void)
{
	snprintf(config, sizeof(config),
		 "[engine]\n"
		 "mode = report-only\n"
		 "min-remotes = 2\n"
		 "timeout-ms = %d\n"
		 "retries = 1\n"
		 "http-connect-timeout-ms = %d\n"
		 "http-timeout-ms = %d\n"
		 "[perspective primary]\nrir = ARIN\nresolver = 127.0.0.1:%u\n"
		 "[perspective remote-ripe]\nrir = RIPE NCC\nresolver = 127.0.0.1:%u\n"
		 "[perspective remote-apnic]\nrir = APNIC\nresolver = 127.0.0.1:%u\n",
		 ST_DNS_TIMEOUT_MS, ST_HTTP_CONNECT_MS, ST_HTTP_MS, D.port, D.port, D.port);
}

static void run(struct driver *d)
{
	char err[256] = "";
	struct check_text t;
	struct vtg_options o = {
		.config_text = config, .kind = VTG_CHECK_DCV, .dcv_method = "http-01",
		.min_remotes = -1, .workers = 2, .window = ST_WINDOW,
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
			struct vtg_check chk = check_of(next, &t);
			rc = vtg_submit_check(d->e, &chk, &d->s[next], &d->s[next].id);
			if (rc == -EAGAIN) {
				d->eagain++;
				break;
			}
			CHECK(rc == 0, "%s: vtg_submit_check %s: %s", d->label, t.name,
			      vtg_strerror(rc));
			if (rc != 0)
				return;
			next++;
		}
		if (next > first) {
			/* now and then let fast results land first (a passing
			 * check takes a few ms, a delayed response up to 20 more):
			 * the cancel then races the workers' finalisation */
			if (rnd(&d->seed) % 4 == 0)
				usleep(rnd(&d->seed) % 25000);
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
	/* the cancelled checks' lookups and requests run out: nothing more
	 * may come */
	long quiet = now_ms() + ST_QUIET_MS;
	while (now_ms() < quiet) {
		if (d->callback)
			vtg_poll(d->e, NULL, 0, 10);
		else if (poll(&pfd, 1, 10) >= 0)
			drain(d);
	}
	CHECK(vtg_pending(d->e) == 0, "%s: vtg_pending %u at the end", d->label,
	      vtg_pending(d->e));
	/* a cancelled check's requests may still be in flight: freed here */
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
		const char *bad = __atomic_load_n(&sl->cb_bad, __ATOMIC_RELAXED);
		CHECK(nn + nc == 1, "%s: check %u called back %u+%u times", d->label, i, nn, nc);
		CHECK(nc == (sl->cancel_rc == 0), "%s: check %u: cancel said %d, %u cancelled calls",
		      d->label, i, sl->cancel_rc, nc);
		CHECK(__atomic_load_n(&sl->cb_id, __ATOMIC_RELAXED) == sl->id,
		      "%s: check %u: callback id differs", d->label, i);
		CHECK(!bad, "%s: check %u (%s): %s (reason %d)", d->label, i, CLS_NAME[cls_of(i)],
		      bad ? bad : "", __atomic_load_n(&sl->cb_code, __ATOMIC_RELAXED));
		if (nn)
			d->by_cls[cls_of(i)]++;
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
		fprintf(stderr, "stress_web: out of memory\n");
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

static void summary(const struct driver *d)
{
	printf("stress_web: %s: %u checks in %.1fs, %llu -EAGAIN; cancel %llu ok, %llu raced, "
	       "%llu stale; completed:", d->label, d->n, d->secs,
	       (unsigned long long)d->eagain, (unsigned long long)d->cancel_ok,
	       (unsigned long long)d->cancel_raced, (unsigned long long)d->cancel_stale);
	for (unsigned k = 0; k < K_COUNT; k++)
		printf(" %s %llu", CLS_NAME[k], (unsigned long long)d->by_cls[k]);
	printf("\n");
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1500;
	if (n < 100)
		n = 100;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* before any thread: every thread made after this lives in the namespace */
	if (netns_own() != 0 || servers_start() != 0)
		return 1;
	config_make();
	long t0 = now_ms();

	struct driver *p = driver_new("poll", 0, n, 0x1234567u);
	run(p);
	summary(p);
	CHECK(p->eagain > 0, "poll: the window never filled (-EAGAIN never seen)");
	CHECK(p->by_cls[K_PASS] > n / 10, "poll: only %llu http-01 passes of %u",
	      (unsigned long long)p->by_cls[K_PASS], n);

	struct driver *c = driver_new("callback", 1, n / 2, 0x89abcdefu);
	run(c);
	summary(c);

	struct driver *a = driver_new("owner1", 0, n / 4, 0x2468aceu);
	struct driver *b = driver_new("owner2", 0, n / 4, 0x13579bdu);
	pthread_t ta, tb;
	if (pthread_create(&ta, NULL, owner_main, a) != 0 ||
	    pthread_create(&tb, NULL, owner_main, b) != 0) {
		fprintf(stderr, "stress_web: pthread_create failed\n");
		return 1;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	summary(a);
	summary(b);
	servers_stop();

	int f = __atomic_load_n(&failures, __ATOMIC_RELAXED);
	printf("stress_web: %u checks in %.1fs; DNS %llu answered, %llu dropped; HTTP/TLS %llu "
	       "connections, %llu responses (%llu delayed), %llu held, %llu refused, %llu open "
	       "at most: %s\n",
	       n + n / 2 + 2 * (n / 4), (double)(now_ms() - t0) / 1000.0,
	       (unsigned long long)D.answered, (unsigned long long)D.dropped,
	       (unsigned long long)H.accepted, (unsigned long long)H.responses,
	       (unsigned long long)H.delayed, (unsigned long long)H.held,
	       (unsigned long long)H.refused, (unsigned long long)H.max_open,
	       f ? "FAILED" : "ok");
	driver_free(p);
	driver_free(c);
	driver_free(a);
	driver_free(b);
	return f ? 1 : 0;
}
