/* lists_events.c - GET /api/dns, /api/http, /api/tls and /api/alerts
 * (API.md, "Lists"). Event rows have no key of their own: pages are keyed
 * by (ts, tableoid, ctid), stable because events are never updated. */
#include "columns.h"

#define TS(col) SQL_ISO_UTC(col)
#define ENDPOINTS(a)                                                          \
    {"uid", a ".uid", COL_STR}, {"community_id", a ".community_id", COL_STR}, \
        {"orig_h", "host(" a ".orig_h)", COL_STR}, {"orig_p", a ".orig_p", COL_INT}, \
        {"resp_h", "host(" a ".resp_h)", COL_STR}, { "resp_p", a ".resp_p", COL_INT }
#define COMMON_FILTERS(a)                                                               \
    {"capture", " AND " a ".capture_id = $?::bigint", FILTER_ID, 0, 0, NULL},           \
        {"from", " AND " a ".ts >= $?::timestamptz", FILTER_TIME, 0, 0, NULL},           \
        {"to", " AND " a ".ts < $?::timestamptz", FILTER_TIME, 0, 0, NULL},              \
        {"host", " AND (" a ".orig_h <<= $?::inet OR " a ".resp_h <<= $?::inet)",        \
         FILTER_INET, 0, 0, NULL},                                                       \
        {"port", " AND (" a ".orig_p = $?::integer OR " a ".resp_p = $?::integer)",      \
         FILTER_PORT, 0, 0, NULL}
#define EVENT_SPEC(a) \
    .tiebreak = {a ".tableoid", a ".ctid"}, .tiebreak_cast = {"oid", "tid"}, .ntiebreak = 2

const struct column dns_cols[] = {
    {"capture_id", "d.capture_id", COL_INT}, {"ts", TS("d.ts"), COL_STR}, ENDPOINTS("d"),
    {"proto", "d.proto", COL_STR},           {"trans_id", "d.trans_id", COL_INT},
    {"rtt", "d.rtt", COL_REAL},              {"query", "d.query", COL_STR},
    {"qclass", "d.qclass", COL_INT},         {"qtype", "d.qtype", COL_INT},
    {"qtype_name", "d.qtype_name", COL_STR}, {"rcode", "d.rcode", COL_INT},
    {"rcode_name", "d.rcode_name", COL_STR}, {"aa", "d.aa", COL_BOOL},
    {"tc", "d.tc", COL_BOOL},                {"rd", "d.rd", COL_BOOL},
    {"ra", "d.ra", COL_BOOL},                {"answers", "to_json(d.answers)", COL_JSON},
    {"ttls", "to_json(d.ttls)", COL_JSON},   {"rejected", "d.rejected", COL_BOOL},
};
const int dns_ncols = NCOLS(dns_cols);

static const struct filter dns_filters[] = {
    COMMON_FILTERS("d"),
    {"transport", " AND d.proto = $?", FILTER_TOKEN, 0, 16, NULL},
    {"q", " AND d.query ILIKE $?", FILTER_LIKE, 0, 0, NULL},
    {"qtype", " AND d.qtype_name = $?", FILTER_TOKEN, 0, 16, NULL},
    {"rcode", " AND d.rcode_name = $?", FILTER_TOKEN, 0, 16, NULL},
};

static const struct sortkey dns_sorts[] = {
    {"ts", "d.ts", "timestamptz"},
    {"rtt", "coalesce(d.rtt, -1)", "float8"},
};

static const struct list_spec dns_list = {
    .name = "dns", .from = " FROM dns d WHERE true",
    .cols = dns_cols, .ncols = NCOLS(dns_cols),
    .filters = dns_filters, .nfilters = NCOLS(dns_filters),
    .sorts = dns_sorts, .nsorts = NCOLS(dns_sorts), EVENT_SPEC("d"),
};

const struct column http_cols[] = {
    {"capture_id", "h.capture_id", COL_INT},
    {"ts", TS("h.ts"), COL_STR},
    ENDPOINTS("h"),
    {"trans_depth", "h.trans_depth", COL_INT},
    {"method", "h.method", COL_STR},
    {"host", "h.host", COL_STR},
    {"uri", "h.uri", COL_STR},
    {"referrer", "h.referrer", COL_STR},
    {"version", "h.version", COL_STR},
    {"user_agent", "h.user_agent", COL_STR},
    {"request_body_len", "h.request_body_len", COL_INT},
    {"response_body_len", "h.response_body_len", COL_INT},
    {"status_code", "h.status_code", COL_INT},
    {"status_msg", "h.status_msg", COL_STR},
    {"info_code", "h.info_code", COL_INT},
    {"resp_mime_types", "to_json(h.resp_mime_types)", COL_JSON},
    {"rtt", "h.rtt", COL_REAL},
};
const int http_ncols = NCOLS(http_cols);

static const struct filter http_filters[] = {
    COMMON_FILTERS("h"),
    {"q", " AND (h.host ILIKE $? OR h.uri ILIKE $?)", FILTER_LIKE, 0, 0, NULL},
    {"method", " AND h.method = $?", FILTER_TOKEN, 0, 16, NULL},
    {"status_code", " AND h.status_code = $?::integer", FILTER_INT, 100, 999, NULL},
};

