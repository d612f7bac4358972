# The shared-memory ring (include/socklens/ring.h) from outside:
#  - a traced program's batches come through its ring, and the trace is
#    the same with the ring off (SOCKLENS_RING_KB=0, all on the socket);
#  - a process killed with SIGKILL keeps what it had put in its ring;
#  - processes that hand the collector a bad ring (unsealed, mis-sized,
#    an fd with a batch, a ring before hello, a chunk that breaks the
#    rules) are cut off with the reason, and a good program traced at the
#    same time loses nothing.
. "$(dirname "$0")/lib.sh"
need python3

start_collector "$TMP/c.sock" "$TMP/t.trace" "$TMP/collect.log"

# 1. Hostile rings, each on its own connection.
python3 - "$TMP/c.sock" <<'PY'
import fcntl, mmap, os, socket, struct, sys, time

F_ADD_SEALS, F_SEAL_SHRINK, F_SEAL_GROW = 1033, 2, 4
HDR = "<HBBIQ"
def hdr(size, typ, ts=1):
    return struct.pack(HDR, size, typ, 1, os.getpid(), ts)
def hello():
    body = struct.pack("<QQIIIIII", 1, 1, os.getpid(), os.getppid(),
                       os.getuid(), 0, 1, 0)
    body += b"/bin/hostile".ljust(256, b"\0") + bytes(1024)
    return hdr(16 + len(body), 1) + body
def ring_rec(size):
    return hdr(32, 12) + struct.pack("<QQ", size, 0)
def memfd(size, seal=True, magic=True):
    fd = os.memfd_create("r", os.MFD_ALLOW_SEALING if seal else 0)
    os.ftruncate(fd, 256 + size)
    if seal:
        fcntl.fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)
    if magic:
        with mmap.mmap(fd, 256) as m:
            m[0:16] = struct.pack("<IIQ", 0x474e5253, 1, size)
    return fd
def session(msgs, then=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    try:
        for payload, fds in msgs:
            s.sendmsg([payload], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                   struct.pack("i" * len(fds), *fds))] if fds else [])
        if then:
            then()
        s.settimeout(3)
        s.recv(1)          # the collector closes on us: EOF
    except OSError:
        pass
    s.close()

K = 64 * 1024
session([(hello(), []), (ring_rec(K), [memfd(K, seal=False)])])
session([(hello(), []), (ring_rec(K), [memfd(2 * K)])])
session([(hello(), []), (ring_rec(K), [memfd(K, magic=False)])])
session([(ring_rec(K), [memfd(K)])])
session([(hello(), []), (hello(), [memfd(K)])])
session([(hello(), []), (ring_rec(K), [memfd(K), memfd(K)])])
# A ring the collector takes, then a chunk that lies about its length.
fd = memfd(K)
def corrupt():
    with mmap.mmap(fd, 256 + K) as m:
        m[256:264] = struct.pack("<II", 60000, 1)          # len, BATCH
        m[64:72] = struct.pack("<Q", 60008)                # head
session([(hello(), []), (ring_rec(K), [fd])], corrupt)
PY

# 2. A good program at the same time, ring on and ring off.
SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" "$HELPERS/sock_loop" -n 40 >"$TMP/out1"
SOCKLENS_RING_KB=0 SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" \
	"$HELPERS/sock_loop" -n 40 >"$TMP/out2"
[ "$(cat "$TMP/out1")" = "40 rounds" ] && [ "$(cat "$TMP/out2")" = "40 rounds" ] ||
	fail "the good program's output changed"

# 3. SIGKILL while blocked: what it made before blocking is in its ring.
SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" python3 -c '
import socket, sys, time
a, b = socket.socketpair()
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
print("ready", flush=True)
time.sleep(60)' >"$TMP/killed.out" &
victim=$!
reap_at_exit $victim
wait_file "$TMP/killed.out"
sleep 0.1
kill -KILL $victim
wait $victim 2>/dev/null || true

kill -TERM $col
wait $col || fail "the collector did not exit cleanly"
cat "$TMP/collect.log"

for why in "not sealed" "not a file of" "header does not match" \
	"ring before hello" "an fd with a batch" "2 fds with one message" \
	"ring chunk of 60000"; do
	grep -q "dropped process .*$why" "$TMP/collect.log" ||
		fail "no process dropped for: $why"
done
n=$(grep -c "dropped process" "$TMP/collect.log" || true)
[ "$n" -eq 7 ] || fail "expected 7 bad processes dropped, the log says $n"
rings=$(sed -n 's/.*batches (\([0-9]*\) through rings).*/\1/p' "$TMP/collect.log")
[ "${rings:-0}" -gt 0 ] || fail "no batch came through a ring"

# Both runs of the good program whole (40 socketpairs each), and the
# killed one's socketpair.
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/sockets.jsonl"
m=$(grep -c '"role":"pair"' "$TMP/sockets.jsonl" || true)
[ "$m" -eq 162 ] || fail "expected 160 paired sockets of sock_loop and 2 of the killed one, got $m"
grep -q '"role":"listener","local":"127.0.0.1:[0-9]*"' "$TMP/sockets.jsonl" ||
	fail "the killed process's listener is not in the trace"
"$SL" view "$TMP/t.trace" | grep -q " 0 dropped" || fail "records were dropped"
echo ok
