#!/usr/bin/env python3
"""test_schema_guard - the binaries and the schema agree: `webapi --check`
accepts the migrated database and refuses one without the schema, and
`captured --migrate` run again changes nothing."""

import re

import pslib

MIGRATE_RE = re.compile(r"schema at version (\d+) \(applied (\d+)\)")


def migrate(st, checks, what):
    p = st.run([st.exe("captured"), "--migrate", "--db", st.owner_db])
    checks.equal(p.returncode, 0, "%s captured --migrate: exit code" % what)
    m = MIGRATE_RE.search(p.stdout)
    if not checks.check(m, "%s captured --migrate: no 'schema at version N (applied K)' in %r"
                        % (what, p.stdout)):
        return None, None
    return int(m.group(1)), int(m.group(2))


def main():
    st = pslib.Stack(__doc__)
    checks = pslib.Checks()
    webapi = st.exe("webapi")

    # The stack is migrated already, so both runs apply nothing; the second
    # one is the point: a repeated migrate is harmless.
    v1, _ = migrate(st, checks, "first")
    v2, applied2 = migrate(st, checks, "second")
    checks.equal(applied2, 0, "second captured --migrate: migrations applied")
    checks.equal(v2, v1, "schema version after the second migrate")
    db_version = int(st.scalar("SELECT max(version) FROM schema_migrations"))
    checks.equal(v2, db_version, "printed version vs max(version) in schema_migrations")
    names = st.scalar("SELECT count(*) FROM schema_migrations")
    checks.equal(int(names), db_version, "rows in schema_migrations (one per version)")

    p = st.run([webapi, "--check"], {"PACKETSIGHT_WEB_DB": st.web_db})
    checks.equal(p.returncode, 0, "webapi --check (PACKETSIGHT_WEB_DB) exit code")
    p = st.run([webapi, "--check", "--db", st.web_db])
    checks.equal(p.returncode, 0, "webapi --check --db exit code")

    # The cluster's `postgres` database has no PacketSight schema: webapi
    # must refuse it rather than serve from it.
    p = st.run([webapi, "--check", "--db", pslib.with_dbname(st.web_db, "postgres")])
    checks.check(p.returncode != 0, "webapi --check on a database without the schema exited 0")
    checks.check(p.stderr.strip() != "", "webapi --check refusing a database said nothing on stderr")

    checks.finish()


if __name__ == "__main__":
    main()
