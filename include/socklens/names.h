/*
 * What a record's "inode" may hold besides a kernel inode: the preload's
 * own names for sockets and epoll instances. Included by wire.h; a part
 * of the wire format (its version rules are wire.h's).
 */
#ifndef SOCKLENS_NAMES_H
#define SOCKLENS_NAMES_H

#include <stdint.h>

/* An epoll instance has no inode of its own (they share the anonymous
 * inode), so the preload names it: this bit, the pid, a sequence
 * (preload/fdtab.c, sl_epoll_id_new: 53 significant bits, as a socket's
 * name below). */
#define SL_EPOLL_ID_BIT (1ull << 63)

/*
 * A socket's name. A socket made in a traced process (socket,
 * socketpair, accept, accept4) is named by that process, with no system
 * call: SL_SOCK_NAME_BIT, the pid (22 bits), a salt (16 bits) and a
 * sequence (14 bits), laid out below, over ten zero bits: a name's 53
 * significant bits (10 to 62) fit a double's mantissa, so JSON readers
 * that hold numbers as doubles (jq 1.6, JavaScript, DevTools) keep every
 * name exact; with 24 bits of sequence in the low bits they rounded two
 * sockets' names to one. Every record about it carries
 * that name where it says "inode". A socket first seen without its
 * creation (inherited, received over SCM_RIGHTS) is named by its kernel
 * inode, as is every socket under SOCKLENS_INODE=1. A kernel socket
 * inode is 32 bits (get_next_ino), so neither bit 62 nor bit 63 is ever
 * set in one: a name, an inode and an epoll id never meet.
 *
 * The salt is per image (from AT_RANDOM) and new in each fork child, and
 * moves on when the sequence wraps, so a name is not made twice in a
 * trace by an exec'd image or a reused pid (but by a 1 in 65536 chance).
 *
 * Where a named socket crosses a line the fd table cannot follow (an fd
 * passed over SCM_RIGHTS, the sockets held at an exec or a vfork), its
 * process says which inode the name stands for: an SL_CALL_ALIAS record,
 * fd the socket's fd, inode its name, inode2 its kernel inode, ts
 * before the crossing (the FD_SEND's ts, the exec's). The other side
 * then names it by that inode, and a reader takes the inode for the
 * name from the alias on (viewer/README.md, "The model").
 */
#define SL_SOCK_NAME_BIT (1ull << 62)
#define SL_SOCK_NAME_PID_SHIFT 40
#define SL_SOCK_NAME_SALT_SHIFT 24
#define SL_SOCK_NAME_SEQ_SHIFT 10
#define SL_SOCK_NAME_SEQ_BITS 14
#define SL_SOCK_NAME_SEQ_MASK (0x3fffull << SL_SOCK_NAME_SEQ_SHIFT)

static inline int sl_is_sock_name(uint64_t id)
{
	return (id >> 62) == 1;
}

#endif
