/* tsv.c - tab-separated views of flows, packets and application events. */
#include "tsv.h"

#include "app.h"
#include "app_events.h"
#include "copybuf.h"
#include "flow_export.h"

#include <string.h>

struct tsv {
    enum tsv_kind kind;
    FILE *out;
    struct ps_sink chain; /* the sink that also receives everything (summary) */
};

static struct tsv tsv_state; /* one TSV stream per process */

enum tsv_kind tsv_kind_from(const char *name)
{
    static const char *const names[] = {"", "flows", "dns", "http", "tls", "packets"};
    for (int i = 1; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return (enum tsv_kind)i;
    return TSV_NONE;
}

static const char *dash(const char *s) { return s && *s ? s : "-"; }

static void put_addr(FILE *out, const struct ps_addr *a)
{
    char buf[64];
    ps_addr_format(a, buf, sizeof buf);
    fprintf(out, "%s\t", a->family ? buf : "-");
}

static void flow_line(void *ctx, const struct flow *f, enum flow_end_reason why)
{
    struct tsv *t = ctx;
    if (t->chain.flow)
        t->chain.flow(t->chain.ctx, f, why);
    if (t->kind != TSV_FLOWS)
        return;
    struct flow_export x;
    flow_export(f, 0, &x);
    FILE *o = t->out;
    fprintf(o, "%.6f\t%s\t", (double)f->first_us / 1e6, x.uid);
    put_addr(o, &x.orig_h);
    fprintf(o, "%u\t", x.orig_p);
    put_addr(o, &x.resp_h);
    fprintf(o, "%u\t%s\t%s%s\t%.6f\t%llu\t%llu\t%s\t%s\t", x.resp_p, x.proto,
            x.service_guess ? "~" : "", dash(x.service), x.duration,
            (unsigned long long)f->dir[0].payload_bytes,
            (unsigned long long)f->dir[1].payload_bytes, x.conn_state, dash(x.history));
    fprintf(o, "%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%u\t%s\t%s\n",
            (unsigned long long)f->dir[0].pkts, (unsigned long long)f->dir[0].ip_bytes,
            (unsigned long long)f->dir[1].pkts, (unsigned long long)f->dir[1].ip_bytes,
            (unsigned long long)f->dir[0].l2_bytes, (unsigned long long)f->dir[1].l2_bytes,
            f->key.vlan, x.community_id, flow_end_reason_name(why));
}

static void packet_line(void *ctx, const struct ps_packet *p, const struct flow *f, int dir)
{
    struct tsv *t = ctx;
    if (t->chain.packet)
        t->chain.packet(t->chain.ctx, p, f, dir);
    if (t->kind != TSV_PACKETS)
        return;
    char info[200];
    packet_info(p, info, sizeof info);
    fprintf(t->out, "%llu\t%.6f\t", (unsigned long long)p->frame, (double)p->ts_us / 1e6);
    put_addr(t->out, &p->src);
    put_addr(t->out, &p->dst);
    fprintf(t->out, "%s\t%u\t%u\t%s\n", packet_proto_name(p), p->wirelen, p->caplen, info);
}

static void join(FILE *o, const char *const *v, int n)
{
    if (n <= 0)
        fputs("-", o);
    for (int i = 0; i < n; i++)
        fprintf(o, "%s%s", i ? "," : "", v[i]);
}

static void event_line(void *ctx, const struct app_event *ev)
{
    struct tsv *t = ctx;
    if (t->chain.event)
        t->chain.event(t->chain.ctx, ev);
    FILE *o = t->out;
    char uid[20];
    flow_uid(0, ev->flow->id, uid);
    if (ev->kind == APP_EV_DNS && t->kind == TSV_DNS) {
        const struct ev_dns *d = ev->u.dns;
        fprintf(o, "%.6f\t%s\t%s\t%s\t%u\t", (double)ev->ts_us / 1e6, uid,
                dash(app_service_name(ev->flow->app.proto)), d->proto, d->trans_id);
        if (d->rtt_us >= 0)
            fprintf(o, "%.6f\t", (double)d->rtt_us / 1e6);
        else
            fputs("-\t", o);
        fprintf(o, "%s\t%d\t%s\t%d\t%s\t", dash(d->query), d->qtype, dash(d->qtype_name),
                d->rcode, dash(d->rcode_name));
        join(o, d->answers, d->n_answers);
        fputc('\n', o);
    } else if (ev->kind == APP_EV_HTTP && t->kind == TSV_HTTP) {
        const struct ev_http *h = ev->u.http;
        fprintf(o, "%.6f\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t", (double)ev->ts_us / 1e6, uid,
                h->depth, dash(h->method), dash(h->host), dash(h->uri), dash(h->version),
                h->status_code);
        if (h->info_code)
            fprintf(o, "%d\t", h->info_code);
        else
            fputs("-\t", o);
        fprintf(o, "%s\t%lld\t%lld\t%s\n", dash(h->mime),
                (long long)h->request_body_len, (long long)h->response_body_len,
                dash(h->user_agent));
    } else if (ev->kind == APP_EV_TLS && t->kind == TSV_TLS) {
        const struct ev_tls *s = ev->u.tls;
        fprintf(o, "%.6f\t%s\t%s\t%s\t%s\t", (double)ev->ts_us / 1e6, uid, s->transport,
                dash(s->version), dash(s->server_name));
        join(o, s->alpn, s->n_alpn);
        fprintf(o, "\t%s\t%s\t%s\n", dash(s->ja3), dash(s->ja4), s->established ? "T" : "F");
    }
}

static void bucket_pass(void *ctx, const struct traffic_bucket *b)
{
    struct tsv *t = ctx;
    if (t->chain.bucket)
        t->chain.bucket(t->chain.ctx, b);
}

static const char *header(enum tsv_kind k)
{
    switch (k) {
    case TSV_FLOWS:
        return "ts\tuid\torig_h\torig_p\tresp_h\tresp_p\tproto\tservice\tduration\torig_bytes\t"
               "resp_bytes\tconn_state\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\t"
               "resp_ip_bytes\torig_l2_bytes\tresp_l2_bytes\tvlan\tcommunity_id\tend_reason";
    case TSV_DNS:
        return "ts\tuid\tservice\tproto\ttrans_id\trtt\tquery\tqtype\tqtype_name\trcode\t"
               "rcode_name\tanswers";
    case TSV_HTTP:
        return "ts\tuid\ttrans_depth\tmethod\thost\turi\tversion\tstatus_code\tinfo_codes\tmime\t"
               "request_body_len\tresponse_body_len\tuser_agent";
    case TSV_TLS:
        return "ts\tuid\ttransport\tversion\tserver_name\talpn\tja3\tja4\testablished";
    case TSV_PACKETS:
        return "frame\tts\tsrc\tdst\tproto\tlength\tcaplen\tinfo";
    default:
        return "";
    }
}

struct ps_sink tsv_sink(enum tsv_kind kind, FILE *out, struct ps_sink chain)
{
    tsv_state.kind = kind;
    tsv_state.out = out;
    tsv_state.chain = chain;
    fprintf(out, "%s\n", header(kind));
    struct ps_sink s = {.ctx = &tsv_state, .packet = packet_line, .flow = flow_line,
                        .bucket = bucket_pass, .event = event_line};
    return s;
}
