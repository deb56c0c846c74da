/* dbwriter.c - COPY-based writer of a capture's rows. After PQputCopyEnd
 * every PQgetResult is read; the first failure is kept and stops writing. */
#include "dbwriter.h"

#include "app.h"
#include "app_events.h"
#include "copybuf.h"
#include "db.h"
#include "flow_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_BYTES (4u << 20)

enum { T_FLOWS, T_PACKETS, T_TRAFFIC, T_DNS, T_HTTP, T_TLS, T_COUNT };

static const char *const copy_sql[T_COUNT] = {
    "COPY flows (capture_id, ts, uid, community_id, orig_h, orig_p, resp_h, resp_p, proto,"
    " ip_proto, service, service_guess, duration, orig_bytes, resp_bytes, conn_state, history,"
    " orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes, orig_l2_bytes, resp_l2_bytes, vlan,"
    " orig_retrans, resp_retrans, orig_ooo, resp_ooo, rtt, frags, end_reason) FROM STDIN",
    "COPY packets (capture_id, ts, frame, uid, src, dst, sport, dport, proto, length, caplen,"
    " tcp_flags, ttl, vlan, app, info) FROM STDIN",
    "COPY traffic (capture_id, bucket, seconds, packets, bytes, tcp_packets, udp_packets,"
    " icmp_packets, other_packets, tcp_bytes, udp_bytes, icmp_bytes, other_bytes, ipv4_packets,"
    " ipv6_packets, arp_packets, new_flows, drops, malformed) FROM STDIN",
    "COPY dns (capture_id, ts, uid, community_id, orig_h, orig_p, resp_h, resp_p, proto,"
    " trans_id, rtt, query, qclass, qtype, qtype_name, rcode, rcode_name, aa, tc, rd, ra,"
    " answers, ttls, rejected) FROM STDIN",
    "COPY http (capture_id, ts, uid, community_id, orig_h, orig_p, resp_h, resp_p, trans_depth,"
    " method, host, uri, referrer, version, user_agent, request_body_len, response_body_len,"
    " status_code, status_msg, info_code, resp_mime_types, rtt) FROM STDIN",
    "COPY tls (capture_id, ts, uid, community_id, orig_h, orig_p, resp_h, resp_p, transport,"
    " version, cipher, server_name, alpn, ja3, ja4, established) FROM STDIN",
};

struct dbwriter {
    PGconn *db;
    uint64_t capture_id;
    enum packet_policy policy;
    uint32_t first_n;
    struct copybuf buf[T_COUNT];
    int failed;
    char err[PS_ERRBUF];
    uint64_t rows;
};

struct dbwriter *dbwriter_new(PGconn *db, uint64_t capture_id, enum packet_policy policy,
                              uint32_t first_n)
{
    struct dbwriter *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->db = db;
    w->capture_id = capture_id;
    w->policy = policy;
    w->first_n = first_n;
    for (int i = 0; i < T_COUNT; i++)
        copybuf_init(&w->buf[i]);
    return w;
}

void dbwriter_free(struct dbwriter *w)
{
    if (!w)
        return;
    for (int i = 0; i < T_COUNT; i++)
        copybuf_free(&w->buf[i]);
    free(w);
}

const char *dbwriter_error(const struct dbwriter *w) { return w->err; }
uint64_t dbwriter_rows(const struct dbwriter *w) { return w->rows; }

static void fail(struct dbwriter *w, const char *what, const char *detail)
{
    if (w->failed)
        return;
    w->failed = 1;
    snprintf(w->err, sizeof w->err, "%s: %s", what, detail ? detail : "failed");
    size_t n = strlen(w->err);
    while (n && (w->err[n - 1] == '\n' || w->err[n - 1] == ' '))
        w->err[--n] = '\0';
}

