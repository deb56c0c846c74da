/* bpf.h - checks a capture filter (pcap-filter(7)) before it is stored. */
#ifndef PS_WEBAPI_BPF_H
#define PS_WEBAPI_BPF_H

#include <stddef.h>

#define BPF_FILTER_MAX 1024 /* bytes of filter text accepted */

/* 0 when filter compiles for linktype (DLT_*), else -1 with libpcap's
 * reason in err. */
int bpf_check(const char *filter, int linktype, char *err, size_t errlen);

#endif
