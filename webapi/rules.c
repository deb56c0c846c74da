/* rules.c - custom detection rules over the rules table of
 * sql/migrations/004_security.sql: GET and POST /api/rules, PATCH and
 * DELETE /api/rules/{id} (API.md, "Detection rules and indicators").
 * Every change bumps detection_config.version through the table's trigger,
 * so captured reloads the rules by itself. Values are checked here against
 * the table's CHECK constraints (so a bad one is a 400 naming the field);
 * a constraint violation the database still finds is a 400 as well. */
#include "columns.h"

#include <stdio.h>
#include <string.h>

#define RULE_BODY_MAX 65536

#define TS(col) SQL_ISO_UTC(col)

static const struct column rule_cols[] = {
    {"id", "r.id", COL_INT},
    {"name", "r.name", COL_STR},
    {"enabled", "r.enabled", COL_BOOL},
    {"severity", "r.severity", COL_STR},
    {"message", "r.message", COL_STR},
    {"cidr", "text(r.cidr)", COL_STR},
    {"port", "r.port", COL_INT},
    {"transport", "r.transport", COL_STR},
    {"app", "r.app", COL_STR},
    {"dns_query", "r.dns_query", COL_STR},
    {"http_host", "r.http_host", COL_STR},
    {"sni", "r.sni", COL_STR},
    {"created_at", TS("r.created_at"), COL_STR},
    {"updated_at", TS("r.updated_at"), COL_STR},
};

static const char *const bools[] = {"true", "false", NULL};
static const char *const severities[] = {"info", "low", "medium", "high", "critical", NULL};
static const char *const transports[] = {"tcp", "udp", "icmp", "icmp6", "sctp", "gre", "esp",
                                         NULL};

static const struct filter rule_filters[] = {
    {"enabled", " AND r.enabled = $?::boolean", FILTER_ENUM, 0, 0, bools},
    {"severity", " AND r.severity = $?", FILTER_ENUM, 0, 0, severities},
    {"q", " AND r.name ILIKE $?", FILTER_LIKE, 0, 0, NULL},
};

static const struct sortkey rule_sorts[] = {
    {"id", "r.id", "bigint"},
};

static const struct list_spec rules_list = {
    .name = "rules", .from = " FROM rules r WHERE true",
    .cols = rule_cols, .ncols = NCOLS(rule_cols),
    .filters = rule_filters, .nfilters = NCOLS(rule_filters),
    .sorts = rule_sorts, .nsorts = NCOLS(rule_sorts), .ntiebreak = 0,
};

void handle_rules(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    list_serve(ctx, req, reply, &rules_list);
}

/* The fields a body may carry, in the order of the INSERT's columns. */
enum ftype { F_TEXT, F_ENUM, F_INET, F_PORT, F_BOOL };

struct rfield {
    const char *name;
    enum ftype type;
    int nullable;
    size_t minlen, maxlen;        /* characters (F_TEXT) */
    const char *const *choices;   /* F_ENUM */
    const char *cast;             /* SQL cast of the parameter */
};

static const struct rfield fields[] = {
    {"name", F_TEXT, 0, 1, 200, NULL, ""},
    {"enabled", F_BOOL, 0, 0, 0, NULL, "::boolean"},
    {"severity", F_ENUM, 0, 0, 0, severities, ""},
    {"message", F_TEXT, 0, 0, 512, NULL, ""},
    {"cidr", F_INET, 1, 0, 0, NULL, "::inet"},
    {"port", F_PORT, 1, 0, 0, NULL, "::integer"},
    {"transport", F_ENUM, 1, 0, 0, transports, ""},
    {"app", F_TEXT, 1, 1, 32, NULL, ""},
    {"dns_query", F_TEXT, 1, 1, 512, NULL, ""},
    {"http_host", F_TEXT, 1, 1, 512, NULL, ""},
    {"sni", F_TEXT, 1, 1, 512, NULL, ""},
};
#define NFIELDS ((int)(sizeof fields / sizeof fields[0]))
#define FIRST_MATCH 4 /* cidr: the first field a rule matches on */

struct rule_in {
    int set[NFIELDS];
    const char *val[NFIELDS]; /* NULL: SQL NULL; strings borrowed from the JSON doc or buf */
    char buf[NFIELDS][QP_INET_LEN];
};

