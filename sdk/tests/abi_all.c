/*
 * abi_all.c — not a program to run: it calls every syscall declared in
 * gear.h once, so that the linked module imports all of them and
 * sdk/bin/gear-check can compare each import's wasm signature with the
 * ABI table (../../../shared/GEAR-ABI.md §3).  Built and checked by the
 * test examples/sdk_abi_signatures.
 */
#include "gear.h"

static uint8_t buf[256];

GEAR_EXPORT(handle) void handle(void)
{
    uint32_t sel = 0, u32v;
    uint64_t u64v;
    gear_error_code_t ec;
    gear_error_with_hash_t eh;
    gear_error_with_two_hashes_t e2;
    gear_error_with_reply_code_t erc;
    gear_error_with_signal_code_t esc;
    gear_error_with_gas_t eg;
    gear_error_with_handle_t ehd;
    gear_hash_with_value_t hv = {0};
    gear_two_hashes_with_value_t thv = {0};
    gear_env_vars_v1_t ev;
    gear_block_number_with_hash_t bnh;
    gear_hash_t h = {0};
    gear_u128_t v;

    gr_read(0, 4, &sel, &ec);
    switch (sel) {
    case 0: u32v = gear_sys_alloc(1); gear_sys_free(u32v); gear_sys_free_range(u32v, u32v); break;
    case 1: gr_env_vars(1, &ev); gr_block_height(&u32v); gr_block_timestamp(&u64v); break;
    case 2: gr_create_program(&hv, buf, 4, buf, 4, 0, &e2); break;
    case 3: gr_create_program_wgas(&hv, buf, 4, buf, 4, 1000, 0, &e2); break;
    case 4: gr_reply_deposit(&h, 1000, &ec); gr_debug(buf, 4); break;
    case 5: gr_panic(buf, 4);
    case 6: gr_oom_panic();
    case 7: gr_reply_code(&erc); gr_signal_code(&esc); break;
    case 8: gr_exit(&h);
    case 9: gr_gas_available(&u64v); gr_message_id(&h); gr_program_id(&h); break;
    case 10: gr_leave();
    case 11: gr_random(&h, &bnh); break;
    case 12: gr_reply_commit_wgas(1000, &v, &eh); gr_reply_commit(&v, &eh); break;
    case 13: gr_reply_push(buf, 4, &ec); gr_reply_push_input(0, 4, &ec); break;
    case 14: gr_reply_to(&eh); gr_signal_from(&eh); break;
    case 15: gr_reply_input_wgas(0, 4, 1000, &v, &eh); gr_reply_wgas(buf, 4, 1000, &v, &eh); break;
    case 16: gr_reply(buf, 4, &v, &eh); gr_reply_input(0, 4, &v, &eh); break;
    case 17: gr_reservation_reply_commit(&hv, &eh); gr_reservation_reply(&hv, buf, 4, &eh); break;
    case 18: gr_reservation_send_commit(0, &thv, 0, &eh); gr_reservation_send(&thv, buf, 4, 0, &eh); break;
    case 19: gr_reserve_gas(1000, 10, &eh); break;
    case 20: gr_send_commit_wgas(0, &hv, 1000, 0, &eh); gr_send_commit(0, &hv, 0, &eh); break;
    case 21: gr_send_init(&ehd); gr_send_push(0, buf, 4, &ec); gr_send_push_input(0, 0, 4, &ec); break;
    case 22: gr_send_input_wgas(&hv, 0, 4, 1000, 0, &eh); gr_send_wgas(&hv, buf, 4, 1000, 0, &eh); break;
    case 23: gr_send(&hv, buf, 4, 0, &eh); gr_send_input(&hv, 0, 4, 0, &eh); break;
    case 24: gr_size(&u32v); gr_source(&h); gr_system_reserve_gas(1000, &ec); break;
    case 25: gr_unreserve_gas(&h, &eg); gr_value_available(&v); gr_value(&v); break;
    case 26: gr_wait_for(10);
    case 27: gr_wait_up_to(10);
    case 28: gr_wait();
    case 29: gr_wake(&h, 0, &ec); break;
    }
}
