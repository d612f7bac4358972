#!/bin/sh
# Remakes viewer/out/html/page.png, the README's picture of the page:
# samples/fork_scenario.sh traced, exported as HTML, shot by headless
# Chromium at 900x500 and written as an 8-bit palette PNG (the page is a
# few flat colours and text; RGB would be three times the size).
# Run from the repository root after `make all`: sh viewer/out/html/shot.sh
set -eu
build=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/socklens" run -q -o "$tmp/t.trace" -- \
	sh samples/fork_scenario.sh "$build/samples" >/dev/null 2>&1
"$build/socklens" export -f html -o "$tmp/t.html" "$tmp/t.trace"
timeout 90 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$tmp/profile" --window-size=900,500 \
	--screenshot="$tmp/shot.png" "file://$tmp/t.html" 2>/dev/null
python3 - "$tmp/shot.png" viewer/out/html/page.png <<'PY'
import struct, sys, zlib
from collections import Counter

def read_png(path):
    """8-bit RGB or RGBA, not interlaced (what Chromium writes)."""
    d = open(path, "rb").read()
    pos, idat = 8, b""
    while pos < len(d):
        n, t = struct.unpack(">I4s", d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        if t == b"IHDR":
            w, h, depth, ctype, _, _, lace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not lace, (depth, ctype)
        elif t == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 3 if ctype == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([bytes(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return w, h, rows

def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)

w, h, rows = read_png(sys.argv[1])
# The 256 most used colours; any other (antialiased text) its nearest.
top = [c for c, _ in Counter(c for r in rows for c in r).most_common(256)]
index, near = {c: i for i, c in enumerate(top)}, {}
def pick(c):
    if c not in index and c not in near:
        near[c] = min(range(len(top)), key=lambda i: sum((top[i][k] - c[k]) ** 2 for k in range(3)))
    return index[c] if c in index else near[c]
data = b"".join(b"\0" + bytes(pick(c) for c in r) for r in rows)
open(sys.argv[2], "wb").write(b"\x89PNG\r\n\x1a\n" +
    chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)) +
    chunk(b"PLTE", b"".join(top)) + chunk(b"IDAT", zlib.compress(data, 9)) +
    chunk(b"IEND", b""))
PY
ls -l viewer/out/html/page.png
