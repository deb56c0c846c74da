/* pcapcheck.h - is this the start of a capture file? The pcap file header
 * (draft-ietf-opsawg-pcap, section 4) and the pcapng Section Header Block
 * (draft-ietf-opsawg-pcapng, section 4.1), checked from the first bytes. */
#ifndef PS_WEBAPI_PCAPCHECK_H
#define PS_WEBAPI_PCAPCHECK_H

#include <stddef.h>
#include <stdint.h>

#define PCAPCHECK_HEAD 28 /* bytes that decide: pcapng SHB minimum */

struct capinfo {
    const char *format;     /* "pcap" / "pcapng" */
    const char *byte_order; /* "little" / "big" */
    const char *precision;  /* "us" / "ns"; NULL for pcapng (per interface) */
    unsigned version_major, version_minor;
    uint32_t snaplen;       /* pcap only */
    uint32_t linktype;      /* pcap only */
};

/* Checks b[0..len). `final` says no more bytes will come. Returns 1 when
 * it is a capture (info filled), 0 when more bytes are needed, -1 when not
 * (err says why: empty, unknown magic, truncated header, bad version). */
int pcapcheck_head(const unsigned char *b, size_t len, int final, struct capinfo *info,
                   char *err, size_t errlen);

#endif
