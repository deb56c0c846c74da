/* pcap_ahead.c - pcap_next_ex() (or direct record parsing) and frame
 * decoding on a second thread, packets handed over in batches through a
 * ring, the pipeline's hints worked out as they are taken (see pcap_ahead.h). */
#include "pcap_ahead.h"

#include "decode.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Four batches of 256 KiB stay cache-sized; the threads meet once per
 * batch. A packet larger than a batch (libpcap caps caplen at 256 KiB, so
 * only in theory) travels alone in a batch's own larger buffer. */
#define AH_BATCHES 4
#define AH_DATA (256 * 1024)
#define AH_RECS 1024

struct ah_rec {
    int64_t ts_us, file_offset;
    uint32_t caplen, len, off;
};

struct ah_batch {
    struct ah_rec rec[AH_RECS];
    struct ps_packet pkt[AH_RECS]; /* rec[i] decoded; payload points into data */
    struct ps_hint hint[AH_RECS];  /* ps_pipeline_hint() of pkt[i] */
    uint32_t n, used; /* records, data bytes */
    bool last;        /* reading ended after these records */
    atomic_bool full; /* handed to the consumer, not yet given back (set under mu) */
    uint8_t *data;    /* AH_DATA bytes, or big while an oversized packet is in */
    uint8_t *big;
    size_t big_size;
};

/* Classic pcap records parsed here instead of by libpcap: no stdio
 * buffer, no copy into libpcap's buffer and again into a batch. Only for
 * records libpcap would return unchanged (see direct_record); at the first
 * other one, or a read error, libpcap takes the file over from that record
 * on and judges it as it would have. */
struct direct {
    int fd;                   /* -1: libpcap reads */
    bool swapped, nsec;
    uint32_t snaplen;         /* libpcap's snapshot length */
    int64_t off;              /* file offset of the first byte not yet taken */
    const uint8_t *carry;     /* a partial record at the end of the last batch */
    uint32_t carry_len;
    bool eof;                 /* off + carry_len is the end of the file */
};

struct pcap_ahead {
    pcap_t *pc;
    const struct ps_pipeline *pipe; /* hints only: see ps_pipeline_hint() */
    int dlt;
    uint64_t max_packets, offsets_mask;
    bool offsets;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t filled, freed;
    bool stop;  /* the consumer is done */
    unsigned n_full; /* batches handed over and not yet given back */
    unsigned spin[2]; /* spin budgets of the reading thread [0] and the consumer [1] */
    int result; /* how reading ended; 1 until the thread says otherwise */
    struct ah_batch b[AH_BATCHES];
    /* reading thread only */
    struct direct dr;
    struct pcap_pkthdr *h;
    const u_char *d;
    bool pending; /* h/d read but did not fit the previous batch */
    uint64_t n;
    /* consumer only */
    unsigned cur;
    uint32_t next;
    bool have;
    uint8_t *mem;
};

/* Each side wakes the other only when AH_WAKE batches are ready for it
 * (or at the end): half as many sleeps and wake-ups as one per batch. */
#define AH_WAKE 2

/* Before sleeping, a side spins a little (up to about 50 µs) for the
 * other to make a batch ready: both usually run at once on their own cores
 * and a sleep/wake-up pair costs more than that. The budget adapts: a spin
 * that succeeds doubles it, one that fails quarters it, so on a busy
 * machine (the other thread not running) a side soon just sleeps. */
#define AH_SPIN 2048
#define AH_SPIN_MIN 16

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Spins on *budget until b->full == want; true when it got there. */
static bool ah_spin(struct ah_batch *b, bool want, unsigned *budget)
{
    if (atomic_load_explicit(&b->full, memory_order_acquire) == want)
        return true;
    for (unsigned i = 0; i < *budget; i++) {
        cpu_relax();
        if (atomic_load_explicit(&b->full, memory_order_acquire) == want) {
            *budget = *budget * 2 < AH_SPIN ? *budget * 2 : AH_SPIN;
            return true;
        }
    }
    *budget = *budget / 4 > AH_SPIN_MIN ? *budget / 4 : AH_SPIN_MIN;
    return false;
}

/* Waits until batch b (the oldest) is free, sleeping until the next one
 * is free too; false when the consumer stopped. */
