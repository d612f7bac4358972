# Readiness coherent with the faults on non-blocking sockets
# (preload/fault_ready.c). A non-blocking client (python, its wait by
# epoll, edge-triggered epoll, poll and select) against a loopback echo
# server: a delayed connect answers EINPROGRESS and the socket is first
# reported writable when the delay is over (one wait, no spinning), with
# SO_ERROR 0; a failing one, delayed or not, is writable with SO_ERROR
# ECONNREFUSED; a socket under a delayed read is reported readable the
# delay after its data came (one wait a reply, no EAGAIN, no spin). asyncio and Node.js meet the same faults through their own event
# loops; audit mode changes nothing.
. "$(dirname "$0")/lib.sh"
need python3

cat >"$TMP/srv.py" <<'PY'
import socket, threading
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
def serve(c):
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
# nb.py PORT MODE ROUNDS: a non-blocking connect, then ROUNDS pings, each
# waited for with MODE. Prints how long the connect took to be writable,
# the waits it took and SO_ERROR, then per ping its time, waits and the
# EAGAINs its reads met.
cat >"$TMP/nb.py" <<'PY'
import errno, select, socket, sys, time
port, mode, rounds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
IN, OUT = select.POLLIN, select.POLLOUT
s = socket.socket()
s.setblocking(False)
if mode.startswith("epoll"):
    ep = select.epoll()
    et = select.EPOLLET if mode == "epollet" else 0
    ep.register(s.fileno(), OUT | et)
def wait(ev):
    if mode.startswith("epoll"):
        ep.modify(s.fileno(), ev | et)
        return bool(ep.poll(10))
    if mode == "poll":
        p = select.poll()
        p.register(s.fileno(), ev)
        return bool(p.poll(10000))
    r, w, _ = select.select([s] if ev == IN else [], [s] if ev == OUT else [], [], 10)
    return bool(r or w)
def name(e):
    return errno.errorcode.get(e, str(e))
t0 = time.monotonic()
out = ["connect %s" % name(s.connect_ex(("127.0.0.1", port)))]
if not wait(OUT):
    sys.exit("no writable socket in 10 s")
err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
out.append("writable %.2f so_error %s" % (time.monotonic() - t0, name(err)))
for i in range(rounds if not err else 0):
    t = time.monotonic()
    s.send(b"ping%d\n" % i)
    waits = agains = 0
    data = b""
    while not data.endswith(b"\n"):
        waits += 1
        if not wait(IN):
            sys.exit("no reply in 10 s")
        while not data.endswith(b"\n"):
            try:
                d = s.recv(4096)
            except BlockingIOError:
                agains += 1
                break
            if not d:
                sys.exit("end of file")
            data += d
    out.append("%s %.2f %d %d" % (data.strip().decode(), time.monotonic() - t, waits, agains))
print(" ".join(out))
PY
cat >"$TMP/aio.py" <<'PY'
import asyncio, sys, time
async def main(port):
    t0 = time.monotonic()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        print("error %d" % e.errno)
        return
    t1 = time.monotonic()
    w.write(b"ping\n")
    line = await r.readline()
    print("connect %.2f %s %.2f" % (t1 - t0, line.strip().decode(), time.monotonic() - t1))
    w.close()
asyncio.run(main(int(sys.argv[1])))
PY
python3 "$TMP/srv.py" >"$TMP/port" 2>"$TMP/srv.err" &
reap_at_exit $!
wait_file "$TMP/port"
port=$(cat "$TMP/port")

policy() { printf '[tcp remote 127.0.0.1 port %s]\n%b\n' "$port" "$1" >"$TMP/p.conf"; }
# under CMD...: the program under the policy, its output in $out.
under() {
	out=$("$SL" run -q -o "$TMP/t.trace" -p "$TMP/p.conf" $audit -- "$@") ||
		fail "$* failed under $(cat "$TMP/p.conf"): $out"
}
# at_least A B: the float A >= B.
at_least() { python3 -c "import sys; sys.exit(not $1 >= $2)"; }
shown() {
	"$SL" view "$TMP/t.trace" | grep -q "$1" ||
		fail "$mode: the view lacks '$1'"
}

out=$(python3 "$TMP/nb.py" "$port" epoll 2)
case $out in "connect EINPROGRESS writable "*" so_error 0 ping0 "*" 1 0 ping1 "*" 1 0") ;;
*) fail "bare: $out" ;; esac

# Writable once the connect's delay is over (one wait); each reply
# readable the read's delay after it came: one wait, no EAGAIN, no
# spinning.
audit=
for mode in epoll epollet poll select; do
	policy "delay connect 300ms\ndelay recv 200ms"
	under python3 "$TMP/nb.py" "$port" $mode 2
	set -- $out
	[ "$2 $3 $5 $6" = "EINPROGRESS writable so_error 0" ] &&
		at_least $4 0.3 || fail "$mode, delay connect: $out"
	[ "$7 $9 ${10} ${11} ${13} ${14}" = "ping0 1 0 ping1 1 0" ] &&
		at_least $8 0.2 && at_least ${12} 0.2 ||
		fail "$mode, delay recv: $out"
	shown "delay connect 300ms"
	shown "delay recv 200ms"
done

# A refusal comes through SO_ERROR once the socket is writable.
mode=epoll
policy "fail connect ECONNREFUSED"
under python3 "$TMP/nb.py" "$port" $mode 2
set -- $out
[ "$2 $3 $5 $6" = "EINPROGRESS writable so_error ECONNREFUSED" ] ||
	fail "$mode, fail connect: $out"
shown "fail connect ECONNREFUSED"
mode=select
policy "delay connect 300ms\nfail connect ECONNREFUSED"
under python3 "$TMP/nb.py" "$port" $mode 2
set -- $out
[ "$2 $3 $5 $6" = "EINPROGRESS writable so_error ECONNREFUSED" ] &&
	at_least $4 0.3 || fail "$mode, delayed refusal: $out"

mode=audit
audit=--audit
policy "delay connect 300ms\ndelay recv 200ms"
under python3 "$TMP/nb.py" "$port" epoll 2
set -- $out
[ "$6 $7 $9 ${10} ${13} ${14}" = "0 ping0 1 0 1 0" ] || fail "audit: $out"
shown "would delay recv 200ms"
audit=

mode=asyncio
policy "delay connect 300ms\ndelay recv 200ms"
under python3 "$TMP/aio.py" "$port"
set -- $out
[ "$1 $3" = "connect ping" ] && at_least $2 0.3 && at_least $4 0.2 ||
	fail "asyncio under delays: $out"

if command -v node >/dev/null 2>&1; then
	mode=node
	cat >"$TMP/nc.js" <<'JS'
const net = require('net');
const t0 = Date.now();
const s = net.connect(+process.argv[2], '127.0.0.1');
s.on('error', e => console.log('error', e.code));
s.on('connect', () => {
	const t1 = Date.now();
	s.write('ping\n');
	s.once('data', d => {
		console.log('connect', (t1 - t0) / 1000, d.toString().trim(),
			    (Date.now() - t1) / 1000);
		s.end();
	});
});
JS
	policy "delay connect 300ms\ndelay recv 200ms"
	under node "$TMP/nc.js" "$port"
	set -- $out
	[ "$1 $3" = "connect ping" ] && at_least $2 0.3 && at_least $4 0.2 ||
		fail "node under delays: $out"
	policy "delay connect 300ms\nfail connect ECONNREFUSED"
	under node "$TMP/nc.js" "$port"
	[ "$out" = "error ECONNREFUSED" ] || fail "node under a refusal: $out"
fi
echo ok
