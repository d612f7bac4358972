# The strace oracle (tests/oracle/README.md): the checker's self-test,
# then every program of tests/oracle/corpus.txt run under strace -f -yy
# with the preload in it, compared socket by socket with what socklens
# says. Prints, per program, the facts compared and every mismatch; fails
# on any mismatched fact. Sockets the preload named are matched by their
# alias or their creation (tests/oracle/compare.py, unname). A program
# whose commands cannot be had is skipped with the reason; the test is
# skipped only when all are.
. "$(dirname "$0")/lib.sh"
need python3
need_pkg strace strace
oracle="$SL_ROOT/tests/oracle"

python3 "$oracle/test_checker.py" 2>&1 || fail "the oracle's checker fails its self-test"

# What the corpus needs, installed from Debian where we may (root, and no
# other apt-get or dpkg at work); the rest is reported by oracle.py.
python3 "$oracle/oracle.py" needs | while read -r name cmd pkg; do
	command -v "$cmd" >/dev/null 2>&1 && continue
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || continue
	if pgrep -x apt-get >/dev/null || pgrep -x dpkg >/dev/null; then
		echo "$name: $cmd missing and apt-get is busy: not installing $pkg"
		continue
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
		echo "$name: apt-get install $pkg failed"
done

# Each program's files (strace output, trace, exports) stay in the build
# tree for a look after a failure.
keep="$SL_BUILD/oracle-runs"
rm -rf "$keep"
rc=0
python3 "$oracle/oracle.py" run --keep "$keep" || rc=$?
# The default names sockets without fstat (preload/README.md, "Socket
# names"); the fork and exec heavy programs once more with every socket
# named by its kernel inode (SOCKLENS_INODE=1), as --inode users see it.
SOCKLENS_INODE=1 python3 "$oracle/oracle.py" run --keep "$keep/inode" \
	socat-tcp-fork socat-unix redis || rc=$?
exit $rc
