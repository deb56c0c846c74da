/* pcap_ahead.h - libpcap's pcap_next_ex() loop run on a second thread,
 * which copies the packets into a small ring of batches and decodes them
 * there (ps_decode_frame: a pure function of the bytes); the dissecting
 * thread takes them from there. The file's reading, stdio, libpcap's
 * parsing and the frame decoding then overlap with dissection. Packets
 * come out in file order, exactly as pcap_next_ex() returned them. */
#ifndef PS_PCAP_AHEAD_H
#define PS_PCAP_AHEAD_H

#include "packet.h"
#include "pipeline.h"

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>

struct ahead_packet {
    int64_t ts_us;
    uint32_t caplen, len;
    const uint8_t *data;  /* borrowed until the next pcap_ahead_next() */
    int64_t file_offset;  /* ftello() after this packet when asked for, else -1 */
    struct ps_packet *pkt; /* decoded from data (frame number 0), borrowed likewise */
    const struct ps_hint *hint;      /* ps_pipeline_hint() of pkt, borrowed likewise */
    const struct ps_hint *next_hint; /* the next packet's when already at hand, else NULL */
};

struct pcap_ahead;

/* Starts reading pc (owned by the caller, who must not touch it until
 * pcap_ahead_stop()). At most max_packets are read (0 = all). With
 * offsets_every = 2^k, every such packet carries its file offset (0 =
 * none). pcap_ahead_next() hands out p's hints (ps_pipeline_hint) of every
 * packet and of the one after it, worked out on the calling thread. With direct, the records of a classic pcap file are parsed by
 * this module as long as libpcap would return them unchanged (never with
 * a BPF filter set on pc). NULL when out of memory or no thread could
 * start: then read pc directly. */
struct pcap_ahead *pcap_ahead_start(pcap_t *pc, const struct ps_pipeline *p,
                                    uint64_t max_packets, uint64_t offsets_every, bool direct);

/* The next packet: true, or false at the end (see pcap_ahead_stop). */
bool pcap_ahead_next(struct pcap_ahead *a, struct ahead_packet *out);

/* Stops the thread (early or at the end), frees everything, and returns
 * how reading ended: 1 when max_packets were read or the reader was
 * stopped early, else pcap_next_ex()'s last result (PCAP_ERROR_BREAK at
 * the end of the file, PCAP_ERROR with pcap_geterr(pc) telling why).
 * NULL is a no-op returning 1. */
int pcap_ahead_stop(struct pcap_ahead *a);

#endif
