/* fuzz_common.h - shared by the libFuzzer targets: each target defines
 * fuzz_one(); this file supplies LLVMFuzzerTestOneInput around it.
 *
 * Every input is timed here because libFuzzer's -report_slow_units counts
 * whole seconds only. At exit the slowest input is reported on stderr as
 * "PS_FUZZ slowest: <ms> ms (<bytes> bytes)"; with PS_FUZZ_SLOW_DIR set,
 * an input slower than PS_FUZZ_SLOW_MS (default 1 ms) is written there as
 * slow-unit-<target> for replay. Replaying one input many times
 * (-runs=N file), "fastest" is its cost without scheduling noise. The first
 * input (libFuzzer's warm-up run on an empty buffer, paying one-time library
 * set-up) is not timed. */
#ifndef PS_FUZZ_COMMON_H
#define PS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FUZZ_TARGET
#error "define FUZZ_TARGET before including fuzz_common.h"
#endif

static void fuzz_one(const uint8_t *data, size_t size);

static double fuzz_slowest_ms, fuzz_fastest_ms = 1e9;
static size_t fuzz_slowest_len;
static uint64_t fuzz_timed;
static uint8_t *fuzz_slowest_input; /* still reachable at exit: not a leak */

/* Reads a string so that ASan checks every byte up to its NUL. */
static volatile size_t fuzz_sink;
static inline void touch(const char *s)
{
    if (s)
        fuzz_sink += strlen(s);
}

/* A broken contract is a finding: abort so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                              \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

static double fuzz_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void fuzz_report(void)
{
    fprintf(stderr, "PS_FUZZ slowest: %.3f ms (%zu bytes) fastest: %.3f ms over %llu inputs [%s]\n",
            fuzz_slowest_ms, fuzz_slowest_len, fuzz_timed ? fuzz_fastest_ms : 0.0,
            (unsigned long long)fuzz_timed, FUZZ_TARGET);
    const char *dir = getenv("PS_FUZZ_SLOW_DIR");
    const char *lim = getenv("PS_FUZZ_SLOW_MS");
    double limit = lim ? atof(lim) : 1.0;
    if (dir && fuzz_slowest_input && fuzz_slowest_ms > limit) {
        char path[4096];
        snprintf(path, sizeof path, "%s/slow-unit-%s", dir, FUZZ_TARGET);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(fuzz_slowest_input, 1, fuzz_slowest_len, f);
            fclose(f);
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    atexit(fuzz_report);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int warm;
    if (!warm) {
        warm = 1;
        fuzz_one(data, size);
        return 0;
    }
    double t0 = fuzz_now_ms();
    fuzz_one(data, size);
    double ms = fuzz_now_ms() - t0;
    fuzz_timed++;
    if (ms < fuzz_fastest_ms)
        fuzz_fastest_ms = ms;
    if (ms > fuzz_slowest_ms) {
        fuzz_slowest_ms = ms;
        fuzz_slowest_len = size;
        uint8_t *copy = realloc(fuzz_slowest_input, size ? size : 1);
        if (copy) {
            if (size)
                memcpy(copy, data, size);
            fuzz_slowest_input = copy;
        }
    }
    return 0;
}

#endif
