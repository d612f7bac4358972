#!/usr/bin/env python3
"""Self-test of the oracle's checker: small hand-written strace outputs
and socklens exports, each lie told on purpose, each must be caught (and
the truth must pass). Run by tests/e2e/test_oracle.sh before the corpus.

The scene: pid 100 listens on 127.0.0.1:8080 and forks pid 200, which
connects; 100 accepts, peeks 3 bytes, reads 5, answers 6; 200 reads them
and closes, then exits; 100 closes both its sockets.
"""

import copy
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compare          # noqa: E402
import socklensmodel    # noqa: E402
import straceparse      # noqa: E402
import stracemodel      # noqa: E402

STRACE = """\
100 1000.000100 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3<TCP:[5001]>
100 1000.000200 bind(3<TCP:[5001]>, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
100 1000.000300 listen(3<TCP:[127.0.0.1:8080]>, 5) = 0
100 1000.000400 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>
200 1000.000450 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 4<TCP:[5002]>
100 1000.000460 <... clone resumed>, child_tidptr=0x7f0000000000) = 200
200 1000.000600 connect(4<TCP:[5002]>, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16 <unfinished ...>
100 1000.000700 accept4(3<TCP:[127.0.0.1:8080]>, {sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr("127.0.0.1")}, [16], SOCK_CLOEXEC) = 5<TCP:[127.0.0.1:8080->127.0.0.1:40000]>
200 1000.000800 <... connect resumed>) = 0
200 1000.000900 sendto(4<TCP:[127.0.0.1:40000->127.0.0.1:8080]>, "hello", 5, 0, NULL, 0) = 5
100 1000.001000 recvfrom(5<TCP:[127.0.0.1:8080->127.0.0.1:40000]>, "hel", 3, MSG_PEEK, NULL, NULL) = 3
100 1000.001100 recvfrom(5<TCP:[127.0.0.1:8080->127.0.0.1:40000]>, "hello", 100, 0, NULL, NULL) = 5
100 1000.001200 write(5<TCP:[127.0.0.1:8080->127.0.0.1:40000]>, "world!", 6) = 6
200 1000.001300 read(4<TCP:[127.0.0.1:40000->127.0.0.1:8080]>, "world!", 100) = 6
200 1000.001400 close(4<TCP:[127.0.0.1:40000->127.0.0.1:8080]>) = 0
200 1000.001500 +++ exited with 0 +++
100 1000.001600 close(5<TCP:[127.0.0.1:8080->127.0.0.1:40000]>) = 0
100 1000.001700 close(3<TCP:[127.0.0.1:8080]>) = 0
100 1000.001800 +++ exited with 0 +++
"""


MS = 10**6


def ns(wall):
    """The monotonic ns of wall time WALL, with the hellos below (the two
    clocks 1000 s apart); socklens stamps 5 us before strace does."""
    return int(round((wall - 1000.0) * 1e9)) - 5000


def sock(**kw):
    base = {"family": "inet", "type": "stream", "error": None,
            "tx_bytes": 0, "rx_bytes": 0, "connect_failures": 0,
            "listener": None, "peer": None, "open_at_exit": False,
            "states": []}
    base.update(kw)
    return base


def states(*pairs):
    return [{"state": s, "start_ns": ns(t)} for s, t in pairs]


def truth():
    """What socklens should say of the scene: (sockets, records)."""
    socks = [
        sock(id=1, inode=5001, pid=100, fd=3, pids=[100, 200],
             role="listener", local="127.0.0.1:8080", remote=None,
             start_ns=ns(1000.0001), end_ns=ns(1000.0017), closed_by=[100],
             states=states(("created", 1000.0001), ("bound", 1000.0002),
                           ("listening", 1000.0003))),
        sock(id=2, inode=5002, pid=200, fd=4, pids=[200], role="client",
             local="127.0.0.1:40000", remote="127.0.0.1:8080",
             start_ns=ns(1000.00045), end_ns=ns(1000.0014), closed_by=[200],
             tx_bytes=5,
             rx_bytes=6, peer=3,
             states=states(("created", 1000.00045),
                           ("connecting", 1000.0006),
                           ("established", 1000.0008))),
        sock(id=3, inode=5003, pid=100, fd=5, pids=[100], role="server",
             local="127.0.0.1:8080", remote="127.0.0.1:40000",
             start_ns=ns(1000.0007), end_ns=ns(1000.0016), closed_by=[100],
             tx_bytes=6,
             rx_bytes=5, peer=2, listener=1,
             states=states(("established", 1000.0007))),
    ]
    recs = [
        {"type": "hello", "pid": 100, "mono_ns": 0, "real_ns": 1000 * 10**9,
         "exe": "/bin/server"},
        {"type": "hello", "pid": 200, "mono_ns": 0, "real_ns": 1000 * 10**9,
         "exe": "/bin/server"},
        {"type": "call", "call": "close", "pid": 200, "inode": 5002,
         "ts_ns": ns(1000.0014)},
        {"type": "call", "call": "close", "pid": 100, "inode": 5003,
         "ts_ns": ns(1000.0016)},
        {"type": "call", "call": "close", "pid": 100, "inode": 5001,
         "ts_ns": ns(1000.0017)},
    ]
    return socks, recs


