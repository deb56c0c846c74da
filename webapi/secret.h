/* secret.h - the few primitives accounts need, each from a maintained
 * library: random bytes (getrandom(2)), SHA-256 (OpenSSL libcrypto),
 * password hashing with yescrypt (libxcrypt's crypt_gensalt_ra/crypt_ra),
 * and constant-time comparison (CRYPTO_memcmp). Nothing here is
 * hand-written cryptography. */
#ifndef PS_WEBAPI_SECRET_H
#define PS_WEBAPI_SECRET_H

#include <stddef.h>

/* 256 random bits as unpadded base64url: 43 characters. */
#define SECRET_TOKEN_CHARS 43
/* Hex SHA-256: 64 characters. */
#define SECRET_HASH_HEX 64

/* Writes SECRET_TOKEN_CHARS random base64url characters and a NUL to out
 * (outlen >= 44). Returns 0, or -1 when the kernel gave no randomness. */
int secret_random_token(char *out, size_t outlen);

/* Hex SHA-256 of s[0..len) into out (outlen >= 65). Returns 0 or -1. */
int secret_sha256_hex(const char *s, size_t len, char *out, size_t outlen);

/* 1 when a and b are equal strings, compared in time that depends on their
 * lengths only. */
int secret_equal(const char *a, const char *b);

/* yescrypt hash of password (libcrypt's default cost) into a malloc'ed
 * crypt(3) string ("$y$..."); NULL on failure. */
char *secret_password_hash(const char *password);

/* 1 when password matches the crypt(3) string hash, else 0. Costs one
 * hash computation whatever the outcome. */
int secret_password_check(const char *password, const char *hash);

/* A crypt(3) string of a random password with the same algorithm and cost
 * as secret_password_hash: checking against it costs what a real check
 * costs, so an unknown user name takes as long as a wrong password.
 * Computed once per process; NULL if that failed. */
const char *secret_dummy_hash(void);

/* A readable random password of 20 characters (base64url) into out
 * (outlen >= 21). Returns 0 or -1. */
int secret_random_password(char *out, size_t outlen);

#endif
