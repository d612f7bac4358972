#!/bin/sh
# The soak: nginx (2 workers) under wrk with connection churn (each
# connection closed after SOAK_KEEPALIVE requests, default 10), traced by
# `socklens collect` for SOAK_SECONDS (default 180), loopback only. Every
# SOAK_EVERY seconds (default 10) one row: the collector's RSS, the nginx
# workers' RSS (summed; it includes the pages of the shared memory they
# touched), requests/s (nginx's stub_status), records/s and records
# dropped in the interval (read from the trace as it grows), trace bytes
# per request, and the trace's size. What a long run must show: the
# first four flat. Part of make bench (BENCH_SOAK=0 leaves it out), not
# of make check. Prints; does not judge.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
secs=${SOAK_SECONDS:-180}
every=${SOAK_EVERY:-10}
keepalive=${SOAK_KEEPALIVE:-10}
for cmd in nginx wrk curl cc; do
	command -v $cmd >/dev/null || { echo "soak: $cmd is not installed"; exit 0; }
done
tmp=$(mktemp -d)
col=0 srv=0 load=0
cleanup() {
	for p in $load $srv $col; do [ "$p" = 0 ] || kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
port=$((21000 + $$ % 1000))
mkdir -p "$tmp/www" "$tmp/logs"
head -c 612 /dev/zero | tr '\0' x >"$tmp/www/index.html"
chmod 0755 "$tmp" "$tmp/www"
chmod 0644 "$tmp/www/index.html"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log error;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests $keepalive;
	client_body_temp_path $tmp/logs/body;
	proxy_temp_path $tmp/logs/proxy;
	fastcgi_temp_path $tmp/logs/fastcgi;
	uwsgi_temp_path $tmp/logs/uwsgi;
	scgi_temp_path $tmp/logs/scgi;
	server {
		listen 127.0.0.1:$port;
		root $tmp/www;
		location = /status { stub_status; }
	}
}
CONF

"$build/socklens" collect -s "$tmp/c.sock" -o "$tmp/soak.trace" 2>"$tmp/collect.log" &
col=$!
n=0
until [ -S "$tmp/c.sock" ]; do
	n=$((n + 1)); [ $n -lt 500 ] || { echo "soak: collector did not start"; exit 1; }
	sleep 0.01
done
SOCKLENS_SOCKET="$tmp/c.sock" LD_PRELOAD="$build/libsocklens.so" \
	nginx -c "$tmp/nginx.conf" -p "$tmp" >/dev/null 2>&1 &
srv=$!
n=0
until [ -s "$tmp/nginx.pid" ] && curl -sf -o /dev/null "http://127.0.0.1:$port/"; do
	n=$((n + 1)); [ $n -lt 200 ] || { echo "soak: nginx did not start"; exit 1; }
	sleep 0.05
done
master=$(cat "$tmp/nginx.pid")
wrk -t2 -c20 -d"${secs}s" "http://127.0.0.1:$port/" >"$tmp/wrk.out" 2>&1 &
load=$!

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
requests() {
	curl -sf "http://127.0.0.1:$port/status" |
		awk 'NR == 3 { print $3 }'
}

echo "soak: nginx (2 workers, keepalive_requests $keepalive) under wrk -t2 -c20" \
	"for ${secs}s, traced by socklens collect; a row every ${every}s"
printf '%6s %9s %9s %8s %10s %8s %9s %9s\n' t_s collect_MB nginx_MB req/s \
	records/s dropped B/request trace_MB
# The trace as it grows: what each look adds (trace_tail.c).
cc -O2 -D_GNU_SOURCE -I"$root/include" -I"$root/viewer" -o "$tmp/trace_tail" \
	"$root/tests/bench/trace_tail.c" "$build/libsocklens_view.a" -lelf -lm
start=$(date +%s)
tick=$start
last_t=$start
last_req=$(requests)
last_bytes=$(stat -c %s "$tmp/soak.trace")
while kill -0 $load 2>/dev/null; do
	tick=$((tick + every))
	now=$(date +%s)
	[ "$now" -ge "$tick" ] || sleep $((tick - now))
	now=$(date +%s)
	req=$(requests || echo "$last_req")
	bytes=$(stat -c %s "$tmp/soak.trace")
	set -- $("$tmp/trace_tail" "$tmp/soak.trace" "$tmp/tail.state")
	recs=$1 drops=$2
	workers=0
	for w in $(pgrep -P "$master" nginx || true); do
		workers=$((workers + $(rss_kb "$w")))
	done
	dt=$((now - last_t)); [ $dt -gt 0 ] || dt=1
	dreq=$((req - last_req))
	awk -v t=$((now - start)) -v c="$(rss_kb $col)" -v w=$workers \
		-v rq=$dreq -v dt=$dt -v r="$recs" -v d="$drops" \
		-v db=$((bytes - last_bytes)) -v b="$bytes" 'BEGIN {
		printf "%6d %9.1f %9.1f %8.0f %10.0f %8d %9.0f %9.1f\n", t,
			c / 1024, w / 1024, rq / dt, r / dt, d,
			rq ? db / rq : 0, b / 1048576 }'
	last_t=$now last_req=$req last_bytes=$bytes
done
wait $load 2>/dev/null || true
load=0
kill -QUIT "$master" 2>/dev/null || true
wait $srv 2>/dev/null || true
srv=0
kill -TERM $col
wait $col 2>/dev/null || true
col=0
echo "wrk: $(grep -E 'requests in|Requests/sec' "$tmp/wrk.out" | tr -s ' ' | tr '\n' ' ' | sed 's/ *$//')"
"$build/socklens" view "$tmp/soak.trace" 2>/dev/null | grep ' dropped, over ' || true
