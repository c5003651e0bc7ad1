/*
 * Gear's numeric codes, which programs see and branch on, so each value is
 * consensus and never changes meaning (GEAR-ABI.md §5, §6):
 *
 *  - syscall error codes: the u32 a fallible gr_* syscall writes into its
 *    error field (ExtError::to_u32, protocol/errors/src/lib.rs);
 *  - reply codes: the 4 bytes attached to every reply, saying whether and
 *    why it succeeded or failed (ReplyCode::to_bytes,
 *    protocol/errors/src/simple.rs);
 *  - signal codes: the u32 a program's handle_signal receives
 *    (SignalCode::to_u32, same file).
 *
 * Each is written once as an X-macro list from which the enum, names and
 * messages derive.
 */
#ifndef GB_GEAR_CODES_H
#define GB_GEAR_CODES_H

#include <stdbool.h>
#include <stdint.h>

/* ---- syscall error codes ----------------------------------------------
 *
 * X(NAME, value, "GearName", "message").  The value is the u32 that Gear
 * writes; Unsupported is u32::MAX, written -1 here because a C11 enum
 * constant must fit in an int ((uint32_t)-1 == 0xFFFFFFFF).  The messages
 * are Gear's own Display texts.  Codes 102, 0xFFFF and 600 are retired;
 * the latter two still decode to Unsupported (gb_ext_error_from_u32).
 */
#define GB_GEAR_EXT_ERRORS(X)                                                 \
    X(NOT_ENOUGH_GAS, 100, "NotEnoughGas", "Not enough gas for operation")    \
    X(NOT_ENOUGH_VALUE, 101, "NotEnoughValue",                                \
      "Not enough value for operation")                                       \
    X(TOO_BIG_READ_LEN, 103, "TooBigReadLen",                                 \
      "Length is overflowed to read payload")                                 \
    X(READ_WRONG_RANGE, 104, "ReadWrongRange",                                \
      "Cannot take data in payload range from message with size")             \
    X(NO_REPLY_CONTEXT, 105, "NoReplyContext", "Not running in reply context") \
    X(NO_SIGNAL_CONTEXT, 106, "NoSignalContext",                              \
      "Not running in signal context")                                        \
    X(NO_STATUS_CODE_CONTEXT, 107, "NoStatusCodeContext",                     \
      "No status code in reply/signal context")                               \
    X(INCORRECT_ENTRY_FOR_REPLY, 108, "IncorrectEntryForReply",               \
      "Reply sending is only allowed in `init` and `handle` functions")       \
    X(RUNTIME_ALLOC_OUT_OF_BOUNDS, 200, "RuntimeAllocOutOfBounds",            \
      "Trying to allocate more memory in block-chain runtime than allowed")   \
    X(ACCESS_OUT_OF_BOUNDS, 201, "AccessOutOfBounds",                         \
      "Trying to access memory outside wasm program memory")                  \
    X(MAX_MESSAGE_SIZE_EXCEED, 300, "MaxMessageSizeExceed",                   \
      "Max message size exceed")                                              \
    X(OUTGOING_MESSAGES_AMOUNT_LIMIT_EXCEEDED, 301,                           \
      "OutgoingMessagesAmountLimitExceeded", "Message limit exceeded")        \
    X(DUPLICATE_REPLY, 302, "DuplicateReply", "Duplicate reply message")      \
    X(DUPLICATE_WAKING, 303, "DuplicateWaking", "Duplicate waking message")   \
    X(LATE_ACCESS, 304, "LateAccess",                                         \
      "An attempt to commit or push a payload into an already formed "        \
      "message")                                                              \
    X(OUT_OF_BOUNDS, 305, "OutOfBounds",                                      \
      "Message with given handle is not found")                               \
    X(DUPLICATE_INIT, 306, "DuplicateInit",                                   \
      "Duplicated program initialization message")                            \
    X(INSUFFICIENT_VALUE, 307, "InsufficientValue",                           \
      "In case of non-zero message value must be greater than existential "   \
      "deposit")                                                              \
    X(INSUFFICIENT_GAS_LIMIT, 308, "InsufficientGasLimit",                    \
      "In case of non-zero message gas limit must be greater than mailbox "   \
      "threshold")                                                            \
    X(DUPLICATE_REPLY_DEPOSIT, 309, "DuplicateReplyDeposit",                  \
      "Reply deposit already exists for given message")                       \
    X(INCORRECT_MESSAGE_FOR_REPLY_DEPOSIT, 310,                               \
      "IncorrectMessageForReplyDeposit",                                      \
      "Reply deposit could be only created for init or handle message sent "  \
      "within the execution")                                                 \
    X(OUTGOING_MESSAGES_BYTES_LIMIT_EXCEEDED, 311,                            \
      "OutgoingMessagesBytesLimitExceeded",                                   \
      "Outgoing messages bytes limit exceeded")                               \
    X(OUT_OF_BOUNDS_INPUT_SLICE_OFFSET, 312, "OutOfBoundsInputSliceOffset",   \
      "Offset value for the input payload is out of it's size bounds")        \
    X(OUT_OF_BOUNDS_INPUT_SLICE_LENGTH, 313, "OutOfBoundsInputSliceLength",   \
      "Too big length value is set to form a slice (range) of the input "     \
      "buffer")                                                               \
    X(INSUFFICIENT_GAS_FOR_DELAYED_SENDING, 399,                              \
      "InsufficientGasForDelayedSending",                                     \
      "Not enough gas to hold dispatch message")                              \
    X(INVALID_RESERVATION_ID, 500, "InvalidReservationId",                    \
      "Invalid reservation ID")                                               \
    X(RESERVATIONS_LIMIT_REACHED, 501, "ReservationsLimitReached",            \
      "Reservation limit has reached")                                        \
    X(ZERO_RESERVATION_DURATION, 502, "ZeroReservationDuration",              \
      "Reservation duration cannot be zero")                                  \
    X(ZERO_RESERVATION_AMOUNT, 503, "ZeroReservationAmount",                  \
      "Reservation amount cannot be zero")                                    \
    X(RESERVATION_BELOW_MAILBOX_THRESHOLD, 504,                               \
      "ReservationBelowMailboxThreshold",                                     \
      "Reservation amount cannot be below mailbox threshold")                 \
    X(UNSUPPORTED, -1, "Unsupported", "Unsupported error")

