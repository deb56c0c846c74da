/* webdb.h - webapi's one PostgreSQL connection per process: connect and
 * check the schema at start, reconnect lazily (PQreset) after the server went
 * away, and classify failures so handlers answer 503 instead of crashing. */
#ifndef PS_WEBAPI_WEBDB_H
#define PS_WEBAPI_WEBDB_H

#include "db.h"

#include <libpq-fe.h>

/* Server-side cap on one statement, so a slow query cannot pin a worker. */
#define WEBDB_STATEMENT_TIMEOUT_MS 15000
/* Used for PGCONNECT_TIMEOUT when neither the environment nor the conninfo
 * sets connect_timeout: a dead host must not hang a request forever. */
#define WEBDB_CONNECT_TIMEOUT_S "5"

enum webdb_status {
    WEBDB_OK,          /* result is PGRES_TUPLES_OK or PGRES_COMMAND_OK */
    WEBDB_UNAVAILABLE, /* no connection, server shutting down, too many clients */
    WEBDB_SCHEMA,      /* connected, but the schema version is not ours */
    WEBDB_ERROR,       /* the statement failed (a bug or bad data): 500 */
};

struct webdb {
    PGconn *conn;              /* NULL only before webdb_open succeeded */
    int schema_ok;             /* last check found the expected version */
    char schema_err[PS_ERRBUF]; /* why schema_ok is 0 */
};

/* Connects with ps_db_connect and checks the schema. Sets the defaults
 * PGCONNECT_TIMEOUT=5 and PGAPPNAME=packetsight-webapi unless already set. Returns 0, or -1 with
 * err filled (connection refused, or the schema differs); on -1 nothing needs
 * closing. conninfo may be NULL (libpq defaults and PG* variables). */
int webdb_open(struct webdb *db, const char *conninfo, char *err, size_t errlen);

void webdb_close(struct webdb *db);

/* Flags for webdb_query. */
#define WEBDB_ANY_SCHEMA 1 /* run even when the schema check failed */

/* Runs one parameterised statement (text parameters, text results). If the
 * connection is broken it is reset first; if the statement fails because the
 * connection broke, it is reset and the statement retried once (all callers
 * send idempotent reads). Returns the result on WEBDB_OK (caller PQclear()s),
 * else NULL with *status saying why; details are logged to stderr. */
PGresult *webdb_query(struct webdb *db, const char *sql, int nparams,
                      const char *const *params, int flags, enum webdb_status *status);

/* Records the outcome of a schema version read elsewhere (the health check),
 * so a migration applied while webapi runs is noticed. */
void webdb_note_schema_version(struct webdb *db, int have);

#endif
