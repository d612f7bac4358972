# The collector takes only its own uid (or root): a process of another
# user that reaches its socket is refused (SO_PEERCRED) and runs on,
# untraced; nothing of it is in the trace. Needs root to make the user.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to add a second user"
command -v useradd >/dev/null || skip "useradd is not installed"
command -v setpriv >/dev/null || skip "setpriv is not installed"
id sltest >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin sltest 2>/dev/null ||
	skip "cannot add the user sltest"
uid=$(id -u sltest)
gid=$(id -g sltest)

mkdir -m 0755 "$TMP/open"
chmod 0755 "$TMP"
start_collector "$TMP/open/c.sock" "$TMP/t.trace" "$TMP/collect.log"
# Let the other user reach the socket: the uid check is the gate tested.
chmod 0777 "$TMP/open/c.sock"
cp "$HELPERS/sock_loop" "$LIB" "$TMP/open/"
chmod 0755 "$TMP/open/sock_loop" "$TMP/open/libsocklens.so"
out=$(SOCKLENS_SOCKET="$TMP/open/c.sock" LD_PRELOAD="$TMP/open/libsocklens.so" \
	setpriv --reuid="$uid" --regid="$gid" --clear-groups "$TMP/open/sock_loop" -n 5)
[ "$out" = "5 rounds" ] || fail "the other user's program: $out"
kill -TERM $col
wait $col || true
grep -q "refused process [0-9]* of uid $uid" "$TMP/collect.log" ||
	fail "no refusal in the log: $(cat "$TMP/collect.log")"
n=$("$SL" export -f sockets "$TMP/t.trace" | wc -l)
[ "$n" -eq 0 ] || fail "the other user's sockets are in the trace ($n)"
# The private directory of run is 0700, its trace 0600.
"$SL" run -q -o "$TMP/mine.trace" -- sh -c 'ls -ld "$(dirname "$SOCKLENS_SOCKET")"' >"$TMP/dir"
grep -q "^drwx------" "$TMP/dir" || fail "the collector's directory: $(cat "$TMP/dir")"
[ "$(stat -c %a "$TMP/mine.trace")" = 600 ] || fail "the trace is not 0600"
echo ok
