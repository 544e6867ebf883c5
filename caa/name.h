/*
 * name.h — certificate names as a CA receives them (SAN dNSNames, bulk input
 * lines) turned into the A-label form vantage looks up (RFC 5890, RFC 8659 3,
 * BR 7.1.2.7.12, docs/rules.md section 8).
 */
#ifndef VTG_CAA_NAME_H
#define VTG_CAA_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolver/wire.h"

#define VTG_NAME_MAX_CHARS 253 /* RFC 1035 2.3.4: 255 wire octets = 253 chars */

struct vtg_input_name {
	char ascii[VTG_NAME_MAX_CHARS + 1]; /* A-label form, lowercase, "*." kept */
	size_t ascii_len;
	bool wildcard;                      /* input began with "*." */
	uint8_t wire[VTG_DNS_MAX_NAME];     /* the name to climb from ("*." removed) */
	size_t wire_len;
	char why[128];                      /* on error: the reason in words */
};

/*
 * Normalise one input name: strip one trailing dot, convert U-labels with
 * libidn2 (IDNA2008, UTS #46 non-transitional mapping), lower-case, then
 * require LDH labels (1-63 octets, no leading / trailing hyphen, no '_', no
 * reserved "??--" label other than a valid "xn--" A-label), at most one
 * leading "*." and at most 253 characters. Returns 0 or a VTG_ENAME_* code
 * with out->why filled.
 */
int vtg__input_name_parse(struct vtg_input_name *out, const char *in, size_t len);

#endif
