#!/bin/sh
# The epoll scenario: an epoll echo server (level-triggered, or with -e
# edge-triggered), a load client opening CONNS short connections, and a
# non-blocking client trying the server's port and a closed one.
#   socklens run -- sh samples/epoll_scenario.sh build/samples [-e] [CONNS]
set -eu
bin=${1:-build/samples}
mode=${2:-}
conns=${3:-5}
. "$(dirname "$0")/scenario_lib.sh"

# shellcheck disable=SC2086
"$bin/epoll_server" -P "$dir/port" -n $((conns + 1)) $mode &
server=$!
port=$(wait_port epoll_server)
"$bin/load_client" -p "$port" -n "$conns" -s 100
"$bin/nb_client" -p "$port" -c 1
wait "$server"
