/* fuzz_quic.c - QUIC client Initial parsing (RFC 9000 17.2.2, RFC 9001 5,
 * RFC 9369).
 *
 * A mutated ciphertext never authenticates, so random bytes alone only
 * reach the header code. Byte 0 picks the mode:
 *   even: the rest is a UDP datagram for quic_parse_initial (then fed again
 *         through quic_add_initial);
 *   odd:  the rest is the plaintext of Initial packets; this harness
 *         encrypts it the way a client does (keys from a DCID, AES-128-GCM,
 *         header protection) so the frame walker, CRYPTO reassembly and the
 *         ClientHello parser see fuzzed plaintext. Byte 1 splits the
 *         plaintext into two packets (the second goes to quic_add_initial);
 *         bits of byte 0 choose QUIC v1/v2 and the packet-number length. */
#define FUZZ_TARGET "quic"
#include "fuzz_common.h"

#include <openssl/evp.h>

#include "app_quic.h"

static struct quic_initial q;
static uint8_t dgram[PS_MAX_QUIC_PAYLOAD + 256];

static void check(enum ps_result r)
{
    char ja4[37];
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    FUZZ_ASSERT(q.dcid_len <= QUIC_MAX_CID && q.scid_len <= QUIC_MAX_CID);
    FUZZ_ASSERT(q.n_frags <= PS_MAX_QUIC_CRYPTO_FRAGS);
    if (q.has_hello) {
        FUZZ_ASSERT(q.hello_result == PS_OK);
        tls_ja4(&q.hello, true, ja4);
        touch(ja4);
        touch(q.hello.sni);
    }
}

/* Builds a protected client Initial around plain[0..n) into dgram; returns
 * its length, 0 if libcrypto failed. */
static size_t seal(uint32_t version, unsigned pn_len, uint32_t pn, const uint8_t *plain,
                   size_t n)
{
    static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
    uint8_t key[16], iv[12], hp[16], padded[PS_MAX_QUIC_PAYLOAD];
    if (n > sizeof padded)
        n = sizeof padded;
    memcpy(padded, plain, n);
    if (n < 4) { /* the header-protection sample needs 4 bytes past the PN */
        memset(padded + n, 0, 4 - n);
        n = 4;
    }
    if (!quic_client_initial_keys(version, dcid, sizeof dcid, key, iv, hp))
        return 0;
    uint8_t type = version == QUIC_VERSION_2 ? 1 : 0;
    size_t o = 0;
    dgram[o++] = (uint8_t)(0xc0 | type << 4 | (pn_len - 1));
    for (int i = 3; i >= 0; i--)
        dgram[o++] = (uint8_t)(version >> (8 * i));
    dgram[o++] = sizeof dcid;
    memcpy(dgram + o, dcid, sizeof dcid);
    o += sizeof dcid;
    dgram[o++] = 0; /* SCID length */
    dgram[o++] = 0; /* token length */
    size_t length = pn_len + n + 16;
    dgram[o++] = (uint8_t)(0x40 | length >> 8); /* 2-byte varint */
    dgram[o++] = (uint8_t)length;
    size_t pn_off = o;
    for (unsigned i = 0; i < pn_len; i++)
        dgram[o++] = (uint8_t)(pn >> (8 * (pn_len - 1 - i)));
    uint8_t nonce[12];
    memcpy(nonce, iv, sizeof nonce);
    for (int i = 0; i < 4; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    int outl = 0, fin = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) &&
             EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) &&
             EVP_EncryptUpdate(ctx, NULL, &outl, dgram, (int)o) &&
             EVP_EncryptUpdate(ctx, dgram + o, &outl, padded, (int)n) &&
             EVP_EncryptFinal_ex(ctx, dgram + o + outl, &fin) &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, dgram + o + n);
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return 0;
    o += n + 16;
    uint8_t mask[5];
    if (!quic_hp_mask(hp, dgram + pn_off + 4, mask))
        return 0;
    dgram[0] ^= mask[0] & 0x0f;
    for (unsigned i = 0; i < pn_len; i++)
        dgram[pn_off + i] ^= mask[1 + i];
    return o;
}

static void fuzz_one(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    uint8_t mode = data[0];
    data++;
    size--;
    if (!(mode & 1)) {
        /* exact-size copy so ASan sees a read past the datagram */
        uint8_t *copy = malloc(size ? size : 1);
        if (size)
            memcpy(copy, data, size);
        enum ps_result r = quic_parse_initial(copy, size, &q);
        check(r);
        if (q.keys_ready)
            check(quic_add_initial(copy, size, &q));
        free(copy);
        return;
    }
    if (size < 1)
        return;
    size_t split = (size_t)data[0] * 16;
    data++;
    size--;
    if (split > size)
        split = size;
    uint32_t version = (mode & 2) ? QUIC_VERSION_2 : QUIC_VERSION_1;
    unsigned pn_len = 1 + ((mode >> 2) & 3);
    size_t n = seal(version, pn_len, 0, data, split ? split : size);
    if (!n)
        return;
    enum ps_result r = quic_parse_initial(dgram, n, &q);
    check(r);
    FUZZ_ASSERT(q.flags & QUIC_F_DECRYPTED); /* our own packet must open */
    if (split && split < size && q.keys_ready) {
        n = seal(version, pn_len, 1, data + split, size - split);
        if (n)
            check(quic_add_initial(dgram, n, &q));
    }
}
