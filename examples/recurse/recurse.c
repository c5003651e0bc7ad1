/*
 * recurse — hostile: unbounded recursion.  Each call keeps a frame on the
 * shadow stack in memory (which grows down from __gear_stack_end towards
 * address 0, then wraps and traps) and on the engine's call stack, so the
 * run ends with a stack-limit or memory-access trap, never a crash of the
 * host.
 */
#include "gear.h"

#pragma clang diagnostic ignored "-Winfinite-recursion" /* that is the point */

__attribute__((noinline)) static uint32_t dive(uint32_t depth)
{
    volatile uint8_t frame[64]; /* forces a shadow-stack frame */
    frame[depth & 63] = (uint8_t)depth;
    return dive(depth + 1) + frame[(depth * 7) & 63]; /* not a tail call */
}

GEAR_EXPORT(handle) void handle(void)
{
    uint32_t r = dive(0);
    gear_reply_bytes(&r, sizeof r); /* never reached */
}
