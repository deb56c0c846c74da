/* app_tls.h - TLS ClientHello/ServerHello summaries, JA3 and JA4 (RFC 8446,
 * RFC 5246, RFC 6066 SNI, RFC 7301 ALPN, RFC 8701 GREASE; JA3 by Salesforce,
 * JA4 per FoxIO's technical_details/JA4.md).
 *
 * All functions are pure: they read the bytes they are given through a
 * cursor, fill a caller-owned struct and allocate nothing. The input bytes
 * are only borrowed for the duration of the call; the output structs hold
 * copies. Every parser resets its output struct first; on PS_INVALID the
 * struct holds what was decoded before the fault (a malformed extension body
 * spoils only that extension), on PS_TRUNCATED nothing is filled beyond the
 * record version. The record parsers use about 17 KB of stack (a
 * PS_MAX_TLS_HELLO_BYTES reassembly buffer); tls_ja3/tls_ja4 about 4 KB. */
#ifndef PS_APP_TLS_H
#define PS_APP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "result.h"

/* Caps local to TLS (STYLE rule 3). Candidates for caps.h. */
#ifndef PS_MAX_TLS_GROUPS
#define PS_MAX_TLS_GROUPS 64 /* supported_groups entries walked */
#endif
#ifndef PS_MAX_TLS_POINT_FORMATS
#define PS_MAX_TLS_POINT_FORMATS 16 /* ec_point_formats entries walked */
#endif
#ifndef PS_MAX_TLS_SIGALGS
#define PS_MAX_TLS_SIGALGS 64 /* signature_algorithms entries walked */
#endif
#ifndef PS_MAX_TLS_VERSIONS
#define PS_MAX_TLS_VERSIONS 32 /* supported_versions entries walked */
#endif
#ifndef PS_MAX_TLS_HELLO_BYTES
#define PS_MAX_TLS_HELLO_BYTES 16384 /* largest handshake message reassembled from records */
#endif
#ifndef PS_MAX_TLS_HELLO_RECORDS
#define PS_MAX_TLS_HELLO_RECORDS 16 /* records followed to complete one message */
#endif

#define TLS_CONTENT_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2

#define TLS_ALPN_NAME_MAX 31 /* bytes kept per ALPN name (alpn[i] is 32 with NUL) */

/* tls_hello.flags */
#define TLS_HELLO_HAS_SNI_EXT      0x0001u /* server_name extension present (JA4 "d") */
#define TLS_HELLO_HAS_ALPN_EXT     0x0002u
#define TLS_HELLO_HAS_SUPP_VERS    0x0004u /* supported_versions extension present */
#define TLS_HELLO_HAS_ECH          0x0008u /* encrypted_client_hello (0xfe0d) */
#define TLS_HELLO_HAS_PSK          0x0010u /* pre_shared_key (0x0029): resumption */
#define TLS_HELLO_HAS_EARLY_DATA   0x0020u
#define TLS_HELLO_SNI_TRUNCATED    0x0100u /* host_name longer than PS_MAX_SNI */
#define TLS_HELLO_ALPN_TRUNCATED   0x0200u /* a name cut at 31 bytes or more than PS_MAX_ALPN */
#define TLS_HELLO_LIST_CAPPED      0x0400u /* a cipher/extension/group/... list hit its cap */
#define TLS_HELLO_MULTI_RECORD     0x0800u /* reassembled from more than one record */

/* What a ClientHello says about its client. Lists keep wire order and omit
 * GREASE values (RFC 8701); counts are of kept entries. */
