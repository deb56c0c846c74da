/* app_engine.c - application detection per flow: payload first, port as a
 * marked guess. */
#include "app_engine.h"

#include <stdlib.h>
#include <string.h>

struct app_buf {
    uint32_t len;
    uint8_t data[];
};

struct app_engine {
    struct ps_sink sink;
    uint64_t capture_id;
};

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

void app_flow_release(struct flow *f)
{
    free(f->app.buf);
    f->app.buf = NULL;
}

static void guess(struct flow *f, const struct ps_packet *pkt, int dir)
{
    uint16_t resp_port = dir == 0 ? pkt->dport : pkt->sport;
    uint16_t orig_port = dir == 0 ? pkt->sport : pkt->dport;
    uint16_t app = app_guess_by_port(pkt->ip_proto, resp_port);
    if (!app)
        app = app_guess_by_port(pkt->ip_proto, orig_port);
    if (app) {
        f->app.proto = app;
        f->app.guess = 1;
    }
}

void app_engine_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir)
{
    (void)e;
    if (f->app.proto == PS_APP_NONE && pkt->has_ports && !f->app.done) {
        guess(f, pkt, dir);
        f->app.done = 1;
    }
}

void app_engine_flow_end(struct app_engine *e, const struct flow *f)
{
    (void)e;
    (void)f;
}
