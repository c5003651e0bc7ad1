/*
 * Replicas on NATS JetStream (cluster.h; docs/cluster.md).
 */
#include "node/cluster.h"

#include <jansson.h>
#include <lz4.h>
#include <nats/nats.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "chain/pool_log.h"
#include "util/bytes.h"
#include "util/hash.h"
#include "util/mem.h"

#define BLK_MAGIC "GBB1"
#define BLK_MAGIC_Z "GBB2"    /* the same, what follows the head compressed
                                 (LZ4 block format): u32 LE its length,
                                 then it */
#define RAW_MAX (64u << 20)   /* what a compressed message holds at most */
#define BLK_HEAD (4 + 4 + 32 + 8 + 4)
#define TX_PER_STEP 4096u     /* TX messages read per step */
#define BLOCK_MAX_TX 4096u    /* transactions a block takes at most */
#define BLOCK_GAP_MS 50u      /* dev: at least this between blocks, so that
                                 a block takes what came meanwhile (a block
                                 costs the cluster ~9 ms of CPU besides its
                                 transactions: docs/cluster.md) */
#define POLL_BUSY_MS 2u       /* the block thread's step period while the
                                 log moves (POLL_IDLE_MS otherwise) */
#define POLL_IDLE_MS 10u
#define BUSY_MS 250u          /* "moves": a message read this recently */
#define PROBE_MS 1000u        /* a reader idle this long asks the stream
                                 itself whether it missed something */
#define LEASE_KEY "sequencer"
#define NONCES 1024u          /* signers whose sent nonces are remembered */
#define BATCH_MAX_TX 4096u    /* transactions in one TX message at most */
#define BATCH_MAX_BYTES (768u * 1024u) /* and bytes (under the servers'
                                 default max_payload, 1 MiB) */
#define KEYS_GEN 16384u       /* signed transactions' keys remembered for
                                 deduplication: two generations of this */
#define KEY_WINDOW 1024u      /* a new sequencer reads the keys of this many
                                 TX messages before the first it takes */
#define TX_SUBJ_LEN 136u      /* "gb.<name>.tx.0x<64 hex>" and its NUL */
#define MAX_URLS 16           /* servers in --cluster at most */
#define LEADER_CHECK_MS 5000u /* the block thread asks which server leads
                                 TX this often, besides when JetStream
                                 says it elected one */

/* Reads a stream in order through an ordered push consumer (JetStream
 * sends the messages as they come, no request per message); next is the
 * sequence it wants.  The block thread's. */
typedef struct reader {
    const char *stream, *subj;
    natsSubscription *sub;
    uint64_t next;
    uint64_t heard;           /* when it last had a message (ms) */
    natsMsg *held;            /* the next message of sub, taken by
                                 gb_cluster_wait, read first */
} reader;

typedef struct sent_nonce {
    gb_id signer;
    uint64_t next;            /* the nonce after the last one read in the
                                 log */
    uint64_t own;             /* the nonce after the last one this replica
                                 sent (lowered when a send failed: next
                                 is not, what is in the log is used) */
    uint64_t at;              /* when (ms), for replacing the oldest */
    uint64_t seq;             /* the last TX message on the signer's
                                 subject as far as this replica knows
                                 (read, or published expecting the one
                                 before); 0: not known */
} sent_nonce;

/* The keys of the signed transactions read from TX lately, with where
 * each was first seen (its message's sequence << 16 | its index there):
 * one sent again, to this replica or another, is taken once.  Two
 * generations of open addressing (2 * KEYS_GEN slots each); when the
 * newer one fills up, the older is dropped.  The block thread's. */
typedef struct key_gen {
    uint8_t (*key)[32];
    uint64_t *pos;            /* 0: a free slot */
    uint32_t n;
} key_gen;

struct gb_cluster {
    gb_cluster_cfg cfg;
    char name[33], me[64];
    char tx_stream[64], blk_stream[64], tx_subj[64], blk_subj[64];
    char tx_all[72];          /* "<tx_subj>.*": the TX stream's subjects */
    bool per_signer;          /* TX has a subject per signer (tx_all); a
                                 log made before it has tx_subj alone, and
                                 every request then settles its nonces */
    char bucket[64];
    gb_chain *chain;
    natsConnection *nc;
    jsCtx *js;
    kvStore *kv;
    /* the block thread's (leader also read by gb_cluster_health) */
    atomic_bool leader;
    uint64_t lease_rev, lease_next;
    uint64_t tx_next;         /* leader: the next TX message to take */
    reader txr, blkr;         /* TX (nonces; the leader takes them), BLK */
    uint64_t keys_from;       /* txr has read every TX message from this
                                 one on (0: none yet), keys remembered */
    uint64_t tx_last_open;    /* TX's last message when the replica opened */
    atomic_uint_least64_t tx_read; /* txr has read the TX messages up to
                                      this one, their nonces noted */
    atomic_bool read_up;      /* txr went past tx_last_open: the nonces this
                                 replica knows cover the log as it was then */
    uint32_t published;       /* leader: the last block it published (the
                                 next waits until that one is applied) */
    uint64_t *pend_seq;       /* leader: the TX message of each pending
                                 transaction, in the pool's order */
    uint32_t npend, cap_pend;
    uint64_t next_block;      /* leader: when the next block is due */
    uint64_t last_block;      /* leader: when it published the last one */
    bool draining;            /* the last block applied left a backlog
                                 that drains (gb_block_drains) */
    uint32_t queued;          /* the messages it left in the queue */
    uint64_t moved;           /* when a reader last had a message (ms) */
    uint8_t *own;             /* leader: the block message it published
                                 last, JetStream having acknowledged it as
                                 BLK message own_h: applied from here, not
                                 waited for from the log (NULL: none) */
    size_t own_len;
    uint32_t own_h;
    /* shared: mu */
    pthread_mutex_t mu;
    uint64_t tx_taken;        /* the last TX message the applied blocks
                                 took */
    bool diverged;
    uint32_t diverged_at;
    char holder[64];
    sent_nonce nonces[NONCES];
    key_gen keys[2];          /* [0] the newer (block thread) */
    /* the servers, as --cluster lists them (fixed once open) */
    char urls[1024];
    const char *list[MAX_URLS];
    int nurl;
    /* the block thread follows the TX stream's leader (follow_leader):
     * each server's name (read from its INFO line; "" not known yet), the
     * leader's advisories, when it next asks the stream anyway */
    char names[MAX_URLS][128];
    natsSubscription *elected;
    uint64_t leader_check;
    atomic_bool leader_news;  /* ask the stream at the next step (set by
                                 the serving thread too, after a publish
                                 failed) */
    /* which server the publishes should go through: gen << 8 | its index
     * in list + 1 (0: not told yet; the block thread's word, the serving
     * thread's to act on) */
    _Atomic uint64_t want;
    /* the serving thread's publishes (gb_cluster_submit, gb_cluster_sync)
     * go through a context of their own, on a connection of their own to
     * the TX stream's leader when it could be told (pnc, pub_at its index
     * in list; else on nc, pub_at -1); pnc also read by gb_cluster_health,
     * so replaced under mu */
    jsCtx *pub;
    natsConnection *pnc;
    int pub_at;
    uint64_t pub_want;        /* the last want acted on */
    /* the signed transactions accepted since the last sync, published as
     * one TX message by it (serving thread): their records */
    uint8_t *bat;
    size_t bat_len, bat_cap;
    uint32_t bat_n;
    uint8_t *grp;             /* a batch of several signers: one signer's
                                 part, being published */
    size_t grp_cap;
    /* the request being handled (serving thread; gb_cluster_begin):
     * whether one signer's nonces were taken without settling (req_opt:
     * req_signer's, its TX messages known up to req_seq), whether that is
     * ruled out (req_no_opt: the request is being handled again), whether
     * a TX message of the request is in the log (req_pub: it cannot be
     * handled again) */
    bool req_opt, req_no_opt, req_pub;
    gb_id req_signer;
    uint64_t req_seq;
    _Atomic uint64_t n_opt, n_again; /* (gb_cluster_status) */
};

static void reader_stop(reader *r);

