/* app_dns.h - DNS message decoder (RFC 1035; AAAA RFC 3596; EDNS OPT RFC 6891).
 *
 * Pure: no flow state, no I/O, no allocation. The caller owns every output
 * struct; nothing returned borrows the packet bytes. DNS over TCP: strip the
 * two-byte length prefix first. mDNS (5353) and LLMNR (5355) share the format. */
#ifndef PS_APP_DNS_H
#define PS_APP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "result.h"

/* Caps local to DNS until they move into caps.h (STYLE rule 3). */
#define DNS_MAX_QUESTIONS  16  /* questions walked; real messages carry 1 */
#define DNS_MAX_RRS_WALKED 512 /* records walked over all sections; the rest is not checked */

/* Record types the decoder renders into dns_rr.data. */
#define DNS_TYPE_A     1
#define DNS_TYPE_NS    2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA   6
#define DNS_TYPE_PTR   12
#define DNS_TYPE_MX    15
#define DNS_TYPE_TXT   16
#define DNS_TYPE_AAAA  28
#define DNS_TYPE_OPT   41

/* One resource record of the answer section. data is, by type:
 * A: dotted quad; AAAA: inet_ntop form; CNAME/NS/PTR: target name;
 * MX: exchange name; TXT: first character-string (non-printables as \xHH,
 * backslash as \\); anything else: "". Names are in presentation form as
 * for dns_msg.qname. */
struct dns_rr {
    uint16_t type;
    uint32_t ttl;
    char data[PS_MAX_DNS_NAME + 1];
};

/* A decoded message. Names are dotted without a trailing dot ("." for the
 * root), case kept as sent; label bytes outside 0x21..0x7e are written \xHH,
 * a literal '.' inside a label as "\." and '\' as "\\". A name whose
 * presentation form does not fit is cut at the last whole character. */
struct dns_msg {
    uint16_t id;
    uint8_t qr, opcode, aa, tc, rd, ra, rcode; /* rcode: the 4 header bits */
    uint16_t qdcount, ancount, nscount, arcount;
    char qname[PS_MAX_DNS_NAME + 1]; /* first question; "" when qdcount is 0 */
    uint16_t qtype, qclass;          /* qclass raw (mDNS QU bit kept) */
    size_t nanswers;                 /* <= PS_MAX_DNS_RRS; further answers are walked, not kept */
    struct dns_rr answers[PS_MAX_DNS_RRS];
};

/* Decodes the message in p[0..len). m is fully reset first. Returns PS_OK,
 * PS_TRUNCATED (buffer ends inside the message) or PS_INVALID (label type or
 * length, name longer than 255 octets, compression pointer not strictly
 * backwards or more than PS_MAX_DNS_POINTERS jumps, bad A/AAAA/name rdata,
 * more than DNS_MAX_QUESTIONS questions). On TRUNCATED/INVALID, m keeps what
 * was decoded before the problem (header, question, complete answers).
 * All four sections are walked, so a cut anywhere is reported. */
enum ps_result dns_parse(const uint8_t *p, size_t len, struct dns_msg *m);

/* Cheap test whether p looks like a DNS message (for payload-based detection
 * on non-standard ports): sane header and, if any, a well-formed first
 * question. False positives are possible; false negatives for odd but valid
 * messages too. */
bool dns_looks_like(const uint8_t *p, size_t len);

/* Mnemonic of a QTYPE/TYPE ("A", "AAAA", "HTTPS", ...), NULL if unknown. */
const char *dns_qtype_name(uint16_t qtype);

/* Mnemonic of an RCODE ("NOERROR", "NXDOMAIN", ...), NULL if unknown. */
const char *dns_rcode_name(uint8_t rcode);

#endif
