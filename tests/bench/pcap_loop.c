/* pcap_loop.c - the bare ceiling for reading a capture: libpcap's
 * pcap_next_ex loop touching one byte of each packet, nothing else.
 *
 * Used by bench.sh as the 100% mark the analyzer is compared against.
 * Prints "<packets> packets <seconds> s <packets/s> pkt/s" on stdout.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0;
    unsigned sum = 0;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: ps-pcap-loop FILE\n");
        return 2;
    }
    double t0 = now_seconds();
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "ps-pcap-loop: %s\n", err);
        return 1;
    }
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        if (h->caplen > 0)
            sum += data[0];
        packets++;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "ps-pcap-loop: %s: packet %llu: %s\n", argv[1],
                (unsigned long long)packets + 1, pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    double dt = now_seconds() - t0;
    /* sum is printed so the compiler cannot drop the touch of each packet. */
    printf("%llu packets %.6f s %.0f pkt/s (checksum %u)\n", (unsigned long long)packets, dt,
           dt > 0 ? (double)packets / dt : 0.0, sum & 0xff);
    return 0;
}
