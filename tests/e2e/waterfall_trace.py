"""A trace of the network waterfall's story, made by hand on make_trace:
the records a preload makes for name lookups, TLS, HTTP/1 and TCP_INFO
(wire.h, SL_REC_RESOLVE... SL_REC_TCPINFO), around the calls of three
connections of one client process (pid 10):

  1. https://foo.test:443/: getaddrinfo foo.test (1.5 ms) -> 127.0.0.1,
     connect (0.3 ms), TLS 1.3 (SNI foo.test, ALPN h2, http/1.1 offered)
     done 4 ms later, the answer 6 ms after that; TCP_INFO at close,
     limited by the peer's window.
  2. http://bar.test:8080/: getaddrinfo bar.test -> 127.0.0.2, two
     HTTP/1.1 exchanges on it (GET /index.html 200, GET /missing 404);
     TCP_INFO with 5% of its segments retransmitted.
  3. a redis connection to 127.0.0.3:6379 (no name looked up), its
     protocol recognised; and a lookup of nowhere.invalid that failed
     (EAI_NONAME).

    python3 waterfall_trace.py include/socklens/wire.h OUT.trace
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_trace import Trace, inet  # noqa: E402

MS = 1000000
EAI_NONAME = -2


def resolve(t, conn, name, ts, dur, addrs=(), err=0, tid=10, port=0):
    body = struct.pack("<QQiiBBBBHHIIHHi", dur, 0, err, 0, 0, 0, len(addrs),
                       0, 0, port, 0, (1 << len(addrs)) - 1, len(name), 0, 0)
    for a in range(16):
        body += bytes(addrs[a]).ljust(16, b"\0") if a < len(addrs) else \
            bytes(16)
    body += name.encode().ljust(192, b"\0")
    t._rec(conn, "RESOLVE", ts, body, tid)


def sniff(t, conn, ts, fd, inode, direction, proto, role):
    t._rec(conn, "SNIFF", ts, struct.pack("<QQiBBBB", inode, 0, fd,
                                          direction, proto, role, 0), 10)


def tls(t, conn, ts, fd, inode, ch, sh, app, answer, sni, alpn):
    body = struct.pack("<QQQQQQQQ", inode, ch, sh, sh, sh, app[0], app[1],
                       answer)
    body += struct.pack("<iIHHHHBBBBBBxx", fd, 0x3 | (1 << 9) | (1 << 16),
                        0x0303, 0x0304, 0x0304, 0x1301, 0x18, len(alpn),
                        len(alpn), 0, 0, 0)
    body += sni.encode().ljust(256, b"\0")
    for a in range(4):
        body += (alpn[a] if a < len(alpn) else "").encode().ljust(16, b"\0")
    body += bytes(16)
    t._rec(conn, "TLS", ts, body, 10)


def http(t, conn, ts, fd, inode, index, method, target, status, sent,
         first, end):
    body = struct.pack("<QQQQQQQ", inode, sent, sent + 20000, first, end, 0,
                       100)
    body += struct.pack("<iIIIIHBB", fd, index, 0, 1 | (1 << 6),
                        len(target), status, 1, 0)
    body += method.encode().ljust(16, b"\0") + \
        target.encode().ljust(257, b"\0") + bytes(7)
    t._rec(conn, "HTTP", ts, body, 10)


def tcpinfo(t, conn, ts, fd, inode, rtt, busy, rwnd, sndbuf, retrans,
            segs):
    body = struct.pack("<QiBBBB", inode, fd, 0, 1, 0, 0)
    body += struct.pack("<18I", rtt, rtt // 4, rtt // 2, 0, retrans, 0,
                        1448, 1448, 10, 0x7fffffff, 3, 65536, segs, segs,
                        segs, segs, 232, 65536)
    body += struct.pack("<9Q", 12500000, 25000000, busy, rwnd, sndbuf,
                        segs * 1448, 4096, segs * 1448, retrans * 1448)
    t._rec(conn, "TCPINFO", ts, body, 10)


def stream(t, ts, fd, inode, port, host, dur):
    t.call(1, "SOCKET", ts=ts, fd=fd, ret=fd, inode=inode, arg0=2, arg1=1,
           tid=10)
    t.call(1, "CONNECT", ts=ts + 10000, fd=fd, inode=inode, dur=dur,
           addr=inet(port, host), local=inet(40000 + fd), tid=10)


def main(wire_h, out):
    t = Trace(wire_h)
    t.conn(1, pid=10)
    t.hello(1, pid=10, ts=1 * MS, exe="/usr/bin/client",
            argv=("client", "https://foo.test/"))
    t0 = 10 * MS
    # 1. https://foo.test/
    resolve(t, 1, "foo.test", t0, 1500000, [(127, 0, 0, 1)], port=443)
    stream(t, t0 + 1600000, 3, 500, 443, (127, 0, 0, 1), 300000)
    c = t0 + 1910000
    tls(t, 1, c + 12 * MS, 3, 500, c + 100000, c + 900000,
        (c + 4 * MS, c + 4 * MS + 500000), c + 10 * MS, "foo.test",
        ["h2", "http/1.1"])
    tcpinfo(t, 1, c + 30 * MS, 3, 500, 400, 20000, 12000, 1000, 0, 200)
    t.call(1, "CLOSE", ts=c + 30 * MS, fd=3, inode=500, tx=900, rx=50000,
           tx_calls=3, rx_calls=9, tid=10)
    # 2. http://bar.test:8080/, two exchanges
    t1 = t0 + 40 * MS
    resolve(t, 1, "bar.test", t1, 800000, [(127, 0, 0, 2)], port=8080)
    stream(t, t1 + 900000, 4, 600, 8080, (127, 0, 0, 2), 200000)
    c = t1 + 1110000
    http(t, 1, c + 5 * MS, 4, 600, 0, "GET", "/index.html", 200,
         c + 100000, c + 3 * MS, c + 5 * MS)
    sniff(t, 1, c + 100000, 4, 600, 0, 3, 1)
    http(t, 1, c + 9 * MS, 4, 600, 1, "GET", "/missing", 404,
         c + 6 * MS, c + 8 * MS, c + 9 * MS)
    tcpinfo(t, 1, c + 10 * MS, 4, 600, 900, 9000, 0, 0, 10, 200)
    t.call(1, "CLOSE", ts=c + 10 * MS, fd=4, inode=600, tx=300, rx=9000,
           tx_calls=2, rx_calls=4, tid=10)
    # 3. redis, no name; a lookup that failed
    t2 = t0 + 55 * MS
    stream(t, t2, 5, 700, 6379, (127, 0, 0, 3), 100000)
    sniff(t, 1, t2 + 200000, 5, 700, 0, 5, 1)
    resolve(t, 1, "nowhere.invalid", t2 + 1 * MS, 2 * MS, err=EAI_NONAME)
    t.call(1, "CLOSE", ts=t2 + 5 * MS, fd=5, inode=700, tx=40, rx=10,
           tx_calls=1, rx_calls=1, tid=10)
    t.call(1, "EXIT", ts=t2 + 6 * MS, ret=0, tid=10)
    t.gone(1, ts=t2 + 6 * MS)
    t.write(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
