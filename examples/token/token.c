/*
 * token — a minimal fungible token with text commands.
 *
 * init: the sender becomes the owner; an optional payload (decimal) is
 *       minted to the owner as the initial supply.
 * handle, text commands (ACCOUNT = 64 hex digits, optional 0x; AMOUNT =
 * decimal u64):
 *   "mint AMOUNT"               owner only: mint to the owner
 *   "mint ACCOUNT AMOUNT"       owner only: mint to ACCOUNT
 *   "transfer ACCOUNT AMOUNT"   move AMOUNT from the sender to ACCOUNT
 *   "balance"                   the sender's balance
 *   "balance ACCOUNT"           ACCOUNT's balance
 * mint/transfer reply "ok", balance replies the amount in decimal.
 * Errors panic, so the sender gets an error reply whose payload is the
 * text: "unknown account", "insufficient balance", "not the owner",
 * "overflow", "bad command".  A panic undoes everything the run changed.
 * state: replies "supply=S accounts=N".
 *
 * Balances live in a malloc'ed array that grows with realloc: malloc'ed
 * memory persists like globals do.
 */
#include "gear.h"

typedef struct {
    gear_actor_id_t who;
    uint64_t balance;
} account;

static gear_actor_id_t owner;
static account *accounts;
static uint32_t n_accounts, cap_accounts;
static uint64_t supply;

static account *find(const gear_actor_id_t *who)
{
    for (uint32_t i = 0; i < n_accounts; i++)
        if (gear_hash_eq(&accounts[i].who, who))
            return &accounts[i];
    return NULL;
}

static account *find_or_add(const gear_actor_id_t *who)
{
    account *a = find(who);
    if (a)
        return a;
    if (n_accounts == cap_accounts) {
        cap_accounts = cap_accounts ? 2 * cap_accounts : 8;
        accounts = realloc(accounts, cap_accounts * sizeof *accounts);
        if (!accounts)
            gr_oom_panic();
    }
    a = &accounts[n_accounts++];
    a->who = *who;
    a->balance = 0;
    return a;
}

static void mint(const gear_actor_id_t *to, uint64_t amount)
{
    account *a = find_or_add(to);
    if (a->balance + amount < a->balance || supply + amount < supply)
        gear_panic_str("overflow");
    a->balance += amount;
    supply += amount;
}

/* Split "word rest..." at spaces: up to 3 words. */
static uint32_t split(char *s, uint32_t len, char *w[3], uint32_t wl[3])
{
    uint32_t n = 0, i = 0;
    while (i < len && n < 3) {
        while (i < len && s[i] == ' ')
            i++;
        if (i == len)
            break;
        w[n] = s + i;
        while (i < len && s[i] != ' ')
            i++;
        wl[n] = (uint32_t)(s + i - w[n]);
        n++;
    }
    while (i < len && s[i] == ' ')
        i++;
    return i < len ? 4 : n; /* 4: too many words */
}

static bool word_is(const char *w, uint32_t wl, const char *lit)
{
    return wl == strlen(lit) && memcmp(w, lit, wl) == 0;
}

static void parse_account(const char *w, uint32_t wl, gear_actor_id_t *out)
{
    if (!gear_hash_from_hex(w, wl, out))
        gear_panic_str("bad command");
}

static uint64_t parse_amount(const char *w, uint32_t wl)
{
    uint64_t v;
    if (!gear_parse_u64(w, wl, &v))
        gear_panic_str("bad command");
    return v;
}

GEAR_EXPORT(init) void init(void)
{
    owner = gear_msg_source();
    uint32_t len;
    char *p = (char *)gear_msg_read_all(&len);
    if (len)
        mint(&owner, parse_amount(p, len));
    free(p);
}

GEAR_EXPORT(handle) void handle(void)
{
    gear_actor_id_t sender = gear_msg_source();
    uint32_t len;
    char *cmd = (char *)gear_msg_read_all(&len);
    char *w[3];
    uint32_t wl[3];
    uint32_t n = split(cmd, len, w, wl);

    if (n >= 2 && n <= 3 && word_is(w[0], wl[0], "mint")) {
        if (!gear_hash_eq(&sender, &owner))
            gear_panic_str("not the owner");
        gear_actor_id_t to = owner;
        if (n == 3)
            parse_account(w[1], wl[1], &to);
        mint(&to, parse_amount(w[n - 1], wl[n - 1]));
        gear_reply_str("ok");
    } else if (n == 3 && word_is(w[0], wl[0], "transfer")) {
        gear_actor_id_t to;
        parse_account(w[1], wl[1], &to);
        uint64_t amount = parse_amount(w[2], wl[2]);
        account *from = find(&sender);
        if (!from)
            gear_panic_str("unknown account");
        if (from->balance < amount)
            gear_panic_str("insufficient balance");
        from->balance -= amount;
        account *dst = find_or_add(&to); /* may move the array: `from` is stale now */
        if (dst->balance + amount < dst->balance)
            gear_panic_str("overflow");
        dst->balance += amount;
        gear_reply_str("ok");
    } else if ((n == 1 || n == 2) && word_is(w[0], wl[0], "balance")) {
        gear_actor_id_t who = sender;
        if (n == 2)
            parse_account(w[1], wl[1], &who);
        account *a = find(&who);
        if (!a)
            gear_panic_str("unknown account");
        gear_reply_u64(a->balance);
    } else {
        gear_panic_str("bad command");
    }
    free(cmd);
}

GEAR_EXPORT(state) void state(void)
{
    char buf[64];
    uint32_t k = 0;
    memcpy(buf + k, "supply=", 7), k += 7;
    k += gear_u64_to_dec(supply, buf + k);
    memcpy(buf + k, " accounts=", 10), k += 10;
    k += gear_u64_to_dec(n_accounts, buf + k);
    gear_reply_bytes(buf, k);
}
