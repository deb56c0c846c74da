#!/usr/bin/env python3
"""GET /api/metrics through nginx: Prometheus text format whose values agree
with the database (jobs by state, captures by kind and status, stored
packets, one heartbeat line per sensor)."""
import re

import pslib

st = pslib.Stack(__doc__.splitlines()[0])
ck = pslib.Checks()

status, ctype, body = st.get("/api/metrics")
ck.equal(status, 200, "metrics status")
ck.check(ctype.startswith("text/plain; version=0.0.4"), "metrics content type %r" % ctype)
text = body.decode("utf-8")
samples = {}
for line in text.splitlines():
    if line.startswith("#") or not line:
        continue
    m = re.fullmatch(r'([a-z_]+)(\{[^}]*\})? (\S+)', line)
    ck.check(m is not None, "sample line is well formed: %r" % line)
    if m:
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
for state in ("queued", "running", "done", "failed"):
    want = int(st.scalar("SELECT count(*) FROM jobs WHERE state = '%s'" % state))
    ck.equal(samples.get('packetsight_jobs{state="%s"}' % state), float(want), "jobs %s" % state)
want = float(st.scalar("SELECT coalesce(sum(packets), 0) FROM captures"))
ck.equal(samples.get("packetsight_stored_packets_total"), want, "stored packets")
for kind, stat, n in st.psql("SELECT kind, status, count(*) FROM captures GROUP BY 1, 2"):
    key = 'packetsight_captures{kind="%s",status="%s"}' % (kind, stat)
    ck.equal(samples.get(key), float(n), key)
for (name,) in st.psql("SELECT name FROM sensors"):
    key = 'packetsight_sensor_heartbeat_age_seconds{sensor="%s"}' % name
    ck.check(key in samples, "heartbeat line for sensor %s" % name)
status, _, _ = st.get("/api/metrics?x=1")
ck.check(status in (200, 400), "metrics with a query string answers")
ck.finish()
