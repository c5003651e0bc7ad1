/*
 * What the node remembers of recent blocks for its explorer: a ring of
 * the last cfg blocks' events, compact (payloads cut to
 * GB_EXPLORE_PAYLOAD bytes), bounded in blocks and in events (the oldest
 * blocks leave first; one block with more events than the bound keeps
 * its first ones and is marked truncated).  From it, on request, the
 * messages of a program and a message's causal tree: which message's run
 * sent which (the DISPATCHED event lists what a run sent, chain.h), and
 * which message a reply answers (a reply's id is
 * gb_message_id_reply(the message)), across programs and blocks, as far
 * back as the ring goes.
 *
 * Used on the serving thread only, like the dispatcher that owns it
 * (rpc_blocks.c feeds it every block through gb_rpc_note_block).
 */
#ifndef GB_NODE_EXPLORE_H
#define GB_NODE_EXPLORE_H

#include <jansson.h>
#include <stdint.h>

#include "chain/chain.h"
#include "gearbox/err.h"

#define GB_EXPLORE_PAYLOAD 256u

typedef struct gb_explore gb_explore;

/* max_blocks, max_events: 0 for the defaults (256 blocks, 50000 events). */
gb_err gb_explore_new(uint32_t max_blocks, uint32_t max_events,
                      gb_explore **out);
void gb_explore_free(gb_explore *x); /* NULL is a no-op */

/* Remember block b (only read).  GB_NOMEM: the block is not kept. */
gb_err gb_explore_note_block(gb_explore *x, const gb_block_result *b);

/* The functions below return new JSON (NULL when out of memory). */

/* The last `limit` blocks kept, newest first: [{height, hash, timestamp,
 * dispatched, gasUsed, queuedLeft, events, truncated}]. */
json_t *gb_explore_blocks(const gb_explore *x, uint32_t limit);

/* The last `limit` messages to or from program (or user) id, newest
 * first: {messages: [message], oldest}; message as in the tree below. */
json_t *gb_explore_messages_of(const gb_explore *x, gb_id id, uint32_t limit);

/* The causal tree that message id is part of: {root, found, oldest,
 * truncated, nodes: [{id, parent (or null), source, destination, kind
 * ("message", "reply"), fromUser, toUser, height, lastHeight, runs,
 * outcome, gasBurned, waited, woken, value, replyTo, replyCode,
 * replyCodeText, payload, payloadLen}]}, at most max_nodes nodes, root
 * first, each after its parent.  found is false when id is not in the
 * ring (nodes is then empty). */
json_t *gb_explore_tree(const gb_explore *x, gb_id id, uint32_t max_nodes);

/* The oldest height kept (0 when none). */
uint32_t gb_explore_oldest(const gb_explore *x);

#endif
