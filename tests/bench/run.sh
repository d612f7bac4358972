#!/bin/sh
# make bench: what socklens costs, measured in one run against the bare
# program and against strace. Not a test: it prints, it does not judge.
#
#  1. micro: ns per call (tests/bench/micro.c) bare, under socklens
#     (collector attached), under socklens with its collector stopped
#     (SIGSTOP), under strace -f and strace -f --seccomp-bpf; RUNS runs
#     each, interleaved; medians and ratios.
#  2. callgrind: instructions per call, bare and traced, the figure that
#     does not move with the machine's noise; and per call of the stream
#     sniffers alone (tests/bench/sniff_cost.c).
#     clock: ns per read of the preload's clock (sl_now_ns, from the TSC)
#     against clock_gettime, and how far it strays (tests/bench/clock_cost.c).
#  3. collector: records/s from 4 writer processes (tests/bench/ingest.c)
#     and per second of the collector's CPU; trace bytes per record.
#  4. viewer: time and peak memory of view, export -f sockets, export -f
#     html and audit on a synthetic trace of 100k sockets, 1M events,
#     packed (trace file version 2); view and export -f sockets on the
#     same batches plain (version 1), runs alternating, VIEW_RUNS
#     (default 7); bytes per record of both (tests/bench/trace_pack.c).
#  5. macro: redis-benchmark and nginx+wrk, bare, traced and under strace:
#     requests/s and the servers' CPU time per request (at least 7 rounds),
#     and the traces' bytes per record (tests/bench/macro.sh;
#     BENCH_MACRO=0 leaves it out).
#  6. soak: nginx under wrk with connection churn, traced for
#     SOAK_SECONDS (tests/bench/soak.sh; BENCH_SOAK=0 leaves it out).
#  7. waterfall: callgrind instructions per connect+accept and per HTTP
#     exchange, with peek and TCP_INFO on and off (tests/bench/waterfall.sh;
#     BENCH_WATERFALL=0 leaves it out).
#
# RUNS (default 5) sets the repetitions. BENCH_CLOCK=cpu times the micro
# cases by the thread's CPU clock (micro -c): on a loaded machine the
# time spent waiting for a CPU is left out. The machines are shared and
# noisy: read the medians, and callgrind for small differences.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
runs=${RUNS:-5}
mf=
[ "${BENCH_CLOCK:-wall}" = cpu ] && mf=-c
tmp=$(mktemp -d)
col=0
trap '[ $col = 0 ] || kill $col 2>/dev/null || true; rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/micro" "$root/tests/bench/micro.c"
cc -O2 -D_GNU_SOURCE -I"$root/include" -I"$root/tests/unit" -o "$tmp/ingest" \
	"$root/tests/bench/ingest.c"
cc -O2 -D_GNU_SOURCE -I"$root/include" -I"$root/viewer" -o "$tmp/trace_pack" \
	"$root/tests/bench/trace_pack.c" "$build/libsocklens_view.a" -lelf -lm
strace_filter="-f -e trace=network,epoll_wait -o /dev/null"
have_strace=0
command -v strace >/dev/null && have_strace=1
have_bpf=0
[ $have_strace = 1 ] && strace --seccomp-bpf -f -o /dev/null true 2>/dev/null && have_bpf=1

median() {	# file case
	grep "^$2 " "$1" 2>/dev/null | awk '{print $2}' | sort -n |
		awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'
}
ratio() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN{if (a=="-"||b=="-"||b==0) print "-"; else printf f, a/b}'; }

echo "socklens bench, $(date -u +%Y-%m-%d), $(uname -m), $(nproc) cores," \
	"$(sed -n 's/^model name.*: //p' /proc/cpuinfo | head -n 1)"
echo

# 1. micro
"$build/socklens" collect -s "$tmp/stopped.sock" -o "$tmp/stopped.trace" 2>/dev/null &
col=$!
while [ ! -S "$tmp/stopped.sock" ]; do sleep 0.01; done
kill -STOP $col
for i in $(seq "$runs"); do
	"$tmp/micro" $mf >>"$tmp/bare"
	"$build/socklens" run -q -o "$tmp/t.trace" -- "$tmp/micro" $mf >>"$tmp/traced"
	SOCKLENS_SOCKET="$tmp/stopped.sock" LD_PRELOAD="$build/libsocklens.so" \
		"$tmp/micro" $mf >>"$tmp/stopped"
	if [ $have_strace = 1 ]; then
		# shellcheck disable=SC2086
		strace $strace_filter "$tmp/micro" $mf -n 10 >>"$tmp/strace"
	fi
	if [ $have_bpf = 1 ]; then
		# shellcheck disable=SC2086
		strace --seccomp-bpf $strace_filter "$tmp/micro" $mf -n 10 >>"$tmp/bpf"
	fi
	rm -f "$tmp/t.trace"
done
kill -CONT $col
kill $col
wait $col 2>/dev/null || true
col=0

