/*
 * persp.c — perspectives as the kernel sees them: the sockets a perspective
 * sends from (opened inside its network namespace, bound to its interface
 * with SO_BINDTODEVICE and to its source address), and the address syntax
 * of the configuration.
 *
 * Namespaces: setns() moves the calling thread, so a socket is opened in the
 * perspective's namespace and the thread goes straight back to the one it
 * started in (w->orig_ns); a socket keeps the namespace it was made in. Not
 * being able to go back aborts: every later socket would be wrong.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "engine/engine_int.h"

/* Enter p's namespace when it has one. 0 (*entered says whether the thread
 * moved) or -errno from setns(). */
static int enter_ns(struct persp *p, bool *entered)
{
	*entered = false;
	if (p->nsfd < 0)
		return 0;
	if (setns(p->nsfd, CLONE_NEWNET) != 0)
		return -errno;
	*entered = true;
	return 0;
}

static void leave_ns(struct vtg_worker *w, bool entered)
{
	if (entered && setns(w->orig_ns, CLONE_NEWNET) != 0)
		abort(); /* cannot get back: every later socket would be wrong */
}

/* Bind fd to p's source address, or (UDP) to any address with port 0.
 * 0, or -EINVAL (bad source address) / -errno from bind() with err filled. */
static int bind_source(struct persp *p, int fd, int family, int type, char *err,
		       size_t errcap)
{
	struct sockaddr_storage src;
	memset(&src, 0, sizeof(src));
	src.ss_family = (sa_family_t)family;
	if (p->cfg.source[0]) {
		char tmp[80];
		snprintf(tmp, sizeof(tmp), "%s%s%s", family == AF_INET6 ? "[" : "",
			 p->cfg.source, family == AF_INET6 ? "]:1" : ":1");
		if (vtg__parse_addr(tmp, &src) != 0) {
			snprintf(err, errcap, "perspective %s: bad source address '%s'",
				 p->cfg.id, p->cfg.source);
			return -EINVAL;
		}
		((struct sockaddr_in *)&src)->sin_port = 0; /* same offset in v6 */
	}
	if (p->cfg.source[0] && type == SOCK_STREAM) {
		/* a TCP client: the port is chosen at connect(), per destination,
		 * not at bind(), where each would hold one of the source's ports
		 * for all destinations (and through TIME_WAIT: web validation
		 * closes one connection per check) */
		int on = 1;
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof(on));
	}
	if (p->cfg.source[0] || type == SOCK_DGRAM) {
		/* port 0: the kernel picks a random ephemeral port (RFC 6056) */
		if (bind(fd, (struct sockaddr *)&src, ss_len(&src)) != 0) {
			int e = -errno;
			snprintf(err, errcap, "perspective %s: bind %s: %s", p->cfg.id,
				 p->cfg.source[0] ? p->cfg.source : "any", strerror(-e));
			return e;
		}
	}
	return 0;
}

int vtg__engine_open_socket(struct vtg_worker *w, struct persp *p, int type, int *out,
			    char *err, size_t errcap)
{
	int family = p->cfg.n_upstreams ? p->cfg.upstream[0].ss_family : AF_INET;
	return vtg__engine_open_socket_family(w, p, family, type, out, err, errcap);
}

int vtg__engine_open_socket_family(struct vtg_worker *w, struct persp *p, int family,
				   int type, int *out, char *err, size_t errcap)
{
	bool entered;
	int e = enter_ns(p, &entered);
	if (e < 0) {
		snprintf(err, errcap, "perspective %s: setns(%s): %s", p->cfg.id,
			 p->cfg.netns, strerror(-e));
		return e;
	}
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	e = fd < 0 ? -errno : 0;
	leave_ns(w, entered);
	if (fd < 0) {
		snprintf(err, errcap, "perspective %s: socket: %s", p->cfg.id, strerror(-e));
		return e;
	}
	if (type == SOCK_DGRAM) {
		int sz = SOCK_RCVBUF;
		/* FORCE needs CAP_NET_ADMIN; fall back to the capped size */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		/* ICMP errors on these unconnected sockets go to the error queue
		 * with the quoted query (udp.c: an unreachable server fails its
		 * queries at once); without it the kernel drops them */
		int on = 1;
		if (family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
		else
			setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
	}
	if (p->cfg.iface[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->cfg.iface,
		       (socklen_t)strlen(p->cfg.iface)) != 0) {
		e = -errno;
		snprintf(err, errcap, "perspective %s: SO_BINDTODEVICE %s: %s", p->cfg.id,
			 p->cfg.iface, strerror(-e));
		close(fd);
		return e;
	}
	e = bind_source(p, fd, family, type, err, errcap);
	if (e < 0) {
		close(fd);
		return e;
	}
	*out = fd;
	return 0;
}

int vtg__engine_persp_init(struct vtg_worker *w, const struct vtg_persp_cfg *pc,
			   unsigned n_persp, uint32_t *total_socks, char *err, size_t errcap)
{
	uint32_t total = 0;
	for (unsigned i = 0; i < n_persp; i++) {
		struct persp *p = &w->persp[i];
		p->cfg = pc[i];
		p->nsfd = -1;
		if (p->cfg.remote) {
			/* an agent's perspective: HTTPS only, no DNS sockets */
			p->cfg.sockets = 0;
		} else if (p->cfg.n_upstreams == 0 && !p->cfg.iterative) {
			snprintf(err, errcap, "perspective %s has no upstream resolver",
				 p->cfg.id);
			return -EINVAL;
		} else if (p->cfg.sockets == 0) {
			p->cfg.sockets = DEF_SOCKETS;
		}
		for (unsigned u = 0; u <= DIRECT; u++) {
			p->up[u].pending.head = p->up[u].pending.tail = NIL;
			p->up[u].tokens = w->cfg.rate_qps ? w->cfg.rate_qps / 10.0 : 0;
		}
		p->first_sock = total;
		p->n_socks = p->cfg.sockets;
		total += p->cfg.sockets;
		if (p->cfg.netns[0]) {
			p->nsfd = open(p->cfg.netns, O_RDONLY | O_CLOEXEC);
			if (p->nsfd < 0) {
				int e = -errno;
				snprintf(err, errcap, "perspective %s: open %s: %s", p->cfg.id,
					 p->cfg.netns, strerror(-e));
				return e;
			}
		}
	}
	*total_socks = total;
	return 0;
}

/* ------------------------------------------------------------ addresses */

int vtg__parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char host[128];
	unsigned port = 53;
	memset(ss, 0, sizeof(*ss));
	size_t len = strlen(s);
	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e)
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(e - s - 1));
		host[e - s - 1] = 0;
		if (e[1] == ':') {
			char *end;
			unsigned long p = strtoul(e + 2, &end, 10);
			if (*end || p == 0 || p > 65535)
				return -EINVAL;
			port = (unsigned)p;
		} else if (e[1]) {
			return -EINVAL;
		}
	} else {
		const char *c = strchr(s, ':');
		if (c && strchr(c + 1, ':'))
			c = NULL; /* bare IPv6 */
		if (c) {
			memcpy(host, s, (size_t)(c - s));
			host[c - s] = 0;
			char *end;
			unsigned long p = strtoul(c + 1, &end, 10);
			if (*end || p == 0 || p > 65535)
				return -EINVAL;
			port = (unsigned)p;
		} else {
			memcpy(host, s, len + 1);
		}
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -EINVAL;
}

void vtg__format_addr(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
		snprintf(buf, cap, "%s:%u", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(buf, cap, "[%s]:%u", host, port);
	} else {
		snprintf(buf, cap, "?");
	}
}
