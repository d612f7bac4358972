#!/bin/sh
# Installs what socklens needs to build and test, if it is missing:
# libelf-dev, libcmocka-dev, and python3 (the end-to-end tests scrub JSON
# with it). As root, through apt-get; otherwise prints the command to run.
set -eu

missing=""
have_header() {
	printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1
}
have_header libelf.h || missing="$missing libelf-dev"
have_header gelf.h || case "$missing" in *libelf-dev*) ;; *) missing="$missing libelf-dev" ;; esac
printf '#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <setjmp.h>\n#include <cmocka.h>\n' |
	${CC:-cc} -E -x c - >/dev/null 2>&1 || missing="$missing libcmocka-dev"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v make >/dev/null 2>&1 || missing="$missing make"
command -v ${CC:-cc} >/dev/null 2>&1 || missing="$missing gcc"

[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing >/dev/null
	exit 0
fi
echo "deps: missing$missing; install them with:" >&2
echo "  sudo apt-get install -y$missing" >&2
exit 1
