/*
 * loop — hostile: handle never returns.  The runtime must stop it when its
 * gas runs out (reply code "RanOutOfGas", 01 00 00 00) and carry on.
 */
#include "gear.h"

static volatile uint32_t spins; /* volatile: the loop is not optimised away */

GEAR_EXPORT(handle) void handle(void)
{
    for (;;)
        spins++;
}
