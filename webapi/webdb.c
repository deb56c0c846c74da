/* webdb.c - connection upkeep for webapi: lazy PQreset, one retry per
 * statement, SQLSTATE classes 08/53/57 mapped to "unavailable". */
#include "webdb.h"

#include "weblog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void log_msg(const char *what, const char *detail)
{
    weblog("%s%s%s", what, detail && *detail ? ": " : "", detail ? detail : "");
}

/* Per-session settings, applied after every (re)connect. */
static void session_setup(PGconn *conn)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SET client_min_messages = warning; SET client_encoding = 'UTF8';"
             " SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1;"
             /* Plans see the parameter values unless a query asks for
              * WEBDB_GENERIC: a generic plan for "capture_id = $1 ORDER BY
              * ts" may walk every other capture's rows first. */
             " SET plan_cache_mode = force_custom_plan;"

             " SET statement_timeout = %d",
             WEBDB_STATEMENT_TIMEOUT_MS);
    PQclear(PQexec(conn, sql));
}

static void check_schema(struct webdb *db)
{
    db->schema_err[0] = '\0';
    db->schema_ok = ps_db_check_schema(db->conn, db->schema_err, sizeof db->schema_err) == 0;
    if (!db->schema_ok)
        log_msg("schema check failed", db->schema_err);
}

/* Server notices (e.g. "terminating connection due to administrator
 * command") go to our log instead of libpq's bare stderr print. */
static void notice_to_log(void *arg, const char *message)
{
    (void)arg;
    log_msg("server notice", message);
}

