/* app_flow_http.c - HTTP/1.x per flow (RFC 9112): requests queue up
 * (pipelining) and each response completes the oldest one into an http row.
 * Bodies with a Content-Length are skipped; a head split over segments is
 * reassembled up to APP_STREAM_CAP. */
#include "app_http.h"
#include "app_internal.h"
#include "strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct http_pending *queue_at(struct app_buf *b, int i)
{
    return &b->u.http.q[(b->u.http.head + i) % APP_HTTP_PENDING];
}

static void emit(struct app_engine *e, const struct flow *f, const struct http_pending *q,
                 int depth, const struct http_resp *r, int64_t now)
{
    struct ev_http h = {.depth = depth, .method = q->method, .host = q->host,
                        .uri = q->uri ? q->uri : "", .info_code = q->info_code,
                        .version = q->version, .user_agent = q->user_agent,
                        .request_body_len = q->body_len, .response_body_len = -1,
                        .rtt_us = -1, .basic_user = q->basic_user[0] ? q->basic_user : NULL};
    if (r) {
        h.status_code = r->status_code;
        h.status_msg = r->status_msg;
        h.mime = r->content_type;
        h.response_body_len = r->content_length;
        h.rtt_us = now - q->ts_us;
    }
    app_emit(e, APP_EV_HTTP, f, q->ts_us, &h);
}

/* Pops the oldest request, emitting it with r (NULL: no response seen). */
static void complete_oldest(struct app_engine *e, const struct flow *f, struct app_buf *b,
                            const struct http_resp *r, int64_t now)
{
    if (b->u.http.count == 0)
        return;
    struct http_pending *q = queue_at(b, 0);
    emit(e, f, q, b->u.http.depth - b->u.http.count + 1, r, now);
    free(q->uri);
    q->uri = NULL;
    b->u.http.head = (b->u.http.head + 1) % APP_HTTP_PENDING;
    b->u.http.count--;
}

static void on_request(struct app_engine *e, struct flow *f, struct app_buf *b,
                       const struct http_req *r, int64_t now)
{
    if (b->u.http.count == APP_HTTP_PENDING) /* responses lost: flush the oldest */
        complete_oldest(e, f, b, NULL, now);
    struct http_pending *q = queue_at(b, b->u.http.count++);
    b->u.http.depth++;
    q->ts_us = now;
    q->body_len = r->content_length;
    q->info_code = 0;
    q->uri = strdup(r->uri);
    ps_strlcpy(q->method, r->method, sizeof q->method);
    ps_strlcpy(q->version, r->version, sizeof q->version);
    ps_strlcpy(q->host, r->host, sizeof q->host);
    ps_strlcpy(q->user_agent, r->user_agent, sizeof q->user_agent);
    ps_strlcpy(q->basic_user, r->has_basic_auth ? r->basic_user : "", sizeof q->basic_user);
    f->app.skip[0] = r->content_length > 0 ? (uint64_t)r->content_length : 0;
}

static void on_response(struct app_engine *e, struct flow *f, struct app_buf *b,
                        const struct http_resp *r, int64_t now)
{
    if (r->status_code >= 100 && r->status_code < 200 && r->status_code != 101) {
        if (b->u.http.count) /* interim response: the final one follows */
            queue_at(b, 0)->info_code = r->status_code;
        return;
    }
    f->app.finished = r->status_code == 101; /* another protocol follows */
    if (b->u.http.count == 0) {
        /* a response whose request we missed: report it alone */
        static const struct http_pending none = {.body_len = -1};
        b->u.http.depth++;
        struct http_pending q = none;
        q.ts_us = now;
        emit(e, f, &q, b->u.http.depth, r, now);
    } else {
        complete_oldest(e, f, b, r, now);
    }
    f->app.skip[1] = r->content_length > 0 ? (uint64_t)r->content_length : 0;
}

/* Parses one head from the start of data; returns header bytes consumed,
 * 0 if more data is needed, -1 if this is not an HTTP head. */
static long parse_head(struct app_engine *e, struct flow *f, struct app_buf *b, int dir,
                       const uint8_t *p, uint32_t n, int64_t now)
{
    static __thread union { struct http_req q; struct http_resp r; } u;
    int req = http_is_request_start(p, n), resp = http_is_response_start(p, n);
    if (!req && !resp)
        return -1;
    enum ps_result rc = req ? http_parse_request(p, n, &u.q) : http_parse_response(p, n, &u.r);
    if (rc == PS_TRUNCATED)
        return 0;
    if (rc != PS_OK)
        return -1;
    if (req && dir == 0) {
        on_request(e, f, b, &u.q, now);
        return (long)u.q.header_len;
    }
    if (resp && dir == 1) {
        on_response(e, f, b, &u.r, now);
        return (long)u.r.header_len;
    }
    return req ? (long)u.q.header_len : (long)u.r.header_len;
}

/* Walks heads and bodies in data[0..n); returns bytes consumed. */
static uint32_t walk(struct app_engine *e, struct flow *f, struct app_buf *b, int dir,
                     const uint8_t *data, uint32_t n, int64_t now, int *need_more)
{
    uint32_t off = 0;
    *need_more = 0;
    while (off < n) {
        if (f->app.skip[dir]) {
            uint64_t s = f->app.skip[dir] < n - off ? f->app.skip[dir] : n - off;
            f->app.skip[dir] -= s;
            off += (uint32_t)s;
            continue;
        }
        long used = parse_head(e, f, b, dir, data + off, n - off, now);
        if (used == 0)
            *need_more = 1;
        if (used <= 0)
            break;
        off += (uint32_t)used;
    }
    return off;
}

void app_http_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir)
{
    if (!f->app.buf && f->app.skip[dir] >= pkt->payload_len) { /* body only */
        f->app.skip[dir] -= pkt->payload_len;
        return;
    }
    struct app_buf *b = app_buf_get(f);
    if (!b)
        return;
    int need_more = 0;
    if (b->stream_len[dir]) {
        uint32_t have = 0;
        const uint8_t *s = app_stream_append(b, dir, pkt->seq, pkt->payload, pkt->payload_len,
                                             &have);
        uint32_t used = s ? walk(e, f, b, dir, s, have, pkt->ts_us, &need_more) : 0;
        if (!s || !need_more)
            app_stream_reset(b, dir);
        else
            app_stream_consume(b, dir, used);
        app_buf_release_if_idle(f, b->u.http.count > 0);
        return;
    }
    uint32_t used = walk(e, f, b, dir, pkt->payload, pkt->payload_len, pkt->ts_us, &need_more);
    if (need_more) {
        uint32_t have = 0;
        app_stream_append(b, dir, pkt->seq + used, pkt->payload + used,
                          pkt->payload_len - used, &have);
    }
    app_buf_release_if_idle(f, b->u.http.count > 0);
}

void app_http_end(struct app_engine *e, const struct flow *f)
{
    struct app_buf *b = f->app.buf;
    while (b->u.http.count)
        complete_oldest(e, f, b, NULL, f->last_us);
}