static uint64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static uint64_t wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static bool good_name(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

static gb_err nats_fail(natsStatus s, jsErrCode je, const char *what,
                        char *detail, size_t len)
{
    if (detail && len)
        snprintf(detail, len, "%s: %s%s", what, natsStatus_GetText(s),
                 je ? " (JetStream error)" : "");
    return GB_IO;
}

static gb_err add_stream(gb_cluster *c, const char *name, const char *subj,
                         bool *same, char *detail, size_t len)
{
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char *subjects[1] = {subj};
    sc.Name = name;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Replicas = c->cfg.replicas ? c->cfg.replicas : 1;
    jsStreamInfo *si = NULL;
    jsErrCode je = 0;
    natsStatus s = js_AddStream(&si, c->js, &sc, NULL, &je);
    *same = s == NATS_OK;
    if (s == NATS_OK) {
        jsStreamInfo_Destroy(si);
        return GB_OK;
    }
    if (je != JSStreamNameExistErr)
        return nats_fail(s, je, name, detail, len);
    /* there already, with another config: used as it is (*same: with
     * subj, its replicas counted otherwise) */
    if ((s = js_GetStreamInfo(&si, c->js, name, NULL, &je)) != NATS_OK)
        return nats_fail(s, je, name, detail, len);
    *same = si->Config && si->Config->SubjectsLen == 1 &&
            !strcmp(si->Config->Subjects[0], subj);
    jsStreamInfo_Destroy(si);
    return GB_OK;
}

/* The streams and the bucket, made or found, and where this chain stands
 * against the log (open). */
static gb_err setup(gb_cluster *c, gb_chain *chain, char *detail,
                    size_t len)
{
    gb_err e;
    bool same;
    if ((e = add_stream(c, c->tx_stream, c->tx_all, &c->per_signer, detail,
                        len)) ||
        (e = add_stream(c, c->blk_stream, c->blk_subj, &same, detail, len)))
        return e;
    c->txr.subj = c->per_signer ? c->tx_all : c->tx_subj;
    kvConfig kc;
    kvConfig_Init(&kc);
    kc.Bucket = c->bucket;
    kc.History = 1;
    kc.TTL = (int64_t)c->cfg.lease_ms * 1000000; /* ns (MaxAge) */
    kc.Replicas = c->cfg.replicas ? (int)c->cfg.replicas : 1;
    kvStore_Destroy(c->kv);
    c->kv = NULL;
    natsStatus s = js_CreateKeyValue(&c->kv, c->js, &kc);
    if (s != NATS_OK)
        s = js_KeyValue(&c->kv, c->js, c->bucket);
    if (s != NATS_OK) {
        e = nats_fail(s, 0, c->bucket, detail, len);
        return e;
    }
    /* where the chain stands against the log: the log has every block
     * from genesis on (height N is message N) */
    jsStreamInfo *si = NULL;
    jsErrCode je = 0;
    if ((s = js_GetStreamInfo(&si, c->js, c->blk_stream, NULL, &je)) !=
        NATS_OK) {
        e = nats_fail(s, je, c->blk_stream, detail, len);
        return e;
    }
    uint64_t last = si->State.LastSeq;
    jsStreamInfo_Destroy(si);
    si = NULL;
    if ((s = js_GetStreamInfo(&si, c->js, c->tx_stream, NULL, &je)) !=
        NATS_OK)
        return nats_fail(s, je, c->tx_stream, detail, len);
    c->tx_last_open = si->State.LastSeq;
    jsStreamInfo_Destroy(si);
    if (gb_chain_height(chain) > last) {
        snprintf(detail, len,
                 "this chain is at block %u but the cluster's log (%s) has "
                 "%llu blocks: a replica starts from a new data directory, "
                 "or a snapshot of a replica of the same cluster",
                 gb_chain_height(chain), c->blk_stream,
                 (unsigned long long)last);
        e = GB_INVALID;
        return e;
    }
    /* what the blocks this chain has took from TX (so a sequencer after a
     * restart takes the TX messages after those, not again) */
    uint32_t h = gb_chain_height(chain);
    if (h) {
        natsMsg *m = NULL;
        if ((s = js_GetMsg(&m, c->js, c->blk_stream, h, NULL, &je)) !=
                NATS_OK ||
            natsMsg_GetDataLength(m) < BLK_HEAD) {
            natsMsg_Destroy(m);
            e = nats_fail(s, je, "reading the head's block message", detail,
                          len);
            return e;
        }
        c->tx_taken = gb_le_get((const uint8_t *)natsMsg_GetData(m) + 40, 8);
        natsMsg_Destroy(m);
    }
    return GB_OK;
}

/* A connection to the servers of list (in that order when in_order, else
 * as the client library shuffles them), reconnecting for ever. */
static natsStatus connect_list(const char **list, int n, bool in_order,
                               natsConnection **out)
{
    natsOptions *o = NULL;
    natsStatus s = n ? natsOptions_Create(&o) : NATS_INVALID_ARG;
    if (s == NATS_OK)
        s = natsOptions_SetServers(o, list, n);
    if (s == NATS_OK)
        s = natsOptions_SetNoRandomize(o, in_order);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1); /* keep trying */
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, 200);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, 2000);
    if (s == NATS_OK) /* a publish leaves at once, not through the
                         client's flusher thread: one thread hop less on
                         the way to JetStream's acknowledgement */
        s = natsOptions_SetSendAsap(o, true);
    if (s == NATS_OK)
        s = natsConnection_Connect(out, o);
    natsOptions_Destroy(o);
    return s;
}

/* url without its scheme and user: "host:port..." */
static const char *host_port(const char *url)
{
    const char *h = strstr(url, "://");
    h = h ? h + 3 : url;
    const char *at = strrchr(h, '@');
    return at ? at + 1 : h;
}

/* The name of the server at url ("[scheme://][user@]host[:port]"), from
 * the INFO line a NATS server sends first, before any login; false when
 * it cannot be read within a second.  (The client library tells its
 * connection's server by id and URL only, JetStream names a stream's
 * leader by server name.) */
static bool server_name(const char *url, char *name, size_t cap)
{
    char hp[256], port[16] = "4222";
    snprintf(hp, sizeof hp, "%s", host_port(url));
    hp[strcspn(hp, "/")] = 0;
    char *host = hp, *colon;
    if (hp[0] == '[') { /* [v6]:port */
        host = hp + 1;
        char *end = strchr(host, ']');
        if (!end)
            return false;
        *end = 0;
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strrchr(hp, ':');
        if (colon)
            *colon = 0;
    }
    if (colon && colon[1])
        snprintf(port, sizeof port, "%s", colon + 1);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) || !ai)
        return false;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    struct timeval tv = {1, 0};
    char line[4096];
    size_t got = 0;
    bool ok = false;
    if (fd >= 0 &&
        !setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) &&
        !setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) &&
        !connect(fd, ai->ai_addr, ai->ai_addrlen)) {
        ssize_t r;
        while (got < sizeof line - 1 && !memchr(line, '\n', got) &&
               (r = read(fd, line + got, sizeof line - 1 - got)) > 0)
            got += (size_t)r;
        line[got] = 0;
        json_t *j = !strncmp(line, "INFO ", 5)
                        ? json_loads(line + 5, JSON_DISABLE_EOF_CHECK, NULL)
                        : NULL;
        const char *v = json_string_value(json_object_get(j, "server_name"));
        if (v && v[0]) {
            snprintf(name, cap, "%s", v);
            ok = true;
        }
        json_decref(j);
    }
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return ok;
}

/* TX's stream info through js (the block thread's c->js, or the serving
 * thread's publishing context; the caller destroys it), or NULL when it
 * could not be had: unanswered while the stream elects its leader, it is
 * waited for a quarter second at most (well inside the lease's renewal,
 * for the block thread; a bounded delay for a request). */
static jsStreamInfo *tx_info(gb_cluster *c, jsCtx *js)
{
    jsStreamInfo *si = NULL;
    jsErrCode je = 0;
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 250;
    if (js_GetStreamInfo(&si, js, c->tx_stream, &jo, &je) != NATS_OK)
        return NULL;
    return si;
}

/* Which of the servers leads the TX stream (its index in list), -1 when
 * it cannot be told (an election, a server that does not say its name).
 * JetStream names the leader by server name, which libnats 3.4 does not
 * tell of its connections: each server's name is read once from its INFO
 * line (server_name), a server's not known yet (down at the last check)
 * only when no known one leads.  The block thread's. */
static int find_leader(gb_cluster *c)
{
    char leader[128] = "";
    jsStreamInfo *si = tx_info(c, c->js);
    if (!si)
        return -1;
    if (si->Cluster && si->Cluster->Leader)
        snprintf(leader, sizeof leader, "%s", si->Cluster->Leader);
    jsStreamInfo_Destroy(si);
    if (!leader[0])
        return -1;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < c->nurl; i++) {
            if (pass && !c->names[i][0])
                server_name(c->list[i], c->names[i], sizeof c->names[i]);
            if (c->names[i][0] && !strcmp(c->names[i], leader))
                return i;
        }
    return -1;
}

/* The block thread: when JetStream says it elected a leader for TX (its
 * advisory), a publish failed, or every LEADER_CHECK_MS, ask the stream
 * which server leads it and, if another than the publishes go through,
 * tell the serving thread (want; pub_follow acts on it). */
