/*
 * A harness test as a program's author writes it (docs/testkit.md):
 * upload ping.wasm on an in-process chain, send PING as alice, run the
 * blocks, expect the reply PONG.  Built against an installed gearbox:
 *
 *   cc -o ping_test testkit_ping.c $(pkg-config --cflags --libs gearbox)
 *   ./ping_test path/to/ping.wasm
 *
 * The program is found from the test, not from where it runs: the path
 * given, else $GB_EXAMPLES_WASM/ping.wasm, else ping.wasm next to the
 * test's executable.  Exit status 0 when the reply is PONG.
 */
#define _POSIX_C_SOURCE 200809L /* readlink */
#include <gearbox/testkit.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void wasm_path(int argc, char **argv, char *out, size_t outlen)
{
    const char *dir = getenv("GB_EXAMPLES_WASM");
    if (argc > 1) {
        snprintf(out, outlen, "%s", argv[1]);
    } else if (dir && *dir) {
        snprintf(out, outlen, "%s/ping.wasm", dir);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = 0;
        snprintf(out, outlen, "%s/ping.wasm", n > 0 ? dirname(exe) : ".");
    }
}

int main(int argc, char **argv)
{
    char path[PATH_MAX + 16];
    wasm_path(argc, argv, path, sizeof path);
    gb_tk *tk;
    char detail[256] = "";
    if (gb_tk_new(NULL, &tk, detail, sizeof detail)) {
        fprintf(stderr, "gb_tk_new: %s\n", detail);
        return 1;
    }
    int rc = 1;
    gb_tk_id ping, msg;
    if (gb_tk_upload_program(tk, path, NULL, 0, &ping) ||
        gb_tk_send_str(tk, gb_tk_dev_account(0), ping, "PING", &msg) ||
        gb_tk_run_until_idle(tk, 100, NULL)) {
        fprintf(stderr, "%s: %s\n", path, gb_tk_detail(tk));
        goto out;
    }
    gb_tk_reply r = gb_tk_reply_of(tk, msg);
    if (!r.found || !gb_tk_reply_code_is_success(r.code) ||
        !gb_tk_reply_is(&r, r.code, "PONG")) {
        fprintf(stderr, "expected the reply PONG\n");
        goto out;
    }
    printf("ok: PING -> PONG\n");
    rc = 0;
out:
    gb_tk_free(tk);
    return rc;
}
