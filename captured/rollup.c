/* rollup.c - in-memory rollups of a file capture (see rollup.h). */
#include "rollup.h"

#include "batch.h"
#include "copybuf.h"
#include "hashfn.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLLUP_MAX_HOSTS_DEFAULT 262144
#define ROLLUP_MAX_KEYS 65536 /* ports or services: (proto, port) pairs at most */

enum { OF, OP, OB, RF, RP, RB, SP, SB, XP, XB, NV }; /* host_rollup's sums, in column order */

struct host_sum {
    struct ps_addr addr; /* family 0: empty slot */
    char cc[16];         /* "" = NULL */
    uint64_t v[NV];
    int64_t first_us, last_us;
};

struct key_sum {
    int used;
    char proto[8];
    int32_t port;     /* port table */
    char service[32]; /* service table */
    uint64_t flows, packets, bytes;
};

struct key_table {
    struct key_sum *slots;
    size_t cap, count;
};

struct rollup {
    struct host_sum *hosts;
    size_t host_cap, host_count, max_hosts;
    struct key_table ports, services;
    int given_up;
};

struct rollup *rollup_new(size_t max_hosts)
{
    struct rollup *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->max_hosts = max_hosts ? max_hosts : ROLLUP_MAX_HOSTS_DEFAULT;
    r->host_cap = 1024;
    r->hosts = calloc(r->host_cap, sizeof *r->hosts);
    r->ports.cap = r->services.cap = 256;
    r->ports.slots = calloc(r->ports.cap, sizeof *r->ports.slots);
    r->services.slots = calloc(r->services.cap, sizeof *r->services.slots);
    if (!r->hosts || !r->ports.slots || !r->services.slots) {
        rollup_free(r);
        return NULL;
    }
    return r;
}

void rollup_free(struct rollup *r)
{
    if (!r)
        return;
    free(r->hosts);
    free(r->ports.slots);
    free(r->services.slots);
    free(r);
}

int rollup_usable(const struct rollup *r) { return r && !r->given_up; }
size_t rollup_hosts(const struct rollup *r) { return r ? r->host_count : 0; }

static uint64_t addr_hash(const struct ps_addr *a)
{
    return ps_hash_bytes(a->b, sizeof a->b, a->family);
}

/* Doubles the host table (load kept under 1/2). 0, or -1 out of memory. */
static int hosts_grow(struct rollup *r)
{
    size_t cap = r->host_cap * 2;
    struct host_sum *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < r->host_cap; i++) {
        if (!r->hosts[i].addr.family)
            continue;
        size_t j = addr_hash(&r->hosts[i].addr) & (cap - 1);
        while (n[j].addr.family)
            j = (j + 1) & (cap - 1);
        n[j] = r->hosts[i];
    }
    free(r->hosts);
    r->hosts = n;
    r->host_cap = cap;
    return 0;
}

/* The host's sums, created empty; NULL once the rollup has given up. */
static struct host_sum *host_of(struct rollup *r, const struct ps_addr *a)
{
    size_t j = addr_hash(a) & (r->host_cap - 1);
    while (r->hosts[j].addr.family) {
        struct host_sum *h = &r->hosts[j];
        if (h->addr.family == a->family && memcmp(h->addr.b, a->b, sizeof a->b) == 0)
            return h;
        j = (j + 1) & (r->host_cap - 1);
    }
    if (r->host_count >= r->max_hosts) {
        r->given_up = 1;
        return NULL;
    }
    if ((r->host_count + 1) * 2 > r->host_cap) {
        if (hosts_grow(r) < 0) {
            r->given_up = 1;
            return NULL;
        }
        return host_of(r, a);
    }
    struct host_sum *h = &r->hosts[j];
    memset(h, 0, sizeof *h);
    h->addr = *a;
    h->first_us = INT64_MAX;
    h->last_us = INT64_MIN;
    r->host_count++;
    return h;
}

static int key_equal(const struct key_sum *k, const char *proto, int32_t port, const char *service)
{
    return k->port == port && strcmp(k->proto, proto) == 0 && strcmp(k->service, service) == 0;
}

