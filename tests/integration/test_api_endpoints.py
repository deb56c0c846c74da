#!/usr/bin/env python3
"""test_api_endpoints - every JSON API endpoint through nginx and the real
webapi, against captures loaded with `captured --read`; the values are
cross-checked with SQL on the same database (webapi/API.md is the spec)."""

import csv
import gzip
import io
import json
import time
import urllib.parse

import pslib
import test_api_util as api

MAIN = "ndpi__1kxun.pcap"          # 1723 packets, ~200 flows, TLS/HTTP/DNS
DNS = "chrissanders__dns_lab.pcapng"
WIKI = "zeek__wikipedia.pcap"      # HTTP and DNS


def q(path, **params):
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


def all_items(st, checks, path, **params):
    """Every item of a list, following next_cursor; checks no repeats."""
    items, cursor, pages = [], None, 0
    while True:
        p = dict(params)
        if cursor:
            p["cursor"] = cursor
        doc = api.get_json(st, checks, q(path, **p))
        if not isinstance(doc, dict) or "items" not in doc:
            return items
        items += doc["items"]
        cursor = doc.get("next_cursor")
        pages += 1
        if not cursor or pages > 10000:
            return items


def sql_int(st, sql):
    return int(st.scalar(sql))


def check_stats(st, checks, cid):
    doc = api.get_json(st, checks, q("/api/stats", capture=cid))
    if not isinstance(doc, dict):
        return
    checks.equal(doc.get("packets"), sql_int(st, "SELECT packets FROM captures WHERE id=%d" % cid), "stats packets")
    checks.equal(doc.get("flows"), sql_int(st, "SELECT count(*) FROM flows WHERE capture_id=%d" % cid), "stats flows")
    checks.equal(doc.get("hosts"), sql_int(st, "SELECT count(DISTINCT h) FROM (SELECT orig_h h FROM flows WHERE capture_id=%d UNION SELECT resp_h FROM flows WHERE capture_id=%d) s" % (cid, cid)), "stats hosts")
    total = api.get_json(st, checks, "/api/stats")
    checks.equal(total.get("flows"), sql_int(st, "SELECT count(*) FROM flows"), "stats flows (all)")
    checks.equal(total.get("packets"), sql_int(st, "SELECT coalesce(sum(packets),0) FROM captures"), "stats packets (all)")
    api.get_json(st, checks, q("/api/stats", capture=987654321), want=404)


def check_protocols(st, checks, cid):
    doc = api.get_json(st, checks, q("/api/protocol-distribution", capture=cid))
    tr = {t["proto"]: t for t in doc.get("transports", [])}
    for proto in ("tcp", "udp", "icmp", "other"):
        want = st.psql("SELECT coalesce(sum(%s_packets),0), coalesce(sum(%s_bytes),0) FROM traffic WHERE capture_id=%d" % (proto, proto, cid))[0]
        got = tr.get(proto, {})
        checks.equal([got.get("packets"), got.get("bytes")], [int(want[0]), int(want[1])], "protocol-distribution %s" % proto)
    rows = st.psql("SELECT proto, coalesce(service,'-'), count(*), sum(orig_pkts+resp_pkts), sum(orig_l2_bytes+resp_l2_bytes) FROM flows WHERE capture_id=%d GROUP BY 1,2" % cid)
    want = {(r[0], r[1]): [int(r[2]), int(r[3]), int(r[4])] for r in rows}
    got = {(s["proto"], s["service"]): [s["flows"], s["packets"], s["bytes"]] for s in doc.get("services", [])}
    checks.equal(got, want, "protocol-distribution services")
    # a time range aggregates the flows instead of the rollup: same totals
    rng = api.get_json(st, checks, q("/api/protocol-distribution", capture=cid, **{"from": "1970-01-01", "to": "2100-01-01"}))
    got = {(s["proto"], s["service"]): [s["flows"], s["packets"], s["bytes"]] for s in rng.get("services", [])}
    checks.equal(got, want, "protocol-distribution services with a time range")