struct tls_hello {
    uint16_t record_version;    /* TLSPlaintext.legacy_record_version; 0 for a bare message */
    uint16_t legacy_version;    /* ClientHello.legacy_version (client_version) */
    uint16_t supported_version; /* highest non-GREASE supported_versions entry; 0 if absent */
    /* First host_name of server_name, NUL-terminated, cut at PS_MAX_SNI.
     * Raw bytes as sent: may hold any byte value; escape before printing. */
    char sni[PS_MAX_SNI + 1];
    uint16_t sni_len;
    /* ALPN protocol names in order, each cut at 31 bytes and NUL-terminated;
     * raw bytes (use alpn_len, a name may contain NUL). */
    char alpn[PS_MAX_ALPN][32];
    uint8_t alpn_len[PS_MAX_ALPN];
    uint8_t n_alpn;
    uint8_t alpn0_full_len;  /* length on the wire of the first name (0 if none) */
    uint8_t alpn0_last;      /* last byte of the first name even when cut (JA4) */
    uint16_t ciphers[PS_MAX_TLS_CIPHERS];
    uint16_t n_ciphers;
    uint16_t extensions[PS_MAX_TLS_EXTENSIONS]; /* extension types in order */
    uint16_t n_extensions;
    uint16_t groups[PS_MAX_TLS_GROUPS]; /* supported_groups */
    uint16_t n_groups;
    uint8_t ec_point_formats[PS_MAX_TLS_POINT_FORMATS];
    uint8_t n_ec_point_formats;
    uint16_t sig_algs[PS_MAX_TLS_SIGALGS]; /* signature_algorithms, in order */
    uint16_t n_sig_algs;
    uint32_t flags; /* TLS_HELLO_* */
};

/* What a ServerHello says. */
struct tls_server_hello {
    uint16_t record_version;   /* 0 for a bare message */
    uint16_t legacy_version;   /* ServerHello.legacy_version */
    uint16_t selected_version; /* supported_versions extension; 0 if absent */
    uint16_t version;          /* what was negotiated: selected_version or legacy_version */
    uint16_t cipher;           /* cipher_suite */
    uint8_t compression;
    bool hello_retry_request;  /* random is the RFC 8446 4.1.3 HRR value */
    char alpn[32];             /* selected ALPN name (NUL-terminated, cut at 31 bytes) */
    uint8_t alpn_len;
};

/* True when p starts with a plausible TLS handshake record header: type 22,
 * version 3.x (x <= 4), length 1..18432. Needs the 5 header bytes. */
bool tls_is_handshake_record(const uint8_t *p, size_t len);

/* Parses a ClientHello from a TCP payload that starts at a TLS record
 * header. The message may span several handshake records that follow each
 * other in p. Returns PS_TRUNCATED when p ends before the record(s) holding
 * the whole message (buffer more and call again), PS_INVALID when the bytes
 * are not a well-formed ClientHello record or the message exceeds
 * PS_MAX_TLS_HELLO_BYTES / PS_MAX_TLS_HELLO_RECORDS. */
enum ps_result tls_parse_record_client_hello(const uint8_t *p, size_t len, struct tls_hello *h);

/* Parses a bare handshake message: type 1, 24-bit length, body (as carried
 * in QUIC CRYPTO frames). PS_TRUNCATED when len is shorter than the message. */
enum ps_result tls_parse_client_hello_msg(const uint8_t *p, size_t len, struct tls_hello *h);

/* ServerHello counterparts (record form: first record only is needed). */
enum ps_result tls_parse_server_hello(const uint8_t *p, size_t len, struct tls_server_hello *sh);
enum ps_result tls_parse_server_hello_msg(const uint8_t *p, size_t len,
                                          struct tls_server_hello *sh);

/* Zeek ssl.log version names: "SSLv2", "SSLv3", "TLSv10".."TLSv13",
 * "DTLSv10", "DTLSv12", "DTLSv13"; "unknown" otherwise. Static strings. */
const char *tls_version_name(uint16_t version);

/* RFC 8701: 0x0a0a, 0x1a1a, ..., 0xfafa. */
bool tls_is_grease(uint16_t v);

/* JA4 (TLS client) fingerprint "t13d1516h2_8daaf6152771_e5627efa2ab1" into
 * out (36 chars + NUL). quic selects the "q" prefix instead of "t". */
void tls_ja4(const struct tls_hello *h, bool quic, char out[37]);

/* JA3: lowercase hex MD5 of "legacy_version,ciphers,extensions,groups,
 * ec_point_formats" (decimal, dash-joined, GREASE removed), 32 chars + NUL. */
void tls_ja3(const struct tls_hello *h, char out[33]);

#endif
