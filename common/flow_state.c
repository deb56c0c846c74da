/* flow_state.c - what a finished flow reports: Zeek conn_state, endpoints,
 * protocol name and uid. */
#include "flow.h"

#include <string.h>

static int inactive(uint8_t s) { return s == EP_INACTIVE || s == EP_PARTIAL; }

/* "^?S[^HAFGIQ]*R": the originator sent a SYN and then a RST, with nothing
 * from the responder in between. */
static int syn_then_rst(const char *h, size_t n)
{
    size_t i = (n && h[0] == '^') ? 1 : 0;
    if (i >= n || h[i] != 'S')
        return 0;
    for (i++; i < n; i++) {
        if (h[i] == 'R')
            return 1;
        if (strchr("HAFGIQ", h[i]))
            return 0;
    }
    return 0;
}

static const char *tcp_conn_state(const struct flow *f)
{
    uint8_t os = f->dir[0].state, rs = f->dir[1].state;
    int orig_size = f->dir[0].payload_bytes > 0, resp_size = f->dir[1].payload_bytes > 0;
    if (rs == EP_RESET) {
        if (os == EP_SYN_SENT || os == EP_SYN_ACK_SENT ||
            (os == EP_RESET && !orig_size && !resp_size))
            return "REJ";
        return inactive(os) ? "RSTRH" : "RSTR";
    }
    if (os == EP_RESET) {
        if (inactive(rs))
            return syn_then_rst(f->history, f->history_len) ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (rs == EP_CLOSED && os == EP_CLOSED)
        return "SF";
    if (os == EP_CLOSED)
        return inactive(rs) ? "SH" : "S2";
    if (rs == EP_CLOSED)
        return inactive(os) ? "SHR" : "S3";
    if (os == EP_SYN_SENT && rs == EP_INACTIVE)
        return "S0";
    if (os == EP_ESTABLISHED && rs == EP_ESTABLISHED)
        return "S1";
    return "OTH";
}

const char *flow_conn_state(const struct flow *f)
{
    if (f->key.proto == 6)
        return tcp_conn_state(f);
    int o = f->dir[0].pkts > 0, r = f->dir[1].pkts > 0;
    if (f->key.proto == 17) {
        if (o)
            return r ? "SF" : "S0";
        return r ? "SHR" : "OTH";
    }
    return "OTH";
}

const char *flow_proto_name(uint8_t p)
{
    switch (p) {
    case 1: return "icmp";
    case 2: return "igmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 47: return "gre";
    case 50: return "esp";
    case 58: return "icmp6";
    case 132: return "sctp";
    default: return "ip";
    }
}

void flow_endpoints(const struct flow *f, struct ps_addr *oh, uint16_t *op, struct ps_addr *rh,
                    uint16_t *rp)
{
    const uint8_t *o = f->orig_is_a ? f->key.a : f->key.b;
    const uint8_t *r = f->orig_is_a ? f->key.b : f->key.a;
    oh->family = rh->family = f->key.family;
    memcpy(oh->b, o, 16);
    memcpy(rh->b, r, 16);
    *op = f->orig_is_a ? f->key.pa : f->key.pb;
    *rp = f->orig_is_a ? f->key.pb : f->key.pa;
}

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* splitmix64's finaliser is a bijection on 64 bits, so distinct
 * (capture < 2^24, flow < 2^40) pairs give distinct uids. */
void flow_uid(uint64_t capture_id, uint64_t flow_id, char out[20])
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    uint64_t v = splitmix((capture_id << 40) ^ flow_id);
    out[0] = 'C';
    for (int i = 1; i <= 11; i++) {
        out[i] = b62[v % 62];
        v /= 62;
    }
    out[12] = '\0';
}
