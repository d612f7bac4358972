#!/bin/sh
# The daemon scenario: the daemon forks twice, closes every fd up to its
# limit and serves two connections; a client talks to it twice.
#   socklens run -- sh samples/daemon_scenario.sh build/samples
set -eu
bin=$(cd "${1:-build/samples}" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$bin/daemon" -P "$dir/port" -n 2
i=0
while [ ! -s "$dir/port" ]; do
	i=$((i + 1))
	[ $i -lt 500 ] || { echo "daemon did not start" >&2; exit 1; }
	sleep 0.01
done
"$bin/client" -p "$(cat "$dir/port")" -n 2 -m ping
