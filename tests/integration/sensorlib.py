"""sensorlib - helpers for tests that run a private captured daemon beside
the stack's one: its own sensor name, its own options, its own capture of
the loopback interface (config `capture` lines), and a unix-socket relay to
PostgreSQL that the test can cut and restore, so "the database is away"
concerns this daemon only. Standard library only; traffic stays on
loopback."""

import os
import pwd
import re
import signal
import socket
import subprocess
import threading
import time

import pslib


class PgRelay:
    """Listens on DIR/.s.PGSQL.PORT and relays every connection to the real
    server socket. cut() removes the socket and closes every relayed
    connection (clients see the server gone; new connections fail at once);
    restore() listens again. PostgreSQL still sees a local peer (this
    process), so peer authentication is unchanged."""

    def __init__(self, conninfo, directory):
        host = re.search(r"(?:^|\s)host=(\S+)", conninfo)
        port = re.search(r"(?:^|\s)port=(\d+)", conninfo)
        if not host or not host.group(1).startswith("/"):
            pslib.fatal("the relay needs a unix-socket conninfo, got %r" % conninfo)
        self.port = int(port.group(1)) if port else 5432
        self.target = os.path.join(host.group(1), ".s.PGSQL.%d" % self.port)
        self.dir = directory
        self.path = os.path.join(directory, ".s.PGSQL.%d" % self.port)
        self.conninfo = re.sub(r"(^|\s)host=\S+", r"\1host=" + directory, conninfo)
        self.lock = threading.Lock()
        self.socks = []
        self.listener = None
        self.stopping = threading.Event()

    def restore(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(self.path)
        os.chmod(self.path, 0o777)
        s.listen(64)
        s.settimeout(0.2)
        self.stopping = threading.Event()
        self.listener = s
        threading.Thread(target=self._accept, args=(s, self.stopping), daemon=True).start()

    def cut(self):
        self.stopping.set()
        if self.listener:
            self.listener.close()
            self.listener = None
        if os.path.exists(self.path):
            os.unlink(self.path)
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _accept(self, listener, stopping):
        while not stopping.is_set():
            try:
                c, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                u.connect(self.target)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.socks += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=pslib.pump, args=(a, b), daemon=True).start()



class Daemon:
    """A captured daemon of this test: started with the stack's writer
    conninfo (or a relay's), a sensor name of its own, no job workers (the
    stack's daemon runs the jobs) and the given -o settings."""

    def __init__(self, st, name, conninfo, settings, log_path):
        self.st = st
        self.name = name
        argv = [st.exe("captured"), "--db", conninfo, "--sensor", name,
                "-o", "job-workers=0", "-o", "heartbeat=1"]
        for kv in settings:
            argv += ["-o", kv]
        print("$ " + " ".join(argv), flush=True)
        self.log_path = log_path
        self.log = open(log_path, "ab")
        env = dict(os.environ)
        env.pop("PACKETSIGHT_DB", None)
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)

    def capture_id(self, timeout=20):
        """The id of this sensor's running live capture, once it exists."""
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                break
            rows = self.st.psql(
                "SELECT c.id FROM captures c JOIN sensors s ON s.id = c.sensor_id"
                " WHERE s.name = '%s' AND c.kind = 'live' AND c.status = 'running'"
                " ORDER BY c.id DESC LIMIT 1" % self.name)
            if rows:
                time.sleep(0.5)  # the capture thread opens right after the row
                return int(rows[0][0])
            time.sleep(0.2)
        self.dump_log()
        pslib.fatal("daemon %s started no live capture" % self.name)

    def writer_status(self):
        """sensors.status->'writer' as a dict of ints (heartbeat, 1 s)."""
        rows = self.st.psql(
            "SELECT key, value FROM sensors s, jsonb_each_text(s.status->'writer')"
            " WHERE s.name = '%s'" % self.name)
        out = {}
        for k, v in rows:
            out[k] = int(v) if re.fullmatch(r"-?\d+", v) else v
        return out

    def stop(self, timeout=60):
        """SIGTERM, then wait (the writer drains first). Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            self.dump_log()
            pslib.fatal("daemon %s did not stop in %d s" % (self.name, timeout))
        self.log.close()
        return rc

    def dump_log(self):
        try:
            with open(self.log_path, "rb") as f:
                print("--- %s log ---\n%s" % (self.name, f.read().decode("utf-8", "replace")[-4000:]))
        except OSError:
            pass


def service_dir(path):
    """A directory the daemon (which drops to the packetsight user) can write."""
    os.makedirs(path, exist_ok=True)
    try:
        pw = pwd.getpwnam("packetsight")
        os.chown(path, pw.pw_uid, pw.pw_gid)
    except KeyError:
        os.chmod(path, 0o777)
    return path


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def forget(st, name, capture_ids):
    """Removes the test's captures (and their rows) and its sensor row."""
    for cid in capture_ids:
        for t in ("flows", "packets", "traffic", "dns", "http", "tls", "alerts"):
            st.psql("DELETE FROM %s WHERE capture_id = %d" % (t, cid))
        st.psql("DELETE FROM captures WHERE id = %d" % cid)
    st.psql("DELETE FROM sensors WHERE name = '%s'" % name, st.owner_db)
