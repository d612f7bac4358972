# Faults on the I/O calls beyond send and recv (tests/helpers/
# fault_calls.c): sendto/recvfrom, sendmsg/recvmsg, writev/readv,
# sendmmsg/recvmmsg, sendfile/recv, by name and through syscall(), under
# each action for "[tcp client]":
# short (the bytes still arrive whole and in order), fail after a byte
# count (exactly that many pass), delay and limit (the receive phase
# takes at least what they cost), again (a non-blocking client meets
# the EAGAINs), and audit mode (nothing changes); the trace shows each.
# A 10% reset under the same seed falls at the same read twice.
. "$(dirname "$0")/lib.sh"

policy() { printf '[tcp client]\n%b\n' "$1" >"$TMP/p.conf"; }
# calls MODE [nonblock]: the helper under the policy, its lines in
# $TMP/out, the trace's view in $TMP/view.
calls() {
	"$SL" run -q -o "$TMP/t.trace" -p "$TMP/p.conf" $audit \
		"$HELPERS/fault_calls" "$@" >"$TMP/out" ||
		fail "fault_calls $* failed under: $(cat "$TMP/p.conf")"
	[ "$(wc -l <"$TMP/out")" = 5 ] || fail "fault_calls $*: $(cat "$TMP/out")"
	"$SL" view "$TMP/t.trace" >"$TMP/view"
}
# each 'TEST' WHAT: TEST (a shell test on the fields $sends $sent
# $serr $recvs $got $rerr $again $ms $ok) holds for every family.
each() {
	while read -r fam _ sends _ sent _ serr _ recvs _ got _ rerr _ again \
		_ ms ok; do
		eval "[ $1 ]" || fail "$mode $fam: $2: $(grep "^$fam " "$TMP/out")"
	done <"$TMP/out"
}
# shown TEXT: the view shows the rule acting.
shown() { grep -q "$1" "$TMP/view" || fail "$mode: the view lacks '$1'"; }

audit=
for mode in named syscall; do
	policy 'short send 100\nshort recv 10'
	calls $mode
	each '$sends -ge 100 -a $recvs -ge 1000 -a $got = 10000 -a $ok = ok' \
		"short calls"
	shown "short send 100"
	shown "short recv 10"

	policy 'fail send EPIPE after 4k'
	calls $mode
	each '$sent = 4096 -a $serr = EPIPE' "the send reset after 4k"
	shown "fail send EPIPE"

	policy 'fail recv ECONNRESET after 4k'
	calls $mode
	each '$got = 4096 -a $rerr = ECONNRESET -a $ok = ok' \
		"the receive reset after 4k"
	shown "fail recv ECONNRESET"

	# Ten reads of 1000 bytes, 20 ms each at least; 10000 bytes at
	# 20 kB/s (2 kB a read), 0.4 s less the first read's share.
	policy 'delay recv 20ms\nshort recv 1000'
	calls $mode
	each '$recvs -ge 10 -a $ms -ge 200 -a $ok = ok' "delayed reads"
	shown "delay recv 20ms"
	policy 'limit recv 20k/s'
	calls $mode
	each '$ms -ge 300 -a $got = 10000 -a $ok = ok' "the capped reads"
	shown "limit recv"

	policy 'again recv 3\nagain send 2'
	calls $mode nonblock
	each '$again -ge 5 -a $got = 10000 -a $ok = ok' "the EAGAINs"
	shown "again recv 3"
	shown "again send 2"
done

# The same seed, the same faults: where a 10% reset falls among reads
# cut to 100 bytes, for each family, is the same twice.
seeded() {
	printf 'seed %s\n[tcp client]\nshort recv 100\nfail recv ECONNRESET 10%%\n' \
		"$1" >"$TMP/p.conf"
	calls named
	cut -d' ' -f11 "$TMP/out" | tr '\n' ' '
}
mode=seed
a=$(seeded 42)
b=$(seeded 42)
c=$(seeded 43)
[ "$a" = "$b" ] || fail "seed 42 gave bytes $a, then $b"
[ "$a" != "$c" ] || fail "seeds 42 and 43 gave the same bytes $a"
case " $a" in *" 10000 "*" 10000 "*" 10000 "*" 10000 "*" 10000 "*)
	fail "a 10% reset never fell in 100 reads: $a" ;; esac

audit=--audit
policy 'short recv 10\nfail send EPIPE after 4k'
calls syscall
each '$recvs -lt 1000 -a $sent = 10000 -a $serr = - -a $ok = ok' \
	"audit mode changed the calls"
shown "would short recv 10"
echo ok
