-- 006_ingest: cheaper file ingest.
--
-- * Rollups of a file capture supplied by captured. Until now a file
--   capture was rolled up when it was marked done (003: ps_capture_done_rollup
--   -> ps_rollup_rebuild), which reads the capture's flows four times.
--   captured now sums the same figures from the flow rows as it writes them
--   and hands them over once, just before marking the capture done:
--   ps_rollup_stage() gives it three temporary tables to COPY into, and
--   ps_rollup_supply(capture) adds them to the rollups and notes the capture
--   in rollup_supplied, so the done trigger skips its rebuild. Without a
--   supply (older daemons, or more hosts than captured keeps in memory) the
--   rebuild runs as before. ps_rollup_rebuild(capture) recomputes either way.
-- * flows.uid gets a hash index instead of a btree: uids are random tokens,
--   looked up by equality only (GET /api/flows/{uid}); a btree insert of a
--   random key compares strings with the database collation on every level,
--   a hash insert does not. COPY into flows spends about a quarter less.

CREATE TABLE rollup_supplied (
    capture_id bigint PRIMARY KEY
);
COMMENT ON TABLE rollup_supplied IS 'File captures whose rollups captured supplied (ps_rollup_supply) in the transaction still open; the done trigger removes the row instead of rebuilding. Empty outside such transactions.';

-- Temporary tables for one supply, owned by this function's owner and open
-- to the writer for COPY; dropped at the end of the transaction.
CREATE FUNCTION ps_rollup_stage() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF to_regclass('pg_temp.ps_rollup_hosts_in') IS NULL THEN
        CREATE TEMP TABLE ps_rollup_hosts_in (
            host inet NOT NULL, cc text,
            as_orig_flows bigint NOT NULL, as_orig_packets bigint NOT NULL,
            as_orig_bytes bigint NOT NULL, as_resp_flows bigint NOT NULL,
            as_resp_packets bigint NOT NULL, as_resp_bytes bigint NOT NULL,
            sent_packets bigint NOT NULL, sent_bytes bigint NOT NULL,
            recv_packets bigint NOT NULL, recv_bytes bigint NOT NULL,
            first_ts timestamptz, last_ts timestamptz
        ) ON COMMIT DROP;
        CREATE TEMP TABLE ps_rollup_ports_in (
            proto text NOT NULL, port integer NOT NULL,
            flows bigint NOT NULL, packets bigint NOT NULL, bytes bigint NOT NULL
        ) ON COMMIT DROP;
        CREATE TEMP TABLE ps_rollup_services_in (
            proto text NOT NULL, service text NOT NULL,
            flows bigint NOT NULL, packets bigint NOT NULL, bytes bigint NOT NULL
        ) ON COMMIT DROP;
        GRANT INSERT ON pg_temp.ps_rollup_hosts_in, pg_temp.ps_rollup_ports_in,
            pg_temp.ps_rollup_services_in TO packetsight_writer;
    END IF;
END
$$;

