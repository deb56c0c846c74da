/* app_flow_tls.c - TLS (RFC 8446/5246) and QUIC Initial (RFC 9001) per
 * flow: the ClientHello gives SNI, ALPN, JA3/JA4; the ServerHello the
 * version and cipher; records seen in both directions after it tell
 * whether the handshake completed. One tls row per handshake. */
#include "app_internal.h"
#include "strutil.h"
#include "app_quic.h"
#include "app_tls.h"

#include <stdio.h>
#include <string.h>

#define TLS_CT_CCS 20
#define TLS_CT_APPDATA 23

static void take_hello(struct tls_pending *t, const struct tls_hello *h, int quic, int64_t now)
{
    t->have_hello = 1;
    t->quic = (uint8_t)quic;
    t->ts_us = now;
    ps_strlcpy(t->sni, h->sni, sizeof t->sni);
    t->n_alpn = h->n_alpn;
    for (int i = 0; i < h->n_alpn && i < PS_MAX_ALPN; i++)
        ps_strlcpy(t->alpn[i], h->alpn[i], sizeof t->alpn[i]);
    tls_ja3(h, t->ja3);
    tls_ja4(h, quic != 0, t->ja4);
    if (!t->version)
        t->version = quic ? 0x0304 : 0;
}

static void emit(struct app_engine *e, const struct flow *f, struct tls_pending *t)
{
    const char *alpn[PS_MAX_ALPN];
    for (int i = 0; i < t->n_alpn; i++)
        alpn[i] = t->alpn[i];
    char cipher[16] = "";
    if (t->have_server)
        snprintf(cipher, sizeof cipher, "0x%04x", t->cipher);
    int established = t->have_server && ((t->ccs[0] && t->ccs[1]) ||
                                         (t->appdata[0] && t->appdata[1]));
    if (t->quic)
        established = f->dir[1].pkts > 0 && f->dir[0].pkts > 1;
    struct ev_tls ev = {.transport = t->quic ? "udp" : "tcp",
                        .version = t->version ? tls_version_name(t->version) : NULL,
                        .cipher = cipher[0] ? cipher : NULL,
                        .server_name = t->sni[0] ? t->sni : NULL, .n_alpn = t->n_alpn,
                        .alpn = alpn, .ja3 = t->quic ? NULL : t->ja3, .ja4 = t->ja4,
                        .established = established != 0};
    app_emit(e, APP_EV_TLS, f, t->ts_us, &ev);
    t->have_hello = 0;
}

/* Records starting at this segment: note CCS/application data per side. */
static void note_records(struct tls_pending *t, const uint8_t *p, uint32_t n, int dir)
{
    uint32_t off = 0;
    for (int i = 0; i < 16 && n - off >= 5; i++) {
        uint8_t ct = p[off];
        uint32_t len = ((uint32_t)p[off + 3] << 8) | p[off + 4];
        if (ct < 20 || ct > 24 || p[off + 1] != 3)
            return;
        t->ccs[dir] |= ct == TLS_CT_CCS;
        t->appdata[dir] |= ct == TLS_CT_APPDATA;
        off += 5 + len;
        if (off >= n)
            return;
    }
}

/* Parses a hello at the start of data; 1 done, 0 need more, -1 give up. */
static int parse_hello(struct tls_pending *t, int dir, const uint8_t *p, uint32_t n, int64_t now)
{
    static __thread struct tls_hello h;
    static __thread struct tls_server_hello sh;
    enum ps_result rc;
    if (dir == 0) {
        rc = tls_parse_record_client_hello(p, n, &h);
        if (rc == PS_OK)
            take_hello(t, &h, 0, now);
    } else {
        rc = tls_parse_server_hello(p, n, &sh);
        if (rc == PS_OK) {
            t->have_server = 1;
            t->version = sh.version;
            t->cipher = sh.cipher;
        }
    }
    return rc == PS_OK ? 1 : rc == PS_TRUNCATED ? 0 : -1;
}

void app_tls_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir)
{
    struct app_buf *b = app_buf_get(f);
    if (!b)
        return;
    struct tls_pending *t = &b->u.tls;
    int want = dir == 0 ? !f->app.tls_hello_seen : !f->app.tls_server_seen;
    if (want) {
        uint32_t have = pkt->payload_len;
        const uint8_t *p = pkt->payload;
        if (b->stream_len[dir] || !tls_is_handshake_record(p, have))
            p = b->stream_len[dir] ? app_stream_append(b, dir, pkt->seq, p, have, &have) : NULL;
        int r = p ? parse_hello(t, dir, p, have, pkt->ts_us) : -1;
        if (r == 0 && !b->stream_len[dir])
            app_stream_append(b, dir, pkt->seq, pkt->payload, pkt->payload_len, &have);
        if (r != 0) {
            app_stream_reset(b, dir);
            if (dir == 0)
                f->app.tls_hello_seen = 1;
            else
                f->app.tls_server_seen = 1;
        }
    }
    note_records(t, pkt->payload, pkt->payload_len, dir);
    if (t->have_hello && t->have_server && ((t->ccs[0] && t->ccs[1]) ||
                                            (t->appdata[0] && t->appdata[1])))
        emit(e, f, t);
    if (f->app.tls_hello_seen && !t->have_hello) { /* emitted, or no usable hello */
        f->app.finished = 1;
        app_flow_release(f);
    }
}

void app_quic_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir)
{
    static __thread struct quic_initial q;
    (void)e;
    if (dir != 0 || f->app.tls_hello_seen)
        return;
    if (quic_parse_initial(pkt->payload, pkt->payload_len, &q) != PS_OK && !q.has_hello)
        return;
    if (!q.has_hello)
        return;
    struct app_buf *b = app_buf_get(f);
    if (!b)
        return;
    take_hello(&b->u.tls, &q.hello, 1, pkt->ts_us);
    f->app.tls_hello_seen = 1;
}

void app_tls_end(struct app_engine *e, const struct flow *f)
{
    struct tls_pending *t = &f->app.buf->u.tls;
    if (t->have_hello)
        emit(e, f, t);
}
