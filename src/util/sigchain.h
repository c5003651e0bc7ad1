/*
 * Chaining a synchronous fault signal (SIGSEGV, SIGBUS) that a handler of
 * ours does not claim to the action installed before it.  Two handlers use
 * it: the lazy-pages loader (gear/lazy_pages.c) and the compiled tier's
 * guard pages (wasm/jit_x64_rt.c); each keeps the action its sigaction
 * replaced and hands over every fault that is not its own, so they stack
 * in either order with each other and with whatever the process had
 * (a sanitizer's handler, the default action).
 *
 * Async-signal-safe: sigaction and raise only.  The file that includes
 * this header defines _GNU_SOURCE (or _POSIX_C_SOURCE) before any system
 * header, for siginfo_t.
 */
#ifndef GB_UTIL_SIGCHAIN_H
#define GB_UTIL_SIGCHAIN_H

#include <signal.h>

/*
 * Hand signal sig (si, uctx as the handler got them) to prev, the action
 * that was installed before ours: its handler is called when it has one;
 * for the default action (or SIG_IGN, fatal for a fault as well) the
 * default is restored and the handler returns — a real fault then happens
 * again when the instruction is retried and ends the process as if we had
 * never been there; a signal sent with kill() (si_code <= 0) is not
 * retried, so it is raised again (it stays pending until the handler
 * returns).  prev is borrowed.
 */
void gb_sig_chain(const struct sigaction *prev, int sig, siginfo_t *si,
                  void *uctx);

/*
 * Install fn (SA_SIGINFO, on the alternate stack if there is one, nothing
 * masked) for sig, keeping the action it replaces in *prev for
 * gb_sig_chain.  Returns sigaction's result: 0, or -1 with errno set.
 */
int gb_sig_install(int sig, void (*fn)(int, siginfo_t *, void *),
                   struct sigaction *prev);

#endif
