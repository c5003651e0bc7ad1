/*
 * The error space: names and messages derived from the GB_ERRORS list in
 * include/gearbox/err.h, so that adding a code is a one-line change.
 */
#include "gearbox/err.h"

static const char *const names[] = {
#define GB_ERR_NAME_(name, str) "GB_" #name,
    GB_ERRORS(GB_ERR_NAME_)
#undef GB_ERR_NAME_
};

static const char *const strs[] = {
#define GB_ERR_STR_(name, str) str,
    GB_ERRORS(GB_ERR_STR_)
#undef GB_ERR_STR_
};

const char *gb_err_name(gb_err e)
{
    if ((unsigned)e >= (unsigned)GB_ERR_COUNT_)
        return "unknown";
    return names[e];
}

const char *gb_err_str(gb_err e)
{
    if ((unsigned)e >= (unsigned)GB_ERR_COUNT_)
        return "unknown error";
    return strs[e];
}

int gb_err_is_trap(gb_err e)
{
    return e >= GB_TRAP_UNREACHABLE && e <= GB_TRAP_MEM_LIMIT;
}
