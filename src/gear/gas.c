/*
 * Vara's costs as gearbox uses them: gb_vara_schedule_default (generated)
 * turned into the sums Gear computes from it.  Every formula names where
 * Gear has it; docs/gas.md has the whole picture.
 */
#include "gear/gas.h"

#include <pthread.h>

static gb_gear_costs costs;
static pthread_once_t costs_once = PTHREAD_ONCE_INIT;

/* protocol/core/src/gas_metering/rules.rs: the weight of each instruction
 * Gear accepts; block, loop, nop, drop, end, else, return, unreachable
 * are free; what Gear rejects (floats, bulk memory, memory.grow) keeps
 * the i64.const weight, which no accepted program can observe. */
static void engine_schedule(gb_gas_schedule *s, const gb_vara_schedule *v)
{
    const __typeof__(v->instr) *w = &v->instr;
    for (int i = 0; i < 256; i++)
        s->op[i] = (uint32_t)w->i64const;
    for (int i = 0; i < 32; i++)
        s->op_fc[i] = (uint32_t)w->i64const;
    static const uint8_t free_ops[] = {0x00, 0x01, 0x02, 0x03, 0x05,
                                       0x0B, 0x0F, 0x1A};
    for (unsigned i = 0; i < sizeof free_ops; i++)
        s->op[free_ops[i]] = 0;
#define W(opc, f) s->op[opc] = (uint32_t)w->f
    W(0x41, i64const); W(0x42, i64const);
    for (int o = 0x28; o <= 0x2D; o++)
        s->op[o] = (uint32_t)(o == 0x29 ? w->i64load : w->i32load);
    for (int o = 0x2E; o <= 0x35; o++)
        s->op[o] = (uint32_t)(o >= 0x30 ? w->i64load : w->i32load);
    W(0x36, i32store); W(0x37, i64store); W(0x3A, i32store);
    W(0x3B, i32store); W(0x3C, i64store); W(0x3D, i64store);
    W(0x3E, i64store);
    W(0x1B, select); W(0x1C, select); W(0x04, if_); W(0x0C, br);
    W(0x0D, br_if); W(0x0E, br_table); W(0x10, call);
    W(0x11, call_indirect); W(0x20, local_get); W(0x21, local_set);
    W(0x22, local_tee); W(0x23, global_get); W(0x24, global_set);
    W(0x3F, memory_current);
    W(0x45, i32eqz); W(0x46, i32eq); W(0x47, i32ne); W(0x48, i32lts);
    W(0x49, i32ltu); W(0x4A, i32gts); W(0x4B, i32gtu); W(0x4C, i32les);
    W(0x4D, i32leu); W(0x4E, i32ges); W(0x4F, i32geu);
    W(0x50, i64eqz); W(0x51, i64eq); W(0x52, i64ne); W(0x53, i64lts);
    W(0x54, i64ltu); W(0x55, i64gts); W(0x56, i64gtu); W(0x57, i64les);
    W(0x58, i64leu); W(0x59, i64ges); W(0x5A, i64geu);
    W(0x67, i32clz); W(0x68, i32ctz); W(0x69, i32popcnt); W(0x6A, i32add);
    W(0x6B, i32sub); W(0x6C, i32mul); W(0x6D, i32divs); W(0x6E, i32divu);
    W(0x6F, i32rems); W(0x70, i32remu); W(0x71, i32and); W(0x72, i32or);
    W(0x73, i32xor); W(0x74, i32shl); W(0x75, i32shrs); W(0x76, i32shru);
    W(0x77, i32rotl); W(0x78, i32rotr);
    W(0x79, i64clz); W(0x7A, i64ctz); W(0x7B, i64popcnt); W(0x7C, i64add);
    W(0x7D, i64sub); W(0x7E, i64mul); W(0x7F, i64divs); W(0x80, i64divu);
    W(0x81, i64rems); W(0x82, i64remu); W(0x83, i64and); W(0x84, i64or);
    W(0x85, i64xor); W(0x86, i64shl); W(0x87, i64shrs); W(0x88, i64shru);
    W(0x89, i64rotl); W(0x8A, i64rotr);
    W(0xA7, i32wrapi64); W(0xAC, i64extendsi32); W(0xAD, i64extendui32);
    W(0xC0, i32extend8s); W(0xC1, i32extend16s); W(0xC2, i64extend8s);
    W(0xC3, i64extend16s); W(0xC4, i64extend32s);
#undef W
    s->call = 0;
    s->per_local = (uint32_t)w->call_per_local;
    s->bulk_per_byte = 0;
    s->table_per_elem = 0;
    s->grow_per_page = 0;
    s->br_table_per_target = (uint32_t)w->br_table_per_entry;
    s->call_indirect_per_param = (uint32_t)w->call_indirect_per_param;
}