static int ensure_partitions(struct dbwriter *w, const struct copybuf *b)
{
    if (b->min_ts > b->max_ts)
        return 0;
    char from[24], to[24];
    snprintf(from, sizeof from, "%.6f", (double)b->min_ts / 1e6);
    snprintf(to, sizeof to, "%.6f", (double)b->max_ts / 1e6);
    const char *params[2] = {from, to};
    PGresult *r = PQexecParams(w->db,
                               "SELECT ps_ensure_partitions(to_timestamp($1::float8),"
                               " to_timestamp($2::float8))",
                               2, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fail(w, "creating partitions", PQerrorMessage(w->db));
    PQclear(r);
    return ok ? 0 : -1;
}

static int copy_end(struct dbwriter *w, int table)
{
    int ok = 1;
    if (PQputCopyEnd(w->db, NULL) != 1) {
        fail(w, copy_sql[table], PQerrorMessage(w->db));
        ok = 0;
    }
    PGresult *r;
    while ((r = PQgetResult(w->db)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fail(w, "COPY", PQerrorMessage(w->db));
            ok = 0;
        }
        PQclear(r);
    }
    return ok ? 0 : -1;
}

static int ship(struct dbwriter *w, int table)
{
    struct copybuf *b = &w->buf[table];
    if (b->rows == 0 || w->failed) {
        copybuf_reset(b);
        return w->failed ? -1 : 0;
    }
    if (b->oom) {
        fail(w, "buffering rows", "out of memory");
        return -1;
    }
    if (ensure_partitions(w, b) < 0)
        return -1;
    PGresult *r = PQexec(w->db, copy_sql[table]);
    int st = PQresultStatus(r);
    PQclear(r);
    if (st != PGRES_COPY_IN) {
        fail(w, "starting COPY", PQerrorMessage(w->db));
        return -1;
    }
    if (PQputCopyData(w->db, b->data, (int)b->len) != 1)
        fail(w, "sending COPY data", PQerrorMessage(w->db));
    int rc = copy_end(w, table);
    if (rc == 0)
        w->rows += b->rows;
    copybuf_reset(b);
    return rc;
}

static void maybe_ship(struct dbwriter *w, int table)
{
    if (w->buf[table].len >= BATCH_BYTES)
        ship(w, table);
}

int dbwriter_flush(struct dbwriter *w)
{
    for (int i = 0; i < T_COUNT; i++)
        ship(w, i);
    return w->failed ? -1 : 0;
}

/* ---- rows ---- */

static void flow_row(void *ctx, const struct flow *f, enum flow_end_reason why)
{
    struct dbwriter *w = ctx;
    if (w->failed)
        return;
    struct flow_export x;
    flow_export(f, w->capture_id, &x);
    struct copybuf *b = &w->buf[T_FLOWS];
    copy_u64(b, w->capture_id);
    copy_ts(b, f->first_us);
    copy_text(b, x.uid);
    copy_text(b, x.community_id);
    copy_inet(b, &x.orig_h);
    if (x.has_ports) copy_i64(b, x.orig_p); else copy_null(b);
    copy_inet(b, &x.resp_h);
    if (x.has_ports) copy_i64(b, x.resp_p); else copy_null(b);
    copy_text(b, x.proto);
    copy_i64(b, f->key.proto);
    copy_text(b, x.service);
    copy_bool(b, x.service_guess);
    copy_double(b, x.duration);
    copy_u64(b, f->dir[0].payload_bytes);
    copy_u64(b, f->dir[1].payload_bytes);
    copy_text(b, x.conn_state);
    copy_text(b, x.history);
    copy_u64(b, f->dir[0].pkts);
    copy_u64(b, f->dir[0].ip_bytes);
    copy_u64(b, f->dir[1].pkts);
    copy_u64(b, f->dir[1].ip_bytes);
    copy_u64(b, f->dir[0].l2_bytes);
    copy_u64(b, f->dir[1].l2_bytes);
    if (f->key.vlan) copy_i64(b, f->key.vlan); else copy_null(b);
    copy_u64(b, f->dir[0].retrans);
    copy_u64(b, f->dir[1].retrans);
    copy_u64(b, f->dir[0].ooo);
    copy_u64(b, f->dir[1].ooo);
    if (x.rtt >= 0) copy_double(b, x.rtt); else copy_null(b);
    copy_u64(b, f->frags);
    copy_text(b, flow_end_reason_name(why));
    copy_end_row(b);
    maybe_ship(w, T_FLOWS);
}

static void packet_row(void *ctx, const struct ps_packet *pkt, const struct flow *f, int dir)
{
    struct dbwriter *w = ctx;
    if (w->failed || w->policy == PACKETS_NONE)
        return;
    if (w->policy == PACKETS_FIRST_N && f && f->dir[0].pkts + f->dir[1].pkts > w->first_n)
        return;
    (void)dir;
    char uid[20], flags[12], info[160];
    struct copybuf *b = &w->buf[T_PACKETS];
    copy_u64(b, w->capture_id);
    copy_ts(b, pkt->ts_us);
    copy_u64(b, pkt->frame);
    if (f) {
        flow_uid(w->capture_id, f->id, uid);
        copy_text(b, uid);
    } else {
        copy_null(b);
    }
    copy_inet(b, &pkt->src);
    copy_inet(b, &pkt->dst);
    if (pkt->has_ports) copy_i64(b, pkt->sport); else copy_null(b);
    if (pkt->has_ports) copy_i64(b, pkt->dport); else copy_null(b);
    copy_text(b, packet_proto_name(pkt));
    copy_i64(b, pkt->wirelen);
    copy_i64(b, pkt->caplen);
    if (pkt->ip_proto == 6 && pkt->has_ports) copy_text(b, tcp_flags_str(pkt->tcp_flags, flags));
    else copy_null(b);
    if (pkt->src.family && pkt->l3 != PS_L3_ARP) copy_i64(b, pkt->ttl); else copy_null(b);
    if (pkt->n_vlan) copy_i64(b, pkt->vlan); else copy_null(b);
    copy_text(b, f ? app_service_name(f->app.proto) : NULL);
    packet_info(pkt, info, sizeof info);
    copy_text(b, info[0] ? info : NULL);
    copy_end_row(b);
    maybe_ship(w, T_PACKETS);
}

static void bucket_row(void *ctx, const struct traffic_bucket *t)
{
    struct dbwriter *w = ctx;
    if (w->failed)
        return;
    struct copybuf *b = &w->buf[T_TRAFFIC];
    const uint64_t v[] = {t->packets, t->bytes, t->tcp_packets, t->udp_packets,
                          t->icmp_packets, t->other_packets, t->tcp_bytes, t->udp_bytes,
                          t->icmp_bytes, t->other_bytes, t->ipv4_packets, t->ipv6_packets,
                          t->arp_packets, t->new_flows, t->drops, t->malformed};
    copy_u64(b, w->capture_id);
    copy_ts(b, t->second * 1000000);
    copy_i64(b, 1);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        copy_u64(b, v[i]);
    copy_end_row(b);
    maybe_ship(w, T_TRAFFIC);
}

void dbwriter_event_row(struct dbwriter *w, const struct app_event *ev); /* dbwriter_events.c */

static void event_row(void *ctx, const struct app_event *ev)
{
    struct dbwriter *w = ctx;
    if (!w->failed)
        dbwriter_event_row(w, ev);
}

struct ps_sink dbwriter_sink(struct dbwriter *w)
{
    struct ps_sink s = {.ctx = w, .packet = packet_row, .flow = flow_row,
                        .bucket = bucket_row, .event = event_row};
    return s;
}

/* Accessors for dbwriter_events.c. */
struct copybuf *dbwriter_buf(struct dbwriter *w, int which);
struct copybuf *dbwriter_buf(struct dbwriter *w, int which)
{
    static const int map[] = {T_DNS, T_HTTP, T_TLS};
    return &w->buf[map[which]];
}
void dbwriter_maybe_ship(struct dbwriter *w, int which);
void dbwriter_maybe_ship(struct dbwriter *w, int which)
{
    static const int map[] = {T_DNS, T_HTTP, T_TLS};
    maybe_ship(w, map[which]);
}
uint64_t dbwriter_capture_id(const struct dbwriter *w);
uint64_t dbwriter_capture_id(const struct dbwriter *w) { return w->capture_id; }
