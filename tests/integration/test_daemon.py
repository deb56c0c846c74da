#!/usr/bin/env python3
"""captured as a sensor, against the running stack: live capture on the
loopback interface started and stopped through capture_requests rows, HTTP
through the real nginx and DNS against a resolver this test runs on
127.0.0.2; a request without NOTIFY; a bad interface; the daemon's
privileges; upload jobs (clean, corrupt, worker killed with SIGKILL);
PostgreSQL restarted during a live capture."""
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time

import pslib

st = pslib.Stack(__doc__.splitlines()[0])
ck = pslib.Checks()
run_dir = os.environ.get("PGHOST", "")
pid_file = os.path.join(run_dir, "captured.pid")
http_port = int(st.base_url.rsplit(":", 1)[1].split("/")[0])


def request(action, interface="lo", flt="", notify=True):
    rid = st.scalar("INSERT INTO capture_requests (action, interface, filter) VALUES "
                    "('%s', '%s', '%s') RETURNING id" % (action, interface, flt), st.web_db)
    if notify:
        st.psql("NOTIFY packetsight_control, '%s'" % rid, st.web_db)
    return rid


def wait_answer(rid, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        row = st.psql("SELECT state, coalesce(answer, ''), coalesce(capture_id, 0) "
                      "FROM capture_requests WHERE id = %s" % rid)[0]
        if row[0] != "pending":
            return row
        time.sleep(0.2)
    return ["pending", "", "0"]


# --- a tiny DNS responder on 127.0.0.2:53 (A records, NXDOMAIN for "nx.") ---

def dns_answer(q):
    tid, _flags, qd = struct.unpack("!HHH", q[:6])
    end = 12
    while q[end] != 0:
        end += 1 + q[end]
    name = q[12:end + 5]
    labels, i = [], 12
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode())
        i += 1 + q[i]
    if labels and labels[0] == "nx":
        return struct.pack("!HHHHHH", tid, 0x8183, 1, 0, 0, 0) + name
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 9, 8, 7])
    return struct.pack("!HHHHHH", tid, 0x8180, qd, 1, 0, 0) + name + rr


def dns_server(sock, stop):
    sock.settimeout(0.2)
    while not stop.is_set():
        try:
            q, peer = sock.recvfrom(512)
        except socket.timeout:
            continue
        sock.sendto(dns_answer(q), peer)


def dns_query(name, tid):
    q = struct.pack("!HHHHHH", tid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    q += struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, ("127.0.0.2", 53))
    s.recvfrom(512)
    s.close()


TAG = "/api/health?probe=%d" % os.getpid()  # other clients may poll /api/health too


def make_traffic(n_http, names):
    for _ in range(n_http):
        status, _, _ = st.get(TAG)
    for i, name in enumerate(names):
        dns_query(name, 0x1000 + i)