-- Adds the staged sums as the rollups of file capture p_capture. Only for a
-- file capture still running (not yet rolled up) that has no rollup rows;
-- false otherwise, and nothing changes (the done trigger then rebuilds).
-- host_rollup_all is updated in host order, as ps_rollup_add_sql does, so
-- concurrent ingests cannot deadlock.
CREATE FUNCTION ps_rollup_supply(p_capture bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF to_regclass('pg_temp.ps_rollup_hosts_in') IS NULL
       OR NOT EXISTS (SELECT 1 FROM captures WHERE id = p_capture AND kind = 'file'
                                                 AND status = 'running')
       OR EXISTS (SELECT 1 FROM host_rollup WHERE capture_id = p_capture)
       OR EXISTS (SELECT 1 FROM port_rollup WHERE capture_id = p_capture)
       OR EXISTS (SELECT 1 FROM service_rollup WHERE capture_id = p_capture) THEN
        RETURN false;
    END IF;
    INSERT INTO host_rollup_all AS r (host, cc,
        as_orig_flows, as_orig_packets, as_orig_bytes,
        as_resp_flows, as_resp_packets, as_resp_bytes,
        sent_packets, sent_bytes, recv_packets, recv_bytes, first_ts, last_ts)
    SELECT host, cc, as_orig_flows, as_orig_packets, as_orig_bytes,
        as_resp_flows, as_resp_packets, as_resp_bytes,
        sent_packets, sent_bytes, recv_packets, recv_bytes, first_ts, last_ts
    FROM pg_temp.ps_rollup_hosts_in ORDER BY host
    ON CONFLICT (host) DO UPDATE SET
        cc = coalesce(EXCLUDED.cc, r.cc),
        as_orig_flows = r.as_orig_flows + EXCLUDED.as_orig_flows,
        as_orig_packets = r.as_orig_packets + EXCLUDED.as_orig_packets,
        as_orig_bytes = r.as_orig_bytes + EXCLUDED.as_orig_bytes,
        as_resp_flows = r.as_resp_flows + EXCLUDED.as_resp_flows,
        as_resp_packets = r.as_resp_packets + EXCLUDED.as_resp_packets,
        as_resp_bytes = r.as_resp_bytes + EXCLUDED.as_resp_bytes,
        sent_packets = r.sent_packets + EXCLUDED.sent_packets,
        sent_bytes = r.sent_bytes + EXCLUDED.sent_bytes,
        recv_packets = r.recv_packets + EXCLUDED.recv_packets,
        recv_bytes = r.recv_bytes + EXCLUDED.recv_bytes,
        first_ts = least(r.first_ts, EXCLUDED.first_ts),
        last_ts = greatest(r.last_ts, EXCLUDED.last_ts);
    INSERT INTO host_rollup (capture_id, host, cc,
        as_orig_flows, as_orig_packets, as_orig_bytes,
        as_resp_flows, as_resp_packets, as_resp_bytes,
        sent_packets, sent_bytes, recv_packets, recv_bytes, first_ts, last_ts)
    SELECT p_capture, host, cc, as_orig_flows, as_orig_packets, as_orig_bytes,
        as_resp_flows, as_resp_packets, as_resp_bytes,
        sent_packets, sent_bytes, recv_packets, recv_bytes, first_ts, last_ts
    FROM pg_temp.ps_rollup_hosts_in ORDER BY host;
    INSERT INTO port_rollup (capture_id, proto, port, flows, packets, bytes)
    SELECT p_capture, proto, port, flows, packets, bytes FROM pg_temp.ps_rollup_ports_in;
    INSERT INTO service_rollup (capture_id, proto, service, flows, packets, bytes)
    SELECT p_capture, proto, service, flows, packets, bytes FROM pg_temp.ps_rollup_services_in;
    INSERT INTO rollup_supplied (capture_id) VALUES (p_capture);
    TRUNCATE pg_temp.ps_rollup_hosts_in, pg_temp.ps_rollup_ports_in,
        pg_temp.ps_rollup_services_in;
    RETURN true;
END
$$;
REVOKE EXECUTE ON FUNCTION ps_rollup_stage() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ps_rollup_supply(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ps_rollup_stage() TO packetsight_writer;
GRANT EXECUTE ON FUNCTION ps_rollup_supply(bigint) TO packetsight_writer;

-- A file capture becomes visible to the rollups when it is done: from the
-- sums captured supplied, else recomputed from its flows.
CREATE OR REPLACE FUNCTION ps_capture_done_rollup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    DELETE FROM rollup_supplied WHERE capture_id = NEW.id;
    IF NOT FOUND THEN
        PERFORM ps_rollup_rebuild(NEW.id);
    END IF;
    RETURN NULL;
END
$$;

GRANT SELECT ON rollup_supplied TO packetsight_writer, packetsight_web, packetsight_analyst;

DROP INDEX flows_uid;
CREATE INDEX flows_uid ON flows USING hash (uid);
