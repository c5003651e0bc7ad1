/*
 * Replicas on NATS JetStream (docs/cluster.md): several nodes serve one
 * chain.  A block is a pure function of the state before it and its
 * inputs (chain.h, "blocks from inputs"); JetStream orders the inputs:
 *
 *   - stream GB_<NAME>_TX, subject gb.<NAME>.tx: the transactions every
 *     replica accepted over its RPC, one message each (a byte of flags,
 *     the signer and nonce of a signed one, then the transaction's record,
 *     chain/pool_log.h), in the order JetStream received them; every
 *     replica reads it to know each signer's next nonce; a request's
 *     signed transactions go as one message, a batch, compressed with
 *     LZ4 (liblz4) when that makes it smaller;
 *     every replica reads both streams through ordered push consumers
 *     (no request per message);
 *   - stream GB_<NAME>_BLK, subject gb.<NAME>.blk: the blocks, message N
 *     holding block N: a header (the state root of block N-1 as the
 *     sequencer had it, the last TX message it has taken, the TX sequence
 *     of each transaction in the block) and the block's inputs record,
 *     all after the head compressed with LZ4 when that makes it smaller;
 *   - key-value bucket GB_<NAME>_LEASE, key "sequencer": which replica
 *     produces blocks, held by refreshing it (kvStore_Update on the
 *     revision held) and lost when it expires (the bucket's TTL), after
 *     which any replica may take it (kvStore_Create).
 *
 * The sequencer takes TX messages in order into its pending pool (the
 * chain's own checks refuse what cannot be applied), and at each block
 * time (dev: as soon as some wait, at most one block per 50 ms) publishes
 * the next block's inputs, everything waiting up to 4096 transactions, to
 * BLK expecting the stream's
 * last sequence to be the head's height: a replica that wrongly believes
 * it is the sequencer cannot publish a second block N.  Every replica,
 * the sequencer included, builds blocks only from BLK, message by message
 * (gb_chain_apply_inputs), so all make the same blocks (the sequencer
 * applies its own block from the bytes it published once JetStream
 * acknowledged them as message N: the log's message N); a replica that
 * starts late, or restarts (or starts from a snapshot), reads BLK from its
 * head onwards.  A replica whose state root differs from the one a block
 * message carries stops applying blocks and says so (gb_cluster_health).
 *
 * A transaction submitted to any replica is published to TX and answered
 * once JetStream has it, with ids that do not depend on the block it will
 * be in: a signed one's message id is BLAKE2b-256("gearbox/cluster" ||
 * name || its key), known before it is published, so it is published
 * asynchronously and the request answered after gb_cluster_sync; one
 * without a key gets BLAKE2b-256("gearbox/cluster" || name || its TX
 * sequence), waited for at once.  The sequencer gives it the same id
 * (gb_chain_submit_as), so every replica answers and applies the same
 * ids.  A transaction the
 * sequencer's checks refuse (the state changed since the replica checked
 * it) is dropped, as a single node drops one its block cannot apply.
 *
 * The publishes go through a connection of their own to the TX stream's
 * leader, moved when JetStream elects another (the block thread follows
 * the leader, the serving thread moves its connection before its next
 * publish).
 *
 * Threads: gb_cluster_step runs on the node's block thread;
 * gb_cluster_submit and gb_cluster_sync on the RPC's; gb_cluster_health
 * anywhere.
 */
#ifndef GB_NODE_CLUSTER_H
#define GB_NODE_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"

typedef struct gb_cluster gb_cluster;

typedef struct gb_cluster_cfg {
    const char *urls;      /* "nats://127.0.0.1:4222[,nats://...]" */
    const char *name;      /* the chain's name on the servers ([A-Za-z0-9_-],
                              up to 32): NULL "dev" */
    const char *replica;   /* this replica's name, for the lease (NULL: a
                              name from the host and pid) */
    unsigned replicas;     /* JetStream copies of the streams: 1 or 3
                              (0: 1) */
    uint64_t block_time_ms;
    uint64_t lease_ms;     /* the lease's TTL (0: 2000) */
    bool dev;              /* a block as soon as a transaction waits */
} gb_cluster_cfg;

/* Connect and make (or find) the streams and the bucket.  GB_IO with
 * detail when the servers cannot be reached or refuse. */
gb_err gb_cluster_open(const gb_cluster_cfg *cfg, gb_chain *chain,
                       gb_cluster **out, char *detail, size_t len);
void gb_cluster_close(gb_cluster *c);

/*
 * One step of the block thread: take the lease or keep it; see whether
 * the TX stream's leader moved (JetStream's advisory, or every 5 s); as the
 * sequencer, take new TX messages and publish a block when one is due;
 * then apply at most one block from BLK into *out (*applied true; the
 * caller owns out, gb_block_result_free).  Returns an error only when the
 * chain fails (the store); the servers being away is a pause, not an
 * error.
 */
gb_err gb_cluster_step(gb_cluster *c, gb_block_result *out, bool *applied);

