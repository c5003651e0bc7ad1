/*
 * Lazy pages: load a program's memory on first touch and report only the
 * pages a run changed, as Gear's lazy-pages does
 * (protocol/lazy-pages in gear-tech/gear; ../shared/GEAR-ABI.md §2).
 *
 * The cost of running a message must not grow with the size of the
 * program's memory.  So a run does not copy the program's pages in and out:
 * gb_lazy_begin makes the tracked part of the memory inaccessible (one
 * mprotect), the first access to a 16 KiB gear page faults, and a SIGSEGV
 * handler loads that page's persisted content (from the caller's lookup)
 * and makes it readable and writable, after which the faulting instruction
 * runs again.  gb_lazy_end compares each loaded page with its original
 * content and reports the ones that differ, plus the nonzero pages that
 * memory growth added during the run.  Work done is proportional to the
 * pages touched, not to the size of the memory.
 *
 * Layout of a memory, in gear pages:
 *
 *   [0, first_page)          the program's stack: left as it is, never
 *                            loaded, never reported (not program state);
 *   [first_page, end)        tracked: end = the memory's size at begin;
 *   [end, size at gb_lazy_end)  added by memory.grow / alloc during the run:
 *                            fresh zero pages, accessible at once, reported
 *                            when not all zero.
 *
 * Threads.  A session belongs to the thread that began it: the faults of a
 * run are synchronous signals delivered to the thread that made them, and
 * the handler finds that thread's session through a thread-local pointer.
 * Any number of threads may each run a session at the same time, each on
 * its own memory.  A thread has at most one session at a time, and a memory
 * is in at most one session at a time.  Only the run's own thread may
 * access the memory while its session is active.
 *
 * Signals.  The first gb_lazy_begin in the process installs a handler for
 * SIGSEGV and SIGBUS (once, process-wide) and keeps the action that was
 * there before.  A fault that is not a first touch of a tracked page of the
 * current thread's session goes to that previous action (e.g. a sanitizer's
 * reporter), or, when it was the default, kills the process as it would
 * have without gearbox.  A program that installs its own SIGSEGV handler
 * after the first gb_lazy_begin breaks lazy pages, unless that handler
 * hands on the faults that are not its own as this one does (the
 * compiled tier's guard pages, wasm/jit_x64_rt.c, do: either may be
 * installed first).
 *
 * Limits.  Each run of touched pages with untouched pages between them is
 * one kernel mapping (VMA); Linux allows about 65,000 per process
 * (vm.max_map_count).  Were a run to touch tens of thousands of scattered
 * pages, the handler could not make a page accessible: it then writes a
 * message to stderr and aborts (there is no way to return an error from a
 * fault).  gb_lazy_touch reports the same condition as GB_NOMEM.
 */
#ifndef GB_GEAR_LAZY_PAGES_H
#define GB_GEAR_LAZY_PAGES_H

#include <stdint.h>

#include "gearbox/err.h"
#include "gear/types.h" /* GB_GEAR_PAGE_SIZE */
#include "gearbox/wasm.h"

/*
 * Where a page's persisted content comes from: a pointer to its first *len
 * bytes (1..GB_GEAR_PAGE_SIZE; the rest of the page is zero), or NULL for a
 * page that is all zero (or was never stored; *len is then ignored).
 * gear_page is a page number of the memory (offset / 16 KiB).
 *
 * It is called from the signal handler, so it must be async-signal-safe: no
 * malloc, no locks, no stdio.  Return a pointer into data the caller
 * prepared before the run (e.g. a sorted array of the program's pages,
 * searched by bisection).  It is called again by gb_lazy_end, to compare,
 * so it must give the same answer throughout the session, and the bytes it
 * points to must stay alive and unchanged until gb_lazy_end returns.
 */
typedef const uint8_t *(*gb_page_lookup)(void *user, uint32_t gear_page,
                                         uint32_t *len);

/* One tracking session: one run on one memory.  Opaque. */
typedef struct gb_lazy gb_lazy;

/* A page the run changed. */
typedef struct gb_page_write {
    uint32_t page;       /* gear page number (offset / 16 KiB) */
    uint32_t len;        /* bytes up to the last nonzero one (0: the
                            page is all zero now); the rest are zero */
    const uint8_t *data; /* the page (GB_GEAR_PAGE_SIZE bytes), borrowed
                            from the memory itself: valid until
                            gb_lazy_free, while nothing writes the memory
                            and no other session begins on it */
} gb_page_write;

/*
 * Start tracking mem for one run on the calling thread.  Gear pages
 * [first_page, size) of mem (size = gb_memory_size(mem) / 16 KiB now;
 * first_page = stack end / 16 KiB) become inaccessible; the first access to
 * one, by the interpreter, by libc or by a host function, loads its content
 * from lookup(user, page) and makes it accessible.  Whatever the memory held
 * there before is overwritten on load, so a memory may be reused for another
 * run or another program.  Pages below first_page are left as they are.
 * A first_page at or beyond the size tracks nothing.
 *
 * mem is borrowed and must stay alive until gb_lazy_free; lookup and user
 * are borrowed until gb_lazy_end.  On success *out_lz is a new session, owned by
 * the caller (gb_lazy_free).
 *
 * Errors: GB_INVAL (NULL argument, or this thread already has an active
 * session), GB_UNSUPPORTED (the OS page size does not divide 16 KiB, or the
 * signal handler could not be installed), GB_NOMEM.  On error nothing
 * changed and *out_lz is NULL.
 */
