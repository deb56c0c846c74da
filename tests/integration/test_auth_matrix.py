#!/usr/bin/env python3
"""test_auth_matrix - the authorization table of webapi (webapi/router.c,
webapi/auth.h) checked cell by cell through nginx: every route (and, for
ROUTE_EXPORT lists, its format= variant) x every identity (anonymous, an
invalid bearer token, and per role a session cookie with its CSRF token, the
same cookie without it, and a bearer token) x three origins (none, this
site, a foreign site with Sec-Fetch-Site: cross-site). The expected status
of each cell follows from the rules in auth.h, in their order:

  1. a state change (not GET/HEAD) from another site -> 403 "cross-site request"
  2. public routes need nothing
  3. no credentials -> 401 "authentication required"; a bad token -> 401
     "invalid token"
  4. a role below the route's -> 403 "forbidden" (exports need analyst)
  5. a state change by session cookie without its X-CSRF-Token -> 403
     "csrf token missing or wrong"
  6. else the handler answers: inputs are chosen so that it answers a known
     status without changing anything (ids that do not exist, bodies it
     refuses, one-row pages, exports that match no row).

The route table is read from webapi/router.c itself, so a new route is in the
matrix the day it is added. Prints the table (route x identity -> status)
and the number of cells; fails listing every cell that differs."""

import hashlib
import json
import os
import re
import secrets
import time

import pslib
import test_api_util as api

ROLES = ["viewer", "analyst", "operator", "admin"]
# enum web_role in webapi/auth.h, least to most
ROLE_RANK = {"ROLE_DENY": 0, "ROLE_PUBLIC": 1, "ROLE_VIEWER": 2, "ROLE_ANALYST": 3,
             "ROLE_OPERATOR": 4, "ROLE_ADMIN": 5}
RANK_OF = {"viewer": 2, "analyst": 3, "operator": 4, "admin": 5}
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
MISSING_ID = "999999999"
EVIL = "http://evil.example"
TAG = "authmx%d" % os.getpid()

# Lists that can be narrowed to a capture that does not exist, so that their
# export (which ignores limit=) streams no rows instead of the whole table.
EXPORT_NARROW = {"/api/flows", "/api/packets", "/api/hosts", "/api/dns", "/api/http",
                 "/api/tls", "/api/alerts", "/api/captures", "/api/jobs"}

# Per route: (path argument, query, JSON body or None, status of the handler).
# Each input makes the handler answer without changing anything.
JSON_REFUSED = {"bogus": 1}
INPUTS = {
    ("GET", "/api/hosts/{id}"): ("not-an-address", "", None, 400),
    ("GET", "/api/flows/{id}"): (MISSING_ID, "", None, 404),
    # an unknown field is refused before anything is looked at: never {} for
    # stop-capture, which would stop the running capture
    ("POST", "/api/start-capture"): (None, "", JSON_REFUSED, 400),
    ("POST", "/api/stop-capture"): (None, "", JSON_REFUSED, 400),
    ("POST", "/api/upload-pcap"): (None, "", {}, 415),       # 2 bytes: not a capture
    ("POST", "/api/validate-pcap"): (None, "", {}, 415),
    ("PATCH", "/api/rules/{id}"): (MISSING_ID, "", {"enabled": False}, 404),
    ("DELETE", "/api/indicator-lists/{id}"): (TAG + "-none", "", None, 404),
    ("POST", "/api/indicators/import"): (None, "", {}, 400),  # no list=
    ("POST", "/api/logout"): (None, "", None, 200),            # on a session of its own
    ("POST", "/api/password"): (None, "", {}, 400),            # no new_password
    ("PATCH", "/api/users/{id}"): (MISSING_ID, "", {}, 404),
    ("POST", "/api/login"): (None, "", "LOGIN", 401),          # wrong password, fresh name
}


def default_input(method, path, flags):
    if "{id}" in path:
        body = {} if method in ("POST", "PATCH", "PUT") else None
        return MISSING_ID, "", body, 404
    if method == "GET":
        return None, "limit=1" if "ROUTE_EXPORT" in flags else "", None, 200
    return None, "", {}, 400


def parse_routes(repo):
    """The routes[] initializer of webapi/router.c as (method, path, handler,
    role, flags) tuples."""
    path = os.path.join(repo, "webapi", "router.c")
    with open(path) as f:
        src = f.read()
    m = re.search(r"static const struct route routes\[\]\s*=\s*\{(.*?)\n\};", src, re.S)
    if not m:
        pslib.fatal("no routes[] initializer in %s" % path)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    entry = re.compile(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(ROLE_\w+)\s*,'
                       r'\s*([\w\s|]+?)\s*\}')
    routes = entry.findall(body)
    # every '{' that opens an entry must have been understood
    if len(routes) != body.count('{"') or not routes:
        pslib.fatal("parsed %d routes but %s has %d entries: the pattern needs updating"
                    % (len(routes), path, body.count('{"')))
    for r in routes:
        if r[3] not in ROLE_RANK:
            pslib.fatal("route %s %s: unknown role %s" % (r[0], r[1], r[3]))
    return routes