static void build(void)
{
    const gb_vara_schedule *v = &gb_vara_schedule_default;
    const __typeof__(v->instr) *w = &v->instr;
    gb_gear_costs *c = &costs;
    engine_schedule(&c->engine, v);

    /* protocol/wasm-instrument/src/lib.rs, inject_gas_limiter: the body
     * of gas_charge outside its `if`, plus the i32.const argument, the
     * call and call_per_local */
    c->gas_charge = w->global_get + w->local_get + w->i64extendui32 +
                    w->i64const + w->i64add + w->local_tee + w->i64ltu +
                    w->if_ + w->global_get + w->local_get + w->i64sub +
                    w->global_set + w->i64const + w->call +
                    w->call_per_local;
    c->engine.block = c->gas_charge;
    /* stack_limiter/mod.rs, instrument_call: the preamble (its `if` body
     * is a block of its own that runs only on overflow) and postamble */
    uint64_t guard = w->global_get + w->i64const + w->i32add +
                     w->global_set + w->global_get + w->i64const +
                     w->i32gtu + w->if_ + w->global_get + w->i64const +
                     w->i32sub + w->global_set;
    c->engine.call_defined = (uint32_t)guard;
    /* stack_limiter/thunk.rs: an export's thunk is one metered block:
     * the guarded call (no arguments for Gear's entry points) */
    c->entry_thunk = guard + w->call + c->gas_charge;

    const __typeof__(v->syscall) *y = &v->syscall;
#define S(id, f) c->sys[GB_SYS_##id] = y->f
#define P(id, f) c->sys_per_byte[GB_SYS_##id] = y->f
    S(ALLOC, alloc); S(FREE, free); S(FREE_RANGE, free_range);
    S(GR_ENV_VARS, gr_env_vars); S(GR_BLOCK_HEIGHT, gr_block_height);
    S(GR_BLOCK_TIMESTAMP, gr_block_timestamp);
    S(GR_CREATE_PROGRAM, gr_create_program);
    P(GR_CREATE_PROGRAM, gr_create_program_payload_per_byte);
    S(GR_CREATE_PROGRAM_WGAS, gr_create_program_wgas);
    P(GR_CREATE_PROGRAM_WGAS, gr_create_program_wgas_payload_per_byte);
    S(GR_REPLY_DEPOSIT, gr_reply_deposit);
    S(GR_DEBUG, gr_debug); P(GR_DEBUG, gr_debug_per_byte);
    S(GR_REPLY_CODE, gr_reply_code); S(GR_SIGNAL_CODE, gr_signal_code);
    S(GR_EXIT, gr_exit); S(GR_GAS_AVAILABLE, gr_gas_available);
    S(GR_LEAVE, gr_leave); S(GR_MESSAGE_ID, gr_message_id);
    S(GR_PROGRAM_ID, gr_program_id); S(GR_RANDOM, gr_random);
    S(GR_READ, gr_read); P(GR_READ, gr_read_per_byte);
    S(GR_REPLY_COMMIT_WGAS, gr_reply_commit_wgas);
    S(GR_REPLY_COMMIT, gr_reply_commit);
    S(GR_REPLY_PUSH, gr_reply_push); P(GR_REPLY_PUSH, gr_reply_push_per_byte);
    S(GR_REPLY_PUSH_INPUT, gr_reply_push_input);
    P(GR_REPLY_PUSH_INPUT, gr_reply_push_input_per_byte);
    S(GR_REPLY_TO, gr_reply_to); S(GR_SIGNAL_FROM, gr_signal_from);
    S(GR_REPLY_INPUT_WGAS, gr_reply_input_wgas);
    S(GR_REPLY_WGAS, gr_reply_wgas); P(GR_REPLY_WGAS, gr_reply_wgas_per_byte);
    S(GR_REPLY, gr_reply); P(GR_REPLY, gr_reply_per_byte);
    S(GR_REPLY_INPUT, gr_reply_input);
    S(GR_RESERVATION_REPLY_COMMIT, gr_reservation_reply_commit);
    S(GR_RESERVATION_REPLY, gr_reservation_reply);
    P(GR_RESERVATION_REPLY, gr_reservation_reply_per_byte);
    S(GR_RESERVATION_SEND_COMMIT, gr_reservation_send_commit);
    S(GR_RESERVATION_SEND, gr_reservation_send);
    P(GR_RESERVATION_SEND, gr_reservation_send_per_byte);
    S(GR_RESERVE_GAS, gr_reserve_gas);
    S(GR_SEND_COMMIT_WGAS, gr_send_commit_wgas);
    S(GR_SEND_COMMIT, gr_send_commit); S(GR_SEND_INIT, gr_send_init);
    S(GR_SEND_PUSH, gr_send_push); P(GR_SEND_PUSH, gr_send_push_per_byte);
    S(GR_SEND_PUSH_INPUT, gr_send_push_input);
    P(GR_SEND_PUSH_INPUT, gr_send_push_input_per_byte);
    S(GR_SEND_INPUT_WGAS, gr_send_input_wgas);
    S(GR_SEND_WGAS, gr_send_wgas); P(GR_SEND_WGAS, gr_send_wgas_per_byte);
    S(GR_SEND, gr_send); P(GR_SEND, gr_send_per_byte);
    S(GR_SEND_INPUT, gr_send_input); S(GR_SIZE, gr_size);
    S(GR_SOURCE, gr_source);
    S(GR_SYSTEM_RESERVE_GAS, gr_system_reserve_gas);
    S(GR_UNRESERVE_GAS, gr_unreserve_gas);
    S(GR_VALUE_AVAILABLE, gr_value_available); S(GR_VALUE, gr_value);
    S(GR_WAIT_FOR, gr_wait_for); S(GR_WAIT_UP_TO, gr_wait_up_to);
    S(GR_WAIT, gr_wait); S(GR_WAKE, gr_wake);
#undef S
#undef P
    /* gr_panic and gr_oom_panic cost nothing (CostToken::Null) */
    c->create_salt_per_byte = y->gr_create_program_salt_per_byte;
    c->create_wgas_salt_per_byte = y->gr_create_program_wgas_salt_per_byte;
    c->free_range_per_page = y->free_range_per_page;

    const __typeof__(v->memory) *m = &v->memory;
    c->mem_grow = m->mem_grow;
    c->mem_grow_per_page = m->mem_grow_per_page;
    /* schedule.rs, From<MemoryWeights> for LazyPagesCosts */
    c->signal_read = m->lazy_pages_signal_read;
    c->signal_write = m->lazy_pages_signal_write + m->upload_page_data;
    c->signal_write_after_read =
        m->lazy_pages_signal_write_after_read + m->upload_page_data;
    c->host_read = m->lazy_pages_host_func_read;
    c->host_write = m->lazy_pages_host_func_write + m->upload_page_data;
    c->host_write_after_read =
        m->lazy_pages_host_func_write_after_read + m->upload_page_data;
    c->load_page_data = m->load_page_data + m->parachain_read_heuristic;

    c->db_read = v->db.read;
    c->db_read_per_byte = v->db.read_per_byte;
    c->db_write = v->db.write;
    c->db_write_per_byte = v->db.write_per_byte;
    c->load_allocations_per_interval = v->load_allocations_weight;
    c->inst_code = v->inst.code_section_per_byte;
    c->inst_data = v->inst.data_section_per_byte;
    c->inst_global = v->inst.global_section_per_byte;
    c->inst_table = v->inst.table_section_per_byte;
    c->inst_element = v->inst.element_section_per_byte;
    c->inst_type = v->inst.type_section_per_byte;

    /* processing.rs:101-106 */
    c->sending_fee = 2 * c->db_write;
    c->delayed_sending_fee = 4 * c->db_write;
    c->waiting_fee = 3 * c->db_write;
    c->waking_fee = 2 * c->db_write;
    c->reservation_fee = 2 * c->db_write;
    c->waitlist_rent = v->rent.waitlist;
    c->reserve_for = GB_GEAR_RESERVE_FOR;
    c->reservation_rent = v->rent.reservation;
}

const gb_gear_costs *gb_gear_costs_get(void)
{
    pthread_once(&costs_once, build);
    return &costs;
}