/* Characters (code points) of a valid UTF-8 string. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static void list_choices(char *out, size_t outlen, const char *const *choices)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; choices[i] && used < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? ", " : "", choices[i]);
}

/* Checks one field's value into in; -1 after a 400 naming it. */
static int take(struct rule_in *in, int i, json_t *v, struct http_reply *reply)
{
    const struct rfield *f = &fields[i];
    in->set[i] = 1;
    in->val[i] = NULL;
    if (json_is_null(v)) {
        if (f->nullable)
            return 0;
        http_reply_bad_param(reply, f->name, "may not be null");
        return -1;
    }
    switch (f->type) {
    case F_TEXT: {
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        size_t n = s ? utf8_chars(s) : 0;
        if (!s || strlen(s) != json_string_length(v) || !http_utf8_valid(s, strlen(s)) ||
            n < f->minlen || n > f->maxlen) {
            http_reply_bad_param(reply, f->name,
                                 "must be a string of %zu..%zu characters without control "
                                 "characters%s",
                                 f->minlen, f->maxlen, f->nullable ? ", or null" : "");
            return -1;
        }
        in->val[i] = s;
        return 0;
    }
    case F_ENUM: {
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        for (int k = 0; f->choices[k]; k++)
            if (strcmp(s, f->choices[k]) == 0) {
                in->val[i] = f->choices[k];
                return 0;
            }
        char allowed[128];
        list_choices(allowed, sizeof allowed, f->choices);
        http_reply_bad_param(reply, f->name, "must be one of %s%s", allowed,
                             f->nullable ? ", or null" : "");
        return -1;
    }
    case F_INET:
        if (!json_is_string(v) || parse_inet(json_string_value(v), in->buf[i]) < 0) {
            http_reply_bad_param(reply, f->name,
                                 "must be an address or network (\"10.0.0.0/8\"), or null");
            return -1;
        }
        in->val[i] = in->buf[i];
        return 0;
    case F_PORT:
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535) {
            http_reply_bad_param(reply, f->name, "must be an integer 0..65535, or null");
            return -1;
        }
        snprintf(in->buf[i], sizeof in->buf[i], "%lld", (long long)json_integer_value(v));
        in->val[i] = in->buf[i];
        return 0;
    case F_BOOL:
        if (!json_is_boolean(v)) {
            http_reply_bad_param(reply, f->name, "must be true or false");
            return -1;
        }
        in->val[i] = json_is_true(v) ? "true" : "false";
        return 0;
    }
    return -1;
}

/* Reads the JSON object of the body into in (strings borrowed from *doc,
 * which the caller frees). -1 after an error reply. */
static int parse_rule_body(const struct http_request *req, struct rule_in *in, json_t **doc,
                           struct http_reply *reply)
{
    memset(in, 0, sizeof *in);
    *doc = http_read_json_object(req, reply, RULE_BODY_MAX, 0);
    if (!*doc)
        return -1;
    const char *key;
    json_t *v;
    json_object_foreach(*doc, key, v) {
        int i = 0;
        while (i < NFIELDS && strcmp(key, fields[i].name) != 0)
            i++;
        if (i == NFIELDS) {
            http_reply_bad_param(reply, key, "unknown field (see webapi/API.md)");
            return -1;
        }
        if (take(in, i, v, reply) < 0)
            return -1;
    }
    return 0;
}

/* Appends " RETURNING r.col, ..." for rule_cols. */
static void add_returning(struct sqlq *q)
{
    sqlq_add(q, " RETURNING ");
    for (int i = 0; i < NCOLS(rule_cols); i++) {
        if (i)
            sqlq_add(q, ", ");
        sqlq_add(q, rule_cols[i].sql);
    }
}

static const char match_detail[] =
    "a rule must set at least one of cidr, port, transport, app, dns_query, http_host, sni";

/* Runs the INSERT/UPDATE q (flags for webdb_query); answers the row with `status`, 404 when none,
 * 400 when the database finds a constraint violated. */
static void run_write(struct web_ctx *ctx, struct sqlq *q, int status, long long id, int flags,
                      struct http_reply *reply)
{
    enum webdb_status st = WEBDB_ERROR;
    PGresult *r = q->failed ? NULL
                            : webdb_query(&ctx->db, q->sql, q->nparams, sqlq_params(q), flags,
                                          &st);
    if (!r) {
        if (st == WEBDB_ERROR && strncmp(ctx->db.sqlstate, "23", 2) == 0)
            http_reply_fail(reply, 400, "invalid parameter", "%s",
                            strcmp(ctx->db.sqlstate, "23514") == 0
                                ? match_detail
                                : "the rule violates a constraint of the rules table");
        else
            handler_db_failure(ctx, st, reply);
        return;
    }
    if (PQntuples(r) == 0)
        http_reply_fail(reply, 404, "not found", "rule %lld does not exist", id);
    else
        http_reply_set(reply, status, list_row_json(r, 0, rule_cols, NCOLS(rule_cols)));
    PQclear(r);
}

