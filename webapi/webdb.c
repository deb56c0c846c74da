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
    char sql[128];
    snprintf(sql, sizeof sql,
             "SET client_min_messages = warning; SET client_encoding = 'UTF8';"
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

void webdb_close(struct webdb *db)
{
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

PGresult *webdb_query(struct webdb *db, const char *sql, int nparams,
                      const char *const *params, int flags, enum webdb_status *status)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (ensure_connected(db, attempt > 0) < 0) {
            *status = WEBDB_UNAVAILABLE;
            return NULL;
        }
        if (!db->schema_ok && !(flags & WEBDB_ANY_SCHEMA)) {
            *status = WEBDB_SCHEMA;
            return NULL;
        }
        PGresult *r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            *status = WEBDB_OK;
            return r;
        }
        /* An error without SQLSTATE was made by libpq itself: the socket broke
         * (libpq may notice only on the next call, so don't trust PQstatus). */
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        int broken = PQstatus(db->conn) != CONNECTION_OK || !state;
        log_msg(broken ? "connection lost" : "query failed", PQerrorMessage(db->conn));
        PQclear(r);
        if (!broken) {
            *status = sqlstate_transient(state) ? WEBDB_UNAVAILABLE : WEBDB_ERROR;
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
