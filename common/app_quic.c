/* app_quic.c - QUIC client Initial decryption and ClientHello extraction
 * (RFC 9000 12.4, 16, 17.2.2, 19, A.3; RFC 9001 5.1-5.4; RFC 9369 3). */
#include "app_quic.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "cursor.h"

#define QUIC_TAG_LEN 16
#define QUIC_MAX_HEADER 65535 /* long header bytes before the packet number (keeps AAD in int) */
#define QUIC_SAMPLE_LEN 16

#define FRAME_PADDING 0x00
#define FRAME_PING 0x01
#define FRAME_ACK 0x02
#define FRAME_ACK_ECN 0x03
#define FRAME_CRYPTO 0x06
#define FRAME_CONNECTION_CLOSE 0x1c

struct quic_version_params {
    uint32_t version;
    uint8_t initial_type; /* long-header packet type bits of an Initial */
    uint8_t retry_type;
    uint8_t salt[20];
    const char *key_label, *iv_label, *hp_label;
};

static const struct quic_version_params versions[] = {
    {QUIC_VERSION_1, 0, 3,
     {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
     "quic key", "quic iv", "quic hp"},
    {QUIC_VERSION_2, 1, 0,
     {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
      0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
     "quicv2 key", "quicv2 iv", "quicv2 hp"},
};

static const struct quic_version_params *find_version(uint32_t version)
{
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
        if (versions[i].version == version)
            return &versions[i];
    return NULL;
}

/* RFC 9000 16: variable-length integer; leaves c unchanged on failure. */
static bool cur_varint(struct cursor *c, uint64_t *v)
{
    size_t start = c->off;
    uint8_t b;
    if (!cur_u8(c, &b))
        return false;
    unsigned n = 1u << (b >> 6);
    uint64_t x = b & 0x3f;
    for (unsigned i = 1; i < n; i++) {
        if (!cur_u8(c, &b)) {
            cur_seek(c, start);
            return false;
        }
        x = (x << 8) | b;
    }
    *v = x;
    return true;
}

/* ---- key schedule ---------------------------------------------------- */

static bool hkdf(int mode, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                 size_t ikm_len, const uint8_t *info, size_t info_len, uint8_t *out,
                 size_t out_len)
{
    bool ok = false;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[6], *pp = params;
    if (!ctx)
        goto out;
    *pp++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    *pp++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *pp++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    if (salt)
        *pp++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    if (info)
        *pp++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *pp = OSSL_PARAM_construct_end();
    ok = EVP_KDF_derive(ctx, out, out_len, params) > 0;
out:
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok;
}

/* RFC 8446 7.1 HKDF-Expand-Label with an empty context. */
static bool expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t out_len)
{
    uint8_t info[2 + 1 + 6 + 32 + 1];
    size_t label_len = strlen(label);
    if (label_len > 32 || out_len > 255)
        return false;
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(6 + label_len);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = 0;
    return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, secret, 32, info, n, out, out_len);
}

bool quic_client_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                              uint8_t key[16], uint8_t iv[12], uint8_t hp[16])
{
    const struct quic_version_params *v = find_version(version);
    uint8_t initial[32], client[32];
    bool ok = v && dcid_len > 0 && dcid_len <= QUIC_MAX_CID &&
              hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, v->salt, sizeof v->salt, dcid, dcid_len, NULL,
                   0, initial, sizeof initial) &&
              expand_label(initial, "client in", client, sizeof client) &&
              expand_label(client, v->key_label, key, 16) &&
              expand_label(client, v->iv_label, iv, 12) &&
              expand_label(client, v->hp_label, hp, 16);
    /* No cleansing: Initial secrets derive from public values by design. */
    return ok;
}

bool quic_hp_mask(const uint8_t hp[16], const uint8_t sample[16], uint8_t mask[5])
{
    uint8_t block[16 + 16];
    int n = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    bool ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, hp, NULL) &&
              EVP_CIPHER_CTX_set_padding(ctx, 0) &&
              EVP_EncryptUpdate(ctx, block, &n, sample, QUIC_SAMPLE_LEN) && n == 16;
    if (ok)
        memcpy(mask, block, 5);
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* AES-128-GCM open. The AAD is the unprotected header, given in three
 * pieces: the unmasked first byte, the untouched middle, the unmasked packet
 * number. */
