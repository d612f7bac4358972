# Records are published as they are written (include/socklens/ring.h):
# nothing a thread does afterwards can hold them back.
#  - cond: a thread makes its sockets, then parks in pthread_cond_wait
#    for ever while the main thread returns from main (Ruby's pattern):
#    every socket is in the trace, with its bytes;
#  - kill: the same, then a socketpair in the main thread and SIGKILL at
#    once: every socket is in the trace;
#  - spin: the same, with 300 ms of computing and no call between the
#    main thread's socketpair and the SIGKILL.
# tests/helpers/parked.c makes them; each run is traced on its own.
. "$(dirname "$0")/lib.sh"
need python3

for mode in cond kill spin; do
	status=0
	"$SL" run -q -o "$TMP/$mode.trace" -- "$HELPERS/parked" $mode \
		>"$TMP/$mode.out" 2>"$TMP/$mode.err" || status=$?
	[ "$(cat "$TMP/$mode.out")" = ready ] ||
		fail "$mode: the program did not get ready: $(cat "$TMP/$mode.err")"
	case $mode in
	cond) [ $status = 0 ] || fail "cond: exit status $status" ;;
	*) [ $status = 137 ] || fail "$mode: exit status $status, not SIGKILL's" ;;
	esac
	"$SL" export -f sockets "$TMP/$mode.trace" >"$TMP/$mode.jsonl"
	python3 - "$mode" "$TMP/$mode.jsonl" <<'PY'
import json, sys
mode, path = sys.argv[1], sys.argv[2]
socks = [json.loads(l) for l in open(path) if l.strip()]
roles = sorted(s.get("role") for s in socks)
want = 4 if mode == "cond" else 6
if len(socks) != want:
    sys.exit(f"{mode}: {len(socks)} sockets in the trace, want {want}: {roles}")
if "listener" not in roles:
    sys.exit(f"{mode}: the parked thread's listener is missing: {roles}")
if roles.count("pair") != want - 2:
    sys.exit(f"{mode}: {roles.count('pair')} paired sockets, want {want - 2}")
if mode == "cond":
    moved = sorted((s.get("tx_bytes", 0), s.get("rx_bytes", 0))
                   for s in socks if s.get("role") == "pair")
    if moved != [(0, 3), (3, 0)]:
        sys.exit(f"cond: the socketpair's bytes are {moved}, want 3 each way")
PY
	"$SL" view "$TMP/$mode.trace" | grep -q " 0 dropped" ||
		fail "$mode: records were dropped"
done
echo ok
