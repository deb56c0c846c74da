/* overview_traffic.c - GET /api/protocol-distribution and
 * /api/traffic-timeline, from the per-second buckets (traffic_timeline
 * view) and the service rollup (protocol_mix view); API.md, "Overview". */
#include "overview.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIMELINE_MAX_POINTS_AUTO 500
#define TIMELINE_MAX_POINTS 10000
#define TIMELINE_BUCKET_MAX 2592000 /* 30 days */

static const struct column transport_cols[] = {
    {"tcp_packets", "sum(v.tcp_packets)::bigint", COL_INT},
    {"tcp_bytes", "sum(v.tcp_bytes)::bigint", COL_INT},
    {"udp_packets", "sum(v.udp_packets)::bigint", COL_INT},
    {"udp_bytes", "sum(v.udp_bytes)::bigint", COL_INT},
    {"icmp_packets", "sum(v.icmp_packets)::bigint", COL_INT},
    {"icmp_bytes", "sum(v.icmp_bytes)::bigint", COL_INT},
    {"other_packets", "sum(v.other_packets)::bigint", COL_INT},
    {"other_bytes", "sum(v.other_bytes)::bigint", COL_INT},
    {"ipv4", "sum(v.ipv4_packets)::bigint", COL_INT},
    {"ipv6", "sum(v.ipv6_packets)::bigint", COL_INT},
    {"arp", "sum(v.arp_packets)::bigint", COL_INT},
};

static const struct column service_cols[] = {
    {"proto", "x.proto", COL_STR},
    {"service", "x.service", COL_STR},
    {"flows", "sum(x.flows)::bigint", COL_INT},
    {"packets", "sum(x.packets)::bigint", COL_INT},
    {"bytes", "sum(x.bytes)::bigint", COL_INT},
};

/* The per-transport sums as [{"proto", "packets", "bytes"}] plus families. */
static json_t *transports_json(json_t *sums, json_t **families)
{
    static const char *const protos[] = {"tcp", "udp", "icmp", "other"};
    json_t *out = json_array();
    for (int i = 0; i < 4; i++) {
        char pk[32], by[32];
        snprintf(pk, sizeof pk, "%s_packets", protos[i]);
        snprintf(by, sizeof by, "%s_bytes", protos[i]);
        json_t *p = json_object_get(sums, pk), *b = json_object_get(sums, by);
        json_array_append_new(out, json_pack("{s:s, s:I, s:I}", "proto", protos[i], "packets",
                                             json_integer_value(p), "bytes",
                                             json_integer_value(b)));
    }
    *families = json_pack("{s:I, s:I, s:I}", "ipv4",
                          json_integer_value(json_object_get(sums, "ipv4")), "ipv6",
                          json_integer_value(json_object_get(sums, "ipv6")), "arp",
                          json_integer_value(json_object_get(sums, "arp")));
    return out;
}

static void services_query(struct sqlq *q, const struct overview *ov)
{
    list_select(q, service_cols, NCOLS(service_cols));
    if (!ov->ranged) {
        sqlq_add(q, " FROM protocol_mix x WHERE true");
        overview_filters(q, ov, "x.capture_id", NULL);
    } else {
        sqlq_add(q, " FROM (SELECT f.proto, coalesce(f.service, '-') AS service, 1 AS flows,"
                    " f.orig_pkts + f.resp_pkts AS packets,"
                    " f.orig_l2_bytes + f.resp_l2_bytes AS bytes FROM flows f WHERE true");
        overview_filters(q, ov, "f.capture_id", "f.ts");
        sqlq_add(q, ") x");
    }
    sqlq_add(q, " GROUP BY x.proto, x.service ORDER BY 5 DESC, 1, 2");
}

void handle_protocol_distribution(struct web_ctx *ctx, const struct http_request *req,
                                  struct http_reply *reply)
{
    struct overview ov;
    if (overview_begin(&ov, req, NULL, reply) < 0)
        return;
    struct sqlq q;
    sqlq_init(&q);
    list_select(&q, transport_cols, NCOLS(transport_cols));
    sqlq_add(&q, " FROM traffic_timeline v WHERE true");
    overview_filters(&q, &ov, "v.capture_id", "v.ts");
    json_t *sums = overview_rows(ctx, reply, &q, transport_cols, NCOLS(transport_cols), 1);
    sqlq_free(&q);
    sqlq_init(&q);
    services_query(&q, &ov);
    json_t *services = sums ? overview_rows(ctx, reply, &q, service_cols, NCOLS(service_cols), !ov.ranged) : NULL;
    sqlq_free(&q);
    overview_done(&ov);
    if (sums && services) {
        json_t *families = NULL;
        json_t *transports = transports_json(json_array_get(sums, 0), &families);
        http_reply_set(reply, 200, json_pack("{s:o, s:o, s:o}", "transports", transports,
                                             "families", families, "services",
                                             json_incref(services)));
    }
    json_decref(sums);
    json_decref(services);
}

/* The smallest "nice" bucket giving at most TIMELINE_MAX_POINTS_AUTO points. */
static long auto_bucket(double span)
{
    static const long nice[] = {1,     5,     10,    30,    60,    300,   600,
                                1800,  3600,  10800, 21600, 43200, 86400, 604800};
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (span / (double)nice[i] <= TIMELINE_MAX_POINTS_AUTO)
            return nice[i];
    return (long)ceil(span / TIMELINE_MAX_POINTS_AUTO);
}

