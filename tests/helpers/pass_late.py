"""A socket passed early, used late: the parent makes a socketpair, passes
one end to its fork child over SCM_RIGHTS (socklens: the end's alias,
its name and kernel inode), makes ROUNDS sockets of its own (enough to
rotate a trace several times), then the child sends 3333 bytes on the
end it was given and the parent 7777 on its own copy. Prints the end's
kernel inode. Usage: pass_late.py ROUNDS"""
import os
import socket
import sys

rounds = int(sys.argv[1])
c1, c2 = socket.socketpair()
pid = os.fork()
if pid == 0:
    c1.close()
    _, fds, _, _ = socket.recv_fds(c2, 16, 1)
    a = socket.socket(fileno=fds[0])
    c2.recv(1)
    a.sendall(b"c" * 3333)
    a.close()
    c2.send(b"d")
    os._exit(0)
c2.close()
a, b = socket.socketpair()
socket.send_fds(c1, [b"a"], [a.fileno()])
for _ in range(rounds):
    socket.socket().close()
c1.send(b"g")
c1.recv(1)
a.sendall(b"p" * 7777)
print(os.fstat(a.fileno()).st_ino)
a.close()
got = 0
while got < 11110:
    got += len(b.recv(65536))
os.waitpid(pid, 0)
