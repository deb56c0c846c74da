/* webdb.h - webapi's one PostgreSQL connection per process: connect and
 * check the schema at start, reconnect lazily (PQreset) after the server went
 * away, and classify failures so handlers answer 503 instead of crashing. */
#ifndef PS_WEBAPI_WEBDB_H
#define PS_WEBAPI_WEBDB_H

#include "db.h"

#include <libpq-fe.h>

/* Server-side cap on one statement, so a slow query cannot pin a worker. */
#define WEBDB_STATEMENT_TIMEOUT_MS 15000
/* Statements kept prepared per connection (by SQL text), so partitioned
 * tables are not planned again for every request. */
#define WEBDB_STMT_CACHE 192
/* Used for PGCONNECT_TIMEOUT when neither the environment nor the conninfo
 * sets connect_timeout: a dead host must not hang a request forever. */
#define WEBDB_CONNECT_TIMEOUT_S "5"

enum webdb_status {
    WEBDB_OK,          /* result is PGRES_TUPLES_OK or PGRES_COMMAND_OK */
    WEBDB_UNAVAILABLE, /* no connection, server shutting down, too many clients */
    WEBDB_SCHEMA,      /* connected, but the schema version is not ours */
    WEBDB_ERROR,       /* the statement failed (a bug or bad data): 500 */
    WEBDB_INVALID,     /* SQLSTATE class 22, a value the server refused (bad cursor): 400 */
};

struct webdb {
    PGconn *conn;              /* NULL only before webdb_open succeeded */
    int schema_ok;             /* last check found the expected version */
    char schema_err[PS_ERRBUF]; /* why schema_ok is 0 */
    char sqlstate[6];          /* SQLSTATE of the last failed statement, "" if none */
    char *stmt_sql[WEBDB_STMT_CACHE]; /* SQL of prepared statement "ps<i>"; owned */
    int nstmts;
    int generic;               /* plan_cache_mode is force_generic_plan now */
};

/* Connects with ps_db_connect and checks the schema. Sets the defaults
 * PGCONNECT_TIMEOUT=5 and PGAPPNAME=packetsight-webapi unless already set. Returns 0, or -1 with
 * err filled (connection refused, or the schema differs); on -1 nothing needs
 * closing. conninfo may be NULL (libpq defaults and PG* variables). */
int webdb_open(struct webdb *db, const char *conninfo, char *err, size_t errlen);

void webdb_close(struct webdb *db);

/* Flags for webdb_query. */
#define WEBDB_ANY_SCHEMA 1 /* run even when the schema check failed */
#define WEBDB_NO_RETRY 2   /* inside a transaction: never reset and retry */
#define WEBDB_GENERIC 4    /* plan once per connection (plan_cache_mode
                              force_generic_plan): for queries whose best plan
                              does not depend on the parameter values */

/* Runs one parameterised statement (text parameters, text results) as a
 * prepared statement of this connection (prepared on first use). If the
 * connection is broken it is reset first; if the statement fails because the
 * connection broke, it is reset and the statement retried once (all callers
 * send idempotent reads). Returns the result on WEBDB_OK (caller PQclear()s),
 * else NULL with *status saying why; details are logged to stderr. */
PGresult *webdb_query(struct webdb *db, const char *sql, int nparams,
                      const char *const *params, int flags, enum webdb_status *status);

/* The connection for statements webapi drives itself (transactions, large
 * objects): reset first when broken. NULL when the server cannot be reached
 * (*status WEBDB_UNAVAILABLE) or the schema is not ours (WEBDB_SCHEMA). */
PGconn *webdb_conn(struct webdb *db, enum webdb_status *status);

/* Classifies a failed result of a statement run on webdb_conn(): logs it,
 * records its SQLSTATE, and returns the status webdb_query would give. */
enum webdb_status webdb_classify(struct webdb *db, const PGresult *r);

/* Records the outcome of a schema version read elsewhere (the health check),
 * so a migration applied while webapi runs is noticed. */
void webdb_note_schema_version(struct webdb *db, int have);

#endif
