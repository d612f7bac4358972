/*
 * fds passed over UNIX sockets (SCM_RIGHTS): how systemd socket
 * activation, nginx and supervisors hand a listener to another process.
 *
 * After a sendmsg (or sendmmsg) on a followed UNIX socket succeeds, each
 * fd its control data carried is one SL_CALL_FD_SEND record on the
 * carrier, naming what was passed (its socket name or epoll id, 0 when
 * we do not follow it), stamped when the sendmsg started: before the
 * receiver can have it. A socket we named ourselves gets its alias
 * first (its kernel inode, sl_fd_alias in fdtab.c), with that stamp. After a recvmsg (or recvmmsg) succeeds, each fd
 * that arrived is identified and followed from then on, and is one
 * SL_CALL_FD_RECV record stamped when the call returned (the fd exists
 * from then): a socket by the kernel's inode, the one name the sender
 * and we can both learn (the fd crossed a process line, so our table knows
 * nothing of it); an epoll instance by a new id of this process (its
 * watches are the sender's; see sl_fd_adopt in fdtab.c).
 *
 * The control data is the program's: only read, only once the kernel has
 * accepted it (send) or written it (receive), and never past the
 * msg_controllen the kernel left. A receive cut short (MSG_CTRUNC) lists
 * the fds it installed; the kernel closed the others, and they never
 * existed here. The program's msghdr, buffer and errno are untouched.
 */
#include <errno.h>
#include <string.h>

#include "wrap.h"

/*
 * Calls FN for each fd in the SCM_RIGHTS messages of the LEN bytes of
 * control data at CTL; returns how many. A header that claims more than
 * is left ends the walk.
 */
size_t sl_scm_walk(const void *ctl, size_t len,
		   void (*fn)(int fd, void *arg), void *arg)
{
	const unsigned char *p = ctl;
	size_t off = 0, count = 0;

	if (!p)
		return 0;
	while (len - off >= sizeof(struct cmsghdr)) {
		struct cmsghdr h;
		size_t clen;

		memcpy(&h, p + off, sizeof(h));
		clen = h.cmsg_len;
		if (clen < CMSG_LEN(0) || clen > len - off)
			break;
		if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS) {
			size_t nfds = (clen - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < nfds; i++) {
				int fd;

				memcpy(&fd, p + off + CMSG_LEN(0) + i * sizeof(int),
				       sizeof(fd));
				fn(fd, arg);
				count++;
			}
		}
		if (CMSG_ALIGN(clen) >= len - off)
			break;
		off += CMSG_ALIGN(clen);
	}
	return count;
}

/* One record per fd: ARG is the record, filled but for the fd. */
static void one_sent(int pfd, void *arg)
{
	struct sl_call_info *ci = arg;
	struct sl_fd *p = sl_fd_get(pfd);

	/* The receiver holds it now, unless it closes what it got. */
	if (p && sl_fd_inode(p)) {
		sl_fd_set(p, SL_FD_SHARED);
		/* The receiver names it by the kernel's inode. */
		sl_fd_alias(pfd, p, ci->ts);
	}
	ci->arg0 = pfd;
	ci->inode2 = p ? sl_fd_inode(p) : 0;
	sl_emit(ci);
}

/* After a sendmsg on the followed UNIX socket FD returned RET >= 0. */
void sl_fdpass_sent(struct sl_fd *e, int fd, const struct msghdr *msg,
		    int64_t ret, uint64_t ts, struct sl_site site)
{
	struct sl_call_info ci = {
		.call = SL_CALL_FD_SEND, .flags = site.flags, .fd = fd,
		.ret = ret, .ts = ts ? ts : sl_now_ns(), .caller = site.caller,
		.inode = sl_fd_inode(e), .ent = e,
	};
	int saved = errno;

	sl_scm_walk(msg->msg_control, msg->msg_controllen, one_sent, &ci);
	errno = saved;
}

static void one_received(int nfd, void *arg)
{
	struct sl_call_info *ci = arg;
	int family = 0, type = 0;

	/* Read once, and only when an fd came (credentials come alone). */
	if (!ci->ts)
		ci->ts = sl_now_ns();
	ci->fd = nfd;
	ci->inode = sl_fd_adopt(nfd, &family, &type);
	ci->arg0 = (int64_t)(uint32_t)family | ((int64_t)type << 32);
	ci->ent = ci->inode ? sl_fd_get(nfd) : NULL;
	sl_emit(ci);
}

/* After a recvmsg on the followed UNIX socket FD returned RET >= 0. */
void sl_fdpass_received(struct sl_fd *e, int fd, const struct msghdr *msg,
			int64_t ret, struct sl_site site)
{
	struct sl_call_info ci = {
		.call = SL_CALL_FD_RECV, .flags = site.flags, .ret = ret,
		.caller = site.caller,
		.inode2 = sl_fd_inode(e), .arg1 = fd,
	};
	int saved = errno;

	sl_scm_walk(msg->msg_control, msg->msg_controllen, one_received, &ci);
	errno = saved;
}
