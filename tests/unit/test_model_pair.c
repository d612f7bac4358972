/*
 * Unit tests of pairing in the socket model (viewer/model/pair.c): the
 * two ends of a TCP connection by their 4-tuple, UNIX stream ends by
 * path, pid and time, whichever end reaches the model first.
 */
#include "model_records.h"

/* TCP ends meet by 4-tuple, whichever is seen first. */
static void test_pair_tcp_by_tuple(void **state)
{
	(void)state;
	listener_and_accept();	/* server 501: local :8080, remote :40000 */
	client_connects();
	assert_int_equal(sock(2)->peer_id, 3);
	assert_int_equal(sock(3)->peer_id, 2);
	assert_int_equal(sock(2)->connect_to_accept_ns, 150 - 135);
	/* a connect to another port does not pair */
	new_socket(2, 4, 701, AF_INET, SOCK_STREAM, 160);
	call(SL_CALL_CONNECT, 4, 0, 701, 170);
	with_addr(9090);
	with_local(40001);
	send_rec(2);
	assert_int_equal(sock(4)->peer_id, 0);
}

/* An accept the preload did not ask the local address of: the model
 * takes the listener's, and the ends still pair by their 4-tuple. */
static void test_accept_local_of_listener(void **state)
{
	(void)state;
	listener();
	call(SL_CALL_ACCEPT, 4, 4, 501, 140);
	rec.c.inode2 = 500;
	rec.c.flags = SL_F_LOCAL_LISTENER;
	with_addr(40000);
	send_rec(1);
	assert_int_equal(sock(2)->local.len, sock(1)->local.len);
	assert_memory_equal(sock(2)->local.raw, sock(1)->local.raw,
			    sock(1)->local.len);
	client_connects();
	assert_int_equal(sock(3)->peer_id, 2);
	assert_int_equal(sock(2)->peer_id, 3);
}

static void with_unix(struct sl_addr *a, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	strcpy(sun.sun_path, path);
	a->len = (uint16_t)(offsetof(struct sockaddr_un, sun_path) +
			    strlen(path) + 1);
	memcpy(a->raw, &sun, a->len);
}

/* Process 10 listens on /run/app.sock (socket 1). */
static void unix_listener(void)
{
	conn(1, 10);
	hello(1, 10, 1, 0, 100);
	call(SL_CALL_SOCKET, 3, 3, 800, 110);
	rec.c.arg0 = AF_UNIX;
	rec.c.arg1 = SOCK_STREAM;
	send_rec(1);
	call(SL_CALL_BIND, 3, 0, 800, 111);
	rec.c.h.size = sizeof(rec);
	rec.c.h.type = SL_REC_CALL_ADDR;
	with_unix(&rec.addr, "/run/app.sock");
	with_unix(&rec.local, "/run/app.sock");
	send_rec(1);
	simple(1, SL_CALL_LISTEN, 3, 0, 800, 112);
}

/* Process 20 connects to it. */
static void unix_client(void)
{
	conn(2, 20);
	hello(2, 20, 1, 0, 100);
	call(SL_CALL_SOCKET, 4, 4, 900, 120);
	rec.c.arg0 = AF_UNIX;
	rec.c.arg1 = SOCK_STREAM;
	send_rec(2);
	call(SL_CALL_CONNECT, 4, 0, 900, 130);
	rec.c.h.size = sizeof(rec);
	rec.c.h.type = SL_REC_CALL_ADDR;
	with_unix(&rec.addr, "/run/app.sock");
	send_rec(2);
}

/* Process 10 accepts process 20's connection. */
static void unix_accept(void)
{
	call(SL_CALL_ACCEPT, 5, 5, 801, 125);
	rec.c.inode2 = 800;
	rec.c.dur_ns = 20;
	rec.c.peer_pid = 20;
	send_rec(1);
}

static void test_pair_unix_by_path_and_pid(void **state)
{
	(void)state;
	unix_listener();
	unix_client();
	unix_accept();
	assert_int_equal(sock(3)->role, SL_ROLE_SERVER);
	assert_int_equal(sock(3)->peer_id, 2);
	assert_int_equal(sock(2)->peer_id, 3);
}

/* The server end reaches the model first: the client's records were
 * still in its buffer when the accept was applied. */
static void test_pair_unix_accept_first(void **state)
{
	(void)state;
	unix_listener();
	unix_accept();
	unix_client();
	assert_int_equal(sock(2)->role, SL_ROLE_SERVER);
	assert_int_equal(sock(2)->peer_id, 3);
	assert_int_equal(sock(3)->peer_id, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pair_tcp_by_tuple, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accept_local_of_listener, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_unix_by_path_and_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pair_unix_accept_first, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
