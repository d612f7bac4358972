"""Writes a socklens trace file from records described in Python, for
end-to-end tests of the viewer on stories a test program cannot make on
demand (or a preload cannot record yet).

    from make_trace import Trace
    t = Trace(wire_h)                   # include/socklens/wire.h
    t.conn(1, pid=10)
    t.hello(1, pid=10, ts=100)
    t.call(1, "SOCKET", ts=110, fd=3, ret=3, inode=500, arg0=2, arg1=1)
    t.gone(1, ts=900)
    t.write(path)

Call names are those of enum sl_call without the SL_CALL_ prefix; the
numbers are read from wire.h, so the file follows the contract. Each
record is one frame of its connection.
"""
import os
import re
import struct
import zlib

HDR = struct.Struct("<HBBIQ")
CALL = struct.Struct("<QQQQqqqQQIIIiiHHII")
ADDR_MAX = 128


class Trace:
    def __init__(self, wire_h):
        text = open(wire_h).read()
        # enum sl_call is made from the call table's SL_CALL rows, in
        # order (calls.def, beside wire.h).
        table = open(os.path.join(os.path.dirname(wire_h),
                                  "calls.def")).read()
        self.calls = {}
        for n, name in enumerate(re.findall(r"^SL_CALL\((\w+),", table,
                                            re.M)):
            self.calls[name] = n
        body = re.search(r"enum sl_rec_type \{(.*?)\};", text, re.S).group(1)
        self.types = {k: int(v) for k, v in
                      re.findall(r"SL_REC_(\w+)\s*=\s*(\d+)", body)}
        self.version = int(re.search(r"#define SL_WIRE_VERSION (\d+)",
                                     text).group(1))
        self.frames = []

    def _rec(self, conn, kind, ts, payload, tid=0):
        size = HDR.size + len(payload)
        self.frames.append((conn, HDR.pack(size, self.types[kind],
                                           self.version, tid, ts) + payload))

    def conn(self, conn, pid, ts=0):
        self._rec(conn, "CONN", ts, struct.pack("<IIII", pid, 0, 0, 0))

    def hello(self, conn, pid, ts, ppid=1, flags=0, exe="/bin/prog",
              argv=("prog",)):
        args = b"".join(a.encode() + b"\0" for a in argv)
        self._rec(conn, "HELLO", ts, struct.pack(
            "<QQIIIIII", ts, ts, pid, ppid, 0, flags, self.version,
            len(args)) + exe.encode().ljust(256, b"\0") +
            args.ljust(1024, b"\0"))

    def gone(self, conn, ts, bad=0):
        self._rec(conn, "GONE", ts, struct.pack("<Q", bad))

    def call(self, conn, name, ts, fd=-1, ret=0, inode=0, inode2=0,
             dur=0, err=0, arg0=0, arg1=0, tx=0, rx=0, tx_calls=0,
             rx_calls=0, flags=0, peer_pid=0, peeks=0, caller=0,
             addr=None, local=None, tid=0):
        payload = CALL.pack(dur, caller, inode, inode2, ret, arg0, arg1, tx,
                            rx, tx_calls, rx_calls, 0, fd, err,
                            self.calls[name], flags, peer_pid, peeks)
        kind = "CALL"
        if addr is not None or local is not None:
            kind = "CALL_ADDR"
            for a in (addr or b"", local or b""):
                payload += struct.pack("<H", len(a)) + a.ljust(ADDR_MAX - 2,
                                                               b"\0")
        self._rec(conn, kind, ts, payload, tid)

    def write(self, path):
        out = bytearray(b"SOCKLENS" + struct.pack("<IIQQ", 1, self.version,
                                                  0, 0))
        for conn, p in self.frames:
            crc = zlib.crc32(p, zlib.crc32(struct.pack("<I", conn)))
            out += struct.pack("<IIII", 0x534C4652, len(p),
                               crc & 0xFFFFFFFF, conn) + p
        open(path, "wb").write(out)


def inet(port, host=(127, 0, 0, 1)):
    """A struct sockaddr_in, as the kernel gives it."""
    return struct.pack("<H", 2) + struct.pack(">H", port) + bytes(host) + \
        bytes(8)
