"""Mutates a socklens trace file for robustness tests.

usage: mutate_trace.py [--packed] SRC DST SEED [LAST]

Flips random bytes inside about a third of the batches and writes them
back as plain frames (packed ones unpacked: the damage is to the
records) with their CRCs recomputed, so that the damage gets past the frame
check and reaches record validation and the model. Deterministic per seed.
With --packed, flips bytes inside half of the packed frames instead (and
now and then their reset flag), CRCs recomputed: the damage reaches the
unpacking (viewer/file/pack.c). With LAST, writes one file per seed from
SEED to LAST, named DST.SEED (one interpreter start for all of them: on
a loaded machine starting python costs more than the mutation).
"""
import os, random, struct, sys, zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'helpers'))
from tracefile import frames, PACKED

def frames_of(b):
    return list(frames(b))

def mutate(head, frames, seed):
    random.seed(seed)
    out = bytearray(head)
    for conn, orig in frames:
        p = bytearray(orig)
        if p and random.random() < 0.3:
            for _ in range(random.randint(1, 8)):
                i = random.randrange(len(p)); p[i] = random.randrange(256)
        crc = zlib.crc32(p, zlib.crc32(struct.pack('<I', conn))) & 0xffffffff
        out += struct.pack('<IIII', 0x534c4652, len(p), crc, conn) + p
    return out

def mutate_packed(b, seed):
    random.seed(seed)
    out, off = bytearray(b[:32]), 32
    while off + 16 <= len(b):
        magic, ln = struct.unpack_from('<II', b, off)
        size = 24 if magic == PACKED else 16
        hdr, p = bytearray(b[off:off + size]), bytearray(b[off + size:off + size + ln])
        off += size + ln
        if magic != PACKED:
            out += hdr + p
            continue
        if p and random.random() < 0.5:
            for _ in range(random.randint(1, 4)):
                i = random.randrange(len(p)); p[i] = random.randrange(256)
        if random.random() < 0.1:
            hdr[12] ^= 1
        hdr[8:12] = struct.pack('<I', zlib.crc32(p, zlib.crc32(bytes(hdr[12:24]))))
        out += hdr + p
    return out

packed = sys.argv[1] == '--packed'
if packed:
    del sys.argv[1]
src, dst, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = open(src, 'rb').read()
one = (lambda s: mutate_packed(b, s)) if packed else \
    (lambda s, fr=frames_of(b): mutate(b[:32], fr, s))
if len(sys.argv) > 4:
    for seed in range(first, int(sys.argv[4]) + 1):
        open('%s.%d' % (dst, seed), 'wb').write(one(seed))
else:
    open(dst, 'wb').write(one(first))
