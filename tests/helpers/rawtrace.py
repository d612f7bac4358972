"""Reads a socklens trace file record by record, straight from the wire
contract (include/socklens/wire.h; the frames by tracefile.py), without
the viewer: for tests of what
the preload sends, including fields and flags no output shows yet.

    for r in records(path): ...

Each record is a dict: "type" (hello, call, drop...), "conn", "pid" (of
the connection, from the collector's record), "tid", "ts"; calls add
"call" (its name in enum sl_call, lower case, SL_CALL_ dropped), "fd",
"ret", "err", "flags" (a set of SL_F_* names, lower case, SL_F_
dropped), "inode", "inode2", "arg0", "arg1", "dur", "tx", "rx" (the
byte counters); hellos "hpid",
"ppid", "hflags", "exe"; drops "records", "batches", "reason", "dpid".
"""
import os
import re
import struct

from tracefile import frames

WIRE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "include", "socklens", "wire.h")
TYPES = {1: "hello", 2: "module", 3: "call", 4: "call", 5: "drop",
         6: "conn", 7: "gone", 8: "epoll_ctl", 9: "wait", 10: "policy_info",
         11: "policy"}


def _wire():
    text = open(WIRE).read()
    # enum sl_call is made from the call table's SL_CALL rows, in order.
    table = open(os.path.join(os.path.dirname(WIRE), "calls.def")).read()
    calls = {n: name.lower().replace("_", "-") for n, name in
             enumerate(re.findall(r"^SL_CALL\((\w+),", table, re.M))}
    flags = {int(v, 16): k.lower().replace("_", "-") for k, v in
             re.findall(r"#define SL_F_(\w+)\s+(0x[0-9a-fA-F]+)u", text)}
    return calls, flags


CALLS, FLAGS = _wire()


def records(path):
    pids = {}
    for conn, data in frames(open(path, "rb").read()):
        p, end = 0, len(data)
        while p + 16 <= end:
            size, rtype, _ver, tid, ts = struct.unpack_from("<HBBIQ", data, p)
            if size < 16 or p + size > end:
                break
            r = {"type": TYPES.get(rtype, rtype), "conn": conn, "tid": tid,
                 "ts": ts}
            body = p + 16
            if rtype == 6:
                pids[conn] = struct.unpack_from("<I", data, body)[0]
            elif rtype == 1:
                _m, _r, hpid, ppid, _uid, hflags = struct.unpack_from(
                    "<QQIIII", data, body)
                exe = data[body + 40:body + 40 + 256].split(b"\0")[0]
                r.update(hpid=hpid, ppid=ppid, hflags=hflags,
                         exe=exe.decode(errors="replace"))
            elif rtype in (3, 4):
                (dur, _caller, inode, inode2, ret, arg0, arg1, tx, rx,
                 _txc, _rxc, _eagain, fd, err, call, flags, _pp,
                 _peeks) = struct.unpack_from("<QQQQqqqQQIIIiiHHII", data,
                                              body)
                r.update(call=CALLS.get(call, call), fd=fd, ret=ret, err=err,
                         inode=inode, inode2=inode2, arg0=arg0, arg1=arg1,
                         dur=dur, tx=tx, rx=rx,
                         flags={n for b, n in FLAGS.items()
                                         if flags & b})
            elif rtype == 5:
                recs, batches, reason, dpid = struct.unpack_from(
                    "<QQII", data, body)
                r.update(records=recs, batches=batches, reason=reason,
                         dpid=dpid)
            r["pid"] = pids.get(conn)
            yield r
            p += size
