/* writer.h - the live-capture writer thread. It owns its own database
 * connection and ships batches in order, one transaction each. When
 * PostgreSQL is away, batches wait in a bounded memory queue, then in a
 * spool directory, and are replayed in order once it returns (capped
 * exponential backoff). What cannot be kept is counted, never silent. */
#ifndef PS_WRITER_H
#define PS_WRITER_H

#include "batch.h"

#include <stddef.h>
#include <stdint.h>

struct capture_totals {
    uint64_t packets, bytes, flows, drops, malformed;
    int64_t first_us, last_us;
    int failed;
    char error[256];
};

struct writer_stats {
    uint64_t committed_batches, committed_rows;
    uint64_t queued_bytes, queued_items;
    uint64_t spooled_files, dropped_batches, dropped_rows;
    int connected;
};

struct writer;

/* Starts the thread; NULL on failure. spool_dir may be NULL (no spool). */
struct writer *writer_start(const char *conninfo, size_t queue_bytes, const char *spool_dir);
/* Takes over b's buffers (b is left empty). */
void writer_put_batch(struct writer *w, struct batch *b);
/* Marks a live capture finished with its totals (after its batches). */
void writer_put_finish(struct writer *w, uint64_t capture_id, const struct capture_totals *t);
void writer_get_stats(struct writer *w, struct writer_stats *out);
/* Drains for at most timeout_s, spools or counts the rest, joins, frees. */
void writer_stop(struct writer *w, int timeout_s);

#endif