static const struct sortkey http_sorts[] = {
    {"ts", "h.ts", "timestamptz"},
    {"status_code", "coalesce(h.status_code, 0)", "integer"},
    {"response_body_len", "coalesce(h.response_body_len, -1)", "bigint"},
};

static const struct list_spec http_list = {
    .name = "http", .from = " FROM http h WHERE true",
    .cols = http_cols, .ncols = NCOLS(http_cols),
    .filters = http_filters, .nfilters = NCOLS(http_filters),
    .sorts = http_sorts, .nsorts = NCOLS(http_sorts), EVENT_SPEC("h"),
};

const struct column tls_cols[] = {
    {"capture_id", "t.capture_id", COL_INT},  {"ts", TS("t.ts"), COL_STR}, ENDPOINTS("t"),
    {"transport", "t.transport", COL_STR},    {"version", "t.version", COL_STR},
    {"cipher", "t.cipher", COL_STR},          {"server_name", "t.server_name", COL_STR},
    {"alpn", "to_json(t.alpn)", COL_JSON},    {"ja3", "t.ja3", COL_STR},
    {"ja4", "t.ja4", COL_STR},                {"established", "t.established", COL_BOOL},
};
const int tls_ncols = NCOLS(tls_cols);

static const struct filter tls_filters[] = {
    COMMON_FILTERS("t"),
    {"transport", " AND t.transport = $?", FILTER_TOKEN, 0, 16, NULL},
    {"q", " AND t.server_name ILIKE $?", FILTER_LIKE, 0, 0, NULL},
    {"version", " AND t.version = $?", FILTER_TOKEN, 0, 16, NULL},
};

static const struct sortkey tls_sorts[] = {
    {"ts", "t.ts", "timestamptz"},
    {"server_name", "coalesce(t.server_name, '')", "text"},
};

static const struct list_spec tls_list = {
    .name = "tls", .from = " FROM tls t WHERE true",
    .cols = tls_cols, .ncols = NCOLS(tls_cols),
    .filters = tls_filters, .nfilters = NCOLS(tls_filters),
    .sorts = tls_sorts, .nsorts = NCOLS(tls_sorts), EVENT_SPEC("t"),
};

#define SEVERITY_RANK(x) "array_position(ARRAY['info','low','medium','high','critical'], " x ")"
static const char *const severities[] = {"info", "low", "medium", "high", "critical", NULL};

const struct column alert_cols[] = {
    {"id", "a.id", COL_INT},
    {"capture_id", "a.capture_id", COL_INT},
    {"ts", TS("a.ts"), COL_STR},
    {"kind", "a.kind", COL_STR},
    {"key", "a.key", COL_STR},
    {"severity", "a.severity", COL_STR},
    {"src", "host(a.src)", COL_STR},
    {"dst", "host(a.dst)", COL_STR},
    {"summary", "a.summary", COL_STR},
    {"evidence", "to_json(a.evidence)", COL_JSON},
    {"count", "a.count", COL_INT},
    {"first_seen", TS("a.first_seen"), COL_STR},
    {"last_seen", TS("a.last_seen"), COL_STR},
};
const int alert_ncols = NCOLS(alert_cols);

static const struct filter alert_filters[] = {
    {"capture", " AND a.capture_id = $?::bigint", FILTER_ID, 0, 0, NULL},
    {"from", " AND a.ts >= $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"to", " AND a.ts < $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"host", " AND (a.src <<= $?::inet OR a.dst <<= $?::inet)", FILTER_INET, 0, 0, NULL},
    {"q", " AND (a.summary ILIKE $? OR a.kind ILIKE $?)", FILTER_LIKE, 0, 0, NULL},
    {"kind", " AND a.kind = $?", FILTER_TOKEN, 0, 64, NULL},
    {"severity", " AND " SEVERITY_RANK("a.severity") " >= " SEVERITY_RANK("$?::text"),
     FILTER_ENUM, 0, 0, severities},
};

static const struct sortkey alert_sorts[] = {
    {"ts", "a.ts", "timestamptz"},
    {"severity", SEVERITY_RANK("a.severity"), "integer"},
    {"count", "a.count", "bigint"},
};

static const struct list_spec alerts_list = {
    .name = "alerts", .from = " FROM alerts a WHERE true",
    .cols = alert_cols, .ncols = NCOLS(alert_cols),
    .filters = alert_filters, .nfilters = NCOLS(alert_filters),
    .sorts = alert_sorts, .nsorts = NCOLS(alert_sorts),
    .tiebreak = {"a.id"}, .tiebreak_cast = {"bigint"}, .ntiebreak = 1,
};

void handle_dns(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    list_serve(ctx, req, reply, &dns_list);
}

void handle_http(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    list_serve(ctx, req, reply, &http_list);
}

void handle_tls(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    list_serve(ctx, req, reply, &tls_list);
}

void handle_alerts(struct web_ctx *ctx, const struct http_request *req,
                   struct http_reply *reply)
{
    list_serve(ctx, req, reply, &alerts_list);
}
