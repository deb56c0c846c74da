-- 007_flow_staging.sql - flows reach the rollups without a trigger.
--
-- Until now a statement trigger with a transition table (flows_rollup_insert,
-- 003_api.sql) added every INSERT into flows to the rollups. PostgreSQL
-- copies every inserted row into the transition table before the trigger
-- runs, even for the rows of file captures still loading, for which the
-- trigger then did nothing: about 10 µs per flow row, a third of the time
-- of loading a file's flows. Now:
--   * file captures: captured sums their rollups itself and supplies them
--     when the capture is done (006_ingest.sql), or the done trigger
--     rebuilds them;
--   * live captures: captured COPYs each batch of flows into a session
--     temporary table (ps_flows_stage creates it) and ps_flows_merge moves
--     the rows into flows and adds them to the rollups in one step.
-- Rows inserted into flows by hand no longer update the rollups: run
-- SELECT ps_rollup_rebuild(capture_id) afterwards.

DROP TRIGGER flows_rollup_insert ON flows;

CREATE FUNCTION ps_flows_stage() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.ps_flows_in') IS NULL THEN
        CREATE TEMP TABLE ps_flows_in (LIKE flows) ON COMMIT DELETE ROWS;
        -- ps_flows_merge runs as the schema owner and reads it
        GRANT SELECT, DELETE ON pg_temp.ps_flows_in TO packetsight_owner;
    END IF;
END
$$;

-- Moves the staged flows into flows and adds those of live (or finished)
-- captures to the rollups. Returns the number of rows moved.
CREATE FUNCTION ps_flows_merge() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    q text;
    n bigint;
BEGIN
    INSERT INTO flows SELECT * FROM pg_temp.ps_flows_in;
    GET DIAGNOSTICS n = ROW_COUNT;
    FOR q IN SELECT ps_rollup_add_sql(ps_rollup_source('ps_flows_in', NULL)) LOOP
        EXECUTE q;
    END LOOP;
    DELETE FROM pg_temp.ps_flows_in;
    RETURN n;
END
$$;

REVOKE EXECUTE ON FUNCTION ps_flows_stage() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ps_flows_merge() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ps_flows_stage() TO packetsight_writer;
GRANT EXECUTE ON FUNCTION ps_flows_merge() TO packetsight_writer;
