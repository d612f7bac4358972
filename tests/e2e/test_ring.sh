# The shared memory (include/socklens/ring.h) from outside:
#  - a traced program's records come through its lanes, and the trace is
#    the same with no memory (SOCKLENS_RING_KB=0, all on the socket);
#  - a process killed with SIGKILL while blocked keeps all it recorded;
#  - processes that hand the collector a bad memory (unsealed, mis-sized,
#    a layout that does not add up, an fd with a batch, a memory before
#    hello, a shared-area chunk or a lane that breaks the rules) are cut
#    off with the reason, and a good program traced at the same time
#    loses nothing.
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
PAGE = 4096
LANES, LANE, SHARED = 8, 4096, 32768
LANE_HDRS = (LANES * 128 + PAGE - 1) // PAGE * PAGE
SHARED_OFF = PAGE + LANE_HDRS
LANE_OFF = SHARED_OFF + SHARED
SIZE = LANE_OFF + LANES * LANE - PAGE      # bytes after the header page
def memfd(size=SIZE, seal=True, magic=True, lanes=LANES):
    fd = os.memfd_create("r", os.MFD_ALLOW_SEALING if seal else 0)
    os.ftruncate(fd, PAGE + size)
    if seal:
        fcntl.fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)
    if magic:
        with mmap.mmap(fd, PAGE) as m:
            m[0:32] = struct.pack("<IIQIIQ", 0x474e5253, 2, size, lanes,
                                  LANE, SHARED)
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

K = SIZE
session([(hello(), []), (ring_rec(K), [memfd(seal=False)])])
session([(hello(), []), (ring_rec(K), [memfd(K + PAGE)])])
session([(hello(), []), (ring_rec(K), [memfd(magic=False)])])
session([(hello(), []), (ring_rec(K), [memfd(lanes=LANES + 1)])])
session([(ring_rec(K), [memfd()])])
session([(hello(), []), (hello(), [memfd()])])
session([(hello(), []), (ring_rec(K), [memfd(), memfd()])])
def taken(scribble):
    """A memory the collector takes, then SCRIBBLE on it."""
    fd = memfd()
    def then():
        with mmap.mmap(fd, PAGE + SIZE) as m:
            scribble(m)
    session([(hello(), []), (ring_rec(K), [fd])], then)
def chunk_lies(m):
    m[SHARED_OFF:SHARED_OFF + 8] = struct.pack("<II", 30000, 1)  # len, BATCH
    m[128:136] = struct.pack("<Q", 30008)                        # head
def lane_record_lies(m):
    m[LANE_OFF:LANE_OFF + 16] = struct.pack("<HBBIQ", 600, 3, 1, 1, 1)
    m[PAGE + 8:PAGE + 16] = struct.pack("<Q", 600)                # lane 0 head
    m[32:36] = struct.pack("<I", 1)                               # lanes_used
def lane_head_lies(m):
    m[PAGE + 128 + 8:PAGE + 128 + 16] = struct.pack("<Q", 3 * LANE)  # lane 1
    m[32:36] = struct.pack("<I", 8)
taken(chunk_lies)
taken(lane_record_lies)
taken(lane_head_lies)
PY

# 2. A good program at the same time, ring on and ring off.
SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" "$HELPERS/sock_loop" -n 40 >"$TMP/out1"
SOCKLENS_RING_KB=0 SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" \
	"$HELPERS/sock_loop" -n 40 >"$TMP/out2"
[ "$(cat "$TMP/out1")" = "40 rounds" ] && [ "$(cat "$TMP/out2")" = "40 rounds" ] ||
	fail "the good program's output changed"

# 3. SIGKILL while blocked: all it recorded is in its memory.
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
	"ring chunk of 30000" "lane 0 record of 600 bytes" \
	"lane 1 head 12288, tail 0"; do
	grep -q "dropped process .*$why" "$TMP/collect.log" ||
		fail "no process dropped for: $why"
done
n=$(grep -c "header does not match" "$TMP/collect.log" || true)
[ "$n" -eq 2 ] || fail "expected 2 memories whose header does not match, the log says $n"
n=$(grep -c "dropped process" "$TMP/collect.log" || true)
[ "$n" -eq 10 ] || fail "expected 10 bad processes dropped, the log says $n"
rings=$(sed -n 's/.*batches (\([0-9]*\) through rings).*/\1/p' "$TMP/collect.log")
[ "${rings:-0}" -gt 0 ] || fail "no batch came through the shared memory"

# Both runs of the good program whole (40 socketpairs each), and the
# killed one's socketpair.
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/sockets.jsonl"
m=$(grep -c '"role":"pair"' "$TMP/sockets.jsonl" || true)
[ "$m" -eq 162 ] || fail "expected 160 paired sockets of sock_loop and 2 of the killed one, got $m"
grep -q '"role":"listener","local":"127.0.0.1:[0-9]*"' "$TMP/sockets.jsonl" ||
	fail "the killed process's listener is not in the trace"
"$SL" view "$TMP/t.trace" | grep -q " 0 dropped" || fail "records were dropped"
echo ok
