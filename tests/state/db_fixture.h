/*
 * Helpers the state tests share (tests/state/test_*.c, header-only).
 */
#ifndef GB_TESTS_STATE_DB_FIXTURE_H
#define GB_TESTS_STATE_DB_FIXTURE_H

#include <stdio.h>

#include "state/db.h"

/* A database in a temporary place, without fsync (gb_db_open with a NULL
 * path).  Returns NULL, after printing why, when it cannot be opened.
 * The caller owns it: gb_db_close. */
static inline gb_db *db_open_temp(void)
{
    gb_db *db = NULL;
    char msg[256] = "";
    gb_db_opts o = {.flags = GB_DB_NOSYNC};
    gb_err err = gb_db_open(NULL, &o, &db, msg, sizeof msg);
    if (err)
        fprintf(stderr, "open: %s\n", msg);
    return db;
}

#endif
