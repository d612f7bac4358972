/*
 * Unit tests of the record checks (viewer/intake/wire_check.c): what a process
 * may send is accepted, and each way a record can be wrong is refused
 * with a reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "intake/intake.h"
#include "records.h"

static uint64_t buf[SL_BATCH_MAX / 8];

static size_t put_hello(void *at)
{
	struct sl_rec_hello *h = at;

	rec_hello(h, 42, 0, 0, 0);
	strcpy(h->exe, "/bin/true");
	memcpy(h->args, "true\0-x\0", 8);
	h->args_len = 8;
	return sizeof(*h);
}

static size_t put_call(void *at, uint16_t call)
{
	struct sl_rec_call *c = at;

	rec_call(c, call, 3, 0, 0, 0);
	return sizeof(*c);
}

static int check(size_t len, char *why)
{
	struct sl_check st = { 0 };
	int err = sl_wire_check_batch(&st, buf, len);

	strcpy(why, st.why);
	return err;
}

static void test_valid_batch_accepted(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_call_addr *a = (void *)((char *)buf + n + sizeof(struct sl_rec_call));

	(void)state;
	n += put_call((char *)buf + n, SL_CALL_SOCKET);
	put_call(a, SL_CALL_CONNECT);
	a->c.h.size = sizeof(*a);
	a->c.h.type = SL_REC_CALL_ADDR;
	a->addr.len = 16;
	n += sizeof(*a);
	assert_int_equal(check(n, why), 0);
}

static void test_call_before_hello_refused(void **state)
{
	char why[128];

	(void)state;
	assert_int_not_equal(check(put_call(buf, SL_CALL_SOCKET), why), 0);
	assert_non_null(strstr(why, "before hello"));
}

static void test_wrong_size_refused(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_call *c = (void *)((char *)buf + n);

	(void)state;
	n += put_call(c, SL_CALL_SOCKET);
	c->h.size = 104;
	assert_int_not_equal(check(n, why), 0);
	assert_non_null(strstr(why, "size 104"));
}

static void test_record_past_batch_refused(void **state)
{
	char why[128];
	size_t n = put_hello(buf);

	(void)state;
	n += put_call((char *)buf + n, SL_CALL_SOCKET);
	assert_int_not_equal(check(n - 8, why), 0);
	assert_non_null(strstr(why, "past the batch"));
	assert_int_not_equal(check(n - sizeof(struct sl_rec_call) + 8, why), 0);
	assert_non_null(strstr(why, "less than a header"));
}

static void test_bad_version_and_type_refused(void **state)
{
	char why[128];

	(void)state;
	put_hello(buf);
	((struct sl_hdr *)buf)->version = 9;
	assert_int_not_equal(check(sizeof(struct sl_rec_hello), why), 0);
	assert_non_null(strstr(why, "wire version 9"));
	put_hello(buf);
	((struct sl_hdr *)buf)->type = 200;
	assert_int_not_equal(check(sizeof(struct sl_rec_hello), why), 0);
	assert_non_null(strstr(why, "unknown record type 200"));
}

static void test_collector_records_refused_from_process(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_gone *g = (void *)((char *)buf + n);

	(void)state;
	rec_gone(g, 0, 0);
	assert_int_not_equal(check(n + sizeof(*g), why), 0);
	assert_non_null(strstr(why, "collector's"));
}

static void test_bad_fields_refused(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_call *c = (void *)((char *)buf + n);

	(void)state;
	put_call(c, SL_CALL_MAX);
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	assert_non_null(strstr(why, "unknown call"));
	put_call(c, SL_CALL_CLOSE);
	c->err = -5;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	assert_non_null(strstr(why, "errno"));
	put_call(c, SL_CALL_CLOSE);
	c->fd = -7;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
}

static void test_fd_handoffs_checked(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_call *c = (void *)((char *)buf + n);

	(void)state;
	put_call(c, SL_CALL_FD_SEND);
	c->arg0 = 7;
	c->flags = SL_F_SYSCALL;
	c->peeks = 3;
	assert_int_equal(check(n + sizeof(*c), why), 0);
	c->arg0 = -1;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	assert_non_null(strstr(why, "send-fd"));
	c->arg0 = (int64_t)1 << 40;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	put_call(c, SL_CALL_FD_SEND);
	c->fd = -1;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);

	put_call(c, SL_CALL_FD_RECV);
	c->arg1 = 4;
	c->arg0 = AF_UNIX | ((int64_t)SOCK_STREAM << 32);
	assert_int_equal(check(n + sizeof(*c), why), 0);
	c->arg1 = -2;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	assert_non_null(strstr(why, "recv-fd"));
	put_call(c, SL_CALL_FD_RECV);
	c->fd = -1;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
}

/* An alias ties one name of the preload's to one kernel inode. */
static void test_alias_checked(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_call *c = (void *)((char *)buf + n);
	uint64_t name = SL_SOCK_NAME_BIT |
			(42ull << SL_SOCK_NAME_PID_SHIFT) | 7;

	(void)state;
	put_call(c, SL_CALL_ALIAS);
	c->inode = name;
	c->inode2 = 123456;
	assert_int_equal(check(n + sizeof(*c), why), 0);
	c->inode = 99;		/* an inode is no name */
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	assert_non_null(strstr(why, "alias"));
	c->inode = SL_EPOLL_ID_BIT | 7;	/* nor is an epoll id */
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	c->inode = name;
	c->inode2 = 0;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	c->inode2 = name;	/* a name is no inode */
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	c->inode2 = SL_EPOLL_ID_BIT | 1;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
	c->inode2 = 123456;
	c->fd = -1;
	assert_int_not_equal(check(n + sizeof(*c), why), 0);
}

