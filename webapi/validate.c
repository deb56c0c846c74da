/* validate.c - POST /api/validate-pcap: checks an uploaded file's header
 * and reads its first packets with libpcap, storing nothing (API.md). Only
 * the first VALIDATE_MAX bytes are kept; the rest of the body is skipped. */
#include "columns.h"
#include "pcapcheck.h"
#include "upload_body.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define VALIDATE_MAX (1024 * 1024)
#define VALIDATE_PACKETS 10

struct head_buf {
    struct http_reply *reply;
    size_t len;
    long long total;
    unsigned char data[VALIDATE_MAX];
};

static int vbegin(void *arg, const char *file_name)
{
    (void)arg;
    (void)file_name;
    return 0;
}

static int vdata(void *arg, const unsigned char *p, size_t n)
{
    struct head_buf *h = arg;
    size_t take = VALIDATE_MAX - h->len < n ? VALIDATE_MAX - h->len : n;
    memcpy(h->data + h->len, p, take);
    h->len += take;
    h->total += (long long)n;
    return 0;
}

static int vend(void *arg)
{
    (void)arg;
    return 0;
}

static json_t *packet_json(const struct pcap_pkthdr *hdr, int nano)
{
    char ts[48];
    time_t t = hdr->ts.tv_sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return json_null();
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, nano ? ".%09ldZ" : ".%06ldZ", (long)hdr->ts.tv_usec);
    return json_pack("{s:s, s:I, s:I}", "ts", ts, "caplen", (json_int_t)hdr->caplen, "len",
                     (json_int_t)hdr->len);
}

/* Reads the first packets with libpcap into body; 0, or 415 (reply set). */
static int read_packets(struct head_buf *h, const struct capinfo *info, json_t *body,
                        struct http_reply *reply)
{
    char err[PCAP_ERRBUF_SIZE] = "";
    FILE *f = fmemopen(h->data, h->len, "rb");
    int nano = info->precision && strcmp(info->precision, "ns") == 0;
    pcap_t *p = f ? pcap_fopen_offline_with_tstamp_precision(
                        f, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, err)
                  : NULL;
    if (!p) {
        if (f)
            fclose(f);
        http_reply_fail(reply, 415, "not a capture file", "libpcap: %s", err);
        return 415;
    }
    json_t *pkts = json_array();
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc = 0, count = 0;
    while (count < VALIDATE_PACKETS && (rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        json_array_append_new(pkts, packet_json(hdr, nano));
        count++;
    }
    int cut = rc == PCAP_ERROR && h->total == (long long)h->len; /* the file itself ends short */
    json_object_set_new(body, "linktype", json_integer(pcap_datalink(p)));
    const char *lt = pcap_datalink_val_to_name(pcap_datalink(p));
    json_object_set_new(body, "linktype_name", lt ? json_string(lt) : json_null());
    json_object_set_new(body, "snaplen", json_integer(pcap_snapshot(p)));
    json_object_set_new(body, "packets_checked", json_integer(count));
    json_object_set_new(body, "first_packets", pkts);
    json_object_set_new(body, "truncated", json_boolean(cut));
    if (cut)
        json_object_set_new(body, "warning", json_string(pcap_geterr(p)));
    pcap_close(p); /* closes f */
    return 0;
}

void handle_validate_pcap(struct web_ctx *ctx, const struct http_request *req,
                          struct http_reply *reply)
{
    static struct head_buf h;
    (void)ctx;
    struct upload_opts opts = {.options_allowed = 0, .store_packets = -1};
    if (upload_opts_from_query(&opts, req, reply) != 0)
        return;
    h.reply = reply;
    h.len = 0;
    h.total = 0;
    struct body_sink sink = {vbegin, vdata, vend, &h};
    if (upload_body_read(req, &opts, &sink, reply) != 0)
        return;
    struct capinfo info;
    char err[256], version[32];
    if (pcapcheck_head(h.data, h.len, 1, &info, err, sizeof err) < 0) {
        http_reply_fail(reply, 415, "not a capture file", "%s", err);
        return;
    }
    snprintf(version, sizeof version, "%u.%u", info.version_major, info.version_minor);
    json_t *body = json_pack("{s:b, s:s, s:s, s:s, s:o, s:s, s:I, s:I}", "valid", 1,
                             "file_name", opts.file_name, "format", info.format, "byte_order",
                             info.byte_order, "precision",
                             info.precision ? json_string(info.precision) : json_null(),
                             "version", version, "size", (json_int_t)h.total, "bytes_checked",
                             (json_int_t)h.len);
    if (read_packets(&h, &info, body, reply) != 0) {
        json_decref(body);
        return;
    }
    http_reply_set(reply, 200, body);
}
