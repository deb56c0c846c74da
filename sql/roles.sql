-- PacketSight cluster roles. Run once per cluster by a superuser (deploy/local.sh,
-- the migration unit, or an operator). Idempotent.
--   packetsight_owner    owns the schema; runs migrations
--   packetsight_writer   captured: COPY into data tables, updates jobs/requests/sensors
--   packetsight_web      webapi: reads everything, inserts jobs/uploads/capture requests
--   packetsight_analyst  read-only, for psql users and dashboards of other tools
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'packetsight_owner') THEN
    CREATE ROLE packetsight_owner LOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'packetsight_writer') THEN
    CREATE ROLE packetsight_writer LOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'packetsight_web') THEN
    CREATE ROLE packetsight_web LOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'packetsight_analyst') THEN
    CREATE ROLE packetsight_analyst LOGIN;
  END IF;
END
$$;

-- The owner runs SECURITY DEFINER helpers that unlink upload blobs created
-- by the web role (large objects are owned by their creator).
GRANT packetsight_web TO packetsight_owner;
