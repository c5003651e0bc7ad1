/*
 * The typed tables of the store: a round trip through every table, the
 * order in which the queue and the task pool iterate, cursors with a
 * prefix, META values, canonical forms (zero pages, empty accounts), and
 * the checks that refuse bad input and damaged records.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state/db.h"
#include "gear/ids.h"
#include "state/tables.h"
#include "test.h"
#include "db_fixture.h"

static gb_id id_of(uint8_t tag, uint32_t n)
{
    gb_id id;
    memset(id.b, tag, sizeof id.b);
    id.b[28] = (uint8_t)(n >> 24);
    id.b[29] = (uint8_t)(n >> 16);
    id.b[30] = (uint8_t)(n >> 8);
    id.b[31] = (uint8_t)n;
    return id;
}

static void fill_dispatch(gb_db_dispatch *x, uint32_t n, const uint8_t *pl,
                          uint32_t plen)
{
    memset(x, 0, sizeof *x);
    x->d.kind = (gb_dispatch_kind)(n % 4);
    x->d.id = id_of(0x11, n);
    x->d.source = id_of(0x22, n);
    x->d.destination = id_of(0x33, n);
    x->d.payload = pl;
    x->d.payload_len = plen;
    x->d.value = (gb_u128){0x0123456789abcdefull + n, 0xfedcba98ull};
    x->d.gas_limit = 1000000 + n;
    x->d.reply_to = id_of(0x44, n);
    memcpy(x->d.reply_code, "\x01\x02\x03\x04", 4);
    x->d.signal_from = id_of(0x55, n);
    x->d.signal_code = 7 + n;
    x->d.ctx.outgoing_nonce = 3 + n;
    x->d.ctx.replied = n & 1;
    x->d.ctx.reservation_nonce = 99 + n;
    x->expires_at = 500 + n;
    x->flags = 0xa5a5;
    x->origin = id_of(0x66, n);
    x->gas_node = id_of(0x77, n);
}

static int dispatch_eq(const gb_db_dispatch *a, const gb_db_dispatch *b)
{
    const gb_dispatch *x = &a->d, *y = &b->d;
    return x->kind == y->kind && gb_id_eq(x->id, y->id) &&
           gb_id_eq(x->source, y->source) &&
           gb_id_eq(x->destination, y->destination) &&
           x->payload_len == y->payload_len &&
           (!x->payload_len ||
            !memcmp(x->payload, y->payload, x->payload_len)) &&
           !gb_u128_cmp(x->value, y->value) && x->gas_limit == y->gas_limit &&
           gb_id_eq(x->reply_to, y->reply_to) &&
           !memcmp(x->reply_code, y->reply_code, 4) &&
           gb_id_eq(x->signal_from, y->signal_from) &&
           x->signal_code == y->signal_code &&
           x->ctx.outgoing_nonce == y->ctx.outgoing_nonce &&
           x->ctx.replied == y->ctx.replied &&
           x->ctx.reservation_nonce == y->ctx.reservation_nonce &&
           a->expires_at == b->expires_at && a->flags == b->flags &&
           gb_id_eq(a->origin, b->origin) &&
           gb_id_eq(a->gas_node, b->gas_node);
}

static void test_codes(void)
{
    gb_db *db = db_open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    uint8_t code[300];
    for (int i = 0; i < 300; i++)
        code[i] = (uint8_t)i;
    gb_id cid = gb_code_id(code, sizeof code);
    GB_EXPECT_ERR(GB_OK, gb_db_code_put(t, cid, code, sizeof code));
    gb_db_code_meta m = {true, 300, 17, 65536, 3, 5, 42}, m2;
    GB_EXPECT_ERR(GB_OK, gb_db_code_meta_put(t, cid, &m));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    gb_db_val v;
    GB_EXPECT_ERR(GB_OK, gb_db_code_get(t, cid, &v));
    GB_EXPECT_U64(300, v.len);
    GB_EXPECT(!memcmp(v.data, code, 300));
    GB_EXPECT_ERR(GB_OK, gb_db_code_meta_get(t, cid, &m2));
    GB_EXPECT(m2.has_stack_end && m2.code_len == 300 &&
              m2.static_pages == 17 && m2.stack_end == 65536 &&
              m2.entries == 3 && m2.schedule_version == 5 &&
              m2.uploaded_at == 42);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_code_get(t, id_of(9, 9), &v));
    /* writes are refused in a snapshot */
    GB_EXPECT_ERR(GB_INVAL, gb_db_code_put(t, cid, code, 1));
    gb_db_read_end(t);

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_code_del(t, cid));
    GB_EXPECT_ERR(GB_OK, gb_db_code_meta_del(t, cid));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_code_del(t, cid));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_code_meta_get(t, cid, &m2));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
}

