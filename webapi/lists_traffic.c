/* lists_traffic.c - GET /api/flows and /api/packets (API.md, "Lists"). */
#include "columns.h"

#define TS(col) SQL_ISO_UTC(col)

static const char *const conn_states[] = {"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO",
                                          "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH", NULL};

const struct column flow_cols[] = {
    {"capture_id", "f.capture_id", COL_INT},     {"ts", TS("f.ts"), COL_STR},
    {"uid", "f.uid", COL_STR},                   {"community_id", "f.community_id", COL_STR},
    {"orig_h", "host(f.orig_h)", COL_STR},       {"orig_p", "f.orig_p", COL_INT},
    {"resp_h", "host(f.resp_h)", COL_STR},       {"resp_p", "f.resp_p", COL_INT},
    {"proto", "f.proto", COL_STR},               {"service", "f.service", COL_STR},
    {"duration", "f.duration", COL_REAL},        {"orig_bytes", "f.orig_bytes", COL_INT},
    {"resp_bytes", "f.resp_bytes", COL_INT},     {"conn_state", "f.conn_state", COL_STR},
    {"history", "f.history", COL_STR},           {"orig_pkts", "f.orig_pkts", COL_INT},
    {"orig_ip_bytes", "f.orig_ip_bytes", COL_INT}, {"resp_pkts", "f.resp_pkts", COL_INT},
    {"resp_ip_bytes", "f.resp_ip_bytes", COL_INT}, {"orig_l2_bytes", "f.orig_l2_bytes", COL_INT},
    {"resp_l2_bytes", "f.resp_l2_bytes", COL_INT}, {"vlan", "f.vlan", COL_INT},
    {"orig_cc", "f.orig_cc", COL_STR},           {"resp_cc", "f.resp_cc", COL_STR},
    {"rtt", "f.rtt", COL_REAL},                  {"rtt_orig", "f.rtt_orig", COL_REAL},
    {"rtt_resp", "f.rtt_resp", COL_REAL},        {"icmp_errors", "f.icmp_errors", COL_INT},
    {"end_reason", "f.end_reason", COL_STR},
};
const int flow_ncols = NCOLS(flow_cols);

static const struct filter flow_filters[] = {
    {"capture", " AND f.capture_id = $?::bigint", FILTER_ID, 0, 0, NULL},
    {"from", " AND f.ts >= $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"to", " AND f.ts < $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"host", " AND (f.orig_h <<= $?::inet OR f.resp_h <<= $?::inet)", FILTER_INET, 0, 0, NULL},
    {"port", " AND (f.orig_p = $?::integer OR f.resp_p = $?::integer)", FILTER_PORT, 0, 0, NULL},
    {"transport", " AND f.proto = $?", FILTER_TOKEN, 0, 16, NULL},
    {"app", " AND f.service = $?", FILTER_TOKEN, 0, 32, NULL},
    {"conn_state", " AND f.conn_state = $?", FILTER_ENUM, 0, 0, conn_states},
    {"q", " AND (f.uid ILIKE $? OR f.community_id ILIKE $? OR f.service ILIKE $?"
          " OR f.history ILIKE $?)", FILTER_LIKE, 0, 0, NULL},
};

static const struct sortkey flow_sorts[] = {
    {"ts", "f.ts", "timestamptz"},
    {"duration", "f.duration", "float8"},
    {"bytes", "(f.orig_l2_bytes + f.resp_l2_bytes)", "bigint"},
    {"packets", "(f.orig_pkts + f.resp_pkts)", "bigint"},
};

const struct list_spec flows_list = {
    .name = "flows", .from = " FROM flows f WHERE true",
    .cols = flow_cols, .ncols = NCOLS(flow_cols),
    .filters = flow_filters, .nfilters = NCOLS(flow_filters),
    .sorts = flow_sorts, .nsorts = NCOLS(flow_sorts),
    .tiebreak = {"f.uid"}, .tiebreak_cast = {"text"}, .ntiebreak = 1,
};

const struct column packet_cols[] = {
    {"capture_id", "p.capture_id", COL_INT}, {"ts", TS("p.ts"), COL_STR},
    {"frame", "p.frame", COL_INT},           {"uid", "p.uid", COL_STR},
    {"src", "host(p.src)", COL_STR},         {"dst", "host(p.dst)", COL_STR},
    {"sport", "p.sport", COL_INT},           {"dport", "p.dport", COL_INT},
    {"proto", "p.proto", COL_STR},           {"length", "p.length", COL_INT},
    {"caplen", "p.caplen", COL_INT},         {"tcp_flags", "p.tcp_flags", COL_STR},
    {"ttl", "p.ttl", COL_INT},               {"vlan", "p.vlan", COL_INT},
    {"app", "p.app", COL_STR},               {"info", "p.info", COL_STR},
};
const int packet_ncols = NCOLS(packet_cols);

static const struct filter packet_filters[] = {
    {"capture", " AND p.capture_id = $?::bigint", FILTER_ID, 0, 0, NULL},
    {"from", " AND p.ts >= $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"to", " AND p.ts < $?::timestamptz", FILTER_TIME, 0, 0, NULL},
    {"host", " AND (p.src <<= $?::inet OR p.dst <<= $?::inet)", FILTER_INET, 0, 0, NULL},
    {"port", " AND (p.sport = $?::integer OR p.dport = $?::integer)", FILTER_PORT, 0, 0, NULL},
    {"transport", " AND p.proto = $?", FILTER_TOKEN, 0, 16, NULL},
    {"app", " AND p.app = $?", FILTER_TOKEN, 0, 32, NULL},
    {"uid", " AND p.uid = $?", FILTER_TOKEN, 0, 64, NULL},
    {"q", " AND p.info ILIKE $?", FILTER_LIKE, 0, 0, NULL},
};

static const struct sortkey packet_sorts[] = {
    {"ts", "p.ts", "timestamptz"},
    {"length", "p.length", "integer"},
};

const struct list_spec packets_list = {
    .name = "packets", .from = " FROM packets p WHERE true",
    .cols = packet_cols, .ncols = NCOLS(packet_cols),
    .filters = packet_filters, .nfilters = NCOLS(packet_filters),
    .sorts = packet_sorts, .nsorts = NCOLS(packet_sorts),
    .tiebreak = {"p.capture_id", "p.frame"}, .tiebreak_cast = {"bigint", "bigint"},
    .ntiebreak = 2,
};

void handle_flows(struct web_ctx *ctx, const struct http_request *req, struct http_reply *reply)
{
    list_serve(ctx, req, reply, &flows_list);
}

void handle_packets(struct web_ctx *ctx, const struct http_request *req,
                    struct http_reply *reply)
{
    list_serve(ctx, req, reply, &packets_list);
}
