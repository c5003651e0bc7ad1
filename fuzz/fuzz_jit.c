/*
 * libFuzzer target: the two tiers against each other.
 *
 * Each input is taken as a WebAssembly binary and run three times — in
 * the interpreter, and compiled to machine code (src/wasm/jit.h) with the
 * memory's bounds left to guard pages and with them checked by
 * instruction — through tests/wasm/jit_diff.h (jd_diff): load,
 * instantiation with imports made to measure, a call of every exported
 * function with zero arguments under a small gas
 * limit.  The load and instantiation errors, each call's error, trap
 * message, gas left and results, and the memory's bytes, size and write
 * and read marks must be equal; the first difference aborts, so libFuzzer
 * records the input.  The gas limit is taken from the input's last byte
 * (1 to 2^20), so running out of gas lands at many points.  Memories are
 * bounded by 256 pages for inputs of even length and by the largest size
 * (65,536 pages, 4 GiB) for the others: then the compiled code is made
 * for a memory that may be 4 GiB, where an address wrapping past 2^32
 * can be in bounds again.
 *
 * On machines without the compiled tier every run is interpreted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../tests/wasm/jit_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static jd_record a, b;
    uint64_t gas = size ? 1u + ((uint64_t)data[size - 1] << 12) : 1000;
    uint32_t pages = size & 1 ? 65536 : JD_PAGES;
    const char *why = jd_diff_pages(data, size, gas, pages, &a, &b);
    if (why) {
        fprintf(stderr,
                "fuzz_jit: the tiers differ (gas %llu, %u pages): %s\n",
                (unsigned long long)gas, pages, why);
        abort();
    }
    return 0;
}