static void test_addr_length_refused(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_call_addr *a = (void *)((char *)buf + n);

	(void)state;
	put_call(a, SL_CALL_BIND);
	a->c.h.size = sizeof(*a);
	a->c.h.type = SL_REC_CALL_ADDR;
	a->local.len = SL_ADDR_MAX;
	assert_int_not_equal(check(n + sizeof(*a), why), 0);
	assert_non_null(strstr(why, "address length"));
}

static void test_unterminated_strings_refused(void **state)
{
	char why[128];
	struct sl_rec_hello *h = (void *)buf;

	(void)state;
	put_hello(buf);
	memset(h->exe, 'A', sizeof(h->exe));
	assert_int_not_equal(check(sizeof(*h), why), 0);
	assert_non_null(strstr(why, "exe"));
	put_hello(buf);
	h->args[h->args_len - 1] = 'x';
	assert_int_not_equal(check(sizeof(*h), why), 0);
	assert_non_null(strstr(why, "args"));
	put_hello(buf);
	h->args_len = SL_ARGS_MAX + 1;
	assert_int_not_equal(check(sizeof(*h), why), 0);
}

static void test_empty_batch_refused(void **state)
{
	char why[128];

	(void)state;
	assert_int_not_equal(check(0, why), 0);
	assert_non_null(strstr(why, "empty"));
}

static void test_wait_record_sizes(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_wait *w = (void *)((char *)buf + n);

	(void)state;
	memset(w, 0, sizeof(*w) + 2 * sizeof(struct sl_ready));
	w->h.type = SL_REC_WAIT;
	w->h.version = SL_WIRE_VERSION;
	w->call = SL_CALL_EPOLL_WAIT;
	w->nready = 2;
	w->h.size = sizeof(*w) + 2 * sizeof(struct sl_ready);
	assert_int_equal(check(n + w->h.size, why), 0);
	w->h.size = sizeof(*w) + sizeof(struct sl_ready);
	assert_int_not_equal(check(n + w->h.size, why), 0);
	assert_non_null(strstr(why, "expected"));
	w->nready = SL_READY_MAX + 1;
	w->h.size = sizeof(*w);
	assert_int_not_equal(check(n + w->h.size, why), 0);
	assert_non_null(strstr(why, "ready"));
	w->nready = 0;
	w->call = SL_CALL_SOCKET;
	assert_int_not_equal(check(n + w->h.size, why), 0);
	assert_non_null(strstr(why, "wait call"));
}