def live_capture_test():
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.2", 53))
    stop = threading.Event()
    th = threading.Thread(target=dns_server, args=(srv, stop), daemon=True)
    th.start()
    flt = "(tcp port %d) or (udp port 53 and host 127.0.0.2)" % http_port
    rid = request("start", "lo", flt)
    state, answer, cid = wait_answer(rid)
    ck.equal(state, "done", "start request answered (%s)" % answer)
    for _ in range(25):
        status = st.scalar("SELECT coalesce(status->>'interface', '') || '/' || capturing "
                           "FROM sensors ORDER BY last_seen DESC LIMIT 1")
        if status == "lo/true":
            break
        time.sleep(0.2)
    make_traffic(12, ["www.example.test", "nx.example.test", "api.example.test"])
    time.sleep(4.5)  # buckets are written once 2 s old; totals every heartbeat (2 s)
    ck.check(int(st.scalar("SELECT count(*) FROM traffic WHERE capture_id = %s" % cid)) > 0,
             "traffic buckets appear while the live capture runs")
    ck.check(int(st.scalar("SELECT packets FROM captures WHERE id = %s" % cid)) > 0,
             "the live capture row shows running totals")
    state, answer, _ = wait_answer(request("stop", "lo"))
    ck.equal(state, "done", "stop request answered (%s)" % answer)
    stop.set()
    th.join()
    srv.close()
    cid = int(cid)
    ck.equal(st.scalar("SELECT status FROM captures WHERE id = %d" % cid), "done",
             "live capture row closed")
    http = int(st.scalar("SELECT count(*) FROM http WHERE capture_id = %d AND uri = '%s'" % (cid, TAG)))
    ck.equal(http, 12, "live capture: http rows for %s" % TAG)
    q = st.psql("SELECT query, rcode_name FROM dns WHERE capture_id = %d ORDER BY query" % cid)
    ck.equal(q, [["api.example.test", "NOERROR"], ["nx.example.test", "NXDOMAIN"],
                 ["www.example.test", "NOERROR"]], "live capture: dns rows")
    ans = st.scalar("SELECT answers[1] FROM dns WHERE capture_id = %d AND query = 'www.example.test'" % cid)
    ck.equal(ans, "10.9.8.7", "live capture: dns answer")
    # live flows reach the rollups through ps_flows_merge (migration 007)
    hosts, ports, services, everyone, n = pslib.rollup_rebuild_diff(st, cid)
    ck.check(n > 0, "the live capture has host rollup rows")
    ck.equal([hosts, ports, services, everyone], [0, 0, 0, 0],
             "live rollups: rows that differ from ps_rollup_rebuild (hosts, ports, services, all)")
    svc = st.scalar("SELECT count(*) FROM flows WHERE capture_id = %d AND service = 'http' "
                    "AND resp_p = %d" % (cid, http_port))
    ck.check(int(svc) >= 12, "live capture: %s http flows to port %d" % (svc, http_port))
    ck.equal(status, "lo/true", "sensor status shows the running capture")


def lost_notify_test():
    rid = request("start", "lo", "tcp port 1", notify=False)
    state, answer, _ = wait_answer(rid, timeout=20)
    ck.equal(state, "done", "request without NOTIFY handled by polling (%s)" % answer)
    wait_answer(request("stop", "lo"))
    state, answer, _ = wait_answer(request("start", "eth9"))
    ck.equal(state, "failed", "start on eth9 fails")
    ck.check("no such interface" in answer, "eth9 answer names the problem: %r" % answer)


def privileges_test():
    pid = int(open(pid_file).read().split()[0])
    status = dict(l.split(":", 1) for l in open("/proc/%d/status" % pid).read().splitlines()
                  if ":" in l)
    ck.check(status["Uid"].split()[1] != "0", "daemon effective uid is not 0")
    ck.equal(status["CapEff"].strip(), "0000000000002000", "daemon effective caps = CAP_NET_RAW")
    ck.equal(status["NoNewPrivs"].strip(), "1", "daemon NoNewPrivs")
    return pid


