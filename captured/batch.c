/* batch.c - shipping COPY buffers. After PQputCopyEnd every PQgetResult
 * is read, so a failed COPY is always seen. */
#include "batch.h"

#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const copy_sql[T_COUNT] = {
    "COPY flows (capture_id, ts, uid, community_id, orig_h, orig_p, resp_h, resp_p, proto,"
    " ip_proto, service, service_guess, duration, orig_bytes, resp_bytes, conn_state, history,"
    " orig_pkts, orig_ip_bytes, resp_pkts, resp_ip_bytes, orig_l2_bytes, resp_l2_bytes, vlan,"
    " orig_retrans, resp_retrans, orig_ooo, resp_ooo, rtt, rtt_orig, rtt_resp, frags,"
    " icmp_errors, end_reason, orig_cc, resp_cc) FROM STDIN",
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
    "COPY pg_temp.ps_alerts_in (capture_id, kind, key, severity, src, dst, summary, evidence,"
    " count, first_seen, last_seen) FROM STDIN",
};

void batch_init(struct batch *b)
{
    memset(b, 0, sizeof *b);
    for (int i = 0; i < T_COUNT; i++)
        copybuf_init(&b->buf[i]);
}

void batch_free_bufs(struct batch *b)
{
    for (int i = 0; i < T_COUNT; i++)
        copybuf_free(&b->buf[i]);
}

size_t batch_bytes(const struct batch *b)
{
    size_t n = 0;
    for (int i = 0; i < T_COUNT; i++)
        n += b->buf[i].len;
    return n;
}

size_t batch_rows(const struct batch *b)
{
    size_t n = 0;
    for (int i = 0; i < T_COUNT; i++)
        n += b->buf[i].rows;
    return n;
}

static void set_err(char *err, size_t errlen, const char *what, PGconn *db)
{
    snprintf(err, errlen, "%s: %s", what, PQerrorMessage(db));
    size_t n = strlen(err);
    while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = '\0';
}

/* ps_ensure_partitions() makes the partitions of every time-partitioned
 * table for the span [min_ts, max_ts] (µs); nothing when the span is empty. */
static int ensure_span(PGconn *db, int64_t min_ts, int64_t max_ts, char *err, size_t errlen)
{
    if (min_ts > max_ts)
        return 0;
    char from[32], to[32];
    snprintf(from, sizeof from, "%.6f", (double)min_ts / 1e6);
    snprintf(to, sizeof to, "%.6f", (double)max_ts / 1e6);
    const char *params[2] = {from, to};
    PGresult *r = PQexecParams(db,
                               "SELECT ps_ensure_partitions(to_timestamp($1::float8),"
                               " to_timestamp($2::float8))",
                               2, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        set_err(err, errlen, "creating partitions", db);
    PQclear(r);
    return ok ? 0 : -1;
}

/* COPYs one table's rows, its partitions made first unless `ensured`. */
static int copy_rows(PGconn *db, enum batch_table t, const struct copybuf *buf, int ensured,
                     char *err, size_t errlen)
{
    if (buf->rows == 0)
        return 0;
    if (buf->oom) {
        snprintf(err, errlen, "buffering rows: out of memory");
        return -1;
    }
    if (t != T_ALERTS && !ensured && ensure_span(db, buf->min_ts, buf->max_ts, err, errlen) < 0)
        return -1;
    return batch_copy(db, copy_sql[t], buf, err, errlen);
}

static int ship_table(PGconn *db, enum batch_table t, const struct copybuf *buf, int ensured,
                      char *err, size_t errlen)
{
    if (t != T_ALERTS || buf->rows == 0 || buf->oom)
        return copy_rows(db, t, buf, ensured, err, errlen);
    if (ps_db_exec(db, "SELECT ps_alerts_stage()", "staging alerts", err, errlen) < 0 ||
        copy_rows(db, t, buf, ensured, err, errlen) < 0)
        return -1;
    return ps_db_exec(db, "SELECT ps_alerts_merge()", "merging alerts", err, errlen);
}

int batch_ship_table(PGconn *db, enum batch_table t, const struct copybuf *buf, char *err,
                     size_t errlen)
{
    return ship_table(db, t, buf, 0, err, errlen);
}

int batch_copy(PGconn *db, const char *copy_sql_text, const struct copybuf *buf, char *err,
               size_t errlen)
{
    char sql[1024];
    int binary = buf->binary; /* the header and trailer go around its rows */
    if (snprintf(sql, sizeof sql, "%s%s", copy_sql_text, binary ? " WITH (FORMAT binary)" : "") >=
        (int)sizeof sql) {
        snprintf(err, errlen, "COPY statement too long");
        return -1;
    }
    if (buf->rows == 0)
        return 0;
    if (buf->oom) {
        snprintf(err, errlen, "buffering rows: out of memory");
        return -1;
    }
    PGresult *r = PQexec(db, sql);
    int st = PQresultStatus(r);
    PQclear(r);
    if (st != PGRES_COPY_IN) {
        set_err(err, errlen, "starting COPY", db);
        return -1;
    }
    int ok = 1;
    if ((binary && PQputCopyData(db, copyb_header, COPYB_HEADER_LEN) != 1) ||
        PQputCopyData(db, buf->data, (int)buf->len) != 1 ||
        (binary && PQputCopyData(db, copyb_trailer, sizeof copyb_trailer) != 1)) {
        set_err(err, errlen, "sending COPY data", db);
        ok = 0;
    }
    if (PQputCopyEnd(db, ok ? NULL : "send failed") != 1 && ok) {
        set_err(err, errlen, "ending COPY", db);
        ok = 0;
    }
    while ((r = PQgetResult(db)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && ok) {
            set_err(err, errlen, "COPY", db);
            ok = 0;
        }
        PQclear(r);
    }
    return ok ? 0 : -1;
}

/* One ps_ensure_partitions() call for the whole batch (it covers every
 * table), then a COPY per table. */
int batch_ship(PGconn *db, const struct batch *b, char *err, size_t errlen)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int i = 0; i < T_COUNT; i++) {
        const struct copybuf *c = &b->buf[i];
        if (i == T_ALERTS || c->rows == 0 || c->min_ts > c->max_ts)
            continue;
        lo = c->min_ts < lo ? c->min_ts : lo;
        hi = c->max_ts > hi ? c->max_ts : hi;
    }
    if (ensure_span(db, lo, hi, err, errlen) < 0)
        return -1;
    for (int i = 0; i < T_COUNT; i++)
        if (ship_table(db, (enum batch_table)i, &b->buf[i], 1, err, errlen) < 0)
            return -1;
    return 0;
}

