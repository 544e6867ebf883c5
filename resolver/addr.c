/*
 * addr.c — a server's address kept compactly for the evidence (lookup.h:
 * struct vtg_srv_addr), so a CAA climb can name the server of each of its
 * up to 128 lookups without holding 128 sockaddr_storage.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "resolver/lookup.h"

void vtg__srv_addr_set(struct vtg_srv_addr *a, const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (!ss)
		return;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		a->fam = 4;
		memcpy(a->addr, &s4->sin_addr, 4);
		a->port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		a->fam = 6;
		memcpy(a->addr, &s6->sin6_addr, 16);
		a->port = ntohs(s6->sin6_port);
	}
}

int vtg__srv_addr_text(const struct vtg_srv_addr *a, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	int n;
	if (a->fam == 4 && inet_ntop(AF_INET, a->addr, host, sizeof(host)))
		n = snprintf(buf, cap, "%s:%u", host, (unsigned)a->port);
	else if (a->fam == 6 && inet_ntop(AF_INET6, a->addr, host, sizeof(host)))
		n = snprintf(buf, cap, "[%s]:%u", host, (unsigned)a->port);
	else
		return -1;
	return n < 0 || (size_t)n >= cap ? -1 : n;
}