gb_err gb_lazy_begin(gb_memory *mem, uint32_t first_page,
                     gb_page_lookup lookup, void *user, gb_lazy **out_lz);

/*
 * The same session without protection or faults, for a program whose
 * persisted pages are all known up front: pages (npages of them, any
 * order) are every page that has persisted content; they are loaded now,
 * and every other page reads as zero.  The memory must be all zero at
 * begin, and its dirty granules (gb_memory_dirty) clear, as every session
 * leaves them at gb_lazy_free (a fresh memory is so too); it stays
 * accessible throughout; the pages the run wrote are found from the
 * memory's dirty granules (the engine marks the program's writes; host
 * code writing the memory must gb_memory_mark what it writes).  No system
 * call at all, which matters most with several threads running at once:
 * a protection change stalls every thread of the process (TLB flush).
 * gb_lazy_end / gb_lazy_free as for gb_lazy_begin; gb_lazy_touch does
 * nothing.  Errors: GB_INVAL, GB_NOMEM.
 */
gb_err gb_lazy_begin_eager(gb_memory *mem, uint32_t first_page,
                           gb_page_lookup lookup, void *user,
                           const uint32_t *pages, uint32_t npages,
                           gb_lazy **out_lz);

/*
 * Stop tracking; must be called on the thread that began the session, which
 * may then begin another.  Computes the written pages, in ascending page
 * order: every touched page whose bytes differ from its original content
 * (lookup, or zero), then every page at or above max(first_page, end) added
 * by growth during the run that is not all zero.  Costs one compare per
 * touched page plus a scan of the grown pages; no fault or lookup happens
 * after it returns.
 *
 * *out_pages (an array of *out_n entries; may be NULL when *out_n is 0) is
 * owned by lz and valid until gb_lazy_free.  Calling gb_lazy_end again
 * returns the same result.  Pages never touched stay inaccessible: the
 * memory is not usable again until the next gb_lazy_begin.
 *
 * Errors: GB_NOMEM (the session is still stopped; *out_n is 0).
 */
gb_err gb_lazy_end(gb_lazy *lz, const gb_page_write **out_pages,
                   uint32_t *out_n);

/* Number of pages loaded (touched) so far in the session: for tests and
 * metrics.  0 for NULL. */
uint32_t gb_lazy_touched(const gb_lazy *lz);

/*
 * Load the pages covering bytes [offset, offset + len) of the memory
 * without waiting for a fault.  Optional: host functions may call it before
 * writing guest memory, so that faults happen neither inside them nor
 * inside libc (they would be handled all the same).  Pages already loaded,
 * below first_page or added by growth are skipped.  Call only on the
 * session's thread, while it is active.
 *
 * Errors: GB_INVAL (lz is NULL or ended, or the range leaves the memory),
 * GB_NOMEM (the kernel refused to change the page's protection).
 */
gb_err gb_lazy_touch(gb_lazy *lz, uint64_t offset, uint64_t len);

/*
 * Free the session (NULL is a no-op).  If gb_lazy_end was not called, it
 * must be called on the session's thread, and it stops the session without
 * computing anything (e.g. after a failed run).  The whole memory, up to
 * its current size, is then given back to the kernel (one madvise
 * MADV_DONTNEED; the kernel's work is proportional to the pages the run
 * populated: the stack, the touched pages, the grown ones): its content
 * is all zero afterwards, and so are its dirty granules' marks (pages the
 * run never touched stay inaccessible until the next gb_lazy_begin).  So
 * a memory reused for the next run starts like a fresh one, its stack
 * included (a program reading stack it never wrote sees zeros on every
 * machine), and the next begin costs the same whatever the memory's size.
 * The data pointers of gb_lazy_end's result are invalid after this.
 */
void gb_lazy_free(gb_lazy *lz);

/*
 * For a caller that runs one session after another (the processor): the
 * session's own allocation outlives it.  gb_lazy_free_keep is gb_lazy_free
 * that puts lz's storage in *spare when *spare is NULL (else frees it);
 * gb_lazy_begin_eager_kept is gb_lazy_begin_eager that takes its storage
 * from *spare when there is one (*spare is NULL after).  The caller frees
 * what is left in *spare with free() when done.  Same errors.
 */
void gb_lazy_free_keep(gb_lazy *lz, gb_lazy **spare);
gb_err gb_lazy_begin_eager_kept(gb_lazy **spare, gb_memory *mem,
                                uint32_t first_page, gb_page_lookup lookup,
                                void *user, const uint32_t *pages,
                                uint32_t npages, gb_lazy **out_lz);

#endif
