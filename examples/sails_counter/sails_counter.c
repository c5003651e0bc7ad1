/*
 * sails_counter — a counter that speaks Sails' encoding, as a program
 * built with sails-rs would (its interface: sails_counter.idl).
 *
 * Payloads are SCALE: the service and method names as strings (compact
 * length + bytes), then the arguments.  Replies repeat the route, then
 * the result.  Events go to the zero address: service, event name, data.
 *
 *   constructor New(start: u32, label: opt str)   the counter starts at start
 *   Counter/Add(value: u32) -> u32                  count += value; event Added
 *   Counter/Sub(value: u32) -> result (u32, str)    an error result below zero
 *   query Counter/Value() -> u32
 * Anything else panics.  gr_debug prints each call.
 */
#include "gear.h"

static uint32_t count;

/* The SCALE string at p[*at] equals name (names are under 64 bytes: one
 * byte of compact length). */
static bool take_str(const uint8_t *p, uint32_t len, uint32_t *at,
                     const char *name)
{
    uint32_t n = (uint32_t)strlen(name);
    if (*at >= len || p[*at] != (uint8_t)(n << 2) || *at + 1 + n > len ||
        memcmp(p + *at + 1, name, n) != 0)
        return false;
    *at += 1 + n;
    return true;
}

static uint32_t put_str(uint8_t *out, const char *name)
{
    uint32_t n = (uint32_t)strlen(name);
    out[0] = (uint8_t)(n << 2);
    memcpy(out + 1, name, n);
    return 1 + n;
}

static uint32_t get_u32(const uint8_t *p, uint32_t len, uint32_t at)
{
    if (at + 4 != len)
        gear_panic_str("sails_counter: expected one u32 argument");
    return (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 |
           (uint32_t)p[at + 2] << 16 | (uint32_t)p[at + 3] << 24;
}

static uint32_t put_u32(uint8_t *out, uint32_t v)
{
    out[0] = (uint8_t)v;
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)(v >> 16);
    out[3] = (uint8_t)(v >> 24);
    return 4;
}

GEAR_EXPORT(init) void init(void)
{
    uint32_t len, at = 0;
    uint8_t *p = gear_msg_read_all(&len);
    if (!take_str(p, len, &at, "New"))
        gear_panic_str("sails_counter: unknown constructor (New)");
    if (at + 5 > len)
        gear_panic_str("sails_counter: New takes (u32, opt str)");
    count = get_u32(p, at + 4, at);
    gear_debug_u64("new counter at ", count);
    uint8_t out[8];
    gear_reply_bytes(out, put_str(out, "New"));
}

GEAR_EXPORT(handle) void handle(void)
{
    uint32_t len, at = 0;
    uint8_t *p = gear_msg_read_all(&len);
    uint8_t out[64];
    uint32_t n;
    if (!take_str(p, len, &at, "Counter"))
        gear_panic_str("sails_counter: unknown service (Counter)");
    n = put_str(out, "Counter");
    if (take_str(p, len, &at, "Add")) {
        uint32_t v = get_u32(p, len, at);
        if (count + v < count)
            gear_panic_str("sails_counter: overflow");
        count += v;
        gear_debug_u64("add ", v);
        uint8_t ev[32];
        uint32_t en = put_str(ev, "Counter");
        en += put_str(ev + en, "Added");
        en += put_u32(ev + en, v);
        gear_actor_id_t zero = {0};
        gear_send_bytes(&zero, ev, en, 0, NULL);
        n += put_str(out + n, "Add");
        n += put_u32(out + n, count);
    } else if (take_str(p, len, &at, "Sub")) {
        uint32_t v = get_u32(p, len, at);
        n += put_str(out + n, "Sub");
        if (v > count) {
            out[n++] = 1; /* Err(str) */
            n += put_str(out + n, "below zero");
        } else {
            count -= v;
            out[n++] = 0; /* Ok(u32) */
            n += put_u32(out + n, count);
        }
    } else if (take_str(p, len, &at, "Value")) {
        n += put_str(out + n, "Value");
        n += put_u32(out + n, count);
    } else {
        gear_panic_str("sails_counter: unknown method (Add, Sub, Value)");
    }
    free(p);
    gear_reply_bytes(out, n);
}
