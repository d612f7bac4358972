/*
 * Unit tests of the policy parser and matcher (preload/policy/): the
 * example policy parses to what it says; every error is refused with its
 * FILE:LINE:COL and reason; selectors match what they should, and wait
 * for what is not known yet; fault rules parse to their numbers, print
 * back as written, and every impossible one is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <sys/un.h>
#include <cmocka.h>

#include "socklens/policy.h"

static struct sl_policy pol;
static char err[512];

static int parse(const char *text)
{
	sl_policy_free(&pol);
	return sl_policy_parse(&pol, "p.conf", text, strlen(text), err,
			       sizeof(err));
}

static void refused(const char *text, const char *message)
{
	if (parse(text) == 0)
		fail_msg("accepted: %s", text);
	if (strcmp(err, message))
		fail_msg("for %s\n got: %s\nwant: %s", text, err, message);
	assert_int_equal(pol.nrules, 0);
	assert_int_equal(pol.nfaults, 0);
}

static void test_example_policy(void **state)
{
	(void)state;
	assert_int_equal(parse(
		"mode enforce   # or audit\n"
		"\n"
		"[tcp]\n"
		"set   SO_KEEPALIVE  on\n"
		"set   TCP_KEEPIDLE  60\n"
		"clamp SO_RCVBUF     64k 4m\n"
		"deny  SO_REUSEPORT\n"
		"[tcp remote 127.0.0.0/8 port 6379]\n"
		"set   TCP_NODELAY   on\n"
		"[udp]\n"
		"ignore SO_BROADCAST\n"
		"[unix]\n"
		"deny  SO_PASSCRED\n"), 0);
	assert_false(pol.audit);
	assert_int_equal(pol.nsels, 4);
	assert_int_equal(pol.nrules, 7);
	assert_int_equal(pol.rules[2].action, SL_PA_CLAMP);
	assert_int_equal(pol.rules[2].min, 64 * 1024);
	assert_int_equal(pol.rules[2].max, 4 * 1024 * 1024);
	assert_int_equal(pol.rules[2].line, 6);
	assert_string_equal(pol.sels[1].text, "tcp remote 127.0.0.0/8 port 6379");
	assert_true(pol.sels[1].remote.has_addr);
	assert_int_equal(pol.sels[1].remote.prefix, 8);
	assert_int_equal(pol.sels[1].remote.port_lo, 6379);
}

static void test_values(void **state)
{
	(void)state;
	assert_int_equal(parse("mode audit\n[any]\nset SO_RCVTIMEO 250ms\n"
			       "set SO_LINGER on 5\nset SO_SNDTIMEO 2s\n"
			       "set TCP_USER_TIMEOUT 3s\n[tcp]\n"
			       "set SO_LINGER off\nset TCP_KEEPIDLE 2min\n"), 0);
	assert_true(pol.audit);
	assert_int_equal(pol.rules[0].value, 250000);
	assert_int_equal(pol.rules[1].value, 5);
	assert_int_equal(pol.rules[2].value, 2000000);
	assert_int_equal(pol.rules[3].value, 3000);
	assert_int_equal(pol.rules[4].value, -1);
	assert_int_equal(pol.rules[5].value, 120);
}

static void test_rules_before_a_section_take_any(void **state)
{
	(void)state;
	assert_int_equal(parse("set SO_KEEPALIVE on\n"), 0);
	assert_int_equal(pol.nsels, 1);
	assert_string_equal(pol.sels[0].text, "any");
}

static void test_every_error(void **state)
{
	(void)state;
	refused("[tcp]\nset SO_KEEPALVE on\n",
		"p.conf:2:5: unknown option 'SO_KEEPALVE' (did you mean SO_KEEPALIVE?)");
	refused("[tcp]\nset NO_SUCH_THING_AT_ALL 1\n",
		"p.conf:2:5: unknown option 'NO_SUCH_THING_AT_ALL'");
	refused("[tcp]\nenable SO_KEEPALIVE\n",
		"p.conf:2:1: unknown action 'enable' (expected set, clamp, deny, ignore, fail, delay, limit, short or again)");
	refused("[tcp]\nset\n", "p.conf:2:4: set needs an option name");
	refused("[tcp]\nset SO_KEEPALIVE\n", "p.conf:2:17: set SO_KEEPALIVE needs a value");
	refused("[tcp]\nset SO_KEEPALIVE maybe\n",
		"p.conf:2:18: bad value 'maybe' for SO_KEEPALIVE (expected on or off)");
	refused("[tcp]\nset SO_RCVBUF 12q\n",
		"p.conf:2:15: bad value '12q' for SO_RCVBUF (expected an integer, with k, m or g)");
	refused("[tcp]\nset SO_RCVTIMEO soon\n",
		"p.conf:2:17: bad value 'soon' for SO_RCVTIMEO (expected a duration: 250ms, 5s)");
	refused("[tcp]\nset SO_LINGER on\n",
		"p.conf:2:15: bad value 'on' for SO_LINGER (expected 'on SECONDS' or 'off')");
	refused("[tcp]\nclamp SO_RCVBUF 4m 64k\n", "p.conf:2:17: clamp SO_RCVBUF: MIN is above MAX");
	refused("[tcp]\nclamp SO_RCVBUF 4m\n", "p.conf:2:7: clamp SO_RCVBUF needs MIN and MAX");
	refused("[tcp]\nclamp SO_KEEPALIVE 0 1\n",
		"p.conf:2:1: SO_KEEPALIVE cannot be clamped: it is not a number");
	refused("[tcp]\ndeny SO_REUSEPORT 1\n", "p.conf:2:19: deny SO_REUSEPORT takes no value");
	refused("[udp]\nset TCP_NODELAY on\n",
		"p.conf:2:5: TCP_NODELAY is a TCP option; [udp] selects no TCP sockets");
	refused("[tcp4]\nset IPV6_V6ONLY on\n",
		"p.conf:2:5: IPV6_V6ONLY is a IPv6 option; [tcp4] selects no IPv6 sockets");
	refused("[unix]\nset SO_BROADCAST on\n",
		"p.conf:2:5: SO_BROADCAST is a datagram option; [unix] selects no datagram sockets");
	refused("[tcp]\nset SO_PASSCRED on\n",
		"p.conf:2:5: SO_PASSCRED is a UNIX option; [tcp] selects no UNIX sockets");
	refused("[sctp]\n",
		"p.conf:1:2: unknown socket kind 'sctp' (expected tcp, tcp4, tcp6, udp, udp4, udp6, unix, unix-dgram or any)");
	refused("[tcp\n", "p.conf:1:2: section not closed with ']'");
	refused("[]\n", "p.conf:1:1: empty section: name a kind of socket (tcp, udp, unix, any...)");
	refused("[tcp remote 10.0.0.0/33]\n", "p.conf:1:13: bad prefix length in '10.0.0.0/33'");
	refused("[tcp remote banana]\n",
		"p.conf:1:13: bad address 'banana' (expected an IPv4 or IPv6 address, a CIDR, or *)");
	refused("[tcp6 remote 10.0.0.1]\n",
		"p.conf:1:14: IPv4 address '10.0.0.1' in a section that takes no IPv4 sockets");
	refused("[tcp port 99999]\n", "p.conf:1:11: bad port '99999' (expected N or N-M, 0 to 65535)");
	refused("[tcp port 90-80]\n", "p.conf:1:11: bad port '90-80' (expected N or N-M, 0 to 65535)");
	refused("[tcp remote]\n", "p.conf:1:6: 'remote' needs an address or a port");
	refused("[tcp remote 127.0.0.1 port ]\n",
		"p.conf:1:23: 'port' needs a number or a range (port 8080, port 8000-8099)");
	refused("[tcp port]\n",
		"p.conf:1:6: 'port' needs a number or a range (port 8080, port 8000-8099)");
	refused("[tcp local port]\n",
		"p.conf:1:12: 'port' needs a number or a range (port 8080, port 8000-8099)");
	refused("[tcp remote 1.2.3.4 remote 5.6.7.8]\n", "p.conf:1:21: 'remote' given twice");
	refused("[tcp listener client]\n", "p.conf:1:15: a section takes one of listener, client, server");
	refused("[tcp upstream]\n",
		"p.conf:1:6: unknown selector word 'upstream' (expected local, remote, port, listener, client or server)");
	refused("[tcp]\nmode audit\n", "p.conf:2:1: mode comes before any section or rule");
	refused("mode strict\n", "p.conf:1:6: mode is 'enforce' or 'audit'");
	sl_policy_free(&pol);
	assert_int_equal(sl_policy_parse(&pol, "p.conf", "a\0b\n", 4, err,
					 sizeof(err)), -1);
	assert_string_equal(err, "p.conf:1:1: a NUL byte in the line");
}

static struct sockaddr_in in4(const char *ip, int port)
{
	struct sockaddr_in s = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

static void test_matcher(void **state)
{
	struct sockaddr_in redis = in4("127.0.0.1", 6379), web = in4("127.0.0.1", 80),
			   far = in4("10.1.2.3", 6379);
	struct sl_sock_desc d = { .family = AF_INET, .type = SOCK_STREAM };
	bool pending;

	(void)state;
	assert_int_equal(parse("[tcp remote 127.0.0.0/8 port 6379]\nset TCP_NODELAY on\n"
			       "[udp]\nignore SO_BROADCAST\n[tcp listener]\n"
			       "set SO_REUSEADDR on\n[tcp port 80]\nset SO_KEEPALIVE on\n"), 0);
	/* remote unknown yet: pending */
	assert_false(sl_sel_match(&pol.sels[0], &d, &pending));
	assert_true(pending);
	d.remote = (struct sockaddr *)&redis;
	d.remote_len = sizeof(redis);
	assert_true(sl_sel_match(&pol.sels[0], &d, &pending));
	d.remote = (struct sockaddr *)&far;
	assert_false(sl_sel_match(&pol.sels[0], &d, &pending));
	assert_false(pending);
	d.remote = (struct sockaddr *)&web;
	assert_false(sl_sel_match(&pol.sels[0], &d, &pending));
	/* family and type decide at once */
	assert_false(sl_sel_match(&pol.sels[1], &d, &pending));
	assert_false(pending);
	/* a role not yet shown: pending; the wrong one: no */
	d.remote = NULL;
	assert_false(sl_sel_match(&pol.sels[2], &d, &pending));
	assert_true(pending);
	d.role = SL_RS_CLIENT;
	assert_false(sl_sel_match(&pol.sels[2], &d, &pending));
	assert_false(pending);
	d.role = SL_RS_LISTENER;
	assert_true(sl_sel_match(&pol.sels[2], &d, &pending));
	/* a bare port: either end */
	d.local = (struct sockaddr *)&web;
	d.local_len = sizeof(web);
	assert_true(sl_sel_match(&pol.sels[3], &d, &pending));
}

