# Readiness coherent with the faults on non-blocking sockets
# (preload/fault_ready.c, fault_late.c). A non-blocking client (python,
# its wait by epoll, edge-triggered epoll, poll and select) against a
# loopback echo server that listens on three ports, one policy a section
# each: on the first a delayed connect answers EINPROGRESS and the socket
# is first reported writable when the delay is over, with SO_ERROR 0, and
# under a delayed read each reply is reported readable the delay after it
# came (one wait a reply, no EAGAIN, no spin); on the second a refused
# connect is writable at once with SO_ERROR ECONNREFUSED; on the third a
# delayed refusal is writable when the delay is over. asyncio and Node.js
# meet the same faults through their own event loops; audit mode changes
# nothing. Each program runs once a policy (the machine may be loaded).
. "$(dirname "$0")/lib.sh"
need python3

cat >"$TMP/srv.py" <<'PY'
import socket, threading
ls = []
for _ in range(3):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    ls.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ls), flush=True)
def serve(c):
    while True:
        d = c.recv(4096)
        if not d:
            break
        c.sendall(d)
    c.close()
def accept(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
for s in ls[1:]:
    threading.Thread(target=accept, args=(s,), daemon=True).start()
accept(ls[0])
PY
# nb.py PORT:MODE...: for each, a non-blocking connect to PORT, then two
# pings, each waited for with MODE. One line each: how long the connect
# took to be writable and SO_ERROR, then per ping its time, the waits it
# took and the EAGAINs its reads met.
cat >"$TMP/nb.py" <<'PY'
import errno, select, socket, sys, time
IN, OUT = select.POLLIN, select.POLLOUT
def name(e):
    return errno.errorcode.get(e, str(e))
def one(port, mode):
    s = socket.socket()
    s.setblocking(False)
    et = select.EPOLLET if mode == "epollet" else 0
    if mode.startswith("epoll"):
        ep = select.epoll()
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
    t0 = time.monotonic()
    out = [mode, "connect", name(s.connect_ex(("127.0.0.1", port)))]
    if not wait(OUT):
        sys.exit("no writable socket in 10 s")
    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    out.append("writable %.2f so_error %s" % (time.monotonic() - t0, name(err)))
    for i in range(2 if not err else 0):
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
    s.close()
    print(" ".join(out), flush=True)
for arg in sys.argv[1:]:
    port, mode = arg.split(":")
    one(int(port), mode)
PY
# aio.py PORT...: asyncio connects to each, a ping on those that connect.
cat >"$TMP/aio.py" <<'PY'
import asyncio, sys, time
async def one(port):
    t0 = time.monotonic()
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        print("error %d %.2f" % (e.errno, time.monotonic() - t0))
        return
    t1 = time.monotonic()
    w.write(b"ping\n")
    line = await r.readline()
    print("connect %.2f %s %.2f" % (t1 - t0, line.strip().decode(), time.monotonic() - t1))
    w.close()
async def main():
    for p in sys.argv[1:]:
        await one(int(p))
asyncio.run(main())
PY
python3 "$TMP/srv.py" >"$TMP/ports" 2>"$TMP/srv.err" &
reap_at_exit $!
wait_file "$TMP/ports"
read -r p1 p2 p3 <"$TMP/ports"
cat >"$TMP/p.conf" <<CONF
[tcp remote 127.0.0.1 port $p1]
delay connect 300ms
delay recv 200ms
[tcp remote 127.0.0.1 port $p2]
fail connect ECONNREFUSED
[tcp remote 127.0.0.1 port $p3]
delay connect 300ms
fail connect ECONNREFUSED
CONF

# under CMD...: the program under the policy, its lines in $TMP/out.
under() {
	"$SL" run -q -o "$TMP/t.trace" -p "$TMP/p.conf" $audit -- "$@" >"$TMP/out" ||
		fail "$* failed under the policy: $(cat "$TMP/out")"
	"$SL" view "$TMP/t.trace" >"$TMP/view"
}
# line N: line N of the output, as the positional parameters.
line() { sed -n "${1}p" "$TMP/out"; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
shown() { grep -q "$1" "$TMP/view" || fail "$2: the view lacks '$1'"; }

python3 "$TMP/nb.py" "$p1:epoll" >"$TMP/out"
case $(line 1) in "epoll connect EINPROGRESS writable "*" so_error 0 ping0 "*" 1 0 ping1 "*" 1 0") ;;
*) fail "bare: $(cat "$TMP/out")" ;; esac

audit=
under python3 "$TMP/nb.py" "$p1:epoll" "$p1:epollet" "$p1:poll" "$p1:select" \
	"$p2:epoll" "$p3:select"
for n in 1 2 3 4; do
	set -- $(line $n)
	[ "$2 $3 $4 $6 $7" = "connect EINPROGRESS writable so_error 0" ] &&
		at_least $5 0.3 || fail "$1, delay connect: $(line $n)"
	[ "$8 ${10} ${11} ${12} ${14} ${15}" = "ping0 1 0 ping1 1 0" ] &&
		at_least $9 0.2 && at_least ${13} 0.2 ||
		fail "$1, delay recv: $(line $n)"
done
set -- $(line 5)
[ "$3 $4 $6 $7" = "EINPROGRESS writable so_error ECONNREFUSED" ] ||
	fail "refused connect: $(line 5)"
set -- $(line 6)
[ "$3 $4 $6 $7" = "EINPROGRESS writable so_error ECONNREFUSED" ] &&
	at_least $5 0.3 || fail "delayed refusal: $(line 6)"
shown "delay connect 300ms" nb
shown "delay recv 200ms" nb
shown "fail connect ECONNREFUSED" nb

audit=--audit
under python3 "$TMP/nb.py" "$p1:epoll" "$p2:epoll"
set -- $(line 1)
[ "$7 $8 ${10} ${11} ${14} ${15}" = "0 ping0 1 0 1 0" ] || fail "audit: $(line 1)"
set -- $(line 2)
[ "$7 $8" = "0 ping0" ] || fail "audit, refusal: $(line 2)"
shown "would delay recv 200ms" audit
audit=

under python3 "$TMP/aio.py" "$p1" "$p3"
set -- $(line 1)
[ "$1 $3" = "connect ping" ] && at_least $2 0.3 && at_least $4 0.2 ||
	fail "asyncio under delays: $(line 1)"
set -- $(line 2)
[ "$1 $2" = "error 111" ] && at_least $3 0.3 ||
	fail "asyncio under a delayed refusal: $(line 2)"

if command -v node >/dev/null 2>&1; then
	cat >"$TMP/nc.js" <<'JS'
const net = require('net');
function one(port, next) {
	const t0 = Date.now();
	const s = net.connect(port, '127.0.0.1');
	s.on('error', e => { console.log('error', e.code, (Date.now() - t0) / 1000); next(); });
	s.on('connect', () => {
		const t1 = Date.now();
		s.write('ping\n');
		s.once('data', d => {
			console.log('connect', (t1 - t0) / 1000, d.toString().trim(),
				    (Date.now() - t1) / 1000);
			s.end();
			next();
		});
	});
}
one(+process.argv[2], () => one(+process.argv[3], () => {}));
JS
	under node "$TMP/nc.js" "$p1" "$p3"
	set -- $(line 1)
	[ "$1 $3" = "connect ping" ] && at_least $2 0.3 && at_least $4 0.2 ||
		fail "node under delays: $(line 1)"
	set -- $(line 2)
	[ "$1 $2" = "error ECONNREFUSED" ] && at_least $3 0.3 ||
		fail "node under a delayed refusal: $(line 2)"
fi
echo ok
