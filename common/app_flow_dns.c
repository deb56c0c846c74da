/* app_flow_dns.c - DNS per flow: a query and its answer become one dns row
 * (as Zeek's dns.log), over UDP and TCP (RFC 1035 §4.2.2 length prefix). */
#include "app_dns.h"
#include "app_internal.h"

#include <string.h>

static const char *proto_of(const struct flow *f) { return f->key.proto == 6 ? "tcp" : "udp"; }

static void emit_pending(struct app_engine *e, const struct flow *f, struct dns_pending *q)
{
    struct ev_dns d = {.proto = proto_of(f), .trans_id = q->id, .rtt_us = -1, .query = q->qname,
                       .qclass = q->qclass, .qtype = q->qtype,
                       .qtype_name = dns_qtype_name(q->qtype), .rcode = -1};
    app_emit(e, APP_EV_DNS, f, q->ts_us, &d);
    q->ts_us = 0;
}

static void emit_answer(struct app_engine *e, const struct flow *f, const struct dns_msg *m,
                        const struct dns_pending *q, int64_t now)
{
    const char *answers[PS_MAX_DNS_RRS];
    uint32_t ttls[PS_MAX_DNS_RRS];
    size_t n = m->nanswers;
    for (size_t i = 0; i < n; i++) {
        answers[i] = m->answers[i].data;
        ttls[i] = m->answers[i].ttl;
    }
    struct ev_dns d = {.proto = proto_of(f), .trans_id = m->id,
                       .rtt_us = q ? now - q->ts_us : -1, .query = m->qname,
                       .qclass = m->qdcount ? m->qclass : -1, .qtype = m->qdcount ? m->qtype : -1,
                       .qtype_name = m->qdcount ? dns_qtype_name(m->qtype) : NULL,
                       .rcode = m->rcode, .rcode_name = dns_rcode_name(m->rcode),
                       .aa = m->aa, .tc = m->tc, .rd = m->rd, .ra = m->ra,
                       .rejected = m->rcode == 5, .n_answers = (int)n, .answers = answers,
                       .ttls = ttls};
    app_emit(e, APP_EV_DNS, f, q ? q->ts_us : now, &d);
}

/* One complete message. Queries wait for their answer (one outstanding per
 * flow; an older unanswered one is emitted alone). */
static void on_message(struct app_engine *e, struct flow *f, const uint8_t *p, size_t n,
                       int64_t now)
{
    static __thread struct dns_msg m; /* large: one per thread, not per call */
    if (dns_parse(p, n, &m) == PS_INVALID && m.qdcount == 0)
        return;
    struct app_buf *b = app_buf_get(f);
    if (!b)
        return;
    struct dns_pending *q = &b->u.dns;
    if (!m.qr) {
        if (q->ts_us)
            emit_pending(e, f, q);
        q->ts_us = now;
        q->id = m.id;
        q->qtype = m.qtype;
        q->qclass = m.qclass;
        memcpy(q->qname, m.qname, sizeof q->qname);
        return;
    }
    int matches = q->ts_us && q->id == m.id;
    emit_answer(e, f, &m, matches ? q : NULL, now);
    if (matches)
        q->ts_us = 0;
}

static void tcp_messages(struct app_engine *e, struct flow *f, const struct ps_packet *pkt,
                         int dir)
{
    struct app_buf *b = app_buf_get(f);
    if (!b)
        return;
    uint32_t have = 0;
    const uint8_t *s = app_stream_append(b, dir, pkt->seq, pkt->payload, pkt->payload_len, &have);
    if (!s) {
        app_stream_reset(b, dir);
        return;
    }
    uint32_t off = 0;
    while (have - off >= 2) {
        uint32_t len = ((uint32_t)s[off] << 8) | s[off + 1];
        if (have - off - 2 < len)
            break; /* wait for the rest */
        on_message(e, f, s + off + 2, len, pkt->ts_us);
        off += 2 + len;
    }
    app_stream_consume(b, dir, off); /* keeps a partial message's tail */
}

void app_dns_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir)
{
    if (pkt->ip_proto == 6)
        tcp_messages(e, f, pkt, dir);
    else
        on_message(e, f, pkt->payload, pkt->payload_len, pkt->ts_us);
    if (f->app.buf)
        app_buf_release_if_idle(f, f->app.buf->u.dns.ts_us != 0);
}

void app_dns_end(struct app_engine *e, const struct flow *f)
{
    struct dns_pending *q = &f->app.buf->u.dns;
    if (q->ts_us)
        emit_pending(e, f, q);
}
