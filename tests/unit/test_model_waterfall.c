/*
 * Unit tests of the waterfall model (model/resolve.c, model/waterfall.c),
 * with records made by hand: names from a process's own resolves, the latest that had ended by the
 * connect; the resolver's own sockets; a connection's phases; HTTP
 * exchanges merged by index; the TCP verdict, rule by rule.
 */
#include "model_records.h"
#include "model/model_int.h"

/* Pid PID's resolve (thread TID, conn ID = PID / 10) of NAME from START
 * to END, answering 127.0.0.1 (and, with V6, ::ffff:127.0.0.1: the same
 * address). */
static void resolved_by(uint32_t pid, uint32_t tid, const char *name,
			uint64_t start, uint64_t end, bool v6)
{
	struct sl_rec_resolve r;

	memset(&r, 0, sizeof(r));
	r.h = rec_hdr(sizeof(r), SL_REC_RESOLVE, start);
	r.h.tid = tid;
	r.dur_ns = end - start;
	r.api = SL_RES_GETADDRINFO;
	strcpy(r.name, name);
	r.name_len = (uint16_t)strlen(name);
	r.naddr = v6 ? 2 : 1;
	r.v4 = 1;
	r.addr[0][0] = 127;
	r.addr[0][3] = 1;
	r.addr[1][10] = r.addr[1][11] = 0xff;
	r.addr[1][12] = 127;
	r.addr[1][15] = 1;
	put(pid / 10, &r.h);
}

/* A TLS record of socket INODE (fd 3, pid 20): the program sent the
 * ClientHello at HELLO, its first application data at DONE, the
 * answer came at ANSWER. */
static void tls(uint64_t inode, uint64_t hello, uint64_t done,
		uint64_t answer)
{
	struct sl_rec_tls t;

	memset(&t, 0, sizeof(t));
	t.h = rec_hdr(sizeof(t), SL_REC_TLS, answer);
	t.inode = inode;
	t.fd = 3;
	t.flags = SL_TLS_F_CH | SL_TLS_F_SH | SL_TLS_F_DONE;
	t.ch_ns = hello;
	t.app_ns[0] = done;
	t.answer_ns = answer;
	t.version = 0x0304;
	t.alpn_n = 2;
	strcpy(t.sni, "foo.test");
	strcpy(t.alpn[0], "h2");
	strcpy(t.alpn[1], "http/1.1");
	put(2, &t.h);
}

/* HTTP exchange INDEX of socket INODE (fd 3, pid 20), client side. */
static void http(uint64_t inode, uint32_t index, uint64_t sent,
		 uint64_t first, uint64_t end, uint16_t status)
{
	struct sl_rec_http h;

	memset(&h, 0, sizeof(h));
	h.h = rec_hdr(sizeof(h), SL_REC_HTTP, end ? end : sent);
	h.inode = inode;
	h.fd = 3;
	h.index = index;
	h.sent_ns = sent;
	h.req_end_ns = sent ? sent + 10 : 0;
	h.first_byte_ns = first;
	h.end_ns = end;
	h.status = status;
	strcpy(h.method, "GET");
	strcpy(h.target, "/x");
	h.target_len = 2;
	put(2, &h.h);
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
	/* An address written out is no name: getaddrinfo("127.0.0.1"). */
	resolved(20, "127.0.0.1", 900, 910, false);
	connects(5, 702, 1000, 10);
	assert_string_equal(sock_of(702)->wf->name, "late.test");
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
	const struct sl_wf *wf;
	char buf[64];

	(void)state;
	proc(2, 20, 100);
	connects(3, 700, 500, 100);
	tls(700, 620, 900, 1500);
	http(700, 0, 1000, 0, 0, 0);
	http(700, 0, 0, 1500, 1700, 200);
	http(700, 1, 2000, 2100, 2200, 404);
	wf = sock_of(700)->wf;
	assert_int_equal(wf->nhttp, 2);
	assert_int_equal(wf->http_total, 2);
	assert_string_equal(wf->tls.sni, "foo.test");
	assert_string_equal(wf->tls.alpn[1], "http/1.1");
	assert_int_equal(wf->tls.version, 0x0304);
	assert_int_equal(sl_wf_phases(sock_of(700), ph), 5);
	assert_int_equal(ph[SL_PH_TLS].start_ns, 600);
	assert_int_equal(ph[SL_PH_TLS].end_ns, 900);
	assert_int_equal(ph[SL_PH_REQUEST].start_ns, 1000);
	assert_int_equal(ph[SL_PH_REQUEST].end_ns, 1010);
	assert_int_equal(ph[SL_PH_WAITING].start_ns, 1010);
	assert_int_equal(ph[SL_PH_WAITING].end_ns, 1500);
	assert_int_equal(ph[SL_PH_RECEIVING].end_ns, 1700);
	sl_wf_request_text(wf, buf, sizeof(buf));
	assert_string_equal(buf, "GET /x 200");
}

/* TLS with no HTTP parsed (it is encrypted): the client's first
 * application data is the request, the answer its first byte. */
static void test_tls_phases_without_http(void **state)
{
	struct sl_phase_span ph[SL_PH_MAX];

	(void)state;
	proc(2, 20, 100);
	connects(3, 700, 500, 100);
	tls(700, 620, 900, 1500);
	simple(2, SL_CALL_CLOSE, 3, 0, 700, 3000);
	assert_int_equal(sl_wf_phases(sock_of(700), ph), 5);
	assert_int_equal(ph[SL_PH_WAITING].start_ns, 900);
	assert_int_equal(ph[SL_PH_WAITING].end_ns, 1500);
	assert_int_equal(ph[SL_PH_RECEIVING].end_ns, 3000);
}

/* TCP_INFO at close gives the verdict; a sniff the protocol. */
static void test_tcpinfo_and_sniff_records(void **state)
{
	struct sl_rec_tcpinfo t;
	struct sl_rec_sniff sn;

	(void)state;
	proc(2, 20, 100);
	connects(3, 700, 500, 100);
	memset(&sn, 0, sizeof(sn));
	sn.h = rec_hdr(sizeof(sn), SL_REC_SNIFF, 700);
	sn.inode = 700;
	sn.fd = 3;
	sn.proto = SL_PROTO_REDIS;
	sn.role = SL_SNIFF_ROLE_CLIENT;
	put(2, &sn.h);
	memset(&t, 0, sizeof(t));
	t.h = rec_hdr(sizeof(t), SL_REC_TCPINFO, 5000000);
	t.inode = 700;
	t.fd = 3;
	t.rtt_us = 40;
	t.busy_us = 4000;
	t.rwnd_limited_us = 3000;
	t.total_retrans = 1;
	put(2, &t.h);
	assert_string_equal(sock_of(700)->wf->proto[0], "redis");
	assert_true(sock_of(700)->wf->has_tcpinfo);
	assert_int_equal(sock_of(700)->wf->ti.rtt_us, 40);
	assert_int_equal(sock_of(700)->wf->ti.retrans, 1);
	assert_int_equal(sock_of(700)->wf->ti.limited_by, SL_LIM_PEER_WINDOW);
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
		cmocka_unit_test_setup_teardown(test_tls_phases_without_http, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcpinfo_and_sniff_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verdict_rules, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
