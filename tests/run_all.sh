#!/bin/sh
# Runs every test: the cmocka unit tests given as arguments, then the
# end-to-end tests. Each runs in its own process under a timeout; exit 77
# means skipped (the test prints why). Ends with "N passed, N failed,
# N skipped" and fails if anything failed. SL_TIMEOUT_SCALE=N (default 1)
# multiplies every timeout, here and in e2e/lib.sh's waits, for a slow
# build (sanitizers, valgrind). A timeout is there to catch a hang, not
# to time a test: on a loaded machine it stretches with the load (the
# one-minute load average per CPU when the test starts, rounded up, at
# most 4 times), so a test that takes 40 s on a quiet machine and 130 s
# beside two CPU hogs and other builds is not called hung.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
export SL_ROOT="$root"
export SL_BUILD="${SL_BUILD:-$root/build}"
export SL_TIMEOUT_SCALE="${SL_TIMEOUT_SCALE:-1}"
log="$SL_BUILD/test-logs"
rm -rf "$log"
mkdir -p "$log"
pass=0 fail=0 skip=0 failed=""

ncpu=$(nproc 2>/dev/null || echo 1)
# load_factor: 1 on a quiet machine, up to 4 on a loaded one.
load_factor() {
	awk -v n="$ncpu" '{ f = int($1 / n) + 1; print (f > 4 ? 4 : f) }' \
		/proc/loadavg 2>/dev/null || echo 1
}

run_one() {	# name timeout command...
	name=$1 limit=$(($2 * SL_TIMEOUT_SCALE * $(load_factor)))
	shift 2
	out="$log/$(echo "$name" | tr / -).log"
	start=$(date +%s)
	timeout -k 5 "$limit" "$@" >"$out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %-40s %3ss\n' "$name" "$secs" ;;
	77) skip=$((skip + 1)); printf 'SKIP  %-40s %s\n' "$name" "$(tail -n 1 "$out")" ;;
	124|137) fail=$((fail + 1)); failed="$failed $name"
	   printf 'FAIL  %-40s timed out after %ss\n' "$name" "$limit" ;;
	*) fail=$((fail + 1)); failed="$failed $name"
	   printf 'FAIL  %-40s exit %s\n' "$name" "$rc"; sed 's/^/      /' "$out" | tail -n 30 ;;
	esac
}

for t in "$@"; do
	run_one "unit/$(basename "$t")" 60 "$t"
done
for t in "$root"/tests/e2e/test_*.sh; do
	run_one "e2e/$(basename "$t" .sh)" 120 sh "$t"
done
echo
echo "$pass passed, $fail failed, $skip skipped"
[ -n "$failed" ] && echo "failed:$failed (logs in $log)"
[ "$fail" -eq 0 ]
