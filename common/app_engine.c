/* app_engine.c - application detection per flow (payload first, port as a
 * marked guess) and dispatch to the protocol parts. */
#include "app_internal.h"

#include "app_dns.h"
#include "app_http.h"
#include "app_tls.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DETECT_PAYLOADS 6 /* payload packets looked at before settling on a guess */

struct app_engine *app_engine_new(const struct ps_sink *sink, uint64_t capture_id)
{
    struct app_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->sink = *sink;
    e->capture_id = capture_id;
    return e;
}

void app_engine_free(struct app_engine *e) { free(e); }

void app_engine_detach(struct app_engine *e)
{
    if (e)
        memset(&e->sink, 0, sizeof e->sink);
}

static size_t buf_size(uint16_t proto)
{
    size_t head = offsetof(struct app_buf, u);
    switch (proto) {
    case PS_APP_DNS: case PS_APP_MDNS: case PS_APP_LLMNR:
        return head + sizeof(struct dns_pending);
    case PS_APP_HTTP: return sizeof(struct app_buf);
    case PS_APP_TLS: case PS_APP_QUIC: return head + sizeof(struct tls_pending);
    default: return head;
    }
}

struct app_buf *app_buf_get(struct flow *f)
{
    if (!f->app.buf)
        f->app.buf = calloc(1, buf_size(f->app.proto));
    return f->app.buf;
}

void app_buf_release_if_idle(struct flow *f, int pending)
{
    struct app_buf *b = f->app.buf;
    if (b && !pending && !b->stream_len[0] && !b->stream_len[1])
        app_flow_release(f);
}

void app_stream_reset(struct app_buf *b, int dir)
{
    free(b->stream[dir]);
    b->stream[dir] = NULL;
    b->stream_len[dir] = 0;
}

void app_stream_consume(struct app_buf *b, int dir, uint32_t n)
{
    if (n == 0 || !b->stream[dir])
        return;
    if (n >= b->stream_len[dir]) {
        app_stream_reset(b, dir);
        return;
    }
    memmove(b->stream[dir], b->stream[dir] + n, b->stream_len[dir] - n);
    b->stream_len[dir] -= n;
}

void app_flow_release(struct flow *f)
{
    if (!f->app.buf)
        return;
    app_stream_reset(f->app.buf, 0);
    app_stream_reset(f->app.buf, 1);
    free(f->app.buf);
    f->app.buf = NULL;
}

const uint8_t *app_stream_append(struct app_buf *b, int dir, uint32_t seq, const uint8_t *seg,
                                 uint32_t len, uint32_t *out_len)
{
    if (b->stream_len[dir] == 0)
        b->stream_seq[dir] = seq;
    if (seq != b->stream_seq[dir] || b->stream_len[dir] + len > APP_STREAM_CAP)
        return NULL;
    if (!b->stream[dir] && !(b->stream[dir] = malloc(APP_STREAM_CAP)))
        return NULL;
    memcpy(b->stream[dir] + b->stream_len[dir], seg, len);
    b->stream_len[dir] += len;
    b->stream_seq[dir] += len;
    *out_len = b->stream_len[dir];
    return b->stream[dir];
}

void app_emit(struct app_engine *e, enum app_event_kind kind, const struct flow *f,
              int64_t ts_us, const void *body)
{
    if (!e->sink.event)
        return;
    struct app_event ev = {.kind = kind, .flow = f, .ts_us = ts_us};
    switch (kind) {
    case APP_EV_DNS: ev.u.dns = body; break;
    case APP_EV_HTTP: ev.u.http = body; break;
    case APP_EV_TLS: ev.u.tls = body; break;
    case APP_EV_DHCP: ev.u.dhcp = body; break;
    default: ev.u.text = body; break;
    }
    e->sink.event(e->sink.ctx, &ev);
}

static int quic_long_header(const uint8_t *p, uint32_t n)
{
    if (n < 7 || (p[0] & 0xc0) != 0xc0)
        return 0;
    uint32_t v = ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) | p[4];
    return v == 0x00000001u || v == 0x6b3343cfu;
}

