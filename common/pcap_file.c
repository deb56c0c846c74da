/* pcap_file.c - reads pcap (µs/ns, either byte order) and pcapng files
 * through libpcap into a pipeline. The format comes from the magic number,
 * never from the file name. */
#include "pcap_ahead.h"
#include "pipeline.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int open_error(const char *path, const char *pcap_err, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path);
    } else if (st.st_size == 0) {
        snprintf(err, errlen, "%s: empty file, not a pcap or pcapng capture", path);
    } else if (strstr(pcap_err, "unknown file format") || strstr(pcap_err, "truncated dump file")) {
        snprintf(err, errlen, "%s: not a pcap or pcapng capture (%s)", path, pcap_err);
    } else {
        snprintf(err, errlen, "%s: cannot read capture: %s", path, pcap_err);
    }
    return -1;
}

/* libpcap reads through stdio; a 1 MiB buffer instead of one page cuts
 * the read() calls 256-fold on large files. *iobuf is the caller's, to
 * free after pcap_close(); it lives on the heap, not in thread-local
 * storage, which every new thread of the process would copy. When it
 * cannot be allocated, stdio's own buffer is used. */
#define PS_IOBUF (1 << 20)

static pcap_t *open_capture(const char *path, char *pcap_err, char **iobuf)
{
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
                                                          pcap_err);
    *iobuf = pc && pcap_file(pc) ? malloc(PS_IOBUF) : NULL;
    if (*iobuf)
        setvbuf(pcap_file(pc), *iobuf, _IOFBF, PS_IOBUF);
    return pc;
}

static int apply_filter(pcap_t *pc, const char *path, const char *bpf, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (!bpf || !*bpf)
        return 0;
    if (pcap_compile(pc, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "%s: bad filter \"%s\": %s", path, bpf, pcap_geterr(pc));
        return -1;
    }
    int rc = pcap_setfilter(pc, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot set filter: %s", path, pcap_geterr(pc));
        return -1;
    }
    return 0;
}

/* Where packets come from: a second thread running libpcap (pcap_ahead.h)
 * for large files, libpcap on this thread for small ones, where setting up
 * the thread (about half a millisecond) would cost more than it saves. */
#define AHEAD_MIN_BYTES (8 << 20)

struct source {
    pcap_t *pc;
    struct pcap_ahead *a; /* NULL: read on this thread */
    uint64_t max, n, offsets_every;
    int end; /* direct reading: how it ended (see pcap_ahead_stop) */
};

static void source_open(struct source *s, pcap_t *pc, const struct ps_pipeline *p,
                        const struct ps_read_opts *o)
{
    *s = (struct source){.pc = pc, .max = o->max_packets,
                         .offsets_every = o->progress ? 4096 : 0, .end = 1};
    struct stat st;
    FILE *f = pcap_file(pc);
    if (f && fstat(fileno(f), &st) == 0 && st.st_size >= AHEAD_MIN_BYTES)
        s->a = pcap_ahead_start(pc, p, s->max, s->offsets_every, !o->bpf || !*o->bpf);
}

static bool source_next(struct source *s, struct ahead_packet *k)
{
    if (s->a)
        return pcap_ahead_next(s->a, k);
    struct pcap_pkthdr *h;
    const u_char *d;
    if (s->max && s->n >= s->max)
        return false;
    if ((s->end = pcap_next_ex(s->pc, &h, &d)) != 1)
        return false;
    s->n++;
    FILE *f = pcap_file(s->pc);
    *k = (struct ahead_packet){
        .ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, .caplen = h->caplen,
        .len = h->len, .data = d, .pkt = NULL, .hint = NULL, .next_hint = NULL,
        .file_offset = f && s->offsets_every && (s->n & (s->offsets_every - 1)) == 0
                           ? (int64_t)ftello(f) : -1};
    return true;
}

/* Stops reading: 1, PCAP_ERROR_BREAK (end of file) or PCAP_ERROR. */
static int source_close(struct source *s)
{
    return s->a ? pcap_ahead_stop(s->a) : s->end;
}

static int read_loop(struct ps_pipeline *p, pcap_t *pc, const char *path,
                     const struct ps_read_opts *o, char *err, size_t errlen)
{
    int dlt = pcap_datalink(pc);
    ps_pipeline_set_linktype(p, dlt);
    struct source src;
    source_open(&src, pc, p, o);
    uint64_t n = 0;
    struct ahead_packet k;
    int stopped = 0;
    while (!stopped && source_next(&src, &k)) {
        n++;
        if (k.next_hint)
            ps_pipeline_prefetch(p, k.next_hint);
        if (k.pkt)
            ps_pipeline_decoded(p, k.pkt, k.hint);
        else
            ps_pipeline_frame(p, dlt, k.ts_us, k.data, k.caplen, k.len);
        stopped = o->progress && (n & 4095) == 0 &&
                  o->progress(o->ctx, n, k.file_offset >= 0 ? (uint64_t)k.file_offset : 0);
    }
    int r = source_close(&src);
    if (stopped) {
        snprintf(err, errlen, "%s: stopped after %llu packets", path, (unsigned long long)n);
        return -1;
    }
    if (r == 1 || r == PCAP_ERROR_BREAK)
        return 0;
    snprintf(err, errlen, "%s: record %llu: %s", path, (unsigned long long)n + 1,
             pcap_geterr(pc));
    return -1;
}

int ps_read_file(struct ps_pipeline *p, const char *path, const struct ps_read_opts *opts,
                 char *err, size_t errlen)
{
    static const struct ps_read_opts none;
    const struct ps_read_opts *o = opts ? opts : &none;
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    char *iobuf;
    pcap_t *pc = open_capture(path, pcap_err, &iobuf);
    if (!pc)
        return open_error(path, pcap_err, err, errlen);
    int rc = apply_filter(pc, path, o->bpf, err, errlen);
    if (rc == 0)
        rc = read_loop(p, pc, path, o, err, errlen);
    if (rc == 0 && o->progress)
        o->progress(o->ctx, ps_pipeline_counters(p)->packets, 0);
    pcap_close(pc);
    free(iobuf);
    return rc;
}