def run(text, socks, recs, collector=None):
    calls, _ = straceparse.read_calls(text.splitlines(True))
    sm = stracemodel.build(calls, collector)
    view = socklensmodel.ingest(socklensmodel.SocklensView(), socks, recs)
    return compare.compare(sm, view, "test")


def facts_of(report):
    return sorted(set(m.fact for m in report.mismatches))


class TruthPasses(unittest.TestCase):
    def test_truth_has_no_mismatch(self):
        r = run(STRACE, *truth())
        self.assertEqual([str(m) for m in r.mismatches], [])
        self.assertEqual(r.matched, 3)
        self.assertGreater(r.facts, 30)


class EachLieIsCaught(unittest.TestCase):
    def lie(self, change):
        socks, recs = truth()
        socks, recs = copy.deepcopy(socks), copy.deepcopy(recs)
        change(socks, recs)
        return run(STRACE, socks, recs)

    def test_missing_socket(self):
        r = self.lie(lambda s, r: s.pop(1))
        self.assertIn("missing", facts_of(r))
        m = [x for x in r.mismatches if x.fact == "missing"][0]
        self.assertIn("socket inode 5002 (pid 200 fd 4", str(m))

    def test_wrong_pid(self):
        r = self.lie(lambda s, r: s[2].update(pid=200))
        self.assertEqual(facts_of(r), ["pid"])
        self.assertIn("pid: strace 100, socklens 200", str(r.mismatches[0]))

    def test_wrong_bytes(self):
        r = self.lie(lambda s, r: s[1].update(tx_bytes=7))
        self.assertEqual(facts_of(r), ["tx_bytes"])
        self.assertIn("tx bytes: strace 5, socklens 7", str(r.mismatches[0]))

    def test_peek_counted(self):
        r = self.lie(lambda s, r: s[2].update(rx_bytes=8))
        self.assertEqual(facts_of(r), ["rx_bytes"])
        self.assertIn("1 peeks of 3 bytes", str(r.mismatches[0]))

    def test_stdio_stream_claims_at_least(self):
        # A stdio stream's bytes may be short (its stdio I/O is unseen):
        # fewer is the trace's claim, more is still a lie.
        r = self.lie(lambda s, r: s[2].update(tx_bytes=0,
                                              unseen=["stdio"]))
        self.assertEqual(facts_of(r), [])
        r = self.lie(lambda s, r: s[2].update(tx_bytes=99,
                                              unseen=["stdio"]))
        self.assertEqual(facts_of(r), ["tx_bytes"])

    def test_stdio_stream_error_unseen(self):
        # The server's write met EPIPE. On a stdio stream's socket that
        # write may have gone through stdio, unseen: the trace claims no
        # error and that is a note; on any other socket it is a lie.
        text = STRACE.replace('"world!", 6) = 6',
                              '"world!", 6) = -1 EPIPE (Broken pipe)')
        socks, recs = copy.deepcopy(truth())
        socks[2].update(tx_bytes=0, unseen=["stdio"])
        r = run(text, socks, recs)
        self.assertEqual(facts_of(r), [])
        self.assertTrue(any("EPIPE" in n for n in r.notes))
        del socks[2]["unseen"]
        self.assertIn("error", facts_of(run(text, socks, recs)))

    def test_wrong_pairing(self):
        r = self.lie(lambda s, r: (s[1].update(peer=None),
                                   s[2].update(peer=1)))
        self.assertEqual(facts_of(r), ["peer"])
        self.assertEqual(len(r.mismatches), 2)

    def test_wrong_listener(self):
        r = self.lie(lambda s, r: s[2].update(listener=None))
        self.assertEqual(facts_of(r), ["listener"])

    def test_wrong_close_pid(self):
        # 200 never closed the server end: it is not the last closer,
        # and not one that closed it at all.
        r = self.lie(lambda s, r: s[2].update(closed_by=[200]))
        self.assertEqual(facts_of(r), ["closed_by", "end"])
        self.assertIn("strace closed by pid 100, socklens closed by pid 200",
                      str([m for m in r.mismatches if m.fact == "end"][0]))

    def test_wrong_close_pid_by_records(self):
        # An export without closed_by: the close record stamped at the
        # end names the closer.
        def change(s, r):
            del s[2]["closed_by"]
            r[3].update(pid=200)
        r = self.lie(change)
        self.assertEqual(facts_of(r), ["closed_by", "end"])

    def test_closer_not_listed(self):
        # Strace saw 100 close the listener last, with no overlap; the
        # trace names only 200, which did close it, though earlier.
        text = STRACE.replace(
            "200 1000.001500 +++ exited with 0 +++\n",
            "200 1000.001450 close(3<TCP:[127.0.0.1:8080]>) = 0\n"
            "200 1000.001500 +++ exited with 0 +++\n")
        socks, recs = truth()
        socks[0].update(closed_by=[200], end_ns=ns(1000.00145))
        self.assertEqual(facts_of(run(text, socks, recs)), ["end"])
        # Listing 100 beside it (their closes overlapped in the trace's
        # timing) is the truth: the end is drawn at 200's close, which
        # is in that close's window.
        socks[0].update(closed_by=[200, 100])
        r = run(text, socks, recs)
        self.assertEqual([str(m) for m in r.mismatches], [])
        # ... but not drawn outside it (before 200's connect).
        socks[0].update(end_ns=ns(1000.0005))
        self.assertEqual(facts_of(run(text, socks, recs)), ["end_time"])

    def test_listed_exit_last(self):
        # 200 exits holding the listener after 100's close: strace's last
        # holder exited. Socklens names 100's close and lists 200's exit
        # as one that may have been last (it overlapped): the truth.
        text = STRACE.replace("200 1000.001500 +++ exited with 0 +++\n",
                              "").replace(
            "100 1000.001800 +++ exited with 0 +++\n",
            "200 1000.001750 +++ exited with 0 +++\n"
            "100 1000.001800 +++ exited with 0 +++\n")
        socks, recs = truth()
        socks[0].update(exited_by=[200])
        r = run(text, socks, recs)
        self.assertEqual([str(m) for m in r.mismatches], [])
        # Not listed: a lie.
        socks[0].update(exited_by=[])
        self.assertEqual(facts_of(run(text, socks, recs)), ["end"])
        # Listed, but 200 did not exit holding it (it closed it first).
        socks[0].update(exited_by=[200])
        r = run(STRACE.replace(
            "200 1000.001500 +++ exited with 0 +++\n",
            "200 1000.001450 close(3<TCP:[127.0.0.1:8080]>) = 0\n"
            "200 1000.001500 +++ exited with 0 +++\n"), socks, recs)
        self.assertEqual(facts_of(r), ["closed_by"])

    def test_listed_closer_never_closed(self):
        # 200 exited holding the listener; it never closed it.
        r = self.lie(lambda s, r: s[0].update(closed_by=[100, 200]))
        self.assertEqual(facts_of(r), ["closed_by"])

    def test_overlapping_closes_either_pid(self):
        # 200 still held the listener and its close was still in the
        # kernel when 100's began: either may have let it go last.
        text = STRACE.replace(
            "200 1000.001500 +++ exited with 0 +++\n",
            "200 1000.001650 close(3<TCP:[127.0.0.1:8080]> <unfinished ...>\n"
            "200 1000.001750 <... close resumed>) = 0\n"
            "200 1000.001760 +++ exited with 0 +++\n")
        socks, recs = truth()
        recs[4].update(pid=200, ts_ns=ns(1000.00165))
        socks[0].update(end_ns=ns(1000.00165), closed_by=[200])
        r = run(text, socks, recs)
        self.assertEqual([str(m) for m in r.mismatches], [])
        # Without the overlap, the last close is 100's.
        text = text.replace("1000.001750 <... close", "1000.001690 <... close")
        self.assertEqual(facts_of(run(text, socks, recs)), ["end"])

    def test_close_during_an_exit_either_pid(self):
        # 200 still held the listener when it began to exit (exit_group);
        # 100 closed its copy before the kernel let go of 200's fds: the
        # exit is a span, and either may have let the socket go last.
        text = STRACE.replace(
            "200 1000.001500 +++ exited with 0 +++\n",
            "200 1000.001550 exit_group(0) = ?\n").replace(
            "100 1000.001800 +++ exited with 0 +++\n",
            "200 1000.001750 +++ exited with 0 +++\n"
            "100 1000.001800 +++ exited with 0 +++\n")
        socks, recs = truth()
        r = run(text, socks, recs)
        self.assertEqual([str(m) for m in r.mismatches], [])
        # Without the span (the close before exit_group), 200 was last.
        text = text.replace("200 1000.001550 exit_group",
                            "200 1000.001720 exit_group")
        self.assertEqual(facts_of(run(text, socks, recs)), ["end"])

    def test_open_at_exit_when_closed(self):
        r = self.lie(lambda s, r: s[0].update(end_ns=None, open_at_exit=True))
        self.assertEqual(facts_of(r), ["end"])

    def test_close_after_strace_saw_it(self):
        r = self.lie(lambda s, r: s[0].update(end_ns=ns(1000.0017) + 10**7))
        self.assertEqual(facts_of(r), ["end_time"])

    def test_wrong_holders(self):
        r = self.lie(lambda s, r: s[0].update(pids=[100]))
        self.assertEqual(facts_of(r), ["pids"])

    def test_phantom_socket(self):
        r = self.lie(lambda s, r: s.append(sock(id=4, inode=5009, pid=100,
                                                fd=9, role="unconnected")))
        self.assertEqual(facts_of(r), ["phantom"])

    def test_wrong_address(self):
        r = self.lie(lambda s, r: s[2].update(local=None))
        self.assertEqual(facts_of(r), ["local"])

    def test_missing_state(self):
        r = self.lie(lambda s, r: s[0]["states"].pop(1))
        self.assertEqual(facts_of(r), ["states"])

    def test_states_out_of_order(self):
        def swap(s, r):
            st = s[0]["states"]
            st[0]["start_ns"], st[2]["start_ns"] = \
                st[2]["start_ns"], st[0]["start_ns"]
        self.assertEqual(facts_of(self.lie(swap)), ["state_order"])