static void test_programs(void)
{
    gb_db *db = db_open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    uint8_t bitmap[64];
    for (int i = 0; i < 64; i++)
        bitmap[i] = (uint8_t)(i * 37);
    bitmap[63] &= 0x0f; /* 508 bits */
    gb_db_program p = {
        .status = GB_PROGRAM_EXITED,
        .flags = GB_PROGRAM_F_WAITING_INIT,
        .code_id = id_of(1, 1),
        .init_message = id_of(2, 2),
        .inheritor = id_of(3, 3),
        .balance = {~0ull, 12345},
        .static_pages = 17,
        .stack_end = 65536,
        .created_at = 9,
        .alloc_pages = 508,
        .allocations = bitmap,
    },
                  q;
    GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, id_of(7, 7), &p));
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, id_of(7, 7), &q));
    GB_EXPECT_U64(GB_PROGRAM_EXITED, q.status);
    GB_EXPECT_U64(GB_PROGRAM_F_WAITING_INIT, q.flags);
    GB_EXPECT(gb_id_eq(q.code_id, p.code_id));
    GB_EXPECT(gb_id_eq(q.init_message, p.init_message));
    GB_EXPECT(gb_id_eq(q.inheritor, p.inheritor));
    GB_EXPECT(!gb_u128_cmp(q.balance, p.balance));
    GB_EXPECT_U64(17, q.static_pages);
    GB_EXPECT_U64(65536, q.stack_end);
    GB_EXPECT_U64(9, q.created_at);
    GB_EXPECT_U64(508, q.alloc_pages);
    GB_EXPECT(q.allocations && !memcmp(q.allocations, bitmap, 64));

    /* no allocations at all */
    p.alloc_pages = 0;
    p.allocations = NULL;
    p.status = GB_PROGRAM_ACTIVE;
    GB_EXPECT_ERR(GB_OK, gb_db_program_put(t, id_of(7, 8), &p));
    GB_EXPECT_ERR(GB_OK, gb_db_program_get(t, id_of(7, 8), &q));
    GB_EXPECT_U64(0, q.alloc_pages);
    GB_EXPECT(q.allocations == NULL);
    GB_EXPECT_U64(GB_PROGRAM_ACTIVE, q.status);

    /* refused: unknown status, bits past the end of the bitmap */
    p.status = (gb_program_status)9;
    GB_EXPECT_ERR(GB_INVAL, gb_db_program_put(t, id_of(7, 9), &p));
    p.status = GB_PROGRAM_ACTIVE;
    p.alloc_pages = 4;
    uint8_t bad = 0x10;
    p.allocations = &bad;
    GB_EXPECT_ERR(GB_INVAL, gb_db_program_put(t, id_of(7, 9), &p));

    /* a damaged record reads as GB_MALFORMED */
    gb_id pid = id_of(7, 10);
    GB_EXPECT_ERR(GB_OK,
                  gb_db_put(t, GB_TABLE_PROGRAMS, pid.b, 32, "\x02xyz", 4));
    GB_EXPECT_ERR(GB_MALFORMED, gb_db_program_get(t, pid, &q));
    GB_EXPECT_ERR(GB_OK, gb_db_program_del(t, pid));
    GB_EXPECT_ERR(GB_OK, gb_db_program_del(t, id_of(7, 7)));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_program_get(t, id_of(7, 7), &q));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
}

