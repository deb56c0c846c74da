/* migrations.h - the schema migrations compiled into every binary. */
#ifndef PS_MIGRATIONS_H
#define PS_MIGRATIONS_H

struct migration {
    int version;      /* NNN of sql/migrations/NNN_name.sql */
    const char *name; /* file name without .sql */
    const char *sql;  /* whole file, applied in one transaction */
};

extern const struct migration ps_migrations[]; /* sorted by version */
extern const int ps_migration_count;

#endif
