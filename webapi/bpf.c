/* bpf.c - compiles a filter on a dead pcap handle (libpcap pcap_compile(3PCAP)). */
#include "bpf.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

int bpf_check(const char *filter, int linktype, char *err, size_t errlen)
{
    if (strlen(filter) > BPF_FILTER_MAX) {
        snprintf(err, errlen, "longer than %d bytes", BPF_FILTER_MAX);
        return -1;
    }
    pcap_t *p = pcap_open_dead(linktype, 262144);
    if (!p) {
        snprintf(err, errlen, "linktype %d not supported", linktype);
        return -1;
    }
    struct bpf_program prog;
    int rc = pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN);
    if (rc < 0)
        snprintf(err, errlen, "%s", pcap_geterr(p));
    else
        pcap_freecode(&prog);
    pcap_close(p);
    return rc < 0 ? -1 : 0;
}
