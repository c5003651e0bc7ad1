/*
 * Payloads from the command line (payload.c), shared by exec, send,
 * upload, create, reply, state and `gearbox payload`:
 *
 *   plain     0x... hex, or the text itself (exec also takes @NAME)
 *   --scale T a JSON value of the SCALE type expression T (sails.h)
 *   --idl F   a Sails call: "Service/Method JSON_ARGS", or for an init
 *             "Constructor JSON_ARGS"; the reply is decoded too
 *
 * Errors are one line in err, saying why.
 */
#ifndef GB_CLI_PAYLOAD_H
#define GB_CLI_PAYLOAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/sails.h"

typedef struct cli_payload {
    const char *idl_path; /* --idl, or NULL */
    const char *scale;    /* --scale, or NULL */
    cli_idl *idl;         /* loaded by cli_payload_load */
    cli_types *ts;
    cli_type *type;       /* --scale's type */
} cli_payload;

/* Load --idl and parse --scale (both given is an error). */
bool cli_payload_load(cli_payload *pl, char *err, size_t errlen);
void cli_payload_free(cli_payload *pl);

/* "0x" hex or text into bytes (*out malloc'd). */
bool cli_payload_plain(const char *s, uint8_t **out, uint32_t *len,
                       char *err, size_t errlen);

/*
 * The bytes of payload text s: through the IDL (init: a constructor),
 * the --scale type, or plain.  *fn (may be NULL) gets the IDL function
 * called, or NULL.
 */
bool cli_payload_make(const cli_payload *pl, const char *s, bool init,
                      uint8_t **out, uint32_t *len, const cli_idl_func **fn,
                      char *err, size_t errlen);

/* The decoded reply: through the IDL when fn is set, else as the --scale
 * type; NULL when neither applies.  A payload that does not decode gives
 * {"error": why}. */
json_t *cli_payload_decode(const cli_payload *pl, const cli_idl_func *fn,
                           const uint8_t *p, uint32_t len);

/* Hex text ("0x...") as bytes, then cli_payload_decode. */
json_t *cli_payload_decode_hex(const cli_payload *pl, const cli_idl_func *fn,
                               const char *hex);

#endif
