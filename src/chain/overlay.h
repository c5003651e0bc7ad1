/*
 * The page overlay: memory pages a block's queue wrote, held in memory and
 * written to the transaction once per page when the queue ends.
 *
 * Why: a program that runs fifty times in a block would otherwise put its
 * page into LMDB fifty times, on the block's thread, between waves — the
 * part of a block that does not run in parallel (docs/parallel.md).  With
 * the overlay a journal's page is a pointer handed over (no copy), and the
 * one put per page happens at the end.
 *
 * Reads see the overlay first, then the transaction: gb_overlay_prog +
 * gb_overlay_find give a program's newest page; a page found with len 0
 * was written all zero (its stored entry is to be deleted).  What is
 * stored ends up the same as if every put had gone to the transaction at
 * once: the overlay holds the last content of each page it saw, and
 * gb_overlay_flush writes (or deletes) each, in (program, page) order.
 *
 * Threads: prog/find only read, and may run on several threads at once
 * (the runs' page lookups, from the fault handler too: they neither lock
 * nor allocate) while nothing writes; put, drop and flush on one thread,
 * between waves.  A gb_ov_prog pointer and the page data it leads to stay
 * valid until the next put or drop of that program, or the next flush.
 */
#ifndef GB_CHAIN_OVERLAY_H
#define GB_CHAIN_OVERLAY_H

#include <stdint.h>

#include "chain/idmap.h"
#include "state/db.h"

typedef struct gb_ov_page {
    uint32_t page;
    uint32_t len;  /* bytes up to the last nonzero one; 0: all zero */
    uint8_t *data; /* len bytes (owned), NULL when len is 0 */
} gb_ov_page;

/* One program's pages in the overlay, sorted by page number. */
typedef struct gb_ov_prog {
    gb_id pid;
    gb_ov_page *pg;
    uint32_t n, cap;
} gb_ov_prog;

/* Zero-initialise; gb_overlay_free frees. */
typedef struct gb_overlay {
    gb_idmap map;     /* (pid, 0) -> index in p */
    gb_ov_prog **p;   /* each allocated on its own: a pointer to one stays
                         valid when others are added */
    uint32_t np, cap;
    uint64_t bytes;   /* page bytes held */
    uint64_t gen;     /* flushes so far: a kept gb_ov_prog pointer from an
                         earlier one is gone (gb_ov_kept) */
} gb_overlay;

/* A program's entry in the overlay kept by the caller between calls (a
 * block keeps one per program while its queue runs: gb_prog_cache), so
 * that its next reads and puts need no lookup by id.  Zero: nothing
 * kept.  Only an entry that exists is kept: it stays until the overlay
 * is flushed (gen tells). */
typedef struct gb_ov_kept {
    struct gb_ov_prog *p;
    uint64_t gen;
} gb_ov_kept;

/* The program's pages in the overlay; NULL when it has none there. */
const gb_ov_prog *gb_overlay_prog(const gb_overlay *o, gb_id pid);
/* gb_overlay_prog through k (k may be NULL; kept when found). */
const gb_ov_prog *gb_overlay_prog_kept(const gb_overlay *o, gb_id pid,
                                       gb_ov_kept *k);
/* Page page of p (NULL p: none); NULL when the overlay does not have it
 * (then the transaction does, or it is all zero). */
const gb_ov_page *gb_overlay_find(const gb_ov_prog *p, uint32_t page);

/* Page page of program pid is now data[0, len) and zeros; data
 * (malloc'ed, len bytes; NULL when len is 0) is taken over, also on
 * error.  len is trimmed of trailing zeros here.  *old = the content it
 * replaces (malloc'ed, the caller's to free; NULL: none) — handed back
 * rather than freed, so that the caller can free it elsewhere (with
 * threads, freeing memory another thread allocated takes that thread's
 * allocator lock).  GB_INVAL for len > 16384, GB_NOMEM. */
gb_err gb_overlay_put(gb_overlay *o, gb_id pid, uint32_t page, uint8_t *data,
                      uint32_t len, uint8_t **old);
/* gb_overlay_put through k (k may be NULL; kept), for a len trimmed
 * already (0, or data[len - 1] is not zero: a journal's pages are,
 * gear/process.h): it is taken as it is. */
gb_err gb_overlay_put_kept(gb_overlay *o, gb_id pid, uint32_t page,
                           uint8_t *data, uint32_t len, uint8_t **old,
                           gb_ov_kept *k);
/* Forget the program's pages in the overlay (its stored pages are being
 * cleared). */
void gb_overlay_drop(gb_overlay *o, gb_id pid);
/* Write every page to txn (gb_db_page_put: an all-zero one deletes its
 * entry) in (program, page) order; the overlay is empty afterwards, also
 * on error. */
gb_err gb_overlay_flush(gb_overlay *o, gb_db_txn *txn);
void gb_overlay_free(gb_overlay *o);

#endif
