#!/usr/bin/env python3
"""The live writer while PostgreSQL is away: a private captured daemon
captures UDP sent to 127.0.0.1 with a 1 MiB memory queue and a spool
directory while its connection to PostgreSQL is cut (a relay socket this
test owns). Batches must land in the spool, be replayed in order once the
database is back, and add up (traffic buckets == packets captured == packet
rows, every frame once, the spool emptied). A second run without a spool
directory must count what it could not keep (dropped batches and rows in
the sensor status), never lose it silently."""
import os
import socket
import struct
import tempfile
import threading
import time

import pslib
import sensorlib

st = pslib.Stack(__doc__.splitlines()[0])
ck = pslib.Checks()
NAME = "spooltest-%d" % os.getpid()
DATAGRAMS = 20000  # about 3 MiB of packet rows: several times the queue


def receiver(port, stop):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.2)
    while not stop.is_set():
        try:
            s.recv(2048)
        except socket.timeout:
            pass
    s.close()


def send_burst(port, n):
    """n datagrams to 127.0.0.1:port, paced so the capture buffer keeps up."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payload = b"packetsight-spool-test " * 4
    for i in range(n):
        s.sendto(payload, ("127.0.0.1", port))
        if i % 500 == 499:
            time.sleep(0.02)
    s.close()


TABLES = 7  # flows, packets, traffic, dns, http, tls, alerts (captured/batch.h)


def legacy_spool_file(path, cid):
    """A spool file as builds before the version tag wrote it: per table four
    native 64-bit words (bytes, rows, first and last µs) and COPY text."""
    ts = 1735689600 * 1000000  # 2025-01-01 00:00:00 UTC
    rows = {
        1: "%d\t2025-01-01 00:00:00.000001+00\t1\t\\N\t10.0.0.1\t10.0.0.2\t1234\t53\tudp\t60"
           "\t60\t\\N\t64\t\\N\t\\N\tlegacy spool row\n" % cid,
        2: "%d\t2025-01-01 00:00:00+00\t1\t1\t60\t0\t1\t0\t0\t0\t60\t0\t0\t1\t0\t0\t1\t0\t0\n"
           % cid,
    }
    with open(path, "wb") as f:
        for t in range(TABLES):
            data = rows.get(t, "").encode()
            n = 1 if data else 0
            f.write(struct.pack("=4Q", len(data), n, ts if n else (1 << 63) - 1,
                                ts + 1 if n else (1 << 64) - (1 << 63)))
            f.write(data)


def spool_files(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".batch"))


def wait_for(cond, timeout, step=0.25):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def run(tmp, name, spool, port, ignore=()):
    """One daemon run with the database cut during the burst. Returns
    (daemon, capture id, spool files seen while cut, not counting ignore)."""
    relay = sensorlib.PgRelay(st.writer_db, sensorlib.service_dir(os.path.join(tmp, "sock-" + name)))
    relay.restore()
    settings = ["queue-mb=1", "spool-dir=" + (spool or ""),
                "capture=lo buffer_mb=32 filter=udp and host 127.0.0.1 and port %d" % port]
    d = sensorlib.Daemon(st, name, relay.conninfo, settings, os.path.join(tmp, name + ".log"))
    cid = d.capture_id()
    relay.cut()
    send_burst(port, DATAGRAMS)
    seen = []
    if spool:
        mine = lambda: [f for f in spool_files(spool) if f not in ignore]
        seen = wait_for(lambda: len(mine()) >= 2 and mine(), 20) or []
    else:
        time.sleep(4)  # the per-second batches pile up behind the cut
    relay.restore()
    return d, cid, seen, relay


def spool_test(tmp, capture_ids):
    port = sensorlib.free_port()
    stop = threading.Event()
    th = threading.Thread(target=receiver, args=(port, stop), daemon=True)
    th.start()
    spool = sensorlib.service_dir(os.path.join(tmp, "spool"))
    # a batch left in the spool by an older build (text rows) is replayed too
    old = int(st.scalar("INSERT INTO captures (kind, source, status) VALUES"
                        " ('file', 'legacy spool test', 'done') RETURNING id"))
    capture_ids.append(old)
    legacy_name = "%012d.batch" % 0
    legacy_spool_file(os.path.join(spool, legacy_name), old)
    d, cid, seen, relay = run(tmp, NAME, spool, port, ignore=(legacy_name,))
    capture_ids.append(cid)
    ck.check(len(seen) >= 2, "batches land in the spool directory while PostgreSQL is away "
             "(saw %r)" % seen)
    # replay: backoff is capped at 30 s
    wait_for(lambda: not spool_files(spool), 75)
    ck.check(not spool_files(spool),
             "the spool is emptied once PostgreSQL is back (left: %r)" % spool_files(spool))
    # The old build's file goes first, at start or, when the cut came
    # before the daemon got to it, with the rest after the cut.
    legacy = st.psql("SELECT (SELECT count(*) FROM packets WHERE capture_id = %d AND info ="
                     " 'legacy spool row'), (SELECT sum(packets) FROM traffic WHERE capture_id = %d)"
                     % (old, old))
    ck.equal(legacy, [["1", "1"]], "a spool file of an older build is replayed")
    status = wait_for(lambda: (lambda s: s if s.get("connected") == "true" and s.get("spooled_batches", 0)
                               >= len(seen) else None)(d.writer_status()), 15) or d.writer_status()
    ck.check(status.get("spooled_batches", 0) >= len(seen),
             "sensor status counts the spooled batches: %r" % status)
    ck.equal(status.get("dropped_batches"), 0, "nothing dropped with a spool directory")
    rc = d.stop()
    relay.cut()
    stop.set()
    th.join()
    ck.equal(rc, 0, "daemon exit status")
    ck.equal(st.scalar("SELECT status FROM captures WHERE id = %d" % cid), "done",
             "the live capture is closed after the replay")
    pk = int(st.scalar("SELECT packets FROM captures WHERE id = %d" % cid))
    tr = int(st.scalar("SELECT coalesce(sum(packets), 0) FROM traffic WHERE capture_id = %d" % cid))
    rows, frames, top = st.psql("SELECT count(*), count(DISTINCT frame), coalesce(max(frame), 0)"
                                " FROM packets WHERE capture_id = %d" % cid)[0]
    drops = int(st.scalar("SELECT coalesce(sum(drops), 0) FROM traffic WHERE capture_id = %d" % cid))
    sent = int(st.scalar("SELECT count(*) FROM packets WHERE capture_id = %d AND dport = %d"
                         % (cid, port)))
    print("captured %d, traffic %d, packet rows %s (%s distinct frames, last %s), kernel drops %d,"
          " test datagrams stored %d of %d" % (pk, tr, rows, frames, top, drops, sent, DATAGRAMS))
    ck.check(pk >= DATAGRAMS - drops, "the capture saw the burst (%d packets)" % pk)
    ck.equal(tr, pk, "traffic buckets add up to the packets captured")
    ck.equal(int(rows), pk, "one packet row per packet captured")
    ck.check(int(frames) == int(rows) == int(top), "every frame stored once, none missing")
    ck.equal(sent, DATAGRAMS - drops, "every datagram sent is stored (minus kernel drops)")
    dup = st.scalar("SELECT count(*) - count(DISTINCT bucket) FROM traffic WHERE capture_id = %d" % cid)
    ck.equal(dup, "0", "no traffic bucket replayed twice")
    # Each batch commits in its own transaction, in order: a later frame
    # never has an older transaction id than an earlier one.
    disorder = st.scalar(
        "SELECT count(*) FROM (SELECT xmin::text::bigint AS x,"
        " lag(xmin::text::bigint) OVER (ORDER BY frame) AS px"
        " FROM packets WHERE capture_id = %d) s WHERE x < px" % cid)
    ck.equal(disorder, "0", "batches replayed in capture order")


def dropped_test(tmp, capture_ids):
    """No spool directory and a 1 MiB queue: what does not fit is counted."""
    port = sensorlib.free_port()
    stop = threading.Event()
    th = threading.Thread(target=receiver, args=(port, stop), daemon=True)
    th.start()
    name = NAME + "-nospool"
    d, cid, _, relay = run(tmp, name, None, port)
    capture_ids.append(cid)
    status = wait_for(lambda: (lambda s: s if s.get("connected") == "true" else None)(d.writer_status()), 75) \
        or d.writer_status()
    rc = d.stop()
    relay.cut()
    stop.set()
    th.join()
    ck.equal(rc, 0, "daemon exit status (no spool)")
    print("writer status without a spool: %r" % status)
    ck.check(status.get("dropped_batches", 0) > 0 and status.get("dropped_rows", 0) > 0,
             "batches that fit neither queue nor spool are counted: %r" % status)
    pk = int(st.scalar("SELECT packets FROM captures WHERE id = %d" % cid))
    rows = int(st.scalar("SELECT count(*) FROM packets WHERE capture_id = %d" % cid))
    ck.check(0 < pk - rows <= status.get("dropped_rows", 0),
             "the packet rows missing (%d of %d) are within the rows counted as dropped (%r)"
             % (pk - rows, pk, status.get("dropped_rows")))
    sensorlib.forget(st, name, [])


def main():
    capture_ids = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        try:
            spool_test(tmp, capture_ids)
            dropped_test(tmp, capture_ids)
        finally:
            sensorlib.forget(st, NAME, capture_ids)
    ck.finish()


main()
