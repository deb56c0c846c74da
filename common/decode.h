/* decode.h - frame decoder: link layer, IPv4/IPv6, ARP, TCP/UDP/ICMP/SCTP.
 *
 * ps_decode_frame() never reads past caplen and never fails hard: it fills
 * what it could and sets pkt->malformed to the first problem met. The
 * returned value is PS_OK, PS_TRUNCATED or PS_INVALID accordingly. */
#ifndef PS_DECODE_H
#define PS_DECODE_H

#include "cursor.h"
#include "packet.h"
#include "result.h"

/* Link types we decode (DLT values as pcap_datalink() reports them). */
#define PS_DLT_NULL 0
#define PS_DLT_EN10MB 1
#define PS_DLT_RAW 12
#define PS_DLT_RAW_OPENBSD 14
#define PS_DLT_LOOP 108
#define PS_DLT_LINUX_SLL 113
#define PS_DLT_LINKTYPE_RAW 101
#define PS_DLT_IPV4 228
#define PS_DLT_IPV6 229
#define PS_DLT_LINUX_SLL2 276

bool ps_linktype_supported(int dlt);

/* Decodes one frame. pkt is fully reset first; frame/ts/caplen/wirelen are
 * taken from the arguments. data borrows the frame bytes. */
enum ps_result ps_decode_frame(int dlt, const uint8_t *data, uint32_t caplen,
                               uint32_t wirelen, struct ps_packet *pkt);

/* Network layer from an ethertype (0x0800, 0x86dd, 0x0806, ...). Used by the
 * link decoders; exposed for tests. */
enum ps_result ps_decode_ethertype(uint16_t ethertype, struct cursor *c, struct ps_packet *pkt);
enum ps_result ps_decode_ipv4(struct cursor *c, struct ps_packet *pkt);
enum ps_result ps_decode_ipv6(struct cursor *c, struct ps_packet *pkt);
/* Transport layer; c holds the IP payload as captured, wire_len what the IP
 * header declares for it. */
enum ps_result ps_decode_transport(uint8_t proto, struct cursor *c, uint32_t wire_len,
                                   struct ps_packet *pkt);

/* Sets pkt->malformed (first one wins) and returns r. */
enum ps_result ps_mark(struct ps_packet *pkt, enum ps_malformed kind, enum ps_result r);

const char *ps_malformed_name(enum ps_malformed kind);

#endif
