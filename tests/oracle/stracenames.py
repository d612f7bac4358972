"""What strace -yy says of a socket: its fd annotations and the sockaddr
arguments of bind, connect, accept, sendto and recvfrom, in socklens's
own words (families inet/inet6/unix/netlink, types stream/dgram/...,
addresses 127.0.0.1:80, [::1]:443, /path, @abstract, (unnamed)).

An annotation names a socket by its inode while it has no address
(`TCP:[177196]`, `UNIX-STREAM:[1234->1235,"/path"]`) and by its
addresses once it has (`TCP:[127.0.0.1:4000->127.0.0.1:8080]`).
"""

import re

_SOCK = re.compile(r"^([A-Z][A-Za-z0-9_/-]*):\[(.*)\]$")
_SOCKINO = re.compile(r"^socket:\[(\d+)\]$")
_UNIXIN = re.compile(r'^(\d+)(?:->(\d+))?(?:,"(.*)")?$')
_INET = re.compile(r"sin6?_port=htons\((\d+)\)")
_IN4 = re.compile(r'inet_addr\("([^"]*)"\)')
_IN6 = re.compile(r'inet_pton\(AF_INET6, "([^"]*)"')
_SUN = re.compile(r'sun_path=(@?)"((?:[^"\\]|\\.)*)"')

PROTO = {
    "TCP": ("inet", "stream"), "TCPv6": ("inet6", "stream"),
    "UDP": ("inet", "dgram"), "UDPv6": ("inet6", "dgram"),
    "UDPLITE": ("inet", "dgram"), "UDPLITEv6": ("inet6", "dgram"),
    "UNIX-STREAM": ("unix", "stream"), "UNIX-DGRAM": ("unix", "dgram"),
    "UNIX-SEQPACKET": ("unix", "seqpacket"), "UNIX": ("unix", None),
    "NETLINK": ("netlink", None), "RAW": ("inet", "raw"),
    "RAWv6": ("inet6", "raw"), "PING": ("inet", "dgram"),
    "PINGv6": ("inet6", "dgram"), "PACKET": ("packet", None),
    "SCTP": ("inet", "seqpacket"), "SCTPv6": ("inet6", "seqpacket"),
}
FAMILY = {"AF_INET": "inet", "AF_INET6": "inet6", "AF_UNIX": "unix",
          "AF_LOCAL": "unix", "AF_NETLINK": "netlink",
          "AF_PACKET": "packet"}
TYPE = {"SOCK_STREAM": "stream", "SOCK_DGRAM": "dgram",
        "SOCK_SEQPACKET": "seqpacket", "SOCK_RAW": "raw"}


class SockInfo:
    """What one -yy annotation says of a socket."""
    __slots__ = ("proto", "inode", "peer_inode", "local", "remote", "path")

    def __init__(self, proto):
        self.proto = proto
        self.inode = None
        self.peer_inode = None
        self.local = None
        self.remote = None
        self.path = None


def sock_annot(annot):
    """A SockInfo, or None when ANNOT is no socket (a path, a pipe)."""
    if not annot:
        return None
    m = _SOCKINO.match(annot)
    if m:
        info = SockInfo("socket")
        info.inode = int(m.group(1))
        return info
    m = _SOCK.match(annot)
    if not m:
        return None
    info = SockInfo(m.group(1))
    inner = m.group(2)
    if info.proto.startswith("UNIX"):
        u = _UNIXIN.match(inner)
        if u:
            info.inode = int(u.group(1))
            info.peer_inode = int(u.group(2)) if u.group(2) else None
            info.path = u.group(3)
        return info
    if inner.isdigit():
        info.inode = int(inner)
    elif info.proto in PROTO and PROTO[info.proto][0].startswith("inet"):
        ends = inner.split("->")
        info.local = ends[0]
        info.remote = ends[1] if len(ends) > 1 else None
    return info


def sockaddr(text):
    """A sockaddr as socklens writes it: 127.0.0.1:80, [::1]:443,
    /path, @abstract, (unnamed); None when it is no address we know."""
    if not text or "sa_family=" not in text:
        return None
    port = _INET.search(text)
    if "AF_INET6" in text:
        a = _IN6.search(text)
        return "[%s]:%s" % (a.group(1), port.group(1)) if a and port else None
    if "AF_INET" in text:
        a = _IN4.search(text)
        return "%s:%s" % (a.group(1), port.group(1)) if a and port else None
    if "AF_UNIX" in text or "AF_LOCAL" in text:
        m = _SUN.search(text)
        if not m or not m.group(2):
            return "(unnamed)"
        path = m.group(2).encode().decode("unicode_escape")
        return ("@" + path) if m.group(1) else path
    if "AF_NETLINK" in text:
        return "netlink"
    return None


def port_of(addr):
    return addr.rsplit(":", 1)[-1] if addr else None
