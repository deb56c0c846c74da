#!/usr/bin/env python3
"""test_api_resilience - several webapi workers, each with its own
connection; a worker whose connection was killed reconnects on the next
request; while the database cannot be reached the API answers 503 JSON
with Retry-After, and it recovers once the database is back. The outage is
made with a private webapi that reaches PostgreSQL through a TCP relay this
test can cut."""

import os
import re
import socket
import tempfile
import threading
import time

import pslib
import test_api_util as api


class Relay:
    """127.0.0.1:port -> PostgreSQL's unix socket; stop() cuts every connection."""

    def __init__(self, unix_path, port=0):
        self.unix_path = unix_path
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", port))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.conns = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            u.connect(self.unix_path)
            self.conns += [c, u]
            threading.Thread(target=pslib.pump, args=(c, u), daemon=True).start()
            threading.Thread(target=pslib.pump, args=(u, c), daemon=True).start()

    def stop(self):
        self.running = False
        try:  # wakes the accept() of the other thread; close() alone would not
            self.lsock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.lsock.close()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.conns = []


def conninfo_field(conninfo, key, default=None):
    m = re.search(r"(?:^|\s)%s=(\S+)" % key, conninfo)
    return m.group(1) if m else default


def check_workers(st, checks):
    """The shared stack: several workers, and reconnection after their
    backends are terminated."""
    sql = ("SELECT count(*) FROM pg_stat_activity WHERE usename = 'packetsight_web'"
           " AND application_name = 'packetsight-webapi'")
    for _ in range(8):  # every worker answers at least one of these
        api.request(st, "GET", "/api/health")
    n = int(st.scalar(sql, st.web_db))
    checks.check(n >= 2, "webapi workers with their own connection: %d, want >= 2" % n)
    killed = int(st.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                           " WHERE usename = 'packetsight_web' AND application_name = 'packetsight-webapi'",
                           st.web_db))
    checks.check(killed >= 2, "terminated %d webapi backends" % killed)
    time.sleep(0.3)
    statuses = [api.request(st, "GET", "/api/stats").status for _ in range(8)]
    checks.equal(statuses, [200] * 8, "answers after the backends were terminated")


def check_outage(st, checks):
    host = conninfo_field(st.web_db, "host", "/var/run/postgresql")
    port = conninfo_field(st.web_db, "port", "5432")
    dbname = conninfo_field(st.web_db, "dbname", "packetsight")
    relay = Relay(os.path.join(host, ".s.PGSQL.%s" % port))
    conninfo = "host=127.0.0.1 port=%d dbname=%s user=packetsight_web connect_timeout=2" % (relay.port, dbname)
    with tempfile.TemporaryDirectory(prefix="ps-api-outage-") as tmp:
        w = api.PrivateWebapi(st, tmp, {}, conninfo)
        try:
            status, _, body = w.request("GET", "/api/stats")
            checks.equal(status, 200, "private webapi before the outage (%r)" % body[:200])
            relay.stop()
            for path in ("/api/stats", "/api/flows?limit=1", "/api/health"):
                status, headers, body = w.request("GET", path)
                checks.equal(status, 503, "%s during the outage (%r)" % (path, body[:200]))
                checks.check(b'"error"' in body and b'"detail"' in body or path == "/api/health",
                             "%s: 503 body %r" % (path, body[:200]))
                checks.equal(headers.get("retry-after"), "5", "%s: Retry-After" % path)
            relay = Relay(relay.unix_path, relay.port)
            status, _, body = w.request("GET", "/api/stats")
            checks.equal(status, 200, "private webapi after the outage (%r)" % body[:200])
            checks.check(w.proc.poll() is None, "private webapi died during the outage")
        finally:
            relay.stop()
            w.stop()


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    check_workers(st, checks)
    check_outage(st, checks)
    checks.finish()


if __name__ == "__main__":
    main()
