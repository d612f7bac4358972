# export -f jsonl read as a pipeline would, through jq: every record kind,
# call name and flag a trace holds is documented in socklens-export(5);
# readiness events come with their names, matching their bits; callers
# with the function beside the raw address, from the stream's own module
# records (a trace written by hand whose module is the socklens binary,
# so its symbols are known); strings that are not UTF-8 (an exe, an
# argument, a UNIX path) come back byte for byte from their _hex twins.
. "$(dirname "$0")/lib.sh"
need python3
need jq
need nm

# The address of a function in socklens, as its module record maps it.
vaddr=$(nm "$SL" | awk '$3 == "sl_cmd_view" { print $1 }')
[ -n "$vaddr" ] || skip "socklens has no symbols (stripped?)"
python3 - "$SL_ROOT" "$TMP/bytes.trace" "$SL" "$vaddr" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[1] + "/tests/e2e")
from make_trace import Trace, inet
t = Trace(sys.argv[1] + "/include/socklens/wire.h")
MS = 1000000
BASE = 0x555555554000
exe = b"/opt/pr\xffg"
args = b"pr\xffg\0--name=caf\xc3\xa9\0\xfe\0"
t.conn(1, pid=10)
t._rec(1, "HELLO", 100 * MS, struct.pack(
    "<QQIIIIII", 100 * MS, 100 * MS, 10, 1, 0, 0, t.version, len(args)) +
    exe.ljust(256, b"\0") + args.ljust(1024, b"\0"))
path = sys.argv[3].encode()
t._rec(1, "MODULE", 101 * MS, struct.pack("<QQQ", BASE, BASE, BASE + (64 << 20))
       + path.ljust(256, b"\0"))
caller = BASE + int(sys.argv[4], 16) + 4
t.call(1, "SOCKET", ts=102 * MS, fd=3, ret=3, inode=500, arg0=1, arg1=1,
       caller=caller)
t.call(1, "CONNECT", ts=103 * MS, fd=3, inode=500, ret=-1, err=2,
       caller=caller, addr=struct.pack("<H", 1) + b"/run/\xff\x01s")
t.call(1, "CLOSE", ts=104 * MS, fd=3, inode=500)
t.call(1, "EXIT", ts=105 * MS, ret=0)
t.gone(1, ts=106 * MS)
t.write(sys.argv[2])
PY
"$SL" export -f jsonl "$TMP/bytes.trace" >"$TMP/bytes.jsonl" || fail "export"
jq -e . "$TMP/bytes.jsonl" >/dev/null || fail "not JSON lines"
unhex() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }
[ "$(jq -r 'select(.type == "hello") | .exe_hex' "$TMP/bytes.jsonl")" = \
	"$(printf '/opt/pr\377g' | od -An -tx1 | tr -d ' \n')" ] ||
	fail "exe_hex is not the exe's bytes"
jq -r 'select(.type == "hello") | .argv_hex | join(" ")' "$TMP/bytes.jsonl" \
	>"$TMP/argv" || fail "no argv_hex"
[ "$(cat "$TMP/argv")" = "7072ff67 2d2d6e616d653d636166c3a9 fe" ] ||
	fail "argv_hex: $(cat "$TMP/argv")"
jq -se 'map(select(.type == "hello"))[0].argv[1] == "--name=café"' \
	"$TMP/bytes.jsonl" >/dev/null || fail "valid UTF-8 is not kept as text"
[ "$(jq -r 'select(.call == "connect") | .addr_hex' "$TMP/bytes.jsonl")" = \
	"2f72756e2fff0173" ] || fail "addr_hex is not the path's bytes"
jq -se 'map(select(.call == "socket"))[0] | .local_hex == null and .addr_hex == null' \
	"$TMP/bytes.jsonl" >/dev/null || fail "a _hex twin where nothing needs one"
jq -r 'select(.call == "connect") | "\(.caller) \(.caller_name)"' \
	"$TMP/bytes.jsonl" >"$TMP/caller"
grep -Eq '^0x5555[0-9a-f]+ .*sl_cmd_view\+0x[0-9a-f]+ .*\(socklens\)' "$TMP/caller" ||
	fail "the caller is not named beside its address: $(cat "$TMP/caller")"
jq -se 'map(select(.call == "exit"))[0] | has("caller_name") | not' \
	"$TMP/bytes.jsonl" >/dev/null || fail "a caller_name without an address"

# Real runs: the epoll scenario and the fork scenario.
"$SL" run -q -o "$TMP/epoll.trace" -- sh "$SL_ROOT/samples/epoll_scenario.sh" \
	"$SAMPLES" -e 20 >/dev/null 2>&1
"$SL" run -q -o "$TMP/fork.trace" -- sh "$SL_ROOT/samples/fork_scenario.sh" \
	"$SAMPLES" >/dev/null 2>&1
for t in epoll fork; do
	"$SL" export -f jsonl "$TMP/$t.trace" >"$TMP/$t.jsonl" || fail "export $t"
done
cat "$TMP/bytes.jsonl" "$TMP/epoll.jsonl" "$TMP/fork.jsonl" >"$TMP/all.jsonl"
# Readiness by name: the names are exactly the bits.
python3 - "$TMP/epoll.jsonl" <<'PY' || fail "event names"
import json, select, sys
bits = {n: getattr(select, n) for n in dir(select) if n.startswith("EPOLL")}
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    for e in [r] if r["type"] == "epoll_ctl" else r.get("ready", []) if r["type"] == "wait" else []:
        got = 0
        for name in e["event_names"]:
            got |= bits[name] if name in bits else int(name, 16)
        assert got == e["events"], (e, got)
        n += 1
assert n > 10, n
print("ok: %d event lists named" % n)
PY
jq -se 'any(.[]; .call == "connect" and .caller_name != null)' \
	"$TMP/fork.jsonl" >/dev/null || fail "no connect of a real run has its caller named"
# Every kind and flag seen is in the man page's JSONL section, and every
# call that is not the libc function of that name (calls.def's SL_FN
# rows): the preload's own (inherit, fds-done, counters, exit...).
sed -n '/^\.SH JSONL/,/^\.SH CHROME/p' "$SL_ROOT/viewer/man/socklens-export.5" |
	sed 's/\\-/-/g' >"$TMP/man"
documented() { grep -Eq "(^|[ (,])$1([ ,;):]|\$)" "$TMP/man"; }
libc() { grep -q "^SL_FN([a-z0-9_]*, \"$1\"" "$SL_ROOT/include/socklens/calls.def"; }
for w in $(jq -r '.type, (select(.type == "call") | .flags[])' "$TMP/all.jsonl" | sort -u); do
	documented "$w" || fail "'$w' is in the jsonl but not documented in socklens-export(5)"
done
for w in $(jq -r 'select(.type == "call") | .call' "$TMP/all.jsonl" | sort -u); do
	libc "$w" || documented "$w" ||
		fail "call '$w' is in the jsonl but not documented in socklens-export(5)"
done
echo "ok: jsonl names, bytes and docs"
