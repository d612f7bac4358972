"""Socket names (include/socklens/wire.h, SL_SOCK_NAME_BIT) for tests
that compare a trace with the kernel's inodes (os.fstat, strace -yy).

A socket made in a traced process is named by the preload, not by its
kernel inode; an "alias" record says which inode a name stands for where
the socket crosses into another image or process. On records as
rawtrace.records() or `socklens export -f jsonl` give them:

    names = to_kernel(recs)   # names with an alias -> their inode, in place
"""

NAME_BIT = 1 << 62


def is_name(v):
    return isinstance(v, int) and v >> 62 == 1


def aliases(recs):
    """name -> kernel inode, from the alias records."""
    return {r["inode"]: r["inode2"] for r in recs
            if r.get("type") == "call" and r.get("call") == "alias"}


def to_kernel(recs):
    """Puts each aliased name in the call records' inode and inode2 back
    to its kernel inode (not a setsockopt's value in inode2); the alias
    records themselves are left as they are. Returns the alias map."""
    names = aliases(recs)
    for r in recs:
        if r.get("type") != "call" or r.get("call") == "alias":
            continue
        keys = ["inode"]
        if r.get("call") not in ("setsockopt", "getsockopt"):
            keys.append("inode2")
        for k in keys:
            if r.get(k) in names:
                r[k] = names[r[k]]
    return names
