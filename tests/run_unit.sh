#!/bin/sh
# The cmocka unit tests only; see run_all.sh.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
for t in "$@"; do
	if timeout 60 "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
