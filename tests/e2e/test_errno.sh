# Every wrapper returns what libc returned, with the errno libc left:
# bad fds, bad lengths, bad pointers (EFAULT), non-sockets, failed execs.
. "$(dirname "$0")/lib.sh"

"$HELPERS/errno_check" >"$TMP/bare.txt"
"$SL" run -q -o "$TMP/t.trace" -- "$HELPERS/errno_check" >"$TMP/traced.txt"
diff -u "$TMP/bare.txt" "$TMP/traced.txt" || fail "a wrapper changed a result"
[ "$(wc -l <"$TMP/bare.txt")" -ge 60 ] || fail "errno_check ran too few calls"
echo ok