static void follow_leader(gb_cluster *c, uint64_t now)
{
    if (c->nurl < 2)
        return;
    if (c->elected) { /* (what the advisory says: ask the stream) */
        natsMsg *m = NULL;
        while (natsSubscription_NextMsg(&m, c->elected, 0) == NATS_OK) {
            natsMsg_Destroy(m);
            c->leader_news = true;
        }
    }
    if (!atomic_exchange(&c->leader_news, false) && now < c->leader_check)
        return;
    c->leader_check = now + LEADER_CHECK_MS;
    int li = find_leader(c);
    if (li < 0)
        return;
    uint64_t w = atomic_load(&c->want);
    /* the publishing connection may also have left the leader on its
     * own: the leader's server restarted, kept its lead, and the client
     * reconnected to the next server of its list */
    char url[256] = "";
    pthread_mutex_lock(&c->mu);
    bool away = c->pub_at != li; /* (or its connection could not be opened:
                                    tried again) */
    if (!away && c->pnc &&
        natsConnection_GetConnectedUrl(c->pnc, url, sizeof url) != NATS_OK)
        url[0] = 0;
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; url[0] && i < c->nurl; i++) /* (on another server of
                                                   the list) */
        away |= i != li && !strcmp(host_port(url), host_port(c->list[i]));
    if ((uint64_t)li + 1 != (w & 0xff) || away)
        atomic_store(&c->want, ((w >> 8) + 1) << 8 | ((uint64_t)li + 1));
}

/* A connection to list[li] first, then the others in order, and a
 * JetStream context on it: false when it cannot be opened. */
static bool connect_first(gb_cluster *c, int li, natsConnection **nc,
                          jsCtx **js)
{
    const char *order[MAX_URLS];
    order[0] = c->list[li];
    for (int i = 0, k = 1; i < c->nurl; i++)
        if (i != li)
            order[k++] = c->list[i];
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 2000;
    *nc = NULL;
    *js = NULL;
    if (connect_list(order, c->nurl, true, nc) != NATS_OK ||
        natsConnection_JetStream(js, *nc, &jo) != NATS_OK) {
        natsConnection_Destroy(*nc);
        *nc = NULL;
        return false;
    }
    return true;
}

/* The serving thread, before it publishes: the publishes go through a
 * connection of their own to the TX stream's leader (then the others, in
 * order, should it go away), opened again when follow_leader names
 * another leader or finds the connection on another server.  A publish
 * through a server that does not lead the stream crosses two more
 * processes on its way to the leader and back
 * (docs/cluster.md, fifth round).  A connection that cannot be opened
 * leaves the publishes where they were until the leader is named again. */
static void pub_follow(gb_cluster *c)
{
    uint64_t w = atomic_load(&c->want);
    if (w == c->pub_want)
        return;
    c->pub_want = w;
    int li = (int)(w & 0xff) - 1;
    if (li < 0 || li >= c->nurl)
        return;
    natsConnection *pnc = NULL;
    jsCtx *pub = NULL;
    if (!connect_first(c, li, &pnc, &pub))
        return;
    jsCtx *old = c->pub;
    natsConnection *oldc = c->pnc;
    pthread_mutex_lock(&c->mu);
    c->pub = pub;
    c->pnc = pnc;
    c->pub_at = li;
    pthread_mutex_unlock(&c->mu);
    jsCtx_Destroy(old);
    natsConnection_Destroy(oldc);
    fprintf(stderr, "cluster: transactions published through %s, the "
                    "leader of %s (%s)\n",
            c->list[li], c->tx_stream, c->names[li]);
}

