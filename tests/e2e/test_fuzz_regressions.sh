# Inputs that once crashed a fuzz harness (tests/fuzz/regressions/NAME/)
# go through that harness again, built without libFuzzer. With none kept
# yet, each harness replays one real input, so the replay itself is tested.
. "$(dirname "$0")/lib.sh"

"$SL" run -q -o "$TMP/t.trace" -- "$SAMPLES/sockopts" >/dev/null
for name in wire trace policy elf sniff; do
	bin="$SL_BUILD/tests/replay_$name"
	[ -x "$bin" ] || fail "no replay harness $bin"
	set --
	for f in "$SL_ROOT/tests/fuzz/regressions/$name"/*; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	case $name in
	wire|trace) set -- "$@" "$TMP/t.trace" ;;
	policy) set -- "$@" "$SL_ROOT/samples/policies/example.conf" ;;
	elf) set -- "$@" "$SAMPLES/sockopts" ;;
	sniff) set -- "$@" "$SL_ROOT"/tests/fuzz/seeds/sniff/* ;;
	esac
	"$bin" "$@" >"$TMP/out" || fail "$name: $(cat "$TMP/out")"
done
echo ok