typedef enum gb_ext_error {
#define GB_EXT_ENUM_(name, value, gname, msg) GB_EXT_##name = value,
    GB_GEAR_EXT_ERRORS(GB_EXT_ENUM_)
#undef GB_EXT_ENUM_
} gb_ext_error;

/* The u32 a syscall writes for e (0xFFFFFFFF for Unsupported). */
static inline uint32_t gb_ext_error_code(gb_ext_error e)
{
    return (uint32_t)e;
}

/* Decodes a syscall error code as ExtError::from_u32 does: the codes of
 * the list, plus the retired 0xFFFF and 600 as Unsupported.  Returns false
 * (and leaves *out alone) for anything else, 0 included. */
bool gb_ext_error_from_u32(uint32_t code, gb_ext_error *out);

/* "NotEnoughGas"; "unknown" for a value not in the list. */
const char *gb_ext_error_name(gb_ext_error e);
/* Gear's message, e.g. "Not enough gas for operation"; never NULL. */
const char *gb_ext_error_str(gb_ext_error e);

/* ---- reply codes --------------------------------------------------------
 *
 * X(NAME, byte0, byte1, byte2, "Gear form", "words").  byte3 is always 0.
 * The list is every value Gear's ReplyCode can take, including the nested
 * "unsupported" forms that ReplyCode::from_bytes produces for bytes it does
 * not know; gb_reply_code_from_bytes(gb_reply_code_bytes(c)) == c for each.
 *
 * Each enum value is the little-endian u32 of the code's 4 bytes, so
 * gb_reply_code_bytes is a store and the values sort like the bytes.
 */
