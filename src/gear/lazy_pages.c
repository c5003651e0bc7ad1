/*
 * Lazy pages: memory protection and a fault handler load a program's pages
 * on first touch; a compare at the end finds the pages that changed.  See
 * lazy_pages.h for the contract; this comment is about how.
 *
 * One fault per page.  Gear's lazy-pages makes a page readable on the first
 * read and writable on the first write, so it knows which pages were
 * written without looking at them.  Here the first access of either kind
 * makes the page readable and writable at once, and gb_lazy_end finds the
 * changed pages by comparing each loaded page with its original content
 * (lookup again, or zero).  A 16 KiB compare costs about what a second fault
 * would, is done only for touched pages, and is exact: a page written back
 * to its original bytes is not reported.
 *
 * Global state.  Signal dispositions are process-wide, so the handler is
 * installed once (pthread_once) and the action it replaced is kept to chain
 * to (util/sigchain.h; the compiled tier's guard-page handler does the
 * same, and claims only faults past the memory's size, so the two stack
 * in either order).  Everything else is per session, and the handler finds the session of
 * the thread that faulted through one thread-local pointer, `session`.
 * That is safe because the faults we handle are synchronous: the kernel
 * delivers SIGSEGV to the thread whose instruction faulted, in the middle of
 * that instruction, so the handler runs on the same thread as the run and
 * sees that thread's pointer; two threads running two sessions never see
 * each other's.  The pointer is written only by its own thread, outside the
 * handler, and signal fences order those writes with the stores that set up
 * the session, so the handler never sees a half-made session.  Reading a
 * thread-local from a handler is async-signal-safe with the initial-exec TLS
 * model (a fixed offset from the thread pointer, no lazy allocation), which
 * we ask for explicitly in case this file ends up in a shared library.
 *
 * What the handler calls: mprotect, memcpy/memset, the caller's lookup
 * (async-signal-safe by contract), and, for faults that are not ours,
 * the previous handler or sigaction/raise.  No malloc, no locks: the
 * bitmap and the touched list are sized for the tracked range at begin.
 * It saves and restores errno.
 *
 * Flags: SA_SIGINFO for the fault address; SA_ONSTACK so that a thread with
 * an alternate signal stack (sanitizers set one up) handles stack overflow
 * there and can report it; no SA_NODEFER, so a fault inside the handler
 * itself (say, lookup returned a bad pointer) finds SIGSEGV blocked, which
 * makes the kernel kill the process with SIGSEGV at once rather than
 * recurse.
 */
#define _GNU_SOURCE /* MADV_DONTNEED, SA_ONSTACK with -std=c11 */

#include "gear/lazy_pages.h"

#include "util/bytes.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/sigchain.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define PAGE GB_GEAR_PAGE_SIZE
#define GRAN (1u << GB_DIRTY_SHIFT)  /* the memory's write granule */
#define SUB (PAGE / GRAN)             /* granules in a page */
_Static_assert(PAGE % GRAN == 0, "a Gear page is whole granules");

enum { ST_ACTIVE = 1, ST_ENDED = 2 };
enum { SMALL_PAGES = 2048, SMALL_TOUCHED = 16 };

struct gb_lazy {
    gb_memory *mem;
    uint8_t *base;          /* gb_memory_data(mem); never moves */
    uint32_t stack_end;     /* first_page as given: pages below are stack */
    uint32_t first_page;    /* tracked: [first_page, end_page); first_page =
                               min(stack_end, end_page) */
    uint32_t end_page;      /* memory size at begin, in gear pages */
    gb_page_lookup lookup;
    void *user;
    uint64_t *loaded;       /* bitmap over [0, end_page) */
    uint32_t *touched;      /* pages loaded, in load order; room for all */
    uint32_t ntouched;
    int state;              /* ST_ACTIVE, then ST_ENDED */
    bool eager;             /* gb_lazy_begin_eager: no protection, no
                               faults; the memory's dirty granules say
                               what the run wrote */
    gb_page_write *writes;  /* gb_lazy_end's result */
    uint32_t nwrites;
    uint32_t *loaded_len;   /* eager: the bytes loaded into touched[i]
                               (the rest of the page is zero) */
    /* (from here on: not cleared when a kept session is reused, every
     * array is written before it is read) */
    /* small sessions (an eager one, a memory of up to 512 wasm pages)
     * keep their arrays here: one allocation per run instead of four */
    uint64_t loaded_small[SMALL_PAGES / 64 + 1];
    uint32_t touched_small[SMALL_TOUCHED];
    uint32_t loaded_len_small[SMALL_TOUCHED];
    gb_page_write writes_small[SMALL_TOUCHED];
};