/* How long the block thread may wait before its next gb_cluster_step (ms,
 * 1 to 10): a replica that is not the sequencer 2 while the log moves (a
 * message read in the last quarter second), else 10; the sequencer 10, or
 * less when its next block is due sooner (gb_cluster_wait wakes it when a
 * TX message comes): a transaction or a block is taken within a few ms
 * of reaching the log, and an idle replica wakes 100 times a second. */
uint32_t gb_cluster_wait_ms(gb_cluster *c);

/* The block thread's wait between steps, up to ms (gb_cluster_wait_ms):
 * until the next TX message comes (kept for the next step) or ms pass.
 * (Each wake costs tens of
 * microseconds of CPU on a busy virtual machine: docs/cluster.md, sixth
 * round.) */
void gb_cluster_wait(gb_cluster *c, uint32_t ms);

/* Publish tx: *id and *msg_id as gb_chain_submit_ids gives them (both may be
 * NULL).  key (32 bytes, or NULL) names the signed transaction: its ids
 * come from key, so it is answered at once and joins the request's batch,
 * which gb_cluster_sync publishes as one TX message (a batch is also sent
 * when it reaches 4,096 transactions or 768 KiB); sent again, to any
 * replica, it is taken once (the replicas remember the last 16,384 to
 * 32,768 keys read from the log, and every one drops a key seen before,
 * so the sequencer does; a new sequencer first reads the keys of the
 * 1,024 TX messages before the first it takes).  Without a key its ids come from its sequence in
 * the log: the batch is published first, then it, and waited for at once.
 * signer (may be NULL) and nonce go with it in the log, so every replica
 * learns the signer's next nonce (gb_cluster_nonce_floor) before the
 * block that applies it.  GB_IO (the servers: detail says), GB_NOMEM. */
gb_err gb_cluster_submit(gb_cluster *c, const gb_tx *tx, const uint8_t *key,
                         const gb_id *signer, uint64_t nonce, gb_id *id,
                         gb_id *msg_id, char *detail, size_t len);

/* Publish the request's batch (gb_cluster_submit) as one TX message and
 * wait for JetStream's acknowledgement (a publish refused while the
 * servers elect a leader, or timed out, is tried again for up to ~10 s;
 * the message's id, from its keys, keeps it from being taken twice).
 * The serving thread calls it once a request is handled, before
 * answering.  One message per signer: a batch of several signers'
 * transactions (rare) is sent as several.  GB_IO when it could not be
 * (detail says; the batch's nonces may be used again); GB_AGAIN when the
 * signer whose nonces gb_cluster_settle_for did not settle had sent
 * through another replica meanwhile and nothing of the request is in the
 * log: handle it again (gb_cluster_begin). */
gb_err gb_cluster_sync(gb_cluster *c, char *detail, size_t len);

/* The nonce after the last one a signer used in the log's transactions
 * this replica has read (0: none).  The chain's catches up once blocks
 * apply them; an older note is then below it and does not matter.  A
 * replica just started first applies the log's blocks and reads its TX
 * messages as far as they went when it opened: until then this waits (up
 * to 10 s) and then answers UINT64_MAX, "not known yet". */
uint64_t gb_cluster_nonce_floor(gb_cluster *c, gb_id signer);

/* The serving thread begins handling a request (again: once more, after
 * gb_cluster_sync answered GB_AGAIN: gb_cluster_settle_for settles then). */
void gb_cluster_begin(gb_cluster *c, bool again);

/* Before a nonce is told or signed with.  Settles: returns once this
 * replica has read TX as far as it went when called (its last message
 * then, asked of the stream), so gb_cluster_nonce_floor counts every
 * transaction any replica had published by then: a client told its next
 * nonce by one replica right after another accepted its last transaction
 * is told the next one, not the one used.  Waits at most ~2 s; when the
 * stream cannot be asked (an election, a server down) it returns at once
 * and the floor is what the replica has read.  True when it settled.
 *
 * signer (NULL: a nonce told to a client): the signer of a transaction
 * this replica signs.  The first such signer of a request whose last TX
 * message this replica knows (every signer's transactions go on a subject
 * of their own) is not settled, saving a round trip to the servers:
 * gb_cluster_sync publishes its transactions expecting its subject's last
 * message to be the one known, so that when another replica sent one
 * meanwhile JetStream refuses them and gb_cluster_sync answers GB_AGAIN,
 * and the request is handled again (gb_cluster_begin, again) and settled.
 * False then. */
bool gb_cluster_settle_for(gb_cluster *c, const gb_id *signer);

typedef struct gb_cluster_status {
    bool connected;        /* both connections up: the one the streams are
                              read through and the one the transactions
                              are published through */
    bool sequencer;        /* this replica holds the lease */
    bool diverged;         /* its root differed: it stopped */
    uint32_t diverged_at;  /* the block whose parent root differed */
    uint64_t tx_taken;     /* the last TX message the chain has taken */
    char holder[64];       /* the lease's holder, as last seen */
    uint64_t unsettled;    /* requests whose dev transactions took their
                              nonces without settling (gb_cluster_settle_for) */
    uint64_t again;        /* of them, those handled again (GB_AGAIN) */
} gb_cluster_status;

void gb_cluster_health(gb_cluster *c, gb_cluster_status *out);

#endif