static void test_pages(void)
{
    gb_db *db = db_open_temp();
    gb_db_txn *t;
    static uint8_t page[GB_GEAR_PAGE_SIZE], zero[GB_GEAR_PAGE_SIZE];
    gb_id a = id_of(0xa, 1), b = id_of(0xa, 2);
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    /* written out of order: iteration is by page number */
    uint32_t order[] = {70000, 3, 256, 0, 1, 65536};
    for (int i = 0; i < 6; i++) {
        memset(page, 0, sizeof page);
        memcpy(page, &order[i], 4);
        page[GB_GEAR_PAGE_SIZE - 1] = 0x5a;
        GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, a, order[i], page, GB_GEAR_PAGE_SIZE));
        GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, b, order[i] + 1, page, GB_GEAR_PAGE_SIZE));
    }
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    const uint8_t *pg;
    uint32_t pglen = 0;
    GB_EXPECT_ERR(GB_OK, gb_db_page_get(t, a, 256, &pg, &pglen));
    GB_EXPECT_U64(GB_GEAR_PAGE_SIZE, pglen); /* its last byte is not zero */
    uint32_t w;
    memcpy(&w, pg, 4);
    GB_EXPECT_U64(256, w);
    GB_EXPECT_U64(0x5a, pg[GB_GEAR_PAGE_SIZE - 1]);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_page_get(t, a, 2, &pg, &pglen));
    gb_db_cursor *c;
    GB_EXPECT_ERR(GB_OK,
                  gb_db_cursor_open(t, GB_TABLE_PAGES, a.b, 32, NULL, 0, &c));
    uint32_t want[] = {0, 1, 3, 256, 65536, 70000}, n = 0;
    gb_db_val k, v;
    while (gb_db_cursor_next(c, &k, &v) == GB_OK) {
        gb_id owner;
        uint32_t pno;
        GB_EXPECT_ERR(GB_OK, gb_db_page_key_decode(k, &owner, &pno));
        GB_EXPECT(gb_id_eq(owner, a));
        if (n < 6)
            GB_EXPECT_U64(want[n], pno);
        n++;
    }
    GB_EXPECT_U64(6, n);
    gb_db_cursor_close(c);
    /* a start key inside the prefix */
    uint8_t sk[36];
    gb_db_page_key(a, 4, sk);
    GB_EXPECT_ERR(GB_OK, gb_db_cursor_open(t, GB_TABLE_PAGES, a.b, 32, sk,
                                           36, &c));
    GB_EXPECT_ERR(GB_OK, gb_db_cursor_next(c, &k, &v));
    uint32_t pno = 0;
    gb_db_page_key_decode(k, NULL, &pno);
    GB_EXPECT_U64(256, pno);
    gb_db_cursor_close(c);
    gb_db_read_end(t);

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    /* writing zeros removes the page */
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, a, 3, zero, GB_GEAR_PAGE_SIZE));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_page_get(t, a, 3, &pg, &pglen));
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, a, 12345, zero, GB_GEAR_PAGE_SIZE));
    uint64_t cnt = 0;
    GB_EXPECT_ERR(GB_OK, gb_db_pages_clear(t, a, &cnt));
    GB_EXPECT_U64(5, cnt);
    GB_EXPECT_ERR(GB_OK, gb_db_count(t, GB_TABLE_PAGES, &cnt));
    GB_EXPECT_U64(6, cnt); /* b's pages stay */
    GB_EXPECT_ERR(GB_OK, gb_db_page_get(t, b, 1, &pg, &pglen));

    /* stored trimmed: the zeros at the end are not kept, so a page written
     * whole and the same page written short are one entry, one root */
    memset(page, 0, sizeof page);
    page[0] = 7;
    page[99] = 9;
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, a, 40, page, GB_GEAR_PAGE_SIZE));
    GB_EXPECT_ERR(GB_OK, gb_db_page_get(t, a, 40, &pg, &pglen));
    GB_EXPECT_U64(100, pglen);
    GB_EXPECT_U64(9, pg[99]);
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, a, 41, page, 300));
    GB_EXPECT_ERR(GB_OK, gb_db_page_get(t, a, 41, &pg, &pglen));
    GB_EXPECT_U64(100, pglen);
    GB_EXPECT_ERR(GB_INVAL,
                  gb_db_page_put(t, a, 42, page, GB_GEAR_PAGE_SIZE + 1));
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, a, 42, NULL, 0)); /* all zero */
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_page_get(t, a, 42, &pg, &pglen));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
}

static void test_queue_order(void)
{
    gb_db *db = db_open_temp();
    gb_db_txn *t;
    uint8_t payload[1000];
    for (int i = 0; i < 1000; i++)
        payload[i] = (uint8_t)(i ^ 0x3c);
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    /* 300 crosses a byte boundary of the sequence: big-endian keys keep
     * numeric order */
    for (uint32_t i = 0; i < 300; i++) {
        gb_db_dispatch x;
        fill_dispatch(&x, i, payload, i % 7 == 0 ? 0 : i * 3 % 1000);
        uint64_t seq = 99;
        GB_EXPECT_ERR(GB_OK, gb_db_queue_push(t, &x, &seq));
        GB_EXPECT_U64(i, seq);
    }
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    for (uint32_t i = 0; i < 300; i++) {
        uint64_t seq;
        gb_db_dispatch x, want;
        fill_dispatch(&want, i, payload, i % 7 == 0 ? 0 : i * 3 % 1000);
        GB_EXPECT_ERR(GB_OK, gb_db_queue_first(t, &seq, &x));
        GB_EXPECT_U64(i, seq);
        GB_EXPECT(dispatch_eq(&x, &want));
        if (i == 150) {
            GB_EXPECT_ERR(GB_OK, gb_db_queue_get(t, 299, &x));
            fill_dispatch(&want, 299, payload, 299 * 3 % 1000);
            GB_EXPECT(dispatch_eq(&x, &want));
        }
        GB_EXPECT_ERR(GB_OK, gb_db_queue_del(t, seq));
    }
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_queue_first(t, NULL, NULL));
    /* the sequence keeps counting after the queue empties */
    gb_db_dispatch x;
    uint64_t seq;
    fill_dispatch(&x, 1, NULL, 0);
    GB_EXPECT_ERR(GB_OK, gb_db_queue_push(t, &x, &seq));
    GB_EXPECT_U64(300, seq);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
}

