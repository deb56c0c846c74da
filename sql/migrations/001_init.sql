-- 001_init: the analyst schema v1 (see sql/README.md for every column).
-- Applied by `captured --migrate` as packetsight_owner inside one transaction.
-- Large tables are range-partitioned by time (monthly); captured calls
-- ps_ensure_partitions() before it writes a batch, and a DEFAULT partition
-- catches anything outside the created months so no row is ever refused.

CREATE TABLE sensors (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    hostname    text NOT NULL DEFAULT '',
    version     text NOT NULL DEFAULT '',
    started_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    capturing   boolean NOT NULL DEFAULT false,
    interfaces  jsonb NOT NULL DEFAULT '[]',
    status      jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE sensors IS 'One row per captured daemon; last_seen is its heartbeat.';

CREATE TABLE captures (
    id          bigserial PRIMARY KEY,
    sensor_id   integer REFERENCES sensors(id) ON DELETE SET NULL,
    kind        text NOT NULL CHECK (kind IN ('live', 'file')),
    source      text NOT NULL,
    sha256      text,
    filter      text NOT NULL DEFAULT '',
    linktype    text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'done', 'failed')),
    error       text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    first_ts    timestamptz,
    last_ts     timestamptz,
    packets     bigint NOT NULL DEFAULT 0,
    bytes       bigint NOT NULL DEFAULT 0,
    flows       bigint NOT NULL DEFAULT 0,
    drops       bigint NOT NULL DEFAULT 0,
    malformed   bigint NOT NULL DEFAULT 0,
    stats       jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE captures IS 'A live capture session or one analysed file; every data row carries its capture_id.';

CREATE TABLE flows (
    capture_id     bigint NOT NULL,
    ts             timestamptz NOT NULL,
    uid            text NOT NULL,
    community_id   text,
    orig_h         inet NOT NULL,
    orig_p         integer,
    resp_h         inet NOT NULL,
    resp_p         integer,
    proto          text NOT NULL,
    ip_proto       smallint NOT NULL,
    service        text,
    service_guess  boolean NOT NULL DEFAULT false,
    duration       double precision NOT NULL DEFAULT 0,
    orig_bytes     bigint NOT NULL DEFAULT 0,
    resp_bytes     bigint NOT NULL DEFAULT 0,
    conn_state     text,
    history        text,
    orig_pkts      bigint NOT NULL DEFAULT 0,
    orig_ip_bytes  bigint NOT NULL DEFAULT 0,
    resp_pkts      bigint NOT NULL DEFAULT 0,
    resp_ip_bytes  bigint NOT NULL DEFAULT 0,
    orig_l2_bytes  bigint NOT NULL DEFAULT 0,
    resp_l2_bytes  bigint NOT NULL DEFAULT 0,
    vlan           integer,
    orig_cc        text,
    resp_cc        text,
    orig_retrans   integer NOT NULL DEFAULT 0,
    resp_retrans   integer NOT NULL DEFAULT 0,
    orig_ooo       integer NOT NULL DEFAULT 0,
    resp_ooo       integer NOT NULL DEFAULT 0,
    rtt            double precision,
    rtt_orig       double precision,
    rtt_resp       double precision,
    frags          integer NOT NULL DEFAULT 0,
    icmp_errors    integer NOT NULL DEFAULT 0,
    end_reason     text
) PARTITION BY RANGE (ts);
COMMENT ON TABLE flows IS 'One row per connection, in the spirit of Zeek conn.log; *_l2_bytes count whole frames as tshark does.';
COMMENT ON COLUMN flows.rtt IS 'TCP handshake time, SYN to the ACK of the SYN-ACK (seconds).';
COMMENT ON COLUMN flows.rtt_resp IS 'Responder side of the handshake: SYN to SYN-ACK (seconds).';
COMMENT ON COLUMN flows.rtt_orig IS 'Originator side of the handshake: SYN-ACK to ACK (seconds).';
COMMENT ON COLUMN flows.icmp_errors IS 'ICMP errors that quoted this flow (unreachable, time exceeded, ...).';
COMMENT ON COLUMN flows.frags IS 'IP fragments that made up this flow''s datagrams.';

