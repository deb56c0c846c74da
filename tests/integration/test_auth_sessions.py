#!/usr/bin/env python3
"""test_auth_sessions - accounts, sessions and tokens of webapi through nginx
(webapi/auth.h, session.c, users.c, tokens.c, audit.c,
sql/migrations/005_auth.sql): a session id planted before login is worth
nothing after it; the cookie's attributes; logout, expiry, password change
and disabling end sessions on the server; expired and revoked tokens are
refused and a token's role limits it; failed logins lock a name -- existing
or not, with the same answers and about the same timing for both -- until
`webapi --set-user` clears it; the last admin stays; the audit trail names
who did what from where; secrets are stored only as hashes and the analyst
and writer database roles cannot read the account tables."""

import hashlib
import json
import os
import re
import secrets
import statistics
import subprocess
import time

import pslib
import test_api_util as api
from test_auth_matrix import send

TAG = "authss%d" % os.getpid()
MAX_FAILURES = int(os.environ.get("PACKETSIGHT_LOGIN_MAX_FAILURES") or 5)
LOCK_SECONDS = int(os.environ.get("PACKETSIGHT_LOGIN_LOCK") or 300)
TIMING_ROUNDS = 12
TIMING_RATIO = (0.67, 1.5)


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def new_password():
    return "pw-" + secrets.token_urlsafe(15)


def session_cookie(r):
    """The ps_session value set by the answer, None when none is set."""
    m = re.search(r"(?:^|,\s*)ps_session=([^;,]*)", r.header("Set-Cookie"))
    return m.group(1) if m else None


def login_raw(st, name, password, cookie=None):
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = "ps_session=" + cookie
    return send(st, "POST", "/api/login",
                json.dumps({"name": name, "password": password}).encode(), headers)


def login(st, checks, name, password, cookie=None):
    """Logs in; returns (cookie, csrf_token), or (None, None) after a failed check."""
    r = login_raw(st, name, password, cookie)
    doc = r.json() or {}
    c = session_cookie(r)
    if not checks.check(r.status == 200 and c and doc.get("csrf_token"),
                        "login as %s: %d %.200r" % (name, r.status, r.body)):
        return None, None
    return c, doc["csrf_token"]


def as_session(cookie, csrf=None):
    h = {"Cookie": "ps_session=" + cookie}
    if csrf:
        h["X-CSRF-Token"] = csrf
    return h


def as_token(token):
    return {"Authorization": "Bearer " + token}


def call(st, method, path, headers, doc=None):
    headers = dict(headers)
    body = None
    if doc is not None:
        body = json.dumps(doc).encode()
        headers["Content-Type"] = "application/json"
    return send(st, method, path, body, headers)


def whoami(st, headers):
    return send(st, "GET", "/api/session", None, headers)


def expect(checks, r, status, what, error=None):
    doc = r.json() or {}
    ok = checks.check(r.status == status, "%s: got %d %.200r, want %d" % (what, r.status, r.body,
                                                                         status))
    if ok and error:
        ok = checks.equal(doc.get("error"), error, what + ": error")
    return ok


def user_id(st, name):
    return int(st.scalar("SELECT id FROM users WHERE name = '%s'" % name, st.web_db))


# --- sections ----------------------------------------------------------------