static uint16_t dns_flavour(const struct ps_packet *pkt)
{
    uint16_t a = pkt->sport, b = pkt->dport;
    if (a == 5353 || b == 5353)
        return PS_APP_MDNS;
    if (a == 5355 || b == 5355)
        return PS_APP_LLMNR;
    if (a == 137 || b == 137)
        return PS_APP_NBNS;
    return PS_APP_DNS;
}

static uint16_t detect_udp(const struct ps_packet *pkt, uint16_t guess)
{
    const uint8_t *p = pkt->payload;
    uint32_t n = pkt->payload_len;
    if ((guess == PS_APP_DNS || guess == PS_APP_MDNS || guess == PS_APP_LLMNR) &&
        dns_looks_like(p, n))
        return dns_flavour(pkt);
    if (quic_long_header(p, n))
        return PS_APP_QUIC;
    if (guess == PS_APP_DHCP || guess == PS_APP_NTP || guess == PS_APP_NBNS ||
        guess == PS_APP_SSDP)
        return guess; /* confirmed by app_misc_packet where a parser exists */
    return PS_APP_NONE;
}

static uint16_t detect_tcp(const struct ps_packet *pkt, uint16_t guess)
{
    const uint8_t *p = pkt->payload;
    uint32_t n = pkt->payload_len;
    if (http_is_request_start(p, n) || http_is_response_start(p, n))
        return PS_APP_HTTP;
    if (tls_is_handshake_record(p, n))
        return PS_APP_TLS;
    if (n >= 4 && memcmp(p, "SSH-", 4) == 0)
        return PS_APP_SSH;
    if (guess == PS_APP_DNS && n > 2 && dns_looks_like(p + 2, n - 2))
        return PS_APP_DNS;
    return PS_APP_NONE;
}

static uint16_t port_guess(const struct ps_packet *pkt, int dir)
{
    uint16_t resp = dir == 0 ? pkt->dport : pkt->sport, orig = dir == 0 ? pkt->sport : pkt->dport;
    uint16_t g = app_guess_by_port(pkt->ip_proto, resp);
    return g ? g : app_guess_by_port(pkt->ip_proto, orig);
}

/* Settles f->app.proto from this packet's payload, or keeps a port guess. */
static void detect(struct flow *f, const struct ps_packet *pkt, int dir)
{
    uint16_t guess = port_guess(pkt, dir);
    if (f->app.proto == PS_APP_NONE && guess) {
        f->app.proto = guess;
        f->app.guess = 1;
    }
    if (!pkt->payload_len)
        return;
    uint16_t found = pkt->ip_proto == 6 ? detect_tcp(pkt, guess) : detect_udp(pkt, guess);
    if (found) {
        f->app.proto = found;
        f->app.guess = 0;
        f->app.done = 1;
    } else if (++f->app.pending_n >= DETECT_PAYLOADS) {
        f->app.done = 1;
    }
}

void app_engine_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir)
{
    if (!pkt->has_ports || (pkt->ip_proto != 6 && pkt->ip_proto != 17))
        return;
    if (!f->app.done)
        detect(f, pkt, dir);
    if (!pkt->payload_len || f->last_retrans || f->app.finished)
        return;
    switch (f->app.guess ? PS_APP_NONE : f->app.proto) {
    case PS_APP_DNS: case PS_APP_MDNS: case PS_APP_LLMNR:
        app_dns_packet(e, f, pkt, dir);
        break;
    case PS_APP_HTTP: app_http_packet(e, f, pkt, dir); break;
    case PS_APP_TLS: app_tls_packet(e, f, pkt, dir); break;
    case PS_APP_QUIC: app_quic_packet(e, f, pkt, dir); break;
    default:
        app_misc_packet(e, f, pkt, dir);
        break;
    }
}

void app_engine_flow_end(struct app_engine *e, const struct flow *f)
{
    if (!f->app.buf)
        return;
    switch (f->app.proto) {
    case PS_APP_DNS: case PS_APP_MDNS: case PS_APP_LLMNR: app_dns_end(e, f); break;
    case PS_APP_HTTP: app_http_end(e, f); break;
    case PS_APP_TLS: case PS_APP_QUIC: app_tls_end(e, f); break;
    default: break;
    }
}
