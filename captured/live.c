/* live.c - live capture threads. */
#include "live.h"

#include "alerts.h"
#include "dbwriter.h"
#include "log.h"
#include "pipeline.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct live {
    struct live_spec spec;
    uint64_t capture_id;
    pcap_t *pc;
    int dlt;
    pthread_t th;
    atomic_int stop;
    struct ps_pipeline *p;
    struct dbwriter *dw;
    struct writer *wr;
    pthread_mutex_t mu; /* guards st */
    struct live_status st;
    uint64_t last_drops;
};

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static pcap_t *open_handle(const struct live_spec *s, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_create(s->iface, perr);
    if (!pc) {
        snprintf(err, errlen, "%s: %s", s->iface, perr);
        return NULL;
    }
    pcap_set_snaplen(pc, s->snaplen > 0 ? s->snaplen : 262144);
    pcap_set_promisc(pc, s->promisc);
    pcap_set_timeout(pc, 200);
    if (s->buffer_mb > 0)
        pcap_set_buffer_size(pc, s->buffer_mb << 20);
    int rc = pcap_activate(pc);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", s->iface,
                 rc == PCAP_ERROR_NO_SUCH_DEVICE ? "no such interface"
                 : rc == PCAP_ERROR_PERM_DENIED  ? "permission denied (CAP_NET_RAW needed)"
                                                 : pcap_geterr(pc));
        pcap_close(pc);
        return NULL;
    }
    return pc;
}

