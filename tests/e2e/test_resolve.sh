# Every resolver entry point makes one RESOLVE record (wire.h) that says
# what the program itself printed: tests/helpers/resolve_forms calls
# getaddrinfo (a name found, and one that is not: EAI_NONAME),
# getnameinfo, gethostbyname, gethostbyname2, their _r forms (one failing
# with HOST_NOT_FOUND), gethostbyaddr, and res_query, res_search and
# res_nquery against a DNS server of the test's own (dns_stub.py: two A
# records); python3's socket.getaddrinfo too. The program's output is
# the same bare and traced.
. "$(dirname "$0")/lib.sh"
need python3

python3 "$SL_ROOT/tests/e2e/dns_stub.py" "$TMP/dns.port" 20 &
reap_at_exit $!
wait_file "$TMP/dns.port"
port=$(cat "$TMP/dns.port")

"$HELPERS/resolve_forms" "$port" >"$TMP/bare" || fail "resolve_forms failed bare"
"$SL" run -q -o "$TMP/forms.trace" -- "$HELPERS/resolve_forms" "$port" \
	>"$TMP/traced" 2>"$TMP/err" || fail "resolve_forms failed traced"
diff -u "$TMP/bare" "$TMP/traced" || fail "the program's answers differ traced"
"$SL" run -q -o "$TMP/py.trace" -- python3 -c '
import socket
socket.getaddrinfo("localhost", 8080, type=socket.SOCK_STREAM)
try:
    socket.getaddrinfo("nonexistent.invalid", 80)
except socket.gaierror as e:
    print(e.errno)
' >"$TMP/py.out" || fail "python3 failed traced"

python3 - "$TMP" "$SL_ROOT" <<'PY' || fail "the resolve records do not say what the program printed"
import os, socket, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "helpers"))
import rawtrace

tmp, bad = sys.argv[1], []
APIS = ["getaddrinfo", "getnameinfo", "gethostbyname", "gethostbyname2",
        "gethostbyname_r", "gethostbyname2_r", "gethostbyaddr", "res_query",
        "res_search", "res_nquery", "res_nsearch"]
recs = [r for r in rawtrace.records(tmp + "/forms.trace")
        if r["type"] == "resolve"]
lines = open(tmp + "/traced").read().splitlines()
if len(recs) != len(lines):
    bad.append("%d resolve records for %d calls" % (len(recs), len(lines)))
for line, r in zip(lines, recs):
    words = line.split()
    api, asked, rest = words[0], words[1], words[2:]
    if APIS[r["api"]] != api:
        bad.append("%s: record says %s" % (line, APIS[r["api"]]))
        continue
    if r["dur"] <= 0 or r["ts"] <= 0:
        bad.append("%s: no duration" % line)
    if api in ("getnameinfo", "gethostbyaddr"):
        if r["addrs"] != [asked] or r["name"] != rest[0]:
            bad.append("%s: record %s -> %r" % (line, r["addrs"], r["name"]))
    elif api.startswith("res_"):
        if r["name"] != asked or r["ret"] != int(rest[0]) or \
                r["addrs"] != ["10.1.2.3", "10.1.2.4"] or r["qtype"] != 1:
            bad.append("%s: record %r ret %d %s" % (line, r["name"],
                                                   r["ret"], r["addrs"]))
    elif rest[:1] in (["eai"], ["herr"]):
        if r["name"] != asked or r["err"] != int(rest[1]) or r["addrs"]:
            bad.append("%s: record %r err %d" % (line, r["name"], r["err"]))
    elif r["name"] != asked or r["addrs"] != rest or r["err"]:
        bad.append("%s: record %r %s err %d" % (line, r["name"], r["addrs"],
                                                r["err"]))
py = [r for r in rawtrace.records(tmp + "/py.trace") if r["type"] == "resolve"]
want = [("localhost", 0, 8080), ("nonexistent.invalid", socket.EAI_NONAME, 0)]
got = [(r["name"], r["err"], r["port"]) for r in py]
if got != want:
    bad.append("python3: %s, expected %s" % (got, want))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
echo ok
