#!/bin/sh
# The EMFILE idle-fd trick: emfile_server can hold 3 connections beside
# its listener and reserve; burst_client opens 6 and holds them, so the
# last 3 accepts fail with EMFILE and are dropped by the trick.
#   socklens run -- sh samples/emfile_scenario.sh build/samples
set -eu
bin=${1:-build/samples}
. "$(dirname "$0")/scenario_lib.sh"

"$bin/emfile_server" -P "$dir/port" -k 3 -n 6 &
server=$!
"$bin/burst_client" -p "$(wait_port emfile_server)" -n 6
wait "$server"
