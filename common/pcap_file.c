/* pcap_file.c - reads pcap (µs/ns, either byte order) and pcapng files
 * through libpcap into a pipeline. The format comes from the magic number,
 * never from the file name. */
#include "pipeline.h"
#include "readahead.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
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

/* A regular file is read ahead by a second thread (readahead.h): the
 * kernel's copy of the file then costs the dissecting thread nothing.
 * Anything else, or when that thread cannot start, libpcap opens itself. */
static pcap_t *open_capture(const char *path, char *pcap_err)
{
    FILE *f = readahead_open(path);
    if (f) {
        pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO,
                                                              pcap_err);
        if (!pc)
            fclose(f);
        return pc;
    }
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
                                                          pcap_err);
    /* libpcap reads through stdio; a 1 MiB buffer instead of one page cuts
     * the read() calls 256-fold on large files */
    static __thread char iobuf[1 << 20];
    if (pc && pcap_file(pc))
        setvbuf(pcap_file(pc), iobuf, _IOFBF, sizeof iobuf);
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

static int read_loop(struct ps_pipeline *p, pcap_t *pc, const char *path,
                     const struct ps_read_opts *o, char *err, size_t errlen)
{
    int dlt = pcap_datalink(pc);
    ps_pipeline_set_linktype(p, dlt);
    uint64_t n = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    FILE *f = pcap_file(pc);
    for (;;) {
        if (o->max_packets && n >= o->max_packets)
            return 0;
        int r = pcap_next_ex(pc, &h, &data);
        if (r == PCAP_ERROR_BREAK)
            return 0;
        if (r != 1) {
            snprintf(err, errlen, "%s: record %llu: %s", path, (unsigned long long)n + 1,
                     pcap_geterr(pc));
            return -1;
        }
        n++;
        int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        ps_pipeline_frame(p, dlt, ts, data, h->caplen, h->len);
        if (o->progress && (n & 4095) == 0 &&
            o->progress(o->ctx, n, f ? (uint64_t)ftello(f) : 0)) {
            snprintf(err, errlen, "%s: stopped after %llu packets", path, (unsigned long long)n);
            return -1;
        }
    }
}

int ps_read_file(struct ps_pipeline *p, const char *path, const struct ps_read_opts *opts,
                 char *err, size_t errlen)
{
    static const struct ps_read_opts none;
    const struct ps_read_opts *o = opts ? opts : &none;
    char pcap_err[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = open_capture(path, pcap_err);
    if (!pc)
        return open_error(path, pcap_err, err, errlen);
    int rc = apply_filter(pc, path, o->bpf, err, errlen);
    if (rc == 0)
        rc = read_loop(p, pc, path, o, err, errlen);
    if (rc == 0 && o->progress)
        o->progress(o->ctx, ps_pipeline_counters(p)->packets, 0);
    pcap_close(pc);
    return rc;
}
