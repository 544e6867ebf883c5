/*
 * omcheck.h — between open-mpic's requests and answers (mpic/openmpic.h)
 * and the public API's checks and completions (vantage.h), for the two
 * servers: `vantage agent` answers with one perspective's result, `vantage
 * serve` with every perspective's of each attempt.
 */
#ifndef VTG_CLI_OMCHECK_H
#define VTG_CLI_OMCHECK_H

#include <jansson.h>

#include "mpic/openmpic.h"
#include "vantage.h"

/* records_seen: a DCV RRset larger than this is no challenge (a TXT RRset
 * of 64 records overflows a DNS message already); the text of all of them */
#define VTG_OMC_RECORDS_MAX 64
#define VTG_OMC_RECORDS_TEXT_MAX (64 * 1024)
#define VTG_OMC_HOPS_MAX 16 /* response_history: the BR allows 10 redirects */

/* Room for one perspective's result (what vtg_om_result points into). */
struct vtg_omc_scratch {
	char owner[VTG_OM_NAME_MAX + 2];
	const char *recs[VTG_OMC_RECORDS_MAX];
	char rdbuf[VTG_OMC_RECORDS_TEXT_MAX];
	const char *cnames[VTG_OMC_RECORDS_MAX];
	char cnbuf[VTG_OMC_RECORDS_TEXT_MAX];
	struct vtg_om_hop hops[VTG_OMC_HOPS_MAX];
	uint8_t page[VTG_OM_PAGE_MAX];
	char ip[64];
	struct vtg_om_error err;
};

/*
 * The check the engine runs for an open-mpic request (name: room for
 * VTG_OM_TARGET_MAX + 3; doms: room for VTG_OM_DOMAINS_MAX pointers), or a
 * refusal text for what the public API cannot ask per check. n_default_ca:
 * the server's --ca count (a CAA request without caa_domains needs some).
 */
const char *vtg__omc_to_check(const struct vtg_om_check *om, int n_default_ca,
			      struct vtg_check *chk, char *name, size_t cap, const char **doms);

/*
 * Perspective p's answer to om from completion c (its evidence ev, parsed
 * from c->json; may be NULL): check_completed, check_passed, errors and the
 * details open-mpic-core reports, from p's result and p's part of the
 * evidence. with_evidence: attach c->json as the extra field "vantage".
 * r points into s and ev until either is reused.
 */
void vtg__omc_result(const struct vtg_om_check *om, const struct vtg_completion *c, unsigned p,
		     json_t *ev, bool with_evidence, struct vtg_omc_scratch *s,
		     struct vtg_om_result *r);

#endif