printf '%-24s %9s %9s %9s %10s %10s %7s %8s %8s\n' "ns/op" bare socklens stopped \
	strace "strace-bpf" "sl/bare" "+ns" "st/bare"
for c in $(awk '{print $1}' "$tmp/bare" | sort -u); do
	b=$(median "$tmp/bare" "$c")
	t=$(median "$tmp/traced" "$c")
	s=$(median "$tmp/stopped" "$c")
	st=$(median "$tmp/strace" "$c")
	bp=$(median "$tmp/bpf" "$c")
	printf '%-24s %9s %9s %9s %10s %10s %7s %8s %8s\n' "$c" "$b" "$t" "$s" "$st" "$bp" \
		"$(ratio "$t" "$b" %.2f)" "$(awk -v a="$t" -v b="$b" 'BEGIN{printf "%+.0f", a-b}')" \
		"$(ratio "$st" "$b" %.0f)"
done
echo "(median of $runs runs, ${BENCH_CLOCK:-wall} clock; strace $strace_filter, strace-bpf adds --seccomp-bpf)"
# Bare is the program with nothing added: socket+close traced over the
# same loop bare is everything socklens adds, its identity included.
t=$(median "$tmp/traced" socket+close)
b=$(median "$tmp/bare" socket+close)
echo "socket+close: socklens adds" \
	"$(awk -v a="$t" -v b="$b" 'BEGIN{printf "%+.0f", a-b}') ns for its two recorded calls"

