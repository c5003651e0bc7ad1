/*
 * Files the node serves as they are: the explorer's pages, scripts and
 * styles (src/node/explorer/), built into the binary by a CMake step
 * (cmake/embed.cmake writes gb_explorer_assets into the build directory),
 * so the node needs nothing beside it and works offline.
 */
#ifndef GB_NODE_ASSETS_H
#define GB_NODE_ASSETS_H

#include <stddef.h>

typedef struct gb_asset {
    const char *path;          /* "/index.html" */
    const char *type;          /* its Content-Type */
    const unsigned char *data; /* static */
    size_t len;
} gb_asset;

/* The explorer's files, ended by a row with a NULL path. */
extern const gb_asset gb_explorer_assets[];

/* The file served at path ("/" is "/index.html"), or NULL. */
const gb_asset *gb_asset_find(const char *path);

#endif