void handle_rule_create(struct web_ctx *ctx, const struct http_request *req,
                        struct http_reply *reply)
{
    static struct rule_in in;
    struct qparams qp;
    json_t *doc = NULL;
    if (qp_parse(&qp, req->query, NULL, reply) < 0)
        return;
    qp_free(&qp);
    if (parse_rule_body(req, &in, &doc, reply) < 0)
        goto done;
    if (!in.set[0]) {
        http_reply_bad_param(reply, "name", "required");
        goto done;
    }
    int matches = 0;
    for (int i = FIRST_MATCH; i < NFIELDS; i++)
        matches += in.val[i] != NULL;
    if (!matches) {
        http_reply_fail(reply, 400, "invalid parameter", "%s", match_detail);
        goto done;
    }
    struct sqlq q;
    sqlq_init(&q);
    sqlq_add(&q, "INSERT INTO rules AS r (");
    int n = 0;
    for (int i = 0; i < NFIELDS; i++)
        if (in.set[i]) {
            sqlq_add(&q, n++ ? ", " : "");
            sqlq_add(&q, fields[i].name); /* a constant of the table above */
        }
    sqlq_add(&q, ") VALUES (");
    n = 0;
    for (int i = 0; i < NFIELDS; i++)
        if (in.set[i]) {
            sqlq_add(&q, n++ ? ", " : "");
            sqlq_addv(&q, "$?", in.val[i]);
            sqlq_add(&q, fields[i].cast);
        }
    sqlq_add(&q, ")");
    add_returning(&q);
    /* An INSERT is not retried on a broken connection (it could run twice),
     * so first make sure the connection still works: a SELECT may be retried. */
    enum webdb_status st;
    PGresult *ping = webdb_query(&ctx->db, "SELECT 1", 0, NULL, 0, &st);
    if (!ping)
        handler_db_failure(ctx, st, reply);
    else
        run_write(ctx, &q, 201, 0, WEBDB_NO_RETRY, reply);
    PQclear(ping);
    sqlq_free(&q);
done:
    json_decref(doc);
}

void handle_rule_update(struct web_ctx *ctx, const struct http_request *req,
                        struct http_reply *reply)
{
    static struct rule_in in;
    json_t *doc = NULL;
    char ids[PATH_ID_TEXT];
    long long id = path_id(req, reply, "rule", ids);
    if (!id)
        return;
    if (parse_rule_body(req, &in, &doc, reply) < 0)
        goto done;
    struct sqlq q;
    sqlq_init(&q);
    sqlq_add(&q, "UPDATE rules AS r SET ");
    int n = 0;
    for (int i = 0; i < NFIELDS; i++)
        if (in.set[i]) {
            sqlq_add(&q, n++ ? ", " : "");
            sqlq_add(&q, fields[i].name);
            sqlq_addv(&q, " = $?", in.val[i]);
            sqlq_add(&q, fields[i].cast);
        }
    if (n == 0) {
        sqlq_free(&q);
        http_reply_fail(reply, 400, "invalid body",
                        "give at least one field to change (see webapi/API.md)");
        goto done;
    }
    sqlq_addi(&q, " WHERE r.id = $?::bigint", id);
    add_returning(&q);
    run_write(ctx, &q, 200, id, 0, reply); /* setting the same values twice is harmless */
    sqlq_free(&q);
done:
    json_decref(doc);
}

void handle_rule_get(struct web_ctx *ctx, const struct http_request *req,
                     struct http_reply *reply)
{
    char ids[PATH_ID_TEXT];
    long long id = path_id(req, reply, "rule", ids);
    if (!id)
        return;
    const char *params[1] = {ids};
    json_t *items = query_items(ctx, reply, rule_cols, NCOLS(rule_cols),
                                " FROM rules r WHERE r.id = $1::bigint", 1, params);
    if (!items)
        return;
    if (json_array_size(items) == 0)
        http_reply_fail(reply, 404, "not found", "rule %lld does not exist", id);
    else
        http_reply_set(reply, 200, json_incref(json_array_get(items, 0)));
    json_decref(items);
}

void handle_rule_delete(struct web_ctx *ctx, const struct http_request *req,
                        struct http_reply *reply)
{
    char ids[PATH_ID_TEXT];
    long long id = path_id(req, reply, "rule", ids);
    if (!id)
        return;
    const char *params[1] = {ids};
    enum webdb_status st;
    /* Retried on a broken connection: a second DELETE finds nothing (404). */
    PGresult *r = webdb_query(&ctx->db, "DELETE FROM rules WHERE id = $1::bigint RETURNING id",
                              1, params, 0, &st);
    if (!r) {
        handler_db_failure(ctx, st, reply);
        return;
    }
    if (PQntuples(r) == 0)
        http_reply_fail(reply, 404, "not found", "rule %lld does not exist", id);
    else
        http_reply_set(reply, 200, json_pack("{s:I}", "deleted", (json_int_t)id));
    PQclear(r);
}
