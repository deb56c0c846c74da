/* pipeline.h - frame -> decode -> flow table -> sinks, for files and live
 * capture alike. One pipeline per capture; not thread-safe (one thread). */
#ifndef PS_PIPELINE_H
#define PS_PIPELINE_H

#include "flow.h"
#include "packet.h"
#include "traffic.h"

#include <stddef.h>

struct app_event; /* app_events.h */
struct ps_alert;  /* detect.h */
struct detect_config;
struct detector;

/* Every callback is optional. Pointers are borrowed for the call only. */
struct ps_sink {
    void *ctx;
    /* f is NULL for frames without a flow (ARP, non-IP, undecodable) */
    void (*packet)(void *ctx, const struct ps_packet *pkt, const struct flow *f, int dir);
    void (*flow)(void *ctx, const struct flow *f, enum flow_end_reason why);
    void (*bucket)(void *ctx, const struct traffic_bucket *b);
    void (*event)(void *ctx, const struct app_event *ev);
    void (*alert)(void *ctx, const struct ps_alert *a); /* detectors' findings */
};

struct ps_counters {
    uint64_t packets, bytes;
    uint64_t ipv4, ipv6, arp, other_l3;
    uint64_t tcp, udp, icmp, other_l4;
    uint64_t fragments, fragments_unattributed;
    uint64_t malformed[PS_MAL_KINDS];
    uint64_t malformed_total;
    uint64_t unknown_linktype;
    int64_t first_us, last_us;
    int linktype; /* DLT of the source, -1 unknown */
};

struct ps_pipeline;

struct ps_pipeline *ps_pipeline_new(const struct flow_config *cfg, const struct ps_sink *sink,
                                    uint64_t capture_id);
/* Flushes open flows (EOF) and buckets into the sink. */
void ps_pipeline_finish(struct ps_pipeline *p);
/* Frees; flows not yet finished are discarded without reaching the sink. */
void ps_pipeline_free(struct ps_pipeline *p);

/* Feeds one frame. frame numbers are assigned here (1, 2, ...). */
void ps_pipeline_frame(struct ps_pipeline *p, int dlt, int64_t ts_us, const uint8_t *data,
                       uint32_t caplen, uint32_t wirelen);
/* What can be worked out for a decoded packet before the pipeline takes
 * it, on another thread: pure functions of the packet and of settings
 * fixed before reading starts. */
struct ps_hint {
    uint64_t flood_hash;     /* detector_flood_hash(), 0 none */
    struct flow_lookup flow; /* flow_lookup_of() when has_flow */
    bool has_flow;
};
/* Fills h for pkt. Thread-safe against the pipeline's own thread. */
void ps_pipeline_hint(const struct ps_pipeline *p, const struct ps_packet *pkt, struct ps_hint *h);
/* Starts fetching what the packet of h will need (a hint: no effect on
 * results); called one packet ahead. */
void ps_pipeline_prefetch(const struct ps_pipeline *p, const struct ps_hint *h);
/* The same as ps_pipeline_frame() for a frame already decoded by
 * ps_decode_frame() (decode.h), possibly on another thread; pkt->frame is
 * set here. h is NULL or ps_pipeline_hint()'s for pkt. pkt and the bytes
 * it points into are borrowed for the call. */
void ps_pipeline_decoded(struct ps_pipeline *p, struct ps_packet *pkt, const struct ps_hint *h);

/* Runs the security detectors (detect.h) on this pipeline's packets, flows
 * and events; their alerts reach sink->alert, aggregated until
 * ps_pipeline_finish() / ps_pipeline_tick(). 0, or -1 out of memory. */
int ps_pipeline_enable_detection(struct ps_pipeline *p, const struct detect_config *cfg);
/* The pipeline's detector (owned by it), NULL when detection is off. */
struct detector *ps_pipeline_detector(struct ps_pipeline *p);

const struct ps_counters *ps_pipeline_counters(const struct ps_pipeline *p);
void ps_pipeline_set_linktype(struct ps_pipeline *p, int dlt);
struct flow_table *ps_pipeline_flows(struct ps_pipeline *p);
uint64_t ps_pipeline_capture_id(const struct ps_pipeline *p);

/* Reads a whole capture file through libpcap (format by magic number:
 * pcap µs/ns either byte order, pcapng). On a read error the packets seen
 * so far have been fed; returns -1 with a message naming the file, the
 * record number and libpcap's reason. */
struct ps_read_opts {
    uint64_t max_packets; /* 0 = no limit */
    const char *bpf;      /* NULL or "" = no filter */
    /* called about every 4096 packets with the file offset reached; a
     * non-zero return stops reading (reported as an error "stopped") */
    int (*progress)(void *ctx, uint64_t packets, uint64_t bytes);
    void *ctx;
};
int ps_read_file(struct ps_pipeline *p, const char *path, const struct ps_read_opts *opts,
                 char *err, size_t errlen);
/* Live capture: expires idle flows by wall-clock time when no packet came. */
void ps_pipeline_tick(struct ps_pipeline *p, int64_t now_us);
/* Adds kernel drops (live capture) to the current second's bucket. */
void ps_pipeline_add_drops(struct ps_pipeline *p, int64_t ts_us, uint64_t drops);

#endif