static void test_waitlist_mailbox_stash(void)
{
    gb_db *db = db_open_temp();
    gb_db_txn *t;
    uint8_t payload[40] = "hello, waitlist";
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_id prog = id_of(0xb0, 1), user = id_of(0xc0, 1);
    for (uint32_t i = 0; i < 10; i++) {
        gb_db_dispatch x;
        fill_dispatch(&x, i, payload, sizeof payload);
        GB_EXPECT_ERR(GB_OK, gb_db_waitlist_put(t, prog, x.d.id, &x));
        GB_EXPECT_ERR(GB_OK, gb_db_mailbox_put(t, user, x.d.id, &x));
        GB_EXPECT_ERR(GB_OK, gb_db_stash_put(t, x.d.id, &x));
    }
    /* another program's entry, outside the prefix */
    gb_db_dispatch other;
    fill_dispatch(&other, 77, NULL, 0);
    GB_EXPECT_ERR(GB_OK,
                  gb_db_waitlist_put(t, id_of(0xb0, 2), other.d.id, &other));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    for (uint32_t i = 0; i < 10; i++) {
        gb_db_dispatch want, got;
        fill_dispatch(&want, i, payload, sizeof payload);
        GB_EXPECT_ERR(GB_OK, gb_db_waitlist_get(t, prog, want.d.id, &got));
        GB_EXPECT(dispatch_eq(&want, &got));
        GB_EXPECT_ERR(GB_OK, gb_db_mailbox_get(t, user, want.d.id, &got));
        GB_EXPECT(dispatch_eq(&want, &got));
        GB_EXPECT_ERR(GB_OK, gb_db_stash_get(t, want.d.id, &got));
        GB_EXPECT(dispatch_eq(&want, &got));
    }
    gb_db_cursor *c;
    gb_db_val k, v;
    int n = 0;
    GB_EXPECT_ERR(GB_OK, gb_db_cursor_open(t, GB_TABLE_WAITLIST, prog.b, 32,
                                           NULL, 0, &c));
    while (gb_db_cursor_next(c, &k, &v) == GB_OK) {
        gb_id owner, mid;
        gb_db_dispatch x;
        GB_EXPECT_ERR(GB_OK, gb_db_key2_decode(k, &owner, &mid));
        GB_EXPECT(gb_id_eq(owner, prog));
        GB_EXPECT_ERR(GB_OK, gb_db_dispatch_decode(v.data, v.len, &x));
        GB_EXPECT(gb_id_eq(mid, x.d.id));
        n++;
    }
    GB_EXPECT_U64(10, n);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_cursor_next(c, &k, &v));
    gb_db_cursor_close(c);
    gb_db_read_end(t);

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_db_dispatch x;
    fill_dispatch(&x, 3, payload, sizeof payload);
    GB_EXPECT_ERR(GB_OK, gb_db_waitlist_del(t, prog, x.d.id));
    GB_EXPECT_ERR(GB_OK, gb_db_mailbox_del(t, user, x.d.id));
    GB_EXPECT_ERR(GB_OK, gb_db_stash_del(t, x.d.id));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_waitlist_get(t, prog, x.d.id, &x));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_waitlist_del(t, prog, x.d.id));
    /* a bad kind is refused; a damaged record is reported */
    x.d.kind = (gb_dispatch_kind)42;
    GB_EXPECT_ERR(GB_INVAL, gb_db_stash_put(t, x.d.id, &x));
    uint8_t *rec;
    size_t len;
    fill_dispatch(&x, 3, payload, sizeof payload);
    GB_EXPECT_ERR(GB_OK, gb_db_dispatch_encode(&x, &rec, &len));
    /* every optional field but the two zero ones (system reservation,
     * reply deposit: 16 bytes) */
    GB_EXPECT_U64(GB_DB_DISPATCH_FIXED_MAX - 16 + sizeof payload, len);
    GB_EXPECT_ERR(GB_MALFORMED, gb_db_dispatch_decode(rec, len - 1, &x));
    rec[0] = 3; /* an unknown version */
    GB_EXPECT_ERR(GB_MALFORMED, gb_db_dispatch_decode(rec, len, &x));
    rec[0] = 2;
    rec[4] |= 0x40; /* a 15th optional field */
    GB_EXPECT_ERR(GB_MALFORMED, gb_db_dispatch_decode(rec, len, &x));
    free(rec);
    /* version 1 (fixed offsets, as a data directory of before holds)
     * is still read */
    {
        uint8_t v1[300 + 3] = {1, GB_DISPATCH_REPLY, 1, 0};
        gb_db_dispatch old;
        v1[4] = 0x05;                           /* flags */
        memcpy(v1 + 12, id_of(0x11, 9).b, 32);  /* id */
        v1[156] = 42;                           /* gas_limit */
        memcpy(v1 + 164, id_of(0x44, 9).b, 32); /* reply_to */
        memcpy(v1 + 264, id_of(0x77, 9).b, 32); /* gas_node */
        v1[296] = 3;                            /* payload_len */
        memcpy(v1 + 300, "abc", 3);
        GB_EXPECT_ERR(GB_OK, gb_db_dispatch_decode(v1, sizeof v1, &old));
        GB_EXPECT_U64(GB_DISPATCH_REPLY, old.d.kind);
        GB_EXPECT_U64(1, old.d.ctx.replied);
        GB_EXPECT_U64(5, old.flags);
        GB_EXPECT_U64(42, old.d.gas_limit);
        GB_EXPECT(gb_id_eq(old.d.id, id_of(0x11, 9)));
        GB_EXPECT(gb_id_eq(old.d.reply_to, id_of(0x44, 9)));
        GB_EXPECT(gb_id_eq(old.gas_node, id_of(0x77, 9)));
        GB_EXPECT_U64(3, old.d.payload_len);
        GB_EXPECT(!memcmp(old.d.payload, "abc", 3));
        GB_EXPECT_ERR(GB_MALFORMED,
                      gb_db_dispatch_decode(v1, sizeof v1 - 1, &old));
    }
    /* zero fields take no room; a short record is refused */
    gb_db_dispatch bare = {.d = {.kind = GB_DISPATCH_HANDLE,
                                 .id = id_of(0x11, 1),
                                 .payload = payload, .payload_len = 3}},
                   back;
    GB_EXPECT_ERR(GB_OK, gb_db_dispatch_encode(&bare, &rec, &len));
    GB_EXPECT_U64(GB_DB_DISPATCH_MIN_LEN + 3, len);
    GB_EXPECT_ERR(GB_OK, gb_db_dispatch_decode(rec, len, &back));
    GB_EXPECT(dispatch_eq(&bare, &back));
    bare.d.gas_limit = 5;
    free(rec);
    GB_EXPECT_ERR(GB_OK, gb_db_dispatch_encode(&bare, &rec, &len));
    GB_EXPECT_U64(GB_DB_DISPATCH_MIN_LEN + 8 + 3, len);
    GB_EXPECT_ERR(GB_OK, gb_db_dispatch_decode(rec, len, &back));
    GB_EXPECT(dispatch_eq(&bare, &back));
    GB_EXPECT_ERR(GB_MALFORMED,
                  gb_db_dispatch_decode(rec, GB_DB_DISPATCH_MIN_LEN + 7,
                                        &back));
    free(rec);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
}