def check_fixation_and_cookie(st, checks, name, password):
    planted = secrets.token_urlsafe(32)[:43]
    r = whoami(st, as_session(planted))
    expect(checks, r, 401, "GET /api/session with a made-up cookie", "authentication required")
    checks.check("Max-Age=0" in r.header("Set-Cookie"),
                 "a cookie naming no session is cleared (Set-Cookie %r)" % r.header("Set-Cookie"))

    r = login_raw(st, name, password, planted)
    expect(checks, r, 200, "login presenting a made-up cookie")
    first = session_cookie(r)
    checks.check(first and first != planted, "login sets a new session id, not the planted one")
    expect(checks, whoami(st, as_session(planted)), 401, "planted cookie after login")
    checks.equal(st.scalar("SELECT count(*) FROM sessions WHERE token_hash = '%s'" % sha(planted),
                           st.web_db), "0", "no session row for the planted id")

    # cookie attributes of a real login (over http: no Secure)
    attrs = [a.strip() for a in r.header("Set-Cookie").split(";")]
    low = [a.lower() for a in attrs]
    checks.check(re.fullmatch(r"ps_session=[A-Za-z0-9_-]{43}", attrs[0]),
                 "cookie value: 43 base64url characters (%r)" % attrs[0][:20])
    checks.check("httponly" in low, "cookie is HttpOnly: %r" % attrs[1:])
    checks.check("samesite=strict" in low, "cookie is SameSite=Strict: %r" % attrs[1:])
    checks.check("path=/" in low, "cookie has Path=/: %r" % attrs[1:])
    checks.check("secure" not in low, "no Secure over http: %r" % attrs[1:])
    m = [a for a in low if a.startswith("max-age=")]
    checks.check(m and int(m[0].split("=")[1]) > 0, "cookie has a positive Max-Age: %r" % attrs)
    doc = r.json() or {}
    checks.check(first not in r.body.decode(), "the session id is not in the body")
    checks.equal(((doc.get("user") or {}).get("name"), doc.get("via")), (name, "session"),
                 "login body names the user")
    who = whoami(st, as_session(first))
    expect(checks, who, 200, "GET /api/session with the new cookie")
    checks.equal((who.json() or {}).get("csrf_token"), doc.get("csrf_token"),
                 "GET /api/session gives the session's csrf_token")

    # logging in again with that cookie ends it and starts another
    r = login_raw(st, name, password, first)
    expect(checks, r, 200, "second login presenting the first session")
    second = session_cookie(r)
    checks.check(second and second != first, "the session from before login is not the one after")
    expect(checks, whoami(st, as_session(first)), 401, "the session presented at login is ended")
    expect(checks, whoami(st, as_session(second)), 200, "the new session works")
    print("fixation, cookie  done", flush=True)
    return second, (r.json() or {}).get("csrf_token")


def check_logout_and_expiry(st, checks, name, password, keep):
    cookie, csrf = login(st, checks, name, password)
    if not cookie:
        return
    r = call(st, "POST", "/api/logout", as_session(cookie))
    expect(checks, r, 403, "logout without the CSRF token", "csrf token missing or wrong")
    r = call(st, "POST", "/api/logout", as_session(cookie, csrf))
    expect(checks, r, 200, "POST /api/logout")
    checks.equal((r.json() or {}).get("logged_out"), True, "logout body")
    checks.check("Max-Age=0" in r.header("Set-Cookie"), "logout clears the cookie: %r"
                 % r.header("Set-Cookie"))
    expect(checks, whoami(st, as_session(cookie)), 401, "old cookie after logout",
           "authentication required")
    checks.equal(st.scalar("SELECT count(*) FROM sessions WHERE token_hash = '%s'" % sha(cookie),
                           st.web_db), "0", "session row removed by logout")
    expect(checks, whoami(st, as_session(keep)), 200, "another session of the user survives logout")

    cookie, csrf = login(st, checks, name, password)
    if not cookie:
        return
    expect(checks, whoami(st, as_session(cookie)), 200, "fresh session")
    st.psql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = '%s'"
            % sha(cookie), st.web_db)
    expect(checks, whoami(st, as_session(cookie)), 401, "expired session",
           "authentication required")
    r = call(st, "POST", "/api/rules", as_session(cookie, csrf), {"bogus": 1})
    expect(checks, r, 401, "state change with an expired session")
    print("logout, expiry   done", flush=True)


