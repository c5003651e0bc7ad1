/*
 * `gearbox snapshot save DATA_DIR FILE`, `gearbox snapshot load FILE
 * DATA_DIR`, `gearbox snapshot info FILE`: a chain's whole store in one
 * file (state/snapshot.h).  save works while a node runs on DATA_DIR (the
 * copy is of its last committed block); load refuses a directory that
 * holds a store; a node started on the loaded directory continues from the
 * snapshot's head.  Exit status: 0 done, 1 failed, 2 bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "state/snapshot.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: gearbox snapshot save DATA_DIR FILE\n"
            "       gearbox snapshot load FILE DATA_DIR\n"
            "       gearbox snapshot info FILE\n\n"
            "save: write the chain in DATA_DIR (a node may be running on it) "
            "to FILE, as of\nits last block.  load: check FILE (format "
            "version, length, checksum) and\nwrite its chain into DATA_DIR, "
            "which must not hold one; `gearbox node --data\nDATA_DIR` then "
            "continues from the snapshot's head.  info: check FILE and "
            "print\nits head.  (`gearbox node --dev --fork FILE|DIR` starts a "
            "new dev chain from\na snapshot or another chain's directory.)\n");
}

static void print_info(const char *what, const gb_snapshot_info *i)
{
    printf("%s: head #%u 0x", what, i->height);
    for (int k = 0; k < 32; k++)
        printf("%02x", i->head_hash[k]);
    printf(", state root 0x");
    for (int k = 0; k < 32; k++)
        printf("%02x", i->state_root[k]);
    printf(", %llu bytes of store\n", (unsigned long long)i->store_bytes);
}

int cli_snapshot(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *verb = argv[1];
    int want = !strcmp(verb, "info") ? 3 : 4;
    if ((strcmp(verb, "save") && strcmp(verb, "load") &&
         strcmp(verb, "info")) || argc != want) {
        fprintf(stderr, "error: %s\n",
                argc != want && (!strcmp(verb, "save") ||
                                 !strcmp(verb, "load") ||
                                 !strcmp(verb, "info"))
                    ? "wrong number of arguments"
                    : "unknown snapshot command (save, load or info)");
        usage(stderr);
        return 2;
    }
    char msg[512] = "";
    gb_snapshot_info info;
    gb_err e;
    if (!strcmp(verb, "save"))
        e = gb_snapshot_save(NULL, argv[2], argv[3], &info, msg, sizeof msg);
    else if (!strcmp(verb, "load"))
        e = gb_snapshot_load(argv[2], argv[3], &info, msg, sizeof msg);
    else
        e = gb_snapshot_check(argv[2], &info, msg, sizeof msg);
    if (e) {
        fprintf(stderr, "error: %s\n", msg[0] ? msg : gb_err_str(e));
        return 1;
    }
    print_info(!strcmp(verb, "save")   ? argv[3]
               : !strcmp(verb, "load") ? argv[3]
                                       : argv[2],
               &info);
    return 0;
}
