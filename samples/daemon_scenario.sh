#!/bin/sh
# The daemon scenario: the daemon forks twice, closes every fd up to its
# limit and serves two connections; a client talks to it twice.
#   socklens run -- sh samples/daemon_scenario.sh build/samples
set -eu
bin=$(cd "${1:-build/samples}" && pwd)
. "$(dirname "$0")/scenario_lib.sh"

"$bin/daemon" -P "$dir/port" -n 2
"$bin/client" -p "$(wait_port daemon)" -n 2 -m ping
