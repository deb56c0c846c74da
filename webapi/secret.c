/* secret.c - random tokens, SHA-256, yescrypt password hashes (secret.h). */
#include "secret.h"

#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static int random_bytes(unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* base64url without padding of len bytes; out holds 4*ceil(len/3)+1. */
static void base64url(const unsigned char *in, size_t len, char *out)
{
    int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    for (char *p = out; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
    }
}

int secret_random_token(char *out, size_t outlen)
{
    unsigned char raw[32];
    char buf[48];
    if (outlen < SECRET_TOKEN_CHARS + 1 || random_bytes(raw, sizeof raw) < 0)
        return -1;
    base64url(raw, sizeof raw, buf);
    memcpy(out, buf, SECRET_TOKEN_CHARS + 1);
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

int secret_random_password(char *out, size_t outlen)
{
    unsigned char raw[15];
    char buf[24];
    if (outlen < 21 || random_bytes(raw, sizeof raw) < 0)
        return -1;
    base64url(raw, sizeof raw, buf);
    memcpy(out, buf, 21);
    return 0;
}

int secret_sha256_hex(const char *s, size_t len, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (outlen < SECRET_HASH_HEX + 1 || !EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL) ||
        mdlen != sizeof md)
        return -1;
    for (unsigned i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[SECRET_HASH_HEX] = '\0';
    return 0;
}

int secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}

char *secret_password_hash(const char *password)
{
    char *setting = crypt_gensalt_ra("$y$", 0, NULL, 0);
    if (!setting)
        return NULL;
    void *data = NULL;
    int size = 0;
    char *h = crypt_ra(password, setting, &data, &size);
    char *out = (h && h[0] == '$') ? strdup(h) : NULL;
    if (data) {
        OPENSSL_cleanse(data, (size_t)size);
        free(data);
    }
    free(setting);
    return out;
}

int secret_password_check(const char *password, const char *hash)
{
    void *data = NULL;
    int size = 0;
    char *h = crypt_ra(password, hash, &data, &size);
    int ok = h && h[0] == '$' && secret_equal(h, hash);
    if (data) {
        OPENSSL_cleanse(data, (size_t)size);
        free(data);
    }
    return ok;
}

const char *secret_dummy_hash(void)
{
    static char *dummy;
    if (!dummy) {
        char pw[24];
        if (secret_random_password(pw, sizeof pw) == 0)
            dummy = secret_password_hash(pw);
    }
    return dummy;
}