static bool aead_open(const struct quic_initial *q, uint64_t pn, uint8_t first,
                      const struct cursor *mid, const uint8_t *pn_bytes, size_t pn_len,
                      const struct cursor *ct, const uint8_t tag[QUIC_TAG_LEN], uint8_t *out)
{
    uint8_t nonce[12];
    int n = 0, n2 = 0;
    memcpy(nonce, q->iv, sizeof nonce);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    bool ok = ctx && EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)sizeof nonce, NULL) &&
              EVP_DecryptInit_ex(ctx, NULL, NULL, q->key, nonce) &&
              EVP_DecryptUpdate(ctx, NULL, &n, &first, 1) &&
              (mid->len == 0 || EVP_DecryptUpdate(ctx, NULL, &n, cur_ptr(mid), (int)mid->len)) &&
              EVP_DecryptUpdate(ctx, NULL, &n, pn_bytes, (int)pn_len) &&
              (ct->len == 0 || EVP_DecryptUpdate(ctx, out, &n, cur_ptr(ct), (int)ct->len)) &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, QUIC_TAG_LEN, (void *)tag) &&
              EVP_DecryptFinal_ex(ctx, out + n, &n2) > 0;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* RFC 9000 A.3. */
static uint64_t decode_packet_number(bool have_largest, uint64_t largest, uint64_t truncated,
                                     unsigned bits)
{
    uint64_t expected = have_largest ? largest + 1 : 0;
    uint64_t win = 1ull << bits, hwin = win / 2, mask = win - 1;
    uint64_t candidate = (expected & ~mask) | truncated;
    if (expected >= hwin && candidate <= expected - hwin && candidate < (1ull << 62) - win)
        return candidate + win;
    if (candidate > expected + hwin && candidate >= win)
        return candidate - win;
    return candidate;
}

/* ---- frames ----------------------------------------------------------- */

static void crypto_store(struct quic_initial *q, uint64_t offset, struct cursor *data)
{
    if (offset >= PS_MAX_QUIC_CRYPTO) {
        q->flags |= QUIC_F_CRYPTO_CAPPED;
        return;
    }
    size_t n = cur_left(data);
    if (n > PS_MAX_QUIC_CRYPTO - offset) {
        n = PS_MAX_QUIC_CRYPTO - (size_t)offset;
        q->flags |= QUIC_F_CRYPTO_CAPPED;
    }
    if (n == 0)
        return;
    if (q->n_frags >= PS_MAX_QUIC_CRYPTO_FRAGS) {
        q->flags |= QUIC_F_CRYPTO_CAPPED;
        return;
    }
    cur_copy(data, q->crypto + offset, n);
    q->frags[q->n_frags].start = (uint16_t)offset;
    q->frags[q->n_frags].end = (uint16_t)(offset + n);
    q->n_frags++;
}

/* Length of the CRYPTO stream held contiguously from offset 0. */
static size_t crypto_contiguous(const struct quic_initial *q)
{
    size_t end = 0;
    bool grew = true;
    for (unsigned round = 0; grew && round < q->n_frags; round++) {
        grew = false;
        for (unsigned i = 0; i < q->n_frags; i++)
            if (q->frags[i].start <= end && q->frags[i].end > end) {
                end = q->frags[i].end;
                grew = true;
            }
    }
    return end;
}

static bool skip_varints(struct cursor *c, int n)
{
    uint64_t v;
    for (int i = 0; i < n; i++)
        if (!cur_varint(c, &v))
            return false;
    return true;
}

