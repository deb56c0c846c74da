/* app_internal.h - state shared by the per-protocol parts of the
 * application engine (app_engine.c, app_flow_*.c). Not a public API. */
#ifndef PS_APP_INTERNAL_H
#define PS_APP_INTERNAL_H

#include "app_engine.h"
#include "app_events.h"
#include "caps.h"

#include <stdint.h>

#define APP_STREAM_CAP 16384 /* bytes of one direction buffered to complete a header */
#define APP_HTTP_PENDING 8   /* pipelined requests waiting for their responses */
struct http_pending {
    int64_t ts_us;
    int64_t body_len;
    int info_code;            /* last 1xx seen for this request, 0 none */
    char method[16], version[12];
    char host[256], user_agent[512], basic_user[128];
    char *uri;                /* owned; freed when the request is emitted */
};

struct dns_pending {
    int64_t ts_us;
    uint16_t id, qtype, qclass;
    char qname[PS_MAX_DNS_NAME + 1];
};

struct tls_pending {
    int64_t ts_us;
    uint8_t have_hello, have_server, quic;
    uint8_t ccs[2], appdata[2];
    char sni[PS_MAX_SNI + 1];
    char alpn[PS_MAX_ALPN][32];
    int n_alpn;
    char ja3[33], ja4[37];
    uint16_t version, cipher;
};

/* Attached to a flow only while a parser needs memory; freed at flow end. */
struct app_buf {
    uint8_t *stream[2];       /* reassembly of a header/hello spanning segments */
    uint32_t stream_len[2];
    uint32_t stream_seq[2];   /* sequence number expected next in stream[dir] */
    union {                   /* only the member of the flow's protocol is allocated */
        struct dns_pending dns;
        struct {
            struct http_pending q[APP_HTTP_PENDING];
            int head, count, depth;
        } http;
        struct tls_pending tls;
    } u;
};

struct app_engine {
    struct ps_sink sink;
    uint64_t capture_id;
};

/* The flow's buffer, allocated on first use with the size its protocol
 * needs (f->app.proto must be set). NULL when out of memory. */
struct app_buf *app_buf_get(struct flow *f);
/* Frees the buffer when no stream bytes are held and the protocol part says
 * it holds no pending state. */
void app_buf_release_if_idle(struct flow *f, int pending);
void app_emit(struct app_engine *e, enum app_event_kind kind, const struct flow *f,
              int64_t ts_us, const void *body);

/* Appends seg to stream[dir] when it continues it; returns the buffered
 * bytes (or NULL when the buffer is full or the segment does not continue). */
const uint8_t *app_stream_append(struct app_buf *b, int dir, uint32_t seq, const uint8_t *seg,
                                 uint32_t len, uint32_t *out_len);
void app_stream_reset(struct app_buf *b, int dir);
/* Drops the first n buffered bytes of stream[dir]. */
void app_stream_consume(struct app_buf *b, int dir, uint32_t n);

void app_dns_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir);
void app_dns_end(struct app_engine *e, const struct flow *f);
void app_http_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir);
void app_http_end(struct app_engine *e, const struct flow *f);
void app_tls_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir);
void app_quic_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir);
void app_tls_end(struct app_engine *e, const struct flow *f);
void app_misc_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir);

#endif
