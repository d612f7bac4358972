/*
 * Calls every resolver entry point the preload wraps
 * (preload/wrap_resolve.c) once and prints one line per call: its name,
 * the name asked, and the answer (addresses) or the error, which
 * test_resolve.sh compares with the RESOLVE records of the trace.
 *
 * usage: resolve_forms [DNS_PORT]
 * With DNS_PORT, the res_* calls ask a DNS server on 127.0.0.1:DNS_PORT
 * (the test's) for foo.test; without, they are left out.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void print_hostent(const char *what, const char *name,
			  const struct hostent *h, int herr)
{
	char buf[INET6_ADDRSTRLEN];

	printf("%s %s", what, name);
	if (!h) {
		printf(" herr %d\n", herr);
		return;
	}
	for (char **a = h->h_addr_list; *a; a++)
		printf(" %s", inet_ntop(h->h_addrtype, *a, buf, sizeof(buf)));
	printf("\n");
}

static void try_getaddrinfo(const char *name)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *a;
	char buf[INET6_ADDRSTRLEN];
	int rc = getaddrinfo(name, "80", &hints, &res);

	printf("getaddrinfo %s", name);
	if (rc) {
		printf(" eai %d\n", rc);
		return;
	}
	for (a = res; a; a = a->ai_next) {
		const void *p = a->ai_family == AF_INET ?
			(const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;

		printf(" %s", inet_ntop(a->ai_family, p, buf, sizeof(buf)));
	}
	printf("\n");
	freeaddrinfo(res);
}

static void point_at(struct __res_state *st, int port)
{
	st->nsaddr_list[0].sin_family = AF_INET;
	st->nsaddr_list[0].sin_port = htons((uint16_t)port);
	st->nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	st->nscount = 1;
	st->retrans = 1;
	st->retry = 1;
}

static void try_res(int port)
{
	unsigned char ans[512];
	struct __res_state st;
	int n;

	res_init();
	point_at(&_res, port);
	n = res_query("foo.test", C_IN, T_A, ans, sizeof(ans));
	printf("res_query foo.test %d\n", n);
	n = res_search("foo.test", C_IN, T_A, ans, sizeof(ans));
	printf("res_search foo.test %d\n", n);
	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) == 0) {
		point_at(&st, port);
		n = res_nquery(&st, "foo.test", C_IN, T_A, ans, sizeof(ans));
		printf("res_nquery foo.test %d\n", n);
		res_nclose(&st);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(22) };
	struct hostent he, *h;
	char host[256], buf[4096];
	int herr = 0, rc;
	in_addr_t lo = htonl(INADDR_LOOPBACK);

	setvbuf(stdout, NULL, _IOLBF, 0);
	try_getaddrinfo("localhost");
	try_getaddrinfo("nonexistent.invalid");
	sin.sin_addr.s_addr = lo;
	rc = getnameinfo((struct sockaddr *)&sin, sizeof(sin), host,
			 sizeof(host), NULL, 0, NI_NAMEREQD);
	printf("getnameinfo 127.0.0.1 %s\n", rc ? "failed" : host);
	h = gethostbyname("localhost");
	print_hostent("gethostbyname", "localhost", h, h_errno);
	h = gethostbyname2("localhost", AF_INET);
	print_hostent("gethostbyname2", "localhost", h, h_errno);
	gethostbyname_r("localhost", &he, buf, sizeof(buf), &h, &herr);
	print_hostent("gethostbyname_r", "localhost", h, herr);
	gethostbyname2_r("nonexistent.invalid", AF_INET, &he, buf,
			 sizeof(buf), &h, &herr);
	print_hostent("gethostbyname2_r", "nonexistent.invalid", h, herr);
	h = gethostbyaddr(&lo, sizeof(lo), AF_INET);
	printf("gethostbyaddr 127.0.0.1 %s\n", h ? h->h_name : "failed");
	if (argc > 1)
		try_res(atoi(argv[1]));
	return 0;
}
