/* dbwriter.c - COPY-based writer of a capture's rows. After PQputCopyEnd
 * every PQgetResult is read; the first failure is kept and stops writing. */
#include "dbwriter.h"

#include "app.h"
#include "batch.h"
#include "app_events.h"
#include "copybuf.h"
#include "db.h"
#include "detect.h"
#include "flow_export.h"
#include "rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_BYTES (4u << 20)
#define HANDOFF_BYTES (1u << 20) /* small enough that COPY overlaps dissection */
/* The first hand-offs are smaller (doubling up to HANDOFF_BYTES), so that
 * PostgreSQL starts on the rows a few milliseconds into the file instead of
 * after the first MiB of one table. */
#define HANDOFF_FIRST (64u << 10)

struct dbwriter {
    PGconn *db;             /* direct mode: ships into the caller's transaction */
    void (*handoff)(void *ctx, struct batch *b); /* handoff mode: whole batches */
    void *handoff_ctx;
    size_t handoff_bytes; /* the current hand-off size */
    uint64_t capture_id;
    enum packet_policy policy;
    uint32_t first_n;
    struct batch cur;
    int failed;
    char err[PS_ERRBUF];
    uint64_t rows;
    struct rollup *rollup; /* borrowed: sums of the flow rows (file captures) */
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
    batch_init(&w->cur);
    return w;
}

void dbwriter_free(struct dbwriter *w)
{
    if (!w)
        return;
    batch_free_bufs(&w->cur);
    free(w);
}

const char *dbwriter_error(const struct dbwriter *w) { return w->err; }
uint64_t dbwriter_rows(const struct dbwriter *w) { return w->rows; }
void dbwriter_set_rollup(struct dbwriter *w, struct rollup *r) { w->rollup = r; }

static int ship(struct dbwriter *w, int table)
{
    struct copybuf *b = &w->cur.buf[table];
    if (!w->db || b->rows == 0 || w->failed) {
        if (w->db)
            copybuf_reset(b);
        return w->failed ? -1 : 0;
    }
    if (batch_ship_table(w->db, (enum batch_table)table, b, w->err, sizeof w->err) < 0)
        w->failed = 1;
    else
        w->rows += b->rows;
    copybuf_reset(b);
    return w->failed ? -1 : 0;
}

static void maybe_ship(struct dbwriter *w, int table)
{
    if (w->db) {
        if (w->cur.buf[table].len >= BATCH_BYTES)
            ship(w, table);
    } else if (w->handoff && (w->cur.buf[table].len >= w->handoff_bytes ||
                              w->cur.buf[T_FLOWS].len >= w->handoff_bytes)) {
        struct batch b;
        if (dbwriter_take(w, &b))
            w->handoff(w->handoff_ctx, &b);
        if (w->handoff_bytes < HANDOFF_BYTES)
            w->handoff_bytes *= 2;
    }
}

void dbwriter_set_handoff(struct dbwriter *w, void (*fn)(void *ctx, struct batch *b), void *ctx)
{
    w->handoff = fn;
    w->handoff_ctx = ctx;
    w->handoff_bytes = HANDOFF_FIRST;
}

int dbwriter_flush(struct dbwriter *w)
{
    for (int i = 0; i < T_COUNT; i++)
        ship(w, i);
    return w->failed ? -1 : 0;
}

size_t dbwriter_pending_bytes(const struct dbwriter *w) { return batch_bytes(&w->cur); }

int dbwriter_take(struct dbwriter *w, struct batch *out)
{
    if (batch_rows(&w->cur) == 0)
        return 0;
    *out = w->cur;
    out->next = NULL;
    for (int i = 0; i < T_COUNT; i++)
        if (out->buf[i].oom)
            w->failed = 1;
    w->rows += batch_rows(out);
    batch_init(&w->cur);
    return 1;
}

/* ---- rows ---- */

static void flow_row(void *ctx, const struct flow *f, enum flow_end_reason why)
{
    struct dbwriter *w = ctx;
    if (w->failed)
        return;
    struct flow_export x;
    flow_export(f, w->capture_id, &x);
    flow_export_countries(&x);
    struct copybuf *b = &w->cur.buf[T_FLOWS];
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
    if (x.rtt_orig >= 0) copy_double(b, x.rtt_orig); else copy_null(b);
    if (x.rtt_resp >= 0) copy_double(b, x.rtt_resp); else copy_null(b);
    copy_u64(b, f->frags);
    copy_u64(b, f->icmp_errors);
    copy_text(b, flow_end_reason_name(why));
    copy_text(b, x.orig_cc);
    copy_text(b, x.resp_cc);
    copy_end_row(b);
    rollup_add_flow(w->rollup, &x, f);
    maybe_ship(w, T_FLOWS);
}

