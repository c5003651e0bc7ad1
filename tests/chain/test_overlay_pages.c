/*
 * The page overlay (chain/overlay.h) on its own: read-your-writes, the
 * replaced content handed back, trimming and all-zero pages, dropping a
 * program's pages, the byte count, bad input, and a flush that writes
 * (and deletes) in the store exactly what the last puts said; a
 * program's entry kept by the caller (gb_ov_kept), and not past a flush.
 */
#include "test.h"

#include <stdlib.h>
#include <string.h>

#include "chain/overlay.h"
#include "state/tables.h"

static gb_id pid_of(uint8_t n)
{
    gb_id id;
    memset(id.b, 0, sizeof id.b);
    id.b[0] = n;
    id.b[31] = (uint8_t)~n;
    return id;
}

/* A malloc'ed page of len bytes: fill, then zeros in the last tail. */
static uint8_t *page_of(uint32_t len, uint8_t fill, uint32_t tail)
{
    uint8_t *p = malloc(len ? len : 1);
    memset(p, fill, len);
    memset(p + len - tail, 0, tail);
    return p;
}

static void test_read_your_writes(void)
{
    gb_overlay o = {0};
    gb_id a = pid_of(1), b = pid_of(2);
    uint8_t *old = (uint8_t *)1;
    GB_EXPECT(gb_overlay_prog(&o, a) == NULL);
    GB_EXPECT(gb_overlay_find(NULL, 3) == NULL);

    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 9, page_of(100, 0x5a, 0), 100, &old));
    GB_EXPECT(old == NULL);
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 2, page_of(10, 0x11, 0), 10, &old));
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, b, 9, page_of(5, 0x22, 0), 5, &old));

    const gb_ov_prog *pa = gb_overlay_prog(&o, a);
    GB_EXPECT(pa != NULL);
    GB_EXPECT_U64(2, pa->n);
    GB_EXPECT_U64(2, pa->pg[0].page); /* sorted by page number */
    GB_EXPECT_U64(9, pa->pg[1].page);
    const gb_ov_page *pg = gb_overlay_find(pa, 9);
    GB_EXPECT(pg && pg->len == 100 && pg->data[0] == 0x5a && pg->data[99] == 0x5a);
    GB_EXPECT(gb_overlay_find(pa, 3) == NULL);
    pg = gb_overlay_find(gb_overlay_prog(&o, b), 9);
    GB_EXPECT(pg && pg->len == 5 && pg->data[4] == 0x22);
    GB_EXPECT_U64(115, o.bytes);

    /* overwrite: the old content comes back, the new one is read */
    uint8_t *first = gb_overlay_find(pa, 9)->data;
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 9, page_of(50, 0x77, 20), 50, &old));
    GB_EXPECT(old == first);
    free(old);
    pa = gb_overlay_prog(&o, a);
    pg = gb_overlay_find(pa, 9);
    GB_EXPECT(pg && pg->len == 30 && pg->data[29] == 0x77); /* trimmed */
    GB_EXPECT_U64(45, o.bytes);

    /* an all-zero page is held as len 0 (its entry is to be deleted) */
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 2, page_of(64, 0, 64), 64, &old));
    free(old);
    pg = gb_overlay_find(gb_overlay_prog(&o, a), 2);
    GB_EXPECT(pg && pg->len == 0 && pg->data == NULL);
    GB_EXPECT_U64(35, o.bytes);
    gb_overlay_free(&o);
    GB_EXPECT(o.np == 0 && o.bytes == 0);
}

static void test_drop_and_bad_input(void)
{
    gb_overlay o = {0};
    gb_id a = pid_of(1), b = pid_of(2);
    uint8_t *old;
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 1, page_of(8, 1, 0), 8, &old));
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 2, page_of(8, 2, 0), 8, &old));
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, b, 1, page_of(8, 3, 0), 8, &old));
    gb_overlay_drop(&o, a);
    gb_overlay_drop(&o, pid_of(9)); /* none there: nothing happens */
    GB_EXPECT(gb_overlay_find(gb_overlay_prog(&o, a), 1) == NULL);
    GB_EXPECT(gb_overlay_find(gb_overlay_prog(&o, a), 2) == NULL);
    GB_EXPECT(gb_overlay_find(gb_overlay_prog(&o, b), 1) != NULL);
    GB_EXPECT_U64(8, o.bytes);
    /* written again after the drop */
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 2, page_of(4, 4, 0), 4, &old));
    GB_EXPECT(old == NULL);
    GB_EXPECT(gb_overlay_find(gb_overlay_prog(&o, a), 2)->data[0] == 4);

    /* too long, or bytes promised without data: GB_INVAL, nothing held */
    GB_EXPECT_ERR(GB_INVAL, gb_overlay_put(&o, a, 3,
                  page_of(GB_GEAR_PAGE_SIZE + 1, 1, 0), GB_GEAR_PAGE_SIZE + 1, &old));
    GB_EXPECT_ERR(GB_INVAL, gb_overlay_put(&o, a, 3, NULL, 5, &old));
    GB_EXPECT(gb_overlay_find(gb_overlay_prog(&o, a), 3) == NULL);
    GB_EXPECT_U64(12, o.bytes);
    gb_overlay_free(&o);
}

/* flush: the store holds each page's last content; an all-zero page and
 * a dropped program's pages are gone from it; the overlay is empty. */
