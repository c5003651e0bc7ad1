/*
 * The explorer's memory of recent blocks (node/explore.h), on block
 * results made by hand: a user's message M to a proxy P waits after
 * sending C to Q; Q's reply to C wakes M in the next block, and M's reply
 * goes to the user.  The tree of any of them is the same four messages
 * with the right parents, across the two blocks; a program's messages are
 * listed newest first; the ring forgets the oldest blocks at its bounds.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "gear/ids.h"
#include "node/explore.h"

static gb_id id_of(uint8_t b)
{
    gb_id id;
    memset(id.b, b, sizeof id.b);
    return id;
}

static gb_event ev(gb_event_kind k, gb_id id, gb_id src, gb_id dst)
{
    return (gb_event){.kind = k, .id = id, .source = src, .destination = dst};
}

static const char *parent_of(json_t *tree, gb_id id)
{
    char hex[67];
    gb_id_to_hex(id, hex);
    json_t *n;
    size_t i;
    json_array_foreach(json_object_get(tree, "nodes"), i, n)
        if (!strcmp(json_string_value(json_object_get(n, "id")), hex)) {
            json_t *p = json_object_get(n, "parent");
            return json_is_string(p) ? json_string_value(p) : "null";
        }
    return "absent";
}

static bool is_hex_of(const char *s, gb_id id)
{
    char hex[67];
    gb_id_to_hex(id, hex);
    return !strcmp(s, hex);
}

static void test_tree_across_blocks(void)
{
    gb_explore *x;
    GB_EXPECT_ERR(GB_OK, gb_explore_new(4, 0, &x));
    gb_id user = id_of(0xaa), p = id_of(0xbb), q = id_of(0xcc);
    gb_id m = id_of(0x11), c = gb_message_id_outgoing(m, 0);
    gb_id rc = gb_message_id_reply(c), rm = gb_message_id_reply(m);

    gb_event b1[3] = {ev(GB_EV_MESSAGE_QUEUED, m, user, p),
                      ev(GB_EV_DISPATCHED, m, user, p),
                      ev(GB_EV_WAITED, m, user, p)};
    uint8_t ping[4] = {'P', 'I', 'N', 'G'};
    b1[0].payload = ping;
    b1[0].payload_len = 4;
    b1[1].outcome = GB_OUTCOME_WAIT;
    b1[1].gas_burned = 100;
    b1[1].sent = &c;
    b1[1].nsent = 1;
    gb_block_result r1 = {.height = 1, .events = b1, .nevents = 3};
    GB_EXPECT_ERR(GB_OK, gb_explore_note_block(x, &r1));

    gb_event b2[5] = {ev(GB_EV_DISPATCHED, c, p, q),
                      ev(GB_EV_DISPATCHED, rc, q, p),
                      ev(GB_EV_WOKEN, m, user, p),
                      ev(GB_EV_DISPATCHED, m, user, p),
                      ev(GB_EV_USER_MESSAGE, rm, p, user)};
    b2[3].gas_burned = 50;
    b2[4].is_reply = true;
    b2[4].reply_to = m;
    uint8_t pong[4] = {'P', 'O', 'N', 'G'};
    b2[4].payload = pong;
    b2[4].payload_len = 4;
    gb_block_result r2 = {.height = 2, .events = b2, .nevents = 5};
    GB_EXPECT_ERR(GB_OK, gb_explore_note_block(x, &r2));

    gb_id all[4] = {m, c, rc, rm};
    for (int i = 0; i < 4; i++) {
        json_t *t = gb_explore_tree(x, all[i], 100);
        GB_EXPECT(t != NULL);
        GB_EXPECT(json_is_true(json_object_get(t, "found")));
        GB_EXPECT(is_hex_of(json_string_value(json_object_get(t, "root")), m));
        GB_EXPECT_U64(4, json_array_size(json_object_get(t, "nodes")));
        GB_EXPECT(!strcmp(parent_of(t, m), "null"));
        GB_EXPECT(is_hex_of(parent_of(t, c), m));
        GB_EXPECT(is_hex_of(parent_of(t, rc), c));
        GB_EXPECT(is_hex_of(parent_of(t, rm), m));
        json_t *root = json_array_get(json_object_get(t, "nodes"), 0);
        GB_EXPECT_U64(2, json_integer_value(json_object_get(root, "runs")));
        GB_EXPECT_U64(150,
                      json_integer_value(json_object_get(root, "gasBurned")));
        GB_EXPECT(!strcmp(json_string_value(json_object_get(root, "payload")),
                          "0x50494e47"));
        json_decref(t);
    }
    /* the messages of q: c and the reply to it, newest first */
    json_t *ms = gb_explore_messages_of(x, q, 10);
    json_t *a = json_object_get(ms, "messages");
    GB_EXPECT_U64(2, json_array_size(a));
    GB_EXPECT(is_hex_of(
        json_string_value(json_object_get(json_array_get(a, 0), "id")), rc));
    json_decref(ms);
    /* a tree capped at 2 nodes says so */
    json_t *t = gb_explore_tree(x, m, 2);
    GB_EXPECT_U64(2, json_array_size(json_object_get(t, "nodes")));
    GB_EXPECT(json_is_true(json_object_get(t, "truncated")));
    json_decref(t);

    /* four more blocks: blocks 1 and 2 are forgotten */
    for (uint32_t h = 3; h <= 6; h++) {
        gb_block_result e = {.height = h};
        GB_EXPECT_ERR(GB_OK, gb_explore_note_block(x, &e));
    }
    GB_EXPECT_U64(3, gb_explore_oldest(x));
    t = gb_explore_tree(x, m, 100);
    GB_EXPECT(json_is_false(json_object_get(t, "found")));
    GB_EXPECT_U64(0, json_array_size(json_object_get(t, "nodes")));
    json_decref(t);
    json_t *bl = gb_explore_blocks(x, 2);
    GB_EXPECT_U64(2, json_array_size(bl));
    GB_EXPECT_U64(6, json_integer_value(
                         json_object_get(json_array_get(bl, 0), "height")));
    json_decref(bl);
    gb_explore_free(x);
}

/* The event bound: a block is dropped whole when the next needs room. */
static void test_event_bound(void)
{
    gb_explore *x;
    GB_EXPECT_ERR(GB_OK, gb_explore_new(100, 5, &x));
    gb_event evs[4];
    for (int i = 0; i < 4; i++)
        evs[i] = ev(GB_EV_DISPATCHED, id_of((uint8_t)(i + 1)), id_of(0xaa),
                    id_of(0xbb));
    gb_block_result r = {.height = 1, .events = evs, .nevents = 4};
    GB_EXPECT_ERR(GB_OK, gb_explore_note_block(x, &r));
    r.height = 2;
    GB_EXPECT_ERR(GB_OK, gb_explore_note_block(x, &r));
    GB_EXPECT_U64(2, gb_explore_oldest(x));
    gb_event many[7];
    for (int i = 0; i < 7; i++)
        many[i] = evs[i % 4];
    gb_block_result big = {.height = 3, .events = many, .nevents = 7};
    GB_EXPECT_ERR(GB_OK, gb_explore_note_block(x, &big));
    json_t *bl = gb_explore_blocks(x, 10);
    GB_EXPECT_U64(1, json_array_size(bl));
    GB_EXPECT(json_is_true(
        json_object_get(json_array_get(bl, 0), "truncated")));
    json_decref(bl);
    gb_explore_free(x);
}

int main(void)
{
    GB_RUN(test_tree_across_blocks);
    GB_RUN(test_event_bound);
    return gb_test_summary();
}
