#!/bin/sh
# The UDP client's timeout (APUE figure 16.19): udp_client asks a port
# where nobody answers (port 1 on loopback), so its recvfrom blocks until
# SIGALRM interrupts it with EINTR; the client then fails ("recvfrom:
# Interrupted system call", exit 1). udp_client arms alarm(5); to keep
# the scenario short, timeout(1) delivers the same SIGALRM after 1 s.
#   socklens run -- sh samples/udp_timeout_scenario.sh build/samples
set -eu
bin=${1:-build/samples}

status=0
timeout -s ALRM 1 "$bin/udp_client" -p 1 -n 1 || status=$?
echo "udp_client exited $status"