static int set_filter(pcap_t *pc, const struct live_spec *s, char *err, size_t errlen)
{
    struct bpf_program prog;
    if (!s->filter[0])
        return 0;
    if (pcap_compile(pc, &prog, s->filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
        pcap_setfilter(pc, &prog) != 0) {
        snprintf(err, errlen, "bad filter \"%s\": %s", s->filter, pcap_geterr(pc));
        return -1;
    }
    pcap_freecode(&prog);
    return 0;
}

struct live *live_open(const struct live_spec *spec, uint64_t capture_id,
                       const struct options *o, char *err, size_t errlen)
{
    struct live *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->spec = *spec;
    l->capture_id = capture_id;
    l->pc = open_handle(spec, err, errlen);
    if (l->pc && set_filter(l->pc, spec, err, errlen) < 0) {
        pcap_close(l->pc);
        l->pc = NULL;
    }
    l->dw = l->pc ? dbwriter_new(NULL, capture_id, o->packets, o->packets_first_n) : NULL;
    struct ps_sink sink = l->dw ? dbwriter_sink(l->dw) : (struct ps_sink){0};
    l->p = l->dw ? ps_pipeline_new(&o->flow, &sink, capture_id) : NULL;
    if (l->p && ps_pipeline_enable_detection(l->p, &o->detect) < 0) {
        ps_pipeline_free(l->p);
        l->p = NULL;
    }
    if (l->p)
        rules_refresh_pipeline(l->p);
    if (!l->p) {
        if (l->pc && !err[0])
            snprintf(err, errlen, "out of memory for the flow table");
        if (l->pc)
            pcap_close(l->pc);
        dbwriter_free(l->dw);
        free(l);
        return NULL;
    }
    l->dlt = pcap_datalink(l->pc);
    ps_pipeline_set_linktype(l->p, l->dlt);
    pthread_mutex_init(&l->mu, NULL);
    l->st.capture_id = capture_id;
    return l;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct live *l = (struct live *)user;
    int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
    ps_pipeline_frame(l->p, l->dlt, ts, data, h->caplen, h->len);
}

/* Once a second: kernel drops, idle flows, status numbers, rows out. */
static void each_second(struct live *l)
{
    struct pcap_stat ps;
    int64_t now = wall_us();
    if (pcap_stats(l->pc, &ps) == 0 && ps.ps_drop >= l->last_drops) {
        uint64_t delta = ps.ps_drop - l->last_drops;
        l->last_drops = ps.ps_drop;
        if (delta)
            ps_pipeline_add_drops(l->p, now, delta);
    }
    rules_refresh_pipeline(l->p); /* a changed ruleset applies from the next packet */
    ps_pipeline_tick(l->p, now);
    const struct ps_counters *c = ps_pipeline_counters(l->p);
    pthread_mutex_lock(&l->mu);
    l->st.packets = c->packets;
    l->st.bytes = c->bytes;
    l->st.drops = l->last_drops;
    l->st.flows = flow_table_stats(ps_pipeline_flows(l->p))->created;
    pthread_mutex_unlock(&l->mu);
    struct batch b;
    if (dbwriter_take(l->dw, &b))
        writer_put_batch(l->wr, &b);
}

/* Waits up to 200 ms for packets. libpcap's own timeout does not fire on
 * Linux while no packet arrives, so the thread polls the descriptor itself
 * and the once-a-second work runs on an idle interface too. */
static void wait_readable(struct live *l)
{
    int fd = pcap_get_selectable_fd(l->pc);
    if (fd < 0) {
        usleep(20000);
        return;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    poll(&pfd, 1, 200);
}

static void *live_main(void *arg)
{
    struct live *l = arg;
    int64_t last = wall_us();
    char err[PCAP_ERRBUF_SIZE];
    if (pcap_setnonblock(l->pc, 1, err) != 0)
        log_warn("capture on %s: non-blocking mode: %s", l->spec.iface, err);
    while (!atomic_load(&l->stop)) {
        int n = pcap_dispatch(l->pc, 4096, on_packet, (u_char *)l);
        if (n == 0)
            wait_readable(l);
        if (n == PCAP_ERROR) {
            pthread_mutex_lock(&l->mu);
            snprintf(l->st.error, sizeof l->st.error, "%s: %s", l->spec.iface, pcap_geterr(l->pc));
            pthread_mutex_unlock(&l->mu);
            log_error("capture on %s stopped: %s", l->spec.iface, pcap_geterr(l->pc));
            break;
        }
        if (wall_us() - last >= 1000000) {
            each_second(l);
            last = wall_us();
        }
    }
    return NULL;
}

int live_start(struct live *l, struct writer *wr)
{
    l->wr = wr;
    l->st.started_us = wall_us();
    l->st.running = 1;
    if (pthread_create(&l->th, NULL, live_main, l) != 0) {
        l->st.running = 0;
        return -1;
    }
    log_info("capture %llu started on %s%s%s", (unsigned long long)l->capture_id, l->spec.iface,
             l->spec.filter[0] ? " filter " : "", l->spec.filter);
    return 0;
}

void live_stop(struct live *l)
{
    if (!l)
        return;
    atomic_store(&l->stop, 1);
    pcap_breakloop(l->pc);
    if (l->st.running)
        pthread_join(l->th, NULL);
    each_second(l);
    ps_pipeline_finish(l->p);
    struct batch b;
    if (dbwriter_take(l->dw, &b))
        writer_put_batch(l->wr, &b);
    const struct ps_counters *c = ps_pipeline_counters(l->p);
    struct capture_totals t = {.packets = c->packets, .bytes = c->bytes,
                               .flows = flow_table_stats(ps_pipeline_flows(l->p))->ended,
                               .drops = l->last_drops, .malformed = c->malformed_total,
                               .first_us = c->first_us, .last_us = c->last_us,
                               .failed = l->st.error[0] != 0};
    snprintf(t.error, sizeof t.error, "%s", l->st.error);
    writer_put_finish(l->wr, l->capture_id, &t);
    log_info("capture %llu on %s stopped: %llu packets", (unsigned long long)l->capture_id,
             l->spec.iface, (unsigned long long)c->packets);
    ps_pipeline_free(l->p);
    dbwriter_free(l->dw);
    pcap_close(l->pc);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void live_get_status(struct live *l, struct live_status *out)
{
    pthread_mutex_lock(&l->mu);
    *out = l->st;
    pthread_mutex_unlock(&l->mu);
}

const char *live_iface(const struct live *l) { return l->spec.iface; }
