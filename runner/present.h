/*
 * present.h — records in presentation form (output side, so it may use the
 * CAA renderer from caa/) (RFC 1035 section 5) for output,
 * rendered by vantage itself from the wire (docs/rules.md section 1: not through a
 * library's printer). Names inside RDATA are decompressed against the
 * message. Types without a renderer here use RFC 3597 `\# len hex`.
 */
#ifndef VTG_RUNNER_PRESENT_H
#define VTG_RUNNER_PRESENT_H

#include "resolver/wire.h"

/* "owner TTL IN TYPE rdata" (owner lowercase, no trailing dot). Returns the
 * length or VTG_EWIRE_SPACE; malformed RDATA falls back to RFC 3597 form. */
int vtg__rr_to_text(const struct vtg_msg *m, const struct vtg_rr *rr, char *out,
		    size_t cap);

/* The same for one record of a lookup answer (lookup.h: names inside the
 * RDATA already uncompressed), owned by owner, of type type. */
struct vtg_rdata;
int vtg__rdata_rr_text(const uint8_t *owner, uint16_t type, const struct vtg_rdata *rd,
		       char *out, size_t cap);

#endif
