#!/bin/sh
# What peek (preload/peek.c) costs a redis-server per request, once its
# connections are known to speak RESP: callgrind instructions of the
# server traced with peek on and with SOCKLENS_NO_PEEK=1, under
# redis-benchmark -c 4 -t get at two request counts, so that start-up
# and the first bytes of each connection cancel. By design the state goes
# back to the pool once the parsers have nothing more to learn, so the
# difference per request should be ~0. Not a test: it prints.
#
# usage: waterfall_redis.sh BUILD_DIR [N]   (N requests, default 20000)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
n=${2:-20000}
for c in valgrind redis-server redis-benchmark redis-cli; do
	command -v $c >/dev/null || { echo "  ($c missing: skipped)"; exit 0; }
done
tmp=$(mktemp -d)
pid=0
trap '[ $pid = 0 ] || kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=$((20000 + $$ % 20000))

cg() {	# peek|nopeek requests: the server's instructions
	vars=SOCKLENS_X=0
	[ "$1" = nopeek ] && vars=SOCKLENS_NO_PEEK=1
	env $vars "$build/socklens" run -q -o "$tmp/t.trace" -- valgrind \
		--tool=callgrind --callgrind-out-file="$tmp/cg" redis-server \
		--port $port --save '' --appendonly no >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 300); do
		redis-cli -p $port ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-benchmark -p $port -c 4 -n "$2" -t get -q >/dev/null 2>&1
	redis-cli -p $port shutdown nosave >/dev/null 2>&1 || true
	wait $pid || true
	pid=0
	sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$tmp/cg" | head -n 1
	# and what peek's feed itself cost, inclusive, into a file
	callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg" 2>/dev/null |
		awk '/sl_peek_feed_iov \[/ { x = $1; gsub(",", "", x); print x; exit }' \
			>"$tmp/feed.$1.$2"
}

half=$((n / 2))
on=$(( $(cg peek "$n") - $(cg peek "$half") ))
off=$(( $(cg nopeek "$n") - $(cg nopeek "$half") ))
printf '  redis GET, server instructions per request (marginal, %d - %d):\n' "$n" "$half"
printf '    peek on %d, --no-peek %d, peek costs %d\n' $((on / (n - half))) \
	$((off / (n - half))) $(( (on - off) / (n - half) ))
feed() { v=$(cat "$tmp/feed.$1" 2>/dev/null); echo "${v:-0}"; }
printf '    in peek'"'"'s feed (inclusive): %s instructions over %d requests, %s over %d\n' \
	"$(feed peek.$n)" "$n" "$(feed peek.$half)" "$half"