def check_tokens(st, checks):
    tokens = {role: st.make_token("%s-%s" % (TAG, role), role)
              for role in ("viewer", "analyst", "operator")}
    r = whoami(st, as_token(tokens["viewer"]))
    expect(checks, r, 200, "GET /api/session with a viewer token")
    checks.equal(((r.json() or {}).get("via"), (r.json() or {}).get("role")), ("token", "viewer"),
                 "token session body")
    for role, want in (("viewer", 403), ("analyst", 403), ("operator", 400)):
        r = call(st, "POST", "/api/rules", as_token(tokens[role]), {"bogus": 1})
        expect(checks, r, want, "POST /api/rules with a %s token" % role,
               "forbidden" if want == 403 else None)
    expect(checks, send(st, "GET", "/api/rules?limit=1", None, as_token(tokens["viewer"])), 200,
           "GET /api/rules with a viewer token")
    expect(checks, send(st, "GET", "/api/rules?format=csv", None, as_token(tokens["viewer"])),
           403, "export with a viewer token", "forbidden")

    expiring = st.make_token(TAG + "-expiring", "viewer")
    expect(checks, whoami(st, as_token(expiring)), 200, "token before expiry")
    st.psql("UPDATE api_tokens SET expires_at = now() - interval '1 second' "
            "WHERE token_hash = '%s'" % sha(expiring), st.web_db)
    r = whoami(st, as_token(expiring))
    expect(checks, r, 401, "expired token", "invalid token")
    checks.check('error="invalid_token"' in r.header("WWW-Authenticate"),
                 "expired token: WWW-Authenticate %r" % r.header("WWW-Authenticate"))

    revoked = st.make_token(TAG + "-revoked", "operator")
    expect(checks, whoami(st, as_token(revoked)), 200, "token before revocation")
    tid = int(st.scalar("SELECT id FROM api_tokens WHERE token_hash = '%s'" % sha(revoked),
                        st.web_db))
    r = call(st, "DELETE", "/api/tokens/%d" % tid, st.auth_headers())
    expect(checks, r, 200, "DELETE /api/tokens/{id} as admin")
    checks.equal(pslib.as_int((r.json() or {}).get("revoked")), tid, "revoke body")
    expect(checks, whoami(st, as_token(revoked)), 401, "revoked token", "invalid token")
    r = call(st, "POST", "/api/rules", as_token(revoked), {"bogus": 1})
    expect(checks, r, 401, "state change with a revoked token", "invalid token")
    print("tokens           done", flush=True)
    return tokens, tid, revoked


def same_answer(checks, a, b, what):
    """Existing and unknown names must be told apart by nothing: status,
    body (numbers aside: seconds left) and the headers that matter."""
    norm = lambda r: re.sub(rb"\d+", b"N", r.body)
    checks.equal((a.status, norm(a)), (b.status, norm(b)), what + ": existing vs unknown name")
    for h in ("Retry-After", "WWW-Authenticate", "Content-Type"):
        checks.equal(bool(a.header(h)), bool(b.header(h)), what + ": header %s present" % h)
    checks.check(session_cookie(a) is None and session_cookie(b) is None,
                 what + ": no session cookie set")


def check_lockout(st, checks, name, password):
    ghost = TAG + "-ghost"
    for i in range(1, MAX_FAILURES + 1):
        a = login_raw(st, name, "wrong-password-%d" % i)
        b = login_raw(st, ghost, "wrong-password-%d" % i)
        expect(checks, a, 401, "wrong password %d/%d" % (i, MAX_FAILURES), "login failed")
        expect(checks, b, 401, "unknown name %d/%d" % (i, MAX_FAILURES), "login failed")
        same_answer(checks, a, b, "failure %d" % i)
    a = login_raw(st, name, password)
    b = login_raw(st, ghost, password)
    for r, who in ((a, "existing name"), (b, "unknown name")):
        if expect(checks, r, 429, "right password after %d failures (%s)" % (MAX_FAILURES, who),
                  "too many failed logins"):
            ra = r.header("Retry-After")
            checks.check(ra.isdigit() and 0 < int(ra) <= LOCK_SECONDS,
                         "%s: Retry-After %r, want 1..%d" % (who, ra, LOCK_SECONDS))
    same_answer(checks, a, b, "locked")
    checks.equal(st.scalar("SELECT count(*) FROM login_throttle WHERE name IN ('%s', '%s') AND "
                           "locked_until > now()" % (name, ghost), st.web_db), "2",
                 "both names locked in login_throttle")
    st.set_user(name, "viewer", password)  # webapi --set-user clears the lock
    cookie, _ = login(st, checks, name, password)
    checks.check(cookie is not None, "login works after webapi --set-user")
    r = login_raw(st, ghost, password)
    expect(checks, r, 429, "the unknown name stays locked", "too many failed logins")
    print("lockout          done", flush=True)


