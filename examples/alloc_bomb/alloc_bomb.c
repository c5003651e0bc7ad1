/*
 * alloc_bomb — hostile: takes every page `alloc` will give, one at a time,
 * until it fails (returns u32::MAX), then writes to all of them over and
 * over.  The runtime must bound it: the memory limit makes alloc fail,
 * gas for the allocations and the page writes runs out, and nothing of
 * the failed run is kept.
 */
#include "gear.h"

GEAR_EXPORT(handle) void handle(void)
{
    uint32_t first = GEAR_ALLOC_FAILED, pages = 0;
    for (;;) {
        uint32_t p = gear_sys_alloc(1);
        if (p == GEAR_ALLOC_FAILED)
            break;
        if (first == GEAR_ALLOC_FAILED)
            first = p;
        pages++;
    }
    gear_debug_u64("alloc_bomb: pages allocated: ", pages);
    if (!pages)
        return;
    /* Touch every 16 KiB gear page of everything we got, forever. */
    volatile uint8_t *base = (volatile uint8_t *)(uintptr_t)(first * GEAR_WASM_PAGE_SIZE);
    uint32_t span = pages * GEAR_WASM_PAGE_SIZE; /* first-fit: one contiguous run */
    for (uint8_t round = 1;; round++)
        for (uint32_t off = 0; off < span; off += GEAR_PAGE_SIZE)
            base[off] = round;
}
