# ssh to a local sshd traced by the preload: sshd forks, re-execs itself
# for the connection, and its pre-auth child drops to the sshd user and
# puts itself under a seccomp sandbox that kills it for any system call
# off its list. The session's output and exit status must be as bare; the
# trace has the listener, the connection, the re-exec'd child and the
# sandboxed child's note.
. "$(dirname "$0")/lib.sh"
need_pkg sshd openssh-server
need_pkg ssh openssh-client
need ssh-keygen
[ "$(id -u)" = 0 ] || skip "sshd's privilege separation needs root"
PATH=$PATH:/usr/sbin

port=$(test_port 7)
chmod 0755 "$TMP"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/key"
mkdir -p /run/sshd
cat >"$TMP/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $TMP/hostkey
AuthorizedKeysFile $TMP/key.pub
PidFile $TMP/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel ERROR
CONF

# session OUT [socklens run ...]: sshd, one ssh session, sshd stopped.
session() {
	out=$1
	shift
	rm -f "$TMP/sshd.pid"
	"$@" "$(command -v sshd)" -D -e -f "$TMP/sshd_config" >"$out.sshd" 2>&1 &
	srv=$!
	reap_at_exit $srv
	wait_file "$TMP/sshd.pid"
	rc=0
	ssh -i "$TMP/key" -p "$port" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR \
		-o ConnectTimeout=10 root@127.0.0.1 'echo "hello from $(id -un)"; seq 1 5; exit 3' \
		>"$out" 2>&1 || rc=$?
	echo "exit $rc" >>"$out"
	kill -TERM "$(cat "$TMP/sshd.pid")"
	wait $srv || true
}

session "$TMP/bare"
grep -q 'hello from root' "$TMP/bare" || skip "ssh to the local sshd does not work here: $(cat "$TMP/bare" "$TMP/bare.sshd")"
session "$TMP/traced" "$SL" run -q -o "$TMP/t.trace" --
diff -u "$TMP/bare" "$TMP/traced" || fail "the ssh session changed under the preload: $(cat "$TMP/traced.sshd")"

"$SL" view "$TMP/t.trace" >"$TMP/view"
grep -q 'put itself under a seccomp filter' "$TMP/view" ||
	fail "no note of sshd's sandboxed child: $(tail -n 5 "$TMP/view")"
"$SL" export -f jsonl "$TMP/t.trace" | grep -q '"type":"hello".*"argv":\[.*"-R"\]' ||
	fail "the re-exec'd sshd did not say hello"
"$SL" export -f sockets "$TMP/t.trace" >"$TMP/socks"
python3 - "$TMP/socks" "$port" <<'PY' || fail "the trace does not show the connection"
import json, sys
socks = [json.loads(l) for l in open(sys.argv[1])]
port = int(sys.argv[2])
srv = [s for s in socks if s["role"] == "server" and s["local"].endswith(":%d" % port)]
assert len(srv) == 1, "one accepted connection, got %d" % len(srv)
assert srv[0]["rx_bytes"] > 100 and srv[0]["tx_bytes"] > 100, srv[0]
assert len(srv[0]["pids"]) >= 2, "handed to the re-exec'd child: %s" % srv[0]["pids"]
print("connection held by pids %s, %d bytes in, %d out" %
      (srv[0]["pids"], srv[0]["rx_bytes"], srv[0]["tx_bytes"]))
PY
echo ok
