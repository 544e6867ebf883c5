/*
 * test_json.c — the JSON-lines writer: escaping (RFC 8259), invalid UTF-8
 * replaced by U+FFFD (docs/rules.md section 0), automatic commas, numbers without
 * printf, flushing through a file descriptor.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"

static struct vtg_json J;

static void setup(void)
{
	cr_assert_eq(vtg__json_init(&J, -1), 0);
}

static void teardown(void)
{
	vtg__json_deinit(&J);
}

static void expect(const char *s)
{
	cr_assert_eq(J.len, strlen(s), "got '%.*s'", (int)J.len, J.buf);
	cr_assert(memcmp(J.buf, s, J.len) == 0, "got '%.*s'", (int)J.len, J.buf);
}

TestSuite(json, .init = setup, .fini = teardown);

Test(json, object_with_commas)
{
	vtg__json_obj_begin(&J);
	vtg__json_kstr(&J, "a", "x");
	vtg__json_kint(&J, "b", -42);
	vtg__json_kbool(&J, "c", true);
	vtg__json_key(&J, "d");
	vtg__json_arr_begin(&J);
	vtg__json_uint(&J, 1);
	vtg__json_null(&J);
	vtg__json_arr_begin(&J);
	vtg__json_arr_end(&J);
	vtg__json_arr_end(&J);
	vtg__json_obj_end(&J);
	vtg__json_line_end(&J);
	expect("{\"a\":\"x\",\"b\":-42,\"c\":true,\"d\":[1,null,[]]}\n");
}

Test(json, escapes)
{
	vtg__json_str(&J, "q\"b\\n\nt\tc\x01");
	expect("\"q\\\"b\\\\n\\nt\\tc\\u0001\"");
}

Test(json, utf8_kept_invalid_replaced)
{
	vtg__json_str(&J, "b\xc3\xbc" "cher \xff \xc3");
	expect("\"b\xc3\xbc" "cher \xef\xbf\xbd \xef\xbf\xbd\"");
}

Test(json, surrogates_and_overlong_replaced)
{
	vtg__json_str(&J, "\xed\xa0\x80\xc0\xaf");
	expect("\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

Test(json, integers_extremes)
{
	vtg__json_arr_begin(&J);
	vtg__json_int(&J, INT64_MIN);
	vtg__json_uint(&J, UINT64_MAX);
	vtg__json_int(&J, 0);
	vtg__json_arr_end(&J);
	expect("[-9223372036854775808,18446744073709551615,0]");
}

Test(json, fixed_point)
{
	vtg__json_arr_begin(&J);
	vtg__json_fixed(&J, 1.25, 3);
	vtg__json_fixed(&J, -0.5, 1);
	vtg__json_fixed(&J, 12.0, 0);
	vtg__json_arr_end(&J);
	expect("[1.250,-0.5,12]");
}

Test(json, strn_with_embedded_nul)
{
	vtg__json_strn(&J, "a\0b", 3);
	expect("\"a\\u0000b\"");
}

Test(json, flush_writes_to_fd)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	struct vtg_json j;
	cr_assert_eq(vtg__json_init(&j, p[1]), 0);
	vtg__json_obj_begin(&j);
	vtg__json_kstr(&j, "k", "v");
	vtg__json_obj_end(&j);
	vtg__json_line_end(&j);
	cr_assert_eq(vtg__json_flush(&j), 0);
	char buf[64] = {0};
	cr_assert_eq(read(p[0], buf, sizeof(buf)), 10);
	cr_assert_str_eq(buf, "{\"k\":\"v\"}\n");
	vtg__json_deinit(&j);
	close(p[0]);
	close(p[1]);
}

Test(json, large_output_grows_and_flushes)
{
	FILE *f = tmpfile();
	cr_assert_not_null(f);
	struct vtg_json j;
	cr_assert_eq(vtg__json_init(&j, fileno(f)), 0);
	static char big[300000];
	memset(big, 'x', sizeof(big) - 1);
	for (int i = 0; i < 10; i++) {
		vtg__json_obj_begin(&j);
		vtg__json_kstr(&j, "v", big);
		vtg__json_obj_end(&j);
		vtg__json_line_end(&j);
	}
	cr_assert_eq(vtg__json_flush(&j), 0);
	cr_assert_eq(ftell(f) > 0 ? 0 : 0, 0);
	fseek(f, 0, SEEK_END);
	cr_assert_eq(ftell(f), 10 * (long)(sizeof(big) - 1 + 9));
	vtg__json_deinit(&j);
	fclose(f);
}

Test(json, escapes_at_run_edges_and_del_kept)
{
	vtg__json_key(&J, "k\"");
	vtg__json_str(&J, "\"\\\x7f~ \x1f");
	expect("\"k\\\"\":\"\\\"\\\\\x7f~ \\u001f\"");
}

Test(json, tiny_buffer_grows_byte_by_byte)
{
	struct vtg_json t;
	cr_assert_eq(vtg__json_init_cap(&t, -1, 1), 0);
	vtg__json_obj_begin(&t);
	vtg__json_kstr(&t, "name", "a \"quoted\" value that is longer than the buffer");
	vtg__json_obj_end(&t);
	vtg__json_line_end(&t);
	const char *want = "{\"name\":\"a \\\"quoted\\\" value that is longer than the buffer\"}\n";
	cr_assert_eq(t.len, strlen(want));
	cr_assert(memcmp(t.buf, want, t.len) == 0, "got '%.*s'", (int)t.len, t.buf);
	vtg__json_deinit(&t);
}

Test(json, put_lines_appends_rendered_lines)
{
	vtg__json_obj_begin(&J);
	vtg__json_obj_end(&J);
	vtg__json_line_end(&J);
	vtg__json_put_lines(&J, "{\"a\":1}\n", 8);
	vtg__json_obj_begin(&J); /* no comma: a new line starts fresh */
	vtg__json_obj_end(&J);
	vtg__json_line_end(&J);
	expect("{}\n{\"a\":1}\n{}\n");
}
