/* fuzz_tls.c - TLS ClientHello/ServerHello parsers (record and bare
 * message forms) and the JA3/JA4 fingerprints of whatever they decoded. */
#define FUZZ_TARGET "tls"
#include "fuzz_common.h"

#include "app_tls.h"

static struct tls_hello h;
static struct tls_server_hello sh;

static void check_hello(void)
{
    char ja3[33], ja4[37];
    FUZZ_ASSERT(h.n_ciphers <= PS_MAX_TLS_CIPHERS);
    FUZZ_ASSERT(h.n_extensions <= PS_MAX_TLS_EXTENSIONS);
    FUZZ_ASSERT(h.n_groups <= PS_MAX_TLS_GROUPS);
    FUZZ_ASSERT(h.n_ec_point_formats <= PS_MAX_TLS_POINT_FORMATS);
    FUZZ_ASSERT(h.n_sig_algs <= PS_MAX_TLS_SIGALGS);
    FUZZ_ASSERT(h.n_alpn <= PS_MAX_ALPN);
    FUZZ_ASSERT(h.sni_len <= PS_MAX_SNI);
    for (int i = 0; i < h.n_alpn; i++)
        FUZZ_ASSERT(h.alpn_len[i] <= TLS_ALPN_NAME_MAX);
    tls_ja3(&h, ja3);
    FUZZ_ASSERT(strlen(ja3) == 32);
    tls_ja4(&h, false, ja4);
    FUZZ_ASSERT(strlen(ja4) == 36 && ja4[0] == 't');
    tls_ja4(&h, true, ja4);
    FUZZ_ASSERT(strlen(ja4) == 36 && ja4[0] == 'q');
    touch(tls_version_name(h.supported_version ? h.supported_version : h.legacy_version));
}

static void check_server_hello(void)
{
    FUZZ_ASSERT(sh.alpn_len <= 31);
    FUZZ_ASSERT(strnlen(sh.alpn, sizeof sh.alpn) < sizeof sh.alpn);
    touch(tls_version_name(sh.version));
}

static void fuzz_one(const uint8_t *data, size_t size)
{
    fuzz_sink += tls_is_handshake_record(data, size);
    enum ps_result r = tls_parse_record_client_hello(data, size, &h);
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    check_hello();
    r = tls_parse_client_hello_msg(data, size, &h);
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    check_hello();
    r = tls_parse_server_hello(data, size, &sh);
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    check_server_hello();
    r = tls_parse_server_hello_msg(data, size, &sh);
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    check_server_hello();
}