def check_timeline(st, checks, cid):
    doc = api.get_json(st, checks, q("/api/traffic-timeline", capture=cid))
    pts = doc.get("points", [])
    checks.equal(sum(p["packets"] for p in pts), sql_int(st, "SELECT sum(packets) FROM traffic WHERE capture_id=%d" % cid), "timeline packets (auto bucket)")
    checks.check(isinstance(doc.get("bucket_s"), int) and len(pts) <= 500, "timeline: bucket %r, %d points" % (doc.get("bucket_s"), len(pts)))
    one = api.get_json(st, checks, q("/api/traffic-timeline", capture=cid, bucket=1))
    checks.equal(len(one.get("points", [])), sql_int(st, "SELECT count(DISTINCT bucket) FROM traffic WHERE capture_id=%d" % cid), "timeline points at 1 s")
    checks.equal(sum(p["new_flows"] for p in one.get("points", [])), sql_int(st, "SELECT sum(new_flows) FROM traffic WHERE capture_id=%d" % cid), "timeline new_flows")
    first = st.scalar("SELECT to_char(min(bucket) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM traffic WHERE capture_id=%d" % cid)
    win = api.get_json(st, checks, q("/api/traffic-timeline", capture=cid, bucket=1, **{"from": first, "to": first}))
    checks.equal(win.get("points"), [], "timeline: empty range")


TALKERS_SQL = """
SELECT host(h), sum(pk), sum(by), count(*) FROM (
  SELECT orig_h h, orig_pkts+resp_pkts pk, orig_l2_bytes+resp_l2_bytes by, 1 r FROM flows WHERE capture_id=%(c)d %(t)s
  UNION ALL
  SELECT resp_h, orig_pkts+resp_pkts, orig_l2_bytes+resp_l2_bytes, 2 FROM flows WHERE capture_id=%(c)d %(t)s) s
WHERE %(role)s GROUP BY h ORDER BY %(order)s DESC, h LIMIT 5
"""


def check_talkers(st, checks, cid):
    for by, order in (("bytes", 3), ("packets", 2), ("flows", 4)):
        for role, cond in (("any", "true"), ("src", "r = 1"), ("dst", "r = 2")):
            for ranged in (False, True):
                params = dict(capture=cid, by=by, role=role, limit=5)
                t = ""
                if ranged:
                    params.update({"from": "1970-01-01T00:00:00Z", "to": "2100-01-01"})
                    t = "AND ts >= '1970-01-01' AND ts < '2100-01-01'"
                doc = api.get_json(st, checks, q("/api/top-talkers", **params))
                got = [[x["host"], x["packets"], x["bytes"], x["flows"]] for x in doc.get("talkers", [])]
                want = [[r[0], int(r[1]), int(r[2]), int(r[3])] for r in st.psql(TALKERS_SQL % {"c": cid, "t": t, "role": cond, "order": order})]
                checks.equal(got, want, "top-talkers by=%s role=%s ranged=%s" % (by, role, ranged))


def check_ports_geo(st, checks, cid):
    doc = api.get_json(st, checks, q("/api/port-analysis", capture=cid, limit=5))
    got = [[p["proto"], p["port"], p["flows"], p["bytes"]] for p in doc.get("ports", [])]
    want = [[r[0], int(r[1]), int(r[2]), int(r[3])] for r in st.psql(
        "SELECT proto, resp_p, count(*), sum(orig_l2_bytes+resp_l2_bytes) FROM flows WHERE capture_id=%d AND resp_p IS NOT NULL GROUP BY 1,2 ORDER BY 4 DESC, 1, 2 LIMIT 5" % cid)]
    checks.equal(got, want, "port-analysis top 5 by bytes")
    names = {(p["proto"], p["port"]): p["service"] for p in doc.get("ports", [])}
    if ("tcp", 443) in names:
        checks.equal(names[("tcp", 443)], "https", "port-analysis service name of tcp/443")
    udp = api.get_json(st, checks, q("/api/port-analysis", capture=cid, transport="udp"))
    checks.check(all(p["proto"] == "udp" for p in udp.get("ports", [])), "port-analysis transport=udp")
    geo = api.get_json(st, checks, q("/api/geo-analysis", capture=cid))
    countries = geo.get("countries", [])
    hosts = sql_int(st, "SELECT count(DISTINCT h) FROM (SELECT orig_h h FROM flows WHERE capture_id=%d UNION SELECT resp_h FROM flows WHERE capture_id=%d) s" % (cid, cid))
    if sql_int(st, "SELECT count(*) FROM flows WHERE capture_id=%d AND (orig_cc IS NOT NULL OR resp_cc IS NOT NULL)" % cid) == 0:
        checks.equal([(c["cc"], c["hosts"]) for c in countries], [("unknown", hosts)], "geo-analysis without geolocation")
    else:
        checks.check(sum(c["hosts"] for c in countries) >= hosts, "geo-analysis hosts %r < %d" % (countries, hosts))


