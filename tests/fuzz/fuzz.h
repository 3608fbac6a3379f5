/*
 * tests/fuzz/fuzz.h — what every fuzz target defines.
 *
 * Each tests/fuzz/fuzz_<target>.c defines LLVMFuzzerTestOneInput.  Linked with
 * -fsanitize=fuzzer (make fuzz, clang) it is a libFuzzer binary; linked with
 * tests/fuzz/replay.c (make check, any compiler) it replays the files of its
 * corpus and regression inputs once each, so every crash found stays fixed.
 * A broken invariant aborts (FUZZ_CHECK), which both drivers report.
 */
#ifndef XETL_FUZZ_H
#define XETL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

#endif
