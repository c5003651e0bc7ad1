/*
 * Reply, signal and syscall error codes, byte for byte, against the tables
 * of GEAR-ABI.md §5-§6 and gear-tech/gear protocol/errors/src/{lib,simple}.rs.
 * The expected values are written out here, not taken from the X-macros.
 */
#include "test.h"

#include "gear/codes.h"

struct reply_vec {
    gb_reply_code code;
    uint8_t bytes[4];
    const char *words;
    int success; /* 1 success, 0 error, -1 unsupported */
};

static const struct reply_vec replies[] = {
    {GB_REPLY_SUCCESS_AUTO, {0x00, 0x00, 0x00, 0x00}, "success (auto)", 1},
    {GB_REPLY_SUCCESS_MANUAL, {0x00, 0x01, 0x00, 0x00}, "success (manual)", 1},
    {GB_REPLY_SUCCESS_UNSUPPORTED, {0x00, 0xff, 0x00, 0x00},
     "success (unsupported reason)", 1},
    {GB_REPLY_EXEC_RAN_OUT_OF_GAS, {0x01, 0x00, 0x00, 0x00},
     "error: execution: ran out of gas", 0},
    {GB_REPLY_EXEC_MEMORY_OVERFLOW, {0x01, 0x00, 0x01, 0x00},
     "error: execution: memory overflow", 0},
    {GB_REPLY_EXEC_BACKEND_ERROR, {0x01, 0x00, 0x02, 0x00},
     "error: execution: backend error", 0},
    {GB_REPLY_EXEC_USERSPACE_PANIC, {0x01, 0x00, 0x03, 0x00},
     "error: execution: userspace panic", 0},
    {GB_REPLY_EXEC_UNREACHABLE_INSTRUCTION, {0x01, 0x00, 0x04, 0x00},
     "error: execution: unreachable instruction", 0},
    {GB_REPLY_EXEC_STACK_LIMIT_EXCEEDED, {0x01, 0x00, 0x05, 0x00},
     "error: execution: stack limit exceeded", 0},
    {GB_REPLY_EXEC_UNSUPPORTED, {0x01, 0x00, 0xff, 0x00},
     "error: execution: unsupported", 0},
    {GB_REPLY_UNAVAILABLE_PROGRAM_EXITED, {0x01, 0x02, 0x00, 0x00},
     "error: unavailable actor: program exited", 0},
    {GB_REPLY_UNAVAILABLE_INITIALIZATION_FAILURE, {0x01, 0x02, 0x01, 0x00},
     "error: unavailable actor: initialization failure", 0},
    {GB_REPLY_UNAVAILABLE_UNINITIALIZED, {0x01, 0x02, 0x02, 0x00},
     "error: unavailable actor: uninitialized", 0},
    {GB_REPLY_UNAVAILABLE_PROGRAM_NOT_CREATED, {0x01, 0x02, 0x03, 0x00},
     "error: unavailable actor: program not created", 0},
    {GB_REPLY_UNAVAILABLE_REINSTRUMENTATION_FAILURE, {0x01, 0x02, 0x04, 0x00},
     "error: unavailable actor: reinstrumentation failure", 0},
    {GB_REPLY_UNAVAILABLE_UNSUPPORTED, {0x01, 0x02, 0xff, 0x00},
     "error: unavailable actor: unsupported", 0},
    {GB_REPLY_REMOVED_FROM_WAITLIST, {0x01, 0x03, 0x00, 0x00},
     "error: removed from waitlist", 0},
    {GB_REPLY_ERROR_UNSUPPORTED, {0x01, 0xff, 0x00, 0x00},
     "error: unsupported", 0},
    {GB_REPLY_UNSUPPORTED, {0xff, 0x00, 0x00, 0x00}, "unsupported", -1},
};
#define NREPLIES (sizeof replies / sizeof replies[0])

