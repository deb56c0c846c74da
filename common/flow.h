/* flow.h - the bounded flow table and per-flow state (Zeek conn.log
 * semantics: conn_state, history, orig/resp counters).
 *
 * Memory: the table preallocates max_flows records of sizeof(struct flow)
 * plus an index of 2^k slots (8 bytes each, k such that the load stays
 * <= 50%). Nothing is allocated per packet; an application parser may attach
 * one capped reassembly buffer to a flow (freed when the flow ends). */
#ifndef PS_FLOW_H
#define PS_FLOW_H

#include "packet.h"

#include <stddef.h>
#include <stdint.h>

enum flow_end_reason { FLOW_END_IDLE = 0, FLOW_END_ACTIVE, FLOW_END_EOF, FLOW_END_EVICT,
                       FLOW_END_REUSE };

/* Zeek's TCP endpoint states. */
enum tcp_ep_state { EP_INACTIVE = 0, EP_SYN_SENT, EP_SYN_ACK_SENT, EP_PARTIAL,
                    EP_ESTABLISHED, EP_CLOSED, EP_RESET };

struct flow_key {
    uint8_t a[16], b[16]; /* a <= b (address, then port) */
    uint16_t pa, pb;
    uint16_t vlan;
    uint8_t proto;
    uint8_t family;
};

struct flow_dir {
    uint64_t pkts;
    uint64_t ip_bytes;      /* sum of IP total lengths */
    uint64_t l2_bytes;      /* sum of frame lengths (what tshark reports) */
    uint64_t payload_bytes; /* UDP/other: payload sum; TCP: from sequence space */
    uint32_t isn;           /* first sequence number seen */
    uint32_t next_seq;      /* highest sequence end seen */
    uint32_t retrans, ooo;
    uint8_t state;          /* enum tcp_ep_state for TCP; 1 = active otherwise */
    uint8_t seq_init;
    uint8_t fin_seen;
    uint8_t pad;
};

struct app_buf; /* owned by the application layer (app.h) */

struct flow_app {
    uint16_t proto;           /* PS_APP_* of app.h */
    uint8_t guess;            /* proto was chosen by port only */
    uint8_t done;             /* nothing more to parse */
    uint8_t tls_hello_seen, tls_server_seen;
    uint8_t finished;         /* the parser needs nothing more from this flow */
    int64_t pending_ts;       /* time of the open request/query, 0 if none */
    uint16_t pending_id;      /* DNS transaction id of the open query */
    uint16_t pending_n;
    uint64_t skip[2];         /* HTTP body bytes still to skip per direction */
    struct app_buf *buf;      /* lazily allocated, sized per protocol, freed when idle */
};

struct flow {
    struct flow_key key;
    uint32_t hash;
    uint32_t lru_prev, lru_next; /* index+1, 0 = none */
    uint8_t lru_class;
    uint8_t orig_is_a;        /* 1 when key.a/pa is the originator */
    uint8_t history_len;
    uint8_t flipped;
    uint8_t last_retrans;     /* the packet just accounted was a TCP retransmission */
    char history[20];
    uint32_t frags;
    uint32_t icmp_errors;     /* ICMP errors that quoted this flow */
    uint64_t id;              /* sequence number within the capture (uid source) */
    int64_t first_us, last_us;
    int64_t syn_us, synack_us, ack_us;
    struct flow_dir dir[2];   /* 0 = originator, 1 = responder */
    struct flow_app app;
};

struct flow_config {
    uint32_t max_flows;       /* table capacity */
    int64_t tcp_idle_us;      /* established TCP */
    int64_t tcp_closed_us;    /* after FIN/RST on both sides or RST */
    int64_t udp_idle_us;
    int64_t other_idle_us;    /* ICMP and everything else */
    int64_t active_us;        /* a flow longer than this is exported and restarted */
};

void flow_config_defaults(struct flow_config *cfg);

/* Called for every flow that ends (idle, active timeout, EOF, eviction). The
 * flow is borrowed for the duration of the call. */
typedef void (*flow_end_fn)(void *ctx, const struct flow *f, enum flow_end_reason why);

struct flow_stats {
    uint64_t created, ended, evicted, active_restarts, reused;
    uint64_t peak;
};

struct flow_table;

/* Allocates the whole table up front; NULL on failure. */
struct flow_table *flow_table_new(const struct flow_config *cfg, flow_end_fn on_end, void *ctx);
/* Ends every flow still open (reason EOF), then frees. NULL is a no-op. */
void flow_table_free(struct flow_table *t);
void flow_table_flush(struct flow_table *t, enum flow_end_reason why);

/* Finds or creates the flow of pkt (which must carry addresses) and updates
 * it. *dir gets 0 when pkt travels orig->resp, 1 otherwise. Never NULL:
 * when the table is full the least recently used flow is evicted. */
struct flow *flow_table_update(struct flow_table *t, const struct ps_packet *pkt, int *dir);

/* What flow_table_update() works out from the packet alone: its flow
 * key, the key's hash and which way the packet faces. Pure, so it can be
 * done ahead on another thread. */
struct flow_lookup {
    struct flow_key key;
    uint32_t hash;
    int a_is_src;
};
void flow_lookup_of(const struct ps_packet *pkt, struct flow_lookup *l);
/* flow_table_update() with l = flow_lookup_of(pkt) done already. */
struct flow *flow_table_update_with(struct flow_table *t, const struct ps_packet *pkt,
                                    const struct flow_lookup *l, int *dir);
/* Starts fetching the index slot of hash (a hint: no effect on results). */
void flow_table_prefetch(const struct flow_table *t, uint32_t hash);

/* Expires idle flows given the current packet time. Cheap: O(expired). */
void flow_table_expire(struct flow_table *t, int64_t now_us);

/* Looks up the flow pkt would belong to, without creating or updating it
 * (ICMP error quotes). */
struct flow *flow_table_lookup(struct flow_table *t, const struct ps_packet *pkt);
/* The same by a TCP/UDP/SCTP 5-tuple (either direction) and VLAN. */
struct flow *flow_table_find(struct flow_table *t, const struct ps_addr *src,
                             const struct ps_addr *dst, uint8_t proto, uint16_t sport,
                             uint16_t dport, uint16_t vlan);

const struct flow_stats *flow_table_stats(const struct flow_table *t);
size_t flow_table_count(const struct flow_table *t);
size_t flow_table_memory(const struct flow_table *t);

/* Zeek-style results, computed from the flow's state. */
const char *flow_conn_state(const struct flow *f);
const char *flow_proto_name(uint8_t ip_proto);
/* Originator / responder address and port of a flow. */
void flow_endpoints(const struct flow *f, struct ps_addr *oh, uint16_t *op, struct ps_addr *rh,
                    uint16_t *rp);
/* Writes "C" + 11 base62 characters, unique for (capture_id, flow id). */
void flow_uid(uint64_t capture_id, uint64_t flow_id, char out[20]);

#endif
