/* digest.h - OpenSSL message digests fetched once per process. With
 * OpenSSL 3, passing EVP_sha256() and friends makes every EVP_Digest()
 * call look the algorithm up in the provider again, which costs more than
 * hashing a fingerprint string; a fetched EVP_MD is reused instead. */
#ifndef PS_DIGEST_H
#define PS_DIGEST_H

#include <openssl/evp.h>

enum ps_digest { PS_MD5 = 0, PS_SHA1, PS_SHA256, PS_DIGESTS };

/* The algorithm for EVP_Digest*(): fetched on first use (thread-safe) and
 * kept for the life of the process (never freed by the caller). When the
 * fetch fails, OpenSSL's implicitly fetched EVP_md5()/EVP_sha1()/
 * EVP_sha256() is returned, so the result is never NULL. */
const EVP_MD *ps_digest_md(enum ps_digest d);

#endif
