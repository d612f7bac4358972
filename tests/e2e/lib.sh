# Shared by the end-to-end tests: paths, a scratch directory removed on
# exit, skipping (exit 77 with the reason), and comparing scrubbed
# output with an expected file.
set -eu
: "${SL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SL_BUILD:=$SL_ROOT/build}"
SL="$SL_BUILD/socklens"
LIB="$SL_BUILD/libsocklens.so"
SAMPLES="$SL_BUILD/samples"
HELPERS="$SL_BUILD/tests/helpers"
EXPECTED="$SL_ROOT/tests/e2e/expected"
TMP=$(mktemp -d)
# Waits below are bounded in rounds of 10 ms, times this (run_all.sh).
: "${SL_TIMEOUT_SCALE:=1}"
export NO_COLOR=1
cleanup_hooks=""
on_exit() { eval "$cleanup_hooks"; rm -rf "$TMP"; }
trap on_exit EXIT

skip() { echo "skipped: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# Kills PID at exit if it still runs (only processes the test started).
reap_at_exit() { cleanup_hooks="$cleanup_hooks kill $1 2>/dev/null || true;"; }

# scrub_sockets TRACE: the sockets export with what changes from run to
# run (pids, ports, inodes, times) replaced, one line per socket, sorted.
scrub_sockets() {
	"$SL" export -f sockets "$1" | python3 "$SL_ROOT/tests/e2e/scrub.py"
}

# expect NAME ACTUAL_FILE: compare with tests/e2e/expected/NAME.
expect() {
	if [ "${SL_ACCEPT:-}" = 1 ]; then
		cp "$2" "$EXPECTED/$1"
		echo "accepted $EXPECTED/$1"
	fi
	if ! diff -u "$EXPECTED/$1" "$2"; then
		echo "to accept: cp $2 $EXPECTED/$1" >&2
		fail "$1 differs from the expected output"
	fi
}

# Waits for a file to be non-empty (a server's port file).
wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -lt $((1000 * SL_TIMEOUT_SCALE)) ] || fail "timed out waiting for $1"
		sleep 0.01
	done
}

# start_collector SOCK TRACE LOG: `socklens collect` in the background,
# killed at exit; returns once its socket is there, its pid in $col.
start_collector() {
	"$SL" collect -s "$1" -o "$2" 2>"$3" &
	col=$!
	reap_at_exit $col
	i=0
	while [ ! -S "$1" ]; do
		i=$((i + 1)); [ $i -lt $((500 * SL_TIMEOUT_SCALE)) ] ||
			fail "collector did not start"
		sleep 0.01
	done
}

need() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }

# need_pkg CMD PACKAGE...: CMD, installed from Debian's PACKAGEs if it is
# missing and we may (root with apt-get); skipped with the reason if not.
need_pkg() {
	cmd=$1
	shift
	if ! command -v "$cmd" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
		command -v apt-get >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" \
			>/dev/null 2>&1 || true
	fi
	command -v "$cmd" >/dev/null 2>&1 ||
		skip "$cmd is not installed and could not be (apt-get install $*)"
}

# A free port below the ephemeral range (tests/README.md, "Ports"), from
# OFFSET and this shell's pid, so parallel runs do not collide.
test_port() { echo $((20000 + ($$ % 1200) * 10 + ${1:-0})); }
