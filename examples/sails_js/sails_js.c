/*
 * sails_js — a program that speaks Sails' wire format, so sails-js
 * (and any Sails client) can talk to it from this IDL:
 *
 *     constructor {
 *       New : ();
 *     };
 *     service Counter {
 *       Add : (value: u32) -> u32;
 *       Hold : () -> u32;
 *       Release : () -> bool;
 *       Notify : () -> u32;
 *       Snooze : (blocks: u32) -> u32;
 *       query Value : () -> u32;
 *     };
 *
 * Sails' encoding: a constructor's payload is its name as a SCALE string
 * (compact length, then the UTF-8 bytes) followed by its arguments; a
 * service call's is the service name, then the method name, both SCALE
 * strings, then the SCALE-encoded arguments.  A reply repeats the two
 * names and carries the SCALE result.
 *
 *   Add(value)   count += value (wrapping is refused: panic), replies count
 *   Hold()       the message waits (gr_wait) until Release; then replies
 *                count.  One at a time.
 *   Release()    wakes the held message; replies true, or false when none
 *   Notify()     sends the caller a message (to its mailbox) carrying the
 *                value this message brought, payload Counter / Notified /
 *                count (u32) as a Sails event would be; replies count
 *   Snooze(n)    the message waits n blocks (gr_wait_for), then replies
 *                count when the runtime wakes it.  One at a time.
 *   Value()      replies count (a query: sails-js runs it through
 *                gear_calculateReplyForHandle, nothing changes)
 * Anything else panics (the sender gets an error reply with the text).
 * state (Gear's gear_readState, outside Sails): replies count as u32 LE.
 */
#include "gear.h"

static uint32_t count;
static gear_message_id_t held;  /* the waiting Hold message */
static bool holding, released;
static gear_message_id_t snoozed; /* the waiting Snooze message */
static bool snoozing;

/* A SCALE string at p[*at..len): its bytes and length; false when the
 * payload ends first or the length is not a compact of one or two
 * bytes (names are short). */
static bool take_str(const uint8_t *p, uint32_t len, uint32_t *at,
                     const uint8_t **s, uint32_t *n)
{
    if (*at >= len)
        return false;
    uint32_t k;
    switch (p[*at] & 3) {
    case 0:
        k = p[*at] >> 2;
        *at += 1;
        break;
    case 1:
        if (*at + 2 > len)
            return false;
        k = (uint32_t)(p[*at] | p[*at + 1] << 8) >> 2;
        *at += 2;
        break;
    default:
        return false;
    }
    if (k > len - *at)
        return false;
    *s = p + *at;
    *n = k;
    *at += k;
    return true;
}

static bool is(const uint8_t *s, uint32_t n, const char *name)
{
    return n == strlen(name) && memcmp(s, name, n) == 0;
}

/* The reply: the route of the call (the payload's first `route` bytes)
 * then the result bytes. */
static void reply_with(const uint8_t *payload, uint32_t route,
                       const void *result, uint32_t rlen)
{
    uint8_t *out = gear_xmalloc(route + rlen);
    memcpy(out, payload, route);
    memcpy(out + route, result, rlen);
    if (gear_reply_bytes(out, route + rlen))
        gear_panic_str("sails_counter: reply failed");
    free(out);
}

static void reply_u32(const uint8_t *payload, uint32_t route, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                    (uint8_t)(v >> 24)};
    reply_with(payload, route, b, 4);
}

GEAR_EXPORT(init) void init(void)
{
    uint32_t len, at = 0, n;
    const uint8_t *name;
    uint8_t *p = gear_msg_read_all(&len);
    if (!take_str(p, len, &at, &name, &n) || !is(name, n, "New") ||
        at != len)
        gear_panic_str("sails_counter: the constructor is New()");
    count = 0;
    reply_with(p, at, NULL, 0);
    free(p);
}

GEAR_EXPORT(handle) void handle(void)
{
    uint32_t len, at = 0, sn, mn;
    const uint8_t *svc, *m;
    uint8_t *p = gear_msg_read_all(&len);
    if (!take_str(p, len, &at, &svc, &sn) || !take_str(p, len, &at, &m, &mn))
        gear_panic_str("sails_counter: expected a service and a method name");
    if (!is(svc, sn, "Counter"))
        gear_panic_str("sails_counter: unknown service (Counter)");
    uint32_t route = at;
    if (is(m, mn, "Add")) {
        if (len - at != 4)
            gear_panic_str("sails_counter: Add takes a u32");
        uint32_t v = (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 |
                     (uint32_t)p[at + 2] << 16 | (uint32_t)p[at + 3] << 24;
        if (count + v < count)
            gear_panic_str("sails_counter: overflow");
        count += v;
        reply_u32(p, route, count);
    } else if (is(m, mn, "Value") && at == len) {
        reply_u32(p, route, count);
    } else if (is(m, mn, "Hold") && at == len) {
        gear_message_id_t id = gear_msg_id();
        if (holding && gear_hash_eq(&id, &held) && released) {
            holding = released = false; /* woken by Release */
            reply_u32(p, route, count);
        } else if (holding) {
            gear_panic_str("sails_counter: a message is held already");
        } else {
            held = id;
            holding = true;
            released = false;
            gr_wait(); /* the run ends here; Release wakes it */
        }
    } else if (is(m, mn, "Notify") && at == len) {
        static const uint8_t ev[] = {7 << 2, 'C', 'o', 'u', 'n', 't', 'e',
                                     'r', 8 << 2, 'N', 'o', 't', 'i', 'f',
                                     'i', 'e', 'd'};
        uint8_t out[sizeof ev + 4];
        memcpy(out, ev, sizeof ev);
        for (int i = 0; i < 4; i++)
            out[sizeof ev + i] = (uint8_t)(count >> (8 * i));
        gear_actor_id_t to = gear_msg_source();
        if (gear_send_value(&to, out, sizeof out, gear_msg_value(), 0, NULL))
            gear_panic_str("sails_counter: send failed");
        reply_u32(p, route, count);
    } else if (is(m, mn, "Snooze") && len - at == 4) {
        uint32_t n = (uint32_t)p[at] | (uint32_t)p[at + 1] << 8 |
                     (uint32_t)p[at + 2] << 16 | (uint32_t)p[at + 3] << 24;
        gear_message_id_t id = gear_msg_id();
        if (snoozing && gear_hash_eq(&id, &snoozed)) {
            snoozing = false; /* woken at the end of its wait */
            reply_u32(p, at, count);
        } else if (snoozing || !n) {
            gear_panic_str("sails_counter: Snooze wants n > 0, one at a time");
        } else {
            snoozed = id;
            snoozing = true;
            gr_wait_for(n);
        }
    } else if (is(m, mn, "Release") && at == len) {
        uint8_t ok = holding && !released;
        if (ok) {
            gear_error_code_t err;
            gr_wake(&held, 0, &err);
            if (err)
                gear_panic_str("sails_counter: wake failed");
            released = true;
        }
        reply_with(p, route, &ok, 1);
    } else {
        gear_panic_str("sails_counter: unknown method of Counter");
    }
    free(p);
}

GEAR_EXPORT(state) void state(void)
{
    uint8_t b[4] = {(uint8_t)count, (uint8_t)(count >> 8),
                    (uint8_t)(count >> 16), (uint8_t)(count >> 24)};
    if (gear_reply_bytes(b, 4))
        gear_panic_str("sails_counter: reply failed");
}
