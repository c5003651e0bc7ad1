/*
 * gear_rt.c — the tiny runtime of the gearbox C SDK: the allocator on top
 * of the `alloc` syscall, the mem and str functions clang emits calls to,
 * and the helpers declared in gear.h.
 *
 * Compiled with -ffreestanding (which implies -fno-builtin), so clang does
 * not turn the loops below into calls to the very functions they define.
 * No floating point, no wasm globals besides the stack pointer: all state
 * is in .bss and so persists with the program's memory.
 */
#include "gear.h"

/* ---------------------------------------------------------------------------
 * mem* / str*
 * ------------------------------------------------------------------------- */

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4)
            *(uint32_t *)d = *(const uint32_t *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--) /* overlapping, dst above src: copy backwards */
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    uint8_t b = (uint8_t)c;
    if (((uintptr_t)d & 3) == 0) {
        uint32_t w = b * 0x01010101u;
        for (; n >= 4; n -= 4, d += 4)
            *(uint32_t *)d = w;
    }
    while (n--)
        *d++ = b;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const uint8_t *p = s;
    for (size_t i = 0; i < n; i++)
        if (p[i] == (uint8_t)c)
            return (void *)(p + i);
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b || !*a)
            return (uint8_t)*a - (uint8_t)*b;
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * The allocator
 *
 * Every block starts with an 8-byte header {size, tag}; size counts the
 * header and is a multiple of 8.  A free block keeps the next free block's
 * address right after its header.  The free list is ordered by address so
 * that neighbours coalesce and the search order does not depend on history
 * beyond the sequence of calls (deterministic, like everything here).
 * ------------------------------------------------------------------------- */

#define BLK_HDR 8u
#define BLK_MIN 16u
#define BLK_USED 0x44455355u /* "USED" */
#define BLK_FREE 0x45455246u /* "FREE" */
#define MALLOC_MAX 0x7FFF0000u

typedef struct blk {
    uint32_t size;
    uint32_t tag;
    struct blk *next; /* free blocks only */
} blk;

static blk *free_head;

static void free_insert(blk *b)
{
    blk *prev = NULL, *next = free_head;
    while (next && next < b) {
        prev = next;
        next = next->next;
    }
    b->tag = BLK_FREE;
    b->next = next;
    if (prev)
        prev->next = b;
    else
        free_head = b;
    if (next && (uint8_t *)b + b->size == (uint8_t *)next) { /* merge forward */
        b->size += next->size;
        b->next = next->next;
    }
    if (prev && (uint8_t *)prev + prev->size == (uint8_t *)b) { /* merge back */
        prev->size += b->size;
        prev->next = b->next;
    }
}

static void *take_fit(uint32_t need)
{
    blk *prev = NULL;
    for (blk *b = free_head; b; prev = b, b = b->next) {
        if (b->size < need)
            continue;
        blk *rest = b->next;
        if (b->size - need >= BLK_MIN) { /* split: the tail stays free */
            blk *t = (blk *)((uint8_t *)b + need);
            t->size = b->size - need;
            t->tag = BLK_FREE;
            t->next = b->next;
            rest = t;
            b->size = need;
        }
        if (prev)
            prev->next = rest;
        else
            free_head = rest;
        b->tag = BLK_USED;
        return (uint8_t *)b + BLK_HDR;
    }
    return NULL;
}

void *malloc(size_t size)
{
    if (size > MALLOC_MAX)
        return NULL;
    uint32_t need = ((uint32_t)size + BLK_HDR + 7u) & ~7u;
    if (need < BLK_MIN)
        need = BLK_MIN;
    void *p = take_fit(need);
    if (p)
        return p;
    uint32_t pages = (need + GEAR_WASM_PAGE_SIZE - 1) / GEAR_WASM_PAGE_SIZE;
    uint32_t page = gear_sys_alloc(pages);
    if (page == GEAR_ALLOC_FAILED)
        return NULL;
    blk *b = (blk *)(uintptr_t)(page * GEAR_WASM_PAGE_SIZE);
    b->size = pages * GEAR_WASM_PAGE_SIZE;
    free_insert(b);
    return take_fit(need);
}