CREATE TABLE packets (
    capture_id  bigint NOT NULL,
    ts          timestamptz NOT NULL,
    frame       bigint NOT NULL,
    uid         text,
    src         inet,
    dst         inet,
    sport       integer,
    dport       integer,
    proto       text NOT NULL,
    length      integer NOT NULL,
    caplen      integer NOT NULL,
    tcp_flags   text,
    ttl         smallint,
    vlan        integer,
    app         text,
    info        text
) PARTITION BY RANGE (ts);
COMMENT ON TABLE packets IS 'A summary of each stored packet (storage policy per capture).';

CREATE TABLE traffic (
    capture_id  bigint NOT NULL,
    bucket      timestamptz NOT NULL,
    seconds     integer NOT NULL DEFAULT 1,
    packets     bigint NOT NULL DEFAULT 0,
    bytes       bigint NOT NULL DEFAULT 0,
    tcp_packets bigint NOT NULL DEFAULT 0,
    udp_packets bigint NOT NULL DEFAULT 0,
    icmp_packets bigint NOT NULL DEFAULT 0,
    other_packets bigint NOT NULL DEFAULT 0,
    tcp_bytes   bigint NOT NULL DEFAULT 0,
    udp_bytes   bigint NOT NULL DEFAULT 0,
    icmp_bytes  bigint NOT NULL DEFAULT 0,
    other_bytes bigint NOT NULL DEFAULT 0,
    ipv4_packets bigint NOT NULL DEFAULT 0,
    ipv6_packets bigint NOT NULL DEFAULT 0,
    arp_packets bigint NOT NULL DEFAULT 0,
    new_flows   bigint NOT NULL DEFAULT 0,
    drops       bigint NOT NULL DEFAULT 0,
    malformed   bigint NOT NULL DEFAULT 0
) PARTITION BY RANGE (bucket);
COMMENT ON TABLE traffic IS 'Per-second time buckets of one capture; bytes are whole frame lengths.';

CREATE TABLE dns (
    capture_id  bigint NOT NULL,
    ts          timestamptz NOT NULL,
    uid         text,
    community_id text,
    orig_h      inet,
    orig_p      integer,
    resp_h      inet,
    resp_p      integer,
    proto       text,
    trans_id    integer,
    rtt         double precision,
    query       text,
    qclass      integer,
    qtype       integer,
    qtype_name  text,
    rcode       integer,
    rcode_name  text,
    aa          boolean,
    tc          boolean,
    rd          boolean,
    ra          boolean,
    answers     text[],
    ttls        double precision[],
    rejected    boolean
) PARTITION BY RANGE (ts);
COMMENT ON TABLE dns IS 'A DNS query and its answer, as Zeek dns.log.';

CREATE TABLE http (
    capture_id  bigint NOT NULL,
    ts          timestamptz NOT NULL,
    uid         text,
    community_id text,
    orig_h      inet,
    orig_p      integer,
    resp_h      inet,
    resp_p      integer,
    trans_depth integer,
    method      text,
    host        text,
    uri         text,
    referrer    text,
    version     text,
    user_agent  text,
    request_body_len  bigint,
    response_body_len bigint,
    status_code integer,
    status_msg  text,
    info_code   integer,
    resp_mime_types text[],
    rtt         double precision
) PARTITION BY RANGE (ts);
COMMENT ON TABLE http IS 'An HTTP/1.x request and its response, as Zeek http.log.';

CREATE TABLE tls (
    capture_id  bigint NOT NULL,
    ts          timestamptz NOT NULL,
    uid         text,
    community_id text,
    orig_h      inet,
    orig_p      integer,
    resp_h      inet,
    resp_p      integer,
    transport   text NOT NULL DEFAULT 'tcp',
    version     text,
    cipher      text,
    server_name text,
    alpn        text[],
    ja3         text,
    ja4         text,
    established boolean
) PARTITION BY RANGE (ts);
COMMENT ON TABLE tls IS 'A TLS or QUIC handshake, as Zeek ssl.log.';