def timed_login(st, name, password):
    """(seconds, response) of one login; a retry after nginx's rate limit is
    timed alone."""
    body = json.dumps({"name": name, "password": password}).encode()
    for _ in range(60):
        t0 = time.perf_counter()
        r = api.request(st, "POST", "/api/login", body, {"Content-Type": "application/json"},
                        auth=False)
        dt = time.perf_counter() - t0
        if r.status != 429 or (r.json() or {}).get("error") != "too many requests":
            return dt, r
        time.sleep(2)
    pslib.fatal("nginx kept refusing logins")


def check_timing(st, checks, users):
    """Unknown names cost the same password hash as wrong passwords: the
    medians must be within TIMING_RATIO. Failures are spread so no name
    reaches the lock."""
    # each webapi worker computes its dummy hash on the first unknown name
    for i in range(4):
        timed_login(st, "%s-warm%d" % (TAG, i), "wrong-password")
    unknown, existing = [], []
    bodies = set()
    for i in range(TIMING_ROUNDS):
        for kind in (("unknown", "existing") if i % 2 else ("existing", "unknown")):
            if kind == "unknown":
                dt, r = timed_login(st, "%s-nobody%d" % (TAG, i), "wrong-password-%d" % i)
                unknown.append(dt)
            else:
                dt, r = timed_login(st, users[i % len(users)], "wrong-password-%d" % i)
                existing.append(dt)
            checks.check(r.status == 401, "timing login %s %d: %d %.100r"
                         % (kind, i, r.status, r.body))
            bodies.add(r.body)
    checks.equal(len(bodies), 1, "one body for every failed login (unknown or wrong password)")
    mu, me = statistics.median(unknown), statistics.median(existing)
    ratio = mu / me if me > 0 else float("inf")
    print("timing           median unknown name %.1f ms, wrong password %.1f ms, ratio %.2f "
          "(%d each)" % (mu * 1000, me * 1000, ratio, TIMING_ROUNDS), flush=True)
    checks.check(TIMING_RATIO[0] <= ratio <= TIMING_RATIO[1],
                 "login timing tells unknown names from wrong passwords: median %.1f ms vs "
                 "%.1f ms (ratio %.2f, allowed %.2f..%.2f)"
                 % (mu * 1000, me * 1000, ratio, TIMING_RATIO[0], TIMING_RATIO[1]))
    return mu, me


def check_password_change(st, checks, name, password):
    a, a_csrf = login(st, checks, name, password)
    b, _ = login(st, checks, name, password)
    if not a or not b:
        return
    new = new_password()
    r = call(st, "POST", "/api/password", as_session(a, a_csrf),
             {"current_password": "not-the-password", "new_password": new})
    expect(checks, r, 403, "password change with a wrong current password", "wrong password")
    expect(checks, whoami(st, as_session(b)), 200, "refused change leaves other sessions")
    r = call(st, "POST", "/api/password", as_session(a, a_csrf),
             {"current_password": password, "new_password": "short"})
    expect(checks, r, 400, "password change to a too short password")
    r = call(st, "POST", "/api/password", as_session(a, a_csrf),
             {"current_password": password, "new_password": new})
    expect(checks, r, 200, "POST /api/password")
    expect(checks, whoami(st, as_session(b)), 401, "other session after password change")
    expect(checks, whoami(st, as_session(a)), 200, "the changing session stays")
    expect(checks, login_raw(st, name, password), 401, "old password after change", "login failed")
    c, c_csrf = login(st, checks, name, new)
    checks.check(c is not None, "new password works")
    if c:
        check_password_guessing(st, checks, name, new, c, c_csrf)
    print("password change  done", flush=True)


