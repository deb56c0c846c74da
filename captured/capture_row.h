/* capture_row.h - the captures row of a file analysis: inserted at the
 * start and completed at the end of the caller's transaction. */
#ifndef PS_CAPTURE_ROW_H
#define PS_CAPTURE_ROW_H

#include "detect.h"
#include "pipeline.h"

#include <libpq-fe.h>
#include <stdint.h>

struct capture_new {
    const char *kind;      /* "file" or "live" */
    const char *source;    /* file name or interface */
    const char *sha256;    /* NULL for live */
    const char *filter;    /* "" for none */
    const char *interface; /* live only */
    int64_t job_id;        /* 0 = none */
    int sensor_id;         /* <= 0 = none */
};

/* Returns the new capture id, or 0 with err filled. */
uint64_t capture_insert(PGconn *db, const struct capture_new *c, char *err, size_t errlen);
/* Sets the file's sha256 (computed alongside the analysis). 0 or -1. */
int capture_set_sha256(PGconn *db, uint64_t id, const char *sha, char *err, size_t errlen);
/* Marks a file capture done with the pipeline's totals. 0 or -1. */
int capture_finish_file(PGconn *db, uint64_t id, struct ps_pipeline *p, char *err,
                        size_t errlen);

struct analyse_req {
    const char *path;
    uint64_t capture_id;
    int policy;             /* enum packet_policy */
    uint32_t first_n;
    const struct flow_config *flow;
    struct ps_read_opts ro;
    const struct detect_config *detect; /* NULL or disabled: no detection */
};

/* Runs a file through the pipeline into the caller's open transaction and
 * completes its captures row. With detection on, the rules and indicators
 * in the database at the start apply to the whole file. Returns 0, 2 for bad input (the file), 1 for
 * a database failure; err filled either way. *out_p gets the pipeline
 * (caller frees) for its counters. */
int analyse_into_db(PGconn *db, const struct analyse_req *r, struct ps_pipeline **out_p,
                    char *err, size_t errlen);

#endif
