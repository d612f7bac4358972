# The terminal view read back as a user reads it, on a trace written by
# hand (tests/e2e/make_trace.py) so every row is known: a server (pid
# 10) with a listener and the connection it accepted, a client (pid 20)
# with that connection, a refused connect, a half-closed and a fully
# shut connection to 10.1.2.3:443, a UNIX connect to a path with bytes
# that need escaping. Checked: the filters keep exactly the rows they
# should; --summary's figures; a client row shows its local port, which
# its server's row shows as the peer; the duration column; -t and -tt;
# the legend explains every letter the bars drew; columns stay aligned
# around an escaped name; the axis and the summary line agree on the
# span; "1 process" in the singular.
. "$(dirname "$0")/lib.sh"
need python3

python3 - "$SL_ROOT" "$TMP/t.trace" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from make_trace import Trace, inet

MS = 1000000
t = Trace(sys.argv[1] + "/include/socklens/wire.h")
def unix(path):
    return struct.pack("<H", 1) + path
# pid 10: a listener on 8080 and the connection it accepts.
t.conn(1, pid=10)
t.hello(1, pid=10, ts=100 * MS, exe="/usr/sbin/srv", argv=("/usr/sbin/srv", "-v"))
t.call(1, "SOCKET", ts=101 * MS, fd=3, ret=3, inode=500, arg0=2, arg1=1)
t.call(1, "BIND", ts=102 * MS, fd=3, inode=500, addr=inet(8080),
       local=inet(8080))
t.call(1, "LISTEN", ts=103 * MS, fd=3, inode=500, local=inet(8080))
t.call(1, "ACCEPT", ts=110 * MS, dur=10 * MS, fd=4, ret=4, inode=501,
       inode2=500, arg1=3, addr=inet(40000), local=inet(8080))
t.call(1, "CLOSE", ts=300 * MS, fd=4, inode=501, tx=2000, rx=100,
       tx_calls=2, rx_calls=1)
t.call(1, "CLOSE", ts=900 * MS, fd=3, inode=500)
t.call(1, "EXIT", ts=950 * MS, ret=0)
# pid 20: the client.
t.conn(2, pid=20)
t.hello(2, pid=20, ts=100 * MS, exe="/usr/bin/cli", argv=("/usr/bin/cli",))
t.call(2, "SOCKET", ts=112 * MS, fd=3, ret=3, inode=600, arg0=2, arg1=1)
t.call(2, "CONNECT", ts=115 * MS, dur=1 * MS, fd=3, inode=600,
       addr=inet(8080), local=inet(40000))
t.call(2, "SHUTDOWN", ts=200 * MS, fd=3, inode=600, arg0=1)
t.call(2, "CLOSE", ts=310 * MS, fd=3, inode=600, tx=100, rx=2000,
       tx_calls=1, rx_calls=2)
t.call(2, "SOCKET", ts=320 * MS, fd=3, ret=3, inode=601, arg0=2, arg1=1)
t.call(2, "CONNECT", ts=321 * MS, dur=1 * MS, fd=3, inode=601, ret=-1,
       err=111, addr=inet(9), local=inet(40001))
t.call(2, "CLOSE", ts=330 * MS, fd=3, inode=601)
t.call(2, "SOCKET", ts=400 * MS, fd=3, ret=3, inode=602, arg0=2, arg1=1)
t.call(2, "CONNECT", ts=401 * MS, dur=5 * MS, fd=3, inode=602,
       addr=inet(443, (10, 1, 2, 3)), local=inet(40002, (10, 0, 0, 5)))
t.call(2, "SHUTDOWN", ts=500 * MS, fd=3, inode=602, arg0=0)
t.call(2, "SHUTDOWN", ts=600 * MS, fd=3, inode=602, arg0=2)
t.call(2, "CLOSE", ts=700 * MS, fd=3, inode=602, tx=10, rx=20,
       tx_calls=1, rx_calls=1)
t.call(2, "SOCKET", ts=710 * MS, fd=4, ret=4, inode=603, arg0=1, arg1=1)
t.call(2, "CONNECT", ts=711 * MS, fd=4, inode=603, ret=-1, err=2,
       addr=unix(b"/run/a\xffb\x01c"))
t.call(2, "CLOSE", ts=720 * MS, fd=4, inode=603)
t.call(2, "EXIT", ts=800 * MS, ret=0)
t.gone(1, ts=960 * MS)
t.gone(2, ts=810 * MS)
t.write(sys.argv[2])
PY

