/* strutil.h - bounded string copies for hot paths (snprintf("%s") costs a
 * format parse per call). */
#ifndef PS_STRUTIL_H
#define PS_STRUTIL_H

#include <stddef.h>
#include <string.h>

/* Copies at most size-1 bytes of src and terminates; size 0 writes nothing.
 * Returns dst. */
static inline char *ps_strlcpy(char *dst, const char *src, size_t size)
{
    if (size == 0)
        return dst;
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return dst;
}

#endif