/* First bytes of a spool file from version 2 on: each table's header then
 * says whether its rows are binary. Files without it (version 1, every
 * table in text format) are still read, so an upgrade loses no batch. */
static const char spool_magic[8] = {'P', 'S', 'S', 'P', 'O', 'O', 'L', '2'};

int batch_save(const struct batch *b, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(spool_magic, sizeof spool_magic, 1, f) == 1;
    for (int i = 0; i < T_COUNT && ok; i++) {
        const struct copybuf *c = &b->buf[i];
        uint64_t hdr[5] = {c->len, c->rows, (uint64_t)c->min_ts, (uint64_t)c->max_ts,
                           (uint64_t)c->binary};
        ok = fwrite(hdr, sizeof hdr, 1, f) == 1 && (c->len == 0 || fwrite(c->data, c->len, 1, f) == 1);
    }
    ok = (fclose(f) == 0) && ok;
    return ok ? 0 : -1;
}

int batch_load(struct batch *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    batch_init(b);
    /* version 1 (no tag): four header words a table, every table in text */
    char magic[sizeof spool_magic];
    int v2 = fread(magic, sizeof magic, 1, f) == 1 && memcmp(magic, spool_magic, sizeof magic) == 0;
    int ok = v2 || fseek(f, 0, SEEK_SET) == 0;
    size_t words = v2 ? 5 : 4;
    for (int i = 0; i < T_COUNT && ok; i++) {
        struct copybuf *c = &b->buf[i];
        uint64_t hdr[5] = {0};
        ok = fread(hdr, sizeof hdr[0] * words, 1, f) == 1 && hdr[0] < (1ull << 34) && hdr[4] <= 1;
        if (!ok)
            break;
        c->data = hdr[0] ? malloc(hdr[0]) : NULL;
        ok = !hdr[0] || (c->data && fread(c->data, hdr[0], 1, f) == 1);
        c->len = c->cap = ok ? hdr[0] : 0;
        c->rows = hdr[1];
        c->min_ts = (int64_t)hdr[2];
        c->max_ts = (int64_t)hdr[3];
        c->binary = (int)hdr[4];
    }
    ok = ok && fgetc(f) == EOF; /* a file of another layout does not end right here */
    fclose(f);
    if (!ok)
        batch_free_bufs(b);
    return ok ? 0 : -1;
}
