/*
 * Unit tests of the waterfall model (model/resolve.c, model/waterfall.c):
 * names from a process's own resolves, the latest that had ended by the
 * connect; the resolver's own sockets; a connection's phases; HTTP
 * exchanges merged by index; the TCP verdict, rule by rule.
 */
#include "model_records.h"
#include "model/model_int.h"

/* A resolve by pid PID (thread TID) of NAME from START to END, answering
 * 127.0.0.1 (and, with V6, ::ffff:127.0.0.1: the same address). */
static void resolved_by(uint32_t pid, uint32_t tid, const char *name,
			uint64_t start, uint64_t end, bool v6)
{
	struct sl_resolve_in in = { .pid = pid, .tid = tid, .name = name,
				    .start_ns = start, .end_ns = end,
				    .naddrs = v6 ? 2 : 1 };

	addr_in(&in.addrs[0], 0);
	if (v6)
		addr_in6_mapped(&in.addrs[1], 0, false);
	sl_model_resolved(&m, &in);
}

static void resolved(uint32_t pid, const char *name, uint64_t start,
		     uint64_t end, bool v6)
{
	resolved_by(pid, pid, name, start, end, v6);
}

/* Pid 20 (conn 2) connects socket INODE (fd FD) to 127.0.0.1:8080 at
 * TS, established after DUR. */
static void connects(int fd, uint64_t inode, uint64_t ts, uint64_t dur)
{
	new_socket(2, fd, inode, AF_INET, SOCK_STREAM, ts - 5);
	call(SL_CALL_CONNECT, fd, 0, inode, ts);
	rec.c.h.tid = 20;
	rec.c.dur_ns = dur;
	with_addr(8080);
	with_local(40000 + fd);
	send_rec(2);
}

/* The latest resolve that ended before the connect names it; a resolve
 * still running at the connect, or one by another process, does not. */
static void test_name_latest_resolve_before_connect(void **state)
{
	(void)state;
	proc(2, 20, 100);
	proc(3, 30, 100);
	resolved(20, "old.test", 200, 300, false);
	resolved(20, "new.test", 400, 450, true);
	resolved(30, "other.test", 460, 470, false);
	connects(3, 700, 500, 10);
	assert_non_null(sock_of(700)->wf);
	assert_string_equal(sock_of(700)->wf->name, "new.test");
	assert_int_equal(sock_of(700)->wf->resolve_ns, 400);
	assert_int_equal(sock_of(700)->wf->resolve_end_ns, 450);
	/* Began before the connect (in another thread), ended after it:
	 * the one before wins. */
	resolved_by(20, 21, "late.test", 590, 700, false);
	connects(4, 701, 600, 10);
	assert_string_equal(sock_of(701)->wf->name, "new.test");
	/* No resolve of pid 30's answer is pid 20's. */
	proc(4, 40, 100);
	new_socket(4, 3, 800, AF_INET, SOCK_STREAM, 795);
	call(SL_CALL_CONNECT, 3, 0, 800, 800);
	with_addr(8080);
	send_rec(4);
	assert_null(sock_of(800)->wf);
	assert_int_equal(m.resolves, 4);
}

/* A v4-mapped IPv6 connect matches an IPv4 answer; the phases start
 * with the resolve. */
static void test_name_v6_mapped_and_phases(void **state)
{
	struct sl_phase_span ph[SL_PH_MAX];

	(void)state;
	proc(2, 20, 100);
	resolved(20, "foo.test", 200, 260, false);
	new_socket(2, 3, 700, AF_INET6, SOCK_STREAM, 295);
	call(SL_CALL_CONNECT, 3, 0, 700, 300);
	rec.c.dur_ns = 40;
	with_addrs();
	addr_in6_mapped(&rec.addr, 443, false);
	send_rec(2);
	assert_string_equal(sock_of(700)->wf->name, "foo.test");
	assert_int_equal(sl_wf_phases(sock_of(700), ph), 2);
	assert_int_equal(ph[SL_PH_RESOLVE].start_ns, 200);
	assert_int_equal(ph[SL_PH_RESOLVE].end_ns, 260);
	assert_int_equal(ph[SL_PH_CONNECT].start_ns, 300);
	assert_int_equal(ph[SL_PH_CONNECT].end_ns, 340);
	assert_int_equal(ph[SL_PH_TLS].end_ns, 0);
}

