# The ELF side, end to end: `socklens inspect` gives the right verdict on
# curl (traceable; its sockets come through libcurl, which --deps shows),
# a static binary and a setuid copy the kernel would run in secure mode;
# `run` refuses those two before they start (--force runs them anyway);
# the trace of samples/named_callers names the functions that made each
# socket, in the export, the view, the page and the Perfetto trace; a
# socket made in tail position (samples/tail_call) is named by the
# function that made it; a program run through a link is named as run.
. "$(dirname "$0")/lib.sh"
need python3
need cc

printf 'int main(void) { return 0; }\n' >"$TMP/hello.c"
cc -static -o "$TMP/static" "$TMP/hello.c" 2>/dev/null || skip "no static libc to link against"
cc -o "$TMP/dynamic" "$TMP/hello.c"
# Secure mode needs a setuid bit to another user than the one who runs
# it: as root, nobody's; otherwise the bit on our own copy changes nothing
# (test_setuid_root.sh runs root's setuid-root copy).
cp "$TMP/dynamic" "$TMP/suid"
if [ "$(id -u)" = 0 ]; then chown 65534 "$TMP/suid"; fi
chmod u+s "$TMP/suid"

if command -v curl >/dev/null; then
	curl=$(command -v curl)
	"$SL" inspect "$curl" >"$TMP/curl.txt" || fail "curl judged untraceable: $(cat "$TMP/curl.txt")"
	grep -q "traceable: yes" "$TMP/curl.txt" || fail "curl: $(cat "$TMP/curl.txt")"
	"$SL" inspect --deps "$curl" | grep -q "libcurl.so.4 => .*socket functions" ||
		fail "--deps does not find libcurl's socket functions"
	"$SL" inspect --json "$curl" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["traceable"], d' ||
		fail "--json"
fi
rc=0; "$SL" inspect "$TMP/static" >"$TMP/static.txt" || rc=$?
[ $rc -eq 1 ] && grep -q "statically linked" "$TMP/static.txt" || fail "static: $(cat "$TMP/static.txt")"
rc=0; "$SL" inspect "$TMP/suid" >"$TMP/suid.txt" || rc=$?
if [ "$(id -u)" = 0 ]; then
	[ $rc -eq 1 ] && grep -q "traceable: no: setuid to uid 65534 and you are uid 0: .*AT_SECURE" \
		"$TMP/suid.txt" || fail "setuid nobody: $(cat "$TMP/suid.txt")"
	"$SL" run -q -o "$TMP/u.trace" -- "$TMP/suid" 2>"$TMP/refused" && fail "run started it"
	grep -q "cannot be traced: setuid to uid 65534" "$TMP/refused" || fail "run: $(cat "$TMP/refused")"
else
	[ $rc -eq 0 ] && grep -q "privileges: setuid to uid $(id -u), which you are" \
		"$TMP/suid.txt" || fail "own setuid copy: $(cat "$TMP/suid.txt")"
fi
rc=0; "$SL" inspect "$SL_ROOT/README.md" 2>"$TMP/txt.err" || rc=$?
[ $rc -eq 1 ] && grep -q "not an ELF file" "$TMP/txt.err" || fail "non-ELF: $(cat "$TMP/txt.err")"

"$SL" run -q -o "$TMP/s.trace" -- "$TMP/static" 2>"$TMP/refused" && fail "run started a static binary"
grep -q "cannot be traced: statically linked" "$TMP/refused" || fail "run: $(cat "$TMP/refused")"
"$SL" run -q --force -o "$TMP/s.trace" -- "$TMP/static" 2>/dev/null || fail "--force did not run it"

"$SL" run -q -o "$TMP/n.trace" -- "$SAMPLES/named_callers" >/dev/null
"$SL" export -f sockets "$TMP/n.trace" | python3 -c '
import json, sys
callers = {json.loads(l)["role"]: json.loads(l)["caller"] for l in sys.stdin}
want = {"listener": "open_listener+", "client": "dial_home+", "server": "serve_one+"}
for role, fn in want.items():
    assert callers[role].startswith(fn) and "(named_callers)" in callers[role], callers
