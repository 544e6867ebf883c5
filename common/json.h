/*
 * json.h — a JSON-lines writer that does not go through printf: values are
 * appended to one output buffer that is flushed with write(2) when it passes
 * a high-water mark, so a bulk run costs one syscall per ~64 KiB of output.
 * Strings are escaped per RFC 8259; invalid UTF-8 is replaced by U+FFFD
 * (docs/rules.md section 0), so every line is valid JSON whatever the input was.
 * Commas are inserted automatically from a small nesting stack.
 */
#ifndef VTG_COMMON_JSON_H
#define VTG_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VTG_JSON_DEPTH 16      /* nesting we ever emit is < 8 */
#define VTG_JSON_FLUSH (64 * 1024) /* flush threshold: one write per 64 KiB */

struct vtg_json {
	char *buf;
	size_t len, cap;
	int fd;          /* -1: never flush, keep everything in buf */
	int err;         /* first write error (negative errno), sticky */
	unsigned depth;
	bool first[VTG_JSON_DEPTH]; /* no element yet at this depth */
	bool after_key;
};

int vtg__json_init(struct vtg_json *j, int fd);
/* Same with an initial capacity (the buffer still grows on demand). */
int vtg__json_init_cap(struct vtg_json *j, int fd, size_t cap);
/* Forget the content, keep the buffer. */
void vtg__json_reset(struct vtg_json *j);
void vtg__json_deinit(struct vtg_json *j);
/* Write out what is buffered (fd >= 0). Returns 0 or the sticky error. */
int vtg__json_flush(struct vtg_json *j);
/* Flush when over the threshold; call after each complete line. */
int vtg__json_maybe_flush(struct vtg_json *j);

void vtg__json_obj_begin(struct vtg_json *j);
void vtg__json_obj_end(struct vtg_json *j);
void vtg__json_arr_begin(struct vtg_json *j);
void vtg__json_arr_end(struct vtg_json *j);
void vtg__json_key(struct vtg_json *j, const char *key);
void vtg__json_str(struct vtg_json *j, const char *s);
void vtg__json_strn(struct vtg_json *j, const char *s, size_t n);
void vtg__json_int(struct vtg_json *j, int64_t v);
void vtg__json_uint(struct vtg_json *j, uint64_t v);
/* Fixed-point with `decimals` digits after the point (no printf). */
void vtg__json_fixed(struct vtg_json *j, double v, unsigned decimals);
void vtg__json_bool(struct vtg_json *j, bool v);
void vtg__json_null(struct vtg_json *j);
/* End of one JSON line: newline, then a flush if over the threshold. */
void vtg__json_line_end(struct vtg_json *j);

/* Append complete lines rendered elsewhere (each ending in a newline), then
 * flush if over the threshold. */
void vtg__json_put_lines(struct vtg_json *j, const char *s, size_t n);

/* Insert an already rendered JSON value (e.g. a fragment kept from an
 * earlier buffer) as the next element. */
void vtg__json_raw(struct vtg_json *j, const char *s, size_t n);

/* Convenience: key + value. */
void vtg__json_kstr(struct vtg_json *j, const char *key, const char *s);
void vtg__json_kint(struct vtg_json *j, const char *key, int64_t v);
void vtg__json_kbool(struct vtg_json *j, const char *key, bool v);

#endif