REFUSED = """\
300 2000.010000 socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, IPPROTO_TCP) = 3<TCP:[6001]>
300 2000.020000 connect(3<TCP:[6001]>, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)
300 2000.030000 getsockopt(3<TCP:[6001]>, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
300 2000.040000 close(3<TCP:[6001]>) = 0
300 2000.050000 socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3<UNIX-STREAM:[6002]>
300 2000.060000 connect(3<UNIX-STREAM:[6002]>, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)
300 2000.070000 close(3<UNIX-STREAM:[6002]>) = 0
300 2000.080000 +++ exited with 0 +++
"""


class ConnectAndClassify(unittest.TestCase):
    def scene(self, **kw):
        s = self.scene_sock()
        s.update(kw)
        recs = [{"type": "hello", "pid": 300, "mono_ns": 0,
                 "real_ns": 2000 * 10**9},
                {"type": "call", "call": "close", "pid": 300, "inode": 6001,
                 "ts_ns": 40 * MS}]
        return run(REFUSED, [s], recs)

    def scene_sock(self):
        return sock(id=1, inode=6001, pid=300, fd=3, pids=[300], role="client",
                 local=None, remote="127.0.0.1:1", start_ns=10 * MS,
                 end_ns=40 * MS, error="ECONNREFUSED", connect_failures=1,
                 error_ns=30 * MS,
                 states=[{"state": "created", "start_ns": 10 * MS},
                         {"state": "connecting", "start_ns": 20 * MS},
                         {"state": "created", "start_ns": 30 * MS}])

    def test_refused_is_true(self):
        r = self.scene()
        self.assertEqual([str(m) for m in r.mismatches], [])
        # The nscd probe glibc makes inside getaddrinfo is named, not
        # compared, and not dropped either.
        self.assertEqual(len(r.classified), 1)
        self.assertIn("nscd", r.classified[0][0])

    def test_wrong_errno(self):
        r = self.scene(error="ETIMEDOUT")
        self.assertIn("error", facts_of(r))

    def test_connect_said_ok(self):
        r = self.scene(error=None, connect_failures=0,
                       states=[{"state": "created", "start_ns": 10 * MS},
                               {"state": "established", "start_ns": 20 * MS}])
        self.assertIn("connect", facts_of(r))

    def test_error_time(self):
        # The error drawn when the socket was made, not when the failing
        # call (getsockopt, between connect's return and close) told it.
        r = self.scene(error_ns=100000)
        self.assertEqual(facts_of(r), ["error_ns"])
        self.assertIn("between 2000.020000 and 2000.040000",
                      str(r.mismatches[0]))
        # Inside the window: true.
        self.assertEqual(self.scene(error_ns=35 * MS).mismatches, [])

    def test_error_time_not_exported(self):
        s = sock(id=1)
        r = self.scene(**{k: v for k, v in s.items() if k == "id"})
        self.assertEqual(r.mismatches, [])
        socks = [dict(self.scene_sock())]
        del socks[0]["error_ns"]
        recs = [{"type": "hello", "pid": 300, "mono_ns": 0,
                 "real_ns": 2000 * 10**9}]
        r = run(REFUSED, socks, recs)
        self.assertIn("error_ns", facts_of(r))