static void test_epoll_ctl_checked(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_epoll_ctl *e = (void *)((char *)buf + n);

	(void)state;
	memset(e, 0, sizeof(*e));
	e->h.size = sizeof(*e);
	e->h.type = SL_REC_EPOLL_CTL;
	e->h.version = SL_WIRE_VERSION;
	e->op = 1;
	e->epoll_id = SL_EPOLL_ID_BIT | 1;
	assert_int_equal(check(n + sizeof(*e), why), 0);
	e->op = 4;
	assert_int_not_equal(check(n + sizeof(*e), why), 0);
	e->op = 1;
	e->epoll_id = 1;
	assert_int_not_equal(check(n + sizeof(*e), why), 0);
}

/* A drop says why (SL_DROP_*); only a no-fd drop may name a child. */
static void test_drop_reasons_checked(void **state)
{
	char why[128];
	size_t n = put_hello(buf);
	struct sl_rec_drop *d = (void *)((char *)buf + n);

	(void)state;
	rec_drop(d, 5, 0);
	assert_int_equal(check(n + sizeof(*d), why), 0);
	d->reason = SL_DROP_NO_FD;
	d->pid = 1234;
	assert_int_equal(check(n + sizeof(*d), why), 0);
	d->reason = SL_DROP_UNSENT;
	assert_int_equal(check(n + sizeof(*d), why), -EINVAL);
	assert_non_null(strstr(why, "pid 1234"));
	d->pid = 0;
	d->reason = SL_DROP_REASON_MAX;
	assert_int_equal(check(n + sizeof(*d), why), -EINVAL);
	assert_non_null(strstr(why, "drop reason"));
	/* The record of an older build, without reason and pid. */
	d->reason = 0;
	d->h.size = 32;
	assert_int_equal(check(n + 32, why), -EINVAL);
}

/* Checks one record of type TYPE laid after a hello: 0 or -EINVAL. */
static int check_one(void *rec, size_t size, unsigned int type, char *why)
{
	size_t n = put_hello(buf);

	((struct sl_hdr *)rec)[0] = rec_hdr(size, type, 1);
	memcpy((char *)buf + n, rec, size);
	return check(n + size, why);
}

static void test_resolve_checked(void **state)
{
	struct sl_rec_resolve r;
	char why[128];

	(void)state;
	memset(&r, 0, sizeof(r));
	strcpy(r.name, "foo.test");
	r.naddr = 2;
	r.v4 = 1;
	r.err = -2;	/* EAI_NONAME */
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_RESOLVE, why), 0);
	r.api = SL_RES_API_MAX;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_RESOLVE, why), -EINVAL);
	assert_non_null(strstr(why, "api"));
	r.api = 0;
	r.naddr = SL_RESOLVE_ADDRS + 1;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_RESOLVE, why), -EINVAL);
	assert_non_null(strstr(why, "addresses"));
	r.naddr = 1;
	r.v4 = 2;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_RESOLVE, why), -EINVAL);
	assert_non_null(strstr(why, "IPv4 mark"));
	r.v4 = 0;
	memset(r.name, 'a', sizeof(r.name));
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_RESOLVE, why), -EINVAL);
	assert_non_null(strstr(why, "name not terminated"));
	r.name[0] = '\0';
	r.sys_errno = -1;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_RESOLVE, why), -EINVAL);
	/* A record one field short is refused by its size. */
	r.sys_errno = 0;
	assert_int_equal(check_one(&r, sizeof(r) - 8, SL_REC_RESOLVE, why),
			 -EINVAL);
}

static void test_sniff_checked(void **state)
{
	struct sl_rec_sniff r;
	char why[128];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.fd = 5;
	r.proto = SL_PROTO_TLS;
	r.role = SL_SNIFF_ROLE_CLIENT;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_SNIFF, why), 0);
	r.proto = SL_PROTO_COUNT;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_SNIFF, why), -EINVAL);
	r.proto = SL_PROTO_NONE;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_SNIFF, why), -EINVAL);
	r.proto = SL_PROTO_HTTP1;
	r.role = 3;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_SNIFF, why), -EINVAL);
	r.role = 0;
	r.dir = 2;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_SNIFF, why), -EINVAL);
	r.dir = 1;
	r.fd = -2;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_SNIFF, why), -EINVAL);
	assert_string_equal(sl_proto_name(SL_PROTO_REDIS), "redis");
	assert_string_equal(sl_proto_name(250), "unknown");
}

