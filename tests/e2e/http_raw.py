"""One HTTP/1.1 exchange between two sockets of this process, every byte
moved through libc's syscall() by number (write, read, sendto, recvfrom),
then one on a forked child that answers on the socket its parent
accepted (a forking server). Prints what the clients read.

    python3 http_raw.py
"""
import ctypes
import os
import socket

libc = ctypes.CDLL(None, use_errno=True)
SYS_READ, SYS_WRITE = 0, 1
SYS_SENDTO, SYS_RECVFROM = 44, 45
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(2)
c = socket.create_connection(l.getsockname())
s, _ = l.accept()
req = b"GET /raw HTTP/1.1\r\nHost: x\r\n\r\n"
libc.syscall(SYS_WRITE, c.fileno(), req, len(req))
buf = ctypes.create_string_buffer(200)
libc.syscall(SYS_READ, s.fileno(), buf, 200)
resp = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
libc.syscall(SYS_SENDTO, s.fileno(), resp, len(resp), 0, None, 0)
n = libc.syscall(SYS_RECVFROM, c.fileno(), buf, 200, 0, None, None)
print(buf.raw[:n].split(b"\r\n")[0].decode())

c = socket.create_connection(l.getsockname())
s, _ = l.accept()
pid = os.fork()
if pid == 0:
    s.recv(1000)
    s.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
    os._exit(0)
s.close()
c.sendall(b"GET /forked HTTP/1.1\r\nHost: x\r\n\r\n")
print(c.recv(1000).split(b"\r\n")[0].decode())
os.waitpid(pid, 0)
