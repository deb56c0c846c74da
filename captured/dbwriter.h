/* dbwriter.h - a pipeline sink that writes flows, packets, traffic buckets
 * and application events to PostgreSQL with COPY, inside the caller's
 * transaction. Rows are buffered per table and shipped when a buffer grows
 * past its batch size, and at dbwriter_flush(). */
#ifndef PS_DBWRITER_H
#define PS_DBWRITER_H

#include "pipeline.h"

#include <libpq-fe.h>

enum packet_policy { PACKETS_ALL = 0, PACKETS_NONE, PACKETS_FIRST_N };

struct dbwriter;

struct batch;

/* db is borrowed; with db NULL the writer only buffers rows and the caller
 * takes them with dbwriter_take() (live capture hands them to the writer
 * thread). first_n is used with PACKETS_FIRST_N (per flow). */
struct dbwriter *dbwriter_new(PGconn *db, uint64_t capture_id, enum packet_policy policy,
                              uint32_t first_n);
void dbwriter_free(struct dbwriter *w);

/* The sink to give ps_pipeline_new(); ctx is w. */
struct ps_sink dbwriter_sink(struct dbwriter *w);

/* Ships every buffered row. 0 on success; -1 once anything failed (the
 * first error is kept: dbwriter_error()). After a failure the writer drops
 * rows and the caller must roll back. */
int dbwriter_flush(struct dbwriter *w);
const char *dbwriter_error(const struct dbwriter *w);
/* Moves the buffered rows into *out (which the caller then owns); returns 0
 * when there was nothing to take. */
int dbwriter_take(struct dbwriter *w, struct batch *out);
size_t dbwriter_pending_bytes(const struct dbwriter *w);
/* Without a connection: hands every full batch (a few MiB) to fn, which
 * takes over its buffers (the file reader's shipper thread). */
void dbwriter_set_handoff(struct dbwriter *w, void (*fn)(void *ctx, struct batch *b), void *ctx);
uint64_t dbwriter_rows(const struct dbwriter *w);
struct rollup;
/* Every flow row written is also added to r (borrowed; NULL: none). */
void dbwriter_set_rollup(struct dbwriter *w, struct rollup *r);

#endif
