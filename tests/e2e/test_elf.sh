# The ELF side, end to end: `socklens inspect` gives the right verdict on
# curl (traceable; its sockets come through libcurl, which --deps shows),
# a static binary and a setuid copy; `run` refuses those two before they
# start (--force runs them anyway); and the trace of samples/named_callers
# names the functions that made each socket, in the export, the view, the
# page and the Perfetto trace.
. "$(dirname "$0")/lib.sh"
need python3
need cc

printf 'int main(void) { return 0; }\n' >"$TMP/hello.c"
cc -static -o "$TMP/static" "$TMP/hello.c" 2>/dev/null || skip "no static libc to link against"
cc -o "$TMP/dynamic" "$TMP/hello.c"
cp "$TMP/dynamic" "$TMP/suid" && chmod u+s "$TMP/suid"

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
[ $rc -eq 1 ] && grep -q "setuid" "$TMP/suid.txt" || fail "setuid: $(cat "$TMP/suid.txt")"
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
