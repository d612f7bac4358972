#!/bin/sh
# SO_REUSEPORT workers: reuseport_server forks WORKERS (default 3)
# workers, each with a listener of its own on one port; the client
# connects CONNS (default 12) times and prints which worker (pid) served
# each of its ports.
#   socklens run -- sh samples/reuseport_scenario.sh build/samples \
#       [WORKERS [CONNS]]
set -eu
bin=${1:-build/samples}
workers=${2:-3}
conns=${3:-12}
. "$(dirname "$0")/scenario_lib.sh"

"$bin/reuseport_server" -P "$dir/port" -w "$workers" -n "$conns" &
server=$!
"$bin/client" -p "$(wait_port reuseport_server)" -n "$conns" -m hello
wait "$server"
