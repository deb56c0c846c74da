/* digest.c - OpenSSL digests fetched once (see digest.h). */
#include "digest.h"

#include <pthread.h>

static const EVP_MD *fetched[PS_DIGESTS];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
    static const char *const names[PS_DIGESTS] = {"MD5", "SHA1", "SHA256"};
    for (int i = 0; i < PS_DIGESTS; i++)
        fetched[i] = EVP_MD_fetch(NULL, names[i], NULL);
}

const EVP_MD *ps_digest_md(enum ps_digest d)
{
    pthread_once(&fetch_once, fetch_all);
    if (fetched[d])
        return fetched[d];
    switch (d) {
    case PS_MD5: return EVP_md5();
    case PS_SHA1: return EVP_sha1();
    default: return EVP_sha256();
    }
}
