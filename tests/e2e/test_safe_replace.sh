# run writes its trace beside the old one and renames it into place only
# once the program has started: a typo in the program's name, a refused
# program or a bad option leaves an earlier trace byte for byte.
. "$(dirname "$0")/lib.sh"

cd "$TMP"
"$SL" run -q -o t.trace -- "$HELPERS/sock_loop" -n 20 >/dev/null 2>&1 ||
	fail "the first run failed"
cp t.trace before.trace

if "$SL" run -q -o t.trace -- nosuchprogram 2>"$TMP/err"; then
	fail "run of a missing program exited 0"
fi
cmp -s t.trace before.trace || fail "a missing program destroyed the trace"
"$SL" run -q -o t.trace --no-such-option -- true 2>/dev/null &&
	fail "a bad option was taken"
cmp -s t.trace before.trace || fail "a bad option destroyed the trace"
"$SL" run -q -o t.trace -p "$TMP/no-such-policy" -- true 2>/dev/null &&
	fail "a missing policy was taken"
cmp -s t.trace before.trace || fail "a refused policy destroyed the trace"
ls | grep -q 'tmp-' && fail "a temporary file was left: $(ls)"

# A program that starts replaces it.
"$SL" run -q -o t.trace -- "$HELPERS/sock_loop" -n 3 >/dev/null 2>&1
cmp -s t.trace before.trace && fail "a program that ran did not replace it"
ls | grep -q 'tmp-' && fail "a temporary file was left: $(ls)"
"$SL" view t.trace >/dev/null || fail "the new trace does not open"
echo ok