HANDOFF = """\
400 3000.000100 socketpair(AF_UNIX, SOCK_STREAM, 0, [3<UNIX-STREAM:[7001->7002]>, 4<UNIX-STREAM:[7002->7001]>]) = 0
400 3000.000200 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = 5<UDP:[7003]>
400 3000.000300 vfork( <unfinished ...>
401 3000.000350 execve("/bin/true", ["true"], 0x1 /* 1 vars */) = 0
400 3000.000400 <... vfork resumed>) = 401
401 3000.000450 +++ exited with 0 +++
400 3000.000500 fork() = 402
402 3000.000600 recvmsg(4<UNIX-STREAM:[7002->7001]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[6<UDP:[7003]>]}], msg_controllen=24, msg_flags=0}, 0) = 1
402 3000.000700 sendto(6<UDP:[7003]>, "ping", 4, 0, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("127.0.0.1")}, 16) = 4
402 3000.000800 +++ exited with 0 +++
400 3000.000900 sendmsg(3<UNIX-STREAM:[7001->7002]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_flags=0}, 0) = 1
400 3000.001000 close(5<UDP:[7003]>) = 0
400 3000.001100 +++ exited with 0 +++
"""


KILLED = """\
300 2000.000100 socketpair(AF_UNIX, SOCK_STREAM, 0, [3<UNIX:[6001->6002]>, 4<UNIX:[6002->6001]>]) = 0
300 2000.000200 shutdown(3<UNIX:[6001->6002]>, SHUT_WR) = 0
300 2000.000300 +++ killed by SIGTERM +++
"""