class Identity:
    def __init__(self, label, kind, role=None, cookie=None, csrf=None, token=None):
        self.label, self.kind, self.role = label, kind, role
        self.cookie, self.csrf, self.token = cookie, csrf, token

    def headers(self):
        h = {}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if self.cookie:
            h["Cookie"] = "ps_session=" + self.cookie
        if self.csrf:
            h["X-CSRF-Token"] = self.csrf
        return h


def send(st, method, path, body=None, headers=None):
    """A request through nginx without the run's token. nginx's own answers
    -- its rate limit (429 "too many requests") and 502 while webapi
    restarts -- are waited out, not reported: webapi answers neither."""
    for _ in range(60):
        r = api.request(st, method, path, body, headers, auth=False)
        nginx_limit = r.status == 429 and (r.json() or {}).get("error") == "too many requests"
        if not nginx_limit and r.status != 502:
            return r
        time.sleep(2)
    pslib.fatal("%s %s: nginx kept answering %d for two minutes" % (method, path, r.status))


def login(st, name, password):
    r = send(st, "POST", "/api/login", json.dumps({"name": name, "password": password}).encode(),
              {"Content-Type": "application/json"})
    doc = r.json() or {}
    m = re.search(r"ps_session=([A-Za-z0-9_-]+)", r.header("Set-Cookie"))
    if r.status != 200 or not m or not doc.get("csrf_token"):
        pslib.fatal("login as %s: %d %.300r" % (name, r.status, r.body))
    return m.group(1), doc["csrf_token"]


def mint_session(st, user_id):
    """A session row made directly (as webapi's login makes it), for the cells
    that end the session they use (POST /api/logout)."""
    cookie = secrets.token_urlsafe(32)[:43]
    csrf = secrets.token_urlsafe(32)[:43]
    st.psql("INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES "
            "('%s', %d, '%s', now() + interval '1 hour')"
            % (hashlib.sha256(cookie.encode()).hexdigest(), user_id, csrf), st.web_db)
    return cookie, csrf


def expected(method, role_name, export, ident, origin):
    """(status, error or None) the rules of auth.h give; error None means the
    handler answered."""
    need = ROLE_RANK[role_name]
    if need == ROLE_RANK["ROLE_DENY"]:
        return 403, "forbidden"
    changes = method in STATE_CHANGING
    if changes and origin == "cross":
        return 403, "cross-site request"
    if export and need < ROLE_RANK["ROLE_ANALYST"]:
        need = ROLE_RANK["ROLE_ANALYST"]
    if need == ROLE_RANK["ROLE_PUBLIC"]:
        return None, None
    if ident.kind == "anonymous":
        return 401, "authentication required"
    if ident.kind == "badtoken":
        return 401, "invalid token"
    if RANK_OF[ident.role] < need:
        return 403, "forbidden"
    if changes and ident.kind == "session" and not ident.csrf:
        return 403, "csrf token missing or wrong"
    return None, None


