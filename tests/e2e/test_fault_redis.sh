# redis-benchmark meets a slow peer: `delay recv 10ms` on redis-server's
# connections ([tcp server]) moves the benchmark's latency report by the
# delay (its fastest of 200 requests takes 10 ms and more, against well
# under that bare and in audit mode, where the trace says what would have
# been done); the same rule on the benchmark's own end
# ([tcp remote ...]) moves it the same way: its socket is reported
# readable the delay after the reply came, and redis-benchmark takes a
# request's latency at that event.
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
	skip "redis-server or redis-benchmark is not installed"

port=$(test_port 3)
# server [socklens run args...]: redis-server on $port, traced when
# arguments are given, killed at exit.
server() {
	if [ $# -gt 0 ]; then
		"$SL" run -q -o "$TMP/srv.trace" "$@" -- redis-server --port "$port" \
			--bind 127.0.0.1 --save "" --appendonly no --daemonize no \
			--loglevel warning >/dev/null 2>&1 &
	else
		redis-server --port "$port" --bind 127.0.0.1 --save "" \
			--appendonly no --daemonize no --loglevel warning \
			>/dev/null 2>&1 &
	fi
	srv=$!
	reap_at_exit $srv
	i=0
	until redis-cli -p "$port" ping >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 250 ] || fail "redis-server did not start on $port"
		sleep 0.02
	done
}
stop() {
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
	wait $srv 2>/dev/null || true
}
# bench [socklens run args...]: 200 requests on one connection; sets
# $rps $avg $min (ms) from its CSV line.
bench() {
	if [ $# -gt 0 ]; then
		"$SL" run -q -o "$TMP/cli.trace" "$@" -- redis-benchmark -p "$port" \
			-n 200 -c 1 -t ping_mbulk --csv >"$TMP/b.csv"
	else
		redis-benchmark -p "$port" -n 200 -c 1 -t ping_mbulk --csv >"$TMP/b.csv"
	fi || fail "redis-benchmark failed: $(cat "$TMP/b.csv")"
	line=$(grep '^"PING_MBULK"' "$TMP/b.csv" | tr -d '"' | tr ',' ' ')
	[ -n "$line" ] || fail "redis-benchmark printed no result: $(cat "$TMP/b.csv")"
	set -- $line
	rps=$2 avg=$3 min=$4
	echo "$what: $rps requests/s, latency avg $avg ms, min $min ms"
}
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

printf '[tcp server]\ndelay recv 10ms\n' >"$TMP/server.conf"
printf '[tcp remote 127.0.0.1 port %s]\ndelay recv 10ms\n' "$port" >"$TMP/client.conf"

what=bare
server
bench
below "$min" 10 || fail "bare, the fastest request took $min ms"
stop

what="server delayed"
server -p "$TMP/server.conf"
bench
below "$min" 10 && fail "the server's delayed reads left a request at $min ms"
stop
"$SL" view "$TMP/srv.trace" | grep -q "delay recv 10ms" ||
	fail "the server's trace does not show the delay"

what="server, audit"
server -p "$TMP/server.conf" --audit
bench
below "$min" 10 || fail "audit mode delayed every request (min $min ms)"
stop
"$SL" view "$TMP/srv.trace" | grep -q "would delay recv 10ms" ||
	fail "the audit trace does not say what would have been done"

what="client delayed"
server
bench -p "$TMP/client.conf"
below "$min" 10 && fail "the client's delayed reads left a request at $min ms"
stop
"$SL" view "$TMP/cli.trace" | grep -q "delay recv 10ms" ||
	fail "the client's trace does not show the delay"
echo ok
