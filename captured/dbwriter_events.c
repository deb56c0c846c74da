/* dbwriter_events.c - rows of the dns, http and tls tables. */
#include "app_events.h"
#include "copybuf.h"
#include "dbwriter.h"
#include "flow_export.h"

struct copybuf *dbwriter_buf(struct dbwriter *w, int which);
void dbwriter_maybe_ship(struct dbwriter *w, int which);
uint64_t dbwriter_capture_id(const struct dbwriter *w);
void dbwriter_event_row(struct dbwriter *w, const struct app_event *ev);

enum { E_DNS, E_HTTP, E_TLS };

static void opt_i64(struct copybuf *b, int64_t v, int64_t none)
{
    if (v == none)
        copy_null(b);
    else
        copy_i64(b, v);
}

static void opt_secs(struct copybuf *b, int64_t us)
{
    if (us < 0)
        copy_null(b);
    else
        copy_double(b, (double)us / 1e6);
}

/* capture_id, ts, uid, community_id, orig_h, orig_p, resp_h, resp_p */
static void common_cols(struct copybuf *b, uint64_t capture_id, const struct app_event *ev)
{
    struct flow_export x;
    flow_export(ev->flow, capture_id, &x);
    copy_u64(b, capture_id);
    copy_ts(b, ev->ts_us);
    copy_text(b, x.uid);
    copy_text(b, x.community_id);
    copy_inet(b, &x.orig_h);
    copy_i64(b, x.orig_p);
    copy_inet(b, &x.resp_h);
    copy_i64(b, x.resp_p);
}

static void dns_row(struct dbwriter *w, const struct app_event *ev)
{
    const struct ev_dns *d = ev->u.dns;
    struct copybuf *b = dbwriter_buf(w, E_DNS);
    common_cols(b, dbwriter_capture_id(w), ev);
    copy_text(b, d->proto);
    copy_i64(b, d->trans_id);
    opt_secs(b, d->rtt_us);
    copy_text(b, d->query);
    opt_i64(b, d->qclass, -1);
    opt_i64(b, d->qtype, -1);
    copy_text(b, d->qtype_name);
    opt_i64(b, d->rcode, -1);
    copy_text(b, d->rcode_name);
    copy_bool(b, d->aa);
    copy_bool(b, d->tc);
    copy_bool(b, d->rd);
    copy_bool(b, d->ra);
    if (d->n_answers > 0) {
        copy_text_array(b, d->answers, (size_t)d->n_answers);
        char ttl[PS_EV_MAX_ANSWERS][16];
        const char *ttlp[PS_EV_MAX_ANSWERS];
        int n = d->n_answers < PS_EV_MAX_ANSWERS ? d->n_answers : PS_EV_MAX_ANSWERS;
        for (int i = 0; i < n; i++) {
            snprintf(ttl[i], sizeof ttl[i], "%u", d->ttls[i]);
            ttlp[i] = ttl[i];
        }
        copy_text_array(b, ttlp, (size_t)n);
    } else {
        copy_null(b);
        copy_null(b);
    }
    copy_bool(b, d->rejected);
    copy_end_row(b);
    dbwriter_maybe_ship(w, E_DNS);
}

static void http_row(struct dbwriter *w, const struct app_event *ev)
{
    const struct ev_http *h = ev->u.http;
    struct copybuf *b = dbwriter_buf(w, E_HTTP);
    common_cols(b, dbwriter_capture_id(w), ev);
    copy_i64(b, h->depth);
    copy_text(b, h->method);
    copy_text(b, h->host);
    copy_text(b, h->uri);
    copy_text(b, h->referrer);
    copy_text(b, h->version);
    copy_text(b, h->user_agent);
    opt_i64(b, h->request_body_len, -1);
    opt_i64(b, h->response_body_len, -1);
    opt_i64(b, h->status_code, 0);
    copy_text(b, h->status_msg);
    opt_i64(b, h->info_code, 0);
    if (h->mime && *h->mime)
        copy_text_array(b, &h->mime, 1);
    else
        copy_null(b);
    opt_secs(b, h->rtt_us);
    copy_end_row(b);
    dbwriter_maybe_ship(w, E_HTTP);
}

static void tls_row(struct dbwriter *w, const struct app_event *ev)
{
    const struct ev_tls *t = ev->u.tls;
    struct copybuf *b = dbwriter_buf(w, E_TLS);
    common_cols(b, dbwriter_capture_id(w), ev);
    copy_text(b, t->transport);
    copy_text(b, t->version);
    copy_text(b, t->cipher);
    copy_text(b, t->server_name);
    if (t->n_alpn > 0)
        copy_text_array(b, t->alpn, (size_t)t->n_alpn);
    else
        copy_null(b);
    copy_text(b, t->ja3);
    copy_text(b, t->ja4);
    copy_bool(b, t->established);
    copy_end_row(b);
    dbwriter_maybe_ship(w, E_TLS);
}

void dbwriter_event_row(struct dbwriter *w, const struct app_event *ev)
{
    switch (ev->kind) {
    case APP_EV_DNS: dns_row(w, ev); break;
    case APP_EV_HTTP: http_row(w, ev); break;
    case APP_EV_TLS: tls_row(w, ev); break;
    default: break; /* DHCP, SSH, logins: kept for the detectors */
    }
}
