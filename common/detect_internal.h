/* detect_internal.h - state shared by detect.c (tables, alerts),
 * detect_net.c (packets, flows) and detect_app.c (events, rules). */
#ifndef PS_DETECT_INTERNAL_H
#define PS_DETECT_INTERNAL_H

#include "detect.h"

#define TRK_BITS 512   /* distinct-item bitmap per tracker (exact up to a few hundred) */
#define TRK_PROBE 8    /* slots probed before evicting */
#define TRK_EVIDENCE 4 /* flow ids kept per tracker */

enum trk_kind { TK_NONE = 0, TK_PORTSCAN, TK_ADDRSCAN, TK_SYNSCAN, TK_NULLSCAN, TK_FINSCAN,
                TK_XMASSCAN, TK_SYNFLOOD, TK_ICMPFLOOD, TK_UDPFLOOD, TK_DNSSUB, TK_NXD,
                TK_ARPSWEEP, TK_KINDS };

/* A counter over a tumbling window, keyed by (kind, a, b, port, extra). */
struct tracker {
    uint8_t kind, fam, alerted, n_ev;
    uint16_t port;
    uint32_t n;                 /* distinct items (or events for floods) in the window */
    uint32_t extra;             /* further key (a domain's hash) */
    uint8_t a[16], b[16];
    uint64_t bits[TRK_BITS / 64];
    uint64_t ev[TRK_EVIDENCE];  /* flow ids + 1 (0 = none) */
};

/* What a probe for a tracker looks at, apart from the trackers: a probe
 * sequence then reads a few cache lines instead of twenty. trk_probe[i]
 * belongs to trk[i]. */
struct trk_probe {
    int64_t win_start, last_us; /* the window's start, the last use */
    uint32_t hash;              /* high half of the key's hash (equal keys, equal hashes) */
    uint8_t kind;               /* trk[i].kind */
};

struct pending_alert {
    uint32_t hash;
    uint8_t used, n_ev;
    const char *kind, *severity;
    char key[256];
    char summary[256];
    struct ps_addr src, dst;
    uint64_t count;
    int64_t first_us, last_us;
    char ev[DETECT_MAX_EVIDENCE][20];
};

struct arp_entry {
    uint32_t ip;                /* 0 = empty */
    uint8_t mac[6];
    uint16_t pad;
    int64_t last_us;
};

struct detector {
    struct detect_config cfg;
    uint64_t capture_id;
    detect_alert_fn emit;
    void *ctx;
    struct ruleset *rules;
    struct tracker *trk;
    struct trk_probe *probe;
    size_t trk_mask;
    struct pending_alert *alerts;
    size_t alert_cap, alert_used;
    struct arp_entry *arp;
    size_t arp_mask;
    struct detect_stats st;
    uint64_t flood_hash; /* the current packet's flood tracker hash, 0 unknown */
    /* the DNS response being processed (its size, for TXT answers) */
    const struct flow *dns_resp_flow;
    uint32_t dns_resp_len;
};

/* Finds or creates the tracker of a key at time now (window restarted
 * when over). Never NULL. */
struct tracker *trk_get(struct detector *d, int kind, const struct ps_addr *a,
                        const struct ps_addr *b, uint16_t port, uint32_t extra, int64_t now);
/* The hash trk_get(d, kind, a, b, port, extra, ...) uses (pure). */
uint64_t trk_hash(int kind, const struct ps_addr *a, const struct ps_addr *b, uint16_t port,
                  uint32_t extra);
/* trk_get() when the hash is known already (h = trk_hash(...); 0 = not known). */
struct tracker *trk_get_hashed(struct detector *d, uint64_t h, int kind, const struct ps_addr *a,
                               const struct ps_addr *b, uint16_t port, uint32_t extra,
                               int64_t now);
/* Adds item to t's distinct set; 1 when it was new. */
int trk_add_distinct(struct tracker *t, uint64_t item_hash);
void trk_add_evidence(struct tracker *t, const struct flow *f);

/* Records one occurrence of a finding (count may be 0: refresh only).
 * summary is printf-style. Evidence: flow f (may be NULL) and t's flows. */
void alert_raise(struct detector *d, const char *kind, const char *severity, const char *key,
                 const struct ps_addr *src, const struct ps_addr *dst, int64_t ts,
                 uint64_t count, const struct flow *f, const struct tracker *t,
                 const char *fmt, ...) __attribute__((format(printf, 11, 12)));

uint64_t hash64(const void *p, size_t n, uint64_t seed);
/* "10.0.0.1" / "2001:db8::1" (PostgreSQL inet text). */
const char *addr_str(const struct ps_addr *a, char *buf, size_t len);

void detect_rules_flow(struct detector *d, const struct flow *f, int at_end);

#endif
