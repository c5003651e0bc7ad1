/*
 * Syscall error, reply and signal codes (see codes.h).  Names, messages and
 * encodings come from the X-macro lists; only decoding is written out by
 * hand, because it must follow Gear's nested from_bytes step by step.
 */
#include "gear/codes.h"

#include <stddef.h>

/* ---- syscall error codes ---------------------------------------------- */

bool gb_ext_error_from_u32(uint32_t code, gb_ext_error *out)
{
    switch (code) {
#define GB_EXT_CASE_(name, value, gname, msg)                                 \
    case (uint32_t)(value):                                                   \
        *out = GB_EXT_##name;                                                 \
        return true;
        GB_GEAR_EXT_ERRORS(GB_EXT_CASE_)
#undef GB_EXT_CASE_
    case 0xFFFF: /* retired SyscallUsage */
    case 600:    /* retired ProgramRent(MaximumBlockCountPaid) */
        *out = GB_EXT_UNSUPPORTED;
        return true;
    default:
        return false;
    }
}

const char *gb_ext_error_name(gb_ext_error e)
{
    switch (e) {
#define GB_EXT_NAME_(name, value, gname, msg)                                 \
    case GB_EXT_##name:                                                       \
        return gname;
        GB_GEAR_EXT_ERRORS(GB_EXT_NAME_)
#undef GB_EXT_NAME_
    }
    return "unknown";
}

const char *gb_ext_error_str(gb_ext_error e)
{
    switch (e) {
#define GB_EXT_STR_(name, value, gname, msg)                                  \
    case GB_EXT_##name:                                                       \
        return msg;
        GB_GEAR_EXT_ERRORS(GB_EXT_STR_)
#undef GB_EXT_STR_
    }
    return "unknown error code";
}

/* ---- reply codes -------------------------------------------------------- */

/* Kind (byte 0) and error reasons (byte 1) as Gear numbers them. */
enum {
    KIND_SUCCESS = 0x00,
    KIND_ERROR = 0x01,
    REASON_EXECUTION = 0x00,
    REASON_RETIRED_FAILED_TO_CREATE_PROGRAM = 0x01,
    REASON_UNAVAILABLE_ACTOR = 0x02,
    REASON_REMOVED_FROM_WAITLIST = 0x03,
    REASON_RETIRED_REINSTRUMENTATION_FAILURE = 0x04,
};

static bool is_listed(gb_reply_code code)
{
    switch (code) {
#define GB_REPLY_LISTED_(name, b0, b1, b2, gform, words)                      \
    case GB_REPLY_##name:                                                     \
        return true;
        GB_REPLY_CODES(GB_REPLY_LISTED_)
#undef GB_REPLY_LISTED_
    }
    return false;
}

void gb_reply_code_bytes(gb_reply_code code, uint8_t out[4])
{
    uint32_t v = is_listed(code) ? (uint32_t)code
                                 : (uint32_t)GB_REPLY_UNSUPPORTED;
    out[0] = (uint8_t)v;
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)(v >> 16);
    out[3] = 0;
}

gb_reply_code gb_reply_code_from_bytes(const uint8_t in[4])
{
    if (in[0] == KIND_SUCCESS) {
        /* SuccessReplyReason::from_bytes reads byte 1 only. */
        switch (in[1]) {
        case 0x00: return GB_REPLY_SUCCESS_AUTO;
        case 0x01: return GB_REPLY_SUCCESS_MANUAL;
        default: return GB_REPLY_SUCCESS_UNSUPPORTED;
        }
    }
    if (in[0] != KIND_ERROR)
        return GB_REPLY_UNSUPPORTED;

    switch (in[1]) {
    case REASON_EXECUTION:
        /* SimpleExecutionError::from_bytes reads byte 2 only. */
        switch (in[2]) {
        case 0x00: return GB_REPLY_EXEC_RAN_OUT_OF_GAS;
        case 0x01: return GB_REPLY_EXEC_MEMORY_OVERFLOW;
        case 0x02: return GB_REPLY_EXEC_BACKEND_ERROR;
        case 0x03: return GB_REPLY_EXEC_USERSPACE_PANIC;
        case 0x04: return GB_REPLY_EXEC_UNREACHABLE_INSTRUCTION;
        case 0x05: return GB_REPLY_EXEC_STACK_LIMIT_EXCEEDED;
        default: return GB_REPLY_EXEC_UNSUPPORTED;
        }
    case REASON_UNAVAILABLE_ACTOR:
        switch (in[2]) {
        case 0x00: return GB_REPLY_UNAVAILABLE_PROGRAM_EXITED;
        case 0x01: return GB_REPLY_UNAVAILABLE_INITIALIZATION_FAILURE;
        case 0x02: return GB_REPLY_UNAVAILABLE_UNINITIALIZED;
        case 0x03: return GB_REPLY_UNAVAILABLE_PROGRAM_NOT_CREATED;
        case 0x04: return GB_REPLY_UNAVAILABLE_REINSTRUMENTATION_FAILURE;
        default: return GB_REPLY_UNAVAILABLE_UNSUPPORTED;
        }
    case REASON_REMOVED_FROM_WAITLIST:
        return GB_REPLY_REMOVED_FROM_WAITLIST;
    case REASON_RETIRED_FAILED_TO_CREATE_PROGRAM:
    case REASON_RETIRED_REINSTRUMENTATION_FAILURE:
    default:
        return GB_REPLY_ERROR_UNSUPPORTED;
    }
}

