#!/bin/sh
# make demo: trace the fork-per-connection scenario (a server forking per
# connection, a client, connect_retry against a closed port) and show its
# timeline.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
trace=$build/demo.trace
echo "\$ socklens run -o $trace -- sh samples/fork_scenario.sh"
"$build/socklens" run -o "$trace" -- sh "$root/samples/fork_scenario.sh" "$build/samples"
echo
echo "Next: $build/socklens view $trace"
echo "      $build/socklens export -f sockets $trace"