void free(void *p)
{
    if (!p)
        return;
    blk *b = (blk *)((uint8_t *)p - BLK_HDR);
    if (b->tag != BLK_USED)
        gear_panic_str("free: not an allocated block");
    free_insert(b);
}

void *calloc(size_t n, size_t size)
{
    if (size && n > MALLOC_MAX / size)
        return NULL;
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    if (size == 0) {
        free(p);
        return NULL;
    }
    blk *b = (blk *)((uint8_t *)p - BLK_HDR);
    if (b->tag != BLK_USED)
        gear_panic_str("realloc: not an allocated block");
    uint32_t have = b->size - BLK_HDR;
    if (size <= have)
        return p;
    void *q = malloc(size);
    if (!q)
        return NULL;
    memcpy(q, p, have);
    free(p);
    return q;
}

void *gear_xmalloc(size_t size)
{
    void *p = malloc(size);
    if (!p)
        gr_oom_panic();
    return p;
}

/* ---------------------------------------------------------------------------
 * Ids, the current message
 * ------------------------------------------------------------------------- */

bool gear_hash_eq(const gear_hash_t *a, const gear_hash_t *b)
{
    return memcmp(a->bytes, b->bytes, 32) == 0;
}

bool gear_hash_is_zero(const gear_hash_t *h)
{
    uint8_t acc = 0;
    for (int i = 0; i < 32; i++)
        acc |= h->bytes[i];
    return acc == 0;
}

uint32_t gear_msg_size(void)
{
    uint32_t n;
    gr_size(&n);
    return n;
}

uint32_t gear_msg_read(uint32_t at, uint32_t len, void *buf)
{
    gear_error_code_t err = 0;
    gr_read(at, len, buf, &err);
    return err;
}