static uint32_t le32(const uint8_t b[4])
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static void test_reply_code_bytes(void)
{
    for (size_t i = 0; i < NREPLIES; i++) {
        const struct reply_vec *v = &replies[i];
        uint8_t b[4] = {0xee, 0xee, 0xee, 0xee};
        gb_reply_code_bytes(v->code, b);
        GB_EXPECT_U64(le32(v->bytes), le32(b));
        GB_EXPECT_U64(le32(v->bytes), (uint32_t)v->code);
    }
}

static void test_reply_code_round_trip(void)
{
    /* Gear's test_reply_code_encode_decode: every value survives. */
    for (size_t i = 0; i < NREPLIES; i++) {
        uint8_t b[4];
        gb_reply_code_bytes(replies[i].code, b);
        GB_EXPECT_U64(replies[i].code, gb_reply_code_from_bytes(b));
        GB_EXPECT_U64(replies[i].code,
                      gb_reply_code_from_bytes(replies[i].bytes));
    }
}

static void test_reply_code_words_and_kind(void)
{
    for (size_t i = 0; i < NREPLIES; i++) {
        const struct reply_vec *v = &replies[i];
        GB_EXPECT_STR_CONTAINS(gb_reply_code_str(v->code), v->words);
        GB_EXPECT_U64(v->success == 1, gb_reply_code_is_success(v->code));
        GB_EXPECT_U64(v->success == 0, gb_reply_code_is_error(v->code));
        GB_EXPECT_U64(v->success == -1,
                      gb_reply_code_is_unsupported(v->code));
    }
    GB_EXPECT(strcmp(gb_reply_code_str(GB_REPLY_SUCCESS_MANUAL),
                     "success (manual)") == 0);
    GB_EXPECT(strcmp(gb_reply_code_str(GB_REPLY_EXEC_RAN_OUT_OF_GAS),
                     "error: execution: ran out of gas") == 0);
    GB_EXPECT(strcmp(gb_reply_code_str(GB_REPLY_UNAVAILABLE_PROGRAM_EXITED),
                     "error: unavailable actor: program exited") == 0);
    GB_EXPECT(strcmp(gb_reply_code_name(GB_REPLY_EXEC_RAN_OUT_OF_GAS),
                     "Error(Execution(RanOutOfGas))") == 0);

    /* A value off the list. */
    gb_reply_code bogus = (gb_reply_code)0x7777;
    uint8_t b[4];
    gb_reply_code_bytes(bogus, b);
    GB_EXPECT_U64(0xff, le32(b));
    GB_EXPECT(!gb_reply_code_is_success(bogus));
    GB_EXPECT(!gb_reply_code_is_error(bogus));
    GB_EXPECT_STR_CONTAINS(gb_reply_code_str(bogus), "unknown");
}

static gb_reply_code decode(uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3)
{
    const uint8_t b[4] = {b0, b1, b2, b3};
    return gb_reply_code_from_bytes(b);
}