/* (lz_array's allocating path, apart: the common one is then inlined) */
static void *lz_array_new(size_t bytes, bool zero)
{
    return zero ? gb_zalloc(bytes) : gb_malloc(bytes);
}

/* arrays: in lz's own (small) storage when they fit, else allocated */
static inline void *lz_array(void *small, size_t small_bytes, size_t bytes,
                             bool zero)
{
    if (bytes <= small_bytes) {
        if (zero)
            memset(small, 0, bytes);
        return small;
    }
    return lz_array_new(bytes, zero);
}

static void lz_array_free(void *p, const void *small)
{
    if (p != small)
        free(p);
}

/* A new session's storage: the kept one (*spare, then NULL) with its
 * fields before the small arrays cleared, or a new one all zero. */
static gb_lazy *lz_new(gb_lazy **spare)
{
    gb_lazy *lz = spare ? *spare : NULL;
    if (!lz)
        return gb_zalloc(sizeof *lz);
    *spare = NULL;
    memset(lz, 0, offsetof(gb_lazy, loaded_small));
    return lz;
}

/* The end of a session's storage: kept in *spare when it is empty. */
static void lz_drop(gb_lazy *lz, gb_lazy **spare)
{
    if (spare && !*spare)
        *spare = lz;
    else
        free(lz);
}

/* The session of this thread, read by the fault handler (see above). */
static _Thread_local gb_lazy *session
    __attribute__((tls_model("initial-exec")));

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static bool installed;
static struct sigaction prev_segv, prev_bus;

static const uint8_t zero_page[PAGE];

static bool is_loaded(const gb_lazy *lz, uint32_t page)
{
    return (lz->loaded[page / 64] >> (page % 64)) & 1u;
}

/* Make page accessible and give it its persisted content.  Called from the
 * handler and from gb_lazy_touch; async-signal-safe.  -1 when the kernel
 * refuses the protection change (too many mappings). */
static int load_page(gb_lazy *lz, uint32_t page)
{
    uint8_t *p = lz->base + (size_t)page * PAGE;
    if (mprotect(p, PAGE, PROT_READ | PROT_WRITE))
        return -1;
    uint32_t len = 0;
    const uint8_t *src = lz->lookup(lz->user, page, &len);
    if (!src || len > PAGE)
        len = 0;
    memcpy(p, src ? src : zero_page, len);
    memset(p + len, 0, PAGE - len); /* a reused memory may hold old bytes */
    lz->loaded[page / 64] |= (uint64_t)1 << (page % 64);
    lz->touched[lz->ntouched++] = page;
    atomic_signal_fence(memory_order_seq_cst);
    return 0;
}

static void write_str(const char *s)
{
    ssize_t r = write(STDERR_FILENO, s, strlen(s));
    (void)r;
}

/* A fault that is not ours: hand it to whoever had the signal before. */
static void chain(int sig, siginfo_t *si, void *uctx)
{
    gb_sig_chain(sig == SIGBUS ? &prev_bus : &prev_segv, sig, si, uctx);
}

static void on_fault(int sig, siginfo_t *si, void *uctx)
{
    int saved_errno = errno;
    gb_lazy *lz = session;
    if (lz && lz->state == ST_ACTIVE && si->si_code > 0) {
        uintptr_t a = (uintptr_t)si->si_addr;
        uintptr_t lo = (uintptr_t)lz->base + (uintptr_t)lz->first_page * PAGE;
        uintptr_t hi = (uintptr_t)lz->base + (uintptr_t)lz->end_page * PAGE;
        if (a >= lo && a < hi) {
            uint32_t page = (uint32_t)((a - (uintptr_t)lz->base) / PAGE);
            /* An access that straddles two pages faults on the second
             * one; should the reported address be in the first (some
             * arm64 instructions may report the start of the access),
             * the page to load is the next. */
            if (is_loaded(lz, page) && page + 1 < lz->end_page)
                page++;
            if (!is_loaded(lz, page)) {
                if (load_page(lz, page) == 0) {
                    errno = saved_errno;
                    return; /* the instruction runs again */
                }
                write_str("gearbox: lazy pages: mprotect failed while "
                          "loading a page (vm.max_map_count?)\n");
                abort();
            }
        }
    }
    chain(sig, si, uctx);
    errno = saved_errno;
}

