-- 004_security: custom detection rules, threat-intelligence indicator
-- lists, a version counter the daemon polls to reload them without a
-- restart, the merge of deduplicated alerts, and security/geo views.
--
-- Alert kinds written by captured (alerts.kind; key is what deduplicates
-- within a capture):
--   port_scan               key "src>dst"            vertical scan
--   address_scan            key "src>tcp/PORT" | "src>arp"  horizontal sweep
--   syn_scan, null_scan, fin_scan, xmas_scan   key "src"  scan technique by TCP flags
--   syn_flood, udp_flood    key "dst:port"           rate over a window
--   icmp_flood              key "dst"
--   dns_tunnel              key "client>domain:signal"  signal: long_label,
--                           high_entropy, many_subdomains, large_txt
--   dns_nxdomain_burst      key "client"             DGA-like NXDOMAIN bursts
--   cleartext_credentials   key "client>server:port/PROTO/user"  never a password
--   tls_no_sni              key "client>server:port" (public servers only)
--   tls_outdated_version    key "server:port/VERSION" (SSLv2/3, TLS 1.0/1.1)
--   service_unexpected_port key "client>server:port/service"
--   unknown_service_on_port key "client>server:port"
--   arp_mac_change          key "ip"
--   malformed_packet        key "kind>src"
--   rule                    key "rule_id:orig>resp"  summary = the rule's message
--   indicator               key "list:value:orig>resp"
-- Thresholds and their sources: common/detect.h.

CREATE TABLE rules (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    enabled     boolean NOT NULL DEFAULT true,
    severity    text NOT NULL DEFAULT 'medium'
                CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    message     text NOT NULL DEFAULT '' CHECK (length(message) <= 512),
    cidr        inet,
    port        integer CHECK (port BETWEEN 0 AND 65535),
    transport   text CHECK (transport IN ('tcp', 'udp', 'icmp', 'icmp6', 'sctp', 'gre', 'esp')),
    app         text CHECK (length(app) <= 32),
    dns_query   text CHECK (length(dns_query) <= 512),
    http_host   text CHECK (length(http_host) <= 512),
    sni         text CHECK (length(sni) <= 512),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rules_match_something CHECK (
        cidr IS NOT NULL OR port IS NOT NULL OR transport IS NOT NULL OR app IS NOT NULL
        OR dns_query IS NOT NULL OR http_host IS NOT NULL OR sni IS NOT NULL)
);
COMMENT ON TABLE rules IS 'Custom detection rules, applied by captured at ingest (reloaded within seconds of a change). A rule matches when every field it sets matches; its alerts have kind ''rule''.';
COMMENT ON COLUMN rules.cidr IS 'Either endpoint inside this network (a bare address is /32 or /128).';
COMMENT ON COLUMN rules.port IS 'The responder''s (server''s) port, as flows.resp_p.';
COMMENT ON COLUMN rules.transport IS 'As flows.proto: tcp, udp, icmp, icmp6, sctp, gre, esp.';
COMMENT ON COLUMN rules.app IS 'The flow''s service as flows.service (http, ssl, dns, ssh, quic, ...), confirmed from payload.';
COMMENT ON COLUMN rules.dns_query IS 'Glob over the DNS query name: * any run of characters (dots included), ? one character, case-insensitive.';
COMMENT ON COLUMN rules.http_host IS 'Glob over the HTTP Host header (port removed).';
COMMENT ON COLUMN rules.sni IS 'Glob over the TLS/QUIC server name.';

CREATE TABLE indicator_lists (
    name        text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$'),
    enabled     boolean NOT NULL DEFAULT true,
    severity    text NOT NULL DEFAULT 'high'
                CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE indicator_lists IS 'Named threat-intelligence lists; disabling a list stops its matches at once. Alerts of kind ''indicator'' take the list''s severity.';

CREATE TABLE indicators (
    id          bigserial PRIMARY KEY,
    list        text NOT NULL REFERENCES indicator_lists(name) ON DELETE CASCADE ON UPDATE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('addr', 'net', 'domain')),
    value       text NOT NULL CHECK (length(value) BETWEEN 1 AND 253),
    source      text NOT NULL DEFAULT '',
    added_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (list, kind, value)
);
COMMENT ON TABLE indicators IS 'Indicator values: addr (one address), net (CIDR), domain (also matches every name below it). value is normalised (lowercase domain, canonical address text).';

