# bash completion for socklens(1): subcommands, each one's options, the
# values an option takes (export formats, severities, roles, states,
# families, --color), trace files for FILE and programs for run.
# Installed by `make install` into share/bash-completion/completions/.

_socklens()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	local cmds="run collect view export audit policy inspect"
	if [ "$cword" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
		return
	fi
	local cmd=${words[1]} opts=""
	case $cmd in
	run) opts="-o -C -W -q --live --no-follow --no-peek --inode --lossless -p --audit --force
		--help" ;;
	collect) opts="-s -o -C -W --live --help" ;;
	view) opts="-w --color= --callers -t -tt --summary -p --port --addr
		--role --state --family --errors --help" ;;
	export) opts="-f -o --help" ;;
	audit) opts="--json --fail-on --keepalive-after --slow-connect
		--connect-failures --help" ;;
	policy) opts="check --help" ;;
	inspect) opts="--deps --json --help" ;;
	*) return ;;
	esac

	case $cmd:$prev in
	export:-f | export:--format)
		COMPREPLY=($(compgen -W "jsonl sockets epoll chrome html" -- "$cur"))
		return ;;
	audit:--fail-on)
		COMPREPLY=($(compgen -W "info warning error" -- "$cur"))
		return ;;
	view:--role)
		COMPREPLY=($(compgen -W "listener client server pair datagram unconnected" -- "$cur"))
		return ;;
	view:--state)
		COMPREPLY=($(compgen -W "created bound listening connecting established shut-wr shut-rd shut-rdwr peer-closed" -- "$cur"))
		return ;;
	view:--family)
		COMPREPLY=($(compgen -W "inet inet6 unix ip tcp udp" -- "$cur"))
		return ;;
	view:-w | view:--port | view:--addr | view:-p | audit:--keepalive-after | \
	audit:--slow-connect | audit:--connect-failures | collect:-s)
		return ;;
	run:-p | run:--policy | run:-o | collect:-o | export:-o)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	if [ "$cmd" = view ] && [[ $cur == --color=* ]]; then
		COMPREPLY=($(compgen -W "always never auto" -- "${cur#--color=}"))
		COMPREPLY=("${COMPREPLY[@]/#/--color=}")
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		[[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace 2>/dev/null
		return
	fi
	case $cmd in
	run | inspect) COMPREPLY=($(compgen -c -- "$cur")) ;;
	policy) COMPREPLY=($(compgen -W "check" -- "$cur") $(compgen -f -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -X '!*.trace' -- "$cur") $(compgen -d -- "$cur")) ;;
	esac
}
complete -F _socklens socklens