def check_recent(st, checks, cid):
    doc = api.get_json(st, checks, q("/api/recent-activity", capture=cid, limit=3))
    want = [r[0] for r in st.psql("SELECT uid FROM flows WHERE capture_id=%d ORDER BY ts DESC, uid DESC LIMIT 3" % cid)]
    checks.equal([f["uid"] for f in doc.get("flows", [])], want, "recent-activity flows")
    for key in ("captures", "jobs", "alerts", "flows", "dns", "http", "tls"):
        checks.check(isinstance(doc.get(key), list), "recent-activity: %s missing" % key)


FLOW_FILTERS = [
    ({"transport": "udp"}, "proto = 'udp'"),
    ({"app": "dns"}, "service = 'dns'"),
    ({"conn_state": "SF"}, "conn_state = 'SF'"),
    ({"port": "443"}, "(orig_p = 443 OR resp_p = 443)"),
    ({"host": "192.168.0.0/16"}, "(orig_h <<= '192.168.0.0/16' OR resp_h <<= '192.168.0.0/16')"),
    ({"q": "C"}, "(uid ILIKE '%%C%%' OR community_id ILIKE '%%C%%' OR service ILIKE '%%C%%' OR history ILIKE '%%C%%')"),
    ({"q": "_"}, "(uid LIKE '%%\\_%%' OR community_id LIKE '%%\\_%%' OR service LIKE '%%\\_%%' OR history LIKE '%%\\_%%')"),
]


def check_flows(st, checks, cid):
    items = all_items(st, checks, "/api/flows", capture=cid, limit=37)
    uids = [f["uid"] for f in items]
    want = [r[0] for r in st.psql("SELECT uid FROM flows WHERE capture_id=%d ORDER BY ts DESC, uid DESC" % cid)]
    checks.equal(uids, want, "flows: all pages in ts desc order")
    items = all_items(st, checks, "/api/flows", capture=cid, limit=50, sort="bytes", order="asc")
    got = [f["orig_l2_bytes"] + f["resp_l2_bytes"] for f in items]
    checks.check(got == sorted(got) and len(got) == len(want), "flows sort=bytes asc: order or count wrong")
    for params, cond in FLOW_FILTERS:
        got = len(all_items(st, checks, "/api/flows", capture=cid, limit=1000, **params))
        checks.equal(got, sql_int(st, "SELECT count(*) FROM flows WHERE capture_id=%d AND %s" % (cid, cond)), "flows filter %r" % params)
    mid = st.scalar("SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM flows WHERE capture_id=%d ORDER BY ts OFFSET 20 LIMIT 1" % cid)
    epoch = st.scalar("SELECT extract(epoch FROM ts)::numeric(20,6) FROM flows WHERE capture_id=%d ORDER BY ts OFFSET 20 LIMIT 1" % cid)
    want = sql_int(st, "SELECT count(*) FROM flows WHERE capture_id=%d AND ts >= '%s'" % (cid, mid))
    checks.equal(len(all_items(st, checks, "/api/flows", capture=cid, limit=1000, **{"from": mid})), want, "flows from=ISO")
    checks.equal(len(all_items(st, checks, "/api/flows", capture=cid, limit=1000, **{"from": epoch})), want, "flows from=epoch")
    checks.equal(len(all_items(st, checks, "/api/flows", capture=cid, limit=1000, to=mid)),
                 sql_int(st, "SELECT count(*) FROM flows WHERE capture_id=%d AND ts < '%s'" % (cid, mid)), "flows to=ISO")