def check_password_guessing(st, checks, name, password, cookie, csrf):
    """Guessing current_password with a stolen session counts like failed
    logins: after MAX_FAILURES the name is locked, for logins too."""
    # The earlier refused change counted once; start from a clean slate.
    st.psql("DELETE FROM login_throttle WHERE name = '%s'" % name, st.web_db)
    for i in range(MAX_FAILURES):
        r = call(st, "POST", "/api/password", as_session(cookie, csrf),
                 {"current_password": "guess-%d-xxxxxxx" % i, "new_password": new_password()})
        expect(checks, r, 403, "password guess %d/%d" % (i + 1, MAX_FAILURES), "wrong password")
    r = call(st, "POST", "/api/password", as_session(cookie, csrf),
             {"current_password": password, "new_password": new_password()})
    expect(checks, r, 429, "right current password after %d guesses" % MAX_FAILURES,
           "too many failed logins")
    expect(checks, login_raw(st, name, password), 429, "login after password guesses",
           "too many failed logins")
    st.psql("DELETE FROM login_throttle WHERE name = '%s'" % name, st.web_db)


def check_health(st, checks):
    """Health answers everyone, but names the sensors only to callers with
    credentials."""
    anon = send(st, "GET", "/api/health", None, {})
    expect(checks, anon, 200, "anonymous /api/health")
    doc = anon.json() or {}
    checks.equal(doc.get("sensors"), [], "anonymous /api/health lists no sensor names")
    checks.check(isinstance(doc.get("sensor_count"), int) and doc["sensor_count"] >= 1,
                 "anonymous /api/health has the sensor count: %r" % doc.get("sensor_count"))
    known = send(st, "GET", "/api/health", None, as_token(st.token)).json() or {}
    checks.check(len(known.get("sensors") or []) == doc.get("sensor_count"),
                 "/api/health with a token lists every sensor: %r" % known.get("sensors"))
    print("health           done", flush=True)


def check_disable(st, checks, name, password):
    cookie, _ = login(st, checks, name, password)
    if not cookie:
        return
    uid = user_id(st, name)
    r = call(st, "PATCH", "/api/users/%d" % uid, st.auth_headers(), {"disabled": True})
    expect(checks, r, 200, "PATCH /api/users/{id} disabled")
    expect(checks, whoami(st, as_session(cookie)), 401, "session of a disabled user",
           "authentication required")
    checks.equal(st.scalar("SELECT count(*) FROM sessions WHERE user_id = %d" % uid, st.web_db),
                 "0", "sessions of a disabled user removed")
    a = login_raw(st, name, password)
    b = login_raw(st, TAG + "-ghost2", password)
    expect(checks, a, 401, "login of a disabled user", "login failed")
    same_answer(checks, a, b, "disabled user")
    print("disable          done", flush=True)


def check_last_admin(st, checks, password):
    """The last enabled admin can be neither demoted, disabled nor deleted.
    A test admin shows that an admin with company can be; then the guard is
    tried on the one remaining admin, whose row is restored should it fail."""
    r = call(st, "POST", "/api/users", st.auth_headers(),
             {"name": TAG + "-admin", "role": "admin", "password": password})
    if not expect(checks, r, 201, "POST /api/users (test admin)"):
        return
    tid = pslib.as_int(((r.json() or {}).get("user") or {}).get("id"))
    expect(checks, call(st, "PATCH", "/api/users/%d" % tid, st.auth_headers(), {"role": "viewer"}),
           200, "demoting an admin while another exists")
    others = st.psql("SELECT id, row_to_json(u)::text FROM users u WHERE role = 'admin' "
                     "AND NOT disabled", st.web_db)
    if len(others) != 1:
        print("last admin       %d enabled admins besides the test one: the 409 cannot be "
              "reached without changing real accounts; only the allowed case checked"
              % len(others), flush=True)
        return
    last, saved = int(others[0][0]), others[0][1]
    for method, doc, what in (("PATCH", {"role": "viewer"}, "demoting"),
                              ("PATCH", {"disabled": True}, "disabling"),
                              ("DELETE", None, "deleting")):
        r = call(st, method, "/api/users/%d" % last, st.auth_headers(), doc)
        if r.status != 409:
            # put the account back as it was, then judge
            st.psql("INSERT INTO users SELECT * FROM json_populate_record(null::users, $ps_restore$%s$ps_restore$) "
                    "ON CONFLICT (id) DO UPDATE SET role = EXCLUDED.role, "
                    "disabled = EXCLUDED.disabled" % saved, st.web_db)
            company = st.scalar("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled "
                                "AND id NOT IN (%d, %d)" % (last, tid), st.web_db)
            if company != "0":
                print("last admin       another admin appeared meanwhile; %s gave %d"
                      % (what, r.status), flush=True)
                continue
        expect(checks, r, 409, "%s the last enabled admin" % what, "conflict")
    checks.equal(st.scalar("SELECT row_to_json(u)::text FROM users u WHERE id = %d" % last,
                           st.web_db), saved, "the last admin's row is unchanged")
    r = call(st, "DELETE", "/api/users/%d" % tid, st.auth_headers())
    expect(checks, r, 200, "deleting a (demoted) test admin")
    print("last admin       done", flush=True)