static void test_tasks_order(void)
{
    gb_db *db = db_open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    /* blocks out of order, several tasks per block */
    uint32_t blocks[] = {300, 5, 256, 5, 1, 70000, 256, 5};
    for (int i = 0; i < 8; i++) {
        gb_db_task tk = {.kind = (uint8_t)(1 + i % 6), .a = id_of(1, i),
                         .b = id_of(2, i), .arg = (uint64_t)i << 40};
        uint64_t seq;
        GB_EXPECT_ERR(GB_OK, gb_db_task_add(t, blocks[i], &tk, &seq));
        GB_EXPECT_U64(i, seq);
    }
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    /* want (block, insertion index) in order */
    uint32_t wb[] = {1, 5, 5, 5, 256, 256, 300, 70000};
    uint32_t wi[] = {4, 1, 3, 7, 2, 6, 0, 5};
    uint32_t blk;
    uint64_t seq;
    gb_db_task tk;
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_task_first(t, 0, &blk, &seq, &tk));
    for (int i = 0; i < 8; i++) {
        uint32_t up_to = i < 6 ? 300 : 100000;
        GB_EXPECT_ERR(GB_OK, gb_db_task_first(t, up_to, &blk, &seq, &tk));
        GB_EXPECT_U64(wb[i], blk);
        GB_EXPECT_U64(wi[i], seq);
        GB_EXPECT_U64(1 + wi[i] % 6, tk.kind);
        GB_EXPECT(gb_id_eq(tk.a, id_of(1, wi[i])));
        GB_EXPECT(gb_id_eq(tk.b, id_of(2, wi[i])));
        GB_EXPECT_U64((uint64_t)wi[i] << 40, tk.arg);
        gb_db_task tk2;
        GB_EXPECT_ERR(GB_OK, gb_db_task_get(t, blk, seq, &tk2));
        GB_EXPECT_U64(tk.arg, tk2.arg);
        GB_EXPECT_ERR(GB_OK, gb_db_task_del(t, blk, seq));
        if (i == 5) /* only 300 and 70000 left */
            GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_task_first(t, 299, NULL, NULL,
                                                         NULL));
    }
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_task_first(t, UINT32_MAX, NULL, NULL,
                                                 NULL));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
}