def check_flow_detail(st, checks, cid):
    uid = st.scalar("SELECT f.uid FROM flows f WHERE capture_id=%d AND EXISTS (SELECT 1 FROM packets p WHERE p.uid=f.uid) ORDER BY orig_pkts+resp_pkts DESC, uid LIMIT 1" % cid)
    doc = api.get_json(st, checks, "/api/flows/" + uid)
    checks.equal(doc.get("flow", {}).get("uid"), uid, "flow detail uid")
    checks.equal(len(doc.get("packets", [])), min(1000, sql_int(st, "SELECT count(*) FROM packets WHERE uid='%s'" % uid)), "flow detail packets")
    for kind in ("dns", "http", "tls"):
        checks.equal(len(doc.get(kind, [])), sql_int(st, "SELECT count(*) FROM %s WHERE uid='%s'" % (kind, uid)), "flow detail %s" % kind)
    api.get_json(st, checks, "/api/flows/Cdoesnotexist0", want=404)


def check_packets(st, checks, cid):
    items = all_items(st, checks, "/api/packets", capture=cid, limit=1000)
    checks.equal(len(items), sql_int(st, "SELECT count(*) FROM packets WHERE capture_id=%d" % cid), "packets: all pages")
    checks.equal(len({(p["capture_id"], p["frame"]) for p in items}), len(items), "packets: repeated rows across pages")
    uid = st.scalar("SELECT uid FROM packets WHERE capture_id=%d AND uid IS NOT NULL LIMIT 1" % cid)
    got = all_items(st, checks, "/api/packets", capture=cid, uid=uid, sort="length", order="asc")
    checks.equal(len(got), sql_int(st, "SELECT count(*) FROM packets WHERE capture_id=%d AND uid='%s'" % (cid, uid)), "packets uid filter")
    checks.equal([p["length"] for p in got], sorted(p["length"] for p in got), "packets sort=length asc")
    tcp = all_items(st, checks, "/api/packets", capture=cid, transport="tcp", port=443, limit=1000)
    checks.equal(len(tcp), sql_int(st, "SELECT count(*) FROM packets WHERE capture_id=%d AND proto='tcp' AND (sport=443 OR dport=443)" % cid), "packets transport+port")


def check_hosts(st, checks, cid):
    items = all_items(st, checks, "/api/hosts", capture=cid, limit=25)
    want = st.psql("""SELECT host(h), count(*), sum(by) FROM (SELECT orig_h h, orig_l2_bytes+resp_l2_bytes by FROM flows WHERE capture_id=%d
                      UNION ALL SELECT resp_h, orig_l2_bytes+resp_l2_bytes FROM flows WHERE capture_id=%d) s GROUP BY h ORDER BY 3 DESC, h DESC""" % (cid, cid))
    checks.equal([[h["host"], h["flows"], h["bytes"]] for h in items], [[r[0], int(r[1]), int(r[2])] for r in want], "hosts: all pages by bytes")
    ranged = all_items(st, checks, "/api/hosts", capture=cid, limit=1000, sort="host", order="asc", **{"from": "1970-01-01"})
    checks.equal(len(ranged), len(want), "hosts with a time range (flows path)")
    sub = all_items(st, checks, "/api/hosts", capture=cid, host="192.168.0.0/16")
    checks.check(all(h["host"].startswith("192.168.") for h in sub) and sub, "hosts host=CIDR: %r" % [h["host"] for h in sub][:5])
    ip = want[0][0]
    doc = api.get_json(st, checks, q("/api/hosts/" + ip, capture=cid))
    checks.equal(doc.get("traffic", {}).get("flows"), int(want[0][1]), "host detail flows")
    peers = sql_int(st, "SELECT count(DISTINCT CASE WHEN orig_h='%s' THEN resp_h ELSE orig_h END) FROM flows WHERE capture_id=%d AND (orig_h='%s' OR resp_h='%s')" % (ip, cid, ip, ip))
    checks.equal(len(doc.get("peers", [])), min(50, peers), "host detail peers")
    for key in ("ports", "names", "alerts"):
        checks.check(isinstance(doc.get(key), list), "host detail: %s missing" % key)
    api.get_json(st, checks, "/api/hosts/203.0.113.254", want=404)
    api.get_json(st, checks, "/api/hosts/not-an-ip", want=400)


