#!/bin/sh
# The UDP request/response scenario: udp_server answers three requests
# from udp_client.  socklens run -- sh samples/udp_scenario.sh build/samples
set -eu
bin=${1:-build/samples}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$bin/udp_server" -P "$dir/port" -n 3 &
server=$!
i=0
while [ ! -s "$dir/port" ]; do
	i=$((i + 1))
	[ $i -lt 500 ] || { echo "udp_server did not start" >&2; exit 1; }
	sleep 0.01
done
"$bin/udp_client" -p "$(cat "$dir/port")" -n 3
wait "$server"
