"""Reads the frames of a socklens trace file, version 1 or 2, without the
viewer: the same batches `socklens` reads (viewer/file/trace_reader.c),
each packed frame unpacked as viewer/file/pack.c does (the layout is in
viewer/README.md, "The trace file").

    for conn, payload in frames(open(path, "rb").read()): ...

yields every batch in file order, the file's own (connection 0) too, and
stops at the first torn or corrupt frame; `header(data)` is the file
header (magic, version, wire version, creation time). A rotated set is
not followed: name one part.
"""
import struct
import zlib

FILE_HDR = 32
PLAIN, PACKED = 0x534C4652, 0x534C4650      # "SLFR", "SLFP"
PACK_RESET = 1
TYPES, REFS = 32, 6                          # SL_PACK_TYPES, SL_PACK_REFS
LITERAL, ZERO, REF = 0, 1, 2
GONE = 7                                     # SL_REC_GONE


def header(data):
    magic, version, wire, created, _ = struct.unpack_from("<8sIIQQ", data)
    return magic, version, wire, created


class _Bad(Exception):
    pass


def _varint(b, p):
    v, shift = 0, 0
    while True:
        if p >= len(b) or shift >= 64:
            raise _Bad()
        c = b[p]
        p += 1
        v |= (c & 0x7F) << shift
        if not c & 0x80:
            return v, p
        shift += 7


def _unzz(u):
    return (u >> 1) ^ (0 - (u & 1) & 0xFFFFFFFF)


def _delta(b, p, ref):
    v, p = _varint(b, p)
    h = 0
    if v & 1:
        h, p = _varint(b, p)
    lo = (ref + _unzz((v >> 1) & 0xFFFFFFFF)) & 0xFFFFFFFF
    hi = ((ref >> 32) + _unzz(h & 0xFFFFFFFF)) & 0xFFFFFFFF
    return hi << 32 | lo, p


def _words(rec):
    return list(struct.unpack("<%dQ" % (len(rec) // 8), rec))


def _record(b, p, rings):
    """One packed record at P: (its bytes, the next P)."""
    typ, mode = b[p] & (TYPES - 1), b[p] >> 5
    p += 1
    ring = rings.setdefault(typ, [])
    if mode == LITERAL:
        size = struct.unpack_from("<H", b, p)[0]
        rec = bytes(b[p:p + size])
        if size < 16 or size % 8 or len(rec) != size:
            raise _Bad()
        p += size
    else:
        ref = []
        if mode >= REF:
            if mode - REF >= len(ring):
                raise _Bad()
            ref = _words(ring[-(mode - REF + 1)])
        word = lambda i: ref[i] if i < len(ref) else 0
        w0, p = _delta(b, p, word(0))
        size = w0 & 0xFFFF
        if size < 16 or size % 8 or (w0 >> 16) & 0xFF != typ:
            raise _Bad()
        n = size // 8
        mask = b[p:p + (n - 1 + 7) // 8]
        p += (n - 1 + 7) // 8
        out = [w0]
        for i in range(1, n):
            v = word(i)
            if mask[(i - 1) // 8] >> ((i - 1) % 8) & 1:
                v, p = _delta(b, p, v)
            out.append(v)
        rec = struct.pack("<%dQ" % n, *out)
    ring.append(rec)
    del ring[:-REFS]
    return rec, p


def _batches(b, state):
    """The batches of a packed frame's payload B."""
    p = 0
    while p < len(b):
        conn, p = _varint(b, p)
        n, p = _varint(b, p)
        if n & 1:
            yield conn, bytes(b[p:p + (n >> 1)])
            p += n >> 1
            continue
        rings = state.setdefault(conn, {})
        out, gone = [], False
        for _ in range(n >> 1):
            rec, p = _record(b, p, rings)
            gone |= rec[2] == GONE
            out.append(rec)
        if gone:
            del state[conn]
        yield conn, b"".join(out)


def frames(data):
    off, state = FILE_HDR, {}
    while off + 16 <= len(data):
        magic, ln, crc, conn = struct.unpack_from("<IIII", data, off)
        if magic == PLAIN:
            p = data[off + 16:off + 16 + ln]
            if len(p) != ln or zlib.crc32(
                    p, zlib.crc32(struct.pack("<I", conn))) != crc:
                return
            yield conn, bytes(p)
            off += 16 + ln
            continue
        if magic != PACKED or off + 24 > len(data):
            return
        p = data[off + 24:off + 24 + ln]
        if len(p) != ln or zlib.crc32(p, zlib.crc32(
                data[off + 12:off + 24])) != crc:
            return
        if conn & PACK_RESET:                # the flags word
            state = {}
        try:
            for batch in _batches(p, state):
                yield batch
        except _Bad:
            return
        off += 24 + ln


def plain(data):
    """DATA (a whole trace file) with every frame plain: a version 1 file
    of the same batches, for tools that read only those."""
    out = bytearray(data[:FILE_HDR])
    out[8:12] = struct.pack("<I", 1)
    for conn, p in frames(data):
        crc = zlib.crc32(p, zlib.crc32(struct.pack("<I", conn)))
        out += struct.pack("<IIII", PLAIN, len(p), crc, conn) + p
    return bytes(out)
