# make install PREFIX=... puts socklens in bin/, the library in
# lib/socklens/ and the man pages in share/man/, and the installed
# socklens finds its library unaided; SOCKLENS_PRELOAD overrides.
. "$(dirname "$0")/lib.sh"

make -s -C "$SL_ROOT" install PREFIX="$TMP/prefix" BUILD="$SL_BUILD" >/dev/null
[ -x "$TMP/prefix/bin/socklens" ] || fail "no bin/socklens"
[ -f "$TMP/prefix/lib/socklens/libsocklens.so" ] || fail "no lib/socklens/libsocklens.so"
for page in man1/socklens.1 man5/socklens-policy.5 man5/socklens-export.5; do
	[ -f "$TMP/prefix/share/man/$page" ] || fail "no share/man/$page"
done
out=$(env -u SOCKLENS_PRELOAD "$TMP/prefix/bin/socklens" run -q -o "$TMP/t.trace" -- \
	"$HELPERS/sock_loop" -n 3)
[ "$out" = "3 rounds" ] || fail "installed run: $out"
n=$("$TMP/prefix/bin/socklens" export -f sockets "$TMP/t.trace" | wc -l)
[ "$n" -eq 6 ] || fail "installed socklens traced $n sockets, not 6"
if SOCKLENS_PRELOAD=/nonexistent/lib.so "$TMP/prefix/bin/socklens" run -q \
	-o "$TMP/u.trace" -- true 2>"$TMP/err"; then
	fail "a missing SOCKLENS_PRELOAD was ignored"
fi
grep -q "libsocklens.so" "$TMP/err" || fail "unclear error: $(cat "$TMP/err")"
echo ok
