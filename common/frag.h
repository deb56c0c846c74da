/* frag.h - IPv4/IPv6 fragment tracking (RFC 791, RFC 8200 §4.5).
 *
 * We do not rebuild payloads; we work out which frame completes a datagram
 * (all bytes from 0 to the end covered, overlaps allowed) so that the
 * datagram counts once, at that frame, with the transport header of its
 * first fragment, as tshark and Zeek count it. Fixed memory: a direct-
 * mapped table of PS_FRAG_SLOTS entries; a colliding newer datagram replaces
 * an older one (counted as lost). */
#ifndef PS_FRAG_H
#define PS_FRAG_H

#include "packet.h"

#define PS_FRAG_SLOTS 1024
#define PS_FRAG_INTERVALS 8
#define PS_FRAG_TIMEOUT_US (30LL * 1000000) /* RFC 791 suggests 15 s, Linux uses 30 s */

struct frag_entry {
    struct ps_addr src, dst;
    uint32_t id;
    uint16_t vlan;
    uint8_t proto;
    uint8_t used, have_first, have_last, n_iv;
    uint32_t total;
    uint32_t frames;
    int64_t ts_us;
    struct { uint32_t lo, hi; } iv[PS_FRAG_INTERVALS];
    struct ps_packet first; /* transport fields of the first fragment (payload not kept) */
    uint32_t l4_hdr_len, ip_hdr_len;
};

struct frag_table {
    struct frag_entry e[PS_FRAG_SLOTS];
    uint64_t completed, lost, overflow;
};

void frag_init(struct frag_table *t);

/* Feeds a fragment. Returns 1 when this frame completes its datagram: *out is
 * then the datagram as one packet (addresses, ports, flags of the first
 * fragment; ip_len/payload_wire of the whole; wirelen/ts of this frame) and
 * *frames the number of fragments it took. Returns 0 otherwise. */
int frag_add(struct frag_table *t, const struct ps_packet *pkt, struct ps_packet *out,
             uint32_t *frames);

#endif
