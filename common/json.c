/*
 * json.c — see json.h. Appends go to a buffer grown at most to twice the
 * flush threshold in steady state; formatting integers is done by hand.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/json.h"

int vtg__json_init(struct vtg_json *j, int fd)
{
	return vtg__json_init_cap(j, fd, 2 * VTG_JSON_FLUSH);
}

int vtg__json_init_cap(struct vtg_json *j, int fd, size_t cap)
{
	memset(j, 0, sizeof(*j));
	j->cap = cap ? cap : 64;
	j->buf = vtg__malloc(j->cap);
	if (!j->buf)
		return -ENOMEM;
	j->fd = fd;
	j->first[0] = true;
	return 0;
}

void vtg__json_reset(struct vtg_json *j)
{
	j->len = 0;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
}

void vtg__json_deinit(struct vtg_json *j)
{
	vtg__free(j->buf);
	j->buf = NULL;
}

static void reserve(struct vtg_json *j, size_t n)
{
	if (j->err)
		return;
	if (j->len + n <= j->cap)
		return;
	size_t cap = j->cap;
	while (cap < j->len + n)
		cap *= 2;
	char *nb = vtg__realloc(j->buf, cap);
	if (!nb) {
		j->err = -ENOMEM;
		return;
	}
	j->buf = nb;
	j->cap = cap;
}

/* The appenders: the common case (room in the buffer) inline, growing out
 * of line. A buffer that failed to grow keeps its sticky error and takes
 * nothing more. */
static void put_slow(struct vtg_json *j, const char *s, size_t n)
{
	reserve(j, n);
	if (j->err)
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static inline void put(struct vtg_json *j, const char *s, size_t n)
{
	if (j->len + n <= j->cap && !j->err) {
		memcpy(j->buf + j->len, s, n);
		j->len += n;
		return;
	}
	put_slow(j, s, n);
}

static inline void putc1(struct vtg_json *j, char c)
{
	if (j->len < j->cap && !j->err) {
		j->buf[j->len++] = c;
		return;
	}
	put_slow(j, &c, 1);
}

int vtg__json_flush(struct vtg_json *j)
{
	if (j->fd < 0)
		return j->err;
	size_t off = 0;
	while (off < j->len && !j->err) {
		ssize_t n = write(j->fd, j->buf + off, j->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			j->err = -errno;
			break;
		}
		off += (size_t)n;
	}
	j->len = 0;
	return j->err;
}

int vtg__json_maybe_flush(struct vtg_json *j)
{
	if (j->fd >= 0 && j->len >= VTG_JSON_FLUSH)
		return vtg__json_flush(j);
	return j->err;
}

/* comma before a value/key when it is not the first at this depth */
static void sep(struct vtg_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		putc1(j, ',');
	j->first[j->depth] = false;
}

static void open_(struct vtg_json *j, char c)
{
	sep(j);
	putc1(j, c);
	if (j->depth + 1 < VTG_JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct vtg_json *j, char c)
{
	putc1(j, c);
	if (j->depth > 0)
		j->depth--;
}

void vtg__json_obj_begin(struct vtg_json *j) { open_(j, '{'); }
void vtg__json_obj_end(struct vtg_json *j) { close_(j, '}'); }
void vtg__json_arr_begin(struct vtg_json *j) { open_(j, '['); }
void vtg__json_arr_end(struct vtg_json *j) { close_(j, ']'); }

/* Length of a valid UTF-8 sequence at s (RFC 3629), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0; /* overlong, out of range, or a surrogate */
	return len;
}

/* Octets that go out as they are inside a JSON string: printable ASCII
 * except the quote and the backslash (UTF-8 sequences are checked apart). */
static const uint8_t plain[256] = {
	[0x20 ... 0x21] = 1, /* '"' is 0x22 */
	[0x23 ... 0x5b] = 1, /* '\\' is 0x5c */
	[0x5d ... 0x7f] = 1,
};

static void escaped(struct vtg_json *j, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	putc1(j, '"');
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && plain[s[run]])
			run++;
		if (run > i) {
			put(j, str + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			put(j, e, 2);
			i++;
		} else if (c < 0x20) {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			switch (c) {
			case '\n': put(j, "\\n", 2); break;
			case '\t': put(j, "\\t", 2); break;
			case '\r': put(j, "\\r", 2); break;
			default: put(j, e, 6); break;
			}
			i++;
		} else {
			size_t l = utf8_len(s + i, n - i);
			if (l == 0) {
				put(j, "\xef\xbf\xbd", 3); /* U+FFFD */
				i++;
			} else {
				put(j, str + i, l);
				i += l;
			}
		}
	}
	putc1(j, '"');
}

void vtg__json_key(struct vtg_json *j, const char *key)
{
	sep(j);
	escaped(j, key, strlen(key));
	putc1(j, ':');
	j->after_key = true;
}

void vtg__json_strn(struct vtg_json *j, const char *s, size_t n)
{
	sep(j);
	escaped(j, s, n);
}

void vtg__json_str(struct vtg_json *j, const char *s)
{
	if (!s) {
		vtg__json_null(j);
		return;
	}
	vtg__json_strn(j, s, strlen(s));
}

static void put_u64(struct vtg_json *j, uint64_t v)
{
	char tmp[24];
	size_t p = sizeof(tmp);
	do {
		tmp[--p] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(j, tmp + p, sizeof(tmp) - p);
}

void vtg__json_uint(struct vtg_json *j, uint64_t v)
{
	sep(j);
	put_u64(j, v);
}

void vtg__json_int(struct vtg_json *j, int64_t v)
{
	sep(j);
	if (v < 0) {
		putc1(j, '-');
		put_u64(j, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(j, (uint64_t)v);
	}
}

void vtg__json_fixed(struct vtg_json *j, double v, unsigned decimals)
{
	sep(j);
	if (!(v == v) || v > 9e15 || v < -9e15) { /* NaN or out of range */
		put(j, "null", 4);
		return;
	}
	if (v < 0) {
		putc1(j, '-');
		v = -v;
	}
	uint64_t scale = 1;
	for (unsigned i = 0; i < decimals && i < 9; i++)
		scale *= 10;
	uint64_t fixed = (uint64_t)(v * (double)scale + 0.5);
	put_u64(j, fixed / scale);
	if (scale > 1) {
		putc1(j, '.');
		uint64_t frac = fixed % scale;
		for (uint64_t s = scale / 10; s > 0; s /= 10) {
			putc1(j, (char)('0' + (frac / s) % 10));
		}
	}
}

void vtg__json_raw(struct vtg_json *j, const char *s, size_t n)
{
	sep(j);
	put(j, s, n);
}

void vtg__json_bool(struct vtg_json *j, bool v)
{
	sep(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void vtg__json_null(struct vtg_json *j)
{
	sep(j);
	put(j, "null", 4);
}

void vtg__json_line_end(struct vtg_json *j)
{
	putc1(j, '\n');
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
	vtg__json_maybe_flush(j);
}

void vtg__json_put_lines(struct vtg_json *j, const char *s, size_t n)
{
	put(j, s, n);
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
	vtg__json_maybe_flush(j);
}

void vtg__json_kstr(struct vtg_json *j, const char *key, const char *s)
{
	vtg__json_key(j, key);
	vtg__json_str(j, s);
}

void vtg__json_kint(struct vtg_json *j, const char *key, int64_t v)
{
	vtg__json_key(j, key);
	vtg__json_int(j, v);
}

void vtg__json_kbool(struct vtg_json *j, const char *key, bool v)
{
	vtg__json_key(j, key);
	vtg__json_bool(j, v);
}
