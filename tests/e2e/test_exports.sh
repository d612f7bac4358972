# The preload exports only the libc names it wraps (STYLE.md 4): nothing
# of its own leaks into the traced program's namespace.
. "$(dirname "$0")/lib.sh"
need nm

allowed="socket socketpair bind listen connect accept accept4 shutdown close
dup dup2 dup3 fcntl fcntl64 close_range closefrom fork vfork execve
execveat fexecve execv execvp execvpe execl execlp execle _exit _Exit send
sendto sendmsg sendmmsg recv recvfrom recvmsg recvmmsg read write readv
writev __read_chk __recv_chk __recvfrom_chk sendfile sendfile64 poll ppoll
select pselect epoll_wait epoll_pwait epoll_pwait2 getsockopt epoll_create
epoll_create1 epoll_ctl ioctl setsockopt nanosleep clock_nanosleep sleep
usleep pause sigsuspend sigwait sigwaitinfo sigtimedwait pthread_join wait
waitpid waitid wait4 prctl syscall setrlimit setrlimit64 prlimit prlimit64
fdopen fclose"

nm -D --defined-only "$LIB" | awk '{print $3}' | sort >"$TMP/exported"
echo "$allowed" | tr ' ' '\n' | sed '/^$/d' | sort >"$TMP/allowed"
extra=$(comm -23 "$TMP/exported" "$TMP/allowed")
[ -z "$extra" ] || fail "exported but not a wrapped libc name: $extra"
missing=$(comm -13 "$TMP/exported" "$TMP/allowed")
[ -z "$missing" ] || fail "wrapper not exported: $missing"
echo ok