V() { "$SL" view -w 120 --color=never "$@" "$TMP/t.trace"; }
# The socket ids a view drew, in order.
ids() { V "$@" | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^(listen|client|server|-|pair|dgram)$/ { printf "%s ", $1 }'; }
check_ids() {
	want=$1; shift
	got=$(ids "$@")
	[ "$got" = "$want" ] || fail "view $*: rows '$got', not '$want'"
}

V >"$TMP/view"
cat "$TMP/view"
# The filters, alone and together.
check_ids "1 3 2 4 5 6 "
check_ids "1 3 " -p 10
check_ids "2 4 5 6 " -p 20
check_ids "1 3 2 " --port 8080
check_ids "3 2 " --port 40000
check_ids "1 3 2 4 " --addr 127.0.0.0/8
check_ids "5 " --addr 10.1.0.0/16
check_ids "5 " --addr 10.0.0.5
check_ids "" --addr ::1/128
check_ids "2 4 5 6 " --role client
check_ids "1 " --role listen
check_ids "3 " --role server
check_ids "5 " --state shut-rdwr
check_ids "2 " --state shut-wr
check_ids "4 6 " --errors
check_ids "6 " --family unix
check_ids "1 3 2 4 5 " --family tcp
check_ids "" --family udp
check_ids "4 6 " --errors -p 20
check_ids "4 5 " -p 20 --port 9 --port 443
grep -q "1 of 6 sockets shown" <<EOF || fail "a filtered view does not say how many it kept"
$(V --role listener)
EOF

# A client row shows its own port; the server row shows it as the peer.
grep -q ' 2 client :40000->127.0.0.1:8080 ' "$TMP/view" ||
	fail "the client row does not show its local port"
grep -q ' 3 server <-127.0.0.1:40000 ' "$TMP/view" ||
	fail "the server row does not show the client's port"
# The duration column: the client's connection lived 112 ms to 310 ms.
grep -q ' 2 client .* 198.0ms closed$' "$TMP/view" ||
	fail "no duration column (198.0ms) on the client's row"
# Columns: every socket row's bar starts and ends in the same column,
# the escaped UNIX path's row too.
awk '$2 ~ /^(listen|client|server)$/ { a = index($0, "|"); b = length($0) - index(reverse($0), "|") }
     function reverse(s,  r, i) { r = ""; for (i = length(s); i > 0; i--) r = r substr(s, i, 1); return r }
     $2 ~ /^(listen|client|server)$/ { if (seen && (a != a0 || b != b0)) { print "misaligned: " $0; bad = 1 }
                       a0 = a; b0 = b; seen = 1 }
     END { exit bad }' "$TMP/view" || fail "the bar columns are not aligned"
grep -q '/run/a\\xffb\\x01c' "$TMP/view" || fail "the UNIX path is not escaped"
# The legend names every letter a bar drew.
drawn=$(awk '$2 ~ /^(listen|client|server)$/ { split($0, p, "|"); print p[2] }' "$TMP/view" |
	fold -w1 | sort -u | tr -d ' \n')
legend=$(sed -n '/^ *+[0-9]/,$p' "$TMP/view" | sed -n 2,3p)
for ch in $(printf '%s' "$drawn" | fold -w1); do
	case $legend in
	*" $ch "*) ;;
	*) fail "'$ch' is drawn but not in the legend: $legend" ;;
	esac
done
for ch in '<' x '>'; do
	case $drawn in *"$ch"*) ;; *) fail "'$ch' not drawn: $drawn" ;; esac
done
# The axis and the summary line agree: the sockets' span.
axis=$(sed -n 's/^ *+\([0-9.]*[mun]*s\)$/\1/p' "$TMP/view")
grep -q "dropped, over $axis (the trace: " "$TMP/view" ||
	fail "the axis (+$axis) and the summary line disagree"
grep -q '^2 processes, 6 sockets, 0 epoll instances' "$TMP/view" ||
	fail "the counts line"
V -p 10 --state listening | grep -q '^2 processes, 1 of 6 sockets shown' ||
	fail "the counts line of a filtered view"
# -t and -tt: the wall clock, HH:MM:SS, then to the microsecond.
V -t | grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}    1 listen' || fail "-t"
V -tt | grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}    1 listen' || fail "-tt"

# --summary: per process and per remote endpoint.
V --summary >"$TMP/sum"
cat "$TMP/sum"
row() { grep -E "^$1 " "$TMP/sum" | tr -s ' ' || fail "no summary row $1"; }
[ "$(row 'pid 10 srv -v')" = "pid 10 srv -v 2 0 0 1 2.0K 100B 180.0ms 799.0ms 799.0ms 5.0ms 5.0ms " ] ||
	fail "summary of pid 10: $(row 'pid 10 srv -v')"
[ "$(row 'pid 20 cli')" = "pid 20 cli 4 2 2 0 110B 2.0K 10.0ms 300.0ms 300.0ms 5.0ms 5.0ms 1 ECONNREFUSED, 1 ENOENT" ] ||
	fail "summary of pid 20: $(row 'pid 20 cli')"
[ "$(row '->127.0.0.1:9')" = "->127.0.0.1:9 1 0 1 0 0B 0B 10.0ms 10.0ms 10.0ms - - 1 ECONNREFUSED" ] ||
	fail "summary of ->127.0.0.1:9: $(row '->127.0.0.1:9')"
[ "$(row '<-127.0.0.1')" = "<-127.0.0.1 to :8080 1 0 0 1 2.0K 100B 180.0ms 180.0ms 180.0ms 5.0ms 5.0ms " ] ||
	fail "summary of the served endpoint: $(row '<-127.0.0.1')"
[ "$(row 'listen')" = "listen 127.0.0.1:8080 1 0 0 1 0B 0B 799.0ms 799.0ms 799.0ms - - " ] ||
	fail "summary of the listener: $(row 'listen')"
"$SL" view --summary --errors "$TMP/t.trace" | grep -q '^2 sockets that the filters kept' ||
	fail "--summary does not take the filters"
echo "ok: filters, summary, columns, legend, clock"
