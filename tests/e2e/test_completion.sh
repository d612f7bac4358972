# The bash completion (viewer/completion/socklens.bash): subcommands,
# each one's options, the values of -f, --fail-on, --role, --state,
# --family, --color=, and only *.trace files for a trace argument; every
# option a subcommand's --help lists is offered.
. "$(dirname "$0")/lib.sh"
need bash
comp() {	# WORDS...: what completing the last word offers
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		_socklens; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$SL_ROOT/viewer/completion/socklens.bash" "$@" | sort | tr '\n' ' '
}
check() {	# WANT WORDS...
	want=$1; shift
	got=$(comp "$@")
	[ "$got" = "$want" ] || fail "completing '$*': '$got', not '$want'"
}
check "--help --version audit collect export inspect policy run view " socklens ""
check "export " socklens ex
check "chrome " socklens export -f ch
check "chrome epoll html jsonl sockets " socklens export -f ""
check "error " socklens audit --fail-on e
check "listener " socklens view --role li
check "shut-rd shut-rdwr shut-wr " socklens view --state shut
check "tcp " socklens view --family t
check "--color=always " socklens view --color=al
mkdir -p "$TMP/d"
: >"$TMP/d/a.trace"
: >"$TMP/d/b.txt"
check "$TMP/d/a.trace " socklens view "$TMP/d/"
# Every long option a --help lists is offered.
for cmd in run collect view export audit inspect; do
	offered=$(comp socklens "$cmd" --)
	for opt in $("$SL" "$cmd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		case " $offered " in
		*" $opt "* | *" $opt= "*) ;;
		*) fail "socklens $cmd: --help lists $opt, completion does not offer it" ;;
		esac
	done
done
echo "ok: bash completion"