static const struct column range_cols[] = {
    {"from", "", COL_REAL},
    {"to", "", COL_REAL},
};

/* Range of the request or of the data, as epoch seconds; 0 or -1 (reply set). */
static int timeline_range(struct web_ctx *ctx, struct http_reply *reply,
                          const struct overview *ov, double *from, double *to)
{
    struct sqlq q;
    sqlq_init(&q);
    sqlq_addv(&q, "SELECT extract(epoch FROM coalesce($?::timestamptz, min(v.bucket)))::float8,",
              ov->from[0] ? ov->from : NULL);
    sqlq_addv(&q, " extract(epoch FROM coalesce($?::timestamptz,"
                  " max(v.bucket) + interval '1 second'))::float8 FROM traffic v WHERE true",
              ov->to[0] ? ov->to : NULL);
    overview_filters(&q, ov, "v.capture_id", "v.bucket");
    json_t *rows = overview_rows(ctx, reply, &q, range_cols, 2, 1);
    sqlq_free(&q);
    if (!rows)
        return -1;
    json_t *row = json_array_get(rows, 0);
    *from = json_number_value(json_object_get(row, "from"));
    *to = json_number_value(json_object_get(row, "to"));
    int known = json_is_number(json_object_get(row, "from")) &&
                json_is_number(json_object_get(row, "to"));
    json_decref(rows);
    if (!known)
        *from = *to = 0;
    return 0;
}

static const struct column point_cols[] = {
    {"ts", SQL_ISO_UTC("date_bin(make_interval(secs => $1::float8), v.ts,"
                       " timestamptz '1970-01-01 00:00:00+00')"), COL_STR},
    {"packets", "sum(v.packets)::bigint", COL_INT},
    {"bytes", "sum(v.bytes)::bigint", COL_INT},
    {"tcp_packets", "sum(v.tcp_packets)::bigint", COL_INT},
    {"udp_packets", "sum(v.udp_packets)::bigint", COL_INT},
    {"icmp_packets", "sum(v.icmp_packets)::bigint", COL_INT},
    {"other_packets", "sum(v.other_packets)::bigint", COL_INT},
    {"tcp_bytes", "sum(v.tcp_bytes)::bigint", COL_INT},
    {"udp_bytes", "sum(v.udp_bytes)::bigint", COL_INT},
    {"icmp_bytes", "sum(v.icmp_bytes)::bigint", COL_INT},
    {"other_bytes", "sum(v.other_bytes)::bigint", COL_INT},
    {"new_flows", "sum(v.new_flows)::bigint", COL_INT},
    {"drops", "sum(v.drops)::bigint", COL_INT},
    {"malformed", "sum(v.malformed)::bigint", COL_INT},
};

static json_t *iso_time(double epoch)
{
    char buf[96];
    time_t t = (time_t)floor(epoch);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return json_null();
    long us = lround((epoch - floor(epoch)) * 1e6);
    if (us > 999999)
        us = 999999;
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
    return json_string(buf);
}

/* ?bucket=: seconds or "auto"; 0 for auto, -1 after a 400. */
static long bucket_param(const struct overview *ov, struct http_reply *reply)
{
    const char *b = qp_get(&ov->qp, "bucket");
    long long v = 0;
    if (!b || strcmp(b, "auto") == 0)
        return 0;
    if (qp_int(&ov->qp, "bucket", 1, TIMELINE_BUCKET_MAX, &v, reply) < 0) {
        http_reply_bad_param(reply, "bucket", "must be auto or seconds between 1 and %d",
                             TIMELINE_BUCKET_MAX);
        return -1;
    }
    return (long)v;
}

void handle_traffic_timeline(struct web_ctx *ctx, const struct http_request *req,
                             struct http_reply *reply)
{
    static const char *const extra[] = {"bucket", NULL};
    struct overview ov;
    double from = 0, to = 0;
    if (overview_begin(&ov, req, extra, reply) < 0)
        return;
    long bucket = bucket_param(&ov, reply);
    if (bucket < 0 || timeline_range(ctx, reply, &ov, &from, &to) < 0)
        goto done;
    double span = to > from ? to - from : 0;
    if (bucket == 0)
        bucket = auto_bucket(span);
    struct sqlq q;
    sqlq_init(&q);
    sqlq_addi(&q, "", bucket); /* $1, used by point_cols[0] */
    list_select(&q, point_cols, NCOLS(point_cols));
    sqlq_add(&q, " FROM traffic_timeline v WHERE true");
    overview_filters(&q, &ov, "v.capture_id", "v.ts");
    sqlq_add(&q, " GROUP BY 1 ORDER BY 1");
    sqlq_addi(&q, " LIMIT $?::bigint", TIMELINE_MAX_POINTS + 1); /* only buckets with traffic */
    json_t *points = overview_rows(ctx, reply, &q, point_cols, NCOLS(point_cols), 1);
    sqlq_free(&q);
    if (json_array_size(points) > TIMELINE_MAX_POINTS) {
        http_reply_bad_param(reply, "bucket", "%ld s gives more than %d points; use a larger "
                             "bucket or a shorter range", bucket, TIMELINE_MAX_POINTS);
        json_decref(points);
        points = NULL;
    }
    if (points)
        http_reply_set(reply, 200,
                       json_pack("{s:I, s:o, s:o, s:o}", "bucket_s", (json_int_t)bucket, "from",
                                 span > 0 ? iso_time(from) : json_null(), "to",
                                 span > 0 ? iso_time(to) : json_null(), "points", points));
done:
    overview_done(&ov);
}