static void test_mapped_ipv6_matches_ipv4_cidr(void **state)
{
	struct sockaddr_in6 m = { .sin6_family = AF_INET6,
				  .sin6_port = htons(6379) };
	struct sl_sock_desc d = { .family = AF_INET6, .type = SOCK_STREAM,
				  .remote = (struct sockaddr *)&m,
				  .remote_len = sizeof(m) };
	bool pending;

	(void)state;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
	assert_int_equal(parse("[tcp remote 127.0.0.0/8]\nset TCP_NODELAY on\n"), 0);
	assert_true(sl_sel_match(&pol.sels[0], &d, &pending));
}

static void test_option_table_and_values(void **state)
{
	int64_t v;
	unsigned char buf[32];
	char why[128], text[32];
	int i = sl_opt_find("so_rcvtimeo");

	(void)state;
	assert_true(i >= 0);
	assert_int_equal(sl_opt_by_number(IPPROTO_TCP, TCP_NODELAY),
			 sl_opt_find("TCP_NODELAY"));
	assert_int_equal(sl_opt_parse_value(&sl_opts[i], "1500ms", &v, why,
					    sizeof(why)), 0);
	assert_int_equal(sl_opt_encode(&sl_opts[i], v, buf), sizeof(struct timeval));
	assert_int_equal(sl_opt_decode(&sl_opts[i], buf, sizeof(struct timeval), &v), 0);
	assert_int_equal(v, 1500000);
	sl_opt_format(&sl_opts[i], v, text, sizeof(text));
	assert_string_equal(text, "1500ms");
	assert_int_equal(sl_opt_decode(&sl_opts[i], buf, 3, &v), -1);
	assert_string_equal(sl_opt_suggest("TCP_NODLEAY"), "TCP_NODELAY");
	assert_null(sl_opt_suggest("COMPLETELY_DIFFERENT"));
	assert_false(sl_opt_applies(&sl_opts[sl_opt_find("TCP_NODELAY")], AF_INET,
				    SOCK_DGRAM));
	assert_true(sl_opt_applies(&sl_opts[sl_opt_find("TCP_NODELAY")], AF_INET6,
				   SOCK_STREAM));
}

