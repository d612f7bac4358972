# ThreadSanitizer on the preload: the preload and the stress program both
# built with -fsanitize=thread (make check builds them into
# $SL_BUILD/tsan), the threaded attacks run under `socklens run`: 16
# threads making socketpairs, 4 writers and 4 readers on one socket while
# another thread polls, dups and closes it, 20 forks, EINTR with a
# socket-making signal handler. Any report fails the test (TSan exits 66),
# and the output must be the same as the program's bare run.
#
# Found with it so far: the inherit walk reading fd entries as other
# threads rewrote them, a plain flag update racing fcntl's atomic one, and
# a report inside TSan's own symbolizer (its fcntl through our wrapper)
# that deadlocked the reporting thread (so a hang here means a race).
. "$(dirname "$0")/lib.sh"

tlib="$SL_BUILD/tsan/libsocklens.so"
stress="$SL_BUILD/tsan/stress"
[ -x "$stress" ] && [ -f "$tlib" ] ||
	fail "the TSan builds are missing: make check builds $tlib and $stress"
need setarch

# TSan needs the address space laid out its way: kernels with more
# mmap randomness than gcc 12's runtime expects make it refuse to start
# ("unexpected memory mapping"); without randomization it always can.
norand() { setarch "$(uname -m)" -R "$@"; }
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"

norand "$stress" threads 2 >"$TMP/probe" 2>&1 ||
	fail "a TSan-built program does not run here: $(head -n 3 "$TMP/probe")"

runs=0
for mode in "threads 16" "shared 4" "threads 16" "shared 4" "forks 20" eintr \
	"threads 16" "shared 4"; do
	# shellcheck disable=SC2086
	norand "$stress" $mode >"$TMP/bare" 2>&1 || fail "$mode failed bare: $(cat "$TMP/bare")"
	rc=0
	# shellcheck disable=SC2086
	SOCKLENS_PRELOAD="$tlib" norand "$SL" run -q -o "$TMP/t.trace" -- \
		"$stress" $mode >"$TMP/traced" 2>&1 || rc=$?
	if grep -q ThreadSanitizer "$TMP/traced"; then
		sed -n '1,60p' "$TMP/traced" >&2
		fail "$mode: ThreadSanitizer reported (exit $rc)"
	fi
	[ $rc -eq 0 ] || fail "$mode: exit $rc traced: $(head -n 20 "$TMP/traced")"
	diff -u "$TMP/bare" "$TMP/traced" || fail "$mode: output changed"
	"$SL" view "$TMP/t.trace" >/dev/null || fail "$mode: the trace is unreadable"
	runs=$((runs + 1))
done
echo "ok ($runs runs under ThreadSanitizer, no report)"
