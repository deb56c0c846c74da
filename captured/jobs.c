/* jobs.c - claiming upload jobs and supervising their worker processes. */
#include "jobs.h"

#include "log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int job_child_main(const struct options *o, int sensor_id, long long job_id,
                   const char *worker, int attempts); /* job_worker.c */

int jobs_claim_and_run(PGconn *ctl, const struct options *o, int sensor_id,
                       struct job_slot *slot)
{
    static unsigned seq;
    char host[64] = "", worker[96], lease[32];
    gethostname(host, sizeof host - 1);
    snprintf(worker, sizeof worker, "%s:%d:%u", host, (int)getpid(), ++seq);
    snprintf(lease, sizeof lease, "%d seconds", o->lease_s);
    const char *params[2] = {worker, lease};
    PGresult *r = PQexecParams(ctl, "SELECT id, attempts FROM ps_claim_job($1, $2::interval)",
                               2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        log_warn("claiming a job: %s", PQerrorMessage(ctl));
        PQclear(r);
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    long long id = atoll(PQgetvalue(r, 0, 0));
    int attempts = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        log_after_fork();
        _exit(job_child_main(o, sensor_id, id, worker, attempts));
    }
    if (pid < 0) {
        log_error("job %lld: fork: %s", id, strerror(errno));
        return -1;
    }
    slot->pid = pid;
    slot->job_id = id;
    snprintf(slot->worker, sizeof slot->worker, "%s", worker);
    log_info("job %lld: worker %d started (attempt %d)", id, (int)pid, attempts);
    return 1;
}

/* Lets another worker take the job now instead of after the lease. */
static void release_lease(PGconn *ctl, const struct job_slot *s)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", s->job_id);
    const char *params[2] = {id, s->worker};
    PQclear(PQexecParams(ctl,
                         "UPDATE jobs SET lease_until = now() WHERE id = $1 AND worker = $2"
                         " AND state = 'running'",
                         2, NULL, params, NULL, NULL, 0));
}

void jobs_reap(PGconn *ctl, struct job_slot *slots, int n)
{
    for (int i = 0; i < n; i++) {
        int status;
        if (!slots[i].pid || waitpid(slots[i].pid, &status, WNOHANG) != slots[i].pid)
            continue;
        if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0)) {
            log_warn("job %lld: worker %d ended abnormally (%s %d): job will be retried",
                     slots[i].job_id, (int)slots[i].pid,
                     WIFSIGNALED(status) ? "signal" : "exit",
                     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            if (ctl)
                release_lease(ctl, &slots[i]);
        } else {
            log_info("job %lld: worker %d finished", slots[i].job_id, (int)slots[i].pid);
        }
        slots[i].pid = 0;
    }
}