# 2. callgrind
if command -v valgrind >/dev/null; then
	echo
	echo "callgrind instructions per operation (marginal: two run lengths, so"
	echo "one-time costs cancel)"
	printf '  %-24s %8s %8s %8s\n' case bare traced added
	cg() {	# mode scale case
		if [ "$1" = bare ]; then
			valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" \
				"$tmp/micro" -n "$2" "$3" >/dev/null 2>&1
		else
			"$build/socklens" run -q -o "$tmp/cg.trace" -- valgrind \
				--tool=callgrind --callgrind-out-file="$tmp/cg" \
				"$tmp/micro" -n "$2" "$3" >/dev/null 2>&1
		fi
		sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$tmp/cg" | head -n 1
	}
	ops() {	# base_n scale: warm-up plus measured iterations
		echo $(( $1 / 10 / $2 + 1 + $1 / $2 + 1 ))
	}
	for spec in socket+close:20000 socket+setsockopt+close:20000 \
		connect+accept:2000 "send+recv(1B):50000" "epoll_wait(0)x64:200000" \
		"epoll_wait(ready):50000" \
		"read(non-socket):200000"; do
		c=${spec%:*} n=${spec#*:}
		d=$(( $(ops "$n" 10) - $(ops "$n" 20) ))
		b=$(( $(cg bare 10 "$c") - $(cg bare 20 "$c") ))
		t=$(( $(cg traced 10 "$c") - $(cg traced 20 "$c") ))
		printf '  %-24s %8d %8d %8d\n' "$c" $((b / d)) $((t / d)) $(((t - b) / d))
		echo "$c $(((t - b) / d))" >>"$tmp/cg.added"
	done
	# Per recorded call, over socket, setsockopt, close, send, recv and
	# an epoll_wait that returns events (the issue's measure).
	awk '{a[$1] = $2} END {printf "  added per recorded call (socket, setsockopt, close, send, recv, epoll_wait with events): %.0f\n", \
		(a["socket+setsockopt+close"] + a["send+recv(1B)"] + a["epoll_wait(ready)"]) / 6}' "$tmp/cg.added"

	# The stream sniffers alone, on chunks of real captures.
	echo
	echo "stream sniffers (preload/sniff*.c): instructions per sl_sniff_feed call"
	cc -O2 -D_GNU_SOURCE -I"$root/include" -I"$root/preload" -I"$root/tests/unit" \
		-o "$tmp/sniff_cost" "$root/tests/bench/sniff_cost.c" "$root"/preload/sniff_*.c
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cgs" "$tmp/sniff_cost" \
		>"$tmp/sniff_calls" 2>/dev/null
	callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cgs" 2>/dev/null | awk -v calls="$tmp/sniff_calls" '
		BEGIN { while ((getline l < calls) > 0) { split(l, f, " ")
			if (f[1] == "probe") n[f[2]] = f[3] } }
		{ for (p in n) if ($0 ~ (":" p " ")) { x = $1; gsub(",", "", x)
			printf "  %-24s %8d\n", p, x / n[p] } }'
fi

# The clock: one read per recorded call, from the TSC against the vDSO.
echo
cc -std=c11 -O2 -D_GNU_SOURCE -I"$root/include" -I"$root/preload" -o "$tmp/clock_cost" \
	"$root/tests/bench/clock_cost.c" "$root/preload/clock.c"
"$tmp/clock_cost"

# 3. collector
echo
echo "collector ingest: 4 writer processes x 5000 full batches (1.36M records),"
echo "on the socket, and through shared memory, record by record into lanes as the preload writes them"
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for i in $(seq "$runs"); do
	for mode in socket ring; do
		rm -f "$tmp/i.sock" "$tmp/i.trace"
		"$build/socklens" collect -s "$tmp/i.sock" -o "$tmp/i.trace" 2>/dev/null &
		col=$!
		while [ ! -S "$tmp/i.sock" ]; do sleep 0.01; done
		c0=$(cpu_of $col)
		# shellcheck disable=SC2046
		out=$("$tmp/ingest" "$tmp/i.sock" 4 5000 $([ $mode = ring ] && echo ring))
		c1=$(cpu_of $col)
		kill $col
		wait $col 2>/dev/null || true
		col=0
		echo "$out" | awk -v cpu=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
			-v bytes="$(stat -c %s "$tmp/i.trace")" -v m=$mode \
			'{printf "%s-wall %.0f\n%s-cpu %.0f\n%s-bytes %.1f\n", m, $2 / $4, \
			  m, cpu ? $2 / (cpu / hz) : 0, m, bytes / $2}' >>"$tmp/ingest.out"
	done
done
printf '  %-52s %10s %10s\n' "" socket ring
printf '  %-52s %10s %10s\n' "records/s (wall, writers and collector on $(nproc) cores)" \
	"$(median "$tmp/ingest.out" socket-wall)" "$(median "$tmp/ingest.out" ring-wall)"
printf '  %-52s %10s %10s\n' "records per second of collector CPU" \
	"$(median "$tmp/ingest.out" socket-cpu)" "$(median "$tmp/ingest.out" ring-cpu)"
printf '  %-52s %10s %10s\n' "trace bytes per record" \
	"$(median "$tmp/ingest.out" socket-bytes)" "$(median "$tmp/ingest.out" ring-bytes)"
rm -f "$tmp/i.trace"

# 4. viewer
echo
echo "viewer on a synthetic trace: 100k sockets, 1M events (tests/bench/gen_trace.py)"
view_runs=${VIEW_RUNS:-7}
python3 "$root/tests/bench/gen_trace.py" "$tmp/big1.trace" 100000 10 10
"$tmp/trace_pack" "$tmp/big1.trace" "$tmp/big.trace"
timed() {	# command... : "secs S" and "rss MB" lines
	python3 - "$build/socklens" "$@" <<'PY'
import os, sys, time
t = time.monotonic()
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
print("secs %.3f" % (time.monotonic() - t))
print("cpu %.3f" % (ru.ru_utime + ru.ru_stime))
print("rss %d" % (ru.ru_maxrss // 1024))
PY
}
# CPU seconds beside the wall's: on a loaded machine they are the steadier.
printf '  %-20s %8s %8s %10s %14s\n' command seconds "CPU s" "peak RSS" "plain: s, CPU s"
for cmd in "view" "export -f sockets" "export -f html" "audit"; do
	for i in $(seq "$view_runs"); do
		# shellcheck disable=SC2086
		timed $cmd "$tmp/big.trace" >>"$tmp/viewer.out"
		case $cmd in view|"export -f sockets")
			# shellcheck disable=SC2086
			timed $cmd "$tmp/big1.trace" | sed 's/^/v1-/' >>"$tmp/viewer.out" ;;
		esac
	done
	printf '  %-20s %8s %8s %7s MB %7s %7s\n' "$cmd" "$(median "$tmp/viewer.out" secs)" \
		"$(median "$tmp/viewer.out" cpu)" "$(median "$tmp/viewer.out" rss)" \
		"$(median "$tmp/viewer.out" v1-secs)" "$(median "$tmp/viewer.out" v1-cpu)"
	rm -f "$tmp/viewer.out"
done
set -- $("$tmp/trace_pack" "$tmp/big.trace")
echo "  packed: $2 bytes, $(awk -v b="$2" -v r="$1" 'BEGIN{printf "%.1f", b / r}') bytes per record;" \
	"plain: $3 bytes, $(awk -v b="$3" -v r="$1" 'BEGIN{printf "%.1f", b / r}'); $1 records" \
	"(medians of $view_runs runs, packed and plain alternating)"
rm -f "$tmp/big.trace" "$tmp/big1.trace"

# 5. macro
if [ "${BENCH_MACRO:-1}" != 0 ]; then
	echo
	BUILD=$build RUNS=$runs TRACE_PACK="$tmp/trace_pack" \
		sh "$root/tests/bench/macro.sh"
fi

# 6. soak
if [ "${BENCH_SOAK:-1}" != 0 ]; then
	echo
	BUILD=$build sh "$root/tests/bench/soak.sh"
fi

# 7. waterfall: the cost of peek and TCP_INFO (tests/bench/waterfall.sh)
if [ "${BENCH_WATERFALL:-1}" != 0 ]; then
	echo
	echo "waterfall (preload/peek.c, tcpinfo.c): callgrind instructions per operation"
	sh "$root/tests/bench/waterfall.sh" "$build"
fi
