#!/usr/bin/env python3
"""test_api_rules - custom detection rules and threat-intel indicators
through the JSON API (webapi/API.md, "Detection rules and indicators"):
a rule created with POST /api/rules raises 'rule' alerts when a capture is
loaded with `captured --read`, stops after PATCH {"enabled": false}, an
indicator list imported with POST /api/indicators/import raises
'indicator' alerts, bad bodies are refused with 400 and store nothing, and
DELETE removes rules and lists."""

import json
import urllib.parse

import pslib
import test_api_util as api

WIKI = "zeek__wikipedia.pcap"   # DNS for *.wikimedia.org, HTTP to 208.80.152.2
PREFIX = "apitest "
LIST = "apitest"
ADDR = "208.80.152.2"


def q(path, **params):
    return path + ("?" + urllib.parse.urlencode(params) if params else "")


def send(st, method, path, doc=None, raw=None, ctype="application/json"):
    body = raw if raw is not None else (json.dumps(doc).encode() if doc is not None else None)
    headers = {"Content-Type": ctype} if body is not None else {}
    return api.request(st, method, path, body, headers)


def alert_keys(st, cid, kind):
    return {r[0] for r in st.psql("SELECT key FROM alerts WHERE capture_id = %d AND kind = '%s'"
                                  % (cid, kind))}


def rule_count(st):
    return int(st.scalar("SELECT count(*) FROM rules WHERE name LIKE '%s%%'" % PREFIX))


