/*
 * fuzz_name.c — input names (SAN lines): vtg__input_name_parse over any
 * bytes, and the presentation <-> wire round trip of what it accepts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caa/name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vtg_input_name nm;
	int rc = vtg__input_name_parse(&nm, (const char *)data, size);
	if (rc != 0) {
		if (nm.why[0] == 0)
			abort(); /* every rejection says why */
		return 0;
	}
	/* accepted: A-label text, LDH only, and the wire form round-trips */
	for (size_t i = 0; i < nm.ascii_len; i++) {
		char c = nm.ascii[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '.' || (c == '*' && i == 0)))
			abort();
	}
	char text[VTG_DNS_MAX_TEXT + 8];
	if (vtg__name_to_text(nm.wire, text, sizeof(text), false) < 0)
		abort();
	if (strcmp(text, nm.wildcard ? nm.ascii + 2 : nm.ascii) != 0)
		abort();
	/* arbitrary presentation text into wire form and back must not crash */
	uint8_t wire[VTG_DNS_MAX_NAME];
	int l = vtg__name_from_text(wire, (const char *)data, size);
	if (l > 0) {
		char back[4 * VTG_DNS_MAX_NAME + 8];
		if (vtg__name_to_text(wire, back, sizeof(back), true) < 0)
			abort();
		if ((size_t)l != vtg__name_len(wire))
			abort();
	}
	return 0;
}
