/*
 * Held dispatches (chain/effects.h): gb_chain_held_take takes the
 * caller's payload buffer — the queue's window holds a journal's message
 * without copying it — only when the caller says it owns that very
 * buffer and it is not empty; otherwise it copies, as gb_chain_held_copy
 * does, and leaves the caller's buffer alone.  Either way the held record
 * points at the held payload and every other field is the source's.
 */
#include "test.h"

#include <stdlib.h>
#include <string.h>

#include "chain/effects.h"

static gb_db_dispatch dispatch_with(uint8_t *payload, uint32_t len)
{
    gb_db_dispatch x = {.origin = {{7}}, .reply_deposit = 11};
    x.d.kind = GB_DISPATCH_HANDLE;
    x.d.id.b[0] = 1;
    x.d.destination.b[0] = 2;
    x.d.gas_limit = 1000;
    x.d.payload = payload;
    x.d.payload_len = len;
    return x;
}

static uint8_t *bytes(uint32_t len, uint8_t fill)
{
    uint8_t *p = malloc(len);
    memset(p, fill, len);
    return p;
}

/* The held record: the source's fields, its payload the held one. */
static void expect_held(const gb_db_dispatch *src, const gb_held *h,
                        uint8_t fill)
{
    GB_EXPECT(h->x.d.payload == h->payload);
    GB_EXPECT_U64(src->d.payload_len, h->x.d.payload_len);
    GB_EXPECT(gb_id_eq(h->x.d.id, src->d.id));
    GB_EXPECT(gb_id_eq(h->x.d.destination, src->d.destination));
    GB_EXPECT(gb_id_eq(h->x.origin, src->origin));
    GB_EXPECT_U64(src->d.gas_limit, h->x.d.gas_limit);
    GB_EXPECT_U64(src->reply_deposit, h->x.reply_deposit);
    for (uint32_t i = 0; i < src->d.payload_len; i++)
        if (h->payload[i] != fill) {
            GB_EXPECT_U64(fill, h->payload[i]);
            break;
        }
}

/* Owned: taken, not copied; the caller's pointer is cleared, so that its
 * own free (a journal's) frees nothing twice. */
static void test_owned_payload_is_taken(void)
{
    uint8_t *buf = bytes(40, 0x5a);
    gb_db_dispatch x = dispatch_with(buf, 40);
    gb_held h = {0};
    GB_EXPECT_ERR(GB_OK, gb_chain_held_take(&x, &buf, &h));
    GB_EXPECT(buf == NULL);
    GB_EXPECT(h.payload == x.d.payload); /* the very buffer */
    expect_held(&x, &h, 0x5a);
    free(buf); /* (NULL) */
    gb_chain_held_free(&h);
    GB_EXPECT(h.payload == NULL);
}

/* Not owned (own NULL), another buffer, or empty: copied, the caller's
 * buffer left with the caller. */
static void test_otherwise_copied(void)
{
    uint8_t *buf = bytes(24, 0x33);
    gb_db_dispatch x = dispatch_with(buf, 24);
    gb_held h = {0};
    GB_EXPECT_ERR(GB_OK, gb_chain_held_take(&x, NULL, &h));
    GB_EXPECT(h.payload != buf);
    expect_held(&x, &h, 0x33);
    gb_chain_held_free(&h);

    uint8_t *other = bytes(24, 0x44);
    uint8_t *keep = other;
    GB_EXPECT_ERR(GB_OK, gb_chain_held_take(&x, &other, &h));
    GB_EXPECT(other == keep); /* (not x's payload: not taken) */
    GB_EXPECT(h.payload != buf && h.payload != other);
    expect_held(&x, &h, 0x33);
    gb_chain_held_free(&h);
    free(other);

    /* empty: a buffer of its own (a run reads x.d.payload + 0) */
    gb_db_dispatch e = dispatch_with(buf, 0);
    keep = buf;
    GB_EXPECT_ERR(GB_OK, gb_chain_held_take(&e, &buf, &h));
    GB_EXPECT(buf == keep);
    GB_EXPECT(h.payload != NULL && h.payload != buf);
    expect_held(&e, &h, 0);
    gb_chain_held_free(&h);

    uint8_t *none = NULL;
    gb_db_dispatch n = dispatch_with(NULL, 0);
    GB_EXPECT_ERR(GB_OK, gb_chain_held_take(&n, &none, &h));
    GB_EXPECT(h.payload != NULL);
    gb_chain_held_free(&h);
    free(buf);
}

int main(void)
{
    GB_RUN(test_owned_payload_is_taken);
    GB_RUN(test_otherwise_copied);
    return gb_test_summary();
}