static bool ah_wait_free(struct pcap_ahead *a, struct ah_batch *b)
{
    if (ah_spin(b, false, &a->spin[0]))
        return true; /* a->stop matters to sleeps only: the consumer wakes us */
    pthread_mutex_lock(&a->mu);
    while ((b->full || AH_BATCHES - a->n_full < AH_WAKE) && !a->stop)
        pthread_cond_wait(&a->freed, &a->mu);
    bool go = !a->stop;
    pthread_mutex_unlock(&a->mu);
    return go;
}

/* Copies the pending packet into b; false when it does not fit. */
static bool ah_put(struct pcap_ahead *a, struct ah_batch *b)
{
    uint32_t caplen = a->h->caplen;
    if (caplen > AH_DATA) { /* alone, in the batch's own buffer */
        if (b->n > 0)
            return false;
        if (b->big_size < caplen) {
            uint8_t *p = realloc(b->big, caplen);
            if (!p)
                return false;
            b->big = p;
            b->big_size = caplen;
        }
        b->data = b->big;
    } else if (b->n == AH_RECS || AH_DATA - b->used < caplen || b->data == b->big) {
        return false;
    }
    struct ah_rec *r = &b->rec[b->n++];
    r->ts_us = (int64_t)a->h->ts.tv_sec * 1000000 + a->h->ts.tv_usec;
    r->caplen = caplen;
    r->len = a->h->len;
    r->off = b->used;
    r->file_offset = -1;
    memcpy(b->data + b->used, a->d, caplen);
    struct ps_packet *pkt = &b->pkt[b->n - 1];
    pkt->frame = 0; /* numbered by the pipeline */
    pkt->ts_us = r->ts_us;
    ps_decode_frame(a->dlt, b->data + b->used, caplen, r->len, pkt);
    b->used += caplen;
    a->pending = false;
    a->n++;
    if (a->offsets && (a->n & a->offsets_mask) == 0 && pcap_file(a->pc))
        r->file_offset = (int64_t)ftello(pcap_file(a->pc));
    return true;
}

#define AH_TO_LIBPCAP 2 /* ah_fill_direct: libpcap goes on from here */

