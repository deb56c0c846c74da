/* batch.h - a set of COPY buffers, one per table, that ships to PostgreSQL
 * in one go (inside the caller's transaction). */
#ifndef PS_BATCH_H
#define PS_BATCH_H

#include "copybuf.h"

#include <libpq-fe.h>

/* T_ALERTS rows are staged in a temporary table and merged into alerts
 * (deduplicated per capture, kind, key): sql ps_alerts_merge(). Adding it
 * changed the spool file layout: spool files of older builds are skipped.
 * dbwriter writes T_PACKETS rows in binary COPY format (copyb_*), the
 * others in text; each buffer says which (copybuf.binary). */
enum batch_table { T_FLOWS, T_PACKETS, T_TRAFFIC, T_DNS, T_HTTP, T_TLS, T_ALERTS, T_COUNT };

struct batch {
    struct copybuf buf[T_COUNT];
    struct batch *next; /* queue link (writer.c) */
};

void batch_init(struct batch *b);
void batch_free_bufs(struct batch *b);
size_t batch_bytes(const struct batch *b);
size_t batch_rows(const struct batch *b);

/* COPYs one table's rows (partitions ensured first). 0, or -1 with err
 * filled; every PQgetResult is read either way. The buffer is left as is. */
int batch_ship_table(PGconn *db, enum batch_table t, const struct copybuf *buf, char *err,
                     size_t errlen);
/* Runs one COPY ... FROM STDIN statement (given without a format: WITH
 * (FORMAT binary) is added when buf->binary) with buf's rows; nothing when
 * it has none. 0, or -1 with err filled; every PQgetResult is read. */
int batch_copy(PGconn *db, const char *copy_sql_text, const struct copybuf *buf, char *err,
               size_t errlen);
/* Ships every table. 0 or -1 (err). */
int batch_ship(PGconn *db, const struct batch *b, char *err, size_t errlen);

/* Writes/reads a batch to/from a spool file (a version tag, then the COPY
 * data of each table, length-prefixed, text or binary). batch_load also
 * reads the untagged files of older builds (all text). 0 or -1: a file of
 * any other layout is refused (the writer skips it and says so). */
int batch_save(const struct batch *b, const char *path);
int batch_load(struct batch *b, const char *path);

#endif
