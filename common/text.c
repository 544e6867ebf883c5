/*
 * text.c — see text.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "common/text.h"

void vtg__say(char *buf, size_t cap, const char *fmt, ...)
{
	if (buf == NULL || cap == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}