int webdb_open(struct webdb *db, const char *conninfo, char *err, size_t errlen)
{
    memset(db, 0, sizeof *db);
    /* Defaults only: the environment and the conninfo still win. */
    setenv("PGCONNECT_TIMEOUT", WEBDB_CONNECT_TIMEOUT_S, 0);
    setenv("PGAPPNAME", "packetsight-webapi", 0);

    db->conn = ps_db_connect(conninfo, err, errlen);
    if (!db->conn)
        return -1;
    if (ps_db_check_schema(db->conn, err, errlen) < 0) {
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    db->schema_ok = 1;
    PQsetNoticeProcessor(db->conn, notice_to_log, NULL); /* survives PQreset */
    session_setup(db->conn);
    return 0;
}

/* Forgets the prepared statements (the server forgot them on reset). */
static void stmt_cache_clear(struct webdb *db)
{
    for (int i = 0; i < db->nstmts; i++) {
        free(db->stmt_sql[i]);
        db->stmt_sql[i] = NULL;
    }
    db->nstmts = 0;
}

/* Executes sql as a cached prepared statement; falls back to an unnamed
 * one when the cache is full. Returns what PQexecPrepared/PQprepare gave. */
static PGresult *exec_cached(struct webdb *db, const char *sql, int nparams,
                             const char *const *params)
{
    char name[16];
    int i = 0;
    while (i < db->nstmts && strcmp(db->stmt_sql[i], sql) != 0)
        i++;
    if (i == db->nstmts) {
        if (i >= WEBDB_STMT_CACHE)
            return PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
        snprintf(name, sizeof name, "ps%d", i);
        PGresult *r = PQprepare(db->conn, name, sql, nparams, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            return r;
        PQclear(r);
        if (!(db->stmt_sql[i] = strdup(sql))) {
            PQclear(PQexec(db->conn, "DEALLOCATE ALL"));
            stmt_cache_clear(db);
            return PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
        }
        db->nstmts++;
    }
    snprintf(name, sizeof name, "ps%d", i);
    return PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
}

/* Switches plan_cache_mode when the statement wants the other one. A
 * generic plan skips planning partitioned tables on every call, which costs
 * more than running an overview query; a custom plan sees the values. */
static void set_plan_mode(struct webdb *db, int generic)
{
    if (db->generic == generic)
        return;
    PGresult *r = PQexec(db->conn, generic ? "SET plan_cache_mode = force_generic_plan"
                                           : "SET plan_cache_mode = force_custom_plan");
    if (PQresultStatus(r) == PGRES_COMMAND_OK)
        db->generic = generic;
    PQclear(r);
}

void webdb_close(struct webdb *db)
{
    stmt_cache_clear(db);
    if (db->conn)
        PQfinish(db->conn);
    db->conn = NULL;
}

/* Makes the connection usable, resetting it when it is broken or `force`:
 * 0, or -1 when the server cannot be reached. */
static int ensure_connected(struct webdb *db, int force)
{
    if (!db->conn)
        return -1;
    if (!force && PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    stmt_cache_clear(db);
    db->generic = 0;
    PQreset(db->conn);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        log_msg("database unavailable", PQerrorMessage(db->conn));
        return -1;
    }
    log_msg("reconnected to database", NULL);
    session_setup(db->conn);
    check_schema(db);
    return 0;
}

/* SQLSTATE classes that mean "try again later", not "your query is wrong":
 * 08 connection exception, 53 insufficient resources, 57 operator
 * intervention (admin shutdown, crash recovery, statement timeout). */
static int sqlstate_transient(const char *state)
{
    return state && (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
                     strncmp(state, "57", 2) == 0);
}

static enum webdb_status failure_status(const char *state)
{
    if (sqlstate_transient(state))
        return WEBDB_UNAVAILABLE;
    if (state && strncmp(state, "22", 2) == 0)
        return WEBDB_INVALID;
    return WEBDB_ERROR;
}

PGconn *webdb_conn(struct webdb *db, enum webdb_status *status)
{
    if (ensure_connected(db, 0) < 0) {
        *status = WEBDB_UNAVAILABLE;
        return NULL;
    }
    if (!db->schema_ok) {
        *status = WEBDB_SCHEMA;
        return NULL;
    }
    *status = WEBDB_OK;
    return db->conn;
}

enum webdb_status webdb_classify(struct webdb *db, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
    if (PQstatus(db->conn) != CONNECTION_OK || !state) {
        log_msg("connection lost", PQerrorMessage(db->conn));
        return WEBDB_UNAVAILABLE;
    }
    log_msg("query failed", PQerrorMessage(db->conn));
    return failure_status(state);
}

PGresult *webdb_query(struct webdb *db, const char *sql, int nparams,
                      const char *const *params, int flags, enum webdb_status *status)
{
    db->sqlstate[0] = '\0';
    for (int attempt = 0; attempt < 2; attempt++) {
        if (attempt > 0 && (flags & WEBDB_NO_RETRY))
            break;
        if (ensure_connected(db, attempt > 0) < 0) {
            *status = WEBDB_UNAVAILABLE;
            return NULL;
        }
        if (!db->schema_ok && !(flags & WEBDB_ANY_SCHEMA)) {
            *status = WEBDB_SCHEMA;
            return NULL;
        }
        set_plan_mode(db, (flags & WEBDB_GENERIC) != 0);
        PGresult *r = exec_cached(db, sql, nparams, params);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            *status = WEBDB_OK;
            return r;
        }
        /* An error without SQLSTATE was made by libpq itself: the socket broke
         * (libpq may notice only on the next call, so don't trust PQstatus). */
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
        int broken = PQstatus(db->conn) != CONNECTION_OK || !state;
        log_msg(broken ? "connection lost" : "query failed", PQerrorMessage(db->conn));
        PQclear(r);
        if (!broken) {
            *status = failure_status(state);
            return NULL;
        }
        /* broken: loop once more, which resets the connection */
    }
    *status = WEBDB_UNAVAILABLE;
    return NULL;
}

void webdb_note_schema_version(struct webdb *db, int have)
{
    int ok = have == ps_schema_version_expected();
    if (ok == db->schema_ok)
        return;
    if (ok) {
        db->schema_ok = 1;
        db->schema_err[0] = '\0';
        log_msg("schema version matches again", NULL);
    } else {
        check_schema(db); /* fills schema_err with the standard message */
    }
}