/* ReplyCode::from_bytes on bytes that no encoder produces. */
static void test_reply_code_decode_unknown(void)
{
    /* Unknown kind. */
    GB_EXPECT_U64(GB_REPLY_UNSUPPORTED, decode(0x02, 0, 0, 0));
    GB_EXPECT_U64(GB_REPLY_UNSUPPORTED, decode(0xff, 0x01, 0x02, 0x03));
    GB_EXPECT_U64(GB_REPLY_UNSUPPORTED, decode(0x80, 0, 0, 0));
    /* Unknown success reason; success reads byte 1 only. */
    GB_EXPECT_U64(GB_REPLY_SUCCESS_UNSUPPORTED, decode(0x00, 0x02, 0, 0));
    GB_EXPECT_U64(GB_REPLY_SUCCESS_MANUAL, decode(0x00, 0x01, 0xff, 0xff));
    GB_EXPECT_U64(GB_REPLY_SUCCESS_AUTO, decode(0x00, 0x00, 0x00, 0x01));
    /* Retired error reasons 1 (FailedToCreateProgram) and 4 (moved
     * ReinstrumentationFailure) and unknown ones: Error(Unsupported). */
    GB_EXPECT_U64(GB_REPLY_ERROR_UNSUPPORTED, decode(0x01, 0x01, 0, 0));
    GB_EXPECT_U64(GB_REPLY_ERROR_UNSUPPORTED, decode(0x01, 0x04, 0, 0));
    GB_EXPECT_U64(GB_REPLY_ERROR_UNSUPPORTED, decode(0x01, 0x05, 0, 0));
    GB_EXPECT_U64(GB_REPLY_ERROR_UNSUPPORTED, decode(0x01, 0xfe, 0x03, 0));
    /* Unknown execution / unavailable-actor errors. */
    GB_EXPECT_U64(GB_REPLY_EXEC_UNSUPPORTED, decode(0x01, 0x00, 0x06, 0));
    GB_EXPECT_U64(GB_REPLY_UNAVAILABLE_UNSUPPORTED, decode(0x01, 0x02, 0x05, 0));
    /* Trailing bytes a variant does not read are ignored. */
    GB_EXPECT_U64(GB_REPLY_EXEC_USERSPACE_PANIC, decode(0x01, 0x00, 0x03, 0x99));
    GB_EXPECT_U64(GB_REPLY_REMOVED_FROM_WAITLIST, decode(0x01, 0x03, 0x07, 0x08));
    GB_EXPECT_U64(GB_REPLY_UNAVAILABLE_PROGRAM_EXITED,
                  decode(0x01, 0x02, 0x00, 0xff));

    /* Every 3-byte prefix decodes to a listed code whose encoding decodes
     * to itself again. */
    for (unsigned b0 = 0; b0 < 256; b0++)
        for (unsigned b1 = 0; b1 < 256; b1 += (b0 <= 1 ? 1 : 255))
            for (unsigned b2 = 0; b2 < 256; b2 += (b0 == 1 ? 1 : 51)) {
                gb_reply_code c = decode((uint8_t)b0, (uint8_t)b1,
                                         (uint8_t)b2, 0);
                uint8_t b[4];
                gb_reply_code_bytes(c, b);
                if (gb_reply_code_from_bytes(b) != c)
                    GB_EXPECT_U64(c, gb_reply_code_from_bytes(b));
                if (!(gb_reply_code_is_success(c) ||
                      gb_reply_code_is_error(c) ||
                      gb_reply_code_is_unsupported(c)))
                    GB_EXPECT_U64(0, c);
            }
}