/* Reads until size bytes, the end of the file or an error (-1). */
static ssize_t read_at(int fd, uint8_t *buf, size_t size, int64_t off)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)(off + (int64_t)got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

static uint32_t get32(const uint8_t *p, bool swapped)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

/* Adds the record at b->data + pos (its 16-byte header, then caplen
 * bytes) the way libpcap would return it: times as signed 32-bit values,
 * nanoseconds divided down to microseconds. */
static void direct_record(struct pcap_ahead *a, struct ah_batch *b, uint32_t pos,
                          uint32_t caplen, int64_t end_off)
{
    const uint8_t *p = b->data + pos;
    int64_t sec = (int32_t)get32(p, a->dr.swapped), frac = (int32_t)get32(p + 4, a->dr.swapped);
    struct ah_rec *r = &b->rec[b->n++];
    r->ts_us = sec * 1000000 + (a->dr.nsec ? frac / 1000 : frac);
    r->caplen = caplen;
    r->len = get32(p + 12, a->dr.swapped);
    r->off = pos + 16;
    a->n++;
    r->file_offset = a->offsets && (a->n & a->offsets_mask) == 0 ? end_off : -1;
    struct ps_packet *pkt = &b->pkt[b->n - 1];
    pkt->frame = 0;
    pkt->ts_us = r->ts_us;
    ps_decode_frame(a->dlt, b->data + r->off, caplen, r->len, pkt);
}

/* Hands the file to libpcap at offset off; AH_TO_LIBPCAP or PCAP_ERROR. */
static int direct_stop(struct pcap_ahead *a, int64_t off)
{
    a->dr.fd = -1;
    if (fseeko(pcap_file(a->pc), (off_t)off, SEEK_SET) == 0)
        return AH_TO_LIBPCAP;
    snprintf(pcap_geterr(a->pc), PCAP_ERRBUF_SIZE, "cannot seek to offset %lld: %s",
             (long long)off, strerror(errno));
    return PCAP_ERROR;
}

/* Fills b from the file directly: 0 when it is full and more may follow,
 * 1 at max_packets, PCAP_ERROR_BREAK at the end of the file, AH_TO_LIBPCAP
 * when libpcap must go on (b->used marks where its packets may go). */
static int ah_fill_direct(struct pcap_ahead *a, struct ah_batch *b)
{
    struct direct *d = &a->dr;
    if (d->carry_len)
        memcpy(b->data, d->carry, d->carry_len); /* another batch's buffer */
    size_t len = d->carry_len;
    if (!d->eof) {
        ssize_t got = read_at(d->fd, b->data + len, AH_DATA - len, d->off + (int64_t)len);
        if (got < 0)
            return direct_stop(a, d->off); /* libpcap meets the error itself */
        len += (size_t)got;
        d->eof = len < AH_DATA;
    }
    uint32_t pos = 0;
    int rc = 0;
    for (;;) {
        if (a->max_packets && a->n >= a->max_packets) {
            rc = 1;
            break;
        }
        if (b->n == AH_RECS)
            break;
        if (len - pos < 16) {
            if (d->eof)
                rc = len == pos ? PCAP_ERROR_BREAK : AH_TO_LIBPCAP;
            break;
        }
        uint32_t caplen = get32(b->data + pos + 8, d->swapped);
        if (caplen > d->snaplen || caplen > AH_DATA - 16) {
            rc = AH_TO_LIBPCAP;
            break;
        }
        if (len - pos - 16 < caplen) {
            if (d->eof)
                rc = AH_TO_LIBPCAP; /* cut short: libpcap says how */
            break;
        }
        direct_record(a, b, pos, caplen, d->off + pos + 16 + caplen);
        pos += 16 + caplen;
    }
    b->used = pos;
    if (rc == AH_TO_LIBPCAP)
        return direct_stop(a, d->off + pos);
    d->carry = b->data + pos;
    d->carry_len = (uint32_t)(len - pos);
    d->off += pos;
    return rc;
}

/* Fills b through libpcap after what b holds: 0 when it is full and more
 * may follow, else how reading ended. */
static int ah_fill_libpcap(struct pcap_ahead *a, struct ah_batch *b)
{
    for (;;) {
        if (!a->pending) {
            if (a->max_packets && a->n >= a->max_packets)
                return 1;
            int r = pcap_next_ex(a->pc, &a->h, &a->d);
            if (r != 1)
                return r;
            a->pending = true;
        }
        if (ah_put(a, b))
            continue;
        if (b->n > 0)
            return 0;
        snprintf(pcap_geterr(a->pc), PCAP_ERRBUF_SIZE, "out of memory for a %u-byte packet",
                 a->h->caplen);
        return PCAP_ERROR;
    }
}

/* Fills b; 0 when it is full and more may follow, else how reading ended. */
static int ah_fill(struct pcap_ahead *a, struct ah_batch *b)
{
    b->n = b->used = 0;
    b->data = a->mem + (size_t)(b - a->b) * AH_DATA;
    if (a->dr.fd >= 0) {
        int r = ah_fill_direct(a, b);
        if (r != AH_TO_LIBPCAP)
            return r;
        if (b->n > 0)
            return 0; /* libpcap starts with the next batch */
    }
    return ah_fill_libpcap(a, b);
}

static void *ah_main(void *arg)
{
    struct pcap_ahead *a = arg;
    for (unsigned k = 0;; k = (k + 1) % AH_BATCHES) {
        struct ah_batch *b = &a->b[k];
        if (!ah_wait_free(a, b))
            return NULL;
        int r = ah_fill(a, b);
        pthread_mutex_lock(&a->mu);
        b->last = r != 0;
        if (b->last)
            a->result = r;
        atomic_store_explicit(&b->full, true, memory_order_release);
        if (++a->n_full >= AH_WAKE || b->last)
            pthread_cond_signal(&a->filled);
        pthread_mutex_unlock(&a->mu);
        if (r != 0)
            return NULL;
    }
}

bool pcap_ahead_next(struct pcap_ahead *a, struct ahead_packet *out)
{
    for (;;) {
        struct ah_batch *b = &a->b[a->cur];
        if (!a->have) {
            if (!ah_spin(b, true, &a->spin[1])) {
                pthread_mutex_lock(&a->mu);
                while (!atomic_load_explicit(&b->full, memory_order_acquire))
                    pthread_cond_wait(&a->filled, &a->mu);
                pthread_mutex_unlock(&a->mu);
            }
            a->have = true;
            a->next = 0;
        }
        if (a->next < b->n) {
            /* Hints are worked out here, one packet ahead: the reading
             * thread has the copy out of the page cache to do and is the
             * busier of the two. */
            if (a->next == 0)
                ps_pipeline_hint(a->pipe, &b->pkt[0], &b->hint[0]);
            const struct ah_rec *r = &b->rec[a->next++];
            bool more = a->next < b->n;
            if (more)
                ps_pipeline_hint(a->pipe, &b->pkt[a->next], &b->hint[a->next]);
            if (more) { /* the next packet, written by the other core */
                const uint8_t *np = (const uint8_t *)&b->pkt[a->next];
                for (size_t l = 0; l < sizeof b->pkt[0]; l += 64)
                    __builtin_prefetch(np + l);
            }
            *out = (struct ahead_packet){.ts_us = r->ts_us, .caplen = r->caplen, .len = r->len,
                                         .data = b->data + r->off,
                                         .file_offset = r->file_offset,
                                         .pkt = &b->pkt[a->next - 1],
                                         .hint = &b->hint[a->next - 1],
                                         .next_hint = more ? &b->hint[a->next] : NULL};
            return true;
        }
        if (b->last)
            return false;
        pthread_mutex_lock(&a->mu);
        atomic_store_explicit(&b->full, false, memory_order_release);
        if (AH_BATCHES - --a->n_full >= AH_WAKE)
            pthread_cond_signal(&a->freed);
        pthread_mutex_unlock(&a->mu);
        a->cur = (a->cur + 1) % AH_BATCHES;
        a->have = false;
    }
}

static void ah_free(struct pcap_ahead *a)
{
    pthread_cond_destroy(&a->filled);
    pthread_cond_destroy(&a->freed);
    pthread_mutex_destroy(&a->mu);
    for (int i = 0; i < AH_BATCHES; i++)
        free(a->b[i].big);
    free(a->mem);
    free(a);
}

/* Direct reading for a classic pcap file (µs or ns, either byte order,
 * version 2.4) that libpcap opened: fd -1 otherwise. */
static void direct_init(struct direct *d, pcap_t *pc)
{
    d->fd = -1;
    FILE *f = pcap_file(pc);
    uint8_t m[4];
    if (!f || pcap_major_version(pc) != 2 || pcap_minor_version(pc) != 4 ||
        pread(fileno(f), m, 4, 0) != 4)
        return;
    uint32_t magic = get32(m, pcap_is_swapped(pc) == 1);
    if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d)
        return;
    d->swapped = pcap_is_swapped(pc) == 1;
    d->nsec = magic == 0xa1b23c4d;
    d->snaplen = (uint32_t)pcap_snapshot(pc);
    d->off = 24; /* after the file header */
    d->fd = fileno(f);
}

