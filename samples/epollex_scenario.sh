#!/bin/sh
# EPOLLEXCLUSIVE: epollex_server forks WORKERS (default 3) workers
# sharing one listener, each watching it in an epoll instance of its own
# with EPOLLEXCLUSIVE; the client connects CONNS (default 12) times and
# prints which worker (pid) and which of its ports served each connection.
#   socklens run -- sh samples/epollex_scenario.sh build/samples [WORKERS [CONNS]]
set -eu
bin=${1:-build/samples}
workers=${2:-3}
conns=${3:-12}
. "$(dirname "$0")/scenario_lib.sh"

"$bin/epollex_server" -P "$dir/port" -w "$workers" -n "$conns" &
server=$!
"$bin/client" -p "$(wait_port epollex_server)" -n "$conns" -m hello
wait "$server"