static void install(void)
{
    if (gb_sig_install(SIGSEGV, on_fault, &prev_segv))
        return;
    if (gb_sig_install(SIGBUS, on_fault, &prev_bus)) {
        sigaction(SIGSEGV, &prev_segv, NULL);
        return;
    }
    installed = true;
}

gb_err gb_lazy_begin(gb_memory *mem, uint32_t first_page,
                     gb_page_lookup lookup, void *user, gb_lazy **out_lz)
{
    if (!out_lz)
        return GB_INVAL;
    *out_lz = NULL;
    if (!mem || !lookup || session)
        return GB_INVAL;
    long os_page = sysconf(_SC_PAGESIZE);
    if (os_page <= 0 || PAGE % (unsigned long)os_page)
        return GB_UNSUPPORTED;
    if (pthread_once(&install_once, install) || !installed)
        return GB_UNSUPPORTED;

    gb_lazy *lz = gb_zalloc(sizeof *lz);
    if (!lz)
        return GB_NOMEM;
    lz->mem = mem;
    lz->base = gb_memory_data(mem);
    lz->end_page = (uint32_t)(gb_memory_size(mem) / PAGE);
    lz->stack_end = first_page;
    lz->first_page = first_page < lz->end_page ? first_page : lz->end_page;
    lz->lookup = lookup;
    lz->user = user;
    uint32_t n = lz->end_page - lz->first_page;
    /* Sized for the whole range, but large allocations are fresh
     * mappings the kernel fills on first touch: the cost follows use. */
    lz->loaded = lz_array(lz->loaded_small, sizeof lz->loaded_small,
                          ((size_t)lz->end_page / 64 + 1) * sizeof *lz->loaded,
                          true);
    lz->touched = lz_array(lz->touched_small, sizeof lz->touched_small,
                           ((size_t)n + 1) * sizeof *lz->touched, false);
    if (!lz->loaded || !lz->touched)
        goto fail;
    lz->state = ST_ACTIVE;
    atomic_signal_fence(memory_order_seq_cst);
    session = lz;
    atomic_signal_fence(memory_order_seq_cst);
    gb_memory_forget_access(mem);
    if (n && mprotect(lz->base + (size_t)lz->first_page * PAGE,
                      (size_t)n * PAGE, PROT_NONE)) {
        session = NULL;
        goto fail;
    }
    *out_lz = lz;
    return GB_OK;
fail:
    lz_array_free(lz->loaded, lz->loaded_small);
    lz_array_free(lz->touched, lz->touched_small);
    free(lz);
    return GB_NOMEM;
}

gb_err gb_lazy_begin_eager(gb_memory *mem, uint32_t first_page,
                           gb_page_lookup lookup, void *user,
                           const uint32_t *pages, uint32_t npages,
                           gb_lazy **out_lz)
{
    return gb_lazy_begin_eager_kept(NULL, mem, first_page, lookup, user,
                                    pages, npages, out_lz);
}

gb_err gb_lazy_begin_eager_kept(gb_lazy **spare, gb_memory *mem,
                                uint32_t first_page, gb_page_lookup lookup,
                                void *user, const uint32_t *pages,
                                uint32_t npages, gb_lazy **out_lz)
{
    if (!out_lz)
        return GB_INVAL;
    *out_lz = NULL;
    if (!mem || !lookup || session)
        return GB_INVAL;
    gb_lazy *lz = lz_new(spare);
    if (!lz)
        return GB_NOMEM;
    lz->mem = mem;
    lz->eager = true;
    lz->base = gb_memory_data(mem);
    lz->end_page = (uint32_t)(gb_memory_size(mem) / PAGE);
    lz->stack_end = first_page;
    lz->first_page = first_page < lz->end_page ? first_page : lz->end_page;
    lz->lookup = lookup;
    lz->user = user;
    lz->loaded = lz_array(lz->loaded_small, sizeof lz->loaded_small,
                          ((size_t)lz->end_page / 64 + 1) * sizeof *lz->loaded,
                          true);
    lz->touched = lz_array(lz->touched_small, sizeof lz->touched_small,
                           ((size_t)npages + 1) * sizeof *lz->touched, false);
    lz->loaded_len = lz_array(lz->loaded_len_small,
                              sizeof lz->loaded_len_small,
                              ((size_t)npages + 1) * sizeof *lz->loaded_len,
                              false);
    if (!lz->loaded || !lz->touched || !lz->loaded_len) {
        lz_array_free(lz->loaded, lz->loaded_small);
        lz_array_free(lz->touched, lz->touched_small);
        lz_array_free(lz->loaded_len, lz->loaded_len_small);
        lz_drop(lz, spare);
        return GB_NOMEM;
    }
    /* the memory is all zero and its dirty marks clear (the last session
     * cleared what it wrote, and the marks with it): from here on a set
     * granule means this run wrote it */
    lz->state = ST_ACTIVE;
    for (uint32_t i = 0; i < npages; i++) {
        uint32_t page = pages[i];
        if (page < lz->first_page || page >= lz->end_page ||
            is_loaded(lz, page))
            continue;
        uint32_t len = 0;
        const uint8_t *src = lookup(user, page, &len);
        if (!src || len > PAGE)
            len = 0;
        /* (the rest of the page is zero already) */
        memcpy(lz->base + (size_t)page * PAGE, src ? src : zero_page, len);
        lz->loaded[page / 64] |= (uint64_t)1 << (page % 64);
        lz->loaded_len[lz->ntouched] = len;
        lz->touched[lz->ntouched++] = page;
    }
    *out_lz = lz;
    return GB_OK;
}