print("ok")
' || fail "the export does not name the callers"
"$SL" view --callers -w 140 "$TMP/n.trace" | grep -q "dial_home+0x" || fail "view --callers"
"$SL" export -f html "$TMP/n.trace" | grep -q "serve_one+0x" || fail "the page does not name the callers"
"$SL" export -f chrome "$TMP/n.trace" | grep -q "open_listener+0x" || fail "the Perfetto trace does not name the callers"
echo ok

# A module loaded later (dlopen) joins the map: a socket made by a
# function of it is named too.
cat >"$TMP/dialer.c" <<'C'
#include <sys/socket.h>
#include <unistd.h>
__attribute__((noinline)) int lib_dial(void) { return socket(AF_INET, SOCK_STREAM, 0); }
C
cat >"$TMP/loader.c" <<'C'
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
	void *h = dlopen(argv[1], RTLD_NOW);
	int (*dial)(void) = h ? (int (*)(void))dlsym(h, "lib_dial") : NULL;
	int fd = dial ? dial() : -1;
	if (fd < 0) return 1;
	close(fd);
	printf("dialed\n");
	return 0;
}
C
cc -shared -fPIC -g -o "$TMP/libdialer.so" "$TMP/dialer.c"
cc -g -o "$TMP/loader" "$TMP/loader.c" -ldl
"$SL" run -q -o "$TMP/d.trace" -- "$TMP/loader" "$TMP/libdialer.so" >/dev/null ||
	fail "the dlopen program failed"
"$SL" export -f sockets "$TMP/d.trace" | grep -q '"caller":"lib_dial+0x[0-9a-f]* (libdialer.so)"' ||
	fail "a dlopen'd module's caller is not named: $("$SL" export -f sockets "$TMP/d.trace")"
echo "ok (dlopen)"

# `return socket(...)` at -O2 is a jump to socket: the return address is
# main's, and the call before it says make_socket was called. A call
# through a pointer says nothing (the code does not tell where it went).
"$SL" run -q -o "$TMP/t.trace" -- "$SAMPLES/tail_call" >/dev/null || fail "tail_call failed"
"$SL" export -f sockets "$TMP/t.trace" | python3 -c '
import json, re, sys
callers = sorted(json.loads(l)["caller"] for l in sys.stdin)
want = [r"main\+0x[0-9a-f]+ \(tail_call\)",
        r"make_socket \(tail call from main\+0x[0-9a-f]+\) \(tail_call\)",
        r"plain_socket\+0x[0-9a-f]+ \(tail_call\)"]
assert len(callers) == 3, callers
for c, w in zip(callers, want):
    assert re.fullmatch(w, c), (c, w)
' || fail "tail calls: $("$SL" export -f sockets "$TMP/t.trace")"
"$SL" view --callers -w 160 "$TMP/t.trace" | grep -q "make_socket (tail call from main+0x" ||
	fail "view --callers does not name the tail call"
echo "ok (tail call)"

# Run through a link, the program is named as it was run (as
# redis-server is a link to redis-check-rdb), by path or by name on PATH.
ln -s "$SAMPLES/named_callers" "$TMP/nc-link"
"$SL" run -q -o "$TMP/l.trace" -- "$TMP/nc-link" >/dev/null
"$SL" export -f sockets "$TMP/l.trace" | grep -q '"caller":"dial_home+0x[0-9a-f]* (nc-link)"' ||
	fail "run by its link's path: $("$SL" export -f sockets "$TMP/l.trace")"
PATH="$TMP:$PATH" "$SL" run -q -o "$TMP/p.trace" -- nc-link >/dev/null
PATH="$TMP:$PATH" "$SL" export -f sockets "$TMP/p.trace" |
	grep -q '"caller":"serve_one+0x[0-9a-f]* (nc-link)"' ||
	fail "run by its link's name on PATH: $("$SL" export -f sockets "$TMP/p.trace")"
"$SL" export -f sockets "$TMP/n.trace" | grep -q '"caller":"dial_home+0x[0-9a-f]* (named_callers)"' ||
	fail "run by its own name"
echo "ok (run name)"
