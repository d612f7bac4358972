#!/bin/sh
# The fork-per-connection scenario: a fork_server, a client that
# connects three times, and connect_retry knocking on a port where nobody
# listens (port 1 on loopback). Run it under the tracer:
#   socklens run -- sh samples/fork_scenario.sh build/samples
set -eu
bin=${1:-build/samples}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$bin/fork_server" -P "$dir/port" -n 3 &
server=$!
i=0
while [ ! -s "$dir/port" ]; do
	i=$((i + 1))
	[ $i -lt 500 ] || { echo "fork_server did not start" >&2; exit 1; }
	sleep 0.01
done
port=$(cat "$dir/port")
"$bin/client" -p "$port" -n 3 -m hello
"$bin/connect_retry" -p 1 -u 5 -t 3 || true
wait "$server"
