#!/bin/sh
# EPOLLEXCLUSIVE: epollex_server starts WORKERS (default 3) workers
# sharing one listener, each watching it in an epoll instance of its own
# with EPOLLEXCLUSIVE (forked processes; threads when MODE is -t); the
# client connects CONNS (default 12) times and prints which worker (pid,
# tid) served each of its ports.
#   socklens run -- sh samples/epollex_scenario.sh build/samples \
#       [WORKERS [CONNS [-t]]]
set -eu
bin=${1:-build/samples}
workers=${2:-3}
conns=${3:-12}
mode=${4:-}
. "$(dirname "$0")/scenario_lib.sh"

# shellcheck disable=SC2086
"$bin/epollex_server" -P "$dir/port" -w "$workers" -n "$conns" $mode &
server=$!
"$bin/client" -p "$(wait_port epollex_server)" -n "$conns" -m hello
wait "$server"