/* Stop the session: the handler no longer acts for it. */
static void stop(gb_lazy *lz)
{
    if (lz->state != ST_ACTIVE)
        return;
    lz->state = ST_ENDED;
    atomic_signal_fence(memory_order_seq_cst);
    if (session == lz)
        session = NULL;
}

/* Whether page (its bytes now at now) differs from its content at begin;
 * *len = its length now with trailing zeros trimmed. */
static bool changed(const gb_lazy *lz, uint32_t page, const uint8_t *now,
                    bool had_content, uint32_t *len)
{
    *len = (uint32_t)gb_trimmed_len(now, PAGE);
    uint32_t was_len = 0;
    const uint8_t *was =
        had_content ? lz->lookup(lz->user, page, &was_len) : NULL;
    if (!was || was_len > PAGE)
        was_len = 0;
    was_len = (uint32_t)gb_trimmed_len(was ? was : zero_page, was_len);
    return *len != was_len || memcmp(now, was ? was : zero_page, *len) != 0;
}

/* The marks of an eager session's run are looked through twice after it
 * (gb_lazy_end: the pages written; gb_lazy_free: what to clear), 64 at a
 * time as the bits of a word: one test when they are all clear, else a
 * bit per mark, whose runs and ends come from counting zero bits rather
 * than from a step per byte.  A memory is whole wasm pages, so its marks
 * are whole words of two gear pages each. */
_Static_assert(SUB == 32, "a word of marks is two gear pages");
_Static_assert((65536 / GRAN) % 64 == 0, "a wasm page's marks are words");

/* The 64 marks at d as bits (bit i: d[i] set). */
static inline uint64_t marks_word(const uint8_t *d)
{
#if defined(__SSE2__)
    const __m128i z = _mm_setzero_si128();
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)d),
            b = _mm_loadu_si128((const __m128i *)(const void *)(d + 16)),
            c = _mm_loadu_si128((const __m128i *)(const void *)(d + 32)),
            e = _mm_loadu_si128((const __m128i *)(const void *)(d + 48));
    __m128i o = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, e));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(o, z)) == 0xFFFF)
        return 0;
    uint64_t clear =
        (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, z)) |
        (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, z)) << 16 |
        (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(c, z)) << 32 |
        (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(e, z)) << 48;
    return ~clear;
#else
    uint64_t w[8], o = 0, m = 0;
    memcpy(w, d, sizeof w);
    for (int i = 0; i < 8; i++)
        o |= w[i];
    for (int i = 0; o && i < 64; i++)
        m |= (uint64_t)(d[i] != 0) << i;
    return m;
#endif
}

/* The first page from page on (below end, even) with a granule the run
 * wrote, its marks as bits in *bits; end when none. */
static inline __attribute__((always_inline)) uint32_t
next_dirty(const uint8_t *dirty, uint32_t page, uint32_t end, uint32_t *bits)
{
    for (; page < end; page = (page | 1) + 1) {
        uint64_t m = marks_word(dirty + (size_t)(page & ~1u) * SUB);
        if (!(page & 1) && (uint32_t)m) {
            *bits = (uint32_t)m;
            return page;
        }
        if (m >> 32) {
            *bits = (uint32_t)(m >> 32);
            return page | 1;
        }
    }
    return end;
}

