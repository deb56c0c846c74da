/* app_engine.h - runs the application parsers on a flow's packets and
 * emits application events (DNS, HTTP, TLS, ...) to the sink. */
#ifndef PS_APP_ENGINE_H
#define PS_APP_ENGINE_H

#include "app.h"
#include "pipeline.h"

struct app_engine;

struct app_engine *app_engine_new(const struct ps_sink *sink, uint64_t capture_id);
void app_engine_free(struct app_engine *e);
/* Stops all further events (the sink is going away). */
void app_engine_detach(struct app_engine *e);

/* Inspects one packet of flow f (dir 0 = from the originator). */
void app_engine_packet(struct app_engine *e, struct flow *f, const struct ps_packet *pkt, int dir);
/* Called before a flow is exported: emits what is still pending (a DNS query
 * without answer, an HTTP request without response). */
void app_engine_flow_end(struct app_engine *e, const struct flow *f);

/* Frees what the application layer attached to f (its reassembly buffer). */
void app_flow_release(struct flow *f);

#endif
