#!/bin/sh
# make bench: the micro benchmark bare, under socklens (collector
# attached), under socklens with its collector stopped (SIGSTOP), and
# under strace, RUNS times each, interleaved; prints medians and ratios.
# Then callgrind instruction counts per call, bare and traced: the figure
# that does not move with the machine's noise.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
runs=${RUNS:-5}
tmp=$(mktemp -d)
trap 'kill $col 2>/dev/null || true; rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/micro" "$root/tests/bench/micro.c"
col=0

"$build/socklens" collect -s "$tmp/stopped.sock" -o "$tmp/stopped.trace" 2>/dev/null &
col=$!
while [ ! -S "$tmp/stopped.sock" ]; do sleep 0.01; done
kill -STOP $col

for i in $(seq "$runs"); do
	"$tmp/micro" >>"$tmp/bare"
	"$build/socklens" run -q -o "$tmp/t.trace" -- "$tmp/micro" >>"$tmp/traced"
	SOCKLENS_SOCKET="$tmp/stopped.sock" LD_PRELOAD="$build/libsocklens.so" \
		"$tmp/micro" >>"$tmp/stopped"
	if command -v strace >/dev/null; then
		strace -f -e trace=network,epoll_wait,close,read -o /dev/null \
			"$tmp/micro" -n 10 >>"$tmp/strace"
	fi
done
kill -CONT $col

median() {	# file case
	grep "^$2 " "$1" | awk '{print $2}' | sort -n |
		awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'
}
printf '%-26s %10s %10s %10s %10s %9s %9s\n' case bare socklens stopped strace \
	"sl/bare" "strace/bare"
for c in $(awk '{print $1}' "$tmp/bare" | sort -u); do
	b=$(median "$tmp/bare" "$c")
	t=$(median "$tmp/traced" "$c")
	s=$(median "$tmp/stopped" "$c")
	st=$( [ -f "$tmp/strace" ] && median "$tmp/strace" "$c" || echo -)
	printf '%-26s %10s %10s %10s %10s %9s %9s\n' "$c" "$b" "$t" "$s" "$st" \
		"$(awk -v a="$t" -v b="$b" 'BEGIN{printf "%.2f", a/b}')" \
		"$(awk -v a="$st" -v b="$b" 'BEGIN{if (a=="-") print "-"; else printf "%.1f", a/b}')"
done
echo "(ns per operation, median of $runs runs; strace: -f -e trace=network,epoll_wait,close,read)"

if command -v valgrind >/dev/null; then
	echo
	echo "callgrind: instructions per operation, marginal (two run lengths, so"
	echo "one-time costs cancel): bare, traced, added by socklens"
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
	for spec in socket+close:20000 "send+recv(1B):50000" \
		"epoll_wait(0)x64:200000" "read(non-socket):200000"; do
		c=${spec%:*} n=${spec#*:}
		d=$(( $(ops "$n" 10) - $(ops "$n" 20) ))
		b=$(( $(cg bare 10 "$c") - $(cg bare 20 "$c") ))
		t=$(( $(cg traced 10 "$c") - $(cg traced 20 "$c") ))
		printf '  %-24s %8d %8d %8d\n' "$c" $((b / d)) $((t / d)) $(((t - b) / d))
	done
fi