class KilledWhileRecording(unittest.TestCase):
    """A thread killed by a signal right after a call returned may have
    lost the record it was writing: a note, not a mismatch. The same
    state missing with the thread going on is a mismatch."""

    def states(self, text):
        calls, _ = straceparse.read_calls(text.splitlines(True))
        sm = stracemodel.build(calls)
        s = [x for x in sm.socks if x.inode == 6001][0]
        r = compare.Report("test")
        compare.states(r, s, {"states": [{"state": "established",
                                          "start_ns": 1}]}, "pair")
        return r

    def test_killed_after_shutdown_is_a_note(self):
        r = self.states(KILLED)
        self.assertEqual(r.mismatches, [])
        self.assertTrue(any("killed by SIGTERM" in n for n in r.notes))

    def test_shutdown_lost_while_running_is_caught(self):
        r = self.states(KILLED.replace(
            "+++ killed by SIGTERM +++",
            "close(4<UNIX:[6002->6001]>) = 0"))
        self.assertEqual(facts_of(r), ["states"])


class HoldersAndParsing(unittest.TestCase):
    def model(self, text):
        calls, _ = straceparse.read_calls(text.splitlines(True))
        return stracemodel.build(calls)

    def test_scm_rights_and_vfork(self):
        m = self.model(HANDOFF)
        udp = [s for s in m.socks if s.inode == 7003][0]
        # 401 was a vfork child that exec'd: it never held the socket as
        # a program of its own (CLOEXEC aside, it let nothing go: the
        # socket is not close-on-exec, so it did hold it).
        self.assertEqual(sorted(udp.pids), [400, 401, 402])
        self.assertEqual(udp.tx, 4)
        self.assertEqual(udp.first_peer, "127.0.0.1:9")
        self.assertEqual(udp.end[:2], ("close", 400))
        pair = [s for s in m.socks if s.inode == 7001][0]
        self.assertEqual(pair.pair.inode, 7002)
        self.assertEqual(pair.end[0], "exit")

    def test_vfork_child_lets_go_at_exec(self):
        text = HANDOFF.replace("socket(AF_INET, SOCK_DGRAM,",
                               "socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC,")
        udp = [s for s in self.model(text).socks if s.inode == 7003][0]
        self.assertEqual(sorted(udp.pids), [400, 402])

    def test_resumed_lines_join(self):
        calls, _ = straceparse.read_calls(STRACE.splitlines(True))
        conn = [c for c in calls if c.name == "connect"][0]
        self.assertEqual(conn.ret, 0)
        self.assertEqual(conn.tid, 200)
        self.assertAlmostEqual(conn.ts, 1000.0006)
        acc = [c for c in calls if c.name == "accept4"][0]
        self.assertEqual(acc.ret_annot,
                         "TCP:[127.0.0.1:8080->127.0.0.1:40000]")

    def test_annotations(self):
        args, end = straceparse.split_args(
            'f(0</dev/null<char 1:3>>, 5<UNIX-STREAM:[1->2,"/a,b)"]>, '
            '"x)\\"", [16 => 2]) = 0', 2)
        self.assertEqual(len(args), 4)
        self.assertEqual(straceparse.fd_of(args[1]),
                         (5, 'UNIX-STREAM:[1->2,"/a,b)"]'))
        info = stracemodel.sock_annot('UNIX-STREAM:[1->2,"/a,b)"]')
        self.assertEqual((info.inode, info.peer_inode, info.path),
                         (1, 2, "/a,b)"))
        info = stracemodel.sock_annot("TCPv6:[[::1]:80->[::1]:4000]")
        self.assertEqual((info.local, info.remote), ("[::1]:80", "[::1]:4000"))
        self.assertIsNone(stracemodel.sock_annot("pipe:[123]"))

    def test_unix_peer_shown_on_one_side(self):
        # The client's annotation never names its peer; the accepted
        # end's does: they are still each other's.
        text = (
            '600 5000.01 socket(AF_UNIX, SOCK_STREAM, 0) = 3<UNIX-STREAM:[9001]>\n'
            '600 5000.02 bind(3<UNIX-STREAM:[9001]>, {sa_family=AF_UNIX, '
            'sun_path="/s"}, 5) = 0\n'
            '600 5000.03 listen(3<UNIX-STREAM:[9001,"/s"]>, 5) = 0\n'
            '600 5000.04 socket(AF_UNIX, SOCK_STREAM, 0) = 4<UNIX-STREAM:[9002]>\n'
            '600 5000.05 connect(4<UNIX-STREAM:[9002]>, {sa_family=AF_UNIX, '
            'sun_path="/s"}, 5) = 0\n'
            '600 5000.06 accept(3<UNIX-STREAM:[9001,"/s"]>, {sa_family=AF_UNIX}, '
            '[16 => 2]) = 5<UNIX-STREAM:[9003->9002,"/s"]>\n')
        m = stracemodel.build(straceparse.read_calls(text.splitlines(True))[0])
        client = [s for s in m.socks if s.inode == 9002][0]
        self.assertEqual(compare.strace_peer(m, client).inode, 9003)

    def test_collector_is_not_the_program(self):
        text = (
            '500 4000.1 socket(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC, 0) = '
            '3<UNIX:[8001]>\n'
            '500 4000.2 connect(3<UNIX:[8001]>, {sa_family=AF_UNIX, '
            'sun_path="/tmp/socklens-AbC123/collector.sock"}, 110) = 0\n'
            '500 4000.3 +++ exited with 0 +++\n')
        r = run(text, [], [{"type": "hello", "pid": 500}])
        self.assertEqual(r.mismatches, [])
        self.assertIn("collector", r.classified[0][0])


if __name__ == "__main__":
    unittest.main(verbosity=1)
