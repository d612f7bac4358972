#!/bin/sh
# make bench, part 7: what the waterfall's looks cost (preload/peek.c,
# preload/tcpinfo.c), in callgrind instructions per operation of
# tests/bench/waterfall_cost.c: bare, traced (peek and TCP_INFO on),
# traced with SOCKLENS_NO_PEEK=1, with SOCKLENS_NO_TCP_INFO=1, and with
# both off. Marginal, as run.sh's callgrind part: two run lengths, so that
# one-time costs cancel. Not a test: it prints.
#
# usage: waterfall.sh BUILD_DIR
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
command -v valgrind >/dev/null || { echo "  (valgrind missing: skipped)"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/wc" "$root/tests/bench/waterfall_cost.c"

cg() {	# mode scale case
	case $1 in
	on) vars="SOCKLENS_X=0" ;;
	nopeek) vars="SOCKLENS_NO_PEEK=1" ;;
	notcpinfo) vars="SOCKLENS_NO_TCP_INFO=1" ;;
	off) vars="SOCKLENS_NO_PEEK=1 SOCKLENS_NO_TCP_INFO=1" ;;
	*) vars="" ;;
	esac
	if [ "$1" = bare ]; then
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" \
			"$tmp/wc" -n "$2" "$3" >/dev/null 2>&1
	else
		# shellcheck disable=SC2086
		env $vars "$build/socklens" run -q -o "$tmp/cg.trace" -- valgrind \
			--tool=callgrind --callgrind-out-file="$tmp/cg" \
			"$tmp/wc" -n "$2" "$3" >/dev/null 2>&1
	fi
	sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$tmp/cg" | head -n 1
}
ops() {	# base_n scale: warm-up plus measured iterations
	echo $(( $1 / 10 / $2 + 1 + $1 / $2 + 1 ))
}

printf '  %-18s %8s %8s %8s %8s %8s\n' case bare traced no-peek no-tcpinfo "both off"
for spec in connect+accept:2000 "http(keepalive):20000" "http(conn):2000"; do
	c=${spec%:*} n=${spec#*:}
	d=$(( $(ops "$n" 10) - $(ops "$n" 20) ))
	line=$(printf '  %-18s' "$c")
	for mode in bare on nopeek notcpinfo off; do
		x=$(( $(cg $mode 10 "$c") - $(cg $mode 20 "$c") ))
		line="$line $(printf '%8d' $((x / d)))"
	done
	echo "$line"
done
