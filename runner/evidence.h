/*
 * evidence.h — the JSON pieces of a CAA check's evidence line (runner's CAA
 * kind, `vantage eval`).
 */
#ifndef VTG_RUNNER_EVIDENCE_H
#define VTG_RUNNER_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "caa/climb.h"
#include "caa/name.h"
#include "common/json.h"

/* Pieces of a CAA JSON line, shared by `eval` and `caa`. */
void vtg__emit_invalid(struct vtg_json *j, const char *input, size_t input_len,
		       const struct vtg_input_name *nm);
void vtg__emit_caa_head(struct vtg_json *j, const char *input, size_t input_len,
			const struct vtg_input_name *nm, const struct vtg_caa_climb *c);
/* The same with the line's final reason (the corroboration may overrule
 * the primary's: not-corroborated) */
void vtg__emit_caa_head_as(struct vtg_json *j, const char *input, size_t input_len,
			   const struct vtg_input_name *nm, const struct vtg_caa_climb *c,
			   enum vtg_caa_reason reason, const char *detail);
void vtg__emit_caa_tail_as(struct vtg_json *j, const struct vtg_caa_climb *c,
			   time_t checked_at, enum vtg_caa_reason reason);
void vtg__emit_caa_verdict(struct vtg_json *j, const struct vtg_caa_climb *c);
void vtg__emit_caa_records(struct vtg_json *j, const struct vtg_caa_climb *c);
void vtg__emit_caa_tail(struct vtg_json *j, const struct vtg_caa_climb *c,
			time_t checked_at);
void vtg__emit_caa_queries(struct vtg_json *j, const struct vtg_caa_climb *c,
			   bool with_latency);

/* "source": the perspective's configured source address, or null (the
 * kernel's choice). */
void vtg__emit_source(struct vtg_json *j, const char *configured);
/* "server": "ADDR:PORT" of the server whose response gave the answer, or
 * null when none did (a timeout, an unreachable server). */
void vtg__emit_server(struct vtg_json *j, const struct sockaddr_storage *ss);

/* One JSON line for a CAA check of `input`. name_rc != 0: invalid name. */
void vtg__emit_caa(struct vtg_json *j, const char *input, size_t input_len,
		   int name_rc, const struct vtg_input_name *nm,
		   const struct vtg_caa_climb *c, time_t checked_at);

/* RFC 3339 UTC timestamp into buf[21]. */
void vtg__rfc3339(time_t t, char *buf);

#endif
