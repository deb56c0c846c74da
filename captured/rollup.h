/* rollup.h - the rollups of one file capture (host_rollup, port_rollup,
 * service_rollup of sql/migrations/003_api.sql) summed in memory from the
 * flow rows as they are written, and handed to PostgreSQL once at the end
 * (ps_rollup_supply, sql/migrations/006_ingest.sql) instead of PostgreSQL
 * reading the capture's flows again when it is marked done.
 *
 * The sums are exactly what ps_rollup_hosts_sql() and ps_rollup_add_sql()
 * compute from the same rows: every flow counts for both of its addresses,
 * last_ts is the flow start plus its duration as stored. Past a cap on
 * hosts (or ports, services) the rollup gives up and says so: the database
 * then recomputes as before. */
#ifndef PS_ROLLUP_H
#define PS_ROLLUP_H

#include "flow.h"
#include "flow_export.h"

#include <libpq-fe.h>
#include <stddef.h>

struct rollup;

/* NULL when out of memory. max_hosts 0: the default cap (262144). */
struct rollup *rollup_new(size_t max_hosts);
void rollup_free(struct rollup *r); /* NULL: no-op */

/* Adds one flow row, as dbwriter writes it (x from flow_export()). */
void rollup_add_flow(struct rollup *r, const struct flow_export *x, const struct flow *f);

/* 1 while every row so far is summed (no cap reached, no allocation failed). */
int rollup_usable(const struct rollup *r);
size_t rollup_hosts(const struct rollup *r);

/* Inside the caller's open transaction: stages the sums and supplies them
 * as the rollups of file capture capture_id (still running). Returns 1 when
 * supplied, 0 when the database declined (the done trigger then rebuilds),
 * -1 on a database error (err filled; the transaction must roll back). */
int rollup_supply(PGconn *db, const struct rollup *r, uint64_t capture_id, char *err,
                  size_t errlen);

#endif