def check_events(st, checks, dns_cid, wiki_cid, main_cid):
    got = all_items(st, checks, "/api/dns", capture=dns_cid, limit=3)
    checks.equal(len(got), sql_int(st, "SELECT count(*) FROM dns WHERE capture_id=%d" % dns_cid), "dns: all pages")
    checks.equal(len(got), len({(d["ts"], d["uid"], d["trans_id"], d["query"]) for d in got}) if got else 0, "dns: rows repeated")
    got = all_items(st, checks, "/api/dns", capture=wiki_cid, q="WIKI", qtype="A")
    checks.equal(len(got), sql_int(st, "SELECT count(*) FROM dns WHERE capture_id=%d AND query ILIKE '%%wiki%%' AND qtype_name='A'" % wiki_cid), "dns q+qtype")
    got = all_items(st, checks, "/api/http", capture=wiki_cid, limit=5)
    checks.equal(len(got), sql_int(st, "SELECT count(*) FROM http WHERE capture_id=%d" % wiki_cid), "http: all pages")
    got = all_items(st, checks, "/api/http", capture=wiki_cid, method="GET", status_code=200)
    checks.equal(len(got), sql_int(st, "SELECT count(*) FROM http WHERE capture_id=%d AND method='GET' AND status_code=200" % wiki_cid), "http method+status_code")
    got = all_items(st, checks, "/api/tls", capture=main_cid, limit=7, sort="server_name", order="asc")
    checks.equal(len(got), sql_int(st, "SELECT count(*) FROM tls WHERE capture_id=%d" % main_cid), "tls: all pages")
    names = [t["server_name"] or "" for t in got]
    checks.equal(names, sorted(names), "tls sort=server_name asc")


def check_alerts(st, checks, cid):
    uid = st.scalar("SELECT uid FROM flows WHERE capture_id=%d ORDER BY ts LIMIT 1" % cid)
    src = st.scalar("SELECT host(orig_h) FROM flows WHERE uid='%s'" % uid)
    aid = st.scalar("""INSERT INTO alerts (capture_id, ts, kind, key, severity, src, dst, summary, evidence, first_seen, last_seen)
                       VALUES (%d, now(), 'test_api', 'k1', 'high', '%s', NULL, 'synthetic alert from test_api_endpoints', ARRAY['%s'], now(), now())
                       RETURNING id""" % (cid, src, uid))
    try:
        got = all_items(st, checks, "/api/alerts", capture=cid, severity="medium")
        checks.check(any(str(a["id"]) == aid and a["evidence"] == [uid] for a in got), "alerts: synthetic alert missing: %r" % got)
        got = all_items(st, checks, "/api/alerts", capture=cid, severity="critical")
        checks.check(all(a["severity"] == "critical" for a in got), "alerts severity=critical")
        doc = api.get_json(st, checks, "/api/flows/" + uid)
        checks.check([a["id"] for a in doc.get("alerts", [])] == [int(aid)], "flow detail alerts")
        doc = api.get_json(st, checks, q("/api/hosts/" + src, capture=cid))
        checks.check(int(aid) in [a["id"] for a in doc.get("alerts", [])], "host detail alerts")
        doc = api.get_json(st, checks, q("/api/alerts", q="SYNTHETIC", capture=cid))
        checks.equal(len(doc.get("items", [])), 1, "alerts q")
    finally:
        st.psql("DELETE FROM alerts WHERE id=%s" % aid)


def check_exports(st, checks, cid):
    n = sql_int(st, "SELECT count(*) FROM flows WHERE capture_id=%d" % cid)
    page = api.get_json(st, checks, q("/api/flows", capture=cid, limit=1))
    fields = list(page["items"][0].keys()) if page.get("items") else []
    for fmt, ctype in (("csv", "text/csv"), ("json", "application/json"), ("ndjson", "application/x-ndjson")):
        r = api.request(st, "GET", q("/api/flows", capture=cid, format=fmt, limit=1))
        checks.equal(r.status, 200, "export %s status" % fmt)
        checks.equal(r.header("Content-Type").split(";")[0], ctype, "export %s Content-Type" % fmt)
        disp = r.header("Content-Disposition")
        checks.check(disp.startswith("attachment;") and ("flows-capture%d-" % cid) in disp and disp.endswith('.%s"' % fmt),
                     "export %s Content-Disposition %r" % (fmt, disp))
        text = r.body.decode("utf-8")
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(text)))
            checks.equal(rows[0] if rows else None, fields, "export csv header")
            checks.equal(len(rows) - 1, n, "export csv rows")
        elif fmt == "json":
            checks.equal(len(json.loads(text)), n, "export json rows")
        else:
            lines = [json.loads(x) for x in text.splitlines() if x]
            checks.equal(len(lines), n, "export ndjson rows")
            checks.equal(sorted(x["uid"] for x in lines), sorted(r[0] for r in st.psql("SELECT uid FROM flows WHERE capture_id=%d" % cid)), "export ndjson uids")
    for path in ("/api/packets", "/api/hosts", "/api/dns", "/api/http", "/api/tls", "/api/alerts", "/api/captures", "/api/jobs"):
        r = api.request(st, "GET", q(path, format="ndjson"))
        checks.equal(r.status, 200, "export %s status" % path)
    r = api.request(st, "GET", q("/api/packets", capture=cid, format="ndjson"))
    checks.equal(len(r.body.splitlines()), sql_int(st, "SELECT count(*) FROM packets WHERE capture_id=%d" % cid), "export packets rows")