CREATE TABLE alerts (
    id          bigserial PRIMARY KEY,
    capture_id  bigint NOT NULL,
    ts          timestamptz NOT NULL,
    kind        text NOT NULL,
    key         text NOT NULL,
    severity    text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    src         inet,
    dst         inet,
    summary     text NOT NULL,
    evidence    text[] NOT NULL DEFAULT '{}',
    count       bigint NOT NULL DEFAULT 1,
    first_seen  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL,
    UNIQUE (capture_id, kind, key)
);
COMMENT ON TABLE alerts IS 'A security finding, deduplicated per (capture, kind, key): count, first_seen and last_seen; evidence holds flow uids. Not partitioned: findings are few; retention deletes by last_seen.';

CREATE TABLE jobs (
    id          bigserial PRIMARY KEY,
    state       text NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'done', 'failed')),
    file_name   text NOT NULL,
    size        bigint NOT NULL DEFAULT 0,
    sha256      text,
    blob_oid    oid,
    options     jsonb NOT NULL DEFAULT '{}',
    bytes_done  bigint NOT NULL DEFAULT 0,
    packets_done bigint NOT NULL DEFAULT 0,
    error       text,
    attempts    integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 3,
    worker      text,
    lease_until timestamptz,
    capture_id  bigint REFERENCES captures(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz
);
CREATE INDEX jobs_queued ON jobs (id) WHERE state IN ('queued', 'running');
COMMENT ON TABLE jobs IS 'An uploaded capture waiting for, or having had, analysis.';

CREATE TABLE capture_requests (
    id          bigserial PRIMARY KEY,
    sensor_id   integer REFERENCES sensors(id) ON DELETE CASCADE,
    action      text NOT NULL CHECK (action IN ('start', 'stop')),
    interface   text,
    filter      text NOT NULL DEFAULT '',
    state       text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'done', 'failed')),
    answer      text,
    capture_id  bigint REFERENCES captures(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz
);
COMMENT ON TABLE capture_requests IS 'A start/stop asked from the web; captured answers by setting state and answer.';

-- Default partitions: nothing is ever refused for lack of a month.
CREATE TABLE flows_default   PARTITION OF flows   DEFAULT;
CREATE TABLE packets_default PARTITION OF packets DEFAULT;
CREATE TABLE traffic_default PARTITION OF traffic DEFAULT;
CREATE TABLE dns_default     PARTITION OF dns     DEFAULT;
CREATE TABLE http_default    PARTITION OF http    DEFAULT;
CREATE TABLE tls_default     PARTITION OF tls     DEFAULT;

CREATE INDEX flows_capture_ts ON flows (capture_id, ts);
CREATE INDEX flows_uid ON flows (uid);
CREATE INDEX flows_orig_h ON flows (orig_h);
CREATE INDEX flows_resp_h ON flows (resp_h);
CREATE INDEX packets_capture_ts ON packets (capture_id, ts, frame);
-- No index on packets.uid: random inserts into it halve COPY speed; the packets
-- of a flow are found by (capture_id, ts) within the flow's time span.
CREATE INDEX traffic_capture_bucket ON traffic (capture_id, bucket);
CREATE INDEX dns_capture_ts ON dns (capture_id, ts);
CREATE INDEX http_capture_ts ON http (capture_id, ts);
CREATE INDEX tls_capture_ts ON tls (capture_id, ts);
CREATE INDEX alerts_capture_ts ON alerts (capture_id, ts);

-- Monthly partitions for [from, to]. Called by captured (SECURITY DEFINER so
-- the writer role needs no DDL rights). Rows already in a DEFAULT partition for
-- that month stay there: the month is then skipped, never an error.
CREATE FUNCTION ps_ensure_partitions(p_from timestamptz, p_to timestamptz)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    t text;
    m timestamptz;
    part text;
    created integer := 0;
    tabs text[] := ARRAY['flows', 'packets', 'traffic', 'dns', 'http', 'tls'];
