/* cmd_db.c - captured --migrate and --check-schema. */
#include "commands.h"
#include "db.h"

#include <stdio.h>

int cmd_migrate(const struct options *o)
{
    char err[PS_ERRBUF];
    PGconn *db = ps_db_connect(o->db, err, sizeof err);
    if (!db) {
        fprintf(stderr, "captured: %s\n", err);
        return 1;
    }
    int version = 0;
    int applied = ps_db_migrate(db, &version, err, sizeof err);
    PQfinish(db);
    if (applied < 0) {
        fprintf(stderr, "captured: %s\n", err);
        return 1;
    }
    printf("schema at version %d (applied %d)\n", version, applied);
    return 0;
}

int cmd_check_schema(const struct options *o)
{
    char err[PS_ERRBUF];
    PGconn *db = ps_db_connect(o->db, err, sizeof err);
    if (!db) {
        fprintf(stderr, "captured: %s\n", err);
        return 1;
    }
    int rc = ps_db_check_schema(db, err, sizeof err);
    PQfinish(db);
    if (rc < 0) {
        fprintf(stderr, "captured: %s\n", err);
        return 1;
    }
    printf("ok schema=%d\n", ps_schema_version_expected());
    return 0;
}
