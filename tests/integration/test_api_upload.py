#!/usr/bin/env python3
"""test_api_upload - an upload end to end: POST /api/upload-pcap through
nginx (multipart and raw), the jobs row, its large object and options; the
daemon's job worker analyses it; the resulting capture has the same flows
as `captured --read` of the same file. Needs the captured daemon with its
job worker (deploy/local.sh up starts it)."""

import hashlib
import json
import time

import pslib
import test_api_util as api

PCAP = "ndpi__1kxun.pcap"
JOB_TIMEOUT = 180

# Everything of a flow that does not depend on which run made it (uid is random).
FLOW_KEY = """ts, host(orig_h), orig_p, host(resp_h), resp_p, proto, ip_proto, coalesce(service, '-'),
 duration, orig_bytes, resp_bytes, coalesce(conn_state, '-'), coalesce(history, '-'), orig_pkts,
 orig_ip_bytes, resp_pkts, resp_ip_bytes, orig_l2_bytes, resp_l2_bytes, coalesce(community_id, '-')"""


def flows_of(st, cid):
    return sorted(tuple(r) for r in st.psql("SELECT %s FROM flows WHERE capture_id = %d" % (FLOW_KEY, cid)))


def wait_job(st, checks, job_id):
    """Polls /api/jobs/{id} until done or failed; the last answer."""
    doc, end, seen = {}, time.time() + JOB_TIMEOUT, set()
    while time.time() < end:
        doc = api.get_json(st, checks, "/api/jobs/%d" % job_id)
        seen.add(doc.get("state"))
        if doc.get("state") in ("done", "failed"):
            print("job %d: %s after states %s" % (job_id, doc.get("state"), sorted(s for s in seen if s)))
            return doc
        time.sleep(0.3)
    checks.fail("job %d still %r after %ds: is the captured daemon (job worker) running? %r"
                % (job_id, doc.get("state"), JOB_TIMEOUT, doc))
    return doc


def compare_with_read(st, checks, job_cid, read_cid, what):
    for col in ("packets", "bytes", "linktype"):
        a, b = (st.scalar("SELECT %s FROM captures WHERE id = %d" % (col, c)) for c in (job_cid, read_cid))
        checks.equal(a, b, "%s: captures.%s (job capture %d vs captured --read %d)" % (what, col, job_cid, read_cid))
    fa, fb = flows_of(st, job_cid), flows_of(st, read_cid)
    checks.check(len(fa) > 0, "%s: job capture has no flows" % what)
    checks.equal(len(fa), len(fb), "%s: number of flows" % what)
    checks.check(fa == fb, "%s: flows differ (%d only in the job capture, %d only in captured --read)"
                 % (what, len(set(fa) - set(fb)), len(set(fb) - set(fa))))
    for table in ("dns", "http", "tls", "traffic"):
        a, b = (int(st.scalar("SELECT count(*) FROM %s WHERE capture_id = %d" % (table, c))) for c in (job_cid, read_cid))
        checks.equal(a, b, "%s: %s rows" % (what, table))


def check_job_row(st, checks, job_id, data, options):
    row = st.psql("SELECT size, sha256, options::text FROM jobs WHERE id = %d" % job_id)
    if not checks.equal(len(row), 1, "jobs row %d" % job_id):
        return
    checks.equal(int(row[0][0]), len(data), "jobs.size")
    checks.equal(row[0][1], hashlib.sha256(data).hexdigest(), "jobs.sha256")
    opts = json.loads(row[0][2])
    checks.equal(opts, options, "jobs.options")


