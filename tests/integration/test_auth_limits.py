#!/usr/bin/env python3
"""test_auth_limits - nginx's rate limits on logins and uploads answer 429
with the API's JSON error shape and Retry-After, per client address.

The requests come from 127.0.0.23 and 127.0.0.24 (still loopback, to the
stack's nginx on 127.0.0.1), so they fill buckets of their own and do not
slow down other tests that log in from 127.0.0.1. Afterwards a login from
127.0.0.1 still works: the limit is per address."""

import http.client
import json
import urllib.parse

import pslib

BURST = 200  # more than the local site's burst (60) plus what refills meanwhile


def post_from(st, source, path, body, ctype):
    u = urllib.parse.urlsplit(st.base_url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30, source_address=(source, 0))
    try:
        c.request("POST", path, body=body, headers={"Content-Type": ctype})
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        c.close()


def burst(st, checks, name, source, path, body, ctype, other):
    """Sends BURST requests; checks that 429s come and look right."""
    counts, first = {}, None
    for i in range(BURST):
        status, headers, data = post_from(st, source, path, body(i), ctype)
        counts[status] = counts.get(status, 0) + 1
        if status == 429 and first is None:
            first = (i, headers, data)
    print("%s from %s: %s" % (name, source, counts))
    if not checks.check(first is not None, "%s: no 429 in %d requests" % (name, BURST)):
        return
    i, headers, data = first
    checks.check(i >= 10, "%s: 429 already after %d requests" % (name, i))
    checks.check(headers.get("content-type", "").startswith("application/json"),
                 "%s: 429 Content-Type %r" % (name, headers.get("content-type")))
    doc = json.loads(data.decode())
    checks.equal(doc.get("error"), "too many requests", "%s: 429 error" % name)
    checks.check(bool(doc.get("detail")), "%s: 429 without detail" % name)
    checks.equal(headers.get("retry-after"), "60", "%s: Retry-After" % name)
    checks.check(set(counts) <= {other, 429}, "%s: unexpected statuses %s" % (name, counts))


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    burst(st, checks, "logins", "127.0.0.23", "/api/login",
          lambda i: json.dumps({"name": "ratelimit-%d" % i, "password": "not-the-password"}),
          "application/json", 401)
    burst(st, checks, "uploads", "127.0.0.24", "/api/upload-pcap",
          lambda i: b"\xd4\xc3\xb2\xa1", "application/octet-stream", 401)

    # 127.0.0.1 has its own bucket: a real login still goes through.
    name, password = "ratelimit-user", "ratelimit-password-1"
    st.set_user(name, "viewer", password)
    status, headers, data = post_from(st, "127.0.0.1", "/api/login",
                                      json.dumps({"name": name, "password": password}),
                                      "application/json")
    checks.equal(status, 200, "login from 127.0.0.1 after the bursts (%r)" % data[:200])
    st.psql("DELETE FROM users WHERE name = '%s'" % name, st.web_db)
    checks.finish()


if __name__ == "__main__":
    main()
