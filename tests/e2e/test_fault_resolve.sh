# Faults on name lookups ([name HOST] sections, preload/fault_wire.c's
# sl_fault_resolve, asked by wrap_resolve.c's getaddrinfo): python's
# socket.getaddrinfo meets EAI_AGAIN for the name a rule names (and for
# a name under a "*.domain" one), not for another; curl cannot resolve
# the host (exit 6); audit mode resolves as bare; a 50% rule under the
# same seed fails the same lookups twice. The host is this machine's own
# name, which /etc/hosts resolves without a network.
. "$(dirname "$0")/lib.sh"
need python3
need curl
host=$(hostname)
getent ahosts "$host" >/dev/null 2>&1 || skip "this machine's name $host does not resolve"

cat >"$TMP/gai.py" <<'PY'
import socket, sys
out = ""
for name in sys.argv[1:]:
    try:
        socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
        out += "."
    except socket.gaierror as e:
        out += "a" if e.errno == socket.EAI_AGAIN else "?"
print(out)
PY
gai() {
	"$SL" run -q -o "$TMP/t.trace" -p "$TMP/p.conf" $audit -- \
		python3 "$TMP/gai.py" "$@"
}

[ "$(python3 "$TMP/gai.py" "$host" localhost)" = ".." ] ||
	fail "bare, $host and localhost do not resolve"

audit=
printf '[name %s]\nfail resolve EAI_AGAIN\n' "$host" >"$TMP/p.conf"
"$SL" policy check "$TMP/p.conf" >/dev/null || fail "policy check refuses $(cat "$TMP/p.conf")"
out=$(gai "$host" localhost "$(echo "$host" | tr a-z A-Z)")
[ "$out" = "a.a" ] || fail "[name $host] fail resolve EAI_AGAIN: $out (want a.a)"
"$SL" export -f jsonl "$TMP/t.trace" | grep '"type":"policy"' | grep -q resolve ||
	fail "the trace has no policy record for the failed lookup"

st=0
"$SL" run -q -o "$TMP/c.trace" -p "$TMP/p.conf" -- \
	curl -s -o /dev/null "http://$host:1/" || st=$?
[ $st = 6 ] || fail "curl under a failed lookup: exit $st, not 6"

printf '[name *.localhost]\nfail resolve EAI_AGAIN\n' >"$TMP/p.conf"
out=$(gai a.localhost localhost)
case $out in a?) ;; *) fail "[name *.localhost]: $out" ;; esac

audit=--audit
printf '[name %s]\nfail resolve EAI_AGAIN\n' "$host" >"$TMP/p.conf"
[ "$(gai "$host")" = "." ] || fail "audit mode failed the lookup"
audit=

draws() {
	printf 'seed %s\n[name %s]\nfail resolve EAI_AGAIN 50%%\n' "$1" "$host" \
		>"$TMP/p.conf"
	gai $host $host $host $host $host $host $host $host $host $host \
		$host $host $host $host $host $host $host $host $host $host
}
a=$(draws 42)
b=$(draws 42)
c=$(draws 43)
[ "$a" = "$b" ] || fail "seed 42 gave $a, then $b"
[ "$a" != "$c" ] || fail "seeds 42 and 43 gave the same $a"
case $a in *a*.*|*.*a*) ;; *) fail "a 50% rule gave $a" ;; esac
echo ok
