"""Mutates a socklens trace file for robustness tests.

usage: mutate_trace.py SRC DST SEED

Flips random bytes inside about a third of the frames and writes them
back with their CRCs recomputed, so that the damage gets past the frame
check and reaches record validation and the model. Deterministic per seed.
"""
import random, struct, sys, zlib
src, dst, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
random.seed(seed)
b = bytearray(open(src, 'rb').read())
out = bytearray(b[:32]); off = 32
frames = []
while off + 16 <= len(b):
    magic, ln, crc, conn = struct.unpack_from('<IIII', b, off)
    frames.append((conn, bytearray(b[off+16:off+16+ln]))); off += 16 + ln
for conn, p in frames:
    if p and random.random() < 0.3:
        for _ in range(random.randint(1, 8)):
            i = random.randrange(len(p)); p[i] = random.randrange(256)
    out += struct.pack('<IIII', 0x534c4652, len(p), zlib.crc32(p, zlib.crc32(struct.pack('<I', conn))) & 0xffffffff, conn) + p
open(dst, 'wb').write(out)
