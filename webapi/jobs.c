/* jobs.c - GET /api/jobs and /api/jobs/{id}: uploads and their analysis
 * (API.md, "Lists"; the daemon's job worker fills progress and state). */
#include "columns.h"

#include <stdio.h>

#define TS(col) SQL_ISO_UTC(col)

const struct column job_cols[] = {
    {"id", "j.id", COL_INT},
    {"state", "j.state", COL_STR},
    {"file_name", "j.file_name", COL_STR},
    {"size", "j.size", COL_INT},
    {"sha256", "j.sha256", COL_STR},
    {"options", "j.options::text", COL_JSON},
    {"bytes_done", "j.bytes_done", COL_INT},
    {"packets_done", "j.packets_done", COL_INT},
    {"progress", "CASE WHEN j.state = 'done' THEN 1.0::float8 WHEN j.size > 0"
                 " THEN least(1.0, round((j.bytes_done::numeric / j.size), 4))::float8"
                 " ELSE 0.0::float8 END", COL_REAL},
    {"error", "j.error", COL_STR},
    {"attempts", "j.attempts", COL_INT},
    {"max_attempts", "j.max_attempts", COL_INT},
    {"capture_id", "j.capture_id", COL_INT},
    {"created_at", TS("j.created_at"), COL_STR},
    {"started_at", TS("j.started_at"), COL_STR},
    {"finished_at", TS("j.finished_at"), COL_STR},
};
const int job_ncols = NCOLS(job_cols);

static const char *const states[] = {"queued", "running", "done", "failed", NULL};

static const struct filter job_filters[] = {
    {"state", " AND j.state = $?", FILTER_ENUM, 0, 0, states},
    {"capture", " AND j.capture_id = $?::bigint", FILTER_ID, 0, 0, NULL},
};

static const struct sortkey job_sorts[] = {
    {"id", "j.id", "bigint"},
};

static const struct list_spec jobs_list = {
    .name = "jobs", .from = " FROM jobs j WHERE true",
    .cols = job_cols, .ncols = NCOLS(job_cols),
    .filters = job_filters, .nfilters = NCOLS(job_filters),
    .sorts = job_sorts, .nsorts = NCOLS(job_sorts), .ntiebreak = 0,
};

void handle_jobs(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    list_serve(ctx, req, reply, &jobs_list);
}

void handle_job_get(struct web_ctx *ctx, const struct http_request *req,
                    struct http_reply *reply)
{
    char ids[PATH_ID_TEXT];
    long long id = path_id(req, reply, "job", ids);
    if (!id)
        return;
    const char *params[1] = {ids};
    json_t *items = query_items(ctx, reply, job_cols, job_ncols,
                                " FROM jobs j WHERE j.id = $1::bigint", 1, params);
    if (!items)
        return;
    if (json_array_size(items) == 0)
        http_reply_fail(reply, 404, "not found", "job %lld does not exist", id);
    else
        http_reply_set(reply, 200, json_incref(json_array_get(items, 0)));
    json_decref(items);
}
