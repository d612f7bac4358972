#!/bin/sh
# CPython's own network test modules, bare then traced, module by module:
# the results must be the same (the totals line and the verdict), and the
# trace must have lost nothing. Not part of `make check` (it takes tens
# of minutes); run it after a change to the preload:
#
#   sh tests/compat/cpython.sh [MODULE...]
#
# Needs a python3 with its test package (Debian: libpython3.X-testsuite).
# Prints one row per module and exits 1 if any differs. Each run is
# bounded by a timeout; the network is loopback only (the modules skip
# what needs more without `-u network`). The VSOCK tests are left out:
# in a VM with a vsock device and no peer they hang, bare or traced.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
sl=${SL_BUILD:-$root/build}/socklens
[ -x "$sl" ] || { echo "build first: make" >&2; exit 2; }
python3 -c 'import test.support' 2>/dev/null ||
	{ echo "python3 has no test package (libpython3-testsuite)" >&2; exit 2; }
[ $# -gt 0 ] || set -- test_asyncio test_socket test_ssl test_ftplib \
	test_httpservers test_httplib test_urllib2_localnet test_xmlrpc \
	test_docxmlrpc test_smtplib test_smtpd test_poplib test_imaplib \
	test_telnetlib test_socketserver test_selectors test_asyncore \
	test_asynchat test_logging test_wsgiref test_select test_epoll \
	test_poll test_signal test_robotparser test_urllib2 test_nntplib \
	test_subprocess
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bad=0
printf '%-22s %-44s %-5s %s\n' module "bare (traced if different)" same dropped
for m in "$@"; do
	b=$(cd "$out" && timeout 900 python3 -m test -i "*VSOCK*" "$m" 2>&1 |
		grep -E '^(Total tests|Result|Tests result):' | tr '\n' ' ')
	t=$(cd "$out" && timeout 900 "$sl" run -q -o "$out/t" -- \
		python3 -m test -i "*VSOCK*" "$m" 2>/dev/null |
		grep -E '^(Total tests|Result|Tests result):' | tr '\n' ' ')
	d=$("$sl" view "$out/t" 2>&1 | grep -o '[0-9]* dropped' | head -n 1)
	if [ "$b" = "$t" ] && [ "${d%% *}" = 0 ]; then
		same=yes
	else
		same=NO bad=1
		b="$b / $t"
	fi
	printf '%-22s %-44s %-5s %s\n' "$m" "$b" "$same" "${d:-?}"
	rm -f "$out/t"
done
exit $bad
