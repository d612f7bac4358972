/*
 * UNIX sockets whose names are hostile: an abstract name and a path that
 * hold HTML, a script, quotes and terminal escape sequences. Each gets a
 * listener and a client that connects and says hello. The outputs must
 * show these names as text: no script runs in the page, no escape
 * sequence reaches the terminal.
 *
 * usage: hostile_names DIR
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void pair_on(const struct sockaddr_un *sun, socklen_t len)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c = socket(AF_UNIX, SOCK_STREAM, 0), s;
	char buf[8];

	if (l < 0 || c < 0 || bind(l, (const struct sockaddr *)sun, len) < 0 ||
	    listen(l, 1) < 0 || connect(c, (const struct sockaddr *)sun, len) < 0 ||
	    (s = accept(l, NULL, NULL)) < 0 || write(c, "hello", 5) != 5 ||
	    read(s, buf, 5) != 5) {
		perror("hostile_names");
		_exit(1);
	}
	close(s);
	close(c);
	close(l);
}

int main(int argc, char **argv)
{
	static const char abstract[] =
		"\0<script>window.__pwned=1</script>\x1b]0;pwned\x07\x1b[31m\"'&";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (argc != 2)
		return 2;
	memcpy(sun.sun_path, abstract, sizeof(abstract) - 1);
	pair_on(&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				   sizeof(abstract) - 1));
	snprintf(sun.sun_path, sizeof(sun.sun_path),
		 "%s/<img src=x onerror=\"window.__pwned=1\">'", argv[1]);
	pair_on(&sun, sizeof(sun));
	unlink(sun.sun_path);
	printf("ok\n");
	return 0;
}