def upload(path, name):
    sql = ("BEGIN;\n\\lo_import %s\nSELECT :LASTOID AS oid \\gset\n"
           "INSERT INTO jobs (file_name, size, sha256, blob_oid, options) VALUES "
           "('%s', %d, '', :oid, '{\"name\": \"%s\"}') RETURNING id;\n"
           "SELECT format('GRANT SELECT ON LARGE OBJECT %%s TO packetsight_writer', :oid) \\gexec\n"
           "NOTIFY packetsight_jobs;\nCOMMIT;\n" % (path, name, os.path.getsize(path), name))
    p = subprocess.run(["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-d", st.web_db],
                       input=sql, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        pslib.fatal("upload of %s: %s" % (path, p.stderr))
    return int([l for l in p.stdout.split() if l.isdigit()][0])


def wait_job(jid, timeout=120, worker_seen=None):
    end = time.time() + timeout
    while time.time() < end:
        row = st.psql("SELECT state, coalesce(error, ''), coalesce(capture_id, 0), attempts "
                      "FROM jobs WHERE id = %d" % jid)[0]
        if row[0] in ("done", "failed"):
            return row
        time.sleep(0.3)
    return row


def worker_of(daemon_pid, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        out = subprocess.run(["pgrep", "-P", str(daemon_pid)], capture_output=True, text=True)
        if out.stdout.strip():
            return int(out.stdout.split()[0])
        time.sleep(0.05)
    return None


def jobs_test(daemon_pid, tmp):
    corrupt = os.path.join(tmp, "corrupt.pcap")
    with open(st.pcap("ndpi__1kxun.pcap"), "rb") as f:
        open(corrupt, "wb").write(f.read(5000))
    before = st.scalar("SELECT count(*) FROM captures")
    state, err, cid, _ = wait_job(upload(corrupt, "corrupt.pcap"))
    ck.equal(state, "failed", "corrupt upload fails")
    ck.check("truncated" in err, "corrupt upload reason: %r" % err)
    ck.equal(st.scalar("SELECT count(*) FROM captures"), before, "corrupt upload wrote nothing")
    # a job big enough to be killed mid-way, and its reference
    big = os.path.join(tmp, "big.pcap")
    subprocess.run([st.exe("ps-pcapgen"), "--out", big, "--packets", "300000", "--seed", "7"],
                   check=True, capture_output=True)
    ref = st.run([st.exe("captured"), "--read", big, "--no-db", "--json"])
    ref_flows = int(re.search(r'"flows": (\d+)', ref.stdout).group(1))
    jid = upload(big, "big.pcap")
    victim = worker_of(daemon_pid)
    ck.check(victim is not None, "a job worker started")
    if victim:
        os.kill(victim, signal.SIGKILL)
    state, err, cid, attempts = wait_job(jid, timeout=240)
    ck.equal(state, "done", "killed job completes on retry (%s)" % err)
    ck.check(int(attempts) >= 2, "killed job was attempted again (attempts %s)" % attempts)
    n = st.scalar("SELECT count(*) FROM captures WHERE job_id = %d" % jid)
    ck.equal(n, "1", "retried job made exactly one capture")
    flows = st.scalar("SELECT count(*) FROM flows WHERE capture_id = %s" % cid)
    ck.equal(int(flows), ref_flows, "retried job has the flows of a clean run")
    pk = st.scalar("SELECT packets FROM captures WHERE id = %s" % cid)
    ck.equal(pk, "300000", "retried job packets")


def pg_restart_test():
    pgdata = os.path.join(os.path.dirname(run_dir), "pg")
    rid = request("start", "lo", "tcp port %d" % http_port)
    state, answer, cid = wait_answer(rid)
    ck.equal(state, "done", "start before restart (%s)" % answer)
    make_traffic(10, [])
    log = os.path.join(os.path.dirname(run_dir), "log", "postgres.log")
    # the server must not inherit our pipes: output to its log, stdio to /dev/null
    subprocess.run(["runuser", "-u", "packetsight", "--", "/usr/lib/postgresql/15/bin/pg_ctl",
                    "-D", pgdata, "-m", "fast", "-w", "-l", log, "restart"],
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)
    make_traffic(10, [])  # nginx -> webapi reconnects; captured keeps capturing
    time.sleep(2)
    state, answer, _ = wait_answer(request("stop", "lo"), timeout=30)
    ck.equal(state, "done", "stop after restart (%s)" % answer)
    end = time.time() + 30
    while time.time() < end and st.scalar("SELECT status FROM captures WHERE id = %s" % cid) != "done":
        time.sleep(0.5)
    n = int(st.scalar("SELECT count(*) FROM http WHERE capture_id = %s AND uri = '%s'" % (cid, TAG)))
    ck.equal(n, 20, "no HTTP request lost across a PostgreSQL restart")
    pk = int(st.scalar("SELECT packets FROM captures WHERE id = %s" % cid))
    rows = int(st.scalar("SELECT coalesce(sum(packets), 0) FROM traffic WHERE capture_id = %s" % cid))
    ck.equal(rows, pk, "traffic buckets add up to the capture's packets")


def main():
    if not os.path.exists(pid_file):
        print("SKIP: no captured daemon pid file at %s" % pid_file)
        raise SystemExit(pslib.SKIP)
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        wait_answer(request("stop", "lo"))  # leftovers of an interrupted run
        live_capture_test()
        lost_notify_test()
        pid = privileges_test()
        jobs_test(pid, tmp)
        pg_restart_test()
    ck.finish()


main()