BEGIN
    IF p_from IS NULL OR p_to IS NULL OR p_to < p_from
       OR p_to - p_from > interval '10 years' THEN
        RETURN 0;
    END IF;
    m := date_trunc('month', p_from AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    WHILE m <= p_to LOOP
        FOREACH t IN ARRAY tabs LOOP
            part := format('%s_%s', t, to_char(m AT TIME ZONE 'UTC', 'YYYYMM'));
            IF to_regclass(part) IS NULL THEN
                BEGIN
                    EXECUTE format(
                        'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                        part, t, m, m + interval '1 month');
                    created := created + 1;
                EXCEPTION WHEN check_violation OR invalid_object_definition THEN
                    NULL; -- default partition already holds rows of that month
                END;
            END IF;
        END LOOP;
        m := m + interval '1 month';
    END LOOP;
    RETURN created;
END
$$;

-- Analyst views.
CREATE VIEW top_talkers AS
SELECT capture_id, host, sum(packets)::bigint AS packets, sum(bytes)::bigint AS bytes,
       count(*)::bigint AS flows
FROM (
    SELECT capture_id, orig_h AS host, orig_pkts + resp_pkts AS packets,
           orig_l2_bytes + resp_l2_bytes AS bytes FROM flows
    UNION ALL
    SELECT capture_id, resp_h, orig_pkts + resp_pkts, orig_l2_bytes + resp_l2_bytes FROM flows
) s
GROUP BY capture_id, host;
COMMENT ON VIEW top_talkers IS 'Per capture and host: packets, frame bytes and flows it took part in (either side).';

CREATE VIEW protocol_mix AS
SELECT capture_id, proto, coalesce(service, '-') AS service,
       count(*)::bigint AS flows,
       sum(orig_pkts + resp_pkts)::bigint AS packets,
       sum(orig_l2_bytes + resp_l2_bytes)::bigint AS bytes
FROM flows GROUP BY capture_id, proto, coalesce(service, '-');
COMMENT ON VIEW protocol_mix IS 'Per capture: flows, packets and frame bytes by transport and application service.';

CREATE VIEW port_activity AS
SELECT capture_id, proto, resp_p AS port, count(*)::bigint AS flows,
       count(DISTINCT orig_h)::bigint AS clients,
       sum(orig_pkts + resp_pkts)::bigint AS packets,
       sum(orig_l2_bytes + resp_l2_bytes)::bigint AS bytes
FROM flows WHERE resp_p IS NOT NULL
GROUP BY capture_id, proto, resp_p;
COMMENT ON VIEW port_activity IS 'Per capture: responder ports with flow, client, packet and byte counts.';

CREATE VIEW dns_top AS
SELECT capture_id, query, qtype_name, count(*)::bigint AS queries,
       count(*) FILTER (WHERE rcode = 3)::bigint AS nxdomain
FROM dns WHERE query IS NOT NULL
GROUP BY capture_id, query, qtype_name;
COMMENT ON VIEW dns_top IS 'Per capture: DNS query names and types, with how many ended in NXDOMAIN.';

CREATE VIEW capture_summary AS
SELECT c.id AS capture_id, c.kind, c.source, c.status, c.first_ts, c.last_ts,
       c.packets, c.bytes, c.flows, c.drops, c.malformed
FROM captures c;
COMMENT ON VIEW capture_summary IS 'One line per capture with its totals.';

-- Grants.
GRANT USAGE ON SCHEMA public TO packetsight_writer, packetsight_web, packetsight_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO packetsight_writer, packetsight_web, packetsight_analyst;
GRANT INSERT ON flows, packets, traffic, dns, http, tls, alerts TO packetsight_writer;
GRANT INSERT, UPDATE ON sensors, captures, jobs, capture_requests TO packetsight_writer;
GRANT DELETE ON captures, flows, packets, traffic, dns, http, tls, alerts TO packetsight_writer;
GRANT UPDATE ON alerts TO packetsight_writer;
GRANT INSERT ON jobs, capture_requests TO packetsight_web;
GRANT UPDATE (state, error) ON jobs TO packetsight_web;
GRANT DELETE ON captures, flows, packets, traffic, dns, http, tls, alerts, jobs TO packetsight_web;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO packetsight_writer, packetsight_web;
GRANT EXECUTE ON FUNCTION ps_ensure_partitions(timestamptz, timestamptz) TO packetsight_writer;
REVOKE EXECUTE ON FUNCTION ps_ensure_partitions(timestamptz, timestamptz) FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT ON TABLES TO packetsight_writer, packetsight_web, packetsight_analyst;
