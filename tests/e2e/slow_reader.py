"""A sender and a receiver that reads slowly from a small buffer
(SO_RCVBUF 4 KiB, 4 KiB reads 2 ms apart), on loopback in one process:
the sender's TCP connection is held back by its peer's receive window,
which its TCP_INFO at close says (tcpi_rwnd_limited). test_waterfall_view.sh
checks the verdict and audit's window-limited finding.

    python3 slow_reader.py
"""
import socket
import threading
import time

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
srv.bind(("127.0.0.1", 0))
srv.listen(1)


def reader():
    c, _ = srv.accept()
    while c.recv(4096):
        time.sleep(0.002)
    c.close()


t = threading.Thread(target=reader)
t.start()
s = socket.create_connection(("localhost", srv.getsockname()[1]))
for _ in range(256):
    s.sendall(b"x" * 4096)
time.sleep(0.05)
s.close()
t.join()
print("sent 1 MiB")
