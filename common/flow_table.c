/* flow_table.c - bounded open-addressing flow table with per-class LRU lists
 * for O(1) idle expiry and eviction. */
#include "flow.h"
#include "hashfn.h"

#include <stdlib.h>
#include <string.h>

#define LRU_TCP 0
#define LRU_UDP 1
#define LRU_OTHER 2
#define LRU_CLASSES 3
#define PS_FLOW_INITIAL_SLOTS 8192

struct slot {
    uint32_t hash;
    uint32_t idx; /* flow index + 1; 0 = empty */
};

struct lru {
    uint32_t head, tail; /* index + 1 */
};

struct flow_table {
    struct flow_config cfg;
    struct flow *flows;
    uint32_t *free_list; /* indices of ended flows, reused last-in first-out */
    uint32_t n_free;
    uint32_t n_fresh;    /* flows[n_fresh..] never used yet */
    struct slot *slots;
    uint32_t mask;       /* slots - 1; the index doubles as flows arrive */
    uint32_t max_mask;   /* largest index: 2 slots per flow of capacity */
    struct lru lru[LRU_CLASSES];
    size_t count;
    uint64_t next_id;
    flow_end_fn on_end;
    void *ctx;
    struct flow_stats stats;
    int64_t next_active_scan; /* µs: the next walk for active timeouts */
};

void flow_config_defaults(struct flow_config *cfg)
{
    cfg->max_flows = 1u << 20;
    cfg->tcp_idle_us = 300LL * 1000000;   /* Zeek tcp_inactivity_timeout: 5 min */
    cfg->tcp_closed_us = 5LL * 1000000;   /* Zeek tcp_close_delay: 5 s */
    cfg->udp_idle_us = 60LL * 1000000;    /* Zeek udp_inactivity_timeout: 1 min */
    cfg->other_idle_us = 60LL * 1000000;  /* Zeek icmp_inactivity_timeout: 1 min */
    cfg->active_us = 3600LL * 1000000;    /* 1 h, as NetFlow exporters commonly use */
}

/* Multiply-xor over the key's words, then one finaliser: the key is already
 * direction-normalised, and an attacker-chosen collision only lengthens a
 * probe chain of a bounded table. */
static uint32_t key_hash(const struct flow_key *k)
{
    uint64_t w[4];
    memcpy(w, k->a, 16);
    memcpy(w + 2, k->b, 16);
    uint64_t ports = ((uint64_t)k->pa << 40) | ((uint64_t)k->pb << 24) |
                     ((uint64_t)k->vlan << 8) | k->proto;
    uint64_t h = (w[0] * 0x9e3779b97f4a7c15ULL) ^ (w[1] * 0xc2b2ae3d27d4eb4fULL) ^
                 (w[2] * 0x165667b19e3779f9ULL) ^ (w[3] * 0x27d4eb2f165667c5ULL) ^
                 (ports * 0xff51afd7ed558ccdULL);
    return (uint32_t)ps_mix64(h);
}

static int key_equal(const struct flow_key *x, const struct flow_key *y)
{
    return x->pa == y->pa && x->pb == y->pb && x->proto == y->proto && x->vlan == y->vlan &&
           memcmp(x->a, y->a, 16) == 0 && memcmp(x->b, y->b, 16) == 0;
}

static uint32_t round_pow2(uint64_t n)
{
    uint32_t p = 1;
    while (p < n && p < (1u << 31))
        p <<= 1;
    return p;
}

struct flow_table *flow_table_new(const struct flow_config *cfg, flow_end_fn on_end, void *ctx)
{
    struct flow_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    if (t->cfg.max_flows < 16)
        t->cfg.max_flows = 16;
    uint32_t nslots = round_pow2((uint64_t)t->cfg.max_flows * 2);
    t->max_mask = nslots - 1;
    if (nslots > PS_FLOW_INITIAL_SLOTS) /* a small index stays in cache */
        nslots = PS_FLOW_INITIAL_SLOTS;
    t->mask = nslots - 1;
    t->flows = malloc((size_t)t->cfg.max_flows * sizeof *t->flows);
    t->free_list = malloc((size_t)t->cfg.max_flows * sizeof *t->free_list);
    t->slots = calloc(nslots, sizeof *t->slots);
    if (!t->flows || !t->free_list || !t->slots) {
        free(t->flows);
        free(t->free_list);
        free(t->slots);
        free(t);
        return NULL;
    }
    t->on_end = on_end;
    t->ctx = ctx;
    return t;
}

