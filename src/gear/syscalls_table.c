/*
 * The syscall table, generated from the X-macro list in syscalls_table.h.
 * Lookup by name is a linear scan: 55 entries, done once per import when
 * code is uploaded, never on the execution path.
 */
#include "gear/syscalls_table.h"

#include <string.h>

#define GB_SYS_ROW_(id, nm, params, results)                                 \
    {GB_SYS_##id,                                                            \
     nm,                                                                     \
     sizeof(nm) - 1,                                                         \
     {sizeof(params) - 1, sizeof(results) - 1, (const uint8_t *)(params),    \
      (const uint8_t *)(results)}},

static const gb_gear_syscall gb_syscalls_[GB_SYS_COUNT] = {
    GB_GEAR_SYSCALLS(GB_SYS_ROW_)
};
#undef GB_SYS_ROW_

const gb_gear_syscall *gb_gear_syscall_get(gb_gear_syscall_id id)
{
    if ((unsigned)id >= GB_SYS_COUNT)
        return NULL;
    return &gb_syscalls_[id];
}

const gb_gear_syscall *gb_gear_syscall_find(const char *name, size_t len)
{
    for (size_t i = 0; i < GB_SYS_COUNT; i++) {
        const gb_gear_syscall *s = &gb_syscalls_[i];
        if (s->name_len == len && memcmp(s->name, name, len) == 0)
            return s;
    }
    return NULL;
}

int gb_gear_syscall_type_eq(const gb_gear_syscall *s, const gb_functype *t)
{
    const gb_functype *w = &s->type;
    if (w->nparams != t->nparams || w->nresults != t->nresults)
        return 0;
    if (w->nparams && memcmp(w->params, t->params, w->nparams) != 0)
        return 0;
    if (w->nresults && memcmp(w->results, t->results, w->nresults) != 0)
        return 0;
    return 1;
}
