#!/bin/sh
# Macro benchmarks for make bench: real servers loaded by their usual
# load generators, bare, under socklens (server traced, load generator
# not) and under strace -f (network,epoll_wait), RUNS rounds interleaved,
# medians and ratios. The servers come from Debian (installed here when
# we are root and they are missing).
#
#   redis-server under redis-benchmark -n 100000 -c 20 -t set,get, and
#   the server's own CPU time for them (from /proc): on a shared 2-core
#   machine throughput moves with the scheduler, CPU time much less
#   nginx (2 workers, a 612-byte page) under wrk -t2 -c20 -d3s
#
# With TRACE_PACK (tests/bench/trace_pack.c, run.sh builds it), the
# traced runs' bytes per record too: the file as written, and the same
# batches as plain frames (trace file version 1).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
runs=${RUNS:-5}
tmp=$(mktemp -d)
srv=0
trap '[ $srv = 0 ] || kill $srv 2>/dev/null || true; rm -rf "$tmp"' EXIT
strace_filter="-f -e trace=network,epoll_wait -o /dev/null"

want() {	# command package...
	c=$1
	shift
	if ! command -v "$c" >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 || true
	fi
	command -v "$c" >/dev/null
}
median() {	# file key
	grep "^$2 " "$1" 2>/dev/null | awk '{print $2}' | sort -n |
		awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'
}
cpu_of() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN{if (a=="-"||b=="-"||b==0) print "-"; else printf "%.1f%%", 100*a/b}'; }
# wrap MODE: the command prefix that runs a server bare, traced or under strace
wrap() {
	case $1 in
	bare) echo "" ;;
	socklens) echo "$build/socklens run -q -o $tmp/t.trace --" ;;
	strace) echo "strace $strace_filter" ;;
	esac
}
# sizes MODE FILE: the traced run's bytes per record, packed and plain.
sizes() {
	[ "$1" = socklens ] && [ -n "${TRACE_PACK:-}" ] && [ -s "$tmp/t.trace" ] || return 0
	"$TRACE_PACK" "$tmp/t.trace" | awk '$1 {printf "bpr %.1f\nbpr1 %.1f\nrecs %d\n", \
		$2 / $1, $3 / $1, $1}' >>"$2"
}
say_sizes() {	# FILE
	[ -s "$1" ] || return 0
	echo "  trace: $(median "$1" bpr) bytes per record (plain frames:" \
		"$(median "$1" bpr1)), $(median "$1" recs) records a run (medians)"
}
modes="bare socklens"
command -v strace >/dev/null && modes="$modes strace"

port=$((20000 + $$ % 1000 * 10))

if want redis-server redis-server redis-tools && command -v redis-benchmark >/dev/null; then
	for i in $(seq "$runs"); do
		for m in $modes; do
			port=$((port + 1))
			# shellcheck disable=SC2046
			$(wrap $m) redis-server --port $port --bind 127.0.0.1 --save "" \
				--appendonly no --daemonize no --loglevel warning >/dev/null 2>&1 &
			srv=$!
			n=0
			until redis-cli -p $port ping >/dev/null 2>&1; do
				n=$((n + 1)); [ $n -lt 500 ] || { echo "redis did not start" >&2; exit 1; }
				sleep 0.02
			done
			rp=$(pgrep -f "redis-server 127.0.0.1:$port" | head -n 1)
			c0=$(cpu_of "$rp")
			redis-benchmark -p $port -n 100000 -c 20 -t set,get -q 2>/dev/null |
				tr '\r' '\n' | sed -n "s/^\(SET\|GET\): *\([0-9.]*\) requests.*/$m-\1 \2/p" \
				>>"$tmp/redis"
			c1=$(cpu_of "$rp")
			# ms of server CPU per 100k requests (200k were made)
			echo "$m-cpu $(( (c1 - c0) * 1000 / $(getconf CLK_TCK) / 2 ))" >>"$tmp/redis"
			redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
			wait $srv 2>/dev/null || true
			srv=0
			sizes $m "$tmp/redis.sizes"
			rm -f "$tmp/t.trace"
		done
	done
	echo "redis-server under redis-benchmark -n 100000 -c 20 (requests/s, median of $runs)"
	printf '  %-4s %10s %10s %10s %9s %9s\n' "" bare socklens strace "sl/bare" "st/bare"
	for t in SET GET; do
		b=$(median "$tmp/redis" bare-$t)
		s=$(median "$tmp/redis" socklens-$t)
		st=$(median "$tmp/redis" strace-$t)
		printf '  %-4s %10s %10s %10s %9s %9s\n' $t "$b" "$s" "$st" "$(pct "$s" "$b")" "$(pct "$st" "$b")"
	done
	b=$(median "$tmp/redis" bare-cpu)
	s=$(median "$tmp/redis" socklens-cpu)
	st=$(median "$tmp/redis" strace-cpu)
	echo "redis-server CPU per 100k requests (ms, median of $runs; lower is better)"
	printf '  %-4s %10s %10s %10s %9s %9s\n' "" "$b" "$s" "$st" "$(pct "$s" "$b")" "$(pct "$st" "$b")"
	say_sizes "$tmp/redis.sizes"
else
	echo "redis: not installed and could not be (apt-get install redis-server redis-tools)"
fi

echo
if want nginx nginx-light && want wrk wrk; then
	mkdir -p "$tmp/www" "$tmp/logs"
	head -c 612 /dev/zero | tr '\0' x >"$tmp/www/index.html"
	chmod 0755 "$tmp" "$tmp/www"
	chmod 0644 "$tmp/www/index.html"
	for i in $(seq "$runs"); do
		for m in $modes; do
			port=$((port + 1))
			sed -e "s|@DIR@|$tmp|g" -e "s|@PORT@|$port|g" \
				"$root/tests/e2e/nginx.conf.in" >"$tmp/nginx.conf"
			rm -f "$tmp/nginx.pid"
			# shellcheck disable=SC2046
			$(wrap $m) nginx -c "$tmp/nginx.conf" -p "$tmp" >/dev/null 2>&1 &
			srv=$!
			n=0
			until [ -s "$tmp/nginx.pid" ] && curl -sf -o /dev/null "http://127.0.0.1:$port/"; do
				n=$((n + 1)); [ $n -lt 200 ] || { echo "nginx did not start" >&2; exit 1; }
				sleep 0.05
			done
			wrk -t2 -c20 -d3s "http://127.0.0.1:$port/" 2>/dev/null |
				sed -n "s/^Requests\/sec: *\([0-9.]*\)/$m \1/p" >>"$tmp/nginx"
			kill -QUIT "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
			wait $srv 2>/dev/null || true
			srv=0
			sizes $m "$tmp/nginx.sizes"
			rm -f "$tmp/t.trace"
		done
	done
	echo "nginx (2 workers) under wrk -t2 -c20 -d3s (requests/s, median of $runs)"
	b=$(median "$tmp/nginx" bare)
	s=$(median "$tmp/nginx" socklens)
	st=$(median "$tmp/nginx" strace)
	printf '  %10s %10s %10s %9s %9s\n' bare socklens strace "sl/bare" "st/bare"
	printf '  %10s %10s %10s %9s %9s\n' "$b" "$s" "$st" "$(pct "$s" "$b")" "$(pct "$st" "$b")"
	say_sizes "$tmp/nginx.sizes"
else
	echo "nginx/wrk: not installed and could not be (apt-get install nginx-light wrk)"
fi
