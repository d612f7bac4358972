#!/bin/sh
# What peek (preload/peek.c) costs nginx per request: callgrind
# instructions of nginx (one worker, master_process off) serving a
# 612-byte page to wrk (keep-alive, -c4 -t1), traced with peek on and
# with SOCKLENS_NO_PEEK=1. Marginal: each mode runs for 1 and for D
# seconds, and the difference in instructions is divided by the
# difference in requests wrk made, so that start-up cancels. Not a test.
#
# usage: waterfall_nginx.sh BUILD_DIR [D]   (seconds, default 5)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
secs=${2:-5}
for c in valgrind nginx wrk curl; do
	command -v $c >/dev/null || { echo "  ($c missing: skipped)"; exit 0; }
done
tmp=$(mktemp -d)
pid=0
trap '[ $pid = 0 ] || kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=$((30000 + $$ % 20000))
mkdir -p "$tmp/www" "$tmp/logs"
head -c 612 /dev/zero | tr '\0' x >"$tmp/www/index.html"
sed -e "s|@DIR@|$tmp|g" -e "s|@PORT@|$port|g" \
	-e 's|^worker_processes 2;|worker_processes 1; master_process off;|' \
	"$root/tests/e2e/nginx.conf.in" >"$tmp/nginx.conf"

cg() {	# peek|nopeek seconds: "requests instructions"
	vars=SOCKLENS_X=0
	[ "$1" = nopeek ] && vars=SOCKLENS_NO_PEEK=1
	rm -f "$tmp/nginx.pid" "$tmp/cg"
	env $vars "$build/socklens" run -q -o "$tmp/t.trace" -- valgrind \
		--tool=callgrind --callgrind-out-file="$tmp/cg" nginx \
		-c "$tmp/nginx.conf" -p "$tmp" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 600); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
	[ -s "$tmp/nginx.pid" ] || { echo "nginx did not start" >&2; exit 1; }
	req=$(wrk -t1 -c4 -d"$2s" "http://127.0.0.1:$port/" 2>/dev/null |
		sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
	kill -QUIT "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
	wait $pid || true
	pid=0
	ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$tmp/cg" | head -n 1)
	[ -z "${KEEP_CG:-}" ] || cp "$tmp/cg" "$KEEP_CG.$1"
	echo "$req $ir"
}

echo "  nginx, 612-byte page, keep-alive, instructions per request (marginal):"
for m in peek nopeek; do
	set -- $(cg $m 1) $(cg $m "$secs")
	echo "    $m: $(( ($4 - $2) / ($3 - $1) )) ($1 and $3 requests)"
done
