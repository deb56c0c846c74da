/* hashfn.h - the 64-bit mixers the bounded hash tables share (flow table,
 * captured's rollups): MurmurHash3's fmix64 finaliser, and FNV-1a over
 * bytes followed by it. Not for anything an attacker must not predict. */
#ifndef PS_HASHFN_H
#define PS_HASHFN_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t ps_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t ps_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return ps_mix64(h);
}

#endif