-- One row: bumped by every change of rules or indicators, so the daemon
-- reloads with one cheap SELECT every few seconds (and on NOTIFY).
CREATE TABLE detection_config (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    version     bigint NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO detection_config DEFAULT VALUES;
COMMENT ON TABLE detection_config IS 'version increases with every change to rules, indicator_lists or indicators; captured polls it to reload.';

CREATE FUNCTION ps_detection_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
    UPDATE detection_config SET version = version + 1, updated_at = now();
    PERFORM pg_notify('packetsight_rules', '');
    RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION ps_detection_changed() FROM PUBLIC;

CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON rules
    FOR EACH STATEMENT EXECUTE FUNCTION ps_detection_changed();
CREATE TRIGGER indicator_lists_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicator_lists
    FOR EACH STATEMENT EXECUTE FUNCTION ps_detection_changed();
CREATE TRIGGER indicators_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON indicators
    FOR EACH STATEMENT EXECUTE FUNCTION ps_detection_changed();

CREATE FUNCTION ps_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER rules_touch BEFORE UPDATE ON rules
    FOR EACH ROW EXECUTE FUNCTION ps_touch_updated_at();
CREATE TRIGGER indicator_lists_touch BEFORE UPDATE ON indicator_lists
    FOR EACH ROW EXECUTE FUNCTION ps_touch_updated_at();

-- Adds indicator values to a list (created when missing), skipping ones
-- already there. kind NULL: guessed per value (an address, a network, else
-- a domain of two labels or more). Values that are none of these are
-- returned in rejected;
-- nothing is built from the text but parameters. Used by
-- `captured --import-indicators` and meant for the web API.
CREATE FUNCTION ps_indicators_add(p_list text, p_values text[], p_source text DEFAULT '',
                                  p_kind text DEFAULT NULL,
                                  OUT added integer, OUT rejected text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    v text;
    a inet;
    k text;
    norm text;
BEGIN
    added := 0;
    rejected := '{}';
    IF p_kind IS NOT NULL AND p_kind NOT IN ('addr', 'net', 'domain') THEN
        RAISE EXCEPTION 'indicator kind must be addr, net or domain, not %', p_kind;
    END IF;
    IF coalesce(array_length(p_values, 1), 0) > 100000 THEN
        RAISE EXCEPTION 'at most 100000 indicators per call';
    END IF;
    INSERT INTO indicator_lists (name) VALUES (p_list) ON CONFLICT (name) DO NOTHING;
    FOREACH v IN ARRAY coalesce(p_values, '{}') LOOP
        v := btrim(v);
        k := NULL;
        a := NULL;
        IF p_kind IS DISTINCT FROM 'domain' THEN
            BEGIN
                a := v::inet;
            EXCEPTION WHEN others THEN
                a := NULL;
            END;
        END IF;
        IF a IS NOT NULL THEN
            a := network(a)::inet;
            IF masklen(a) = (CASE family(a) WHEN 4 THEN 32 ELSE 128 END) THEN
                k := 'addr';
                norm := host(a);
            ELSE
                k := 'net';
                norm := text(a);
            END IF;
        ELSE
            norm := lower(regexp_replace(regexp_replace(v, '^\*\.', ''), '\.+$', ''));
            IF norm ~ '^([a-z0-9_][a-z0-9_-]{0,62}\.)+[a-z0-9_-]{1,63}$' AND length(norm) <= 253 THEN
                k := 'domain';
            END IF;
        END IF;
        IF k IS NULL OR (p_kind IS NOT NULL AND p_kind <> k
                         AND NOT (p_kind = 'net' AND k = 'addr')) THEN
            rejected := rejected || v;
            CONTINUE;
        END IF;
        INSERT INTO indicators (list, kind, value, source)
        VALUES (p_list, k, norm, coalesce(p_source, ''))
        ON CONFLICT (list, kind, value) DO NOTHING;
        IF FOUND THEN
            added := added + 1;
        END IF;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION ps_indicators_add(text, text[], text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ps_indicators_add(text, text[], text, text)
    TO packetsight_writer, packetsight_web;

-- Alert merging: captured COPYs its findings into a session temporary
-- table (ps_alerts_stage creates it once per session), then
-- ps_alerts_merge folds them into alerts: one row per (capture, kind, key),
-- count added, first/last seen widened, latest summary kept, evidence the
-- union of flow uids capped at p_evidence_cap.
CREATE FUNCTION ps_alerts_stage() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.ps_alerts_in') IS NULL THEN
        CREATE TEMP TABLE ps_alerts_in (
            capture_id bigint NOT NULL, kind text NOT NULL, key text NOT NULL,
            severity text NOT NULL, src inet, dst inet, summary text NOT NULL,
            evidence text[] NOT NULL, count bigint NOT NULL,
            first_seen timestamptz NOT NULL, last_seen timestamptz NOT NULL
        ) ON COMMIT DELETE ROWS;
    END IF;
END
$$;

CREATE FUNCTION ps_alerts_merge(p_evidence_cap integer DEFAULT 32) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    WITH g AS (
        SELECT capture_id, kind, key,
               (array_agg(severity ORDER BY last_seen DESC))[1] AS severity,
               (array_agg(src ORDER BY last_seen DESC))[1] AS src,
               (array_agg(dst ORDER BY last_seen DESC))[1] AS dst,
               (array_agg(summary ORDER BY last_seen DESC))[1] AS summary,
               sum(count)::bigint AS count, min(first_seen) AS first_seen,
               max(last_seen) AS last_seen
          FROM pg_temp.ps_alerts_in GROUP BY capture_id, kind, key),
    e AS (
        SELECT capture_id, kind, key, (array_agg(DISTINCT u))[1:p_evidence_cap] AS evidence
          FROM pg_temp.ps_alerts_in, unnest(evidence) u GROUP BY capture_id, kind, key)
    INSERT INTO alerts AS a (capture_id, ts, kind, key, severity, src, dst, summary, evidence,
                             count, first_seen, last_seen)
    SELECT g.capture_id, g.first_seen, g.kind, g.key, g.severity, g.src, g.dst, g.summary,
           coalesce(e.evidence, '{}'), g.count, g.first_seen, g.last_seen
      FROM g LEFT JOIN e USING (capture_id, kind, key)
    ON CONFLICT (capture_id, kind, key) DO UPDATE SET
        count = a.count + EXCLUDED.count,
        ts = least(a.ts, EXCLUDED.ts),
        first_seen = least(a.first_seen, EXCLUDED.first_seen),
        last_seen = greatest(a.last_seen, EXCLUDED.last_seen),
        severity = CASE WHEN EXCLUDED.last_seen >= a.last_seen THEN EXCLUDED.severity ELSE a.severity END,
        summary = CASE WHEN EXCLUDED.last_seen >= a.last_seen THEN EXCLUDED.summary ELSE a.summary END,
        src = coalesce(a.src, EXCLUDED.src),
        dst = coalesce(a.dst, EXCLUDED.dst),
        evidence = (a.evidence || array(SELECT u FROM unnest(EXCLUDED.evidence) u
                                         WHERE u <> ALL (a.evidence)))[1:p_evidence_cap];
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM pg_temp.ps_alerts_in;
    RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION ps_alerts_stage() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ps_alerts_merge(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ps_alerts_stage() TO packetsight_writer;
GRANT EXECUTE ON FUNCTION ps_alerts_merge(integer) TO packetsight_writer;

CREATE INDEX alerts_kind_seen ON alerts (kind, last_seen);

COMMENT ON COLUMN flows.orig_cc IS 'Originator country (ISO 3166 alpha-2, from tor-geoipdb or a configured .mmdb), or PRIVATE, LOOPBACK, LINKLOCAL, MULTICAST, BROADCAST, DOCUMENTATION, RESERVED for special-purpose ranges; NULL when unknown.';
COMMENT ON COLUMN flows.resp_cc IS 'Responder country or range label, as orig_cc.';
COMMENT ON COLUMN alerts.kind IS 'What was found (see sql/migrations/004_security.sql for the list).';
COMMENT ON COLUMN alerts.key IS 'What makes the finding distinct within its capture and kind (e.g. "scanner>victim").';
COMMENT ON COLUMN alerts.evidence IS 'Uids of flows behind the finding (flows.uid), at most 32.';
COMMENT ON COLUMN alerts.count IS 'How often the finding occurred (threshold detectors: windows in which it fired).';

-- Analyst views.
-- alerts_summary and geo_traffic come with 003_api.
CREATE VIEW alerts_by_host AS
SELECT capture_id, host, count(*)::bigint AS findings, sum(count)::bigint AS occurrences,
       array_agg(DISTINCT kind ORDER BY kind) AS kinds,
       max(CASE severity WHEN 'critical' THEN 5 WHEN 'high' THEN 4 WHEN 'medium' THEN 3
                         WHEN 'low' THEN 2 ELSE 1 END) AS worst_level,
       max(last_seen) AS last_seen
FROM (SELECT capture_id, src AS host, kind, severity, count, last_seen FROM alerts WHERE src IS NOT NULL
      UNION ALL
      SELECT capture_id, dst, kind, severity, count, last_seen FROM alerts WHERE dst IS NOT NULL) s
GROUP BY capture_id, host;
COMMENT ON VIEW alerts_by_host IS 'Per capture and host (as source or destination of findings): findings, occurrences, kinds, worst severity (5 critical .. 1 info), last seen.';

CREATE VIEW alerts_timeline AS
SELECT capture_id, date_trunc('hour', first_seen) AS hour, kind, count(*)::bigint AS findings,
       sum(count)::bigint AS occurrences
FROM alerts GROUP BY capture_id, date_trunc('hour', first_seen), kind;
COMMENT ON VIEW alerts_timeline IS 'Per capture, hour (of first sighting) and kind: findings and occurrences.';

CREATE VIEW geo_flows AS
SELECT capture_id, orig_cc, resp_cc, count(*)::bigint AS flows,
       sum(orig_pkts + resp_pkts)::bigint AS packets,
       sum(orig_l2_bytes + resp_l2_bytes)::bigint AS bytes
FROM flows GROUP BY capture_id, orig_cc, resp_cc;
COMMENT ON VIEW geo_flows IS 'Per capture: flows between originator and responder countries (or range labels), with packets and frame bytes; the source of the map.';

-- Grants: the writer reads rules and indicators, the web role manages them,
-- analysts read.
GRANT SELECT ON rules, indicator_lists, indicators, detection_config, alerts_by_host,
    alerts_timeline, geo_flows
    TO packetsight_writer, packetsight_web, packetsight_analyst;
GRANT INSERT, UPDATE, DELETE ON rules, indicator_lists, indicators TO packetsight_web;
GRANT USAGE ON SEQUENCE rules_id_seq, indicators_id_seq TO packetsight_web;