static void put_line(void *ctx, const char *line)
{
	size_t used = strlen(ctx);

	snprintf((char *)ctx + used, 2048 - used, "%s\n", line);
}

static void test_fault_rules(void **state)
{
	static char out[2048];
	const struct sl_fault *f;

	(void)state;
	assert_int_equal(parse(
		"seed 42\n"
		"[tcp remote 127.0.0.1 port 8080]\n"
		"fail    connect ECONNREFUSED\n"
		"delay   connect 300ms\n"
		"fail    connect ETIMEDOUT 30%\n"
		"fail    recv    ECONNRESET after 4k\n"
		"set     TCP_NODELAY on\n"
		"limit   recv    64k/s\n"
		"short   send    100 after 1m 0.5%\n"
		"again   recv    10\n"
		"fail    accept  EMFILE 5%\n"
		"[any]\n"
		"fail    resolve EAI_AGAIN\n"), 0);
	assert_true(pol.has_seed);
	assert_int_equal(pol.seed, 42);
	assert_int_equal(pol.nrules, 1);
	assert_int_equal(pol.nfaults, 9);
	f = pol.faults;
	assert_int_equal(f[0].action, SL_FA_FAIL);
	assert_int_equal(f[0].call, SL_FC_CONNECT);
	assert_int_equal(f[0].err, ECONNREFUSED);
	assert_int_equal(f[0].ppm, SL_FAULT_PPM_ALL);
	assert_int_equal(f[0].line, 3);
	assert_int_equal(f[1].value, 300000000);
	assert_int_equal(f[2].ppm, 300000);
	assert_int_equal(f[3].after, 4096);
	assert_int_equal(f[4].action, SL_FA_LIMIT);
	assert_int_equal(f[4].value, 65536);
	assert_int_equal(f[5].value, 100);
	assert_int_equal(f[5].after, 1 << 20);
	assert_int_equal(f[5].ppm, 5000);
	assert_int_equal(f[6].value, 10);
	assert_int_equal(f[8].call, SL_FC_RESOLVE);
	assert_int_equal(f[8].err, EAI_AGAIN);
	assert_int_equal(f[8].sel, 1);
	out[0] = '\0';
	sl_policy_print(&pol, put_line, out);
	assert_string_equal(out,
		"mode enforce\nseed 42\n\n[tcp remote 127.0.0.1 port 8080]\n"
		"fail   connect ECONNREFUSED                  # line 3\n"
		"delay  connect 300ms                         # line 4\n"
		"fail   connect ETIMEDOUT 30%                 # line 5\n"
		"fail   recv    ECONNRESET after 4k           # line 6\n"
		"set    TCP_NODELAY              on           # line 7\n"
		"limit  recv    64k/s                         # line 8\n"
		"short  send    100 after 1m 0.5%             # line 9\n"
		"again  recv    10                            # line 10\n"
		"fail   accept  EMFILE 5%                     # line 11\n"
		"\n[any]\n"
		"fail   resolve EAI_AGAIN                     # line 13\n");
}

