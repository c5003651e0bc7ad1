/*
 * loop — hostile: handle never returns.  The runtime must stop it when its
 * gas runs out (reply code "RanOutOfGas", 01 00 00 00) and carry on.
 * Its `state` export never returns either: a read-only call to it must be
 * stopped by the node's gas cap or time limit, never hold the node.
 */
#include "gear.h"

static volatile uint32_t spins; /* volatile: the loop is not optimised away */

GEAR_EXPORT(handle) void handle(void)
{
    for (;;)
        spins++;
}

GEAR_EXPORT(state) void state(void)
{
    for (;;)
        spins++;
}
