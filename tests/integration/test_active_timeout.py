#!/usr/bin/env python3
"""Active timeout in a live capture: a private captured daemon with
active-timeout = 3 captures two TCP connections to a server this test runs
on 127.0.0.1. One sends a segment every second, the other sends once and
then stays quiet (still open). Both must be in the flows table, exported
with end_reason 'active', within a few seconds of the timeout while they
are still open: the quiet one by the daemon's per-second tick, without a
new packet."""
import os
import socket
import tempfile
import threading
import time

import pslib
import sensorlib

st = pslib.Stack(__doc__.splitlines()[0])
ck = pslib.Checks()
NAME = "activetest-%d" % os.getpid()
ACTIVE = 3
# exported at most ACTIVE + 1 s (tick) after the flow starts, then shipped
# with the next per-second batch; slack for a loaded machine
DEADLINE = ACTIVE + 7


def server(listener, stop):
    listener.settimeout(0.2)
    conns = []
    while not stop.is_set():
        try:
            c, _ = listener.accept()
            c.setblocking(False)
            conns.append(c)
        except socket.timeout:
            pass
        for c in conns:
            try:
                c.recv(4096)
            except (BlockingIOError, OSError):
                pass
    for c in conns:
        c.close()


def flow_rows(cid, client_port):
    return st.psql("SELECT end_reason, orig_pkts + resp_pkts FROM flows WHERE capture_id = %d"
                   " AND (orig_p = %d OR resp_p = %d) ORDER BY ts" % (cid, client_port, client_port))


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    stop = threading.Event()
    th = threading.Thread(target=server, args=(listener, stop), daemon=True)
    th.start()
    cid = None
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        d = sensorlib.Daemon(st, NAME, st.writer_db,
                             ["active-timeout=%d" % ACTIVE,
                              "capture=lo filter=tcp and host 127.0.0.1 and port %d" % port],
                             os.path.join(tmp, "captured.log"))
        try:
            cid = d.capture_id()
            busy = socket.create_connection(("127.0.0.1", port))
            quiet = socket.create_connection(("127.0.0.1", port))
            t0 = time.time()
            quiet.sendall(b"hello, then silence\n")
            busy_port, quiet_port = busy.getsockname()[1], quiet.getsockname()[1]
            busy_seen = quiet_seen = None
            while time.time() - t0 < DEADLINE and not (busy_seen and quiet_seen):
                busy.sendall(b"tick\n")
                time.sleep(1)
                if busy_seen is None and any(r[0] == "active" for r in flow_rows(cid, busy_port)):
                    busy_seen = time.time() - t0
                if quiet_seen is None and any(r[0] == "active" for r in flow_rows(cid, quiet_port)):
                    quiet_seen = time.time() - t0
            print("active export after: busy %s s, quiet %s s (timeout %d s)"
                  % (busy_seen, quiet_seen, ACTIVE))
            ck.check(busy_seen is not None,
                     "a busy open connection is in flows within %d s (rows %r)"
                     % (DEADLINE, flow_rows(cid, busy_port)))
            ck.check(quiet_seen is not None,
                     "a quiet open connection is exported on the tick within %d s (rows %r)"
                     % (DEADLINE, flow_rows(cid, quiet_port)))
            ck.check(busy_seen is None or busy_seen >= ACTIVE - 0.5,
                     "not exported before its active timeout (%s s)" % busy_seen)
            rows = flow_rows(cid, quiet_port)
            ck.check(len(rows) == 1 and int(rows[0][1]) >= 4,
                     "the quiet connection: one record with its handshake and data (%r)" % rows)
            busy.close()
            quiet.close()
        finally:
            rc = d.stop()
            stop.set()
            th.join()
            listener.close()
            ck.equal(rc, 0, "daemon exit status")
            sensorlib.forget(st, NAME, [cid] if cid else [])
    ck.finish()


main()
