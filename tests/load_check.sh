#!/bin/sh
# `make check` with both cores busy: the suite must hold on a loaded
# machine, not only on a quiet one. Starts LOAD_HOGS (default 2) bounded
# CPU hogs, runs `make check ARGS...`, stops the hogs (by their pids, and
# at any exit), and does it LOAD_RUNS times (default 1), stopping at the
# first failure. `make check-loaded` runs it; `LOAD_RUNS=3 make
# check-loaded` is the "three in a row" of issue 16.
#
# Each hog is bounded by timeout(1) (LOAD_HOG_SECONDS, default 1800), so
# a killed run leaves no hog behind for longer than that.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${LOAD_RUNS:-1}
nhogs=${LOAD_HOGS:-2}
hog_secs=${LOAD_HOG_SECONDS:-1800}
hogs=""

stop_hogs() {
	for p in $hogs; do kill "$p" 2>/dev/null; done
	for p in $hogs; do wait "$p" 2>/dev/null; done
	hogs=""
}
trap stop_hogs EXIT
trap 'stop_hogs; exit 130' INT TERM

i=1
while [ "$i" -le "$runs" ]; do
	n=0
	while [ "$n" -lt "$nhogs" ]; do
		timeout "$hog_secs" sh -c 'while :; do :; done' &
		hogs="$hogs $!"
		n=$((n + 1))
	done
	echo "loaded run $i of $runs: $nhogs CPU hogs (pids$hogs) beside make check"
	start=$(date +%s)
	${MAKE:-make} -C "$root" --no-print-directory check "$@"
	rc=$?
	stop_hogs
	echo "loaded run $i of $runs: exit $rc after $(( $(date +%s) - start ))s"
	[ "$rc" -eq 0 ] || exit "$rc"
	i=$((i + 1))
done