static void test_flush_to_store(void)
{
    gb_db *db = NULL;
    gb_db_opts dopts = {.flags = GB_DB_NOSYNC};
    GB_EXPECT_ERR(GB_OK, gb_db_open(NULL, &dopts, &db, NULL, 0));
    if (!db)
        return;
    gb_id a = pid_of(1), b = pid_of(2);
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    uint8_t stored[16] = {9, 9, 9};
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, a, 7, stored, 3));  /* zeroed below */
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, b, 1, stored, 3));  /* kept */

    gb_overlay o = {0};
    uint8_t *old;
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 7, page_of(32, 0, 32), 32, &old));
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 5, page_of(6, 0x33, 0), 6, &old));
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, a, 5, page_of(9, 0x44, 2), 9, &old));
    free(old);
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, pid_of(3), 1, page_of(4, 0x55, 0), 4, &old));
    gb_overlay_drop(&o, pid_of(3));
    GB_EXPECT_ERR(GB_OK, gb_overlay_flush(&o, t));
    GB_EXPECT(o.np == 0 && o.bytes == 0 && gb_overlay_prog(&o, a) == NULL);

    const uint8_t *d;
    uint32_t len = 0;
    GB_EXPECT_ERR(GB_OK, gb_db_page_get(t, a, 5, &d, &len));
    GB_EXPECT_U64(7, len);
    GB_EXPECT(len == 7 && d[0] == 0x44 && d[6] == 0x44);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_page_get(t, a, 7, &d, &len));
    GB_EXPECT_ERR(GB_OK, gb_db_page_get(t, b, 1, &d, &len));
    GB_EXPECT_U64(3, len);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_page_get(t, pid_of(3), 1, &d, &len));
    gb_db_abort(t);
    gb_overlay_free(&o);
    gb_db_close(db);
}

/* A kept entry is the program's (puts through it land there, reads give
 * it), survives a drop, and is not used after a flush: then the program
 * has no entry until a put makes a new one, which is kept instead. */
static void test_kept(void)
{
    gb_db *db = NULL;
    gb_db_opts dopts = {.flags = GB_DB_NOSYNC};
    GB_EXPECT_ERR(GB_OK, gb_db_open(NULL, &dopts, &db, NULL, 0));
    if (!db)
        return;
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_overlay o = {0};
    gb_id a = pid_of(1), b = pid_of(2);
    gb_ov_kept ka = {0}, kb = {0};
    uint8_t *old;
    GB_EXPECT(gb_overlay_prog_kept(&o, a, &ka) == NULL);
    GB_EXPECT(ka.p == NULL); /* (nothing to keep) */
    GB_EXPECT_ERR(GB_OK, gb_overlay_put_kept(&o, a, 4, page_of(8, 0x61, 0), 8,
                                             &old, &ka));
    GB_EXPECT_ERR(GB_OK, gb_overlay_put_kept(&o, b, 4, page_of(8, 0x62, 0), 8,
                                             &old, &kb));
    GB_EXPECT(ka.p && ka.p == gb_overlay_prog(&o, a));
    GB_EXPECT(kb.p && kb.p == gb_overlay_prog(&o, b) && kb.p != ka.p);
    GB_EXPECT_ERR(GB_OK, gb_overlay_put_kept(&o, a, 6, page_of(8, 0x63, 0), 8,
                                             &old, &ka));
    GB_EXPECT(gb_overlay_prog_kept(&o, a, &ka) == ka.p);
    GB_EXPECT_U64(2, ka.p->n);
    GB_EXPECT_U64(1, kb.p->n);
    gb_overlay_drop(&o, a);
    GB_EXPECT(gb_overlay_prog_kept(&o, a, &ka) == ka.p && ka.p->n == 0);

    GB_EXPECT_ERR(GB_OK, gb_overlay_flush(&o, t));
    GB_EXPECT(gb_overlay_prog_kept(&o, b, &kb) == NULL); /* (freed) */
    GB_EXPECT(gb_overlay_find(gb_overlay_prog_kept(&o, a, &ka), 4) == NULL);
    GB_EXPECT_ERR(GB_OK, gb_overlay_put_kept(&o, b, 5, page_of(8, 0x64, 0), 8,
                                             &old, &kb));
    GB_EXPECT(kb.p && kb.p == gb_overlay_prog(&o, b) && kb.p->n == 1);
    GB_EXPECT(gb_overlay_prog_kept(&o, b, &kb) == kb.p);

    /* the kept put takes its len as trimmed already (a journal's pages
     * are: it does not read the page's last bytes again); the plain put
     * trims */
    GB_EXPECT_ERR(GB_OK, gb_overlay_put_kept(&o, b, 6, page_of(40, 0x65, 8),
                                             40, &old, &kb));
    GB_EXPECT_U64(40, gb_overlay_find(kb.p, 6)->len);
    GB_EXPECT_ERR(GB_OK, gb_overlay_put(&o, b, 6, page_of(40, 0x66, 8), 40,
                                        &old));
    free(old);
    GB_EXPECT_U64(32, gb_overlay_find(kb.p, 6)->len);
    gb_db_abort(t);
    gb_overlay_free(&o);
    gb_db_close(db);
}

int main(void)
{
    GB_RUN(test_read_your_writes);
    GB_RUN(test_drop_and_bad_input);
    GB_RUN(test_flush_to_store);
    GB_RUN(test_kept);
    return gb_test_summary();
}
