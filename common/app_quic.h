/* app_quic.h - QUIC client Initial packets: header, Initial decryption and
 * the TLS ClientHello inside (RFC 9000 17.2.2, RFC 9001 5, RFC 9369 QUIC v2).
 *
 * Pure functions over caller-owned state: nothing is allocated, p is only
 * borrowed during the call. Keys are derived from the Destination
 * Connection ID with the version's public salt (OpenSSL EVP: HKDF-SHA256,
 * AES-128-ECB for header protection, AES-128-GCM). */
#ifndef PS_APP_QUIC_H
#define PS_APP_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_tls.h"
#include "result.h"

/* Caps local to QUIC (STYLE rule 3). Candidates for caps.h. */
#ifndef PS_MAX_QUIC_PAYLOAD
#define PS_MAX_QUIC_PAYLOAD 4096 /* decrypted bytes of one Initial packet */
#endif
#ifndef PS_MAX_QUIC_CRYPTO
#define PS_MAX_QUIC_CRYPTO 4096 /* CRYPTO stream bytes reassembled (the ClientHello) */
#endif
#ifndef PS_MAX_QUIC_CRYPTO_FRAGS
#define PS_MAX_QUIC_CRYPTO_FRAGS 64 /* CRYPTO frames remembered for reassembly */
#endif
#ifndef PS_MAX_QUIC_FRAMES
#define PS_MAX_QUIC_FRAMES 256 /* frames walked in one packet (a PADDING run counts once) */
#endif
#ifndef PS_MAX_QUIC_ACK_RANGES
#define PS_MAX_QUIC_ACK_RANGES 64 /* ACK ranges walked in one ACK frame */
#endif
#ifndef PS_MAX_QUIC_COALESCED
#define PS_MAX_QUIC_COALESCED 4 /* long-header packets looked at in one datagram */
#endif

#define QUIC_VERSION_1 0x00000001u
#define QUIC_VERSION_2 0x6b3343cfu
#define QUIC_MAX_CID 20

/* quic_initial.flags */
#define QUIC_F_DECRYPTED      0x01u /* AEAD tag verified */
#define QUIC_F_CRYPTO_CAPPED  0x02u /* CRYPTO data beyond PS_MAX_QUIC_CRYPTO or too many frames */
#define QUIC_F_CRYPTO_GAP     0x04u /* CRYPTO data present but not contiguous from offset 0 */
#define QUIC_F_BAD_FRAME      0x08u /* a frame not allowed in Initial, or malformed */
#define QUIC_F_COALESCED      0x10u /* more packets followed in the datagram */

struct quic_initial {
    uint32_t version;
    uint8_t dcid[QUIC_MAX_CID], dcid_len;
    uint8_t scid[QUIC_MAX_CID], scid_len;
    uint64_t token_len;
    uint64_t length;        /* Length field: packet number + protected payload */
    uint64_t packet_number; /* after header protection removal */
    size_t offset;          /* where this Initial starts in the datagram */
    size_t packet_len;      /* bytes of the datagram this Initial occupies */
    uint32_t flags;         /* QUIC_F_* */
    /* ClientHello from the CRYPTO stream. hello_result is PS_TRUNCATED while
     * the stream from offset 0 is shorter than the message (more Initials
     * needed: see quic_add_initial). */
    bool has_hello;
    enum ps_result hello_result;
    struct tls_hello hello;

    /* Private: client Initial keys and the CRYPTO reassembly state. */
    uint8_t key[16], iv[12], hp[16];
    bool keys_ready;
    uint16_t n_frags;
    struct { uint16_t start, end; } frags[PS_MAX_QUIC_CRYPTO_FRAGS];
    uint8_t crypto[PS_MAX_QUIC_CRYPTO];
};

/* Parses the first client Initial in a UDP datagram (skipping up to
 * PS_MAX_QUIC_COALESCED-1 leading non-Initial long-header packets): header,
 * header protection, AEAD decryption, then frames (PADDING, PING, ACK,
 * CRYPTO, CONNECTION_CLOSE), reassembling CRYPTO data from offset 0 in any
 * order and parsing the ClientHello once complete. q is fully reset.
 * Returns PS_OK when the packet decrypted and its frames parsed (check
 * has_hello / hello_result), PS_TRUNCATED when the datagram is shorter than
 * the header or the Length field says, PS_INVALID when it is not a v1/v2
 * long-header Initial, fails authentication (e.g. a server Initial) or
 * carries a malformed frame. */
enum ps_result quic_parse_initial(const uint8_t *p, size_t len, struct quic_initial *q);

/* Feeds a later client Initial of the same connection (same keys, e.g. the
 * second packet of a ClientHello too big for one). Requires a q filled by
 * quic_parse_initial; keeps its CRYPTO data and adds this packet's. The
 * header fields of q describe the new packet afterwards. */
enum ps_result quic_add_initial(const uint8_t *p, size_t len, struct quic_initial *q);

/* RFC 9001 5.2 / RFC 9369 3.3: client Initial key, IV and header protection
 * key for a DCID. False for an unknown version or if libcrypto fails.
 * Exposed for tests. */
bool quic_client_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                              uint8_t key[16], uint8_t iv[12], uint8_t hp[16]);

/* The 5-byte header protection mask for a 16-byte sample (AES-128-ECB). */
bool quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16], uint8_t mask[5]);

#endif