static void test_tls_checked(void **state)
{
	struct sl_rec_tls r;
	char why[128];

	(void)state;
	memset(&r, 0, sizeof(r));
	strcpy(r.sni, "foo.test");
	strcpy(r.alpn[0], "h2");
	strcpy(r.alpn[1], "http/1.1");
	r.alpn_n = r.alpn_offered = 2;
	r.client_dir = 255;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_TLS, why), 0);
	r.alpn_n = 5;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_TLS, why), -EINVAL);
	r.alpn_n = 2;
	r.client_dir = 2;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_TLS, why), -EINVAL);
	r.client_dir = 0;
	memset(r.alpn[3], 'x', sizeof(r.alpn[3]));
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_TLS, why), -EINVAL);
	assert_non_null(strstr(why, "protocol 3"));
	r.alpn[3][0] = '\0';
	memset(r.sni, 'x', sizeof(r.sni));
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_TLS, why), -EINVAL);
	r.sni[0] = '\0';
	memset(r.alpn_chosen, 'x', sizeof(r.alpn_chosen));
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_TLS, why), -EINVAL);
}

static void test_http_checked(void **state)
{
	struct sl_rec_http r;
	char why[128];

	(void)state;
	memset(&r, 0, sizeof(r));
	strcpy(r.method, "GET");
	strcpy(r.target, "/index.html");
	r.status = 200;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_HTTP, why), 0);
	r.status = 1000;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_HTTP, why), -EINVAL);
	r.status = 404;
	r.side = 2;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_HTTP, why), -EINVAL);
	r.side = 1;
	memset(r.target, '/', sizeof(r.target));
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_HTTP, why), -EINVAL);
	r.target[0] = '\0';
	memset(r.method, 'G', sizeof(r.method));
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_HTTP, why), -EINVAL);
}

static void test_tcpinfo_checked(void **state)
{
	struct sl_rec_tcpinfo r;
	char why[128];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.fd = 7;
	r.rtt_us = 40;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_TCPINFO, why), 0);
	r.when = SL_TI_WHEN_MAX;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_TCPINFO, why),
			 -EINVAL);
	r.when = SL_TI_EXIT;
	r.fd = -3;
	assert_int_equal(check_one(&r, sizeof(r), SL_REC_TCPINFO, why),
			 -EINVAL);
}

/* Each new record fits what a thread's lane takes (ring.h). */
static void test_waterfall_records_fit_a_lane(void **state)
{
	(void)state;
	assert_true(sl_rec_size(SL_REC_RESOLVE) <= 512);
	assert_true(sl_rec_size(SL_REC_TLS) <= 512);
	assert_true(sl_rec_size(SL_REC_HTTP) <= 512);
	for (unsigned int t = SL_REC_RESOLVE; t <= SL_REC_TCPINFO; t++)
		assert_int_equal(sl_rec_size(t) % 8, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_batch_accepted),
		cmocka_unit_test(test_call_before_hello_refused),
		cmocka_unit_test(test_wrong_size_refused),
		cmocka_unit_test(test_record_past_batch_refused),
		cmocka_unit_test(test_bad_version_and_type_refused),
		cmocka_unit_test(test_collector_records_refused_from_process),
		cmocka_unit_test(test_bad_fields_refused),
		cmocka_unit_test(test_fd_handoffs_checked),
		cmocka_unit_test(test_alias_checked),
		cmocka_unit_test(test_addr_length_refused),
		cmocka_unit_test(test_unterminated_strings_refused),
		cmocka_unit_test(test_empty_batch_refused),
		cmocka_unit_test(test_wait_record_sizes),
		cmocka_unit_test(test_epoll_ctl_checked),
		cmocka_unit_test(test_drop_reasons_checked),
		cmocka_unit_test(test_resolve_checked),
		cmocka_unit_test(test_sniff_checked),
		cmocka_unit_test(test_tls_checked),
		cmocka_unit_test(test_http_checked),
		cmocka_unit_test(test_tcpinfo_checked),
		cmocka_unit_test(test_waterfall_records_fit_a_lane),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
