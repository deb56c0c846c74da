-- 003_api: what the JSON API (webapi/API.md) and analysts read: per-capture
-- rollups of flows (so overviews never scan every flow), documented views
-- for the usual questions, indexes for the API's filters and orderings, and
-- grants.
--
-- Rollups: host_rollup, port_rollup and service_rollup hold, per capture,
-- what the flows of that capture add up to; host_rollup_all the same per
-- address over all captures (the dashboard's default view). They cover the
-- captures that are "rolled up": every live capture, and file captures once
-- done.
--   * A file capture is aggregated once, in the transaction that sets its
--     status to 'done' (trigger on captures): one pass over its flows, so
--     file ingest pays no per-batch cost.
--   * Live captures (and late rows of a done capture) are added per COPY
--     batch by a statement-level trigger on flows (transition table: one
--     batch is one aggregate).
--   * Deleted flows are subtracted (statement-level trigger), so deleting a
--     capture or a job retry that removes rows keeps them right.
-- TRUNCATE and dropped partitions are not seen: afterwards call
-- ps_rollup_rebuild(capture_id) for the captures concerned (NULL: all).

CREATE TABLE host_rollup (
    capture_id      bigint NOT NULL,
    host            inet NOT NULL,
    cc              text,
    as_orig_flows   bigint NOT NULL DEFAULT 0,
    as_orig_packets bigint NOT NULL DEFAULT 0,
    as_orig_bytes   bigint NOT NULL DEFAULT 0,
    as_resp_flows   bigint NOT NULL DEFAULT 0,
    as_resp_packets bigint NOT NULL DEFAULT 0,
    as_resp_bytes   bigint NOT NULL DEFAULT 0,
    sent_packets    bigint NOT NULL DEFAULT 0,
    sent_bytes      bigint NOT NULL DEFAULT 0,
    recv_packets    bigint NOT NULL DEFAULT 0,
    recv_bytes      bigint NOT NULL DEFAULT 0,
    first_ts        timestamptz,
    last_ts         timestamptz,
    PRIMARY KEY (capture_id, host)
);
CREATE INDEX host_rollup_host ON host_rollup (host);
COMMENT ON TABLE host_rollup IS 'Per capture and address: flows it originated (as_orig_*) or answered (as_resp_*) with their packets and frame bytes (both directions), what it sent and received, first flow start and last flow end, country. Kept by triggers on flows.';

CREATE TABLE host_rollup_all (
    host            inet PRIMARY KEY,
    cc              text,
    as_orig_flows   bigint NOT NULL DEFAULT 0,
    as_orig_packets bigint NOT NULL DEFAULT 0,
    as_orig_bytes   bigint NOT NULL DEFAULT 0,
    as_resp_flows   bigint NOT NULL DEFAULT 0,
    as_resp_packets bigint NOT NULL DEFAULT 0,
    as_resp_bytes   bigint NOT NULL DEFAULT 0,
    sent_packets    bigint NOT NULL DEFAULT 0,
    sent_bytes      bigint NOT NULL DEFAULT 0,
    recv_packets    bigint NOT NULL DEFAULT 0,
    recv_bytes      bigint NOT NULL DEFAULT 0,
    first_ts        timestamptz,
    last_ts         timestamptz
);
COMMENT ON TABLE host_rollup_all IS 'host_rollup summed over all rolled-up captures, one row per address: what the overviews of all captures read. Kept with host_rollup.';

CREATE TABLE port_rollup (
    capture_id  bigint NOT NULL,
    proto       text NOT NULL,
    port        integer NOT NULL,
    flows       bigint NOT NULL DEFAULT 0,
    packets     bigint NOT NULL DEFAULT 0,
    bytes       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (capture_id, proto, port)
);
COMMENT ON TABLE port_rollup IS 'Per capture, transport and responder port: flows, packets and frame bytes. Kept by triggers on flows.';

CREATE TABLE service_rollup (
    capture_id  bigint NOT NULL,
    proto       text NOT NULL,
    service     text NOT NULL,
    flows       bigint NOT NULL DEFAULT 0,
    packets     bigint NOT NULL DEFAULT 0,
    bytes       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (capture_id, proto, service)
);
COMMENT ON TABLE service_rollup IS 'Per capture, transport and detected service (''-'' when none): flows, packets and frame bytes. Kept by triggers on flows.';

-- A relation of flows that the rollups include: `src` (a transition table
-- or flows itself, named by the caller, never user input) restricted to
-- rolled-up captures.
CREATE FUNCTION ps_rollup_source(src text, p_capture bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('(SELECT s.* FROM %I s JOIN captures c ON c.id = s.capture_id'
                  ' WHERE (c.kind = ''live'' OR c.status = ''done'')%s)', src,
                  CASE WHEN p_capture IS NULL THEN ''
                       ELSE format(' AND s.capture_id = %s', p_capture) END)
$$;

-- Per (capture, host) sums of the flows of relation expression `rel`, both
-- ends of every flow: the common part of the host rollups' statements.
CREATE FUNCTION ps_rollup_hosts_sql(rel text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format($q$
        SELECT capture_id, host, max(cc) AS cc,
            sum(o) AS of, sum(o * pk) AS op, sum(o * by) AS ob,
            sum(1 - o) AS rf, sum((1 - o) * pk) AS rp, sum((1 - o) * by) AS rb,
            sum(sp) AS sp, sum(sb) AS sb, sum(xp) AS xp, sum(xb) AS xb,
            min(ts) AS ts, max(te) AS te
        FROM (SELECT f.capture_id, s.host, s.cc, s.o,
                     f.orig_pkts + f.resp_pkts AS pk,
                     f.orig_l2_bytes + f.resp_l2_bytes AS by,
                     s.sp, s.sb, s.xp, s.xb, f.ts,
                     f.ts + make_interval(secs => f.duration) AS te
              FROM %s f CROSS JOIN LATERAL (VALUES
                  (f.orig_h, f.orig_cc, 1, f.orig_pkts, f.orig_l2_bytes, f.resp_pkts, f.resp_l2_bytes),
                  (f.resp_h, f.resp_cc, 0, f.resp_pkts, f.resp_l2_bytes, f.orig_pkts, f.orig_l2_bytes))
                  AS s(host, cc, o, sp, sb, xp, xb)) x
        GROUP BY capture_id, host
        $q$, rel)
$$;

-- The statements adding the flows of relation expression `rel` to the
-- rollups (insert or add). Rows are upserted in host order, so two
-- transactions adding to host_rollup_all at once cannot deadlock.
CREATE FUNCTION ps_rollup_add_sql(rel text) RETURNS SETOF text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN NEXT format($q$
        CREATE TEMP TABLE IF NOT EXISTS ps_rollup_batch (LIKE host_rollup) ON COMMIT DROP;
        TRUNCATE ps_rollup_batch;
        INSERT INTO ps_rollup_batch (capture_id, host, cc, as_orig_flows, as_orig_packets,
            as_orig_bytes, as_resp_flows, as_resp_packets, as_resp_bytes, sent_packets,
            sent_bytes, recv_packets, recv_bytes, first_ts, last_ts)
        SELECT * FROM (%s) h
        $q$, ps_rollup_hosts_sql(rel));
    RETURN NEXT $q$
        INSERT INTO host_rollup_all AS r (host, cc,
            as_orig_flows, as_orig_packets, as_orig_bytes,
            as_resp_flows, as_resp_packets, as_resp_bytes,
            sent_packets, sent_bytes, recv_packets, recv_bytes, first_ts, last_ts)
        SELECT host, max(cc), sum(as_orig_flows), sum(as_orig_packets), sum(as_orig_bytes),
            sum(as_resp_flows), sum(as_resp_packets), sum(as_resp_bytes), sum(sent_packets),
            sum(sent_bytes), sum(recv_packets), sum(recv_bytes), min(first_ts), max(last_ts)
        FROM ps_rollup_batch GROUP BY host ORDER BY host
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
            last_ts = greatest(r.last_ts, EXCLUDED.last_ts)
        $q$;
    RETURN NEXT $q$
        INSERT INTO host_rollup AS r SELECT * FROM ps_rollup_batch ORDER BY capture_id, host
        ON CONFLICT (capture_id, host) DO UPDATE SET
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
            last_ts = greatest(r.last_ts, EXCLUDED.last_ts)
        $q$;
    RETURN NEXT format($q$
        INSERT INTO port_rollup AS r (capture_id, proto, port, flows, packets, bytes)
        SELECT capture_id, proto, resp_p, count(*), sum(orig_pkts + resp_pkts),
               sum(orig_l2_bytes + resp_l2_bytes)
        FROM %s f WHERE resp_p IS NOT NULL GROUP BY capture_id, proto, resp_p
        ON CONFLICT (capture_id, proto, port) DO UPDATE SET
            flows = r.flows + EXCLUDED.flows, packets = r.packets + EXCLUDED.packets,
            bytes = r.bytes + EXCLUDED.bytes
        $q$, rel);
    RETURN NEXT format($q$
        INSERT INTO service_rollup AS r (capture_id, proto, service, flows, packets, bytes)
        SELECT capture_id, proto, coalesce(service, '-'), count(*), sum(orig_pkts + resp_pkts),
               sum(orig_l2_bytes + resp_l2_bytes)
        FROM %s f GROUP BY capture_id, proto, coalesce(service, '-')
        ON CONFLICT (capture_id, proto, service) DO UPDATE SET
            flows = r.flows + EXCLUDED.flows, packets = r.packets + EXCLUDED.packets,
            bytes = r.bytes + EXCLUDED.bytes
        $q$, rel);
END
$$;

-- The statements subtracting the flows of transition table `rel` from the
-- rollup rows that exist (a capture never rolled up has none), then
-- dropping rows left empty.
CREATE FUNCTION ps_rollup_sub_sql(rel text) RETURNS SETOF text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN NEXT format($q$
        CREATE TEMP TABLE IF NOT EXISTS ps_rollup_gone (LIKE host_rollup) ON COMMIT DROP;
        TRUNCATE ps_rollup_gone;
        INSERT INTO ps_rollup_gone (capture_id, host, cc, as_orig_flows, as_orig_packets,
            as_orig_bytes, as_resp_flows, as_resp_packets, as_resp_bytes, sent_packets,
            sent_bytes, recv_packets, recv_bytes, first_ts, last_ts)
        SELECT * FROM (%s) h
        $q$, ps_rollup_hosts_sql(quote_ident(rel)));
    -- only rows that exist: a capture never rolled up has none
    RETURN NEXT $q$
        WITH g AS (SELECT g.* FROM ps_rollup_gone g JOIN host_rollup r
                    ON r.capture_id = g.capture_id AND r.host = g.host),
        a AS (UPDATE host_rollup_all r SET
            as_orig_flows = r.as_orig_flows - s.of, as_orig_packets = r.as_orig_packets - s.op,
            as_orig_bytes = r.as_orig_bytes - s.ob, as_resp_flows = r.as_resp_flows - s.rf,
            as_resp_packets = r.as_resp_packets - s.rp, as_resp_bytes = r.as_resp_bytes - s.rb,
            sent_packets = r.sent_packets - s.sp, sent_bytes = r.sent_bytes - s.sb,
            recv_packets = r.recv_packets - s.xp, recv_bytes = r.recv_bytes - s.xb
            FROM (SELECT host, sum(as_orig_flows) AS of, sum(as_orig_packets) AS op,
                         sum(as_orig_bytes) AS ob, sum(as_resp_flows) AS rf,
                         sum(as_resp_packets) AS rp, sum(as_resp_bytes) AS rb,
                         sum(sent_packets) AS sp, sum(sent_bytes) AS sb,
                         sum(recv_packets) AS xp, sum(recv_bytes) AS xb
                  FROM g GROUP BY host) s
            WHERE r.host = s.host)
        UPDATE host_rollup r SET
            as_orig_flows = r.as_orig_flows - g.as_orig_flows,
            as_orig_packets = r.as_orig_packets - g.as_orig_packets,
            as_orig_bytes = r.as_orig_bytes - g.as_orig_bytes,
            as_resp_flows = r.as_resp_flows - g.as_resp_flows,
            as_resp_packets = r.as_resp_packets - g.as_resp_packets,
            as_resp_bytes = r.as_resp_bytes - g.as_resp_bytes,
            sent_packets = r.sent_packets - g.sent_packets, sent_bytes = r.sent_bytes - g.sent_bytes,
            recv_packets = r.recv_packets - g.recv_packets, recv_bytes = r.recv_bytes - g.recv_bytes
        FROM g WHERE r.capture_id = g.capture_id AND r.host = g.host
        $q$;
    RETURN NEXT format($q$
        UPDATE port_rollup r SET flows = r.flows - a.n, packets = r.packets - a.pk,
               bytes = r.bytes - a.by
        FROM (SELECT capture_id, proto, resp_p, count(*) AS n, sum(orig_pkts + resp_pkts) AS pk,
                     sum(orig_l2_bytes + resp_l2_bytes) AS by
              FROM %1$I WHERE resp_p IS NOT NULL GROUP BY capture_id, proto, resp_p) a
        WHERE r.capture_id = a.capture_id AND r.proto = a.proto AND r.port = a.resp_p
        $q$, rel);
    RETURN NEXT format($q$
        UPDATE service_rollup r SET flows = r.flows - a.n, packets = r.packets - a.pk,
               bytes = r.bytes - a.by
        FROM (SELECT capture_id, proto, coalesce(service, '-') AS service, count(*) AS n,
                     sum(orig_pkts + resp_pkts) AS pk, sum(orig_l2_bytes + resp_l2_bytes) AS by
              FROM %1$I GROUP BY capture_id, proto, coalesce(service, '-')) a
        WHERE r.capture_id = a.capture_id AND r.proto = a.proto AND r.service = a.service
        $q$, rel);
    RETURN NEXT format($q$
        WITH c AS (SELECT DISTINCT capture_id FROM %1$I),
        h AS (DELETE FROM host_rollup WHERE capture_id IN (SELECT capture_id FROM c)
               AND as_orig_flows + as_resp_flows <= 0),
        p AS (DELETE FROM port_rollup WHERE capture_id IN (SELECT capture_id FROM c)
               AND flows <= 0),
        a AS (DELETE FROM host_rollup_all WHERE host IN (SELECT host FROM ps_rollup_gone)
               AND as_orig_flows + as_resp_flows <= 0)
        DELETE FROM service_rollup WHERE capture_id IN (SELECT capture_id FROM c) AND flows <= 0
        $q$, rel);
END
$$;
REVOKE EXECUTE ON FUNCTION ps_rollup_source(text, bigint) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ps_rollup_hosts_sql(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ps_rollup_add_sql(text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ps_rollup_sub_sql(text) FROM PUBLIC;

-- The statements run here, not in a helper: a transition table is visible
-- only inside its trigger function.
CREATE FUNCTION ps_flows_rollup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    q text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- rows of file captures still loading wait for ps_capture_done_rollup()
        IF NOT EXISTS (SELECT 1 FROM captures c
                        WHERE c.id IN (SELECT DISTINCT capture_id FROM ps_new_flows)
                          AND (c.kind = 'live' OR c.status = 'done')) THEN
            RETURN NULL;
        END IF;
        FOR q IN SELECT ps_rollup_add_sql(ps_rollup_source('ps_new_flows', NULL)) LOOP
            EXECUTE q;
        END LOOP;
    ELSE
        FOR q IN SELECT ps_rollup_sub_sql('ps_old_flows') LOOP
            EXECUTE q;
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER flows_rollup_insert AFTER INSERT ON flows
    REFERENCING NEW TABLE AS ps_new_flows
    FOR EACH STATEMENT EXECUTE FUNCTION ps_flows_rollup();
CREATE TRIGGER flows_rollup_delete AFTER DELETE ON flows
    REFERENCING OLD TABLE AS ps_old_flows
    FOR EACH STATEMENT EXECUTE FUNCTION ps_flows_rollup();

-- Recomputes the rollups of one capture (NULL: all) from its flows; for use
-- after TRUNCATE or dropped partitions. Returns the rollup rows of hosts.
CREATE FUNCTION ps_rollup_rebuild(p_capture bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    q text;
    n bigint;
BEGIN
    IF p_capture IS NULL THEN
        DELETE FROM host_rollup_all;
    ELSE
        UPDATE host_rollup_all a SET
            as_orig_flows = a.as_orig_flows - r.as_orig_flows,
            as_orig_packets = a.as_orig_packets - r.as_orig_packets,
            as_orig_bytes = a.as_orig_bytes - r.as_orig_bytes,
            as_resp_flows = a.as_resp_flows - r.as_resp_flows,
            as_resp_packets = a.as_resp_packets - r.as_resp_packets,
            as_resp_bytes = a.as_resp_bytes - r.as_resp_bytes,
            sent_packets = a.sent_packets - r.sent_packets, sent_bytes = a.sent_bytes - r.sent_bytes,
            recv_packets = a.recv_packets - r.recv_packets, recv_bytes = a.recv_bytes - r.recv_bytes
        FROM host_rollup r WHERE r.capture_id = p_capture AND a.host = r.host;
        DELETE FROM host_rollup_all a WHERE a.as_orig_flows + a.as_resp_flows <= 0
            AND a.host IN (SELECT host FROM host_rollup WHERE capture_id = p_capture);
    END IF;
    DELETE FROM host_rollup WHERE p_capture IS NULL OR capture_id = p_capture;
    DELETE FROM port_rollup WHERE p_capture IS NULL OR capture_id = p_capture;
    DELETE FROM service_rollup WHERE p_capture IS NULL OR capture_id = p_capture;
    FOR q IN SELECT ps_rollup_add_sql(ps_rollup_source('flows', p_capture)) LOOP
        EXECUTE q;
    END LOOP;
    SELECT count(*) INTO n FROM host_rollup WHERE p_capture IS NULL OR capture_id = p_capture;
    RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION ps_rollup_rebuild(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ps_rollup_rebuild(bigint) TO packetsight_writer;

-- A file capture becomes visible to the rollups when it is done.
CREATE FUNCTION ps_capture_done_rollup() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    PERFORM ps_rollup_rebuild(NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER captures_done_rollup AFTER UPDATE OF status ON captures
    FOR EACH ROW WHEN (NEW.kind = 'file' AND NEW.status = 'done'
                       AND OLD.status IS DISTINCT FROM 'done')
    EXECUTE FUNCTION ps_capture_done_rollup();

-- The flows already there.
SELECT ps_rollup_rebuild(NULL);

-- Views. top_talkers and protocol_mix keep their columns (a contract) and
-- now read the rollups instead of scanning every flow.
CREATE OR REPLACE VIEW top_talkers AS
SELECT capture_id, host, (as_orig_packets + as_resp_packets) AS packets,
       (as_orig_bytes + as_resp_bytes) AS bytes, (as_orig_flows + as_resp_flows) AS flows
FROM host_rollup;
COMMENT ON VIEW top_talkers IS 'Per capture and host: packets, frame bytes and flows it took part in (either side). Reads host_rollup.';

CREATE OR REPLACE VIEW protocol_mix AS
SELECT capture_id, proto, service, flows, packets, bytes FROM service_rollup;
COMMENT ON VIEW protocol_mix IS 'Per capture: flows, packets and frame bytes by transport and application service (''-'' when none). Reads service_rollup.';

CREATE VIEW hosts AS
SELECT capture_id, host, cc,
       as_orig_packets + as_resp_packets AS packets,
       as_orig_bytes + as_resp_bytes AS bytes,
       as_orig_flows + as_resp_flows AS flows,
       as_orig_flows, as_orig_packets, as_orig_bytes,
       as_resp_flows, as_resp_packets, as_resp_bytes,
       sent_packets, sent_bytes, recv_packets, recv_bytes, first_ts, last_ts
FROM host_rollup;
COMMENT ON VIEW hosts IS 'Per capture and address: packets, frame bytes and count of the flows it took part in; the same split by the flows it originated (as_orig_*, as client) and answered (as_resp_*, as server); frame packets/bytes it sent and received; first flow start, last flow end; country (NULL until geolocation).';

CREATE VIEW hosts_all AS
SELECT host, cc,
       as_orig_packets + as_resp_packets AS packets,
       as_orig_bytes + as_resp_bytes AS bytes,
       as_orig_flows + as_resp_flows AS flows,
       as_orig_flows, as_orig_packets, as_orig_bytes,
       as_resp_flows, as_resp_packets, as_resp_bytes,
       sent_packets, sent_bytes, recv_packets, recv_bytes, first_ts, last_ts
FROM host_rollup_all;
COMMENT ON VIEW hosts_all IS 'The hosts view over all captures together (one row per address; live captures and finished files).';

CREATE VIEW port_traffic AS
SELECT capture_id, proto, port, flows, packets, bytes FROM port_rollup;
COMMENT ON VIEW port_traffic IS 'Per capture: responder ports by transport with flows, packets and frame bytes (port_activity adds distinct clients but scans flows).';

CREATE VIEW geo_traffic AS
SELECT capture_id, coalesce(cc, 'unknown') AS cc, count(*)::bigint AS hosts,
       sum(as_orig_flows + as_resp_flows)::bigint AS flows,
       sum(as_orig_packets + as_resp_packets)::bigint AS packets,
       sum(as_orig_bytes + as_resp_bytes)::bigint AS bytes
FROM host_rollup GROUP BY capture_id, coalesce(cc, 'unknown');
COMMENT ON VIEW geo_traffic IS 'Per capture and country of the host (''unknown'' without geolocation): hosts, and flows/packets/frame bytes they took part in (a flow inside one country counts twice).';

CREATE VIEW traffic_timeline AS
SELECT capture_id, bucket AS ts, sum(packets)::bigint AS packets, sum(bytes)::bigint AS bytes,
       sum(tcp_packets)::bigint AS tcp_packets, sum(udp_packets)::bigint AS udp_packets,
       sum(icmp_packets)::bigint AS icmp_packets, sum(other_packets)::bigint AS other_packets,
       sum(tcp_bytes)::bigint AS tcp_bytes, sum(udp_bytes)::bigint AS udp_bytes,
       sum(icmp_bytes)::bigint AS icmp_bytes, sum(other_bytes)::bigint AS other_bytes,
       sum(ipv4_packets)::bigint AS ipv4_packets, sum(ipv6_packets)::bigint AS ipv6_packets,
       sum(arp_packets)::bigint AS arp_packets, sum(new_flows)::bigint AS new_flows,
       sum(drops)::bigint AS drops, sum(malformed)::bigint AS malformed
FROM traffic GROUP BY capture_id, bucket;
COMMENT ON VIEW traffic_timeline IS 'Per capture and second (ts = bucket start): packets and frame bytes in total and per transport, IPv4/IPv6/ARP packets, new flows, drops, malformed frames. Group by date_bin() for coarser buckets.';

CREATE VIEW http_hosts AS
SELECT capture_id, coalesce(host, '-') AS host, count(*)::bigint AS requests,
       count(DISTINCT orig_h)::bigint AS clients,
       count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::bigint AS status_2xx,
       count(*) FILTER (WHERE status_code BETWEEN 300 AND 399)::bigint AS status_3xx,
       count(*) FILTER (WHERE status_code BETWEEN 400 AND 499)::bigint AS status_4xx,
       count(*) FILTER (WHERE status_code >= 500)::bigint AS status_5xx,
       coalesce(sum(request_body_len), 0)::bigint AS request_body_bytes,
       coalesce(sum(response_body_len), 0)::bigint AS response_body_bytes,
       min(ts) AS first_ts, max(ts) AS last_ts
FROM http GROUP BY capture_id, coalesce(host, '-');
COMMENT ON VIEW http_hosts IS 'Per capture and HTTP Host header (''-'' when absent): requests, distinct clients, responses by status class, body bytes, first and last request.';

CREATE VIEW tls_server_names AS
SELECT capture_id, coalesce(server_name, '-') AS server_name, transport,
       count(*)::bigint AS handshakes,
       count(*) FILTER (WHERE established)::bigint AS established,
       count(DISTINCT orig_h)::bigint AS clients,
       array_agg(DISTINCT version) FILTER (WHERE version IS NOT NULL) AS versions,
       min(ts) AS first_ts, max(ts) AS last_ts
FROM tls GROUP BY capture_id, coalesce(server_name, '-'), transport;
COMMENT ON VIEW tls_server_names IS 'Per capture, SNI (''-'' when absent) and transport (tcp: TLS, udp: QUIC): handshakes, how many were established, distinct clients, versions seen, first and last handshake.';

CREATE VIEW alerts_summary AS
SELECT capture_id, kind, severity, count(*)::bigint AS alerts, sum(count)::bigint AS events,
       count(DISTINCT src)::bigint AS sources, min(first_seen) AS first_seen,
       max(last_seen) AS last_seen
FROM alerts GROUP BY capture_id, kind, severity;
COMMENT ON VIEW alerts_summary IS 'Per capture, alert kind and severity: alerts (deduplicated rows), events they stand for (sum of count), distinct sources, first and last sighting.';

-- Indexes for the API: newest-first lists and time ranges across captures
-- (timestamps arrive nearly in order, so these append cheaply), alerts of a
-- flow. Nothing on uids or DNS answers: random inserts slow COPY down; the
-- events of a flow are found by (capture_id, ts) within the flow's span.
CREATE INDEX flows_ts ON flows (ts);
CREATE INDEX packets_ts ON packets (ts);
CREATE INDEX traffic_bucket ON traffic (bucket);
CREATE INDEX dns_ts ON dns (ts);
CREATE INDEX http_ts ON http (ts);
CREATE INDEX tls_ts ON tls (ts);
CREATE INDEX alerts_ts ON alerts (ts);
CREATE INDEX alerts_evidence ON alerts USING gin (evidence);
CREATE INDEX captures_started ON captures (started_at);

-- Grants: readers see the new tables and views; nobody writes the rollups
-- except through the triggers (SECURITY DEFINER).
GRANT SELECT ON host_rollup, host_rollup_all, port_rollup, service_rollup, hosts, hosts_all, port_traffic, geo_traffic,
    traffic_timeline, http_hosts, tls_server_names, alerts_summary, top_talkers, protocol_mix
    TO packetsight_writer, packetsight_web, packetsight_analyst;