def upload_multipart(st, checks, data):
    body, ctype = api.multipart([("name", "1kxun multipart"), ("store_packets", "true")],
                                file_name=PCAP, file_bytes=data)
    r = api.request(st, "POST", "/api/upload-pcap", body, {"Content-Type": ctype})
    doc = r.json() or {}
    checks.equal(r.status, 202, "multipart upload status (%.300r)" % r.body)
    checks.equal([doc.get("file_name"), doc.get("size"), doc.get("sha256"), doc.get("format"), doc.get("state")],
                 [PCAP, len(data), hashlib.sha256(data).hexdigest(), "pcap", "queued"], "multipart upload answer")
    job_id = doc.get("job_id")
    if not isinstance(job_id, int):
        return None
    check_job_row(st, checks, job_id, data, {"name": "1kxun multipart", "store_packets": True})
    oid = st.scalar("SELECT coalesce(blob_oid::text, 'none') FROM jobs WHERE id = %d" % job_id)
    meta = st.psql("SELECT lomowner::regrole::text, lomacl::text FROM pg_largeobject_metadata WHERE oid = %s" % oid) if oid != "none" else []
    if meta:  # unless the worker already released it
        checks.equal(meta[0][0], "packetsight_web", "owner of the upload's large object")
        checks.check("packetsight_writer=r/" in meta[0][1], "writer may read the large object: %r" % meta[0][1])
    return job_id


def upload_raw(st, checks, data):
    r = api.request(st, "POST", "/api/upload-pcap?max_packets=1000000&filter=ip", data,
                    {"Content-Type": "application/octet-stream", "X-File-Name": "raw-" + PCAP})
    doc = r.json() or {}
    checks.equal(r.status, 202, "raw upload status (%.300r)" % r.body)
    checks.equal(doc.get("file_name"), "raw-" + PCAP, "raw upload file name from X-File-Name")
    job_id = doc.get("job_id")
    if isinstance(job_id, int):
        check_job_row(st, checks, job_id, data, {"name": "raw-" + PCAP, "max_packets": 1000000, "filter": "ip"})
    return job_id


def finished(st, checks, job_id, what):
    """The capture id of a finished job, after checking the job's answer."""
    job = wait_job(st, checks, job_id)
    if not checks.equal(job.get("state"), "done", "%s: job %d state (error %r)" % (what, job_id, job.get("error"))):
        return None
    cid = job.get("capture_id")
    checks.check(isinstance(cid, int), "%s: job %d has no capture_id" % (what, job_id))
    checks.equal(job.get("progress"), 1.0, "%s: progress of a done job" % what)
    checks.equal(job.get("bytes_done"), job.get("size"), "%s: bytes_done of a done job" % what)
    blob = st.scalar("SELECT coalesce(blob_oid::text, 'released') FROM jobs WHERE id = %d" % job_id)
    checks.equal(blob, "released", "%s: job %d large object released" % (what, job_id))
    if isinstance(cid, int):
        checks.equal(st.scalar("SELECT coalesce(job_id::text, 'none') FROM captures WHERE id = %d" % cid), str(job_id),
                     "%s: captures.job_id" % what)
    return cid


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    with open(st.pcap(PCAP), "rb") as f:
        data = f.read()

    mp_job = upload_multipart(st, checks, data)
    raw_job = upload_raw(st, checks, data)
    read_cid = api.load(st, PCAP)
    made = [read_cid]
    for job_id, what in ((mp_job, "multipart"), (raw_job, "raw")):
        if job_id is None:
            continue
        cid = finished(st, checks, job_id, what)
        if cid is None:
            continue
        made.append(cid)
        if what == "multipart":
            compare_with_read(st, checks, cid, read_cid, what)
            stats = api.get_json(st, checks, "/api/stats?capture=%d" % cid)
            checks.equal(stats.get("flows"), len(flows_of(st, read_cid)), "%s: /api/stats flows" % what)
        else:
            # a filter makes it a different capture: only IP packets
            checks.equal(st.scalar("SELECT filter FROM captures WHERE id = %d" % cid), "ip", "raw: captures.filter")
    jobs = api.get_json(st, checks, "/api/jobs?limit=5")
    listed = [j["id"] for j in jobs.get("items", [])]
    checks.check(all(j in listed for j in (mp_job, raw_job) if j), "jobs list: %r lacks %r" % (listed, (mp_job, raw_job)))
    for cid in made:  # leave the database as we found it
        checks.equal(api.request(st, "DELETE", "/api/captures/%d" % cid).status, 200, "DELETE capture %d" % cid)
    checks.finish()


if __name__ == "__main__":
    main()
