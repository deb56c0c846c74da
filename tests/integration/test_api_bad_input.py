#!/usr/bin/env python3
"""test_api_bad_input - a table of bad requests through nginx (wrong types,
huge and negative numbers, unknown fields, SQL-looking strings, invalid
UTF-8, over-long values, empty / text / truncated uploads, bodies over the
limit): each must get its exact status, a JSON {"error", "detail"} body
without SQL in it, and leave the database unchanged."""

import base64
import json
import os
import socket
import tempfile
import urllib.parse

import pslib
import test_api_util as api

PCAP = "ndpi__1kxun.pcap"


def cursor(doc):
    raw = json.dumps(doc, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def get_cases(st):
    """(label, method, path, body, headers, status, parameter or None)."""
    flows_cursor = cursor({"l": "flows", "s": "ts", "o": "desc", "k": ["2025-01-01 00:00:00+00", "Cx"]})
    dns_cursor = cursor({"l": "dns", "s": "ts", "o": "desc", "k": ["2025-01-01 00:00:00+00", "1", "(0,1)"]})
    forged = cursor({"l": "flows", "s": "ts", "o": "desc", "k": ["not a time'; DROP TABLE flows;--", "Cx"]})
    long_q = "a" * 300
    G = "GET"
    return [
        ("limit not a number", G, "/api/flows?limit=abc", None, None, 400, "limit"),
        ("limit zero", G, "/api/flows?limit=0", None, None, 400, "limit"),
        ("negative limit", G, "/api/flows?limit=-5", None, None, 400, "limit"),
        ("huge limit", G, "/api/flows?limit=99999999999999999999", None, None, 400, "limit"),
        ("limit over the cap", G, "/api/flows?limit=1001", None, None, 400, "limit"),
        ("capture not a number", G, "/api/flows?capture=abc", None, None, 400, "capture"),
        ("negative capture", G, "/api/flows?capture=-1", None, None, 400, "capture"),
        ("capture in float notation", G, "/api/flows?capture=1e3", None, None, 400, "capture"),
        ("huge capture", G, "/api/flows?capture=99999999999999999999999", None, None, 400, "capture"),
        ("port out of range", G, "/api/flows?port=65536", None, None, 400, "port"),
        ("port as a name", G, "/api/packets?port=http", None, None, 400, "port"),
        ("month 13", G, "/api/flows?from=2025-13-01", None, None, 400, "from"),
        ("30 February", G, "/api/flows?from=2025-02-30T00:00:00Z", None, None, 400, "from"),
        ("to as a word", G, "/api/dns?to=now", None, None, 400, "to"),
        ("address out of range", G, "/api/flows?host=999.1.1.1", None, None, 400, "host"),
        ("prefix too long", G, "/api/flows?host=10.0.0.0/40", None, None, 400, "host"),
        ("SQL in host", G, "/api/flows?host=" + urllib.parse.quote("1.1.1.1' OR '1'='1"), None, None, 400, "host"),
        ("unknown conn_state", G, "/api/flows?conn_state=XX", None, None, 400, "conn_state"),
        ("SQL in transport", G, "/api/flows?transport=" + urllib.parse.quote("tcp;drop"), None, None, 400, "transport"),
        ("SQL in sort", G, "/api/flows?sort=" + urllib.parse.quote("ts;DROP TABLE flows"), None, None, 400, "sort"),
        ("sort by a column not offered", G, "/api/flows?sort=orig_h", None, None, 400, "sort"),
        ("unknown order", G, "/api/flows?order=sideways", None, None, 400, "order"),
        ("unknown format", G, "/api/flows?format=xml", None, None, 400, "format"),
        ("negative cursor", G, "/api/flows?cursor=-1", None, None, 400, "cursor"),
        ("cursor of another list", G, "/api/flows?cursor=" + dns_cursor, None, None, 400, "cursor"),
        ("cursor of another sort", G, "/api/flows?sort=bytes&cursor=" + flows_cursor, None, None, 400, "cursor"),
        ("forged cursor value", G, "/api/flows?cursor=" + forged, None, None, 400, None),
        ("over-long cursor", G, "/api/flows?cursor=" + "A" * 1500, None, None, 400, "cursor"),
        ("unknown parameter", G, "/api/flows?bogus=1", None, None, 400, "bogus"),
        ("parameter twice", G, "/api/flows?limit=1&limit=2", None, None, 400, "limit"),
        ("invalid UTF-8 (C3 28)", G, "/api/flows?q=%C3%28", None, None, 400, "q"),
        ("invalid UTF-8 (FF)", G, "/api/dns?q=%FF", None, None, 400, "q"),
        ("overlong UTF-8 (C0 AF)", G, "/api/dns?q=%C0%AF", None, None, 400, "q"),
        ("encoded NUL", G, "/api/flows?q=a%00b", None, None, 400, None),
        ("bad percent escape", G, "/api/flows?q=%zz", None, None, 400, None),
        ("q over 256 bytes", G, "/api/flows?q=" + long_q, None, None, 400, "q"),
        ("value over 1024 bytes", G, "/api/flows?q=" + "b" * 1100, None, None, 400, "q"),
        ("SQL-looking text is just text", G, "/api/flows?q=" + urllib.parse.quote("' OR 1=1 --"), None, None, 200, None),
        ("LIKE wildcards are literal", G, "/api/dns?q=%25", None, None, 200, None),
        ("unknown top-talkers by", G, "/api/top-talkers?by=size", None, None, 400, "by"),
        ("unknown role", G, "/api/top-talkers?role=x", None, None, 400, "role"),
        ("top-talkers limit over 100", G, "/api/top-talkers?limit=101", None, None, 400, "limit"),
        ("bucket zero", G, "/api/traffic-timeline?bucket=0", None, None, 400, "bucket"),
        ("bucket huge", G, "/api/traffic-timeline?bucket=99999999999", None, None, 400, "bucket"),
        ("unknown overview parameter", G, "/api/stats?capture=1&x=1", None, None, 400, "x"),
        ("parameter on health", G, "/api/health?verbose=1", None, None, 400, "verbose"),
        ("SQL in host path", G, "/api/hosts/" + urllib.parse.quote("1.1.1.1'"), None, None, 400, "ip"),
        ("not an address", G, "/api/hosts/::gg", None, None, 400, "ip"),
        ("capture id not a number", G, "/api/captures/abc", None, None, 400, "id"),
        ("negative capture id", G, "/api/captures/-1", None, None, 400, "id"),
        ("huge capture id", G, "/api/captures/99999999999999999999", None, None, 400, "id"),
        ("job id zero", G, "/api/jobs/0", None, None, 400, "id"),
        ("missing capture", G, "/api/captures/4611686018427387903", None, None, 404, None),
        ("missing request", G, "/api/capture-requests/4611686018427387903", None, None, 404, None),
        ("unknown path", G, "/api/nope", None, None, 404, None),
        ("trailing slash", G, "/api/flows/", None, None, 404, None),
        ("DELETE a list", "DELETE", "/api/flows", None, None, 405, None),
        ("PUT jobs", "PUT", "/api/jobs", b"{}", None, 405, None),
        ("POST health", "POST", "/api/health", b"", None, 405, None),
        ("GET upload", G, "/api/upload-pcap", None, None, 405, None),
    ] + control_cases() + upload_cases(st)


def control_cases():
    J = {"Content-Type": "application/json"}
    P = "POST"
    return [
        ("control: text/plain", P, "/api/start-capture", b"interface=lo", {"Content-Type": "text/plain"}, 415, None),
        ("control: invalid JSON", P, "/api/start-capture", b"{interface:", J, 400, None),
        ("control: JSON array", P, "/api/start-capture", b"[1]", J, 400, None),
        ("control: interface a number", P, "/api/start-capture", b'{"interface": 5}', J, 400, "interface"),
        ("control: unknown field", P, "/api/start-capture", b'{"interface": "lo", "bogus": 1}', J, 400, "bogus"),
        ("control: duplicate field", P, "/api/start-capture", b'{"interface": "lo", "interface": "eth0"}', J, 400, None),
        ("control: bad filter", P, "/api/start-capture", b'{"interface": "lo", "filter": "tcp port 99999"}', J, 400, "filter"),
        ("control: shell in interface", P, "/api/start-capture", b'{"interface": "lo; rm -rf /"}', J, 400, "interface"),
        ("control: over-long interface", P, "/api/start-capture", json.dumps({"interface": "x" * 100}).encode(), J, 400, "interface"),
        ("control: invalid UTF-8", P, "/api/start-capture", b'{"interface": "\xff"}', J, 400, None),
        ("control: no interface", P, "/api/start-capture", b"{}", J, 400, "interface"),
        ("control: unknown sensor", P, "/api/start-capture", b'{"interface": "lo", "sensor": "nosuchsensor"}', J, 404, None),
        ("control: filter on stop", P, "/api/stop-capture", b'{"filter": "tcp"}', J, 400, "filter"),
        ("control: body over 16 KiB", P, "/api/start-capture", b'{"interface": "' + b"x" * 20000 + b'"}', J, 413, None),
        ("control: query parameter", P, "/api/start-capture?interface=lo", b'{"interface": "lo"}', J, 400, "interface"),
    ]


def upload_cases(st):
    with open(st.pcap(PCAP), "rb") as f:
        pcap = f.read()
    readme = b"# PacketSight\n\nA text file, not a capture.\n" * 20
    raw = {"Content-Type": "application/octet-stream"}
    P, U, V = "POST", "/api/upload-pcap", "/api/validate-pcap"
    empty_mp, empty_ct = api.multipart([], file_name="empty.pcap", file_bytes=b"")
    text_mp, text_ct = api.multipart([], file_name="notes.pcap", file_bytes=readme)
    nofile_mp, nofile_ct = api.multipart([("name", "x")])
    b = b"psbound"
    part = b'--%s\r\nContent-Disposition: form-data; name="f"; filename="%s"\r\n\r\n%s\r\n'
    two_files = part % (b, b"a.pcap", pcap[:100]) + part % (b, b"b.pcap", pcap[:100]) + b"--psbound--\r\n"
    two_ct = "multipart/form-data; boundary=psbound"
    badver = bytearray(pcap[:200])
    badver[4] = 3  # version 3.4 (little-endian file)
    return [
        ("0-byte upload (raw)", P, U + "?name=empty.pcap", b"", raw, 415, None),
        ("0-byte upload (multipart)", P, U, empty_mp, {"Content-Type": empty_ct}, 415, None),
        ("text file renamed .pcap", P, U, text_mp, {"Content-Type": text_ct}, 415, None),
        ("truncated pcap header", P, U + "?name=t.pcap", pcap[:10], raw, 415, None),
        ("pcap version 3", P, U + "?name=v.pcap", bytes(badver), raw, 415, None),
        ("pcapng magic without section", P, U, b"\x0a\x0d\x0d\x0a" + b"\x00" * 40, raw, 415, None),
        ("multipart without a file", P, U, nofile_mp, {"Content-Type": nofile_ct}, 400, None),
        ("multipart without closing boundary", P, U, empty_mp[:-8], {"Content-Type": empty_ct}, 400, None),
        ("multipart without boundary", P, U, empty_mp, {"Content-Type": "multipart/form-data"}, 400, None),
        ("two file parts", P, U, two_files, {"Content-Type": two_ct}, 400, None),
        ("max_packets not a number", P, U + "?max_packets=abc", pcap, raw, 400, "max_packets"),
        ("max_packets negative", P, U + "?max_packets=-1", pcap, raw, 400, "max_packets"),
        ("store_packets not a boolean", P, U + "?store_packets=maybe", pcap, raw, 400, "store_packets"),
        ("upload filter invalid", P, U + "?filter=tcp%20port", pcap, raw, 400, "filter"),
        ("upload unknown option", P, U + "?bogus=1", pcap, raw, 400, "bogus"),
        ("upload name invalid UTF-8", P, U + "?name=%80.pcap", pcap, raw, 400, None),
        ("validate: options not allowed", P, V + "?max_packets=1", pcap, raw, 400, "max_packets"),
        ("validate: text file", P, V, text_mp, {"Content-Type": text_ct}, 415, None),
        ("validate: empty body", P, V, b"", raw, 415, None),
    ]


def check_answer(checks, label, status, body, want, param):
    checks.equal(status, want, "%s: status" % label)
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        checks.fail("%s: body is not JSON: %.200r" % (label, body))
        return
    if want >= 400:
        checks.check(isinstance(doc, dict) and isinstance(doc.get("error"), str) and isinstance(doc.get("detail"), str),
                     "%s: error body lacks error/detail: %.200r" % (label, body))
        text = body.decode("utf-8", "replace")
        checks.check("SELECT " not in text and "ERROR:" not in text and "Traceback" not in text,
                     "%s: answer leaks internals: %.300r" % (label, body))
        if param:
            checks.equal(doc.get("parameter"), param, "%s: parameter named" % label)


def nginx_too_large(st, checks):
    """A Content-Length over nginx's client_max_body_size: 413 before any byte is read."""
    host, port = st.base_url.split("//")[1].split(":")
    s = socket.create_connection((host, int(port.rstrip("/"))), timeout=30)
    s.sendall(b"POST /api/upload-pcap HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\n"
              b"Content-Length: 2147483648\r\nConnection: close\r\n\r\n" + b"\xd4\xc3\xb2\xa1" + b"\x00" * 60)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
    check_answer(checks, "body over nginx's limit", status, body, 413, None)


def webapi_too_large(st, checks):
    """webapi's own limit (PACKETSIGHT_UPLOAD_MAX), on a private instance
    with a 64 KiB limit: by Content-Length, and while streaming a multipart
    body whose framing hides the size."""
    with open(st.pcap(PCAP), "rb") as f:
        pcap = f.read()
    with tempfile.TemporaryDirectory(prefix="ps-api-limit-") as tmp:
        os.chmod(tmp, 0o755)
        w = api.PrivateWebapi(st, tmp, {"PACKETSIGHT_UPLOAD_MAX": "64K"})
        try:
            before = api.counts(st)
            status, _, body = w.request("POST", "/api/upload-pcap?name=big.pcap", pcap, "application/octet-stream")
            check_answer(checks, "raw body over webapi's limit", status, body, 413, None)
            mp, ct = api.multipart([], file_name="big.pcap", file_bytes=pcap[:100000])
            status, _, body = w.request("POST", "/api/upload-pcap", mp, ct)
            check_answer(checks, "streamed file over webapi's limit", status, body, 413, None)
            checks.equal(api.counts(st), before, "database after uploads over the limit")
            mp, ct = api.multipart([], file_name="small.pcap", file_bytes=pcap[:20000])
            status, _, body = w.request("POST", "/api/validate-pcap", mp, ct)
            checks.equal(status, 200, "validate under the limit on the private webapi (%r)" % body[:200])
        finally:
            w.stop()


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    if int(st.scalar("SELECT count(*) FROM captures")) == 0:
        api.load(st, "zeek__wikipedia.pcap")
    cases = get_cases(st)
    for label, method, path, body, headers, want, param in cases:
        # Someone else may use the same stack (a browser, a live capture):
        # a change counts only when the request made it three times in a row.
        for attempt in (1, 2, 3):
            before = api.counts(st)
            r = api.request(st, method, path, body, headers)
            after = api.counts(st)
            if after == before:
                break
        check_answer(checks, label, r.status, r.body, want, param)
        checks.equal(after, before, "%s: database changed" % label)
    nginx_too_large(st, checks)
    webapi_too_large(st, checks)
    print("%d table cases + 3 size-limit cases" % len(cases))
    checks.finish()


if __name__ == "__main__":
    main()
