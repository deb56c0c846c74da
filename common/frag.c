/* frag.c - IP fragment tracking: which frame completes a datagram. */
#include "frag.h"

#include <string.h>

void frag_init(struct frag_table *t) { memset(t, 0, sizeof *t); }

static uint32_t frag_hash(const struct ps_packet *p)
{
    uint32_t h = p->ip_id * 2654435761u;
    for (int i = 0; i < 16; i += 4) {
        uint32_t w;
        memcpy(&w, p->src.b + i, 4);
        h = (h ^ w) * 16777619u;
        memcpy(&w, p->dst.b + i, 4);
        h = (h ^ w) * 16777619u;
    }
    return (h ^ p->frag_proto ^ ((uint32_t)p->vlan << 8)) % PS_FRAG_SLOTS;
}

static int same_datagram(const struct frag_entry *e, const struct ps_packet *p)
{
    return e->used && e->id == p->ip_id && e->proto == p->frag_proto && e->vlan == p->vlan &&
           memcmp(&e->src, &p->src, sizeof e->src) == 0 &&
           memcmp(&e->dst, &p->dst, sizeof e->dst) == 0;
}

/* Merges [lo, hi) into the sorted, disjoint interval list. */
static void add_interval(struct frag_table *t, struct frag_entry *e, uint32_t lo, uint32_t hi)
{
    uint32_t n = 0;
    struct { uint32_t lo, hi; } out[PS_FRAG_INTERVALS + 1];
    int placed = 0;
    for (uint32_t i = 0; i < e->n_iv; i++) {
        if (e->iv[i].hi < lo) {
            out[n].lo = e->iv[i].lo;
            out[n++].hi = e->iv[i].hi;
        } else if (e->iv[i].lo > hi) {
            if (!placed) {
                out[n].lo = lo;
                out[n++].hi = hi;
                placed = 1;
            }
            out[n].lo = e->iv[i].lo;
            out[n++].hi = e->iv[i].hi;
        } else {
            lo = e->iv[i].lo < lo ? e->iv[i].lo : lo;
            hi = e->iv[i].hi > hi ? e->iv[i].hi : hi;
        }
    }
    if (!placed) {
        out[n].lo = lo;
        out[n++].hi = hi;
    }
    if (n > PS_FRAG_INTERVALS) { /* too scattered: keep the first ones */
        t->overflow++;
        n = PS_FRAG_INTERVALS;
    }
    memcpy(e->iv, out, n * sizeof out[0]);
    e->n_iv = (uint8_t)n;
}

static struct frag_entry *entry_for(struct frag_table *t, const struct ps_packet *p)
{
    struct frag_entry *e = &t->e[frag_hash(p)];
    if (same_datagram(e, p) && p->ts_us - e->ts_us <= PS_FRAG_TIMEOUT_US)
        return e;
    if (e->used)
        t->lost++;
    memset(e, 0, sizeof *e);
    e->used = 1;
    e->src = p->src;
    e->dst = p->dst;
    e->id = p->ip_id;
    e->proto = p->frag_proto;
    e->vlan = p->vlan;
    e->ts_us = p->ts_us;
    return e;
}

static void remember_first(struct frag_entry *e, const struct ps_packet *p)
{
    e->have_first = 1;
    e->first = *p;
    e->first.payload = NULL;
    e->first.payload_len = 0;
    e->ip_hdr_len = p->ip_len - p->frag_len;
    e->l4_hdr_len = p->frag_len >= p->payload_wire ? p->frag_len - p->payload_wire : 0;
}

static int complete(const struct frag_entry *e)
{
    return e->have_first && e->have_last && e->n_iv == 1 && e->iv[0].lo == 0 &&
           e->iv[0].hi >= e->total;
}

int frag_add(struct frag_table *t, const struct ps_packet *p, struct ps_packet *out,
             uint32_t *frames)
{
    struct frag_entry *e = entry_for(t, p);
    uint32_t lo = (uint32_t)p->frag_offset * 8u, hi = lo + p->frag_len;
    e->frames++;
    if (p->first_fragment && !e->have_first)
        remember_first(e, p);
    if (!p->more_fragments) {
        e->have_last = 1;
        e->total = hi;
    }
    add_interval(t, e, lo, hi);
    if (!complete(e))
        return 0;
    *out = e->first;
    out->frame = p->frame;
    out->ts_us = p->ts_us;
    out->caplen = p->caplen;
    out->wirelen = p->wirelen;
    out->ip_len = e->ip_hdr_len + e->total;
    out->l3_payload = e->total;
    out->payload_wire = e->total >= e->l4_hdr_len ? e->total - e->l4_hdr_len : 0;
    if (p->first_fragment) { /* single-frame "datagram": keep its payload */
        out->payload = p->payload;
        out->payload_len = p->payload_len;
    }
    *frames = e->frames;
    e->used = 0;
    t->completed++;
    return 1;
}
