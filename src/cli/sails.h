/*
 * Payloads in the language of Gear programs (sails.c): SCALE types, their
 * JSON form, and Sails IDL files.
 *
 * A type comes from a SCALE type expression (`--scale`: u8 ... u128,
 * i8 ... i128, u256, bool, char, str, bytes, [T; N], vec T, opt T,
 * result (T, E), map (K, V), (T1, T2, ...), h160, h256, actor_id, code_id,
 * message_id, nat8 ... nat256, null) or from an IDL file (the format
 * sails-rs 0.10 writes: `type` definitions of structs and enums, a
 * `constructor` block, `service` blocks with commands, queries and
 * events).
 *
 * The JSON form of a value: integers as numbers up to 2^53, larger as
 * decimal strings (either is accepted); str and char as strings; bool;
 * opt as null or the value; result as {"ok": v} or {"err": v}; a unit
 * enum variant as "Name", others as {"Name": v}; structs with named fields
 * as objects, tuples and unnamed structs as arrays; map as an array of
 * [key, value] pairs; ids, hashes, bytes (vec u8, [u8; N]) as "0x" hex
 * (a byte array of numbers is accepted too).
 *
 * A Sails payload is the SCALE strings of the service and the method (a
 * constructor: of its name alone), then the arguments in order; a reply
 * repeats the route, then the result.  An event is a message to the zero
 * address: the service, the event's name, then its fields.
 *
 * Ownership: everything a cli_types or cli_idl holds is freed with it;
 * types, names and functions it hands out are borrowed from it.  Errors
 * go into err (one line, saying why) and the functions return false.
 */
#ifndef GB_CLI_SAILS_H
#define GB_CLI_SAILS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cli_type cli_type;
typedef struct cli_types cli_types;

cli_types *cli_types_new(void);
void cli_types_free(cli_types *ts);

/* Parse a SCALE type expression (--scale); NULL with err on failure. */
cli_type *cli_scale_parse(cli_types *ts, const char *expr, char *err,
                          size_t errlen);

/* Encode the JSON value v as type t, appended to *buf (malloc'd, *len
 * bytes; *buf may start NULL). */
bool cli_scale_encode(const cli_type *t, json_t *v, uint8_t **buf,
                      size_t *len, char *err, size_t errlen);

/* Decode p[0..len) as type t, all bytes used: the JSON value (a new
 * reference) or NULL with err. */
json_t *cli_scale_decode(const cli_type *t, const uint8_t *p, size_t len,
                         char *err, size_t errlen);

/* ---- Sails IDL ---------------------------------------------------------- */

typedef struct cli_idl cli_idl;

/* A constructor, command or query: its parameters and its result type
 * (NULL for a constructor). */
typedef struct cli_idl_func {
    char *service; /* NULL for a constructor */
    char *name;
    bool query;
    size_t nparams;
    char **pnames;
    cli_type **ptypes;
    cli_type *out;
} cli_idl_func;

/* Parse the IDL text; NULL with err (line number and why) on failure. */
cli_idl *cli_idl_parse(const char *text, char *err, size_t errlen);
/* Read and parse the IDL file at path. */
cli_idl *cli_idl_load(const char *path, char *err, size_t errlen);
void cli_idl_free(cli_idl *idl);

/* The function of route "Service/Method" (ctor: a constructor's name),
 * borrowed from idl; NULL with err naming what exists. */
const cli_idl_func *cli_idl_find(const cli_idl *idl, const char *route,
                                 bool ctor, char *err, size_t errlen);

/*
 * Encode a Sails call: "Service/Method JSON_ARGS" (a command or query) or,
 * with ctor, "Name JSON_ARGS" (a constructor).  JSON_ARGS is a JSON array
 * of the arguments in order (may be left out when there are none; a
 * single argument may be given bare).  *out malloc'd; *fn the function
 * called (borrowed from idl).
 */
bool cli_idl_encode(const cli_idl *idl, const char *call, bool ctor,
                    uint8_t **out, uint32_t *len, const cli_idl_func **fn,
                    char *err, size_t errlen);

/* Decode the reply to fn (the route, then its result): a new JSON value,
 * or NULL with err. */
json_t *cli_idl_decode_reply(const cli_idl *idl, const cli_idl_func *fn,
                             const uint8_t *p, size_t len, char *err,
                             size_t errlen);

/* Decode an event a program emitted (a message to the zero address):
 * {"service": S, "event": E, "data": v}, or NULL when p is not an event
 * of the IDL's services. */
json_t *cli_idl_decode_event(const cli_idl *idl, const uint8_t *p,
                             size_t len);

#endif
