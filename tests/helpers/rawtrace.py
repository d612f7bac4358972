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
The waterfall's records (resolve, sniff, tls, http, tcpinfo) carry their
struct's fields by the names wire.h gives them (addresses of a resolve as
strings in "addrs", strings decoded).
"""
import os
import re
import socket
import struct

from tracefile import frames

WIRE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "include", "socklens", "wire.h")
TYPES = {1: "hello", 2: "module", 3: "call", 4: "call", 5: "drop",
         6: "conn", 7: "gone", 8: "epoll_ctl", 9: "wait", 10: "policy_info",
         11: "policy", 15: "resolve", 16: "sniff", 17: "tls", 18: "http",
         19: "tcpinfo"}


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


def _str(b):
    return b.split(b"\0")[0].decode(errors="replace")


def _fields(names, fmt, data, at):
    return dict(zip(names.split(), struct.unpack_from(fmt, data, at)))


def _resolve(data, at):
    r = _fields("dur caller err sys_errno api family naddr rflags qtype "
                "port more v4 name_len _pad ret", "<QQiiBBBBHHIIHHi",
                data, at)
    addrs = []
    for i in range(r["naddr"]):
        raw = data[at + 48 + 16 * i:at + 64 + 16 * i]
        addrs.append(socket.inet_ntop(socket.AF_INET, raw[:4])
                      if r["v4"] & (1 << i) else
                      socket.inet_ntop(socket.AF_INET6, raw))
    r.update(addrs=addrs, name=_str(data[at + 304:at + 496]))
    return r


def _sniff(data, at):
    return _fields("inode off fd dir proto role sflags", "<QQiBBBB", data,
                   at)


def _tls(data, at):
    r = _fields("inode ch_ns sh_ns enc_out enc_in app_out app_in answer_ns "
                "fd tflags ch_version ch_max_version version cipher "
                "ch_versions alpn_offered alpn_n client_dir alert_level "
                "alert_desc", "<QQQQQQQQiIHHHHBBBBBB", data, at)
    r["sni"] = _str(data[at + 88:at + 344])
    r["alpn"] = [_str(data[at + 344 + 16 * i:at + 360 + 16 * i])
                 for i in range(r["alpn_n"])]
    r["alpn_chosen"] = _str(data[at + 408:at + 424])
    return r


def _http(data, at):
    r = _fields("inode sent_ns req_end_ns first_byte_ns end_ns req_body "
                "resp_body fd index req_flags resp_flags target_len status "
                "minor side", "<QQQQQQQiIIIIHBB", data, at)
    r["method"] = _str(data[at + 80:at + 96])
    r["target"] = _str(data[at + 96:at + 353])
    return r


def _tcpinfo(data, at):
    return _fields("inode fd when state ca_state app_limited rtt_us "
                   "rttvar_us min_rtt_us retrans total_retrans lost snd_mss "
                   "rcv_mss snd_cwnd snd_ssthresh reordering rcv_space "
                   "segs_out segs_in data_segs_out data_segs_in len snd_wnd "
                   "delivery_rate pacing_rate busy_us rwnd_limited_us "
                   "sndbuf_limited_us bytes_acked bytes_received bytes_sent "
                   "bytes_retrans", "<QiBBBB18I9Q", data, at)


_DECODE = {15: _resolve, 16: _sniff, 17: _tls, 18: _http, 19: _tcpinfo}


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
            if rtype in _DECODE:
                r.update(_DECODE[rtype](data, body))
            r["pid"] = pids.get(conn)
            yield r
            p += size