/* Walks the decrypted payload; false at the first frame it cannot accept. */
static bool walk_frames(struct cursor *c, struct quic_initial *q)
{
    for (unsigned frames = 0; cur_left(c) > 0; frames++) {
        uint64_t type, offset, length, count;
        struct cursor data;
        uint8_t b;
        if (frames >= PS_MAX_QUIC_FRAMES)
            return false;
        if (!cur_varint(c, &type))
            return false;
        switch (type) {
        case FRAME_PADDING:
            while (cur_peek_at(c, c->off, &b) && b == 0)
                cur_skip(c, 1);
            break;
        case FRAME_PING:
            break;
        case FRAME_ACK:
        case FRAME_ACK_ECN:
            /* largest, delay, range count, first range; then count pairs */
            if (!skip_varints(c, 2) || !cur_varint(c, &count) || !skip_varints(c, 1) ||
                count > PS_MAX_QUIC_ACK_RANGES || !skip_varints(c, 2 * (int)count) ||
                (type == FRAME_ACK_ECN && !skip_varints(c, 3)))
                return false;
            break;
        case FRAME_CRYPTO:
            if (!cur_varint(c, &offset) || !cur_varint(c, &length) ||
                length > cur_left(c) || !cur_sub(c, (size_t)length, &data))
                return false;
            crypto_store(q, offset, &data);
            break;
        case FRAME_CONNECTION_CLOSE:
            if (!skip_varints(c, 2) || !cur_varint(c, &length) || length > cur_left(c) ||
                !cur_skip(c, (size_t)length))
                return false;
            break;
        default:
            return false;
        }
    }
    return true;
}

static void try_hello(struct quic_initial *q)
{
    size_t have = crypto_contiguous(q);
    if (have == 0) {
        q->has_hello = false;
        q->hello_result = PS_TRUNCATED;
        if (q->n_frags)
            q->flags |= QUIC_F_CRYPTO_GAP;
        return;
    }
    q->hello_result = tls_parse_client_hello_msg(q->crypto, have, &q->hello);
    q->has_hello = q->hello_result == PS_OK;
    q->flags &= ~QUIC_F_CRYPTO_GAP;
    if (q->hello_result == PS_TRUNCATED) {
        for (unsigned i = 0; i < q->n_frags; i++)
            if (q->frags[i].start > have)
                q->flags |= QUIC_F_CRYPTO_GAP;
    }
}

/* ---- packets ---------------------------------------------------------- */

/* Removes protection from the Initial at [start, pn_off + length) of c's
 * buffer, decrypts it and walks its frames. */
static enum ps_result open_initial(const struct cursor *dgram, size_t start, size_t pn_off,
                                   uint8_t first, bool have_largest, uint64_t largest,
                                   struct quic_initial *q)
{
    uint8_t sample[QUIC_SAMPLE_LEN], mask[5], pn_bytes[4], tag[QUIC_TAG_LEN];
    uint8_t plain[PS_MAX_QUIC_PAYLOAD];
    struct cursor c = *dgram, mid = {0}, ct = {0};

    /* The sample starts 4 bytes past the packet number field (RFC 9001 5.4.2). */
    if (q->length < 4 + QUIC_SAMPLE_LEN)
        return PS_INVALID;
    if (!cur_seek(&c, pn_off + 4) || !cur_copy(&c, sample, sizeof sample))
        return PS_TRUNCATED;
    if (!quic_hp_mask(q->hp, sample, mask))
        return PS_INVALID;
    first ^= mask[0] & 0x0f;
    size_t pn_len = (size_t)(first & 0x03) + 1;
    if (q->length < pn_len + QUIC_TAG_LEN)
        return PS_INVALID;

    uint64_t truncated = 0;
    cur_seek(&c, pn_off);
    cur_copy(&c, pn_bytes, pn_len);
    for (size_t i = 0; i < pn_len; i++) {
        pn_bytes[i] ^= mask[1 + i];
        truncated = (truncated << 8) | pn_bytes[i];
    }
    q->packet_number = decode_packet_number(have_largest, largest, truncated, 8 * (unsigned)pn_len);

    size_t ct_len = (size_t)q->length - pn_len - QUIC_TAG_LEN;
    if (ct_len > PS_MAX_QUIC_PAYLOAD)
        return PS_INVALID;
    struct cursor hdr = *dgram;
    cur_seek(&hdr, start + 1);
    cur_sub(&hdr, pn_off - start - 1, &mid);
    cur_seek(&c, pn_off + pn_len);
    cur_sub(&c, ct_len, &ct);
    cur_copy(&c, tag, sizeof tag);
    if (!aead_open(q, q->packet_number, first, &mid, pn_bytes, pn_len, &ct, tag, plain))
        return PS_INVALID;
    q->flags |= QUIC_F_DECRYPTED;

