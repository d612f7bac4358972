# Malformed records inside well-framed trace files (CRCs recomputed, so
# the damage reaches record validation and the model): view and every
# export must reject or skip them and never crash. 60 fixed seeds over
# traces holding every record type; and 30 of packed frames damaged
# inside (the unpacking).
. "$(dirname "$0")/lib.sh"
need python3

"$SL" run -q -o "$TMP/epoll.trace" -- sh "$SL_ROOT/samples/epoll_scenario.sh" \
	"$SAMPLES" "" 5 >/dev/null 2>&1
"$SL" run -q -o "$TMP/policy.trace" -p "$SL_ROOT/tests/e2e/policies/sockopts.conf" \
	-- "$SAMPLES/sockopts" >/dev/null
"$SL" run -q -o "$TMP/fork.trace" -- sh "$SL_ROOT/samples/fork_scenario.sh" \
	"$SAMPLES" >/dev/null 2>&1
n=0
for src in epoll policy fork; do
	python3 "$SL_ROOT/tests/e2e/mutate_trace.py" "$TMP/$src.trace" \
		"$TMP/m" 1 20
	for seed in $(seq 1 20); do
		for cmd in view "export -f sockets" "export -f jsonl" "export -f epoll"; do
			rc=0
			# shellcheck disable=SC2086
			"$SL" $cmd "$TMP/m.$seed" >/dev/null 2>&1 || rc=$?
			[ $rc -le 1 ] || fail "$cmd crashed (exit $rc) on $src seed $seed"
			n=$((n + 1))
		done
	done
	# Packed frames damaged inside, CRCs recomputed: the unpacking must
	# refuse what does not unpack, as a torn tail.
	python3 "$SL_ROOT/tests/e2e/mutate_trace.py" --packed "$TMP/$src.trace" \
		"$TMP/p" 1 10
	for seed in $(seq 1 10); do
		for cmd in view "export -f jsonl"; do
			rc=0
			# shellcheck disable=SC2086
			"$SL" $cmd "$TMP/p.$seed" >/dev/null 2>&1 || rc=$?
			[ $rc -le 1 ] || fail "$cmd crashed (exit $rc) on packed $src seed $seed"
			n=$((n + 1))
		done
	done
done
echo "ok ($n runs on mutated traces)"
