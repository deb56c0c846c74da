/* community_id.h - Community ID v1 flow hash (Corelight community-id-spec,
 * ICMP/ICMPv6 type mapping as in pycommunityid / Zeek's ICMP counterparts).
 *
 * Pure function over caller-supplied values; the result is written to the
 * caller's buffer. SHA-1 and base64 come from OpenSSL (EVP). */
#ifndef PS_COMMUNITY_ID_H
#define PS_COMMUNITY_ID_H

#include <stdint.h>

#define COMMUNITY_ID_LEN 64 /* "1:" + 28 base64 characters + NUL fits easily */

/* Writes "1:<base64(sha1(seed . saddr . daddr . proto . 0 . sport . dport))>"
 * with the endpoints ordered so the smaller address (then port) comes first.
 *
 * family is AF_INET (addresses are 4 bytes) or AF_INET6 (16 bytes), in
 * network byte order; sport/dport are host order. For TCP (6), UDP (17) and
 * SCTP (132) the ports are hashed; for ICMP (1) and ICMPv6 (58) pass the
 * message type as sport and the code as dport: request/reply types map to a
 * (type, counterpart type) pair and are ordered like ports, other types
 * hash (type, code) in the direction given. Other protocols hash no ports.
 * out is set to "" for an unknown family or if libcrypto fails. */
void community_id_v1(uint16_t seed, int family, const uint8_t *saddr, const uint8_t *daddr,
                     uint8_t proto, uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN]);

#endif