struct pcap_ahead *pcap_ahead_start(pcap_t *pc, const struct ps_pipeline *p,
                                    uint64_t max_packets, uint64_t offsets_every, bool direct)
{
    static_assert(AH_DATA >= 64 * 1024, "a batch holds any usual packet");
    static_assert(AH_BATCHES >= 2 * AH_WAKE, "both sides can wait for AH_WAKE batches");
    struct pcap_ahead *a = calloc(1, sizeof *a);
    uint8_t *mem = a ? malloc((size_t)AH_BATCHES * AH_DATA) : NULL;
    if (!mem) {
        free(a);
        return NULL;
    }
    a->pc = pc;
    a->pipe = p;
    a->dlt = pcap_datalink(pc);
    a->dr.fd = -1;
    if (direct)
        direct_init(&a->dr, pc);
    a->mem = mem;
    a->max_packets = max_packets;
    a->offsets = offsets_every != 0;
    a->offsets_mask = offsets_every - 1;
    a->result = 1;
    a->spin[0] = a->spin[1] = AH_SPIN;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->filled, NULL);
    pthread_cond_init(&a->freed, NULL);
    if (pthread_create(&a->th, NULL, ah_main, a) != 0) {
        ah_free(a);
        return NULL;
    }
    return a;
}

int pcap_ahead_stop(struct pcap_ahead *a)
{
    if (!a)
        return 1;
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_signal(&a->freed);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    int r = a->result;
    ah_free(a);
    return r;
}
