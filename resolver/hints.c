/*
 * hints.c — reading a root hints file for the iterative resolver (iter.h).
 * Kept apart from iter.c so that the resolver itself never reads a file:
 * replay tests hand it their own hints.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <ldns/ldns.h>

#include "resolver/iter.h"

int vtg__iter_hints_load(const char *path, struct vtg_iter_hints *out, char *err,
			 size_t errcap)
{
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, errcap, "root hints %s: %s", path, strerror(e));
		return -e;
	}
	char line[1024];
	while (fgets(line, sizeof(line), f) && out->n < VTG_ITER_HINTS_MAX) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ';' || *p == '\n' || *p == '\0' || *p == '$')
			continue;
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, p, 3600, NULL, NULL) != LDNS_STATUS_OK)
			continue;
		ldns_rr_type t = ldns_rr_get_type(rr);
		struct sockaddr_storage *ss = &out->addr[out->n];
		if (t == LDNS_RR_TYPE_A && ldns_rr_rd_count(rr) == 1 &&
		    ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 4) {
			struct sockaddr_in *a = (struct sockaddr_in *)ss;
			a->sin_family = AF_INET;
			a->sin_port = htons(53);
			memcpy(&a->sin_addr, ldns_rdf_data(ldns_rr_rdf(rr, 0)), 4);
			out->n++;
		} else if (t == LDNS_RR_TYPE_AAAA && ldns_rr_rd_count(rr) == 1 &&
			   ldns_rdf_size(ldns_rr_rdf(rr, 0)) == 16) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
			a->sin6_family = AF_INET6;
			a->sin6_port = htons(53);
			memcpy(&a->sin6_addr, ldns_rdf_data(ldns_rr_rdf(rr, 0)), 16);
			out->n++;
		}
		ldns_rr_free(rr);
	}
	fclose(f);
	if (out->n == 0) {
		snprintf(err, errcap, "root hints %s: no A or AAAA record", path);
		return -EINVAL;
	}
	return 0;
}
