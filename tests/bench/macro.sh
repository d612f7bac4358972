#!/bin/sh
# Macro benchmarks for make bench: real servers loaded by their usual
# load generators, bare, under socklens (server traced, load generator
# not), under socklens --no-peek (what the peek costs: MACRO_NOPEEK=0
# leaves it out) and under strace -f (network,epoll_wait), RUNS rounds
# with the modes alternating in each, medians and ratios. The servers come
# from Debian (installed here when we are root and they are missing).
#
#   redis-server under redis-benchmark -n 100000 -c 20 -t set,get (a
#   fixed 200k requests)
#   nginx (2 workers, a 612-byte page) under wrk -t2 -c20 for
#   NGINX_SECONDS (default 3; wrk has no request count, so each run's
#   CPU is divided by the requests wrk says it made)
#
# The figure the issue's target is about (issue 15: at most +1% over
# bare) is the server's CPU time per request, from /proc: on a shared
# 2-core machine throughput moves with the scheduler, CPU time much
# less. Two readings of it:
#   - ns of CPU per request from each server thread's
#     /proc/PID/task/TID/schedstat (ns on CPU, the kernel's own sum;
#     every redis thread, nginx's master and workers); precise to the ns
#   - the same from utime+stime of /proc/PID/stat (every thread, the
#     dead ones too; ticks of 1/CLK_TCK s, so a run's 2-3 s of CPU is
#     read to about 0.4%)
# For each: the median and the spread (min-max) of each mode over the
# rounds, the ratio of the medians, and the median of each round's own
# ratio (traced and bare run back to back, so the machine's load moves
# both alike). strace's own CPU is not the server's and is not counted.
# The tracer's CPU per request is printed beside it: the collector's
# (socklens run) and strace's.
#
# RUNS: rounds, at least 7 (MACRO_RUNS overrides, for a quick look);
# MACRO_SERVERS: which of "redis nginx" (default both).
# With TRACE_PACK (tests/bench/trace_pack.c, run.sh builds it), the
# traced runs' bytes per record too: the file as written, and the same
# batches as plain frames (trace file version 1).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
runs=${RUNS:-7}
[ "$runs" -ge 7 ] || runs=7
runs=${MACRO_RUNS:-$runs}
secs=${NGINX_SECONDS:-3}
tmp=$(mktemp -d)
srv=0
trap '[ $srv = 0 ] || kill $srv 2>/dev/null || true; rm -rf "$tmp"' EXIT
strace_filter="-f -e trace=network,epoll_wait -o /dev/null"
hz=$(getconf CLK_TCK)

want() {	# command package...
	c=$1
	shift
	if ! command -v "$c" >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 || true
	fi
	command -v "$c" >/dev/null
}
median() {	# file key
	grep "^$2 " "$1" 2>/dev/null | awk '{print $2}' | sort -g |
		awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'
}
spread() {	# file key: "min-max"
	grep "^$2 " "$1" 2>/dev/null | awk '{print $2}' | sort -g |
		awk '{v[NR]=$1} END {if (NR) printf "%s-%s", v[1], v[NR]; else print "-"}'
}
# paired FILE A B: the median over rounds of A's value / B's in that round.
paired() {
	awk -v a="$2" -v b="$3" '$1 == a {x[$3] = $2} $1 == b {y[$3] = $2}
		END {for (r in x) if (r in y && y[r] > 0) print x[r] / y[r]}' "$1" |
		sort -g | awk '{v[NR]=$1} END {if (!NR) print "-"; else if (v[int((NR+1)/2)] < 2)
			printf "%+.1f%%", 100 * (v[int((NR+1)/2)] - 1); else printf "%.1fx", v[int((NR+1)/2)]}'
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN{if (a=="-"||b=="-"||b==0) print "-"; else printf "%.1f%%", 100*a/b}'; }
rel() { awk -v a="$1" -v b="$2" 'BEGIN{if (a=="-"||b=="-"||b==0) print "-"; else if (a/b < 2) printf "%+.1f%%", 100*(a/b-1); else printf "%.1fx", a/b}'; }

