#!/bin/sh
# The fork-per-connection scenario: a fork_server, a client that
# connects three times, and connect_retry knocking on a port where nobody
# listens (port 1 on loopback). Run it under the tracer:
#   socklens run -- sh samples/fork_scenario.sh build/samples
set -eu
bin=${1:-build/samples}
. "$(dirname "$0")/scenario_lib.sh"

"$bin/fork_server" -P "$dir/port" -n 3 &
server=$!
port=$(wait_port fork_server)
"$bin/client" -p "$port" -n 3 -m hello
"$bin/connect_retry" -p 1 -u 5 -t 3 || true
wait "$server"