/* One past the last granule with a bit in bits (not 0). */
static uint32_t last_granule(uint32_t bits)
{
    return 32 - (uint32_t)__builtin_clz(bits);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

gb_err gb_lazy_end(gb_lazy *lz, const gb_page_write **out_pages,
                   uint32_t *out_n)
{
    if (out_pages)
        *out_pages = NULL;
    if (out_n)
        *out_n = 0;
    if (!lz || !out_pages || !out_n)
        return GB_INVAL;
    if (lz->writes)
        goto done; /* called before: the same result */
    stop(lz);

    uint32_t size_pages = (uint32_t)(gb_memory_size(lz->mem) / PAGE);
    if (lz->eager) {
        /* the pages with granules the run wrote, against their content at
         * begin; only the written granules and what was there can be
         * nonzero, so the trailing zeros are looked for below
         * max(last written granule, content at begin) */
        const uint8_t *dirty = gb_memory_dirty(lz->mem);
        size_t ndirty = size_pages > lz->first_page
                            ? size_pages - lz->first_page : 0;
        uint32_t bits;
        if ((ndirty + 1) * sizeof(gb_page_write) > sizeof lz->writes_small) {
            ndirty = 0; /* (room for those written only) */
            for (uint32_t page = next_dirty(dirty, lz->first_page, size_pages,
                                            &bits);
                 page < size_pages;
                 page = next_dirty(dirty, page + 1, size_pages, &bits))
                ndirty++;
        }
        gb_page_write *w = lz_array(lz->writes_small,
                                    sizeof lz->writes_small,
                                    (ndirty + 1) * sizeof *w, false);
        if (!w)
            return GB_NOMEM;
        uint32_t nw = 0;
        for (uint32_t page = next_dirty(dirty, lz->first_page, size_pages,
                                        &bits);
             page < size_pages;
             page = next_dirty(dirty, page + 1, size_pages, &bits)) {
            uint32_t top = last_granule(bits) * GRAN;
            const uint8_t *now = lz->base + (size_t)page * PAGE;
            uint32_t was_len = 0;
            const uint8_t *was = page < lz->end_page
                                     ? lz->lookup(lz->user, page, &was_len)
                                     : NULL;
            if (!was || was_len > PAGE)
                was_len = 0;
            /* the bytes from top on are as they were (no granule there
             * was written): when what was there ends past top with a
             * nonzero byte, so does the page now, and only the bytes
             * below top can differ */
            uint32_t len = was_len > top && was[was_len - 1]
                               ? was_len
                               : (uint32_t)gb_trimmed_len(
                                     now, top > was_len ? top : was_len);
            if (len != was_len ||
                memcmp(now, was ? was : zero_page, len < top ? len : top))
                w[nw++] = (gb_page_write){.page = page, .len = len,
                                          .data = now};
        }
        lz->writes = w;
        lz->nwrites = nw;
        goto done;
    }
    uint32_t grown_lo = lz->stack_end > lz->end_page ? lz->stack_end
                                                     : lz->end_page;
    uint32_t ngrown = size_pages > grown_lo ? size_pages - grown_lo : 0;
    size_t cap = (size_t)lz->ntouched + ngrown;
    gb_page_write *w = lz_array(lz->writes_small, sizeof lz->writes_small,
                                (cap ? cap : 1) * sizeof *w, false);
    if (!w)
        return GB_NOMEM;
    qsort(lz->touched, lz->ntouched, sizeof *lz->touched, cmp_u32);
    uint32_t nw = 0;
    for (uint32_t i = 0; i < lz->ntouched; i++) {
        uint32_t page = lz->touched[i];
        const uint8_t *now = lz->base + (size_t)page * PAGE;
        uint32_t len;
        if (changed(lz, page, now, true, &len))
            w[nw++] = (gb_page_write){.page = page, .len = len, .data = now};
    }
    for (uint32_t page = grown_lo; page < size_pages; page++) {
        const uint8_t *now = lz->base + (size_t)page * PAGE;
        uint32_t len = (uint32_t)gb_trimmed_len(now, PAGE);
        if (len)
            w[nw++] = (gb_page_write){.page = page, .len = len, .data = now};
    }
    lz->writes = w;
    lz->nwrites = nw;
done:
    *out_pages = lz->writes;
    *out_n = lz->nwrites;
    return GB_OK;
}

uint32_t gb_lazy_touched(const gb_lazy *lz) { return lz ? lz->ntouched : 0; }

gb_err gb_lazy_touch(gb_lazy *lz, uint64_t offset, uint64_t len)
{
    if (!lz || lz->state != ST_ACTIVE)
        return GB_INVAL;
    if (lz->eager)
        return GB_OK; /* everything is loaded and accessible */
    uint64_t size = gb_memory_size(lz->mem);
    if (offset > size || len > size - offset)
        return GB_INVAL;
    if (!len)
        return GB_OK;
    uint64_t lo = offset / PAGE, hi = (offset + len - 1) / PAGE + 1;
    if (lo < lz->first_page)
        lo = lz->first_page;
    if (hi > lz->end_page)
        hi = lz->end_page;
    for (uint64_t page = lo; page < hi; page++)
        if (!is_loaded(lz, (uint32_t)page) && load_page(lz, (uint32_t)page))
            return GB_NOMEM;
    return GB_OK;
}

/* Zero the OS pages of [p, p+len) that are resident (the others read as
 * zero already), keeping them mapped; madvise when mincore cannot say. */
static void zero_resident(uint8_t *p, size_t len)
{
    size_t os = (size_t)sysconf(_SC_PAGESIZE), n = len / os;
    if (!n)
        return;
    unsigned char small[1024], *vec = n <= sizeof small ? small : gb_malloc(n);
    if (!vec || mincore(p, len, vec)) {
        madvise(p, len, MADV_DONTNEED);
    } else {
        for (size_t i = 0; i < n; i++)
            if (vec[i] & 1)
                memset(p + i * os, 0, os);
    }
    if (vec != small)
        free(vec);
}

void gb_lazy_free(gb_lazy *lz) { gb_lazy_free_keep(lz, NULL); }

void gb_lazy_free_keep(gb_lazy *lz, gb_lazy **spare)
{
    if (!lz)
        return;
    stop(lz);
    /* Back to all zero, as the next session expects.  Pages are cleared in
     * place rather than given back to the kernel: on the next run they are
     * already mapped, and a page fault costs far more than a memset (most
     * of all in a VM).  Only what this run can have dirtied is cleared:
     * the pages it loaded, and the resident pages of the stack and of the
     * range it grew into. */
    uint64_t size = gb_memory_size(lz->mem);
    if (lz->eager) {
        /* what was loaded, then what the run wrote (stack included): the
         * dirty granules */
        for (uint32_t i = 0; i < lz->ntouched; i++)
            memset(lz->base + (size_t)lz->touched[i] * PAGE, 0,
                   lz->loaded_len[i]);
        uint8_t *dirty = gb_memory_dirty(lz->mem);
        for (uint64_t g = 0; g < size / GRAN; g += 64) {
            uint64_t m = marks_word(dirty + g);
            if (!m)
                continue;
            memset(dirty + g, 0, 64);
            while (m) { /* a run of written granules: a memset */
                unsigned a = (unsigned)__builtin_ctzll(m);
                uint64_t past = ~m >> a; /* (0: the run ends the word) */
                unsigned n = past ? (unsigned)__builtin_ctzll(past) : 64 - a;
                memset(lz->base + (g + a) * GRAN, 0, (size_t)n * GRAN);
                m &= n < 64 ? ~((((uint64_t)1 << n) - 1) << a) : 0;
            }
        }
        lz_array_free(lz->writes, lz->writes_small);
        lz_array_free(lz->loaded, lz->loaded_small);
        lz_array_free(lz->touched, lz->touched_small);
        lz_array_free(lz->loaded_len, lz->loaded_len_small);
        lz_drop(lz, spare);
        return;
    }
    for (uint32_t i = 0; i < lz->ntouched; i++)
        memset(lz->base + (size_t)lz->touched[i] * PAGE, 0, PAGE);
    memset(gb_memory_dirty(lz->mem), 0, (size_t)(size / GRAN));
    zero_resident(lz->base, (size_t)lz->first_page * PAGE);
    if (size > (uint64_t)lz->end_page * PAGE)
        zero_resident(lz->base + (size_t)lz->end_page * PAGE,
                      (size_t)(size - (uint64_t)lz->end_page * PAGE));
    lz_array_free(lz->writes, lz->writes_small);
    lz_array_free(lz->loaded, lz->loaded_small);
    lz_array_free(lz->touched, lz->touched_small);
    lz_drop(lz, spare);
}
