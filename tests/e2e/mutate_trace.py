"""Mutates a socklens trace file for robustness tests.

usage: mutate_trace.py SRC DST SEED [LAST]

Flips random bytes inside about a third of the batches and writes them
back as plain frames (packed ones unpacked: the damage is to the
records) with their CRCs recomputed, so that the damage gets past the frame
check and reaches record validation and the model. Deterministic per seed.
With LAST, writes one file per seed from SEED to LAST, named DST.SEED
(one interpreter start for all of them: on a loaded machine starting
python costs more than the mutation).
"""
import os, random, struct, sys, zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'helpers'))
from tracefile import frames

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

src, dst, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = open(src, 'rb').read()
frames = frames_of(b)
if len(sys.argv) > 4:
    for seed in range(first, int(sys.argv[4]) + 1):
        open('%s.%d' % (dst, seed), 'wb').write(mutate(b[:32], frames, seed))
else:
    open(dst, 'wb').write(mutate(b[:32], frames, first))