def check_captures_jobs(st, checks, cid):
    doc = api.get_json(st, checks, "/api/captures/%d" % cid)
    row = st.psql("SELECT source, packets, bytes, kind FROM captures WHERE id=%d" % cid)[0]
    checks.equal([doc.get("source"), doc.get("packets"), doc.get("bytes"), doc.get("kind")],
                 [row[0], int(row[1]), int(row[2]), row[3]], "capture detail")
    items = all_items(st, checks, "/api/captures", kind="file", limit=2)
    checks.equal(len(items), sql_int(st, "SELECT count(*) FROM captures WHERE kind='file'"), "captures kind=file")
    items = all_items(st, checks, "/api/captures", q="1KXUN")
    checks.check(any(c["id"] == cid for c in items), "captures q=1KXUN")
    api.get_json(st, checks, "/api/captures/987654321", want=404)
    jobs = all_items(st, checks, "/api/jobs", limit=3)
    checks.equal(len(jobs), sql_int(st, "SELECT count(*) FROM jobs"), "jobs: all pages")
    api.get_json(st, checks, "/api/jobs/987654321", want=404)


def check_delete(st, checks):
    cid = api.load(st, WIKI)
    want = {t: sql_int(st, "SELECT count(*) FROM %s WHERE capture_id=%d" % (t, cid))
            for t in ("flows", "packets", "traffic", "dns", "http", "tls", "alerts")}
    r = api.request(st, "DELETE", "/api/captures/%d" % cid)
    checks.equal(r.status, 200, "DELETE capture status (%r)" % r.body[:200])
    doc = r.json() or {}
    checks.equal(doc.get("rows"), want, "DELETE capture row counts")
    left = sql_int(st, "SELECT (SELECT count(*) FROM captures WHERE id=%d) + (SELECT count(*) FROM flows WHERE capture_id=%d)"
                       " + (SELECT count(*) FROM packets WHERE capture_id=%d) + (SELECT count(*) FROM host_rollup WHERE capture_id=%d)"
                       " + (SELECT count(*) FROM service_rollup WHERE capture_id=%d)" % ((cid,) * 5))
    checks.equal(left, 0, "rows left after DELETE capture %d" % cid)
    checks.equal(api.request(st, "DELETE", "/api/captures/%d" % cid).status, 404, "second DELETE")


def check_control(st, checks):
    if sql_int(st, "SELECT count(*) FROM sensors") == 0:
        checks.fail("no sensor registered: is the captured daemon running?")
        return
    ifaces = api.get_json(st, checks, "/api/interfaces")
    checks.equal(len(ifaces.get("interfaces", [])), sql_int(st, "SELECT count(*) FROM sensor_interfaces"), "interfaces")
    for path in ("/api/capture-status", "/capture-status"):
        doc = api.get_json(st, checks, path)
        checks.check(isinstance(doc.get("sensors"), list) and doc["sensors"] and "heartbeat_age_s" in doc["sensors"][0],
                     "%s: sensors %r" % (path, doc.get("sensors")))
    r = api.post_json(st, "/api/start-capture", {"interface": "lo", "filter": "tcp port 9"})
    checks.equal(r.status, 202, "start-capture status (%r)" % r.body[:200])
    rid = (r.json() or {}).get("request_id")
    row = st.psql("SELECT action, interface, filter FROM capture_requests WHERE id=%s" % rid) if rid else []
    checks.equal(row, [["start", "lo", "tcp port 9"]], "capture_requests row")
    req = wait_request(st, checks, rid)
    live = req.get("capture_id") if req.get("state") == "done" else None
    if live:
        checks.equal(api.request(st, "DELETE", "/api/captures/%d" % live).status, 409, "DELETE of a running capture")
        status = api.get_json(st, checks, "/api/capture-status")
        checks.check(any(c["id"] == live for c in status.get("live_captures", [])), "capture-status lists live capture %d" % live)
    r = api.post_json(st, "/api/stop-capture", {"interface": "lo"})
    checks.equal(r.status, 202, "stop-capture status")
    stop = wait_request(st, checks, (r.json() or {}).get("request_id"))
    checks.equal(stop.get("state"), "done", "stop request answered: %r" % stop)
    if live:
        for _ in range(50):
            if st.scalar("SELECT status FROM captures WHERE id=%d" % live) != "running":
                break
            time.sleep(0.2)
        checks.equal(api.request(st, "DELETE", "/api/captures/%d" % live).status, 200, "DELETE of the stopped live capture")


