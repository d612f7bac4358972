# accept names its peer from the call itself (preload/wrap_life.c): on a
# real program (Python, and libc's accept through ctypes) a connection
# whose client reset it before accept returned keeps its peer (a
# getpeername after accept would fail with ENOTCONN there); no buffer
# and a too-short buffer still give the record the whole address and
# the program exactly what the kernel would (the first *len bytes, *len
# set to the whole length); and no getpeername is made for it.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip "python3 is not installed"

cat >"$TMP/accept.py" <<'PY'
import ctypes, socket, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.accept.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(8)
ports = []

def client(reset):
    c = socket.socket()
    c.connect(l.getsockname())
    ports.append(c.getsockname()[1])
    if reset:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        c.close()
        return None
    return c

# 1: the client reset before accept; Python's buffer is long enough.
client(True)
s, peer = l.accept()
assert peer[1] == ports[-1], (peer, ports)
s.close()

# 2: no buffer at all.
c = client(False)
fd = libc.accept(l.fileno(), None, None)
assert fd >= 0, ctypes.get_errno()
socket.socket(fileno=fd).close()
c.close()

# 3: a buffer of 4 bytes: family and port only, *len says 16.
c = client(False)
buf = ctypes.create_string_buffer(b"\xaa" * 8)
n = ctypes.c_uint32(4)
fd = libc.accept(l.fileno(), buf, ctypes.byref(n))
assert fd >= 0, ctypes.get_errno()
assert n.value == 16, n.value
fam, port = struct.unpack("=HH", buf.raw[:4])
assert fam == socket.AF_INET and socket.ntohs(port) == ports[-1], buf.raw
assert buf.raw[4:8] == b"\xaa" * 4, buf.raw
socket.socket(fileno=fd).close()
c.close()
l.close()
print(" ".join(map(str, ports)))
PY

"$SL" run -q -o "$TMP/t.trace" -- "$PY" "$TMP/accept.py" >"$TMP/out" ||
	fail "the program failed: $(cat "$TMP/out")"
"$SL" export -f jsonl "$TMP/t.trace" >"$TMP/records.json"
python3 - "$TMP/records.json" $(cat "$TMP/out") <<'PY' || fail "accept's peer"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ports = sys.argv[2:]
acc = [r for r in recs if r.get("type") == "call" and
       r.get("call", "").startswith("accept") and r["ret"] >= 0]
assert len(acc) == 3, acc
for r, port in zip(acc, ports):
    assert r["addr"] == "127.0.0.1:" + port, (r, port)
PY

# No getpeername of ours (the program makes none), traced for real: the
# preload talks to a collector of its own.
if command -v strace >/dev/null; then
	start_collector "$TMP/c.sock" "$TMP/c.trace" "$TMP/c.log"
	SOCKLENS_SOCKET="$TMP/c.sock" strace -f -qq -e trace=getpeername,accept4 \
		-o "$TMP/st" env LD_PRELOAD="$LIB" "$PY" "$TMP/accept.py" \
		>/dev/null || fail "the program failed under strace"
	grep -q accept4 "$TMP/st" || fail "strace saw no accept: $(cat "$TMP/st")"
	# (The preload's own channel, a UNIX socket, is not the program's.)
	! grep getpeername "$TMP/st" | grep -vq sun_path ||
		fail "getpeername after accept: $(cat "$TMP/st")"
fi
echo ok
