/* fuzz_dns.c - dns_parse and dns_looks_like on arbitrary bytes (a UDP
 * payload, or a TCP message after its length prefix). */
#define FUZZ_TARGET "dns"
#include "fuzz_common.h"

#include "app_dns.h"

static struct dns_msg m;

static void fuzz_one(const uint8_t *data, size_t size)
{
    enum ps_result r = dns_parse(data, size, &m);
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    FUZZ_ASSERT(m.nanswers <= PS_MAX_DNS_RRS);
    FUZZ_ASSERT(strnlen(m.qname, sizeof m.qname) < sizeof m.qname);
    touch(dns_qtype_name(m.qtype));
    touch(dns_rcode_name(m.rcode));
    for (size_t i = 0; i < m.nanswers; i++) {
        FUZZ_ASSERT(strnlen(m.answers[i].data, sizeof m.answers[i].data) <
                    sizeof m.answers[i].data);
        touch(dns_qtype_name(m.answers[i].type));
    }
    fuzz_sink += dns_looks_like(data, size);
}
