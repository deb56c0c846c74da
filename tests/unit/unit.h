/* unit.h - the smallest test harness that does the job: CHECK records a
 * failure with file:line and goes on; UNIT_MAIN prints "N passed, M failed"
 * for the file's checks and exits non-zero on any failure. */
#ifndef PS_UNIT_H
#define PS_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_pass, unit_fail;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) {                                                          \
            unit_pass++;                                                     \
        } else {                                                             \
            unit_fail++;                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (a_ && b_ && strcmp(a_, b_) == 0) {                                 \
            unit_pass++;                                                       \
        } else {                                                               \
            unit_fail++;                                                       \
            fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n",     \
                    __FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
        }                                                                      \
    } while (0)

#define CHECK_INT(a, b)                                                          \
    do {                                                                         \
        long long a_ = (long long)(a), b_ = (long long)(b);                      \
        if (a_ == b_) {                                                          \
            unit_pass++;                                                         \
        } else {                                                                 \
            unit_fail++;                                                         \
            fprintf(stderr, "%s:%d: CHECK_INT failed: %s = %lld, expected %lld\n", \
                    __FILE__, __LINE__, #a, a_, b_);                             \
        }                                                                        \
    } while (0)

#define UNIT_MAIN(body)                                                 \
    int main(void)                                                      \
    {                                                                   \
        body;                                                           \
        printf("%s: %d checks passed, %d failed\n", __FILE__, unit_pass, \
               unit_fail);                                              \
        return unit_fail ? 1 : 0;                                       \
    }

#endif
