/* flow_export.h - the printable view of a flow and of a packet, shared by
 * the database writer, the JSON summary and the tests. */
#ifndef PS_FLOW_EXPORT_H
#define PS_FLOW_EXPORT_H

#include "flow.h"

#include <stdbool.h>

struct flow_export {
    char uid[20];
    char community_id[64];
    struct ps_addr orig_h, resp_h;
    uint16_t orig_p, resp_p;
    bool has_ports;       /* TCP/UDP/SCTP (ICMP carries type/code in the ports) */
    const char *proto;    /* "tcp", "udp", "icmp", ... */
    const char *service;  /* Zeek service name or NULL */
    bool service_guess;
    double duration;      /* seconds */
    const char *conn_state;
    char history[24];
    double rtt;           /* handshake SYN -> ACK in seconds, -1 unknown */
    double rtt_resp;      /* SYN -> SYN-ACK (the responder's side), -1 unknown */
    double rtt_orig;      /* SYN-ACK -> ACK (the originator's side), -1 unknown */
    const char *orig_cc, *resp_cc; /* set by flow_export_countries; NULL unknown */
    char cc_buf[2][4];
};

void flow_export(const struct flow *f, uint64_t capture_id, struct flow_export *x);
/* Fills orig_cc/resp_cc: country code, or a label such as "PRIVATE" for
 * special-purpose ranges (geo.h), from geo_default(). */
void flow_export_countries(struct flow_export *x);
const char *flow_end_reason_name(enum flow_end_reason why);

const char *packet_proto_name(const struct ps_packet *pkt);
/* "SA", "FPA", ... in Wireshark's order of letters (F S R P A U E C). */
const char *tcp_flags_str(uint8_t flags, char out[12]);
/* One line such as "SYN", "ARP who-has 10.0.0.1 tell 10.0.0.2", "ICMP 8/0". */
void packet_info(const struct ps_packet *pkt, char *out, size_t outlen);

#endif
