# `socklens inspect` finds a program as `run` does and says what it
# reaches: curl's socket functions come through libcurl (curl itself
# imports only select and poll); a name is looked up on PATH; a #! script
# is its interpreter, directly or through env, and both are said; a
# program with its own syscall instruction is said to reach the kernel
# around the preload, and `run` says so after the run (with -q too, on
# stderr), while a program that only calls syscall() (followed by the
# preload) gets no such note.
. "$(dirname "$0")/lib.sh"
need python3
need cc
need_pkg curl curl

# curl: through libcurl.
"$SL" inspect curl >"$TMP/curl.txt" || fail "curl judged untraceable: $(cat "$TMP/curl.txt")"
grep -q "^curl: found on PATH: $(command -v curl)$" "$TMP/curl.txt" ||
	fail "curl not found on PATH: $(cat "$TMP/curl.txt")"
grep -A40 "socket functions through its libraries:" "$TMP/curl.txt" |
	grep "^    libcurl.so.4:" | grep -w connect | grep -qw socket ||
	fail "libcurl's socket functions are not listed: $(cat "$TMP/curl.txt")"
"$SL" inspect --json curl | python3 -c '
import json, sys
d = json.load(sys.stdin)
via = {v["lib"]: v["functions"] for v in d["via_libraries"]}
assert "connect" in via["libcurl.so.4"] and "socket" in via["libcurl.so.4"], via
assert d["traceable"] and d["around_preload"] == [], d
' || fail "--json: via_libraries"
echo "ok (curl)"

# A name on PATH, and a #! script that runs it.
mkdir "$TMP/bin"
cp "$SAMPLES/named_callers" "$TMP/bin/nc-tool"
PATH="$TMP/bin:$PATH" "$SL" inspect nc-tool >"$TMP/path.txt" ||
	fail "nc-tool: $(cat "$TMP/path.txt")"
grep -q "^nc-tool: found on PATH: $TMP/bin/nc-tool$" "$TMP/path.txt" ||
	fail "PATH: $(cat "$TMP/path.txt")"
grep -q "socket functions imported: .*socket" "$TMP/path.txt" || fail "PATH: $(cat "$TMP/path.txt")"
rc=0; "$SL" inspect nc-tool 2>"$TMP/nopath.err" || rc=$?
[ $rc -eq 1 ] && grep -q "nc-tool: not found on PATH" "$TMP/nopath.err" ||
	fail "not on PATH: $(cat "$TMP/nopath.err")"

printf '#!/bin/sh\nexec nc-tool\n' >"$TMP/bin/script.sh"
chmod +x "$TMP/bin/script.sh"
"$SL" inspect "$TMP/bin/script.sh" >"$TMP/script.txt" || fail "script: $(cat "$TMP/script.txt")"
grep -q "^$TMP/bin/script.sh: a script (#!/bin/sh): it runs /bin/sh$" "$TMP/script.txt" ||
	fail "script: $(cat "$TMP/script.txt")"
grep -q "^/bin/sh: 64-bit" "$TMP/script.txt" || fail "the interpreter is not inspected"

printf '#!/usr/bin/env python3\nprint("hi")\n' >"$TMP/bin/hi.py"
chmod +x "$TMP/bin/hi.py"
PATH="$TMP/bin:$PATH" "$SL" inspect hi.py >"$TMP/env.txt" || fail "env script: $(cat "$TMP/env.txt")"
py=$(command -v python3)
grep -q "^hi.py: found on PATH: $TMP/bin/hi.py$" "$TMP/env.txt" || fail "env script: $(cat "$TMP/env.txt")"
grep -q "a script (#!/usr/bin/env python3): it runs $py (env finds it on PATH)" "$TMP/env.txt" ||
	fail "env script: $(cat "$TMP/env.txt")"
"$SL" inspect --json "$TMP/bin/hi.py" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["scripts"][0]["line"] == "#!/usr/bin/env python3", d["scripts"]
' || fail "--json: scripts"
echo "ok (PATH, #!)"

# Around the preload: a syscall instruction of its own.
cat >"$TMP/raw.c" <<'C'
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
__attribute__((noinline)) long raw_close(long fd)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(SYS_close), "D"(fd)
			 : "rcx", "r11", "memory");
	return r;
}
int main(void) { printf("%ld %ld\n", raw_close(-1), syscall(SYS_getpid) > 0); return 0; }
C
cc -O2 -o "$TMP/raw" "$TMP/raw.c"
[ "$(uname -m)" = x86_64 ] || skip "the raw program is x86-64 assembly"
"$SL" inspect "$TMP/raw" >"$TMP/raw.txt" || fail "raw: $(cat "$TMP/raw.txt")"
grep -q "around the preload: raw makes system calls itself (1 syscall instruction, in raw_close)" \
	"$TMP/raw.txt" || fail "raw: $(cat "$TMP/raw.txt")"
"$SL" run -q -o "$TMP/r.trace" -- "$TMP/raw" >"$TMP/raw.out" 2>"$TMP/raw.err" || fail "raw failed"
[ "$(cat "$TMP/raw.out")" = "-9 1" ] || fail "raw's output: $(cat "$TMP/raw.out")"
grep -q "^socklens: raw makes system calls itself (1 syscall instruction, in raw_close): calls made that way are not in this trace$" \
	"$TMP/raw.err" || fail "run -q: $(cat "$TMP/raw.err")"
"$SL" run -o "$TMP/r.trace" -- "$TMP/raw" >/dev/null 2>"$TMP/raw2.err"
tail -n 1 "$TMP/raw2.err" | grep -q "calls made that way are not in this trace" ||
	fail "run: the note is not after the summary: $(cat "$TMP/raw2.err")"
# syscall() alone is followed: no note, and -q stays silent.
"$SL" run -q -o "$TMP/n.trace" -- "$SAMPLES/named_callers" >/dev/null 2>"$TMP/quiet.err"
[ ! -s "$TMP/quiet.err" ] || fail "run -q said: $(cat "$TMP/quiet.err")"
echo "ok (around the preload)"