static void test_every_fault_error(void **state)
{
	(void)state;
	refused("[tcp]\nfail connect EPIPE\n",
		"p.conf:2:14: connect cannot fail with EPIPE (it can with "
		"ECONNREFUSED, ETIMEDOUT, ENETUNREACH, EHOSTUNREACH, ENETDOWN, "
		"EADDRNOTAVAIL, EADDRINUSE, EACCES, EPERM, ECONNRESET or EINTR)");
	refused("[tcp]\nfail recv ECONNRSET\n",
		"p.conf:2:11: unknown errno 'ECONNRSET' (did you mean ECONNRESET?)");
	refused("[tcp]\nfail resolve NXDOMAIN\n",
		"p.conf:2:14: unknown errno 'NXDOMAIN' (resolve can fail with "
		"EAI_AGAIN, EAI_FAIL, EAI_NONAME, EAI_MEMORY or EAI_NODATA)");
	refused("[tcp]\nfail\n",
		"p.conf:2:5: fail needs a call (connect, accept, send, recv or resolve)");
	refused("[tcp]\nfail listen EMFILE\n",
		"p.conf:2:6: unknown call 'listen' (expected connect, accept, send, recv or resolve)");
	refused("[tcp]\nfail recv\n", "p.conf:2:10: fail recv needs an errno name");
	refused("[tcp]\nagain connect 3\n",
		"p.conf:2:7: again connect: connect cannot be told to try again (EAGAIN)");
	refused("[tcp]\nshort accept 3\n",
		"p.conf:2:7: short accept: accept cannot be shortened (only send and recv)");
	refused("[tcp]\nfail send EPIPE 130%\n",
		"p.conf:2:17: percentage '130%' is over 100%");
	refused("[tcp]\nfail send EPIPE lots%\n",
		"p.conf:2:17: bad percentage 'lots%' (expected N% or N.N%)");
	refused("[tcp]\nfail send EPIPE after\n",
		"p.conf:2:22: after needs a size (4k, 1m)");
	refused("[tcp]\nfail send EPIPE after 4q\n",
		"p.conf:2:23: bad size '4q' (expected N, Nk, Nm or Ng)");
	refused("[tcp]\nfail connect ECONNREFUSED after 4k\n",
		"p.conf:2:27: 'after' counts bytes: only send and recv take it");
	refused("[tcp]\nshort recv 0\n", "p.conf:2:12: short recv needs a size above 0, not '0'");
	refused("[tcp]\nshort recv\n", "p.conf:2:11: short recv needs a size in bytes");
	refused("[tcp]\nlimit recv 64k\n",
		"p.conf:2:12: bad rate '64k' (expected bytes per second: 64k/s)");
	refused("[tcp]\nlimit recv 64k/s 5%\n",
		"p.conf:2:18: unexpected '5%' (expected after SIZE)");
	refused("[tcp]\ndelay recv 5min\n",
		"p.conf:2:12: bad duration '5min' (expected N with us, ms or s, at most an hour)");
	refused("[tcp]\ndelay recv 2h\n",
		"p.conf:2:12: bad duration '2h' (expected N with us, ms or s, at most an hour)");
	refused("[tcp]\nseed 1\n", "p.conf:2:1: seed comes before any section or rule");
	refused("seed 1\nseed 2\n", "p.conf:2:1: seed given twice");
	refused("seed -1\n", "p.conf:1:6: bad seed '-1' (expected a number from 0 to 2^64-1)");
}

