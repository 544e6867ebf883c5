/*
 * vtg-spoofer: a hostile DNS responder for the integration tests.
 *
 * It listens on ADDR:PORT and answers every query with a CAA record, but
 * before the genuine answer it sends five forged ones carrying
 * `0 issue "evil.example"`, each breaking exactly one matching rule:
 *
 *   1. wrong ID                          (from ADDR:PORT)
 *   2. right ID, wrong source port       (from ADDR:PORT+1)
 *   3. right ID, wrong source address    (from SPOOF_ADDR:PORT)
 *   4. right ID, question name changed   (from ADDR:PORT)
 *   5. right ID, question type TXT       (from ADDR:PORT)
 *
 * and then the genuine answer, `0 issue "genuine.example"`, from ADDR:PORT.
 * The forged packets arrive first, so a resolver that accepted any of them
 * would report evil.example. A blind off-path attacker has to guess what
 * this one knows; the resolver's defence must not depend on the guess.
 *
 * usage: vtg-spoofer ADDR PORT SPOOF_ADDR PIDFILE
 * Runs until SIGTERM/SIGINT; prints "queries N" on exit. Only libc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_sig(int s)
{
	(void)s;
	stop = 1;
}

static int udp_bind(const char *addr, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "vtg-spoofer: bad address %s\n", addr);
		exit(2);
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "vtg-spoofer: bind %s:%d: ", addr, port);
		perror("");
		exit(2);
	}
	return fd;
}

/* Build a response to the query q (question at 12..qend) into out. */
static size_t answer(uint8_t *out, const uint8_t *q, size_t qend, uint16_t id, uint16_t qtype,
		     int mangle_name, const char *issuer)
{
	memcpy(out, q, qend);
	out[0] = (uint8_t)(id >> 8);
	out[1] = (uint8_t)id;
	out[2] = 0x84 | (q[2] & 0x01); /* QR, AA, RD copied */
	out[3] = 0x00;
	out[4] = 0, out[5] = 1;                   /* QDCOUNT */
	out[6] = 0, out[7] = 1;                   /* ANCOUNT */
	memset(out + 8, 0, 4);                    /* NSCOUNT, ARCOUNT: no OPT */
	out[qend - 4] = (uint8_t)(qtype >> 8);    /* QTYPE */
	out[qend - 3] = (uint8_t)qtype;
	if (mangle_name && out[12] > 0) {
		uint8_t *c = &out[13]; /* first octet of the first label */
		*c = (*c == 'x' || *c == 'X') ? 'y' : 'x';
	}
	size_t n = qend;
	out[n++] = 0xc0, out[n++] = 12; /* owner: the question name */
	out[n++] = (uint8_t)(qtype >> 8), out[n++] = (uint8_t)qtype;
	out[n++] = 0, out[n++] = 1;     /* IN */
	out[n++] = 0, out[n++] = 0, out[n++] = 0x0e, out[n++] = 0x10; /* TTL 3600 */
	size_t vlen = strlen(issuer);
	size_t rdlen = qtype == 257 ? 2 + 5 + vlen : 1 + vlen;
	out[n++] = (uint8_t)(rdlen >> 8), out[n++] = (uint8_t)rdlen;
	if (qtype == 257) {
		out[n++] = 0;
		out[n++] = 5;
		memcpy(out + n, "issue", 5);
		n += 5;
	} else {
		out[n++] = (uint8_t)vlen;
	}
	memcpy(out + n, issuer, vlen);
	return n + vlen;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: vtg-spoofer ADDR PORT SPOOF_ADDR PIDFILE\n");
		return 2;
	}
	int port = atoi(argv[2]);
	int main_fd = udp_bind(argv[1], port);
	int port_fd = udp_bind(argv[1], port + 1);
	int addr_fd = udp_bind(argv[3], port);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	FILE *pf = fopen(argv[4], "w");
	if (!pf) {
		perror("vtg-spoofer: pidfile");
		return 2;
	}
	fprintf(pf, "%d\n", (int)getpid());
	fclose(pf);

	unsigned long queries = 0;
	uint8_t q[512], out[1024];
	while (!stop) {
		struct pollfd p = {.fd = main_fd, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(main_fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (len < 17 || (q[2] & 0x80) || q[4] != 0 || q[5] != 1)
			continue;
		size_t off = 12;
		while (off < (size_t)len && q[off] != 0 && q[off] < 64)
			off += (size_t)q[off] + 1;
		if (off >= (size_t)len || q[off] != 0 || off + 5 > (size_t)len)
			continue;
		size_t qend = off + 5;
		uint16_t id = (uint16_t)(q[0] << 8 | q[1]);
		uint16_t qtype = (uint16_t)(q[qend - 4] << 8 | q[qend - 3]);
		queries++;
		const char *evil = "evil.example";
		struct {
			int fd;
			uint16_t id, type;
			int mangle;
		} forged[5] = {
			{main_fd, (uint16_t)(id ^ 0x5a5a), qtype, 0},
			{port_fd, id, qtype, 0},
			{addr_fd, id, qtype, 0},
			{main_fd, id, qtype, 1},
			{main_fd, id, qtype == 16 ? 257 : 16, 0},
		};
		for (int i = 0; i < 5; i++) {
			size_t n = answer(out, q, qend, forged[i].id, forged[i].type, forged[i].mangle,
					  evil);
			sendto(forged[i].fd, out, n, 0, (struct sockaddr *)&from, fl);
		}
		size_t n = answer(out, q, qend, id, qtype, 0, "genuine.example");
		sendto(main_fd, out, n, 0, (struct sockaddr *)&from, fl);
	}
	printf("queries %lu\n", queries);
	return 0;
}