static int lru_class_of(uint8_t proto)
{
    return proto == 6 ? LRU_TCP : proto == 17 ? LRU_UDP : LRU_OTHER;
}

static void lru_unlink(struct flow_table *t, struct flow *f)
{
    struct lru *l = &t->lru[f->lru_class];
    if (f->lru_prev)
        t->flows[f->lru_prev - 1].lru_next = f->lru_next;
    else
        l->head = f->lru_next;
    if (f->lru_next)
        t->flows[f->lru_next - 1].lru_prev = f->lru_prev;
    else
        l->tail = f->lru_prev;
    f->lru_prev = f->lru_next = 0;
}

static void lru_append(struct flow_table *t, struct flow *f)
{
    struct lru *l = &t->lru[f->lru_class];
    uint32_t me = (uint32_t)(f - t->flows) + 1;
    f->lru_prev = l->tail;
    f->lru_next = 0;
    if (l->tail)
        t->flows[l->tail - 1].lru_next = me;
    else
        l->head = me;
    l->tail = me;
}

/* Removes the index slot of flow idx (backward-shift deletion keeps linear
 * probing correct without tombstones). */
static void slot_remove(struct flow_table *t, uint32_t hash, uint32_t idx)
{
    uint32_t i = hash & t->mask;
    while (t->slots[i].idx != idx + 1)
        i = (i + 1) & t->mask;
    for (;;) {
        t->slots[i].idx = 0;
        uint32_t j = i;
        for (;;) {
            j = (j + 1) & t->mask;
            if (t->slots[j].idx == 0)
                return;
            uint32_t home = t->slots[j].hash & t->mask;
            /* move j back to i when its home is not in (i, j] cyclically */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
                break;
        }
        t->slots[i] = t->slots[j];
        i = j;
    }
}

void app_flow_release(struct flow *f); /* app.c: frees f->app.buf */

static void flow_end(struct flow_table *t, struct flow *f, enum flow_end_reason why)
{
    uint32_t idx = (uint32_t)(f - t->flows);
    if (t->on_end)
        t->on_end(t->ctx, f, why);
    app_flow_release(f);
    lru_unlink(t, f);
    slot_remove(t, f->hash, idx);
    t->free_list[t->n_free++] = idx;
    t->count--;
    t->stats.ended++;
    if (why == FLOW_END_EVICT)
        t->stats.evicted++;
}

static struct flow *lookup(struct flow_table *t, const struct flow_key *k, uint32_t h,
                           uint32_t *slot_out)
{
    uint32_t i = h & t->mask;
    for (;;) {
        struct slot *s = &t->slots[i];
        if (s->idx == 0) {
            *slot_out = i;
            return NULL;
        }
        if (s->hash == h && key_equal(&t->flows[s->idx - 1].key, k))
            return &t->flows[s->idx - 1];
        i = (i + 1) & t->mask;
    }
}

/* Evicts the least recently used flow of the fullest class. */
static void evict_one(struct flow_table *t)
{
    int best = -1;
    int64_t oldest = INT64_MAX;
    for (int c = 0; c < LRU_CLASSES; c++) {
        if (t->lru[c].head && t->flows[t->lru[c].head - 1].last_us < oldest) {
            oldest = t->flows[t->lru[c].head - 1].last_us;
            best = c;
        }
    }
    if (best >= 0)
        flow_end(t, &t->flows[t->lru[best].head - 1], FLOW_END_EVICT);
}

