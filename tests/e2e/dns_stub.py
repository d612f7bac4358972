"""A DNS server for tests, on 127.0.0.1 UDP: answers every A question with
two addresses (10.1.2.3, 10.1.2.4) and every other type with no answer.
Writes its port to PORT_FILE, serves COUNT queries (or until killed).

    python3 dns_stub.py PORT_FILE [COUNT]
"""
import socket
import struct
import sys


def answer(q):
    qid, _flags, qd = struct.unpack_from(">HHH", q)
    at = 12
    while q[at]:
        at += q[at] + 1
    qtype = struct.unpack_from(">H", q, at + 1)[0]
    question = q[12:at + 5]
    ans = b""
    if qtype == 1:
        for last in (3, 4):
            ans += struct.pack(">HHHIH", 0xC00C, 1, 1, 60, 4)
            ans += bytes([10, 1, 2, last])
    n = 2 if ans else 0
    return struct.pack(">HHHHHH", qid, 0x8180, qd, n, 0, 0) + question + ans


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    s.settimeout(30)
    for _ in range(count):
        try:
            q, peer = s.recvfrom(512)
        except socket.timeout:
            return
        s.sendto(answer(q), peer)


main()