/* A socket the resolving thread made while it resolved is the
 * resolver's own. */
static void test_resolvers_own_socket(void **state)
{
	(void)state;
	proc(2, 20, 100);
	resolved(20, "foo.test", 200, 400, false);
	new_socket(2, 3, 700, AF_INET, SOCK_DGRAM, 210);
	call(SL_CALL_CONNECT, 3, 0, 700, 220);
	rec.c.h.tid = 20;
	with_addr(53);
	send_rec(2);
	assert_true(sock_of(700)->wf->resolver);
	assert_string_equal(sock_of(700)->wf->name, "foo.test");
}

/* HTTP exchanges: the first is the row's request, waiting and
 * receiving; news of one (same index) completes it; TLS before it. */
static void test_http_phases_and_merge(void **state)
{
	struct sl_phase_span ph[SL_PH_MAX];
	struct sl_wf_http h = { .index = 0, .begin_ns = 1000, .sent_ns = 1010,
				.method = "GET", .target = "/x" };
	char buf[64];

	(void)state;
	proc(2, 20, 100);
	connects(3, 700, 500, 100);
	sl_wf_of(sock_of(700))->has_tls = true;
	sock_of(700)->wf->tls.hello_ns = 620;
	sock_of(700)->wf->tls.done_ns = 900;
	sl_wf_http(sock_of(700), &h);
	memset(&h, 0, sizeof(h));
	h.first_byte_ns = 1500;
	h.end_ns = 1700;
	h.status = 200;
	sl_wf_http(sock_of(700), &h);
	h.index = 1;
	sl_wf_http(sock_of(700), &h);
	assert_int_equal(sock_of(700)->wf->nhttp, 2);
	assert_int_equal(sock_of(700)->wf->http_total, 2);
	assert_int_equal(sl_wf_phases(sock_of(700), ph), 5);
	assert_int_equal(ph[SL_PH_TLS].start_ns, 600);
	assert_int_equal(ph[SL_PH_TLS].end_ns, 900);
	assert_int_equal(ph[SL_PH_REQUEST].start_ns, 1000);
	assert_int_equal(ph[SL_PH_REQUEST].end_ns, 1010);
	assert_int_equal(ph[SL_PH_WAITING].end_ns, 1500);
	assert_int_equal(ph[SL_PH_RECEIVING].end_ns, 1700);
	sl_wf_request_text(sock_of(700)->wf, buf, sizeof(buf));
	assert_string_equal(buf, "GET /x 200");
}

/* The verdict, rule by rule (waterfall.c, sl_wf_verdict). */
static void test_verdict_rules(void **state)
{
	struct sl_wf_tcpinfo ti = { 0 };

	(void)state;
	assert_int_equal(sl_wf_verdict(&ti, 1000000), SL_LIM_APPLICATION);
	ti.busy_us = 1000;
	ti.rwnd_limited_us = 300;
	ti.sndbuf_limited_us = 100;
	assert_int_equal(sl_wf_verdict(&ti, 2000000), SL_LIM_PEER_WINDOW);
	ti.rwnd_limited_us = 100;
	ti.sndbuf_limited_us = 300;
	assert_int_equal(sl_wf_verdict(&ti, 2000000), SL_LIM_SEND_BUFFER);
	ti.sndbuf_limited_us = 0;
	ti.retrans = 2;
	ti.segs_out = 100;
	assert_int_equal(sl_wf_verdict(&ti, 100000000), SL_LIM_NETWORK);
	ti.segs_out = 1000;	/* 0.2%: not loss enough */
	assert_int_equal(sl_wf_verdict(&ti, 100000000), SL_LIM_APPLICATION);
	/* Busy, unheld, most of its life: the path. */
	assert_int_equal(sl_wf_verdict(&ti, 1500000), SL_LIM_NETWORK);
	assert_string_equal(sl_limited_name(SL_LIM_PEER_WINDOW), "peer-window");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_name_latest_resolve_before_connect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_v6_mapped_and_phases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolvers_own_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_phases_and_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verdict_rules, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
