"""What strace's I/O calls did to a socket, for stracemodel.py.

Bytes and calls each way (a MSG_PEEK read counted as a peek, never as
received), end of stream, a failed call's errno, a datagram socket's
first peer, the messages of sendmmsg and recvmmsg, sendfile and splice,
and the fds a recvmsg brought in (SCM_RIGHTS). A mixin of StraceModel:
it uses the model's fd table (resolve, take, new_sock, live, socks).
"""

import re

from straceparse import fd_of, split_list
from stracenames import sock_annot, sockaddr

_MSGLEN = re.compile(r"msg_len=(\d+)")
_CMSGFDS = re.compile(r"SCM_RIGHTS, cmsg_data=(\[[^\]]*(?:\][^\]]*)*?\])\}")

# Failures that are not a socket's fate: retried, or still on the way.
SOFT = {"EAGAIN", "EWOULDBLOCK", "EINTR", "EINPROGRESS", "EALREADY",
        "ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND",
        "ERESTART_RESTARTBLOCK"}
FLAGS_ARG = {"recv": 3, "recvfrom": 3, "recvmsg": 2, "recvmmsg": 3,
             "send": 3, "sendto": 3, "sendmsg": 2, "sendmmsg": 3}


class StraceIO:
    def io(self, c, s, tx, nbytes=None):
        s.last = c.ts
        if c.ret is None:
            return
        if c.ret < 0:
            if c.errno in SOFT or not c.errno:
                return
            if s.connect == "pending":
                s.connect = c.errno
                s.connect_failures += 1
            s.fail(c, c.errno, c.name)
            return
        if s.connect == "pending":
            self.connected(s)
        n = c.ret if nbytes is None else nbytes
        asked = c.args[2] if c.name in ("read", "recv", "recvfrom") and \
            len(c.args) > 2 else "1"
        if not tx and n == 0 and s.type == "stream" and asked != "0":
            s.states.add("peer-closed")
        fl = FLAGS_ARG.get(c.name)
        flags = c.args[fl] if fl is not None and len(c.args) > fl else ""
        if not tx and "MSG_PEEK" in flags:
            s.peeks += 1
            s.peek_bytes += n
            return
        if tx:
            s.tx += n
            s.tx_calls += 1
        else:
            s.rx += n
            s.rx_calls += 1
        self.datagram_peer(c, s, tx)
        if s.family == "netlink" and tx and len(c.args) > 1:
            for t in re.findall(r"nlmsg_type=([A-Z_0-9]+)", c.args[1]):
                s.nl_requests.add(t)

    def datagram_peer(self, c, s, tx):
        if s.type == "stream" or s.first_peer is not None:
            return
        text = ""
        if c.name in ("sendto", "recvfrom") and len(c.args) > 4:
            text = c.args[4]
        elif c.name in ("sendmsg", "recvmsg") and len(c.args) > 1:
            m = re.search(r"msg_name=(\{[^}]*\})", c.args[1])
            text = m.group(1) if m else ""
        addr = sockaddr(text)
        if addr and addr != "(unnamed)":
            s.first_peer = addr

    def mmsg(self, c, g, s, tx):
        if s is None:
            return
        if c.ret is None or c.ret <= 0 or len(c.args) < 2:
            self.io(c, s, tx)
            return
        lens = [int(x) for x in _MSGLEN.findall(c.args[1])][:c.ret]
        self.io(c, s, tx, sum(lens))

    def on_sendmmsg(self, c, g, s):
        self.mmsg(c, g, s, True)

    def on_recvmmsg(self, c, g, s):
        self.mmsg(c, g, s, False)

    def on_recvmsg(self, c, g, s):
        if s is None:
            return
        self.io(c, s, False)
        if c.ret is None or c.ret < 0 or len(c.args) < 2:
            return
        cloexec = "MSG_CMSG_CLOEXEC" in (c.args[2] if len(c.args) > 2 else "")
        for m in _CMSGFDS.finditer(c.args[1]):
            for item in split_list(m.group(1)):
                fd, annot = fd_of(item)
                info = sock_annot(annot)
                if fd is None or info is None:
                    continue
                got = self.live.get(info.inode) if info.inode else None
                if got is None:
                    got = self.handed(c, info)
                if got is None:
                    got = self.new_sock(c, g, fd, info.inode, "unseen")
                self.take(g, fd, got, cloexec, c)
                got.learn(info)

    def handed(self, c, info):
        """A socket in flight has no holder: find it by its addresses."""
        for s in reversed(self.socks):
            if s.inode is None and s.local == info.local and \
                    s.remote == info.remote and info.local:
                return s
        return None

    def on_sendfile(self, c, g, s):
        # sendfile(out, in, ...): s is OUT.
        if s is not None:
            self.io(c, s, True)
        if len(c.args) > 1:
            fd, annot = fd_of(c.args[1])
            src = self.resolve(c, g, fd, annot)
            if src is not None:
                self.io(c, src, False)

    on_sendfile64 = on_sendfile

    def on_splice(self, c, g, s):
        # splice(in, off_in, out, off_out, len, flags)
        for idx, tx in ((0, False), (2, True)):
            if len(c.args) > idx:
                fd, annot = fd_of(c.args[idx])
                x = self.resolve(c, g, fd, annot)
                if x is not None:
                    self.io(c, x, tx)
