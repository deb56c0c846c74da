/* db.c - connect, schema version check and forward-only migrations. */
#include "db.h"

#include "migrations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void trim_newline(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static void set_err(char *err, size_t errlen, const char *what, const char *detail)
{
    snprintf(err, errlen, "%s: %s", what, detail ? detail : "unknown error");
    trim_newline(err);
}

int ps_schema_version_expected(void)
{
    return ps_migration_count > 0 ? ps_migrations[ps_migration_count - 1].version : 0;
}

const char *ps_db_conninfo(const char *explicit_value, const char *envname)
{
    if (explicit_value && *explicit_value)
        return explicit_value;
    const char *env = envname ? getenv(envname) : NULL;
    return env && *env ? env : NULL;
}

PGconn *ps_db_connect(const char *conninfo, char *err, size_t errlen)
{
    PGconn *db = PQconnectdb(conninfo ? conninfo : "");
    if (PQstatus(db) != CONNECTION_OK) {
        set_err(err, errlen, "cannot connect to PostgreSQL", PQerrorMessage(db));
        PQfinish(db);
        return NULL;
    }
    PQclear(PQexec(db, "SET client_min_messages = warning"));
    return db;
}

int ps_db_schema_version(PGconn *db, char *err, size_t errlen)
{
    PGresult *r = PQexec(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        int missing = state && strcmp(state, "42P01") == 0;
        if (!missing)
            set_err(err, errlen, "reading schema version", PQerrorMessage(db));
        PQclear(r);
        return missing ? 0 : -1;
    }
    int v = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

int ps_db_check_schema(PGconn *db, char *err, size_t errlen)
{
    int want = ps_schema_version_expected();
    int have = ps_db_schema_version(db, err, errlen);
    if (have < 0)
        return -1;
    if (have == want)
        return 0;
    if (have < want)
        snprintf(err, errlen,
                 "database schema is version %d, this build needs %d: run 'captured --migrate'",
                 have, want);
    else
        snprintf(err, errlen,
                 "database schema is version %d, newer than this build knows (%d): upgrade PacketSight",
                 have, want);
    return -1;
}

int ps_db_exec(PGconn *db, const char *sql, const char *what, char *err, size_t errlen)
{
    PGresult *r = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        set_err(err, errlen, what, PQerrorMessage(db));
    PQclear(r);
    return ok ? 0 : -1;
}

static int apply_one(PGconn *db, const struct migration *m, char *err, size_t errlen)
{
    char what[128];
    snprintf(what, sizeof what, "migration %s", m->name);
    if (ps_db_exec(db, "BEGIN", what, err, errlen) < 0)
        return -1;
    /* Serialises concurrent migrators; released at COMMIT/ROLLBACK. */
    if (ps_db_exec(db, "SELECT pg_advisory_xact_lock(7215001)", what, err, errlen) < 0 ||
        ps_db_exec(db, m->sql, what, err, errlen) < 0)
        goto fail;
    char ver[16];
    snprintf(ver, sizeof ver, "%d", m->version);
    const char *params[2] = {ver, m->name};
    PGresult *r = PQexecParams(db,
                               "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                               2, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        set_err(err, errlen, what, PQerrorMessage(db));
    PQclear(r);
    if (!ok)
        goto fail;
    return ps_db_exec(db, "COMMIT", what, err, errlen);
fail:
    PQclear(PQexec(db, "ROLLBACK"));
    return -1;
}

int ps_db_migrate(PGconn *db, int *applied_to, char *err, size_t errlen)
{
    static const char create[] =
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now());"
        "COMMENT ON TABLE schema_migrations IS 'Applied schema migrations (captured --migrate).';"
        "GRANT SELECT ON schema_migrations TO PUBLIC";
    if (ps_db_exec(db, create, "creating schema_migrations", err, errlen) < 0)
        return -1;
    int have = ps_db_schema_version(db, err, errlen);
    if (have < 0)
        return -1;
    if (have > ps_schema_version_expected()) {
        snprintf(err, errlen, "database schema is version %d, newer than this build knows (%d)",
                 have, ps_schema_version_expected());
        return -1;
    }
    int applied = 0;
    for (int i = 0; i < ps_migration_count; i++) {
        if (ps_migrations[i].version <= have)
            continue;
        if (apply_one(db, &ps_migrations[i], err, errlen) < 0)
            return -1;
        have = ps_migrations[i].version;
        applied++;
    }
    if (applied_to)
        *applied_to = have;
    return applied;
}
