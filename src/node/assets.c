/* Finding the explorer's files (see assets.h). */
#include "node/assets.h"

#include <string.h>

const gb_asset *gb_asset_find(const char *path)
{
    if (!strcmp(path, "/"))
        path = "/index.html";
    for (const gb_asset *a = gb_explorer_assets; a->path; a++)
        if (!strcmp(a->path, path))
            return a;
    return NULL;
}
