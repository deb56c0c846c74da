/* db.h - PostgreSQL helpers shared by captured and webapi: connect, schema
 * version check, migrations. Every function writes a one-line reason into
 * the caller's err buffer (size PS_ERRBUF) on failure and never prints. */
#ifndef PS_DB_H
#define PS_DB_H

#include <libpq-fe.h>
#include <stddef.h>

#define PS_ERRBUF 512

/* Schema version these binaries were built for (highest embedded migration). */
int ps_schema_version_expected(void);

/* Connects; returns NULL and fills err on failure. Caller PQfinish()es. The
 * connection string never appears in err (it may hold a password). */
PGconn *ps_db_connect(const char *conninfo, char *err, size_t errlen);

/* Reads the applied schema version: >= 0 on success, 0 when no migration
 * table exists yet, -1 on a query error (err filled). */
int ps_db_schema_version(PGconn *db, char *err, size_t errlen);

/* 0 when the database holds exactly the expected version; else -1 with a
 * message saying which version was found and what to run. */
int ps_db_check_schema(PGconn *db, char *err, size_t errlen);

/* Applies every missing migration, each in its own transaction, recording it
 * in schema_migrations. Returns the number applied, or -1 (err filled);
 * refuses a database newer than this binary. *applied_to gets the version. */
int ps_db_migrate(PGconn *db, int *applied_to, char *err, size_t errlen);

/* Runs one fixed statement (BEGIN, COMMIT, a call without arguments, a
 * migration's script): sql is never built from values, which go as
 * parameters through PQexecParams. 0 when it completed (with or without
 * rows), else -1 with err = "what: the server's message". */
int ps_db_exec(PGconn *db, const char *sql, const char *what, char *err, size_t errlen);

/* Finds a connection string: explicit value, else getenv(envname), else NULL. */
const char *ps_db_conninfo(const char *explicit_value, const char *envname);

#endif
