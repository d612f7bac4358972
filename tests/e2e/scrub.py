"""Scrubs `socklens export -f sockets` for comparison with an expected file.

Whatever changes from run to run goes: pids become the number of
processes that held the socket, inodes and times are dropped, loopback
ports become SPORT1.. (ports bound on purpose) or PORT (ephemeral).
States keep their names and order. Lines are sorted.
"""
import json
import re
import sys

socks = [json.loads(line) for line in sys.stdin if line.strip()]
listen_ports = {}
for s in socks:
    # A port a program bound on purpose is a service port: keep its
    # identity (SPORT1, SPORT2... in order of the sockets).
    if "bound" in [st["state"] for st in s["states"]]:
        m = re.search(r":(\d+)$", s["local"] or "")
        if m and m.group(1) not in listen_ports:
            listen_ports[m.group(1)] = "SPORT%d" % (len(listen_ports) + 1)


def port(addr):
    if addr is None:
        return None

    def sub(m):
        p = m.group(1)
        if p in listen_ports:
            return ":" + listen_ports[p]
        if int(p) < 1024:
            return ":" + p
        return ":PORT"
    return re.sub(r":(\d+)$", sub, addr)


out = []
for s in socks:
    out.append(" ".join([
        "role=%s" % s["role"],
        "family=%s" % s["family"],
        "type=%s" % s["type"],
        "local=%s" % port(s["local"]),
        "remote=%s" % port(s["remote"]),
        "states=%s" % ",".join(st["state"] for st in s["states"]),
        "error=%s" % s["error"],
        "tx=%d" % s["tx_bytes"],
        "rx=%d" % s["rx_bytes"],
        "processes=%d" % len(s["pids"]),
        "closed=%s" % ("yes" if s["end_ns"] is not None else "no"),
        "at_exit=%s" % ("yes" if s["open_at_exit"] else "no"),
        "paired=%s" % ("yes" if s.get("peer") else "no"),
        "nonblocking=%s" % ("yes" if s.get("nonblocking") else "no"),
        "epolls=%d" % len(s.get("epoll", [])),
    ]))
for line in sorted(out):
    print(line)
