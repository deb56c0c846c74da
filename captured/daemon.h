/* daemon.h - state of the running sensor, shared by daemon.c (main loop,
 * heartbeat, retention) and control.c (start/stop requests). */
#ifndef PS_DAEMON_H
#define PS_DAEMON_H

#include "jobs.h"
#include "live.h"
#include "options.h"
#include "writer.h"

#include <libpq-fe.h>

#define MAX_LIVE 8
#define MAX_JOB_WORKERS 16

struct daemon {
    struct options *o;
    PGconn *ctl;              /* control connection: LISTEN, requests, heartbeat */
    int sensor_id;
    struct writer *wr;
    struct live *lives[MAX_LIVE];
    struct job_slot jobs[MAX_JOB_WORKERS];
    int poll_requests, poll_jobs;
};

/* Handles pending start/stop requests for this sensor; answers each.
 * Returns how many were handled. */
int control_handle_requests(struct daemon *d);
/* Starts a live capture; fills err on failure. Returns the capture id or 0. */
unsigned long long control_start(struct daemon *d, const struct live_spec *spec, char *err,
                                 size_t errlen);
/* Parses "IFACE [filter=...] [snaplen=N] [promisc=0|1] [buffer_mb=N]". */
int control_parse_spec(const char *text, struct live_spec *spec);
void control_stop_all(struct daemon *d);

#endif
