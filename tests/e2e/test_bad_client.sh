# A process that sends the collector garbage (no hello, a lying header,
# an oversized batch) loses its connection; the collector keeps serving
# everyone else, and what they send is in the trace.
. "$(dirname "$0")/lib.sh"
need python3

start_collector "$TMP/c.sock" "$TMP/t.trace" "$TMP/collect.log"
python3 - "$TMP/c.sock" <<'PY'
import os, socket, struct, sys
def send(payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    try:
        s.send(payload)
        s.settimeout(2)
        s.recv(1)          # the collector closes on us: EOF
    except OSError:
        pass
    s.close()
send(os.urandom(200))                                  # garbage
send(struct.pack("<HBBIQ", 112, 3, 1, 1, 0) + bytes(96))  # call before hello
send(struct.pack("<HBBIQ", 9999, 1, 1, 1, 0) + bytes(64)) # size that lies
send(bytes(20000))                                     # larger than a batch
PY
SOCKLENS_SOCKET="$TMP/c.sock" LD_PRELOAD="$LIB" "$HELPERS/sock_loop" -n 5 >"$TMP/out"
[ "$(cat "$TMP/out")" = "5 rounds" ] || fail "the good program failed"
kill -TERM $col
wait $col || fail "the collector did not exit cleanly"
n=$(grep -c "dropped process" "$TMP/collect.log" || true)
[ "$n" -eq 4 ] || fail "expected 4 bad processes dropped, the log says $n: $(cat "$TMP/collect.log")"
m=$("$SL" export -f sockets "$TMP/t.trace" | grep -c '"role":"pair"')
[ "$m" -eq 10 ] || fail "the good program's 10 sockets are not all in the trace ($m)"
echo ok
