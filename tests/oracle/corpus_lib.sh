# Sourced by each corpus program's script (tests/oracle/corpus.txt),
# which runs under strace and the preload. The helpers wait without a
# socket of their own: they read /proc/net, so the oracle's facts are the
# program's only. $DIR is the program's scratch directory; $P1..$P4 free
# ports; $PY the python3 binary; $PROGS tests/oracle/progs.

# wait_tcp PORT: until something listens on 127.0.0.1/::1 PORT (10 s).
wait_tcp() {
	hex=$(printf ':%04X ' "$1")
	i=0
	until grep -q "$hex[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "nothing listens on $1" >&2; exit 9; }
		sleep 0.02
	done
}

# wait_udp PORT: until a UDP socket is bound to PORT (10 s).
wait_udp() {
	hex=$(printf ':%04X ' "$1")
	i=0
	until grep -q "$hex" /proc/net/udp /proc/net/udp6 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "nothing bound to udp $1" >&2; exit 9; }
		sleep 0.02
	done
}

# wait_unix PATH: until PATH is a socket (10 s).
wait_unix() {
	i=0
	until [ -S "$1" ]; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "no socket at $1" >&2; exit 9; }
		sleep 0.02
	done
}

# wait_file PATH: until PATH is not empty (10 s).
wait_file() {
	i=0
	until [ -s "$1" ]; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "no $1" >&2; exit 9; }
		sleep 0.02
	done
}

# stop PID [SIGNAL]: signal a server we started and wait for it.
stop() {
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