static void test_reservations_accounts(void)
{
    gb_db *db = db_open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_db_reservation r = {123456789012ull, 10, 20, {{0}}}, r2;
    GB_EXPECT_ERR(GB_OK,
                  gb_db_reservation_put(t, id_of(1, 1), id_of(2, 2), &r));
    GB_EXPECT_ERR(GB_OK,
                  gb_db_reservation_get(t, id_of(1, 1), id_of(2, 2), &r2));
    GB_EXPECT_U64(r.amount, r2.amount);
    GB_EXPECT_U64(10, r2.start);
    GB_EXPECT_U64(20, r2.expires_at);
    GB_EXPECT_ERR(GB_NOT_FOUND,
                  gb_db_reservation_get(t, id_of(1, 1), id_of(2, 3), &r2));
    GB_EXPECT_ERR(GB_OK, gb_db_reservation_del(t, id_of(1, 1), id_of(2, 2)));

    gb_db_account a = {{5, 1ull << 63}, 77}, b;
    GB_EXPECT_ERR(GB_OK, gb_db_account_put(t, id_of(3, 3), &a));
    GB_EXPECT_ERR(GB_OK, gb_db_account_get(t, id_of(3, 3), &b));
    GB_EXPECT(!gb_u128_cmp(a.balance, b.balance));
    GB_EXPECT_U64(77, b.nonce);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_account_get(t, id_of(3, 4), &b));
    GB_EXPECT(gb_u128_is_zero(b.balance) && b.nonce == 0);
    /* an empty account is not stored */
    uint8_t before[32], after[32];
    gb_db_state_root(t, before);
    gb_db_account z = {{0, 0}, 0};
    GB_EXPECT_ERR(GB_OK, gb_db_account_put(t, id_of(3, 5), &z));
    gb_db_state_root(t, after);
    GB_EXPECT(!memcmp(before, after, 32));
    GB_EXPECT_ERR(GB_OK, gb_db_account_put(t, id_of(3, 3), &z));
    uint64_t n;
    GB_EXPECT_ERR(GB_OK, gb_db_count(t, GB_TABLE_ACCOUNTS, &n));
    GB_EXPECT_U64(0, n);
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
}

/* A node of the gas tree round-trips; a record of another length or
 * version is refused. */
static void test_gas_nodes(void)
{
    gb_db *db = db_open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_db_gas_node n = {.consumed = true, .value = 0x0123456789abcdefull,
                        .parent = id_of(4, 1), .origin = id_of(5, 1),
                        .spec_refs = 3, .unspec_refs = 0x10002};
    gb_db_gas_node m;
    GB_EXPECT_ERR(GB_OK, gb_db_gas_node_put(t, id_of(6, 1), &n));
    GB_EXPECT_ERR(GB_OK, gb_db_gas_node_get(t, id_of(6, 1), &m));
    GB_EXPECT(m.consumed);
    GB_EXPECT_U64(n.value, m.value);
    GB_EXPECT(gb_id_eq(n.parent, m.parent) && gb_id_eq(n.origin, m.origin));
    GB_EXPECT_U64(3, m.spec_refs);
    GB_EXPECT_U64(0x10002, m.unspec_refs);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_gas_node_get(t, id_of(6, 2), &m));
    gb_id bad = id_of(6, 3);
    GB_EXPECT_ERR(GB_OK, gb_db_put(t, GB_TABLE_GAS, bad.b, 32,
                                   (const uint8_t *)"\x01\x00", 2));
    GB_EXPECT_ERR(GB_MALFORMED, gb_db_gas_node_get(t, bad, &m));
    GB_EXPECT_ERR(GB_OK, gb_db_gas_node_del(t, id_of(6, 1)));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_gas_node_get(t, id_of(6, 1), &m));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
}