#define GB_REPLY_CODES(X)                                                     \
    X(SUCCESS_AUTO, 0x00, 0x00, 0x00, "Success(Auto)", "success (auto)")      \
    X(SUCCESS_MANUAL, 0x00, 0x01, 0x00, "Success(Manual)",                    \
      "success (manual)")                                                     \
    X(SUCCESS_UNSUPPORTED, 0x00, 0xff, 0x00, "Success(Unsupported)",          \
      "success (unsupported reason)")                                         \
    X(EXEC_RAN_OUT_OF_GAS, 0x01, 0x00, 0x00,                                  \
      "Error(Execution(RanOutOfGas))", "error: execution: ran out of gas")    \
    X(EXEC_MEMORY_OVERFLOW, 0x01, 0x00, 0x01,                                 \
      "Error(Execution(MemoryOverflow))",                                     \
      "error: execution: memory overflow")                                    \
    X(EXEC_BACKEND_ERROR, 0x01, 0x00, 0x02,                                   \
      "Error(Execution(BackendError))", "error: execution: backend error")    \
    X(EXEC_USERSPACE_PANIC, 0x01, 0x00, 0x03,                                 \
      "Error(Execution(UserspacePanic))",                                     \
      "error: execution: userspace panic")                                    \
    X(EXEC_UNREACHABLE_INSTRUCTION, 0x01, 0x00, 0x04,                         \
      "Error(Execution(UnreachableInstruction))",                             \
      "error: execution: unreachable instruction")                            \
    X(EXEC_STACK_LIMIT_EXCEEDED, 0x01, 0x00, 0x05,                            \
      "Error(Execution(StackLimitExceeded))",                                 \
      "error: execution: stack limit exceeded")                               \
    X(EXEC_UNSUPPORTED, 0x01, 0x00, 0xff, "Error(Execution(Unsupported))",    \
      "error: execution: unsupported error")                                  \
    X(UNAVAILABLE_PROGRAM_EXITED, 0x01, 0x02, 0x00,                           \
      "Error(UnavailableActor(ProgramExited))",                               \
      "error: unavailable actor: program exited")                             \
    X(UNAVAILABLE_INITIALIZATION_FAILURE, 0x01, 0x02, 0x01,                   \
      "Error(UnavailableActor(InitializationFailure))",                       \
      "error: unavailable actor: initialization failure")                     \
    X(UNAVAILABLE_UNINITIALIZED, 0x01, 0x02, 0x02,                            \
      "Error(UnavailableActor(Uninitialized))",                               \
      "error: unavailable actor: uninitialized")                              \
    X(UNAVAILABLE_PROGRAM_NOT_CREATED, 0x01, 0x02, 0x03,                      \
      "Error(UnavailableActor(ProgramNotCreated))",                           \
      "error: unavailable actor: program not created")                        \
    X(UNAVAILABLE_REINSTRUMENTATION_FAILURE, 0x01, 0x02, 0x04,                \
      "Error(UnavailableActor(ReinstrumentationFailure))",                    \
      "error: unavailable actor: reinstrumentation failure")                  \
    X(UNAVAILABLE_UNSUPPORTED, 0x01, 0x02, 0xff,                              \
      "Error(UnavailableActor(Unsupported))",                                 \
      "error: unavailable actor: unsupported error")                          \
    X(REMOVED_FROM_WAITLIST, 0x01, 0x03, 0x00, "Error(RemovedFromWaitlist)",  \
      "error: removed from waitlist")                                         \
    X(ERROR_UNSUPPORTED, 0x01, 0xff, 0x00, "Error(Unsupported)",              \
      "error: unsupported reason")                                            \
    X(UNSUPPORTED, 0xff, 0x00, 0x00, "Unsupported", "unsupported reply code")

#define GB_REPLY_VALUE_(b0, b1, b2) ((b0) | (b1) << 8 | (b2) << 16)

typedef enum gb_reply_code {
#define GB_REPLY_ENUM_(name, b0, b1, b2, gform, words)                        \
    GB_REPLY_##name = GB_REPLY_VALUE_(b0, b1, b2),
    GB_REPLY_CODES(GB_REPLY_ENUM_)
#undef GB_REPLY_ENUM_
} gb_reply_code;

/* The 4 bytes Gear attaches to a reply (ReplyCode::to_bytes).  A value
 * outside the list is written as Unsupported, ff 00 00 00. */
