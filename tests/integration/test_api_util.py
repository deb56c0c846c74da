"""test_api_util - helpers shared by the test_api_* integration tests (not a
test itself): HTTP requests with any method, body and headers through
nginx; multipart bodies; loading shared captures with `captured --read`;
row counts that must not change; a minimal FastCGI client (FastCGI 1.0
specification) for talking to a private webapi without nginx.

Standard library only, like pslib.
"""

import json
import os
import re
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pslib


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage (case-insensitive)
        self.body = body

    def header(self, name):
        return self.headers.get(name, "") if self.headers is not None else ""

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


def request(st, method, path, body=None, headers=None, timeout=120, auth=True):
    """One request through nginx, with the run's admin token unless auth is
    False or headers carry their own Authorization/Cookie; HTTP errors are
    returned, not raised."""
    headers = dict(headers or {})
    if auth and "Authorization" not in headers and "Cookie" not in headers:
        headers.update(st.auth_headers())
    req = urllib.request.Request(st.base_url + path, data=body, method=method,
                                 headers=headers)
    try:
        with st._http.open(req, timeout=timeout) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, e.headers, e.read())
    except (urllib.error.URLError, OSError) as e:
        pslib.fatal("%s %s: %s" % (method, path, e))


def get_json(st, checks, path, want=200):
    r = request(st, "GET", path)
    checks.check(r.status == want, "GET %s: status %d, want %d (%.300r)" % (path, r.status, want, r.body))
    ctype = r.header("Content-Type").split(";")[0].strip()
    checks.check(ctype == "application/json", "GET %s: Content-Type %r" % (path, ctype))
    doc = r.json()
    checks.check(doc is not None, "GET %s: body is not JSON: %.200r" % (path, r.body))
    return doc


def post_json(st, path, doc):
    body = json.dumps(doc).encode()
    return request(st, "POST", path, body, {"Content-Type": "application/json"})


def multipart(fields, file_field="file", file_name=None, file_bytes=None):
    """(body, content_type) of a multipart/form-data body: fields first,
    then one file part unless file_bytes is None."""
    boundary = "----ps" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n"
                    % (boundary, name)).encode() + value.encode() + b"\r\n")
    if file_bytes is not None:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: application/vnd.tcpdump.pcap\r\n\r\n"
                    % (boundary, file_field, file_name)).encode() + file_bytes + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def load(st, pcap_name):
    """captured --read of a shared capture; returns its capture id."""
    p = st.run([st.exe("captured"), "--read", st.pcap(pcap_name)],
               {"PACKETSIGHT_DB": st.writer_db})
    m = re.search(r"\bcapture_id=(\d+)\b", p.stdout)
    if p.returncode != 0 or not m:
        pslib.fatal("captured --read %s failed (exit %d)" % (pcap_name, p.returncode))
    return int(m.group(1))


# Everything an API request could change. Live captures (a running daemon's
# own) are left out so they cannot disturb the comparison. Packets are not
# counted (too slow on a big database): nothing but the daemon writes them,
# and only for a job or a capture request, both counted here.
COUNTS_SQL = """
SELECT (SELECT count(*) FROM captures WHERE kind <> 'live'),
       (SELECT count(*) FROM flows WHERE capture_id IN (SELECT id FROM captures WHERE kind <> 'live')),
       (SELECT count(*) FROM jobs),
       (SELECT count(*) FROM capture_requests),
       (SELECT count(*) FROM pg_largeobject_metadata),
       (SELECT count(*) FROM host_rollup WHERE capture_id IN (SELECT id FROM captures WHERE kind <> 'live'))
"""
COUNT_NAMES = ("captures", "flows", "jobs", "capture_requests", "large_objects", "host_rollup")


def counts(st):
    return dict(zip(COUNT_NAMES, (int(v) for v in st.psql(COUNTS_SQL)[0])))


# --- FastCGI ---------------------------------------------------------------

FCGI_BEGIN, FCGI_END, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_STDERR = 1, 3, 4, 5, 6, 7


def _record(rtype, content, req_id=1):
    return struct.pack(">BBHHBx", 1, rtype, req_id, len(content), 0) + content


def _nv(name, value):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(name)) + ln(len(value)) + name + value


def fcgi_request(sock_path, method, uri, body=b"", content_type="", extra=None, timeout=60):
    """Sends one request to a FastCGI responder on a unix socket; returns
    (status, headers dict (lower-case names), body bytes)."""
    path, _, query = uri.partition("?")
    params = {"REQUEST_METHOD": method, "REQUEST_URI": uri, "DOCUMENT_URI": path,
              "QUERY_STRING": query, "CONTENT_LENGTH": str(len(body)),
              "CONTENT_TYPE": content_type, "SERVER_PROTOCOL": "HTTP/1.1"}
    params.update(extra or {})
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(sock_path)
    out = [_record(FCGI_BEGIN, struct.pack(">HB5x", 1, 0))]
    nv = b"".join(_nv(k.encode(), v.encode()) for k, v in params.items())
    out += [_record(FCGI_PARAMS, nv), _record(FCGI_PARAMS, b"")]
    s.sendall(b"".join(out))
    for i in range(0, len(body), 65535):
        s.sendall(_record(FCGI_STDIN, body[i:i + 65535]))
    s.sendall(_record(FCGI_STDIN, b""))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    stdout, pos = b"", 0
    while pos + 8 <= len(data):
        _, rtype, _, clen, plen = struct.unpack(">BBHHB", data[pos:pos + 7])
        content = data[pos + 8:pos + 8 + clen]
        if rtype == FCGI_STDOUT:
            stdout += content
        pos += 8 + clen + plen
    head, _, rbody = stdout.partition(b"\r\n\r\n")
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, rbody


class PrivateWebapi:
    """A webapi of its own on a unix socket (--socket), with extra
    environment; for settings the shared stack does not use."""

    def __init__(self, st, tmpdir, env_extra, conninfo=None):
        self.sock = os.path.join(tmpdir, "webapi.sock")
        self.auth = {"HTTP_AUTHORIZATION": "Bearer " + st.token}
        self.log = os.path.join(tmpdir, "webapi.log")
        env = dict(os.environ)
        env["PACKETSIGHT_WEB_DB"] = conninfo or st.web_db
        env.update(env_extra)
        self.proc = subprocess.Popen([st.exe("webapi"), "--socket", self.sock, "--log", self.log],
                                     env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(self.sock) or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(self.sock):
            pslib.fatal("private webapi did not start (exit %r); log: %s"
                        % (self.proc.poll(), self.read_log()))

    def read_log(self):
        try:
            with open(self.log) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def request(self, method, uri, body=b"", content_type=""):
        return fcgi_request(self.sock, method, uri, body, content_type, self.auth)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
