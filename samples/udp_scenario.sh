#!/bin/sh
# The UDP request/response scenario: udp_server answers three requests
# from udp_client.  socklens run -- sh samples/udp_scenario.sh build/samples
set -eu
bin=${1:-build/samples}
. "$(dirname "$0")/scenario_lib.sh"

"$bin/udp_server" -P "$dir/port" -n 3 &
server=$!
"$bin/udp_client" -p "$(wait_port udp_server)" -n 3
wait "$server"
