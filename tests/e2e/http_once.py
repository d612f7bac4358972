"""An HTTP/1.1 server for tests: serves DIR on 127.0.0.1 with keep-alive,
writes its port to PORT_FILE, and exits after COUNT connections (so that
a traced run of it ends by itself), each served whole before the next.

    python3 http_once.py DIR PORT_FILE COUNT
"""
import functools
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


def main():
    directory, port_file, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    srv = http.server.HTTPServer(("127.0.0.1", 0), functools.partial(
        Handler, directory=directory))
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    for _ in range(count):
        req, addr = srv.get_request()
        srv.finish_request(req, addr)
        srv.shutdown_request(req)
    srv.server_close()


main()