/* Doubles the index when it is half full (keeps probes short). */
static int grow_index(struct flow_table *t)
{
    uint32_t nmask = t->mask * 2 + 1;
    struct slot *n = calloc((size_t)nmask + 1, sizeof *n);
    if (!n)
        return -1;
    for (uint32_t i = 0; i <= t->mask; i++) {
        if (!t->slots[i].idx)
            continue;
        uint32_t j = t->slots[i].hash & nmask;
        while (n[j].idx)
            j = (j + 1) & nmask;
        n[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = n;
    t->mask = nmask;
    return 0;
}

static struct flow *create(struct flow_table *t, const struct flow_key *k, uint32_t h,
                           uint32_t slot)
{
    if ((t->count + 1) * 2 > t->mask + 1 && t->mask < t->max_mask && grow_index(t) == 0)
        lookup(t, k, h, &slot); /* the free slot moved */
    if (t->n_free == 0 && t->n_fresh == t->cfg.max_flows) {
        evict_one(t);
        lookup(t, k, h, &slot); /* deletion shifted slots: find the free one again */
    }
    /* ended flows first, then never-used ones in order: no page of the
     * table is touched before it is needed */
    uint32_t idx = t->n_free ? t->free_list[--t->n_free] : t->n_fresh++;
    struct flow *f = &t->flows[idx];
    memset(f, 0, sizeof *f);
    f->key = *k;
    f->hash = h;
    f->id = ++t->next_id;
    f->lru_class = (uint8_t)lru_class_of(k->proto);
    t->slots[slot].hash = h;
    t->slots[slot].idx = idx + 1;
    lru_append(t, f);
    t->count++;
    t->stats.created++;
    if (t->count > t->stats.peak)
        t->stats.peak = t->count;
    return f;
}

void flow_key_from(const struct ps_packet *pkt, struct flow_key *k, int *a_is_src);
void flow_packet_update(struct flow *f, const struct ps_packet *pkt, int dir, int new_flow);
int flow_is_new_connection(const struct flow *f, const struct ps_packet *pkt, int dir);
int flow_pick_originator(const struct ps_packet *pkt, int a_is_src);

static int64_t idle_limit(const struct flow_table *t, const struct flow *f)
{
    if (f->key.proto == 6) {
        int closed = (f->dir[0].state >= EP_CLOSED && f->dir[1].state >= EP_CLOSED) ||
                     f->dir[0].state == EP_RESET || f->dir[1].state == EP_RESET;
        return closed ? t->cfg.tcp_closed_us : t->cfg.tcp_idle_us;
    }
    return f->key.proto == 17 ? t->cfg.udp_idle_us : t->cfg.other_idle_us;
}

void flow_lookup_of(const struct ps_packet *pkt, struct flow_lookup *l)
{
    flow_key_from(pkt, &l->key, &l->a_is_src);
    l->hash = key_hash(&l->key);
}

void flow_table_prefetch(const struct flow_table *t, uint32_t hash)
{
    __builtin_prefetch(&t->slots[hash & t->mask]);
}

struct flow *flow_table_update(struct flow_table *t, const struct ps_packet *pkt, int *dir)
{
    struct flow_lookup l;
    flow_lookup_of(pkt, &l);
    return flow_table_update_with(t, pkt, &l, dir);
}

struct flow *flow_table_update_with(struct flow_table *t, const struct ps_packet *pkt,
                                    const struct flow_lookup *l, int *dir)
{
    const struct flow_key k = l->key;
    int a_is_src = l->a_is_src;
    uint32_t h = l->hash, slot;
    struct flow *f = lookup(t, &k, h, &slot);
    int is_new = 0;
    if (f) {
        int d = (a_is_src == f->orig_is_a) ? 0 : 1;
        enum flow_end_reason why = FLOW_END_REUSE;
        int restart = flow_is_new_connection(f, pkt, d);
        if (!restart && pkt->ts_us - f->first_us > t->cfg.active_us) {
            restart = 1;
            why = FLOW_END_ACTIVE;
        }
        if (!restart && pkt->ts_us - f->last_us > idle_limit(t, f)) {
            restart = 1;
            why = FLOW_END_IDLE;
        }
        if (restart) {
            t->stats.active_restarts += why == FLOW_END_ACTIVE;
            t->stats.reused += why == FLOW_END_REUSE;
            flow_end(t, f, why);
            f = lookup(t, &k, h, &slot);
        }
    }
    if (!f) {
        f = create(t, &k, h, slot);
        f->orig_is_a = (uint8_t)flow_pick_originator(pkt, a_is_src);
        f->first_us = pkt->ts_us;
        is_new = 1;
    } else {
        lru_unlink(t, f);
        lru_append(t, f);
    }
    *dir = (a_is_src == f->orig_is_a) ? 0 : 1;
    flow_packet_update(f, pkt, *dir, is_new);
    return f;
}

struct flow *flow_table_lookup(struct flow_table *t, const struct ps_packet *pkt)
{
    struct flow_key k;
    int a_is_src;
    uint32_t slot;
    flow_key_from(pkt, &k, &a_is_src);
    return lookup(t, &k, key_hash(&k), &slot);
}

struct flow *flow_table_find(struct flow_table *t, const struct ps_addr *src,
                             const struct ps_addr *dst, uint8_t proto, uint16_t sport,
                             uint16_t dport, uint16_t vlan)
{
    struct ps_packet p;
    memset(&p, 0, sizeof p);
    p.src = *src;
    p.dst = *dst;
    p.ip_proto = proto;
    p.sport = sport;
    p.dport = dport;
    p.vlan = vlan;
    p.has_ports = proto == 6 || proto == 17 || proto == 132;
    return flow_table_lookup(t, &p);
}

/* Active timeout without a new packet: a flow older than active_us that has
 * gone quiet is exported on the clock, not only when its next packet comes
 * (or at its idle limit). It walks every flow, so it runs at most every
 * active_us / 16, and never more than once a second. */
static void expire_active(struct flow_table *t, int64_t now_us)
{
    if (now_us < t->next_active_scan)
        return;
    int64_t period = t->cfg.active_us / 16;
    t->next_active_scan = now_us + (period > 1000000 ? period : 1000000);
    for (int c = 0; c < LRU_CLASSES; c++) {
        uint32_t idx = t->lru[c].head;
        while (idx) {
            struct flow *f = &t->flows[idx - 1];
            idx = f->lru_next; /* read before flow_end unlinks f */
            if (now_us - f->first_us > t->cfg.active_us) {
                t->stats.active_restarts++;
                flow_end(t, f, FLOW_END_ACTIVE);
            }
        }
    }
}

void flow_table_expire(struct flow_table *t, int64_t now_us)
{
    for (int c = 0; c < LRU_CLASSES; c++) {
        while (t->lru[c].head) {
            struct flow *f = &t->flows[t->lru[c].head - 1];
            if (now_us - f->last_us <= idle_limit(t, f))
                break;
            /* closed TCP flows have a short limit but sit in the same list:
             * stop at the first live one, they are ordered by last_us */
            flow_end(t, f, FLOW_END_IDLE);
        }
    }
    expire_active(t, now_us); /* after idle expiry: an idle flow ends as idle */
}

void flow_table_flush(struct flow_table *t, enum flow_end_reason why)
{
    for (int c = 0; c < LRU_CLASSES; c++)
        while (t->lru[c].head)
            flow_end(t, &t->flows[t->lru[c].head - 1], why);
}

void flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    flow_table_flush(t, FLOW_END_EOF);
    free(t->flows);
    free(t->free_list);
    free(t->slots);
    free(t);
}

const struct flow_stats *flow_table_stats(const struct flow_table *t) { return &t->stats; }
size_t flow_table_count(const struct flow_table *t) { return t->count; }

size_t flow_table_memory(const struct flow_table *t)
{
    return sizeof *t + (size_t)t->cfg.max_flows * (sizeof(struct flow) + sizeof(uint32_t)) +
           ((size_t)t->mask + 1) * sizeof(struct slot);
}
