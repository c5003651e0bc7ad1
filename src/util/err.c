/*
 * The error space: names and messages derived from the GB_ERRORS list in
 * include/gearbox/err.h (name, class, message), so that adding a code is a
 * one-line change.
 */
#include "gearbox/err.h"

static const char *const names[] = {
#define GB_ERR_NAME_(name, cls, str) "GB_" #name,
    GB_ERRORS(GB_ERR_NAME_)
#undef GB_ERR_NAME_
};

static const char *const strs[] = {
#define GB_ERR_STR_(name, cls, str) str,
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

/* 1 for the rows of class TRAP, 0 for those of class ERROR. */
#define GB_ERR_CLASS_TRAP 1
#define GB_ERR_CLASS_ERROR 0
static const unsigned char traps[] = {
#define GB_ERR_TRAP_(name, cls, str) GB_ERR_CLASS_##cls,
    GB_ERRORS(GB_ERR_TRAP_)
#undef GB_ERR_TRAP_
};

int gb_err_is_trap(gb_err e)
{
    if ((unsigned)e >= (unsigned)GB_ERR_COUNT_)
        return 0;
    return traps[e];
}
