# A trace file cut in the middle of a frame (a crash) is read up to the
# tear, with a warning; garbage is refused with a clear error, and the
# viewer never crashes on either.
. "$(dirname "$0")/lib.sh"

"$SL" run -q -o "$TMP/t.trace" -- sh "$SL_ROOT/samples/fork_scenario.sh" \
	"$SAMPLES" >/dev/null 2>&1
size=$(wc -c <"$TMP/t.trace")
head -c $((size - 100)) "$TMP/t.trace" >"$TMP/torn.trace"
"$SL" view -w 100 "$TMP/torn.trace" >"$TMP/torn.view" || fail "view failed on a torn file"
grep -q "torn tail" "$TMP/torn.view" || fail "torn tail not reported"
grep -q "listen" "$TMP/torn.view" || fail "what came before the tear was lost"
"$SL" export -f sockets "$TMP/torn.trace" >/dev/null 2>"$TMP/torn.err" ||
	fail "export failed on a torn file"
grep -q "torn tail" "$TMP/torn.err" || fail "export did not report the tear"

# A flipped byte inside a frame is caught by its checksum.
python3 -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[len(b) // 2] ^= 0xff
open(sys.argv[2], 'wb').write(b)" "$TMP/t.trace" "$TMP/flipped.trace" 2>/dev/null ||
	skip "python3 is needed to flip a byte"
"$SL" view "$TMP/flipped.trace" >"$TMP/flipped.view" || fail "view failed on a corrupt file"
grep -q "torn tail" "$TMP/flipped.view" || fail "corruption not reported"

head -c 4096 /dev/urandom >"$TMP/garbage"
if "$SL" view "$TMP/garbage" 2>"$TMP/garbage.err"; then
	fail "garbage accepted"
fi
grep -q "not a socklens trace" "$TMP/garbage.err" || fail "unclear error: $(cat "$TMP/garbage.err")"
: >"$TMP/empty"
"$SL" view "$TMP/empty" 2>/dev/null && fail "empty file accepted"
echo ok