gb_err gb_cluster_open(const gb_cluster_cfg *cfg, gb_chain *chain,
                       gb_cluster **out, char *detail, size_t len)
{
    *out = NULL;
    const char *name = cfg->name ? cfg->name : "dev";
    if (!good_name(name)) {
        snprintf(detail, len, "cluster name '%s': 1 to 32 of A-Z a-z 0-9 _ -",
                 name);
        return GB_INVAL;
    }
    gb_cluster *c = gb_calloc(1, sizeof *c);
    if (!c)
        return GB_NOMEM;
    c->cfg = *cfg;
    c->cfg.urls = NULL;
    c->cfg.name = NULL;
    c->cfg.replica = NULL;
    c->chain = chain;
    pthread_mutex_init(&c->mu, NULL);
    snprintf(c->name, sizeof c->name, "%s", name);
    if (cfg->replica)
        snprintf(c->me, sizeof c->me, "%s", cfg->replica);
    else {
        char host[40] = "";
        gethostname(host, sizeof host - 1);
        snprintf(c->me, sizeof c->me, "%s-%ld", host, (long)getpid());
    }
    snprintf(c->tx_stream, sizeof c->tx_stream, "GB_%s_TX", name);
    snprintf(c->blk_stream, sizeof c->blk_stream, "GB_%s_BLK", name);
    snprintf(c->tx_subj, sizeof c->tx_subj, "gb.%s.tx", name);
    snprintf(c->tx_all, sizeof c->tx_all, "%s.*", c->tx_subj);
    snprintf(c->blk_subj, sizeof c->blk_subj, "gb.%s.blk", name);
    snprintf(c->bucket, sizeof c->bucket, "GB_%s_LEASE", name);
    c->txr.stream = c->tx_stream;
    c->txr.subj = c->tx_all; /* (tx_subj for a log made before) */
    c->blkr.stream = c->blk_stream;
    c->blkr.subj = c->blk_subj;
    if (!c->cfg.lease_ms)
        c->cfg.lease_ms = 2000;
    if (!c->cfg.block_time_ms)
        c->cfg.block_time_ms = 1000;

    /* the servers: "URL[,URL...]" */
    snprintf(c->urls, sizeof c->urls, "%s", cfg->urls ? cfg->urls : "");
    for (char *save = NULL, *t = strtok_r(c->urls, ",", &save);
         t && c->nurl < MAX_URLS; t = strtok_r(NULL, ",", &save))
        c->list[c->nurl++] = t;
    c->pub_at = -1;
    natsStatus s = connect_list(c->list, c->nurl, false, &c->nc);
    gb_err e = GB_OK;
    if (s != NATS_OK) {
        e = nats_fail(s, 0, cfg->urls, detail, len);
        goto fail;
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 2000;
    if ((s = natsConnection_JetStream(&c->js, c->nc, &jo)) != NATS_OK) {
        e = nats_fail(s, 0, "JetStream", detail, len);
        goto fail;
    }
    if ((s = natsConnection_JetStream(&c->pub, c->nc, &jo)) != NATS_OK) {
        e = nats_fail(s, 0, "JetStream", detail, len);
        goto fail;
    }
    /* JetStream may be electing its leaders (servers just started, or one
     * just died): its requests then time out for a few seconds */
    for (int attempt = 0;; attempt++) {
        e = setup(c, chain, detail, len);
        if (e != GB_IO || attempt == 40)
            break;
        struct timespec w = {0, 500 * 1000000};
        nanosleep(&w, NULL);
    }
    if (e)
        goto fail;
    /* the TX stream's leader, followed from here on (follow_leader) */
    char adv[160];
    snprintf(adv, sizeof adv,
             "$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.%s", c->tx_stream);
    if (c->nurl > 1 &&
        natsConnection_SubscribeSync(&c->elected, c->nc, adv) != NATS_OK)
        c->elected = NULL; /* (then every LEADER_CHECK_MS only) */
    follow_leader(c, mono_ms());
    pub_follow(c);
    if (!c->per_signer)
        fprintf(stderr, "cluster: %s has the one subject %s (a log made by "
                        "an older gearbox): every request settles its "
                        "nonces\n",
                c->tx_stream, c->tx_subj);
    *out = c;
    return GB_OK;
fail:
    gb_cluster_close(c);
    return e;
}

void gb_cluster_close(gb_cluster *c)
{
    if (!c)
        return;
    if (c->leader && c->kv) /* hand over at once */
        kvStore_Delete(c->kv, LEASE_KEY);
    kvStore_Destroy(c->kv);
    natsSubscription_Destroy(c->elected);
    reader_stop(&c->txr);
    reader_stop(&c->blkr);
    jsCtx_Destroy(c->pub);
    jsCtx_Destroy(c->js);
    natsConnection_Destroy(c->pnc);
    natsConnection_Destroy(c->nc);
    for (int g = 0; g < 2; g++) {
        free(c->keys[g].key);
        free(c->keys[g].pos);
    }
    free(c->bat);
    free(c->own);
    pthread_mutex_destroy(&c->mu);
    free(c->pend_seq);
    free(c);
}

/* ---- TX messages ----------------------------------------------------------
 * One transaction: flags u8 (bit 0: signed, bit 1: keyed), [signer 32,
 * nonce u64 LE] when signed, [key 32] when keyed, the record.
 * Or a batch (a request's signed transactions): flags u8 = 4, count u32
 * LE, then count times (length u32 LE, one transaction as above). */

#define TX_SIGNED 1u
#define TX_KEYED 2u
#define TX_BATCH 4u
#define TX_BATCH_Z 8u /* a batch compressed (LZ4 block format): flags u8 =
                         8, the batch's length u32 LE, the batch
                         compressed */

/* Compress d[skip, len) of a message (a TX batch, a block) into a new
 * message: d[0, skip) as it is, u32 LE the length of the rest, the rest
 * compressed; NULL (send d as it is) when that is not smaller. */
static uint8_t *squeeze(const uint8_t *d, size_t len, size_t skip,
                        size_t *out_len)
{
    if (len <= skip + 64 || len - skip > RAW_MAX)
        return NULL;
    uint8_t *z = gb_malloc(len);
    if (!z)
        return NULL;
    /* (0: it would not fit in less than the message itself) */
    int zn = LZ4_compress_default((const char *)d + skip, (char *)z + skip + 4,
                                  (int)(len - skip), (int)(len - skip - 4));
    if (zn <= 0) {
        free(z);
        return NULL;
    }
    memcpy(z, d, skip);
    gb_le_put(z + skip, len - skip, 4);
    *out_len = skip + 4 + (size_t)zn;
    return z;
}

/* squeeze's message (d, len) back: a new buffer of *out_len bytes, d[0,
 * skip) then the rest decompressed; NULL when malformed or out of memory
 * (*nomem says which). */
static uint8_t *unsqueeze(const uint8_t *d, size_t len, size_t skip,
                          size_t *out_len, bool *nomem)
{
    *nomem = false;
    if (len < skip + 4)
        return NULL;
    size_t raw = (size_t)gb_le_get(d + skip, 4);
    if (raw > RAW_MAX)
        return NULL;
    uint8_t *o = gb_malloc(skip + raw + 1);
    if (!o) {
        *nomem = true;
        return NULL;
    }
    memcpy(o, d, skip);
    if (len - skip - 4 > RAW_MAX ||
        LZ4_decompress_safe((const char *)d + skip + 4, (char *)o + skip,
                            (int)(len - skip - 4), (int)raw) != (int)raw) {
        free(o);
        return NULL;
    }
    *out_len = skip + raw;
    return o;
}

typedef struct tx_head {
    bool is_signed, keyed;
    gb_id signer;
    uint64_t nonce;
    uint8_t key[32];
} tx_head;

static gb_err parse_tx(const uint8_t *d, size_t len, gb_tx *tx, tx_head *h)
{
    size_t at = 1;
    if (len < 1)
        return GB_MALFORMED;
    h->is_signed = d[0] & TX_SIGNED;
    h->keyed = d[0] & TX_KEYED;
    if (h->is_signed) {
        if (len < at + 40)
            return GB_MALFORMED;
        memcpy(h->signer.b, d + at, 32);
        h->nonce = gb_le_get(d + at + 32, 8);
        at += 40;
    }
    if (h->keyed) {
        if (len < at + 32)
            return GB_MALFORMED;
        memcpy(h->key, d + at, 32);
        at += 32;
    }
    return tx ? gb_pool_tx_parse(d + at, len - at, tx) : GB_OK;
}

/* The transactions of TX message (d, len): *count of them; each call of
 * next_tx gives the next one's bytes (false at the end, or when the
 * message is malformed: the rest is skipped). */
typedef struct tx_iter {
    const uint8_t *d;
    size_t len, at;
    uint32_t left;
} tx_iter;

static void tx_iter_init(tx_iter *it, const uint8_t *d, size_t len)
{
    it->d = d;
    it->len = len;
    it->at = 0;
    it->left = 1;
    if (len >= 5 && d[0] == TX_BATCH) {
        it->left = (uint32_t)gb_le_get(d + 1, 4);
        it->at = 5;
    }
}

static bool next_tx(tx_iter *it, const uint8_t **d, size_t *len)
{
    if (!it->left)
        return false;
    it->left--;
    if (it->at == 0 && !(it->len >= 1 && it->d[0] == TX_BATCH)) {
        *d = it->d, *len = it->len, it->at = it->len;
        return true;
    }
    if (it->len - it->at < 4)
        return it->left = 0, false;
    size_t n = (size_t)gb_le_get(it->d + it->at, 4);
    if (n > it->len - it->at - 4)
        return it->left = 0, false;
    *d = it->d + it->at + 4;
    *len = n;
    it->at += 4 + n;
    return true;
}

/* ---- deduplication by key ------------------------------------------------ */

static uint32_t key_slot(const uint8_t key[32])
{
    return (uint32_t)gb_le_get(key, 4) & (2 * KEYS_GEN - 1);
}

/* Was key first seen somewhere other than pos?  If not seen at all, it is
 * remembered at pos.  (Reading a message again, after a takeover, finds
 * its keys at their own positions: not duplicates.) */
static bool seen_elsewhere(gb_cluster *c, const uint8_t key[32], uint64_t pos)
{
    for (int g = 0; g < 2; g++) {
        key_gen *k = &c->keys[g];
        if (!k->pos)
            continue;
        for (uint32_t i = key_slot(key);; i = (i + 1) & (2 * KEYS_GEN - 1)) {
            if (!k->pos[i])
                break;
            if (!memcmp(k->key[i], key, 32))
                return k->pos[i] != pos;
        }
    }
    key_gen *k = &c->keys[0];
    if (k->n == KEYS_GEN || !k->pos) {
        key_gen old = c->keys[1];
        c->keys[1] = c->keys[0];
        k->n = 0;
        k->key = old.key ? old.key : gb_malloc(2 * KEYS_GEN * 32);
        k->pos = old.pos ? old.pos : gb_malloc(2 * KEYS_GEN * 8);
        if (!k->key || !k->pos) { /* (remembered in neither) */
            free(k->key), free(k->pos);
            k->key = NULL, k->pos = NULL;
            return false;
        }
        memset(k->pos, 0, 2 * KEYS_GEN * 8);
    }
    uint32_t i = key_slot(key);
    while (k->pos[i])
        i = (i + 1) & (2 * KEYS_GEN - 1);
    memcpy(k->key[i], key, 32);
    k->pos[i] = pos;
    k->n++;
    return false;
}

/* signer used nonce: read in the log (in TX message seq, which is on
 * its subject: 0 when not known), or sent by this replica (own). */
static void note_nonce(gb_cluster *c, const gb_id *signer, uint64_t nonce,
                       uint64_t seq, bool own)
{
    uint64_t now = mono_ms() + 1; /* (0 marks a free slot) */
    pthread_mutex_lock(&c->mu);
    sent_nonce *slot = &c->nonces[0];
    for (uint32_t i = 0; i < NONCES; i++) {
        sent_nonce *e = &c->nonces[i];
        if (e->at && gb_id_eq(e->signer, *signer)) {
            slot = e;
            break;
        }
        if (e->at < slot->at)
            slot = e; /* the oldest (or a free one) */
    }
    if (!slot->at || !gb_id_eq(slot->signer, *signer)) {
        slot->next = 0;
        slot->own = 0;
        slot->seq = 0;
    }
    uint64_t *n = own ? &slot->own : &slot->next;
    if (*n < nonce + 1)
        *n = nonce + 1;
    if (slot->seq < seq)
        slot->seq = seq;
    slot->signer = *signer;
    slot->at = now;
    pthread_mutex_unlock(&c->mu);
}

/* A transaction of signer with this nonce did not reach the log: its
 * nonce may be used again. */
static void unnote_nonce(gb_cluster *c, const gb_id *signer, uint64_t nonce)
{
    pthread_mutex_lock(&c->mu);
    for (uint32_t i = 0; i < NONCES; i++) {
        sent_nonce *e = &c->nonces[i];
        if (e->at && gb_id_eq(e->signer, *signer)) {
            if (e->own > nonce)
                e->own = nonce;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
}

/* ---- reading the streams ----------------------------------------------- */

static void reader_stop(reader *r)
{
    natsMsg_Destroy(r->held);
    r->held = NULL;
    natsSubscription_Destroy(r->sub);
    r->sub = NULL;
}

/* (Re)start r at sequence from. */
static void reader_start(gb_cluster *c, reader *r, uint64_t from)
{
    reader_stop(r);
    r->next = from ? from : 1;
    r->heard = mono_ms();
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = r->stream;
    so.Ordered = true;
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = r->next;
    jsErrCode je = 0;
    if (js_SubscribeSync(&r->sub, c->js, r->subj, NULL, &so, &je) !=
        NATS_OK)
        r->sub = NULL; /* (the servers away: tried again next time) */
}

/* The message at r->next (advancing it), or NULL when there is none yet.
 * The caller destroys it. */
static natsMsg *reader_next(gb_cluster *c, reader *r)
{
    if (!r->sub) {
        reader_start(c, r, r->next);
        if (!r->sub)
            return NULL;
    }
    for (;;) {
        natsMsg *m = r->held;
        natsStatus s = NATS_OK;
        r->held = NULL;
        if (!m)
            s = natsSubscription_NextMsg(&m, r->sub, 0);
        uint64_t now = mono_ms();
        if (s == NATS_TIMEOUT) {
            if (now - r->heard < PROBE_MS)
                return NULL;
            /* quiet for a while: the stream itself says whether the
             * consumer missed something (a server gone, a reconnect) */
            r->heard = now;
            jsErrCode je = 0;
            if (js_GetMsg(&m, c->js, r->stream, r->next, NULL, &je) !=
                NATS_OK)
                return NULL;
            reader_start(c, r, r->next + 1); /* (m is r->next) */
            return m;
        }
        if (s != NATS_OK) { /* (a slow consumer lost some) */
            reader_start(c, r, r->next);
            return NULL;
        }
        jsMsgMetaData *meta = NULL;
        uint64_t seq = 0;
        if (natsMsg_GetMetaData(&meta, m) == NATS_OK)
            seq = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
        if (seq && seq < r->next) { /* (delivered again) */
            natsMsg_Destroy(m);
            continue;
        }
        if (seq != r->next) { /* a gap: from where it should be */
            natsMsg_Destroy(m);
            reader_start(c, r, r->next);
            return NULL;
        }
        r->next++;
        r->heard = now;
        c->moved = now;
        return m;
    }
}

/* ---- the lease -------------------------------------------------------- */

static void lose(gb_cluster *c)
{
    free(c->own);
    c->own = NULL;
    c->leader = false;
    c->published = 0;
    c->npend = 0;
    gb_chain_pending_clear(c->chain);
}

static void lease(gb_cluster *c, uint64_t now)
{
    if (now < c->lease_next)
        return;
    c->lease_next = now + c->cfg.lease_ms / 4;
    uint64_t rev = 0;
    int n = (int)strlen(c->me);
    if (c->leader) {
        if (kvStore_Update(&rev, c->kv, LEASE_KEY, c->me, n, c->lease_rev) ==
            NATS_OK)
            c->lease_rev = rev;
        else
            lose(c);
        return;
    }
    if (kvStore_Create(&rev, c->kv, LEASE_KEY, c->me, n) == NATS_OK) {
        c->leader = true;
        c->lease_rev = rev;
        pthread_mutex_lock(&c->mu);
        c->tx_next = c->tx_taken + 1; /* after what the log's blocks took */
        snprintf(c->holder, sizeof c->holder, "%s", c->me);
        pthread_mutex_unlock(&c->mu);
        c->npend = 0;
        gb_chain_pending_clear(c->chain);
        c->next_block = now;
        /* the blocks in the log this replica has not applied yet come
         * first (its next would not be the log's next) */
        c->published = 0;
        jsStreamInfo *si = NULL;
        jsErrCode je = 0;
        if (js_GetStreamInfo(&si, c->js, c->blk_stream, NULL, &je) ==
            NATS_OK) {
            c->published = (uint32_t)si->State.LastSeq;
            jsStreamInfo_Destroy(si);
        }
        /* taken from tx_next; the keys of the KEY_WINDOW messages before
         * it read first, unless this replica read them already: a
         * request already in the log is not taken twice, whatever this
         * replica read before (restarted, or far behind) */
        uint64_t from = c->tx_next > KEY_WINDOW ? c->tx_next - KEY_WINDOW
                                                : 1;
        if (!c->keys_from || c->keys_from > from ||
            c->txr.next < c->tx_next) {
            reader_start(c, &c->txr, from);
            c->keys_from = from;
        } else
            reader_start(c, &c->txr, c->tx_next);
        return;
    }
    kvEntry *en = NULL;
    if (kvStore_Get(&en, c->kv, LEASE_KEY) == NATS_OK && en) {
        pthread_mutex_lock(&c->mu);
        snprintf(c->holder, sizeof c->holder, "%.*s",
                 kvEntry_ValueLen(en), (const char *)kvEntry_Value(en));
        pthread_mutex_unlock(&c->mu);
        kvEntry_Destroy(en);
    }
}

/* ---- blocks from the log ----------------------------------------------- */

/* The blocks applied took TX messages up to tx_upto. */
static void taken_upto(gb_cluster *c, uint64_t tx_upto)
{
    pthread_mutex_lock(&c->mu);
    if (tx_upto > c->tx_taken)
        c->tx_taken = tx_upto;
    pthread_mutex_unlock(&c->mu);
}

/* The message id of TX message seq: BLAKE2b-256("gearbox/cluster" ||
 * name || seq u64 LE), known to the replica that published it as soon as
 * JetStream acknowledged it. */
static gb_id tx_mid(const gb_cluster *c, uint64_t seq)
{
    uint8_t b[8];
    gb_le_put(b, seq, 8);
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, "gearbox/cluster", 15);
    gb_blake2b_update(&st, c->name, strlen(c->name));
    gb_blake2b_update(&st, b, 8);
    gb_id id;
    gb_blake2b_final(&st, id.b);
    return id;
}

/* The message id of a keyed TX message (a part of a signed transaction,
 * key naming it): BLAKE2b-256("gearbox/cluster" || name || key), known
 * before it is published, so that it is answered without waiting for
 * JetStream's sequence. */
static gb_id key_mid(const gb_cluster *c, const uint8_t key[32])
{
    gb_blake2b_state st;
    gb_blake2b_init(&st);
    gb_blake2b_update(&st, "gearbox/cluster", 15);
    gb_blake2b_update(&st, c->name, strlen(c->name));
    gb_blake2b_update(&st, key, 32);
    gb_id id;
    gb_blake2b_final(&st, id.b);
    return id;
}

/* The leader's pending list without the TX messages a block took. */
static void drop_taken(gb_cluster *c, const uint64_t *seqs, uint32_t n)
{
    uint32_t w = 0;
    for (uint32_t i = 0; i < c->npend; i++) {
        bool in = false;
        for (uint32_t j = 0; j < n && !in; j++)
            in = seqs[j] == c->pend_seq[i];
        if (!in)
            c->pend_seq[w++] = c->pend_seq[i];
    }
    c->npend = w;
}

/* Apply block height+1 if the log has it: 1 applied, 0 not there yet,
 * -1 an error (*e) or a divergence. */
static int apply_next(gb_cluster *c, gb_block_result *out, gb_err *e)
{
    uint32_t h = gb_chain_height(c->chain) + 1;
    natsMsg *m = NULL;
    const uint8_t *d;
    size_t len;
    uint8_t *own = NULL;
    if (c->own && c->own_h == h) {
        /* the sequencer's own block, as JetStream acknowledged it at this
         * sequence: the same bytes the log holds; the consumer's copy is
         * skipped (reader_next: below next) */
        own = c->own;
        d = own;
        len = c->own_len;
        c->own = NULL;
    } else {
        free(c->own); /* (not the next block: read from the log) */
        c->own = NULL;
        if (c->blkr.next != h) /* (started, or a block not applied) */
            reader_start(c, &c->blkr, h);
        m = reader_next(c, &c->blkr);
        if (!m)
            return 0; /* not there yet, or the servers away: later */
        d = (const uint8_t *)natsMsg_GetData(m);
        len = (size_t)natsMsg_GetDataLength(m);
    }
    int rc = -1;
    uint32_t n = 0;
    uint8_t *raw = NULL;
    if (len >= BLK_HEAD && !memcmp(d, BLK_MAGIC_Z, 4)) {
        bool nomem;
        raw = unsqueeze(d, len, BLK_HEAD, &len, &nomem);
        if (!raw && nomem) {
            *e = GB_NOMEM;
            goto out;
        }
        d = raw;
        if (!raw)
            len = 0; /* malformed, below */
    }
    if (len < BLK_HEAD || (raw == NULL && memcmp(d, BLK_MAGIC, 4)) ||
        gb_le_get(d + 4, 4) != h ||
        (n = (uint32_t)gb_le_get(d + 48, 4)) > (len - BLK_HEAD) / 8) {
        pthread_mutex_lock(&c->mu);
        c->diverged = true;
        c->diverged_at = h;
        pthread_mutex_unlock(&c->mu);
        fprintf(stderr, "cluster: block %u in %s is malformed: stopped\n", h,
                c->blk_stream);
        goto out;
    }
    uint8_t root[32];
    if ((*e = gb_chain_state_root(c->chain, root)))
        goto out;
    if (memcmp(root, d + 8, 32)) {
        pthread_mutex_lock(&c->mu);
        c->diverged = true;
        c->diverged_at = h;
        pthread_mutex_unlock(&c->mu);
        fprintf(stderr,
                "cluster: DIVERGED: this replica's state root at block %u "
                "differs from the sequencer's; it stops applying blocks "
                "(replay its data directory: gearbox replay)\n", h - 1);
        goto out;
    }
    uint64_t tx_upto = gb_le_get(d + 40, 8);
    uint64_t *seqs = gb_malloc((n ? n : 1) * sizeof *seqs);
    if (!seqs) {
        *e = GB_NOMEM;
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        seqs[i] = gb_le_get(d + BLK_HEAD + 8 * (size_t)i, 8);
    size_t at = BLK_HEAD + 8 * (size_t)n;
    *e = gb_chain_apply_inputs(c->chain, d + at, len - at, out);
    if (*e == GB_MALFORMED) {
        fprintf(stderr, "cluster: block %u's inputs are malformed: "
                        "stopped\n", h);
        pthread_mutex_lock(&c->mu);
        c->diverged = true;
        c->diverged_at = h;
        pthread_mutex_unlock(&c->mu);
        *e = GB_OK;
    } else if (!*e) {
        c->draining = gb_block_drains(out, c->queued);
        c->queued = out->queued_left;
        taken_upto(c, tx_upto);
        drop_taken(c, seqs, n);
        if (own && c->blkr.next == h)
            c->blkr.next = h + 1;
        rc = 1;
    }
    free(seqs);
out:
    free(raw);
    free(own);
    if (m)
        natsMsg_Destroy(m);
    return rc;
}

/* ---- the sequencer ------------------------------------------------------ */

/* One transaction of TX message seq (the idx-th in it) read: its signer's
 * nonce noted, and the leader takes it into its pending pool, unless a
 * signed transaction with its key came before (sent twice). */
static void read_tx(gb_cluster *c, uint64_t seq, uint32_t idx,
                    const uint8_t *d, size_t len)
{
    gb_tx tx;
    tx_head th;
    bool take = c->leader && seq >= c->tx_next;
    /* (the record itself only parsed when it is taken) */
    if (parse_tx(d, len, take ? &tx : NULL, &th))
        return;
    if (th.keyed && seen_elsewhere(c, th.key, seq << 16 | idx))
        return;
    if (th.is_signed)
        note_nonce(c, &th.signer, th.nonce, 0, false);
    if (!take)
        return;
    if (c->npend == c->cap_pend) {
        uint32_t cap = c->cap_pend ? 2 * c->cap_pend : 64;
        uint64_t *p = gb_realloc(c->pend_seq, cap * sizeof *p);
        if (!p)
            return; /* (dropped, as a pool that cannot grow drops one) */
        c->pend_seq = p;
        c->cap_pend = cap;
    }
    gb_id mid = th.keyed ? key_mid(c, th.key) : tx_mid(c, seq);
    if (!gb_chain_submit_as(c->chain, &tx, &mid, NULL, NULL, NULL, 0))
        c->pend_seq[c->npend++] = seq;
}

/* Every replica: the TX messages as they come, for the signers' nonces
 * and the keys seen; the leader also takes them, in order, into its
 * pending pool. */
static void read_txs(gb_cluster *c)
{
    pthread_mutex_lock(&c->mu);
    uint64_t taken = c->tx_taken;
    pthread_mutex_unlock(&c->mu);
    if (!c->leader && c->txr.next + TX_PER_STEP <= taken) {
        reader_start(c, &c->txr, taken + 1); /* (the older are in blocks) */
        c->keys_from = taken + 1;
    }
    if (!c->keys_from)
        c->keys_from = c->txr.next ? c->txr.next : 1;
    for (uint32_t k = 0; k < TX_PER_STEP; k++) {
        if (!c->read_up && c->txr.next > c->tx_last_open)
            c->read_up = true;
        natsMsg *m = reader_next(c, &c->txr);
        if (!m)
            return;
        uint64_t seq = c->txr.next - 1;
        const uint8_t *d = (const uint8_t *)natsMsg_GetData(m);
        size_t dlen = (size_t)natsMsg_GetDataLength(m);
        uint8_t *raw = NULL;
        if (dlen && d[0] == TX_BATCH_Z) {
            bool nomem;
            raw = unsqueeze(d, dlen, 1, &dlen, &nomem);
            if (!raw && nomem) { /* read again at the next step */
                natsMsg_Destroy(m);
                reader_start(c, &c->txr, seq);
                return;
            }
            if (!raw) { /* (malformed: skipped, as next_tx skips one) */
                fprintf(stderr, "cluster: TX message %llu is malformed\n",
                        (unsigned long long)seq);
                dlen = 0;
            } else {
                raw[0] = TX_BATCH;
                d = raw;
            }
        }
        tx_iter it;
        tx_iter_init(&it, d, dlen);
        const uint8_t *td;
        size_t tlen;
        const uint8_t *last = NULL;
        size_t last_len = 0;
        for (uint32_t idx = 0;
             dlen && idx < BATCH_MAX_TX && next_tx(&it, &td, &tlen); idx++)
            read_tx(c, seq, idx, td, tlen), last = td, last_len = tlen;
        /* the message is on its signer's subject: known up to it once
         * all its nonces are (its last is the highest) */
        tx_head th;
        if (c->per_signer && last && !parse_tx(last, last_len, NULL, &th) &&
            th.is_signed)
            note_nonce(c, &th.signer, th.nonce, seq, false);
        if (c->leader && seq >= c->tx_next)
            c->tx_next = seq + 1;
        atomic_store(&c->tx_read, seq);
        free(raw);
        natsMsg_Destroy(m);
    }
}

/* The next block: what waits, whole TX messages, or none at all (a block
 * at block time carries the chain on like the node alone's: the queue a
 * full block left, delayed messages and waits that time out go on). */
static void publish_block(gb_cluster *c, uint64_t now)
{
    uint8_t *rec = NULL;
    size_t rlen = 0;
    uint32_t ntx = 0, h = gb_chain_height(c->chain);
    uint64_t ts = wall_ms();
    if (ts <= gb_chain_timestamp(c->chain))
        ts = gb_chain_timestamp(c->chain) + 1;
    uint32_t max = c->npend < BLOCK_MAX_TX ? c->npend : BLOCK_MAX_TX;
    /* whole TX messages only (a new sequencer starts after the last one a
     * block took); a message holds at most BLOCK_MAX_TX */
    while (max < c->npend && max && c->pend_seq[max] == c->pend_seq[max - 1])
        max--;
    if (!max && c->npend)
        return;
    if (gb_chain_next_inputs(c->chain, max, ts, &rec, &rlen, &ntx))
        return;
    if (ntx != max) { /* (the pool holds only what the log gave) */
        free(rec);
        return;
    }
    /* the TX messages before the first one left pending are done with: a
     * new sequencer starts after them */
    uint64_t upto = ntx < c->npend ? c->pend_seq[ntx] - 1 : c->tx_next - 1;
    size_t len = BLK_HEAD + 8 * (size_t)ntx + rlen;
    uint8_t *msg = gb_malloc(len);
    uint8_t root[32];
    if (!msg || gb_chain_state_root(c->chain, root)) {
        free(msg);
        free(rec);
        return;
    }
    memcpy(msg, BLK_MAGIC, 4);
    gb_le_put(msg + 4, h + 1, 4);
    memcpy(msg + 8, root, 32);
    gb_le_put(msg + 40, upto, 8);
    gb_le_put(msg + 48, ntx, 4);
    for (uint32_t i = 0; i < ntx; i++)
        gb_le_put(msg + BLK_HEAD + 8 * (size_t)i, c->pend_seq[i], 8);
    memcpy(msg + BLK_HEAD + 8 * (size_t)ntx, rec, rlen);
    free(rec);
    size_t zlen;
    uint8_t *z = squeeze(msg, len, BLK_HEAD, &zlen);
    if (z) {
        memcpy(z, BLK_MAGIC_Z, 4);
        free(msg);
        msg = z;
        len = zlen;
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    /* block h+1 is message h+1: no second block at a height */
    if (h)
        po.ExpectLastSeq = h;
    else
        po.ExpectNoMessage = true;
    jsPubAck *pa = NULL;
    jsErrCode je = 0;
    natsStatus s =
        js_Publish(&pa, c->js, c->blk_subj, msg, (int)len, &po, &je);
    bool at_h = s == NATS_OK && pa && pa->Sequence == (uint64_t)h + 1;
    jsPubAck_Destroy(pa);
    free(c->own);
    c->own = NULL;
    if (at_h) { /* applied from here (apply_next) */
        c->own = msg;
        c->own_len = len;
        c->own_h = h + 1;
    } else
        free(msg);
    if (s == NATS_OK) {
        c->next_block = now + c->cfg.block_time_ms;
        c->last_block = now;
        c->published = h + 1;
    }
    else if (je == JSStreamWrongLastSequenceErr)
        lose(c); /* another replica published: it is the sequencer */
}

uint32_t gb_cluster_wait_ms(gb_cluster *c)
{
    uint64_t now = mono_ms();
    /* (every replica is woken by its next TX message, gb_cluster_wait;
     * the others look for blocks this often while the log moves) */
    uint32_t w = now - c->moved < BUSY_MS && !c->leader ? POLL_BUSY_MS
                                                         : POLL_IDLE_MS;
    if (c->leader && c->cfg.dev && (c->npend || c->draining)) {
        uint64_t due = c->draining ? now : c->last_block + BLOCK_GAP_MS;
        w = due <= now ? 1 : due - now < w ? (uint32_t)(due - now) : w;
    }
    return w;
}

void gb_cluster_wait(gb_cluster *c, uint32_t ms)
{
    /* every replica wakes for its next TX message: the sequencer to take
     * it, the others to count its nonces at once (a client's next
     * request, through this replica, waits for that: gb_cluster_settle_for) */
    reader *r = &c->txr;
    if (r->held)
        return;
    if (r->sub) {
        natsMsg *m = NULL;
        natsStatus s = natsSubscription_NextMsg(&m, r->sub, ms);
        if (s == NATS_OK) {
            r->held = m;
            return;
        }
        if (s == NATS_TIMEOUT)
            return;
        /* (the subscription failed: reader_next starts it again; a
         * pause, not a spin) */
    }
    struct timespec w = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
    nanosleep(&w, NULL);
}

gb_err gb_cluster_step(gb_cluster *c, gb_block_result *out, bool *applied)
{
    *applied = false;
    pthread_mutex_lock(&c->mu);
    bool diverged = c->diverged;
    pthread_mutex_unlock(&c->mu);
    if (diverged)
        return GB_OK; /* stopped: says so in health */
    gb_err e = GB_OK;
    int r = apply_next(c, out, &e);
    if (r == 1) {
        *applied = true;
        return GB_OK;
    }
    if (r < 0)
        return e;
    uint64_t now = mono_ms();
    lease(c, now);
    follow_leader(c, now);
    read_txs(c);
    if (!c->leader)
        return GB_OK;
    /* a block at block time (with transactions or none); dev: as soon as
     * transactions wait, at most one per BLOCK_GAP_MS so that one takes
     * what came meanwhile, and at once when the last block left a
     * backlog that drains (a block of many transactions queues more than
     * its gas allowance dispatches: the rest goes on without waiting, as
     * the node alone's does); the next once this replica applied the
     * last it published */
    bool due = now >= c->next_block || c->npend >= BLOCK_MAX_TX ||
               (c->cfg.dev && c->draining) ||
               (c->cfg.dev && c->npend && now >= c->last_block + BLOCK_GAP_MS);
    if (due && gb_chain_height(c->chain) >= c->published) {
        publish_block(c, now);
        if (c->own) { /* applied at once, not after the log's delivery */
            r = apply_next(c, out, &e);
            if (r < 0)
                return e;
            *applied = r == 1;
        }
    }
    return GB_OK;
}

/* ---- submitting -------------------------------------------------------- */

/* Publish and wait for JetStream's acknowledgement: *seq its sequence.  A
 * server gone, or the stream's leader being elected again (JetStream then
 * answers "no responders", a timeout, or a cluster error), answers again
 * within seconds: tried until deadline (mono_ms) before giving up.  A
 * timeout may have been published after all: tried again only with a
 * message id, which JetStream takes once. */
/* The subject of signer's TX messages (NULL: of transactions no one
 * signed). */
static void tx_subject(const gb_cluster *c, const gb_id *signer,
                       char out[TX_SUBJ_LEN])
{
    char hex[67];
    if (!c->per_signer)
        snprintf(out, TX_SUBJ_LEN, "%s", c->tx_subj);
    else if (!signer)
        snprintf(out, TX_SUBJ_LEN, "%s.u", c->tx_subj);
    else {
        gb_id_to_hex(*signer, hex);
        snprintf(out, TX_SUBJ_LEN, "%s.%s", c->tx_subj, hex);
    }
}

/* Publish (b, n) on subj; expect (0: none): the last message on subj must
 * be that one, else JetStream refuses it (*je
 * JSStreamWrongLastSequenceErr, returned at once). */
static natsStatus publish_wait(gb_cluster *c, const char *subj,
                               const uint8_t *b, size_t n,
                               const char *msgid, uint64_t expect,
                               uint64_t deadline, uint64_t *seq,
                               jsErrCode *je)
{
    jsPubOptions po;
    jsPubOptions_Init(&po);
    if (msgid && msgid[0])
        po.MsgId = msgid;
    po.ExpectLastSubjectSeq = expect;
    natsStatus s = NATS_ERR;
    for (;;) {
        jsPubAck *pa = NULL;
        *je = 0;
        pub_follow(c);
        s = js_Publish(&pa, c->pub, subj, b, (int)n, &po, je);
        if (s == NATS_OK)
            *seq = pa->Sequence;
        else /* (the leader may have moved: the block thread asks) */
            c->leader_news = true;
        jsPubAck_Destroy(pa);
        if (s == NATS_OK || (s == NATS_TIMEOUT && !po.MsgId) ||
            *je == JSStreamWrongLastSequenceErr || mono_ms() >= deadline)
            return s;
        struct timespec w = {0, 200 * 1000000};
        nanosleep(&w, NULL);
    }
}

/* The signed transactions of batch (b, n) did not reach the log: their
 * nonces may be used again. */
static void batch_unnote(gb_cluster *c, const uint8_t *b, size_t n)
{
    tx_iter it;
    tx_iter_init(&it, b, n);
    const uint8_t *d;
    size_t len;
    tx_head th;
    while (next_tx(&it, &d, &len))
        if (!parse_tx(d, len, NULL, &th) && th.is_signed)
            unnote_nonce(c, &th.signer, th.nonce);
}

/* Publish the batch (b, n: its head written) of signer's transactions
 * (NULL: no one's) as one TX message on its subject, and wait for
 * JetStream.  Its id (the BLAKE2b of its keys, hex) lets a publish that
 * timed out be tried again without being taken twice.  The request's
 * signer whose nonces were taken without settling (req_opt) expects its
 * subject's last message to be the one it knew of: GB_AGAIN (nothing of
 * the request in the log yet: it may be handled again, settled) or GB_IO
 * when another replica sent one meanwhile. */
static gb_err publish_batch(gb_cluster *c, const uint8_t *b, size_t n,
                            const gb_id *signer, char *detail, size_t len)
{
    gb_blake2b_state ks;
    gb_blake2b_init(&ks);
    tx_iter it;
    tx_iter_init(&it, b, n);
    const uint8_t *d;
    size_t dlen;
    tx_head th;
    uint64_t top = 0; /* (the signer's last nonce in it) */
    while (next_tx(&it, &d, &dlen))
        if (!parse_tx(d, dlen, NULL, &th)) {
            if (th.keyed)
                gb_blake2b_update(&ks, th.key, 32);
            if (th.is_signed && th.nonce > top)
                top = th.nonce;
        }
    uint8_t h[32];
    gb_blake2b_final(&ks, h);
    char msgid[65], subj[TX_SUBJ_LEN];
    for (int i = 0; i < 32; i++)
        snprintf(msgid + 2 * i, 3, "%02x", h[i]);
    tx_subject(c, signer, subj);
    bool opt = signer && c->req_opt && gb_id_eq(*signer, c->req_signer);
    uint64_t seq;
    jsErrCode je = 0;
    size_t zlen = 0;
    uint8_t *z = squeeze(b, n, 1, &zlen);
    if (z)
        z[0] = TX_BATCH_Z;
    natsStatus s = publish_wait(c, subj, z ? z : b, z ? zlen : n, msgid,
                                opt ? c->req_seq : 0, mono_ms() + 10000,
                                &seq, &je);
    free(z);
    if (s == NATS_OK) {
        if (opt) { /* (nothing came on the subject in between) */
            note_nonce(c, signer, top, seq, true);
            c->req_seq = seq;
        }
        c->req_pub = true;
        return GB_OK;
    }
    if (je != JSStreamWrongLastSequenceErr)
        return nats_fail(s, je, "publishing the transactions", detail, len);
    snprintf(detail, len,
             "another replica sent a transaction of the same account "
             "at the same time");
    if (c->req_pub)
        return GB_IO;
    atomic_fetch_add(&c->n_again, 1);
    return GB_AGAIN;
}

gb_err gb_cluster_sync(gb_cluster *c, char *detail, size_t len)
{
    if (!c->bat_n)
        return GB_OK;
    c->bat[0] = TX_BATCH;
    gb_le_put(c->bat + 1, c->bat_n, 4);
    /* one TX message per signer: the first's, and the others' (rare: a
     * request of several signers) */
    tx_iter it;
    tx_iter_init(&it, c->bat, c->bat_len);
    const uint8_t *d;
    size_t dlen;
    tx_head th, first;
    bool one = true, have = false;
    while (next_tx(&it, &d, &dlen))
        if (!parse_tx(d, dlen, NULL, &th)) {
            if (!have)
                first = th, have = true;
            else if (th.is_signed != first.is_signed ||
                     (th.is_signed && !gb_id_eq(th.signer, first.signer)))
                one = false;
        }
    gb_err e = GB_OK;
    if (one || !c->per_signer) {
        e = publish_batch(c, c->bat, c->bat_len,
                          have && first.is_signed ? &first.signer : NULL,
                          detail, len);
        if (e)
            batch_unnote(c, c->bat, c->bat_len);
    } else {
        /* the transactions each signer's message takes: its own, in
         * order, the batch's first not taken yet beginning the next */
        uint8_t *taken = gb_calloc(c->bat_n, 1);
        if (!taken || (c->grp_cap < c->bat_len &&
                       !(c->grp = gb_realloc(c->grp, c->bat_len)))) {
            free(taken);
            batch_unnote(c, c->bat, c->bat_len);
            c->grp_cap = 0;
            c->bat_n = 0;
            c->bat_len = 0;
            return GB_NOMEM;
        }
        if (c->grp_cap < c->bat_len)
            c->grp_cap = c->bat_len;
        for (uint32_t i = 0; i < c->bat_n; i++) {
            if (taken[i])
                continue;
            size_t at = 5;
            uint32_t k = 0, j = 0;
            tx_head lead;
            tx_iter_init(&it, c->bat, c->bat_len);
            for (; next_tx(&it, &d, &dlen); j++) {
                if (j < i || taken[j] || parse_tx(d, dlen, NULL, &th))
                    continue;
                if (j == i)
                    lead = th;
                else if (th.is_signed != lead.is_signed ||
                         (th.is_signed &&
                          !gb_id_eq(th.signer, lead.signer)))
                    continue;
                gb_le_put(c->grp + at, dlen, 4);
                memcpy(c->grp + at + 4, d, dlen);
                at += 4 + dlen;
                k++;
                taken[j] = 1;
            }
            c->grp[0] = TX_BATCH;
            gb_le_put(c->grp + 1, k, 4);
            if (!e)
                e = publish_batch(c, c->grp, at,
                                  lead.is_signed ? &lead.signer : NULL,
                                  detail, len);
            if (e) /* (this one and the rest did not go) */
                batch_unnote(c, c->grp, at);
        }
        free(taken);
    }
    c->bat_n = 0;
    c->bat_len = 0;
    return e;
}

gb_err gb_cluster_submit(gb_cluster *c, const gb_tx *tx, const uint8_t *key,
                         const gb_id *signer, uint64_t nonce, gb_id *id,
                         gb_id *msg_id, char *detail, size_t len)
{
    size_t head = 1 + (signer ? 40 : 0) + (key ? 32 : 0),
           n = head + gb_pool_tx_size(tx);
    /* a keyed one joins the request's batch (its ids known from its key:
     * answered once gb_cluster_sync has it in the log); one that would
     * not fit sends the batch first */
    if (key && c->bat_n &&
        (c->bat_n == BATCH_MAX_TX || c->bat_len + 4 + n > BATCH_MAX_BYTES)) {
        gb_err e = gb_cluster_sync(c, detail, len);
        if (e)
            return e;
    }
    size_t need = (c->bat_n ? c->bat_len : 5) + 4 + n;
    if (key && need > c->bat_cap) {
        size_t cap = c->bat_cap ? c->bat_cap : 4096;
        while (cap < need)
            cap *= 2;
        uint8_t *p = gb_realloc(c->bat, cap);
        if (!p)
            return GB_NOMEM;
        c->bat = p;
        c->bat_cap = cap;
    }
    uint8_t *b = key ? NULL : gb_malloc(n);
    if (!key && !b)
        return GB_NOMEM;
    if (key) {
        if (!c->bat_n)
            c->bat_len = 5;
        gb_le_put(c->bat + c->bat_len, n, 4);
        b = c->bat + c->bat_len + 4;
    }
    b[0] = (signer ? TX_SIGNED : 0) | (key ? TX_KEYED : 0);
    size_t at = 1;
    if (signer) {
        memcpy(b + at, signer->b, 32);
        gb_le_put(b + at + 32, nonce, 8);
        at += 40;
    }
    if (key) {
        memcpy(b + at, key, 32);
        at += 32;
    }
    gb_pool_tx_write(tx, b + head);
    gb_id mid;
    if (key) {
        c->bat_len += 4 + n;
        c->bat_n++;
        mid = key_mid(c, key);
    } else {
        /* its id comes from its sequence: after what is on its way (the
         * log keeps this replica's order) */
        gb_err e = gb_cluster_sync(c, detail, len);
        uint64_t seq = 0;
        jsErrCode je = 0;
        char subj[TX_SUBJ_LEN];
        tx_subject(c, NULL, subj); /* (no key: no signer) */
        natsStatus s = e ? NATS_OK
                         : publish_wait(c, subj, b, n, NULL, 0,
                                        mono_ms() + 10000, &seq, &je);
        if (!e && s == NATS_OK)
            c->req_pub = true;
        free(b);
        if (e)
            return e;
        if (s != NATS_OK)
            return nats_fail(s, je, "publishing the transaction", detail,
                             len);
        mid = tx_mid(c, seq);
    }
    if (signer) /* at once here; the other replicas read it from TX */
        note_nonce(c, signer, nonce, 0, true);
    gb_id i, m;
    gb_chain_tx_ids(tx, mid, &i, &m);
    if (id)
        *id = i;
    if (msg_id)
        *msg_id = m;
    return GB_OK;
}

uint64_t gb_cluster_nonce_floor(gb_cluster *c, gb_id signer)
{
    /* a replica just started knows the nonces of the log once it has
     * applied its blocks and read its TX messages as they were then (a
     * signed transaction sent again to it meanwhile would pass its nonce
     * check, however old) */
    if (!c->read_up) {
        int i = 0;
        for (; !c->read_up && i < 500; i++) {
            struct timespec w = {0, 20 * 1000000};
            nanosleep(&w, NULL);
        }
        fprintf(stderr, "cluster: a nonce asked for while this replica "
                        "read the log: %s after %d ms\n",
                c->read_up ? "answered" : "not known yet", 20 * i);
        if (!c->read_up)
            return UINT64_MAX;
    }
    uint64_t f = 0;
    pthread_mutex_lock(&c->mu);
    for (uint32_t i = 0; i < NONCES; i++)
        if (c->nonces[i].at && gb_id_eq(c->nonces[i].signer, signer)) {
            f = c->nonces[i].next > c->nonces[i].own ? c->nonces[i].next
                                                     : c->nonces[i].own;
            break;
        }
    pthread_mutex_unlock(&c->mu);
    return f;
}

static void settle(gb_cluster *c)
{
    /* (asked of the stream's leader through the publishing connection,
     * when there is one: no hop through another server) */
    pub_follow(c);
    jsStreamInfo *si = tx_info(c, c->pub ? c->pub : c->js);
    if (!si)
        return;
    uint64_t last = si->State.LastSeq;
    jsStreamInfo_Destroy(si);
    for (int i = 0; i < 2000; i++) {
        if (atomic_load(&c->tx_read) >= last)
            return;
        pthread_mutex_lock(&c->mu);
        uint64_t taken = c->tx_taken; /* (those in applied blocks: the
                                          chain's nonces count them) */
        pthread_mutex_unlock(&c->mu);
        if (taken >= last)
            return;
        struct timespec w = {0, 1000000};
        nanosleep(&w, NULL);
    }
}

void gb_cluster_begin(gb_cluster *c, bool again)
{
    c->req_opt = false;
    c->req_no_opt = again;
    c->req_pub = false;
}

bool gb_cluster_settle_for(gb_cluster *c, const gb_id *signer)
{
    if (signer && c->req_opt && gb_id_eq(*signer, c->req_signer))
        return false;
    if (signer && !c->req_opt && !c->req_no_opt && c->per_signer &&
        c->read_up) {
        uint64_t seq = 0;
        pthread_mutex_lock(&c->mu);
        for (uint32_t i = 0; i < NONCES; i++)
            if (c->nonces[i].at && gb_id_eq(c->nonces[i].signer, *signer)) {
                seq = c->nonces[i].seq;
                break;
            }
        pthread_mutex_unlock(&c->mu);
        if (seq) { /* (taken before its nonce is: that one counts at
                      least the messages up to seq) */
            c->req_opt = true;
            c->req_signer = *signer;
            c->req_seq = seq;
            atomic_fetch_add(&c->n_opt, 1);
            return false;
        }
    }
    settle(c);
    return true;
}

void gb_cluster_health(gb_cluster *c, gb_cluster_status *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&c->mu);
    /* both connections: the one the streams are read through and the
     * one the transactions are published through */
    out->connected =
        natsConnection_Status(c->nc) == NATS_CONN_STATUS_CONNECTED &&
        (!c->pnc ||
         natsConnection_Status(c->pnc) == NATS_CONN_STATUS_CONNECTED);
    out->sequencer = c->leader;
    out->diverged = c->diverged;
    out->diverged_at = c->diverged_at;
    out->tx_taken = c->tx_taken;
    snprintf(out->holder, sizeof out->holder, "%s", c->holder);
    pthread_mutex_unlock(&c->mu);
    out->unsettled = atomic_load(&c->n_opt);
    out->again = atomic_load(&c->n_again);
}
