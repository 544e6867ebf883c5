/*
 * text.h — small text helpers shared by the pure core.
 */
#ifndef VTG_COMMON_TEXT_H
#define VTG_COMMON_TEXT_H

#include <stddef.h>

/* printf into buf (cap octets, always NUL-terminated, cut when longer); a
 * NULL buf or cap 0 writes nothing: the "why" / "detail" out-parameters of
 * the core are optional. */
void vtg__say(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
