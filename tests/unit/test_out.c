/*
 * Unit tests of the output helpers (viewer/out/text.c): hostile strings from a
 * traced program come out as valid JSON and as terminal text without a
 * single control byte; addresses of every family are spelled right.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <cmocka.h>

#include "out/out.h"

static char *json(const char *s, size_t len)
{
	static char out[1024];
	FILE *f = fmemopen(out, sizeof(out), "w");

	sl_json_str(f, s, len);
	fclose(f);
	return out;
}

static char *term(const char *s, size_t len, size_t max)
{
	static char out[1024];
	FILE *f = fmemopen(out, sizeof(out), "w");

	sl_term_str(f, s, len, max);
	fclose(f);
	return out;
}

static void test_json_escapes_quotes_and_controls(void **state)
{
	(void)state;
	assert_string_equal(json("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	assert_string_equal(json("x\ny\x1b[31m", 8), "\"x\\u000ay\\u001b[31m\"");
	assert_string_equal(json("a\0b", 3), "\"a\\u0000b\"");
	assert_string_equal(json("</script>", 9), "\"</script>\"");
}

static void test_json_keeps_utf8_and_escapes_invalid(void **state)
{
	(void)state;
	assert_string_equal(json("caf\xc3\xa9", 5), "\"caf\xc3\xa9\"");
	/* a lone continuation byte, a C1 control (U+009B, 8-bit CSI) */
	assert_string_equal(json("\x80", 1), "\"\\u0080\"");
	assert_string_equal(json("\xc2\x9b", 2), "\"\\u00c2\\u009b\"");
}

static void test_term_has_no_control_bytes(void **state)
{
	const char *evil = "\x1b]0;owned\x07\x1b[2J\r\xc2\x9bm";
	char *out;

	(void)state;
	out = term(evil, strlen(evil), 0);
	for (const char *p = out; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	assert_non_null(strstr(out, "\\x1b"));
	assert_string_equal(term("plain", 5, 0), "plain");
}

static void test_term_cuts_at_max(void **state)
{
	(void)state;
	assert_string_equal(term("abcdefgh", 8, 5), "abcd~");
	assert_string_equal(term("abcd", 4, 5), "abcd");
}

static struct sl_addr addr_of(const void *sa, size_t len)
{
	struct sl_addr a = { .len = (uint16_t)len };

	memcpy(a.raw, sa, len);
	return a;
}

static void test_addr_inet_and_inet6(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(8080) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_port = htons(443) };
	struct sl_addr a;
	char buf[128];

	(void)state;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	a = addr_of(&sin, sizeof(sin));
	sl_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1:8080");
	inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
	a = addr_of(&sin6, sizeof(sin6));
	sl_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "[::1]:443");
	a.len = 0;
	assert_int_equal(sl_addr_format(&a, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_addr_unix_kinds(void **state)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t base = offsetof(struct sockaddr_un, sun_path);
	struct sl_addr a;
	char buf[128];

	(void)state;
	strcpy(sun.sun_path, "/run/x.sock");
	a = addr_of(&sun, base + strlen(sun.sun_path) + 1);
	sl_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "/run/x.sock");
	memcpy(sun.sun_path, "\0ab\0c", 5);
	a = addr_of(&sun, base + 5);
	sl_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "@ab@c");
	a = addr_of(&sun, base);
	sl_addr_format(&a, buf, sizeof(buf));
	assert_string_equal(buf, "(unnamed)");
}

static void test_sizes_and_durations(void **state)
{
	char buf[32];

	(void)state;
	sl_fmt_bytes(buf, sizeof(buf), 512);
	assert_string_equal(buf, "512B");
	sl_fmt_bytes(buf, sizeof(buf), 1536);
	assert_string_equal(buf, "1.5K");
	sl_fmt_bytes(buf, sizeof(buf), 200ull << 20);
	assert_string_equal(buf, "200M");
	sl_fmt_dur(buf, sizeof(buf), 1500);
	assert_string_equal(buf, "1.5us");
	sl_fmt_dur(buf, sizeof(buf), 2500000000ull);
	assert_string_equal(buf, "2.50s");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sl_errno_name(111), "ECONNREFUSED");
	assert_string_equal(sl_errno_name(4000), "E4000");
	assert_string_equal(sl_call_name(SL_CALL_ACCEPT4), "accept4");
	assert_string_equal(sl_call_name(9999), "?");
	assert_string_equal(sl_state_name(SL_SS_PEER_CLOSED), "peer-closed");
	assert_string_equal(sl_family_name(AF_INET6), "inet6");
	assert_string_equal(sl_type_name(SOCK_SEQPACKET), "seqpacket");
	assert_string_equal(sl_role_name(SL_ROLE_LISTENER), "listener");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes_quotes_and_controls),
		cmocka_unit_test(test_json_keeps_utf8_and_escapes_invalid),
		cmocka_unit_test(test_term_has_no_control_bytes),
		cmocka_unit_test(test_term_cuts_at_max),
		cmocka_unit_test(test_addr_inet_and_inet6),
		cmocka_unit_test(test_addr_unix_kinds),
		cmocka_unit_test(test_sizes_and_durations),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
