/*
 * An embedder's program built against an installed gearbox with
 * pkg-config (tests/cli/embed_pkgconfig.sh): the public chain and
 * processor headers alone.  ping.wasm (argv[1]) answers PING through the
 * processor, a program in memory; a chain in a temporary store opens at
 * genesis.  Prints "ok: public headers" when both do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gearbox/chain.h>
#include <gearbox/processor.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 2;
    static uint8_t wasm[1 << 20];
    size_t len = fread(wasm, 1, sizeof wasm, f);
    fclose(f);
    gb_processor *proc;
    gb_gear_program *prog;
    char detail[256];
    if (gb_processor_new_default(&proc) ||
        gb_gear_program_new(wasm, len, NULL, &prog, detail, sizeof detail))
        return 1;
    gb_gear_msg m = {.kind = GB_GEAR_MSG_INIT, .gas_limit = 10000000000ull};
    gb_gear_result r;
    int ok = !gb_gear_program_run(prog, proc, &m, &r);
    gb_gear_result_free(&r);
    m.kind = GB_GEAR_MSG_HANDLE;
    m.payload = (const uint8_t *)"PING";
    m.payload_len = 4;
    ok = ok && !gb_gear_program_run(prog, proc, &m, &r) && r.has_reply &&
         r.reply_len == 4 && !memcmp(r.reply_payload, "PONG", 4);
    gb_gear_result_free(&r);
    gb_gear_program_free(prog);
    gb_processor_free(proc);
    gb_chain *c;
    gb_chain_options o = {.threads = 1, .nosync = true};
    ok = ok && !gb_chain_open_with(&o, &c, detail, sizeof detail);
    if (ok) {
        ok = gb_chain_height(c) == 0;
        gb_chain_close(c);
    }
    puts(ok ? "ok: public headers" : "FAIL");
    return ok ? 0 : 1;
}