void gb_reply_code_bytes(gb_reply_code code, uint8_t out[4]);

/* Decodes 4 bytes exactly as ReplyCode::from_bytes: unknown kinds give
 * UNSUPPORTED; unknown reasons give the nested unsupported forms
 * (SUCCESS_UNSUPPORTED, ERROR_UNSUPPORTED -- also for the retired reason
 * bytes 01 and 04 --, EXEC_UNSUPPORTED, UNAVAILABLE_UNSUPPORTED); bytes
 * past the ones a variant reads are ignored (01 03 xx yy is
 * REMOVED_FROM_WAITLIST), so decoding then encoding is not always the
 * identity on bytes. */
gb_reply_code gb_reply_code_from_bytes(const uint8_t in[4]);

/* "error: execution: ran out of gas"; "unknown reply code" off the list. */
const char *gb_reply_code_str(gb_reply_code code);
/* Gear's Rust spelling, "Error(Execution(RanOutOfGas))"; "unknown" off
 * the list. */
const char *gb_reply_code_name(gb_reply_code code);

/* ReplyCode::is_success / is_error / is_unsupported: exactly one holds for
 * each listed code (SUCCESS_UNSUPPORTED is a success, ERROR_UNSUPPORTED an
 * error; only UNSUPPORTED is "unsupported"). */
bool gb_reply_code_is_success(gb_reply_code code);
bool gb_reply_code_is_error(gb_reply_code code);
bool gb_reply_code_is_unsupported(gb_reply_code code);

/* ---- signal codes -------------------------------------------------------
 *
 * X(NAME, value, "Gear form", "words").  Execution(Unsupported) is u32::MAX
 * (-1 here, as above); Gear says it must never be sent.
 */
#define GB_SIGNAL_CODES(X)                                                    \
    X(USERSPACE_PANIC, 100, "Execution(UserspacePanic)",                      \
      "execution: userspace panic")                                           \
    X(RAN_OUT_OF_GAS, 101, "Execution(RanOutOfGas)",                          \
      "execution: ran out of gas")                                            \
    X(BACKEND_ERROR, 102, "Execution(BackendError)",                          \
      "execution: backend error")                                             \
    X(MEMORY_OVERFLOW, 103, "Execution(MemoryOverflow)",                      \
      "execution: memory overflow")                                           \
    X(UNREACHABLE_INSTRUCTION, 104, "Execution(UnreachableInstruction)",      \
      "execution: unreachable instruction")                                   \
    X(STACK_LIMIT_EXCEEDED, 105, "Execution(StackLimitExceeded)",             \
      "execution: stack limit exceeded")                                      \
    X(REMOVED_FROM_WAITLIST, 200, "RemovedFromWaitlist",                      \
      "removed from waitlist")                                                \
    X(UNSUPPORTED, -1, "Execution(Unsupported)", "execution: unsupported")

typedef enum gb_signal_code {
#define GB_SIGNAL_ENUM_(name, value, gform, words) GB_SIGNAL_##name = value,
    GB_SIGNAL_CODES(GB_SIGNAL_ENUM_)
#undef GB_SIGNAL_ENUM_
} gb_signal_code;

/* The u32 handle_signal sees (SignalCode::to_u32). */
static inline uint32_t gb_signal_code_u32(gb_signal_code s)
{
    return (uint32_t)s;
}

/* SignalCode::from_u32: false (and *out untouched) for unknown values. */
bool gb_signal_code_from_u32(uint32_t v, gb_signal_code *out);

/* The signal for an error reply code, as Gear pairs them: the
 * Error(Execution(x)) codes give Execution(x), REMOVED_FROM_WAITLIST gives
 * RemovedFromWaitlist.  Returns false for every other reply code. */
bool gb_signal_code_for_reply(gb_reply_code code, gb_signal_code *out);

/* "execution: ran out of gas"; "unknown signal code" off the list. */
const char *gb_signal_code_str(gb_signal_code s);
/* "Execution(RanOutOfGas)"; "unknown" off the list. */
const char *gb_signal_code_name(gb_signal_code s);

#endif
