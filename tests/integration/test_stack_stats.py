#!/usr/bin/env python3
"""test_stack_stats - the whole stack end to end: nginx -> webapi -> PostgreSQL
health, a file analysed by `captured --read` showing up in /api/stats, JSON
404s, and a dashboard page that loads nothing from other hosts."""

import re

import pslib

WIKIPEDIA = "zeek__wikipedia.pcap"
WIKIPEDIA_PACKETS = 136  # tshark and libpcap agree (shared/pcaps/MANIFEST.tsv)


def schema_version_of(health):
    """The schema version in a /api/health answer, wherever it sits."""
    for key in ("schema_version", "schema"):
        v = health.get(key)
        if isinstance(v, dict):
            v = v.get("version")
        if pslib.as_int(v) is not None:
            return pslib.as_int(v)
    return None


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    captured = st.exe("captured")
    pcap = st.pcap(WIKIPEDIA)

    # --- health ---------------------------------------------------------
    db_version = int(st.scalar("SELECT max(version) FROM schema_migrations"))
    health = st.get_json("/api/health", checks)
    if isinstance(health, dict):
        checks.check(health.get("database") is True,
                     "/api/health: database is %r, want true (%r)" % (health.get("database"), health))
        checks.equal(schema_version_of(health), db_version, "/api/health schema version")
    else:
        checks.fail("/api/health: not a JSON object: %r" % (health,))

    # --- a file through captured --read ------------------------------------
    before = st.get_json("/api/stats", checks)
    packets_before = pslib.as_int(before.get("packets")) if isinstance(before, dict) else None
    checks.check(packets_before is not None, "/api/stats: no integer packets in %r" % (before,))
    for key in ("packets", "bytes", "flows", "captures", "hosts"):
        checks.check(isinstance(before, dict) and pslib.as_int(before.get(key)) is not None,
                     "/api/stats: key %r missing or not an integer in %r" % (key, before))

    p = st.run([captured, "--read", pcap], {"PACKETSIGHT_DB": st.writer_db})
    if p.returncode != 0:
        checks.fail("captured --read %s: exit %d" % (WIKIPEDIA, p.returncode))
        checks.finish()
    m = re.search(r"\bcapture_id=(\d+)\b", p.stdout)
    if not m:
        checks.fail("captured --read printed no capture_id=N: %r" % p.stdout)
        checks.finish()
    cid = int(m.group(1))

    rows = st.psql("SELECT packets, status, kind FROM captures WHERE id = %d" % cid)
    if checks.equal(len(rows), 1, "captures rows with id %d" % cid):
        packets, status, kind = rows[0]
        checks.equal(int(packets), WIKIPEDIA_PACKETS, "captures.packets for capture %d" % cid)
        checks.equal(kind, "file", "captures.kind for capture %d" % cid)
        checks.equal(status, "done", "captures.status for capture %d" % cid)
    db_flows = int(st.scalar("SELECT count(*) FROM flows WHERE capture_id = %d" % cid))
    checks.check(db_flows > 0, "capture %d has no flows" % cid)

    one = st.get_json("/api/stats?capture=%d" % cid, checks)
    if isinstance(one, dict):
        checks.equal(pslib.as_int(one.get("packets")), WIKIPEDIA_PACKETS,
                     "/api/stats?capture=%d packets" % cid)
        checks.equal(pslib.as_int(one.get("flows")), db_flows,
                     "/api/stats?capture=%d flows (vs count(*) in flows)" % cid)
    else:
        checks.fail("/api/stats?capture=%d: not a JSON object: %r" % (cid, one))

    after = st.get_json("/api/stats", checks)
    packets_after = pslib.as_int(after.get("packets")) if isinstance(after, dict) else None
    if packets_before is not None and packets_after is not None:
        checks.equal(packets_after - packets_before, WIKIPEDIA_PACKETS,
                     "increase of total /api/stats packets after reading %s" % WIKIPEDIA)

    # --- errors are JSON too ----------------------------------------------
    nope = st.get_json("/api/nope", checks, want_status=404)
    checks.check(isinstance(nope, dict), "/api/nope: body is not a JSON object: %r" % (nope,))

    # --- the dashboard ------------------------------------------------------
    status, ctype, body = st.get("/")
    checks.equal(status, 200, "GET / status")
    checks.check(ctype.split(";")[0].strip() == "text/html", "GET / Content-Type %r, want text/html" % ctype)
    html = body.decode("utf-8", "replace")
    # Third-party code comes from npm into www/, never from a CDN.
    external = re.findall(
        r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""",
        html, re.IGNORECASE)
    checks.check(not external, "GET / loads from other hosts: %s" % ", ".join(external))

    checks.finish()


if __name__ == "__main__":
    main()