static void test_signal_codes(void)
{
    static const struct {
        gb_signal_code s;
        uint32_t v;
        gb_reply_code reply;
    } sig[] = {
        {GB_SIGNAL_USERSPACE_PANIC, 100, GB_REPLY_EXEC_USERSPACE_PANIC},
        {GB_SIGNAL_RAN_OUT_OF_GAS, 101, GB_REPLY_EXEC_RAN_OUT_OF_GAS},
        {GB_SIGNAL_BACKEND_ERROR, 102, GB_REPLY_EXEC_BACKEND_ERROR},
        {GB_SIGNAL_MEMORY_OVERFLOW, 103, GB_REPLY_EXEC_MEMORY_OVERFLOW},
        {GB_SIGNAL_UNREACHABLE_INSTRUCTION, 104,
         GB_REPLY_EXEC_UNREACHABLE_INSTRUCTION},
        {GB_SIGNAL_STACK_LIMIT_EXCEEDED, 105,
         GB_REPLY_EXEC_STACK_LIMIT_EXCEEDED},
        {GB_SIGNAL_REMOVED_FROM_WAITLIST, 200, GB_REPLY_REMOVED_FROM_WAITLIST},
        {GB_SIGNAL_UNSUPPORTED, 0xFFFFFFFFu, GB_REPLY_EXEC_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof sig / sizeof sig[0]; i++) {
        gb_signal_code s = (gb_signal_code)12345;
        GB_EXPECT_U64(sig[i].v, gb_signal_code_u32(sig[i].s));
        GB_EXPECT(gb_signal_code_from_u32(sig[i].v, &s));
        GB_EXPECT_U64(sig[i].v, gb_signal_code_u32(s));
        s = (gb_signal_code)12345;
        GB_EXPECT(gb_signal_code_for_reply(sig[i].reply, &s));
        GB_EXPECT_U64(sig[i].v, gb_signal_code_u32(s));
        GB_EXPECT(strcmp(gb_signal_code_name(sig[i].s), "unknown") != 0);
    }
    gb_signal_code s = GB_SIGNAL_RAN_OUT_OF_GAS;
    GB_EXPECT(!gb_signal_code_from_u32(0, &s));
    GB_EXPECT(!gb_signal_code_from_u32(106, &s));
    GB_EXPECT(!gb_signal_code_from_u32(201, &s));
    GB_EXPECT_U64(101, gb_signal_code_u32(s));
    GB_EXPECT(!gb_signal_code_for_reply(GB_REPLY_SUCCESS_MANUAL, &s));
    GB_EXPECT(!gb_signal_code_for_reply(GB_REPLY_UNAVAILABLE_PROGRAM_EXITED, &s));
    GB_EXPECT(!gb_signal_code_for_reply(GB_REPLY_UNSUPPORTED, &s));
    GB_EXPECT(strcmp(gb_signal_code_str(GB_SIGNAL_RAN_OUT_OF_GAS),
                     "execution: ran out of gas") == 0);
}

static void test_ext_error_codes(void)
{
    static const struct {
        gb_ext_error e;
        uint32_t v;
        const char *name;
    } ext[] = {
        {GB_EXT_NOT_ENOUGH_GAS, 100, "NotEnoughGas"},
        {GB_EXT_NOT_ENOUGH_VALUE, 101, "NotEnoughValue"},
        {GB_EXT_TOO_BIG_READ_LEN, 103, "TooBigReadLen"},
        {GB_EXT_READ_WRONG_RANGE, 104, "ReadWrongRange"},
        {GB_EXT_NO_REPLY_CONTEXT, 105, "NoReplyContext"},
        {GB_EXT_NO_SIGNAL_CONTEXT, 106, "NoSignalContext"},
        {GB_EXT_NO_STATUS_CODE_CONTEXT, 107, "NoStatusCodeContext"},
        {GB_EXT_INCORRECT_ENTRY_FOR_REPLY, 108, "IncorrectEntryForReply"},
        {GB_EXT_RUNTIME_ALLOC_OUT_OF_BOUNDS, 200, "RuntimeAllocOutOfBounds"},
        {GB_EXT_ACCESS_OUT_OF_BOUNDS, 201, "AccessOutOfBounds"},
        {GB_EXT_MAX_MESSAGE_SIZE_EXCEED, 300, "MaxMessageSizeExceed"},
        {GB_EXT_OUTGOING_MESSAGES_AMOUNT_LIMIT_EXCEEDED, 301,
         "OutgoingMessagesAmountLimitExceeded"},
        {GB_EXT_DUPLICATE_REPLY, 302, "DuplicateReply"},
        {GB_EXT_DUPLICATE_WAKING, 303, "DuplicateWaking"},
        {GB_EXT_LATE_ACCESS, 304, "LateAccess"},
        {GB_EXT_OUT_OF_BOUNDS, 305, "OutOfBounds"},
        {GB_EXT_DUPLICATE_INIT, 306, "DuplicateInit"},
        {GB_EXT_INSUFFICIENT_VALUE, 307, "InsufficientValue"},
        {GB_EXT_INSUFFICIENT_GAS_LIMIT, 308, "InsufficientGasLimit"},
        {GB_EXT_DUPLICATE_REPLY_DEPOSIT, 309, "DuplicateReplyDeposit"},
        {GB_EXT_INCORRECT_MESSAGE_FOR_REPLY_DEPOSIT, 310,
         "IncorrectMessageForReplyDeposit"},
        {GB_EXT_OUTGOING_MESSAGES_BYTES_LIMIT_EXCEEDED, 311,
         "OutgoingMessagesBytesLimitExceeded"},
        {GB_EXT_OUT_OF_BOUNDS_INPUT_SLICE_OFFSET, 312,
         "OutOfBoundsInputSliceOffset"},
        {GB_EXT_OUT_OF_BOUNDS_INPUT_SLICE_LENGTH, 313,
         "OutOfBoundsInputSliceLength"},
        {GB_EXT_INSUFFICIENT_GAS_FOR_DELAYED_SENDING, 399,
         "InsufficientGasForDelayedSending"},
        {GB_EXT_INVALID_RESERVATION_ID, 500, "InvalidReservationId"},
        {GB_EXT_RESERVATIONS_LIMIT_REACHED, 501, "ReservationsLimitReached"},
        {GB_EXT_ZERO_RESERVATION_DURATION, 502, "ZeroReservationDuration"},
        {GB_EXT_ZERO_RESERVATION_AMOUNT, 503, "ZeroReservationAmount"},
        {GB_EXT_RESERVATION_BELOW_MAILBOX_THRESHOLD, 504,
         "ReservationBelowMailboxThreshold"},
        {GB_EXT_UNSUPPORTED, 0xFFFFFFFFu, "Unsupported"},
    };
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        gb_ext_error e = (gb_ext_error)0;
        GB_EXPECT_U64(ext[i].v, gb_ext_error_code(ext[i].e));
        GB_EXPECT(gb_ext_error_from_u32(ext[i].v, &e));
        GB_EXPECT_U64(ext[i].v, gb_ext_error_code(e));
        GB_EXPECT(strcmp(gb_ext_error_name(ext[i].e), ext[i].name) == 0);
        GB_EXPECT(strcmp(gb_ext_error_str(ext[i].e), "unknown error code"));
    }
    /* Retired codes decode to Unsupported; gaps and 0 do not decode. */
    gb_ext_error e = GB_EXT_NOT_ENOUGH_GAS;
    GB_EXPECT(gb_ext_error_from_u32(0xFFFF, &e));
    GB_EXPECT_U64(0xFFFFFFFFu, gb_ext_error_code(e));
    e = GB_EXT_NOT_ENOUGH_GAS;
    GB_EXPECT(gb_ext_error_from_u32(600, &e));
    GB_EXPECT_U64(0xFFFFFFFFu, gb_ext_error_code(e));
    static const uint32_t gaps[] = {0, 1, 99, 102, 109, 199, 202, 314, 398,
                                    400, 505, 601, 0xFFFE, 0xFFFFFFFEu};
    e = GB_EXT_LATE_ACCESS;
    for (size_t i = 0; i < sizeof gaps / sizeof gaps[0]; i++)
        GB_EXPECT(!gb_ext_error_from_u32(gaps[i], &e));
    GB_EXPECT_U64(304, gb_ext_error_code(e));
    GB_EXPECT(strcmp(gb_ext_error_str(GB_EXT_NOT_ENOUGH_GAS),
                     "Not enough gas for operation") == 0);
    GB_EXPECT(strcmp(gb_ext_error_name((gb_ext_error)7), "unknown") == 0);
}

int main(void)
{
    GB_RUN(test_reply_code_bytes);
    GB_RUN(test_reply_code_round_trip);
    GB_RUN(test_reply_code_words_and_kind);
    GB_RUN(test_reply_code_decode_unknown);
    GB_RUN(test_signal_codes);
    GB_RUN(test_ext_error_codes);
    return gb_test_summary();
}