# Server CPU of the processes PIDS, two ways: "ns TICKS" (schedstat
# summed over every live thread; utime+stime of the processes).
cpu_of() {
	ns=0 ticks=0
	for p in "$@"; do
		if [ -z "$p" ] || [ ! -d "/proc/$p" ]; then
			continue
		fi
		t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
		s=$(cat /proc/"$p"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}')
		ns=$((ns + s)) ticks=$((ticks + t))
	done
	echo "$ns $ticks"
}
# note FILE MODE ROUND REQUESTS "NS0 T0" "NS1 T1" "TRACER0" "TRACER1":
# the round's CPU per request, both ways, and the tracer's.
note() {
	awk -v m="$2" -v r="$3" -v n="$4" -v hz="$hz" -v a="$5" -v b="$6" \
		-v ta="$7" -v tb="$8" 'BEGIN {
		split(a, x, " "); split(b, y, " "); split(ta, u, " "); split(tb, v, " ")
		if (n <= 0) exit
		printf "%s-ns %.0f %s\n", m, (y[1] - x[1]) / n, r
		printf "%s-tick %.0f %s\n", m, (y[2] - x[2]) * 1e9 / hz / n, r
		if (m != "bare")
			printf "%s-tracer %.0f %s\n", m, (v[2] - u[2]) * 1e9 / hz / n, r
	}' >>"$1"
}
# report FILE WHAT: the CPU-per-request table of one server, a row a mode.
report() {
	echo "$2 CPU per request (ns; median of $runs, min-max; lower is better)"
	printf '  %-18s %22s %8s %8s %22s %8s %8s\n' "" "schedstat" "/bare" "paired" \
		"utime+stime" "/bare" "paired"
	for m in $modes; do
		row=$(printf '  %-18s' "$(label "$m")")
		for k in ns tick; do
			v=$(median "$1" $m-$k)
			r='' p=''
			if [ $m != bare ]; then
				r=$(rel "$v" "$(median "$1" bare-$k)")
				p=$(paired "$1" $m-$k bare-$k)
			fi
			row="$row$(printf ' %22s %8s %8s' "$v ($(spread "$1" $m-$k))" "$r" "$p")"
		done
		echo "$row"
	done
	t="  tracer's own CPU per request (socklens's collector, strace), ns:"
	for m in $modes; do
		[ $m = bare ] || t="$t $(label $m) $(median "$1" $m-tracer);"
	done
	echo "${t%;}"
	[ "$(median "$1" strace-ns)" = - ] ||
		echo "  socklens / strace, server CPU: $(pct "$(median "$1" socklens-ns)" "$(median "$1" strace-ns)")"
}
label() {
	case $1 in
	nopeek) echo "socklens --no-peek" ;;
	*) echo "$1" ;;
	esac
}
# wrap MODE: the command prefix that runs a server bare, traced or under strace
wrap() {
	case $1 in
	bare) echo "" ;;
	socklens) echo "$build/socklens run -q -o $tmp/t.trace --" ;;
	nopeek) echo "$build/socklens run -q --no-peek -o $tmp/t.trace --" ;;
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
[ "${MACRO_NOPEEK:-1}" = 0 ] || modes="$modes nopeek"
command -v strace >/dev/null && modes="$modes strace"

echo "macro: $runs rounds, modes alternating ($modes); load average at start:" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
port=$((20000 + $$ % 1000 * 10))

servers=${MACRO_SERVERS:-redis nginx}
if [ "${servers#*redis}" = "$servers" ]; then
	echo "redis: left out (MACRO_SERVERS)"
elif want redis-server redis-server redis-tools && command -v redis-benchmark >/dev/null; then
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
			tp=$srv
			[ $m != bare ] || tp=
			c0=$(cpu_of "$rp") t0=$(cpu_of $tp)
			redis-benchmark -p $port -n 100000 -c 20 -t set,get -q 2>/dev/null |
				tr '\r' '\n' | sed -n "s/^\(SET\|GET\): *\([0-9.]*\) requests.*/$m-\1 \2 $i/p" \
				>>"$tmp/redis"
			c1=$(cpu_of "$rp") t1=$(cpu_of $tp)
			note "$tmp/redis.cpu" $m $i 200000 "$c0" "$c1" "$t0" "$t1"
			redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
			wait $srv 2>/dev/null || true
			srv=0
			sizes $m "$tmp/redis.sizes"
			rm -f "$tmp/t.trace"
		done
	done
	echo "redis-server under redis-benchmark -n 100000 -c 20 -t set,get" \
		"(requests/s, median of $runs, min-max)"
	for m in $modes; do
		printf '  %-18s' "$(label $m)"
		for t in SET GET; do
			v=$(median "$tmp/redis" $m-$t)
			printf ' %s %24s %7s' $t "$v ($(spread "$tmp/redis" $m-$t))" \
				"$([ $m = bare ] || pct "$v" "$(median "$tmp/redis" bare-$t)")"
		done
		echo
	done
	report "$tmp/redis.cpu" redis-server
	say_sizes "$tmp/redis.sizes"
else
	echo "redis: not installed and could not be (apt-get install redis-server redis-tools)"
fi

echo
if [ "${servers#*nginx}" = "$servers" ]; then
	echo "nginx: left out (MACRO_SERVERS)"
elif want nginx nginx-light && want wrk wrk; then
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
			master=$(cat "$tmp/nginx.pid")
			# shellcheck disable=SC2046
			pids="$master $(pgrep -P "$master" | tr '\n' ' ')"
			tp=$srv
			[ $m != bare ] || tp=
			# shellcheck disable=SC2086
			c0=$(cpu_of $pids) t0=$(cpu_of $tp)
			wrk -t2 -c20 -d"${secs}s" "http://127.0.0.1:$port/" >"$tmp/wrk.out" 2>/dev/null || true
			# shellcheck disable=SC2086
			c1=$(cpu_of $pids) t1=$(cpu_of $tp)
			sed -n "s/^Requests\/sec: *\([0-9.]*\)/$m \1 $i/p" "$tmp/wrk.out" >>"$tmp/nginx"
			req=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$tmp/wrk.out")
			note "$tmp/nginx.cpu" $m $i "${req:-0}" "$c0" "$c1" "$t0" "$t1"
			kill -QUIT "$master" 2>/dev/null || true
			wait $srv 2>/dev/null || true
			srv=0
			sizes $m "$tmp/nginx.sizes"
			rm -f "$tmp/t.trace"
		done
	done
	echo "nginx (2 workers) under wrk -t2 -c20 -d${secs}s (requests/s, median of $runs, min-max)"
	for m in $modes; do
		v=$(median "$tmp/nginx" $m)
		printf '  %-18s %24s %7s\n' "$(label $m)" "$v ($(spread "$tmp/nginx" $m))" \
			"$([ $m = bare ] || pct "$v" "$(median "$tmp/nginx" bare)")"
	done
	report "$tmp/nginx.cpu" "nginx (master and workers)"
	say_sizes "$tmp/nginx.sizes"
else
	echo "nginx/wrk: not installed and could not be (apt-get install nginx-light wrk)"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