def wait_request(st, checks, rid, timeout=15):
    """Polls /api/capture-requests/{id} until the daemon answered."""
    doc = {}
    end = time.time() + timeout
    while rid and time.time() < end:
        doc = api.get_json(st, checks, "/api/capture-requests/%s" % rid)
        if doc.get("state") != "pending":
            return doc
        time.sleep(0.2)
    checks.fail("capture request %s not answered in %ds: %r" % (rid, timeout, doc))
    return doc


def check_http_details(st, checks, cid):
    r = api.request(st, "HEAD", q("/api/flows", capture=cid))
    checks.check(r.status == 200 and r.body == b"", "HEAD /api/flows: %d %r" % (r.status, r.body[:50]))
    r = api.request(st, "POST", "/api/flows", b"")
    checks.check(r.status == 405 and "GET" in r.header("Allow"), "POST /api/flows: %d Allow=%r" % (r.status, r.header("Allow")))
    r = api.request(st, "GET", q("/api/packets", capture=cid, limit=1000), headers={"Accept-Encoding": "gzip"})
    checks.equal(r.header("Content-Encoding"), "gzip", "gzip for JSON")
    if r.header("Content-Encoding") == "gzip":
        checks.check(json.loads(gzip.decompress(r.body)).get("items"), "gzip body")
    checks.equal(api.request(st, "GET", "/api/health").header("Cache-Control"), "no-store", "API Cache-Control")
    v = api.request(st, "POST", "/api/validate-pcap?name=x.pcap", open(st.pcap(DNS), "rb").read(), {"Content-Type": "application/octet-stream"})
    doc = v.json() or {}
    checks.equal([v.status, doc.get("format"), doc.get("linktype_name")], [200, "pcapng", "EN10MB"], "validate-pcap pcapng")


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    main_cid, dns_cid, wiki_cid = api.load(st, MAIN), api.load(st, DNS), api.load(st, WIKI)
    for name, fn in (("stats", lambda: check_stats(st, checks, main_cid)),
                     ("protocols", lambda: check_protocols(st, checks, main_cid)),
                     ("timeline", lambda: check_timeline(st, checks, main_cid)),
                     ("talkers", lambda: check_talkers(st, checks, main_cid)),
                     ("ports/geo", lambda: check_ports_geo(st, checks, main_cid)),
                     ("recent", lambda: check_recent(st, checks, main_cid)),
                     ("flows", lambda: check_flows(st, checks, main_cid)),
                     ("flow detail", lambda: check_flow_detail(st, checks, wiki_cid)),
                     ("packets", lambda: check_packets(st, checks, main_cid)),
                     ("hosts", lambda: check_hosts(st, checks, main_cid)),
                     ("events", lambda: check_events(st, checks, dns_cid, wiki_cid, main_cid)),
                     ("alerts", lambda: check_alerts(st, checks, main_cid)),
                     ("exports", lambda: check_exports(st, checks, main_cid)),
                     ("captures/jobs", lambda: check_captures_jobs(st, checks, main_cid)),
                     ("delete", lambda: check_delete(st, checks)),
                     ("control", lambda: check_control(st, checks)),
                     ("http", lambda: check_http_details(st, checks, main_cid))):
        before = len(checks.failures)
        fn()
        print("%-14s %s" % (name, "ok" if len(checks.failures) == before else "FAILED"), flush=True)
    checks.finish()


if __name__ == "__main__":
    main()
