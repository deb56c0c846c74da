/* detect.h - security detectors fed by the pipeline (packets, flow ends,
 * application events), producing deduplicated alerts (one per finding:
 * kind + key, with count, first/last seen and the uids of the flows
 * behind it). docs: sql/migrations/004_security.sql lists every kind.
 *
 * Memory is bounded and allocated once: max_trackers counting slots
 * (160 bytes each), max_alerts pending alerts (760 bytes each) and
 * arp_entries IP->MAC bindings (24 bytes each). A full tracker table
 * evicts its least recently used slot and a full alert table is flushed
 * early; both are counted (detect_stats). Not thread-safe: one detector
 * per pipeline, used from the pipeline's thread.
 *
 * Default thresholds and where they come from (all configurable, see
 * detect_config_set and captured.conf.example):
 *   port_scan      >= 15 distinct ports of one host with failed attempts in
 *                  300 s (Zeek policy/misc/scan.zeek port_scan_threshold 15,
 *                  port_scan_interval 5 min)
 *   address_scan   >= 25 distinct hosts on one port with failed attempts in
 *                  300 s (Zeek scan.zeek addr_scan_threshold 25,
 *                  addr_scan_interval 5 min); ARP who-has sweeps alike
 *   syn_scan       >= 15 distinct host:port targets probed half-open (SYN,
 *                  never an ACK from the prober) in 300 s (Zeek port scan
 *                  threshold applied to half-open probes, nmap -sS)
 *   null/fin/xmas_scan
 *                  >= 5 distinct targets in 60 s with no flags, FIN without
 *                  ACK, or FIN+PSH+URG (Snort sfPortscan "low" sense: 5
 *                  ports, 60 s window; flag patterns of nmap -sN/-sF/-sX,
 *                  which RFC 9293 never produces)
 *   syn_flood      >= 200 SYN/s to one address:port (Juniper SRX screen
 *                  syn-flood attack-threshold default 200/s)
 *   icmp_flood     >= 1000 ICMP echo requests/s to one address (Juniper
 *                  SRX screen icmp flood threshold default 1000/s)
 *   udp_flood      >= 1000 UDP packets/s to one address:port (Juniper SRX
 *                  screen udp flood threshold default 1000/s)
 *   dns_tunnel     a query label >= 52 characters; a label >= 24 characters
 *                  with Shannon entropy >= 4.0 bits/char; >= 100 distinct
 *                  names below one domain from one client in 300 s; a TXT
 *                  answer in a DNS message >= 512 bytes (RFC 1035 4.2.1 UDP
 *                  limit). Label and entropy limits follow common tunnel-
 *                  detection practice (iodine/dnscat2 fill labels towards
 *                  the 63-byte maximum of RFC 1035 2.3.4); no standard exists.
 *   dns_nxdomain_burst
 *                  >= 50 distinct NXDOMAIN registered domains from one
 *                  client in 300 s (DGA bursts; project choice)
 *   cleartext_credentials, tls_outdated_version (SSLv2/3 RFC 6176/7568,
 *   TLS 1.0/1.1 RFC 8996), tls_no_sni (to a public address),
 *   service_unexpected_port, unknown_service_on_port, arp_mac_change,
 *   malformed_packet: every occurrence (count in the alert). */
#ifndef PS_DETECT_H
#define PS_DETECT_H

#include "flow.h"
#include "packet.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DETECT_MAX_EVIDENCE 8   /* flow uids kept per alert between flushes */

struct app_event;
struct ruleset;

struct detect_config {
    bool enabled;
    uint32_t port_scan_ports;     int64_t port_scan_window_us;
    uint32_t addr_scan_hosts;     int64_t addr_scan_window_us;
    uint32_t syn_scan_targets;    int64_t syn_scan_window_us;
    uint32_t stealth_scan_targets; int64_t stealth_scan_window_us;
    uint32_t syn_flood_pps, icmp_flood_pps, udp_flood_pps;
    int64_t flood_window_us;
    uint32_t dns_label_len, dns_entropy_min_len;
    double dns_entropy_bits;
    uint32_t dns_subdomains;      int64_t dns_window_us;
    uint32_t dns_txt_bytes;
    uint32_t nxdomain_domains;    int64_t nxdomain_window_us;
    bool cleartext, tls_checks, port_checks, arp_checks, malformed;
    uint32_t max_trackers, max_alerts, arp_entries;
};

void detect_config_defaults(struct detect_config *c);
/* Applies "detect-..." settings (see captured.conf.example): 0, -1 bad
 * value, -2 unknown key. */
int detect_config_set(struct detect_config *c, const char *key, const char *value);

/* One deduplicated finding, borrowed for the duration of the callback. */
struct ps_alert {
    const char *kind, *key, *severity, *summary;
    struct ps_addr src, dst;      /* family 0 = none */
    uint64_t count;
    int64_t first_us, last_us;
    int n_evidence;
    const char *const *evidence;  /* flow uids */
};

typedef void (*detect_alert_fn)(void *ctx, const struct ps_alert *a);

struct detect_stats {
    uint64_t alerts_raised, alerts_emitted, tracker_evictions, alert_table_flushes,
        arp_evictions;
};

struct detector;

/* NULL when out of memory. capture_id names flows (uids) in evidence. */
struct detector *detector_new(const struct detect_config *cfg, uint64_t capture_id,
                              detect_alert_fn emit, void *ctx);
/* Frees without emitting pending alerts; NULL is a no-op. */
void detector_free(struct detector *d);
/* Uses rs from now on (takes a reference; releases the previous one). */
void detector_set_ruleset(struct detector *d, struct ruleset *rs);
const struct ruleset *detector_ruleset(const struct detector *d);

/* Feeds: every frame (f NULL when it has no flow; is_new when it created
 * f), every flow that ends, every application event. */
void detector_packet(struct detector *d, const struct ps_packet *pkt, const struct flow *f,
                     int dir, int is_new);
void detector_flow_end(struct detector *d, const struct flow *f);
/* Ahead of detector_packet(), possibly on another thread (it reads only
 * what is fixed when d is made): the hash of the flood tracker pkt will
 * update, 0 when none (or unknown). */
uint64_t detector_flood_hash(const struct detector *d, const struct ps_packet *pkt);
/* Starts fetching that tracker (a hint: no effect on results). */
void detector_prefetch(const struct detector *d, uint64_t flood_hash);
/* detector_packet() with flood_hash = detector_flood_hash(d, pkt) known
 * (0: computed here). */
void detector_packet_hashed(struct detector *d, const struct ps_packet *pkt, const struct flow *f,
                            int dir, int is_new, uint64_t flood_hash);
void detector_event(struct detector *d, const struct app_event *ev);
/* Emits every pending alert (one callback per finding) and empties the table. */
void detector_flush(struct detector *d);
void detector_get_stats(const struct detector *d, struct detect_stats *out);

/* Helpers shared with the tests. */
double dns_label_entropy(const char *s, size_t n);
/* The registered domain of name ("a.b.example.co.uk" -> "example.co.uk")
 * by a small heuristic (no public suffix list); pointer into name. */
const char *dns_registered_domain(const char *name);

#endif
