"""pslib - helpers for the integration tests: where the stack is, psql
queries, HTTP through nginx, running the real binaries, collecting checks.

The stack's coordinates come from the environment that
`eval "$(deploy/local.sh env)"` sets (PACKETSIGHT_DB, PS_BASE_URL, ...).
Without PACKETSIGHT_DB or PS_BASE_URL a test exits 77, which ctest reports as
skipped. Standard library only.
"""

import argparse
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import urllib.error
import urllib.request

SKIP = 77


class Stack:
    """Coordinates of the running stack and of the binaries under test."""

    def __init__(self, description):
        ap = argparse.ArgumentParser(description=description)
        ap.add_argument("--bin", help="directory of captured/webapi (env PS_BIN wins)")
        ap.add_argument("--shared", help="the shared/ directory (env PS_SHARED wins)")
        ap.add_argument("--repo", help="repository root (env PS_REPO wins)")
        args = ap.parse_args()

        missing = [v for v in ("PACKETSIGHT_DB", "PS_BASE_URL") if not os.environ.get(v)]
        if missing:
            print("SKIP: %s not set; run under `deploy/local.sh test` or after "
                  "eval \"$(deploy/local.sh env)\"" % " and ".join(missing))
            sys.exit(SKIP)

        self.writer_db = os.environ["PACKETSIGHT_DB"]
        self.base_url = os.environ["PS_BASE_URL"].rstrip("/")
        self.web_db = os.environ.get("PACKETSIGHT_WEB_DB") or with_user(self.writer_db, "packetsight_web")
        self.owner_db = os.environ.get("PACKETSIGHT_OWNER_DB") or with_user(self.writer_db, "packetsight_owner")
        self.bin = os.environ.get("PS_BIN") or args.bin
        self.shared = os.environ.get("PS_SHARED") or args.shared
        self.repo = os.environ.get("PS_REPO") or args.repo
        if not self.bin or not self.shared:
            fatal("PS_BIN/PS_SHARED unknown (pass --bin/--shared or set the variables)")
        self.pcaps = os.path.join(self.shared, "pcaps")
        # Talk to 127.0.0.1 directly, whatever http_proxy says.
        self._http = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._token = None

    @property
    def token(self):
        """An admin API token made for this test run (webapi --create-token),
        sent as Authorization: Bearer by get() and test_api_util.request()."""
        if self._token is None:
            self._token = self.make_token("tests-%d" % os.getpid(), "admin")
        return self._token

    def make_token(self, name, role, days=1):
        p = subprocess.run([self.exe("webapi"), "--db", self.web_db, "--create-token", name,
                            "--role", role, "--expires-days", str(days)],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0 or not p.stdout.startswith("pst_"):
            fatal("webapi --create-token failed (%d): %s" % (p.returncode, p.stderr.strip()))
        return p.stdout.strip()

    def set_user(self, name, role, password):
        """Creates or resets account `name` with this password (webapi --set-user)."""
        p = subprocess.run([self.exe("webapi"), "--db", self.web_db, "--set-user", name,
                            "--role", role, "--password-stdin"], input=password + "\n",
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            fatal("webapi --set-user failed (%d): %s" % (p.returncode, p.stderr.strip()))

    def auth_headers(self):
        return {"Authorization": "Bearer " + self.token}

    def exe(self, name):
        path = os.path.join(self.bin, name)
        if not os.access(path, os.X_OK):
            fatal("%s is missing or not executable" % path)
        return path

    def pcap(self, name):
        path = os.path.join(self.pcaps, name)
        if not os.path.isfile(path):
            fatal("shared capture %s is missing" % path)
        return path

    # --- database -------------------------------------------------------

    def psql(self, sql, conninfo=None):
        """Runs one statement with psql -XAtq; returns rows as lists of str."""
        conninfo = conninfo or self.writer_db
        p = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-F", "\t",
                            "-d", conninfo, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            fatal("psql failed (%d) for %r: %s" % (p.returncode, sql, p.stderr.strip()))
        return [line.split("\t") for line in p.stdout.splitlines() if line != ""]

    def scalar(self, sql, conninfo=None):
        rows = self.psql(sql, conninfo)
        if len(rows) != 1 or len(rows[0]) != 1:
            fatal("expected one value from %r, got %r" % (sql, rows))
        return rows[0][0]

    # --- HTTP -----------------------------------------------------------

    def get(self, path, timeout=30):
        """GET base_url+path; returns (status, content_type, body bytes).
        HTTP error statuses are returned, not raised."""
        url = self.base_url + path
        try:
            req = urllib.request.Request(url, headers=self.auth_headers())
            with self._http.open(req, timeout=timeout) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()
        except (urllib.error.URLError, OSError) as e:
            fatal("GET %s: %s" % (url, e))

    def get_json(self, path, checks, want_status=200):
        """GET and parse JSON; records failures in checks. Returns the
        decoded value or None."""
        status, ctype, body = self.get(path)
        checks.check(status == want_status, "GET %s: status %d, want %d (body %.200r)"
                     % (path, status, want_status, body))
        checks.check(ctype.split(";")[0].strip() == "application/json",
                     "GET %s: Content-Type %r, want application/json" % (path, ctype))
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            checks.fail("GET %s: body is not JSON (%s): %.200r" % (path, e, body))
            return None

    # --- processes ------------------------------------------------------

    def run(self, argv, env_extra=None, timeout=300):
        env = dict(os.environ)
        env.update(env_extra or {})
        print("$ " + " ".join(shlex.quote(a) for a in argv), flush=True)
        try:
            p = subprocess.run(argv, capture_output=True, text=True, env=env,
                               timeout=timeout, errors="replace")
        except subprocess.TimeoutExpired:
            fatal("%s did not finish in %ds" % (argv[0], timeout))
        print("  exit %d\n  stdout: %s\n  stderr: %s" % (
            p.returncode, p.stdout.strip()[:500], p.stderr.strip()[:500]), flush=True)
        return p


_ROLLUP_SNAPSHOT = """
CREATE TEMP TABLE s_h AS SELECT * FROM host_rollup WHERE capture_id = {cid};
CREATE TEMP TABLE s_p AS SELECT * FROM port_rollup WHERE capture_id = {cid};
CREATE TEMP TABLE s_s AS SELECT * FROM service_rollup WHERE capture_id = {cid};
CREATE TEMP TABLE s_a AS SELECT * FROM host_rollup_all;
SELECT ps_rollup_rebuild({cid});
"""
_ROLLUP_DIFF = """
SELECT (SELECT count(*) FROM ((TABLE s_h EXCEPT SELECT * FROM host_rollup WHERE capture_id = {cid})
        UNION ALL (SELECT * FROM host_rollup WHERE capture_id = {cid} EXCEPT TABLE s_h)) d)
    || ' ' || (SELECT count(*) FROM ((TABLE s_p EXCEPT SELECT * FROM port_rollup WHERE capture_id = {cid})
        UNION ALL (SELECT * FROM port_rollup WHERE capture_id = {cid} EXCEPT TABLE s_p)) d)
    || ' ' || (SELECT count(*) FROM ((TABLE s_s EXCEPT SELECT * FROM service_rollup WHERE capture_id = {cid})
        UNION ALL (SELECT * FROM service_rollup WHERE capture_id = {cid} EXCEPT TABLE s_s)) d)
    || ' ' || (SELECT count(*) FROM ((TABLE s_a EXCEPT TABLE host_rollup_all)
        UNION ALL (TABLE host_rollup_all EXCEPT TABLE s_a)) d)
    || ' ' || (SELECT count(*) FROM s_h)
"""


def rollup_rebuild_diff(st, cid):
    """[hosts, ports, services, all hosts] rows of capture cid's rollups that
    differ from what ps_rollup_rebuild() computes from its flows, then the
    number of its host rows; the rebuild is rolled back."""
    sql = ("BEGIN;" + _ROLLUP_SNAPSHOT.format(cid=cid) + _ROLLUP_DIFF.format(cid=cid)
           + ";ROLLBACK;")
    rows = st.psql(sql, st.owner_db)
    return [int(v) for v in rows[-1][0].split()]


def pump(a, b):
    """Copies socket a to socket b until a ends or either fails, then shuts
    both down (one direction of a relay; run one thread per direction)."""
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def with_user(conninfo, user):
    """The conninfo with its user= replaced (or added)."""
    if re.search(r"(^|\s)user=\S+", conninfo):
        return re.sub(r"(^|\s)user=\S+", r"\1user=" + user, conninfo)
    return conninfo + " user=" + user


def with_dbname(conninfo, dbname):
    if re.search(r"(^|\s)dbname=\S+", conninfo):
        return re.sub(r"(^|\s)dbname=\S+", r"\1dbname=" + dbname, conninfo)
    return conninfo + " dbname=" + dbname


def fatal(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


class Checks:
    """Collects failed checks so one run reports all of them."""

    def __init__(self):
        self.failures = []

    def fail(self, msg):
        self.failures.append(msg)
        print("FAIL: " + msg, flush=True)

    def check(self, cond, msg):
        if not cond:
            self.fail(msg)
        return bool(cond)

    def equal(self, got, want, what):
        return self.check(got == want, "%s: got %r, want %r" % (what, got, want))

    def finish(self):
        if self.failures:
            print("%d check(s) failed" % len(self.failures))
            sys.exit(1)
        print("all checks passed")
        sys.exit(0)


def as_int(value):
    """JSON numbers may come as int or as a decimal string (bigint)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return None