static uint64_t key_hash(const char *proto, int32_t port, const char *service)
{
    return ps_hash_bytes(service, strlen(service), ps_hash_bytes(proto, strlen(proto), (uint64_t)port));
}

static int keys_grow(struct key_table *t)
{
    size_t cap = t->cap * 2;
    struct key_sum *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        struct key_sum *k = &t->slots[i];
        if (!k->used)
            continue;
        size_t j = key_hash(k->proto, k->port, k->service) & (cap - 1);
        while (n[j].used)
            j = (j + 1) & (cap - 1);
        n[j] = *k;
    }
    free(t->slots);
    t->slots = n;
    t->cap = cap;
    return 0;
}

/* Adds one flow to the (proto, port, service) entry; 0, or -1 (gave up). */
static int key_add(struct key_table *t, const char *proto, int32_t port, const char *service,
                   uint64_t packets, uint64_t bytes)
{
    if (strlen(proto) >= sizeof t->slots[0].proto || strlen(service) >= sizeof t->slots[0].service)
        return -1;
    size_t j = key_hash(proto, port, service) & (t->cap - 1);
    while (t->slots[j].used && !key_equal(&t->slots[j], proto, port, service))
        j = (j + 1) & (t->cap - 1);
    struct key_sum *k = &t->slots[j];
    if (!k->used) {
        if (t->count >= ROLLUP_MAX_KEYS)
            return -1;
        if ((t->count + 1) * 2 > t->cap)
            return keys_grow(t) < 0 ? -1 : key_add(t, proto, port, service, packets, bytes);
        k->used = 1;
        snprintf(k->proto, sizeof k->proto, "%s", proto);
        snprintf(k->service, sizeof k->service, "%s", service);
        k->port = port;
        t->count++;
    }
    k->flows++;
    k->packets += packets;
    k->bytes += bytes;
    return 0;
}

/* The end of the flow as PostgreSQL computes it from the row: the start plus
 * make_interval(secs => duration), where duration went through COPY as
 * "%.6f" (copy_double) and make_interval rounds seconds to microseconds. */
static int64_t stored_end_us(int64_t first_us, double duration)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.6f", duration);
    return first_us + (int64_t)rint(strtod(tmp, NULL) * 1e6);
}

static void host_add(struct host_sum *h, const char *cc, int orig, uint64_t pk, uint64_t by,
                     uint64_t sp, uint64_t sb, uint64_t xp, uint64_t xb, int64_t ts, int64_t te)
{
    if (cc && strcmp(cc, h->cc) > 0) /* max(cc): NULLs aside, any text beats "" */
        snprintf(h->cc, sizeof h->cc, "%s", cc);
    h->v[orig ? OF : RF] += 1;
    h->v[orig ? OP : RP] += pk;
    h->v[orig ? OB : RB] += by;
    h->v[SP] += sp;
    h->v[SB] += sb;
    h->v[XP] += xp;
    h->v[XB] += xb;
    if (ts < h->first_us)
        h->first_us = ts;
    if (te > h->last_us)
        h->last_us = te;
}

void rollup_add_flow(struct rollup *r, const struct flow_export *x, const struct flow *f)
{
    if (!r || r->given_up)
        return;
    const struct flow_dir *o = &f->dir[0], *p = &f->dir[1];
    uint64_t pk = o->pkts + p->pkts, by = o->l2_bytes + p->l2_bytes;
    int64_t te = stored_end_us(f->first_us, x->duration);
    if ((x->orig_cc && strlen(x->orig_cc) >= sizeof r->hosts[0].cc) ||
        (x->resp_cc && strlen(x->resp_cc) >= sizeof r->hosts[0].cc)) {
        r->given_up = 1;
        return;
    }
    struct host_sum *h = host_of(r, &x->orig_h);
    if (h)
        host_add(h, x->orig_cc, 1, pk, by, o->pkts, o->l2_bytes, p->pkts, p->l2_bytes,
                 f->first_us, te);
    h = h ? host_of(r, &x->resp_h) : NULL;
    if (h)
        host_add(h, x->resp_cc, 0, pk, by, p->pkts, p->l2_bytes, o->pkts, o->l2_bytes,
                 f->first_us, te);
    if (!h)
        return;
    const char *svc = x->service ? x->service : "-";
    if ((x->has_ports && key_add(&r->ports, x->proto, x->resp_p, "", pk, by) < 0) ||
        key_add(&r->services, x->proto, -1, svc, pk, by) < 0)
        r->given_up = 1;
}

