#!/bin/sh
# The UDP client's timeout (APUE figure 16.19): udp_client asks a port
# where nobody answers (port 1 on loopback) and waits 1 s (-t 1): its
# recvfrom blocks until alarm's SIGALRM interrupts it with EINTR; the
# client then fails ("recvfrom: Interrupted system call", exit 1).
#   socklens run -- sh samples/udp_timeout_scenario.sh build/samples
set -eu
bin=${1:-build/samples}

status=0
"$bin/udp_client" -p 1 -n 1 -t 1 || status=$?
echo "udp_client exited $status"