static void test_meta_and_blocks(void)
{
    gb_db *db = db_open_temp();
    gb_db_txn *t;
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    uint64_t v = 1;
    GB_EXPECT_ERR(GB_OK, gb_db_meta_get_u64(t, "issuance", 42, &v));
    GB_EXPECT_U64(42, v);
    GB_EXPECT_ERR(GB_OK, gb_db_meta_put_u64(t, "issuance", 1ull << 60));
    GB_EXPECT_ERR(GB_OK, gb_db_meta_get_u64(t, "issuance", 0, &v));
    GB_EXPECT_U64(1ull << 60, v);
    GB_EXPECT_ERR(GB_OK, gb_db_meta_put(t, "blob", "abc", 3));
    GB_EXPECT_ERR(GB_MALFORMED, gb_db_meta_get_u64(t, "blob", 0, &v));
    /* internal names and the blocks table are not for callers */
    GB_EXPECT_ERR(GB_INVAL, gb_db_meta_put_u64(t, "_head", 1));
    GB_EXPECT_ERR(GB_INVAL, gb_db_put(t, GB_TABLE_META, "_x", 2, "y", 1));
    GB_EXPECT_ERR(GB_INVAL, gb_db_put(t, GB_TABLE_BLOCKS, "abcd", 4, "y", 1));
    GB_EXPECT_ERR(GB_INVAL, gb_db_put(t, GB_TABLE_COUNT_, "a", 1, "y", 1));
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_head(t, NULL, NULL));

    gb_block_header h = {.height = 0, .timestamp = 1000, .gas_used = 5,
                         .dispatches = 2};
    memset(h.input_hash, 0xee, 32);
    uint8_t hash0[32], root[32];
    GB_EXPECT_ERR(GB_OK, gb_db_seal_block(t, &h, hash0));
    gb_db_state_root(t, root);
    GB_EXPECT(!memcmp(root, h.state_root, 32));
    /* sealed: no more writes, no second seal */
    GB_EXPECT_ERR(GB_INVAL, gb_db_meta_put_u64(t, "issuance", 3));
    GB_EXPECT_ERR(GB_INVAL, gb_db_seal_block(t, &h, NULL));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    uint32_t head;
    uint8_t hh[32];
    GB_EXPECT_ERR(GB_OK, gb_db_head(t, &head, hh));
    GB_EXPECT_U64(0, head);
    GB_EXPECT(!memcmp(hh, hash0, 32));
    gb_block_header g, h1 = {.height = 2, .timestamp = 2000};
    GB_EXPECT_ERR(GB_OK, gb_db_block_get(t, 0, &g));
    GB_EXPECT_U64(1000, g.timestamp);
    GB_EXPECT_U64(5, g.gas_used);
    GB_EXPECT_U64(2, g.dispatches);
    GB_EXPECT(!memcmp(g.input_hash, h.input_hash, 32));
    uint8_t gh[32];
    gb_block_header_hash(&g, gh);
    GB_EXPECT(!memcmp(gh, hash0, 32));
    /* must extend the head: height + 1 and the head's hash as parent */
    GB_EXPECT_ERR(GB_INVAL, gb_db_seal_block(t, &h1, NULL));
    h1.height = 1;
    GB_EXPECT_ERR(GB_INVAL, gb_db_seal_block(t, &h1, NULL));
    memcpy(h1.parent_hash, hash0, 32);
    GB_EXPECT_ERR(GB_OK, gb_db_seal_block(t, &h1, NULL));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_head(t, &head, NULL));
    GB_EXPECT_U64(1, head);
    GB_EXPECT_ERR(GB_NOT_FOUND, gb_db_block_get(t, 2, &g));
    uint8_t enc[GB_BLOCK_HEADER_LEN];
    gb_block_header_encode(&h1, enc);
    GB_EXPECT_ERR(GB_MALFORMED, gb_block_header_decode(enc, 120, &g));
    gb_db_read_end(t);
    gb_db_close(db);
}

