-- 002_sensor: what the daemon needs to run as a sensor: interfaces it can
-- offer, job claiming with leases, upload blobs, drops per bucket, retention.

CREATE TABLE sensor_interfaces (
    sensor_id   integer NOT NULL REFERENCES sensors(id) ON DELETE CASCADE,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    addresses   text[] NOT NULL DEFAULT '{}',
    up          boolean NOT NULL DEFAULT false,
    loopback    boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sensor_id, name)
);
COMMENT ON TABLE sensor_interfaces IS 'Interfaces each sensor can capture on (captured --list-interfaces), refreshed at start.';

ALTER TABLE captures ADD COLUMN interface text;
ALTER TABLE captures ADD COLUMN job_id bigint;
COMMENT ON COLUMN captures.interface IS 'Interface of a live capture; NULL for files.';
COMMENT ON COLUMN captures.job_id IS 'The upload job that produced this capture, if any.';

ALTER TABLE capture_requests ADD COLUMN snaplen integer;
ALTER TABLE capture_requests ADD COLUMN promisc boolean NOT NULL DEFAULT true;

CREATE INDEX capture_requests_pending ON capture_requests (id) WHERE state = 'pending';
CREATE INDEX captures_job ON captures (job_id);

-- Upload bytes live in large objects created by the web role. The owner
-- role is made a member of the web role (sql/roles.sql) so that this
-- function, owned by the owner, may unlink them for the writer.
CREATE FUNCTION ps_job_release_blob(p_job bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    o oid;
BEGIN
    SELECT blob_oid INTO o FROM jobs WHERE id = p_job FOR UPDATE;
    IF o IS NULL THEN
        RETURN false;
    END IF;
    PERFORM lo_unlink(o);
    UPDATE jobs SET blob_oid = NULL WHERE id = p_job;
    RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION ps_job_release_blob(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ps_job_release_blob(bigint) TO packetsight_writer, packetsight_web;

-- Claims the oldest runnable job for a worker: queued, or running with an
-- expired lease (its worker died). attempts counts claims; a job past
-- max_attempts fails with the reason instead of being claimed again.
CREATE FUNCTION ps_claim_job(p_worker text, p_lease interval)
RETURNS SETOF jobs LANGUAGE plpgsql AS $$
DECLARE
    j jobs;
BEGIN
    UPDATE jobs SET state = 'failed', finished_at = now(), lease_until = NULL,
           error = coalesce(error || '; ', '') || format('gave up after %s attempts', attempts)
     WHERE state = 'running' AND lease_until < now() AND attempts >= max_attempts;
    SELECT * INTO j FROM jobs
     WHERE state = 'queued' OR (state = 'running' AND lease_until < now())
     ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    UPDATE jobs SET state = 'running', worker = p_worker, attempts = attempts + 1,
           lease_until = now() + p_lease, started_at = coalesce(started_at, now()),
           bytes_done = 0, packets_done = 0
     WHERE id = j.id RETURNING * INTO j;
    RETURN NEXT j;
END
$$;
GRANT EXECUTE ON FUNCTION ps_claim_job(text, interval) TO packetsight_writer;

-- Retention: drops monthly partitions whose whole month is older than the
-- given age. Partitions go by traffic time, and an analysed file can be
-- years old: a partition holding rows of a file capture is kept (files go
-- when their capture is deleted). Returns the partitions dropped.
CREATE FUNCTION ps_drop_partitions_older(p_table text, p_age interval)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    r record;
    n integer := 0;
    month_start timestamptz;
    has_files boolean;
BEGIN
    IF p_table NOT IN ('flows', 'packets', 'traffic', 'dns', 'http', 'tls') THEN
        RAISE EXCEPTION 'not a partitioned table: %', p_table;
    END IF;
    FOR r IN SELECT c.relname FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent
              WHERE p.relname = p_table AND c.relname ~ ('^' || p_table || '_[0-9]{6}$')
    LOOP
        month_start := to_timestamp(right(r.relname, 6), 'YYYYMM') AT TIME ZONE 'UTC';
        IF month_start + interval '1 month' < now() - p_age THEN
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM captures c WHERE c.kind = %L'
                           ' AND EXISTS (SELECT 1 FROM %I t WHERE t.capture_id = c.id))',
                           'file', r.relname) INTO has_files;
            IF NOT has_files THEN
                EXECUTE format('DROP TABLE %I', r.relname);
                n := n + 1;
            END IF;
        END IF;
    END LOOP;
    RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION ps_drop_partitions_older(text, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ps_drop_partitions_older(text, interval) TO packetsight_writer;

GRANT SELECT, INSERT, UPDATE, DELETE ON sensor_interfaces TO packetsight_writer;
GRANT SELECT ON sensor_interfaces TO packetsight_web, packetsight_analyst;
GRANT DELETE ON capture_requests TO packetsight_writer;

-- Alert retention (alerts are not partitioned): findings of live captures
-- last seen before the age go; findings of analysed files stay with them.
CREATE FUNCTION ps_delete_alerts_older(p_age interval) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    WITH gone AS (
        DELETE FROM alerts a USING captures c
         WHERE c.id = a.capture_id AND c.kind = 'live' AND a.last_seen < now() - p_age
        RETURNING 1)
    SELECT count(*) FROM gone
$$;
REVOKE EXECUTE ON FUNCTION ps_delete_alerts_older(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ps_delete_alerts_older(interval) TO packetsight_writer;
