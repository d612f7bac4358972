# No system call publishes a record (issue 15, "No flush"; preload/README.md,
# "Records and lanes"): a traced program's records go into its lanes of
# the shared memory, so the sendmsg/sendto calls it makes on the
# collector's connection (the hello, the module map, the memory's fd,
# the goodbye) do not grow with the records it makes. strace counts them
# for 50 and for 1000 rounds of tests/helpers/sock_loop (a socketpair, a
# write and a read each way, two closes: 1000 rounds are 3000 records
# and more, past one lane's room): the two counts must be equal, give or
# take the few the collector being slow to read may cost (a full lane
# moves to the next; only all of them full goes to the socket). The
# program makes no sendmsg or sendto of its own, so every one counted is
# ours. The trace must hold every socket.
. "$(dirname "$0")/lib.sh"
need python3
need_pkg strace strace
strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace refused)"

start_collector "$TMP/c.sock" "$TMP/t.trace" "$TMP/collect.log"

count() {	# ROUNDS: our sendmsg/sendto calls in a run of that many rounds
	SOCKLENS_SOCKET="$TMP/c.sock" strace -f -qq -o "$TMP/st.$1" \
		-E LD_PRELOAD="$LIB" -e trace=sendmsg,sendto,sendmmsg \
		"$HELPERS/sock_loop" -n "$1" >"$TMP/out.$1" ||
		fail "sock_loop -n $1 failed under strace"
	[ "$(cat "$TMP/out.$1")" = "$1 rounds" ] ||
		fail "sock_loop -n $1 said: $(cat "$TMP/out.$1")"
	grep -c "send" "$TMP/st.$1" || true
}
few=$(count 50)
many=$(count 1000)
echo "sendmsg/sendto calls: $few for 50 rounds, $many for 1000"
[ "$few" -gt 0 ] || fail "no sendmsg at all: was the preload loaded? $(cat "$TMP/collect.log")"
[ "$many" -le $((few + 4)) ] ||
	fail "1000 rounds made $many sends, 50 rounds $few: records are published by system call ($(grep send "$TMP/st.1000" | head -n 3))"

kill -TERM $col
wait $col || fail "the collector did not exit cleanly"
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/socks.jsonl"
n=$(grep -c . "$TMP/socks.jsonl" || true)
[ "$n" -eq 2100 ] || fail "$n sockets in the trace, want 2100 (2 x 1050 socketpairs)"
"$SL" view "$TMP/t.trace" | grep -q " 0 dropped" || fail "records were dropped"
echo ok