def audit_row(st, where):
    rows = st.psql("SELECT actor, actor_kind, coalesce(role, '-'), action, status, "
                   "coalesce(host(client_addr), '-'), coalesce(detail->>'name', "
                   "detail->>'token', '-') FROM audit_log WHERE %s ORDER BY id DESC LIMIT 1"
                   % where, st.web_db)
    return tuple(rows[0]) if rows else None


def check_audit(st, checks, op_name, op_cookie, op_csrf, lock_name, revoked_tid):
    ghost = TAG + "-audit-nobody"
    expect(checks, login_raw(st, ghost, "wrong-password"), 401, "failed login for the audit")
    checks.equal(audit_row(st, "action = 'login.failed' AND detail->>'name' = '%s'" % ghost),
                 ("anonymous", "anonymous", "-", "login.failed", "401", "127.0.0.1", ghost),
                 "audit row of a failed login")
    checks.equal(audit_row(st, "action = 'login' AND actor = '%s'" % op_name),
                 (op_name, "user", "operator", "login", "200", "127.0.0.1", op_name),
                 "audit row of a login")
    checks.equal(audit_row(st, "action = 'login.locked' AND detail->>'name' = '%s'" % lock_name),
                 ("anonymous", "anonymous", "-", "login.locked", "429", "127.0.0.1", lock_name),
                 "audit row of a locked login")
    r = call(st, "POST", "/api/rules", as_session(op_cookie, op_csrf), {"bogus": 1})
    expect(checks, r, 400, "operator POST /api/rules with a refused body")
    checks.equal(audit_row(st, "actor = '%s' AND action = 'POST /api/rules'" % op_name),
                 (op_name, "user", "operator", "POST /api/rules", "400", "127.0.0.1", "-"),
                 "audit row of a state-changing request")
    r = send(st, "GET", "/api/rules?format=json", None, as_session(op_cookie))
    expect(checks, r, 200, "operator export of the rules")
    checks.equal(audit_row(st, "actor = '%s' AND action LIKE 'GET /api/rules%%'" % op_name),
                 (op_name, "user", "operator", "GET /api/rules (export)", "200", "127.0.0.1", "-"),
                 "audit row of an export")
    admin_token_name = st.scalar("SELECT name FROM api_tokens WHERE token_hash = '%s'"
                                 % sha(st.token), st.web_db)
    row = audit_row(st, "action = 'DELETE /api/tokens/%d'" % revoked_tid)
    checks.equal(row, ("token:" + admin_token_name, "token", "admin",
                       "DELETE /api/tokens/%d" % revoked_tid, "200", "127.0.0.1",
                       TAG + "-revoked"), "audit row of a request made with a token")
    print("audit            done", flush=True)