    struct cursor frames = cur_make(plain, ct_len);
    bool frames_ok = walk_frames(&frames, q);
    if (!frames_ok)
        q->flags |= QUIC_F_BAD_FRAME;
    try_hello(q);
    return frames_ok ? PS_OK : PS_INVALID;
}

static enum ps_result process_datagram(const uint8_t *p, size_t len, struct quic_initial *q,
                                       bool again)
{
    struct cursor c = cur_make(p, len);
    uint64_t largest = q->packet_number;
    uint32_t first_version = q->version;

    for (int i = 0; i < PS_MAX_QUIC_COALESCED; i++) {
        size_t start = c.off;
        uint8_t first, cid_len;
        uint32_t version;
        uint64_t token_len = 0, length;
        if (!cur_u8(&c, &first))
            return i == 0 ? PS_TRUNCATED : PS_INVALID;
        if (!(first & 0x80))
            return PS_INVALID; /* short header: not an Initial */
        if (!cur_u32be(&c, &version))
            return PS_TRUNCATED;
        const struct quic_version_params *v = find_version(version);
        if (!v) {
            if (i == 0 && !again)
                q->version = version;
            return PS_INVALID; /* version negotiation or a version we cannot open */
        }
        uint8_t type = (first >> 4) & 0x03;
        bool initial = type == v->initial_type;
        if (type == v->retry_type)
            return PS_INVALID; /* Retry: no Length field, nothing to open */

        uint8_t dcid[QUIC_MAX_CID], scid[QUIC_MAX_CID], dcid_len, scid_len;
        if (!cur_u8(&c, &dcid_len))
            return PS_TRUNCATED;
        if (dcid_len > QUIC_MAX_CID)
            return PS_INVALID;
        if (!cur_copy(&c, dcid, dcid_len) || !cur_u8(&c, &cid_len))
            return PS_TRUNCATED;
        scid_len = cid_len;
        if (scid_len > QUIC_MAX_CID)
            return PS_INVALID;
        if (!cur_copy(&c, scid, scid_len))
            return PS_TRUNCATED;
        if (initial && (!cur_varint(&c, &token_len) || token_len > cur_left(&c) ||
                        !cur_skip(&c, (size_t)token_len)))
            return PS_TRUNCATED;
        if (!cur_varint(&c, &length))
            return PS_TRUNCATED;
        size_t pn_off = c.off;
        if (pn_off - start > QUIC_MAX_HEADER)
            return PS_INVALID; /* a token this large is not a client's */
        if (length > cur_left(&c))
            return PS_TRUNCATED;
        if (!initial) {
            cur_skip(&c, (size_t)length);
            continue;
        }

        if (again && version != first_version)
            return PS_INVALID; /* keys belong to the first version */
        q->version = version;
        memcpy(q->dcid, dcid, dcid_len);
        q->dcid_len = dcid_len;
        memcpy(q->scid, scid, scid_len);
        q->scid_len = scid_len;
        q->token_len = token_len;
        q->length = length;
        q->offset = start;
        q->packet_len = pn_off + (size_t)length - start;
        q->flags &= ~(QUIC_F_DECRYPTED | QUIC_F_COALESCED);
        if (pn_off + length < len)
            q->flags |= QUIC_F_COALESCED;
        if (!again) {
            if (!quic_client_initial_keys(version, dcid, dcid_len, q->key, q->iv, q->hp))
                return PS_INVALID;
            q->keys_ready = true;
        }
        struct cursor whole = cur_make(p, pn_off + (size_t)length);
        return open_initial(&whole, start, pn_off, first, again, largest, q);
    }
    return PS_INVALID;
}

enum ps_result quic_parse_initial(const uint8_t *p, size_t len, struct quic_initial *q)
{
    memset(q, 0, sizeof *q);
    q->hello_result = PS_TRUNCATED;
    return process_datagram(p, len, q, false);
}

enum ps_result quic_add_initial(const uint8_t *p, size_t len, struct quic_initial *q)
{
    if (!q->keys_ready)
        return PS_INVALID;
    return process_datagram(p, len, q, true);
}