static void test_open_errors(void)
{
    gb_db *db = NULL;
    char msg[256] = "";
    GB_EXPECT_ERR(GB_IO, gb_db_open("/proc/gearbox-no-such/x", NULL, &db, msg,
                                    sizeof msg));
    GB_EXPECT_STR_CONTAINS(msg, "/proc/gearbox-no-such/x");
    GB_EXPECT(db == NULL);
    /* the in-memory mode opens and removes its directory */
    gb_db_opts o = {.flags = GB_DB_IN_MEMORY};
    GB_EXPECT_ERR(GB_OK, gb_db_open(NULL, &o, &db, msg, sizeof msg));
    char path[512];
    snprintf(path, sizeof path, "%s", gb_db_path(db));
    gb_db_close(db);
    FILE *f = fopen(path, "r");
    GB_EXPECT(f == NULL);
    if (f)
        fclose(f);
    GB_EXPECT(strcmp(gb_db_table_name(GB_TABLE_QUEUE), "queue") == 0);
    GB_EXPECT(gb_db_table_name(GB_TABLE_COUNT_) == NULL);
}

/* A full map: the write fails with GB_STORE_FULL, the transaction stays
 * failed and its commit changes nothing; a larger map on reopening gives
 * room. */
static void test_map_full(void)
{
    char dir[] = "/tmp/gb-state-full-XXXXXX";
    if (!mkdtemp(dir)) {
        GB_EXPECT(!"mkdtemp");
        return;
    }
    gb_db *db = NULL;
    gb_db_opts o = {.map_size = 1 << 20, .flags = GB_DB_NOSYNC};
    GB_EXPECT_ERR(GB_OK, gb_db_open(dir, &o, &db, NULL, 0));
    gb_db_txn *t;
    static uint8_t page[GB_GEAR_PAGE_SIZE];
    memset(page, 1, sizeof page);
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, id_of(1, 1), 0, page, GB_GEAR_PAGE_SIZE));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));

    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    gb_err err = GB_OK;
    uint32_t n = 1;
    for (; n < 1000 && !err; n++)
        err = gb_db_page_put(t, id_of(1, 1), n, page, GB_GEAR_PAGE_SIZE);
    GB_EXPECT_ERR(GB_STORE_FULL, err);
    const uint8_t *pg;
    uint32_t pglen;
    GB_EXPECT_ERR(GB_STORE_FULL, gb_db_page_get(t, id_of(1, 1), 0, &pg, &pglen));
    GB_EXPECT_ERR(GB_STORE_FULL, gb_db_account_put(
                                      t, id_of(2, 2),
                                      &(gb_db_account){{1, 0}, 0}));
    GB_EXPECT_ERR(GB_STORE_FULL, gb_db_commit(t));
    GB_EXPECT_ERR(GB_OK, gb_db_read_begin(db, &t));
    uint64_t cnt;
    GB_EXPECT_ERR(GB_OK, gb_db_count(t, GB_TABLE_PAGES, &cnt));
    GB_EXPECT_U64(1, cnt);
    uint8_t a[32], b[32];
    gb_db_state_root(t, a);
    GB_EXPECT_ERR(GB_OK, gb_db_state_root_recompute(t, b));
    GB_EXPECT(!memcmp(a, b, 32));
    gb_db_read_end(t);
    gb_db_close(db);

    o.map_size = 64 << 20;
    GB_EXPECT_ERR(GB_OK, gb_db_open(dir, &o, &db, NULL, 0));
    GB_EXPECT_ERR(GB_OK, gb_db_begin(db, &t));
    for (uint32_t i = 1; i < n + 10; i++)
        GB_EXPECT_ERR(GB_OK, gb_db_page_put(t, id_of(1, 1), i, page, GB_GEAR_PAGE_SIZE));
    GB_EXPECT_ERR(GB_OK, gb_db_commit(t));
    gb_db_close(db);
    char f[64];
    snprintf(f, sizeof f, "%s/data.mdb", dir);
    unlink(f);
    snprintf(f, sizeof f, "%s/lock.mdb", dir);
    unlink(f);
    rmdir(dir);
}

int main(void)
{
    GB_RUN(test_codes);
    GB_RUN(test_programs);
    GB_RUN(test_pages);
    GB_RUN(test_queue_order);
    GB_RUN(test_waitlist_mailbox_stash);
    GB_RUN(test_tasks_order);
    GB_RUN(test_reservations_accounts);
    GB_RUN(test_gas_nodes);
    GB_RUN(test_meta_and_blocks);
    GB_RUN(test_open_errors);
    GB_RUN(test_map_full);
    return gb_test_summary();
}
