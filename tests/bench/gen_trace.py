"""Writes a synthetic socklens trace: PROCS processes, each opening and
closing SOCKETS/PROCS TCP client sockets (socket, connect, I/O counters,
close). For the viewer's scale tests and benchmarks: no program needed.

usage: gen_trace.py OUT SOCKETS [EVENTS_PER_SOCKET] [PROCS]

The layouts follow include/socklens/wire.h (wire version 1).
"""
import struct
import sys
import zlib

out, nsocks = sys.argv[1], int(sys.argv[2])
per = int(sys.argv[3]) if len(sys.argv) > 3 else 4
nprocs = int(sys.argv[4]) if len(sys.argv) > 4 else 10

HDR = "<HBBIQ"                      # size, type, version, tid, ts
CALL = HDR + "QQQQqqqQQIIIiiHHII"   # struct sl_rec_call (120 bytes)
ADDR = 128


def hdr(size, typ, tid, ts):
    return struct.pack(HDR, size, typ, 1, tid, ts)


def call(tid, ts, callno, fd, ret, inode, tx=0, rx=0, arg0=0, arg1=0, addr=None):
    body = struct.pack(CALL, 120 + (2 * ADDR if addr else 0), 4 if addr else 3, 1,
                       tid, ts, 500, 0x401000, inode, 0, ret, arg0, arg1,
                       tx, rx, 1 if tx else 0, 1 if rx else 0, 0, fd, 0,
                       callno, 0, 0, 0)
    if addr:
        a, l = addr
        body += struct.pack("<H", len(a)) + a.ljust(ADDR - 2, b"\0")
        body += struct.pack("<H", len(l)) + l.ljust(ADDR - 2, b"\0")
    return body


def sin(port):
    return struct.pack("<HH4s", 2, port, bytes([127, 0, 0, 1])) + bytes(8)


def frame(conn, payload):
    return struct.pack("<IIII", 0x534C4652, len(payload),
                       zlib.crc32(payload, zlib.crc32(struct.pack('<I', conn))) & 0xFFFFFFFF, conn) + payload


SOCKET, CONNECT, CLOSE, COUNTERS = 1, 5, 9, 35
with open(out, "wb") as f:
    f.write(b"SOCKLENS" + struct.pack("<IIQQ", 1, 1, 0, 0))
    ts = 1_000_000_000
    for p in range(nprocs):
        pid, conn = 1000 + p, p + 1
        f.write(frame(conn, hdr(32, 6, 0, ts) + struct.pack("<IIII", pid, 0, 0, 0)))
        args = b"client\0-n\0%d\0" % p
        hello = hdr(1336, 1, pid, ts) + struct.pack("<QQIIIIII", ts, ts, pid, 1, 0, 0, 1, len(args))
        hello += b"/usr/bin/client".ljust(256, b"\0") + args.ljust(1024, b"\0")
        f.write(frame(conn, hello))
        batch = b""
        for i in range(nsocks // nprocs):
            inode = 1 + p * 10_000_000 + i
            ts += 1000
            batch += call(pid, ts, SOCKET, 3, 3, inode, arg0=2, arg1=1)
            batch += call(pid, ts + 100, CONNECT, 3, 0, inode,
                          addr=(sin(0x5000), sin(40000 + i % 20000)))
            for k in range(max(0, per - 3)):
                batch += call(pid, ts + 200 + k, COUNTERS, 3, 0, inode, tx=(k + 1) * 100, rx=(k + 1) * 1000)
            batch += call(pid, ts + 900, CLOSE, 3, 0, inode, tx=per * 100, rx=per * 1000)
            if len(batch) > 7000:
                f.write(frame(conn, batch))
                batch = b""
        if batch:
            f.write(frame(conn, batch))
        f.write(frame(conn, hdr(24, 7, 0, ts + 1000) + struct.pack("<Q", 0)))