uint8_t *gear_msg_read_all(uint32_t *len)
{
    uint32_t n = gear_msg_size();
    uint8_t *buf = gear_xmalloc((size_t)n + 1);
    if (n && gear_msg_read(0, n, buf))
        gear_panic_str("gear_msg_read_all: gr_read failed");
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

uint32_t gear_msg_read_into(void *buf, uint32_t cap)
{
    uint32_t n = gear_msg_size();
    if (n > cap)
        n = cap;
    if (n && gear_msg_read(0, n, buf))
        return 0;
    return n;
}

gear_actor_id_t gear_msg_source(void)
{
    gear_actor_id_t id;
    gr_source(&id);
    return id;
}

gear_u128_t gear_msg_value(void)
{
    gear_u128_t v;
    gr_value(&v);
    return v;
}

gear_message_id_t gear_msg_id(void)
{
    gear_message_id_t id;
    gr_message_id(&id);
    return id;
}

gear_actor_id_t gear_program_id(void)
{
    gear_actor_id_t id;
    gr_program_id(&id);
    return id;
}

uint32_t gear_block_height(void)
{
    uint32_t h;
    gr_block_height(&h);
    return h;
}

uint64_t gear_block_timestamp(void)
{
    uint64_t t;
    gr_block_timestamp(&t);
    return t;
}

uint64_t gear_gas_available(void)
{
    uint64_t g;
    gr_gas_available(&g);
    return g;
}

uint32_t gear_reply_to(gear_message_id_t *mid)
{
    gear_error_with_hash_t e;
    gr_reply_to(&e);
    if (mid)
        *mid = e.hash;
    return e.error_code;
}

uint32_t gear_reply_code(uint32_t *err)
{
    gear_error_with_reply_code_t e;
    gr_reply_code(&e);
    if (err)
        *err = e.error_code;
    return GEAR_REPLY_CODE(e.reply_code[0], e.reply_code[1], e.reply_code[2], e.reply_code[3]);
}

/* ---------------------------------------------------------------------------
 * Replying, sending, panics, debug
 * ------------------------------------------------------------------------- */

uint32_t gear_reply_bytes(const void *data, uint32_t len)
{
    gear_error_with_hash_t e;
    gr_reply(data, len, GEAR_NO_VALUE, &e);
    return e.error_code;
}

uint32_t gear_reply_str(const char *s)
{
    return gear_reply_bytes(s, (uint32_t)strlen(s));
}

uint32_t gear_reply_value(const void *data, uint32_t len, gear_u128_t value,
                          gear_message_id_t *mid)
{
    gear_error_with_hash_t e;
    gr_reply(data, len, &value, &e);
    if (mid)
        *mid = e.hash;
    return e.error_code;
}

uint32_t gear_reply_u64(uint64_t n)
{
    char buf[24];
    uint32_t len = gear_u64_to_dec(n, buf);
    return gear_reply_bytes(buf, len);
}

uint32_t gear_send_value(const gear_actor_id_t *dest, const void *data, uint32_t len,
                         gear_u128_t value, uint32_t delay, gear_message_id_t *mid)
{
    gear_hash_with_value_t pv;
    pv.hash = *dest;
    pv.value = value;
    gear_error_with_hash_t e;
    gr_send(&pv, data, len, delay, &e);
    if (mid)
        *mid = e.hash;
    return e.error_code;
}

uint32_t gear_send_bytes(const gear_actor_id_t *dest, const void *data, uint32_t len,
                         uint32_t delay, gear_message_id_t *mid)
{
    return gear_send_value(dest, data, len, gear_u128(0), delay, mid);
}

uint32_t gear_send_str(const gear_actor_id_t *dest, const char *s, uint32_t delay,
                       gear_message_id_t *mid)
{
    return gear_send_bytes(dest, s, (uint32_t)strlen(s), delay, mid);
}

uint32_t gear_send_bytes_wgas(const gear_actor_id_t *dest, const void *data, uint32_t len,
                              uint64_t gas_limit, uint32_t delay, gear_message_id_t *mid)
{
    gear_hash_with_value_t pv;
    pv.hash = *dest;
    pv.value = gear_u128(0);
    gear_error_with_hash_t e;
    gr_send_wgas(&pv, data, len, gas_limit, delay, &e);
    if (mid)
        *mid = e.hash;
    return e.error_code;
}

void gear_panic_bytes(const void *data, uint32_t len)
{
    gr_panic(data, len);
}

void gear_panic_str(const char *msg)
{
    gr_panic(msg, (uint32_t)strlen(msg));
}

void gear_debug_bytes(const void *data, uint32_t len)
{
    gr_debug(data, len);
}

void gear_debug_str(const char *msg)
{
    gr_debug(msg, (uint32_t)strlen(msg));
}

void gear_debug_u64(const char *msg, uint64_t n)
{
    char buf[128];
    uint32_t len = (uint32_t)strlen(msg);
    if (len > sizeof buf - 24)
        len = sizeof buf - 24;
    memcpy(buf, msg, len);
    len += gear_u64_to_dec(n, buf + len);
    gr_debug(buf, len);
}

/* ---------------------------------------------------------------------------
 * Text
 * ------------------------------------------------------------------------- */

uint32_t gear_u64_to_dec(uint64_t n, char *buf)
{
    char tmp[20];
    uint32_t k = 0;
    do {
        tmp[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (uint32_t i = 0; i < k; i++)
        buf[i] = tmp[k - 1 - i];
    buf[k] = 0;
    return k;
}

bool gear_parse_u64(const char *s, uint32_t len, uint64_t *out)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

void gear_hash_to_hex(const gear_hash_t *h, char buf[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        buf[2 * i] = hex[h->bytes[i] >> 4];
        buf[2 * i + 1] = hex[h->bytes[i] & 15];
    }
    buf[64] = 0;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool gear_hash_from_hex(const char *s, uint32_t len, gear_hash_t *h)
{
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, len -= 2;
    if (len != 64)
        return false;
    for (int i = 0; i < 32; i++) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        h->bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool gear_starts_with(const void *payload, uint32_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(payload, prefix, n) == 0;
}

/* ---------------------------------------------------------------------------
 * Async table
 * ------------------------------------------------------------------------- */

static gear_async_slot_t async_slots[GEAR_ASYNC_SLOTS];

gear_async_slot_t *gear_async_slot(uint32_t i)
{
    return i < GEAR_ASYNC_SLOTS ? &async_slots[i] : NULL;
}

gear_async_slot_t *gear_async_begin(const gear_message_id_t *sent)
{
    gear_message_id_t me;
    gr_message_id(&me);
    bool first = !gear_async_find_origin(&me);
    for (uint32_t i = 0; i < GEAR_ASYNC_SLOTS; i++) {
        gear_async_slot_t *s = &async_slots[i];
        if (s->state != GEAR_ASYNC_FREE)
            continue;
        memset(s, 0, sizeof *s);
        s->state = GEAR_ASYNC_PENDING;
        s->sent = *sent;
        s->origin = me;
        /* gstd's pattern: gas for the message's handle_signal, set aside
         * once, and a reply deposit, so that even an automatic reply
         * (which carries no gas of its own) runs handle_reply.  Both are
         * best effort: a message with less gas goes on without them. */
        gear_error_code_t err;
        if (first && GEAR_ASYNC_SYSTEM_RESERVE)
            gr_system_reserve_gas(GEAR_ASYNC_SYSTEM_RESERVE, &err);
        if (GEAR_ASYNC_REPLY_DEPOSIT)
            gr_reply_deposit(sent, GEAR_ASYNC_REPLY_DEPOSIT, &err);
        return s;
    }
    return NULL;
}

gear_async_slot_t *gear_async_find_origin(const gear_message_id_t *origin)
{
    for (uint32_t i = 0; i < GEAR_ASYNC_SLOTS; i++) {
        gear_async_slot_t *s = &async_slots[i];
        if (s->state != GEAR_ASYNC_FREE && gear_hash_eq(&s->origin, origin))
            return s;
    }
    return NULL;
}

gear_async_slot_t *gear_async_find_sent(const gear_message_id_t *sent)
{
    for (uint32_t i = 0; i < GEAR_ASYNC_SLOTS; i++) {
        gear_async_slot_t *s = &async_slots[i];
        if (s->state != GEAR_ASYNC_FREE && gear_hash_eq(&s->sent, sent))
            return s;
    }
    return NULL;
}

gear_async_slot_t *gear_async_on_reply(void)
{
    gear_message_id_t to;
    if (gear_reply_to(&to))
        return NULL;
    gear_async_slot_t *s = gear_async_find_sent(&to);
    if (!s || s->state != GEAR_ASYNC_PENDING)
        return NULL;
    s->reply = gear_msg_read_all(&s->reply_len);
    s->reply_code = gear_reply_code(NULL);
    s->state = GEAR_ASYNC_DONE;
    gear_error_code_t err;
    gr_wake(&s->origin, 0, &err); /* an error here means it is not waiting */
    return s;
}

void gear_async_release(gear_async_slot_t *s)
{
    if (!s)
        return;
    free(s->reply);
    memset(s, 0, sizeof *s);
}

gear_async_slot_t *gear_async_call(const gear_actor_id_t *dest, const void *data, uint32_t len)
{
    gear_message_id_t me = gear_msg_id();
    gear_async_slot_t *s = gear_async_find_origin(&me);
    if (!s) {
        gear_message_id_t req;
        if (gear_send_bytes(dest, data, len, 0, &req))
            gear_panic_str("gear_async_call: send failed");
        if (!gear_async_begin(&req))
            gear_panic_str("gear_async_call: too many pending requests");
        gear_async_wait();
    }
    if (s->state != GEAR_ASYNC_DONE) /* woken before the reply came */
        gear_async_wait();
    return s;
}