def check_bad_inputs(st, checks):
    before = rule_count(st)
    bad = [
        ("missing name", {"dns_query": "*.example"}, "name"),
        ("empty name", {"name": "", "port": 1}, "name"),
        ("bad cidr", {"name": PREFIX + "x", "cidr": "10.0.0.0/33"}, "cidr"),
        ("bad cidr text", {"name": PREFIX + "x", "cidr": "not-an-address"}, "cidr"),
        ("unknown field", {"name": PREFIX + "x", "port": 80, "colour": "red"}, "colour"),
        ("severity not allowed", {"name": PREFIX + "x", "port": 80, "severity": "urgent"}, "severity"),
        ("port out of range", {"name": PREFIX + "x", "port": 70000}, "port"),
        ("port as string", {"name": PREFIX + "x", "port": "80"}, "port"),
        ("transport not allowed", {"name": PREFIX + "x", "transport": "ipx"}, "transport"),
        ("enabled not boolean", {"name": PREFIX + "x", "port": 1, "enabled": "no"}, "enabled"),
        ("message too long", {"name": PREFIX + "x", "port": 1, "message": "m" * 513}, "message"),
        ("matches nothing", {"name": PREFIX + "x"}, None),
        ("an array", [1, 2], None),
    ]
    for what, doc, param in bad:
        r = send(st, "POST", "/api/rules", doc)
        body = r.json() or {}
        checks.equal(r.status, 400, "POST /api/rules %s: status (%.200r)" % (what, r.body))
        checks.check("error" in body and "detail" in body, "%s: error body %r" % (what, body))
        if param:
            checks.equal(body.get("parameter"), param, "%s: parameter named" % what)
    for what, raw, ctype, want in (("non-JSON", b"name=x", "application/json", 400),
                                   ("truncated JSON", b'{"name": "x"', "application/json", 400),
                                   ("empty body", b"", "application/json", 400),
                                   ("form body", b"name=x&port=1", "application/x-www-form-urlencoded", 415)):
        r = send(st, "POST", "/api/rules", raw=raw, ctype=ctype)
        checks.equal(r.status, want, "POST /api/rules %s (%.200r)" % (what, r.body))
    checks.equal(rule_count(st), before, "bad rules add no row")
    r = send(st, "PUT", "/api/rules")
    checks.check(r.status == 405 and "POST" in r.header("Allow"), "PUT /api/rules: %d %r" % (r.status, r.header("Allow")))
    api.get_json(st, checks, "/api/rules/abc", want=400)
    r = send(st, "PATCH", "/api/rules/987654321", {"enabled": False})
    checks.equal(r.status, 404, "PATCH of a missing rule")
    r = send(st, "DELETE", "/api/rules/987654321")
    checks.equal(r.status, 404, "DELETE of a missing rule")
    # import: bad list name, bad kind, bad media type, nothing in the body
    for what, path, raw, ctype, want in (
            ("no list", "/api/indicators/import", b"1.2.3.4\n", "text/plain", 400),
            ("bad list", q("/api/indicators/import", list="a/b"), b"1.2.3.4\n", "text/plain", 400),
            ("bad kind", q("/api/indicators/import", list=LIST, kind="url"), b"1.2.3.4\n", "text/plain", 400),
            ("json body", q("/api/indicators/import", list=LIST), b"[]", "application/json", 415),
            ("only comments", q("/api/indicators/import", list=LIST), b"# nothing\n\n", "text/plain", 400),
            ("not UTF-8", q("/api/indicators/import", list=LIST), b"\xff\xfe\n", "text/plain", 400)):
        r = send(st, "POST", path, raw=raw, ctype=ctype)
        checks.equal(r.status, want, "import %s (%.200r)" % (what, r.body))
    checks.equal(st.scalar("SELECT count(*) FROM indicator_lists WHERE name = '%s'" % LIST), "0",
                 "refused imports create no list")
    r = send(st, "POST", q("/api/indicators/import", list=LIST), raw=b"x" * (16 * 1024 * 1024 + 1), ctype="text/plain")
    checks.equal(r.status, 413, "import over 16 MiB")


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    st.psql("DELETE FROM rules WHERE name LIKE '%s%%'; DELETE FROM indicator_lists WHERE name = '%s'"
            % (PREFIX, LIST), st.web_db)

    check_bad_inputs(st, checks)
    print("bad inputs     %s" % ("ok" if not checks.failures else "FAILED"), flush=True)

    # a rule on the DNS query name
    r = send(st, "POST", "/api/rules", {"name": PREFIX + "wikimedia", "dns_query": "*.wikimedia.org",
                                         "severity": "high", "message": "Wikimedia lookup"})
    rule = r.json() or {}
    checks.equal(r.status, 201, "POST /api/rules (%.300r)" % r.body)
    rid = pslib.as_int(rule.get("id"))
    if rid is None:
        pslib.fatal("no rule id in %r" % rule)
    checks.equal([rule.get(k) for k in ("name", "enabled", "severity", "message", "dns_query", "cidr", "port")],
                 [PREFIX + "wikimedia", True, "high", "Wikimedia lookup", "*.wikimedia.org", None, None],
                 "created rule")
    checks.equal(st.scalar("SELECT dns_query FROM rules WHERE id = %d" % rid), "*.wikimedia.org", "rule stored")
    got = api.get_json(st, checks, "/api/rules/%d" % rid)
    checks.equal((got or {}).get("id"), rid, "GET /api/rules/{id}")
    listed = api.get_json(st, checks, q("/api/rules", limit=1000))
    checks.check(any(i.get("id") == rid for i in (listed or {}).get("items", [])), "rule in GET /api/rules")

    cid1 = api.load(st, WIKI)
    keys = alert_keys(st, cid1, "rule")
    checks.check(any(k.startswith("%d:" % rid) for k in keys),
                 "capture %d: a 'rule' alert of rule %d (rule keys %r)" % (cid1, rid, sorted(keys)))
    summaries = st.psql("SELECT summary, severity FROM alerts WHERE capture_id = %d AND kind = 'rule' AND key LIKE '%d:%%'" % (cid1, rid))
    checks.check(summaries and all("Wikimedia lookup" in s[0] and s[1] == "high" for s in summaries),
                 "rule alert summary/severity: %r" % summaries[:3])

    # disabled: nothing on the next load
    r = send(st, "PATCH", "/api/rules/%d" % rid, {"enabled": False})
    checks.equal([r.status, (r.json() or {}).get("enabled"), (r.json() or {}).get("dns_query")],
                 [200, False, "*.wikimedia.org"], "PATCH enabled=false (%.200r)" % r.body)
    r = send(st, "PATCH", "/api/rules/%d" % rid, {"dns_query": None})
    checks.equal(r.status, 400, "PATCH leaving nothing to match")
    checks.equal(st.scalar("SELECT dns_query FROM rules WHERE id = %d" % rid), "*.wikimedia.org",
                 "refused PATCH changes nothing")
    cid2 = api.load(st, WIKI)
    keys = alert_keys(st, cid2, "rule")
    checks.check(not any(k.startswith("%d:" % rid) for k in keys),
                 "capture %d: no alert of the disabled rule (rule keys %r)" % (cid2, sorted(keys)))

    # an indicator list with an address of the capture
    feed = ("# apitest feed\n%s\n# a comment line\nnot an indicator!\n%s\n" % (ADDR, ADDR)).encode()
    r = send(st, "POST", q("/api/indicators/import", list=LIST, source="test"), raw=feed, ctype="text/plain")
    doc = r.json() or {}
    checks.equal([r.status, doc.get("added"), doc.get("rejected")], [200, 1, ["not"]],
                 "import (%.300r)" % r.body)
    csv = b"first_seen,indicator,comment\n2025-01-01,\"evil.example\",c2\n2025-01-02,10.9.8.0/24,net\n"
    r = send(st, "POST", q("/api/indicators/import", list=LIST), raw=csv, ctype="text/csv")
    doc = r.json() or {}
    checks.equal([r.status, doc.get("added"), doc.get("rejected")], [200, 2, []], "CSV import (%.300r)" % r.body)
    lists = api.get_json(st, checks, "/api/indicator-lists")
    mine = [i for i in (lists or {}).get("items", []) if i.get("name") == LIST]
    checks.equal([[m.get("indicators"), m.get("addr"), m.get("net"), m.get("domain")] for m in mine],
                 [[3, 1, 1, 1]], "GET /api/indicator-lists counts")
    inds = api.get_json(st, checks, q("/api/indicators", list=LIST, kind="addr"))
    checks.equal([(i.get("value"), i.get("source")) for i in (inds or {}).get("items", [])],
                 [(ADDR, "test")], "GET /api/indicators?list&kind")
    cid3 = api.load(st, WIKI)
    keys = alert_keys(st, cid3, "indicator")
    checks.check(any(k.startswith("%s:%s:" % (LIST, ADDR)) for k in keys),
                 "capture %d: an 'indicator' alert for %s (indicator keys %r)" % (cid3, ADDR, sorted(keys)))
    checks.check(not any(k.startswith("%d:" % rid) for k in alert_keys(st, cid3, "rule")),
                 "rule still disabled on the third load")

    # DELETE
    r = send(st, "DELETE", "/api/rules/%d" % rid)
    checks.equal([r.status, (r.json() or {}).get("deleted")], [200, rid], "DELETE /api/rules/{id}")
    checks.equal(send(st, "DELETE", "/api/rules/%d" % rid).status, 404, "DELETE again")
    api.get_json(st, checks, "/api/rules/%d" % rid, want=404)
    r = send(st, "DELETE", "/api/indicator-lists/" + LIST)
    checks.equal([r.status, (r.json() or {}).get("indicators")], [200, 3], "DELETE /api/indicator-lists/{name}")
    checks.equal(send(st, "DELETE", "/api/indicator-lists/" + LIST).status, 404, "DELETE list again")
    checks.equal(st.scalar("SELECT count(*) FROM indicators WHERE list = '%s'" % LIST), "0",
                 "indicators go with their list")
    for cid in (cid1, cid2, cid3):
        send(st, "DELETE", "/api/captures/%d" % cid)
    checks.finish()


if __name__ == "__main__":
    main()
