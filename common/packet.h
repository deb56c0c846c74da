/* packet.h - one decoded frame: what every layer of the pipeline reads.
 *
 * Filled by ps_decode_frame(); the payload pointer borrows the frame bytes,
 * valid until the next frame is read. Fields of layers that were not present
 * (or not reached because the frame was truncated) stay zero. */
#ifndef PS_PACKET_H
#define PS_PACKET_H

#include <stdbool.h>
#include <stdint.h>

enum ps_l3 { PS_L3_NONE = 0, PS_L3_IPV4, PS_L3_IPV6, PS_L3_ARP, PS_L3_OTHER };

/* Why a frame could not be decoded completely (counted per kind). */
enum ps_malformed {
    PS_MAL_NONE = 0,
    PS_MAL_LINK_TRUNC,  /* link header cut short */
    PS_MAL_LINK_UNKNOWN, /* link type we do not decode */
    PS_MAL_IP_TRUNC,    /* IP header cut short by the snap length */
    PS_MAL_IP_INVALID,  /* bad version, header length or total length */
    PS_MAL_L4_TRUNC,    /* transport header cut short */
    PS_MAL_L4_INVALID,  /* e.g. TCP data offset < 5 */
    PS_MAL_EXT_LIMIT,   /* too many VLAN tags / IPv6 extension headers */
    PS_MAL_KINDS
};

struct ps_addr {
    uint8_t family; /* 0 (none), 4 or 6 */
    uint8_t b[16];  /* IPv4 in the first 4 bytes, rest zero */
};

/* Inner 5-tuple quoted by an ICMP error (RFC 792 / 4443), to tie it to a flow. */
struct ps_quoted {
    bool present;
    struct ps_addr src, dst;
    uint8_t proto;
    uint16_t sport, dport;
    bool has_ports, has_icmp;
    uint8_t icmp_type;
};

struct ps_packet {
    uint64_t frame;      /* 1-based number within the capture */
    int64_t ts_us;       /* capture time, microseconds since the epoch */
    uint32_t caplen;     /* bytes captured */
    uint32_t wirelen;    /* bytes on the wire (frame.len) */
    int linktype;        /* DLT of the frame */

    uint16_t vlan;       /* innermost 802.1Q VLAN id, 0 if untagged */
    uint8_t n_vlan;
    uint16_t ethertype;  /* of the network layer */
    enum ps_l3 l3;

    struct ps_addr src, dst;
    uint8_t ip_proto;    /* transport protocol number (after extension headers) */
    uint8_t ttl;         /* TTL / hop limit */
    uint32_t ip_len;     /* IP total length as declared (header + payload) */
    uint32_t l3_payload; /* bytes the IP header declares after itself (and its extension headers) */
    uint32_t ip_id;      /* IPv4 id, or IPv6 fragment identification */
    bool is_fragment;    /* MF set or offset > 0 */
    bool first_fragment; /* offset 0 (carries the transport header) */
    bool more_fragments; /* MF / M flag */
    uint32_t frag_len;   /* bytes of the fragmentable part this fragment carries */
    uint8_t frag_proto;  /* protocol named where fragmentation starts (reassembly key) */
    uint16_t frag_offset; /* in 8-byte units */
    bool ip_options;     /* IPv4 options / IPv6 extension headers present */

    bool has_ports;      /* TCP/UDP/SCTP header decoded */
    uint16_t sport, dport;
    uint8_t tcp_flags;   /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 */
    uint32_t seq, ack;
    uint16_t window;
    uint8_t icmp_type, icmp_code;
    bool has_icmp;
    struct ps_quoted quoted;

    uint16_t arp_op;
    uint8_t arp_sha[6];
    struct ps_addr arp_spa, arp_tpa;

    const uint8_t *payload; /* transport payload (borrowed) */
    uint32_t payload_len;   /* captured payload bytes */
    uint32_t payload_wire;  /* payload bytes the IP length declares */

    enum ps_malformed malformed;
};

#define PS_TH_FIN 0x01
#define PS_TH_SYN 0x02
#define PS_TH_RST 0x04
#define PS_TH_PSH 0x08
#define PS_TH_ACK 0x10
#define PS_TH_URG 0x20

#endif
