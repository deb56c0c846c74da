/* pcapcheck.c - magic numbers and header fields of pcap and pcapng. */
#include "pcapcheck.h"

#include <stdio.h>

static uint32_t u32(const unsigned char *b, int big)
{
    return big ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
               : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static uint16_t u16(const unsigned char *b, int big)
{
    return (uint16_t)(big ? b[0] << 8 | b[1] : b[1] << 8 | b[0]);
}

static int check_pcap(const unsigned char *b, size_t len, int big, int nano,
                      struct capinfo *info, char *err, size_t errlen)
{
    if (len < 24) {
        snprintf(err, errlen, "truncated pcap header: %zu of 24 bytes", len);
        return -1;
    }
    info->format = "pcap";
    info->byte_order = big ? "big" : "little";
    info->precision = nano ? "ns" : "us";
    info->version_major = u16(b + 4, big);
    info->version_minor = u16(b + 6, big);
    info->snaplen = u32(b + 16, big);
    info->linktype = u32(b + 20, big) & 0x0fffffff; /* upper bits: FCS/flags */
    if (info->version_major != 2) {
        snprintf(err, errlen, "unsupported pcap version %u.%u", info->version_major,
                 info->version_minor);
        return -1;
    }
    return 1;
}

static int check_pcapng(const unsigned char *b, size_t len, struct capinfo *info, char *err,
                        size_t errlen)
{
    if (len < 28) {
        snprintf(err, errlen, "truncated pcapng section header: %zu of 28 bytes", len);
        return -1;
    }
    uint32_t bom = u32(b + 8, 0);
    int big = bom == 0x4d3c2b1a;
    if (bom != 0x1a2b3c4d && !big) {
        snprintf(err, errlen, "pcapng byte-order magic 0x%08x is wrong", bom);
        return -1;
    }
    uint32_t blen = u32(b + 4, big);
    info->format = "pcapng";
    info->byte_order = big ? "big" : "little";
    info->precision = NULL;
    info->version_major = u16(b + 12, big);
    info->version_minor = u16(b + 14, big);
    if (blen < 28 || blen % 4 != 0 || info->version_major != 1) {
        snprintf(err, errlen, "pcapng section header invalid (length %u, version %u.%u)", blen,
                 info->version_major, info->version_minor);
        return -1;
    }
    return 1;
}

int pcapcheck_head(const unsigned char *b, size_t len, int final, struct capinfo *info,
                   char *err, size_t errlen)
{
    if (len < PCAPCHECK_HEAD && !final)
        return 0;
    if (len == 0) {
        snprintf(err, errlen, "the file is empty (0 bytes)");
        return -1;
    }
    if (len < 4) {
        snprintf(err, errlen, "only %zu bytes: too short for a capture file", len);
        return -1;
    }
    uint32_t magic = u32(b, 1);
    switch (magic) {
    case 0xa1b2c3d4: return check_pcap(b, len, 1, 0, info, err, errlen);
    case 0xd4c3b2a1: return check_pcap(b, len, 0, 0, info, err, errlen);
    case 0xa1b23c4d: return check_pcap(b, len, 1, 1, info, err, errlen);
    case 0x4d3cb2a1: return check_pcap(b, len, 0, 1, info, err, errlen);
    case 0x0a0d0d0a: return check_pcapng(b, len, info, err, errlen);
    default:
        snprintf(err, errlen,
                 "not a pcap or pcapng file (starts with 0x%08x; expected a1b2c3d4, "
                 "a1b23c4d, their byte swaps, or 0a0d0d0a)", magic);
        return -1;
    }
}
