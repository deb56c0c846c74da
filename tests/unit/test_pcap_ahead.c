/* test_pcap_ahead.c - packets read on the second thread come out exactly
 * as pcap_next_ex() gives them (bytes, lengths, times, order), across
 * batch boundaries, with packets larger than a batch, a packet limit, file
 * offsets, an early stop, and a file cut short (the same error after the
 * same packets). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "pcap_ahead.h"
#include "unit.h"

#define DLT_BIG 231 /* DLT_DBUS: libpcap accepts captures up to 128 MiB */

static uint8_t pattern(uint64_t pkt, size_t i) { return (uint8_t)(pkt * 131 + i * 7); }

static uint32_t size_of(uint64_t i, int big)
{
    if (big && i % 97 == 5)
        return 300000 + (uint32_t)i; /* larger than one batch */
    return (uint32_t)((i * 2654435761u) % 1600);
}

/* Writes n packets to a temporary file; its path into path. */
static int make_file(uint64_t n, int dlt, char path[64])
{
    snprintf(path, 64, "/tmp/ps-test-ahead.XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    pcap_t *dead = pcap_open_dead(dlt, 1 << 20);
    pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
    if (!d) {
        pcap_close(dead);
        return -1;
    }
    static uint8_t buf[1 << 20];
    for (uint64_t i = 0; i < n; i++) {
        struct pcap_pkthdr h = {.caplen = size_of(i, dlt == DLT_BIG)};
        h.len = h.caplen + (uint32_t)(i % 3);
        h.ts.tv_sec = (time_t)(1764000000 + i / 1000);
        h.ts.tv_usec = (suseconds_t)(i % 1000) * 1000;
        for (uint32_t k = 0; k < h.caplen; k++)
            buf[k] = pattern(i, k);
        pcap_dump((u_char *)d, &h, buf);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return 0;
}

static pcap_t *open_file(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    return pcap_open_offline(path, err);
}

struct outcome {
    uint64_t packets, bad, offsets, offset_sum;
    int result;
};

static bool direct; /* records parsed by pcap_ahead itself, else libpcap */
static struct ps_pipeline *hint_pipe; /* for the hints only */

static struct outcome read_ahead(const char *path, uint64_t max, uint64_t every, uint64_t stop)
{
    struct outcome o = {0};
    pcap_t *pc = open_file(path);
    struct pcap_ahead *a = pc ? pcap_ahead_start(pc, hint_pipe, max, every, direct) : NULL;
    CHECK(a != NULL);
    if (!a) {
        if (pc)
            pcap_close(pc);
        return o;
    }
    struct ahead_packet k;
    while ((!stop || o.packets < stop) && pcap_ahead_next(a, &k)) {
        uint64_t i = o.packets++;
        uint32_t want = size_of(i, pcap_datalink(pc) == DLT_BIG);
        o.bad += k.caplen != want || k.len != want + i % 3 ||
                 k.ts_us != (int64_t)(1764000000 + i / 1000) * 1000000 + (int64_t)(i % 1000) * 1000;
        for (uint32_t b = 0; b < k.caplen && b < want; b += 61)
            o.bad += k.data[b] != pattern(i, b);
        if (k.file_offset >= 0) {
            o.offsets++;
            o.offset_sum += (uint64_t)k.file_offset;
        }
    }
    o.result = pcap_ahead_stop(a);
    pcap_close(pc);
    return o;
}

/* The sum of ftello() after every `every`-th packet, reading with libpcap. */
static uint64_t offsets_by_libpcap(const char *path, uint64_t max, uint64_t every)
{
    pcap_t *pc = open_file(path);
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t sum = 0;
    for (uint64_t n = 1; n <= max && pcap_next_ex(pc, &h, &d) == 1; n++)
        if (n % every == 0)
            sum += (uint64_t)ftello(pcap_file(pc));
    pcap_close(pc);
    return sum;
}

/* Rewrites a native-order pcap file in the other byte order. */
static void swap_file(const char *path)
{
    FILE *f = fopen(path, "r+b");
    uint8_t b[24];
    if (!f || fread(b, 1, 24, f) != 24) {
        CHECK(!"cannot read back");
        if (f)
            fclose(f);
        return;
    }
    static const int widths[] = {4, 2, 2, 4, 4, 4, 4};
    for (int i = 0, off = 0; i < 7; off += widths[i++])
        for (int k = 0; k < widths[i] / 2; k++) {
            uint8_t t = b[off + k];
            b[off + k] = b[off + widths[i] - 1 - k];
            b[off + widths[i] - 1 - k] = t;
        }
    fseek(f, 0, SEEK_SET);
    fwrite(b, 1, 24, f);
    for (long pos = 24;;) {
        uint8_t r[16];
        fseek(f, pos, SEEK_SET);
        if (fread(r, 1, 16, f) != 16)
            break;
        uint32_t caplen;
        memcpy(&caplen, r + 8, 4);
        for (int w = 0; w < 4; w++)
            for (int k = 0; k < 2; k++) {
                uint8_t t = r[4 * w + k];
                r[4 * w + k] = r[4 * w + 3 - k];
                r[4 * w + 3 - k] = t;
            }
        fseek(f, pos, SEEK_SET);
        fwrite(r, 1, 16, f);
        pos += 16 + (long)caplen;
    }
    fclose(f);
}

static void test_other_formats(void)
{
    char path[64];
    CHECK(make_file(5000, 1, path) == 0);
    swap_file(path);
    pcap_t *pc = open_file(path);
    CHECK(pc && pcap_is_swapped(pc) == 1);
    if (pc)
        pcap_close(pc);
    struct outcome o = read_ahead(path, 0, 0, 0);
    CHECK_INT(o.packets, 5000);
    CHECK_INT(o.bad, 0);
    CHECK_INT(o.result, PCAP_ERROR_BREAK);
    unlink(path);
}

static void test_whole_files(void)
{
    char path[64];
    CHECK(make_file(20000, 1, path) == 0);
    struct outcome o = read_ahead(path, 0, 0, 0);
    CHECK_INT(o.packets, 20000);
    CHECK_INT(o.bad, 0);
    CHECK_INT(o.offsets, 0);
    CHECK_INT(o.result, PCAP_ERROR_BREAK);

    o = read_ahead(path, 12345, 4096, 0);
    CHECK_INT(o.packets, 12345);
    CHECK_INT(o.bad, 0);
    CHECK_INT(o.offsets, 3);
    CHECK_INT(o.offset_sum, offsets_by_libpcap(path, 12345, 4096));
    CHECK_INT(o.result, 1);

    o = read_ahead(path, 0, 0, 3000); /* the consumer stops early */
    CHECK_INT(o.packets, 3000);
    CHECK_INT(o.result, 1);

    /* cut inside a packet: the same error after the same packets */
    pcap_t *pc = open_file(path);
    struct pcap_pkthdr *h;
    const u_char *d;
    for (int i = 0; i < 7000 && pcap_next_ex(pc, &h, &d) == 1; i++)
        ;
    long cut = ftell(pcap_file(pc)) - 5;
    pcap_close(pc);
    CHECK(truncate(path, cut) == 0);
    o = read_ahead(path, 0, 0, 0);
    CHECK_INT(o.packets, 6999);
    CHECK_INT(o.bad, 0);
    CHECK_INT(o.result, PCAP_ERROR);
    unlink(path);

    CHECK(make_file(0, 1, path) == 0);
    o = read_ahead(path, 0, 0, 0);
    CHECK_INT(o.packets, 0);
    CHECK_INT(o.result, PCAP_ERROR_BREAK);
    unlink(path);
}

static void test_big_packets(void)
{
    char path[64];
    CHECK(make_file(500, DLT_BIG, path) == 0);
    struct outcome o = read_ahead(path, 0, 0, 0);
    CHECK_INT(o.packets, 500);
    CHECK_INT(o.bad, 0);
    CHECK_INT(o.result, PCAP_ERROR_BREAK);
    unlink(path);
}

UNIT_MAIN({
    struct flow_config cfg;
    flow_config_defaults(&cfg);
    hint_pipe = ps_pipeline_new(&cfg, &(struct ps_sink){0}, 0);
    for (int i = 0; i < 2; i++) {
        direct = i == 1;
        test_whole_files();
        test_big_packets();
        test_other_formats();
    }
    ps_pipeline_free(hint_pipe);
})
