/* shipper.h - ships batches into an open transaction from a second thread,
 * so that COPY to PostgreSQL overlaps with dissection. The connection
 * belongs to the shipper between shipper_start() and shipper_finish();
 * the queue is bounded (the producer waits when it is full). */
#ifndef PS_SHIPPER_H
#define PS_SHIPPER_H

#include "batch.h"

#include <stddef.h>

struct shipper;

struct shipper *shipper_start(PGconn *db, int max_queued);
/* Takes over b's buffers. Returns -1 once a COPY has failed. */
int shipper_put(struct shipper *s, struct batch *b);
/* Waits for the queue to drain, joins, frees. Returns 0, or -1 with the
 * first error in err. The connection is the caller's again. */
int shipper_finish(struct shipper *s, char *err, size_t errlen);

#endif
