# A program that puts itself under a strict seccomp filter (only write,
# close and exit allowed; anything else kills it) runs under the preload
# exactly as bare: the preload sends what it holds, says so, and goes
# dark. Both ways in (prctl, and syscall(SYS_seccomp) as libseccomp does),
# and a filter that fails to go in, after which tracing goes on.
. "$(dirname "$0")/lib.sh"

for mode in prctl syscall fail; do
	rc=0
	"$HELPERS/sandboxed" $mode >"$TMP/bare" 2>&1 || rc=$?
	[ $rc -eq 0 ] || fail "$mode: exit $rc bare: $(cat "$TMP/bare")"
	rc=0
	"$SL" run -q -o "$TMP/$mode.trace" -- "$HELPERS/sandboxed" $mode >"$TMP/traced" 2>&1 || rc=$?
	[ $rc -eq 0 ] || fail "$mode: exit $rc traced (killed by its own filter?): $(cat "$TMP/traced")"
	diff -u "$TMP/bare" "$TMP/traced" || fail "$mode: output changed"
	"$SL" view "$TMP/$mode.trace" >"$TMP/view"
	"$SL" export -f jsonl "$TMP/$mode.trace" >"$TMP/jsonl"
	case $mode in
	fail)
		grep -q '"call":"seccomp","fd":-1,"ret":-1,"errno":"EFAULT"' "$TMP/jsonl" ||
			fail "the failed filter is not recorded"
		grep -q 'untraced' "$TMP/view" && fail "a failed filter darkened the process"
		# the write after it is counted: its socket's counters at exit
		grep -q '"call":"counters".*"tx_bytes":1,' "$TMP/jsonl" ||
			fail "tracing did not go on after the failed filter"
		;;
	*)
		grep -q 'put itself under a seccomp filter' "$TMP/view" ||
			fail "$mode: the view does not say the process went dark"
		grep -q '"call":"socketpair"' "$TMP/jsonl" ||
			fail "$mode: what came before the filter is lost"
		grep -q '"call":"\(write\|close\|counters\)"' "$TMP/jsonl" &&
			fail "$mode: a record from under the filter"
		;;
	esac
done
echo ok
