/* jobs.h - upload jobs: the daemon claims queued jobs (lease, attempts) and
 * runs each in a child process with no capabilities, which reads the
 * upload's large object and analyses it in one transaction: a job's rows
 * appear whole or not at all, and a retried job never doubles them. */
#ifndef PS_JOBS_H
#define PS_JOBS_H

#include "options.h"

#include <libpq-fe.h>
#include <sys/types.h>

struct job_slot {
    pid_t pid;          /* 0 = free */
    long long job_id;
    char worker[96];
};

/* Claims one job with ctl and forks a worker into slot; returns 1 if a job
 * was started, 0 if none was runnable, -1 on a database error. */
int jobs_claim_and_run(PGconn *ctl, const struct options *o, int sensor_id,
                       struct job_slot *slot);
/* Reaps finished workers; a worker that died makes its job claimable at
 * once (its lease is cut). */
void jobs_reap(PGconn *ctl, struct job_slot *slots, int n);

#endif