/* [name HOST]: resolve rules for a name or a domain's names, no socket. */
static void test_name_sections(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sl_sock_desc d = { .family = AF_INET, .type = SOCK_STREAM,
				  .remote = (struct sockaddr *)&sin,
				  .remote_len = sizeof(sin) };
	bool pending;

	(void)state;
	assert_int_equal(parse("[name Example.test]\nfail resolve EAI_AGAIN\n"
			       "[name *.example.test]\ndelay resolve 1s\n"
			       "[any]\nfail resolve EAI_FAIL 1%\n"), 0);
	assert_int_equal(pol.nsels, 3);
	assert_true(sl_name_match(&pol.sels[0], "example.TEST"));
	assert_false(sl_name_match(&pol.sels[0], "a.example.test"));
	assert_true(sl_name_match(&pol.sels[1], "a.example.test"));
	assert_false(sl_name_match(&pol.sels[1], "example.test"));
	assert_false(sl_name_match(&pol.sels[1], "xexample.test"));
	assert_true(sl_name_match(&pol.sels[2], "anything"));
	assert_false(sl_sel_match(&pol.sels[0], &d, &pending));
	assert_true(sl_sel_match(&pol.sels[2], &d, &pending));
	refused("[name a.test]\nfail connect ECONNREFUSED\n",
		"p.conf:2:6: [name a.test] takes only resolve rules (a host "
		"name has no connect)");
	refused("[name a.test]\nset TCP_NODELAY on\n",
		"p.conf:2:1: [name a.test] takes only resolve rules (options "
		"are set on sockets)");
	refused("[name]\n", "p.conf:1:2: a name section takes one host name: "
		"[name HOST]");
	refused("[name a b]\n", "p.conf:1:2: a name section takes one host "
		"name: [name HOST]");
}

static int teardown(void **state)
{
	(void)state;
	sl_policy_free(&pol);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_example_policy, teardown),
		cmocka_unit_test_teardown(test_values, teardown),
		cmocka_unit_test_teardown(test_rules_before_a_section_take_any, teardown),
		cmocka_unit_test_teardown(test_every_error, teardown),
		cmocka_unit_test_teardown(test_matcher, teardown),
		cmocka_unit_test_teardown(test_mapped_ipv6_matches_ipv4_cidr, teardown),
		cmocka_unit_test_teardown(test_option_table_and_values, teardown),
		cmocka_unit_test_teardown(test_fault_rules, teardown),
		cmocka_unit_test_teardown(test_every_fault_error, teardown),
		cmocka_unit_test_teardown(test_name_sections, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