const char *gb_reply_code_str(gb_reply_code code)
{
    switch (code) {
#define GB_REPLY_STR_(name, b0, b1, b2, gform, words)                         \
    case GB_REPLY_##name:                                                     \
        return words;
        GB_REPLY_CODES(GB_REPLY_STR_)
#undef GB_REPLY_STR_
    }
    return "unknown reply code";
}

const char *gb_reply_code_name(gb_reply_code code)
{
    switch (code) {
#define GB_REPLY_NAME_(name, b0, b1, b2, gform, words)                        \
    case GB_REPLY_##name:                                                     \
        return gform;
        GB_REPLY_CODES(GB_REPLY_NAME_)
#undef GB_REPLY_NAME_
    }
    return "unknown";
}

bool gb_reply_code_is_success(gb_reply_code code)
{
    return is_listed(code) && ((uint32_t)code & 0xff) == KIND_SUCCESS;
}

bool gb_reply_code_is_error(gb_reply_code code)
{
    return is_listed(code) && ((uint32_t)code & 0xff) == KIND_ERROR;
}

bool gb_reply_code_is_unsupported(gb_reply_code code)
{
    return code == GB_REPLY_UNSUPPORTED;
}

/* ---- signal codes ------------------------------------------------------- */

bool gb_signal_code_from_u32(uint32_t v, gb_signal_code *out)
{
    switch (v) {
#define GB_SIGNAL_CASE_(name, value, gform, words)                            \
    case (uint32_t)(value):                                                   \
        *out = GB_SIGNAL_##name;                                              \
        return true;
        GB_SIGNAL_CODES(GB_SIGNAL_CASE_)
#undef GB_SIGNAL_CASE_
    default:
        return false;
    }
}

bool gb_signal_code_for_reply(gb_reply_code code, gb_signal_code *out)
{
    gb_signal_code s;
    switch (code) {
    case GB_REPLY_EXEC_USERSPACE_PANIC: s = GB_SIGNAL_USERSPACE_PANIC; break;
    case GB_REPLY_EXEC_RAN_OUT_OF_GAS: s = GB_SIGNAL_RAN_OUT_OF_GAS; break;
    case GB_REPLY_EXEC_BACKEND_ERROR: s = GB_SIGNAL_BACKEND_ERROR; break;
    case GB_REPLY_EXEC_MEMORY_OVERFLOW: s = GB_SIGNAL_MEMORY_OVERFLOW; break;
    case GB_REPLY_EXEC_UNREACHABLE_INSTRUCTION:
        s = GB_SIGNAL_UNREACHABLE_INSTRUCTION;
        break;
    case GB_REPLY_EXEC_STACK_LIMIT_EXCEEDED:
        s = GB_SIGNAL_STACK_LIMIT_EXCEEDED;
        break;
    case GB_REPLY_EXEC_UNSUPPORTED: s = GB_SIGNAL_UNSUPPORTED; break;
    case GB_REPLY_REMOVED_FROM_WAITLIST:
        s = GB_SIGNAL_REMOVED_FROM_WAITLIST;
        break;
    default:
        return false;
    }
    *out = s;
    return true;
}

const char *gb_signal_code_str(gb_signal_code s)
{
    switch (s) {
#define GB_SIGNAL_STR_(name, value, gform, words)                             \
    case GB_SIGNAL_##name:                                                    \
        return words;
        GB_SIGNAL_CODES(GB_SIGNAL_STR_)
#undef GB_SIGNAL_STR_
    }
    return "unknown signal code";
}

const char *gb_signal_code_name(gb_signal_code s)
{
    switch (s) {
#define GB_SIGNAL_NAME_(name, value, gform, words)                            \
    case GB_SIGNAL_##name:                                                    \
        return gform;
        GB_SIGNAL_CODES(GB_SIGNAL_NAME_)
#undef GB_SIGNAL_NAME_
    }
    return "unknown";
}