def origin_headers(st, origin):
    host = st.base_url.split("://", 1)[1].split("/", 1)[0]
    if origin == "same":
        return {"Origin": "http://" + host, "Sec-Fetch-Site": "same-origin"}
    if origin == "cross":
        return {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    return {}


class Matrix:
    def __init__(self, st, checks):
        self.st, self.checks = st, checks
        self.cells = 0
        self.table = {}  # (row label, identity label) -> {origin: status}
        self.login_n = 0

    def cell(self, row, ident, method, path, query, body, want_status, want_error, origin,
             extra_headers=None):
        st = self.st
        headers = ident.headers()
        headers.update(origin_headers(st, origin))
        headers.update(extra_headers or {})
        raw = None
        if body == "LOGIN":
            self.login_n += 1
            body = {"name": "%s-nobody-%d" % (TAG, self.login_n), "password": "wrong-password-0"}
        if body is not None:
            raw = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        url = path + ("?" + query if query else "")
        r = send(st, method, url, raw, headers)
        doc = r.json() or {}
        self.cells += 1
        self.table.setdefault((row, ident.label), {})[origin] = r.status
        what = "%s %s as %s, origin %s" % (method, url, ident.label, origin)
        if r.status != want_status:
            self.checks.fail("%s: got %d %r, want %d %s" % (
                what, r.status, doc.get("error", r.body[:80]), want_status,
                repr(want_error) if want_error else "(handler)"))
            return r.status
        if want_error and doc.get("error") != want_error:
            self.checks.fail("%s: error %r, want %r" % (what, doc.get("error"), want_error))
        if want_status == 401 and want_error and not r.header("WWW-Authenticate").startswith("Bearer"):
            self.checks.fail("%s: 401 without WWW-Authenticate: Bearer (got %r)"
                             % (what, r.header("WWW-Authenticate")))
        return r.status


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    if not st.repo:
        pslib.fatal("the repository path is unknown (pass --repo or set PS_REPO)")
    routes = parse_routes(st.repo)
    print("%d routes in webapi/router.c" % len(routes), flush=True)

    # one account and one token per role, logged in once each
    password = "pw-" + secrets.token_urlsafe(12)
    idents = [Identity("anon", "anonymous"),
              Identity("badtok", "badtoken", token="pst_" + secrets.token_urlsafe(32)[:43])]
    sessions = {}
    user_ids = {}
    for role in ROLES:
        name = "%s-%s" % (TAG, role)
        st.set_user(name, role, password)
        user_ids[role] = int(st.scalar("SELECT id FROM users WHERE name = '%s'" % name, st.web_db))
        cookie, csrf = login(st, name, password)
        sessions[role] = (cookie, csrf)
        short = role[:2]
        idents += [Identity(short + "+csrf", "session", role, cookie, csrf),
                   Identity(short + "-csrf", "session", role, cookie),
                   Identity(short + "-tok", "token", role,
                            token=st.make_token("%s-%s" % (TAG, role), role))]

    matrix = Matrix(st, checks)
    origins = ("none", "same", "cross")
    rows = []
    try:
        for method, path, _handler, role_name, flags in routes:
            arg, query, body, handler_status = (INPUTS.get((method, path))
                                                or default_input(method, path, flags))
            url = path.replace("{id}", arg) if arg is not None else path
            variants = [(method + " " + path, query, False)]
            if "ROUTE_EXPORT" in flags:
                q = "format=csv&limit=1" + ("&capture=" + MISSING_ID if path in EXPORT_NARROW
                                            else "")
                variants.append((method + " " + path + " (export)", q, True))
            for row, q, export in variants:
                rows.append(row)
                for ident in idents:
                    for origin in origins:
                        status, error = expected(method, role_name, export, ident, origin)
                        use = ident
                        if status is None and path == "/api/logout" and ident.kind == "session":
                            # logging out ends the session: give it one of its own
                            c, t = mint_session(st, user_ids[ident.role])
                            use = Identity(ident.label, ident.kind, ident.role, c, t)
                        got = matrix.cell(row, use, method, url, q, body,
                                          handler_status if status is None else status, error,
                                          origin)
                        if use is not ident and got == 200:
                            gone = st.scalar("SELECT count(*) FROM sessions WHERE token_hash = "
                                             "'%s'" % hashlib.sha256(use.cookie.encode())
                                             .hexdigest(), st.web_db)
                            checks.equal(gone, "0", "session row after POST /api/logout as %s"
                                         % ident.label)
        main_cells = matrix.cells
        extra_cells(st, matrix, idents, sessions)
        print_table(rows, idents, origins, matrix)
        print("%d matrix cells checked (%d routes and export variants x %d identities x %d "
              "origins) + %d edge cells; %d mismatch(es)"
              % (main_cells, len(rows), len(idents), len(origins), matrix.cells - main_cells,
                 len(checks.failures)), flush=True)
    finally:
        cleanup(st)
    checks.finish()


def extra_cells(st, matrix, idents, sessions):
    """Edges the main matrix does not reach: other origin shapes, a CSRF
    token of another session, export requests written differently, unknown
    paths and methods."""
    by = {i.label: i for i in idents}
    host = st.base_url.split("://", 1)[1].split("/", 1)[0]
    adm = by["ad-tok"]
    # rule 1 with other Origin / Sec-Fetch-Site shapes (admin token: the
    # handler would answer 400 to {"bogus": 1})
    for label, hdrs, want in (
            ("Sec-Fetch-Site same-site", {"Sec-Fetch-Site": "same-site"}, 403),
            ("Sec-Fetch-Site cross-site only", {"Sec-Fetch-Site": "cross-site"}, 403),
            ("Sec-Fetch-Site none", {"Sec-Fetch-Site": "none"}, 400),
            ("foreign Origin only", {"Origin": EVIL}, 403),
            ("Origin null", {"Origin": "null"}, 403),
            ("Origin other port", {"Origin": "http://%s:1" % host.split(":")[0]}, 403),
            ("Origin https", {"Origin": "https://" + host}, 403),
            ("Origin with path", {"Origin": "http://%s/x" % host}, 403),
            ("own Origin, cross-site fetch", {"Origin": "http://" + host,
                                              "Sec-Fetch-Site": "cross-site"}, 403)):
        matrix.cell("edge: POST /api/rules, " + label, adm, "POST", "/api/rules", "",
                    JSON_REFUSED, want, "cross-site request" if want == 403 else None, "none",
                    hdrs)
    # the cross-site check comes before credentials, for anonymous callers too
    matrix.cell("edge: anonymous DELETE, foreign Origin", by["anon"], "DELETE",
                "/api/rules/" + MISSING_ID, "", None, 403, "cross-site request", "cross")
    # another session's CSRF token is not this session's
    wrong = Identity("ad+otherCSRF", "session", "admin", sessions["admin"][0],
                     sessions["viewer"][1])
    matrix.cell("edge: POST /api/rules, CSRF of another session", wrong, "POST", "/api/rules",
                "", JSON_REFUSED, 403, "csrf token missing or wrong", "none")
    matrix.cell("edge: POST /api/rules, empty CSRF", Identity(
        "ad+emptyCSRF", "session", "admin", sessions["admin"][0], ""), "POST", "/api/rules", "",
        JSON_REFUSED, 403, "csrf token missing or wrong", "none", {"X-CSRF-Token": ""})
    # a bearer token wins over a cookie; a bad one is refused even with a good cookie
    mixed = Identity("badtok+adcookie", "badtoken", cookie=sessions["admin"][0],
                     token=by["badtok"].token)
    matrix.cell("edge: GET /api/session, bad token + admin cookie", mixed, "GET", "/api/session",
                "", None, 401, "invalid token", "none")
    # export written other ways still needs analyst
    vt = by["vi-tok"]
    for q in ("fo%72mat=csv", "format=csv&format=json", "FORMAT=csv", "format=", "format=xlsx",
              "limit=1&format=ndjson&capture=" + MISSING_ID):
        r = send(st, "GET", "/api/flows?" + q, None, vt.headers())
        matrix.cells += 1
        ok = r.status in (400, 403) or (r.status == 200 and (r.json() or {}).get("items")
                                        is not None)
        matrix.checks.check(ok, "GET /api/flows?%s as viewer token: %d %.120r (a viewer must "
                            "never get an export)" % (q, r.status, r.body))
    # unknown paths and methods: 401 for anonymous, 404/405 once known
    for method, path, anon, known in (("GET", "/api/no-such-route", 401, 404),
                                      ("POST", "/api/no-such-route", 401, 404),
                                      ("PUT", "/api/rules", 401, 405),
                                      ("DELETE", "/api/stats", 401, 405),
                                      ("GET", "/api/rules/%s/x" % MISSING_ID, 401, 404)):
        matrix.cell("edge: %s %s" % (method, path), by["anon"], method, path, "", None, anon,
                    "authentication required", "none")
        matrix.cell("edge: %s %s" % (method, path), by["badtok"], method, path, "", None, 401,
                    "invalid token", "none")
        for label in ("vi-tok", "vi+csrf", "ad-csrf"):
            matrix.cell("edge: %s %s" % (method, path), by[label], method, path, "", None, known,
                        None, "none")


def print_table(rows, idents, origins, matrix):
    """One line per route, one column per identity; a cell shows one status
    when the three origins agree, else none/same/cross."""
    width = max(len(r) for r in rows) + 1
    cols = [i.label for i in idents]
    print("\n%-*s %s" % (width, "route", " ".join("%-11s" % c for c in cols)))
    for row in rows:
        out = []
        for c in cols:
            got = matrix.table.get((row, c), {})
            vals = [got.get(o) for o in origins]
            out.append("%-11s" % (str(vals[0]) if len(set(vals)) == 1
                                  else "/".join(str(v) for v in vals)))
        print("%-*s %s" % (width, row, " ".join(out)))
    print("(a/b/c: no Origin / same-site Origin / cross-site Origin)\n", flush=True)


def cleanup(st):
    st.psql("DELETE FROM users WHERE name LIKE '%s-%%';"
            "UPDATE api_tokens SET revoked_at = now() WHERE name LIKE '%s-%%' "
            "AND revoked_at IS NULL;"
            "DELETE FROM login_throttle WHERE name LIKE '%s-%%'" % (TAG, TAG, TAG), st.web_db)


if __name__ == "__main__":
    main()