/* ---- shipping ---- */

static int exec_bool(PGconn *db, const char *sql, int nparams, const char *const *params,
                     const char *what, char *err, size_t errlen)
{
    PGresult *res = PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        rc = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    else
        snprintf(err, errlen, "%s: %s", what, PQerrorMessage(db));
    PQclear(res);
    return rc;
}

int rollup_supply(PGconn *db, const struct rollup *r, uint64_t capture_id, char *err,
                  size_t errlen)
{
    struct copybuf hosts, ports, services;
    copybuf_init(&hosts);
    copybuf_init(&ports);
    copybuf_init(&services);
    for (size_t i = 0; i < r->host_cap; i++) {
        const struct host_sum *h = &r->hosts[i];
        if (!h->addr.family)
            continue;
        copy_inet(&hosts, &h->addr);
        copy_text(&hosts, h->cc[0] ? h->cc : NULL);
        for (int v = 0; v < NV; v++)
            copy_u64(&hosts, h->v[v]);
        copy_ts(&hosts, h->first_us);
        copy_ts(&hosts, h->last_us);
        copy_end_row(&hosts);
    }
    for (size_t i = 0; i < r->ports.cap; i++) {
        const struct key_sum *k = &r->ports.slots[i];
        if (!k->used)
            continue;
        copy_text(&ports, k->proto);
        copy_i64(&ports, k->port);
        copy_u64(&ports, k->flows);
        copy_u64(&ports, k->packets);
        copy_u64(&ports, k->bytes);
        copy_end_row(&ports);
    }
    for (size_t i = 0; i < r->services.cap; i++) {
        const struct key_sum *k = &r->services.slots[i];
        if (!k->used)
            continue;
        copy_text(&services, k->proto);
        copy_text(&services, k->service);
        copy_u64(&services, k->flows);
        copy_u64(&services, k->packets);
        copy_u64(&services, k->bytes);
        copy_end_row(&services);
    }
    char id[24];
    snprintf(id, sizeof id, "%" PRIu64, capture_id);
    const char *params[1] = {id};
    int rc = -1;
    if (hosts.oom || ports.oom || services.oom)
        snprintf(err, errlen, "rollups: out of memory");
    else if (exec_bool(db, "SELECT ps_rollup_stage()", 0, NULL, "staging rollups", err,
                       errlen) < 0 ||
             batch_copy(db,
                        "COPY pg_temp.ps_rollup_hosts_in (host, cc, as_orig_flows,"
                        " as_orig_packets, as_orig_bytes, as_resp_flows, as_resp_packets,"
                        " as_resp_bytes, sent_packets, sent_bytes, recv_packets, recv_bytes,"
                        " first_ts, last_ts) FROM STDIN",
                        &hosts, err, errlen) < 0 ||
             batch_copy(db,
                        "COPY pg_temp.ps_rollup_ports_in (proto, port, flows, packets, bytes)"
                        " FROM STDIN",
                        &ports, err, errlen) < 0 ||
             batch_copy(db,
                        "COPY pg_temp.ps_rollup_services_in (proto, service, flows, packets,"
                        " bytes) FROM STDIN",
                        &services, err, errlen) < 0)
        ;
    else
        rc = exec_bool(db, "SELECT ps_rollup_supply($1::bigint)", 1, params, "supplying rollups",
                       err, errlen);
    copybuf_free(&hosts);
    copybuf_free(&ports);
    copybuf_free(&services);
    return rc;
}