def check_storage(st, checks, passwords, tokens, cookies):
    hashes = st.psql("SELECT name, password_hash FROM users WHERE name LIKE '%s-%%'" % TAG,
                     st.web_db)
    checks.check(hashes, "test users exist")
    for name, h in hashes:
        checks.check(h.startswith("$y$"), "user %s: password stored as %r..., want yescrypt $y$"
                     % (name, h[:6]))
    for tok in tokens:
        row = st.psql("SELECT token_hash, prefix FROM api_tokens WHERE token_hash = '%s'"
                      % sha(tok), st.web_db)
        if checks.check(len(row) == 1, "token %s... stored by its SHA-256" % tok[:10]):
            checks.check(re.fullmatch(r"[0-9a-f]{64}", row[0][0]), "token hash is 64 hex")
            checks.equal(row[0][1], tok[:10], "token prefix")
    for table in ("users", "sessions", "api_tokens", "login_throttle", "audit_log"):
        for secret in passwords + [t[10:] for t in tokens] + cookies:
            n = st.scalar("SELECT count(*) FROM %s t WHERE strpos(t::text, $s$%s$s$) > 0"
                          % (table, secret), st.web_db)
            checks.equal(n, "0", "secret %s... in clear in %s" % (secret[:6], table))
    for c in cookies:
        checks.equal(st.scalar("SELECT count(*) FROM sessions WHERE token_hash = '%s'" % sha(c),
                               st.web_db), "1", "session %s... stored by its SHA-256" % c[:6])

    # the analyst and writer database roles cannot read the account tables
    for role, conninfo in (("packetsight_analyst", os.environ.get("PACKETSIGHT_ANALYST_DB")
                            or pslib.with_user(st.writer_db, "packetsight_analyst")),
                           ("packetsight_writer", st.writer_db)):
        ok = subprocess.run(["psql", "-XAtq", "-d", conninfo, "-c", "SELECT 1 FROM captures LIMIT 1"],
                            capture_output=True, text=True, timeout=60)
        if not checks.check(ok.returncode == 0, "%s can connect and read captures: %s"
                            % (role, ok.stderr.strip())):
            continue
        for table in ("users", "sessions", "api_tokens", "login_throttle", "audit_log"):
            p = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c",
                                "SELECT count(*) FROM %s" % table],
                               capture_output=True, text=True, timeout=60)
            checks.check(p.returncode != 0 and "permission denied" in p.stderr,
                         "%s SELECT FROM %s: exit %d %s%s" % (role, table, p.returncode,
                                                             p.stdout.strip(), p.stderr.strip()))
    print("storage, roles   done", flush=True)


def cleanup(st):
    st.psql("DELETE FROM users WHERE name LIKE '%s-%%';"
            "UPDATE api_tokens SET revoked_at = now() WHERE name LIKE '%s-%%' "
            "AND revoked_at IS NULL;"
            "DELETE FROM login_throttle WHERE name LIKE '%s-%%'" % (TAG, TAG, TAG), st.web_db)
    if st._token:  # the run's admin token (pslib) is not needed after it
        st.psql("UPDATE api_tokens SET revoked_at = now() WHERE token_hash = '%s'"
                % sha(st._token), st.web_db)


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    pw = {k: new_password() for k in ("op", "lock", "time", "change", "off")}
    op = TAG + "-op"
    lock = TAG + "-lock"
    change = TAG + "-change"
    off = TAG + "-off"
    timing_users = ["%s-time%d" % (TAG, i) for i in range(3)]
    st.set_user(op, "operator", pw["op"])
    st.set_user(lock, "viewer", pw["lock"])
    st.set_user(change, "viewer", pw["change"])
    st.set_user(off, "viewer", pw["off"])
    for u in timing_users:
        st.set_user(u, "viewer", pw["time"])
    try:
        op_cookie, op_csrf = check_fixation_and_cookie(st, checks, op, pw["op"])
        if not op_cookie:
            pslib.fatal("no operator session to go on with")
        check_logout_and_expiry(st, checks, op, pw["op"], op_cookie)
        tokens, revoked_tid, revoked = check_tokens(st, checks)
        check_lockout(st, checks, lock, pw["lock"])
        check_timing(st, checks, timing_users)
        check_password_change(st, checks, change, pw["change"])
        check_disable(st, checks, off, pw["off"])
        check_health(st, checks)
        check_last_admin(st, checks, new_password())
        check_audit(st, checks, op, op_cookie, op_csrf, lock, revoked_tid)
        check_storage(st, checks, list(pw.values()), list(tokens.values()) + [revoked],
                      [op_cookie])
    finally:
        cleanup(st)
    checks.finish()


if __name__ == "__main__":
    main()