/* Packet rows go as binary COPY (batch.c): the bulk of a capture's rows,
 * and PostgreSQL parses timestamps and addresses in text at about twice
 * the cost. 16 fields, in the column order of batch.c's COPY packets. */
static void packet_row(void *ctx, const struct ps_packet *pkt, const struct flow *f, int dir)
{
    struct dbwriter *w = ctx;
    if (w->failed || w->policy == PACKETS_NONE)
        return;
    if (w->policy == PACKETS_FIRST_N && f && f->dir[0].pkts + f->dir[1].pkts > w->first_n)
        return;
    (void)dir;
    char uid[20], flags[12], info[160];
    struct copybuf *b = &w->cur.buf[T_PACKETS];
    copyb_row(b, 16);
    copyb_i64(b, (int64_t)w->capture_id);
    copyb_ts(b, pkt->ts_us);
    copyb_i64(b, (int64_t)pkt->frame);
    if (f) {
        flow_uid(w->capture_id, f->id, uid);
        copyb_text(b, uid);
    } else {
        copyb_null(b);
    }
    copyb_inet(b, &pkt->src);
    copyb_inet(b, &pkt->dst);
    if (pkt->has_ports) copyb_i32(b, pkt->sport); else copyb_null(b);
    if (pkt->has_ports) copyb_i32(b, pkt->dport); else copyb_null(b);
    copyb_text(b, packet_proto_name(pkt));
    copyb_i32(b, (int32_t)pkt->wirelen);
    copyb_i32(b, (int32_t)pkt->caplen);
    if (pkt->ip_proto == 6 && pkt->has_ports) copyb_text(b, tcp_flags_str(pkt->tcp_flags, flags));
    else copyb_null(b);
    if (pkt->src.family && pkt->l3 != PS_L3_ARP) copyb_i16(b, (int16_t)pkt->ttl); else copyb_null(b);
    if (pkt->n_vlan) copyb_i32(b, pkt->vlan); else copyb_null(b);
    copyb_text(b, f ? app_service_name(f->app.proto) : NULL);
    packet_info(pkt, info, sizeof info);
    copyb_text(b, info[0] ? info : NULL);
    copyb_end_row(b);
    maybe_ship(w, T_PACKETS);
}

static void bucket_row(void *ctx, const struct traffic_bucket *t)
{
    struct dbwriter *w = ctx;
    if (w->failed)
        return;
    struct copybuf *b = &w->cur.buf[T_TRAFFIC];
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

/* One finding; rows with the same (capture, kind, key) merge in SQL. */
static void alert_row(void *ctx, const struct ps_alert *a)
{
    struct dbwriter *w = ctx;
    if (w->failed)
        return;
    struct copybuf *b = &w->cur.buf[T_ALERTS];
    copy_u64(b, w->capture_id);
    copy_text(b, a->kind);
    copy_text(b, a->key);
    copy_text(b, a->severity);
    copy_inet(b, &a->src);
    copy_inet(b, &a->dst);
    copy_text(b, a->summary);
    copy_text_array(b, a->evidence, (size_t)a->n_evidence);
    copy_u64(b, a->count);
    copy_ts(b, a->first_us);
    copy_ts(b, a->last_us);
    copy_end_row(b);
    maybe_ship(w, T_ALERTS);
}

struct ps_sink dbwriter_sink(struct dbwriter *w)
{
    struct ps_sink s = {.ctx = w, .packet = packet_row, .flow = flow_row,
                        .bucket = bucket_row, .event = event_row, .alert = alert_row};
    return s;
}

/* Accessors for dbwriter_events.c. */
struct copybuf *dbwriter_buf(struct dbwriter *w, int which);
struct copybuf *dbwriter_buf(struct dbwriter *w, int which)
{
    static const int map[] = {T_DNS, T_HTTP, T_TLS};
    return &w->cur.buf[map[which]];
}
void dbwriter_maybe_ship(struct dbwriter *w, int which);
void dbwriter_maybe_ship(struct dbwriter *w, int which)
{
    static const int map[] = {T_DNS, T_HTTP, T_TLS};
    maybe_ship(w, map[which]);
}
uint64_t dbwriter_capture_id(const struct dbwriter *w);
uint64_t dbwriter_capture_id(const struct dbwriter *w) { return w->capture_id; }
