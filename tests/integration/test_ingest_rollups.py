#!/usr/bin/env python3
"""Rollups supplied by captured equal the ones PostgreSQL computes: every
shared capture and a generated one are read with `captured --read`; the
host, port and service rollups of each (and the all-captures host rollup)
must not change when ps_rollup_rebuild() recomputes them from the flows.
Also: the capture is committed whole (flows and rollups), and deleting it
takes its rollups away."""
import os
import re
import tempfile

import pslib

st = pslib.Stack(__doc__.splitlines()[0])
ck = pslib.Checks()

def rebuild_diff(cid):
    return pslib.rollup_rebuild_diff(st, cid)


def read(path, extra=()):
    p = st.run([st.exe("captured"), "--read", path] + list(extra),
               env_extra={"PACKETSIGHT_DB": st.writer_db})
    m = re.search(r"capture_id=(\d+)", p.stdout)
    if p.returncode != 0 or not m:
        return None
    return int(m.group(1))


def main():
    ids = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        gen = os.path.join(tmp, "gen.pcap")
        st.run([st.exe("ps-pcapgen"), "--out", gen, "--packets", "40000", "--hosts", "800",
                "--seed", "5"])
        files = [gen] + sorted(os.path.join(st.pcaps, f) for f in os.listdir(st.pcaps)
                               if f.endswith((".pcap", ".pcapng")))
        for path in files:
            cid = read(path, ["--packets", "none"])
            if cid is None:
                continue  # refused as bad input: nothing to compare
            ids.append(cid)
            hosts, ports, services, everyone, n = rebuild_diff(cid)
            flows = int(st.scalar("SELECT count(*) FROM flows WHERE capture_id = %d" % cid))
            ck.equal(st.scalar("SELECT count(*) FROM rollup_supplied"), "0",
                     "%s: no supply marker left after commit" % os.path.basename(path))
            ck.check(flows == 0 or n > 0, "%s: %d flows rolled up into %d hosts"
                     % (os.path.basename(path), flows, n))
            ck.equal([hosts, ports, services, everyone], [0, 0, 0, 0],
                     "%s: rows that differ from ps_rollup_rebuild (hosts, ports, services,"
                     " all hosts)" % os.path.basename(path))
        ck.check(len(ids) >= 10, "%d captures read" % len(ids))
        # deleting a capture takes its supplied rollups away again
        if ids:
            cid = ids[0]
            for t in ("flows", "packets", "traffic", "dns", "http", "tls", "alerts"):
                st.psql("DELETE FROM %s WHERE capture_id = %d" % (t, cid))
            st.psql("DELETE FROM captures WHERE id = %d" % cid)
            left = st.scalar("SELECT (SELECT count(*) FROM host_rollup WHERE capture_id = %d)"
                             " + (SELECT count(*) FROM port_rollup WHERE capture_id = %d)"
                             " + (SELECT count(*) FROM service_rollup WHERE capture_id = %d)"
                             % (cid, cid, cid))
            ck.equal(left, "0", "deleting the capture's flows empties its rollups")
            ids = ids[1:]
    for cid in ids:
        for t in ("flows", "packets", "traffic", "dns", "http", "tls", "alerts"):
            st.psql("DELETE FROM %s WHERE capture_id = %d" % (t, cid))
        st.psql("DELETE FROM captures WHERE id = %d" % cid)
    ck.finish()


main()
