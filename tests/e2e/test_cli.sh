# The command line, table-driven: each mistake gets exit status 2, one
# line on stderr naming what was wrong (checked here word for word), and
# the usage after it; every subcommand answers --help with its usage on
# stdout and status 0; the top-level help lists --version and all five
# export formats.
. "$(dirname "$0")/lib.sh"

# A real (empty) trace file, so a case fails on its options, not on
# a missing FILE.
T="$TMP/t.trace"
"$SL" collect -s "$TMP/s" -o "$T" 2>"$TMP/collect.log" &
col=$!
reap_at_exit $col
i=0
while [ ! -S "$TMP/s" ]; do
	i=$((i + 1)); [ $i -lt 500 ] || fail "collector did not start"; sleep 0.01
done
kill -INT $col
wait $col || true
[ -s "$T" ] || fail "no trace file from collect"

# Each row: the expected first line of stderr, a tab, the arguments
# (split on spaces; @T is the trace file).
cases=$(cat <<'EOF'
socklens: missing COMMAND	
socklens: unknown command 'frobnicate'	frobnicate
socklens: unknown option '--frob'	--frob
socklens export: -f: unknown format 'xml'	export -f xml @T
socklens export: missing -f FORMAT	export @T
socklens export: missing FILE	export -f jsonl
socklens export: option '-o' after FILE: options go before it	export -f jsonl @T -o out
socklens export: unexpected argument 'extra' after FILE: no such file (FILEs are the parts of one rotated trace)	export -f jsonl @T extra
socklens export: unknown option '--xml'	export --xml @T
socklens export: option '-f' needs a value	export -f
socklens audit: --fail-on: 'bogus' is not info, warning or error	audit --fail-on bogus @T
socklens audit: --keepalive-after: '5parsecs' is not a duration (500ms, 2s, 1min)	audit --keepalive-after 5parsecs @T
socklens audit: --slow-connect: '-1s' is not a duration (500ms, 2s, 1min)	audit --slow-connect -1s @T
socklens audit: --connect-failures: '0' is not a count from 1	audit --connect-failures 0 @T
socklens audit: --connect-failures: '3x' is not a count from 1	audit --connect-failures 3x @T
socklens audit: option '--fail-on' needs a value	audit --fail-on
socklens audit: missing FILE	audit
socklens audit: unexpected argument 'more' after FILE: no such file (FILEs are the parts of one rotated trace)	audit @T more
socklens view: --color: 'sometimes' is not auto, always or never	view --color=sometimes @T
socklens view: -w: 'abc' is not a width from 60 to 400 columns	view -w abc @T
socklens view: -w: '0' is not a width from 60 to 400 columns	view -w 0 @T
socklens view: -w: '80x' is not a width from 60 to 400 columns	view -w 80x @T
socklens view: unexpected argument 'b' after FILE: no such file (FILEs are the parts of one rotated trace)	view @T b
socklens view: option '--color' needs a value	view --color
socklens view: unknown option '-z'	view -z @T
socklens view: missing FILE	view
socklens collect: -C: '10' is not a size of at least 16k (k, M, G)	collect -C 10
socklens collect: -W: 'x' is not a count from 1	collect -C 1M -W x
socklens run: -W COUNT needs -C SIZE	run -W 3 -- true
socklens inspect: missing PROGRAM	inspect
socklens inspect: unknown option '--deeps'	inspect --deeps /bin/true
socklens run: unknown option '--bogus'	run --bogus true
socklens run: missing PROGRAM	run
socklens run: --audit needs -p POLICY	run --audit true
socklens collect: unexpected argument 'extra'	collect extra
socklens collect: option '-o' needs a value	collect -o
socklens policy: unknown action 'frob' (only check)	policy frob x
socklens policy: missing FILE	policy check
EOF
)

n=0
printf '%s\n' "$cases" | while IFS='	' read -r want args; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	set -- $args
	argv=""
	for a in "$@"; do
		[ "$a" = @T ] && a=$T
		argv="$argv $a"
	done
	rc=0
	# shellcheck disable=SC2086
	(cd "$TMP" && "$SL" $argv) >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ $rc = 2 ] || fail "socklens$argv: exit $rc, not 2"
	got=$(head -n 1 "$TMP/err")
	[ "$got" = "$want" ] ||
		fail "socklens$argv: said '$got', not '$want'"
	sed -n 2p "$TMP/err" | grep -q '^usage: socklens' ||
		fail "socklens$argv: no usage after the reason"
	[ ! -s "$TMP/out" ] || fail "socklens$argv: wrote to stdout"
	[ ! -e "$TMP/out.json" ] || fail "socklens$argv: created its output"
done

# --help: the usage on stdout, nothing on stderr, status 0.
for cmd in "" run collect view export audit inspect policy; do
	rc=0
	# shellcheck disable=SC2086
	"$SL" $cmd --help >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ $rc = 0 ] || fail "socklens $cmd --help: exit $rc"
	grep -q '^usage: socklens' "$TMP/out" ||
		fail "socklens $cmd --help: no usage on stdout"
	[ ! -s "$TMP/err" ] || fail "socklens $cmd --help: wrote to stderr"
done

"$SL" --help >"$TMP/help"
for w in --version jsonl sockets epoll chrome html; do
	grep -q -- "$w" "$TMP/help" || fail "top-level help does not list $w"
done
"$SL" --version | grep -q '^socklens [0-9]' || fail "--version"
"$SL" policy check --help | grep -q '^usage: socklens policy' ||
	fail "policy check --help"
# run -o into a missing directory names the directory.
rc=0; "$SL" run -q -o /nonexistent/dir/t true 2>"$TMP/err" || rc=$?
[ $rc = 1 ] && grep -q "cannot write the trace into /nonexistent/dir: No such file" "$TMP/err" ||
	fail "run -o /nonexistent/dir/t: $(cat "$TMP/err")"
# collect prints the preload's real path and how to stop it.
grep -q "LD_PRELOAD=/.*libsocklens.so PROGRAM" "$TMP/collect.log" ||
	fail "collect does not print the preload's path: $(cat "$TMP/collect.log")"
grep -q "SIGTERM" "$TMP/collect.log" || fail "collect does not say how to stop it"
! grep -rq "policy issue" "$SL_ROOT/samples" || fail "planning words in samples/"
echo "ok: $(printf '%s\n' "$cases" | wc -l) mistakes named, --help everywhere"
